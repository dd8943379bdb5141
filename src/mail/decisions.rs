//! The emails of assessment decisions, in Dutch: the interview invitation, the rejection after
//! the first round, the award and the final rejection. The reasoned letter itself is a PDF.

use crate::domain::dutch;
use chrono::{DateTime, Utc};

use super::templates::Rendered;

/// What a decision email says.
#[derive(Debug, Clone)]
pub struct DecisionEmail<'a> {
    pub kind: &'a str,
    pub programme: &'a str,
    pub call_title: &'a str,
    pub region_name: &'a str,
    pub application_id: i32,
    pub decided_at: DateTime<Utc>,
    /// The addendum deadline, for an invitation.
    pub addendum_deadline: Option<DateTime<Utc>>,
}

pub fn render(e: &DecisionEmail<'_>) -> Rendered {
    let (subject, middle) = match e.kind {
        "interview_invitation" => (
            format!("Uitnodiging gespreksronde {}: {}", e.call_title, e.region_name),
            format!(
                "De aanvraag van {region} heeft in de eerste beoordeling de drempel gehaald en voldoet aan \
                 de knock-outcriteria. Wij nodigen u daarom uit voor de gespreksronde. U kunt uw plan \
                 aanvullen met een addendum{until}; daarna worden alle aanvragen in de gespreksronde \
                 opnieuw beoordeeld.",
                region = e.region_name,
                until = e.addendum_deadline.map(|d| format!(" tot en met {}", dutch::date_time(d))).unwrap_or_default(),
            ),
        ),
        "rejection_first_round" => (
            format!("Besluit eerste beoordeling {}: {}", e.call_title, e.region_name),
            format!(
                "De aanvraag van {} gaat niet door naar de gespreksronde. In de bijgevoegde brief leest u \
                 de reden en de scores per criterium, en hoe u bezwaar kunt maken.",
                e.region_name
            ),
        ),
        "award_letter" => (
            format!("Besluit subsidieverlening {}: {}", e.call_title, e.region_name),
            format!(
                "Wij hebben besloten de aanvraag van {} te honoreren. In de bijgevoegde beschikking staan \
                 het toegekende bedrag, de scores per criterium en de verplichtingen die bij de subsidie horen.",
                e.region_name
            ),
        ),
        _ => (
            format!("Besluit {}: {}", e.call_title, e.region_name),
            format!(
                "Na de gespreksronde is de aanvraag van {} niet gehonoreerd. In de bijgevoegde brief leest u \
                 de score, de rangorde en hoe u bezwaar kunt maken.",
                e.region_name
            ),
        ),
    };
    let body_text = format!(
        "Geachte penvoerder,\n\n{middle}\n\nKenmerk: aanvraag {id}\nDatum besluit: {date}\n\nMet vriendelijke groet,\n\nHet programmabureau {programme}\n",
        id = e.application_id,
        date = dutch::date_time(e.decided_at),
        programme = e.programme,
    );
    Rendered { subject, body_text }
}
