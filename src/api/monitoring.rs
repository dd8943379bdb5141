//! Monitoring: proeftuinen and their grants, the metric catalogue, due-date settings, figures
//! rolled up per period, spending, the programme overview and the researchers' export.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi, param::Path, param::Query, payload::Binary, payload::Json,
    payload::PlainText,
};

use super::ApiTags;
use super::responses::{Compute, Create, Created, Read, ReadList, Roles, Write};
use super::security::TokenAuth;
use super::types::DecimalInput;
use crate::domain::money::Money;
use crate::domain::monitoring::{
    self as m, Balance, DueSettings, Metric, ProeftuinRecord, RecordMunicipality, RollUp, RolledUp,
    Spending,
};
use crate::error::{DomainError, FieldError};
use crate::service::AppState;
use crate::service::monitoring::{
    self as svc, Catalogue, CatalogueMetric, Proeftuin, ProeftuinInput,
};

pub struct MonitoringApi {
    pub state: AppState,
}

// ------------------------------------------------------------------ DTOs

#[derive(Object, Debug, Clone)]
pub struct RecordMunicipalityDto {
    pub name: String,
    #[oai(skip_serializing_if_is_none)]
    pub inhabitants: Option<u64>,
}

/// The proeftuin record: where it runs, who leads it, how it works.
#[derive(Object, Debug, Clone, Default)]
pub struct RecordDto {
    #[oai(default)]
    pub municipalities: Vec<RecordMunicipalityDto>,
    /// Districts or postcode areas where the pilot runs.
    #[oai(default)]
    pub districts: Vec<String>,
    #[oai(skip_serializing_if_is_none)]
    pub project_leader: Option<String>,
    /// The programme's contact person for this proeftuin.
    #[oai(skip_serializing_if_is_none)]
    pub programme_contact: Option<String>,
    /// Where report reminders go (default: the region's lead applicant).
    #[oai(skip_serializing_if_is_none)]
    pub contact_email: Option<String>,
    /// `voluntary_framework` or `legitimised_intervention`.
    #[oai(skip_serializing_if_is_none)]
    pub emphasis: Option<String>,
    /// Partners in the regional safety team (RVT).
    #[oai(default)]
    pub rvt_partners: Vec<String>,
    #[oai(default)]
    pub focus_points: Vec<String>,
}

fn record_in(r: RecordDto) -> ProeftuinRecord {
    ProeftuinRecord {
        municipalities: r
            .municipalities
            .into_iter()
            .map(|m| RecordMunicipality { name: m.name, inhabitants: m.inhabitants })
            .collect(),
        districts: r.districts,
        project_leader: r.project_leader.filter(|s| !s.trim().is_empty()),
        programme_contact: r.programme_contact.filter(|s| !s.trim().is_empty()),
        contact_email: r.contact_email.filter(|s| !s.trim().is_empty()),
        emphasis: r.emphasis,
        rvt_partners: r.rvt_partners,
        focus_points: r.focus_points,
    }
}

