//! The call's steps through the real HTTP API, each application or sheet generated when it is sent;
//! four clients at once where the table says so.

use std::future::Future;
use std::sync::Arc;

use serde_json::{Value, json};

use super::synth;
use crate::scenario::client::Client;

pub type R<T> = Result<T, String>;

/// Clients at once for intake, sheets and the other per-application steps.
pub const CLIENTS: usize = 4;

/// What every step needs: the client (staff's token inside), the call, and what earlier steps made.
pub struct Ctx {
    pub c: Client,
    pub seed: u64,
    pub template: Value,
    pub call_id: i64,
    pub first_year: i32,
    pub assessors: usize,
    /// Per application index: the region's token.
    pub region_tokens: Vec<String>,
    /// Per application index: its id.
    pub app_ids: Vec<i64>,
    /// Per assessor: its token.
    pub assessor_tokens: Vec<String>,
    /// The invited application indexes, in order.
    pub invited: Vec<usize>,
}

fn fail(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Runs `f(ctx, i)` for every `i < items`, `CLIENTS` at a time (client `w` takes `w`, `w + CLIENTS`,
/// ...); the answers in the order of `i`.
pub async fn fan_out<T, F, Fut>(ctx: Arc<Ctx>, items: usize, f: F) -> R<Vec<T>>
where
    T: Send + Default + 'static,
    F: Fn(Arc<Ctx>, usize) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = R<T>> + Send,
{
    let mut set = tokio::task::JoinSet::new();
    for w in 0..CLIENTS {
        let ctx = ctx.clone();
        set.spawn(async move {
            let mut out = Vec::new();
            let mut i = w;
            while i < items {
                out.push((i, f(ctx.clone(), i).await?));
                i += CLIENTS;
            }
            Ok::<_, String>(out)
        });
    }
    let mut all: Vec<T> = (0..items).map(|_| T::default()).collect();
    while let Some(joined) = set.join_next().await {
        for (i, t) in joined.map_err(fail)?? {
            all[i] = t;
        }
    }
    Ok(all)
}

/// The call and its assessors; returns (call id, assessor tokens).
pub async fn create_call(c: &Client, call: &Value, assessors: usize) -> R<(i64, Vec<String>)> {
    let staff = c.staff.clone();
    let call_id =
        c.post("/calls", &staff, call).await.map_err(fail)?.expect(200).map_err(fail)?["id"]
            .as_i64()
            .unwrap_or_default();
    let mut tokens = Vec::new();
    for k in 0..assessors {
        let created = c
            .post("/users", &staff, &synth::assessor_user(k))
            .await
            .map_err(fail)?
            .expect(200)
            .map_err(fail)?;
        let body = json!({"user_id": created["user"]["id"]});
        c.post(&format!("/calls/{call_id}/assessors"), &staff, &body)
            .await
            .map_err(fail)?
            .expect(200)
            .map_err(fail)?;
        tokens.push(created["token"].as_str().unwrap_or_default().to_string());
    }
    Ok((call_id, tokens))
}

/// Registers region `i` and its user; its token.
pub async fn region(ctx: Arc<Ctx>, i: usize) -> R<String> {
    let staff = ctx.c.staff.clone();
    ctx.c
        .post("/regions", &staff, &synth::region(i))
        .await
        .map_err(fail)?
        .expect(200)
        .map_err(fail)?;
    let created = ctx
        .c
        .post("/users", &staff, &synth::region_user(i))
        .await
        .map_err(fail)?
        .expect(200)
        .map_err(fail)?;
    Ok(created["token"].as_str().unwrap_or_default().to_string())
}

/// Application `i` from draft to submission: draft, form, budget, plan, five commitments, submit.
pub async fn intake(ctx: Arc<Ctx>, i: usize) -> R<i64> {
    let (c, token) = (&ctx.c, &ctx.region_tokens[i]);
    let ok = |a: Result<crate::scenario::client::Answer, crate::scenario::client::Failure>| {
        a.map_err(fail)?.expect(200).map_err(fail)
    };
    let id = ok(c.post(&format!("/calls/{}/applications", ctx.call_id), token, &json!({})).await)?
        ["id"]
        .as_i64()
        .unwrap_or_default();
    ok(c.put(&format!("/applications/{id}/form"), token, &synth::form(i)).await)?;
    let budget = synth::budget(ctx.seed, i, ctx.first_year);
    ok(c.put(&format!("/applications/{id}/budget"), token, &budget).await)?;
    let pdf = crate::scenario::sample_pdf(&format!("Plan van aanpak regio {i:05}"));
    let path = format!("/applications/{id}/documents?kind=plan&filename=plan-{i:05}.pdf");
    ok(c.upload(&path, token, pdf).await)?;
    let signed_on = chrono::Utc::now().date_naive();
    for (role, body) in synth::commitments(i, signed_on) {
        ok(c.put(&format!("/applications/{id}/commitments/{role}"), token, &body).await)?;
    }
    ok(c.post(&format!("/applications/{id}/submit"), token, &json!({})).await)?;
    Ok(id)
}

/// First-round sheet number `n` (application `n / K`, assessor `n % K`).
pub async fn first_sheet(ctx: Arc<Ctx>, n: usize) -> R<usize> {
    let (i, k) = (n / ctx.assessors, n % ctx.assessors);
    submit_sheet(&ctx, "first", i, k, 0).await
}

/// Final-round sheet number `n` over the invited applications.
pub async fn final_sheet(ctx: Arc<Ctx>, n: usize) -> R<usize> {
    let (rank, k) = (n / ctx.assessors, n % ctx.assessors);
    submit_sheet(&ctx, "final", ctx.invited[rank], k, rank).await
}

/// 1: the sheet was accepted.
async fn submit_sheet(ctx: &Ctx, round: &str, i: usize, k: usize, rank: usize) -> R<usize> {
    let body = synth::sheet(&ctx.template, ctx.seed, round, i, k, rank);
    let path = format!("/applications/{}/sheets/{round}/submit", ctx.app_ids[i]);
    ctx.c
        .post(&path, &ctx.assessor_tokens[k], &body)
        .await
        .map_err(fail)?
        .expect(200)
        .map_err(fail)?;
    Ok(1)
}

/// Interview details for the `n`-th invited application (two a day, on consecutive days).
pub async fn interview(ctx: Arc<Ctx>, n: usize) -> R<()> {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(60 + (n / 2) as i64);
    let day = crate::domain::workdays::next_working_day(day);
    let body = json!({"interview": {
        "date": day.to_string(),
        "time": if n.is_multiple_of(2) { "10:00" } else { "14:00" },
        "place": "Ministerie van Justitie en Veiligheid, Turfmarkt 147, Den Haag",
    }});
    let id = ctx.app_ids[ctx.invited[n]];
    let path = format!("/calls/{}/interviews/{id}", ctx.call_id);
    ctx.c.put(&path, &ctx.c.staff, &body).await.map_err(fail)?.expect(200).map_err(fail)?;
    Ok(())
}

/// The `n`-th invited region uploads its addendum.
pub async fn addendum(ctx: Arc<Ctx>, n: usize) -> R<()> {
    let i = ctx.invited[n];
    let pdf = crate::scenario::sample_pdf(&format!("Addendum regio {i:05}"));
    let path = format!("/applications/{}/addendum?filename=addendum-{i:05}.pdf", ctx.app_ids[i]);
    ctx.c
        .upload(&path, &ctx.region_tokens[i], pdf)
        .await
        .map_err(fail)?
        .expect(200)
        .map_err(fail)?;
    Ok(())
}

/// Staff: a POST expected to succeed.
pub async fn staff_post(c: &Client, path: &str, body: &Value) -> R<Value> {
    c.post(path, &c.staff, body).await.map_err(fail)?.expect(200).map_err(fail)
}

/// Moves the demo clock to just after a stage of the call.
pub async fn clock_to(c: &Client, call_id: i64, stage: &str) -> R<()> {
    staff_post(c, "/demo/clock", &json!({"call_id": call_id, "stage": stage})).await.map(|_| ())
}

/// The call's letters rendered so far: the total of the list filtered on `state=rendered` (one
/// count, not a listing of every letter: the wait must not slow the worker it waits for).
pub async fn letters_rendered(c: &Client, call_id: i64) -> R<usize> {
    let path = format!("/calls/{call_id}/letters?state=rendered&limit=1");
    let page = c.get(&path, &c.staff).await.map_err(fail)?.expect(200).map_err(fail)?;
    let total = page["total"].as_u64().ok_or("the letters list has no total")?;
    usize::try_from(total).map_err(|e| e.to_string())
}

/// The pages of `sample` of the call's rendered letters, spread over the list (each downloaded as
/// a region would and counted by its page tree): how many were read and their pages in all.
pub async fn letter_pages(c: &Client, call_id: i64, sample: usize) -> R<(usize, usize)> {
    let total = letters_rendered(c, call_id).await?;
    let (mut read, mut pages) = (0, 0);
    for j in 0..sample.min(total) {
        let offset = j * total / sample.min(total);
        let path = format!("/calls/{call_id}/letters?state=rendered&limit=1&offset={offset}");
        let page = c.get(&path, &c.staff).await.map_err(fail)?.expect(200).map_err(fail)?;
        let id = page["items"][0]["id"].as_i64().ok_or("a listed letter has no id")?;
        let pdf = c.get_bytes(&format!("/letters/{id}/content"), &c.staff).await.map_err(fail)?;
        let doc = lopdf::Document::load_mem(&pdf).map_err(|e| format!("letter {id}: {e}"))?;
        (read, pages) = (read + 1, pages + doc.get_pages().len());
    }
    Ok((read, pages))
}

/// The outbox's count of one status.
pub async fn outbox_total(c: &Client, status: &str) -> R<u64> {
    let page = c
        .get(&format!("/outbox?status={status}&limit=1"), &c.staff)
        .await
        .map_err(fail)?
        .expect(200)
        .map_err(fail)?;
    Ok(page["total"].as_u64().unwrap_or_default())
}
