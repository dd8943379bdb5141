//! The proeftuin record.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::period::Reporting;
use crate::domain::region::{MAX_INHABITANTS, MAX_MUNICIPALITIES};
use crate::error::FieldError;

/// What a registration of a proeftuin says about it.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    pub r#ref: &'a str,
    pub name: &'a str,
    pub reporting: &'a str,
    pub started_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub record: &'a ProeftuinRecord,
}

/// A proeftuin's reference: lowercase letters, digits and hyphens, 1 to 80 characters.
pub fn is_ref(s: &str) -> bool {
    (1..=80).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Every problem of a registration at once (the record's fields under `record.`).
pub fn registration_problems(r: &Registration<'_>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_ref(r.r#ref) {
        errors.push(FieldError::new(
            "ref",
            "lowercase letters, digits and hyphens, 1 to 80 characters",
        ));
    }
    if r.name.trim().is_empty() {
        errors.push(FieldError::new("name", "a proeftuin needs a name"));
    }
    if Reporting::parse(r.reporting).is_none() {
        errors.push(FieldError::new("reporting", "`quarter`, `half_year` or `year`"));
    }
    if r.ends_on.is_some_and(|e| e < r.started_on) {
        errors.push(FieldError::new("ends_on", "it cannot end before it started"));
    }
    errors.extend(
        r.record
            .problems()
            .into_iter()
            .map(|e| FieldError::new(format!("record.{}", e.field), e.message)),
    );
    errors
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecordMunicipality {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inhabitants: Option<u64>,
}

/// The working method's emphasis.
pub const EMPHASES: [(&str, &str); 2] = [
    ("voluntary_framework", "Accent op samenwerking in het vrijwillig kader"),
    ("legitimised_intervention", "RVT actief waar overheidsbetrokkenheid gelegitimeerd is"),
];

/// What the programme keeps of a proeftuin besides its region, call, dates and grants.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProeftuinRecord {
    #[serde(default)]
    pub municipalities: Vec<RecordMunicipality>,
    /// Districts or postcode areas where the pilot runs.
    #[serde(default)]
    pub districts: Vec<String>,
    #[serde(default)]
    pub project_leader: Option<String>,
    /// The programme's contact person for this proeftuin.
    #[serde(default)]
    pub programme_contact: Option<String>,
    /// Where reminders go; the region's lead applicant when empty.
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub emphasis: Option<String>,
    /// Partners in the regional safety team (RVT).
    #[serde(default)]
    pub rvt_partners: Vec<String>,
    #[serde(default)]
    pub focus_points: Vec<String>,
}

impl ProeftuinRecord {
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (i, m) in self.municipalities.iter().enumerate() {
            if m.name.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("municipalities[{i}].name"),
                    "a municipality needs a name",
                ));
            }
            if m.inhabitants.is_some_and(|n| n == 0 || n > MAX_INHABITANTS) {
                errors.push(FieldError::new(
                    format!("municipalities[{i}].inhabitants"),
                    format!("from 1 to {MAX_INHABITANTS}, or left out"),
                ));
            }
        }
        if self.municipalities.len() as u64 > MAX_MUNICIPALITIES {
            errors.push(FieldError::new(
                "municipalities",
                format!("at most {MAX_MUNICIPALITIES} municipalities"),
            ));
        }
        if let Some(e) = &self.emphasis
            && !EMPHASES.iter().any(|(k, _)| k == e)
        {
            errors.push(FieldError::new(
                "emphasis",
                "`voluntary_framework` or `legitimised_intervention`",
            ));
        }
        if let Some(e) = &self.contact_email
            && !(e.contains('@') && !e.starts_with('@') && !e.ends_with('@') && !e.contains(' '))
        {
            errors.push(FieldError::new("contact_email", "not an email address"));
        }
        for (field, list) in [
            ("districts", &self.districts),
            ("rvt_partners", &self.rvt_partners),
            ("focus_points", &self.focus_points),
        ] {
            for (i, item) in list.iter().enumerate() {
                if item.trim().is_empty() {
                    errors.push(FieldError::new(format!("{field}[{i}]"), "an empty entry"));
                }
            }
        }
        errors
    }

    pub fn inhabitants(&self) -> Option<u64> {
        if self.municipalities.is_empty()
            || self.municipalities.iter().any(|m| m.inhabitants.is_none())
        {
            return None;
        }
        Some(
            self.municipalities
                .iter()
                .filter_map(|m| m.inhabitants)
                .fold(0u64, u64::saturating_add),
        )
    }
}
