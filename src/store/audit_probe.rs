//! The newest audit line as of now, for readers that check whether what they keep is current:
//! one statement serves every reader that asked before it started. A reader never takes the
//! answer of a statement that was already running when it asked (that one may have missed a
//! change committed just before), so each reader still sees every change committed before its
//! request, also one made by another process; under load, one statement answers many readers
//! instead of one each.

use std::sync::{Mutex, MutexGuard, PoisonError};

use entity::audit_log;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect};
use tokio::sync::Notify;

/// The statements reading the newest audit line: at most one at a time.
#[derive(Default)]
pub struct AuditProbe {
    probes: Mutex<Probes>,
    /// Woken when a statement ends (answered, failed or abandoned).
    ended: Notify,
}

#[derive(Default)]
struct Probes {
    /// Statements started so far: the number of the newest.
    started: u64,
    /// One is running now.
    running: bool,
    /// The newest statement that answered: its number and the audit line it read.
    answered: Option<(u64, i64)>,
}

/// Marks the running statement ended when dropped, also when its reader goes away mid-way.
struct Running<'a>(&'a AuditProbe);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.lock().running = false;
        self.0.ended.notify_waiters();
    }
}

impl AuditProbe {
    fn lock(&self) -> MutexGuard<'_, Probes> {
        self.probes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The newest audit line's id (0 without any), read by a statement that started after this
    /// call: either its own or one shared with readers that asked at about the same time.
    pub async fn newest<C: ConnectionTrait>(&self, db: &C) -> Result<i64, DbErr> {
        // Any statement numbered `need` or later started after this moment.
        let need = self.lock().started + 1;
        loop {
            let turn = {
                let mut probes = self.lock();
                if let Some((number, audit)) = probes.answered
                    && number >= need
                {
                    return Ok(audit);
                }
                if probes.running {
                    // Registered before the lock is let go: the end of the running statement
                    // cannot slip by unnoticed.
                    Err(self.ended.notified())
                } else {
                    probes.running = true;
                    probes.started += 1;
                    Ok(probes.started)
                }
            };
            match turn {
                Err(ended) => ended.await,
                Ok(number) => return self.read(db, number).await,
            }
        }
    }

    /// Runs the statement whose turn this reader took, and shares its answer.
    async fn read<C: ConnectionTrait>(&self, db: &C, number: u64) -> Result<i64, DbErr> {
        let _running = Running(self);
        let audit = latest_audit_id(db).await?;
        let mut probes = self.lock();
        if probes.answered.is_none_or(|(n, _)| n < number) {
            probes.answered = Some((number, audit));
        }
        drop(probes);
        Ok(audit)
    }
}

impl std::fmt::Debug for AuditProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditProbe")
    }
}

/// The id of the newest audit line (0 without any): one indexed look-up.
pub async fn latest_audit_id<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let newest: Option<i32> = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Id)
        .order_by_desc(audit_log::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(newest.map_or(0, i64::from))
}
