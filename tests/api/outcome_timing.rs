//! Issue 15, by hand: how long one application's outcome and a results page take on a call of
//! `TUINIER_TIMING_APPLICATIONS` (default 1,000) submitted, scored applications. Ignored in the
//! suite (timings stay out of tests); run with
//! `cargo test --test api outcome_timing -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use serde_json::Value;
use tuinier::domain::region::{LeadApplicant, Municipality, Region};
use tuinier::domain::scoring::SheetInput;
use tuinier::scenario::Rehearsal;
use tuinier::service::assessment::{self as svc, Round};
use tuinier::service::auth::{Principal, Role};
use tuinier::store;

use crate::common::*;
use crate::intake::stage_at;

async fn seed(app: &TestApp, s: &Value, r: &Rehearsal, call: i32, size: usize) -> Vec<i32> {
    let db = &app.state.db;
    let now = app.clock_now();
    let template_ref = s["applications"][0]["ref"].as_str().unwrap();
    let template = i32::try_from(r.application_id(template_ref).unwrap()).unwrap();
    let lines = store::applications::budget_lines(db, template).await.unwrap();
    let sheets: Vec<(i32, SheetInput)> = s["first_round_scores"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["application"] == template_ref)
        .map(|x| {
            let (id, _) = r.assessor(x["assessor"].as_str().unwrap()).unwrap();
            (i32::try_from(id).unwrap(), serde_json::from_value(x.clone()).unwrap())
        })
        .collect();
    let mut ids = Vec::new();
    for n in 0..size {
        let region = Region {
            r#ref: format!("timing-{n:05}"),
            name: format!("Regio {n}"),
            lead_applicant: LeadApplicant {
                name: "Wethouder".into(),
                email: format!("timing-{n:05}@gemeente.example"),
                municipality: format!("Gemeente {n}"),
            },
            municipalities: vec![Municipality { name: format!("Gemeente {n}"), inhabitants: 1 }],
        };
        let region_id = store::regions::insert(db, &region, now).await.unwrap();
        let a = store::applications::insert_draft(db, call, region_id, now).await.unwrap();
        store::applications::replace_budget(db, a.id, &lines).await.unwrap();
        assert!(store::applications::mark_submitted(db, a.id, now).await.unwrap());
        for (assessor, sheet) in &sheets {
            let who = Principal {
                user_id: *assessor,
                name: "assessor".into(),
                role: Role::Assessor,
                region_id: None,
            };
            svc::submit_sheet(&app.state, &who, a.id, Round::First, Some(sheet.clone()))
                .await
                .expect("sheet");
        }
        ids.push(a.id);
    }
    ids
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

#[tokio::test]
#[ignore = "a timing by hand, not a test"]
async fn outcome_and_results_timing() {
    let size: usize = std::env::var("TUINIER_TIMING_APPLICATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let s = load_scenario();
    let app = spawn_app().await;
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call = i32::try_from(r.call_id()).unwrap();
    let started = Instant::now();
    let ids = seed(&app, &s, &r, call, size).await;
    eprintln!("seeded {size} applications in {:?}", started.elapsed());
    app.clock.set(stage_at(&s["call"], "first_assessment"));
    let staff = app.staff_token.clone();
    let time = |path: String| {
        let app = &app;
        let staff = staff.clone();
        async move {
            let t = Instant::now();
            let a = app.get(&path, &staff).await;
            assert!(a.status.is_success(), "{path}: {}", a.status);
            (t.elapsed(), a.bytes.len())
        }
    };
    let (cold, bytes) = time(format!("/calls/{call}/results")).await;
    eprintln!("GET results, first: {cold:?}, {bytes} bytes");
    let mut results = Vec::new();
    for _ in 0..5 {
        results.push(time(format!("/calls/{call}/results")).await.0);
    }
    eprintln!("GET results, median of 5 more: {:?}", median(results));
    let mut outcomes = Vec::new();
    for id in ids.iter().step_by((ids.len() / 20).max(1)).take(20) {
        outcomes.push(time(format!("/applications/{id}/outcome")).await.0);
    }
    eprintln!("GET outcome, median of {}: {:?}", outcomes.len(), median(outcomes));
}
