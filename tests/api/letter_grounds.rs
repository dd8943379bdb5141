//! Issue 13: letters a ministry would sign. Every letter of the public scenario and of every
//! variant in `tests/scenarios/` is read back with `pdftotext` and checked against what the
//! scenario itself says (not the code under test): the legal basis, the municipality as recipient
//! with its postal address, each rejection's true ground (no "plafond" where the awards fit under
//! the ceiling), the partial refusal, every failed knock-out criterion's motivation, no small
//! count in digits, no placeholder. And publication is refused while a decisive motivation only
//! refers elsewhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;

use crate::common::*;

/// The text of a PDF, whitespace collapsed to single spaces (lines wrap anywhere).
fn pdf_words(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext is installed");
    assert!(out.status.success(), "pdftotext failed on {}", path.display());
    String::from_utf8(out.stdout).expect("UTF-8").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn euro(d: Decimal) -> String {
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

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or("0").parse().unwrap()
}

/// A number from one to twenty written in digits where the text counts or ranks: "de 4 hoogst",
/// "plaats 5", "ten hoogste 4 aanvragen". Quoted text (assessors, staff) is left out, and dates.
fn small_counts_in_digits(text: &str) -> Vec<String> {
    let mut unquoted = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '„' | '“' => depth += 1,
            '”' if depth > 0 => depth -= 1,
            _ if depth == 0 => unquoted.push(c),
            _ => {}
        }
    }
    const MONTHS: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let tokens: Vec<&str> = unquoted.split_whitespace().collect();
    let mut found = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let Ok(n) = t.trim_end_matches([',', '.', ';', ':']).parse::<u32>() else {
            continue;
        };
        if !(1..=20).contains(&n) || t.contains(':') {
            continue;
        }
        let prev = if i > 0 { tokens[i - 1].to_lowercase() } else { String::new() };
        // "pagina 1 van 3" in the footer.
        if prev == "van" && i > 1 && tokens[i - 2].parse::<u32>().is_ok() {
            continue;
        }
        let next = tokens.get(i + 1).map(|s| s.to_lowercase()).unwrap_or_default();
        if MONTHS.iter().any(|m| next.starts_with(m)) {
            continue;
        }
        let counting_prev =
            ["de", "van", "plaats", "hoogste", "maximaal", "slechts", "alle", "die", "op"]
                .contains(&prev.as_str());
        let counting_next = [
            "aanvrag",
            "regio",
            "beoordelaar",
            "criteri",
            "knock-out",
            "plaats",
            "voorschot",
            "hoogst",
        ]
        .iter()
        .any(|w| next.starts_with(w));
        if counting_prev || counting_next {
            found.push(format!("{} {} {}", prev, t, next));
        }
    }
    found
}

/// The knock-out criteria an application fails on, and the sheets' motivations for them, as the
/// scenario says (every sheet not met; or, where staff decided "failed", the split ones).
fn failed_knockouts(s: &Value, app: &str) -> Vec<(String, Vec<String>)> {
    let sheets: Vec<&Value> = s["first_round_scores"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["application"] == app)
        .collect();
    let decided_failed = s["decisions"]["knockout"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|d| d["application"] == app && d["verdict"] == "failed");
    let count_not_met = |id: &str| sheets.iter().filter(|x| x["knockout"][id] == false).count();
    let criteria: Vec<&Value> = s["call"]["knockout_criteria"].as_array().unwrap().iter().collect();
    let all_not_met: Vec<&&Value> = criteria
        .iter()
        .filter(|k| count_not_met(k["id"].as_str().unwrap()) == sheets.len())
        .collect();
    let failed: Vec<&&Value> = if !all_not_met.is_empty() {
        all_not_met
    } else if decided_failed {
        criteria
            .iter()
            .filter(|k| (1..sheets.len()).contains(&count_not_met(k["id"].as_str().unwrap())))
            .collect()
    } else {
        vec![]
    };
    failed
        .into_iter()
        .map(|k| {
            let id = k["id"].as_str().unwrap();
            let motivations = sheets
                .iter()
                .filter(|x| x["knockout"][id] == false)
                .filter_map(|x| x["knockout_motivations"][id].as_str().map(str::to_string))
                .collect();
            (k["label_nl"].as_str().unwrap().to_string(), motivations)
        })
        .collect()
}

