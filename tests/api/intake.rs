//! Issue 4, intake: drafts, budgets, commitments, documents and submission, driven through the
//! HTTP API from the fixture scenario, on SQLite and (with `TUINIER_TEST_DATABASE_URL`) PostgreSQL.

mod access;
mod rules;
mod scenario;
mod uploads;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

/// The moment of a key stage of the fixture call.
pub fn stage_at(call: &Value, kind: &str) -> DateTime<Utc> {
    let stage = call["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["kind"] == kind)
        .expect("stage in the call");
    at(stage["at"].as_str().expect("stage moment"))
}

/// The last submission-reminder moment (or the publication, without reminders): drafts of the
/// regions named only in `rejected_inputs` are created after it, so no reminder is due for them.
pub fn after_last_reminder(call: &Value) -> DateTime<Utc> {
    let deadline = stage_at(call, "submission_deadline");
    let publication = stage_at(call, "publication");
    let last = call["reminders"]["submission_deadline_days_before"]
        .as_array()
        .and_then(|days| days.iter().filter_map(Value::as_i64).min())
        .map(|d| deadline - Duration::days(d))
        .unwrap_or(publication)
        .max(publication);
    let t = last + Duration::minutes(1);
    assert!(
        t + Duration::minutes(1) < deadline,
        "the fixture leaves room between the last reminder and the deadline"
    );
    t
}

/// A region from a fixture application: `ref`, name, lead applicant (penvoerder), municipalities.
pub fn region_of(a: &Value) -> Value {
    json!({"ref": a["ref"], "name": a["region"], "lead_applicant": a["penvoerder"], "municipalities": a["municipalities"]})
}

/// A region that is named only in `rejected_inputs`: made up from its ref.
pub fn invented_region(reference: &str) -> Value {
    json!({
        "ref": reference,
        "name": format!("Regio {reference}"),
        "lead_applicant": {"name": format!("Penvoerder {reference}"), "email": format!("penvoerder@{reference}.example"), "municipality": format!("Gemeente {reference}")},
        "municipalities": [{"name": format!("Gemeente {reference}"), "inhabitants": 54321}],
    })
}

/// A complete application in the fixture's shape for an invented region: valid budget, every
/// required partner.
pub fn invented_application(call: &Value, reference: &str) -> Value {
    let region = invented_region(reference);
    let year: i32 =
        call["spending_period"]["from"].as_str().expect("period")[..4].parse().expect("year");
    let partners: Vec<Value> = call["required_partner_roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| json!({"role": r, "organisation": format!("{r} {reference}"), "signed_by": "Bestuurder", "signed_on": format!("{year}-06-01")}))
        .collect();
    json!({
        "ref": reference,
        "region": region["name"],
        "title": format!("Proeftuin {reference}"),
        "penvoerder": region["lead_applicant"],
        "municipalities": region["municipalities"],
        "partners": partners,
        "budget": [{"year": year, "description": "Projectleiding", "total_cost": "1000.00", "own_contribution": "200.00", "requested": "800.00"}],
    })
}

/// The application form from a fixture application: its title, a summary, the lead applicant
/// as contact, and its municipalities as scale.
pub fn form_of(a: &Value) -> Value {
    json!({
        "title": a["title"],
        "summary": format!("Plan van aanpak van {}.", a["region"].as_str().unwrap_or("de regio")),
        "contact": {"name": a["penvoerder"]["name"], "email": a["penvoerder"]["email"]},
        "scale": {"municipalities": a["municipalities"]},
        // The applying municipality; a synthetic application without one gets a stand-in.
        "applicant": {
            "organisation": a["penvoerder"]["organisation"].as_str().or(a["penvoerder"]["municipality"].as_str()).unwrap_or("Gemeente"),
            "address": if a["penvoerder"]["address"].is_object() { a["penvoerder"]["address"].clone() } else { json!({"street": "Postbus 1", "postcode": "1000 AA", "city": "Amsterdam"}) },
        },
    })
}

/// A small, valid one-page PDF with `text` on it (cross-reference offsets computed).
pub fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 770 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends raw bytes as an upload, with the given Content-Type header.
pub async fn upload(
    app: &TestApp,
    token: &str,
    id: i64,
    kind: &str,
    filename: &str,
    bytes: Vec<u8>,
    content_type: &str,
) -> Answer {
    let resp = app
        .client
        .post(format!("{}/applications/{id}/documents", app.base))
        .query(&[("kind", kind), ("filename", filename)])
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("the upload gets an answer (not a reset connection)");
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

/// A test app with the fixture call created by staff; the clock stands before publication.
pub struct Intake {
    pub app: TestApp,
    pub scenario: Value,
    pub call: Value,
    pub call_id: i64,
}

impl Intake {
    pub async fn start() -> Intake {
        let app = spawn_app().await;
        let scenario = load_scenario();
        let call = scenario["call"].clone();
        let call_id =
            app.post("/calls", &app.staff_token, &call).await.ok()["id"].as_i64().expect("call id");
        Intake { app, scenario, call, call_id }
    }

    /// Registers a region and a user for it; returns the user's token.
    pub async fn region(&self, region: &Value) -> String {
        self.app.post("/regions", &self.app.staff_token, region).await.ok();
        let reference = region["ref"].as_str().expect("ref");
        self.app.user("region", &format!("aanvrager@{reference}.example"), Some(reference)).await
    }

    pub fn application(&self, reference: &str) -> Value {
        self.scenario["applications"]
            .as_array()
            .expect("applications")
            .iter()
            .find(|a| a["ref"] == reference)
            .cloned()
            .unwrap_or_else(|| panic!("no application {reference} in the scenario"))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        self.app.clock.set(t);
    }

    /// Moves the clock to just after publication.
    pub fn open(&self) {
        self.set(stage_at(&self.call, "publication") + Duration::hours(1));
    }

    pub async fn create_draft(&self, token: &str) -> i64 {
        let a = self
            .app
            .post(&format!("/calls/{}/applications", self.call_id), token, &json!({}))
            .await;
        let body = a.ok();
        assert_eq!(body["status"], "draft");
        body["id"].as_i64().expect("application id")
    }

    pub async fn read(&self, token: &str, id: i64) -> Value {
        self.app.get(&format!("/applications/{id}"), token).await.ok().clone()
    }

    /// Fills a draft from a fixture application: form, budget, the commitments of every partner
    /// except those in `skip_roles`, and a plan.
    pub async fn fill(&self, token: &str, id: i64, a: &Value, skip_roles: &[&str]) {
        let app = &self.app;
        app.put(&format!("/applications/{id}/form"), token, &form_of(a)).await.ok();
        app.put(&format!("/applications/{id}/budget"), token, &json!({"lines": a["budget"]}))
            .await
            .ok();
        for p in a["partners"].as_array().expect("partners") {
            let role = p["role"].as_str().expect("role");
            if skip_roles.contains(&role) {
                continue;
            }
            let body = json!({"organisation": p["organisation"], "signed_by": p["signed_by"], "signed_on": p["signed_on"]});
            app.put(&format!("/applications/{id}/commitments/{role}"), token, &body).await.ok();
        }
        let plan = pdf(&format!("Plan van aanpak {}", a["ref"].as_str().unwrap_or("")));
        upload(app, token, id, "plan", "plan-van-aanpak.pdf", plan, "application/pdf").await.ok();
    }

    pub async fn submit(&self, token: &str, id: i64) -> Answer {
        self.app
            .request(Method::POST, &format!("/applications/{id}/submit"), Some(token), None)
            .await
    }

    /// The submission receipts in the outbox as (application id, recipient).
    pub async fn receipts(&self) -> Vec<(i64, String)> {
        let rows = tuinier::mail::outbox::of_kind(&self.app.state.db, "submission_receipt")
            .await
            .expect("outbox");
        rows.into_iter()
            .map(|r| {
                assert_eq!(r.occasion, "submission");
                assert_eq!(r.status, "queued");
                let id = r
                    .target
                    .strip_prefix("application:")
                    .expect("target names the application")
                    .parse()
                    .expect("id");
                (id, r.recipient)
            })
            .collect()
    }
}
