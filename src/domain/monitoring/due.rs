//! Due dates of annual plans and progress reports.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::period::Period;
use crate::error::FieldError;

pub const DEFAULT_REPORT_DUE_WEEKS: u32 = 6;
pub const DEFAULT_REMINDER_DAYS_BEFORE: u32 = 14;
/// `MM-DD` of the year before the plan's year.
pub const DEFAULT_ANNUAL_PLAN_DUE: &str = "12-01";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueSettings {
    pub annual_plan_due: String,
    pub report_due_weeks: u32,
    pub reminder_days_before: u32,
}

impl Default for DueSettings {
    fn default() -> Self {
        DueSettings {
            annual_plan_due: DEFAULT_ANNUAL_PLAN_DUE.into(),
            report_due_weeks: DEFAULT_REPORT_DUE_WEEKS,
            reminder_days_before: DEFAULT_REMINDER_DAYS_BEFORE,
        }
    }
}

impl DueSettings {
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if parse_month_day(&self.annual_plan_due, 2023).is_none() {
            errors.push(FieldError::new(
                "annual_plan_due",
                "a day of the year as `MM-DD`, e.g. `12-01`",
            ));
        }
        if !(1..=52).contains(&self.report_due_weeks) {
            errors.push(FieldError::new("report_due_weeks", "between 1 and 52 weeks"));
        }
        if !(1..=90).contains(&self.reminder_days_before) {
            errors.push(FieldError::new("reminder_days_before", "between 1 and 90 days"));
        }
        errors
    }

    /// The plan for `year` is due on this day of the year before.
    pub fn annual_plan_due_on(&self, year: i32) -> NaiveDate {
        parse_month_day(&self.annual_plan_due, year - 1)
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(year - 1, 12, 1).expect("1 December"))
    }

    /// A report is due `report_due_weeks` after the last day of its period.
    pub fn report_due_on(&self, period: &Period) -> NaiveDate {
        period.end() + Days::new(u64::from(self.report_due_weeks) * 7)
    }
}

fn parse_month_day(s: &str, year: i32) -> Option<NaiveDate> {
    let (m, d) = s.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::testing::*;

    #[test]
    fn due_dates() {
        let s = DueSettings::default();
        assert_eq!(s.annual_plan_due_on(2025), NaiveDate::from_ymd_opt(2024, 12, 1).unwrap());
        assert_eq!(s.report_due_on(&p("2024-H1")), NaiveDate::from_ymd_opt(2024, 8, 11).unwrap());
        assert!(DueSettings { annual_plan_due: "13-01".into(), ..s }.problems().len() == 1);
    }
}
