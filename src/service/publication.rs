//! Publication: the first-round outcome and the final decision. The round's state, its outcome
//! (`outcome`), the letters' readiness and the frozen snapshot's bytes are prepared before the
//! write lock and taken inside it only when nothing was committed meanwhile (`prepare`). Then in
//! one short transaction each, in this order: the prepared outcome is taken; the
//! applications get their statuses, their letters recorded `pending` (`letters`) and their
//! decision emails waiting for those letters (`notify`), each kind of row in a few multi-row
//! statements whatever the call's size; the inputs are frozen and the round published; for the
//! final decision the awarded applications become proeftuinen (`monitoring`). The letters are
//! rendered after the commit by the letter worker (`letters::render`), one at a time, from what
//! was frozen; an email leaves only with its letter. The outcome is kept for the reads after the
//! commit (`outcome_cache::remember`), so they do not compute it again.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use super::assessment::rounds::round_state;
use super::assessment::{STAGE_FINAL, STAGE_FIRST};
use super::auth::{Principal, Role};
use super::letters::{self, Publishing};
use super::notify;
use super::outcome::{AppRow, Outcome, reference};
use super::outcome_cache::{self, CallOutcome, Remembered};
use super::{AppState, audit};
use crate::domain::decision::{Publication, final_publication, first_round_publication};
use crate::domain::round::{Round, RoundState};
use crate::domain::selection::{self, Pending};
use crate::error::DomainError;
use crate::mail::decisions::InterviewAt;
use crate::store::read_cache::CacheKey;
use crate::store::sheet_memo::SheetMemo;
use crate::store::{self, calls::StoredCall};
use prepare::{Frozen, Prepared};

mod prepare;

/// Publishes the first-round outcome: invitations and rejections, their emails, a frozen snapshot;
/// the outcome as the reads after it find it.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn publish_first_round(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Arc<CallOutcome>, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let (txn, prepared) = prepare::locked(state, call_id, Round::First, now).await?;
    let locked_at = std::time::Instant::now();
    let Prepared { call, outcome: o, letters, frozen } = prepared;
    let p = Publishing { who, call: &call, outcome: &o, letters: &letters, now };
    let apps = apps_by_ref(&o);
    let decided: Vec<Decided> = o
        .result
        .applications
        .iter()
        .filter_map(|r| {
            let app = *apps.get(r.r#ref.as_str())?;
            let publication = r.first_round_decision.map(first_round_publication)?;
            let details = serde_json::json!({"decision": publication.status});
            let action = "application.first_round_decided";
            Some(Decided { app, publication, occasion: "first_round", action, details })
        })
        .collect();
    decide_all(&txn, &p, Round::First, decided).await?;
    let details = serde_json::json!({"stage": STAGE_FIRST});
    let sha256 = frozen.sha256.clone();
    publish_round(&txn, &p, Round::First, details, frozen).await?;
    // The reads after the commit find the outcome it leaves: the same sheets and decisions.
    let key = prepare::key_inside(state, &txn).await?;
    txn.commit().await?;
    tracing::debug!(call_id, held = ?locked_at.elapsed(), "first-round outcome committed");
    let after = CacheKey { generation: key.generation + 2, ..key };
    let kept = CallOutcome::computed(o.input, o.result, false);
    let kept = outcome_cache::remember(state, call_id, Remembered::Read(after), kept);
    // The letters are rendered from these very inputs (frozen under this SHA-256).
    letters::render::share_frozen(sha256, kept.clone());
    letters::render::wake();
    Ok(kept)
}

