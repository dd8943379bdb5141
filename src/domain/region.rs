//! A region (*regionaal verband*) that applies, with its lead applicant (*penvoerder*) and scale.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Municipality {
    pub name: String,
    pub inhabitants: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadApplicant {
    pub name: String,
    pub email: String,
    pub municipality: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// A stable short name, e.g. `gelderland-zuid`.
    pub r#ref: String,
    pub name: String,
    pub lead_applicant: LeadApplicant,
    pub municipalities: Vec<Municipality>,
}

impl Region {
    pub fn new(region: Region) -> Result<Region, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_ref(&region.r#ref) {
            errors.push(FieldError::new(
                "ref",
                "a ref is lowercase letters, digits and hyphens, 1 to 80 characters",
            ));
        }
        if region.name.trim().is_empty() {
            errors.push(FieldError::new("name", "a region needs a name"));
        }
        if region.lead_applicant.name.trim().is_empty() {
            errors.push(FieldError::new("lead_applicant.name", "the lead applicant needs a name"));
        }
        if !is_email(&region.lead_applicant.email) {
            errors.push(FieldError::new("lead_applicant.email", "not an email address"));
        }
        if region.lead_applicant.municipality.trim().is_empty() {
            errors.push(FieldError::new(
                "lead_applicant.municipality",
                "the lead applicant's municipality is needed",
            ));
        }
        if region.municipalities.is_empty() {
            errors
                .push(FieldError::new("municipalities", "a region has at least one municipality"));
        }
        if region.municipalities.len() as u64 > MAX_MUNICIPALITIES {
            errors.push(FieldError::new(
                "municipalities",
                format!("a region has at most {MAX_MUNICIPALITIES} municipalities"),
            ));
        }
        for (i, m) in region.municipalities.iter().enumerate() {
            if m.name.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("municipalities[{i}].name"),
                    "a municipality needs a name",
                ));
            }
            if m.inhabitants == 0 || m.inhabitants > MAX_INHABITANTS {
                errors.push(FieldError::new(
                    format!("municipalities[{i}].inhabitants"),
                    format!("inhabitants must be from 1 to {MAX_INHABITANTS}"),
                ));
            }
        }
        if errors.is_empty() { Ok(region) } else { Err(errors) }
    }

    /// The scale of the region: inhabitants of all its municipalities.
    pub fn inhabitants(&self) -> u64 {
        self.municipalities.iter().fold(0u64, |sum, m| sum.saturating_add(m.inhabitants))
    }
}

/// More than any Dutch municipality or region has: a bound that keeps sums exact and refuses typos.
pub const MAX_INHABITANTS: u64 = 100_000_000;
/// More than the Netherlands has municipalities (342 in 2024).
pub const MAX_MUNICIPALITIES: u64 = 500;

pub fn is_ref(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Deliberately loose: one `@` with something on both sides and a dot in the domain.
pub fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("penvoerder@gelderland-zuid.example"));
        for bad in ["", "a", "a@b", "@b.nl", "a@.nl", "a b@c.nl", "a@b@c.nl"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn lists_every_problem() {
        let r = Region {
            r#ref: "Bad Ref".into(),
            name: "".into(),
            lead_applicant: LeadApplicant {
                name: "x".into(),
                email: "nope".into(),
                municipality: "y".into(),
            },
            municipalities: vec![Municipality { name: "z".into(), inhabitants: 0 }],
        };
        let fields: Vec<_> = Region::new(r).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["ref", "name", "lead_applicant.email", "municipalities[0].inhabitants"]
        );
    }

    #[test]
    fn inhabitants_are_bounded_and_their_sum_never_overflows() {
        let m = |n| Municipality { name: "Gemeente".into(), inhabitants: n };
        let region = |ms| Region {
            r#ref: "regio".into(),
            name: "Regio".into(),
            lead_applicant: LeadApplicant {
                name: "x".into(),
                email: "p@regio.example".into(),
                municipality: "Gemeente".into(),
            },
            municipalities: ms,
        };
        let too_many = region(vec![m(u64::MAX), m(u64::MAX)]);
        assert_eq!(too_many.inhabitants(), u64::MAX, "saturates instead of panicking");
        let fields: Vec<_> =
            Region::new(too_many).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["municipalities[0].inhabitants", "municipalities[1].inhabitants"]);
        assert!(Region::new(region(vec![m(MAX_INHABITANTS)])).is_ok());
        let crowd = (0..=MAX_MUNICIPALITIES).map(|_| m(1)).collect();
        let fields: Vec<_> =
            Region::new(region(crowd)).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["municipalities"]);
    }
}
