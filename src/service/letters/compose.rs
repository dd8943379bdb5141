//! A letter from its facts and its templates: pure (no database), so the preview, the issued
//! letter and the benchmark run the same code.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::templates;
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::error::{DomainError, FieldError};
use crate::pdf::{self, Block, Column, Document, Line, Settings, Table, format};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LetterKind {
    Award,
    RejectionFirstRound,
    RejectionFinal,
}

impl LetterKind {
    pub const ALL: [LetterKind; 3] = [LetterKind::Award, LetterKind::RejectionFirstRound, LetterKind::RejectionFinal];

    pub fn as_str(&self) -> &'static str {
        match self {
            LetterKind::Award => "award",
            LetterKind::RejectionFirstRound => "rejection_first_round",
            LetterKind::RejectionFinal => "rejection_final",
        }
    }

    pub fn parse(s: &str) -> Option<LetterKind> {
        LetterKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The letter that goes with a decision email; an interview invitation has none.
    pub fn of_email(kind: &str) -> Option<LetterKind> {
        match kind {
            "award_letter" => Some(LetterKind::Award),
            "rejection_first_round" => Some(LetterKind::RejectionFirstRound),
            "rejection_final" => Some(LetterKind::RejectionFinal),
            _ => None,
        }
    }

    fn subject(&self) -> &'static str {
        match self {
            LetterKind::Award => "Beschikking tot subsidieverlening",
            LetterKind::RejectionFirstRound => "Besluit op uw aanvraag: afwijzing na de eerste beoordeling",
            LetterKind::RejectionFinal => "Besluit op uw aanvraag: afwijzing na de gespreksronde",
        }
    }
}

/// Who issues the letters and on what basis. Each is required before a letter can be issued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterSettings {
    /// The administrative body that decides (*bestuursorgaan*), e.g. "De Minister voor Rechtsbescherming".
    pub issuing_body: String,
    /// The regulation the grant rests on.
    pub legal_basis: String,
    /// Where an objection goes (postal address), one line per line.
    pub objection_address: String,
    /// Who signs: name and function, one line per line.
    pub signatory: String,
}

impl LetterSettings {
    /// The names of the settings that are empty.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("issuing_body", &self.issuing_body),
            ("legal_basis", &self.legal_basis),
            ("objection_address", &self.objection_address),
            ("signatory", &self.signatory),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| k)
        .collect()
    }

    pub fn require_complete(&self) -> Result<(), DomainError> {
        let missing = self.missing();
        if missing.is_empty() {
            return Ok(());
        }
        Err(DomainError::Validation(
            missing
                .into_iter()
                .map(|m| FieldError::new(format!("letter_settings.{m}"), "missing: a letter cannot be issued without it; set it for the call or in the programme's configuration"))
                .collect(),
        ))
    }
}

/// One weighted criterion's line in the score table.
#[derive(Debug, Clone)]
pub struct CriterionScore {
    pub label: String,
    pub mean: Points,
    pub max: i64,
}

#[derive(Debug, Clone)]
pub enum AllocationBasis {
    /// Everything awarded fits under the ceiling.
    Requested,
    /// Pro rata in whole euros, over the requests of the awarded applications.
    ProRata { requested_awarded: Money },
    /// Set by hand by staff, with their reason.
    Manual { reason: String },
}

#[derive(Debug, Clone)]
pub struct Obligation {
    pub what: String,
    pub due: NaiveDate,
}

