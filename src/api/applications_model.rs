//! The bodies of the intake operations (`applications.rs`): inputs, views, the document
//! download answer, and reading an upload within its limit.

use chrono::{DateTime, NaiveDate, Utc};
use poem::{Body, IntoResponse, Response};
use poem_openapi::registry::{
    MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::{ApiResponse, Object};
use tokio::io::AsyncReadExt;

use super::applicant::ApplicantDto;
use super::regions::MunicipalityDto;
use super::types::DecimalInput;
use crate::domain::application::{Contact, FormInput, LineAmounts, ScaleInput};
use crate::domain::document::{FileType, MAX_DOCUMENT_BYTES};
use crate::domain::money::Money;
use crate::domain::region::Municipality;
use crate::error::{DomainError, FieldError};
use crate::service::applications::{ApplicationDetail, BudgetLineInput};
use crate::service::records::DocumentMeta;

#[derive(Object, Debug, Clone)]
pub struct ApplicationRegion {
    pub id: i32,
    #[oai(rename = "ref")]
    pub reference: String,
    pub name: String,
}

#[derive(Object, Debug, Clone)]
pub struct ContactDto {
    pub name: String,
    pub email: String,
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
    /// The contact's function, e.g. "beleidsadviseur Jeugd"
    #[oai(skip_serializing_if_is_none)]
    pub function: Option<String>,
}

#[derive(Object, Debug, Clone)]
pub struct ScaleInputDto {
    pub municipalities: Vec<MunicipalityDto>,
    /// Inhabitants the pilot covers; the municipalities' sum when left out.
    pub inhabitants: Option<u64>,
    #[oai(default)]
    pub districts: Vec<String>,
}

#[derive(Object, Debug, Clone)]
pub struct ScaleDto {
    pub municipalities: Vec<MunicipalityDto>,
    pub inhabitants: u64,
    pub districts: Vec<String>,
}

/// The application form; a draft may leave fields out, submission needs them all.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct FormInputDto {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub contact: Option<ContactDto>,
    pub scale: Option<ScaleInputDto>,
    /// The applying municipality (*penvoerder*) with its postal address: required for submission.
    pub applicant: Option<ApplicantDto>,
}

#[derive(Object, Debug, Clone)]
pub struct FormView {
    #[oai(skip_serializing_if_is_none)]
    pub title: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub summary: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub contact: Option<ContactDto>,
    #[oai(skip_serializing_if_is_none)]
    pub scale: Option<ScaleDto>,
    #[oai(skip_serializing_if_is_none)]
    pub applicant: Option<ApplicantDto>,
}

#[derive(Object, Debug, Clone)]
pub struct BudgetLineInputDto {
    /// A calendar year inside the call's spending period.
    pub year: i32,
    pub description: String,
    pub total_cost: DecimalInput,
    /// The region's own contribution (*eigen bijdrage*).
    pub own_contribution: DecimalInput,
    /// The amount requested (*gevraagde bijdrage*).
    pub requested: DecimalInput,
}

/// The whole budget; it replaces the previous one. The requested total is computed.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct BudgetInput {
    pub lines: Vec<BudgetLineInputDto>,
}

