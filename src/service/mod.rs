//! Use cases. Each one checks who may do it, opens the transaction, and writes its audit line in
//! that same transaction.

pub mod applications;
pub mod assessment;
pub mod auth;
pub mod backup;
pub mod call_assessors;
pub mod calls;
pub mod demo;
pub mod demo_clock;
pub mod demo_open;
pub mod monitoring;
pub mod monitoring_pdf;
pub mod letters;
pub mod notify;
pub mod outbox;
pub mod regions;
pub mod templates;
pub mod users;
pub mod verify;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::clock::SharedClock;
use crate::error::DomainError;
use crate::store;

/// What every use case needs: the database and the clock.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// The writers' turn: every write transaction opens through `AppState::write`.
    pub writes: store::WriteGate,
}

impl AppState {
    pub fn new(db: DatabaseConnection, clock: SharedClock) -> AppState {
        AppState { db, clock, writes: store::WriteGate::default() }
    }

    /// Opens a write transaction that holds the write lock from its start (see `store::tx`).
    pub async fn write(&self) -> Result<store::WriteTx, DomainError> {
        store::write_tx(&self.db, &self.writes).await
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Who did something, for the audit trail: a user, or the service itself (CLI, scheduler, demo).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub label: String,
}

impl Actor {
    pub fn system(what: &str) -> Actor {
        Actor { user_id: None, label: format!("system:{what}") }
    }
}

/// Appends one line to the audit trail; call it inside the transaction of the change.
#[allow(clippy::too_many_arguments)]
pub async fn audit<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    entity_type: &str,
    entity_id: impl ToString,
    reason: Option<&str>,
    details: serde_json::Value,
) -> Result<(), DomainError> {
    store::audit::append(
        db,
        store::audit::NewEntry {
            at,
            actor_user_id: actor.user_id,
            actor: actor.label.clone(),
            action: action.to_string(),
            entity_type: entity_type.to_string(),
            entity_id: entity_id.to_string(),
            reason: reason.map(str::to_string),
            details,
        },
    )
    .await?;
    Ok(())
}
