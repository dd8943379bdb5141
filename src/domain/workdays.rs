//! Working days: a date that falls on a Saturday, a Sunday or a generally recognised public
//! holiday moves to the next working day, as the Algemene termijnenwet (art. 1 and 3) does with a
//! term that ends on such a day.
//!
//! The holidays of art. 3, first paragraph: Nieuwjaarsdag, Tweede Paasdag, Hemelvaartsdag,
//! Tweede Pinksterdag, the two Christmas days, the day the King's birthday is celebrated
//! (Koningsdag) and 5 May (Bevrijdingsdag, every year). Goede Vrijdag is not among them. Easter
//! Sunday and Whit Sunday are Sundays already.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus, Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// The day the King's (until 2013 the Queen's) birthday is celebrated: 27 April (30 April until
/// 2013), the day before when that falls on a Sunday.
pub fn kings_day(year: i32) -> Option<NaiveDate> {
    let day = if year >= 2014 { 27 } else { 30 };
    let date = NaiveDate::from_ymd_opt(year, 4, day)?;
    Some(if date.weekday() == Weekday::Sun { date - Duration::days(1) } else { date })
}

/// The name of the public holiday (Algemene termijnenwet, art. 3) on `date`, if it is one.
pub fn holiday(date: NaiveDate) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    match (m, d) {
        (1, 1) => return Some("Nieuwjaarsdag"),
        (5, 5) => return Some("Bevrijdingsdag"),
        (12, 25) => return Some("Eerste Kerstdag"),
        (12, 26) => return Some("Tweede Kerstdag"),
        _ => {}
    }
    if kings_day(y) == Some(date) {
        return Some("Koningsdag");
    }
    let easter = easter_sunday(y)?;
    let offset = (date - easter).num_days();
    match offset {
        1 => Some("Tweede Paasdag"),
        39 => Some("Hemelvaartsdag"),
        50 => Some("Tweede Pinksterdag"),
        _ => None,
    }
}

pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && holiday(date).is_none()
}

/// `date` itself when it is a working day, otherwise the first working day after it.
pub fn next_working_day(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    // A run of non-working days is at most four long (e.g. Saturday to Tuesday around Easter).
    for _ in 0..10 {
        if is_working_day(d) {
            return d;
        }
        d += Duration::days(1);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn easter_by_the_gregorian_computus() {
        for (year, easter) in [
            (2022, "2022-04-17"),
            (2023, "2023-04-09"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2019, "2019-04-21"),
            (2038, "2038-04-25"),
            (2008, "2008-03-23"),
        ] {
            assert_eq!(easter_sunday(year), Some(d(easter)), "{year}");
        }
    }

    #[test]
    fn weekends_move_to_monday() {
        assert_eq!(next_working_day(d("2022-10-29")), d("2022-10-31"), "Saturday");
        assert_eq!(next_working_day(d("2022-10-30")), d("2022-10-31"), "Sunday");
        assert_eq!(next_working_day(d("2022-10-31")), d("2022-10-31"), "a Monday stays");
    }

    #[test]
    fn new_years_day() {
        assert_eq!(holiday(d("2024-01-01")), Some("Nieuwjaarsdag"));
        assert_eq!(next_working_day(d("2024-01-01")), d("2024-01-02"));
    }

    #[test]
    fn easter_monday_but_not_good_friday() {
        assert_eq!(holiday(d("2023-04-10")), Some("Tweede Paasdag"));
        assert!(
            is_working_day(d("2023-04-07")),
            "Goede Vrijdag is not in the Algemene termijnenwet"
        );
        // Easter Saturday to Easter Monday: the Tuesday.
        assert_eq!(next_working_day(d("2023-04-08")), d("2023-04-11"));
    }

    #[test]
    fn kings_day_and_its_sunday_rule() {
        assert_eq!(holiday(d("2023-04-27")), Some("Koningsdag"));
        // 27 April 2025 is a Sunday: Koningsdag is Saturday 26 April.
        assert_eq!(kings_day(2025), Some(d("2025-04-26")));
        assert_eq!(holiday(d("2025-04-27")), None);
        // 27 April 2031 is a Sunday too.
        assert_eq!(kings_day(2031), Some(d("2031-04-26")));
        assert_eq!(next_working_day(d("2026-04-27")), d("2026-04-28"), "a Monday Koningsdag");
        assert_eq!(kings_day(2013), Some(d("2013-04-30")), "Koninginnedag before 2014");
    }

    #[test]
    fn liberation_day_every_year() {
        assert_eq!(
            holiday(d("2023-05-05")),
            Some("Bevrijdingsdag"),
            "not a lustrum year, still a holiday"
        );
        assert_eq!(next_working_day(d("2023-05-05")), d("2023-05-08"));
    }

    #[test]
    fn ascension_day() {
        assert_eq!(holiday(d("2023-05-18")), Some("Hemelvaartsdag"));
        assert_eq!(next_working_day(d("2023-05-18")), d("2023-05-19"));
    }

    #[test]
    fn whit_monday() {
        assert_eq!(holiday(d("2023-05-29")), Some("Tweede Pinksterdag"));
        assert_eq!(next_working_day(d("2023-05-27")), d("2023-05-30"));
    }

    #[test]
    fn christmas() {
        assert_eq!(holiday(d("2022-12-25")), Some("Eerste Kerstdag"));
        assert_eq!(holiday(d("2023-12-26")), Some("Tweede Kerstdag"));
        assert_eq!(next_working_day(d("2023-12-25")), d("2023-12-27"));
        assert_eq!(
            next_working_day(d("2021-12-25")),
            d("2021-12-27"),
            "a Saturday Christmas: the Monday is the 27th"
        );
    }
}
