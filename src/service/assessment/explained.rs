//! Every figure behind one application's outcome, in one statement when nothing changed.
//!
//! The statement reads the application with its region, the id of its call's published final
//! decision and the newest audit line (with this process's write generation: the read key, as
//! `AppState::read_key`). Everything else comes from memory, kept per call under that key: the
//! call's outcome (`outcome_cache`) and its recorded decisions and consensus notes. Every change
//! to those (sheets, decisions, notes, publications) is audited in its own transaction, also
//! one made by another process on the same database, so a key that moved means what is kept is
//! stale: it is read again once, for the whole call (two statements, and the outcome when it is
//! not published). Nothing is kept per application here, so the first explanation of each
//! application costs the same as the next; the API's answers are kept per application in
//! `kept_outcome`, which reads through here when it holds none under the current key.

use std::collections::HashMap;
use std::sync::Arc;

use entity::{consensus_note, decision};

use super::STAGE_FINAL;
use crate::domain::grounds::DecisionGround;
use crate::domain::selection::{ApplicationResult, SheetFacts};
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::AppRow;
use crate::service::outcome_cache::{CallOutcome, Known, call_outcome_known};
use crate::store::{self, read_cache::CacheKey};

const KIND: &str = "call_records";

/// Every figure behind one application's outcome.
#[derive(Debug)]
pub struct Explained {
    pub app: AppRow,
    /// The decisions on this application and those on the call as a whole, oldest first.
    pub decisions: Vec<decision::Model>,
    pub notes: Vec<consensus_note::Model>,
    /// The decisive ground of the decision, once there is one.
    pub ground: Option<DecisionGround>,
    /// The read key this explanation was read under.
    pub key: CacheKey,
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

/// A call's recorded decisions and consensus notes, by application, as read under one key.
#[derive(Debug, Default)]
struct CallRecords {
    /// Decisions on the call as a whole (no application), oldest first.
    on_call: Vec<decision::Model>,
    decisions: HashMap<i32, Vec<decision::Model>>,
    notes: HashMap<i32, Vec<consensus_note::Model>>,
}

impl CallRecords {
    /// The decisions on this application and on the call, oldest first (as
    /// `store::assessment::decisions_of_application`).
    fn decisions_of(&self, application_id: i32) -> Vec<decision::Model> {
        let own = self.decisions.get(&application_id).map_or(&[][..], Vec::as_slice);
        let mut all: Vec<decision::Model> = own.iter().chain(&self.on_call).cloned().collect();
        all.sort_by_key(|d| d.id);
        all
    }
}

/// The call's decisions and notes under `key`, read at most once per key and call.
async fn call_records(
    state: &AppState,
    call_id: i32,
    key: CacheKey,
) -> Result<Arc<CallRecords>, DomainError> {
    if let Some(hit) = state.reads.get::<CallRecords>(KIND, call_id, key) {
        return Ok(hit);
    }
    let _turn = state.reads.turn(KIND, call_id).await;
    if let Some(hit) = state.reads.get::<CallRecords>(KIND, call_id, key) {
        return Ok(hit);
    }
    let mut records = CallRecords::default();
    for d in store::assessment::decisions_of_call(&state.db, call_id).await? {
        match d.application_id {
            Some(a) => records.decisions.entry(a).or_default().push(d),
            None => records.on_call.push(d),
        }
    }
    for n in store::outcome_read::notes_of_call(&state.db, call_id).await? {
        records.notes.entry(n.application_id).or_default().push(n);
    }
    let records = Arc::new(records);
    state.reads.put(KIND, call_id, key, records.clone());
    Ok(records)
}

/// Every figure behind one application's outcome: 403 for anyone but staff, 404 for an unknown
/// application, 409 for one that is not submitted.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn explain(
    state: &AppState,
    who: &Principal,
    application_id: i32,
) -> Result<Explained, DomainError> {
    who.require(&[Role::Staff])?;
    // Taken before the statement: a write committing while it runs moves the key.
    let generation = state.writes.generation();
    let row = store::outcome_read::application_read(&state.db, application_id, STAGE_FINAL)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("application {application_id}")))?;
    let key = CacheKey { generation, audit: row.audit };
    let app = AppRow {
        id: row.id,
        call_id: row.call_id,
        region_id: row.region_id,
        region_ref: row.region_ref,
        region_name: row.region_name,
        lead_applicant_email: row.lead_applicant_email,
        status: row.status,
        submitted_at: row.submitted_at,
    };
    let outcome =
        call_outcome_known(state, Known::Id(app.call_id), row.snapshot, Some(key)).await?;
    let records = call_records(state, app.call_id, key).await?;
    explained_of(app, outcome, &records, key).ok_or_else(|| {
        DomainError::Conflict("the application is not submitted; it has no outcome".into())
    })
}

/// The explanation of one application of the call `outcome` and `records` are of; `None` when
/// the outcome has no line for it (not submitted).
fn explained_of(
    app: AppRow,
    outcome: Arc<CallOutcome>,
    records: &CallRecords,
    key: CacheKey,
) -> Option<Explained> {
    let pos = outcome.position(&app.region_ref)?;
    Some(Explained {
        ground: outcome.ground_of(&app.region_ref),
        decisions: records.decisions_of(app.id),
        notes: records.notes.get(&app.id).cloned().unwrap_or_default(),
        key,
        app,
        outcome,
        pos,
    })
}

/// Everything behind the outcome of each submitted application of a call, read under one key:
/// for building every answer of a call ahead of its reads (`kept_outcome`).
pub(super) struct CallExplained {
    apps: Vec<AppRow>,
    outcome: Arc<CallOutcome>,
    records: Arc<CallRecords>,
    key: CacheKey,
}

impl CallExplained {
    /// The call's submitted applications, in the order `explain` takes them.
    pub(super) fn ids(&self) -> impl Iterator<Item = i32> + '_ {
        self.apps.iter().map(|a| a.id)
    }

    /// The explanation of the `i`th application, as `explain` gives it under the same key.
    pub(super) fn explain(&self, i: usize) -> Option<Explained> {
        let app = self.apps.get(i)?.clone();
        explained_of(app, self.outcome.clone(), &self.records, self.key)
    }
}

impl Explained {
    /// Whether this is a line of the call's published final decision.
    pub(super) fn published(&self) -> bool {
        self.outcome.published
    }

    /// Everything behind the outcome of every application of this one's call, under its key:
    /// the call's outcome and records as this explanation took them, the applications read
    /// once (one statement pair for the whole call).
    pub(super) async fn whole_call(&self, state: &AppState) -> Result<CallExplained, DomainError> {
        let records = call_records(state, self.app.call_id, self.key).await?;
        let apps = crate::service::outcome::submitted_apps(&state.db, self.app.call_id).await?;
        Ok(CallExplained { apps, outcome: self.outcome.clone(), records, key: self.key })
    }
}
