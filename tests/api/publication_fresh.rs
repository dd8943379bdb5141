//! A publication prepares its outcome before it takes the write lock and only checks inside the
//! lock that nothing was committed meanwhile: a change committed between that preparation and
//! the lock is in what is published (never the outcome computed before it). And the outcome a
//! publication leaves for the reads after it is the one a fresh computation gives.

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tuinier::scenario::Rehearsal;
use tuinier::service::AppState;
use tuinier::service::outcome_cache::call_outcome;
use tuinier::store;

use crate::common::*;
use crate::intake::stage_at;

/// The decision of the line of `region_ref` in a results table or a frozen result.
fn decision_of(lines: &Value, region_ref: &str) -> Value {
    lines
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["ref"] == region_ref)
        .map(|l| l["decision"].clone())
        .unwrap_or(Value::Null)
}

/// The outcome a read takes now equals what a process that never published computes.
async fn remembered_equals_fresh(app: &TestApp, call: i32) {
    let stored = store::calls::call_of(&app.state.db, call).await.unwrap();
    let remembered = call_outcome(&app.state, &stored).await.unwrap();
    let fresh_state = AppState::new(app.state.db.clone(), std::sync::Arc::new(app.clock.clone()));
    let fresh = call_outcome(&fresh_state, &stored).await.unwrap();
    assert_eq!(remembered.input, fresh.input);
    assert_eq!(remembered.result, fresh.result);
    assert_eq!(remembered.published, fresh.published);
}

// Long: one publication raced by a change, checked in its answer, its snapshot and its results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committed_while_the_final_decision_is_prepared_is_in_what_is_published() {
    let s = load_scenario();
    let app = spawn_app().await;
    let mut r = Rehearsal::new(app.base.clone(), app.staff_token.clone(), app.clock.clone(), &s);
    r.setup().await.expect("setup");
    r.intake().await.expect("intake");
    r.first_round().await.expect("first round");
    r.publish_first_round().await.expect("first-round publication");
    let call = i32::try_from(r.call_id()).unwrap();
    remembered_equals_fresh(&app, call).await;
    r.final_round().await.expect("final round");
    app.clock.set(stage_at(&s["call"], "final_decision"));
    let staff = app.staff_token.clone();
    let results = app.get(&format!("/calls/{call}/results?limit=500"), &staff).await;
    // Friesland ranks fifth and is not awarded: its final sheets are about to be replaced by
    // those of the application that ranks first.
    assert_eq!(decision_of(&results.ok()["applications"], "friesland"), "not_awarded");
    let id_of = |r_: &str| i32::try_from(r.application_id(r_).unwrap()).unwrap();
    let (friesland, best) = (id_of("friesland"), id_of("hart-van-brabant"));

    // Every writer waits while this transaction is open; the publication prepares meanwhile.
    let held = app.state.write().await.unwrap();
    let (path, empty) = (format!("/calls/{call}/rounds/final/publish"), json!({}));
    let publish = app.post(&path, &staff, &empty);
    let change = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        use entity::sheet;
        let final_sheets = |id: i32| {
            sheet::Entity::find()
                .filter(sheet::Column::ApplicationId.eq(id))
                .filter(sheet::Column::Round.eq("final"))
                .filter(sheet::Column::Status.eq("submitted"))
                .order_by_asc(sheet::Column::Id)
        };
        let theirs = final_sheets(best).all(&*held).await.unwrap();
        let ours = final_sheets(friesland).all(&*held).await.unwrap();
        assert!(!theirs.is_empty() && !ours.is_empty());
        // A changed row has a new `updated_at`, as every write of the service gives it (the
        // kept facts of a sheet are stamped with it: `store::sheet_memo`).
        let changed_at = app.clock_now() + chrono::Duration::seconds(1);
        for (i, mine) in ours.iter().enumerate() {
            let content = theirs[i % theirs.len()].content.clone();
            sheet::Entity::update_many()
                .col_expr(sheet::Column::Content, Expr::value(content))
                .col_expr(sheet::Column::UpdatedAt, Expr::value(changed_at))
                .filter(sheet::Column::Id.eq(mine.id))
                .exec(&*held)
                .await
                .unwrap();
        }
        held.commit().await.unwrap();
    };
    let (answer, ()) = tokio::join!(publish, change);
    let answer = answer.ok().clone();

    // Published with the change: in the answer, the frozen result and the results after it.
    assert_eq!(decision_of(&answer["applications"], "friesland"), "awarded");
    let snap = store::assessment::snapshot(&app.state.db, call, "final")
        .await
        .unwrap()
        .expect("the final decision is frozen");
    let frozen: Value = serde_json::from_str(&snap.result).unwrap();
    assert_eq!(decision_of(&frozen["applications"], "friesland"), "awarded");
    let after = app.get(&format!("/calls/{call}/results?limit=500"), &staff).await;
    assert_eq!(decision_of(&after.ok()["applications"], "friesland"), "awarded");
    remembered_equals_fresh(&app, call).await;
}
