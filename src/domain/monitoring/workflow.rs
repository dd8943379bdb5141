//! The workflow of plans and reports.

pub mod status {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
    pub const ACCEPTED: &str = "accepted";
    pub const RETURNED: &str = "returned";
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

/// The status after `step`, or why it is not allowed now.
pub fn next_status(current: &str, step: Step) -> Result<&'static str, String> {
    use status::*;
    match (current, step) {
        (DRAFT | RETURNED, Step::Edit) => Ok(if current == DRAFT { DRAFT } else { RETURNED }),
        (DRAFT | RETURNED, Step::Submit) => Ok(SUBMITTED),
        (SUBMITTED, Step::Accept) => Ok(ACCEPTED),
        (SUBMITTED, Step::Return) => Ok(RETURNED),
        (SUBMITTED, Step::Edit | Step::Submit) => {
            Err("it is submitted: it changes only after it is returned".into())
        }
        (ACCEPTED, _) => Err("it is accepted and does not change any more".into()),
        (_, Step::Accept | Step::Return) => {
            Err(format!("only a submitted one can be accepted or returned; it is {current}"))
        }
        _ => Err(format!("not possible while it is {current}")),
    }
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
}
