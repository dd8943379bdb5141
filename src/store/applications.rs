//! Applications with their budget lines and partner commitments. Amounts are canonical decimal
//! text and are summed in Rust, never in SQL.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{application, budget_line, partner_commitment};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::application::{
    ApplicationForm, BudgetLine, Contact, Scale, requested_total as sum_requested, status,
};
use crate::domain::money::Money;
use crate::error::DomainError;

pub async fn by_id<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<application::Model>, DbErr> {
    application::Entity::find_by_id(id).one(db).await
}

/// These applications, in one query (a batch of letters).
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<Vec<application::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    application::Entity::find()
        .filter(application::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

pub async fn by_call_and_region<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    region_id: i32,
) -> Result<Option<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::CallId.eq(call_id))
        .filter(application::Column::RegionId.eq(region_id))
        .one(db)
        .await
}

/// Every application of a call, in a stable order (by id).
pub async fn list_for_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::CallId.eq(call_id))
        .order_by_asc(application::Column::Id)
        .all(db)
        .await
}

/// A submitted application with what a call's outcome needs of it and of its region.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct SubmittedRow {
    pub id: i32,
    pub call_id: i32,
    pub region_id: i32,
    pub status: String,
    pub submitted_at: Option<DateTime<Utc>>,
    /// `None` when the region's row is missing.
    pub region_ref: Option<String>,
    pub region_name: Option<String>,
    pub lead_applicant_email: Option<String>,
}

/// A call's applications past the draft with their regions, by id: one query of the few columns
/// an outcome reads (not every application's texts and every region's municipalities).
pub async fn submitted_of_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
) -> Result<Vec<SubmittedRow>, DbErr> {
    use sea_orm::FromQueryResult;
    let backend = db.get_database_backend();
    let param = if backend == sea_orm::DbBackend::Postgres { "$1" } else { "?" };
    let sql = format!(
        "SELECT a.id, a.call_id, a.region_id, a.status, a.submitted_at, r.\"ref\" AS region_ref, r.name AS region_name, r.lead_applicant_email FROM applications a LEFT JOIN regions r ON r.id = a.region_id WHERE a.call_id = {param} AND a.status <> 'draft' ORDER BY a.id"
    );
    let stmt = sea_orm::Statement::from_sql_and_values(backend, sql, [call_id.into()]);
    SubmittedRow::find_by_statement(stmt).all(db).await
}

/// A call's applications of these regions, in one query.
pub async fn of_call_and_regions<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    region_ids: &[i32],
) -> Result<Vec<application::Model>, DbErr> {
    if region_ids.is_empty() {
        return Ok(Vec::new());
    }
    application::Entity::find()
        .filter(application::Column::CallId.eq(call_id))
        .filter(application::Column::RegionId.is_in(region_ids.iter().copied()))
        .order_by_asc(application::Column::Id)
        .all(db)
        .await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub region_id: Option<i32>,
    /// Leaves drafts out (what an assessor may see).
    pub submitted_only: bool,
    /// Applications left out (an assessor's declared conflicts of interest).
    pub excluded: Vec<i32>,
    pub limit: u64,
    pub offset: u64,
}

/// One page of a call's applications by id, and how many match in all.
pub async fn page_for_call<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    f: &Filter,
) -> Result<(Vec<application::Model>, u64), DbErr> {
    let mut q = application::Entity::find().filter(application::Column::CallId.eq(call_id));
    if let Some(s) = &f.status {
        q = q.filter(application::Column::Status.eq(s.clone()));
    }
    if let Some(r) = f.region_id {
        q = q.filter(application::Column::RegionId.eq(r));
    }
    if f.submitted_only {
        q = q.filter(application::Column::Status.ne(status::DRAFT));
    }
    if !f.excluded.is_empty() {
        q = q.filter(application::Column::Id.is_not_in(f.excluded.iter().copied()));
    }
    let total = q.clone().count(db).await?;
    let rows =
        q.order_by_asc(application::Column::Id).offset(f.offset).limit(f.limit).all(db).await?;
    Ok((rows, total))
}

