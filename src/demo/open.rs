//! The demo's open call: the 2022 call's content with dates set relative to the day it is
//! seeded (published a week ago, submissions due in three weeks, assessment after that), with
//! regions whose drafts stand in several states and assessors assigned to it (one with a
//! declared conflict). Filled through the real HTTP API of an in-process server, as a region's
//! and staff's systems would, so every rule applies.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::domain::dutch;
use crate::error::DomainError;
use crate::service::AppState;

pub const OPEN_CALL: &str = "proeftuinen-open-demo";
/// A second call of the same content whose deadline has just passed: its first round is open, so
/// the assessors have work on the day the demo is seeded.
pub const ASSESSMENT_CALL: &str = "proeftuinen-beoordeling-demo";

/// How far the open call's drafts got, per region (regions not listed have no draft yet).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Progress {
    /// Created, nothing filled in.
    Empty,
    /// Form and budget; no plan document, no partner commitments.
    Partial,
    /// Everything, not submitted yet.
    Complete,
    Submitted,
}

/// One seeded call: its dates relative to the seeding day, its drafts and its conflict.
pub struct Plan {
    pub code: &'static str,
    pub title_suffix: &'static str,
    /// Days from its publication to the seeding day.
    pub published_days_ago: i64,
    /// Days from the seeding day to its submission deadline (negative: passed).
    pub deadline_in_days: i64,
    drafts: &'static [(&'static str, Progress)],
    /// (assessor ref, region ref, reason)
    conflict: (&'static str, &'static str, &'static str),
}

pub const OPEN: Plan = Plan {
    code: OPEN_CALL,
    title_suffix: "demo, open voor aanvragen",
    published_days_ago: 7,
    deadline_in_days: 21,
    drafts: &DRAFTS,
    conflict: CONFLICT,
};

pub const IN_ASSESSMENT: Plan = Plan {
    code: ASSESSMENT_CALL,
    title_suffix: "demo, in beoordeling",
    published_days_ago: 63,
    deadline_in_days: -3,
    drafts: &[
        ("gelderland-zuid", Progress::Submitted),
        ("haaglanden", Progress::Submitted),
        ("friesland", Progress::Submitted),
        ("ijsselland", Progress::Submitted),
    ],
    conflict: CONFLICT,
};

const DRAFTS: [(&str, Progress); 6] = [
    ("gelderland-zuid", Progress::Submitted),
    ("haaglanden", Progress::Submitted),
    ("friesland", Progress::Submitted),
    ("flevoland", Progress::Complete),
    ("hart-van-brabant", Progress::Partial),
    ("zaanstreek-waterland", Progress::Empty),
];
/// The declared conflict of interest: (assessor ref, region ref, reason).
const CONFLICT: (&str, &str, &str) = ("vws-1", "friesland", "Eerder werkzaam in de regio");

/// The region's application a declared conflict of the assessor `r` closes, if any.
pub fn conflict_of(r: &str) -> Option<&'static str> {
    (CONFLICT.0 == r).then_some(CONFLICT.1)
}

/// What a region's user finds in the open call, for the demo's token table.
pub fn task_of(r: &str) -> &'static str {
    match DRAFTS.iter().find(|(x, _)| *x == r).map(|(_, p)| *p) {
        Some(Progress::Submitted) => "application submitted (read it; it awaits assessment)",
        Some(Progress::Complete) => "complete draft, ready to submit",
        Some(Progress::Partial) => {
            "draft with form and budget: upload the plan, record the partner commitments, submit"
        }
        Some(Progress::Empty) => "empty draft: fill it in and submit",
        None => "no draft yet: create one, fill it in and submit",
    }
}

fn shift_date(d: NaiveDate, days: i64) -> NaiveDate {
    d + Duration::days(days)
}

/// `at` moved by whole days, keeping its time of day in Amsterdam (with that day's offset).
fn shift_moment(at: &str, days: i64) -> Option<String> {
    let t = DateTime::parse_from_rfc3339(at).ok()?;
    let local = t.naive_local() + Duration::days(days);
    let offset = dutch::amsterdam_offset(local.and_utc());
    Some(offset.from_local_datetime(&local).single()?.to_rfc3339())
}

fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// The 2022 call (`template`) as a demo call of `today` after `plan`: stages up to publication
/// move so that it was published `published_days_ago`, the deadline lands `deadline_in_days`
/// ahead, the consultation
/// hours in between keep their place in proportion, and every later stage keeps its distance to
/// the deadline. The spending period moves by whole years with the programme's start.
pub fn dated_call(
    template: &Value,
    today: NaiveDate,
    plan: &Plan,
) -> Result<(Value, i32), DomainError> {
    let mut call = template.clone();
    let date_of = |kind: &str| -> Result<NaiveDate, DomainError> {
        template["stages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["kind"] == kind)
            .and_then(|s| s["at"].as_str())
            .and_then(|a| DateTime::parse_from_rfc3339(a).ok())
            .map(|t| t.date_naive())
            .ok_or_else(|| DomainError::internal(format!("the template has no {kind} moment")))
    };
    let (p0, d0, s0) =
        (date_of("publication")?, date_of("submission_deadline")?, date_of("programme_start")?);
    let (p1, d1) = (
        today - Duration::days(plan.published_days_ago),
        today + Duration::days(plan.deadline_in_days),
    );
    let before = days_between(p0, p1);
    let after = days_between(d0, d1);
    let (span0, span1) = (days_between(p0, d0).max(1), days_between(p1, d1));
    let shift_for = |d: NaiveDate| -> i64 {
        if d <= p0 {
            before
        } else if d >= d0 {
            after
        } else {
            // In proportion between publication and deadline.
            let new = p1 + Duration::days(days_between(p0, d) * span1 / span0);
            days_between(d, new)
        }
    };
    for s in call["stages"].as_array_mut().into_iter().flatten() {
        let anchor = s["at"]
            .as_str()
            .and_then(|a| DateTime::parse_from_rfc3339(a).ok())
            .map(|t| t.date_naive())
            .or_else(|| s["starts_on"].as_str().and_then(|d| d.parse::<NaiveDate>().ok()));
        let Some(anchor) = anchor else { continue };
        let days = shift_for(anchor);
        for key in ["at", "until"] {
            if let Some(moved) = s[key].as_str().and_then(|a| shift_moment(a, days)) {
                s[key] = moved.into();
            }
        }
        for key in ["starts_on", "ends_on"] {
            if let Some(d) = s[key].as_str().and_then(|d| d.parse::<NaiveDate>().ok()) {
                s[key] = shift_date(d, days).to_string().into();
            }
        }
    }
    let years = shift_date(s0, after).year() - s0.year();
    for key in ["from", "to"] {
        if let Some(moved) = call["spending_period"][key]
            .as_str()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .and_then(|d| d.with_year(d.year() + years))
        {
            call["spending_period"][key] = moved.to_string().into();
        }
    }
    call["code"] = plan.code.into();
    call["title"] =
        format!("{} ({})", template["title"].as_str().unwrap_or("Leidraad"), plan.title_suffix)
            .into();
    Ok((call, years))
}

/// A user of the demo: its token, for the in-process requests.
pub struct Tokens {
    pub staff: String,
    /// (assessor ref, user id, token)
    pub assessors: Vec<(String, i32, String)>,
    /// (region ref, token)
    pub regions: Vec<(String, String)>,
}

struct Http {
    base: String,
    client: reqwest::Client,
}

impl Http {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        bytes: Option<Vec<u8>>,
    ) -> Result<Value, DomainError> {
        let mut req =
            self.client.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(b) = bytes {
            req = req.header("content-type", "application/octet-stream").body(b);
        }
        let resp = req.send().await.map_err(DomainError::internal)?;
        let status = resp.status();
        let value: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(DomainError::internal(format!(
                "seeding the open demo call: {method} {path} answered {status}: {value}"
            )));
        }
        Ok(value)
    }
    async fn post(&self, path: &str, token: &str, body: Value) -> Result<Value, DomainError> {
        self.send(reqwest::Method::POST, path, token, Some(body), None).await
    }
    async fn put(&self, path: &str, token: &str, body: Value) -> Result<Value, DomainError> {
        self.send(reqwest::Method::PUT, path, token, Some(body), None).await
    }
    async fn upload(&self, path: &str, token: &str, bytes: Vec<u8>) -> Result<Value, DomainError> {
        self.send(reqwest::Method::POST, path, token, None, Some(bytes)).await
    }
}

