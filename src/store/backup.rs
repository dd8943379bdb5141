//! The database side of backups: a consistent copy of a live SQLite database (`VACUUM INTO`, safe
//! while the service runs) and a look at a database file to see whether it is Tuinier's.

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// What a database holds, enough to tell a Tuinier database from another file and an empty one
/// from one in use.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub migrations: u64,
    pub calls: u64,
    pub users: u64,
    pub applications: u64,
    /// `PRAGMA integrity_check` answered `ok`.
    pub intact: bool,
}

impl Facts {
    /// Migrated by Tuinier: its migration table and its tables are there.
    pub fn is_tuinier(&self) -> bool {
        self.migrations > 0
    }

    pub fn is_empty(&self) -> bool {
        self.calls == 0 && self.users == 0 && self.applications == 0
    }
}

async fn count<C: ConnectionTrait>(db: &C, sql: &str) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let row = db.query_one_raw(Statement::from_string(backend, sql.to_string())).await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

async fn table_exists<C: ConnectionTrait>(db: &C, name: &str) -> Result<bool, DbErr> {
    Ok(count(
        db,
        &format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}'"),
    )
    .await?
        > 0)
}

/// Looks at a SQLite database (opened read-only by the caller).
pub async fn inspect<C: ConnectionTrait>(db: &C) -> Result<Facts, DbErr> {
    let mut facts = Facts::default();
    let backend = db.get_database_backend();
    let check = db
        .query_one_raw(Statement::from_string(backend, "PRAGMA integrity_check".to_string()))
        .await?;
    facts.intact =
        check.map(|r| r.try_get_by_index::<String>(0)).transpose()?.as_deref() == Some("ok");
    if table_exists(db, "seaql_migrations").await? {
        facts.migrations = count(db, "SELECT COUNT(*) FROM seaql_migrations").await?;
    }
    for (table, slot) in [
        ("calls", &mut facts.calls),
        ("users", &mut facts.users),
        ("applications", &mut facts.applications),
    ] {
        if table_exists(db, table).await? {
            *slot = count(db, &format!("SELECT COUNT(*) FROM {table}")).await?;
        } else if table == "calls" {
            // Without its tables it is not Tuinier's, whatever a migration table says.
            facts.migrations = 0;
        }
    }
    Ok(facts)
}

/// Writes a consistent copy of the whole database to `path` (which must not exist), in one read
/// transaction: writers carry on meanwhile.
pub async fn vacuum_into<C: ConnectionTrait>(db: &C, path: &str) -> Result<(), DbErr> {
    db.execute_unprepared(&format!("VACUUM INTO '{}'", path.replace('\'', "''"))).await?;
    Ok(())
}
