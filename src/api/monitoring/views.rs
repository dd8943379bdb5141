//! The request and answer bodies of the monitoring API, and their conversions.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{ApiResponse, Object, payload::Binary, payload::PlainText};

use crate::api::types::DecimalInput;
use crate::domain::money::Money;
use crate::domain::monitoring::{
    self as m, Balance, ProeftuinRecord, RecordMunicipality, RollUp, RolledUp, Spending,
};
use crate::error::FieldError;
use crate::service::monitoring::{Catalogue, CatalogueMetric, Proeftuin};

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

pub(super) fn record_in(r: RecordDto) -> ProeftuinRecord {
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

pub(super) fn record_out(r: ProeftuinRecord) -> RecordDto {
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

pub(super) fn metric_view(c: CatalogueMetric) -> MetricView {
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

pub(super) fn catalogue_view(c: Catalogue) -> CatalogueView {
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

pub(super) fn rolled_view(r: RolledUp, catalogue: &Catalogue) -> RolledUpView {
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

pub(super) fn balance_view(b: Balance) -> SpendingBalanceView {
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

pub(super) fn spending_view(s: Spending) -> SpendingView {
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

pub(super) fn money_opt(
    input: &Option<DecimalInput>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Money> {
    input.as_ref().and_then(|d| d.money(field, errors))
}
