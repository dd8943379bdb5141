use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn the_fixture_call_reads_back_equal() {
    let app = spawn_app().await;
    let call = load_scenario()["call"].clone();
    let created = app.post("/calls", &app.staff_token, &call).await;
    let id = created.ok()["id"].as_i64().unwrap();
    let read = app.get(&format!("/calls/{id}"), &app.staff_token).await;
    assert_contains(&call, read.ok());
    assert_eq!(read.body["status"], "draft", "before the publication moment");
    let listed = app.get("/calls", &app.staff_token).await;
    assert_contains(&call, &listed.ok()[0]);
}

#[tokio::test]
async fn another_call_with_other_numbers_reads_back_equal() {
    let app = spawn_app().await;
    let mut call = load_scenario()["call"].clone();
    call["code"] = "proeftuinen-variant".into();
    call["budget_ceiling"] = "2750000.50".into();
    call["max_awards"] = 3.into();
    call["interview_threshold"] = "55".into();
    let created = app.post("/calls", &app.staff_token, &call).await;
    let id = created.ok()["id"].as_i64().unwrap();
    let read = app.get(&format!("/calls/{id}"), &app.staff_token).await;
    assert_contains(&call, read.ok());
    assert_eq!(read.body["max_awards"], 3);
    assert_eq!(read.body["interview_threshold"], "55.00");
    assert_eq!(read.body["budget_ceiling"], "2750000.50");
}

#[tokio::test]
async fn the_builtin_template_gives_the_2022_call() {
    let app = spawn_app().await;
    let templates = app.get("/call-templates", &app.staff_token).await;
    assert_eq!(templates.ok()[0]["code"], "proeftuinen-tranche-2-2022");
    let created = app
        .post("/call-templates/proeftuinen-tranche-2-2022/calls", &app.staff_token, &json!({}))
        .await;
    let body = created.ok();
    // The template is the fixture's call.
    assert_contains(&load_scenario_2022_call(), body);
    app.post("/call-templates/no-such-template/calls", &app.staff_token, &json!({}))
        .await
        .problem(404);
    app.post("/call-templates/proeftuinen-tranche-2-2022/calls", &app.staff_token, &json!({}))
        .await
        .problem(409);
}

/// The template is the 2022 call; compare against the public fixture, not a copy in the test.
fn load_scenario_2022_call() -> Value {
    let path = fixtures_dir().join("tranche-2022/scenario.json");
    let s: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    s["call"].clone()
}

fn stage_index(call: &Value, kind: &str) -> usize {
    call["stages"].as_array().unwrap().iter().position(|s| s["kind"] == kind).unwrap()
}

