//! A call's letter settings, templates and interview details, as staff set them.

use std::collections::BTreeMap;

use super::compose::{self, LetterSettings};
use super::{Resolved, programme_settings, resolve, templates};
use crate::error::{DomainError, FieldError};
use crate::service::auth::{Principal, Role};
use crate::service::outcome::{self};
use crate::service::{AppState, audit, outcome_cache};
use crate::store::{self, calls::call_of};

#[tracing::instrument(skip_all, fields(call_id = call_id))]
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
#[tracing::instrument(skip_all, fields(call_id = call_id))]
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
#[tracing::instrument(skip_all, fields(call_id = call_id))]
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
#[tracing::instrument(skip_all, fields(call_id = call_id, application_id = application_id))]
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
    let before = state.key_inside(&txn).await?;
    call_of(&txn, call_id).await?;
    let app = outcome::app_row(&txn, application_id).await?;
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
    let after = state.key_after_commit(&txn).await?;
    txn.commit().await?;
    // Only the letter settings changed: the outcome kept before is still the call's.
    outcome_cache::unchanged_by(state, call_id, before, after);
    Ok(resolved)
}
