//! Annual plans and their workflow.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{annual_plan, proeftuin};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access::{life_of, visible};
use crate::domain::money::Money;
use crate::domain::monitoring::{self as m, PlanLine, Step};
use crate::error::{DomainError, FieldError};
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit};
use crate::store::monitoring as db;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanContent {
    #[serde(default)]
    pub goals: Vec<String>,
    /// Per core element (`local_team`, `regional_safety_team`, ...).
    #[serde(default)]
    pub activities: BTreeMap<String, String>,
    #[serde(default)]
    pub team: Vec<String>,
    #[serde(default)]
    pub partners: Vec<String>,
    #[serde(default)]
    pub focus_points: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PlanInput {
    pub year: i32,
    pub content: PlanContent,
    /// `None` where an amount did not parse (reported in `input_errors`).
    pub lines: Vec<Option<PlanLine>>,
    pub input_errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnnualPlan {
    pub id: i32,
    pub proeftuin_id: i32,
    pub year: i32,
    pub status: m::Status,
    pub content: PlanContent,
    pub lines: Vec<PlanLine>,
    pub total_cost: Money,
    pub own_contribution: Money,
    pub grant: Money,
    pub due_on: NaiveDate,
    pub comments: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub(super) async fn plan_of<C: ConnectionTrait>(
    db: &C,
    p: annual_plan::Model,
) -> Result<AnnualPlan, DomainError> {
    let lines = db::plan_lines(db, p.id).await?;
    Ok(AnnualPlan {
        id: p.id,
        proeftuin_id: p.proeftuin_id,
        year: p.year,
        status: m::Status::parse(&p.status)
            .ok_or_else(|| DomainError::internal(format!("stored status {}", p.status)))?,
        content: serde_json::from_str(&p.content).map_err(DomainError::internal)?,
        total_cost: lines.iter().map(|l| l.total_cost).sum(),
        own_contribution: lines.iter().map(|l| l.own_contribution).sum(),
        grant: lines.iter().map(|l| l.grant).sum(),
        lines,
        due_on: db::parse_date(&p.due_on)?,
        comments: p.comments,
        submitted_at: p.submitted_at,
        decided_at: p.decided_at,
    })
}

fn plan_problems(input: &PlanInput) -> (Vec<PlanLine>, Vec<FieldError>) {
    let mut errors = input.input_errors.clone();
    if !(2000..=2100).contains(&input.year) {
        errors.push(FieldError::new("year", "a calendar year"));
    }
    errors.extend(m::unknown_keys("activities", &input.content.activities, &m::CORE_ELEMENTS));
    for (field, list) in [
        ("goals", &input.content.goals),
        ("team", &input.content.team),
        ("partners", &input.content.partners),
        ("focus_points", &input.content.focus_points),
    ] {
        for (i, item) in list.iter().enumerate() {
            if item.trim().is_empty() {
                errors.push(FieldError::new(format!("{field}[{i}]"), "an empty entry"));
            }
        }
    }
    if input.lines.len() > 200 {
        errors.push(FieldError::new("lines", "at most 200 lines"));
    }
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        if let Some(l) = l {
            errors.extend(m::plan_line_problems(&format!("lines[{i}]"), l));
            lines.push(l.clone());
        }
    }
    (lines, errors)
}

async fn plan_visible<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
) -> Result<(annual_plan::Model, proeftuin::Model), DomainError> {
    let plan = db::plan(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("annual plan {id}")))?;
    let p = visible(db, who, plan.proeftuin_id).await.map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::NotFound(format!("annual plan {id}")),
        other => other,
    })?;
    Ok((plan, p))
}

