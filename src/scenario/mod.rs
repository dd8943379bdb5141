//! `tuinier scenario run`: rehearses a whole call from a scenario file by driving the real HTTP
//! API of an in-process service on a fresh database, with a settable clock, exactly in the order
//! of `../shared/fixtures/README.md`. It writes `outcome.json` in the shape of the scenario's
//! `expected`. Staff use it to check a call's configuration; the acceptance test uses it as its engine.

mod client;

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
    let server =
        startup::spawn(state, "127.0.0.1:0".parse().map_err(|_| Failure::setup("address".into()))?)
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

impl Run {
    fn set_time(&self, t: DateTime<Utc>) {
        // The clock only moves forward, as in the real world.
        if t > self.clock_now() {
            self.clock.set(t);
        }
    }

    fn clock_now(&self) -> DateTime<Utc> {
        use crate::clock::Clock;
        self.clock.now()
    }

    fn staff(&self) -> String {
        self.c.staff.clone()
    }

    fn rejected_of(&self, kind: &str) -> Vec<Value> {
        self.scenario["rejected_inputs"]
            .as_array()
            .map(|a| a.iter().filter(|r| r["kind"] == kind).cloned().collect())
            .unwrap_or_default()
    }

    /// Records how a refused input was answered, and whether the stored data stayed the same.
    fn note_rejection(
        &mut self,
        input: &Value,
        status: u16,
        problem: bool,
        before: &Value,
        after: &Value,
    ) {
        self.rejected.push(json!({
            "what": input["what"],
            "kind": input["kind"],
            "expect_status": input["expect_status"],
            "status": status,
            "problem_json": problem,
            "unchanged": before == after,
        }));
    }

    async fn drive(&mut self) -> Result<Value> {
        self.setup().await?;
        self.intake().await?;
        self.first_round().await?;
        self.publish_first_round().await?;
        self.final_round().await?;
        self.publish_final().await
    }

    /// 1. Before publication: the call, the assessors, the regions.
    async fn setup(&mut self) -> Result<()> {
        let s = self.scenario.clone();
        let call = &s["call"];
        let staff = self.staff();
        self.call_id = self.c.post("/calls", &staff, &call.clone()).await?.expect(200)?["id"]
            .as_i64()
            .unwrap_or_default();
        for a in s["assessors"].as_array().into_iter().flatten() {
            let body = json!({"name": a["name"], "email": a["email"], "role": "assessor", "organisation": a["organisation"], "ref": a["ref"]});
            let created = self.c.post("/users", &staff, &body).await?.expect(200)?;
            let id = created["user"]["id"].as_i64().unwrap_or_default();
            let token = str_of(&created["token"], "token")?.to_string();
            self.c
                .post(
                    &format!("/calls/{}/assessors", self.call_id),
                    &staff,
                    &json!({"user_id": id}),
                )
                .await?
                .expect(200)?;
            self.assessors.insert(str_of(&a["ref"], "assessor ref")?.to_string(), (id, token));
        }
        for a in s["applications"].as_array().into_iter().flatten() {
            let region = json!({"ref": a["ref"], "name": a["region"], "lead_applicant": a["penvoerder"], "municipalities": a["municipalities"]});
            self.register_region(region).await?;
        }
        // Regions named only in rejected inputs.
        for input in s["rejected_inputs"].as_array().into_iter().flatten() {
            if input["kind"] == "cross_region_read"
                || input["kind"] == "score_out_of_range"
                || input["kind"] == "conflict_of_interest"
            {
                continue;
            }
            let r = str_of(&input["application"], "rejected input's application")?;
            if self.regions.contains_key(r) {
                continue;
            }
            let region = json!({
                "ref": r,
                "name": format!("Regio {r}"),
                "lead_applicant": {"name": format!("Penvoerder {r}"), "email": format!("penvoerder@{r}.example"), "municipality": format!("Gemeente {r}")},
                "municipalities": [{"name": format!("Gemeente {r}"), "inhabitants": 50000}],
            });
            self.register_region(region).await?;
        }
        Ok(())
    }

