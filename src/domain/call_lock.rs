//! What a published outcome rests on. Once the first-round outcome or the final decision is
//! published, an amendment of the call may not change the settings that outcome was computed
//! from: that would make the call say something else than the letters that went out. A change
//! after publication is a correction of the outcome, never a silent edit of the call.

use super::call::{CallDefinition, stage};

/// A published outcome of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    FirstRound,
    Final,
}

impl Decided {
    pub fn label(&self) -> &'static str {
        match self {
            Decided::FirstRound => "first-round",
            Decided::Final => "final",
        }
    }

    /// The stages whose moments the outcome was decided on.
    fn stages(&self) -> &'static [&'static str] {
        match self {
            Decided::FirstRound => {
                &[stage::PUBLICATION, stage::SUBMISSION_DEADLINE, stage::FIRST_ASSESSMENT]
            }
            Decided::Final => &[
                stage::PUBLICATION,
                stage::SUBMISSION_DEADLINE,
                stage::FIRST_ASSESSMENT,
                stage::ADDENDUM_DEADLINE,
                stage::FINAL_DECISION,
            ],
        }
    }
}

/// The fields of `after` that differ from `before` although the `decided` outcome rests on them,
/// named as in the call's input (`budget_ceiling`, `stages.final_decision`, ...). Empty when the
/// amendment leaves the outcome's basis alone (a title, a label, a later milestone).
pub fn locked_changes(
    before: &CallDefinition,
    after: &CallDefinition,
    decided: Decided,
) -> Vec<String> {
    let mut changed = Vec::new();
    let mut check = |field: &str, same: bool| {
        if !same {
            changed.push(field.to_string());
        }
    };
    // The first round: knock-outs, scores, the threshold, the flags for a consensus talk.
    check("knockout_criteria", before.knockout_criteria == after.knockout_criteria);
    check("weighted_criteria", before.weighted_criteria == after.weighted_criteria);
    check("total_points", before.total_points == after.total_points);
    check("interview_threshold", before.interview_threshold == after.interview_threshold);
    check(
        "min_sheets_per_application",
        before.min_sheets_per_application == after.min_sheets_per_application,
    );
    check("disagreement_spread", before.disagreement_spread == after.disagreement_spread);
    check("score_rounding", before.score_rounding == after.score_rounding);
    if decided == Decided::Final {
        // The final decision: ranking, awards and the allocation.
        check("budget_ceiling", before.budget_ceiling == after.budget_ceiling);
        check("max_awards", before.max_awards == after.max_awards);
        check("allocation_policy", before.allocation_policy == after.allocation_policy);
        check("currency", before.currency == after.currency);
    }
    for kind in decided.stages() {
        let moment =
            |d: &CallDefinition| d.stages.iter().find(|s| s.kind == *kind).map(|s| (s.at, s.until));
        check(&format!("stages.{kind}"), moment(before) == moment(after));
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::call::tests::sample;
    use crate::domain::money::Money;
    use crate::domain::points::Points;

    #[test]
    fn an_unchanged_call_or_a_new_title_changes_nothing_locked() {
        let before = sample();
        let mut after = sample();
        assert!(locked_changes(&before, &after, Decided::Final).is_empty());
        after.title = "Een andere titel".into();
        after.stages[0].label_nl = "Openstelling".into();
        assert!(locked_changes(&before, &after, Decided::Final).is_empty());
    }

    #[test]
    fn the_ceiling_is_locked_by_the_final_decision_only() {
        let before = sample();
        let mut after = sample();
        after.budget_ceiling = Money::parse("100000.00").unwrap();
        assert!(locked_changes(&before, &after, Decided::FirstRound).is_empty());
        assert_eq!(locked_changes(&before, &after, Decided::Final), vec!["budget_ceiling"]);
    }

    #[test]
    fn criteria_threshold_and_decided_stages_are_named() {
        let before = sample();
        let mut after = sample();
        after.interview_threshold = Points::parse("12").unwrap();
        after.weighted_criteria[0].label_nl = "anders".into();
        let i = after.stages.iter().position(|s| s.kind == stage::FIRST_ASSESSMENT).unwrap();
        after.stages[i].at = after.stages[i].at.map(|t| t + chrono::Duration::days(1));
        let changed = locked_changes(&before, &after, Decided::FirstRound);
        assert_eq!(
            changed,
            vec!["weighted_criteria", "interview_threshold", "stages.first_assessment"]
        );
    }

    #[test]
    fn a_later_stage_is_free_after_the_first_round() {
        let before = sample();
        let mut after = sample();
        let i = after.stages.iter().position(|s| s.kind == stage::FINAL_DECISION).unwrap();
        after.stages[i].at = after.stages[i].at.map(|t| t + chrono::Duration::days(7));
        assert!(locked_changes(&before, &after, Decided::FirstRound).is_empty());
        assert_eq!(locked_changes(&before, &after, Decided::Final), vec!["stages.final_decision"]);
    }
}
