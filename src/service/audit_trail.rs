//! Reading the audit trail (staff): the lines the use cases wrote, filtered and paged.

use chrono::{DateTime, Utc};

use super::AppState;
use super::auth::{Principal, Role};
use crate::error::DomainError;
use crate::store::audit;

/// What to read: by entity, action, actor and time; `after_id` pages on from the last id seen.
#[derive(Debug, Default)]
pub struct Query {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub actor_user_id: Option<i32>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub after_id: Option<i32>,
    /// 1..=1000
    pub limit: u64,
}

/// One line of the trail, its details parsed.
pub struct Line {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_user_id: Option<i32>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub reason: Option<String>,
    pub details: serde_json::Value,
}

/// The trail, oldest first (staff only).
#[tracing::instrument(skip(state, who), fields(user_id = who.user_id))]
pub async fn list(state: &AppState, who: &Principal, q: Query) -> Result<Vec<Line>, DomainError> {
    who.require(&[Role::Staff])?;
    if !(1..=1000).contains(&q.limit) {
        return Err(DomainError::invalid("limit", "between 1 and 1000"));
    }
    let filter = audit::Filter {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        action: q.action,
        actor_user_id: q.actor_user_id,
        since: q.since,
        until: q.until,
        after_id: q.after_id,
        limit: q.limit,
    };
    let rows = audit::list(&state.db, &filter).await?;
    Ok(rows
        .into_iter()
        .map(|r| Line {
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
        .collect())
}
