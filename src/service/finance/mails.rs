//! Queues the finance emails with their letters, in the transaction of the decision.

use chrono::{DateTime, Utc};
use entity::proeftuin;
use sea_orm::ConnectionTrait;

use super::letters::{advance_letter_of, settlement_letter_of};
use super::model::{Advance, SettlementDecision};
use crate::domain::monitoring::ProeftuinRecord;
use crate::error::DomainError;
use crate::mail::finance::{self as mf, FinanceMail};
use crate::mail::outbox;
use crate::store;

async fn recipient<C: ConnectionTrait>(
    db: &C,
    p: &proeftuin::Model,
) -> Result<String, DomainError> {
    let record: ProeftuinRecord = serde_json::from_str(&p.record).map_err(DomainError::internal)?;
    if let Some(e) = record.contact_email {
        return Ok(e);
    }
    let (_, region) = store::regions::by_id(db, p.region_id)
        .await?
        .ok_or_else(|| DomainError::internal("proeftuin without region"))?;
    Ok(region.lead_applicant.email)
}

pub(super) async fn advance_decided<C: ConnectionTrait>(
    db: &C,
    p: &proeftuin::Model,
    a: &Advance,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let to = recipient(db, p).await?;
    let letter = advance_letter_of(db, a.clone()).await?;
    let m = FinanceMail { proeftuin_name: &p.name, recipient: &to, letter, at: now };
    outbox::enqueue(db, mf::advance_decided(m, a.id, a.number, &a.amount.to_dutch())).await?;
    Ok(())
}

pub(super) async fn settlement_decided<C: ConnectionTrait>(
    db: &C,
    p: &proeftuin::Model,
    d: &SettlementDecision,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let to = recipient(db, p).await?;
    let letter = settlement_letter_of(db, d).await?;
    let f = &d.figures;
    let balance = if f.balance.is_negative() {
        format!("Er wordt {} teruggevorderd.", f.to_reclaim().to_dutch())
    } else {
        format!("Er wordt nog {} uitbetaald.", f.to_pay().to_dutch())
    };
    let m = FinanceMail { proeftuin_name: &p.name, recipient: &to, letter, at: now };
    let email = mf::settlement_decided(m, d.id, &f.settled.to_dutch(), &balance, d.number > 1);
    outbox::enqueue(db, email).await?;
    Ok(())
}
