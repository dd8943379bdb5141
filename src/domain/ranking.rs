//! Selection: first-round decisions, the final ranking and who gets an award.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::knockout::KnockoutVerdict;
use super::points::Points;

/// One application in the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked<K> {
    pub key: K,
    pub score: Points,
    pub rank: u32,
}

/// Highest score first, equal scores by key; standard competition ranking (1, 2, 2, 4).
pub fn competition_ranks<K: Clone + Ord>(scores: &[(K, Points)]) -> Vec<Ranked<K>> {
    let mut sorted: Vec<&(K, Points)> = scores.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut ranked: Vec<Ranked<K>> = Vec::with_capacity(sorted.len());
    for (position, (key, score)) in sorted.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some(prev) if prev.score == *score => prev.rank,
            _ => u32::try_from(position + 1).unwrap_or(u32::MAX),
        };
        ranked.push(Ranked { key: key.clone(), score: *score, rank });
    }
    ranked
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AwardDecision {
    Awarded,
    /// Tied at the last award place; staff decide with a recorded reason.
    TieNeedsDecision,
    NotAwarded,
}

impl AwardDecision {
    pub fn as_str(&self) -> &'static str {
        match self {
            AwardDecision::Awarded => "awarded",
            AwardDecision::TieNeedsDecision => "tie_needs_decision",
            AwardDecision::NotAwarded => "not_awarded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "awarded" => Some(AwardDecision::Awarded),
            "tie_needs_decision" => Some(AwardDecision::TieNeedsDecision),
            "not_awarded" => Some(AwardDecision::NotAwarded),
            _ => None,
        }
    }
}

