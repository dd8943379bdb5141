//! The metric catalogue and its versions.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::json;

use super::access::monitoring_roles;
use crate::domain::monitoring::{self as m, Metric};
use crate::error::{DomainError, FieldError};
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit};
use crate::store::monitoring as db;

#[derive(Debug, Clone, Serialize)]
pub struct CatalogueMetric {
    pub metric: Metric,
    pub version: i32,
    pub retired: bool,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    /// The number of changes ever made to the catalogue.
    pub version: i32,
    pub metrics: Vec<CatalogueMetric>,
}

impl Catalogue {
    /// The metrics a report may give and tables show (not retired).
    pub fn active(&self) -> Vec<Metric> {
        self.metrics.iter().filter(|m| !m.retired).map(|m| m.metric.clone()).collect()
    }

    /// Every metric, retired ones too, for reading old figures.
    pub fn all(&self) -> Vec<Metric> {
        self.metrics.iter().map(|m| m.metric.clone()).collect()
    }

    pub fn label(&self, key: &str) -> String {
        self.metrics
            .iter()
            .find(|m| m.metric.key == key)
            .map_or(key.to_string(), |m| m.metric.label_nl.clone())
    }
}

#[tracing::instrument(skip_all)]
pub async fn catalogue_of<C: ConnectionTrait>(db: &C) -> Result<Catalogue, DomainError> {
    let (entries, version) = db::catalogue(db).await?;
    Ok(Catalogue {
        version,
        metrics: entries
            .into_iter()
            .map(|e| CatalogueMetric {
                metric: e.metric,
                version: e.version,
                retired: e.retired,
                changed_at: e.changed_at,
            })
            .collect(),
    })
}

#[tracing::instrument(skip_all)]
pub async fn catalogue(state: &AppState, who: &Principal) -> Result<Catalogue, DomainError> {
    monitoring_roles(who)?;
    catalogue_of(&state.db).await
}

#[tracing::instrument(skip_all, fields(metric = key))]
pub async fn metric_history(
    state: &AppState,
    who: &Principal,
    key: &str,
) -> Result<Vec<CatalogueMetric>, DomainError> {
    monitoring_roles(who)?;
    let all: Vec<CatalogueMetric> = db::metric_versions(&state.db)
        .await?
        .into_iter()
        .filter(|e| e.metric.key == key)
        .map(|e| CatalogueMetric {
            metric: e.metric,
            version: e.version,
            retired: e.retired,
            changed_at: e.changed_at,
        })
        .collect();
    if all.is_empty() {
        return Err(DomainError::NotFound(format!("metric {key}")));
    }
    Ok(all)
}

/// Adds a metric, or a new version of an existing one (a changed label, unit or rule, or its
/// retirement). Figures stay stored by key; the catalogue's version goes up by one.
#[tracing::instrument(skip_all, fields(metric = %metric.key))]
pub async fn define_metric(
    state: &AppState,
    who: &Principal,
    metric: Metric,
    retired: bool,
) -> Result<Catalogue, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    let current = catalogue_of(&txn).await?;
    let others: Vec<Metric> = current
        .metrics
        .iter()
        .filter(|c| !c.retired && c.metric.key != metric.key)
        .map(|c| c.metric.clone())
        .collect();
    let mut errors = m::metric_problems(&metric, &others);
    let existing = current.metrics.iter().find(|c| c.metric.key == metric.key);
    if retired && m::share_depends_on(&others, &metric.key) {
        errors.push(FieldError::new("retired", "a share in force is computed from this metric"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let (version, position) = match existing {
        Some(e) => {
            if e.metric == metric && e.retired == retired {
                return Err(DomainError::Conflict(format!(
                    "metric {} is like this already",
                    metric.key
                )));
            }
            let position = db::catalogue(&txn)
                .await?
                .0
                .iter()
                .find(|x| x.metric.key == metric.key)
                .map_or(0, |x| x.position);
            (e.version + 1, position)
        }
        None => (1, current.metrics.len() as i32),
    };
    db::insert_metric_version(&txn, &metric, version, position, retired, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "metric.defined",
            entity_type: "metric",
            entity_id: metric.key.to_string(),
            reason: None,
            details: json!({"version": version, "metric": metric, "retired": retired}),
        },
    )
    .await?;
    let out = catalogue_of(&txn).await?;
    txn.commit().await?;
    Ok(out)
}
