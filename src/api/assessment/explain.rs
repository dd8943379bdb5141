//! Every figure behind an outcome: explanation, calibration, frozen outcomes and what-if.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};
use serde_json::Value;

use super::json_bytes::JsonBytes;
use super::round;
use super::views::*;
use crate::api::ApiTags;
use crate::api::responses::{Read, ReadState, Write};
use crate::api::security::TokenAuth;
use crate::domain::points::Points;
use crate::service::AppState;
use crate::service::assessment::{self as svc};

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
    pub mean_deviation: crate::api::types::SignedPoints,
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

pub(super) fn sheet_figures(s: &crate::domain::selection::SheetFacts) -> SheetFigures {
    SheetFigures {
        assessor: s.assessor.to_string(),
        total: s.total,
        points: s.points.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        knockout: s.knockout.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    }
}

/// The answer of `GET /applications/{id}/outcome`, built from everything behind it.
pub fn outcome_view(e: &svc::Explained) -> OutcomeView {
    OutcomeView {
        result: line(e.result(), Some(&e.app)),
        first_round_sheets: e.first_round().iter().map(sheet_figures).collect(),
        final_round_sheets: e.final_round().iter().map(sheet_figures).collect(),
        decisions: e
            .decisions
            .iter()
            .map(|d| DecisionRecord {
                kind: d.kind.clone(),
                value: serde_json::from_str(&d.value).unwrap_or(Value::Null),
                reason: d.reason.clone(),
                decided_at: d.decided_at,
            })
            .collect(),
        consensus_notes: e.notes.iter().cloned().map(note_view).collect(),
        ground: e.ground.as_ref().and_then(|g| serde_json::to_value(g).ok()),
    }
}

pub(super) fn note_view(n: entity::consensus_note::Model) -> NoteView {
    NoteView { round: n.round, note: n.note, written_at: n.written_at }
}

#[OpenApi(tag = "ApiTags::Assessment")]
impl ExplainApi {
    /// Every figure behind an application's outcome (staff)
    ///
    /// Per criterion the assessors' mean and each sheet, totals, round scores, rank, decision,
    /// allocation and the decisions recorded by staff. An application that is not submitted has no
    /// outcome (409).
    #[oai(path = "/applications/:id/outcome", method = "get")]
    async fn outcome(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<JsonBytes<OutcomeView>, ReadState> {
        Ok(match svc::outcome_read(&self.state, &auth.0, id.0).await? {
            svc::OutcomeRead::Kept(json) => JsonBytes::sent(json.to_vec()),
            svc::OutcomeRead::Explained(e, keep) => {
                let json = JsonBytes::of(&outcome_view(&e))?;
                keep.keep(&self.state, e, &json.0, |e| {
                    Some(JsonBytes::of(&outcome_view(e)).ok()?.0)
                });
                json
            }
        })
    }

    /// Records a note from a consensus talk (staff)
    ///
    /// For an application whose assessors' totals lie further apart than the call's
    /// `disagreement_spread`. `round` is `first` or `final`; an application that is not submitted
    /// answers 409.
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
    /// Per application and criterion the assessors' mean, median and spread, the disagreement flags
    /// with the consensus notes, and each assessor's mean deviation.
    #[oai(path = "/calls/:id/calibration", method = "get")]
    async fn calibration(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<CalibrationView>, Read> {
        let (_, outcome, apps) = svc::results(&self.state, &auth.0, id.0).await?;
        let deviations = svc::assessor_deviations(&self.state, &auth.0, id.0).await?;
        let ids: Vec<i32> = apps.iter().map(|a| a.id).collect();
        let by_id: HashMap<i32, &svc::AppRow> = apps.iter().map(|a| (a.id, a)).collect();
        let by_ref: HashMap<&str, &svc::AppRow> =
            apps.iter().map(|a| (a.region_ref.as_str(), a)).collect();
        let mut notes: BTreeMap<String, Vec<NoteView>> = BTreeMap::new();
        for n in svc::consensus_notes(&self.state, &auth.0, &ids).await? {
            if let Some(a) = by_id.get(&n.application_id) {
                notes.entry(a.region_ref.clone()).or_default().push(note_view(n));
            }
        }
        let applications = outcome.result.applications.iter();
        Ok(Json(CalibrationView {
            applications: applications
                .map(|a| line(a, by_ref.get(a.r#ref.as_str()).copied()))
                .collect(),
            assessors: deviations
                .into_iter()
                .map(|((round, assessor), d)| DeviationView {
                    round,
                    assessor,
                    mean_deviation: crate::api::types::SignedPoints(d),
                })
                .collect(),
            consensus_notes: notes,
        }))
    }

    /// A published outcome, checked against its hash (staff)
    ///
    /// `stage` is `first` or `final`. The outcome is recomputed from its frozen inputs; `verified`
    /// says whether it still matches the published hash.
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
    /// After an objection: recomputes the published final outcome with one assessor's sheet
    /// replaced and shows what would change. Nothing published changes.
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
        let replaced = svc::ReplacedSheet {
            application_ref: &b.application,
            assessor: &b.assessor,
            round,
            sheet,
        };
        let w = svc::what_if(&self.state, &auth.0, id.0, replaced).await?;
        let (_, _, apps) = svc::results(&self.state, &auth.0, id.0).await?;
        let by_ref: HashMap<&str, &svc::AppRow> =
            apps.iter().map(|a| (a.region_ref.as_str(), a)).collect();
        Ok(Json(WhatIfView {
            awarded_before: w.awarded_before,
            awarded_after: w.awarded_after,
            changed: w.changed,
            applications: w
                .result
                .applications
                .iter()
                .map(|a| line(a, by_ref.get(a.r#ref.as_str()).copied()))
                .collect(),
        }))
    }
}

pub struct ExplainApi {
    pub state: AppState,
}
