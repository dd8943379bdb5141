//! A call's awards in the 360Giving Data Standard (JSON, package schema 1.4): the open format
//! grant-makers publish who was granted what in.
//!
//! Identifiers (360Giving needs a prefix on each):
//! - a grant: `360G-tkg-` + the award letter's reference, e.g. `360G-tkg-TKG-001-00002`
//!   (`360G-tkg` is the programme's 360Giving prefix; replace it by the one 360Giving assigns);
//! - a recipient: `NL-KVK-<KvK number>` (org-id.guide's list of the Dutch Chamber of Commerce)
//!   when the application form names the municipality's KvK number, otherwise
//!   `360G-tkg-region-<region ref>` (the programme's own identifier, as 360Giving advises for
//!   organisations without a registered one);
//! - the funder: `360G-tkg-funder`, with the issuing body's name from the letter settings.
//!
//! Amounts are JSON numbers as the standard wants, written from the exact decimal text (never
//! through a float).

use serde_json::{Value, json};

use super::figures::signed_amount;
use crate::domain::money::Money;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::{Principal, Role};
use crate::service::letters::{self as letters, compose::first_line};
use crate::service::monitoring as mon;
use crate::store::{self, finance as db};

pub const PREFIX: &str = "360G-tkg";
const NUMBER_TAG: &str = "\u{1}number:";

/// A JSON value that is written as a number with the amount's exact digits.
fn number(m: Money) -> Value {
    Value::String(format!("{NUMBER_TAG}{m}"))
}

/// The package as JSON text, amounts as exact numbers.
fn to_text(v: &Value) -> Result<String, DomainError> {
    let text = serde_json::to_string_pretty(v).map_err(DomainError::internal)?;
    let quoted = format!(
        "\"{}",
        serde_json::to_string(NUMBER_TAG).map_err(DomainError::internal)?.trim_matches('"')
    );
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find(&quoted) {
        out.push_str(&rest[..i]);
        let after = &rest[i + quoted.len()..];
        let end = after.find('"').ok_or_else(|| DomainError::internal("unterminated amount"))?;
        out.push_str(&after[..end]);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The 360Giving package of a call's awards (staff), as JSON text.
// Long: one JSON document, a field per line.
pub async fn giving_package(
    state: &AppState,
    who: &Principal,
    call_id: i32,
) -> Result<String, DomainError> {
    who.require(&[Role::Staff])?;
    let call = store::calls::by_id(&state.db, call_id)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("call {call_id}")))?;
    let def = &call.definition;
    let settings = letters::resolve(&state.db, call_id).await?.settings;
    let funder =
        json!({"id": format!("{PREFIX}-funder"), "name": first_line(&settings.issuing_body)});
    let mut grants = Vec::new();
    for p in mon::list(state, who).await?.into_iter().filter(|p| p.call_id == Some(call_id)) {
        let Some(application_id) = p.application_id else { continue };
        let application = store::applications::by_id(&state.db, application_id).await?;
        let form = application.as_ref().map(store::applications::form_of).transpose()?;
        let applicant = form.as_ref().and_then(|f| f.applicant.clone());
        let title = form.as_ref().and_then(|f| f.title.clone()).unwrap_or_else(|| p.name.clone());
        let recipient_id = match applicant.as_ref().and_then(|a| a.kvk_number.clone()) {
            Some(kvk) => format!("NL-KVK-{kvk}"),
            None => format!("{PREFIX}-region-{}", p.region_ref),
        };
        let mut recipient =
            json!({"id": recipient_id, "name": p.region_name, "addressCountry": "NL"});
        if let Some(a) = &applicant {
            recipient["name"] = json!(format!("{} (namens {})", a.organisation, p.region_name));
            recipient["addressLocality"] = json!(a.address.city);
            recipient["postalCode"] = json!(a.address.postcode);
        }
        let paid = db::payments(&state.db, Some(p.id))
            .await?
            .iter()
            .map(signed_amount)
            .sum::<Result<Money, DomainError>>()?;
        let award_date = p.grants.iter().map(|g| g.granted_on).min().unwrap_or(p.started_on);
        let locations: Vec<Value> = p
            .record
            .municipalities
            .iter()
            .map(|m| json!({"name": m.name, "countryCode": "NL"}))
            .collect();
        let mut grant = json!({
            "id": format!("{PREFIX}-{}", letters::reference(call_id, application_id)),
            "title": title,
            "description": format!("{} – {}: subsidie voor de {}", def.title, p.region_name, p.name),
            "currency": "EUR",
            "amountAwarded": number(p.grant_total),
            "amountDisbursed": number(if paid.is_negative() { Money::ZERO } else { paid }),
            "awardDate": award_date.format("%Y-%m-%d").to_string(),
            "recipientOrganization": [recipient],
            "fundingOrganization": [funder.clone()],
            "grantProgramme": [{"code": def.code, "title": def.title}],
            "fromOpenCall": "Yes",
        });
        if !locations.is_empty() {
            grant["beneficiaryLocation"] = Value::Array(locations);
        }
        grants.push(grant);
    }
    if grants.is_empty() {
        // The standard wants at least one grant: without awards there is no package (404).
        return Err(DomainError::NotFound(format!("awards of call {call_id}")));
    }
    let today = crate::service::letters::local_date(state.now());
    let package = json!({
        "version": "1.4",
        "title": format!("{}: toekenningen", def.title),
        "description": format!("De subsidies die in {} zijn verleend, in de 360Giving-standaard.", def.title),
        "issued": today.format("%Y-%m-%d").to_string(),
        "identifier": format!("{PREFIX}-{}", def.code),
        "publisher": {"name": first_line(&settings.issuing_body), "identifier": format!("{PREFIX}-funder")},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "grants": grants,
    });
    to_text(&package)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_as_exact_numbers() {
        let v = json!({"a": number(Money::parse("1027020.05").unwrap()), "b": "x"});
        let text = to_text(&v).unwrap();
        assert!(text.contains("\"a\": 1027020.05"), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["b"], "x");
    }
}
