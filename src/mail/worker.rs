//! The delivery worker: claims due rows of the outbox with a lease, renders and sends them
//! through a [`Transport`], and marks them sent; a failure is retried with exponential backoff
//! and, after `max_attempts`, the row is `failed` (staff can re-queue it).
//!
//! Claiming: on PostgreSQL a short transaction `SELECT … FOR UPDATE SKIP LOCKED` then sets the
//! lease (`status = 'sending'`, `lease_until`, `leased_by` = a fresh claim token), so several
//! workers or service instances on one database never claim one row twice; on SQLite a single
//! conditional `UPDATE` does the same (SQLite has one writer at a time). A row whose lease ran out
//! (its worker died) is claimed again.
//!
//! Delivery is at-least-once: a worker that dies after the server accepted a message and before
//! it marked the row leaves the row `sending`; after the lease it is sent again, with the same
//! `Message-ID` (fixed at queueing), so the receiver can recognise the duplicate.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, Utc};
use entity::outbox;
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, MultiPart, SinglePart};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use super::outbox::status;
use super::templates;
pub use super::transport::{FileTransport, SmtpTransport, Transport};
use crate::error::DomainError;
use crate::store::AppState;

/// How the worker behaves; [`Default`] is what `serve` uses unless configured.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `From` of every message.
    pub from: String,
    /// The `Reply-To` of every message, if replies go elsewhere than `from`.
    pub reply_to: Option<String>,
    /// After this many failed attempts a row is `failed`.
    pub max_attempts: i32,
    /// The first retry waits this long; each further one twice as long, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a claim is good for; well above the SMTP timeout.
    pub lease: Duration,
    /// Rows per claim.
    pub batch: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            from: DEFAULT_FROM.to_string(),
            reply_to: None,
            max_attempts: 8,
            base_backoff: Duration::seconds(60),
            max_backoff: Duration::hours(6),
            lease: Duration::minutes(5),
            batch: 50,
        }
    }
}

/// Messages a worker has on the wire at once (each on its own kept SMTP connection): enough to
/// keep a relay busy while each exchange waits on the network, few enough for any relay's limit
/// of connections per client.
const SENDS_AT_ONCE: usize = 8;

pub const DEFAULT_FROM: &str = "Programmabureau Toekomstscenario kind- en gezinsbescherming <programmabureau@toekomstscenario.example>";

/// The wait before the next attempt, after `attempts` attempts: base · 2^(attempts−1), capped.
pub fn backoff(s: &Settings, attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(0);
    let factor = 1i64 << exponent;
    s.base_backoff
        .checked_mul(i32::try_from(factor).unwrap_or(i32::MAX))
        .map_or(s.max_backoff, |d| d.min(s.max_backoff))
}

/// What one pass of the worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Rows whose lease another worker took over before this one marked them.
    pub lost: usize,
    /// The test hook stopped the pass after sending, before marking.
    pub crashed: bool,
}

impl Pass {
    fn add(&mut self, p: &Pass) {
        self.claimed += p.claimed;
        self.sent += p.sent;
        self.retried += p.retried;
        self.failed += p.failed;
        self.lost += p.lost;
        self.crashed |= p.crashed;
    }
}

/// A claimed row and how its delivery went (`Err`: what went wrong, for a retry).
type Outcome = (outbox::Model, Result<(), String>);

/// A test hook: called after a message was sent and before its row is marked; `true` makes the
/// worker stop right there, as if it died (the row stays `sending` until its lease runs out).
pub type CrashHook = Arc<dyn Fn(&outbox::Model) -> bool + Send + Sync>;

/// What renders the letter a queued decision email waits for, and gives its stored bytes (none
/// if it cannot be had yet). The service installs it at start (`startup`): the mail layer does
/// not reach into the service.
pub type LetterRenderer = fn(AppState, outbox::Model) -> LetterFuture;

/// What a [`LetterRenderer`] answers: the letter's stored bytes, if they can be had now.
pub type LetterFuture = Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>, DomainError>> + Send>>;