    /// 2. Intake, in time order, with the refused inputs of intake; then the conflicts of interest.
    async fn intake(&mut self) -> Result<()> {
        let s = self.scenario.clone();
        let call = &s["call"];
        let staff = self.staff();
        let deadline = stage_at(call, "submission_deadline")?;
        let mut events: Vec<(DateTime<Utc>, u8, usize)> = Vec::new();
        let apps = s["applications"].as_array().cloned().unwrap_or_default();
        for (i, a) in apps.iter().enumerate() {
            events.push((at(&a["draft_created_at"], "draft_created_at")?, 0, i));
            events.push((at(&a["submitted_at"], "submitted_at")?, 2, i));
        }
        for days in
            call["reminders"]["submission_deadline_days_before"].as_array().into_iter().flatten()
        {
            events.push((deadline - Duration::days(days.as_i64().unwrap_or(0)), 1, 0));
        }
        events.sort();
        for (t, kind, i) in events {
            self.set_time(t);
            match kind {
                0 => self.create_draft(&apps[i], true).await?,
                1 => self.tick().await?,
                _ => {
                    let id = self.application_of(str_of(&apps[i]["ref"], "ref")?)?;
                    let token = self.region_token(str_of(&apps[i]["ref"], "ref")?)?;
                    self.c
                        .post(&format!("/applications/{id}/submit"), &token, &json!({}))
                        .await?
                        .expect(200)?;
                }
            }
        }
        self.intake_rejections(deadline).await?;
        for c in s["conflicts_of_interest"].as_array().into_iter().flatten() {
            let (assessor_id, _) = self.assessor(str_of(&c["assessor"], "conflict assessor")?)?;
            let application_id =
                self.application_of(str_of(&c["application"], "conflict application")?)?;
            let body = json!({"assessor_id": assessor_id, "application_id": application_id, "reason": c["reason"]});
            self.c
                .post(&format!("/calls/{}/conflicts", self.call_id), &staff, &body)
                .await?
                .expect(200)?;
        }
        Ok(())
    }

    /// 3. After the deadline: the refused sheets, then every first-round sheet.
    async fn first_round(&mut self) -> Result<()> {
        let deadline = stage_at(&self.scenario["call"], "submission_deadline")?;
        self.set_time(deadline + Duration::seconds(1));
        self.tick().await?;
        self.scoring_rejections().await?;
        let sheets = self.scenario["first_round_scores"].clone();
        self.submit_sheets("first", &sheets).await
    }

    /// 4. At the first_assessment stage: close, settle knock-outs, publish.
    async fn publish_first_round(&mut self) -> Result<Value> {
        let s = self.scenario.clone();
        let staff = self.staff();
        self.set_time(stage_at(&s["call"], "first_assessment")?);
        self.tick().await?;
        self.c
            .post(&format!("/calls/{}/rounds/first/close", self.call_id), &staff, &json!({}))
            .await?
            .expect(200)?;
        let knockouts = s["decisions"]["knockout"].as_array().cloned().unwrap_or_default();
        if !knockouts.is_empty() {
            // The service must refuse to publish while a decision is pending.
            self.c
                .post(&format!("/calls/{}/rounds/first/publish", self.call_id), &staff, &json!({}))
                .await?
                .expect(409)?;
        }
        for d in &knockouts {
            let id = self.application_of(str_of(&d["application"], "decision application")?)?;
            let body = json!({"verdict": d["verdict"], "reason": d["reason"]});
            self.c
                .post(&format!("/applications/{id}/knockout-decision"), &staff, &body)
                .await?
                .expect(200)?;
        }
        self.plan_interviews().await?;
        self.c
            .post(&format!("/calls/{}/rounds/first/publish", self.call_id), &staff, &json!({}))
            .await?
            .expect(200)
    }

