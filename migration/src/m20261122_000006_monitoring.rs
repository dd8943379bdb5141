//! Monitoring of the proeftuinen: the proeftuin record and its grants, the metric catalogue
//! (seeded with the programme's default catalogue), annual plans with budget lines, progress
//! reports with their figures, and per-call due-date settings. Amounts are canonical decimal
//! text; counts are 64-bit integers; dates are `YYYY-MM-DD` text.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The default catalogue of `shared/domain/monitoring.md`: (key, Dutch label, unit, roll-up,
/// numerator, denominator).
type CatalogueRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const DEFAULT_CATALOGUE: [CatalogueRow; 8] = [
    ("cases_discussed", "Besproken casus", "count", "sum", None, None),
    ("consultation_advice", "Consultatie & Advies", "count", "sum", None, None),
    ("network_meetings", "Netwerkberaden met partners", "count", "sum", None, None),
    ("rvdk_intervention_talks", "Interventiegesprek RvdK", "count", "sum", None, None),
    ("guidance_with_local_team", "Begeleiding i.s.m. lokaal team", "count", "sum", None, None),
    ("households_without_children", "Huishoudens zonder kinderen", "count", "sum", None, None),
    ("registrations", "Aanmeldingen", "count", "sum", None, None),
    (
        "share_households_without_children",
        "Aandeel huishoudens zonder kinderen",
        "percent",
        "share",
        Some("households_without_children"),
        Some("registrations"),
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Proeftuinen::Table)
                    .col(pk_auto(Proeftuinen::Id))
                    .col(string_uniq(Proeftuinen::Ref))
                    .col(string(Proeftuinen::Name))
                    .col(integer(Proeftuinen::RegionId))
                    .col(integer_null(Proeftuinen::CallId))
                    .col(integer_null(Proeftuinen::ApplicationId).unique_key())
                    .col(integer_null(Proeftuinen::Tranche))
                    .col(string(Proeftuinen::StartedOn))
                    .col(string_null(Proeftuinen::EndsOn))
                    .col(string(Proeftuinen::Reporting))
                    .col(text(Proeftuinen::Record))
                    .col(timestamp_with_time_zone(Proeftuinen::CreatedAt))
                    .col(timestamp_with_time_zone(Proeftuinen::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProeftuinGrants::Table)
                    .col(pk_auto(ProeftuinGrants::Id))
                    .col(integer(ProeftuinGrants::ProeftuinId))
                    .col(integer_null(ProeftuinGrants::CallId))
                    .col(integer_null(ProeftuinGrants::ApplicationId))
                    .col(string(ProeftuinGrants::Amount))
                    .col(text(ProeftuinGrants::Description))
                    .col(string(ProeftuinGrants::GrantedOn))
                    .col(timestamp_with_time_zone(ProeftuinGrants::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Metrics::Table)
                    .col(pk_auto(Metrics::Id))
                    .col(string(Metrics::Key))
                    .col(integer(Metrics::Version))
                    .col(string(Metrics::LabelNl))
                    .col(string(Metrics::Unit))
                    .col(string(Metrics::Rollup))
                    .col(string_null(Metrics::Numerator))
                    .col(string_null(Metrics::Denominator))
                    .col(integer(Metrics::Position))
                    .col(boolean(Metrics::Retired))
                    .col(timestamp_with_time_zone(Metrics::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_metrics_key_version")
                    .table(Metrics::Table)
                    .col(Metrics::Key)
                    .col(Metrics::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnnualPlans::Table)
                    .col(pk_auto(AnnualPlans::Id))
                    .col(integer(AnnualPlans::ProeftuinId))
                    .col(integer(AnnualPlans::Year))
                    .col(string(AnnualPlans::Status))
                    .col(text(AnnualPlans::Content))
                    .col(string(AnnualPlans::DueOn))
                    .col(text_null(AnnualPlans::Comments))
                    .col(timestamp_with_time_zone_null(AnnualPlans::SubmittedAt))
                    .col(timestamp_with_time_zone_null(AnnualPlans::DecidedAt))
                    .col(timestamp_with_time_zone(AnnualPlans::CreatedAt))
                    .col(timestamp_with_time_zone(AnnualPlans::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_annual_plans")
                    .table(AnnualPlans::Table)
                    .col(AnnualPlans::ProeftuinId)
                    .col(AnnualPlans::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnnualPlanLines::Table)
                    .col(pk_auto(AnnualPlanLines::Id))
                    .col(integer(AnnualPlanLines::PlanId))
                    .col(integer(AnnualPlanLines::Position))
                    .col(text(AnnualPlanLines::Description))
                    .col(string(AnnualPlanLines::TotalCost))
                    .col(string(AnnualPlanLines::OwnContribution))
                    .col(string(AnnualPlanLines::GrantAmount))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProgressReports::Table)
                    .col(pk_auto(ProgressReports::Id))
                    .col(integer(ProgressReports::ProeftuinId))
                    .col(string(ProgressReports::Period))
                    .col(string(ProgressReports::PeriodStart))
                    .col(string(ProgressReports::PeriodEnd))
                    .col(string(ProgressReports::Status))
                    .col(text(ProgressReports::Narrative))
                    .col(string(ProgressReports::CostsRealised))
                    .col(integer(ProgressReports::CatalogueVersion))
                    .col(string(ProgressReports::DueOn))
                    .col(text_null(ProgressReports::Comments))
                    .col(timestamp_with_time_zone_null(ProgressReports::SubmittedAt))
                    .col(timestamp_with_time_zone_null(ProgressReports::DecidedAt))
                    .col(timestamp_with_time_zone(ProgressReports::CreatedAt))
                    .col(timestamp_with_time_zone(ProgressReports::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_progress_reports")
                    .table(ProgressReports::Table)
                    .col(ProgressReports::ProeftuinId)
                    .col(ProgressReports::Period)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReportFigures::Table)
                    .col(pk_auto(ReportFigures::Id))
                    .col(integer(ReportFigures::ReportId))
                    .col(string(ReportFigures::MetricKey))
                    .col(big_integer(ReportFigures::Value))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_report_figures")
                    .table(ReportFigures::Table)
                    .col(ReportFigures::ReportId)
                    .col(ReportFigures::MetricKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MonitoringSettings::Table)
                    .col(integer(MonitoringSettings::CallId).primary_key())
                    .col(string(MonitoringSettings::AnnualPlanDue))
                    .col(integer(MonitoringSettings::ReportDueWeeks))
                    .col(integer(MonitoringSettings::ReminderDaysBefore))
                    .col(timestamp_with_time_zone(MonitoringSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // The default catalogue, version 1 of each metric.
        for (position, (key, label, unit, rollup, numerator, denominator)) in
            DEFAULT_CATALOGUE.iter().enumerate()
        {
            let insert = Query::insert()
                .into_table(Metrics::Table)
                .columns([
                    Metrics::Key,
                    Metrics::Version,
                    Metrics::LabelNl,
                    Metrics::Unit,
                    Metrics::Rollup,
                    Metrics::Numerator,
                    Metrics::Denominator,
                    Metrics::Position,
                    Metrics::Retired,
                    Metrics::CreatedAt,
                ])
                .values_panic([
                    (*key).into(),
                    1.into(),
                    (*label).into(),
                    (*unit).into(),
                    (*rollup).into(),
                    numerator.map(str::to_string).into(),
                    denominator.map(str::to_string).into(),
                    (position as i32).into(),
                    false.into(),
                    Expr::current_timestamp(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MonitoringSettings::Table.into_iden(),
            ReportFigures::Table.into_iden(),
            ProgressReports::Table.into_iden(),
            AnnualPlanLines::Table.into_iden(),
            AnnualPlans::Table.into_iden(),
            Metrics::Table.into_iden(),
            ProeftuinGrants::Table.into_iden(),
            Proeftuinen::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Proeftuinen {
    Table,
    Id,
    Ref,
    Name,
    RegionId,
    CallId,
    ApplicationId,
    Tranche,
    StartedOn,
    EndsOn,
    Reporting,
    Record,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProeftuinGrants {
    Table,
    Id,
    ProeftuinId,
    CallId,
    ApplicationId,
    Amount,
    Description,
    GrantedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Metrics {
    Table,
    Id,
    Key,
    Version,
    LabelNl,
    Unit,
    Rollup,
    Numerator,
    Denominator,
    Position,
    Retired,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AnnualPlans {
    Table,
    Id,
    ProeftuinId,
    Year,
    Status,
    Content,
    DueOn,
    Comments,
    SubmittedAt,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnnualPlanLines {
    Table,
    Id,
    PlanId,
    Position,
    Description,
    TotalCost,
    OwnContribution,
    GrantAmount,
}

#[derive(DeriveIden)]
enum ProgressReports {
    Table,
    Id,
    ProeftuinId,
    Period,
    PeriodStart,
    PeriodEnd,
    Status,
    Narrative,
    CostsRealised,
    CatalogueVersion,
    DueOn,
    Comments,
    SubmittedAt,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReportFigures {
    Table,
    Id,
    ReportId,
    MetricKey,
    Value,
}

#[derive(DeriveIden)]
enum MonitoringSettings {
    Table,
    CallId,
    AnnualPlanDue,
    ReportDueWeeks,
    ReminderDaysBefore,
    UpdatedAt,
}
