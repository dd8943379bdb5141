//! The authorisation matrix: `docs/authorisation.md` lists every operation of the OpenAPI document
//! with the status class each actor gets. This test reads that table, checks it names exactly the
//! operations of `openapi/openapi.json`, builds one world (the 2022 call decided, a proeftuin with
//! an annual plan and a progress report) and sends every operation as every actor.
//!
//! With `TUINIER_AUTHZ_OBSERVE=1` it also writes what it saw, in the table's shape, to
//! `target/authorisation-observed.md` (to review when an operation is added).

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;

use crate::common::*;
use crate::intake::pdf;

const ACTORS: [&str; 7] = [
    "staff",
    "assessor",
    "conflicted assessor",
    "unassigned assessor",
    "region",
    "other region",
    "no token",
];
const MISSING_ID: &str = "987654";

/// One row of the table: the operation and, per actor, the statuses it may answer.
struct Row {
    method: String,
    path: String,
    cells: Vec<Vec<String>>,
}

fn table_path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/authorisation.md")
}

/// The rows of the matrix: lines `| METHOD | `/path` | cell | ... |` with one cell per actor.
fn read_table() -> Vec<Row> {
    let text = std::fs::read_to_string(table_path()).expect("docs/authorisation.md");
    let mut header_seen = false;
    let mut rows = Vec::new();
    for line in text.lines() {
        let cols: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cols.len() < 2 {
            continue;
        }
        if cols[0] == "Method" {
            let names: Vec<&str> = cols[2..].to_vec();
            assert_eq!(names, ACTORS, "the matrix's actor columns");
            header_seen = true;
            continue;
        }
        let method = cols[0];
        if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method) {
            continue;
        }
        assert!(header_seen, "a row before the header: {line}");
        assert_eq!(cols.len(), 2 + ACTORS.len(), "a cell per actor in: {line}");
        let cells = cols[2..]
            .iter()
            .map(|c| {
                let alternatives: Vec<String> =
                    c.split('/').map(|s| s.trim().to_string()).collect();
                for a in &alternatives {
                    assert!(
                        a == "2xx" || a.parse::<u16>().is_ok_and(|n| (400..500).contains(&n)),
                        "cell {c:?} in: {line}"
                    );
                }
                alternatives
            })
            .collect();
        rows.push(Row {
            method: method.to_string(),
            path: cols[1].trim_matches('`').to_string(),
            cells,
        });
    }
    rows
}

fn spec_operations() -> BTreeSet<(String, String)> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("openapi.json")).expect("JSON");
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            ops.insert((method.to_uppercase(), path.clone()));
        }
    }
    ops
}

#[test]
fn the_matrix_names_every_operation_of_the_spec_and_no_other() {
    let rows = read_table();
    let table: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        table.len(),
        rows.len(),
        "an operation appears twice in docs/authorisation.md"
    );
    let spec = spec_operations();
    let missing: Vec<_> = spec.difference(&table).collect();
    let extra: Vec<_> = table.difference(&spec).collect();
    assert!(
        missing.is_empty(),
        "operations of the spec missing from docs/authorisation.md: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "operations in docs/authorisation.md that the spec lacks: {extra:?}"
    );
}

/// Everything the requests refer to.
struct World {
    call: i64,
    application: i64,
    region_id: i64,
    document: i64,
    letter: i64,
    proeftuin: i64,
    plan: i64,
    report: i64,
    metric: String,
    outbox: i64,
    template: String,
    call_body: Value,
    final_sheet: Value,
    tokens: BTreeMap<&'static str, Option<String>>,
    other_application: i64,
    assessor_id: i64,
    /// An assessor who is none of the actors (the conflict the matrix declares is theirs).
    third_assessor_id: i64,
    seq: std::sync::atomic::AtomicUsize,
}

enum Body {
    None,
    Json(Value),
    Bytes(Vec<u8>),
}

