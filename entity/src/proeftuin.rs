use sea_orm::entity::prelude::*;

/// A funded pilot followed after its award (*proeftuin*). The descriptive record (municipalities,
/// districts, people, emphasis, partners, focus points) is one JSON document; its grants are rows
/// of `proeftuin_grants`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proeftuinen")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub r#ref: String,
    pub name: String,
    pub region_id: i32,
    /// The call (tranche) it was awarded in; `None` for one registered by hand.
    pub call_id: Option<i32>,
    /// The awarded application it was born from; unique, so an award makes one proeftuin.
    #[sea_orm(unique)]
    pub application_id: Option<i32>,
    pub tranche: Option<i32>,
    /// `YYYY-MM-DD`
    pub started_on: String,
    /// `YYYY-MM-DD`, while it is still running `None`.
    pub ends_on: Option<String>,
    /// `quarter`, `half_year` or `year`: the periods it is expected to report on.
    pub reporting: String,
    /// JSON, see `tuinier::domain::monitoring::ProeftuinRecord`.
    #[sea_orm(column_type = "Text")]
    pub record: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
