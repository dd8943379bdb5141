use sea_orm::entity::prelude::*;

/// One line of an application's budget (*begroting*). Amounts are canonical decimal text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    /// The line's place in the budget, from 0.
    pub position: i32,
    pub year: i32,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub total_cost: String,
    pub own_contribution: String,
    pub requested: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
