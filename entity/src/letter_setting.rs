use sea_orm::entity::prelude::*;

/// A call's own letter settings and template overrides; a call without a row takes the
/// programme's defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub call_id: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub settings: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub templates: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
