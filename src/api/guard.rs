//! The gate every request passes before routing: URI length (414), methods a path takes (405 with
//! `Allow`), body size per route (413, from `Content-Length` before reading and while reading a
//! chunked body), the strict body check of [`super::strict`], a time limit (503), and public names
//! for path parameters in poem's own errors. Every refusal is application/problem+json.

use std::sync::Arc;
use std::time::Duration;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};
use serde_json::Value;

use super::problem::problem_response;
use super::strict::Checker;
use crate::error::FieldError;

/// Largest JSON body, in bytes.
pub const JSON_LIMIT: usize = 1024 * 1024;
/// Largest document upload (`application/octet-stream`), in bytes.
pub const UPLOAD_LIMIT: usize = 25 * 1024 * 1024;
/// Longest request target (path and query), in bytes.
pub const URI_LIMIT: usize = 8 * 1024;
/// How long a request may take before it is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Limits {
    pub json: usize,
    pub upload: usize,
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { json: JSON_LIMIT, upload: UPLOAD_LIMIT, timeout: REQUEST_TIMEOUT }
    }
}

enum Segment {
    Literal(String),
    Param(String),
}

struct Operation {
    method: Method,
    /// The JSON body's schema, when the operation takes JSON.
    json: Option<Value>,
    upload: bool,
    /// The operation takes a request body at all.
    body: bool,
}

struct PathSpec {
    segments: Vec<Segment>,
    operations: Vec<Operation>,
}

impl PathSpec {
    fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(p) => Some(p.as_str()),
            Segment::Literal(_) => None,
        })
    }

    fn allow(&self) -> String {
        let mut methods: Vec<&str> = self.operations.iter().map(|o| o.method.as_str()).collect();
        if methods.contains(&"GET") {
            methods.push("HEAD");
        }
        methods.join(", ")
    }
}

/// The table of paths, built from the refined OpenAPI document.
pub struct Guard {
    paths: Vec<PathSpec>,
    checker: Checker,
    limits: Limits,
}

impl Guard {
    pub fn new(spec: &Value, limits: Limits) -> Guard {
        let mut paths = Vec::new();
        for (template, item) in spec.get("paths").and_then(Value::as_object).into_iter().flatten() {
            let segments = template
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_string()),
                    None => Segment::Literal(s.to_string()),
                })
                .collect();
            let mut operations = Vec::new();
            for (method, op) in item.as_object().into_iter().flatten() {
                let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                    continue;
                };
                let content = op.pointer("/requestBody/content").and_then(Value::as_object);
                let json = content
                    .and_then(|c| c.iter().find(|(m, _)| m.starts_with("application/json")))
                    .and_then(|(_, c)| c.get("schema").cloned());
                let upload = content
                    .is_some_and(|c| c.keys().any(|m| m.starts_with("application/octet-stream")));
                operations.push(Operation { method, json, upload, body: content.is_some() });
            }
            paths.push(PathSpec { segments, operations });
        }
        Guard { paths, checker: Checker::new(spec), limits }
    }

    /// The path template `path` falls under; literal segments win over parameters.
    fn route(&self, path: &str) -> Option<&PathSpec> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.paths
            .iter()
            .filter(|p| {
                p.segments.len() == parts.len()
                    && p.segments.iter().zip(&parts).all(|(s, part)| match s {
                        Segment::Literal(l) => l == part,
                        Segment::Param(_) => true,
                    })
            })
            .max_by_key(|p| p.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count())
    }
}

pub struct GuardMiddleware(pub Arc<Guard>);

impl<E: Endpoint> Middleware<E> for GuardMiddleware {
    type Output = GuardEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        GuardEndpoint { inner, guard: self.0.clone() }
    }
}

pub struct GuardEndpoint<E> {
    inner: E,
    guard: Arc<Guard>,
}

fn refuse(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Response {
    problem_response(status, slug, title, detail.into(), Vec::new())
}

fn too_large(limit: usize) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        "Payload too large",
        format!("the body may be at most {limit} bytes"),
    )
}

impl<E: Endpoint> Endpoint for GuardEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
        if uri_len > URI_LIMIT {
            return Ok(refuse(
                StatusCode::URI_TOO_LONG,
                "uri-too-long",
                "URI too long",
                format!("the path and query may be at most {URI_LIMIT} bytes"),
            ));
        }
        let path = req.uri().path().to_string();
        let route = super::standards::api_path(&path).and_then(|p| self.guard.route(p));
        let params: Vec<String> =
            route.map(|r| r.params().map(str::to_string).collect()).unwrap_or_default();
        let req = match route {
            Some(route) => match self.admit(route, &path, req).await {
                Ok(req) => req,
                Err(refusal) => return Ok(refusal),
            },
            None => req,
        };
        let resp = self.answer_in_time(req, &path).await;
        if resp.status() == StatusCode::BAD_REQUEST && !params.is_empty() {
            return Ok(rename_params(resp, &params).await);
        }
        Ok(resp)
    }
}

