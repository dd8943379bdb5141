//! The knock-out verdict on one application, from the first-round sheets.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnockoutVerdict {
    Passed,
    Failed,
    /// The sheets disagree; programme staff record the verdict with a reason.
    NeedsDecision,
}

impl KnockoutVerdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            KnockoutVerdict::Passed => "passed",
            KnockoutVerdict::Failed => "failed",
            KnockoutVerdict::NeedsDecision => "needs_decision",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "passed" => Some(KnockoutVerdict::Passed),
            "failed" => Some(KnockoutVerdict::Failed),
            "needs_decision" => Some(KnockoutVerdict::NeedsDecision),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnockoutOutcome {
    pub verdict: KnockoutVerdict,
    /// Criteria every sheet says are not met, in the call's order.
    pub failed_criteria: Vec<String>,
    /// Criteria the sheets disagree on (a missing answer counts as disagreement), in the call's
    /// order.
    pub split_criteria: Vec<String>,
}

/// All met on all criteria → passed; all not met on one same criterion → failed, even when other
/// criteria are split; anything else (and no sheets at all) → needs a decision. `criteria` are
/// the knock-out criteria's ids in the call's order.
pub fn knockout_verdict<C: AsRef<str>, K: Borrow<str> + Ord>(
    criteria: &[C],
    sheets: &[&BTreeMap<K, bool>],
) -> KnockoutOutcome {
    if sheets.is_empty() {
        // Without sheets "every sheet says ..." would hold vacuously either way; nothing is known.
        return KnockoutOutcome {
            verdict: KnockoutVerdict::NeedsDecision,
            failed_criteria: Vec::new(),
            split_criteria: Vec::new(),
        };
    }
    let mut failed_criteria = Vec::new();
    let mut split_criteria = Vec::new();
    for c in criteria {
        let id = c.as_ref();
        let answer = |s: &&BTreeMap<K, bool>| s.get(id).copied();
        if sheets.iter().all(|s| answer(s) == Some(true)) {
            continue;
        }
        if sheets.iter().all(|s| answer(s) == Some(false)) {
            failed_criteria.push(id.to_string());
        } else {
            split_criteria.push(id.to_string());
        }
    }
    let verdict = if !failed_criteria.is_empty() {
        KnockoutVerdict::Failed
    } else if split_criteria.is_empty() {
        KnockoutVerdict::Passed
    } else {
        KnockoutVerdict::NeedsDecision
    };
    KnockoutOutcome { verdict, failed_criteria, split_criteria }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| (*id).to_string()).collect()
    }

    fn sheet(answers: &[(&str, bool)]) -> BTreeMap<String, bool> {
        answers.iter().map(|(id, met)| ((*id).to_string(), *met)).collect()
    }

    #[test]
    fn all_met_passes() {
        let c = criteria(&["ko_a", "ko_b"]);
        let s1 = sheet(&[("ko_a", true), ("ko_b", true)]);
        let s2 = sheet(&[("ko_a", true), ("ko_b", true)]);
        let o = knockout_verdict(&c, &[&s1, &s2]);
        assert_eq!(o.verdict, KnockoutVerdict::Passed);
        assert!(o.failed_criteria.is_empty() && o.split_criteria.is_empty());
    }

    #[test]
    fn all_not_met_on_one_criterion_fails() {
        let c = criteria(&["ko_a", "ko_b"]);
        let s1 = sheet(&[("ko_a", true), ("ko_b", false)]);
        let s2 = sheet(&[("ko_a", true), ("ko_b", false)]);
        let o = knockout_verdict(&c, &[&s1, &s2]);
        assert_eq!(o.verdict, KnockoutVerdict::Failed);
        assert_eq!(o.failed_criteria, ["ko_b"]);
    }

    #[test]
    fn failed_beats_split() {
        let c = criteria(&["ko_a", "ko_b", "ko_c"]);
        let s1 = sheet(&[("ko_a", false), ("ko_b", false), ("ko_c", true)]);
        let s2 = sheet(&[("ko_a", true), ("ko_b", false), ("ko_c", true)]);
        let o = knockout_verdict(&c, &[&s1, &s2]);
        assert_eq!(o.verdict, KnockoutVerdict::Failed);
        assert_eq!(o.failed_criteria, ["ko_b"]);
        assert_eq!(o.split_criteria, ["ko_a"]);
    }

    #[test]
    fn split_or_missing_needs_a_decision() {
        let c = criteria(&["ko_a", "ko_b"]);
        let s1 = sheet(&[("ko_a", false), ("ko_b", true)]);
        let s2 = sheet(&[("ko_a", true), ("ko_b", true)]);
        let o = knockout_verdict(&c, &[&s1, &s2]);
        assert_eq!(o.verdict, KnockoutVerdict::NeedsDecision);
        assert_eq!(o.split_criteria, ["ko_a"]);

        // a missing answer is disagreement, also next to "not met" answers
        let s1 = sheet(&[("ko_a", true), ("ko_b", false)]);
        let s2 = sheet(&[("ko_a", true)]);
        let o = knockout_verdict(&c, &[&s1, &s2]);
        assert_eq!(o.verdict, KnockoutVerdict::NeedsDecision);
        assert_eq!(o.split_criteria, ["ko_b"]);

        assert_eq!(knockout_verdict::<_, String>(&c, &[]).verdict, KnockoutVerdict::NeedsDecision);
    }

    #[test]
    fn verdicts_read_back() {
        for v in [KnockoutVerdict::Passed, KnockoutVerdict::Failed, KnockoutVerdict::NeedsDecision]
        {
            assert_eq!(KnockoutVerdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(KnockoutVerdict::parse("split"), None);
    }
}
