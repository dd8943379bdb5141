//! A4 typesetting on printpdf 0.12 for letters and reports: a flowing document with the
//! programme's name in the header and "pagina X van Y" in the footer of every page, wrapped
//! paragraphs (measured with the embedded font's glyph advances), side-by-side blocks (address and
//! sender details), and tables that break across pages with their header repeated.
//!
//! ```ignore
//! let mut doc = Document::new(Settings { title: "Rapportage".into(), header_left: "Programma".into(), ..Default::default() })?;
//! doc.heading("Cijfers");
//! doc.paragraph("Een alinea die over meer regels loopt.");
//! doc.table(&Table::new(vec![Column::left("Maatregel", 3.0), Column::right("Aantal", 1.0)], rows));
//! let bytes: Vec<u8> = doc.finish()?;
//! ```
//!
//! Layout units are points (f32); figures arrive as text already formatted by [`format`].
//!
//! Every document is a tagged PDF/A-2b: what is drawn is marked in the content and recorded in a
//! structure tree ([`tags`]); headers, footers and rules are artifacts; [`archive`] writes the
//! metadata (set the author and date with [`Document::set_author`] and
//! [`Document::set_created_on`]), the sRGB output intent and the language. A logo is drawn with
//! [`letterhead`].

pub mod archive;
mod deflate;
mod draw;
pub mod fonts;
pub mod format;
pub mod letterhead;
mod table;
pub mod tags;
pub mod wrap;

use std::fmt;

use printpdf::{DictItem, FontId, Mm, Op, PdfDocument, PdfPage, PdfSaveOptions, Rect};

pub use table::{Align, Column, Table};

use fonts::Fonts;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError(pub String);

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PDF: {}", self.0)
    }
}

impl std::error::Error for PdfError {}

/// Millimetres to points.
pub fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN_LEFT: f32 = 70.87; // 25 mm
pub const MARGIN_RIGHT: f32 = 56.69; // 20 mm
const BODY_TOP: f32 = 90.0; // below the header
const BODY_BOTTOM: f32 = PAGE_HEIGHT - 70.0; // above the footer
pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
pub const BODY_SIZE: f32 = 10.0;
const LEADING: f32 = 1.4;

const GREY: f32 = 0.35;
const RULE_GREY: f32 = 0.6;
const HEADER_FILL: f32 = 0.9;

/// What every page carries.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The document's title (PDF metadata).
    pub title: String,
    /// Top left, bold: the programme's name.
    pub header_left: String,
    /// Top right, small: e.g. the issuing body.
    pub header_right: String,
    /// Bottom left, small: e.g. a reference number.
    pub footer_left: String,
}

/// A line of a side-by-side block; it wraps within its column.
#[derive(Debug, Clone)]
pub struct Line {
    pub text: String,
    pub bold: bool,
    pub size: f32,
    pub grey: bool,
}

impl Line {
    pub fn plain(text: impl Into<String>) -> Line {
        Line { text: text.into(), bold: false, size: BODY_SIZE, grey: false }
    }
    pub fn bold(text: impl Into<String>) -> Line {
        Line { bold: true, ..Line::plain(text) }
    }
    pub fn small(text: impl Into<String>) -> Line {
        Line { size: 8.0, ..Line::plain(text) }
    }
    pub fn small_bold(text: impl Into<String>) -> Line {
        Line { size: 8.0, bold: true, ..Line::plain(text) }
    }
    pub fn label(text: impl Into<String>) -> Line {
        Line { size: 7.5, bold: true, grey: true, ..Line::plain(text) }
    }
    /// An empty line of body height.
    pub fn gap() -> Line {
        Line::plain("")
    }
}

/// A column of a side-by-side block: its offset from the left margin and width, in points.
#[derive(Debug, Clone)]
pub struct Block {
    pub x: f32,
    pub width: f32,
    pub lines: Vec<Line>,
}

/// Paragraph style.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    pub bold: bool,
    /// Left indent in points.
    pub indent: f32,
    /// Space after, in points.
    pub after: f32,
}

