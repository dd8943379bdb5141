use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
};
use serde_json::Value;

use super::ApiTags;
use super::problem::ApiError;
use super::responses::{Action, Created, Read, ReadState, Write};
use super::security::TokenAuth;
use super::types::DecimalInput;
use crate::domain::calibration::CriterionStats;
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::domain::scoring::{CriterionValue, SheetInput};
use crate::domain::selection::{ApplicationResult, RoundFigures, SelectionResult};
use crate::error::{DomainError, FieldError};
use crate::service::AppState;
use crate::service::assessment::{self as svc, AppRow, Round, SheetView};

pub struct AssessmentApi {
    pub state: AppState,
}

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
    /// Why a knock-out criterion is not met (required for every "not met" without a sheet motivation).
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
    fn into_input(self) -> Result<SheetInput, DomainError> {
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
pub struct SheetView_ {
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

fn sheet_view(v: SheetView) -> SheetView_ {
    SheetView_ {
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

fn figures(s: &CriterionStats) -> CriterionFigures {
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

fn round_view(r: &RoundFigures) -> RoundView {
    RoundView {
        score: r.score,
        sheets: u32::try_from(r.sheets).unwrap_or(u32::MAX),
        spread: r.spread,
        disagreement: r.disagreement,
        criteria: r.criteria.iter().map(|(k, v)| (k.clone(), figures(v))).collect(),
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
    /// `awarded`, `not_awarded`, `rejected_knockout`, `rejected_below_threshold`, `tie_needs_decision`
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
    pub applications: Vec<ResultLine>,
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

fn line(r: &ApplicationResult, apps: &[AppRow]) -> ResultLine {
    let app = apps.iter().find(|a| a.region_ref == r.r#ref);
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

fn pending(p: &crate::domain::selection::Pending) -> String {
    use crate::domain::selection::Pending::*;
    match p {
        KnockoutDecision(r) => format!("knockout_decision:{r}"),
        TieDecision(rs) => format!("tie_decision:{}", rs.join(",")),
        FinalScore(r) => format!("final_score:{r}"),
        ManualAllocation => "manual_allocation".to_string(),
    }
}

fn results_view(
    call_id: i32,
    r: &SelectionResult,
    apps: &[AppRow],
    first: &str,
    fin: &str,
) -> ResultsView {
    ResultsView {
        call_id,
        rule_version: r.rule_version.to_string(),
        first_round: first.to_string(),
        final_round: fin.to_string(),
        applications: r.applications.iter().map(|a| line(a, apps)).collect(),
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

fn round(s: &str) -> Result<Round, DomainError> {
    Round::parse(s)
}

#[OpenApi(tag = "ApiTags::Assessment")]
impl AssessmentApi {
    /// Records a declared conflict of interest (staff)
    ///
    /// The assessor declared a conflict of interest on one of the call's applications; it is recorded with
    /// its reason, once (a second time answers 409). Answers 201 with the call's list of conflicts in
    /// `Location`.
    #[oai(path = "/calls/:id/conflicts", method = "post")]
    async fn declare_conflict(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<ConflictInput>,
    ) -> Result<Created<ConflictView>, Write> {
        let b = body.0;
        let c = svc::declare_conflict(
            &self.state,
            &auth.0,
            id.0,
            b.assessor_id,
            b.application_id,
            &b.reason,
        )
        .await?;
        Ok(Created::at(
            format!("/calls/{}/conflicts", id.0),
            ConflictView {
                id: c.id,
                assessor_id: c.assessor_id,
                application_id: c.application_id,
                reason: c.reason,
                created_at: c.created_at,
            },
        ))
    }

    /// Lists the conflicts of interest of a call (staff)
    ///
    /// Every declared conflict with its reason, oldest first.
    #[oai(path = "/calls/:id/conflicts", method = "get")]
    async fn conflicts(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<Vec<ConflictView>>, Read> {
        let list = svc::conflicts(&self.state, &auth.0, id.0).await?;
        Ok(Json(
            list.into_iter()
                .map(|c| ConflictView {
                    id: c.id,
                    assessor_id: c.assessor_id,
                    application_id: c.application_id,
                    reason: c.reason,
                    created_at: c.created_at,
                })
                .collect(),
        ))
    }

    /// Saves the assessor's own draft sheet (assessor)
    ///
    /// `round` is `first` or `final`. A draft may be incomplete and can be saved as often as needed; it
    /// does not count until it is submitted. Scores outside a criterion's range are listed by field (422).
    #[oai(path = "/applications/:id/sheets/:round/draft", method = "put")]
    async fn save_sheet(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
        body: Json<SheetDto>,
    ) -> Result<Json<SheetView_>, Write> {
        let round = self::round(&round.0)?;
        let input = body.0.into_input()?;
        Ok(Json(sheet_view(svc::save_sheet(&self.state, &auth.0, id.0, round, input).await?)))
    }

    /// Submits the assessor's own sheet (assessor)
    ///
    /// The sheet must be complete: every knock-out verdict and every weighted score. From then on it counts
    /// and cannot change (409); a mistake is fixed with a correction.
    #[oai(path = "/applications/:id/sheets/:round/submit", method = "post")]
    async fn submit_sheet(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
        body: Json<SheetDto>,
    ) -> Result<Json<SheetView_>, Write> {
        let round = self::round(&round.0)?;
        let input = body.0.into_input()?;
        Ok(Json(sheet_view(
            svc::submit_sheet(&self.state, &auth.0, id.0, round, Some(input)).await?,
        )))
    }

    /// Corrects a submitted sheet (assessor)
    ///
    /// Adds a new version of the assessor's submitted sheet with the reason; the earlier version is kept
    /// and shown to staff. Refused once the round's outcome is published (409).
    #[oai(path = "/applications/:id/sheets/:round/corrections", method = "post")]
    async fn correct_sheet(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
        body: Json<CorrectionInput>,
    ) -> Result<Json<SheetView_>, Write> {
        let round = self::round(&round.0)?;
        let CorrectionInput { reason, sheet } = body.0;
        let input = sheet.into_input()?;
        Ok(Json(sheet_view(
            svc::correct_sheet(&self.state, &auth.0, id.0, round, input, &reason).await?,
        )))
    }

    /// The sheets on an application one may see
    ///
    /// Scoring is blind: an assessor sees only their own sheet. Staff see every sheet with all its
    /// versions.
    #[oai(path = "/applications/:id/sheets/:round", method = "get")]
    async fn sheets(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
    ) -> Result<Json<Vec<SheetView_>>, Read> {
        let round = self::round(&round.0)?;
        Ok(Json(
            svc::sheets(&self.state, &auth.0, id.0, round)
                .await?
                .into_iter()
                .map(sheet_view)
                .collect(),
        ))
    }

    /// Closes a round (staff)
    ///
    /// Refused (409) while an application has fewer submitted sheets than the call's
    /// `min_sheets_per_application`, or when the round is not open. Answers the results table, with what is
    /// still pending (knock-out disagreements, a tie at the last award place).
    #[oai(path = "/calls/:id/rounds/:round/close", method = "post")]
    async fn close_round(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
    ) -> Result<Json<ResultsView>, Action> {
        let round = self::round(&round.0)?;
        svc::close_round(&self.state, &auth.0, id.0, round).await?;
        Ok(self.results_of(&auth, id.0).await?)
    }

    /// Publishes a round's outcome (staff)
    ///
    /// `first` sends the invitations for the interview round and the rejections; `final` publishes the
    /// decision and the allocation. Refused (409) before the stage's moment (`first_assessment`,
    /// `final_decision`), before the round is closed, or while knock-out verdicts or a tie are still
    /// pending. The published outcome is frozen with a hash and can be checked later.
    #[oai(path = "/calls/:id/rounds/:round/publish", method = "post")]
    async fn publish(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
    ) -> Result<Json<ResultsView>, Action> {
        match self::round(&round.0)? {
            Round::First => {
                crate::service::publication::publish_first_round(&self.state, &auth.0, id.0).await?
            }
            Round::Final => {
                crate::service::publication::publish_final(&self.state, &auth.0, id.0).await?
            }
        };
        Ok(self.results_of(&auth, id.0).await?)
    }

    /// Records the knock-out verdict where the sheets disagree (staff)
    ///
    /// `verdict` is `pass` or `fail`, with a reason kept in the audit trail. Answers the call's results
    /// table.
    #[oai(path = "/applications/:id/knockout-decision", method = "post")]
    async fn decide_knockout(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<KnockoutDecisionInput>,
    ) -> Result<Json<ResultsView>, Write> {
        svc::decide_knockout(&self.state, &auth.0, id.0, &body.0.verdict, &body.0.reason).await?;
        let app = crate::store::applications::by_id(&self.state.db, id.0)
            .await
            .map_err(DomainError::from)?;
        Ok(self.results_of(&auth, app.map_or(0, |a| a.call_id)).await?)
    }

    /// Settles a tie at the last award place (staff)
    ///
    /// Names the application that is awarded and the one that is not, with a reason. Answers the call's
    /// results table.
    #[oai(path = "/calls/:id/ties", method = "post")]
    async fn settle_tie(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<TieDecisionInput>,
    ) -> Result<Json<ResultsView>, Write> {
        let b = body.0;
        svc::settle_tie(&self.state, &auth.0, id.0, &b.award, &b.not_award, &b.reason).await?;
        Ok(self.results_of(&auth, id.0).await?)
    }

    /// Sets the amounts by hand instead of the call's policy (staff)
    ///
    /// With a reason; `amounts: null` undoes it and the call's allocation policy applies again. The amounts
    /// together stay within the budget ceiling. Answers the call's results table.
    #[oai(path = "/calls/:id/allocation", method = "put")]
    async fn set_allocation(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<AllocationInput>,
    ) -> Result<Json<ResultsView>, Write> {
        let b = body.0;
        let amounts = match b.amounts {
            None => None,
            Some(map) => {
                let mut errors = Vec::new();
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    let field = format!("amounts.{k}");
                    let Ok(app_id) = k.parse::<i32>() else {
                        errors.push(FieldError::new(field, "keys are application ids"));
                        continue;
                    };
                    if let Some(m) = v.money(&field, &mut errors) {
                        out.insert(app_id, m);
                    }
                }
                if !errors.is_empty() {
                    return Err(DomainError::Validation(errors).into());
                }
                Some(out)
            }
        };
        svc::set_manual_allocation(&self.state, &auth.0, id.0, amounts, &b.reason).await?;
        Ok(self.results_of(&auth, id.0).await?)
    }

    /// Hands in the addendum of an invited application (region)
    ///
    /// Accepted until the addendum deadline. The body is the file (PDF, DOCX or ODT, at most 25 MB), its
    /// type read from its content; `filename` is a query parameter. Answers 201 with the document's download
    /// path in `Location`.
    #[oai(path = "/applications/:id/addendum", method = "post")]
    async fn upload_addendum(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        filename: Query<String>,
        body: Binary<Vec<u8>>,
    ) -> Result<Created<AddendumView>, Write> {
        let meta = svc::upload_addendum(&self.state, &auth.0, id.0, &filename.0, body.0).await?;
        let location = format!("/applications/{}/documents/{}/content", id.0, meta.id);
        Ok(Created::at(
            location,
            AddendumView {
                id: meta.id,
                filename: meta.filename,
                media_type: meta.media_type,
                size_bytes: meta.size_bytes,
                sha256: meta.sha256,
                uploaded_at: meta.uploaded_at,
            },
        ))
    }

    /// The results table of a call (staff)
    ///
    /// Every figure behind every decision: per application the knock-out verdicts, the round scores, rank,
    /// decision and allocated amount.
    #[oai(path = "/calls/:id/results", method = "get")]
    async fn results(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<ResultsView>, Read> {
        Ok(self.results_of(&auth, id.0).await?)
    }
}

impl AssessmentApi {
    async fn results_of(
        &self,
        auth: &TokenAuth,
        call_id: i32,
    ) -> Result<Json<ResultsView>, ApiError> {
        let (call, result, apps) = svc::results(&self.state, &auth.0, call_id).await?;
        let now = self.state.now();
        let first = svc::round_state_of(&self.state, &call, Round::First, now).await?;
        let fin = svc::round_state_of(&self.state, &call, Round::Final, now).await?;
        Ok(Json(results_view(call_id, &result, &apps, first, fin)))
    }
}

#[derive(Object, Debug, Clone)]
pub struct SheetFigures {
    pub assessor: String,
    pub total: Points,
    pub points: BTreeMap<String, Points>,
    pub knockout: BTreeMap<String, bool>,
}

#[derive(Object, Debug, Clone)]
pub struct DecisionRecord {
    /// `knockout`, `tie` or `manual_allocation`
    pub kind: String,
    pub value: Value,
    pub reason: String,
    pub decided_at: DateTime<Utc>,
}

#[derive(Object, Debug, Clone)]
pub struct NoteView {
    pub round: String,
    pub note: String,
    pub written_at: DateTime<Utc>,
}

/// Every figure behind one application's outcome: the decision explained.
#[derive(Object, Debug, Clone)]
pub struct OutcomeView {
    pub result: ResultLine,
    pub first_round_sheets: Vec<SheetFigures>,
    pub final_round_sheets: Vec<SheetFigures>,
    pub decisions: Vec<DecisionRecord>,
    pub consensus_notes: Vec<NoteView>,
    /// The decisive ground of the decision (`kind`: `awarded`, `knockout_not_met`,
    /// `below_threshold`, `rank_beyond_awards`, `ceiling_reached` or `tie_settled`, with its
    /// figures) and the partial refusal where the allocation is below the request; absent while
    /// undecided.
    #[oai(skip_serializing_if_is_none)]
    pub ground: Option<Value>,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct NoteInput {
    /// `first` or `final`
    pub round: String,
    pub note: String,
}

#[derive(Object, Debug, Clone)]
pub struct DeviationView {
    pub round: String,
    pub assessor: String,
    /// Mean of (own total − the others' mean) over shared applications; negative is strict.
    pub mean_deviation: super::types::SignedPoints,
}

#[derive(Object, Debug, Clone)]
pub struct CalibrationView {
    pub applications: Vec<ResultLine>,
    pub assessors: Vec<DeviationView>,
    pub consensus_notes: BTreeMap<String, Vec<NoteView>>,
}

#[derive(Object, Debug, Clone)]
pub struct FrozenView {
    pub stage: String,
    pub sha256: String,
    pub rule_version: String,
    pub published_at: DateTime<Utc>,
    /// The stored inputs hash to `sha256` and recompute to exactly the published result.
    pub verified: bool,
    pub result: Value,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct WhatIfInput {
    /// The `ref` of the application (its region's ref).
    pub application: String,
    /// The assessor whose sheet is replaced (as in the published inputs: the assessor's `ref`).
    pub assessor: String,
    /// `first` or `final`
    pub round: String,
    pub sheet: SheetDto,
}

#[derive(Object, Debug, Clone)]
pub struct WhatIfView {
    pub awarded_before: Vec<String>,
    pub awarded_after: Vec<String>,
    /// Whether the set of awarded regions would change.
    pub changed: bool,
    pub applications: Vec<ResultLine>,
}

fn sheet_figures(s: &crate::domain::selection::SheetFacts) -> SheetFigures {
    SheetFigures {
        assessor: s.assessor.clone(),
        total: s.total,
        points: s.points.clone(),
        knockout: s.knockout.clone(),
    }
}

fn note_view(n: entity::consensus_note::Model) -> NoteView {
    NoteView { round: n.round, note: n.note, written_at: n.written_at }
}

#[OpenApi(tag = "ApiTags::Assessment")]
impl ExplainApi {
    /// Every figure behind an application's outcome (staff)
    ///
    /// Per criterion the assessors' mean and each sheet, totals, round scores, rank, decision, allocation
    /// and the decisions recorded by staff. An application that is not submitted has no outcome (409).
    #[oai(path = "/applications/:id/outcome", method = "get")]
    async fn outcome(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<OutcomeView>, ReadState> {
        let e = svc::explain(&self.state, &auth.0, id.0).await?;
        let apps = [e.app.clone()];
        Ok(Json(OutcomeView {
            result: line(&e.result, &apps),
            first_round_sheets: e.first_round.iter().map(sheet_figures).collect(),
            final_round_sheets: e.final_round.iter().map(sheet_figures).collect(),
            decisions: e
                .decisions
                .into_iter()
                .map(|d| DecisionRecord {
                    kind: d.kind,
                    value: serde_json::from_str(&d.value).unwrap_or(Value::Null),
                    reason: d.reason,
                    decided_at: d.decided_at,
                })
                .collect(),
            consensus_notes: e.notes.into_iter().map(note_view).collect(),
            ground: e.ground.and_then(|g| serde_json::to_value(g).ok()),
        }))
    }

    /// Records a note from a consensus talk (staff)
    ///
    /// For an application whose assessors' totals lie further apart than the call's `disagreement_spread`.
    /// `round` is `first` or `final`; an application that is not submitted answers 409.
    #[oai(path = "/applications/:id/consensus-notes", method = "post")]
    async fn add_note(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<NoteInput>,
    ) -> Result<Json<NoteView>, Write> {
        let round = self::round(&body.0.round)?;
        Ok(Json(note_view(
            svc::add_consensus_note(&self.state, &auth.0, id.0, round, &body.0.note).await?,
        )))
    }

    /// Calibration of a call's assessors (staff)
    ///
    /// Per application and criterion the assessors' mean, median and spread, the disagreement flags with
    /// the consensus notes, and each assessor's mean deviation.
    #[oai(path = "/calls/:id/calibration", method = "get")]
    async fn calibration(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<CalibrationView>, Read> {
        let (_, result, apps) = svc::results(&self.state, &auth.0, id.0).await?;
        let deviations = svc::assessor_deviations(&self.state, &auth.0, id.0).await?;
        let ids: Vec<i32> = apps.iter().map(|a| a.id).collect();
        let mut notes: BTreeMap<String, Vec<NoteView>> = BTreeMap::new();
        for n in crate::store::assessment::notes_of(&self.state.db, &ids)
            .await
            .map_err(DomainError::from)?
        {
            if let Some(a) = apps.iter().find(|a| a.id == n.application_id) {
                notes.entry(a.region_ref.clone()).or_default().push(note_view(n));
            }
        }
        Ok(Json(CalibrationView {
            applications: result.applications.iter().map(|a| line(a, &apps)).collect(),
            assessors: deviations
                .into_iter()
                .map(|((round, assessor), d)| DeviationView {
                    round,
                    assessor,
                    mean_deviation: super::types::SignedPoints(d),
                })
                .collect(),
            consensus_notes: notes,
        }))
    }

    /// A published outcome, checked against its hash (staff)
    ///
    /// `stage` is `first` or `final`. The outcome is recomputed from its frozen inputs; `verified` says
    /// whether it still matches the published hash.
    #[oai(path = "/calls/:id/outcomes/:stage", method = "get")]
    async fn frozen(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        stage: Path<String>,
    ) -> Result<Json<FrozenView>, Read> {
        let f = svc::frozen(&self.state, &auth.0, id.0, &stage.0).await?;
        Ok(Json(FrozenView {
            stage: f.stage,
            sha256: f.sha256,
            rule_version: f.rule_version,
            published_at: f.published_at,
            verified: f.verified,
            result: f.result,
        }))
    }

    /// What if one sheet had been different? (staff)
    ///
    /// After an objection: recomputes the published final outcome with one assessor's sheet replaced and
    /// shows what would change. Nothing published changes.
    #[oai(path = "/calls/:id/what-if", method = "post")]
    async fn what_if(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<WhatIfInput>,
    ) -> Result<Json<WhatIfView>, Write> {
        let b = body.0;
        let round = self::round(&b.round)?;
        let sheet = b.sheet.into_input()?;
        let w = svc::what_if(&self.state, &auth.0, id.0, &b.application, &b.assessor, round, sheet)
            .await?;
        let (_, _, apps) = svc::results(&self.state, &auth.0, id.0).await?;
        Ok(Json(WhatIfView {
            awarded_before: w.awarded_before,
            awarded_after: w.awarded_after,
            changed: w.changed,
            applications: w.result.applications.iter().map(|a| line(a, &apps)).collect(),
        }))
    }
}

pub struct ExplainApi {
    pub state: AppState,
}
