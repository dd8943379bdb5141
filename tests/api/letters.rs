//! Issue 7, letters: every letter of the scenario carries the figures that decide its outcome
//! (taken from the fixture, not from the code under test), diacritics come back exactly, issuing
//! is refused while letter settings are missing, templates are data, and a region sees only its
//! own letters.

use std::collections::BTreeMap;
use std::process::Command;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;

use crate::common::*;

/// The text of a PDF, through poppler's `pdftotext -layout`.
pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is installed");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// `1027020.00` → `€ 1.027.020,00`, written here independently of the service's formatting.
fn euro(amount: &str) -> String {
    let d: Decimal = amount.parse().unwrap();
    let s = format!("{:.2}", d);
    let (whole, cents) = s.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("€ {grouped},{cents}")
}

fn comma(score: &str) -> String {
    let d: Decimal = score.parse().unwrap();
    format!("{:.2}", d).replace('.', ",")
}

/// Per weighted criterion, the mean of the fixture's sheets (half-up, two decimals), Dutch.
fn expected_means(scenario: &Value, round: &str, application: &str) -> BTreeMap<String, String> {
    let sheets: Vec<&Value> = scenario[format!("{round}_round_scores")]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["application"] == application)
        .collect();
    assert!(!sheets.is_empty(), "no {round} sheets for {application}");
    let mut out = BTreeMap::new();
    for c in scenario["call"]["weighted_criteria"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let sum: Decimal = sheets
            .iter()
            .map(|s| match &s["scores"][id] {
                Value::Array(items) => {
                    let per = c["points_per_item"].as_i64().unwrap();
                    Decimal::from((per * items.len() as i64).min(c["max"].as_i64().unwrap()))
                }
                v => Decimal::from(v.as_i64().unwrap()),
            })
            .sum();
        let mean = (sum / Decimal::from(sheets.len()))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        out.insert(
            c["label_nl"].as_str().unwrap().to_string(),
            format!("{mean:.2}").replace('.', ","),
        );
    }
    out
}

/// The line of the score table that starts with the criterion's label carries its mean.
fn assert_criterion_line(text: &str, label: &str, mean: &str, who: &str) {
    let start: String = label.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    let found = text
        .lines()
        .any(|l| l.trim_start().starts_with(&start) && l.split_whitespace().any(|w| w == mean));
    assert!(found, "{who}: no table line '{start} … {mean}' in:\n{text}");
}

fn no_placeholder_left(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        if let Some(j) = after.find('}')
            && j > 0
            && after[..j].chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return false;
        }
        rest = after;
    }
    true
}

fn letter_kind(decision: &str) -> Option<&'static str> {
    match decision {
        "awarded" => Some("award"),
        "not_awarded" => Some("rejection_final"),
        "rejected_knockout" | "rejected_below_threshold" => Some("rejection_first_round"),
        _ => None,
    }
}

