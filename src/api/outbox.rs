use chrono::{DateTime, Utc};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::ApiTags;
use super::responses::{Action, List, Read, Roles};
use super::security::TokenAuth;
use crate::service::AppState;
use crate::service::outbox::{self, ListQuery, application_of_target, days_before_of_occasion};

pub struct OutboxApi {
    pub state: AppState,
}

#[derive(Object, Debug, Clone)]
pub struct EmailAttachment {
    pub filename: String,
    pub media_type: String,
    /// The size of an attachment kept with the email. Absent for a decision letter: the mail
    /// worker attaches the stored letter (see the application's letters) when it delivers the
    /// email, and the email is sent only once its letter is rendered.
    #[oai(skip_serializing_if_is_none)]
    pub size_bytes: Option<u64>,
}

#[derive(Object, Debug, Clone)]
pub struct EmailSummary {
    pub id: i32,
    /// e.g. `submission_reminder`, `interview_invitation`
    pub kind: String,
    /// What it is about, e.g. `application:12`
    pub target: String,
    #[oai(skip_serializing_if_is_none)]
    pub application_id: Option<i32>,
    /// Why, e.g. `submission`, `first_round`, `days_before:14`
    pub occasion: String,
    /// For a reminder: how many days before its deadline
    #[oai(skip_serializing_if_is_none)]
    pub days_before: Option<u32>,
    pub recipient: String,
    pub subject: String,
    /// `queued`, `sending`, `sent`, `failed` or `cancelled`
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub last_error: Option<String>,
    /// Fixed at queueing; a re-send carries the same one
    pub message_id: String,
    #[oai(skip_serializing_if_is_none)]
    pub attachment: Option<EmailAttachment>,
}

#[derive(Object, Debug, Clone)]
pub struct EmailPage {
    pub items: Vec<EmailSummary>,
    /// How many match the filters in all.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Object, Debug, Clone)]
pub struct EmailHeader {
    pub name: String,
    pub value: String,
}

/// One email as it was sent (or, while not sent yet, as it will be).
#[derive(Object, Debug, Clone)]
pub struct EmailMessage {
    #[oai(flatten)]
    pub summary: EmailSummary,
    pub headers: Vec<EmailHeader>,
    pub text: String,
    pub html: String,
}

#[derive(Object, Debug, Clone)]
pub struct ScheduledEmail {
    pub kind: String,
    pub target: String,
    pub occasion: String,
    pub recipient: String,
}

#[derive(Object, Debug, Clone)]
pub struct SchedulerRun {
    /// The moment the tick ran at (the service's clock)
    pub at: DateTime<Utc>,
    /// What this tick newly queued (what was queued before is not repeated)
    pub queued: Vec<ScheduledEmail>,
}

fn summary(r: &entity::outbox::Model) -> EmailSummary {
    EmailSummary {
        id: r.id,
        kind: r.kind.clone(),
        target: r.target.clone(),
        application_id: application_of_target(&r.target),
        occasion: r.occasion.clone(),
        days_before: days_before_of_occasion(&r.occasion),
        recipient: r.recipient.clone(),
        subject: r.subject.clone(),
        status: r.status.clone(),
        attempts: r.attempts,
        created_at: r.created_at,
        next_attempt_at: r.next_attempt_at,
        sent_at: r.sent_at,
        last_error: r.last_error.clone(),
        message_id: r.message_id.clone(),
        attachment: match (&r.attachment_filename, &r.attachment_media_type) {
            (Some(filename), Some(media_type)) => Some(EmailAttachment {
                filename: filename.clone(),
                media_type: media_type.clone(),
                size_bytes: r
                    .attachment_content
                    .as_ref()
                    .map(|c| u64::try_from(c.len()).unwrap_or(u64::MAX)),
            }),
            _ => None,
        },
    }
}

#[OpenApi(tag = "ApiTags::Outbox")]
impl OutboxApi {
    /// Lists the outbox by id (staff)
    ///
    /// Filtered by kind, status and application; page with `limit` and `offset`.
    #[oai(path = "/outbox", method = "get")]
    async fn list(
        &self,
        auth: TokenAuth,
        /// Only this kind, e.g. `submission_reminder`
        kind: Query<Option<String>>,
        /// Only this status: `queued`, `sending`, `sent`, `failed`, `cancelled`
        status: Query<Option<String>>,
        /// Only the emails about this application
        #[oai(name = "applicationId")]
        application_id: Query<Option<i32>>,
        /// At most this many (1..=500, default 100)
        limit: Query<Option<u64>>,
        /// Skip this many first (default 0)
        offset: Query<Option<u64>>,
    ) -> Result<Json<EmailPage>, List> {
        let (limit, offset) = (limit.0.unwrap_or(100), offset.0.unwrap_or(0));
        let q = ListQuery {
            kind: kind.0,
            status: status.0,
            application_id: application_id.0,
            limit,
            offset,
        };
        let (rows, total) = outbox::list(&self.state, &auth.0, q).await?;
        Ok(Json(EmailPage { items: rows.iter().map(summary).collect(), total, limit, offset }))
    }

    /// Reads one email as it was sent (staff)
    ///
    /// Headers, plain text, HTML and attachment.
    #[oai(path = "/outbox/:id", method = "get")]
    async fn get(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<EmailMessage>, Read> {
        // The same rendering the worker sends.
        let r = outbox::rendered(&self.state, &auth.0, id.0).await?;
        Ok(Json(EmailMessage {
            summary: summary(&r.row),
            headers: r
                .headers
                .into_iter()
                .map(|(name, value)| EmailHeader { name, value })
                .collect(),
            text: r.row.body_text.clone(),
            html: r.html,
        }))
    }

    /// Puts a failed email back in the queue (staff)
    ///
    /// Due now; an email that is not `failed` answers 409.
    #[oai(path = "/outbox/:id/requeue", method = "post")]
    async fn requeue(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<EmailSummary>, Action> {
        Ok(Json(summary(&outbox::requeue(&self.state, &auth.0, id.0).await?)))
    }

    /// Runs the scheduler once at the service's clock (staff)
    ///
    /// Queues the reminders that are due and not queued yet; the scheduler also runs by itself.
    /// Answers the moment it ran at and what it queued.
    #[oai(path = "/scheduler/run", method = "post")]
    async fn run_scheduler(&self, auth: TokenAuth) -> Result<Json<SchedulerRun>, Roles> {
        let at = self.state.now();
        let queued = outbox::run_scheduler(&self.state, &auth.0).await?;
        Ok(Json(SchedulerRun {
            at,
            queued: queued
                .into_iter()
                .map(|q| ScheduledEmail {
                    kind: q.kind,
                    target: q.target,
                    occasion: q.occasion,
                    recipient: q.recipient,
                })
                .collect(),
        }))
    }
}
