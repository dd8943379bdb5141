//! The decisive ground of each decision, computed from the outcome, never templated: why an
//! application was rejected (the knock-out criteria not met, the score under the threshold, the
//! rank beyond the number of awards, the ceiling where it was actually reached, or the tie staff
//! settled), and why an award is lower than the request (a partial refusal, with the ceiling and
//! how it was divided). Letters, emails and the outcome API all read it from here.
//!
//! Also here: whether a motivation can carry a decision (not empty, not a mere reference).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::call::AllocationPolicy;
use super::decision::Decision;
use super::knockout::KnockoutVerdict;
use super::money::Money;
use super::points::Points;
use super::selection::{ApplicationInput, ApplicationResult, SelectionInput, SelectionResult};

/// How the ceiling was divided over the awarded applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Division {
    /// Each gets its request × ceiling / Σ requests, rounded down to whole euros.
    ProRataWholeEuros,
    /// Amounts set by staff, with their reason.
    Manual { reason: String },
}

/// The ceiling's figures, where it decided something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CeilingFacts {
    pub ceiling: Money,
    /// What the awarded applications requested together.
    pub requested_awarded: Money,
    pub division: Division,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ground {
    /// Awarded: its rank among at most `max_awards`; `tie_reason` when staff settled a tie for it.
    Awarded { rank: u32, max_awards: u32, final_score: Points, tie_reason: Option<String> },
    /// One or more knock-out criteria not met (ids, in the call's order); `decided_reason` when
    /// staff settled a split verdict as failed.
    KnockoutNotMet { criteria: Vec<String>, decided_reason: Option<String> },
    /// The first-round score under the interview threshold.
    BelowThreshold { score: Points, threshold: Points },
    /// Ranked beyond the number of awards, while the awards fit under the ceiling.
    RankBeyondAwards {
        rank: u32,
        max_awards: u32,
        final_score: Points,
        last_awarded: Option<(u32, Points)>,
    },
    /// Ranked beyond the number of awards, and the ceiling is used up by the higher-ranked
    /// applications (art. 4:25, second paragraph, Awb).
    CeilingReached {
        rank: u32,
        max_awards: u32,
        final_score: Points,
        last_awarded: Option<(u32, Points)>,
        ceiling: CeilingFacts,
    },
    /// Tied at the last award place; staff settled the tie against it, for `reason`.
    TieSettled { rank: u32, max_awards: u32, final_score: Points, reason: String },
}

impl Ground {
    pub fn kind(&self) -> &'static str {
        match self {
            Ground::Awarded { .. } => "awarded",
            Ground::KnockoutNotMet { .. } => "knockout_not_met",
            Ground::BelowThreshold { .. } => "below_threshold",
            Ground::RankBeyondAwards { .. } => "rank_beyond_awards",
            Ground::CeilingReached { .. } => "ceiling_reached",
            Ground::TieSettled { .. } => "tie_settled",
        }
    }
}

/// An award below its request: the rest is refused, on the ceiling and its division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartialRefusal {
    pub requested: Money,
    pub allocated: Money,
    pub refused: Money,
    pub ceiling: CeilingFacts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionGround {
    pub application: String,
    pub ground: Ground,
    pub partial_refusal: Option<PartialRefusal>,
}

/// The ceiling, what the awarded applications asked for, and how the budget was divided.
fn ceiling_facts(input: &SelectionInput, result: &SelectionResult) -> CeilingFacts {
    let requested_awarded: Money = result
        .applications
        .iter()
        .filter(|a| a.decision == Some(Decision::Awarded))
        .map(|a| a.requested_total)
        .sum();
    let division = match (&input.manual_allocation, result.allocation_policy) {
        (Some(m), AllocationPolicy::Manual) => Division::Manual { reason: m.reason.clone() },
        _ => Division::ProRataWholeEuros,
    };
    CeilingFacts { ceiling: input.settings.budget_ceiling, requested_awarded, division }
}

/// The decisive ground of `application`'s decision, or `None` while it has none. For one
/// application; for many, build [`Grounds`] once.
pub fn of(
    input: &SelectionInput,
    result: &SelectionResult,
    application: &str,
) -> Option<DecisionGround> {
    Grounds::new(input, result).of(application)
}

