use sea_orm::entity::prelude::*;

/// One grant a proeftuin received (an award, or an earlier grant registered by hand).
/// The amount is canonical decimal text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proeftuin_grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub proeftuin_id: i32,
    pub call_id: Option<i32>,
    pub application_id: Option<i32>,
    pub amount: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// `YYYY-MM-DD`
    pub granted_on: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
