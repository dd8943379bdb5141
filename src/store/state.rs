//! The context every use case runs in: the database, the clock and the writers' turn.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::read_cache::{CacheKey, ReadCache};
use super::sheet_memo::SheetMemo;
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
    /// The checked facts of submitted sheets (see `store::sheet_memo`).
    pub sheets: SheetMemo,
    /// How long a bearer token's user is remembered after its look-up (`service::auth`):
    /// `REMEMBER_TOKEN` unless a test pins it.
    pub remember_token: Duration,
}

/// How long a bearer token's user is remembered after its look-up: a token changed by another
/// process on the same database stops working here within this time (see `service::auth`).
pub const REMEMBER_TOKEN: Duration = Duration::from_secs(1);

impl AppState {
    pub fn new(db: DatabaseConnection, clock: SharedClock) -> AppState {
        AppState {
            db,
            clock,
            writes: WriteGate::default(),
            reads: ReadCache::default(),
            sheets: SheetMemo::new(),
            remember_token: REMEMBER_TOKEN,
        }
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

    /// The read key inside the write transaction `txn`. No other writer, of this process or
    /// another, commits while it is open (see `store::tx`), so read before its own writes it is
    /// the key of what the database held when it started.
    pub async fn key_inside(&self, txn: &WriteTx) -> Result<CacheKey, DomainError> {
        let audit = super::read_cache::latest_audit_id(txn).await?;
        Ok(CacheKey { generation: self.writes.generation(), audit })
    }

    /// The read key the reads will find right after `txn` commits, read inside it after its last
    /// write (and audit line): its commit moves this process's write generation twice.
    pub async fn key_after_commit(&self, txn: &WriteTx) -> Result<CacheKey, DomainError> {
        let key = self.key_inside(txn).await?;
        Ok(CacheKey { generation: key.generation + 2, ..key })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
