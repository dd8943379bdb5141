//! The rounds: where each stands, which applications it scores, and closing it.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::{Round, RoundState};
use crate::domain::call::stage;
use crate::error::DomainError;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::AppRow;
use crate::service::{AppState, audit, outcome_cache};
use crate::store::{
    self,
    assessment::FIRST,
    calls::{StoredCall, call_of},
};

pub(crate) async fn round_state<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    round: Round,
    now: DateTime<Utc>,
) -> Result<RoundState, DomainError> {
    let row = store::assessment::round(db, call.id, round.as_str()).await?;
    let published = row.as_ref().is_some_and(|r| r.published_at.is_some());
    let closed = row.as_ref().is_some_and(|r| r.closed_at.is_some());
    let first_published = match round {
        Round::Final if !published && !closed => store::assessment::round(db, call.id, FIRST)
            .await?
            .is_some_and(|r| r.published_at.is_some()),
        _ => false,
    };
    Ok(state_from(RoundRows { published, closed, first_published }, call, round, now))
}

/// What a round's state is computed from: its row (published, closed) and, for the final round,
/// whether the first round's outcome is published.
pub(super) struct RoundRows {
    pub published: bool,
    pub closed: bool,
    pub first_published: bool,
}

/// The round's state from its rows and, for the first round, the call's submission deadline.
pub(super) fn state_from(
    rows: RoundRows,
    call: &StoredCall,
    round: Round,
    now: DateTime<Utc>,
) -> RoundState {
    if rows.published {
        return RoundState::Published;
    }
    if rows.closed {
        return RoundState::Closed;
    }
    let open = match round {
        Round::First => call.definition.moment(stage::SUBMISSION_DEADLINE).is_some_and(|d| now > d),
        Round::Final => rows.first_published,
    };
    if open { RoundState::Open } else { RoundState::NotOpen }
}

/// Applications scored in a round: all submitted ones in the first, the invited ones in the final.
pub(super) fn in_round(app: &AppRow, round: Round) -> bool {
    status_in_round(&app.status, round)
}

/// An application with this status is scored in the round.
pub(super) fn status_in_round(status: &str, round: Round) -> bool {
    match round {
        Round::First => status != "draft",
        Round::Final => matches!(status, "invited_to_interview" | "awarded" | "not_awarded"),
    }
}

#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn close_round(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    round: Round,
) -> Result<(), DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let txn = state.write().await?;
    let before = state.key_inside(&txn).await?;
    let call = call_of(&txn, call_id).await?;
    round_state(&txn, &call, round, now).await?.needs_open(round)?;
    // Counted by the database in one grouped query: not every sheet loaded per application.
    let counts = store::assessment::sheet_counts_of_call(&txn, call_id, round.as_str()).await?;
    let min = i64::from(call.definition.min_sheets_per_application);
    let mut short = Vec::new();
    for c in counts.iter().filter(|c| status_in_round(&c.status, round) && c.n < min) {
        let region = c
            .region_ref
            .as_deref()
            .ok_or_else(|| DomainError::internal("an application of the round has no region"))?;
        short.push(format!("{region} ({} of {min})", c.n));
    }
    if !short.is_empty() {
        return Err(DomainError::Conflict(format!(
            "the round cannot close: too few submitted sheets for {}",
            short.join(", ")
        )));
    }
    store::assessment::set_round(&txn, call_id, round.as_str(), Some(now), None).await?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "round.closed",
            entity_type: "call",
            entity_id: call_id.to_string(),
            reason: None,
            details: serde_json::json!({"round": round.as_str()}),
        },
    )
    .await?;
    let after = state.key_after_commit(&txn).await?;
    txn.commit().await?;
    // Closing changes none of the outcome's inputs (sheets, decisions, the call): the outcome
    // staff looked at before closing is still the call's, and the results the close answers
    // with (and the publication after it) take it instead of computing it again (at 10,000
    // applications, a second).
    outcome_cache::unchanged_by(state, call_id, before, after);
    Ok(())
}
/// A round's state as a word: `not_open`, `open`, `closed`, `published`.
#[tracing::instrument(skip_all, fields(call_id = call.id))]
pub async fn round_state_of(
    state: &AppState,
    call: &StoredCall,
    round: Round,
    now: DateTime<Utc>,
) -> Result<&'static str, DomainError> {
    Ok(round_state(&state.db, call, round, now).await?.as_str())
}
