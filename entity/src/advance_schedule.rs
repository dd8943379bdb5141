use sea_orm::entity::prelude::*;

/// A proeftuin's advance schedule: the share of the grant that may be advanced before the
/// settlement, and the planned instalments (JSON).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advance_schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub proeftuin_id: i32,
    pub max_share_percent: i32,
    #[sea_orm(column_type = "Text")]
    pub instalments: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