/// Everything a letter says, gathered by the service.
#[derive(Debug, Clone)]
pub struct LetterFacts {
    pub kind: LetterKind,
    pub programme: String,
    pub call_title: String,
    pub region_name: String,
    pub lead_name: String,
    pub lead_email: String,
    pub lead_municipality: String,
    pub reference: String,
    /// 1 for the first letter; a correction has the next number.
    pub number: i32,
    /// For a correction: the reason, and the date of the letter it replaces.
    pub correction: Option<(String, NaiveDate)>,
    pub decided_on: NaiveDate,
    pub submitted_on: Option<NaiveDate>,
    pub total_points: u32,
    pub threshold: Points,
    pub max_awards: u32,
    pub budget_ceiling: Money,
    pub requested_total: Money,
    pub first_round_score: Option<Points>,
    pub final_score: Option<Points>,
    pub rank: Option<u32>,
    pub ranked_count: usize,
    /// Rank and final score of the last awarded place.
    pub last_awarded: Option<(u32, Points)>,
    /// The round the table shows: the final round for final letters, else the first.
    pub criteria: Vec<CriterionScore>,
    pub knockouts_met: Vec<String>,
    /// A criterion not met, with the assessors' motivations.
    pub knockouts_not_met: Vec<(String, Vec<String>)>,
    pub knockout_decision_reason: Option<String>,
    pub tie: Option<(bool, String)>,
    pub allocated: Option<Money>,
    pub allocation: AllocationBasis,
    pub spending_from: NaiveDate,
    pub spending_to: NaiveDate,
    pub settings: LetterSettings,
}

const BLOCKS: &[&str] = &["scores_table", "obligations_table", "knockouts_met", "knockouts_not_met"];

/// The obligations of a grant over its spending period, decided on `decided_on`: an annual plan
/// per calendar year (due 1 December of the year before, or six weeks after the decision when that
/// is later), a progress report per half-year ending after the decision (due six weeks after it
/// ends), and the request for settlement (22 weeks after the spending period).
pub fn obligations(from: NaiveDate, to: NaiveDate, decided_on: NaiveDate) -> Vec<Obligation> {
    let mut out = Vec::new();
    let soonest = decided_on + Duration::weeks(6);
    for year in from.year()..=to.year() {
        let before = NaiveDate::from_ymd_opt(year - 1, 12, 1).unwrap_or(from);
        out.push(Obligation { what: format!("Projectplan {year} (doelen, activiteiten, begroting)"), due: before.max(soonest) });
    }
    for year in from.year()..=to.year() {
        for (half, end) in [(1, NaiveDate::from_ymd_opt(year, 6, 30)), (2, NaiveDate::from_ymd_opt(year, 12, 31))] {
            let Some(end) = end else { continue };
            if end <= decided_on || end < from || end > to.max(from) + Duration::days(183) {
                continue;
            }
            let start = if half == 1 { NaiveDate::from_ymd_opt(year, 1, 1) } else { NaiveDate::from_ymd_opt(year, 7, 1) };
            if start.is_some_and(|s| s > to) {
                continue;
            }
            out.push(Obligation { what: format!("Voortgangsrapportage {}e halfjaar {year}", half), due: end + Duration::weeks(6) });
        }
    }
    out.push(Obligation { what: "Aanvraag tot vaststelling, met inhoudelijk verslag en financiële verantwoording".into(), due: to + Duration::weeks(22) });
    out.sort_by_key(|o| o.due);
    out
}

