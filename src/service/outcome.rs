//! The read model of a call's outcome: its submitted applications, the sheets and recorded
//! decisions as the pure computation takes them, and the result. Results, letters, notifications,
//! publication and verification all read the outcome through here, so it is loaded one way.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::domain::call::CallDefinition;
use crate::domain::decision::RecordedKind;
use crate::domain::knockout::KnockoutVerdict;
use crate::domain::money::Money;
use crate::domain::region::Region;
use crate::domain::round::Round;
use crate::domain::scoring::{self, ScoredSheet, SheetInput};
use crate::domain::selection::{
    self, ApplicationInput, ApplicationResult, Key, ManualAllocation, RecordedKnockout,
    RecordedTie, SelectionInput, SelectionResult, Settings, SheetFacts,
};
use crate::domain::sheet_facts::KeptFacts;
use crate::error::DomainError;
use crate::store::sheet_memo::{SheetMemo, SheetStamp};
use crate::store::{self, calls::StoredCall};

/// An application with what the assessment needs of it.
#[derive(Debug, Clone)]
pub struct AppRow {
    pub id: i32,
    pub call_id: i32,
    pub region_id: i32,
    pub region_ref: String,
    pub region_name: String,
    pub lead_applicant_email: String,
    pub status: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// A call's outcome as it stands: loaded once, read by everything that reports or acts on it.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The submitted applications (everything past the draft), by id.
    pub apps: Vec<AppRow>,
    /// What the computation takes: settings, sheets and recorded decisions.
    pub input: SelectionInput,
    pub result: SelectionResult,
    /// Where each ref stands in `apps` and in `result.applications` (looked up, not scanned).
    app_index: HashMap<String, usize>,
    line_index: HashMap<String, usize>,
}

impl Outcome {
    /// Loads the call's applications, sheets and decisions and computes the outcome.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        call: &StoredCall,
        memo: &SheetMemo,
    ) -> Result<Outcome, DomainError> {
        let apps = submitted_apps(db, call.id).await?;
        let input = input_of(db, call, &apps, memo).await?;
        let result = selection::compute(&input);
        let app_index = apps.iter().enumerate().map(|(i, a)| (a.region_ref.clone(), i)).collect();
        let line_index =
            result.applications.iter().enumerate().map(|(i, a)| (a.r#ref.clone(), i)).collect();
        Ok(Outcome { apps, input, result, app_index, line_index })
    }

    /// The application behind a result line.
    pub fn app_of(&self, region_ref: &str) -> Option<&AppRow> {
        self.app_index.get(region_ref).and_then(|i| self.apps.get(*i))
    }

    /// The result line of an application.
    pub fn line_of(&self, region_ref: &str) -> Option<&ApplicationResult> {
        self.line_index.get(region_ref).and_then(|i| self.result.applications.get(*i))
    }
}

/// The reference number (*kenmerk*) of an application's decision: stable, and unique per call and
/// application.
pub fn reference(call_id: i32, application_id: i32) -> String {
    format!("TKG-{call_id:03}-{application_id:05}")
}

/// One application with its region, or `NotFound`.
pub async fn app_row<C: ConnectionTrait>(db: &C, id: i32) -> Result<AppRow, DomainError> {
    let not_found = || DomainError::NotFound(format!("application {id}"));
    let a = store::applications::by_id(db, id).await?.ok_or_else(not_found)?;
    let (_, region) = store::regions::by_id(db, a.region_id).await?.ok_or_else(not_found)?;
    Ok(to_app_row(a, region))
}

/// An application's row with its region's.
pub fn to_app_row(a: entity::application::Model, region: Region) -> AppRow {
    AppRow {
        id: a.id,
        call_id: a.call_id,
        region_id: a.region_id,
        region_ref: region.r#ref,
        region_name: region.name,
        lead_applicant_email: region.lead_applicant.email,
        status: a.status,
        submitted_at: a.submitted_at,
    }
}

/// Submitted applications of a call (everything past the draft), by id.
pub async fn submitted_apps<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<AppRow>, DomainError> {
    // One query for the whole call, not two per application: results are computed often.
    store::applications::submitted_of_call(db, call_id)
        .await?
        .into_iter()
        .map(|a| {
            let no_region = || DomainError::internal(format!("application {} has no region", a.id));
            Ok(AppRow {
                id: a.id,
                call_id: a.call_id,
                region_id: a.region_id,
                region_ref: a.region_ref.ok_or_else(no_region)?,
                region_name: a.region_name.ok_or_else(no_region)?,
                lead_applicant_email: a.lead_applicant_email.ok_or_else(no_region)?,
                status: a.status,
                submitted_at: a.submitted_at,
            })
        })
        .collect()
}

/// The submitted applications of a call behind these region refs (two queries however many).
pub async fn apps_of_refs<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    refs: &[&str],
) -> Result<Vec<AppRow>, DomainError> {
    let regions: HashMap<i32, Region> =
        store::regions::by_refs(db, refs).await?.into_iter().collect();
    let ids: Vec<i32> = regions.keys().copied().collect();
    let mut out = Vec::new();
    for a in store::applications::of_call_and_regions(db, call_id, &ids).await? {
        if a.status != "draft"
            && let Some(region) = regions.get(&a.region_id)
        {
            out.push(to_app_row(a, region.clone()));
        }
    }
    Ok(out)
}

