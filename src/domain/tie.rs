//! Settling a tie at the last award place: staff name every tied application, to award or not,
//! and no more may be awarded than there are places.

use crate::error::FieldError;

/// One application staff named in a settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The list it was named in (`award` or `not_award`) and its place there, for the error.
    pub field: &'static str,
    pub index: usize,
    pub application_id: i32,
    /// Its region's ref, `None` when there is no such application in the call.
    pub region_ref: Option<String>,
    pub award: bool,
}

/// One settled application: its region's ref, its id, and whether it is awarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub region_ref: String,
    pub application_id: i32,
    pub award: bool,
}

/// Checks a settlement: each named application is one of the `tied` (by ref) and named once,
/// every tied application is named, and `awarded_above` (the awards above the tie) plus those
/// awarded here stay within `max_awards`. Every problem is reported at once.
pub fn check_settlement(
    tied: &[String],
    named: &[Named],
    awarded_above: usize,
    max_awards: u32,
) -> Result<Vec<Settled>, Vec<FieldError>> {
    let mut settled: Vec<Settled> = Vec::new();
    let mut errors = Vec::new();
    for n in named {
        match &n.region_ref {
            Some(r) if tied.contains(r) && !settled.iter().any(|s| &s.region_ref == r) => settled
                .push(Settled {
                    region_ref: r.clone(),
                    application_id: n.application_id,
                    award: n.award,
                }),
            _ => errors.push(FieldError::new(
                format!("{}[{}]", n.field, n.index),
                "not one of the tied applications, or named twice",
            )),
        }
    }
    if errors.is_empty() && settled.len() != tied.len() {
        errors.push(FieldError::new(
            "award",
            format!("name every tied application: {}", tied.join(", ")),
        ));
    }
    let awarding = settled.iter().filter(|s| s.award).count();
    if awarded_above + awarding > max_awards as usize {
        errors.push(FieldError::new("award", format!("at most {max_awards} awards in all")));
    }
    if errors.is_empty() { Ok(settled) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(field: &'static str, index: usize, id: i32, r: Option<&str>, award: bool) -> Named {
        Named { field, index, application_id: id, region_ref: r.map(String::from), award }
    }

    fn tied() -> Vec<String> {
        vec!["a".to_string(), "b".to_string()]
    }

    #[test]
    fn every_tied_application_named_once_settles() {
        let got = check_settlement(
            &tied(),
            &[named("award", 0, 1, Some("a"), true), named("not_award", 0, 2, Some("b"), false)],
            2,
            3,
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        assert!(got[0].award && !got[1].award);
        assert_eq!(got[1].application_id, 2);
    }

    #[test]
    fn a_stranger_a_repeat_or_a_missing_one_is_refused() {
        let e = check_settlement(
            &tied(),
            &[named("award", 0, 1, Some("a"), true), named("award", 1, 9, Some("z"), true)],
            0,
            3,
        )
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "award[1]");
        let e = check_settlement(
            &tied(),
            &[named("award", 0, 1, Some("a"), true), named("not_award", 0, 1, Some("a"), false)],
            0,
            3,
        )
        .unwrap_err();
        assert_eq!(e[0].field, "not_award[0]");
        let e =
            check_settlement(&tied(), &[named("award", 0, 1, Some("a"), true)], 0, 3).unwrap_err();
        assert!(e[0].message.contains("name every tied application: a, b"), "{e:?}");
        let e = check_settlement(&tied(), &[named("award", 0, 7, None, true)], 0, 3).unwrap_err();
        assert_eq!(e[0].field, "award[0]");
    }

    #[test]
    fn no_more_awards_than_places() {
        let e = check_settlement(
            &tied(),
            &[named("award", 0, 1, Some("a"), true), named("award", 1, 2, Some("b"), true)],
            2,
            3,
        )
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("at most 3 awards"));
    }
}
