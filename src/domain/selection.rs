//! The whole outcome of a call, computed from its inputs alone: sheets, recorded decisions and
//! the call's settings. The same function serves the live results, the frozen outcome (recomputed
//! from its snapshot) and what-if recomputations, so they can never disagree.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::allocation::{self, Allocation};
use super::calibration::{self, CriterionStats};
use super::call::{AllocationPolicy, CallDefinition};
use super::decision::Decision;
use super::knockout::{self, KnockoutOutcome, KnockoutVerdict};
use super::money::Money;
use super::points::Points;
use super::ranking::{self, AwardDecision, FirstRoundDecision};

/// A criterion's id or an assessor's name as the computation keys by it: shared, not copied, and
/// written as a plain string.
pub type Key = Arc<str>;

/// Bumped whenever a rule below changes, so a frozen outcome says which rules made it.
pub const RULE_VERSION: &str = "tuinier-selection-1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub budget_ceiling: Money,
    pub max_awards: u32,
    pub interview_threshold: Points,
    pub allocation_policy: AllocationPolicy,
    pub disagreement_spread: i64,
    /// The criteria's ids, shared by every sheet's and figure's key (a computation at 10,000
    /// applications made a million copies of them).
    pub knockout_criteria: Vec<Key>,
    pub weighted_criteria: Vec<Key>,
}

impl Settings {
    pub fn of(call: &CallDefinition) -> Settings {
        Settings {
            budget_ceiling: call.budget_ceiling,
            max_awards: call.max_awards,
            interview_threshold: call.interview_threshold,
            allocation_policy: call.allocation_policy,
            disagreement_spread: call.disagreement_spread,
            knockout_criteria: call
                .knockout_criteria
                .iter()
                .map(|k| Key::from(k.id.as_str()))
                .collect(),
            weighted_criteria: call
                .weighted_criteria
                .iter()
                .map(|w| Key::from(w.id.as_str()))
                .collect(),
        }
    }
}

