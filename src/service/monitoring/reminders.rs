//! Report reminders.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::proeftuinen::{Proeftuin, proeftuinen_of};
use super::today;
use crate::domain::dutch;
use crate::domain::monitoring::{Period, Status};
use crate::domain::reminders::reports::{ProeftuinFacts, report_reminders};
use crate::error::DomainError;
use crate::mail::monitoring::{self as mail, Addressee};
use crate::mail::outbox::{self, NewEmail, kind};
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit};
use crate::store::monitoring as db;

/// The outbox kind of the reminders.
pub const REPORT_REMINDER: &str = kind::REPORT_REMINDER;

/// Queues every `report_reminder` that is due at `now`: before an annual plan or a progress
/// report is due (`reminder_days_before`), and once it is overdue. Only for what is neither
/// submitted nor accepted, and only for what fell due after the proeftuin entered the service.
/// The outbox keeps each (kind, target, occasion) once, so running it again queues nothing new.
/// Returns how many emails it queued.
#[tracing::instrument(skip_all)]
pub async fn queue_report_reminders<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<usize, DomainError> {
    let mut queued = 0;
    for email in due_report_reminders(db, now).await? {
        queued += usize::from(outbox::enqueue(db, email).await?);
    }
    Ok(queued)
}

/// Every `report_reminder` due at `now` (also those queued already: queueing is idempotent).
/// Only reads; this is what a scheduler source returns. The schedule is
/// [`crate::domain::reminders::reports`]; the text is [`crate::mail::monitoring`].
#[tracing::instrument(skip_all)]
pub async fn due_report_reminders<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<NewEmail>, DomainError> {
    let today = today(now);
    let mut due_emails = Vec::new();
    // A fixed number of queries for the whole programme, none per proeftuin.
    let rows = db::proeftuinen(db, None).await?;
    let entered: Vec<NaiveDate> =
        rows.iter().map(|r| dutch::in_amsterdam(r.created_at).date_naive()).collect();
    let all = Inputs::load(db).await?;
    for (p, entered) in proeftuinen_of(db, rows).await?.into_iter().zip(entered) {
        let facts = all.facts_of(&p, entered);
        let to = Addressee { proeftuin_id: p.id, name: &p.name, email: &p.contact_email };
        for r in report_reminders(&facts, today) {
            due_emails.push(mail::report_reminder(to, &r, now));
        }
    }
    Ok(due_emails)
}

/// What the reminder schedule needs of every proeftuin, read at once.
struct Inputs {
    plans: Vec<entity::annual_plan::Model>,
    reports: Vec<entity::progress_report::Model>,
    settings: std::collections::HashMap<i32, crate::domain::monitoring::DueSettings>,
}

impl Inputs {
    async fn load<C: ConnectionTrait>(db: &C) -> Result<Inputs, DomainError> {
        Ok(Inputs {
            plans: db::all_plans(db).await?,
            reports: db::reports(db, None).await?,
            settings: db::all_settings(db).await?,
        })
    }

    /// What the reminder schedule needs of a proeftuin: its life, settings and what is in.
    fn facts_of(&self, p: &Proeftuin, entered: NaiveDate) -> ProeftuinFacts {
        let plans_in = self
            .plans
            .iter()
            .filter(|x| x.proeftuin_id == p.id)
            .filter(|x| Status::parse(&x.status).is_some_and(Status::is_in))
            .map(|x| x.year)
            .collect();
        let quarters_in = self
            .reports
            .iter()
            .filter(|r| r.proeftuin_id == p.id)
            .filter(|r| Status::parse(&r.status).is_some_and(Status::is_in))
            .filter_map(|r| Period::parse(&r.period))
            .flat_map(|x| x.quarters())
            .collect();
        let settings = p.call_id.and_then(|c| self.settings.get(&c).cloned()).unwrap_or_default();
        ProeftuinFacts {
            entered,
            life: p.life(),
            reporting: p.reporting,
            settings,
            plans_in,
            quarters_in,
        }
    }
}

/// Runs the reminders now (staff), for when no scheduler runs them: the same as the scheduler's.
#[tracing::instrument(skip_all)]
pub async fn run_reminders(state: &AppState, who: &Principal) -> Result<usize, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    let n = queue_report_reminders(&txn, now).await?;
    if n > 0 {
        audit::record(
            &txn,
            audit::AuditEntry {
                actor: &who.actor(),
                at: now,
                action: "monitoring.reminders",
                entity_type: "outbox",
                entity_id: REPORT_REMINDER.to_string(),
                reason: None,
                details: json!({"queued": n}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(n)
}
