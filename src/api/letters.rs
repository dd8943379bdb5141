//! Decision letters over HTTP: previews for staff, the issued letters for their region and staff,
//! corrections, and a call's letter settings and templates.

use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiRequest, ApiResponse, Object, OpenApi, param::Path, param::Query, payload::Binary,
    payload::Json,
};

use super::ApiTags;
use super::responses::{Action, Created, Read, ReadState, Write};
use super::security::TokenAuth;
use crate::service::AppState;
use crate::service::letters::{
    self, Resolved, compose::Interview, compose::LetterSettings, logo::LogoInfo, templates,
};
use crate::service::records::LetterMeta;

pub struct LettersApi {
    pub state: AppState,
}

/// An issued letter, without its content.
#[derive(Object, Debug, Clone)]
pub struct LetterView {
    pub id: i32,
    pub call_id: i32,
    pub application_id: i32,
    /// `award`, `rejection_first_round` or `rejection_final`
    pub kind: String,
    /// 1 for the letter issued at publication; a correction has the next number.
    pub number: i32,
    /// The reference number printed on the letter (*kenmerk*).
    #[oai(rename = "reference")]
    pub reference: String,
    pub filename: String,
    /// Hex SHA-256 of the PDF as issued; absent while the letter is `pending`.
    #[oai(skip_serializing_if_is_none)]
    pub sha256: Option<String>,
    /// `pending` (recorded at publication, not rendered yet; downloading it renders it) or
    /// `rendered` (its bytes and SHA-256 are fixed).
    pub state: String,
    #[oai(skip_serializing_if_is_none)]
    pub correction_reason: Option<String>,
    pub issued_at: DateTime<Utc>,
    /// Where to download it.
    pub content_url: String,
}

