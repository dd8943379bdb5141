//! The document builder's tests: layout, extracted text, tagging and metadata.

use super::*;

fn sample(rows: usize) -> Vec<u8> {
    let mut d = Document::new(Settings {
        title: "Proef".into(),
        header_left: "Toekomstscenario kind- en gezinsbescherming".into(),
        header_right: "Programmabureau".into(),
        footer_left: "Kenmerk X-1".into(),
    })
    .unwrap();
    d.heading("Kop");
    d.paragraph(&"Een lange zin met een € 1.027.020,00 en Zoë uit Súdwest-Fryslân. ".repeat(8));
    let rows = (0..rows).map(|i| vec![format!("Regel {i}"), format::integer(i as i64 * 1000)]).collect();
    d.table(&Table::new(vec![Column::left("Omschrijving", 3.0), Column::right("Aantal", 1.0)], rows));
    d.finish().unwrap()
}

#[test]
fn wraps_within_the_width() {
    let d = Document::new(Settings::default()).unwrap();
    let text = "woord ".repeat(100);
    let lines = d.wrap(&text, 10.0, false, 200.0);
    assert!(lines.len() > 3);
    for l in &lines {
        assert!(d.measure(l, 10.0, false) <= 200.0, "{l}");
    }
    assert_eq!(d.wrap("a\nb", 10.0, false, 200.0), ["a", "b"]);
}

#[test]
fn a_long_table_runs_over_pages() {
    let one = sample(3);
    let many = sample(120);
    assert!(one.starts_with(b"%PDF"));
    assert!(many.len() > one.len());
}

/// The text comes back out exactly (where poppler's `pdftotext` is installed).
#[test]
fn euro_sign_diacritics_and_page_numbers_extract() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample.pdf");
    std::fs::write(&path, sample(120)).unwrap();
    if let Ok(keep) = std::env::var("TUINIER_KEEP_PDF") {
        std::fs::copy(&path, keep).unwrap();
    }
    let Ok(out) = std::process::Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output() else { return };
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in ["€ 1.027.020,00", "Zoë", "Súdwest-Fryslân", "Toekomstscenario kind- en gezinsbescherming", "119.000"] {
        assert!(text.contains(needle), "{needle} not in:\n{text}");
    }
    let pages = text.matches("pagina ").count();
    assert!(pages > 1, "{text}");
    for n in 1..=pages {
        assert!(text.contains(&format!("pagina {n} van {pages}")), "{text}");
    }
    // The table's header row is repeated on every page.
    assert_eq!(text.matches("Omschrijving").count(), pages, "{text}");
}
