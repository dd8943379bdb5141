//! The rows a publication writes for its applications, made before the write lock: their
//! statuses, their letters (pending), their decision emails (rendered, HTML and Message-ID made)
//! and their audit lines. Inside the lock they are only written, a few multi-row statements per
//! kind of row whatever the call's size; the letters get their batch there.

use std::collections::{BTreeMap, HashMap};

use sea_orm::DatabaseTransaction;

use crate::domain::decision::{Publication, final_publication, first_round_publication};
use crate::domain::grounds::Grounds;
use crate::domain::round::Round;
use crate::error::DomainError;
use crate::mail::decisions::InterviewAt;
use crate::mail::outbox::ReadyEmail;
use crate::service::letters::{self, Publishing};
use crate::service::outcome::{AppRow, reference};
use crate::service::{audit, notify};
use crate::store::{self, bulk::AuditRows, letters::NewLetter};

/// What a publication writes for its applications.
pub(super) struct Plan {
    statuses: BTreeMap<&'static str, Vec<i32>>,
    letters: Vec<NewLetter>,
    emails: Vec<ReadyEmail>,
    trail: AuditRows,
}

/// One application's published decision.
struct Decided<'a> {
    app: &'a AppRow,
    publication: Publication,
    /// The email's occasion: `first_round` or `final`.
    occasion: &'static str,
    /// The audit line's action and details.
    action: &'static str,
    details: serde_json::Value,
}

/// The decision of every application the round's outcome decides, in the outcome's order.
fn decided<'a>(p: &Publishing<'_>, apps: &'a [AppRow], round: Round) -> Vec<Decided<'a>> {
    // Built once, not a search per application.
    let by_ref: HashMap<&str, &AppRow> = apps.iter().map(|a| (a.region_ref.as_str(), a)).collect();
    p.outcome
        .result
        .applications
        .iter()
        .filter_map(|r| {
            let app = *by_ref.get(r.r#ref.as_str())?;
            Some(match round {
                Round::First => {
                    let publication = r.first_round_decision.map(first_round_publication)?;
                    let details = serde_json::json!({"decision": publication.status});
                    let action = "application.first_round_decided";
                    Decided { app, publication, occasion: "first_round", action, details }
                }
                Round::Final => {
                    let publication = r.decision.and_then(final_publication)?;
                    let details = serde_json::json!(
                        {"decision": publication.status, "allocated": r.allocated}
                    );
                    let action = "application.decided";
                    Decided { app, publication, occasion: "final", action, details }
                }
            })
        })
        .collect()
}

impl Plan {
    /// The rows of the publication `p` of `round`.
    pub(super) fn of(
        p: &Publishing<'_>,
        apps: &[AppRow],
        round: Round,
    ) -> Result<Plan, DomainError> {
        let Publishing { call, outcome: o, letters: resolved, now, .. } = *p;
        let decided = decided(p, apps, round);
        let mut statuses: BTreeMap<&'static str, Vec<i32>> = BTreeMap::new();
        for d in &decided {
            statuses.entry(d.publication.status).or_default().push(d.app.id);
        }
        let actor = p.who.actor();
        let (mut new_letters, mut emails, mut trail) = (Vec::new(), Vec::new(), Vec::new());
        let grounds = Grounds::new(&o.input, &o.result);
        for d in decided {
            let (app, email) = (d.app, d.publication.email);
            let (issued, attachment) = letters::pending(p, app, email);
            new_letters.extend(issued);
            let details = notify::Details {
                reference: reference(call.id, app.id),
                ground: grounds.of(&app.region_ref).as_ref().map(letters::ground_sentence),
                interview: (email == "interview_invitation")
                    .then(|| resolved.settings.interviews.get(&app.id))
                    .flatten()
                    .map(|i| InterviewAt {
                        date: i.date,
                        time: i.time,
                        place: i.place.clone(),
                        video_link: i.video_link.clone(),
                    }),
            };
            let outgoing =
                notify::OutgoingDecision { kind: email, occasion: d.occasion, details, attachment };
            let rendered = notify::decision_email(&call.definition, app, outgoing, now);
            emails.push(ReadyEmail::of(rendered)?);
            trail.push(audit::AuditEntry {
                actor: &actor,
                at: now,
                action: d.action,
                entity_type: "application",
                entity_id: app.id.to_string(),
                reason: None,
                details: d.details,
            });
        }
        let trail = AuditRows::of(trail);
        Ok(Plan { statuses, letters: new_letters, emails, trail })
    }

    /// Writes the rows: the statuses, the letters in a batch frozen now (`freeze_batch`), the
    /// emails and the audit lines.
    pub(super) async fn write(
        self,
        txn: &DatabaseTransaction,
        p: &Publishing<'_>,
        round: Round,
    ) -> Result<(), DomainError> {
        let Plan { statuses, letters: new_letters, emails, trail } = self;
        let started = std::time::Instant::now();
        for (status, ids) in statuses {
            store::bulk::set_statuses(txn, &ids, status, p.now).await?;
        }
        let statuses_in = started.elapsed();
        let batch_id = letters::freeze_batch(txn, p, round.stage()).await?;
        let new_letters =
            new_letters.into_iter().map(|l| NewLetter { batch_id: Some(batch_id), ..l }).collect();
        store::letters::insert_many(txn, new_letters).await?;
        let letters_in = started.elapsed();
        crate::mail::bulk::enqueue_ready(txn, emails).await?;
        let emails_in = started.elapsed();
        store::bulk::insert_audit(txn, trail).await?;
        tracing::debug!(
            call_id = p.call.id,
            ?statuses_in,
            ?letters_in,
            ?emails_in,
            took = ?started.elapsed(),
            "publication rows written"
        );
        Ok(())
    }
}
