//! The texts of the emails, in Dutch. Each template is a pure function of its data, and gives a
//! plain-text body; [`Rendered::html`] is its HTML alternative, with every piece of data escaped.

use chrono::{DateTime, Utc};

use crate::domain::dutch;
use crate::domain::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body_text: String,
}

impl Rendered {
    /// The HTML alternative of the plain text: one paragraph per blank-line-separated block, a
    /// line break per line. Built from the text so the two can never say different things.
    pub fn html(&self) -> String {
        html_of(&self.subject, &self.body_text)
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The HTML document of an email from its subject and plain text (see [`Rendered::html`]).
pub fn html_of(subject: &str, body_text: &str) -> String {
    let paragraphs: Vec<String> = body_text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.lines().map(escape).collect::<Vec<_>>().join("<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"nl\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.4\">\n{}\n</body>\n</html>\n",
        escape(subject),
        paragraphs.join("\n")
    )
}

/// What a submission reminder says: the draft is not submitted yet, and when the deadline is.
#[derive(Debug, Clone)]
pub struct SubmissionReminder<'a> {
    pub programme: &'a str,
    pub call_title: &'a str,
    pub region_name: &'a str,
    pub lead_applicant_name: &'a str,
    pub application_id: i32,
    /// The application's reference, e.g. `TKG-001-00002`.
    pub reference: &'a str,
    pub deadline: DateTime<Utc>,
    /// How long before the deadline this reminder goes: the first and the last differ.
    pub days_before: i64,
}

pub fn submission_reminder(r: &SubmissionReminder<'_>) -> Rendered {
    let deadline = dutch::date_time(r.deadline);
    let (subject, opening, advice) = if r.days_before > 3 {
        (
            format!("Herinnering: dien uw aanvraag {} in vóór {}", r.call_title, deadline),
            format!(
                "De aanvraag van {region} voor {call} staat nog als concept klaar. U heeft nog {days} dagen: de termijn sluit op {deadline}.",
                region = r.region_name,
                call = r.call_title,
                days = crate::domain::numerals::count(u64::try_from(r.days_before).unwrap_or(0)),
            ),
            "Er is nog tijd om het plan, de begroting en de ondertekende verklaringen van alle partners compleet te maken. \
             Begin tijdig met het verzamelen van de handtekeningen: die kosten vaak de meeste tijd.",
        )
    } else {
        (
            format!("Herinnering: de termijn voor {} sluit op {}", r.call_title, deadline),
            format!(
                "De termijn sluit op {deadline}; de aanvraag van {region} is nog niet ingediend. Een aanvraag die na die termijn binnenkomt, kunnen wij niet meer in behandeling nemen.",
                region = r.region_name,
            ),
            "Controleer vandaag of het plan, de begroting en de ondertekende verklaringen van alle partners compleet zijn, en dien de aanvraag in. \
             Heeft u dat inmiddels gedaan, dan kunt u dit bericht als niet verzonden beschouwen.",
        )
    };
    let body_text = format!(
        "Beste {lead},\n\n{opening}\n\nKenmerk: {reference}\n\n{advice}\n\nMet vriendelijke groet,\n\nHet programmabureau {programme}\n",
        lead = r.lead_applicant_name,
        reference = r.reference,
        programme = r.programme,
    );
    Rendered { subject, body_text }
}

/// What an addendum reminder says: an invited region has not handed in its addendum yet.
#[derive(Debug, Clone)]
pub struct AddendumReminder<'a> {
    pub programme: &'a str,
    pub call_title: &'a str,
    pub region_name: &'a str,
    pub lead_applicant_name: &'a str,
    pub application_id: i32,
    pub reference: &'a str,
    pub deadline: DateTime<Utc>,
}