/// One submitted sheet, reduced to what the outcome depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetFacts {
    pub assessor: Key,
    /// Shared with the kept facts of the sheet (see `sheet_facts`), not copied per computation.
    pub knockout: Arc<BTreeMap<Key, bool>>,
    pub points: Arc<BTreeMap<Key, Points>>,
    pub total: Points,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedKnockout {
    pub verdict: KnockoutVerdict,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedTie {
    pub award: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationInput {
    pub r#ref: String,
    pub requested_total: Money,
    pub first_round: Vec<SheetFacts>,
    pub final_round: Vec<SheetFacts>,
    pub knockout_decision: Option<RecordedKnockout>,
    pub tie_decision: Option<RecordedTie>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualAllocation {
    pub amounts: BTreeMap<String, Money>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionInput {
    pub settings: Settings,
    pub applications: Vec<ApplicationInput>,
    pub manual_allocation: Option<ManualAllocation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundFigures {
    /// The mean of the sheets' totals, half-up to two decimals.
    pub score: Points,
    pub sheets: usize,
    /// Per weighted criterion: mean, median and spread over the assessors.
    pub criteria: BTreeMap<Key, CriterionStats>,
    /// Highest minus lowest sheet total.
    pub spread: Points,
    /// Flagged for a consensus talk: totals too far apart, or a split knock-out.
    pub disagreement: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationResult {
    pub r#ref: String,
    pub requested_total: Money,
    /// `None` until first-round sheets exist.
    pub knockout: Option<KnockoutOutcome>,
    pub knockout_decided: Option<KnockoutVerdict>,
    pub first_round: Option<RoundFigures>,
    /// `None` while the knock-out verdict awaits a decision, or without sheets.
    pub first_round_decision: Option<FirstRoundDecision>,
    pub final_round: Option<RoundFigures>,
    pub rank: Option<u32>,
    /// Tied at the last award place (before or after staff settled it).
    pub tied_at_last_place: bool,
    /// `None` while not decided (serialised as `awarded`, `not_awarded`, … as before).
    pub decision: Option<Decision>,
    pub allocated: Option<Money>,
}

impl ApplicationResult {
    pub fn invited(&self) -> bool {
        self.first_round_decision == Some(FirstRoundDecision::Invited)
    }

    pub fn awarded(&self) -> bool {
        self.decision == Some(Decision::Awarded)
    }
}

/// What blocks a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Pending {
    KnockoutDecision(String),
    TieDecision(Vec<String>),
    FinalScore(String),
    ManualAllocation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectionResult {
    pub rule_version: &'static str,
    pub applications: Vec<ApplicationResult>,
    /// Highest final score first; equal scores by ref.
    pub awarded_in_rank_order: Vec<String>,
    /// The allocation in force: the manual one if staff set it, otherwise the call's policy.
    pub allocation_policy: AllocationPolicy,
    pub allocated_total: Money,
    pub unallocated: Money,
    /// The pro-rata allocation, shown beside a manual one for comparison.
    pub pro_rata_preview: Option<Allocation<String>>,
    pub first_round_pending: Vec<Pending>,
    pub final_pending: Vec<Pending>,
}

fn round_figures(
    sheets: &[SheetFacts],
    settings: &Settings,
    split_knockout: bool,
) -> Option<RoundFigures> {
    let mut totals: Vec<Points> = sheets.iter().map(|s| s.total).collect();
    let score = Points::mean_half_up(&totals)?;
    // One buffer for every criterion's values, sorted in place for their median.
    let mut values = Vec::with_capacity(sheets.len());
    let criteria = settings
        .weighted_criteria
        .iter()
        .filter_map(|id| {
            values.clear();
            values.extend(sheets.iter().filter_map(|s| s.points.get(id).copied()));
            calibration::criterion_stats_sorting(&mut values).map(|stats| (id.clone(), stats))
        })
        .collect();
    // The totals' spread once, for the figures and for the disagreement.
    let spread = calibration::criterion_stats_sorting(&mut totals).map(|s| s.spread);
    let limit = Points::whole(settings.disagreement_spread);
    let disagreement = calibration::spread_disagrees(spread, limit, split_knockout);
    let spread = spread.unwrap_or(Points::ZERO);
    Some(RoundFigures { score, sheets: sheets.len(), criteria, spread, disagreement })
}

pub fn compute(input: &SelectionInput) -> SelectionResult {
    let mut first_round_pending = Vec::new();
    let mut final_pending = Vec::new();
    let mut results = first_round(input, &mut first_round_pending);
    let ranked = final_round(input, &mut results, &mut final_pending);
    let allocated = allocate(input, &ranked, &mut results, &mut final_pending);
    let Allocated { awarded, policy, allocated_total, unallocated, pro_rata } = allocated;
    SelectionResult {
        rule_version: RULE_VERSION,
        awarded_in_rank_order: awarded.into_iter().map(|(k, _)| k).collect(),
        applications: results,
        allocation_policy: policy,
        allocated_total,
        unallocated,
        pro_rata_preview: (policy == AllocationPolicy::Manual).then_some(pro_rata),
        first_round_pending,
        final_pending,
    }
}

/// First round: knock-out verdicts, scores, invitations.
fn first_round(
    input: &SelectionInput,
    first_round_pending: &mut Vec<Pending>,
) -> Vec<ApplicationResult> {
    let settings = &input.settings;
    let criteria = &settings.knockout_criteria;
    input
        .applications
        .iter()
        .map(|app| {
            let knockout = (!app.first_round.is_empty()).then(|| {
                let maps: Vec<&BTreeMap<Key, bool>> =
                    app.first_round.iter().map(|s| &*s.knockout).collect();
                knockout::knockout_verdict(criteria, &maps)
            });
            let split = knockout.as_ref().is_some_and(|k| !k.split_criteria.is_empty());
            let first_round = round_figures(&app.first_round, settings, split);
            let knockout_decided = match (&knockout, &app.knockout_decision) {
                (Some(k), Some(d)) if k.verdict == KnockoutVerdict::NeedsDecision => {
                    Some(d.verdict)
                }
                _ => None,
            };
            let effective = knockout_decided.or(knockout.as_ref().map(|k| k.verdict));
            let first_round_decision = match (effective, &first_round) {
                (Some(v), Some(fr)) => {
                    match ranking::first_round_decision(v, fr.score, settings.interview_threshold) {
                        Ok(d) => Some(d),
                        Err(_) => {
                            first_round_pending.push(Pending::KnockoutDecision(app.r#ref.clone()));
                            None
                        }
                    }
                }
                _ => None,
            };
            let decision = first_round_decision.and_then(Decision::of_first_round);
            ApplicationResult {
                r#ref: app.r#ref.clone(),
                requested_total: app.requested_total,
                knockout,
                knockout_decided,
                first_round,
                first_round_decision,
                final_round: None,
                rank: None,
                tied_at_last_place: false,
                decision,
                allocated: None,
            }
        })
        .collect()
}

/// Final round: the invited applications, re-scored, ranked and decided (a tie at the last
/// place waits for staff).
fn final_round(
    input: &SelectionInput,
    results: &mut [ApplicationResult],
    final_pending: &mut Vec<Pending>,
) -> Vec<ranking::Ranked<String>> {
    let settings = &input.settings;
    let mut scored: Vec<(String, Points)> = Vec::new();
    for (app, result) in input.applications.iter().zip(results.iter_mut()) {
        if !result.invited() {
            continue;
        }
        result.final_round = round_figures(&app.final_round, settings, false);
        match &result.final_round {
            Some(fr) => scored.push((app.r#ref.clone(), fr.score)),
            None => final_pending.push(Pending::FinalScore(app.r#ref.clone())),
        }
    }
    let ranked = ranking::competition_ranks(&scored);
    let awards = ranking::award_decisions(&ranked, settings.max_awards);
    // Looked up, not scanned: at 10,000 applications with 1,000 invited a scan per ranked line
    // compared ten million refs.
    let position = positions(results);
    let mut tied = Vec::new();
    for (r, (key, decision)) in ranked.iter().zip(&awards) {
        // `award_decisions` answers in the order of its input.
        debug_assert_eq!(*key, r.key);
        let decision = Some(*decision);
        let Some(&pos) = position.get(r.key.as_str()) else { continue };
        let app = &input.applications[pos];
        let result = &mut results[pos];
        result.rank = Some(r.rank);
        result.decision = Some(match decision {
            Some(AwardDecision::Awarded) => Decision::Awarded,
            Some(AwardDecision::NotAwarded) | None => Decision::NotAwarded,
            Some(AwardDecision::TieNeedsDecision) => {
                result.tied_at_last_place = true;
                match &app.tie_decision {
                    Some(t) if t.award => Decision::Awarded,
                    Some(_) => Decision::NotAwarded,
                    None => {
                        tied.push(app.r#ref.clone());
                        Decision::TieNeedsDecision
                    }
                }
            }
        });
    }
    if !tied.is_empty() {
        final_pending.push(Pending::TieDecision(tied));
    }
    ranked
}

/// Where each application's line stands in `results` (the order of the input), by ref.
fn positions(results: &[ApplicationResult]) -> HashMap<String, usize> {
    let mut at = HashMap::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        // The first line of a ref, as a scan would find it.
        at.entry(r.r#ref.clone()).or_insert(i);
    }
    at
}

/// What the allocation gives.
struct Allocated {
    awarded: Vec<(String, Points)>,
    policy: AllocationPolicy,
    allocated_total: Money,
    unallocated: Money,
    pro_rata: Allocation<String>,
}

/// Allocation over what is awarded now.
fn allocate(
    input: &SelectionInput,
    ranked: &[ranking::Ranked<String>],
    results: &mut [ApplicationResult],
    final_pending: &mut Vec<Pending>,
) -> Allocated {
    let settings = &input.settings;
    let position = positions(results);
    let line = |key: &str| position.get(key).copied();
    let mut awarded: Vec<(String, Points)> = ranked
        .iter()
        .filter(|r| line(&r.key).is_some_and(|i| results[i].decision == Some(Decision::Awarded)))
        .map(|r| (r.key.clone(), r.score))
        .collect();
    // Highest score first; equal scores by ref (the ranking already orders them so).
    awarded.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let requests: Vec<(String, Money)> = awarded
        .iter()
        .filter_map(|(k, _)| line(k).map(|i| (k.clone(), input.applications[i].requested_total)))
        .collect();
    let pro_rata = allocation::pro_rata_whole_euros(settings.budget_ceiling, &requests);
    let (policy, in_force) = match (&input.manual_allocation, settings.allocation_policy) {
        (Some(manual), _) => {
            let amounts: Vec<(String, Money)> =
                manual.amounts.iter().map(|(k, v)| (k.clone(), *v)).collect();
            match allocation::check_manual(settings.budget_ceiling, &requests, &amounts) {
                Ok(a) => (AllocationPolicy::Manual, Some(a)),
                Err(_) => {
                    // Amounts set before the awarded set changed no longer fit; staff set them
                    // again.
                    final_pending.push(Pending::ManualAllocation);
                    (AllocationPolicy::Manual, None)
                }
            }
        }
        (None, AllocationPolicy::Manual) => {
            final_pending.push(Pending::ManualAllocation);
            (AllocationPolicy::Manual, None)
        }
        (None, AllocationPolicy::ProRataWholeEuros) => {
            (AllocationPolicy::ProRataWholeEuros, Some(pro_rata.clone()))
        }
    };
    let (allocated_total, unallocated) = match &in_force {
        Some(a) => {
            for (k, amount) in &a.amounts {
                if let Some(i) = line(k) {
                    results[i].allocated = Some(*amount);
                }
            }
            (a.allocated_total, a.unallocated)
        }
        None => (Money::ZERO, settings.budget_ceiling),
    };
    Allocated { awarded, policy, allocated_total, unallocated, pro_rata }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max_awards: u32, ceiling: &str) -> Settings {
        Settings {
            budget_ceiling: Money::parse(ceiling).unwrap(),
            max_awards,
            interview_threshold: Points::whole(50),
            allocation_policy: AllocationPolicy::ProRataWholeEuros,
            disagreement_spread: 15,
            knockout_criteria: vec!["ko".into()],
            weighted_criteria: vec!["w".into()],
        }
    }

    fn sheet(assessor: &str, met: bool, total: i64) -> SheetFacts {
        SheetFacts {
            assessor: assessor.into(),
            knockout: BTreeMap::from([("ko".into(), met)]).into(),
            points: BTreeMap::from([("w".into(), Points::whole(total))]).into(),
            total: Points::whole(total),
        }
    }

    fn app(
        r: &str,
        requested: &str,
        first: Vec<SheetFacts>,
        fin: Vec<SheetFacts>,
    ) -> ApplicationInput {
        ApplicationInput {
            r#ref: r.into(),
            requested_total: Money::parse(requested).unwrap(),
            first_round: first,
            final_round: fin,
            knockout_decision: None,
            tie_decision: None,
        }
    }

    fn decision(r: &SelectionResult, key: &str) -> Option<String> {
        r.applications
            .iter()
            .find(|a| a.r#ref == key)
            .and_then(|a| a.decision)
            .map(|d| d.as_str().to_string())
    }

    #[test]
    fn a_whole_call_from_sheets_to_allocation() {
        let input = SelectionInput {
            settings: settings(2, "1000"),
            applications: vec![
                app(
                    "a",
                    "600",
                    vec![sheet("x", true, 80), sheet("y", true, 81)],
                    vec![sheet("x", true, 90), sheet("y", true, 90)],
                ),
                app(
                    "b",
                    "600",
                    vec![sheet("x", true, 70), sheet("y", true, 70)],
                    vec![sheet("x", true, 80), sheet("y", true, 81)],
                ),
                app(
                    "c",
                    "600",
                    vec![sheet("x", true, 60), sheet("y", true, 61)],
                    vec![sheet("x", true, 60), sheet("y", true, 60)],
                ),
                app("d", "600", vec![sheet("x", false, 90), sheet("y", false, 90)], vec![]),
                app("e", "600", vec![sheet("x", true, 49), sheet("y", true, 50)], vec![]),
            ],
            manual_allocation: None,
        };
        let r = compute(&input);
        assert_eq!(r.awarded_in_rank_order, ["a", "b"]);
        assert_eq!(decision(&r, "c").as_deref(), Some("not_awarded"));
        assert_eq!(decision(&r, "d").as_deref(), Some("rejected_knockout"));
        // 49.5 is below 50
        assert_eq!(decision(&r, "e").as_deref(), Some("rejected_below_threshold"));
        assert_eq!(r.applications[1].final_round.as_ref().unwrap().score.to_string(), "80.50");
        assert_eq!(r.applications[0].allocated.unwrap().to_string(), "500.00");
        assert_eq!(r.unallocated.to_string(), "0.00");
        assert!(r.first_round_pending.is_empty() && r.final_pending.is_empty());
    }

    #[test]
    fn a_split_knockout_waits_for_a_decision() {
        let mut input = SelectionInput {
            settings: settings(1, "1000"),
            applications: vec![app(
                "a",
                "100",
                vec![sheet("x", true, 80), sheet("y", false, 81)],
                vec![],
            )],
            manual_allocation: None,
        };
        let r = compute(&input);
        assert_eq!(r.first_round_pending, [Pending::KnockoutDecision("a".into())]);
        assert!(
            r.applications[0].first_round.as_ref().unwrap().disagreement,
            "a split knock-out is flagged"
        );
        input.applications[0].knockout_decision =
            Some(RecordedKnockout { verdict: KnockoutVerdict::Passed, reason: "ok".into() });
        let r = compute(&input);
        assert!(r.first_round_pending.is_empty());
        assert_eq!(r.applications[0].knockout_decided, Some(KnockoutVerdict::Passed));
        assert!(r.applications[0].invited());
    }

    #[test]
    fn a_tie_at_the_last_place_waits_then_follows_the_decision() {
        let mut input = SelectionInput {
            settings: settings(2, "1000"),
            applications: vec![
                app("a", "100", vec![sheet("x", true, 80)], vec![sheet("x", true, 90)]),
                app("b", "100", vec![sheet("x", true, 80)], vec![sheet("x", true, 70)]),
                app("c", "100", vec![sheet("x", true, 80)], vec![sheet("x", true, 70)]),
            ],
            manual_allocation: None,
        };
        let r = compute(&input);
        assert_eq!(r.final_pending, [Pending::TieDecision(vec!["b".into(), "c".into()])]);
        assert_eq!(decision(&r, "b").as_deref(), Some("tie_needs_decision"));
        assert_eq!(r.awarded_in_rank_order, ["a"]);
        input.applications[2].tie_decision =
            Some(RecordedTie { award: true, reason: "schaal".into() });
        input.applications[1].tie_decision =
            Some(RecordedTie { award: false, reason: "schaal".into() });
        let r = compute(&input);
        assert!(r.final_pending.is_empty());
        assert_eq!(r.awarded_in_rank_order, ["a", "c"]);
        assert!(r.applications[1].tied_at_last_place && r.applications[2].tied_at_last_place);
        assert_eq!(
            r.applications[2].allocated.unwrap().to_string(),
            "100.00",
            "requests under the ceiling are granted"
        );
        assert_eq!(r.unallocated.to_string(), "800.00");
    }

    #[test]
    fn a_manual_allocation_replaces_pro_rata_and_keeps_it_for_comparison() {
        let input = SelectionInput {
            settings: settings(2, "1000"),
            applications: vec![
                app("a", "800", vec![sheet("x", true, 80)], vec![sheet("x", true, 90)]),
                app("b", "800", vec![sheet("x", true, 80)], vec![sheet("x", true, 80)]),
            ],
            manual_allocation: Some(ManualAllocation {
                amounts: BTreeMap::from([
                    ("a".to_string(), Money::parse("600").unwrap()),
                    ("b".to_string(), Money::parse("400").unwrap()),
                ]),
                reason: "schaalgrootte".into(),
            }),
        };
        let r = compute(&input);
        assert_eq!(r.allocation_policy, AllocationPolicy::Manual);
        assert_eq!(r.applications[0].allocated.unwrap().to_string(), "600.00");
        assert_eq!(r.pro_rata_preview.unwrap().amounts[0].1.to_string(), "500.00");
    }

    #[test]
    fn inputs_round_trip_through_json_for_the_frozen_outcome() {
        let input = SelectionInput {
            settings: settings(1, "1000"),
            applications: vec![app(
                "a",
                "100.50",
                vec![sheet("x", true, 80)],
                vec![sheet("x", true, 90)],
            )],
            manual_allocation: None,
        };
        let json = serde_json::to_string(&input).unwrap();
        let back: SelectionInput = serde_json::from_str(&json).unwrap();
        assert_eq!(back, input);
        assert_eq!(compute(&back), compute(&input));
    }
}
