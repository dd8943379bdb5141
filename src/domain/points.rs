//! Points: scores on criteria and their aggregates, exact decimals.

use std::fmt;
use std::ops::Add;

use rust_decimal::{Decimal, RoundingStrategy};

/// A score: a sheet total, a round score (a mean, rounded half-up to two decimals) or a threshold.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointsError {
    #[error(
        "points are written as a decimal number with at most two decimals, like \"50\" or \"83.33\""
    )]
    Malformed,
    #[error("points cannot be negative")]
    Negative,
}

impl Points {
    pub const ZERO: Points = Points(Decimal::ZERO);

    pub fn whole(value: i64) -> Points {
        Points(Decimal::from(value))
    }

    /// Parses a threshold or a score given as text: `"50"`, `"83.33"`; at most two decimals.
    pub fn parse(input: &str) -> Result<Points, PointsError> {
        let s = input.trim();
        let value = Decimal::from_str_exact(s).map_err(|_| PointsError::Malformed)?;
        if s.contains(['e', 'E']) || value.normalize().scale() > 2 {
            return Err(PointsError::Malformed);
        }
        if value.is_sign_negative() && !value.is_zero() {
            return Err(PointsError::Negative);
        }
        Ok(Points(value.normalize()))
    }

    pub fn from_decimal(value: Decimal) -> Points {
        Points(value)
    }

    pub fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// The arithmetic mean, computed exactly and rounded half-up to two decimals.
    /// `None` for no values.
    pub fn mean_half_up(values: &[Points]) -> Option<Points> {
        if values.is_empty() {
            return None;
        }
        let sum: Decimal = values.iter().map(|p| p.0).sum();
        let mean = sum / Decimal::from(values.len() as u64);
        Some(Points(mean.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)))
    }

    /// Written with two decimals and a decimal point (`"86.00"`), as in JSON.
    pub fn to_two_decimals(&self) -> String {
        let mut d = self.0;
        d.rescale(2);
        d.to_string()
    }

    /// Written the Dutch way, with a decimal comma (`86,00`), as in letters.
    pub fn to_dutch(&self) -> String {
        self.to_two_decimals().replace('.', ",")
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0 + rhs.0)
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_two_decimals())
    }
}

impl fmt::Debug for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Points({})", self.0)
    }
}

impl serde::Serialize for Points {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_two_decimals())
    }
}

impl<'de> serde::Deserialize<'de> for Points {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Points::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Points {
        Points::parse(s).unwrap()
    }

    #[test]
    fn mean_rounds_half_up_at_half_a_cent() {
        // 250/3 = 83.333.. -> 83.33; 263/3 = 87.666.. -> 87.67
        assert_eq!(
            Points::mean_half_up(&[p("83"), p("83"), p("84")]).unwrap().to_string(),
            "83.33"
        );
        assert_eq!(
            Points::mean_half_up(&[p("87"), p("88"), p("88")]).unwrap().to_string(),
            "87.67"
        );
        // exactly .005 rounds up, not to even
        assert_eq!(Points::mean_half_up(&[p("0.01"), p("0")]).unwrap().to_string(), "0.01");
        assert_eq!(Points::mean_half_up(&[p("50.01"), p("50")]).unwrap().to_string(), "50.01");
        assert_eq!(Points::mean_half_up(&[p("50.03"), p("50")]).unwrap().to_string(), "50.02");
        assert_eq!(Points::mean_half_up(&[]), None);
    }

    #[test]
    fn parses_thresholds() {
        assert_eq!(p("50").to_string(), "50.00");
        assert_eq!(p("49.5").to_dutch(), "49,50");
        assert!(Points::parse("50.001").is_err());
        assert!(Points::parse("-1").is_err());
        assert!(Points::parse("5e1").is_err());
        assert!(p("50.00") == p("50"));
    }
}
