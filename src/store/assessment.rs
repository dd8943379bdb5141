//! Conflicts, scoring sheets, rounds, recorded decisions, consensus notes and frozen outcomes.

use chrono::{DateTime, Utc};
use entity::{conflict, consensus_note, decision, outcome_snapshot, round, sheet};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use crate::domain::decision::RecordedKind;

pub const FIRST: &str = "first";
pub const FINAL: &str = "final";

// ---- conflicts

pub async fn add_conflict<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    assessor_id: i32,
    application_id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<conflict::Model, DbErr> {
    conflict::ActiveModel {
        call_id: Set(call_id),
        assessor_id: Set(assessor_id),
        application_id: Set(application_id),
        reason: Set(reason.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn conflict<C: ConnectionTrait>(
    db: &C,
    assessor_id: i32,
    application_id: i32,
) -> Result<Option<conflict::Model>, DbErr> {
    conflict::Entity::find()
        .filter(conflict::Column::AssessorId.eq(assessor_id))
        .filter(conflict::Column::ApplicationId.eq(application_id))
        .one(db)
        .await
}

pub async fn conflicts_of_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<conflict::Model>, DbErr> {
    conflict::Entity::find()
        .filter(conflict::Column::CallId.eq(call_id))
        .order_by_asc(conflict::Column::Id)
        .all(db)
        .await
}

// ---- sheets

/// The newest version of one assessor's sheet on an application in a round.
pub async fn latest_sheet<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    assessor_id: i32,
    round: &str,
) -> Result<Option<sheet::Model>, DbErr> {
    sheet::Entity::find()
        .filter(sheet::Column::ApplicationId.eq(application_id))
        .filter(sheet::Column::AssessorId.eq(assessor_id))
        .filter(sheet::Column::Round.eq(round))
        .order_by_desc(sheet::Column::Version)
        .one(db)
        .await
}

/// Every sheet version of a round for these applications (drafts, submitted and superseded).
pub async fn sheets_of<C: ConnectionTrait>(
    db: &C,
    application_ids: &[i32],
    round: Option<&str>,
) -> Result<Vec<sheet::Model>, DbErr> {
    let mut q = sheet::Entity::find()
        .filter(sheet::Column::ApplicationId.is_in(application_ids.iter().copied()));
    if let Some(r) = round {
        q = q.filter(sheet::Column::Round.eq(r));
    }
    q.order_by_asc(sheet::Column::ApplicationId)
        .order_by_asc(sheet::Column::AssessorId)
        .order_by_asc(sheet::Column::Version)
        .all(db)
        .await
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_sheet<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    assessor_id: i32,
    round: &str,
    version: i32,
    content: String,
    correction_reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<sheet::Model, DbErr> {
    sheet::ActiveModel {
        application_id: Set(application_id),
        assessor_id: Set(assessor_id),
        round: Set(round.to_string()),
        version: Set(version),
        status: Set("draft".into()),
        content: Set(content),
        total: Set(None),
        correction_reason: Set(correction_reason),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn update_sheet<C: ConnectionTrait>(
    db: &C,
    id: i32,
    content: String,
    submitted: Option<(String, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut m = sheet::ActiveModel {
        id: Set(id),
        content: Set(content),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some((total, at)) = submitted {
        m.status = Set("submitted".into());
        m.total = Set(Some(total));
        m.submitted_at = Set(Some(at));
    }
    m.update(db).await?;
    Ok(())
}

pub async fn supersede_sheet<C: ConnectionTrait>(
    db: &C,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    sheet::ActiveModel {
        id: Set(id),
        status: Set("superseded".into()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

// ---- rounds

pub async fn round<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    round: &str,
) -> Result<Option<round::Model>, DbErr> {
    round::Entity::find()
        .filter(round::Column::CallId.eq(call_id))
        .filter(round::Column::Round.eq(round))
        .one(db)
        .await
}

pub async fn set_round<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    name: &str,
    closed_at: Option<DateTime<Utc>>,
    published_at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    match round(db, call_id, name).await? {
        Some(r) => {
            round::ActiveModel {
                id: Set(r.id),
                closed_at: Set(closed_at),
                published_at: Set(published_at),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
        None => {
            round::ActiveModel {
                call_id: Set(call_id),
                round: Set(name.to_string()),
                closed_at: Set(closed_at),
                published_at: Set(published_at),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

// ---- decisions

#[allow(clippy::too_many_arguments)]
pub async fn record_decision<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    application_id: Option<i32>,
    kind: RecordedKind,
    value: serde_json::Value,
    reason: &str,
    by: Option<i32>,
    now: DateTime<Utc>,
) -> Result<decision::Model, DbErr> {
    decision::ActiveModel {
        call_id: Set(call_id),
        application_id: Set(application_id),
        kind: Set(kind.as_str().to_string()),
        value: Set(value.to_string()),
        reason: Set(reason.to_string()),
        decided_by: Set(by),
        decided_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// All decisions of a call, oldest first (so a later one overrides an earlier one).
pub async fn decisions_of_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<decision::Model>, DbErr> {
    decision::Entity::find()
        .filter(decision::Column::CallId.eq(call_id))
        .order_by_asc(decision::Column::Id)
        .all(db)
        .await
}

// ---- consensus notes

pub async fn add_note<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    round: &str,
    note: &str,
    by: Option<i32>,
    now: DateTime<Utc>,
) -> Result<consensus_note::Model, DbErr> {
    consensus_note::ActiveModel {
        application_id: Set(application_id),
        round: Set(round.to_string()),
        note: Set(note.to_string()),
        written_by: Set(by),
        written_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn notes_of<C: ConnectionTrait>(
    db: &C,
    application_ids: &[i32],
) -> Result<Vec<consensus_note::Model>, DbErr> {
    consensus_note::Entity::find()
        .filter(consensus_note::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .order_by_asc(consensus_note::Column::Id)
        .all(db)
        .await
}

// ---- frozen outcomes

#[allow(clippy::too_many_arguments)]
pub async fn insert_snapshot<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    stage: &str,
    inputs: String,
    result: String,
    sha256: String,
    rule_version: &str,
    by: Option<i32>,
    now: DateTime<Utc>,
) -> Result<outcome_snapshot::Model, DbErr> {
    outcome_snapshot::ActiveModel {
        call_id: Set(call_id),
        stage: Set(stage.to_string()),
        inputs: Set(inputs),
        result: Set(result),
        sha256: Set(sha256),
        rule_version: Set(rule_version.to_string()),
        published_by: Set(by),
        published_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn snapshot<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    stage: &str,
) -> Result<Option<outcome_snapshot::Model>, DbErr> {
    outcome_snapshot::Entity::find()
        .filter(outcome_snapshot::Column::CallId.eq(call_id))
        .filter(outcome_snapshot::Column::Stage.eq(stage))
        .one(db)
        .await
}