#[tokio::test]
async fn every_letter_of_the_scenario_carries_the_deciding_figures() {
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first-round publication");
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");

    let mut seen = 0;
    for e in s["expected"]["applications"].as_array().unwrap() {
        let reference = e["ref"].as_str().unwrap();
        let Some(kind) = letter_kind(e["decision"].as_str().unwrap()) else { continue };
        let id = r.application_id(reference).unwrap();
        let fixture =
            s["applications"].as_array().unwrap().iter().find(|a| a["ref"] == reference).unwrap();
        let region = r.region_token(reference).unwrap();

        // The region lists and downloads its own letter; staff too.
        let list = app.get(&format!("/applications/{id}/letters"), &region).await;
        let letters = list.ok().as_array().unwrap().clone();
        // An invited region also has its invitation letter.
        let invited = e["invited_to_interview"] == true;
        assert_eq!(letters.len(), if invited { 2 } else { 1 }, "{reference}: {letters:?}");
        if invited {
            assert!(
                letters.iter().any(|l| l["kind"] == "interview_invitation"),
                "{reference}: the invitation letter"
            );
        }
        let letter = letters
            .iter()
            .find(|l| l["kind"] == kind)
            .unwrap_or_else(|| panic!("{reference}: no {kind} letter"));
        assert_eq!(letter["kind"], kind, "{reference}");
        assert_eq!(letter["number"], 1);
        let download = app.get(letter["content_url"].as_str().unwrap(), &region).await;
        assert_eq!(download.status.as_u16(), 200, "{reference}");
        assert_eq!(download.content_type, "application/pdf");
        let bytes = download.bytes.clone();
        let sha: String = {
            use sha2::Digest;
            sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
        };
        assert_eq!(letter["sha256"], sha.as_str(), "{reference}: stored hash of the bytes served");
        assert_eq!(
            app.get(letter["content_url"].as_str().unwrap(), &app.staff_token).await.bytes,
            bytes,
            "the same bytes, every time"
        );

        // The email carries exactly this PDF.
        let emails = tuinier::mail::outbox::for_target(&app.state.db, &format!("application:{id}"))
            .await
            .unwrap();
        let decision_email = emails
            .iter()
            .find(|m| m.attachment_filename.as_deref() == letter["filename"].as_str())
            .unwrap_or_else(|| panic!("{reference}: no email with the letter"));
        // The email keeps no copy: what the mail worker attaches is the stored letter.
        assert!(decision_email.attachment_content.is_none());
        let attached =
            tuinier::service::letters::render::for_email(app.state.clone(), decision_email.clone())
                .await
                .unwrap();
        assert_eq!(
            attached.as_deref(),
            Some(bytes.as_slice()),
            "{reference}: the attachment is the stored letter"
        );
        assert_eq!(decision_email.attachment_media_type.as_deref(), Some("application/pdf"));
        assert!(
            emails
                .iter()
                .filter(|m| m.kind == "interview_invitation")
                .all(|m| m.attachment_filename.is_none()),
            "an invitation has no letter"
        );

        let text = pdf_text(&bytes);
        let who = format!("{reference} ({kind})");

        // The outcome API names the same decisive ground the letter states.
        let outcome = app.get(&format!("/applications/{id}/outcome"), &app.staff_token).await;
        let ground = outcome.ok()["ground"].clone();
        let want = match e["decision"].as_str().unwrap() {
            "awarded" => "awarded",
            "rejected_knockout" => "knockout_not_met",
            "rejected_below_threshold" => "below_threshold",
            // The public scenario's awards request more than the ceiling.
            _ => "ceiling_reached",
        };
        assert_eq!(ground["ground"]["kind"], want, "{who}: {ground}");
        if e["decision"] == "awarded" {
            assert_eq!(
                ground["partial_refusal"].is_object(),
                e["allocated"] != e["requested_total"],
                "{who}: {ground}"
            );
        }
        assert!(text.contains(fixture["region"].as_str().unwrap()), "{who}: region name");
        assert!(
            text.contains(fixture["penvoerder"]["name"].as_str().unwrap()),
            "{who}: lead applicant"
        );
        assert!(text.contains(letter["reference"].as_str().unwrap()), "{who}: reference number");
        assert!(text.contains("pagina 1 van "), "{who}: page numbers");
        assert!(
            text.contains("zes weken") && text.contains("6:7") && text.contains("bezwaar"),
            "{who}: objection clause\n{text}"
        );
        assert!(no_placeholder_left(&text), "{who}: a placeholder is left:\n{text}");
        let round = if kind == "rejection_first_round" { "first" } else { "final" };
        for (label, mean) in expected_means(&s, round, reference) {
            assert_criterion_line(&text, &label, &mean, &who);
        }
        match kind {
            "rejection_first_round" => {
                assert!(
                    text.contains(&comma(e["first_round_score"].as_str().unwrap())),
                    "{who}: first-round score"
                );
                if e["decision"] == "rejected_knockout" {
                    assert!(text.contains("knock-outcriteri"), "{who}");
                } else {
                    assert!(
                        text.contains(&comma(s["call"]["interview_threshold"].as_str().unwrap())),
                        "{who}: the threshold"
                    );
                }
            }
            _ => {
                assert!(
                    text.contains(&comma(e["final_score"].as_str().unwrap())),
                    "{who}: final score"
                );
                let ordinals = [
                    "", "eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende",
                    "achtste", "negende", "tiende",
                ];
                let rank = ordinals[e["rank"].as_u64().unwrap() as usize];
                assert!(text.contains(&format!("{rank} plaats")), "{who}: rank {rank}");
            }
        }
        if kind == "award" {
            assert!(
                text.contains(&euro(e["allocated"].as_str().unwrap())),
                "{who}: allocated amount, Dutch\n{text}"
            );
            assert!(
                text.contains("Voortgangsrapportage") && text.contains("Projectplan"),
                "{who}: obligations"
            );
        }
        if kind == "rejection_final" {
            assert!(
                text.contains("subsidieplafond") && text.contains("4:25"),
                "{who}: a refusal because the ceiling is reached"
            );
        }
        seen += 1;
    }
    assert!(seen >= 3);
    let gelderland = s["expected"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ref"] == "gelderland-zuid");
    if let Some(g) = gelderland.filter(|g| g["allocated"] == "1027020.00") {
        let id = r.application_id("gelderland-zuid").unwrap();
        let letters = app.get(&format!("/applications/{id}/letters"), &app.staff_token).await.body;
        let award = letters.as_array().unwrap().iter().find(|l| l["kind"] == "award").unwrap();
        let bytes = app.get(award["content_url"].as_str().unwrap(), &app.staff_token).await.bytes;
        assert!(pdf_text(&bytes).contains("€ 1.027.020,00"), "{g}");
    }

    // Another region's letter does not exist for a region; assessors get none.
    let refs: Vec<&str> = s["expected"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ref"].as_str().unwrap())
        .collect();
    let (a, b) = (refs[0], refs[1]);
    let other = app
        .get(&format!("/applications/{}/letters", r.application_id(b).unwrap()), &app.staff_token)
        .await
        .body;
    let other_url = other[0]["content_url"].as_str().unwrap().to_string();
    let token_a = r.region_token(a).unwrap();
    app.get(&other_url, &token_a).await.problem(404);
    app.get(&format!("/applications/{}/letters", r.application_id(b).unwrap()), &token_a)
        .await
        .problem(404);

    // A correction is a new numbered letter with its reason; the first stays as issued.
    let id = r.application_id(a).unwrap();
    let first =
        app.get(&format!("/applications/{id}/letters"), &app.staff_token).await.body[0].clone();
    let first_bytes = app.get(first["content_url"].as_str().unwrap(), &app.staff_token).await.bytes;
    app.post(
        &format!("/letters/{}/corrections", first["id"]),
        &app.staff_token,
        &json!({"reason": ""}),
    )
    .await
    .problem(422);
    app.post(&format!("/letters/{}/corrections", first["id"]), &token_a, &json!({"reason": "x"}))
        .await
        .problem(403);
    let corrected = app
        .post(
            &format!("/letters/{}/corrections", first["id"]),
            &app.staff_token,
            &json!({"reason": "Typefout in de adressering"}),
        )
        .await;
    assert_eq!(corrected.ok()["number"], 2);
    assert_eq!(corrected.body["reference"], first["reference"], "the reference stays");
    let text =
        pdf_text(&app.get(corrected.body["content_url"].as_str().unwrap(), &token_a).await.bytes);
    assert!(text.contains("Typefout in de adressering") && text.contains("versie 2"), "{text}");
    assert_eq!(
        app.get(first["content_url"].as_str().unwrap(), &app.staff_token).await.bytes,
        first_bytes,
        "the first letter is unchanged"
    );
}

#[tokio::test]
async fn diacritics_missing_settings_and_templates() {
    let app = spawn_app().await;
    let mut s = load_scenario();
    // A region rejected in the first round gets Frisian names.
    let target = s["expected"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| letter_kind(e["decision"].as_str().unwrap()) == Some("rejection_first_round"))
        .expect("a first-round rejection in the scenario")["ref"]
        .as_str()
        .unwrap()
        .to_string();
    for a in s["applications"].as_array_mut().unwrap() {
        if a["ref"] == target.as_str() {
            a["region"] = "Fryslân".into();
            a["penvoerder"]["name"] = "Zoë Hoëvenaars".into();
            a["penvoerder"]["municipality"] = "Súdwest-Fryslân".into();
            a["penvoerder"]["organisation"] = "Gemeente Súdwest-Fryslân".into();
        }
    }
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call = r.call_id();
    let id = r.application_id(&target).unwrap();

    // The programme's defaults apply to a call without its own settings.
    let settings = app.get(&format!("/calls/{call}/letter-settings"), &app.staff_token).await;
    assert_eq!(settings.ok()["source"], "programme");
    assert!(settings.body["missing"].as_array().unwrap().is_empty());

    // Own settings with two left empty: publication (which issues the letters) is refused, naming
    // them.
    let own = json!({"settings": {"issuing_body": "De Minister van Volksgezondheid, Welzijn en Sport", "legal_basis": "de leidraad", "objection_address": "", "signatory": " "}});
    let set = app.put(&format!("/calls/{call}/letter-settings"), &app.staff_token, &own).await;
    assert_eq!(set.ok()["source"], "call");
    let missing = set.body["missing"].as_array().unwrap().clone();
    assert!(
        missing.contains(&json!("objection_address"))
            && missing.contains(&json!("signatory"))
            && missing.contains(&json!("return_address")),
        "{missing:?}"
    );
    assert!(!missing.contains(&json!("issuing_body")));
    assert!(r.publish_first_round().await.is_err(), "refused while settings are missing");
    let refused = app
        .post(&format!("/calls/{call}/rounds/first/publish"), &app.staff_token, &json!({}))
        .await;
    let detail = refused.problem(409)["detail"].as_str().unwrap().to_string();
    for m in [
        "letter_settings.objection_address",
        "letter_settings.signatory",
        "letter_settings.contact_email",
    ] {
        assert!(detail.contains(m), "the refusal names {m}: {detail}");
    }
    assert!(
        app.get(&format!("/calls/{call}/letters"), &app.staff_token).await.ok()["total"] == 0,
        "no letter stored"
    );
    assert!(
        tuinier::mail::outbox::for_target(&app.state.db, &format!("application:{id}"))
            .await
            .unwrap()
            .iter()
            .all(|m| m.kind == "submission_receipt" || m.kind == "submission_reminder"),
        "no decision email"
    );
    app.get(&format!("/applications/{id}/letter-preview"), &app.staff_token).await.problem(409);

    // Templates are data: an unknown placeholder is refused; one without a value in this letter
    // blocks the render; the call's own wording shows in the letter.
    let t = format!("/calls/{call}/letter-templates/rejection_first_round");
    app.put(&t, &app.staff_token, &json!({"text": "Tekst met {geen_bestaande}"}))
        .await
        .problem(422);
    app.put(
        &format!("/calls/{call}/letter-settings"),
        &app.staff_token,
        &json!({"settings": null}),
    )
    .await
    .ok();
    app.put(
        &t,
        &app.staff_token,
        &json!({"text": "Besluit na de gelijke stand: {tie_reason}\n\n{scores_table}"}),
    )
    .await
    .ok();
    let blocked = app.get(&format!("/applications/{id}/letter-preview"), &app.staff_token).await;
    blocked.problem(422);
    assert_eq!(blocked.error_fields(), ["templates.rejection_first_round"]);
    let own_words = "Deze brief is voor deze oproep anders verwoord.\n\n# Besluit\nIk wijs uw aanvraag af; dit is {refusal_ground}.\n\n# Motivering\n{reason}\n\n{scores_table}";
    let templates = app.put(&t, &app.staff_token, &json!({"text": own_words})).await;
    assert!(
        templates.ok()["templates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "rejection_first_round" && x["source"] == "call")
    );
    let preview = app.get(&format!("/applications/{id}/letter-preview"), &app.staff_token).await;
    assert_eq!(preview.content_type, "application/pdf");
    assert!(pdf_text(&preview.bytes).contains("anders verwoord"));
    assert!(
        app.get(&format!("/calls/{call}/letters"), &app.staff_token).await.ok()["total"] == 0,
        "a preview is not stored"
    );
    app.get(&format!("/applications/{id}/letter-preview"), &r.region_token(&target).unwrap())
        .await
        .problem(403);

    // With the settings back, publication issues the letter; the names come back exactly.
    app.post(&format!("/calls/{call}/rounds/first/publish"), &app.staff_token, &json!({}))
        .await
        .ok();
    let letters =
        app.get(&format!("/applications/{id}/letters"), &r.region_token(&target).unwrap()).await;
    let letter = letters.ok()[0].clone();
    let text = pdf_text(
        &app.get(letter["content_url"].as_str().unwrap(), &r.region_token(&target).unwrap())
            .await
            .bytes,
    );
    for name in ["Fryslân", "Zoë Hoëvenaars", "Gemeente Súdwest-Fryslân", "anders verwoord"] {
        assert!(text.contains(name), "{name} not found back in:\n{text}");
    }
}
