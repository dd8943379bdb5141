//! Assessment and selection: conflicts, scoring sheets, rounds, recorded decisions, publication
//! of the first-round outcome and the final decision, and the explainable results.
//!
//! Results are never stored as loose figures: they are computed by `domain::selection::compute`
//! from the sheets and decisions; a publication freezes that computation's inputs with a hash.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use sha2::{Digest, Sha256};

use super::auth::{Principal, Role};
use super::{AppState, audit};
use crate::domain::call::{CallDefinition, stage};
use crate::domain::knockout::KnockoutVerdict;
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::domain::ranking::FirstRoundDecision;
use crate::domain::scoring::{self, SheetInput};
use crate::domain::selection::{
    self, ApplicationInput, ManualAllocation, Pending, RecordedKnockout, RecordedTie,
    SelectionInput, SelectionResult, Settings, SheetFacts,
};
use crate::error::{DomainError, FieldError};
use crate::store::{
    self,
    assessment::{FINAL, FIRST},
    calls::StoredCall,
};

pub const STAGE_FIRST: &str = "first_round";
pub const STAGE_FINAL: &str = "final";

/// An assessment round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    First,
    Final,
}

impl Round {
    pub fn parse(s: &str) -> Result<Round, DomainError> {
        match s {
            FIRST => Ok(Round::First),
            FINAL => Ok(Round::Final),
            _ => Err(DomainError::NotFound(format!("round {s:?} (rounds are first and final)"))),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Round::First => FIRST,
            Round::Final => FINAL,
        }
    }
}

/// An application with what the assessment needs of it.
#[derive(Debug, Clone)]
pub struct AppRow {
    pub id: i32,
    pub call_id: i32,
    pub region_id: i32,
    pub region_ref: String,
    pub region_name: String,
    pub lead_applicant_email: String,
    pub status: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// An application with what the assessment needs of it (for the letters).
pub async fn app_row_of<C: ConnectionTrait>(db: &C, id: i32) -> Result<AppRow, DomainError> {
    app_row(db, id).await
}

async fn app_row<C: ConnectionTrait>(db: &C, id: i32) -> Result<AppRow, DomainError> {
    let not_found = || DomainError::NotFound(format!("application {id}"));
    let a = store::applications::by_id(db, id).await?.ok_or_else(not_found)?;
    let (_, region) = store::regions::by_id(db, a.region_id).await?.ok_or_else(not_found)?;
    Ok(to_app_row(a, region))
}

fn to_app_row(a: entity::application::Model, region: crate::domain::region::Region) -> AppRow {
    AppRow {
        id: a.id,
        call_id: a.call_id,
        region_id: a.region_id,
        region_ref: region.r#ref,
        region_name: region.name,
        lead_applicant_email: region.lead_applicant.email,
        status: a.status,
        submitted_at: a.submitted_at,
    }
}

async fn call_of<C: ConnectionTrait>(db: &C, id: i32) -> Result<StoredCall, DomainError> {
    store::calls::by_id(db, id).await?.ok_or_else(|| DomainError::NotFound(format!("call {id}")))
}

/// Submitted applications of a call (everything past the draft), by id (for the letters).
pub async fn submitted_rows<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<AppRow>, DomainError> {
    submitted_apps(db, call_id).await
}

/// Submitted applications of a call (everything past the draft), by id.
async fn submitted_apps<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<AppRow>, DomainError> {
    // Two queries for the whole call, not two per application: results are computed often.
    let regions: BTreeMap<i32, crate::domain::region::Region> =
        store::regions::list(db).await?.into_iter().collect();
    let mut out = Vec::new();
    for a in store::applications::list_for_call(db, call_id).await? {
        if a.status != "draft" {
            let region = regions.get(&a.region_id).cloned().ok_or_else(|| {
                DomainError::internal(format!("application {} has no region", a.id))
            })?;
            out.push(to_app_row(a, region));
        }
    }
    Ok(out)
}

/// Application as a region or another outsider may learn of it: a region never sees assessment.
fn forbid_regions(who: &Principal) -> Result<(), DomainError> {
    who.require(&[Role::Staff, Role::Assessor])
}

/// An assessor not assigned to the application's call finds no such application: the answer is
/// the one a missing id gets, so ids cannot be probed.
async fn ensure_assessor_of_call<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    call_id: i32,
    application_id: i32,
) -> Result<(), DomainError> {
    if who.role == Role::Assessor
        && !store::call_assessors::is_assigned(db, call_id, who.user_id).await?
    {
        return Err(DomainError::NotFound(format!("application {application_id}")));
    }
    Ok(())
}

