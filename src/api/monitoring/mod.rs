//! Monitoring: proeftuinen and their grants, the metric catalogue, due-date settings, figures
//! rolled up per period, spending, the programme overview and the researchers' export.

mod views;

pub use views::*;

use poem_openapi::{OpenApi, param::Path, param::Query, payload::Json, payload::PlainText};

use super::ApiTags;
use super::responses::{Compute, Create, Created, Read, ReadList, Roles, Write};
use super::security::TokenAuth;
use crate::domain::monitoring::{DueSettings, Metric, RollUp};
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::monitoring::{self as svc, ProeftuinInput};

pub struct MonitoringApi {
    pub state: AppState,
}

#[OpenApi(tag = "ApiTags::Monitoring")]
impl MonitoringApi {
    /// Registers a proeftuin that started without this service (staff)
    ///
    /// With its region, record and first grant. Awarded applications become proeftuinen by
    /// themselves when the final decision is published. Answers 201 with the proeftuin's path in
    /// `Location`.
    #[oai(path = "/proeftuinen", method = "post")]
    async fn register(
        &self,
        auth: TokenAuth,
        body: Json<ProeftuinRegisterInput>,
    ) -> Result<Created<ProeftuinView>, Create> {
        let b = body.0;
        let mut errors = Vec::new();
        let grant = money_opt(&b.grant, "grant", &mut errors);
        let input = ProeftuinInput {
            r#ref: b.reference,
            name: b.name,
            region_id: b.region_id,
            call_id: b.call_id,
            tranche: b.tranche,
            started_on: b.started_on,
            ends_on: b.ends_on,
            reporting: b.reporting,
            record: record_in(b.record),
            grant,
            grant_description: b.grant_description,
            input_errors: errors,
        };
        let view = proeftuin_view(svc::register(&self.state, &auth.0, input).await?);
        Ok(Created::at(format!("/proeftuinen/{}", view.id), view))
    }

    /// Lists proeftuinen
    ///
    /// Staff see all of them; a region user sees only its own region's. Assessors have no access to
    /// monitoring (403).
    #[oai(path = "/proeftuinen", method = "get")]
    async fn list(&self, auth: TokenAuth) -> Result<Json<Vec<ProeftuinView>>, Roles> {
        Ok(Json(svc::list(&self.state, &auth.0).await?.into_iter().map(proeftuin_view).collect()))
    }

