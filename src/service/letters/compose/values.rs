//! The values of a letter's placeholders, from its facts.

use std::collections::BTreeMap;

use super::schedule;
use super::{AUDIT_THRESHOLD_EUROS, AllocationBasis, LetterFacts, first_line, payments_of};
use crate::domain::grounds::{Division, Ground};
use crate::domain::money::Money;
use crate::domain::numerals::{count, ordinal};
use crate::domain::points::Points;
use crate::pdf::format;

/// The placeholders' values of a letter.
pub(super) fn values(f: &LetterFacts) -> BTreeMap<&'static str, String> {
    let mut v = BTreeMap::new();
    v.insert("region", f.region_name.clone());
    v.insert("lead_applicant", f.lead_name.clone());
    v.insert("municipality", f.lead_municipality.clone());
    v.insert(
        "applicant",
        f.applicant.as_ref().map_or_else(
            || format!("de gemeente {}", f.lead_municipality),
            |a| a.organisation.clone(),
        ),
    );
    v.insert("call", f.call_title.clone());
    v.insert("programme", f.programme.clone());
    v.insert("reference", f.reference.clone());
    v.insert("decision_date", format::date(f.decided_on));
    if let Some(d) = f.submitted_on {
        v.insert("submitted_on", format::date(d));
    }
    let title =
        f.application_title.as_deref().map(|t| format!(" {}", quoted(t))).unwrap_or_default();
    v.insert(
        "plan_reference",
        format!(
            "uw plan van aanpak{title}, ingediend op {} met kenmerk {}",
            f.submitted_on.map(format::date).unwrap_or_default(),
            f.reference
        ),
    );
    v.insert(
        "addendum_clause",
        f.addendum_on
            .map(|d| format!(", en in het addendum dat u op {} heeft ingediend", format::date(d)))
            .unwrap_or_default(),
    );
    v.insert(
        "with_addendum",
        f.addendum_on
            .map(|d| format!(", samen met het addendum van {},", format::date(d)))
            .unwrap_or_default(),
    );
    v.insert("legal_basis", f.settings.legal_basis.trim().to_string());
    v.insert("awb_articles", f.settings.awb_articles.trim().to_string());
    v.insert("issuing_body", first_line(&f.settings.issuing_body));
    v.insert("minister", lower_first(&first_line(&f.settings.issuing_body)));
    v.insert(
        "objection_address",
        f.settings.objection_address.trim().lines().map(str::trim).collect::<Vec<_>>().join(", "),
    );
    v.insert("total_points", f.total_points.to_string());
    v.insert("threshold", format::points(f.threshold));
    v.insert("max_awards", count(u64::from(f.max_awards)));
    v.insert("awarded_count", count(f.awarded_count as u64));
    v.insert("budget_ceiling", format::amount(f.budget_ceiling));
    v.insert("requested_total", format::amount(f.requested_total));
    v.insert("ranked_count", count(f.ranked_count as u64));
    v.insert("spending_from", format::date(f.spending_from));
    v.insert("spending_to", format::date(f.spending_to));
    scores(f, &mut v);
    grounds(f, &mut v);
    payments(f, &mut v);
    interview(f, &mut v);
    v.insert("contact_name", f.settings.contact_name.trim().to_string());
    v.insert("contact_email", f.settings.contact_email.trim().to_string());
    v.insert("contact_phone", f.settings.contact_phone.trim().to_string());
    v
}

/// Scores, rank, amounts and the decisions' reasons.
fn scores(f: &LetterFacts, v: &mut BTreeMap<&'static str, String>) {
    if let Some(s) = f.first_round_score {
        v.insert("first_round_score", format::points(s));
        if s < f.threshold {
            v.insert(
                "threshold_gap",
                format::points(Points::from_decimal(f.threshold.as_decimal() - s.as_decimal())),
            );
        }
    }
    if let Some(s) = f.final_score {
        v.insert("final_score", format::points(s));
    }
    if let Some(r) = f.rank {
        v.insert("rank", ordinal(u64::from(r)));
    }
    if let Some(a) = f.allocated {
        v.insert("allocated", format::amount(a));
    }
    if let Some((rank, score)) = f.last_awarded {
        v.insert("last_awarded_rank", ordinal(u64::from(rank)));
        v.insert("last_awarded_score", format::points(score));
    }
    if let Some((_, reason)) = &f.tie {
        v.insert("tie_reason", quoted(reason));
    }
    if let Some(r) = &f.knockout_decision_reason {
        v.insert("knockout_decision_reason", quoted(r));
    }
    match &f.allocation {
        AllocationBasis::ProRata { requested_awarded } => {
            v.insert("requested_awarded", format::amount(*requested_awarded));
        }
        AllocationBasis::Manual { reason } => {
            v.insert("allocation_reason", quoted(reason));
        }
        AllocationBasis::Requested => {}
    }
}

