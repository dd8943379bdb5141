//! The access log: one `tracing` line per request (target `tuinier::access`) with a request id,
//! the method, the path without its query string (query values may hold personal data), the
//! status and the duration. The request id is the client's `X-Request-Id` when it is a sane one
//! (1 to 64 letters, digits, `-`, `_`, `.`), else a new random one; the answer carries it back.

use std::sync::Arc;
use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, Request, Response};
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";

fn sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn new_id() -> String {
    let mut bytes = [0u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        // Without randomness the id is still unique enough within this process.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        return format!("t{nanos:x}");
    }
    crate::domain::digest::hex(&bytes)
}

/// Wraps every request (`EndpointExt::around`); writes the log line when `logged` (the request
/// id is given either way).
pub async fn log_request<E: Endpoint>(
    next: Arc<E>,
    req: Request,
    logged: bool,
) -> poem::Result<Response> {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map(str::to_string)
        .unwrap_or_else(new_id);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let start = Instant::now();
    let span = tracing::info_span!("request", request_id = %id);
    let mut resp = next.get_response(req).instrument(span).await;
    let status = resp.status().as_u16();
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    if !logged {
        return Ok(resp);
    }
    let duration_ms = start.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(target: "tuinier::access", request_id = %id, method = %method, path = %path, status, duration_ms = format_args!("{duration_ms:.1}"), "request");
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_incoming_ids_are_kept() {
        assert!(sane("abc-123_x.y"));
        assert!(!sane(""));
        assert!(!sane(&"a".repeat(65)));
        assert!(!sane("a b"));
        assert!(!sane("a\nb"));
        assert_eq!(new_id().len(), 24);
        assert_ne!(new_id(), new_id());
    }
}
