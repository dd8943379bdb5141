//! One application's outcome is answered from the JSON bytes kept since it was last built
//! (`service::assessment::kept_outcome`) while nothing changed: byte for byte the answer the
//! computed path gives (as `Json<OutcomeView>` sent it), never after a change that alters it (a
//! publication, a note through this server or through another process), and only to whom may
//! read it, checked on every request.

use std::sync::Arc;

use poem::IntoResponse;
use poem_openapi::payload::Json;
use serde_json::{Value, json};
use tuinier::api::assessment::outcome_view;
use tuinier::scenario::Rehearsal;
use tuinier::service::assessment::{self as svc, OutcomeRead, Round};
use tuinier::service::auth::{Principal, authenticate};

use crate::common::*;

/// The answer as the computed path builds it, sent as `Json<OutcomeView>` (the handler before
/// answers were kept): its content type and bytes.
async fn computed(app: &TestApp, who: &Principal, id: i64) -> (String, Vec<u8>) {
    let e = svc::explain(&app.state, who, i32::try_from(id).unwrap()).await.expect("explain");
    let response = Json(outcome_view(&e)).into_response();
    let content_type = response.content_type().unwrap_or_default().to_string();
    (content_type, response.into_body().into_vec().await.expect("the body"))
}

/// Whether the next read of `id` is answered from what is kept (asked of the server's state).
async fn kept(app: &TestApp, who: &Principal, id: i64) -> bool {
    let read = svc::outcome_read(&app.state, who, i32::try_from(id).unwrap()).await;
    matches!(read.expect("outcome read"), OutcomeRead::Kept(_))
}

/// Reads `id` twice over HTTP and checks both answers against the computed one, the second
/// answered from what is kept; returns the answer.
async fn read_twice(app: &TestApp, who: &Principal, id: i64) -> Value {
    let path = format!("/applications/{id}/outcome");
    let first = app.get(&path, &app.staff_token).await;
    first.ok();
    assert!(kept(app, who, id).await, "the answer of {id} is kept after a read");
    // Read raw: the content type with its parameters.
    let second = app.client.get(format!("{}{path}", app.base)).bearer_auth(&app.staff_token);
    let second = second.send().await.expect("the second read");
    assert!(second.status().is_success());
    let header = second.headers().get("content-type").cloned().expect("a content type");
    let second = second.bytes().await.expect("the body").to_vec();
    let (content_type, bytes) = computed(app, who, id).await;
    assert_eq!(first.bytes, bytes, "the first read of {id} is the computed answer");
    assert_eq!(second, bytes, "the kept answer of {id} is the computed one, byte for byte");
    assert_eq!(header.to_str().unwrap(), content_type);
    assert_eq!(content_type, "application/json; charset=utf-8");
    serde_json::from_slice(&second).expect("JSON")
}

struct Published {
    app: TestApp,
    r: Rehearsal,
    s: Value,
    staff: Principal,
    ids: Vec<i64>,
}

async fn first_round_published() -> Published {
    let (app, mut r, s) = first_round_in().await;
    r.publish_first_round().await.expect("first publication");
    let staff = authenticate(&app.state, &app.staff_token).await.unwrap().expect("staff");
    let ids = s["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| r.application_id(a["ref"].as_str()?).ok())
        .collect();
    Published { app, r, s, staff, ids }
}

fn notes(outcome: &Value) -> Vec<&str> {
    let notes = outcome["consensus_notes"].as_array().expect("notes");
    notes.iter().map(|n| n["note"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_kept_outcome_is_the_computed_one_and_follows_every_change() {
    let Published { app, mut r, s: _, staff, ids } = first_round_published().await;
    assert!(ids.len() >= 4, "the scenario's applications: {ids:?}");
    let mut first_round = Vec::new();
    for id in &ids {
        first_round.push(read_twice(&app, &staff, *id).await);
    }

    // A note through this server: the next read shows it, the other applications stay as kept.
    let (a, b) = (ids[0], ids[1]);
    let note = json!({"round": "first", "note": "Hier besproken"});
    app.post(&format!("/applications/{a}/consensus-notes"), &app.staff_token, &note).await.ok();
    assert!(!kept(&app, &staff, a).await, "a note moves the key");
    assert_eq!(notes(&read_twice(&app, &staff, a).await), ["Hier besproken"]);
    assert_eq!(read_twice(&app, &staff, b).await, first_round[1]);

    // The final publication: every answer is the final one, and kept again.
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");
    let mut changed = 0;
    for (id, before) in ids.iter().zip(&first_round) {
        let after = read_twice(&app, &staff, *id).await;
        changed += usize::from(after["result"] != before["result"]);
    }
    assert!(changed > 0, "the final decision changes some results");

    // A note through another process on the same database: the next read shows it, here too
    // when several read at once.
    let other = tuinier::startup::prepare(&app.database_url, Arc::new(app.clock.clone()))
        .await
        .expect("a second process's state");
    svc::add_consensus_note(&other, &staff, i32::try_from(b).unwrap(), Round::Final, "Elders")
        .await
        .expect("note");
    let path = format!("/applications/{b}/outcome");
    let t = &app.staff_token;
    let (x, y, z) = tokio::join!(app.get(&path, t), app.get(&path, t), app.get(&path, t));
    for answer in [x, y, z] {
        assert_eq!(notes(answer.ok()), ["Elders"], "no stale answer after another's change");
    }
    read_twice(&app, &staff, b).await;
}

#[tokio::test]
async fn a_kept_outcome_is_only_for_whom_may_read_it() {
    let Published { app, r, s, staff, ids } = first_round_published().await;
    let id = ids[0];
    read_twice(&app, &staff, id).await;
    let path = format!("/applications/{id}/outcome");
    // Its own region, any assessor: 403 as before, although the answer is kept.
    let own = r.region_token(s["applications"][0]["ref"].as_str().unwrap()).unwrap();
    app.get(&path, &own).await.problem(403);
    let assessor = s["assessors"][0]["ref"].as_str().expect("an assessor");
    app.get(&path, &r.assessor(assessor).unwrap().1).await.problem(403);
    app.request(reqwest::Method::GET, &path, None, None).await.problem(401);
    app.get(&path, "tnr_0000").await.problem(401);
    let region = authenticate(&app.state, &own).await.unwrap().expect("the region user");
    let refused = svc::outcome_read(&app.state, &region, i32::try_from(id).unwrap()).await;
    assert!(refused.is_err(), "the service refuses a region too");
    // And still the kept answer for staff.
    assert!(kept(&app, &staff, id).await);
}
