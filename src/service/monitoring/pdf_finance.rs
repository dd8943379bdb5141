//! The grant-finance figures on the programme overview (issue 17): per proeftuin what was
//! granted, advanced, paid and realised up to the end of the period, the settled amount once
//! settled, and what remains to be paid (or to be reclaimed). The figures are gathered by
//! `service::finance`; this only typesets them.

use chrono::NaiveDate;

use crate::domain::money::Money;
use crate::pdf::{Column, Document, Table, format};

/// One proeftuin's finance up to the end of the overview's period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinanceLine {
    pub proeftuin_id: i32,
    pub name: String,
    pub granted: Money,
    /// Advances decided up to the end of the period.
    pub advanced: Money,
    /// Paid up to the end of the period, less repayments.
    pub paid: Money,
    /// Costs realised in accepted reports up to the end of the period.
    pub realised: Money,
    /// The settlement in force at the end of the period, with its date.
    pub settled: Option<(Money, NaiveDate)>,
    /// `(settled, else granted) − paid`; negative: to be reclaimed.
    pub remaining: Money,
}

fn remaining_nl(m: Money) -> String {
    if m.is_negative() {
        format!("terug {}", format::amount(Money::ZERO - m))
    } else {
        format::amount(m)
    }
}

/// The summary table: a row per proeftuin and the programme's total.
pub(super) fn finance_table(doc: &mut Document, lines: &[FinanceLine], until: NaiveDate) {
    // The heading, the table (header, a row per proeftuin, the total) and its note stay on one
    // page.
    doc.ensure(70.0 + 19.0 * (lines.len() as f32 + 2.0));
    doc.heading("Voorschotten, betalingen en vaststelling");
    let mut rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                format::amount(l.granted),
                format::amount(l.advanced),
                format::amount(l.paid),
                l.settled.map_or_else(|| "–".to_string(), |(s, _)| format::amount(s)),
                remaining_nl(l.remaining),
            ]
        })
        .collect();
    let sum = |f: fn(&FinanceLine) -> Money| lines.iter().map(f).sum::<Money>();
    let settled: Money = lines.iter().filter_map(|l| l.settled.map(|s| s.0)).sum();
    rows.push(vec![
        "Totaal".into(),
        format::amount(sum(|l| l.granted)),
        format::amount(sum(|l| l.advanced)),
        format::amount(sum(|l| l.paid)),
        format::amount(settled),
        remaining_nl(sum(|l| l.remaining)),
    ]);
    doc.table(
        &Table::new(
            vec![
                Column::left("Proeftuin", 2.2),
                Column::right("Verleend", 1.4),
                Column::right("Voorschotten", 1.4),
                Column::right("Betaald", 1.4),
                Column::right("Vastgesteld", 1.4),
                Column::right("Te betalen", 1.4),
            ],
            rows,
        )
        .with_total_row(),
    );
    doc.text(
        &format!(
            "Stand op {}. Betaald: voorschotten en saldobetalingen, min terugbetalingen. Nog te \
             betalen: het vastgestelde bedrag (of, zolang niet vastgesteld, de verleende \
             subsidie) min wat betaald is.",
            format::date(until)
        ),
        crate::pdf::Style { size: 8.0, bold: false, indent: 0.0, after: 8.0 },
    );
}

/// The lines on a proeftuin's own page.
pub(super) fn finance_rows(l: &FinanceLine) -> Vec<(String, String)> {
    let mut rows = vec![
        ("Voorschotten".to_string(), format::amount(l.advanced)),
        ("Betaald".to_string(), format::amount(l.paid)),
    ];
    match l.settled {
        Some((s, on)) => {
            let value = format!("{} op {}", format::amount(s), format::date(on));
            rows.push(("Vastgesteld".to_string(), value))
        }
        None => rows.push(("Vastgesteld".to_string(), "nog niet".to_string())),
    }
    let label = if l.remaining.is_negative() { "Terug te vorderen" } else { "Nog te betalen" };
    let amount = if l.remaining.is_negative() { Money::ZERO - l.remaining } else { l.remaining };
    rows.push((label.to_string(), format::amount(amount)));
    rows
}