static RENDERER: OnceLock<LetterRenderer> = OnceLock::new();

/// Installs the [`LetterRenderer`] (once per process; later calls change nothing).
pub fn install_letter_renderer(render: LetterRenderer) {
    let _ = RENDERER.set(render);
}

pub struct Worker {
    state: AppState,
    transport: Arc<dyn Transport>,
    settings: Settings,
    id: String,
    crash_after_send: Option<CrashHook>,
}

fn random_hex(n: usize) -> Result<String, DomainError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| DomainError::internal(e.to_string()))?;
    Ok(crate::domain::digest::hex(&bytes))
}

impl Worker {
    pub fn new(
        state: AppState,
        transport: Arc<dyn Transport>,
        settings: Settings,
    ) -> Result<Worker, DomainError> {
        let id = format!("worker-{}", random_hex(4)?);
        Ok(Worker { state, transport, settings, id, crash_after_send: None })
    }

    /// For tests: see [`CrashHook`].
    pub fn crash_after_send(mut self, hook: CrashHook) -> Worker {
        self.crash_after_send = Some(hook);
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims up to `batch` due rows, delivers them with a few on the wire at once (each on its
    /// own kept SMTP connection: an exchange mostly waits on the network, and waits overlap),
    /// then marks their outcomes in one short write transaction, in the order claimed.
    pub async fn run_once(&self) -> Result<Pass, DomainError> {
        let now = self.state.now();
        let rows = self.claim(now).await?;
        let mut pass = Pass { claimed: rows.len(), ..Pass::default() };
        let mut outcomes = self.deliver(rows, now).await?;
        pass.crashed = self.crash_point(&mut outcomes);
        mark(&self.state, &self.settings, &outcomes, now, &mut pass).await?;
        Ok(pass)
    }

    /// The test hook (see [`CrashHook`]): if it fires on a delivered row, the worker "dies" there:
    /// what came before is marked, that row and the rest stay `sending` until their lease ends.
    fn crash_point(&self, outcomes: &mut Vec<Outcome>) -> bool {
        if let Some(hook) = &self.crash_after_send
            && let Some(at) = outcomes.iter().position(|(row, result)| result.is_ok() && hook(row))
        {
            outcomes.truncate(at);
            return true;
        }
        false
    }

    /// Sends every row (with its letter), at most [`SENDS_AT_ONCE`] at a time; the outcomes in
    /// the order claimed, whatever order the sends finished in.
    async fn deliver(
        &self,
        rows: Vec<outbox::Model>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Outcome>, DomainError> {
        let mut outcomes: Vec<Option<Outcome>> = vec![None; rows.len()];
        let rows = with_stored_letters(&self.state, rows).await?;
        let mut sending = tokio::task::JoinSet::new();
        for (at, row) in rows.into_iter().enumerate() {
            if sending.len() >= SENDS_AT_ONCE
                && let Some(joined) = sending.join_next().await
            {
                let (at, outcome) = joined.map_err(DomainError::internal)?;
                outcomes[at] = Some(outcome);
            }
            let (state, transport) = (self.state.clone(), self.transport.clone());
            let (from, reply_to) = (self.settings.from.clone(), self.settings.reply_to.clone());
            // Rendering and encoding run in the task too, so they overlap other sends.
            sending.spawn(async move {
                let prepared = with_letter(state, row.clone()).await.and_then(|row| {
                    build_message_replying_to(&row, &from, reply_to.as_deref(), now)
                });
                let result = match prepared {
                    Ok(message) => transport.send(&row, &message).await,
                    Err(e) => Err(e),
                };
                (at, (row, result))
            });
        }
        while let Some(joined) = sending.join_next().await {
            let (at, outcome) = joined.map_err(DomainError::internal)?;
            outcomes[at] = Some(outcome);
        }
        Ok(outcomes.into_iter().flatten().collect())
    }

    /// Passes until nothing is due (at the clock's now); the totals.
    pub async fn drain(&self) -> Result<Pass, DomainError> {
        let mut total = Pass::default();
        // A pass's marking runs while the next pass sends (the two never touch the same rows:
        // a pass's rows stay leased to this worker until marked); it starts after the next
        // claim, because on SQLite the two would only wait for one write lock. The markings
        // follow one another in the order claimed.
        let mut pending: Option<(Vec<Outcome>, Pass, DateTime<Utc>)> = None;
        loop {
            let now = self.state.now();
            let claimed = self.claim(now).await;
            let marking = pending.take().map(|(outcomes, mut pass, at)| {
                let (state, settings) = (self.state.clone(), self.settings.clone());
                tokio::spawn(async move {
                    mark(&state, &settings, &outcomes, at, &mut pass).await.map(|()| pass)
                })
            });
            let delivered = match claimed {
                Ok(rows) => {
                    let claimed = rows.len();
                    self.deliver(rows, now).await.map(|outcomes| (claimed, outcomes))
                }
                Err(e) => Err(e),
            };
            if let Some(previous) = marking {
                total.add(&previous.await.map_err(DomainError::internal)??);
            }
            let (claimed, mut outcomes) = delivered?;
            let mut pass = Pass { claimed, ..Pass::default() };
            pass.crashed = self.crash_point(&mut outcomes);
            // Rows that failed now are due later, so a pass that only retried ends the drain.
            if pass.crashed || claimed == 0 || !outcomes.iter().any(|(_, r)| r.is_ok()) {
                mark(&self.state, &self.settings, &outcomes, now, &mut pass).await?;
                total.add(&pass);
                return Ok(total);
            }
            pending = Some((outcomes, pass, now));
        }
    }

    /// The background loop of `serve`: a pass every `poll`, until `stop` changes (or its sender is
    /// dropped).
    pub async fn run_loop(
        self,
        poll: std::time::Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut timer = tokio::time::interval(poll);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = timer.tick() => {
                    if let Err(e) = self.drain().await {
                        tracing::error!(error = %e, "mail worker pass failed");
                    }
                }
                _ = stop.changed() => break,
            }
        }
    }

    fn due(now: DateTime<Utc>) -> Condition {
        Condition::any()
            .add(
                Condition::all()
                    .add(outbox::Column::Status.eq(status::QUEUED))
                    .add(outbox::Column::NextAttemptAt.lte(now)),
            )
            .add(
                Condition::all()
                    .add(outbox::Column::Status.eq(status::SENDING))
                    .add(outbox::Column::LeaseUntil.lt(now)),
            )
    }

    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<outbox::Model>, DomainError> {
        let token = format!("{}:{}", self.id, random_hex(6)?);
        let lease_until = now + self.settings.lease;
        let set_lease = |q: sea_orm::UpdateMany<outbox::Entity>| {
            q.col_expr(outbox::Column::Status, Expr::value(status::SENDING))
                .col_expr(outbox::Column::LeaseUntil, Expr::value(lease_until))
                .col_expr(outbox::Column::LeasedBy, Expr::value(token.clone()))
                .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
        };
        let db = &self.state.db;
        if db.get_database_backend() == DatabaseBackend::Postgres {
            let txn = db.begin().await?;
            let ids: Vec<i32> = outbox::Entity::find()
                .select_only()
                .column(outbox::Column::Id)
                .filter(Self::due(now))
                .order_by_asc(outbox::Column::NextAttemptAt)
                .order_by_asc(outbox::Column::Id)
                .limit(self.settings.batch)
                .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                .into_tuple()
                .all(&txn)
                .await?;
            if !ids.is_empty() {
                set_lease(outbox::Entity::update_many())
                    .filter(outbox::Column::Id.is_in(ids))
                    .exec(&txn)
                    .await?;
            }
            txn.commit().await?;
        } else {
            // One statement: SQLite runs it under its single write lock, so it is the claim.
            let due_ids = Query::select()
                .column(outbox::Column::Id)
                .from(outbox::Entity)
                .cond_where(Self::due(now))
                .order_by(outbox::Column::NextAttemptAt, sea_orm::Order::Asc)
                .order_by(outbox::Column::Id, sea_orm::Order::Asc)
                .limit(self.settings.batch)
                .to_owned();
            set_lease(outbox::Entity::update_many())
                .filter(outbox::Column::Id.in_subquery(due_ids))
                .exec(db)
                .await?;
        }
        Ok(outbox::Entity::find()
            .filter(outbox::Column::LeasedBy.eq(token))
            .filter(outbox::Column::Status.eq(status::SENDING))
            .order_by_asc(outbox::Column::Id)
            .all(db)
            .await?)
    }
}

/// Marks the outcomes (sent, to retry, or failed for good) in one write transaction, row by
/// row in the order given.
async fn mark(
    state: &AppState,
    settings: &Settings,
    outcomes: &[Outcome],
    now: DateTime<Utc>,
    pass: &mut Pass,
) -> Result<(), DomainError> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let txn = state.write().await?;
    // The sent rows in one statement per claim (a round trip per email on PostgreSQL before).
    let mut sent: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (row, result) in outcomes {
        let token = row.leased_by.as_deref().unwrap_or_default();
        match result {
            Ok(()) => sent.entry(token).or_default().push(row.id),
            Err(e) => {
                tracing::warn!(id = row.id, attempts = row.attempts, error = %e, "delivery failed");
                let give_up = row.attempts >= settings.max_attempts;
                let next = now + backoff(settings, row.attempts);
                let n = mark_failed(&*txn, row, token, e, give_up, next).await?;
                if give_up {
                    pass.failed += n
                } else {
                    pass.retried += n
                }
                if n == 0 {
                    lease_lost(pass, 1);
                }
            }
        }
    }
    for (token, ids) in sent {
        let n = mark_sent(&*txn, &ids, token, &settings.from, now).await?;
        pass.sent += n;
        lease_lost(pass, ids.len().saturating_sub(n));
    }
    txn.commit().await?;
    Ok(())
}

