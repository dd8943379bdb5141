//! Decision letters: the award letter (*beschikking tot subsidieverlening*) and the rejection
//! letters after the first round and after the final round, as PDF.
//!
//! A letter is generated once, inside the publication's transaction, stored with its SHA-256 and
//! attached to the decision email; it is never regenerated differently. A correction is a new,
//! numbered letter with a reason. Staff preview letters before publication (rendered, not stored).
//! Who issues, on what basis, where objections go and who signs are the call's letter settings, or
//! the programme's defaults from configuration; the wording is templates staff can change per call.

pub mod bench;
pub mod checks;
pub mod compose;
pub mod logo;
pub mod schedule;
pub mod settings;
pub mod templates;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use self::compose::{AllocationBasis, CriterionScore, LetterFacts, LetterKind, LetterSettings};
use super::assessment::{self, AppRow};
use super::auth::{Principal, Role};
use super::{AppState, audit};
use crate::domain::call::AllocationPolicy;
use crate::domain::dutch;
use crate::domain::knockout::KnockoutVerdict;
use crate::domain::money::Money;
use crate::domain::scoring::SheetInput;
use crate::domain::selection::{SelectionInput, SelectionResult};
use crate::error::{DomainError, FieldError};
use crate::mail::outbox::Attachment;
use crate::store::{self, calls::StoredCall, letters::LetterMeta};

pub use checks::{ground_sentence, ready_to_publish};

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

