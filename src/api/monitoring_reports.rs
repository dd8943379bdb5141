//! Monitoring: annual plans and progress reports, their workflow
//! (`draft → submitted → accepted | returned`) and their PDFs.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};
use serde_json::Value;

use super::ApiTags;
use super::monitoring::{MetricFigureView, MonitoringPdfAnswer, figure_views, pdf_answer};
use super::problem::ApiError;
use super::responses::{Action, Created, Read, Write};
use super::security::TokenAuth;
use super::types::DecimalInput;
use crate::domain::money::Money;
use crate::domain::monitoring::{PlanLine, Step};
use crate::service::AppState;
use crate::service::monitoring::{
    self as svc, AnnualPlan, Narrative, PlanContent, PlanInput, ProgressReport, ReportInput,
};

pub struct MonitoringReportsApi {
    pub state: AppState,
}

#[derive(Object, Debug, Clone)]
pub struct PlanLineInput {
    pub description: String,
    pub total_cost: DecimalInput,
    /// The region's own contribution (*eigen bijdrage*).
    pub own_contribution: DecimalInput,
    /// Paid from the programme's grant.
    pub grant: DecimalInput,
}

#[derive(Object, Debug, Clone)]
pub struct PlanLineView {
    pub description: String,
    pub total_cost: Money,
    pub own_contribution: Money,
    pub grant: Money,
}

/// An annual plan's content; a save replaces the whole plan.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct AnnualPlanInput {
    pub year: i32,
    #[oai(default)]
    pub goals: Vec<String>,
    /// Per core element: `local_team`, `regional_safety_team`, `network_of_specialists`,
    /// `working_framework`, `knowledge_research_learning`.
    #[oai(default)]
    pub activities: BTreeMap<String, String>,
    #[oai(default)]
    pub team: Vec<String>,
    #[oai(default)]
    pub partners: Vec<String>,
    #[oai(default)]
    pub focus_points: Vec<String>,
    /// The budget for the year.
    #[oai(default)]
    pub lines: Vec<PlanLineInput>,
}

#[derive(Object, Debug, Clone)]
pub struct AnnualPlanView {
    pub id: i32,
    pub proeftuin_id: i32,
    pub year: i32,
    /// `draft`, `submitted`, `accepted` or `returned`
    pub status: String,
    pub goals: Vec<String>,
    pub activities: BTreeMap<String, String>,
    pub team: Vec<String>,
    pub partners: Vec<String>,
    pub focus_points: Vec<String>,
    pub lines: Vec<PlanLineView>,
    pub total_cost: Money,
    pub own_contribution: Money,
    pub grant: Money,
    pub due_on: NaiveDate,
    /// Why it was returned, the last time.
    #[oai(skip_serializing_if_is_none)]
    pub comments: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub decided_at: Option<DateTime<Utc>>,
}

fn plan_view(p: AnnualPlan) -> AnnualPlanView {
    AnnualPlanView {
        id: p.id,
        proeftuin_id: p.proeftuin_id,
        year: p.year,
        status: p.status.to_string(),
        goals: p.content.goals,
        activities: p.content.activities,
        team: p.content.team,
        partners: p.content.partners,
        focus_points: p.content.focus_points,
        lines: p
            .lines
            .into_iter()
            .map(|l| PlanLineView {
                description: l.description,
                total_cost: l.total_cost,
                own_contribution: l.own_contribution,
                grant: l.grant,
            })
            .collect(),
        total_cost: p.total_cost,
        own_contribution: p.own_contribution,
        grant: p.grant,
        due_on: p.due_on,
        comments: p.comments,
        submitted_at: p.submitted_at,
        decided_at: p.decided_at,
    }
}

