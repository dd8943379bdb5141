//! The reminders that follow from a call's stages: the submission reminder and the addendum
//! reminder. This module gathers the facts; `domain::reminders` decides.

use chrono::{DateTime, Utc};
use entity::{application, document};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use super::{BoxFuture, ReminderSource};
use crate::domain::call::stage;
use crate::domain::reminders::{self, DraftFacts, DueReminder, InvitedFacts, calls as rules};
use crate::error::DomainError;
use crate::mail::outbox::{self, NewEmail, kind};
use crate::mail::templates;
use crate::store::{self, calls::StoredCall};

pub struct SubmissionReminders;
pub struct AddendumReminders;

impl ReminderSource for SubmissionReminders {
    fn name(&self) -> &'static str {
        "submission_reminders"
    }
    fn due<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Vec<NewEmail>, DomainError>> {
        Box::pin(submission_due(db, now))
    }
}

impl ReminderSource for AddendumReminders {
    fn name(&self) -> &'static str {
        "addendum_reminders"
    }
    fn due<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Vec<NewEmail>, DomainError>> {
        Box::pin(addendum_due(db, now))
    }
}

async fn submission_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<NewEmail>, DomainError> {
    let mut out = Vec::new();
    for call in store::calls::list(db).await? {
        let Some(deadline) = call.definition.moment(stage::SUBMISSION_DEADLINE) else { continue };
        let offsets = &call.definition.reminders.submission_deadline_days_before;
        if offsets.is_empty() || now >= deadline {
            continue;
        }
        let apps = store::applications::list_for_call(db, call.id).await?;
        let facts: Vec<DraftFacts> = apps
            .iter()
            .map(|a| DraftFacts {
                application_id: a.id,
                created_at: a.created_at,
                submitted_at: a.submitted_at,
            })
            .collect();
        for due in reminders::submission_reminders(deadline, offsets, &facts, now) {
            out.push(email(db, &call, &apps, &due, kind::SUBMISSION_REMINDER, deadline).await?);
        }
    }
    Ok(out)
}

async fn addendum_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<NewEmail>, DomainError> {
    let mut out = Vec::new();
    for call in store::calls::list(db).await? {
        let Some(deadline) = call.definition.moment(stage::ADDENDUM_DEADLINE) else { continue };
        let offsets = &call.definition.reminders.addendum_deadline_days_before;
        if offsets.is_empty() || now >= deadline {
            continue;
        }
        // Invited means: the first-round outcome was published with an invitation.
        let Some(published) = store::assessment::round(db, call.id, store::assessment::FIRST)
            .await?
            .and_then(|r| r.published_at)
        else {
            continue;
        };
        let apps = store::applications::list_for_call(db, call.id).await?;
        let invited: Vec<&application::Model> =
            apps.iter().filter(|a| rules::was_invited(&a.status)).collect();
        let ids: Vec<i32> = invited.iter().map(|a| a.id).collect();
        let uploads = document::Entity::find()
            .filter(document::Column::ApplicationId.is_in(ids))
            .filter(
                document::Column::Kind.eq(crate::domain::document::DocumentKind::Addendum.as_str()),
            )
            .order_by_asc(document::Column::UploadedAt)
            .all(db)
            .await?;
        let first_addendum =
            rules::first_uploads(uploads.iter().map(|d| (d.application_id, d.uploaded_at)));
        let facts: Vec<InvitedFacts> = invited
            .iter()
            .map(|a| InvitedFacts {
                application_id: a.id,
                invited_at: published,
                addendum_at: first_addendum.get(&a.id).copied(),
            })
            .collect();
        for due in reminders::addendum_reminders(deadline, offsets, &facts, now) {
            out.push(email(db, &call, &apps, &due, kind::ADDENDUM_REMINDER, deadline).await?);
        }
    }
    Ok(out)
}

async fn email<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    apps: &[application::Model],
    due: &DueReminder,
    kind: &str,
    deadline: DateTime<Utc>,
) -> Result<NewEmail, DomainError> {
    let missing = || {
        DomainError::internal(format!("application {} or its region is gone", due.application_id))
    };
    let app = apps.iter().find(|a| a.id == due.application_id).ok_or_else(missing)?;
    let (_, region) = store::regions::by_id(db, app.region_id).await?.ok_or_else(missing)?;
    let def = &call.definition;
    let reference = crate::service::letters::reference(call.id, app.id);
    let rendered = if kind == kind::ADDENDUM_REMINDER {
        templates::addendum_reminder(&templates::AddendumReminder {
            programme: &def.programme,
            call_title: &def.title,
            region_name: &region.name,
            lead_applicant_name: &region.lead_applicant.name,
            application_id: app.id,
            reference: &reference,
            deadline,
        })
    } else {
        templates::submission_reminder(&templates::SubmissionReminder {
            programme: &def.programme,
            call_title: &def.title,
            region_name: &region.name,
            lead_applicant_name: &region.lead_applicant.name,
            application_id: app.id,
            reference: &reference,
            deadline,
            days_before: i64::from(due.days_before),
        })
    };
    Ok(NewEmail {
        kind: kind.to_string(),
        target: outbox::application_target(app.id),
        occasion: rules::occasion(due.days_before),
        recipient: region.lead_applicant.email.clone(),
        subject: rendered.subject,
        body_text: rendered.body_text,
        // Queued at the reminder's own moment, so a catching-up tick records when it was due.
        at: due.moment,
        attachment: None,
    })
}
