//! A run from start to end: the server on a fresh database, the call, the reads, a restart on the
//! finished database, the delivery of the outbox to the SMTP sink, and the floors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::floor::{self, Floor};
use super::report::{Report, Row};
use super::server::{Launch, Server, staff_token};
use super::steps::{self, Ctx, R};
use super::{Options, call, load, smtp, synth};
use crate::scenario::client::Client;

const MB: u64 = 1_048_576;

// Long: the run's phases in their order; each is a call to its own function.
pub async fn all(
    opts: &Options,
    database: &str,
    scratch: &str,
    kind: &str,
    dir: &std::path::Path,
) -> R<Report> {
    let (n, k) = (opts.applications.max(5), opts.assessors.max(1));
    let sink = smtp::Sink::start().await.map_err(|e| e.to_string())?;
    let launch = |label, demo, smtp_url, mail_interval| Launch {
        exe: &opts.exe,
        database,
        dir,
        demo,
        smtp_url,
        mail_interval,
        label,
    };
    // The mail worker waits (a pass at start, the next in a day): the outbox is delivered later,
    // as a step of its own.
    let server = Server::start(&launch("call", true, Some(sink.url()), 86_400)).await?;
    println!("  serve --demo ready after {:.0} ms", server.ready_after.as_secs_f64() * 1000.0);
    let c = Client::new(server.base.clone(), staff_token(&dir.join(crate::demo::TOKENS_FILE))?);
    let template: serde_json::Value = serde_json::from_str(
        crate::service::templates::json(synth::TEMPLATE).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let code = format!("bench-{n}x{k}-{}", chrono::Utc::now().format("%H%M%S"));
    let (call_def, first_year) = synth::call(&template, &code, chrono::Utc::now())
        .ok_or("the template has no publication")?;
    let (call_id, assessor_tokens) = steps::create_call(&c, &call_def, k).await?;
    let ctx = Ctx {
        c,
        seed: opts.seed,
        template: template.clone(),
        call_id,
        first_year,
        assessors: k,
        region_tokens: Vec::new(),
        app_ids: Vec::new(),
        assessor_tokens,
        invited: (0..n).filter(|i| synth::invited(*i)).collect(),
    };
    let run = call::run(ctx, n, &server).await?;
    let mut report = Report { counts: run.counts.clone(), ..Report::default() };
    let server_peak = server.memory().peak;
    let reads = reads(opts, &run.ctx, &server).await;
    report.counts.outcome_reads_completed = reads.0.completed;
    let emails_queued = steps::outbox_total(&run.ctx.c, "queued").await?;
    let (sampled, pages) = steps::letter_pages(&run.ctx.c, run.ctx.call_id, 20).await?;
    let server_peak = server_peak.max(server.memory().peak);
    server.stop();

    // The finished database: the delivery of what is queued, then a plain start (its mail
    // worker finds nothing due).
    let delivery =
        deliver(&launch("delivery", true, Some(sink.url()), 1), &sink, emails_queued).await?;
    let restart = Server::start(&launch("restart", false, None, 86_400)).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = restart.memory();
    let ready_after = restart.ready_after.as_secs_f64();
    restart.stop();
    report.counts.emails_queued = emails_queued;
    report.counts.emails_received = delivery.received;
    report.counts.emails_with_pdf = delivery.with_pdf;

    let letters = LetterPages { sampled, pages };
    let measured =
        Measured { n, k, template, first_year, sink: &sink, delivery: &delivery, letters };
    let floors = floors(opts, scratch, measured).await?;
    report.rows = rows(&run, &reads, &delivery, &floors, kind, n, k);
    report.rows.insert(
        0,
        Row::new(
            "start serve on the finished database",
            format!("{n} applications"),
            ready_after,
            1.0,
        )
        .target("first /health 200 < 300 ms", ready_after < 0.3)
        .rss(idle.peak)
        .note(format!("idle RSS {} MB", idle.rss / MB)),
    );
    let whole_ok = run.seconds < 60.0 && server_peak < 400 * MB && idle.rss < 60 * MB;
    report.rows.push(
        Row::new("whole call", format!("{n} x {k}"), run.seconds, (n * k) as f64)
            .note(floors.of_call(&report.counts).note())
            .target("< 60 s; server peak < 400 MB, idle < 60 MB", whole_ok)
            .rss(server_peak),
    );
    report.server_peak_rss = server_peak;
    report.server_idle_rss = idle.rss;
    report.completed = report.counts.applications_submitted == n
        && report.counts.letters >= n + report.counts.invited
        && report.counts.emails_received >= emails_queued;
    Ok(report)
}

/// Outcome reads and `/health` reads, 16 connections each, same server and client.
async fn reads(
    opts: &Options,
    ctx: &Arc<Ctx>,
    server: &Server,
) -> (load::LoadResult, load::LoadResult, u64) {
    let api = crate::api::standards::api_base(&server.base);
    let ids = Arc::new(ctx.app_ids.clone());
    let limit = Duration::from_secs(opts.read_seconds.max(1));
    let base = api.clone();
    let health =
        load::run(16, opts.reads, limit, &ctx.c.staff, Arc::new(move |_| format!("{base}/health")))
            .await;
    let outcome = load::run(
        16,
        opts.reads,
        limit,
        &ctx.c.staff,
        Arc::new(move |i| {
            let id = ids[(synth::mix(7, i, 0) % ids.len().max(1) as u64) as usize];
            format!("{api}/applications/{id}/outcome")
        }),
    )
    .await;
    println!(
        "  outcome reads: {} of {} in {:.2} s (p99 {:.1} ms, {} bytes an answer); /health {:.0}/s",
        outcome.completed,
        outcome.requested,
        outcome.seconds,
        outcome.p99_ms,
        outcome.bytes / outcome.completed.max(1),
        health.rate()
    );
    (outcome, health, server.memory().peak)
}

pub struct Delivery {
    received: u64,
    with_pdf: u64,
    seconds: f64,
    peak: u64,
}

/// Starts the server with its mail worker on the sink and waits until the sink has `queued`
/// more messages; the time from the first `/health` on.
async fn deliver(launch: &Launch<'_>, sink: &smtp::Sink, queued: u64) -> R<Delivery> {
    let (before, pdf_before) =
        (sink.messages(), sink.counts.with_pdf.load(std::sync::atomic::Ordering::Relaxed));
    let server = Server::start(launch).await?;
    let t = Instant::now();
    // Until every queued email arrived, or nothing arrived for 30 s.
    let (mut seen, mut progress) = (0, Instant::now());
    while sink.messages() - before < queued && progress.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if sink.messages() != seen {
            (seen, progress) = (sink.messages(), Instant::now());
        }
    }
    let seconds = t.elapsed().as_secs_f64();
    // Anything beyond the queued count (nothing is expected) has a moment to arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let peak = server.memory().peak;
    server.stop();
    let received = sink.messages() - before;
    let with_pdf = sink.counts.with_pdf.load(std::sync::atomic::Ordering::Relaxed) - pdf_before;
    println!("  outbox: {received} of {queued} emails delivered in {seconds:.2} s");
    Ok(Delivery { received, with_pdf, seconds, peak })
}

