//! Queueing many emails at once (a publication's decision emails) in a few statements, with the
//! same rules as [`super::outbox::enqueue`] one at a time; and filling in a letter's attachment once it
//! is rendered.

use std::collections::{HashMap, HashSet};

use entity::outbox;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};

use super::outbox::{
    NewEmail, ReadyEmail, cancel_obsolete, kind, revive_cancelled, row_of, status,
};
use crate::error::DomainError;

/// Rows per multi-row statement. Fewer than for other rows: an email's text is large, and with
/// 400 rows a statement's values were copied through buffers big enough to make glibc's
/// allocator consolidate its free lists at every free (at 10,000 emails, 0.56–0.70 s of a
/// publication's write lock; 0.39 s with 64 rows).
const CHUNK: usize = 64;

/// Queues many emails, as [`super::outbox::enqueue`] does each: one that is queued already is
/// left as it is, one cancelled as obsolete before is queued again, and a queued email of the
/// opposite decision is cancelled. Returns how many were queued. A chunk costs two statements
/// (what exists, then one multi-row insert); only revivals and cancellations, which a first
/// publication does not have, cost one more each.
pub async fn enqueue_many<C: ConnectionTrait>(
    db: &C,
    emails: Vec<NewEmail>,
) -> Result<usize, DomainError> {
    let ready = emails.into_iter().map(ReadyEmail::of).collect::<Result<Vec<_>, _>>()?;
    enqueue_ready(db, ready).await
}

/// [`enqueue_many`] of emails made ready before the transaction (see [`ReadyEmail`]).
pub async fn enqueue_ready<C: ConnectionTrait>(
    db: &C,
    emails: Vec<ReadyEmail>,
) -> Result<usize, DomainError> {
    let mut queued = 0;
    let mut emails = emails.into_iter().peekable();
    while emails.peek().is_some() {
        let chunk: Vec<ReadyEmail> = emails.by_ref().take(CHUNK).collect();
        queued += enqueue_chunk(db, chunk).await?;
    }
    Ok(queued)
}

type Key = (String, String, String);

/// The kind, target, occasion and status of the outbox rows of these targets: what a chunk
/// checks before it inserts. By target alone (`idx_outbox_target`, a few rows per application),
/// the kinds sorted out by the caller. With the kinds in the statement too, PostgreSQL went by
/// the unique index on kind first (its statistics, taken before the publication, know no row of
/// these kinds), so each chunk looked at every decision email queued so far in the transaction:
/// at 10,000 emails 0.9 s of the write lock, growing with the square of the call.
pub fn rows_of_targets(targets: impl IntoIterator<Item = String>) -> Select<outbox::Entity> {
    outbox::Entity::find()
        .select_only()
        .columns([
            outbox::Column::Kind,
            outbox::Column::Target,
            outbox::Column::Occasion,
            outbox::Column::Status,
        ])
        .filter(outbox::Column::Target.is_in(targets))
}

async fn enqueue_chunk<C: ConnectionTrait>(
    db: &C,
    chunk: Vec<ReadyEmail>,
) -> Result<usize, DomainError> {
    let targets: HashSet<String> = chunk.iter().map(|e| e.email.target.clone()).collect();
    let mut kinds: HashSet<String> = chunk.iter().map(|e| e.email.kind.clone()).collect();
    kinds.extend(chunk.iter().filter_map(|e| kind::opposite(&e.email.kind)).map(str::to_string));
    let mut existing: Vec<(String, String, String, String)> =
        rows_of_targets(targets).into_tuple().all(db).await?;
    existing.retain(|(k, ..)| kinds.contains(k));
    let status_of: HashMap<Key, String> = existing
        .iter()
        .map(|(k, t, o, s)| ((k.clone(), t.clone(), o.clone()), s.clone()))
        .collect();
    let queued_kinds: HashSet<(&str, &str)> = existing
        .iter()
        .filter(|(_, _, _, s)| s == status::QUEUED)
        .map(|(k, t, _, _)| (k.as_str(), t.as_str()))
        .collect();
    let mut rows = Vec::new();
    let mut done: Vec<(String, String, chrono::DateTime<chrono::Utc>)> = Vec::new();
    let mut seen: HashSet<Key> = HashSet::new();
    for ready in chunk {
        let email = &ready.email;
        let key = (email.kind.clone(), email.target.clone(), email.occasion.clone());
        if !seen.insert(key.clone()) {
            continue;
        }
        match status_of.get(&key).map(String::as_str) {
            Some(s) if s == status::CANCELLED => {
                if revive_cancelled(db, email).await? {
                    done.push((key.0, key.1, email.at));
                }
            }
            Some(_) => {}
            None => {
                done.push((key.0, key.1, email.at));
                rows.push(row_of(ready));
            }
        }
    }
    if !rows.is_empty() {
        outbox::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([
                outbox::Column::Kind,
                outbox::Column::Target,
                outbox::Column::Occasion,
            ])
            .exec_without_returning(db)
            .await?;
    }
    for (k, target, at) in &done {
        if let Some(obsolete) = kind::opposite(k)
            && queued_kinds.contains(&(obsolete, target.as_str()))
        {
            cancel_obsolete(db, target, obsolete, k, *at).await?;
        }
    }
    Ok(done.len())
}
