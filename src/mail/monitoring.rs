//! The monitoring emails, in Dutch: the reminder about an annual plan or a progress report that
//! is due or overdue.

use chrono::{DateTime, NaiveDate, Utc};

use super::outbox::{NewEmail, kind};
use crate::domain::dutch;
use crate::domain::reminders::reports::{DueReportReminder, Occasion, Subject};

/// Who a reminder goes to: the proeftuin's id, name and contact.
#[derive(Debug, Clone, Copy)]
pub struct Addressee<'a> {
    pub proeftuin_id: i32,
    pub name: &'a str,
    pub email: &'a str,
}

/// The outbox target of a reminder: `annual_plan:<proeftuin>:<year>` or
/// `progress_report:<proeftuin>:<period>`.
pub fn reminder_target(proeftuin_id: i32, subject: &Subject) -> String {
    match subject {
        Subject::AnnualPlan(year) => format!("annual_plan:{proeftuin_id}:{year}"),
        Subject::Report(period) => format!("progress_report:{proeftuin_id}:{period}"),
    }
}

fn what(subject: &Subject) -> String {
    match subject {
        Subject::AnnualPlan(year) => format!("het jaarplan {year}"),
        Subject::Report(period) => format!("de voortgangsrapportage over {}", period.label_nl()),
    }
}

/// The `report_reminder` email for one due reminder.
pub fn report_reminder(to: Addressee<'_>, r: &DueReportReminder, now: DateTime<Utc>) -> NewEmail {
    let (subject, opening) = texts(to.name, &what(&r.subject), r.occasion, r.due_on);
    let body = format!(
        "Beste contactpersoon,\n\n{opening}\n\nU dient dit in via Tuinier. Is het al onderweg, dan kunt u dit bericht als niet verzonden beschouwen.\n\nMet vriendelijke groet,\nHet programmabureau Toekomstscenario kind- en gezinsbescherming\n"
    );
    NewEmail {
        kind: kind::REPORT_REMINDER.into(),
        target: reminder_target(to.proeftuin_id, &r.subject),
        occasion: r.occasion.as_str().into(),
        recipient: to.email.to_string(),
        subject,
        body_text: body,
        at: now,
        attachment: None,
    }
}

/// The subject line and the opening sentence (with a capital).
fn texts(name: &str, what: &str, occasion: Occasion, due: NaiveDate) -> (String, String) {
    let (subject, opening) = match occasion {
        Occasion::Overdue => (
            format!("Herinnering: {what} van {name} is te laat"),
            format!("{what} van {name} had uiterlijk {} binnen moeten zijn.", dutch::date(due)),
        ),
        Occasion::BeforeDue => (
            format!("Herinnering: {what} van {name} wordt verwacht"),
            format!("{what} van {name} wordt uiterlijk {} verwacht.", dutch::date(due)),
        ),
    };
    let opening = match opening.get(..1) {
        Some(first) => first.to_uppercase() + &opening[1..],
        None => opening,
    };
    (subject, opening)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::Period;

    #[test]
    fn a_reminder_names_what_is_due_and_when() {
        let r = DueReportReminder {
            subject: Subject::Report(Period::parse("2024-Q1").unwrap()),
            due_on: NaiveDate::from_ymd_opt(2024, 5, 12).unwrap(),
            occasion: Occasion::Overdue,
        };
        let to = Addressee { proeftuin_id: 7, name: "Proeftuin Zeeland", email: "a@b.nl" };
        let e = report_reminder(to, &r, Utc::now());
        assert_eq!(e.target, "progress_report:7:2024-Q1");
        assert_eq!(e.occasion, "overdue");
        assert_eq!(e.kind, "report_reminder");
        assert!(e.subject.contains("is te laat"), "{}", e.subject);
        assert!(e.body_text.contains("\n\nDe voortgangsrapportage over"), "{}", e.body_text);
    }
}
