//! Small charts as SVG drawn on the server: no script, a title and description for screen
//! readers, and always a table beside them with the same figures.

use maud::{Markup, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// A horizontal bar per label around a zero line (negative to the left): e.g. an assessor's mean
/// deviation from the others.
pub fn deviation_bars(title: &str, rows: &[(String, Decimal)]) -> Markup {
    let width = 480i64;
    let label_w = 170i64;
    let half = (width - label_w - 20) / 2;
    let zero = label_w + half;
    let bar_h = 22i64;
    let height = bar_h * rows.len().max(1) as i64 + 30;
    let max = rows.iter().map(|(_, v)| v.abs()).max().unwrap_or(Decimal::ONE).max(Decimal::ONE);
    let px = |v: Decimal| (v / max * Decimal::from(half)).round().to_i64().unwrap_or(0);
    html! {
        svg.tuinier-chart role="img" viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height)
            aria-labelledby="grafiek-titel grafiek-uitleg" xmlns="http://www.w3.org/2000/svg" {
            title #grafiek-titel { (title) }
            desc #grafiek-uitleg { "Links van de lijn: strenger dan de anderen; rechts: milder. De tabel ernaast geeft dezelfde cijfers." }
            line x1=(zero) y1="0" x2=(zero) y2=(height - 20) stroke="#333" stroke-width="1" {}
            @for (i, (label, v)) in rows.iter().enumerate() {
                @let y = i as i64 * bar_h + 4;
                @let w = px(*v);
                text x=(label_w - 8) y=(y + 14) text-anchor="end" font-size="12" fill="#1a1a1a" { (label) }
                rect x=(if w < 0 { zero + w } else { zero }) y=(y) width=(w.abs().max(1)) height=(bar_h - 8)
                    fill=(if w < 0 { "#8a1c1c" } else { "#154273" }) {}
            }
            text x=(label_w) y=(height - 6) font-size="11" fill="#333" { "strenger" }
            text x=(width - 10) y=(height - 6) font-size="11" text-anchor="end" fill="#333" { "milder" }
        }
    }
}

/// A line of values over periods (e.g. a monitoring metric per half year).
pub fn line_chart(title: &str, points: &[(String, Decimal)]) -> Markup {
    let (width, height, pad) = (480i64, 220i64, 40i64);
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(Decimal::ONE).max(Decimal::ONE);
    let n = points.len().max(2) as i64 - 1;
    let x = |i: usize| pad + (i as i64) * (width - 2 * pad) / n;
    let y = |v: Decimal| {
        height - pad - (v / max * Decimal::from(height - 2 * pad)).round().to_i64().unwrap_or(0)
    };
    let path: Vec<String> =
        points.iter().enumerate().map(|(i, (_, v))| format!("{},{}", x(i), y(*v))).collect();
    html! {
        svg.tuinier-chart role="img" viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height)
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            line x1=(pad) y1=(height - pad) x2=(width - pad) y2=(height - pad) stroke="#333" {}
            line x1=(pad) y1=(pad) x2=(pad) y2=(height - pad) stroke="#333" {}
            text x=(pad - 8) y=(pad + 4) text-anchor="end" font-size="11" { (max.normalize()) }
            text x=(pad - 8) y=(height - pad) text-anchor="end" font-size="11" { "0" }
            polyline points=(path.join(" ")) fill="none" stroke="#154273" stroke-width="3" {}
            @for (i, (label, v)) in points.iter().enumerate() {
                circle cx=(x(i)) cy=(y(*v)) r="4" fill="#154273" {}
                text x=(x(i)) y=(height - pad + 16) text-anchor="middle" font-size="11" { (label) }
            }
        }
    }
}
