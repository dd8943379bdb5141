//! An application (*aanvraag*) during intake: its form, its budget, and what submission still
//! needs. Every check lists every problem at once, each with the field it is about.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

mod budget;

pub use budget::{BudgetLine, LineAmounts, budget_problems, line_problems, requested_total};

use super::applicant::Applicant;
use super::call::SpendingPeriod;
use super::region::{MAX_INHABITANTS, MAX_MUNICIPALITIES, Municipality, is_email};
use crate::error::FieldError;

/// The statuses intake knows; later stages (assessment, decision) add their own.
pub mod status {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
}

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_SUMMARY_CHARS: usize = 20_000;
pub const MAX_SHORT_TEXT_CHARS: usize = 300;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_BUDGET_LINES: usize = 200;
pub const MAX_DISTRICTS: usize = 500;

/// Who the programme office contacts about the application (usually the lead applicant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The contact's function (e.g. "beleidsadviseur Jeugd"), for the letters' address block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
}

/// The scale (*schaalgrootte*) of the pilot: municipalities with inhabitants, and districts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scale {
    pub municipalities: Vec<Municipality>,
    /// Inhabitants the pilot covers; the municipalities' sum unless the region said otherwise.
    pub inhabitants: u64,
    #[serde(default)]
    pub districts: Vec<String>,
}

/// The application form (*aanvraagformulier*). A draft may leave any field empty; submission
/// needs them all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApplicationForm {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub contact: Option<Contact>,
    pub scale: Option<Scale>,
    /// The applying municipality (the legal person the decision is addressed to).
    #[serde(default)]
    pub applicant: Option<Applicant>,
}

/// The scale as a region writes it: inhabitants may be left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleInput {
    pub municipalities: Vec<Municipality>,
    pub inhabitants: Option<u64>,
    pub districts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormInput {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub contact: Option<Contact>,
    pub scale: Option<ScaleInput>,
    pub applicant: Option<Applicant>,
}

