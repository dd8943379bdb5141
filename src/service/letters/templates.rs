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
        "Op {submitted_on} heeft u namens het samenwerkingsverband {region} subsidie aangevraagd voor een proeftuin in het kader van de {call}. \
Met deze beschikking beslis ik op uw aanvraag.

# Besluit
Ik verleen {applicant}, namens het samenwerkingsverband {region}, een subsidie van ten hoogste {allocated} voor de uitvoering van de proeftuin in de periode van {spending_from} tot en met {spending_to}.

Dit besluit berust op {legal_basis} en op {awb_articles}.

# Gesubsidieerde activiteiten
De subsidie is bestemd voor de activiteiten die u beschrijft in {plan_reference}{addendum_clause}. Deze stukken maken deel uit van deze beschikking.

# Beoordeling
Uw aanvraag voldoet aan alle knock-outcriteria van de leidraad:

{knockouts_met}

In de gespreksronde is uw aanvraag{with_addendum} opnieuw beoordeeld. De eindscore is {final_score} van de {total_points} punten; daarmee staat uw aanvraag op de {rank} plaats van de {ranked_count} aanvragen in de gespreksronde. Ten hoogste {max_awards} aanvragen komen voor subsidie in aanmerking.{tie_note} {assessors_note}

Per criterium kwamen de beoordelaars gemiddeld tot de volgende scores:

{scores_table}

# Hoogte van de subsidie
U vroeg in totaal {requested_total} aan. {allocation_basis}

{partial_refusal}

# Betaling
{payments}

# Verplichtingen
Op grond van de artikelen 4:37 en 4:39 van de Algemene wet bestuursrecht verbind ik de volgende verplichtingen aan de subsidie:
- U voert de activiteiten uit zoals beschreven in uw plan van aanpak{addendum_clause}.
- U meldt het de minister onverwijld schriftelijk wanneer aannemelijk is dat de activiteiten niet, niet tijdig of niet geheel zullen worden uitgevoerd, of dat u niet, niet tijdig of niet geheel aan de verplichtingen zult voldoen.
- U voert een administratie waaruit de kosten en opbrengsten van de proeftuin te allen tijde eenvoudig zijn na te gaan, en bewaart die ten minste zeven jaar na de vaststelling.
- U levert de volgende stukken uiterlijk op de vermelde datum in bij het programmabureau:

{obligations_table}

Viel een termijn op een zaterdag, een zondag of een algemeen erkende feestdag, dan is de eerstvolgende werkdag vermeld.

