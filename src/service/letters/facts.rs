//! Every figure of one application's letter, gathered from the call's outcome.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;

use super::compose::{CriterionScore, LetterFacts, LetterKind, LetterSettings};
use super::{local_date, logo, reference};
use crate::domain::allocation::{self, AllocationBasis};
use crate::domain::call::{CallDefinition, stage};
use crate::domain::decision::Decision;
use crate::domain::grounds::OutcomeIndex;
use crate::domain::knockout::KnockoutVerdict;
use crate::domain::region::Region;
use crate::domain::scoring::SheetInput;
use crate::domain::selection::{ApplicationResult, RoundFigures, SelectionInput, SelectionResult};
use crate::error::DomainError;
use crate::service::outcome::{AppRow, to_app_row};
use crate::store::{self, calls::StoredCall};

/// What a letter is written from: one application in its call's outcome, and which letter.
pub struct LetterRequest<'a> {
    pub call: &'a StoredCall,
    pub input: &'a SelectionInput,
    pub result: &'a SelectionResult,
    pub app: &'a AppRow,
    pub kind: LetterKind,
    /// 1, or the number of a correction.
    pub number: i32,
    /// For a correction: its reason and the date of the letter it corrects.
    pub correction: Option<(String, NaiveDate)>,
    /// The outcome's index, when the caller keeps one (a publication's letters share it); built
    /// here otherwise.
    pub index: Option<&'a OutcomeIndex>,
}

/// Gathers every figure of one application's letter from the call's outcome, with the call's
/// logo as it is now.
pub async fn facts<C: ConnectionTrait>(
    db: &C,
    request: LetterRequest<'_>,
    now: DateTime<Utc>,
    settings: LetterSettings,
) -> Result<LetterFacts, DomainError> {
    let logo = logo::for_letters(db, request.call.id).await?;
    facts_with_logo(db, request, now, settings, logo).await
}

/// As [`facts`], with the logo given (a publication's letters carry the logo frozen with it).
pub async fn facts_with_logo<C: ConnectionTrait>(
    db: &C,
    request: LetterRequest<'_>,
    now: DateTime<Utc>,
    settings: LetterSettings,
    logo: Option<crate::pdf::letterhead::Logo>,
) -> Result<LetterFacts, DomainError> {
    let on_file = OnFile::of(db, request.call.id, request.app).await?;
    facts_on_file(db, request, on_file, now, settings, logo).await
}