/// Fills the call `call_id` after `plan`: assessors, drafts in their states, the declared
/// conflict. `scenario` gives each region's application content (the public 2022 scenario).
/// The requests are made at `state`'s clock.
pub async fn fill(
    state: &AppState,
    plan: &Plan,
    call_id: i32,
    years: i32,
    scenario: &Value,
    tokens: &Tokens,
) -> Result<(), DomainError> {
    let server =
        crate::startup::spawn_quiet(state.clone(), std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(DomainError::internal)?;
    // The API is served under /v1 (api::standards::BASE_PATH).
    let http = Http { base: format!("http://{}/v1", server.addr), client: reqwest::Client::new() };
    let result = fill_over(&http, plan, state.now(), call_id, years, scenario, tokens).await;
    server.stop().await;
    result
}

/// The application form of region `r` from its scenario application.
fn form_of(a: &Value, r: &str) -> Value {
    let inhabitants: u64 = a["municipalities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["inhabitants"].as_u64())
        .sum();
    json!({
        "title": a["title"],
        "summary": format!("Plan van aanpak van {}", a["region"].as_str().unwrap_or(r)),
        "contact": {"name": a["penvoerder"]["name"], "email": a["penvoerder"]["email"]},
        "scale": {"municipalities": a["municipalities"], "inhabitants": inhabitants, "districts": []},
        // The applying municipality (penvoerder) with its postal address: submission needs it.
        "applicant": {
            "organisation": a["penvoerder"]["organisation"],
            "address": a["penvoerder"]["address"],
        },
    })
}

/// The scenario application's budget lines, moved `years` on.
fn budget_of(a: &Value, years: i32) -> Vec<Value> {
    a["budget"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let mut l = l.clone();
            l["year"] = (l["year"].as_i64().unwrap_or_default() + i64::from(years)).into();
            l
        })
        .collect()
}

async fn fill_over(
    http: &Http,
    plan: &Plan,
    now: DateTime<Utc>,
    call_id: i32,
    years: i32,
    scenario: &Value,
    tokens: &Tokens,
) -> Result<(), DomainError> {
    for (_, id, _) in &tokens.assessors {
        http.post(&format!("/calls/{call_id}/assessors"), &tokens.staff, json!({"user_id": id}))
            .await?;
    }
    let today = dutch::in_amsterdam(now).date_naive();
    let mut application_of = std::collections::BTreeMap::new();
    for &(r, progress) in plan.drafts {
        let Some(token) = tokens.regions.iter().find(|(x, _)| x == r).map(|(_, t)| t.clone())
        else {
            continue;
        };
        let Some(a) =
            scenario["applications"].as_array().into_iter().flatten().find(|a| a["ref"] == r)
        else {
            continue;
        };
        let id =
            http.post(&format!("/calls/{call_id}/applications"), &token, json!({})).await?["id"]
                .as_i64()
                .unwrap_or_default();
        application_of.insert(r, id);
        if progress == Progress::Empty {
            continue;
        }
        let form = form_of(a, r);
        http.put(&format!("/applications/{id}/form"), &token, form).await?;
        let lines = budget_of(a, years);
        http.put(&format!("/applications/{id}/budget"), &token, json!({"lines": lines})).await?;
        if progress == Progress::Partial {
            continue;
        }
        let pdf = crate::scenario::sample_pdf(&format!("Plan van aanpak {r}"));
        http.upload(
            &format!("/applications/{id}/documents?kind=plan&filename=plan-{r}.pdf"),
            &token,
            pdf,
        )
        .await?;
        for p in a["partners"].as_array().into_iter().flatten() {
            let role = p["role"].as_str().unwrap_or_default();
            let body = json!({"organisation": p["organisation"], "signed_by": p["signed_by"], "signed_on": (today - Duration::days(2)).to_string()});
            http.put(&format!("/applications/{id}/commitments/{role}"), &token, body).await?;
        }
        if progress == Progress::Submitted {
            http.post(&format!("/applications/{id}/submit"), &token, json!({})).await?;
        }
    }
    plan_interviews(http, call_id, plan, &application_of, &tokens.staff).await?;
    let (assessor, region, reason) = plan.conflict;
    if let (Some((_, assessor_id, _)), Some(application_id)) =
        (tokens.assessors.iter().find(|(x, _, _)| x == assessor), application_of.get(region))
    {
        let body =
            json!({"assessor_id": assessor_id, "application_id": application_id, "reason": reason});
        http.post(&format!("/calls/{call_id}/conflicts"), &tokens.staff, body).await?;
    }
    Ok(())
}

/// Staff plan an interview slot, on the working days from the start of the call's interview
/// stage, for every application that can be invited (the submitted and complete ones), so that
/// the invitation letters of the first-round publication can state it.
async fn plan_interviews(
    http: &Http,
    call_id: i32,
    plan: &Plan,
    application_of: &std::collections::BTreeMap<&str, i64>,
    staff: &str,
) -> Result<(), DomainError> {
    let call =
        http.send(reqwest::Method::GET, &format!("/calls/{call_id}"), staff, None, None).await?;
    let Some(mut day) = call["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["kind"] == "interviews")
        .and_then(|s| s["starts_on"].as_str())
        .and_then(|d| d.parse::<NaiveDate>().ok())
    else {
        return Ok(());
    };
    for &(r, progress) in plan.drafts {
        if !matches!(progress, Progress::Complete | Progress::Submitted) {
            continue;
        }
        let Some(id) = application_of.get(r) else {
            continue;
        };
        while matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            day += Duration::days(1);
        }
        let body = json!({"interview": {
            "date": day.to_string(),
            "time": "10:00",
            "place": "Ministerie van Justitie en Veiligheid, Turfmarkt 147, 2511 DP Den Haag",
        }});
        http.put(&format!("/calls/{call_id}/interviews/{id}"), staff, body).await?;
        day += Duration::days(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(call: &Value, kind: &str) -> DateTime<chrono::FixedOffset> {
        let s = call["stages"].as_array().unwrap().iter().find(|s| s["kind"] == kind).unwrap();
        DateTime::parse_from_rfc3339(s["at"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn the_open_call_is_published_a_week_ago_and_due_in_three_weeks() {
        let template: Value =
            serde_json::from_str(include_str!("../service/data/proeftuinen-tranche-2-2022.json"))
                .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let (call, years) = dated_call(&template, today, &OPEN).unwrap();
        assert_eq!(moment(&call, "publication").date_naive(), today - Duration::days(7));
        assert_eq!(moment(&call, "submission_deadline").date_naive(), today + Duration::days(21));
        // Same local time of day, with the winter offset.
        assert_eq!(moment(&call, "submission_deadline").to_rfc3339(), "2026-12-21T23:59:59+01:00");
        let order = [
            "publication",
            "consultation_hour",
            "submission_deadline",
            "first_assessment",
            "addendum_deadline",
            "final_decision",
            "programme_start",
        ];
        for w in order.windows(2) {
            assert!(moment(&call, w[0]) < moment(&call, w[1]), "{} before {}", w[0], w[1]);
        }
        assert!(years >= 4);
        assert_eq!(call["code"], OPEN_CALL);
        // Still a valid call.
        let def: crate::domain::call::CallDefinition = serde_json::from_value(call).unwrap();
        crate::domain::call::CallDefinition::new(def).unwrap();
        // The call in assessment: its deadline has passed, its first assessment lies ahead.
        let (call, _) = dated_call(&template, today, &IN_ASSESSMENT).unwrap();
        assert!(moment(&call, "submission_deadline").date_naive() < today);
        assert!(moment(&call, "first_assessment").date_naive() > today);
        assert!(
            moment(&call, "publication").date_naive()
                < moment(&call, "consultation_hour").date_naive()
        );
        let def: crate::domain::call::CallDefinition = serde_json::from_value(call).unwrap();
        crate::domain::call::CallDefinition::new(def).unwrap();
    }
}
