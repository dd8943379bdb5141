//! Bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash.

use super::{Actor, AppState};
use crate::domain::digest::{hex, sha256_hex};
use crate::error::DomainError;
use crate::store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Staff,
    Assessor,
    Region,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Assessor => "assessor",
            Role::Region => "region",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "staff" => Some(Role::Staff),
            "assessor" => Some(Role::Assessor),
            "region" => Some(Role::Region),
            _ => None,
        }
    }
}

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i32,
    pub name: String,
    pub role: Role,
    /// Set for region users: the one region they act for.
    pub region_id: Option<i32>,
}

impl Principal {
    /// Refuses (403) anyone whose role is not among `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), DomainError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "this action is not open to the {} role",
                self.role.as_str()
            )))
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            label: format!("{}:{} ({})", self.role.as_str(), self.user_id, self.name),
        }
    }
}

const TOKEN_PREFIX: &str = "tnr_";

pub fn new_token() -> Result<String, DomainError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| DomainError::internal(e.to_string()))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex(&bytes)))
}

pub fn hash_token(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Compares without an early exit, so the time taken says nothing about where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `Ok(None)` for an unknown token (401); `Err` only when the database fails.
#[tracing::instrument(skip_all)]
pub async fn authenticate(state: &AppState, token: &str) -> Result<Option<Principal>, DomainError> {
    // The lookup is by hash, so the secret never meets a variable-time comparison; the final
    // check is constant-time for good measure.
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let hash = hash_token(token);
    let Some(user) = store::users::by_token_hash(&state.db, &hash).await? else {
        return Ok(None);
    };
    if !constant_time_eq(user.token_hash.as_bytes(), hash.as_bytes()) {
        return Ok(None);
    }
    let Some(role) = Role::parse(&user.role) else {
        return Err(DomainError::internal(format!("user {} has an unknown role", user.id)));
    };
    Ok(Some(Principal { user_id: user.id, name: user.name, role, region_id: user.region_id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