async fn build_world(app: &TestApp) -> World {
    let s = load_scenario();
    let mut r = Rehearsal::new(
        app.base.clone(),
        app.staff_token.clone(),
        app.clock.clone(),
        &s,
    );
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first publication");
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");
    let staff = app.staff_token.clone();
    // Friesland: vws-1 declared a conflict on it, vng-1 scored it; Gelderland-Zuid is another region.
    let (target, other) = ("friesland", "gelderland-zuid");
    let application = r.application_id(target).unwrap();
    let other_application = r.application_id(other).unwrap();
    let (assessor_id, assessor) = r.assessor("vng-1").unwrap();
    let (_, conflicted) = r.assessor("vws-1").unwrap();
    let unassigned = app.user("assessor", "unassigned@authz.example", None).await;
    let regions = app.get("/regions", &staff).await;
    let region_id = regions
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["ref"] == target)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let documents = app
        .get(&format!("/applications/{application}/documents"), &staff)
        .await;
    let document = first_id(documents.ok());
    let letters = app
        .get(&format!("/applications/{application}/letters"), &staff)
        .await;
    let letter = first_id(letters.ok());
    let region_token = r.region_token(target).unwrap();

    app.set_time("2024-01-15T10:00:00+01:00");
    let proeftuin = app
        .post(
            "/proeftuinen",
            &staff,
            &json!({"ref": "authz-friesland", "name": "Proeftuin Friesland", "region_id": region_id, "started_on": "2023-01-01", "reporting": "quarter",
                    "record": {"project_leader": "Projectleider"}, "grant": "1000.00", "grant_description": "Subsidie"}),
        )
        .await;
    let proeftuin = proeftuin.ok()["id"].as_i64().unwrap();
    let plan = app
        .post(
            &format!("/proeftuinen/{proeftuin}/annual-plans"),
            &region_token,
            &plan_body(),
        )
        .await;
    let plan = plan.ok()["id"].as_i64().unwrap();
    let report = app
        .post(
            &format!("/proeftuinen/{proeftuin}/progress-reports"),
            &region_token,
            &report_body(),
        )
        .await;
    let report = report.ok()["id"].as_i64().unwrap();
    let metrics = app.get("/metrics", &staff).await;
    let metric = metrics.ok()["metrics"][0]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let outbox = app.get("/outbox", &staff).await;
    let outbox = first_id(outbox.ok());
    let templates = app.get("/call-templates", &staff).await;
    let template = templates.ok()[0]["code"].as_str().unwrap().to_string();

    let tokens = BTreeMap::from([
        ("staff", Some(staff)),
        ("assessor", Some(assessor)),
        ("conflicted assessor", Some(conflicted)),
        ("unassigned assessor", Some(unassigned)),
        ("region", Some(region_token)),
        ("other region", Some(r.region_token(other).unwrap())),
        ("no token", None),
    ]);
    World {
        call: r.call_id(),
        application,
        region_id,
        document,
        letter,
        proeftuin,
        plan,
        report,
        metric,
        outbox,
        template,
        call_body: s["call"].clone(),
        final_sheet: final_sheet(&s, "friesland", "vng-1"),
        tokens,
        other_application,
        assessor_id,
        third_assessor_id: r.assessor("jenv-1").unwrap().0,
        seq: std::sync::atomic::AtomicUsize::new(0),
    }
}

