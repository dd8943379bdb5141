//! Limits and strictness at the edge: body sizes (refused before reading), strict JSON strings,
//! bounded text without control characters, 405 with `Allow`, 414, and public parameter names.

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::spawn_app;

fn region(name: serde_json::Value) -> serde_json::Value {
    json!({
        "ref": "gelderland-zuid",
        "name": name,
        "lead_applicant": {"name": "Penvoerder", "email": "penvoerder@example.nl", "municipality": "Nijmegen"},
        "municipalities": [{"name": "Nijmegen", "inhabitants": 179073}]
    })
}

/// Sends `head` (and `body`) on a raw connection and returns what came back within 10 s.
async fn raw(base: &str, head: String, body: &[u8]) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(head.as_bytes()).await.expect("head");
    let _ = s.write_all(body).await;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), s.read(&mut buf))
        .await
        .expect("an answer within 10 s, without the body being sent")
        .expect("read");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_declared_two_gigabyte_json_body_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let head = format!(
        "POST /v1/regions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n",
        app.staff_token
    );
    let answer = raw(&app.root, head, b"{\"ref\": ").await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}

#[tokio::test]
async fn a_document_may_be_25_megabytes_and_no_more() {
    let app = spawn_app().await;
    let upload = |length: usize| {
        format!(
            "POST /v1/applications/1/documents?kind=plan&filename=plan.pdf HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n",
            app.staff_token
        )
    };
    let over = raw(&app.root, upload(25 * 1024 * 1024 + 1), b"%PDF").await;
    assert!(over.starts_with("HTTP/1.1 413"), "{over}");
    // 2 MB is over the JSON limit but well within a document's: the gate lets it through to the
    // handler, which waits for the body (no answer before it is sent).
    let addr = app.root.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(upload(2 * 1024 * 1024).as_bytes()).await.expect("head");
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(std::time::Duration::from_millis(500), s.read(&mut buf)).await;
    assert!(early.is_err(), "no early refusal of a 2 MB document");
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_while_streaming() {
    let app = spawn_app().await;
    let head = format!(
        "POST /v1/regions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        app.staff_token
    );
    let chunk = vec![b' '; 64 * 1024];
    let mut body = Vec::new();
    for _ in 0..20 {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    let answer = raw(&app.root, head, &body).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // A body just under the limit is read and judged on its content.
    let a = app.post("/regions", &app.staff_token, &json!({"padding": " ".repeat(1000)})).await;
    assert_eq!(a.status.as_u16(), 400, "{}", a.body);
}

#[tokio::test]
async fn string_fields_take_only_json_strings() {
    let app = spawn_app().await;
    for wrong in [json!(true), json!(123)] {
        let a = app.post("/regions", &app.staff_token, &region(wrong)).await;
        a.problem(422);
        assert_eq!(a.error_fields(), ["name"]);
    }
    assert_eq!(app.get("/regions", &app.staff_token).await.ok().as_array().map(Vec::len), Some(0));
    app.post("/regions", &app.staff_token, &region(json!("Gelderland-Zuid"))).await.ok();
}

#[tokio::test]
async fn counts_are_bounded_so_no_sum_overflows() {
    let app = spawn_app().await;
    let with = |inhabitants: serde_json::Value| {
        let mut r = region(json!("Gelderland-Zuid"));
        r["municipalities"] = json!([
            {"name": "Nijmegen", "inhabitants": inhabitants.clone()},
            {"name": "Wijchen", "inhabitants": inhabitants}
        ]);
        r
    };
    // u64::MAX twice once made `GET /regions` panic on the sum (found by the fuzz pass).
    for bad in [json!(u64::MAX), json!(100_000_001), json!(0)] {
        app.post("/regions", &app.staff_token, &with(bad)).await.problem(422);
    }
    assert_eq!(app.get("/regions", &app.staff_token).await.ok().as_array().map(Vec::len), Some(0));
    let mut crowd = region(json!("Gelderland-Zuid"));
    crowd["municipalities"] = json!(
        (0..501).map(|i| json!({"name": format!("G{i}"), "inhabitants": 1})).collect::<Vec<_>>()
    );
    app.post("/regions", &app.staff_token, &crowd).await.problem(422);
    app.post("/regions", &app.staff_token, &with(json!(100_000_000))).await.ok();
    let regions = app.get("/regions", &app.staff_token).await;
    assert_eq!(regions.ok()[0]["inhabitants"], 200_000_000, "{}", regions.body);
}

#[tokio::test]
async fn free_text_is_bounded_and_free_of_control_characters() {
    let app = spawn_app().await;
    for bad in ["Gelderland\u{0}Zuid", "Gelderland\nZuid", "Gelderland\u{1b}Zuid"] {
        let a = app.post("/regions", &app.staff_token, &region(json!(bad))).await;
        a.problem(422);
        assert_eq!(a.error_fields(), ["name"], "{bad:?}");
    }
    let a = app.post("/regions", &app.staff_token, &region(json!("x".repeat(301)))).await;
    a.problem(422);
    assert_eq!(a.error_fields(), ["name"]);
    let spec = app.request(Method::GET, "/openapi.json", None, None).await;
    let name = &spec.body["components"]["schemas"]["RegionInput"]["properties"]["name"];
    assert_eq!(name["maxLength"], 300, "{name}");
    assert!(name["pattern"].is_string(), "{name}");
}

#[tokio::test]
async fn a_request_over_its_time_answers_503() {
    let app = spawn_app().await;
    let limits =
        tuinier::api::guard::Limits { timeout: std::time::Duration::ZERO, ..Default::default() };
    let bind = "127.0.0.1:0".parse().expect("addr");
    let slow =
        tuinier::startup::spawn_with_limits(app.state.clone(), bind, limits).await.expect("bind");
    // Another writer holds the write lock, so the create must wait: with no time allowed it cannot
    // finish on its first poll (a zero timeout alone lets a quick request through).
    let holder = app.state.write().await.expect("write lock");
    let resp = app
        .client
        .post(format!("http://{}/v1/call-templates/proeftuinen-tranche-2-2022/calls", slow.addr))
        .bearer_auth(&app.staff_token)
        .send()
        .await
        .expect("sent");
    drop(holder);
    assert_eq!(resp.status().as_u16(), 503);
    assert!(resp.headers().get("retry-after").is_some());
    assert_eq!(
        resp.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    slow.stop().await;
}

#[tokio::test]
async fn a_wrong_method_names_the_allowed_ones() {
    let app = spawn_app().await;
    let resp = app
        .client
        .request(Method::DELETE, format!("{}/regions", app.base))
        .bearer_auth(&app.staff_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET, POST, HEAD"));
    assert_eq!(
        resp.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn poems_own_errors_are_problems_with_public_names() {
    let app = spawn_app().await;
    let a = app.get("/regions/99999999999", &app.staff_token).await;
    a.problem(400);
    let detail = a.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("`id`") && !detail.contains("param0"), "{detail}");
    app.get("/no/such/path", &app.staff_token).await.problem(404);
    app.get(&format!("/regions?x={}", "a".repeat(9000)), &app.staff_token).await.problem(414);
    let spec_limit = app
        .request(Method::GET, "/openapi.json", None, None)
        .await
        .body["paths"]["/calls/{call_id}/applications"]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "limit").cloned())
        .unwrap_or_default();
    assert_eq!(
        (spec_limit["schema"]["minimum"].as_i64(), spec_limit["schema"]["maximum"].as_i64()),
        (Some(1), Some(500))
    );
    // An offset past what the database can take is refused, not a dropped connection.
    app.get("/calls/1/applications?offset=18446744073709551614", &app.staff_token)
        .await
        .problem(422);
    app.get("/outbox?offset=18446744073709551614", &app.staff_token).await.problem(422);
    let spec = app.request(Method::GET, "/openapi.json", None, None).await;
    let text = String::from_utf8_lossy(&spec.bytes).into_owned();
    assert!(!text.contains("naive-date"));
}
