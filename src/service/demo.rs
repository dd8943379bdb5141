//! `tuinier serve --demo`: a database a newcomer can explore at once. Seeding is idempotent:
//! what exists is kept; every start issues fresh tokens for the demo users (only hashes are
//! stored, so the old ones cannot be shown again).

use serde::Deserialize;

use super::{Actor, AppState, calls, regions, templates, users};
use crate::domain::region::{LeadApplicant, Municipality, Region};
use crate::error::DomainError;
use crate::store;

const DEMO: &str = include_str!("data/demo.json");
/// The public 2022 scenario, rehearsed to its end as a second, decided call.
const DECIDED: &str = include_str!("data/decided-scenario.json");
const DECIDED_SUFFIX: &str = "-voorbeeld";
const DEMO_CALL: &str = "proeftuinen-tranche-2-2022";

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

/// A demo user and the token that works for it now.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: String,
    pub name: String,
    pub email: String,
    pub token: String,
}

pub async fn seed(state: &AppState) -> Result<Vec<DemoLogin>, DomainError> {
    let actor = Actor::system("demo");
    let data: DemoData = serde_json::from_str(DEMO).map_err(DomainError::internal)?;

    if store::calls::by_code(&state.db, DEMO_CALL).await?.is_none() {
        let def = templates::call(DEMO_CALL)?;
        calls::create(state, &actor, def).await?;
    }
    for r in &data.regions {
        if store::regions::by_ref(&state.db, &r.r#ref).await?.is_none() {
            let region = Region {
                r#ref: r.r#ref.clone(),
                name: r.name.clone(),
                lead_applicant: r.lead_applicant.clone(),
                municipalities: r.municipalities.clone(),
            };
            regions::register(state, &actor, region).await?;
        }
    }

    let mut wanted = vec![users::NewUser {
        name: "Programmabureau Toekomstscenario".into(),
        email: "programmabureau@tuinier.example".into(),
        role: "staff".into(),
        organisation: Some("VNG".into()),
        reference: None,
        region: None,
    }];
    wanted.extend(data.assessors.iter().map(|a| users::NewUser {
        name: a.name.clone(),
        email: a.email.clone(),
        role: "assessor".into(),
        organisation: Some(a.organisation.clone()),
        reference: Some(a.r#ref.clone()),
        region: None,
    }));
    wanted.extend(data.regions.iter().map(|r| users::NewUser {
        name: r.lead_applicant.name.clone(),
        email: r.lead_applicant.email.clone(),
        role: "region".into(),
        organisation: Some(r.name.clone()),
        reference: None,
        region: Some(r.r#ref.clone()),
    }));

    // A second call, run to its end, so a newcomer sees results, allocations and emails at once.
    let decided: serde_json::Value = serde_json::from_str(DECIDED).map_err(DomainError::internal)?;
    let decided = crate::scenario::relabel(&decided, DECIDED_SUFFIX);
    let code = decided["call"]["code"].as_str().unwrap_or_default().to_string();
    if store::calls::by_code(&state.db, &code).await?.is_none() {
        crate::scenario::rehearse_into(state.db.clone(), &decided)
            .await
            .map_err(|e| DomainError::internal(format!("rehearsing the decided demo call: {e}")))?;
    }

    let mut logins = Vec::new();
    for u in wanted {
        let token = match store::users::by_email(&state.db, &u.email).await? {
            Some(existing) => users::rotate_token(state, &actor, existing.id).await?,
            None => users::add(state, &actor, u.clone()).await?.token,
        };
        logins.push(DemoLogin { role: u.role, name: u.name, email: u.email, token });
    }
    Ok(logins)
}
