//! The drawing operations of a [`Document`]: text, rules, fills, and each page's header and
//! footer (an artifact, outside the structure tree).

use printpdf::{
    Color, Line as PdfLine, LinePoint, Op, PaintMode, PdfFontHandle, Point, Pt, Rgb, TextItem,
};

use super::*;

impl Document {
    pub(super) fn font(&self, bold: bool) -> PdfFontHandle {
        PdfFontHandle::External(if bold { self.bold.clone() } else { self.regular.clone() })
    }

    /// Draws one line of text at `(x, baseline)`: `x` from the page's left edge, the baseline from
    /// the top.
    pub(super) fn text_op(
        &self,
        ops: &mut Vec<Op>,
        (x, baseline): (f32, f32),
        text: &str,
        size: f32,
        bold: bool,
        grey: bool,
    ) {
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

    /// Draws one line of body text as marked content of the current structure element.
    pub(super) fn draw_text(
        &mut self,
        x: f32,
        baseline: f32,
        text: &str,
        size: f32,
        bold: bool,
        grey: bool,
    ) {
        if text.is_empty() {
            return;
        }
        let mut ops = std::mem::take(&mut self.ops);
        self.open_content(&mut ops);
        self.text_op(&mut ops, (x, baseline), text, size, bold, grey);
        ops.push(Op::EndMarkedContent);
        self.ops = ops;
    }

    /// A horizontal rule across `width` at `y` (from the top), an artifact.
    pub(super) fn rule_op(
        ops: &mut Vec<Op>,
        x: f32,
        y: f32,
        width: f32,
        grey: f32,
        thickness: f32,
    ) {
        Self::open_artifact(ops, false);
        ops.push(Op::SetOutlineColor { col: grey_color(grey) });
        ops.push(Op::SetOutlineThickness { pt: Pt(thickness) });
        ops.push(Op::DrawLine {
            line: PdfLine {
                points: vec![
                    LinePoint { p: Point { x: Pt(x), y: Pt(PAGE_HEIGHT - y) }, bezier: false },
                    LinePoint {
                        p: Point { x: Pt(x + width), y: Pt(PAGE_HEIGHT - y) },
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
        ops.push(Op::EndMarkedContent);
    }

    /// A filled rectangle, an artifact.
    pub(super) fn fill_op(ops: &mut Vec<Op>, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        Self::open_artifact(ops, false);
        ops.push(Op::SetFillColor { col: grey_color(grey) });
        let mut rect = Rect::from_xywh(Pt(x), Pt(PAGE_HEIGHT - y - height), Pt(width), Pt(height));
        rect.mode = Some(PaintMode::Fill);
        ops.push(Op::DrawRectangle { rectangle: rect });
        ops.push(Op::EndMarkedContent);
    }

    /// Header and footer of page `number` of `count`.
    pub(super) fn decoration(&self, number: usize, count: usize) -> Vec<Op> {
        let mut ops = Vec::new();
        Self::open_artifact(&mut ops, true);
        let s = &self.settings;
        self.text_op(&mut ops, (MARGIN_LEFT, 42.0), &s.header_left, 11.0, true, false);
        if !s.header_right.is_empty() {
            let size = 8.0;
            let lines = self.wrap(&s.header_right, size, false, CONTENT_WIDTH * 0.45);
            for (i, l) in lines.iter().enumerate() {
                let x = PAGE_WIDTH - MARGIN_RIGHT - self.measure(l, size, false);
                self.text_op(&mut ops, (x, 40.0 + i as f32 * size * LEADING), l, size, false, true);
            }
        }
        Self::rule_op(&mut ops, MARGIN_LEFT, 62.0, CONTENT_WIDTH, 0.0, 0.8);
        let footer_y = PAGE_HEIGHT - 36.0;
        Self::rule_op(&mut ops, MARGIN_LEFT, footer_y - 12.0, CONTENT_WIDTH, RULE_GREY, 0.4);
        self.text_op(&mut ops, (MARGIN_LEFT, footer_y), &s.footer_left, 8.0, false, true);
        let page = format!("pagina {number} van {count}");
        let x = PAGE_WIDTH - MARGIN_RIGHT - self.measure(&page, 8.0, false);
        self.text_op(&mut ops, (x, footer_y), &page, 8.0, false, true);
        ops.push(Op::EndMarkedContent);
        ops
    }
}

pub(super) fn grey_color(level: f32) -> Color {
    Color::Rgb(Rgb::new(level, level, level, None))
}
