//! Issue 12, the living demo: `serve --demo`'s seeding and its rehearsal clock. The open call
//! is walked from a draft to a published award with `POST /demo/clock`, in under 60 requests;
//! the clock exists only under `--demo` and moves only on a database the demo created; history
//! is seeded as history; tokens survive a restart.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tuinier::clock::DemoClock;
use tuinier::demo::{self, Seeded};
use tuinier::startup::{self, RunningServer};

use crate::common::*;

struct Demo {
    base: String,
    client: reqwest::Client,
    seeded: Seeded,
    state: tuinier::service::AppState,
    log: std::sync::Mutex<Vec<String>>,
    _server: RunningServer,
    _dirs: (Option<Scratch>, tempfile::TempDir),
}

impl Demo {
    fn token(&self, var: &str) -> String {
        self.seeded
            .logins
            .iter()
            .find(|l| l.var == var)
            .unwrap_or_else(|| panic!("no demo user {var}"))
            .token
            .clone()
    }

    /// One request; logged as `METHOD path -> status`.
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        bytes: Option<Vec<u8>>,
    ) -> (u16, Value) {
        let mut req =
            self.client.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(b) = bytes {
            req = req.header("content-type", "application/octet-stream").body(b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let value: Value = resp.json().await.unwrap_or(Value::Null);
        self.log.lock().unwrap().push(format!("{method} {path} -> {status}"));
        (status, value)
    }

    async fn ok(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method.clone(), path, token, body, None).await;
        assert!((200..300).contains(&status), "{method} {path}: {status} {value}");
        value
    }

    async fn clock_to(&self, stage: &str) -> Value {
        let staff = self.token("STAFF");
        let call = self.seeded.open_call_id.expect("open call");
        self.ok(Method::POST, "/demo/clock", &staff, Some(json!({"call_id": call, "stage": stage})))
            .await
    }
}

async fn start_demo_on(url: String, db_dir: Option<Scratch>, tokens: tempfile::TempDir) -> Demo {
    let clock = DemoClock::new(chrono::TimeDelta::zero());
    let state = startup::prepare(&url, Arc::new(clock.clone())).await.expect("prepare");
    if let Some(offset) = tuinier::service::demo_clock::stored_offset(&state).await.expect("offset")
    {
        let _ = clock.advance_to(chrono::Utc::now() + offset);
    }
    let seeded =
        demo::seed(&state, &tokens.path().join(demo::TOKENS_FILE)).await.expect("demo seeded");
    let server = startup::spawn_with(
        state.clone(),
        "127.0.0.1:0".parse().unwrap(),
        startup::ServeOptions { demo: Some(clock), ..Default::default() },
    )
    .await
    .expect("bind");
    Demo {
        base: api_base(&format!("http://{}", server.addr)),
        client: reqwest::Client::new(),
        seeded,
        state,
        log: Default::default(),
        _server: server,
        _dirs: (db_dir, tokens),
    }
}

async fn start_demo() -> Demo {
    let (url, dir) = fresh_database().await;
    start_demo_on(url, Some(dir), tempfile::tempdir().unwrap()).await
}

fn sheet(s: &Value) -> Value {
    json!({"knockout": s["knockout"], "scores": s["scores"], "motivation": s["motivation"]})
}