#[tracing::instrument(skip_all, fields(proeftuin_id))]
pub async fn create_plan(
    state: &AppState,
    who: &Principal,
    proeftuin_id: i32,
    input: PlanInput,
) -> Result<AnnualPlan, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    let p = visible(&txn, who, proeftuin_id).await?;
    let (lines, mut errors) = plan_problems(&input);
    if !life_of(&p)?.admits_year(input.year) {
        errors.push(FieldError::new(
            "year",
            format!("{} lies outside the proeftuin's life", input.year),
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    db::lock_proeftuin(&txn, proeftuin_id, now).await?;
    if db::plan_of_year(&txn, proeftuin_id, input.year).await?.is_some() {
        return Err(DomainError::Conflict(format!(
            "the proeftuin has an annual plan for {} already",
            input.year
        )));
    }
    let settings = db::settings(&txn, p.call_id).await?;
    let content = serde_json::to_string(&input.content).map_err(DomainError::internal)?;
    let row = db::insert_plan(
        &txn,
        proeftuin_id,
        input.year,
        content,
        settings.annual_plan_due_on(input.year),
        now,
    )
    .await?;
    db::replace_plan_lines(&txn, row.id, &lines).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "annual_plan.created",
            entity_type: "annual_plan",
            entity_id: row.id.to_string(),
            reason: None,
            details: json!({"proeftuin_id": proeftuin_id, "year": input.year}),
        },
    )
    .await?;
    let out = plan_of(&txn, row).await?;
    txn.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all, fields(plan_id = id))]
pub async fn update_plan(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: PlanInput,
) -> Result<AnnualPlan, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    let (plan, _) = plan_visible(&txn, who, id).await?;
    m::next_status(&plan.status, Step::Edit).map_err(DomainError::Conflict)?;
    let (lines, mut errors) = plan_problems(&input);
    if input.year != plan.year {
        errors.push(FieldError::new("year", "the year of a plan does not change"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    db::update_plan_content(
        &txn,
        id,
        serde_json::to_string(&input.content).map_err(DomainError::internal)?,
        now,
    )
    .await?;
    db::replace_plan_lines(&txn, id, &lines).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "annual_plan.updated",
            entity_type: "annual_plan",
            entity_id: id.to_string(),
            reason: None,
            details: json!({}),
        },
    )
    .await?;
    let out = plan_of(
        &txn,
        db::plan(&txn, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("annual plan {id}")))?,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all, fields(plan_id = id))]
pub async fn get_plan(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<AnnualPlan, DomainError> {
    let (plan, _) = plan_visible(&state.db, who, id).await?;
    plan_of(&state.db, plan).await
}

#[tracing::instrument(skip_all, fields(proeftuin_id))]
pub async fn plans(
    state: &AppState,
    who: &Principal,
    proeftuin_id: i32,
) -> Result<Vec<AnnualPlan>, DomainError> {
    visible(&state.db, who, proeftuin_id).await?;
    let mut out = Vec::new();
    for p in db::plans(&state.db, proeftuin_id).await? {
        out.push(plan_of(&state.db, p).await?);
    }
    Ok(out)
}

/// Submit (the region or staff), accept or return with comments (staff).
#[tracing::instrument(skip_all, fields(plan_id = id))]
pub async fn plan_step(
    state: &AppState,
    who: &Principal,
    id: i32,
    step: Step,
    comments: Option<String>,
) -> Result<AnnualPlan, DomainError> {
    if matches!(step, Step::Accept | Step::Return) {
        who.require(&[Role::Staff])?;
    }
    let comments =
        m::step_comments(step, comments).map_err(|e| DomainError::Validation(vec![e]))?;
    let now = state.now();
    let txn = state.write().await?;
    let (plan, _) = plan_visible(&txn, who, id).await?;
    let to = m::next_status(&plan.status, step).map_err(DomainError::Conflict)?;
    let comments_change = (step == Step::Return).then_some(comments.clone());
    if !db::set_plan_status(&txn, id, &plan.status, to, comments_change, now).await? {
        return Err(DomainError::Conflict("the plan changed meanwhile; read it again".into()));
    }
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: &format!("annual_plan.{to}"),
            entity_type: "annual_plan",
            entity_id: id.to_string(),
            reason: comments.as_deref(),
            details: json!({"from": plan.status, "to": to}),
        },
    )
    .await?;
    let out = plan_of(
        &txn,
        db::plan(&txn, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("annual plan {id}")))?,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}
