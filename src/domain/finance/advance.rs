//! Advances: each one a decision of its own, refused when it would take the advances above the
//! grant or above the schedule's share before settlement, or when a report it depends on is
//! overdue and staff recorded no reason.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::money::Money;
use crate::error::FieldError;

/// The share of the grant that may be advanced before the settlement when no schedule says
/// otherwise, in percent.
pub const DEFAULT_MAX_SHARE_PERCENT: u32 = 80;

/// The most that may be advanced before the settlement: `percent` of the grant, rounded down to
/// whole cents.
pub fn advance_limit(grant: Money, percent: u32) -> Money {
    let share = grant.as_decimal() * Decimal::from(percent.min(100)) / Decimal::from(100);
    let down = share.round_dp_with_strategy(2, RoundingStrategy::ToZero);
    Money::from_decimal(down).unwrap_or(Money::ZERO)
}

/// What an advance is checked against.
#[derive(Debug, Clone)]
pub struct AdvanceCheck<'a> {
    pub grant: Money,
    /// The advances decided before this one.
    pub advanced: Money,
    pub amount: Money,
    pub max_share_percent: u32,
    /// The report periods the advance depends on that are overdue (not accepted, due date
    /// passed), e.g. `["2023-H1"]`.
    pub overdue: &'a [String],
    pub overdue_reason: Option<&'a str>,
}

/// Every reason to refuse the advance, against its field; empty when it may be decided.
pub fn advance_problems(c: &AdvanceCheck<'_>) -> Vec<FieldError> {
    let mut out = Vec::new();
    if c.amount.is_zero() {
        out.push(FieldError::new("amount", "an advance is more than zero"));
        return out;
    }
    let total = c.advanced + c.amount;
    if total > c.grant {
        out.push(FieldError::new(
            "amount",
            format!(
                "this advance would take the advances to {total}, above the grant of {}",
                c.grant
            ),
        ));
    } else {
        let limit = advance_limit(c.grant, c.max_share_percent);
        if total > limit {
            out.push(FieldError::new(
                "amount",
                format!(
                    "this advance would take the advances to {total}, above the {}% of the grant \
                     ({limit}) the schedule allows before the settlement",
                    c.max_share_percent
                ),
            ));
        }
    }
    let reason = c.overdue_reason.map(str::trim).filter(|r| !r.is_empty());
    if !c.overdue.is_empty() && reason.is_none() {
        out.push(FieldError::new(
            "overdue_reason",
            format!(
                "the progress report over {} is overdue: record why the advance is paid anyway",
                c.overdue.join(", ")
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn check<'a>(advanced: &str, amount: &str, overdue: &'a [String]) -> AdvanceCheck<'a> {
        AdvanceCheck {
            grant: m("1000000.00"),
            advanced: m(advanced),
            amount: m(amount),
            max_share_percent: 80,
            overdue,
            overdue_reason: None,
        }
    }

    #[test]
    fn the_limit_is_the_share_rounded_down_to_cents() {
        assert_eq!(advance_limit(m("1000000.00"), 80), m("800000.00"));
        assert_eq!(advance_limit(m("1234.57"), 80), m("987.65"));
        assert_eq!(advance_limit(m("100.00"), 150), m("100.00"));
    }

    #[test]
    fn an_advance_up_to_the_limit_passes() {
        assert!(advance_problems(&check("400000.00", "400000.00", &[])).is_empty());
    }

    #[test]
    fn above_the_share_or_the_grant_is_refused() {
        let p = advance_problems(&check("400000.00", "400000.01", &[]));
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("80%"), "{}", p[0].message);
        let p = advance_problems(&check("900000.00", "100000.01", &[]));
        assert!(p[0].message.contains("above the grant"), "{}", p[0].message);
        assert_eq!(advance_problems(&check("0", "0", &[]))[0].field, "amount");
    }

    #[test]
    fn an_overdue_report_needs_a_reason() {
        let overdue = vec!["2023-H1".to_string()];
        let p = advance_problems(&check("0", "100.00", &overdue));
        assert_eq!(p[0].field, "overdue_reason");
        let mut c = check("0", "100.00", &overdue);
        c.overdue_reason = Some("  ");
        assert_eq!(advance_problems(&c).len(), 1);
        c.overdue_reason = Some("De rapportage is mondeling toegelicht.");
        assert!(advance_problems(&c).is_empty());
    }
}
