//! The world the authorisation matrix is checked against, and the concrete request (path and a
//! valid body) for every operation of the spec.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;

use crate::common::*;
use crate::intake::pdf;

/// Everything the requests refer to.
pub struct World {
    pub call: i64,
    pub application: i64,
    pub region_id: i64,
    pub document: i64,
    pub letter: i64,
    pub proeftuin: i64,
    pub plan: i64,
    pub report: i64,
    /// An advance of the proeftuin (paid in part), and the settlement of a second proeftuin of
    /// the region.
    pub advance: i64,
    pub settlement: i64,
    pub metric: String,
    pub outbox: i64,
    pub template: String,
    pub call_body: Value,
    pub final_sheet: Value,
    pub tokens: BTreeMap<&'static str, Option<String>>,
    pub other_application: i64,
    pub assessor_id: i64,
    /// An assessor who is none of the actors (the conflict the matrix declares is theirs).
    pub third_assessor_id: i64,
    pub seq: std::sync::atomic::AtomicUsize,
}

pub enum Body {
    None,
    Json(Value),
    Bytes(Vec<u8>),
    /// A PNG image (`image/png`).
    Png(Vec<u8>),
}

pub async fn build_world(app: &TestApp) -> World {
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first publication");
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");
    let staff = app.staff_token.clone();
    // Friesland: vws-1 declared a conflict on it, vng-1 scored it; Gelderland-Zuid is another
    // region.
    let (target, other) = ("friesland", "gelderland-zuid");
    let application = r.application_id(target).unwrap();
    let other_application = r.application_id(other).unwrap();
    let (assessor_id, assessor) = r.assessor("vng-1").unwrap();
    let (_, conflicted) = r.assessor("vws-1").unwrap();
    let unassigned = app.user("assessor", "unassigned@authz.example", None).await;
    let regions = app.get("/regions", &staff).await;
    let region_id =
        regions.ok().as_array().unwrap().iter().find(|g| g["ref"] == target).unwrap()["id"]
            .as_i64()
            .unwrap();
    let documents = app.get(&format!("/applications/{application}/documents"), &staff).await;
    let document = first_id(documents.ok());
    let letters = app.get(&format!("/applications/{application}/letters"), &staff).await;
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
        .post(&format!("/proeftuinen/{proeftuin}/annual-plans"), &region_token, &plan_body())
        .await;
    let plan = plan.ok()["id"].as_i64().unwrap();
    let report = app
        .post(&format!("/proeftuinen/{proeftuin}/progress-reports"), &region_token, &report_body())
        .await;
    let report = report.ok()["id"].as_i64().unwrap();
    let (advance, settlement) = finance(app, &staff, proeftuin, region_id).await;
    let metrics = app.get("/metrics", &staff).await;
    let metric = metrics.ok()["metrics"][0]["key"].as_str().unwrap().to_string();
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
        advance,
        settlement,
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

/// An advance (paid in part) of the proeftuin, and a second proeftuin of the region, settled.
async fn finance(app: &TestApp, staff: &str, proeftuin: i64, region_id: i64) -> (i64, i64) {
    let advance = app
        .post(&format!("/proeftuinen/{proeftuin}/advances"), staff, &json!({"amount": "100.00"}))
        .await;
    let advance = advance.ok()["id"].as_i64().unwrap();
    app.post(
        &format!("/proeftuinen/{proeftuin}/payments"),
        staff,
        &json!({"kind": "advance", "advance_id": advance, "amount": "50.00", "paid_on": "2024-01-15", "bank_reference": "B-1"}),
    )
    .await
    .ok();
    let second = app
        .post(
            "/proeftuinen",
            staff,
            &json!({"ref": "authz-friesland-2", "name": "Proeftuin Friesland 2", "region_id": region_id, "started_on": "2023-01-01",
                    "record": {"project_leader": "Projectleider"}, "grant": "500.00", "grant_description": "Subsidie"}),
        )
        .await;
    let second = second.ok()["id"].as_i64().unwrap();
    let settled = app
        .post(&format!("/proeftuinen/{second}/settlements"), staff, &json!({"grounds": []}))
        .await;
    (advance, settled.ok()["id"].as_i64().unwrap())
}

/// The id of the first element of a list, or of the first of its `items`.
fn first_id(v: &Value) -> i64 {
    let list = v.get("items").unwrap_or(v);
    list[0]["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
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
pub fn request(w: &World, method: &str, path: &str) -> (String, Body) {
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
        ("PUT", "/calls/{id}/interviews/{application_id}") => Body::Json(
            json!({"interview": {"date": "2022-09-05", "time": "10:00", "place": "Den Haag"}}),
        ),
        ("PUT", "/calls/{id}/letter-logo") => Body::Png(crate::letter_logo::tiny_png()),
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
        ("PUT", "/proeftuinen/{id}/advance-schedule") => Body::Json(
            json!({"max_share_percent": 80, "instalments": [{"due_on": "2024-02-01", "amount": "100.00"}]}),
        ),
        ("POST", "/proeftuinen/{id}/advances") => Body::Json(json!({"amount": "10.00"})),
        ("POST", "/proeftuinen/{id}/payments") => Body::Json(
            json!({"kind": "advance", "advance_id": w.advance, "amount": "1.00", "paid_on": "2024-01-16", "bank_reference": format!("B-{n}")}),
        ),
        ("POST", "/proeftuinen/{id}/settlement-draft")
        | ("POST", "/proeftuinen/{id}/settlements") => Body::Json(json!({"grounds": []})),
        ("POST", "/settlements/{id}/revisions") => {
            Body::Json(json!({"reason": "Herziening na controle", "grounds": []}))
        }
        ("POST", _) | ("PUT", _) => Body::Json(json!({})),
        _ => Body::None,
    };
    let query = match path {
        "/applications/{id}/documents" if method == "POST" => "?kind=other&filename=bijlage.pdf",
        "/applications/{id}/addendum" => "?filename=addendum.pdf",
        "/calls/{id}/letter-logo" if method == "PUT" => "?alt=Logo%20van%20het%20programma",
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
        p if p.starts_with("/advances/") => w.advance,
        p if p.starts_with("/settlements/") => w.settlement,
        p if p.starts_with("/outbox/") => w.outbox,
        p if p.starts_with("/regions/") => w.region_id,
        p if p.starts_with("/users/") => w.third_assessor_id,
        _ => 0,
    };
    let concrete = path
        .replace("{id}", &id.to_string())
        .replace("{call_id}", &c.to_string())
        .replace("{application_id}", &a.to_string())
        .replace("{document_id}", &w.document.to_string())
        .replace("{round}", "first")
        .replace("{stage}", "final")
        .replace("{role}", "veilig_thuis")
        .replace("{name}", "rejection_first_round")
        .replace("{code}", &w.template)
        .replace("{key}", &w.metric);
    (format!("{concrete}{query}"), body)
}