/// What every ground of a call shares: the last award place and the ceiling's figures. Owned,
/// so a cached outcome can keep it beside its input and result.
#[derive(Debug, Clone)]
pub struct CallFacts {
    last_awarded: Option<(u32, Points)>,
    ceiling: CeilingFacts,
}

impl CallFacts {
    pub fn new(input: &SelectionInput, result: &SelectionResult) -> CallFacts {
        let last_awarded = result
            .applications
            .iter()
            .filter(|a| a.decision == Some(Decision::Awarded))
            .filter_map(|a| Some((a.rank?, a.final_round.as_ref()?.score)))
            .max_by_key(|(rank, _)| *rank);
        CallFacts { last_awarded, ceiling: ceiling_facts(input, result) }
    }

    /// The decisive ground of one application, given its input and result lines: O(1).
    pub fn ground(
        &self,
        input: &SelectionInput,
        i: &ApplicationInput,
        r: &ApplicationResult,
    ) -> Option<DecisionGround> {
        ground_of(input, self, r, i, &r.r#ref)
    }
}

/// Where each application stands in a computed outcome, with what every letter and ground of
/// the call shares, built once per outcome so one application's figures are O(1) to find.
#[derive(Debug, Clone)]
pub struct OutcomeIndex {
    by_ref: HashMap<String, usize>,
    facts: CallFacts,
    awarded: usize,
    ranked: usize,
    /// What the awarded applications requested together; `None` if the sum overflows.
    requested_awarded: Option<Money>,
}

impl OutcomeIndex {
    pub fn new(input: &SelectionInput, result: &SelectionResult) -> OutcomeIndex {
        let awarded =
            || result.applications.iter().filter(|a| a.decision == Some(Decision::Awarded));
        OutcomeIndex {
            by_ref: result
                .applications
                .iter()
                .enumerate()
                .map(|(i, a)| (a.r#ref.clone(), i))
                .collect(),
            facts: CallFacts::new(input, result),
            awarded: awarded().count(),
            ranked: result.applications.iter().filter(|a| a.rank.is_some()).count(),
            requested_awarded: awarded()
                .try_fold(Money::ZERO, |sum, a| sum.checked_add(a.requested_total)),
        }
    }

    /// Where `region_ref` stands in the outcome's `applications` (input and result alike: the
    /// computation keeps the order of its input).
    pub fn position(&self, region_ref: &str) -> Option<usize> {
        self.by_ref.get(region_ref).copied()
    }

    /// The decisive ground of an application's decision, or `None` while it has none.
    pub fn ground(
        &self,
        input: &SelectionInput,
        result: &SelectionResult,
        region_ref: &str,
    ) -> Option<DecisionGround> {
        let i = self.position(region_ref)?;
        let (a, r) = (input.applications.get(i)?, result.applications.get(i)?);
        (a.r#ref == r.r#ref).then(|| self.facts.ground(input, a, r)).flatten()
    }

    pub fn last_awarded(&self) -> Option<(u32, Points)> {
        self.facts.last_awarded
    }

    pub fn awarded_count(&self) -> usize {
        self.awarded
    }

    pub fn ranked_count(&self) -> usize {
        self.ranked
    }

    pub fn requested_awarded(&self) -> Option<Money> {
        self.requested_awarded
    }
}

/// The grounds of a whole call: the shared facts and where each application stands, computed
/// once, so a publication of N applications costs O(N), not O(N²).
pub struct Grounds<'a> {
    input: &'a SelectionInput,
    inputs: BTreeMap<&'a str, &'a ApplicationInput>,
    results: BTreeMap<&'a str, &'a ApplicationResult>,
    facts: CallFacts,
}

impl<'a> Grounds<'a> {
    pub fn new(input: &'a SelectionInput, result: &'a SelectionResult) -> Grounds<'a> {
        Grounds {
            input,
            inputs: input.applications.iter().map(|a| (a.r#ref.as_str(), a)).collect(),
            results: result.applications.iter().map(|a| (a.r#ref.as_str(), a)).collect(),
            facts: CallFacts::new(input, result),
        }
    }

    /// The decisive ground of `application`'s decision, or `None` while it has none.
    pub fn of(&self, application: &str) -> Option<DecisionGround> {
        let r = *self.results.get(application)?;
        let i = *self.inputs.get(application)?;
        ground_of(self.input, &self.facts, r, i, application)
    }
}

/// The ground of one application's decision, from the call's shared facts.
fn ground_of(
    input: &SelectionInput,
    facts: &CallFacts,
    r: &ApplicationResult,
    i: &ApplicationInput,
    application: &str,
) -> Option<DecisionGround> {
    let (s, last_awarded, ceiling) = (&input.settings, facts.last_awarded, facts.ceiling.clone());
    let requested_awarded = ceiling.requested_awarded;
    let ceiling_reached = requested_awarded > s.budget_ceiling;
    let final_score = r.final_round.as_ref().map(|f| f.score);
    let ground = match r.decision? {
        Decision::Awarded => Ground::Awarded {
            rank: r.rank?,
            max_awards: s.max_awards,
            final_score: final_score?,
            tie_reason: if r.tied_at_last_place {
                i.tie_decision.as_ref().map(|t| t.reason.clone())
            } else {
                None
            },
        },
        Decision::RejectedKnockout => {
            let ko = r.knockout.as_ref()?;
            let decided = i
                .knockout_decision
                .as_ref()
                .filter(|d| d.verdict == KnockoutVerdict::Failed && r.knockout_decided.is_some());
            let mut criteria = ko.failed_criteria.clone();
            if criteria.is_empty() && decided.is_some() {
                // Staff settled a split verdict as failed: the criteria the sheets disagreed on.
                criteria = ko.split_criteria.clone();
            }
            Ground::KnockoutNotMet { criteria, decided_reason: decided.map(|d| d.reason.clone()) }
        }
        Decision::RejectedBelowThreshold => Ground::BelowThreshold {
            score: r.first_round.as_ref()?.score,
            threshold: s.interview_threshold,
        },
        Decision::NotAwarded => {
            let (rank, final_score) = (r.rank?, final_score?);
            match (&i.tie_decision, r.tied_at_last_place) {
                (Some(t), true) => Ground::TieSettled {
                    rank,
                    max_awards: s.max_awards,
                    final_score,
                    reason: t.reason.clone(),
                },
                _ if ceiling_reached => Ground::CeilingReached {
                    rank,
                    max_awards: s.max_awards,
                    final_score,
                    last_awarded,
                    ceiling: ceiling.clone(),
                },
                _ => Ground::RankBeyondAwards {
                    rank,
                    max_awards: s.max_awards,
                    final_score,
                    last_awarded,
                },
            }
        }
        Decision::TieNeedsDecision => return None,
    };
    let partial_refusal = partial_refusal(&ground, r, ceiling);
    Some(DecisionGround { application: application.to_string(), ground, partial_refusal })
}

/// An award below its request: the rest refused, on the ceiling and its division.
fn partial_refusal(
    ground: &Ground,
    r: &ApplicationResult,
    ceiling: CeilingFacts,
) -> Option<PartialRefusal> {
    match (ground, r.allocated) {
        (Ground::Awarded { .. }, Some(allocated)) if allocated < r.requested_total => {
            Some(PartialRefusal {
                requested: r.requested_total,
                allocated,
                refused: r.requested_total - allocated,
                ceiling,
            })
        }
        _ => None,
    }
}

/// Phrases that only point elsewhere instead of giving a reason.
const REFERENCES: &[&str] = &[
    "zie beoordelingsformulier",
    "zie formulier",
    "zie boven",
    "zie hierboven",
    "zie eerder",
    "zie bijlage",
    "zie toelichting",
    "zie opmerkingen",
    "zie verslag",
    "zie notitie",
    "zie motivering",
    "idem",
    "n.v.t.",
    "nvt",
    "conform",
];

/// The least a motivation says, in characters.
pub const MIN_MOTIVATION_CHARS: usize = 30;

/// Why `text` cannot carry a decision, or `None` when it can: empty, too short, or only a
/// reference to somewhere else.
pub fn motivation_problem(text: &str) -> Option<&'static str> {
    let t = text.trim();
    if t.is_empty() {
        return Some("empty");
    }
    let lower = t.to_lowercase();
    let bare = lower.trim_end_matches(['.', '!', ';', ':', ' ']);
    if REFERENCES.iter().any(|r| {
        bare == *r
            || (bare.starts_with(r)
                && bare.chars().count() < r.chars().count() + MIN_MOTIVATION_CHARS)
    }) {
        return Some("only a reference elsewhere");
    }
    if t.chars().count() < MIN_MOTIVATION_CHARS {
        return Some("too short");
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::selection::{
        ApplicationInput, RecordedKnockout, RecordedTie, Settings, SheetFacts, compute,
    };

    fn settings(max_awards: u32, ceiling: &str) -> Settings {
        Settings {
            budget_ceiling: Money::parse(ceiling).unwrap(),
            max_awards,
            interview_threshold: Points::whole(50),
            allocation_policy: AllocationPolicy::ProRataWholeEuros,
            disagreement_spread: 15,
            knockout_criteria: vec!["ko_a".into(), "ko_b".into()],
            weighted_criteria: vec!["w".into()],
        }
    }

    fn sheet(assessor: &str, ko_b: bool, total: i64) -> SheetFacts {
        SheetFacts {
            assessor: assessor.into(),
            knockout: BTreeMap::from([("ko_a".into(), true), ("ko_b".into(), ko_b)]).into(),
            points: BTreeMap::from([("w".into(), Points::whole(total))]).into(),
            total: Points::whole(total),
        }
    }

    fn app(r: &str, requested: &str, first: [i64; 2], fin: Option<[i64; 2]>) -> ApplicationInput {
        ApplicationInput {
            r#ref: r.into(),
            requested_total: Money::parse(requested).unwrap(),
            first_round: vec![sheet("x", true, first[0]), sheet("y", true, first[1])],
            final_round: fin
                .map(|f| vec![sheet("x", true, f[0]), sheet("y", true, f[1])])
                .unwrap_or_default(),
            knockout_decision: None,
            tie_decision: None,
        }
    }

    fn ground(input: &SelectionInput, r: &str) -> DecisionGround {
        of(input, &compute(input), r).unwrap()
    }

    /// Three invited, two awards; `d` fails a knock-out, `e` stays under the threshold.
    fn call(ceiling: &str) -> SelectionInput {
        let mut d = app("d", "100", [90, 90], None);
        d.first_round = vec![sheet("x", false, 90), sheet("y", false, 90)];
        SelectionInput {
            settings: settings(2, ceiling),
            applications: vec![
                app("a", "600", [80, 80], Some([90, 90])),
                app("b", "400", [70, 70], Some([80, 81])),
                app("c", "500", [60, 60], Some([60, 61])),
                d,
                app("e", "100", [49, 50], None),
            ],
            manual_allocation: None,
        }
    }

    #[test]
    fn a_knockout_not_met_names_the_criterion() {
        let g = ground(&call("1000"), "d");
        assert_eq!(
            g.ground,
            Ground::KnockoutNotMet { criteria: vec!["ko_b".into()], decided_reason: None }
        );
        assert_eq!(g.ground.kind(), "knockout_not_met");
    }

    #[test]
    fn a_split_knockout_settled_as_failed_names_the_split_criterion_and_the_reason() {
        let mut input = call("1000");
        input.applications[3].first_round = vec![sheet("x", false, 90), sheet("y", true, 90)];
        input.applications[3].knockout_decision = Some(RecordedKnockout {
            verdict: KnockoutVerdict::Failed,
            reason: "niet aangetoond".into(),
        });
        let g = ground(&input, "d");
        assert_eq!(
            g.ground,
            Ground::KnockoutNotMet {
                criteria: vec!["ko_b".into()],
                decided_reason: Some("niet aangetoond".into())
            }
        );
    }

    #[test]
    fn under_the_threshold_with_its_figures() {
        let g = ground(&call("1000"), "e");
        assert_eq!(
            g.ground,
            Ground::BelowThreshold {
                score: Points::parse("49.50").unwrap(),
                threshold: Points::whole(50)
            }
        );
    }

    #[test]
    fn under_the_ceiling_rank_beyond_the_awards() {
        // a and b request 1000 together, the ceiling is 2000: the ceiling decided nothing.
        let g = ground(&call("2000"), "c");
        assert_eq!(
            g.ground,
            Ground::RankBeyondAwards {
                rank: 3,
                max_awards: 2,
                final_score: Points::parse("60.50").unwrap(),
                last_awarded: Some((2, Points::parse("80.50").unwrap()))
            }
        );
        assert_eq!(
            ground(&call("2000"), "a").partial_refusal,
            None,
            "everything awarded as requested"
        );
    }

    #[test]
    fn the_ceiling_where_it_was_reached() {
        // a and b request 1000 together, the ceiling is 800.
        let g = ground(&call("800"), "c");
        let Ground::CeilingReached { rank, ceiling, .. } = &g.ground else {
            panic!("{:?}", g.ground)
        };
        assert_eq!(*rank, 3);
        assert_eq!(ceiling.requested_awarded, Money::parse("1000").unwrap());
        assert_eq!(ceiling.ceiling, Money::parse("800").unwrap());
        assert_eq!(ceiling.division, Division::ProRataWholeEuros);
    }

    #[test]
    fn a_partial_refusal_where_the_allocation_is_below_the_request() {
        let g = ground(&call("800"), "a");
        assert!(matches!(
            g.ground,
            Ground::Awarded { rank: 1, max_awards: 2, tie_reason: None, .. }
        ));
        let p = g.partial_refusal.unwrap();
        assert_eq!(
            (p.requested, p.allocated, p.refused),
            (
                Money::parse("600").unwrap(),
                Money::parse("480").unwrap(),
                Money::parse("120").unwrap()
            )
        );
    }

    #[test]
    fn a_manual_division_carries_its_reason() {
        let mut input = call("800");
        input.settings.allocation_policy = AllocationPolicy::Manual;
        input.manual_allocation = Some(crate::domain::selection::ManualAllocation {
            amounts: BTreeMap::from([
                ("a".to_string(), Money::parse("500").unwrap()),
                ("b".to_string(), Money::parse("300").unwrap()),
            ]),
            reason: "schaal".into(),
        });
        let p = ground(&input, "b").partial_refusal.unwrap();
        assert_eq!(p.ceiling.division, Division::Manual { reason: "schaal".into() });
        assert_eq!(p.refused, Money::parse("100").unwrap());
    }

    #[test]
    fn tie_settled() {
        let mut input = call("5000");
        input.applications[2] = app("c", "500", [60, 60], Some([80, 81]));
        let r = compute(&input);
        assert!(of(&input, &r, "c").is_none(), "no ground while the tie waits for a decision");
        input.applications[1].tie_decision =
            Some(RecordedTie { award: true, reason: "sterker addendum".into() });
        input.applications[2].tie_decision =
            Some(RecordedTie { award: false, reason: "sterker addendum".into() });
        let g = ground(&input, "c");
        assert_eq!(
            g.ground,
            Ground::TieSettled {
                rank: 2,
                max_awards: 2,
                final_score: Points::parse("80.50").unwrap(),
                reason: "sterker addendum".into()
            }
        );
        let b = ground(&input, "b");
        assert!(
            matches!(b.ground, Ground::Awarded { rank: 2, tie_reason: Some(ref t), .. } if t == "sterker addendum")
        );
    }

    #[test]
    fn motivations_that_carry_nothing_are_named() {
        assert_eq!(motivation_problem(""), Some("empty"));
        assert_eq!(motivation_problem("   "), Some("empty"));
        assert_eq!(
            motivation_problem("Zie beoordelingsformulier."),
            Some("only a reference elsewhere")
        );
        assert_eq!(motivation_problem("zie boven"), Some("only a reference elsewhere"));
        assert_eq!(motivation_problem("Voldoet niet."), Some("too short"));
        assert_eq!(
            motivation_problem(
                "Uit de aanvraag blijkt niet dat het veiligheidsteam een jurist heeft."
            ),
            None
        );
    }
}
