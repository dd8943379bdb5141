//! Issue 11, items 8–10: a decided call is locked, unpublished calls are for staff, `tuinier
//! verify` finds what no longer agrees with a publication, and a backup taken mid-call restores
//! into a database that finishes the call with the same outcome.

use std::sync::Arc;

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;
use tuinier::service::verify;

use crate::common::*;

/// The whole public scenario through the API, up to and including the final publication.
async fn decided(app: &TestApp, s: &Value) -> Rehearsal {
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first-round publication");
    r.final_round().await.expect("final round");
    r.publish_final().await.expect("final publication");
    r
}

fn by_ref(lines: &Value) -> std::collections::BTreeMap<String, Value> {
    lines
        .as_array()
        .expect("applications")
        .iter()
        .map(|l| (l["ref"].as_str().expect("ref").to_string(), l.clone()))
        .collect()
}

/// Results, the frozen outcome and the letters agree: every allocation of the results is the
/// frozen one, the frozen outcome still verifies.
async fn assert_results_equal_frozen(app: &TestApp, call: i64) -> (Value, Value) {
    let results = app.get(&format!("/calls/{call}/results"), &app.staff_token).await.ok().clone();
    let frozen =
        app.get(&format!("/calls/{call}/outcomes/final"), &app.staff_token).await.ok().clone();
    assert_eq!(frozen["verified"], true, "the frozen outcome verifies: {frozen}");
    let published = by_ref(&frozen["result"]["applications"]);
    for (r, line) in by_ref(&results["applications"]) {
        let f = &published[&r];
        assert!(
            same_value(&line["allocated"], &f["allocated"]),
            "{r}: results {} vs frozen {}",
            line["allocated"],
            f["allocated"]
        );
        assert_eq!(line["decision"], f["decision"], "{r}: decision");
    }
    assert!(same_value(&results["allocated_total"], &frozen["result"]["allocated_total"]));
    (results, frozen)
}