pub struct Floors {
    intake: f64,
    sheets: f64,
    close_seconds: f64,
    /// The same sheets only read into the program, row by row (a bound, not a floor).
    read_seconds: f64,
    pages: f64,
    /// A plain document as long as the call's letters (pages, rate): a bound, not a floor.
    long_documents: Option<(usize, f64)>,
    smtp: f64,
}

/// The pages of the letters sampled from the run.
struct LetterPages {
    sampled: usize,
    pages: usize,
}

/// The time the call's own work takes at its floors' rates: a bound on the whole call.
struct CallFloors {
    intake: f64,
    sheets: f64,
    letters: f64,
}

impl CallFloors {
    fn note(&self) -> String {
        format!(
            "its steps' floors alone add up to {:.1} s: intake {:.1} s, sheets {:.1} s, letters \
             {:.1} s",
            self.intake + self.sheets + self.letters,
            self.intake,
            self.sheets,
            self.letters
        )
    }
}

impl Floors {
    fn of_call(&self, counts: &super::report::Counts) -> CallFloors {
        let sheets = (counts.first_round_sheets + counts.final_round_sheets) as f64;
        CallFloors {
            intake: counts.applications as f64 / self.intake.max(1e-9),
            sheets: sheets / self.sheets.max(1e-9),
            letters: counts.letters as f64 / self.pages.max(1e-9),
        }
    }
}

/// What the floors are measured for: the call the run drove and what it delivered.
struct Measured<'a> {
    n: usize,
    k: usize,
    template: serde_json::Value,
    first_year: i32,
    sink: &'a smtp::Sink,
    delivery: &'a Delivery,
    letters: LetterPages,
}

/// The floors, each as a rate (items per second), except the close's time.
async fn floors(opts: &Options, scratch: &str, m: Measured<'_>) -> R<Floors> {
    let Measured { n, k, template, first_year, sink, delivery, letters } = m;
    let f = Floor::open(scratch, opts.seed, template, first_year).await?;
    let apps = n.min(2_000);
    let intake = apps as f64 / f.intake(apps).await?.as_secs_f64();
    let count = (n * k).min(10_000);
    let sheets = count as f64 / f.sheets(n, k, count).await?.as_secs_f64();
    let (close, rows) = f.close(n, k, count).await?;
    if rows != n {
        return Err(format!("the floor's GROUP BY gave {rows} rows for {n} applications"));
    }
    let (read, sheets_read) = f.read_sheets().await?;
    if sheets_read != n * k {
        return Err(format!("the floor read {sheets_read} sheets of {}", n * k));
    }
    let pages = 200;
    let pages = pages as f64
        / tokio::task::spawn_blocking(move || floor::plain_pages(pages))
            .await
            .map_err(|e| e.to_string())??
            .as_secs_f64();
    // The letters' length, rounded: their bound.
    let long = (letters.pages + letters.sampled / 2) / letters.sampled.max(1);
    let long_documents = if long == 0 {
        None
    } else {
        let count = 100;
        let took = tokio::task::spawn_blocking(move || floor::plain_documents(count, long))
            .await
            .map_err(|e| e.to_string())??;
        Some((long, count as f64 / took.as_secs_f64()))
    };
    let average =
        sink.counts.bytes.load(std::sync::atomic::Ordering::Relaxed) / sink.messages().max(1);
    let emails = delivery.received.clamp(100, 5_000);
    let smtp_time =
        smtp::bare_client(sink.addr, emails, average as usize).await.map_err(|e| e.to_string())?;
    Ok(Floors {
        intake,
        sheets,
        close_seconds: close.as_secs_f64(),
        read_seconds: read.as_secs_f64(),
        pages,
        long_documents,
        smtp: emails as f64 / smtp_time.as_secs_f64(),
    })
}

