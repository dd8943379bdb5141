use sea_orm::entity::prelude::*;

/// A published outcome, frozen: its inputs, its result, their hash and the rule version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outcome_snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub call_id: i32,
    /// `first_round` or `final`
    pub stage: String,
    #[sea_orm(column_type = "Text")]
    pub inputs: String,
    #[sea_orm(column_type = "Text")]
    pub result: String,
    pub sha256: String,
    pub rule_version: String,
    pub published_by: Option<i32>,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