/// Everything the outcome depends on, read from the database.
pub async fn selection_input<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    memo: &SheetMemo,
) -> Result<SelectionInput, DomainError> {
    let apps = submitted_apps(db, call.id).await?;
    input_of(db, call, &apps, memo).await
}

async fn input_of<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    apps: &[AppRow],
    memo: &SheetMemo,
) -> Result<SelectionInput, DomainError> {
    let ids: Vec<i32> = apps.iter().map(|a| a.id).collect();
    let requested = store::applications::requested_totals(db, &ids).await?;
    let decisions = store::assessment::decisions_of_call(db, call.id).await?;
    // Made first: the sheets' facts share its criteria's ids.
    let settings = settings_of(call, memo);
    let mut facts_of = submitted_facts(db, call, &settings, &ids, memo).await?;
    let mut decisions_of: HashMap<i32, Vec<&entity::decision::Model>> = HashMap::new();
    for d in &decisions {
        if let Some(a) = d.application_id {
            decisions_of.entry(a).or_default().push(d);
        }
    }
    let mut applications = Vec::with_capacity(apps.len());
    for (i, app) in apps.iter().enumerate() {
        if i % 256 == 255 {
            // A long computation gives way, so a request whose client went away stops here.
            tokio::task::yield_now().await;
        }
        let own = decisions_of.get(&app.id).map(Vec::as_slice).unwrap_or_default();
        let latest = |kind: RecordedKind| {
            own.iter().rev().copied().find(|d| RecordedKind::parse(&d.kind) == Some(kind))
        };
        let first_round = facts_of.remove(&(app.id, Round::First.as_str())).unwrap_or_default();
        let final_round = facts_of.remove(&(app.id, Round::Final.as_str())).unwrap_or_default();
        applications.push(ApplicationInput {
            r#ref: app.region_ref.clone(),
            requested_total: requested.get(&app.id).copied().unwrap_or(Money::ZERO),
            first_round,
            final_round,
            knockout_decision: latest(RecordedKind::Knockout)
                .map(recorded_knockout)
                .transpose()?
                .flatten(),
            tie_decision: latest(RecordedKind::Tie).map(recorded_tie).transpose()?.flatten(),
        });
    }
    let manual_allocation = decisions
        .iter()
        .rev()
        .find(|d| RecordedKind::parse(&d.kind) == Some(RecordedKind::ManualAllocation))
        .map(recorded_allocation)
        .transpose()?
        .flatten();
    Ok(SelectionInput { settings: (*settings).clone(), applications, manual_allocation })
}

/// Applications whose sheets are read in one query: a slice's sheets are turned into their facts
/// and their contents dropped before the next slice is read, so the call's sheets are never all
/// in memory at once.
const SHEET_SLICE: usize = 500;