/// Blank text counts as absent, so a form cannot be made "complete" with spaces.
fn present(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// The contact trimmed, its problems added to `errors`.
fn checked_contact(c: Contact, errors: &mut Vec<FieldError>) -> Contact {
    let c = Contact {
        name: c.name.trim().to_string(),
        email: c.email.trim().to_string(),
        phone: present(c.phone),
        function: present(c.function),
    };
    if c.function
        .as_deref()
        .is_some_and(|f| too_long(f, MAX_SHORT_TEXT_CHARS) || f.chars().any(char::is_control))
    {
        errors.push(FieldError::new(
            "contact.function",
            format!("at most {MAX_SHORT_TEXT_CHARS} characters, on one line"),
        ));
    }
    if c.name.is_empty() {
        errors.push(FieldError::new("contact.name", "the contact needs a name"));
    } else if too_long(&c.name, MAX_SHORT_TEXT_CHARS) {
        errors.push(FieldError::new(
            "contact.name",
            format!("at most {MAX_SHORT_TEXT_CHARS} characters"),
        ));
    }
    if !is_email(&c.email) || too_long(&c.email, MAX_SHORT_TEXT_CHARS) {
        errors.push(FieldError::new("contact.email", "not an email address"));
    }
    if c.phone.as_deref().is_some_and(|p| {
        too_long(p, 40) || !p.chars().all(|ch| ch.is_ascii_digit() || " +-()".contains(ch))
    }) {
        errors.push(FieldError::new(
            "contact.phone",
            "a phone number is digits, spaces and + - ( ), at most 40 characters",
        ));
    }
    c
}

/// The scale trimmed, its inhabitants filled in, its problems added to `errors`.
fn checked_scale(s: ScaleInput, errors: &mut Vec<FieldError>) -> Scale {
    if s.municipalities.is_empty() {
        errors.push(FieldError::new(
            "scale.municipalities",
            "the scale names at least one municipality",
        ));
    }
    for (i, m) in s.municipalities.iter().enumerate() {
        if m.name.trim().is_empty() || too_long(&m.name, MAX_SHORT_TEXT_CHARS) {
            errors.push(FieldError::new(
                format!("scale.municipalities[{i}].name"),
                "a municipality needs a name",
            ));
        }
        if m.inhabitants == 0 || m.inhabitants > MAX_INHABITANTS {
            errors.push(FieldError::new(
                format!("scale.municipalities[{i}].inhabitants"),
                format!("inhabitants must be from 1 to {MAX_INHABITANTS}"),
            ));
        }
    }
    if s.municipalities.len() as u64 > MAX_MUNICIPALITIES {
        errors.push(FieldError::new(
            "scale.municipalities",
            format!("at most {MAX_MUNICIPALITIES} municipalities"),
        ));
    }
    let sum = s.municipalities.iter().fold(0u64, |a, m| a.saturating_add(m.inhabitants));
    let inhabitants = s.inhabitants.unwrap_or(sum);
    // Without municipalities the sum is zero for a reason reported above already.
    if s.inhabitants.is_some_and(|n| n == 0 || n > MAX_INHABITANTS) {
        errors.push(FieldError::new(
            "scale.inhabitants",
            format!("inhabitants must be from 1 to {MAX_INHABITANTS}"),
        ));
    }
    if s.districts.len() > MAX_DISTRICTS {
        errors
            .push(FieldError::new("scale.districts", format!("at most {MAX_DISTRICTS} districts")));
    }
    for (i, d) in s.districts.iter().enumerate() {
        if d.trim().is_empty() || too_long(d, MAX_SHORT_TEXT_CHARS) {
            errors
                .push(FieldError::new(format!("scale.districts[{i}]"), "a district needs a name"));
        }
    }
    Scale {
        municipalities: s
            .municipalities
            .into_iter()
            .map(|m| Municipality { name: m.name.trim().to_string(), inhabitants: m.inhabitants })
            .collect(),
        inhabitants,
        districts: s.districts.into_iter().map(|d| d.trim().to_string()).collect(),
    }
}

impl ApplicationForm {
    /// Normalises (trims, fills in the scale's inhabitants) and checks what is filled in.
    pub fn new(input: FormInput) -> Result<ApplicationForm, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = present(input.title);
        if title.as_deref().is_some_and(|t| too_long(t, MAX_TITLE_CHARS)) {
            errors.push(FieldError::new("title", format!("at most {MAX_TITLE_CHARS} characters")));
        }
        let summary = present(input.summary);
        if summary.as_deref().is_some_and(|t| too_long(t, MAX_SUMMARY_CHARS)) {
            errors.push(FieldError::new(
                "summary",
                format!("at most {MAX_SUMMARY_CHARS} characters"),
            ));
        }
        let contact = input.contact.map(|c| checked_contact(c, &mut errors));
        let scale = input.scale.map(|s| checked_scale(s, &mut errors));
        let applicant = input.applicant.and_then(|a| match a.checked("applicant") {
            Ok(a) => Some(a),
            Err(e) => {
                errors.extend(e);
                None
            }
        });
        if errors.is_empty() {
            Ok(ApplicationForm { title, summary, contact, scale, applicant })
        } else {
            Err(errors)
        }
    }
}

/// Everything submission looks at.
#[derive(Debug, Clone)]
pub struct SubmissionParts<'a> {
    pub form: &'a ApplicationForm,
    pub budget: &'a [BudgetLine],
    pub period: &'a SpendingPeriod,
    /// Roles with a signed commitment.
    pub signed_roles: &'a [String],
    /// The call's required partner roles, in the call's order.
    pub required_roles: &'a [String],
    pub has_plan: bool,
}

