//! The outbox: one row per email, unique per (kind, target, occasion), so that an email is
//! queued once however often its cause is replayed.

use chrono::{DateTime, Utc};
use entity::outbox;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, TryInsertResult};

use crate::error::DomainError;

pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const CANCELLED: &str = "cancelled";
}

pub mod kind {
    pub const SUBMISSION_RECEIPT: &str = "submission_receipt";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// An email to queue. `at` is the moment of the change that causes it (the injected clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmail {
    pub kind: String,
    /// What it is about, e.g. `application:12` (see [`application_target`]).
    pub target: String,
    /// Why, e.g. `submission` or `days_before:14`.
    pub occasion: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub at: DateTime<Utc>,
    pub attachment: Option<Attachment>,
}

pub fn application_target(application_id: i32) -> String {
    format!("application:{application_id}")
}

fn message_id() -> Result<String, DomainError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| DomainError::internal(e.to_string()))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("<{hex}@tuinier>"))
}

/// Queues an email; `Ok(false)` when one with the same (kind, target, occasion) is queued
/// already (then nothing changes). Call it inside the transaction of the change.
pub async fn enqueue<C: ConnectionTrait>(db: &C, email: NewEmail) -> Result<bool, DomainError> {
    let (attachment_filename, attachment_media_type, attachment_content) = match email.attachment {
        Some(a) => (Some(a.filename), Some(a.media_type), Some(a.content)),
        None => (None, None, None),
    };
    let row = outbox::ActiveModel {
        kind: Set(email.kind),
        target: Set(email.target),
        occasion: Set(email.occasion),
        recipient: Set(email.recipient),
        subject: Set(email.subject),
        body_text: Set(email.body_text),
        status: Set(status::QUEUED.to_string()),
        attempts: Set(0),
        next_attempt_at: Set(email.at),
        created_at: Set(email.at),
        sent_at: Set(None),
        last_error: Set(None),
        message_id: Set(message_id()?),
        attachment_filename: Set(attachment_filename),
        attachment_media_type: Set(attachment_media_type),
        attachment_content: Set(attachment_content),
        ..Default::default()
    };
    // ON CONFLICT DO NOTHING on the unique (kind, target, occasion): no error, and on
    // PostgreSQL the surrounding transaction stays usable.
    let result = outbox::Entity::insert(row)
        .on_conflict_do_nothing_on([outbox::Column::Kind, outbox::Column::Target, outbox::Column::Occasion])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(result, TryInsertResult::Inserted(n) if n > 0))
}

/// The emails about one target, oldest first.
pub async fn for_target<C: ConnectionTrait>(db: &C, target: &str) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find().filter(outbox::Column::Target.eq(target)).order_by_asc(outbox::Column::Id).all(db).await
}

/// Every email of one kind, oldest first.
pub async fn of_kind<C: ConnectionTrait>(db: &C, kind: &str) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find().filter(outbox::Column::Kind.eq(kind)).order_by_asc(outbox::Column::Id).all(db).await
}
