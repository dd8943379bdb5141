use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::ApiTags;
use super::responses::{Create, Created, Open, ReadAny};
use super::security::TokenAuth;
use crate::domain::region::{LeadApplicant, Municipality, Region};
use crate::service::auth::Role;
use crate::service::{AppState, regions};

pub struct RegionsApi {
    pub state: AppState,
}

#[derive(Object, Debug, Clone)]
pub struct LeadApplicantDto {
    pub name: String,
    pub email: String,
    pub municipality: String,
}

#[derive(Object, Debug, Clone)]
pub struct MunicipalityDto {
    pub name: String,
    pub inhabitants: u64,
}

#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct RegionInput {
    /// A stable short name: lowercase letters, digits, hyphens (e.g. `gelderland-zuid`).
    #[oai(rename = "ref")]
    pub reference: String,
    pub name: String,
    /// The *penvoerder*: the official who applies for the region and receives the grant.
    pub lead_applicant: LeadApplicantDto,
    pub municipalities: Vec<MunicipalityDto>,
}

#[derive(Object, Debug, Clone)]
pub struct RegionView {
    pub id: i32,
    #[oai(rename = "ref")]
    pub reference: String,
    pub name: String,
    /// The lead applicant's personal data: for staff and the region itself; left out for
    /// assessors (they see the region, its municipalities and its scale, not who applies).
    #[oai(skip_serializing_if_is_none)]
    pub lead_applicant: Option<LeadApplicantDto>,
    pub municipalities: Vec<MunicipalityDto>,
    /// The scale: inhabitants of all its municipalities.
    pub inhabitants: u64,
}

/// Whether `role` may see a lead applicant's name and email.
fn sees_lead_applicant(role: Role) -> bool {
    role != Role::Assessor
}

pub fn region_view(id: i32, r: Region, with_lead_applicant: bool) -> RegionView {
    RegionView {
        id,
        inhabitants: r.inhabitants(),
        reference: r.r#ref,
        name: r.name,
        lead_applicant: with_lead_applicant.then_some(LeadApplicantDto {
            name: r.lead_applicant.name,
            email: r.lead_applicant.email,
            municipality: r.lead_applicant.municipality,
        }),
        municipalities: r
            .municipalities
            .into_iter()
            .map(|m| MunicipalityDto { name: m.name, inhabitants: m.inhabitants })
            .collect(),
    }
}

#[OpenApi(tag = "ApiTags::Regions")]
impl RegionsApi {
    /// Registers a region with its lead applicant and municipalities (staff)
    ///
    /// A region (*regionaal verband*) is the applicant: a set of municipalities with one lead
    /// applicant (*penvoerder*). Its `ref` is the stable short name region users are linked by. A
    /// `ref` that is taken answers 409. Answers 201 with the region's path in `Location`.
    #[oai(path = "/regions", method = "post")]
    async fn register(
        &self,
        auth: TokenAuth,
        body: Json<RegionInput>,
    ) -> Result<Created<RegionView>, Create> {
        auth.0.require(&[Role::Staff])?;
        let b = body.0;
        let region = Region {
            r#ref: b.reference,
            name: b.name,
            lead_applicant: LeadApplicant {
                name: b.lead_applicant.name,
                email: b.lead_applicant.email,
                municipality: b.lead_applicant.municipality,
            },
            municipalities: b
                .municipalities
                .into_iter()
                .map(|m| Municipality { name: m.name, inhabitants: m.inhabitants })
                .collect(),
        };
        let (id, region) = regions::register(&self.state, &auth.0.actor(), region).await?;
        Ok(Created::at(format!("/regions/{id}"), region_view(id, region, true)))
    }

    /// Lists regions
    ///
    /// Staff and assessors see every region (an assessor without its lead applicant: personal
    /// data); a region user sees only its own region.
    #[oai(path = "/regions", method = "get")]
    async fn list(&self, auth: TokenAuth) -> Result<Json<Vec<RegionView>>, Open> {
        let all = regions::list(&self.state, &auth.0).await?;
        let lead = sees_lead_applicant(auth.0.role);
        Ok(Json(all.into_iter().map(|(id, r)| region_view(id, r, lead)).collect()))
    }

    /// Reads one region
    ///
    /// A region with its lead applicant, municipalities and their inhabitants. For a region user
    /// another region's id does not exist (404); an assessor sees no lead applicant.
    #[oai(path = "/regions/:id", method = "get")]
    async fn get(&self, auth: TokenAuth, id: Path<i32>) -> Result<Json<RegionView>, ReadAny> {
        let (id, r) = regions::get(&self.state, &auth.0, id.0).await?;
        Ok(Json(region_view(id, r, sees_lead_applicant(auth.0.role))))
    }
}
