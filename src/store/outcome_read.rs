//! What one application's outcome read needs from the database besides the call's outcome, in
//! one statement: the application, its region, its call and the id of the call's published
//! outcome of a stage.

use entity::{application, call, outcome_snapshot, region};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Iterable};

use super::calls::StoredCall;
use crate::domain::region::Region;
use crate::error::DomainError;

/// An application with its region and call, and the id of the call's published outcome.
#[derive(Debug, Clone)]
pub struct ApplicationInCall {
    pub application: application::Model,
    pub region: Region,
    pub call: StoredCall,
    /// The call's published outcome of the stage asked for, if any.
    pub snapshot: Option<i32>,
}

const APP: &str = "a_";
const REGION: &str = "r_";
const CALL: &str = "c_";
const SNAPSHOT: &str = "s_id";

/// Selects every column of `E`, each named with `prefix` before it.
fn select_all<E: EntityTrait>(q: &mut SelectStatement, entity: E, prefix: &str) {
    for c in E::Column::iter() {
        let name = format!("{prefix}{}", sea_orm::IdenStatic::as_str(&c));
        q.expr_as(Expr::col((entity, c)), Alias::new(name));
    }
}

/// The application `id` with its region, its call and the id of the call's `stage` snapshot;
/// `None` when there is no such application.
pub async fn application_in_call<C: ConnectionTrait>(
    db: &C,
    id: i32,
    stage: &str,
) -> Result<Option<ApplicationInCall>, DomainError> {
    let mut q = Query::select();
    q.from(application::Entity);
    select_all(&mut q, application::Entity, APP);
    select_all(&mut q, region::Entity, REGION);
    select_all(&mut q, call::Entity, CALL);
    q.expr_as(
        Expr::col((outcome_snapshot::Entity, outcome_snapshot::Column::Id)),
        Alias::new(SNAPSHOT),
    );
    q.join(
        JoinType::InnerJoin,
        region::Entity,
        Expr::col((region::Entity, region::Column::Id))
            .equals((application::Entity, application::Column::RegionId)),
    );
    q.join(
        JoinType::InnerJoin,
        call::Entity,
        Expr::col((call::Entity, call::Column::Id))
            .equals((application::Entity, application::Column::CallId)),
    );
    q.join(
        JoinType::LeftJoin,
        outcome_snapshot::Entity,
        Condition::all()
            .add(
                Expr::col((outcome_snapshot::Entity, outcome_snapshot::Column::CallId))
                    .equals((application::Entity, application::Column::CallId)),
            )
            .add(Expr::col((outcome_snapshot::Entity, outcome_snapshot::Column::Stage)).eq(stage)),
    );
    q.and_where(Expr::col((application::Entity, application::Column::Id)).eq(id));
    let Some(row) = db.query_one(&q).await? else {
        return Ok(None);
    };
    let application = application::Model::from_query_result(&row, APP)?;
    let (_, region) = super::regions::from_row(region::Model::from_query_result(&row, REGION)?)?;
    let call = super::calls::from_row(call::Model::from_query_result(&row, CALL)?)?;
    let snapshot: Option<i32> = row.try_get("", SNAPSHOT)?;
    Ok(Some(ApplicationInCall { application, region, call, snapshot }))
}