/// The best `max_awards` are awarded. A group of equal scores that straddles the last award place
/// is `TieNeedsDecision` as a whole; a group that fits inside the places is awarded.
/// Works from the ranks, so the order of `ranked` does not matter; ranks must be competition ranks.
pub fn award_decisions<K: Clone>(ranked: &[Ranked<K>], max_awards: u32) -> Vec<(K, AwardDecision)> {
    // Competition ranks give a tie group the rank of its first place; its last place is
    // rank + size - 1.
    let mut group_size: BTreeMap<u32, u32> = BTreeMap::new();
    for r in ranked {
        *group_size.entry(r.rank).or_insert(0) += 1;
    }
    ranked
        .iter()
        .map(|r| {
            let size = group_size.get(&r.rank).copied().unwrap_or(1);
            let last_place = r.rank.saturating_add(size - 1);
            let decision = if r.rank > max_awards {
                AwardDecision::NotAwarded
            } else if last_place <= max_awards {
                AwardDecision::Awarded
            } else {
                AwardDecision::TieNeedsDecision
            };
            (r.key.clone(), decision)
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FirstRoundDecision {
    #[serde(rename = "invited_to_interview")]
    Invited,
    #[serde(rename = "rejected_knockout")]
    RejectedKnockout,
    #[serde(rename = "rejected_below_threshold")]
    RejectedBelowThreshold,
}

impl FirstRoundDecision {
    pub fn as_str(&self) -> &'static str {
        match self {
            FirstRoundDecision::Invited => "invited_to_interview",
            FirstRoundDecision::RejectedKnockout => "rejected_knockout",
            FirstRoundDecision::RejectedBelowThreshold => "rejected_below_threshold",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invited_to_interview" => Some(FirstRoundDecision::Invited),
            "rejected_knockout" => Some(FirstRoundDecision::RejectedKnockout),
            "rejected_below_threshold" => Some(FirstRoundDecision::RejectedBelowThreshold),
            _ => None,
        }
    }
}

/// The first-round outcome of one application. `knockout` is the verdict after any staff decision;
/// a knock-out still `NeedsDecision` cannot be decided on.
pub fn first_round_decision(
    knockout: KnockoutVerdict,
    score: Points,
    threshold: Points,
) -> Result<FirstRoundDecision, &'static str> {
    match knockout {
        KnockoutVerdict::NeedsDecision => Err("pending knock-out decision"),
        KnockoutVerdict::Failed => Ok(FirstRoundDecision::RejectedKnockout),
        KnockoutVerdict::Passed if score >= threshold => Ok(FirstRoundDecision::Invited),
        KnockoutVerdict::Passed => Ok(FirstRoundDecision::RejectedBelowThreshold),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Points {
        Points::parse(s).unwrap()
    }

    fn scores(list: &[(&'static str, &str)]) -> Vec<(&'static str, Points)> {
        list.iter().map(|(k, s)| (*k, p(s))).collect()
    }

    fn ranks(r: &[Ranked<&'static str>]) -> Vec<(&'static str, u32)> {
        r.iter().map(|r| (r.key, r.rank)).collect()
    }

    fn decisions(list: &[(&'static str, &str)], max: u32) -> Vec<(&'static str, &'static str)> {
        award_decisions(&competition_ranks(&scores(list)), max)
            .into_iter()
            .map(|(k, d)| (k, d.as_str()))
            .collect()
    }

    #[test]
    fn ties_in_the_middle_share_a_rank_and_skip_the_next() {
        let r =
            competition_ranks(&scores(&[("d", "70"), ("c", "80.5"), ("b", "80.5"), ("a", "90")]));
        assert_eq!(ranks(&r), [("a", 1), ("b", 2), ("c", 2), ("d", 4)]);
        assert_eq!(r[1].score, p("80.50"));
        assert!(competition_ranks::<&str>(&[]).is_empty());
    }

    #[test]
    fn tie_straddling_the_last_award_place_needs_a_decision() {
        let d = decisions(
            &[("a", "90"), ("b", "85"), ("c", "80"), ("d", "75"), ("e", "75"), ("f", "60")],
            4,
        );
        assert_eq!(
            d,
            [
                ("a", "awarded"),
                ("b", "awarded"),
                ("c", "awarded"),
                ("d", "tie_needs_decision"),
                ("e", "tie_needs_decision"),
                ("f", "not_awarded"),
            ]
        );
        // a group starting above the boundary and running past it is tied as a whole
        let d = decisions(&[("a", "90"), ("b", "80"), ("c", "80"), ("d", "80"), ("e", "70")], 2);
        assert_eq!(
            d,
            [
                ("a", "awarded"),
                ("b", "tie_needs_decision"),
                ("c", "tie_needs_decision"),
                ("d", "tie_needs_decision"),
                ("e", "not_awarded"),
            ]
        );
    }

    #[test]
    fn tie_inside_the_places_is_awarded() {
        let d = decisions(&[("a", "90"), ("b", "85"), ("c", "85"), ("d", "75"), ("e", "70")], 4);
        assert_eq!(
            d,
            [
                ("a", "awarded"),
                ("b", "awarded"),
                ("c", "awarded"),
                ("d", "awarded"),
                ("e", "not_awarded")
            ]
        );
        // the tie exactly filling the last places
        let d = decisions(&[("a", "90"), ("b", "85"), ("c", "85"), ("d", "70")], 3);
        assert_eq!(d, [("a", "awarded"), ("b", "awarded"), ("c", "awarded"), ("d", "not_awarded")]);
    }

    #[test]
    fn fewer_applications_than_places_are_all_awarded() {
        let d = decisions(&[("a", "60"), ("b", "60")], 4);
        assert_eq!(d, [("a", "awarded"), ("b", "awarded")]);
        let d = decisions(&[("a", "60")], 0);
        assert_eq!(d, [("a", "not_awarded")]);
    }

    #[test]
    fn first_round_needs_passed_knockout_and_threshold() {
        let t = p("50");
        assert_eq!(
            first_round_decision(KnockoutVerdict::Passed, p("50.00"), t),
            Ok(FirstRoundDecision::Invited)
        );
        assert_eq!(
            first_round_decision(KnockoutVerdict::Passed, p("49.99"), t),
            Ok(FirstRoundDecision::RejectedBelowThreshold)
        );
        assert_eq!(
            first_round_decision(KnockoutVerdict::Failed, p("90"), t),
            Ok(FirstRoundDecision::RejectedKnockout)
        );
        assert_eq!(
            first_round_decision(KnockoutVerdict::NeedsDecision, p("90"), t),
            Err("pending knock-out decision")
        );
        assert_eq!(
            FirstRoundDecision::parse("invited_to_interview"),
            Some(FirstRoundDecision::Invited)
        );
        assert_eq!(
            AwardDecision::parse("tie_needs_decision"),
            Some(AwardDecision::TieNeedsDecision)
        );
    }
}
