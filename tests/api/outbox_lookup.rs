//! Issue 15: a publication checks its decision emails against the outbox by their applications'
//! targets, through the index on the target, also when the database's statistics were taken
//! before any email of those kinds existed (as at a call's first publication).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryTrait, Statement};
use tuinier::mail::bulk::{enqueue_many, rows_of_targets};
use tuinier::mail::outbox::{NewEmail, application_target};

use crate::common::*;

#[tokio::test]
async fn a_publications_outbox_look_up_goes_by_target_whatever_the_statistics_say() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let now = at("2022-06-01T09:00:00+02:00");
    let email = |kind: &str, occasion: &str, id: i32| NewEmail {
        kind: kind.into(),
        target: application_target(id),
        occasion: occasion.into(),
        recipient: format!("penvoerder{id}@example.org"),
        subject: "Onderwerp".into(),
        // As long as a decision email's text, so the table has a real email's pages.
        body_text: "Tekst van het besluit. ".repeat(26),
        at: now,
        attachment: None,
    };
    // A call of 10,000 applications, each with its receipt.
    let receipts = (1..=10_000).map(|id| email("submission_receipt", "submission", id)).collect();
    assert_eq!(enqueue_many(db, receipts).await.unwrap(), 10_000);
    // The statistics know the receipts only; the decision emails come after them.
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE outbox").await.unwrap();
    }
    let decided = (1..=3000).map(|id| email("rejection_first_round", "first_round", id)).collect();
    assert_eq!(enqueue_many(db, decided).await.unwrap(), 3000);

    // The next chunk of the publication.
    let chunk: Vec<String> = (3001..=3064).map(application_target).collect();
    let plan = plan_of(db, rows_of_targets(chunk).build(db.get_database_backend())).await;
    assert!(plan.contains("idx_outbox_target"), "the look-up does not go by target:\n{plan}");
}

/// The database's plan of `stmt`, as text.
async fn plan_of(db: &DatabaseConnection, stmt: Statement) -> String {
    let backend = db.get_database_backend();
    let (explain, column) = match backend {
        DbBackend::Postgres => ("EXPLAIN", 0),
        _ => ("EXPLAIN QUERY PLAN", 3),
    };
    let values = stmt.values.map(|v| v.0).unwrap_or_default();
    let sql = format!("{explain} {}", stmt.sql);
    let rows =
        db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
    let lines: Vec<String> =
        rows.iter().map(|r| r.try_get_by_index::<String>(column).unwrap()).collect();
    assert!(!lines.is_empty(), "no plan");
    lines.join("\n")
}
