//! Monitoring of the proeftuinen: the proeftuin record and its grants, the metric catalogue,
//! annual plans and progress reports with their workflow, roll-ups, spending, the programme
//! overview, exports and report reminders. Every change owns its transaction and writes its audit
//! line in it.
//!
//! Who may do what: programme staff everything; a region's users read and write the plans and
//! reports of their own region's proeftuinen (another region's proeftuin does not exist for them:
//! 404); only staff accept or return, register proeftuinen, add grants and define metrics.
//! Assessors have no part in monitoring (403).

mod access;
mod awards;
mod catalogue;
mod export;
mod overview;
pub mod pdf;
mod pdf_finance;
mod plans;
mod proeftuinen;
mod reminders;
mod reports;
mod rollup;
mod settings;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::dutch;

pub use awards::*;
pub use catalogue::*;
pub use export::*;
pub use overview::*;
pub use plans::*;
pub use proeftuinen::*;
pub use reminders::*;
pub use reports::*;
pub use rollup::*;
pub use settings::*;

fn today(now: DateTime<Utc>) -> NaiveDate {
    dutch::in_amsterdam(now).date_naive()
}
