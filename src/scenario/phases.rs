//! The phases of a rehearsal in the order of the fixtures' README: setup, intake, the first
//! round and its publication, interviews, the final round and its publication; and the clock.

use super::*;

impl Run {
    pub(super) fn set_time(&self, t: DateTime<Utc>) {
        // The clock only moves forward, as in the real world.
        if t > self.clock_now() {
            self.clock.set(t);
        }
    }

    pub(super) fn clock_now(&self) -> DateTime<Utc> {
        use crate::clock::Clock;
        self.clock.now()
    }

    pub(super) fn staff(&self) -> String {
        self.c.staff.clone()
    }

    pub(super) fn rejected_of(&self, kind: &str) -> Vec<Value> {
        self.scenario["rejected_inputs"]
            .as_array()
            .map(|a| a.iter().filter(|r| r["kind"] == kind).cloned().collect())
            .unwrap_or_default()
    }

    /// Records how a refused input was answered, and whether the stored data stayed the same.
    pub(super) fn note_rejection(
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

    pub(super) async fn drive(&mut self) -> Result<Value> {
        self.setup().await?;
        self.intake().await?;
        self.first_round().await?;
        self.publish_first_round().await?;
        self.final_round().await?;
        self.publish_final().await
    }

    /// 1. Before publication: the call, the assessors, the regions.
    pub(super) async fn setup(&mut self) -> Result<()> {
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
    pub(super) async fn intake(&mut self) -> Result<()> {
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
    pub(super) async fn first_round(&mut self) -> Result<()> {
        let deadline = stage_at(&self.scenario["call"], "submission_deadline")?;
        self.set_time(deadline + Duration::seconds(1));
        self.tick().await?;
        self.scoring_rejections().await?;
        let sheets = self.scenario["first_round_scores"].clone();
        self.submit_sheets("first", &sheets).await
    }

    /// 4. At the first_assessment stage: close, settle knock-outs, publish.
    pub(super) async fn publish_first_round(&mut self) -> Result<Value> {
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
    pub(super) async fn plan_interviews(&mut self) -> Result<()> {
        let staff = self.staff();
        let stages = self.scenario["call"]["stages"].as_array().cloned().unwrap_or_default();
        let first = stages
            .iter()
            .find(|st| st["kind"] == "interviews")
            .and_then(|st| st["starts_on"].as_str())
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .unwrap_or_else(|| self.clock_now().date_naive() + Duration::days(10));
        let results = self.results(&staff).await?;
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
    pub(super) async fn final_round(&mut self) -> Result<()> {
        let staff = self.staff();
        let results = self.results(&staff).await?;
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
    pub(super) async fn publish_final(&mut self) -> Result<Value> {
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
        let results = self.results(&staff).await?;
        let emails = self.emails().await?;
        Ok(self.outcome(&results, emails))
    }

    /// The call's whole results table: every page of `GET /calls/{id}/results` (500 lines a page),
    /// its lines together under `applications`.
    pub(super) async fn results(&self, staff: &str) -> Result<Value> {
        let mut offset = 0u64;
        let mut lines: Vec<Value> = Vec::new();
        loop {
            let path = format!("/calls/{}/results?limit=500&offset={offset}", self.call_id);
            let mut page = self.c.get(&path, staff).await?.expect(200)?;
            let got = page["applications"].as_array().cloned().unwrap_or_default();
            let total = page["total"].as_u64().unwrap_or_default();
            offset += got.len() as u64;
            lines.extend(got);
            if offset >= total || page["applications"].as_array().is_none_or(Vec::is_empty) {
                page["applications"] = Value::Array(lines);
                return Ok(page);
            }
        }
    }

    /// Lets the scheduler run at the current time: whatever is due by now is queued.
    pub(super) async fn tick(&self) -> Result<()> {
        let staff = self.staff();
        self.c.post("/scheduler/run", &staff, &json!({})).await?.expect(200)?;
        Ok(())
    }

    /// Every email the run produced, from the outbox through the API, in the shape of
    /// `expected.emails`. Cancelled emails (obsolete decisions) never went out and are left out.
    pub(super) async fn emails(&self) -> Result<Vec<Value>> {
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
}