pub fn addendum_reminder(r: &AddendumReminder<'_>) -> Rendered {
    let subject = format!(
        "Herinnering: addendum {} uiterlijk {}",
        r.call_title,
        dutch::date_time(r.deadline)
    );
    let body_text = format!(
        "Beste {lead},\n\
         \n\
         {region} is uitgenodigd voor de gespreksronde van {call}. Wij hebben nog geen addendum bij uw plan \
         ontvangen. U kunt het addendum aanleveren tot en met {deadline}; daarna beoordelen wij het plan \
         zoals het er ligt.\n\
         \n\
         Kenmerk: {reference}\n\
         \n\
         Met vriendelijke groet,\n\
         \n\
         Het programmabureau {programme}\n",
        lead = r.lead_applicant_name,
        region = r.region_name,
        call = r.call_title,
        deadline = dutch::date_time(r.deadline),
        reference = r.reference,
        programme = r.programme,
    );
    Rendered { subject, body_text }
}

/// What a report reminder says. Monitoring (issue 8) fills in which report and which period;
/// this is the wording its scheduler source can use.
#[derive(Debug, Clone)]
pub struct ReportReminder<'a> {
    pub programme: &'a str,
    pub proeftuin_name: &'a str,
    pub contact_name: &'a str,
    /// e.g. "voortgangsrapportage over het eerste halfjaar 2024"
    pub report: &'a str,
    pub due: DateTime<Utc>,
    /// After the due date, the reminder says the report is overdue.
    pub overdue: bool,
}

pub fn report_reminder(r: &ReportReminder<'_>) -> Rendered {
    let (subject, middle) = if r.overdue {
        (
            format!("Herinnering: {} {} is te laat", r.report, r.proeftuin_name),
            format!(
                "De {} van {} had uiterlijk {} binnen moeten zijn. Wilt u deze zo spoedig mogelijk aanleveren?",
                r.report,
                r.proeftuin_name,
                dutch::date_time(r.due)
            ),
        )
    } else {
        (
            format!(
                "Herinnering: {} {} uiterlijk {}",
                r.report,
                r.proeftuin_name,
                dutch::date_time(r.due)
            ),
            format!(
                "De {} van {} verwachten wij uiterlijk {}.",
                r.report,
                r.proeftuin_name,
                dutch::date_time(r.due)
            ),
        )
    };
    let body_text = format!(
        "Beste {contact},\n\n{middle}\n\nMet vriendelijke groet,\n\nHet programmabureau {programme}\n",
        contact = r.contact_name,
        programme = r.programme,
    );
    Rendered { subject, body_text }
}

