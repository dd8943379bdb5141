//! Frozen outcomes stored deflated (issue 15): at 10,000 applications a snapshot's inputs and
//! result are some 40 MB of JSON, which a publication wrote (and committed) while it held the
//! write lock. New snapshots keep them deflated (zlib) in these columns and leave the text columns
//! empty; earlier snapshots keep their text. Either way the store gives back the same JSON.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [OutcomeSnapshots::InputsDeflated, OutcomeSnapshots::ResultDeflated] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OutcomeSnapshots::Table)
                        .add_column(blob_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [OutcomeSnapshots::InputsDeflated, OutcomeSnapshots::ResultDeflated] {
            manager
                .alter_table(
                    Table::alter().table(OutcomeSnapshots::Table).drop_column(column).to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum OutcomeSnapshots {
    Table,
    InputsDeflated,
    ResultDeflated,
}
