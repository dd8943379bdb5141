//! The metric catalogue (every version of every metric) and the due-date settings.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{metric, monitoring_setting};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder,
};

use crate::domain::monitoring::{DueSettings, Metric, RollUp};
use crate::error::DomainError;

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

/// The due settings of every call that has its own, by call id, in one query.
pub async fn all_settings<C: ConnectionTrait>(
    db: &C,
) -> Result<std::collections::HashMap<i32, DueSettings>, DbErr> {
    Ok(monitoring_setting::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            let due = DueSettings {
                annual_plan_due: s.annual_plan_due,
                report_due_weeks: s.report_due_weeks.max(0) as u32,
                reminder_days_before: s.reminder_days_before.max(0) as u32,
            };
            (s.call_id, due)
        })
        .collect())
}
