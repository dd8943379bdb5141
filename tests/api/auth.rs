//! Who may do what: 401 without a valid token, 403 for a wrong role, 404 for another region's
//! object.

use reqwest::Method;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn every_endpoint_answers_each_role_as_it_should() {
    let app = spawn_app().await;
    let s = load_scenario();
    let call = s["call"].clone();
    let call_id = app.post("/calls", &app.staff_token, &call).await.ok()["id"].as_i64().unwrap();
    let region_of = |i: usize| {
        let a = &s["applications"][i];
        json!({"ref": a["ref"], "name": a["region"], "lead_applicant": a["penvoerder"], "municipalities": a["municipalities"]})
    };
    let own =
        app.post("/regions", &app.staff_token, &region_of(0)).await.ok()["id"].as_i64().unwrap();
    let other =
        app.post("/regions", &app.staff_token, &region_of(1)).await.ok()["id"].as_i64().unwrap();
    let own_ref = s["applications"][0]["ref"].as_str().unwrap();
    let assessor = app.user("assessor", "a@vng.example", None).await;
    let region = app.user("region", "r@region.example", Some(own_ref)).await;
    let staff = app.staff_token.clone();

    let mut new_call = call.clone();
    new_call["code"] = "another".into();
    let new_region = json!({"ref": "nieuw", "name": "Nieuw", "lead_applicant": {"name": "P", "email": "p@nieuw.example", "municipality": "N"}, "municipalities": [{"name": "N", "inhabitants": 1000}]});
    let new_user = json!({"name": "X", "email": "x@x.example", "role": "assessor"});
    let amendment = json!({"reason": "r", "call": call});

    // (method, path, body, [staff, assessor, region]) — no token and a bad token are always 401.
    let table: Vec<(Method, String, Option<serde_json::Value>, [u16; 3])> = vec![
        (Method::GET, "/calls".into(), None, [200, 200, 200]),
        // Not published yet: staff (and assessors assigned to it) only.
        (Method::GET, format!("/calls/{call_id}"), None, [200, 404, 404]),
        (Method::POST, "/calls".into(), Some(new_call.clone()), [200, 403, 403]),
        (Method::PUT, format!("/calls/{call_id}"), Some(call.clone()), [200, 403, 403]),
        (Method::POST, format!("/calls/{call_id}/amendments"), Some(amendment), [200, 403, 403]),
        (Method::GET, "/call-templates".into(), None, [200, 403, 403]),
        (Method::GET, "/regions".into(), None, [200, 200, 200]),
        (Method::GET, format!("/regions/{own}"), None, [200, 200, 200]),
        (Method::GET, format!("/regions/{other}"), None, [200, 200, 404]),
        (Method::POST, "/regions".into(), Some(new_region), [200, 403, 403]),
        (Method::GET, "/users".into(), None, [200, 403, 403]),
        (Method::POST, "/users".into(), Some(new_user), [200, 403, 403]),
        (Method::GET, "/me".into(), None, [200, 200, 200]),
        (Method::GET, "/audit".into(), None, [200, 403, 403]),
    ];
    for (method, path, body, expected) in &table {
        for token in [
            None,
            Some("tnr_0000000000000000000000000000000000000000000000000000000000000000"),
            Some("garbage"),
        ] {
            let a = app.request(method.clone(), path, token, body.as_ref()).await;
            a.problem(401);
        }
        // Refusals first, so a successful create does not turn the next call into a conflict.
        for (i, token) in [&staff, &assessor, &region].iter().enumerate().rev() {
            let a = app.request(method.clone(), path, Some(token), body.as_ref()).await;
            if expected[i] == 200 {
                a.ok();
            } else {
                a.problem(expected[i]);
            }
        }
    }
    // A region user lists only its own region.
    let listed = app.get("/regions", &region).await;
    let refs: Vec<_> = listed
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ref"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs, [own_ref]);
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    let token = app.user("assessor", "b@vng.example", None).await;
    assert!(token.len() >= 4 + 32, "at least 128 random bits");
    use sea_orm::EntityTrait;
    let rows = entity::user::Entity::find().all(&app.state.db).await.unwrap();
    assert!(
        rows.iter().all(|u| !u.token_hash.contains(&token[4..])),
        "the token itself is not stored"
    );
    assert!(rows.iter().any(|u| u.token_hash == tuinier::service::auth::hash_token(&token)));
}

/// Every operation in the OpenAPI document except the health check refuses a request without a
/// token, or with an unknown one, with 401 problem+json — new endpoints are covered automatically.
#[tokio::test]
async fn every_documented_operation_needs_a_token() {
    let app = spawn_app().await;
    let spec: serde_json::Value =
        serde_json::from_str(&tuinier::api::spec_json(app.state.clone())).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        if path == "/health" {
            continue;
        }
        let concrete = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (m != Method::GET).then(|| json!({}));
            for token in
                [None, Some("tnr_0000000000000000000000000000000000000000000000000000000000000000")]
            {
                let a = app.request(m.clone(), &concrete, token, body.as_ref()).await;
                assert_eq!(a.status, 401, "{method} {path} with {token:?}: {}", a.body);
                a.problem(401);
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} operations found");
}
