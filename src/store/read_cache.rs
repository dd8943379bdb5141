//! Computed read models kept in memory between requests (a call's outcome, say), each under the
//! key of the data it was computed from: the writes committed in this process and the newest
//! audit line (every change is audited in its own transaction, also one made by another process).
//! A key that moved means the entry is stale and is computed again, once: concurrent readers of
//! the same entry wait for the one computing it.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sea_orm::{ConnectionTrait, DbErr};
use tokio::sync::{Mutex as TurnLock, OwnedMutexGuard};

use super::audit_probe::AuditProbe;
pub use super::audit_probe::latest_audit_id;

/// What a cached entry was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheKey {
    /// Write transactions committed through this process's write gate.
    pub generation: u64,
    /// The newest audit line's id (0 without any).
    pub audit: i64,
}

type Slot = (&'static str, i32);
type Entry = (CacheKey, Arc<dyn Any + Send + Sync>);

/// The cache shared by everything that holds one `AppState`.
#[derive(Clone, Default)]
pub struct ReadCache {
    entries: Arc<Mutex<HashMap<Slot, Entry>>>,
    turns: Arc<Mutex<HashMap<Slot, Arc<TurnLock<()>>>>>,
    /// The newest audit line, read once for every reader that asked at about the same time.
    probe: Arc<AuditProbe>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadCache")
    }
}

impl ReadCache {
    /// The entry of `kind` for `id` when it was computed under `key`.
    pub fn get<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        id: i32,
        key: CacheKey,
    ) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (k, v) = entries.get(&(kind, id))?;
        if *k != key {
            return None;
        }
        v.clone().downcast::<T>().ok()
    }

    pub fn put<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        id: i32,
        key: CacheKey,
        value: Arc<T>,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert((kind, id), (key, value));
    }

    /// Keeps the entry of `kind` for `id` under `to` when it is under `from`: for a write that
    /// changed nothing the entry was computed from. Whether it moved.
    pub fn rekey(&self, kind: &'static str, id: i32, from: CacheKey, to: CacheKey) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get_mut(&(kind, id)) {
            Some((k, _)) if *k == from => {
                *k = to;
                true
            }
            _ => false,
        }
    }

    /// [`ReadCache::rekey`] for the entries of `kind` of every id; how many moved.
    pub fn rekey_all(&self, kind: &'static str, from: CacheKey, to: CacheKey) -> usize {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut moved = 0;
        for ((k, _), (key, _)) in entries.iter_mut() {
            if *k == kind && *key == from {
                *key = to;
                moved += 1;
            }
        }
        moved
    }

    /// Lets go of the entry of `kind` for `id` unless it was computed under `key`: a stale entry
    /// is not held beside the one computed to replace it (at 10,000 applications an outcome is
    /// some 100 MB).
    pub fn forget_stale(&self, kind: &'static str, id: i32, key: CacheKey) {
        let stale = {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            match entries.get(&(kind, id)) {
                Some((k, _)) if *k != key => entries.remove(&(kind, id)),
                _ => None,
            }
        };
        // Dropped outside the lock: freeing a large entry takes a while.
        drop(stale);
    }

    /// The key of what the database holds now: this process's write generation and the newest
    /// audit line, read by a statement that started after this call (see `store::audit_probe`),
    /// shared with the readers that asked at about the same time.
    pub async fn key_now<C: ConnectionTrait>(
        &self,
        db: &C,
        generation: u64,
    ) -> Result<CacheKey, DbErr> {
        Ok(CacheKey { generation, audit: self.probe.newest(db).await? })
    }

    /// The turn to compute the entry of `kind` for `id`: one computation at a time per entry.
    pub async fn turn(&self, kind: &'static str, id: i32) -> OwnedMutexGuard<()> {
        let lock = {
            let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
            turns.entry((kind, id)).or_default().clone()
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_entry_of_another_key_is_let_go() {
        let cache = ReadCache::default();
        let (a, b) = (CacheKey { generation: 1, audit: 5 }, CacheKey { generation: 2, audit: 5 });
        cache.put("outcome", 7, a, Arc::new(42_u32));
        cache.put("outcome", 8, a, Arc::new(43_u32));
        cache.forget_stale("outcome", 7, a);
        assert_eq!(cache.get::<u32>("outcome", 7, a).as_deref(), Some(&42));
        cache.forget_stale("outcome", 7, b);
        assert_eq!(cache.get::<u32>("outcome", 7, a), None);
        assert_eq!(cache.get::<u32>("outcome", 8, a).as_deref(), Some(&43), "another call's stays");
    }

    #[test]
    fn only_an_entry_under_the_key_it_is_moved_from_is_moved() {
        let cache = ReadCache::default();
        let (a, b, c) = (
            CacheKey { generation: 1, audit: 5 },
            CacheKey { generation: 3, audit: 6 },
            CacheKey { generation: 5, audit: 7 },
        );
        cache.put("outcome", 7, a, Arc::new(42_u32));
        assert!(!cache.rekey("outcome", 7, b, c), "not under b");
        assert_eq!(cache.get::<u32>("outcome", 7, c), None);
        assert!(cache.rekey("outcome", 7, a, b));
        assert_eq!(cache.get::<u32>("outcome", 7, a), None, "no longer under a");
        assert_eq!(cache.get::<u32>("outcome", 7, b).as_deref(), Some(&42));
        assert!(!cache.rekey("outcome", 8, a, b), "no entry");
        cache.put("outcome", 8, a, Arc::new(43_u32));
        cache.put("other", 8, a, Arc::new(44_u32));
        assert_eq!(cache.rekey_all("outcome", b, c), 1, "only the entry under b");
        assert_eq!(cache.get::<u32>("outcome", 7, c).as_deref(), Some(&42));
        assert_eq!(cache.get::<u32>("outcome", 8, a).as_deref(), Some(&43));
        assert_eq!(cache.get::<u32>("other", 8, a).as_deref(), Some(&44), "another kind stays");
    }
}
