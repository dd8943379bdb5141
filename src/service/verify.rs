//! `tuinier verify`: for every published outcome, recompute it from what is stored now (the sheets,
//! the recorded decisions, the call's settings) with the same pure function that published it
//! (`domain::selection::compute`), and compare with what was published: the frozen snapshot and
//! its SHA-256, the applications' stored decisions, the letters, the grants and the audit trail.
//! Every difference is one line; none means the published outcomes still stand as issued.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::assessment::{STAGE_FINAL, STAGE_FIRST};
use super::letters;
use super::outcome::{self, Outcome};
use crate::domain::decision::{Decision, final_publication, first_round_publication};
use crate::domain::digest::sha256_hex;
use crate::domain::money::Money;
use crate::domain::scoring::{self, SheetInput};
use crate::domain::selection::{
    self, ApplicationResult, SelectionInput, SelectionResult, Settings, SheetFacts,
};
use crate::error::DomainError;
use crate::store::sheet_memo::SheetMemo;
use crate::store::{self, calls::StoredCall};

/// One way in which what is stored no longer agrees with what was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub call_id: i32,
    pub call_code: String,
    /// `first_round`, `final`, or `sheets` for the stored sheets themselves.
    pub stage: String,
    pub what: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call {} ({}) {}: {}", self.call_id, self.call_code, self.stage, self.what)
    }
}

/// What a run checked and found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Published outcomes checked.
    pub outcomes: usize,
    pub differences: Vec<Difference>,
}

/// A value as a reader would write it: strings without quotes, absent as `none`.
fn show<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) => "none".to_string(),
        Ok(other) => other.to_string(),
        Err(_) => "?".to_string(),
    }
}

struct Found<'a> {
    call: &'a StoredCall,
    stage: &'static str,
    out: &'a mut Vec<Difference>,
}

impl Found<'_> {
    fn note(&mut self, what: String) {
        self.out.push(Difference {
            call_id: self.call.id,
            call_code: self.call.definition.code.clone(),
            stage: self.stage.to_string(),
            what,
        });
    }

    /// Notes `published` against `stored` when they differ.
    fn compare<T: Serialize + PartialEq>(
        &mut self,
        subject: &str,
        published: &T,
        stored: &T,
        source: &str,
    ) {
        if published != stored {
            self.note(format!(
                "{subject}: published {}, {source} {}",
                show(published),
                show(stored)
            ));
        }
    }
}

/// Verifies every published outcome in the database.
#[tracing::instrument(skip_all)]
pub async fn run<C: ConnectionTrait>(db: &C) -> Result<Report, DomainError> {
    let mut report = Report::default();
    for call in store::calls::list(db).await? {
        let first = store::assessment::snapshot(db, call.id, STAGE_FIRST).await?;
        let fin = store::assessment::snapshot(db, call.id, STAGE_FINAL).await?;
        if first.is_none() && fin.is_none() {
            continue;
        }
        let Outcome { input: live_input, result: live, .. } =
            Outcome::load(db, &call, &SheetMemo::off()).await?;
        check_sheet_totals(db, &call, &mut report.differences).await?;
        for (stage, snap) in [(STAGE_FIRST, first), (STAGE_FINAL, fin.clone())] {
            let Some(snap) = snap else { continue };
            report.outcomes += 1;
            let mut found = Found { call: &call, stage, out: &mut report.differences };
            let Some((frozen_input, frozen)) = check_snapshot(&snap, &mut found) else {
                continue;
            };
            compare_inputs(&frozen_input, &live_input, stage, &mut found);
            compare_results(&frozen, &live, stage, &mut found);
            check_publication(db, &frozen, stage, fin.is_some(), &mut found).await?;
        }
    }
    Ok(report)
}

