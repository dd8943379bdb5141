//! Spending against the grant.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::domain::money::Money;

/// Money that may be negative: a remainder after overspending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub granted: Money,
    pub realised: Money,
    /// `granted − realised`; negative when overspent.
    pub remaining: Money,
    pub overspent: bool,
}

impl Balance {
    pub fn new(granted: Money, realised: Money) -> Balance {
        let remaining = granted - realised;
        Balance { granted, realised, remaining, overspent: remaining.is_negative() }
    }

    /// The overspend as a positive amount, if any.
    pub fn overspend(&self) -> Option<Money> {
        self.overspent.then(|| Money::ZERO - self.remaining)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearSpending {
    pub year: i32,
    /// The grant part of the year's accepted annual plan; `None` without one.
    pub budgeted: Option<Money>,
    /// Costs realised in the year's accepted reports.
    pub realised: Money,
    /// `budgeted − realised`, when there is a budget.
    pub remaining_in_year: Option<Money>,
    pub over_year_budget: bool,
    /// What is left of the whole grant at the end of this year.
    pub grant_remaining_after: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spending {
    pub total: Balance,
    pub years: Vec<YearSpending>,
}

/// Granted vs. realised vs. remaining, per year and over the whole grant, exactly.
pub fn spending(
    grant_total: Money,
    budgets: &BTreeMap<i32, Money>,
    realised_by_year: &BTreeMap<i32, Money>,
) -> Spending {
    let years: BTreeSet<i32> = budgets.keys().chain(realised_by_year.keys()).copied().collect();
    let mut left = grant_total;
    let mut out = Vec::new();
    for y in years {
        let realised = realised_by_year.get(&y).copied().unwrap_or(Money::ZERO);
        let budgeted = budgets.get(&y).copied();
        let remaining_in_year = budgeted.map(|b| b - realised);
        left = left - realised;
        out.push(YearSpending {
            year: y,
            budgeted,
            realised,
            remaining_in_year,
            over_year_budget: remaining_in_year.is_some_and(|r| r.is_negative()),
            grant_remaining_after: left,
        });
    }
    let realised_total: Money = realised_by_year.values().copied().sum();
    Spending { total: Balance::new(grant_total, realised_total), years: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spending_shows_overspend() {
        let m = |s: &str| Money::parse(s).unwrap();
        let s = spending(
            m("1000.00"),
            &BTreeMap::from([(2023, m("600.00"))]),
            &BTreeMap::from([(2023, m("700.00")), (2024, m("400.50"))]),
        );
        assert_eq!(s.total.remaining.to_string(), "-100.50");
        assert!(s.total.overspent);
        assert_eq!(s.total.overspend(), Some(m("100.50")));
        assert!(s.years[0].over_year_budget);
        assert_eq!(s.years[1].grant_remaining_after.to_string(), "-100.50");
    }
}
