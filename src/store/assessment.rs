//! Conflicts, scoring sheets, rounds, recorded decisions, consensus notes and frozen outcomes.

use chrono::{DateTime, Utc};
use entity::{conflict, consensus_note, decision, round, sheet};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
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

/// How many conflicts of interest are declared on each of these applications (one query; an
/// application without any is left out).
pub async fn conflicts_on_many<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    application_ids: &[i32],
) -> Result<std::collections::HashMap<i32, u64>, DbErr> {
    let mut counts = std::collections::HashMap::new();
    if application_ids.is_empty() {
        return Ok(counts);
    }
    let rows: Vec<i32> = conflict::Entity::find()
        .select_only()
        .column(conflict::Column::ApplicationId)
        .filter(conflict::Column::CallId.eq(call_id))
        .filter(conflict::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    for id in rows {
        *counts.entry(id).or_insert(0) += 1;
    }
    Ok(counts)
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

/// A submitted sheet as the outcome reads it: whose it is, its round and what it says (not its
/// timestamps or drafts, which the outcome of a large call would otherwise parse by the thousand).
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct SubmittedSheet {
    pub id: i32,
    pub application_id: i32,
    pub assessor_id: i32,
    pub round: String,
    pub content: String,
}

/// The submitted sheets of these applications (of one round, or both), in the order of
/// application, assessor and version: the query both readers below add their columns to.
fn submitted_in(application_ids: &[i32], round: Option<&str>) -> sea_orm::Select<sheet::Entity> {
    let mut q = sheet::Entity::find()
        .select_only()
        .column(sheet::Column::Id)
        .column(sheet::Column::ApplicationId)
        .column(sheet::Column::AssessorId)
        .column(sheet::Column::Round)
        .filter(sheet::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .filter(sheet::Column::Status.eq("submitted"));
    if let Some(r) = round {
        q = q.filter(sheet::Column::Round.eq(r));
    }
    q.order_by_asc(sheet::Column::ApplicationId)
        .order_by_asc(sheet::Column::AssessorId)
        .order_by_asc(sheet::Column::Version)
}

/// The submitted sheets of these applications (of one round, or both) with their content, in the
/// order of application, assessor and version.
pub async fn submitted_sheets_of<C: ConnectionTrait>(
    db: &C,
    application_ids: &[i32],
    round: Option<&str>,
) -> Result<Vec<SubmittedSheet>, DbErr> {
    submitted_in(application_ids, round)
        .column(sheet::Column::Content)
        .into_model::<SubmittedSheet>()
        .all(db)
        .await
}

/// A submitted sheet without its content: what tells whether its facts are kept already
/// (`store::sheet_memo`).
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct SubmittedStamp {
    pub id: i32,
    pub application_id: i32,
    pub assessor_id: i32,
    pub round: String,
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// The submitted sheets of these applications without their content, in the order of
/// application, assessor and version.
pub async fn submitted_stamps_of<C: ConnectionTrait>(
    db: &C,
    application_ids: &[i32],
) -> Result<Vec<SubmittedStamp>, DbErr> {
    stamps_of(application_ids).into_model::<SubmittedStamp>().all(db).await
}

/// The query of [`submitted_stamps_of`]: answered from `idx_sheets_stamps` alone, without the
/// table's rows and their content.
pub fn stamps_of(application_ids: &[i32]) -> sea_orm::Select<sheet::Entity> {
    submitted_in(application_ids, None)
        .column(sheet::Column::Version)
        .column(sheet::Column::SubmittedAt)
        .column(sheet::Column::UpdatedAt)
}

/// An application past the draft, with what closing a round checks of it.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct SheetCount {
    pub status: String,
    /// `None` when the region's row is missing.
    pub region_ref: Option<String>,
    /// Its submitted sheets of the round.
    pub n: i64,
}

/// A call's applications past the draft, each with its status, its region's ref and its count of
/// submitted sheets of `round`, by id: one grouped query (the sheets counted from
/// `idx_sheets_stamps`), not the applications and then their counts by a list of every id.
pub async fn sheet_counts_of_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    round: &str,
) -> Result<Vec<SheetCount>, DbErr> {
    use sea_orm::FromQueryResult;
    let backend = db.get_database_backend();
    let (p1, p2) = if backend == sea_orm::DbBackend::Postgres { ("$1", "$2") } else { ("?", "?") };
    let sql = format!(
        "SELECT a.status, r.\"ref\" AS region_ref, COUNT(s.id) AS n FROM applications a LEFT JOIN regions r ON r.id = a.region_id LEFT JOIN sheets s ON s.application_id = a.id AND s.round = {p1} AND s.status = 'submitted' WHERE a.call_id = {p2} AND a.status <> 'draft' GROUP BY a.id, a.status, r.\"ref\" ORDER BY a.id"
    );
    let values = [round.into(), call_id.into()];
    SheetCount::find_by_statement(sea_orm::Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await
}

#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct SheetContent {
    pub id: i32,
    pub content: String,
}

/// The contents of these sheets, by id (one query).
pub async fn contents_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<Vec<SheetContent>, DbErr> {
    sheet::Entity::find()
        .select_only()
        .column(sheet::Column::Id)
        .column(sheet::Column::Content)
        .filter(sheet::Column::Id.is_in(ids.iter().copied()))
        .into_model::<SheetContent>()
        .all(db)
        .await
}

/// A new version of one assessor's sheet, stored as a draft.
pub struct NewSheet<'a> {
    pub application_id: i32,
    pub assessor_id: i32,
    pub round: &'a str,
    pub version: i32,
    pub content: String,
    pub correction_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Stored as submitted at once, with its total (two decimals) and moment.
    pub submitted: Option<(String, DateTime<Utc>)>,
}

pub async fn insert_sheet<C: ConnectionTrait>(
    db: &C,
    s: NewSheet<'_>,
) -> Result<sheet::Model, DbErr> {
    let (status, total, submitted_at) = match s.submitted {
        Some((total, at)) => ("submitted", Some(total), Some(at)),
        None => ("draft", None, None),
    };
    sheet::ActiveModel {
        application_id: Set(s.application_id),
        assessor_id: Set(s.assessor_id),
        round: Set(s.round.to_string()),
        version: Set(s.version),
        status: Set(status.into()),
        content: Set(s.content),
        total: Set(total),
        correction_reason: Set(s.correction_reason),
        created_at: Set(s.created_at),
        updated_at: Set(s.created_at),
        submitted_at: Set(submitted_at),
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
) -> Result<sheet::Model, DbErr> {
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
    m.update(db).await
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

/// A decision staff record on a call or one of its applications.
pub struct NewDecision<'a> {
    pub call_id: i32,
    pub application_id: Option<i32>,
    pub kind: RecordedKind,
    pub value: serde_json::Value,
    pub reason: &'a str,
    pub decided_by: Option<i32>,
    pub decided_at: DateTime<Utc>,
}

pub async fn record_decision<C: ConnectionTrait>(
    db: &C,
    d: NewDecision<'_>,
) -> Result<decision::Model, DbErr> {
    decision::ActiveModel {
        call_id: Set(d.call_id),
        application_id: Set(d.application_id),
        kind: Set(d.kind.as_str().to_string()),
        value: Set(d.value.to_string()),
        reason: Set(d.reason.to_string()),
        decided_by: Set(d.decided_by),
        decided_at: Set(d.decided_at),
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

/// The decisions of a call on this application and those on the call as a whole, oldest first.
pub async fn decisions_of_application<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    application_id: i32,
) -> Result<Vec<decision::Model>, DbErr> {
    decision::Entity::find()
        .filter(decision::Column::CallId.eq(call_id))
        .filter(
            sea_orm::Condition::any()
                .add(decision::Column::ApplicationId.eq(application_id))
                .add(decision::Column::ApplicationId.is_null()),
        )
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

// ---- frozen outcomes (`store::snapshots`)

pub use super::snapshots::{NewSnapshot, insert_snapshot, snapshot, snapshot_id};
