//! Regions (*regionaal verband*) are registered by programme staff.

use super::auth::{Principal, Role};
use super::{Actor, AppState, audit};
use crate::domain::region::Region;
use crate::error::DomainError;
use crate::store;

#[tracing::instrument(skip_all, fields(actor_id = actor.user_id, region = %region.r#ref))]
pub async fn register(
    state: &AppState,
    actor: &Actor,
    region: Region,
) -> Result<(i32, Region), DomainError> {
    let region = Region::new(region).map_err(DomainError::Validation)?;
    let now = state.now();
    let txn = state.write().await?;
    if store::regions::by_ref(&txn, &region.r#ref).await?.is_some() {
        return Err(DomainError::Conflict(format!(
            "a region with ref {} exists already",
            region.r#ref
        )));
    }
    let id = store::regions::insert(&txn, &region, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor,
            at: now,
            action: "region.registered",
            entity_type: "region",
            entity_id: id.to_string(),
            reason: None,
            details: serde_json::to_value(&region).map_err(DomainError::internal)?,
        },
    )
    .await?;
    txn.commit().await?;
    Ok((id, region))
}

/// A region user sees only its own region; any other region does not exist for it.
#[tracing::instrument(skip_all, fields(region_id = id, user_id = who.user_id))]
pub async fn get(state: &AppState, who: &Principal, id: i32) -> Result<(i32, Region), DomainError> {
    let not_found = || DomainError::NotFound(format!("region {id}"));
    if who.role == Role::Region && who.region_id != Some(id) {
        return Err(not_found());
    }
    store::regions::by_id(&state.db, id).await?.ok_or_else(not_found)
}

#[tracing::instrument(skip_all, fields(user_id = who.user_id))]
pub async fn list(state: &AppState, who: &Principal) -> Result<Vec<(i32, Region)>, DomainError> {
    let all = store::regions::list(&state.db).await?;
    Ok(match who.role {
        Role::Region => all.into_iter().filter(|(id, _)| Some(*id) == who.region_id).collect(),
        Role::Staff | Role::Assessor => all,
    })
}
