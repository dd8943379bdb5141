//! The audit trail: one line per change, written in the transaction of that change. The writer
//! lives here, below the services and the mail outbox, so every layer that changes data can record
//! it without importing upward.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Who did something: a user, or the service itself (CLI, scheduler, demo).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub label: String,
}

impl Actor {
    pub fn system(what: &str) -> Actor {
        Actor { user_id: None, label: format!("system:{what}") }
    }
}

/// One line of the audit trail: who did what to which entity, when, why and with what details.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor: &'a Actor,
    pub at: DateTime<Utc>,
    /// What was done, e.g. `application.submit`.
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    /// The reason given by the person, where the change asks for one.
    pub reason: Option<&'a str>,
    pub details: serde_json::Value,
}

/// Appends one line to the audit trail; call it inside the transaction of the change.
pub async fn record<C: ConnectionTrait>(db: &C, e: AuditEntry<'_>) -> Result<(), DbErr> {
    audit_log::Entity::insert(audit_log::ActiveModel {
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
