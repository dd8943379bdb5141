//! The scoring form: one fieldset per criterion, read back into a `SheetInput`, with the
//! service's field errors shown next to their fields in Dutch and summarised at the top.

use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::domain::call::{CallDefinition, CriterionKind, WeightedCriterion};
use crate::domain::points::Points;
use crate::domain::scoring::{CriterionValue, SheetInput};
use crate::error::FieldError;

/// The form's values as typed (so a refused form comes back as it was sent).
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub pairs: Vec<(String, String)>,
}

impl Typed {
    fn one(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The values of a saved sheet, as the form would send them.
    pub fn from_input(call: &CallDefinition, input: &SheetInput) -> Typed {
        let mut pairs = Vec::new();
        for (id, met) in &input.knockout {
            pairs.push((format!("ko.{id}"), if *met { "ja" } else { "nee" }.to_string()));
        }
        for (id, m) in &input.knockout_motivations {
            pairs.push((format!("kom.{id}"), m.clone()));
        }
        for c in &call.weighted_criteria {
            match input.scores.get(&c.id) {
                Some(CriterionValue::Number(n)) => {
                    pairs.push((format!("s.{}", c.id), n.to_string()))
                }
                Some(CriterionValue::Items(items)) => {
                    for i in items {
                        pairs.push((format!("s.{}", c.id), i.clone()));
                    }
                }
                None => {}
            }
        }
        for (id, m) in &input.motivations {
            pairs.push((format!("m.{id}"), m.clone()));
        }
        if let Some(m) = &input.motivation {
            pairs.push(("motivatie".into(), m.clone()));
        }
        Typed { pairs }
    }
}

/// Reads the form into a sheet. A value that is not a whole number is refused here (the service
/// sees only numbers); ranges and completeness are the service's to judge.
pub fn read(call: &CallDefinition, typed: &Typed) -> Result<SheetInput, Vec<FieldError>> {
    let mut input = SheetInput::default();
    let mut errors = Vec::new();
    for k in &call.knockout_criteria {
        match typed.one(&format!("ko.{}", k.id)) {
            Some("ja") => {
                input.knockout.insert(k.id.clone(), true);
            }
            Some("nee") => {
                input.knockout.insert(k.id.clone(), false);
            }
            _ => {}
        }
        if let Some(m) = typed.one(&format!("kom.{}", k.id)).filter(|m| !m.trim().is_empty()) {
            input.knockout_motivations.insert(k.id.clone(), m.trim().to_string());
        }
    }
    for c in &call.weighted_criteria {
        let name = format!("s.{}", c.id);
        if c.kind == CriterionKind::PerItem {
            if let Some(items) = c.items.as_ref().filter(|_| !typed.all(&name).is_empty()) {
                let chosen = items.iter().filter(|i| typed.all(&name).contains(&i.as_str()));
                input.scores.insert(c.id.clone(), CriterionValue::Items(chosen.cloned().collect()));
            }
        } else if let Some(v) = typed.one(&name).map(str::trim).filter(|v| !v.is_empty()) {
            match v.parse::<i64>() {
                Ok(n) => {
                    input.scores.insert(c.id.clone(), CriterionValue::Number(n));
                }
                Err(_) => errors.push(FieldError::new(format!("scores.{}", c.id), "not a number")),
            }
        }
        if let Some(m) = typed.one(&format!("m.{}", c.id)).filter(|m| !m.trim().is_empty()) {
            input.motivations.insert(c.id.clone(), m.trim().to_string());
        }
    }
    input.motivation =
        typed.one("motivatie").map(str::trim).filter(|m| !m.is_empty()).map(str::to_string);
    if errors.is_empty() { Ok(input) } else { Err(errors) }
}

/// The id of the form control a service field names (`scores.w_x` → `s-w_x`).
pub fn control_id(field: &str) -> String {
    let (kind, id) = field.split_once('.').unwrap_or((field, ""));
    let prefix = match kind {
        "scores" => "s",
        "motivations" => "m",
        "knockout" => "ko",
        "knockout_motivations" => "kom",
        _ => return "motivatie".into(),
    };
    format!("{prefix}-{id}")
}

fn range_text(c: &WeightedCriterion) -> String {
    match c.kind {
        CriterionKind::Scale => format!("een heel getal van {} tot en met {}", c.min, c.max),
        CriterionKind::Boolean => format!("ja ({} punten) of nee (0 punten)", c.max),
        CriterionKind::PerItem => format!(
            "{} punten per onderdeel, ten hoogste {}",
            c.points_per_item.unwrap_or_default(),
            c.max
        ),
    }
}

/// The Dutch message for a service field error, next to its field.
pub fn message_nl(call: &CallDefinition, typed: &Typed, e: &FieldError) -> String {
    let (kind, id) = e.field.split_once('.').unwrap_or((e.field.as_str(), ""));
    match kind {
        "scores" => match call.weighted(id) {
            Some(c) if typed.one(&format!("s.{id}")).is_some_and(|v| !v.trim().is_empty()) => {
                format!("Deze score kan niet: geef {}.", range_text(c))
            }
            Some(c) => format!("Vul een score in: {}.", range_text(c)),
            None => "Onbekend criterium.".into(),
        },
        "knockout" => "Kies of aan dit criterium is voldaan.".into(),
        "knockout_motivations" => "Motiveer waarom niet aan dit criterium is voldaan.".into(),
        "motivations" => "Geef een motivering bij deze score.".into(),
        "motivation" => "Geef een algemene motivering.".into(),
        _ => e.message.clone(),
    }
}

/// Dutch names of the items of a per-item criterion.
pub fn item_nl(item: &str) -> &str {
    match item {
        "finances" => "Financiën",
        "housing" => "Wonen",
        "care" => "Zorg en gezondheid",
        "family" => "Gezin en opvoeding",
        "work" => "Werk en dagbesteding",
        other => other,
    }
}

fn error_line(errors: &BTreeMap<String, String>, id: &str) -> Markup {
    html! {
        @if let Some(m) = errors.get(id) {
            p.utrecht-form-field-error-message #(format!("{id}-fout")) { (m) }
        }
    }
}

fn described(errors: &BTreeMap<String, String>, id: &str, hint: bool) -> String {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-uitleg"));
    }
    if errors.contains_key(id) {
        ids.push(format!("{id}-fout"));
    }
    ids.join(" ")
}

