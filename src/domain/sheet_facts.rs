//! A submitted sheet's facts as the computation takes them, kept between computations of a
//! call's outcome so a sheet's stored JSON is read and checked once, not at every close,
//! publication or read. Their maps are made once, keyed by the ids of the call's settings, and
//! shared by every computation that finds the sheet unchanged: no criterion's id is repeated per
//! sheet, and no map is made again.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::points::Points;
use super::scoring::ScoredSheet;
use super::selection::{Key, Settings, SheetFacts};

/// A checked sheet's knock-out answers and points, keyed by the ids of the settings it was made
/// with (an id the call does not have gets its own): at 10,000 applications, 50,000 pairs of
/// maps made once instead of at every computation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFacts {
    knockout: Arc<BTreeMap<Key, bool>>,
    points: Arc<BTreeMap<Key, Points>>,
    total: Points,
}

impl KeptFacts {
    /// The kept form of a checked sheet, with the ids of `settings`.
    pub fn of(settings: &Settings, s: &ScoredSheet) -> KeptFacts {
        let shared = |ids: &[Key], id: &str| {
            ids.iter().find(|k| &***k == id).cloned().unwrap_or_else(|| Key::from(id))
        };
        let knockout: BTreeMap<Key, bool> = s
            .knockout
            .iter()
            .map(|(id, met)| (shared(&settings.knockout_criteria, id), *met))
            .collect();
        let points: BTreeMap<Key, Points> =
            s.points.iter().map(|(id, p)| (shared(&settings.weighted_criteria, id), *p)).collect();
        KeptFacts { knockout: knockout.into(), points: points.into(), total: s.total }
    }

    /// The sheet's facts as the computation takes them, by this assessor: its maps shared, not
    /// copied.
    pub fn facts(&self, assessor: Key) -> SheetFacts {
        SheetFacts {
            assessor,
            knockout: self.knockout.clone(),
            points: self.points.clone(),
            total: self.total,
        }
    }
}

impl SheetFacts {
    /// A checked sheet's facts, keyed by the ids `settings` shares (an id the call does not have
    /// gets its own).
    pub fn of_scored(settings: &Settings, assessor: Key, s: &ScoredSheet) -> SheetFacts {
        KeptFacts::of(settings, s).facts(assessor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::call::CallDefinition;

    /// The sample call with three criteria of each kind, so places and gaps matter.
    fn call() -> CallDefinition {
        let mut call = crate::domain::call::tests::sample();
        let (k, w) = (call.knockout_criteria[0].clone(), call.weighted_criteria[0].clone());
        call.knockout_criteria = ["k_a", "k_b", "k_c"]
            .iter()
            .map(|id| crate::domain::call::KnockoutCriterion { id: id.to_string(), ..k.clone() })
            .collect();
        call.weighted_criteria = ["w_a", "w_b", "w_c"]
            .iter()
            .map(|id| crate::domain::call::WeightedCriterion { id: id.to_string(), ..w.clone() })
            .collect();
        call
    }

    /// A sheet of the sample call: every knock-out answered (alternately met), every weighted
    /// criterion scored except, when `partial`, the last.
    fn scored(call: &CallDefinition, partial: bool) -> ScoredSheet {
        let n = call.weighted_criteria.len() - usize::from(partial);
        let points: BTreeMap<String, Points> = call
            .weighted_criteria
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, c)| (c.id.clone(), Points::parse(&format!("{i}.5")).expect("points")))
            .collect();
        let knockout = call
            .knockout_criteria
            .iter()
            .enumerate()
            .map(|(i, k)| (k.id.clone(), i % 2 == 0))
            .collect();
        let total = points.values().copied().sum();
        ScoredSheet { points, total, knockout }
    }

    /// The facts' maps as plain strings, to compare with the sheet they were made from.
    fn plain(f: &SheetFacts) -> (BTreeMap<String, bool>, BTreeMap<String, Points>) {
        (
            f.knockout.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            f.points.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        )
    }

    #[test]
    fn the_kept_facts_give_back_exactly_the_sheet_they_were_made_from() {
        let call = call();
        let settings = Settings::of(&call);
        for partial in [false, true] {
            let s = scored(&call, partial);
            let facts = KeptFacts::of(&settings, &s).facts("b1".into());
            assert_eq!(plain(&facts), (s.knockout.clone(), s.points.clone()));
            assert_eq!((facts.total, &*facts.assessor), (s.total, "b1"));
        }
    }

    #[test]
    fn facts_share_the_settings_ids_and_the_assessor_instead_of_copying_them() {
        let call = call();
        let settings = Settings::of(&call);
        let assessor = Key::from("b1");
        let kept = KeptFacts::of(&settings, &scored(&call, false));
        let scored_facts =
            SheetFacts::of_scored(&settings, assessor.clone(), &scored(&call, false));
        for facts in [kept.facts(assessor.clone()), scored_facts] {
            assert!(std::sync::Arc::ptr_eq(&facts.assessor, &assessor));
            for (key, id) in facts.knockout.keys().zip(&settings.knockout_criteria) {
                assert!(std::sync::Arc::ptr_eq(key, id), "knock-out id {id} copied");
            }
            for (key, id) in facts.points.keys().zip(&settings.weighted_criteria) {
                assert!(std::sync::Arc::ptr_eq(key, id), "criterion id {id} copied");
            }
        }
    }

    #[test]
    fn a_kept_sheet_gives_every_computation_the_same_maps() {
        let call = call();
        let kept = KeptFacts::of(&Settings::of(&call), &scored(&call, true));
        let first = kept.facts("b1".into());
        let next = kept.facts("b2".into());
        assert!(std::sync::Arc::ptr_eq(&first.knockout, &next.knockout));
        assert!(std::sync::Arc::ptr_eq(&first.points, &next.points));
        assert_eq!((&*first.assessor, &*next.assessor), ("b1", "b2"));
        assert_eq!(next, SheetFacts { assessor: "b2".into(), ..first.clone() });
    }

    /// Frozen outcomes are stored as JSON and checked against their hash: sharing the ids must
    /// not change a byte of how the facts and settings are written and read.
    #[test]
    fn shared_ids_are_written_and_read_as_plain_strings() {
        let call = call();
        let settings = Settings::of(&call);
        let facts = KeptFacts::of(&settings, &scored(&call, true)).facts("b1".into());
        let json = serde_json::to_string(&facts).expect("json");
        assert_eq!(
            json,
            r#"{"assessor":"b1","knockout":{"k_a":true,"k_b":false,"k_c":true},"points":{"w_a":"0.50","w_b":"1.50"},"total":"2.00"}"#
        );
        let back: SheetFacts = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, facts);
        let written = serde_json::to_value(&settings).expect("json");
        assert_eq!(written["knockout_criteria"], serde_json::json!(["k_a", "k_b", "k_c"]));
        assert_eq!(written["weighted_criteria"], serde_json::json!(["w_a", "w_b", "w_c"]));
    }

    /// A sheet answering a criterion the call does not have (a call redefined after it was
    /// scored) is kept as it is: that answer keeps its own id.
    #[test]
    fn a_sheet_answering_a_criterion_outside_the_call_is_kept_exactly() {
        let call = call();
        let settings = Settings::of(&call);
        let mut s = scored(&call, false);
        s.knockout.insert("not_in_this_call".into(), true);
        s.points.insert("also_not_in_it".into(), Points::parse("2.5").expect("points"));
        let facts = KeptFacts::of(&settings, &s).facts("b1".into());
        assert_eq!(plain(&facts), (s.knockout.clone(), s.points.clone()));
    }
}
