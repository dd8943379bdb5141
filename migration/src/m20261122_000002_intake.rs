//! Intake: applications with their budget lines, partner commitments and documents; the
//! assessors assigned to a call; and the transactional outbox for emails.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(pk_auto(Applications::Id))
                    .col(integer(Applications::CallId))
                    .col(integer(Applications::RegionId))
                    .col(string(Applications::Status))
                    .col(string_null(Applications::Title))
                    .col(text_null(Applications::Summary))
                    .col(string_null(Applications::ContactName))
                    .col(string_null(Applications::ContactEmail))
                    .col(string_null(Applications::ContactPhone))
                    .col(text_null(Applications::Scale))
                    .col(timestamp_with_time_zone(Applications::CreatedAt))
                    .col(timestamp_with_time_zone(Applications::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Applications::SubmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_applications_call")
                            .from(Applications::Table, Applications::CallId)
                            .to(Calls::Table, Calls::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_applications_region")
                            .from(Applications::Table, Applications::RegionId)
                            .to(Regions::Table, Regions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One application per region per call; the service relies on it under concurrent creates.
        manager
            .create_index(
                Index::create()
                    .name("idx_applications_call_region")
                    .table(Applications::Table)
                    .col(Applications::CallId)
                    .col(Applications::RegionId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(pk_auto(Documents::Id))
                    .col(integer(Documents::ApplicationId))
                    .col(string(Documents::Kind))
                    .col(string(Documents::Filename))
                    .col(string(Documents::MediaType))
                    .col(big_integer(Documents::SizeBytes))
                    .col(string(Documents::Sha256))
                    .col(blob(Documents::Content))
                    .col(integer_null(Documents::UploadedBy))
                    .col(timestamp_with_time_zone(Documents::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_documents_application")
                            .from(Documents::Table, Documents::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_documents_application")
                    .table(Documents::Table)
                    .col(Documents::ApplicationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BudgetLines::Table)
                    .col(pk_auto(BudgetLines::Id))
                    .col(integer(BudgetLines::ApplicationId))
                    .col(integer(BudgetLines::Position))
                    .col(integer(BudgetLines::Year))
                    .col(text(BudgetLines::Description))
                    .col(string(BudgetLines::TotalCost))
                    .col(string(BudgetLines::OwnContribution))
                    .col(string(BudgetLines::Requested))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_budget_lines_application")
                            .from(BudgetLines::Table, BudgetLines::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_budget_lines_application_position")
                    .table(BudgetLines::Table)
                    .col(BudgetLines::ApplicationId)
                    .col(BudgetLines::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnerCommitments::Table)
                    .col(pk_auto(PartnerCommitments::Id))
                    .col(integer(PartnerCommitments::ApplicationId))
                    .col(string(PartnerCommitments::Role))
                    .col(string(PartnerCommitments::Organisation))
                    .col(string(PartnerCommitments::SignedBy))
                    .col(date(PartnerCommitments::SignedOn))
                    .col(integer_null(PartnerCommitments::DocumentId))
                    .col(timestamp_with_time_zone(PartnerCommitments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_partner_commitments_application")
                            .from(PartnerCommitments::Table, PartnerCommitments::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_partner_commitments_document")
                            .from(PartnerCommitments::Table, PartnerCommitments::DocumentId)
                            .to(Documents::Table, Documents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_commitments_application_role")
                    .table(PartnerCommitments::Table)
                    .col(PartnerCommitments::ApplicationId)
                    .col(PartnerCommitments::Role)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CallAssessors::Table)
                    .col(pk_auto(CallAssessors::Id))
                    .col(integer(CallAssessors::CallId))
                    .col(integer(CallAssessors::UserId))
                    .col(timestamp_with_time_zone(CallAssessors::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_call_assessors_call")
                            .from(CallAssessors::Table, CallAssessors::CallId)
                            .to(Calls::Table, Calls::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_call_assessors_user")
                            .from(CallAssessors::Table, CallAssessors::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_call_assessors_call_user")
                    .table(CallAssessors::Table)
                    .col(CallAssessors::CallId)
                    .col(CallAssessors::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_auto(Outbox::Id))
                    .col(string(Outbox::Kind))
                    .col(string(Outbox::Target))
                    .col(string(Outbox::Occasion))
                    .col(string(Outbox::Recipient))
                    .col(string(Outbox::Subject))
                    .col(text(Outbox::BodyText))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(text_null(Outbox::LastError))
                    .col(string_uniq(Outbox::MessageId))
                    .col(string_null(Outbox::AttachmentFilename))
                    .col(string_null(Outbox::AttachmentMediaType))
                    .col(blob_null(Outbox::AttachmentContent))
                    .to_owned(),
            )
            .await?;
        // An email is queued once per (kind, target, occasion): the insert ignores a second one.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_kind_target_occasion")
                    .table(Outbox::Table)
                    .col(Outbox::Kind)
                    .col(Outbox::Target)
                    .col(Outbox::Occasion)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // What the delivery worker asks for: queued mail that is due.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Outbox::Table.into_iden(),
            CallAssessors::Table.into_iden(),
            PartnerCommitments::Table.into_iden(),
            BudgetLines::Table.into_iden(),
            Documents::Table.into_iden(),
            Applications::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    CallId,
    RegionId,
    Status,
    Title,
    Summary,
    ContactName,
    ContactEmail,
    ContactPhone,
    Scale,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum BudgetLines {
    Table,
    Id,
    ApplicationId,
    Position,
    Year,
    Description,
    TotalCost,
    OwnContribution,
    Requested,
}

#[derive(DeriveIden)]
enum PartnerCommitments {
    Table,
    Id,
    ApplicationId,
    Role,
    Organisation,
    SignedBy,
    SignedOn,
    DocumentId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    ApplicationId,
    Kind,
    Filename,
    MediaType,
    SizeBytes,
    Sha256,
    Content,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum CallAssessors {
    Table,
    Id,
    CallId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    Target,
    Occasion,
    Recipient,
    Subject,
    BodyText,
    Status,
    Attempts,
    NextAttemptAt,
    CreatedAt,
    SentAt,
    LastError,
    MessageId,
    AttachmentFilename,
    AttachmentMediaType,
    AttachmentContent,
}
