//! A call's letterhead logo (issue 13): a PNG with its alternative text, drawn at the top of the
//! first page of the call's letters. One per call.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LetterLogos::Table)
                    .col(pk_auto(LetterLogos::Id))
                    .col(integer_uniq(LetterLogos::CallId))
                    // The PNG, byte for byte as uploaded.
                    .col(blob(LetterLogos::Content))
                    .col(string(LetterLogos::Sha256))
                    .col(text(LetterLogos::Alt))
                    .col(timestamp_with_time_zone(LetterLogos::UploadedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LetterLogos::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum LetterLogos {
    Table,
    Id,
    CallId,
    Content,
    Sha256,
    Alt,
    UploadedAt,
}
