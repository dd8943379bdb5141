//! A letter from its facts and its templates: pure (no database), so the preview, the issued
//! letter and the benchmark run the same code.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::schedule::{self, Payments};
use super::templates;
use crate::domain::applicant::Applicant;
use crate::domain::grounds::{DecisionGround, Ground};
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::error::{DomainError, FieldError};
use crate::pdf::{self, Block, Column, Document, Line, Settings, Table, format};
use values::{quoted, values};

mod values;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LetterKind {
    Award,
    RejectionFirstRound,
    RejectionFinal,
    /// The invitation to the interview round: a letter, not a decision (no objection clause).
    InterviewInvitation,
}

impl LetterKind {
    pub const ALL: [LetterKind; 4] = [
        LetterKind::Award,
        LetterKind::RejectionFirstRound,
        LetterKind::RejectionFinal,
        LetterKind::InterviewInvitation,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            LetterKind::Award => "award",
            LetterKind::RejectionFirstRound => "rejection_first_round",
            LetterKind::RejectionFinal => "rejection_final",
            LetterKind::InterviewInvitation => "interview_invitation",
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
            LetterKind::RejectionFirstRound => {
                "Besluit op uw aanvraag: afwijzing na de eerste beoordeling"
            }
            LetterKind::RejectionFinal => "Besluit op uw aanvraag: afwijzing na de gespreksronde",
            LetterKind::InterviewInvitation => "Uitnodiging voor de gespreksronde",
        }
    }
}

pub use super::settings::{Interview, LetterSettings};

/// One weighted criterion's line in the score table.
#[derive(Debug, Clone)]
pub struct CriterionScore {
    pub label: String,
    pub mean: Points,
    pub max: i64,
}

pub use crate::domain::allocation::AllocationBasis;

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
    /// The contact's function, for the address block.
    pub lead_function: Option<String>,
    /// The applying municipality with its postal address; the letter is addressed to it.
    pub applicant: Option<Applicant>,
    pub application_title: Option<String>,
    /// When the addendum (final round) came in, if one did.
    pub addendum_on: Option<NaiveDate>,
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
    pub awarded_count: usize,
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
    /// For an invitation: where and when the interview is, and the addendum's deadline.
    pub interview: Option<Interview>,
    pub addendum_deadline: Option<chrono::DateTime<chrono::Utc>>,
    /// The decisive ground, computed from the outcome (`domain::grounds`).
    pub ground: Option<DecisionGround>,
    /// The sheets the table's round counts, and the assessors who stood aside for a conflict of
    /// interest.
    pub sheets: usize,
    pub conflicts: usize,
    pub spending_from: NaiveDate,
    pub spending_to: NaiveDate,
    pub settings: LetterSettings,
    /// The call's letterhead logo, drawn at the top of the first page.
    pub logo: Option<crate::pdf::letterhead::Logo>,
}

const BLOCKS: &[&str] =
    &["scores_table", "obligations_table", "knockouts_met", "knockouts_not_met"];

/// A grant above this amount is settled with an auditor's report.
pub const AUDIT_THRESHOLD_EUROS: i64 = 125_000;

pub fn payments_of(f: &LetterFacts) -> Option<Payments> {
    f.allocated
        .map(|a| schedule::payments(a, f.settings.advance_percent, f.decided_on, f.spending_to))
}

/// Which reason snippet a letter uses: the one of its decisive ground.
fn reason_template(f: &LetterFacts) -> Option<&'static str> {
    match (f.kind, f.ground.as_ref().map(|g| &g.ground)) {
        (LetterKind::Award | LetterKind::InterviewInvitation, _) => None,
        (_, Some(Ground::KnockoutNotMet { .. })) => Some("reason_knockout"),
        (_, Some(Ground::BelowThreshold { .. })) => Some("reason_below_threshold"),
        (_, Some(Ground::TieSettled { .. })) => Some("reason_tie"),
        (_, Some(Ground::CeilingReached { .. })) => Some("reason_ceiling"),
        (_, Some(Ground::RankBeyondAwards { .. })) => Some("reason_rank"),
        // A letter of another kind than the decision (a preview on request): by its kind.
        (LetterKind::RejectionFirstRound, _) if !f.knockouts_not_met.is_empty() => {
            Some("reason_knockout")
        }
        (LetterKind::RejectionFirstRound, _) => Some("reason_below_threshold"),
        (LetterKind::RejectionFinal, _) if f.tie.is_some() => Some("reason_tie"),
        (LetterKind::RejectionFinal, _) => Some("reason_rank"),
    }
}

fn allocation_template(f: &LetterFacts) -> &'static str {
    match f.allocation {
        AllocationBasis::Requested => "allocation_requested",
        AllocationBasis::ProRata { .. } => "allocation_pro_rata",
        AllocationBasis::Manual { .. } => "allocation_manual",
    }
}

