//! Writes whose row count grows with a call, in a few multi-row statements instead of one per
//! row (a publication of ten thousand applications).

use chrono::{DateTime, Utc};
use entity::{application, audit_log};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::audit::AuditEntry;

/// Rows (or ids) per statement: well under SQLite's and PostgreSQL's limits on bound values.
pub const CHUNK: usize = 500;

/// Gives these applications one status, a statement per [`CHUNK`] of them.
pub async fn set_statuses<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in ids.chunks(CHUNK) {
        application::Entity::update_many()
            .col_expr(application::Column::Status, Expr::value(status.to_string()))
            .col_expr(application::Column::UpdatedAt, Expr::value(now))
            .filter(application::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Writes audit lines, in their order, a statement per [`CHUNK`] of them.
pub async fn record_audit<C: ConnectionTrait>(
    db: &C,
    entries: Vec<AuditEntry<'_>>,
) -> Result<(), DbErr> {
    insert_audit(db, AuditRows::of(entries)).await
}

/// Audit lines made into rows before the transaction that writes them (a publication's holds
/// the write lock).
#[derive(Debug, Default)]
pub struct AuditRows(Vec<audit_log::ActiveModel>);

impl AuditRows {
    pub fn of(entries: Vec<AuditEntry<'_>>) -> AuditRows {
        let rows = entries
            .into_iter()
            .map(|e| audit_log::ActiveModel {
                at: Set(e.at),
                actor_user_id: Set(e.actor.user_id),
                actor: Set(e.actor.label.clone()),
                action: Set(e.action.to_string()),
                entity_type: Set(e.entity_type.to_string()),
                entity_id: Set(e.entity_id),
                reason: Set(e.reason.map(str::to_string)),
                details: Set(e.details.to_string()),
                ..Default::default()
            })
            .collect();
        AuditRows(rows)
    }
}

/// Writes audit lines made into rows, in their order, a statement per [`CHUNK`] of them.
pub async fn insert_audit<C: ConnectionTrait>(db: &C, rows: AuditRows) -> Result<(), DbErr> {
    let mut rows = rows.0.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<audit_log::ActiveModel> = rows.by_ref().take(CHUNK).collect();
        audit_log::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}
