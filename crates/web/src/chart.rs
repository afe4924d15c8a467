//! Server-rendered SVG charts: horizontal bars, stacked bars over time and a population
//! pyramid. No script: each chart is an `<svg role="img">` with a `<title>`, drawn on a
//! 320-unit-wide canvas so that on a phone 390 px wide (about 310 px left for the chart) its
//! 14-unit text stays about 13.5 px tall (a stylesheet caps the width on larger screens). Labels sit above their bars rather than
//! beside them, so a long region name never squeezes the bar. Text is near-black on white
//! (contrast above 15:1); colours only fill bars, and every value is also in the table below
//! the chart.
//!
//! A value of `None` is a count the reader may not see (suppressed): it is left out of the
//! chart entirely, neither drawn nor labelled.

use std::fmt::Write;

/// The canvas width, in SVG units.
const WIDTH: f64 = 320.0;
/// The text colour: #1a1a1a on white is 17.4:1.
const INK: &str = "#1a1a1a";
/// Bar fills, in series order; each has at least 3:1 against white (a non-text contrast).
pub const FILLS: [&str; 8] = ["#1f5fa8", "#b5461c", "#2e7d32", "#6a3d9a", "#8d6e00", "#c2185b", "#00796b", "#5d4037"];

/// Escapes text for SVG (or HTML) content and attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Shortens a label to `max` characters with an ellipsis (the full text is in the tooltip
/// and the table).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

/// The opening of a chart of `height` units, titled `title`.
fn open(class: &str, title: &str, height: f64) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart {class}" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" font-family="sans-serif" font-size="14"><title>{}</title>"#,
        esc(title)
    )
}

/// A bar with its tooltip.
fn bar(svg: &mut String, x: f64, y: f64, w: f64, h: f64, fill: &str, tip: &str) {
    let _ = write!(
        svg,
        r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}"><title>{}</title></rect>"#,
        esc(tip)
    );
}

/// Text at a point; `class` lets tests and styles tell values (`value`) from labels.
fn text(svg: &mut String, x: f64, y: f64, anchor: &str, class: &str, s: &str) {
    let _ = write!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" fill="{INK}" class="{class}">{}</text>"#,
        esc(s)
    );
}

/// One horizontal bar per row: the label on its own line, the bar below it with its value
/// at its end. Rows whose value is suppressed are left out.
pub fn bars(title: &str, rows: &[(String, Option<u64>)]) -> String {
    let shown: Vec<(&String, u64)> = rows.iter().filter_map(|(l, v)| v.map(|v| (l, v))).collect();
    let (row_h, top) = (38.0, 4.0);
    let max = shown.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let plot = WIDTH - 60.0;
    let mut svg = open("bars", title, top + row_h * shown.len() as f64 + 4.0);
    for (i, (label, v)) in shown.iter().enumerate() {
        let y = top + row_h * i as f64;
        text(&mut svg, 0.0, y + 13.0, "start", "label", &short(label, 38));
        let w = (*v as f64 / max * plot).max(if *v > 0 { 2.0 } else { 0.0 });
        bar(&mut svg, 0.0, y + 18.0, w, 14.0, FILLS[0], &format!("{label}: {v}"));
        text(&mut svg, w + 4.0, y + 30.0, "start", "value", &v.to_string());
    }
    svg.push_str("</svg>");
    svg
}

/// A legend of `names`, wrapped over as many lines as needed from `y`; answers its height.
fn legend(svg: &mut String, names: &[&str], y: f64) -> f64 {
    let (mut x, mut line) = (0.0, 0.0);
    for (i, name) in names.iter().enumerate() {
        let w = 22.0 + 7.8 * name.chars().count() as f64;
        if x > 0.0 && x + w > WIDTH {
            x = 0.0;
            line += 20.0;
        }
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{}"/>"#,
            y + line,
            FILLS[i % FILLS.len()]
        );
        text(svg, x + 16.0, y + line + 11.0, "start", "legend", name);
        x += w;
    }
    line + 20.0
}

/// Lines a legend of `names` takes, in units.
fn legend_height(names: &[&str]) -> f64 {
    let mut probe = String::new();
    legend(&mut probe, names, 0.0)
}

