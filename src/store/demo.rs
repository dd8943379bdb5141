//! The demo database's marker and clock offset, and the writes that make seeded history history.

use chrono::{DateTime, Utc};
use entity::{call, demo_database, outbox, proeftuin, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

/// The marker row, present only in a database `serve --demo` created.
pub async fn marker<C: ConnectionTrait>(db: &C) -> Result<Option<demo_database::Model>, DbErr> {
    demo_database::Entity::find().one(db).await
}

/// A database without users and calls: what `serve --demo` may claim as its own.
pub async fn is_empty<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    Ok(user::Entity::find().count(db).await? == 0 && call::Entity::find().count(db).await? == 0)
}

pub async fn mark<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<demo_database::Model, DbErr> {
    demo_database::ActiveModel {
        created_at: Set(now),
        clock_offset_seconds: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn set_offset<C: ConnectionTrait>(db: &C, id: i32, seconds: i64) -> Result<(), DbErr> {
    demo_database::Entity::update_many()
        .col_expr(demo_database::Column::ClockOffsetSeconds, Expr::value(seconds))
        .filter(demo_database::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Every email still queued is recorded as sent when it was queued, without delivery: the
/// seeded history's emails went out back then, not today.
pub async fn settle_queued_as_history<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    let r = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value("sent"))
        .col_expr(outbox::Column::SentAt, Expr::col(outbox::Column::CreatedAt))
        .filter(outbox::Column::Status.eq("queued"))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// The proeftuinen of a call enter the service at `at` (what fell due before is not reminded).
pub async fn proeftuinen_entered<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let r = proeftuin::Entity::update_many()
        .col_expr(proeftuin::Column::CreatedAt, Expr::value(at))
        .filter(proeftuin::Column::CallId.eq(call_id))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}
