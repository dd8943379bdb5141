//! The whole call, in the order of the fixtures' README (as `scenario` drives it), with generated
//! data: setup, intake, the first round, its close and publication, interviews and addenda, the
//! final round, its close and the final decision, and the letters of both publications.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::report::{Counts, Row};
use super::server::Server;
use super::steps::{self, Ctx, R, fan_out};

/// What the call's steps measured.
pub struct CallRun {
    pub rows: Vec<Row>,
    pub counts: Counts,
    pub ctx: Arc<Ctx>,
    pub seconds: f64,
    /// The intake's and the first round's times (their floors come later).
    pub intake: f64,
    pub sheets: f64,
    pub close_first: f64,
    pub letters_seconds: f64,
    pub letters_rss_growth: i64,
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn arc(ctx: Ctx) -> Arc<Ctx> {
    Arc::new(ctx)
}

fn take(ctx: Arc<Ctx>) -> R<Ctx> {
    Arc::try_unwrap(ctx).map_err(|_| "the step's clients still hold the context".to_string())
}

/// Setup and intake; the context with every application's id.
async fn intake(mut ctx: Ctx, n: usize, rows: &mut Vec<Row>, server: &Server) -> R<(Ctx, f64)> {
    let t = Instant::now();
    let ctx_arc = arc(ctx);
    let tokens = fan_out(ctx_arc.clone(), n, steps::region).await?;
    ctx = take(ctx_arc)?;
    ctx.region_tokens = tokens;
    let setup = secs(t);
    rows.push(
        Row::new(
            "setup: regions and their users (4 clients)",
            format!("{n} regions"),
            setup,
            n as f64,
        )
        .rss(server.memory().peak),
    );
    let t = Instant::now();
    let ctx_arc = arc(ctx);
    let ids = fan_out(ctx_arc.clone(), n, steps::intake).await?;
    let intake = secs(t);
    ctx = take(ctx_arc)?;
    ctx.app_ids = ids;
    println!("  intake: {n} applications in {intake:.2} s");
    Ok((ctx, intake))
}

/// Waits until the call has `expected` letters rendered; the time since `since`.
async fn letters_ready(
    c: &crate::scenario::client::Client,
    call_id: i64,
    expected: usize,
    since: Instant,
) -> R<(f64, usize)> {
    let limit = Duration::from_secs(1800);
    loop {
        let n = steps::letters_rendered(c, call_id).await?;
        if n >= expected {
            return Ok((secs(since), n));
        }
        if since.elapsed() > limit {
            return Err(format!("only {n} of {expected} letters rendered after {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Right after the first-round publication: the first invited region uploads its addendum and
/// the first assessor submits that application's final-round sheet, each timed, once the letter
/// worker has stored its first letters; the row says how many were rendered before and after.
/// `None` when nobody was invited.
async fn writes_while_rendering(ctx: &Arc<Ctx>, n: usize) -> R<Option<Row>> {
    if ctx.invited.is_empty() {
        return Ok(None);
    }
    // Once the worker is under way (or, in a small call, done).
    let waiting = Instant::now();
    let mut before = steps::letters_rendered(&ctx.c, ctx.call_id).await?;
    while before == 0 && waiting.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        before = steps::letters_rendered(&ctx.c, ctx.call_id).await?;
    }
    let t = Instant::now();
    steps::addendum(ctx.clone(), 0)
        .await
        .map_err(|e| format!("a region's addendum while the letters render: {e}"))?;
    let region = secs(t);
    let t = Instant::now();
    steps::final_sheet(ctx.clone(), 0)
        .await
        .map_err(|e| format!("an assessor's sheet while the letters render: {e}"))?;
    let sheet = secs(t);
    let after = steps::letters_rendered(&ctx.c, ctx.call_id).await?;
    let (region_ms, sheet_ms) = (region * 1000.0, sheet * 1000.0);
    let letters = format!("letters rendered {before} -> {after} of {n} meanwhile");
    let work = format!(
        "1 addendum ({region_ms:.0} ms) + 1 final-round sheet ({sheet_ms:.0} ms); {letters}"
    );
    let row = Row::new(
        "a region's write and an assessor's sheet while letters render",
        work,
        region + sheet,
        2.0,
    )
    .target("both succeed while letters are being rendered", before > 0 && after < n);
    Ok(Some(row))
}

// Long: the call's steps in their order, each timed where it is one of the table's rows.
pub async fn run(ctx: Ctx, n: usize, server: &Server) -> R<CallRun> {
    let k = ctx.assessors;
    let start = Instant::now();
    let mut rows = Vec::new();
    let (ctx, intake) = intake(ctx, n, &mut rows, server).await?;
    let ctx = arc(ctx);
    let (c, call_id) = (&ctx.c, ctx.call_id);
    steps::clock_to(c, call_id, "submission_deadline").await?;
    let t = Instant::now();
    let first_sheets: usize = fan_out(ctx.clone(), n * k, steps::first_sheet).await?.iter().sum();
    let sheets = secs(t);
    println!("  first round: {} sheets in {sheets:.2} s", n * k);
    steps::clock_to(c, call_id, "first_assessment").await?;
    let t = Instant::now();
    steps::staff_post(c, &format!("/calls/{call_id}/rounds/first/close"), &json!({})).await?;
    let close_first = secs(t);
    let invited = ctx.invited.len();
    fan_out(ctx.clone(), invited, steps::interview).await?;
    let before_letters = server.memory().rss as i64;
    let t = Instant::now();
    steps::staff_post(c, &format!("/calls/{call_id}/rounds/first/publish"), &json!({})).await?;
    let publish_first = secs(t);
    // A region's write and an assessor's sheet while the letters are still being rendered.
    let probe = writes_while_rendering(&ctx, n).await?;
    let probed = usize::from(probe.is_some());
    // A letter per application: a rejection or an invitation to the interview.
    let (letters_first, _) = letters_ready(c, call_id, n, t).await?;
    rows.push(
        Row::new(
            "publish the first-round outcome (commit)",
            format!("{n} applications"),
            publish_first,
            n as f64,
        )
        .target("< 2 s", publish_first < 2.0)
        .rss(server.memory().peak),
    );
    rows.extend(probe);
    // The probe's addendum and sheet (the first invited application's, by the first assessor)
    // are not sent again.
    let addenda = move |ctx, i: usize| steps::addendum(ctx, i + probed);
    fan_out(ctx.clone(), invited.saturating_sub(probed), addenda).await?;
    let t = Instant::now();
    let later = move |ctx, i: usize| steps::final_sheet(ctx, i + probed);
    let final_sheets: usize = fan_out(ctx.clone(), (invited * k).saturating_sub(probed), later)
        .await?
        .iter()
        .sum::<usize>()
        + probed;
    rows.push(
        Row::new(
            "final-round sheets over HTTP (4 clients)",
            format!("{} sheets", invited * k),
            secs(t),
            (invited * k) as f64,
        )
        .rss(server.memory().peak),
    );
    let t = Instant::now();
    steps::staff_post(c, &format!("/calls/{call_id}/rounds/final/close"), &json!({})).await?;
    rows.push(
        Row::new(
            "close the final round (ranking, allocation)",
            format!("{invited} applications"),
            secs(t),
            invited as f64,
        )
        .target("< 2 s", secs(t) < 2.0)
        .rss(server.memory().peak),
    );
    steps::clock_to(c, call_id, "final_decision").await?;
    let t = Instant::now();
    steps::staff_post(c, &format!("/calls/{call_id}/rounds/final/publish"), &json!({})).await?;
    let publish_final = secs(t);
    rows.push(
        Row::new(
            "publish the final decision (commit)",
            format!("{n} applications"),
            publish_final,
            n as f64,
        )
        .target("< 2 s", publish_final < 2.0)
        .rss(server.memory().peak),
    );
    // And one per invited application: its award or rejection.
    let (letters_final, letters) = letters_ready(c, call_id, n + invited, t).await?;
    let letters_rss_growth = server.memory().rss as i64 - before_letters;
    let counts = Counts {
        applications: n,
        assessors: k,
        applications_submitted: ctx.app_ids.iter().filter(|id| **id > 0).count(),
        first_round_sheets: first_sheets,
        invited,
        final_round_sheets: final_sheets,
        letters,
        ..Counts::default()
    };
    Ok(CallRun {
        rows,
        counts,
        ctx,
        seconds: secs(start),
        intake,
        sheets,
        close_first,
        letters_seconds: letters_first + letters_final,
        letters_rss_growth,
    })
}