/// A page of a call's letters, by id.
#[derive(Object, Debug, Clone)]
pub struct LetterPage {
    pub items: Vec<LetterView>,
    /// How many match the filters in all.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

fn view(m: LetterMeta) -> LetterView {
    let state = m.state().to_string();
    LetterView {
        content_url: format!("/letters/{}/content", m.id),
        id: m.id,
        call_id: m.call_id,
        application_id: m.application_id,
        kind: m.kind,
        number: m.number,
        reference: m.reference,
        state,
        filename: m.filename,
        sha256: m.sha256,
        correction_reason: m.correction_reason,
        issued_at: m.issued_at,
    }
}

/// A call's decision settings; every field is required before a publication issues letters.
#[derive(Object, Debug, Clone)]
pub struct LetterSettingsDto {
    /// The deciding body, e.g. "De Minister voor Rechtsbescherming" (lines allowed).
    pub issuing_body: String,
    /// The regulation the decisions rest on, with its articles.
    pub legal_basis: String,
    /// The articles of the Algemene wet bestuursrecht the decisions rest on.
    #[oai(default)]
    pub awb_articles: String,
    /// Where objections go: a postal address, one line per line.
    pub objection_address: String,
    /// Who signs: the name.
    pub signatory: String,
    /// Who signs: the function.
    #[oai(default)]
    pub signatory_function: String,
    /// The letterhead's return address, one line.
    #[oai(default)]
    pub return_address: String,
    #[oai(default)]
    pub contact_name: String,
    #[oai(default)]
    pub contact_email: String,
    #[oai(default)]
    pub contact_phone: String,
    /// The share of the grant paid as an advance at the start, in percent.
    #[oai(default)]
    pub advance_percent: u32,
    /// Weeks after a half-year by which its progress report is due.
    #[oai(default)]
    pub report_weeks: u32,
    /// Weeks after the spending period by which the request for settlement is due.
    #[oai(default)]
    pub settlement_weeks: u32,
}

/// Where and when an invited region's interview takes place.
#[derive(Object, Debug, Clone)]
pub struct InterviewDto {
    pub date: chrono::NaiveDate,
    /// Local time, `HH:MM`.
    pub time: String,
    /// A postal address or room; either this or `video_link`.
    #[oai(skip_serializing_if_is_none)]
    pub place: Option<String>,
    /// An https:// link.
    #[oai(skip_serializing_if_is_none)]
    pub video_link: Option<String>,
}

#[derive(Object, Debug, Clone)]
pub struct InterviewView {
    pub application_id: i32,
    #[oai(flatten)]
    pub interview: InterviewDto,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct InterviewInput {
    /// `null` removes the details.
    pub interview: Option<InterviewDto>,
}

fn interview_dto(i: &Interview) -> InterviewDto {
    InterviewDto {
        date: i.date,
        time: i.time.format("%H:%M").to_string(),
        place: i.place.clone(),
        video_link: i.video_link.clone(),
    }
}

#[derive(Object, Debug, Clone)]
pub struct LetterSettingsView {
    #[oai(flatten)]
    pub settings: LetterSettingsDto,
    /// `call` (the call's own settings, replacing the programme's as a whole) or `programme`.
    pub source: String,
    /// Settings that are empty: while any is, letters are not issued.
    pub missing: Vec<String>,
    /// The interview details per invited application.
    pub interviews: Vec<InterviewView>,
}

fn settings_view(r: &Resolved) -> LetterSettingsView {
    let s = &r.settings;
    LetterSettingsView {
        settings: LetterSettingsDto {
            issuing_body: s.issuing_body.clone(),
            legal_basis: s.legal_basis.clone(),
            awb_articles: s.awb_articles.clone(),
            objection_address: s.objection_address.clone(),
            signatory: s.signatory.clone(),
            signatory_function: s.signatory_function.clone(),
            return_address: s.return_address.clone(),
            contact_name: s.contact_name.clone(),
            contact_email: s.contact_email.clone(),
            contact_phone: s.contact_phone.clone(),
            advance_percent: s.advance_percent,
            report_weeks: s.report_weeks,
            settlement_weeks: s.settlement_weeks,
        },
        source: r.settings_source.to_string(),
        missing: s.missing().into_iter().map(str::to_string).collect(),
        interviews: s
            .interviews
            .iter()
            .map(|(id, i)| InterviewView { application_id: *id, interview: interview_dto(i) })
            .collect(),
    }
}

/// The call's own settings, or `null` to take the programme's again.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct LetterSettingsInput {
    pub settings: Option<LetterSettingsDto>,
}

#[derive(Object, Debug, Clone)]
pub struct TemplateView {
    pub name: String,
    pub text: String,
    /// `call` when the call words it differently, else `default`.
    pub source: String,
    pub placeholders: Vec<String>,
}

#[derive(Object, Debug, Clone)]
pub struct TemplatesView {
    pub templates: Vec<TemplateView>,
    /// Every placeholder a template may use; the figures are filled in by the service.
    pub known_placeholders: Vec<String>,
}

fn templates_view(r: &Resolved) -> TemplatesView {
    TemplatesView {
        templates: r
            .templates
            .iter()
            .map(|(name, text)| TemplateView {
                name: name.clone(),
                text: text.clone(),
                source: if r.overridden.contains(name) { "call" } else { "default" }.to_string(),
                placeholders: templates::placeholders(text),
            })
            .collect(),
        known_placeholders: templates::PLACEHOLDERS.iter().map(|p| p.to_string()).collect(),
    }
}

/// A template's new text, or `null` to take the default again.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct TemplateInput {
    pub text: Option<String>,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct LetterCorrectionInput {
    pub reason: String,
}

#[derive(ApiResponse)]
pub enum PdfResponse {
    /// The letter as PDF
    #[oai(status = 200, content_type = "application/pdf")]
    Pdf(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
        /// Hex SHA-256 of the PDF
        #[oai(header = "X-Content-Sha256")]
        String,
        /// On a preview: the decisive motivations that would block the publication (empty, too
        /// short, only a reference elsewhere), naming application and criterion.
        #[oai(header = "X-Letter-Warnings")]
        Option<String>,
    ),
}

/// A header value in ASCII: accented letters lose their accent, anything else becomes `?`.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            c if c.is_ascii() && !c.is_ascii_control() => c,
            'à' | 'á' | 'â' | 'ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            _ => '?',
        })
        .collect()
}

fn pdf(filename: &str, bytes: Vec<u8>) -> PdfResponse {
    let sha = crate::domain::digest::sha256_hex(&bytes);
    PdfResponse::Pdf(Binary(bytes), format!("attachment; filename=\"{filename}\""), sha, None)
}

/// A call's letterhead logo, without the image.
#[derive(Object, Debug, Clone)]
pub struct LetterLogoView {
    /// Hex SHA-256 of the PNG as uploaded.
    pub sha256: String,
    /// The alternative text the letters carry for it.
    pub alt: String,
    /// The PNG's size in bytes.
    pub bytes: u64,
    /// In pixels.
    pub width: u32,
    pub height: u32,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download the PNG.
    pub content_url: String,
}

/// Whether a call's letters carry a logo.
#[derive(Object, Debug, Clone)]
pub struct LetterLogoState {
    /// Absent: the letters have no logo.
    #[oai(skip_serializing_if_is_none)]
    pub logo: Option<LetterLogoView>,
}

fn logo_view(i: LogoInfo) -> LetterLogoView {
    LetterLogoView {
        content_url: format!("/calls/{}/letter-logo", i.call_id),
        sha256: i.sha256,
        alt: i.alt,
        bytes: i.bytes as u64,
        width: i.width,
        height: i.height,
        uploaded_at: i.uploaded_at,
    }
}

