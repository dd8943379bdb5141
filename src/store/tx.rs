//! Write transactions: every use case that changes data opens its transaction here.
//!
//! One writer at a time. A write transaction first waits its turn at an in-process gate (fair, and
//! without holding a pooled connection), then takes the database's write lock at its start: `BEGIN
//! IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL (which also orders
//! writers of other processes). A transaction can therefore never read and then fail to upgrade to
//! a write lock (`SQLITE_BUSY_SNAPSHOT`, a serialization failure or a deadlock); when the start
//! itself meets a busy database (another process, a server that went away) it is retried a few
//! times, which is a retry of the whole transaction because nothing has run in it yet.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{DomainError, is_transient};

/// How long a writer waits for its turn before the request is answered 503.
const GATE_WAIT: Duration = Duration::from_secs(30);
/// Attempts at starting a transaction that meets a busy or unreachable database.
const START_ATTEMPTS: u32 = 4;
/// The key of PostgreSQL's advisory lock that orders writers (any fixed number; "tuinier" in
/// ASCII).
const PG_WRITE_LOCK: i64 = 0x0074_7569_6e69_6572;

/// The turn of writers, shared by everything that holds one `AppState`, the number of write
/// transactions committed through it (what in-memory read caches are keyed by), and the number of
/// those that changed the users table (what the memory of bearer tokens is keyed by).
#[derive(Clone, Default)]
pub struct WriteGate(Arc<Mutex<()>>, Arc<AtomicU64>, Arc<AtomicU64>);

impl WriteGate {
    /// How many write transactions have committed through this gate so far.
    pub fn generation(&self) -> u64 {
        self.1.load(Ordering::Acquire)
    }

    /// Moves whenever a write transaction that ran a statement on the users table has committed
    /// (after the commit), and with every [`WriteGate::bump`]: what is remembered of a token's user
    /// under one value was read from the users as they stood under it.
    pub fn users_generation(&self) -> u64 {
        self.2.load(Ordering::Acquire)
    }

    /// Counts a change made outside a write transaction (caches read from before it go stale).
    pub fn bump(&self) {
        self.1.fetch_add(1, Ordering::AcqRel);
        self.2.fetch_add(1, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for WriteGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteGate")
    }
}

/// An open write transaction holding the writers' turn until it commits, rolls back or is dropped.
pub struct WriteTx {
    txn: DatabaseTransaction,
    _turn: OwnedMutexGuard<()>,
    generation: Arc<AtomicU64>,
    users_generation: Arc<AtomicU64>,
    /// Set by a statement run through this transaction that names the users table and is not a
    /// plain `SELECT` (see [`touches_users`]).
    touched_users: AtomicBool,
}

/// A statement that may change the users table (any that names it, but a `SELECT`). Statements
/// reach it through this type's `ConnectionTrait`, which is what every `store` function is given
/// a `&WriteTx` as; one run on the inner transaction (a `&DatabaseTransaction` parameter) is not
/// seen, so a user's change goes through a `store::users` function called with the `WriteTx`.
fn touches_users(sql: &str) -> bool {
    sql.contains("users")
        && !sql.trim_start().get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select"))
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), DbErr> {
        let generation = self.generation.clone();
        // Counted before and after: a reader that started during the commit sees a change either way.
        generation.fetch_add(1, Ordering::AcqRel);
        let done = self.txn.commit().await;
        generation.fetch_add(1, Ordering::AcqRel);
        // After the commit: a token looked up before it was remembered under the old value.
        if self.touched_users.load(Ordering::Acquire) {
            self.users_generation.fetch_add(1, Ordering::AcqRel);
        }
        done
    }

