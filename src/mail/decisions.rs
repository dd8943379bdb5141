//! The emails of assessment decisions, in Dutch: the interview invitation, the rejection after
//! the first round, the award and the final rejection. The reasoned letter itself is a PDF; the
//! email names its reference, the decisive ground in one sentence, and for an invitation the
//! interview's date, time and place.

use crate::domain::dutch;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::templates::Rendered;

/// Where and when the interview is.
#[derive(Debug, Clone)]
pub struct InterviewAt {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub place: Option<String>,
    pub video_link: Option<String>,
}

/// What a decision email says.
#[derive(Debug, Clone)]
pub struct DecisionEmail<'a> {
    pub kind: &'a str,
    pub programme: &'a str,
    pub call_title: &'a str,
    pub region_name: &'a str,
    pub application_id: i32,
    /// The letter's reference, e.g. `TKG-001-00002`.
    pub reference: &'a str,
    pub decided_at: DateTime<Utc>,
    /// The addendum deadline, for an invitation.
    pub addendum_deadline: Option<DateTime<Utc>>,
    /// The decisive ground in one sentence (`domain::grounds`), for a decision with a letter.
    pub ground: Option<String>,
    pub interview: Option<InterviewAt>,
}

pub fn render(e: &DecisionEmail<'_>) -> Rendered {
    let ground = e.ground.as_deref().map(|g| format!(" {g}")).unwrap_or_default();
    let (subject, middle) = match e.kind {
        "interview_invitation" => {
            let details = match &e.interview {
                Some(i) => {
                    let place = match (&i.place, &i.video_link) {
                        (Some(p), Some(l)) => format!("Plaats: {p}\nOnline deelnemen: {l}"),
                        (Some(p), None) => format!("Plaats: {p}"),
                        (None, Some(l)) => format!("Plaats: online, via {l}"),
                        (None, None) => String::new(),
                    };
                    format!(
                        "\n\nDatum: {} {}\nTijd: {}\n{place}",
                        dutch::weekday(chrono::Datelike::weekday(&i.date)),
                        dutch::date(i.date),
                        dutch::time(i.time)
                    )
                }
                None => String::new(),
            };
            (
                format!("Uitnodiging gespreksronde {}: {}", e.call_title, e.region_name),
                format!(
                    "De aanvraag die u namens het samenwerkingsverband {region} heeft ingediend, voldoet aan de \
                     knock-outcriteria en heeft in de eerste beoordeling de drempel voor de gespreksronde gehaald. \
                     Wij nodigen u daarom uit voor een gesprek met de beoordelaars.{details}\n\n\
                     U kunt uw plan aanvullen met een addendum{until}; daarna worden alle aanvragen in de \
                     gespreksronde opnieuw beoordeeld.",
                    region = e.region_name,
                    until = e
                        .addendum_deadline
                        .map(|d| format!(" tot en met {}", dutch::date_time(d)))
                        .unwrap_or_default(),
                ),
            )
        }
        "rejection_first_round" => (
            format!("Besluit op uw aanvraag {}: {}", e.call_title, e.region_name),
            format!(
                "Op uw aanvraag namens het samenwerkingsverband {} is beslist: zij gaat niet door naar de \
                 gespreksronde.{ground} In de bijgevoegde brief leest u de motivering, de scores per criterium en \
                 hoe u bezwaar kunt maken.",
                e.region_name
            ),
        ),
        "award_letter" => (
            format!("Besluit subsidieverlening {}: {}", e.call_title, e.region_name),
            format!(
                "Op uw aanvraag namens het samenwerkingsverband {} is beslist: u ontvangt subsidie.{ground} In de \
                 bijgevoegde beschikking staan het bedrag, de betaling, de verplichtingen die bij de subsidie horen \
                 en hoe u bezwaar kunt maken.",
                e.region_name
            ),
        ),
        _ => (
            format!("Besluit op uw aanvraag {}: {}", e.call_title, e.region_name),
            format!(
                "Op uw aanvraag namens het samenwerkingsverband {} is beslist: zij wordt niet gehonoreerd.{ground} \
                 In de bijgevoegde brief leest u de motivering, de scores en hoe u bezwaar kunt maken.",
                e.region_name
            ),
        ),
    };
    let body_text = format!(
        "Geachte heer/mevrouw,\n\n{middle}\n\nKenmerk: {reference}\nDatum besluit: {date}\n\nMet vriendelijke groet,\n\nHet programmabureau {programme}\n",
        reference = e.reference,
        date = dutch::date_time(e.decided_at),
        programme = e.programme,
    );
    Rendered { subject, body_text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(kind: &'static str) -> DecisionEmail<'static> {
        DecisionEmail {
            kind,
            programme: "P",
            call_title: "Leidraad",
            region_name: "Flevoland",
            application_id: 2,
            reference: "TKG-001-00002",
            decided_at: DateTime::parse_from_rfc3339("2022-08-05T12:00:00+02:00")
                .unwrap()
                .with_timezone(&Utc),
            addendum_deadline: None,
            ground: None,
            interview: None,
        }
    }

    #[test]
    fn the_invitation_gives_date_time_and_place() {
        let e = DecisionEmail {
            interview: Some(InterviewAt {
                date: NaiveDate::from_ymd_opt(2022, 8, 16).unwrap(),
                time: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
                place: Some("Turfmarkt 147, Den Haag".into()),
                video_link: None,
            }),
            ..email("interview_invitation")
        };
        let r = render(&e);
        assert!(
            r.body_text.contains(
                "Datum: dinsdag 16 augustus 2022\nTijd: 10.00 uur\nPlaats: Turfmarkt 147, Den Haag"
            ),
            "{}",
            r.body_text
        );
        assert!(r.body_text.starts_with("Geachte heer/mevrouw,"));
        assert!(r.body_text.contains("Kenmerk: TKG-001-00002\n"));
        assert!(r.body_text.contains("Datum besluit: vrijdag 5 augustus 2022, 12.00 uur"));
    }

    #[test]
    fn a_decision_names_its_ground() {
        let r = render(&DecisionEmail {
            ground: Some("De score blijft onder de drempel.".into()),
            ..email("rejection_first_round")
        });
        assert!(
            r.body_text.contains(
                "gespreksronde. De score blijft onder de drempel. In de bijgevoegde brief"
            ),
            "{}",
            r.body_text
        );
    }
}
