//! Strict input, declared once: the OpenAPI document is refined here (`date` for dates, a length
//! limit and a control-character pattern on every free-text field of a request body) and every JSON
//! body is checked against that refined document before a handler sees it (a string field takes
//! only a JSON string; lengths, patterns and enums as declared). What the spec says is what the
//! server enforces, because both come from the same schema.
//!
//! Free text is single-line (no control characters at all, at most [`SINGLE_LINE_MAX`] characters)
//! unless its property is named in [`MULTI_LINE`] (tab, newline and carriage return allowed, at
//! most [`MULTI_LINE_MAX`]). A new input field of type `String` gets these rules without further
//! work; a multi-line one only needs its name added to [`MULTI_LINE`].

use std::collections::HashMap;

use regex::Regex;
use serde_json::{Map, Value};

use super::strict_rules as rules;
use crate::error::FieldError;

/// Longest single-line text (names, titles, emails, references), in characters.
pub const SINGLE_LINE_MAX: u64 = 300;
/// Longest multi-line text (motivations, reasons, summaries), in characters.
pub const MULTI_LINE_MAX: u64 = 20_000;
/// Longest letter template text, in characters.
pub const TEMPLATE_MAX: u64 = 200_000;

/// Properties whose text may span lines (the value of a map property counts as the property).
pub const MULTI_LINE: &[&str] = &[
    "summary",
    "motivation",
    "motivations",
    "knockout_motivations",
    "reason",
    "note",
    "text",
    "comments",
    "lessons",
    "obstacles",
    "principles",
    "core_elements",
    "activities",
    "objection_address",
    "legal_basis",
    "emphasis",
    "grant_description",
    "signatory",
];

/// No control characters (C0 and DEL).
pub const SINGLE_LINE_PATTERN: &str = r"^[^\x00-\x1F\x7F]*$";
/// No control characters but tab, line feed and carriage return.
pub const MULTI_LINE_PATTERN: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$";

/// Rewrites the document in place: `naive-date` becomes `date`, and free text in request bodies
/// gets its limits.
pub fn refine(spec: &mut Value) {
    rename_formats(spec);
    bound_integers(spec);
    for (component, property, additions) in
        rules::body_rules().into_iter().chain(rules::answer_rules())
    {
        let at = format!("/components/schemas/{component}/properties/{property}");
        if let Some(target) = spec.pointer_mut(&at) {
            add_rules(target, &additions);
        }
    }
    for (component, property) in rules::required_rules() {
        let at = format!("/components/schemas/{component}");
        if let Some(Value::Object(map)) = spec.pointer_mut(&at) {
            let required = map.entry("required").or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = required {
                list.push(Value::String(property.to_string()));
            }
        }
    }
    for (path, param, additions) in rules::query_rules() {
        let at = format!("/paths/{}/get/parameters", path.replace('~', "~0").replace('/', "~1"));
        let params = spec.pointer_mut(&at).and_then(Value::as_array_mut);
        for p in params
            .into_iter()
            .flatten()
            .filter(|p| p.get("name").and_then(Value::as_str) == Some(param))
        {
            if let Some(schema) = p.get_mut("schema") {
                add_rules(schema, &additions);
            }
        }
    }
    let mut names = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for item in paths.values().filter_map(Value::as_object) {
            for op in item.values() {
                let contents = op.pointer("/requestBody/content").and_then(Value::as_object);
                for (media, content) in contents.into_iter().flatten() {
                    if media.starts_with("application/json") {
                        collect_refs(content.get("schema"), spec, &mut names);
                    }
                }
            }
        }
    }
    for name in names {
        if let Some(schema) = spec.pointer_mut(&format!("/components/schemas/{name}")) {
            bound_text(schema, None);
            nullable_optionals(schema);
        }
    }
}