/// Stacked horizontal bars, one per period (a month), its segments the series in `series`
/// order, with a legend on top and the period's total at the bar's end. Suppressed segments
/// are left out (and the total with them); bars are scaled on the largest sum shown.
pub fn stacked(title: &str, series: &[&str], periods: &[(String, Vec<Option<u64>>)]) -> String {
    let (label_w, row_h) = (64.0, 20.0);
    let top = legend_height(series) + 6.0;
    let sum = |cells: &[Option<u64>]| cells.iter().flatten().sum::<u64>();
    let max = periods.iter().map(|(_, c)| sum(c)).max().unwrap_or(0).max(1) as f64;
    let plot = WIDTH - label_w - 40.0;
    let mut svg = open("stacked", title, top + row_h * periods.len() as f64 + 4.0);
    legend(&mut svg, series, 0.0);
    for (i, (period, cells)) in periods.iter().enumerate() {
        let y = top + row_h * i as f64;
        text(&mut svg, 0.0, y + 14.0, "start", "label", period);
        let mut x = label_w;
        for (j, v) in cells.iter().enumerate() {
            let Some(v) = v.filter(|v| *v > 0) else { continue };
            let w = v as f64 / max * plot;
            let name = series.get(j).copied().unwrap_or("");
            bar(&mut svg, x, y + 3.0, w, 14.0, FILLS[j % FILLS.len()], &format!("{period} · {name}: {v}"));
            x += w;
        }
        // The period's total only when every part is shown: a sum of what is shown would
        // pass for a total it is not.
        if cells.iter().all(Option::is_some) {
            text(&mut svg, x + 4.0, y + 14.0, "start", "value", &sum(cells).to_string());
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A population pyramid: one row per band (the oldest on top), the left side's bars growing
/// leftwards from the centre, the right side's rightwards, the band's label in between.
/// `sides` names the two sides; a suppressed count leaves its bar out.
pub fn pyramid(title: &str, sides: [&str; 2], bands: &[(String, Option<u64>, Option<u64>)]) -> String {
    let (mid_w, row_h, top) = (56.0, 18.0, 22.0);
    let half = (WIDTH - mid_w) / 2.0;
    let plot = half - 34.0;
    let max = bands.iter().flat_map(|(_, l, r)| [*l, *r]).flatten().max().unwrap_or(0).max(1) as f64;
    let mut svg = open("pyramid", title, top + row_h * bands.len() as f64 + 4.0);
    text(&mut svg, half - 4.0, 14.0, "end", "legend", sides[0]);
    text(&mut svg, half + mid_w + 4.0, 14.0, "start", "legend", sides[1]);
    for (i, (band, left, right)) in bands.iter().rev().enumerate() {
        let y = top + row_h * i as f64;
        text(&mut svg, WIDTH / 2.0, y + 13.0, "middle", "label", band);
        if let Some(v) = left {
            let w = *v as f64 / max * plot;
            bar(&mut svg, half - w, y + 2.0, w, 14.0, FILLS[0], &format!("{band} · {}: {v}", sides[0]));
            text(&mut svg, half - w - 3.0, y + 13.0, "end", "value", &v.to_string());
        }
        if let Some(v) = right {
            let w = *v as f64 / max * plot;
            bar(&mut svg, half + mid_w, y + 2.0, w, 14.0, FILLS[1], &format!("{band} · {}: {v}", sides[1]));
            text(&mut svg, half + mid_w + w + 3.0, y + 13.0, "start", "value", &v.to_string());
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(svg: &str) -> Vec<String> {
        svg.split(r#"class="value">"#).skip(1).map(|s| s.split('<').next().unwrap_or("").to_string()).collect()
    }

    #[test]
    fn bars_are_accessible_escaped_and_leave_out_suppressed_rows() {
        let svg = bars(
            "Rumah <tangga>",
            &[("Pilang & Co".into(), Some(12)), ("Kutukan".into(), None), ("Wulung".into(), Some(0))],
        );
        assert!(svg.starts_with("<svg") && svg.contains(r#"role="img""#));
        assert!(svg.contains("<title>Rumah &lt;tangga&gt;</title>"));
        assert!(svg.contains("Pilang &amp; Co") && !svg.contains("Kutukan"));
        assert_eq!(values(&svg), ["12", "0"]);
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn the_longest_bar_fills_the_plot_and_labels_are_shortened() {
        let long = "Kelurahan dengan nama yang sangat panjang sekali untuk layar ponsel".to_string();
        let svg = bars("t", &[(long.clone(), Some(10)), ("b".into(), Some(5))]);
        assert!(svg.contains(r#"width="260.0""#) && svg.contains(r#"width="130.0""#), "{svg}");
        assert!(svg.contains('…') && svg.contains(&long), "the full label stays in the tooltip");
    }

    #[test]
    fn stacked_bars_total_only_whole_periods_and_keep_a_legend() {
        let svg = stacked(
            "s",
            &["Aktif", "Lulus"],
            &[("2025-01".into(), vec![Some(4), None]), ("2025-02".into(), vec![Some(6), Some(2)])],
        );
        assert_eq!(values(&svg), ["8"], "no total for a period with a hidden part");
        assert!(svg.contains(r#"class="legend">Aktif<"#) && svg.contains(r#"class="legend">Lulus<"#));
        assert_eq!(svg.matches("<rect").count(), 2 + 3, "two legend keys, three segments");
    }

    #[test]
    fn the_pyramid_puts_the_oldest_on_top() {
        let svg = pyramid("p", ["L", "P"], &[("0–4".into(), Some(3), Some(2)), ("75+".into(), None, Some(1))]);
        let (old, young) = (svg.find("75+").unwrap_or(0), svg.find("0–4").unwrap_or(0));
        assert!(old < young);
        assert_eq!(values(&svg), ["1", "3", "2"]);
    }
}
