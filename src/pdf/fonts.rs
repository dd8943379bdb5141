//! The embedded typeface: DejaVu Sans, regular and bold, shipped in `assets/fonts/` (licence in
//! `assets/fonts/LICENSE`). Embedded rather than a standard PDF font because the 14 standard
//! fonts have no `€` in their usual encoding and no reliable diacritics in extracted text.

use std::sync::OnceLock;

use printpdf::ParsedFont;

use super::PdfError;

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Advances of the first code points, cached because wrapping measures every character.
const CACHED: usize = 0x250;

pub struct Face {
    pub parsed: ParsedFont,
    units_per_em: f32,
    advances: Vec<f32>,
}

impl Face {
    fn load(bytes: &[u8], name: &str) -> Result<Face, PdfError> {
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
            .ok_or_else(|| PdfError(format!("the embedded font {name} does not parse")))?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        let mut face = Face { parsed, units_per_em, advances: Vec::new() };
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
}
