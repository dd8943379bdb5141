//! The proeftuin record, its grants, and registering and changing it.

use chrono::{DateTime, NaiveDate, Utc};
use entity::proeftuin;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::Serialize;
use serde_json::json;

use super::access::{monitoring_roles, visible};
use crate::domain::money::Money;
use crate::domain::monitoring::{self as m, Life, ProeftuinRecord, Reporting};
use crate::error::{DomainError, FieldError};
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit};
use crate::store::{self, monitoring as db};

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

pub(super) async fn proeftuin_of<C: ConnectionTrait>(
    db: &C,
    p: proeftuin::Model,
) -> Result<Proeftuin, DomainError> {
    let (_, region) = store::regions::by_id(db, p.region_id)
        .await?
        .ok_or_else(|| DomainError::internal("proeftuin without region"))?;
    let grants = db::grants(db, p.id).await?;
    build(p, &region, grants)
}

/// These proeftuinen with their regions and grants, in two queries however many there are.
pub(super) async fn proeftuinen_of<C: ConnectionTrait>(
    db: &C,
    rows: Vec<proeftuin::Model>,
) -> Result<Vec<Proeftuin>, DomainError> {
    let regions: std::collections::HashMap<i32, crate::domain::region::Region> =
        store::regions::list(db).await?.into_iter().collect();
    let mut grants: std::collections::HashMap<i32, Vec<entity::proeftuin_grant::Model>> =
        std::collections::HashMap::new();
    for g in db::all_grants(db).await? {
        grants.entry(g.proeftuin_id).or_default().push(g);
    }
    rows.into_iter()
        .map(|p| {
            let region = regions
                .get(&p.region_id)
                .ok_or_else(|| DomainError::internal("proeftuin without region"))?;
            let own = grants.remove(&p.id).unwrap_or_default();
            build(p, region, own)
        })
        .collect()
}

fn build(
    p: proeftuin::Model,
    region: &crate::domain::region::Region,
    grants: Vec<entity::proeftuin_grant::Model>,
) -> Result<Proeftuin, DomainError> {
    let grants: Vec<Grant> = grants
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
        region_ref: region.r#ref.clone(),
        region_name: region.name.clone(),
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

#[tracing::instrument(skip_all, fields(region_id = input.region_id, call_id = ?input.call_id))]
pub async fn register(
    state: &AppState,
    who: &Principal,
    input: ProeftuinInput,
) -> Result<Proeftuin, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let reporting = input.reporting.as_deref().unwrap_or("quarter");
    let mut errors = input.input_errors.clone();
    errors.extend(m::registration_problems(&m::Registration {
        r#ref: &input.r#ref,
        name: &input.name,
        reporting,
        started_on: input.started_on,
        ends_on: input.ends_on,
        record: &input.record,
    }));
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
    first_grant(&txn, row.id, &input, now).await?;
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

/// The grant a registration brings along, if any.
async fn first_grant(
    txn: &DatabaseTransaction,
    proeftuin_id: i32,
    input: &ProeftuinInput,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    if let Some(amount) = input.grant.filter(|a| !a.is_zero()) {
        let description =
            input.grant_description.clone().unwrap_or_else(|| "Subsidie proeftuin".into());
        db::insert_grant(
            txn,
            db::NewGrant {
                proeftuin_id,
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
    Ok(())
}

/// Changes the record (staff, or the proeftuin's own region).
#[tracing::instrument(skip_all, fields(proeftuin_id = id))]
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
    let update = db::ProeftuinUpdate {
        id,
        name: input.name.trim().to_string(),
        ends_on: input.ends_on,
        reporting,
        record,
    };
    db::update_proeftuin(&txn, update, now).await?;
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

#[tracing::instrument(skip_all)]
pub async fn list(state: &AppState, who: &Principal) -> Result<Vec<Proeftuin>, DomainError> {
    monitoring_roles(who)?;
    let region = if who.role == Role::Region { Some(who.region_id.unwrap_or(-1)) } else { None };
    proeftuinen_of(&state.db, db::proeftuinen(&state.db, region).await?).await
}

#[tracing::instrument(skip_all, fields(proeftuin_id = id))]
pub async fn get(state: &AppState, who: &Principal, id: i32) -> Result<Proeftuin, DomainError> {
    let p = visible(&state.db, who, id).await?;
    proeftuin_of(&state.db, p).await
}

/// A grant staff add to a proeftuin.
#[derive(Debug, Clone)]
pub struct GrantInput {
    pub amount: Money,
    /// What the grant is for.
    pub description: String,
    pub granted_on: NaiveDate,
    /// The call it was granted in, if any.
    pub call_id: Option<i32>,
}

#[tracing::instrument(skip_all, fields(proeftuin_id = id))]
pub async fn add_grant(
    state: &AppState,
    who: &Principal,
    id: i32,
    grant: GrantInput,
) -> Result<Proeftuin, DomainError> {
    let GrantInput { amount, description, granted_on, call_id } = grant;
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
