//! Report reminders.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::proeftuinen::{Proeftuin, proeftuin_of};
use super::today;
use crate::domain::dutch;
use crate::domain::monitoring::{Period, status};
use crate::error::DomainError;
use crate::mail::outbox::{self, NewEmail};
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit};
use crate::store::monitoring as db;

pub const REPORT_REMINDER: &str = "report_reminder";
/// Queues every `report_reminder` that is due at `now`: before an annual plan or a progress
/// report is due (`reminder_days_before`), and once it is overdue. Only for what is neither
/// submitted nor accepted, and only for what fell due after the proeftuin entered the service.
/// The outbox keeps each (kind, target, occasion) once, so running it again queues nothing new.
/// Returns how many emails it queued.
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
/// Only reads; this is what a scheduler source returns.
pub async fn due_report_reminders<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<NewEmail>, DomainError> {
    let today = today(now);
    let mut due_emails = Vec::new();
    for row in db::proeftuinen(db, None).await? {
        let entered = dutch::in_amsterdam(row.created_at).date_naive();
        let p = proeftuin_of(db, row).await?;
        let settings = db::settings(db, p.call_id).await?;
        let before = chrono::Days::new(u64::from(settings.reminder_days_before));
        let occasion = |due: NaiveDate| -> Option<&'static str> {
            if due < entered {
                None
            } else if today > due {
                Some("overdue")
            } else if today >= due - before {
                Some("before_due")
            } else {
                None
            }
        };
        // Annual plans: for every year of its life up to next year.
        let plans = db::plans(db, p.id).await?;
        for year in p.started_on.year()..=today.year() + 1 {
            if p.ends_on.is_some_and(|e| e.year() < year) {
                continue;
            }
            let due = settings.annual_plan_due_on(year);
            let done = plans.iter().any(|x| {
                x.year == year && (x.status == status::SUBMITTED || x.status == status::ACCEPTED)
            });
            if let (false, Some(occ)) = (done, occasion(due)) {
                let what = format!("het jaarplan {year}");
                due_emails.push(reminder(
                    &p,
                    &format!("annual_plan:{}:{year}", p.id),
                    occ,
                    &what,
                    due,
                    now,
                ));
            }
        }
        // Progress reports: every period of its reporting kind that has ended.
        let covered: BTreeSet<Period> = db::reports(db, Some(p.id))
            .await?
            .iter()
            .filter(|r| r.status == status::SUBMITTED || r.status == status::ACCEPTED)
            .filter_map(|r| Period::parse(&r.period))
            .flat_map(|x| x.quarters())
            .collect();
        for year in p.started_on.year()..=today.year() {
            for period in p.reporting.periods_of(year) {
                if period.end() < p.started_on
                    || p.ends_on.is_some_and(|e| period.start() > e)
                    || period.end() >= today
                {
                    continue;
                }
                if period.quarters().iter().all(|q| covered.contains(q)) {
                    continue;
                }
                let due = settings.report_due_on(&period);
                if let Some(occ) = occasion(due) {
                    let what = format!("de voortgangsrapportage over {}", period.label_nl());
                    due_emails.push(reminder(
                        &p,
                        &format!("progress_report:{}:{period}", p.id),
                        occ,
                        &what,
                        due,
                        now,
                    ));
                }
            }
        }
    }
    Ok(due_emails)
}

fn reminder(
    p: &Proeftuin,
    target: &str,
    occasion: &str,
    what: &str,
    due: NaiveDate,
    now: DateTime<Utc>,
) -> NewEmail {
    let (subject, opening) = if occasion == "overdue" {
        (
            format!("Herinnering: {what} van {} is te laat", p.name),
            format!("{what} van {} had uiterlijk {} binnen moeten zijn.", p.name, dutch::date(due)),
        )
    } else {
        (
            format!("Herinnering: {what} van {} wordt verwacht", p.name),
            format!("{what} van {} wordt uiterlijk {} verwacht.", p.name, dutch::date(due)),
        )
    };
    let mut opening = opening;
    if let Some(first) = opening.get(..1) {
        opening = first.to_uppercase() + &opening[1..];
    }
    let body = format!(
        "Beste contactpersoon,\n\n{opening}\n\nU dient dit in via Tuinier. Is het al onderweg, dan kunt u dit bericht als niet verzonden beschouwen.\n\nMet vriendelijke groet,\nHet programmabureau Toekomstscenario kind- en gezinsbescherming\n"
    );
    NewEmail {
        kind: REPORT_REMINDER.into(),
        target: target.into(),
        occasion: occasion.into(),
        recipient: p.contact_email.clone(),
        subject,
        body_text: body,
        at: now,
        attachment: None,
    }
}

/// Runs the reminders now (staff), for when no scheduler runs them: the same as the scheduler's.
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