// Long: one table row per step, each with its floor and target.
fn rows(
    run: &call::CallRun,
    reads: &(load::LoadResult, load::LoadResult, u64),
    delivery: &Delivery,
    f: &Floors,
    kind: &str,
    n: usize,
    k: usize,
) -> Vec<Row> {
    // The setup first (the call's own rows follow it).
    let mut rows: Vec<Row> = run.rows.iter().take(1).cloned().collect();
    let intake =
        Row::new("intake over HTTP (4 clients)", format!("{n} applications"), run.intake, n as f64)
            .floor(f.intake);
    let ok = intake.ratio.unwrap_or(0.0) >= 0.25;
    rows.push(intake.target(">= 0.25 of floor", ok));
    let sheets = Row::new(
        "first-round sheets over HTTP (4 clients)",
        format!("{} sheets", n * k),
        run.sheets,
        (n * k) as f64,
    )
    .floor(f.sheets);
    let ok = sheets.ratio.unwrap_or(0.0) >= 0.25
        && (kind != "sqlite" || sheets.rate.unwrap_or(0.0) >= 1000.0);
    rows.push(sheets.target(">= 0.25 of floor, >= 1,000/s on SQLite", ok));
    let close = Row::new(
        "close the first round (scores, verdicts, ranking)",
        format!("{n} applications"),
        run.close_first,
        n as f64,
    )
    .floor(n as f64 / f.close_seconds.max(1e-9))
    .note(format!(
        "only reading the {} sheets into the program, row by row: {:.3} s, {:.1}x the floor",
        n * k,
        f.read_seconds,
        f.read_seconds / f.close_seconds.max(1e-9)
    ));
    let ok = run.close_first <= 3.0 * f.close_seconds && run.close_first < 2.0;
    rows.push(close.target("<= 3x floor (ratio >= 0.33), < 2 s", ok));
    rows.extend(run.rows.iter().skip(1).cloned());
    let letters = Row::new(
        "letters (both publications, until rendered)",
        format!("{} PDFs", run.counts.letters),
        run.letters_seconds,
        run.counts.letters as f64,
    )
    .floor(f.pages)
    .note(letters_note(run, f));
    let ok = letters.ratio.unwrap_or(0.0) >= 0.5 && run.letters_rss_growth < 100 * MB as i64;
    rows.push(letters.target(">= 0.5 of floor; memory flat", ok));
    let (outcome, health, peak) = reads;
    let read = Row::new(
        "read one outcome over HTTP (16 connections)",
        format!("{} of {} requests", outcome.completed, outcome.requested),
        outcome.seconds,
        outcome.completed as f64,
    )
    .floor(health.rate())
    .note(format!(
        "p50 {:.1} ms, p99 {:.1} ms, {} failed or cut at the time limit",
        outcome.p50_ms, outcome.p99_ms, outcome.failed
    ))
    .rss(*peak);
    let ok = read.ratio.unwrap_or(0.0) >= 0.4 && outcome.completed == outcome.requested;
    rows.push(read.target(">= 0.4 of /health", ok));
    let mail = Row::new(
        "outbox delivery to a local SMTP sink",
        format!("{} emails", delivery.received),
        delivery.seconds,
        delivery.received as f64,
    )
    .floor(f.smtp)
    .note(format!("{} with a PDF", delivery.with_pdf))
    .rss(delivery.peak);
    let ok = mail.ratio.unwrap_or(0.0) >= 0.5;
    rows.push(mail.target(">= 0.5 of floor", ok));
    rows
}

/// The letters' note: their memory, and their bound (a plain document as long as they are).
fn letters_note(run: &call::CallRun, f: &Floors) -> String {
    let growth = format!("RSS growth {} MB", run.letters_rss_growth / MB as i64);
    let Some((pages, rate)) = f.long_documents else { return growth };
    let letters = run.counts.letters as f64 / run.letters_seconds.max(1e-9);
    format!(
        "{growth}; a plain document of {pages} full pages, as long as a letter, with the same \
         font: {rate:.0}/s, the letters {:.2} of it",
        letters / rate.max(1e-9)
    )
}