#[tokio::test]
async fn the_open_demo_call_walks_from_draft_to_published_award_with_the_demo_clock() {
    let d = start_demo().await;
    let scenario = load_scenario();
    let staff = d.token("STAFF");
    let call = d.seeded.open_call_id.expect("open call");

    // The region completes its work: its complete draft is submitted today, on the real date.
    let flevoland = d.token("REGION_FLEVOLAND");
    let mine = d.ok(Method::GET, &format!("/calls/{call}/applications"), &flevoland, None).await;
    let draft = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["status"] == "draft")
        .expect("flevoland's draft")
        .clone();
    let submitted = d
        .ok(
            Method::POST,
            &format!("/applications/{}/submit", draft["id"]),
            &flevoland,
            Some(json!({})),
        )
        .await;
    assert_eq!(submitted["status"], "submitted");

    // Staff follow the progress: four submitted applications.
    let all = d
        .ok(Method::GET, &format!("/calls/{call}/applications?status=submitted"), &staff, None)
        .await;
    let apps: Vec<(String, i64)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["region"]["ref"].as_str().unwrap().to_string(), a["id"].as_i64().unwrap()))
        .collect();
    assert_eq!(apps.len(), 4, "{all}");
    let id_of = |r: &str| apps.iter().find(|(x, _)| x == r).map(|(_, id)| *id);

    // An assessor cannot score before the deadline; the demo clock moves past it.
    let vng = d.token("ASSESSOR_VNG_1");
    let first = scenario["first_round_scores"].as_array().unwrap();
    let some = first
        .iter()
        .find(|s| s["assessor"] == "vng-1" && id_of(s["application"].as_str().unwrap()).is_some())
        .unwrap();
    let early = d
        .call(
            Method::POST,
            &format!(
                "/applications/{}/sheets/first/submit",
                id_of(some["application"].as_str().unwrap()).unwrap()
            ),
            &vng,
            Some(sheet(some)),
            None,
        )
        .await;
    assert_eq!(early.0, 409, "{}", early.1);
    let moved = d.clock_to("submission_deadline").await;
    assert!(moved["now"].as_str().unwrap() > moved["previous"].as_str().unwrap());

    // The assessors score (the conflicted one is refused on the application of its conflict).
    let vws = d.token("ASSESSOR_VWS_1");
    let conflicted = d
        .call(
            Method::GET,
            &format!("/applications/{}/sheets/first", id_of("friesland").unwrap()),
            &vws,
            None,
            None,
        )
        .await;
    assert_eq!(conflicted.0, 403, "{}", conflicted.1);
    for s in first {
        let Some(id) = id_of(s["application"].as_str().unwrap()) else {
            continue;
        };
        let var = format!(
            "ASSESSOR_{}",
            s["assessor"].as_str().unwrap().to_uppercase().replace('-', "_")
        );
        d.ok(
            Method::POST,
            &format!("/applications/{id}/sheets/first/submit"),
            &d.token(&var),
            Some(sheet(s)),
        )
        .await;
    }
    d.ok(Method::POST, &format!("/calls/{call}/rounds/first/close"), &staff, Some(json!({}))).await;
    d.clock_to("first_assessment").await;
    let results = d.ok(Method::GET, &format!("/calls/{call}/results"), &staff, None).await;
    for line in results["applications"].as_array().unwrap() {
        if line["knockout"] == "needs_decision" {
            let body = json!({"verdict": "passed", "reason": "Consensusoverleg in de demo"});
            d.ok(
                Method::POST,
                &format!("/applications/{}/knockout-decision", line["application_id"]),
                &staff,
                Some(body),
            )
            .await;
        }
    }
    d.ok(Method::POST, &format!("/calls/{call}/rounds/first/publish"), &staff, Some(json!({})))
        .await;

    // The invited regions hand in their addendum; the final round is scored and closed.
    let results = d.ok(Method::GET, &format!("/calls/{call}/results"), &staff, None).await;
    let invited: Vec<(String, i64)> = results["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["invited_to_interview"] == true)
        .map(|l| (l["ref"].as_str().unwrap().to_string(), l["application_id"].as_i64().unwrap()))
        .collect();
    assert!(!invited.is_empty(), "{results}");
    for (r, id) in &invited {
        let token = d.token(&format!("REGION_{}", r.to_uppercase().replace('-', "_")));
        let pdf = tuinier::scenario::sample_pdf(&format!("Addendum {r}"));
        let (status, body) = d
            .call(
                Method::POST,
                &format!("/applications/{id}/addendum?filename=addendum-{r}.pdf"),
                &token,
                None,
                Some(pdf),
            )
            .await;
        assert!((200..300).contains(&status), "addendum {r}: {status} {body}");
    }
    for s in scenario["final_round_scores"].as_array().unwrap() {
        let Some((_, id)) = invited.iter().find(|(r, _)| s["application"] == r.as_str()) else {
            continue;
        };
        let var = format!(
            "ASSESSOR_{}",
            s["assessor"].as_str().unwrap().to_uppercase().replace('-', "_")
        );
        d.ok(
            Method::POST,
            &format!("/applications/{id}/sheets/final/submit"),
            &d.token(&var),
            Some(sheet(s)),
        )
        .await;
    }
    d.ok(Method::POST, &format!("/calls/{call}/rounds/final/close"), &staff, Some(json!({}))).await;

    // At the final decision: publish; the award stands, with its letter for the region.
    d.clock_to("final_decision").await;
    d.ok(Method::POST, &format!("/calls/{call}/rounds/final/publish"), &staff, Some(json!({})))
        .await;
    let results = d.ok(Method::GET, &format!("/calls/{call}/results"), &staff, None).await;
    let awarded = results["awarded_in_rank_order"].as_array().unwrap().clone();
    assert!(!awarded.is_empty(), "{results}");
    let winner = awarded[0].as_str().unwrap();
    let winner_id = invited.iter().find(|(r, _)| r == winner).unwrap().1;
    let letters = d
        .ok(
            Method::GET,
            &format!("/applications/{winner_id}/letters"),
            &d.token(&format!("REGION_{}", winner.to_uppercase().replace('-', "_"))),
            None,
        )
        .await;
    assert!(letters.as_array().unwrap().iter().any(|l| l["kind"] == "award"), "{letters}");

    let log = d.log.lock().unwrap().clone();
    println!("{} requests:\n{}", log.len(), log.join("\n"));
    assert!(log.len() < 60, "{} requests", log.len());
}

