//! Calls (*leidraad*): staff define them; once published they change only by amendment.

use super::assessment::{STAGE_FINAL, STAGE_FIRST};
use super::auth::{Principal, Role};
use super::{Actor, AppState, audit, templates};
use crate::domain::call::CallDefinition;
use crate::domain::call_lock::{self, Decided};
use crate::error::DomainError;
use crate::store::{self, calls::StoredCall};

#[tracing::instrument(skip_all, fields(actor_id = actor.user_id, code = %def.code))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    def: CallDefinition,
) -> Result<StoredCall, DomainError> {
    let def = CallDefinition::new(def).map_err(DomainError::Validation)?;
    let now = state.now();
    let txn = state.write().await?;
    if store::calls::by_code(&txn, &def.code).await?.is_some() {
        return Err(DomainError::Conflict(format!("a call with code {} exists already", def.code)));
    }
    let call = store::calls::insert(&txn, &def, actor.user_id, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor,
            at: now,
            action: "call.created",
            entity_type: "call",
            entity_id: call.id.to_string(),
            reason: None,
            details: serde_json::json!({"code": def.code}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(call)
}

#[tracing::instrument(skip_all, fields(actor_id = actor.user_id, template = %template))]
pub async fn create_from_template(
    state: &AppState,
    actor: &Actor,
    template: &str,
) -> Result<StoredCall, DomainError> {
    let def = templates::call(template)?;
    create(state, actor, def).await
}

#[tracing::instrument(skip_all, fields(call_id = id))]
pub async fn get(state: &AppState, id: i32) -> Result<StoredCall, DomainError> {
    store::calls::by_id(&state.db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {id}")))
}

#[tracing::instrument(skip_all)]
pub async fn list(state: &AppState) -> Result<Vec<StoredCall>, DomainError> {
    store::calls::list(&state.db).await
}

/// Whether `who` may see `call`: staff always; anyone else once the call is published, and an
/// assessor assigned to it before that.
async fn visible_to<C: sea_orm::ConnectionTrait>(
    db: &C,
    who: &Principal,
    call: &StoredCall,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, DomainError> {
    Ok(match who.role {
        Role::Staff => true,
        _ if call.definition.is_published(now) => true,
        Role::Assessor => store::call_assessors::is_assigned(db, call.id, who.user_id).await?,
        Role::Region => false,
    })
}

/// The calls `who` may see: an unpublished call is for staff (and its assessors) only.
#[tracing::instrument(skip_all, fields(user_id = who.user_id))]
pub async fn list_for(state: &AppState, who: &Principal) -> Result<Vec<StoredCall>, DomainError> {
    let now = state.now();
    let mut out = Vec::new();
    for call in store::calls::list(&state.db).await? {
        if visible_to(&state.db, who, &call, now).await? {
            out.push(call);
        }
    }
    Ok(out)
}

/// One call, if `who` may see it; otherwise 404, as if it did not exist.
#[tracing::instrument(skip_all, fields(call_id = id, user_id = who.user_id))]
pub async fn get_for(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<StoredCall, DomainError> {
    let call = get(state, id).await?;
    if visible_to(&state.db, who, &call, state.now()).await? {
        Ok(call)
    } else {
        Err(DomainError::NotFound(format!("call {id}")))
    }
}

/// Before publication a call may be rewritten freely; after it, only [`amend`] changes it.
#[tracing::instrument(skip_all, fields(call_id = id, actor_id = actor.user_id))]
pub async fn replace(
    state: &AppState,
    actor: &Actor,
    id: i32,
    def: CallDefinition,
) -> Result<StoredCall, DomainError> {
    let def = CallDefinition::new(def).map_err(DomainError::Validation)?;
    let now = state.now();
    let txn = state.write().await?;
    let current = store::calls::by_id(&txn, id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {id}")))?;
    if current.definition.is_published(now) {
        return Err(DomainError::Conflict(
            "the call is published; it changes only through an amendment with a reason (POST /calls/{id}/amendments)".into(),
        ));
    }
    ensure_code_free(&txn, &def, id).await?;
    let call = store::calls::replace(&txn, id, &def, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor,
            at: now,
            action: "call.updated",
            entity_type: "call",
            entity_id: id.to_string(),
            reason: None,
            details: serde_json::json!({"code": def.code}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(call)
}

/// Changes a call and records who, when and why, with the definition before and after.
#[tracing::instrument(skip_all, fields(call_id = id, actor_id = actor.user_id))]
pub async fn amend(
    state: &AppState,
    actor: &Actor,
    id: i32,
    def: CallDefinition,
    reason: &str,
) -> Result<StoredCall, DomainError> {
    let problems = crate::domain::call::amendment_problems(&def, reason);
    if !problems.is_empty() {
        return Err(DomainError::Validation(problems));
    }
    let now = state.now();
    let txn = state.write().await?;
    let current = store::calls::by_id(&txn, id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {id}")))?;
    ensure_basis_unchanged(&txn, &current, &def).await?;
    ensure_code_free(&txn, &def, id).await?;
    let call = store::calls::replace(&txn, id, &def, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor,
            at: now,
            action: "call.amended",
            entity_type: "call",
            entity_id: id.to_string(),
            reason: Some(reason.trim()),
            details: serde_json::json!({"before": current.definition, "after": def}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(call)
}

/// A published outcome locks what it rests on (see [`call_lock`]): an amendment that would change
/// it is refused, naming the fields and the publication, so results, letters and the frozen
/// outcome keep agreeing.
async fn ensure_basis_unchanged<C: sea_orm::ConnectionTrait>(
    db: &C,
    current: &StoredCall,
    def: &CallDefinition,
) -> Result<(), DomainError> {
    for (stage, decided) in [(STAGE_FINAL, Decided::Final), (STAGE_FIRST, Decided::FirstRound)] {
        let Some(snap) = store::assessment::snapshot(db, current.id, stage).await? else {
            continue;
        };
        let changed = call_lock::locked_changes(&current.definition, def, decided);
        if !changed.is_empty() {
            return Err(DomainError::Conflict(format!(
                "the {} outcome of this call was published on {} (frozen outcome sha256 {}); it rests on {}, which an amendment may not change. \
                 A change now is a correction of the published outcome, not an edit of the call",
                decided.label(),
                snap.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                snap.sha256,
                changed.join(", "),
            )));
        }
    }
    Ok(())
}

async fn ensure_code_free<C: sea_orm::ConnectionTrait>(
    db: &C,
    def: &CallDefinition,
    id: i32,
) -> Result<(), DomainError> {
    match store::calls::by_code(db, &def.code).await? {
        Some(other) if other.id != id => {
            Err(DomainError::Conflict(format!("a call with code {} exists already", def.code)))
        }
        _ => Ok(()),
    }
}
