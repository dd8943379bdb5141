//! `tuinier bench letters`: how long issuing the letters of a large call takes. Not a test: it
//! prints the time per 100 letters and its ratio to a baseline measured in the same run (one
//! plain A4 page with the same fonts), so the figure can be compared across machines.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::compose::{self, AllocationBasis, CriterionScore, LetterFacts, LetterKind};
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::error::DomainError;
use crate::pdf::{Document, Settings};

pub struct BenchReport {
    pub letters: usize,
    pub total: Duration,
    pub per_100: Duration,
    pub baseline_page: Duration,
    pub ratio_to_baseline: f64,
    pub average_bytes: usize,
}

fn synthetic(i: usize) -> LetterFacts {
    let kind = match i % 10 {
        0..=3 => LetterKind::Award,
        4..=6 => LetterKind::RejectionFinal,
        _ => LetterKind::RejectionFirstRound,
    };
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let criteria = (0..11)
        .map(|c| CriterionScore {
            label: format!("Criterium {} over samenwerking, netwerkdossier en brede aanpak", c + 1),
            mean: Points::parse(&format!("{}.{:02}", 3 + (i + c) % 5, (i * 7 + c) % 100))
                .unwrap_or(Points::ZERO),
            max: 8,
        })
        .collect();
    LetterFacts {
        kind,
        programme: "Toekomstscenario kind- en gezinsbescherming".into(),
        call_title: "Synthetische oproep".into(),
        region_name: format!("Regio {i} Súdwest-Fryslân"),
        lead_name: format!("Zoë Hoëvenaars {i}"),
        lead_email: format!("penvoerder{i}@regio.example"),
        lead_municipality: "Súdwest-Fryslân".into(),
        lead_function: Some("beleidsadviseur Jeugd".into()),
        applicant: Some(crate::domain::applicant::Applicant {
            organisation: "Gemeente Súdwest-Fryslân".into(),
            address: crate::domain::applicant::PostalAddress {
                street: "Postbus 10000".into(),
                postcode: "8600 HA".into(),
                city: "Sneek".into(),
            },
            kvk_number: None,
            oin: None,
        }),
        application_title: Some(format!("Proeftuin {i}")),
        addendum_on: Some(date(2022, 9, 7)),
        awarded_count: 400,
        ground: None,
        interview: None,
        addendum_deadline: None,
        sheets: 3,
        conflicts: i % 3,
        reference: super::reference(1, i as i32),
        number: 1,
        correction: None,
        decided_on: date(2022, 9, 15),
        submitted_on: Some(date(2022, 7, 13)),
        total_points: 100,
        threshold: Points::whole(50),
        max_awards: 400,
        budget_ceiling: Money::from_whole_euros(400_000_000),
        requested_total: Money::from_whole_euros(1_000_000 + i as i64),
        first_round_score: Some(Points::whole(first_round_score(kind, i))),
        final_score: Some(Points::whole(60 + (i % 30) as i64)),
        rank: Some(i as u32 + 1),
        ranked_count: 700,
        last_awarded: Some((400, Points::whole(70))),
        criteria,
        knockouts_met: (0..8).map(|k| format!("Knock-outcriterium {k}")).collect(),
        knockouts_not_met: if i.is_multiple_of(2) {
            vec![("Knock-outcriterium 2".into(), vec!["Onvoldoende aannemelijk gemaakt.".into()])]
        } else {
            vec![]
        },
        knockout_decision_reason: None,
        tie: None,
        allocated: Some(Money::from_whole_euros(900_000 + i as i64)),
        allocation: AllocationBasis::ProRata {
            requested_awarded: Money::from_whole_euros(450_000_000),
        },
        spending_from: date(2022, 1, 1),
        spending_to: date(2023, 12, 31),
        settings: super::programme_settings(),
        logo: None,
    }
}

/// A first-round rejection is below the threshold (its letter says by how much); the others
/// passed it.
fn first_round_score(kind: LetterKind, i: usize) -> i64 {
    match kind {
        LetterKind::RejectionFirstRound => 30 + (i % 20) as i64,
        _ => 50 + (i % 40) as i64,
    }
}

fn plain_page() -> Result<Vec<u8>, DomainError> {
    let mut d = Document::new(Settings {
        title: "Basis".into(),
        header_left: "Toekomstscenario kind- en gezinsbescherming".into(),
        ..Default::default()
    })
    .map_err(DomainError::internal)?;
    d.paragraph(
        "Een gewone pagina met één alinea tekst, als maat voor de kosten van een PDF zonder meer.",
    );
    d.finish().map_err(DomainError::internal)
}

/// Renders `count` letters (award, final and first-round rejections mixed) and hashes each, as
/// issuing does; the database write is left out.
pub fn run(count: usize) -> Result<BenchReport, DomainError> {
    let templates = super::default_templates();
    // Warm up: the fonts are parsed once per process.
    plain_page()?;
    let baseline_runs = 50;
    let start = Instant::now();
    for _ in 0..baseline_runs {
        plain_page()?;
    }
    let baseline_page = start.elapsed() / baseline_runs;
    let facts: Vec<LetterFacts> = (0..count).map(synthetic).collect();
    let mut bytes = 0usize;
    let start = Instant::now();
    for f in &facts {
        let pdf = compose::render(f, &templates)?;
        bytes += pdf.len();
        std::hint::black_box(Sha256::digest(&pdf));
    }
    let total = start.elapsed();
    let n = count.max(1);
    let per_letter = total / n as u32;
    Ok(BenchReport {
        letters: count,
        total,
        per_100: per_letter * 100,
        baseline_page,
        ratio_to_baseline: per_letter.as_secs_f64() / baseline_page.as_secs_f64().max(f64::EPSILON),
        average_bytes: bytes / n,
    })
}

#[cfg(test)]
mod tests {
    /// `tuinier bench letters` renders every kind of its synthetic letters (a facts mix the
    /// templates refuse would stop the command at its first letter).
    #[test]
    fn the_letters_bench_renders_its_synthetic_call() {
        let r = super::run(20).expect("the bench renders its letters");
        assert_eq!(r.letters, 20);
        assert!(r.average_bytes > 1000, "{} bytes per letter", r.average_bytes);
    }
}
