//! Issue 11, item 7: the real binary killed with SIGKILL in the middle of a submission and of a
//! publication. After a restart the change is there in full or not at all, and the audit trail
//! agrees with the data. Always on a SQLite file (the binary serves it; the test prepares it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tuinier::clock::SettableClock;
use tuinier::scenario::Rehearsal;
use tuinier::service::{Actor, AppState, users};
use tuinier::startup;

use crate::common::*;
use crate::intake::{invented_application, invented_region, pdf, stage_at};

/// The service as a separate process on `db`; `base` once it listens.
struct Served {
    child: Child,
    base: String,
}

impl Served {
    fn start(db: &str, outbox: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tuinier"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database",
                db,
                "--scheduler-interval",
                "3600",
                "--mail-interval",
                "3600",
            ])
            .arg("--outbox-dir")
            .arg(outbox)
            .env("TUINIER_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the tuinier binary");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keeps reading so the process never writes into a closed pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listens on ").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or_default().to_string());
                }
            }
        });
        let base =
            rx.recv_timeout(Duration::from_secs(60)).expect("the binary says where it listens");
        Served { child, base: api_base(&base) }
    }

    /// SIGKILL: no shutdown, no flush, no rollback by the process itself.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A SQLite file with the service prepared on it in-process (clock under the test's control).
struct Prepared {
    url: String,
    outbox: PathBuf,
    app_base: String,
    staff: String,
    clock: SettableClock,
    state: AppState,
    server: Option<startup::RunningServer>,
    _dir: tempfile::TempDir,
}

async fn prepare(now: DateTime<Utc>) -> Prepared {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("fault.sqlite").display());
    let clock = SettableClock::new(now);
    let state = startup::prepare(&url, Arc::new(clock.clone())).await.expect("prepare");
    let staff = users::add(
        &state,
        &Actor::system("test"),
        users::NewUser {
            name: "Programmabureau".into(),
            email: "staff@tuinier.example".into(),
            role: "staff".into(),
            organisation: None,
            reference: None,
            region: None,
        },
    )
    .await
    .expect("staff");
    let server =
        startup::spawn(state.clone(), "127.0.0.1:0".parse().expect("addr")).await.expect("bind");
    Prepared {
        outbox: dir.path().join("outbox"),
        app_base: api_base(&format!("http://{}", server.addr)),
        url,
        staff: staff.token,
        clock,
        state,
        server: Some(server),
        _dir: dir,
    }
}