/// Adds rules to a property's schema, or to its items or values when it is a list or a map.
fn add_rules(target: &mut Value, additions: &Value) {
    let counts: Vec<(&str, &Value)> =
        ["minItems", "maxItems"].into_iter().filter_map(|k| Some((k, additions.get(k)?))).collect();
    if let (Some(map), false) = (target.as_object_mut(), counts.is_empty()) {
        for (k, v) in counts {
            map.insert(k.into(), v.clone());
        }
        return;
    }
    let inner = if target.get("type").and_then(Value::as_str) == Some("array") {
        target.get_mut("items")
    } else if target.get("additionalProperties").is_some_and(Value::is_object) {
        target.get_mut("additionalProperties")
    } else {
        Some(target)
    };
    if let (Some(Value::Object(map)), Some(add)) = (inner, additions.as_object()) {
        for (k, v) in add {
            map.insert(k.clone(), v.clone());
        }
    }
}

fn bound_integers(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let format = map.get("format").and_then(Value::as_str).map(str::to_string);
            if map.get("type").and_then(Value::as_str) == Some("integer")
                && let Some((min, max)) = format.as_deref().and_then(rules::integer_bounds)
            {
                map.entry("minimum").or_insert_with(|| number(min));
                map.entry("maximum").or_insert_with(|| number(max));
            }
            map.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

fn number(n: i128) -> Value {
    match (u64::try_from(n), i64::try_from(n)) {
        (Ok(u), _) => Value::from(u),
        (_, Ok(i)) => Value::from(i),
        _ => Value::Null,
    }
}

/// poem-openapi takes `null` for an optional property as if it were left out; say so.
fn nullable_optionals(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let required: Vec<String> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for (name, p) in props.iter_mut() {
            if required.contains(name) {
                continue;
            }
            if let Some(r) = p.get("$ref").cloned() {
                *p = serde_json::json!({"allOf": [{"$ref": r}], "nullable": true});
            } else if let Some(obj) = p.as_object_mut() {
                obj.insert("nullable".into(), Value::Bool(true));
                // An enum lists every value it takes, `null` too (OpenAPI 3.0 validators go by the
                // list).
                if let Some(Value::Array(values)) = obj.get_mut("enum")
                    && !values.contains(&Value::Null)
                {
                    values.push(Value::Null);
                }
            }
        }
    }
}

fn rename_formats(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".into(), Value::String("date".into()));
            }
            map.values_mut().for_each(rename_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(rename_formats),
        _ => {}
    }
}

/// Names of every component schema reachable from `schema`.
fn collect_refs(schema: Option<&Value>, spec: &Value, names: &mut Vec<String>) {
    let Some(schema) = schema else { return };
    match schema {
        Value::Object(map) => {
            if let Some(name) =
                map.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next())
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
                collect_refs(spec.pointer(&format!("/components/schemas/{name}")), spec, names);
            }
            for v in map.values() {
                collect_refs(Some(v), spec, names);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(Some(v), spec, names)),
        _ => {}
    }
}

fn bound_text(schema: &mut Value, property: Option<&str>) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if map.get("type").and_then(Value::as_str) == Some("string") {
        let free = !["enum", "format"].iter().any(|k| map.contains_key(*k));
        if free {
            let multi = property.is_some_and(|p| MULTI_LINE.contains(&p));
            let max = match property {
                Some("text") => TEMPLATE_MAX,
                _ if multi => MULTI_LINE_MAX,
                _ => SINGLE_LINE_MAX,
            };
            map.entry("maxLength").or_insert(Value::from(max));
            let pattern = if multi { MULTI_LINE_PATTERN } else { SINGLE_LINE_PATTERN };
            map.entry("pattern").or_insert(Value::String(pattern.into()));
        }
        return;
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for (name, p) in props.iter_mut() {
            bound_text(p, Some(name));
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            bound_text(inner, property);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(items)) = map.get_mut(key) {
            items.iter_mut().for_each(|i| bound_text(i, property));
        }
    }
}

/// What a body broke: a wrong JSON type (400) or a rule on a well-typed value (422).
#[derive(Debug, Default)]
pub struct Findings {
    pub wrong_types: Vec<FieldError>,
    pub broken_rules: Vec<FieldError>,
}

