//! The letter worker: a publication stores its letters `pending`; they are rendered after it
//! commits, a batch at a time and side by side on every core, from what the publication froze
//! (the outcome snapshot and the letter batch: settings, templates and logo as they stood). The
//! PDFs are built without the write lock and a batch is stored in one short transaction by
//! conditional updates, so the first render fixes a
//! letter's bytes and SHA-256 and a concurrent render changes nothing. The decision email keeps
//! no copy: the mail worker attaches the stored letter when it delivers the email.
//!
//! `serve` runs [`run_loop`] beside the mail worker, woken by [`wake`] after a publication and
//! polling besides; a request for a pending letter's content, a listing of an application's
//! letters and the mail worker render the letter they need on the spot ([`rendered`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;

use super::compose::{self, Interview, LetterKind, LetterSettings};
use super::facts::{LetterRequest, OnFile, facts_on_file};
use crate::domain::digest::sha256_hex;
use crate::domain::selection::{self, SelectionInput};
use crate::error::DomainError;
use crate::mail::outbox;
use crate::pdf::letterhead::Logo;
use crate::service::outcome::AppRow;
use crate::service::outcome_cache::CallOutcome;
use crate::service::{AppState, audit};
use crate::store::{self, audit::Actor, calls::StoredCall, calls::call_of, letters::LetterMeta};

/// What the letters of one publication are rendered from, loaded once per batch of letters.
struct Basis {
    batch_id: i32,
    call: StoredCall,
    /// The frozen inputs and the result computed from them.
    outcome: Arc<Frozen>,
    /// The frozen settings without their interviews: a letter is given its own only (cloning
    /// and dropping a thousand interviews per letter showed in a profile at 10,000 applications).
    settings: LetterSettings,
    interviews: BTreeMap<i32, Interview>,
    templates: Arc<BTreeMap<String, String>>,
    logo: Option<Logo>,
    publisher: Actor,
}

fn internal(what: &str) -> impl Fn(serde_json::Error) -> DomainError + '_ {
    move |e| DomainError::internal(format!("{what}: {e}"))
}

/// A frozen outcome: its inputs and the result they give (`selection::compute`, as at
/// publication and as `verify` recomputes it), with its index built once: each letter finds its
/// line and ground in O(1), not by a scan of the call.
type Frozen = CallOutcome;

/// The last frozen outcome read, by the SHA-256 of its inputs: the letters rendered one by one
/// on demand (the mail worker, downloads) do not read and compute the whole call each time.
type Cached = Mutex<Option<(String, Arc<Frozen>)>>;

fn frozen_cache() -> &'static Cached {
    static CACHE: OnceLock<Cached> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(None))
}

/// Gives the letter worker the outcome a publication just froze (the SHA-256 of its inputs), the
/// one the reads keep too: not a second copy parsed from the snapshot and computed again.
pub fn share_frozen(sha256: String, outcome: Arc<CallOutcome>) {
    if let Ok(mut cache) = frozen_cache().lock() {
        *cache = Some((sha256, outcome));
    }
}

/// Lets the frozen outcome go once no letter waits for it (one is read again when needed).
fn forget_frozen() {
    if let Ok(mut cache) = frozen_cache().lock()
        && cache.take().is_some()
    {
        crate::memory::give_back();
    }
}

async fn frozen(state: &AppState, call_id: i32, stage: &str) -> Result<Arc<Frozen>, DomainError> {
    let missing = || DomainError::internal(format!("call {call_id}: no frozen {stage} outcome"));
    let sha =
        store::snapshots::snapshot_sha256(&state.db, call_id, stage).await?.ok_or_else(missing)?;
    if let Ok(cache) = frozen_cache().lock()
        && let Some((key, f)) = cache.as_ref()
        && *key == sha
    {
        return Ok(f.clone());
    }
    let snapshot =
        store::assessment::snapshot(&state.db, call_id, stage).await?.ok_or_else(missing)?;
    let input: SelectionInput =
        serde_json::from_str(&snapshot.inputs).map_err(internal("frozen inputs"))?;
    let f = tokio::task::spawn_blocking(move || {
        let result = selection::compute(&input);
        Arc::new(CallOutcome::computed(input, result, true))
    })
    .await
    .map_err(DomainError::internal)?;
    share_frozen(snapshot.sha256, f.clone());
    Ok(f)
}

