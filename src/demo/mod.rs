//! `tuinier serve --demo`: a database a newcomer can work in at once, every role today.
//!
//! On an empty database the first start marks it as a demo database (only there does
//! `POST /demo/clock` move time) and seeds: the open call (call 1, dates relative to today,
//! drafts in several states, assessors assigned, one declared conflict), the 2022 call rehearsed
//! to its end (call 2, its emails recorded as sent back then, its proeftuinen entering the
//! service today, so nothing is reported overdue), the regions, and a user per role.
//!
//! Seeding is idempotent: what exists is kept. Tokens are written once to `demo-tokens.txt`
//! beside the database (mode 0600, a file a shell can source) and reused while they still open
//! that database; a token that does not is replaced.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use serde::Deserialize;

pub mod open;

use crate::domain::region::{LeadApplicant, Municipality, Region};
use crate::error::DomainError;
use crate::service::{Actor, AppState, auth, calls, regions, templates, users};
use crate::store;

const DEMO: &str = include_str!("../service/data/demo.json");
/// The public 2022 scenario, rehearsed to its end as a second, decided call.
const DECIDED: &str = include_str!("../service/data/decided-scenario.json");
const DECIDED_SUFFIX: &str = "-voorbeeld";
const TEMPLATE: &str = "proeftuinen-tranche-2-2022";
pub const TOKENS_FILE: &str = "demo-tokens.txt";

#[derive(Deserialize)]
struct DemoData {
    assessors: Vec<DemoAssessor>,
    regions: Vec<DemoRegion>,
}

#[derive(Deserialize)]
struct DemoAssessor {
    r#ref: String,
    name: String,
    organisation: String,
    email: String,
}

#[derive(Deserialize)]
struct DemoRegion {
    r#ref: String,
    name: String,
    lead_applicant: LeadApplicant,
    municipalities: Vec<Municipality>,
}

/// A demo user, what it can do, and the token that works for it now.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// The shell variable `demo-tokens.txt` sets, e.g. `STAFF`, `REGION_FLEVOLAND`.
    pub var: String,
    pub role: String,
    pub name: String,
    pub email: String,
    pub region: Option<String>,
    pub can: String,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Seeded {
    pub logins: Vec<DemoLogin>,
    /// This database was created by `serve --demo` (the demo clock works on it).
    pub demo_database: bool,
    pub tokens_file: PathBuf,
    pub open_call_id: Option<i32>,
    /// The call whose first round is open today.
    pub assessment_call_id: Option<i32>,
}

/// Where `demo-tokens.txt` goes: beside a SQLite database file, else in the working directory.
pub fn tokens_path(database_url: &str) -> PathBuf {
    let file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|p| !p.is_empty() && !p.contains(":memory:"));
    match file.and_then(|f| Path::new(f).parent()) {
        Some(dir) => dir.join(TOKENS_FILE),
        None => PathBuf::from(TOKENS_FILE),
    }
}

fn var_of(prefix: &str, r: &str) -> String {
    format!("{prefix}_{}", r.to_uppercase().replace(['-', '.'], "_"))
}

/// `VAR='tnr_...'` lines of an earlier `demo-tokens.txt`.
fn read_tokens(path: &Path) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    text.lines()
        .filter_map(|l| {
            let (var, rest) = l.split_once('=')?;
            let token = rest.split_whitespace().next()?.trim_matches('\'');
            (!var.starts_with('#') && token.starts_with("tnr_"))
                .then(|| (var.trim().to_string(), token.to_string()))
        })
        .collect()
}

