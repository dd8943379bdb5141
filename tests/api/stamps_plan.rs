//! Issue 15: every computation of an unpublished outcome reads the stamps of the call's submitted
//! sheets; on SQLite that read is answered from its covering index, without the table's rows
//! (each carries the sheet's JSON, so at 10,000 applications the rows it would visit lie on most
//! of the table's pages).

use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement};
use tuinier::store::assessment::stamps_of;

use crate::common::*;

#[tokio::test]
async fn the_sheet_stamps_are_read_from_their_covering_index() {
    let (app, r, s) = first_round_in().await;
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let ids: Vec<i32> = s["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| r.application_id(a["ref"].as_str()?).ok())
        .map(|id| i32::try_from(id).unwrap())
        .collect();
    assert!(ids.len() > 3, "{ids:?}");
    let stmt = stamps_of(&ids).build(backend);
    // The read gives what the computation needs: the stamps of every submitted sheet.
    let rows = tuinier::store::assessment::submitted_stamps_of(db, &ids).await.unwrap();
    assert!(rows.len() >= ids.len(), "{} stamps for {} applications", rows.len(), ids.len());
    if backend != DbBackend::Sqlite {
        // PostgreSQL reads the table for rows it has not marked all-visible yet whatever the
        // index; the index is there for it too, the plan is its own.
        return;
    }
    let values = stmt.values.map(|v| v.0).unwrap_or_default();
    let explain = format!("EXPLAIN QUERY PLAN {}", stmt.sql);
    let plan: Vec<String> = db
        .query_all_raw(Statement::from_sql_and_values(backend, explain, values))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(3).unwrap())
        .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("USING COVERING INDEX idx_sheets_stamps") && !plan.contains("TEMP B-TREE"),
        "the stamps are not read from their covering index, in their order:\n{plan}"
    );
}