#[derive(ApiRequest)]
pub enum LogoUpload {
    /// The logo as a PNG (8 bits per channel, not interlaced), at most 1 MB. SVG is not supported.
    #[oai(content_type = "image/png")]
    Png(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum LogoResponse {
    /// The logo, byte for byte as uploaded
    #[oai(status = 200, content_type = "image/png")]
    Png(
        Binary<Vec<u8>>,
        /// Hex SHA-256 of the PNG
        #[oai(header = "X-Content-Sha256")]
        String,
    ),
}

#[OpenApi(tag = "ApiTags::Letters")]
impl LettersApi {
    /// Renders an application's letter as it would be issued now (staff)
    ///
    /// A PDF, not stored. `kind` defaults to the letter the application's current outcome calls
    /// for; a kind that does not fit the outcome answers 409 or 422.
    #[oai(path = "/applications/:id/letter-preview", method = "get")]
    async fn preview(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        kind: Query<Option<String>>,
    ) -> Result<PdfResponse, ReadState> {
        let (filename, bytes, warnings) =
            letters::preview(&self.state, &auth.0, id.0, kind.0.as_deref()).await?;
        Ok(match pdf(&format!("voorbeeld-{filename}"), bytes) {
            PdfResponse::Pdf(b, disposition, sha, _) => PdfResponse::Pdf(
                b,
                disposition,
                sha,
                (!warnings.is_empty()).then(|| ascii(&warnings.join("; "))),
            ),
        })
    }

    /// Lists an application's issued letters
    ///
    /// For staff and the application's own region; for another region the application does not
    /// exist (404).
    #[oai(path = "/applications/:id/letters", method = "get")]
    async fn of_application(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<Vec<LetterView>>, Read> {
        Ok(Json(
            letters::of_application(&self.state, &auth.0, id.0)
                .await?
                .into_iter()
                .map(view)
                .collect(),
        ))
    }

    /// Lists the letters issued in a call, by id (staff)
    ///
    /// Each with its number, kind, application, state and SHA-256; filtered by state and kind;
    /// page with `limit` and `offset`.
    #[oai(path = "/calls/:id/letters", method = "get")]
    async fn of_call(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        /// Only letters in this state: `pending` or `rendered`
        state: Query<Option<String>>,
        /// Only letters of this kind, e.g. `award`
        kind: Query<Option<String>>,
        /// At most this many (1..=500, default 100)
        limit: Query<Option<u64>>,
        /// Skip this many first (default 0)
        offset: Query<Option<u64>>,
    ) -> Result<Json<LetterPage>, Read> {
        let q = letters::CallLettersQuery {
            state: state.0,
            kind: kind.0,
            limit: limit.0.unwrap_or(100),
            offset: offset.0.unwrap_or(0),
        };
        let (rows, total) = letters::page_of_call(&self.state, &auth.0, id.0, &q).await?;
        let items = rows.into_iter().map(view).collect();
        Ok(Json(LetterPage { items, total, limit: q.limit, offset: q.offset }))
    }

    /// Downloads an issued letter, byte for byte as issued
    ///
    /// For staff and the letter's own region; for another region it does not exist (404).
    #[oai(path = "/letters/:id/content", method = "get")]
    async fn content(&self, auth: TokenAuth, id: Path<i32>) -> Result<PdfResponse, Read> {
        let l = letters::content(&self.state, &auth.0, id.0).await?;
        let content = l
            .content
            .ok_or_else(|| crate::error::DomainError::internal("a letter without content"))?;
        Ok(pdf(&l.filename, content))
    }

    /// Issues a corrected letter (staff)
    ///
    /// A new letter with a new number and the reason; the earlier letter stays. Answers 201 with
    /// the new letter's download path in `Location`.
    #[oai(path = "/letters/:id/corrections", method = "post")]
    async fn correct(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<LetterCorrectionInput>,
    ) -> Result<Created<LetterView>, Write> {
        let letter = view(letters::correct(&self.state, &auth.0, id.0, &body.0.reason).await?);
        Ok(Created::at(format!("/letters/{}/content", letter.id), letter))
    }

    /// A call's letter settings as they apply (staff)
    ///
    /// The call's own settings when it has them, otherwise the programme's; `source` says which.
    #[oai(path = "/calls/:id/letter-settings", method = "get")]
    async fn settings(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<LetterSettingsView>, Read> {
        Ok(Json(settings_view(&letters::settings(&self.state, &auth.0, id.0).await?)))
    }

    /// Sets a call's own letter settings (staff)
    ///
    /// They replace the programme's settings as a whole for this call; `null` goes back to the
    /// programme's.
    #[oai(path = "/calls/:id/letter-settings", method = "put")]
    async fn set_settings(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<LetterSettingsInput>,
    ) -> Result<Json<LetterSettingsView>, Write> {
        let s = body.0.settings.map(|s| LetterSettings {
            issuing_body: s.issuing_body,
            legal_basis: s.legal_basis,
            awb_articles: s.awb_articles,
            objection_address: s.objection_address,
            signatory: s.signatory,
            signatory_function: s.signatory_function,
            return_address: s.return_address,
            contact_name: s.contact_name,
            contact_email: s.contact_email,
            contact_phone: s.contact_phone,
            advance_percent: s.advance_percent,
            report_weeks: s.report_weeks,
            settlement_weeks: s.settlement_weeks,
            interviews: Default::default(),
        });
        Ok(Json(settings_view(&letters::set_settings(&self.state, &auth.0, id.0, s).await?)))
    }

    /// Sets the interview details of an invited application (staff)
    ///
    /// Date, time (HH:MM), place or video link of the interview, or `null` to remove them. Every
    /// invited application needs them before the first-round publication: the invitation letter
    /// states them.
    #[oai(path = "/calls/:id/interviews/:application_id", method = "put")]
    async fn set_interview(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        application_id: Path<i32>,
        body: Json<InterviewInput>,
    ) -> Result<Json<LetterSettingsView>, Action> {
        let interview = match body.0.interview {
            None => None,
            Some(i) => Some(Interview {
                date: i.date,
                time: chrono::NaiveTime::parse_from_str(i.time.trim(), "%H:%M").map_err(|_| {
                    crate::error::DomainError::invalid("interview.time", "a time as HH:MM")
                })?,
                place: i.place,
                video_link: i.video_link,
            }),
        };
        Ok(Json(settings_view(
            &letters::set_interview(&self.state, &auth.0, id.0, application_id.0, interview)
                .await?,
        )))
    }

    /// A call's letter templates (staff)
    ///
    /// Each template's text with `{placeholders}` that the service fills with the figures, the
    /// placeholders it uses, and every placeholder the service knows.
    #[oai(path = "/calls/:id/letter-templates", method = "get")]
    async fn templates(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<TemplatesView>, Read> {
        Ok(Json(templates_view(&letters::settings(&self.state, &auth.0, id.0).await?)))
    }

    /// Rewords one letter template for a call (staff)
    ///
    /// `null` restores the default wording. Unknown placeholders are refused (422).
    #[oai(path = "/calls/:id/letter-templates/:name", method = "put")]
    async fn set_template(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        name: Path<String>,
        body: Json<TemplateInput>,
    ) -> Result<Json<TemplatesView>, Write> {
        Ok(Json(templates_view(
            &letters::set_template(&self.state, &auth.0, id.0, &name.0, body.0.text.as_deref())
                .await?,
        )))
    }

    /// Sets a call's letterhead logo (staff)
    ///
    /// The body is the PNG itself (`Content-Type: image/png`, at most 1 MB, 8 bits per channel, not
    /// interlaced); `alt` is its alternative text (required, one line, at most 200 characters). The
    /// call's letters show it at the top of the first page, 40 mm wide, from the next letter on
    /// (previews included; issued letters stay as issued). SVG is not supported: convert it to PNG.
    /// An image that is not such a PNG answers 422.
    #[oai(path = "/calls/:id/letter-logo", method = "put")]
    async fn set_logo(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        alt: Query<String>,
        body: LogoUpload,
    ) -> Result<Json<LetterLogoState>, Write> {
        let LogoUpload::Png(png) = body;
        let info = letters::logo::set(&self.state, &auth.0, id.0, png.0, &alt.0).await?;
        Ok(Json(LetterLogoState { logo: Some(logo_view(info)) }))
    }

    /// Downloads a call's letterhead logo (staff)
    ///
    /// The PNG byte for byte as uploaded; a call without a logo answers 404.
    #[oai(path = "/calls/:id/letter-logo", method = "get")]
    async fn logo(&self, auth: TokenAuth, id: Path<i32>) -> Result<LogoResponse, Read> {
        let (info, png) = letters::logo::get(&self.state, &auth.0, id.0).await?;
        Ok(LogoResponse::Png(Binary(png), info.sha256))
    }

    /// Removes a call's letterhead logo (staff)
    ///
    /// The call's letters have no logo from the next letter on; issued letters stay as issued.
    /// Removing a logo the call does not have changes nothing.
    #[oai(path = "/calls/:id/letter-logo", method = "delete")]
    async fn delete_logo(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<LetterLogoState>, Action> {
        letters::logo::delete(&self.state, &auth.0, id.0).await?;
        Ok(Json(LetterLogoState { logo: None }))
    }
}
