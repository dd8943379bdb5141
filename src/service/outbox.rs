//! Staff use cases on the outbox: list it, read one message as it was (or will be) sent, re-queue
//! a failed one; and run the scheduler once at the clock's now.

use super::auth::{Principal, Role};
use super::deadlines;
use super::{AppState, audit};
use crate::error::{DomainError, FieldError};
use crate::mail::outbox;

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub application_id: Option<i32>,
    pub limit: u64,
    pub offset: u64,
}

/// Every problem with a list query at once.
fn check(q: &ListQuery) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    if let Some(k) = &q.kind
        && !kind::ALL.contains(&k.as_str())
    {
        errors.push(FieldError::new("kind", format!("one of {}", kind::ALL.join(", "))));
    }
    if let Some(s) = &q.status
        && !status::ALL.contains(&s.as_str())
    {
        errors.push(FieldError::new("status", format!("one of {}", status::ALL.join(", "))));
    }
    if q.application_id.is_some_and(|id| id < 1) {
        errors.push(FieldError::new("applicationId", "a positive id"));
    }
    if !(1..=500).contains(&q.limit) {
        errors.push(FieldError::new("limit", "between 1 and 500"));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

#[tracing::instrument(skip_all, fields(user_id = who.user_id, application_id = q.application_id))]
pub async fn list(
    state: &AppState,
    who: &Principal,
    q: ListQuery,
) -> Result<(Vec<entity::outbox::Model>, u64), DomainError> {
    who.require(&[Role::Staff])?;
    check(&q)?;
    let filter = outbox::Filter {
        kind: q.kind,
        status: q.status,
        target: q.application_id.map(outbox::application_target),
        limit: q.limit,
        offset: q.offset,
    };
    Ok(outbox::page(&state.db, &filter).await?)
}

#[tracing::instrument(skip_all, fields(email_id = id, user_id = who.user_id))]
pub async fn get(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<entity::outbox::Model, DomainError> {
    who.require(&[Role::Staff])?;
    outbox::by_id(&state.db, id).await?.ok_or_else(|| DomainError::NotFound(format!("email {id}")))
}

/// Puts a failed email back in the queue, due now; anything but a failed email is a conflict.
#[tracing::instrument(skip_all, fields(email_id = id, user_id = who.user_id))]
pub async fn requeue(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<entity::outbox::Model, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    let row = outbox::by_id(&txn, id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("email {id}")))?;
    if !outbox::requeue_failed(&txn, id, now).await? {
        return Err(DomainError::Conflict(format!(
            "email {id} is {}; only a failed email can be queued again",
            row.status
        )));
    }
    audit::record(
&txn,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: "email.requeued",
entity_type: "email",
entity_id: id.to_string(),
reason: None,
details: serde_json::json!({"kind": row.kind, "target": row.target, "attempts": row.attempts, "last_error": row.last_error}),
},
).await?;
    let row = outbox::by_id(&txn, id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("email {id}")))?;
    txn.commit().await?;
    Ok(row)
}

/// One scheduler tick at the clock's now (staff; tests and the scenario driver use it).
#[tracing::instrument(skip_all, fields(user_id = who.user_id))]
pub async fn run_scheduler(
    state: &AppState,
    who: &Principal,
) -> Result<Vec<deadlines::Queued>, DomainError> {
    who.require(&[Role::Staff])?;
    deadlines::tick(state).await
}

/// The kinds and statuses of an email, and what its target and occasion name.
pub use crate::mail::outbox::{application_of_target, days_before_of_occasion, kind, status};

/// The headers shown for an email as it was sent (or will be).
const SHOWN_HEADERS: [&str; 7] =
    ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"];

/// One email as it was sent (or, while not sent yet, as it will be): the row, its headers
/// (name, value) and its HTML.
pub struct Rendered {
    pub row: entity::outbox::Model,
    pub headers: Vec<(String, String)>,
    pub html: String,
}

/// One email rendered as the worker sends it, dated when it was sent (or now, if not yet) (staff).
#[tracing::instrument(skip(state, who), fields(user_id = who.user_id))]
pub async fn rendered(state: &AppState, who: &Principal, id: i32) -> Result<Rendered, DomainError> {
    use crate::mail::{templates, worker};
    let row = get(state, who, id).await?;
    let from = row.sent_from.clone().unwrap_or_else(|| worker::DEFAULT_FROM.to_string());
    let date = row.sent_at.unwrap_or_else(|| state.now());
    let headers = match worker::build_message(&row, &from, date) {
        Ok(m) => SHOWN_HEADERS
            .iter()
            .filter_map(|name| {
                m.headers().get_raw(name).map(|v| ((*name).to_string(), v.to_string()))
            })
            .collect(),
        Err(e) => vec![("X-Tuinier-Render-Error".to_string(), e)],
    };
    let html =
        row.body_html.clone().unwrap_or_else(|| templates::html_of(&row.subject, &row.body_text));
    Ok(Rendered { row, headers, html })
}
