//! Built-in call templates: a known call, ready to load, as data compiled into the binary.

use crate::domain::call::CallDefinition;
use crate::error::DomainError;

/// (code, JSON in the shape of a call)
const TEMPLATES: [(&str, &str); 1] =
    [("proeftuinen-tranche-2-2022", include_str!("data/proeftuinen-tranche-2-2022.json"))];

pub fn codes() -> Vec<&'static str> {
    TEMPLATES.iter().map(|(code, _)| *code).collect()
}

/// The template's JSON, in the shape of a call.
pub fn json(code: &str) -> Result<&'static str, DomainError> {
    TEMPLATES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, json)| *json)
        .ok_or_else(|| DomainError::NotFound(format!("call template {code}")))
}

pub fn call(code: &str) -> Result<CallDefinition, DomainError> {
    let json = json(code)?;
    let def: CallDefinition = serde_json::from_str(json).map_err(DomainError::internal)?;
    CallDefinition::new(def)
        .map_err(|e| DomainError::internal(format!("built-in template {code} is invalid: {e:?}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_is_a_valid_call() {
        for code in super::codes() {
            let def = super::call(code).unwrap();
            assert_eq!(def.code, code);
        }
    }
}
