//! Sessions of the web pages: a person signs in once with their token (checked by
//! [`auth::authenticate`]) and gets a random session secret for a cookie; only its hash is stored,
//! with the session's form token (CSRF) and its end. Sessions run on wall-clock time, not on the
//! programme's clock (the demo and the tests move that one by months).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::AppState;
use super::auth::{self, Principal, Role};
use crate::error::DomainError;
use entity::web_session;

/// How long a session lasts after signing in.
pub const SESSION_HOURS: i64 = 8;

/// A signed-in session as a request sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub who: Principal,
    /// The form token every POST of this session carries.
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

fn wall_now() -> DateTime<Utc> {
    Utc::now()
}

/// Signs in with a token: `Ok(None)` for an unknown token; otherwise the cookie's secret and the
/// new session. Expired sessions are removed on the way.
pub async fn start(
    state: &AppState,
    token: &str,
) -> Result<Option<(String, Session)>, DomainError> {
    let Some(who) = auth::authenticate(state, token.trim()).await? else {
        return Ok(None);
    };
    let secret = auth::new_token()?;
    let csrf = auth::hash_token(&auth::new_token()?);
    let now = wall_now();
    let expires_at = now + Duration::hours(SESSION_HOURS);
    let txn = state.write().await?;
    web_session::Entity::delete_many()
        .filter(web_session::Column::ExpiresAt.lt(now))
        .exec(&*txn)
        .await?;
    web_session::ActiveModel {
        secret_hash: Set(auth::hash_token(&secret)),
        user_id: Set(who.user_id),
        csrf: Set(csrf.clone()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(Some((secret, Session { who, csrf, expires_at })))
}

/// The session of a cookie's secret, if it exists and has not ended.
pub async fn resume(state: &AppState, secret: &str) -> Result<Option<Session>, DomainError> {
    if secret.len() > 128 {
        return Ok(None);
    }
    let hash = auth::hash_token(secret);
    let Some(row) = web_session::Entity::find()
        .filter(web_session::Column::SecretHash.eq(hash))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if row.expires_at <= wall_now() {
        return Ok(None);
    }
    let Some(user) = crate::store::users::by_id(&state.db, row.user_id).await? else {
        return Ok(None);
    };
    let Some(role) = Role::parse(&user.role) else {
        return Ok(None);
    };
    let who = Principal { user_id: user.id, name: user.name, role, region_id: user.region_id };
    Ok(Some(Session { who, csrf: row.csrf, expires_at: row.expires_at }))
}

/// Ends the session of a cookie's secret (signing out).
pub async fn end(state: &AppState, secret: &str) -> Result<(), DomainError> {
    let txn = state.write().await?;
    web_session::Entity::delete_many()
        .filter(web_session::Column::SecretHash.eq(auth::hash_token(secret)))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
