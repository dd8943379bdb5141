use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Conflicts::Table)
                    .col(pk_auto(Conflicts::Id))
                    .col(integer(Conflicts::CallId))
                    .col(integer(Conflicts::AssessorId))
                    .col(integer(Conflicts::ApplicationId))
                    .col(text(Conflicts::Reason))
                    .col(timestamp_with_time_zone(Conflicts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_conflicts")
                    .table(Conflicts::Table)
                    .col(Conflicts::AssessorId)
                    .col(Conflicts::ApplicationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sheets::Table)
                    .col(pk_auto(Sheets::Id))
                    .col(integer(Sheets::ApplicationId))
                    .col(integer(Sheets::AssessorId))
                    .col(string(Sheets::Round))
                    .col(integer(Sheets::Version))
                    .col(string(Sheets::Status))
                    .col(text(Sheets::Content))
                    .col(string_null(Sheets::Total))
                    .col(text_null(Sheets::CorrectionReason))
                    .col(timestamp_with_time_zone(Sheets::CreatedAt))
                    .col(timestamp_with_time_zone(Sheets::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Sheets::SubmittedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_sheets_version")
                    .table(Sheets::Table)
                    .col(Sheets::ApplicationId)
                    .col(Sheets::AssessorId)
                    .col(Sheets::Round)
                    .col(Sheets::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rounds::Table)
                    .col(pk_auto(Rounds::Id))
                    .col(integer(Rounds::CallId))
                    .col(string(Rounds::Round))
                    .col(timestamp_with_time_zone_null(Rounds::ClosedAt))
                    .col(timestamp_with_time_zone_null(Rounds::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_rounds")
                    .table(Rounds::Table)
                    .col(Rounds::CallId)
                    .col(Rounds::Round)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Decisions::Table)
                    .col(pk_auto(Decisions::Id))
                    .col(integer(Decisions::CallId))
                    .col(integer_null(Decisions::ApplicationId))
                    .col(string(Decisions::Kind))
                    .col(text(Decisions::Value))
                    .col(text(Decisions::Reason))
                    .col(integer_null(Decisions::DecidedBy))
                    .col(timestamp_with_time_zone(Decisions::DecidedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsensusNotes::Table)
                    .col(pk_auto(ConsensusNotes::Id))
                    .col(integer(ConsensusNotes::ApplicationId))
                    .col(string(ConsensusNotes::Round))
                    .col(text(ConsensusNotes::Note))
                    .col(integer_null(ConsensusNotes::WrittenBy))
                    .col(timestamp_with_time_zone(ConsensusNotes::WrittenAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutcomeSnapshots::Table)
                    .col(pk_auto(OutcomeSnapshots::Id))
                    .col(integer(OutcomeSnapshots::CallId))
                    .col(string(OutcomeSnapshots::Stage))
                    .col(text(OutcomeSnapshots::Inputs))
                    .col(text(OutcomeSnapshots::Result))
                    .col(string(OutcomeSnapshots::Sha256))
                    .col(string(OutcomeSnapshots::RuleVersion))
                    .col(integer_null(OutcomeSnapshots::PublishedBy))
                    .col(timestamp_with_time_zone(OutcomeSnapshots::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_outcome_snapshots")
                    .table(OutcomeSnapshots::Table)
                    .col(OutcomeSnapshots::CallId)
                    .col(OutcomeSnapshots::Stage)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            OutcomeSnapshots::Table.into_iden(),
            ConsensusNotes::Table.into_iden(),
            Decisions::Table.into_iden(),
            Rounds::Table.into_iden(),
            Sheets::Table.into_iden(),
            Conflicts::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Conflicts {
    Table,
    Id,
    CallId,
    AssessorId,
    ApplicationId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sheets {
    Table,
    Id,
    ApplicationId,
    AssessorId,
    Round,
    Version,
    Status,
    Content,
    Total,
    CorrectionReason,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
    CallId,
    Round,
    ClosedAt,
    PublishedAt,
}

/// Recorded decisions of programme staff, append-only: knock-out verdicts, tie settlements,
/// manual allocations. The latest of a kind for an application (or call) is in force.
#[derive(DeriveIden)]
enum Decisions {
    Table,
    Id,
    CallId,
    ApplicationId,
    Kind,
    Value,
    Reason,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum ConsensusNotes {
    Table,
    Id,
    ApplicationId,
    Round,
    Note,
    WrittenBy,
    WrittenAt,
}

#[derive(DeriveIden)]
enum OutcomeSnapshots {
    Table,
    Id,
    CallId,
    Stage,
    Inputs,
    Result,
    Sha256,
    RuleVersion,
    PublishedBy,
    PublishedAt,
}
