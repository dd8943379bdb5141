//! The grant-finance emails, in Dutch (issue 17): an advance decided, a settlement decided or
//! revised. Each carries its letter (PDF) as the decision itself.

use chrono::{DateTime, Utc};

use super::outbox::{Attachment, NewEmail, kind};

/// Who a finance email goes to and what it is about.
#[derive(Debug, Clone)]
pub struct FinanceMail<'a> {
    pub proeftuin_name: &'a str,
    pub recipient: &'a str,
    /// The letter, with its file name.
    pub letter: (String, Vec<u8>),
    pub at: DateTime<Utc>,
}

fn closing() -> &'static str {
    "Met vriendelijke groet,\nHet programmabureau Toekomstscenario kind- en gezinsbescherming\n"
}

fn attachment(letter: (String, Vec<u8>)) -> Option<Attachment> {
    Some(Attachment { filename: letter.0, media_type: "application/pdf".into(), content: letter.1 })
}

/// The email of an advance decision (target `advance:<id>`).
pub fn advance_decided(
    m: FinanceMail<'_>,
    advance_id: i32,
    number: i32,
    amount_nl: &str,
) -> NewEmail {
    NewEmail {
        kind: kind::ADVANCE_DECISION.into(),
        target: format!("advance:{advance_id}"),
        occasion: "decision".into(),
        recipient: m.recipient.to_string(),
        subject: format!("Besluit voorschot {number} voor {}", m.proeftuin_name),
        body_text: format!(
            "Beste contactpersoon,\n\nEr is besloten {} een voorschot van {amount_nl} te verlenen (voorschot {number}). Het besluit vindt u in de bijlage; daarin staat ook hoe u bezwaar kunt maken.\n\n{}",
            m.proeftuin_name,
            closing()
        ),
        at: m.at,
        attachment: attachment(m.letter),
    }
}

/// The email of a settlement decision or a revision (target `settlement:<id>`).
pub fn settlement_decided(
    m: FinanceMail<'_>,
    settlement_id: i32,
    settled_nl: &str,
    balance_line: &str,
    revision: bool,
) -> NewEmail {
    let what = if revision {
        "De vaststelling van de subsidie is herzien"
    } else {
        "De subsidie is vastgesteld"
    };
    NewEmail {
        kind: kind::SETTLEMENT_DECISION.into(),
        target: format!("settlement:{settlement_id}"),
        occasion: "decision".into(),
        recipient: m.recipient.to_string(),
        subject: format!("{what}: {}", m.proeftuin_name),
        body_text: format!(
            "Beste contactpersoon,\n\n{what} voor {} op {settled_nl}. {balance_line}\n\nHet besluit vindt u in de bijlage; daarin staan de berekening, de gronden en hoe u bezwaar kunt maken.\n\n{}",
            m.proeftuin_name,
            closing()
        ),
        at: m.at,
        attachment: attachment(m.letter),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advance_email_names_the_amount_and_carries_the_letter() {
        let e = advance_decided(
            FinanceMail {
                proeftuin_name: "Proeftuin Friesland",
                recipient: "p@example.nl",
                letter: ("besluit.pdf".into(), vec![1, 2]),
                at: Utc::now(),
            },
            7,
            2,
            "€ 100,00",
        );
        assert!(e.body_text.contains("€ 100,00"));
        assert_eq!(e.target, "advance:7");
        assert_eq!(e.attachment.unwrap().filename, "besluit.pdf");
    }
}
