//! `tuinier bench` on a small call (200 applications × 3 assessors), through the built binary:
//! every step completes with the right amount of work and the JSON parses. No timing is asserted
//! (the figures are a measurement, not a test). On PostgreSQL when `TUINIER_TEST_DATABASE_URL` is
//! set.

use std::process::Command;

#[test]
fn a_small_bench_completes_every_step_with_its_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("bench.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tuinier"));
    cmd.args(["bench", "--applications", "200", "--assessors", "3"])
        .args(["--reads", "200", "--read-seconds", "5"])
        .arg("--json")
        .arg(&json)
        .env("TUINIER_LOG", "warn");
    if let Ok(url) = std::env::var("TUINIER_TEST_DATABASE_URL") {
        cmd.args(["--database", &url]);
    }
    let out = cmd.output().expect("run tuinier bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "tuinier bench failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("| step | work | time |"), "no table printed:\n{stdout}");

    let text = std::fs::read_to_string(&json).expect("the JSON file");
    let report: serde_json::Value = serde_json::from_str(&text).expect("the JSON parses");
    let counts = &report["counts"];
    let count =
        |key: &str| counts[key].as_u64().unwrap_or_else(|| panic!("counts.{key}: {counts}"));
    assert_eq!(report["completed"], true, "{text}");
    assert_eq!(count("applications_submitted"), 200);
    assert_eq!(count("first_round_sheets"), 200 * 3);
    let invited = count("invited");
    assert!((5..200).contains(&invited), "{invited} invited");
    assert_eq!(count("final_round_sheets"), invited * 3);
    // A letter per application at the first publication, one per invited one at the final.
    assert_eq!(count("letters"), 200 + invited);
    assert!(count("emails_queued") >= 200 * 2, "{counts}");
    assert_eq!(count("emails_received"), count("emails_queued"));
    assert!(count("emails_with_pdf") > 0);
    assert!(count("outcome_reads_completed") > 0);

    let steps: Vec<&str> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["step"].as_str().expect("step"))
        .collect();
    for step in [
        "intake over HTTP",
        "first-round sheets over HTTP",
        "close the first round",
        "publish the final decision",
        "a region's write and an assessor's sheet while letters render",
        "letters",
        "read one outcome over HTTP",
        "outbox delivery",
        "whole call",
        "start serve on the finished database",
    ] {
        assert!(steps.iter().any(|s| s.starts_with(step)), "no row {step}: {steps:?}");
    }
    for row in report["rows"].as_array().expect("rows") {
        assert!(row["seconds"].as_f64().is_some_and(|s| s >= 0.0), "{row}");
    }
    // The close's bound is measured in the same run, over every sheet of the round.
    let close = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["step"].as_str().is_some_and(|s| s.starts_with("close the first round")))
        .expect("close row");
    let note = close["note"].as_str().unwrap_or_default();
    assert!(note.contains("only reading the 600 sheets into the program"), "{close}");
    // The letters' bound: a plain document as long as the letters read back from the run (a
    // decision letter has two pages or more).
    let note_of = |step: &str| {
        let rows = report["rows"].as_array().expect("rows");
        let row = rows.iter().find(|r| r["step"].as_str().is_some_and(|s| s.starts_with(step)));
        row.and_then(|r| r["note"].as_str()).unwrap_or_default().to_string()
    };
    let letters = note_of("letters");
    let pages: usize = letters
        .split("a plain document of ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no plain document in the letters' note: {letters}"));
    assert!((2..=8).contains(&pages), "{letters}");
    // The whole call's bound: its steps' floors added up.
    assert!(note_of("whole call").contains("floors alone add up to"), "{}", note_of("whole call"));
    assert!(report["server_peak_rss"].as_u64().is_some_and(|b| b > 0));
    assert!(report["driver_peak_rss"].as_u64().is_some_and(|b| b > 0));
}
