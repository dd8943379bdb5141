use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::ApiTags;
use super::problem::ApiError;
use super::responses::Probe;
use crate::service::{AppState, health};

pub struct HealthApi {
    pub state: AppState,
}

#[derive(Object)]
pub struct Health {
    /// `ok`
    pub status: String,
    /// `ok` when the database answers
    pub database: String,
}

/// Where `/` leads: the documentation.
#[derive(ApiResponse)]
pub enum ToDocs {
    #[oai(status = 303)]
    SeeOther(#[oai(header = "Location")] String),
}

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// The root leads to the documentation (`/docs`); not part of the API itself.
    #[oai(path = "/", method = "get", hidden)]
    async fn root(&self) -> ToDocs {
        ToDocs::SeeOther("/docs".to_string())
    }

    /// Checks the service and its database
    ///
    /// Needs no token. Answers 200 with `database: ok` when the database answers a query, and 503
    /// with a problem when it does not; use it as a liveness and readiness probe.
    #[oai(path = "/health", method = "get")]
    async fn health(&self) -> Result<Json<Health>, Probe> {
        match health::database(&self.state).await {
            Ok(()) => Ok(Json(Health { status: "ok".into(), database: "ok".into() })),
            Err(e) => {
                tracing::error!(error = %e, "health check: database unreachable");
                Err(ApiError::unavailable("the database does not answer").into())
            }
        }
    }
}
