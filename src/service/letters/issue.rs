//! Issuing letters: at publication (pending, rendered after it by `render`), as a correction,
//! and the preview staff see before.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::compose::{self, LetterKind};
use super::{
    LetterRequest, MEDIA_TYPE, Resolved, checks, facts, filename, kind_for, local_date, resolve,
};
use crate::domain::digest::sha256_hex;
use crate::error::DomainError;
use crate::mail::outbox::Attachment;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::{self, AppRow, Outcome};
use crate::service::outcome_cache::CallOutcome;
use crate::service::{AppState, audit};
use crate::store::{self, calls::StoredCall, calls::call_of, letters::LetterMeta};

/// A publication in progress: who publishes, the call, its outcome and letter settings, and when.
pub struct Publishing<'a> {
    pub who: &'a Principal,
    pub call: &'a StoredCall,
    pub outcome: &'a CallOutcome,
    pub letters: &'a Resolved,
    pub now: DateTime<Utc>,
}

/// At publication, inside its transaction: freezes what its letters are rendered from beyond
/// the frozen outcome (the letter settings, templates and logo as they stand now), once for all
/// of them; the id of that batch.
pub async fn freeze_batch<C: ConnectionTrait>(
    txn: &C,
    p: &Publishing<'_>,
    stage: &str,
) -> Result<i32, DomainError> {
    let settings = serde_json::to_string(&p.letters.settings).map_err(DomainError::internal)?;
    let templates = serde_json::to_string(&p.letters.templates).map_err(DomainError::internal)?;
    let logo = store::letter_logos::of_call(txn, p.call.id).await?.map(|l| (l.content, l.alt));
    let batch = store::letters::NewBatch {
        call_id: p.call.id,
        stage: stage.to_string(),
        settings,
        templates,
        logo,
        published_by: Some(p.who.user_id),
        actor: p.who.actor().label,
        at: p.now,
    };
    Ok(store::letters::insert_batch(txn, batch).await?)
}

/// At publication: the letters that belong to a decision email, pending (the letter worker
/// renders them after the commit), and the attachment the email waits for. An invitation is
/// stored as a letter too, but the email gives the date, time and place (no attachment). Made
/// before the write lock: the publication gives them their batch (`freeze_batch`) inside it.
pub fn pending(
    p: &Publishing<'_>,
    app: &AppRow,
    email_kind: &str,
) -> (Vec<store::letters::NewLetter>, Option<Attachment>) {
    let invitation =
        (email_kind == "interview_invitation").then_some(LetterKind::InterviewInvitation);
    let attached = LetterKind::of_email(email_kind);
    let reference = outcome::reference(p.call.id, app.id);
    let mut letters = Vec::new();
    let mut attachment = None;
    for (kind, attach) in [(invitation, false), (attached, true)] {
        let Some(kind) = kind else { continue };
        let name = filename(&reference, kind, 1);
        if attach {
            attachment = Some(Attachment::pending(name.clone(), MEDIA_TYPE.to_string()));
        }
        letters.push(store::letters::NewLetter {
            call_id: p.call.id,
            application_id: app.id,
            kind: kind.as_str().to_string(),
            number: 1,
            reference: reference.clone(),
            filename: name,
            sha256: None,
            content: None,
            correction_reason: None,
            issued_by: Some(p.who.user_id),
            issued_at: p.now,
            batch_id: None,
        });
    }
    (letters, attachment)
}

/// A rendered letter of one application, to be stored.
struct Issued<'a> {
    app: &'a AppRow,
    kind: LetterKind,
    number: i32,
    reference: &'a str,
    pdf: Vec<u8>,
    /// A correction's reason.
    reason: Option<String>,
}

async fn store_letter<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    call_id: i32,
    letter: Issued<'_>,
    now: DateTime<Utc>,
) -> Result<LetterMeta, DomainError> {
    let Issued { app, kind, number, reference, pdf, reason } = letter;
    let sha256 = sha256_hex(&pdf);
    let meta = store::letters::insert(
        db,
        store::letters::NewLetter {
            call_id,
            application_id: app.id,
            kind: kind.as_str().to_string(),
            number,
            reference: reference.to_string(),
            filename: filename(reference, kind, number),
            sha256: Some(sha256.clone()),
            content: Some(pdf),
            correction_reason: reason.clone(),
            issued_by: Some(who.user_id),
            issued_at: now,
            batch_id: None,
        },
    )
    .await?;
    let details = serde_json::json!({
        "letter_id": meta.id,
        "kind": kind.as_str(),
        "number": number,
        "reference": reference,
        "sha256": sha256,
    });
    let entry = audit::AuditEntry {
        actor: &who.actor(),
        at: now,
        action: if number > 1 { "letter.corrected" } else { "letter.issued" },
        entity_type: "application",
        entity_id: app.id.to_string(),
        reason: reason.as_deref(),
        details,
    };
    audit::record(db, entry).await?;
    Ok(meta)
}

