//! The data compiled into the binary follows the public fixtures: the built-in 2022 call
//! template is the scenario's `call`, and the demo's decided call and regions are its data.

use serde_json::Value;

use crate::common::*;

fn json_file(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn data(name: &str) -> Value {
    json_file(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/service/data").join(name),
    )
}

fn public_scenario() -> Value {
    json_file(&fixtures_dir().join("tranche-2022/scenario.json"))
}

#[test]
fn the_2022_template_is_the_fixtures_call() {
    // Compared as JSON values: key order and layout do not matter, every label and date does.
    assert_eq!(data("proeftuinen-tranche-2-2022.json"), public_scenario()["call"]);
}

#[test]
fn the_decided_demo_call_is_the_public_scenario_without_its_answers() {
    let mut s = public_scenario();
    let o = s.as_object_mut().unwrap();
    o.remove("expected");
    o.remove("rejected_inputs");
    assert_eq!(data("decided-scenario.json"), s);
}

#[test]
fn the_demo_regions_are_the_scenarios_regions_with_distinct_emails() {
    let s = public_scenario();
    let demo = data("demo.json");
    let mut emails = std::collections::BTreeSet::new();
    for r in demo["regions"].as_array().unwrap() {
        let a = s["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["ref"] == r["ref"])
            .expect("region of the scenario");
        assert_eq!(r["lead_applicant"], a["penvoerder"], "{}", r["ref"]);
        assert_eq!(r["municipalities"], a["municipalities"], "{}", r["ref"]);
        assert!(
            emails.insert(r["lead_applicant"]["email"].as_str().unwrap().to_string()),
            "{} shares an email",
            r["ref"]
        );
    }
    assert_eq!(demo["assessors"], s["assessors"]);
}

/// The shared fixtures, when they are beside the repository, are the ones copied here.
#[test]
fn the_copied_fixtures_match_the_shared_ones_when_present() {
    let shared = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    for f in ["tranche-2022/scenario.json", "monitoring/west-brabant-west-2024.json"] {
        let theirs = shared.join(f);
        if theirs.is_file() {
            assert_eq!(
                json_file(&fixtures_dir().join(f)),
                json_file(&theirs),
                "tests/fixtures/{f} differs from ../shared/fixtures/{f}"
            );
        }
    }
}
