//! The researchers' export: every figure of every submitted or accepted report.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::progress_report;
use serde::Serialize;

use super::super::AppState;
use super::catalogue::catalogue_of;
use super::proeftuinen::{Proeftuin, proeftuin_of};
use super::reports::period_of;
use crate::domain::monitoring::{self as m};
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::store::monitoring as db;

#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
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
    /// A count, or a share in percent (empty when it cannot be computed).
    pub value: String,
}

/// Every figure of every submitted or accepted report: one row per proeftuin × period × metric.
#[tracing::instrument(skip_all)]
pub async fn export(state: &AppState, who: &Principal) -> Result<Vec<ExportRow>, DomainError> {
    who.require(&[Role::Staff])?;
    let catalogue = catalogue_of(&state.db).await?;
    let metrics = catalogue.all();
    let rows: Vec<progress_report::Model> = db::reports(&state.db, None)
        .await?
        .into_iter()
        .filter(|r| m::Status::parse(&r.status).is_some_and(m::Status::is_in))
        .collect();
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut counts = db::figures(&state.db, &ids).await?;
    let mut proeftuinen: BTreeMap<i32, Proeftuin> = BTreeMap::new();
    for p in db::proeftuinen(&state.db, None).await? {
        proeftuinen.insert(p.id, proeftuin_of(&state.db, p).await?);
    }
    let mut out = Vec::new();
    for r in rows {
        let Some(p) = proeftuinen.get(&r.proeftuin_id) else { continue };
        let period = period_of(&r)?;
        let figures = m::figures_of(&metrics, &counts.remove(&r.id).unwrap_or_default());
        for metric in &metrics {
            let Some(v) = figures.get(&metric.key) else { continue };
            out.push(ExportRow {
                proeftuin_ref: p.r#ref.clone(),
                proeftuin: p.name.clone(),
                region: p.region_name.clone(),
                period: period.to_string(),
                period_start: period.start(),
                period_end: period.end(),
                status: r.status.clone(),
                metric: metric.key.clone(),
                label_nl: metric.label_nl.clone(),
                unit: metric.unit.clone(),
                value: v.to_plain(),
            });
        }
    }
    Ok(out)
}

/// RFC 4180 CSV with a header line.
pub fn export_csv(rows: &[ExportRow]) -> String {
    fn cell(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::from(
        "proeftuin_ref,proeftuin,region,period,period_start,period_end,status,metric,label_nl,unit,value\r\n",
    );
    for r in rows {
        let cells = [
            cell(&r.proeftuin_ref),
            cell(&r.proeftuin),
            cell(&r.region),
            cell(&r.period),
            r.period_start.to_string(),
            r.period_end.to_string(),
            cell(&r.status),
            cell(&r.metric),
            cell(&r.label_nl),
            cell(&r.unit),
            cell(&r.value),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}