async fn check_scenario(path: PathBuf) -> usize {
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (url, _dir) = fresh_database().await;
    let out = tempfile::tempdir().unwrap();
    tuinier::scenario::run(&s, Some(&url), Some(out.path()))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let expected = s["expected"]["applications"].as_array().unwrap();
    let ceiling = dec(&s["call"]["budget_ceiling"]);
    let awarded_requests: Decimal = expected
        .iter()
        .filter(|e| e["decision"] == "awarded")
        .map(|e| dec(&e["requested_total"]))
        .sum();
    let under_ceiling = awarded_requests <= ceiling;
    let legal_basis = words(&tuinier::service::letters::programme_settings().legal_basis);
    let mut checked = 0;
    for e in expected {
        let r = e["ref"].as_str().unwrap();
        let kind = match e["decision"].as_str().unwrap() {
            "awarded" => "award",
            "not_awarded" => "rejection_final",
            _ => "rejection_first_round",
        };
        let file = out.path().join("letters").join(format!("{r}-{kind}.pdf"));
        assert!(file.exists(), "{name}: no letter {}", file.display());
        let text = pdf_words(&file);
        let who = format!("{name}: {r} ({kind})");
        let fixture = s["applications"].as_array().unwrap().iter().find(|a| a["ref"] == r).unwrap();
        let p = &fixture["penvoerder"];

        assert!(
            text.contains(&format!("Dit besluit berust op {legal_basis}")),
            "{who}: the legal basis\n{text}"
        );
        assert!(
            text.contains(&words(p["organisation"].as_str().unwrap())),
            "{who}: the municipality as recipient"
        );
        assert!(
            text.contains(&format!(
                "namens het samenwerkingsverband {}",
                fixture["region"].as_str().unwrap()
            )),
            "{who}: on behalf of the region"
        );
        for part in ["street", "postcode"] {
            assert!(
                text.contains(&words(p["address"][part].as_str().unwrap())),
                "{who}: the postal address ({part})\n{text}"
            );
        }
        assert!(
            text.contains(&p["address"]["city"].as_str().unwrap().to_uppercase()),
            "{who}: the city"
        );
        assert!(
            text.contains("Geachte heer/mevrouw,") && !text.contains("Geachte Penvoerder"),
            "{who}: salutation"
        );
        assert!(
            text.contains("Ons kenmerk")
                && text.contains("Uw kenmerk")
                && text.contains("Bijlage(n)")
                && text.contains("Contactpersoon"),
            "{who}: letterhead"
        );
        assert!(
            !text.contains("..")
                && !text.contains("aan De Minister")
                && !text.contains("een of meer"),
            "{who}: style"
        );
        let open: Vec<&str> =
            text.match_indices('{').map(|(i, _)| &text[i..(i + 30).min(text.len())]).collect();
        assert!(open.is_empty(), "{who}: a placeholder is left: {open:?}");
        let digits = small_counts_in_digits(&text);
        assert!(digits.is_empty(), "{who}: small counts in digits: {digits:?}\n{text}");
        if under_ceiling {
            assert!(
                !text.to_lowercase().contains("plafond"),
                "{who}: the awards fit under the ceiling, yet the letter speaks of it\n{text}"
            );
        }

        match e["decision"].as_str().unwrap() {
            "awarded" => {
                let (requested, allocated) = (dec(&e["requested_total"]), dec(&e["allocated"]));
                assert!(text.contains(&euro(allocated)), "{who}: the amount");
                if allocated < requested {
                    assert!(
                        text.contains("Gedeeltelijke weigering")
                            && text.contains(&euro(requested - allocated)),
                        "{who}: the partial refusal\n{text}"
                    );
                    assert!(
                        text.contains("4:25, tweede lid"),
                        "{who}: the partial refusal's ground"
                    );
                } else {
                    assert!(!text.contains("Gedeeltelijke weigering"), "{who}: nothing refused");
                }
                for part in [
                    "Gesubsidieerde activiteiten",
                    "Betaling",
                    "voorschot",
                    "4:37",
                    "4:44",
                    "Vaststelling",
                    "eerstvolgende werkdag",
                ] {
                    assert!(text.contains(part), "{who}: the verlening lacks {part:?}\n{text}");
                }
                if allocated > Decimal::from(125_000) {
                    assert!(
                        text.contains("controleverklaring"),
                        "{who}: an auditor's report above € 125.000"
                    );
                }
            }
            "rejected_knockout" => {
                let failed = failed_knockouts(&s, r);
                assert!(!failed.is_empty(), "{who}: the scenario names no failed criterion");
                for (label, motivations) in failed {
                    assert!(
                        text.contains(&words(&label)),
                        "{who}: the failed criterion {label:?}\n{text}"
                    );
                    for m in motivations {
                        assert!(
                            text.contains(words(&m).trim_end_matches('.')),
                            "{who}: the motivation {m:?}\n{text}"
                        );
                    }
                }
                assert!(!text.contains("onder de drempel"), "{who}: not the threshold");
            }
            "rejected_below_threshold" => {
                assert!(text.contains("onder de drempel"), "{who}: the threshold ground");
                assert!(
                    text.contains(
                        &format!("{:.2}", dec(&e["first_round_score"])).replace('.', ",")
                    ),
                    "{who}: the score"
                );
                assert!(
                    text.contains(
                        &format!("{:.2}", dec(&s["call"]["interview_threshold"])).replace('.', ",")
                    ),
                    "{who}: the threshold"
                );
            }
            _ => {
                let tie = s["decisions"]["ties"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|t| t["not_award"].as_array().unwrap().iter().any(|x| x == r));
                if let Some(t) = tie {
                    assert!(
                        text.contains("gelijk")
                            && text.contains(
                                words(t["reason"].as_str().unwrap()).trim_end_matches('.')
                            ),
                        "{who}: the tie and its reason\n{text}"
                    );
                } else if under_ceiling {
                    assert!(
                        text.contains("hoogst gerangschikte"),
                        "{who}: the rank beyond the awards\n{text}"
                    );
                } else {
                    assert!(
                        text.contains("subsidieplafond") && text.contains("4:25, tweede lid"),
                        "{who}: the ceiling, reached\n{text}"
                    );
                }
            }
        }
        if e["invited_to_interview"] == true {
            let invitation = pdf_words(
                &out.path().join("letters").join(format!("{r}-interview_invitation.pdf")),
            );
            for part in [
                "Uitnodiging voor de gespreksronde",
                "Datum:",
                "Tijd:",
                " uur",
                "Plaats:",
                "Turfmarkt 147",
                "addendum",
            ] {
                assert!(
                    invitation.contains(part),
                    "{name}: {r}: the invitation letter lacks {part:?}\n{invitation}"
                );
            }
            assert!(!invitation.contains("bezwaar"), "{name}: {r}: an invitation is no decision");
        }
        checked += 1;
    }
    checked
}

