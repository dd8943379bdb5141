//! Intake: a region creates a draft application on a published call, fills it in (form, budget,
//! partner commitments, documents) and submits it before the deadline. Another region's
//! application does not exist for a region user (404), for reading and for every action.

pub mod documents;
mod list;

pub use documents::{
    check_upload, delete_document, document_content, documents, upload, upload_kind,
};
pub use list::{ApplicationSummary, ListQuery, Page, list_for_call};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;

use super::auth::{Principal, Role};
use super::{AppState, audit};
use crate::domain::application::{
    self as rules, ApplicationForm, BudgetLine, FormInput, LineAmounts, SubmissionParts,
    missing_parts, status, submission_open,
};
use crate::domain::call::{CallDefinition, stage};
use crate::domain::document::DocumentKind;
use crate::domain::dutch;
use crate::domain::money::Money;
use crate::domain::region::Region;
use crate::error::{DomainError, FieldError};
use crate::mail::{outbox, templates};
use crate::store::{self, calls::StoredCall, calls::call_of, documents::DocumentMeta, tx::WriteTx};

/// Everything about one application, as its readers see it.
#[derive(Debug, Clone)]
pub struct ApplicationDetail {
    pub application: entity::application::Model,
    pub region_id: i32,
    pub region: Region,
    pub form: ApplicationForm,
    pub budget: Vec<BudgetLine>,
    pub requested_total: Money,
    pub commitments: Vec<entity::partner_commitment::Model>,
    pub documents: Vec<DocumentMeta>,
    /// What submission would still need; empty once submitted.
    pub missing: Vec<FieldError>,
}

fn not_found(id: i32) -> DomainError {
    DomainError::NotFound(format!("application {id}"))
}

fn deadline_of(call: &CallDefinition) -> Result<DateTime<Utc>, DomainError> {
    // Every stored call has one (CallDefinition::new requires it).
    call.moment(stage::SUBMISSION_DEADLINE)
        .ok_or_else(|| DomainError::internal("a call without a submission deadline"))
}

fn deadline_passed(deadline: DateTime<Utc>) -> DomainError {
    DomainError::DeadlinePassed(format!(
        "the submission deadline ({deadline}, {} in Amsterdam) has passed",
        dutch::date_time(deadline)
    ))
}

/// The application if `who` may read it: staff always; a region user only its own; an assessor
/// only once submitted and only on a call they are assigned to, else it does not exist (404, the
/// same answer as for a missing id); never with a declared conflict of interest (403).
async fn visible<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
) -> Result<entity::application::Model, DomainError> {
    let app = store::applications::by_id(db, id).await?.ok_or_else(|| not_found(id))?;
    let allowed = match who.role {
        Role::Staff => true,
        Role::Region => who.region_id == Some(app.region_id),
        Role::Assessor => {
            app.status != status::DRAFT
                && store::call_assessors::is_assigned(db, app.call_id, who.user_id).await?
        }
    };
    if !allowed {
        return Err(not_found(id));
    }
    // A declared conflict of interest closes the application to that assessor (scores and
    // documents).
    if who.role == Role::Assessor
        && store::assessment::conflict(db, who.user_id, id).await?.is_some()
    {
        return Err(DomainError::Forbidden(
            "you declared a conflict of interest on this application: you cannot see it or its documents".into(),
        ));
    }
    Ok(app)
}

/// Checks, without changing anything, that `who` may change the draft now: its own region's,
/// still a draft, before the deadline. Returns the application and its call.
async fn check_editable<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(entity::application::Model, StoredCall), DomainError> {
    who.require(&[Role::Region])?;
    let app = visible(db, who, id).await?;
    if app.status != status::DRAFT {
        return Err(DomainError::Conflict(format!(
            "application {id} is {}; it can no longer change",
            app.status
        )));
    }
    let call = call_of(db, app.call_id).await?;
    let deadline = deadline_of(&call.definition)?;
    if !submission_open(now, deadline) {
        return Err(deadline_passed(deadline));
    }
    Ok((app, call))
}

