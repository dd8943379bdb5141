//! The assessment API's request and response bodies, and the service values they show.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use serde_json::Value;

use crate::api::types::DecimalInput;
use crate::domain::calibration::CriterionStats;
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::domain::scoring::{CriterionValue, SheetInput};
use crate::domain::selection::{ApplicationResult, RoundFigures};
use crate::error::{DomainError, FieldError};
use crate::service::assessment::{AppRow, ResultsPage, ResultsQuery, SheetView};

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct ConflictInput {
    pub assessor_id: i32,
    pub application_id: i32,
    pub reason: String,
}

#[derive(Object, Debug, Clone)]
pub struct ConflictView {
    pub id: i32,
    pub assessor_id: i32,
    pub application_id: i32,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// A scoring sheet as an assessor fills it.
#[derive(Object, Debug, Clone, Default)]
#[oai(example)]
pub struct SheetDto {
    /// Per knock-out criterion: met (`true`) or not met (`false`).
    #[oai(default)]
    pub knockout: BTreeMap<String, bool>,
    /// Why a knock-out criterion is not met (required for every "not met" without a sheet
    /// motivation).
    #[oai(default)]
    pub knockout_motivations: BTreeMap<String, String>,
    /// Per weighted criterion: an integer (`scale`, `boolean`) or a list of items (`per_item`).
    #[oai(default)]
    pub scores: BTreeMap<String, Value>,
    /// A motivation per criterion; the sheet's `motivation` counts for criteria without one.
    #[oai(default)]
    pub motivations: BTreeMap<String, String>,
    pub motivation: Option<String>,
}

impl SheetDto {
    pub(super) fn into_input(self) -> Result<SheetInput, DomainError> {
        let mut errors = Vec::new();
        let mut scores = BTreeMap::new();
        for (id, v) in self.scores {
            let value = match &v {
                Value::Number(n) => n.as_i64().map(CriterionValue::Number),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()
                    .map(CriterionValue::Items),
                _ => None,
            };
            match value {
                Some(value) => {
                    scores.insert(id, value);
                }
                None => errors.push(FieldError::new(
                    format!("scores.{id}"),
                    "a whole number of points, or a list of items",
                )),
            }
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        Ok(SheetInput {
            knockout: self.knockout,
            knockout_motivations: self.knockout_motivations,
            scores,
            motivations: self.motivations,
            motivation: self.motivation,
        })
    }
}

#[derive(Object, Debug, Clone)]
pub struct AssessmentSheet {
    pub id: i32,
    pub application_id: i32,
    pub assessor_id: i32,
    pub assessor_name: String,
    #[oai(skip_serializing_if_is_none)]
    pub assessor_ref: Option<String>,
    /// `first` or `final`
    pub round: String,
    pub version: i32,
    /// `draft`, `submitted` or `superseded`
    pub status: String,
    pub sheet: SheetDto,
    /// Points per weighted criterion, as computed from the sheet.
    pub points: BTreeMap<String, Points>,
    #[oai(skip_serializing_if_is_none)]
    pub total: Option<Points>,
    #[oai(skip_serializing_if_is_none)]
    pub correction_reason: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

pub(super) fn sheet_view(v: SheetView) -> AssessmentSheet {
    AssessmentSheet {
        id: v.sheet.id,
        application_id: v.sheet.application_id,
        assessor_id: v.sheet.assessor_id,
        assessor_name: v.assessor_name,
        assessor_ref: v.assessor_ref,
        round: v.sheet.round,
        version: v.sheet.version,
        status: v.sheet.status,
        sheet: SheetDto {
            knockout: v.input.knockout,
            knockout_motivations: v.input.knockout_motivations,
            scores: v
                .input
                .scores
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        match v {
                            CriterionValue::Number(n) => Value::from(n),
                            CriterionValue::Items(items) => Value::from(items),
                        },
                    )
                })
                .collect(),
            motivations: v.input.motivations,
            motivation: v.input.motivation,
        },
        points: v.points,
        total: v.sheet.total.as_deref().and_then(|t| Points::parse(t).ok()),
        correction_reason: v.sheet.correction_reason,
        submitted_at: v.sheet.submitted_at,
        updated_at: v.sheet.updated_at,
    }
}

