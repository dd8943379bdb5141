//! All database access. Functions are generic over `ConnectionTrait`, so a service can run them
//! inside its own transaction.

pub mod applications;
pub mod assessment;
pub mod audit;
pub mod audit_probe;
pub mod backup;
pub mod bulk;
pub mod call_assessors;
pub mod calls;
pub mod demo;
pub mod documents;
pub mod finance;
pub mod letter_logos;
pub mod letters;
pub mod monitoring;
pub mod outcome_read;
pub mod read_cache;
pub mod regions;
pub mod sheet_memo;
pub mod sheet_write;
pub mod snapshots;
mod state;
pub mod tx;
pub mod users;

pub use state::{AppState, REMEMBER_TOKEN};
pub use tx::{WriteGate, WriteTx, retry, write_tx};

use migration::MigratorTrait;
use std::ffi::{c_int, c_void};
use std::ptr::null_mut;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::normalise_database_url;

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(normalise_database_url(url));
    options.sqlx_logging(false);
    // A request waits this long for a pooled connection (or for PostgreSQL to answer a new one)
    // before it is answered 503; the pool reconnects by itself when the server is back.
    options.acquire_timeout(Duration::from_secs(5)).connect_timeout(Duration::from_secs(3));
    if url.starts_with("sqlite:") {
        // Writers take turns anyway (`tx::write_tx`); a few connections serve the readers.
        options.max_connections(4);
        // An embedded file does not hang up: a ping before every checkout (sqlx's default) was
        // one more hand-off to the connection's thread per statement outside a transaction and
        // per transaction, a fifth of a sheet submission's.
        options.test_before_acquire(false);
        // On every pooled connection, not only the first: busy timeout, foreign keys, WAL.
        options.map_sqlx_sqlite_opts(|o| {
            o.busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                // Statement journals in memory: a multi-row statement inside a transaction
                // journals the pages it changes, and past 64 KiB SQLite wrote that journal to a
                // temporary file. `perf` of a publication (3,000 applications) found those writes
                // in 13% of the time its decision emails held the write lock.
                .pragma("temp_store", "memory")
        });
        options
            .map_sqlx_sqlite_pool_opts(|o| o.after_connect(|conn, _| Box::pin(stable_plans(conn))));
    }
    Database::connect(options).await
}

/// SQLite's `SQLITE_DBCONFIG_ENABLE_QPSG` (`sqlite3.h`): plans that do not depend on bound values.
const DBCONFIG_ENABLE_QPSG: c_int = 1007;

// The bundled SQLite that sqlx links (libsqlite3-sys); `sqlite3_db_config` has no wrapper in sqlx.
unsafe extern "C" {
    fn sqlite3_db_config(db: *mut c_void, op: c_int, ...) -> c_int;
}

/// Turns on SQLite's query planner stability guarantee on a new pooled connection. Without it,
/// SQLite (3.51) marks a prepared statement whose plan a bound value could change as expired at
/// its next binding: every `LIMIT ?` (sea-orm's `.one()`) and every value compared with a
/// partial index's condition. sqlx keeps its statements prepared per connection, and each such
/// one was parsed and planned again at every run: `sqlite3Reprepare` took 12.6% of the server's
/// time in `perf` of the bench's intake. Our plans never depend on a bound value (there are no
/// `ANALYZE` statistics either).
async fn stable_plans(
    conn: &mut sea_orm::sqlx::SqliteConnection,
) -> Result<(), sea_orm::sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr().cast::<c_void>();
    // SAFETY: the handle is locked out of its worker thread for this call; the option takes an
    // int and an int pointer, which may be null.
    let rc =
        unsafe { sqlite3_db_config(db, DBCONFIG_ENABLE_QPSG, 1 as c_int, null_mut::<c_int>()) };
    if rc != 0 {
        return Err(sea_orm::sqlx::Error::Protocol(format!(
            "sqlite3_db_config(QPSG) answered {rc}"
        )));
    }
    Ok(())
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_pooled_sqlite_connection_keeps_its_plans_whatever_the_bound_values() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.sqlite").display());
        let ours = connect(&url).await.unwrap();
        // More connections than the first: each one the pool opens is set up.
        let held: Vec<_> = three_held(&ours).await;
        assert!(stable_plans_on(&ours).await);
        drop(held);
        // The check can tell: a pool opened without the set-up reports the guarantee off.
        let mut plain = ConnectOptions::new(url.clone());
        plain.sqlx_logging(false);
        let plain = Database::connect(plain).await.unwrap();
        assert!(!stable_plans_on(&plain).await);
    }

    #[tokio::test]
    async fn every_pooled_sqlite_connection_keeps_statement_journals_in_memory() {
        use sea_orm::{ConnectionTrait, Statement};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.sqlite").display());
        let temp_store = |db: DatabaseConnection| async move {
            let pragma = Statement::from_string(db.get_database_backend(), "PRAGMA temp_store");
            let row = db.query_one_raw(pragma).await.unwrap().unwrap();
            row.try_get_by_index::<i32>(0).unwrap()
        };
        let ours = connect(&url).await.unwrap();
        let held = three_held(&ours).await;
        // 2 is MEMORY (0 the default, files).
        assert_eq!(temp_store(ours.clone()).await, 2);
        drop(held);
        let mut plain = ConnectOptions::new(url.clone());
        plain.sqlx_logging(false);
        assert_eq!(temp_store(Database::connect(plain).await.unwrap()).await, 0);
    }

    /// Whether a pooled connection of this SQLite pool has the planner stability guarantee on.
    async fn stable_plans_on(db: &DatabaseConnection) -> bool {
        let mut conn = db.get_sqlite_connection_pool().acquire().await.unwrap();
        let mut handle = conn.lock_handle().await.unwrap();
        let db = handle.as_raw_handle().as_ptr().cast::<c_void>();
        let mut on: c_int = -1;
        // SAFETY: as in `stable_plans`; a negative first int only reads the setting into `on`.
        let rc = unsafe { sqlite3_db_config(db, DBCONFIG_ENABLE_QPSG, -1 as c_int, &raw mut on) };
        assert_eq!(rc, 0, "sqlite3_db_config(QPSG)");
        on == 1
    }

    /// Three of the pool's connections, held, so the next acquisition opens another one.
    async fn three_held(
        db: &DatabaseConnection,
    ) -> Vec<sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Sqlite>> {
        let pool = db.get_sqlite_connection_pool();
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(pool.acquire().await.unwrap());
        }
        held
    }
}
