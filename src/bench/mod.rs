//! `tuinier bench`: a synthetic call of N applications × K assessors (deterministic seed, the 2022
//! call's criteria) driven through the real HTTP API of `tuinier serve` running as a child process,
//! every step beside a floor measured in the same run. It prints one table and writes it as JSON.
//! A measurement, not a test: missed targets are printed, the exit status stays 0.

mod call;
mod floor;
mod load;
mod measure;
mod report;
mod server;
mod smtp;
mod steps;
mod synth;

use std::path::PathBuf;

pub use report::{Counts, Report, Row};

/// What `tuinier bench` is asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub applications: usize,
    pub assessors: usize,
    /// `postgres://...` (a fresh database is made in it), or `None`: a temporary SQLite file.
    pub database: Option<String>,
    pub json: Option<PathBuf>,
    pub seed: u64,
    /// Outcome reads (and `/health` reads for the floor).
    pub reads: u64,
    /// The longest the outcome reads may take, in seconds.
    pub read_seconds: u64,
    /// The `tuinier` binary to run as the server.
    pub exe: PathBuf,
}

type R<T> = Result<T, String>;

/// The databases of a run: the service's and the floors' scratch one, of the same kind.
struct Databases {
    service: String,
    scratch: String,
    /// PostgreSQL: (admin URL, database names) to drop at the end.
    drop: Option<(String, Vec<String>)>,
    kind: &'static str,
}

async fn databases(opts: &Options, dir: &std::path::Path) -> R<Databases> {
    let Some(url) = opts.database.as_deref().filter(|u| u.starts_with("postgres")) else {
        let file = |name: &str| format!("sqlite://{}?mode=rwc", dir.join(name).display());
        return Ok(Databases {
            service: file("bench.sqlite"),
            scratch: file("floor.sqlite"),
            drop: None,
            kind: "sqlite",
        });
    };
    use sea_orm::ConnectionTrait;
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    let names = vec![format!("tuinier_bench_{stamp}"), format!("tuinier_bench_{stamp}_floor")];
    let admin =
        admin(url).await.map_err(|e| format!("{}: {e}", crate::startup::redact_url(url)))?;
    for n in &names {
        admin
            .execute_unprepared(&format!("CREATE DATABASE {n}"))
            .await
            .map_err(|e| e.to_string())?;
    }
    admin.close().await.ok();
    let base = url.split('?').next().unwrap_or(url);
    let base = base.rsplit_once('/').map(|(b, _)| b).ok_or("the URL ends in /DBNAME")?;
    Ok(Databases {
        service: format!("{base}/{}", names[0]),
        scratch: format!("{base}/{}", names[1]),
        drop: Some((url.to_string(), names)),
        kind: "postgres",
    })
}

/// A connection to the server's maintenance database, without statement logs.
async fn admin(url: &str) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
    let mut options = sea_orm::ConnectOptions::new(url.to_string());
    options.sqlx_logging(false);
    sea_orm::Database::connect(options).await
}

async fn drop_databases(d: &Databases) {
    use sea_orm::ConnectionTrait;
    let Some((url, names)) = &d.drop else { return };
    if let Ok(admin) = admin(url).await {
        for n in names {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
                .await;
        }
        admin.close().await.ok();
    }
}

/// Runs the benchmark; prints the table; writes the JSON. An error means a step could not be done
/// (a refused request, a server that did not start), not a missed target.
pub async fn run(opts: Options) -> R<Report> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dbs = databases(&opts, dir.path()).await?;
    let started_at = chrono::Utc::now();
    println!(
        "tuinier bench: {} applications x {} assessors on {} (work in {})",
        opts.applications,
        opts.assessors,
        dbs.kind,
        dir.path().display()
    );
    let result = measure::all(&opts, &dbs.service, &dbs.scratch, dbs.kind, dir.path()).await;
    drop_databases(&dbs).await;
    let mut report = result?;
    report.started_at = started_at.to_rfc3339();
    report.database = dbs.kind.into();
    report.seed = opts.seed;
    report.driver_peak_rss = server::Memory::own().peak;
    println!();
    print!("{}", report.table());
    print!("{}", report.summary());
    let json = opts.json.clone().unwrap_or_else(|| {
        PathBuf::from("target/bench").join(format!("{}.json", started_at.format("%Y%m%dT%H%M%SZ")))
    });
    if let Some(parent) = json.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&json, text + "\n").map_err(|e| format!("{}: {e}", json.display()))?;
    println!("JSON written to {}", json.display());
    Ok(report)
}
