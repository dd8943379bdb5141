use sea_orm::entity::prelude::*;

/// One version of an assessor's scoring sheet on an application in a round. A correction is a
/// new version; the previous one is kept as `superseded`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sheets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    pub assessor_id: i32,
    /// `first` or `final`
    pub round: String,
    pub version: i32,
    /// `draft`, `submitted` or `superseded`
    pub status: String,
    /// JSON: the sheet as the assessor filled it.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// Canonical decimal text, once submitted.
    pub total: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub correction_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
