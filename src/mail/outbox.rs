//! The outbox: one row per email, unique per (kind, target, occasion), so that an email is
//! queued once however often its cause is replayed.
//!
//! One decision, one message: a decision email belongs to the decision that caused it. When the
//! opposite decision email is queued for the same application (a corrected decision), the obsolete
//! one is cancelled if it is still queued, with an audit line; what was sent is never recalled.

use chrono::{DateTime, Utc};
use entity::outbox;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TryInsertResult,
};

use crate::error::DomainError;
use crate::store::audit::{self, Actor};

pub mod status {
    pub const QUEUED: &str = "queued";
    /// Claimed by a worker; its lease says until when.
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const CANCELLED: &str = "cancelled";
    pub const ALL: [&str; 5] = [QUEUED, SENDING, SENT, FAILED, CANCELLED];
}

pub mod kind {
    pub const SUBMISSION_REMINDER: &str = "submission_reminder";
    pub const SUBMISSION_RECEIPT: &str = "submission_receipt";
    pub const INTERVIEW_INVITATION: &str = "interview_invitation";
    pub const REJECTION_FIRST_ROUND: &str = "rejection_first_round";
    pub const ADDENDUM_REMINDER: &str = "addendum_reminder";
    pub const AWARD_LETTER: &str = "award_letter";
    pub const REJECTION_FINAL: &str = "rejection_final";
    /// Queued by monitoring (issue 8) through a scheduler source.
    pub const REPORT_REMINDER: &str = "report_reminder";
    /// Queued by grant finance (issue 17): an advance or a settlement decided.
    pub const ADVANCE_DECISION: &str = "advance_decision";
    pub const SETTLEMENT_DECISION: &str = "settlement_decision";
    pub const ALL: [&str; 10] = [
        SUBMISSION_REMINDER,
        SUBMISSION_RECEIPT,
        INTERVIEW_INVITATION,
        REJECTION_FIRST_ROUND,
        ADDENDUM_REMINDER,
        AWARD_LETTER,
        REJECTION_FINAL,
        REPORT_REMINDER,
        ADVANCE_DECISION,
        SETTLEMENT_DECISION,
    ];

    /// The decision email that a decision of this kind makes obsolete: the opposite outcome of
    /// the same round.
    pub fn opposite(kind: &str) -> Option<&'static str> {
        match kind {
            INTERVIEW_INVITATION => Some(REJECTION_FIRST_ROUND),
            REJECTION_FIRST_ROUND => Some(INTERVIEW_INVITATION),
            AWARD_LETTER => Some(REJECTION_FINAL),
            REJECTION_FINAL => Some(AWARD_LETTER),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub media_type: String,
    /// Empty for a letter still to be rendered ([`Attachment::pending`]).
    pub content: Vec<u8>,
}

impl Attachment {
    /// An attachment whose content comes later: the decision letter that the letter worker
    /// renders after the publication commits. The row is queued with its file name and type and
    /// no content; the worker sends it only once the content is there (see `worker`).
    pub fn pending(filename: String, media_type: String) -> Attachment {
        Attachment { filename, media_type, content: Vec::new() }
    }
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

/// The application an `application:ID` target is about.
pub fn application_of_target(target: &str) -> Option<i32> {
    target.strip_prefix("application:").and_then(|id| id.parse().ok())
}

/// The `N` of a reminder's occasion `days_before:N`.
pub fn days_before_of_occasion(occasion: &str) -> Option<u32> {
    occasion.strip_prefix("days_before:").and_then(|n| n.parse().ok())
}

fn message_id() -> Result<String, DomainError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| DomainError::internal(e.to_string()))?;
    let hex = crate::domain::digest::hex(&bytes);
    Ok(format!("<{hex}@tuinier>"))
}

/// Queues an email; `Ok(false)` when one with the same (kind, target, occasion) is queued
/// already (then nothing changes). Call it inside the transaction of the change.
///
/// A decision email cancels the still-queued email of the opposite decision on the same target
/// (see the module comment); if the same decision email was cancelled that way before (the
/// decision was corrected back), it is queued again with the new content and a new Message-ID.
pub async fn enqueue<C: ConnectionTrait>(db: &C, email: NewEmail) -> Result<bool, DomainError> {
    let at = email.at;
    let (kind, target) = (email.kind.clone(), email.target.clone());
    let queued = if revive_cancelled(db, &email).await? { true } else { insert(db, email).await? };
    if queued && let Some(obsolete) = kind::opposite(&kind) {
        cancel_obsolete(db, &target, obsolete, &kind, at).await?;
    }
    Ok(queued)
}

pub(super) async fn cancel_obsolete<C: ConnectionTrait>(
    db: &C,
    target: &str,
    obsolete: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Target.eq(target))
        .filter(outbox::Column::Kind.eq(obsolete))
        .filter(outbox::Column::Status.eq(status::QUEUED))
        .all(db)
        .await?;
    for row in rows {
        // Conditional on `queued`: a worker that claimed it in the meantime sends it, and then
        // it is part of the record (never recalled).
        let done = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(status::CANCELLED))
            .col_expr(
                outbox::Column::LastError,
                Expr::value(format!("cancelled: superseded by {by}")),
            )
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Status.eq(status::QUEUED))
            .exec(db)
            .await?;
        if done.rows_affected > 0 {
            audit::record(
db,
audit::AuditEntry {
actor: &Actor::system("outbox"),
at,
action: "email.cancelled",
entity_type: "email",
entity_id: row.id.to_string(),
reason: Some("the decision it belongs to was replaced before the email went out"),
details: serde_json::json!({"kind": row.kind, "target": row.target, "superseded_by": by, "message_id": row.message_id}),
},
)
            .await?;
        }
    }
    Ok(())
}