/// Counts rows whose lease ran out before they were marked (another worker has them now).
fn lease_lost(pass: &mut Pass, rows: usize) {
    if rows > 0 {
        tracing::warn!(rows, "the lease ran out before a row was marked; another worker has it");
        pass.lost += rows;
    }
}

/// The rows with the letters already rendered attached, read in one statement for the claim
/// (not one per email); a row whose letter is pending is left to [`with_letter`].
async fn with_stored_letters(
    state: &AppState,
    mut rows: Vec<outbox::Model>,
) -> Result<Vec<outbox::Model>, DomainError> {
    let wanted: Vec<(i32, String)> = rows
        .iter()
        .filter(|r| r.attachment_content.is_none())
        .filter_map(|r| {
            let app = super::outbox::application_of_target(&r.target)?;
            Some((app, r.attachment_filename.clone()?))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(rows);
    }
    let stored = crate::store::letters::contents_by_filenames(&state.db, &wanted).await?;
    for row in rows.iter_mut().filter(|r| r.attachment_content.is_none()) {
        let (Some(app), Some(filename)) =
            (super::outbox::application_of_target(&row.target), row.attachment_filename.clone())
        else {
            continue;
        };
        row.attachment_content = stored.get(&(app, filename)).cloned();
    }
    Ok(rows)
}

/// The row with its letter: a decision email whose letter is still pending gets it rendered
/// now (through the renderer the service installed, see [`install_letter_renderer`]); an email
/// never leaves without its letter.
async fn with_letter(state: AppState, mut row: outbox::Model) -> Result<outbox::Model, String> {
    if row.attachment_filename.is_none() || row.attachment_content.is_some() {
        return Ok(row);
    }
    let not_yet = || "its letter is not rendered yet".to_string();
    let render = RENDERER.get().ok_or_else(not_yet)?;
    let content = render(state, row.clone()).await.map_err(|e| e.to_string())?;
    row.attachment_content = Some(content.ok_or_else(not_yet)?);
    Ok(row)
}

/// Marks rows sent, those its claim still owns; the number of rows marked.
async fn mark_sent<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
    token: &str,
    from: &str,
    now: DateTime<Utc>,
) -> Result<usize, DomainError> {
    let mut marked = 0;
    // In slices: a bind list stays well under the databases' parameter limits.
    for slice in ids.chunks(500) {
        let r = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(status::SENT))
            .col_expr(outbox::Column::SentAt, Expr::value(now))
            .col_expr(outbox::Column::SentFrom, Expr::value(from.to_string()))
            .col_expr(outbox::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(outbox::Column::LastError, Expr::value(Option::<String>::None))
            .filter(outbox::Column::Id.is_in(slice.iter().copied()))
            .filter(outbox::Column::LeasedBy.eq(token))
            .filter(outbox::Column::Status.eq(status::SENDING))
            .exec(db)
            .await?;
        marked += usize::try_from(r.rows_affected).unwrap_or(0);
    }
    Ok(marked)
}

