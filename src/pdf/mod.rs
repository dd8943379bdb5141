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

pub mod fonts;
pub mod format;

use std::fmt;

use printpdf::{
    Color, FontId, Line as PdfLine, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt,
    Rect, Rgb, TextItem,
};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    /// Relative width: the columns share the content width in proportion.
    pub weight: f32,
    pub align: Align,
}

impl Column {
    pub fn left(title: impl Into<String>, weight: f32) -> Column {
        Column { title: title.into(), weight, align: Align::Left }
    }
    pub fn right(title: impl Into<String>, weight: f32) -> Column {
        Column { title: title.into(), weight, align: Align::Right }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// A totals row, set in bold with a rule above it.
    pub bold_last_row: bool,
    pub size: f32,
}

impl Table {
    pub fn new(columns: Vec<Column>, rows: Vec<Vec<String>>) -> Table {
        Table { columns, rows, bold_last_row: false, size: 9.0 }
    }
    pub fn with_total_row(mut self) -> Table {
        self.bold_last_row = true;
        self
    }
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
}

impl Document {
    pub fn new(settings: Settings) -> Result<Document, PdfError> {
        let fonts = fonts::fonts()?;
        let mut pdf = PdfDocument::new(&settings.title);
        let regular = pdf.add_font(&fonts.regular.parsed);
        let bold = pdf.add_font(&fonts.bold.parsed);
        Ok(Document { settings, fonts, pdf, regular, bold, pages: Vec::new(), ops: Vec::new(), y: BODY_TOP })
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
    }

    /// Starts a new page unless `points` still fit on this one.
    pub fn ensure(&mut self, points: f32) {
        if self.y + points > BODY_BOTTOM && self.y > BODY_TOP {
            self.page_break();
        }
    }

