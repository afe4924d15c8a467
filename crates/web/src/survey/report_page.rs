//! The report page of a saved analysis: the paper's tables (category tables with computed
//! bounds and distributions, the correlation table, the item table, reliability, factor
//! codes) and a diverging stacked bar chart of the item answers, drawn server-side as inline
//! SVG so the page needs no script and no internet.

use std::fmt::Write as _;

use berdaya_domain::survey::rank::PMethod;
use berdaya_domain::survey::reliability::Reliability;
use berdaya_domain::survey::report::{BarSegment, DivergingBar, Report, ScoreSummary, Side};
use berdaya_store::survey::StoredAnalysis;

use crate::chart::esc;
use crate::html::{Cell, Layout, Link, Table, yes_no};
use crate::i18n::{Lang, Translations};
use crate::messages::translate;

/// A block of the report: a heading, lines of text and tables, each with an optional caption.
pub struct ReportSection {
    pub id: String,
    pub title: String,
    pub lines: Vec<String>,
    pub tables: Vec<(Option<String>, Table)>,
}

/// The report page.
#[derive(askama::Template)]
#[template(path = "survey/report.html")]
pub struct ReportPage {
    pub l: Layout,
    pub heading: String,
    pub breadcrumbs: Vec<Link>,
    pub actions: Vec<Link>,
    pub facts: Vec<(String, Cell)>,
    pub notes: Vec<String>,
    pub sections: Vec<ReportSection>,
    /// The diverging stacked bar chart as an SVG element (escaped when built).
    pub chart: String,
    pub chart_title: String,
}

/// A number with at most `decimals` decimals, trailing zeros dropped, with the language's
/// decimal separator (`24,5` in Indonesian, `24.5` in English).
pub fn num(lang: Lang, x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if s == "-0" {
        s = "0".into();
    }
    if lang == Lang::Id { s.replace('.', ",") } else { s }
}

/// A number with exactly `decimals` decimals (statistics), or a dash when undefined.
pub fn fixed(lang: Lang, x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(v) if v.is_finite() => {
            let s = format!("{v:.decimals$}");
            if lang == Lang::Id { s.replace('.', ",") } else { s }
        }
        _ => "—".into(),
    }
}

fn pct(lang: Lang, x: f64) -> String {
    format!("{} %", num(lang, x, 1))
}

/// The label of a category key in the language; the instrument's own label otherwise.
fn category(t: &Translations, key: &str, fallback: &str) -> String {
    match key {
        "very_low" => t.t("survey.cat.very_low").into(),
        "low" => t.t("survey.cat.low").into(),
        "medium" => t.t("survey.cat.medium").into(),
        "high" => t.t("survey.cat.high").into(),
        _ if !fallback.is_empty() => fallback.into(),
        _ => key.into(),
    }
}

fn category_of(t: &Translations, s: &ScoreSummary, key: &str) -> String {
    let fallback = s.bands.iter().find(|b| b.category == key).map(|b| b.label_id.as_str()).unwrap_or("");
    category(t, key, fallback)
}

fn strength(t: &Translations, key: &str) -> String {
    match key {
        "very_weak" => t.t("survey.strength.very_weak").into(),
        "weak" => t.t("survey.strength.weak").into(),
        "moderate" => t.t("survey.strength.moderate").into(),
        "strong" => t.t("survey.strength.strong").into(),
        "very_strong" => t.t("survey.strength.very_strong").into(),
        other => other.into(),
    }
}

fn direction(t: &Translations, key: &str) -> String {
    match key {
        "positive" => t.t("survey.direction.positive").into(),
        "negative" => t.t("survey.direction.negative").into(),
        _ => t.t("survey.direction.none").into(),
    }
}

/// The serde name of a unit enum (`very_weak`), as stored in the report JSON.
fn code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn text(s: impl Into<String>) -> Cell {
    Cell::text(s)
}

