//! The report reminder schedule: which annual plans and progress reports of a proeftuin are to be
//! reminded of on a day, and why. Pure: the service hands in the facts of the proeftuin (its life,
//! reporting kind, due-date settings, what it has submitted) and the day; it gets back every
//! reminder due that day. Queueing is idempotent (one per kind, target and occasion), so the
//! schedule may be asked again and again.
//!
//! A reminder goes out `reminder_days_before` the due date and once more when it is overdue; only
//! for what is neither submitted nor accepted, and only for what fell due on or after the day the
//! proeftuin entered the service. Plans: every year of its life up to next year. Reports: every
//! period of its reporting kind that overlaps its life and has ended, unless submitted or
//! accepted reports cover each quarter of it.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, Days, NaiveDate};

use crate::domain::monitoring::{DueSettings, Life, Period, Reporting};

/// Why a reminder goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// Within `reminder_days_before` of the due date.
    BeforeDue,
    /// After the due date.
    Overdue,
}

impl Occasion {
    pub fn as_str(&self) -> &'static str {
        match self {
            Occasion::BeforeDue => "before_due",
            Occasion::Overdue => "overdue",
        }
    }

    /// The occasion of a reminder for something due on `due`, on `today`, if any: none for what
    /// fell due before the proeftuin `entered` the service, nor before the reminder window.
    pub fn of(
        due: NaiveDate,
        entered: NaiveDate,
        today: NaiveDate,
        days_before: u32,
    ) -> Option<Self> {
        if due < entered {
            None
        } else if today > due {
            Some(Occasion::Overdue)
        } else if today >= due - Days::new(u64::from(days_before)) {
            Some(Occasion::BeforeDue)
        } else {
            None
        }
    }
}

impl fmt::Display for Occasion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The annual plan of a year.
    AnnualPlan(i32),
    /// The progress report over a period.
    Report(Period),
}

/// A reminder that is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueReportReminder {
    pub subject: Subject,
    pub due_on: NaiveDate,
    pub occasion: Occasion,
}

/// What the schedule needs of a proeftuin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProeftuinFacts {
    /// The day (in Amsterdam) it entered the service.
    pub entered: NaiveDate,
    pub life: Life,
    pub reporting: Reporting,
    pub settings: DueSettings,
    /// The years whose plan is submitted or accepted.
    pub plans_in: BTreeSet<i32>,
    /// The quarters covered by a submitted or accepted report.
    pub quarters_in: BTreeSet<Period>,
}

/// Every reminder due on `today` for one proeftuin: plans first (by year), then reports (by
/// period).
pub fn report_reminders(f: &ProeftuinFacts, today: NaiveDate) -> Vec<DueReportReminder> {
    let occasion = |due| Occasion::of(due, f.entered, today, f.settings.reminder_days_before);
    let mut out = Vec::new();
    let started = f.life.started_on;
    for year in started.year()..=today.year() + 1 {
        if f.life.ends_on.is_some_and(|e| e.year() < year) || f.plans_in.contains(&year) {
            continue;
        }
        let due_on = f.settings.annual_plan_due_on(year);
        if let Some(occasion) = occasion(due_on) {
            out.push(DueReportReminder { subject: Subject::AnnualPlan(year), due_on, occasion });
        }
    }
    for year in started.year()..=today.year() {
        for period in f.reporting.periods_of(year) {
            let outside =
                period.end() < started || f.life.ends_on.is_some_and(|e| period.start() > e);
            if outside || period.end() >= today {
                continue;
            }
            if period.quarters().iter().all(|q| f.quarters_in.contains(q)) {
                continue;
            }
            let due_on = f.settings.report_due_on(&period);
            if let Some(occasion) = occasion(due_on) {
                out.push(DueReportReminder { subject: Subject::Report(period), due_on, occasion });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn facts() -> ProeftuinFacts {
        ProeftuinFacts {
            entered: d(2024, 1, 1),
            life: Life { started_on: d(2024, 1, 1), ends_on: None },
            reporting: Reporting::Quarter,
            settings: DueSettings::default(),
            plans_in: BTreeSet::from([2024]),
            quarters_in: BTreeSet::new(),
        }
    }

    #[test]
    fn occasions_open_before_the_due_date_and_stay_after_it() {
        let due = d(2024, 5, 12);
        assert_eq!(Occasion::of(due, d(2024, 1, 1), d(2024, 4, 27), 14), None);
        assert_eq!(Occasion::of(due, d(2024, 1, 1), d(2024, 4, 28), 14), Some(Occasion::BeforeDue));
        assert_eq!(Occasion::of(due, d(2024, 1, 1), d(2024, 5, 12), 14), Some(Occasion::BeforeDue));
        assert_eq!(Occasion::of(due, d(2024, 1, 1), d(2024, 5, 13), 14), Some(Occasion::Overdue));
        // Due before the proeftuin entered the service: nobody is reminded.
        assert_eq!(Occasion::of(due, d(2024, 6, 1), d(2024, 7, 1), 14), None);
        assert_eq!(Occasion::Overdue.to_string(), "overdue");
    }

    #[test]
    fn an_ended_quarter_without_a_report_is_reminded_of() {
        // Q1 2024 ends 31 March, due six weeks later: 12 May; the window opens 28 April.
        let got = report_reminders(&facts(), d(2024, 5, 1));
        assert_eq!(
            got,
            vec![DueReportReminder {
                subject: Subject::Report(p("2024-Q1")),
                due_on: d(2024, 5, 12),
                occasion: Occasion::BeforeDue,
            }]
        );
        let late = report_reminders(&facts(), d(2024, 6, 1));
        assert_eq!(late[0].occasion, Occasion::Overdue);
    }

    #[test]
    fn covered_quarters_and_submitted_plans_are_not_reminded_of() {
        let mut f = facts();
        f.quarters_in = p("2024-H1").quarters().into_iter().collect();
        assert!(
            report_reminders(&f, d(2024, 8, 1))
                .iter()
                .all(|r| r.subject != Subject::Report(p("2024-Q1")))
        );
        // The plan for next year is due 1 December; reminded from 17 November unless it is in.
        let nov = report_reminders(&f, d(2024, 11, 20));
        assert!(nov.contains(&DueReportReminder {
            subject: Subject::AnnualPlan(2025),
            due_on: d(2024, 12, 1),
            occasion: Occasion::BeforeDue,
        }));
        f.plans_in.insert(2025);
        let nov = report_reminders(&f, d(2024, 11, 20));
        assert!(nov.iter().all(|r| r.subject != Subject::AnnualPlan(2025)));
    }

    #[test]
    fn nothing_after_the_end_of_its_life_nor_for_a_period_still_running() {
        let mut f = facts();
        f.life.ends_on = Some(d(2024, 3, 31));
        let got = report_reminders(&f, d(2025, 6, 1));
        assert!(got.iter().all(|r| match r.subject {
            Subject::AnnualPlan(y) => y <= 2024,
            Subject::Report(p) => p.start() <= d(2024, 3, 31),
        }));
        // 15 May 2024: Q2 has not ended, so only Q1 (overdue since 12 May).
        let got = report_reminders(&facts(), d(2024, 5, 15));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].subject, Subject::Report(p("2024-Q1")));
    }
}