    /// Splits `text` into lines no wider than `width`; `\n` forces a break. A word longer than the
    /// width is broken between characters.
    pub fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let face = self.fonts.face(bold);
        let space = face.width(" ", size);
        let mut out = Vec::new();
        for raw in text.split('\n') {
            let mut line = String::new();
            let mut line_width = 0.0;
            // An amount stays on one line: "€" is kept with the figure after it.
            let mut words: Vec<String> = Vec::new();
            let mut glue = false;
            for word in raw.split_whitespace() {
                match words.last_mut() {
                    Some(last) if glue => {
                        last.push(' ');
                        last.push_str(word);
                    }
                    _ => words.push(word.to_string()),
                }
                glue = word == "€";
            }
            for word in words.iter().map(String::as_str) {
                let w = face.width(word, size);
                if !line.is_empty() && line_width + space + w <= width {
                    line.push(' ');
                    line.push_str(word);
                    line_width += space + w;
                    continue;
                }
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                if w <= width {
                    line.push_str(word);
                    line_width = w;
                } else {
                    // Break an overlong word (a URL, an IBAN) where it reaches the edge.
                    line_width = 0.0;
                    for c in word.chars() {
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

    fn font(&self, bold: bool) -> PdfFontHandle {
        PdfFontHandle::External(if bold { self.bold.clone() } else { self.regular.clone() })
    }

    /// Draws one line of text with its baseline at `baseline` (from the top), `x` from the page's
    /// left edge.
    fn text_op(&self, ops: &mut Vec<Op>, x: f32, baseline: f32, text: &str, size: f32, bold: bool, grey: bool) {
        if text.is_empty() {
            return;
        }
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont { font: self.font(bold), size: Pt(size) });
        ops.push(Op::SetFillColor { col: grey_color(if grey { GREY } else { 0.0 }) });
        ops.push(Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(PAGE_HEIGHT - baseline) } });
        ops.push(Op::ShowText { items: vec![TextItem::Text(text.to_string())] });
        ops.push(Op::EndTextSection);
    }

    fn draw_text(&mut self, x: f32, baseline: f32, text: &str, size: f32, bold: bool, grey: bool) {
        let mut ops = std::mem::take(&mut self.ops);
        self.text_op(&mut ops, x, baseline, text, size, bold, grey);
        self.ops = ops;
    }

    /// A horizontal rule across `width` at `y` (from the top).
    fn rule_op(ops: &mut Vec<Op>, x: f32, y: f32, width: f32, grey: f32, thickness: f32) {
        ops.push(Op::SetOutlineColor { col: grey_color(grey) });
        ops.push(Op::SetOutlineThickness { pt: Pt(thickness) });
        ops.push(Op::DrawLine {
            line: PdfLine {
                points: vec![
                    LinePoint { p: Point { x: Pt(x), y: Pt(PAGE_HEIGHT - y) }, bezier: false },
                    LinePoint { p: Point { x: Pt(x + width), y: Pt(PAGE_HEIGHT - y) }, bezier: false },
                ],
                is_closed: false,
            },
        });
    }

    fn fill_op(ops: &mut Vec<Op>, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        ops.push(Op::SetFillColor { col: grey_color(grey) });
        let mut rect = Rect::from_xywh(Pt(x), Pt(PAGE_HEIGHT - y - height), Pt(width), Pt(height));
        rect.mode = Some(PaintMode::Fill);
        ops.push(Op::DrawRectangle { rectangle: rect });
    }

    /// A thin rule across the content width, with some space around it.
    pub fn rule(&mut self) {
        self.ensure(8.0);
        self.y += 3.0;
        Self::rule_op(&mut self.ops, MARGIN_LEFT, self.y, CONTENT_WIDTH, RULE_GREY, 0.5);
        self.y += 6.0;
    }

    /// A wrapped paragraph in `style`; lines move to the next page one by one.
    pub fn text(&mut self, text: &str, style: Style) {
        let line_height = style.size * LEADING;
        for line in self.wrap(text, style.size, style.bold, CONTENT_WIDTH - style.indent) {
            self.ensure(line_height);
            let baseline = self.y + style.size;
            self.draw_text(MARGIN_LEFT + style.indent, baseline, &line, style.size, style.bold, false);
            self.y += line_height;
        }
        self.y += style.after;
    }

    /// The height `text` takes in `style`, to keep it on a page with what follows.
    pub fn text_height(&self, text: &str, style: Style) -> f32 {
        let lines = self.wrap(text, style.size, style.bold, CONTENT_WIDTH - style.indent).len();
        lines as f32 * style.size * LEADING + style.after
    }

    pub fn paragraph(&mut self, text: &str) {
        self.text(text, Style::body());
    }

    /// A bold heading, kept on a page with at least three lines after it.
    pub fn heading(&mut self, text: &str) {
        self.ensure(11.0 * LEADING + 4.0 * BODY_SIZE * LEADING);
        self.y += 4.0;
        self.text(text, Style { size: 11.0, bold: true, indent: 0.0, after: 3.0 });
    }

    /// A bulleted item.
    pub fn bullet(&mut self, text: &str) {
        let size = BODY_SIZE;
        let indent = 14.0;
        let lines = self.wrap(text, size, false, CONTENT_WIDTH - indent);
        for (i, line) in lines.iter().enumerate() {
            self.ensure(size * LEADING);
            let baseline = self.y + size;
            if i == 0 {
                self.draw_text(MARGIN_LEFT + 3.0, baseline, "•", size, false, false);
            }
            self.draw_text(MARGIN_LEFT + indent, baseline, line, size, false, false);
            self.y += size * LEADING;
        }
        self.y += 2.0;
    }

    /// Blocks side by side (an address block beside the sender's details); the cursor moves below
    /// the tallest. The blocks are kept on one page.
    pub fn blocks(&mut self, blocks: &[Block]) {
        let laid: Vec<(f32, Vec<(String, &Line)>)> = blocks
            .iter()
            .map(|b| {
                let lines = b.lines.iter().flat_map(|l| self.wrap(&l.text, l.size, l.bold, b.width).into_iter().map(move |t| (t, l))).collect();
                (MARGIN_LEFT + b.x, lines)
            })
            .collect();
        let height = |lines: &Vec<(String, &Line)>| lines.iter().map(|(_, l)| l.size * LEADING).sum::<f32>();
        let tallest = laid.iter().map(|(_, l)| height(l)).fold(0.0, f32::max);
        self.ensure(tallest);
        let mut ops = std::mem::take(&mut self.ops);
        for (x, lines) in &laid {
            let mut y = self.y;
            for (text, l) in lines {
                self.text_op(&mut ops, *x, y + l.size, text, l.size, l.bold, l.grey);
                y += l.size * LEADING;
            }
        }
        self.ops = ops;
        self.y += tallest;
    }

    /// Label and value pairs in two columns (label bold), the value wrapping.
    pub fn key_values(&mut self, rows: &[(String, String)], label_width: f32) {
        for (label, value) in rows {
            let lines = self.wrap(value, BODY_SIZE, false, CONTENT_WIDTH - label_width);
            let label_lines = self.wrap(label, BODY_SIZE, true, label_width - 6.0);
            let n = lines.len().max(label_lines.len()).max(1);
            self.ensure(n as f32 * BODY_SIZE * LEADING);
            let mut ops = std::mem::take(&mut self.ops);
            for (i, l) in label_lines.iter().enumerate() {
                self.text_op(&mut ops, MARGIN_LEFT, self.y + BODY_SIZE + i as f32 * BODY_SIZE * LEADING, l, BODY_SIZE, true, false);
            }
            for (i, l) in lines.iter().enumerate() {
                self.text_op(&mut ops, MARGIN_LEFT + label_width, self.y + BODY_SIZE + i as f32 * BODY_SIZE * LEADING, l, BODY_SIZE, false, false);
            }
            self.ops = ops;
            self.y += n as f32 * BODY_SIZE * LEADING;
        }
        self.y += 5.0;
    }

    /// A table across the content width. A row that does not fit starts a new page, where the
    /// header row is drawn again; a row is never split.
    pub fn table(&mut self, table: &Table) {
        let total: f32 = table.columns.iter().map(|c| c.weight.max(0.0)).sum::<f32>().max(f32::EPSILON);
        let widths: Vec<f32> = table.columns.iter().map(|c| CONTENT_WIDTH * c.weight.max(0.0) / total).collect();
        let pad = 4.0;
        let size = table.size;
        let line_height = size * LEADING;
        let header: Vec<String> = table.columns.iter().map(|c| c.title.clone()).collect();
        let header_height = self.row_height(&header, &widths, size, true, pad);
        let first_row = table.rows.first().map_or(0.0, |r| self.row_height(r, &widths, size, false, pad));
        self.ensure(header_height + first_row);
        self.draw_row(table, &header, &widths, Row::Header, pad);
        for (i, row) in table.rows.iter().enumerate() {
            let last = table.bold_last_row && i + 1 == table.rows.len();
            let h = self.row_height(row, &widths, size, last, pad);
            if self.y + h > BODY_BOTTOM {
                self.page_break();
                self.draw_row(table, &header, &widths, Row::Header, pad);
            }
            self.draw_row(table, row, &widths, if last { Row::Total } else { Row::Body }, pad);
        }
        self.y += line_height * 0.6;
    }

    fn row_height(&self, cells: &[String], widths: &[f32], size: f32, bold: bool, pad: f32) -> f32 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| self.wrap(c, size, bold, w - 2.0 * pad).len())
            .max()
            .unwrap_or(1);
        lines as f32 * size * LEADING + pad
    }