fn record_out(r: ProeftuinRecord) -> RecordDto {
    RecordDto {
        municipalities: r
            .municipalities
            .into_iter()
            .map(|m| RecordMunicipalityDto { name: m.name, inhabitants: m.inhabitants })
            .collect(),
        districts: r.districts,
        project_leader: r.project_leader,
        programme_contact: r.programme_contact,
        contact_email: r.contact_email,
        emphasis: r.emphasis,
        rvt_partners: r.rvt_partners,
        focus_points: r.focus_points,
    }
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct ProeftuinRegisterInput {
    /// A stable short name: lowercase letters, digits, hyphens (e.g. `west-brabant-west`).
    #[oai(rename = "ref")]
    pub reference: String,
    pub name: String,
    pub region_id: i32,
    #[oai(skip_serializing_if_is_none)]
    pub call_id: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub tranche: Option<i32>,
    pub started_on: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub ends_on: Option<NaiveDate>,
    /// `quarter` (default), `half_year` or `year`: the periods it is expected to report on.
    #[oai(skip_serializing_if_is_none)]
    pub reporting: Option<String>,
    #[oai(default)]
    pub record: RecordDto,
    /// The grant it received before this service, if any.
    #[oai(skip_serializing_if_is_none)]
    pub grant: Option<DecimalInput>,
    #[oai(skip_serializing_if_is_none)]
    pub grant_description: Option<String>,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct ProeftuinUpdateInput {
    pub name: String,
    #[oai(skip_serializing_if_is_none)]
    pub ends_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub reporting: Option<String>,
    pub record: RecordDto,
}

#[derive(Object, Debug, Clone)]
pub struct ProeftuinGrantView {
    pub id: i32,
    #[oai(skip_serializing_if_is_none)]
    pub call_id: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub application_id: Option<i32>,
    pub amount: Money,
    pub description: String,
    pub granted_on: NaiveDate,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct ProeftuinGrantInput {
    pub amount: DecimalInput,
    pub description: String,
    pub granted_on: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub call_id: Option<i32>,
}

#[derive(Object, Debug, Clone)]
pub struct ProeftuinView {
    pub id: i32,
    #[oai(rename = "ref")]
    pub reference: String,
    pub name: String,
    pub region_id: i32,
    pub region_ref: String,
    pub region_name: String,
    #[oai(skip_serializing_if_is_none)]
    pub call_id: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub application_id: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub tranche: Option<i32>,
    pub started_on: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub ends_on: Option<NaiveDate>,
    pub reporting: String,
    pub record: RecordDto,
    /// Inhabitants of its municipalities, when every one is known.
    #[oai(skip_serializing_if_is_none)]
    pub inhabitants: Option<u64>,
    pub grants: Vec<ProeftuinGrantView>,
    pub grant_total: Money,
    pub contact_email: String,
}

pub fn proeftuin_view(p: Proeftuin) -> ProeftuinView {
    ProeftuinView {
        id: p.id,
        reference: p.r#ref,
        name: p.name,
        region_id: p.region_id,
        region_ref: p.region_ref,
        region_name: p.region_name,
        call_id: p.call_id,
        application_id: p.application_id,
        tranche: p.tranche,
        started_on: p.started_on,
        ends_on: p.ends_on,
        reporting: p.reporting.as_str().into(),
        inhabitants: p.record.inhabitants(),
        record: record_out(p.record),
        grants: p
            .grants
            .into_iter()
            .map(|g| ProeftuinGrantView {
                id: g.id,
                call_id: g.call_id,
                application_id: g.application_id,
                amount: g.amount,
                description: g.description,
                granted_on: g.granted_on,
            })
            .collect(),
        grant_total: p.grant_total,
        contact_email: p.contact_email,
    }
}

#[derive(Object, Debug, Clone)]
pub struct MetricView {
    /// The metric's id, e.g. `cases_discussed`.
    pub key: String,
    pub label_nl: String,
    /// e.g. `count`, `percent`
    pub unit: String,
    /// `sum` (counts add up) or `share` (recomputed from two counts)
    pub rollup: String,
    #[oai(skip_serializing_if_is_none)]
    pub numerator: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub denominator: Option<String>,
    pub version: i32,
    pub retired: bool,
    pub changed_at: DateTime<Utc>,
}

fn metric_view(c: CatalogueMetric) -> MetricView {
    let (rollup, numerator, denominator) = match c.metric.rollup {
        RollUp::Sum => ("sum".to_string(), None, None),
        RollUp::Share { numerator, denominator } => {
            ("share".to_string(), Some(numerator), Some(denominator))
        }
    };
    MetricView {
        key: c.metric.key,
        label_nl: c.metric.label_nl,
        unit: c.metric.unit,
        rollup,
        numerator,
        denominator,
        version: c.version,
        retired: c.retired,
        changed_at: c.changed_at,
    }
}

#[derive(Object, Debug, Clone)]
pub struct CatalogueView {
    /// Goes up by one with every change to the catalogue.
    pub version: i32,
    pub metrics: Vec<MetricView>,
}

fn catalogue_view(c: Catalogue) -> CatalogueView {
    CatalogueView { version: c.version, metrics: c.metrics.into_iter().map(metric_view).collect() }
}

/// A new metric, or a new version of one (same key).
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct MetricInput {
    pub key: String,
    pub label_nl: String,
    pub unit: String,
    /// `sum` or `share`
    pub rollup: String,
    /// For `share`: the counted metric over ...
    #[oai(skip_serializing_if_is_none)]
    pub numerator: Option<String>,
    /// ... the counted metric it is a share of.
    #[oai(skip_serializing_if_is_none)]
    pub denominator: Option<String>,
    /// Retire it: reports no longer give it; old figures stay readable.
    #[oai(default)]
    pub retired: bool,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct MonitoringSettingsDto {
    /// `MM-DD` of the year before the plan's year (default `12-01`).
    pub annual_plan_due: String,
    /// Weeks after a period's end that its report is due (default 6).
    pub report_due_weeks: u32,
    /// Days before a due date that a reminder goes out (default 14).
    pub reminder_days_before: u32,
}

/// One figure: a count, or a share in percent (one decimal; absent when it cannot be computed).
#[derive(Object, Debug, Clone)]
pub struct MetricFigureView {
    pub metric: String,
    pub label_nl: String,
    pub unit: String,
    #[oai(skip_serializing_if_is_none)]
    pub count: Option<i64>,
    #[oai(skip_serializing_if_is_none)]
    pub share: Option<String>,
}

pub fn figure_views(
    catalogue: &Catalogue,
    figures: &BTreeMap<String, m::FigureValue>,
) -> Vec<MetricFigureView> {
    catalogue
        .metrics
        .iter()
        .filter_map(|c| {
            figures.get(&c.metric.key).map(|v| MetricFigureView {
                metric: c.metric.key.clone(),
                label_nl: c.metric.label_nl.clone(),
                unit: c.metric.unit.clone(),
                count: match v {
                    m::FigureValue::Count(n) => Some(*n),
                    _ => None,
                },
                share: match v {
                    m::FigureValue::Share(s) => s.map(|d| d.to_string()),
                    _ => None,
                },
            })
        })
        .collect()
}

#[derive(Object, Debug, Clone)]
pub struct RolledUpView {
    pub period: String,
    /// The accepted reports it is rolled up from, finest first.
    pub from_periods: Vec<String>,
    /// Those reports together cover the whole period.
    pub complete: bool,
    pub missing_quarters: Vec<String>,
    /// Counts by metric key.
    pub counts: BTreeMap<String, i64>,
    /// Every figure, shares recomputed from the rolled-up counts.
    pub figures: Vec<MetricFigureView>,
}

fn rolled_view(r: RolledUp, catalogue: &Catalogue) -> RolledUpView {
    RolledUpView {
        period: r.period.to_string(),
        from_periods: r.from_periods.iter().map(ToString::to_string).collect(),
        complete: r.complete,
        missing_quarters: r.missing_quarters.iter().map(ToString::to_string).collect(),
        figures: figure_views(catalogue, &r.figures),
        counts: r.counts,
    }
}

/// Granted vs. realised vs. remaining; `remaining` is negative when overspent.
#[derive(Object, Debug, Clone)]
pub struct SpendingBalanceView {
    pub granted: Money,
    pub realised: Money,
    /// May be negative: `"-1250.00"`.
    pub remaining: String,
    pub overspent: bool,
    #[oai(skip_serializing_if_is_none)]
    pub overspend: Option<Money>,
}

fn balance_view(b: Balance) -> SpendingBalanceView {
    SpendingBalanceView {
        granted: b.granted,
        realised: b.realised,
        remaining: b.remaining.to_string(),
        overspent: b.overspent,
        overspend: b.overspend(),
    }
}

#[derive(Object, Debug, Clone)]
pub struct YearSpendingView {
    pub year: i32,
    /// The grant part of the year's accepted annual plan.
    #[oai(skip_serializing_if_is_none)]
    pub budgeted: Option<Money>,
    pub realised: Money,
    #[oai(skip_serializing_if_is_none)]
    pub remaining_in_year: Option<String>,
    pub over_year_budget: bool,
    /// What is left of the whole grant at the end of the year (negative when overspent).
    pub grant_remaining_after: String,
}

#[derive(Object, Debug, Clone)]
pub struct SpendingView {
    pub total: SpendingBalanceView,
    pub years: Vec<YearSpendingView>,
}

fn spending_view(s: Spending) -> SpendingView {
    SpendingView {
        total: balance_view(s.total),
        years: s
            .years
            .into_iter()
            .map(|y| YearSpendingView {
                year: y.year,
                budgeted: y.budgeted,
                realised: y.realised,
                remaining_in_year: y.remaining_in_year.map(|r| r.to_string()),
                over_year_budget: y.over_year_budget,
                grant_remaining_after: y.grant_remaining_after.to_string(),
            })
            .collect(),
    }
}

#[derive(Object, Debug, Clone)]
pub struct ReportStatusView {
    pub period: String,
    pub status: String,
}

#[derive(Object, Debug, Clone)]
pub struct OverviewRowView {
    pub proeftuin_id: i32,
    #[oai(rename = "ref")]
    pub reference: String,
    pub name: String,
    pub region_name: String,
    pub figures: RolledUpView,
    /// Up to the end of the period.
    pub balance: SpendingBalanceView,
    pub reports: Vec<ReportStatusView>,
}

#[derive(Object, Debug, Clone)]
pub struct OverviewView {
    pub period: String,
    pub catalogue_version: i32,
    pub proeftuinen: Vec<OverviewRowView>,
    /// All proeftuinen together.
    pub totals: Vec<MetricFigureView>,
    pub balance: SpendingBalanceView,
}

#[derive(Object, Debug, Clone)]
pub struct ExportRowView {
    pub proeftuin_ref: String,
    pub proeftuin: String,
    pub region: String,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: String,
    pub metric: String,
    pub label_nl: String,
    pub unit: String,
    pub value: String,
}

#[derive(Object, Debug, Clone)]
pub struct RemindersRun {
    /// `report_reminder` emails queued now.
    pub queued: u32,
}

#[derive(ApiResponse)]
pub enum MonitoringCsvAnswer {
    /// One row per proeftuin × period × metric.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(PlainText<String>, #[oai(header = "Content-Disposition")] String),
}

#[derive(ApiResponse)]
pub enum MonitoringPdfAnswer {
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

pub fn pdf_answer(bytes: Vec<u8>, filename: &str) -> MonitoringPdfAnswer {
    MonitoringPdfAnswer::Ok(Binary(bytes), format!("inline; filename=\"{filename}\""))
}

fn money_opt(
    input: &Option<DecimalInput>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Money> {
    input.as_ref().and_then(|d| d.money(field, errors))
}

// ------------------------------------------------------------------ handlers

#[OpenApi(tag = "ApiTags::Monitoring")]
impl MonitoringApi {
    /// Registers a proeftuin that started without this service (staff)
    ///
    /// With its region, record and first grant. Awarded applications become proeftuinen by themselves when
    /// the final decision is published. Answers 201 with the proeftuin's path in `Location`.
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
    /// Its record, grants and reporting settings. Another region's proeftuin does not exist for a region
    /// user (404).
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
                amount,
                b.description,
                b.granted_on,
                b.call_id,
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
    /// `period` is a year (`2024`), half year (`2024-H1`) or quarter (`2024-Q3`); the figures are rolled up
    /// from the accepted reports inside it, each metric as its catalogue says (sum or share).
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
    /// The metrics progress reports give figures for, with their unit and how they roll up (staff and
    /// regions).
    #[oai(path = "/metrics", method = "get")]
    async fn catalogue(&self, auth: TokenAuth) -> Result<Json<CatalogueView>, Roles> {
        Ok(Json(catalogue_view(svc::catalogue(&self.state, &auth.0).await?)))
    }

    /// Adds a metric, or a new version of one with the same key (staff)
    ///
    /// `rollup` is `sum`, or `share` with the keys of its numerator and denominator. Answers 201 with the
    /// catalogue, and the metric's versions in `Location`.
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
                        .map(|(p, s)| ReportStatusView { period: p.to_string(), status: s })
                        .collect(),
                })
                .collect(),
        }))
    }

    /// The programme overview of one period as a PDF (staff)
    ///
    /// A summary table, then a page per proeftuin.
    #[oai(path = "/monitoring/overview.pdf", method = "get")]
    async fn overview_pdf(
        &self,
        auth: TokenAuth,
        period: Query<String>,
    ) -> Result<MonitoringPdfAnswer, Compute> {
        let o = svc::overview(&self.state, &auth.0, &period.0).await?;
        let bytes = crate::service::monitoring::pdf::overview(&o, self.state.now())?;
        Ok(pdf_answer(bytes, &format!("monitor-{}.pdf", o.period)))
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
