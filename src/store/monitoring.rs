//! Proeftuinen, grants, the metric catalogue, annual plans, progress reports and their figures.
//! Amounts are canonical decimal text and are summed in Rust; counts are integers.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    annual_plan, annual_plan_line, metric, monitoring_setting, proeftuin, proeftuin_grant,
    progress_report, report_figure,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::domain::money::Money;
use crate::domain::monitoring::{DueSettings, Metric, PlanLine, RollUp};
use crate::error::DomainError;

pub fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_date(s: &str) -> Result<NaiveDate, DomainError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| DomainError::internal(format!("stored date {s:?}: {e}")))
}

pub fn parse_money(s: &str) -> Result<Money, DomainError> {
    Money::parse(s).map_err(|e| DomainError::internal(format!("stored amount {s:?}: {e}")))
}

// ------------------------------------------------------------------ proeftuinen

pub struct NewProeftuin {
    pub r#ref: String,
    pub name: String,
    pub region_id: i32,
    pub call_id: Option<i32>,
    pub application_id: Option<i32>,
    pub tranche: Option<i32>,
    pub started_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub reporting: String,
    pub record: String,
}

pub async fn insert_proeftuin<C: ConnectionTrait>(
    db: &C,
    p: NewProeftuin,
    now: DateTime<Utc>,
) -> Result<proeftuin::Model, DbErr> {
    proeftuin::ActiveModel {
        r#ref: Set(p.r#ref),
        name: Set(p.name),
        region_id: Set(p.region_id),
        call_id: Set(p.call_id),
        application_id: Set(p.application_id),
        tranche: Set(p.tranche),
        started_on: Set(date_text(p.started_on)),
        ends_on: Set(p.ends_on.map(date_text)),
        reporting: Set(p.reporting),
        record: Set(p.record),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn proeftuin<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<proeftuin::Model>, DbErr> {
    proeftuin::Entity::find_by_id(id).one(db).await
}

pub async fn proeftuin_by_ref<C: ConnectionTrait>(
    db: &C,
    r: &str,
) -> Result<Option<proeftuin::Model>, DbErr> {
    proeftuin::Entity::find().filter(proeftuin::Column::Ref.eq(r)).one(db).await
}

pub async fn proeftuin_by_application<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<Option<proeftuin::Model>, DbErr> {
    proeftuin::Entity::find()
        .filter(proeftuin::Column::ApplicationId.eq(application_id))
        .one(db)
        .await
}

/// All proeftuinen by id, or those of one region.
pub async fn proeftuinen<C: ConnectionTrait>(
    db: &C,
    region_id: Option<i32>,
) -> Result<Vec<proeftuin::Model>, DbErr> {
    let mut q = proeftuin::Entity::find();
    if let Some(r) = region_id {
        q = q.filter(proeftuin::Column::RegionId.eq(r));
    }
    q.order_by_asc(proeftuin::Column::Id).all(db).await
}

pub async fn update_proeftuin<C: ConnectionTrait>(
    db: &C,
    id: i32,
    name: String,
    ends_on: Option<NaiveDate>,
    reporting: String,
    record: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    proeftuin::ActiveModel {
        id: Set(id),
        name: Set(name),
        ends_on: Set(ends_on.map(date_text)),
        reporting: Set(reporting),
        record: Set(record),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Touches the proeftuin row: being an UPDATE it locks it until the transaction ends, so two
/// reports of one proeftuin are checked for overlap one after the other.
pub async fn lock_proeftuin<C: ConnectionTrait>(
    db: &C,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    proeftuin::Entity::update_many()
        .col_expr(proeftuin::Column::UpdatedAt, Expr::value(now))
        .filter(proeftuin::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A grant line of a proeftuin, as `insert_grant` writes it.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub proeftuin_id: i32,
    pub call_id: Option<i32>,
    pub application_id: Option<i32>,
    pub amount: Money,
    pub description: String,
    pub granted_on: NaiveDate,
}

pub async fn insert_grant<C: ConnectionTrait>(
    db: &C,
    grant: NewGrant,
    now: DateTime<Utc>,
) -> Result<proeftuin_grant::Model, DbErr> {
    let NewGrant { proeftuin_id, call_id, application_id, amount, description, granted_on } = grant;
    proeftuin_grant::ActiveModel {
        proeftuin_id: Set(proeftuin_id),
        call_id: Set(call_id),
        application_id: Set(application_id),
        amount: Set(amount.to_string()),
        description: Set(description),
        granted_on: Set(date_text(granted_on)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn grants<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
) -> Result<Vec<proeftuin_grant::Model>, DbErr> {
    proeftuin_grant::Entity::find()
        .filter(proeftuin_grant::Column::ProeftuinId.eq(proeftuin_id))
        .order_by_asc(proeftuin_grant::Column::Id)
        .all(db)
        .await
}

// ------------------------------------------------------------------ catalogue

#[derive(Debug, Clone)]
pub struct CatalogueEntry {
    pub metric: Metric,
    pub version: i32,
    pub position: i32,
    pub retired: bool,
    pub changed_at: DateTime<Utc>,
}

fn metric_of(m: &metric::Model) -> Result<Metric, DomainError> {
    let rollup = match (m.rollup.as_str(), &m.numerator, &m.denominator) {
        ("sum", _, _) => RollUp::Sum,
        ("share", Some(n), Some(d)) => {
            RollUp::Share { numerator: n.clone(), denominator: d.clone() }
        }
        _ => return Err(DomainError::internal(format!("metric {} has a bad roll-up", m.key))),
    };
    Ok(Metric { key: m.key.clone(), label_nl: m.label_nl.clone(), unit: m.unit.clone(), rollup })
}

/// Every version of every metric, oldest first.
pub async fn metric_versions<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<CatalogueEntry>, DomainError> {
    metric::Entity::find()
        .order_by_asc(metric::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|m| {
            Ok(CatalogueEntry {
                metric: metric_of(m)?,
                version: m.version,
                position: m.position,
                retired: m.retired,
                changed_at: m.created_at,
            })
        })
        .collect()
}

/// The catalogue in force (the latest version of every key, retired ones included), in table
/// order, and its version: the number of changes ever made to it.
pub async fn catalogue<C: ConnectionTrait>(
    db: &C,
) -> Result<(Vec<CatalogueEntry>, i32), DomainError> {
    let all = metric_versions(db).await?;
    let version = all.len() as i32;
    let mut latest: BTreeMap<String, CatalogueEntry> = BTreeMap::new();
    for e in all {
        latest.insert(e.metric.key.clone(), e);
    }
    let mut out: Vec<CatalogueEntry> = latest.into_values().collect();
    out.sort_by_key(|e| (e.position, e.metric.key.clone()));
    Ok((out, version))
}

pub async fn insert_metric_version<C: ConnectionTrait>(
    db: &C,
    m: &Metric,
    version: i32,
    position: i32,
    retired: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (rollup, numerator, denominator) = match &m.rollup {
        RollUp::Sum => ("sum", None, None),
        RollUp::Share { numerator, denominator } => {
            ("share", Some(numerator.clone()), Some(denominator.clone()))
        }
    };
    metric::ActiveModel {
        key: Set(m.key.clone()),
        version: Set(version),
        label_nl: Set(m.label_nl.clone()),
        unit: Set(m.unit.clone()),
        rollup: Set(rollup.to_string()),
        numerator: Set(numerator),
        denominator: Set(denominator),
        position: Set(position),
        retired: Set(retired),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ settings

pub async fn settings<C: ConnectionTrait>(
    db: &C,
    call_id: Option<i32>,
) -> Result<DueSettings, DbErr> {
    let Some(call_id) = call_id else { return Ok(DueSettings::default()) };
    Ok(monitoring_setting::Entity::find_by_id(call_id).one(db).await?.map_or_else(
        DueSettings::default,
        |s| DueSettings {
            annual_plan_due: s.annual_plan_due,
            report_due_weeks: s.report_due_weeks.max(0) as u32,
            reminder_days_before: s.reminder_days_before.max(0) as u32,
        },
    ))
}

pub async fn put_settings<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    s: &DueSettings,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = monitoring_setting::ActiveModel {
        call_id: Set(call_id),
        annual_plan_due: Set(s.annual_plan_due.clone()),
        report_due_weeks: Set(s.report_due_weeks as i32),
        reminder_days_before: Set(s.reminder_days_before as i32),
        updated_at: Set(now),
    };
    if monitoring_setting::Entity::find_by_id(call_id).one(db).await?.is_some() {
        row.update(db).await?;
    } else {
        row.insert(db).await?;
    }
    Ok(())
}

// ------------------------------------------------------------------ annual plans

pub async fn insert_plan<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
    year: i32,
    content: String,
    due_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<annual_plan::Model, DbErr> {
    annual_plan::ActiveModel {
        proeftuin_id: Set(proeftuin_id),
        year: Set(year),
        status: Set(crate::domain::monitoring::status::DRAFT.to_string()),
        content: Set(content),
        due_on: Set(date_text(due_on)),
        comments: Set(None),
        submitted_at: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn plan<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<annual_plan::Model>, DbErr> {
    annual_plan::Entity::find_by_id(id).one(db).await
}

pub async fn plan_of_year<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
    year: i32,
) -> Result<Option<annual_plan::Model>, DbErr> {
    annual_plan::Entity::find()
        .filter(annual_plan::Column::ProeftuinId.eq(proeftuin_id))
        .filter(annual_plan::Column::Year.eq(year))
        .one(db)
        .await
}

pub async fn plans<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
) -> Result<Vec<annual_plan::Model>, DbErr> {
    annual_plan::Entity::find()
        .filter(annual_plan::Column::ProeftuinId.eq(proeftuin_id))
        .order_by_asc(annual_plan::Column::Year)
        .all(db)
        .await
}

pub async fn update_plan_content<C: ConnectionTrait>(
    db: &C,
    id: i32,
    content: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    annual_plan::ActiveModel {
        id: Set(id),
        content: Set(content),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Moves a plan from `from` to `to`; `false` when it was not in `from` any more.
pub async fn set_plan_status<C: ConnectionTrait>(
    db: &C,
    id: i32,
    from: &str,
    to: &str,
    comments: Option<Option<String>>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = annual_plan::Entity::update_many()
        .col_expr(annual_plan::Column::Status, Expr::value(to))
        .col_expr(annual_plan::Column::UpdatedAt, Expr::value(now));
    q = if to == crate::domain::monitoring::status::SUBMITTED {
        q.col_expr(annual_plan::Column::SubmittedAt, Expr::value(now))
    } else {
        q.col_expr(annual_plan::Column::DecidedAt, Expr::value(now))
    };
    if let Some(c) = comments {
        q = q.col_expr(annual_plan::Column::Comments, Expr::value(c));
    }
    let r = q
        .filter(annual_plan::Column::Id.eq(id))
        .filter(annual_plan::Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn replace_plan_lines<C: ConnectionTrait>(
    db: &C,
    plan_id: i32,
    lines: &[PlanLine],
) -> Result<(), DbErr> {
    annual_plan_line::Entity::delete_many()
        .filter(annual_plan_line::Column::PlanId.eq(plan_id))
        .exec(db)
        .await?;
    for (i, l) in lines.iter().enumerate() {
        annual_plan_line::ActiveModel {
            plan_id: Set(plan_id),
            position: Set(i as i32),
            description: Set(l.description.clone()),
            total_cost: Set(l.total_cost.to_string()),
            own_contribution: Set(l.own_contribution.to_string()),
            grant_amount: Set(l.grant.to_string()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn plan_lines<C: ConnectionTrait>(
    db: &C,
    plan_id: i32,
) -> Result<Vec<PlanLine>, DomainError> {
    annual_plan_line::Entity::find()
        .filter(annual_plan_line::Column::PlanId.eq(plan_id))
        .order_by_asc(annual_plan_line::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|l| {
            Ok(PlanLine {
                description: l.description,
                total_cost: parse_money(&l.total_cost)?,
                own_contribution: parse_money(&l.own_contribution)?,
                grant: parse_money(&l.grant_amount)?,
            })
        })
        .collect()
}

// ------------------------------------------------------------------ progress reports

pub struct NewReport {
    pub proeftuin_id: i32,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub narrative: String,
    pub costs_realised: Money,
    pub catalogue_version: i32,
    pub due_on: NaiveDate,
}

pub async fn insert_report<C: ConnectionTrait>(
    db: &C,
    r: NewReport,
    now: DateTime<Utc>,
) -> Result<progress_report::Model, DbErr> {
    progress_report::ActiveModel {
        proeftuin_id: Set(r.proeftuin_id),
        period: Set(r.period),
        period_start: Set(date_text(r.period_start)),
        period_end: Set(date_text(r.period_end)),
        status: Set(crate::domain::monitoring::status::DRAFT.to_string()),
        narrative: Set(r.narrative),
        costs_realised: Set(r.costs_realised.to_string()),
        catalogue_version: Set(r.catalogue_version),
        due_on: Set(date_text(r.due_on)),
        comments: Set(None),
        submitted_at: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn report<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<progress_report::Model>, DbErr> {
    progress_report::Entity::find_by_id(id).one(db).await
}

/// The reports of one proeftuin, or of all, by period start then id.
pub async fn reports<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: Option<i32>,
) -> Result<Vec<progress_report::Model>, DbErr> {
    let mut q = progress_report::Entity::find();
    if let Some(p) = proeftuin_id {
        q = q.filter(progress_report::Column::ProeftuinId.eq(p));
    }
    q.order_by_asc(progress_report::Column::ProeftuinId)
        .order_by_asc(progress_report::Column::PeriodEnd)
        .order_by_desc(progress_report::Column::PeriodStart)
        .all(db)
        .await
}

pub async fn update_report<C: ConnectionTrait>(
    db: &C,
    id: i32,
    narrative: String,
    costs_realised: Money,
    catalogue_version: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    progress_report::ActiveModel {
        id: Set(id),
        narrative: Set(narrative),
        costs_realised: Set(costs_realised.to_string()),
        catalogue_version: Set(catalogue_version),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn set_report_status<C: ConnectionTrait>(
    db: &C,
    id: i32,
    from: &str,
    to: &str,
    comments: Option<Option<String>>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = progress_report::Entity::update_many()
        .col_expr(progress_report::Column::Status, Expr::value(to))
        .col_expr(progress_report::Column::UpdatedAt, Expr::value(now));
    q = if to == crate::domain::monitoring::status::SUBMITTED {
        q.col_expr(progress_report::Column::SubmittedAt, Expr::value(now))
    } else {
        q.col_expr(progress_report::Column::DecidedAt, Expr::value(now))
    };
    if let Some(c) = comments {
        q = q.col_expr(progress_report::Column::Comments, Expr::value(c));
    }
    let r = q
        .filter(progress_report::Column::Id.eq(id))
        .filter(progress_report::Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn replace_figures<C: ConnectionTrait>(
    db: &C,
    report_id: i32,
    figures: &BTreeMap<String, i64>,
) -> Result<(), DbErr> {
    report_figure::Entity::delete_many()
        .filter(report_figure::Column::ReportId.eq(report_id))
        .exec(db)
        .await?;
    for (k, v) in figures {
        report_figure::ActiveModel {
            report_id: Set(report_id),
            metric_key: Set(k.clone()),
            value: Set(*v),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The counts of each report, by report id.
pub async fn figures<C: ConnectionTrait>(
    db: &C,
    report_ids: &[i32],
) -> Result<BTreeMap<i32, BTreeMap<String, i64>>, DbErr> {
    let mut out: BTreeMap<i32, BTreeMap<String, i64>> =
        report_ids.iter().map(|id| (*id, BTreeMap::new())).collect();
    if report_ids.is_empty() {
        return Ok(out);
    }
    for f in report_figure::Entity::find()
        .filter(report_figure::Column::ReportId.is_in(report_ids.to_vec()))
        .all(db)
        .await?
    {
        out.entry(f.report_id).or_default().insert(f.metric_key, f.value);
    }
    Ok(out)
}

pub async fn count_reports<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    progress_report::Entity::find().count(db).await
}
