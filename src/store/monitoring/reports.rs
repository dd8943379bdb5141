//! Progress reports and their figures.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{progress_report, report_figure};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};

use super::date_text;
use crate::domain::money::Money;

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
