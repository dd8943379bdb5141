//! A call's letterhead logo: a PNG with its alternative text, drawn at the top of the first page
//! of the call's letters (left, 40 mm wide). SVG is not supported: convert a logo to PNG.
//! Staff upload, read and remove it; every change is in the audit log.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::domain::digest::sha256_hex;
use crate::error::DomainError;
use crate::pdf::letterhead::Logo;
use crate::service::auth::{Principal, Role};
use crate::service::{AppState, audit};
use crate::store;
use crate::store::calls::call_of;

/// The largest logo, in bytes.
pub const MAX_LOGO_BYTES: usize = 1024 * 1024;
/// The longest alternative text, in characters.
pub const MAX_ALT_CHARS: usize = 200;

/// A call's logo as stored, with its size in pixels.
#[derive(Debug, Clone)]
pub struct LogoInfo {
    pub call_id: i32,
    pub sha256: String,
    pub alt: String,
    pub bytes: usize,
    pub width: u32,
    pub height: u32,
    pub uploaded_at: DateTime<Utc>,
}

/// The logo the call's letters draw, if it has one.
pub async fn for_letters<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Option<Logo>, DomainError> {
    match store::letter_logos::of_call(db, call_id).await? {
        None => Ok(None),
        Some(row) => {
            Ok(Some(Logo::from_png(&row.content, &row.alt).map_err(DomainError::internal)?))
        }
    }
}

fn check_alt(alt: &str) -> Result<String, DomainError> {
    let alt = alt.trim();
    if alt.is_empty() {
        return Err(DomainError::invalid(
            "alt",
            "the logo needs an alternative text (what a screen reader says)",
        ));
    }
    if alt.chars().count() > MAX_ALT_CHARS || alt.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "alt",
            format!("one line, at most {MAX_ALT_CHARS} characters"),
        ));
    }
    Ok(alt.to_string())
}

/// Sets (or replaces) the call's logo: a PNG the letters can draw, with its alternative text.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn set(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    png: Vec<u8>,
    alt: &str,
) -> Result<LogoInfo, DomainError> {
    who.require(&[Role::Staff])?;
    if png.len() > MAX_LOGO_BYTES {
        return Err(DomainError::TooLarge(format!(
            "a logo is at most {} MB",
            MAX_LOGO_BYTES / (1024 * 1024)
        )));
    }
    let alt = check_alt(alt)?;
    let logo = Logo::from_png(&png, &alt).map_err(|e| {
        DomainError::invalid(
            "body",
            format!(
                "{}; a PNG (8 bits per channel, not interlaced) is needed, SVG is not supported",
                e.0
            ),
        )
    })?;
    let now = state.now();
    let txn = state.write().await?;
    call_of(&txn, call_id).await?;
    let sha256 = sha256_hex(&png);
    let bytes = png.len();
    store::letter_logos::save(&txn, call_id, png, sha256.clone(), alt.clone(), now).await?;
    audit::record(
&txn,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: "letter_logo.set",
entity_type: "call",
entity_id: call_id.to_string(),
reason: None,
details: serde_json::json!({"sha256": sha256, "alt": alt, "bytes": bytes, "width": logo.image.width, "height": logo.image.height}),
},
)
    .await?;
    txn.commit().await?;
    Ok(LogoInfo {
        call_id,
        sha256,
        alt,
        bytes,
        width: logo.image.width,
        height: logo.image.height,
        uploaded_at: now,
    })
}

/// The call's logo as uploaded (the PNG and what is known about it); 404 when it has none.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn get(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<(LogoInfo, Vec<u8>), DomainError> {
    who.require(&[Role::Staff])?;
    call_of(&state.db, call_id).await?;
    let row = store::letter_logos::of_call(&state.db, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("the letter logo of call {call_id}")))?;
    let logo = Logo::from_png(&row.content, &row.alt).map_err(DomainError::internal)?;
    let info = LogoInfo {
        call_id,
        sha256: row.sha256,
        alt: row.alt,
        bytes: row.content.len(),
        width: logo.image.width,
        height: logo.image.height,
        uploaded_at: row.uploaded_at,
    };
    Ok((info, row.content))
}

/// Removes the call's logo (its letters have none from then on); removing none is no error.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn delete(state: &AppState, who: &Principal, call_id: i32) -> Result<(), DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    call_of(&txn, call_id).await?;
    let old = store::letter_logos::of_call(&txn, call_id).await?;
    if let Some(old) = old {
        store::letter_logos::delete(&txn, call_id).await?;
        audit::record(
            &txn,
            audit::AuditEntry {
                actor: &who.actor(),
                at: now,
                action: "letter_logo.removed",
                entity_type: "call",
                entity_id: call_id.to_string(),
                reason: None,
                details: serde_json::json!({"sha256": old.sha256, "alt": old.alt}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alt_text_is_required_and_bounded() {
        assert!(check_alt("  ").is_err());
        assert!(check_alt(&"x".repeat(MAX_ALT_CHARS + 1)).is_err());
        assert!(check_alt("Logo\nministerie").is_err());
        assert_eq!(check_alt(" Logo van het ministerie ").unwrap(), "Logo van het ministerie");
    }
}
