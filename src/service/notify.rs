//! Queues the email that belongs to a decision, inside the decision's transaction; a
//! publication's decision emails are made here and queued together.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::outcome::{AppRow, reference};
use crate::domain::call::{CallDefinition, stage};
use crate::error::DomainError;
use crate::mail::decisions::{self, DecisionEmail};
use crate::mail::outbox::{self, Attachment, NewEmail};

#[tracing::instrument(skip_all, fields(application_id = app.id))]
pub async fn queue<C: ConnectionTrait>(
    db: &C,
    call: &CallDefinition,
    app: &AppRow,
    kind: &str,
    occasion: &str,
    now: DateTime<Utc>,
) -> Result<bool, DomainError> {
    let reference = reference(app.call_id, app.id);
    let details = Details { reference, ground: None, interview: None };
    let email = OutgoingDecision { kind, occasion, details, attachment: None };
    queue_with_attachment(db, call, app, email, now).await
}

/// What a decision email says beyond the call and the region.
#[derive(Debug, Clone)]
pub struct Details {
    /// The letter's reference.
    pub reference: String,
    /// The decisive ground in one sentence.
    pub ground: Option<String>,
    pub interview: Option<decisions::InterviewAt>,
}

/// One decision email to queue: which, on what occasion, what it says and the letter it carries.
#[derive(Debug, Clone)]
pub struct OutgoingDecision<'a> {
    /// The email's kind, e.g. `award` or `interview_invitation`.
    pub kind: &'a str,
    /// The email's occasion, e.g. `first_round` or `final`.
    pub occasion: &'a str,
    pub details: Details,
    pub attachment: Option<Attachment>,
}

/// As [`queue`], with the decision letter attached (see `service::letters`).
#[tracing::instrument(skip_all, fields(application_id = app.id))]
pub async fn queue_with_attachment<C: ConnectionTrait>(
    db: &C,
    call: &CallDefinition,
    app: &AppRow,
    email: OutgoingDecision<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DomainError> {
    outbox::enqueue(db, decision_email(call, app, email, now)).await
}

/// The outbox row of a decision email (no database: a publication queues them all at once with
/// [`outbox::enqueue_many`]).
pub fn decision_email(
    call: &CallDefinition,
    app: &AppRow,
    email: OutgoingDecision<'_>,
    now: DateTime<Utc>,
) -> NewEmail {
    let OutgoingDecision { kind, occasion, details, attachment } = email;
    let rendered = decisions::render(&DecisionEmail {
        kind,
        programme: &call.programme,
        call_title: &call.title,
        region_name: &app.region_name,
        application_id: app.id,
        reference: &details.reference,
        decided_at: now,
        addendum_deadline: call.moment(stage::ADDENDUM_DEADLINE),
        ground: details.ground,
        interview: details.interview,
    });
    NewEmail {
        kind: kind.to_string(),
        target: outbox::application_target(app.id),
        occasion: occasion.to_string(),
        recipient: app.lead_applicant_email.clone(),
        subject: rendered.subject,
        body_text: rendered.body_text,
        at: now,
        attachment,
    }
}
