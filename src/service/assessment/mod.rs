//! Assessment and selection: conflicts, scoring sheets, rounds, recorded decisions, the
//! explainable results and calibration, and the addendum of an invited region.
//!
//! Results are never stored as loose figures: they are computed by `domain::selection::compute`
//! from the sheets and decisions (read through `service::outcome`); a publication
//! (`service::publication`) freezes that computation's inputs with a hash.

pub mod addendum;
pub mod calibration;
pub mod conflicts;
pub mod decisions;
pub mod explained;
pub mod kept_outcome;
pub mod results;
pub mod rounds;
pub mod sheets;
mod submit;

use sea_orm::ConnectionTrait;

use super::auth::{Principal, Role};
pub use super::outcome::AppRow;
pub use crate::domain::round::{Round, RoundState};
use crate::error::DomainError;
use crate::store;

pub use addendum::{has_addendum, upload_addendum};
pub use calibration::{add_consensus_note, assessor_deviations, consensus_notes};
pub use conflicts::{conflicts, declare_conflict};
pub use decisions::{decide_knockout, set_manual_allocation, settle_tie};
pub use explained::{Explained, explain};
pub use kept_outcome::{Keep, OutcomeRead, outcome_read};
pub use results::{
    FrozenOutcome, ReplacedSheet, ResultsPage, ResultsQuery, UNDECIDED, WhatIf, frozen, results,
    results_page, what_if,
};
pub use rounds::{close_round, round_state_of};
pub use sheets::{SheetView, correct_sheet, save_sheet, sheets};
pub use submit::submit_sheet;

/// The stages of a frozen outcome (see `Round::stage`).
pub const STAGE_FIRST: &str = Round::First.stage();
pub const STAGE_FINAL: &str = Round::Final.stage();

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
        return Err(conflict_refusal());
    }
    Ok(())
}

/// The answer to an assessor who declared a conflict of interest on the application.
fn conflict_refusal() -> DomainError {
    DomainError::Forbidden(
        "you declared a conflict of interest on this application: you cannot score it or see its scores".into(),
    )
}
