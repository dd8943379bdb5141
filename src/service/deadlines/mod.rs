//! Deadlines: queues the emails that are due because time passed (reminders), as opposed to
//! those a change causes (receipts, decisions), which their use case queues itself. The
//! `scheduler` runs [`tick`] on its interval; `POST /scheduler/run` and the demo clock run it once.
//!
//! A tick asks every [`ReminderSource`] what is due at the injected clock's now and queues it
//! through the outbox, whose unique (kind, target, occasion) makes a tick idempotent: ticking
//! twice, late, or after a restart queues each reminder once. The sources judge each reminder at
//! its own moment (see `domain::reminders`), so a late tick catches up exactly.
//!
//! `serve` ticks every 30 s (`--scheduler-interval`); tests and `tuinier scenario run` tick
//! through `POST /scheduler/run` after moving the clock.
//!
//! ## Adding a source
//! Implement [`ReminderSource`]: a read-only `due(db, now)` that returns every email due at `now`
//! (queued before or not), each with its kind, target, and an occasion that names the moment
//! (e.g. `days_before:14`); then add it to [`sources`]. Monitoring's `report_reminder`
//! ([`ReportReminders`], decided by `service::monitoring::due_report_reminders`) is plugged in so.

pub mod calls;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use super::{Actor, AppState, audit, outcome_cache};
use crate::error::DomainError;
use crate::mail::outbox::{self, NewEmail};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something that knows which emails are due at a moment. It only reads; the tick queues.
pub trait ReminderSource: Send + Sync {
    /// For the audit trail and logs, e.g. `submission_reminders`.
    fn name(&self) -> &'static str;
    /// Every email due at `now` (also those queued already: queueing is idempotent).
    fn due<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Vec<NewEmail>, DomainError>>;
}

/// The sources a tick asks, in order.
pub fn sources() -> Vec<Box<dyn ReminderSource>> {
    vec![
        Box::new(calls::SubmissionReminders),
        Box::new(calls::AddendumReminders),
        Box::new(ReportReminders),
    ]
}

/// Monitoring's report reminders (issue 8): `service::monitoring` decides what is due.
pub struct ReportReminders;

impl ReminderSource for ReportReminders {
    fn name(&self) -> &'static str {
        "report_reminders"
    }
    fn due<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Vec<NewEmail>, DomainError>> {
        Box::pin(crate::service::monitoring::due_report_reminders(db, now))
    }
}

/// One email a tick queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queued {
    pub kind: String,
    pub target: String,
    pub occasion: String,
    pub recipient: String,
}

/// Runs every source once at the clock's now and queues what is due and not queued yet; returns
/// what it newly queued. Each source's emails go in one transaction with their audit lines.
#[tracing::instrument(skip_all)]
pub async fn tick(state: &AppState) -> Result<Vec<Queued>, DomainError> {
    tick_with(state, &sources()).await
}

#[tracing::instrument(skip_all, fields(sources = sources.len()))]
pub async fn tick_with(
    state: &AppState,
    sources: &[Box<dyn ReminderSource>],
) -> Result<Vec<Queued>, DomainError> {
    let now = state.now();
    let mut queued = Vec::new();
    for source in sources {
        let due = source.due(&state.db, now).await?;
        if due.is_empty() {
            continue;
        }
        let txn = state.write().await?;
        let before = state.key_inside(&txn).await?;
        let mut these = Vec::new();
        for email in due {
            let q = Queued {
                kind: email.kind.clone(),
                target: email.target.clone(),
                occasion: email.occasion.clone(),
                recipient: email.recipient.clone(),
            };
            if outbox::enqueue(&txn, email).await? {
                these.push(q);
            }
        }
        for q in &these {
            audit::record(
&txn,
audit::AuditEntry {
actor: &Actor::system("scheduler"),
at: now,
action: "email.scheduled",
entity_type: "email",
entity_id: q.target.to_string(),
reason: None,
details: serde_json::json!({"kind": q.kind, "occasion": q.occasion, "source": source.name()}),
},
).await?;
        }
        let after = state.key_after_commit(&txn).await?;
        txn.commit().await?;
        // Reminders are emails and audit lines only: the outcomes kept stay kept.
        outcome_cache::unchanged_by_any(state, before, after);
        queued.extend(these);
    }
    Ok(queued)
}

/// [`tick`], run again up to `attempts` times on a busy database: a tick is idempotent (each
/// email is queued once), so running it again is safe. The scheduler's loop uses it.
#[tracing::instrument(skip_all, fields(attempts = attempts))]
pub async fn tick_retrying(state: &AppState, attempts: u32) -> Result<Vec<Queued>, DomainError> {
    crate::store::retry(attempts, || tick(state)).await
}
