//! Is the service up: does its database answer.

use super::AppState;
use crate::store;

/// `Ok` when the database answers a query; the database's error otherwise.
#[tracing::instrument(skip(state))]
pub async fn database(state: &AppState) -> Result<(), String> {
    store::ping(&state.db).await.map_err(|e| e.to_string())
}
