//! Who may see which proeftuin.

use entity::proeftuin;
use sea_orm::ConnectionTrait;

use crate::domain::monitoring::Life;
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::store::monitoring as db;

pub(super) fn monitoring_roles(who: &Principal) -> Result<(), DomainError> {
    who.require(&[Role::Staff, Role::Region])
}

/// The life of a stored proeftuin.
pub(super) fn life_of(p: &proeftuin::Model) -> Result<Life, DomainError> {
    Ok(Life {
        started_on: db::parse_date(&p.started_on)?,
        ends_on: p.ends_on.as_deref().map(db::parse_date).transpose()?,
    })
}

/// The proeftuin if `who` may see it; another region's does not exist for a region user.
pub(super) async fn visible<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i32,
) -> Result<proeftuin::Model, DomainError> {
    monitoring_roles(who)?;
    let not_found = || DomainError::NotFound(format!("proeftuin {id}"));
    let p = db::proeftuin(db, id).await?.ok_or_else(not_found)?;
    if who.role == Role::Region && who.region_id != Some(p.region_id) {
        return Err(not_found());
    }
    Ok(p)
}
