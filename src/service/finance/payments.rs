//! The payment record: what was paid (or paid back), when, with the bank's reference.

use chrono::NaiveDate;
use entity::finance_payment;
use serde::Serialize;
use serde_json::json;

use super::figures::payment_kind;
use super::{date_text, for_staff, readable};
use crate::domain::money::Money;
use crate::error::{DomainError, FieldError};
use crate::service::auth::Principal;
use crate::service::{AppState, audit};
use crate::store::finance as db;
use crate::store::monitoring::{parse_date, parse_money};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub id: i32,
    pub proeftuin_id: i32,
    pub kind: String,
    pub advance_id: Option<i32>,
    pub settlement_id: Option<i32>,
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
}

fn payment_of(p: finance_payment::Model) -> Result<Payment, DomainError> {
    Ok(Payment {
        id: p.id,
        proeftuin_id: p.proeftuin_id,
        amount: parse_money(&p.amount)?,
        paid_on: parse_date(&p.paid_on)?,
        kind: p.kind,
        advance_id: p.advance_id,
        settlement_id: p.settlement_id,
        bank_reference: p.bank_reference,
    })
}

#[derive(Debug, Clone)]
pub struct PaymentInput {
    pub kind: String,
    pub advance_id: Option<i32>,
    pub settlement_id: Option<i32>,
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
}

/// What is still open of the decision a payment is for: an advance's amount less what was paid
/// on it; a settlement's balance (to pay or to reclaim) less what was paid or repaid on it.
async fn open_amount<C: sea_orm::ConnectionTrait>(
    db: &C,
    proeftuin_id: i32,
    input: &PaymentInput,
) -> Result<Money, DomainError> {
    let paid_on = |rows: &[finance_payment::Model], f: &dyn Fn(&finance_payment::Model) -> bool| {
        rows.iter()
            .filter(|r| f(r))
            .map(|r| parse_money(&r.amount))
            .sum::<Result<Money, DomainError>>()
    };
    let rows = db::payments(db, Some(proeftuin_id)).await?;
    let wrong = |field: &str, msg: &str| DomainError::invalid(field, msg);
    match input.kind.as_str() {
        payment_kind::ADVANCE => {
            let id =
                input.advance_id.ok_or_else(|| wrong("advance_id", "which advance was paid"))?;
            let a = db::advance(db, id)
                .await?
                .filter(|a| a.proeftuin_id == proeftuin_id)
                .ok_or_else(|| wrong("advance_id", "no such advance of this proeftuin"))?;
            Ok(parse_money(&a.amount)? - paid_on(&rows, &|r| r.advance_id == Some(id))?)
        }
        _ => {
            let id = input
                .settlement_id
                .ok_or_else(|| wrong("settlement_id", "which settlement the balance is of"))?;
            let s = db::settlement(db, id)
                .await?
                .filter(|s| s.proeftuin_id == proeftuin_id)
                .ok_or_else(|| wrong("settlement_id", "no such settlement of this proeftuin"))?;
            let balance = db::parse_signed(&s.balance)?;
            let done = paid_on(&rows, &|r| r.settlement_id == Some(id) && r.kind == input.kind)?;
            let due = if input.kind == payment_kind::SETTLEMENT {
                balance
            } else {
                Money::ZERO - balance
            };
            Ok(due - done)
        }
    }
}

/// Records a payment (staff): an advance paid, a settlement's balance paid, or a repayment
/// received; never more than is open on its decision.
#[tracing::instrument(skip_all, fields(proeftuin_id = id))]
pub async fn record_payment(
    state: &AppState,
    who: &Principal,
    id: i32,
    input: PaymentInput,
) -> Result<Payment, DomainError> {
    let now = state.now();
    let txn = state.write().await?;
    for_staff(&txn, who, id).await?;
    let mut errors = Vec::new();
    if !payment_kind::ALL.contains(&input.kind.as_str()) {
        errors.push(FieldError::new("kind", "`advance`, `settlement` or `repayment`"));
    }
    if input.amount.is_zero() {
        errors.push(FieldError::new("amount", "a payment is more than zero"));
    }
    if input.bank_reference.trim().is_empty() {
        errors.push(FieldError::new("bank_reference", "the bank's reference of the payment"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let open = open_amount(&txn, id, &input).await?;
    if input.amount > open {
        return Err(DomainError::invalid(
            "amount",
            format!(
                "only {} is open on this decision",
                if open.is_negative() { Money::ZERO } else { open }
            ),
        ));
    }
    let row = db::insert_payment(
        &txn,
        db::NewPayment {
            proeftuin_id: id,
            kind: input.kind.clone(),
            advance_id: input.advance_id.filter(|_| input.kind == payment_kind::ADVANCE),
            settlement_id: input.settlement_id.filter(|_| input.kind != payment_kind::ADVANCE),
            amount: input.amount,
            paid_on: date_text(input.paid_on),
            bank_reference: input.bank_reference.trim().to_string(),
        },
        now,
    )
    .await?;
    let payment = payment_of(row)?;
    audit::record(
        &txn,
        audit::AuditEntry {
            actor: &who.actor(),
            at: now,
            action: "finance.payment_recorded",
            entity_type: "proeftuin",
            entity_id: id.to_string(),
            reason: None,
            details: serde_json::to_value(&payment).unwrap_or_else(|_| json!({})),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(payment)
}

pub async fn payments(
    state: &AppState,
    who: &Principal,
    id: i32,
) -> Result<Vec<Payment>, DomainError> {
    readable(&state.db, who, id).await?;
    db::payments(&state.db, Some(id)).await?.into_iter().map(payment_of).collect()
}
