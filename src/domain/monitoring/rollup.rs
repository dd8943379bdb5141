//! How figures roll up from finer periods to coarser ones.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::catalogue::{Metric, RollUp};
use super::period::{Life, Period};

/// One figure: a count, or a share in percent with one decimal (`None` when the denominator is
/// zero or a count is missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FigureValue {
    Count(i64),
    Share(Option<Decimal>),
}

impl FigureValue {
    /// As written in documents: `175`, `13,4 %`, `–`.
    pub fn to_dutch(&self) -> String {
        match self {
            FigureValue::Count(n) => dutch_int(*n),
            FigureValue::Share(Some(d)) => format!("{} %", d.to_string().replace('.', ",")),
            FigureValue::Share(None) => "–".into(),
        }
    }

    pub fn to_plain(&self) -> String {
        match self {
            FigureValue::Count(n) => n.to_string(),
            FigureValue::Share(Some(d)) => d.to_string(),
            FigureValue::Share(None) => String::new(),
        }
    }
}

/// A whole number with Dutch thousands separators: `1.234`.
pub fn dutch_int(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A share in percent, half-up to one decimal.
pub fn share(numerator: i64, denominator: i64) -> Option<Decimal> {
    if denominator <= 0 {
        return None;
    }
    let v = Decimal::from(numerator) * Decimal::from(100) / Decimal::from(denominator);
    let mut r = v.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(1);
    Some(r)
}

/// The figures of one set of counts, with every share recomputed; metrics without a count are
/// left out (not reported is not zero).
pub fn figures_of(
    catalogue: &[Metric],
    counts: &BTreeMap<String, i64>,
) -> BTreeMap<String, FigureValue> {
    let mut out = BTreeMap::new();
    for m in catalogue {
        match &m.rollup {
            RollUp::Sum => {
                if let Some(v) = counts.get(&m.key) {
                    out.insert(m.key.clone(), FigureValue::Count(*v));
                }
            }
            RollUp::Share { numerator, denominator } => {
                if let (Some(n), Some(d)) = (counts.get(numerator), counts.get(denominator)) {
                    out.insert(m.key.clone(), FigureValue::Share(share(*n, *d)));
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolledUp {
    pub period: Period,
    /// The reports that went into it, finest first.
    pub from_periods: Vec<Period>,
    /// Their periods together make up the whole period.
    pub complete: bool,
    /// The quarters not covered by any report.
    pub missing_quarters: Vec<Period>,
    pub counts: BTreeMap<String, i64>,
    pub figures: BTreeMap<String, FigureValue>,
}

impl RolledUp {
    /// Quarters outside the proeftuin's life are not missing: nothing was to be reported there.
    pub fn within(mut self, life: &Life) -> RolledUp {
        self.missing_quarters.retain(|q| life.touches(q));
        self.complete = self.missing_quarters.is_empty();
        self
    }
}

/// The figures of `target` from the reports inside it (`reports` must not overlap each other,
/// which the service guarantees). Reports outside `target` or straddling it are ignored.
pub fn roll_up(
    catalogue: &[Metric],
    reports: &[(Period, BTreeMap<String, i64>)],
    target: Period,
) -> RolledUp {
    let mut inside: Vec<&(Period, BTreeMap<String, i64>)> =
        reports.iter().filter(|(p, _)| p.within(&target)).collect();
    inside.sort_by_key(|(p, _)| p.sort_key());
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for (_, figures) in &inside {
        for (k, v) in figures {
            *counts.entry(k.clone()).or_insert(0) += v;
        }
    }
    let covered: BTreeSet<Period> = inside.iter().flat_map(|(p, _)| p.quarters()).collect();
    let missing_quarters: Vec<Period> =
        target.quarters().into_iter().filter(|q| !covered.contains(q)).collect();
    RolledUp {
        period: target,
        from_periods: inside.iter().map(|(p, _)| *p).collect(),
        complete: missing_quarters.is_empty(),
        missing_quarters,
        figures: figures_of(catalogue, &counts),
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::testing::*;

    #[test]
    fn roll_up_sums_counts_and_recomputes_shares() {
        let c = catalogue();
        let reports = vec![
            (
                p("2024-Q1"),
                counts(&[
                    ("cases_discussed", 50),
                    ("households_without_children", 1),
                    ("registrations", 3),
                ]),
            ),
            (
                p("2024-Q2"),
                counts(&[
                    ("cases_discussed", 46),
                    ("households_without_children", 0),
                    ("registrations", 7),
                ]),
            ),
            (p("2024-H2"), counts(&[("cases_discussed", 79)])),
        ];
        let h1 = roll_up(&c, &reports, p("2024-H1"));
        assert!(h1.complete);
        assert_eq!(h1.figures["cases_discussed"], FigureValue::Count(96));
        // 1 of 10, not the mean of 33.3 % and 0 %.
        assert_eq!(h1.figures["share"], FigureValue::Share(Some("10.0".parse().unwrap())));
        let year = roll_up(&c, &reports, p("2024"));
        assert!(year.complete);
        assert_eq!(year.figures["cases_discussed"], FigureValue::Count(175));
        assert_eq!(year.from_periods, vec![p("2024-Q1"), p("2024-Q2"), p("2024-H2")]);
        let partial = roll_up(&c, &reports[..1], p("2024"));
        assert!(!partial.complete);
        assert_eq!(partial.missing_quarters.len(), 3);
        assert_eq!(share(2, 3), Some("66.7".parse().unwrap()));
        assert_eq!(share(1, 0), None);
    }
}