async fn basis(state: &AppState, batch_id: i32) -> Result<Basis, DomainError> {
    let db = &state.db;
    let batch = store::letters::batch(db, batch_id)
        .await?
        .ok_or_else(|| DomainError::internal(format!("letter batch {batch_id} is missing")))?;
    let call = call_of(db, batch.call_id).await?;
    let logo = match (&batch.logo_png, &batch.logo_alt) {
        (Some(png), Some(alt)) => Some(Logo::from_png(png, alt).map_err(DomainError::internal)?),
        _ => None,
    };
    let mut settings: LetterSettings =
        serde_json::from_str(&batch.settings).map_err(internal("frozen settings"))?;
    let interviews = std::mem::take(&mut settings.interviews);
    Ok(Basis {
        batch_id,
        outcome: frozen(state, call.id, &batch.stage).await?,
        settings,
        interviews,
        templates: Arc::new(
            serde_json::from_str(&batch.templates).map_err(internal("frozen templates"))?,
        ),
        logo,
        publisher: Actor { user_id: batch.published_by, label: batch.actor },
        call,
    })
}

/// Renders every pending letter, `batch` at a time: the PDFs of a batch are built on every core
/// (CPU work, off the async threads) and stored in one short write transaction; memory stays
/// flat (one batch of PDFs at a time). Returns how many this call rendered. The test and CLI
/// hook; `serve` runs [`run_loop`].
pub async fn render_pending(state: &AppState, batch: u64) -> Result<usize, DomainError> {
    let mut done = 0;
    let mut basis = None;
    // One batch is stored while the next one renders. The letters being stored are still
    // pending, so the next batch is taken after the last letter taken.
    let mut storing = None;
    let mut after = 0;
    loop {
        let letters = match store::letters::pending(&state.db, after, batch.max(1)).await {
            Ok(letters) if !letters.is_empty() => letters,
            other => {
                done += stored(storing.take()).await?;
                other?;
                return Ok(done);
            }
        };
        after = letters.last().map_or(after, |l| l.id);
        // The letters of one publication after another: a batch may span two.
        for group in letters.chunk_by(|a, b| a.batch_id == b.batch_id) {
            let rendered = render_group(state, &mut basis, group).await;
            done += stored(storing.take()).await?;
            let (letters, publisher, failed) = rendered?;
            let state = state.clone();
            storing =
                Some(tokio::spawn(async move { store_all(&state, &publisher, letters).await }));
            if let Some(e) = failed {
                stored(storing.take()).await?;
                return Err(e);
            }
        }
    }
}

/// How many letters a batch's storing stored (none when there was none).
async fn stored(storing: Option<Storing>) -> Result<usize, DomainError> {
    match storing {
        Some(task) => task.await.map_err(DomainError::internal)?,
        None => Ok(0),
    }
}

type Storing = tokio::task::JoinHandle<Result<usize, DomainError>>;

/// Rendered letters with their bytes, who published them, and the first failure.
type Rendered = (Vec<(LetterMeta, Vec<u8>)>, Actor, Option<DomainError>);

/// How many letters are rendered at once: one per core.
fn at_once() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8)
}