#[tokio::test]
async fn the_demo_clock_is_for_staff_moves_only_forward_and_only_on_a_demo_database() {
    let d = start_demo().await;
    let call = d.seeded.open_call_id.unwrap();
    assert!(d.seeded.demo_database);
    let (status, _) = d
        .call(
            Method::POST,
            "/demo/clock",
            &d.token("ASSESSOR_VNG_1"),
            Some(json!({"call_id": call, "stage": "first_assessment"})),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = d
        .call(
            Method::POST,
            "/demo/clock",
            &d.token("STAFF"),
            Some(json!({"at": "2020-01-01T00:00:00Z"})),
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = d
        .call(
            Method::POST,
            "/demo/clock",
            "tnr_nothing",
            Some(json!({"call_id": call, "stage": "first_assessment"})),
            None,
        )
        .await;
    assert_eq!(status, 401);
    // No outcome depends on the time: the open call's outcome kept before the move is still
    // its outcome after it (a publication right after the move takes it, not computes it again).
    let open = tuinier::store::calls::call_of(&d.state.db, call).await.unwrap();
    let kept = tuinier::service::outcome_cache::call_outcome(&d.state, &open).await.unwrap();
    let moved = d.clock_to("first_assessment").await;
    let after = tuinier::service::outcome_cache::call_outcome(&d.state, &open).await.unwrap();
    assert!(Arc::ptr_eq(&kept, &after), "the outcome stayed kept across the clock's move: {moved}");
    let (status, body) = d
        .call(
            Method::POST,
            "/demo/clock",
            &d.token("STAFF"),
            Some(json!({"call_id": call, "stage": "submission_deadline"})),
            None,
        )
        .await;
    assert_eq!(status, 422, "back to an earlier stage: {body}");
    // The moved time is the service's time, kept in the database.
    assert!(
        tuinier::service::demo_clock::stored_offset(&d.state).await.unwrap().unwrap()
            > chrono::TimeDelta::days(20),
        "{moved}"
    );

    // Not a demo database: the route is there under --demo, but refuses.
    let (url, dir) = fresh_database().await;
    {
        let state = startup::prepare(&url, Arc::new(tuinier::clock::SystemClock)).await.unwrap();
        tuinier::service::users::add(
            &state,
            &tuinier::service::Actor::system("test"),
            tuinier::service::users::NewUser {
                name: "Eerder".into(),
                email: "eerder@example.nl".into(),
                role: "staff".into(),
                organisation: None,
                reference: None,
                region: None,
            },
        )
        .await
        .unwrap();
    }
    let other = start_demo_on(url, Some(dir), tempfile::tempdir().unwrap()).await;
    assert!(!other.seeded.demo_database);
    let (status, body) = other
        .call(
            Method::POST,
            "/demo/clock",
            &other.token("STAFF"),
            Some(json!({"at": "2099-01-01T00:00:00Z"})),
            None,
        )
        .await;
    assert_eq!(status, 409, "{body}");

    // Without --demo the route does not exist.
    let app = spawn_app().await;
    app.post("/demo/clock", &app.staff_token, &json!({"at": "2099-01-01T00:00:00Z"}))
        .await
        .problem(404);
}

#[tokio::test]
async fn the_demo_seeds_history_as_history_and_keeps_its_tokens_across_a_restart() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (url, dir) = fresh_database().await;
    let tokens = tempfile::tempdir().unwrap();
    let tokens_path = tokens.path().to_path_buf();
    let d = start_demo_on(url.clone(), None, tokens).await;
    // What the scheduler queues at the first start: nothing overdue.
    tuinier::scheduler::tick(&d.state).await.unwrap();
    let queued = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Status.eq("queued"))
        .all(&d.state.db)
        .await
        .unwrap();
    let overdue: Vec<&str> =
        queued.iter().filter(|e| e.occasion == "overdue").map(|e| e.subject.as_str()).collect();
    assert!(overdue.is_empty(), "overdue reminders at the first start: {overdue:?}");
    assert!(queued.iter().all(|e| !e.subject.contains("te laat")));
    // The decided call's emails are the record of back then, not today's mail.
    assert!(
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Status.eq("sent"))
            .all(&d.state.db)
            .await
            .unwrap()
            .len()
            > 10
    );

    // The token table: every user named with role, region and what it can do; no shared email.
    let mut emails: Vec<&str> = d.seeded.logins.iter().map(|l| l.email.as_str()).collect();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), d.seeded.logins.len());
    assert!(d.seeded.logins.iter().all(|l| !l.can.is_empty()));
    assert!(d.seeded.logins.iter().filter(|l| l.role == "region").all(|l| l.region.is_some()));

    // A restart on the same database reuses every token from demo-tokens.txt.
    let before: Vec<(String, String)> =
        d.seeded.logins.iter().map(|l| (l.var.clone(), l.token.clone())).collect();
    let again = tempfile::tempdir().unwrap();
    std::fs::copy(tokens_path.join(demo::TOKENS_FILE), again.path().join(demo::TOKENS_FILE))
        .unwrap();
    drop(d);
    let d = start_demo_on(url, Some(dir), again).await;
    let after: Vec<(String, String)> =
        d.seeded.logins.iter().map(|l| (l.var.clone(), l.token.clone())).collect();
    assert_eq!(before, after);
    let (status, _) = d.call(Method::GET, "/calls", &d.token("STAFF"), None, None).await;
    assert_eq!(status, 200);
    // And the seeding added nothing the second time.
    let (_, calls) = d.call(Method::GET, "/calls", &d.token("STAFF"), None, None).await;
    assert_eq!(calls.as_array().unwrap().len(), 3);
}
