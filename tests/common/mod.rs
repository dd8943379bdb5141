//! The test harness: a real server on 127.0.0.1:0 over a fresh database (a temporary SQLite
//! file, or a fresh PostgreSQL database when `TUINIER_TEST_DATABASE_URL` is set), with a clock
//! the test moves.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tuinier::clock::SettableClock;
use tuinier::service::{Actor, AppState, users};
use tuinier::startup::{self, RunningServer};

pub struct TestApp {
    /// The server: `http://127.0.0.1:<port>` (the root paths: `/health`, `/openapi.json`, `/docs`).
    pub root: String,
    /// The API under it: `<root>/v1`, where [`TestApp::request`] sends the paths of the spec.
    pub base: String,
    pub client: reqwest::Client,
    pub clock: SettableClock,
    pub state: AppState,
    pub staff_token: String,
    pub database_url: String,
    _server: RunningServer,
    // Last: it goes after the server and the state that use the database.
    _scratch: Scratch,
}

/// The repository's `tests/fixtures/`: the data files the tests read (the public 2022 scenario,
/// the monitoring fixture), copied from the programme's shared fixtures so a plain clone tests.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

/// The programme's shared public scenario (`../shared/fixtures/...`) when it is beside the
/// repository (CI); `None` in a plain clone.
pub fn shared_scenario_path() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/tranche-2022/scenario.json");
    p.is_file().then_some(p)
}

/// `TUINIER_SCENARIO` when set, else the public 2022 scenario in `tests/fixtures/`.
pub fn scenario_path() -> PathBuf {
    match std::env::var("TUINIER_SCENARIO") {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        _ => fixtures_dir().join("tranche-2022/scenario.json"),
    }
}

pub fn load_scenario() -> Value {
    let path = scenario_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("scenario is JSON")
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("RFC 3339 time").with_timezone(&Utc)
}

/// What holds a test's database: the SQLite file's temporary directory, or the name of the
/// PostgreSQL database made for the test, dropped when this is (a developer's own server would
/// otherwise gather one database per test run).
pub enum Scratch {
    Dir(tempfile::TempDir),
    Postgres { admin: String, name: String },
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Scratch::Postgres { admin, name } = self else { return };
        let (admin, name) = (admin.clone(), name.clone());
        let label = name.clone();
        // Its own thread and runtime: a drop may run on the test's runtime, which must not block
        // on itself. `WITH (FORCE)` ends the connections the test's pool still holds.
        let dropped = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                use sea_orm::ConnectionTrait;
                let conn = sea_orm::Database::connect(admin.as_str()).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let done = conn.execute_unprepared(&sql).await.ok();
                conn.close().await.ok();
                done
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("the test database {label} was not dropped");
        }
    }
}

/// A fresh, empty database URL for one test, and what holds it.
pub async fn fresh_database() -> (String, Scratch) {
    match std::env::var("TUINIER_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            use sea_orm::ConnectionTrait;
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).expect("random");
            let name = format!(
                "tuinier_test_{}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            let conn = sea_orm::Database::connect(admin.as_str())
                .await
                .expect("connect to the test PostgreSQL server");
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            conn.close().await.ok();
            let base = admin.rsplit_once('/').map(|(b, _)| b).expect("admin URL ends in /DBNAME");
            (format!("{base}/{name}"), Scratch::Postgres { admin, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.sqlite").display());
            (url, Scratch::Dir(dir))
        }
    }
}

/// Starts the service at `now` with one staff user.
pub async fn spawn_app_at(now: DateTime<Utc>) -> TestApp {
    spawn_app_hooked(now, None).await
}

/// As [`spawn_app_at`], counting every SQL statement the service runs in the returned counter.
pub async fn spawn_app_counting(
    now: DateTime<Utc>,
) -> (TestApp, Arc<std::sync::atomic::AtomicU64>) {
    let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = count.clone();
    let app = spawn_app_hooked(
        now,
        Some(Box::new(move |info: &sea_orm::metric::Info<'_>| {
            if std::env::var_os("TUINIER_TEST_PRINT_SQL").is_some() {
                eprintln!("SQL {}", info.statement.sql);
            }
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })),
    )
    .await;
    (app, count)
}

/// As [`spawn_app_at`], recording each SQL statement the service runs with its number of bound
/// values.
pub async fn spawn_app_recording(
    now: DateTime<Utc>,
) -> (TestApp, Arc<std::sync::Mutex<Vec<(String, usize)>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = spawn_app_hooked(
        now,
        Some(Box::new(move |info: &sea_orm::metric::Info<'_>| {
            let values = info.statement.values.as_ref().map_or(0, |v| v.0.len());
            record.lock().expect("record").push((info.statement.sql.clone(), values));
        })),
    )
    .await;
    (app, seen)
}

