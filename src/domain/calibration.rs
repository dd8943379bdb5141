//! Calibration figures for programme staff: how assessors' scores spread, which assessors score
//! strictly or leniently, and which applications need a consensus talk.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::points::Points;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionStats {
    /// Rounded half-up to two decimals.
    pub mean: Points,
    /// The middle value; for an even count the mean of the two middle ones, half-up to two
    /// decimals.
    pub median: Points,
    /// Highest minus lowest.
    pub spread: Points,
}

fn difference(a: Points, b: Points) -> Points {
    Points::from_decimal(a.as_decimal() - b.as_decimal())
}

/// Mean, median and spread of the values given on one criterion (or of sheet totals); `None`
/// for no values.
pub fn criterion_stats(values: &[Points]) -> Option<CriterionStats> {
    criterion_stats_sorting(&mut values.to_vec())
}

/// [`criterion_stats`] of values whose order the caller no longer needs: sorted in place (the
/// same stable sort), not copied. The outcome's computation takes it per criterion and
/// application, so a call of 10,000 applications makes no vector for it.
pub fn criterion_stats_sorting(sorted: &mut [Points]) -> Option<CriterionStats> {
    let mean = Points::mean_half_up(sorted)?;
    sorted.sort();
    let n = sorted.len();
    let median =
        if n % 2 == 1 { sorted[n / 2] } else { Points::mean_half_up(&sorted[n / 2 - 1..=n / 2])? };
    let spread = difference(sorted[n - 1], sorted[0]);
    Some(CriterionStats { mean, median, spread })
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Per assessor, the mean over the applications they scored of (their total − the mean of the other
/// assessors' totals on that application), rounded half-up to two decimals. Negative means stricter
/// than the others. `totals` is per application the sheet total per assessor. Applications an
/// assessor scored alone are skipped; an assessor with nothing to compare is absent.
pub fn assessor_deviation<App: Ord, Assessor: Ord + Clone>(
    totals: &BTreeMap<App, BTreeMap<Assessor, Points>>,
) -> BTreeMap<Assessor, Points> {
    // Per assessor the deviations as fractions (numerator, denominator = number of others), so
    // the mean is formed with one single division and rounds exactly at .005.
    let mut fractions: BTreeMap<Assessor, Vec<(Decimal, u64)>> = BTreeMap::new();
    for by_assessor in totals.values() {
        let n = by_assessor.len() as u64;
        if n < 2 {
            continue;
        }
        let sum: Decimal = by_assessor.values().map(Points::as_decimal).sum();
        let others = n - 1;
        for (assessor, own) in by_assessor {
            // own − (sum − own)/others = (own × others − (sum − own)) / others
            let numerator = own.as_decimal() * Decimal::from(others) - (sum - own.as_decimal());
            fractions.entry(assessor.clone()).or_default().push((numerator, others));
        }
    }
    fractions
        .into_iter()
        .map(|(assessor, parts)| {
            let lcm = parts.iter().fold(1_u64, |l, (_, d)| l / gcd(l, *d) * d);
            let numerator: Decimal =
                parts.iter().map(|(num, d)| *num * Decimal::from(lcm / d)).sum();
            let denominator = Decimal::from(lcm) * Decimal::from(parts.len() as u64);
            let mean = (numerator / denominator)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            (assessor, Points::from_decimal(mean))
        })
        .collect()
}

/// An application needs a consensus talk when its sheet totals differ by more than the limit, or
/// the sheets disagree on a knock-out criterion.
pub fn disagreement(totals: &[Points], spread_limit: Points, split_knockout: bool) -> bool {
    spread_disagrees(criterion_stats(totals).map(|s| s.spread), spread_limit, split_knockout)
}

/// [`disagreement`] of totals whose spread is known (`None` without totals).
pub fn spread_disagrees(
    spread: Option<Points>,
    spread_limit: Points,
    split_knockout: bool,
) -> bool {
    split_knockout || spread.is_some_and(|s| s > spread_limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Points {
        Points::parse(s).unwrap()
    }

    fn ps(list: &[&str]) -> Vec<Points> {
        list.iter().map(|s| p(s)).collect()
    }

    #[test]
    fn stats_of_a_criterion() {
        let s = criterion_stats(&ps(&["8", "5", "6"])).unwrap();
        assert_eq!(s.mean.to_string(), "6.33");
        assert_eq!(s.median, p("6"));
        assert_eq!(s.spread, p("3"));

        let s = criterion_stats(&ps(&["8", "5", "6", "9"])).unwrap();
        assert_eq!(s.mean, p("7"));
        assert_eq!(s.median, p("7"));
        assert_eq!(s.spread, p("4"));

        assert_eq!(criterion_stats(&[]), None);
    }

    #[test]
    fn mean_and_median_round_half_up_at_half_a_cent() {
        // (50.01 + 50.00) / 2 = 50.005 -> 50.01, not banker's 50.00
        let s = criterion_stats(&ps(&["50.01", "50"])).unwrap();
        assert_eq!(s.mean.to_string(), "50.01");
        assert_eq!(s.median.to_string(), "50.01");
        assert_eq!(Points::mean_half_up(&ps(&["0.01", "0"])).unwrap().to_string(), "0.01");
    }

    #[test]
    fn deviation_is_signed_and_skips_lone_sheets() {
        let mut totals: BTreeMap<&str, BTreeMap<&str, Points>> = BTreeMap::new();
        totals.insert("app1", [("ann", p("80")), ("bob", p("70")), ("cas", p("60"))].into());
        totals.insert("app2", [("ann", p("90")), ("bob", p("80"))].into());
        totals.insert("app3", [("dirk", p("99"))].into());
        let d = assessor_deviation(&totals);
        // ann: app1 80 − 65 = 15, app2 90 − 80 = 10 → 12.50
        assert_eq!(d["ann"], p("12.5"));
        // bob: app1 70 − 70 = 0, app2 80 − 90 = −10 → −5
        assert_eq!(d["bob"].to_string(), "-5.00");
        // cas: 60 − 75 = −15
        assert_eq!(d["cas"], Points::from_decimal(Decimal::from(-15)));
        assert!(!d.contains_key("dirk"));
    }

    #[test]
    fn deviation_rounds_half_up_exactly() {
        // ann: 1 − (0 + 0)/2 = 1 on app1; 0 − (0+0+0.01)/3 = −0.00333.. on app2;
        // mean = (1 − 1/300)/2 = 0.49833.. → 0.50
        let mut totals: BTreeMap<&str, BTreeMap<&str, Points>> = BTreeMap::new();
        totals.insert("app1", [("ann", p("1")), ("bob", p("0")), ("cas", p("0"))].into());
        totals.insert(
            "app2",
            [("ann", p("0")), ("bob", p("0")), ("cas", p("0")), ("dee", p("0.01"))].into(),
        );
        assert_eq!(assessor_deviation(&totals)["ann"].to_string(), "0.50");
        // dee: 0.01 − 0 = 0.01 on app2 alone
        assert_eq!(assessor_deviation(&totals)["dee"].to_string(), "0.01");
        // exactly −0.005 rounds away from zero
        let mut totals: BTreeMap<&str, BTreeMap<&str, Points>> = BTreeMap::new();
        totals.insert("app1", [("ann", p("0")), ("bob", p("0.01"))].into());
        totals.insert("app2", [("ann", p("0")), ("bob", p("0"))].into());
        assert_eq!(assessor_deviation(&totals)["ann"].to_string(), "-0.01");
    }

    #[test]
    fn disagreement_on_spread_or_split_knockout() {
        let limit = p("15");
        assert!(!disagreement(&ps(&["70", "85"]), limit, false));
        assert!(disagreement(&ps(&["70", "85.01"]), limit, false));
        assert!(disagreement(&ps(&["70", "70"]), limit, true));
        assert!(!disagreement(&[], limit, false));
    }
}