/// A declared conflict of interest closes the application to that assessor: 403 with the reason
/// (the rules' answer; they know the application, so nothing is revealed).
async fn ensure_no_conflict<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    application_id: i32,
) -> Result<(), DomainError> {
    if who.role == Role::Assessor
        && store::assessment::conflict(db, who.user_id, application_id).await?.is_some()
    {
        return Err(DomainError::Forbidden(
            "you declared a conflict of interest on this application: you cannot score it or see its scores".into(),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- conflicts

pub async fn declare_conflict(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    assessor_id: i32,
    application_id: i32,
    reason: &str,
) -> Result<entity::conflict::Model, DomainError> {
    who.require(&[Role::Staff])?;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "a conflict of interest needs a reason"));
    }
    let now = state.now();
    let txn = state.write().await?;
    call_of(&txn, call_id).await?;
    let app = app_row(&txn, application_id).await?;
    if app.call_id != call_id {
        return Err(DomainError::invalid("application_id", "the application is not of this call"));
    }
    let assessor = store::users::by_id(&txn, assessor_id).await?;
    if assessor.as_ref().map(|u| u.role.as_str()) != Some("assessor") {
        return Err(DomainError::invalid("assessor_id", "no assessor with this id"));
    }
    if store::assessment::conflict(&txn, assessor_id, application_id).await?.is_some() {
        return Err(DomainError::Conflict("this conflict of interest is recorded already".into()));
    }
    let c = store::assessment::add_conflict(
        &txn,
        call_id,
        assessor_id,
        application_id,
        reason.trim(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "conflict.declared",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: Some(reason.trim()),
            details: serde_json::json!({"assessor_id": assessor_id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

pub async fn conflicts(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Vec<entity::conflict::Model>, DomainError> {
    who.require(&[Role::Staff])?;
    call_of(&state.db, call_id).await?;
    Ok(store::assessment::conflicts_of_call(&state.db, call_id).await?)
}

// ---------------------------------------------------------------- rounds

/// Where a round stands, from the clock, the call's stages and what staff did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    NotOpen,
    Open,
    Closed,
    Published,
}

async fn round_state<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    round: Round,
    now: DateTime<Utc>,
) -> Result<RoundState, DomainError> {
    let row = store::assessment::round(db, call.id, round.as_str()).await?;
    if row.as_ref().is_some_and(|r| r.published_at.is_some()) {
        return Ok(RoundState::Published);
    }
    if row.as_ref().is_some_and(|r| r.closed_at.is_some()) {
        return Ok(RoundState::Closed);
    }
    let open = match round {
        Round::First => call.definition.moment(stage::SUBMISSION_DEADLINE).is_some_and(|d| now > d),
        Round::Final => store::assessment::round(db, call.id, FIRST)
            .await?
            .is_some_and(|r| r.published_at.is_some()),
    };
    Ok(if open { RoundState::Open } else { RoundState::NotOpen })
}

fn needs_open(state: RoundState, round: Round) -> Result<(), DomainError> {
    match state {
        RoundState::Open => Ok(()),
        RoundState::NotOpen => Err(DomainError::Conflict(match round {
            Round::First => "the first round opens after the submission deadline".to_string(),
            Round::Final => {
                "the final round opens when the first-round outcome is published".to_string()
            }
        })),
        RoundState::Closed | RoundState::Published => {
            Err(DomainError::Conflict(format!("the {} round is closed", round.as_str())))
        }
    }
}

/// Applications scored in a round: all submitted ones in the first, the invited ones in the final.
fn in_round(app: &AppRow, round: Round) -> bool {
    match round {
        Round::First => app.status != "draft",
        Round::Final => {
            matches!(app.status.as_str(), "invited_to_interview" | "awarded" | "not_awarded")
        }
    }
}

pub async fn close_round(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    round: Round,
) -> Result<(), DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    let call = call_of(&txn, call_id).await?;
    needs_open(round_state(&txn, &call, round, now).await?, round)?;
    let apps: Vec<AppRow> =
        submitted_apps(&txn, call_id).await?.into_iter().filter(|a| in_round(a, round)).collect();
    let ids: Vec<i32> = apps.iter().map(|a| a.id).collect();
    let sheets = store::assessment::sheets_of(&txn, &ids, Some(round.as_str())).await?;
    let min = call.definition.min_sheets_per_application as usize;
    let short: Vec<String> = apps
        .iter()
        .filter_map(|a| {
            let n = sheets
                .iter()
                .filter(|s| s.application_id == a.id && s.status == "submitted")
                .count();
            (n < min).then(|| format!("{} ({n} of {min})", a.region_ref))
        })
        .collect();
    if !short.is_empty() {
        return Err(DomainError::Conflict(format!(
            "the round cannot close: too few submitted sheets for {}",
            short.join(", ")
        )));
    }
    store::assessment::set_round(&txn, call_id, round.as_str(), Some(now), None).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "round.closed",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: None,
            details: serde_json::json!({"round": round.as_str()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- sheets

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
    let input: SheetInput = serde_json::from_str(&sheet.content).map_err(DomainError::internal)?;
    let points = scoring::check_sheet(call, &input, false).map(|s| s.points).unwrap_or_default();
    let user = store::users::by_id(db, sheet.assessor_id).await?;
    Ok(SheetView {
        assessor_name: user.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        assessor_ref: user.and_then(|u| u.reference),
        sheet,
        input,
        points,
    })
}

/// Loads what scoring an application needs and checks the assessor may score it now.
async fn scoring_context(
    txn: &DatabaseTransaction,
    who: &Principal,
    application_id: i32,
    round: Round,
    now: DateTime<Utc>,
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
    ensure_no_conflict(txn, who, application_id).await?;
    needs_open(round_state(txn, &call, round, now).await?, round)?;
    Ok((call, app))
}

fn checked(
    call: &CallDefinition,
    input: &SheetInput,
    complete: bool,
) -> Result<scoring::ScoredSheet, DomainError> {
    scoring::check_sheet(call, input, complete).map_err(DomainError::Validation)
}

fn content(input: &SheetInput) -> Result<String, DomainError> {
    serde_json::to_string(input).map_err(DomainError::internal)
}

/// Saves a draft sheet (created on first save).
pub async fn save_sheet(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    round: Round,
    input: SheetInput,
) -> Result<SheetView, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    let (call, _) = scoring_context(&txn, who, application_id, round, now).await?;
    checked(&call.definition, &input, false)?;
    let id =
        match store::assessment::latest_sheet(&txn, application_id, who.user_id, round.as_str())
            .await?
        {
            None => {
                store::assessment::insert_sheet(
                    &txn,
                    application_id,
                    who.user_id,
                    round.as_str(),
                    1,
                    content(&input)?,
                    None,
                    now,
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
    let view = sheet_by_id(&txn, &call.definition, application_id, who.user_id, round).await?;
    txn.commit().await?;
    Ok(view)
}

async fn sheet_by_id(
    txn: &DatabaseTransaction,
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

/// Submits the sheet (with `input`, or the saved draft): it must be complete; from then on it counts
/// and cannot change.
pub async fn submit_sheet(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    round: Round,
    input: Option<SheetInput>,
) -> Result<SheetView, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    let (call, _) = scoring_context(&txn, who, application_id, round, now).await?;
    let latest =
        store::assessment::latest_sheet(&txn, application_id, who.user_id, round.as_str()).await?;
    if latest.as_ref().is_some_and(|s| s.status != "draft") {
        return Err(DomainError::Conflict(
            "this sheet is submitted already; file a correction with a reason".into(),
        ));
    }
    let input = match (input, &latest) {
        (Some(i), _) => i,
        (None, Some(draft)) => {
            serde_json::from_str(&draft.content).map_err(DomainError::internal)?
        }
        (None, None) => {
            return Err(DomainError::invalid(
                "sheet",
                "nothing to submit: send the sheet or save a draft first",
            ));
        }
    };
    let scored = checked(&call.definition, &input, true)?;
    let id = match latest {
        Some(s) => s.id,
        None => {
            store::assessment::insert_sheet(
                &txn,
                application_id,
                who.user_id,
                round.as_str(),
                1,
                content(&input)?,
                None,
                now,
            )
            .await?
            .id
        }
    };
    store::assessment::update_sheet(
        &txn,
        id,
        content(&input)?,
        Some((scored.total.to_two_decimals(), now)),
        now,
    )
    .await?;
    audit::record(
&txn,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: "sheet.submitted",
entity_type: "application",
entity_id: application_id.to_string(),
reason: None,
details: serde_json::json!({"round": round.as_str(), "sheet_id": id, "total": scored.total}),
},
)
    .await?;
    let view = sheet_by_id(&txn, &call.definition, application_id, who.user_id, round).await?;
    txn.commit().await?;
    Ok(view)
}

/// A correction of a submitted sheet: a new version with a reason; the old one stays, superseded.
/// Allowed until the round's outcome is published (after that, see what-if).
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
        application_id,
        who.user_id,
        round.as_str(),
        previous.version + 1,
        content(&input)?,
        Some(reason.trim().to_string()),
        now,
    )
    .await?;
    store::assessment::update_sheet(
        &txn,
        new.id,
        content(&input)?,
        Some((scored.total.to_two_decimals(), now)),
        now,
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
    let view = sheet_by_id(&txn, &call.definition, application_id, who.user_id, round).await?;
    txn.commit().await?;
    Ok(view)
}

/// The sheets on an application someone may see. Blind scoring: an assessor sees the others' only
/// after submitting their own, or once the round is closed. Staff see everything, with history.
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

// ---------------------------------------------------------------- decisions

pub async fn decide_knockout(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    verdict: &str,
    reason: &str,
) -> Result<(), DomainError> {
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
    let input = selection_input(&txn, &call).await?;
    let result = selection::compute(&input);
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
        call.id,
        Some(application_id),
        "knockout",
        serde_json::json!({"verdict": verdict.as_str()}),
        reason.trim(),
        Some(who.user_id),
        now,
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
    Ok(())
}

/// Settles a tie at the last award place: every tied application must be named, in `award` or
/// `not_award`, and no more may be awarded than there are places.
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
    let input = selection_input(&txn, &call).await?;
    let result = selection::compute(&input);
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
    let mut errors = Vec::new();
    for (field, ids, awarded) in [("award", award, true), ("not_award", not_award, false)] {
        for (i, id) in ids.iter().enumerate() {
            match app_row(&txn, *id).await {
                Ok(a)
                    if a.call_id == call_id
                        && tied.contains(&a.region_ref)
                        && !named.iter().any(|(r, _, _)| r == &a.region_ref) =>
                {
                    named.push((a.region_ref.clone(), a.id, awarded))
                }
                _ => errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    "not one of the tied applications, or named twice",
                )),
            }
        }
    }
    if errors.is_empty() && named.len() != tied.len() {
        errors.push(FieldError::new(
            "award",
            format!("name every tied application: {}", tied.join(", ")),
        ));
    }
    let places_above = result
        .applications
        .iter()
        .filter(|a| a.decision.as_deref() == Some("awarded") && !a.tied_at_last_place)
        .count();
    let awarding = named.iter().filter(|(_, _, a)| *a).count();
    if places_above + awarding > call.definition.max_awards as usize {
        errors.push(FieldError::new(
            "award",
            format!("at most {} awards in all", call.definition.max_awards),
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    for (r, id, awarded) in &named {
        store::assessment::record_decision(
            &txn,
            call_id,
            Some(*id),
            "tie",
            serde_json::json!({"award": awarded}),
            reason.trim(),
            Some(who.user_id),
            now,
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
    let value = match &amounts {
        None => serde_json::Value::Null,
        Some(map) => {
            let mut by_ref = serde_json::Map::new();
            for (id, amount) in map {
                let a = app_row(&txn, *id).await.map_err(|_| {
                    DomainError::invalid(format!("amounts.{id}"), "no such application")
                })?;
                if a.call_id != call_id {
                    return Err(DomainError::invalid(
                        format!("amounts.{id}"),
                        "not an application of this call",
                    ));
                }
                by_ref.insert(a.region_ref, serde_json::Value::String(amount.to_string()));
            }
            serde_json::Value::Object(by_ref)
        }
    };
    store::assessment::record_decision(
        &txn,
        call_id,
        None,
        "manual_allocation",
        value.clone(),
        reason.trim(),
        Some(who.user_id),
        now,
    )
    .await?;
    let input = selection_input(&txn, &call).await?;
    let result = selection::compute(&input);
    if result.final_pending.contains(&Pending::ManualAllocation) && amounts.is_some() {
        let requests: Vec<(String, Money)> =
            input.applications.iter().map(|a| (a.r#ref.clone(), a.requested_total)).collect();
        let given: Vec<(String, Money)> = input
            .manual_allocation
            .iter()
            .flat_map(|m| m.amounts.iter().map(|(k, v)| (k.clone(), *v)))
            .collect();
        let awarded: Vec<(String, Money)> = requests
            .into_iter()
            .filter(|(r, _)| result.awarded_in_rank_order.contains(r))
            .collect();
        let errors = crate::domain::allocation::check_manual(
            call.definition.budget_ceiling,
            &awarded,
            &given,
        )
        .err()
        .unwrap_or_else(|| {
            vec![FieldError::new("amounts", "the amounts do not fit the awarded applications")]
        });
        return Err(DomainError::Validation(errors));
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

// ---------------------------------------------------------------- the computation's inputs

/// Everything the outcome depends on, read from the database.
pub async fn selection_input<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
) -> Result<SelectionInput, DomainError> {
    let apps = submitted_apps(db, call.id).await?;
    let ids: Vec<i32> = apps.iter().map(|a| a.id).collect();
    let sheets = store::assessment::sheets_of(db, &ids, None).await?;
    let requested = store::applications::requested_totals(db, &ids).await?;
    let decisions = store::assessment::decisions_of_call(db, call.id).await?;
    let mut assessor_names: BTreeMap<i32, String> = BTreeMap::new();
    for s in &sheets {
        if let std::collections::btree_map::Entry::Vacant(e) = assessor_names.entry(s.assessor_id) {
            let u = store::users::by_id(db, s.assessor_id).await?;
            e.insert(
                u.map(|u| u.reference.unwrap_or(u.email))
                    .unwrap_or_else(|| s.assessor_id.to_string()),
            );
        }
    }
    let mut applications = Vec::new();
    for app in &apps {
        let facts = |round: &str| -> Result<Vec<SheetFacts>, DomainError> {
            sheets
                .iter()
                .filter(|s| {
                    s.application_id == app.id && s.round == round && s.status == "submitted"
                })
                .map(|s| {
                    let input: SheetInput =
                        serde_json::from_str(&s.content).map_err(DomainError::internal)?;
                    let scored =
                        scoring::check_sheet(&call.definition, &input, true).map_err(|e| {
                            DomainError::internal(format!(
                                "stored sheet {} no longer checks: {e:?}",
                                s.id
                            ))
                        })?;
                    Ok(SheetFacts {
                        assessor: assessor_names.get(&s.assessor_id).cloned().unwrap_or_default(),
                        knockout: scored.knockout,
                        points: scored.points,
                        total: scored.total,
                    })
                })
                .collect()
        };
        let latest = |kind: &str| {
            decisions.iter().rev().find(|d| d.kind == kind && d.application_id == Some(app.id))
        };
        let knockout_decision = match latest("knockout") {
            Some(d) => {
                let v: serde_json::Value =
                    serde_json::from_str(&d.value).map_err(DomainError::internal)?;
                v["verdict"]
                    .as_str()
                    .and_then(KnockoutVerdict::parse)
                    .map(|verdict| RecordedKnockout { verdict, reason: d.reason.clone() })
            }
            None => None,
        };
        let tie_decision = match latest("tie") {
            Some(d) => {
                let v: serde_json::Value =
                    serde_json::from_str(&d.value).map_err(DomainError::internal)?;
                v["award"].as_bool().map(|award| RecordedTie { award, reason: d.reason.clone() })
            }
            None => None,
        };
        applications.push(ApplicationInput {
            r#ref: app.region_ref.clone(),
            requested_total: requested.get(&app.id).copied().unwrap_or(Money::ZERO),
            first_round: facts(FIRST)?,
            final_round: facts(FINAL)?,
            knockout_decision,
            tie_decision,
        });
    }
    let manual_allocation = match decisions.iter().rev().find(|d| d.kind == "manual_allocation") {
        Some(d) => {
            let v: serde_json::Value =
                serde_json::from_str(&d.value).map_err(DomainError::internal)?;
            match v.as_object() {
                Some(map) => {
                    let mut amounts = BTreeMap::new();
                    for (k, a) in map {
                        let m = a
                            .as_str()
                            .map(Money::parse)
                            .and_then(Result::ok)
                            .ok_or_else(|| DomainError::internal("stored allocation amount"))?;
                        amounts.insert(k.clone(), m);
                    }
                    Some(ManualAllocation { amounts, reason: d.reason.clone() })
                }
                None => None,
            }
        }
        None => None,
    };
    Ok(SelectionInput { settings: Settings::of(&call.definition), applications, manual_allocation })
}

// ---------------------------------------------------------------- publication

fn hash_of(inputs: &str) -> String {
    Sha256::digest(inputs.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
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

/// Publishes the first-round outcome: invitations and rejections, their emails, a frozen snapshot.
pub async fn publish_first_round(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<SelectionResult, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    let call = call_of(&txn, call_id).await?;
    if call.definition.moment(stage::FIRST_ASSESSMENT).is_some_and(|t| now < t) {
        return Err(DomainError::Conflict(
            "the first-round outcome is published from the first_assessment stage on".into(),
        ));
    }
    match round_state(&txn, &call, Round::First, now).await? {
        RoundState::Closed => {}
        RoundState::Published => {
            return Err(DomainError::Conflict(
                "the first-round outcome is published already".into(),
            ));
        }
        _ => {
            return Err(DomainError::Conflict(
                "close the first round before publishing its outcome".into(),
            ));
        }
    }
    let input = selection_input(&txn, &call).await?;
    let result = selection::compute(&input);
    if !result.first_round_pending.is_empty() {
        return Err(DomainError::Conflict(format!(
            "still pending: {}",
            pending_message(&result.first_round_pending)
        )));
    }
    let apps = submitted_apps(&txn, call_id).await?;
    let letters = super::letters::resolve(&txn, call_id).await?;
    super::letters::ready_to_publish(&txn, &call, &input, &result, &letters, true).await?;
    for r in &result.applications {
        let Some(app) = apps.iter().find(|a| a.region_ref == r.r#ref) else { continue };
        let (status, email) = match r.first_round_decision {
            Some(FirstRoundDecision::Invited) => ("invited_to_interview", "interview_invitation"),
            Some(FirstRoundDecision::RejectedKnockout) => {
                ("rejected_knockout", "rejection_first_round")
            }
            Some(FirstRoundDecision::RejectedBelowThreshold) => {
                ("rejected_below_threshold", "rejection_first_round")
            }
            None => continue,
        };
        store::applications::set_status(&txn, app.id, status, now).await?;
        super::letters::issue_with_email(
            &txn,
            who,
            &call,
            &input,
            &result,
            &letters,
            app,
            email,
            "first_round",
            now,
        )
        .await?;
        audit::record(
            &txn,
            audit::AuditEntry {
                actor: &who.actor(),
                at: now,
                action: "application.first_round_decided",
                entity_type: "application",
                entity_id: app.id.to_string(),
                reason: None,
                details: serde_json::json!({"decision": status}),
            },
        )
        .await?;
    }
    freeze(&txn, who, call_id, STAGE_FIRST, &input, &result, now).await?;
    store::assessment::set_round(
        &txn,
        call_id,
        FIRST,
        store::assessment::round(&txn, call_id, FIRST).await?.and_then(|r| r.closed_at),
        Some(now),
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "outcome.published",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: None,
            details: serde_json::json!({"stage": STAGE_FIRST}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(result)
}

/// Publishes the final decision: awards and rejections, the allocation, emails, a frozen snapshot.
pub async fn publish_final(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<SelectionResult, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    let call = call_of(&txn, call_id).await?;
    if call.definition.moment(stage::FINAL_DECISION).is_some_and(|t| now < t) {
        return Err(DomainError::Conflict(
            "the final decision is published from the final_decision stage on".into(),
        ));
    }
    match round_state(&txn, &call, Round::Final, now).await? {
        RoundState::Closed => {}
        RoundState::Published => {
            return Err(DomainError::Conflict("the final decision is published already".into()));
        }
        _ => {
            return Err(DomainError::Conflict(
                "close the final round before publishing the decision".into(),
            ));
        }
    }
    let input = selection_input(&txn, &call).await?;
    let result = selection::compute(&input);
    if !result.final_pending.is_empty() {
        return Err(DomainError::Conflict(format!(
            "still pending: {}",
            pending_message(&result.final_pending)
        )));
    }
    let apps = submitted_apps(&txn, call_id).await?;
    let letters = super::letters::resolve(&txn, call_id).await?;
    super::letters::ready_to_publish(&txn, &call, &input, &result, &letters, false).await?;
    for r in &result.applications {
        let Some(app) = apps.iter().find(|a| a.region_ref == r.r#ref) else { continue };
        let (status, email) = match r.decision.as_deref() {
            Some("awarded") => ("awarded", "award_letter"),
            Some("not_awarded") => ("not_awarded", "rejection_final"),
            _ => continue,
        };
        store::applications::set_status(&txn, app.id, status, now).await?;
        super::letters::issue_with_email(
            &txn, who, &call, &input, &result, &letters, app, email, "final", now,
        )
        .await?;
        audit::record(
            &txn,
            audit::AuditEntry {
                actor: &who.actor(),
                at: now,
                action: "application.decided",
                entity_type: "application",
                entity_id: app.id.to_string(),
                reason: None,
                details: serde_json::json!({"decision": status, "allocated": r.allocated}),
            },
        )
        .await?;
    }
    freeze(&txn, who, call_id, STAGE_FINAL, &input, &result, now).await?;
    store::assessment::set_round(
        &txn,
        call_id,
        FINAL,
        store::assessment::round(&txn, call_id, FINAL).await?.and_then(|r| r.closed_at),
        Some(now),
    )
    .await?;
    audit::record(
&txn,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: "outcome.published",
entity_type: "call",
entity_id: call_id.to_string(),
reason: None,
details: serde_json::json!({"stage": STAGE_FINAL, "allocated_total": result.allocated_total}),
},
)
    .await?;
    super::monitoring::create_proeftuinen_for_awards(&txn, &who.actor(), &call, &result, now)
        .await?;
    txn.commit().await?;
    Ok(result)
}

async fn freeze(
    txn: &DatabaseTransaction,
    who: &Principal,
    call_id: i32,
    stage: &str,
    input: &SelectionInput,
    result: &SelectionResult,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let inputs = serde_json::to_string(input).map_err(DomainError::internal)?;
    let output = serde_json::to_string(result).map_err(DomainError::internal)?;
    let hash = hash_of(&inputs);
    store::assessment::insert_snapshot(
        txn,
        call_id,
        stage,
        inputs,
        output,
        hash,
        selection::RULE_VERSION,
        Some(who.user_id),
        now,
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- results

/// The results of a call: what the sheets and decisions give now; once the final decision is
/// published, what its frozen inputs give, so the results always equal the published outcome.
pub async fn results(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<(StoredCall, SelectionResult, Vec<AppRow>), DomainError> {
    who.require(&[Role::Staff])?;
    let call = call_of(&state.db, call_id).await?;
    let input = match store::assessment::snapshot(&state.db, call_id, STAGE_FINAL).await? {
        Some(snap) => serde_json::from_str(&snap.inputs).map_err(DomainError::internal)?,
        None => selection_input(&state.db, &call).await?,
    };
    let apps = submitted_apps(&state.db, call_id).await?;
    Ok((call, selection::compute(&input), apps))
}

#[derive(Debug, Clone)]
pub struct FrozenOutcome {
    pub stage: String,
    pub sha256: String,
    pub rule_version: String,
    pub published_at: DateTime<Utc>,
    /// The hash of the stored inputs matches, and recomputing them gives the stored result.
    pub verified: bool,
    pub result: serde_json::Value,
}

/// Recomputes a published outcome from its frozen inputs and checks it against what was published.
pub async fn frozen(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    stage: &str,
) -> Result<FrozenOutcome, DomainError> {
    who.require(&[Role::Staff])?;
    let snap = store::assessment::snapshot(&state.db, call_id, stage).await?.ok_or_else(|| {
        DomainError::NotFound(format!("a published {stage} outcome of call {call_id}"))
    })?;
    let input: SelectionInput =
        serde_json::from_str(&snap.inputs).map_err(DomainError::internal)?;
    let recomputed =
        serde_json::to_string(&selection::compute(&input)).map_err(DomainError::internal)?;
    let verified = hash_of(&snap.inputs) == snap.sha256
        && recomputed == snap.result
        && snap.rule_version == selection::RULE_VERSION;
    Ok(FrozenOutcome {
        stage: snap.stage,
        sha256: snap.sha256,
        rule_version: snap.rule_version,
        published_at: snap.published_at,
        verified,
        result: serde_json::from_str(&snap.result).map_err(DomainError::internal)?,
    })
}

#[derive(Debug, Clone)]
pub struct WhatIf {
    pub awarded_before: Vec<String>,
    pub awarded_after: Vec<String>,
    pub changed: bool,
    pub result: SelectionResult,
}

/// What if one sheet had been different (as after a successful objection)? Recomputes the final
/// outcome from its frozen inputs with that sheet replaced; the published outcome is untouched.
pub async fn what_if(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    application_ref: &str,
    assessor: &str,
    round: Round,
    sheet: SheetInput,
) -> Result<WhatIf, DomainError> {
    who.require(&[Role::Staff])?;
    let call = call_of(&state.db, call_id).await?;
    let snap =
        store::assessment::snapshot(&state.db, call_id, STAGE_FINAL).await?.ok_or_else(|| {
            DomainError::Conflict("what-if works on a published final decision".into())
        })?;
    let mut input: SelectionInput =
        serde_json::from_str(&snap.inputs).map_err(DomainError::internal)?;
    let before = selection::compute(&input);
    let scored = checked(&call.definition, &sheet, true)?;
    let app =
        input.applications.iter_mut().find(|a| a.r#ref == application_ref).ok_or_else(|| {
            DomainError::invalid("application", "not an application of the published outcome")
        })?;
    let sheets = match round {
        Round::First => &mut app.first_round,
        Round::Final => &mut app.final_round,
    };
    let target = sheets.iter_mut().find(|s| s.assessor == assessor).ok_or_else(|| {
        DomainError::invalid(
            "assessor",
            "this assessor has no sheet on the application in that round",
        )
    })?;
    *target = SheetFacts {
        assessor: assessor.to_string(),
        knockout: scored.knockout,
        points: scored.points,
        total: scored.total,
    };
    let after = selection::compute(&input);
    let mut b = before.awarded_in_rank_order.clone();
    let mut a = after.awarded_in_rank_order.clone();
    b.sort();
    a.sort();
    Ok(WhatIf {
        changed: a != b,
        awarded_before: before.awarded_in_rank_order,
        awarded_after: after.awarded_in_rank_order.clone(),
        result: after,
    })
}

/// A round's state as a word: `not_open`, `open`, `closed`, `published`.
pub async fn round_state_of(
    state: &AppState,
    call: &StoredCall,
    round: Round,
    now: DateTime<Utc>,
) -> Result<&'static str, DomainError> {
    Ok(match round_state(&state.db, call, round, now).await? {
        RoundState::NotOpen => "not_open",
        RoundState::Open => "open",
        RoundState::Closed => "closed",
        RoundState::Published => "published",
    })
}

// ---------------------------------------------------------------- explanation and calibration

/// Every figure behind one application's outcome.
#[derive(Debug, Clone)]
pub struct Explained {
    pub app: AppRow,
    pub result: selection::ApplicationResult,
    pub first_round: Vec<SheetFacts>,
    pub final_round: Vec<SheetFacts>,
    pub decisions: Vec<entity::decision::Model>,
    pub notes: Vec<entity::consensus_note::Model>,
    /// The decisive ground of the decision, once there is one.
    pub ground: Option<crate::domain::grounds::DecisionGround>,
}

pub async fn explain(
    state: &AppState,
    who: &Principal,
    application_id: i32,
) -> Result<Explained, DomainError> {
    who.require(&[Role::Staff])?;
    let app = app_row(&state.db, application_id).await?;
    let call = call_of(&state.db, app.call_id).await?;
    let input = selection_input(&state.db, &call).await?;
    let result = selection::compute(&input);
    let pos =
        input.applications.iter().position(|a| a.r#ref == app.region_ref).ok_or_else(|| {
            DomainError::Conflict("the application is not submitted; it has no outcome".into())
        })?;
    let decisions = store::assessment::decisions_of_call(&state.db, call.id)
        .await?
        .into_iter()
        .filter(|d| d.application_id == Some(application_id) || d.application_id.is_none())
        .collect();
    let notes = store::assessment::notes_of(&state.db, &[application_id]).await?;
    Ok(Explained {
        ground: crate::domain::grounds::of(&input, &result, &app.region_ref),
        result: result.applications[pos].clone(),
        first_round: input.applications[pos].first_round.clone(),
        final_round: input.applications[pos].final_round.clone(),
        app,
        decisions,
        notes,
    })
}

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
pub async fn assessor_deviations(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<BTreeMap<(String, String), Points>, DomainError> {
    who.require(&[Role::Staff])?;
    let call = call_of(&state.db, call_id).await?;
    let input = selection_input(&state.db, &call).await?;
    let mut out = BTreeMap::new();
    for round in [Round::First, Round::Final] {
        let mut totals: BTreeMap<String, BTreeMap<String, Points>> = BTreeMap::new();
        for a in &input.applications {
            let sheets = if round == Round::First { &a.first_round } else { &a.final_round };
            for s in sheets {
                totals.entry(a.r#ref.clone()).or_default().insert(s.assessor.clone(), s.total);
            }
        }
        for (assessor, dev) in crate::domain::calibration::assessor_deviation(&totals) {
            out.insert((round.as_str().to_string(), assessor), dev);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- addendum

/// An invited region hands in its addendum (a supplement to the plan) until the addendum
/// deadline; it is re-scored in the final round. Another region's application does not exist.
pub async fn upload_addendum(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    filename: &str,
    bytes: Vec<u8>,
) -> Result<store::documents::DocumentMeta, DomainError> {
    use crate::domain::document;
    who.require(&[Role::Region])?;
    let now = state.now();
    let txn = state.write().await?;
    let app = app_row(&txn, application_id).await?;
    if who.region_id != Some(app.region_id) {
        return Err(DomainError::NotFound(format!("application {application_id}")));
    }
    let call = call_of(&txn, app.call_id).await?;
    if app.status != "invited_to_interview" {
        return Err(DomainError::Conflict(
            "only an application invited to the interview round takes an addendum".into(),
        ));
    }
    if call.definition.moment(stage::ADDENDUM_DEADLINE).is_some_and(|d| now > d) {
        return Err(DomainError::DeadlinePassed("the addendum deadline has passed".into()));
    }
    if bytes.len() > document::MAX_DOCUMENT_BYTES {
        return Err(DomainError::TooLarge("a document is at most 25 MB".into()));
    }
    let filename =
        document::clean_filename(filename).map_err(|m| DomainError::invalid("filename", m))?;
    let kind = document::sniff(&bytes).ok_or_else(|| {
        DomainError::invalid("file", "the file is not a PDF, DOCX or ODT document")
    })?;
    let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let meta = store::documents::insert(
        &txn,
        store::documents::NewDocument {
            application_id,
            kind: document::DocumentKind::Addendum.as_str().to_string(),
            filename,
            media_type: kind.media_type().to_string(),
            sha256: sha256.clone(),
            content: bytes,
            uploaded_by: Some(who.user_id),
            uploaded_at: now,
        },
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "application.addendum_uploaded",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: None,
            details: serde_json::json!({"document_id": meta.id, "sha256": sha256}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(meta)
}

/// Whether the application has an addendum (for the addendum reminder).
pub async fn has_addendum<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<bool, DomainError> {
    Ok(store::documents::has_kind(
        db,
        application_id,
        crate::domain::document::DocumentKind::Addendum.as_str(),
    )
    .await?)
}
