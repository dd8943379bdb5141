//! An application's outcome as JSON bytes built once (`service::assessment::kept_outcome`): sent
//! as they are, documented as the `OutcomeView` they serialise (the same schema, content type and
//! bytes as `Json<OutcomeView>`).

use poem::{IntoResponse, Response, http::header};
use poem_openapi::ApiResponse;
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};

use super::explain::OutcomeView;
use crate::error::DomainError;

/// The JSON of an `OutcomeView`, serialised.
pub struct OutcomeJson(pub Vec<u8>);

impl OutcomeJson {
    /// The bytes `Json(view)` sends (poem serialises the `ToJSON` value with `serde_json`).
    pub fn of(view: &OutcomeView) -> Result<OutcomeJson, DomainError> {
        Ok(OutcomeJson(serde_json::to_vec(&view.to_json()).map_err(DomainError::internal)?))
    }
}

impl Payload for OutcomeJson {
    const CONTENT_TYPE: &'static str = <Json<OutcomeView> as Payload>::CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        OutcomeView::schema_ref()
    }

    fn register(registry: &mut Registry) {
        OutcomeView::register(registry);
    }
}

impl IntoResponse for OutcomeJson {
    fn into_response(self) -> Response {
        Response::builder().header(header::CONTENT_TYPE, Self::CONTENT_TYPE).body(self.0)
    }
}

impl ApiResponse for OutcomeJson {
    fn meta() -> MetaResponses {
        <Json<OutcomeView> as ApiResponse>::meta()
    }

    fn register(registry: &mut Registry) {
        <Json<OutcomeView> as ApiResponse>::register(registry);
    }
}
