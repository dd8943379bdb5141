//! Grant finance (issue 17): the advance schedule and advances, payments, the settlement and its
//! revisions with their letters, the figures per proeftuin, and the exports per call (CSV, JSON,
//! 360Giving).

mod views;

pub use views::*;

use poem_openapi::{
    OpenApi, param::Path, param::Query, payload::Binary, payload::Json, payload::PlainText,
};

use super::ApiTags;
use super::responses::{Action, Created, Read, Write};
use super::security::TokenAuth;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::finance as svc;

pub struct FinanceApi {
    pub state: AppState,
}

fn pdf(name: String, bytes: Vec<u8>) -> FinancePdfAnswer {
    FinancePdfAnswer::Ok(Binary(bytes), format!("inline; filename=\"{name}\""))
}

#[OpenApi(tag = "ApiTags::Finance")]
impl FinanceApi {
    /// Paid vs. granted vs. realised vs. remaining of a proeftuin
    ///
    /// Over the whole grant and per year: what was granted, advanced, paid (less repayments),
    /// realised in the accepted progress reports, settled, and what remains to be paid.
    #[oai(path = "/proeftuinen/:id/finance", method = "get")]
    async fn figures(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<FinanceFiguresView>, Read> {
        Ok(Json(figures_view(svc::finance_figures(&self.state, &auth.0, id.0).await?)))
    }

    /// Reads a proeftuin's advance schedule
    ///
    /// The share of the grant that may be advanced before the settlement (80% unless set) and
    /// the planned instalments.
    #[oai(path = "/proeftuinen/:id/advance-schedule", method = "get")]
    async fn schedule(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<ScheduleView>, Read> {
        Ok(Json(schedule_view(svc::schedule(&self.state, &auth.0, id.0).await?)))
    }

    /// Sets a proeftuin's advance schedule (staff)
    ///
    /// The share before settlement (1 to 100 percent) and the instalments, which together stay
    /// within that share of the grant.
    #[oai(path = "/proeftuinen/:id/advance-schedule", method = "put")]
    async fn set_schedule(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<ScheduleInput>,
    ) -> Result<Json<ScheduleView>, Write> {
        let b = body.0;
        let instalments = instalments_in(b.instalments)?;
        Ok(Json(schedule_view(
            svc::set_schedule(&self.state, &auth.0, id.0, b.max_share_percent, instalments).await?,
        )))
    }

    /// Decides an advance (staff)
    ///
    /// A decision of its own: refused (422) when it would take the advances above the grant or
    /// above the schedule's share before settlement, or when the report it is paid against is
    /// overdue and no `overdue_reason` is given; 409 once the grant is settled. Queues the email
    /// with the letter. Answers 201 with the advance's path in `Location`.
    #[oai(path = "/proeftuinen/:id/advances", method = "post")]
    async fn decide_advance(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<AdvanceInput>,
    ) -> Result<Created<AdvanceView>, Write> {
        let b = body.0;
        let mut errors = Vec::new();
        let Some(amount) = b.amount.money("amount", &mut errors) else {
            return Err(DomainError::Validation(errors).into());
        };
        let input = svc::AdvanceInput {
            amount,
            against_period: b.against_period,
            description: b.description,
            overdue_reason: b.overdue_reason,
        };
        let view = advance_view(svc::decide_advance(&self.state, &auth.0, id.0, input).await?);
        Ok(Created::at(format!("/advances/{}", view.id), view))
    }

    /// Lists a proeftuin's advances
    ///
    /// Oldest first, numbered 1, 2, ….
    #[oai(path = "/proeftuinen/:id/advances", method = "get")]
    async fn advances(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<Vec<AdvanceView>>, Read> {
        let list = svc::advances(&self.state, &auth.0, id.0).await?;
        Ok(Json(list.into_iter().map(advance_view).collect()))
    }

    /// Reads one advance
    ///
    /// Another region's advance does not exist for a region user (404).
    #[oai(path = "/advances/:id", method = "get")]
    async fn advance(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<AdvanceView>, Read> {
        Ok(Json(advance_view(svc::advance(&self.state, &auth.0, id.0).await?)))
    }

    /// The letter of an advance decision (PDF)
    ///
    /// In Dutch, in the house style of the call's letters, with the legal basis, the figures
    /// and the objection clause.
    #[oai(path = "/advances/:id/letter", method = "get")]
    async fn advance_letter(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<FinancePdfAnswer, Read> {
        let (name, bytes) = svc::advance_letter(&self.state, &auth.0, id.0).await?;
        Ok(pdf(name, bytes))
    }

    /// Records a payment (staff)
    ///
    /// An advance paid, a settlement's balance paid, or a reclaimed balance received, with the
    /// date and the bank's reference; never more than is open on its decision (422). Answers 201
    /// with the payment list's path in `Location`.
    #[oai(path = "/proeftuinen/:id/payments", method = "post")]
    async fn record_payment(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<PaymentInput>,
    ) -> Result<Created<PaymentView>, Write> {
        let b = body.0;
        let mut errors = Vec::new();
        let Some(amount) = b.amount.money("amount", &mut errors) else {
            return Err(DomainError::Validation(errors).into());
        };
        let input = svc::PaymentInput {
            kind: b.kind,
            advance_id: b.advance_id,
            settlement_id: b.settlement_id,
            amount,
            paid_on: b.paid_on,
            bank_reference: b.bank_reference,
        };
        let view = payment_view(svc::record_payment(&self.state, &auth.0, id.0, input).await?);
        Ok(Created::at(format!("/proeftuinen/{}/payments", id.0), view))
    }

    /// Lists a proeftuin's payments
    ///
    /// By payment date.
    #[oai(path = "/proeftuinen/:id/payments", method = "get")]
    async fn payments(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<Vec<PaymentView>>, Read> {
        let list = svc::payments(&self.state, &auth.0, id.0).await?;
        Ok(Json(list.into_iter().map(payment_view).collect()))
    }

    /// Drafts the settlement (staff)
    ///
    /// What the settlement would be now, from the accepted progress reports, the payments and
    /// the given own contribution and grounds. Nothing is stored.
    #[oai(path = "/proeftuinen/:id/settlement-draft", method = "post")]
    async fn draft(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<SettlementInput>,
    ) -> Result<Json<SettlementFiguresView>, Action> {
        let b = body.0;
        let input = settle_input(b.own_contribution, b.grounds)?;
        Ok(Json(settlement_figures_view(
            svc::settlement_draft(&self.state, &auth.0, id.0, input).await?,
        )))
    }

    /// Decides the settlement (staff)
    ///
    /// The realised eligible costs less the own contribution, at most the grant, lowered only on
    /// the recorded grounds of art. 4:46 Awb (each with its amount and reason); the balance to pay
    /// or reclaim follows. Once per proeftuin (409 after); a change is a revision. Queues the
    /// email with the letter. Answers 201 with the settlement's path in `Location`.
    #[oai(path = "/proeftuinen/:id/settlements", method = "post")]
    async fn settle(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<SettlementInput>,
    ) -> Result<Created<SettlementView>, Write> {
        let b = body.0;
        let input = settle_input(b.own_contribution, b.grounds)?;
        let view = settlement_view(svc::settle(&self.state, &auth.0, id.0, input).await?);
        Ok(Created::at(format!("/settlements/{}", view.id), view))
    }

    /// Lists a proeftuin's settlement and its revisions
    ///
    /// The original first; the last is the one in force.
    #[oai(path = "/proeftuinen/:id/settlements", method = "get")]
    async fn settlements(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<Vec<SettlementView>>, Read> {
        let list = svc::settlements(&self.state, &auth.0, id.0).await?;
        Ok(Json(list.into_iter().map(settlement_view).collect()))
    }

    /// Reads one settlement decision
    ///
    /// With its computation, grounds and balance.
    #[oai(path = "/settlements/:id", method = "get")]
    async fn settlement(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<Json<SettlementView>, Read> {
        Ok(Json(settlement_view(svc::settlement(&self.state, &auth.0, id.0).await?)))
    }

    /// The letter of a settlement decision (PDF)
    ///
    /// In Dutch: the figures per year, the computation, each ground with its reason, the balance,
    /// the legal basis and the objection clause.
    #[oai(path = "/settlements/:id/letter", method = "get")]
    async fn settlement_letter(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
    ) -> Result<FinancePdfAnswer, Read> {
        let (name, bytes) = svc::settlement_letter(&self.state, &auth.0, id.0).await?;
        Ok(pdf(name, bytes))
    }

    /// Revises a settlement (staff)
    ///
    /// A new, reasoned decision (art. 4:49 Awb) within five years of the original settlement; the
    /// original stays. Only the settlement in force can be revised (409 otherwise, or after five
    /// years). Answers 201 with the new decision's path in `Location`.
    #[oai(path = "/settlements/:id/revisions", method = "post")]
    async fn revise(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<RevisionInput>,
    ) -> Result<Created<SettlementView>, Write> {
        let b = body.0;
        let input = settle_input(b.own_contribution, b.grounds)?;
        let view = settlement_view(
            svc::revise_settlement(&self.state, &auth.0, id.0, b.reason, input).await?,
        );
        Ok(Created::at(format!("/settlements/{}", view.id), view))
    }

    /// Finance export of a call, as JSON (staff)
    ///
    /// Per proeftuin and year: granted, budgeted, advanced, paid, realised and settled. Without
    /// `year`, every year with a figure.
    #[oai(path = "/calls/:id/finance/export.json", method = "get")]
    async fn export_json(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        year: Query<Option<i32>>,
    ) -> Result<Json<FinanceExportView>, Read> {
        Ok(Json(export_view(svc::finance_export(&self.state, &auth.0, id.0, year.0).await?)))
    }

    /// Finance export of a call, as CSV (staff)
    ///
    /// The same rows as the JSON export.
    #[oai(path = "/calls/:id/finance/export.csv", method = "get")]
    async fn export_csv(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        year: Query<Option<i32>>,
    ) -> Result<FinanceCsvAnswer, Read> {
        let e = svc::finance_export(&self.state, &auth.0, id.0, year.0).await?;
        let name = match e.year {
            Some(y) => format!("financien-{}-{y}.csv", e.call_code),
            None => format!("financien-{}.csv", e.call_code),
        };
        Ok(FinanceCsvAnswer::Ok(
            PlainText(svc::finance_export_csv(&e)),
            format!("attachment; filename=\"{name}\""),
        ))
    }

    /// The awards of a call in the 360Giving Data Standard (staff)
    ///
    /// A 360Giving data package (JSON): one grant per award with its recipient, funder,
    /// programme, amount awarded and amount disbursed. 404 while the call has no awards.
    #[oai(path = "/calls/:id/finance/360giving.json", method = "get")]
    async fn giving(&self, auth: TokenAuth, id: Path<i32>) -> Result<GivingAnswer, Read> {
        let text = svc::giving_package(&self.state, &auth.0, id.0).await?;
        Ok(GivingAnswer::Ok(
            GivingPackage(text),
            format!("inline; filename=\"360giving-call-{}.json\"", id.0),
        ))
    }
}
