//! The OpenAPI document is something a region's developer can integrate from: every operation
//! described, every JSON body with an example (the examples are valid: they are posted here), only
//! the error statuses an operation can give, `201 Created` with a `Location` that resolves, field
//! errors listed once, and `/` leading to the documentation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::intake::pdf;

fn spec(app: &TestApp) -> Value {
    serde_json::from_str(&tuinier::api::spec_json(app.state.clone())).expect("the spec is JSON")
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, ops) in spec["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            out.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    out
}

/// The example of a JSON request body, from its schema in `components`.
fn body_example<'a>(spec: &'a Value, op: &Value) -> Option<&'a Value> {
    let content = op["requestBody"]["content"].as_object()?;
    let (_, media) = content.iter().find(|(ct, _)| ct.starts_with("application/json"))?;
    let name = media["schema"]["$ref"].as_str()?.rsplit('/').next()?;
    spec["components"]["schemas"][name].get("example")
}

fn example_of(spec: &Value, method: &str, path: &str) -> Value {
    let op = &spec["paths"][path][method.to_lowercase()];
    body_example(spec, op).unwrap_or_else(|| panic!("{method} {path} has no body example")).clone()
}

#[tokio::test]
async fn every_operation_has_a_summary_a_description_and_a_body_example() {
    let app = spawn_app().await;
    let spec = spec(&app);
    let ops = operations(&spec);
    assert!(ops.len() > 80, "only {} operations", ops.len());
    let mut problems = Vec::new();
    for (method, path, op) in &ops {
        let summary = op["summary"].as_str().unwrap_or("");
        if summary.trim().is_empty() || summary.contains('\n') {
            problems.push(format!("{method} {path}: summary {summary:?}"));
        }
        if op["description"].as_str().unwrap_or("").trim().len() < 10 {
            problems.push(format!("{method} {path}: no description"));
        }
        let json_body = op["requestBody"]["content"]
            .as_object()
            .is_some_and(|c| c.keys().any(|ct| ct.starts_with("application/json")));
        if json_body && body_example(&spec, op).is_none() {
            problems.push(format!("{method} {path}: a JSON body without an example"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The call input is described in the document itself, field by field.
    let call = &spec["components"]["schemas"]["CallInput"];
    assert!(
        !call["description"].as_str().unwrap_or("").contains("scenario file"),
        "{}",
        call["description"]
    );
    for (field, schema) in call["properties"].as_object().expect("CallInput properties") {
        let described = schema["description"].is_string()
            || schema["allOf"]
                .as_array()
                .is_some_and(|a| a.iter().any(|s| s["description"].is_string()));
        assert!(described, "CallInput.{field} has no description: {schema}");
    }
}

#[tokio::test]
async fn operations_list_only_the_statuses_they_can_give() {
    let app = spawn_app().await;
    let spec = spec(&app);
    for (method, path, op) in operations(&spec) {
        let statuses: Vec<&str> =
            op["responses"].as_object().expect("responses").keys().map(String::as_str).collect();
        let what = format!("{method} {path}: {statuses:?}");
        // 500 (and 503) are the `default` answer, not a status listed on every operation.
        assert!(statuses.contains(&"default"), "{what}");
        assert!(!statuses.contains(&"500"), "{what}");
        assert_eq!(statuses.contains(&"503"), path == "/health", "{what}");
        if !path.contains('{') {
            assert!(!statuses.contains(&"404"), "no object in the path, no 404: {what}");
        }
        if op.get("requestBody").is_none() {
            assert!(!statuses.contains(&"413"), "no body, no 413: {what}");
        }
        if op.get("security").is_none() {
            assert!(!statuses.contains(&"401"), "no token, no 401: {what}");
        } else {
            assert!(statuses.contains(&"401"), "{what}");
        }
        if method == "GET" {
            // Only reads that compute from an application's state can find it not ready (409).
            let computed = ["/applications/{id}/letter-preview", "/applications/{id}/outcome"];
            assert!(
                !statuses.contains(&"409") || computed.contains(&path.as_str()),
                "a read without conflicts: {what}"
            );
        }
        // A POST without a body still refuses one that is not JSON (400, the ADR's invalid-input).
        if op["parameters"].as_array().is_none_or(|p| p.is_empty())
            && op.get("requestBody").is_none()
            && method != "POST"
        {
            assert!(!statuses.contains(&"400"), "nothing to parse, no 400: {what}");
        }
    }
    // The mapping is one; the families only choose what the document lists.
    assert_eq!(
        tuinier::api::responses::statuses(<tuinier::api::responses::Read>::STATUSES),
        vec![400, 401, 403, 404]
    );
    let list_calls = &spec["paths"]["/calls"]["get"]["responses"];
    // 200, 401, 429 (the sign-in throttle) and the default (500/503).
    assert_eq!(list_calls.as_object().map(|o| o.len()), Some(4), "{list_calls}");
}

/// Creates with the document's own examples: each answers 201 with a `Location` that resolves.
#[tokio::test]
async fn creates_answer_201_with_a_location_that_resolves() {
    let app = spawn_app().await;
    let spec = spec(&app);
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    async fn create(app: &TestApp, token: &str, path: &str, body: &Value) -> (Value, String) {
        let resp = app
            .client
            .post(format!("{}{path}", app.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let location =
            resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {body}");
        assert!(location.starts_with('/'), "POST {path}: Location {location:?}");
        (body, location)
    }
    async fn resolves(app: &TestApp, token: &str, location: &str) -> Answer {
        let read = app.get(location, token).await;
        assert_eq!(read.status, StatusCode::OK, "GET {location}: {}", read.body);
        read
    }

    let (region, at) =
        create(&app, &app.staff_token, "/regions", &example_of(&spec, "POST", "/regions")).await;
    assert_eq!(at, format!("/v1/regions/{}", region["id"]));
    assert_eq!(resolves(&app, &app.staff_token, &at).await.body, region);

    let (user, at) =
        create(&app, &app.staff_token, "/users", &example_of(&spec, "POST", "/users")).await;
    assert_eq!(resolves(&app, &app.staff_token, &at).await.body, user["user"]);
    let region_token = user["token"].as_str().expect("token").to_string();

    let (call, at) =
        create(&app, &app.staff_token, "/calls", &example_of(&spec, "POST", "/calls")).await;
    // Not yet published: staff read it; a region sees it from its publication on.
    assert_eq!(resolves(&app, &app.staff_token, &at).await.body["code"], call["code"]);

    // The region's system, once the example call is open: start, fill in with the examples, upload.
    app.set_time("2027-06-01T10:00:00+02:00");
    let (draft, at) =
        create(&app, &region_token, &format!("/calls/{}/applications", call["id"]), &json!(null))
            .await;
    assert_eq!(resolves(&app, &region_token, &at).await.body["id"], draft["id"]);
    let id = draft["id"].as_i64().expect("id");
    let form = example_of(&spec, "PUT", "/applications/{id}/form");
    app.put(&format!("/applications/{id}/form"), &region_token, &form).await.ok();
    let budget = example_of(&spec, "PUT", "/applications/{id}/budget");
    let filled = app.put(&format!("/applications/{id}/budget"), &region_token, &budget).await;
    assert_eq!(filled.ok()["requested_total"], "300000.00", "{}", filled.body);

    let plan = pdf("Plan van aanpak");
    let resp = app
        .client
        .post(format!("{}/applications/{id}/documents", app.base))
        .query(&[("kind", "plan"), ("filename", "plan.pdf")])
        .bearer_auth(&region_token)
        .header("content-type", "application/octet-stream")
        .body(plan.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let at = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(resolves(&app, &region_token, &at).await.bytes, plan);

    let (template_call, at) = create(
        &app,
        &app.staff_token,
        "/call-templates/proeftuinen-tranche-2-2022/calls",
        &json!({}),
    )
    .await;
    assert_eq!(resolves(&app, &app.staff_token, &at).await.body["id"], template_call["id"]);

    // Monitoring, with the document's examples.
    let mut proeftuin = example_of(&spec, "POST", "/proeftuinen");
    proeftuin["region_id"] = region["id"].clone();
    let (proeftuin, at) = create(&app, &app.staff_token, "/proeftuinen", &proeftuin).await;
    assert_eq!(resolves(&app, &region_token, &at).await.body["id"], proeftuin["id"]);
    let pid = &proeftuin["id"];
    let (_, at) =
        create(&app, &app.staff_token, "/metrics", &example_of(&spec, "POST", "/metrics")).await;
    assert_eq!(at, "/v1/metrics/expert_meetings/versions");
    resolves(&app, &app.staff_token, &at).await;
    let plan = example_of(&spec, "POST", "/proeftuinen/{id}/annual-plans");
    let (plan, at) =
        create(&app, &region_token, &format!("/proeftuinen/{pid}/annual-plans"), &plan).await;
    assert_eq!(resolves(&app, &region_token, &at).await.body["id"], plan["id"]);
    let report = example_of(&spec, "POST", "/proeftuinen/{id}/progress-reports");
    let (report, at) =
        create(&app, &region_token, &format!("/proeftuinen/{pid}/progress-reports"), &report).await;
    assert_eq!(resolves(&app, &region_token, &at).await.body["id"], report["id"]);

    // Reads and changes keep answering 200.
    let replaced = app.request(Method::GET, "/me", Some(&region_token), None).await;
    assert_eq!(replaced.status, StatusCode::OK);

    // `/` leads to the documentation.
    let root = no_redirects.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(root.status(), StatusCode::SEE_OTHER);
    assert_eq!(root.headers()["location"], "/docs");
    let docs = app.client.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"), "/ ends at the Swagger UI");
}

#[tokio::test]
async fn field_errors_are_listed_once_with_a_one_line_summary() {
    let app = spawn_app().await;
    let spec = spec(&app);
    let mut call = example_of(&spec, "POST", "/calls");
    call["code"] = json!("Not A Code");
    call["currency"] = json!("USD");
    call["weighted_criteria"][0]["max"] = json!(0);
    let refused = app.post("/calls", &app.staff_token, &call).await;
    let problem = refused.problem(422);
    let fields = refused.error_fields();
    assert!(fields.len() >= 3, "{problem}");
    for f in ["code", "currency", "weighted_criteria[0].max"] {
        assert!(fields.iter().any(|x| x == f), "{f} missing: {problem}");
    }
    let detail = problem["detail"].as_str().unwrap();
    assert_eq!(detail, format!("{} fields are invalid; see errors", fields.len()));
    for e in problem["errors"].as_array().unwrap() {
        assert!(
            !detail.contains(e["message"].as_str().unwrap()),
            "the detail repeats a field error: {detail}"
        );
    }
    call = example_of(&spec, "POST", "/calls");
    call["currency"] = json!("USD");
    let one = app.post("/calls", &app.staff_token, &call).await;
    assert_eq!(one.problem(422)["detail"], "1 field is invalid; see errors");
}