fn template<'a>(
    templates: &'a BTreeMap<String, String>,
    name: &str,
) -> Result<&'a str, DomainError> {
    templates
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| DomainError::internal(format!("no letter template {name}")))
}

/// Fills one template, refusing a placeholder that stays open.
fn filled(
    templates: &BTreeMap<String, String>,
    name: &str,
    values: &BTreeMap<&str, String>,
) -> Result<String, DomainError> {
    let (text, missing) = templates::fill(template(templates, name)?, values, BLOCKS);
    if missing.is_empty() {
        return Ok(text);
    }
    Err(DomainError::Validation(
        missing
            .into_iter()
            .map(|m| {
                FieldError::new(
                    format!("templates.{name}"),
                    format!("the placeholder {{{m}}} has no value in this letter"),
                )
            })
            .collect(),
    ))
}

/// The whole text of the letter body, with block placeholders left for the layout.
pub fn body_text(
    f: &LetterFacts,
    templates: &BTreeMap<String, String>,
) -> Result<(String, String), DomainError> {
    let mut values = values(f);
    if let Some(name) = reason_template(f) {
        let reason = filled(templates, name, &values)?;
        values.insert("reason", reason);
    }
    if f.kind == LetterKind::Award {
        let basis = filled(templates, allocation_template(f), &values)?;
        values.insert("allocation_basis", basis);
        let partial = if f.ground.as_ref().is_some_and(|g| g.partial_refusal.is_some()) {
            filled(templates, "partial_refusal", &values)?
        } else {
            String::new()
        };
        values.insert("partial_refusal", partial);
        let payments = if values.contains_key("advance") {
            filled(templates, "payments", &values)?
        } else {
            String::new()
        };
        values.insert("payments", payments);
        let settlement = filled(templates, "settlement", &values)?;
        values.insert("settlement", settlement);
    }
    let body = filled(templates, f.kind.as_str(), &values)?;
    // An invitation is no decision: no objection clause, only whom to ask.
    let objection = filled(
        templates,
        if f.kind == LetterKind::InterviewInvitation { "contact" } else { "objection" },
        &values,
    )?;
    Ok((body, objection))
}

/// The recipient: the applying municipality on behalf of the region, with its postal address.
fn address_lines(f: &LetterFacts) -> Vec<Line> {
    let mut lines = Vec::new();
    match &f.applicant {
        Some(a) => {
            lines.push(Line::plain(a.organisation.clone()));
            lines.push(Line::plain(format!("namens het samenwerkingsverband {}", f.region_name)));
            lines.push(Line::plain(format!("t.a.v. {}", f.lead_name)));
            if let Some(function) = &f.lead_function {
                lines.push(Line::small(function.clone()));
            }
            for l in a.address.lines() {
                lines.push(Line::plain(l));
            }
        }
        None => {
            lines.push(Line::plain(format!("Gemeente {}", f.lead_municipality)));
            lines.push(Line::plain(format!("namens het samenwerkingsverband {}", f.region_name)));
            lines.push(Line::plain(format!("t.a.v. {}", f.lead_name)));
        }
    }
    lines
}

/// Renders the letter as a PDF.
pub fn render(
    f: &LetterFacts,
    templates: &BTreeMap<String, String>,
) -> Result<Vec<u8>, DomainError> {
    f.settings.require_complete()?;
    let (body, objection) = body_text(f, templates)?;
    let title = format!("{} – {}", f.kind.subject(), f.region_name);
    let mut doc = Document::new(Settings {
        title,
        header_left: f.programme.clone(),
        header_right: first_line(&f.settings.issuing_body),
        footer_left: format!("Ons kenmerk {}{}", f.reference, version(f)),
    })
    .map_err(DomainError::internal)?;
    doc.set_created_on(f.decided_on);
    if let Some(logo) = &f.logo {
        doc.logo(logo, 0.0, pdf::mm(40.0));
        doc.space(12.0);
    }

    letterhead(&mut doc, f);
    doc.space(18.0);
    doc.key_values(
        &[("Betreft".to_string(), format!("{} – {}", f.kind.subject(), f.call_title))],
        pdf::mm(22.0),
    );
    doc.space(6.0);
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
    doc.paragraph("Geachte heer/mevrouw,");
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

    signature(&mut doc, f, SIGNATURE_HEIGHT);
    doc.finish().map_err(DomainError::internal)
}

