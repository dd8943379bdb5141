//! Scoring sheets: drafts, submission, corrections, and who may see which.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use super::rounds::{in_round, round_state};
use super::{Round, RoundState, ensure_assessor_of_call, ensure_no_conflict, forbid_regions};
use crate::domain::call::CallDefinition;
use crate::domain::points::Points;
use crate::domain::scoring::{self, SheetInput};
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::{AppRow, app_row};
use crate::service::{AppState, audit};
use crate::store::{
    self,
    calls::{StoredCall, call_of},
};

#[derive(Debug, Clone)]
pub struct SheetView {
    pub sheet: entity::sheet::Model,
    pub assessor_name: String,
    pub assessor_ref: Option<String>,
    pub input: SheetInput,
    /// Points per criterion as computed from the input.
    pub points: BTreeMap<String, Points>,
}

async fn sheet_view<C: ConnectionTrait>(
    db: &C,
    call: &CallDefinition,
    sheet: entity::sheet::Model,
) -> Result<SheetView, DomainError> {
    let user = store::users::by_id(db, sheet.assessor_id).await?;
    let name = user.as_ref().map(|u| u.name.clone()).unwrap_or_default();
    view_of(call, sheet, name, user.and_then(|u| u.reference))
}

/// The view of a sheet whose assessor's name and reference are known.
pub(super) fn view_of(
    call: &CallDefinition,
    sheet: entity::sheet::Model,
    assessor_name: String,
    assessor_ref: Option<String>,
) -> Result<SheetView, DomainError> {
    let input: SheetInput = serde_json::from_str(&sheet.content).map_err(DomainError::internal)?;
    let points = scoring::check_sheet(call, &input, false).map(|s| s.points).unwrap_or_default();
    Ok(SheetView { assessor_name, assessor_ref, sheet, input, points })
}

/// Loads what scoring an application needs and checks the assessor is assigned to it. Runs before
/// the write lock is taken (reads only, of what does not change under a scoring); [`still_open`]
/// checks inside the lock what a concurrent write may change (a conflict, the round's state).
async fn scoring_context<C: ConnectionTrait>(
    txn: &C,
    who: &Principal,
    application_id: i32,
    round: Round,
) -> Result<(StoredCall, AppRow), DomainError> {
    who.require(&[Role::Assessor])?;
    let app = app_row(txn, application_id).await?;
    let call = call_of(txn, app.call_id).await?;
    ensure_assessor_of_call(txn, who, call.id, application_id).await?;
    if !in_round(&app, round) {
        return Err(DomainError::NotFound(format!(
            "application {application_id} in the {} round",
            round.as_str()
        )));
    }
    Ok((call, app))
}

/// Inside the write transaction: no conflict declared and the round open, read under the lock so
/// a close or a declaration committing at the same moment is seen.
pub(super) async fn still_open(
    txn: &DatabaseTransaction,
    who: &Principal,
    call: &StoredCall,
    application_id: i32,
    round: Round,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    ensure_no_conflict(txn, who, application_id).await?;
    round_state(txn, call, round, now).await?.needs_open(round)?;
    Ok(())
}

pub(super) fn checked(
    call: &CallDefinition,
    input: &SheetInput,
    complete: bool,
) -> Result<scoring::ScoredSheet, DomainError> {
    scoring::check_sheet(call, input, complete).map_err(DomainError::Validation)
}

pub(super) fn content(input: &SheetInput) -> Result<String, DomainError> {
    serde_json::to_string(input).map_err(DomainError::internal)
}

/// Saves a draft sheet (created on first save).
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn save_sheet(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    round: Round,
    input: SheetInput,
) -> Result<SheetView, DomainError> {
    let now = state.now();
    let (call, _) = scoring_context(&state.db, who, application_id, round).await?;
    let txn = state.write().await?;
    still_open(&txn, who, &call, application_id, round, now).await?;
    checked(&call.definition, &input, false)?;
    let id =
        match store::assessment::latest_sheet(&txn, application_id, who.user_id, round.as_str())
            .await?
        {
            None => {
                store::assessment::insert_sheet(
                    &txn,
                    store::assessment::NewSheet {
                        application_id,
                        assessor_id: who.user_id,
                        round: round.as_str(),
                        version: 1,
                        content: content(&input)?,
                        correction_reason: None,
                        created_at: now,
                        submitted: None,
                    },
                )
                .await?
                .id
            }
            Some(s) if s.status == "draft" => {
                store::assessment::update_sheet(&txn, s.id, content(&input)?, None, now).await?;
                s.id
            }
            Some(_) => {
                return Err(DomainError::Conflict(
                    "this sheet is submitted and cannot change; file a correction with a reason"
                        .into(),
                ));
            }
        };
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "sheet.saved",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: None,
            details: serde_json::json!({"round": round.as_str(), "sheet_id": id}),
        },
    )
    .await?;
    txn.commit().await?;
    // The answer is read after the commit, outside the write lock.
    sheet_by_id(&state.db, &call.definition, application_id, who.user_id, round).await
}

