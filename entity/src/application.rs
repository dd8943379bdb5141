use sea_orm::entity::prelude::*;

/// A region's application on a call: one per (call, region). Its budget lines, partner
/// commitments and documents live in their own tables.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub call_id: i32,
    pub region_id: i32,
    /// `draft` or `submitted`; later stages add more.
    pub status: String,
    pub title: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_function: Option<String>,
    /// JSON: the applying municipality with its postal address (`domain::applicant::Applicant`).
    #[sea_orm(column_type = "Text", nullable)]
    pub applicant: Option<String>,
    /// JSON: `{"municipalities": [{"name", "inhabitants"}], "inhabitants": n, "districts": [..]}`
    #[sea_orm(column_type = "Text", nullable)]
    pub scale: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
