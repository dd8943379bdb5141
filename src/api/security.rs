//! Bearer-token authentication, checked before the request body is read.

use std::sync::Arc;

use poem::Request;
use poem_openapi::{SecurityScheme, auth::Bearer};

use super::sign_in::SignInThrottle;
use crate::service::{AppState, auth::Principal};

/// `Authorization: Bearer <token>`; tokens come from `tuinier user add` or `POST /users`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_token")]
pub struct TokenAuth(pub Principal);

/// A client that used up its failed attempts gets 429 before its token is looked at; each
/// unknown token is counted against its address and logged without the token.
async fn check_token(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req.data::<AppState>().ok_or_else(|| {
        poem::Error::from_string(
            "no application state",
            poem::http::StatusCode::INTERNAL_SERVER_ERROR,
        )
    })?;
    let throttle = req.data::<Arc<SignInThrottle>>();
    let client = req.remote_addr().as_socket_addr().map(|a| a.ip());
    if let (Some(t), Some(ip)) = (throttle, client)
        && let Err(refused) = t.check(ip)
    {
        tracing::warn!(target: "tuinier::auth", client = %ip, retry_after = refused.retry_after, "auth.throttled");
        return Err(poem::Error::new(refused, poem::http::StatusCode::TOO_MANY_REQUESTS));
    }
    match crate::service::auth::authenticate(state, &bearer.token).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => {
            let count = match (throttle, client) {
                (Some(t), Some(ip)) => t.failed(ip),
                _ => 0,
            };
            let client = client.map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into());
            tracing::warn!(target: "tuinier::auth", count, client = %client, "auth.failed");
            Err(poem::Error::from_string("unknown token", poem::http::StatusCode::UNAUTHORIZED))
        }
        Err(crate::error::DomainError::Unavailable(why)) => {
            Err(poem::Error::from_string(why, poem::http::StatusCode::SERVICE_UNAVAILABLE))
        }
        Err(e) => {
            tracing::error!(error = %e, "token check failed");
            Err(poem::Error::from_string(
                "token check failed",
                poem::http::StatusCode::INTERNAL_SERVER_ERROR,
            ))
        }
    }
}