/// The category table of one indicator or the total: each category's computed bounds, the
/// share of the range, and how many respondents fell in it.
fn category_table(lang: Lang, s: &ScoreSummary) -> Table {
    let t = lang.tr();
    let rows = s
        .bands
        .iter()
        .map(|b| {
            let share = s.distribution_percent.iter().find(|d| d.category == b.category);
            let lower = if b.lower_inclusive { num(lang, b.lower, 2) } else { format!("> {}", num(lang, b.lower, 2)) };
            vec![
                text(category(t, &b.category, &b.label_id)),
                text(lower),
                text(num(lang, b.upper, 2)),
                text(format!("{} – {}", pct(lang, b.percent_from), pct(lang, b.percent_to))),
                text(share.map(|d| d.count.to_string()).unwrap_or_default()),
                text(share.map(|d| pct(lang, d.percent)).unwrap_or_default()),
            ]
        })
        .collect();
    Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("survey.category").into(),
            t.t("survey.lower").into(),
            t.t("survey.upper").into(),
            t.t("survey.range_percent").into(),
            t.t("survey.count").into(),
            t.t("survey.percent").into(),
        ],
        rows,
        empty: String::new(),
    }
}

fn summary_row(lang: Lang, s: &ScoreSummary) -> Vec<Cell> {
    let t = lang.tr();
    vec![
        text(if s.name == "total" {
            t.t("survey.total").to_string()
        } else if s.label.is_empty() || s.label == s.name {
            s.name.clone()
        } else {
            format!("{} ({})", s.label, s.name)
        }),
        text(s.items.to_string()),
        text(s.min.to_string()),
        text(s.max.to_string()),
        text(num(lang, s.interval, 3)),
        text(s.bounds.iter().map(|b| num(lang, *b, 2)).collect::<Vec<_>>().join(" / ")),
        text(num(lang, s.mean, 2)),
        text(category_of(t, s, &s.category)),
        text(pct(lang, s.percent)),
    ]
}

/// Indonesian/English name of the p a significance decision used.
fn p_method(t: &Translations, m: PMethod) -> String {
    match m {
        PMethod::Exact => t.t("survey.p_method.exact").into(),
        PMethod::T => t.t("survey.p_method.t").into(),
    }
}

/// The correlation table: rho with its shortcut, both p-values and the one `significant` used.
fn correlation_section(lang: Lang, r: &Report) -> ReportSection {
    let t = lang.tr();
    let corr = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("survey.factor").into(),
            t.t("survey.target").into(),
            "n".into(),
            "rho".into(),
            t.t("survey.rho_shortcut").into(),
            t.t("survey.p_two").into(),
            t.t("survey.p_one").into(),
            t.t("survey.p_exact").into(),
            t.t("survey.p_method").into(),
            "tau-b".into(),
            t.t("survey.strength").into(),
            t.t("survey.direction").into(),
            t.t("survey.significant").into(),
        ],
        rows: r
            .correlations
            .iter()
            .map(|c| {
                let s = &c.stats;
                let target = if c.target == "total" { t.t("survey.total").to_string() } else { c.target.clone() };
                let shortcut = match (s.rho_shortcut, s.shortcut_differs) {
                    (Some(_), true) => format!("{} ⚠", fixed(lang, s.rho_shortcut, 3)),
                    _ => fixed(lang, s.rho_shortcut, 3),
                };
                let rho = match &c.reason {
                    Some(reason) if s.rho.is_none() => format!("— ({})", translate(lang, reason)),
                    _ => fixed(lang, s.rho, 3),
                };
                vec![
                    text(if c.factor_label.is_empty() { c.factor.clone() } else { c.factor_label.clone() }),
                    text(target),
                    text(s.n.to_string()),
                    text(rho),
                    text(shortcut),
                    text(fixed(lang, s.p_two_sided, 4)),
                    text(fixed(lang, s.p_one_sided, 4)),
                    text(fixed(lang, s.p_exact_two_sided, 4)),
                    text(s.p_method.map(|m| p_method(t, m)).unwrap_or_else(|| "—".into())),
                    text(fixed(lang, s.tau_b, 3)),
                    text(s.strength.map(|v| strength(t, &code(&v))).unwrap_or_else(|| "—".into())),
                    text(s.direction.map(|v| direction(t, &code(&v))).unwrap_or_else(|| "—".into())),
                    text(c.significant.map(|v| yes_no(t, v)).unwrap_or_else(|| "—".into())),
                ]
            })
            .collect(),
        empty: t.t("survey.no_factors").into(),
    };
    ReportSection {
        id: "correlations".into(),
        title: t.t("survey.section.correlations").into(),
        lines: vec![t.t("survey.correlation_hint").replace("{alpha}", &num(lang, r.alpha, 4))],
        tables: vec![(None, corr)],
    }
}

