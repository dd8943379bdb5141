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
    d.set_created_on(chrono::NaiveDate::from_ymd_opt(2022, 9, 15).unwrap());
    d.heading("Kop");
    d.bullet("Eerste punt");
    d.bullet("Tweede punt");
    d.paragraph(&"Een lange zin met een € 1.027.020,00 en Zoë uit Súdwest-Fryslân. ".repeat(8));
    let rows =
        (0..rows).map(|i| vec![format!("Regel {i}"), format::integer(i as i64 * 1000)]).collect();
    d.table(&Table::new(
        vec![Column::left("Omschrijving", 3.0), Column::right("Aantal", 1.0)],
        rows,
    ));
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
    let Ok(out) =
        std::process::Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output()
    else {
        return;
    };
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "€ 1.027.020,00",
        "Zoë",
        "Súdwest-Fryslân",
        "Toekomstscenario kind- en gezinsbescherming",
        "119.000",
    ] {
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

#[test]
fn the_same_input_gives_the_same_bytes() {
    assert!(
        sample(40) == sample(40),
        "a letter is stored with its SHA-256: rendering must be deterministic"
    );
}

/// The text on each page, through poppler's `pdftotext` (`None` where it is not installed).
fn pages_text(bytes: &[u8]) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    Some(String::from_utf8(out.stdout).unwrap().split('\u{c}').map(str::to_string).collect())
}

/// A total row never stands alone at the top of a page: for every length of the text before a
/// table, the total shares its page with the row above it.
#[test]
fn a_total_row_keeps_company() {
    for lines in 30..62 {
        let mut d = Document::new(Settings {
            title: "Proef".into(),
            header_left: "Programma".into(),
            ..Default::default()
        })
        .unwrap();
        for i in 0..lines {
            d.paragraph(&format!("Regel {i} van de inleiding."));
        }
        let mut rows: Vec<Vec<String>> =
            (0..11).map(|i| vec![format!("Criterium {i}"), "5,00".into()]).collect();
        rows.push(vec!["Totaal".into(), "55,00".into()]);
        d.table(
            &Table::new(vec![Column::left("Criterium", 3.0), Column::right("Score", 1.0)], rows)
                .with_total_row(),
        );
        let Some(pages) = pages_text(&d.finish().unwrap()) else {
            return;
        };
        let page = pages.iter().find(|p| p.contains("Totaal")).unwrap();
        assert!(
            page.contains("Criterium 10"),
            "{lines} lines before: the total is alone on its page:\n{page}"
        );
    }
}

#[test]
fn headers_and_dates_do_not_break_inside_a_word() {
    let d = Document::new(Settings::default()).unwrap();
    let t = Table::new(
        vec![
            Column::left("Onderdeel", 1.9),
            Column::right("Zaanstreek-Waterland", 1.75),
            Column::right("Gelderland-Zuid", 1.75),
            Column::right("Hart van Brabant", 1.75),
        ],
        vec![vec![
            "Periode volledig gerapporteerd".into(),
            "ja".into(),
            "nee".into(),
            "nee".into(),
        ]],
    );
    let (widths, size) = d.column_widths(&t);
    for (c, w) in t.columns.iter().zip(&widths) {
        assert_eq!(d.wrap(&c.title, size, true, w - 8.0).len(), 1, "{} in {w}", c.title);
    }
}

