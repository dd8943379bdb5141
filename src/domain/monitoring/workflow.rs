//! The workflow of plans and reports.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

pub mod status {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
    pub const ACCEPTED: &str = "accepted";
    pub const RETURNED: &str = "returned";
}

/// The status of a plan or a report, stored and shown as its `status` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Submitted,
    Accepted,
    Returned,
}

impl Status {
    pub const ALL: [Status; 4] =
        [Status::Draft, Status::Submitted, Status::Accepted, Status::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => status::DRAFT,
            Status::Submitted => status::SUBMITTED,
            Status::Accepted => status::ACCEPTED,
            Status::Returned => status::RETURNED,
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Submitted or accepted: in at the programme, so not to be reminded of.
    pub fn is_in(self) -> bool {
        matches!(self, Status::Submitted | Status::Accepted)
    }

    /// The status after `step`, or why it is not allowed now.
    pub fn next(self, step: Step) -> Result<Status, String> {
        use Status::*;
        match (self, step) {
            (Draft | Returned, Step::Edit) => Ok(self),
            (Draft | Returned, Step::Submit) => Ok(Submitted),
            (Submitted, Step::Accept) => Ok(Accepted),
            (Submitted, Step::Return) => Ok(Returned),
            (Submitted, Step::Edit | Step::Submit) => {
                Err("it is submitted: it changes only after it is returned".into())
            }
            (Accepted, _) => Err("it is accepted and does not change any more".into()),
            (Draft | Returned, Step::Accept | Step::Return) => {
                Err(format!("only a submitted one can be accepted or returned; it is {self}"))
            }
        }
    }

    /// Its name in the Dutch documents.
    pub fn label_nl(self) -> &'static str {
        match self {
            Status::Draft => "concept",
            Status::Submitted => "ingediend",
            Status::Accepted => "geaccepteerd",
            Status::Returned => "teruggestuurd",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `status` (as stored) is this one.
pub fn is(stored: &str, status: Status) -> bool {
    Status::parse(stored) == Some(status)
}

/// The steps of the plan and report workflow: `draft → submitted → accepted | returned`, and a
/// returned one is edited and submitted again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Edit,
    Submit,
    Accept,
    Return,
}

/// The status after `step` from a stored status, or why it is not allowed now.
pub fn next_status(current: &str, step: Step) -> Result<&'static str, String> {
    match Status::parse(current) {
        Some(s) => s.next(step).map(Status::as_str),
        None if matches!(step, Step::Accept | Step::Return) => {
            Err(format!("only a submitted one can be accepted or returned; it is {current}"))
        }
        None => Err(format!("not possible while it is {current}")),
    }
}

/// The comments that go with a step, trimmed: returning needs them (it says what must change).
pub fn step_comments(step: Step, comments: Option<String>) -> Result<Option<String>, FieldError> {
    let comments = comments.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if step == Step::Return && comments.is_none() {
        return Err(FieldError::new(
            "comments",
            "say what needs to change before it is submitted again",
        ));
    }
    Ok(comments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow() {
        assert_eq!(next_status("draft", Step::Submit), Ok("submitted"));
        assert_eq!(next_status("submitted", Step::Return), Ok("returned"));
        assert_eq!(next_status("returned", Step::Submit), Ok("submitted"));
        assert_eq!(next_status("submitted", Step::Accept), Ok("accepted"));
        assert!(next_status("accepted", Step::Edit).is_err());
        assert!(next_status("draft", Step::Accept).is_err());
        assert!(next_status("submitted", Step::Edit).is_err());
    }

    #[test]
    fn statuses_read_and_print_as_stored() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("Draft"), None);
        assert!(is("accepted", Status::Accepted) && !is("accepted", Status::Submitted));
        assert!(Status::Submitted.is_in() && Status::Accepted.is_in() && !Status::Returned.is_in());
        assert_eq!(Status::Returned.label_nl(), "teruggestuurd");
        assert_eq!(Status::Draft.next(Step::Edit), Ok(Status::Draft));
        assert_eq!(
            next_status("bogus", Step::Accept).unwrap_err(),
            "only a submitted one can be accepted or returned; it is bogus"
        );
        assert_eq!(serde_json::to_string(&Status::Submitted).unwrap(), "\"submitted\"");
    }

    #[test]
    fn returning_needs_comments() {
        assert!(step_comments(Step::Return, Some("  ".into())).is_err());
        assert_eq!(
            step_comments(Step::Return, Some(" meer cijfers ".into())),
            Ok(Some("meer cijfers".into()))
        );
        assert_eq!(step_comments(Step::Submit, None), Ok(None));
    }
}
