//! Submitting a sheet in few statements (issue 15). What the checks need is read in one statement
//! before the write lock is taken; a refusal found there stands (a conflict, a closed round, a
//! submitted sheet never go back). Under the lock the sheet is written only while what the checks
//! found still holds, checked by the database inside the write itself; when it no longer holds
//! (something committed in between), nothing was written and the checks run again under the lock,
//! as they always did, for the exact answer.

use chrono::{DateTime, Utc};

use super::rounds::{RoundRows, state_from, status_in_round};
use super::sheets::{SheetView, checked, content, still_open, view_of};
use super::{Round, conflict_refusal};
use crate::domain::points::Points;
use crate::domain::scoring::SheetInput;
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit, outcome};
use crate::store::{
    self,
    calls::StoredCall,
    sheet_write::{ScoringFacts, StillOpen, insert_submitted_if, scoring_facts, submit_draft_if},
    tx::WriteTx,
};

/// Submits the sheet (with `input`, or the saved draft): it must be complete; from then on it
/// counts and cannot change.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn submit_sheet(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    round: Round,
    given: Option<SheetInput>,
) -> Result<SheetView, DomainError> {
    who.require(&[Role::Assessor])?;
    let now = state.now();
    let facts = scoring_facts(&state.db, application_id, who.user_id, round.as_str())
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("application {application_id}")))?;
    let call = checked_facts(&facts, application_id, round, now)?;
    let input = to_submit(given.clone(), facts.latest.as_ref().map(|d| d.content.as_str()))?;
    let scored = checked(&call.definition, &input, true)?;
    let total = scored.total.to_two_decimals();
    let txn = state.write().await?;
    let open = StillOpen {
        call_id: call.id,
        application_id,
        assessor: who.user_id,
        round: round.as_str(),
        needs_first_published: round == Round::Final,
    };
    let written = match &facts.latest {
        None => insert_submitted_if(&txn, &open, content(&input)?, total, now).await?,
        Some(draft) => {
            // The draft as read is what is submitted when no sheet was sent.
            let as_read = given.is_none().then_some(draft.content.as_str());
            submit_draft_if(&txn, &open, draft.id, as_read, content(&input)?, total, now).await?
        }
    };
    let fast = written.is_some();
    let (sheet, total) = match written {
        Some(sheet) => (sheet, scored.total),
        None => submit_locked(&txn, who, &call, application_id, round, given, now).await?,
    };
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "sheet.submitted",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: None,
            details: serde_json::json!({"round": round.as_str(), "sheet_id": sheet.id, "total": total}),
        },
    )
    .await?;
    txn.commit().await?;
    if fast {
        // What was checked is what was written: the next outcome need not read it back.
        outcome::remember_submitted(&state.sheets, &call, &sheet, &scored);
    }
    // The assessor's name and reference as read with the facts: nothing is read after the commit.
    view_of(&call.definition, sheet, facts.assessor_name, facts.assessor_ref)
}

/// The checks of a submission on what was read, in the order they have always answered: the
/// application and its call, the assessor's assignment and the round, a conflict of interest, the
/// round open, the sheet not submitted already.
fn checked_facts(
    facts: &ScoringFacts,
    application_id: i32,
    round: Round,
    now: DateTime<Utc>,
) -> Result<StoredCall, DomainError> {
    let Some(row) = facts.call.clone() else {
        return Err(DomainError::NotFound(format!("call {}", facts.call_id)));
    };
    let call = store::calls::from_model(row)?;
    if !facts.assigned {
        return Err(DomainError::NotFound(format!("application {application_id}")));
    }
    if !status_in_round(&facts.status, round) {
        return Err(DomainError::NotFound(format!(
            "application {application_id} in the {} round",
            round.as_str()
        )));
    }
    if facts.conflict {
        return Err(conflict_refusal());
    }
    let rows = RoundRows {
        published: facts.published,
        closed: facts.closed,
        first_published: facts.first_published,
    };
    state_from(rows, &call, round, now).needs_open(round)?;
    if facts.latest.as_ref().is_some_and(|s| s.status != "draft") {
        return Err(submitted_already());
    }
    Ok(call)
}

fn submitted_already() -> DomainError {
    DomainError::Conflict("this sheet is submitted already; file a correction with a reason".into())
}

/// The submission with every check read under the write lock: for when what was read before it
/// no longer held at the write.
async fn submit_locked(
    txn: &WriteTx,
    who: &Principal,
    call: &StoredCall,
    application_id: i32,
    round: Round,
    given: Option<SheetInput>,
    now: DateTime<Utc>,
) -> Result<(entity::sheet::Model, Points), DomainError> {
    still_open(txn, who, call, application_id, round, now).await?;
    let latest =
        store::assessment::latest_sheet(txn, application_id, who.user_id, round.as_str()).await?;
    if latest.as_ref().is_some_and(|s| s.status != "draft") {
        return Err(submitted_already());
    }
    let input = to_submit(given, latest.as_ref().map(|d| d.content.as_str()))?;
    let scored = checked(&call.definition, &input, true)?;
    let submitted = Some((scored.total.to_two_decimals(), now));
    let sheet = match latest {
        Some(s) => {
            store::assessment::update_sheet(txn, s.id, content(&input)?, submitted, now).await?
        }
        None => {
            store::assessment::insert_sheet(
                txn,
                store::assessment::NewSheet {
                    application_id,
                    assessor_id: who.user_id,
                    round: round.as_str(),
                    version: 1,
                    content: content(&input)?,
                    correction_reason: None,
                    created_at: now,
                    submitted,
                },
            )
            .await?
        }
    };
    Ok((sheet, scored.total))
}

/// The sheet a submission submits: the one sent, else the stored draft's content.
fn to_submit(given: Option<SheetInput>, draft: Option<&str>) -> Result<SheetInput, DomainError> {
    match (given, draft) {
        (Some(i), _) => Ok(i),
        (None, Some(content)) => serde_json::from_str(content).map_err(DomainError::internal),
        (None, None) => Err(DomainError::invalid(
            "sheet",
            "nothing to submit: send the sheet or save a draft first",
        )),
    }
}
