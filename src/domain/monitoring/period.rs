//! Reporting periods (quarters, half-years, years), reporting kinds and a proeftuin's life.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A reporting period: `2024-Q1`..`2024-Q4`, `2024-H1`/`2024-H2`, or the year `2024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Quarter(i32, u8),
    Half(i32, u8),
    Year(i32),
}

pub const PERIOD_FORMAT: &str = "a period is `2024-Q1`..`2024-Q4`, `2024-H1`, `2024-H2` or `2024`";

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        if !(2000..=2100).contains(&year) {
            return None;
        }
        match rest {
            None => Some(Period::Year(year)),
            Some("Q1") => Some(Period::Quarter(year, 1)),
            Some("Q2") => Some(Period::Quarter(year, 2)),
            Some("Q3") => Some(Period::Quarter(year, 3)),
            Some("Q4") => Some(Period::Quarter(year, 4)),
            Some("H1") => Some(Period::Half(year, 1)),
            Some("H2") => Some(Period::Half(year, 2)),
            _ => None,
        }
    }

    pub fn year(&self) -> i32 {
        match *self {
            Period::Quarter(y, _) | Period::Half(y, _) | Period::Year(y) => y,
        }
    }

    /// First and last month (1..=12).
    fn months(&self) -> (u32, u32) {
        match *self {
            Period::Quarter(_, q) => (u32::from(q) * 3 - 2, u32::from(q) * 3),
            Period::Half(_, h) => (u32::from(h) * 6 - 5, u32::from(h) * 6),
            Period::Year(_) => (1, 12),
        }
    }

    pub fn start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.months().0, 1).expect("valid first day")
    }

    pub fn end(&self) -> NaiveDate {
        let (_, last) = self.months();
        let next = if last == 12 {
            NaiveDate::from_ymd_opt(self.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year(), last + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).expect("valid last day")
    }

    /// `self` lies inside `outer` (or is it).
    pub fn within(&self, outer: &Period) -> bool {
        outer.start() <= self.start() && self.end() <= outer.end()
    }

    pub fn overlaps(&self, other: &Period) -> bool {
        self.start() <= other.end() && other.start() <= self.end()
    }

    /// The quarters it is made of.
    pub fn quarters(&self) -> Vec<Period> {
        let (first, last) = self.months();
        (first.div_ceil(3)..=last / 3).map(|q| Period::Quarter(self.year(), q as u8)).collect()
    }

    /// Finer periods first, then by start: Q1, Q2, H1, Q3, Q4, H2, year.
    pub fn sort_key(&self) -> (NaiveDate, std::cmp::Reverse<NaiveDate>) {
        (self.end(), std::cmp::Reverse(self.start()))
    }

    /// In Dutch, for documents: `1e kwartaal 2024`, `2e halfjaar 2024`, `2024`.
    pub fn label_nl(&self) -> String {
        match *self {
            Period::Quarter(y, q) => format!("{q}e kwartaal {y}"),
            Period::Half(y, h) => format!("{h}e halfjaar {y}"),
            Period::Year(y) => format!("{y}"),
        }
    }

    /// A short column heading: `K1 2024`, `H1 2024`, `2024`.
    pub fn short_nl(&self) -> String {
        match *self {
            Period::Quarter(y, q) => format!("K{q} {y}"),
            Period::Half(y, h) => format!("H{h} {y}"),
            Period::Year(y) => format!("{y}"),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Half(y, h) => write!(f, "{y}-H{h}"),
            Period::Year(y) => write!(f, "{y}"),
        }
    }
}

impl TryFrom<String> for Period {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Period::parse(&s).ok_or_else(|| PERIOD_FORMAT.to_string())
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// How often a proeftuin is expected to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporting {
    Quarter,
    HalfYear,
    Year,
}

