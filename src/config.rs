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

/// The programme's letter settings, which a call without its own takes (see `service::letters`).
/// Each can be replaced from the environment; an empty value there leaves the setting missing,
/// and the service then refuses to issue letters until a call sets it.
#[derive(Debug, Clone)]
pub struct LetterDefaults {
    pub issuing_body: String,
    pub legal_basis: String,
    pub awb_articles: String,
    pub objection_address: String,
    pub signatory: String,
    pub signatory_function: String,
    pub return_address: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub advance_percent: u32,
    pub report_weeks: u32,
    pub settlement_weeks: u32,
}

/// Each default is replaced by `TUINIER_LETTER_<NAME>` (e.g. `TUINIER_LETTER_SIGNATORY`); a number
/// that does not parse counts as missing.
pub fn letter_defaults() -> LetterDefaults {
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    let number = |name: &str, default: u32| {
        std::env::var(name).map_or(default, |v| v.trim().parse().unwrap_or(0))
    };
    LetterDefaults {
        issuing_body: var("TUINIER_LETTER_ISSUING_BODY", "De Minister voor Rechtsbescherming"),
        legal_basis: var(
            "TUINIER_LETTER_LEGAL_BASIS",
            "de Regeling subsidie proeftuinen Toekomstscenario Kind- en Gezinsbescherming en de leidraad van deze tranche",
        ),
        awb_articles: var(
            "TUINIER_LETTER_AWB_ARTICLES",
            "titel 4.2 van de Algemene wet bestuursrecht, in het bijzonder de artikelen 4:23, 4:25 en 4:29",
        ),
        objection_address: var(
            "TUINIER_LETTER_OBJECTION_ADDRESS",
            "Ministerie van Justitie en Veiligheid, Directie Wetgeving en Juridische Zaken\nPostbus 20301\n2500 EH Den Haag",
        ),
        signatory: var("TUINIER_LETTER_SIGNATORY", "De programmadirecteur"),
        signatory_function: var(
            "TUINIER_LETTER_SIGNATORY_FUNCTION",
            "Toekomstscenario kind- en gezinsbescherming",
        ),
        return_address: var("TUINIER_LETTER_RETURN_ADDRESS", "Postbus 20301, 2500 EH Den Haag"),
        contact_name: var(
            "TUINIER_LETTER_CONTACT_NAME",
            "Programmabureau Toekomstscenario kind- en gezinsbescherming",
        ),
        contact_email: var(
            "TUINIER_LETTER_CONTACT_EMAIL",
            "programmabureau@toekomstscenario.example",
        ),
        contact_phone: var("TUINIER_LETTER_CONTACT_PHONE", "070 370 79 11"),
        advance_percent: number("TUINIER_LETTER_ADVANCE_PERCENT", 50),
        report_weeks: number("TUINIER_LETTER_REPORT_WEEKS", 6),
        settlement_weeks: number("TUINIER_LETTER_SETTLEMENT_WEEKS", 22),
    }
}

/// Mail delivery and the scheduler, as `serve` runs them.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465` (TLS) or
    /// `smtp://host:25` (none); without it, messages go to `outbox_dir` as `.eml` files.
    pub smtp_url: Option<String>,
    pub outbox_dir: std::path::PathBuf,
    pub from: String,
    pub reply_to: Option<String>,
    pub max_attempts: i32,
    /// How often the scheduler queues what is due.
    pub scheduler_interval: std::time::Duration,
    /// How often the worker looks for due mail.
    pub worker_interval: std::time::Duration,
}

pub const DEFAULT_OUTBOX_DIR: &str = "outbox";
pub const DEFAULT_SCHEDULER_INTERVAL_SECS: u64 = 30;
pub const DEFAULT_WORKER_INTERVAL_SECS: u64 = 5;
pub const DEFAULT_MAIL_MAX_ATTEMPTS: i32 = 8;
