//! Issue 15: one application's outcome, read while nothing changed, runs one SQL statement
//! whatever the call's size; the first read after a change a few more, also
//! bounded. What is kept in memory between reads goes stale exactly: a change through this
//! server or through another process on the same database shows in the next read, a rotated
//! token stops working at once here and within `REMEMBER_TOKEN` in another process.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;
use tuinier::service::assessment::{self as svc, Round};
use tuinier::service::auth::{REMEMBER_TOKEN, Role, authenticate};
use tuinier::service::{Actor, users};

use crate::common::*;
use crate::intake::stage_at;
use crate::query_counts::add_scored_applications;

/// The most statements of an outcome read while nothing changed, also of an application not read
/// before: the application with its region, its call's published outcome and the newest audit line.
const UNCHANGED: u64 = 1;

/// A call in its first round with `size` submitted applications; the statements of each read.
async fn counts_at(size: usize) -> (BTreeMap<&'static str, u64>, usize) {
    let s = load_scenario();
    let (app, statements) = spawn_app_counting(at("2022-05-01T09:00:00+02:00")).await;
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call = i32::try_from(r.call_id()).unwrap();
    let submitted = add_scored_applications(&app, &s, &r, call, size).await;
    app.clock.set(stage_at(&s["call"], "first_assessment"));
    let ids: Vec<i64> = (0..2)
        .map(|i| r.application_id(s["applications"][i]["ref"].as_str().unwrap()).unwrap())
        .collect();
    let mut counts = BTreeMap::new();
    let staff = app.staff_token.clone();
    let mut count = async |name: &'static str, method: reqwest::Method, path: String| {
        let before = statements.load(Ordering::SeqCst);
        let answer = app.request(method, &path, Some(&staff), Some(&Value::Null)).await;
        assert!(answer.status.is_success(), "{path}: {} {}", answer.status, answer.body);
        counts.insert(name, statements.load(Ordering::SeqCst) - before);
        answer
    };
    let get = reqwest::Method::GET;
    let (a, b) = (format!("/applications/{}/outcome", ids[0]), ids[1]);
    let first = count("first read after a change", get.clone(), a.clone()).await;
    count("another application", get.clone(), format!("/applications/{b}/outcome")).await;
    let again = count("again", get.clone(), a.clone()).await;
    assert_eq!(first.body, again.body, "a read from memory answers the same");
    count("close first round", reqwest::Method::POST, format!("/calls/{call}/rounds/first/close"))
        .await;
    count("after close", get.clone(), a.clone()).await;
    count("after close, again", get, a).await;
    (counts, submitted)
}

#[tokio::test]
async fn an_outcome_read_runs_one_statement_whatever_the_call_size() {
    let (small, n_small) = counts_at(0).await;
    let (large, n_large) = counts_at(200).await;
    assert!(n_small < 20 && n_large == 200, "sizes {n_small} and {n_large}");
    eprintln!("statements per outcome read at {n_small} and at {n_large} applications:");
    for (name, at_small) in &small {
        eprintln!("  {name:<28} {at_small:>4} {:>4}", large[name]);
    }
    for (name, at_small) in &small {
        assert!(large[name] <= *at_small, "{name} grows: {} at {n_large}", large[name]);
    }
    for counts in [&small, &large] {
        assert!(counts["again"] <= UNCHANGED, "{counts:?}");
        assert!(counts["after close, again"] <= UNCHANGED, "{counts:?}");
        assert!(counts["another application"] <= UNCHANGED, "{counts:?}");
    }
}

/// The outcome of the scenario's first application after the first round, on a fresh server.
async fn first_round_app() -> (TestApp, Value, i64) {
    let s = load_scenario();
    let app = spawn_app().await;
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    app.clock.set(stage_at(&s["call"], "first_assessment"));
    let id = r.application_id(s["applications"][0]["ref"].as_str().unwrap()).unwrap();
    (app, s, id)
}

fn notes(answer: &Answer) -> Vec<String> {
    answer.ok()["consensus_notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["note"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn what_is_kept_between_reads_follows_every_change() {
    let (app, _, id) = first_round_app().await;
    let path = format!("/applications/{id}/outcome");
    assert!(notes(&app.get(&path, &app.staff_token).await).is_empty());

    // A change through this server shows in the next read.
    app.post(
        &format!("/applications/{id}/consensus-notes"),
        &app.staff_token,
        &json!({"round": "first", "note": "Hier besproken"}),
    )
    .await
    .ok();
    assert_eq!(notes(&app.get(&path, &app.staff_token).await), ["Hier besproken"]);

    // A change through another process on the same database shows in the next read too.
    let other = tuinier::startup::prepare(&app.database_url, Arc::new(app.clock.clone()))
        .await
        .expect("a second process's state");
    let who = authenticate(&other, &app.staff_token).await.unwrap().expect("the staff user");
    assert_eq!(who.role, Role::Staff);
    svc::add_consensus_note(&other, &who, i32::try_from(id).unwrap(), Round::First, "Elders")
        .await
        .expect("note");
    assert_eq!(notes(&app.get(&path, &app.staff_token).await), ["Hier besproken", "Elders"]);

    // A token rotated by another process stops working here within REMEMBER_TOKEN.
    let token = users::rotate_token(&other, &Actor::system("test"), who.user_id).await.unwrap();
    tokio::time::sleep(REMEMBER_TOKEN + std::time::Duration::from_millis(100)).await;
    app.get(&path, &app.staff_token).await.problem(401);
    app.get(&path, &token).await.ok();

    // One rotated through this server stops working at once.
    let newer = users::rotate_token(&app.state, &Actor::system("test"), who.user_id).await.unwrap();
    app.get(&path, &token).await.problem(401);
    app.get(&path, &newer).await.ok();
}
