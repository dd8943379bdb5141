//! A submitted sheet's facts in a compact form, kept between computations of a call's outcome so
//! a sheet's stored JSON is read and checked once, not at every close, publication or read. The
//! criteria are not repeated per sheet: each answer stands at its criterion's place in the call.
//! The facts as the computation takes them are made from it once and then shared by every
//! computation that finds the sheet unchanged.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::call::CallDefinition;
use super::points::Points;
use super::scoring::ScoredSheet;
use super::selection::{Key, Settings, SheetFacts};

/// A checked sheet's knock-out answers and points, in the order of the call's criteria.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactFacts {
    knockout: Box<[Option<bool>]>,
    points: Box<[Option<Points>]>,
    total: Points,
    /// The answers and points keyed as the computation takes them, made by the first
    /// computation that reads this sheet (with the criteria the stamp of the kept facts fixes)
    /// and shared by the next ones: at 10,000 applications, 50,000 pairs of maps not made again.
    shared: OnceLock<Shared>,
}

type Shared = (Arc<BTreeMap<Key, bool>>, Arc<BTreeMap<Key, Points>>);

impl CompactFacts {
    /// The compact form of a checked sheet, or `None` when it answers a criterion the call does
    /// not have (then it cannot be restored exactly and is not kept).
    pub fn of(call: &CallDefinition, s: &ScoredSheet) -> Option<CompactFacts> {
        let knockout: Box<[Option<bool>]> =
            call.knockout_criteria.iter().map(|k| s.knockout.get(&k.id).copied()).collect();
        let points: Box<[Option<Points>]> =
            call.weighted_criteria.iter().map(|c| s.points.get(&c.id).copied()).collect();
        let kept = knockout.iter().flatten().count() + points.iter().flatten().count();
        (kept == s.knockout.len() + s.points.len()).then_some(CompactFacts {
            knockout,
            points,
            total: s.total,
            shared: OnceLock::new(),
        })
    }

    /// The sheet's facts as the computation takes them, for the settings of the call it was made
    /// with: keyed by the ids they share, so no id is copied; the maps are made at the first call
    /// and shared from then on.
    pub fn facts(&self, settings: &Settings, assessor: Key) -> SheetFacts {
        let (knockout, points) = self.shared(settings);
        SheetFacts {
            assessor,
            knockout: knockout.clone(),
            points: points.clone(),
            total: self.total,
        }
    }

    /// Makes the maps [`CompactFacts::facts`] shares now (when the sheet is kept), so that the
    /// first computation after it does not.
    pub fn prepare(&self, settings: &Settings) {
        self.shared(settings);
    }

    fn shared(&self, settings: &Settings) -> &Shared {
        self.shared.get_or_init(|| {
            let knockout: BTreeMap<Key, bool> = settings
                .knockout_criteria
                .iter()
                .zip(self.knockout.iter())
                .filter_map(|(k, v)| v.map(|v| (k.clone(), v)))
                .collect();
            let points: BTreeMap<Key, Points> = settings
                .weighted_criteria
                .iter()
                .zip(self.points.iter())
                .filter_map(|(c, p)| p.map(|p| (c.clone(), p)))
                .collect();
            (Arc::new(knockout), Arc::new(points))
        })
    }
}

impl SheetFacts {
    /// A checked sheet's facts, keyed by the ids `settings` shares (an id the call does not have
    /// gets its own).
    pub fn of_scored(settings: &Settings, assessor: Key, s: ScoredSheet) -> SheetFacts {
        let shared = |ids: &[Key], id: String| {
            ids.iter().find(|k| &***k == id.as_str()).cloned().unwrap_or_else(|| Key::from(id))
        };
        let knockout: BTreeMap<Key, bool> = s
            .knockout
            .into_iter()
            .map(|(id, met)| (shared(&settings.knockout_criteria, id), met))
            .collect();
        let points: BTreeMap<Key, Points> = s
            .points
            .into_iter()
            .map(|(id, p)| (shared(&settings.weighted_criteria, id), p))
            .collect();
        SheetFacts { assessor, knockout: knockout.into(), points: points.into(), total: s.total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_compact_form_gives_back_exactly_the_facts_it_was_made_from() {
        let call = call();
        for partial in [false, true] {
            let s = scored(&call, partial);
            let compact = CompactFacts::of(&call, &s).expect("kept");
            let facts = compact.facts(&Settings::of(&call), "b1".into());
            assert_eq!(facts, SheetFacts::of_scored(&Settings::of(&call), "b1".into(), s));
        }
    }

    #[test]
    fn facts_share_the_settings_ids_and_the_assessor_instead_of_copying_them() {
        let call = call();
        let settings = Settings::of(&call);
        let assessor = Key::from("b1");
        let kept = CompactFacts::of(&call, &scored(&call, false)).expect("kept");
        let scored_facts = SheetFacts::of_scored(&settings, assessor.clone(), scored(&call, false));
        for facts in [kept.facts(&settings, assessor.clone()), scored_facts] {
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
        let kept = CompactFacts::of(&call, &scored(&call, true)).expect("kept");
        let first = kept.facts(&Settings::of(&call), "b1".into());
        let next = kept.facts(&Settings::of(&call), "b2".into());
        assert!(std::sync::Arc::ptr_eq(&first.knockout, &next.knockout));
        assert!(std::sync::Arc::ptr_eq(&first.points, &next.points));
        assert_eq!((&*first.assessor, &*next.assessor), ("b1", "b2"));
        assert_eq!(next, SheetFacts { assessor: "b2".into(), ..first.clone() });
        // What the maps hold is the sheet's, whoever asked first.
        assert_eq!(
            first,
            SheetFacts::of_scored(&Settings::of(&call), "b1".into(), scored(&call, true))
        );
    }

    /// Frozen outcomes are stored as JSON and checked against their hash: sharing the ids must
    /// not change a byte of how the facts and settings are written and read.
    #[test]
    fn shared_ids_are_written_and_read_as_plain_strings() {
        let call = call();
        let settings = Settings::of(&call);
        let facts = CompactFacts::of(&call, &scored(&call, true))
            .expect("kept")
            .facts(&settings, "b1".into());
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

    #[test]
    fn a_sheet_answering_a_criterion_outside_the_call_is_not_kept() {
        let call = call();
        let mut s = scored(&call, false);
        s.knockout.insert("not_in_this_call".into(), true);
        assert_eq!(CompactFacts::of(&call, &s), None);
        let mut s = scored(&call, false);
        s.points.insert("not_in_this_call".into(), Points::default());
        assert_eq!(CompactFacts::of(&call, &s), None);
    }
}