    fn draw_row(&mut self, table: &Table, cells: &[String], widths: &[f32], kind: Row, pad: f32) {
        let size = table.size;
        let bold = kind != Row::Body;
        let height = self.row_height(cells, widths, size, bold, pad);
        let mut ops = std::mem::take(&mut self.ops);
        if kind == Row::Header {
            Self::fill_op(&mut ops, MARGIN_LEFT, self.y, CONTENT_WIDTH, height, HEADER_FILL);
        }
        if kind == Row::Total {
            Self::rule_op(&mut ops, MARGIN_LEFT, self.y, CONTENT_WIDTH, 0.0, 0.8);
        }
        let mut x = MARGIN_LEFT;
        for ((cell, width), column) in cells.iter().zip(widths).zip(&table.columns) {
            for (i, line) in self.wrap(cell, size, bold, width - 2.0 * pad).iter().enumerate() {
                let baseline = self.y + pad * 0.5 + size + i as f32 * size * LEADING;
                let lx = match column.align {
                    Align::Left => x + pad,
                    Align::Right => x + width - pad - self.measure(line, size, bold),
                };
                self.text_op(&mut ops, lx, baseline, line, size, bold, false);
            }
            x += width;
        }
        Self::rule_op(&mut ops, MARGIN_LEFT, self.y + height, CONTENT_WIDTH, RULE_GREY, 0.4);
        self.ops = ops;
        self.y += height;
    }

