//! The proeftuin record.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

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
            if m.inhabitants == Some(0) {
                errors.push(FieldError::new(
                    format!("municipalities[{i}].inhabitants"),
                    "more than zero, or left out",
                ));
            }
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
        Some(self.municipalities.iter().filter_map(|m| m.inhabitants).sum())
    }
}
