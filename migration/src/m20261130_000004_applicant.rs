//! Letters a ministry would sign (issue 13): the application names the applying municipality
//! (*penvoerder*) as a legal person with its postal address, and the contact's function. The
//! call's decision settings stay JSON in `letter_settings.settings` (new fields, no new columns).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    // JSON: {"organisation", "address": {"street", "postcode", "city"},
                    // "kvk_number"?, "oin"?}
                    .add_column(text_null(Applications::Applicant))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    .add_column(string_null(Applications::ContactFunction))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    .drop_column(Applications::ContactFunction)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    .drop_column(Applications::Applicant)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Applicant,
    ContactFunction,
}
