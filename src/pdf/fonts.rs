//! The embedded typeface: DejaVu Sans, regular and bold, shipped in `assets/fonts/` (licence in
//! `assets/fonts/LICENSE`). Embedded rather than a standard PDF font because the 14 standard
//! fonts have no `€` in their usual encoding and no reliable diacritics in extracted text.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

use printpdf::ParsedFont;

use super::PdfError;

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Advances of the first code points, cached because wrapping measures every character.
const CACHED: usize = 0x250;

pub struct Face {
    /// The whole face: what is measured, and embedded when a document draws a character
    /// outside [`EMBEDDED`].
    pub parsed: ParsedFont,
    /// The face reduced once to the characters of [`EMBEDDED`], for documents that draw only
    /// those (every letter, nearly always): printpdf subsets the embedded face for each document,
    /// and from the whole face that read all of its 6,000 glyphs each time.
    pub embedded: ParsedFont,
    units_per_em: f32,
    advances: Vec<f32>,
}

impl Face {
    fn load(bytes: &[u8], name: &str) -> Result<Face, PdfError> {
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
            .ok_or_else(|| PdfError(format!("the embedded font {name} does not parse")))?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        let embedded = reduced(&parsed).unwrap_or_else(|| parsed.clone());
        let mut face = Face { parsed, embedded, units_per_em, advances: Vec::new() };
        face.advances = (0..CACHED as u32).map(|cp| face.advance_uncached(cp)).collect();
        Ok(face)
    }

    fn advance_uncached(&self, codepoint: u32) -> f32 {
        let glyph = self.parsed.lookup_glyph_index(codepoint).unwrap_or(0);
        f32::from(self.parsed.get_horizontal_advance(glyph))
    }

    /// The advance of one character in font units.
    fn advance(&self, c: char) -> f32 {
        let cp = c as u32;
        match self.advances.get(cp as usize) {
            Some(a) => *a,
            None => self.advance_uncached(cp),
        }
    }

    /// The width of `text` at `size` points, in points (no kerning: printpdf does not kern
    /// either, so what is measured is what is drawn).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text.chars().map(|c| self.advance(c)).sum();
        units * size / self.units_per_em
    }
}

/// The characters of the reduced face: Latin (Basic, Latin-1, Extended-A and -B), the combining
/// accents, general punctuation, the euro sign, arrows and the minus sign.
const EMBEDDED: &[(u32, u32)] = &[
    (0x20, 0x7e),
    (0xa0, 0x24f),
    (0x300, 0x36f),
    (0x2000, 0x206f),
    (0x20ac, 0x20ac),
    (0x2122, 0x2122),
    (0x2190, 0x2193),
    (0x2212, 0x2212),
];

/// Whether `c` is one of the reduced face's characters (and so drawn by it).
pub fn embeds(c: char) -> bool {
    let cp = c as u32;
    EMBEDDED.iter().any(|(from, to)| (*from..=*to).contains(&cp))
}

/// The face subset to the characters of [`EMBEDDED`]; `None` if that fails (the whole face is
/// then embedded, as before).
fn reduced(full: &ParsedFont) -> Option<ParsedFont> {
    let glyphs: std::collections::BTreeMap<u16, String> = EMBEDDED
        .iter()
        .flat_map(|(from, to)| *from..=*to)
        .filter_map(char::from_u32)
        .filter_map(|c| {
            full.lookup_glyph_index(c as u32).filter(|g| *g != 0).map(|g| (g, c.to_string()))
        })
        .collect();
    let subset = printpdf::subset_font(full, &glyphs).ok()?;
    let face = ParsedFont::from_bytes(&subset.bytes, 0, &mut Vec::new())?;
    // Each character must reach a glyph in the reduced face as in the whole one.
    let complete = glyphs.values().filter_map(|c| c.chars().next()).all(|c| {
        face.lookup_glyph_index(c as u32).is_some_and(|g| g != 0)
            && face.get_horizontal_advance(face.lookup_glyph_index(c as u32).unwrap_or(0))
                == full.get_horizontal_advance(full.lookup_glyph_index(c as u32).unwrap_or(0))
    });
    complete.then_some(face)
}

