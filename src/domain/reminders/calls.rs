//! The facts the reminders of a call's stages are judged on (submission and addendum reminders):
//! who counts as invited, when an addendum arrived, and how a reminder's occasion is named.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// The statuses of an application that was invited to the interview round (later decided or not).
pub const INVITED: [&str; 3] = ["invited_to_interview", "awarded", "not_awarded"];

/// An application with this status was invited to the interview round.
pub fn was_invited(status: &str) -> bool {
    INVITED.contains(&status)
}

/// The occasion a reminder `days_before` its deadline is queued under (one email per occasion).
pub fn occasion(days_before: u32) -> String {
    format!("days_before:{days_before}")
}

/// The first addendum of each application: the earliest of its uploads, in any order given.
pub fn first_uploads(
    uploads: impl IntoIterator<Item = (i32, DateTime<Utc>)>,
) -> HashMap<i32, DateTime<Utc>> {
    let mut first: HashMap<i32, DateTime<Utc>> = HashMap::new();
    for (application_id, at) in uploads {
        first.entry(application_id).and_modify(|f| *f = (*f).min(at)).or_insert(at);
    }
    first
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn invited_covers_the_interview_round_and_its_decisions() {
        assert!(was_invited("invited_to_interview"));
        assert!(was_invited("awarded"));
        assert!(was_invited("not_awarded"));
        assert!(!was_invited("submitted"));
        assert!(!was_invited("draft"));
    }

    #[test]
    fn an_occasion_names_the_days_before() {
        assert_eq!(occasion(14), "days_before:14");
        assert_eq!(occasion(0), "days_before:0");
    }

    #[test]
    fn the_first_upload_is_the_earliest_whatever_the_order() {
        let at = |d| Utc.with_ymd_and_hms(2022, 6, d, 12, 0, 0).unwrap();
        let first = first_uploads([(1, at(5)), (2, at(9)), (1, at(3)), (1, at(7))]);
        assert_eq!(first.get(&1), Some(&at(3)));
        assert_eq!(first.get(&2), Some(&at(9)));
        assert_eq!(first.get(&3), None);
    }
}