/// Validity and reliability: alpha (and alpha without items that never vary), the critical r,
/// and per item both r with the decision by the corrected one and the uncorrected beside it.
fn reliability_section(lang: Lang, rel: &Reliability) -> ReportSection {
    let t = lang.tr();
    let mut lines = vec![
        format!("{}: {}", t.t("survey.cronbach"), fixed(lang, rel.cronbach_alpha, 3)),
        format!("{}: {}", t.t("survey.r_critical"), fixed(lang, rel.r_critical, 4)),
    ];
    if let Some(reason) = &rel.cronbach_reason {
        lines.push(translate(lang, reason));
    }
    if !rel.constant_items.is_empty() {
        lines.insert(
            1,
            format!(
                "{}: {}",
                t.t("survey.cronbach_without_constant").replace("{items}", &rel.constant_items.join(", ")),
                fixed(lang, rel.cronbach_alpha_without_constant, 3)
            ),
        );
    }
    lines.extend(rel.warnings.iter().map(|w| translate(lang, w)));
    lines.push(t.t("survey.validity_hint").into());
    let yes_no_dash = |v: Option<bool>| v.map(|v| yes_no(t, v)).unwrap_or_else(|| "—".into());
    let rel_table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("survey.item").into(),
            t.t("survey.r_item_total").into(),
            t.t("survey.r_item_rest").into(),
            t.t("survey.r_critical").into(),
            t.t("survey.valid_corrected").into(),
            t.t("survey.valid_uncorrected").into(),
            t.t("survey.alpha_if_deleted").into(),
        ],
        rows: rel
            .items
            .iter()
            .map(|i| {
                vec![
                    text(i.name.clone()),
                    text(fixed(lang, i.r_item_total, 3)),
                    text(fixed(lang, i.r_item_rest, 3)),
                    text(fixed(lang, i.r_critical, 4)),
                    text(yes_no_dash(i.valid)),
                    text(yes_no_dash(i.valid_uncorrected)),
                    text(fixed(lang, i.alpha_if_deleted, 3)),
                ]
            })
            .collect(),
        empty: String::new(),
    };
    ReportSection {
        id: "reliability".into(),
        title: t.t("survey.section.reliability").into(),
        lines,
        tables: vec![(None, rel_table)],
    }
}

