//! What must hold before letters are issued, and the decisive ground in one sentence.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;

use super::Resolved;
use crate::domain::scoring::SheetInput;
use crate::domain::selection::{SelectionInput, SelectionResult};
use crate::error::DomainError;
use crate::service::outcome::AppRow;
use crate::store::{self, calls::StoredCall};

/// What must hold before a publication issues letters, as one conflict naming every problem:
/// the letter settings complete; for the first round, the interview details of every invited
/// application; and every decisive motivation able to carry the decision (a knock-out
/// rejection quotes the assessors' motivation of each criterion not met, and a staff decision's
/// reason).
pub async fn ready_to_publish<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    input: &SelectionInput,
    result: &SelectionResult,
    resolved: &Resolved,
    apps: &[AppRow],
    first_round: bool,
) -> Result<(), DomainError> {
    let mut problems: Vec<String> = resolved
        .settings
        .missing()
        .into_iter()
        .map(|m| format!("letter_settings.{m} is missing"))
        .collect();
    let ids: HashMap<&str, i32> = apps.iter().map(|a| (a.region_ref.as_str(), a.id)).collect();
    let id_of = |r: &str| ids.get(r).copied();
    if first_round {
        for r in result.applications.iter().filter(|r| r.invited()) {
            if let Some(id) =
                id_of(&r.r#ref).filter(|id| !resolved.settings.interviews.contains_key(id))
            {
                problems.push(format!("letter_settings.interviews.{id}: no interview details for application {id} ({}); set them with PUT /calls/{}/interviews/{id}", r.r#ref, call.id));
            }
        }
        problems.extend(motivation_problems(db, call, input, result, apps, None).await?);
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(DomainError::Conflict(format!("the letters cannot be issued yet: {}", problems.join("; "))))
}

/// The decisive motivations that cannot carry a knock-out rejection (empty, too short, or only a
/// reference elsewhere), one line each naming the application and the criterion; of one
/// application (`only`, its ref) or of the whole call; `apps` holds the applications concerned
/// (the caller has them: the outcome's, or the one application).
pub async fn motivation_problems<C: ConnectionTrait>(
    db: &C,
    call: &StoredCall,
    input: &SelectionInput,
    result: &SelectionResult,
    apps: &[AppRow],
    only: Option<&str>,
) -> Result<Vec<String>, DomainError> {
    use crate::domain::grounds::{self, Ground, motivation_problem};
    let mut problems = Vec::new();
    let id_of: HashMap<&str, i32> = apps.iter().map(|a| (a.region_ref.as_str(), a.id)).collect();
    let label = |id: &str| {
        call.definition
            .knockout_criteria
            .iter()
            .find(|k| k.id == id)
            .map_or_else(|| id.to_string(), |k| k.label_nl.clone())
    };
    let grounds = grounds::Grounds::new(input, result);
    let rejected: Vec<(&str, i32)> = result
        .applications
        .iter()
        .filter(|r| {
            r.decision == Some(crate::domain::decision::Decision::RejectedKnockout)
                && only.is_none_or(|o| o == r.r#ref)
        })
        .filter_map(|r| Some((r.r#ref.as_str(), *id_of.get(r.r#ref.as_str())?)))
        .collect();
    // Only the sheets of the knock-out rejections, grouped once: not every sheet of the call
    // scanned per rejection.
    let ids: Vec<i32> = rejected.iter().map(|(_, id)| *id).collect();
    let mut sheets_of: HashMap<i32, Vec<_>> = HashMap::new();
    for s in
        store::assessment::submitted_sheets_of(db, &ids, Some(store::assessment::FIRST)).await?
    {
        sheets_of.entry(s.application_id).or_default().push(s);
    }
    for (region_ref, id) in rejected {
        let Some(g) = grounds.of(region_ref) else {
            continue;
        };
        let Ground::KnockoutNotMet { criteria, decided_reason } = &g.ground else {
            continue;
        };
        for c in criteria {
            let sheets = sheets_of.get(&id).map(Vec::as_slice).unwrap_or_default();
            for s in sheets {
                let sheet: SheetInput =
                    serde_json::from_str(&s.content).map_err(DomainError::internal)?;
                if sheet.knockout.get(c) != Some(&false) {
                    continue;
                }
                // The sheet's motivation counts for a criterion without its own (the scoring
                // rules).
                let text = sheet
                    .knockout_motivations
                    .get(c)
                    .or(sheet.motivation.as_ref())
                    .map(String::as_str)
                    .unwrap_or("");
                if let Some(p) = motivation_problem(text) {
                    problems.push(format!(
                            "application {id} ({}), criterion {c} ({}): the motivation of a sheet that says not met is {p}; a rejection cannot rest on it",
                            region_ref,
                            label(c)
                        ));
                }
            }
            if let Some(p) = decided_reason.as_deref().and_then(motivation_problem) {
                problems.push(format!("application {id} ({}), criterion {c} ({}): the reason of the knock-out decision is {p}", region_ref, label(c)));
            }
        }
    }
    Ok(problems)
}

/// The decisive ground in one Dutch sentence, for the decision email.
pub fn ground_sentence(g: &crate::domain::grounds::DecisionGround) -> String {
    use crate::domain::grounds::Ground;
    use crate::domain::numerals::{count, ordinal};
    use crate::pdf::format;
    let main = match &g.ground {
        Ground::Awarded { rank, .. } => format!("Uw aanvraag staat op de {} plaats van de rangschikking.", ordinal(u64::from(*rank))),
        Ground::KnockoutNotMet { criteria, .. } if criteria.len() == 1 => "De aanvraag voldoet niet aan een knock-outcriterium van de leidraad.".to_string(),
        Ground::KnockoutNotMet { criteria, .. } => format!("De aanvraag voldoet niet aan {} knock-outcriteria van de leidraad.", count(criteria.len() as u64)),
        Ground::BelowThreshold { score, threshold } => {
            format!("De score in de eerste beoordeling ({} punten) blijft onder de drempel van {} punten.", format::points(*score), format::points(*threshold))
        }
        Ground::RankBeyondAwards { rank, max_awards, .. } => format!(
            "De aanvraag staat op de {} plaats; ten hoogste {} aanvragen komen voor subsidie in aanmerking.",
            ordinal(u64::from(*rank)),
            count(u64::from(*max_awards))
        ),
        Ground::CeilingReached { rank, .. } => format!(
            "De aanvraag staat op de {} plaats en het subsidieplafond is met de hoger gerangschikte aanvragen bereikt.",
            ordinal(u64::from(*rank))
        ),
        Ground::TieSettled { .. } => "De aanvraag eindigde gelijk op de laatste plaats die voor subsidie in aanmerking komt; die gelijke stand is beslist in het nadeel van uw aanvraag.".to_string(),
    };
    match &g.partial_refusal {
        Some(p) => format!(
            "{main} Het verleende bedrag ({}) is lager dan het gevraagde ({}); het verschil is geweigerd.",
            format::amount(p.allocated),
            format::amount(p.requested)
        ),
        None => main,
    }
}
