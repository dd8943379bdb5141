//! The NL GOV API Design Rules (ADR 2.x), in one place: the API lives under [`BASE_PATH`] (the
//! major version in the URI); every response carries the full version in `API-Version` (declared
//! on every response of the OpenAPI document too); the document names a contact and its server;
//! `/openapi.json` may be read from any origin (CORS). The linter ruleset of the standard is
//! vendored in `openapi/adr-linter/` and run in CI.

use std::sync::Arc;

use poem::http::{HeaderName, HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response, handler};
use serde_json::{Value, json};

use super::problem::problem_response;

/// The full version of the API contract (semantic versioning); its major is in [`BASE_PATH`].
pub const API_VERSION: &str = "1.0.0";
/// Where the API is served: the major version of [`API_VERSION`].
pub const BASE_PATH: &str = "/v1";
/// The response header that carries [`API_VERSION`].
pub const VERSION_HEADER: &str = "API-Version";

/// Who answers questions about the API (the programme office).
pub const CONTACT_NAME: &str = "Programmabureau Toekomstscenario kind- en gezinsbescherming";
pub const CONTACT_URL: &str = "https://toekomstscenario.example/tuinier";
pub const CONTACT_EMAIL: &str = "programmabureau@toekomstscenario.example";

/// Paths served at the root as well as under [`BASE_PATH`] (probes and documentation).
pub const ROOT_PATHS: &[&str] = &["/health", "/openapi.json"];

/// The path the API's operations see: without [`BASE_PATH`] for a request under it; the root
/// paths of [`ROOT_PATHS`] as they are; `None` for anything else (not an API path).
pub fn api_path(path: &str) -> Option<&str> {
    if under_base(path) {
        path.get(BASE_PATH.len()..)
    } else if ROOT_PATHS.contains(&path) {
        Some(path)
    } else {
        None
    }
}

/// `path` is [`BASE_PATH`] or below it.
pub fn under_base(path: &str) -> bool {
    path.strip_prefix(BASE_PATH).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The API's base URL for a server's URL: [`BASE_PATH`] added unless present
/// (`http://127.0.0.1:8080` and `http://127.0.0.1:8080/v1/` both give `http://127.0.0.1:8080/v1`).
pub fn api_base(server: &str) -> String {
    let server = server.trim_end_matches('/');
    if server.ends_with(BASE_PATH) { server.to_string() } else { format!("{server}{BASE_PATH}") }
}

/// The endpoint's answer; an error as its problem answer (see `problem::fallback`).
async fn answer<E: Endpoint>(next: &E, req: Request) -> Response {
    match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => super::problem::fallback(e),
    }
}

/// Wraps every request (`EndpointExt::around`, outermost): adds `API-Version` to every answer,
/// errors included.
pub async fn version_header<E: Endpoint>(next: Arc<E>, req: Request) -> poem::Result<Response> {
    let mut resp = answer(next.as_ref(), req).await;
    resp.headers_mut()
        .insert(HeaderName::from_static("api-version"), HeaderValue::from_static(API_VERSION));
    Ok(resp)
}

/// Wraps the routes under [`BASE_PATH`]: the `Location` of a `201 Created` (written by the
/// handlers relative to the API) gets the base path, so that it resolves as it is.
pub async fn located_under_base<E: Endpoint>(next: Arc<E>, req: Request) -> poem::Result<Response> {
    let mut resp = answer(next.as_ref(), req).await;
    if resp.status() == StatusCode::CREATED {
        let location = resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok());
        let prefixed = location
            .filter(|l| l.starts_with('/') && !under_base(l))
            .map(|l| format!("{BASE_PATH}{l}"))
            .and_then(|l| HeaderValue::from_str(&l).ok());
        if let Some(v) = prefixed {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    Ok(resp)
}

/// Any path outside [`BASE_PATH`] that is not served at the root: a 404 that says where the API is.
#[handler]
pub fn not_at_root(req: &Request) -> Response {
    let path = req.uri().path();
    problem_response(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        format!("the API is served under {BASE_PATH}: try {BASE_PATH}{path}"),
        Vec::new(),
    )
}

/// The OpenAPI document as JSON, readable from any origin (ADR `/core/publish-openapi`).
pub fn openapi_response(spec: String) -> Response {
    let mut resp = spec.with_content_type("application/json").into_response();
    resp.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    resp
}

/// Refines the document: `API-Version` declared on every response, and a `type` beside
/// `nullable` wherever an optional property refers to another schema (OpenAPI 3.0 ignores
/// `nullable` without a `type`).
pub fn refine(spec: &mut Value) {
    declare_bad_request(spec);
    declare_version_header(spec);
    let types: Vec<(String, Value)> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, s)| s.get("type").map(|t| (name.clone(), t.clone())))
        .collect();
    if let Some(schemas) = spec.pointer_mut("/components/schemas") {
        type_nullable_refs(schemas, &types);
    }
}

