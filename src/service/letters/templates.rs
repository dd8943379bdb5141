//! The wording of the letters, as data: named texts with `{placeholders}` that the code fills with
//! the figures. Staff may replace any of them per call (through the API) without a rebuild.
//!
//! A template is plain text. Paragraphs are separated by a blank line; a line starting with `# `
//! is a heading and one starting with `- ` a bullet. A paragraph that is only `{scores_table}`,
//! `{obligations_table}`, `{knockouts_met}` or `{knockouts_not_met}` places that block.

use std::collections::BTreeMap;

/// Texts the letters are made of, with their default wording.
pub const DEFAULTS: &[(&str, &str)] = &[
    (
        "award",
        "Op {submitted_on} heeft u namens {region} een aanvraag ingediend voor subsidie uit de {call}. \
Met deze brief beslis ik op die aanvraag.

# Besluit
Ik verleen {region} een subsidie van ten hoogste {allocated} voor de uitvoering van de proeftuin in de periode van {spending_from} tot en met {spending_to}. Ik doe dat op grond van {legal_basis}.

# Beoordeling
Uw aanvraag voldoet aan alle knock-outcriteria van de leidraad:

{knockouts_met}

In de gespreksronde is uw aanvraag, met het addendum, opnieuw beoordeeld. De eindscore is {final_score} van de {total_points} punten; daarmee staat uw aanvraag op plaats {rank} van de {ranked_count} aanvragen in de gespreksronde. De {max_awards} hoogst gerangschikte aanvragen komen voor subsidie in aanmerking. Per criterium kwamen de beoordelaars gemiddeld tot de volgende scores:

{scores_table}

# Hoogte van de subsidie
U vroeg in totaal {requested_total} aan. {allocation_basis}

# Verplichtingen
Aan de subsidie zijn de volgende verplichtingen verbonden. U levert de stukken in bij het programmabureau.

{obligations_table}

Na afloop van de subsidieperiode vraagt u de vaststelling van de subsidie aan, met een inhoudelijk verslag en een financiële verantwoording. Ik stel de subsidie daarna definitief vast; bedragen die niet aan de proeftuin zijn besteed, vorder ik terug.",
    ),
    (
        "rejection_first_round",
        "Op {submitted_on} heeft u namens {region} een aanvraag ingediend voor subsidie uit de {call}. \
Met deze brief beslis ik op die aanvraag.

# Besluit
Ik wijs uw aanvraag af. Dit is {refusal_ground}. Uw aanvraag gaat daarom niet door naar de gespreksronde.

# Motivering
{reason}

In de eerste beoordelingsronde kwamen de beoordelaars per criterium gemiddeld tot de volgende scores (totaal {first_round_score} van de {total_points} punten):

{scores_table}",
    ),
    (
        "rejection_final",
        "Op {submitted_on} heeft u namens {region} een aanvraag ingediend voor subsidie uit de {call}. \
Uw aanvraag haalde in de eerste beoordeling {first_round_score} punten en is daarna besproken in de gespreksronde. Met deze brief beslis ik op uw aanvraag.

# Besluit
Ik wijs uw aanvraag af. Dit is {refusal_ground}.

# Motivering
{reason}

Per criterium kwamen de beoordelaars in de gespreksronde gemiddeld tot de volgende scores:

{scores_table}",
    ),
    (
        "reason_knockout",
        "Een aanvraag moet aannemelijk maken dat zij aan elk knock-outcriterium van de leidraad voldoet. De beoordelaars stelden vast dat uw aanvraag niet voldoet aan:

{knockouts_not_met}

Een aanvraag die niet aan een knock-outcriterium voldoet, wordt volgens de leidraad afgewezen, ongeacht de score op de overige criteria.",
    ),
    (
        "reason_below_threshold",
        "Uw aanvraag voldoet aan de knock-outcriteria. Voor de gespreksronde is een score nodig van ten minste {threshold} van de {total_points} punten. Uw aanvraag kwam in de eerste beoordeling op {first_round_score} punten en blijft daarmee onder die drempel.",
    ),
    (
        "reason_rank",
        "Na de gespreksronde kwam uw aanvraag op een eindscore van {final_score} van de {total_points} punten en op plaats {rank} van de {ranked_count}. De leidraad laat subsidie toe aan ten hoogste {max_awards} regio's, binnen een subsidieplafond van {budget_ceiling}. De laatste plaats die subsidie kreeg, is plaats {last_awarded_rank} met een eindscore van {last_awarded_score}. Het plafond is met de verdeling over de hoger gerangschikte aanvragen bereikt; uw aanvraag komt daarom niet voor subsidie in aanmerking.",
    ),
    (
        "reason_tie",
        "Na de gespreksronde kwam uw aanvraag op een eindscore van {final_score} van de {total_points} punten, gelijk met een of meer andere aanvragen op de laatste plaats die voor subsidie in aanmerking komt (plaats {rank}). De leidraad laat subsidie toe aan ten hoogste {max_awards} regio's, binnen een subsidieplafond van {budget_ceiling}. Over de gedeelde plaats is een besluit genomen, met deze reden: {tie_reason}. Uw aanvraag viel daarbij af.",
    ),
    ("allocation_requested", "De toegekende aanvragen blijven samen binnen het subsidieplafond van {budget_ceiling}; u ontvangt daarom het gevraagde bedrag."),
    (
        "allocation_pro_rata",
        "De toegekende aanvragen vroegen samen {requested_awarded} aan, meer dan het subsidieplafond van {budget_ceiling}. Het plafond is daarom naar rato verdeeld: elke aanvraag krijgt haar gevraagde bedrag maal {budget_ceiling} gedeeld door {requested_awarded}, afgerond naar beneden op hele euro's. Voor u is dat {allocated}.",
    ),
    (
        "allocation_manual",
        "De bedragen zijn per regio vastgesteld, gedifferentieerd naar de beoordeling, de gesprekken en de schaal van de proeftuin, binnen het subsidieplafond van {budget_ceiling}. De reden: {allocation_reason}. Voor u is dat {allocated}.",
    ),
    (
        "objection",
        "# Bezwaar
Bent u het niet eens met dit besluit? Dan kunt u als belanghebbende binnen zes weken bezwaar maken. Die termijn begint op de dag na de dag waarop dit besluit is verzonden (artikelen 6:7 en 6:8 van de Algemene wet bestuursrecht). Stuur uw bezwaarschrift, ondertekend en voorzien van uw naam, adres, de datum, het kenmerk {reference} en de gronden van het bezwaar, aan {issuing_body}, {objection_address}.",
    ),
];

