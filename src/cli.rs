//! The `tuinier` command line.

use std::net::SocketAddr;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::clock::{DemoClock, SystemClock};
use crate::config::{DEFAULT_BIND, DEFAULT_DATABASE_URL};
use crate::service::{self, Actor};
use crate::startup;

#[derive(Parser)]
#[command(
    name = "tuinier",
    version,
    about = "Grant and programme administration for the proeftuinen"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Clone)]
pub struct DatabaseArg {
    /// Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database: String,
}

/// Mail delivery and the scheduler.
#[derive(clap::Args, Clone)]
pub struct MailArgs {
    /// SMTP server: smtp://USER:PASS@HOST:587?tls=required (STARTTLS), smtps://USER:PASS@HOST:465
    /// (TLS), smtp://HOST:25 (no TLS). Without it, mail is written as .eml files to --outbox-dir
    #[arg(long, env = "TUINIER_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Where mail goes as .eml files when no SMTP server is configured
    #[arg(long, env = "TUINIER_OUTBOX_DIR", default_value = crate::config::DEFAULT_OUTBOX_DIR)]
    pub outbox_dir: std::path::PathBuf,
    /// The From of every email
    #[arg(long, env = "TUINIER_MAIL_FROM", default_value = crate::mail::worker::DEFAULT_FROM)]
    pub mail_from: String,
    /// The Reply-To of every email (e.g. the programme office's mailbox), if replies go elsewhere
    #[arg(long, env = "TUINIER_MAIL_REPLY_TO")]
    pub mail_reply_to: Option<String>,
    /// After this many failed delivery attempts an email is marked failed (staff can re-queue it)
    #[arg(long, env = "TUINIER_MAIL_MAX_ATTEMPTS", default_value_t = crate::config::DEFAULT_MAIL_MAX_ATTEMPTS)]
    pub mail_max_attempts: i32,
    /// Seconds between scheduler runs (reminders)
    #[arg(long, env = "TUINIER_SCHEDULER_INTERVAL", default_value_t = crate::config::DEFAULT_SCHEDULER_INTERVAL_SECS)]
    pub scheduler_interval: u64,
    /// Seconds between looks for due mail
    #[arg(long, env = "TUINIER_MAIL_INTERVAL", default_value_t = crate::config::DEFAULT_WORKER_INTERVAL_SECS)]
    pub mail_interval: u64,
}

/// Sign-in hygiene: how many failed token attempts a client address may make at once, and how
/// fast it earns one back (after that: 429 with Retry-After).
#[derive(clap::Args, Clone)]
pub struct SignInArgs {
    #[arg(long, env = "TUINIER_AUTH_FAILURE_BURST", default_value_t = 30)]
    pub auth_failure_burst: u32,
    /// Milliseconds per failed attempt earned back
    #[arg(long, env = "TUINIER_AUTH_FAILURE_REFILL_MS", default_value_t = 2000)]
    pub auth_failure_refill_ms: u64,
}

impl SignInArgs {
    pub fn settings(&self) -> crate::api::sign_in::ThrottleSettings {
        crate::api::sign_in::ThrottleSettings {
            burst: self.auth_failure_burst,
            refill_every: std::time::Duration::from_millis(self.auth_failure_refill_ms),
        }
    }
}

