//! The two assessment rounds: the first round on every submitted application, the final round
//! on the invited ones.

use crate::error::DomainError;

/// An assessment round, stored and shown as `first` or `final`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Round {
    First,
    Final,
}

impl Round {
    pub const ALL: [Round; 2] = [Round::First, Round::Final];

    pub fn parse(s: &str) -> Result<Round, DomainError> {
        match s {
            "first" => Ok(Round::First),
            "final" => Ok(Round::Final),
            _ => Err(DomainError::NotFound(format!("round {s:?} (rounds are first and final)"))),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Round::First => "first",
            Round::Final => "final",
        }
    }

    /// The publication that ends the round, as its frozen outcome is stored: `first_round`
    /// (the first-round outcome) or `final` (the final decision).
    pub const fn stage(self) -> &'static str {
        match self {
            Round::First => "first_round",
            Round::Final => "final",
        }
    }
}

/// Where a round stands, from the clock, the call's stages and what staff did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    NotOpen,
    Open,
    Closed,
    Published,
}

impl RoundState {
    pub const ALL: [RoundState; 4] =
        [RoundState::NotOpen, RoundState::Open, RoundState::Closed, RoundState::Published];

    /// The state as a word: `not_open`, `open`, `closed`, `published`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RoundState::NotOpen => "not_open",
            RoundState::Open => "open",
            RoundState::Closed => "closed",
            RoundState::Published => "published",
        }
    }

    /// Sheets are scored only while the round is open.
    pub fn needs_open(self, round: Round) -> Result<(), DomainError> {
        match self {
            RoundState::Open => Ok(()),
            RoundState::NotOpen => Err(DomainError::Conflict(match round {
                Round::First => "the first round opens after the submission deadline".to_string(),
                Round::Final => {
                    "the final round opens when the first-round outcome is published".to_string()
                }
            })),
            RoundState::Closed | RoundState::Published => {
                Err(DomainError::Conflict(format!("the {} round is closed", round.as_str())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_read_back_as_written() {
        for r in Round::ALL {
            assert_eq!(Round::parse(r.as_str()).unwrap(), r);
        }
        assert!(matches!(Round::parse("second"), Err(DomainError::NotFound(_))));
        assert_eq!(Round::First.stage(), "first_round");
        assert_eq!(Round::Final.stage(), "final");
    }

    #[test]
    fn only_an_open_round_takes_sheets() {
        assert!(RoundState::Open.needs_open(Round::First).is_ok());
        for s in [RoundState::NotOpen, RoundState::Closed, RoundState::Published] {
            assert!(matches!(s.needs_open(Round::Final), Err(DomainError::Conflict(_))));
        }
        assert_eq!(RoundState::NotOpen.as_str(), "not_open");
    }
}
