//! One assessor's scoring sheet on one application in one round: what values are allowed per
//! criterion, what a submitted (complete) sheet needs, and its total.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::call::{CallDefinition, CriterionKind, WeightedCriterion};
use super::points::Points;
use crate::error::FieldError;

/// The value given for one weighted criterion: a number (`scale`, `boolean`) or a list of items
/// (`per_item`). Untagged, so JSON reads `5` or `["housing", "care"]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CriterionValue {
    Number(i64),
    Items(Vec<String>),
}

/// A sheet as the assessor sends it, draft or final.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SheetInput {
    /// Per knock-out criterion: met (`true`) or not met (`false`).
    pub knockout: BTreeMap<String, bool>,
    pub knockout_motivations: BTreeMap<String, String>,
    pub scores: BTreeMap<String, CriterionValue>,
    pub motivations: BTreeMap<String, String>,
    /// Counts as the motivation of every criterion that has no own one.
    pub motivation: Option<String>,
}

/// A sheet whose values are all valid, with the points per weighted criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoredSheet {
    pub points: BTreeMap<String, Points>,
    pub total: Points,
    pub knockout: BTreeMap<String, bool>,
}

/// The points a value earns on a criterion, or why the value is not allowed.
pub fn criterion_points(c: &WeightedCriterion, v: &CriterionValue) -> Result<Points, String> {
    match (c.kind, v) {
        (CriterionKind::Scale, CriterionValue::Number(n)) => {
            if (c.min..=c.max).contains(n) {
                Ok(Points::whole(*n))
            } else {
                Err(format!("{n} is out of range: a whole number from {} to {}", c.min, c.max))
            }
        }
        (CriterionKind::Boolean, CriterionValue::Number(n)) => {
            if *n == 0 || *n == c.max {
                Ok(Points::whole(*n))
            } else {
                Err(format!("{n} is not allowed: a yes/no criterion is 0 or {}", c.max))
            }
        }
        (CriterionKind::Scale, CriterionValue::Items(_)) => {
            Err(format!("expects a whole number from {} to {}, not a list of items", c.min, c.max))
        }
        (CriterionKind::Boolean, CriterionValue::Items(_)) => {
            Err(format!("expects 0 or {} (yes/no), not a list of items", c.max))
        }
        (CriterionKind::PerItem, CriterionValue::Number(n)) => Err(format!(
            "expects a list of distinct items from [{}], not the number {n}",
            allowed_items(c)
        )),
        (CriterionKind::PerItem, CriterionValue::Items(given)) => per_item_points(c, given),
    }
}

fn allowed_items(c: &WeightedCriterion) -> String {
    c.items.as_deref().unwrap_or_default().join(", ")
}

fn per_item_points(c: &WeightedCriterion, given: &[String]) -> Result<Points, String> {
    let known: BTreeSet<&str> = c.items.iter().flatten().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    let mut unknown = Vec::new();
    let mut duplicate = Vec::new();
    for item in given {
        if !known.contains(item.as_str()) {
            unknown.push(format!("{item:?}"));
        } else if !seen.insert(item.as_str()) {
            duplicate.push(format!("{item:?}"));
        }
    }
    // One message naming every bad item, so the assessor fixes them in one go.
    let mut problems = Vec::new();
    if !unknown.is_empty() {
        problems.push(format!("unknown item(s) {}", unknown.join(", ")));
    }
    if !duplicate.is_empty() {
        problems.push(format!("item(s) given more than once {}", duplicate.join(", ")));
    }
    if !problems.is_empty() {
        return Err(format!(
            "{}; allowed are distinct items from [{}]",
            problems.join("; "),
            allowed_items(c)
        ));
    }
    let per_item = c.points_per_item.unwrap_or(0);
    let count = i64::try_from(seen.len()).unwrap_or(i64::MAX);
    Ok(Points::whole(per_item.saturating_mul(count).min(c.max)))
}

