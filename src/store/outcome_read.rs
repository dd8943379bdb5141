//! What one application's outcome read needs from the database besides what is kept in memory,
//! in one statement: the application with its region, the id of its call's published outcome of
//! a stage, and the newest audit line (the read key's part that other processes move).

use chrono::{DateTime, Utc};
use entity::{application, audit_log, consensus_note, outcome_snapshot, region};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// An application's row as the outcome read shows it, with the call's published outcome and the
/// newest audit line when it was read.
#[derive(Debug, Clone)]
pub struct ApplicationRead {
    pub id: i32,
    pub call_id: i32,
    pub region_id: i32,
    pub status: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub region_ref: String,
    pub region_name: String,
    pub lead_applicant_email: String,
    /// The call's published outcome of the stage asked for, if any.
    pub snapshot: Option<i32>,
    /// The newest audit line's id (0 without any).
    pub audit: i64,
}

/// The application `id` with its region, the id of its call's `stage` snapshot and the newest
/// audit line, in one statement; `None` when there is no such application.
pub async fn application_read<C: ConnectionTrait>(
    db: &C,
    id: i32,
    stage: &str,
) -> Result<Option<ApplicationRead>, DbErr> {
    let (a, r, s) = (application::Entity, region::Entity, outcome_snapshot::Entity);
    let newest_audit = Query::select()
        .column((audit_log::Entity, audit_log::Column::Id))
        .from(audit_log::Entity)
        .order_by((audit_log::Entity, audit_log::Column::Id), Order::Desc)
        .limit(1)
        .to_owned();
    let mut q = Query::select();
    q.from(a)
        .column((a, application::Column::Id))
        .column((a, application::Column::CallId))
        .column((a, application::Column::RegionId))
        .column((a, application::Column::Status))
        .column((a, application::Column::SubmittedAt))
        .expr_as(Expr::col((r, region::Column::Ref)), Alias::new("region_ref"))
        .expr_as(Expr::col((r, region::Column::Name)), Alias::new("region_name"))
        .column((r, region::Column::LeadApplicantEmail))
        .expr_as(Expr::col((s, outcome_snapshot::Column::Id)), Alias::new("snapshot"))
        .expr_as(Expr::SubQuery(None, Box::new(newest_audit.into())), Alias::new("audit"))
        .join(
            JoinType::InnerJoin,
            r,
            Expr::col((r, region::Column::Id)).equals((a, application::Column::RegionId)),
        )
        .join(
            JoinType::LeftJoin,
            s,
            Condition::all()
                .add(
                    Expr::col((s, outcome_snapshot::Column::CallId))
                        .equals((a, application::Column::CallId)),
                )
                .add(Expr::col((s, outcome_snapshot::Column::Stage)).eq(stage)),
        )
        .and_where(Expr::col((a, application::Column::Id)).eq(id));
    let Some(row) = db.query_one(&q).await? else {
        return Ok(None);
    };
    let audit: Option<i32> = row.try_get("", "audit")?;
    Ok(Some(ApplicationRead {
        id: row.try_get("", "id")?,
        call_id: row.try_get("", "call_id")?,
        region_id: row.try_get("", "region_id")?,
        status: row.try_get("", "status")?,
        submitted_at: row.try_get("", "submitted_at")?,
        region_ref: row.try_get("", "region_ref")?,
        region_name: row.try_get("", "region_name")?,
        lead_applicant_email: row.try_get("", "lead_applicant_email")?,
        snapshot: row.try_get("", "snapshot")?,
        audit: audit.map_or(0, i64::from),
    }))
}

/// The consensus notes on the applications of a call, oldest first (one statement).
pub async fn notes_of_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<consensus_note::Model>, DbErr> {
    let apps = Query::select()
        .column(application::Column::Id)
        .from(application::Entity)
        .and_where(Expr::col(application::Column::CallId).eq(call_id))
        .to_owned();
    consensus_note::Entity::find()
        .filter(consensus_note::Column::ApplicationId.in_subquery(apps))
        .order_by_asc(consensus_note::Column::Id)
        .all(db)
        .await
}
