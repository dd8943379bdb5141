//! Which assessors assess a call: programme staff assign them.

use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::ApiTags;
use super::responses::{Read, Write};
use super::security::TokenAuth;
use crate::error::DomainError;
use crate::service::AppState;
use crate::service::auth::Role;
use crate::service::call_assessors::{self, AssessorKey};

pub struct CallAssessorsApi {
    pub state: AppState,
}

/// Whom to assign: `user_id`, or the assessor's `ref`; exactly one of them.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct AssignmentInput {
    pub user_id: Option<i32>,
    #[oai(rename = "ref")]
    pub reference: Option<String>,
}

#[derive(Object, Debug, Clone)]
pub struct AssessorView {
    pub user_id: i32,
    pub name: String,
    pub email: String,
    #[oai(skip_serializing_if_is_none)]
    pub organisation: Option<String>,
    #[oai(rename = "ref", skip_serializing_if_is_none)]
    pub reference: Option<String>,
    pub assigned_at: DateTime<Utc>,
}

#[OpenApi(tag = "ApiTags::Assessors")]
impl CallAssessorsApi {
    /// Assigns an assessor to a call (staff)
    ///
    /// An assessor (*beoordelaar*) scores only the applications of the calls they are assigned to.
    /// Answers every assessor of the call, in the order they were assigned.
    #[oai(path = "/calls/:id/assessors", method = "post")]
    async fn assign(
        &self,
        auth: TokenAuth,
        id: Path<i32>,
        body: Json<AssignmentInput>,
    ) -> Result<Json<Vec<AssessorView>>, Write> {
        auth.0.require(&[Role::Staff])?;
        let key = match (body.0.user_id, body.0.reference) {
            (Some(u), None) => AssessorKey::Id(u),
            (None, Some(r)) => AssessorKey::Ref(r),
            _ => return Err(DomainError::invalid("user_id", "give either user_id or ref").into()),
        };
        call_assessors::assign(&self.state, &auth.0.actor(), id.0, key).await?;
        self.list(auth, id).await.map_err(|e| e.0.into())
    }

    /// Lists the assessors of a call (staff)
    ///
    /// In the order they were assigned.
    #[oai(path = "/calls/:id/assessors", method = "get")]
    async fn list(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<Vec<AssessorView>>, Read> {
        auth.0.require(&[Role::Staff])?;
        let rows = call_assessors::list(&self.state, id.0).await?;
        Ok(Json(
            rows.into_iter()
                .map(|(a, u)| AssessorView {
                    user_id: u.id,
                    name: u.name,
                    email: u.email,
                    organisation: u.organisation,
                    reference: u.reference,
                    assigned_at: a.created_at,
                })
                .collect(),
        ))
    }
}
