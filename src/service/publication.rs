//! Publication: the first-round outcome and the final decision. Everything is read, checked and
//! made before the write lock (`prepare`): the round's state, the outcome (the one the reads keep
//! when it is current), the letters' readiness, the frozen snapshot's bytes, and the rows of every
//! application (`plan`: statuses, letters pending, decision emails waiting for those letters,
//! audit lines). Inside the lock it is taken only when nothing was committed meanwhile, and
//! written in one short transaction: the rows in a few multi-row statements per kind whatever
//! the call's size, the inputs frozen and the round published; for the final decision the
//! awarded applications become proeftuinen (`monitoring`). The letters are rendered after the
//! commit by the letter worker (`letters::render`), a batch at a time, from what was frozen; an
//! email leaves only with its letter. The outcome is kept for the reads after the commit
//! (`outcome_cache::remember`), so they do not compute it again.

use std::sync::Arc;

use sea_orm::DatabaseTransaction;

use super::assessment::{STAGE_FINAL, STAGE_FIRST};
use super::auth::{Principal, Role};
use super::letters::{self, Publishing};
use super::outcome_cache::{self, CallOutcome, Remembered};
use super::{AppState, audit};
use crate::domain::round::Round;
use crate::domain::selection;
use crate::error::DomainError;
use crate::store;
use prepare::{Frozen, Prepared};

mod plan;
mod prepare;

/// Publishes the first-round outcome: invitations and rejections, their emails, a frozen snapshot;
/// the outcome as the reads after it find it.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn publish_first_round(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Arc<CallOutcome>, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let (txn, prepared) = prepare::locked(state, who, call_id, Round::First, now).await?;
    let locked_at = std::time::Instant::now();
    let Prepared { call, outcome, letters, frozen, plan } = prepared;
    let p = Publishing { who, call: &call, outcome: &outcome, letters: &letters, now };
    plan.write(&txn, &p, Round::First).await?;
    let details = serde_json::json!({"stage": STAGE_FIRST});
    let sha256 = frozen.sha256.clone();
    publish_round(&txn, &p, Round::First, details, frozen).await?;
    // The reads after the commit find the outcome it leaves: the same sheets and decisions.
    let after = state.key_after_commit(&txn).await?;
    txn.commit().await?;
    tracing::debug!(call_id, held = ?locked_at.elapsed(), "first-round outcome committed");
    let kept = outcome_cache::remember(state, call_id, Remembered::Read(after), outcome);
    // The letters are rendered from these very inputs (frozen under this SHA-256).
    letters::render::share_frozen(sha256, kept.clone());
    letters::render::wake();
    Ok(kept)
}

/// Publishes the final decision: awards and rejections, the allocation, emails, a frozen snapshot;
/// the outcome as the reads after it find it.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn publish_final(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Arc<CallOutcome>, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let (txn, prepared) = prepare::locked(state, who, call_id, Round::Final, now).await?;
    let locked_at = std::time::Instant::now();
    let Prepared { call, outcome, letters, frozen, plan } = prepared;
    let p = Publishing { who, call: &call, outcome: &outcome, letters: &letters, now };
    plan.write(&txn, &p, Round::Final).await?;
    let allocated_total = &outcome.result.allocated_total;
    let details = serde_json::json!({"stage": STAGE_FINAL, "allocated_total": allocated_total});
    let sha256 = frozen.sha256.clone();
    let snapshot = publish_round(&txn, &p, Round::Final, details, frozen).await?;
    super::monitoring::create_proeftuinen_for_awards(
        &txn,
        &who.actor(),
        &call,
        &outcome.result,
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::debug!(call_id, held = ?locked_at.elapsed(), "final decision committed");
    // The reads after the commit take the published outcome by its snapshot: these inputs.
    let kept = Arc::new(outcome_cache::published(state, call_id, outcome));
    let kept = outcome_cache::remember(state, call_id, Remembered::Snapshot(snapshot), kept);
    letters::render::share_frozen(sha256, kept.clone());
    letters::render::wake();
    Ok(kept)
}

/// Freezes the outcome's inputs, marks the round published and writes the audit line; the
/// snapshot's id.
async fn publish_round(
    txn: &DatabaseTransaction,
    p: &Publishing<'_>,
    round: Round,
    details: serde_json::Value,
    frozen: Frozen,
) -> Result<i32, DomainError> {
    let call_id = p.call.id;
    let snapshot = freeze(txn, p, round.stage(), frozen).await?;
    let closed =
        store::assessment::round(txn, call_id, round.as_str()).await?.and_then(|r| r.closed_at);
    store::assessment::set_round(txn, call_id, round.as_str(), closed, Some(p.now)).await?;
    record(txn, p, "outcome.published", Entity::Call(call_id), details).await?;
    Ok(snapshot)
}

/// Stores the frozen snapshot (serialised and hashed before the write lock); its id.
async fn freeze(
    txn: &DatabaseTransaction,
    p: &Publishing<'_>,
    stage: &str,
    frozen: Frozen,
) -> Result<i32, DomainError> {
    let Frozen { inputs, result, sha256, json_bytes } = frozen;
    let (started, bytes) = (std::time::Instant::now(), inputs.len() + result.len());
    let id = store::assessment::insert_snapshot(
        txn,
        store::assessment::NewSnapshot {
            call_id: p.call.id,
            stage,
            inputs,
            result,
            sha256,
            rule_version: selection::RULE_VERSION,
            published_by: Some(p.who.user_id),
            published_at: p.now,
        },
    )
    .await?;
    let took = started.elapsed();
    tracing::debug!(call_id = p.call.id, json_bytes, bytes, ?took, "snapshot stored");
    Ok(id)
}

/// What a publication's audit line is about.
enum Entity {
    Call(i32),
}

/// Writes one audit line of the publication, by its publisher at its moment.
async fn record(
    txn: &DatabaseTransaction,
    p: &Publishing<'_>,
    action: &str,
    entity: Entity,
    details: serde_json::Value,
) -> Result<(), DomainError> {
    let (entity_type, entity_id) = match entity {
        Entity::Call(id) => ("call", id),
    };
    let entry = audit::AuditEntry {
        actor: &p.who.actor(),
        at: p.now,
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        reason: None,
        details,
    };
    audit::record(txn, entry).await?;
    Ok(())
}
