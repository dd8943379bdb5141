//! `tuinier scenario run`: rehearses a whole call from a scenario file by driving the real HTTP API
//! of an in-process service on a fresh database, with a settable clock, exactly in the order of
//! `../shared/fixtures/README.md`. It writes `outcome.json` in the shape of the scenario's
//! `expected`. Staff use it to check a call's configuration; the acceptance test uses it as its
//! engine.

pub mod client;
mod intake;
mod outcome;
mod phases;
mod scoring;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::clock::SettableClock;
use crate::service::{Actor, users};
use crate::startup;
use client::{Client, Failure};

pub type Result<T> = std::result::Result<T, Failure>;

/// What a run produced: the outcome (shape of `expected`, plus `rejected_inputs` as answered).
pub struct RunReport {
    pub outcome: Value,
}

fn at(v: &Value, what: &str) -> Result<DateTime<Utc>> {
    let s = v.as_str().ok_or_else(|| Failure::scenario(format!("{what} is not a time")))?;
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Failure::scenario(format!("{what}: {e}")))
}

fn stage_at(call: &Value, kind: &str) -> Result<DateTime<Utc>> {
    let stage = call["stages"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["kind"] == kind))
        .ok_or_else(|| Failure::scenario(format!("the call has no {kind} stage")))?;
    at(&stage["at"], kind)
}

fn str_of<'a>(v: &'a Value, what: &str) -> Result<&'a str> {
    v.as_str().ok_or_else(|| Failure::scenario(format!("{what} is missing")))
}

/// A tiny but valid PDF, as a plan or addendum document.
pub fn sample_pdf(title: &str) -> Vec<u8> {
    let text = title.replace(['(', ')', '\\'], " ");
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        pdf.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

struct Region {
    token: String,
    application_id: Option<i64>,
}

struct Run {
    c: Client,
    clock: SettableClock,
    scenario: Value,
    call_id: i64,
    assessors: BTreeMap<String, (i64, String)>,
    regions: BTreeMap<String, Region>,
    rejected: Vec<Value>,
}

/// A scenario driven phase by phase against a running service (tests stop between phases to
/// look at the state in the middle of a call).
pub struct Rehearsal(Run);

impl Rehearsal {
    pub fn new(
        base: String,
        staff_token: String,
        clock: SettableClock,
        scenario: &Value,
    ) -> Rehearsal {
        Rehearsal(Run {
            c: Client::new(base, staff_token),
            clock,
            scenario: scenario.clone(),
            call_id: 0,
            assessors: BTreeMap::new(),
            regions: BTreeMap::new(),
            rejected: Vec::new(),
        })
    }
    pub async fn setup(&mut self) -> Result<()> {
        self.0.setup().await
    }
    pub async fn intake(&mut self) -> Result<()> {
        self.0.intake().await
    }
    pub async fn first_round(&mut self) -> Result<()> {
        self.0.first_round().await
    }
    pub async fn publish_first_round(&mut self) -> Result<Value> {
        self.0.publish_first_round().await
    }
    /// Sets the interview details of every invited application (needed before the first-round
    /// publication); for tests that publish by their own requests.
    pub async fn plan_interviews(&mut self) -> Result<()> {
        self.0.plan_interviews().await
    }
    pub async fn final_round(&mut self) -> Result<()> {
        self.0.final_round().await
    }
    pub async fn publish_final(&mut self) -> Result<Value> {
        self.0.publish_final().await
    }
    /// Carries on against another server (e.g. one on a restored backup of the database so far):
    /// the ids and tokens of the run stay valid there.
    pub fn move_to(&mut self, base: String) {
        self.0.c = Client::new(base, self.0.c.staff.clone());
    }
    pub fn call_id(&self) -> i64 {
        self.0.call_id
    }
    pub fn application_id(&self, region: &str) -> Result<i64> {
        self.0.application_of(region)
    }
    /// (user id, token) of an assessor by its ref.
    pub fn assessor(&self, r: &str) -> Result<(i64, String)> {
        self.0.assessor(r)
    }
    pub fn region_token(&self, r: &str) -> Result<String> {
        self.0.region_token(r)
    }
}

/// Runs `scenario` on a fresh database (`database_url`, or a temporary SQLite file) and returns
/// the outcome; with `out`, also writes `out/outcome.json`.
pub async fn run(
    scenario: &Value,
    database_url: Option<&str>,
    out: Option<&Path>,
) -> Result<RunReport> {
    let dir = tempfile::tempdir().map_err(Failure::io)?;
    let url = match database_url {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}?mode=rwc", dir.path().join("scenario.sqlite").display()),
    };
    let clock = SettableClock::new(stage_at(&scenario["call"], "publication")? - Duration::days(1));
    let state = startup::prepare(&url, Arc::new(clock.clone()))
        .await
        .map_err(|e| Failure::setup(e.to_string()))?;
    let mail_state = state.clone();
    let (server, mut r) = start(state, clock, scenario, "programmabureau@scenario.example").await?;
    let mut result = r.drive().await;
    if let (Ok(_), Some(out)) = (&result, out) {
        // The letters as issued, fetched through the API like a region would.
        if let Err(e) = r.write_letters(&out.join("letters")).await {
            result = Err(e);
        }
    }
    server.stop().await;
    let outcome = result?;
    if let Some(out) = out {
        std::fs::create_dir_all(out).map_err(Failure::io)?;
        write_emails(mail_state, &out.join("outbox")).await?;
        let text =
            serde_json::to_string_pretty(&outcome).map_err(|e| Failure::setup(e.to_string()))?;
        std::fs::write(out.join("outcome.json"), text + "\n").map_err(Failure::io)?;
    }
    Ok(RunReport { outcome })
}