fn motivation(
    errors: &BTreeMap<String, String>,
    id: &str,
    name: &str,
    label: &str,
    value: Option<&str>,
) -> Markup {
    html! {
        div.utrecht-form-field.utrecht-form-field--textarea.utrecht-form-field--invalid[errors.contains_key(id)] {
            div.utrecht-form-field__label { label.utrecht-form-label for=(id) { (label) } }
            (error_line(errors, id))
            div.utrecht-form-field__input {
                textarea.utrecht-textarea.utrecht-textarea--html-textarea #(id) name=(name) rows=(if id.starts_with("kom-") { "2" } else { "3" })
                    aria-invalid=[errors.get(id).map(|_| "true")]
                    aria-describedby=[Some(described(errors, id, false)).filter(|d| !d.is_empty())] {
                    (value.unwrap_or_default())
                }
            }
        }
    }
}

fn knockout_fields(
    call: &CallDefinition,
    typed: &Typed,
    errors: &BTreeMap<String, String>,
) -> Markup {
    html! {
        h2.utrecht-heading-2 #knock-out { "Knock-outcriteria" }
        p.utrecht-paragraph { "Voldoet de aanvraag aan elk criterium? Motiveer een \"nee\"." }
        @for k in &call.knockout_criteria {
            @let id = format!("ko-{}", k.id);
            @let chosen = typed.one(&format!("ko.{}", k.id));
            fieldset.utrecht-form-fieldset.tuinier-criterion #(id)
                aria-describedby=[Some(described(errors, &id, false)).filter(|d| !d.is_empty())] {
                legend.utrecht-form-fieldset__legend { (k.label_nl) }
                (error_line(errors, &id))
                div.tuinier-choices {
                    label.tuinier-choice {
                        input.tuinier-radio type="radio" name=(format!("ko.{}", k.id)) value="ja" checked[chosen == Some("ja")];
                        " Ja, voldoet"
                    }
                    label.tuinier-choice {
                        input.tuinier-radio type="radio" name=(format!("ko.{}", k.id)) value="nee" checked[chosen == Some("nee")];
                        " Nee, voldoet niet"
                    }
                }
                (motivation(errors, &format!("kom-{}", k.id), &format!("kom.{}", k.id), "Motivering (bij nee)", typed.one(&format!("kom.{}", k.id))))
            }
        }
    }
}