fn plan_input(b: AnnualPlanInput) -> PlanInput {
    let mut errors = Vec::new();
    let lines = b
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let total_cost = l.total_cost.money(&format!("lines[{i}].total_cost"), &mut errors);
            let own_contribution =
                l.own_contribution.money(&format!("lines[{i}].own_contribution"), &mut errors);
            let grant = l.grant.money(&format!("lines[{i}].grant"), &mut errors);
            match (total_cost, own_contribution, grant) {
                (Some(total_cost), Some(own_contribution), Some(grant)) => Some(PlanLine {
                    description: l.description,
                    total_cost,
                    own_contribution,
                    grant,
                }),
                _ => None,
            }
        })
        .collect();
    PlanInput {
        year: b.year,
        content: PlanContent {
            goals: b.goals,
            activities: b.activities,
            team: b.team,
            partners: b.partners,
            focus_points: b.focus_points,
        },
        lines,
        input_errors: errors,
    }
}

#[derive(Object, Debug, Clone, Default)]
pub struct NarrativeDto {
    /// Per basic principle: `family_oriented`, `legally_protective_transparent`, `simplicity`,
    /// `learning`.
    #[oai(default)]
    pub principles: BTreeMap<String, String>,
    /// Per core element: `local_team`, `regional_safety_team`, `network_of_specialists`,
    /// `working_framework`, `knowledge_research_learning`.
    #[oai(default)]
    pub core_elements: BTreeMap<String, String>,
    #[oai(default)]
    pub lessons: String,
    #[oai(default)]
    pub obstacles: String,
}

/// A progress report's content; a save replaces the whole report.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct ProgressReportInput {
    /// `2024-Q1`..`2024-Q4`, `2024-H1`, `2024-H2` or `2024`.
    pub period: String,
    /// Counts by metric key: whole numbers from 0, only counted metrics of the catalogue
    /// (shares are computed).
    #[oai(default)]
    pub figures: BTreeMap<String, Value>,
    #[oai(default)]
    pub narrative: NarrativeDto,
    /// Costs realised in the period, in euros.
    #[oai(skip_serializing_if_is_none)]
    pub costs_realised: Option<DecimalInput>,
}

#[derive(Object, Debug, Clone)]
pub struct ProgressReportView {
    pub id: i32,
    pub proeftuin_id: i32,
    pub period: String,
    pub status: String,
    /// Counts by metric key, as reported.
    pub counts: BTreeMap<String, i64>,
    /// Every figure with the catalogue's label, shares recomputed.
    pub figures: Vec<MetricFigureView>,
    pub narrative: NarrativeDto,
    pub costs_realised: Money,
    pub catalogue_version: i32,
    pub due_on: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub comments: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Object, Debug, Clone, Default)]
#[oai(example)]
pub struct MonitoringStepInput {
    /// Required to return: what needs to change.
    #[oai(skip_serializing_if_is_none)]
    pub comments: Option<String>,
}

fn report_input(b: ProgressReportInput) -> ReportInput {
    let mut errors = Vec::new();
    let costs = match &b.costs_realised {
        Some(d) => d.money("costs_realised", &mut errors),
        None => Some(Money::ZERO),
    };
    ReportInput {
        period: b.period,
        figures: b.figures,
        narrative: Narrative {
            principles: b.narrative.principles,
            core_elements: b.narrative.core_elements,
            lessons: b.narrative.lessons,
            obstacles: b.narrative.obstacles,
        },
        costs_realised: costs,
        input_errors: errors,
    }
}

impl MonitoringReportsApi {
    async fn report_view(&self, r: ProgressReport) -> Result<ProgressReportView, ApiError> {
        let catalogue = svc::catalogue_of(&self.state.db).await?;
        Ok(ProgressReportView {
            id: r.id,
            proeftuin_id: r.proeftuin_id,
            period: r.period.to_string(),
            status: r.status.to_string(),
            figures: figure_views(&catalogue, &r.figures),
            counts: r.counts,
            narrative: NarrativeDto {
                principles: r.narrative.principles,
                core_elements: r.narrative.core_elements,
                lessons: r.narrative.lessons,
                obstacles: r.narrative.obstacles,
            },
            costs_realised: r.costs_realised,
            catalogue_version: r.catalogue_version,
            due_on: r.due_on,
            comments: r.comments,
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
        })
    }
}