/// Publishes the final decision: awards and rejections, the allocation, emails, a frozen snapshot;
/// the outcome as the reads after it find it.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn publish_final(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<Arc<CallOutcome>, DomainError> {
    who.require(&[Role::Staff])?;
    let now = state.now();
    let (txn, prepared) = prepare::locked(state, call_id, Round::Final, now).await?;
    let locked_at = std::time::Instant::now();
    let Prepared { call, outcome: o, letters, frozen } = prepared;
    let p = Publishing { who, call: &call, outcome: &o, letters: &letters, now };
    let apps = apps_by_ref(&o);
    let decided: Vec<Decided> = o
        .result
        .applications
        .iter()
        .filter_map(|r| {
            let app = *apps.get(r.r#ref.as_str())?;
            let publication = r.decision.and_then(final_publication)?;
            let details =
                serde_json::json!({"decision": publication.status, "allocated": r.allocated});
            let action = "application.decided";
            Some(Decided { app, publication, occasion: "final", action, details })
        })
        .collect();
    decide_all(&txn, &p, Round::Final, decided).await?;
    let details =
        serde_json::json!({"stage": STAGE_FINAL, "allocated_total": o.result.allocated_total});
    let sha256 = frozen.sha256.clone();
    let snapshot = publish_round(&txn, &p, Round::Final, details, frozen).await?;
    super::monitoring::create_proeftuinen_for_awards(&txn, &who.actor(), &call, &o.result, now)
        .await?;
    txn.commit().await?;
    tracing::debug!(call_id, held = ?locked_at.elapsed(), "final decision committed");
    // The reads after the commit take the published outcome by its snapshot: these inputs.
    let kept = CallOutcome::computed(o.input, o.result, true);
    let kept = outcome_cache::remember(state, call_id, Remembered::Snapshot(snapshot), kept);
    letters::render::share_frozen(sha256, kept.clone());
    letters::render::wake();
    Ok(kept)
}

/// The outcome of a closed, not yet published round with nothing pending.
async fn closed_outcome<C: ConnectionTrait>(
    txn: &C,
    call: &StoredCall,
    round: Round,
    now: DateTime<Utc>,
    memo: &SheetMemo,
) -> Result<Outcome, DomainError> {
    let (published, not_closed) = match round {
        Round::First => (
            "the first-round outcome is published already",
            "close the first round before publishing its outcome",
        ),
        Round::Final => (
            "the final decision is published already",
            "close the final round before publishing the decision",
        ),
    };
    match round_state(txn, call, round, now).await? {
        RoundState::Closed => {}
        RoundState::Published => return Err(DomainError::Conflict(published.into())),
        _ => return Err(DomainError::Conflict(not_closed.into())),
    }
    let o = Outcome::load(txn, call, memo).await?;
    let pending = match round {
        Round::First => &o.result.first_round_pending,
        Round::Final => &o.result.final_pending,
    };
    if !pending.is_empty() {
        return Err(DomainError::Conflict(format!("still pending: {}", pending_message(pending))));
    }
    Ok(o)
}

