//! A small HTTP client for the scenario driver: every unexpected answer becomes a `Failure` that
//! says which request got what.

use std::fmt;

use serde_json::Value;

#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    pub fn scenario(msg: String) -> Failure {
        Failure(format!("scenario file: {msg}"))
    }
    pub fn setup(msg: String) -> Failure {
        Failure(format!("setup: {msg}"))
    }
    pub fn io(e: impl fmt::Display) -> Failure {
        Failure(format!("i/o: {e}"))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

pub struct Answer {
    pub what: String,
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Answer {
    pub fn expect(self, status: u16) -> Result<Value, Failure> {
        let ok =
            if status == 200 { (200..300).contains(&self.status) } else { self.status == status };
        if ok {
            Ok(self.body)
        } else {
            Err(Failure(format!(
                "{} answered {} (expected {status}): {}",
                self.what, self.status, self.body
            )))
        }
    }

    pub fn is_problem(&self) -> bool {
        self.content_type == "application/problem+json" && self.body["status"] == self.status
    }
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    pub staff: String,
}

impl Client {
    /// `base` is the server (`http://127.0.0.1:8080`) or its API (`http://127.0.0.1:8080/v1`);
    /// paths are sent to the API under it.
    pub fn new(base: String, staff: String) -> Client {
        Client { http: reqwest::Client::new(), base: crate::api::standards::api_base(&base), staff }
    }

    async fn send(&self, what: String, req: reqwest::RequestBuilder) -> Result<Answer, Failure> {
        let resp = req.send().await.map_err(|e| Failure(format!("{what}: {e}")))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_string())
            .unwrap_or_default();
        let bytes = resp.bytes().await.map_err(|e| Failure(format!("{what}: {e}")))?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer { what, status, content_type, body })
    }

    pub async fn get(&self, path: &str, token: &str) -> Result<Answer, Failure> {
        self.send(
            format!("GET {path}"),
            self.http.get(format!("{}{path}", self.base)).bearer_auth(token),
        )
        .await
    }

    /// The raw body of a successful GET (a letter's PDF).
    pub async fn get_bytes(&self, path: &str, token: &str) -> Result<Vec<u8>, Failure> {
        let what = format!("GET {path}");
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| Failure(format!("{what}: {e}")))?;
        if !resp.status().is_success() {
            return Err(Failure(format!("{what} answered {}", resp.status())));
        }
        Ok(resp.bytes().await.map_err(|e| Failure(format!("{what}: {e}")))?.to_vec())
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Result<Answer, Failure> {
        self.send(
            format!("POST {path}"),
            self.http.post(format!("{}{path}", self.base)).bearer_auth(token).json(body),
        )
        .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Result<Answer, Failure> {
        self.send(
            format!("PUT {path}"),
            self.http.put(format!("{}{path}", self.base)).bearer_auth(token).json(body),
        )
        .await
    }

    pub async fn upload(&self, path: &str, token: &str, bytes: Vec<u8>) -> Result<Answer, Failure> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(bytes);
        self.send(format!("POST {path}"), req).await
    }
}