    /// Header and footer of page `number` of `count`.
    fn decoration(&self, number: usize, count: usize) -> Vec<Op> {
        let mut ops = Vec::new();
        let s = &self.settings;
        self.text_op(&mut ops, MARGIN_LEFT, 42.0, &s.header_left, 11.0, true, false);
        if !s.header_right.is_empty() {
            let size = 8.0;
            let lines = self.wrap(&s.header_right, size, false, CONTENT_WIDTH * 0.45);
            for (i, l) in lines.iter().enumerate() {
                let x = PAGE_WIDTH - MARGIN_RIGHT - self.measure(l, size, false);
                self.text_op(&mut ops, x, 40.0 + i as f32 * size * LEADING, l, size, false, true);
            }
        }
        Self::rule_op(&mut ops, MARGIN_LEFT, 62.0, CONTENT_WIDTH, 0.0, 0.8);
        let footer_y = PAGE_HEIGHT - 36.0;
        Self::rule_op(&mut ops, MARGIN_LEFT, footer_y - 12.0, CONTENT_WIDTH, RULE_GREY, 0.4);
        self.text_op(&mut ops, MARGIN_LEFT, footer_y, &s.footer_left, 8.0, false, true);
        let page = format!("pagina {number} van {count}");
        let x = PAGE_WIDTH - MARGIN_RIGHT - self.measure(&page, 8.0, false);
        self.text_op(&mut ops, x, footer_y, &page, 8.0, false, true);
        ops
    }

    /// Lays out the headers and footers and writes the PDF, with the fonts subset to the glyphs used.
    pub fn finish(mut self) -> Result<Vec<u8>, PdfError> {
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
        let options = PdfSaveOptions { optimize: std::env::var("TUINIER_PDF_DEBUG").is_err(), subset_fonts: true, secure: true, image_optimization: None };
        let mut warnings = Vec::new();
        let bytes = self.pdf.with_pages(pages).save(&options, &mut warnings);
        if bytes.is_empty() {
            return Err(PdfError(format!("printpdf wrote nothing: {warnings:?}")));
        }
        Ok(bytes)
    }

    /// The number of pages so far (the current one included).
    pub fn page_count(&self) -> usize {
        self.pages.len() + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Header,
    Body,
    Total,
}

fn grey_color(level: f32) -> Color {
    Color::Rgb(Rgb::new(level, level, level, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rows: usize) -> Vec<u8> {
        let mut d = Document::new(Settings {
            title: "Proef".into(),
            header_left: "Toekomstscenario kind- en gezinsbescherming".into(),
            header_right: "Programmabureau".into(),
            footer_left: "Kenmerk X-1".into(),
        })
        .unwrap();
        d.heading("Kop");
        d.paragraph(&"Een lange zin met een € 1.027.020,00 en Zoë uit Súdwest-Fryslân. ".repeat(8));
        let rows = (0..rows).map(|i| vec![format!("Regel {i}"), format::integer(i as i64 * 1000)]).collect();
        d.table(&Table::new(vec![Column::left("Omschrijving", 3.0), Column::right("Aantal", 1.0)], rows));
        d.finish().unwrap()
    }

    #[test]
    fn wraps_within_the_width() {
        let d = Document::new(Settings::default()).unwrap();
        let text = "woord ".repeat(100);
        let lines = d.wrap(&text, 10.0, false, 200.0);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(d.measure(l, 10.0, false) <= 200.0, "{l}");
        }
        assert_eq!(d.wrap("a\nb", 10.0, false, 200.0), ["a", "b"]);
    }

    #[test]
    fn a_long_table_runs_over_pages() {
        let one = sample(3);
        let many = sample(120);
        assert!(one.starts_with(b"%PDF"));
        assert!(many.len() > one.len());
    }

    /// The text comes back out exactly (where poppler's `pdftotext` is installed).
    #[test]
    fn euro_sign_diacritics_and_page_numbers_extract() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.pdf");
        std::fs::write(&path, sample(120)).unwrap();
        if let Ok(keep) = std::env::var("TUINIER_KEEP_PDF") {
            std::fs::copy(&path, keep).unwrap();
        }
        let Ok(out) = std::process::Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output() else { return };
        let text = String::from_utf8(out.stdout).unwrap();
        for needle in ["€ 1.027.020,00", "Zoë", "Súdwest-Fryslân", "Toekomstscenario kind- en gezinsbescherming", "119.000"] {
            assert!(text.contains(needle), "{needle} not in:\n{text}");
        }
        let pages = text.matches("pagina ").count();
        assert!(pages > 1, "{text}");
        for n in 1..=pages {
            assert!(text.contains(&format!("pagina {n} van {pages}")), "{text}");
        }
        // The table's header row is repeated on every page.
        assert_eq!(text.matches("Omschrijving").count(), pages, "{text}");
    }
}
