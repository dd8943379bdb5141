//! The stored records the interface shows as they are (a call with its definition, a document's
//! and a letter's metadata): named here so the API reads them from the services, not the store.

pub use crate::store::calls::StoredCall;
pub use crate::store::documents::DocumentMeta;
pub use crate::store::letters::LetterMeta;