impl ReportPage {
    /// The whole page of a saved analysis.
    pub fn build(lang: Lang, a: &StoredAnalysis, r: &Report) -> ReportPage {
        let t = lang.tr();
        let id = a.id;
        let facts = vec![
            (
                t.t("survey.instrument").into(),
                Cell::link(a.instrument.name.clone(), format!("/survey/{id}/instrument")),
            ),
            (t.t("survey.responses").into(), Cell::link(a.responses.name.clone(), format!("/survey/{id}/responses"))),
            (t.t("survey.form_title").into(), text(format!("{} ({})", r.title, r.form_id))),
            (t.t("survey.respondents").into(), text(r.n.to_string())),
            (t.t("survey.dropped").into(), text(r.dropped.len().to_string())),
            (t.t("survey.alpha").into(), text(num(lang, r.alpha, 4))),
            (t.t("survey.drop_incomplete").into(), text(yes_no(t, a.drop_incomplete))),
        ];
        let mut sections = Vec::new();

        // Categories and distributions.
        let summary = Table {
            sorts: Vec::new(),
            headers: vec![
                t.t("survey.indicator").into(),
                t.t("survey.items").into(),
                t.t("survey.min").into(),
                t.t("survey.max").into(),
                t.t("survey.interval").into(),
                t.t("survey.bounds").into(),
                t.t("survey.mean").into(),
                t.t("survey.category").into(),
                t.t("survey.percent_of_range").into(),
            ],
            rows: r.indicators.iter().chain(std::iter::once(&r.total)).map(|s| summary_row(lang, s)).collect(),
            empty: String::new(),
        };
        sections.push(ReportSection {
            id: "summary".into(),
            title: t.t("survey.section.summary").into(),
            lines: vec![t.t("survey.summary_hint").into()],
            tables: vec![(None, summary)],
        });
        let mut cat_tables = Vec::new();
        for s in r.indicators.iter().chain(std::iter::once(&r.total)) {
            let name = if s.name == "total" { t.t("survey.total").to_string() } else { s.label.clone() };
            let caption = t
                .t("survey.category_caption")
                .replace("{name}", &name)
                .replace("{k}", &s.items.to_string())
                .replace("{min}", &s.min.to_string())
                .replace("{max}", &s.max.to_string())
                .replace("{interval}", &num(lang, s.interval, 3));
            cat_tables.push((Some(caption), category_table(lang, s)));
        }
        sections.push(ReportSection {
            id: "categories".into(),
            title: t.t("survey.section.categories").into(),
            lines: Vec::new(),
            tables: cat_tables,
        });

        sections.push(correlation_section(lang, r));

        // Items.
        let items = Table {
            sorts: Vec::new(),
            headers: vec![
                t.t("survey.item").into(),
                t.t("survey.label").into(),
                t.t("survey.indicator").into(),
                t.t("survey.mean").into(),
                t.t("survey.category").into(),
                t.t("survey.frequencies").into(),
            ],
            rows: r
                .items
                .iter()
                .map(|it| {
                    let freq = it
                        .frequencies
                        .iter()
                        .map(|f| format!("{}: {} ({})", f.score, f.count, pct(lang, f.percent)))
                        .collect::<Vec<_>>()
                        .join(" · ");
                    let cat = r
                        .indicators
                        .iter()
                        .find(|s| s.name == it.indicator)
                        .map(|s| category_of(t, s, &it.category))
                        .unwrap_or_else(|| category(t, &it.category, ""));
                    vec![
                        text(it.name.clone()),
                        text(it.label.clone()),
                        text(it.indicator.clone()),
                        text(num(lang, it.mean, 2)),
                        text(cat),
                        text(freq),
                    ]
                })
                .collect(),
            empty: String::new(),
        };
        sections.push(ReportSection {
            id: "items".into(),
            title: t.t("survey.section.items").into(),
            lines: Vec::new(),
            tables: vec![(None, items)],
        });

        sections.push(reliability_section(lang, &r.reliability));

        // Respondent factors.
        let factor_tables = r
            .factors
            .iter()
            .map(|f| {
                let table = Table {
                    sorts: Vec::new(),
                    headers: vec![
                        t.t("survey.code").into(),
                        t.t("survey.label").into(),
                        t.t("survey.count").into(),
                        t.t("survey.percent").into(),
                    ],
                    rows: f
                        .codes
                        .iter()
                        .map(|c| {
                            vec![
                                text(c.code.to_string()),
                                text(c.label.clone()),
                                text(c.count.to_string()),
                                text(pct(lang, c.percent)),
                            ]
                        })
                        .collect(),
                    empty: String::new(),
                };
                let caption = if f.label.is_empty() { f.name.clone() } else { format!("{} ({})", f.label, f.name) };
                (Some(caption), table)
            })
            .collect();
        sections.push(ReportSection {
            id: "factors".into(),
            title: t.t("survey.section.factors").into(),
            lines: Vec::new(),
            tables: factor_tables,
        });

        // Dropped respondents.
        if !r.dropped.is_empty() {
            let dropped = Table {
                sorts: Vec::new(),
                headers: vec![t.t("survey.row").into(), t.t("survey.respondent").into(), t.t("survey.problems").into()],
                rows: r
                    .dropped
                    .iter()
                    .map(|d| {
                        vec![
                            text(d.line.to_string()),
                            text(d.respondent.clone().unwrap_or_default()),
                            text(
                                d.problems
                                    .iter()
                                    .map(|p| format!("{}: {}", p.column, p.message))
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            ),
                        ]
                    })
                    .collect(),
                empty: String::new(),
            };
            sections.push(ReportSection {
                id: "dropped".into(),
                title: t.t("survey.section.dropped").into(),
                lines: Vec::new(),
                tables: vec![(None, dropped)],
            });
        }

        ReportPage {
            l: Layout::new(lang, a.title.to_string(), "survey"),
            heading: a.title.to_string(),
            breadcrumbs: Vec::new(),
            actions: vec![
                Link::new(t.t("survey.download_xlsx"), format!("/survey/{id}/report.xlsx")),
                Link::new(t.t("survey.download_json"), format!("/survey/{id}/report.json")),
            ],
            facts,
            notes: r.notes.iter().map(|n| translate(lang, n)).collect(),
            sections,
            chart: diverging_chart(lang, r),
            chart_title: t.t("survey.section.chart").into(),
        }
    }
}