    /// Interview details for every invited application, two a day (10.00 and 14.00 uur) on the
    /// working days of the call's interviews stage.
    async fn plan_interviews(&mut self) -> Result<()> {
        let staff = self.staff();
        let stages = self.scenario["call"]["stages"].as_array().cloned().unwrap_or_default();
        let first = stages
            .iter()
            .find(|st| st["kind"] == "interviews")
            .and_then(|st| st["starts_on"].as_str())
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .unwrap_or_else(|| self.clock_now().date_naive() + Duration::days(10));
        let results =
            self.c.get(&format!("/calls/{}/results", self.call_id), &staff).await?.expect(200)?;
        let mut day = crate::domain::workdays::next_working_day(first);
        let mut slot = 0;
        for line in results["applications"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| l["invited_to_interview"] == true)
        {
            let id = line["application_id"].as_i64().unwrap_or_default();
            let body = json!({"interview": {
                "date": day.to_string(),
                "time": if slot == 0 { "10:00" } else { "14:00" },
                "place": "Ministerie van Justitie en Veiligheid, Turfmarkt 147, Den Haag",
            }});
            self.c
                .put(&format!("/calls/{}/interviews/{id}", self.call_id), &staff, &body)
                .await?
                .expect(200)?;
            slot += 1;
            if slot == 2 {
                slot = 0;
                day = crate::domain::workdays::next_working_day(day + Duration::days(1));
            }
        }
        Ok(())
    }

    /// 5. Addenda from the invited regions, then the final round's sheets; staff close it.
    async fn final_round(&mut self) -> Result<()> {
        let staff = self.staff();
        let results =
            self.c.get(&format!("/calls/{}/results", self.call_id), &staff).await?.expect(200)?;
        for line in results["applications"].as_array().into_iter().flatten() {
            if line["invited_to_interview"] == true {
                let r = str_of(&line["ref"], "ref")?.to_string();
                let id = line["application_id"].as_i64().unwrap_or_default();
                let token = self.region_token(&r)?;
                let pdf = sample_pdf(&format!("Addendum {r}"));
                self.c
                    .upload(
                        &format!("/applications/{id}/addendum?filename=addendum-{r}.pdf"),
                        &token,
                        pdf,
                    )
                    .await?
                    .expect(200)?;
            }
        }
        self.tick().await?;
        let sheets = self.scenario["final_round_scores"].clone();
        self.submit_sheets("final", &sheets).await?;
        self.c
            .post(&format!("/calls/{}/rounds/final/close", self.call_id), &staff, &json!({}))
            .await?
            .expect(200)?;
        Ok(())
    }

    /// 6. At the final_decision stage: settle ties, publish; the outcome.
    async fn publish_final(&mut self) -> Result<Value> {
        let s = self.scenario.clone();
        let staff = self.staff();
        self.set_time(stage_at(&s["call"], "final_decision")?);
        self.tick().await?;
        let ties = s["decisions"]["ties"].as_array().cloned().unwrap_or_default();
        if !ties.is_empty() {
            self.c
                .post(&format!("/calls/{}/rounds/final/publish", self.call_id), &staff, &json!({}))
                .await?
                .expect(409)?;
        }
        for t in &ties {
            let ids = |key: &str| -> Result<Vec<i64>> {
                t[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| self.application_of(str_of(r, "tie ref")?))
                    .collect()
            };
            let body = json!({"award": ids("award")?, "not_award": ids("not_award")?, "reason": t["reason"]});
            self.c
                .post(&format!("/calls/{}/ties", self.call_id), &staff, &body)
                .await?
                .expect(200)?;
        }
        self.c
            .post(&format!("/calls/{}/rounds/final/publish", self.call_id), &staff, &json!({}))
            .await?
            .expect(200)?;
        let results =
            self.c.get(&format!("/calls/{}/results", self.call_id), &staff).await?.expect(200)?;
        let emails = self.emails().await?;
        Ok(self.outcome(&results, emails))
    }