/// The reference number (*kenmerk*): stable, and unique per call and application.
pub fn reference(call_id: i32, application_id: i32) -> String {
    format!("TKG-{call_id:03}-{application_id:05}")
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

async fn call_of<C: ConnectionTrait>(db: &C, id: i32) -> Result<StoredCall, DomainError> {
    store::calls::by_id(db, id).await?.ok_or_else(|| DomainError::NotFound(format!("call {id}")))
}

fn local_date(at: DateTime<Utc>) -> NaiveDate {
    dutch::in_amsterdam(at).date_naive()
}

/// The letter's kind for an application's current outcome, if it has one.
pub fn kind_for(decision: Option<&str>) -> Option<LetterKind> {
    match decision? {
        "awarded" => Some(LetterKind::Award),
        "not_awarded" => Some(LetterKind::RejectionFinal),
        "rejected_knockout" | "rejected_below_threshold" => Some(LetterKind::RejectionFirstRound),
        _ => None,
    }
}

/// Gathers every figure of one application's letter from the call's outcome.
#[allow(clippy::too_many_arguments)]
pub async fn facts<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    input: &SelectionInput,
    result: &SelectionResult,
    app: &AppRow,
    kind: LetterKind,
    number: i32,
    correction: Option<(String, NaiveDate)>,
    now: DateTime<Utc>,
    settings: LetterSettings,
) -> Result<LetterFacts, DomainError> {
    let def = &call.definition;
    let r = result.applications.iter().find(|a| a.r#ref == app.region_ref).ok_or_else(|| {
        DomainError::Conflict("the application has no outcome to write a letter about".into())
    })?;
    let i = input.applications.iter().find(|a| a.r#ref == app.region_ref);
    let (_, region) = store::regions::by_id(db, app.region_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("region {}", app.region_id)))?;
    let figures = match kind {
        LetterKind::RejectionFirstRound | LetterKind::InterviewInvitation => r.first_round.as_ref(),
        _ => r.final_round.as_ref(),
    };
    let criteria = def
        .weighted_criteria
        .iter()
        .filter_map(|c| {
            figures.and_then(|f| f.criteria.get(&c.id)).map(|s| CriterionScore {
                label: c.label_nl.clone(),
                mean: s.mean,
                max: c.max,
            })
        })
        .collect();
    let label = |id: &str| {
        def.knockout_criteria
            .iter()
            .find(|k| k.id == id)
            .map_or_else(|| id.to_string(), |k| k.label_nl.clone())
    };
    let knockouts_met = match kind {
        LetterKind::Award => def.knockout_criteria.iter().map(|k| k.label_nl.clone()).collect(),
        _ => Vec::new(),
    };
    let decided = i.and_then(|i| i.knockout_decision.clone());
    let mut knockouts_not_met = Vec::new();
    if r.decision.as_deref() == Some("rejected_knockout") {
        let ko = r.knockout.clone();
        let mut failed: Vec<String> =
            ko.as_ref().map(|k| k.failed_criteria.clone()).unwrap_or_default();
        if failed.is_empty()
            && decided.as_ref().is_some_and(|d| d.verdict == KnockoutVerdict::Failed)
        {
            // Staff settled a split verdict as failed: the criteria the sheets disagreed on.
            failed = ko.map(|k| k.split_criteria).unwrap_or_default();
        }
        let sheets =
            store::assessment::sheets_of(db, &[app.id], Some(store::assessment::FIRST)).await?;
        for c in failed {
            let mut motivations: Vec<String> = Vec::new();
            for s in sheets.iter().filter(|s| s.status == "submitted") {
                let sheet: SheetInput =
                    serde_json::from_str(&s.content).map_err(DomainError::internal)?;
                if sheet.knockout.get(&c) == Some(&false) {
                    let m = sheet
                        .knockout_motivations
                        .get(&c)
                        .cloned()
                        .or(sheet.motivation.clone())
                        .unwrap_or_default();
                    if !m.trim().is_empty() && !motivations.contains(&m) {
                        motivations.push(m);
                    }
                }
            }
            knockouts_not_met.push((label(&c), motivations));
        }
    }
    let ranked_count = result.applications.iter().filter(|a| a.rank.is_some()).count();
    let last_awarded = result
        .applications
        .iter()
        .filter(|a| a.decision.as_deref() == Some("awarded"))
        .filter_map(|a| Some((a.rank?, a.final_round.as_ref()?.score)))
        .max_by_key(|(rank, _)| *rank);
    let tie = match (kind, i.and_then(|i| i.tie_decision.clone())) {
        (LetterKind::RejectionFinal | LetterKind::Award, Some(t)) if r.tied_at_last_place => {
            Some((t.award, t.reason))
        }
        _ => None,
    };
    let requested_awarded = result
        .applications
        .iter()
        .filter(|a| a.decision.as_deref() == Some("awarded"))
        .try_fold(Money::ZERO, |sum, a| sum.checked_add(a.requested_total))
        .ok_or_else(|| DomainError::internal("the awarded requests overflow"))?;
    let allocation = match (result.allocation_policy, &input.manual_allocation) {
        (AllocationPolicy::Manual, Some(m)) => AllocationBasis::Manual { reason: m.reason.clone() },
        _ if requested_awarded.as_decimal() <= def.budget_ceiling.as_decimal() => {
            AllocationBasis::Requested
        }
        _ => AllocationBasis::ProRata { requested_awarded },
    };
    let ground = crate::domain::grounds::of(input, result, &app.region_ref);
    let stored = store::applications::by_id(db, app.id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("application {}", app.id)))?;
    let form = store::applications::form_of(&stored)?;
    let addendum_on = store::documents::list(db, app.id)
        .await?
        .into_iter()
        .filter(|d| d.kind == "addendum")
        .map(|d| local_date(d.uploaded_at))
        .max();
    let conflicts = store::assessment::conflicts_of_call(db, call.id)
        .await?
        .into_iter()
        .filter(|c| c.application_id == app.id)
        .count();
    let awarded_count =
        result.applications.iter().filter(|a| a.decision.as_deref() == Some("awarded")).count();
    Ok(LetterFacts {
        interview: settings.interviews.get(&app.id).cloned(),
        addendum_deadline: def.moment(crate::domain::call::stage::ADDENDUM_DEADLINE),
        lead_function: form.contact.as_ref().and_then(|c| c.function.clone()),
        applicant: form.applicant.clone(),
        application_title: form.title.clone(),
        addendum_on,
        awarded_count,
        ground,
        sheets: figures.map_or(0, |f| f.sheets),
        conflicts,
        kind,
        programme: def.programme.clone(),
        call_title: def.title.clone(),
        region_name: region.name.clone(),
        lead_name: region.lead_applicant.name.clone(),
        lead_email: region.lead_applicant.email.clone(),
        lead_municipality: region.lead_applicant.municipality.clone(),
        reference: reference(call.id, app.id),
        number,
        correction,
        decided_on: local_date(now),
        submitted_on: app.submitted_at.map(local_date),
        total_points: def.total_points,
        threshold: def.interview_threshold,
        max_awards: def.max_awards,
        budget_ceiling: def.budget_ceiling,
        requested_total: r.requested_total,
        first_round_score: r.first_round.as_ref().map(|f| f.score),
        final_score: r.final_round.as_ref().map(|f| f.score),
        rank: r.rank,
        ranked_count,
        last_awarded,
        criteria,
        knockouts_met,
        knockouts_not_met,
        knockout_decision_reason: decided
            .filter(|d| d.verdict == KnockoutVerdict::Failed)
            .map(|d| d.reason),
        tie,
        allocated: r.allocated,
        allocation,
        spending_from: def.spending_period.from,
        spending_to: def.spending_period.to,
        settings,
        logo: logo::for_letters(db, call.id).await?,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// At publication, inside its transaction: issues the letter that belongs to the decision email
/// (if any), stores it, and queues the email with exactly that PDF attached.
#[allow(clippy::too_many_arguments)]
pub async fn issue_with_email<C: ConnectionTrait>(
    txn: &C,
    who: &Principal,
    call: &StoredCall,
    input: &SelectionInput,
    result: &SelectionResult,
    resolved: &Resolved,
    app: &AppRow,
    email_kind: &str,
    occasion: &str,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    if email_kind == "interview_invitation" {
        // The invitation as a letter too, stored with the others; the email itself gives the
        // date, time and place (it carries no attachment).
        let kind = LetterKind::InterviewInvitation;
        let f = facts(txn, call, input, result, app, kind, 1, None, now, resolved.settings.clone())
            .await?;
        let pdf = compose::render(&f, &resolved.templates)?;
        store_letter(txn, who, call.id, app, kind, 1, &f.reference, pdf, None, now).await?;
    }
    let attachment = match LetterKind::of_email(email_kind) {
        None => None,
        Some(kind) => {
            let f =
                facts(txn, call, input, result, app, kind, 1, None, now, resolved.settings.clone())
                    .await?;
            let pdf = compose::render(&f, &resolved.templates)?;
            let meta =
                store_letter(txn, who, call.id, app, kind, 1, &f.reference, pdf.clone(), None, now)
                    .await?;
            Some(Attachment {
                filename: meta.filename,
                media_type: MEDIA_TYPE.to_string(),
                content: pdf,
            })
        }
    };
    let details = super::notify::Details {
        reference: reference(call.id, app.id),
        ground: crate::domain::grounds::of(input, result, &app.region_ref)
            .as_ref()
            .map(ground_sentence),
        interview: (email_kind == "interview_invitation")
            .then(|| resolved.settings.interviews.get(&app.id))
            .flatten()
            .map(|i| crate::mail::decisions::InterviewAt {
                date: i.date,
                time: i.time,
                place: i.place.clone(),
                video_link: i.video_link.clone(),
            }),
    };
    super::notify::queue_with_attachment(
        txn,
        &call.definition,
        app,
        email_kind,
        occasion,
        now,
        attachment,
        details,
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn store_letter<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    call_id: i32,
    app: &AppRow,
    kind: LetterKind,
    number: i32,
    reference: &str,
    pdf: Vec<u8>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<LetterMeta, DomainError> {
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
            sha256: sha256.clone(),
            content: pdf,
            correction_reason: reason.clone(),
            issued_by: Some(who.user_id),
            issued_at: now,
        },
    )
    .await?;
    audit::record(
db,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: if number > 1 { "letter.corrected" } else { "letter.issued" },
entity_type: "application",
entity_id: app.id.to_string(),
reason: reason.as_deref(),
details: serde_json::json!({"letter_id": meta.id, "kind": kind.as_str(), "number": number, "reference": reference, "sha256": sha256}),
},
)
    .await?;
    Ok(meta)
}

/// Staff see a letter as it would be issued now: rendered from the live outcome, not stored.
/// With the letter, what would block its publication in the decisive motivations (empty, too
/// short, only a reference elsewhere), so staff see it before they publish.
pub async fn preview(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    kind: Option<&str>,
) -> Result<(String, Vec<u8>, Vec<String>), DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let db = &state.db;
    let app = assessment::app_row_of(db, application_id).await?;
    let call = call_of(db, app.call_id).await?;
    let input = assessment::selection_input(db, &call).await?;
    let result = crate::domain::selection::compute(&input);
    let line = result.applications.iter().find(|a| a.r#ref == app.region_ref);
    let decision = line.and_then(|a| a.decision.clone());
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
                other => kind_for(decision.as_deref()) == Some(other),
            };
            if !fits {
                return Err(DomainError::Conflict(format!(
                    "the outcome of this application gives no {} letter (now)",
                    kind.as_str()
                )));
            }
            kind
        }
        None => kind_for(decision.as_deref()).ok_or_else(|| {
            DomainError::Conflict(
                "the application has no decision yet to write a letter about".into(),
            )
        })?,
    };
    let resolved = resolve(db, call.id).await?;
    let f = facts(db, &call, &input, &result, &app, kind, 1, None, now, resolved.settings).await?;
    let pdf = compose::render(&f, &resolved.templates)?;
    let warnings =
        checks::motivation_problems(db, &call, &input, &result, Some(&app.region_ref)).await?;
    Ok((filename(&f.reference, kind, 1), pdf, warnings))
}