#[derive(Object, Debug, Clone)]
pub struct AddendumView {
    pub id: i32,
    pub filename: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct CorrectionInput {
    pub reason: String,
    pub sheet: SheetDto,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct KnockoutDecisionInput {
    /// `passed` or `failed`
    pub verdict: String,
    pub reason: String,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct TieDecisionInput {
    /// Application ids awarded among those tied at the last award place.
    #[oai(default)]
    pub award: Vec<i32>,
    /// Application ids not awarded among them.
    #[oai(default)]
    pub not_award: Vec<i32>,
    pub reason: String,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct AllocationInput {
    /// Amount per application id; `null` returns to the call's allocation policy.
    pub amounts: Option<BTreeMap<String, DecimalInput>>,
    pub reason: String,
}

#[derive(Object, Debug, Clone)]
pub struct CriterionFigures {
    pub mean: Points,
    pub median: Points,
    pub spread: Points,
}

pub(super) fn figures(s: &CriterionStats) -> CriterionFigures {
    CriterionFigures { mean: s.mean, median: s.median, spread: s.spread }
}

#[derive(Object, Debug, Clone)]
pub struct RoundView {
    /// Mean of the submitted sheets' totals, half-up to two decimals.
    pub score: Points,
    pub sheets: u32,
    /// Highest minus lowest sheet total.
    pub spread: Points,
    /// Flagged for a consensus talk.
    pub disagreement: bool,
    /// Per weighted criterion: mean, median and spread over the assessors.
    pub criteria: BTreeMap<String, CriterionFigures>,
}

pub(super) fn round_view(r: &RoundFigures) -> RoundView {
    RoundView {
        score: r.score,
        sheets: u32::try_from(r.sheets).unwrap_or(u32::MAX),
        spread: r.spread,
        disagreement: r.disagreement,
        criteria: r.criteria.iter().map(|(k, v)| (k.to_string(), figures(v))).collect(),
    }
}

/// One line of the results table.
#[derive(Object, Debug, Clone)]
pub struct ResultLine {
    pub application_id: i32,
    #[oai(rename = "ref")]
    pub reference: String,
    pub region: String,
    pub requested_total: Money,
    /// `passed`, `failed` or `needs_decision`, as the first-round sheets say.
    #[oai(skip_serializing_if_is_none)]
    pub knockout: Option<String>,
    /// The verdict staff recorded where the sheets disagreed.
    #[oai(skip_serializing_if_is_none)]
    pub knockout_decided: Option<String>,
    pub knockout_failed_criteria: Vec<String>,
    pub knockout_split_criteria: Vec<String>,
    #[oai(skip_serializing_if_is_none)]
    pub first_round_score: Option<Points>,
    #[oai(skip_serializing_if_is_none)]
    pub first_round: Option<RoundView>,
    pub invited_to_interview: bool,
    #[oai(skip_serializing_if_is_none)]
    pub final_score: Option<Points>,
    #[oai(skip_serializing_if_is_none)]
    pub final_round: Option<RoundView>,
    #[oai(skip_serializing_if_is_none)]
    pub rank: Option<u32>,
    /// Tied at the last award place (settled or not).
    pub tie_pending_before_decision: bool,
    /// `awarded`, `not_awarded`, `rejected_knockout`, `rejected_below_threshold`,
    /// `tie_needs_decision`
    #[oai(skip_serializing_if_is_none)]
    pub decision: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub allocated: Option<Money>,
}

#[derive(Object, Debug, Clone)]
pub struct AllocationLine {
    #[oai(rename = "ref")]
    pub reference: String,
    pub amount: Money,
}

#[derive(Object, Debug, Clone)]
pub struct ResultsView {
    pub call_id: i32,
    pub rule_version: String,
    /// `not_open`, `open`, `closed` or `published`, per round.
    pub first_round: String,
    pub final_round: String,
    /// This page of the lines (`limit` and `offset`, filtered by `decision`).
    pub applications: Vec<ResultLine>,
    /// How many lines match the filter in all.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
    /// Highest final score first; equal scores by ref.
    pub awarded_in_rank_order: Vec<String>,
    /// `pro_rata_whole_euros` or `manual`
    pub allocation_policy: String,
    pub allocated_total: Money,
    pub unallocated: Money,
    /// Beside an allocation by hand: what pro rata would give.
    #[oai(skip_serializing_if_is_none)]
    pub pro_rata_preview: Option<Vec<AllocationLine>>,
    /// What blocks publishing the first-round outcome.
    pub first_round_pending: Vec<String>,
    /// What blocks publishing the final decision.
    pub final_pending: Vec<String>,
}

pub(super) fn line(r: &ApplicationResult, app: Option<&AppRow>) -> ResultLine {
    ResultLine {
        application_id: app.map_or(0, |a| a.id),
        reference: r.r#ref.clone(),
        region: app.map(|a| a.region_name.clone()).unwrap_or_default(),
        requested_total: r.requested_total,
        knockout: r.knockout.as_ref().map(|k| k.verdict.as_str().to_string()),
        knockout_decided: r.knockout_decided.map(|k| k.as_str().to_string()),
        knockout_failed_criteria: r
            .knockout
            .as_ref()
            .map(|k| k.failed_criteria.clone())
            .unwrap_or_default(),
        knockout_split_criteria: r
            .knockout
            .as_ref()
            .map(|k| k.split_criteria.clone())
            .unwrap_or_default(),
        first_round_score: r.first_round.as_ref().map(|f| f.score),
        first_round: r.first_round.as_ref().map(round_view),
        invited_to_interview: r.invited(),
        final_score: r.final_round.as_ref().map(|f| f.score),
        final_round: r.final_round.as_ref().map(round_view),
        rank: r.rank,
        tie_pending_before_decision: r.tied_at_last_place,
        decision: r.decision.map(|d| d.as_str().to_string()),
        allocated: r.allocated,
    }
}

pub(super) fn pending(p: &crate::domain::selection::Pending) -> String {
    use crate::domain::selection::Pending::*;
    match p {
        KnockoutDecision(r) => format!("knockout_decision:{r}"),
        TieDecision(rs) => format!("tie_decision:{}", rs.join(",")),
        FinalScore(r) => format!("final_score:{r}"),
        ManualAllocation => "manual_allocation".to_string(),
    }
}

/// The rounds' states beside a results page.
pub(super) struct RoundStates<'a> {
    pub first: &'a str,
    pub fin: &'a str,
}

pub(super) fn results_view(
    page: &ResultsPage,
    q: &ResultsQuery,
    rounds: RoundStates<'_>,
) -> ResultsView {
    let r = &page.outcome.result;
    ResultsView {
        call_id: page.call.id,
        rule_version: r.rule_version.to_string(),
        first_round: rounds.first.to_string(),
        final_round: rounds.fin.to_string(),
        applications: page
            .lines
            .iter()
            .filter_map(|i| r.applications.get(*i))
            .map(|a| line(a, page.apps.get(&a.r#ref)))
            .collect(),
        total: page.total,
        limit: q.limit,
        offset: q.offset,
        awarded_in_rank_order: r.awarded_in_rank_order.clone(),
        allocation_policy: r.allocation_policy.as_str().to_string(),
        allocated_total: r.allocated_total,
        unallocated: r.unallocated,
        pro_rata_preview: r.pro_rata_preview.as_ref().map(|p| {
            p.amounts
                .iter()
                .map(|(k, m)| AllocationLine { reference: k.clone(), amount: *m })
                .collect()
        }),
        first_round_pending: r.first_round_pending.iter().map(pending).collect(),
        final_pending: r.final_pending.iter().map(pending).collect(),
    }
}