    /// Lets the scheduler run at the current time: whatever is due by now is queued.
    async fn tick(&self) -> Result<()> {
        let staff = self.staff();
        self.c.post("/scheduler/run", &staff, &json!({})).await?.expect(200)?;
        Ok(())
    }

    /// Every email the run produced, from the outbox through the API, in the shape of
    /// `expected.emails`. Cancelled emails (obsolete decisions) never went out and are left out.
    async fn emails(&self) -> Result<Vec<Value>> {
        let staff = self.staff();
        let refs: BTreeMap<i64, &str> = self
            .regions
            .iter()
            .filter_map(|(r, x)| x.application_id.map(|id| (id, r.as_str())))
            .collect();
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .c
                .get(&format!("/outbox?limit=500&offset={offset}"), &staff)
                .await?
                .expect(200)?;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            for e in &items {
                if e["status"] == "cancelled" {
                    continue;
                }
                let application =
                    e["application_id"].as_i64().and_then(|id| refs.get(&id).copied());
                let mut o =
                    json!({"kind": e["kind"], "application": application, "to": e["recipient"]});
                if let Some(d) = e["days_before"].as_u64() {
                    o["days_before"] = d.into();
                }
                if e["attachment"]["media_type"] == "application/pdf" {
                    o["attachment"] = "pdf".into();
                }
                out.push(o);
            }
            offset += items.len();
            if items.is_empty() || offset as u64 >= page["total"].as_u64().unwrap_or(0) {
                return Ok(out);
            }
        }
    }

    async fn register_region(&mut self, region: Value) -> Result<()> {
        let staff = self.staff();
        let r = str_of(&region["ref"], "region ref")?.to_string();
        self.c.post("/regions", &staff, &region).await?.expect(200)?;
        let email = format!("{r}@regio.scenario.example");
        let body = json!({"name": region["lead_applicant"]["name"], "email": email, "role": "region", "region": r});
        let created = self.c.post("/users", &staff, &body).await?.expect(200)?;
        let token = str_of(&created["token"], "token")?.to_string();
        self.regions.insert(r, Region { token, application_id: None });
        Ok(())
    }

    fn region_token(&self, r: &str) -> Result<String> {
        self.regions
            .get(r)
            .map(|x| x.token.clone())
            .ok_or_else(|| Failure::scenario(format!("unknown region {r}")))
    }

    fn application_of(&self, r: &str) -> Result<i64> {
        self.regions
            .get(r)
            .and_then(|x| x.application_id)
            .ok_or_else(|| Failure::scenario(format!("no application of {r}")))
    }

    fn assessor(&self, r: &str) -> Result<(i64, String)> {
        self.assessors
            .get(r)
            .cloned()
            .ok_or_else(|| Failure::scenario(format!("unknown assessor {r}")))
    }

    /// Creates a region's draft and fills it: form, budget, plan, commitments (all or all but one role).
    async fn create_draft(&mut self, a: &Value, all_partners: bool) -> Result<()> {
        let r = str_of(&a["ref"], "ref")?.to_string();
        let token = self.region_token(&r)?;
        let created = self
            .c
            .post(&format!("/calls/{}/applications", self.call_id), &token, &json!({}))
            .await?
            .expect(200)?;
        let id = created["id"].as_i64().unwrap_or_default();
        if let Some(region) = self.regions.get_mut(&r) {
            region.application_id = Some(id);
        }
        let inhabitants: u64 = a["municipalities"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["inhabitants"].as_u64())
            .sum();
        let mut form = json!({
            "title": a["title"],
            "summary": format!("Plan van aanpak van {}", a["region"].as_str().unwrap_or(&r)),
            "contact": {"name": a["penvoerder"]["name"], "email": a["penvoerder"]["email"]},
            "scale": {"municipalities": a["municipalities"], "inhabitants": inhabitants, "districts": []},
        });
        if a["penvoerder"]["function"].is_string() {
            form["contact"]["function"] = a["penvoerder"]["function"].clone();
        }
        // The applying municipality as a legal person, with its postal address.
        if a["penvoerder"]["organisation"].is_string() && a["penvoerder"]["address"].is_object() {
            form["applicant"] = json!({"organisation": a["penvoerder"]["organisation"], "address": a["penvoerder"]["address"]});
        }
        self.c.put(&format!("/applications/{id}/form"), &token, &form).await?.expect(200)?;
        if a["budget"].is_array() {
            self.c
                .put(&format!("/applications/{id}/budget"), &token, &json!({"lines": a["budget"]}))
                .await?
                .expect(200)?;
        }
        let pdf = sample_pdf(&format!("Plan van aanpak {r}"));
        self.c
            .upload(
                &format!("/applications/{id}/documents?kind=plan&filename=plan-{r}.pdf"),
                &token,
                pdf,
            )
            .await?
            .expect(200)?;
        for p in a["partners"].as_array().into_iter().flatten() {
            if !all_partners && p["role"] == "child_protection_board" {
                continue;
            }
            let role = str_of(&p["role"], "partner role")?;
            let body = json!({"organisation": p["organisation"], "signed_by": p["signed_by"], "signed_on": p["signed_on"]});
            self.c
                .put(&format!("/applications/{id}/commitments/{role}"), &token, &body)
                .await?
                .expect(200)?;
        }
        Ok(())
    }

    /// A synthetic complete application for a region named only in the rejected inputs.
    fn synthetic_application(&self, r: &str, template: &Value) -> Value {
        let mut a = template.clone();
        a["ref"] = r.into();
        a["region"] = format!("Regio {r}").into();
        a["title"] = format!("Proeftuin {r}").into();
        a["penvoerder"] = json!({
            "name": format!("Penvoerder {r}"),
            "email": format!("penvoerder@{r}.example"),
            "municipality": format!("Gemeente {r}"),
            "organisation": format!("Gemeente {r}"),
            "address": {"street": "Postbus 100", "postcode": "1000 AA", "city": format!("Gemeente {r}")},
        });
        a["municipalities"] = json!([{"name": format!("Gemeente {r}"), "inhabitants": 50000}]);
        a
    }

    async fn intake_rejections(&mut self, deadline: DateTime<Utc>) -> Result<()> {
        let s = self.scenario.clone();
        let Some(template) = s["applications"].as_array().and_then(|a| a.first()).cloned() else {
            return Ok(());
        };
        let last_reminder = s["call"]["reminders"]["submission_deadline_days_before"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .min()
            .map_or(deadline - Duration::days(1), |d| deadline - Duration::days(d));
        // After the last reminder moment, before the deadline.
        let when = last_reminder + (deadline - last_reminder) / 2;
        if when > self.clock_now() {
            self.set_time(when);
        }
        for input in self.rejected_of("budget_inconsistent") {
            let r = str_of(&input["application"], "application")?.to_string();
            let a = self.synthetic_application(&r, &template);
            self.create_draft(&a, true).await?;
            let (id, token) = (self.application_of(&r)?, self.region_token(&r)?);
            let before = self.c.get(&format!("/applications/{id}"), &token).await?.body;
            let answer = self
                .c
                .put(
                    &format!("/applications/{id}/budget"),
                    &token,
                    &json!({"lines": input["budget"]}),
                )
                .await?;
            let after = self.c.get(&format!("/applications/{id}"), &token).await?.body;
            self.note_rejection(&input, answer.status, answer.is_problem(), &before, &after);
        }
        for input in self.rejected_of("missing_partner") {
            let r = str_of(&input["application"], "application")?.to_string();
            let a = self.synthetic_application(&r, &template);
            self.create_draft(&a, false).await?;
            let (id, token) = (self.application_of(&r)?, self.region_token(&r)?);
            let before = self.c.get(&format!("/applications/{id}"), &token).await?.body;
            let answer =
                self.c.post(&format!("/applications/{id}/submit"), &token, &json!({})).await?;
            let after = self.c.get(&format!("/applications/{id}"), &token).await?.body;
            let names_role = answer.body.to_string().contains("child_protection_board");
            self.note_rejection(
                &input,
                answer.status,
                answer.is_problem() && names_role,
                &before,
                &after,
            );
        }
        for input in self.rejected_of("cross_region_read") {
            let actor = self.region_token(str_of(&input["actor"], "actor")?)?;
            let id = self.application_of(str_of(&input["application"], "application")?)?;
            let staff = self.staff();
            let before = self.c.get(&format!("/applications/{id}"), &staff).await?.body;
            let answer = self.c.get(&format!("/applications/{id}"), &actor).await?;
            let after = self.c.get(&format!("/applications/{id}"), &staff).await?.body;
            self.note_rejection(&input, answer.status, answer.is_problem(), &before, &after);
        }
        let late = self.rejected_of("late_submission");
        for input in &late {
            let r = str_of(&input["application"], "application")?.to_string();
            let a = self.synthetic_application(&r, &template);
            self.create_draft(&a, true).await?;
        }
        for input in late {
            let r = str_of(&input["application"], "application")?.to_string();
            self.set_time(at(&input["submitted_at"], "submitted_at")?);
            let (id, token) = (self.application_of(&r)?, self.region_token(&r)?);
            let before = self.c.get(&format!("/applications/{id}"), &token).await?.body;
            let answer =
                self.c.post(&format!("/applications/{id}/submit"), &token, &json!({})).await?;
            let after = self.c.get(&format!("/applications/{id}"), &token).await?.body;
            let deadline_type =
                answer.body["type"].as_str().is_some_and(|t| t.contains("deadline"));
            self.note_rejection(
                &input,
                answer.status,
                answer.is_problem() && deadline_type,
                &before,
                &after,
            );
        }
        Ok(())
    }

    fn sheet_body(sheet: &Value) -> Value {
        let mut body = json!({"knockout": sheet["knockout"], "scores": sheet["scores"], "motivation": sheet["motivation"]});
        // The motivations per criterion and per knock-out criterion not met, where the scenario has them.
        for key in ["motivations", "knockout_motivations"] {
            if sheet[key].is_object() {
                body[key] = sheet[key].clone();
            }
        }
        body
    }

    async fn submit_sheets(&self, round: &str, sheets: &Value) -> Result<()> {
        for sheet in sheets.as_array().into_iter().flatten() {
            let (_, token) = self.assessor(str_of(&sheet["assessor"], "sheet assessor")?)?;
            let id = self.application_of(str_of(&sheet["application"], "sheet application")?)?;
            self.c
                .post(
                    &format!("/applications/{id}/sheets/{round}/submit"),
                    &token,
                    &Self::sheet_body(sheet),
                )
                .await?
                .expect(200)?;
        }
        Ok(())
    }

    async fn scoring_rejections(&mut self) -> Result<()> {
        let s = self.scenario.clone();
        let staff = self.staff();
        for input in self.rejected_of("score_out_of_range") {
            let r = str_of(&input["application"], "application")?;
            let assessor = str_of(&input["assessor"], "assessor")?;
            let (_, token) = self.assessor(assessor)?;
            let id = self.application_of(r)?;
            // A sheet valid except for the one value: the scenario's own sheet of this pair.
            let mut sheet = s["first_round_scores"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["application"] == r && x["assessor"] == assessor))
                .map(Self::sheet_body)
                .ok_or_else(|| {
                    Failure::scenario(format!("no first-round sheet of {assessor} on {r}"))
                })?;
            sheet["scores"][str_of(&input["criterion"], "criterion")?] = input["value"].clone();
            let before =
                self.c.get(&format!("/applications/{id}/sheets/first"), &staff).await?.body;
            let answer = self
                .c
                .post(&format!("/applications/{id}/sheets/first/submit"), &token, &sheet)
                .await?;
            let after = self.c.get(&format!("/applications/{id}/sheets/first"), &staff).await?.body;
            self.note_rejection(&input, answer.status, answer.is_problem(), &before, &after);
        }
        for input in self.rejected_of("conflict_of_interest") {
            let r = str_of(&input["application"], "application")?;
            let assessor = str_of(&input["assessor"], "assessor")?;
            let (_, token) = self.assessor(assessor)?;
            let id = self.application_of(r)?;
            let sheet = s["first_round_scores"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["application"] == r))
                .map(Self::sheet_body)
                .unwrap_or_else(|| json!({}));
            let before =
                self.c.get(&format!("/applications/{id}/sheets/first"), &staff).await?.body;
            let answer = self
                .c
                .post(&format!("/applications/{id}/sheets/first/submit"), &token, &sheet)
                .await?;
            let read = self.c.get(&format!("/applications/{id}/sheets/first"), &token).await?;
            let after = self.c.get(&format!("/applications/{id}/sheets/first"), &staff).await?.body;
            let both_refused =
                answer.is_problem() && read.status == answer.status && read.is_problem();
            self.note_rejection(&input, answer.status, both_refused, &before, &after);
        }
        Ok(())
    }

    /// The outcome in the shape of the scenario's `expected`.
    fn outcome(&self, results: &Value, emails: Vec<Value>) -> Value {
        let mut apps = Vec::new();
        for a in self.scenario["applications"].as_array().into_iter().flatten() {
            let Some(line) = results["applications"]
                .as_array()
                .and_then(|l| l.iter().find(|l| l["ref"] == a["ref"]))
            else {
                apps.push(json!({"ref": a["ref"]}));
                continue;
            };
            let mut o = json!({
                "ref": line["ref"],
                "requested_total": line["requested_total"],
                "knockout": line["knockout"],
                "first_round_score": line["first_round_score"],
                "invited_to_interview": line["invited_to_interview"],
                "decision": line["decision"],
            });
            if !line["knockout_decided"].is_null() {
                o["knockout_decided"] = line["knockout_decided"].clone();
            }
            if line["invited_to_interview"] == true {
                o["final_score"] = line["final_score"].clone();
                o["rank"] = line["rank"].clone();
            }
            if line["tie_pending_before_decision"] == true {
                o["tie_pending_before_decision"] = true.into();
            }
            if line["decision"] == "awarded" {
                o["allocated"] = line["allocated"].clone();
            }
            apps.push(o);
        }
        json!({
            "applications": apps,
            "awarded_in_rank_order": results["awarded_in_rank_order"],
            "allocated_total": results["allocated_total"],
            "unallocated": results["unallocated"],
            "emails": emails,
            "rejected_inputs": self.rejected,
        })
    }
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