/// Colours from the most negative answer to the most positive (ColorBrewer RdBu, which
/// stays readable for the common colour-vision deficiencies).
const NEGATIVE: [&str; 3] = ["#b2182b", "#ef8a62", "#fddbc7"];
const NEUTRAL: &str = "#bdbdbd";
const POSITIVE: [&str; 3] = ["#d1e5f0", "#67a9cf", "#2166ac"];

/// The fill of each segment of a bar: darkest at the ends of the scale, grey in the middle.
fn fills(segments: &[BarSegment]) -> Vec<&'static str> {
    let negatives = segments.iter().filter(|s| s.side == Side::Negative).count();
    let positives = segments.iter().filter(|s| s.side == Side::Positive).count();
    let (mut neg_seen, mut pos_seen) = (0, 0);
    segments
        .iter()
        .map(|s| match s.side {
            Side::Negative => {
                neg_seen += 1;
                colour(Side::Negative, negatives - neg_seen, negatives)
            }
            Side::Neutral => NEUTRAL,
            Side::Positive => {
                pos_seen += 1;
                colour(Side::Positive, pos_seen - 1, positives)
            }
        })
        .collect()
}

fn colour(side: Side, rank_from_centre: usize, on_side: usize) -> &'static str {
    // rank_from_centre: 0 is next to the centre line.
    let pick = |palette: &[&'static str; 3], far_first: bool| {
        let steps = on_side.clamp(1, 3);
        let idx = rank_from_centre.min(steps - 1);
        let from_centre = 3 - steps + idx;
        if far_first { palette[2 - from_centre] } else { palette[from_centre] }
    };
    match side {
        Side::Negative => pick(&NEGATIVE, true),
        Side::Neutral => NEUTRAL,
        Side::Positive => pick(&POSITIVE, false),
    }
}

