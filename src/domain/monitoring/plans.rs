//! The content of annual plans.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::money::Money;
use crate::error::FieldError;

/// The five core elements (*kernelementen*) activities are planned and reported on.
pub const CORE_ELEMENTS: [(&str, &str); 5] = [
    ("local_team", "Lokaal Team"),
    ("regional_safety_team", "Regionaal veiligheidsteam"),
    ("network_of_specialists", "Netwerk van specialisten"),
    ("working_framework", "Handelingskader"),
    ("knowledge_research_learning", "Kennis, onderzoek en leren"),
];

/// The four basic principles (*basisprincipes*) a report writes about.
pub const PRINCIPLES: [(&str, &str); 4] = [
    ("family_oriented", "Gezinsgericht"),
    ("legally_protective_transparent", "Rechtsbeschermend en transparant"),
    ("simplicity", "Eenvoud"),
    ("learning", "Lerend"),
];

pub fn core_element_label(key: &str) -> Option<&'static str> {
    CORE_ELEMENTS.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
}

pub fn principle_label(key: &str) -> Option<&'static str> {
    PRINCIPLES.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
}

/// Keys of a per-element or per-principle text map that are not known.
pub fn unknown_keys(
    prefix: &str,
    map: &BTreeMap<String, String>,
    known: &[(&str, &str)],
) -> Vec<FieldError> {
    map.keys()
        .filter(|k| !known.iter().any(|(kk, _)| kk == k))
        .map(|k| {
            FieldError::new(
                format!("{prefix}.{k}"),
                format!(
                    "not one of {}",
                    known.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                ),
            )
        })
        .collect()
}

/// One budget line of an annual plan: cost, own contribution and the part paid from the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLine {
    pub description: String,
    pub total_cost: Money,
    pub own_contribution: Money,
    pub grant: Money,
}

/// `total_cost >= own_contribution + grant`, a description, as for an application's budget.
pub fn plan_line_problems(prefix: &str, l: &PlanLine) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if l.description.trim().is_empty() || l.description.chars().count() > 500 {
        errors.push(FieldError::new(
            format!("{prefix}.description"),
            "a budget line needs a description (at most 500 characters)",
        ));
    }
    if l.own_contribution > l.total_cost {
        errors.push(FieldError::new(
            format!("{prefix}.own_contribution"),
            format!(
                "the own contribution ({}) is more than the total cost ({})",
                l.own_contribution, l.total_cost
            ),
        ));
    } else if l.own_contribution.checked_add(l.grant).is_none_or(|s| s > l.total_cost) {
        errors.push(FieldError::new(
            format!("{prefix}.grant"),
            format!("the grant part ({}) is more than the total cost ({}) minus the own contribution ({})", l.grant, l.total_cost, l.own_contribution),
        ));
    }
    errors
}
