//! Monitoring of the proeftuinen: the proeftuin record and its grants, the metric catalogue,
//! annual plans and progress reports with their workflow, roll-ups, spending, the programme
//! overview, exports and report reminders. Every change owns its transaction and writes its audit
//! line in it.
//!
//! Who may do what: programme staff everything; a region's users read and write the plans and
//! reports of their own region's proeftuinen (another region's proeftuin does not exist for them:
//! 404); only staff accept or return, register proeftuinen, add grants and define metrics.
//! Assessors have no part in monitoring (403).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{annual_plan, proeftuin, progress_report};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::auth::{Principal, Role};
use super::{Actor, AppState, audit};
use crate::domain::call::stage;
use crate::domain::dutch;
use crate::domain::money::Money;
use crate::domain::monitoring::{
    self as m, Balance, DueSettings, Life, Metric, Period, PlanLine, ProeftuinRecord,
    RecordMunicipality, Reporting, RolledUp, Spending, Step, status,
};
use crate::domain::selection::SelectionResult;
use crate::error::{DomainError, FieldError};
use crate::mail::outbox::{self, NewEmail};
use crate::store::{self, calls::StoredCall, monitoring as db};

pub const REPORT_REMINDER: &str = "report_reminder";

// ------------------------------------------------------------------ access

fn monitoring_roles(who: &Principal) -> Result<(), DomainError> {
    who.require(&[Role::Staff, Role::Region])
}

/// The proeftuin if `who` may see it; another region's does not exist for a region user.
async fn visible<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
) -> Result<proeftuin::Model, DomainError> {
    monitoring_roles(who)?;
    let not_found = || DomainError::NotFound(format!("proeftuin {id}"));
    let p = db::proeftuin(db, id).await?.ok_or_else(not_found)?;
    if who.role == Role::Region && who.region_id != Some(p.region_id) {
        return Err(not_found());
    }
    Ok(p)
}

// ------------------------------------------------------------------ proeftuinen

#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub id: i32,
    pub call_id: Option<i32>,
    pub application_id: Option<i32>,
    pub amount: Money,
    pub description: String,
    pub granted_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct Proeftuin {
    pub id: i32,
    pub r#ref: String,
    pub name: String,
    pub region_id: i32,
    pub region_ref: String,
    pub region_name: String,
    pub call_id: Option<i32>,
    pub application_id: Option<i32>,
    pub tranche: Option<i32>,
    pub started_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub reporting: Reporting,
    pub record: ProeftuinRecord,
    pub grants: Vec<Grant>,
    pub grant_total: Money,
    /// Where reminders go: the record's contact, else the region's lead applicant.
    pub contact_email: String,
}

impl Proeftuin {
    pub fn life(&self) -> Life {
        Life { started_on: self.started_on, ends_on: self.ends_on }
    }
}

async fn proeftuin_of<C: ConnectionTrait>(
    db: &C,
    p: proeftuin::Model,
) -> Result<Proeftuin, DomainError> {
    let (_, region) = store::regions::by_id(db, p.region_id)
        .await?
        .ok_or_else(|| DomainError::internal("proeftuin without region"))?;
    let grants: Vec<Grant> = db::grants(db, p.id)
        .await?
        .into_iter()
        .map(|g| {
            Ok(Grant {
                id: g.id,
                call_id: g.call_id,
                application_id: g.application_id,
                amount: db::parse_money(&g.amount)?,
                description: g.description,
                granted_on: db::parse_date(&g.granted_on)?,
            })
        })
        .collect::<Result<_, DomainError>>()?;
    let record: ProeftuinRecord = serde_json::from_str(&p.record).map_err(DomainError::internal)?;
    Ok(Proeftuin {
        id: p.id,
        grant_total: grants.iter().map(|g| g.amount).sum(),
        contact_email: record.contact_email.clone().unwrap_or(region.lead_applicant.email.clone()),
        r#ref: p.r#ref,
        name: p.name,
        region_id: p.region_id,
        region_ref: region.r#ref,
        region_name: region.name,
        call_id: p.call_id,
        application_id: p.application_id,
        tranche: p.tranche,
        started_on: db::parse_date(&p.started_on)?,
        ends_on: p.ends_on.as_deref().map(db::parse_date).transpose()?,
        reporting: Reporting::parse(&p.reporting)
            .ok_or_else(|| DomainError::internal("bad reporting"))?,
        record,
        grants,
    })
}