/// The letterhead: return address and recipient on the left, the sender's details, contact
/// person and references on the right, as in a ministry's letter.
fn letterhead(doc: &mut Document, f: &LetterFacts) {
    let mut address =
        vec![Line::label(format!("Retouradres {}", f.settings.return_address.trim())), Line::gap()];
    address.extend(address_lines(f));
    let mut sender: Vec<Line> =
        f.settings.issuing_body.lines().map(|l| Line::small_bold(l.trim())).collect();
    sender.push(Line::small(f.programme.clone()));
    sender.push(Line::gap());
    sender.push(Line::label("Contactpersoon"));
    sender.push(Line::small(f.settings.contact_name.trim()));
    sender.push(Line::small(f.settings.contact_email.trim()));
    sender.push(Line::small(f.settings.contact_phone.trim()));
    sender.push(Line::label("Ons kenmerk"));
    sender.push(Line::small(format!("{}{}", f.reference, version(f))));
    sender.push(Line::label("Uw kenmerk"));
    sender.push(Line::small(f.submitted_on.map_or_else(
        || "uw aanvraag".to_string(),
        |d| format!("uw aanvraag van {}", format::date(d)),
    )));
    sender.push(Line::label("Datum"));
    sender.push(Line::small(format::date(f.decided_on)));
    sender.push(Line::label("Bijlage(n)"));
    sender.push(Line::small("geen"));
    doc.blocks(&[
        Block { x: 0.0, width: pdf::mm(92.0), lines: address },
        Block { x: pdf::mm(104.0), width: pdf::mm(61.0), lines: sender },
    ]);
}

/// The signature block, kept whole on one page (`height`).
fn signature(doc: &mut Document, f: &LetterFacts, height: f32) {
    doc.ensure(height);
    doc.space(6.0);
    doc.paragraph("Met vriendelijke groet,");
    doc.text(
        &format!("{},", first_line(&f.settings.issuing_body)),
        pdf::Style { after: 0.0, ..pdf::Style::body() },
    );
    doc.text("namens deze,", pdf::Style { after: 0.0, ..pdf::Style::body() });
    doc.space(34.0);
    doc.text(f.settings.signatory.trim(), pdf::Style { after: 0.0, ..pdf::Style::bold() });
    for l in f.settings.signatory_function.lines() {
        doc.text(l.trim(), pdf::Style { after: 0.0, ..pdf::Style::body() });
    }
}

fn version(f: &LetterFacts) -> String {
    if f.number > 1 { format!(" (versie {})", f.number) } else { String::new() }
}

pub(crate) fn first_line(s: &str) -> String {
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
                    let why = match motivations.as_slice() {
                        [] => String::new(),
                        [one] => {
                            format!(" De beoordelaars motiveren dit als volgt: {}.", quoted(one))
                        }
                        many => format!(
                            " De beoordelaars motiveren dit als volgt: {}.",
                            many.iter().map(|m| quoted(m)).collect::<Vec<_>>().join("; ")
                        ),
                    };
                    doc.bullet(&format!("{k}.{why}"));
                }
                if let Some(r) = &f.knockout_decision_reason {
                    let which = if f.knockouts_not_met.len() == 1 {
                        "dit criterium"
                    } else {
                        "deze criteria"
                    };
                    doc.paragraph(&format!(
                        "De beoordelaars waren het over {which} niet eens. Na consensusoverleg is besloten dat uw aanvraag er niet aan voldoet, om deze reden: {}.",
                        quoted(r)
                    ));
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
                    } else if !line.trim().is_empty() {
                        text_lines.push(line.trim());
                    }
                }
                flush(doc, &mut text_lines);
            }
        }
    }
}

fn scores_table(doc: &mut Document, f: &LetterFacts) {
    let mut rows: Vec<Vec<String>> = f
        .criteria
        .iter()
        .map(|c| vec![c.label.clone(), format::points(c.mean), format::integer(c.max)])
        .collect();
    let total: Points = f.criteria.iter().map(|c| c.mean).sum();
    let max: i64 = f.criteria.iter().map(|c| c.max).sum();
    let score = match f.kind {
        LetterKind::RejectionFirstRound => f.first_round_score,
        _ => f.final_score,
    };
    // The round score is the mean of the sheets' totals; the sum of the means can differ from it in
    // the last decimal, so the table's total row shows the round score itself.
    rows.push(vec![
        "Totaal (gemiddelde van de totalen per beoordelaar)".into(),
        format::points(score.unwrap_or(total)),
        format::integer(max),
    ]);
    doc.table(
        &Table::new(
            vec![
                Column::left("Criterium", 5.6),
                Column::right("Gemiddelde score", 2.0),
                Column::right("Maximum", 1.2),
            ],
            rows,
        )
        .with_total_row(),
    );
}

fn obligations_table(doc: &mut Document, f: &LetterFacts) {
    let rows = schedule::obligations(
        f.spending_from,
        f.spending_to,
        f.decided_on,
        f.settings.report_weeks,
        f.settings.settlement_weeks,
    )
    .into_iter()
    .map(|o| vec![o.what, format::date(o.due)])
    .collect();
    doc.table(&Table::new(
        vec![Column::left("Verplichting", 5.0), Column::right("Uiterlijk", 1.6)],
        rows,
    ));
}
