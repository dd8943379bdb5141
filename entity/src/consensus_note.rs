use sea_orm::entity::prelude::*;

/// A note from a consensus talk on a flagged application.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consensus_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    pub round: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub written_by: Option<i32>,
    pub written_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