fn today(now: DateTime<Utc>) -> NaiveDate {
    dutch::in_amsterdam(now).date_naive()
}

/// What staff send to register a proeftuin that started without this service (e.g. the first
/// tranche), or to change a record.
#[derive(Debug, Clone)]
pub struct ProeftuinInput {
    pub r#ref: String,
    pub name: String,
    pub region_id: i32,
    pub call_id: Option<i32>,
    pub tranche: Option<i32>,
    pub started_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub reporting: Option<String>,
    pub record: ProeftuinRecord,
    /// `None` when the amount did not parse (that problem is in `input_errors`).
    pub grant: Option<Money>,
    pub grant_description: Option<String>,
    pub input_errors: Vec<FieldError>,
}

fn is_ref(s: &str) -> bool {
    (1..=80).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub async fn register(
    state: &AppState,
    who: &Principal,
    input: ProeftuinInput,
) -> Result<Proeftuin, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let mut errors = input.input_errors.clone();
    if !is_ref(&input.r#ref) {
        errors.push(FieldError::new(
            "ref",
            "lowercase letters, digits and hyphens, 1 to 80 characters",
        ));
    }
    if input.name.trim().is_empty() {
        errors.push(FieldError::new("name", "a proeftuin needs a name"));
    }
    let reporting = input.reporting.as_deref().unwrap_or("quarter");
    if Reporting::parse(reporting).is_none() {
        errors.push(FieldError::new("reporting", "`quarter`, `half_year` or `year`"));
    }
    if input.ends_on.is_some_and(|e| e < input.started_on) {
        errors.push(FieldError::new("ends_on", "it cannot end before it started"));
    }
    errors.extend(
        input
            .record
            .problems()
            .into_iter()
            .map(|e| FieldError::new(format!("record.{}", e.field), e.message)),
    );
    let txn = state.write().await?;
    if store::regions::by_id(&txn, input.region_id).await?.is_none() {
        errors.push(FieldError::new("region_id", "no such region"));
    }
    if let Some(c) = input.call_id
        && store::calls::by_id(&txn, c).await?.is_none()
    {
        errors.push(FieldError::new("call_id", "no such call"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    if db::proeftuin_by_ref(&txn, &input.r#ref).await?.is_some() {
        return Err(DomainError::Conflict(format!(
            "a proeftuin with ref {} exists already",
            input.r#ref
        )));
    }
    let row = db::insert_proeftuin(
        &txn,
        db::NewProeftuin {
            r#ref: input.r#ref.clone(),
            name: input.name.trim().to_string(),
            region_id: input.region_id,
            call_id: input.call_id,
            application_id: None,
            tranche: input.tranche,
            started_on: input.started_on,
            ends_on: input.ends_on,
            reporting: reporting.to_string(),
            record: serde_json::to_string(&input.record).map_err(DomainError::internal)?,
        },
        now,
    )
    .await?;
    if let Some(amount) = input.grant.filter(|a| !a.is_zero()) {
        let description =
            input.grant_description.clone().unwrap_or_else(|| "Subsidie proeftuin".into());
        db::insert_grant(
            &txn,
            db::NewGrant {
                proeftuin_id: row.id,
                call_id: input.call_id,
                application_id: None,
                amount,
                description,
                granted_on: input.started_on,
            },
            now,
        )
        .await?;
    }
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "proeftuin.registered",
            entity_type: "proeftuin",
            entity_id: row.id.to_string(),
            reason: None,
            details: json!({"ref": input.r#ref, "grant": input.grant}),
        },
    )
    .await?;
    let out = proeftuin_of(&txn, row).await?;
    txn.commit().await?;
    Ok(out)
}

/// Changes the record (staff, or the proeftuin's own region).
pub async fn update(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: ProeftuinInput,
) -> Result<Proeftuin, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    let p = visible(&txn, who, id).await?;
    let mut errors = input
        .record
        .problems()
        .into_iter()
        .map(|e| FieldError::new(format!("record.{}", e.field), e.message))
        .collect::<Vec<_>>();
    let reporting = input.reporting.clone().unwrap_or(p.reporting.clone());
    if Reporting::parse(&reporting).is_none() {
        errors.push(FieldError::new("reporting", "`quarter`, `half_year` or `year`"));
    }
    if input.name.trim().is_empty() {
        errors.push(FieldError::new("name", "a proeftuin needs a name"));
    }
    if input.ends_on.is_some_and(|e| e < db::parse_date(&p.started_on).unwrap_or(e)) {
        errors.push(FieldError::new("ends_on", "it cannot end before it started"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let record = serde_json::to_string(&input.record).map_err(DomainError::internal)?;
    db::update_proeftuin(
        &txn,
        id,
        input.name.trim().to_string(),
        input.ends_on,
        reporting,
        record,
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "proeftuin.updated",
            entity_type: "proeftuin",
            entity_id: id.to_string(),
            reason: None,
            details: serde_json::to_value(&input.record).map_err(DomainError::internal)?,
        },
    )
    .await?;
    let out = proeftuin_of(
        &txn,
        db::proeftuin(&txn, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("proeftuin {id}")))?,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

pub async fn list(state: &AppState, who: &Principal) -> Result<Vec<Proeftuin>, DomainError> {
    monitoring_roles(who)?;
    let region = if who.role == Role::Region { Some(who.region_id.unwrap_or(-1)) } else { None };
    let mut out = Vec::new();
    for p in db::proeftuinen(&state.db, region).await? {
        out.push(proeftuin_of(&state.db, p).await?);
    }
    Ok(out)
}

pub async fn get(state: &AppState, who: &Principal, id: i32) -> Result<Proeftuin, DomainError> {
    let p = visible(&state.db, who, id).await?;
    proeftuin_of(&state.db, p).await
}

pub async fn add_grant(
    state: &AppState,
    who: &Principal,
    id: i32,
    amount: Money,
    description: String,
    granted_on: NaiveDate,
    call_id: Option<i32>,
) -> Result<Proeftuin, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    visible(&txn, who, id).await?;
    let mut errors = Vec::new();
    if amount.is_zero() {
        errors.push(FieldError::new("amount", "a grant is more than zero"));
    }
    if description.trim().is_empty() {
        errors.push(FieldError::new("description", "say what the grant is for"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let g = db::insert_grant(
        &txn,
        db::NewGrant {
            proeftuin_id: id,
            call_id,
            application_id: None,
            amount,
            description: description.trim().to_string(),
            granted_on,
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "proeftuin.grant_added",
            entity_type: "proeftuin",
            entity_id: id.to_string(),
            reason: None,
            details: json!({"grant_id": g.id, "amount": amount}),
        },
    )
    .await?;
    let out = proeftuin_of(
        &txn,
        db::proeftuin(&txn, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("proeftuin {id}")))?,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// The date a call's proeftuinen start: its `programme_start` stage (its day in Amsterdam), or
/// the day of the final decision when the call has no such stage.
fn programme_start(call: &StoredCall, now: DateTime<Utc>) -> NaiveDate {
    let s = call.definition.stages.iter().find(|s| s.kind == stage::PROGRAMME_START);
    s.and_then(|s| {
        s.starts_on
            .or_else(|| s.at.map(|at| dutch::in_amsterdam(at.with_timezone(&Utc)).date_naive()))
    })
    .unwrap_or_else(|| today(now))
}

/// Every awarded application of a published final decision becomes a proeftuin, with its
/// allocated amount as its grant. Runs inside the publication's transaction; an application that
/// has a proeftuin already is left alone, so it is safe to replay.
pub async fn create_proeftuinen_for_awards(
    txn: &DatabaseTransaction,
    actor: &Actor,
    call: &StoredCall,
    result: &SelectionResult,
    now: DateTime<Utc>,
) -> Result<Vec<i32>, DomainError> {
    let started_on = programme_start(call, now);
    let mut created = Vec::new();
    for r in result.applications.iter().filter(|r| r.awarded()) {
        let Some((region_id, region)) = store::regions::by_ref(txn, &r.r#ref).await? else {
            continue;
        };
        let Some(app) = store::applications::by_call_and_region(txn, call.id, region_id).await?
        else {
            continue;
        };
        if db::proeftuin_by_application(txn, app.id).await?.is_some() {
            continue;
        }
        let scale = store::applications::form_of(&app)?.scale;
        let record = ProeftuinRecord {
            municipalities: match &scale {
                Some(s) => s
                    .municipalities
                    .iter()
                    .map(|m| RecordMunicipality {
                        name: m.name.clone(),
                        inhabitants: Some(m.inhabitants),
                    })
                    .collect(),
                None => region
                    .municipalities
                    .iter()
                    .map(|m| RecordMunicipality {
                        name: m.name.clone(),
                        inhabitants: Some(m.inhabitants),
                    })
                    .collect(),
            },
            districts: scale.map(|s| s.districts).unwrap_or_default(),
            contact_email: app.contact_email.clone(),
            project_leader: app.contact_name.clone(),
            ..Default::default()
        };
        let mut reference = region.r#ref.clone();
        if db::proeftuin_by_ref(txn, &reference).await?.is_some() {
            reference = format!("{}-{}", region.r#ref, call.definition.code);
        }
        let row = db::insert_proeftuin(
            txn,
            db::NewProeftuin {
                r#ref: reference,
                name: format!("Proeftuin {}", region.name),
                region_id,
                call_id: Some(call.id),
                application_id: Some(app.id),
                tranche: None,
                started_on,
                ends_on: None,
                reporting: Reporting::Quarter.as_str().into(),
                record: serde_json::to_string(&record).map_err(DomainError::internal)?,
            },
            now,
        )
        .await?;
        let allocated = r.allocated.unwrap_or(Money::ZERO);
        db::insert_grant(
            txn,
            db::NewGrant {
                proeftuin_id: row.id,
                call_id: Some(call.id),
                application_id: Some(app.id),
                amount: allocated,
                description: format!("Toekenning {}", call.definition.title),
                granted_on: today(now),
            },
            now,
        )
        .await?;
        audit::record(
            txn,
            audit::AuditEntry {
                actor,
                at: now,
                action: "proeftuin.created",
                entity_type: "proeftuin",
                entity_id: row.id.to_string(),
                reason: None,
                details: json!({"application_id": app.id, "grant": allocated}),
            },
        )
        .await?;
        created.push(row.id);
    }
    Ok(created)
}

// ------------------------------------------------------------------ catalogue

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

pub async fn catalogue(state: &AppState, who: &Principal) -> Result<Catalogue, DomainError> {
    monitoring_roles(who)?;
    catalogue_of(&state.db).await
}

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
    if retired && others.iter().any(|o| matches!(&o.rollup, m::RollUp::Share { numerator, denominator } if *numerator == metric.key || *denominator == metric.key)) {
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

// ------------------------------------------------------------------ settings

pub async fn settings(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<DueSettings, DomainError> {
    who.require(&[Role::Staff])?;
    store::calls::by_id(&state.db, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {call_id}")))?;
    Ok(db::settings(&state.db, Some(call_id)).await?)
}

pub async fn put_settings(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    s: DueSettings,
) -> Result<DueSettings, DomainError> {
    who.require(&[Role::Staff])?;
    let problems = s.problems();
    if !problems.is_empty() {
        return Err(DomainError::Validation(problems));
    }
    let now = state.now();
    let txn = state.write().await?;
    store::calls::by_id(&txn, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {call_id}")))?;
    db::put_settings(&txn, call_id, &s, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "monitoring.settings",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: None,
            details: serde_json::to_value(&s).map_err(DomainError::internal)?,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

// ------------------------------------------------------------------ annual plans

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
    pub status: String,
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

async fn plan_of<C: ConnectionTrait>(
    db: &C,
    p: annual_plan::Model,
) -> Result<AnnualPlan, DomainError> {
    let lines = db::plan_lines(db, p.id).await?;
    Ok(AnnualPlan {
        id: p.id,
        proeftuin_id: p.proeftuin_id,
        year: p.year,
        status: p.status,
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
    let started = db::parse_date(&p.started_on)?;
    if input.year < started.year()
        || p.ends_on
            .as_deref()
            .map(db::parse_date)
            .transpose()?
            .is_some_and(|e| input.year > e.year())
    {
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

pub async fn get_plan(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<AnnualPlan, DomainError> {
    let (plan, _) = plan_visible(&state.db, who, id).await?;
    plan_of(&state.db, plan).await
}

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
    let comments = check_comments(step, comments)?;
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

fn check_comments(step: Step, comments: Option<String>) -> Result<Option<String>, DomainError> {
    let comments = comments.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if step == Step::Return && comments.is_none() {
        return Err(DomainError::invalid(
            "comments",
            "say what needs to change before it is submitted again",
        ));
    }
    Ok(comments)
}

// ------------------------------------------------------------------ progress reports

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    /// Per basic principle (`family_oriented`, `legally_protective_transparent`, `simplicity`, `learning`).
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
    pub status: String,
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

fn period_of(r: &progress_report::Model) -> Result<Period, DomainError> {
    Period::parse(&r.period)
        .ok_or_else(|| DomainError::internal(format!("stored period {}", r.period)))
}

async fn report_of<C: ConnectionTrait>(
    db: &C,
    r: progress_report::Model,
    catalogue: &Catalogue,
) -> Result<ProgressReport, DomainError> {
    let counts = db::figures(db, &[r.id]).await?.remove(&r.id).unwrap_or_default();
    Ok(ProgressReport {
        id: r.id,
        proeftuin_id: r.proeftuin_id,
        period: period_of(&r)?,
        status: r.status,
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
            let life = Life {
                started_on: db::parse_date(&p.started_on)?,
                ends_on: p.ends_on.as_deref().map(db::parse_date).transpose()?,
            };
            if let Err(why) = life.admits(&period, today(now)) {
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
    let period = period.expect("checked above");
    db::lock_proeftuin(&txn, proeftuin_id, now).await?;
    for other in db::reports(&txn, Some(proeftuin_id)).await? {
        let op = period_of(&other)?;
        if op == period {
            return Err(DomainError::Conflict(format!(
                "the proeftuin has a report for {period} already (report {})",
                other.id
            )));
        }
        if op.overlaps(&period) {
            return Err(DomainError::Conflict(format!(
                "{period} overlaps the report for {op} (report {}); reports of one proeftuin never overlap: coarser figures are rolled up from the finer reports",
                other.id
            )));
        }
    }
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
    let comments = check_comments(step, comments)?;
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

pub async fn get_report(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<ProgressReport, DomainError> {
    let (r, _) = report_visible(&state.db, who, id).await?;
    let catalogue = catalogue_of(&state.db).await?;
    report_of(&state.db, r, &catalogue).await
}

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

// ------------------------------------------------------------------ roll-ups and spending

/// The accepted reports of a proeftuin with their counts and costs.
async fn accepted<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: Option<i32>,
) -> Result<Vec<(i32, Period, BTreeMap<String, i64>, Money)>, DomainError> {
    let rows: Vec<progress_report::Model> = db::reports(db, proeftuin_id)
        .await?
        .into_iter()
        .filter(|r| r.status == status::ACCEPTED)
        .collect();
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut figures = db::figures(db, &ids).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.proeftuin_id,
                period_of(r)?,
                figures.remove(&r.id).unwrap_or_default(),
                db::parse_money(&r.costs_realised)?,
            ))
        })
        .collect()
}

/// The figures of any period, rolled up from the accepted reports inside it.
pub async fn figures(
    state: &AppState,
    who: &Principal,
    proeftuin_id: i32,
    period: &str,
) -> Result<(RolledUp, Catalogue), DomainError> {
    visible(&state.db, who, proeftuin_id).await?;
    let period =
        Period::parse(period).ok_or_else(|| DomainError::invalid("period", m::PERIOD_FORMAT))?;
    let catalogue = catalogue_of(&state.db).await?;
    let reports: Vec<(Period, BTreeMap<String, i64>)> = accepted(&state.db, Some(proeftuin_id))
        .await?
        .into_iter()
        .map(|(_, p, f, _)| (p, f))
        .collect();
    let life = proeftuin_of(
        &state.db,
        db::proeftuin(&state.db, proeftuin_id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("proeftuin {proeftuin_id}")))?,
    )
    .await?
    .life();
    Ok((within_life(m::roll_up(&catalogue.all(), &reports, period), &life), catalogue))
}

/// Quarters outside the proeftuin's life are not missing: nothing was to be reported there.
fn within_life(mut r: RolledUp, life: &Life) -> RolledUp {
    r.missing_quarters
        .retain(|q| q.end() >= life.started_on && life.ends_on.is_none_or(|e| q.start() <= e));
    r.complete = r.missing_quarters.is_empty();
    r
}

async fn spending_of<C: ConnectionTrait>(
    db: &C,
    p: &Proeftuin,
    until: Option<NaiveDate>,
) -> Result<Spending, DomainError> {
    let mut realised: BTreeMap<i32, Money> = BTreeMap::new();
    for (_, period, _, costs) in accepted(db, Some(p.id)).await? {
        if until.is_some_and(|u| period.end() > u) {
            continue;
        }
        let e = realised.entry(period.year()).or_insert(Money::ZERO);
        *e = *e + costs;
    }
    let mut budgets = BTreeMap::new();
    for plan in db::plans(db, p.id).await?.into_iter().filter(|x| x.status == status::ACCEPTED) {
        let lines = db::plan_lines(db, plan.id).await?;
        budgets.insert(plan.year, lines.iter().map(|l| l.grant).sum::<Money>());
    }
    Ok(m::spending(p.grant_total, &budgets, &realised))
}

pub async fn spending(
    state: &AppState,
    who: &Principal,
    proeftuin_id: i32,
) -> Result<Spending, DomainError> {
    let p = proeftuin_of(&state.db, visible(&state.db, who, proeftuin_id).await?).await?;
    spending_of(&state.db, &p, None).await
}

// ------------------------------------------------------------------ overview and export

#[derive(Debug, Clone, Serialize)]
pub struct OverviewRow {
    pub proeftuin: Proeftuin,
    pub figures: RolledUp,
    /// Grant vs. costs realised in accepted reports up to the end of the period.
    pub balance: Balance,
    /// The reports of the proeftuin inside the period, with their status.
    pub reports: Vec<(Period, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub period: Period,
    pub catalogue: Catalogue,
    pub rows: Vec<OverviewRow>,
    /// The programme's totals: counts of all proeftuinen added up, shares recomputed.
    pub totals: BTreeMap<String, m::FigureValue>,
    pub balance: Balance,
}

pub async fn overview(
    state: &AppState,
    who: &Principal,
    period: &str,
) -> Result<Overview, DomainError> {
    who.require(&[Role::Staff])?;
    let period =
        Period::parse(period).ok_or_else(|| DomainError::invalid("period", m::PERIOD_FORMAT))?;
    let catalogue = catalogue_of(&state.db).await?;
    let all = accepted(&state.db, None).await?;
    let every_report = db::reports(&state.db, None).await?;
    let mut rows = Vec::new();
    let mut total_counts: BTreeMap<String, i64> = BTreeMap::new();
    for p in db::proeftuinen(&state.db, None).await? {
        let p = proeftuin_of(&state.db, p).await?;
        let mine: Vec<(Period, BTreeMap<String, i64>)> =
            all.iter().filter(|r| r.0 == p.id).map(|r| (r.1, r.2.clone())).collect();
        let rolled = within_life(m::roll_up(&catalogue.all(), &mine, period), &p.life());
        for (k, v) in &rolled.counts {
            *total_counts.entry(k.clone()).or_insert(0) += v;
        }
        let spending = spending_of(&state.db, &p, Some(period.end())).await?;
        let reports = every_report
            .iter()
            .filter(|r| r.proeftuin_id == p.id)
            .filter_map(|r| {
                Period::parse(&r.period)
                    .filter(|x| x.within(&period))
                    .map(|x| (x, r.status.clone()))
            })
            .collect();
        rows.push(OverviewRow { proeftuin: p, figures: rolled, balance: spending.total, reports });
    }
    let granted: Money = rows.iter().map(|r| r.balance.granted).sum();
    let realised: Money = rows.iter().map(|r| r.balance.realised).sum();
    Ok(Overview {
        period,
        totals: m::figures_of(&catalogue.all(), &total_counts),
        catalogue,
        rows,
        balance: Balance::new(granted, realised),
    })
}

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
pub async fn export(state: &AppState, who: &Principal) -> Result<Vec<ExportRow>, DomainError> {
    who.require(&[Role::Staff])?;
    let catalogue = catalogue_of(&state.db).await?;
    let metrics = catalogue.all();
    let rows: Vec<progress_report::Model> = db::reports(&state.db, None)
        .await?
        .into_iter()
        .filter(|r| r.status == status::ACCEPTED || r.status == status::SUBMITTED)
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

// ------------------------------------------------------------------ reminders

/// Queues every `report_reminder` that is due at `now`: before an annual plan or a progress
/// report is due (`reminder_days_before`), and once it is overdue. Only for what is neither
/// submitted nor accepted, and only for what fell due after the proeftuin entered the service.
/// The outbox keeps each (kind, target, occasion) once, so running it again queues nothing new.
/// Returns how many emails it queued.
pub async fn queue_report_reminders<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<usize, DomainError> {
    let mut queued = 0;
    for email in due_report_reminders(db, now).await? {
        queued += usize::from(outbox::enqueue(db, email).await?);
    }
    Ok(queued)
}

/// Every `report_reminder` due at `now` (also those queued already: queueing is idempotent).
/// Only reads; this is what a scheduler source returns.
pub async fn due_report_reminders<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<NewEmail>, DomainError> {
    let today = today(now);
    let mut due_emails = Vec::new();
    for row in db::proeftuinen(db, None).await? {
        let entered = dutch::in_amsterdam(row.created_at).date_naive();
        let p = proeftuin_of(db, row).await?;
        let settings = db::settings(db, p.call_id).await?;
        let before = chrono::Days::new(u64::from(settings.reminder_days_before));
        let occasion = |due: NaiveDate| -> Option<&'static str> {
            if due < entered {
                None
            } else if today > due {
                Some("overdue")
            } else if today >= due - before {
                Some("before_due")
            } else {
                None
            }
        };
        // Annual plans: for every year of its life up to next year.
        let plans = db::plans(db, p.id).await?;
        for year in p.started_on.year()..=today.year() + 1 {
            if p.ends_on.is_some_and(|e| e.year() < year) {
                continue;
            }
            let due = settings.annual_plan_due_on(year);
            let done = plans.iter().any(|x| {
                x.year == year && (x.status == status::SUBMITTED || x.status == status::ACCEPTED)
            });
            if let (false, Some(occ)) = (done, occasion(due)) {
                let what = format!("het jaarplan {year}");
                due_emails.push(reminder(
                    &p,
                    &format!("annual_plan:{}:{year}", p.id),
                    occ,
                    &what,
                    due,
                    now,
                ));
            }
        }
        // Progress reports: every period of its reporting kind that has ended.
        let covered: BTreeSet<Period> = db::reports(db, Some(p.id))
            .await?
            .iter()
            .filter(|r| r.status == status::SUBMITTED || r.status == status::ACCEPTED)
            .filter_map(|r| Period::parse(&r.period))
            .flat_map(|x| x.quarters())
            .collect();
        for year in p.started_on.year()..=today.year() {
            for period in p.reporting.periods_of(year) {
                if period.end() < p.started_on
                    || p.ends_on.is_some_and(|e| period.start() > e)
                    || period.end() >= today
                {
                    continue;
                }
                if period.quarters().iter().all(|q| covered.contains(q)) {
                    continue;
                }
                let due = settings.report_due_on(&period);
                if let Some(occ) = occasion(due) {
                    let what = format!("de voortgangsrapportage over {}", period.label_nl());
                    due_emails.push(reminder(
                        &p,
                        &format!("progress_report:{}:{period}", p.id),
                        occ,
                        &what,
                        due,
                        now,
                    ));
                }
            }
        }
    }
    Ok(due_emails)
}

fn reminder(
    p: &Proeftuin,
    target: &str,
    occasion: &str,
    what: &str,
    due: NaiveDate,
    now: DateTime<Utc>,
) -> NewEmail {
    let (subject, opening) = if occasion == "overdue" {
        (
            format!("Herinnering: {what} van {} is te laat", p.name),
            format!("{what} van {} had uiterlijk {} binnen moeten zijn.", p.name, dutch::date(due)),
        )
    } else {
        (
            format!("Herinnering: {what} van {} wordt verwacht", p.name),
            format!("{what} van {} wordt uiterlijk {} verwacht.", p.name, dutch::date(due)),
        )
    };
    let mut opening = opening;
    if let Some(first) = opening.get(..1) {
        opening = first.to_uppercase() + &opening[1..];
    }
    let body = format!(
        "Beste contactpersoon,\n\n{opening}\n\nU dient dit in via Tuinier. Is het al onderweg, dan kunt u dit bericht als niet verzonden beschouwen.\n\nMet vriendelijke groet,\nHet programmabureau Toekomstscenario kind- en gezinsbescherming\n"
    );
    NewEmail {
        kind: REPORT_REMINDER.into(),
        target: target.into(),
        occasion: occasion.into(),
        recipient: p.contact_email.clone(),
        subject,
        body_text: body,
        at: now,
        attachment: None,
    }
}

/// Runs the reminders now (staff), for when no scheduler runs them: the same as the scheduler's.
pub async fn run_reminders(state: &AppState, who: &Principal) -> Result<usize, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    let n = queue_report_reminders(&txn, now).await?;
    if n > 0 {
        audit::record(
            &txn,
            audit::AuditEntry {
                actor: &who.actor(),
                at: now,
                action: "monitoring.reminders",
                entity_type: "outbox",
                entity_id: REPORT_REMINDER.to_string(),
                reason: None,
                details: json!({"queued": n}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(n)
}
