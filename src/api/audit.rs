use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};

use super::ApiTags;
use super::problem::ApiError;
use super::security::TokenAuth;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::Role;
use crate::store;

pub struct AuditApi {
    pub state: AppState,
}

#[derive(Object, Debug, Clone)]
pub struct AuditEntry {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor: String,
    #[oai(skip_serializing_if_is_none)]
    pub actor_user_id: Option<i32>,
    /// e.g. `call.created`, `call.amended`, `application.submitted`
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    #[oai(skip_serializing_if_is_none)]
    pub reason: Option<String>,
    pub details: serde_json::Value,
}

#[OpenApi(tag = "ApiTags::Audit")]
impl AuditApi {
    /// Reads the audit trail, oldest first (staff). Page with `after_id` = the last id seen.
    #[oai(path = "/audit", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: TokenAuth,
        entity_type: Query<Option<String>>,
        entity_id: Query<Option<String>>,
        action: Query<Option<String>>,
        actor_user_id: Query<Option<i32>>,
        since: Query<Option<DateTime<Utc>>>,
        until: Query<Option<DateTime<Utc>>>,
        after_id: Query<Option<i32>>,
        /// At most this many entries (1..=1000, default 100)
        limit: Query<Option<u64>>,
    ) -> Result<Json<Vec<AuditEntry>>, ApiError> {
        auth.0.require(&[Role::Staff])?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(DomainError::invalid("limit", "between 1 and 1000").into());
        }
        let filter = store::audit::Filter {
            entity_type: entity_type.0,
            entity_id: entity_id.0,
            action: action.0,
            actor_user_id: actor_user_id.0,
            since: since.0,
            until: until.0,
            after_id: after_id.0,
            limit,
        };
        let rows = store::audit::list(&self.state.db, &filter).await.map_err(DomainError::from)?;
        Ok(Json(
            rows.into_iter()
                .map(|r| AuditEntry {
                    id: r.id,
                    at: r.at,
                    actor: r.actor,
                    actor_user_id: r.actor_user_id,
                    action: r.action,
                    entity_type: r.entity_type,
                    entity_id: r.entity_id,
                    reason: r.reason,
                    details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
                })
                .collect(),
        ))
    }
}
