//! A covering index for the read every computation of an unpublished outcome makes: the stamps
//! of a call's submitted sheets, by application, assessor and version. Without it each row was
//! looked up in the table, whose rows carry the sheet's JSON (some 1.5 kB): at 10,000
//! applications the read went through 50,000 rows spread over most of the table's pages.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_sheets_stamps";

/// In the order of the read (`store::assessment::submitted_stamps_of`), then what it filters on
/// and returns.
const COLUMNS: [&str; 8] = [
    "application_id",
    "assessor_id",
    "version",
    "status",
    "round",
    "submitted_at",
    "updated_at",
    "id",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut index = Index::create();
        index.name(NAME).table(Alias::new("sheets")).if_not_exists();
        for c in COLUMNS {
            index.col(Alias::new(c));
        }
        manager.create_index(index.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NAME).table(Alias::new("sheets")).to_owned()).await
    }
}
