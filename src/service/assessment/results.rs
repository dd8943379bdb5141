//! The results of a call, a published outcome recomputed from its frozen inputs, and what-if.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Round;
use super::STAGE_FINAL;
use super::sheets::checked;
use crate::domain::decision::Decision;
use crate::domain::scoring::SheetInput;
use crate::domain::selection::{self, SelectionInput, SelectionResult, SheetFacts};
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::{Principal, Role};
use crate::service::outcome::{AppRow, submitted_apps};
use crate::service::outcome_cache::{CallOutcome, apps_by_ref, call_outcome};
use crate::store::{
    self,
    calls::{StoredCall, call_of},
};

/// The results of a call: what the sheets and decisions give now; once the final decision is
/// published, what its frozen inputs give, so the results always equal the published outcome.
/// Every line, with the submitted applications (calibration, what-if).
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn results(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<(StoredCall, Arc<CallOutcome>, Vec<AppRow>), DomainError> {
    who.require(&[Role::Staff])?;
    let call = call_of(&state.db, call_id).await?;
    let outcome = call_outcome(state, &call).await?;
    let apps = submitted_apps(&state.db, call_id).await?;
    Ok((call, outcome, apps))
}

/// Which lines of the results, and how many.
#[derive(Debug, Clone)]
pub struct ResultsQuery {
    /// Only lines with this decision (`awarded`, …), or `undecided` for those without one.
    pub decision: Option<String>,
    pub limit: u64,
    pub offset: u64,
}

impl Default for ResultsQuery {
    fn default() -> ResultsQuery {
        ResultsQuery { decision: None, limit: 100, offset: 0 }
    }
}

/// One page of a call's results: the whole outcome (its totals hold for the whole call), the
/// positions of this page's lines in it, their applications, and how many lines match in all.
#[derive(Debug, Clone)]
pub struct ResultsPage {
    pub call: StoredCall,
    pub outcome: Arc<CallOutcome>,
    pub lines: Vec<usize>,
    pub apps: HashMap<String, AppRow>,
    pub total: u64,
}

/// The decisions a results page filters on.
pub const UNDECIDED: &str = "undecided";

/// One page of the results (the outcome is computed once per change, see `outcome_cache`).
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn results_page(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    q: &ResultsQuery,
) -> Result<ResultsPage, DomainError> {
    who.require(&[Role::Staff])?;
    let wanted: Option<Option<Decision>> = match q.decision.as_deref() {
        None => None,
        Some(UNDECIDED) => Some(None),
        Some(d) => Some(Some(Decision::parse(d).ok_or_else(|| {
            DomainError::invalid("decision", "one of the decisions, or undecided")
        })?)),
    };
    let call = call_of(&state.db, call_id).await?;
    let outcome = call_outcome(state, &call).await?;
    let matching: Vec<usize> = outcome
        .result
        .applications
        .iter()
        .enumerate()
        .filter(|(_, a)| wanted.is_none_or(|w| a.decision == w))
        .map(|(i, _)| i)
        .collect();
    let total = matching.len() as u64;
    let lines: Vec<usize> = matching
        .into_iter()
        .skip(usize::try_from(q.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(q.limit).unwrap_or(usize::MAX))
        .collect();
    let refs: Vec<&str> =
        lines.iter().map(|i| outcome.result.applications[*i].r#ref.as_str()).collect();
    let apps = apps_by_ref(state, call_id, &refs).await?;
    Ok(ResultsPage { call, outcome, lines, apps, total })
}

#[derive(Debug, Clone)]
pub struct FrozenOutcome {
    pub stage: String,
    pub sha256: String,
    pub rule_version: String,
    pub published_at: DateTime<Utc>,
    /// The hash of the stored inputs matches, and recomputing them gives the stored result.
    pub verified: bool,
    pub result: serde_json::Value,
}

/// Recomputes a published outcome from its frozen inputs and checks it against what was published.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn frozen(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    stage: &str,
) -> Result<FrozenOutcome, DomainError> {
    who.require(&[Role::Staff])?;
    let snap = store::assessment::snapshot(&state.db, call_id, stage).await?.ok_or_else(|| {
        DomainError::NotFound(format!("a published {stage} outcome of call {call_id}"))
    })?;
    let input: SelectionInput =
        serde_json::from_str(&snap.inputs).map_err(DomainError::internal)?;
    let recomputed =
        serde_json::to_string(&selection::compute(&input)).map_err(DomainError::internal)?;
    let verified = crate::domain::digest::sha256_hex(snap.inputs.as_bytes()) == snap.sha256
        && recomputed == snap.result
        && snap.rule_version == selection::RULE_VERSION;
    Ok(FrozenOutcome {
        stage: snap.stage,
        sha256: snap.sha256,
        rule_version: snap.rule_version,
        published_at: snap.published_at,
        verified,
        result: serde_json::from_str(&snap.result).map_err(DomainError::internal)?,
    })
}

#[derive(Debug, Clone)]
pub struct WhatIf {
    pub awarded_before: Vec<String>,
    pub awarded_after: Vec<String>,
    pub changed: bool,
    pub result: SelectionResult,
}

/// The sheet a what-if puts in place of one assessor's sheet on one application in a round.
#[derive(Debug, Clone)]
pub struct ReplacedSheet<'a> {
    /// The application's region reference.
    pub application_ref: &'a str,
    /// The assessor whose sheet it replaces, as named in the frozen inputs.
    pub assessor: &'a str,
    pub round: Round,
    pub sheet: SheetInput,
}

/// What if one sheet had been different (as after a successful objection)? Recomputes the final
/// outcome from its frozen inputs with that sheet replaced; the published outcome is untouched.
#[tracing::instrument(skip_all, fields(call_id = call_id))]
pub async fn what_if(
    state: &AppState,
    who: &Principal,
    call_id: i32,
    replaced: ReplacedSheet<'_>,
) -> Result<WhatIf, DomainError> {
    let ReplacedSheet { application_ref, assessor, round, sheet } = replaced;
    who.require(&[Role::Staff])?;
    let call = call_of(&state.db, call_id).await?;
    let snap =
        store::assessment::snapshot(&state.db, call_id, STAGE_FINAL).await?.ok_or_else(|| {
            DomainError::Conflict("what-if works on a published final decision".into())
        })?;
    let mut input: SelectionInput =
        serde_json::from_str(&snap.inputs).map_err(DomainError::internal)?;
    let before = selection::compute(&input);
    let scored = checked(&call.definition, &sheet, true)?;
    let app =
        input.applications.iter_mut().find(|a| a.r#ref == application_ref).ok_or_else(|| {
            DomainError::invalid("application", "not an application of the published outcome")
        })?;
    let sheets = match round {
        Round::First => &mut app.first_round,
        Round::Final => &mut app.final_round,
    };
    let target = sheets.iter_mut().find(|s| &*s.assessor == assessor).ok_or_else(|| {
        DomainError::invalid(
            "assessor",
            "this assessor has no sheet on the application in that round",
        )
    })?;
    *target = SheetFacts::of_scored(&input.settings, assessor.into(), &scored);
    let after = selection::compute(&input);
    let mut b = before.awarded_in_rank_order.clone();
    let mut a = after.awarded_in_rank_order.clone();
    b.sort();
    a.sort();
    Ok(WhatIf {
        changed: a != b,
        awarded_before: before.awarded_in_rank_order,
        awarded_after: after.awarded_in_rank_order.clone(),
        result: after,
    })
}