#[OpenApi(tag = "ApiTags::Monitoring")]
impl MonitoringReportsApi {
    /// Starts the annual plan of one calendar year (the proeftuin's region, or staff)
    ///
    /// One plan per year; a second one answers 409. Answers 201 with the plan's path in `Location`.
    #[oai(path = "/proeftuinen/:id/annual-plans", method = "post")]
    async fn create_plan(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<AnnualPlanInput>,
    ) -> Result<Created<AnnualPlanView>, Write> {
        let view =
            plan_view(svc::create_plan(&self.state, &auth.0, id.0, plan_input(body.0)).await?);
        Ok(Created::at(format!("/annual-plans/{}", view.id), view))
    }

    /// The proeftuin's annual plans, by year
    ///
    /// With their status: `draft`, `submitted`, `returned` or `accepted`.
    #[oai(path = "/proeftuinen/:id/annual-plans", method = "get")]
    async fn plans(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<Vec<AnnualPlanView>>, Read> {
        Ok(Json(svc::plans(&self.state, &auth.0, id.0).await?.into_iter().map(plan_view).collect()))
    }

    /// Reads one annual plan
    ///
    /// Its content, status and the comments of a return.
    #[oai(path = "/annual-plans/:id", method = "get")]
    async fn get_plan(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<AnnualPlanView>, Read> {
        Ok(Json(plan_view(svc::get_plan(&self.state, &auth.0, id.0).await?)))
    }

    /// Replaces a draft or returned plan's content
    ///
    /// A submitted or accepted plan answers 409.
    #[oai(path = "/annual-plans/:id", method = "put")]
    async fn update_plan(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<AnnualPlanInput>,
    ) -> Result<Json<AnnualPlanView>, Write> {
        Ok(Json(plan_view(svc::update_plan(&self.state, &auth.0, id.0, plan_input(body.0)).await?)))
    }

    /// Submits a draft or returned plan
    ///
    /// Staff then accept it or return it with comments.
    #[oai(path = "/annual-plans/:id/submit", method = "post")]
    async fn submit_plan(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<AnnualPlanView>, Action> {
        Ok(Json(plan_view(svc::plan_step(&self.state, &auth.0, id.0, Step::Submit, None).await?)))
    }

    /// Accepts a submitted plan (staff)
    ///
    /// Only a submitted plan can be accepted (409 otherwise).
    #[oai(path = "/annual-plans/:id/accept", method = "post")]
    async fn accept_plan(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<AnnualPlanView>, Action> {
        Ok(Json(plan_view(svc::plan_step(&self.state, &auth.0, id.0, Step::Accept, None).await?)))
    }

    /// Returns a submitted plan with comments (staff)
    ///
    /// The region edits it and submits again.
    #[oai(path = "/annual-plans/:id/return", method = "post")]
    async fn return_plan(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<MonitoringStepInput>,
    ) -> Result<Json<AnnualPlanView>, Write> {
        Ok(Json(plan_view(
            svc::plan_step(&self.state, &auth.0, id.0, Step::Return, body.0.comments).await?,
        )))
    }

    /// The annual plan as a PDF
    ///
    /// For staff and the proeftuin's own region.
    #[oai(path = "/annual-plans/:id/pdf", method = "get")]
    async fn plan_pdf(&self, auth: TokenAuth, id: Path<i32>) -> Result<MonitoringPdfAnswer, Read> {
        let plan = svc::get_plan(&self.state, &auth.0, id.0).await?;
        let p = svc::get(&self.state, &auth.0, plan.proeftuin_id).await?;
        let bytes = crate::service::monitoring::pdf::annual_plan(&p, &plan, self.state.now())?;
        Ok(pdf_answer(bytes, &format!("jaarplan-{}-{}.pdf", p.r#ref, plan.year)))
    }

    /// Starts a progress report on one period (the proeftuin's region, or staff)
    ///
    /// Refused (409) when the period overlaps a report the proeftuin has: coarser figures are
    /// rolled up, not reported twice. Answers 201 with the report's path in `Location`.
    #[oai(path = "/proeftuinen/:id/progress-reports", method = "post")]
    async fn create_report(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<ProgressReportInput>,
    ) -> Result<Created<ProgressReportView>, Write> {
        let r = svc::create_report(&self.state, &auth.0, id.0, report_input(body.0)).await?;
        let view = self.report_view(r).await?;
        Ok(Created::at(format!("/progress-reports/{}", view.id), view))
    }

    /// The proeftuin's progress reports, by period
    ///
    /// With their status and figures.
    #[oai(path = "/proeftuinen/:id/progress-reports", method = "get")]
    async fn reports(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<Vec<ProgressReportView>>, Read> {
        let mut out = Vec::new();
        for r in svc::reports(&self.state, &auth.0, id.0).await? {
            out.push(self.report_view(r).await?);
        }
        Ok(Json(out))
    }

    /// Reads one progress report
    ///
    /// Its period, figures, spending, narrative and status.
    #[oai(path = "/progress-reports/:id", method = "get")]
    async fn get_report(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<ProgressReportView>, Read> {
        let r = svc::get_report(&self.state, &auth.0, id.0).await?;
        Ok(Json(self.report_view(r).await?))
    }

    /// Replaces a draft or returned report's content
    ///
    /// Everything but its period; a submitted or accepted report answers 409.
    #[oai(path = "/progress-reports/:id", method = "put")]
    async fn update_report(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<ProgressReportInput>,
    ) -> Result<Json<ProgressReportView>, Write> {
        let r = svc::update_report(&self.state, &auth.0, id.0, report_input(body.0)).await?;
        Ok(Json(self.report_view(r).await?))
    }

    /// Submits a draft or returned report
    ///
    /// Staff then accept it or return it with comments.
    #[oai(path = "/progress-reports/:id/submit", method = "post")]
    async fn submit_report(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<ProgressReportView>, Action> {
        let r = svc::report_step(&self.state, &auth.0, id.0, Step::Submit, None).await?;
        Ok(Json(self.report_view(r).await?))
    }

    /// Accepts a submitted report (staff)
    ///
    /// Its figures then count in every roll-up and overview.
    #[oai(path = "/progress-reports/:id/accept", method = "post")]
    async fn accept_report(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<ProgressReportView>, Action> {
        let r = svc::report_step(&self.state, &auth.0, id.0, Step::Accept, None).await?;
        Ok(Json(self.report_view(r).await?))
    }

    /// Returns a submitted report with comments (staff)
    ///
    /// The region edits it and submits again.
    #[oai(path = "/progress-reports/:id/return", method = "post")]
    async fn return_report(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<MonitoringStepInput>,
    ) -> Result<Json<ProgressReportView>, Write> {
        let r = svc::report_step(&self.state, &auth.0, id.0, Step::Return, body.0.comments).await?;
        Ok(Json(self.report_view(r).await?))
    }

    /// The progress report as a PDF
    ///
    /// Figures per period of its year with totals, and the narrative.
    #[oai(path = "/progress-reports/:id/pdf", method = "get")]
    async fn report_pdf(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<MonitoringPdfAnswer, Read> {
        let r = svc::get_report(&self.state, &auth.0, id.0).await?;
        let p = svc::get(&self.state, &auth.0, r.proeftuin_id).await?;
        let all = svc::reports(&self.state, &auth.0, r.proeftuin_id).await?;
        let catalogue = svc::catalogue_of(&self.state.db).await?;
        let bytes = crate::service::monitoring::pdf::progress_report(
            &p,
            &r,
            &all,
            &catalogue,
            self.state.now(),
        )?;
        Ok(pdf_answer(bytes, &format!("voortgang-{}-{}.pdf", p.r#ref, r.period)))
    }
}
