//! The reminder plan: which application gets which reminder, at which moment. Pure: the scheduler
//! hands in the call's deadline, the offsets and the facts of each application, and the clock's
//! now; it gets back every reminder whose moment has come. Queueing them is idempotent (one per
//! (kind, application, `days_before:N`)), so the plan may be asked again and again.
//!
//! The facts are judged *at the reminder's moment*, not at the tick: a late tick, or one after a
//! restart, catches up exactly as if it had run on time, and never sends a reminder whose moment
//! passed while the draft was already submitted.

pub mod calls;
pub mod reports;

use chrono::{DateTime, Duration, Utc};

/// A reminder that is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReminder {
    pub application_id: i32,
    pub days_before: u32,
    /// `deadline − days_before` days.
    pub moment: DateTime<Utc>,
}

/// The moment of a reminder `days` before `deadline`. Days of 24 hours, the way the call's
/// offsets are read everywhere (the scenario driver too); a call's deadlines fall in one season.
pub fn moment(deadline: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    deadline - Duration::days(i64::from(days))
}

/// What the submission reminder needs of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftFacts {
    pub application_id: i32,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Submission reminders due at `now`: for each offset whose moment has come (and whose deadline
/// has not passed: a reminder after the deadline helps nobody), every draft created at or before
/// the moment and not submitted at it.
pub fn submission_reminders(
    deadline: DateTime<Utc>,
    offsets: &[u32],
    drafts: &[DraftFacts],
    now: DateTime<Utc>,
) -> Vec<DueReminder> {
    let mut due = Vec::new();
    if now >= deadline {
        return due;
    }
    for &days in offsets {
        let at = moment(deadline, days);
        if at > now {
            continue;
        }
        for d in drafts {
            let existed = d.created_at <= at;
            let open = d.submitted_at.is_none_or(|s| s > at);
            if existed && open {
                due.push(DueReminder {
                    application_id: d.application_id,
                    days_before: days,
                    moment: at,
                });
            }
        }
    }
    due
}

/// What the addendum reminder needs of an application invited to the interview round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitedFacts {
    pub application_id: i32,
    /// When the invitation was published (the first-round publication).
    pub invited_at: DateTime<Utc>,
    /// When its first addendum came in, if it did.
    pub addendum_at: Option<DateTime<Utc>>,
}