impl Findings {
    pub fn is_empty(&self) -> bool {
        self.wrong_types.is_empty() && self.broken_rules.is_empty()
    }
}

/// Checks JSON bodies against the refined document.
pub struct Checker {
    schemas: Map<String, Value>,
    patterns: HashMap<String, Regex>,
}

impl Checker {
    pub fn new(spec: &Value) -> Checker {
        let schemas = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut patterns = HashMap::new();
        collect_patterns(spec, &mut patterns);
        Checker { schemas, patterns }
    }

    pub fn check(&self, schema: &Value, value: &Value) -> Findings {
        let mut findings = Findings::default();
        self.walk(schema, value, "", &mut findings, 0);
        findings
    }

    fn walk(&self, schema: &Value, value: &Value, at: &str, out: &mut Findings, depth: usize) {
        let Some(map) = schema.as_object() else {
            return;
        };
        if depth > 64 || value.is_null() {
            return;
        }
        if let Some(name) =
            map.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next())
            && let Some(target) = self.schemas.get(name)
        {
            self.walk(target, value, at, out, depth + 1);
        }
        if let Some(Value::Array(all)) = map.get("allOf") {
            all.iter().for_each(|s| self.walk(s, value, at, out, depth + 1));
        }
        let field = || {
            if at.is_empty() { "body".to_string() } else { at.to_string() }
        };
        match map.get("type").and_then(Value::as_str) {
            Some("string") => {
                let decimal = map.get("format").and_then(Value::as_str) == Some("decimal");
                let Some(s) = value.as_str() else {
                    if decimal {
                        // Amounts and scores report a wrong type by field, with the other problems.
                        return;
                    }
                    out.wrong_types.push(FieldError::new(
                        field(),
                        format!("must be a JSON string, not {value}"),
                    ));
                    return;
                };
                self.guard_rules(map, s, &field(), &mut out.broken_rules);
            }
            Some("boolean") if !value.is_boolean() => {
                out.wrong_types
                    .push(FieldError::new(field(), format!("must be true or false, not {value}")));
            }
            Some("object") => {
                let Some(obj) = value.as_object() else { return };
                let props = map.get("properties").and_then(Value::as_object);
                for (key, v) in obj {
                    let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
                    match props.and_then(|p| p.get(key)) {
                        Some(s) => self.walk(s, v, &path, out, depth + 1),
                        None => {
                            if let Some(extra) =
                                map.get("additionalProperties").filter(|a| a.is_object())
                            {
                                self.walk(extra, v, &path, out, depth + 1);
                            }
                        }
                    }
                }
            }
            Some("array") => {
                let (Some(items), Some(values)) = (map.get("items"), value.as_array()) else {
                    return;
                };
                for (i, v) in values.iter().enumerate() {
                    self.walk(items, v, &format!("{}[{i}]", field()), out, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// The rules of a string the guard holds a body to: length and control characters. Enums,
    /// formats and the other patterns are the domain's, which reports them with every other
    /// problem of the input.
    fn guard_rules(
        &self,
        map: &Map<String, Value>,
        s: &str,
        field: &str,
        errors: &mut Vec<FieldError>,
    ) {
        if map.contains_key("enum") || map.contains_key("format") {
            return;
        }
        let mut own = Map::new();
        if let Some(max) = map.get("maxLength") {
            own.insert("maxLength".into(), max.clone());
        }
        let pattern = match map.get("pattern").and_then(Value::as_str) {
            Some(rules::NON_BLANK) | Some(SINGLE_LINE_PATTERN) => Some(SINGLE_LINE_PATTERN),
            Some(rules::NON_BLANK_MULTI_LINE) | Some(MULTI_LINE_PATTERN) => {
                Some(MULTI_LINE_PATTERN)
            }
            // References, emails, periods: single-line by their own pattern too.
            Some(_) => Some(SINGLE_LINE_PATTERN),
            None => None,
        };
        if let Some(p) = pattern {
            own.insert("pattern".into(), Value::String(p.into()));
        }
        self.string_rules(&own, s, field, errors);
    }

    fn string_rules(
        &self,
        map: &Map<String, Value>,
        s: &str,
        field: &str,
        errors: &mut Vec<FieldError>,
    ) {
        let chars = s.chars().count() as u64;
        if let Some(max) = map.get("maxLength").and_then(Value::as_u64)
            && chars > max
        {
            errors.push(FieldError::new(
                field,
                format!("at most {max} characters (this has {chars})"),
            ));
        }
        if let Some(min) = map.get("minLength").and_then(Value::as_u64)
            && chars < min
        {
            errors.push(FieldError::new(field, format!("at least {min} characters")));
        }
        if let Some(allowed) = map.get("enum").and_then(Value::as_array)
            && !allowed.iter().any(|a| a.as_str() == Some(s))
        {
            let list: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            errors.push(FieldError::new(field, format!("one of {}", list.join(", "))));
        }
        if let Some(p) = map.get("pattern").and_then(Value::as_str)
            && let Some(re) = self.patterns.get(p)
            && !re.is_match(s)
        {
            let message = match p {
                SINGLE_LINE_PATTERN => "one line of text without control characters".to_string(),
                MULTI_LINE_PATTERN => {
                    "text without control characters (tab and newline are fine)".to_string()
                }
                _ => format!("must match {p}"),
            };
            errors.push(FieldError::new(field, message));
        }
    }
}

fn collect_patterns(v: &Value, out: &mut HashMap<String, Regex>) {
    match v {
        Value::Object(map) => {
            if let Some(p) = map.get("pattern").and_then(Value::as_str)
                && !out.contains_key(p)
            {
                match Regex::new(p) {
                    Ok(re) => {
                        out.insert(p.to_string(), re);
                    }
                    Err(e) => {
                        tracing::warn!(pattern = p, error = %e, "a pattern of the spec does not compile")
                    }
                }
            }
            map.values().for_each(|x| collect_patterns(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| collect_patterns(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        let mut spec = json!({
            "paths": {"/r": {"post": {"requestBody": {"content": {"application/json; charset=utf-8": {
                "schema": {"$ref": "#/components/schemas/R"}}}}}}},
            "components": {"schemas": {"R": {"type": "object", "properties": {
                "name": {"type": "string"},
                "reason": {"type": "string"},
                "on": {"type": "string", "format": "naive-date"},
                "tags": {"type": "array", "items": {"type": "string"}}
            }}}}
        });
        refine(&mut spec);
        spec
    }

    fn check(body: Value) -> Findings {
        let spec = spec();
        Checker::new(&spec).check(&json!({"$ref": "#/components/schemas/R"}), &body)
    }

    #[test]
    fn refines_dates_and_text() {
        let spec = spec();
        let r = &spec["components"]["schemas"]["R"]["properties"];
        assert_eq!(r["on"]["format"], "date");
        assert_eq!(r["name"]["maxLength"], SINGLE_LINE_MAX);
        assert_eq!(r["reason"]["pattern"], MULTI_LINE_PATTERN);
        assert_eq!(r["tags"]["items"]["pattern"], SINGLE_LINE_PATTERN);
    }

    #[test]
    fn strings_only_and_bounded() {
        assert!(check(json!({"name": "Gelderland-Zuid", "reason": "regel 1\nregel 2"})).is_empty());
        let f = check(json!({"name": true, "tags": ["a", 123]}));
        let fields: Vec<_> = f.wrong_types.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "tags[1]"]);
        let f = check(json!({"name": "a\u{0}b", "reason": "x".repeat(20_001)}));
        assert_eq!(f.broken_rules.len(), 2);
        let f = check(json!({"name": "twee\nregels", "reason": "ok\ttab"}));
        assert_eq!(f.broken_rules.len(), 1);
        assert_eq!(check(json!({"name": "é".repeat(300)})).broken_rules.len(), 0);
    }
}
