//! `POST /demo/clock`: the demo's rehearsal clock. A plain route, mounted only by
//! `serve --demo` (absent from the router and from the OpenAPI document otherwise), for staff,
//! and refused on a database `serve --demo` did not create.
//!
//! Body: `{"call_id": 1, "stage": "submission_deadline"}` (just after that stage's moment) or
//! `{"at": "2027-01-10T09:00:00Z"}`. Answer: `{previous, now, offset_seconds, reminders_queued}`.

use poem::web::{Data, Json};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::problem::ApiError;
use crate::clock::DemoClock;
use crate::error::DomainError;
use crate::service::{AppState, auth, demo_clock};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    call_id: Option<i32>,
    stage: Option<String>,
    at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

#[handler]
pub async fn clock(
    req: &Request,
    body: poem::Body,
    state: Data<&AppState>,
    demo: Data<&DemoClock>,
) -> Response {
    match run(req, body, state.0, demo.0).await {
        Ok(moved) => Json(moved).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn run(
    req: &Request,
    body: poem::Body,
    state: &AppState,
    demo: &DemoClock,
) -> Result<demo_clock::ClockMoved, DomainError> {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(DomainError::Unauthenticated)?;
    let who = auth::authenticate(state, token.trim()).await?.ok_or(DomainError::Unauthenticated)?;
    let bytes = body.into_vec().await.map_err(|e| DomainError::BadRequest(e.to_string()))?;
    let b: Body = serde_json::from_slice(&bytes)
        .map_err(|e| DomainError::BadRequest(format!("the body is not a clock target: {e}")))?;
    let target = demo_clock::ClockTarget {
        call_id: b.call_id,
        stage: b.stage,
        at: b.at.map(|t| t.with_timezone(&chrono::Utc)),
    };
    demo_clock::move_clock(state, &who, demo, target).await
}
