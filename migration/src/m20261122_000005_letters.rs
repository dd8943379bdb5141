//! Letters (issue 7): the decision letters as issued, and per call the letter settings and
//! templates that override the programme's defaults.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Letters::Table)
                    .col(pk_auto(Letters::Id))
                    .col(integer(Letters::CallId))
                    .col(integer(Letters::ApplicationId))
                    // `award`, `rejection_first_round`, `rejection_final`
                    .col(string(Letters::Kind))
                    // 1 for the letter issued at publication; a correction is the next number.
                    .col(integer(Letters::Number))
                    .col(string(Letters::Reference))
                    .col(string(Letters::Filename))
                    .col(string(Letters::Sha256))
                    .col(blob(Letters::Content))
                    .col(text_null(Letters::CorrectionReason))
                    .col(integer_null(Letters::IssuedBy))
                    .col(timestamp_with_time_zone(Letters::IssuedAt))
                    .to_owned(),
            )
            .await?;
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
        manager
            .create_table(
                Table::create()
                    .table(LetterSettings::Table)
                    .col(pk_auto(LetterSettings::Id))
                    .col(integer_uniq(LetterSettings::CallId))
                    // JSON: the call's own settings (issuing body, legal basis, objection address,
                    // signatory), or null to take the programme's defaults.
                    .col(text_null(LetterSettings::Settings))
                    // JSON: template name → text, for the templates the call overrides.
                    .col(text(LetterSettings::Templates))
                    .col(timestamp_with_time_zone(LetterSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LetterSettings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Letters::Table).to_owned()).await?;
        Ok(())
    }
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
}

#[derive(DeriveIden)]
enum LetterSettings {
    Table,
    Id,
    CallId,
    Settings,
    Templates,
    UpdatedAt,
}
