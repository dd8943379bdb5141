//! The applicant as a legal person: a regional partnership is none, so the application names the
//! municipality that applies on the region's behalf (the *penvoerder*), with its postal address
//! and, optionally, its KvK number or OIN. Decisions are addressed to it.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

pub const MAX_LINE_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    /// Street and number, or "Postbus 123".
    pub street: String,
    /// Dutch postcode, "1234 AB".
    pub postcode: String,
    pub city: String,
}

impl PostalAddress {
    /// The address as the lines of an envelope: street, then postcode and city (two spaces).
    pub fn lines(&self) -> [String; 2] {
        [self.street.clone(), format!("{}  {}", self.postcode, self.city.to_uppercase())]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// The applying organisation, e.g. "Gemeente Nijmegen".
    pub organisation: String,
    pub address: PostalAddress,
    /// Chamber of Commerce number: eight digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kvk_number: Option<String>,
    /// Government organisation identification number: twenty digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oin: Option<String>,
}

/// Text fit for a letter: trimmed, not empty, bounded, without control characters.
pub fn letter_text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let v = value.trim().to_string();
    if v.is_empty() {
        errors.push(FieldError::new(field, "required"));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("at most {max} characters")));
    } else if v.chars().any(char::is_control) {
        errors.push(FieldError::new(field, "no control characters (line breaks included)"));
    }
    v
}

/// A Dutch postcode: four digits (the first not 0), an optional space, two letters.
pub fn normalise_postcode(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (digits, letters) = compact.split_at_checked(4)?;
    let ok = digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
        && letters.chars().count() == 2
        && letters.chars().all(|c| c.is_ascii_alphabetic());
    ok.then(|| format!("{digits} {}", letters.to_ascii_uppercase()))
}

impl Applicant {
    /// Trims, normalises the postcode and checks every field; `prefix` names the fields.
    pub fn checked(self, prefix: &str) -> Result<Applicant, Vec<FieldError>> {
        let mut errors = Vec::new();
        let f = |n: &str| format!("{prefix}.{n}");
        let organisation =
            letter_text(&f("organisation"), &self.organisation, MAX_LINE_CHARS, &mut errors);
        let street =
            letter_text(&f("address.street"), &self.address.street, MAX_LINE_CHARS, &mut errors);
        let city = letter_text(&f("address.city"), &self.address.city, MAX_LINE_CHARS, &mut errors);
        let postcode = match normalise_postcode(&self.address.postcode) {
            Some(p) => p,
            None => {
                errors.push(FieldError::new(
                    f("address.postcode"),
                    "a Dutch postcode: four digits and two letters, e.g. 6511 PP",
                ));
                self.address.postcode.trim().to_string()
            }
        };
        let digits = |v: Option<String>, n: usize, name: &str, errors: &mut Vec<FieldError>| {
            let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            if v.as_deref().is_some_and(|s| s.len() != n || !s.chars().all(|c| c.is_ascii_digit()))
            {
                errors.push(FieldError::new(f(name), format!("{n} digits")));
            }
            v
        };
        let kvk_number = digits(self.kvk_number, 8, "kvk_number", &mut errors);
        let oin = digits(self.oin, 20, "oin", &mut errors);
        if errors.is_empty() {
            Ok(Applicant {
                organisation,
                address: PostalAddress { street, postcode, city },
                kvk_number,
                oin,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicant(postcode: &str, kvk: Option<&str>) -> Applicant {
        Applicant {
            organisation: " Gemeente Nijmegen ".into(),
            address: PostalAddress {
                street: "Postbus 9105".into(),
                postcode: postcode.into(),
                city: "Nijmegen".into(),
            },
            kvk_number: kvk.map(str::to_string),
            oin: None,
        }
    }

    #[test]
    fn a_complete_applicant_is_normalised() {
        let a = applicant("6500hg", Some("12345678")).checked("applicant").unwrap();
        assert_eq!(a.organisation, "Gemeente Nijmegen");
        assert_eq!(a.address.postcode, "6500 HG");
        assert_eq!(
            a.address.lines(),
            ["Postbus 9105".to_string(), "6500 HG  NIJMEGEN".to_string()]
        );
    }

    #[test]
    fn every_problem_is_named() {
        let mut a = applicant("0500 H", Some("123"));
        a.organisation = "Gemeente\nX".into();
        a.address.city = " ".into();
        let fields: Vec<String> =
            a.checked("applicant").unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "applicant.organisation",
                "applicant.address.city",
                "applicant.address.postcode",
                "applicant.kvk_number"
            ]
        );
    }
}
