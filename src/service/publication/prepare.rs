//! What a publication reads, checks and makes, prepared before it takes the write lock: the
//! round's state, the outcome (every sheet and decision: the one the reads keep when it was
//! computed from what the database holds, otherwise computed), the letter settings and their
//! checks, the frozen snapshot's bytes and SHA-256, and the rows it writes (`plan`). Inside the write transaction only the key of
//! what the database holds (`store::read_cache::CacheKey`: the writes committed through this
//! process and the newest audit line) is read again: when it is the key read before the
//! preparation, nothing was committed meanwhile and the preparation stands; otherwise it is
//! prepared again inside the transaction. A stale outcome is never published.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::plan::Plan;
use crate::domain::call::stage;
use crate::domain::digest::sha256_hex;
use crate::domain::round::{Round, RoundState};
use crate::domain::selection::Pending;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::assessment::rounds::round_state;
use crate::service::auth::Principal;
use crate::service::letters::{self, Publishing, Resolved};
use crate::service::outcome::submitted_apps;
use crate::service::outcome_cache::{CallOutcome, Known, call_outcome_known};
use crate::store::read_cache::CacheKey;
use crate::store::snapshots::Deflated;
use crate::store::{WriteTx, calls::StoredCall, calls::call_of};

/// A publication read, checked, frozen and made, ready to be written.
pub(super) struct Prepared {
    pub call: StoredCall,
    pub outcome: Arc<CallOutcome>,
    pub letters: Resolved,
    pub frozen: Frozen,
    pub plan: Plan,
}

/// Where a preparation takes the outcome from.
enum Source<'a> {
    /// Before the lock: the outcome the reads keep under this key (computed and kept if not).
    Kept(&'a AppState, CacheKey),
    /// Inside the lock: computed from the transaction.
    Computed(&'a AppState),
}

/// The frozen snapshot: the outcome's inputs and result as JSON, serialised and deflated once,
/// and the SHA-256 of the inputs' JSON.
pub(super) struct Frozen {
    pub inputs: Deflated,
    pub result: Deflated,
    pub sha256: String,
    /// The JSON's length before deflating.
    pub json_bytes: usize,
}

impl Frozen {
    fn of(o: &CallOutcome) -> Result<Frozen, DomainError> {
        let inputs = serde_json::to_string(&o.input).map_err(DomainError::internal)?;
        let sha256 = sha256_hex(inputs.as_bytes());
        let (json_bytes, inputs) = (inputs.len(), Deflated::of(&inputs));
        let result = serde_json::to_string(&o.result).map_err(DomainError::internal)?;
        let (json_bytes, result) = (json_bytes + result.len(), Deflated::of(&result));
        Ok(Frozen { inputs, result, sha256, json_bytes })
    }
}

/// Reads and checks the publication of `round` as the database holds it: refused (409) before
/// the stage's moment, when the round is not closed or already published, while something is
/// pending, or while a letter cannot be issued.
async fn prepare<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    (call_id, round): (i32, Round),
    now: DateTime<Utc>,
    source: Source<'_>,
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
    closed(db, &call, round, now).await?;
    let started = std::time::Instant::now();
    let apps = submitted_apps(db, call.id).await?;
    let outcome = match source {
        Source::Kept(state, key) => {
            call_outcome_known(state, Known::Call(&call), None, Some(key)).await?
        }
        Source::Computed(state) => {
            Arc::new(CallOutcome::computed_on(db, &call, &state.sheets).await?)
        }
    };
    let outcome_in = started.elapsed();
    let pending = match round {
        Round::First => &outcome.result.first_round_pending,
        Round::Final => &outcome.result.final_pending,
    };
    if !pending.is_empty() {
        return Err(DomainError::Conflict(format!("still pending: {}", pending_message(pending))));
    }
    let letters = letters::resolve(db, call_id).await?;
    let (input, result) = (&outcome.input, &outcome.result);
    let first = round == Round::First;
    letters::ready_to_publish(db, &call, input, result, &letters, &apps, first).await?;
    let p = Publishing { who, call: &call, outcome: &outcome, letters: &letters, now };
    let plan = Plan::of(&p, &apps, round)?;
    let planned_in = started.elapsed();
    // Not on another core beside the plan: tried, it gained 0.1 s at 10,000 and the peak memory
    // rose.
    let frozen = Frozen::of(&outcome)?;
    let frozen_in = started.elapsed();
    tracing::debug!(call_id, ?outcome_in, ?planned_in, ?frozen_in, "publication prepared");
    Ok(Prepared { call, outcome, letters, frozen, plan })
}

/// Refuses (409) a round that is not closed, or published already.
async fn closed<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    round: Round,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let (published, not_closed) = match round {
        Round::First => (
            "the first-round outcome is published already",
            "close the first round before publishing its outcome",
        ),
        Round::Final => (
            "the final decision is published already",
            "close the final round before publishing the decision",
        ),
    };
    match round_state(db, call, round, now).await? {
        RoundState::Closed => Ok(()),
        RoundState::Published => Err(DomainError::Conflict(published.into())),
        _ => Err(DomainError::Conflict(not_closed.into())),
    }
}

fn pending_message(p: &[Pending]) -> String {
    p.iter()
        .map(|p| match p {
            Pending::KnockoutDecision(r) => format!("a knock-out decision on {r}"),
            Pending::TieDecision(rs) => {
                format!("a decision on the tie at the last award place between {}", rs.join(", "))
            }
            Pending::FinalScore(r) => format!("final-round sheets for {r}"),
            Pending::ManualAllocation => "the amounts of the allocation by hand".to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Opens the write transaction with the publication prepared: before the lock when nothing was
/// committed between the preparation's start and the lock, otherwise again inside it.
pub(super) async fn locked(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    round: Round,
    now: DateTime<Utc>,
) -> Result<(WriteTx, Prepared), DomainError> {
    let started = std::time::Instant::now();
    let before = state.read_key().await?;
    let source = Source::Kept(state, before);
    let early = prepare(&state.db, who, (call_id, round), now, source).await;
    let prepared_in = started.elapsed();
    let txn = state.write().await?;
    if state.key_inside(&txn).await? == before {
        tracing::debug!(call_id, ?prepared_in, "publication prepared before the write lock");
        return Ok((txn, early?));
    }
    drop(early);
    tracing::debug!(call_id, "a change was committed while the publication was prepared");
    let prepared = prepare(&txn, who, (call_id, round), now, Source::Computed(state)).await?;
    Ok((txn, prepared))
}
