//! The advance schedule and the advances: each advance is a decision of its own (letter and
//! email), refused above the grant, above the schedule's share before settlement, or while a
//! report it depends on is overdue without a recorded reason.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{Advance, advance_of};
use super::{blank_to_none, date_text, for_staff, mails, readable};
use crate::domain::finance::{self as f, DEFAULT_MAX_SHARE_PERCENT};
use crate::domain::money::Money;
use crate::domain::monitoring::{self as m, Period};
use crate::error::{DomainError, FieldError};
use crate::service::auth::Principal;
use crate::service::letters::local_date;
use crate::service::{AppState, audit};
use crate::store::finance as db;
use crate::store::monitoring::{self as mdb, parse_money};

/// One planned instalment of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    pub due_on: NaiveDate,
    pub amount: Money,
    /// The report period whose acceptance it waits for, if any (e.g. `2023-H1`).
    #[serde(default)]
    pub against_period: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub proeftuin_id: i32,
    pub max_share_percent: u32,
    /// The most that may be advanced before the settlement.
    pub limit: Money,
    pub instalments: Vec<Instalment>,
    /// `false` while the default applies (no schedule was set).
    pub set: bool,
}

async fn schedule_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
    grant: Money,
) -> Result<Schedule, DomainError> {
    let row = db::schedule(db, proeftuin_id).await?;
    let (percent, instalments, set) = match row {
        Some(r) => (
            r.max_share_percent.clamp(0, 100) as u32,
            serde_json::from_str(&r.instalments).map_err(DomainError::internal)?,
            true,
        ),
        None => (DEFAULT_MAX_SHARE_PERCENT, Vec::new(), false),
    };
    Ok(Schedule {
        proeftuin_id,
        max_share_percent: percent,
        limit: f::advance_limit(grant, percent),
        instalments,
        set,
    })
}

async fn grant_of<C: sea_orm::ConnectionTrait>(db: &C, id: i32) -> Result<Money, DomainError> {
    mdb::grants(db, id).await?.iter().map(|g| parse_money(&g.amount)).sum()
}

pub async fn schedule(state: &AppState, who: &Principal, id: i32) -> Result<Schedule, DomainError> {
    readable(&state.db, who, id).await?;
    schedule_of(&state.db, id, grant_of(&state.db, id).await?).await
}

