//! Proeftuinen made from the awards of a published final decision.

use chrono::{DateTime, NaiveDate, Utc};
use entity::application;
use sea_orm::DatabaseTransaction;
use serde_json::json;

use super::today;
use crate::domain::call::stage;
use crate::domain::dutch;
use crate::domain::money::Money;
use crate::domain::monitoring::{ProeftuinRecord, RecordMunicipality, Reporting};
use crate::domain::region::Region;
use crate::domain::selection::{ApplicationResult, SelectionResult};
use crate::error::DomainError;
use crate::service::{Actor, audit};
use crate::store::{self, calls::StoredCall, monitoring as db};

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
#[tracing::instrument(skip_all, fields(call_id = call.id))]
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
        if let Some(id) = create_for_award(txn, actor, call, r, started_on, now).await? {
            created.push(id);
        }
    }
    Ok(created)
}

/// The proeftuin of one awarded application, unless its region or application is unknown or it
/// has one already.
async fn create_for_award(
    txn: &DatabaseTransaction,
    actor: &Actor,
    call: &StoredCall,
    r: &ApplicationResult,
    started_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DomainError> {
    let Some((region_id, region)) = store::regions::by_ref(txn, &r.r#ref).await? else {
        return Ok(None);
    };
    let Some(app) = store::applications::by_call_and_region(txn, call.id, region_id).await? else {
        return Ok(None);
    };
    if db::proeftuin_by_application(txn, app.id).await?.is_some() {
        return Ok(None);
    }
    let record = record_of(&app, &region)?;
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
    let entry = audit::AuditEntry {
        actor,
        at: now,
        action: "proeftuin.created",
        entity_type: "proeftuin",
        entity_id: row.id.to_string(),
        reason: None,
        details: json!({"application_id": app.id, "grant": allocated}),
    };
    audit::record(txn, entry).await?;
    Ok(Some(row.id))
}

/// The first record of an awarded proeftuin: the municipalities and districts of its application
/// (the region's municipalities when it gave none), and its contact.
fn record_of(app: &application::Model, region: &Region) -> Result<ProeftuinRecord, DomainError> {
    let scale = store::applications::form_of(app)?.scale;
    let municipalities = match &scale {
        Some(s) => s
            .municipalities
            .iter()
            .map(|m| RecordMunicipality { name: m.name.clone(), inhabitants: Some(m.inhabitants) })
            .collect(),
        None => region
            .municipalities
            .iter()
            .map(|m| RecordMunicipality { name: m.name.clone(), inhabitants: Some(m.inhabitants) })
            .collect(),
    };
    Ok(ProeftuinRecord {
        municipalities,
        districts: scale.map(|s| s.districts).unwrap_or_default(),
        contact_email: app.contact_email.clone(),
        project_leader: app.contact_name.clone(),
        ..Default::default()
    })
}