fn values(f: &LetterFacts) -> BTreeMap<&'static str, String> {
    let mut v = BTreeMap::new();
    v.insert("region", f.region_name.clone());
    v.insert("lead_applicant", f.lead_name.clone());
    v.insert("municipality", f.lead_municipality.clone());
    v.insert("call", f.call_title.clone());
    v.insert("programme", f.programme.clone());
    v.insert("reference", f.reference.clone());
    v.insert("decision_date", format::date(f.decided_on));
    if let Some(d) = f.submitted_on {
        v.insert("submitted_on", format::date(d));
    }
    v.insert("legal_basis", f.settings.legal_basis.trim().to_string());
    v.insert("issuing_body", first_line(&f.settings.issuing_body));
    v.insert("objection_address", f.settings.objection_address.trim().lines().map(str::trim).collect::<Vec<_>>().join(", "));
    v.insert("total_points", f.total_points.to_string());
    v.insert("threshold", format::points(f.threshold));
    v.insert("max_awards", f.max_awards.to_string());
    v.insert("budget_ceiling", format::amount(f.budget_ceiling));
    v.insert("requested_total", format::amount(f.requested_total));
    v.insert("ranked_count", f.ranked_count.to_string());
    v.insert("spending_from", format::date(f.spending_from));
    v.insert("spending_to", format::date(f.spending_to));
    if let Some(s) = f.first_round_score {
        v.insert("first_round_score", format::points(s));
    }
    if let Some(s) = f.final_score {
        v.insert("final_score", format::points(s));
    }
    if let Some(r) = f.rank {
        v.insert("rank", r.to_string());
    }
    if let Some(a) = f.allocated {
        v.insert("allocated", format::amount(a));
    }
    if let Some((rank, score)) = f.last_awarded {
        v.insert("last_awarded_rank", rank.to_string());
        v.insert("last_awarded_score", format::points(score));
    }
    if let Some((_, reason)) = &f.tie {
        v.insert("tie_reason", reason.clone());
    }
    if let Some(r) = &f.knockout_decision_reason {
        v.insert("knockout_decision_reason", r.clone());
    }
    match &f.allocation {
        AllocationBasis::ProRata { requested_awarded } => {
            v.insert("requested_awarded", format::amount(*requested_awarded));
        }
        AllocationBasis::Manual { reason } => {
            v.insert("allocation_reason", reason.clone());
        }
        AllocationBasis::Requested => {}
    }
    // Art. 4:25 Awb: a refusal because the ceiling is reached is told apart from one on merit.
    let ground = match f.kind {
        LetterKind::RejectionFirstRound => "een weigering op inhoudelijke gronden: de aanvraag voldoet niet aan de eisen van de leidraad",
        _ => "een weigering omdat het subsidieplafond is bereikt (artikel 4:25, tweede lid, van de Algemene wet bestuursrecht), niet omdat uw aanvraag inhoudelijk tekortschiet",
    };
    v.insert("refusal_ground", ground.to_string());
    v
}

/// Which reason snippet a letter uses.
fn reason_template(f: &LetterFacts) -> Option<&'static str> {
    match f.kind {
        LetterKind::Award => None,
        LetterKind::RejectionFirstRound if !f.knockouts_not_met.is_empty() => Some("reason_knockout"),
        LetterKind::RejectionFirstRound => Some("reason_below_threshold"),
        LetterKind::RejectionFinal if f.tie.is_some() => Some("reason_tie"),
        LetterKind::RejectionFinal => Some("reason_rank"),
    }
}

fn allocation_template(f: &LetterFacts) -> &'static str {
    match f.allocation {
        AllocationBasis::Requested => "allocation_requested",
        AllocationBasis::ProRata { .. } => "allocation_pro_rata",
        AllocationBasis::Manual { .. } => "allocation_manual",
    }
}

fn template<'a>(templates: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, DomainError> {
    templates.get(name).map(String::as_str).ok_or_else(|| DomainError::internal(format!("no letter template {name}")))
}

/// Fills one template, refusing a placeholder that stays open.
fn filled(templates: &BTreeMap<String, String>, name: &str, values: &BTreeMap<&str, String>) -> Result<String, DomainError> {
    let (text, missing) = templates::fill(template(templates, name)?, values, BLOCKS);
    if missing.is_empty() {
        return Ok(text);
    }
    Err(DomainError::Validation(
        missing
            .into_iter()
            .map(|m| FieldError::new(format!("templates.{name}"), format!("the placeholder {{{m}}} has no value in this letter")))
            .collect(),
    ))
}

/// The whole text of the letter body, with block placeholders left for the layout.
pub fn body_text(f: &LetterFacts, templates: &BTreeMap<String, String>) -> Result<(String, String), DomainError> {
    let mut values = values(f);
    if let Some(name) = reason_template(f) {
        let reason = filled(templates, name, &values)?;
        values.insert("reason", reason);
    }
    if f.kind == LetterKind::Award {
        let basis = filled(templates, allocation_template(f), &values)?;
        values.insert("allocation_basis", basis);
    }
    let body = filled(templates, f.kind.as_str(), &values)?;
    let objection = filled(templates, "objection", &values)?;
    Ok((body, objection))
}

