//! Intake: regions, drafts and their filling, and the intake inputs the service must refuse.

use super::*;

impl Run {
    pub(super) async fn register_region(&mut self, region: Value) -> Result<()> {
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

    pub(super) fn region_token(&self, r: &str) -> Result<String> {
        self.regions
            .get(r)
            .map(|x| x.token.clone())
            .ok_or_else(|| Failure::scenario(format!("unknown region {r}")))
    }

    pub(super) fn application_of(&self, r: &str) -> Result<i64> {
        self.regions
            .get(r)
            .and_then(|x| x.application_id)
            .ok_or_else(|| Failure::scenario(format!("no application of {r}")))
    }

    pub(super) fn assessor(&self, r: &str) -> Result<(i64, String)> {
        self.assessors
            .get(r)
            .cloned()
            .ok_or_else(|| Failure::scenario(format!("unknown assessor {r}")))
    }

    /// Creates a region's draft and fills it: form, budget, plan, commitments (all or all but one
    /// role).
    pub(super) async fn create_draft(&mut self, a: &Value, all_partners: bool) -> Result<()> {
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
    pub(super) fn synthetic_application(&self, r: &str, template: &Value) -> Value {
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

    pub(super) async fn intake_rejections(&mut self, deadline: DateTime<Utc>) -> Result<()> {
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
        self.budget_rejections(&template).await?;
        self.partner_rejections(&template).await?;
        self.cross_region_rejections().await?;
        self.late_rejections(&template).await?;
        Ok(())
    }

    /// A budget whose lines do not add up, refused and nothing stored.
    async fn budget_rejections(&mut self, template: &Value) -> Result<()> {
        for input in self.rejected_of("budget_inconsistent") {
            let r = str_of(&input["application"], "application")?.to_string();
            let a = self.synthetic_application(&r, template);
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
        Ok(())
    }

    /// A submission with a partner role missing, refused naming the role.
    async fn partner_rejections(&mut self, template: &Value) -> Result<()> {
        for input in self.rejected_of("missing_partner") {
            let r = str_of(&input["application"], "application")?.to_string();
            let a = self.synthetic_application(&r, template);
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
        Ok(())
    }

    /// A region reading another region's application.
    async fn cross_region_rejections(&mut self) -> Result<()> {
        for input in self.rejected_of("cross_region_read") {
            let actor = self.region_token(str_of(&input["actor"], "actor")?)?;
            let id = self.application_of(str_of(&input["application"], "application")?)?;
            let staff = self.staff();
            let before = self.c.get(&format!("/applications/{id}"), &staff).await?.body;
            let answer = self.c.get(&format!("/applications/{id}"), &actor).await?;
            let after = self.c.get(&format!("/applications/{id}"), &staff).await?.body;
            self.note_rejection(&input, answer.status, answer.is_problem(), &before, &after);
        }
        Ok(())
    }

    /// Submissions after the deadline: every draft first, then each submitted at its moment.
    async fn late_rejections(&mut self, template: &Value) -> Result<()> {
        let late = self.rejected_of("late_submission");
        for input in &late {
            let r = str_of(&input["application"], "application")?.to_string();
            let a = self.synthetic_application(&r, template);
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
}
