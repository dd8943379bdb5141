//! Issue 8, monitoring: West-Brabant West's real 2024 figures (from `tests/fixtures/monitoring/`)
//! through half-year and quarterly reports, roll-ups, the report PDF, refused reports, annual
//! plans, reminders, and the proeftuinen born from the 2022 scenario's awards with an overspend.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;

use crate::common::*;

pub fn fixture() -> Value {
    let path = fixtures_dir().join("monitoring/west-brabant-west-2024.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub struct Wbw {
    pub id: i64,
    pub region_token: String,
}

/// Registers the fixture's region and proeftuin (staff) and a user of that region.
pub async fn register_wbw(app: &TestApp, f: &Value, reporting: &str) -> Wbw {
    let p = &f["proeftuin"];
    let reference = p["ref"].as_str().unwrap();
    // The region API needs a lead applicant and inhabitants; the fixture has neither, so these
    // are placeholders of the test.
    let municipalities: Vec<Value> = p["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| json!({"name": m["name"], "inhabitants": 1}))
        .collect();
    let region = app
        .post(
            "/regions",
            &app.staff_token,
            &json!({
                "ref": reference,
                "name": p["region"],
                "lead_applicant": {"name": "Penvoerder", "email": format!("penvoerder@{reference}.example"), "municipality": municipalities[0]["name"]},
                "municipalities": municipalities,
            }),
        )
        .await;
    let region_id = region.ok()["id"].clone();
    let registered = app
        .post(
            "/proeftuinen",
            &app.staff_token,
            &json!({
                "ref": reference,
                "name": p["name"],
                "region_id": region_id,
                "tranche": p["tranche"],
                "started_on": p["started_on"],
                "reporting": reporting,
                "record": {"municipalities": p["municipalities"], "project_leader": p["project_leader"]},
                "grant": "1000000.00",
                "grant_description": "Subsidie eerste tranche",
            }),
        )
        .await;
    let id = registered.ok()["id"].as_i64().unwrap();
    assert_eq!(registered.body["grant_total"], "1000000.00");
    assert_eq!(registered.body["record"]["project_leader"], p["project_leader"]);
    let region_token =
        app.user("region", &format!("monitor@{reference}.example"), Some(reference)).await;
    Wbw { id, region_token }
}

/// Creates, submits and accepts one report; returns its id.
pub async fn report(app: &TestApp, w: &Wbw, period: &str, figures: &Value, costs: &str) -> i64 {
    let body = json!({
        "period": period,
        "figures": figures,
        "costs_realised": costs,
        "narrative": {
            "principles": {"family_oriented": "Gezinnen voelen zich gehoord.", "learning": "Reflectie in het RVT."},
            "core_elements": {"regional_safety_team": "Van drie veiligheidsteams naar één RVT."},
            "lessons": "Samen dragen werkt.",
            "obstacles": "Minder aanmeldingen in de zomer."
        }
    });
    let created =
        app.post(&format!("/proeftuinen/{}/progress-reports", w.id), &w.region_token, &body).await;
    let id = created.ok()["id"].as_i64().unwrap();
    assert_eq!(created.body["status"], "draft");
    app.post(&format!("/progress-reports/{id}/submit"), &w.region_token, &json!({})).await.ok();
    // A region cannot accept its own report.
    app.post(&format!("/progress-reports/{id}/accept"), &w.region_token, &json!({}))
        .await
        .problem(403);
    let accepted =
        app.post(&format!("/progress-reports/{id}/accept"), &app.staff_token, &json!({})).await;
    assert_eq!(accepted.ok()["status"], "accepted");
    id
}

fn year_counts(answer: &Value) -> BTreeMap<String, i64> {
    answer["counts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect()
}

fn expected_totals(f: &Value) -> BTreeMap<String, i64> {
    f["expected_year_totals"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect()
}

pub fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn half_year_reports_roll_up_to_the_fixture_year_totals_and_print() {
    let app = spawn_app_at(at("2025-03-01T10:00:00+01:00")).await;
    let f = fixture();
    let w = register_wbw(&app, &f, "half_year").await;
    let mut ids = Vec::new();
    for r in f["reports"].as_array().unwrap() {
        ids.push(report(&app, &w, r["period"].as_str().unwrap(), &r["figures"], "250000.00").await);
    }
    let year = f["year"].as_i64().unwrap();
    let figures =
        app.get(&format!("/proeftuinen/{}/figures?period={year}", w.id), &w.region_token).await;
    assert_eq!(figures.ok()["complete"], true, "{}", figures.body);
    assert_eq!(year_counts(&figures.body), expected_totals(&f));
    // Each half-year reads back as reported.
    for r in f["reports"].as_array().unwrap() {
        let h = app
            .get(
                &format!("/proeftuinen/{}/figures?period={}", w.id, r["period"].as_str().unwrap()),
                &app.staff_token,
            )
            .await;
        let sent: BTreeMap<String, i64> = r["figures"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
            .collect();
        assert_eq!(year_counts(h.ok()), sent);
    }

    // The PDF of the second half-year: every metric's Dutch label, both half-years and the total.
    let catalogue = app.get("/metrics", &w.region_token).await;
    let labels: BTreeMap<String, String> = catalogue.ok()["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (m["key"].as_str().unwrap().to_string(), m["label_nl"].as_str().unwrap().to_string())
        })
        .collect();
    let pdf = app.get(&format!("/progress-reports/{}/pdf", ids[1]), &w.region_token).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type, "application/pdf");
    let text = pdf_text(&pdf.bytes);
    let (h1, h2) = (&f["reports"][0]["figures"], &f["reports"][1]["figures"]);
    for (key, total) in expected_totals(&f) {
        let label = &labels[&key];
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label.as_str()))
            .unwrap_or_else(|| panic!("no line for {label} in:\n{text}"));
        let numbers: Vec<String> = line[line.find(label.as_str()).unwrap() + label.len()..]
            .split_whitespace()
            .map(str::to_string)
            .collect();
        assert_eq!(
            numbers,
            [h1[&key].to_string(), h2[&key].to_string(), total.to_string()],
            "{line}"
        );
    }
    assert!(text.contains("Samen dragen werkt."), "narrative in the PDF");

    // Spending: two accepted reports against the grant.
    let s = app.get(&format!("/proeftuinen/{}/spending", w.id), &w.region_token).await;
    assert_eq!(s.ok()["total"]["realised"], "500000.00");
    assert_eq!(s.body["total"]["remaining"], "500000.00");
    assert_eq!(s.body["total"]["overspent"], false);

    // The researchers' export: one row per proeftuin × period × metric.
    let export = app.get("/monitoring/export.json", &app.staff_token).await;
    let rows = export.ok().as_array().unwrap();
    let reported: usize = f["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["figures"].as_object().unwrap().len())
        .sum();
    assert_eq!(rows.len(), reported, "no share without registrations");
    let csv = app.get("/monitoring/export.csv", &app.staff_token).await;
    assert_eq!(csv.status, 200);
    let csv_text = String::from_utf8(csv.bytes.clone()).unwrap();
    assert_eq!(csv_text.lines().count(), reported + 1);
    assert!(csv_text.contains(&format!(
        "west-brabant-west,Proeftuin West-Brabant West,West-Brabant West,{}-H1",
        year
    )));
    app.get("/monitoring/export.csv", &w.region_token).await.problem(403);
}

#[tokio::test]
async fn quarterly_reports_that_split_the_half_years_roll_up_to_the_same_totals() {
    let app = spawn_app_at(at("2025-03-01T10:00:00+01:00")).await;
    let f = fixture();
    let w = register_wbw(&app, &f, "quarter").await;
    for r in f["reports"].as_array().unwrap() {
        let half = r["period"].as_str().unwrap();
        let (year, h) = half.split_once("-H").unwrap();
        let first_quarter: i64 = if h == "1" { 1 } else { 3 };
        let mut a = serde_json::Map::new();
        let mut b = serde_json::Map::new();
        for (k, v) in r["figures"].as_object().unwrap() {
            let v = v.as_i64().unwrap();
            a.insert(k.clone(), json!(v / 2));
            b.insert(k.clone(), json!(v - v / 2));
        }
        report(&app, &w, &format!("{year}-Q{first_quarter}"), &Value::Object(a), "1000.00").await;
        report(&app, &w, &format!("{year}-Q{}", first_quarter + 1), &Value::Object(b), "1000.00")
            .await;
        // The half-year rolls up from its two quarters.
        let h = app
            .get(&format!("/proeftuinen/{}/figures?period={half}", w.id), &app.staff_token)
            .await;
        assert_eq!(h.ok()["complete"], true);
        let sent: BTreeMap<String, i64> = r["figures"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
            .collect();
        assert_eq!(year_counts(&h.body), sent);
    }
    let figures = app
        .get(&format!("/proeftuinen/{}/figures?period={}", w.id, f["year"]), &app.staff_token)
        .await;
    assert_eq!(figures.ok()["complete"], true);
    assert_eq!(figures.body["from_periods"].as_array().unwrap().len(), 4);
    assert_eq!(year_counts(&figures.body), expected_totals(&f));
    // A half-year report beside its quarters is refused: figures are rolled up, never entered
    // twice.
    let first = &f["reports"][0];
    let coarser = app
        .post(
            &format!("/proeftuinen/{}/progress-reports", w.id),
            &w.region_token,
            &json!({"period": first["period"], "figures": first["figures"]}),
        )
        .await;
    coarser.problem(409);
    let year = app
        .post(
            &format!("/proeftuinen/{}/progress-reports", w.id),
            &w.region_token,
            &json!({"period": f["year"].to_string()}),
        )
        .await;
    year.problem(409);
}

#[tokio::test]
async fn bad_reports_are_refused_and_store_nothing() {
    let app = spawn_app_at(at("2025-03-01T10:00:00+01:00")).await;
    let f = fixture();
    let w = register_wbw(&app, &f, "half_year").await;
    let first = &f["reports"][0];
    let period = first["period"].as_str().unwrap();
    let reports_path = format!("/proeftuinen/{}/progress-reports", w.id);
    report(&app, &w, period, &first["figures"], "10.00").await;

    // Another region with its own user and proeftuin.
    app.post(
        "/regions",
        &app.staff_token,
        &json!({"ref": "elders", "name": "Elders", "lead_applicant": {"name": "X", "email": "x@elders.example", "municipality": "Elders"}, "municipalities": [{"name": "Elders", "inhabitants": 5000}]}),
    )
    .await
    .ok();
    let other = app.user("region", "monitor@elders.example", Some("elders")).await;

    let snapshot = || async {
        (
            app.get(&reports_path, &app.staff_token).await.body,
            app.get("/monitoring/export.json", &app.staff_token).await.body,
            app.get("/audit?entityType=progress_report&limit=1000", &app.staff_token).await.body,
        )
    };
    let before = snapshot().await;
    let second = f["reports"][1]["period"].as_str().unwrap();
    let mut figures = f["reports"][1]["figures"].clone();

    // Unknown metric, negative and fractional counts: 422, every field named at once.
    figures["no_such_metric"] = json!(3);
    figures["cases_discussed"] = json!(-1);
    figures["network_meetings"] = json!(2.5);
    let a = app
        .post(&reports_path, &w.region_token, &json!({"period": second, "figures": figures}))
        .await;
    a.problem(422);
    let fields = a.error_fields();
    for f in ["figures.no_such_metric", "figures.cases_discussed", "figures.network_meetings"] {
        assert!(fields.contains(&f.to_string()), "{fields:?}");
    }
    // A count as a string, a share given by hand, fractions of a cent.
    let a = app
        .post(&reports_path, &w.region_token, &json!({"period": second, "figures": {"cases_discussed": "7", "share_households_without_children": 10}, "costs_realised": "1.005"}))
        .await;
    a.problem(422);
    assert_eq!(
        a.error_fields(),
        ["costs_realised", "figures.cases_discussed", "figures.share_households_without_children"]
    );
    // Periods outside its life: before the start, not begun yet, not a period.
    for bad in ["2021-H1", "2025-H2", "2024-Q5"] {
        let a = app
            .post(
                &reports_path,
                &w.region_token,
                &json!({"period": bad, "figures": {"cases_discussed": 1}}),
            )
            .await;
        a.problem(422);
        assert_eq!(a.error_fields(), ["period"], "{bad}");
    }
    // A second report for the same period, and a year over it.
    app.post(
        &reports_path,
        &w.region_token,
        &json!({"period": period, "figures": {"cases_discussed": 1}}),
    )
    .await
    .problem(409);
    app.post(&reports_path, &w.region_token, &json!({"period": f["year"].to_string()}))
        .await
        .problem(409);
    // Another region reporting for this proeftuin, or reading it: it does not exist for them.
    app.post(&reports_path, &other, &json!({"period": second, "figures": {"cases_discussed": 1}}))
        .await
        .problem(404);
    app.get(&format!("/proeftuinen/{}", w.id), &other).await.problem(404);
    assert!(app.get("/proeftuinen", &other).await.ok().as_array().unwrap().is_empty());
    // Assessors have no part in monitoring.
    let assessor = app.user("assessor", "beoordelaar@vng.example", None).await;
    app.get("/proeftuinen", &assessor).await.problem(403);

    assert_eq!(snapshot().await, before, "nothing stored by the refusals");

    // An accepted report no longer changes; a returned one is edited and submitted again.
    let id = app.get(&reports_path, &app.staff_token).await.body[0]["id"].as_i64().unwrap();
    app.put(
        &format!("/progress-reports/{id}"),
        &w.region_token,
        &json!({"period": period, "figures": {}}),
    )
    .await
    .problem(409);
    let draft = app
        .post(
            &reports_path,
            &w.region_token,
            &json!({"period": second, "figures": f["reports"][1]["figures"]}),
        )
        .await;
    let d = draft.ok()["id"].as_i64().unwrap();
    app.post(&format!("/progress-reports/{d}/accept"), &app.staff_token, &json!({}))
        .await
        .problem(409);
    app.post(&format!("/progress-reports/{d}/submit"), &w.region_token, &json!({})).await.ok();
    app.post(&format!("/progress-reports/{d}/return"), &app.staff_token, &json!({}))
        .await
        .problem(422);
    let returned = app
        .post(
            &format!("/progress-reports/{d}/return"),
            &app.staff_token,
            &json!({"comments": "Graag de toelichting aanvullen"}),
        )
        .await;
    assert_eq!(returned.ok()["status"], "returned");
    assert_eq!(returned.body["comments"], "Graag de toelichting aanvullen");
    app.put(&format!("/progress-reports/{d}"), &w.region_token, &json!({"period": second, "figures": f["reports"][1]["figures"], "narrative": {"lessons": "Aangevuld."}}))
        .await
        .ok();
    assert_eq!(
        app.post(&format!("/progress-reports/{d}/submit"), &w.region_token, &json!({})).await.ok()
            ["status"],
        "submitted"
    );
}

#[tokio::test]
async fn metric_catalogue_is_defined_by_staff_and_versioned() {
    let app = spawn_app_at(at("2025-03-01T10:00:00+01:00")).await;
    let c = app.get("/metrics", &app.staff_token).await;
    let keys: Vec<&str> =
        c.ok()["metrics"].as_array().unwrap().iter().map(|m| m["key"].as_str().unwrap()).collect();
    for k in ["cases_discussed", "registrations", "share_households_without_children"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    let version = c.body["version"].as_i64().unwrap();
    let region_token = {
        let f = fixture();
        register_wbw(&app, &f, "quarter").await.region_token
    };
    app.post(
        "/metrics",
        &region_token,
        &json!({"key": "x", "label_nl": "X", "unit": "count", "rollup": "sum"}),
    )
    .await
    .problem(403);
    let bad = app.post("/metrics", &app.staff_token, &json!({"key": "Bad key", "label_nl": "", "unit": "count", "rollup": "share", "numerator": "nope", "denominator": "registrations"})).await;
    bad.problem(422);
    assert_eq!(bad.error_fields(), ["key", "label_nl", "numerator"]);
    let added = app.post("/metrics", &app.staff_token, &json!({"key": "expert_meetings", "label_nl": "Inzet ervaringsdeskundigen", "unit": "count", "rollup": "sum"})).await;
    assert_eq!(added.ok()["version"].as_i64().unwrap(), version + 1);
    let relabelled = app.post("/metrics", &app.staff_token, &json!({"key": "expert_meetings", "label_nl": "Inzet ervaringsdeskundige", "unit": "count", "rollup": "sum"})).await;
    let m = relabelled.ok()["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "expert_meetings")
        .unwrap()
        .clone();
    assert_eq!(m["version"], 2);
    assert_eq!(m["label_nl"], "Inzet ervaringsdeskundige");
    let history = app.get("/metrics/expert_meetings/versions", &app.staff_token).await;
    assert_eq!(history.ok().as_array().unwrap().len(), 2);
    // The share of households without children is recomputed from the counts, never averaged.
    let w_id = app.get("/proeftuinen", &app.staff_token).await.body[0]["id"].as_i64().unwrap();
    let w = Wbw { id: w_id, region_token };
    report(
        &app,
        &w,
        "2024-Q1",
        &json!({"households_without_children": 1, "registrations": 3, "expert_meetings": 2}),
        "0",
    )
    .await;
    report(
        &app,
        &w,
        "2024-Q2",
        &json!({"households_without_children": 0, "registrations": 7}),
        "0",
    )
    .await;
    let h1 =
        app.get(&format!("/proeftuinen/{w_id}/figures?period=2024-H1"), &app.staff_token).await;
    let share = h1.ok()["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metric"] == "share_households_without_children")
        .unwrap()
        .clone();
    assert_eq!(share["share"], "10.0");
    assert_eq!(h1.body["counts"]["expert_meetings"], 2);
}

#[tokio::test]
async fn annual_plans_follow_the_workflow_and_reminders_go_out_once() {
    let app = spawn_app_at(at("2025-03-01T10:00:00+01:00")).await;
    let f = fixture();
    let w = register_wbw(&app, &f, "quarter").await;
    let plans = format!("/proeftuinen/{}/annual-plans", w.id);
    let plan = json!({
        "year": 2026,
        "goals": ["Uitbreiden naar meer postcodegebieden", "Jeugdreclassering toevoegen aan het team"],
        "activities": {"local_team": "Scholing veiligheid", "knowledge_research_learning": "Deelname landelijke monitor"},
        "team": ["Projectleider", "Voorzitter RVT"],
        "partners": ["Veilig Thuis", "Raad voor de Kinderbescherming"],
        "focus_points": ["Huishoudens zonder kinderen"],
        "lines": [
            {"description": "Projectleiding", "total_cost": "120000.00", "own_contribution": "20000.00", "grant": "100000.00"},
            {"description": "Scholing", "total_cost": "30000.10", "own_contribution": "0", "grant": "30000.10"}
        ]
    });
    // Budget lines are checked like an application's, all at once.
    let mut bad = plan.clone();
    bad["lines"][0]["grant"] = json!("110000.00");
    bad["lines"][1]["total_cost"] = json!(5);
    bad["activities"]["nope"] = json!("x");
    let a = app.post(&plans, &w.region_token, &bad).await;
    a.problem(422);
    assert_eq!(a.error_fields(), ["lines[1].total_cost", "activities.nope", "lines[0].grant"]);
    let created = app.post(&plans, &w.region_token, &plan).await;
    let id = created.ok()["id"].as_i64().unwrap();
    assert_eq!(created.body["grant"], "130000.10");
    assert_eq!(created.body["due_on"], "2025-12-01");
    app.post(&plans, &w.region_token, &plan).await.problem(409);
    app.post(&format!("/annual-plans/{id}/submit"), &w.region_token, &json!({})).await.ok();
    app.post(
        &format!("/annual-plans/{id}/return"),
        &app.staff_token,
        &json!({"comments": "Begroting toelichten"}),
    )
    .await
    .ok();
    app.put(&format!("/annual-plans/{id}"), &w.region_token, &plan).await.ok();
    app.post(&format!("/annual-plans/{id}/submit"), &w.region_token, &json!({})).await.ok();
    let accepted =
        app.post(&format!("/annual-plans/{id}/accept"), &app.staff_token, &json!({})).await;
    assert_eq!(accepted.ok()["status"], "accepted");
    let pdf = app.get(&format!("/annual-plans/{id}/pdf"), &w.region_token).await;
    assert_eq!(pdf.status, 200);
    let text = pdf_text(&pdf.bytes);
    for s in
        ["Jaarplan 2026", "Uitbreiden naar meer postcodegebieden", "€ 130.000,10", "Lokaal Team"]
    {
        assert!(text.contains(s), "{s} in:\n{text}");
    }
    let spending = app.get(&format!("/proeftuinen/{}/spending", w.id), &app.staff_token).await;
    assert_eq!(spending.ok()["years"][0]["budgeted"], "130000.10");

    // Reminders: 2025-Q1 ends 31 March and is due six weeks later (12 May); 14 days before, one
    // reminder; after the due date, one overdue; running again queues nothing new.
    let run = || async {
        app.post("/monitoring/reminders/run", &app.staff_token, &json!({})).await.ok()["queued"]
            .as_i64()
            .unwrap()
    };
    app.set_time("2025-04-28T09:00:00+02:00");
    assert_eq!(run().await, 1);
    assert_eq!(run().await, 0);
    app.set_time("2025-05-13T09:00:00+02:00");
    assert_eq!(run().await, 1);
    let mails = tuinier::mail::outbox::of_kind(&app.state.db, "report_reminder").await.unwrap();
    let occasions: Vec<(&str, &str)> =
        mails.iter().map(|m| (m.target.as_str(), m.occasion.as_str())).collect();
    assert_eq!(
        occasions,
        [
            (format!("progress_report:{}:2025-Q1", w.id).as_str(), "before_due"),
            (format!("progress_report:{}:2025-Q1", w.id).as_str(), "overdue")
        ]
    );
    assert!(mails.iter().all(|m| m.recipient == "penvoerder@west-brabant-west.example"));
    // Once reported, no more reminders for it.
    report(&app, &w, "2025-Q1", &json!({"cases_discussed": 40}), "0").await;
    app.set_time("2025-05-20T09:00:00+02:00");
    assert_eq!(run().await, 0);
}

#[tokio::test]
async fn the_2022_call_ends_with_four_proeftuinen_and_an_overspend_shows() {
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first publication");
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");

    let awarded: Vec<&Value> = s["expected"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["decision"] == "awarded")
        .collect();
    let proeftuinen = app.get("/proeftuinen", &app.staff_token).await;
    let list = proeftuinen.ok().as_array().unwrap().clone();
    assert_eq!(list.len(), awarded.len());
    assert_eq!(list.len(), 4, "the 2022 call awards four");
    let start = s["call"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "programme_start")
        .unwrap()["at"]
        .as_str()
        .unwrap()[..10]
        .to_string();
    for a in &awarded {
        let p = list
            .iter()
            .find(|p| p["region_ref"] == a["ref"])
            .unwrap_or_else(|| panic!("no proeftuin for {}", a["ref"]));
        assert!(
            same_value(&p["grant_total"], &a["allocated"]),
            "{} {}",
            p["grant_total"],
            a["allocated"]
        );
        assert_eq!(p["started_on"], start.as_str());
        assert_eq!(
            p["application_id"].as_i64(),
            Some(r.application_id(a["ref"].as_str().unwrap()).unwrap())
        );
    }

    // A region reports costs above its remaining grant: accepted, and the overview shows it.
    let first = list[0].clone();
    let region_token = r.region_token(first["region_ref"].as_str().unwrap()).unwrap();
    app.set_time("2023-02-01T10:00:00+01:00");
    let grant: rust_decimal::Decimal = first["grant_total"].as_str().unwrap().parse().unwrap();
    let costs = (grant + rust_decimal::Decimal::new(125050, 2)).to_string();
    let w = Wbw { id: first["id"].as_i64().unwrap(), region_token };
    report(
        &app,
        &w,
        "2022-Q4",
        &json!({"cases_discussed": 12, "registrations": 10, "households_without_children": 1}),
        &costs,
    )
    .await;
    let o = app.get("/monitoring/overview?period=2022", &app.staff_token).await;
    let row = o.ok()["proeftuinen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["proeftuin_id"] == first["id"])
        .unwrap()
        .clone();
    assert_eq!(row["balance"]["overspent"], true);
    assert_eq!(row["balance"]["remaining"], "-1250.50");
    assert_eq!(row["balance"]["overspend"], "1250.50");
    assert_eq!(row["figures"]["counts"]["cases_discussed"], 12);
    assert_eq!(
        row["figures"]["complete"], true,
        "quarters before its start are not missing: {}",
        row["figures"]
    );
    assert_eq!(o.body["proeftuinen"].as_array().unwrap().len(), 4);
    let pdf = app.get("/monitoring/overview.pdf?period=2022", &app.staff_token).await;
    assert_eq!(pdf.status, 200);
    if let Ok(path) = std::env::var("TUINIER_WRITE_OVERVIEW_PDF") {
        std::fs::write(path, &pdf.bytes).unwrap();
    }
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("overschrijding € 1.250,50"), "{text}");
    for p in &list {
        assert!(text.contains(p["name"].as_str().unwrap()), "a page for {}", p["name"]);
    }
    app.get("/monitoring/overview.pdf?period=2022", &w.region_token).await.problem(403);
}