/// Renders pending letters of one publication side by side; those rendered are returned with
/// the first failure, to be stored before it is answered.
async fn render_group(
    state: &AppState,
    basis_of: &mut Option<Basis>,
    group: &[LetterMeta],
) -> Result<Rendered, DomainError> {
    let Some(first) = group.first() else {
        return Err(DomainError::internal("an empty batch of letters"));
    };
    let batch_id = first.batch_id.ok_or_else(|| {
        DomainError::internal(format!("letter {} is pending without its publication", first.id))
    })?;
    if basis_of.as_ref().map(|b| b.batch_id) != Some(batch_id) {
        *basis_of = Some(basis(state, batch_id).await?);
    }
    let Some(b) = basis_of.as_ref() else {
        return Err(DomainError::internal("the letters' basis went away"));
    };
    let gate = Arc::new(tokio::sync::Semaphore::new(at_once()));
    let mut jobs = Vec::with_capacity(group.len());
    let started = std::time::Instant::now();
    let (mut reading, mut waiting) = (Duration::ZERO, Duration::ZERO);
    let t = std::time::Instant::now();
    let ids: Vec<i32> = group.iter().map(|l| l.application_id).collect();
    let mut files = OnFile::of_many(&state.db, b.call.id, &ids).await?;
    reading += t.elapsed();
    // The next letter's facts are gathered while the ones before it render.
    for l in group {
        let t = std::time::Instant::now();
        // Read again when an application has two letters in the batch (taken by the first).
        let file = match files.remove(&l.application_id) {
            Some(file) => Some(file),
            None => {
                let id = l.application_id;
                OnFile::of_many(&state.db, b.call.id, &[id]).await?.remove(&id)
            }
        };
        let (f, templates) = prepare_from(state, b, l, file).await?;
        reading += t.elapsed();
        let t = std::time::Instant::now();
        let permit = gate.clone().acquire_owned().await.map_err(DomainError::internal)?;
        waiting += t.elapsed();
        jobs.push(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            compose::render(&f, &templates)
        }));
    }
    let (mut rendered, mut failed) = (Vec::with_capacity(jobs.len()), None);
    for (l, job) in group.iter().zip(jobs) {
        match job.await.map_err(DomainError::internal).and_then(|r| r) {
            Ok(pdf) => rendered.push((l.clone(), pdf)),
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    let rendering = started.elapsed();
    tracing::debug!(letters = group.len(), ?reading, ?waiting, ?rendering, "letter batch rendered");
    Ok((rendered, b.publisher.clone(), failed))
}

/// A letter with its content, rendered now if it was pending (the first render fixes it).
pub async fn rendered(
    state: &AppState,
    letter_id: i32,
) -> Result<entity::letter::Model, DomainError> {
    let not_found = || DomainError::NotFound(format!("letter {letter_id}"));
    let letter = store::letters::by_id(&state.db, letter_id).await?.ok_or_else(not_found)?;
    if letter.content.is_some() {
        return Ok(letter);
    }
    let meta = store::letters::meta_by_id(&state.db, letter_id).await?.ok_or_else(not_found)?;
    render_with(state, &mut None, &meta).await?;
    store::letters::by_id(&state.db, letter_id).await?.ok_or_else(not_found)
}

/// Renders one pending letter and stores it; `false` when another render stored it first.
async fn render_with(
    state: &AppState,
    basis_of: &mut Option<Basis>,
    l: &LetterMeta,
) -> Result<bool, DomainError> {
    let batch_id = l.batch_id.ok_or_else(|| {
        DomainError::internal(format!("letter {} is pending without its publication", l.id))
    })?;
    if basis_of.as_ref().map(|b| b.batch_id) != Some(batch_id) {
        *basis_of = Some(basis(state, batch_id).await?);
    }
    let Some(b) = basis_of.as_ref() else { return Ok(false) };
    let pdf = render_bytes(state, b, l).await?;
    store(state, b, l, pdf).await
}

/// The letter's PDF, built from the frozen basis; reads only, no write lock.
async fn render_bytes(state: &AppState, b: &Basis, l: &LetterMeta) -> Result<Vec<u8>, DomainError> {
    let (f, templates) = prepare(state, b, l).await?;
    // The PDF is CPU work: off the async threads, so requests keep being answered meanwhile.
    tokio::task::spawn_blocking(move || compose::render(&f, &templates))
        .await
        .map_err(DomainError::internal)?
}

/// What a letter is rendered from: its facts (read from the frozen basis and the application)
/// and the frozen templates.
async fn prepare(state: &AppState, b: &Basis, l: &LetterMeta) -> Result<Prepared, DomainError> {
    let mut files = OnFile::of_many(&state.db, b.call.id, &[l.application_id]).await?;
    prepare_from(state, b, l, files.remove(&l.application_id)).await
}

/// A letter's facts and the frozen templates.
type Prepared = (compose::LetterFacts, Arc<BTreeMap<String, String>>);

/// As [`prepare`], with the application and its file read already (for a batch at once).
async fn prepare_from(
    state: &AppState,
    b: &Basis,
    l: &LetterMeta,
    file: Option<(AppRow, OnFile)>,
) -> Result<Prepared, DomainError> {
    let kind = LetterKind::parse(&l.kind)
        .ok_or_else(|| DomainError::internal(format!("letter {}: kind {}", l.id, l.kind)))?;
    let (app, on_file) =
        file.ok_or_else(|| DomainError::NotFound(format!("application {}", l.application_id)))?;
    let request = LetterRequest {
        call: &b.call,
        input: &b.outcome.input,
        result: &b.outcome.result,
        app: &app,
        kind,
        number: l.number,
        correction: None,
        index: Some(&b.outcome.index),
    };
    let mut settings = b.settings.clone();
    if let Some(i) = b.interviews.get(&app.id) {
        settings.interviews.insert(app.id, i.clone());
    }
    let f =
        facts_on_file(&state.db, request, on_file, l.issued_at, settings, b.logo.clone()).await?;
    Ok((f, b.templates.clone()))
}

/// Stores the rendered letters still pending in one short write transaction: each letter, its
/// email's attachment and its audit line. How many were stored (a letter rendered meanwhile by
/// another render keeps its bytes).
async fn store_all(
    state: &AppState,
    publisher: &Actor,
    rendered: Vec<(LetterMeta, Vec<u8>)>,
) -> Result<usize, DomainError> {
    if rendered.is_empty() {
        return Ok(0);
    }
    let started = std::time::Instant::now();
    let now = state.now();
    let txn = state.write().await?;
    let mut trail = Vec::with_capacity(rendered.len());
    for (l, pdf) in &rendered {
        let sha256 = sha256_hex(pdf);
        if !store::letters::fix_content(&txn, l.id, pdf, &sha256).await? {
            continue;
        }
        trail.push(issued_entry(publisher, l, sha256, now));
    }
    let stored = trail.len();
    store::bulk::record_audit(&txn, trail).await?;
    txn.commit().await?;
    tracing::debug!(letters = stored, took = ?started.elapsed(), "letter batch stored");
    Ok(stored)
}

/// The audit line of a letter's first render.
fn issued_entry<'a>(
    publisher: &'a Actor,
    l: &LetterMeta,
    sha256: String,
    at: chrono::DateTime<chrono::Utc>,
) -> audit::AuditEntry<'a> {
    let details = serde_json::json!({
        "letter_id": l.id,
        "kind": l.kind,
        "number": l.number,
        "reference": l.reference,
        "sha256": sha256,
    });
    audit::AuditEntry {
        actor: publisher,
        at,
        action: "letter.issued",
        entity_type: "application",
        entity_id: l.application_id.to_string(),
        reason: None,
        details,
    }
}