/// What submission still needs, all at once: empty when the application is complete.
pub fn missing_parts(p: &SubmissionParts<'_>) -> Vec<FieldError> {
    let mut missing = Vec::new();
    if p.form.title.is_none() {
        missing.push(FieldError::new("form.title", "the application needs a title"));
    }
    if p.form.summary.is_none() {
        missing.push(FieldError::new("form.summary", "the application needs a summary"));
    }
    if p.form.contact.is_none() {
        missing.push(FieldError::new("form.contact", "the application needs a contact"));
    }
    if p.form.applicant.is_none() {
        missing.push(FieldError::new(
            "form.applicant",
            "the application names the applying municipality (penvoerder) with its postal address",
        ));
    }
    if p.form.scale.is_none() {
        missing.push(FieldError::new(
            "form.scale",
            "the application needs its scale (municipalities and inhabitants)",
        ));
    }
    if p.budget.is_empty() {
        missing.push(FieldError::new("budget", "the application needs a budget"));
    } else {
        // The call may have been amended since the budget was written.
        missing.extend(budget_problems("budget.lines", p.budget, p.period));
    }
    for role in p.required_roles {
        if !p.signed_roles.contains(role) {
            missing.push(FieldError::new(
                format!("commitments.{role}"),
                format!("a signed commitment of the {role} partner is required"),
            ));
        }
    }
    if !p.has_plan {
        missing.push(FieldError::new("plan", "the plan document (plan van aanpak) is required"));
    }
    missing
}

