//! The fixture's intake, in time order: nine regions draft and submit; the rejected inputs of
//! intake are refused and change nothing.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use tuinier::clock::Clock;

use super::*;

enum Event {
    /// A fixture region creates and fills its draft.
    Draft(String),
    Submit(String),
    /// A region named only in `rejected_inputs` creates its draft (complete but for `skip_roles`).
    RejectedDraft {
        reference: String,
        skip_roles: Vec<String>,
    },
    BadBudget {
        reference: String,
        lines: Value,
        status: u16,
    },
    SubmitRefused {
        reference: String,
        status: u16,
        deadline: bool,
    },
    CrossRegionRead {
        actor: String,
        target: String,
        status: u16,
    },
}

#[tokio::test]
async fn the_fixture_intake_in_time_order_gives_the_expected_totals_and_refuses_the_rejected_inputs()
 {
    let t = Intake::start().await;
    let s = &t.scenario;
    let deadline = stage_at(&t.call, "submission_deadline");

    // Before publication: staff register the regions.
    let mut tokens: HashMap<String, String> = HashMap::new();
    for a in s["applications"].as_array().unwrap() {
        let r = a["ref"].as_str().unwrap().to_string();
        tokens.insert(r, t.region(&region_of(a)).await);
    }

    let mut events: Vec<(DateTime<Utc>, Event)> = Vec::new();
    for a in s["applications"].as_array().unwrap() {
        let r = a["ref"].as_str().unwrap().to_string();
        events.push((at(a["draft_created_at"].as_str().unwrap()), Event::Draft(r.clone())));
        events.push((at(a["submitted_at"].as_str().unwrap()), Event::Submit(r)));
    }
    let quiet = after_last_reminder(&t.call);
    let mut invented: HashMap<String, Value> = HashMap::new();
    let mut covered = Vec::new();
    for r in s["rejected_inputs"].as_array().unwrap() {
        let status = r["expect_status"].as_u64().unwrap() as u16;
        let reference = r["application"].as_str().unwrap().to_string();
        let is_new = !tokens.contains_key(&reference);
        assert!(!invented.contains_key(&reference), "each invented region has one rejected input");
        let kind = r["kind"].as_str().unwrap();
        let draft = |skip: &[&str]| Event::RejectedDraft {
            reference: reference.clone(),
            skip_roles: skip.iter().map(|s| s.to_string()).collect(),
        };
        match kind {
            "late_submission" => {
                assert!(is_new, "the late region is not among the applications");
                events.push((quiet, draft(&[])));
                let when = at(r["submitted_at"].as_str().unwrap());
                assert!(when > deadline, "the fixture's late submission is after the deadline");
                events.push((
                    when,
                    Event::SubmitRefused { reference: reference.clone(), status, deadline: true },
                ));
            }
            "budget_inconsistent" => {
                assert!(is_new);
                events.push((quiet, draft(&[])));
                events.push((
                    quiet,
                    Event::BadBudget {
                        reference: reference.clone(),
                        lines: r["budget"].clone(),
                        status,
                    },
                ));
            }
            "missing_partner" => {
                assert!(is_new);
                events.push((quiet, draft(&["child_protection_board"])));
                events.push((
                    quiet + Duration::seconds(30),
                    Event::SubmitRefused { reference: reference.clone(), status, deadline: false },
                ));
            }
            "cross_region_read" => {
                // After the deadline, when both applications exist (and the target is submitted).
                let actor = r["actor"].as_str().unwrap().to_string();
                events.push((
                    deadline + Duration::hours(1),
                    Event::CrossRegionRead { actor, target: reference.clone(), status },
                ));
            }
            _ => continue, // assessment's rejected inputs belong to the assessment tests
        }
        covered.push(kind.to_string());
        if is_new && kind != "cross_region_read" {
            invented.insert(reference.clone(), invented_application(&t.call, &reference));
        }
    }
    for kind in ["late_submission", "budget_inconsistent", "missing_partner", "cross_region_read"] {
        assert!(covered.iter().any(|c| c == kind), "the fixture has a {kind} input");
    }
    for reference in invented.keys() {
        tokens.insert(reference.clone(), t.region(&invented_region(reference)).await);
    }
    // Stable: events at the same moment keep the order above (a draft before what is done to it).
    events.sort_by_key(|(when, _)| *when);

    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut refused: Vec<String> = Vec::new();
    let mut last = t.app.clock.now();
    for (when, event) in events {
        assert!(when >= last, "the clock only moves forward");
        t.set(when);
        last = when;
        match event {
            Event::Draft(r) => {
                let token = &tokens[&r];
                let id = t.create_draft(token).await;
                t.fill(token, id, &t.application(&r), &[]).await;
                let read = t.read(token, id).await;
                assert_eq!(read["missing"], json!([]), "{r} is complete: {read:#}");
                assert_eq!(
                    at(read["created_at"].as_str().unwrap()),
                    when,
                    "created at the clock's moment"
                );
                ids.insert(r, id);
            }
            Event::Submit(r) => {
                let a = t.submit(&tokens[&r], ids[&r]).await;
                let body = a.ok();
                assert_eq!(body["status"], "submitted", "{r}");
                assert_eq!(
                    at(body["submitted_at"].as_str().unwrap()),
                    last,
                    "{r} submitted at the clock's moment"
                );
            }
            Event::RejectedDraft { reference, skip_roles } => {
                let token = &tokens[&reference];
                let id = t.create_draft(token).await;
                let skip: Vec<&str> = skip_roles.iter().map(String::as_str).collect();
                t.fill(token, id, &invented[&reference], &skip).await;
                ids.insert(reference, id);
            }
            Event::BadBudget { reference, lines, status } => {
                let (token, id) = (&tokens[&reference], ids[&reference]);
                let before = t.read(token, id).await;
                let a = t
                    .app
                    .put(&format!("/applications/{id}/budget"), token, &json!({"lines": lines}))
                    .await;
                a.problem(status);
                assert_eq!(a.body["type"], "urn:tuinier:problem:validation");
                let fields = a.error_fields();
                assert!(!fields.is_empty());
                for f in &fields {
                    assert!(f.starts_with("lines["), "each problem names its line: {f}");
                }
                for f in expected_budget_fields(&lines) {
                    assert!(fields.contains(&f), "{f} named in {fields:?}");
                }
                assert_eq!(t.read(token, id).await, before, "the refused budget changed nothing");
                refused.push(reference);
            }
            Event::SubmitRefused { reference, status, deadline } => {
                let (token, id) = (&tokens[&reference], ids[&reference]);
                let before = t.read(token, id).await;
                let a = t.submit(token, id).await;
                a.problem(status);
                if deadline {
                    assert_eq!(a.body["type"], "urn:tuinier:problem:deadline-passed");
                } else {
                    assert_eq!(a.body["type"], "urn:tuinier:problem:validation");
                    assert_eq!(
                        a.error_fields(),
                        ["commitments.child_protection_board"],
                        "the answer names the missing role, and only that"
                    );
                }
                let after = t.read(token, id).await;
                assert_eq!(after, before, "the refused submission changed nothing");
                assert_eq!(after["status"], "draft");
                refused.push(reference);
            }
            Event::CrossRegionRead { actor, target, status } => {
                let (own, id) = (&tokens[&target], ids[&target]);
                let before = t.read(own, id).await;
                let intruder = &tokens[&actor];
                let doc = before["documents"][0]["id"].as_i64().unwrap();
                for path in [
                    format!("/applications/{id}"),
                    format!("/applications/{id}/documents"),
                    format!("/applications/{id}/documents/{doc}/content"),
                ] {
                    let a = t.app.get(&path, intruder).await;
                    a.problem(status);
                    assert_eq!(a.body["type"], "urn:tuinier:problem:not-found", "{path}");
                }
                // Acting on it is refused the same way.
                t.app
                    .put(
                        &format!("/applications/{id}/form"),
                        intruder,
                        &form_of(&t.application(&target)),
                    )
                    .await
                    .problem(status);
                t.app
                    .request(
                        Method::POST,
                        &format!("/applications/{id}/submit"),
                        Some(intruder),
                        None,
                    )
                    .await
                    .problem(status);
                assert_eq!(t.read(own, id).await, before, "the stored data are the same");
            }
        }
    }

    // Each application's status and requested total against `expected`.
    let expected = s["expected"]["applications"].as_array().unwrap();
    assert_eq!(expected.len(), s["applications"].as_array().unwrap().len());
    for e in expected {
        let r = e["ref"].as_str().unwrap();
        let read = t.read(&t.app.staff_token, ids[r]).await;
        assert_eq!(read["status"], "submitted", "{r}");
        assert_eq!(
            read["requested_total"], e["requested_total"],
            "{r}: requested_total, as a string with two decimals"
        );
        assert_eq!(read["region"]["ref"], r);
    }

    // The staff listing agrees, with the refused regions' drafts still drafts.
    let listed = t
        .app
        .get(&format!("/calls/{}/applications?limit=500", t.call_id), &t.app.staff_token)
        .await;
    let items = listed.ok()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), expected.len() + invented.len());
    for item in &items {
        let r = item["region"]["ref"].as_str().unwrap();
        match expected.iter().find(|e| e["ref"] == r) {
            Some(e) => {
                assert_eq!(item["status"], "submitted");
                assert_eq!(item["requested_total"], e["requested_total"]);
            }
            None => assert_eq!(item["status"], "draft", "{r} was refused"),
        }
    }
    let ids_listed: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    let mut sorted = ids_listed.clone();
    sorted.sort();
    assert_eq!(ids_listed, sorted, "listed by id");

    // Exactly one receipt per submitted application, to its lead applicant; none for the refused.
    let by_id: HashMap<i64, &String> = ids.iter().map(|(r, id)| (*id, r)).collect();
    let mut got: Vec<(String, String)> =
        t.receipts().await.into_iter().map(|(id, to)| (by_id[&id].clone(), to)).collect();
    let mut want: Vec<(String, String)> = s["expected"]["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "submission_receipt")
        .map(|e| {
            (e["application"].as_str().unwrap().to_string(), e["to"].as_str().unwrap().to_string())
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "one receipt per submitted application, to the penvoerder");
    for r in &refused {
        assert!(!got.iter().any(|(g, _)| g == r), "no receipt for the refused {r}");
    }
}

/// The fields a budget must be refused on, derived from the lines themselves: amounts with
/// fractions of a cent, and an own contribution above the total cost.
fn expected_budget_fields(lines: &Value) -> Vec<String> {
    let mut fields = Vec::new();
    for (i, l) in lines.as_array().unwrap().iter().enumerate() {
        let mut parsed = HashMap::new();
        for f in ["total_cost", "own_contribution", "requested"] {
            let d: Decimal = l[f].as_str().unwrap().parse().unwrap();
            if d.normalize().scale() > 2 {
                fields.push(format!("lines[{i}].{f}"));
            } else {
                parsed.insert(f, d);
            }
        }
        if parsed.len() == 3 && parsed["own_contribution"] > parsed["total_cost"] {
            fields.push(format!("lines[{i}].own_contribution"));
        }
    }
    fields
}
