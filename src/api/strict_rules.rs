//! The rules the domain enforces on single fields, declared in the spec: enums, patterns,
//! non-blank text, number ranges. The domain keeps enforcing them (with every problem of the input
//! at once); the request guard only adds what the domain does not check (JSON types, lengths,
//! control characters).
//! Each entry mirrors a check in `domain` or `service`; keep them together when one changes.

use serde_json::{Value, json};

use crate::domain::region::{MAX_INHABITANTS, MAX_MUNICIPALITIES};
use crate::service::outbox::{kind, status};

/// Text with at least one character that is not white space, and no control characters.
pub const NON_BLANK: &str = r"^[^\x00-\x1F\x7F]*[^\s\x00-\x1F\x7F][^\x00-\x1F\x7F]*$";
/// The same for multi-line text: tab, newline and carriage return allowed.
pub const NON_BLANK_MULTI_LINE: &str =
    r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*[^\s\x00-\x1F\x7F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$";
/// `domain::region::is_ref`, `domain::call::is_code`: lowercase letters, digits, hyphens, 1 to 80.
pub const REF: &str = r"^[a-z0-9-]{1,80}$";
/// `domain::region::is_email`: something, one `@`, a domain with a dot inside, no white space.
pub const EMAIL: &str = r"^[^@\s\x00-\x1F\x7F]+@[^@\s.\x00-\x1F\x7F][^@\s\x00-\x1F\x7F]*\.[^@\s\x00-\x1F\x7F]*[^@\s.\x00-\x1F\x7F]$";
/// `domain::monitoring::Period`: `2024`, `2024-H1`, `2024-Q3`, years 2000 to 2100.
pub const PERIOD: &str = r"^(20[0-9]{2}|2100)(-(Q[1-4]|H[12]))?$";
/// `domain::monitoring::is_key`.
pub const METRIC_KEY: &str = r"^[a-z][a-z0-9_]{0,59}$";
/// A day of a (non-leap) year as `MM-DD`.
pub const MONTH_DAY: &str =
    r"^((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$";

/// An amount above zero (`Money::parse` and "a grant is more than zero").
pub const POSITIVE_AMOUNT: &str =
    r"^([0-9]*[1-9][0-9]*(\.[0-9]{1,2})?|[0-9]+\.(0?[1-9]|[1-9][0-9]))$";

/// The largest `offset` of a page; the request guard refuses more (the database takes an i64).
pub const OFFSET_MAX: u64 = 1_000_000_000;

fn non_blank(max: Option<u64>) -> Value {
    match max {
        Some(m) => json!({"pattern": NON_BLANK, "maxLength": m}),
        None => json!({"pattern": NON_BLANK}),
    }
}

fn one_of(values: &[&str]) -> Value {
    json!({"enum": values})
}

/// `(component, property, additions)`; for an array or map property the additions apply to its
/// items or values.
pub fn body_rules() -> Vec<(&'static str, &'static str, Value)> {
    let reason = json!({"pattern": NON_BLANK_MULTI_LINE});
    vec![
        ("RegionInput", "ref", json!({"pattern": REF})),
        ("RegionInput", "name", non_blank(None)),
        ("LeadApplicantDto", "name", non_blank(None)),
        ("LeadApplicantDto", "email", json!({"pattern": EMAIL})),
        ("LeadApplicantDto", "municipality", non_blank(None)),
        ("MunicipalityDto", "name", non_blank(None)),
        ("UserInput", "name", non_blank(None)),
        ("UserInput", "email", json!({"pattern": EMAIL})),
        ("UserInput", "role", one_of(&["staff", "assessor", "region"])),
        ("CallInput", "code", json!({"pattern": REF})),
        ("CallInput", "title", non_blank(None)),
        ("CallInput", "currency", one_of(&["EUR"])),
        ("CallInput", "allocation_policy", one_of(&["pro_rata_whole_euros", "manual"])),
        ("WeightedCriterionDto", "kind", one_of(&["scale", "boolean", "per_item"])),
        ("KnockoutCriterionDto", "id", non_blank(None)),
        ("WeightedCriterionDto", "id", non_blank(None)),
        ("AmendmentInput", "reason", reason.clone()),
        ("ConflictInput", "reason", reason.clone()),
        ("CorrectionInput", "reason", reason.clone()),
        ("KnockoutDecisionInput", "reason", reason.clone()),
        ("KnockoutDecisionInput", "verdict", one_of(&["passed", "failed"])),
        ("TieDecisionInput", "reason", reason.clone()),
        ("LetterCorrectionInput", "reason", reason.clone()),
        ("MonitoringStepInput", "comments", reason.clone()),
        ("NoteInput", "note", reason.clone()),
        ("NoteInput", "round", one_of(&["first", "final"])),
        ("ProeftuinRegisterInput", "ref", json!({"pattern": REF})),
        ("ProeftuinRegisterInput", "name", non_blank(None)),
        ("ProeftuinUpdateInput", "name", non_blank(None)),
        ("ProeftuinGrantInput", "description", non_blank(None)),
        ("MetricInput", "key", json!({"pattern": METRIC_KEY})),
        ("MetricInput", "label_nl", non_blank(Some(120))),
        ("MetricInput", "unit", non_blank(Some(30))),
        ("MetricInput", "rollup", one_of(&["sum", "share"])),
        ("MetricInput", "numerator", json!({"pattern": METRIC_KEY})),
        ("MetricInput", "denominator", json!({"pattern": METRIC_KEY})),
        ("PlanLineInput", "description", non_blank(None)),
        ("AnnualPlanInput", "year", json!({"minimum": 2000, "maximum": 2100})),
        ("AnnualPlanInput", "goals", non_blank(None)),
        ("AnnualPlanInput", "team", non_blank(None)),
        ("AnnualPlanInput", "partners", non_blank(None)),
        ("AnnualPlanInput", "focus_points", non_blank(None)),
        ("ProgressReportInput", "period", json!({"pattern": PERIOD})),
        ("MonitoringSettingsDto", "annual_plan_due", json!({"pattern": MONTH_DAY})),
        ("MonitoringSettingsDto", "report_due_weeks", json!({"minimum": 1, "maximum": 52})),
        ("MonitoringSettingsDto", "reminder_days_before", json!({"minimum": 1, "maximum": 90})),
        ("BudgetLineInputDto", "description", non_blank(None)),
        ("RecordMunicipalityDto", "name", non_blank(None)),
        ("AllocationInput", "reason", json!({"pattern": NON_BLANK_MULTI_LINE})),
        ("RegionInput", "municipalities", json!({"minItems": 1, "maxItems": MAX_MUNICIPALITIES})),
        ("ScaleInputDto", "municipalities", json!({"maxItems": MAX_MUNICIPALITIES})),
        ("RecordDto", "municipalities", json!({"maxItems": MAX_MUNICIPALITIES})),
        ("MunicipalityDto", "inhabitants", json!({"minimum": 1, "maximum": MAX_INHABITANTS})),
        ("ScaleInputDto", "inhabitants", json!({"minimum": 1, "maximum": MAX_INHABITANTS})),
        ("RecordMunicipalityDto", "inhabitants", json!({"minimum": 1, "maximum": MAX_INHABITANTS})),
        ("ProeftuinRegisterInput", "reporting", one_of(&["quarter", "half_year", "year"])),
        ("ProeftuinUpdateInput", "reporting", one_of(&["quarter", "half_year", "year"])),
        ("RecordDto", "emphasis", one_of(&["voluntary_framework", "legitimised_intervention"])),
        ("ProeftuinGrantInput", "amount", json!({"pattern": POSITIVE_AMOUNT})),
        // Grant finance (issue 17)
        ("ScheduleInput", "max_share_percent", json!({"minimum": 1, "maximum": 100})),
        ("InstalmentInput", "amount", json!({"pattern": POSITIVE_AMOUNT})),
        ("InstalmentInput", "against_period", json!({"pattern": PERIOD})),
        ("AdvanceInput", "amount", json!({"pattern": POSITIVE_AMOUNT})),
        ("AdvanceInput", "against_period", json!({"pattern": PERIOD})),
        ("AdvanceInput", "description", non_blank(None)),
        ("AdvanceInput", "overdue_reason", reason.clone()),
        ("PaymentInput", "kind", one_of(&crate::service::finance::payment_kind::ALL)),
        ("PaymentInput", "amount", json!({"pattern": POSITIVE_AMOUNT})),
        ("PaymentInput", "bank_reference", non_blank(None)),
        ("GroundInput", "kind", one_of(&crate::domain::finance::GroundKind::NAMES)),
        ("GroundInput", "amount", json!({"pattern": POSITIVE_AMOUNT})),
        ("GroundInput", "reason", reason.clone()),
        ("RevisionInput", "reason", reason),
    ]
}

/// The same for answers: values the server only ever writes from a fixed set.
pub fn answer_rules() -> Vec<(&'static str, &'static str, Value)> {
    use crate::domain::monitoring::status as step;
    let steps = one_of(&[step::DRAFT, step::SUBMITTED, step::ACCEPTED, step::RETURNED]);
    use crate::domain::decision::{Decision, RecordedKind};
    use crate::domain::round::{Round, RoundState};
    let rounds = one_of(&Round::ALL.map(|r| r.as_str()));
    let round_states = one_of(&RoundState::ALL.map(|r| r.as_str()));
    let policies = one_of(&["pro_rata_whole_euros", "manual"]);
    vec![
        ("AnnualPlanView", "status", steps.clone()),
        ("ProgressReportView", "status", steps),
        ("ProgressReportView", "period", json!({"pattern": PERIOD})),
        ("EmailMessage", "status", one_of(&status::ALL)),
        ("EmailSummary", "status", one_of(&status::ALL)),
        ("EmailMessage", "kind", one_of(&kind::ALL)),
        ("EmailSummary", "kind", one_of(&kind::ALL)),
        ("MetricView", "rollup", one_of(&["sum", "share"])),
        ("UserView", "role", one_of(&["staff", "assessor", "region"])),
        ("AssessmentSheet", "round", rounds.clone()),
        ("NoteView", "round", rounds.clone()),
        ("DeviationView", "round", rounds.clone()),
        ("WhatIfInput", "round", rounds),
        ("CallView", "allocation_policy", policies.clone()),
        ("ResultsView", "allocation_policy", policies),
        ("CallView", "currency", one_of(&["EUR"])),
        ("ProeftuinView", "reporting", one_of(&["quarter", "half_year", "year"])),
        (
            "LetterView",
            "kind",
            one_of(&["award", "rejection_first_round", "rejection_final", "interview_invitation"]),
        ),
        ("LetterView", "state", one_of(&["pending", "rendered"])),
        ("DecisionRecord", "kind", one_of(&RecordedKind::ALL.map(|k| k.as_str()))),
        ("ResultLine", "decision", one_of(&Decision::ALL.map(|d| d.as_str()))),
        ("ResultsView", "first_round", round_states.clone()),
        ("ResultsView", "final_round", round_states),
    ]
}

/// `(component, property)` the domain requires although the input type lets it out.
pub fn required_rules() -> Vec<(&'static str, &'static str)> {
    // Returning a plan or report needs comments (`service::monitoring`).
    vec![("MonitoringStepInput", "comments")]
}

/// `(path, query parameter, additions)`.
pub fn query_rules() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("/monitoring/overview", "period", json!({"pattern": PERIOD})),
        ("/monitoring/overview.pdf", "period", json!({"pattern": PERIOD})),
        ("/proeftuinen/{id}/figures", "period", json!({"pattern": PERIOD})),
        ("/outbox", "kind", one_of(&kind::ALL)),
        (
            "/applications/{id}/letter-preview",
            "kind",
            one_of(&["award", "rejection_first_round", "rejection_final", "interview_invitation"]),
        ),
        ("LetterView", "state", one_of(&["pending", "rendered"])),
        ("/calls/{id}/letters", "state", one_of(&["pending", "rendered"])),
        (
            "/calls/{id}/letters",
            "kind",
            one_of(&["award", "rejection_first_round", "rejection_final", "interview_invitation"]),
        ),
        ("/calls/{id}/letters", "limit", json!({"minimum": 1, "maximum": 500})),
        ("/calls/{id}/letters", "offset", json!({"maximum": OFFSET_MAX})),
        ("/outbox", "status", one_of(&status::ALL)),
        ("/outbox", "applicationId", json!({"minimum": 1})),
        ("/calls/{id}/finance/export.json", "year", json!({"minimum": 2000, "maximum": 2100})),
        ("/calls/{id}/finance/export.csv", "year", json!({"minimum": 2000, "maximum": 2100})),
        ("/outbox", "limit", json!({"minimum": 1, "maximum": 500})),
        ("/calls/{call_id}/applications", "limit", json!({"minimum": 1, "maximum": 500})),
        ("/audit", "limit", json!({"minimum": 1, "maximum": 1000})),
        ("/outbox", "offset", json!({"maximum": OFFSET_MAX})),
        ("/calls/{call_id}/applications", "offset", json!({"maximum": OFFSET_MAX})),
        ("/calls/{id}/results", "limit", json!({"minimum": 1, "maximum": 500})),
        ("/calls/{id}/results", "offset", json!({"maximum": OFFSET_MAX})),
        ("/calls/{id}/results", "decision", {
            use crate::domain::decision::Decision;
            let mut decisions: Vec<&str> = Decision::ALL.map(|d| d.as_str()).to_vec();
            decisions.push(crate::service::assessment::UNDECIDED);
            one_of(&decisions)
        }),
    ]
}

/// Bounds of the integer formats poem-openapi writes without them.
pub fn integer_bounds(format: &str) -> Option<(i128, i128)> {
    Some(match format {
        "int32" => (i128::from(i32::MIN), i128::from(i32::MAX)),
        "int64" => (i128::from(i64::MIN), i128::from(i64::MAX)),
        "uint16" => (0, i128::from(u16::MAX)),
        "uint32" => (0, i128::from(u32::MAX)),
        "uint64" => (0, i128::from(u64::MAX)),
        _ => return None,
    })
}
