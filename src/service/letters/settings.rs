//! A call's decision settings: who decides and signs, on what legal basis, the letterhead's
//! return address and contact person, the payment schedule, the obligations' terms, where
//! objections go, and the interview details per invited application. Every field is required
//! before a publication issues letters; the programme's defaults come from configuration.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::domain::region::is_email;
use crate::error::{DomainError, FieldError};

pub const MAX_LINE_CHARS: usize = 300;
pub const MAX_BLOCK_CHARS: usize = 1_000;

/// Where and when an invited region's interview takes place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interview {
    pub date: NaiveDate,
    /// Local time, e.g. 10:00; written "10.00 uur".
    pub time: NaiveTime,
    /// A postal address or room; either this or `video_link`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_link: Option<String>,
}

/// Who issues the letters and on what basis, and what a grant letter states.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterSettings {
    /// The administrative body that decides (*bestuursorgaan*), e.g. "De Minister voor
    /// Rechtsbescherming".
    pub issuing_body: String,
    /// The regulation the decisions rest on, with its articles.
    pub legal_basis: String,
    /// The articles of the Algemene wet bestuursrecht the decisions rest on.
    #[serde(default)]
    pub awb_articles: String,
    /// Where an objection goes (postal address), one line per line.
    pub objection_address: String,
    /// Who signs: the name.
    pub signatory: String,
    /// Who signs: the function.
    #[serde(default)]
    pub signatory_function: String,
    /// The letterhead's return address (*retouradres*), one line.
    #[serde(default)]
    pub return_address: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
    /// The share of the grant paid as an advance at the start, in percent (1 to 100).
    #[serde(default)]
    pub advance_percent: u32,
    /// Weeks after a half-year ends by which its progress report is due.
    #[serde(default)]
    pub report_weeks: u32,
    /// Weeks after the spending period by which the request for settlement is due.
    #[serde(default)]
    pub settlement_weeks: u32,
    /// Interview details per invited application (key: the application id).
    #[serde(default)]
    pub interviews: BTreeMap<i32, Interview>,
}

impl LetterSettings {
    /// The names of the settings that are empty (the interviews are checked at the first-round
    /// publication, per invited application).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = [
            ("issuing_body", &self.issuing_body),
            ("legal_basis", &self.legal_basis),
            ("awb_articles", &self.awb_articles),
            ("objection_address", &self.objection_address),
            ("signatory", &self.signatory),
            ("signatory_function", &self.signatory_function),
            ("return_address", &self.return_address),
            ("contact_name", &self.contact_name),
            ("contact_email", &self.contact_email),
            ("contact_phone", &self.contact_phone),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| k)
        .collect();
        for (name, v) in [
            ("advance_percent", self.advance_percent),
            ("report_weeks", self.report_weeks),
            ("settlement_weeks", self.settlement_weeks),
        ] {
            if v == 0 {
                out.push(name);
            }
        }
        out
    }

    /// Refuses letters while a setting is missing: a conflict naming every missing field.
    pub fn require_complete(&self) -> Result<(), DomainError> {
        let missing = self.missing();
        if missing.is_empty() {
            return Ok(());
        }
        Err(DomainError::Conflict(format!(
            "the letters cannot be issued while letter settings are missing: {}; set them with PUT /calls/{{id}}/letter-settings",
            missing.iter().map(|m| format!("letter_settings.{m}")).collect::<Vec<_>>().join(", ")
        )))
    }

    /// Checks what is filled in: bounded lengths, no control characters (line breaks only in
    /// the address blocks), an email address, percentages and weeks in range.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        let mut text = |name: &str, v: &str, max: usize, multiline: bool| {
            if v.chars().count() > max {
                errors.push(FieldError::new(name, format!("at most {max} characters")));
            }
            if v.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r'))) {
                errors.push(FieldError::new(
                    name,
                    if multiline {
                        "no control characters other than line breaks"
                    } else {
                        "one line, no control characters"
                    },
                ));
            }
        };
        text("issuing_body", &self.issuing_body, MAX_LINE_CHARS, true);
        text("legal_basis", &self.legal_basis, MAX_BLOCK_CHARS, false);
        text("awb_articles", &self.awb_articles, MAX_LINE_CHARS, false);
        text("objection_address", &self.objection_address, MAX_LINE_CHARS, true);
        text("signatory", &self.signatory, MAX_LINE_CHARS, false);
        text("signatory_function", &self.signatory_function, MAX_LINE_CHARS, true);
        text("return_address", &self.return_address, MAX_LINE_CHARS, false);
        text("contact_name", &self.contact_name, MAX_LINE_CHARS, false);
        text("contact_email", &self.contact_email, MAX_LINE_CHARS, false);
        text("contact_phone", &self.contact_phone, 40, false);
        if !self.contact_email.trim().is_empty() && !is_email(self.contact_email.trim()) {
            errors.push(FieldError::new("contact_email", "not an email address"));
        }
        if !self.contact_phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
            errors.push(FieldError::new("contact_phone", "digits, spaces and + - ( )"));
        }
        if self.advance_percent > 100 {
            errors.push(FieldError::new("advance_percent", "a percentage from 1 to 100"));
        }
        for (name, v) in
            [("report_weeks", self.report_weeks), ("settlement_weeks", self.settlement_weeks)]
        {
            if v > 52 {
                errors.push(FieldError::new(name, "from 1 to 52 weeks"));
            }
        }
        for (id, i) in &self.interviews {
            if let Err(e) = i.validate(&format!("interviews.{id}")) {
                errors.extend(e);
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(DomainError::Validation(errors)) }
    }
}

