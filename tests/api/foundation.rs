use crate::common::*;

#[tokio::test]
async fn health_checks_the_database() {
    let app = spawn_app().await;
    let a = app.request(reqwest::Method::GET, "/health", None, None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["database"], "ok");
}

#[tokio::test]
async fn the_committed_openapi_document_is_what_the_code_serves() {
    let app = spawn_app().await;
    let served = app.request(reqwest::Method::GET, "/openapi.json", None, None).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.content_type, "application/json");
    let generated = tuinier::api::spec_json(app.state.clone());
    assert_eq!(
        String::from_utf8(served.bytes).unwrap(),
        generated,
        "/openapi.json differs from api::spec_json"
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale; regenerate it with:\n    cargo run -q -- openapi > openapi/openapi.json"
    );
}

#[tokio::test]
async fn unknown_paths_and_malformed_bodies_are_problems() {
    let app = spawn_app().await;
    app.get("/no-such-thing", &app.staff_token).await.problem(404);
    let resp = app
        .client
        .post(format!("{}/calls", app.base))
        .bearer_auth(&app.staff_token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], 400);
    assert!(
        app.get("/calls", &app.staff_token).await.ok().as_array().unwrap().is_empty(),
        "nothing stored"
    );
}

/// sea-orm would store a Decimal as REAL on SQLite; amounts must come back exactly on both
/// databases.
#[tokio::test]
async fn amounts_are_stored_exactly() {
    let app = spawn_app().await;
    let scenario = load_scenario();
    for (i, amount) in ["99999999999999999.99", "1027020.00", "0.10"].into_iter().enumerate() {
        let mut call = scenario["call"].clone();
        call["code"] = format!("exact-{i}").into();
        call["budget_ceiling"] = amount.into();
        let created = app.post("/calls", &app.staff_token, &call).await;
        let id = created.ok()["id"].as_i64().unwrap();
        assert_eq!(created.body["budget_ceiling"], amount);
        let read = app.get(&format!("/calls/{id}"), &app.staff_token).await;
        assert_eq!(
            read.ok()["budget_ceiling"],
            amount,
            "read back as a string with two decimals, unchanged"
        );
    }
    // And in the database itself, as exact text.
    use sea_orm::EntityTrait;
    let rows = entity::call::Entity::find().all(&app.state.db).await.unwrap();
    let stored: Vec<_> = rows.iter().map(|r| r.budget_ceiling.as_str()).collect();
    assert_eq!(stored, ["99999999999999999.99", "1027020.00", "0.10"]);
}

#[tokio::test]
async fn an_amount_as_a_json_number_is_refused_with_its_field() {
    let app = spawn_app().await;
    let mut call = load_scenario()["call"].clone();
    call["budget_ceiling"] = serde_json::json!(4000000.0);
    let a = app.post("/calls", &app.staff_token, &call).await;
    a.problem(422);
    assert_eq!(a.error_fields(), ["budget_ceiling"]);
}

#[tokio::test]
async fn the_audit_trail_records_changes_for_staff_only() {
    let app = spawn_app().await;
    let call = load_scenario()["call"].clone();
    let id = app.post("/calls", &app.staff_token, &call).await.ok()["id"].as_i64().unwrap();
    let trail = app.get(&format!("/audit?entityType=call&entityId={id}"), &app.staff_token).await;
    let entries = trail.ok().as_array().unwrap().clone();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "call.created");
    assert!(entries[0]["actor"].as_str().unwrap().starts_with("staff:"));
    let assessor = app.user("assessor", "a@vng.example", None).await;
    app.get("/audit", &assessor).await.problem(403);
    app.get("/audit?limit=0", &app.staff_token).await.problem(422);
}

/// `serve --demo` seeds an open call, its assessors and regions, a call run to its end and a
/// call in assessment; a second start adds nothing and keeps the tokens.
#[tokio::test]
async fn the_demo_seed_is_idempotent_and_holds_a_decided_call() {
    let app = spawn_app().await;
    let tokens = tempfile::tempdir().unwrap();
    let tokens_file = tokens.path().join(tuinier::demo::TOKENS_FILE);
    let first = tuinier::demo::seed(&app.state, &tokens_file).await.expect("seed").logins;
    let staff = first.iter().find(|l| l.role == "staff").unwrap().token.clone();
    let calls = app.get("/calls", &staff).await.ok().as_array().unwrap().clone();
    assert_eq!(calls.len(), 3, "open, decided, in assessment");
    assert_eq!(calls[0]["budget_ceiling"], "4000000.00");
    let regions = app.get("/regions", &staff).await.ok().as_array().unwrap().len();
    let decided = calls[1]["id"].as_i64().unwrap();
    let results = app.get(&format!("/calls/{decided}/results"), &staff).await;
    assert_eq!(results.ok()["final_round"], "published");
    // The decided call is the public scenario's: its awards follow the fixture's expected order.
    let expected: Vec<String> = load_scenario()["expected"]["awarded_in_rank_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}-voorbeeld", r.as_str().unwrap()))
        .collect();
    let got: Vec<String> = results.body["awarded_in_rank_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, expected);

    let second = tuinier::demo::seed(&app.state, &tokens_file).await.expect("second seed").logins;
    assert_eq!(second.len(), first.len());
    // The tokens of demo-tokens.txt are kept.
    assert_eq!(second.iter().find(|l| l.role == "staff").unwrap().token, staff);
    assert_eq!(
        app.get("/calls", &staff).await.ok().as_array().unwrap().len(),
        3,
        "nothing seeded twice"
    );
    assert_eq!(app.get("/regions", &staff).await.ok().as_array().unwrap().len(), regions);
}