/// Stores the bytes if the letter is still pending, in one short write transaction: the letter,
/// its email's attachment and the audit line. `false` when it was rendered already.
async fn store(
    state: &AppState,
    b: &Basis,
    l: &LetterMeta,
    pdf: Vec<u8>,
) -> Result<bool, DomainError> {
    let sha256 = sha256_hex(&pdf);
    let txn = state.write().await?;
    if !store::letters::fix_content(&txn, l.id, &pdf, &sha256).await? {
        return Ok(false);
    }
    let entry = issued_entry(&b.publisher, l, sha256, state.now());
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(true)
}

fn wake_signal() -> &'static Notify {
    static WAKE: OnceLock<Notify> = OnceLock::new();
    WAKE.get_or_init(Notify::new)
}

/// Wakes the letter worker (after a publication committed).
pub fn wake() {
    wake_signal().notify_waiters();
}

/// The background loop of `serve`: renders what is pending when woken and every `poll`, until
/// `stop` changes (or its sender is dropped).
pub async fn run_loop(
    state: AppState,
    poll: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut timer = tokio::time::interval(poll);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = timer.tick() => {}
            _ = wake_signal().notified() => {}
            _ = stop.changed() => break,
        }
        match render_pending(&state, 50).await {
            Ok(0) => forget_frozen(),
            Ok(n) => {
                tracing::info!(letters = n, "letters rendered");
                // The frozen outcome stays cached; the PDFs and facts of the pass are freed.
                crate::memory::give_back();
            }
            Err(e) => tracing::error!(error = %e, "letter worker pass failed"),
        }
    }
}

/// The mail worker's [`crate::mail::worker::LetterRenderer`]: the letter a decision email
/// waits for, rendered now if it is still pending.
pub fn for_email(state: AppState, row: entity::outbox::Model) -> crate::mail::worker::LetterFuture {
    Box::pin(async move {
        let (Some(app_id), Some(filename)) =
            (outbox::application_of_target(&row.target), row.attachment_filename.as_deref())
        else {
            return Ok(None);
        };
        // A rendered letter is read as stored (one statement); the email row keeps no copy.
        if let Some(content) =
            store::letters::content_by_filename(&state.db, app_id, filename).await?
        {
            return Ok(Some(content));
        }
        let Some(meta) = store::letters::by_filename(&state.db, app_id, filename).await? else {
            return Ok(None);
        };
        Ok(rendered(&state, meta.id).await?.content)
    })
}

/// Lets the mail worker render letters (see [`for_email`]); once per process.
pub fn install() {
    crate::mail::worker::install_letter_renderer(for_email);
}
