//! Issue 6: the scheduler's reminders against the clock (also across jumps and restarts), the
//! outbox API and its refusals, and "one decision, one message".

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use tuinier::clock::SettableClock;
use tuinier::mail::outbox::{self, NewEmail};
use tuinier::mail::worker::{Settings, Transport, Worker};
use tuinier::scheduler::BoxFuture;

use crate::common::*;

/// A call from the fixture and five registered regions (letters A..E by their order).
async fn call_with_regions(app: &TestApp) -> (i32, Vec<i32>) {
    let scenario = load_scenario();
    let call = app.post("/calls", &app.staff_token, &scenario["call"]).await;
    let call_id = call.ok()["id"].as_i64().expect("call id") as i32;
    let mut regions = Vec::new();
    for a in scenario["applications"].as_array().expect("applications").iter().take(5) {
        let body = json!({"ref": a["ref"], "name": a["region"], "lead_applicant": a["penvoerder"], "municipalities": a["municipalities"]});
        let r = app.post("/regions", &app.staff_token, &body).await;
        regions.push(r.ok()["id"].as_i64().expect("region id") as i32);
    }
    (call_id, regions)
}

/// The drafts of the clock test: (letter, created, submitted).
const DRAFTS: [(&str, &str, Option<&str>); 5] = [
    ("A", "2022-06-01T10:00:00+02:00", None), // open at both moments
    ("B", "2022-06-01T10:00:00+02:00", Some("2022-07-05T10:00:00+02:00")), // submitted between them
    ("C", "2022-07-05T10:00:00+02:00", Some("2022-07-14T10:00:00+02:00")), // created between them
    ("D", "2022-06-01T10:00:00+02:00", Some("2022-06-20T10:00:00+02:00")), // submitted before both
    ("E", "2022-07-13T10:00:00+02:00", None), // created after both
];
const AT_14: &str = "2022-07-01T23:59:59+02:00";
const AT_3: &str = "2022-07-12T23:59:59+02:00";

fn expected_reminders() -> BTreeSet<(String, u64)> {
    [("A", 14), ("A", 3), ("B", 14), ("C", 3)].iter().map(|(l, d)| (l.to_string(), *d)).collect()
}

/// Every submission reminder in the outbox as (letter, days before); panics on a duplicate.
async fn reminders(app: &TestApp, ids: &[(String, i32)]) -> BTreeSet<(String, u64)> {
    let page = app.get("/outbox?kind=submission_reminder&limit=500", &app.staff_token).await;
    let mut seen = BTreeSet::new();
    for e in page.ok()["items"].as_array().expect("items") {
        let id = e["application_id"].as_i64().expect("application") as i32;
        let letter =
            ids.iter().find(|(_, i)| *i == id).map(|(l, _)| l.clone()).expect("known application");
        assert!(
            seen.insert((letter, e["days_before"].as_u64().expect("days"))),
            "a reminder twice: {e}"
        );
        assert!(
            e["subject"].as_str().expect("subject").contains("vrijdag 15 juli 2022, 23.59 uur"),
            "{e}"
        );
    }
    seen
}

