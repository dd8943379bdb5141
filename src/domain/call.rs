//! A call (*leidraad*): ceiling, awards, threshold, stages and criteria, and the rules that make
//! a definition coherent. Nothing here knows the 2022 numbers; they come in as data.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

mod checks;

pub use checks::amendment_problems;

use super::money::Money;
use super::points::Points;
use crate::error::FieldError;

/// The partner roles a region's application may need signed commitments from.
pub const PARTNER_ROLES: [&str; 5] = [
    "municipality",
    "local_team",
    "veilig_thuis",
    "certified_institution",
    "child_protection_board",
];

/// The moments of a call the service acts on, in the order they must come.
pub const KEY_STAGES: [&str; 5] = [
    stage::PUBLICATION,
    stage::SUBMISSION_DEADLINE,
    stage::FIRST_ASSESSMENT,
    stage::ADDENDUM_DEADLINE,
    stage::FINAL_DECISION,
];

pub mod stage {
    pub const PUBLICATION: &str = "publication";
    pub const SUBMISSION_DEADLINE: &str = "submission_deadline";
    pub const FIRST_ASSESSMENT: &str = "first_assessment";
    pub const ADDENDUM_DEADLINE: &str = "addendum_deadline";
    pub const FINAL_DECISION: &str = "final_decision";
    pub const PROGRAMME_START: &str = "programme_start";
}

