//! Decision letters over HTTP: previews for staff, the issued letters for their region and staff,
//! corrections, and a call's letter settings and templates.

use chrono::{DateTime, Utc};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, param::Query, payload::Binary, payload::Json};

use super::ApiTags;
use super::responses::{Created, Read, ReadState, Write};
use super::security::TokenAuth;
use crate::service::AppState;
use crate::service::letters::{self, Resolved, compose::LetterSettings, templates};
use crate::store::letters::LetterMeta;

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
    /// Hex SHA-256 of the PDF as issued.
    pub sha256: String,
    #[oai(skip_serializing_if_is_none)]
    pub correction_reason: Option<String>,
    pub issued_at: DateTime<Utc>,
    /// Where to download it.
    pub content_url: String,
}

fn view(m: LetterMeta) -> LetterView {
    LetterView {
        content_url: format!("/letters/{}/content", m.id),
        id: m.id,
        call_id: m.call_id,
        application_id: m.application_id,
        kind: m.kind,
        number: m.number,
        reference: m.reference,
        filename: m.filename,
        sha256: m.sha256,
        correction_reason: m.correction_reason,
        issued_at: m.issued_at,
    }
}

#[derive(Object, Debug, Clone)]
pub struct LetterSettingsDto {
    /// The administrative body that decides, e.g. "De Minister voor Rechtsbescherming".
    pub issuing_body: String,
    /// The regulation the grant rests on.
    pub legal_basis: String,
    /// Where an objection goes; one line per line.
    pub objection_address: String,
    /// Who signs: name and function, one line per line.
    pub signatory: String,
}

#[derive(Object, Debug, Clone)]
pub struct LetterSettingsView {
    #[oai(flatten)]
    pub settings: LetterSettingsDto,
    /// `call` (the call's own settings, replacing the programme's as a whole) or `programme`.
    pub source: String,
    /// Settings that are empty: while any is, letters are not issued.
    pub missing: Vec<String>,
}

fn settings_view(r: &Resolved) -> LetterSettingsView {
    let s = &r.settings;
    LetterSettingsView {
        settings: LetterSettingsDto {
            issuing_body: s.issuing_body.clone(),
            legal_basis: s.legal_basis.clone(),
            objection_address: s.objection_address.clone(),
            signatory: s.signatory.clone(),
        },
        source: r.settings_source.to_string(),
        missing: s.missing().into_iter().map(str::to_string).collect(),
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
    ),
}

fn pdf(filename: &str, bytes: Vec<u8>) -> PdfResponse {
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
    };
    PdfResponse::Pdf(Binary(bytes), format!("attachment; filename=\"{filename}\""), sha)
}

#[OpenApi(tag = "ApiTags::Letters")]
impl LettersApi {
    /// Renders an application's letter as it would be issued now (staff)
    ///
    /// A PDF, not stored. `kind` defaults to the letter the application's current outcome calls for; a kind
    /// that does not fit the outcome answers 409 or 422.
    #[oai(path = "/applications/:id/letter-preview", method = "get")]
    async fn preview(&self, auth: TokenAuth, id: Path<i32>, kind: Query<Option<String>>) -> Result<PdfResponse, ReadState> {
        let (filename, bytes) = letters::preview(&self.state, &auth.0, id.0, kind.0.as_deref()).await?;
        Ok(pdf(&format!("voorbeeld-{filename}"), bytes))
    }

    /// Lists an application's issued letters
    ///
    /// For staff and the application's own region; for another region the application does not exist (404).
    #[oai(path = "/applications/:id/letters", method = "get")]
    async fn of_application(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<Vec<LetterView>>, Read> {
        Ok(Json(letters::of_application(&self.state, &auth.0, id.0).await?.into_iter().map(view).collect()))
    }

    /// Lists every letter issued in a call (staff)
    ///
    /// Each with its number, kind, application and SHA-256.
    #[oai(path = "/calls/:id/letters", method = "get")]
    async fn of_call(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<Vec<LetterView>>, Read> {
        Ok(Json(letters::of_call(&self.state, &auth.0, id.0).await?.into_iter().map(view).collect()))
    }

    /// Downloads an issued letter, byte for byte as issued
    ///
    /// For staff and the letter's own region; for another region it does not exist (404).
    #[oai(path = "/letters/:id/content", method = "get")]
    async fn content(&self, auth: TokenAuth, id: Path<i32>) -> Result<PdfResponse, Read> {
        let l = letters::content(&self.state, &auth.0, id.0).await?;
        Ok(pdf(&l.filename, l.content))
    }

    /// Issues a corrected letter (staff)
    ///
    /// A new letter with a new number and the reason; the earlier letter stays. Answers 201 with the new
    /// letter's download path in `Location`.
    #[oai(path = "/letters/:id/corrections", method = "post")]
    async fn correct(&self, auth: TokenAuth, id: Path<i32>, body: Json<LetterCorrectionInput>) -> Result<Created<LetterView>, Write> {
        let letter = view(letters::correct(&self.state, &auth.0, id.0, &body.0.reason).await?);
        Ok(Created::at(format!("/letters/{}/content", letter.id), letter))
    }

    /// A call's letter settings as they apply (staff)
    ///
    /// The call's own settings when it has them, otherwise the programme's; `source` says which.
    #[oai(path = "/calls/:id/letter-settings", method = "get")]
    async fn settings(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<LetterSettingsView>, Read> {
        Ok(Json(settings_view(&letters::settings(&self.state, &auth.0, id.0).await?)))
    }

    /// Sets a call's own letter settings (staff)
    ///
    /// They replace the programme's settings as a whole for this call; `null` goes back to the programme's.
    #[oai(path = "/calls/:id/letter-settings", method = "put")]
    async fn set_settings(&self, auth: TokenAuth, id: Path<i32>, body: Json<LetterSettingsInput>) -> Result<Json<LetterSettingsView>, Write> {
        let s = body.0.settings.map(|s| LetterSettings {
            issuing_body: s.issuing_body,
            legal_basis: s.legal_basis,
            objection_address: s.objection_address,
            signatory: s.signatory,
        });
        Ok(Json(settings_view(&letters::set_settings(&self.state, &auth.0, id.0, s).await?)))
    }

    /// A call's letter templates (staff)
    ///
    /// Each template's text with `{placeholders}` that the service fills with the figures, the placeholders
    /// it uses, and every placeholder the service knows.
    #[oai(path = "/calls/:id/letter-templates", method = "get")]
    async fn templates(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<TemplatesView>, Read> {
        Ok(Json(templates_view(&letters::settings(&self.state, &auth.0, id.0).await?)))
    }

    /// Rewords one letter template for a call (staff)
    ///
    /// `null` restores the default wording. Unknown placeholders are refused (422).
    #[oai(path = "/calls/:id/letter-templates/:name", method = "put")]
    async fn set_template(&self, auth: TokenAuth, id: Path<i32>, name: Path<String>, body: Json<TemplateInput>) -> Result<Json<TemplatesView>, Write> {
        Ok(Json(templates_view(&letters::set_template(&self.state, &auth.0, id.0, &name.0, body.0.text.as_deref()).await?)))
    }
}
