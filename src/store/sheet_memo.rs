//! The checked facts of submitted sheets, kept in memory by the sheet's id and stamp, so a
//! computation of a call's outcome reads and parses only the sheets submitted since the last one
//! (at 10,000 applications the stored sheets are some 75 MB of JSON). A submitted sheet is never
//! changed in place: a correction is a new row. The stamp still carries what would show a change
//! (round, version, moments of submission and last change, and the call's definition as of its
//! last update), so a kept fact that no longer matches its row is simply computed again. Not the
//! content's length: counting it makes the database read every sheet's content. So a write that
//! changes a sheet's content must set its `updated_at`, as every write of the service does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::selection::Settings;
use crate::domain::sheet_facts::KeptFacts;

/// What a kept fact was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetStamp {
    pub call_id: i32,
    /// The call definition's last update (microseconds): the criteria the facts are placed by.
    pub call_updated: i64,
    pub application_id: i32,
    pub assessor_id: i32,
    pub final_round: bool,
    pub version: i32,
    /// The submission's moment (microseconds).
    pub submitted_at: i64,
    /// The row's last change (microseconds): a row is never changed once submitted, but if it
    /// were, this would show it without reading the content.
    pub updated_at: i64,
}

/// Above this many sheets the memo starts again empty: some 80 MB at this size, by the sizes of
/// their maps (a call of 10,000 applications by 5 assessors keeps some 55,000).
const MAX_KEPT: usize = 120_000;

/// The kept facts of one process; `off` keeps nothing (a verification recomputes from the rows).
#[derive(Clone, Default)]
pub struct SheetMemo {
    kept: Option<Arc<Mutex<Kept>>>,
    /// Per call and definition (its last update), the settings whose criteria ids the kept
    /// facts' maps share.
    settings: Arc<Mutex<SettingsByCall>>,
}

/// By call id and the definition's last update.
type SettingsByCall = HashMap<(i32, i64), Arc<Settings>>;

/// By sheet id: the stamp the facts were kept with, and the facts.
type Kept = HashMap<i32, (SheetStamp, Arc<KeptFacts>)>;

impl SheetMemo {
    /// A memo that remembers.
    pub fn new() -> SheetMemo {
        SheetMemo { kept: Some(Arc::default()), settings: Arc::default() }
    }

    /// A memo that keeps nothing: every sheet is read and checked.
    pub fn off() -> SheetMemo {
        SheetMemo { kept: None, settings: Arc::default() }
    }

    /// The settings of a call's definition as of its last update (`updated`, microseconds):
    /// made once, so the facts kept of its sheets and every computation share one copy of each
    /// criterion's id. A memo that keeps nothing makes them each time.
    pub fn settings_of(
        &self,
        call_id: i32,
        updated: i64,
        make: impl FnOnce() -> Settings,
    ) -> Arc<Settings> {
        if self.kept.is_none() {
            return Arc::new(make());
        }
        let mut all = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = all.get(&(call_id, updated)) {
            return s.clone();
        }
        // A redefined call's earlier settings are let go.
        all.retain(|(id, _), _| *id != call_id);
        let made = Arc::new(make());
        all.insert((call_id, updated), made.clone());
        made
    }

    /// The kept facts of these sheets, each only when its stamp still matches (one lock).
    pub fn get_many(&self, sheets: &[(i32, SheetStamp)]) -> Vec<Option<Arc<KeptFacts>>> {
        let Some(kept) = &self.kept else { return vec![None; sheets.len()] };
        let kept = kept.lock().unwrap_or_else(|p| p.into_inner());
        sheets
            .iter()
            .map(|(id, stamp)| {
                kept.get(id).filter(|(s, _)| s == stamp).map(|(_, facts)| facts.clone())
            })
            .collect()
    }

    /// Keeps the facts of these sheets (one lock).
    pub fn put_many(&self, sheets: Vec<(i32, SheetStamp, KeptFacts)>) {
        let Some(kept) = &self.kept else { return };
        if sheets.is_empty() {
            return;
        }
        let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() + sheets.len() > MAX_KEPT {
            kept.clear();
        }
        for (id, stamp, facts) in sheets {
            kept.insert(id, (stamp, Arc::new(facts)));
        }
    }

    /// How many sheets are kept.
    pub fn len(&self) -> usize {
        self.kept.as_ref().map_or(0, |k| k.lock().unwrap_or_else(|p| p.into_inner()).len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::points::Points;
    use crate::domain::scoring::ScoredSheet;

    fn facts() -> KeptFacts {
        let call = crate::domain::call::tests::sample();
        let sheet = ScoredSheet {
            points: Default::default(),
            total: Points::default(),
            knockout: Default::default(),
        };
        KeptFacts::of(&Settings::of(&call), &sheet)
    }

    fn stamp() -> SheetStamp {
        SheetStamp {
            call_id: 1,
            call_updated: 10,
            application_id: 2,
            assessor_id: 3,
            final_round: false,
            version: 1,
            submitted_at: 20,
            updated_at: 20,
        }
    }

    #[test]
    fn a_kept_fact_is_given_only_for_the_stamp_it_was_kept_with() {
        let memo = SheetMemo::new();
        memo.put_many(vec![(7, stamp(), facts())]);
        let later = SheetStamp { submitted_at: 21, ..stamp() };
        let redefined = SheetStamp { call_updated: 11, ..stamp() };
        let got = memo.get_many(&[(7, stamp()), (7, later), (7, redefined), (8, stamp())]);
        assert_eq!(
            got.iter().map(Option::is_some).collect::<Vec<_>>(),
            [true, false, false, false]
        );
    }

    #[test]
    fn a_call_s_settings_are_made_once_per_definition() {
        let memo = SheetMemo::new();
        let call = crate::domain::call::tests::sample();
        let make = || Settings::of(&call);
        let first = memo.settings_of(1, 10, make);
        assert!(Arc::ptr_eq(&first, &memo.settings_of(1, 10, make)));
        assert!(!Arc::ptr_eq(&first, &memo.settings_of(2, 10, make)), "another call's");
        let redefined = memo.settings_of(1, 11, make);
        assert!(!Arc::ptr_eq(&first, &redefined), "the definition changed");
        assert!(Arc::ptr_eq(&redefined, &memo.settings_of(1, 11, make)));
        let off = SheetMemo::off();
        assert!(!Arc::ptr_eq(&off.settings_of(1, 10, make), &off.settings_of(1, 10, make)));
    }

    #[test]
    fn a_memo_that_is_off_keeps_nothing() {
        let memo = SheetMemo::off();
        memo.put_many(vec![(7, stamp(), facts())]);
        assert!(memo.get_many(&[(7, stamp())])[0].is_none());
        assert!(memo.is_empty());
    }
}
