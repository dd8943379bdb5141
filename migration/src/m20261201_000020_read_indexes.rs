//! Indexes for the lookups the hot paths make that no earlier index (or its leading columns)
//! serves: an assessor's sheets, a call's decisions, conflicts and letters, the consensus notes of
//! applications, a call's applications by status, a region's applications, the emails to one
//! target, a proeftuin's grants, a user's audit lines.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(index, table, columns)`.
const INDEXES: [(&str, &str, &[&str]); 10] = [
    ("idx_sheets_assessor_round", "sheets", &["assessor_id", "round"]),
    ("idx_decisions_call_application", "decisions", &["call_id", "application_id"]),
    ("idx_conflicts_call", "conflicts", &["call_id"]),
    ("idx_consensus_notes_application", "consensus_notes", &["application_id"]),
    ("idx_applications_call_status", "applications", &["call_id", "status"]),
    ("idx_applications_region", "applications", &["region_id"]),
    ("idx_letters_call", "letters", &["call_id"]),
    ("idx_outbox_target", "outbox", &["target"]),
    ("idx_proeftuin_grants_proeftuin", "proeftuin_grants", &["proeftuin_id"]),
    ("idx_audit_actor", "audit_log", &["actor_user_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table)).if_not_exists();
            for c in columns {
                index.col(Alias::new(*c));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