impl Prepared {
    /// Stops the in-process server; the file is left to the binary.
    async fn hand_over(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
    }
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("answer");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn audit_of(client: &reqwest::Client, base: &str, staff: &str, query: &str) -> Vec<Value> {
    let (s, body) =
        call(client, reqwest::Method::GET, format!("{base}/audit?{query}&limit=1000"), staff, None)
            .await;
    assert_eq!(s, 200, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

/// Sends `method url` to a fresh binary and kills it `delay` after sending; returns the answer's
/// status if one came before the kill.
async fn kill_during(
    p: &Prepared,
    method: reqwest::Method,
    path: &str,
    token: &str,
    delay: Duration,
) -> Option<u16> {
    let served = Served::start(&p.url, &p.outbox);
    let client = reqwest::Client::new();
    let url = format!("{}{path}", served.base);
    let token = token.to_string();
    let request = tokio::spawn(async move {
        client
            .request(method, url)
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(delay).await;
    served.kill();
    request.await.expect("request task").ok()
}

/// The fixture call moved by whole days so that the real clock of the binary stands between its
/// publication and its deadline.
fn call_open_now(call: &Value) -> Value {
    let publication = stage_at(call, "publication");
    let days = (Utc::now() - chrono::Duration::days(1) - publication).num_days();
    let shift = chrono::Duration::days(days);
    let mut c = call.clone();
    for stage in c["stages"].as_array_mut().expect("stages") {
        for k in ["at", "until"] {
            if let Some(t) = stage[k].as_str() {
                let t = DateTime::parse_from_rfc3339(t).expect("moment") + shift;
                stage[k] = json!(t.to_rfc3339());
            }
        }
        for k in ["starts_on", "ends_on"] {
            if let Some(d) = stage[k].as_str() {
                let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date") + shift;
                stage[k] = json!(d.format("%Y-%m-%d").to_string());
            }
        }
    }
    let years = (days + 364) / 365;
    for k in ["from", "to"] {
        let d = NaiveDate::parse_from_str(
            c["spending_period"][k].as_str().expect("period"),
            "%Y-%m-%d",
        )
        .expect("date");
        let moved = d.with_year_plus(years);
        c["spending_period"][k] = json!(moved.format("%Y-%m-%d").to_string());
    }
    c["code"] = json!(format!("{}-nu", c["code"].as_str().unwrap_or("call")));
    c
}

trait PlusYears {
    fn with_year_plus(self, years: i64) -> NaiveDate;
}

impl PlusYears for NaiveDate {
    fn with_year_plus(self, years: i64) -> NaiveDate {
        use chrono::Datelike;
        self.with_year(self.year() + years as i32).expect("a valid date")
    }
}

const KILL_DELAYS_MS: [u64; 6] = [0, 2, 4, 8, 15, 30];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_submission_leaves_all_of_it_or_none() {
    let s = load_scenario();
    let call_def = call_open_now(&s["call"]);
    let mut p = prepare(stage_at(&call_def, "publication") - chrono::Duration::hours(1)).await;
    let http = reqwest::Client::new();
    let base = p.app_base.clone();
    let (status, created) = call(
        &http,
        reqwest::Method::POST,
        format!("{base}/calls"),
        &p.staff,
        Some(call_def.clone()),
    )
    .await;
    assert!(status == 200 || status == 201, "{created}");
    let call_id = created["id"].as_i64().expect("call id");

    // One filled draft per kill.
    p.clock.set(stage_at(&call_def, "publication") + chrono::Duration::hours(1));
    let mut drafts = Vec::new();
    for i in 0..KILL_DELAYS_MS.len() {
        let reference = format!("kill{i}");
        let (st, _) = call(
            &http,
            reqwest::Method::POST,
            format!("{base}/regions"),
            &p.staff,
            Some(invented_region(&reference)),
        )
        .await;
        assert!(st == 200 || st == 201);
        let created = users::add(
            &p.state,
            &Actor::system("test"),
            users::NewUser {
                name: format!("Aanvrager {reference}"),
                email: format!("aanvrager@{reference}.example"),
                role: "region".into(),
                organisation: None,
                reference: None,
                region: Some(reference.clone()),
            },
        )
        .await
        .expect("region user");
        let token = created.token;
        let (st, draft) = call(
            &http,
            reqwest::Method::POST,
            format!("{base}/calls/{call_id}/applications"),
            &token,
            Some(json!({})),
        )
        .await;
        assert!(st == 200 || st == 201, "{draft}");
        let id = draft["id"].as_i64().expect("id");
        let a = invented_application(&call_def, &reference);
        let form = crate::intake::form_of(&a);
        assert_eq!(
            call(
                &http,
                reqwest::Method::PUT,
                format!("{base}/applications/{id}/form"),
                &token,
                Some(form)
            )
            .await
            .0,
            200
        );
        let budget = json!({"lines": a["budget"]});
        assert_eq!(
            call(
                &http,
                reqwest::Method::PUT,
                format!("{base}/applications/{id}/budget"),
                &token,
                Some(budget)
            )
            .await
            .0,
            200
        );
        for partner in a["partners"].as_array().expect("partners") {
            let body = json!({"organisation": partner["organisation"], "signed_by": partner["signed_by"], "signed_on": partner["signed_on"]});
            let path = format!(
                "{base}/applications/{id}/commitments/{}",
                partner["role"].as_str().expect("role")
            );
            assert_eq!(call(&http, reqwest::Method::PUT, path, &token, Some(body)).await.0, 200);
        }
        let up = http
            .post(format!("{base}/applications/{id}/documents"))
            .query(&[("kind", "plan"), ("filename", "plan.pdf")])
            .bearer_auth(&token)
            .header("content-type", "application/pdf")
            .body(pdf(&format!("Plan {reference}")))
            .send()
            .await
            .expect("upload");
        assert!(up.status().is_success());
        let (_, read) =
            call(&http, reqwest::Method::GET, format!("{base}/applications/{id}"), &token, None)
                .await;
        assert_eq!(read["missing"], json!([]), "ready to submit: {read}");
        drafts.push((id, token));
    }
    p.hand_over().await;

    // Kill the real binary while it submits, once per draft, at growing delays.
    let mut answered = 0;
    for ((id, token), delay) in drafts.iter().zip(KILL_DELAYS_MS) {
        if kill_during(
            &p,
            reqwest::Method::POST,
            &format!("/applications/{id}/submit"),
            token,
            Duration::from_millis(delay),
        )
        .await
        .is_some()
        {
            answered += 1;
        }
    }

    // After a restart: each application is submitted with its audit line and one receipt, or is a
    // draft with neither.
    let served = Served::start(&p.url, &p.outbox);
    let mut submitted = 0;
    for (id, token) in &drafts {
        let (_, read) = call(
            &http,
            reqwest::Method::GET,
            format!("{}/applications/{id}", served.base),
            token,
            None,
        )
        .await;
        let status = read["status"].as_str().expect("status").to_string();
        let audited = audit_of(
            &http,
            &served.base,
            &p.staff,
            &format!("entityType=application&entityId={id}&action=application.submitted"),
        )
        .await
        .len();
        let receipts = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Kind.eq("submission_receipt"))
            .filter(entity::outbox::Column::Target.eq(format!("application:{id}")))
            .all(&p.state.db)
            .await
            .expect("outbox")
            .len();
        match status.as_str() {
            "submitted" => {
                submitted += 1;
                assert_eq!((audited, receipts), (1, 1), "application {id} submitted in full");
                assert!(read["submitted_at"].is_string());
            }
            "draft" => {
                assert_eq!((audited, receipts), (0, 0), "application {id} not submitted at all");
                // The interrupted submission can simply be done again.
                let (st, body) = call(
                    &http,
                    reqwest::Method::POST,
                    format!("{}/applications/{id}/submit", served.base),
                    token,
                    None,
                )
                .await;
                assert_eq!(st, 200, "{body}");
            }
            other => panic!("application {id} in an unexpected state {other}"),
        }
    }
    println!(
        "sigkill during submission: {} kills, {answered} answered before the kill, {submitted} submitted, {} left a draft",
        drafts.len(),
        drafts.len() - submitted
    );
    served.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_publication_leaves_all_of_it_or_none() {
    let s = load_scenario();
    let mut p = prepare(at("2022-05-01T09:00:00+02:00")).await;
    let mut r = Rehearsal::new(p.app_base.clone(), p.staff.clone(), p.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call_id = r.call_id();
    let http = reqwest::Client::new();
    p.clock.set(stage_at(&s["call"], "first_assessment"));
    let base = p.app_base.clone();
    assert_eq!(
        call(
            &http,
            reqwest::Method::POST,
            format!("{base}/calls/{call_id}/rounds/first/close"),
            &p.staff,
            Some(json!({}))
        )
        .await
        .0,
        200
    );
    for d in s["decisions"]["knockout"].as_array().cloned().unwrap_or_default() {
        let id = r.application_id(d["application"].as_str().expect("ref")).expect("id");
        let body = json!({"verdict": d["verdict"], "reason": d["reason"]});
        assert_eq!(
            call(
                &http,
                reqwest::Method::POST,
                format!("{base}/applications/{id}/knockout-decision"),
                &p.staff,
                Some(body)
            )
            .await
            .0,
            200
        );
    }
    r.plan_interviews().await.expect("interview details");
    let emails_before =
        entity::outbox::Entity::find().all(&p.state.db).await.expect("outbox").len();
    p.hand_over().await;

    let publish = format!("/calls/{call_id}/rounds/first/publish");
    let mut kills = 0;
    let mut published_by_a_killed_process = false;
    for delay in [5u64, 20, 40, 80, 150, 300, 600] {
        kill_during(&p, reqwest::Method::POST, &publish, &p.staff, Duration::from_millis(delay))
            .await;
        kills += 1;
        let served = Served::start(&p.url, &p.outbox);
        let published = check_publication(&http, &served.base, &p, call_id, emails_before).await;
        served.kill();
        if published {
            published_by_a_killed_process = true;
            break;
        }
    }
    // Not published by any killed process: the restarted service publishes it in full.
    let served = Served::start(&p.url, &p.outbox);
    if !published_by_a_killed_process {
        let (st, body) = call(
            &http,
            reqwest::Method::POST,
            format!("{}{publish}", served.base),
            &p.staff,
            Some(json!({})),
        )
        .await;
        assert_eq!(st, 200, "{body}");
    }
    assert!(check_publication(&http, &served.base, &p, call_id, emails_before).await);
    println!(
        "sigkill during publication: {kills} kills; published by a killed process: {published_by_a_killed_process}"
    );
    served.kill();
}

/// Checks one publication in full or none of it; returns whether it is there.
async fn check_publication(
    http: &reqwest::Client,
    base: &str,
    p: &Prepared,
    call_id: i64,
    emails_before: usize,
) -> bool {
    let published = audit_of(
        http,
        base,
        &p.staff,
        &format!("entityType=call&entityId={call_id}&action=outcome.published"),
    )
    .await
    .len();
    let decided =
        audit_of(http, base, &p.staff, "action=application.first_round_decided").await.len();
    let (_, letters) = call(
        http,
        reqwest::Method::GET,
        format!("{base}/calls/{call_id}/letters?limit=1"),
        &p.staff,
        None,
    )
    .await;
    let letters = letters["total"].as_u64().and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    let emails = entity::outbox::Entity::find().all(&p.state.db).await.expect("outbox").len()
        - emails_before;
    let (snapshot, _) = call(
        http,
        reqwest::Method::GET,
        format!("{base}/calls/{call_id}/outcomes/first_round"),
        &p.staff,
        None,
    )
    .await;
    let (_, apps) = call(
        http,
        reqwest::Method::GET,
        format!("{base}/calls/{call_id}/applications?limit=500"),
        &p.staff,
        None,
    )
    .await;
    let items = apps.get("items").cloned().unwrap_or(apps);
    let still_submitted = items
        .as_array()
        .map(|a| a.iter().filter(|x| x["status"] == "submitted").count())
        .unwrap_or_default();
    match published {
        0 => {
            assert_eq!(
                (decided, letters, emails),
                (0, 0, 0),
                "nothing of a publication that did not commit"
            );
            assert_eq!(snapshot, 404, "no frozen outcome");
            false
        }
        1 => {
            assert!(
                decided > 0 && letters > 0 && letters <= decided,
                "decided {decided}, letters {letters}"
            );
            assert_eq!(emails, decided, "one email per decided application");
            assert_eq!(snapshot, 200, "the frozen outcome");
            assert_eq!(still_submitted, 0, "every application has its first-round decision");
            true
        }
        n => panic!("published {n} times"),
    }
}