/// A staff user for the run and the service in-process on 127.0.0.1, with the driver pointed at it.
async fn start(
    state: crate::service::AppState,
    clock: SettableClock,
    scenario: &Value,
    staff_email: &str,
) -> Result<(startup::RunningServer, Run)> {
    let staff = users::add(
        &state,
        &Actor::system("scenario"),
        users::NewUser {
            name: "Programmabureau (scenario)".into(),
            email: staff_email.to_string(),
            role: "staff".into(),
            organisation: None,
            reference: None,
            region: None,
        },
    )
    .await
    .map_err(|e| Failure::setup(e.to_string()))?;
    let server = startup::spawn_quiet(
        state,
        "127.0.0.1:0".parse().map_err(|_| Failure::setup("address".into()))?,
    )
    .await
    .map_err(Failure::io)?;
    let run = Rehearsal::new(format!("http://{}", server.addr), staff.token, clock, scenario).0;
    Ok((server, run))
}

/// Delivers every queued email of the run as `dir/*.eml`, through the real worker.
async fn write_emails(state: crate::service::AppState, dir: &Path) -> Result<()> {
    use crate::mail::worker::{FileTransport, Settings, Worker};
    let worker = Worker::new(state, Arc::new(FileTransport::new(dir)), Settings::default())
        .map_err(|e| Failure::setup(e.to_string()))?;
    let pass = worker.drain().await.map_err(|e| Failure::setup(e.to_string()))?;
    if pass.retried + pass.failed > 0 {
        return Err(Failure::io(format!(
            "{} email(s) could not be written to {}",
            pass.retried + pass.failed,
            dir.display()
        )));
    }
    Ok(())
}

/// The scenario with every ref, code and assessor email made distinct by `suffix`, so it can be
/// rehearsed in a database that holds the original call and regions already (the demo).
/// Refused inputs and the expected outcome are left out.
pub fn relabel(scenario: &Value, suffix: &str) -> Value {
    let mut s = scenario.clone();
    let add = |v: &mut Value| {
        if let Some(x) = v.as_str() {
            *v = Value::String(format!("{x}{suffix}"));
        }
    };
    add(&mut s["call"]["code"]);
    if let Some(t) = s["call"]["title"].as_str() {
        s["call"]["title"] = format!("{t} (voorbeeld, afgerond)").into();
    }
    for a in s["applications"].as_array_mut().into_iter().flatten() {
        add(&mut a["ref"]);
        if let Some(r) = a["region"].as_str() {
            a["region"] = format!("{r} (voorbeeld)").into();
        }
    }
    for a in s["assessors"].as_array_mut().into_iter().flatten() {
        add(&mut a["ref"]);
        if let Some((local, domain)) = a["email"]
            .as_str()
            .and_then(|e| e.split_once('@'))
            .map(|(l, d)| (l.to_string(), d.to_string()))
        {
            a["email"] = format!("{local}{suffix}@{domain}").into();
        }
    }
    for key in ["conflicts_of_interest", "first_round_scores", "final_round_scores"] {
        for x in s[key].as_array_mut().into_iter().flatten() {
            add(&mut x["application"]);
            add(&mut x["assessor"]);
        }
    }
    for k in s["decisions"]["knockout"].as_array_mut().into_iter().flatten() {
        add(&mut k["application"]);
    }
    for t in s["decisions"]["ties"].as_array_mut().into_iter().flatten() {
        for key in ["award", "not_award"] {
            for r in t[key].as_array_mut().into_iter().flatten() {
                add(r);
            }
        }
    }
    if let Some(o) = s.as_object_mut() {
        o.remove("rejected_inputs");
        o.remove("expected");
    }
    s
}

/// Rehearses `scenario` to its end in the database of `db`, through a temporary in-process
/// server with its own settable clock (the demo's decided call).
pub async fn rehearse_into(db: sea_orm::DatabaseConnection, scenario: &Value) -> Result<Value> {
    let clock = SettableClock::new(stage_at(&scenario["call"], "publication")? - Duration::days(1));
    let state = crate::service::AppState::new(db, Arc::new(clock.clone()));
    let staff_email =
        format!("programmabureau+{}@tuinier.example", str_of(&scenario["call"]["code"], "code")?);
    let (server, mut r) = start(state, clock, scenario, &staff_email).await?;
    let result = r.drive().await;
    server.stop().await;
    result
}