/// The diverging stacked bar chart of the item answers as an SVG element: one bar per item,
/// lower answers to the left of the centre line, higher ones to the right, a middle answer
/// (odd scales) straddling it.
pub fn diverging_chart(lang: Lang, r: &Report) -> String {
    let bars = &r.item_chart;
    if bars.is_empty() {
        return String::new();
    }
    let (label_w, plot_w, row_h, top) = (310.0, 520.0, 24.0, 28.0);
    let extent = bars
        .iter()
        .flat_map(|b| &b.segments)
        .map(|s| s.start.abs().max((s.start + s.percent).abs()))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let extent = (extent / 10.0).ceil() * 10.0;
    let width = label_w + plot_w + 20.0;
    // The legend wraps onto as many lines as it needs. It names the answers only when every
    // item has the same labels (stages may use different scales); tooltips always do.
    let labels = |b: &DivergingBar| b.segments.iter().map(|s| (s.score, s.label.clone())).collect::<Vec<_>>();
    let same_labels = bars.iter().all(|b| labels(b) == labels(&bars[0]));
    let legend: Vec<String> = bars[0]
        .segments
        .iter()
        .map(|s| {
            if same_labels {
                format!("{} {}", s.score, s.label)
            } else {
                format!("{} = {}", lang.tr().t("survey.score"), s.score)
            }
        })
        .collect();
    let legend_w = |text: &str| 24.0 + 6.5 * text.chars().count() as f64;
    let mut legend_lines = 1.0;
    let mut run = 0.0;
    for text in &legend {
        if run > 0.0 && run + legend_w(text) > width - 10.0 {
            legend_lines += 1.0;
            run = 0.0;
        }
        run += legend_w(text);
    }
    let height = top + row_h * bars.len() as f64 + 12.0 + 20.0 * legend_lines;
    let centre = label_w + plot_w / 2.0;
    let x = |v: f64| centre + v / extent * (plot_w / 2.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="diverging-chart" role="img" viewBox="0 0 {width} {height}" width="100%" font-family="sans-serif" font-size="12"><title>{}</title>"#,
        esc(lang.tr().t("survey.section.chart"))
    );
    // Axis ticks every 10 % (or 20 % on a wide extent).
    let step = if extent > 60.0 { 20.0 } else { 10.0 };
    let mut v = -extent;
    while v <= extent + 1e-9 {
        let xv = x(v);
        let _ = write!(
            svg,
            r##"<line x1="{xv:.1}" y1="{y1}" x2="{xv:.1}" y2="{y2}" stroke="#e0e0e0"/><text x="{xv:.1}" y="{ty}" text-anchor="middle" fill="#555">{}%</text>"##,
            num(lang, v.abs(), 0),
            y1 = top - 4.0,
            y2 = top + row_h * bars.len() as f64,
            ty = top - 10.0,
        );
        v += step;
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let label = if bar.label.is_empty() { bar.item.clone() } else { bar.label.clone() };
        let shown: String = if label.chars().count() > 44 {
            format!("{}…", label.chars().take(43).collect::<String>())
        } else {
            label.clone()
        };
        let _ = write!(
            svg,
            r##"<text x="{lx}" y="{ty:.1}" text-anchor="end" fill="#222"><title>{}</title>{}</text>"##,
            esc(&format!("{} — {label}", bar.item)),
            esc(&shown),
            lx = label_w - 8.0,
            ty = y + row_h / 2.0 + 4.0,
        );
        for (s, fill) in bar.segments.iter().zip(fills(&bar.segments)) {
            let (x0, x1) = (x(s.start), x(s.start + s.percent));
            let _ = write!(
                svg,
                r#"<rect x="{x0:.2}" y="{ry:.1}" width="{w:.2}" height="{h:.1}" fill="{fill}"><title>{}</title></rect>"#,
                esc(&format!("{} · {} {}: {} ({})", bar.item, s.score, s.label, s.count, pct(lang, s.percent))),
                ry = y + 3.0,
                w = (x1 - x0).max(0.0),
                h = row_h - 6.0,
            );
        }
    }
    let _ = write!(
        svg,
        r##"<line x1="{centre}" y1="{y1}" x2="{centre}" y2="{y2}" stroke="#222" stroke-width="1.5"/>"##,
        y1 = top - 4.0,
        y2 = top + row_h * bars.len() as f64,
    );
    // Legend: the scale of the first item.
    let mut ly = top + row_h * bars.len() as f64 + 24.0;
    let mut lx = 10.0;
    let first = &bars[0].segments;
    for (fill, text) in fills(first).into_iter().zip(&legend) {
        if lx > 10.0 && lx + legend_w(text) > width - 10.0 {
            lx = 10.0;
            ly += 20.0;
        }
        let _ = write!(
            svg,
            r##"<rect x="{lx}" y="{ry}" width="12" height="12" fill="{fill}"/><text x="{tx}" y="{ty}" fill="#222">{}</text>"##,
            esc(text),
            ry = ly - 10.0,
            tx = lx + 16.0,
            ty = ly,
        );
        lx += legend_w(text);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(num(Lang::Id, 24.5, 2), "24,5");
        assert_eq!(num(Lang::En, 24.5, 2), "24.5");
        assert_eq!(num(Lang::En, 35.0, 2), "35");
        assert_eq!(num(Lang::En, -0.0001, 2), "0");
        assert_eq!(fixed(Lang::Id, Some(0.12345), 3), "0,123");
        assert_eq!(fixed(Lang::En, None, 3), "—");
    }

    /// The seed-004 report with `rekening` answered 3 by everyone: alpha without it, the
    /// warning naming it, and both validity decisions, all in Indonesian.
    fn report_with_a_constant_item() -> Report {
        use berdaya_domain::survey::{AnalysisOptions, Instrument, analyze, seed004};
        let inst = Instrument::from_xlsform(&seed004::xlsform()).expect("built-in instrument");
        let mut table = seed004::example_responses(43, 4);
        let col = table.columns.iter().position(|c| c.rsplit('/').next() == Some("rekening")).expect("column");
        for row in &mut table.rows {
            row.cells[col] = "3".to_string();
        }
        analyze(&inst, &table, &AnalysisOptions::default()).expect("report")
    }

    #[test]
    fn reliability_section_labels_validity_and_gives_alpha_without_constant_items() {
        let r = report_with_a_constant_item();
        let rel = &r.reliability;
        let section = reliability_section(Lang::Id, rel);
        let want = format!(
            "Alpha Cronbach tanpa item yang tidak bervariasi (rekening): {}",
            fixed(Lang::Id, rel.cronbach_alpha_without_constant, 3)
        );
        assert!(section.lines.contains(&want), "{:?}", section.lines);
        assert!(
            section.lines.iter().any(|l| l.starts_with("semua responden memberi jawaban yang sama pada rekening:")),
            "{:?}",
            section.lines
        );
        let table = &section.tables[0].1;
        assert_eq!(table.headers[4], "Valid (terkoreksi)");
        assert_eq!(table.headers[5], "Valid tanpa koreksi (r item–total)");
        let rembug = table.rows.iter().find(|row| row[0].text == "rembug_desa").expect("item row");
        assert_eq!(rembug[4].text, yes_no(Lang::Id.tr(), true));
        assert_eq!(rembug[5].text, yes_no(Lang::Id.tr(), true));
        // Without constant items the line is not there.
        let mut plain = rel.clone();
        plain.constant_items.clear();
        plain.warnings.clear();
        assert!(!reliability_section(Lang::Id, &plain).lines.iter().any(|l| l.contains("tidak bervariasi")));
    }

    #[test]
    fn correlation_section_names_the_p_method() {
        let r = report_with_a_constant_item();
        let section = correlation_section(Lang::Id, &r);
        let table = &section.tables[0].1;
        let col = table.headers.iter().position(|h| h == "Metode p (untuk signifikansi)").expect("p method header");
        assert!(table.headers.iter().any(|h| h == "p eksak dua sisi"));
        // n = 43 with ties: the t approximation decides.
        assert!(table.rows.iter().all(|row| row[col].text == "pendekatan t"), "{:?}", table.rows[0]);
        let en = correlation_section(Lang::En, &r);
        assert_eq!(en.tables[0].1.rows[0][col].text, "t approximation");
    }

    #[test]
    fn escapes_svg_text() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn colours_run_from_far_to_near() {
        // Four points: two negatives (far red, near light red), two positives.
        assert_eq!(colour(Side::Negative, 1, 2), NEGATIVE[0]);
        assert_eq!(colour(Side::Negative, 0, 2), NEGATIVE[1]);
        assert_eq!(colour(Side::Positive, 0, 2), POSITIVE[1]);
        assert_eq!(colour(Side::Positive, 1, 2), POSITIVE[2]);
    }
}