async fn sheet_by_id<C: ConnectionTrait>(
    txn: &C,
    call: &CallDefinition,
    application_id: i32,
    assessor: i32,
    round: Round,
) -> Result<SheetView, DomainError> {
    let s = store::assessment::latest_sheet(txn, application_id, assessor, round.as_str())
        .await?
        .ok_or_else(|| DomainError::NotFound("sheet".into()))?;
    sheet_view(txn, call, s).await
}

/// A correction of a submitted sheet: a new version with a reason; the old one stays, superseded.
/// Allowed until the round's outcome is published (after that, see what-if).
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn correct_sheet(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    round: Round,
    input: SheetInput,
    reason: &str,
) -> Result<SheetView, DomainError> {
    who.require(&[Role::Assessor])?;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "a correction needs a reason"));
    }
    let now = state.now();
    let txn = state.write().await?;
    let app = app_row(&txn, application_id).await?;
    let call = call_of(&txn, app.call_id).await?;
    ensure_assessor_of_call(&txn, who, call.id, application_id).await?;
    ensure_no_conflict(&txn, who, application_id).await?;
    if round_state(&txn, &call, round, now).await? == RoundState::Published {
        return Err(DomainError::Conflict(
            "the outcome of this round is published; a sheet can no longer be corrected".into(),
        ));
    }
    let Some(previous) =
        store::assessment::latest_sheet(&txn, application_id, who.user_id, round.as_str()).await?
    else {
        return Err(DomainError::NotFound("a submitted sheet to correct".into()));
    };
    if previous.status != "submitted" {
        return Err(DomainError::Conflict(
            "only a submitted sheet is corrected; a draft is simply saved again".into(),
        ));
    }
    let scored = checked(&call.definition, &input, true)?;
    store::assessment::supersede_sheet(&txn, previous.id, now).await?;
    let new = store::assessment::insert_sheet(
        &txn,
        store::assessment::NewSheet {
            application_id,
            assessor_id: who.user_id,
            round: round.as_str(),
            version: previous.version + 1,
            content: content(&input)?,
            correction_reason: Some(reason.trim().to_string()),
            created_at: now,
            submitted: Some((scored.total.to_two_decimals(), now)),
        },
    )
    .await?;
    audit::record(
&txn,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: "sheet.corrected",
entity_type: "application",
entity_id: application_id.to_string(),
reason: Some(reason.trim()),
details: serde_json::json!({"round": round.as_str(), "previous": previous.content, "previous_total": previous.total, "total": scored.total, "version": previous.version + 1}),
},
)
    .await?;
    let view = sheet_view(&txn, &call.definition, new).await?;
    txn.commit().await?;
    Ok(view)
}

/// The sheets on an application someone may see. Blind scoring: an assessor sees the others' only
/// after submitting their own, or once the round is closed. Staff see everything, with history.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn sheets(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    round: Round,
) -> Result<Vec<SheetView>, DomainError> {
    forbid_regions(who)?;
    let now = state.now();
    let db = &state.db;
    let app = app_row(db, application_id).await?;
    let call = call_of(db, app.call_id).await?;
    ensure_assessor_of_call(db, who, call.id, application_id).await?;
    ensure_no_conflict(db, who, application_id).await?;
    if who.role == Role::Assessor && app.status == "draft" {
        return Err(DomainError::NotFound(format!("application {application_id}")));
    }
    let all = store::assessment::sheets_of(db, &[application_id], Some(round.as_str())).await?;
    let visible: Vec<entity::sheet::Model> = match who.role {
        Role::Staff => all,
        _ => {
            let own_submitted =
                all.iter().any(|s| s.assessor_id == who.user_id && s.status == "submitted");
            let closed = matches!(
                round_state(db, &call, round, now).await?,
                RoundState::Closed | RoundState::Published
            );
            all.into_iter()
                .filter(|s| s.status != "superseded")
                .filter(|s| {
                    s.assessor_id == who.user_id
                        || ((own_submitted || closed) && s.status == "submitted")
                })
                .collect()
        }
    };
    let mut out = Vec::new();
    for s in visible {
        out.push(sheet_view(db, &call.definition, s).await?);
    }
    Ok(out)
}
