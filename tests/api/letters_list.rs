//! A call's letters as a page (issue 15: a national call has over 10,000): filtered by state
//! and kind, paged by `limit` and `offset`, with the total; and the worker that renders them a
//! batch at a time, side by side, each stored with its hash and audit line.

use std::collections::BTreeSet;

use serde_json::Value;
use tuinier::scenario::Rehearsal;

use crate::common::*;

async fn decided(app: &TestApp) -> i64 {
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first-round publication");
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");
    r.call_id()
}

async fn page(app: &TestApp, call: i64, query: &str) -> Value {
    app.get(&format!("/calls/{call}/letters?{query}"), &app.staff_token).await.ok().clone()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_calls_letters_are_paged_and_filtered_and_the_worker_renders_them_all() {
    let app = spawn_app().await;
    let call = decided(&app).await;
    let all = page(&app, call, "limit=500").await;
    let n = all["total"].as_u64().unwrap();
    let every = ids(&all);
    assert!(n >= 4, "a letter per application: {all}");
    assert_eq!(every.len() as u64, n);
    assert!(every.windows(2).all(|w| w[0] < w[1]), "by id");
    assert_eq!((all["limit"].as_u64(), all["offset"].as_u64()), (Some(500), Some(0)));

    // Paging: a window of the same order, the same total.
    let window = page(&app, call, "limit=2&offset=1").await;
    assert_eq!(ids(&window), every[1..3].to_vec());
    assert_eq!(window["total"].as_u64(), Some(n));
    assert!(ids(&page(&app, call, &format!("offset={n}")).await).is_empty());

    // By kind: exactly the letters of that kind.
    let awards = page(&app, call, "kind=award&limit=500").await;
    let expected: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "award")
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids(&awards), expected);
    assert_eq!(awards["total"].as_u64(), Some(expected.len() as u64));

    // By state: pending and rendered split the letters; the worker (three at a time) renders
    // every pending one, with its hash and an audit line each.
    let pending = page(&app, call, "state=pending&limit=500").await;
    let rendered = page(&app, call, "state=rendered&limit=500").await;
    assert_eq!(pending["total"].as_u64().unwrap() + rendered["total"].as_u64().unwrap(), n);
    assert!(pending["items"].as_array().unwrap().iter().all(|l| l["state"] == "pending"));
    let was_pending = pending["total"].as_u64().unwrap();
    assert!(was_pending > 0, "the publication leaves its letters to the worker");
    let done = tuinier::service::letters::render_pending(&app.state, 3).await.expect("render");
    assert_eq!(done as u64, was_pending);
    assert_eq!(page(&app, call, "state=pending&limit=1").await["total"], 0);
    let rendered = page(&app, call, "state=rendered&limit=500").await;
    assert_eq!(ids(&rendered), every);
    let issued = app.get("/audit?action=letter.issued&limit=1000", &app.staff_token).await;
    let audited: BTreeSet<i64> = issued
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["details"]["letter_id"].as_i64())
        .collect();
    let listed: BTreeSet<i64> = every.iter().copied().collect();
    assert!(listed.is_subset(&audited), "an audit line per rendered letter");
    for l in rendered["items"].as_array().unwrap() {
        let bytes = app.get(l["content_url"].as_str().unwrap(), &app.staff_token).await.bytes;
        assert!(bytes.starts_with(b"%PDF"));
        assert_eq!(l["sha256"].as_str().unwrap(), tuinier::domain::digest::sha256_hex(&bytes));
    }
}

#[tokio::test]
async fn a_bad_letters_query_is_refused_naming_each_field() {
    let app = spawn_app().await;
    let call = decided(&app).await;
    let bad = app
        .get(&format!("/calls/{call}/letters?state=sent&kind=memo&limit=0"), &app.staff_token)
        .await;
    bad.problem(422);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["kind", "limit", "state"]);
    app.get(&format!("/calls/{call}/letters?limit=501"), &app.staff_token).await.problem(422);
    app.get("/calls/99999/letters", &app.staff_token).await.problem(404);
}

/// A call's letters by file name, with their bytes.
async fn letters_of(app: &TestApp, call: i64) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    for l in page(app, call, "limit=500").await["items"].as_array().unwrap() {
        let bytes = app.get(l["content_url"].as_str().unwrap(), &app.staff_token).await.bytes;
        out.insert(l["filename"].as_str().unwrap().to_string(), bytes);
    }
    out
}

/// The worker reads a batch's applications, regions, addendum dates and conflicts of interest
/// at once: its letters are byte for byte those rendered one at a time, on download, in a second
/// run of the same scenario; and they state the addendum's date and the conflicts they read.
#[tokio::test]
async fn the_worker_renders_the_letters_a_download_renders_one_by_one() {
    let (batched, single) = (spawn_app().await, spawn_app().await);
    let (a, b) = (decided(&batched).await, decided(&single).await);
    let done = tuinier::service::letters::render_pending(&batched.state, 4).await.expect("render");
    assert!(done >= 4, "{done}");
    assert_eq!(page(&single, b, "state=rendered&limit=1").await["total"], 0, "none rendered yet");
    let (by_worker, one_by_one) = (letters_of(&batched, a).await, letters_of(&single, b).await);
    assert_eq!(
        by_worker.keys().collect::<Vec<_>>(),
        one_by_one.keys().collect::<Vec<_>>(),
        "the same letters"
    );
    for (name, bytes) in &by_worker {
        assert!(bytes == &one_by_one[name], "{name}: the worker's bytes differ");
    }
    let texts: Vec<String> = by_worker
        .values()
        .map(|b| crate::letters::pdf_text(b).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(texts.iter().any(|t| t.contains("samen met het addendum van")), "an addendum's date");
    assert!(texts.iter().any(|t| t.contains("belangenconflict")), "a conflict of interest");
}
