//! The texts of the emails, in Dutch. Each template is a pure function of its data.

use chrono::{DateTime, Utc};

use crate::domain::dutch;
use crate::domain::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body_text: String,
}

/// What the submission receipt says.
#[derive(Debug, Clone)]
pub struct SubmissionReceipt<'a> {
    pub programme: &'a str,
    pub call_title: &'a str,
    pub region_name: &'a str,
    pub lead_applicant_name: &'a str,
    pub application_id: i32,
    pub application_title: &'a str,
    pub requested_total: Money,
    pub submitted_at: DateTime<Utc>,
}

pub fn submission_receipt(r: &SubmissionReceipt<'_>) -> Rendered {
    let subject = format!("Ontvangstbevestiging aanvraag {}: {}", r.call_title, r.region_name);
    let body_text = format!(
        "Beste {lead},\n\
         \n\
         Wij hebben de aanvraag van {region} ontvangen op {when}.\n\
         \n\
         Subsidieronde: {call}\n\
         Kenmerk: aanvraag {id}\n\
         Titel: {title}\n\
         Gevraagde bijdrage: {amount}\n\
         \n\
         De aanvraag is ingediend en kan niet meer worden gewijzigd. De beoordelaars nemen haar mee \
         in de eerste beoordeling; u hoort van ons zodra de uitkomst daarvan bekend is.\n\
         \n\
         Met vriendelijke groet,\n\
         \n\
         Het programmabureau {programme}\n",
        lead = r.lead_applicant_name,
        region = r.region_name,
        call = r.call_title,
        when = dutch::date_time(r.submitted_at),
        id = r.application_id,
        title = r.application_title,
        amount = r.requested_total.to_dutch(),
        programme = r.programme,
    );
    Rendered { subject, body_text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receipt_names_call_region_amount_and_moment_in_dutch() {
        let r = submission_receipt(&SubmissionReceipt {
            programme: "Toekomstscenario kind- en gezinsbescherming",
            call_title: "Leidraad proeftuinen tweede tranche",
            region_name: "Gelderland-Zuid",
            lead_applicant_name: "Penvoerder Gelderland-Zuid",
            application_id: 12,
            application_title: "Toekomsttuinen Gelderland-Zuid",
            requested_total: Money::parse("1116500").unwrap(),
            submitted_at: DateTime::parse_from_rfc3339("2022-07-13T16:34:00+02:00").unwrap().with_timezone(&Utc),
        });
        assert_eq!(r.subject, "Ontvangstbevestiging aanvraag Leidraad proeftuinen tweede tranche: Gelderland-Zuid");
        assert!(r.body_text.starts_with("Beste Penvoerder Gelderland-Zuid,\n"));
        assert!(r.body_text.contains("Wij hebben de aanvraag van Gelderland-Zuid ontvangen op woensdag 13 juli 2022, 16:34.\n"));
        assert!(r.body_text.contains("Subsidieronde: Leidraad proeftuinen tweede tranche\n"));
        assert!(r.body_text.contains("Kenmerk: aanvraag 12\n"));
        assert!(r.body_text.contains("Gevraagde bijdrage: € 1.116.500,00\n"));
        assert!(r.body_text.ends_with("Het programmabureau Toekomstscenario kind- en gezinsbescherming\n"));
    }
}
