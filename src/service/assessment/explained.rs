//! Every figure behind one application's outcome, kept in memory between requests.
//!
//! A read answered from memory runs one statement: the read key (`AppState::read_key`: this
//! process's write generation and the newest audit line). Every change to what an explanation
//! shows (the application and its region, the call, its sheets, decisions, consensus notes and
//! publications) is audited in its own transaction, so a key that moved means the explanations
//! in memory may be stale: they are all dropped at once and read again as they are asked for
//! (one joined statement, then the decisions and the notes; the call's outcome itself comes from
//! `outcome_cache`). The same holds with other processes on the same database, whose changes
//! move the audit line.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::STAGE_FINAL;
use crate::domain::grounds::DecisionGround;
use crate::domain::selection::{ApplicationResult, SheetFacts};
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::{AppRow, to_app_row};
use crate::service::outcome_cache::{CallOutcome, call_outcome_known};
use crate::store::{self, read_cache::CacheKey};

const KIND: &str = "explained";
/// At most this many explanations are kept per read key (about a kilobyte each beside the call's
/// outcome, which they share); past it a read is answered without being kept.
const MAX_KEPT: usize = 50_000;

/// Every figure behind one application's outcome.
#[derive(Debug)]
pub struct Explained {
    pub app: AppRow,
    pub decisions: Vec<entity::decision::Model>,
    pub notes: Vec<entity::consensus_note::Model>,
    /// The decisive ground of the decision, once there is one.
    pub ground: Option<DecisionGround>,
    /// The call's outcome this explanation is a line of, and where in it.
    outcome: Arc<CallOutcome>,
    pos: usize,
}

impl Explained {
    pub fn result(&self) -> &ApplicationResult {
        &self.outcome.result.applications[self.pos]
    }

    pub fn first_round(&self) -> &[SheetFacts] {
        &self.outcome.input.applications[self.pos].first_round
    }

    pub fn final_round(&self) -> &[SheetFacts] {
        &self.outcome.input.applications[self.pos].final_round
    }
}

/// The explanations read under one read key, by application id.
#[derive(Default)]
struct Kept(Mutex<HashMap<i32, Arc<Explained>>>);

impl Kept {
    fn get(&self, id: i32) -> Option<Arc<Explained>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(&id).cloned()
    }

    fn put(&self, id: i32, e: Arc<Explained>) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() < MAX_KEPT {
            kept.insert(id, e);
        }
    }
}

/// The explanations kept under `key`; a new, empty set (dropping the old) when the key moved.
fn kept_under(state: &AppState, key: CacheKey) -> Arc<Kept> {
    if let Some(kept) = state.reads.get::<Kept>(KIND, 0, key) {
        return kept;
    }
    let kept = Arc::new(Kept::default());
    state.reads.put(KIND, 0, key, kept.clone());
    kept
}

/// Every figure behind one application's outcome: 403 for anyone but staff, 404 for an unknown
/// application, 409 for one that is not submitted.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn explain(
    state: &AppState,
    who: &Principal,
    application_id: i32,
) -> Result<Arc<Explained>, DomainError> {
    who.require(&[Role::Staff])?;
    let key = state.read_key().await?;
    let kept = kept_under(state, key);
    if let Some(hit) = kept.get(application_id) {
        return Ok(hit);
    }
    let e = Arc::new(read(state, application_id, key).await?);
    kept.put(application_id, e.clone());
    Ok(e)
}

/// Reads one explanation from the database (and the call's outcome from memory, if it is there).
async fn read(
    state: &AppState,
    application_id: i32,
    key: CacheKey,
) -> Result<Explained, DomainError> {
    let found = store::outcome_read::application_in_call(&state.db, application_id, STAGE_FINAL)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("application {application_id}")))?;
    let app = to_app_row(found.application, found.region);
    let call = found.call;
    let outcome = call_outcome_known(state, &call, found.snapshot, Some(key)).await?;
    let pos = outcome.position(&app.region_ref).ok_or_else(|| {
        DomainError::Conflict("the application is not submitted; it has no outcome".into())
    })?;
    let decisions =
        store::assessment::decisions_of_application(&state.db, call.id, application_id).await?;
    let notes = store::assessment::notes_of(&state.db, &[application_id]).await?;
    Ok(Explained {
        ground: outcome.ground_of(&app.region_ref),
        app,
        decisions,
        notes,
        outcome,
        pos,
    })
}