/// Staff see a letter as it would be issued now: rendered from the live outcome, not stored.
/// With the letter, what would block its publication in the decisive motivations (empty, too
/// short, only a reference elsewhere), so staff see it before they publish.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn preview(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    kind: Option<&str>,
) -> Result<(String, Vec<u8>, Vec<String>), DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let db = &state.db;
    let app = outcome::app_row(db, application_id).await?;
    let call = call_of(db, app.call_id).await?;
    let Outcome { input, result, .. } = Outcome::load(db, &call, &state.sheets).await?;
    let line = result.applications.iter().find(|a| a.r#ref == app.region_ref);
    let decision = line.and_then(|a| a.decision);
    let kind = match kind {
        Some(k) => {
            let kind = LetterKind::parse(k).ok_or_else(|| {
                DomainError::invalid(
                    "kind",
                    "award, rejection_first_round, rejection_final or interview_invitation",
                )
            })?;
            // Only the letter the outcome gives (or the invitation of an invited application) has
            // the figures its wording needs.
            let fits = match kind {
                LetterKind::InterviewInvitation => line.is_some_and(|a| a.invited()),
                other => kind_for(decision) == Some(other),
            };
            if !fits {
                return Err(DomainError::Conflict(format!(
                    "the outcome of this application gives no {} letter (now)",
                    kind.as_str()
                )));
            }
            kind
        }
        None => kind_for(decision).ok_or_else(|| {
            DomainError::Conflict(
                "the application has no decision yet to write a letter about".into(),
            )
        })?,
    };
    let resolved = resolve(db, call.id).await?;
    let request = LetterRequest {
        call: &call,
        input: &input,
        result: &result,
        app: &app,
        kind,
        number: 1,
        correction: None,
        index: None,
    };
    let f = facts(db, request, now, resolved.settings).await?;
    let pdf = compose::render(&f, &resolved.templates)?;
    let warnings = checks::motivation_problems(
        db,
        &call,
        &input,
        &result,
        std::slice::from_ref(&app),
        Some(&app.region_ref),
    )
    .await?;
    Ok((filename(&f.reference, kind, 1), pdf, warnings))
}

/// A correction: a new letter with the next number and the reason, rendered from the published
/// outcome with the current settings and templates; the earlier letter stays as it was.
#[tracing::instrument(skip_all, fields(letter_id = letter_id))]
pub async fn correct(
    state: &AppState,
    who: &Principal,
    letter_id: i32,
    reason: &str,
) -> Result<LetterMeta, DomainError> {
    who.require(&[Role::Staff])?;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "a correction needs a reason"));
    }
    let now = state.now();
    let txn = state.write().await?;
    let old = store::letters::by_id(&txn, letter_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("letter {letter_id}")))?;
    let kind =
        LetterKind::parse(&old.kind).ok_or_else(|| DomainError::internal("stored letter kind"))?;
    let app = outcome::app_row(&txn, old.application_id).await?;
    let call = call_of(&txn, app.call_id).await?;
    let number = store::letters::of_application(&txn, app.id)
        .await?
        .iter()
        .filter(|l| l.kind == old.kind)
        .map(|l| l.number)
        .max()
        .unwrap_or(0)
        + 1;
    let Outcome { input, result, .. } = Outcome::load(&txn, &call, &state.sheets).await?;
    let resolved = resolve(&txn, call.id).await?;
    let request = LetterRequest {
        call: &call,
        input: &input,
        result: &result,
        app: &app,
        kind,
        number,
        correction: Some((reason.trim().to_string(), local_date(old.issued_at))),
        index: None,
    };
    let f = facts(&txn, request, now, resolved.settings).await?;
    let pdf = compose::render(&f, &resolved.templates)?;
    let issued = Issued {
        app: &app,
        kind,
        number,
        reference: &f.reference,
        pdf,
        reason: Some(reason.trim().to_string()),
    };
    let meta = store_letter(&txn, who, call.id, issued, now).await?;
    txn.commit().await?;
    Ok(meta)
}
