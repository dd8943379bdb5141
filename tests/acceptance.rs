//! The acceptance test: runs the scenario of `TUINIER_SCENARIO` (default: the public 2022
//! scenario in `tests/fixtures/`; also `../shared`'s copy when it is there) through
//! `tuinier scenario run`'s driver over the real HTTP API, and compares the outcome with the
//! scenario's `expected` as strictly as `../shared/tools/compare-outcome`.
//! With `TUINIER_ACCEPTANCE_ALL=1` it also runs every scenario in `tests/scenarios/`.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

fn norm(v: &Value) -> Value {
    // Amounts and scores compare as decimals ("50" equals "50.00").
    match v {
        Value::String(s) => match s.parse::<rust_decimal::Decimal>() {
            Ok(d) => Value::String(d.normalize().to_string()),
            Err(_) => v.clone(),
        },
        Value::Number(n) => match n.to_string().parse::<rust_decimal::Decimal>() {
            Ok(d) => Value::String(d.normalize().to_string()),
            Err(_) => v.clone(),
        },
        _ => v.clone(),
    }
}

/// Every difference between an outcome and the scenario's `expected`, one line each.
fn differences(expected: &Value, got: &Value, with_emails: bool) -> Vec<String> {
    let mut diffs = Vec::new();
    let got_apps: BTreeMap<String, &Value> = got["applications"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["ref"].as_str().map(|r| (r.to_string(), a)))
        .collect();
    for e in expected["applications"].as_array().into_iter().flatten() {
        let r = e["ref"].as_str().unwrap_or_default();
        let Some(g) = got_apps.get(r) else {
            diffs.push(format!("{r}: missing from outcome"));
            continue;
        };
        for (k, v) in e.as_object().into_iter().flatten() {
            if norm(&g[k]) != norm(v) {
                diffs.push(format!("{r}.{k}: expected {v}, got {}", g[k]));
            }
        }
        // A key the expected outcome leaves out must be absent (e.g. no rank when not invited).
        for (k, v) in g.as_object().into_iter().flatten() {
            if e.get(k).is_none() && !v.is_null() {
                diffs.push(format!("{r}.{k}: not expected, got {v}"));
            }
        }
    }
    if got["awarded_in_rank_order"] != expected["awarded_in_rank_order"] {
        diffs.push(format!(
            "awarded_in_rank_order: expected {}, got {}",
            expected["awarded_in_rank_order"], got["awarded_in_rank_order"]
        ));
    }
    for k in ["allocated_total", "unallocated"] {
        if norm(&got[k]) != norm(&expected[k]) {
            diffs.push(format!("{k}: expected {}, got {}", expected[k], got[k]));
        }
    }
    if with_emails {
        let key = |e: &Value| {
            let mut parts: Vec<String> =
                e.as_object().into_iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
            parts.sort();
            parts.join(",")
        };
        let mut want: Vec<String> =
            expected["emails"].as_array().into_iter().flatten().map(key).collect();
        let mut have: Vec<String> =
            got["emails"].as_array().into_iter().flatten().map(key).collect();
        want.sort();
        have.sort();
        if want != have {
            diffs.push(format!(
                "emails differ:\n  missing: {:?}\n  extra: {:?}",
                want.iter().filter(|w| !have.contains(w)).collect::<Vec<_>>(),
                have.iter().filter(|h| !want.contains(h)).collect::<Vec<_>>()
            ));
        }
    }
    diffs
}

/// Each refused input got its status, as problem+json, and left the stored data as it was.
fn rejected_input_problems(scenario: &Value, got: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let answered = got["rejected_inputs"].as_array().cloned().unwrap_or_default();
    let listed = scenario["rejected_inputs"].as_array().cloned().unwrap_or_default();
    if answered.len() != listed.len() {
        problems.push(format!(
            "{} rejected inputs listed, {} driven",
            listed.len(),
            answered.len()
        ));
    }
    for a in answered {
        if a["status"] != a["expect_status"] {
            problems.push(format!(
                "{}: expected status {}, got {}",
                a["what"], a["expect_status"], a["status"]
            ));
        }
        if a["problem_json"] != true {
            problems.push(format!("{}: not a fitting problem+json answer", a["what"]));
        }
        if a["unchanged"] != true {
            problems.push(format!("{}: stored data changed", a["what"]));
        }
    }
    problems
}

async fn run_scenario(path: PathBuf) {
    let scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("scenario file"))
            .expect("JSON");
    let (url, _dir) = common::fresh_database().await;
    let report = tuinier::scenario::run(&scenario, Some(&url), None)
        .await
        .unwrap_or_else(|e| panic!("{}: the run failed: {e}", path.display()));
    let mut problems = differences(&scenario["expected"], &report.outcome, true);
    problems.extend(rejected_input_problems(&scenario, &report.outcome));
    assert!(
        problems.is_empty(),
        "{}: {} difference(s):\n{}",
        path.display(),
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn the_scenario_outcome_is_exactly_as_expected() {
    run_scenario(common::scenario_path()).await;
}

/// CI has the programme's shared fixtures beside the repository: the public scenario there is
/// run too, so a change to it is checked even before `tests/fixtures/` follows. A plain clone
/// has no `../shared` and skips this.
#[tokio::test]
async fn the_shared_public_scenario_when_present_comes_out_as_expected() {
    match common::shared_scenario_path() {
        Some(p) => run_scenario(p).await,
        None => eprintln!(
            "no ../shared/fixtures/tranche-2022/scenario.json beside the repository: skipped"
        ),
    }
}

#[tokio::test]
async fn the_variant_scenarios_come_out_as_their_independent_oracle_says() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    assert!(!files.is_empty(), "no variant scenarios in {}", dir.display());
    for f in files {
        run_scenario(f).await;
    }
}

#[test]
fn the_comparison_catches_a_wrong_figure() {
    let scenario = common::load_scenario();
    let mut outcome = scenario["expected"].clone();
    assert!(differences(&scenario["expected"], &outcome, true).is_empty());
    outcome["applications"][0]["first_round_score"] = "1.00".into();
    outcome["unallocated"] = "999.00".into();
    outcome["applications"][1].as_object_mut().unwrap().insert("rank".into(), 99.into());
    outcome["emails"][0]["to"] = "someone-else@example.org".into();
    assert_eq!(differences(&scenario["expected"], &outcome, true).len(), 4);
}