impl MailArgs {
    pub fn config(&self) -> crate::config::MailConfig {
        crate::config::MailConfig {
            smtp_url: self.smtp_url.clone().filter(|u| !u.is_empty()),
            outbox_dir: self.outbox_dir.clone(),
            from: self.mail_from.clone(),
            reply_to: self.mail_reply_to.clone().filter(|r| !r.trim().is_empty()),
            max_attempts: self.mail_max_attempts.max(1),
            scheduler_interval: std::time::Duration::from_secs(self.scheduler_interval.max(1)),
            worker_interval: std::time::Duration::from_secs(self.mail_interval.max(1)),
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Runs the service
    Serve {
        #[arg(long, env = "TUINIER_BIND", default_value = DEFAULT_BIND)]
        bind: SocketAddr,
        #[command(flatten)]
        db: DatabaseArg,
        /// Seeds the demo data (the 2022 call, its assessors and regions) and prints a token per
        /// demo user
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        mail: MailArgs,
        #[command(flatten)]
        sign_in: SignInArgs,
        /// Seconds a request may take before it is answered 503 (and its work stopped)
        #[arg(long, env = "TUINIER_REQUEST_TIMEOUT", default_value_t = crate::api::guard::REQUEST_TIMEOUT.as_secs())]
        request_timeout: u64,
    },
    /// Prints the OpenAPI document
    Openapi,
    /// Measures a synthetic call of N applications x K assessors through the real HTTP API of a
    /// `serve` child process, each step beside a floor measured in the same run; prints a table
    /// and writes it as JSON (a measurement: missed targets do not change the exit status).
    /// `bench letters` times the letters alone.
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        #[command(subcommand)]
        command: Option<BenchCommand>,
        #[command(flatten)]
        args: BenchArgs,
    },
    /// Runs the database migrations
    Migrate {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Rehearses calls from scenario files
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
    /// Copies the database to FILE, consistently, while the service may run (SQLite; on
    /// PostgreSQL it explains pg_dump)
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Puts a backup in place of the database (stop the service first); refuses a database that
    /// holds data unless --force (SQLite; on PostgreSQL it explains pg_restore)
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Recomputes every published outcome from the stored sheets and decisions and compares it with
    /// what was published; prints each difference and exits non-zero when there is one
    Verify {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Manages users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
pub enum ScenarioCommand {
    /// Runs a whole call from a scenario file on a fresh temporary database and writes
    /// DIR/outcome.json
    Run {
        file: std::path::PathBuf,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// `tuinier bench`: the size of the synthetic call and where it runs.
#[derive(clap::Args, Clone)]
pub struct BenchArgs {
    /// Applications (regions) in the call
    #[arg(long, default_value_t = 10_000)]
    pub applications: usize,
    /// Assessors, each scoring every application
    #[arg(long, default_value_t = 5)]
    pub assessors: usize,
    /// postgres://USER:PASS@HOST/DB to run on PostgreSQL (fresh databases are made there and
    /// dropped after); without it, a fresh temporary SQLite file
    #[arg(long)]
    pub database: Option<String>,
    /// Where the JSON goes (default target/bench/<timestamp>.json)
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
    /// The seed of the generated data
    #[arg(long, default_value_t = 2022)]
    pub seed: u64,
    /// Outcome reads (and /health reads for their floor), over 16 connections
    #[arg(long, default_value_t = 20_000)]
    pub reads: u64,
    /// The longest the outcome reads may take, in seconds (what is left is reported)
    #[arg(long, default_value_t = 30)]
    pub read_seconds: u64,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Generates the letters of a synthetic call and prints the time per 100 letters
    Letters {
        /// How many applications (letters)
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Adds a user and prints its token (the way to bootstrap a fresh database)
    Add {
        #[arg(long, value_parser = ["staff", "assessor", "region"])]
        role: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        organisation: Option<String>,
        /// For a region user: the ref of its region
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

type CliResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Openapi => openapi().await,
        Command::Scenario { command: ScenarioCommand::Run { file, out } } => {
            scenario_run(&file, &out).await
        }
        Command::Bench { command: Some(BenchCommand::Letters { count }), .. } => {
            bench_letters(count).await
        }
        Command::Bench { command: None, args } => bench(args).await,
        Command::Migrate { db } => {
            startup::prepare(&db.database, Arc::new(SystemClock)).await?;
            println!("migrations applied to {}", redact(&db.database));
            Ok(())
        }
        Command::Backup { to, db } => backup(&db.database, &to).await,
        Command::Restore { from, force, db } => restore(&from, &db.database, force).await,
        Command::Verify { db } => verify(&db.database).await,
        Command::User {
            command: UserCommand::Add { role, name, email, organisation, region, db },
        } => {
            let user = service::users::NewUser {
                name,
                email,
                role,
                organisation,
                reference: None,
                region,
            };
            user_add(&db.database, user).await
        }
        Command::Serve { bind, db, demo, mail, sign_in, request_timeout } => {
            let limits = crate::api::guard::Limits {
                timeout: std::time::Duration::from_secs(request_timeout.max(1)),
                ..Default::default()
            };
            let options =
                startup::ServeOptions { sign_in: sign_in.settings(), limits, ..Default::default() };
            if demo {
                serve_demo(&db.database, bind, &mail, options).await
            } else {
                serve(&db.database, bind, &mail, options).await
            }
        }
    }
}

async fn openapi() -> CliResult {
    // The spec does not depend on the database; an in-memory one satisfies the state.
    let state = startup::prepare("sqlite::memory:", Arc::new(SystemClock)).await?;
    print!("{}", crate::api::spec_json(state));
    Ok(())
}

async fn scenario_run(file: &std::path::Path, out: &std::path::Path) -> CliResult {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let scenario: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    crate::scenario::run(&scenario, None, Some(out)).await?;
    println!("outcome written to {}", out.join("outcome.json").display());
    Ok(())
}

async fn bench(args: BenchArgs) -> CliResult {
    let options = crate::bench::Options {
        applications: args.applications,
        assessors: args.assessors,
        database: args.database,
        json: args.json,
        seed: args.seed,
        reads: args.reads,
        read_seconds: args.read_seconds,
        exe: std::env::current_exe()?,
    };
    crate::bench::run(options).await?;
    Ok(())
}

async fn bench_letters(count: usize) -> CliResult {
    let r = tokio::task::spawn_blocking(move || service::letters::bench::run(count))
        .await?
        .map_err(describe)?;
    println!("letters:              {}", r.letters);
    println!("total:                {:.3} s", r.total.as_secs_f64());
    println!("per 100 letters:      {:.3} s  (target: under 1 s)", r.per_100.as_secs_f64());
    println!("baseline (plain page): {:.2} ms", r.baseline_page.as_secs_f64() * 1000.0);
    println!("one letter / baseline: {:.2}", r.ratio_to_baseline);
    println!("average letter size:  {} bytes", r.average_bytes);
    Ok(())
}

async fn backup(database: &str, to: &std::path::Path) -> CliResult {
    let facts = service::backup::backup(database, to).await.map_err(describe)?;
    println!(
        "backup of {} written to {} ({} calls, {} applications, {} users)",
        redact(database),
        to.display(),
        facts.calls,
        facts.applications,
        facts.users
    );
    Ok(())
}

async fn restore(from: &std::path::Path, database: &str, force: bool) -> CliResult {
    let facts = service::backup::restore(from, database, force).await.map_err(describe)?;
    println!(
        "{} restored into {} ({} calls, {} applications, {} users); migrations applied",
        from.display(),
        redact(database),
        facts.calls,
        facts.applications,
        facts.users
    );
    Ok(())
}

async fn verify(database: &str) -> CliResult {
    let conn = crate::store::connect(database).await?;
    let report = service::verify::run(&conn).await.map_err(describe)?;
    for d in &report.differences {
        println!("{d}");
    }
    if !report.differences.is_empty() {
        return Err(format!(
            "{} difference(s) between the published outcomes and the stored data",
            report.differences.len()
        )
        .into());
    }
    println!("{} published outcome(s) verified: no difference", report.outcomes);
    Ok(())
}

async fn user_add(database: &str, user: service::users::NewUser) -> CliResult {
    let state = startup::prepare(database, Arc::new(SystemClock)).await?;
    let created =
        service::users::add(&state, &Actor::system("cli"), user).await.map_err(describe)?;
    println!("user {} ({}) created; token (shown once):", created.user.id, created.user.role);
    println!("{}", created.token);
    Ok(())
}

async fn serve(
    database: &str,
    bind: SocketAddr,
    mail: &MailArgs,
    options: startup::ServeOptions,
) -> CliResult {
    let state = startup::prepare(database, Arc::new(SystemClock)).await?;
    let (background, mail_target) = startup::spawn_background(state.clone(), &mail.config())?;
    let server = startup::spawn_with(state, bind, options).await?;
    println!(
        "Tuinier listens on http://{addr} (the API at http://{addr}/v1, its docs at /docs); \
         mail goes to {mail_target}",
        addr = server.addr
    );
    tokio::signal::ctrl_c().await?;
    server.stop().await;
    background.stop().await;
    Ok(())
}

async fn serve_demo(
    database: &str,
    bind: SocketAddr,
    mail: &MailArgs,
    options: startup::ServeOptions,
) -> CliResult {
    // The demo runs on its rehearsal clock: the real time plus what staff moved it by.
    let clock = DemoClock::new(chrono::TimeDelta::zero());
    let state = startup::prepare(database, Arc::new(clock.clone())).await?;
    if let Some(offset) = service::demo_clock::stored_offset(&state).await.map_err(describe)? {
        let _ = clock.advance_to(chrono::Utc::now() + offset);
    }
    let tokens_file = crate::demo::tokens_path(database);
    let seeded = crate::demo::seed(&state, &tokens_file).await.map_err(describe)?;
    print_demo(&seeded, &state);
    let (background, mail_target) = startup::spawn_background(state.clone(), &mail.config())?;
    let server =
        startup::spawn_with(state, bind, startup::ServeOptions { demo: Some(clock), ..options })
            .await?;
    println!(
        "Tuinier listens on http://{addr} (the API at http://{addr}/v1, its docs at /docs); \
         mail goes to {mail_target}",
        addr = server.addr
    );
    tokio::signal::ctrl_c().await?;
    server.stop().await;
    background.stop().await;
    Ok(())
}

/// The demo's users: who, which role and region, what each can do, and the token.
fn print_demo(seeded: &crate::demo::Seeded, state: &service::AppState) {
    let file = seeded.tokens_file.display();
    println!(
        "Demo data ready (now: {}). Tokens are kept in {file} (mode 0600) while this database exists;",
        crate::domain::dutch::date_time(state.now())
    );
    println!("load them into a shell with `. {file}`:");
    for l in &seeded.logins {
        let region = l.region.as_deref().map(|r| format!(", region {r}")).unwrap_or_default();
        println!("  ${:<31} {} <{}>: {}{region}", l.var, l.name, l.email, l.role);
        println!("  {:<32} can: {}", "", l.can);
        println!("  {:<32} {}", "", l.token);
    }
    if seeded.demo_database {
        println!(
            "Demo clock: staff move it forward with POST /demo/clock {{\"call_id\": {}, \"stage\": \"submission_deadline\"}}.",
            seeded.open_call_id.unwrap_or(1)
        );
    } else {
        println!(
            "This database was not created by `serve --demo`: the demo clock stays off (POST /demo/clock answers 409)."
        );
    }
}

/// A readable line for errors at the command line (validation errors list their fields).
fn describe(e: crate::error::DomainError) -> Box<dyn std::error::Error + Send + Sync> {
    match e {
        crate::error::DomainError::Validation(fields) => {
            fields.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ").into()
        }
        other => Box::new(other),
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}
