//! The finance letters for a reader: who may read the decision may read its letter.

use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::Principal;

use super::advances::advance;
use super::letters::{advance_letter_of, settlement_letter_of};
use super::settlements::settlement;

/// The advance's letter and its file name, for `who` (staff, or the proeftuin's region).
pub async fn advance_letter(
    state: &AppState,
    who: &Principal,
    advance_id: i32,
) -> Result<(String, Vec<u8>), DomainError> {
    let a = advance(state, who, advance_id).await?;
    advance_letter_of(&state.db, a).await
}

/// The settlement's letter and its file name.
pub async fn settlement_letter(
    state: &AppState,
    who: &Principal,
    settlement_id: i32,
) -> Result<(String, Vec<u8>), DomainError> {
    let d = settlement(state, who, settlement_id).await?;
    settlement_letter_of(&state.db, &d).await
}