/// A decision corrected back: the email cancelled as obsolete becomes current again.
pub(super) async fn revive_cancelled<C: ConnectionTrait>(
    db: &C,
    email: &NewEmail,
) -> Result<bool, DomainError> {
    if kind::opposite(&email.kind).is_none() {
        return Ok(false);
    }
    let Some(row) = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(email.kind.as_str()))
        .filter(outbox::Column::Target.eq(email.target.as_str()))
        .filter(outbox::Column::Occasion.eq(email.occasion.as_str()))
        .filter(outbox::Column::Status.eq(status::CANCELLED))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let (filename, media_type, content) = attachment_columns(email.attachment.clone());
    let html = super::templates::html_of(&email.subject, &email.body_text);
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status::QUEUED))
        .col_expr(outbox::Column::Recipient, Expr::value(email.recipient.clone()))
        .col_expr(outbox::Column::Subject, Expr::value(email.subject.clone()))
        .col_expr(outbox::Column::BodyText, Expr::value(email.body_text.clone()))
        .col_expr(outbox::Column::BodyHtml, Expr::value(html))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(email.at))
        .col_expr(outbox::Column::LastError, Expr::value(Option::<String>::None))
        // A new message: the cancelled one was never sent, but it is a different version.
        .col_expr(outbox::Column::MessageId, Expr::value(message_id()?))
        .col_expr(outbox::Column::AttachmentFilename, Expr::value(filename))
        .col_expr(outbox::Column::AttachmentMediaType, Expr::value(media_type))
        .col_expr(outbox::Column::AttachmentContent, Expr::value(content))
        .filter(outbox::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    audit::record(
        db,
        audit::AuditEntry {
            actor: &Actor::system("outbox"),
            at: email.at,
            action: "email.requeued",
            entity_type: "email",
            entity_id: row.id.to_string(),
            reason: Some("the decision it belongs to is current again"),
            details: serde_json::json!({"kind": row.kind, "target": row.target}),
        },
    )
    .await?;
    Ok(true)
}

type AttachmentColumns = (Option<String>, Option<String>, Option<Vec<u8>>);

fn attachment_columns(a: Option<Attachment>) -> AttachmentColumns {
    match a {
        Some(a) => {
            let content = (!a.content.is_empty()).then_some(a.content);
            (Some(a.filename), Some(a.media_type), content)
        }
        None => (None, None, None),
    }
}

/// An email made ready before the transaction that queues it: rendered, its Message-ID made.
#[derive(Debug)]
pub struct ReadyEmail {
    pub(super) email: NewEmail,
    message_id: String,
}

impl ReadyEmail {
    pub fn of(email: NewEmail) -> Result<ReadyEmail, DomainError> {
        Ok(ReadyEmail { email, message_id: message_id()? })
    }
}

pub(super) fn row_of(ready: ReadyEmail) -> outbox::ActiveModel {
    let ReadyEmail { email, message_id } = ready;
    let (attachment_filename, attachment_media_type, attachment_content) =
        attachment_columns(email.attachment);
    outbox::ActiveModel {
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
        message_id: Set(message_id),
        attachment_filename: Set(attachment_filename),
        attachment_media_type: Set(attachment_media_type),
        attachment_content: Set(attachment_content),
        // The HTML is made from the subject and text when the email is sent (or shown): it
        // follows from them, and a publication's ten thousand rows are half the size without it.
        body_html: Set(None),
        ..Default::default()
    }
}

async fn insert<C: ConnectionTrait>(db: &C, email: NewEmail) -> Result<bool, DomainError> {
    let row = row_of(ReadyEmail::of(email)?);
    // ON CONFLICT DO NOTHING on the unique (kind, target, occasion): no error, and on
    // PostgreSQL the surrounding transaction stays usable.
    let result = outbox::Entity::insert(row)
        .on_conflict_do_nothing_on([
            outbox::Column::Kind,
            outbox::Column::Target,
            outbox::Column::Occasion,
        ])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(result, TryInsertResult::Inserted(n) if n > 0))
}

/// The emails about one target, oldest first.
pub async fn for_target<C: ConnectionTrait>(
    db: &C,
    target: &str,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Target.eq(target))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
}

/// Every email of one kind, oldest first.
pub async fn of_kind<C: ConnectionTrait>(db: &C, kind: &str) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
}

/// Which emails to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub target: Option<String>,
    pub limit: u64,
    pub offset: u64,
}

/// One page of the outbox by id, and how many rows match in all.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    f: &Filter,
) -> Result<(Vec<outbox::Model>, u64), DbErr> {
    let mut q = outbox::Entity::find();
    if let Some(k) = &f.kind {
        q = q.filter(outbox::Column::Kind.eq(k.as_str()));
    }
    if let Some(s) = &f.status {
        q = q.filter(outbox::Column::Status.eq(s.as_str()));
    }
    if let Some(t) = &f.target {
        q = q.filter(outbox::Column::Target.eq(t.as_str()));
    }
    let total = q.clone().count(db).await?;
    let rows = q.order_by_asc(outbox::Column::Id).offset(f.offset).limit(f.limit).all(db).await?;
    Ok((rows, total))
}

pub async fn by_id<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find_by_id(id).one(db).await
}

/// Puts a failed email back in the queue, due now, with a fresh count of attempts; `false` when
/// it is not failed (then nothing changes). Its Message-ID stays: it is the same message.
pub async fn requeue_failed<C: ConnectionTrait>(
    db: &C,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status::QUEUED))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(status::FAILED))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}
