//! Decision letters: the award letter (*beschikking tot subsidieverlening*) and the rejection
//! letters after the first round and after the final round, as PDF.
//!
//! A letter is recorded `pending` in the publication's transaction and rendered after it
//! (`render`), from what the publication froze; its bytes and SHA-256 are fixed at that first
//! render, it is attached to the decision email, and it is never regenerated differently. A correction is a new,
//! numbered letter with a reason. Staff preview letters before publication (rendered, not stored).
//! Who issues, on what basis, where objections go and who signs are the call's letter settings, or
//! the programme's defaults from configuration; the wording is templates staff can change per call.

pub mod bench;
pub mod checks;
pub mod compose;
pub mod configure;
pub mod facts;
pub mod issue;
pub mod logo;
pub mod render;
pub mod schedule;
pub mod settings;
pub mod templates;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;

use self::compose::{LetterKind, LetterSettings};
use super::AppState;
use super::auth::{Principal, Role};
use super::outcome;
use crate::domain::decision::Decision;
use crate::domain::dutch;
use crate::error::DomainError;
use crate::store::{self, calls::call_of, letters::LetterMeta};

pub use super::outcome::reference;
pub use checks::{ground_sentence, ready_to_publish};
pub use configure::{set_interview, set_settings, set_template, settings};
pub use facts::{LetterRequest, facts};
pub use issue::{Publishing, correct, freeze_batch, pending, preview};
pub use render::{render_pending, rendered};

pub const MEDIA_TYPE: &str = "application/pdf";

/// The programme's letter settings, from configuration.
pub fn programme_settings() -> LetterSettings {
    let d = crate::config::letter_defaults();
    LetterSettings {
        issuing_body: d.issuing_body,
        legal_basis: d.legal_basis,
        awb_articles: d.awb_articles,
        objection_address: d.objection_address,
        signatory: d.signatory,
        signatory_function: d.signatory_function,
        return_address: d.return_address,
        contact_name: d.contact_name,
        contact_email: d.contact_email,
        contact_phone: d.contact_phone,
        advance_percent: d.advance_percent,
        report_weeks: d.report_weeks,
        settlement_weeks: d.settlement_weeks,
        interviews: BTreeMap::new(),
    }
}

pub fn default_templates() -> BTreeMap<String, String> {
    templates::DEFAULTS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The Dutch file name of a letter: `besluit-subsidieverlening-TKG-001-00002.pdf`,
/// `besluit-afwijzing-TKG-001-00002.pdf`; a correction adds `-versie-2`.
pub fn filename(reference: &str, kind: LetterKind, number: i32) -> String {
    let what = match kind {
        LetterKind::Award => "besluit-subsidieverlening",
        LetterKind::RejectionFirstRound | LetterKind::RejectionFinal => "besluit-afwijzing",
        LetterKind::InterviewInvitation => "uitnodiging-gespreksronde",
    };
    if number > 1 {
        format!("{what}-{reference}-versie-{number}.pdf")
    } else {
        format!("{what}-{reference}.pdf")
    }
}

/// A call's letter settings and templates as they apply.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub settings: LetterSettings,
    /// `call` when the call has its own settings (they replace the defaults as a whole),
    /// otherwise `programme`.
    pub settings_source: &'static str,
    pub templates: BTreeMap<String, String>,
    /// The templates the call words differently from the default.
    pub overridden: BTreeSet<String>,
}

pub async fn resolve<C: ConnectionTrait>(db: &C, call_id: i32) -> Result<Resolved, DomainError> {
    let row = store::letters::settings(db, call_id).await?;
    let own: Option<LetterSettings> = match row.as_ref().and_then(|r| r.settings.as_deref()) {
        Some(json) => Some(serde_json::from_str(json).map_err(DomainError::internal)?),
        None => None,
    };
    let overrides: BTreeMap<String, String> = match &row {
        Some(r) => serde_json::from_str(&r.templates).map_err(DomainError::internal)?,
        None => BTreeMap::new(),
    };
    let mut templates = default_templates();
    let overridden = overrides.keys().cloned().collect();
    templates.extend(overrides);
    Ok(match own {
        Some(settings) => Resolved { settings, settings_source: "call", templates, overridden },
        None => Resolved {
            settings: programme_settings(),
            settings_source: "programme",
            templates,
            overridden,
        },
    })
}

pub(crate) fn local_date(at: DateTime<Utc>) -> NaiveDate {
    dutch::in_amsterdam(at).date_naive()
}