/// The snapshot itself: its hash, its rule version, and its result recomputed from its inputs.
fn check_snapshot(
    snap: &entity::outcome_snapshot::Model,
    found: &mut Found<'_>,
) -> Option<(SelectionInput, SelectionResult)> {
    let hash = sha256_hex(snap.inputs.as_bytes());
    if hash != snap.sha256 {
        found.note(format!(
            "the frozen inputs hash to sha256 {hash}, the publication recorded {}",
            snap.sha256
        ));
    }
    if snap.rule_version != selection::RULE_VERSION {
        found.note(format!(
            "published under rules {}, this service applies {}",
            snap.rule_version,
            selection::RULE_VERSION
        ));
    }
    let input: SelectionInput = match serde_json::from_str(&snap.inputs) {
        Ok(i) => i,
        Err(e) => {
            found.note(format!("the frozen inputs cannot be read: {e}"));
            return None;
        }
    };
    let result = selection::compute(&input);
    match serde_json::to_string(&result) {
        Ok(text) if text == snap.result => {}
        _ => found
            .note("recomputing the frozen inputs does not give the published result".to_string()),
    }
    Some((input, result))
}

/// The settings and sheets the outcome was computed from, against those stored now.
fn compare_inputs(
    frozen: &SelectionInput,
    live: &SelectionInput,
    stage: &str,
    found: &mut Found<'_>,
) {
    let (f, l): (&Settings, &Settings) = (&frozen.settings, &live.settings);
    let now = "the call says now";
    found.compare(
        "setting interview_threshold",
        &f.interview_threshold,
        &l.interview_threshold,
        now,
    );
    found.compare(
        "setting disagreement_spread",
        &f.disagreement_spread,
        &l.disagreement_spread,
        now,
    );
    found.compare("setting knockout_criteria", &f.knockout_criteria, &l.knockout_criteria, now);
    found.compare("setting weighted_criteria", &f.weighted_criteria, &l.weighted_criteria, now);
    if stage == STAGE_FINAL {
        found.compare("setting budget_ceiling", &f.budget_ceiling, &l.budget_ceiling, now);
        found.compare("setting max_awards", &f.max_awards, &l.max_awards, now);
        found.compare("setting allocation_policy", &f.allocation_policy, &l.allocation_policy, now);
        found.compare(
            "manual allocation",
            &frozen.manual_allocation,
            &live.manual_allocation,
            "stored now",
        );
    }
    let live_apps: BTreeMap<&str, _> =
        live.applications.iter().map(|a| (a.r#ref.as_str(), a)).collect();
    for a in &frozen.applications {
        let r = a.r#ref.as_str();
        let Some(l) = live_apps.get(r) else {
            found.note(format!("application {r} is in the published outcome but not among the submitted applications"));
            continue;
        };
        found.compare(
            &format!("application {r} requested total"),
            &a.requested_total,
            &l.requested_total,
            "stored",
        );
        found.compare(
            &format!("application {r} knock-out decision"),
            &a.knockout_decision,
            &l.knockout_decision,
            "stored",
        );
        compare_sheets(r, "first-round", &a.first_round, &l.first_round, found);
        if stage == STAGE_FINAL {
            found.compare(
                &format!("application {r} tie decision"),
                &a.tie_decision,
                &l.tie_decision,
                "stored",
            );
            compare_sheets(r, "final-round", &a.final_round, &l.final_round, found);
        }
    }
    let frozen_refs: BTreeSet<&str> =
        frozen.applications.iter().map(|a| a.r#ref.as_str()).collect();
    for r in live_apps.keys().filter(|r| !frozen_refs.contains(*r)) {
        found.note(format!("application {r} is submitted but not in the published outcome"));
    }
}

fn compare_sheets(
    r: &str,
    round: &str,
    frozen: &[SheetFacts],
    live: &[SheetFacts],
    found: &mut Found<'_>,
) {
    let by_assessor = |s: &[SheetFacts]| -> BTreeMap<crate::domain::selection::Key, SheetFacts> {
        s.iter().map(|s| (s.assessor.clone(), s.clone())).collect()
    };
    let (f, l) = (by_assessor(frozen), by_assessor(live));
    for (assessor, fs) in &f {
        let Some(ls) = l.get(assessor) else {
            found.note(format!("application {r}: the {round} sheet of {assessor} is in the published outcome but not stored as submitted"));
            continue;
        };
        let subject = format!("application {r}: {round} sheet of {assessor}");
        found.compare(&format!("{subject} total"), &fs.total, &ls.total, "stored");
        for id in fs.points.keys().chain(ls.points.keys()).collect::<BTreeSet<_>>() {
            found.compare(
                &format!("{subject} points on {id}"),
                &fs.points.get(id),
                &ls.points.get(id),
                "stored",
            );
        }
        found.compare(
            &format!("{subject} knock-out answers"),
            &fs.knockout,
            &ls.knockout,
            "stored",
        );
    }
    for assessor in l.keys().filter(|a| !f.contains_key(*a)) {
        found.note(format!("application {r}: a submitted {round} sheet of {assessor} is not in the published outcome"));
    }
}

/// Scores, verdicts, ranks and allocations: published against recomputed from the stored data.
fn compare_results(
    frozen: &SelectionResult,
    live: &SelectionResult,
    stage: &str,
    found: &mut Found<'_>,
) {
    let source = "recomputed from the stored sheets and decisions";
    let live_apps: BTreeMap<&str, &ApplicationResult> =
        live.applications.iter().map(|a| (a.r#ref.as_str(), a)).collect();
    for f in &frozen.applications {
        let r = f.r#ref.as_str();
        let Some(l) = live_apps.get(r) else { continue };
        let verdict = |a: &ApplicationResult| a.knockout.as_ref().map(|k| k.verdict);
        found.compare(
            &format!("application {r} knock-out verdict"),
            &verdict(f),
            &verdict(l),
            source,
        );
        found.compare(
            &format!("application {r} knock-out decided"),
            &f.knockout_decided,
            &l.knockout_decided,
            source,
        );
        let score = |a: &ApplicationResult| a.first_round.as_ref().map(|x| x.score);
        found.compare(&format!("application {r} first-round score"), &score(f), &score(l), source);
        found.compare(
            &format!("application {r} first-round decision"),
            &f.first_round_decision,
            &l.first_round_decision,
            source,
        );
        if stage == STAGE_FINAL {
            let score = |a: &ApplicationResult| a.final_round.as_ref().map(|x| x.score);
            found.compare(&format!("application {r} final score"), &score(f), &score(l), source);
            found.compare(&format!("application {r} rank"), &f.rank, &l.rank, source);
            found.compare(&format!("application {r} decision"), &f.decision, &l.decision, source);
            found.compare(
                &format!("application {r} allocated"),
                &f.allocated,
                &l.allocated,
                source,
            );
        }
    }
    if stage == STAGE_FINAL {
        found.compare(
            "awarded in rank order",
            &frozen.awarded_in_rank_order,
            &live.awarded_in_rank_order,
            source,
        );
        found.compare("allocated total", &frozen.allocated_total, &live.allocated_total, source);
        found.compare("unallocated", &frozen.unallocated, &live.unallocated, source);
    }
}

/// The status an application was given by the publication of `stage`.
fn published_status(a: &ApplicationResult, stage: &str) -> Option<&'static str> {
    if stage == STAGE_FINAL {
        return a.decision.and_then(final_publication).map(|p| p.status);
    }
    a.first_round_decision.map(|d| first_round_publication(d).status)
}

/// What the publication left behind: statuses, letters, grants and the audit trail.
async fn check_publication<C: ConnectionTrait>(
    db: &C,
    frozen: &SelectionResult,
    stage: &'static str,
    final_published: bool,
    found: &mut Found<'_>,
) -> Result<(), DomainError> {
    let call_id = found.call.id;
    let letters_of_call = store::letters::of_call(db, call_id).await?;
    check_published_entry(db, frozen, stage, found).await?;
    for a in &frozen.applications {
        let r = a.r#ref.as_str();
        let Some(expected) = published_status(a, stage) else {
            continue;
        };
        let Some(app_id) = application_id(db, call_id, r).await? else {
            found.note(format!("application {r} of the published outcome is not stored"));
            continue;
        };
        let row = outcome::app_row(db, app_id).await?;
        // An invitation is followed by the final decision; the status then moves on.
        let moved_on =
            stage == STAGE_FIRST && expected == "invited_to_interview" && final_published;
        if !moved_on {
            found.compare(
                &format!("application {r} status"),
                &expected.to_string(),
                &row.status,
                "stored",
            );
        }
        check_decision_entry(db, a, stage, app_id, expected, found).await?;
        // The letter that went out, intact and recorded when it was issued.
        if let Some(kind) = letters::kind_for(a.decision) {
            let belongs = (stage == STAGE_FINAL) != (kind.as_str() == "rejection_first_round");
            if belongs {
                check_letters(db, r, app_id, kind.as_str(), &letters_of_call, found).await?;
            }
        }
        if stage == STAGE_FINAL && a.decision == Some(Decision::Awarded) {
            check_grant(db, a, app_id, found).await?;
        }
    }
    Ok(())
}

fn audit_filter(entity_type: &str, entity_id: String, action: &str) -> store::audit::Filter {
    store::audit::Filter {
        entity_type: Some(entity_type.to_string()),
        entity_id: Some(entity_id),
        action: Some(action.to_string()),
        limit: 10_000,
        ..Default::default()
    }
}

/// The publication's own audit entry: there once, with the allocated total of a final decision.
async fn check_published_entry<C: ConnectionTrait>(
    db: &C,
    frozen: &SelectionResult,
    stage: &'static str,
    found: &mut Found<'_>,
) -> Result<(), DomainError> {
    let call_id = found.call.id;
    let published =
        store::audit::list(db, &audit_filter("call", call_id.to_string(), "outcome.published"))
            .await?;
    let entries: Vec<serde_json::Value> = published
        .iter()
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.details).ok())
        .filter(|d| d["stage"] == stage)
        .collect();
    match entries.as_slice() {
        [] => found.note(
            "the audit trail has no outcome.published entry for this publication".to_string(),
        ),
        [d] if stage == STAGE_FINAL => {
            let recorded = d["allocated_total"].as_str().map(Money::parse).and_then(Result::ok);
            found.compare(
                "allocated total in the audit trail",
                &Some(frozen.allocated_total),
                &recorded,
                "the audit trail says",
            );
        }
        [_] => {}
        more => {
            found.note(format!("the audit trail records this publication {} times", more.len()))
        }
    }
    Ok(())
}

/// The audit entry of one application's decision: the status and, finally, the amount.
async fn check_decision_entry<C: ConnectionTrait>(
    db: &C,
    a: &ApplicationResult,
    stage: &'static str,
    app_id: i32,
    expected: &str,
    found: &mut Found<'_>,
) -> Result<(), DomainError> {
    let r = a.r#ref.as_str();
    let application_action = if stage == STAGE_FINAL {
        "application.decided"
    } else {
        "application.first_round_decided"
    };
    let decided = store::audit::list(
        db,
        &audit_filter("application", app_id.to_string(), application_action),
    )
    .await?;
    match decided.last().and_then(|e| serde_json::from_str::<serde_json::Value>(&e.details).ok()) {
        None => found
            .note(format!("application {r}: the audit trail has no {application_action} entry")),
        Some(d) => {
            found.compare(
                &format!("application {r} decision in the audit trail"),
                &expected.to_string(),
                &show(&d["decision"]),
                "the audit trail says",
            );
            if stage == STAGE_FINAL {
                let recorded = d["allocated"].as_str().map(Money::parse).and_then(Result::ok);
                found.compare(
                    &format!("application {r} allocated in the audit trail"),
                    &a.allocated,
                    &recorded,
                    "the audit trail says",
                );
            }
        }
    }
    Ok(())
}

/// The grant of an award, as the proeftuin records it.
async fn check_grant<C: ConnectionTrait>(
    db: &C,
    a: &ApplicationResult,
    app_id: i32,
    found: &mut Found<'_>,
) -> Result<(), DomainError> {
    let r = a.r#ref.as_str();
    let granted = match store::monitoring::proeftuin_by_application(db, app_id).await? {
        None => None,
        Some(p) => store::monitoring::grants(db, p.id)
            .await?
            .into_iter()
            .find(|g| g.application_id == Some(app_id))
            .and_then(|g| Money::parse(&g.amount).ok()),
    };
    found.compare(
        &format!("application {r} grant of its proeftuin"),
        &a.allocated,
        &granted,
        "the proeftuin records",
    );
    Ok(())
}

async fn application_id<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    region_ref: &str,
) -> Result<Option<i32>, DomainError> {
    for a in store::applications::list_for_call(db, call_id).await? {
        if outcome::app_row(db, a.id).await?.region_ref == region_ref {
            return Ok(Some(a.id));
        }
    }
    Ok(None)
}

async fn check_letters<C: ConnectionTrait>(
    db: &C,
    r: &str,
    app_id: i32,
    kind: &str,
    letters_of_call: &[store::letters::LetterMeta],
    found: &mut Found<'_>,
) -> Result<(), DomainError> {
    let issued: Vec<_> =
        letters_of_call.iter().filter(|l| l.application_id == app_id && l.kind == kind).collect();
    if issued.is_empty() {
        found.note(format!("application {r}: no {kind} letter was issued"));
    }
    let trail = store::audit::list(
        db,
        &store::audit::Filter {
            entity_type: Some("application".into()),
            entity_id: Some(app_id.to_string()),
            limit: 10_000,
            ..Default::default()
        },
    )
    .await?;
    for l in issued {
        // A pending letter (not rendered yet) has no bytes to check; the first render fixes them.
        let Some(sha256) = l.sha256.as_deref() else { continue };
        let Some(stored) = store::letters::by_id(db, l.id).await? else {
            continue;
        };
        let hash = sha256_hex(stored.content.as_deref().unwrap_or_default());
        if hash != sha256 {
            found.note(format!(
                "application {r}: letter {} ({kind} {}) hashes to {hash}, issued as {sha256}",
                l.id, l.number
            ));
        }
        let recorded = trail.iter().any(|e| {
            (e.action == "letter.issued" || e.action == "letter.corrected")
                && serde_json::from_str::<serde_json::Value>(&e.details)
                    .is_ok_and(|d| d["letter_id"] == l.id && d["sha256"] == sha256)
        });
        if !recorded {
            found.note(format!(
                "application {r}: letter {} ({kind} {}) has no matching entry in the audit trail",
                l.id, l.number
            ));
        }
    }
    Ok(())
}

/// Each submitted sheet's stored total against the total its stored content gives.
async fn check_sheet_totals<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    out: &mut Vec<Difference>,
) -> Result<(), DomainError> {
    let apps = store::applications::list_for_call(db, call.id).await?;
    let ids: Vec<i32> = apps.iter().map(|a| a.id).collect();
    let mut found = Found { call, stage: "sheets", out };
    for s in store::assessment::sheets_of(db, &ids, None).await? {
        if s.status != "submitted" {
            continue;
        }
        let subject = format!(
            "sheet {} (application {}, {} round, version {})",
            s.id, s.application_id, s.round, s.version
        );
        let scored = serde_json::from_str::<SheetInput>(&s.content)
            .ok()
            .and_then(|input| scoring::check_sheet(&call.definition, &input, true).ok());
        match scored {
            None => found
                .note(format!("{subject}: its stored content no longer checks against the call")),
            Some(scored) => {
                let total = scored.total.to_two_decimals();
                if s.total.as_deref() != Some(total.as_str()) {
                    found.note(format!(
                        "{subject}: its scores add up to {total}, its stored total is {}",
                        show(&s.total)
                    ));
                }
            }
        }
    }
    Ok(())
}