impl<E: Endpoint> GuardEndpoint<E> {
    /// The inner answer, or 503 when it takes longer than the time limit.
    async fn answer_in_time(&self, req: Request, path: &str) -> Response {
        let limit = self.guard.limits.timeout;
        match tokio::time::timeout(limit, self.inner.call(req)).await {
            Ok(Ok(r)) => r.into_response(),
            Ok(Err(e)) => super::problem::fallback(e),
            Err(_) => {
                tracing::warn!(path = %path, "request timed out");
                let mut resp = refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "timeout",
                    "Service unavailable",
                    format!("the request took longer than {} seconds; try again", limit.as_secs()),
                );
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                resp
            }
        }
    }
}

impl<E> GuardEndpoint<E> {
    /// The checks of a request to an operation of the spec: the method, `offset`, the body's size
    /// and (for JSON) its content. The request to pass on (its body read), or the refusal.
    async fn admit(&self, route: &PathSpec, path: &str, req: Request) -> Result<Request, Response> {
        let method = req.method().clone();
        let op = route
            .operations
            .iter()
            .find(|o| o.method == method || (method == Method::HEAD && o.method == Method::GET));
        let Some(op) = op else {
            let mut resp = refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                format!("{path} takes {}", route.allow()),
            );
            if let Ok(v) = HeaderValue::from_str(&route.allow()) {
                resp.headers_mut().insert(header::ALLOW, v);
            }
            return Err(resp);
        };
        if let Some(offset) = query_offset(&req)
            && offset > super::strict_rules::OFFSET_MAX
        {
            let errors = vec![FieldError::new(
                "offset",
                format!("at most {}", super::strict_rules::OFFSET_MAX),
            )];
            let detail = errors.iter().map(FieldError::to_string).collect::<Vec<_>>().join("; ");
            return Err(problem_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid input",
                detail,
                errors,
            ));
        }
        if method == Method::GET || method == Method::HEAD {
            return Ok(req);
        }
        self.read_body(op, path, req).await
    }

    /// Reads the body within the operation's limit (413 beyond it), checks JSON against the
    /// operation's schema (422), and refuses a body that is not JSON where the operation takes
    /// none (400).
    async fn read_body(
        &self,
        op: &Operation,
        path: &str,
        mut req: Request,
    ) -> Result<Request, Response> {
        let limit = if op.upload { self.guard.limits.upload } else { self.guard.limits.json };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large(limit));
        }
        let body = match req.take_body().into_bytes_limit(limit).await {
            Ok(b) => b,
            Err(poem::error::ReadBodyError::PayloadTooLarge) => return Err(too_large(limit)),
            Err(e) => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "bad-request",
                    "Bad request",
                    e.to_string(),
                ));
            }
        };
        if let Some(schema) = &op.json
            && let Some(resp) = self.check_json(schema, &req, &body)
        {
            return Err(resp);
        }
        if !op.body && !body.is_empty() && serde_json::from_slice::<Value>(&body).is_err() {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "Bad request",
                format!("{} {path} takes no body; send none", req.method()),
            ));
        }
        req.set_body(Body::from_bytes(body));
        Ok(req)
    }

    fn check_json(&self, schema: &Value, req: &Request, body: &[u8]) -> Option<Response> {
        let is_json =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(
                |ct| ct.trim_start().to_ascii_lowercase().starts_with("application/json"),
            );
        if !is_json {
            return None;
        }
        // Not JSON at all: poem-openapi answers that itself.
        let value: Value = serde_json::from_slice(body).ok()?;
        let findings = self.guard.checker.check(schema, &value);
        if findings.is_empty() {
            return None;
        }
        let mut errors = findings.wrong_types;
        errors.extend(findings.broken_rules);
        let detail = errors.iter().map(FieldError::to_string).collect::<Vec<_>>().join("; ");
        Some(problem_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid input",
            detail,
            errors,
        ))
    }
}

/// The `offset` of the query, when it is a number.
fn query_offset(req: &Request) -> Option<u64> {
    let pairs: Vec<(String, String)> = req.params().ok()?;
    pairs.iter().find(|(k, _)| k == "offset").and_then(|(_, v)| v.parse().ok())
}

/// poem-openapi names path parameters `param0`, `param1`, ... in its errors; clients know them
/// by the names of the spec.
async fn rename_params(mut resp: Response, params: &[String]) -> Response {
    let body = resp.take_body().into_bytes().await.unwrap_or_default();
    let mut text = String::from_utf8_lossy(&body).into_owned();
    for (i, name) in params.iter().enumerate().rev() {
        text = text.replace(&format!("param{i}"), name);
    }
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    resp.set_body(text);
    resp
}