    fn seen(&self, sql: &str) {
        if touches_users(sql) {
            self.touched_users.store(true, Ordering::Release);
        }
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Opens a write transaction: waits for the writers' turn, then takes the write lock at the start.
pub async fn write_tx(db: &DatabaseConnection, gate: &WriteGate) -> Result<WriteTx, DomainError> {
    let turn = tokio::time::timeout(GATE_WAIT, gate.0.clone().lock_owned())
        .await
        .map_err(|_| DomainError::Unavailable("the service is busy; try again shortly".into()))?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match begin_locked(db).await {
            Ok(txn) => {
                return Ok(WriteTx {
                    txn,
                    _turn: turn,
                    generation: gate.1.clone(),
                    users_generation: gate.2.clone(),
                    touched_users: AtomicBool::new(false),
                });
            }
            // Not after waiting for a pooled connection in vain: that wait was the retry.
            Err(e)
                if attempt < START_ATTEMPTS
                    && is_transient(&e)
                    && !matches!(e, DbErr::ConnectionAcquire(_)) =>
            {
                tracing::warn!(attempt, error = %e, "write transaction could not start; retrying");
                tokio::time::sleep(Duration::from_millis(50 * 2u64.pow(attempt))).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn begin_locked(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        DatabaseBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})"))
                .await?;
            Ok(txn)
        }
        _ => db.begin().await,
    }
}

/// Runs a whole use case again when it failed on a busy database, at most `attempts` times in all.
/// For use cases that may be repeated as a whole (their transaction rolled back on the error).
pub async fn retry<T, F, Fut>(attempts: u32, mut f: F) -> Result<T, DomainError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, DomainError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f().await {
            Err(DomainError::Unavailable(why)) if attempt < attempts => {
                tracing::warn!(attempt, reason = %why, "transaction met a busy database; running it again");
                tokio::time::sleep(Duration::from_millis(50 * 2u64.pow(attempt))).await;
            }
            other => return other,
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTx {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.seen(&stmt.sql);
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.seen(sql);
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.seen(&stmt.sql);
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.seen(&stmt.sql);
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectOptions, Database};

    async fn sqlite(path: &std::path::Path, busy: Duration) -> DatabaseConnection {
        let mut o = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
        o.max_connections(1).sqlx_logging(false);
        o.map_sqlx_sqlite_opts(move |s| s.busy_timeout(busy));
        Database::connect(o).await.unwrap()
    }

    #[tokio::test]
    async fn a_busy_database_and_a_unique_race_are_not_internal_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        let a = sqlite(&path, Duration::from_secs(5)).await;
        a.execute_unprepared("PRAGMA journal_mode = WAL; CREATE TABLE t (k TEXT PRIMARY KEY)")
            .await
            .unwrap();
        let b = sqlite(&path, Duration::ZERO).await;
        let gate = WriteGate::default();
        let held = write_tx(&a, &gate).await.unwrap();
        // Another process's writer: its start meets SQLITE_BUSY, which is transient and a 503.
        let busy = begin_locked(&b).await.unwrap_err();
        assert!(is_transient(&busy), "{busy}");
        assert!(matches!(DomainError::from(busy), DomainError::Unavailable(_)));
        held.execute_unprepared("INSERT INTO t VALUES ('x')").await.unwrap();
        held.commit().await.unwrap();
        // The same key twice: a conflict (409), not an internal error.
        let dup = a.execute_unprepared("INSERT INTO t VALUES ('x')").await.unwrap_err();
        assert!(!is_transient(&dup));
        assert!(matches!(DomainError::from(dup), DomainError::Conflict(_)));
    }

    #[tokio::test]
    async fn writers_take_turns_and_the_turn_ends_with_the_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir.path().join("t.sqlite"), Duration::from_secs(5)).await;
        let gate = WriteGate::default();
        let first = write_tx(&db, &gate).await.unwrap();
        assert!(gate.0.try_lock().is_err(), "the turn is held while the transaction is open");
        first.rollback().await.unwrap();
        assert!(gate.0.try_lock().is_ok(), "and given back when it ends");
    }

    #[tokio::test]
    async fn only_a_commit_that_wrote_users_moves_the_users_generation() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir.path().join("t.sqlite"), Duration::from_secs(5)).await;
        db.execute_unprepared("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
            .await
            .unwrap();
        db.execute_unprepared("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
            .await
            .unwrap();
        let gate = WriteGate::default();
        let run = |sql: &'static str| {
            let (db, gate) = (db.clone(), gate.clone());
            async move {
                let txn = write_tx(&db, &gate).await.unwrap();
                txn.execute_unprepared(sql).await.unwrap();
                txn.commit().await.unwrap();
            }
        };
        run("INSERT INTO notes (text) VALUES ('x')").await;
        run("SELECT name FROM \"users\"").await;
        assert_eq!(gate.users_generation(), 0);
        assert_eq!(gate.generation(), 4);
        run("UPDATE \"users\" SET name = 'y'").await;
        assert_eq!(gate.users_generation(), 1);
        let txn = write_tx(&db, &gate).await.unwrap();
        txn.execute_unprepared("INSERT INTO users (name) VALUES ('z')").await.unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(gate.users_generation(), 1, "a rollback changed nothing");
        gate.bump();
        assert_eq!(gate.users_generation(), 2);
    }

    #[tokio::test]
    async fn retry_runs_a_use_case_again_only_when_the_database_was_busy_and_only_so_often() {
        let mut calls = 0;
        let out = retry(3, || {
            calls += 1;
            let n = calls;
            async move { if n < 3 { Err(DomainError::Unavailable("busy".into())) } else { Ok(n) } }
        })
        .await;
        assert_eq!(out.unwrap(), 3);
        let mut calls = 0;
        let out: Result<(), _> = retry(2, || {
            calls += 1;
            async { Err(DomainError::Unavailable("busy".into())) }
        })
        .await;
        assert!(matches!(out, Err(DomainError::Unavailable(_))));
        assert_eq!(calls, 2);
        let mut calls = 0;
        let out: Result<(), _> = retry(5, || {
            calls += 1;
            async { Err(DomainError::Conflict("no".into())) }
        })
        .await;
        assert!(matches!(out, Err(DomainError::Conflict(_))));
        assert_eq!(calls, 1, "a conflict is an answer, not a reason to try again");
    }
}