/// The decisive ground as the decision states it.
fn grounds(f: &LetterFacts, v: &mut BTreeMap<&'static str, String>) {
    let ground = f.ground.as_ref().map(|g| &g.ground);
    if let Some(Ground::CeilingReached { ceiling, .. }) = ground {
        v.insert("requested_awarded", format::amount(ceiling.requested_awarded));
        v.insert(
            "division",
            match &ceiling.division {
                Division::ProRataWholeEuros => "naar rato van de gevraagde bedragen".to_string(),
                Division::Manual { reason } => {
                    format!("met bedragen per aanvraag, om deze reden: {}", quoted(reason))
                }
            },
        );
    }
    let n = f.knockouts_not_met.len();
    v.insert(
        "knockout_phrase",
        if n == 1 {
            "het volgende knock-outcriterium".into()
        } else {
            format!("de volgende {} knock-outcriteria", count(n as u64))
        },
    );
    // The ground as the decision states it (art. 4:25 Awb only where the ceiling decided).
    let refusal = match ground {
        Some(Ground::KnockoutNotMet { .. }) => "een weigering omdat uw aanvraag niet voldoet aan één of meer knock-outcriteria van de leidraad".to_string(),
        Some(Ground::BelowThreshold { .. }) => "een weigering omdat de score van uw aanvraag onder de drempel voor de gespreksronde blijft".to_string(),
        Some(Ground::RankBeyondAwards { max_awards, .. }) => {
            format!("een weigering omdat uw aanvraag niet behoort tot de {} hoogst gerangschikte aanvragen die voor subsidie in aanmerking komen", count(u64::from(*max_awards)))
        }
        Some(Ground::CeilingReached { .. }) => {
            "een weigering omdat het subsidieplafond met de hoger gerangschikte aanvragen is bereikt (artikel 4:25, tweede lid, van de Algemene wet bestuursrecht)".to_string()
        }
        Some(Ground::TieSettled { .. }) => "een weigering na een gelijke eindscore op de laatste plaats die voor subsidie in aanmerking komt".to_string(),
        Some(Ground::Awarded { .. }) | None => String::new(),
    };
    v.insert("refusal_ground", refusal);
    let tie_note = match ground {
        Some(Ground::Awarded { tie_reason: Some(reason), .. }) => {
            format!(
                " Uw aanvraag eindigde met een gelijke score op de laatste plaats die voor subsidie in aanmerking komt; over die gelijke stand heb ik als volgt beslist: {}.",
                quoted(reason)
            )
        }
        _ => String::new(),
    };
    v.insert("tie_note", tie_note);
    v.insert(
        "assessors_note",
        if f.conflicts > 0 {
            format!(
                "{} wegens een mogelijk belangenconflict niet deelgenomen aan de beoordeling van uw aanvraag. De score is daarom het gemiddelde van de {} overige beoordelaars.",
                if f.conflicts == 1 { "Eén beoordelaar heeft".to_string() } else { format!("{} beoordelaars hebben", capitalised(&count(f.conflicts as u64))) },
                count(f.sheets as u64)
            )
        } else {
            String::new()
        },
    );
}

/// The payment schedule, the obligations and the auditor's report.
fn payments(f: &LetterFacts, v: &mut BTreeMap<&'static str, String>) {
    if let Some(p) = payments_of(f) {
        v.insert("advance", format::amount(p.advance));
        v.insert("advance_percent", count(u64::from(p.advance_percent)));
        v.insert("rest", format::amount(p.rest));
        v.insert("parts", count(u64::from(p.parts)));
        v.insert("per_part", format::amount(p.per_part));
        v.insert("last_part", format::amount(p.last_part));
        v.insert(
            "last_part_note",
            if p.last_part == p.per_part {
                String::new()
            } else {
                format!(" (het laatste {})", format::amount(p.last_part))
            },
        );
    }
    let obligations = schedule::obligations(
        f.spending_from,
        f.spending_to,
        f.decided_on,
        f.settings.report_weeks,
        f.settings.settlement_weeks,
    );
    if let Some(last) = obligations.last() {
        v.insert("settlement_due", format::date(last.due));
    }
    v.insert(
        "auditor",
        if f.allocated.is_some_and(|a| a > Money::from_whole_euros(AUDIT_THRESHOLD_EUROS)) {
            format!("Omdat de subsidie meer bedraagt dan {}, voegt u bij het financieel verslag een controleverklaring van een onafhankelijke accountant.", format::amount(Money::from_whole_euros(AUDIT_THRESHOLD_EUROS)))
        } else {
            String::new()
        },
    );
    if let Some(p) = f.ground.as_ref().and_then(|g| g.partial_refusal.as_ref()) {
        v.insert("refused", format::amount(p.refused));
    }
}

/// The interview's date, time and place, and the addendum's deadline.
fn interview(f: &LetterFacts, v: &mut BTreeMap<&'static str, String>) {
    if let Some(i) = &f.interview {
        let mut lines = vec![
            format!(
                "- Datum: {} {}",
                crate::domain::dutch::weekday(chrono::Datelike::weekday(&i.date)),
                format::date(i.date)
            ),
            format!("- Tijd: {}", crate::domain::dutch::time(i.time)),
        ];
        if let Some(p) = i.place.as_deref().filter(|p| !p.trim().is_empty()) {
            lines.push(format!("- Plaats: {}", p.trim()));
        }
        if let Some(l) = i.video_link.as_deref().filter(|l| !l.trim().is_empty()) {
            lines.push(format!("- Online deelnemen: {}", l.trim()));
        }
        v.insert("interview_details", lines.join("\n"));
    }
    v.insert(
        "addendum_until",
        f.addendum_deadline
            .map(|d| format!(" tot en met {}", crate::domain::dutch::date_time(d)))
            .unwrap_or_default(),
    );
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// "de Minister voor Rechtsbescherming" from "De Minister voor Rechtsbescherming".
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Quoted, as a letter quotes an assessor or a decision: „…”.
pub(super) fn quoted(s: &str) -> String {
    format!("„{}”", s.trim().trim_end_matches('.'))
}