pub async fn insert_draft<C: ConnectionTrait>(
    db: &C,
    call_id: i32,
    region_id: i32,
    now: DateTime<Utc>,
) -> Result<application::Model, DbErr> {
    application::ActiveModel {
        call_id: Set(call_id),
        region_id: Set(region_id),
        status: Set(status::DRAFT.to_string()),
        title: Set(None),
        summary: Set(None),
        contact_name: Set(None),
        contact_email: Set(None),
        contact_phone: Set(None),
        contact_function: Set(None),
        applicant: Set(None),
        scale: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Marks a draft as changed at `now`, only while it is still a draft; `false` if it is not.
/// Being an UPDATE, it also locks the row until the transaction ends, so a concurrent submission
/// and edit of the same application take turns instead of interleaving.
pub async fn claim_draft<C: ConnectionTrait>(
    db: &C,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = application::Entity::update_many()
        .col_expr(application::Column::UpdatedAt, Expr::value(now))
        .filter(application::Column::Id.eq(id))
        .filter(application::Column::Status.eq(status::DRAFT))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Draft → submitted at `now`; `false` if it was not a draft.
pub async fn mark_submitted<C: ConnectionTrait>(
    db: &C,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = application::Entity::update_many()
        .col_expr(application::Column::Status, Expr::value(status::SUBMITTED))
        .col_expr(application::Column::SubmittedAt, Expr::value(now))
        .col_expr(application::Column::UpdatedAt, Expr::value(now))
        .filter(application::Column::Id.eq(id))
        .filter(application::Column::Status.eq(status::DRAFT))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Sets the status (for the stages after intake) and the time of the change.
pub async fn set_status<C: ConnectionTrait>(
    db: &C,
    id: i32,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    application::ActiveModel {
        id: Set(id),
        status: Set(status.to_string()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// The form as stored in the application's columns.
pub fn form_of(m: &application::Model) -> Result<ApplicationForm, DomainError> {
    let contact = match (&m.contact_name, &m.contact_email) {
        (Some(name), Some(email)) => Some(Contact {
            name: name.clone(),
            email: email.clone(),
            phone: m.contact_phone.clone(),
            function: m.contact_function.clone(),
        }),
        _ => None,
    };
    let scale: Option<Scale> =
        m.scale.as_deref().map(serde_json::from_str).transpose().map_err(DomainError::internal)?;
    let applicant = m
        .applicant
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(DomainError::internal)?;
    Ok(ApplicationForm {
        title: m.title.clone(),
        summary: m.summary.clone(),
        contact,
        scale,
        applicant,
    })
}

pub async fn write_form<C: ConnectionTrait>(
    db: &C,
    id: i32,
    form: &ApplicationForm,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let scale = form
        .scale
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(DomainError::internal)?;
    let contact = form.contact.as_ref();
    application::ActiveModel {
        id: Set(id),
        title: Set(form.title.clone()),
        summary: Set(form.summary.clone()),
        contact_name: Set(contact.map(|c| c.name.clone())),
        contact_email: Set(contact.map(|c| c.email.clone())),
        contact_phone: Set(contact.and_then(|c| c.phone.clone())),
        contact_function: Set(contact.and_then(|c| c.function.clone())),
        applicant: Set(form
            .applicant
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(DomainError::internal)?),
        scale: Set(scale),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

fn line_of(m: budget_line::Model) -> Result<BudgetLine, DomainError> {
    let amount = |s: &str| Money::parse(s).map_err(DomainError::internal);
    Ok(BudgetLine {
        year: m.year,
        description: m.description,
        total_cost: amount(&m.total_cost)?,
        own_contribution: amount(&m.own_contribution)?,
        requested: amount(&m.requested)?,
    })
}

/// The budget lines of an application, in their order.
pub async fn budget_lines<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<Vec<BudgetLine>, DomainError> {
    budget_line::Entity::find()
        .filter(budget_line::Column::ApplicationId.eq(application_id))
        .order_by_asc(budget_line::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(line_of)
        .collect()
}

/// Replaces the whole budget: the old lines go, the new ones come in their order.
pub async fn replace_budget<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    lines: &[BudgetLine],
) -> Result<(), DbErr> {
    budget_line::Entity::delete_many()
        .filter(budget_line::Column::ApplicationId.eq(application_id))
        .exec(db)
        .await?;
    if lines.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(lines.len());
    for (position, l) in (0i32..).zip(lines) {
        rows.push(budget_line::ActiveModel {
            application_id: Set(application_id),
            position: Set(position),
            year: Set(l.year),
            description: Set(l.description.clone()),
            total_cost: Set(l.total_cost.to_string()),
            own_contribution: Set(l.own_contribution.to_string()),
            requested: Set(l.requested.to_string()),
            ..Default::default()
        });
    }
    budget_line::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// The amount an application requests: the sum of its lines' `requested`, exact.
pub async fn requested_total<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<Money, DomainError> {
    Ok(sum_requested(&budget_lines(db, application_id).await?))
}

/// The requested totals of several applications at once (zero for one without lines).
pub async fn requested_totals<C: ConnectionTrait>(
    db: &C,
    application_ids: &[i32],
) -> Result<HashMap<i32, Money>, DomainError> {
    let mut totals: HashMap<i32, Money> =
        application_ids.iter().map(|id| (*id, Money::ZERO)).collect();
    if application_ids.is_empty() {
        return Ok(totals);
    }
    let rows: Vec<(i32, String)> = budget_line::Entity::find()
        .select_only()
        .column(budget_line::Column::ApplicationId)
        .column(budget_line::Column::Requested)
        .filter(budget_line::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    for (id, requested) in rows {
        let amount = Money::parse(&requested).map_err(DomainError::internal)?;
        let total = totals.entry(id).or_insert(Money::ZERO);
        *total = total
            .checked_add(amount)
            .ok_or_else(|| DomainError::internal("requested total overflows"))?;
    }
    Ok(totals)
}

/// The partner commitments of an application, by role name.
pub async fn commitments<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
) -> Result<Vec<partner_commitment::Model>, DbErr> {
    partner_commitment::Entity::find()
        .filter(partner_commitment::Column::ApplicationId.eq(application_id))
        .order_by_asc(partner_commitment::Column::Id)
        .all(db)
        .await
}

#[derive(Debug, Clone)]
pub struct Commitment {
    pub role: String,
    pub organisation: String,
    pub signed_by: String,
    pub signed_on: NaiveDate,
    pub document_id: Option<i32>,
}

/// Records a role's commitment, replacing an earlier one of that role.
pub async fn put_commitment<C: ConnectionTrait>(
    db: &C,
    application_id: i32,
    c: &Commitment,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let existing = partner_commitment::Entity::find()
        .filter(partner_commitment::Column::ApplicationId.eq(application_id))
        .filter(partner_commitment::Column::Role.eq(c.role.clone()))
        .one(db)
        .await?;
    let mut row = partner_commitment::ActiveModel {
        application_id: Set(application_id),
        role: Set(c.role.clone()),
        organisation: Set(c.organisation.clone()),
        signed_by: Set(c.signed_by.clone()),
        signed_on: Set(c.signed_on),
        document_id: Set(c.document_id),
        updated_at: Set(now),
        ..Default::default()
    };
    match existing {
        Some(e) => {
            row.id = Set(e.id);
            row.update(db).await?;
        }
        None => {
            row.insert(db).await?;
        }
    }
    Ok(())
}

/// Whether a document is a commitment's signed copy (then it cannot be removed).
pub async fn commitment_with_document<C: ConnectionTrait>(
    db: &C,
    document_id: i32,
) -> Result<Option<partner_commitment::Model>, DbErr> {
    partner_commitment::Entity::find()
        .filter(partner_commitment::Column::DocumentId.eq(document_id))
        .one(db)
        .await
}