/// Submission is open up to and including the deadline's second; a clock with sub-second
/// precision must not refuse a submission made within that second.
pub fn submission_open(now: DateTime<Utc>, deadline: DateTime<Utc>) -> bool {
    now.trunc_subsecs(0) <= deadline
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Money;

    fn period() -> SpendingPeriod {
        SpendingPeriod { from: "2022-01-01".parse().unwrap(), to: "2023-12-31".parse().unwrap() }
    }

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn line(year: i32, total: &str, own: &str, requested: &str) -> BudgetLine {
        BudgetLine {
            year,
            description: "x".into(),
            total_cost: m(total),
            own_contribution: m(own),
            requested: m(requested),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_consistent_budget_passes_and_sums_exactly() {
        let lines = [
            line(2022, "640000.00", "128000.00", "512000.00"),
            line(2023, "755625.00", "151125.00", "604500.00"),
            line(2023, "0.30", "0.10", "0.20"),
        ];
        assert!(budget_problems("lines", &lines, &period()).is_empty());
        assert_eq!(requested_total(&lines).to_string(), "1116500.20");
        // Exactly equal is allowed: total_cost >= own_contribution + requested.
        assert!(budget_problems("lines", &[line(2022, "100", "40", "60")], &period()).is_empty());
    }

    #[test]
    fn each_budget_rule_names_its_field() {
        let p = period();
        assert_eq!(
            fields(&budget_problems("lines", &[line(2022, "100.00", "150.00", "0.00")], &p)),
            ["lines[0].own_contribution"]
        );
        assert_eq!(
            fields(&budget_problems("lines", &[line(2022, "100.00", "50.00", "50.01")], &p)),
            ["lines[0].requested"]
        );
        assert_eq!(
            fields(&budget_problems(
                "lines",
                &[line(2021, "1", "0", "1"), line(2024, "1", "0", "1")],
                &p
            )),
            ["lines[0].year", "lines[1].year"]
        );
        let mut blank = line(2022, "1", "0", "1");
        blank.description = "  ".into();
        assert_eq!(fields(&budget_problems("lines", &[blank], &p)), ["lines[0].description"]);
        // Several problems on several lines, all at once.
        let all = budget_problems(
            "lines",
            &[line(2030, "1", "2", "0"), line(2022, "1", "0", "1"), line(2022, "5", "1", "5")],
            &p,
        );
        assert_eq!(
            fields(&all),
            ["lines[0].year", "lines[0].own_contribution", "lines[2].requested"]
        );
    }

    #[test]
    fn unparsed_amounts_still_get_their_other_fields_checked() {
        let e = line_problems("lines[3]", 1999, "", None, &period());
        assert_eq!(fields(&e), ["lines[3].year", "lines[3].description"]);
    }

    fn complete_form() -> ApplicationForm {
        ApplicationForm::new(FormInput {
            title: Some("  Toekomsttuinen ".into()),
            summary: Some("Samen".into()),
            contact: Some(Contact {
                name: "P".into(),
                email: "p@r.example".into(),
                phone: None,
                function: None,
            }),
            applicant: Some(Applicant {
                organisation: "Gemeente Nijmegen".into(),
                address: super::super::applicant::PostalAddress {
                    street: "Postbus 9105".into(),
                    postcode: "6500 HG".into(),
                    city: "Nijmegen".into(),
                },
                kvk_number: None,
                oin: None,
            }),
            scale: Some(ScaleInput {
                municipalities: vec![
                    Municipality { name: "Nijmegen".into(), inhabitants: 95174 },
                    Municipality { name: "Beuningen".into(), inhabitants: 26000 },
                ],
                inhabitants: None,
                districts: vec![],
            }),
        })
        .unwrap()
    }

    #[test]
    fn the_form_is_normalised() {
        let f = complete_form();
        assert_eq!(f.title.as_deref(), Some("Toekomsttuinen"));
        assert_eq!(f.scale.unwrap().inhabitants, 121174, "the municipalities' sum when not given");
        let blank =
            ApplicationForm::new(FormInput { title: Some("   ".into()), ..Default::default() })
                .unwrap();
        assert_eq!(blank.title, None, "blank text is no title");
    }

    #[test]
    fn the_form_lists_every_problem() {
        let e = ApplicationForm::new(FormInput {
            title: Some("t".repeat(MAX_TITLE_CHARS + 1)),
            summary: None,
            contact: Some(Contact {
                name: " ".into(),
                email: "nope".into(),
                phone: Some("call me".into()),
                function: None,
            }),
            scale: Some(ScaleInput {
                municipalities: vec![Municipality { name: "".into(), inhabitants: 0 }],
                inhabitants: Some(0),
                districts: vec![" ".into()],
            }),
            applicant: None,
        })
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "title",
                "contact.name",
                "contact.email",
                "contact.phone",
                "scale.municipalities[0].name",
                "scale.municipalities[0].inhabitants",
                "scale.inhabitants",
                "scale.districts[0]"
            ]
        );
    }

    #[test]
    fn missing_parts_are_listed_all_at_once() {
        let roles: Vec<String> =
            ["municipality", "local_team", "child_protection_board"].map(String::from).to_vec();
        let p = period();
        let empty = ApplicationForm::default();
        let parts = SubmissionParts {
            form: &empty,
            budget: &[],
            period: &p,
            signed_roles: &[],
            required_roles: &roles,
            has_plan: false,
        };
        assert_eq!(
            fields(&missing_parts(&parts)),
            [
                "form.title",
                "form.summary",
                "form.contact",
                "form.applicant",
                "form.scale",
                "budget",
                "commitments.municipality",
                "commitments.local_team",
                "commitments.child_protection_board",
                "plan"
            ]
        );
        let form = complete_form();
        let budget = [line(2022, "10", "0", "10")];
        let signed: Vec<String> = ["municipality", "local_team"].map(String::from).to_vec();
        let parts = SubmissionParts {
            form: &form,
            budget: &budget,
            period: &p,
            signed_roles: &signed,
            required_roles: &roles,
            has_plan: true,
        };
        assert_eq!(fields(&missing_parts(&parts)), ["commitments.child_protection_board"]);
        let signed = roles.clone();
        let parts = SubmissionParts { signed_roles: &signed, ..parts };
        assert!(missing_parts(&parts).is_empty());
        // A budget that no longer fits an amended spending period blocks submission.
        let late = [line(2024, "10", "0", "10")];
        let parts = SubmissionParts { budget: &late, ..parts };
        assert_eq!(fields(&missing_parts(&parts)), ["budget.lines[0].year"]);
    }

    #[test]
    fn the_deadline_second_is_inclusive() {
        let deadline =
            DateTime::parse_from_rfc3339("2022-07-15T23:59:59+02:00").unwrap().with_timezone(&Utc);
        assert!(submission_open(deadline, deadline));
        assert!(submission_open(deadline + chrono::Duration::milliseconds(999), deadline));
        assert!(!submission_open(deadline + chrono::Duration::seconds(1), deadline));
        assert!(submission_open(deadline - chrono::Duration::days(30), deadline));
    }
}