/// The letter's kind for an application's current outcome, if it has one.
pub fn kind_for(decision: Option<Decision>) -> Option<LetterKind> {
    match decision? {
        Decision::Awarded => Some(LetterKind::Award),
        Decision::NotAwarded => Some(LetterKind::RejectionFinal),
        Decision::RejectedKnockout | Decision::RejectedBelowThreshold => {
            Some(LetterKind::RejectionFirstRound)
        }
        Decision::TieNeedsDecision => None,
    }
}

/// An application's letters: its region and staff; for anyone else it does not exist.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn of_application(
    state: &AppState,
    who: &Principal,
    application_id: i32,
) -> Result<Vec<LetterMeta>, DomainError> {
    let app = outcome::app_row(&state.db, application_id).await?;
    visible(who, app.region_id, application_id)?;
    let letters = store::letters::of_application(&state.db, application_id).await?;
    if letters.iter().all(|l| l.sha256.is_some()) {
        return Ok(letters);
    }
    // An application has a few letters: the pending ones are rendered now, so what is listed
    // carries its hash (the first render fixes it; the worker would do the same).
    for l in letters.iter().filter(|l| l.sha256.is_none()) {
        render::rendered(state, l.id).await?;
    }
    Ok(store::letters::of_application(&state.db, application_id).await?)
}

fn visible(who: &Principal, region_id: i32, application_id: i32) -> Result<(), DomainError> {
    match who.role {
        Role::Staff => Ok(()),
        Role::Region if who.region_id == Some(region_id) => Ok(()),
        Role::Region => Err(DomainError::NotFound(format!("application {application_id}"))),
        _ => Err(DomainError::Forbidden("letters are for the region and programme staff".into())),
    }
}

/// A page of a call's letters: filtered by state and kind, `limit` (1..=500) from `offset`.
pub struct CallLettersQuery {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub limit: u64,
    pub offset: u64,
}

/// Every problem with a query of a call's letters at once.
fn check_query(q: &CallLettersQuery) -> Result<(), DomainError> {
    use crate::error::FieldError;
    let mut errors = Vec::new();
    let states = [store::letters::PENDING, store::letters::RENDERED];
    if q.state.as_deref().is_some_and(|s| !states.contains(&s)) {
        errors.push(FieldError::new("state", format!("one of {}", states.join(", "))));
    }
    if q.kind.as_deref().is_some_and(|k| LetterKind::parse(k).is_none()) {
        let kinds: Vec<&str> = LetterKind::ALL.iter().map(|k| k.as_str()).collect();
        errors.push(FieldError::new("kind", format!("one of {}", kinds.join(", "))));
    }
    if !(1..=500).contains(&q.limit) {
        errors.push(FieldError::new("limit", "between 1 and 500"));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// A page of a call's letters and how many match in all (staff).
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn page_of_call(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    q: &CallLettersQuery,
) -> Result<(Vec<LetterMeta>, u64), DomainError> {
    who.require(&[Role::Staff])?;
    check_query(q)?;
    call_of(&state.db, call_id).await?;
    let filter = store::letters::CallFilter {
        state: q.state.as_deref(),
        kind: q.kind.as_deref(),
        limit: q.limit,
        offset: q.offset,
    };
    Ok(store::letters::page_of_call(&state.db, call_id, &filter).await?)
}

#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn of_call(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Vec<LetterMeta>, DomainError> {
    who.require(&[Role::Staff])?;
    call_of(&state.db, call_id).await?;
    Ok(store::letters::of_call(&state.db, call_id).await?)
}

/// One letter with its content (rendered now if it was pending); another region's letter does
/// not exist (404).
#[tracing::instrument(skip_all, fields(letter_id = letter_id))]
pub async fn content(
    state: &AppState,
    who: &Principal,
    letter_id: i32,
) -> Result<entity::letter::Model, DomainError> {
    let not_found = || DomainError::NotFound(format!("letter {letter_id}"));
    let letter = store::letters::meta_by_id(&state.db, letter_id).await?.ok_or_else(not_found)?;
    let app = outcome::app_row(&state.db, letter.application_id).await?;
    visible(who, app.region_id, app.id)
        .map_err(|e| if matches!(e, DomainError::NotFound(_)) { not_found() } else { e })?;
    // A pending letter is rendered now; the first render fixes it.
    render::rendered(state, letter_id).await
}
