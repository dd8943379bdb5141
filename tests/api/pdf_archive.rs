//! Issue 13, item 6: the letters are archivable and accessible PDFs. `pdfinfo` (poppler, installed
//! by `.ci/run`) reads each kind of letter of the public scenario: tagged, an author, a creator
//! and a producer, the decision date as creation date (never 1970), no PDF/X claim. The preview
//! renders byte-identically twice. `TUINIER_WRITE_LETTERS=DIR` keeps the letters (for
//! `scripts/check-pdf` and the rendered pages in `docs/`).

use std::collections::BTreeMap;
use std::process::Command;

use tuinier::scenario::Rehearsal;

use crate::common::*;

/// `pdfinfo`'s fields, or `None` where poppler is not installed.
fn pdfinfo(bytes: &[u8]) -> Option<BTreeMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = match Command::new("pdfinfo").arg(&path).output() {
        Ok(out) => out,
        Err(_) => {
            eprintln!("SKIPPED: pdfinfo (poppler-utils) is not installed; .ci/run installs it");
            return None;
        }
    };
    assert!(out.status.success(), "pdfinfo failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    Some(
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
    )
}

/// `qpdf --check` (exit status 0, its output); an error where qpdf is not installed.
fn qpdf_check(bytes: &[u8]) -> std::io::Result<(bool, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("qpdf").arg("--check").arg(&path).output()?;
    Ok((out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned()))
}

#[tokio::test]
async fn every_kind_of_letter_is_a_tagged_pdf_with_its_author_and_date() {
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first-round publication");
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");
    let keep = std::env::var("TUINIER_WRITE_LETTERS").ok();

    let mut kinds = BTreeMap::new();
    for e in s["expected"]["applications"].as_array().unwrap() {
        let reference = e["ref"].as_str().unwrap();
        let id = r.application_id(reference).unwrap();
        let letters = app
            .get(&format!("/applications/{id}/letters"), &app.staff_token)
            .await
            .ok()
            .as_array()
            .unwrap()
            .clone();
        for letter in letters {
            let kind = letter["kind"].as_str().unwrap().to_string();
            let bytes =
                app.get(letter["content_url"].as_str().unwrap(), &app.staff_token).await.bytes;
            if let Some(dir) = &keep {
                std::fs::create_dir_all(dir).unwrap();
                std::fs::write(format!("{dir}/{reference}-{kind}.pdf"), &bytes).unwrap();
            }
            let Some(info) = pdfinfo(&bytes) else { return };
            let field = |k: &str| info.get(k).cloned().unwrap_or_default();
            assert_eq!(field("Tagged"), "yes", "{reference} {kind}: {info:?}");
            assert!(!field("Author").is_empty(), "{reference} {kind}: an author: {info:?}");
            assert_eq!(field("Creator"), "Tuinier", "{reference} {kind}");
            assert!(field("Producer").starts_with("Tuinier "), "{reference} {kind}: {info:?}");
            let created = field("CreationDate");
            assert!(
                !created.is_empty() && !created.contains("1970"),
                "{reference} {kind}: a real creation date: {info:?}"
            );
            assert!(
                created.contains("2022"),
                "{reference} {kind}: the decision date of the 2022 call: {created}"
            );
            assert!(
                !info.contains_key("PDF subtype"),
                "{reference} {kind}: no PDF/X claim: {info:?}"
            );
            assert_eq!(field("PDF version"), "1.7", "{reference} {kind}");
            assert_eq!(field("Metadata Stream"), "yes", "{reference} {kind}: XMP metadata");
            if let Ok(out) = qpdf_check(&bytes) {
                assert!(out.0, "{reference} {kind}: qpdf --check: {}", out.1);
            }
            kinds.entry(kind).or_insert(reference.to_string());
        }
    }
    for kind in ["award", "rejection_first_round", "rejection_final"] {
        assert!(kinds.contains_key(kind), "the scenario has a {kind} letter: {kinds:?}");
    }

    // The same letter renders to the same bytes (letters are stored with their SHA-256).
    let id = r.application_id(&kinds["award"]).unwrap();
    let a = app.get(&format!("/applications/{id}/letter-preview"), &app.staff_token).await;
    let b = app.get(&format!("/applications/{id}/letter-preview"), &app.staff_token).await;
    assert_eq!(a.status, 200);
    assert!(a.bytes == b.bytes, "the preview renders byte-identically");
}
