//! Bearer-token authentication, checked before the request body is read.

use poem::Request;
use poem_openapi::{SecurityScheme, auth::Bearer};

use crate::service::{AppState, auth::Principal};

/// `Authorization: Bearer <token>`; tokens come from `tuinier user add` or `POST /users`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_token")]
pub struct TokenAuth(pub Principal);

async fn check_token(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_string("no application state", poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    match crate::service::auth::authenticate(state, &bearer.token).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(poem::Error::from_string("unknown token", poem::http::StatusCode::UNAUTHORIZED)),
        Err(crate::error::DomainError::Unavailable(why)) => {
            Err(poem::Error::from_string(why, poem::http::StatusCode::SERVICE_UNAVAILABLE))
        }
        Err(e) => {
            tracing::error!(error = %e, "token check failed");
            Err(poem::Error::from_string("token check failed", poem::http::StatusCode::INTERNAL_SERVER_ERROR))
        }
    }
}
