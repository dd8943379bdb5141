//! Programme staff assign assessors (*beoordelaars*) to a call; an assessor sees the submitted
//! applications of the calls they are assigned to.

use super::auth::Role;
use super::{Actor, AppState, audit};
use crate::error::DomainError;
use crate::store;

/// Whom to assign: a user id, or the user's `ref` (e.g. an assessor's code in a scenario).
#[derive(Debug, Clone)]
pub enum AssessorKey {
    Id(i32),
    Ref(String),
}

#[tracing::instrument(skip_all, fields(call_id = call_id, actor_id = actor.user_id))]
pub async fn assign(
    state: &AppState,
    actor: &Actor,
    call_id: i32,
    key: AssessorKey,
) -> Result<entity::user::Model, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    store::calls::by_id(&txn, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {call_id}")))?;
    let user = match &key {
        AssessorKey::Id(id) => store::users::by_id(&txn, *id).await?,
        AssessorKey::Ref(r) => store::users::list(&txn, Some(Role::Assessor.as_str()))
            .await?
            .into_iter()
            .find(|u| u.reference.as_deref() == Some(r)),
    };
    let (field, what) = match &key {
        AssessorKey::Id(id) => ("user_id", format!("user {id}")),
        AssessorKey::Ref(r) => ("ref", format!("an assessor with ref {r:?}")),
    };
    let user = user.ok_or_else(|| DomainError::invalid(field, format!("there is no {what}")))?;
    if user.role != Role::Assessor.as_str() {
        return Err(DomainError::invalid(field, format!("user {} is not an assessor", user.id)));
    }
    if store::call_assessors::is_assigned(&txn, call_id, user.id).await? {
        return Err(DomainError::Conflict(format!(
            "user {} is assigned to call {call_id} already",
            user.id
        )));
    }
    store::call_assessors::insert(&txn, call_id, user.id, now).await.map_err(|e| {
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => DomainError::Conflict(format!(
                "user {} is assigned to call {call_id} already",
                user.id
            )),
            _ => e.into(),
        }
    })?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor,
            at: now,
            action: "call.assessor_assigned",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: None,
            details: serde_json::json!({"user_id": user.id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn list(
    state: &AppState,
    call_id: i32,
) -> Result<Vec<(entity::call_assessor::Model, entity::user::Model)>, DomainError> {
    store::calls::by_id(&state.db, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {call_id}")))?;
    Ok(store::call_assessors::list(&state.db, call_id).await?)
}
