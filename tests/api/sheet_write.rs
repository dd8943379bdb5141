//! Issue 15: a sheet's submission reads its checks before the write lock and writes under it only
//! while they still hold. Here what they read changes in between (a conflict declared, the round
//! closed, a sheet stored), at the store and through the API: nothing is written then, and the
//! service answers as the checks under the lock always did.

use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;
use tuinier::store::{assessment, sheet_write};

use crate::common::*;
use crate::intake::stage_at;

fn sheet_body(sheet: &Value) -> Value {
    json!({"knockout": sheet["knockout"], "scores": sheet["scores"], "motivation": sheet["motivation"]})
}

#[tokio::test]
async fn a_sheet_is_written_only_while_what_its_checks_read_still_holds() {
    let app = spawn_app().await;
    let s = load_scenario();
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    let call = r.call_id();
    let call_id = i32::try_from(call).unwrap();
    let now = stage_at(&s["call"], "submission_deadline") + chrono::Duration::seconds(1);
    app.clock.set(now);
    let sheets = s["first_round_scores"].as_array().unwrap();
    let first = &sheets[0];
    let app_id = r.application_id(first["application"].as_str().unwrap()).unwrap();
    let application_id = i32::try_from(app_id).unwrap();
    let (assessor_id, token) = r.assessor(first["assessor"].as_str().unwrap()).unwrap();
    let assessor = i32::try_from(assessor_id).unwrap();
    let db = &app.state.db;

    // What the checks read: the call, the assignment, no conflict, the round open, no sheet yet.
    let facts = sheet_write::scoring_facts(db, application_id, assessor, "first")
        .await
        .unwrap()
        .expect("the application");
    assert_eq!(facts.call_id, call_id);
    assert!(facts.call.is_some() && facts.assigned && !facts.conflict);
    assert!(!facts.closed && !facts.published && !facts.first_published);
    assert!(facts.latest.is_none() && !facts.assessor_name.is_empty());
    assert!(sheet_write::scoring_facts(db, 999_999, assessor, "first").await.unwrap().is_none());

    let open = sheet_write::StillOpen {
        call_id,
        application_id,
        assessor,
        round: "first",
        needs_first_published: false,
    };
    let content = serde_json::to_string(&sheet_body(first)).unwrap();
    let insert = || async {
        let txn = app.state.write().await.unwrap();
        let written =
            sheet_write::insert_submitted_if(&txn, &open, content.clone(), "70.00".into(), now)
                .await
                .unwrap();
        txn.commit().await.unwrap();
        written
    };

    // The round closed in between: nothing written.
    assessment::set_round(db, call_id, "first", Some(now), None).await.unwrap();
    assert!(insert().await.is_none(), "written into a closed round");
    // Open again: written once, as submitted, version 1; a second time finds the sheet.
    assessment::set_round(db, call_id, "first", None, None).await.unwrap();
    let stored = insert().await.expect("written while open");
    assert_eq!(
        (stored.application_id, stored.assessor_id, stored.version, stored.status.as_str()),
        (application_id, assessor, 1, "submitted")
    );
    assert_eq!((stored.total.as_deref(), stored.submitted_at), (Some("70.00"), Some(now)));
    assert!(insert().await.is_none(), "a second version 1");
    let facts =
        sheet_write::scoring_facts(db, application_id, assessor, "first").await.unwrap().unwrap();
    assert_eq!(facts.latest.as_ref().map(|l| l.id), Some(stored.id));

    // The final round needs the first round's outcome published.
    let final_open = sheet_write::StillOpen { round: "final", needs_first_published: true, ..open };
    let txn = app.state.write().await.unwrap();
    let written =
        sheet_write::insert_submitted_if(&txn, &final_open, content.clone(), "70.00".into(), now)
            .await
            .unwrap();
    txn.rollback().await.unwrap();
    assert!(written.is_none(), "a final-round sheet before the first round was published");

    // A conflict declared after another assessor's draft was read: the draft is not submitted,
    // and the API answers 403 as it always did.
    let other = sheets
        .iter()
        .find(|x| x["application"] == first["application"] && x["assessor"] != first["assessor"])
        .unwrap();
    let (other_id, other_token) = r.assessor(other["assessor"].as_str().unwrap()).unwrap();
    let draft_url = format!("/applications/{app_id}/sheets/first/draft");
    app.put(&draft_url, &other_token, &sheet_body(other)).await.ok();
    let draft = sheet_write::scoring_facts(db, application_id, other_id as i32, "first")
        .await
        .unwrap()
        .unwrap()
        .latest
        .expect("the draft");
    assert_eq!(draft.status, "draft");
    let conflict = json!({"assessor_id": other_id, "application_id": app_id, "reason": "Buurman"});
    app.post(&format!("/calls/{call}/conflicts"), &app.staff_token, &conflict).await.ok();
    let other_open = sheet_write::StillOpen { assessor: other_id as i32, ..open };
    let txn = app.state.write().await.unwrap();
    let written = sheet_write::submit_draft_if(
        &txn,
        &other_open,
        draft.id,
        Some(&draft.content),
        draft.content.clone(),
        "70.00".into(),
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert!(written.is_none(), "a draft submitted after a conflict was declared");
    let submit_url = format!("/applications/{app_id}/sheets/first/submit");
    app.post(&submit_url, &other_token, &sheet_body(other)).await.problem(403);

    // The first assessor's sheet is in: submitting again is 409, as before.
    app.post(&submit_url, &token, &sheet_body(first)).await.problem(409);
}
