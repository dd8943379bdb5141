//! `tuinier backup` and `tuinier restore`. On SQLite a backup is a consistent copy made with
//! `VACUUM INTO` while the service runs; a restore puts such a copy in place of an empty (or,
//! with `force`, any) database and brings it up to this version's migrations. On PostgreSQL
//! `pg_dump` and `pg_restore` do this job; the commands say so.

use std::path::{Path, PathBuf};

use crate::error::DomainError;
use crate::store::{self, backup::Facts};

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

pub const POSTGRES_BACKUP: &str = "on PostgreSQL, back up with pg_dump: \
     pg_dump --format=custom --file=tuinier.dump \"$DATABASE_URL\" \
     (consistent while the service runs)";
pub const POSTGRES_RESTORE: &str = "on PostgreSQL, restore with pg_restore into an empty database: \
     createdb tuinier_restored && pg_restore --no-owner --dbname=postgres://USER:PASS@HOST/tuinier_restored tuinier.dump; \
     then point DATABASE_URL at it (tuinier migrate brings it up to date)";

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The file of a `sqlite://FILE?...` or `sqlite:FILE` URL.
pub fn sqlite_path(url: &str) -> Result<PathBuf, DomainError> {
    let rest =
        url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
            DomainError::BadRequest(format!("not a SQLite or PostgreSQL database URL: {url}"))
        })?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Err(DomainError::BadRequest(
            "an in-memory database has no file to back up or restore".into(),
        ));
    }
    Ok(PathBuf::from(path))
}

fn readonly_url(path: &Path) -> String {
    format!("sqlite://{}?mode=ro", path.display())
}

/// Opens a SQLite file read-only and looks at it; refuses anything that is not a Tuinier database.
#[tracing::instrument(skip_all)]
pub async fn inspect_file(path: &Path) -> Result<Facts, DomainError> {
    let mut header = [0u8; 16];
    let readable =
        std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header));
    if readable.is_err() || &header != SQLITE_HEADER {
        return Err(DomainError::BadRequest(format!(
            "{} is not a SQLite database",
            path.display()
        )));
    }
    let db = sea_orm::Database::connect(readonly_url(path)).await?;
    let facts = store::backup::inspect(&db).await;
    db.close().await.ok();
    let facts = facts?;
    if !facts.is_tuinier() {
        return Err(DomainError::BadRequest(format!(
            "{} is a SQLite database, but not Tuinier's",
            path.display()
        )));
    }
    if !facts.intact {
        return Err(DomainError::BadRequest(format!(
            "{} fails SQLite's integrity check",
            path.display()
        )));
    }
    Ok(facts)
}

/// Copies the database of `url` to `to`, consistently, while the service may run.
#[tracing::instrument(skip_all)]
pub async fn backup(url: &str, to: &Path) -> Result<Facts, DomainError> {
    if is_postgres(url) {
        return Err(DomainError::BadRequest(POSTGRES_BACKUP.into()));
    }
    sqlite_path(url)?;
    if std::fs::metadata(to).is_ok_and(|m| m.len() > 0) {
        return Err(DomainError::Conflict(format!(
            "{} exists already; a backup never overwrites a file",
            to.display()
        )));
    }
    let db = store::connect(url).await?;
    let target = to
        .to_str()
        .ok_or_else(|| DomainError::BadRequest("the backup path is not valid UTF-8".into()))?;
    // An empty file left by a caller (e.g. a temp file) would make VACUUM INTO refuse.
    if std::fs::metadata(to).is_ok() {
        std::fs::remove_file(to).map_err(DomainError::internal)?;
    }
    let done = store::backup::vacuum_into(&db, target).await;
    db.close().await.ok();
    done?;
    inspect_file(to).await
}

/// Puts the backup `from` in place of the database of `url`. Refuses a target that holds data
/// unless `force`; stop the service on that database first.
#[tracing::instrument(skip_all, fields(force = force))]
pub async fn restore(from: &Path, url: &str, force: bool) -> Result<Facts, DomainError> {
    if is_postgres(url) {
        return Err(DomainError::BadRequest(POSTGRES_RESTORE.into()));
    }
    let target = sqlite_path(url)?;
    let facts = inspect_file(from).await?;
    if std::fs::metadata(&target).is_ok_and(|m| m.len() > 0) {
        let existing = match inspect_file(&target).await {
            Ok(f) => f,
            Err(_) if force => Facts::default(),
            Err(e) => {
                return Err(DomainError::Conflict(format!("{}; use --force to overwrite it", e)));
            }
        };
        if !existing.is_empty() && !force {
            return Err(DomainError::Conflict(format!(
                "{} holds {} call(s), {} user(s) and {} application(s); use --force to overwrite it",
                target.display(),
                existing.calls,
                existing.users,
                existing.applications
            )));
        }
    }
    // Copy beside the target, then swap it in; the old database's WAL must not outlive it.
    let mut partial = target.clone().into_os_string();
    partial.push(".restoring");
    let partial = PathBuf::from(partial);
    std::fs::copy(from, &partial).map_err(DomainError::internal)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(DomainError::internal(e)),
        }
    }
    std::fs::rename(&partial, &target).map_err(DomainError::internal)?;
    // A backup of an older version is brought up to this version's schema.
    let db = store::connect(url).await?;
    let migrated = store::migrate(&db).await;
    db.close().await.ok();
    migrated?;
    Ok(facts)
}
