//! Dates and times as Dutch letters and emails write them, in Amsterdam time:
//! "woensdag 13 juli 2022, 16.34 uur". The time zone follows the EU rule (CEST from the last Sunday
//! of March to the last Sunday of October, switching at 01:00 UTC), which holds since 1996 and
//! saves a time-zone database dependency.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Offset, Utc, Weekday};

const WEEKDAYS: [&str; 7] =
    ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"];
const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }?;
    let last = first_of_next.pred_opt()?;
    let back = i64::from(last.weekday().num_days_from_sunday());
    Some(last - Duration::days(back))
}

/// The moment summer time starts or ends in a year: 01:00 UTC on the last Sunday of the month.
fn switch(year: i32, month: u32) -> Option<DateTime<Utc>> {
    Some(last_sunday(year, month)?.and_hms_opt(1, 0, 0)?.and_utc())
}

/// Amsterdam's offset from UTC at a moment: +02:00 in summer time, +01:00 otherwise.
pub fn amsterdam_offset(at: DateTime<Utc>) -> FixedOffset {
    let year = at.year();
    let summer = match (switch(year, 3), switch(year, 10)) {
        (Some(start), Some(end)) => at >= start && at < end,
        _ => false,
    };
    let hours = if summer { 2 } else { 1 };
    // Both offsets are well inside chrono's range; UTC is only a formal fallback.
    FixedOffset::east_opt(hours * 3600).unwrap_or_else(|| Utc.fix())
}

pub fn in_amsterdam(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&amsterdam_offset(at))
}

pub fn weekday(d: Weekday) -> &'static str {
    WEEKDAYS[d.num_days_from_monday() as usize]
}

pub fn month(m: u32) -> &'static str {
    MONTHS.get(m.saturating_sub(1) as usize).copied().unwrap_or("")
}

/// "13 juli 2022"
pub fn date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), month(d.month()), d.year())
}

/// "woensdag 13 juli 2022, 16.34 uur" (Amsterdam time), as Dutch official texts write a time.
pub fn date_time(at: DateTime<Utc>) -> String {
    let local = in_amsterdam(at);
    format!("{} {}, {}", weekday(local.weekday()), date(local.date_naive()), time(local.time()))
}

/// "10.00 uur"
pub fn time(t: chrono::NaiveTime) -> String {
    format!("{} uur", t.format("%H.%M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn writes_a_moment_the_dutch_way() {
        assert_eq!(date_time(utc("2022-07-13T16:34:00+02:00")), "woensdag 13 juli 2022, 16.34 uur");
        assert_eq!(date_time(utc("2022-07-15T23:59:59+02:00")), "vrijdag 15 juli 2022, 23.59 uur");
        assert_eq!(
            date_time(utc("2022-10-31T09:00:00+01:00")),
            "maandag 31 oktober 2022, 09.00 uur"
        );
        assert_eq!(date_time(utc("2023-01-01T00:30:00Z")), "zondag 1 januari 2023, 01.30 uur");
        assert_eq!(date(NaiveDate::from_ymd_opt(2022, 5, 31).unwrap()), "31 mei 2022");
    }

    #[test]
    fn follows_the_eu_summer_time_rule() {
        // 2022: summer time from 27 March 01:00 UTC to 30 October 01:00 UTC.
        assert_eq!(amsterdam_offset(utc("2022-03-27T00:59:59Z")).local_minus_utc(), 3600);
        assert_eq!(amsterdam_offset(utc("2022-03-27T01:00:00Z")).local_minus_utc(), 7200);
        assert_eq!(amsterdam_offset(utc("2022-10-30T00:59:59Z")).local_minus_utc(), 7200);
        assert_eq!(amsterdam_offset(utc("2022-10-30T01:00:00Z")).local_minus_utc(), 3600);
        // 2024: 31 March and 27 October.
        assert_eq!(amsterdam_offset(utc("2024-03-31T01:00:00Z")).local_minus_utc(), 7200);
        assert_eq!(amsterdam_offset(utc("2024-03-30T12:00:00Z")).local_minus_utc(), 3600);
        assert_eq!(amsterdam_offset(utc("2024-10-27T00:30:00Z")).local_minus_utc(), 7200);
        assert_eq!(amsterdam_offset(utc("2024-10-27T01:30:00Z")).local_minus_utc(), 3600);
        assert_eq!(amsterdam_offset(utc("2022-12-31T23:00:00Z")).local_minus_utc(), 3600);
        // The local hour that repeats in October is shown in each offset in turn.
        assert_eq!(date_time(utc("2022-10-30T00:30:00Z")), "zondag 30 oktober 2022, 02.30 uur");
        assert_eq!(date_time(utc("2022-10-30T01:30:00Z")), "zondag 30 oktober 2022, 02.30 uur");
    }

    #[test]
    fn finds_last_sundays() {
        assert_eq!(last_sunday(2022, 3), NaiveDate::from_ymd_opt(2022, 3, 27));
        assert_eq!(last_sunday(2022, 10), NaiveDate::from_ymd_opt(2022, 10, 30));
        assert_eq!(last_sunday(2026, 3), NaiveDate::from_ymd_opt(2026, 3, 29));
        assert_eq!(last_sunday(2026, 10), NaiveDate::from_ymd_opt(2026, 10, 25));
        assert_eq!(last_sunday(2022, 12), NaiveDate::from_ymd_opt(2022, 12, 25));
    }
}