/// Every placeholder a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "region",
    "lead_applicant",
    "municipality",
    "call",
    "programme",
    "reference",
    "decision_date",
    "submitted_on",
    "legal_basis",
    "issuing_body",
    "objection_address",
    "first_round_score",
    "final_score",
    "total_points",
    "threshold",
    "rank",
    "ranked_count",
    "max_awards",
    "budget_ceiling",
    "requested_total",
    "requested_awarded",
    "allocated",
    "allocation_basis",
    "allocation_reason",
    "spending_from",
    "spending_to",
    "last_awarded_rank",
    "last_awarded_score",
    "tie_reason",
    "knockout_decision_reason",
    "refusal_ground",
    "reason",
    "scores_table",
    "obligations_table",
    "knockouts_met",
    "knockouts_not_met",
];

pub fn default_text(name: &str) -> Option<&'static str> {
    DEFAULTS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The placeholders in `text`, in order, each once.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_lowercase() || c == '_') && end > 0 => {
                let name = after[..end].to_string();
                if !out.contains(&name) {
                    out.push(name);
                }
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// Placeholders in `text` that no letter can fill.
pub fn unknown_placeholders(text: &str) -> Vec<String> {
    placeholders(text).into_iter().filter(|p| !PLACEHOLDERS.contains(&p.as_str())).collect()
}

/// Fills the placeholders that have a value; block placeholders (tables, lists) stay for the
/// layout. Returns the placeholders left without a value.
pub fn fill(text: &str, values: &BTreeMap<&str, String>, blocks: &[&str]) -> (String, Vec<String>) {
    let mut out = text.to_string();
    let mut missing = Vec::new();
    for name in placeholders(text) {
        if blocks.contains(&name.as_str()) {
            continue;
        }
        match values.get(name.as_str()) {
            Some(v) => out = out.replace(&format!("{{{name}}}"), v),
            None => missing.push(name),
        }
    }
    (out, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_uses_known_placeholders_only() {
        for (name, text) in DEFAULTS {
            assert!(unknown_placeholders(text).is_empty(), "{name}: {:?}", unknown_placeholders(text));
        }
    }

    #[test]
    fn fills_and_reports_what_is_left() {
        let values = BTreeMap::from([("region", "Fryslân".to_string())]);
        let (text, missing) = fill("{region} {rank} {scores_table} {niet een}", &values, &["scores_table"]);
        assert_eq!(text, "Fryslân {rank} {scores_table} {niet een}");
        assert_eq!(missing, ["rank"]);
    }
}
