use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// One line of the audit trail, written in the transaction of the change it records.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i32>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub reason: Option<String>,
    pub details: serde_json::Value,
}

pub async fn append<C: ConnectionTrait>(db: &C, e: NewEntry) -> Result<(), DbErr> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        at: Set(e.at),
        actor_user_id: Set(e.actor_user_id),
        actor: Set(e.actor),
        action: Set(e.action),
        entity_type: Set(e.entity_type),
        entity_id: Set(e.entity_id),
        reason: Set(e.reason),
        details: Set(e.details.to_string()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub actor_user_id: Option<i32>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only entries with an id above this (keyset pagination).
    pub after_id: Option<i32>,
    pub limit: u64,
}

pub async fn list<C: ConnectionTrait>(db: &C, f: &Filter) -> Result<Vec<audit_log::Model>, DbErr> {
    let mut q = audit_log::Entity::find();
    if let Some(v) = &f.entity_type {
        q = q.filter(audit_log::Column::EntityType.eq(v.clone()));
    }
    if let Some(v) = &f.entity_id {
        q = q.filter(audit_log::Column::EntityId.eq(v.clone()));
    }
    if let Some(v) = &f.action {
        q = q.filter(audit_log::Column::Action.eq(v.clone()));
    }
    if let Some(v) = f.actor_user_id {
        q = q.filter(audit_log::Column::ActorUserId.eq(v));
    }
    if let Some(v) = f.since {
        q = q.filter(audit_log::Column::At.gte(v));
    }
    if let Some(v) = f.until {
        q = q.filter(audit_log::Column::At.lte(v));
    }
    if let Some(v) = f.after_id {
        q = q.filter(audit_log::Column::Id.gt(v));
    }
    q.order_by_asc(audit_log::Column::Id).limit(f.limit).all(db).await
}
