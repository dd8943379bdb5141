//! Small numbers in Dutch words, as a letter writes counts and places ("de vier hoogst
//! gerangschikte aanvragen", "op de vijfde plaats"); from twenty-one on, digits.

const UNITS: [&str; 21] = [
    "nul",
    "één",
    "twee",
    "drie",
    "vier",
    "vijf",
    "zes",
    "zeven",
    "acht",
    "negen",
    "tien",
    "elf",
    "twaalf",
    "dertien",
    "veertien",
    "vijftien",
    "zestien",
    "zeventien",
    "achttien",
    "negentien",
    "twintig",
];

const ORDINALS: [&str; 21] = [
    "nulde",
    "eerste",
    "tweede",
    "derde",
    "vierde",
    "vijfde",
    "zesde",
    "zevende",
    "achtste",
    "negende",
    "tiende",
    "elfde",
    "twaalfde",
    "dertiende",
    "veertiende",
    "vijftiende",
    "zestiende",
    "zeventiende",
    "achttiende",
    "negentiende",
    "twintigste",
];

/// A count: "vier"; "één" for one; digits from 21 on.
pub fn count(n: u64) -> String {
    usize::try_from(n)
        .ok()
        .and_then(|i| UNITS.get(i))
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

/// A place in an order: "vijfde"; "21e" from 21 on.
pub fn ordinal(n: u64) -> String {
    usize::try_from(n)
        .ok()
        .and_then(|i| ORDINALS.get(i))
        .map_or_else(|| format!("{n}e"), |w| w.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_numbers_in_words() {
        assert_eq!(count(1), "één");
        assert_eq!(count(4), "vier");
        assert_eq!(count(20), "twintig");
        assert_eq!(count(21), "21");
        assert_eq!(ordinal(5), "vijfde");
        assert_eq!(ordinal(8), "achtste");
        assert_eq!(ordinal(33), "33e");
    }
}
