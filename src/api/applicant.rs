//! The applying municipality (*penvoerder*) over HTTP: part of the application form.

use poem_openapi::Object;

use crate::domain::applicant::{Applicant, PostalAddress};

/// A postal address: street and number or "Postbus 123", a Dutch postcode, the city.
#[derive(Object, Debug, Clone)]
pub struct PostalAddressDto {
    pub street: String,
    pub postcode: String,
    pub city: String,
}

/// The municipality that applies on the region's behalf (a regional partnership is no legal
/// person); the decisions are addressed to it.
#[derive(Object, Debug, Clone)]
pub struct ApplicantDto {
    /// e.g. "Gemeente Nijmegen"
    pub organisation: String,
    pub address: PostalAddressDto,
    /// Chamber of Commerce number, eight digits.
    #[oai(skip_serializing_if_is_none)]
    pub kvk_number: Option<String>,
    /// Government organisation identification number, twenty digits.
    #[oai(skip_serializing_if_is_none)]
    pub oin: Option<String>,
}

impl From<ApplicantDto> for Applicant {
    fn from(d: ApplicantDto) -> Applicant {
        Applicant {
            organisation: d.organisation,
            address: PostalAddress {
                street: d.address.street,
                postcode: d.address.postcode,
                city: d.address.city,
            },
            kvk_number: d.kvk_number,
            oin: d.oin,
        }
    }
}

impl From<Applicant> for ApplicantDto {
    fn from(a: Applicant) -> ApplicantDto {
        ApplicantDto {
            organisation: a.organisation,
            address: PostalAddressDto {
                street: a.address.street,
                postcode: a.address.postcode,
                city: a.address.city,
            },
            kvk_number: a.kvk_number,
            oin: a.oin,
        }
    }
}
