//! Frozen outcomes are stored deflated and read back as the very JSON that was hashed; a snapshot
//! stored as text (as before 2026-12) reads back as it was, and both verify.

use entity::outcome_snapshot;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use tuinier::service::assessment::STAGE_FIRST;
use tuinier::store::snapshots;

use crate::common::*;
use crate::intake::sha256_hex;

#[tokio::test]
async fn a_frozen_outcome_is_stored_deflated_and_a_text_one_still_reads() {
    let (app, mut r, _) = first_round_in().await;
    r.publish_first_round().await.expect("first publication");
    let call_id = i32::try_from(r.call_id()).unwrap();
    let db = &app.state.db;

    let row = outcome_snapshot::Entity::find().one(db).await.unwrap().expect("the snapshot row");
    assert!(row.inputs.is_empty() && row.result.is_empty(), "no text beside the deflated JSON");
    let (packed_inputs, packed_result) = (
        row.inputs_deflated.clone().expect("inputs"),
        row.result_deflated.clone().expect("result"),
    );
    let read = snapshots::snapshot(db, call_id, STAGE_FIRST).await.unwrap().expect("read");
    assert_eq!(sha256_hex(read.inputs.as_bytes()), row.sha256, "the hashed JSON comes back");
    assert!(packed_inputs.len() < read.inputs.len(), "deflated: {}", packed_inputs.len());
    let result: serde_json::Value = serde_json::from_str(&read.result).expect("the result's JSON");
    assert!(result["applications"].as_array().is_some_and(|a| !a.is_empty()), "{result}");
    assert!(packed_result.len() < read.result.len());
    let path = format!("/calls/{call_id}/outcomes/{STAGE_FIRST}");
    let deflated_answer = app.get(&path, &app.staff_token).await.ok().clone();
    assert_eq!(deflated_answer["verified"], true, "{deflated_answer}");

    // The same snapshot as an earlier version stored it: text, nothing deflated.
    let mut legacy = row.clone().into_active_model();
    legacy.inputs = Set(read.inputs.clone());
    legacy.result = Set(read.result.clone());
    legacy.inputs_deflated = Set(None);
    legacy.result_deflated = Set(None);
    legacy.update(db).await.unwrap();
    let again = snapshots::snapshot(db, call_id, STAGE_FIRST).await.unwrap().expect("read");
    assert_eq!((again.inputs, again.result), (read.inputs, read.result));
    let text_answer = app.get(&path, &app.staff_token).await.ok().clone();
    assert_eq!(text_answer, deflated_answer, "the same answer from text");

    // Deflated bytes that do not inflate are an error, never an empty outcome.
    let mut broken = row.into_active_model();
    broken.inputs_deflated = Set(Some(b"not zlib".to_vec()));
    broken.update(db).await.unwrap();
    assert!(snapshots::snapshot(db, call_id, STAGE_FIRST).await.is_err());
}
