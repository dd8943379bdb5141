//! Intake over HTTP: drafts, the form, the budget, commitments, documents, submission and the
//! listing of a call's applications.

use poem::Body;
use poem_openapi::{OpenApi, param::Path, param::Query, payload::Binary, payload::Json};

use super::ApiTags;
use super::responses::{Action, Created, Read, ReadList, Write};
use super::security::TokenAuth;
use crate::domain::document::MAX_DOCUMENT_BYTES;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::applications::{self as intake, CommitmentInput};

pub struct ApplicationsApi {
    pub state: AppState,
}
pub use super::applications_model::*;

#[OpenApi(tag = "ApiTags::Applications")]
impl ApplicationsApi {
    /// Starts the region's draft application on a published call (region users)
    ///
    /// Creates the region's one draft application on the call; the region comes from the token.
    /// Refused with 409 before the call's publication or when the region already has an application
    /// on the call, and with 422 `deadline-passed` after the submission deadline. Answers 201 with
    /// the application's path in `Location`; fill it in with the form, budget, commitments and
    /// documents, then submit.
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
    /// Staff see all of them, a region user its own, an assessor the submitted ones of a call they
    /// are assigned to. Filter with `status` and `region`; page with `limit` and `offset`; a bad
    /// filter or page answers 422.
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
    /// The form, the budget with its computed totals, the partner commitments, the documents, the
    /// status and `missing`: every part submission still needs, by field. Another region's
    /// application does not exist for a region user (404). An assessor sees no contact person: that
    /// is the lead applicant's personal data.
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
    /// The form is replaced as a whole; a draft may leave fields out, submission needs them all.
    /// Refused with 409 once the application is submitted, and with 422 `deadline-passed` after the
    /// submission deadline.
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
    /// The budget is replaced as a whole: one line per year and purpose, with total cost, own
    /// contribution and requested amount as strings with two decimals. Each line's year lies in the
    /// call's spending period, no amount is negative, and own contribution plus requested amount do
    /// not exceed the total cost. Every problem is listed by field, e.g. `lines[0].requested`, in
    /// one 422 answer. The requested total is computed.
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
    /// `veilig_thuis`, `certified_institution`, `child_protection_board`); recording it again
    /// replaces it. `document_id` points to the signed letter, uploaded first as a document of kind
    /// `commitment`.
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
    /// The body is the raw file (`Content-Type: application/octet-stream`); `kind` (`plan`,
    /// `attachment` or `commitment`) and `filename` are query parameters. PDF, DOCX and ODT are
    /// recognised by their content, not their name; anything else answers 422, more than 25 MB
    /// answers 413. Answers 201 with the document's download path in `Location`.
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
    /// With its media type and file name in `Content-Disposition`. A document of another
    /// application answers 404.
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
    /// Answers the application as it is afterwards. The signed copy a commitment points to cannot
    /// be removed while the commitment refers to it (409).
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
    /// Accepted up to and including the deadline second; after it, 422 `deadline-passed`. An
    /// incomplete draft answers 422 with every missing part in `errors` (the same list as `missing`
    /// on the application). A submitted application is immutable: later writes answer 409.
    #[oai(path = "/applications/:id/submit", method = "post")]
    async fn submit(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<ApplicationView>, Action> {
        Ok(Json(application_view(intake::submit(&self.state, &auth.0, id.0).await?)))
    }
}