/// Addendum reminders due at `now`: for each offset whose moment has come (before the addendum
/// deadline), every application invited at or before the moment without an addendum at it.
pub fn addendum_reminders(
    deadline: DateTime<Utc>,
    offsets: &[u32],
    invited: &[InvitedFacts],
    now: DateTime<Utc>,
) -> Vec<DueReminder> {
    let mut due = Vec::new();
    if now >= deadline {
        return due;
    }
    for &days in offsets {
        let at = moment(deadline, days);
        if at > now {
            continue;
        }
        for i in invited {
            if i.invited_at <= at && i.addendum_at.is_none_or(|a| a > at) {
                due.push(DueReminder {
                    application_id: i.application_id,
                    days_before: days,
                    moment: at,
                });
            }
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const DEADLINE: &str = "2022-07-15T23:59:59+02:00";

    fn drafts() -> Vec<DraftFacts> {
        vec![
            // Early draft, submitted between the two moments: only the 14-day reminder.
            DraftFacts {
                application_id: 1,
                created_at: t("2022-06-01T10:00:00+02:00"),
                submitted_at: Some(t("2022-07-05T10:00:00+02:00")),
            },
            // Created between the moments, submitted after the 3-day one: only the 3-day reminder.
            DraftFacts {
                application_id: 2,
                created_at: t("2022-07-05T10:00:00+02:00"),
                submitted_at: Some(t("2022-07-14T10:00:00+02:00")),
            },
            // Submitted before the first moment: none.
            DraftFacts {
                application_id: 3,
                created_at: t("2022-06-01T10:00:00+02:00"),
                submitted_at: Some(t("2022-06-20T10:00:00+02:00")),
            },
            // Never submitted: both.
            DraftFacts {
                application_id: 4,
                created_at: t("2022-06-01T10:00:00+02:00"),
                submitted_at: None,
            },
            // Created exactly at the 14-day moment: it exists then.
            DraftFacts {
                application_id: 5,
                created_at: t("2022-07-01T23:59:59+02:00"),
                submitted_at: Some(t("2022-07-02T00:00:00+02:00")),
            },
            // Submitted exactly at the 3-day moment: it is submitted then.
            DraftFacts {
                application_id: 6,
                created_at: t("2022-06-01T10:00:00+02:00"),
                submitted_at: Some(t("2022-07-12T23:59:59+02:00")),
            },
        ]
    }

    fn ids(due: &[DueReminder], days: u32) -> Vec<i32> {
        due.iter().filter(|d| d.days_before == days).map(|d| d.application_id).collect()
    }

    #[test]
    fn the_moments_are_whole_days_before_the_deadline() {
        assert_eq!(moment(t(DEADLINE), 14), t("2022-07-01T23:59:59+02:00"));
        assert_eq!(moment(t(DEADLINE), 3), t("2022-07-12T23:59:59+02:00"));
    }

    #[test]
    fn nothing_is_due_before_the_first_moment() {
        assert!(
            submission_reminders(t(DEADLINE), &[14, 3], &drafts(), t("2022-07-01T23:59:58+02:00"))
                .is_empty()
        );
    }

    #[test]
    fn at_each_moment_exactly_the_open_drafts_of_that_moment() {
        let at14 =
            submission_reminders(t(DEADLINE), &[14, 3], &drafts(), t("2022-07-01T23:59:59+02:00"));
        assert_eq!(ids(&at14, 14), vec![1, 4, 5, 6]);
        assert!(ids(&at14, 3).is_empty());
        let at3 =
            submission_reminders(t(DEADLINE), &[14, 3], &drafts(), t("2022-07-12T23:59:59+02:00"));
        assert_eq!(ids(&at3, 3), vec![2, 4]);
    }

    #[test]
    fn a_late_tick_judges_each_reminder_at_its_own_moment() {
        // One tick after both moments gives what two punctual ticks would have given together.
        let late =
            submission_reminders(t(DEADLINE), &[14, 3], &drafts(), t("2022-07-15T12:00:00+02:00"));
        assert_eq!(ids(&late, 14), vec![1, 4, 5, 6]);
        assert_eq!(ids(&late, 3), vec![2, 4]);
    }

    #[test]
    fn no_reminder_once_the_deadline_passed() {
        assert!(submission_reminders(t(DEADLINE), &[14, 3], &drafts(), t(DEADLINE)).is_empty());
    }

    #[test]
    fn addendum_reminders_go_to_invited_applications_without_an_addendum_at_the_moment() {
        let deadline = t("2022-09-07T23:59:59+02:00");
        let invited = vec![
            InvitedFacts {
                application_id: 1,
                invited_at: t("2022-08-05T12:00:00+02:00"),
                addendum_at: None,
            },
            InvitedFacts {
                application_id: 2,
                invited_at: t("2022-08-05T12:00:00+02:00"),
                addendum_at: Some(t("2022-08-06T12:00:00+02:00")),
            },
            InvitedFacts {
                application_id: 3,
                invited_at: t("2022-08-05T12:00:00+02:00"),
                addendum_at: Some(t("2022-09-06T12:00:00+02:00")),
            },
            // Invited after the moment (a late publication): the moment passed before it was
            // invited.
            InvitedFacts {
                application_id: 4,
                invited_at: t("2022-09-05T12:00:00+02:00"),
                addendum_at: None,
            },
        ];
        assert!(
            addendum_reminders(deadline, &[3], &invited, t("2022-09-04T23:59:58+02:00")).is_empty()
        );
        let due = addendum_reminders(deadline, &[3], &invited, t("2022-09-06T00:00:00+02:00"));
        assert_eq!(ids(&due, 3), vec![1, 3]);
        assert!(addendum_reminders(deadline, &[3], &invited, deadline).is_empty());
    }
}
