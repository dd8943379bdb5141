use chrono::{DateTime, Utc};
use entity::region;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::domain::region::{LeadApplicant, Municipality, Region};
use crate::error::DomainError;

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    r: &Region,
    now: DateTime<Utc>,
) -> Result<i32, DomainError> {
    let municipalities = serde_json::to_string(&r.municipalities).map_err(DomainError::internal)?;
    let row = region::ActiveModel {
        r#ref: Set(r.r#ref.clone()),
        name: Set(r.name.clone()),
        lead_applicant_name: Set(r.lead_applicant.name.clone()),
        lead_applicant_email: Set(r.lead_applicant.email.clone()),
        lead_applicant_municipality: Set(r.lead_applicant.municipality.clone()),
        municipalities: Set(municipalities),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

pub async fn by_id<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<(i32, Region)>, DomainError> {
    region::Entity::find_by_id(id).one(db).await?.map(from_row).transpose()
}

pub async fn by_ref<C: ConnectionTrait>(
    db: &C,
    r: &str,
) -> Result<Option<(i32, Region)>, DomainError> {
    region::Entity::find()
        .filter(region::Column::Ref.eq(r))
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}

/// The regions of these ids, in one query.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<Vec<(i32, Region)>, DomainError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    region::Entity::find()
        .filter(region::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// The regions of these refs, in one query.
pub async fn by_refs<C: ConnectionTrait>(
    db: &C,
    refs: &[&str],
) -> Result<Vec<(i32, Region)>, DomainError> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    region::Entity::find()
        .filter(region::Column::Ref.is_in(refs.iter().copied()))
        .order_by_asc(region::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<(i32, Region)>, DomainError> {
    region::Entity::find()
        .order_by_asc(region::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

fn from_row(m: region::Model) -> Result<(i32, Region), DomainError> {
    let municipalities: Vec<Municipality> =
        serde_json::from_str(&m.municipalities).map_err(DomainError::internal)?;
    Ok((
        m.id,
        Region {
            r#ref: m.r#ref,
            name: m.name,
            lead_applicant: LeadApplicant {
                name: m.lead_applicant_name,
                email: m.lead_applicant_email,
                municipality: m.lead_applicant_municipality,
            },
            municipalities,
        },
    ))
}
