//! Runtime settings: where the database is, where to listen. Read from the command line or the
//! environment (`DATABASE_URL`, `TUINIER_BIND`).

use std::net::SocketAddr;

/// The embedded default: a SQLite file in the working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://tuinier.sqlite?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
}

/// SQLite URLs get `mode=rwc` so a missing file is created rather than refused.
pub fn normalise_database_url(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_string()
    }
}