impl Style {
    pub fn body() -> Style {
        Style { size: BODY_SIZE, bold: false, indent: 0.0, after: 7.0 }
    }
    pub fn bold() -> Style {
        Style { bold: true, ..Style::body() }
    }
}

/// A flowing A4 document. Blocks are laid out top to bottom; a new page starts when the next
/// line or table row does not fit. Headers and footers are added in [`Document::finish`], when
/// the number of pages is known.
pub struct Document {
    settings: Settings,
    fonts: &'static Fonts,
    pdf: PdfDocument,
    regular: FontId,
    bold: FontId,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    /// Distance of the cursor from the top of the page, in points.
    y: f32,
    meta: archive::Metadata,
    tags: tags::Tree,
    /// The next marked-content id on the current page.
    mcid: i64,
    /// Whether a list (`L`) is open: consecutive bullets share it.
    in_list: bool,
    /// Whether the document has a title (`H1`): headings are then `H2`.
    titled: bool,
    /// Images drawn: the page (0-based), the resource name, the image.
    images: Vec<(usize, String, letterhead::Image)>,
}

impl Document {
    pub fn new(settings: Settings) -> Result<Document, PdfError> {
        let fonts = fonts::fonts()?;
        let mut pdf = PdfDocument::new(&settings.title);
        // Fixed resource names (printpdf's own are random), so that the same input gives the
        // same bytes.
        let regular = FontId("TUINAA".into());
        let bold = FontId("TUINAB".into());
        pdf.resources
            .fonts
            .map
            .insert(regular.clone(), printpdf::PdfFont::new(fonts.regular.embedded.clone()));
        pdf.resources
            .fonts
            .map
            .insert(bold.clone(), printpdf::PdfFont::new(fonts.bold.embedded.clone()));
        let author = if settings.header_right.trim().is_empty() {
            &settings.header_left
        } else {
            &settings.header_right
        };
        let meta = archive::Metadata::new(&settings.title, author.trim());
        Ok(Document {
            settings,
            fonts,
            pdf,
            regular,
            bold,
            pages: Vec::new(),
            ops: Vec::new(),
            y: BODY_TOP,
            meta,
            tags: tags::Tree::new(),
            mcid: 0,
            in_list: false,
            titled: false,
            images: Vec::new(),
        })
    }

    /// Opens a structure element; what is drawn until [`Document::end_tag`] belongs to it.
    fn begin_tag(&mut self, tag: &'static str) -> usize {
        self.tags.begin(tag)
    }

    fn end_tag(&mut self) {
        self.tags.end();
    }

    /// Closes an open list unless more bullets follow.
    fn settle(&mut self, bullet: bool) {
        if self.in_list && !bullet {
            self.tags.end();
            self.in_list = false;
        }
    }

    /// Starts marked content for the current structure element (`/P <</MCID n>> BDC`).
    fn open_content(&mut self, ops: &mut Vec<Op>) {
        let mcid = self.mcid;
        self.mcid += 1;
        self.tags.mark(self.pages.len(), mcid);
        let mut map = std::collections::BTreeMap::new();
        map.insert("MCID".to_string(), DictItem::Int(mcid));
        ops.push(Op::BeginMarkedContentWithProperties {
            tag: self.tags.current_tag().to_string(),
            properties: DictItem::Dict { map },
        });
    }

    /// Starts an artifact (decoration a screen reader skips); `pagination` for headers and footers.
    fn open_artifact(ops: &mut Vec<Op>, pagination: bool) {
        if pagination {
            let mut map = std::collections::BTreeMap::new();
            map.insert("Type".to_string(), DictItem::Name(b"Pagination".to_vec()));
            ops.push(Op::BeginMarkedContentWithProperties {
                tag: "Artifact".into(),
                properties: DictItem::Dict { map },
            });
        } else {
            ops.push(Op::BeginMarkedContent { tag: "Artifact".into() });
        }
    }

    /// The width of `text` in points.
    pub fn measure(&self, text: &str, size: f32, bold: bool) -> f32 {
        self.fonts.face(bold).width(text, size)
    }

