//! The addendum an invited region hands in before the final round.

use sea_orm::ConnectionTrait;

use crate::domain::call::stage;
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::app_row;
use crate::service::{AppState, audit};
use crate::store::{self, calls::call_of};

/// An invited region hands in its addendum (a supplement to the plan) until the addendum
/// deadline; it is re-scored in the final round. Another region's application does not exist.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn upload_addendum(
    state: &AppState,
    who: &Principal,
    application_id: i32,
    filename: &str,
    bytes: Vec<u8>,
) -> Result<store::documents::DocumentMeta, DomainError> {
    use crate::domain::document;
    who.require(&[Role::Region])?;
    let now = state.now();
    let txn = state.write().await?;
    let app = app_row(&txn, application_id).await?;
    if who.region_id != Some(app.region_id) {
        return Err(DomainError::NotFound(format!("application {application_id}")));
    }
    let call = call_of(&txn, app.call_id).await?;
    if app.status != "invited_to_interview" {
        return Err(DomainError::Conflict(
            "only an application invited to the interview round takes an addendum".into(),
        ));
    }
    if call.definition.moment(stage::ADDENDUM_DEADLINE).is_some_and(|d| now > d) {
        return Err(DomainError::DeadlinePassed("the addendum deadline has passed".into()));
    }
    if bytes.len() > document::MAX_DOCUMENT_BYTES {
        return Err(DomainError::TooLarge("a document is at most 25 MB".into()));
    }
    let filename =
        document::clean_filename(filename).map_err(|m| DomainError::invalid("filename", m))?;
    let kind = document::sniff(&bytes).ok_or_else(|| {
        DomainError::invalid("file", "the file is not a PDF, DOCX or ODT document")
    })?;
    let sha256 = crate::domain::digest::sha256_hex(&bytes);
    let meta = store::documents::insert(
        &txn,
        store::documents::NewDocument {
            application_id,
            kind: document::DocumentKind::Addendum.as_str().to_string(),
            filename,
            media_type: kind.media_type().to_string(),
            sha256: sha256.clone(),
            content: bytes,
            uploaded_by: Some(who.user_id),
            uploaded_at: now,
        },
    )
    .await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "application.addendum_uploaded",
            entity_type: "application",
            entity_id: application_id.to_string(),
            reason: None,
            details: serde_json::json!({"document_id": meta.id, "sha256": sha256}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(meta)
}

/// Whether the application has an addendum (for the addendum reminder).
pub async fn has_addendum<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<bool, DomainError> {
    Ok(store::documents::has_kind(
        db,
        application_id,
        crate::domain::document::DocumentKind::Addendum.as_str(),
    )
    .await?)
}
