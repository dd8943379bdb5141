//! Progress reports and their workflow.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{proeftuin, progress_report};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::access::{life_of, visible};
use super::catalogue::{Catalogue, catalogue_of};
use super::today;
use crate::domain::money::Money;
use crate::domain::monitoring::{self as m, Period, Step};
use crate::error::{DomainError, FieldError};
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit};
use crate::store::monitoring as db;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    /// Per basic principle (`family_oriented`, `legally_protective_transparent`, `simplicity`,
    /// `learning`).
    #[serde(default)]
    pub principles: BTreeMap<String, String>,
    /// Per core element.
    #[serde(default)]
    pub core_elements: BTreeMap<String, String>,
    #[serde(default)]
    pub lessons: String,
    #[serde(default)]
    pub obstacles: String,
}

#[derive(Debug, Clone)]
pub struct ReportInput {
    pub period: String,
    pub figures: BTreeMap<String, Value>,
    pub narrative: Narrative,
    /// `None` where the amount did not parse (reported in `input_errors`).
    pub costs_realised: Option<Money>,
    pub input_errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgressReport {
    pub id: i32,
    pub proeftuin_id: i32,
    pub period: Period,
    pub status: m::Status,
    pub counts: BTreeMap<String, i64>,
    /// The counts with every share recomputed.
    pub figures: BTreeMap<String, m::FigureValue>,
    pub narrative: Narrative,
    pub costs_realised: Money,
    pub catalogue_version: i32,
    pub due_on: NaiveDate,
    pub comments: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub(super) fn period_of(r: &progress_report::Model) -> Result<Period, DomainError> {
    Period::parse(&r.period)
        .ok_or_else(|| DomainError::internal(format!("stored period {}", r.period)))
}

pub(super) async fn report_of<C: ConnectionTrait>(
    db: &C,
    r: progress_report::Model,
    catalogue: &Catalogue,
) -> Result<ProgressReport, DomainError> {
    let counts = db::figures(db, &[r.id]).await?.remove(&r.id).unwrap_or_default();
    Ok(ProgressReport {
        id: r.id,
        proeftuin_id: r.proeftuin_id,
        period: period_of(&r)?,
        status: m::Status::parse(&r.status)
            .ok_or_else(|| DomainError::internal(format!("stored status {}", r.status)))?,
        figures: m::figures_of(&catalogue.all(), &counts),
        counts,
        narrative: serde_json::from_str(&r.narrative).map_err(DomainError::internal)?,
        costs_realised: db::parse_money(&r.costs_realised)?,
        catalogue_version: r.catalogue_version,
        due_on: db::parse_date(&r.due_on)?,
        comments: r.comments,
        submitted_at: r.submitted_at,
        decided_at: r.decided_at,
    })
}

/// Every problem of a report's content at once: figures against the catalogue, narrative keys.
fn report_problems(
    input: &ReportInput,
    catalogue: &Catalogue,
) -> (BTreeMap<String, i64>, Vec<FieldError>) {
    let mut errors = input.input_errors.clone();
    let figures = match m::parse_figures(&catalogue.active(), &input.figures) {
        Ok(f) => f,
        Err(e) => {
            errors.extend(e);
            BTreeMap::new()
        }
    };
    errors.extend(m::unknown_keys(
        "narrative.principles",
        &input.narrative.principles,
        &m::PRINCIPLES,
    ));
    errors.extend(m::unknown_keys(
        "narrative.core_elements",
        &input.narrative.core_elements,
        &m::CORE_ELEMENTS,
    ));
    (figures, errors)
}

async fn report_visible<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
) -> Result<(progress_report::Model, proeftuin::Model), DomainError> {
    let r = db::report(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("progress report {id}")))?;
    let p = visible(db, who, r.proeftuin_id).await.map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound(format!("progress report {id}")),
        other => other,
    })?;
    Ok((r, p))
}

