//! What a publication reads, checks and freezes, prepared before it takes the write lock: the
//! round's state, the outcome (every sheet and decision), the letter settings and their checks,
//! and the frozen snapshot's bytes and SHA-256. Inside the write transaction only the key of
//! what the database holds (`store::read_cache::CacheKey`: the writes committed through this
//! process and the newest audit line) is read again: when it is the key read before the
//! preparation, nothing was committed meanwhile and the preparation stands; otherwise it is
//! prepared again inside the transaction. A stale outcome is never published.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::closed_outcome;
use crate::domain::call::stage;
use crate::domain::digest::sha256_hex;
use crate::domain::round::Round;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::letters::{self, Resolved};
use crate::service::outcome::Outcome;
use crate::store::read_cache::{CacheKey, latest_audit_id};
use crate::store::sheet_memo::SheetMemo;
use crate::store::{WriteTx, calls::StoredCall, calls::call_of};

/// A publication read, checked and frozen, ready to be written.
pub(super) struct Prepared {
    pub call: StoredCall,
    pub outcome: Outcome,
    pub letters: Resolved,
    pub frozen: Frozen,
}

/// The frozen snapshot: the outcome's inputs and result as JSON, serialised once, and the
/// SHA-256 of the inputs.
pub(super) struct Frozen {
    pub inputs: String,
    pub result: String,
    pub sha256: String,
}

impl Frozen {
    fn of(o: &Outcome) -> Result<Frozen, DomainError> {
        let inputs = serde_json::to_string(&o.input).map_err(DomainError::internal)?;
        let result = serde_json::to_string(&o.result).map_err(DomainError::internal)?;
        let sha256 = sha256_hex(inputs.as_bytes());
        Ok(Frozen { inputs, result, sha256 })
    }
}

/// Reads and checks the publication of `round` as the database holds it: refused (409) before
/// the stage's moment, when the round is not closed or already published, while something is
/// pending, or while a letter cannot be issued.
async fn prepare<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    round: Round,
    now: DateTime<Utc>,
    memo: &SheetMemo,
) -> Result<Prepared, DomainError> {
    let call = call_of(db, call_id).await?;
    let (moment, early) = match round {
        Round::First => (
            stage::FIRST_ASSESSMENT,
            "the first-round outcome is published from the first_assessment stage on",
        ),
        Round::Final => (
            stage::FINAL_DECISION,
            "the final decision is published from the final_decision stage on",
        ),
    };
    if call.definition.moment(moment).is_some_and(|t| now < t) {
        return Err(DomainError::Conflict(early.into()));
    }
    let outcome = closed_outcome(db, &call, round, now, memo).await?;
    let letters = letters::resolve(db, call_id).await?;
    let (input, result, apps) = (&outcome.input, &outcome.result, &outcome.apps);
    let first = round == Round::First;
    letters::ready_to_publish(db, &call, input, result, &letters, apps, first).await?;
    let frozen = Frozen::of(&outcome)?;
    Ok(Prepared { call, outcome, letters, frozen })
}

/// The key of what the database holds, read inside the write transaction (no writer of this
/// process or another can commit while it is open).
pub(super) async fn key_inside(state: &AppState, txn: &WriteTx) -> Result<CacheKey, DomainError> {
    let audit = latest_audit_id(txn).await?;
    Ok(CacheKey { generation: state.writes.generation(), audit })
}

/// Opens the write transaction with the publication prepared: before the lock when nothing was
/// committed between the preparation's start and the lock, otherwise again inside it.
pub(super) async fn locked(
    state: &AppState,
    call_id: i32,
    round: Round,
    now: DateTime<Utc>,
) -> Result<(WriteTx, Prepared), DomainError> {
    let started = std::time::Instant::now();
    let before = state.read_key().await?;
    crate::service::outcome_cache::forget_stale(state, call_id, before);
    let early = prepare(&state.db, call_id, round, now, &state.sheets).await;
    let prepared_in = started.elapsed();
    let txn = state.write().await?;
    if key_inside(state, &txn).await? == before {
        tracing::debug!(call_id, ?prepared_in, "publication prepared before the write lock");
        return Ok((txn, early?));
    }
    drop(early);
    tracing::debug!(call_id, "a change was committed while the publication was prepared");
    let prepared = prepare(&txn, call_id, round, now, &state.sheets).await?;
    Ok((txn, prepared))
}
