//! Monitoring of the proeftuinen: reporting periods, the metric catalogue and how its figures roll
//! up from finer periods to coarser ones, the workflow of plans and reports, due dates, and
//! spending against the grant. Plain data in, plain data out.
//!
//! Roll-up rule (see README, "Monitoring"): the reports of one proeftuin never overlap. A period is
//! a quarter, a half-year or a year, and these nest (two quarters make a half-year, two
//! half-years a year), so two periods overlap exactly when one contains the other; a report whose
//! period overlaps an existing report of the same proeftuin is refused, whatever its status. The
//! figures of any period are then the roll-up of the accepted reports inside it: `sum` metrics
//! add up, `share` metrics are recomputed from the rolled-up counts (never averaged). Whether the
//! period is fully covered is shown beside the figures.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::money::Money;
use crate::error::FieldError;

// ------------------------------------------------------------------ periods

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

// ------------------------------------------------------------------ due dates

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

// ------------------------------------------------------------------ workflow

pub mod status {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
    pub const ACCEPTED: &str = "accepted";
    pub const RETURNED: &str = "returned";
}

/// The steps of the plan and report workflow: `draft → submitted → accepted | returned`, and a
/// returned one is edited and submitted again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Edit,
    Submit,
    Accept,
    Return,
}

/// The status after `step`, or why it is not allowed now.
pub fn next_status(current: &str, step: Step) -> Result<&'static str, String> {
    use status::*;
    match (current, step) {
        (DRAFT | RETURNED, Step::Edit) => Ok(if current == DRAFT { DRAFT } else { RETURNED }),
        (DRAFT | RETURNED, Step::Submit) => Ok(SUBMITTED),
        (SUBMITTED, Step::Accept) => Ok(ACCEPTED),
        (SUBMITTED, Step::Return) => Ok(RETURNED),
        (SUBMITTED, Step::Edit | Step::Submit) => {
            Err("it is submitted: it changes only after it is returned".into())
        }
        (ACCEPTED, _) => Err("it is accepted and does not change any more".into()),
        (_, Step::Accept | Step::Return) => {
            Err(format!("only a submitted one can be accepted or returned; it is {current}"))
        }
        _ => Err(format!("not possible while it is {current}")),
    }
}

