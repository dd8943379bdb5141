//! Issue 5, assessment: blind scoring, conflicts, corrections, rounds, publication rules, the
//! frozen outcome, what-if, allocation by hand, explanation and calibration. The scenario driver
//! brings the call to each phase; the tests look at the state between phases.

use reqwest::Method;
use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;

use crate::common::*;
use crate::intake::stage_at;

async fn rehearsal(app: &TestApp, scenario: &Value) -> Rehearsal {
    let mut r =
        Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), scenario);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r
}

fn sheet_of(scenario: &Value, round: &str, application: &str, assessor: &str) -> Value {
    let s = scenario[format!("{round}_round_scores")]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["application"] == application && s["assessor"] == assessor)
        .unwrap_or_else(|| panic!("no {round} sheet of {assessor} on {application}"));
    json!({"knockout": s["knockout"], "scores": s["scores"], "motivation": s["motivation"]})
}

/// (application, two assessors who both scored it without a conflict)
fn scored_pair(scenario: &Value) -> (String, String, String) {
    let sheets = scenario["first_round_scores"].as_array().unwrap();
    for s in sheets {
        let app = s["application"].as_str().unwrap();
        let others: Vec<&str> = sheets
            .iter()
            .filter(|o| o["application"] == app && o["assessor"] != s["assessor"])
            .map(|o| o["assessor"].as_str().unwrap())
            .collect();
        if let Some(b) = others.first() {
            return (app.into(), s["assessor"].as_str().unwrap().into(), (*b).into());
        }
    }
    panic!("no application with two assessors");
}

