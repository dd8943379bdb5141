//! Which assessors (*beoordelaars*) assess which call.

use chrono::{DateTime, Utc};
use entity::{call_assessor, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<call_assessor::Model, DbErr> {
    call_assessor::ActiveModel {
        call_id: Set(call_id),
        user_id: Set(user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn is_assigned<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    user_id: i32,
) -> Result<bool, DbErr> {
    let n = call_assessor::Entity::find()
        .filter(call_assessor::Column::CallId.eq(call_id))
        .filter(call_assessor::Column::UserId.eq(user_id))
        .count(db)
        .await?;
    Ok(n > 0)
}

/// The assessors of a call with their assignment, in the order they were assigned.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<(call_assessor::Model, user::Model)>, DbErr> {
    let rows = call_assessor::Entity::find()
        .filter(call_assessor::Column::CallId.eq(call_id))
        .order_by_asc(call_assessor::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        if let Some(u) = user::Entity::find_by_id(a.user_id).one(db).await? {
            out.push((a, u));
        }
    }
    Ok(out)
}
