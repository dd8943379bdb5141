//! Sessions of the web pages (issue 16): a person signs in with their token once and carries a
//! random session secret in a cookie. Only the secret's SHA-256 is stored, with the form token
//! (CSRF) of the session and when it ends.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebSessions::Table)
                    .col(pk_auto(WebSessions::Id))
                    .col(string_uniq(WebSessions::SecretHash))
                    .col(integer(WebSessions::UserId))
                    .col(string(WebSessions::Csrf))
                    .col(timestamp_with_time_zone(WebSessions::CreatedAt))
                    .col(timestamp_with_time_zone(WebSessions::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebSessions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum WebSessions {
    Table,
    Id,
    SecretHash,
    UserId,
    Csrf,
    CreatedAt,
    ExpiresAt,
}
