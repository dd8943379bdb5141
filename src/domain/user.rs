//! Users of the service: the roles there are, and what a new user needs.

use super::region::is_email;
use crate::error::FieldError;

/// The roles a user can have (what `service::auth::Role` parses).
pub const ROLES: [&str; 3] = ["staff", "assessor", "region"];

/// What a new user needs, all at once: a known role, a name, an email address, and a region
/// exactly when the role is `region`.
pub fn new_user_problems(
    role: &str,
    name: &str,
    email: &str,
    region: Option<&str>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let known = ROLES.contains(&role);
    if !known {
        errors.push(FieldError::new("role", "the role is staff, assessor or region"));
    }
    if name.trim().is_empty() {
        errors.push(FieldError::new("name", "a user needs a name"));
    }
    if !is_email(email) {
        errors.push(FieldError::new("email", "not an email address"));
    }
    match (known, role == "region", region) {
        (true, true, None) => {
            errors.push(FieldError::new("region", "a region user belongs to a region"))
        }
        (true, false, Some(_)) => {
            errors.push(FieldError::new("region", "only a region user belongs to a region"))
        }
        _ => {}
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &[FieldError]) -> Vec<&str> {
        e.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn a_complete_user_has_no_problems() {
        assert!(new_user_problems("staff", "Programmabureau", "pb@x.example", None).is_empty());
        assert!(
            new_user_problems("region", "Penvoerder", "p@x.example", Some("flevoland")).is_empty()
        );
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let e = new_user_problems("admin", " ", "not-an-email", Some("flevoland"));
        // An unknown role says nothing about the region.
        assert_eq!(fields(&e), ["role", "name", "email"]);
    }

    #[test]
    fn a_region_belongs_to_region_users_only() {
        let e = new_user_problems("region", "P", "p@x.example", None);
        assert_eq!(fields(&e), ["region"]);
        let e = new_user_problems("assessor", "A", "a@x.example", Some("flevoland"));
        assert_eq!(fields(&e), ["region"]);
        assert_eq!(e[0].message, "only a region user belongs to a region");
    }
}
