//! JSON built once and sent as it is (an application's outcome, kept by
//! `service::assessment::kept_outcome`), documented as the `T` it serialises: the same schema,
//! content type and bytes as `Json<T>`.

use std::marker::PhantomData;

use poem::{IntoResponse, Response, http::header};
use poem_openapi::ApiResponse;
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::ToJSON;

use crate::error::DomainError;

/// The JSON of a `T`, serialised.
pub struct JsonBytes<T>(pub Vec<u8>, PhantomData<fn() -> T>);

impl<T: ToJSON> JsonBytes<T> {
    /// The bytes `Json(value)` sends (poem serialises the `ToJSON` value with `serde_json`).
    pub fn of(value: &T) -> Result<JsonBytes<T>, DomainError> {
        let bytes = serde_json::to_vec(&value.to_json()).map_err(DomainError::internal)?;
        Ok(JsonBytes::sent(bytes))
    }

    /// Bytes serialised before by `JsonBytes::of`.
    pub fn sent(bytes: Vec<u8>) -> JsonBytes<T> {
        JsonBytes(bytes, PhantomData)
    }
}

impl<T: ToJSON> Payload for JsonBytes<T> {
    const CONTENT_TYPE: &'static str = <Json<T> as Payload>::CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ToJSON> IntoResponse for JsonBytes<T> {
    fn into_response(self) -> Response {
        Response::builder().header(header::CONTENT_TYPE, Self::CONTENT_TYPE).body(self.0)
    }
}

impl<T: ToJSON> ApiResponse for JsonBytes<T> {
    fn meta() -> MetaResponses {
        <Json<T> as ApiResponse>::meta()
    }

    fn register(registry: &mut Registry) {
        <Json<T> as ApiResponse>::register(registry);
    }
}
