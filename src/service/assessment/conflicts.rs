//! Conflicts of interest: staff record them; the assessor can then neither score the
//! application nor see its scores.

use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::app_row;
use crate::service::{AppState, audit};
use crate::store::{self, calls::call_of};

#[tracing::instrument(skip_all, fields(call_id = call_id, assessor_id = assessor_id, application_id = application_id))]
pub async fn declare_conflict(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    assessor_id: i32,
    application_id: i32,
    reason: &str,
) -> Result<entity::conflict::Model, DomainError> {
    who.require(&[Role::Staff])?;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "a conflict of interest needs a reason"));
    }
    let now = state.now();
    let txn = state.write().await?;
    call_of(&txn, call_id).await?;
    let app = app_row(&txn, application_id).await?;
    if app.call_id != call_id {
        return Err(DomainError::invalid("application_id", "the application is not of this call"));
    }
    let assessor = store::users::by_id(&txn, assessor_id).await?;
    if assessor.as_ref().map(|u| u.role.as_str()) != Some("assessor") {
        return Err(DomainError::invalid("assessor_id", "no assessor with this id"));
    }
    if store::assessment::conflict(&txn, assessor_id, application_id).await?.is_some() {
        return Err(DomainError::Conflict("this conflict of interest is recorded already".into()));
    }
    let c = store::assessment::add_conflict(
        &txn,
        call_id,
        assessor_id,
        application_id,
        reason.trim(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "conflict.declared",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: Some(reason.trim()),
            details: serde_json::json!({"assessor_id": assessor_id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn conflicts(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Vec<entity::conflict::Model>, DomainError> {
    who.require(&[Role::Staff])?;
    call_of(&state.db, call_id).await?;
    Ok(store::assessment::conflicts_of_call(&state.db, call_id).await?)
}
