//! A call's applications, page by page, as each role may see them.

use std::collections::HashMap;

use crate::domain::money::Money;
use crate::domain::region::Region;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::{Principal, Role};
use crate::store::{self, calls::call_of};

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<String>,
    /// A region's `ref`.
    pub region: Option<String>,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Clone)]
pub struct ApplicationSummary {
    pub application: entity::application::Model,
    pub region_ref: String,
    pub region_name: String,
    pub requested_total: Money,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<ApplicationSummary>,
    pub total: u64,
}

/// A call's applications by id: staff see all; a region user its own; an assessor the submitted
/// ones of a call they are assigned to (403 otherwise), except those they declared a conflict on.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn list_for_call(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    q: ListQuery,
) -> Result<Page, DomainError> {
    let db = &state.db;
    call_of(db, call_id).await?;
    let regions: HashMap<i32, Region> = store::regions::list(db).await?.into_iter().collect();
    let mut filter = store::applications::Filter {
        status: q.status,
        limit: q.limit,
        offset: q.offset,
        ..Default::default()
    };
    let by_ref = match &q.region {
        Some(r) => match regions.iter().find(|(_, region)| &region.r#ref == r) {
            Some((id, _)) => Some(*id),
            None => return Ok(Page { items: Vec::new(), total: 0 }),
        },
        None => None,
    };
    filter.region_id = by_ref;
    match who.role {
        Role::Staff => {}
        Role::Region => {
            let own = who.region_id.ok_or_else(|| {
                DomainError::Forbidden("this user does not act for a region".into())
            })?;
            if by_ref.is_some_and(|r| r != own) {
                return Ok(Page { items: Vec::new(), total: 0 });
            }
            filter.region_id = Some(own);
        }
        Role::Assessor => {
            if !store::call_assessors::is_assigned(db, call_id, who.user_id).await? {
                return Err(DomainError::Forbidden(format!(
                    "you are not assigned to assess call {call_id}"
                )));
            }
            filter.submitted_only = true;
            // Applications with a declared conflict of interest are left out, as if absent.
            filter.excluded = store::assessment::conflicts_of_call(db, call_id)
                .await?
                .into_iter()
                .filter(|c| c.assessor_id == who.user_id)
                .map(|c| c.application_id)
                .collect();
        }
    }
    let (rows, total) = store::applications::page_for_call(db, call_id, &filter).await?;
    let ids: Vec<i32> = rows.iter().map(|a| a.id).collect();
    let totals = store::applications::requested_totals(db, &ids).await?;
    let items = rows
        .into_iter()
        .map(|a| {
            let region = regions.get(&a.region_id);
            ApplicationSummary {
                requested_total: totals.get(&a.id).copied().unwrap_or(Money::ZERO),
                region_ref: region.map(|r| r.r#ref.clone()).unwrap_or_default(),
                region_name: region.map(|r| r.name.clone()).unwrap_or_default(),
                application: a,
            }
        })
        .collect();
    Ok(Page { items, total })
}
