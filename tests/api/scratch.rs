//! The harness itself: a test's database goes with the test (the SQLite file's directory, or the
//! PostgreSQL database made for it), so a developer's own server does not gather one per test.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::common::*;

/// Whether PostgreSQL (reached by its admin URL) has a database of this name.
async fn exists(admin: &str, name: &str) -> bool {
    let conn = sea_orm::Database::connect(admin).await.unwrap();
    let sql = "SELECT 1 FROM pg_database WHERE datname = $1";
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, [name.into()]);
    let found = conn.query_one_raw(stmt).await.unwrap().is_some();
    conn.close().await.unwrap();
    found
}

#[tokio::test]
async fn a_tests_database_goes_when_the_test_is_done() {
    let (url, scratch) = fresh_database().await;
    let db = sea_orm::Database::connect(url.as_str()).await.unwrap();
    db.execute_unprepared("CREATE TABLE kept (id INTEGER)").await.unwrap();
    match &scratch {
        Scratch::Dir(dir) => {
            let path = dir.path().to_path_buf();
            assert!(path.join("test.sqlite").is_file());
            drop(db);
            drop(scratch);
            assert!(!path.exists(), "{} is still there", path.display());
        }
        Scratch::Postgres { admin, name } => {
            let (admin, name) = (admin.clone(), name.clone());
            assert!(exists(&admin, &name).await, "{name} was not made");
            // While a connection to it is still open, as a test's pool may be.
            drop(scratch);
            assert!(!exists(&admin, &name).await, "{name} is still there");
            drop(db);
        }
    }
}
