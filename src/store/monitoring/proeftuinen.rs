//! Proeftuinen and their grants.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{proeftuin, proeftuin_grant};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::date_text;
use crate::domain::money::Money;

pub struct NewProeftuin {
    pub r#ref: String,
    pub name: String,
    pub region_id: i32,
    pub call_id: Option<i32>,
    pub application_id: Option<i32>,
    pub tranche: Option<i32>,
    pub started_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub reporting: String,
    pub record: String,
}

pub async fn insert_proeftuin<C: ConnectionTrait>(
    db: &C,
    p: NewProeftuin,
    now: DateTime<Utc>,
) -> Result<proeftuin::Model, DbErr> {
    proeftuin::ActiveModel {
        r#ref: Set(p.r#ref),
        name: Set(p.name),
        region_id: Set(p.region_id),
        call_id: Set(p.call_id),
        application_id: Set(p.application_id),
        tranche: Set(p.tranche),
        started_on: Set(date_text(p.started_on)),
        ends_on: Set(p.ends_on.map(date_text)),
        reporting: Set(p.reporting),
        record: Set(p.record),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn proeftuin<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<proeftuin::Model>, DbErr> {
    proeftuin::Entity::find_by_id(id).one(db).await
}

pub async fn proeftuin_by_ref<C: ConnectionTrait>(
    db: &C,
    r: &str,
) -> Result<Option<proeftuin::Model>, DbErr> {
    proeftuin::Entity::find().filter(proeftuin::Column::Ref.eq(r)).one(db).await
}

pub async fn proeftuin_by_application<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<Option<proeftuin::Model>, DbErr> {
    proeftuin::Entity::find()
        .filter(proeftuin::Column::ApplicationId.eq(application_id))
        .one(db)
        .await
}

/// All proeftuinen by id, or those of one region.
pub async fn proeftuinen<C: ConnectionTrait>(
    db: &C,
    region_id: Option<i32>,
) -> Result<Vec<proeftuin::Model>, DbErr> {
    let mut q = proeftuin::Entity::find();
    if let Some(r) = region_id {
        q = q.filter(proeftuin::Column::RegionId.eq(r));
    }
    q.order_by_asc(proeftuin::Column::Id).all(db).await
}

/// What staff change on a proeftuin's record.
pub struct ProeftuinUpdate {
    pub id: i32,
    pub name: String,
    pub ends_on: Option<NaiveDate>,
    pub reporting: String,
    /// The record, as JSON.
    pub record: String,
}

pub async fn update_proeftuin<C: ConnectionTrait>(
    db: &C,
    u: ProeftuinUpdate,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    proeftuin::ActiveModel {
        id: Set(u.id),
        name: Set(u.name),
        ends_on: Set(u.ends_on.map(date_text)),
        reporting: Set(u.reporting),
        record: Set(u.record),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Touches the proeftuin row: being an UPDATE it locks it until the transaction ends, so two
/// reports of one proeftuin are checked for overlap one after the other.
pub async fn lock_proeftuin<C: ConnectionTrait>(
    db: &C,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    proeftuin::Entity::update_many()
        .col_expr(proeftuin::Column::UpdatedAt, Expr::value(now))
        .filter(proeftuin::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A grant line of a proeftuin, as `insert_grant` writes it.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub proeftuin_id: i32,
    pub call_id: Option<i32>,
    pub application_id: Option<i32>,
    pub amount: Money,
    pub description: String,
    pub granted_on: NaiveDate,
}

pub async fn insert_grant<C: ConnectionTrait>(
    db: &C,
    grant: NewGrant,
    now: DateTime<Utc>,
) -> Result<proeftuin_grant::Model, DbErr> {
    let NewGrant { proeftuin_id, call_id, application_id, amount, description, granted_on } = grant;
    proeftuin_grant::ActiveModel {
        proeftuin_id: Set(proeftuin_id),
        call_id: Set(call_id),
        application_id: Set(application_id),
        amount: Set(amount.to_string()),
        description: Set(description),
        granted_on: Set(date_text(granted_on)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn grants<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
) -> Result<Vec<proeftuin_grant::Model>, DbErr> {
    proeftuin_grant::Entity::find()
        .filter(proeftuin_grant::Column::ProeftuinId.eq(proeftuin_id))
        .order_by_asc(proeftuin_grant::Column::Id)
        .all(db)
        .await
}

/// Every grant of every proeftuin, in one query.
pub async fn all_grants<C: ConnectionTrait>(db: &C) -> Result<Vec<proeftuin_grant::Model>, DbErr> {
    proeftuin_grant::Entity::find().order_by_asc(proeftuin_grant::Column::Id).all(db).await
}
