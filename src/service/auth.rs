//! Bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{Actor, AppState};
use crate::domain::digest::{hex, sha256_hex};
use crate::error::DomainError;
use crate::store::{self, read_cache::CacheKey};

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
    // Taken before the look-up: a token changed while it runs leaves the answer in a set that
    // is already stale.
    let known = known_tokens(state);
    if let Some(who) = known.fresh(&hash, state.remember_token) {
        return Ok(Some(who));
    }
    let Some(user) = store::users::by_token_hash(&state.db, &hash).await? else {
        return Ok(None);
    };
    if !constant_time_eq(user.token_hash.as_bytes(), hash.as_bytes()) {
        return Ok(None);
    }
    let Some(role) = Role::parse(&user.role) else {
        return Err(DomainError::internal(format!("user {} has an unknown role", user.id)));
    };
    let who = Principal { user_id: user.id, name: user.name, role, region_id: user.region_id };
    known.remember(hash, who.clone(), state.remember_token);
    Ok(Some(who))
}

/// How long a token's user is remembered after its look-up (`AppState::remember_token`). A token
/// changed through this process (rotated, say) stops working at once: every write transaction
/// that changed the users table and committed here moves the users generation
/// (`WriteGate::users_generation`) and drops what was remembered; other writes (a sheet, a form)
/// leave it. A token changed by another process on the same database stops working here within
/// this time.
pub use crate::store::REMEMBER_TOKEN;
const KNOWN_TOKENS: &str = "known_tokens";
/// At most this many tokens are remembered per users generation; past it they are looked up.
const MAX_KNOWN_TOKENS: usize = 10_000;

/// The users of tokens looked up since the last write to the users in this process, by token
/// hash, with the time of their look-up. Unknown tokens are never remembered: a new token works at once.
#[derive(Default)]
struct KnownTokens(Mutex<HashMap<String, (Instant, Principal)>>);

impl KnownTokens {
    fn fresh(&self, hash: &str, memory: Duration) -> Option<Principal> {
        let known = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (at, who) = known.get(hash)?;
        (at.elapsed() < memory).then(|| who.clone())
    }

    fn remember(&self, hash: String, who: Principal, memory: Duration) {
        let mut known = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if known.len() >= MAX_KNOWN_TOKENS {
            known.retain(|_, (at, _)| at.elapsed() < memory);
        }
        if known.len() < MAX_KNOWN_TOKENS {
            known.insert(hash, (Instant::now(), who));
        }
    }
}

/// The tokens remembered under this process's current users generation (a new, empty set when
/// it moved).
fn known_tokens(state: &AppState) -> Arc<KnownTokens> {
    let key = CacheKey { generation: state.writes.users_generation(), audit: -1 };
    if let Some(known) = state.reads.get::<KnownTokens>(KNOWN_TOKENS, 0, key) {
        return known;
    }
    let known = Arc::new(KnownTokens::default());
    state.reads.put(KNOWN_TOKENS, 0, key, known.clone());
    known
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