/// [`check_editable`], then takes the application's row for this transaction (so a concurrent
/// submission waits, or finds it changed) and stamps it as updated at `now`.
async fn claim<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(entity::application::Model, StoredCall), DomainError> {
    let (app, call) = check_editable(db, who, id, now).await?;
    stamp(db, id, now).await?;
    Ok((app, call))
}

/// Stamps the draft as updated at `now`, taking its row for this transaction; refuses if it was
/// submitted in the meantime.
async fn stamp<C: ConnectionTrait>(db: &C, id: i32, now: DateTime<Utc>) -> Result<(), DomainError> {
    if !store::applications::claim_draft(db, id, now).await? {
        return Err(DomainError::Conflict(format!(
            "application {id} has just been submitted; it can no longer change"
        )));
    }
    Ok(())
}

/// As [`claim`], with the reads before the write lock: the checks on the pool, then the lock and
/// the conditional stamp (which still refuses an application submitted in between). For writes
/// that use nothing of the row but its id.
async fn claim_locked(
    state: &AppState,
    who: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(WriteTx, StoredCall), DomainError> {
    let (_, call) = check_editable(&state.db, who, id, now).await?;
    let txn = state.write().await?;
    stamp(&txn, id, now).await?;
    Ok((txn, call))
}

async fn detail<C: ConnectionTrait>(
    db: &C,
    app: entity::application::Model,
    call: Option<&StoredCall>, // when the caller has read it already
) -> Result<ApplicationDetail, DomainError> {
    let (region_id, region) = store::regions::by_id(db, app.region_id)
        .await?
        .ok_or_else(|| DomainError::internal(format!("application {} has no region", app.id)))?;
    let form = store::applications::form_of(&app)?;
    let budget = store::applications::budget_lines(db, app.id).await?;
    let commitments = store::applications::commitments(db, app.id).await?;
    let documents = store::documents::list(db, app.id).await?;
    let missing = if app.status == status::DRAFT {
        let call = match call {
            Some(c) => c.clone(),
            None => call_of(db, app.call_id).await?,
        };
        let signed: Vec<String> = commitments.iter().map(|c| c.role.clone()).collect();
        missing_parts(&SubmissionParts {
            form: &form,
            budget: &budget,
            period: &call.definition.spending_period,
            signed_roles: &signed,
            required_roles: &call.definition.required_partner_roles,
            has_plan: documents.iter().any(|d| d.kind == DocumentKind::Plan.as_str()),
        })
    } else {
        Vec::new()
    };
    Ok(ApplicationDetail {
        requested_total: rules::requested_total(&budget),
        application: app,
        region_id,
        region,
        form,
        budget,
        commitments,
        documents,
        missing,
    })
}

/// A region user starts its region's application on a published call, before the deadline.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn create_draft(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<ApplicationDetail, DomainError> {
    who.require(&[Role::Region])?;
    let region_id = who
        .region_id
        .ok_or_else(|| DomainError::Forbidden("this user does not act for a region".into()))?;
    let now = state.now();
    let txn = state.write().await?;
    let call = call_of(&txn, call_id).await?;
    if !call.definition.is_published(now) {
        return Err(DomainError::Conflict(format!(
            "call {call_id} is not published yet; drafts open at its publication"
        )));
    }
    let deadline = deadline_of(&call.definition)?;
    if !submission_open(now, deadline) {
        return Err(deadline_passed(deadline));
    }
    if let Some(existing) =
        store::applications::by_call_and_region(&txn, call_id, region_id).await?
    {
        return Err(DomainError::Conflict(format!(
            "the region has an application on call {call_id} already (application {})",
            existing.id
        )));
    }
    let app = store::applications::insert_draft(&txn, call_id, region_id, now).await.map_err(
        |e| match e.sql_err() {
            // Two creates at once: the unique (call, region) index lets one through.
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => DomainError::Conflict(format!(
                "the region has an application on call {call_id} already"
            )),
            _ => e.into(),
        },
    )?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "application.created",
            entity_type: "application",
            entity_id: app.id.to_string(),
            reason: None,
            details: serde_json::json!({"call_id": call_id, "region_id": region_id}),
        },
    )
    .await?;
    let out = detail(&txn, app, Some(&call)).await?;
    txn.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn get(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<ApplicationDetail, DomainError> {
    let app = visible(&state.db, who, id).await?;
    detail(&state.db, app, None).await
}

async fn reread<C: ConnectionTrait>(
    db: &C,
    id: i32,
    call: &StoredCall,
) -> Result<ApplicationDetail, DomainError> {
    let app = store::applications::by_id(db, id).await?.ok_or_else(|| not_found(id))?;
    detail(db, app, Some(call)).await
}

/// Replaces the application form (all fields at once).
#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn replace_form(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: FormInput,
) -> Result<ApplicationDetail, DomainError> {
    let now = state.now();
    let (txn, call) = claim_locked(state, who, id, now).await?;
    let form = ApplicationForm::new(input).map_err(DomainError::Validation)?;
    store::applications::write_form(&txn, id, &form, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "application.form_updated",
            entity_type: "application",
            entity_id: id.to_string(),
            reason: None,
            details: serde_json::to_value(&form).map_err(DomainError::internal)?,
        },
    )
    .await?;
    txn.commit().await?;
    // The answer is read after the commit, outside the write lock.
    reread(&state.db, id, &call).await
}