/// What the submission receipt says.
#[derive(Debug, Clone)]
pub struct SubmissionReceipt<'a> {
    pub programme: &'a str,
    pub call_title: &'a str,
    pub region_name: &'a str,
    pub lead_applicant_name: &'a str,
    pub application_id: i32,
    pub reference: &'a str,
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
         Kenmerk: {reference}\n\
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
        reference = r.reference,
        title = r.application_title,
        amount = r.requested_total.to_dutch(),
        programme = r.programme,
    );
    Rendered { subject, body_text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn r_input() -> SubmissionReminder<'static> {
        SubmissionReminder {
            programme: "Toekomstscenario kind- en gezinsbescherming",
            call_title: "Leidraad proeftuinen tweede tranche",
            region_name: "Flevoland",
            lead_applicant_name: "Penvoerder Flevoland",
            application_id: 3,
            reference: "TKG-001-00003",
            deadline: utc("2022-07-15T23:59:59+02:00"),
            days_before: 14,
        }
    }

    #[test]
    fn the_submission_reminder_writes_the_deadline_the_dutch_way() {
        let r = submission_reminder(&SubmissionReminder {
            programme: "Toekomstscenario kind- en gezinsbescherming",
            call_title: "Leidraad proeftuinen tweede tranche",
            region_name: "Flevoland",
            lead_applicant_name: "Penvoerder Flevoland",
            application_id: 3,
            reference: "TKG-001-00003",
            deadline: utc("2022-07-15T23:59:59+02:00"),
            days_before: 14,
        });
        assert_eq!(
            r.subject,
            "Herinnering: dien uw aanvraag Leidraad proeftuinen tweede tranche in vóór vrijdag 15 juli 2022, 23.59 uur"
        );
        assert!(r.body_text.contains("de termijn sluit op vrijdag 15 juli 2022, 23.59 uur."));
        assert!(r.body_text.contains("Kenmerk: TKG-001-00003\n"));
        let last = submission_reminder(&SubmissionReminder { days_before: 3, ..r_input() });
        assert_ne!(last.subject, r.subject, "the last reminder is worded differently");
        assert!(last.body_text.contains("De termijn sluit op vrijdag 15 juli 2022, 23.59 uur; de aanvraag van Flevoland is nog niet ingediend."));
        assert!(r.body_text.starts_with("Beste Penvoerder Flevoland,\n"));
        let html = r.html();
        assert!(html.contains("<html lang=\"nl\">"));
        assert!(html.contains("vrijdag 15 juli 2022, 23.59 uur"));
    }

    #[test]
    fn the_addendum_and_report_reminders_are_dutch() {
        let a = addendum_reminder(&AddendumReminder {
            programme: "P",
            call_title: "Leidraad",
            region_name: "Haaglanden",
            lead_applicant_name: "Penvoerder",
            application_id: 7,
            reference: "TKG-001-00007",
            deadline: utc("2022-09-07T23:59:59+02:00"),
        });
        assert_eq!(
            a.subject,
            "Herinnering: addendum Leidraad uiterlijk woensdag 7 september 2022, 23.59 uur"
        );
        let r = report_reminder(&ReportReminder {
            programme: "P",
            proeftuin_name: "West-Brabant West",
            contact_name: "Contact",
            report: "voortgangsrapportage",
            due: utc("2024-08-12T23:59:59+02:00"),
            overdue: true,
        });
        assert!(r.subject.ends_with("is te laat"));
        assert!(r.body_text.contains("maandag 12 augustus 2024, 23.59 uur"));
    }

    #[test]
    fn html_escapes_the_data() {
        let r = Rendered {
            subject: "A & <B>".into(),
            body_text: "Beste <script>alert('x')</script>,\n\nregel 1\nregel \"2\"\n".into(),
        };
        let html = r.html();
        assert!(html.contains("<title>A &amp; &lt;B&gt;</title>"));
        assert!(html.contains("<p>Beste &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;,</p>"));
        assert!(html.contains("<p>regel 1<br>\nregel &quot;2&quot;</p>"));
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn the_receipt_names_call_region_amount_and_moment_in_dutch() {
        let r = submission_receipt(&SubmissionReceipt {
            programme: "Toekomstscenario kind- en gezinsbescherming",
            call_title: "Leidraad proeftuinen tweede tranche",
            region_name: "Gelderland-Zuid",
            lead_applicant_name: "Penvoerder Gelderland-Zuid",
            application_id: 12,
            reference: "TKG-001-00012",
            application_title: "Toekomsttuinen Gelderland-Zuid",
            requested_total: Money::parse("1116500").unwrap(),
            submitted_at: DateTime::parse_from_rfc3339("2022-07-13T16:34:00+02:00")
                .unwrap()
                .with_timezone(&Utc),
        });
        assert_eq!(
            r.subject,
            "Ontvangstbevestiging aanvraag Leidraad proeftuinen tweede tranche: Gelderland-Zuid"
        );
        assert!(r.body_text.starts_with("Beste Penvoerder Gelderland-Zuid,\n"));
        assert!(r.body_text.contains("Wij hebben de aanvraag van Gelderland-Zuid ontvangen op woensdag 13 juli 2022, 16.34 uur.\n"));
        assert!(r.body_text.contains("Subsidieronde: Leidraad proeftuinen tweede tranche\n"));
        assert!(r.body_text.contains("Kenmerk: TKG-001-00012\n"));
        assert!(r.body_text.contains("Gevraagde bijdrage: € 1.116.500,00\n"));
        assert!(
            r.body_text
                .ends_with("Het programmabureau Toekomstscenario kind- en gezinsbescherming\n")
        );
    }
}
