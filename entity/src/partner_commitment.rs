use sea_orm::entity::prelude::*;

/// A partner's signed commitment (*bestuurlijk draagvlak*): one per (application, role).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_commitments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    /// `municipality`, `local_team`, `veilig_thuis`, `certified_institution`,
    /// `child_protection_board`
    pub role: String,
    pub organisation: String,
    pub signed_by: String,
    pub signed_on: Date,
    /// The signed document, if uploaded (a document of kind `commitment`).
    pub document_id: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
