//! A call's outcome as the reads take it (results, one application's outcome, calibration):
//! a published final decision from its frozen inputs, otherwise computed from the sheets and
//! decisions; either way computed once and kept in memory until something changes, so one
//! application's outcome costs the same whatever the call's size.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::grounds::{DecisionGround, OutcomeIndex};
use crate::domain::selection::{self, ApplicationResult, SelectionInput, SelectionResult};
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::outcome::{AppRow, selection_input};
use crate::store::{self, calls::StoredCall, read_cache::CacheKey};

const KIND: &str = "call_outcome";
/// The stage of the published final decision (as `service::assessment::STAGE_FINAL`).
const STAGE_FINAL: &str = crate::domain::round::Round::Final.stage();

/// A call's outcome, with its lines found by the application's ref.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    pub input: SelectionInput,
    pub result: SelectionResult,
    /// Read from the published final decision's frozen inputs.
    pub published: bool,
    /// Where each application stands and what the grounds share, built with the result.
    pub index: OutcomeIndex,
}

impl CallOutcome {
    fn new(input: SelectionInput, published: bool) -> CallOutcome {
        let result = selection::compute(&input);
        let index = OutcomeIndex::new(&input, &result);
        CallOutcome { input, result, published, index }
    }

    /// An outcome computed already (a publication's, from the inputs it froze), its index built.
    pub fn computed(
        input: SelectionInput,
        result: SelectionResult,
        published: bool,
    ) -> CallOutcome {
        let index = OutcomeIndex::new(&input, &result);
        CallOutcome { input, result, published, index }
    }

    /// The outcome as the database `db` holds it, computed now (not kept).
    pub async fn computed_on<C: sea_orm::ConnectionTrait>(
        db: &C,
        call: &StoredCall,
        memo: &crate::store::sheet_memo::SheetMemo,
    ) -> Result<CallOutcome, DomainError> {
        Ok(CallOutcome::new(selection_input(db, call, memo).await?, false))
    }

    /// Where the application of this ref stands in `input.applications` and
    /// `result.applications` (the computation keeps the order of its input).
    pub fn position(&self, region_ref: &str) -> Option<usize> {
        self.index.position(region_ref)
    }

    /// The decisive ground of an application's decision, or `None` while it has none: O(1).
    pub fn ground_of(&self, region_ref: &str) -> Option<DecisionGround> {
        self.index.ground(&self.input, &self.result, region_ref)
    }

    /// The result line of an application.
    pub fn line_of(&self, region_ref: &str) -> Option<&ApplicationResult> {
        self.position(region_ref).and_then(|i| self.result.applications.get(i))
    }
}

/// The call's outcome as it stands, computed at most once per change (see `store::read_cache`).
/// A published final decision is keyed by its snapshot alone: frozen inputs never change.
pub async fn call_outcome(
    state: &AppState,
    call: &StoredCall,
) -> Result<Arc<CallOutcome>, DomainError> {
    let snapshot = store::assessment::snapshot_id(&state.db, call.id, STAGE_FINAL).await?;
    let read_key = match snapshot {
        Some(_) => None,
        None => Some(state.read_key().await?),
    };
    call_outcome_known(state, Known::Call(call), snapshot, read_key).await
}

/// The call whose outcome is asked for: read, or only its id (then it is read when the outcome
/// must be computed).
#[derive(Debug, Clone, Copy)]
pub enum Known<'a> {
    Call(&'a StoredCall),
    Id(i32),
}

