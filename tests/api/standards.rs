//! The NL GOV API Design Rules (ADR 2.x) as the running service shows them: the API under `/v1`
//! (and not at the root), `API-Version` on every kind of answer, CORS on the OpenAPI document, and
//! `servers`, `contact` and the declared header in the served document.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tuinier::api::standards::API_VERSION;

use crate::common::*;

fn version_of(resp: &reqwest::Response) -> Option<String> {
    resp.headers().get("api-version").and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Sends a request and returns the answer with its `API-Version` header.
async fn send(req: reqwest::RequestBuilder) -> (Answer, Option<String>) {
    let resp = req.send().await.expect("sent");
    let version = version_of(&resp);
    (answer_of(resp).await, version)
}

#[tokio::test]
async fn the_api_answers_under_v1_and_not_at_the_old_root_paths() {
    let app = spawn_app().await;
    let token = &app.staff_token;
    let (under, _) =
        send(app.client.get(format!("{}/v1/calls", app.root)).bearer_auth(token)).await;
    assert_eq!(under.status, StatusCode::OK, "{}", under.body);
    assert!(under.body.is_array());

    let (old, _) = send(app.client.get(format!("{}/calls", app.root)).bearer_auth(token)).await;
    let problem = old.problem(404);
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("/v1/calls"), "the 404 points at /v1: {detail}");
    let (old_post, _) =
        send(app.client.post(format!("{}/regions", app.root)).bearer_auth(token).json(&json!({})))
            .await;
    old_post.problem(404);

    // The probe, the document and the documentation answer at the root and under /v1.
    for path in ["/health", "/v1/health", "/openapi.json", "/v1/openapi.json"] {
        let (a, _) = send(app.client.get(format!("{}{path}", app.root))).await;
        assert_eq!(a.status, StatusCode::OK, "GET {path}: {}", a.body);
        assert!(a.body.is_object(), "GET {path}");
    }
    for path in ["/docs", "/v1/docs"] {
        let resp = app.client.get(format!("{}{path}", app.root)).send().await.expect("sent");
        assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
        assert!(resp.text().await.expect("text").contains("swagger"), "GET {path}");
    }
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_full_api_version() {
    let app = spawn_app().await;
    let token = &app.staff_token;
    let url = |p: &str| app.url(p);
    let region = json!({
        "ref": "gelderland-zuid",
        "name": "Gelderland-Zuid",
        "lead_applicant": {"name": "Penvoerder", "email": "penvoerder@example.nl", "municipality": "Nijmegen"},
        "municipalities": [{"name": "Nijmegen", "inhabitants": 179073}]
    });
    let mut wrong = region.clone();
    wrong["name"] = json!(123);
    let big = json!({"padding": "x".repeat(tuinier::api::guard::JSON_LIMIT + 1)});
    let cases: Vec<(u16, reqwest::RequestBuilder)> = vec![
        (200, app.client.get(url("/calls")).bearer_auth(token)),
        (201, app.client.post(url("/regions")).bearer_auth(token).json(&region)),
        (401, app.client.get(url("/calls"))),
        (404, app.client.get(url("/calls/99999")).bearer_auth(token)),
        (404, app.client.get(format!("{}/calls", app.root)).bearer_auth(token)),
        (404, app.client.get(url("/no-such-thing")).bearer_auth(token)),
        (405, app.client.delete(url("/regions")).bearer_auth(token)),
        (413, app.client.post(url("/regions")).bearer_auth(token).json(&big)),
        (422, app.client.post(url("/regions")).bearer_auth(token).json(&wrong)),
        (200, app.client.get(format!("{}/health", app.root))),
        (200, app.client.get(format!("{}/openapi.json", app.root))),
    ];
    for (status, req) in cases {
        let (a, version) = send(req).await;
        assert_eq!(a.status.as_u16(), status, "{}", a.body);
        if status >= 400 {
            a.problem(status);
        }
        assert_eq!(version.as_deref(), Some(API_VERSION), "API-Version on a {status}");
    }
}

#[tokio::test]
async fn the_openapi_document_may_be_read_from_any_origin() {
    let app = spawn_app().await;
    for path in ["/openapi.json", "/v1/openapi.json"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.root))
            .header("Origin", "https://elsewhere.example")
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), StatusCode::OK);
        let allow = resp.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap());
        assert_eq!(allow, Some("*"), "CORS on {path}");
    }
}

#[tokio::test]
async fn the_served_document_names_its_server_contact_version_and_header() {
    let app = spawn_app().await;
    let spec = app.request(Method::GET, "/openapi.json", None, None).await.body;
    assert_eq!(spec["servers"][0]["url"], "/v1", "{}", spec["servers"]);
    assert_eq!(spec["info"]["version"], API_VERSION);
    let contact = &spec["info"]["contact"];
    for field in ["name", "url", "email"] {
        assert!(contact[field].as_str().is_some_and(|s| !s.is_empty()), "contact.{field}");
    }
    let camel = regex::Regex::new(r"^[a-z][a-z0-9]*([A-Z][a-z0-9]*)*$").expect("regex");
    let declared = &spec["components"]["headers"]["API-Version"];
    assert_eq!(declared["schema"]["example"], API_VERSION, "{declared}");
    assert_eq!(declared["required"], true);
    let mut undeclared = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            for (status, resp) in op["responses"].as_object().expect("responses") {
                let header = &resp["headers"]["API-Version"]["$ref"];
                if header != "#/components/headers/API-Version" {
                    undeclared.push(format!("{method} {path} {status}"));
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "query" {
                    let name = p["name"].as_str().unwrap_or_default();
                    assert!(camel.is_match(name), "{method} {path}: query key {name}");
                }
            }
            if ["post", "put", "patch"].contains(&method.as_str()) {
                assert!(op["responses"]["400"].is_object(), "{method} {path} lists 400");
            }
        }
    }
    assert!(undeclared.is_empty(), "API-Version not declared on: {undeclared:?}");
    for name in spec["components"]["schemas"].as_object().expect("schemas").keys() {
        assert!(!name.contains('_'), "schema name {name} is not UpperCamelCase");
    }
}

#[tokio::test]
async fn a_created_object_is_located_under_v1() {
    let app = spawn_app().await;
    let body = json!({"name": "Beoordelaar", "email": "b@tuinier.example", "role": "assessor"});
    let resp = app
        .client
        .post(app.url("/users"))
        .bearer_auth(&app.staff_token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp.headers()["location"].to_str().expect("location").to_string();
    assert!(location.starts_with("/v1/users/"), "{location}");
    let read = app.client.get(format!("{}{location}", app.root)).bearer_auth(&app.staff_token);
    let (read, _) = send(read).await;
    assert_eq!(read.ok()["email"], "b@tuinier.example");
}

#[tokio::test]
async fn an_operation_without_a_body_refuses_one_that_is_not_json() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/scheduler/run"))
        .bearer_auth(&app.staff_token)
        .header("content-type", "text/plain")
        .body("run now, please")
        .send()
        .await
        .expect("sent");
    let a = answer_of(resp).await;
    let detail = a.problem(400)["detail"].as_str().unwrap_or_default().to_string();
    assert!(detail.contains("takes no body"), "{detail}");
    // Without a body it runs.
    let run = app.post("/scheduler/run", &app.staff_token, &Value::Null).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
}