fn pending_message(p: &[Pending]) -> String {
    p.iter()
        .map(|p| match p {
            Pending::KnockoutDecision(r) => format!("a knock-out decision on {r}"),
            Pending::TieDecision(rs) => {
                format!("a decision on the tie at the last award place between {}", rs.join(", "))
            }
            Pending::FinalScore(r) => format!("final-round sheets for {r}"),
            Pending::ManualAllocation => "the amounts of the allocation by hand".to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The call's submitted applications by their ref, built once (not a search per application).
fn apps_by_ref(o: &Outcome) -> HashMap<&str, &AppRow> {
    o.apps.iter().map(|a| (a.region_ref.as_str(), a)).collect()
}

/// One application's published decision.
struct Decided<'a> {
    app: &'a AppRow,
    publication: Publication,
    /// The email's occasion: `first_round` or `final`.
    occasion: &'static str,
    /// The audit line's action and details.
    action: &'static str,
    details: serde_json::Value,
}

/// Gives the applications their statuses, records their letters pending and queues their
/// decision emails waiting for those letters, with an audit line each: a few multi-row
/// statements per kind of row, whatever the number of applications.
async fn decide_all(
    txn: &DatabaseTransaction,
    p: &Publishing<'_>,
    round: Round,
    decided: Vec<Decided<'_>>,
) -> Result<(), DomainError> {
    let Publishing { call, outcome: o, letters: resolved, now, .. } = *p;
    let mut by_status: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for d in &decided {
        by_status.entry(d.publication.status).or_default().push(d.app.id);
    }
    for (status, ids) in by_status {
        store::bulk::set_statuses(txn, &ids, status, now).await?;
    }
    let batch_id = letters::freeze_batch(txn, p, round.stage()).await?;
    let actor = p.who.actor();
    let (mut new_letters, mut emails, mut trail) = (Vec::new(), Vec::new(), Vec::new());
    let grounds = crate::domain::grounds::Grounds::new(&o.input, &o.result);
    for d in decided {
        let (app, email) = (d.app, d.publication.email);
        let (issued, attachment) = letters::pending(p, app, email, batch_id);
        new_letters.extend(issued);
        let details = notify::Details {
            reference: reference(call.id, app.id),
            ground: grounds.of(&app.region_ref).as_ref().map(letters::ground_sentence),
            interview: (email == "interview_invitation")
                .then(|| resolved.settings.interviews.get(&app.id))
                .flatten()
                .map(|i| InterviewAt {
                    date: i.date,
                    time: i.time,
                    place: i.place.clone(),
                    video_link: i.video_link.clone(),
                }),
        };
        let outgoing =
            notify::OutgoingDecision { kind: email, occasion: d.occasion, details, attachment };
        emails.push(notify::decision_email(&call.definition, app, outgoing, now));
        trail.push(audit::AuditEntry {
            actor: &actor,
            at: now,
            action: d.action,
            entity_type: "application",
            entity_id: app.id.to_string(),
            reason: None,
            details: d.details,
        });
    }
    store::letters::insert_many(txn, new_letters).await?;
    crate::mail::bulk::enqueue_many(txn, emails).await?;
    store::bulk::record_audit(txn, trail).await?;
    Ok(())
}

/// Freezes the outcome's inputs, marks the round published and writes the audit line; the
/// snapshot's id.
async fn publish_round(
    txn: &DatabaseTransaction,
    p: &Publishing<'_>,
    round: Round,
    details: serde_json::Value,
    frozen: Frozen,
) -> Result<i32, DomainError> {
    let call_id = p.call.id;
    let snapshot = freeze(txn, p, round.stage(), frozen).await?;
    let closed =
        store::assessment::round(txn, call_id, round.as_str()).await?.and_then(|r| r.closed_at);
    store::assessment::set_round(txn, call_id, round.as_str(), closed, Some(p.now)).await?;
    record(txn, p, "outcome.published", Entity::Call(call_id), details).await?;
    Ok(snapshot)
}

/// Stores the frozen snapshot (serialised and hashed before the write lock); its id.
async fn freeze(
    txn: &DatabaseTransaction,
    p: &Publishing<'_>,
    stage: &str,
    frozen: Frozen,
) -> Result<i32, DomainError> {
    let Frozen { inputs, result, sha256 } = frozen;
    let id = store::assessment::insert_snapshot(
        txn,
        store::assessment::NewSnapshot {
            call_id: p.call.id,
            stage,
            inputs,
            result,
            sha256,
            rule_version: selection::RULE_VERSION,
            published_by: Some(p.who.user_id),
            published_at: p.now,
        },
    )
    .await?;
    Ok(id)
}

/// What a publication's audit line is about.
enum Entity {
    Call(i32),
}

/// Writes one audit line of the publication, by its publisher at its moment.
async fn record(
    txn: &DatabaseTransaction,
    p: &Publishing<'_>,
    action: &str,
    entity: Entity,
    details: serde_json::Value,
) -> Result<(), DomainError> {
    let (entity_type, entity_id) = match entity {
        Entity::Call(id) => ("call", id),
    };
    let entry = audit::AuditEntry {
        actor: &p.who.actor(),
        at: p.now,
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        reason: None,
        details,
    };
    audit::record(txn, entry).await?;
    Ok(())
}
