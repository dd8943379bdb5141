//! Annual plans and their budget lines.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{annual_plan, annual_plan_line};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::{date_text, parse_money};
use crate::domain::monitoring::PlanLine;
use crate::error::DomainError;

pub async fn insert_plan<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
    year: i32,
    content: String,
    due_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<annual_plan::Model, DbErr> {
    annual_plan::ActiveModel {
        proeftuin_id: Set(proeftuin_id),
        year: Set(year),
        status: Set(crate::domain::monitoring::status::DRAFT.to_string()),
        content: Set(content),
        due_on: Set(date_text(due_on)),
        comments: Set(None),
        submitted_at: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn plan<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<annual_plan::Model>, DbErr> {
    annual_plan::Entity::find_by_id(id).one(db).await
}

pub async fn plan_of_year<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
    year: i32,
) -> Result<Option<annual_plan::Model>, DbErr> {
    annual_plan::Entity::find()
        .filter(annual_plan::Column::ProeftuinId.eq(proeftuin_id))
        .filter(annual_plan::Column::Year.eq(year))
        .one(db)
        .await
}

pub async fn plans<C: ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
) -> Result<Vec<annual_plan::Model>, DbErr> {
    annual_plan::Entity::find()
        .filter(annual_plan::Column::ProeftuinId.eq(proeftuin_id))
        .order_by_asc(annual_plan::Column::Year)
        .all(db)
        .await
}

pub async fn update_plan_content<C: ConnectionTrait>(
    db: &C,
    id: i32,
    content: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    annual_plan::ActiveModel {
        id: Set(id),
        content: Set(content),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Moves a plan from `from` to `to`; `false` when it was not in `from` any more.
pub async fn set_plan_status<C: ConnectionTrait>(
    db: &C,
    id: i32,
    from: &str,
    to: &str,
    comments: Option<Option<String>>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = annual_plan::Entity::update_many()
        .col_expr(annual_plan::Column::Status, Expr::value(to))
        .col_expr(annual_plan::Column::UpdatedAt, Expr::value(now));
    q = if to == crate::domain::monitoring::status::SUBMITTED {
        q.col_expr(annual_plan::Column::SubmittedAt, Expr::value(now))
    } else {
        q.col_expr(annual_plan::Column::DecidedAt, Expr::value(now))
    };
    if let Some(c) = comments {
        q = q.col_expr(annual_plan::Column::Comments, Expr::value(c));
    }
    let r = q
        .filter(annual_plan::Column::Id.eq(id))
        .filter(annual_plan::Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn replace_plan_lines<C: ConnectionTrait>(
    db: &C,
    plan_id: i32,
    lines: &[PlanLine],
) -> Result<(), DbErr> {
    annual_plan_line::Entity::delete_many()
        .filter(annual_plan_line::Column::PlanId.eq(plan_id))
        .exec(db)
        .await?;
    for (i, l) in lines.iter().enumerate() {
        annual_plan_line::ActiveModel {
            plan_id: Set(plan_id),
            position: Set(i as i32),
            description: Set(l.description.clone()),
            total_cost: Set(l.total_cost.to_string()),
            own_contribution: Set(l.own_contribution.to_string()),
            grant_amount: Set(l.grant.to_string()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn plan_lines<C: ConnectionTrait>(
    db: &C,
    plan_id: i32,
) -> Result<Vec<PlanLine>, DomainError> {
    annual_plan_line::Entity::find()
        .filter(annual_plan_line::Column::PlanId.eq(plan_id))
        .order_by_asc(annual_plan_line::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|l| {
            Ok(PlanLine {
                description: l.description,
                total_cost: parse_money(&l.total_cost)?,
                own_contribution: parse_money(&l.own_contribution)?,
                grant: parse_money(&l.grant_amount)?,
            })
        })
        .collect()
}

/// Every annual plan of every proeftuin, in one query (by proeftuin, then year).
pub async fn all_plans<C: ConnectionTrait>(db: &C) -> Result<Vec<annual_plan::Model>, DbErr> {
    annual_plan::Entity::find()
        .order_by_asc(annual_plan::Column::ProeftuinId)
        .order_by_asc(annual_plan::Column::Year)
        .all(db)
        .await
}

/// The grant total of each plan's lines, for these plans, in one query.
pub async fn plan_grant_totals<C: ConnectionTrait>(
    db: &C,
    plan_ids: &[i32],
) -> Result<std::collections::HashMap<i32, crate::domain::money::Money>, DomainError> {
    let mut out = std::collections::HashMap::new();
    if plan_ids.is_empty() {
        return Ok(out);
    }
    let lines = annual_plan_line::Entity::find()
        .filter(annual_plan_line::Column::PlanId.is_in(plan_ids.iter().copied()))
        .all(db)
        .await?;
    for l in lines {
        let e = out.entry(l.plan_id).or_insert(crate::domain::money::Money::ZERO);
        *e = *e + parse_money(&l.grant_amount)?;
    }
    Ok(out)
}