// ------------------------------------------------------------------ catalogue

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum RollUp {
    /// Counts add up over periods.
    Sum,
    /// `numerator / denominator × 100`, recomputed from the rolled-up counts.
    Share { numerator: String, denominator: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metric {
    pub key: String,
    pub label_nl: String,
    pub unit: String,
    pub rollup: RollUp,
}

impl Metric {
    pub fn is_reported(&self) -> bool {
        matches!(self.rollup, RollUp::Sum)
    }
}

fn is_key(s: &str) -> bool {
    (1..=60).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The problems of a metric definition against the catalogue it joins (or changes).
pub fn metric_problems(m: &Metric, catalogue: &[Metric]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_key(&m.key) {
        errors.push(FieldError::new(
            "key",
            "lowercase letters, digits and underscores, starting with a letter, at most 60",
        ));
    }
    if m.label_nl.trim().is_empty() || m.label_nl.chars().count() > 120 {
        errors.push(FieldError::new("label_nl", "a Dutch label of 1 to 120 characters"));
    }
    if m.unit.trim().is_empty() || m.unit.chars().count() > 30 {
        errors.push(FieldError::new(
            "unit",
            "a unit of 1 to 30 characters, e.g. `count` or `percent`",
        ));
    }
    if let RollUp::Share { numerator, denominator } = &m.rollup {
        for (field, key) in [("numerator", numerator), ("denominator", denominator)] {
            match catalogue.iter().find(|c| &c.key == key) {
                Some(c) if c.is_reported() && c.key != m.key => {}
                Some(_) => errors.push(FieldError::new(field, format!("{key} is not a counted (sum) metric"))),
                None => errors.push(FieldError::new(field, format!("{key} is not a metric of the catalogue"))),
            }
        }
        if numerator == denominator {
            errors.push(FieldError::new("denominator", "a share is of two different counts"));
        }
    } else if catalogue.iter().any(|c| matches!(&c.rollup, RollUp::Share { numerator, denominator } if *numerator == m.key || *denominator == m.key))
        && !m.is_reported()
    {
        errors.push(FieldError::new("rollup", "a share is computed from this metric, so it stays a sum"));
    }
    errors
}

/// The largest count a report may give (far above any real figure).
pub const MAX_COUNT: i64 = 1_000_000_000;

/// Checks figures as a client sent them: every key a counted metric of the catalogue, every
/// value a whole number from 0. All problems at once, as `figures.<key>`.
pub fn parse_figures(
    catalogue: &[Metric],
    input: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, i64>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = BTreeMap::new();
    for (key, value) in input {
        let field = format!("figures.{key}");
        match catalogue.iter().find(|m| &m.key == key) {
            None => {
                errors.push(FieldError::new(
                    &field,
                    format!("{key} is not a metric of the catalogue"),
                ));
                continue;
            }
            Some(m) if !m.is_reported() => {
                errors.push(FieldError::new(
                    &field,
                    format!("{key} is computed from other counts; report those"),
                ));
                continue;
            }
            Some(_) => {}
        }
        match value {
            Value::Number(n) => match n.as_i64() {
                Some(v) if v < 0 => {
                    errors.push(FieldError::new(&field, "a count cannot be negative"))
                }
                Some(v) if v > MAX_COUNT => {
                    errors.push(FieldError::new(&field, format!("a count is at most {MAX_COUNT}")))
                }
                Some(v) => {
                    out.insert(key.clone(), v);
                }
                None if n.as_u64().is_some() => {
                    errors.push(FieldError::new(&field, format!("a count is at most {MAX_COUNT}")))
                }
                None => errors
                    .push(FieldError::new(&field, format!("a count is a whole number, not {n}"))),
            },
            other => errors.push(FieldError::new(
                &field,
                format!("a count is a JSON whole number, not {other}"),
            )),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

// ------------------------------------------------------------------ roll-up

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

// ------------------------------------------------------------------ plans

/// The five core elements (*kernelementen*) activities are planned and reported on.
pub const CORE_ELEMENTS: [(&str, &str); 5] = [
    ("local_team", "Lokaal Team"),
    ("regional_safety_team", "Regionaal veiligheidsteam"),
    ("network_of_specialists", "Netwerk van specialisten"),
    ("working_framework", "Handelingskader"),
    ("knowledge_research_learning", "Kennis, onderzoek en leren"),
];

/// The four basic principles (*basisprincipes*) a report writes about.
pub const PRINCIPLES: [(&str, &str); 4] = [
    ("family_oriented", "Gezinsgericht"),
    ("legally_protective_transparent", "Rechtsbeschermend en transparant"),
    ("simplicity", "Eenvoud"),
    ("learning", "Lerend"),
];

pub fn core_element_label(key: &str) -> Option<&'static str> {
    CORE_ELEMENTS.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
}

pub fn principle_label(key: &str) -> Option<&'static str> {
    PRINCIPLES.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
}

/// Keys of a per-element or per-principle text map that are not known.
pub fn unknown_keys(
    prefix: &str,
    map: &BTreeMap<String, String>,
    known: &[(&str, &str)],
) -> Vec<FieldError> {
    map.keys()
        .filter(|k| !known.iter().any(|(kk, _)| kk == k))
        .map(|k| {
            FieldError::new(
                format!("{prefix}.{k}"),
                format!(
                    "not one of {}",
                    known.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                ),
            )
        })
        .collect()
}

/// One budget line of an annual plan: cost, own contribution and the part paid from the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLine {
    pub description: String,
    pub total_cost: Money,
    pub own_contribution: Money,
    pub grant: Money,
}

/// `total_cost >= own_contribution + grant`, a description, as for an application's budget.
pub fn plan_line_problems(prefix: &str, l: &PlanLine) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if l.description.trim().is_empty() || l.description.chars().count() > 500 {
        errors.push(FieldError::new(
            format!("{prefix}.description"),
            "a budget line needs a description (at most 500 characters)",
        ));
    }
    if l.own_contribution > l.total_cost {
        errors.push(FieldError::new(
            format!("{prefix}.own_contribution"),
            format!(
                "the own contribution ({}) is more than the total cost ({})",
                l.own_contribution, l.total_cost
            ),
        ));
    } else if l.own_contribution.checked_add(l.grant).is_none_or(|s| s > l.total_cost) {
        errors.push(FieldError::new(
            format!("{prefix}.grant"),
            format!("the grant part ({}) is more than the total cost ({}) minus the own contribution ({})", l.grant, l.total_cost, l.own_contribution),
        ));
    }
    errors
}

// ------------------------------------------------------------------ spending

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

// ------------------------------------------------------------------ the proeftuin record

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecordMunicipality {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inhabitants: Option<u64>,
}

/// The working method's emphasis.
pub const EMPHASES: [(&str, &str); 2] = [
    ("voluntary_framework", "Accent op samenwerking in het vrijwillig kader"),
    ("legitimised_intervention", "RVT actief waar overheidsbetrokkenheid gelegitimeerd is"),
];

/// What the programme keeps of a proeftuin besides its region, call, dates and grants.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProeftuinRecord {
    #[serde(default)]
    pub municipalities: Vec<RecordMunicipality>,
    /// Districts or postcode areas where the pilot runs.
    #[serde(default)]
    pub districts: Vec<String>,
    #[serde(default)]
    pub project_leader: Option<String>,
    /// The programme's contact person for this proeftuin.
    #[serde(default)]
    pub programme_contact: Option<String>,
    /// Where reminders go; the region's lead applicant when empty.
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub emphasis: Option<String>,
    /// Partners in the regional safety team (RVT).
    #[serde(default)]
    pub rvt_partners: Vec<String>,
    #[serde(default)]
    pub focus_points: Vec<String>,
}

impl ProeftuinRecord {
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (i, m) in self.municipalities.iter().enumerate() {
            if m.name.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("municipalities[{i}].name"),
                    "a municipality needs a name",
                ));
            }
            if m.inhabitants == Some(0) {
                errors.push(FieldError::new(
                    format!("municipalities[{i}].inhabitants"),
                    "more than zero, or left out",
                ));
            }
        }
        if let Some(e) = &self.emphasis
            && !EMPHASES.iter().any(|(k, _)| k == e)
        {
            errors.push(FieldError::new(
                "emphasis",
                "`voluntary_framework` or `legitimised_intervention`",
            ));
        }
        if let Some(e) = &self.contact_email
            && !(e.contains('@') && !e.starts_with('@') && !e.ends_with('@') && !e.contains(' '))
        {
            errors.push(FieldError::new("contact_email", "not an email address"));
        }
        for (field, list) in [
            ("districts", &self.districts),
            ("rvt_partners", &self.rvt_partners),
            ("focus_points", &self.focus_points),
        ] {
            for (i, item) in list.iter().enumerate() {
                if item.trim().is_empty() {
                    errors.push(FieldError::new(format!("{field}[{i}]"), "an empty entry"));
                }
            }
        }
        errors
    }

    pub fn inhabitants(&self) -> Option<u64> {
        if self.municipalities.is_empty()
            || self.municipalities.iter().any(|m| m.inhabitants.is_none())
        {
            return None;
        }
        Some(self.municipalities.iter().filter_map(|m| m.inhabitants).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn catalogue() -> Vec<Metric> {
        let sum = |k: &str| Metric {
            key: k.into(),
            label_nl: k.into(),
            unit: "count".into(),
            rollup: RollUp::Sum,
        };
        vec![
            sum("cases_discussed"),
            sum("households_without_children"),
            sum("registrations"),
            Metric {
                key: "share".into(),
                label_nl: "Aandeel".into(),
                unit: "percent".into(),
                rollup: RollUp::Share {
                    numerator: "households_without_children".into(),
                    denominator: "registrations".into(),
                },
            },
        ]
    }

    fn counts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

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
    fn due_dates() {
        let s = DueSettings::default();
        assert_eq!(s.annual_plan_due_on(2025), NaiveDate::from_ymd_opt(2024, 12, 1).unwrap());
        assert_eq!(s.report_due_on(&p("2024-H1")), NaiveDate::from_ymd_opt(2024, 8, 11).unwrap());
        assert!(DueSettings { annual_plan_due: "13-01".into(), ..s }.problems().len() == 1);
    }

    #[test]
    fn workflow() {
        assert_eq!(next_status("draft", Step::Submit), Ok("submitted"));
        assert_eq!(next_status("submitted", Step::Return), Ok("returned"));
        assert_eq!(next_status("returned", Step::Submit), Ok("submitted"));
        assert_eq!(next_status("submitted", Step::Accept), Ok("accepted"));
        assert!(next_status("accepted", Step::Edit).is_err());
        assert!(next_status("draft", Step::Accept).is_err());
        assert!(next_status("submitted", Step::Edit).is_err());
    }

    #[test]
    fn figures_are_whole_non_negative_known_counts() {
        let c = catalogue();
        let input: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"cases_discussed": 96, "registrations": -1, "nope": 1, "households_without_children": 2.5, "share": 3}"#).unwrap();
        let errors = parse_figures(&c, &input).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "figures.households_without_children",
                "figures.nope",
                "figures.registrations",
                "figures.share"
            ]
        );
        let ok: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"cases_discussed": 0}"#).unwrap();
        assert_eq!(parse_figures(&c, &ok).unwrap()["cases_discussed"], 0);
        let text: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"cases_discussed": "5"}"#).unwrap();
        assert!(parse_figures(&c, &text).is_err());
    }

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

    #[test]
    fn metric_definitions() {
        let c = catalogue();
        let bad = Metric {
            key: "Bad Key".into(),
            label_nl: "".into(),
            unit: "count".into(),
            rollup: RollUp::Share { numerator: "share".into(), denominator: "missing".into() },
        };
        let fields: Vec<_> = metric_problems(&bad, &c).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["key", "label_nl", "numerator", "denominator"]);
    }

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