/// An application's letters: its region and staff; for anyone else it does not exist.
pub async fn of_application(
    state: &AppState,
    who: &Principal,
    application_id: i32,
) -> Result<Vec<LetterMeta>, DomainError> {
    let app = assessment::app_row_of(&state.db, application_id).await?;
    visible(who, app.region_id, application_id)?;
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

pub async fn of_call(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Vec<LetterMeta>, DomainError> {
    who.require(&[Role::Staff])?;
    call_of(&state.db, call_id).await?;
    Ok(store::letters::of_call(&state.db, call_id).await?)
}

/// One letter with its content; another region's letter does not exist (404).
pub async fn content(
    state: &AppState,
    who: &Principal,
    letter_id: i32,
) -> Result<entity::letter::Model, DomainError> {
    let not_found = || DomainError::NotFound(format!("letter {letter_id}"));
    let letter = store::letters::by_id(&state.db, letter_id).await?.ok_or_else(not_found)?;
    let app = assessment::app_row_of(&state.db, letter.application_id).await?;
    visible(who, app.region_id, app.id)
        .map_err(|e| if matches!(e, DomainError::NotFound(_)) { not_found() } else { e })?;
    Ok(letter)
}

/// A correction: a new letter with the next number and the reason, rendered from the published
/// outcome with the current settings and templates; the earlier letter stays as it was.
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
    let app = assessment::app_row_of(&txn, old.application_id).await?;
    let call = call_of(&txn, app.call_id).await?;
    let number = store::letters::of_application(&txn, app.id)
        .await?
        .iter()
        .filter(|l| l.kind == old.kind)
        .map(|l| l.number)
        .max()
        .unwrap_or(0)
        + 1;
    let input = assessment::selection_input(&txn, &call).await?;
    let result = crate::domain::selection::compute(&input);
    let resolved = resolve(&txn, call.id).await?;
    let f = facts(
        &txn,
        &call,
        &input,
        &result,
        &app,
        kind,
        number,
        Some((reason.trim().to_string(), local_date(old.issued_at))),
        now,
        resolved.settings,
    )
    .await?;
    let pdf = compose::render(&f, &resolved.templates)?;
    let meta = store_letter(
        &txn,
        who,
        call.id,
        &app,
        kind,
        number,
        &f.reference,
        pdf,
        Some(reason.trim().to_string()),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(meta)
}

// ---------------------------------------------------------------- settings and templates

pub async fn settings(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Resolved, DomainError> {
    who.require(&[Role::Staff])?;
    call_of(&state.db, call_id).await?;
    resolve(&state.db, call_id).await
}

/// Sets the call's own letter settings (they replace the programme's as a whole; an empty one
/// is missing and blocks issuing), or `None` to go back to the programme's.
pub async fn set_settings(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    settings: Option<LetterSettings>,
) -> Result<Resolved, DomainError> {
    who.require(&[Role::Staff])?;
    if let Some(s) = &settings {
        s.validate()?;
    }
    let now = state.now();
    let txn = state.write().await?;
    call_of(&txn, call_id).await?;
    // The interview details are set per application (`set_interview`) and stay, also when the
    // call goes back to the programme's settings.
    let interviews = resolve(&txn, call_id).await?.settings.interviews;
    let settings = match settings {
        Some(s) => Some(LetterSettings { interviews, ..s }),
        None if !interviews.is_empty() => {
            Some(LetterSettings { interviews, ..programme_settings() })
        }
        None => None,
    };
    let row = store::letters::settings(&txn, call_id).await?;
    let templates = row.map(|r| r.templates).unwrap_or_else(|| "{}".into());
    let json =
        settings.as_ref().map(serde_json::to_string).transpose().map_err(DomainError::internal)?;
    store::letters::save_settings(&txn, call_id, json, templates, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "letter_settings.set",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: None,
            details: serde_json::json!({"settings": settings}),
        },
    )
    .await?;
    let resolved = resolve(&txn, call_id).await?;
    txn.commit().await?;
    Ok(resolved)
}

/// Rewords one template for a call (`None`: back to the default). Unknown placeholders are refused.
pub async fn set_template(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    name: &str,
    text: Option<&str>,
) -> Result<Resolved, DomainError> {
    who.require(&[Role::Staff])?;
    if templates::default_text(name).is_none() {
        let names: Vec<&str> = templates::DEFAULTS.iter().map(|(n, _)| *n).collect();
        return Err(DomainError::NotFound(format!(
            "letter template {name:?} (templates: {})",
            names.join(", ")
        )));
    }
    if let Some(t) = text {
        let unknown = templates::unknown_placeholders(t);
        if t.trim().is_empty() {
            return Err(DomainError::invalid("text", "a template cannot be empty"));
        }
        if !unknown.is_empty() {
            return Err(DomainError::Validation(
                unknown
                    .into_iter()
                    .map(|u| FieldError::new("text", format!("unknown placeholder {{{u}}}")))
                    .collect(),
            ));
        }
    }
    let now = state.now();
    let txn = state.write().await?;
    call_of(&txn, call_id).await?;
    let row = store::letters::settings(&txn, call_id).await?;
    let mut overrides: BTreeMap<String, String> = match &row {
        Some(r) => serde_json::from_str(&r.templates).map_err(DomainError::internal)?,
        None => BTreeMap::new(),
    };
    match text {
        Some(t) => overrides.insert(name.to_string(), t.to_string()),
        None => overrides.remove(name),
    };
    let json = serde_json::to_string(&overrides).map_err(DomainError::internal)?;
    store::letters::save_settings(&txn, call_id, row.and_then(|r| r.settings), json, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "letter_template.set",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: None,
            details: serde_json::json!({"template": name, "text": text}),
        },
    )
    .await?;
    let resolved = resolve(&txn, call_id).await?;
    txn.commit().await?;
    Ok(resolved)
}

/// Sets (or with `None` removes) the interview details of an invited application; they go into
/// the call's own letter settings (taking over the programme's defaults if the call had none).
pub async fn set_interview(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    application_id: i32,
    interview: Option<compose::Interview>,
) -> Result<Resolved, DomainError> {
    who.require(&[Role::Staff])?;
    if let Some(i) = &interview {
        i.validate("interview").map_err(DomainError::Validation)?;
    }
    let now = state.now();
    let txn = state.write().await?;
    call_of(&txn, call_id).await?;
    let app = assessment::app_row_of(&txn, application_id).await?;
    if app.call_id != call_id {
        return Err(DomainError::NotFound(format!(
            "application {application_id} in call {call_id}"
        )));
    }
    let mut current = resolve(&txn, call_id).await?;
    match &interview {
        Some(i) => current.settings.interviews.insert(application_id, i.clone()),
        None => current.settings.interviews.remove(&application_id),
    };
    let row = store::letters::settings(&txn, call_id).await?;
    let templates = row.map(|r| r.templates).unwrap_or_else(|| "{}".into());
    let json = serde_json::to_string(&current.settings).map_err(DomainError::internal)?;
    store::letters::save_settings(&txn, call_id, Some(json), templates, now).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "interview.set",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: None,
            details: serde_json::json!({"interview": interview}),
        },
    )
    .await?;
    let resolved = resolve(&txn, call_id).await?;
    txn.commit().await?;
    Ok(resolved)
}