    /// Where the cursor is, from the top of the page, in points.
    pub fn cursor(&self) -> f32 {
        self.y
    }

    /// Moves the cursor down to `y` (from the top) if it is above it, e.g. to place a block at a
    /// fixed height on the first page.
    pub fn move_to(&mut self, y: f32) {
        if y > self.y {
            self.y = y;
        }
    }

    pub fn space(&mut self, points: f32) {
        self.y += points;
    }

    pub fn page_break(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(ops);
        self.y = BODY_TOP;
        self.mcid = 0;
    }

    /// Starts a new page unless `points` still fit on this one.
    pub fn ensure(&mut self, points: f32) {
        if self.y + points > BODY_BOTTOM && self.y > BODY_TOP {
            self.page_break();
        }
    }

    /// Splits `text` into lines no wider than `width`; `\n` forces a break. Amounts, dates and
    /// times stay together; a word longer than the width breaks after a hyphen, or else between
    /// characters (see [`wrap`]).
    pub fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        wrap::wrap(self.fonts.face(bold), text, size, width)
    }

    /// A thin rule across the content width, with some space around it.
    pub fn rule(&mut self) {
        self.ensure(8.0);
        self.y += 3.0;
        Self::rule_op(&mut self.ops, MARGIN_LEFT, self.y, CONTENT_WIDTH, RULE_GREY, 0.5);
        self.y += 6.0;
    }

    /// A wrapped paragraph (`P`) in `style`; lines move to the next page one by one.
    pub fn text(&mut self, text: &str, style: Style) {
        self.tagged_text(text, style, "P");
    }

    fn tagged_text(&mut self, text: &str, style: Style, tag: &'static str) {
        self.settle(false);
        self.begin_tag(tag);
        let line_height = style.size * LEADING;
        for line in self.wrap(text, style.size, style.bold, CONTENT_WIDTH - style.indent) {
            self.ensure(line_height);
            let baseline = self.y + style.size;
            self.draw_text(
                MARGIN_LEFT + style.indent,
                baseline,
                &line,
                style.size,
                style.bold,
                false,
            );
            self.y += line_height;
        }
        self.end_tag();
        self.y += style.after;
    }

    /// The document's title (`H1`), large and bold; headings after it are `H2`.
    pub fn title(&mut self, text: &str) {
        self.titled = true;
        self.tagged_text(text, Style { size: 16.0, bold: true, indent: 0.0, after: 4.0 }, "H1");
    }

    /// A subtitle (`H2`) in `size` points, kept with three lines after it.
    pub fn subtitle(&mut self, text: &str, size: f32, after: f32) {
        self.ensure(size * LEADING + 3.0 * BODY_SIZE * LEADING);
        self.tagged_text(text, Style { size, bold: true, indent: 0.0, after }, "H2");
    }

    /// The height `text` takes in `style`, to keep it on a page with what follows.
    pub fn text_height(&self, text: &str, style: Style) -> f32 {
        let lines = self.wrap(text, style.size, style.bold, CONTENT_WIDTH - style.indent).len();
        lines as f32 * style.size * LEADING + style.after
    }

    pub fn paragraph(&mut self, text: &str) {
        self.text(text, Style::body());
    }

    /// A bold heading, kept on a page with at least three lines after it: `H1`, or `H2` under a
    /// [`Document::title`].
    pub fn heading(&mut self, text: &str) {
        self.settle(false);
        let lines = self.wrap(text, 11.0, true, CONTENT_WIDTH).len() as f32;
        self.ensure(lines * 11.0 * LEADING + 4.0 * BODY_SIZE * LEADING);
        self.y += 4.0;
        let tag = if self.titled { "H2" } else { "H1" };
        self.tagged_text(text, Style { size: 11.0, bold: true, indent: 0.0, after: 3.0 }, tag);
    }

    /// A bulleted item (`LI` with `Lbl` and `LBody`); consecutive items form one list (`L`).
    pub fn bullet(&mut self, text: &str) {
        if !self.in_list {
            self.begin_tag("L");
            self.in_list = true;
        }
        self.begin_tag("LI");
        let size = BODY_SIZE;
        let indent = 14.0;
        let lines = self.wrap(text, size, false, CONTENT_WIDTH - indent);
        for (i, line) in lines.iter().enumerate() {
            self.ensure(size * LEADING);
            let baseline = self.y + size;
            if i == 0 {
                self.begin_tag("Lbl");
                self.draw_text(MARGIN_LEFT + 3.0, baseline, "•", size, false, false);
                self.end_tag();
                self.begin_tag("LBody");
            }
            self.draw_text(MARGIN_LEFT + indent, baseline, line, size, false, false);
            self.y += size * LEADING;
        }
        if !lines.is_empty() {
            self.end_tag();
        }
        self.end_tag();
        self.y += 2.0;
    }

    /// Blocks side by side (an address block beside the sender's details); the cursor moves below
    /// the tallest. The blocks are kept on one page.
    pub fn blocks(&mut self, blocks: &[Block]) {
        let laid: Vec<(f32, Vec<(String, &Line)>)> = blocks
            .iter()
            .map(|b| {
                let lines = b
                    .lines
                    .iter()
                    .flat_map(|l| {
                        self.wrap(&l.text, l.size, l.bold, b.width).into_iter().map(move |t| (t, l))
                    })
                    .collect();
                (MARGIN_LEFT + b.x, lines)
            })
            .collect();
        let height =
            |lines: &Vec<(String, &Line)>| lines.iter().map(|(_, l)| l.size * LEADING).sum::<f32>();
        let tallest = laid.iter().map(|(_, l)| height(l)).fold(0.0, f32::max);
        self.settle(false);
        self.ensure(tallest);
        let mut ops = std::mem::take(&mut self.ops);
        // Read block by block: each a `Div`, each of its lines a `P`.
        for (x, lines) in &laid {
            self.tags.begin("Div");
            let mut y = self.y;
            let mut previous: Option<*const Line> = None;
            for (text, l) in lines {
                let source: *const Line = *l;
                if previous != Some(source) {
                    if previous.is_some() {
                        self.tags.end();
                    }
                    self.tags.begin("P");
                    previous = Some(source);
                }
                if !text.is_empty() {
                    self.open_content(&mut ops);
                    self.text_op(&mut ops, (*x, y + l.size), text, l.size, l.bold, l.grey);
                    ops.push(Op::EndMarkedContent);
                }
                y += l.size * LEADING;
            }
            if previous.is_some() {
                self.tags.end();
            }
            self.tags.end();
        }
        self.ops = ops;
        self.y += tallest;
    }

    /// Label and value pairs in two columns (label bold), the value wrapping; each pair is read
    /// as one paragraph, label first.
    pub fn key_values(&mut self, rows: &[(String, String)], label_width: f32) {
        self.settle(false);
        for (label, value) in rows {
            let lines = self.wrap(value, BODY_SIZE, false, CONTENT_WIDTH - label_width);
            let label_lines = self.wrap(label, BODY_SIZE, true, label_width - 6.0);
            let n = lines.len().max(label_lines.len()).max(1);
            self.ensure(n as f32 * BODY_SIZE * LEADING);
            self.begin_tag("P");
            for (i, l) in label_lines.iter().enumerate() {
                self.draw_text(
                    MARGIN_LEFT,
                    self.y + BODY_SIZE + i as f32 * BODY_SIZE * LEADING,
                    l,
                    BODY_SIZE,
                    true,
                    false,
                );
            }
            for (i, l) in lines.iter().enumerate() {
                self.draw_text(
                    MARGIN_LEFT + label_width,
                    self.y + BODY_SIZE + i as f32 * BODY_SIZE * LEADING,
                    l,
                    BODY_SIZE,
                    false,
                    false,
                );
            }
            self.end_tag();
            self.y += n as f32 * BODY_SIZE * LEADING;
        }
        self.y += 5.0;
    }

    /// Lays out the headers and footers and writes the PDF, with the fonts subset to the glyphs
    /// used, the structure tree and the archival metadata. The same input gives the same bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        self.settle(false);
        let last = std::mem::take(&mut self.ops);
        self.pages.push(last);
        let count = self.pages.len();
        let bodies = std::mem::take(&mut self.pages);
        let pages: Vec<PdfPage> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| {
                let mut ops = self.decoration(i + 1, count);
                ops.extend(body);
                PdfPage::new(Mm(210.0), Mm(297.0), ops)
            })
            .collect();
        // TUINIER_PDF_DEBUG leaves the content streams uncompressed, to read them when a layout
        // goes wrong.
        let compress = std::env::var("TUINIER_PDF_DEBUG").is_err();
        let subset_fonts = !self.subset_fonts(&pages);
        let options = PdfSaveOptions {
            optimize: false,
            subset_fonts,
            secure: true,
            image_optimization: None,
        };
        let mut warnings = Vec::new();
        let mut doc = self.pdf.with_pages(pages).to_lopdf_document(&options, &mut warnings);
        let page_ids: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
        if page_ids.len() != count {
            return Err(PdfError(format!(
                "printpdf wrote {} pages of {count}: {warnings:?}",
                page_ids.len()
            )));
        }
        for (i, id) in page_ids.iter().enumerate() {
            let images: Vec<(String, lopdf::ObjectId)> = self
                .images
                .iter()
                .filter(|(page, _, _)| *page == i)
                .map(|(_, name, img)| (name.clone(), letterhead::image_object(&mut doc, img)))
                .collect();
            let page = doc
                .get_object_mut(*id)
                .and_then(lopdf::Object::as_dict_mut)
                .map_err(|e| PdfError(e.to_string()))?;
            page.set("StructParents", lopdf::Object::Integer(i as i64));
            page.set("Tabs", lopdf::Object::Name(b"S".to_vec()));
            if !images.is_empty() {
                letterhead::add_xobjects(&mut doc, *id, images)?;
            }
        }
        let root = self.tags.write(&mut doc, &page_ids);
        archive::apply(&mut doc, &self.meta, Some(root)).map_err(PdfError)?;
        if compress {
            deflate::compress_streams(&mut doc);
        }
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).map_err(|e| PdfError(e.to_string()))?;
        if bytes.is_empty() {
            return Err(PdfError(format!("printpdf wrote nothing: {warnings:?}")));
        }
        Ok(bytes)
    }

    /// Puts the faces subset to what the pages draw in place of the reduced ones (kept subsets
    /// when the same characters were drawn before); `true` when both were, so printpdf embeds
    /// them as they are. A character outside the reduced faces: the whole faces are subset by
    /// printpdf instead.
    fn subset_fonts(&mut self, pages: &[PdfPage]) -> bool {
        let Some((regular, bold)) = fonts::drawn_chars(pages, &self.bold) else {
            let whole = [(&self.regular, &self.fonts.regular), (&self.bold, &self.fonts.bold)];
            for (id, face) in whole {
                let font = printpdf::PdfFont::new(face.parsed.clone());
                self.pdf.resources.fonts.map.insert(id.clone(), font);
            }
            return false;
        };
        let faces =
            [(&self.regular, &self.fonts.regular, regular), (&self.bold, &self.fonts.bold, bold)];
        let mut subsets = Vec::new();
        for (id, face, chars) in faces {
            // An unused face is left out of the document by printpdf.
            if chars.is_empty() {
                continue;
            }
            match fonts::subset_for(face, &id.0, &chars) {
                Some(font) => subsets.push((id.clone(), font)),
                None => return false,
            }
        }
        for (id, font) in subsets {
            self.pdf.resources.fonts.map.insert(id, printpdf::PdfFont::new(font));
        }
        true
    }

    /// The number of pages so far (the current one included).
    pub fn page_count(&self) -> usize {
        self.pages.len() + 1
    }
}

#[cfg(test)]
mod tests;
