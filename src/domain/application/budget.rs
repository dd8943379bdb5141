//! The budget (*begroting*) of an application: its lines and their checks.

use serde::{Deserialize, Serialize};

use super::{MAX_BUDGET_LINES, MAX_DESCRIPTION_CHARS, too_long};
use crate::domain::call::SpendingPeriod;
use crate::domain::money::Money;
use crate::error::FieldError;

/// One line of the budget (*begroting*): costs of one calendar year and category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub year: i32,
    pub description: String,
    pub total_cost: Money,
    pub own_contribution: Money,
    pub requested: Money,
}

/// The three amounts of a line, once they parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAmounts {
    pub total_cost: Money,
    pub own_contribution: Money,
    pub requested: Money,
}

/// The problems of one budget line at `prefix` (e.g. `lines[0]`). `amounts` is `None` when an
/// amount did not parse (that problem is reported by the parser); the other fields are still
/// checked so that the client hears about everything at once.
pub fn line_problems(
    prefix: &str,
    year: i32,
    description: &str,
    amounts: Option<LineAmounts>,
    period: &SpendingPeriod,
) -> Vec<FieldError> {
    use chrono::Datelike;
    let mut errors = Vec::new();
    let (first, last) = (period.from.year(), period.to.year());
    if year < first || year > last {
        errors.push(FieldError::new(
            format!("{prefix}.year"),
            format!("the year must lie in the call's spending period ({first}–{last})"),
        ));
    }
    if description.trim().is_empty() {
        errors.push(FieldError::new(
            format!("{prefix}.description"),
            "a budget line needs a description",
        ));
    } else if too_long(description, MAX_DESCRIPTION_CHARS) {
        errors.push(FieldError::new(
            format!("{prefix}.description"),
            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    if let Some(a) = amounts {
        for (field, amount) in [
            ("total_cost", a.total_cost),
            ("own_contribution", a.own_contribution),
            ("requested", a.requested),
        ] {
            if amount.is_negative() {
                errors.push(FieldError::new(
                    format!("{prefix}.{field}"),
                    "an amount cannot be negative",
                ));
            }
        }
        // Name the amount that breaks `total_cost >= own_contribution + requested`: the own
        // contribution when it alone exceeds the cost, otherwise the requested amount.
        if a.own_contribution > a.total_cost {
            errors.push(FieldError::new(
                format!("{prefix}.own_contribution"),
                format!(
                    "the own contribution ({}) is more than the total cost ({})",
                    a.own_contribution, a.total_cost
                ),
            ));
        } else if a.own_contribution.checked_add(a.requested).is_none_or(|sum| sum > a.total_cost) {
            errors.push(FieldError::new(
                format!("{prefix}.requested"),
                format!(
                    "the requested amount ({}) is more than the total cost ({}) minus the own contribution ({})",
                    a.requested, a.total_cost, a.own_contribution
                ),
            ));
        }
    }
    errors
}

/// Checks a whole budget of parsed lines; fields are `{prefix}[i].…`.
pub fn budget_problems(
    prefix: &str,
    lines: &[BudgetLine],
    period: &SpendingPeriod,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if lines.len() > MAX_BUDGET_LINES {
        errors.push(FieldError::new(prefix, format!("at most {MAX_BUDGET_LINES} lines")));
    }
    for (i, l) in lines.iter().enumerate() {
        let amounts = LineAmounts {
            total_cost: l.total_cost,
            own_contribution: l.own_contribution,
            requested: l.requested,
        };
        errors.extend(line_problems(
            &format!("{prefix}[{i}]"),
            l.year,
            &l.description,
            Some(amounts),
            period,
        ));
    }
    errors
}

/// The amount the region asks for: the sum of `requested` over the lines. Never sent by a client.
pub fn requested_total(lines: &[BudgetLine]) -> Money {
    lines.iter().map(|l| l.requested).sum()
}