    /// Reads one proeftuin
    ///
    /// Its record, grants and reporting settings. Another region's proeftuin does not exist for a
    /// region user (404).
    #[oai(path = "/proeftuinen/:id", method = "get")]
    async fn get(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<ProeftuinView>, Read> {
        Ok(Json(proeftuin_view(svc::get(&self.state, &auth.0, id.0).await?)))
    }

    /// Changes a proeftuin's record (staff, or its own region)
    ///
    /// The record is replaced as a whole.
    #[oai(path = "/proeftuinen/:id", method = "put")]
    async fn update(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<ProeftuinUpdateInput>,
    ) -> Result<Json<ProeftuinView>, Write> {
        let b = body.0;
        let p = svc::get(&self.state, &auth.0, id.0).await?;
        let input = ProeftuinInput {
            r#ref: p.r#ref,
            name: b.name,
            region_id: p.region_id,
            call_id: p.call_id,
            tranche: p.tranche,
            started_on: p.started_on,
            ends_on: b.ends_on,
            reporting: b.reporting,
            record: record_in(b.record),
            grant: None,
            grant_description: None,
            input_errors: Vec::new(),
        };
        Ok(Json(proeftuin_view(svc::update(&self.state, &auth.0, id.0, input).await?)))
    }

    /// Adds a grant to a proeftuin (staff)
    ///
    /// An amount with a description; it counts as granted in the spending overview.
    #[oai(path = "/proeftuinen/:id/grants", method = "post")]
    async fn add_grant(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<ProeftuinGrantInput>,
    ) -> Result<Json<ProeftuinView>, Write> {
        let b = body.0;
        let mut errors = Vec::new();
        let amount = b.amount.money("amount", &mut errors);
        let Some(amount) = amount else { return Err(DomainError::Validation(errors).into()) };
        Ok(Json(proeftuin_view(
            svc::add_grant(
                &self.state,
                &auth.0,
                id.0,
                svc::GrantInput {
                    amount,
                    description: b.description,
                    granted_on: b.granted_on,
                    call_id: b.call_id,
                },
            )
            .await?,
        )))
    }

    /// Granted vs. realised vs. remaining
    ///
    /// Per year and over the whole grant, from the accepted progress reports.
    #[oai(path = "/proeftuinen/:id/spending", method = "get")]
    async fn spending(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<SpendingView>, Read> {
        Ok(Json(spending_view(svc::spending(&self.state, &auth.0, id.0).await?)))
    }

    /// The figures of any period
    ///
    /// `period` is a year (`2024`), half year (`2024-H1`) or quarter (`2024-Q3`); the figures are
    /// rolled up from the accepted reports inside it, each metric as its catalogue says (sum or
    /// share).
    #[oai(path = "/proeftuinen/:id/figures", method = "get")]
    async fn figures(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        period: Query<String>,
    ) -> Result<Json<RolledUpView>, ReadList> {
        let (rolled, catalogue) = svc::figures(&self.state, &auth.0, id.0, &period.0).await?;
        Ok(Json(rolled_view(rolled, &catalogue)))
    }

    /// The metric catalogue in force
    ///
    /// The metrics progress reports give figures for, with their unit and how they roll up (staff
    /// and regions).
    #[oai(path = "/metrics", method = "get")]
    async fn catalogue(&self, auth: TokenAuth) -> Result<Json<CatalogueView>, Roles> {
        Ok(Json(catalogue_view(svc::catalogue(&self.state, &auth.0).await?)))
    }

    /// Adds a metric, or a new version of one with the same key (staff)
    ///
    /// `rollup` is `sum`, or `share` with the keys of its numerator and denominator. Answers 201
    /// with the catalogue, and the metric's versions in `Location`.
    #[oai(path = "/metrics", method = "post")]
    async fn define_metric(
        &self,
        auth: TokenAuth,
        body: Json<MetricInput>,
    ) -> Result<Created<CatalogueView>, Create> {
        let b = body.0;
        let rollup = match (b.rollup.as_str(), b.numerator, b.denominator) {
            ("sum", None, None) => RollUp::Sum,
            ("share", Some(numerator), Some(denominator)) => {
                RollUp::Share { numerator, denominator }
            }
            ("share", _, _) => {
                return Err(DomainError::invalid(
                    "rollup",
                    "a share names its numerator and denominator",
                )
                .into());
            }
            ("sum", _, _) => {
                return Err(DomainError::invalid(
                    "rollup",
                    "a sum has no numerator or denominator",
                )
                .into());
            }
            _ => return Err(DomainError::invalid("rollup", "`sum` or `share`").into()),
        };
        let location = format!("/metrics/{}/versions", b.key);
        let metric = Metric {
            key: b.key,
            label_nl: b.label_nl.trim().to_string(),
            unit: b.unit.trim().to_string(),
            rollup,
        };
        Ok(Created::at(
            location,
            catalogue_view(svc::define_metric(&self.state, &auth.0, metric, b.retired).await?),
        ))
    }

    /// Every version of one metric, oldest first
    ///
    /// An unknown key answers 404.
    #[oai(path = "/metrics/:key/versions", method = "get")]
    async fn metric_versions(
        &self,
        auth: TokenAuth,
        key: Path<String>,
    ) -> Result<Json<Vec<MetricView>>, Read> {
        Ok(Json(
            svc::metric_history(&self.state, &auth.0, &key.0)
                .await?
                .into_iter()
                .map(metric_view)
                .collect(),
        ))
    }

    /// When annual plans and progress reports are due (staff)
    ///
    /// For the proeftuinen of one call.
    #[oai(path = "/calls/:id/monitoring-settings", method = "get")]
    async fn settings(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<MonitoringSettingsDto>, Read> {
        let s = svc::settings(&self.state, &auth.0, id.0).await?;
        Ok(Json(MonitoringSettingsDto {
            annual_plan_due: s.annual_plan_due,
            report_due_weeks: s.report_due_weeks,
            reminder_days_before: s.reminder_days_before,
        }))
    }

    /// Sets the due dates of annual plans and progress reports (staff)
    ///
    /// For the proeftuinen of one call; the reminders follow them.
    #[oai(path = "/calls/:id/monitoring-settings", method = "put")]
    async fn put_settings(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<MonitoringSettingsDto>,
    ) -> Result<Json<MonitoringSettingsDto>, Write> {
        let b = body.0;
        let s = DueSettings {
            annual_plan_due: b.annual_plan_due,
            report_due_weeks: b.report_due_weeks,
            reminder_days_before: b.reminder_days_before,
        };
        let s = svc::put_settings(&self.state, &auth.0, id.0, s).await?;
        Ok(Json(MonitoringSettingsDto {
            annual_plan_due: s.annual_plan_due,
            report_due_weeks: s.report_due_weeks,
            reminder_days_before: s.reminder_days_before,
        }))
    }

    /// The programme overview of one period (staff)
    ///
    /// Every proeftuin's figures and spending for `period` (`2024`, `2024-H1`, `2024-Q3`).
    #[oai(path = "/monitoring/overview", method = "get")]
    async fn overview(
        &self,
        auth: TokenAuth,
        period: Query<String>,
    ) -> Result<Json<OverviewView>, Compute> {
        let o = svc::overview(&self.state, &auth.0, &period.0).await?;
        let catalogue = o.catalogue.clone();
        Ok(Json(OverviewView {
            period: o.period.to_string(),
            catalogue_version: catalogue.version,
            totals: figure_views(&catalogue, &o.totals),
            balance: balance_view(o.balance),
            proeftuinen: o
                .rows
                .into_iter()
                .map(|r| OverviewRowView {
                    proeftuin_id: r.proeftuin.id,
                    reference: r.proeftuin.r#ref,
                    name: r.proeftuin.name,
                    region_name: r.proeftuin.region_name,
                    figures: rolled_view(r.figures, &catalogue),
                    balance: balance_view(r.balance),
                    reports: r
                        .reports
                        .into_iter()
                        .map(|(p, s)| ReportStatusView {
                            period: p.to_string(),
                            status: s.to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }))
    }

    /// The programme overview of one period as a PDF (staff)
    ///
    /// A summary table of the figures, the spending and the grant finance (advances, payments,
    /// settlements up to the end of the period), then a page per proeftuin.
    #[oai(path = "/monitoring/overview.pdf", method = "get")]
    async fn overview_pdf(
        &self,
        auth: TokenAuth,
        period: Query<String>,
    ) -> Result<MonitoringPdfAnswer, Compute> {
        // With the grant finance of each proeftuin (issue 17).
        let (name, bytes) =
            crate::service::finance::overview_pdf(&self.state, &auth.0, &period.0).await?;
        Ok(pdf_answer(bytes, &name))
    }

    /// Every figure of every submitted or accepted report, as CSV (staff)
    ///
    /// One row per proeftuin, period and metric.
    #[oai(path = "/monitoring/export.csv", method = "get")]
    async fn export_csv(&self, auth: TokenAuth) -> Result<MonitoringCsvAnswer, Roles> {
        let rows = svc::export(&self.state, &auth.0).await?;
        Ok(MonitoringCsvAnswer::Ok(
            PlainText(svc::export_csv(&rows)),
            "attachment; filename=\"proeftuinen-cijfers.csv\"".into(),
        ))
    }

    /// Every figure of every submitted or accepted report, as JSON (staff)
    ///
    /// The same rows as the CSV export.
    #[oai(path = "/monitoring/export.json", method = "get")]
    async fn export_json(&self, auth: TokenAuth) -> Result<Json<Vec<ExportRowView>>, Roles> {
        let rows = svc::export(&self.state, &auth.0).await?;
        Ok(Json(
            rows.into_iter()
                .map(|r| ExportRowView {
                    proeftuin_ref: r.proeftuin_ref,
                    proeftuin: r.proeftuin,
                    region: r.region,
                    period: r.period,
                    period_start: r.period_start,
                    period_end: r.period_end,
                    status: r.status,
                    metric: r.metric,
                    label_nl: r.label_nl,
                    unit: r.unit,
                    value: r.value,
                })
                .collect(),
        ))
    }

    /// Queues the report reminders that are due now (staff)
    ///
    /// The scheduler does the same by itself; running it twice queues nothing twice.
    #[oai(path = "/monitoring/reminders/run", method = "post")]
    async fn run_reminders(&self, auth: TokenAuth) -> Result<Json<RemindersRun>, Roles> {
        let n = svc::run_reminders(&self.state, &auth.0).await?;
        Ok(Json(RemindersRun { queued: n as u32 }))
    }
}