#[derive(Object, Debug, Clone)]
pub struct BudgetLineView {
    pub year: i32,
    pub description: String,
    pub total_cost: Money,
    pub own_contribution: Money,
    pub requested: Money,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct CommitmentInputDto {
    pub organisation: String,
    /// The administrator who signed.
    pub signed_by: String,
    pub signed_on: NaiveDate,
    /// The signed letter: a document of kind `commitment` uploaded to this application.
    pub document_id: Option<i32>,
}

#[derive(Object, Debug, Clone)]
pub struct CommitmentView {
    /// `municipality`, `local_team`, `veilig_thuis`, `certified_institution` or
    /// `child_protection_board`
    pub role: String,
    pub organisation: String,
    pub signed_by: String,
    pub signed_on: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub document_id: Option<i32>,
}

#[derive(Object, Debug, Clone)]
pub struct DocumentView {
    pub id: i32,
    /// `plan`, `attachment`, `commitment` (or `addendum`, in the final round)
    pub kind: String,
    pub filename: String,
    /// Judged from the content: `application/pdf`, DOCX or ODT.
    pub media_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Something submission still needs, e.g. `plan` or `commitments.child_protection_board`.
#[derive(Object, Debug, Clone)]
pub struct MissingPart {
    pub field: String,
    pub message: String,
}

#[derive(Object, Debug, Clone)]
pub struct ApplicationView {
    pub id: i32,
    pub call_id: i32,
    pub region: ApplicationRegion,
    /// `draft`, `submitted`, then the stages of assessment.
    pub status: String,
    pub form: FormView,
    pub budget_lines: Vec<BudgetLineView>,
    /// The sum of the lines' `requested`.
    pub requested_total: Money,
    pub commitments: Vec<CommitmentView>,
    pub documents: Vec<DocumentView>,
    /// What submission still needs (empty when complete or submitted).
    pub missing: Vec<MissingPart>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Object, Debug, Clone)]
pub struct ApplicationSummaryView {
    pub id: i32,
    pub call_id: i32,
    pub region: ApplicationRegion,
    pub status: String,
    #[oai(skip_serializing_if_is_none)]
    pub title: Option<String>,
    pub requested_total: Money,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Object, Debug, Clone)]
pub struct ApplicationPage {
    pub items: Vec<ApplicationSummaryView>,
    /// How many match the filters in all.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

pub(super) fn document_view(d: DocumentMeta) -> DocumentView {
    DocumentView {
        id: d.id,
        kind: d.kind,
        filename: d.filename,
        media_type: d.media_type,
        size_bytes: d.size_bytes,
        sha256: d.sha256,
        uploaded_at: d.uploaded_at,
    }
}

pub(super) fn municipality_dtos(ms: Vec<Municipality>) -> Vec<MunicipalityDto> {
    ms.into_iter().map(|m| MunicipalityDto { name: m.name, inhabitants: m.inhabitants }).collect()
}

pub(super) fn application_view(d: ApplicationDetail) -> ApplicationView {
    let a = d.application;
    ApplicationView {
        id: a.id,
        call_id: a.call_id,
        region: ApplicationRegion {
            id: d.region_id,
            reference: d.region.r#ref,
            name: d.region.name,
        },
        status: a.status,
        form: FormView {
            title: d.form.title,
            summary: d.form.summary,
            contact: d.form.contact.map(|c| ContactDto {
                name: c.name,
                email: c.email,
                phone: c.phone,
                function: c.function,
            }),
            applicant: d.form.applicant.map(ApplicantDto::from),
            scale: d.form.scale.map(|s| ScaleDto {
                municipalities: municipality_dtos(s.municipalities),
                inhabitants: s.inhabitants,
                districts: s.districts,
            }),
        },
        budget_lines: d
            .budget
            .into_iter()
            .map(|l| BudgetLineView {
                year: l.year,
                description: l.description,
                total_cost: l.total_cost,
                own_contribution: l.own_contribution,
                requested: l.requested,
            })
            .collect(),
        requested_total: d.requested_total,
        commitments: d
            .commitments
            .into_iter()
            .map(|c| CommitmentView {
                role: c.role,
                organisation: c.organisation,
                signed_by: c.signed_by,
                signed_on: c.signed_on,
                document_id: c.document_id,
            })
            .collect(),
        documents: d.documents.into_iter().map(document_view).collect(),
        missing: d
            .missing
            .into_iter()
            .map(|m| MissingPart { field: m.field, message: m.message })
            .collect(),
        created_at: a.created_at,
        updated_at: a.updated_at,
        submitted_at: a.submitted_at,
    }
}

/// A document's bytes with their own media type and file name.
pub struct DocumentContent {
    pub(super) media_type: String,
    pub(super) filename: String,
    pub(super) content: Vec<u8>,
}

impl IntoResponse for DocumentContent {
    fn into_response(self) -> Response {
        // The name was cleaned of quotes and control characters on upload; non-ASCII goes in
        // the RFC 5987 form.
        let ascii: String =
            self.filename.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
        let encoded: String = self
            .filename
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b".-_~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        Response::builder()
            .content_type(self.media_type)
            .header(
                "Content-Disposition",
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            )
            .header("X-Content-Type-Options", "nosniff")
            .body(self.content)
    }
}

impl ApiResponse for DocumentContent {
    fn meta() -> MetaResponses {
        let schema = || {
            MetaSchemaRef::Inline(Box::new(MetaSchema {
                format: Some("binary"),
                ..MetaSchema::new("string")
            }))
        };
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The document, byte for byte as uploaded, with its media type",
                status: Some(200),
                status_range: None,
                content: [FileType::Pdf, FileType::Docx, FileType::Odt]
                    .iter()
                    .map(|t| MetaMediaType { content_type: t.media_type(), schema: schema() })
                    .collect(),
                headers: vec![],
            }],
        }
    }

    fn register(_registry: &mut Registry) {}
}

