//! The dates and amounts of a grant: the obligations with their due dates (moved to the next
//! working day) and the payment schedule (an advance at the start, the rest per half-year).

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::money::Money;
use crate::domain::workdays::next_working_day;

#[derive(Debug, Clone)]
pub struct Obligation {
    pub what: String,
    pub due: NaiveDate,
}

/// The obligations of a grant over its spending period, decided on `decided_on`: an annual plan
/// per calendar year (due 1 December of the year before, or six weeks after the decision when that
/// is later), a progress report per half-year ending after the decision (due `report_weeks` after
/// it ends), and the request for settlement (`settlement_weeks` after the spending period). A date
/// on a weekend or public holiday moves to the next working day.
pub fn obligations(
    from: NaiveDate,
    to: NaiveDate,
    decided_on: NaiveDate,
    report_weeks: u32,
    settlement_weeks: u32,
) -> Vec<Obligation> {
    let mut out = Vec::new();
    let soonest = decided_on + Duration::weeks(6);
    for year in from.year()..=to.year() {
        let before = NaiveDate::from_ymd_opt(year - 1, 12, 1).unwrap_or(from);
        out.push(Obligation {
            what: format!("Projectplan {year} (doelen, activiteiten en begroting)"),
            due: before.max(soonest),
        });
    }
    for year in from.year()..=to.year() {
        for (half, end) in [
            ("eerste", NaiveDate::from_ymd_opt(year, 6, 30)),
            ("tweede", NaiveDate::from_ymd_opt(year, 12, 31)),
        ] {
            let Some(end) = end else { continue };
            if end <= decided_on || end < from || end > to.max(from) + Duration::days(183) {
                continue;
            }
            let start = if half == "eerste" {
                NaiveDate::from_ymd_opt(year, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, 7, 1)
            };
            if start.is_some_and(|s| s > to) {
                continue;
            }
            out.push(Obligation {
                what: format!("Voortgangsrapportage over het {half} halfjaar van {year}"),
                due: end + Duration::weeks(i64::from(report_weeks)),
            });
        }
    }
    out.push(Obligation {
        what: "Aanvraag tot vaststelling, met inhoudelijk en financieel verslag".into(),
        due: to + Duration::weeks(i64::from(settlement_weeks)),
    });
    for o in &mut out {
        o.due = next_working_day(o.due);
    }
    out.sort_by_key(|o| o.due);
    out
}

/// How the grant is paid: the advance at the start and the rest in equal half-yearly parts (the
/// last part takes the cents that do not divide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payments {
    pub advance: Money,
    pub advance_percent: u32,
    pub rest: Money,
    /// Half-years after the decision in which a part of the rest is paid.
    pub parts: u32,
    pub per_part: Money,
    pub last_part: Money,
}

pub fn payments(
    allocated: Money,
    advance_percent: u32,
    decided_on: NaiveDate,
    to: NaiveDate,
) -> Payments {
    let pct = Decimal::from(advance_percent.min(100));
    let advance_cents = (allocated.as_decimal() * pct).floor() / Decimal::from(100);
    let advance = Money::from_decimal(advance_cents.round_dp(2)).unwrap_or(Money::ZERO);
    let rest = allocated - advance;
    // Half-years from the one after the decision's to the one the period ends in.
    let half = |d: NaiveDate| d.year() * 2 + i32::from(d.month() > 6);
    let parts = u32::try_from((half(to) - half(decided_on) + 1).max(1)).unwrap_or(1);
    let cents = (rest.as_decimal() * Decimal::from(100)).floor();
    let per_part_cents = (cents / Decimal::from(parts)).floor();
    let per_part = Money::from_decimal(per_part_cents / Decimal::from(100)).unwrap_or(Money::ZERO);
    let last_part = Money::from_decimal(
        (cents - per_part_cents * Decimal::from(parts - 1)) / Decimal::from(100),
    )
    .unwrap_or(Money::ZERO);
    Payments { advance, advance_percent, rest, parts, per_part, last_part }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn obligations_over_a_two_year_period_on_working_days() {
        let o = obligations(d("2022-01-01"), d("2023-12-31"), d("2022-09-15"), 6, 22);
        let listed: Vec<(String, String)> =
            o.iter().map(|o| (o.what.clone(), o.due.to_string())).collect();
        assert_eq!(
            listed[0],
            (
                "Projectplan 2022 (doelen, activiteiten en begroting)".to_string(),
                "2022-10-27".to_string()
            )
        );
        assert!(listed.contains(&(
            "Projectplan 2023 (doelen, activiteiten en begroting)".to_string(),
            "2022-12-01".to_string()
        )));
        // 31 December 2022 + six weeks is Saturday 11 February 2023: Monday the 13th.
        assert!(listed.contains(&(
            "Voortgangsrapportage over het tweede halfjaar van 2022".to_string(),
            "2023-02-13".to_string()
        )));
        // 11 February 2024 is a Sunday: Monday the 12th.
        assert!(listed.contains(&(
            "Voortgangsrapportage over het tweede halfjaar van 2023".to_string(),
            "2024-02-12".to_string()
        )));
        assert!(
            !listed.iter().any(|(w, _)| w.contains("eerste halfjaar van 2022")),
            "ended before the decision"
        );
        // 31 December 2023 + 22 weeks is Sunday 2 June 2024: Monday the 3rd.
        assert_eq!(listed.last().unwrap().1, "2024-06-03");
        assert!(o.iter().all(|o| crate::domain::workdays::is_working_day(o.due)));
    }

    #[test]
    fn an_advance_and_the_rest_per_half_year() {
        let p = payments(Money::parse("1027020.00").unwrap(), 50, d("2022-09-15"), d("2023-12-31"));
        assert_eq!(p.advance, Money::parse("513510.00").unwrap());
        assert_eq!(p.parts, 3, "the halves ending December 2022, June 2023 and December 2023");
        assert_eq!(p.per_part, Money::parse("171170.00").unwrap());
        assert_eq!(
            p.advance + p.per_part + p.per_part + p.last_part,
            Money::parse("1027020.00").unwrap()
        );
        let odd = payments(Money::parse("100.01").unwrap(), 33, d("2022-09-15"), d("2023-12-31"));
        assert_eq!(
            odd.advance + odd.per_part + odd.per_part + odd.last_part,
            Money::parse("100.01").unwrap()
        );
    }
}
