//! The demo (issue 12): a database created by `serve --demo` says so, and keeps how far its
//! rehearsal clock was moved forward. Only such a database accepts `POST /demo/clock`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DemoDatabase::Table)
                    .col(pk_auto(DemoDatabase::Id))
                    // When `serve --demo` seeded this (then empty) database.
                    .col(timestamp_with_time_zone(DemoDatabase::CreatedAt))
                    // How far the demo clock runs ahead of the real one, in seconds (never
                    // negative).
                    .col(big_integer(DemoDatabase::ClockOffsetSeconds).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DemoDatabase::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DemoDatabase {
    Table,
    Id,
    CreatedAt,
    ClockOffsetSeconds,
}