/// Reads an upload up to `limit` bytes. A larger body is read on (and dropped) up to a bound
/// before the 413 goes out: a server that stops reading mid-upload makes the client see a reset
/// connection instead of the answer.
pub(super) async fn read_upload(body: Body, limit: usize) -> Result<Vec<u8>, DomainError> {
    let mut reader = body.into_async_read();
    let mut content = Vec::new();
    let mut seen: usize = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader
            .read(&mut buf)
            .await
            .map_err(|e| DomainError::BadRequest(format!("the upload broke off: {e}")))?;
        if n == 0 {
            break;
        }
        seen = seen.saturating_add(n);
        if seen <= limit {
            content.extend_from_slice(&buf[..n]);
        } else {
            content = Vec::new();
            if seen > DRAIN_BOUND {
                break;
            }
        }
    }
    if seen > limit {
        return Err(DomainError::TooLarge(format!(
            "a document is at most {} MB",
            limit / (1024 * 1024)
        )));
    }
    Ok(content)
}

/// How much of a refused upload is read and dropped before giving up on the connection.
pub(super) const DRAIN_BOUND: usize = 4 * MAX_DOCUMENT_BYTES;

/// Drops what is left of a refused upload, within bounds, so the refusal reaches the client.
pub(super) async fn discard(body: Body) {
    let _ = read_upload(body, 0).await;
}

pub(super) fn form_input(b: FormInputDto) -> FormInput {
    FormInput {
        title: b.title,
        summary: b.summary,
        contact: b.contact.map(|c| Contact {
            name: c.name,
            email: c.email,
            phone: c.phone,
            function: c.function,
        }),
        applicant: b.applicant.map(Into::into),
        scale: b.scale.map(|s| ScaleInput {
            municipalities: s
                .municipalities
                .into_iter()
                .map(|m| Municipality { name: m.name, inhabitants: m.inhabitants })
                .collect(),
            inhabitants: s.inhabitants,
            districts: s.districts,
        }),
    }
}

pub(super) fn budget_input(b: BudgetInput) -> (Vec<BudgetLineInput>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let lines = b
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let total_cost = l.total_cost.money(&format!("lines[{i}].total_cost"), &mut errors);
            let own_contribution =
                l.own_contribution.money(&format!("lines[{i}].own_contribution"), &mut errors);
            let requested = l.requested.money(&format!("lines[{i}].requested"), &mut errors);
            let amounts = match (total_cost, own_contribution, requested) {
                (Some(total_cost), Some(own_contribution), Some(requested)) => {
                    Some(LineAmounts { total_cost, own_contribution, requested })
                }
                _ => None,
            };
            BudgetLineInput { year: l.year, description: l.description, amounts }
        })
        .collect();
    (lines, errors)
}
