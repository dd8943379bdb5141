//! The settlement (*vaststelling*): drafted from the accepted reports, decided by staff with any
//! grounds to lower it, and revised within five years only by a new, reasoned decision that
//! leaves the original in place.

use chrono::NaiveDate;
use entity::settlement;
use sea_orm::ActiveValue::Set;
use serde_json::json;

use super::figures::signed_amount;
use super::model::{SettlementDecision, decision_of};
use super::{date_text, for_staff, mails, readable};
use crate::domain::finance::{self as f, LoweringGround, Settlement, SettlementYear};
use crate::domain::money::Money;
use crate::error::DomainError;
use crate::service::auth::Principal;
use crate::service::letters::local_date;
use crate::service::monitoring as mon;
use crate::service::{AppState, audit};
use crate::store::finance as db;
use crate::store::monitoring::parse_date;

#[derive(Debug, Clone)]
pub struct SettleInput {
    pub own_contribution: Money,
    pub grounds: Vec<LoweringGround>,
}

/// The computation from the accepted reports and the payments, with the given grounds.
async fn compute(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: SettleInput,
) -> Result<Settlement, DomainError> {
    let p = mon::get(state, who, id).await?;
    let spending = mon::spending(state, who, id).await?;
    let years = spending
        .years
        .iter()
        .map(|y| SettlementYear { year: y.year, budgeted: y.budgeted, realised: y.realised })
        .collect();
    let paid = db::payments(&state.db, Some(id))
        .await?
        .iter()
        .map(signed_amount)
        .sum::<Result<Money, DomainError>>()?;
    f::settle(f::SettlementInput {
        grant: p.grant_total,
        years,
        own_contribution: input.own_contribution,
        grounds: input.grounds,
        paid,
    })
    .map_err(DomainError::Validation)
}

/// The draft: what the settlement would be now, from the accepted reports (nothing stored).
pub async fn settlement_draft(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: SettleInput,
) -> Result<Settlement, DomainError> {
    for_staff(&state.db, who, id).await?;
    compute(state, who, id, input).await
}

fn row_of(
    id: i32,
    number: i32,
    revises: Option<(i32, String)>,
    s: &Settlement,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<settlement::ActiveModel, DomainError> {
    let (revises_id, reason) = match revises {
        Some((r, why)) => (Some(r), Some(why)),
        None => (None, None),
    };
    Ok(settlement::ActiveModel {
        proeftuin_id: Set(id),
        number: Set(number),
        revises_id: Set(revises_id),
        reason: Set(reason),
        grant_amount: Set(s.grant.to_string()),
        realised: Set(s.realised.to_string()),
        own_contribution: Set(s.own_contribution.to_string()),
        settled: Set(s.settled.to_string()),
        paid: Set(s.paid.to_string()),
        balance: Set(s.balance.to_string()),
        years: Set(serde_json::to_string(&s.years).map_err(DomainError::internal)?),
        grounds: Set(serde_json::to_string(&s.grounds).map_err(DomainError::internal)?),
        decided_on: Set(date_text(today)),
        created_at: Set(now),
        ..Default::default()
    })
}

/// Decides the settlement (staff), once per proeftuin.
#[tracing::instrument(skip_all, fields(proeftuin_id = id))]
pub async fn settle(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: SettleInput,
) -> Result<SettlementDecision, DomainError> {
    for_staff(&state.db, who, id).await?;
    let s = compute(state, who, id, input).await?;
    let now = state.now();
    let today = local_date(now);
    let txn = state.write().await?;
    let p = for_staff(&txn, who, id).await?;
    crate::store::monitoring::lock_proeftuin(&txn, id, now).await?;
    if !db::settlements(&txn, Some(id)).await?.is_empty() {
        return Err(DomainError::Conflict(
            "the grant is settled already; a change is a revision of that settlement".into(),
        ));
    }
    let row = db::insert_settlement(&txn, row_of(id, 1, None, &s, today, now)?).await?;
    let decision = decision_of(row, today)?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "finance.settled",
            entity_type: "proeftuin",
            entity_id: id.to_string(),
            reason: None,
            details: json!({"settlement_id": decision.id, "figures": decision.figures}),
        },
    )
    .await?;
    mails::settlement_decided(&txn, &p, &decision, now).await?;
    txn.commit().await?;
    Ok(decision)
}