/// Marks a failed attempt: due again at `next`, or `failed` for good; if its claim still owns
/// the row, the number of rows marked (0 or 1).
async fn mark_failed<C: ConnectionTrait>(
    db: &C,
    row: &outbox::Model,
    token: &str,
    error: &str,
    give_up: bool,
    next: DateTime<Utc>,
) -> Result<usize, DomainError> {
    let r = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(if give_up { status::FAILED } else { status::QUEUED }),
        )
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(next))
        .col_expr(outbox::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(error.chars().take(2000).collect::<String>()),
        )
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::LeasedBy.eq(token))
        .filter(outbox::Column::Status.eq(status::SENDING))
        .exec(db)
        .await?;
    Ok(usize::try_from(r.rows_affected).unwrap_or(0))
}

/// The message of a row: plain text with its HTML alternative, the attachment if there is one,
/// and the row's own Message-ID. `date` is the moment of sending.
pub fn build_message(
    row: &outbox::Model,
    from: &str,
    date: DateTime<Utc>,
) -> Result<Message, String> {
    build_message_replying_to(row, from, None, date)
}

/// As [`build_message`], with a `Reply-To` when replies go elsewhere than `from`.
pub fn build_message_replying_to(
    row: &outbox::Model,
    from: &str,
    reply_to: Option<&str>,
    date: DateTime<Utc>,
) -> Result<Message, String> {
    let html =
        row.body_html.clone().unwrap_or_else(|| templates::html_of(&row.subject, &row.body_text));
    let alternative = MultiPart::alternative()
        .singlepart(
            SinglePart::builder().header(ContentType::TEXT_PLAIN).body(row.body_text.clone()),
        )
        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html));
    let builder = Message::builder()
        .from(from.parse().map_err(|e| format!("sender {from:?}: {e}"))?)
        .to(row.recipient.parse().map_err(|e| format!("recipient {:?}: {e}", row.recipient))?)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .date(std::time::SystemTime::from(date));
    let builder = match reply_to.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => builder.reply_to(r.parse().map_err(|e| format!("reply-to {r:?}: {e}"))?),
        None => builder,
    };
    let body = match (&row.attachment_filename, &row.attachment_media_type, &row.attachment_content)
    {
        (Some(name), Some(media_type), Some(content)) => {
            let ct = ContentType::parse(media_type)
                .map_err(|e| format!("attachment type {media_type:?}: {e}"))?;
            // Always base64: a PDF that happens to be ASCII would otherwise go as 7bit text, and
            // its line endings (and with them its byte offsets) could change on the way.
            let body = Body::new_with_encoding(content.clone(), ContentTransferEncoding::Base64)
                .map_err(|_| "the attachment cannot be encoded".to_string())?;
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(Attachment::new(name.clone()).body(body, ct))
        }
        _ => alternative,
    };
    builder.multipart(body).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_and_is_capped() {
        let s = Settings::default();
        assert_eq!(backoff(&s, 1), Duration::seconds(60));
        assert_eq!(backoff(&s, 2), Duration::seconds(120));
        assert_eq!(backoff(&s, 4), Duration::seconds(480));
        assert_eq!(backoff(&s, 30), Duration::hours(6));
        assert_eq!(backoff(&s, 0), Duration::seconds(60));
    }
}
