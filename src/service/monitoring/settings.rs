//! The due-date settings of a call's proeftuinen.

use crate::domain::monitoring::DueSettings;
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit};
use crate::store::{self, monitoring as db};

#[tracing::instrument(skip_all, fields(call_id))]
pub async fn settings(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<DueSettings, DomainError> {
    who.require(&[Role::Staff])?;
    store::calls::by_id(&state.db, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {call_id}")))?;
    Ok(db::settings(&state.db, Some(call_id)).await?)
}

#[tracing::instrument(skip_all, fields(call_id))]
pub async fn put_settings(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    s: DueSettings,
) -> Result<DueSettings, DomainError> {
    who.require(&[Role::Staff])?;
    let problems = s.problems();
    if !problems.is_empty() {
        return Err(DomainError::Validation(problems));
    }
    let now = state.now();
    let txn = state.write().await?;
    store::calls::by_id(&txn, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {call_id}")))?;
    db::put_settings(&txn, call_id, &s, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "monitoring.settings",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: None,
            details: serde_json::to_value(&s).map_err(DomainError::internal)?,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}
