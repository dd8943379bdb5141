//! Use cases. Each one checks who may do it, opens the transaction, and writes its audit line in
//! that same transaction.

pub mod applications;
pub mod assessment;
pub mod audit_trail;
pub mod auth;
pub mod backup;
pub mod call_assessors;
pub mod calls;
pub mod deadlines;
pub mod demo_clock;
pub mod finance;
pub mod health;
pub mod letters;
pub mod monitoring;
pub mod notify;
pub mod outbox;
pub mod outcome;
pub mod outcome_cache;
pub mod publication;
pub mod records;
pub mod regions;
pub mod templates;
pub mod users;
pub mod verify;
pub mod web_sessions;

// The context every use case runs in, the actor and the audit writer live in `store`, below the
// services and the mail outbox that also use them.
pub use crate::store::AppState;
pub use crate::store::audit::{self, Actor, AuditEntry};
