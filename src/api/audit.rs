use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};

use super::ApiTags;
use super::responses::List;
use super::security::TokenAuth;
use crate::service::{AppState, audit_trail};

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
    /// Reads the audit trail, oldest first (staff)
    ///
    /// Every change with who made it, when, and the before and after. Filter by entity, action,
    /// actor and time; page with `afterId` = the last id seen.
    #[oai(path = "/audit", method = "get")]
    // The handler's parameters ARE the endpoint's query keys (poem-openapi), so they stay separate.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: TokenAuth,
        /// Only this kind of entity, e.g. `call`, `application`
        #[oai(name = "entityType")]
        entity_type: Query<Option<String>>,
        /// Only this entity (with `entityType`)
        #[oai(name = "entityId")]
        entity_id: Query<Option<String>>,
        action: Query<Option<String>>,
        /// Only what this user did
        #[oai(name = "actorUserId")]
        actor_user_id: Query<Option<i32>>,
        since: Query<Option<DateTime<Utc>>>,
        until: Query<Option<DateTime<Utc>>>,
        /// Only the entries after this id (the last one seen)
        #[oai(name = "afterId")]
        after_id: Query<Option<i32>>,
        /// At most this many entries (1..=1000, default 100)
        limit: Query<Option<u64>>,
    ) -> Result<Json<Vec<AuditEntry>>, List> {
        let query = audit_trail::Query {
            entity_type: entity_type.0,
            entity_id: entity_id.0,
            action: action.0,
            actor_user_id: actor_user_id.0,
            since: since.0,
            until: until.0,
            after_id: after_id.0,
            limit: limit.0.unwrap_or(100),
        };
        let lines = audit_trail::list(&self.state, &auth.0, query).await?;
        Ok(Json(
            lines
                .into_iter()
                .map(|r| AuditEntry {
                    id: r.id,
                    at: r.at,
                    actor: r.actor,
                    actor_user_id: r.actor_user_id,
                    action: r.action,
                    entity_type: r.entity_type,
                    entity_id: r.entity_id,
                    reason: r.reason,
                    details: r.details,
                })
                .collect(),
        ))
    }
}