impl Run {
    /// Writes every issued letter (the latest number of each) to `dir/{application}-{kind}.pdf`.
    async fn write_letters(&self, dir: &Path) -> Result<()> {
        let staff = self.staff();
        let letters =
            self.c.get(&format!("/calls/{}/letters", self.call_id), &staff).await?.expect(200)?;
        let refs: BTreeMap<i64, &str> = self
            .regions
            .iter()
            .filter_map(|(r, x)| x.application_id.map(|id| (id, r.as_str())))
            .collect();
        let mut latest: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for l in letters.as_array().into_iter().flatten() {
            let Some(r) = l["application_id"].as_i64().and_then(|id| refs.get(&id)) else {
                continue;
            };
            let key = (r.to_string(), l["kind"].as_str().unwrap_or_default().to_string());
            let (number, id) =
                (l["number"].as_i64().unwrap_or_default(), l["id"].as_i64().unwrap_or_default());
            if latest.get(&key).is_none_or(|(n, _)| number > *n) {
                latest.insert(key, (number, id));
            }
        }
        std::fs::create_dir_all(dir).map_err(Failure::io)?;
        for ((r, kind), (_, id)) in latest {
            let bytes = self.c.get_bytes(&format!("/letters/{id}/content"), &staff).await?;
            std::fs::write(dir.join(format!("{r}-{kind}.pdf")), bytes).map_err(Failure::io)?;
        }
        Ok(())
    }
}
