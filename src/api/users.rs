use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Path, param::Query, payload::Json};

use super::ApiTags;
use super::responses::{Create, Created, List, Open, Read};
use super::security::TokenAuth;
use crate::service::auth::Role;
use crate::service::{AppState, users};

pub struct UsersApi {
    pub state: AppState,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct UserInput {
    pub name: String,
    pub email: String,
    /// `staff`, `assessor` or `region`
    pub role: String,
    pub organisation: Option<String>,
    /// An outside reference, e.g. an assessor's code.
    #[oai(rename = "ref")]
    pub reference: Option<String>,
    /// For a region user: the `ref` of its region.
    pub region: Option<String>,
}

#[derive(Object, Debug, Clone)]
pub struct UserView {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: String,
    #[oai(skip_serializing_if_is_none)]
    pub organisation: Option<String>,
    #[oai(rename = "ref", skip_serializing_if_is_none)]
    pub reference: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub region_id: Option<i32>,
    pub created_at: DateTime<Utc>,
}

#[derive(Object, Debug, Clone)]
pub struct CreatedUserView {
    pub user: UserView,
    /// The bearer token, shown only now: only its hash is stored.
    pub token: String,
}

fn user_view(u: entity::user::Model) -> UserView {
    UserView {
        id: u.id,
        name: u.name,
        email: u.email,
        role: u.role,
        organisation: u.organisation,
        reference: u.reference,
        region_id: u.region_id,
        created_at: u.created_at,
    }
}

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// Creates a user and returns its token, once (staff)
    ///
    /// A user has one role: `staff`, `assessor` or `region` (a region user names its region's
    /// `ref`). The bearer token is in the answer only now; only its hash is stored. Answers 201
    /// with the user's path in `Location`.
    #[oai(path = "/users", method = "post")]
    async fn create(
        &self,
        auth: TokenAuth,
        body: Json<UserInput>,
    ) -> Result<Created<CreatedUserView>, Create> {
        auth.0.require(&[Role::Staff])?;
        let b = body.0;
        let created = users::add(
            &self.state,
            &auth.0.actor(),
            users::NewUser {
                name: b.name,
                email: b.email,
                role: b.role,
                organisation: b.organisation,
                reference: b.reference,
                region: b.region,
            },
        )
        .await?;
        let location = format!("/users/{}", created.user.id);
        Ok(Created::at(
            location,
            CreatedUserView { user: user_view(created.user), token: created.token },
        ))
    }

    /// Reads one user (staff)
    ///
    /// The user as `GET /users` lists it, without its token: tokens are shown once, when the user
    /// is created. A user id that does not exist answers 404.
    #[oai(path = "/users/:id", method = "get")]
    async fn get(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<UserView>, Read> {
        Ok(Json(user_view(users::get(&self.state, &auth.0, id.0).await?)))
    }

    /// Lists users, optionally of one role (staff)
    ///
    /// Every user, oldest first, without tokens. `role` filters on `staff`, `assessor` or `region`.
    #[oai(path = "/users", method = "get")]
    async fn list(
        &self,
        auth: TokenAuth,
        role: Query<Option<String>>,
    ) -> Result<Json<Vec<UserView>>, List> {
        let rows = users::list(&self.state, &auth.0, role.0.as_deref()).await?;
        Ok(Json(rows.into_iter().map(user_view).collect()))
    }

    /// Who am I: the user behind the token
    ///
    /// The user, role and (for a region user) region the bearer token belongs to. A quick way to
    /// check a token: an unknown token answers 401.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, auth: TokenAuth) -> Result<Json<UserView>, Open> {
        Ok(Json(user_view(users::me(&self.state, &auth.0).await?)))
    }
}