/// Every operation that takes a body may answer 400 (ADR `/core/error-handling/invalid-input`):
/// one without a request body refuses a body that is not JSON (see `guard`). The answer is the
/// problem that the other operations' 400 declares.
fn declare_bad_request(spec: &mut Value) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let bad_request = paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .find_map(|op| op.pointer("/responses/400").cloned());
    let Some(bad_request) = bad_request else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (method, op) in item.iter_mut() {
            if !["post", "put", "patch"].contains(&method.as_str()) {
                continue;
            }
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                responses.entry("400").or_insert_with(|| bad_request.clone());
            }
        }
    }
}

/// The header once in `components.headers`, referred to by every response.
fn declare_version_header(spec: &mut Value) {
    let declared = json!({
        "description": format!("The full version of the API (semantic versioning): `{API_VERSION}`"),
        "required": true,
        "schema": {"type": "string", "example": API_VERSION},
    });
    if let Some(components) = spec.get_mut("components").and_then(Value::as_object_mut) {
        let headers = components.entry("headers").or_insert_with(|| json!({}));
        if let Some(headers) = headers.as_object_mut() {
            headers.insert(VERSION_HEADER.to_string(), declared);
        }
    }
    let header = json!({"$ref": format!("#/components/headers/{VERSION_HEADER}")});
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut() {
            let responses = op.get_mut("responses").and_then(Value::as_object_mut);
            for resp in responses.into_iter().flat_map(|r| r.values_mut()) {
                let Some(resp) = resp.as_object_mut() else {
                    continue;
                };
                let headers = resp.entry("headers").or_insert_with(|| json!({}));
                if let Some(headers) = headers.as_object_mut() {
                    headers.insert(VERSION_HEADER.to_string(), header.clone());
                }
            }
        }
    }
}

fn type_nullable_refs(v: &mut Value, types: &[(String, Value)]) {
    match v {
        Value::Object(map) => {
            let referred = map.get("allOf").and_then(Value::as_array).and_then(|all| {
                all.iter()
                    .filter_map(|s| s.get("$ref").and_then(Value::as_str))
                    .find_map(|r| r.strip_prefix("#/components/schemas/"))
                    .map(str::to_string)
            });
            if map.get("nullable") == Some(&Value::Bool(true))
                && !map.contains_key("type")
                && let Some(name) = referred
                && let Some((_, t)) = types.iter().find(|(n, _)| *n == name)
            {
                map.insert("type".into(), t.clone());
            }
            for child in map.values_mut() {
                type_nullable_refs(child, types);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| type_nullable_refs(i, types)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_are_under_the_base_path_or_at_the_root() {
        assert_eq!(api_path("/v1/calls"), Some("/calls"));
        assert_eq!(api_path("/v1"), Some(""));
        assert_eq!(api_path("/v1calls"), None);
        assert_eq!(api_path("/calls"), None);
        assert_eq!(api_path("/health"), Some("/health"));
        assert_eq!(api_path("/v1/health"), Some("/health"));
    }

    #[test]
    fn the_api_base_has_the_version_path_once() {
        assert_eq!(api_base("http://x:1"), "http://x:1/v1");
        assert_eq!(api_base("http://x:1/"), "http://x:1/v1");
        assert_eq!(api_base("http://x:1/v1"), "http://x:1/v1");
    }

    #[test]
    fn every_response_declares_the_version_and_nullable_refs_get_a_type() {
        let mut spec = json!({
            "paths": {"/x": {"get": {"responses": {"200": {}, "404": {"headers": {"A": {}}}}}}},
            "components": {"schemas": {
                "E": {"type": "string", "enum": ["a"]},
                "I": {"type": "object", "properties": {"e": {"allOf": [{"$ref": "#/components/schemas/E"}], "nullable": true}}}
            }}
        });
        refine(&mut spec);
        let declared = &spec["paths"]["/x"]["get"]["responses"]["200"]["headers"]["API-Version"];
        assert_eq!(declared["$ref"], "#/components/headers/API-Version");
        assert_eq!(spec["components"]["headers"]["API-Version"]["schema"]["example"], API_VERSION);
        assert!(spec["paths"]["/x"]["get"]["responses"]["404"]["headers"]["A"].is_object());
        assert!(
            spec["paths"]["/x"]["get"]["responses"]["404"]["headers"]["API-Version"].is_object()
        );
        assert_eq!(spec["components"]["schemas"]["I"]["properties"]["e"]["type"], "string");
    }
}
