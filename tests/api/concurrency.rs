//! Issue 11, item 1: concurrent writes never answer 5xx, on SQLite and (with
//! `TUINIER_TEST_DATABASE_URL`) PostgreSQL. Identical requests are started together behind a
//! barrier; each test reads back what was stored: one wins or all apply in order, never a
//! duplicate.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use reqwest::RequestBuilder;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;

use crate::common::*;
use crate::intake::{Intake, invented_application, invented_region, pdf, stage_at};

const N: usize = 50;

/// Sends all requests at the same moment; returns (status, body) of each.
async fn race(requests: Vec<RequestBuilder>) -> Vec<(u16, Value)> {
    race_spread(requests, std::time::Duration::ZERO).await
}

/// Sends the requests `gap` apart (all together when zero); returns (status, body) of each.
async fn race_spread(requests: Vec<RequestBuilder>, gap: std::time::Duration) -> Vec<(u16, Value)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(requests.len()));
    let mut set = tokio::task::JoinSet::new();
    for (i, r) in requests.into_iter().enumerate() {
        let barrier = barrier.clone();
        set.spawn(async move {
            barrier.wait().await;
            tokio::time::sleep(gap * i as u32).await;
            let resp = r.send().await.expect("an answer, not a reset connection");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut out = Vec::new();
    while let Some(done) = set.join_next().await {
        out.push(done.expect("request task"));
    }
    out
}

/// Status → how many answers had it; fails on any 5xx, showing its body.
fn tally(what: &str, answers: &[(u16, Value)]) -> BTreeMap<u16, usize> {
    let failed: Vec<&(u16, Value)> = answers.iter().filter(|(s, _)| *s >= 500).collect();
    assert!(
        failed.is_empty(),
        "{what}: {} of {} answers were 5xx, e.g. {:?}",
        failed.len(),
        answers.len(),
        failed[0]
    );
    let mut t = BTreeMap::new();
    for (s, _) in answers {
        *t.entry(*s).or_insert(0) += 1;
    }
    println!("race {what}: {t:?}");
    t
}

fn ok_count(t: &BTreeMap<u16, usize>) -> usize {
    t.iter().filter(|(s, _)| (200..300).contains(*s)).map(|(_, n)| n).sum()
}

async fn audit_count(app: &TestApp, entity_type: &str, entity_id: i64, action: &str) -> usize {
    let path =
        format!("/audit?entityType={entity_type}&entityId={entity_id}&action={action}&limit=1000");
    app.get(&path, &app.staff_token).await.ok().as_array().expect("audit entries").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_identical_intake_writes_answer_without_5xx_and_store_each_change_once() {
    let t = Intake::start().await;
    let app = &t.app;
    let staff = app.staff_token.clone();

    // POST /regions: one registers, the others are told it exists; one row.
    let region = invented_region("race");
    let answers = race(
        (0..N)
            .map(|_| {
                app.client.post(format!("{}/regions", app.base)).bearer_auth(&staff).json(&region)
            })
            .collect(),
    )
    .await;
    let t1 = tally("POST /regions", &answers);
    assert_eq!(ok_count(&t1), 1, "{t1:?}");
    assert_eq!(t1.get(&409), Some(&(N - 1)), "{t1:?}");
    let regions = app.get("/regions", &staff).await;
    assert_eq!(
        regions.ok().as_array().unwrap().iter().filter(|r| r["ref"] == "race").count(),
        1,
        "no duplicate region"
    );

    let token = app.user("region", "aanvrager@race.example", Some("race")).await;
    t.open();
    let id = t.create_draft(&token).await;
    let a = invented_application(&t.call, "race");
    t.fill(&token, id, &a, &[]).await;

    // PUT /applications/{id}/budget: all apply in order; the lines are there once.
    let budget = json!({"lines": a["budget"]});
    let url = format!("{}/applications/{id}/budget", app.base);
    let answers =
        race((0..N).map(|_| app.client.put(&url).bearer_auth(&token).json(&budget)).collect())
            .await;
    let t2 = tally("PUT /applications/{id}/budget", &answers);
    assert_eq!(ok_count(&t2), N, "{t2:?}");
    let read = t.read(&token, id).await;
    assert_eq!(
        read["budget_lines"].as_array().unwrap().len(),
        a["budget"].as_array().unwrap().len(),
        "no duplicate budget lines"
    );
    assert_eq!(audit_count(app, "application", id, "application.budget_updated").await, N + 1);

    // POST /applications/{id}/documents: every upload is its own document, each audited once.
    let before = read["documents"].as_array().unwrap().len();
    let bytes = pdf("Bijlage race");
    let url = format!("{}/applications/{id}/documents", app.base);
    let answers = race(
        (0..N)
            .map(|_| {
                app.client
                    .post(&url)
                    .query(&[("kind", "attachment"), ("filename", "bijlage.pdf")])
                    .bearer_auth(&token)
                    .header("content-type", "application/pdf")
                    .body(bytes.clone())
            })
            .collect(),
    )
    .await;
    let t3 = tally("POST /applications/{id}/documents", &answers);
    assert_eq!(ok_count(&t3), N, "{t3:?}");
    let docs = t.read(&token, id).await["documents"].as_array().unwrap().clone();
    assert_eq!(docs.len(), before + N);
    let ids: BTreeSet<i64> =
        answers.iter().map(|(_, b)| b["id"].as_i64().expect("document id")).collect();
    assert_eq!(ids.len(), N, "each upload answered with its own document");
    assert_eq!(
        audit_count(app, "application", id, "application.document_uploaded").await,
        before + N
    );

    // PUT /calls/{id}/letter-settings: all apply; what is read back is what was sent.
    let settings = json!({"settings": {"issuing_body": "De Minister van VWS", "legal_basis": "de leidraad", "objection_address": "Postbus 20350, 2500 EJ Den Haag", "signatory": "De directeur Jeugd"}});
    let url = format!("{}/calls/{}/letter-settings", app.base, t.call_id);
    let answers =
        race((0..N).map(|_| app.client.put(&url).bearer_auth(&staff).json(&settings)).collect())
            .await;
    let t4 = tally("PUT /calls/{id}/letter-settings", &answers);
    assert_eq!(ok_count(&t4), N, "{t4:?}");
    let back = app.get(&format!("/calls/{}/letter-settings", t.call_id), &staff).await;
    assert_eq!(back.ok()["source"], "call");
    for (k, v) in settings["settings"].as_object().unwrap() {
        assert_eq!(&back.body[k], v, "{k}");
    }
    let rows = entity::letter_setting::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), 1, "one settings row for the call");

    // Two submissions of one draft: one wins, one 409, exactly one receipt.
    let url = format!("{}/applications/{id}/submit", app.base);
    let answers = race((0..2).map(|_| app.client.post(&url).bearer_auth(&token)).collect()).await;
    let t5 = tally("POST /applications/{id}/submit", &answers);
    assert_eq!(t5, BTreeMap::from([(200, 1), (409, 1)]));
    assert_eq!(t.receipts().await.iter().filter(|(a, _)| *a == id).count(), 1, "one receipt");
    assert_eq!(audit_count(app, "application", id, "application.submitted").await, 1);
}

fn sheet_body(sheet: &Value) -> Value {
    json!({"knockout": sheet["knockout"], "scores": sheet["scores"], "motivation": sheet["motivation"]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sheets_race_each_other_and_the_closing_of_the_round() {
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    let call = r.call_id();
    app.clock.set(stage_at(&s["call"], "submission_deadline") + chrono::Duration::seconds(1));
    let sheets = s["first_round_scores"].as_array().unwrap().clone();
    let submit = |sheet: &Value| {
        let (_, token) = r.assessor(sheet["assessor"].as_str().unwrap()).unwrap();
        let id = r.application_id(sheet["application"].as_str().unwrap()).unwrap();
        app.client
            .post(format!("{}/applications/{id}/sheets/first/submit", app.base))
            .bearer_auth(token)
            .json(&sheet_body(sheet))
    };

    // 50 identical submissions of one sheet: one stored, the rest refused.
    let first = &sheets[0];
    let answers = race((0..N).map(|_| submit(first)).collect()).await;
    let t1 = tally("POST /applications/{id}/sheets/first/submit", &answers);
    assert_eq!(t1, BTreeMap::from([(200, 1), (409, N - 1)]));
    let id = r.application_id(first["application"].as_str().unwrap()).unwrap();
    let (assessor_id, _) = r.assessor(first["assessor"].as_str().unwrap()).unwrap();
    let stored = app.get(&format!("/applications/{id}/sheets/first"), &app.staff_token).await;
    assert_eq!(
        stored
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["assessor_id"].as_i64() == Some(assessor_id))
            .count(),
        1
    );

    // Every other assessor submits while staff keep trying to close the round until it closes.
    // Round-robin over the applications: each has its minimum of sheets before any has its last.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut order: Vec<(usize, &Value)> = sheets[..]
        .iter()
        .map(|x| {
            let k = seen.entry(x["application"].as_str().unwrap().to_string()).or_default();
            *k += 1;
            (*k, x)
        })
        .skip(1)
        .collect();
    order.sort_by_key(|(k, _)| *k);
    let requests: Vec<RequestBuilder> = order.iter().map(|(_, x)| submit(x)).collect();
    let n_sheets = requests.len();
    let close_url = format!("{}/calls/{call}/rounds/first/close", app.base);
    let (client, staff) = (app.client.clone(), app.staff_token.clone());
    let closer = tokio::spawn(async move {
        let mut answers = Vec::new();
        for _ in 0..400 {
            let resp = client
                .post(&close_url)
                .bearer_auth(&staff)
                .json(&json!({}))
                .send()
                .await
                .expect("answer");
            let status = resp.status().as_u16();
            answers.push((status, resp.json::<Value>().await.unwrap_or(Value::Null)));
            if status == 200 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        answers
    });
    let answers = race_spread(requests, std::time::Duration::from_millis(15)).await;
    let sheet_tally = tally("sheets while the round closes", &answers);
    let close_tally = tally("closes while sheets come in", &closer.await.expect("closer"));
    assert_eq!(close_tally.get(&200), Some(&1), "the round closes once all sheets it needs are in");
    assert_eq!(
        ok_count(&sheet_tally) + sheet_tally.get(&409).copied().unwrap_or(0),
        n_sheets,
        "{sheet_tally:?}"
    );

    // Read back: the round is closed at most once; no sheet was accepted after it closed.
    let trail = app
        .get(
            &format!("/audit?entityType=call&entityId={call}&action=round.closed"),
            &app.staff_token,
        )
        .await;
    let closed: Vec<i64> =
        trail.ok().as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(closed.len() <= 1, "closed once at most: {closed:?}");
    let submitted = app.get("/audit?action=sheet.submitted&limit=1000", &app.staff_token).await;
    let sheet_ids: Vec<i64> =
        submitted.ok().as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let stored_count = sheet_ids.len();
    if let Some(c) = closed.first() {
        assert!(sheet_ids.iter().all(|s| s < c), "a sheet was accepted after the round closed");
    } else {
        assert_eq!(stored_count, n_sheets + 1, "without a close, every sheet is in");
        app.post(&format!("/calls/{call}/rounds/first/close"), &app.staff_token, &json!({}))
            .await
            .ok();
    }
    // The stored sheets are exactly the accepted ones.
    let applications: BTreeSet<i64> = sheets
        .iter()
        .map(|x| r.application_id(x["application"].as_str().unwrap()).unwrap())
        .collect();
    let mut rows = 0;
    for id in applications {
        rows += app
            .get(&format!("/applications/{id}/sheets/first"), &app.staff_token)
            .await
            .ok()
            .as_array()
            .unwrap()
            .len();
    }
    assert_eq!(rows, stored_count, "one stored sheet per accepted submission");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_staff_publishing_the_same_outcome_publish_it_once() {
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call = r.call_id();
    let other_staff = app.user("staff", "tweede@programma.example", None).await;
    app.clock.set(stage_at(&s["call"], "first_assessment"));
    app.post(&format!("/calls/{call}/rounds/first/close"), &app.staff_token, &json!({})).await.ok();
    for d in s["decisions"]["knockout"].as_array().cloned().unwrap_or_default() {
        let id = r.application_id(d["application"].as_str().unwrap()).unwrap();
        let body = json!({"verdict": d["verdict"], "reason": d["reason"]});
        app.post(&format!("/applications/{id}/knockout-decision"), &app.staff_token, &body)
            .await
            .ok();
    }
    r.plan_interviews().await.expect("interview details");
    let emails_before = entity::outbox::Entity::find().all(&app.state.db).await.unwrap().len();

    let url = format!("{}/calls/{call}/rounds/first/publish", app.base);
    let answers = race(
        [app.staff_token.clone(), other_staff]
            .iter()
            .map(|token| app.client.post(&url).bearer_auth(token).json(&json!({})))
            .collect(),
    )
    .await;
    let t = tally("POST /calls/{id}/rounds/first/publish", &answers);
    assert_eq!(t, BTreeMap::from([(200, 1), (409, 1)]));

    // One publication: one audit line, one letter and one email per decided application.
    assert_eq!(audit_count(&app, "call", call, "outcome.published").await, 1);
    let letters = app.get(&format!("/calls/{call}/letters?limit=500"), &app.staff_token).await.ok()
        ["items"]
        .as_array()
        .unwrap()
        .clone();
    let per_application: BTreeSet<i64> =
        letters.iter().map(|l| l["application_id"].as_i64().unwrap()).collect();
    assert!(!letters.is_empty());
    assert_eq!(per_application.len(), letters.len(), "one letter per application");
    let decided =
        app.get("/audit?action=application.first_round_decided&limit=1000", &app.staff_token).await;
    let decided = decided.ok().as_array().unwrap().len();
    assert!(decided >= letters.len());
    let emails = entity::outbox::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(emails.len() - emails_before, decided, "one email per decided application");
    let keys: BTreeSet<(String, String, String)> =
        emails.iter().map(|e| (e.kind.clone(), e.target.clone(), e.occasion.clone())).collect();
    assert_eq!(keys.len(), emails.len(), "no email twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_and_publishing_while_the_mail_worker_delivers() {
    use tuinier::mail::worker::{FileTransport, Settings, Worker};
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call = r.call_id();
    app.clock.set(stage_at(&s["call"], "first_assessment"));

    // A worker delivering one email per pass (many short transactions) the whole time.
    let dir = tempfile::tempdir().expect("outbox dir");
    let settings = Settings { batch: 1, ..Settings::default() };
    let worker = Worker::new(app.state.clone(), Arc::new(FileTransport::new(dir.path())), settings)
        .expect("worker");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let delivering = tokio::spawn(async move {
        let (mut passes, mut errors) = (0, 0);
        while !stopped.load(std::sync::atomic::Ordering::Acquire) {
            match worker.run_once().await {
                Ok(_) => passes += 1,
                Err(e) => {
                    eprintln!("worker pass failed: {e}");
                    errors += 1
                }
            }
            tokio::task::yield_now().await;
        }
        (passes, errors)
    });

    let close =
        app.post(&format!("/calls/{call}/rounds/first/close"), &app.staff_token, &json!({})).await;
    assert_eq!(close.status.as_u16(), 200, "{}", close.body);
    for d in s["decisions"]["knockout"].as_array().cloned().unwrap_or_default() {
        let id = r.application_id(d["application"].as_str().unwrap()).unwrap();
        let body = json!({"verdict": d["verdict"], "reason": d["reason"]});
        app.post(&format!("/applications/{id}/knockout-decision"), &app.staff_token, &body)
            .await
            .ok();
    }
    r.plan_interviews().await.expect("interview details");
    let publish = app
        .post(&format!("/calls/{call}/rounds/first/publish"), &app.staff_token, &json!({}))
        .await;
    assert_eq!(publish.status.as_u16(), 200, "{}", publish.body);
    stop.store(true, std::sync::atomic::Ordering::Release);
    let (passes, errors) = delivering.await.expect("worker task");
    println!(
        "race close and publish beside the mail worker: {passes} worker passes, {errors} failed"
    );
    assert!(passes > 0);
    assert_eq!(errors, 0, "the worker met no busy database either");
}