/// Revises the settlement in force (staff) by a new decision with its reason, within five years
/// of the original; the original and earlier revisions stay as they were.
#[tracing::instrument(skip_all, fields(settlement_id))]
pub async fn revise_settlement(
    state: &AppState,
    who: &Principal,
    settlement_id: i32,
    reason: String,
    input: SettleInput,
) -> Result<SettlementDecision, DomainError> {
    who.require(&[crate::service::auth::Role::Staff])?;
    let not_found = || DomainError::NotFound(format!("settlement {settlement_id}"));
    let current = db::settlement(&state.db, settlement_id).await?.ok_or_else(not_found)?;
    let id = current.proeftuin_id;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "a revision states why the settlement changes"));
    }
    let s = compute(state, who, id, input).await?;
    let now = state.now();
    let today = local_date(now);
    let txn = state.write().await?;
    let p = for_staff(&txn, who, id).await?;
    crate::store::monitoring::lock_proeftuin(&txn, id, now).await?;
    let all = db::settlements(&txn, Some(id)).await?;
    let original = all.iter().find(|x| x.number == 1).ok_or_else(not_found)?;
    let original_on = parse_date(&original.decided_on)?;
    let in_force = super::figures::in_force(&all).ok_or_else(not_found)?;
    if in_force.id != settlement_id {
        return Err(DomainError::Conflict(format!(
            "settlement {settlement_id} was revised already; revise the one in force ({})",
            in_force.id
        )));
    }
    let until = f::revisable_until(original_on);
    if today > until {
        return Err(DomainError::Conflict(format!(
            "a settlement can be revised until five years after it was decided ({until})"
        )));
    }
    let row = row_of(
        id,
        in_force.number + 1,
        Some((settlement_id, reason.trim().to_string())),
        &s,
        today,
        now,
    )?;
    let decision = decision_of(db::insert_settlement(&txn, row).await?, original_on)?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "finance.settlement_revised",
            entity_type: "proeftuin",
            entity_id: id.to_string(),
            reason: Some(reason.trim()),
            details: json!({"settlement_id": decision.id, "revises_id": settlement_id, "figures": decision.figures}),
        },
    )
    .await?;
    mails::settlement_decided(&txn, &p, &decision, now).await?;
    txn.commit().await?;
    Ok(decision)
}

async fn decisions<C: sea_orm::ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Vec<SettlementDecision>, DomainError> {
    let rows = db::settlements(db, Some(id)).await?;
    let original_on = match rows.iter().find(|x| x.number == 1) {
        Some(o) => parse_date(&o.decided_on)?,
        None => return Ok(Vec::new()),
    };
    rows.into_iter().map(|r| decision_of(r, original_on)).collect()
}

/// The settlement of a proeftuin and its revisions, the original first.
pub async fn settlements(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<Vec<SettlementDecision>, DomainError> {
    readable(&state.db, who, id).await?;
    decisions(&state.db, id).await
}

/// One settlement decision the caller may read.
pub async fn settlement(
    state: &AppState,
    who: &Principal,
    settlement_id: i32,
) -> Result<SettlementDecision, DomainError> {
    let not_found = || DomainError::NotFound(format!("settlement {settlement_id}"));
    let s = db::settlement(&state.db, settlement_id).await?.ok_or_else(not_found)?;
    readable(&state.db, who, s.proeftuin_id).await.map_err(|e| match e {
        DomainError::NotFound(_) => not_found(),
        other => other,
    })?;
    decisions(&state.db, s.proeftuin_id)
        .await?
        .into_iter()
        .find(|d| d.id == settlement_id)
        .ok_or_else(not_found)
}
