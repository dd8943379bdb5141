//! The context every use case runs in: the database, the clock and the writers' turn.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::read_cache::{CacheKey, ReadCache};
use super::{WriteGate, WriteTx, write_tx};
use crate::clock::SharedClock;
use crate::error::DomainError;

/// What every use case needs: the database and the clock.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// The writers' turn: every write transaction opens through `AppState::write`.
    pub writes: WriteGate,
    /// Read models computed once per change (see `store::read_cache`).
    pub reads: ReadCache,
}

impl AppState {
    pub fn new(db: DatabaseConnection, clock: SharedClock) -> AppState {
        AppState { db, clock, writes: WriteGate::default(), reads: ReadCache::default() }
    }

    /// Opens a write transaction that holds the write lock from its start (see `store::tx`).
    pub async fn write(&self) -> Result<WriteTx, DomainError> {
        write_tx(&self.db, &self.writes).await
    }

    /// The key of what the database holds now, for the read cache: one indexed look-up.
    pub async fn read_key(&self) -> Result<CacheKey, DomainError> {
        let generation = self.writes.generation();
        let audit = super::read_cache::latest_audit_id(&self.db).await?;
        Ok(CacheKey { generation, audit })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
