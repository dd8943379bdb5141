//! RFC 9457 problem details: the one place where errors become HTTP answers.

use poem::http::StatusCode;
use poem_openapi::{ApiResponse, Object, payload::Json};

use crate::error::DomainError;

/// An RFC 9457 problem: what went wrong, for people and for programs.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Problem")]
pub struct Problem {
    /// A URI that identifies the kind of problem, e.g. `urn:tuinier:problem:deadline-passed`.
    #[oai(rename = "type")]
    pub kind: String,
    /// A short, fixed summary of the kind of problem, e.g. `Invalid input`.
    pub title: String,
    /// The HTTP status code, repeated.
    pub status: u16,
    /// One line for people about this occurrence, e.g. `3 fields are invalid; see errors`; the
    /// fields are in `errors`.
    pub detail: String,
    /// Every problem with the input at once, by field.
    #[oai(skip_serializing_if_is_empty, default)]
    pub errors: Vec<ProblemField>,
}

/// One field at fault.
#[derive(Object, Debug, Clone)]
pub struct ProblemField {
    /// Where in the input, e.g. `weighted_criteria[3].max`.
    pub field: String,
    /// What is wrong with it, e.g. `the maximum must be at least one point`.
    pub message: String,
}

#[derive(ApiResponse, Debug)]
#[oai(bad_request_handler = "from_poem_error")]
pub enum ApiError {
    /// The request is malformed (not JSON, wrong types, missing fields).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No token, or one that is not known.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>, #[oai(header = "WWW-Authenticate")] String),
    /// The token is known but its role may not do this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the state of the object (e.g. it is submitted or published).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The input is well-formed but breaks a rule; `errors` lists every field at fault.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many failed sign-in attempts from this address: wait `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] String),
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database is busy or unreachable for a moment; nothing was changed. Try again after
    /// `Retry-After` seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] String),
}

fn problem(
    slug: &str,
    title: &str,
    status: StatusCode,
    detail: impl Into<String>,
) -> Json<Problem> {
    Json(Problem {
        kind: format!("urn:tuinier:problem:{slug}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail: detail.into(),
        errors: Vec::new(),
    })
}

/// What a 503 tells the client to wait before trying again.
const RETRY_AFTER_SECONDS: u32 = 2;

impl ApiError {
    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        ApiError::Unavailable(
            problem("unavailable", "Service unavailable", StatusCode::SERVICE_UNAVAILABLE, detail),
            RETRY_AFTER_SECONDS.to_string(),
        )
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(what) => ApiError::NotFound(problem(
                "not-found",
                "Not found",
                StatusCode::NOT_FOUND,
                format!("{what} does not exist"),
            )),
            DomainError::Unauthenticated => unauthorized("a valid bearer token is required"),
            DomainError::Forbidden(d) => {
                ApiError::Forbidden(problem("forbidden", "Forbidden", StatusCode::FORBIDDEN, d))
            }
            DomainError::Conflict(d) => {
                ApiError::Conflict(problem("conflict", "Conflict", StatusCode::CONFLICT, d))
            }
            DomainError::DeadlinePassed(d) => ApiError::Unprocessable(problem(
                "deadline-passed",
                "Deadline passed",
                StatusCode::UNPROCESSABLE_ENTITY,
                d,
            )),
            DomainError::TooLarge(d) => ApiError::PayloadTooLarge(problem(
                "too-large",
                "Payload too large",
                StatusCode::PAYLOAD_TOO_LARGE,
                d,
            )),
            DomainError::BadRequest(d) => ApiError::BadRequest(problem(
                "bad-request",
                "Bad request",
                StatusCode::BAD_REQUEST,
                d,
            )),
            DomainError::Unavailable(d) => ApiError::unavailable(d),
            DomainError::Validation(fields) => {
                let mut p = problem(
                    "validation",
                    "Invalid input",
                    StatusCode::UNPROCESSABLE_ENTITY,
                    match fields.len() {
                        1 => "1 field is invalid; see errors".to_string(),
                        n => format!("{n} fields are invalid; see errors"),
                    },
                );
                p.0.errors = fields
                    .into_iter()
                    .map(|f| ProblemField { field: f.field, message: f.message })
                    .collect();
                ApiError::Unprocessable(p)
            }
            DomainError::Internal(cause) => {
                let mut chain = cause.to_string();
                let mut source = cause.source();
                while let Some(s) = source {
                    chain.push_str(": ");
                    chain.push_str(&s.to_string());
                    source = s.source();
                }
                tracing::error!(error = %chain, "internal error");
                internal()
            }
        }
    }
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::Unauthorized(
        problem("unauthorized", "Unauthorized", StatusCode::UNAUTHORIZED, detail),
        "Bearer".to_string(),
    )
}

fn internal() -> ApiError {
    ApiError::Internal(problem(
        "internal",
        "Internal error",
        StatusCode::INTERNAL_SERVER_ERROR,
        "something went wrong on our side; it has been logged",
    ))
}

/// A handler that panicked still answers with a problem (and the panic is logged).
pub fn panicked() -> poem::Response {
    tracing::error!("a request handler panicked");
    problem_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        "something went wrong on our side; it has been logged".to_string(),
        Vec::new(),
    )
}

/// A problem answer built outside poem-openapi (the request guard, the fallback).
pub fn problem_response(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    errors: Vec<crate::error::FieldError>,
) -> poem::Response {
    use poem::IntoResponse;
    let mut p = problem(slug, title, status, detail);
    p.0.errors =
        errors.into_iter().map(|f| ProblemField { field: f.field, message: f.message }).collect();
    p.with_status(status).with_content_type("application/problem+json").into_response()
}

/// Errors raised by poem or poem-openapi before a handler runs (parsing, authentication, routing).
pub fn from_poem_error(err: poem::Error) -> ApiError {
    let status = err.status();
    match status {
        StatusCode::UNAUTHORIZED => {
            unauthorized("a valid bearer token is required (Authorization: Bearer <token>)")
        }
        StatusCode::FORBIDDEN => {
            ApiError::Forbidden(problem("forbidden", "Forbidden", status, err.to_string()))
        }
        StatusCode::NOT_FOUND => {
            ApiError::NotFound(problem("not-found", "Not found", status, err.to_string()))
        }
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(problem(
            "too-large",
            "Payload too large",
            status,
            err.to_string(),
        )),
        StatusCode::TOO_MANY_REQUESTS => {
            let retry_after =
                err.downcast_ref::<super::sign_in::Throttled>().map_or(1, |t| t.retry_after);
            ApiError::TooManyRequests(
                problem("too-many-requests", "Too many requests", status, err.to_string()),
                retry_after.to_string(),
            )
        }
        StatusCode::SERVICE_UNAVAILABLE => ApiError::unavailable(err.to_string()),
        s if s.is_server_error() => {
            tracing::error!(error = %err, "internal error before the handler");
            internal()
        }
        _ => ApiError::BadRequest(problem(
            "bad-request",
            "Bad request",
            StatusCode::BAD_REQUEST,
            err.to_string(),
        )),
    }
}

/// The last line of defence: any error that is not already a problem answer becomes one
/// (unknown paths, wrong methods, errors from middleware).
pub fn fallback(err: poem::Error) -> poem::Response {
    use poem::IntoResponse;
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        return problem(
            "method-not-allowed",
            "Method not allowed",
            status,
            "this path does not take this method",
        )
        .with_status(status)
        .with_content_type("application/problem+json")
        .into_response();
    }
    from_poem_error(err).into_response()
}
