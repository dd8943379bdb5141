use sea_orm::entity::prelude::*;

/// One budget line of an annual plan. Amounts are canonical decimal text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annual_plan_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_id: i32,
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub total_cost: String,
    pub own_contribution: String,
    /// Paid from the programme's grant.
    pub grant_amount: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
