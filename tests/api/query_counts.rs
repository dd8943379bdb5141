//! Issue 15: reads and round operations run a bounded number of SQL statements whatever the
//! call's size. The same call is brought to the first round twice, once with the scenario's
//! applications (about ten) and once with more added until 200 are submitted and scored; each
//! operation's statements are counted in both, and may not grow with the size.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use serde_json::Value;
use tuinier::domain::region::{LeadApplicant, Municipality, Region};
use tuinier::domain::scoring::SheetInput;
use tuinier::scenario::Rehearsal;
use tuinier::service::assessment::{self as svc, Round};
use tuinier::service::auth::{Principal, Role};
use tuinier::store;

use crate::common::*;
use crate::intake::stage_at;

/// The operations counted, by name: statements of the first (cold) request and of a repeat.
type Counts = BTreeMap<&'static str, u64>;

/// A call in its first round with `size` submitted applications, each scored like the
/// scenario's first application; the counts of each operation on it.
async fn counts_at(size: usize) -> (Counts, usize) {
    let s = load_scenario();
    let (app, statements) = spawn_app_counting(at("2022-05-01T09:00:00+02:00")).await;
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call = i32::try_from(r.call_id()).unwrap();
    let submitted = add_scored_applications(&app, &s, &r, call, size).await;

    app.clock.set(stage_at(&s["call"], "first_assessment"));
    let staff = app.staff_token.clone();
    let some_app = r.application_id(s["applications"][0]["ref"].as_str().unwrap()).unwrap();
    let mut counts = Counts::new();
    let mut count = async |name: &'static str, method: reqwest::Method, path: String| {
        let before = statements.load(Ordering::SeqCst);
        let answer = app.request(method, &path, Some(&staff), Some(&Value::Null)).await;
        assert!(answer.status.is_success(), "{path}: {} {}", answer.status, answer.body);
        counts.insert(name, statements.load(Ordering::SeqCst) - before);
        answer
    };
    let get = reqwest::Method::GET;
    let results = count("results (cold)", get.clone(), format!("/calls/{call}/results")).await;
    assert_eq!(results.body["total"].as_u64(), Some(submitted as u64));
    count("results (again)", get.clone(), format!("/calls/{call}/results?limit=500")).await;
    count("outcome", get.clone(), format!("/applications/{some_app}/outcome")).await;
    count("calibration", get.clone(), format!("/calls/{call}/calibration")).await;
    let close = format!("/calls/{call}/rounds/first/close");
    count("close first round", reqwest::Method::POST, close).await;
    count("results (after close)", get.clone(), format!("/calls/{call}/results")).await;
    count("outcome (after close)", get, format!("/applications/{some_app}/outcome")).await;
    (counts, submitted)
}

/// Adds applications (straight into the store: the intake has its own tests) until `size` are
/// submitted, each with the first-round sheets of the scenario's first application, submitted
/// through the service by the same assessors.
pub(crate) async fn add_scored_applications(
    app: &TestApp,
    s: &Value,
    r: &Rehearsal,
    call: i32,
    size: usize,
) -> usize {
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
    assert!(!sheets.is_empty());
    let mut submitted = store::applications::list_for_call(db, call)
        .await
        .unwrap()
        .iter()
        .filter(|a| a.status != "draft")
        .count();
    let mut n = 0;
    while submitted < size {
        n += 1;
        let region = Region {
            r#ref: format!("extra-{n:03}"),
            name: format!("Extra regio {n}"),
            lead_applicant: LeadApplicant {
                name: "Wethouder".into(),
                email: format!("extra-{n:03}@gemeente.example"),
                municipality: format!("Extra {n}"),
            },
            municipalities: vec![Municipality { name: format!("Extra {n}"), inhabitants: 50_000 }],
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
        submitted += 1;
    }
    submitted
}

#[tokio::test]
async fn reads_and_round_operations_do_not_grow_with_the_call() {
    let (small, n_small) = counts_at(0).await;
    let (large, n_large) = counts_at(200).await;
    assert!(n_small < 20 && n_large == 200, "sizes {n_small} and {n_large}");
    eprintln!("statements per operation at {n_small} and at {n_large} applications:");
    for (name, at_small) in &small {
        eprintln!("  {name:<24} {at_small:>4} {:>4}", large[name]);
    }
    for (name, at_small) in &small {
        assert!(
            large[name] <= *at_small,
            "{name}: {} statements at {n_large} applications, {at_small} at {n_small}",
            large[name]
        );
    }
    // A repeated read of an unchanged call is answered from memory: a few look-ups, no more.
    assert!(large["results (again)"] <= 10, "{large:?}");
    assert!(large["outcome"] <= 10, "{large:?}");
}