impl Reporting {
    pub fn as_str(&self) -> &'static str {
        match self {
            Reporting::Quarter => "quarter",
            Reporting::HalfYear => "half_year",
            Reporting::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Reporting> {
        match s {
            "quarter" => Some(Reporting::Quarter),
            "half_year" => Some(Reporting::HalfYear),
            "year" => Some(Reporting::Year),
            _ => None,
        }
    }

    /// The periods of this kind in one year.
    pub fn periods_of(&self, year: i32) -> Vec<Period> {
        match self {
            Reporting::Quarter => (1..=4).map(|q| Period::Quarter(year, q)).collect(),
            Reporting::HalfYear => vec![Period::Half(year, 1), Period::Half(year, 2)],
            Reporting::Year => vec![Period::Year(year)],
        }
    }
}

/// A proeftuin's life: from its start, until its end if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Life {
    pub started_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl Life {
    /// An annual plan may be made for every calendar year the life touches.
    pub fn admits_year(&self, year: i32) -> bool {
        year >= self.started_on.year() && self.ends_on.is_none_or(|e| year <= e.year())
    }

    /// Whether a quarter lies (partly) inside the life: outside it nothing was to be reported.
    pub fn touches(&self, quarter: &Period) -> bool {
        quarter.end() >= self.started_on && self.ends_on.is_none_or(|e| quarter.start() <= e)
    }

    /// A report may cover a period that overlaps the life and that has begun by `today`.
    pub fn admits(&self, period: &Period, today: NaiveDate) -> Result<(), String> {
        if period.end() < self.started_on {
            return Err(format!(
                "{period} ends before the proeftuin started ({})",
                self.started_on
            ));
        }
        if let Some(end) = self.ends_on
            && period.start() > end
        {
            return Err(format!("{period} begins after the proeftuin ended ({end})"));
        }
        if period.start() > today {
            return Err(format!("{period} has not begun yet"));
        }
        Ok(())
    }
}

/// The report-overlap rule: a proeftuin's reports never overlap, so that coarser figures are
/// always rolled up from the finer reports. `existing` are the (id, period) of its reports,
/// whatever their status; the answer says which one `period` collides with.
pub fn overlap_with(period: &Period, existing: &[(i32, Period)]) -> Result<(), String> {
    for (id, other) in existing {
        if other == period {
            return Err(format!("the proeftuin has a report for {period} already (report {id})"));
        }
        if other.overlaps(period) {
            return Err(format!(
                "{period} overlaps the report for {other} (report {id}); reports of one proeftuin never overlap: coarser figures are rolled up from the finer reports"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::testing::*;

    #[test]
    fn periods_parse_nest_and_print() {
        assert_eq!(p("2024-Q3").start(), NaiveDate::from_ymd_opt(2024, 7, 1).unwrap());
        assert_eq!(p("2024-Q1").end(), NaiveDate::from_ymd_opt(2024, 3, 31).unwrap());
        assert_eq!(p("2024-H2").end(), NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
        assert_eq!(p("2024").quarters().len(), 4);
        assert_eq!(p("2024-H2").quarters(), vec![p("2024-Q3"), p("2024-Q4")]);
        assert!(p("2024-Q2").within(&p("2024-H1")) && !p("2024-Q3").within(&p("2024-H1")));
        assert!(p("2024").overlaps(&p("2024-Q4")) && !p("2024-H1").overlaps(&p("2024-Q3")));
        for bad in ["2024-Q5", "2024-H3", "24", "2024-q1", "", "1999", "2024-"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        assert_eq!(p("2024-H1").to_string(), "2024-H1");
        assert_eq!(p("2024-H1").label_nl(), "1e halfjaar 2024");
    }

    #[test]
    fn life_admits_overlapping_begun_periods() {
        let life =
            Life { started_on: NaiveDate::from_ymd_opt(2021, 12, 1).unwrap(), ends_on: None };
        let today = NaiveDate::from_ymd_opt(2025, 2, 1).unwrap();
        assert!(life.admits(&p("2021-Q4"), today).is_ok());
        assert!(life.admits(&p("2021-Q3"), today).is_err());
        assert!(life.admits(&p("2025-Q2"), today).is_err());
    }

    #[test]
    fn reports_of_one_proeftuin_never_overlap() {
        let existing = [(1, p("2024-Q1")), (2, p("2024-H2"))];
        assert!(overlap_with(&p("2024-Q2"), &existing).is_ok());
        let same = overlap_with(&p("2024-Q1"), &existing).unwrap_err();
        assert!(same.contains("already (report 1)"), "{same}");
        let coarser = overlap_with(&p("2024-H1"), &existing).unwrap_err();
        assert!(coarser.starts_with("2024-H1 overlaps the report for 2024-Q1 (report 1)"));
        assert!(overlap_with(&p("2024-Q4"), &existing).unwrap_err().contains("report 2"));
        assert!(overlap_with(&p("2025"), &existing).is_ok());
    }

    #[test]
    fn a_life_admits_its_years_and_touches_its_quarters() {
        let life = Life {
            started_on: NaiveDate::from_ymd_opt(2021, 12, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2023, 2, 1),
        };
        assert!(!life.admits_year(2020) && life.admits_year(2021) && life.admits_year(2023));
        assert!(!life.admits_year(2024));
        assert!(life.touches(&p("2021-Q4")) && life.touches(&p("2023-Q1")));
        assert!(!life.touches(&p("2021-Q3")) && !life.touches(&p("2023-Q2")));
    }
}