type MetricHook = Box<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static>;

async fn spawn_app_hooked(now: DateTime<Utc>, hook: Option<MetricHook>) -> TestApp {
    let (database_url, scratch) = fresh_database().await;
    let clock = SettableClock::new(now);
    let mut state =
        startup::prepare(&database_url, Arc::new(clock.clone())).await.expect("prepare state");
    if let Some(hook) = hook {
        state.db.set_metric_callback(hook);
        // Counted statements may not depend on how long a test takes between its requests.
        state.remember_token = std::time::Duration::from_secs(3600);
    }
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
    .expect("bootstrap staff user");
    // Tests send many unknown tokens on purpose; the throttle has its own test
    // (tests/api/sign_in.rs).
    let sign_in = tuinier::api::sign_in::ThrottleSettings { burst: 100_000, ..Default::default() };
    let server = startup::spawn_with(
        state.clone(),
        "127.0.0.1:0".parse().expect("addr"),
        startup::ServeOptions { sign_in, ..Default::default() },
    )
    .await
    .expect("bind");
    TestApp {
        root: format!("http://{}", server.addr),
        base: api_base(&format!("http://{}", server.addr)),
        client: reqwest::Client::new(),
        clock,
        state,
        staff_token: staff.token,
        database_url,
        _server: server,
        _scratch: scratch,
    }
}

/// Starts the service with the clock before the 2022 call's publication.
pub async fn spawn_app() -> TestApp {
    spawn_app_at(at("2022-05-01T09:00:00+02:00")).await
}

/// A fresh server with the scenario's call set up, its applications submitted and its
/// first-round sheets in (the round not closed): the server, the scenario's driver and the
/// scenario.
pub async fn first_round_in() -> (TestApp, tuinier::scenario::Rehearsal, Value) {
    let s = load_scenario();
    let app = spawn_app().await;
    let mut r = tuinier::scenario::Rehearsal::new(
        app.base.clone(),
        app.staff_token.clone(),
        app.clock.clone(),
        &s,
    );
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    (app, r, s)
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Answer {
    /// Asserts an RFC 9457 problem with this status and returns its body.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.body
        );
        assert_eq!(
            self.content_type, "application/problem+json",
            "problem content type; body {}",
            self.body
        );
        assert_eq!(self.body["status"], status, "problem status field: {}", self.body);
        for key in ["type", "title", "detail"] {
            assert!(self.body[key].is_string(), "problem without {key}: {}", self.body);
        }
        &self.body
    }

    /// The fields named in a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    pub fn ok(&self) -> &Value {
        assert!(self.status.is_success(), "expected success, got {}: {}", self.status, self.body);
        &self.body
    }
}

impl TestApp {
    /// The URL of an API path (`/calls`: under `/v1`); a path already under `/v1` (a
    /// `Location`) as it is.
    pub fn url(&self, path: &str) -> String {
        if path == "/v1" || path.starts_with("/v1/") {
            format!("{}{path}", self.root)
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use tuinier::clock::Clock;
        self.clock.now()
    }

    pub fn set_time(&self, s: &str) {
        self.clock.set(at(s));
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        answer_of(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Answer {
        self.request(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Answer {
        self.request(Method::PUT, path, Some(token), Some(body)).await
    }

    /// Creates a user through the API and returns its token.
    pub async fn user(&self, role: &str, email: &str, region: Option<&str>) -> String {
        let mut body = serde_json::json!({"name": email, "email": email, "role": role});
        if let Some(r) = region {
            body["region"] = r.into();
        }
        let a = self.post("/users", &self.staff_token, &body).await;
        a.ok()["token"].as_str().expect("token").to_string()
    }
}

/// The API's URL on a server (`http://127.0.0.1:<port>` -> `http://127.0.0.1:<port>/v1`).
pub fn api_base(server: &str) -> String {
    tuinier::api::standards::api_base(server)
}

/// Amounts and scores compare as decimals ("50" equals "50.00"); everything else as is.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            x == y
                || matches!((x.parse::<rust_decimal::Decimal>(), y.parse::<rust_decimal::Decimal>()), (Ok(p), Ok(q)) if p == q)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        (Value::Number(x), Value::Number(y)) => x == y,
        _ => a == b,
    }
}

/// Every key of `sent` reads back with the same value (decimals compared as decimals).
pub fn assert_contains(sent: &Value, got: &Value) {
    assert!(same_value(sent, got), "read-back differs.\nsent: {sent:#}\ngot:  {got:#}");
}

/// A response read whole: status, media type (without parameters), body as JSON where it is JSON,
/// and bytes.
pub async fn answer_of(resp: reqwest::Response) -> Answer {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .to_string();
    let bytes = resp.bytes().await.expect("body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, content_type, body, bytes }
}
