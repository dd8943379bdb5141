//! The demo's rehearsal clock (`POST /demo/clock`, only under `serve --demo` and only on a
//! database `serve --demo` created): staff move the service's time forward to a stage of a call
//! or to a moment, so a whole call can be walked through in minutes. It never goes back; the
//! offset is kept in the database, so a restart keeps the demo's time.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::auth::{Principal, Role};
use super::{AppState, audit, calls, outcome_cache};
use crate::clock::DemoClock;
use crate::error::DomainError;
use crate::store;

/// Where to move the clock: a stage of a call, or a moment.
#[derive(Debug, Clone, Default)]
pub struct ClockTarget {
    pub call_id: Option<i32>,
    pub stage: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClockMoved {
    pub previous: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// How far the demo clock runs ahead of the real one.
    pub offset_seconds: i64,
    /// What the scheduler queued at the new time (reminders that fell due on the way).
    pub reminders_queued: usize,
}

/// A database `serve --demo` created: its clock offset, or `None` for any other database.
#[tracing::instrument(skip_all)]
pub async fn stored_offset(state: &AppState) -> Result<Option<TimeDelta>, DomainError> {
    Ok(store::demo::marker(&state.db)
        .await?
        .map(|m| TimeDelta::seconds(m.clock_offset_seconds.max(0))))
}

#[tracing::instrument(skip_all, fields(user_id = who.user_id, call_id = target.call_id))]
pub async fn move_clock(
    state: &AppState,
    who: &Principal,
    clock: &DemoClock,
    target: ClockTarget,
) -> Result<ClockMoved, DomainError> {
    who.require(&[Role::Staff])?;
    let Some(marker) = store::demo::marker(&state.db).await? else {
        return Err(DomainError::Conflict(
            "the demo clock moves only on a database created by `serve --demo`".into(),
        ));
    };
    let to = match (target.at, target.call_id, target.stage.as_deref()) {
        (Some(at), None, None) => at,
        (None, Some(call_id), Some(stage)) => {
            let call = calls::get(state, call_id).await?;
            call.definition.stage_moment(stage).ok_or_else(|| {
                let kinds: Vec<&str> =
                    call.definition.stages.iter().map(|s| s.kind.as_str()).collect();
                DomainError::invalid(
                    "stage",
                    format!(
                        "call {call_id} has no stage {stage}; its stages: {}",
                        kinds.join(", ")
                    ),
                )
            })?
        }
        _ => {
            return Err(DomainError::invalid(
                "at",
                "give either `at` (a moment) or `call_id` with `stage`",
            ));
        }
    };
    let previous = state.now();
    let offset = clock.advance_to(to).map_err(|now| {
        DomainError::invalid(
            "at",
            format!("the demo clock never goes back: it is {} now", now.to_rfc3339()),
        )
    })?;
    // Whole seconds, rounded up, so a restart never lands before the time staff moved to.
    let seconds = offset.num_seconds() + i64::from(offset.subsec_nanos() > 0);
    let now = state.now();
    // One write with its audit line, between no others, so the outcomes kept before it stay
    // kept: no outcome depends on the time.
    let txn = state.write().await?;
    let before = state.key_inside(&txn).await?;
    store::demo::set_offset(&txn, marker.id, seconds).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "demo.clock_moved",
            entity_type: "demo",
            entity_id: marker.id.to_string(),
            reason: None,
            details: serde_json::json!({
                "previous": previous, "now": now, "call_id": target.call_id, "stage": target.stage,
            }),
        },
    )
    .await?;
    let after = state.key_after_commit(&txn).await?;
    txn.commit().await?;
    outcome_cache::unchanged_by_any(state, before, after);
    // The scheduler follows at once (it also ticks on its own interval).
    let queued = super::deadlines::tick(state).await?;
    Ok(ClockMoved { previous, now, offset_seconds: seconds, reminders_queued: queued.len() })
}