pub const DEFAULT_TOTAL_POINTS: u32 = 100;
pub const DEFAULT_MIN_SHEETS: u32 = 2;
pub const DEFAULT_DISAGREEMENT_SPREAD: i64 = 15;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendingPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub kind: String,
    pub label_nl: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reminders {
    #[serde(default)]
    pub submission_deadline_days_before: Vec<u32>,
    #[serde(default)]
    pub addendum_deadline_days_before: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnockoutCriterion {
    pub id: String,
    pub label_nl: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    /// An integer in `[min, max]`.
    Scale,
    /// Yes or no: `0` or `max`.
    Boolean,
    /// Distinct items from a list, `points_per_item` each, capped at `max`.
    PerItem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedCriterion {
    pub id: String,
    pub label_nl: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    pub kind: CriterionKind,
    pub min: i64,
    pub max: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_per_item: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationPolicy {
    /// Each gets its request if all fit; otherwise a pro-rata share in whole euros, floored.
    ProRataWholeEuros,
    /// Staff set the amounts by hand, with a reason.
    Manual,
}

impl AllocationPolicy {
    pub fn as_str(&self) -> &'static str {
        match self {
            AllocationPolicy::ProRataWholeEuros => "pro_rata_whole_euros",
            AllocationPolicy::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pro_rata_whole_euros" => Some(AllocationPolicy::ProRataWholeEuros),
            "manual" => Some(AllocationPolicy::Manual),
            _ => None,
        }
    }
}

/// A call as defined by programme staff; only constructed through [`CallDefinition::new`],
/// so every value of this type is coherent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDefinition {
    pub code: String,
    pub title: String,
    pub programme: String,
    pub currency: String,
    pub budget_ceiling: Money,
    pub spending_period: SpendingPeriod,
    pub max_awards: u32,
    pub interview_threshold: Points,
    #[serde(default = "default_total_points")]
    pub total_points: u32,
    #[serde(default = "default_min_sheets")]
    pub min_sheets_per_application: u32,
    #[serde(default = "default_disagreement_spread")]
    pub disagreement_spread: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_rounding: Option<String>,
    pub allocation_policy: AllocationPolicy,
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub reminders: Reminders,
    pub required_partner_roles: Vec<String>,
    pub knockout_criteria: Vec<KnockoutCriterion>,
    pub weighted_criteria: Vec<WeightedCriterion>,
}

impl CallDefinition {
    /// Checks every rule at once and lists every problem.
    pub fn new(def: CallDefinition) -> Result<CallDefinition, Vec<FieldError>> {
        let errors = def.problems();
        if errors.is_empty() { Ok(def) } else { Err(errors) }
    }

    /// The moment of a key stage; every valid call has each of [`KEY_STAGES`].
    pub fn moment(&self, kind: &str) -> Option<DateTime<Utc>> {
        self.stages
            .iter()
            .find(|s| s.kind == kind)
            .and_then(|s| s.at)
            .map(|at| at.with_timezone(&Utc))
    }

    /// The moment a stage of this call stands for when the clock is moved to it (the demo's
    /// rehearsal clock): just after its `at` (a deadline has then passed, a stage has begun), or
    /// the start of its first day in Amsterdam for a stage of whole days.
    pub fn stage_moment(&self, kind: &str) -> Option<DateTime<Utc>> {
        let s = self.stages.iter().find(|s| s.kind == kind)?;
        if let Some(at) = s.at {
            return Some(at.with_timezone(&Utc) + chrono::TimeDelta::seconds(1));
        }
        let day = s.starts_on?.and_time(chrono::NaiveTime::MIN);
        let offset = super::dutch::amsterdam_offset(day.and_utc());
        Some(day.and_utc() - chrono::TimeDelta::seconds(i64::from(offset.local_minus_utc())))
    }

    /// Published once the clock has reached the publication moment; from then on it changes only
    /// through an amendment.
    pub fn is_published(&self, now: DateTime<Utc>) -> bool {
        self.moment(stage::PUBLICATION).is_some_and(|at| now >= at)
    }

    pub fn weighted(&self, id: &str) -> Option<&WeightedCriterion> {
        self.weighted_criteria.iter().find(|c| c.id == id)
    }
}

fn default_total_points() -> u32 {
    DEFAULT_TOTAL_POINTS
}
fn default_min_sheets() -> u32 {
    DEFAULT_MIN_SHEETS
}
fn default_disagreement_spread() -> i64 {
    DEFAULT_DISAGREEMENT_SPREAD
}

fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 80
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn at(s: &str) -> Option<DateTime<FixedOffset>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap())
    }

    fn stage(kind: &str, moment: &str) -> Stage {
        Stage {
            kind: kind.into(),
            label_nl: kind.into(),
            at: at(moment),
            until: None,
            starts_on: None,
            ends_on: None,
        }
    }

    pub(crate) fn sample() -> CallDefinition {
        CallDefinition {
            code: "sample".into(),
            title: "Voorbeeld".into(),
            programme: "p".into(),
            currency: "EUR".into(),
            budget_ceiling: Money::parse("1000").unwrap(),
            spending_period: SpendingPeriod {
                from: "2022-01-01".parse().unwrap(),
                to: "2023-12-31".parse().unwrap(),
            },
            max_awards: 2,
            interview_threshold: Points::parse("10").unwrap(),
            total_points: 20,
            min_sheets_per_application: 2,
            disagreement_spread: 15,
            score_rounding: None,
            allocation_policy: AllocationPolicy::ProRataWholeEuros,
            stages: vec![
                stage("publication", "2022-05-31T09:00:00+02:00"),
                stage("submission_deadline", "2022-07-15T23:59:59+02:00"),
                stage("first_assessment", "2022-08-05T12:00:00+02:00"),
                stage("addendum_deadline", "2022-09-07T23:59:59+02:00"),
                stage("final_decision", "2022-09-15T12:00:00+02:00"),
            ],
            reminders: Reminders::default(),
            required_partner_roles: vec!["municipality".into()],
            knockout_criteria: vec![KnockoutCriterion {
                id: "ko".into(),
                label_nl: "ko".into(),
                label_en: None,
            }],
            weighted_criteria: vec![
                WeightedCriterion {
                    id: "a".into(),
                    label_nl: "a".into(),
                    label_en: None,
                    kind: CriterionKind::Scale,
                    min: 1,
                    max: 10,
                    points_per_item: None,
                    items: None,
                },
                WeightedCriterion {
                    id: "b".into(),
                    label_nl: "b".into(),
                    label_en: None,
                    kind: CriterionKind::PerItem,
                    min: 0,
                    max: 10,
                    points_per_item: Some(3),
                    items: Some(vec!["x".into(), "y".into(), "z".into(), "w".into()]),
                },
            ],
        }
    }

    fn fields(def: CallDefinition) -> Vec<String> {
        CallDefinition::new(def).unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_coherent_call_passes() {
        assert!(CallDefinition::new(sample()).is_ok());
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut d = sample();
        d.total_points = 21;
        assert_eq!(fields(d), ["weighted_criteria"]);

        let mut d = sample();
        d.weighted_criteria[1].id = "ko".into();
        assert_eq!(fields(d), ["weighted_criteria[1].id"]);

        let mut d = sample();
        d.weighted_criteria[0].min = 11;
        assert_eq!(fields(d), ["weighted_criteria[0].min"]);

        let mut d = sample();
        d.weighted_criteria[1].items = None;
        d.weighted_criteria[1].points_per_item = None;
        assert_eq!(
            fields(d),
            ["weighted_criteria[1].items", "weighted_criteria[1].points_per_item"]
        );

        let mut d = sample();
        d.stages[2].at = at("2022-09-10T12:00:00+02:00");
        // first_assessment now after addendum_deadline: the addendum stage is out of order
        assert_eq!(fields(d), ["stages[3].at"]);

        let mut d = sample();
        d.max_awards = 0;
        assert_eq!(fields(d), ["max_awards"]);

        let mut d = sample();
        d.required_partner_roles.push("police".into());
        assert_eq!(fields(d), ["required_partner_roles[1]"]);

        let mut d = sample();
        d.stages.retain(|s| s.kind != "final_decision");
        assert_eq!(fields(d), ["stages"]);
    }

    #[test]
    fn publication_follows_the_clock() {
        let d = sample();
        let before =
            DateTime::parse_from_rfc3339("2022-05-31T08:59:59+02:00").unwrap().with_timezone(&Utc);
        assert!(!d.is_published(before));
        assert!(d.is_published(before + chrono::Duration::seconds(1)));
    }

    #[test]
    fn a_stage_moment_is_just_after_its_at_or_the_start_of_its_first_day() {
        let mut d = sample();
        let deadline = d.stage_moment("submission_deadline").unwrap();
        assert_eq!(deadline.to_rfc3339(), "2022-07-15T22:00:00+00:00");
        d.stages.push(Stage {
            kind: "interviews".into(),
            label_nl: "Gesprekken".into(),
            at: None,
            until: None,
            starts_on: Some("2022-08-22".parse().unwrap()),
            ends_on: Some("2022-08-26".parse().unwrap()),
        });
        // Summer time: midnight in Amsterdam is 22.00 UTC the day before.
        assert_eq!(d.stage_moment("interviews").unwrap().to_rfc3339(), "2022-08-21T22:00:00+00:00");
        d.stages.last_mut().unwrap().starts_on = Some("2022-12-05".parse().unwrap());
        assert_eq!(d.stage_moment("interviews").unwrap().to_rfc3339(), "2022-12-04T23:00:00+00:00");
        assert_eq!(d.stage_moment("no_such_stage"), None);
    }

    #[test]
    fn an_amendment_needs_a_valid_call_and_a_reason() {
        let d = sample();
        assert!(amendment_problems(&d, "Datum gecorrigeerd").is_empty());
        let mut bad = sample();
        bad.title = " ".into();
        let fields: Vec<String> =
            amendment_problems(&bad, "  ").into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["call.title", "reason"]);
    }
}
