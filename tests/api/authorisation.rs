//! The authorisation matrix: `docs/authorisation.md` lists every operation of the OpenAPI document
//! with the status class each actor gets. This test reads that table, checks it names exactly the
//! operations of `openapi/openapi.json`, builds one world (the 2022 call decided, a proeftuin with
//! an annual plan and a progress report) and sends every operation as every actor.
//!
//! With `TUINIER_AUTHZ_OBSERVE=1` it also writes what it saw, in the table's shape, to
//! `target/authorisation-observed.md` (to review when an operation is added).

mod world;

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::common::*;
use world::{Body, World, build_world, request};

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
        let cols: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
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
    let table: BTreeSet<(String, String)> =
        rows.iter().map(|r| (r.method.clone(), r.path.clone())).collect();
    assert_eq!(table.len(), rows.len(), "an operation appears twice in docs/authorisation.md");
    let spec = spec_operations();
    let missing: Vec<_> = spec.difference(&table).collect();
    let extra: Vec<_> = table.difference(&spec).collect();
    assert!(
        missing.is_empty(),
        "operations of the spec missing from docs/authorisation.md: {missing:?}"
    );
    assert!(extra.is_empty(), "operations in docs/authorisation.md that the spec lacks: {extra:?}");
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
        Body::Bytes(b) => req.header("content-type", "application/pdf").body(b.clone()),
        Body::Png(b) => req.header("content-type", "image/png").body(b.clone()),
    };
    req.send().await.expect("an answer").status().as_u16()
}

fn allows(cell: &[String], status: u16) -> bool {
    cell.iter().any(|c| {
        if c == "2xx" { (200..300).contains(&status) } else { c.parse::<u16>() == Ok(status) }
    })
}

/// Every numeric path segment replaced by an id that does not exist.
fn with_missing_ids(path: &str) -> String {
    let (p, q) =
        path.split_once('?').map(|(p, q)| (p, format!("?{q}"))).unwrap_or((path, String::new()));
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
            .map(|s| if (200..300).contains(s) { "2xx".to_string() } else { s.to_string() })
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
            v["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect(),
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
    assert_eq!((conflicted.len() as i64, conflicted_total), (ids.len() as i64 - 1, total - 1));

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
        let one = app.get(&format!("/regions/{}", w.region_id), &token(actor)).await;
        assert!(
            one.ok().get("lead_applicant").is_none() && one.body["municipalities"].is_array(),
            "{actor}: {}",
            one.body
        );
    }
    let staff_view = app.get(&format!("/regions/{}", w.region_id), &token("staff")).await;
    assert!(staff_view.ok()["lead_applicant"]["email"].is_string());
    let own = app.get(&format!("/regions/{}", w.region_id), &token("region")).await;
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
