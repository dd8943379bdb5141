//! Sign-in hygiene and the access log: failed token attempts are slowed per client address (429
//! with Retry-After after a burst) and logged without the token; one access line per request
//! with a request id (also returned as `X-Request-Id`); no token, email or name in any log line.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::json;
use tuinier::api::sign_in::ThrottleSettings;
use tuinier::startup;

use crate::common::*;

/// Everything logged in this test binary from the moment the capture is installed.
fn captured() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("the only global subscriber of the test binary");
        buffer
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).unwrap();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn failed_tokens_are_slowed_per_address_and_successful_requests_are_not() {
    let app = spawn_app().await;
    // A second server on the same data, with a small burst and a quick refill.
    let settings = ThrottleSettings { burst: 3, refill_every: Duration::from_millis(700) };
    let server = startup::spawn_with(
        app.state.clone(),
        "127.0.0.1:0".parse().unwrap(),
        startup::ServeOptions { sign_in: settings, ..Default::default() },
    )
    .await
    .unwrap();
    let base = api_base(&format!("http://{}", server.addr));
    let get = |token: String| {
        let req = app.client.get(format!("{base}/me")).bearer_auth(token);
        async move { req.send().await.unwrap() }
    };
    let bad = || format!("tnr_{}", random_hex(32));

    // Successful requests take nothing from the bucket.
    for _ in 0..10 {
        assert_eq!(get(app.staff_token.clone()).await.status(), 200);
    }
    for _ in 0..3 {
        assert_eq!(get(bad()).await.status(), 401);
    }
    let refused = get(bad()).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry_after, 1, "Retry-After in whole seconds, rounded up");
    assert_eq!(
        refused.headers()["content-type"].to_str().unwrap().split(';').next(),
        Some("application/problem+json")
    );
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    assert_eq!(problem["type"], "urn:tuinier:problem:too-many-requests");
    // While the address waits, no token is looked at (a guess cannot be confirmed).
    assert_eq!(get(app.staff_token.clone()).await.status(), 429);
    // A request without a token is not a guess: 401 as always.
    assert_eq!(app.client.get(format!("{base}/me")).send().await.unwrap().status(), 401);

    tokio::time::sleep(Duration::from_millis(750)).await;
    assert_eq!(get(app.staff_token.clone()).await.status(), 200, "one attempt earned back");
    assert_eq!(get(bad()).await.status(), 401);
    assert_eq!(get(bad()).await.status(), 429);

    // The default allows a reasonable burst: 25 failures in a row on a default server are 401s.
    let default = startup::spawn_with(
        app.state.clone(),
        "127.0.0.1:0".parse().unwrap(),
        startup::ServeOptions::default(),
    )
    .await
    .unwrap();
    for _ in 0..25 {
        let a = app
            .client
            .get(format!("http://{}/v1/me", default.addr))
            .bearer_auth(bad())
            .send()
            .await
            .unwrap();
        assert_eq!(a.status(), 401);
    }
    server.stop().await;
    default.stop().await;
}

#[tokio::test]
async fn every_request_is_logged_with_an_id_and_no_log_line_holds_a_token_an_email_or_a_name() {
    let log = captured();
    let app = spawn_app().await;
    let tag = random_hex(6);
    let region_name = format!("Regio Logtoets {tag}");
    let person = format!("Henriëtte Logtoets {tag}");
    let email = format!("henriette.{tag}@logtoets.example");
    let user_name = format!("Gebruiker Logtoets {tag}");
    let user_email = format!("gebruiker.{tag}@logtoets.example");
    let region = json!({
        "ref": format!("logtoets-{tag}"),
        "name": region_name,
        "lead_applicant": {"name": person, "email": email, "municipality": "Gemeente Logtoets"},
        "municipalities": [{"name": "Gemeente Logtoets", "inhabitants": 1000}],
    });
    let created = app.post("/regions", &app.staff_token, &region).await;
    let region_id = created.ok()["id"].as_i64().unwrap();
    let user = app.post("/users", &app.staff_token, &json!({"name": user_name, "email": user_email, "role": "region", "region": format!("logtoets-{tag}")})).await;
    let token = user.ok()["token"].as_str().unwrap().to_string();
    let bad_token = format!("tnr_{}", random_hex(32));

    // A sane incoming id is kept and returned; personal data in the query string is not logged.
    let request_id = format!("logtoets-{tag}");
    let answer = app
        .client
        .get(format!("{}/regions/{region_id}", app.base))
        .query(&[("email", email.as_str()), ("name", person.as_str())])
        .bearer_auth(&token)
        .header("X-Request-Id", &request_id)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["x-request-id"], request_id.as_str());
    // Without one (or with one that is not sane), the service makes one up.
    let generated = app.client.get(format!("{}/health", app.base)).send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    let insane = app
        .client
        .get(format!("{}/health", app.base))
        .header("X-Request-Id", "x".repeat(65))
        .send()
        .await
        .unwrap();
    assert_eq!(insane.headers()["x-request-id"].len(), 24);
    let refused = app
        .client
        .get(format!("{}/me", app.base))
        .bearer_auth(&bad_token)
        .header("X-Request-Id", format!("bad-{tag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(app.get("/me", &token).await.status, 200);

    // The access line is written after the answer is sent; give it a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let text = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    let access: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains(&format!("request_id={request_id}")) && l.contains("tuinier::access")
        })
        .collect();
    assert_eq!(access.len(), 1, "one access line for the request:\n{text}");
    let line = access[0];
    for part in
        ["method=GET", &format!("path=/v1/regions/{region_id} "), "status=200", "duration_ms="]
    {
        assert!(line.contains(part), "{part} in {line}");
    }
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("auth.failed") && l.contains(&format!("request_id=bad-{tag}")))
        .collect();
    assert_eq!(failed.len(), 1, "one auth.failed line:\n{text}");
    assert!(
        failed[0].contains("count=1") && failed[0].contains("client=127.0.0.1"),
        "{}",
        failed[0]
    );
    let refused_line = text
        .lines()
        .find(|l| l.contains("tuinier::access") && l.contains(&format!("request_id=bad-{tag}")))
        .expect("access line of the refusal");
    assert!(refused_line.contains("status=401"), "{refused_line}");

    let secrets: [&str; 10] = [
        &region_name,
        &person,
        &email,
        &user_name,
        &user_email,
        &token,
        &bad_token,
        &app.staff_token,
        &token[4..],
        &bad_token[4..],
    ];
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} appears in the log");
    }
    // The query string's encoded form is not there either.
    assert!(
        !text.contains("Henri%C3%ABtte") && !text.contains("email="),
        "the query string is not logged"
    );
}
