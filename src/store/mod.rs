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
        });
    }
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
