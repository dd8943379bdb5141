//! Frozen outcomes: a published round's inputs and result as JSON, with the inputs' SHA-256.
//! Since 2026-12 the JSON is stored deflated (zlib, deflated before the write lock): at 10,000
//! applications it is some 40 MB of text, and a publication wrote and committed all of it while
//! holding the write lock. Earlier snapshots keep their text; a snapshot is read back as the
//! same JSON either way.

use chrono::{DateTime, Utc};
use entity::outcome_snapshot;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

/// How hard the JSON is deflated: the fastest level already takes it to about a tenth, and the
/// deflating is part of the publication's time.
const LEVEL: u8 = 1;

/// A snapshot's JSON, deflated.
#[derive(Debug, Clone)]
pub struct Deflated(Vec<u8>);

impl Deflated {
    pub fn of(json: &str) -> Deflated {
        Deflated(miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), LEVEL))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The JSON of deflated bytes.
fn inflated(bytes: &[u8], what: &str) -> Result<String, DbErr> {
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(bytes)
        .map_err(|e| DbErr::Custom(format!("a frozen outcome's {what} do not inflate: {e}")))?;
    String::from_utf8(raw)
        .map_err(|e| DbErr::Custom(format!("a frozen outcome's {what} are not text: {e}")))
}

/// A published round's frozen outcome: its inputs, its result and the inputs' SHA-256.
pub struct NewSnapshot<'a> {
    pub call_id: i32,
    pub stage: &'a str,
    pub inputs: Deflated,
    pub result: Deflated,
    pub sha256: String,
    pub rule_version: &'a str,
    pub published_by: Option<i32>,
    pub published_at: DateTime<Utc>,
}

/// Stores a frozen outcome; its id (the row is not read back).
pub async fn insert_snapshot<C: ConnectionTrait>(db: &C, s: NewSnapshot<'_>) -> Result<i32, DbErr> {
    let row = outcome_snapshot::ActiveModel {
        call_id: Set(s.call_id),
        stage: Set(s.stage.to_string()),
        inputs: Set(String::new()),
        result: Set(String::new()),
        inputs_deflated: Set(Some(s.inputs.0)),
        result_deflated: Set(Some(s.result.0)),
        sha256: Set(s.sha256),
        rule_version: Set(s.rule_version.to_string()),
        published_by: Set(s.published_by),
        published_at: Set(s.published_at),
        ..Default::default()
    };
    Ok(outcome_snapshot::Entity::insert(row).exec(db).await?.last_insert_id)
}

/// The frozen outcome of a call's stage, its JSON in `inputs` and `result` however it is stored
/// (`inputs_deflated` and `result_deflated` are then `None`).
pub async fn snapshot<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    stage: &str,
) -> Result<Option<outcome_snapshot::Model>, DbErr> {
    let found = outcome_snapshot::Entity::find()
        .filter(outcome_snapshot::Column::CallId.eq(call_id))
        .filter(outcome_snapshot::Column::Stage.eq(stage))
        .one(db)
        .await?;
    let Some(mut snap) = found else { return Ok(None) };
    if let Some(bytes) = snap.inputs_deflated.take() {
        snap.inputs = inflated(&bytes, "inputs")?;
    }
    if let Some(bytes) = snap.result_deflated.take() {
        snap.result = inflated(&bytes, "result")?;
    }
    Ok(Some(snap))
}

/// The id of a published round's frozen outcome, without reading its (large) inputs.
pub async fn snapshot_id<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    stage: &str,
) -> Result<Option<i32>, DbErr> {
    one_column(db, call_id, stage, outcome_snapshot::Column::Id).await
}

/// The SHA-256 of a frozen outcome's inputs, without reading them.
pub async fn snapshot_sha256<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    stage: &str,
) -> Result<Option<String>, DbErr> {
    one_column(db, call_id, stage, outcome_snapshot::Column::Sha256).await
}

async fn one_column<C: ConnectionTrait, T: sea_orm::TryGetableMany>(
    db: &C,
    call_id: i32,
    stage: &str,
    column: outcome_snapshot::Column,
) -> Result<Option<T>, DbErr> {
    outcome_snapshot::Entity::find()
        .select_only()
        .column(column)
        .filter(outcome_snapshot::Column::CallId.eq(call_id))
        .filter(outcome_snapshot::Column::Stage.eq(stage))
        .into_tuple()
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deflated_json_inflates_to_the_same_text() {
        let json =
            r#"{"applications":[{"ref":"flevoland","total":"71.5","note":"geïmplementeerd €"}]}"#
                .repeat(50);
        let packed = Deflated::of(&json);
        assert!(packed.len() < json.len() / 5, "{} of {}", packed.len(), json.len());
        assert_eq!(inflated(&packed.0, "inputs").unwrap(), json);
        assert!(inflated(b"not zlib", "inputs").is_err());
    }
}