# Vaststelling
{settlement}",
    ),
    (
        "rejection_first_round",
        "Op {submitted_on} heeft u namens het samenwerkingsverband {region} subsidie aangevraagd voor een proeftuin in het kader van de {call}. \
Met deze brief beslis ik op uw aanvraag.

# Besluit
Ik wijs uw aanvraag af. Dit is {refusal_ground}. Uw aanvraag gaat daarom niet door naar de gespreksronde.

Dit besluit berust op {legal_basis} en op {awb_articles}.

# Motivering
{reason}

{assessors_note}

In de eerste beoordelingsronde kwamen de beoordelaars per criterium gemiddeld tot de volgende scores (totaal {first_round_score} van de {total_points} punten):

{scores_table}",
    ),
    (
        "rejection_final",
        "Op {submitted_on} heeft u namens het samenwerkingsverband {region} subsidie aangevraagd voor een proeftuin in het kader van de {call}. \
Uw aanvraag haalde in de eerste beoordeling {first_round_score} punten en is daarna besproken in de gespreksronde. Met deze brief beslis ik op uw aanvraag.

# Besluit
Ik wijs uw aanvraag af. Dit is {refusal_ground}.

Dit besluit berust op {legal_basis} en op {awb_articles}.

# Motivering
{reason}

{assessors_note}

Per criterium kwamen de beoordelaars in de gespreksronde gemiddeld tot de volgende scores:

{scores_table}",
    ),
    (
        "interview_invitation",
        "Op {submitted_on} heeft u namens het samenwerkingsverband {region} subsidie aangevraagd voor een proeftuin in het kader van de {call}.

# Uitnodiging voor de gespreksronde
Uw aanvraag voldoet aan de knock-outcriteria van de leidraad en kwam in de eerste beoordeling op {first_round_score} van de {total_points} punten; daarmee haalt zij de drempel van {threshold} punten voor de gespreksronde. Ik nodig u daarom uit voor een gesprek met de beoordelaars over uw plan van aanpak:

{interview_details}

U kunt uw plan aanvullen met een addendum{addendum_until}. Na de gesprekken beoordelen de beoordelaars alle aanvragen in de gespreksronde opnieuw; daarna beslis ik op uw aanvraag. Ten hoogste {max_awards} aanvragen komen voor subsidie in aanmerking.

Deze uitnodiging is nog geen besluit op uw aanvraag.",
    ),
    (
        "reason_knockout",
        "Een aanvraag moet aannemelijk maken dat zij aan elk knock-outcriterium van de leidraad voldoet. De beoordelaars stelden vast dat uw aanvraag niet voldoet aan {knockout_phrase}:

{knockouts_not_met}

Een aanvraag die niet aan een knock-outcriterium voldoet, wordt volgens de leidraad afgewezen, ongeacht de score op de overige criteria.",
    ),
    (
        "reason_below_threshold",
        "Uw aanvraag voldoet aan de knock-outcriteria. Voor de gespreksronde is volgens de leidraad een score nodig van ten minste {threshold} van de {total_points} punten. Uw aanvraag kwam in de eerste beoordeling op {first_round_score} punten en blijft daarmee {threshold_gap} punten onder die drempel.",
    ),
    (
        "reason_rank",
        "Na de gespreksronde kwam uw aanvraag op een eindscore van {final_score} van de {total_points} punten; daarmee staat zij op de {rank} plaats van de {ranked_count} aanvragen in de gespreksronde. Volgens de leidraad komen ten hoogste {max_awards} aanvragen voor subsidie in aanmerking: de {max_awards} hoogst gerangschikte. De laatste aanvraag die subsidie krijgt, staat op de {last_awarded_rank} plaats, met een eindscore van {last_awarded_score} punten. Uw aanvraag valt daarbuiten en komt daarom niet voor subsidie in aanmerking.",
    ),
    (
        "reason_ceiling",
        "Na de gespreksronde kwam uw aanvraag op een eindscore van {final_score} van de {total_points} punten; daarmee staat zij op de {rank} plaats van de {ranked_count} aanvragen in de gespreksronde. Volgens de leidraad komen ten hoogste {max_awards} aanvragen voor subsidie in aanmerking; de laatste aanvraag die subsidie krijgt, staat op de {last_awarded_rank} plaats, met een eindscore van {last_awarded_score} punten. De {awarded_count} hoger gerangschikte aanvragen vroegen samen {requested_awarded} aan, meer dan het subsidieplafond van {budget_ceiling}. Het plafond is volledig over die aanvragen verdeeld, {division}. Voor uw aanvraag is binnen het plafond geen ruimte meer; ik moet haar daarom weigeren (artikel 4:25, tweede lid, van de Algemene wet bestuursrecht).",
    ),
    (
        "reason_tie",
        "Na de gespreksronde kwam uw aanvraag op een eindscore van {final_score} van de {total_points} punten, gelijk met één of meer andere aanvragen op de {rank} plaats: de laatste plaats die voor subsidie in aanmerking komt. Volgens de leidraad komen ten hoogste {max_awards} aanvragen voor subsidie in aanmerking, zodat niet alle aanvragen op die plaats konden worden gehonoreerd. Over de gelijke stand heb ik als volgt beslist: {tie_reason}. Uw aanvraag is daarbij niet gehonoreerd.",
    ),
    ("allocation_requested", "De gehonoreerde aanvragen vragen samen niet meer dan het beschikbare budget; u ontvangt daarom het gevraagde bedrag."),
    (
        "allocation_pro_rata",
        "De gehonoreerde aanvragen vroegen samen {requested_awarded} aan, meer dan het subsidieplafond van {budget_ceiling}. Het plafond is daarom naar rato verdeeld: elke aanvraag krijgt haar gevraagde bedrag maal {budget_ceiling} gedeeld door {requested_awarded}, afgerond naar beneden op hele euro's. Voor u is dat {allocated}.",
    ),
    (
        "allocation_manual",
        "De bedragen zijn per aanvraag vastgesteld, gedifferentieerd naar de beoordeling, de gesprekken en de schaal van de proeftuin, binnen het subsidieplafond van {budget_ceiling}. De reden: {allocation_reason}. Voor u is dat {allocated}.",
    ),
    (
        "partial_refusal",
        "# Gedeeltelijke weigering
U vroeg {requested_total} aan en ik verleen {allocated}. Het verschil van {refused} weiger ik, omdat het subsidieplafond van {budget_ceiling} niet toereikend is om alle gehonoreerde aanvragen volledig te subsidiëren (artikel 4:25, tweede lid, van de Algemene wet bestuursrecht). Hoe het plafond is verdeeld, staat hierboven.",
    ),
    (
        "payments",
        "Ik betaal de subsidie in voorschotten. Binnen vier weken na de datum van deze beschikking ontvangt u een eerste voorschot van {advance} ({advance_percent} procent van de subsidie). Het resterende bedrag van {rest} betaal ik in {parts} halfjaarlijkse voorschotten van {per_part}{last_part_note}, telkens na ontvangst van de voortgangsrapportage over het voorgaande halfjaar. De voorschotten worden verrekend bij de vaststelling van de subsidie.",
    ),
    (
        "settlement",
        "Uiterlijk op {settlement_due} vraagt u de vaststelling van de subsidie aan (artikel 4:44 van de Algemene wet bestuursrecht). U voegt daarbij een inhoudelijk verslag waaruit blijkt dat de activiteiten zijn verricht en aan de verplichtingen is voldaan, en een financieel verslag over de werkelijke kosten en opbrengsten van de proeftuin. {auditor} Daarna stel ik de subsidie vast. Is het vastgestelde bedrag lager dan de betaalde voorschotten, dan vorder ik het verschil terug.",
    ),
    (
        "contact",
        "Heeft u vragen over deze brief of het gesprek? Neem dan contact op met {contact_name}, via {contact_email} of {contact_phone}.",
    ),
    (
        "objection",
        "# Bezwaar
Bent u het niet eens met dit besluit? Dan kunt u als belanghebbende binnen zes weken bezwaar maken. Die termijn begint op de dag na de dag waarop dit besluit is bekendgemaakt (artikelen 6:7 en 6:8 van de Algemene wet bestuursrecht). Richt uw bezwaarschrift aan de minister, via dit adres: {objection_address}. Het bezwaarschrift is ondertekend en bevat uw naam en adres, de datum, het kenmerk {reference}, een omschrijving van dit besluit en de gronden van het bezwaar.

Heeft u vragen over deze brief? Neem dan contact op met {contact_name}, via {contact_email} of {contact_phone}.",
    ),
];

