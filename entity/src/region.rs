use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub r#ref: String,
    pub name: String,
    pub lead_applicant_name: String,
    pub lead_applicant_email: String,
    pub lead_applicant_municipality: String,
    /// JSON: `[{"name": "Nijmegen", "inhabitants": 95174}]`
    #[sea_orm(column_type = "Text")]
    pub municipalities: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
