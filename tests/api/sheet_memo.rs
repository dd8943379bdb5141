//! Issue 15: a submitted sheet's content is checked once, when it is submitted (or read once after
//! a restart). Later computations of the outcome take its kept facts (`store::sheet_memo`) and
//! read only what they do not keep; a correction is a new sheet, read and counted; and what they
//! compute is what a computation from the stored rows alone (as `tuinier verify` runs it) gives.

use tuinier::scenario::Rehearsal;
use tuinier::service::assessment::{self as svc, Round};
use tuinier::service::auth::{Principal, Role};
use tuinier::service::outcome::selection_input;
use tuinier::store::{self, sheet_memo::SheetMemo};

use crate::common::*;

/// The statements recorded since `from` that read sheet contents by id, with how many ids each.
fn content_reads(seen: &std::sync::Mutex<Vec<(String, usize)>>, from: usize) -> Vec<usize> {
    let seen = seen.lock().expect("seen");
    seen[from..]
        .iter()
        .filter(|(sql, _)| sql.contains(r#""sheets"."content""#))
        .map(|(_, values)| *values)
        .collect()
}

#[tokio::test]
async fn a_sheet_is_read_once_and_a_correction_is_read_again() {
    let s = load_scenario();
    let (app, seen) = spawn_app_recording(at("2022-05-01T09:00:00+02:00")).await;
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    let call_id = i32::try_from(r.call_id()).unwrap();
    let db = &app.state.db;
    let call = store::calls::call_of(db, call_id).await.unwrap();
    let results = format!("/calls/{call_id}/results?limit=500");
    let staff = app.staff_token.clone();

    // A submission keeps what it checked, stamped as its row was written: the first computation
    // reads no sheet's content (its stamps match the rows as the database gives them back).
    let submitted = s["first_round_scores"].as_array().unwrap().len();
    assert_eq!(app.state.sheets.len(), submitted);
    let from = seen.lock().unwrap().len();
    let cold = app.get(&results, &staff).await;
    assert_eq!(cold.status, 200, "{}", cold.body);
    assert_eq!(content_reads(&seen, from), Vec::<usize>::new());
    let rows = selection_input(db, &call, &SheetMemo::off()).await.unwrap();
    assert_eq!(selection_input(db, &call, &app.state.sheets).await.unwrap(), rows);

    // A memo that lost everything (a restart) reads each sheet once and keeps it again.
    let fresh = SheetMemo::new();
    let from = seen.lock().unwrap().len();
    assert_eq!(selection_input(db, &call, &fresh).await.unwrap(), rows);
    assert_eq!(content_reads(&seen, from).iter().sum::<usize>(), submitted);
    assert_eq!(fresh.len(), submitted);
    let from = seen.lock().unwrap().len();
    assert_eq!(selection_input(db, &call, &fresh).await.unwrap(), rows);
    assert_eq!(content_reads(&seen, from), Vec::<usize>::new());

    // An assessor corrects a sheet: it takes another application's sheet of theirs, so its total
    // changes.
    let sheets = s["first_round_scores"].as_array().unwrap();
    let first = &sheets[0];
    let other = sheets
        .iter()
        .find(|x| x["assessor"] == first["assessor"] && x["application"] != first["application"])
        .expect("a second sheet of the same assessor");
    let (assessor, _) = r.assessor(first["assessor"].as_str().unwrap()).unwrap();
    let who = Principal {
        user_id: i32::try_from(assessor).unwrap(),
        name: "assessor".into(),
        role: Role::Assessor,
        region_id: None,
    };
    let target = r.application_id(first["application"].as_str().unwrap()).unwrap();
    let target = i32::try_from(target).unwrap();
    let before = selection_input(db, &call, &SheetMemo::off()).await.unwrap();
    let input = serde_json::from_value(other.clone()).unwrap();
    svc::correct_sheet(&app.state, &who, target, Round::First, input, "verkeerd ingevuld")
        .await
        .expect("correction");

    // The next computation reads the correction's content alone, and finds what a computation
    // from the rows alone finds: the correction counted, the corrected version not.
    let from = seen.lock().unwrap().len();
    let after = app.get(&results, &staff).await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(content_reads(&seen, from), [1]);
    let kept = selection_input(db, &call, &app.state.sheets).await.unwrap();
    let rows = selection_input(db, &call, &SheetMemo::off()).await.unwrap();
    assert_eq!(kept, rows);
    assert_ne!(rows, before, "the correction changes the inputs");
    let line = |v: &serde_json::Value| {
        v["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["application_id"] == target)
            .map(|l| l["first_round"].clone())
            .expect("the corrected application's line")
    };
    assert_ne!(line(&after.body), line(&cold.body), "the results show the correction");
}