/// A budget line as the API parsed it: amounts that did not parse are `None`, their problems
/// are in the accompanying parse errors.
#[derive(Debug, Clone)]
pub struct BudgetLineInput {
    pub year: i32,
    pub description: String,
    pub amounts: Option<LineAmounts>,
}

/// Replaces the whole budget. Every problem of every line is listed at once.
#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn replace_budget(
    state: &AppState,
    who: &Principal,
    id: i32,
    lines: Vec<BudgetLineInput>,
    parse_errors: Vec<FieldError>,
) -> Result<ApplicationDetail, DomainError> {
    let now = state.now();
    let (txn, call) = claim_locked(state, who, id, now).await?;
    let period = &call.definition.spending_period;
    let mut errors = parse_errors;
    if lines.len() > rules::MAX_BUDGET_LINES {
        errors.push(FieldError::new("lines", format!("at most {} lines", rules::MAX_BUDGET_LINES)));
    }
    for (i, l) in lines.iter().enumerate() {
        errors.extend(rules::line_problems(
            &format!("lines[{i}]"),
            l.year,
            &l.description,
            l.amounts,
            period,
        ));
    }
    let budget: Vec<BudgetLine> = lines
        .into_iter()
        .filter_map(|l| {
            l.amounts.map(|a| BudgetLine {
                year: l.year,
                description: l.description.trim().to_string(),
                total_cost: a.total_cost,
                own_contribution: a.own_contribution,
                requested: a.requested,
            })
        })
        .collect();
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    store::applications::replace_budget(&txn, id, &budget).await?;
    audit::record(
&txn,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: "application.budget_updated",
entity_type: "application",
entity_id: id.to_string(),
reason: None,
details: serde_json::json!({"lines": budget, "requested_total": rules::requested_total(&budget)}),
},
)
    .await?;
    txn.commit().await?;
    // The answer is read after the commit, outside the write lock.
    reread(&state.db, id, &call).await
}

#[derive(Debug, Clone)]
pub struct CommitmentInput {
    pub organisation: String,
    pub signed_by: String,
    pub signed_on: NaiveDate,
    /// The signed letter, uploaded before as a document of kind `commitment`.
    pub document_id: Option<i32>,
}