#[tokio::test]
async fn blind_scoring_conflicts_corrections_and_closing() {
    let app = spawn_app().await;
    let s = load_scenario();
    let r = rehearsal(&app, &s).await;
    let call = r.call_id();
    let (target, a, b) = scored_pair(&s);
    let id = r.application_id(&target).unwrap();
    let (_, ta) = r.assessor(&a).unwrap();
    let (_, tb) = r.assessor(&b).unwrap();
    let sheets = format!("/applications/{id}/sheets/first");

    // The intake ends after the submission deadline (the late submission), so the first round is
    // open.
    assert!(app.clock_now() > stage_at(&s["call"], "submission_deadline"));
    app.put(&format!("{sheets}/draft"), &ta, &sheet_of(&s, "first", &target, &a)).await.ok();
    // B sees nothing of A's draft, nor of A's sheet once B has not submitted.
    assert!(app.get(&sheets, &tb).await.ok().as_array().unwrap().is_empty());
    app.post(&format!("{sheets}/submit"), &ta, &sheet_of(&s, "first", &target, &a)).await.ok();
    assert!(
        app.get(&sheets, &tb).await.ok().as_array().unwrap().is_empty(),
        "blind until B submits"
    );
    app.post(&format!("{sheets}/submit"), &tb, &sheet_of(&s, "first", &target, &b)).await.ok();
    assert_eq!(
        app.get(&sheets, &tb).await.ok().as_array().unwrap().len(),
        2,
        "B sees both after submitting"
    );

    // A region never sees sheets; a conflicted assessor neither scores nor sees.
    let region = r.region_token(&target).unwrap();
    app.get(&sheets, &region).await.problem(403);
    for c in s["conflicts_of_interest"].as_array().unwrap() {
        let (_, tc) = r.assessor(c["assessor"].as_str().unwrap()).unwrap();
        let cid = r.application_id(c["application"].as_str().unwrap()).unwrap();
        let some_sheet = sheet_of(
            &s,
            "first",
            c["application"].as_str().unwrap(),
            s["first_round_scores"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["application"] == c["application"])
                .unwrap()["assessor"]
                .as_str()
                .unwrap(),
        );
        app.post(&format!("/applications/{cid}/sheets/first/submit"), &tc, &some_sheet)
            .await
            .problem(403);
        app.get(&format!("/applications/{cid}/sheets/first"), &tc).await.problem(403);
        // ... nor its documents.
        app.get(&format!("/applications/{cid}"), &tc).await.problem(403);
        app.get(&format!("/applications/{cid}/documents"), &tc).await.problem(403);
        let docs = app.get(&format!("/applications/{cid}/documents"), &app.staff_token).await;
        let doc = docs.ok().as_array().unwrap()[0]["id"].clone();
        app.get(&format!("/applications/{cid}/documents/{doc}/content"), &tc).await.problem(403);
    }

    // A submitted sheet is immutable; a correction needs a reason and keeps the old version.
    let before = app.get(&sheets, &app.staff_token).await.body;
    app.put(&format!("{sheets}/draft"), &ta, &sheet_of(&s, "first", &target, &a))
        .await
        .problem(409);
    app.post(&format!("{sheets}/submit"), &ta, &sheet_of(&s, "first", &target, &a))
        .await
        .problem(409);
    let mut corrected = sheet_of(&s, "first", &target, &a);
    let a_total = before
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["assessor_id"].as_i64() == Some(r.assessor(&a).unwrap().0))
        .unwrap()["total"]
        .clone();
    let criterion = s["call"]["weighted_criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "scale")
        .unwrap();
    let cid = criterion["id"].as_str().unwrap();
    corrected["scores"][cid] = criterion["min"].clone();
    let refused = app
        .post(&format!("{sheets}/corrections"), &ta, &json!({"reason": "", "sheet": corrected}))
        .await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), ["reason"]);
    assert_eq!(
        app.get(&sheets, &app.staff_token).await.body,
        before,
        "nothing changed by refusals"
    );
    let v2 = app
        .post(
            &format!("{sheets}/corrections"),
            &ta,
            &json!({"reason": "Rekenfout", "sheet": corrected}),
        )
        .await;
    assert_eq!(v2.ok()["version"], 2);
    assert_ne!(v2.body["total"], a_total, "the corrected total counts");
    let history = app.get(&sheets, &app.staff_token).await;
    let statuses: Vec<_> = history
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["assessor_id"].as_i64() == Some(r.assessor(&a).unwrap().0))
        .map(|x| x["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["superseded", "submitted"]);
    let trail = app
        .get(
            &format!("/audit?entityType=application&entityId={id}&action=sheet.corrected"),
            &app.staff_token,
        )
        .await;
    assert_eq!(trail.ok()[0]["reason"], "Rekenfout");

    // Out of range and unknown values: 422 listing each field, nothing stored.
    let mut bad = sheet_of(&s, "first", &target, &a);
    bad["scores"][cid] = (criterion["max"].as_i64().unwrap() + 1).into();
    bad["scores"]["no_such_criterion"] = 1.into();
    let answer = app
        .post(&format!("{sheets}/corrections"), &ta, &json!({"reason": "x", "sheet": bad}))
        .await;
    answer.problem(422);
    let fields = answer.error_fields();
    assert!(
        fields.contains(&format!("scores.{cid}"))
            && fields.contains(&"scores.no_such_criterion".to_string()),
        "{fields:?}"
    );

    // Closing is refused while applications lack sheets; nothing changes.
    let results_before = app.get(&format!("/calls/{call}/results"), &app.staff_token).await.body;
    let refused =
        app.post(&format!("/calls/{call}/rounds/first/close"), &app.staff_token, &json!({})).await;
    refused.problem(409);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("too few submitted sheets"), "{detail}");
    // It names the applications short of sheets with their counts, not the one scored twice.
    assert!(!detail.contains(&format!("{target} (")), "{detail}");
    let other = results_before["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["ref"].as_str())
        .find(|x| *x != target)
        .expect("another application in the round");
    assert!(detail.contains(&format!("{other} (0 of ")), "{detail}");
    assert_eq!(
        app.get(&format!("/calls/{call}/results"), &app.staff_token).await.body,
        results_before
    );
    // Staff only.
    app.post(&format!("/calls/{call}/rounds/first/close"), &ta, &json!({})).await.problem(403);
    app.request(Method::GET, &format!("/calls/{call}/results"), Some(&region), None)
        .await
        .problem(403);
}

#[tokio::test]
async fn publication_freezing_what_if_allocation_and_explanation() {
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = rehearsal(&app, &s).await;
    let call = r.call_id();
    r.first_round().await.expect("first round");

    // Not before the first_assessment stage, and not before the round is closed.
    app.post(&format!("/calls/{call}/rounds/first/publish"), &app.staff_token, &json!({}))
        .await
        .problem(409);
    r.publish_first_round().await.expect("first-round publication");
    app.post(&format!("/calls/{call}/rounds/first/publish"), &app.staff_token, &json!({}))
        .await
        .problem(409);
    r.final_round().await.expect("final round");

    // An allocation by hand: refused over a request or over the ceiling; shown beside pro rata.
    let results = app.get(&format!("/calls/{call}/results"), &app.staff_token).await.body;
    let awarded: Vec<Value> = results["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["decision"] == "awarded")
        .cloned()
        .collect();
    assert!(!awarded.is_empty());
    let first = &awarded[0];
    let over = json!({"amounts": {first["application_id"].to_string(): "99999999999.00"}, "reason": "te veel"});
    app.put(&format!("/calls/{call}/allocation"), &app.staff_token, &over).await.problem(422);
    let cents = json!({"amounts": {first["application_id"].to_string(): "1.005"}, "reason": "x"});
    let a = app.put(&format!("/calls/{call}/allocation"), &app.staff_token, &cents).await;
    a.problem(422);
    assert_eq!(a.error_fields(), [format!("amounts.{}", first["application_id"])]);
    let unchanged = app.get(&format!("/calls/{call}/results"), &app.staff_token).await.body;
    assert_eq!(unchanged["allocation_policy"], "pro_rata_whole_euros");
    let amounts: serde_json::Map<String, Value> =
        awarded.iter().map(|l| (l["application_id"].to_string(), json!("1000.00"))).collect();
    let manual = app
        .put(
            &format!("/calls/{call}/allocation"),
            &app.staff_token,
            &json!({"amounts": amounts, "reason": "Differentiatie naar schaal"}),
        )
        .await;
    assert_eq!(manual.ok()["allocation_policy"], "manual");
    assert_eq!(
        manual.body["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["application_id"] == first["application_id"])
            .unwrap()["allocated"],
        "1000.00"
    );
    assert_eq!(
        manual.body["pro_rata_preview"].as_array().unwrap().len(),
        awarded.len(),
        "pro rata shown beside it"
    );
    app.put(
        &format!("/calls/{call}/allocation"),
        &app.staff_token,
        &json!({"amounts": null, "reason": "Toch naar rato"}),
    )
    .await
    .ok();

    // Publication; then the frozen outcome recomputes to what was published.
    let outcome = r.publish_final().await.expect("final publication");
    let frozen = app.get(&format!("/calls/{call}/outcomes/final"), &app.staff_token).await;
    assert_eq!(frozen.ok()["verified"], true);
    assert_eq!(frozen.body["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(frozen.body["result"]["awarded_in_rank_order"], outcome["awarded_in_rank_order"]);

    // What if the last awarded region's sheets had been poor? The published outcome stays.
    let last = outcome["awarded_in_rank_order"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let assessor = s["final_round_scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["application"] == last.as_str())
        .unwrap()["assessor"]
        .as_str()
        .unwrap()
        .to_string();
    let mut poor = sheet_of(&s, "final", &last, &assessor);
    for c in s["call"]["weighted_criteria"].as_array().unwrap() {
        poor["scores"][c["id"].as_str().unwrap()] =
            if c["kind"] == "per_item" { json!([]) } else { c["min"].clone() };
    }
    let published = app.get(&format!("/calls/{call}/results"), &app.staff_token).await.body;
    let w = app
        .post(
            &format!("/calls/{call}/what-if"),
            &app.staff_token,
            &json!({"application": last, "assessor": assessor, "round": "final", "sheet": poor}),
        )
        .await;
    assert_eq!(w.ok()["changed"], true, "{}", w.body);
    assert!(!w.body["awarded_after"].as_array().unwrap().iter().any(|x| x == last.as_str()));
    let same = app.post(&format!("/calls/{call}/what-if"), &app.staff_token, &json!({"application": last, "assessor": assessor, "round": "final", "sheet": sheet_of(&s, "final", &last, &assessor)})).await;
    assert_eq!(same.ok()["changed"], false);
    assert_eq!(
        app.get(&format!("/calls/{call}/results"), &app.staff_token).await.body,
        published,
        "what-if touches nothing"
    );

    // Corrections are over once the outcome is published.
    let (_, token) = r.assessor(&assessor).unwrap();
    let id = r.application_id(&last).unwrap();
    app.post(
        &format!("/applications/{id}/sheets/final/corrections"),
        &token,
        &json!({"reason": "te laat", "sheet": poor}),
    )
    .await
    .problem(409);

    // Explanation: every figure behind a decision, from the fixture's expected values.
    let expected = s["expected"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ref"] == last.as_str())
        .unwrap()
        .clone();
    let explained = app.get(&format!("/applications/{id}/outcome"), &app.staff_token).await;
    let e = explained.ok();
    assert!(same_value(&expected["final_score"], &e["result"]["final_score"]));
    assert_eq!(e["result"]["rank"], expected["rank"]);
    assert!(same_value(&expected["allocated"], &e["result"]["allocated"]));
    let sheets = e["final_round_sheets"].as_array().unwrap();
    assert_eq!(
        sheets.len(),
        s["final_round_scores"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["application"] == last.as_str())
            .count()
    );
    let criteria = e["result"]["final_round"]["criteria"].as_object().unwrap();
    assert_eq!(
        criteria.len(),
        s["call"]["weighted_criteria"].as_array().unwrap().len(),
        "a mean per criterion"
    );
    for k in s["decisions"]["knockout"].as_array().unwrap() {
        let kid = r.application_id(k["application"].as_str().unwrap()).unwrap();
        let ex = app.get(&format!("/applications/{kid}/outcome"), &app.staff_token).await;
        let d = ex.ok()["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "knockout")
            .expect("the recorded knock-out decision")
            .clone();
        assert_eq!(d["reason"], k["reason"]);
        assert_eq!(ex.body["result"]["knockout_decided"], k["verdict"]);
    }

    // Calibration: per assessor a deviation; a consensus note shows beside the flags.
    app.post(
        &format!("/applications/{id}/consensus-notes"),
        &app.staff_token,
        &json!({"round": "final", "note": "Besproken in consensusoverleg"}),
    )
    .await
    .ok();
    let cal = app.get(&format!("/calls/{call}/calibration"), &app.staff_token).await;
    let assessors: Vec<_> = cal.ok()["assessors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["assessor"].as_str().unwrap().to_string())
        .collect();
    for a in s["assessors"].as_array().unwrap() {
        assert!(assessors.contains(&a["ref"].as_str().unwrap().to_string()), "{assessors:?}");
    }
    assert_eq!(cal.body["consensus_notes"][&last][0]["note"], "Besproken in consensusoverleg");

    // Who may do what on the assessment endpoints: staff-only ones answer 403 to the other roles;
    // a region never sees sheets; another region's application does not exist for a region.
    let (_, assessor_token) = r.assessor(&assessor).unwrap();
    let own_region = r.region_token(&last).unwrap();
    let other = s["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ref"].as_str().unwrap())
        .find(|x| *x != last)
        .unwrap();
    let other_id = r.application_id(other).unwrap();
    let pdf = tuinier::scenario::sample_pdf("addendum");
    let resp = app
        .client
        .post(format!("{}/applications/{other_id}/addendum?filename=a.pdf", app.base))
        .bearer_auth(&own_region)
        .header("content-type", "application/octet-stream")
        .body(pdf)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "another region's application does not exist");
    let staff_only: Vec<(Method, String, Value)> = vec![
        (Method::GET, format!("/calls/{call}/results"), Value::Null),
        (Method::GET, format!("/calls/{call}/calibration"), Value::Null),
        (Method::GET, format!("/calls/{call}/conflicts"), Value::Null),
        (Method::GET, format!("/calls/{call}/outcomes/final"), Value::Null),
        (Method::GET, format!("/applications/{id}/outcome"), Value::Null),
        (Method::POST, format!("/calls/{call}/rounds/final/close"), json!({})),
        (Method::POST, format!("/calls/{call}/rounds/final/publish"), json!({})),
        (Method::POST, format!("/calls/{call}/ties"), json!({"reason": "x"})),
        (Method::PUT, format!("/calls/{call}/allocation"), json!({"amounts": null, "reason": "x"})),
        (
            Method::POST,
            format!("/calls/{call}/conflicts"),
            json!({"assessor_id": 1, "application_id": id, "reason": "x"}),
        ),
        (
            Method::POST,
            format!("/applications/{id}/knockout-decision"),
            json!({"verdict": "passed", "reason": "x"}),
        ),
        (
            Method::POST,
            format!("/applications/{id}/consensus-notes"),
            json!({"round": "final", "note": "x"}),
        ),
        (
            Method::POST,
            format!("/calls/{call}/what-if"),
            json!({"application": last, "assessor": assessor, "round": "final", "sheet": {}}),
        ),
    ];
    for (m, path, body) in &staff_only {
        let body = (!body.is_null()).then_some(body);
        for token in [&assessor_token, &own_region] {
            app.request(m.clone(), path, Some(token), body).await.problem(403);
        }
    }
    app.get(&format!("/applications/{id}/sheets/final"), &own_region).await.problem(403);
    app.post(&format!("/applications/{id}/sheets/final/submit"), &own_region, &json!({}))
        .await
        .problem(403);
}
