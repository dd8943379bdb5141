//! What each operation declares it can answer: the error statuses that apply to it, and `201
//! Created` with a `Location` for operations that create something.
//!
//! There is one error type and one mapping ([`ApiError`], from [`DomainError`]); [`Errors<S>`]
//! wraps it with a set `S` of the statuses an operation can give, so the OpenAPI document lists
//! only those. A handler picks one of the families below (`Result<Json<T>, Read>`), and `?` works
//! as before.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};

use super::problem::ApiError;
use crate::error::DomainError;

/// 400: the request cannot be parsed (path, query or body).
pub const BAD_REQUEST: u16 = 1;
/// 401: no token, or an unknown one.
pub const UNAUTHORIZED: u16 = 1 << 1;
/// 403: the token's role may not do this.
pub const FORBIDDEN: u16 = 1 << 2;
/// 404: the object in the path does not exist (or belongs to another region).
pub const NOT_FOUND: u16 = 1 << 3;
/// 409: the object's state does not allow this.
pub const CONFLICT: u16 = 1 << 4;
/// 413: the body is too large.
pub const TOO_LARGE: u16 = 1 << 5;
/// 422: well-formed input that breaks a rule.
pub const UNPROCESSABLE: u16 = 1 << 6;
/// 503: the service cannot reach its database.
pub const UNAVAILABLE: u16 = 1 << 7;

const ALL: [(u16, u16); 8] = [
    (BAD_REQUEST, 400),
    (UNAUTHORIZED, 401),
    (FORBIDDEN, 403),
    (NOT_FOUND, 404),
    (CONFLICT, 409),
    (TOO_LARGE, 413),
    (UNPROCESSABLE, 422),
    (UNAVAILABLE, 503),
];

/// The statuses a set declares, e.g. `[401, 403]`.
pub fn statuses(set: u16) -> Vec<u16> {
    ALL.iter().filter(|(bit, _)| set & bit != 0).map(|(_, s)| *s).collect()
}

/// [`ApiError`] restricted, in the document, to the statuses in `S` (500 and 503 are the
/// `default` answer of every operation).
#[derive(Debug)]
pub struct Errors<const S: u16>(pub ApiError);

/// Needs no token; only the database can fail.
pub type Probe = Errors<UNAVAILABLE>;
/// Any signed-in user may call it; no parameters.
pub type Open = Errors<UNAUTHORIZED>;
/// For some roles only; no parameters.
pub type Roles = Errors<{ UNAUTHORIZED | FORBIDDEN }>;
/// A list for some roles only, with query parameters that are checked (filters, paging).
pub type List = Errors<{ BAD_REQUEST | UNAUTHORIZED | FORBIDDEN | UNPROCESSABLE }>;
/// A list or a computation over query parameters that are checked (e.g. a period).
pub type Compute = Errors<{ BAD_REQUEST | UNAUTHORIZED | FORBIDDEN | UNPROCESSABLE }>;
/// Reads an object named in the path that every signed-in user may read.
pub type ReadAny = Errors<{ BAD_REQUEST | UNAUTHORIZED | NOT_FOUND }>;
/// Reads an object named in the path.
pub type Read = Errors<{ BAD_REQUEST | UNAUTHORIZED | FORBIDDEN | NOT_FOUND }>;
/// Reads or lists under an object named in the path, with query parameters that are checked.
pub type ReadList = Errors<{ BAD_REQUEST | UNAUTHORIZED | FORBIDDEN | NOT_FOUND | UNPROCESSABLE }>;
/// Reads an object named in the path, computed from input that may not be complete yet.
pub type ReadState =
    Errors<{ BAD_REQUEST | UNAUTHORIZED | FORBIDDEN | NOT_FOUND | CONFLICT | UNPROCESSABLE }>;
/// Creates something with a JSON body, under no object in the path.
pub type Create =
    Errors<{ BAD_REQUEST | UNAUTHORIZED | FORBIDDEN | CONFLICT | TOO_LARGE | UNPROCESSABLE }>;
/// Changes or creates something under an object named in the path, with a body.
pub type Write = Errors<
    { BAD_REQUEST | UNAUTHORIZED | FORBIDDEN | NOT_FOUND | CONFLICT | TOO_LARGE | UNPROCESSABLE },
>;
/// A step on an object named in the path, without a body (submit, accept, close, ...).
pub type Action =
    Errors<{ BAD_REQUEST | UNAUTHORIZED | FORBIDDEN | NOT_FOUND | CONFLICT | UNPROCESSABLE }>;

impl<const S: u16> Errors<S> {
    pub const STATUSES: u16 = S;

    fn declares(status: StatusCode) -> bool {
        status == StatusCode::INTERNAL_SERVER_ERROR
            || (status == StatusCode::TOO_MANY_REQUESTS && S & UNAUTHORIZED != 0)
            || ALL.iter().any(|(bit, code)| S & bit != 0 && *code == status.as_u16())
    }
}

impl<const S: u16> From<ApiError> for Errors<S> {
    fn from(e: ApiError) -> Self {
        Errors(e)
    }
}

impl<const S: u16> From<DomainError> for Errors<S> {
    fn from(e: DomainError) -> Self {
        Errors(ApiError::from(e))
    }
}

impl<const S: u16> ApiResponse for Errors<S> {
    fn meta() -> MetaResponses {
        let mut meta = ApiError::meta();
        meta.responses.retain_mut(|r| match r.status {
            Some(500) => {
                r.status = None;
                r.description = "Something failed on our side (500), or the service is unavailable (503); \
                                 the problem says which.";
                true
            }
            // Every operation that checks a token may be throttled after failed sign-ins.
            Some(429) => S & UNAUTHORIZED != 0,
            Some(code) => statuses(S).contains(&code),
            None => false,
        });
        meta
    }

    fn register(registry: &mut Registry) {
        ApiError::register(registry);
    }
}

impl<const S: u16> IntoResponse for Errors<S> {
    fn into_response(self) -> Response {
        let resp = self.0.into_response();
        if !Self::declares(resp.status()) {
            tracing::error!(status = %resp.status(), "an operation answered a status its OpenAPI entry does not list");
            // Tests run with this set, so a status missing from the document fails them.
            if cfg!(debug_assertions) && std::env::var_os("TUINIER_STRICT_STATUSES").is_some() {
                panic!("undeclared status {} (declared: {:?})", resp.status(), statuses(S));
            }
        }
        resp
    }
}

impl<const S: u16> From<Errors<S>> for poem::Error {
    fn from(e: Errors<S>) -> poem::Error {
        poem::Error::from_response(e.into_response())
    }
}

/// `201 Created`: the new object, and where it can be read from now on.
#[derive(ApiResponse)]
pub enum Created<T: ToJSON + Type + Send + Sync> {
    /// Created; `Location` is the path (from the API's root) at which the new object can be read.
    #[oai(status = 201)]
    Created(
        Json<T>,
        /// The new object's path, e.g. `/applications/7`.
        #[oai(header = "Location")]
        String,
    ),
}

impl<T: ToJSON + Type + Send + Sync> Created<T> {
    pub fn at(location: impl Into<String>, body: T) -> Self {
        Created::Created(Json(body), location.into())
    }
}