/// `912000.00` → `€ 912.000,00`, as a letter writes it.
fn euro(amount: &str) -> String {
    let (whole, cents) = amount.split_once('.').unwrap_or((amount, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("€ {grouped},{cents:0<2}")
}

/// Every award letter states the amount the results (and so the frozen outcome) allocate.
async fn assert_letters_state_the_allocations(app: &TestApp, call: i64, results: &Value) {
    let letters = app.get(&format!("/calls/{call}/letters?limit=500"), &app.staff_token).await.ok()
        ["items"]
        .clone();
    let dir = tempfile::tempdir().unwrap();
    for line in
        results["applications"].as_array().unwrap().iter().filter(|l| l["decision"] == "awarded")
    {
        let letter = letters
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["application_id"] == line["application_id"] && l["kind"] == "award")
            .max_by_key(|l| l["number"].as_i64())
            .unwrap_or_else(|| panic!("an award letter for {}", line["ref"]));
        let pdf =
            app.get(&format!("/letters/{}/content", letter["id"]), &app.staff_token).await.bytes;
        let path = dir.path().join("letter.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let Ok(out) =
            std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output()
        else {
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let amount = euro(line["allocated"].as_str().unwrap());
        assert!(
            text.contains(&amount),
            "{}: {amount} not in its award letter:\n{text}",
            line["ref"]
        );
    }
}

#[tokio::test]
async fn a_decided_call_refuses_an_amendment_of_its_ceiling_and_still_agrees_with_itself() {
    let app = spawn_app().await;
    let s = load_scenario();
    let r = decided(&app, &s).await;
    let call = r.call_id();
    let (results_before, frozen_before) = assert_results_equal_frozen(&app, call).await;
    let letters_before =
        app.get(&format!("/calls/{call}/letters?limit=500"), &app.staff_token).await.ok()["items"]
            .clone();
    let call_before = app.get(&format!("/calls/{call}"), &app.staff_token).await.ok().clone();

    // The issue's amendment: the ceiling to 100,000 after the final publication.
    let mut amended = s["call"].clone();
    amended["budget_ceiling"] = "100000.00".into();
    let a = app
        .post(
            &format!("/calls/{call}/amendments"),
            &app.staff_token,
            &json!({"reason": "plafond verlaagd", "call": amended}),
        )
        .await;
    let detail = a.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("budget_ceiling"), "names the field: {detail}");
    assert!(
        detail.contains("final outcome")
            && detail.contains(frozen_before["sha256"].as_str().unwrap()),
        "names the publication: {detail}"
    );

    // Criteria, threshold, awards, policy and the decided stages are locked too, all named at once.
    let mut amended = s["call"].clone();
    amended["interview_threshold"] = "40".into();
    amended["max_awards"] = 9.into();
    amended["allocation_policy"] = "manual".into();
    amended["weighted_criteria"][0]["label_nl"] = "Anders".into();
    let a = app
        .post(
            &format!("/calls/{call}/amendments"),
            &app.staff_token,
            &json!({"reason": "r", "call": amended}),
        )
        .await;
    let detail = a.problem(409)["detail"].as_str().unwrap().to_string();
    for field in ["interview_threshold", "max_awards", "allocation_policy", "weighted_criteria"] {
        assert!(detail.contains(field), "{field} named: {detail}");
    }
    assert_eq!(
        app.get(&format!("/calls/{call}"), &app.staff_token).await.body,
        call_before,
        "the call is unchanged"
    );

    // What the outcome does not rest on may still be amended, with a reason.
    let mut retitled = s["call"].clone();
    retitled["title"] =
        format!("{} (gecorrigeerde titel)", s["call"]["title"].as_str().unwrap()).into();
    app.post(
        &format!("/calls/{call}/amendments"),
        &app.staff_token,
        &json!({"reason": "typfout", "call": retitled}),
    )
    .await
    .ok();

    // Results, letters and the frozen outcome still agree, and nothing of them moved.
    let (results_after, frozen_after) = assert_results_equal_frozen(&app, call).await;
    assert_eq!(results_after["applications"], results_before["applications"]);
    assert_eq!(frozen_after, frozen_before);
    assert_eq!(
        &app.get(&format!("/calls/{call}/letters?limit=500"), &app.staff_token).await.ok()["items"],
        &letters_before
    );
    assert_letters_state_the_allocations(&app, call, &results_after).await;
    let report = verify::run(&app.state.db).await.unwrap();
    assert!(report.differences.is_empty(), "{:#?}", report.differences);
    assert_eq!(report.outcomes, 2);
}

#[tokio::test]
async fn results_after_publication_are_the_frozen_ones_even_when_the_stored_call_is_edited_behind_its_back()
 {
    let app = spawn_app().await;
    let s = load_scenario();
    let r = decided(&app, &s).await;
    let call = r.call_id();
    let (before, _) = assert_results_equal_frozen(&app, call).await;
    // A direct edit of the database, past every rule of the service.
    entity::call::ActiveModel {
        id: Set(call as i32),
        budget_ceiling: Set("100000.00".into()),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    let (after, _) = assert_results_equal_frozen(&app, call).await;
    assert_eq!(after["applications"], before["applications"]);
    let report = verify::run(&app.state.db).await.unwrap();
    let lines: Vec<String> = report.differences.iter().map(ToString::to_string).collect();
    assert!(
        lines.iter().any(|l| l.contains(
            " final: setting budget_ceiling: published 4000000.00, the call says now 100000.00"
        )),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn an_unpublished_call_is_seen_by_staff_and_its_assessors_only() {
    let app = spawn_app().await; // before the publication moment
    let s = load_scenario();
    let call = app.post("/calls", &app.staff_token, &s["call"]).await.ok()["id"].as_i64().unwrap();
    let a = &s["applications"][0];
    let region = json!({"ref": a["ref"], "name": a["region"], "lead_applicant": a["penvoerder"], "municipalities": a["municipalities"]});
    app.post("/regions", &app.staff_token, &region).await.ok();
    let region_token =
        app.user("region", "r@regio.example", Some(a["ref"].as_str().unwrap())).await;
    let outsider = app.user("assessor", "outsider@vng.example", None).await;
    let assigned = app.user("assessor", "assigned@vng.example", None).await;
    let me = app.get("/me", &assigned).await.ok()["id"].as_i64().unwrap();
    app.post(&format!("/calls/{call}/assessors"), &app.staff_token, &json!({"user_id": me}))
        .await
        .ok();

    let ids = |v: &Value| -> Vec<i64> {
        v.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
    };
    for token in [&region_token, &outsider] {
        app.get(&format!("/calls/{call}"), token).await.problem(404);
        assert!(!ids(app.get("/calls", token).await.ok()).contains(&call), "not listed");
    }
    // A call that does not exist answers the same.
    let missing = app.get("/calls/999999", &region_token).await;
    assert_eq!(
        missing.problem(404)["title"],
        app.get(&format!("/calls/{call}"), &region_token).await.body["title"]
    );
    for token in [&app.staff_token, &assigned] {
        assert_eq!(app.get(&format!("/calls/{call}"), token).await.ok()["status"], "draft");
        assert!(ids(app.get("/calls", token).await.ok()).contains(&call));
    }

    // From the publication moment on, everyone sees it.
    app.clock.set(crate::intake::stage_at(&s["call"], "publication"));
    for token in [&region_token, &outsider] {
        assert_eq!(app.get(&format!("/calls/{call}"), token).await.ok()["status"], "published");
        assert!(ids(app.get("/calls", token).await.ok()).contains(&call));
    }
}

/// A final-round sheet of an awarded application: (sheet row, application ref, assessor ref).
async fn final_sheet_of_an_award(
    app: &TestApp,
    r: &Rehearsal,
    s: &Value,
) -> (entity::sheet::Model, String, String) {
    let winner = s["expected"]["awarded_in_rank_order"][0].as_str().unwrap().to_string();
    let id = r.application_id(&winner).unwrap() as i32;
    let sheet = entity::sheet::Entity::find()
        .filter(entity::sheet::Column::ApplicationId.eq(id))
        .filter(entity::sheet::Column::Round.eq("final"))
        .filter(entity::sheet::Column::Status.eq("submitted"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a submitted final sheet");
    let assessor = entity::user::Entity::find_by_id(sheet.assessor_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    (sheet, winner, assessor.reference.unwrap_or(assessor.email))
}

/// One score of a stored sheet's content changed by one point (staying in range).
fn with_one_point_less(content: &str) -> (String, i64, i64) {
    let mut v: Value = serde_json::from_str(content).unwrap();
    let old = v["scores"]["w_general_impression"].as_i64().expect("a general impression score");
    let new = if old > 0 { old - 1 } else { old + 1 };
    v["scores"]["w_general_impression"] = new.into();
    (v.to_string(), old, new)
}

#[tokio::test]
async fn verify_finds_no_difference_after_the_scenario_and_names_a_score_changed_in_the_database() {
    let app = spawn_app().await;
    let s = load_scenario();
    let r = decided(&app, &s).await;
    let report = verify::run(&app.state.db).await.unwrap();
    assert_eq!(report.outcomes, 2, "the first-round outcome and the final decision");
    assert!(report.differences.is_empty(), "{:#?}", report.differences);

    // The real binary agrees: exit 0, no difference.
    let bin = env!("CARGO_BIN_EXE_tuinier");
    let run = || {
        std::process::Command::new(bin)
            .args(["verify", "--database", &app.database_url])
            .env("TUINIER_LOG", "error")
            .output()
            .unwrap()
    };
    let ok = run();
    let stdout = String::from_utf8_lossy(&ok.stdout).to_string();
    assert!(
        ok.status.success(),
        "exit {:?}: {stdout} {}",
        ok.status,
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout.contains("2 published outcome(s) verified: no difference"), "{stdout}");
    eprintln!("tuinier verify (exit {:?}):\n{stdout}", ok.status.code());

    // One stored score changed behind the service's back.
    let (sheet, winner, assessor) = final_sheet_of_an_award(&app, &r, &s).await;
    let (content, old, new) = with_one_point_less(&sheet.content);
    entity::sheet::ActiveModel { id: Set(sheet.id), content: Set(content), ..Default::default() }
        .update(&app.state.db)
        .await
        .unwrap();

    let lines: Vec<String> = verify::run(&app.state.db)
        .await
        .unwrap()
        .differences
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected = format!(
        "final: application {winner}: final-round sheet of {assessor} points on w_general_impression: published {old}.00, stored {new}.00"
    );
    assert!(
        lines.iter().any(|l| l.ends_with(&expected)),
        "{expected}\nnot in:\n{}",
        lines.join("\n")
    );
    assert!(
        lines.iter().any(|l| l.contains(&format!("application {winner} final score: published"))),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("sheet {} ", sheet.id))
                && l.contains("its stored total is")),
        "{lines:#?}"
    );

    let failed = run();
    let stdout = String::from_utf8_lossy(&failed.stdout).to_string();
    eprintln!(
        "tuinier verify (exit {:?}):\n{stdout}{}",
        failed.status.code(),
        String::from_utf8_lossy(&failed.stderr)
    );
    assert_eq!(failed.status.code(), Some(1), "non-zero exit: {stdout}");
    assert!(
        stdout.lines().any(|l| l.ends_with(&expected)),
        "the binary prints the line:\n{stdout}"
    );
    assert_eq!(stdout.lines().count(), lines.len(), "one line per difference:\n{stdout}");
    assert!(
        String::from_utf8_lossy(&failed.stderr)
            .contains("difference(s) between the published outcomes and the stored data")
    );
}

#[tokio::test]
async fn a_backup_taken_mid_call_finishes_the_call_with_the_same_outcome() {
    if std::env::var("TUINIER_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        eprintln!("backup and restore are SQLite's; on PostgreSQL pg_dump and pg_restore do this");
        return;
    }
    use tuinier::service::backup;
    let s = load_scenario();

    // Uninterrupted.
    let straight = spawn_app().await;
    let mut r = Rehearsal::new(
        straight.base.clone(),
        straight.staff_token.clone(),
        straight.clock.clone(),
        &s,
    );
    r.setup().await.unwrap();
    r.intake().await.unwrap();
    r.first_round().await.unwrap();
    r.publish_first_round().await.unwrap();
    r.final_round().await.unwrap();
    let expected = r.publish_final().await.unwrap();

    // Backed up after the first-round publication, while the service runs; restored elsewhere.
    let app = spawn_app().await;
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.unwrap();
    r.intake().await.unwrap();
    r.first_round().await.unwrap();
    r.publish_first_round().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tuinier-backup.sqlite");
    let facts = backup::backup(&app.database_url, &file).await.unwrap();
    assert!(facts.calls == 1 && facts.applications > 0, "{facts:?}");
    assert!(
        matches!(
            backup::backup(&app.database_url, &file).await,
            Err(tuinier::error::DomainError::Conflict(_))
        ),
        "never overwrites"
    );

    let copy_url = format!("sqlite://{}?mode=rwc", dir.path().join("restored.sqlite").display());
    backup::restore(&file, &copy_url, false).await.unwrap();
    let state = tuinier::startup::prepare(&copy_url, Arc::new(app.clock.clone())).await.unwrap();
    let server =
        tuinier::startup::spawn(state.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    r.move_to(format!("http://{}", server.addr));
    r.final_round().await.unwrap();
    let outcome = r.publish_final().await.unwrap();
    assert_eq!(outcome, expected, "the restored copy ends the call as the uninterrupted run");
    let report = verify::run(&state.db).await.unwrap();
    assert!(report.differences.is_empty() && report.outcomes == 2, "{report:?}");
    // The original went no further than the first round.
    let original =
        app.get(&format!("/calls/{}/outcomes/final", r.call_id()), &app.staff_token).await;
    original.problem(404);
    server.stop().await;

    // A restore does not overwrite a database in use, nor take a file that is not Tuinier's.
    let refused = backup::restore(&file, &copy_url, false).await;
    assert!(
        matches!(&refused, Err(tuinier::error::DomainError::Conflict(m)) if m.contains("--force")),
        "{refused:?}"
    );
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "not a database").unwrap();
    assert!(
        backup::restore(&text, &format!("sqlite://{}/fresh.sqlite", dir.path().display()), false)
            .await
            .is_err()
    );
    // On PostgreSQL the commands point at pg_dump and pg_restore.
    let pg = backup::backup("postgres://u:p@localhost/tuinier", &dir.path().join("x")).await;
    assert!(matches!(&pg, Err(e) if format!("{e}").contains("pg_dump")), "{pg:?}");
}

/// Every rehearsed scenario (the public one and the variants: ties, split knock-outs, requests
/// under the ceiling, other thresholds) verifies without a difference.
#[tokio::test]
async fn verify_finds_no_difference_after_every_scenario() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.push(scenario_path());
    paths.sort();
    for path in paths {
        let s: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (url, _dir) = fresh_database().await;
        tuinier::scenario::run(&s, Some(&url), None)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let db = tuinier::store::connect(&url).await.unwrap();
        let report = verify::run(&db).await.unwrap();
        assert_eq!(report.outcomes, 2, "{}", path.display());
        assert!(report.differences.is_empty(), "{}: {:#?}", path.display(), report.differences);
        db.close().await.ok();
    }
}
