//! One application's outcome as the API last answered it, kept as its JSON bytes under the read
//! key it was computed under (see `store::read_cache`): while the key stands, the same request
//! gets the same bytes without reading the application or building the answer again.
//!
//! The key moves with every write committed through this process and every audited change, also
//! one made by another process on the same database. A read of an application whose answer is
//! kept checks the key with one statement shared by the readers that asked at about the same
//! time (`store::audit_probe`); a read of one without a kept answer is the full read
//! (`explained::explain`), whose answer the API then keeps. Who may read is checked on every
//! request before anything kept is looked at. What is kept is bounded (`MAX_KEPT_BYTES`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::explained::{Explained, explain};
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::{Principal, Role};
use crate::store::read_cache::CacheKey;

const KIND: &str = "kept_outcome";
/// The one slot of the kept answers in the read cache (it does not go stale: each answer has
/// its own key).
const SLOT: CacheKey = CacheKey { generation: u64::MAX, audit: i64::MIN };
/// At most this many bytes of answers are kept; past it stale ones are dropped, and while
/// still past it no more are kept.
pub const MAX_KEPT_BYTES: usize = 64 << 20;

/// The answers kept, by application id.
#[derive(Default)]
struct KeptOutcomes(Mutex<Kept>);

#[derive(Default)]
struct Kept {
    by_application: HashMap<i32, (CacheKey, Arc<[u8]>)>,
    bytes: usize,
    /// The call and key whose answers were last built ahead of their reads.
    ahead: Option<(i32, CacheKey)>,
}

impl KeptOutcomes {
    fn lock(&self) -> MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn holds(&self, application_id: i32) -> bool {
        self.lock().by_application.contains_key(&application_id)
    }

    fn get(&self, application_id: i32, key: CacheKey) -> Option<Arc<[u8]>> {
        let kept = self.lock();
        let (k, json) = kept.by_application.get(&application_id)?;
        (*k == key).then(|| json.clone())
    }

    /// Takes the turn to build the answers of `call_id` under `key` ahead of their reads:
    /// `false` when that was done (or begun) before.
    fn ahead(&self, call_id: i32, key: CacheKey) -> bool {
        let mut kept = self.lock();
        let first = kept.ahead != Some((call_id, key));
        kept.ahead = Some((call_id, key));
        first
    }

    /// Keeps an answer; `false` when there is no room left.
    fn put(&self, application_id: i32, key: CacheKey, json: &[u8]) -> bool {
        let mut kept = self.lock();
        if let Some((_, old)) = kept.by_application.remove(&application_id) {
            kept.bytes -= old.len();
        }
        if kept.bytes + json.len() > MAX_KEPT_BYTES {
            kept.by_application.retain(|_, (k, _)| *k == key);
            kept.bytes = kept.by_application.values().map(|(_, j)| j.len()).sum();
        }
        if kept.bytes + json.len() > MAX_KEPT_BYTES {
            return false;
        }
        kept.bytes += json.len();
        kept.by_application.insert(application_id, (key, Arc::from(json)));
        true
    }
}

fn kept_outcomes(state: &AppState) -> Arc<KeptOutcomes> {
    if let Some(kept) = state.reads.get::<KeptOutcomes>(KIND, 0, SLOT) {
        return kept;
    }
    let kept = Arc::new(KeptOutcomes::default());
    state.reads.put(KIND, 0, SLOT, kept.clone());
    kept
}

/// One application's outcome: the answer kept, or everything behind it to build the answer
/// from (and keep).
pub enum OutcomeRead {
    /// The JSON bytes of the answer, as built before under the key that still stands.
    Kept(Arc<[u8]>),
    Explained(Box<Explained>, Keep),
}

/// Where the answer built from an `Explained` is kept.
pub struct Keep {
    kept: Arc<KeptOutcomes>,
    application_id: i32,
    key: CacheKey,
}

/// Builds the JSON bytes of the answer from an explanation (the API's serialisation).
pub type BuildAnswer = fn(&Explained) -> Option<Vec<u8>>;

impl Keep {
    /// Keeps the answer built from `explained` (its JSON bytes, exactly as sent). The first
    /// answer of a call's published final decision under a key also starts building the answers
    /// of the call's other applications with `build`, in the background: once published, the
    /// answers change only with what the key follows, and each read then finds its answer kept.
    pub fn keep(
        self,
        state: &AppState,
        explained: Box<Explained>,
        json: &[u8],
        build: BuildAnswer,
    ) {
        self.kept.put(self.application_id, self.key, json);
        let call_id = explained.app.call_id;
        if explained.published() && self.kept.ahead(call_id, self.key) {
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(e) = keep_ahead(&state, &self.kept, &explained, build).await {
                    tracing::warn!(call_id, error = %e, "building the outcome answers ahead failed");
                }
            });
        }
    }
}

/// Applications whose answers are built between two turns given to other tasks.
const AHEAD_STEP: usize = 32;

/// Builds and keeps the answers of `explained`'s call's applications not kept under its key;
/// stops when a write in this process moves the key or there is no room left.
async fn keep_ahead(
    state: &AppState,
    kept: &KeptOutcomes,
    explained: &Explained,
    build: BuildAnswer,
) -> Result<(), DomainError> {
    let key = explained.key;
    let call = explained.whole_call(state).await?;
    let ids: Vec<i32> = call.ids().collect();
    for (i, id) in ids.into_iter().enumerate() {
        if i % AHEAD_STEP == 0 {
            tokio::task::yield_now().await;
            if state.writes.generation() != key.generation {
                return Ok(());
            }
        }
        if kept.get(id, key).is_some() {
            continue;
        }
        let Some(json) = call.explain(i).as_ref().and_then(build) else {
            continue;
        };
        if !kept.put(id, key, &json) {
            return Ok(());
        }
    }
    Ok(())
}

/// One application's outcome for `who`: 403 for anyone but staff (checked first, every time),
/// otherwise as `explained::explain`.
#[tracing::instrument(skip_all, fields(application_id = application_id))]
pub async fn outcome_read(
    state: &AppState,
    who: &Principal,
    application_id: i32,
) -> Result<OutcomeRead, DomainError> {
    who.require(&[Role::Staff])?;
    let kept = kept_outcomes(state);
    if kept.holds(application_id) {
        // Taken before the key's statement: a write committing while it runs moves the key.
        let generation = state.writes.generation();
        let key = state.reads.key_now(&state.db, generation).await?;
        if let Some(json) = kept.get(application_id, key) {
            return Ok(OutcomeRead::Kept(json));
        }
    }
    let explained = explain(state, who, application_id).await?;
    let keep = Keep { kept, application_id, key: explained.key };
    Ok(OutcomeRead::Explained(Box::new(explained), keep))
}
