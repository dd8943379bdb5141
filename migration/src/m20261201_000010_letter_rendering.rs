//! Publication that scales (issue 15): a publication stores each letter as `pending` (no content,
//! no SHA-256 yet) and a worker renders it afterwards, one at a time; its bytes and hash are fixed
//! at the first render. What a letter is rendered from beyond the frozen outcome (the call's
//! letter settings, templates and logo as they stood at publication) is frozen once per
//! publication in `letter_batches`.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// On one connection, all or nothing: SQLite's table swap below must not be spread over the
    /// pool's connections (and half of it must never stay behind).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LetterBatches::Table)
                    .col(pk_auto(LetterBatches::Id))
                    .col(integer(LetterBatches::CallId))
                    // `first_round` or `final`: which frozen outcome the letters are written from.
                    .col(string(LetterBatches::Stage))
                    // JSON: the letter settings as they applied at publication.
                    .col(text(LetterBatches::Settings))
                    // JSON: every template (name → text) as it applied at publication.
                    .col(text(LetterBatches::Templates))
                    .col(blob_null(LetterBatches::LogoPng))
                    .col(text_null(LetterBatches::LogoAlt))
                    .col(integer_null(LetterBatches::PublishedBy))
                    // The publisher as the audit trail names them.
                    .col(string(LetterBatches::Actor))
                    .col(timestamp_with_time_zone(LetterBatches::CreatedAt))
                    .to_owned(),
            )
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                manager
                    .get_connection()
                    .execute_unprepared(
                        "ALTER TABLE letters ALTER COLUMN content DROP NOT NULL, \
                         ALTER COLUMN sha256 DROP NOT NULL, ADD COLUMN batch_id integer NULL",
                    )
                    .await?;
            }
            _ => rebuild_letters_sqlite(manager).await?,
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_letters_sha256")
                    .table(Letters::Table)
                    .col(Letters::Sha256)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_letters_sha256").table(Letters::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(LetterBatches::Table).to_owned()).await?;
        Ok(())
    }
}

/// SQLite cannot drop a NOT NULL: the table is made anew with the same columns, copied, swapped.
async fn rebuild_letters_sqlite(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(LettersNew::Table)
                .col(pk_auto(Letters::Id))
                .col(integer(Letters::CallId))
                .col(integer(Letters::ApplicationId))
                .col(string(Letters::Kind))
                .col(integer(Letters::Number))
                .col(string(Letters::Reference))
                .col(string(Letters::Filename))
                // Null while the letter is pending (not rendered yet).
                .col(string_null(Letters::Sha256))
                .col(blob_null(Letters::Content))
                .col(text_null(Letters::CorrectionReason))
                .col(integer_null(Letters::IssuedBy))
                .col(timestamp_with_time_zone(Letters::IssuedAt))
                .col(integer_null(Letters::BatchId))
                .to_owned(),
        )
        .await?;
    let db = manager.get_connection();
    let columns = "id, call_id, application_id, kind, number, reference, filename, sha256, \
                   content, correction_reason, issued_by, issued_at";
    db.execute_unprepared(&format!(
        "INSERT INTO letters_new ({columns}) SELECT {columns} FROM letters"
    ))
    .await?;
    db.execute_unprepared("DROP TABLE letters").await?;
    db.execute_unprepared("ALTER TABLE letters_new RENAME TO letters").await?;
    manager
        .create_index(
            Index::create()
                .name("uq_letters_number")
                .table(Letters::Table)
                .col(Letters::ApplicationId)
                .col(Letters::Kind)
                .col(Letters::Number)
                .unique()
                .to_owned(),
        )
        .await?;
    Ok(())
}

#[derive(DeriveIden)]
enum LetterBatches {
    Table,
    Id,
    CallId,
    Stage,
    Settings,
    Templates,
    LogoPng,
    LogoAlt,
    PublishedBy,
    Actor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LettersNew {
    Table,
}

#[derive(DeriveIden)]
enum Letters {
    Table,
    Id,
    CallId,
    ApplicationId,
    Kind,
    Number,
    Reference,
    Filename,
    Sha256,
    Content,
    CorrectionReason,
    IssuedBy,
    IssuedAt,
    BatchId,
}
