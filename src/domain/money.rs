//! Money: euros with at most two decimals, exact. Floats never touch it.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};
use std::str::FromStr;

use rust_decimal::Decimal;

/// An amount in euros, always exact and with at most two decimals (whole cents).
/// It may be negative only as the result of a subtraction (a shortfall or overspend);
/// parsing input refuses negative amounts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error(
        "an amount is written as a string of digits with at most two decimals, like \"1027020.00\""
    )]
    Malformed,
    #[error("an amount cannot have fractions of a cent")]
    FractionOfCent,
    #[error("an amount cannot be negative")]
    Negative,
    #[error("the amount is too large")]
    TooLarge,
}

impl Money {
    // Scale 2, like every other amount: zero reads "0.00", not "0".
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, 2));

    /// Parses user input: `"1027020.00"`, `"1027020"` or `"0.5"`; never a negative amount,
    /// never fractions of a cent, no exponent, no thousands separators.
    pub fn parse(input: &str) -> Result<Money, MoneyError> {
        let s = input.trim();
        if s.starts_with('-') {
            // Still tell a negative apart from a malformed string.
            return match Decimal::from_str_exact(s) {
                Ok(_) => Err(MoneyError::Negative),
                Err(_) => Err(MoneyError::Malformed),
            };
        }
        let well_formed = !s.is_empty()
            && s.chars().all(|c| c.is_ascii_digit() || c == '.')
            && s.matches('.').count() <= 1
            && !s.starts_with('.')
            && !s.ends_with('.');
        if !well_formed {
            return Err(MoneyError::Malformed);
        }
        // A well-formed string only fails to parse by its size: too many digits on either side.
        let value = Decimal::from_str_exact(s).map_err(|_| {
            let fraction = s.split_once('.').map_or("", |(_, f)| f);
            if fraction.len() > 2 && fraction[2..].chars().any(|c| c != '0') {
                MoneyError::FractionOfCent
            } else {
                MoneyError::TooLarge
            }
        })?;
        Money::from_decimal(value)
    }

    /// An exact decimal that has whole cents (e.g. the result of a computation in Rust).
    pub fn from_decimal(value: Decimal) -> Result<Money, MoneyError> {
        if value.normalize().scale() > 2 {
            return Err(MoneyError::FractionOfCent);
        }
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        Ok(Money(with_two_decimals(value)))
    }

    /// Whole euros, as in an allocation.
    pub fn from_whole_euros(euros: i64) -> Money {
        Money(with_two_decimals(Decimal::from(euros)))
    }

    pub fn as_decimal(&self) -> Decimal {
        self.0
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(|d| Money(with_two_decimals(d)))
    }

    /// Written the Dutch way, as in letters and emails: `€ 1.027.020,00`.
    pub fn to_dutch(&self) -> String {
        let canonical = self.to_string();
        let (sign, digits) = match canonical.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", canonical.as_str()),
        };
        let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push('.');
            }
            grouped.push(ch);
        }
        format!("€ {sign}{grouped},{cents}")
    }
}

fn with_two_decimals(mut value: Decimal) -> Decimal {
    // Scale 2 is the canonical form: "4000000.00" reads back as "4000000.00".
    value.rescale(2);
    value
}

/// The canonical text: two decimals, no grouping (`"4000000.00"`). Also the stored form.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({})", self.0)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(with_two_decimals(self.0 + rhs.0))
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(with_two_decimals(self.0 - rhs.0))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Money::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_two_decimals_exactly() {
        assert_eq!(Money::parse("1027020.00").unwrap().to_string(), "1027020.00");
        assert_eq!(Money::parse("1027020").unwrap().to_string(), "1027020.00");
        assert_eq!(Money::parse("0.5").unwrap().to_string(), "0.50");
        assert_eq!(
            Money::parse("99999999999999999.99").unwrap().to_string(),
            "99999999999999999.99"
        );
    }

    #[test]
    fn refuses_what_is_not_money() {
        assert_eq!(Money::parse("100.005"), Err(MoneyError::FractionOfCent));
        assert_eq!(Money::parse("-1.00"), Err(MoneyError::Negative));
        for bad in ["", "1e5", "1.000,00", "€ 5", "1..0", ".5", "5.", "abc", "+5"] {
            assert_eq!(Money::parse(bad), Err(MoneyError::Malformed), "{bad:?}");
        }
        assert_eq!(Money::parse("100.000"), Ok(Money::parse("100.00").unwrap()));
        assert_eq!(Money::parse("999999999999999999999999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn sums_exactly() {
        let total: Money = ["512000.00", "604500.00", "0.10", "0.20"]
            .iter()
            .map(|s| Money::parse(s).unwrap())
            .sum();
        assert_eq!(total.to_string(), "1116500.30");
        assert_eq!(std::iter::empty::<Money>().sum::<Money>().to_string(), "0.00");
        assert_eq!(Money::ZERO, Money::parse("0").unwrap());
    }

    #[test]
    fn writes_dutch() {
        assert_eq!(Money::parse("1027020").unwrap().to_dutch(), "€ 1.027.020,00");
        assert_eq!(Money::parse("3").unwrap().to_dutch(), "€ 3,00");
        assert_eq!(Money::parse("999.5").unwrap().to_dutch(), "€ 999,50");
        assert_eq!(Money::parse("1000").unwrap().to_dutch(), "€ 1.000,00");
        assert_eq!(
            (Money::parse("1").unwrap() - Money::parse("1001").unwrap()).to_dutch(),
            "€ -1.000,00"
        );
    }
}
