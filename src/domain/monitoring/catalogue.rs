//! The metric catalogue and the figures a report gives.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum RollUp {
    /// Counts add up over periods.
    Sum,
    /// `numerator / denominator × 100`, recomputed from the rolled-up counts.
    Share { numerator: String, denominator: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metric {
    pub key: String,
    pub label_nl: String,
    pub unit: String,
    pub rollup: RollUp,
}

impl Metric {
    pub fn is_reported(&self) -> bool {
        matches!(self.rollup, RollUp::Sum)
    }
}

fn is_key(s: &str) -> bool {
    (1..=60).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether a share among `metrics` is computed from the metric `key` (then it may not retire).
pub fn share_depends_on(metrics: &[Metric], key: &str) -> bool {
    metrics.iter().any(|o| {
        matches!(&o.rollup, RollUp::Share { numerator, denominator } if numerator == key || denominator == key)
    })
}

/// The problems of a metric definition against the catalogue it joins (or changes).
pub fn metric_problems(m: &Metric, catalogue: &[Metric]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_key(&m.key) {
        errors.push(FieldError::new(
            "key",
            "lowercase letters, digits and underscores, starting with a letter, at most 60",
        ));
    }
    if m.label_nl.trim().is_empty() || m.label_nl.chars().count() > 120 {
        errors.push(FieldError::new("label_nl", "a Dutch label of 1 to 120 characters"));
    }
    if m.unit.trim().is_empty() || m.unit.chars().count() > 30 {
        errors.push(FieldError::new(
            "unit",
            "a unit of 1 to 30 characters, e.g. `count` or `percent`",
        ));
    }
    if let RollUp::Share { numerator, denominator } = &m.rollup {
        for (field, key) in [("numerator", numerator), ("denominator", denominator)] {
            match catalogue.iter().find(|c| &c.key == key) {
                Some(c) if c.is_reported() && c.key != m.key => {}
                Some(_) => errors.push(FieldError::new(field, format!("{key} is not a counted (sum) metric"))),
                None => errors.push(FieldError::new(field, format!("{key} is not a metric of the catalogue"))),
            }
        }
        if numerator == denominator {
            errors.push(FieldError::new("denominator", "a share is of two different counts"));
        }
    } else if catalogue.iter().any(|c| matches!(&c.rollup, RollUp::Share { numerator, denominator } if *numerator == m.key || *denominator == m.key))
        && !m.is_reported()
    {
        errors.push(FieldError::new("rollup", "a share is computed from this metric, so it stays a sum"));
    }
    errors
}

/// The largest count a report may give (far above any real figure).
pub const MAX_COUNT: i64 = 1_000_000_000;

/// Checks figures as a client sent them: every key a counted metric of the catalogue, every
/// value a whole number from 0. All problems at once, as `figures.<key>`.
pub fn parse_figures(
    catalogue: &[Metric],
    input: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, i64>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = BTreeMap::new();
    for (key, value) in input {
        let field = format!("figures.{key}");
        match catalogue.iter().find(|m| &m.key == key) {
            None => {
                errors.push(FieldError::new(
                    &field,
                    format!("{key} is not a metric of the catalogue"),
                ));
                continue;
            }
            Some(m) if !m.is_reported() => {
                errors.push(FieldError::new(
                    &field,
                    format!("{key} is computed from other counts; report those"),
                ));
                continue;
            }
            Some(_) => {}
        }
        match value {
            Value::Number(n) => match n.as_i64() {
                Some(v) if v < 0 => {
                    errors.push(FieldError::new(&field, "a count cannot be negative"))
                }
                Some(v) if v > MAX_COUNT => {
                    errors.push(FieldError::new(&field, format!("a count is at most {MAX_COUNT}")))
                }
                Some(v) => {
                    out.insert(key.clone(), v);
                }
                None if n.as_u64().is_some() => {
                    errors.push(FieldError::new(&field, format!("a count is at most {MAX_COUNT}")))
                }
                None => errors
                    .push(FieldError::new(&field, format!("a count is a whole number, not {n}"))),
            },
            other => errors.push(FieldError::new(
                &field,
                format!("a count is a JSON whole number, not {other}"),
            )),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::testing::*;

    #[test]
    fn figures_are_whole_non_negative_known_counts() {
        let c = catalogue();
        let input: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"cases_discussed": 96, "registrations": -1, "nope": 1, "households_without_children": 2.5, "share": 3}"#).unwrap();
        let errors = parse_figures(&c, &input).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "figures.households_without_children",
                "figures.nope",
                "figures.registrations",
                "figures.share"
            ]
        );
        let ok: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"cases_discussed": 0}"#).unwrap();
        assert_eq!(parse_figures(&c, &ok).unwrap()["cases_discussed"], 0);
        let text: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"cases_discussed": "5"}"#).unwrap();
        assert!(parse_figures(&c, &text).is_err());
    }

    #[test]
    fn metric_definitions() {
        let c = catalogue();
        let bad = Metric {
            key: "Bad Key".into(),
            label_nl: "".into(),
            unit: "count".into(),
            rollup: RollUp::Share { numerator: "share".into(), denominator: "missing".into() },
        };
        let fields: Vec<_> = metric_problems(&bad, &c).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["key", "label_nl", "numerator", "denominator"]);
    }

    #[test]
    fn a_metric_a_share_is_computed_from_is_in_use() {
        let c = catalogue();
        assert!(share_depends_on(&c, "registrations"));
        assert!(share_depends_on(&c, "households_without_children"));
        assert!(!share_depends_on(&c, "cases_discussed"));
    }
}