/// The id of the first element of a list, or of the first of its `items`.
fn first_id(v: &Value) -> i64 {
    let list = v.get("items").unwrap_or(v);
    list[0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {v}"))
}

/// An assessor's final-round sheet from the scenario.
fn final_sheet(s: &Value, application: &str, assessor: &str) -> Value {
    let sheet = s["final_round_scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["application"] == application && x["assessor"] == assessor)
        .unwrap();
    json!({"knockout": sheet["knockout"], "scores": sheet["scores"], "motivation": sheet["motivation"]})
}

fn plan_body() -> Value {
    json!({"year": 2024, "goals": ["Doel"], "activities": {}, "team": ["Projectleider"], "partners": [], "focus_points": [],
           "lines": [{"description": "Projectleiding", "total_cost": "1000.00", "own_contribution": "0", "grant": "1000.00"}]})
}

fn report_body() -> Value {
    json!({"period": "2023-Q4", "figures": {}, "costs_realised": "0"})
}

fn sheet() -> Value {
    json!({"motivation": "Voorlopig"})
}

/// The concrete request for an operation: the path with its parameters filled in, and a valid body.
fn request(w: &World, method: &str, path: &str) -> (String, Body) {
    let n = w.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut call = w.call_body.clone();
    let (c, a) = (w.call, w.application);
    let body = match (method, path) {
        ("POST", "/calls") => {
            call["code"] = format!("authz-{n}").into();
            Body::Json(call)
        }
        ("PUT", "/calls/{id}") => Body::Json(call),
        ("POST", "/calls/{id}/amendments") => {
            Body::Json(json!({"reason": "Verduidelijking", "call": call}))
        }
        ("POST", "/regions") => Body::Json(json!({
            "ref": format!("authz-{n}"), "name": format!("Regio {n}"),
            "lead_applicant": {"name": "Penvoerder", "email": format!("p{n}@authz.example"), "municipality": "Gemeente"},
            "municipalities": [{"name": "Gemeente", "inhabitants": 1000}]})),
        ("POST", "/users") => Body::Json(
            json!({"name": format!("Gebruiker {n}"), "email": format!("u{n}@authz.example"), "role": "assessor"}),
        ),
        ("POST", "/calls/{call_id}/applications") => Body::Json(json!({})),
        ("PUT", "/applications/{id}/form") => Body::Json(json!({"title": "Plan"})),
        ("PUT", "/applications/{id}/budget") => Body::Json(
            json!({"lines": [{"year": 2023, "description": "Projectleiding", "total_cost": "1000.00", "own_contribution": "200.00", "requested": "800.00"}]}),
        ),
        ("PUT", "/applications/{id}/commitments/{role}") => Body::Json(
            json!({"organisation": "Veilig Thuis", "signed_by": "Bestuurder", "signed_on": "2022-06-01"}),
        ),
        ("POST", "/applications/{id}/documents") | ("POST", "/applications/{id}/addendum") => {
            Body::Bytes(pdf("Bijlage"))
        }
        ("POST", "/calls/{id}/assessors") => Body::Json(json!({"user_id": w.assessor_id})),
        ("POST", "/calls/{id}/conflicts") => Body::Json(
            json!({"assessor_id": w.third_assessor_id, "application_id": w.other_application, "reason": "Familie"}),
        ),
        ("PUT", "/applications/{id}/sheets/{round}/draft")
        | ("POST", "/applications/{id}/sheets/{round}/submit") => Body::Json(sheet()),
        ("POST", "/applications/{id}/sheets/{round}/corrections") => {
            Body::Json(json!({"reason": "Rekenfout", "sheet": sheet()}))
        }
        ("POST", "/applications/{id}/knockout-decision") => {
            Body::Json(json!({"verdict": "passed", "reason": "Besloten"}))
        }
        ("POST", "/calls/{id}/ties") => {
            Body::Json(json!({"award": [], "not_award": [], "reason": "Besloten"}))
        }
        ("PUT", "/calls/{id}/allocation") => {
            Body::Json(json!({"amounts": null, "reason": "Naar rato"}))
        }
        ("POST", "/applications/{id}/consensus-notes") => {
            Body::Json(json!({"round": "first", "note": "Besproken"}))
        }
        ("POST", "/calls/{id}/what-if") => Body::Json(
            json!({"application": "friesland", "assessor": "vng-1", "round": "final", "sheet": w.final_sheet}),
        ),
        ("POST", "/letters/{id}/corrections") => Body::Json(json!({"reason": "Typefout"})),
        ("PUT", "/calls/{id}/letter-settings") => Body::Json(json!({"settings": null})),
        ("PUT", "/calls/{id}/letter-templates/{name}") => Body::Json(json!({"text": null})),
        ("POST", "/proeftuinen") => Body::Json(
            json!({"ref": format!("authz-{n}"), "name": "Proeftuin", "region_id": w.region_id, "started_on": "2023-01-01"}),
        ),
        ("PUT", "/proeftuinen/{id}") => Body::Json(
            json!({"name": "Proeftuin Friesland", "record": {"project_leader": "Projectleider"}}),
        ),
        ("POST", "/proeftuinen/{id}/grants") => Body::Json(
            json!({"amount": "10.00", "description": "Aanvulling", "granted_on": "2024-01-10"}),
        ),
        ("POST", "/metrics") => Body::Json(
            json!({"key": format!("authz_{n}"), "label_nl": "Aantal", "unit": "count", "rollup": "sum"}),
        ),
        ("PUT", "/calls/{id}/monitoring-settings") => Body::Json(
            json!({"annual_plan_due": "12-01", "report_due_weeks": 6, "reminder_days_before": 14}),
        ),
        ("POST", "/proeftuinen/{id}/annual-plans") => {
            let mut b = plan_body();
            b["year"] = json!(2025);
            Body::Json(b)
        }
        ("PUT", "/annual-plans/{id}") => Body::Json(plan_body()),
        ("POST", "/annual-plans/{id}/return") | ("POST", "/progress-reports/{id}/return") => {
            Body::Json(json!({"comments": "Toelichten"}))
        }
        ("POST", "/proeftuinen/{id}/progress-reports") => {
            let mut b = report_body();
            b["period"] = json!("2023-Q3");
            Body::Json(b)
        }
        ("PUT", "/progress-reports/{id}") => Body::Json(report_body()),
        ("POST", _) | ("PUT", _) => Body::Json(json!({})),
        _ => Body::None,
    };
    let query = match path {
        "/applications/{id}/documents" if method == "POST" => "?kind=other&filename=bijlage.pdf",
        "/applications/{id}/addendum" => "?filename=addendum.pdf",
        "/proeftuinen/{id}/figures" | "/monitoring/overview" | "/monitoring/overview.pdf" => {
            "?period=2023"
        }
        _ => "",
    };
    let id = match path {
        p if p.starts_with("/calls/") => c,
        p if p.starts_with("/applications/") => a,
        p if p.starts_with("/proeftuinen/") => w.proeftuin,
        p if p.starts_with("/annual-plans/") => w.plan,
        p if p.starts_with("/progress-reports/") => w.report,
        p if p.starts_with("/letters/") => w.letter,
        p if p.starts_with("/outbox/") => w.outbox,
        p if p.starts_with("/regions/") => w.region_id,
        _ => 0,
    };
    let concrete = path
        .replace("{id}", &id.to_string())
        .replace("{call_id}", &c.to_string())
        .replace("{document_id}", &w.document.to_string())
        .replace("{round}", "first")
        .replace("{stage}", "final")
        .replace("{role}", "veilig_thuis")
        .replace("{name}", "rejection_first_round")
        .replace("{code}", &w.template)
        .replace("{key}", &w.metric);
    (format!("{concrete}{query}"), body)
}

async fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: &Body) -> u16 {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = app.client.request(method, format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req = match body {
        Body::None => req,
        Body::Json(v) => req.json(v),
        Body::Bytes(b) => req
            .header("content-type", "application/pdf")
            .body(b.clone()),
    };
    req.send().await.expect("an answer").status().as_u16()
}

fn allows(cell: &[String], status: u16) -> bool {
    cell.iter().any(|c| {
        if c == "2xx" {
            (200..300).contains(&status)
        } else {
            c.parse::<u16>() == Ok(status)
        }
    })
}

/// Every numeric path segment replaced by an id that does not exist.
fn with_missing_ids(path: &str) -> String {
    let (p, q) = path
        .split_once('?')
        .map(|(p, q)| (p, format!("?{q}")))
        .unwrap_or((path, String::new()));
    let segments: Vec<String> = p
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                MISSING_ID.to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    format!("{}{q}", segments.join("/"))
}

#[tokio::test]
async fn every_operation_answers_every_actor_as_the_matrix_says() {
    let rows = read_table();
    let app = spawn_app().await;
    let w = build_world(&app).await;
    let observe = std::env::var("TUINIER_AUTHZ_OBSERVE").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    let mut observed = String::new();
    for row in &rows {
        // Refusals first, so an allowed change does not alter what a refusal is checked against.
        // Allowed actors from the region up to staff, so what a region does itself comes before
        // staff act on it.
        let mut order: Vec<usize> = (0..ACTORS.len()).rev().collect();
        order.sort_by_key(|&i| row.cells[i].iter().any(|c| c == "2xx"));
        let mut seen = vec![0u16; ACTORS.len()];
        for i in order {
            let actor = ACTORS[i];
            let (path, body) = request(&w, &row.method, &row.path);
            let token = w.tokens[actor].as_deref();
            let status = send(&app, &row.method, &path, token, &body).await;
            seen[i] = status;
            if !allows(&row.cells[i], status) {
                failures.push(format!(
                    "{} {} as {actor}: {status}, the matrix says {}",
                    row.method,
                    row.path,
                    row.cells[i].join("/")
                ));
            }
            // No probing: where an existing object answers 404, a missing one answers the same.
            if row.cells[i] == ["404"] {
                let missing = with_missing_ids(&path);
                let status = send(&app, &row.method, &missing, token, &body).await;
                if status != 404 {
                    failures.push(format!(
                        "{} {missing} (a missing id) as {actor}: {status}, not 404",
                        row.method
                    ));
                }
            }
        }
        let cells: Vec<String> = seen
            .iter()
            .map(|s| {
                if (200..300).contains(s) {
                    "2xx".to_string()
                } else {
                    s.to_string()
                }
            })
            .collect();
        observed.push_str(&format!(
            "| {} | `{}` | {} |\n",
            row.method,
            row.path,
            cells.join(" | ")
        ));
    }
    if observe {
        let out = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/authorisation-observed.md");
        std::fs::write(out, &observed).expect("write the observed matrix");
    }
    assert!(
        failures.is_empty(),
        "{} cells differ from docs/authorisation.md:\n{}",
        failures.len(),
        failures.join("\n")
    );
    what_an_assessor_sees(&app, &w).await;
}

/// The list leaves out an application with a conflict of interest; an assessor sees no lead
/// applicant of a region and no contact person of an application; staff see both.
async fn what_an_assessor_sees(app: &TestApp, w: &World) {
    let token = |actor: &str| w.tokens[actor].clone().unwrap();
    let listed = |v: &Value| -> (Vec<i64>, i64) {
        (
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_i64().unwrap())
                .collect(),
            v["total"].as_i64().unwrap(),
        )
    };
    let path = format!("/calls/{}/applications?limit=500", w.call);
    let (ids, total) = listed(app.get(&path, &token("assessor")).await.ok());
    assert!(ids.contains(&w.application));
    let (conflicted, conflicted_total) =
        listed(app.get(&path, &token("conflicted assessor")).await.ok());
    assert!(
        !conflicted.contains(&w.application),
        "a conflicted assessor lists the application: {conflicted:?}"
    );
    assert_eq!(
        (conflicted.len() as i64, conflicted_total),
        (ids.len() as i64 - 1, total - 1)
    );

    for actor in ["assessor", "conflicted assessor", "unassigned assessor"] {
        let regions = app.get("/regions", &token(actor)).await;
        assert!(!regions.ok().as_array().unwrap().is_empty());
        assert!(
            regions
                .body
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r.get("lead_applicant").is_none() && r["name"].is_string()),
            "{actor}: {}",
            regions.body
        );
        let one = app
            .get(&format!("/regions/{}", w.region_id), &token(actor))
            .await;
        assert!(
            one.ok().get("lead_applicant").is_none() && one.body["municipalities"].is_array(),
            "{actor}: {}",
            one.body
        );
    }
    let staff_view = app
        .get(&format!("/regions/{}", w.region_id), &token("staff"))
        .await;
    assert!(staff_view.ok()["lead_applicant"]["email"].is_string());
    let own = app
        .get(&format!("/regions/{}", w.region_id), &token("region"))
        .await;
    assert!(own.ok()["lead_applicant"]["email"].is_string());

    let application = format!("/applications/{}", w.application);
    assert!(
        app.get(&application, &token("staff")).await.ok()["form"]["contact"]["email"].is_string()
    );
    let seen = app.get(&application, &token("assessor")).await;
    assert!(
        seen.ok()["form"].get("contact").is_none() && seen.body["form"]["title"].is_string(),
        "{}",
        seen.body
    );
}
