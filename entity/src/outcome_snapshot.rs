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
    /// The inputs' JSON; empty when they are stored deflated (`inputs_deflated`).
    #[sea_orm(column_type = "Text")]
    pub inputs: String,
    /// The result's JSON; empty when it is stored deflated (`result_deflated`).
    #[sea_orm(column_type = "Text")]
    pub result: String,
    pub sha256: String,
    pub rule_version: String,
    pub published_by: Option<i32>,
    pub published_at: DateTimeUtc,
    /// The inputs' JSON deflated (zlib), for snapshots frozen since 2026-12.
    #[sea_orm(column_type = "Blob", nullable)]
    pub inputs_deflated: Option<Vec<u8>>,
    /// The result's JSON deflated (zlib), for snapshots frozen since 2026-12.
    #[sea_orm(column_type = "Blob", nullable)]
    pub result_deflated: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
