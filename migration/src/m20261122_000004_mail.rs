//! Mail delivery: the HTML alternative of each queued email, the sender it went out with, and a
//! lease so that several workers (or service instances) never deliver one row twice.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per ALTER: SQLite adds only one column per statement.
        for column in [
            ColumnDef::new(Outbox::BodyHtml).text().null().to_owned(),
            ColumnDef::new(Outbox::SentFrom).string().null().to_owned(),
            ColumnDef::new(Outbox::LeaseUntil).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Outbox::LeasedBy).string().null().to_owned(),
        ] {
            let mut column = column;
            manager
                .alter_table(Table::alter().table(Outbox::Table).add_column(&mut column).to_owned())
                .await?;
        }
        // What the worker claims besides queued mail: rows whose lease ran out (a worker died).
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_status_lease")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::LeaseUntil)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("idx_outbox_status_lease").table(Outbox::Table).to_owned(),
            )
            .await?;
        for column in [Outbox::BodyHtml, Outbox::SentFrom, Outbox::LeaseUntil, Outbox::LeasedBy] {
            manager
                .alter_table(Table::alter().table(Outbox::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Status,
    BodyHtml,
    SentFrom,
    LeaseUntil,
    LeasedBy,
}
