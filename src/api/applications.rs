//! Intake over HTTP: drafts, the form, the budget, commitments, documents, submission and the
//! listing of a call's applications.

use chrono::{DateTime, NaiveDate, Utc};
use poem::{Body, IntoResponse, Response};
use poem_openapi::registry::{
    MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::{
    ApiResponse, Object, OpenApi, param::Path, param::Query, payload::Binary, payload::Json,
};
use tokio::io::AsyncReadExt;

use super::ApiTags;
use super::applicant::ApplicantDto;
use super::regions::MunicipalityDto;
use super::responses::{Action, Created, Read, ReadList, Write};
use super::security::TokenAuth;
use super::types::DecimalInput;
use crate::domain::application::{Contact, FormInput, LineAmounts, ScaleInput};
use crate::domain::document::{FileType, MAX_DOCUMENT_BYTES};
use crate::domain::money::Money;
use crate::domain::region::Municipality;
use crate::error::{DomainError, FieldError};
use crate::service::AppState;
use crate::service::applications::{
    self as intake, ApplicationDetail, BudgetLineInput, CommitmentInput,
};
use crate::service::records::DocumentMeta;

pub struct ApplicationsApi {
    pub state: AppState,
}

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
    /// `municipality`, `local_team`, `veilig_thuis`, `certified_institution` or `child_protection_board`
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

fn document_view(d: DocumentMeta) -> DocumentView {
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

fn municipality_dtos(ms: Vec<Municipality>) -> Vec<MunicipalityDto> {
    ms.into_iter().map(|m| MunicipalityDto { name: m.name, inhabitants: m.inhabitants }).collect()
}

fn application_view(d: ApplicationDetail) -> ApplicationView {
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
    media_type: String,
    filename: String,
    content: Vec<u8>,
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
async fn read_upload(body: Body, limit: usize) -> Result<Vec<u8>, DomainError> {
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
const DRAIN_BOUND: usize = 4 * MAX_DOCUMENT_BYTES;

/// Drops what is left of a refused upload, within bounds, so the refusal reaches the client.
async fn discard(body: Body) {
    let _ = read_upload(body, 0).await;
}

fn form_input(b: FormInputDto) -> FormInput {
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

fn budget_input(b: BudgetInput) -> (Vec<BudgetLineInput>, Vec<FieldError>) {
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

#[OpenApi(tag = "ApiTags::Applications")]
impl ApplicationsApi {
    /// Starts the region's draft application on a published call (region users)
    ///
    /// Creates the region's one draft application on the call; the region comes from the token. Refused
    /// with 409 before the call's publication or when the region already has an application on the call,
    /// and with 422 `deadline-passed` after the submission deadline. Answers 201 with the application's
    /// path in `Location`; fill it in with the form, budget, commitments and documents, then submit.
    #[oai(path = "/calls/:call_id/applications", method = "post")]
    async fn create(
        &self,
        auth: TokenAuth,
        call_id: Path<i32>,
    ) -> Result<Created<ApplicationView>, Action> {
        let view = application_view(intake::create_draft(&self.state, &auth.0, call_id.0).await?);
        Ok(Created::at(format!("/applications/{}", view.id), view))
    }

    /// Lists a call's applications, by id
    ///
    /// Staff see all of them, a region user its own, an assessor the submitted ones of a call they are
    /// assigned to. Filter with `status` and `region`; page with `limit` and `offset`; a bad filter or page
    /// answers 422.
    #[oai(path = "/calls/:call_id/applications", method = "get")]
    async fn list(
        &self,
        auth: TokenAuth,
        call_id: Path<i32>,
        /// Only applications with this status, e.g. `submitted`
        status: Query<Option<String>>,
        /// Only the application of the region with this `ref`
        region: Query<Option<String>>,
        /// At most this many (1..=500, default 100)
        limit: Query<Option<u64>>,
        /// Skip this many first (default 0)
        offset: Query<Option<u64>>,
    ) -> Result<Json<ApplicationPage>, ReadList> {
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(DomainError::invalid("limit", "between 1 and 500").into());
        }
        let offset = offset.0.unwrap_or(0);
        let page = intake::list_for_call(
            &self.state,
            &auth.0,
            call_id.0,
            intake::ListQuery { status: status.0, region: region.0, limit, offset },
        )
        .await?;
        Ok(Json(ApplicationPage {
            items: page
                .items
                .into_iter()
                .map(|s| ApplicationSummaryView {
                    id: s.application.id,
                    call_id: s.application.call_id,
                    region: ApplicationRegion {
                        id: s.application.region_id,
                        reference: s.region_ref,
                        name: s.region_name,
                    },
                    status: s.application.status,
                    title: s.application.title,
                    requested_total: s.requested_total,
                    created_at: s.application.created_at,
                    updated_at: s.application.updated_at,
                    submitted_at: s.application.submitted_at,
                })
                .collect(),
            total: page.total,
            limit,
            offset,
        }))
    }

    /// Reads an application with everything in it, and what submission still needs
    ///
    /// The form, the budget with its computed totals, the partner commitments, the documents, the status
    /// and `missing`: every part submission still needs, by field. Another region's application does not
    /// exist for a region user (404). An assessor sees no contact person: that is the lead applicant's
    /// personal data.
    #[oai(path = "/applications/:id", method = "get")]
    async fn get(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<ApplicationView>, Read> {
        let mut view = application_view(intake::get(&self.state, &auth.0, id.0).await?);
        if auth.0.role == crate::service::auth::Role::Assessor {
            view.form.contact = None;
        }
        Ok(Json(view))
    }

    /// Replaces the application form of a draft (the region)
    ///
    /// The form is replaced as a whole; a draft may leave fields out, submission needs them all. Refused
    /// with 409 once the application is submitted, and with 422 `deadline-passed` after the submission
    /// deadline.
    #[oai(path = "/applications/:id/form", method = "put")]
    async fn put_form(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<FormInputDto>,
    ) -> Result<Json<ApplicationView>, Write> {
        let detail = intake::replace_form(&self.state, &auth.0, id.0, form_input(body.0)).await?;
        Ok(Json(application_view(detail)))
    }

    /// Replaces the budget of a draft (the region)
    ///
    /// The budget is replaced as a whole: one line per year and purpose, with total cost, own contribution
    /// and requested amount as strings with two decimals. Each line's year lies in the call's spending
    /// period, no amount is negative, and own contribution plus requested amount do not exceed the total
    /// cost. Every problem is listed by field, e.g. `lines[0].requested`, in one 422 answer. The requested
    /// total is computed.
    #[oai(path = "/applications/:id/budget", method = "put")]
    async fn put_budget(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<BudgetInput>,
    ) -> Result<Json<ApplicationView>, Write> {
        let (lines, errors) = budget_input(body.0);
        Ok(Json(application_view(
            intake::replace_budget(&self.state, &auth.0, id.0, lines, errors).await?,
        )))
    }

    /// Records a partner's signed commitment for one of the call's required roles (the region)
    ///
    /// `role` is one of the call's `required_partner_roles` (e.g. `municipality`, `local_team`,
    /// `veilig_thuis`, `certified_institution`, `child_protection_board`); recording it again replaces it.
    /// `document_id` points to the signed letter, uploaded first as a document of kind `commitment`.
    #[oai(path = "/applications/:id/commitments/:role", method = "put")]
    async fn put_commitment(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        role: Path<String>,
        body: Json<CommitmentInputDto>,
    ) -> Result<Json<ApplicationView>, Write> {
        let b = body.0;
        let input = CommitmentInput {
            organisation: b.organisation,
            signed_by: b.signed_by,
            signed_on: b.signed_on,
            document_id: b.document_id,
        };
        Ok(Json(application_view(
            intake::sign_commitment(&self.state, &auth.0, id.0, &role.0, input).await?,
        )))
    }

    /// Uploads a document to a draft (the region)
    ///
    /// The body is the raw file (`Content-Type: application/octet-stream`); `kind` (`plan`, `attachment` or
    /// `commitment`) and `filename` are query parameters. PDF, DOCX and ODT are recognised by their
    /// content, not their name; anything else answers 422, more than 25 MB answers 413. Answers 201 with
    /// the document's download path in `Location`.
    #[oai(path = "/applications/:id/documents", method = "post")]
    async fn upload(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        /// `plan`, `attachment` or `commitment`
        kind: Query<String>,
        /// The file's name, as offered on download
        filename: Query<String>,
        body: Binary<Body>,
    ) -> Result<Created<DocumentView>, Write> {
        // Refuse early (wrong application, submitted, past the deadline) without storing the body.
        if let Err(e) = intake::check_upload(&self.state, &auth.0, id.0, &kind.0, &filename.0).await
        {
            discard(body.0).await;
            return Err(e.into());
        }
        let content = read_upload(body.0, MAX_DOCUMENT_BYTES).await?;
        let doc = intake::upload(&self.state, &auth.0, id.0, &kind.0, &filename.0, content).await?;
        let view = document_view(doc);
        Ok(Created::at(format!("/applications/{}/documents/{}/content", id.0, view.id), view))
    }

    /// Lists an application's documents
    ///
    /// Their metadata without the content: kind, file name, media type, size and SHA-256.
    #[oai(path = "/applications/:id/documents", method = "get")]
    async fn documents(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<Vec<DocumentView>>, Read> {
        Ok(Json(
            intake::documents(&self.state, &auth.0, id.0)
                .await?
                .into_iter()
                .map(document_view)
                .collect(),
        ))
    }

    /// Downloads a document, byte for byte as uploaded
    ///
    /// With its media type and file name in `Content-Disposition`. A document of another application
    /// answers 404.
    #[oai(path = "/applications/:id/documents/:document_id/content", method = "get")]
    async fn content(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        document_id: Path<i32>,
    ) -> Result<DocumentContent, Read> {
        let d = intake::document_content(&self.state, &auth.0, id.0, document_id.0).await?;
        Ok(DocumentContent { media_type: d.media_type, filename: d.filename, content: d.content })
    }

    /// Removes a document from a draft (the region)
    ///
    /// Answers the application as it is afterwards. The signed copy a commitment points to cannot be
    /// removed while the commitment refers to it (409).
    #[oai(path = "/applications/:id/documents/:document_id", method = "delete")]
    async fn delete_document(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        document_id: Path<i32>,
    ) -> Result<Json<ApplicationView>, Action> {
        intake::delete_document(&self.state, &auth.0, id.0, document_id.0).await?;
        Ok(Json(application_view(intake::get(&self.state, &auth.0, id.0).await?)))
    }

    /// Submits a complete draft (the region)
    ///
    /// Accepted up to and including the deadline second; after it, 422 `deadline-passed`. An incomplete
    /// draft answers 422 with every missing part in `errors` (the same list as `missing` on the
    /// application). A submitted application is immutable: later writes answer 409.
    #[oai(path = "/applications/:id/submit", method = "post")]
    async fn submit(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<ApplicationView>, Action> {
        Ok(Json(application_view(intake::submit(&self.state, &auth.0, id.0).await?)))
    }
}
