//! Grant finance (issue 17): advance schedules, advances, settlements and payments. Rows are
//! written whole and never changed: a revision of a settlement is a new row.

use chrono::{DateTime, Utc};
use entity::{advance, advance_schedule, finance_payment, settlement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use crate::domain::money::Money;
use crate::error::DomainError;

/// A stored signed amount (a settlement's balance): canonical text with an optional `-`.
pub fn parse_signed(s: &str) -> Result<Money, DomainError> {
    let bad = |e| DomainError::internal(format!("stored amount {s:?}: {e}"));
    match s.strip_prefix('-') {
        Some(rest) => Ok(Money::ZERO - Money::parse(rest).map_err(bad)?),
        None => Money::parse(s).map_err(bad),
    }
}

pub async fn schedule<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
) -> Result<Option<advance_schedule::Model>, DbErr> {
    advance_schedule::Entity::find()
        .filter(advance_schedule::Column::ProeftuinId.eq(proeftuin_id))
        .one(db)
        .await
}

/// Sets (or replaces) a proeftuin's schedule.
pub async fn put_schedule<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
    max_share_percent: i32,
    instalments: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    match schedule(db, proeftuin_id).await? {
        Some(row) => {
            let mut a: advance_schedule::ActiveModel = row.into();
            a.max_share_percent = Set(max_share_percent);
            a.instalments = Set(instalments);
            a.updated_at = Set(now);
            a.update(db).await?;
        }
        None => {
            advance_schedule::ActiveModel {
                proeftuin_id: Set(proeftuin_id),
                max_share_percent: Set(max_share_percent),
                instalments: Set(instalments),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// The advances of one proeftuin (or of all), oldest first.
pub async fn advances<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: Option<i32>,
) -> Result<Vec<advance::Model>, DbErr> {
    let mut q = advance::Entity::find();
    if let Some(p) = proeftuin_id {
        q = q.filter(advance::Column::ProeftuinId.eq(p));
    }
    q.order_by_asc(advance::Column::ProeftuinId).order_by_asc(advance::Column::Number).all(db).await
}

pub async fn advance<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<advance::Model>, DbErr> {
    advance::Entity::find_by_id(id).one(db).await
}

pub struct NewAdvance {
    pub proeftuin_id: i32,
    pub number: i32,
    pub amount: Money,
    pub against_period: Option<String>,
    pub description: String,
    pub overdue_reason: Option<String>,
    pub decided_on: String,
}

pub async fn insert_advance<C: ConnectionTrait>(
    db: &C,
    a: NewAdvance,
    now: DateTime<Utc>,
) -> Result<advance::Model, DbErr> {
    advance::ActiveModel {
        proeftuin_id: Set(a.proeftuin_id),
        number: Set(a.number),
        amount: Set(a.amount.to_string()),
        against_period: Set(a.against_period),
        description: Set(a.description),
        overdue_reason: Set(a.overdue_reason),
        decided_on: Set(a.decided_on),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The settlements of one proeftuin (or of all), the original first, then its revisions.
pub async fn settlements<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: Option<i32>,
) -> Result<Vec<settlement::Model>, DbErr> {
    let mut q = settlement::Entity::find();
    if let Some(p) = proeftuin_id {
        q = q.filter(settlement::Column::ProeftuinId.eq(p));
    }
    q.order_by_asc(settlement::Column::ProeftuinId)
        .order_by_asc(settlement::Column::Number)
        .all(db)
        .await
}

pub async fn settlement<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<settlement::Model>, DbErr> {
    settlement::Entity::find_by_id(id).one(db).await
}

/// A settlement row as the service computed it (amounts as canonical text).
pub async fn insert_settlement<C: ConnectionTrait>(
    db: &C,
    row: settlement::ActiveModel,
) -> Result<settlement::Model, DbErr> {
    row.insert(db).await
}

pub async fn payments<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: Option<i32>,
) -> Result<Vec<finance_payment::Model>, DbErr> {
    let mut q = finance_payment::Entity::find();
    if let Some(p) = proeftuin_id {
        q = q.filter(finance_payment::Column::ProeftuinId.eq(p));
    }
    q.order_by_asc(finance_payment::Column::PaidOn)
        .order_by_asc(finance_payment::Column::Id)
        .all(db)
        .await
}

pub struct NewPayment {
    pub proeftuin_id: i32,
    pub kind: String,
    pub advance_id: Option<i32>,
    pub settlement_id: Option<i32>,
    pub amount: Money,
    pub paid_on: String,
    pub bank_reference: String,
}

pub async fn insert_payment<C: ConnectionTrait>(
    db: &C,
    p: NewPayment,
    now: DateTime<Utc>,
) -> Result<finance_payment::Model, DbErr> {
    finance_payment::ActiveModel {
        proeftuin_id: Set(p.proeftuin_id),
        kind: Set(p.kind),
        advance_id: Set(p.advance_id),
        settlement_id: Set(p.settlement_id),
        amount: Set(p.amount.to_string()),
        paid_on: Set(p.paid_on),
        bank_reference: Set(p.bank_reference),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}
