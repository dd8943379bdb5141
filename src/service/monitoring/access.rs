//! Who may see which proeftuin.

use entity::proeftuin;
use sea_orm::ConnectionTrait;

use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::store::monitoring as db;

pub(super) fn monitoring_roles(who: &Principal) -> Result<(), DomainError> {
    who.require(&[Role::Staff, Role::Region])
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
