//! Figures written the Dutch way, for letters and reports: `€ 1.027.020,00`, `86,00`,
//! `95.174`, `12,5%`, `15 september 2022`. Exact: decimals, never floats.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::dutch;
use crate::domain::money::Money;
use crate::domain::points::Points;

/// `€ 1.027.020,00`
pub fn amount(m: Money) -> String {
    m.to_dutch()
}

/// `86,00`
pub fn points(p: Points) -> String {
    p.to_dutch()
}

/// `15 september 2022`
pub fn date(d: NaiveDate) -> String {
    dutch::date(d)
}

/// A whole number with a point per thousand: `95.174`, `-1.250`.
pub fn integer(n: i64) -> String {
    decimal(Decimal::from(n), 0)
}

/// A decimal with `places` decimals (half-up), a comma and grouped thousands: `1.234,50`.
pub fn decimal(value: Decimal, places: u32) -> String {
    let mut d = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    d.rescale(places);
    let canonical = d.to_string();
    let (sign, digits) = match canonical.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", canonical.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::from(sign);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    if let Some(f) = fraction {
        out.push(',');
        out.push_str(f);
    }
    out
}

/// A percentage with one decimal: `12,5%` for 12.5.
pub fn percent(value: Decimal) -> String {
    format!("{}%", decimal(value, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_figures_the_dutch_way() {
        assert_eq!(amount(Money::parse("1027020.00").unwrap()), "€ 1.027.020,00");
        assert_eq!(points(Points::parse("86").unwrap()), "86,00");
        assert_eq!(integer(95174), "95.174");
        assert_eq!(integer(-1250), "-1.250");
        assert_eq!(integer(999), "999");
        assert_eq!(decimal("1234.505".parse().unwrap(), 2), "1.234,51");
        assert_eq!(percent("12.45".parse().unwrap()), "12,5%");
        assert_eq!(date(NaiveDate::from_ymd_opt(2022, 9, 15).unwrap()), "15 september 2022");
    }
}
