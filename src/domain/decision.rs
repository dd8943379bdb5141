//! An application's decision as the computation gives it, and what publishing it means: the
//! status the application gets and the email its region is sent.

use serde::{Deserialize, Serialize};

use super::ranking::FirstRoundDecision;

/// The decision on an application, serialised as `awarded`, `not_awarded`, `rejected_knockout`,
/// `rejected_below_threshold` or `tie_needs_decision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Awarded,
    NotAwarded,
    RejectedKnockout,
    RejectedBelowThreshold,
    /// Tied at the last award place, waiting for staff.
    TieNeedsDecision,
}

impl Decision {
    pub const ALL: [Decision; 5] = [
        Decision::Awarded,
        Decision::NotAwarded,
        Decision::RejectedKnockout,
        Decision::RejectedBelowThreshold,
        Decision::TieNeedsDecision,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Awarded => "awarded",
            Decision::NotAwarded => "not_awarded",
            Decision::RejectedKnockout => "rejected_knockout",
            Decision::RejectedBelowThreshold => "rejected_below_threshold",
            Decision::TieNeedsDecision => "tie_needs_decision",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// The decision a first-round rejection already is; an invitation decides nothing yet.
    pub fn of_first_round(d: FirstRoundDecision) -> Option<Decision> {
        match d {
            FirstRoundDecision::RejectedKnockout => Some(Decision::RejectedKnockout),
            FirstRoundDecision::RejectedBelowThreshold => Some(Decision::RejectedBelowThreshold),
            FirstRoundDecision::Invited => None,
        }
    }
}

/// What staff record on the way to an outcome, stored as `knockout`, `tie` or
/// `manual_allocation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordedKind {
    /// A split knock-out verdict settled.
    Knockout,
    /// A tie at the last award place settled.
    Tie,
    /// Amounts set by hand.
    ManualAllocation,
}

impl RecordedKind {
    pub const ALL: [RecordedKind; 3] =
        [RecordedKind::Knockout, RecordedKind::Tie, RecordedKind::ManualAllocation];

    pub fn as_str(&self) -> &'static str {
        match self {
            RecordedKind::Knockout => "knockout",
            RecordedKind::Tie => "tie",
            RecordedKind::ManualAllocation => "manual_allocation",
        }
    }

    pub fn parse(s: &str) -> Option<RecordedKind> {
        RecordedKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What publishing a decision does to one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication {
    /// The application's status from then on.
    pub status: &'static str,
    /// The kind of decision email its region is sent.
    pub email: &'static str,
}

/// Publishing the first-round outcome: the invited to the interview, the others rejected.
pub fn first_round_publication(d: FirstRoundDecision) -> Publication {
    match d {
        FirstRoundDecision::Invited => {
            Publication { status: "invited_to_interview", email: "interview_invitation" }
        }
        FirstRoundDecision::RejectedKnockout => {
            Publication { status: "rejected_knockout", email: "rejection_first_round" }
        }
        FirstRoundDecision::RejectedBelowThreshold => {
            Publication { status: "rejected_below_threshold", email: "rejection_first_round" }
        }
    }
}

/// Publishing the final decision: awards and final rejections (the first-round rejections were
/// published before, and a tie is settled first).
pub fn final_publication(d: Decision) -> Option<Publication> {
    match d {
        Decision::Awarded => Some(Publication { status: "awarded", email: "award_letter" }),
        Decision::NotAwarded => {
            Some(Publication { status: "not_awarded", email: "rejection_final" })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_serialise_as_their_words() {
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
            assert_eq!(serde_json::to_value(d).unwrap(), serde_json::json!(d.as_str()));
        }
        assert_eq!(Decision::parse("invited_to_interview"), None);
    }

    #[test]
    fn recorded_kinds_read_back() {
        for k in RecordedKind::ALL {
            assert_eq!(RecordedKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RecordedKind::parse("verdict"), None);
    }

    #[test]
    fn publication_gives_status_and_email() {
        assert_eq!(
            first_round_publication(FirstRoundDecision::Invited),
            Publication { status: "invited_to_interview", email: "interview_invitation" }
        );
        assert_eq!(
            first_round_publication(FirstRoundDecision::RejectedBelowThreshold).email,
            "rejection_first_round"
        );
        assert_eq!(final_publication(Decision::Awarded).map(|p| p.email), Some("award_letter"));
        assert_eq!(final_publication(Decision::NotAwarded).map(|p| p.status), Some("not_awarded"));
        assert_eq!(final_publication(Decision::TieNeedsDecision), None);
        assert_eq!(final_publication(Decision::RejectedKnockout), None);
        assert_eq!(
            Decision::of_first_round(FirstRoundDecision::RejectedKnockout),
            Some(Decision::RejectedKnockout)
        );
        assert_eq!(Decision::of_first_round(FirstRoundDecision::Invited), None);
    }
}