/// A logo is an image XObject with a soft mask on the first page, tagged as a figure with its
/// alternative text.
#[test]
fn a_logo_is_drawn_as_a_tagged_figure() {
    let logo = letterhead::Logo::from_png(&letterhead::tests::tiny_png(), "Logo van het programma")
        .unwrap();
    let mut d = Document::new(Settings {
        title: "Proef".into(),
        header_left: "Programma".into(),
        ..Default::default()
    })
    .unwrap();
    d.logo(&logo, 0.0, mm(30.0));
    d.paragraph("Tekst onder het logo.");
    assert!(d.cursor() > BODY_TOP + mm(29.0));
    let bytes = d.finish().unwrap();
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    let (inline, referenced) = doc.get_page_resources(page).unwrap();
    let resources =
        inline.or_else(|| referenced.first().map(|id| doc.get_dictionary(*id).unwrap())).unwrap();
    let xobjects = resources.get(b"XObject").unwrap().as_dict().unwrap();
    let image = doc
        .get_object(xobjects.get(b"Logo1").unwrap().as_reference().unwrap())
        .unwrap()
        .as_stream()
        .unwrap();
    assert_eq!(image.dict.get(b"Width").unwrap().as_i64().unwrap(), 2);
    assert!(image.dict.get(b"SMask").is_ok(), "the alpha channel is a soft mask");
    let figure = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find(|d| d.get(b"S").ok().and_then(|s| s.as_name().ok()) == Some(b"Figure"))
        .unwrap();
    assert!(figure.get(b"Alt").is_ok());
}

/// A character outside the reduced faces (Greek, Cyrillic) is still drawn and extracted: the
/// document then embeds a subset of the whole faces; one without such a character is smaller.
#[test]
fn characters_outside_the_reduced_faces_still_extract() {
    let doc = |text: &str| {
        let mut d = Document::new(Settings { title: "t".into(), ..Default::default() }).unwrap();
        d.paragraph(text);
        d.finish().unwrap()
    };
    let wide = doc("Σύνολο Жуковский € 12,50");
    let latin = doc("Zoë Súdwest-Fryslân € 12,50");
    let Some(pages) = pages_text(&wide) else { return };
    assert!(pages[0].contains("Σύνολο Жуковский € 12,50"), "{pages:?}");
    let latin_pages = pages_text(&latin).unwrap_or_default();
    assert!(latin_pages[0].contains("Zoë Súdwest-Fryslân € 12,50"), "{latin_pages:?}");
}

/// A document embeds each face subset to what it draws, named as a subset (`TAG+Name`, the same
/// on the font and its descriptor), and a subset kept from an earlier document gives the same
/// bytes as a fresh one.
#[test]
fn each_document_embeds_subsets_of_what_it_draws() {
    let doc = |text: &str| {
        let mut d = Document::new(Settings { title: "t".into(), ..Default::default() }).unwrap();
        d.heading("Kop");
        d.paragraph(text);
        d.finish().unwrap()
    };
    // The font programs (`Length1`) and every name of a font, from the bytes.
    let fonts = |bytes: &[u8]| {
        let d = lopdf::Document::load_mem(bytes).unwrap();
        let (mut programs, mut names) = (Vec::new(), Vec::new());
        for o in d.objects.values() {
            if let lopdf::Object::Stream(s) = o
                && let Ok(n) = s.dict.get(b"Length1").and_then(lopdf::Object::as_i64)
            {
                programs.push(n);
            }
            let Ok(dict) = o.as_dict() else { continue };
            for key in [b"BaseFont".as_slice(), b"FontName"] {
                if let Ok(n) = dict.get(key).and_then(lopdf::Object::as_name) {
                    names.push(String::from_utf8_lossy(n).to_string());
                }
            }
        }
        programs.sort();
        (programs, names)
    };
    let few = doc("abc");
    let many = doc("Zoë Súdwest-Fryslân vraagt € 12.345,67 aan voor het jaar 2023 (qxj).");
    let (few_programs, few_names) = fonts(&few);
    let (many_programs, _) = fonts(&many);
    assert_eq!(few_programs.len(), 2, "regular and bold: {few_programs:?}");
    assert!(few_programs[1] < many_programs[1], "{few_programs:?} {many_programs:?}");
    assert!(!few_names.is_empty());
    for n in &few_names {
        assert!(n.starts_with("TUINAA+") || n.starts_with("TUINAB+"), "{few_names:?}");
    }
    assert!(doc("abc") == few, "the same characters give the same bytes, kept or not");
    let Some(pages) = pages_text(&many) else { return };
    assert!(pages[0].contains("Zoë Súdwest-Fryslân vraagt € 12.345,67"), "{pages:?}");
}
