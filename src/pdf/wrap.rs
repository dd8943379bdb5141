//! Line breaking with the embedded font's advances. Some words are kept together: an amount
//! (`€ 1.027.020,00`), a date (`15 september 2022`), a time (`12.00 uur`). A word too long for
//! the width breaks after a hyphen where it has one (`Zaanstreek-` / `Waterland`), and only
//! otherwise between characters (a URL, an IBAN).

use super::fonts::Face;

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

fn trim_punctuation(s: &str) -> &str {
    s.trim_end_matches(['.', ',', ';', ':', ')', '!', '?'])
}

fn is_day(s: &str) -> bool {
    s.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

fn is_month(s: &str) -> bool {
    MONTHS.contains(&trim_punctuation(s))
}

fn is_year(s: &str) -> bool {
    let t = trim_punctuation(s);
    t.len() == 4 && t.chars().all(|c| c.is_ascii_digit())
}

fn is_time(s: &str) -> bool {
    let mut parts = s.split(['.', ':']);
    matches!((parts.next(), parts.next(), parts.next()), (Some(h), Some(m), None) if h.len() <= 2 && m.len() == 2 && h.chars().chain(m.chars()).all(|c| c.is_ascii_digit()))
}

/// Whether `next` stays on the line of `prev`.
fn glued(prev: &str, next: &str) -> bool {
    prev == "€"
        || (is_day(prev) && is_month(next))
        || (is_month(prev) && is_year(next))
        || (is_time(prev) && trim_punctuation(next) == "uur")
}

/// The units that are never broken at their spaces.
pub fn units(raw: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut prev: Option<&str> = None;
    for word in raw.split_whitespace() {
        match (words.last_mut(), prev) {
            (Some(last), Some(p)) if glued(p, word) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
        prev = Some(word);
    }
    words
}

/// Splits `text` into lines no wider than `width`; `\n` forces a break.
pub fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let space = face.width(" ", size);
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in units(raw) {
            let w = face.width(&word, size);
            if !line.is_empty() && line_width + space + w <= width {
                line.push(' ');
                line.push_str(&word);
                line_width += space + w;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if w <= width {
                line.push_str(&word);
                line_width = w;
                continue;
            }
            // Too long: break after hyphens, and before the `@` and dots of an email address or web
            // address (keeping as much as fits on each line), then, for a piece still too long,
            // between characters.
            line_width = 0.0;
            for piece in pieces(&word) {
                let pw = face.width(piece, size);
                if !line.is_empty() && line_width + pw > width {
                    out.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                if pw <= width {
                    line.push_str(piece);
                    line_width += pw;
                    continue;
                }
                for c in piece.chars() {
                    let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
                    if line_width + cw > width && !line.is_empty() {
                        out.push(std::mem::take(&mut line));
                        line_width = 0.0;
                    }
                    line.push(c);
                    line_width += cw;
                }
            }
        }
        out.push(line);
    }
    out
}

/// A long word's break points: after a hyphen, before an `@` or a dot (not at its start).
fn pieces(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices() {
        if (c == '@' || c == '.') && i > start {
            out.push(&word[start..i]);
            start = i;
        } else if c == '-' {
            out.push(&word[start..i + 1]);
            start = i + 1;
        }
    }
    if start < word.len() {
        out.push(&word[start..]);
    }
    out
}

/// The width of the widest unit of `text` that [`wrap`] would not break at a space.
pub fn widest_unit(face: &Face, text: &str, size: f32) -> f32 {
    text.split('\n').flat_map(units).map(|u| face.width(&u, size)).fold(0.0, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::fonts;

    #[test]
    fn keeps_dates_amounts_and_times_together() {
        assert_eq!(
            units("op woensdag 1 februari 2023, 12.00 uur: € 5,00"),
            ["op", "woensdag", "1 februari 2023,", "12.00 uur:", "€ 5,00"]
        );
        assert_eq!(
            units("de 3 beste en 12 september."),
            ["de", "3", "beste", "en", "12 september."]
        );
        let face = &fonts::fonts().unwrap().regular;
        let width = face.width("woensdag 1 februar", 10.0);
        let lines = wrap(face, "woensdag 1 februari 2023", 10.0, width);
        assert_eq!(lines, ["woensdag", "1 februari 2023"]);
    }

    #[test]
    fn breaks_a_long_word_after_its_hyphen() {
        let face = &fonts::fonts().unwrap().bold;
        let width = face.width("Zaanstreek-Water", 9.0);
        assert_eq!(wrap(face, "Zaanstreek-Waterland", 9.0, width), ["Zaanstreek-", "Waterland"]);
        assert!(widest_unit(face, "Zaanstreek-Waterland en", 9.0) > width);
    }

    #[test]
    fn breaks_an_email_address_before_its_at_sign_never_inside_a_name() {
        let face = &fonts::fonts().unwrap().regular;
        let email = "programmabureau@toekomstscenario.example";
        let width = face.width("@toekomstscenario.example", 8.0);
        assert_eq!(wrap(face, email, 8.0, width), ["programmabureau", "@toekomstscenario.example"]);
        let narrower = face.width("@toekomstscenario.", 8.0);
        assert_eq!(
            wrap(face, email, 8.0, narrower),
            ["programmabureau", "@toekomstscenario", ".example"]
        );
        assert_eq!(pieces("Zaanstreek-Waterland"), ["Zaanstreek-", "Waterland"]);
    }
}