async fn tick(app: &TestApp) -> Vec<Value> {
    app.post("/scheduler/run", &app.staff_token, &json!({})).await.ok()["queued"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Drafts created (and submitted) at their moments, the clock moved step by step with a tick at
/// every move; or everything happening while no tick runs, then one jump.
async fn play(
    app: &TestApp,
    call_id: i32,
    regions: &[i32],
    tick_at_every_event: bool,
    until: &str,
) -> Vec<(String, i32)> {
    let db = &app.state.db;
    let mut events: Vec<(DateTime<Utc>, usize, bool)> = Vec::new();
    for (i, (_, created, submitted)) in DRAFTS.iter().enumerate() {
        events.push((at(created), i, false));
        if let Some(s) = submitted {
            events.push((at(s), i, true));
        }
    }
    events.sort();
    let mut ids: Vec<(String, i32)> = Vec::new();
    let mut by_index: Vec<Option<i32>> = vec![None; DRAFTS.len()];
    let mut moments = vec![at(AT_14), at(AT_3)];
    for (t, i, submit) in events {
        // Tick at the reminder moments that come before this event.
        while tick_at_every_event && moments.first().is_some_and(|m| *m <= t) {
            app.clock.set(moments.remove(0));
            tick(app).await;
            tick(app).await;
        }
        if at(until) < t {
            break;
        }
        app.clock.set(t);
        if submit {
            assert!(
                tuinier::store::applications::mark_submitted(
                    db,
                    by_index[i].expect("created first"),
                    t
                )
                .await
                .expect("submit")
            );
        } else {
            let d = tuinier::store::applications::insert_draft(db, call_id, regions[i], t)
                .await
                .expect("draft");
            ids.push((DRAFTS[i].0.to_string(), d.id));
            by_index[i] = Some(d.id);
        }
        if tick_at_every_event {
            tick(app).await;
        }
    }
    ids
}

#[tokio::test]
async fn reminders_fire_at_14_and_3_days_for_exactly_the_open_drafts_once() {
    let app = spawn_app().await;
    let (call_id, regions) = call_with_regions(&app).await;
    let ids = play(&app, call_id, &regions, true, "2022-07-15T00:00:00+02:00").await;
    app.set_time("2022-07-15T12:00:00+02:00");
    assert!(tick(&app).await.is_empty(), "nothing new after the last moment");
    assert_eq!(reminders(&app, &ids).await, expected_reminders());
    // After the deadline nothing more, however often the scheduler runs.
    app.set_time("2022-07-16T12:00:00+02:00");
    assert!(tick(&app).await.is_empty());
    assert_eq!(reminders(&app, &ids).await.len(), 4);
}

#[tokio::test]
async fn a_jump_over_both_moments_fires_each_reminder_once_as_the_rules_say() {
    let app = spawn_app().await;
    let (call_id, regions) = call_with_regions(&app).await;
    let ids = play(&app, call_id, &regions, false, "2022-07-15T00:00:00+02:00").await;
    // The clock went from the first draft to after both moments with no tick in between.
    app.set_time("2022-07-14T12:00:00+02:00");
    let queued = tick(&app).await;
    assert_eq!(queued.len(), 4, "{queued:?}");
    assert_eq!(reminders(&app, &ids).await, expected_reminders());
    assert!(tick(&app).await.is_empty(), "a second tick queues nothing");
}

#[tokio::test]
async fn a_restart_between_the_moments_catches_up_without_duplicates() {
    let app = spawn_app().await;
    let (call_id, regions) = call_with_regions(&app).await;
    let ids = play(&app, call_id, &regions, false, "2022-07-15T00:00:00+02:00").await;
    // The first instance ticks right after the 14-day moment...
    app.set_time("2022-07-02T08:00:00+02:00");
    let first: BTreeSet<String> =
        tick(&app).await.iter().map(|q| q["occasion"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(first, BTreeSet::from(["days_before:14".to_string()]));
    // ...then the service restarts (a new state on the same database) and ticks late, twice.
    let clock = SettableClock::new(at("2022-07-14T18:00:00+02:00"));
    let restarted =
        tuinier::startup::prepare(&app.database_url, Arc::new(clock)).await.expect("restart");
    let caught_up = tuinier::scheduler::tick(&restarted).await.expect("tick");
    assert_eq!(
        caught_up.iter().map(|q| q.occasion.as_str()).collect::<Vec<_>>(),
        vec!["days_before:3", "days_before:3"]
    );
    assert!(tuinier::scheduler::tick(&restarted).await.expect("tick").is_empty());
    assert_eq!(reminders(&app, &ids).await, expected_reminders());
}

/// A transport that always fails.
struct Down;
impl Transport for Down {
    fn send<'a>(
        &'a self,
        _: &'a entity::outbox::Model,
        _: &'a lettre::Message,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Err("connection refused".to_string()) })
    }
}

fn email(kind: &str, target: &str, occasion: &str, now: DateTime<Utc>) -> NewEmail {
    NewEmail {
        kind: kind.into(),
        target: target.into(),
        occasion: occasion.into(),
        recipient: "penvoerder@regio.example".into(),
        subject: format!("Besluit {kind}"),
        body_text: "Geachte penvoerder,\n\nTekst.\n".into(),
        at: now,
        attachment: None,
    }
}

#[tokio::test]
async fn the_outbox_api_lists_reads_and_requeues_and_refuses_without_changing_anything() {
    let app = spawn_app().await;
    let now = app.clock_now();
    let db = &app.state.db;
    for i in 1..=3 {
        assert!(
            outbox::enqueue(
                db,
                email("interview_invitation", &format!("application:{i}"), "first_round", now)
            )
            .await
            .expect("queue")
        );
    }
    assert!(
        outbox::enqueue(db, email("submission_receipt", "application:1", "submission", now))
            .await
            .expect("queue")
    );
    assert!(
        !outbox::enqueue(db, email("submission_receipt", "application:1", "submission", now))
            .await
            .expect("queue"),
        "a second time is a no-op"
    );

    // One of them fails for good (max one attempt).
    let failing = Worker::new(
        app.state.clone(),
        Arc::new(Down),
        Settings { max_attempts: 1, batch: 1, ..Settings::default() },
    )
    .expect("worker");
    let pass = failing.run_once().await.expect("pass");
    assert_eq!((pass.claimed, pass.failed), (1, 1));

    let staff = &app.staff_token;
    let all = app.get("/outbox", staff).await;
    assert_eq!(all.ok()["total"], 4);
    let page = app.get("/outbox?limit=2&offset=2", staff).await;
    assert_eq!(page.ok()["items"].as_array().expect("items").len(), 2);
    assert_eq!(page.body["total"], 4);
    let one_app = app.get("/outbox?applicationId=1", staff).await;
    assert_eq!(one_app.ok()["total"], 2);
    let failed = app.get("/outbox?status=failed", staff).await;
    assert_eq!(failed.ok()["total"], 1);
    let failed_row = failed.body["items"][0].clone();
    assert_eq!(failed_row["last_error"], "connection refused");
    assert_eq!(failed_row["attempts"], 1);
    let kinds = app.get("/outbox?kind=interview_invitation&status=queued", staff).await;
    assert_eq!(kinds.ok()["total"], 2);

    // One message as it is sent: headers, text, HTML.
    let id = failed_row["id"].as_i64().expect("id");
    let msg = app.get(&format!("/outbox/{id}"), staff).await;
    let headers = msg.ok()["headers"].as_array().expect("headers").clone();
    let header = |n: &str| {
        headers
            .iter()
            .find(|h| h["name"] == n)
            .map(|h| h["value"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(header("Message-ID"), failed_row["message_id"].as_str().map(str::to_string));
    assert_eq!(header("To").as_deref(), Some("penvoerder@regio.example"));
    assert!(msg.body["text"].as_str().expect("text").starts_with("Geachte penvoerder,"));
    assert!(msg.body["html"].as_str().expect("html").contains("<p>Geachte penvoerder,</p>"));

    // Refusals: each a problem, and nothing stored changes.
    let region_token = app.user("assessor", "beoordelaar@a.example", None).await;
    let snapshot = || async {
        (
            app.get("/outbox?limit=500", staff).await.body,
            app.get("/audit?limit=1000", staff).await.body,
        )
    };
    let before = snapshot().await;
    let queued_id = kinds.body["items"][0]["id"].as_i64().expect("id");
    app.post(&format!("/outbox/{queued_id}/requeue"), staff, &json!({})).await.problem(409);
    app.post("/outbox/99999/requeue", staff, &json!({})).await.problem(404);
    app.get("/outbox/99999", staff).await.problem(404);
    let bad = app.get("/outbox?kind=bogus&status=lost&limit=0&applicationId=-1", staff).await;
    bad.problem(422);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["applicationId", "kind", "limit", "status"]);
    app.get("/outbox?applicationId=abc", staff).await.problem(400);
    app.get("/outbox", &region_token).await.problem(403);
    app.post(&format!("/outbox/{id}/requeue"), &region_token, &json!({})).await.problem(403);
    app.post("/scheduler/run", &region_token, &json!({})).await.problem(403);
    app.request(Method::GET, "/outbox", None, None).await.problem(401);
    assert_eq!(snapshot().await, before, "a refused request changed stored data");

    // Re-queue the failed one: due now, attempts from zero, same Message-ID.
    let requeued = app.post(&format!("/outbox/{id}/requeue"), staff, &json!({})).await;
    assert_eq!(requeued.ok()["status"], "queued");
    assert_eq!(requeued.body["attempts"], 0);
    assert_eq!(requeued.body["message_id"], failed_row["message_id"]);
    let audit = app.get("/audit?action=email.requeued", staff).await;
    assert_eq!(audit.ok().as_array().expect("audit").len(), 1);
    app.post(&format!("/outbox/{id}/requeue"), staff, &json!({})).await.problem(409);
}

#[tokio::test]
async fn one_decision_one_message_cancels_the_obsolete_queued_email_and_never_recalls_a_sent_one() {
    let app = spawn_app().await;
    let now = app.clock_now();
    let db = &app.state.db;
    // First round: an invitation is queued, then the decision is corrected to a rejection.
    outbox::enqueue(db, email("interview_invitation", "application:7", "first_round", now))
        .await
        .expect("queue");
    outbox::enqueue(db, email("rejection_first_round", "application:7", "first_round", now))
        .await
        .expect("queue");
    let rows = outbox::for_target(db, "application:7").await.expect("rows");
    let status_of = |rows: &[entity::outbox::Model], kind: &str| {
        rows.iter().find(|r| r.kind == kind).map(|r| r.status.clone())
    };
    assert_eq!(status_of(&rows, "interview_invitation").as_deref(), Some("cancelled"));
    assert_eq!(status_of(&rows, "rejection_first_round").as_deref(), Some("queued"));
    let cancelled = app.get("/audit?action=email.cancelled", &app.staff_token).await;
    assert_eq!(cancelled.ok().as_array().expect("audit").len(), 1);
    assert_eq!(cancelled.body[0]["details"]["superseded_by"], "rejection_first_round");

    // Corrected back: the invitation is current again, the rejection cancelled; one of each row.
    outbox::enqueue(db, email("interview_invitation", "application:7", "first_round", now))
        .await
        .expect("queue");
    let rows = outbox::for_target(db, "application:7").await.expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(status_of(&rows, "interview_invitation").as_deref(), Some("queued"));
    assert_eq!(status_of(&rows, "rejection_first_round").as_deref(), Some("cancelled"));

    // Final round: the award went out already; a corrected rejection does not recall it.
    outbox::enqueue(db, email("award_letter", "application:8", "final", now)).await.expect("queue");
    let dir = tempfile::tempdir().expect("dir");
    let worker = Worker::new(
        app.state.clone(),
        Arc::new(tuinier::mail::worker::FileTransport::new(dir.path())),
        Settings::default(),
    )
    .expect("worker");
    worker.drain().await.expect("deliver");
    outbox::enqueue(db, email("rejection_final", "application:8", "final", now))
        .await
        .expect("queue");
    let rows = outbox::for_target(db, "application:8").await.expect("rows");
    assert_eq!(status_of(&rows, "award_letter").as_deref(), Some("sent"));
    assert_eq!(status_of(&rows, "rejection_final").as_deref(), Some("queued"));
    // The region got exactly one message about the first round: the current one.
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert!(files.iter().any(|f| f.ends_with("-interview_invitation.eml")), "{files:?}");
    assert!(!files.iter().any(|f| f.ends_with("-rejection_first_round.eml")), "{files:?}");
}