/// Renders the letter as a PDF.
pub fn render(f: &LetterFacts, templates: &BTreeMap<String, String>) -> Result<Vec<u8>, DomainError> {
    f.settings.require_complete()?;
    let (body, objection) = body_text(f, templates)?;
    let title = format!("{} – {}", f.kind.subject(), f.region_name);
    let mut doc = Document::new(Settings {
        title,
        header_left: f.programme.clone(),
        header_right: first_line(&f.settings.issuing_body),
        footer_left: format!("Kenmerk {}{}", f.reference, version(f)),
    })
    .map_err(DomainError::internal)?;
    doc.set_created_on(f.decided_on);

    // Address block on the left, the sender's details on the right, as in a ministry's letter.
    let mut address = vec![Line::label("Aan"), Line::plain(f.region_name.clone()), Line::plain(format!("t.a.v. {}, penvoerder", f.lead_name))];
    address.push(Line::plain(format!("Gemeente {}", f.lead_municipality)));
    address.push(Line::plain(f.lead_email.clone()));
    let mut sender = vec![Line::label("Afzender")];
    sender.extend(f.settings.issuing_body.lines().map(|l| Line::small(l.trim())));
    sender.push(Line::small(f.programme.clone()));
    sender.push(Line::gap());
    sender.push(Line::label("Ons kenmerk"));
    sender.push(Line::small(format!("{}{}", f.reference, version(f))));
    sender.push(Line::label("Datum"));
    sender.push(Line::small(format::date(f.decided_on)));
    sender.push(Line::label("Bezwaar"));
    sender.push(Line::small("binnen zes weken, zie slot van deze brief"));
    doc.blocks(&[Block { x: 0.0, width: pdf::mm(90.0), lines: address }, Block { x: pdf::mm(118.0), width: pdf::mm(47.0), lines: sender }]);
    doc.space(22.0);
    doc.key_values(
        &[
            ("Datum".to_string(), format::date(f.decided_on)),
            ("Betreft".to_string(), format!("{} – {}", f.kind.subject(), f.call_title)),
        ],
        pdf::mm(22.0),
    );
    doc.space(8.0);
    if let Some((reason, replaced_on)) = &f.correction {
        doc.text(
            &format!(
                "Deze brief vervangt de brief met kenmerk {} van {}. Reden van de correctie: {}",
                f.reference,
                format::date(*replaced_on),
                reason
            ),
            pdf::Style::bold(),
        );
    }
    doc.paragraph(&format!("Geachte {},", f.lead_name));
    layout(&mut doc, f, &body);
    // The signature block never stands alone on a page: the objection clause's last paragraph
    // moves with it.
    const SIGNATURE_HEIGHT: f32 = 110.0;
    let (rest, last) = match objection.trim_end().rsplit_once("\n\n") {
        Some((rest, last)) => (rest.to_string(), last.to_string()),
        None => (String::new(), objection.clone()),
    };
    layout(&mut doc, f, &rest);
    doc.ensure(doc.text_height(last.trim(), pdf::Style::body()) + SIGNATURE_HEIGHT);
    layout(&mut doc, f, &last);

    // Signature block.
    doc.ensure(SIGNATURE_HEIGHT);
    doc.space(6.0);
    doc.paragraph("Met vriendelijke groet,");
    doc.text(&format!("{},", first_line(&f.settings.issuing_body)), pdf::Style { after: 0.0, ..pdf::Style::body() });
    doc.text("namens deze,", pdf::Style { after: 0.0, ..pdf::Style::body() });
    doc.space(34.0);
    for (i, l) in f.settings.signatory.lines().enumerate() {
        let style = if i == 0 { pdf::Style::bold() } else { pdf::Style::body() };
        doc.text(l.trim(), pdf::Style { after: 0.0, ..style });
    }
    doc.finish().map_err(DomainError::internal)
}