/// Starts a report (a draft) with its content. Refused, with nothing stored, when the period is
/// not a period, lies outside the proeftuin's life, or overlaps a report the proeftuin has
/// already (the same period, or a finer or coarser one of the same span: see the roll-up rule).
#[tracing::instrument(skip_all, fields(proeftuin_id))]
pub async fn create_report(
    state: &AppState,
    who: &Principal,
    proeftuin_id: i32,
    input: ReportInput,
) -> Result<ProgressReport, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    let p = visible(&txn, who, proeftuin_id).await?;
    let catalogue = catalogue_of(&txn).await?;
    let (figures, mut errors) = report_problems(&input, &catalogue);
    let period = Period::parse(&input.period);
    match period {
        None => errors.push(FieldError::new("period", m::PERIOD_FORMAT)),
        Some(period) => {
            if let Err(why) = life_of(&p)?.admits(&period, today(now)) {
                errors.push(FieldError::new(
                    "period",
                    format!("outside the proeftuin's life: {why}"),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let Some(period) = period else {
        return Err(DomainError::internal("a report without a period"));
    };
    db::lock_proeftuin(&txn, proeftuin_id, now).await?;
    let existing = db::reports(&txn, Some(proeftuin_id))
        .await?
        .iter()
        .map(|o| Ok((o.id, period_of(o)?)))
        .collect::<Result<Vec<_>, DomainError>>()?;
    m::overlap_with(&period, &existing).map_err(DomainError::Conflict)?;
    let settings = db::settings(&txn, p.call_id).await?;
    let row = db::insert_report(
        &txn,
        db::NewReport {
            proeftuin_id,
            period: period.to_string(),
            period_start: period.start(),
            period_end: period.end(),
            narrative: serde_json::to_string(&input.narrative).map_err(DomainError::internal)?,
            costs_realised: input.costs_realised.unwrap_or(Money::ZERO),
            catalogue_version: catalogue.version,
            due_on: settings.report_due_on(&period),
        },
        now,
    )
    .await?;
    db::replace_figures(&txn, row.id, &figures).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "progress_report.created",
            entity_type: "progress_report",
            entity_id: row.id.to_string(),
            reason: None,
            details: json!({"proeftuin_id": proeftuin_id, "period": period}),
        },
    )
    .await?;
    let out = report_of(&txn, row, &catalogue).await?;
    txn.commit().await?;
    Ok(out)
}

/// Replaces a draft's or a returned report's content; the period does not change.
#[tracing::instrument(skip_all, fields(report_id = id))]
pub async fn update_report(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: ReportInput,
) -> Result<ProgressReport, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    let (r, _) = report_visible(&txn, who, id).await?;
    m::next_status(&r.status, Step::Edit).map_err(DomainError::Conflict)?;
    let catalogue = catalogue_of(&txn).await?;
    let (figures, mut errors) = report_problems(&input, &catalogue);
    if Period::parse(&input.period).map(|p| p.to_string()) != Some(r.period.clone()) {
        errors.push(FieldError::new(
            "period",
            format!("the period of a report does not change (it is {})", r.period),
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let narrative = serde_json::to_string(&input.narrative).map_err(DomainError::internal)?;
    db::update_report(
        &txn,
        id,
        narrative,
        input.costs_realised.unwrap_or(Money::ZERO),
        catalogue.version,
        now,
    )
    .await?;
    db::replace_figures(&txn, id, &figures).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "progress_report.updated",
            entity_type: "progress_report",
            entity_id: id.to_string(),
            reason: None,
            details: json!({}),
        },
    )
    .await?;
    let out = report_of(
        &txn,
        db::report(&txn, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("progress report {id}")))?,
        &catalogue,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all, fields(report_id = id))]
pub async fn report_step(
    state: &AppState,
    who: &Principal,
    id: i32,
    step: Step,
    comments: Option<String>,
) -> Result<ProgressReport, DomainError> {
    if matches!(step, Step::Accept | Step::Return) {
        who.require(&[Role::Staff])?;
    }
    let comments =
        m::step_comments(step, comments).map_err(|e| DomainError::Validation(vec![e]))?;
    let now = state.now();
    let txn = state.write().await?;
    let (r, _) = report_visible(&txn, who, id).await?;
    let to = m::next_status(&r.status, step).map_err(DomainError::Conflict)?;
    let comments_change = (step == Step::Return).then_some(comments.clone());
    if !db::set_report_status(&txn, id, &r.status, to, comments_change, now).await? {
        return Err(DomainError::Conflict("the report changed meanwhile; read it again".into()));
    }
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: &format!("progress_report.{to}"),
            entity_type: "progress_report",
            entity_id: id.to_string(),
            reason: comments.as_deref(),
            details: json!({"from": r.status, "to": to, "period": r.period}),
        },
    )
    .await?;
    let catalogue = catalogue_of(&txn).await?;
    let out = report_of(
        &txn,
        db::report(&txn, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("progress report {id}")))?,
        &catalogue,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all, fields(report_id = id))]
pub async fn get_report(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<ProgressReport, DomainError> {
    let (r, _) = report_visible(&state.db, who, id).await?;
    let catalogue = catalogue_of(&state.db).await?;
    report_of(&state.db, r, &catalogue).await
}

#[tracing::instrument(skip_all, fields(proeftuin_id))]
pub async fn reports(
    state: &AppState,
    who: &Principal,
    proeftuin_id: i32,
) -> Result<Vec<ProgressReport>, DomainError> {
    visible(&state.db, who, proeftuin_id).await?;
    let catalogue = catalogue_of(&state.db).await?;
    let mut out = Vec::new();
    for r in db::reports(&state.db, Some(proeftuin_id)).await? {
        out.push(report_of(&state.db, r, &catalogue).await?);
    }
    Ok(out)
}
