//! Consensus notes and the assessors' deviations from each other.

use std::collections::BTreeMap;

use super::Round;
use crate::domain::points::Points;
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::app_row;
use crate::service::{AppState, audit};
use crate::store::{self, calls::call_of};

#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn add_consensus_note(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    round: Round,
    note: &str,
) -> Result<entity::consensus_note::Model, DomainError> {
    who.require(&[Role::Staff])?;
    if note.trim().is_empty() {
        return Err(DomainError::invalid("note", "a consensus note cannot be empty"));
    }
    let now = state.now();
    let txn = state.write().await?;
    let app = app_row(&txn, application_id).await?;
    if app.status == "draft" {
        return Err(DomainError::Conflict("the application is not submitted".into()));
    }
    let n = store::assessment::add_note(
        &txn,
        application_id,
        round.as_str(),
        note.trim(),
        Some(who.user_id),
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "consensus.noted",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: None,
            details: serde_json::json!({"round": round.as_str(), "note": note.trim()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// Per assessor and round: the mean deviation from the other assessors on the same applications
/// (negative: strict, positive: lenient).
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn assessor_deviations(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<BTreeMap<(String, String), Points>, DomainError> {
    who.require(&[Role::Staff])?;
    let call = call_of(&state.db, call_id).await?;
    let outcome = crate::service::outcome_cache::call_outcome(state, &call).await?;
    let input = &outcome.input;
    let mut out = BTreeMap::new();
    for round in [Round::First, Round::Final] {
        let mut totals: BTreeMap<String, BTreeMap<String, Points>> = BTreeMap::new();
        for a in &input.applications {
            let sheets = if round == Round::First { &a.first_round } else { &a.final_round };
            for s in sheets {
                totals.entry(a.r#ref.clone()).or_default().insert(s.assessor.to_string(), s.total);
            }
        }
        for (assessor, dev) in crate::domain::calibration::assessor_deviation(&totals) {
            out.insert((round.as_str().to_string(), assessor), dev);
        }
    }
    Ok(out)
}

/// The consensus notes on the given applications (staff).
#[tracing::instrument(skip_all)]
pub async fn consensus_notes(
    state: &AppState,
    who: &Principal,
    application_ids: &[i32],
) -> Result<Vec<entity::consensus_note::Model>, DomainError> {
    who.require(&[Role::Staff])?;
    Ok(store::assessment::notes_of(&state.db, application_ids).await?)
}