/// Records the signed commitment of one partner role (replacing an earlier one of that role).
#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn sign_commitment(
    state: &AppState,
    who: &Principal,
    id: i32,
    role: &str,
    input: CommitmentInput,
) -> Result<ApplicationDetail, DomainError> {
    let now = state.now();
    let (txn, call) = claim_locked(state, who, id, now).await?;
    let mut errors = Vec::new();
    if !call.definition.required_partner_roles.iter().any(|r| r == role) {
        errors.push(FieldError::new(
            "role",
            format!(
                "the call asks commitments of {}",
                call.definition.required_partner_roles.join(", ")
            ),
        ));
    }
    let organisation = input.organisation.trim().to_string();
    let signed_by = input.signed_by.trim().to_string();
    for (field, value) in [("organisation", &organisation), ("signed_by", &signed_by)] {
        if value.is_empty() {
            errors.push(FieldError::new(field, "required"));
        } else if value.chars().count() > rules::MAX_SHORT_TEXT_CHARS {
            errors.push(FieldError::new(
                field,
                format!("at most {} characters", rules::MAX_SHORT_TEXT_CHARS),
            ));
        }
    }
    if let Some(doc) = input.document_id {
        match store::documents::meta(&txn, id, doc).await? {
            Some(d) if d.kind == DocumentKind::Commitment.as_str() => {}
            Some(_) => errors.push(FieldError::new(
                "document_id",
                "the signed copy is uploaded as a document of kind commitment",
            )),
            None => {
                errors.push(FieldError::new("document_id", "no such document on this application"))
            }
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let commitment = store::applications::Commitment {
        role: role.to_string(),
        organisation,
        signed_by,
        signed_on: input.signed_on,
        document_id: input.document_id,
    };
    store::applications::put_commitment(&txn, id, &commitment, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "application.commitment_signed",
            entity_type: "application",
            entity_id: id.to_string(),
            reason: None,
            details: serde_json::json!({
                "role": commitment.role,
                "organisation": commitment.organisation,
                "signed_by": commitment.signed_by,
                "signed_on": commitment.signed_on,
                "document_id": commitment.document_id,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    // The answer is read after the commit, outside the write lock.
    reread(&state.db, id, &call).await
}

/// Submits a complete draft while `now <= submission_deadline`. The status, the receipt email
/// in the outbox and the audit line are written in one transaction; a refusal changes nothing.
#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn submit(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<ApplicationDetail, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    let (app, call) = claim(&txn, who, id, now).await?;
    let current = detail(&txn, app, Some(&call)).await?;
    if !current.missing.is_empty() {
        return Err(DomainError::Validation(current.missing));
    }
    if !store::applications::mark_submitted(&txn, id, now).await? {
        return Err(DomainError::Conflict(format!("application {id} is submitted already")));
    }
    let rendered = templates::submission_receipt(&templates::SubmissionReceipt {
        programme: &call.definition.programme,
        call_title: &call.definition.title,
        region_name: &current.region.name,
        lead_applicant_name: &current.region.lead_applicant.name,
        application_id: id,
        reference: &super::outcome::reference(call.id, id),
        application_title: current.form.title.as_deref().unwrap_or_default(),
        requested_total: current.requested_total,
        submitted_at: now,
    });
    outbox::enqueue(
        &txn,
        outbox::NewEmail {
            kind: outbox::kind::SUBMISSION_RECEIPT.to_string(),
            target: outbox::application_target(id),
            occasion: "submission".to_string(),
            recipient: current.region.lead_applicant.email.clone(),
            subject: rendered.subject,
            body_text: rendered.body_text,
            at: now,
            attachment: None,
        },
    )
    .await?;
    audit::record(
&txn,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: "application.submitted",
entity_type: "application",
entity_id: id.to_string(),
reason: None,
details: serde_json::json!({"requested_total": current.requested_total, "submitted_at": now}),
},
)
    .await?;
    // The parts are as checked; only the row changed (read back as stored).
    let application = store::applications::by_id(&txn, id).await?.ok_or_else(|| not_found(id))?;
    let out = ApplicationDetail { application, missing: Vec::new(), ..current };
    txn.commit().await?;
    Ok(out)
}