/// As [`facts_with_logo`], with what the application's file holds read already (for a batch of
/// letters at once: [`OnFile::of_many`]).
// Long: most of it is one flat struct literal, a line per figure the letter shows.
pub async fn facts_on_file<C: ConnectionTrait>(
    db: &C,
    request: LetterRequest<'_>,
    on_file: OnFile,
    now: DateTime<Utc>,
    settings: LetterSettings,
    logo: Option<crate::pdf::letterhead::Logo>,
) -> Result<LetterFacts, DomainError> {
    let LetterRequest { call, input, result, app, kind, number, correction, index } = request;
    let def = &call.definition;
    let built;
    let index = match index {
        Some(x) => x,
        None => {
            built = OutcomeIndex::new(input, result);
            &built
        }
    };
    let no_outcome =
        || DomainError::Conflict("the application has no outcome to write a letter about".into());
    let at = index.position(&app.region_ref).ok_or_else(no_outcome)?;
    let r = result.applications.get(at).ok_or_else(no_outcome)?;
    let i = input.applications.get(at).filter(|a| a.r#ref == app.region_ref);
    let figures = match kind {
        LetterKind::RejectionFirstRound | LetterKind::InterviewInvitation => r.first_round.as_ref(),
        _ => r.final_round.as_ref(),
    };
    let knockouts_met = match kind {
        LetterKind::Award => def.knockout_criteria.iter().map(|k| k.label_nl.clone()).collect(),
        _ => Vec::new(),
    };
    let decided = i.and_then(|i| i.knockout_decision.clone());
    let knockouts_not_met = knockouts_not_met(db, def, app.id, r, decided.as_ref()).await?;
    let last_awarded = index.last_awarded();
    let tie = match (kind, i.and_then(|i| i.tie_decision.clone())) {
        (LetterKind::RejectionFinal | LetterKind::Award, Some(t)) if r.tied_at_last_place => {
            Some((t.award, t.reason))
        }
        _ => None,
    };
    let region = &on_file.region;
    Ok(LetterFacts {
        interview: settings.interviews.get(&app.id).cloned(),
        addendum_deadline: def.moment(stage::ADDENDUM_DEADLINE),
        lead_function: on_file.form.contact.as_ref().and_then(|c| c.function.clone()),
        applicant: on_file.form.applicant.clone(),
        application_title: on_file.form.title.clone(),
        addendum_on: on_file.addendum_on,
        awarded_count: index.awarded_count(),
        ground: index.ground(input, result, &app.region_ref),
        sheets: figures.map_or(0, |f| f.sheets),
        conflicts: on_file.conflicts,
        kind,
        programme: def.programme.clone(),
        call_title: def.title.clone(),
        region_name: region.name.clone(),
        lead_name: region.lead_applicant.name.clone(),
        lead_email: region.lead_applicant.email.clone(),
        lead_municipality: region.lead_applicant.municipality.clone(),
        reference: reference(call.id, app.id),
        number,
        correction,
        decided_on: local_date(now),
        submitted_on: app.submitted_at.map(local_date),
        total_points: def.total_points,
        threshold: def.interview_threshold,
        max_awards: def.max_awards,
        budget_ceiling: def.budget_ceiling,
        requested_total: r.requested_total,
        first_round_score: r.first_round.as_ref().map(|f| f.score),
        final_score: r.final_round.as_ref().map(|f| f.score),
        rank: r.rank,
        ranked_count: index.ranked_count(),
        last_awarded,
        criteria: criteria(def, figures),
        knockouts_met,
        knockouts_not_met,
        knockout_decision_reason: decided
            .filter(|d| d.verdict == KnockoutVerdict::Failed)
            .map(|d| d.reason),
        tie,
        allocated: r.allocated,
        allocation: allocation_basis(def, input, result, index)?,
        spending_from: def.spending_period.from,
        spending_to: def.spending_period.to,
        settings,
        logo,
    })
}

/// The score table: each weighted criterion's mean in the round the letter shows.
fn criteria(def: &CallDefinition, figures: Option<&RoundFigures>) -> Vec<CriterionScore> {
    def.weighted_criteria
        .iter()
        .filter_map(|c| {
            figures.and_then(|f| f.criteria.get(c.id.as_str())).map(|s| CriterionScore {
                label: c.label_nl.clone(),
                mean: s.mean,
                max: c.max,
            })
        })
        .collect()
}

/// How the letter explains the division of the budget (`domain::allocation::basis`).
fn allocation_basis(
    def: &CallDefinition,
    input: &SelectionInput,
    result: &SelectionResult,
    index: &OutcomeIndex,
) -> Result<AllocationBasis, DomainError> {
    let requested_awarded = index
        .requested_awarded()
        .ok_or_else(|| DomainError::internal("the awarded requests overflow"))?;
    let manual = input.manual_allocation.as_ref().map(|m| m.reason.as_str());
    Ok(allocation::basis(result.allocation_policy, manual, requested_awarded, def.budget_ceiling))
}

/// For a knock-out rejection: each criterion not met, with the assessors' motivations.
async fn knockouts_not_met<C: ConnectionTrait>(
    db: &C,
    def: &CallDefinition,
    application_id: i32,
    r: &ApplicationResult,
    decided: Option<&crate::domain::selection::RecordedKnockout>,
) -> Result<Vec<(String, Vec<String>)>, DomainError> {
    let mut out = Vec::new();
    if r.decision != Some(Decision::RejectedKnockout) {
        return Ok(out);
    }
    let label = |id: &str| {
        def.knockout_criteria
            .iter()
            .find(|k| k.id == id)
            .map_or_else(|| id.to_string(), |k| k.label_nl.clone())
    };
    let ko = r.knockout.clone();
    let mut failed: Vec<String> =
        ko.as_ref().map(|k| k.failed_criteria.clone()).unwrap_or_default();
    if failed.is_empty() && decided.is_some_and(|d| d.verdict == KnockoutVerdict::Failed) {
        // Staff settled a split verdict as failed: the criteria the sheets disagreed on.
        failed = ko.map(|k| k.split_criteria).unwrap_or_default();
    }
    if failed.is_empty() {
        return Ok(out);
    }
    let sheets =
        store::assessment::sheets_of(db, &[application_id], Some(store::assessment::FIRST)).await?;
    let mut inputs = Vec::new();
    for s in sheets.iter().filter(|s| s.status == "submitted") {
        inputs.push(serde_json::from_str::<SheetInput>(&s.content).map_err(DomainError::internal)?);
    }
    for c in failed {
        let mut motivations: Vec<String> = Vec::new();
        for sheet in inputs.iter().filter(|s| s.knockout.get(&c) == Some(&false)) {
            let m = sheet
                .knockout_motivations
                .get(&c)
                .cloned()
                .or(sheet.motivation.clone())
                .unwrap_or_default();
            if !m.trim().is_empty() && !motivations.contains(&m) {
                motivations.push(m);
            }
        }
        out.push((label(&c), motivations));
    }
    Ok(out)
}

/// What the application's file holds that a letter names.
pub struct OnFile {
    form: crate::domain::application::ApplicationForm,
    addendum_on: Option<NaiveDate>,
    /// Assessors who stood aside on it for a conflict of interest.
    conflicts: usize,
    region: Region,
}

impl OnFile {
    async fn of<C: ConnectionTrait>(
        db: &C,
        call_id: i32,
        app: &AppRow,
    ) -> Result<OnFile, DomainError> {
        let mut files = OnFile::of_many(db, call_id, &[app.id]).await?;
        let (_, on_file) = files
            .remove(&app.id)
            .ok_or_else(|| DomainError::NotFound(format!("application {}", app.id)))?;
        Ok(on_file)
    }

    /// The applications of a batch of letters, each with what its file holds, in four queries
    /// whatever the batch's size (six statements per letter were most of a letter's time in
    /// the worker). An id that is not found is left out.
    pub async fn of_many<C: ConnectionTrait>(
        db: &C,
        call_id: i32,
        application_ids: &[i32],
    ) -> Result<HashMap<i32, (AppRow, OnFile)>, DomainError> {
        let stored = store::applications::by_ids(db, application_ids).await?;
        let region_ids: Vec<i32> = stored.iter().map(|a| a.region_id).collect();
        let regions: HashMap<i32, Region> =
            store::regions::by_ids(db, &region_ids).await?.into_iter().collect();
        let mut addenda = store::documents::latest_uploads(db, application_ids, "addendum").await?;
        let conflicts = store::assessment::conflicts_on_many(db, call_id, application_ids).await?;
        let mut out = HashMap::with_capacity(stored.len());
        for a in stored {
            let Some(region) = regions.get(&a.region_id).cloned() else { continue };
            let on_file = OnFile {
                form: store::applications::form_of(&a)?,
                addendum_on: addenda.remove(&a.id).map(local_date),
                conflicts: conflicts.get(&a.id).copied().unwrap_or(0) as usize,
                region: region.clone(),
            };
            out.insert(a.id, (to_app_row(a, region), on_file));
        }
        Ok(out)
    }
}
