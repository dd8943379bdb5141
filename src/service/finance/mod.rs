//! Grant finance (issue 17): the advance schedule and advances (each a decision with a letter and
//! an email), the payment record, the settlement (*vaststelling*) and its revisions, the figures
//! paid vs. granted vs. realised vs. remaining, and the exports (CSV, JSON, 360Giving).
//!
//! Who may do what: staff decide and record everything; a region's users read the finance of
//! their own region's proeftuinen and their letters (another region's does not exist for them:
//! 404); assessors have no part in it (403). Every change writes its audit line in its
//! transaction.

mod advances;
mod exports;
mod figures;
mod giving;
mod letter_reads;
pub mod letters;
mod mails;
mod model;
mod overview;
mod payments;
mod settlements;

pub use advances::*;
pub use exports::*;
pub use figures::*;
pub use giving::*;
pub use letter_reads::*;
pub use model::*;
pub use overview::*;
pub use payments::*;
pub use settlements::*;

use chrono::NaiveDate;
use entity::proeftuin;
use sea_orm::ConnectionTrait;

use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::store::monitoring as mdb;

/// The proeftuin if `who` may read its finance; another region's does not exist for a region
/// user.
pub(crate) async fn readable<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
) -> Result<proeftuin::Model, DomainError> {
    who.require(&[Role::Staff, Role::Region])?;
    let not_found = || DomainError::NotFound(format!("proeftuin {id}"));
    let p = mdb::proeftuin(db, id).await?.ok_or_else(not_found)?;
    if who.role == Role::Region && who.region_id != Some(p.region_id) {
        return Err(not_found());
    }
    Ok(p)
}

/// The proeftuin for a change by staff.
pub(crate) async fn for_staff<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
) -> Result<proeftuin::Model, DomainError> {
    who.require(&[Role::Staff])?;
    mdb::proeftuin(db, id).await?.ok_or_else(|| DomainError::NotFound(format!("proeftuin {id}")))
}

fn date_text(d: NaiveDate) -> String {
    mdb::date_text(d)
}

fn blank_to_none(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}