/// The characters drawn in each face (regular, bold) by these pages; `None` when one is outside
/// the reduced faces.
pub fn drawn_chars(
    pages: &[printpdf::PdfPage],
    bold: &printpdf::FontId,
) -> Option<(BTreeSet<char>, BTreeSet<char>)> {
    let (mut regular_chars, mut bold_chars) = (BTreeSet::new(), BTreeSet::new());
    for page in pages {
        let mut in_bold = false;
        for op in &page.ops {
            match op {
                printpdf::Op::SetFont { font, .. } => {
                    in_bold = matches!(font, printpdf::PdfFontHandle::External(id) if id == bold);
                }
                printpdf::Op::ShowText { items } => {
                    let into = if in_bold { &mut bold_chars } else { &mut regular_chars };
                    for item in items {
                        if let printpdf::TextItem::Text(t) = item {
                            for c in t.chars() {
                                if !embeds(c) {
                                    return None;
                                }
                                into.insert(c);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Some((regular_chars, bold_chars))
}

/// A face subset to exactly these characters, tagged as a subset (`TAG+Name`, ISO 32000-1
/// 9.6.4), kept for the next document drawing the same ones: printpdf subsetting, parsing
/// and deflating a font program for every letter was a third of a letter's rendering, and
/// a call's letters draw few distinct sets. The same characters give the same bytes.
pub fn subset_for(face: &Face, tag: &str, chars: &BTreeSet<char>) -> Option<ParsedFont> {
    type Kept = Mutex<Vec<(String, Vec<char>, ParsedFont)>>;
    static KEPT: OnceLock<Kept> = OnceLock::new();
    let kept = KEPT.get_or_init(|| Mutex::new(Vec::new()));
    let key: Vec<char> = chars.iter().copied().collect();
    if let Ok(mut k) = kept.lock()
        && let Some(at) = k.iter().position(|(t, c, _)| t == tag && *c == key)
    {
        // Most recently used last.
        let entry = k.remove(at);
        let font = entry.2.clone();
        k.push(entry);
        return Some(font);
    }
    let font = subset_of(&face.embedded, tag, chars)?;
    if let Ok(mut k) = kept.lock() {
        if k.len() >= KEPT_SUBSETS {
            k.remove(0);
        }
        k.push((tag.to_string(), key, font.clone()));
    }
    Some(font)
}

/// How many subsets are kept, of both faces together.
const KEPT_SUBSETS: usize = 32;

fn subset_of(from: &ParsedFont, tag: &str, chars: &BTreeSet<char>) -> Option<ParsedFont> {
    let glyphs: std::collections::BTreeMap<u16, String> = chars
        .iter()
        .filter_map(|c| {
            from.lookup_glyph_index(*c as u32).filter(|g| *g != 0).map(|g| (g, c.to_string()))
        })
        .collect();
    let subset = printpdf::subset_font(from, &glyphs).ok()?;
    let mut face = ParsedFont::from_bytes(&subset.bytes, 0, &mut Vec::new())?;
    // Each character must reach a glyph of the same advance as in the face it came from.
    let advance = |f: &ParsedFont, c: char| {
        f.lookup_glyph_index(c as u32).filter(|g| *g != 0).map(|g| f.get_horizontal_advance(g))
    };
    if !chars
        .iter()
        .all(|c| advance(&face, *c).is_some() && advance(&face, *c) == advance(from, *c))
    {
        return None;
    }
    let name = face.font_name.clone().or_else(|| from.font_name.clone())?;
    face.font_name = Some(format!("{tag}+{name}"));
    Some(face)
}

pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
}

impl Fonts {
    pub fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

static FONTS: OnceLock<Result<Fonts, PdfError>> = OnceLock::new();

/// The fonts, parsed once per process.
pub fn fonts() -> Result<&'static Fonts, PdfError> {
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                regular: Face::load(REGULAR_TTF, "DejaVu Sans")?,
                bold: Face::load(BOLD_TTF, "DejaVu Sans Bold")?,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_glyph_advances() {
        let f = fonts().unwrap();
        let narrow = f.regular.width("iiii", 10.0);
        let wide = f.regular.width("MMMM", 10.0);
        assert!(narrow > 0.0 && wide > 2.0 * narrow, "{narrow} {wide}");
        assert!(f.bold.width("Zoë", 10.0) > f.regular.width("Zoë", 10.0) * 0.99);
        assert!(f.regular.width("€", 10.0) > 0.0, "the euro sign is in the font");
    }

    /// The reduced face is a real subset (not the whole face again) and draws what it claims.
    #[test]
    fn the_embedded_face_is_reduced() {
        let f = fonts().unwrap();
        for face in [&f.regular, &f.bold] {
            assert!(
                face.embedded.num_glyphs < face.parsed.num_glyphs / 4,
                "{}",
                face.embedded.num_glyphs
            );
            for c in ['a', 'Z', 'ë', 'ú', 'â', 'ő', '€', '–', '’', '•'] {
                assert!(embeds(c), "{c}");
                assert!(face.embedded.lookup_glyph_index(c as u32).is_some_and(|g| g != 0), "{c}");
            }
            assert!(!embeds('Ж') && !embeds('Σ'));
        }
    }
}
