//! Users and their tokens: staff create them through the API, or `tuinier user add` bootstraps
//! the first one on a fresh database.

use super::auth::{Role, hash_token, new_token};
use super::{Actor, AppState, audit};
use crate::error::DomainError;
use crate::store;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: String,
    pub organisation: Option<String>,
    pub reference: Option<String>,
    /// Required for a region user: the ref of the region it acts for.
    pub region: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user: entity::user::Model,
    pub region_ref: Option<String>,
    /// Shown once; only its hash is stored.
    pub token: String,
}

#[tracing::instrument(skip_all, fields(actor_id = actor.user_id, role = %input.role))]
pub async fn add(
    state: &AppState,
    actor: &Actor,
    input: NewUser,
) -> Result<CreatedUser, DomainError> {
    let errors = crate::domain::user::new_user_problems(
        &input.role,
        &input.name,
        &input.email,
        input.region.as_deref(),
    );
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let now = state.now();
    let token = new_token()?;
    let txn = state.write().await?;
    let region =
        match &input.region {
            Some(r) => Some(store::regions::by_ref(&txn, r).await?.ok_or_else(|| {
                DomainError::invalid("region", format!("no region with ref {r:?}"))
            })?),
            None => None,
        };
    if store::users::by_email(&txn, &input.email).await?.is_some() {
        return Err(DomainError::Conflict(format!(
            "a user with email {} exists already",
            input.email
        )));
    }
    let user = store::users::insert(
        &txn,
        store::users::NewUser {
            name: input.name.trim().to_string(),
            email: input.email.clone(),
            role: input.role.clone(),
            organisation: input.organisation.clone(),
            reference: input.reference.clone(),
            region_id: region.as_ref().map(|(id, _)| *id),
            token_hash: hash_token(&token),
            created_at: now,
        },
    )
    .await?;
    audit::record(
&txn,
audit::AuditEntry {
actor,
at: now,
action: "user.created",
entity_type: "user",
entity_id: user.id.to_string(),
reason: None,
details: serde_json::json!({"email": user.email, "role": user.role, "region": input.region}),
},
)
    .await?;
    txn.commit().await?;
    Ok(CreatedUser { user, region_ref: region.map(|(_, r)| r.r#ref), token })
}

/// Issues a new token for an existing user; the old one stops working at once in this process,
/// and within `auth::REMEMBER_TOKEN` in another on the same database.
#[tracing::instrument(skip_all, fields(actor_id = actor.user_id, user_id = user_id))]
pub async fn rotate_token(
    state: &AppState,
    actor: &Actor,
    user_id: i32,
) -> Result<String, DomainError> {
    let token = new_token()?;
    let txn = state.write().await?;
    store::users::by_id(&txn, user_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("user {user_id}")))?;
    store::users::set_token_hash(&txn, user_id, hash_token(&token)).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor,
            at: state.now(),
            action: "user.token_rotated",
            entity_type: "user",
            entity_id: user_id.to_string(),
            reason: None,
            details: serde_json::json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// One user (staff); 404 when there is none with this id.
#[tracing::instrument(skip(state, who), fields(user_id = who.user_id))]
pub async fn get(
    state: &AppState,
    who: &super::auth::Principal,
    id: i32,
) -> Result<entity::user::Model, DomainError> {
    who.require(&[Role::Staff])?;
    store::users::by_id(&state.db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("user {id}")))
}

/// Every user, oldest first, optionally of one role (staff).
#[tracing::instrument(skip(state, who), fields(user_id = who.user_id))]
pub async fn list(
    state: &AppState,
    who: &super::auth::Principal,
    role: Option<&str>,
) -> Result<Vec<entity::user::Model>, DomainError> {
    who.require(&[Role::Staff])?;
    Ok(store::users::list(&state.db, role).await?)
}

/// The user behind the token.
#[tracing::instrument(skip(state, who), fields(user_id = who.user_id))]
pub async fn me(
    state: &AppState,
    who: &super::auth::Principal,
) -> Result<entity::user::Model, DomainError> {
    store::users::by_id(&state.db, who.user_id)
        .await?
        .ok_or_else(|| DomainError::NotFound("user".into()))
}
