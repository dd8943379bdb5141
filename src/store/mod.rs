//! All database access. Functions are generic over `ConnectionTrait`, so a service can run them
//! inside its own transaction.

pub mod applications;
pub mod assessment;
pub mod audit;
pub mod backup;
pub mod call_assessors;
pub mod calls;
pub mod demo;
pub mod documents;
pub mod monitoring;
pub mod letters;
pub mod regions;
pub mod users;

use migration::MigratorTrait;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::normalise_database_url;

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(normalise_database_url(url));
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One writer at a time on SQLite; a small pool avoids "database is locked" storms.
        options.max_connections(4);
    }
    let db = Database::connect(options).await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;")
            .await?;
    }
    Ok(db)
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