impl Interview {
    pub fn validate(&self, prefix: &str) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let place = self.place.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let link = self.video_link.as_deref().map(str::trim).filter(|p| !p.is_empty());
        if place.is_none() && link.is_none() {
            errors.push(FieldError::new(format!("{prefix}.place"), "a place or a video link"));
        }
        if place
            .is_some_and(|p| p.chars().count() > MAX_LINE_CHARS || p.chars().any(char::is_control))
        {
            errors.push(FieldError::new(
                format!("{prefix}.place"),
                format!("one line, at most {MAX_LINE_CHARS} characters"),
            ));
        }
        if link.is_some_and(|l| {
            !l.starts_with("https://")
                || l.chars().count() > MAX_LINE_CHARS
                || l.chars().any(|c| c.is_control() || c.is_whitespace())
        }) {
            errors.push(FieldError::new(format!("{prefix}.video_link"), "an https:// link"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_missing_settings() {
        let s = LetterSettings {
            issuing_body: "x".into(),
            legal_basis: " ".into(),
            signatory: "y".into(),
            ..Default::default()
        };
        assert_eq!(
            s.missing(),
            [
                "legal_basis",
                "awb_articles",
                "objection_address",
                "signatory_function",
                "return_address",
                "contact_name",
                "contact_email",
                "contact_phone",
                "advance_percent",
                "report_weeks",
                "settlement_weeks"
            ]
        );
        let DomainError::Conflict(m) = s.require_complete().unwrap_err() else { panic!() };
        assert!(
            m.contains("letter_settings.legal_basis")
                && m.contains("letter_settings.settlement_weeks"),
            "{m}"
        );
    }

    #[test]
    fn refuses_what_does_not_fit_a_letter() {
        let mut s = crate::service::letters::programme_settings();
        assert!(s.validate().is_ok());
        s.contact_name = "Naam\u{7}".into();
        s.contact_email = "geen-adres".into();
        s.advance_percent = 120;
        s.interviews.insert(
            3,
            Interview {
                date: NaiveDate::from_ymd_opt(2022, 8, 16).unwrap(),
                time: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
                place: None,
                video_link: Some("http://x".into()),
            },
        );
        let DomainError::Validation(e) = s.validate().unwrap_err() else { panic!() };
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["contact_name", "contact_email", "advance_percent", "interviews.3.video_link"]
        );
    }
}