/// Every placeholder a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "region",
    "lead_applicant",
    "municipality",
    "applicant",
    "call",
    "programme",
    "reference",
    "decision_date",
    "submitted_on",
    "plan_reference",
    "addendum_clause",
    "with_addendum",
    "legal_basis",
    "awb_articles",
    "issuing_body",
    "minister",
    "objection_address",
    "first_round_score",
    "final_score",
    "total_points",
    "threshold",
    "threshold_gap",
    "rank",
    "ranked_count",
    "max_awards",
    "awarded_count",
    "budget_ceiling",
    "requested_total",
    "requested_awarded",
    "allocated",
    "refused",
    "allocation_basis",
    "allocation_reason",
    "division",
    "partial_refusal",
    "payments",
    "advance",
    "advance_percent",
    "rest",
    "parts",
    "per_part",
    "last_part",
    "last_part_note",
    "interview_details",
    "addendum_until",
    "settlement",
    "settlement_due",
    "auditor",
    "spending_from",
    "spending_to",
    "last_awarded_rank",
    "last_awarded_score",
    "tie_reason",
    "tie_note",
    "assessors_note",
    "knockout_decision_reason",
    "knockout_phrase",
    "refusal_ground",
    "reason",
    "contact_name",
    "contact_email",
    "contact_phone",
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
            Some(end)
                if after[..end].chars().all(|c| c.is_ascii_lowercase() || c == '_') && end > 0 =>
            {
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
            assert!(
                unknown_placeholders(text).is_empty(),
                "{name}: {:?}",
                unknown_placeholders(text)
            );
        }
    }

    #[test]
    fn fills_and_reports_what_is_left() {
        let values = BTreeMap::from([("region", "Fryslân".to_string())]);
        let (text, missing) =
            fill("{region} {rank} {scores_table} {niet een}", &values, &["scores_table"]);
        assert_eq!(text, "Fryslân {rank} {scores_table} {niet een}");
        assert_eq!(missing, ["rank"]);
    }
}