/// The call's outcome when the caller has read the id of its published final decision (if any)
/// and, for a call without one, the read key (`AppState::read_key`), both at the start of its
/// request: no statement at all when the outcome is in memory.
pub async fn call_outcome_known(
    state: &AppState,
    call: Known<'_>,
    snapshot: Option<i32>,
    read_key: Option<CacheKey>,
) -> Result<Arc<CallOutcome>, DomainError> {
    let call_id = match call {
        Known::Call(c) => c.id,
        Known::Id(id) => id,
    };
    let key = match (snapshot, read_key) {
        (Some(id), _) => CacheKey { generation: u64::MAX, audit: i64::from(id) },
        (None, Some(key)) => key,
        (None, None) => state.read_key().await?,
    };
    if let Some(hit) = state.reads.get::<CallOutcome>(KIND, call_id, key) {
        return Ok(hit);
    }
    // One computation per call at a time; whoever waited finds it done.
    let _turn = state.reads.turn(KIND, call_id).await;
    if let Some(hit) = state.reads.get::<CallOutcome>(KIND, call_id, key) {
        return Ok(hit);
    }
    // Let go before the replacement is computed: at 10,000 applications an outcome is some
    // 100 MB. (Keeping it to take again when the inputs come out the same held two inputs at
    // once, to save only the selection itself, a few per cent of the computation.)
    state.reads.forget_stale(KIND, call_id, key);
    let started = std::time::Instant::now();
    let outcome = match snapshot {
        Some(_) => {
            let snap = store::assessment::snapshot(&state.db, call_id, STAGE_FINAL)
                .await?
                .ok_or_else(|| DomainError::internal("the published snapshot went away"))?;
            let input: SelectionInput =
                serde_json::from_str(&snap.inputs).map_err(DomainError::internal)?;
            CallOutcome::new(input, true)
        }
        None => {
            let read;
            let call = match call {
                Known::Call(c) => c,
                Known::Id(id) => {
                    read = store::calls::call_of(&state.db, id).await?;
                    &read
                }
            };
            CallOutcome::new(selection_input(&state.db, call, &state.sheets).await?, false)
        }
    };
    let outcome = Arc::new(outcome);
    tracing::debug!(call_id, took = ?started.elapsed(), "outcome computed");
    state.reads.put(KIND, call_id, key, outcome.clone());
    Ok(outcome)
}

/// Keeps an outcome a publication took, under the key of what its commit left (the id of the
/// published final decision's snapshot, or the read key right after the commit), so the reads
/// after it do not compute it again.
pub fn remember(
    state: &AppState,
    call_id: i32,
    key: Remembered,
    outcome: Arc<CallOutcome>,
) -> Arc<CallOutcome> {
    let key = match key {
        Remembered::Snapshot(id) => CacheKey { generation: u64::MAX, audit: i64::from(id) },
        Remembered::Read(key) => key,
    };
    state.reads.put(KIND, call_id, key, outcome.clone());
    outcome
}

/// The outcome a final decision published, marked as the published one (its figures are the
/// same). The kept entry it came from is let go first, so that it is taken, not copied (an
/// outcome at 10,000 applications is some 100 MB); only while a reader still holds it is it
/// copied.
pub fn published(state: &AppState, call_id: i32, outcome: Arc<CallOutcome>) -> CallOutcome {
    let nothing = CacheKey { generation: u64::MAX, audit: i64::MIN };
    state.reads.forget_stale(KIND, call_id, nothing);
    let mut outcome = Arc::try_unwrap(outcome).unwrap_or_else(|shared| {
        tracing::debug!(call_id, "the published outcome is copied: a reader still holds it");
        (*shared).clone()
    });
    outcome.published = true;
    outcome
}

/// Keeps the call's outcome current across a write that changed none of its inputs (an
/// interview's place and time, say): when it was kept under `before`, the key read inside that
/// write before it wrote, it is kept under `after`, the key its commit left
/// (`AppState::key_after_commit`). Writers commit one at a time, so nothing else was committed
/// between the two. Without this, the publication after the interviews are planned computes the
/// outcome again (at 10,000 applications, a second of its time).
pub fn unchanged_by(state: &AppState, call_id: i32, before: CacheKey, after: CacheKey) -> bool {
    state.reads.rekey(KIND, call_id, before, after)
}

/// [`unchanged_by`] for the outcomes of every call (a write that concerns no call: the demo
/// clock).
pub fn unchanged_by_any(state: &AppState, before: CacheKey, after: CacheKey) -> usize {
    state.reads.rekey_all(KIND, before, after)
}

/// What a remembered outcome was computed from.
#[derive(Debug, Clone, Copy)]
pub enum Remembered {
    /// The published final decision's snapshot.
    Snapshot(i32),
    /// What the database held: the read key (`AppState::read_key`) as it is at that moment.
    Read(CacheKey),
}

/// The submitted applications behind these refs, by ref (one query for the page, not the call).
pub async fn apps_by_ref(
    state: &AppState,
    call_id: i32,
    refs: &[&str],
) -> Result<HashMap<String, AppRow>, DomainError> {
    let rows = crate::service::outcome::apps_of_refs(&state.db, call_id, refs).await?;
    Ok(rows.into_iter().map(|a| (a.region_ref.clone(), a)).collect())
}