fn write_tokens(path: &Path, logins: &[DemoLogin]) -> Result<(), DomainError> {
    let mut text = String::from(
        "# Tuinier demo tokens, written by `tuinier serve --demo` and reused while its database exists.\n\
         # Load them into a shell with:  . ./demo-tokens.txt\n",
    );
    for l in logins {
        let region = l.region.as_deref().map(|r| format!(" | region {r}")).unwrap_or_default();
        text.push_str(&format!(
            "{}='{}'  # {} | {} <{}>{region} | {}\n",
            l.var, l.token, l.role, l.name, l.email, l.can
        ));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| DomainError::internal(format!("{}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(DomainError::internal)?;
    }
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(DomainError::internal)
}

pub async fn seed(state: &AppState, tokens_file: &Path) -> Result<Seeded, DomainError> {
    let actor = Actor::system("demo");
    let data: DemoData = serde_json::from_str(DEMO).map_err(DomainError::internal)?;
    let fresh = store::demo::is_empty(&state.db).await?;
    if fresh {
        store::demo::mark(&state.db, state.now()).await?;
    }
    let demo_database = store::demo::marker(&state.db).await?.is_some();

    // The open call first, so it is call 1.
    let template: serde_json::Value =
        serde_json::from_str(templates::json(TEMPLATE)?).map_err(DomainError::internal)?;
    let (new_open, open_years) = create_dated(state, &actor, &template, &open::OPEN).await?;
    register_regions(state, &actor, &data).await?;

    // Call 2, run to its end, so a newcomer sees results, allocations and letters at once.
    let new_decided = rehearse_decided(state, fresh).await?;
    // Call 3: its deadline has just passed, so the assessors have work today.
    let (new_assessment, assessment_years) =
        create_dated(state, &actor, &template, &open::IN_ASSESSMENT).await?;

    let id_of = async |code: &str| -> Result<Option<i32>, DomainError> {
        Ok(store::calls::by_code(&state.db, code).await?.map(|c| c.id))
    };
    let open_call_id = id_of(open::OPEN_CALL).await?;
    let assessment_call_id = id_of(open::ASSESSMENT_CALL).await?;
    let logins =
        logins(state, &actor, &data, tokens_file, open_call_id, assessment_call_id).await?;

    let scenario: serde_json::Value =
        serde_json::from_str(DECIDED).map_err(DomainError::internal)?;
    let tokens = tokens_of(state, &data, &logins).await?;
    if let Some(call_id) = new_assessment {
        fill_in_assessment(state, call_id, assessment_years, &scenario, &tokens, fresh).await?;
    }
    if let Some(call_id) = new_open {
        open::fill(state, &open::OPEN, call_id, open_years, &scenario, &tokens).await?;
    }
    if let Some(call_id) = new_decided {
        plan_due_soon(state, call_id, &tokens).await?;
    }
    Ok(Seeded {
        logins,
        demo_database,
        tokens_file: tokens_file.to_path_buf(),
        open_call_id,
        assessment_call_id,
    })
}

/// The demo regions, each registered unless it exists.
async fn register_regions(
    state: &AppState,
    actor: &Actor,
    data: &DemoData,
) -> Result<(), DomainError> {
    for r in &data.regions {
        if store::regions::by_ref(&state.db, &r.r#ref).await?.is_none() {
            let region = Region {
                r#ref: r.r#ref.clone(),
                name: r.name.clone(),
                lead_applicant: r.lead_applicant.clone(),
                municipalities: r.municipalities.clone(),
            };
            regions::register(state, actor, region).await?;
        }
    }
    Ok(())
}

/// Call 2, the public 2022 scenario rehearsed to its end unless it exists: its id if created now.
async fn rehearse_decided(state: &AppState, fresh: bool) -> Result<Option<i32>, DomainError> {
    let decided: serde_json::Value =
        serde_json::from_str(DECIDED).map_err(DomainError::internal)?;
    let decided = crate::scenario::relabel(&decided, DECIDED_SUFFIX);
    let code = decided["call"]["code"].as_str().unwrap_or_default().to_string();
    if store::calls::by_code(&state.db, &code).await?.is_none() {
        crate::scenario::rehearse_into(state.db.clone(), &decided)
            .await
            .map_err(|e| DomainError::internal(format!("rehearsing the decided demo call: {e}")))?;
        if let Some(call) = store::calls::by_code(&state.db, &code).await? {
            // History as history: its emails went out back then; its proeftuinen enter the
            // service today, so what fell due before is not reported overdue.
            if fresh {
                store::demo::settle_queued_as_history(&state.db).await?;
            }
            store::demo::proeftuinen_entered(&state.db, call.id, state.now()).await?;
            return Ok(Some(call.id));
        }
    }
    Ok(None)
}

/// The tokens the open calls are filled with, by the demo users' refs.
async fn tokens_of(
    state: &AppState,
    data: &DemoData,
    logins: &[DemoLogin],
) -> Result<open::Tokens, DomainError> {
    let token = |var: &str| {
        logins.iter().find(|l| l.var == var).map(|l| l.token.clone()).unwrap_or_default()
    };
    let mut assessors = Vec::new();
    for a in &data.assessors {
        if let Some(u) = store::users::by_email(&state.db, &a.email).await? {
            assessors.push((a.r#ref.clone(), u.id, token(&var_of("ASSESSOR", &a.r#ref))));
        }
    }
    Ok(open::Tokens {
        staff: token("STAFF"),
        assessors,
        regions: data
            .regions
            .iter()
            .map(|r| (r.r#ref.clone(), token(&var_of("REGION", &r.r#ref))))
            .collect(),
    })
}

/// Fills call 3, whose deadline has just passed.
async fn fill_in_assessment(
    state: &AppState,
    call_id: i32,
    years: i32,
    scenario: &serde_json::Value,
    tokens: &open::Tokens,
    fresh: bool,
) -> Result<(), DomainError> {
    // Its applications came in before the deadline (and before its reminder moments): the
    // requests are made at that time; their receipts are history.
    let call = calls::get(state, call_id).await?;
    let deadline = call
        .definition
        .moment(crate::domain::call::stage::SUBMISSION_DEADLINE)
        .ok_or_else(|| DomainError::internal("the demo call has no deadline"))?;
    let then = crate::clock::SettableClock::new(deadline - chrono::Duration::days(16));
    let past = AppState { clock: std::sync::Arc::new(then), ..state.clone() };
    open::fill(&past, &open::IN_ASSESSMENT, call_id, years, scenario, tokens).await?;
    if fresh {
        store::demo::settle_queued_as_history(&state.db).await?;
    }
    Ok(())
}

/// The decided call's proeftuinen: their next annual plan falls due in ten days.
async fn plan_due_soon(
    state: &AppState,
    call_id: i32,
    tokens: &open::Tokens,
) -> Result<(), DomainError> {
    // Its proeftuinen's next annual plan falls due in ten days (a reminder goes out today).
    if let Some(staff) = auth::authenticate(state, &tokens.staff).await? {
        let due = crate::domain::dutch::in_amsterdam(state.now()).date_naive()
            + chrono::Duration::days(10);
        let day =
            if (due.month(), due.day()) == (2, 29) { (3, 1) } else { (due.month(), due.day()) };
        let settings = crate::domain::monitoring::DueSettings {
            annual_plan_due: format!("{:02}-{:02}", day.0, day.1),
            ..Default::default()
        };
        crate::service::monitoring::put_settings(state, &staff, call_id, settings).await?;
    }
    Ok(())
}

/// Creates the demo call of `plan` (dated from today) unless it exists: its new id, if created,
/// and how many years its budget moved.
async fn create_dated(
    state: &AppState,
    actor: &Actor,
    template: &serde_json::Value,
    plan: &open::Plan,
) -> Result<(Option<i32>, i32), DomainError> {
    let today = crate::domain::dutch::in_amsterdam(state.now()).date_naive();
    let (call, years) = open::dated_call(template, today, plan)?;
    if store::calls::by_code(&state.db, plan.code).await?.is_some() {
        return Ok((None, years));
    }
    let def = serde_json::from_value(call).map_err(DomainError::internal)?;
    let def = crate::domain::call::CallDefinition::new(def).map_err(|e| {
        DomainError::internal(format!("the demo call {} is invalid: {e:?}", plan.code))
    })?;
    Ok((Some(calls::create(state, actor, def).await?.id), years))
}

/// Every demo user, with its shell variable and what it can do.
fn wanted_users(
    data: &DemoData,
    open_call: Option<i32>,
    assessment_call: Option<i32>,
) -> Vec<(String, String, users::NewUser)> {
    let in_assessment =
        assessment_call.map_or("the call in assessment".to_string(), |id| format!("call {id}"));
    let call = open_call.map_or("the open call".to_string(), |id| format!("call {id} (open)"));
    let mut wanted = vec![(
        "STAFF".to_string(),
        format!(
            "everything: follow {call}, assign assessors, close rounds, settle decisions, publish; move the demo clock (POST /demo/clock)"
        ),
        users::NewUser {
            name: "Programmabureau Toekomstscenario".into(),
            email: "programmabureau@tuinier.example".into(),
            role: "staff".into(),
            organisation: Some("VNG".into()),
            reference: None,
            region: None,
        },
    )];
    for a in &data.assessors {
        let conflict = open::conflict_of(&a.r#ref)
            .map(|r| format!(" (declared conflict: {r})"))
            .unwrap_or_default();
        wanted.push((
            var_of("ASSESSOR", &a.r#ref),
            format!("scores {in_assessment} now (its first round is open) and {call} once its deadline has passed{conflict}; reads the decided call 2"),
            users::NewUser {
                name: a.name.clone(),
                email: a.email.clone(),
                role: "assessor".into(),
                organisation: Some(a.organisation.clone()),
                reference: Some(a.r#ref.clone()),
                region: None,
            },
        ));
    }
    for r in &data.regions {
        wanted.push((
            var_of("REGION", &r.r#ref),
            format!("its own applications only; in {call}: {}", open::task_of(&r.r#ref)),
            users::NewUser {
                name: r.lead_applicant.name.clone(),
                email: r.lead_applicant.email.clone(),
                role: "region".into(),
                organisation: Some(r.name.clone()),
                reference: None,
                region: Some(r.r#ref.clone()),
            },
        ));
    }
    wanted
}

/// The demo users with a working token each: the one in `demo-tokens.txt` when it still opens
/// this database, else a new one (and the file is written again).
async fn logins(
    state: &AppState,
    actor: &Actor,
    data: &DemoData,
    tokens_file: &Path,
    open_call: Option<i32>,
    assessment_call: Option<i32>,
) -> Result<Vec<DemoLogin>, DomainError> {
    let wanted = wanted_users(data, open_call, assessment_call);
    let saved = read_tokens(tokens_file);
    let mut changed = saved.is_empty();
    let mut logins = Vec::new();
    for (var, can, u) in wanted {
        let existing = store::users::by_email(&state.db, &u.email).await?;
        let kept = match (&existing, saved.get(&var)) {
            (Some(e), Some(t)) => {
                auth::authenticate(state, t).await?.filter(|p| p.user_id == e.id).map(|_| t.clone())
            }
            _ => None,
        };
        let token = match (kept, existing) {
            (Some(t), _) => t,
            (None, Some(e)) => {
                changed = true;
                users::rotate_token(state, actor, e.id).await?
            }
            (None, None) => {
                changed = true;
                users::add(state, actor, u.clone()).await?.token
            }
        };
        logins.push(DemoLogin {
            var,
            role: u.role,
            name: u.name,
            email: u.email,
            region: u.region,
            can,
            token,
        });
    }
    if changed {
        write_tokens(tokens_file, &logins)?;
    }
    Ok(logins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tokens_file_lies_beside_a_sqlite_database() {
        assert_eq!(
            tokens_path("sqlite://tuinier.sqlite?mode=rwc"),
            PathBuf::from("demo-tokens.txt")
        );
        assert_eq!(
            tokens_path("sqlite:///tmp/x/demo.sqlite"),
            PathBuf::from("/tmp/x/demo-tokens.txt")
        );
        assert_eq!(tokens_path("postgres://u:p@h/db"), PathBuf::from("demo-tokens.txt"));
    }

    #[test]
    fn a_written_tokens_file_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TOKENS_FILE);
        let login = DemoLogin {
            var: "REGION_FLEVOLAND".into(),
            role: "region".into(),
            name: "P. Penvoerder".into(),
            email: "p@flevoland.example".into(),
            region: Some("flevoland".into()),
            can: "submit".into(),
            token: "tnr_abc".into(),
        };
        write_tokens(&path, &[login]).unwrap();
        assert_eq!(read_tokens(&path).get("REGION_FLEVOLAND").map(String::as_str), Some("tnr_abc"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