fn score_control(
    c: &WeightedCriterion,
    typed: &Typed,
    errors: &BTreeMap<String, String>,
) -> Markup {
    let id = format!("s-{}", c.id);
    let name = format!("s.{}", c.id);
    let invalid = errors.contains_key(&id);
    html! {
        @match c.kind {
            CriterionKind::PerItem => {
                div.tuinier-choices role="group" aria-labelledby=(format!("{id}-titel")) {
                    @for item in c.items.iter().flatten() {
                        label.tuinier-choice {
                            input.utrecht-checkbox type="checkbox" name=(name) value=(item)
                                checked[typed.all(&name).contains(&item.as_str())];
                            " " (item_nl(item))
                        }
                    }
                }
            }
            CriterionKind::Boolean => {
                div.tuinier-choices role="group" aria-labelledby=(format!("{id}-titel")) {
                    label.tuinier-choice {
                        input.tuinier-radio type="radio" name=(name) value=(c.max)
                            checked[typed.one(&name) == Some(c.max.to_string().as_str())];
                        " Ja (" (c.max) " punten)"
                    }
                    label.tuinier-choice {
                        input.tuinier-radio type="radio" name=(name) value="0" checked[typed.one(&name) == Some("0")];
                        " Nee (0 punten)"
                    }
                }
            }
            CriterionKind::Scale => {
                div.utrecht-form-field__label { label.utrecht-form-label for=(id) { "Score" } }
                div.utrecht-form-field__input {
                    input.utrecht-textbox.utrecht-textbox--html-input.tuinier-score #(id) name=(name)
                        type="text" inputmode="numeric" autocomplete="off" size="4"
                        value=(typed.one(&name).unwrap_or_default())
                        aria-invalid=[invalid.then_some("true")]
                        aria-describedby=(described(errors, &id, true));
                }
            }
        }
    }
}

// Long: one fieldset per weighted criterion, each with its text, range, value and motivation.
/// The weighted criteria, each with its range, its value and its motivation.
pub fn weighted_fields(
    call: &CallDefinition,
    typed: &Typed,
    errors: &BTreeMap<String, String>,
    points: &BTreeMap<String, Points>,
) -> Markup {
    html! {
        h2.utrecht-heading-2 #criteria { "Gewogen criteria" }
        @for c in &call.weighted_criteria {
            @let id = format!("s-{}", c.id);
            div.utrecht-form-field.tuinier-criterion.utrecht-form-field--invalid[errors.contains_key(&id)] {
                h3.utrecht-heading-3 #(format!("{id}-titel")) { (c.label_nl) }
                p.utrecht-form-field-description #(format!("{id}-uitleg")) {
                    "Geef " (range_text(c)) "."
                    @if let Some(p) = points.get(&c.id) { " Bewaard: " (p.to_dutch()) " punten." }
                }
                (error_line(errors, &id))
                (score_control(c, typed, errors))
                (motivation(errors, &format!("m-{}", c.id), &format!("m.{}", c.id), "Motivering", typed.one(&format!("m.{}", c.id))))
            }
        }
        (motivation(errors, "motivatie", "motivatie", "Algemene motivering", typed.one("motivatie")))
    }
}

/// The whole form (knock-outs, weighted criteria, buttons) with its error summary.
pub fn form(
    action: &str,
    csrf: &str,
    call: &CallDefinition,
    typed: &Typed,
    errors: &BTreeMap<String, String>,
    points: &BTreeMap<String, Points>,
) -> Markup {
    let total: Option<Points> = (!points.is_empty())
        .then(|| Points::from_decimal(points.values().map(Points::as_decimal).sum()));
    html! {
        @if !errors.is_empty() {
            div.utrecht-alert.utrecht-alert--error.tuinier-summary role="alert" tabindex="-1" #foutoverzicht {
                h2.utrecht-heading-2 { "Het formulier heeft " (errors.len()) " fout" @if errors.len() != 1 { "en" } }
                ul.utrecht-unordered-list {
                    @for (id, m) in errors {
                        li { a.utrecht-link href=(format!("#{id}")) { (m) } }
                    }
                }
            }
        }
        form.tuinier-form method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(csrf);
            (knockout_fields(call, typed, errors))
            (weighted_fields(call, typed, errors, points))
            div.tuinier-total role="status" #totaal {
                "Totaal: "
                strong #totaal-waarde { @if let Some(t) = total { (t.to_dutch()) } @else { "nog niet berekend" } }
                " van " (call.total_points) " punten"
                span.tuinier-muted { " (bijgewerkt na bewaren)" }
            }
            div.tuinier-buttons {
                button.utrecht-button.utrecht-button--secondary-action type="submit" name="actie" value="concept" { "Concept bewaren" }
                button.utrecht-button.utrecht-button--primary-action type="submit" name="actie" value="indienen" { "Indienen" }
            }
        }
    }
}
