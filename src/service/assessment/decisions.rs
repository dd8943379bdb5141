//! What staff decide on the way: a split knock-out verdict, a tie at the last award place and
//! an allocation by hand.

use std::collections::BTreeMap;

use super::rounds::round_state;
use super::{Round, RoundState};
use crate::domain::decision::RecordedKind;
use crate::domain::knockout::KnockoutVerdict;
use crate::domain::money::Money;
use crate::domain::selection::{Pending, SelectionInput, SelectionResult};
use crate::domain::tie::{self, Named, Settled};
use crate::error::{DomainError, FieldError};
use crate::service::auth::{Principal, Role};
use crate::service::outcome::{Outcome, app_row};
use crate::service::{AppState, audit};
use crate::store::{self, calls::StoredCall, calls::call_of};

/// Settles a split knock-out verdict (staff); answers the application's call.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn decide_knockout(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    verdict: &str,
    reason: &str,
) -> Result<i32, DomainError> {
    who.require(&[Role::Staff])?;
    let mut errors = Vec::new();
    let verdict = match KnockoutVerdict::parse(verdict) {
        Some(v @ (KnockoutVerdict::Passed | KnockoutVerdict::Failed)) => Some(v),
        _ => {
            errors.push(FieldError::new("verdict", "the verdict is passed or failed"));
            None
        }
    };
    if reason.trim().is_empty() {
        errors.push(FieldError::new("reason", "a knock-out decision needs a reason"));
    }
    let Some(verdict) = verdict.filter(|_| errors.is_empty()) else {
        return Err(DomainError::Validation(errors));
    };
    let now = state.now();
    let txn = state.write().await?;
    let app = app_row(&txn, application_id).await?;
    let call = call_of(&txn, app.call_id).await?;
    match round_state(&txn, &call, Round::First, now).await? {
        RoundState::Closed => {}
        RoundState::Published => {
            return Err(DomainError::Conflict(
                "the first-round outcome is published already".into(),
            ));
        }
        _ => {
            return Err(DomainError::Conflict(
                "knock-out verdicts are settled after the first round closes".into(),
            ));
        }
    }
    let Outcome { result, .. } = Outcome::load(&txn, &call, &state.sheets).await?;
    let computed = result
        .applications
        .iter()
        .find(|a| a.r#ref == app.region_ref)
        .and_then(|a| a.knockout.as_ref());
    if computed.map(|k| k.verdict) != Some(KnockoutVerdict::NeedsDecision) {
        return Err(DomainError::Conflict(
            "the sheets agree on this application's knock-out verdict; there is nothing to decide"
                .into(),
        ));
    }
    store::assessment::record_decision(
        &txn,
        store::assessment::NewDecision {
            call_id: call.id,
            application_id: Some(application_id),
            kind: RecordedKind::Knockout,
            value: serde_json::json!({"verdict": verdict.as_str()}),
            reason: reason.trim(),
            decided_by: Some(who.user_id),
            decided_at: now,
        },
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "knockout.decided",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: Some(reason.trim()),
            details: serde_json::json!({"verdict": verdict.as_str()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(call.id)
}

/// Settles a tie at the last award place: every tied application must be named, in `award` or
/// `not_award`, and no more may be awarded than there are places.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn settle_tie(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    award: &[i32],
    not_award: &[i32],
    reason: &str,
) -> Result<(), DomainError> {
    who.require(&[Role::Staff])?;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "a tie decision needs a reason"));
    }
    let now = state.now();
    let txn = state.write().await?;
    let call = call_of(&txn, call_id).await?;
    if round_state(&txn, &call, Round::Final, now).await? != RoundState::Closed {
        return Err(DomainError::Conflict(
            "ties are settled after the final round closes and before the decision is published"
                .into(),
        ));
    }
    let Outcome { result, .. } = Outcome::load(&txn, &call, &state.sheets).await?;
    let tied: Vec<String> = result
        .applications
        .iter()
        .filter(|a| a.tied_at_last_place)
        .map(|a| a.r#ref.clone())
        .collect();
    if tied.is_empty() {
        return Err(DomainError::Conflict("there is no tie at the last award place".into()));
    }
    let mut named = Vec::new();
    for (field, ids, award) in [("award", award, true), ("not_award", not_award, false)] {
        for (index, id) in ids.iter().enumerate() {
            let region_ref = match app_row(&txn, *id).await {
                Ok(a) if a.call_id == call_id => Some(a.region_ref),
                _ => None,
            };
            named.push(Named { field, index, application_id: *id, region_ref, award });
        }
    }
    let awarded_above =
        result.applications.iter().filter(|a| a.awarded() && !a.tied_at_last_place).count();
    let settled = tie::check_settlement(&tied, &named, awarded_above, call.definition.max_awards)
        .map_err(DomainError::Validation)?;
    for Settled { region_ref: r, application_id: id, award: awarded } in &settled {
        store::assessment::record_decision(
            &txn,
            store::assessment::NewDecision {
                call_id,
                application_id: Some(*id),
                kind: RecordedKind::Tie,
                value: serde_json::json!({"award": awarded}),
                reason: reason.trim(),
                decided_by: Some(who.user_id),
                decided_at: now,
            },
        )
        .await?;
        audit::record(
            &txn,
            audit::AuditEntry {
                actor: &who.actor(),
                at: now,
                action: "tie.settled",
                entity_type: "application",
                entity_id: id.to_string(),
                reason: Some(reason.trim()),
                details: serde_json::json!({"region": r, "award": awarded}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Sets the amounts by hand (each at most its request, the sum at most the ceiling), with a reason.
/// `None` goes back to the call's policy.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn set_manual_allocation(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    amounts: Option<BTreeMap<i32, Money>>,
    reason: &str,
) -> Result<SelectionResult, DomainError> {
    who.require(&[Role::Staff])?;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "an allocation by hand needs a reason"));
    }
    let now = state.now();
    let txn = state.write().await?;
    let call = call_of(&txn, call_id).await?;
    if round_state(&txn, &call, Round::Final, now).await? == RoundState::Published {
        return Err(DomainError::Conflict("the final decision is published".into()));
    }
    let value = amounts_by_ref(&txn, call_id, amounts.as_ref()).await?;
    store::assessment::record_decision(
        &txn,
        store::assessment::NewDecision {
            call_id,
            application_id: None,
            kind: RecordedKind::ManualAllocation,
            value: value.clone(),
            reason: reason.trim(),
            decided_by: Some(who.user_id),
            decided_at: now,
        },
    )
    .await?;
    let Outcome { input, result, .. } = Outcome::load(&txn, &call, &state.sheets).await?;
    if result.final_pending.contains(&Pending::ManualAllocation) && amounts.is_some() {
        return Err(manual_errors(&call, &input, &result));
    }
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "allocation.set",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: Some(reason.trim()),
            details: serde_json::json!({"amounts": value}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(result)
}

/// The amounts as stored: by the applications' refs, each checked to be of this call.
async fn amounts_by_ref(
    txn: &sea_orm::DatabaseTransaction,
    call_id: i32,
    amounts: Option<&BTreeMap<i32, Money>>,
) -> Result<serde_json::Value, DomainError> {
    let Some(map) = amounts else { return Ok(serde_json::Value::Null) };
    let mut by_ref = serde_json::Map::new();
    for (id, amount) in map {
        let a = app_row(txn, *id)
            .await
            .map_err(|_| DomainError::invalid(format!("amounts.{id}"), "no such application"))?;
        if a.call_id != call_id {
            return Err(DomainError::invalid(
                format!("amounts.{id}"),
                "not an application of this call",
            ));
        }
        by_ref.insert(a.region_ref, serde_json::Value::String(amount.to_string()));
    }
    Ok(serde_json::Value::Object(by_ref))
}

/// Why amounts set by hand do not fit the awarded applications (`domain::allocation`).
fn manual_errors(
    call: &StoredCall,
    input: &SelectionInput,
    result: &SelectionResult,
) -> DomainError {
    let given: Vec<(String, Money)> = input
        .manual_allocation
        .iter()
        .flat_map(|m| m.amounts.iter().map(|(k, v)| (k.clone(), *v)))
        .collect();
    let awarded: Vec<(String, Money)> = input
        .applications
        .iter()
        .map(|a| (a.r#ref.clone(), a.requested_total))
        .filter(|(r, _)| result.awarded_in_rank_order.contains(r))
        .collect();
    let errors =
        crate::domain::allocation::check_manual(call.definition.budget_ceiling, &awarded, &given)
            .err()
            .unwrap_or_else(|| {
                vec![FieldError::new("amounts", "the amounts do not fit the awarded applications")]
            });
    DomainError::Validation(errors)
}
