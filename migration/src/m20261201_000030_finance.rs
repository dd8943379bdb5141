//! Grant finance (issue 17): advance schedules, advances, payments and settlements. Amounts are
//! canonical decimal text (exact on SQLite and PostgreSQL alike); dates are `YYYY-MM-DD`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdvanceSchedules::Table)
                    .col(pk_auto(AdvanceSchedules::Id))
                    .col(integer_uniq(AdvanceSchedules::ProeftuinId))
                    .col(integer(AdvanceSchedules::MaxSharePercent))
                    // JSON: the planned instalments (due date, amount, report it waits for).
                    .col(text(AdvanceSchedules::Instalments))
                    .col(timestamp_with_time_zone(AdvanceSchedules::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Advances::Table)
                    .col(pk_auto(Advances::Id))
                    .col(integer(Advances::ProeftuinId))
                    .col(integer(Advances::Number))
                    .col(string(Advances::Amount))
                    .col(string_null(Advances::AgainstPeriod))
                    .col(text(Advances::Description))
                    .col(text_null(Advances::OverdueReason))
                    .col(string(Advances::DecidedOn))
                    .col(timestamp_with_time_zone(Advances::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("advances_proeftuin_number")
                    .table(Advances::Table)
                    .col(Advances::ProeftuinId)
                    .col(Advances::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Settlements::Table)
                    .col(pk_auto(Settlements::Id))
                    .col(integer(Settlements::ProeftuinId))
                    .col(integer(Settlements::Number))
                    .col(integer_null(Settlements::RevisesId))
                    .col(text_null(Settlements::Reason))
                    .col(string(Settlements::GrantAmount))
                    .col(string(Settlements::Realised))
                    .col(string(Settlements::OwnContribution))
                    .col(string(Settlements::Settled))
                    .col(string(Settlements::Paid))
                    // Signed: `settled − paid`.
                    .col(string(Settlements::Balance))
                    // JSON: the years and the grounds as decided.
                    .col(text(Settlements::Years))
                    .col(text(Settlements::Grounds))
                    .col(string(Settlements::DecidedOn))
                    .col(timestamp_with_time_zone(Settlements::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("settlements_proeftuin_number")
                    .table(Settlements::Table)
                    .col(Settlements::ProeftuinId)
                    .col(Settlements::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FinancePayments::Table)
                    .col(pk_auto(FinancePayments::Id))
                    .col(integer(FinancePayments::ProeftuinId))
                    // `advance`, `settlement` (the balance paid) or `repayment` (reclaimed).
                    .col(string(FinancePayments::Kind))
                    .col(integer_null(FinancePayments::AdvanceId))
                    .col(integer_null(FinancePayments::SettlementId))
                    .col(string(FinancePayments::Amount))
                    .col(string(FinancePayments::PaidOn))
                    .col(string(FinancePayments::BankReference))
                    .col(timestamp_with_time_zone(FinancePayments::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FinancePayments::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Settlements::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Advances::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AdvanceSchedules::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AdvanceSchedules {
    Table,
    Id,
    ProeftuinId,
    MaxSharePercent,
    Instalments,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Advances {
    Table,
    Id,
    ProeftuinId,
    Number,
    Amount,
    AgainstPeriod,
    Description,
    OverdueReason,
    DecidedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Settlements {
    Table,
    Id,
    ProeftuinId,
    Number,
    RevisesId,
    Reason,
    GrantAmount,
    Realised,
    OwnContribution,
    Settled,
    Paid,
    Balance,
    Years,
    Grounds,
    DecidedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FinancePayments {
    Table,
    Id,
    ProeftuinId,
    Kind,
    AdvanceId,
    SettlementId,
    Amount,
    PaidOn,
    BankReference,
    CreatedAt,
}