fn version(f: &LetterFacts) -> String {
    if f.number > 1 { format!(" (versie {})", f.number) } else { String::new() }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// Lays out a filled template: headings, bullets, paragraphs and the block placeholders.
fn layout(doc: &mut Document, f: &LetterFacts, text: &str) {
    for para in text.split("\n\n") {
        let para = para.trim();
        if para.is_empty() {
            continue;
        }
        match para {
            "{scores_table}" => scores_table(doc, f),
            "{obligations_table}" => obligations_table(doc, f),
            "{knockouts_met}" => {
                for k in &f.knockouts_met {
                    doc.bullet(k);
                }
                doc.space(4.0);
            }
            "{knockouts_not_met}" => {
                for (k, motivations) in &f.knockouts_not_met {
                    let why = if motivations.is_empty() { String::new() } else { format!(" Motivering van de beoordelaars: {}", motivations.join(" / ")) };
                    doc.bullet(&format!("{k}.{why}"));
                }
                doc.space(4.0);
            }
            _ => {
                let mut text_lines = Vec::new();
                let flush = |doc: &mut Document, lines: &mut Vec<&str>| {
                    if !lines.is_empty() {
                        doc.paragraph(&lines.join(" "));
                        lines.clear();
                    }
                };
                for line in para.lines() {
                    if let Some(h) = line.strip_prefix("# ") {
                        flush(doc, &mut text_lines);
                        doc.heading(h.trim());
                    } else if let Some(b) = line.strip_prefix("- ") {
                        flush(doc, &mut text_lines);
                        doc.bullet(b.trim());
                    } else {
                        text_lines.push(line.trim());
                    }
                }
                flush(doc, &mut text_lines);
            }
        }
    }
}

fn scores_table(doc: &mut Document, f: &LetterFacts) {
    let mut rows: Vec<Vec<String>> =
        f.criteria.iter().map(|c| vec![c.label.clone(), format::points(c.mean), format::integer(c.max)]).collect();
    let total: Points = f.criteria.iter().map(|c| c.mean).sum();
    let max: i64 = f.criteria.iter().map(|c| c.max).sum();
    let score = match f.kind {
        LetterKind::RejectionFirstRound => f.first_round_score,
        _ => f.final_score,
    };
    // The round score is the mean of the sheets' totals; the sum of the means can differ from it in
    // the last decimal, so the table's total row shows the round score itself.
    rows.push(vec!["Totaal (gemiddelde van de totalen per beoordelaar)".into(), format::points(score.unwrap_or(total)), format::integer(max)]);
    doc.table(
        &Table::new(vec![Column::left("Criterium", 5.6), Column::right("Gemiddelde score", 2.0), Column::right("Maximum", 1.2)], rows)
            .with_total_row(),
    );
}

fn obligations_table(doc: &mut Document, f: &LetterFacts) {
    let rows = obligations(f.spending_from, f.spending_to, f.decided_on)
        .into_iter()
        .map(|o| vec![o.what, format::date(o.due)])
        .collect();
    doc.table(&Table::new(vec![Column::left("Verplichting", 5.0), Column::right("Uiterlijk", 1.6)], rows));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obligations_over_a_two_year_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let o = obligations(d("2022-01-01"), d("2023-12-31"), d("2022-09-15"));
        let listed: Vec<(String, String)> = o.iter().map(|o| (o.what.clone(), o.due.to_string())).collect();
        assert_eq!(listed[0], ("Projectplan 2022 (doelen, activiteiten, begroting)".to_string(), "2022-10-27".to_string()));
        assert!(listed.contains(&("Projectplan 2023 (doelen, activiteiten, begroting)".to_string(), "2022-12-01".to_string())));
        assert!(listed.contains(&("Voortgangsrapportage 2e halfjaar 2022".to_string(), "2023-02-11".to_string())));
        assert!(listed.contains(&("Voortgangsrapportage 2e halfjaar 2023".to_string(), "2024-02-11".to_string())));
        assert!(!listed.iter().any(|(w, _)| w.contains("1e halfjaar 2022")), "ended before the decision");
        assert_eq!(listed.last().unwrap().1, "2024-06-02");
    }

    #[test]
    fn names_missing_settings() {
        let s = LetterSettings { issuing_body: "x".into(), legal_basis: " ".into(), objection_address: "".into(), signatory: "y".into() };
        assert_eq!(s.missing(), ["legal_basis", "objection_address"]);
    }
}