#[tokio::test]
async fn every_letter_of_every_scenario_states_its_true_ground() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.insert(0, scenario_path());
    let mut kinds = BTreeSet::new();
    for f in files {
        let n = check_scenario(f.clone()).await;
        assert!(n >= 5, "{}: only {n} letters", f.display());
        kinds.insert(f.file_name().unwrap().to_string_lossy().to_string());
    }
    assert!(kinds.len() >= 6, "the public scenario and the variants: {kinds:?}");
}

#[tokio::test]
async fn publication_is_refused_while_a_decisive_motivation_only_refers_elsewhere() {
    let app = spawn_app().await;
    let mut s = load_scenario();
    // The application every sheet rejects on a knock-out: its motivations say nothing.
    let target = s["expected"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["decision"] == "rejected_knockout")
        .expect("a knock-out rejection")["ref"]
        .as_str()
        .unwrap()
        .to_string();
    let mut criteria = BTreeSet::new();
    for sheet in s["first_round_scores"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .filter(|x| x["application"] == target.as_str())
    {
        let not_met: Vec<String> = sheet["knockout"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| **v == false)
            .map(|(k, _)| k.clone())
            .collect();
        for k in not_met {
            sheet["knockout_motivations"][&k] = json!("Zie beoordelingsformulier.");
            criteria.insert(k);
        }
    }
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    assert!(r.publish_first_round().await.is_err(), "refused");
    let call = r.call_id();
    let id = r.application_id(&target).unwrap();
    let refused = app
        .post(&format!("/calls/{call}/rounds/first/publish"), &app.staff_token, &json!({}))
        .await;
    let problem = refused.problem(409).clone();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("application {id} ({target})")),
        "names the application: {detail}"
    );
    for c in &criteria {
        assert!(detail.contains(&format!("criterion {c}")), "names the criterion {c}: {detail}");
    }
    assert!(detail.contains("only a reference elsewhere"), "{detail}");
    // The preview flags it too, before anyone publishes.
    let preview = app
        .client
        .get(format!("{}/applications/{id}/letter-preview", app.base))
        .bearer_auth(&app.staff_token)
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status().as_u16(), 200);
    let warnings = preview
        .headers()
        .get("x-letter-warnings")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    for c in &criteria {
        assert!(
            warnings.contains(&format!("criterion {c}"))
                && warnings.contains("only a reference elsewhere"),
            "preview warnings: {warnings:?}"
        );
    }
    assert!(
        app.get(&format!("/calls/{call}/letters"), &app.staff_token).await.ok()["total"] == 0,
        "no letter issued"
    );
    let outbox = tuinier::mail::outbox::for_target(&app.state.db, &format!("application:{id}"))
        .await
        .unwrap();
    assert!(
        outbox.iter().all(|m| m.kind == "submission_receipt" || m.kind == "submission_reminder"),
        "no decision email"
    );
}
