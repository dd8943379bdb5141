//! Assessment: conflicts, sheets, rounds, decisions, publication and results (`AssessmentApi`),
//! and the explanation, calibration, frozen outcomes and what-if (`ExplainApi`).

mod explain;
mod json_bytes;
mod views;

pub use explain::*;
pub use json_bytes::JsonBytes;
pub use views::*;

use std::collections::BTreeMap;

use poem_openapi::{
    OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
};

use crate::api::ApiTags;
use crate::api::problem::ApiError;
use crate::api::responses::{Action, Created, Read, ReadList, Write};
use crate::api::security::TokenAuth;
use crate::error::{DomainError, FieldError};
use crate::service::AppState;
use crate::service::assessment::{self as svc, Round};

pub struct AssessmentApi {
    pub state: AppState,
}

pub(super) fn round(s: &str) -> Result<Round, DomainError> {
    Round::parse(s)
}
#[OpenApi(tag = "ApiTags::Assessment")]
impl AssessmentApi {
    /// Records a declared conflict of interest (staff)
    ///
    /// The assessor declared a conflict of interest on one of the call's applications; it is
    /// recorded with its reason, once (a second time answers 409). Answers 201 with the call's list
    /// of conflicts in `Location`.
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
    /// `round` is `first` or `final`. A draft may be incomplete and can be saved as often as
    /// needed; it does not count until it is submitted. Scores outside a criterion's range are
    /// listed by field (422).
    #[oai(path = "/applications/:id/sheets/:round/draft", method = "put")]
    async fn save_sheet(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
        body: Json<SheetDto>,
    ) -> Result<Json<AssessmentSheet>, Write> {
        let round = self::round(&round.0)?;
        let input = body.0.into_input()?;
        Ok(Json(sheet_view(svc::save_sheet(&self.state, &auth.0, id.0, round, input).await?)))
    }

    /// Submits the assessor's own sheet (assessor)
    ///
    /// The sheet must be complete: every knock-out verdict and every weighted score. From then on
    /// it counts and cannot change (409); a mistake is fixed with a correction.
    #[oai(path = "/applications/:id/sheets/:round/submit", method = "post")]
    async fn submit_sheet(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
        body: Json<SheetDto>,
    ) -> Result<Json<AssessmentSheet>, Write> {
        let round = self::round(&round.0)?;
        let input = body.0.into_input()?;
        Ok(Json(sheet_view(
            svc::submit_sheet(&self.state, &auth.0, id.0, round, Some(input)).await?,
        )))
    }

    /// Corrects a submitted sheet (assessor)
    ///
    /// Adds a new version of the assessor's submitted sheet with the reason; the earlier version is
    /// kept and shown to staff. Refused once the round's outcome is published (409).
    #[oai(path = "/applications/:id/sheets/:round/corrections", method = "post")]
    async fn correct_sheet(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        round: Path<String>,
        body: Json<CorrectionInput>,
    ) -> Result<Json<AssessmentSheet>, Write> {
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
    ) -> Result<Json<Vec<AssessmentSheet>>, Read> {
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
    /// `min_sheets_per_application`, or when the round is not open. Answers the results table, with
    /// what is still pending (knock-out disagreements, a tie at the last award place).
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
    /// `first` sends the invitations for the interview round and the rejections; `final` publishes
    /// the decision and the allocation. Refused (409) before the stage's moment
    /// (`first_assessment`, `final_decision`), before the round is closed, or while knock-out
    /// verdicts or a tie are still pending. The published outcome is frozen with a hash and can be
    /// checked later.
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
    /// `verdict` is `pass` or `fail`, with a reason kept in the audit trail. Answers the call's
    /// results table.
    #[oai(path = "/applications/:id/knockout-decision", method = "post")]
    async fn decide_knockout(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<KnockoutDecisionInput>,
    ) -> Result<Json<ResultsView>, Write> {
        let call_id =
            svc::decide_knockout(&self.state, &auth.0, id.0, &body.0.verdict, &body.0.reason)
                .await?;
        Ok(self.results_of(&auth, call_id).await?)
    }

    /// Settles a tie at the last award place (staff)
    ///
    /// Names the application that is awarded and the one that is not, with a reason. Answers the
    /// call's results table.
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
    /// With a reason; `amounts: null` undoes it and the call's allocation policy applies again. The
    /// amounts together stay within the budget ceiling. Answers the call's results table.
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
    /// Accepted until the addendum deadline. The body is the file (PDF, DOCX or ODT, at most 25
    /// MB), its type read from its content; `filename` is a query parameter. Answers 201 with the
    /// document's download path in `Location`.
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
    /// Every figure behind every decision: per application the knock-out verdicts, the round
    /// scores, rank, decision and allocated amount. The lines come a page at a time (`limit`,
    /// `offset`, in the computation's order), filtered by `decision` (`undecided` for lines
    /// without one), with `total` the number that match; the totals, the awarded list and what is
    /// pending hold for the whole call. A bad filter or page answers 422.
    #[oai(path = "/calls/:id/results", method = "get")]
    async fn results(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        /// Only lines with this decision, or `undecided`
        decision: Query<Option<String>>,
        /// At most this many lines (1..=500, default 100)
        limit: Query<Option<u64>>,
        /// Skip this many first (default 0)
        offset: Query<Option<u64>>,
    ) -> Result<Json<ResultsView>, ReadList> {
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(DomainError::invalid("limit", "between 1 and 500").into());
        }
        let q = svc::ResultsQuery { decision: decision.0, limit, offset: offset.0.unwrap_or(0) };
        Ok(self.results_page(&auth, id.0, &q).await?)
    }
}

impl AssessmentApi {
    /// The first page of the results: what an action on the call answers.
    async fn results_of(
        &self,
        auth: &TokenAuth,
        call_id: i32,
    ) -> Result<Json<ResultsView>, ApiError> {
        self.results_page(auth, call_id, &svc::ResultsQuery::default()).await
    }

    async fn results_page(
        &self,
        auth: &TokenAuth,
        call_id: i32,
        q: &svc::ResultsQuery,
    ) -> Result<Json<ResultsView>, ApiError> {
        let page = svc::results_page(&self.state, &auth.0, call_id, q).await?;
        let now = self.state.now();
        let first = svc::round_state_of(&self.state, &page.call, Round::First, now).await?;
        let fin = svc::round_state_of(&self.state, &page.call, Round::Final, now).await?;
        Ok(Json(results_view(&page, q, RoundStates { first, fin })))
    }
}