fn has_text(s: Option<&String>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

/// Checks a sheet against the call and lists every problem at once. A draft (`complete == false`)
/// may leave criteria out; a submitted sheet (`complete == true`) must score every weighted
/// criterion, answer every knock-out criterion and motivate every score and every "not met".
pub fn check_sheet(
    call: &CallDefinition,
    sheet: &SheetInput,
    complete: bool,
) -> Result<ScoredSheet, Vec<FieldError>> {
    let mut errors = Vec::new();
    let sheet_motivation = has_text(sheet.motivation.as_ref());
    let motivated = |own: Option<&String>| has_text(own) || sheet_motivation;

    let mut points = BTreeMap::new();
    for c in &call.weighted_criteria {
        match sheet.scores.get(&c.id) {
            Some(value) => match criterion_points(c, value) {
                Ok(p) => {
                    points.insert(c.id.clone(), p);
                }
                Err(message) => errors.push(FieldError::new(format!("scores.{}", c.id), message)),
            },
            None if complete => errors.push(FieldError::new(
                format!("scores.{}", c.id),
                "every weighted criterion needs a score before the sheet is submitted",
            )),
            None => {}
        }
        if complete && !motivated(sheet.motivations.get(&c.id)) {
            errors.push(FieldError::new(
                format!("motivations.{}", c.id),
                "every score needs a motivation (its own or the sheet's motivation)",
            ));
        }
    }

    for k in &call.knockout_criteria {
        match sheet.knockout.get(&k.id) {
            Some(false) if complete && !motivated(sheet.knockout_motivations.get(&k.id)) => {
                errors.push(FieldError::new(
                    format!("knockout_motivations.{}", k.id),
                    "\"not met\" needs a motivation (its own or the sheet's motivation)",
                ));
            }
            Some(_) => {}
            None if complete => errors.push(FieldError::new(
                format!("knockout.{}", k.id),
                "every knock-out criterion needs met (true) or not met (false) before the sheet is submitted",
            )),
            None => {}
        }
    }

    unknown_ids(call, sheet, &mut errors);

    if !errors.is_empty() {
        return Err(errors);
    }
    let total = points.values().copied().sum();
    Ok(ScoredSheet { points, total, knockout: sheet.knockout.clone() })
}

/// Answers to criteria the call does not have, or under the wrong kind of criterion.
fn unknown_ids(call: &CallDefinition, sheet: &SheetInput, errors: &mut Vec<FieldError>) {
    let is_weighted = |id: &str| call.weighted_criteria.iter().any(|c| c.id == id);
    let is_knockout = |id: &str| call.knockout_criteria.iter().any(|k| k.id == id);
    let unknown_weighted = |id: &str| {
        if is_knockout(id) {
            "this is a knock-out criterion; answer it under knockout"
        } else {
            "the call has no weighted criterion with this id"
        }
    };
    let unknown_knockout = |id: &str| {
        if is_weighted(id) {
            "this is a weighted criterion; score it under scores"
        } else {
            "the call has no knock-out criterion with this id"
        }
    };
    for id in sheet.scores.keys().filter(|id| !is_weighted(id)) {
        errors.push(FieldError::new(format!("scores.{id}"), unknown_weighted(id)));
    }
    for id in sheet.motivations.keys().filter(|id| !is_weighted(id)) {
        errors.push(FieldError::new(format!("motivations.{id}"), unknown_weighted(id)));
    }
    for id in sheet.knockout.keys().filter(|id| !is_knockout(id)) {
        errors.push(FieldError::new(format!("knockout.{id}"), unknown_knockout(id)));
    }
    for id in sheet.knockout_motivations.keys().filter(|id| !is_knockout(id)) {
        errors.push(FieldError::new(format!("knockout_motivations.{id}"), unknown_knockout(id)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::call::KnockoutCriterion;

    fn scale(id: &str, min: i64, max: i64) -> WeightedCriterion {
        WeightedCriterion {
            id: id.into(),
            label_nl: id.into(),
            label_en: None,
            kind: CriterionKind::Scale,
            min,
            max,
            points_per_item: None,
            items: None,
        }
    }

    fn boolean(id: &str, max: i64) -> WeightedCriterion {
        WeightedCriterion { kind: CriterionKind::Boolean, ..scale(id, 0, max) }
    }

    fn per_item(id: &str, per: i64, max: i64, items: &[&str]) -> WeightedCriterion {
        WeightedCriterion {
            kind: CriterionKind::PerItem,
            points_per_item: Some(per),
            items: Some(items.iter().map(|s| s.to_string()).collect()),
            ..scale(id, 0, max)
        }
    }

    fn items(list: &[&str]) -> CriterionValue {
        CriterionValue::Items(list.iter().map(|s| s.to_string()).collect())
    }

    const SIX: [&str; 6] = ["a", "b", "c", "d", "e", "f"];

    fn call() -> CallDefinition {
        let mut c = crate::domain::call::tests::sample();
        c.weighted_criteria =
            vec![boolean("w_lead", 5), scale("w_steer", 1, 6), per_item("w_broad", 2, 10, &SIX)];
        c.knockout_criteria = ["ko_a", "ko_b"]
            .iter()
            .map(|id| KnockoutCriterion {
                id: (*id).into(),
                label_nl: (*id).into(),
                label_en: None,
            })
            .collect();
        c
    }

    fn full_sheet() -> SheetInput {
        SheetInput {
            knockout: [("ko_a".into(), true), ("ko_b".into(), true)].into(),
            scores: [
                ("w_lead".into(), CriterionValue::Number(5)),
                ("w_steer".into(), CriterionValue::Number(4)),
                ("w_broad".into(), items(&["a", "c"])),
            ]
            .into(),
            motivation: Some("Zie formulier.".into()),
            ..SheetInput::default()
        }
    }

    fn fields(r: Result<ScoredSheet, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn per_item_points_are_capped_at_max() {
        let c = per_item("w", 2, 10, &SIX);
        assert_eq!(criterion_points(&c, &items(&SIX)).unwrap(), Points::whole(10));
        assert_eq!(criterion_points(&c, &items(&["a", "b", "c"])).unwrap(), Points::whole(6));
        assert_eq!(criterion_points(&c, &items(&[])).unwrap(), Points::whole(0));
    }

    #[test]
    fn per_item_refuses_unknown_and_duplicate_items_and_numbers() {
        let c = per_item("w", 2, 10, &SIX);
        let e = criterion_points(&c, &items(&["a", "zzz", "a"])).unwrap_err();
        assert!(
            e.contains("\"zzz\"")
                && e.contains("more than once \"a\"")
                && e.contains("[a, b, c, d, e, f]"),
            "{e}"
        );
        let e = criterion_points(&c, &CriterionValue::Number(4)).unwrap_err();
        assert!(e.contains("list") && e.contains("4"), "{e}");
    }

    #[test]
    fn boolean_is_zero_or_max_only() {
        let c = boolean("w", 5);
        assert_eq!(criterion_points(&c, &CriterionValue::Number(0)).unwrap(), Points::whole(0));
        assert_eq!(criterion_points(&c, &CriterionValue::Number(5)).unwrap(), Points::whole(5));
        for bad in [1, 4, 6, -5] {
            let e = criterion_points(&c, &CriterionValue::Number(bad)).unwrap_err();
            assert!(e.contains("0 or 5"), "{e}");
        }
    }

    #[test]
    fn scale_is_an_integer_in_range() {
        let c = scale("w", 1, 6);
        assert_eq!(criterion_points(&c, &CriterionValue::Number(1)).unwrap(), Points::whole(1));
        assert_eq!(criterion_points(&c, &CriterionValue::Number(6)).unwrap(), Points::whole(6));
        let e = criterion_points(&c, &CriterionValue::Number(7)).unwrap_err();
        assert!(e.contains('7') && e.contains("1 to 6"), "{e}");
        assert!(criterion_points(&c, &CriterionValue::Number(0)).is_err());
        assert!(criterion_points(&c, &items(&["a"])).is_err());
    }

    #[test]
    fn values_read_from_json_numbers_or_lists() {
        let s: SheetInput = serde_json::from_str(
            r#"{"knockout": {"ko_a": true}, "scores": {"w_steer": 5, "w_broad": ["a", "b"]}}"#,
        )
        .unwrap();
        assert_eq!(s.scores["w_steer"], CriterionValue::Number(5));
        assert_eq!(s.scores["w_broad"], items(&["a", "b"]));
        assert_eq!(s.motivation, None);
    }

    #[test]
    fn a_complete_sheet_totals_its_points() {
        let scored = check_sheet(&call(), &full_sheet(), true).unwrap();
        assert_eq!(scored.total, Points::whole(5 + 4 + 4));
        assert_eq!(scored.points["w_broad"], Points::whole(4));
        assert!(scored.knockout["ko_b"]);
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let mut s = full_sheet();
        s.scores.insert("w_steer".into(), CriterionValue::Number(9));
        s.scores.insert("w_lead".into(), CriterionValue::Number(3));
        s.scores.insert("w_broad".into(), items(&["a", "nope"]));
        s.scores.insert("unknown_id".into(), CriterionValue::Number(1));
        s.scores.insert("ko_a".into(), CriterionValue::Number(1));
        s.knockout.insert("ko_zzz".into(), true);
        s.knockout.insert("w_lead".into(), true);
        s.motivations.insert("w_nope".into(), "x".into());
        assert_eq!(
            fields(check_sheet(&call(), &s, false)),
            [
                "scores.w_lead",
                "scores.w_steer",
                "scores.w_broad",
                "scores.ko_a",
                "scores.unknown_id",
                "motivations.w_nope",
                "knockout.ko_zzz",
                "knockout.w_lead",
            ]
        );
    }

    #[test]
    fn a_draft_may_leave_things_out() {
        let s = SheetInput {
            scores: [("w_steer".into(), CriterionValue::Number(2))].into(),
            ..SheetInput::default()
        };
        let scored = check_sheet(&call(), &s, false).unwrap();
        assert_eq!(scored.total, Points::whole(2));
        assert_eq!(
            fields(check_sheet(&call(), &s, true)),
            [
                "scores.w_lead",
                "motivations.w_lead",
                "motivations.w_steer",
                "scores.w_broad",
                "motivations.w_broad",
                "knockout.ko_a",
                "knockout.ko_b",
            ]
        );
    }

    #[test]
    fn motivations_own_or_sheet_level_blank_does_not_count() {
        let mut s = full_sheet();
        s.motivation = Some("   ".into());
        s.knockout.insert("ko_b".into(), false);
        s.motivations.insert("w_lead".into(), "Aangesteld per 1 mei.".into());
        s.motivations.insert("w_steer".into(), "".into());
        assert_eq!(
            fields(check_sheet(&call(), &s, true)),
            ["motivations.w_steer", "motivations.w_broad", "knockout_motivations.ko_b"]
        );
        s.knockout_motivations.insert("ko_b".into(), "Geen jurist in het team.".into());
        s.motivation = Some("Zie formulier.".into());
        let scored = check_sheet(&call(), &s, true).unwrap();
        assert!(!scored.knockout["ko_b"]);
        // a draft needs no motivation yet
        s.motivation = None;
        assert!(check_sheet(&call(), &s, false).is_ok());
    }
}