#[tokio::test]
async fn invalid_calls_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let base = load_scenario()["call"].clone();
    type Mutate = fn(&mut Value);
    let cases: Vec<(&str, Mutate, &str)> = vec![
        (
            "maxima not summing to the total",
            |c| c["weighted_criteria"][0]["max"] = 6.into(),
            "weighted_criteria",
        ),
        (
            "maxima not summing to a set total",
            |c| c["total_points"] = 120.into(),
            "weighted_criteria",
        ),
        (
            "duplicate criterion id",
            |c| c["weighted_criteria"][2]["id"] = c["weighted_criteria"][1]["id"].clone(),
            "weighted_criteria[2].id",
        ),
        (
            "knock-out id reused",
            |c| c["weighted_criteria"][0]["id"] = c["knockout_criteria"][0]["id"].clone(),
            "weighted_criteria[0].id",
        ),
        (
            "min above max",
            |c| c["weighted_criteria"][1]["min"] = 11.into(),
            "weighted_criteria[1].min",
        ),
        (
            "per_item without items",
            |c| {
                let i = c["weighted_criteria"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|w| w["kind"] == "per_item")
                    .unwrap();
                c["weighted_criteria"][i].as_object_mut().unwrap().remove("items");
            },
            "items",
        ),
        (
            "per_item without points_per_item",
            |c| {
                let i = c["weighted_criteria"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|w| w["kind"] == "per_item")
                    .unwrap();
                c["weighted_criteria"][i].as_object_mut().unwrap().remove("points_per_item");
            },
            "points_per_item",
        ),
        (
            "submission deadline before publication",
            |c| {
                let i = stage_index(c, "submission_deadline");
                c["stages"][i]["at"] = "2022-05-30T09:00:00+02:00".into();
            },
            "stages[",
        ),
        (
            "final decision before the addendum deadline",
            |c| {
                let i = stage_index(c, "final_decision");
                c["stages"][i]["at"] = "2022-09-01T12:00:00+02:00".into();
            },
            "stages[",
        ),
        (
            "first assessment missing",
            |c| {
                let i = stage_index(c, "first_assessment");
                c["stages"].as_array_mut().unwrap().remove(i);
            },
            "stages",
        ),
        (
            "ceiling with fractions of a cent",
            |c| c["budget_ceiling"] = "4000000.001".into(),
            "budget_ceiling",
        ),
        ("negative ceiling", |c| c["budget_ceiling"] = "-1.00".into(), "budget_ceiling"),
        ("ceiling not a number", |c| c["budget_ceiling"] = "vier miljoen".into(), "budget_ceiling"),
        ("no awards", |c| c["max_awards"] = 0.into(), "max_awards"),
        ("negative awards", |c| c["max_awards"] = (-2).into(), "max_awards"),
        (
            "unknown partner role",
            |c| c["required_partner_roles"].as_array_mut().unwrap().push("police".into()),
            "required_partner_roles[5]",
        ),
        (
            "unknown criterion kind",
            |c| c["weighted_criteria"][1]["kind"] = "stars".into(),
            "weighted_criteria[1].kind",
        ),
        (
            "threshold with fractions of a point below a cent",
            |c| c["interview_threshold"] = "50.001".into(),
            "interview_threshold",
        ),
    ];
    for (what, mutate, field) in cases {
        let mut call = base.clone();
        mutate(&mut call);
        let a = app.post("/calls", &app.staff_token, &call).await;
        a.problem(422);
        let fields = a.error_fields();
        assert!(
            fields.iter().any(|f| f.starts_with(field) || f.ends_with(field)),
            "{what}: expected an error on {field}, got {fields:?} ({})",
            a.body
        );
        let list = app.get("/calls", &app.staff_token).await;
        assert_eq!(list.ok().as_array().unwrap().len(), 0, "{what}: nothing stored");
    }
    // Several problems at once are all listed.
    let mut call = base.clone();
    call["max_awards"] = 0.into();
    call["budget_ceiling"] = "1.001".into();
    call["weighted_criteria"][1]["min"] = 11.into();
    let a = app.post("/calls", &app.staff_token, &call).await;
    a.problem(422);
    let fields = a.error_fields();
    for f in ["max_awards", "budget_ceiling", "weighted_criteria[1].min"] {
        assert!(fields.contains(&f.to_string()), "{f} missing from {fields:?}");
    }
}

#[tokio::test]
async fn a_published_call_changes_only_by_amendment_with_a_reason() {
    let app = spawn_app().await;
    let mut call = load_scenario()["call"].clone();
    let id = app.post("/calls", &app.staff_token, &call).await.ok()["id"].as_i64().unwrap();

    // Before publication a rewrite is fine.
    call["title"] = "Leidraad (concept 2)".into();
    app.put(&format!("/calls/{id}"), &app.staff_token, &call).await.ok();

    let publication =
        call["stages"][stage_index(&call, "publication")]["at"].as_str().unwrap().to_string();
    app.set_time(&publication);
    assert_eq!(
        app.get(&format!("/calls/{id}"), &app.staff_token).await.ok()["status"],
        "published"
    );

    let before = app.get(&format!("/calls/{id}"), &app.staff_token).await.body;
    call["budget_ceiling"] = "4500000.00".into();
    app.put(&format!("/calls/{id}"), &app.staff_token, &call).await.problem(409);
    let a = app
        .post(
            &format!("/calls/{id}/amendments"),
            &app.staff_token,
            &json!({"reason": " ", "call": call}),
        )
        .await;
    a.problem(422);
    assert_eq!(a.error_fields(), ["reason"]);
    assert_eq!(
        app.get(&format!("/calls/{id}"), &app.staff_token).await.body,
        before,
        "unchanged after refusals"
    );

    let reason = "Extra middelen van VWS";
    let amended = app
        .post(
            &format!("/calls/{id}/amendments"),
            &app.staff_token,
            &json!({"reason": reason, "call": call}),
        )
        .await;
    assert_eq!(amended.ok()["budget_ceiling"], "4500000.00");
    let trail = app
        .get(&format!("/audit?entityType=call&entityId={id}&action=call.amended"), &app.staff_token)
        .await;
    let entry = &trail.ok()[0];
    assert_eq!(entry["reason"], reason);
    assert_eq!(
        entry["at"],
        app.get(&format!("/calls/{id}"), &app.staff_token).await.body["updated_at"]
    );
    assert_eq!(entry["details"]["before"]["budget_ceiling"], "4000000.00");
    assert_eq!(entry["details"]["after"]["budget_ceiling"], "4500000.00");
    assert!(entry["actor"].as_str().unwrap().starts_with("staff:"));
}