/// The submitted sheets of these applications as the computation takes them, per application and
/// round (in the order of assessor and version). A sheet whose facts the memo keeps is not read
/// again: only the contents of the others are read and checked (then kept).
async fn submitted_facts<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    settings: &Settings,
    application_ids: &[i32],
    memo: &SheetMemo,
) -> Result<HashMap<(i32, &'static str), Vec<SheetFacts>>, DomainError> {
    let mut names = AssessorNames::default();
    let mut facts: HashMap<(i32, &'static str), Vec<SheetFacts>> = HashMap::new();
    for slice in application_ids.chunks(SHEET_SLICE) {
        let rows = store::assessment::submitted_stamps_of(db, slice).await?;
        names.learn(db, rows.iter().map(|r| r.assessor_id)).await?;
        let stamped: Vec<(i32, SheetStamp)> = rows.iter().map(|r| (r.id, stamp(call, r))).collect();
        let kept = memo.get_many(&stamped);
        let missing: Vec<i32> =
            rows.iter().zip(&kept).filter(|(_, k)| k.is_none()).map(|(r, _)| r.id).collect();
        let mut contents: HashMap<i32, String> = HashMap::new();
        if !missing.is_empty() {
            contents = store::assessment::contents_of(db, &missing)
                .await?
                .into_iter()
                .map(|c| (c.id, c.content))
                .collect();
        }
        let mut to_keep = Vec::new();
        for ((row, kept), (_, stamp)) in rows.iter().zip(kept).zip(stamped) {
            let Ok(round) = Round::parse(&row.round) else { continue };
            let assessor = names.of(row.assessor_id);
            let sheet = match kept {
                Some(k) => k.facts(assessor),
                None => {
                    let content = contents.remove(&row.id).ok_or_else(|| {
                        DomainError::internal(format!("sheet {} went away", row.id))
                    })?;
                    let scored = checked(&call.definition, row.id, &content)?;
                    // Its maps are made once: this computation and the kept facts share them.
                    let kept = KeptFacts::of(settings, &scored);
                    let facts = kept.facts(assessor);
                    to_keep.push((row.id, stamp, kept));
                    facts
                }
            };
            facts.entry((row.application_id, round.as_str())).or_default().push(sheet);
        }
        memo.put_many(to_keep);
        // A long computation gives way, so a request whose client went away stops here.
        tokio::task::yield_now().await;
    }
    Ok(facts)
}

/// Keeps the facts of a sheet just submitted, as its row was written, so the next computation of
/// the outcome does not read it back.
pub fn remember_submitted(
    memo: &SheetMemo,
    call: &StoredCall,
    sheet: &entity::sheet::Model,
    scored: &ScoredSheet,
) {
    // The maps the next computation takes are made now, outside it.
    let kept = KeptFacts::of(&settings_of(call, memo), scored);
    let row = store::assessment::SubmittedStamp {
        id: sheet.id,
        application_id: sheet.application_id,
        assessor_id: sheet.assessor_id,
        round: sheet.round.clone(),
        version: sheet.version,
        submitted_at: sheet.submitted_at,
        updated_at: sheet.updated_at,
    };
    memo.put_many(vec![(sheet.id, stamp(call, &row), kept)]);
}

/// The call's settings as its current definition gives them, shared through the memo.
fn settings_of(call: &StoredCall, memo: &SheetMemo) -> std::sync::Arc<Settings> {
    memo.settings_of(call.id, call.updated_at.timestamp_micros(), || Settings::of(&call.definition))
}

/// What a sheet's kept facts depend on.
fn stamp(call: &StoredCall, r: &store::assessment::SubmittedStamp) -> SheetStamp {
    SheetStamp {
        call_id: call.id,
        call_updated: call.updated_at.timestamp_micros(),
        application_id: r.application_id,
        assessor_id: r.assessor_id,
        final_round: r.round == Round::Final.as_str(),
        version: r.version,
        submitted_at: r.submitted_at.map_or(i64::MIN, |t| t.timestamp_micros()),
        updated_at: r.updated_at.timestamp_micros(),
    }
}

/// A stored sheet's content, parsed and checked as submitted.
fn checked(call: &CallDefinition, id: i32, content: &str) -> Result<ScoredSheet, DomainError> {
    let input: SheetInput = serde_json::from_str(content).map_err(DomainError::internal)?;
    scoring::check_sheet(call, &input, true)
        .map_err(|e| DomainError::internal(format!("stored sheet {id} no longer checks: {e:?}")))
}

/// How each assessor is named in the inputs: their reference, else their email (read once per
/// assessor, one query for all the new ones of a slice).
#[derive(Default)]
struct AssessorNames(BTreeMap<i32, Key>);

impl AssessorNames {
    async fn learn<C: ConnectionTrait>(
        &mut self,
        db: &C,
        ids: impl Iterator<Item = i32>,
    ) -> Result<(), DomainError> {
        let unknown: BTreeSet<i32> = ids.filter(|id| !self.0.contains_key(id)).collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let unknown: Vec<i32> = unknown.into_iter().collect();
        self.0.extend(unknown.iter().map(|id| (*id, Key::from(id.to_string()))));
        for u in store::users::by_ids(db, &unknown).await? {
            self.0.insert(u.id, Key::from(u.reference.unwrap_or(u.email)));
        }
        Ok(())
    }

    /// Shared, not copied: every sheet of an assessor names them with the same string.
    fn of(&self, id: i32) -> Key {
        self.0.get(&id).cloned().unwrap_or_else(|| Key::from(""))
    }
}

fn value_of(d: &entity::decision::Model) -> Result<serde_json::Value, DomainError> {
    serde_json::from_str(&d.value).map_err(DomainError::internal)
}

fn recorded_knockout(d: &entity::decision::Model) -> Result<Option<RecordedKnockout>, DomainError> {
    Ok(value_of(d)?["verdict"]
        .as_str()
        .and_then(KnockoutVerdict::parse)
        .map(|verdict| RecordedKnockout { verdict, reason: d.reason.clone() }))
}

fn recorded_tie(d: &entity::decision::Model) -> Result<Option<RecordedTie>, DomainError> {
    Ok(value_of(d)?["award"].as_bool().map(|award| RecordedTie { award, reason: d.reason.clone() }))
}

fn recorded_allocation(
    d: &entity::decision::Model,
) -> Result<Option<ManualAllocation>, DomainError> {
    let v = value_of(d)?;
    let Some(map) = v.as_object() else { return Ok(None) };
    let mut amounts = BTreeMap::new();
    for (k, a) in map {
        let m = a
            .as_str()
            .map(Money::parse)
            .and_then(Result::ok)
            .ok_or_else(|| DomainError::internal("stored allocation amount"))?;
        amounts.insert(k.clone(), m);
    }
    Ok(Some(ManualAllocation { amounts, reason: d.reason.clone() }))
}
