//! Proeftuinen, grants, the metric catalogue, annual plans, progress reports and their figures.
//! Amounts are canonical decimal text and are summed in Rust; counts are integers.

mod catalogue;
mod plans;
mod proeftuinen;
mod reports;

pub use catalogue::*;
pub use plans::*;
pub use proeftuinen::*;
pub use reports::*;

use chrono::NaiveDate;

use crate::domain::money::Money;
use crate::error::DomainError;

pub fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_date(s: &str) -> Result<NaiveDate, DomainError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| DomainError::internal(format!("stored date {s:?}: {e}")))
}

pub fn parse_money(s: &str) -> Result<Money, DomainError> {
    Money::parse(s).map_err(|e| DomainError::internal(format!("stored amount {s:?}: {e}")))
}