/// Sets a proeftuin's schedule (staff): the share before settlement and the instalments, which
/// together stay within that share.
pub async fn set_schedule(
    state: &AppState,
    who: &Principal,
    id: i32,
    max_share_percent: u32,
    instalments: Vec<Instalment>,
) -> Result<Schedule, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    for_staff(&txn, who, id).await?;
    let grant = grant_of(&txn, id).await?;
    let mut errors = Vec::new();
    if !(1..=100).contains(&max_share_percent) {
        errors.push(FieldError::new("max_share_percent", "a percentage from 1 to 100"));
    }
    for (i, x) in instalments.iter().enumerate() {
        if x.amount.is_zero() {
            errors.push(FieldError::new(format!("instalments[{i}].amount"), "more than zero"));
        }
        if x.against_period.as_deref().is_some_and(|p| Period::parse(p).is_none()) {
            errors.push(FieldError::new(
                format!("instalments[{i}].against_period"),
                m::PERIOD_FORMAT,
            ));
        }
    }
    let planned: Money = instalments.iter().map(|x| x.amount).sum();
    let limit = f::advance_limit(grant, max_share_percent);
    if planned > limit {
        errors.push(FieldError::new(
            "instalments",
            format!("the instalments add up to {planned}, above the {max_share_percent}% of the grant ({limit})"),
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let text = serde_json::to_string(&instalments).map_err(DomainError::internal)?;
    db::put_schedule(&txn, id, max_share_percent as i32, text, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "finance.schedule_set",
            entity_type: "proeftuin",
            entity_id: id.to_string(),
            reason: None,
            details: json!({"max_share_percent": max_share_percent, "instalments": instalments}),
        },
    )
    .await?;
    let out = schedule_of(&txn, id, grant).await?;
    txn.commit().await?;
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct AdvanceInput {
    pub amount: Money,
    pub against_period: Option<String>,
    pub description: Option<String>,
    pub overdue_reason: Option<String>,
}

/// The report periods `against` depends on that are overdue: not accepted and past due.
async fn overdue_periods<C: sea_orm::ConnectionTrait>(
    db: &C,
    p: &entity::proeftuin::Model,
    against: Option<&Period>,
    today: NaiveDate,
) -> Result<Vec<String>, DomainError> {
    let Some(period) = against else { return Ok(Vec::new()) };
    let due = mdb::settings(db, p.call_id).await?.report_due_on(period);
    let accepted = mdb::reports(db, Some(p.id))
        .await?
        .iter()
        .any(|r| r.period == period.to_string() && m::is(&r.status, m::Status::Accepted));
    Ok(if !accepted && today > due { vec![period.to_string()] } else { Vec::new() })
}

/// Decides an advance (staff): checked, stored, audited, its email with the letter queued.
// Long: the checks, the row, the audit line and the email of one decision, in one transaction.
#[tracing::instrument(skip_all, fields(proeftuin_id = id))]
pub async fn decide_advance(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: AdvanceInput,
) -> Result<Advance, DomainError> {
    let now = state.now();
    let today = local_date(now);
    let txn = state.write().await?;
    let p = for_staff(&txn, who, id).await?;
    mdb::lock_proeftuin(&txn, id, now).await?;
    if !db::settlements(&txn, Some(id)).await?.is_empty() {
        return Err(DomainError::Conflict(
            "the grant is settled: what is still due follows from the settlement".into(),
        ));
    }
    // An empty period is refused as the spec's pattern says, not read as "none".
    let against = match input.against_period.as_deref() {
        None => None,
        Some(s) => Some(
            Period::parse(s)
                .ok_or_else(|| DomainError::invalid("against_period", m::PERIOD_FORMAT))?,
        ),
    };
    let grant = grant_of(&txn, id).await?;
    let schedule = schedule_of(&txn, id, grant).await?;
    let earlier = db::advances(&txn, Some(id)).await?;
    let advanced: Money =
        earlier.iter().map(|a| parse_money(&a.amount)).sum::<Result<Money, DomainError>>()?;
    let overdue = overdue_periods(&txn, &p, against.as_ref(), today).await?;
    // The spec forbids a blank text where one is given: leave it out or fill it.
    let blank = |t: &Option<String>| t.as_deref().is_some_and(|r| r.trim().is_empty());
    let texts = [("overdue_reason", &input.overdue_reason), ("description", &input.description)];
    let errors: Vec<FieldError> = texts
        .into_iter()
        .filter(|(_, t)| blank(t))
        .map(|(field, _)| FieldError::new(field, "leave it out or fill it"))
        .collect();
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let overdue_reason = blank_to_none(input.overdue_reason);
    let problems = f::advance_problems(&f::AdvanceCheck {
        grant,
        advanced,
        amount: input.amount,
        max_share_percent: schedule.max_share_percent,
        overdue: &overdue,
        overdue_reason: overdue_reason.as_deref(),
    });
    if !problems.is_empty() {
        return Err(DomainError::Validation(problems));
    }
    let number = earlier.iter().map(|a| a.number).max().unwrap_or(0) + 1;
    let description = blank_to_none(input.description).unwrap_or_else(|| match &against {
        Some(per) => {
            format!("Voorschot {number} na de voortgangsrapportage over {}", per.label_nl())
        }
        None => format!("Voorschot {number}"),
    });
    let row = db::insert_advance(
        &txn,
        db::NewAdvance {
            proeftuin_id: id,
            number,
            amount: input.amount,
            against_period: against.map(|x| x.to_string()),
            description,
            overdue_reason: overdue_reason.clone(),
            decided_on: date_text(today),
        },
        now,
    )
    .await?;
    let advance = advance_of(row)?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "finance.advance_decided",
            entity_type: "proeftuin",
            entity_id: id.to_string(),
            reason: if overdue.is_empty() { None } else { overdue_reason.as_deref() },
            details: json!({"advance_id": advance.id, "number": number, "amount": advance.amount, "advanced_before": advanced, "grant": grant, "overdue": overdue}),
        },
    )
    .await?;
    mails::advance_decided(&txn, &p, &advance, now).await?;
    txn.commit().await?;
    Ok(advance)
}

pub async fn advances(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<Vec<Advance>, DomainError> {
    readable(&state.db, who, id).await?;
    db::advances(&state.db, Some(id)).await?.into_iter().map(advance_of).collect()
}

/// One advance the caller may read.
pub async fn advance(
    state: &AppState,
    who: &Principal,
    advance_id: i32,
) -> Result<Advance, DomainError> {
    let not_found = || DomainError::NotFound(format!("advance {advance_id}"));
    let a = db::advance(&state.db, advance_id).await?.ok_or_else(not_found)?;
    readable(&state.db, who, a.proeftuin_id).await.map_err(|e| match e {
        DomainError::NotFound(_) => not_found(),
        other => other,
    })?;
    advance_of(a)
}
