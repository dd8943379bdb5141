//! Tables: columns sized so that no header and no figure breaks inside a word, rows that break
//! across pages with the header row repeated (as an artifact), and the last rows (a total with
//! the row above it) never left alone on a page. Tagged as `Table` › `TR` › `TH`/`TD`.

use printpdf::Op;

use super::{
    BODY_BOTTOM, BODY_TOP, CONTENT_WIDTH, Document, HEADER_FILL, LEADING, MARGIN_LEFT, RULE_GREY,
    wrap,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    /// Relative width: the columns share the content width in proportion, each at least as wide
    /// as its longest word (or amount, or date).
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Header,
    /// The header drawn again on a following page: an artifact.
    RepeatedHeader,
    Body,
    Total,
}

const PAD: f32 = 4.0;
/// A table this short is kept on one page.
const KEEP_WHOLE: usize = 4;
/// The last rows are kept together: a total never stands alone.
const KEEP_LAST: usize = 2;

/// Widths in proportion to `weights`, each at least its minimum.
fn distribute(weights: &[f32], mins: &[f32], total: f32) -> Vec<f32> {
    let mut fixed = vec![false; weights.len()];
    loop {
        let fixed_width: f32 = mins.iter().zip(&fixed).filter(|(_, f)| **f).map(|(m, _)| *m).sum();
        let free_weight: f32 = weights
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| !**f)
            .map(|(w, _)| w.max(0.0))
            .sum::<f32>()
            .max(f32::EPSILON);
        let rest = (total - fixed_width).max(0.0);
        let widths: Vec<f32> = (0..weights.len())
            .map(|i| if fixed[i] { mins[i] } else { rest * weights[i].max(0.0) / free_weight })
            .collect();
        let mut changed = false;
        for i in 0..weights.len() {
            if !fixed[i] && widths[i] < mins[i] {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed {
            return widths;
        }
    }
}

impl Document {
    /// The column widths and the type size: the table's size if every column can hold its widest
    /// unbreakable word there, else up to 1.5 points smaller; if even that does not fit, the
    /// weights alone (long words then break after a hyphen).
    pub(super) fn column_widths(&self, table: &Table) -> (Vec<f32>, f32) {
        let weights: Vec<f32> = table.columns.iter().map(|c| c.weight).collect();
        let mut size = table.size;
        while size >= table.size - 1.5 && size >= 7.0 {
            let mins: Vec<f32> = (0..table.columns.len())
                .map(|c| {
                    let title =
                        wrap::widest_unit(self.fonts.face(true), &table.columns[c].title, size);
                    let cells = table
                        .rows
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| {
                            let bold = table.bold_last_row && i + 1 == table.rows.len();
                            r.get(c).map(|t| wrap::widest_unit(self.fonts.face(bold), t, size))
                        })
                        .fold(0.0, f32::max);
                    title.max(cells) + 2.0 * PAD + 0.5
                })
                .collect();
            if mins.iter().sum::<f32>() <= CONTENT_WIDTH {
                return (distribute(&weights, &mins, CONTENT_WIDTH), size);
            }
            size -= 0.5;
        }
        (distribute(&weights, &vec![0.0; weights.len()], CONTENT_WIDTH), table.size)
    }

    /// A table across the content width. A row that does not fit starts a new page, where the
    /// header row is drawn again; a row is never split, a short table never either, and the last
    /// two rows stay together.
    pub fn table(&mut self, table: &Table) {
        self.settle(false);
        let (widths, size) = self.column_widths(table);
        let header: Vec<String> = table.columns.iter().map(|c| c.title.clone()).collect();
        let header_height = self.row_height(&header, &widths, size, true);
        let n = table.rows.len();
        let heights: Vec<f32> = table
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| self.row_height(r, &widths, size, table.bold_last_row && i + 1 == n))
            .collect();
        let first = if n <= KEEP_WHOLE { n } else { KEEP_LAST };
        self.ensure(header_height + heights[..first].iter().sum::<f32>());
        self.begin_tag("Table");
        self.draw_row(table, &header, &widths, size, Row::Header);
        let tail_start = n.saturating_sub(KEEP_LAST);
        for (i, row) in table.rows.iter().enumerate() {
            let last = table.bold_last_row && i + 1 == n;
            let need =
                if i == tail_start && i > 0 { heights[i..].iter().sum() } else { heights[i] };
            if self.y + need > BODY_BOTTOM && self.y > BODY_TOP + header_height + 0.5 {
                self.page_break();
                self.draw_row(table, &header, &widths, size, Row::RepeatedHeader);
            }
            self.draw_row(table, row, &widths, size, if last { Row::Total } else { Row::Body });
        }
        self.end_tag();
        self.y += size * LEADING * 0.6;
    }

    fn row_height(&self, cells: &[String], widths: &[f32], size: f32, bold: bool) -> f32 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| self.wrap(c, size, bold, w - 2.0 * PAD).len())
            .max()
            .unwrap_or(1);
        lines as f32 * size * LEADING + PAD
    }

    fn draw_row(&mut self, table: &Table, cells: &[String], widths: &[f32], size: f32, kind: Row) {
        let bold = kind != Row::Body;
        let height = self.row_height(cells, widths, size, bold);
        let mut ops = std::mem::take(&mut self.ops);
        if matches!(kind, Row::Header | Row::RepeatedHeader) {
            Self::fill_op(&mut ops, MARGIN_LEFT, self.y, CONTENT_WIDTH, height, HEADER_FILL);
        }
        if kind == Row::Total {
            Self::rule_op(&mut ops, MARGIN_LEFT, self.y, CONTENT_WIDTH, 0.0, 0.8);
        }
        let tagged = kind != Row::RepeatedHeader;
        if tagged {
            self.tags.begin("TR");
        } else {
            Self::open_artifact(&mut ops, true);
        }
        let mut x = MARGIN_LEFT;
        for ((cell, width), column) in cells.iter().zip(widths).zip(&table.columns) {
            if tagged {
                let id = self.tags.begin(if kind == Row::Header { "TH" } else { "TD" });
                if kind == Row::Header {
                    self.tags.set_scope(id, "Column");
                }
            }
            for (i, line) in self.wrap(cell, size, bold, width - 2.0 * PAD).iter().enumerate() {
                if line.is_empty() {
                    continue;
                }
                let baseline = self.y + PAD * 0.5 + size + i as f32 * size * LEADING;
                let lx = match column.align {
                    Align::Left => x + PAD,
                    Align::Right => x + width - PAD - self.measure(line, size, bold),
                };
                if tagged {
                    self.open_content(&mut ops);
                }
                self.text_op(&mut ops, (lx, baseline), line, size, bold, false);
                if tagged {
                    ops.push(Op::EndMarkedContent);
                }
            }
            if tagged {
                self.tags.end();
            }
            x += width;
        }
        if tagged {
            self.tags.end();
        } else {
            ops.push(Op::EndMarkedContent);
        }
        Self::rule_op(&mut ops, MARGIN_LEFT, self.y + height, CONTENT_WIDTH, RULE_GREY, 0.4);
        self.ops = ops;
        self.y += height;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_get_at_least_their_minimum() {
        let w = distribute(&[1.0, 1.0, 1.0], &[10.0, 200.0, 10.0], 300.0);
        assert!((w[1] - 200.0).abs() < 0.01 && (w[0] - 50.0).abs() < 0.01, "{w:?}");
        let w = distribute(&[2.0, 1.0], &[0.0, 0.0], 300.0);
        assert!((w[0] - 200.0).abs() < 0.01, "{w:?}");
    }
}
