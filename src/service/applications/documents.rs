//! The documents of a draft application: what an upload must be, storing and removing it.

use super::{check_editable, claim, visible};
use crate::domain::digest::sha256_hex;
use crate::domain::document::{DocumentKind, MAX_DOCUMENT_BYTES, clean_filename, sniff};
use crate::error::{DomainError, FieldError};
use crate::service::auth::Principal;
use crate::service::{AppState, audit};
use crate::store::{self, documents::DocumentMeta};

/// What an upload must be, checked before its body is read: the kind and name make sense and
/// the draft may change now.
pub fn upload_kind(kind: &str) -> Result<DocumentKind, DomainError> {
    match DocumentKind::parse(kind) {
        Some(DocumentKind::Addendum) => Err(DomainError::invalid(
            "kind",
            "the addendum is handed in after the interview round, not with the application",
        )),
        Some(k) => Ok(k),
        None => Err(DomainError::invalid("kind", "the kind is plan, attachment or commitment")),
    }
}

#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn check_upload(
    state: &AppState,
    who: &Principal,
    id: i32,
    kind: &str,
    filename: &str,
) -> Result<(), DomainError> {
    check_editable(&state.db, who, id, state.now()).await?;
    let mut errors = Vec::new();
    match upload_kind(kind) {
        Ok(_) => {}
        Err(DomainError::Validation(e)) => errors.extend(e),
        Err(other) => return Err(other),
    }
    if let Err(e) = clean_filename(filename) {
        errors.push(FieldError::new("filename", e));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
}

/// Stores an uploaded document after checking its size and, from the content, its type.
#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn upload(
    state: &AppState,
    who: &Principal,
    id: i32,
    kind: &str,
    filename: &str,
    content: Vec<u8>,
) -> Result<DocumentMeta, DomainError> {
    let kind = upload_kind(kind)?;
    let filename = clean_filename(filename).map_err(|e| DomainError::invalid("filename", e))?;
    if content.len() > MAX_DOCUMENT_BYTES {
        return Err(DomainError::TooLarge(format!(
            "a document is at most {} MB",
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        )));
    }
    let file_type = sniff(&content).ok_or_else(|| {
        DomainError::invalid(
            "body",
            "the file is not a PDF, DOCX or ODT document (judged by its content, not its name)",
        )
    })?;
    let sha256: String = sha256_hex(&content);
    let now = state.now();
    let txn = state.write().await?;
    claim(&txn, who, id, now).await?;
    let doc = store::documents::insert(
        &txn,
        store::documents::NewDocument {
            application_id: id,
            kind: kind.as_str().to_string(),
            filename,
            media_type: file_type.media_type().to_string(),
            sha256,
            content,
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
            action: "application.document_uploaded",
            entity_type: "application",
            entity_id: id.to_string(),
            reason: None,
            details: serde_json::json!({
                "document_id": doc.id,
                "kind": doc.kind,
                "filename": doc.filename,
                "media_type": doc.media_type,
                "size_bytes": doc.size_bytes,
                "sha256": doc.sha256,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(doc)
}

/// Removes a document from a draft (e.g. a wrong upload); not one a commitment points to.
#[tracing::instrument(skip_all, fields(document_id = document_id))]
pub async fn delete_document(
    state: &AppState,
    who: &Principal,
    id: i32,
    document_id: i32,
) -> Result<(), DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    claim(&txn, who, id, now).await?;
    let doc = store::documents::meta(&txn, id, document_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("document {document_id}")))?;
    if let Some(c) = store::applications::commitment_with_document(&txn, document_id).await? {
        return Err(DomainError::Conflict(format!(
            "document {document_id} is the signed commitment of the {} partner; replace that commitment first",
            c.role
        )));
    }
    store::documents::delete(&txn, document_id).await?;
    audit::record(
&txn,
audit::AuditEntry {
actor: &who.actor(),
at: now,
action: "application.document_deleted",
entity_type: "application",
entity_id: id.to_string(),
reason: None,
details: serde_json::json!({"document_id": doc.id, "kind": doc.kind, "filename": doc.filename, "sha256": doc.sha256}),
},
)
    .await?;
    txn.commit().await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn documents(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<Vec<DocumentMeta>, DomainError> {
    let app = visible(&state.db, who, id).await?;
    Ok(store::documents::list(&state.db, app.id).await?)
}

#[tracing::instrument(skip_all, fields(document_id = document_id))]
pub async fn document_content(
    state: &AppState,
    who: &Principal,
    id: i32,
    document_id: i32,
) -> Result<entity::document::Model, DomainError> {
    let app = visible(&state.db, who, id).await?;
    store::documents::with_content(&state.db, app.id, document_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("document {document_id}")))
}
