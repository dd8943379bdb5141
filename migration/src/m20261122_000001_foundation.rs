use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .col(pk_auto(Regions::Id))
                    .col(string_uniq(Regions::Ref))
                    .col(string(Regions::Name))
                    .col(string(Regions::LeadApplicantName))
                    .col(string(Regions::LeadApplicantEmail))
                    .col(string(Regions::LeadApplicantMunicipality))
                    .col(text(Regions::Municipalities))
                    .col(timestamp_with_time_zone(Regions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string(Users::Name))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::Role))
                    .col(string_null(Users::Organisation))
                    .col(string_null(Users::Reference))
                    .col(integer_null(Users::RegionId))
                    .col(string_uniq(Users::TokenHash))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_region")
                            .from(Users::Table, Users::RegionId)
                            .to(Regions::Table, Regions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Calls::Table)
                    .col(pk_auto(Calls::Id))
                    .col(string_uniq(Calls::Code))
                    .col(string(Calls::Title))
                    .col(string(Calls::BudgetCeiling))
                    .col(text(Calls::Definition))
                    .col(integer_null(Calls::CreatedBy))
                    .col(timestamp_with_time_zone(Calls::CreatedAt))
                    .col(timestamp_with_time_zone(Calls::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(integer_null(AuditLog::ActorUserId))
                    .col(string(AuditLog::Actor))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::EntityType))
                    .col(string(AuditLog::EntityId))
                    .col(text_null(AuditLog::Reason))
                    .col(text(AuditLog::Details))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_entity")
                    .table(AuditLog::Table)
                    .col(AuditLog::EntityType)
                    .col(AuditLog::EntityId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AuditLog::Table.into_iden(),
            Calls::Table.into_iden(),
            Users::Table.into_iden(),
            Regions::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
    Ref,
    Name,
    LeadApplicantName,
    LeadApplicantEmail,
    LeadApplicantMunicipality,
    Municipalities,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Name,
    Email,
    Role,
    Organisation,
    Reference,
    RegionId,
    TokenHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    Code,
    Title,
    BudgetCeiling,
    Definition,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorUserId,
    Actor,
    Action,
    EntityType,
    EntityId,
    Reason,
    Details,
}
