use sea_orm::entity::prelude::*;

/// An assessor (*beoordelaar*) assigned to a call by programme staff.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_assessors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub call_id: i32,
    pub user_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
