//! Server-side PDF documents (a survey report, a program's summary, a household's record):
//! a small flowing layout over `pdf-writer` on A4, with the standard Helvetica fonts in
//! WinAnsi encoding so that no font file and no browser is needed. A document is a list of
//! [`Block`]s; [`render`] breaks them into pages, repeats a table's header row on every page
//! it spans, and stamps each page with the running header (agency, date) and its number.

use std::io::Write as _;

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A4 in points.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 48.0;
/// Where the body starts (below the running header) and ends (above the page number).
const BODY_TOP: f32 = PAGE_H - 70.0;
const BODY_BOTTOM: f32 = 56.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;

const TEXT_SIZE: f32 = 10.0;
const TABLE_SIZE: f32 = 8.5;
const CELL_PAD: f32 = 3.0;
/// Body text colour (#1d2a24, as on screen) and the accent of bars (#1f6f4a).
const INK: [f32; 3] = [0.114, 0.165, 0.141];
const ACCENT: [f32; 3] = [0.122, 0.435, 0.290];
const HEADER_FILL: [f32; 3] = [0.906, 0.949, 0.925];

/// A document to print.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub title: String,
    /// The left of the running header: the reader's agency (or "Berdaya").
    pub agency: String,
    /// The right of the running header: when it was printed.
    pub printed: String,
    /// The footer with `{page}` and `{pages}`: `Halaman {page} dari {pages}`.
    pub page_label: String,
    pub blocks: Vec<Block>,
}

/// One piece of a document, laid out top to bottom.
#[derive(Debug, Clone)]
pub enum Block {
    Heading(String),
    /// A paragraph, wrapped to the page; `\n` starts a new line.
    Paragraph(String),
    /// Key/value pairs (a record's fields).
    Facts(Vec<(String, String)>),
    Table(Table),
    Bars(Bars),
}

/// A table: each column's header and relative width, and rows of text cells that wrap.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub caption: Option<String>,
    pub columns: Vec<(String, f32)>,
    pub rows: Vec<Vec<String>>,
    /// Shown instead of an empty table.
    pub empty: String,
}

/// A horizontal bar chart: one bar per label, scaled to the largest value, the value shown
/// as text beside it (so the numbers read without the bars).
#[derive(Debug, Clone, Default)]
pub struct Bars {
    pub caption: String,
    /// Label, value, value as shown.
    pub bars: Vec<(String, f64, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }
}

/// What is drawn on a page, in points from the bottom left.
#[derive(Debug, Clone, PartialEq)]
enum Mark {
    Text { x: f32, y: f32, size: f32, font: Font, text: String },
    Fill { x: f32, y: f32, w: f32, h: f32, rgb: [f32; 3] },
    Rule { x1: f32, x2: f32, y: f32 },
}

/// Renders the document as PDF bytes.
pub fn render(doc: &Document) -> Vec<u8> {
    let pages = layout(doc);
    let total = pages.len();
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let (regular, bold, info) = (Ref::new(3), Ref::new(4), Ref::new(5));
    let page_ref = |i: usize| Ref::new(6 + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(7 + 2 * i as i32);
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..total).map(page_ref)).count(total as i32);
    for (font, base) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(font).base_font(Name(base.as_bytes())).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info).title(TextStr(&doc.title)).producer(TextStr("Berdaya"));
    for (i, marks) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(content_ref(i));
        page.resources().fonts().pair(Font::Regular.name(), regular).pair(Font::Bold.name(), bold);
        page.finish();
        let mut marks = marks.clone();
        marks.extend(running_header(doc, i + 1, total));
        pdf.stream(content_ref(i), &deflate(&draw(&marks))).filter(Filter::FlateDecode);
    }
    pdf.finish()
}

/// The header (agency left, date right, a rule below) and the page number of page `n`.
fn running_header(doc: &Document, n: usize, total: usize) -> Vec<Mark> {
    let size = 9.0;
    let top = PAGE_H - 36.0;
    let printed = winansi(&doc.printed);
    let number = winansi(&doc.page_label.replace("{page}", &n.to_string()).replace("{pages}", &total.to_string()));
    vec![
        Mark::Text {
            x: MARGIN,
            y: top,
            size,
            font: Font::Bold,
            text: fit(&winansi(&doc.agency), Font::Bold, size, WIDTH * 0.6),
        },
        Mark::Text {
            x: PAGE_W - MARGIN - width(&printed, Font::Regular, size),
            y: top,
            size,
            font: Font::Regular,
            text: printed,
        },
        Mark::Rule { x1: MARGIN, x2: PAGE_W - MARGIN, y: top - 6.0 },
        Mark::Text {
            x: (PAGE_W - width(&number, Font::Regular, size)) / 2.0,
            y: 32.0,
            size,
            font: Font::Regular,
            text: number,
        },
    ]
}

/// A content stream compressed for `/FlateDecode` (a page of text shrinks about fivefold).
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}

/// The content stream of one page.
fn draw(marks: &[Mark]) -> Vec<u8> {
    let mut c = Content::new();
    for m in marks {
        match m {
            Mark::Fill { x, y, w, h, rgb } => {
                c.set_fill_rgb(rgb[0], rgb[1], rgb[2]).rect(*x, *y, *w, *h).fill_nonzero();
            }
            Mark::Rule { x1, x2, y } => {
                c.set_stroke_gray(0.7).set_line_width(0.5).move_to(*x1, *y).line_to(*x2, *y).stroke();
            }
            Mark::Text { x, y, size, font, text } => {
                let bytes: Vec<u8> = text.chars().map(byte).collect();
                c.set_fill_rgb(INK[0], INK[1], INK[2]);
                c.begin_text().set_font(font.name(), *size).next_line(*x, *y).show(Str(&bytes)).end_text();
            }
        }
    }
    c.finish().into_vec()
}

/// Lays the blocks out on pages: the marks of each page, without the running header.
fn layout(doc: &Document) -> Vec<Vec<Mark>> {
    let mut f = Flow { pages: vec![Vec::new()], y: BODY_TOP };
    f.lines(&winansi(&doc.title), Font::Bold, 17.0, 21.0, MARGIN, WIDTH);
    f.y -= 6.0;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                f.y -= 8.0;
                // Kept with what follows it: a heading never ends a page.
                f.need(18.0 + 48.0);
                f.lines(&winansi(h), Font::Bold, 13.0, 17.0, MARGIN, WIDTH);
                f.y -= 2.0;
            }
            Block::Paragraph(p) => {
                f.lines(&winansi(p), Font::Regular, TEXT_SIZE, 13.0, MARGIN, WIDTH);
                f.y -= 5.0;
            }
            Block::Facts(facts) => f.facts(facts),
            Block::Table(t) => f.table(t),
            Block::Bars(b) => f.bars(b),
        }
    }
    f.pages
}

/// The layout state: pages so far and the baseline cursor on the last one.
struct Flow {
    pages: Vec<Vec<Mark>>,
    y: f32,
}

impl Flow {
    fn mark(&mut self, m: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(m);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Starts a new page unless `h` points still fit on this one (or it is still empty).
    fn need(&mut self, h: f32) {
        if self.y - h < BODY_BOTTOM && self.y < BODY_TOP {
            self.new_page();
        }
    }

    /// Wrapped text at `x` within `w`, breaking pages between lines.
    fn lines(&mut self, text: &str, font: Font, size: f32, leading: f32, x: f32, w: f32) {
        for line in wrap(text, font, size, w) {
            self.need(leading);
            self.y -= leading;
            self.mark(Mark::Text { x, y: self.y + (leading - size) / 2.0, size, font, text: line });
        }
    }

    fn facts(&mut self, facts: &[(String, String)]) {
        let key_w = WIDTH * 0.34;
        let leading = 13.0;
        for (k, v) in facts {
            let keys = wrap(&winansi(k), Font::Bold, TEXT_SIZE, key_w - 8.0);
            let values = wrap(&winansi(v), Font::Regular, TEXT_SIZE, WIDTH - key_w);
            let rows = keys.len().max(values.len());
            self.need(rows as f32 * leading);
            let top = self.y;
            for (i, line) in keys.into_iter().enumerate() {
                let y = top - leading * (i as f32 + 1.0) + 2.0;
                self.mark(Mark::Text { x: MARGIN, y, size: TEXT_SIZE, font: Font::Bold, text: line });
            }
            for (i, line) in values.into_iter().enumerate() {
                let y = top - leading * (i as f32 + 1.0) + 2.0;
                self.mark(Mark::Text { x: MARGIN + key_w, y, size: TEXT_SIZE, font: Font::Regular, text: line });
            }
            self.y = top - rows as f32 * leading - 3.0;
        }
        self.y -= 4.0;
    }

    fn table(&mut self, t: &Table) {
        let (widths, size) = column_widths(t);
        let leading = size + 2.5;
        let cells = |row: &[String], font: Font| -> Vec<Vec<String>> {
            widths
                .iter()
                .enumerate()
                .map(|(i, w)| wrap(&winansi(row.get(i).map_or("", String::as_str)), font, size, w - 2.0 * CELL_PAD))
                .collect()
        };
        let headers: Vec<String> = t.columns.iter().map(|(h, _)| h.clone()).collect();
        let head = cells(&headers, Font::Bold);
        let head_h = row_height(&head, leading);
        // A row taller than a page is cut to what fits under the header.
        let room = BODY_TOP - BODY_BOTTOM - head_h - 24.0;
        let caption = t.caption.as_deref().map(winansi);
        let first_h = t.rows.first().map_or(leading, |r| row_height(&cells(r, Font::Regular), leading).min(room));
        self.y -= 4.0;
        self.need(head_h + first_h + if caption.is_some() { 16.0 } else { 0.0 });
        if let Some(c) = caption {
            self.lines(&c, Font::Bold, 10.0, 14.0, MARGIN, WIDTH);
        }
        let row = TableRow { widths: &widths, size, leading };
        self.table_row(&row, &head, head_h, true);
        if t.rows.is_empty() {
            self.lines(&winansi(&t.empty), Font::Regular, size, leading + 2.0, MARGIN + CELL_PAD, WIDTH);
        }
        for r in &t.rows {
            let mut lines = cells(r, Font::Regular);
            let mut h = row_height(&lines, leading);
            if h > room {
                let keep = ((room - 2.0 * CELL_PAD) / leading).floor().max(1.0) as usize;
                for cell in &mut lines {
                    if cell.len() > keep {
                        cell.truncate(keep);
                        if let Some(last) = cell.last_mut() {
                            last.push('…');
                        }
                    }
                }
                h = row_height(&lines, leading);
            }
            if self.y - h < BODY_BOTTOM {
                self.new_page();
                self.table_row(&row, &head, head_h, true);
            }
            self.table_row(&row, &lines, h, false);
        }
        self.y -= 8.0;
    }

    /// One row of a table (the header row on a tinted band, in bold), with a rule below.
    fn table_row(&mut self, row: &TableRow<'_>, cells: &[Vec<String>], h: f32, header: bool) {
        let top = self.y;
        if header {
            self.mark(Mark::Fill { x: MARGIN, y: top - h, w: WIDTH, h, rgb: HEADER_FILL });
        }
        let font = if header { Font::Bold } else { Font::Regular };
        let mut x = MARGIN;
        for (lines, w) in cells.iter().zip(row.widths) {
            for (i, line) in lines.iter().enumerate() {
                let y = top - CELL_PAD - row.leading * (i as f32 + 1.0) + 2.5;
                self.mark(Mark::Text { x: x + CELL_PAD, y, size: row.size, font, text: line.clone() });
            }
            x += w;
        }
        self.y = top - h;
        self.mark(Mark::Rule { x1: MARGIN, x2: MARGIN + WIDTH, y: self.y });
    }

    fn bars(&mut self, b: &Bars) {
        let (label_w, value_w, row) = (WIDTH * 0.34, 70.0, 16.0);
        let plot_w = WIDTH - label_w - value_w;
        let max = b.bars.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
        self.y -= 4.0;
        self.need(16.0 + row * b.bars.len().min(3) as f32);
        self.lines(&winansi(&b.caption), Font::Bold, 10.0, 14.0, MARGIN, WIDTH);
        for (label, value, shown) in &b.bars {
            self.need(row);
            self.y -= row;
            let label = fit(&winansi(label), Font::Regular, TEXT_SIZE - 1.0, label_w - 6.0);
            self.mark(Mark::Text {
                x: MARGIN,
                y: self.y + 4.0,
                size: TEXT_SIZE - 1.0,
                font: Font::Regular,
                text: label,
            });
            let w = if max > 0.0 { (value / max) as f32 * plot_w } else { 0.0 };
            if w > 0.0 {
                self.mark(Mark::Fill { x: MARGIN + label_w, y: self.y + 2.0, w, h: row - 5.0, rgb: ACCENT });
            }
            let shown = winansi(shown);
            self.mark(Mark::Text {
                x: MARGIN + label_w + w + 4.0,
                y: self.y + 4.0,
                size: TEXT_SIZE - 1.0,
                font: Font::Regular,
                text: shown,
            });
        }
        self.y -= 10.0;
    }
}

/// How a table's rows are set: column widths, font size, line height.
struct TableRow<'a> {
    widths: &'a [f32],
    size: f32,
    leading: f32,
}

/// The smallest type a table shrinks to so that its words fit their columns.
const TABLE_MIN_SIZE: f32 = 6.0;

/// A table's column widths and type size. Each column is at least as wide as its longest word
/// (header or cell; a word is never wider than a third of the page); when those minimums
/// overflow the page the type shrinks (down to [`TABLE_MIN_SIZE`]), and the room left is shared
/// by the columns' relative widths.
fn column_widths(t: &Table) -> (Vec<f32>, f32) {
    let longest = |i: usize, size: f32| {
        let head = t.columns[i].0.split_whitespace().map(|w| width(&winansi(w), Font::Bold, size)).fold(0.0, f32::max);
        let cells = t
            .rows
            .iter()
            .filter_map(|r| r.get(i))
            .flat_map(|c| c.split_whitespace())
            .map(|w| width(&winansi(w), Font::Regular, size))
            .fold(0.0, f32::max);
        head.max(cells).min(WIDTH / 3.0) + 2.0 * CELL_PAD + 0.5
    };
    let n = t.columns.len();
    let mut size = TABLE_SIZE;
    let mut min: Vec<f32> = (0..n).map(|i| longest(i, size)).collect();
    let needed: f32 = min.iter().sum();
    if needed > WIDTH {
        size = (size * (WIDTH - 2.0 * CELL_PAD * n as f32) / (needed - 2.0 * CELL_PAD * n as f32)).max(TABLE_MIN_SIZE);
        min = (0..n).map(|i| longest(i, size)).collect();
    }
    let total: f32 = t.columns.iter().map(|(_, w)| w.max(0.01)).sum();
    let preferred: Vec<f32> = t.columns.iter().map(|(_, w)| w.max(0.01) / total * WIDTH).collect();
    let used: f32 = min.iter().sum();
    if used >= WIDTH {
        // Even the smallest type overflows: scale down, words break inside.
        return (min.iter().map(|m| m * WIDTH / used).collect(), size);
    }
    let wants: Vec<f32> = preferred.iter().zip(&min).map(|(p, m)| (p - m).max(0.0)).collect();
    let wanted: f32 = wants.iter().sum();
    let spare = WIDTH - used;
    let widths = min
        .iter()
        .zip(&wants)
        .zip(&preferred)
        .map(|((m, w), p)| m + if wanted > 0.0 { spare * w / wanted } else { spare * p / WIDTH })
        .collect();
    (widths, size)
}

fn row_height(cells: &[Vec<String>], leading: f32) -> f32 {
    cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * leading + 2.0 * CELL_PAD
}

/// The width of `text` (already in WinAnsi) in points.
fn width(text: &str, font: Font, size: f32) -> f32 {
    let w = font.widths();
    text.chars().map(|c| f32::from(w[usize::from(byte(c)).saturating_sub(32).min(223)])).sum::<f32>() * size / 1000.0
}

/// `text` cut with `…` to fit `max` points.
fn fit(text: &str, font: Font, size: f32, max: f32) -> String {
    if width(text, font, size) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if width(&out, font, size) + width("…", font, size) > max {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

/// Breaks `text` into lines no wider than `max` points: at spaces, and inside a word only
/// when the word alone is wider than a line. `\n` starts a new line.
fn wrap(text: &str, font: Font, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if width(&candidate, font, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word longer than the line is cut where it overflows.
            for c in word.chars() {
                line.push(c);
                if width(&line, font, size) > max && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// `text` in the characters WinAnsi encoding has: others become a close ASCII spelling
/// (`≥` as `>=`) or `?`; control characters become spaces (newlines stay).
pub fn winansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            c if c.is_control() => out.push(' '),
            c if encodable(c).is_some() => out.push(c),
            '−' | '‐' | '‑' => out.push('-'),
            '≥' => out.push_str(">="),
            '≤' => out.push_str("<="),
            '≠' => out.push_str("!="),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '⚠' => out.push('!'),
            'α' => out.push_str("alpha"),
            'ρ' => out.push_str("rho"),
            'τ' => out.push_str("tau"),
            'Σ' | '∑' => out.push_str(" sum "),
            '\u{2009}' | '\u{202f}' | '\u{2002}' | '\u{2003}' => out.push(' '),
            _ => out.push('?'),
        }
    }
    out
}

/// The WinAnsi byte of a character, if it has one.
fn encodable(c: char) -> Option<u8> {
    let b = match c {
        ' '..='~' | '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '™' => 0x99,
        _ => return None,
    };
    Some(b)
}

/// The byte of a character of [`winansi`]'s output (`?` for any other).
fn byte(c: char) -> u8 {
    encodable(c).unwrap_or(b'?')
}

/// Helvetica's advance widths (per 1000 of the size) of WinAnsi bytes 32 to 255, from Adobe's AFM files.
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1010, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584, 0, 556, 0, 222, 0, 333, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 222, 222, 333, 333, 350, 556, 1000,
    0, 1000, 0, 0, 0, 0, 0, 0, 278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400,
    584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722,
    667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];
/// Helvetica-Bold's, likewise.
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611,
    556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389,
    280, 389, 584, 0, 556, 0, 278, 0, 500, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 278, 278, 500, 500, 350, 556, 1000,
    0, 1000, 0, 0, 0, 0, 0, 0, 278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400,
    584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722,
    667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611, 611, 611, 611, 611,
    611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(page: &[Mark]) -> Vec<&str> {
        page.iter()
            .filter_map(|m| match m {
                Mark::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text = "Keluarga penerima manfaat wajib memenuhi kewajiban pendidikan dan kesehatan; \
                    yang tidak memenuhinya ditangguhkan, kemudian dihentikan.";
        let lines = wrap(text, Font::Regular, 10.0, 120.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| width(l, Font::Regular, 10.0) <= 120.0), "{lines:?}");
        assert_eq!(lines.join(" "), text.split_whitespace().collect::<Vec<_>>().join(" "));
        // A word wider than the line is cut, nothing lost.
        let long = "3316090101200001".repeat(4);
        let cut = wrap(&long, Font::Bold, 10.0, 60.0);
        assert!(cut.len() > 3 && cut.iter().all(|l| width(l, Font::Bold, 10.0) <= 60.0), "{cut:?}");
        assert_eq!(cut.concat(), long);
        assert_eq!(wrap("a\nb", Font::Regular, 10.0, 100.0), vec!["a", "b"]);
    }

    #[test]
    fn a_long_table_spans_pages_with_its_header_on_each() {
        let rows: Vec<Vec<String>> = (1..=150)
            .map(|i| {
                vec![
                    format!("Anggota {i}"),
                    format!("Alamat nomor {i} yang cukup panjang untuk dibungkus ke baris berikutnya"),
                ]
            })
            .collect();
        let doc = Document {
            title: "Uji".into(),
            blocks: vec![
                Block::Paragraph("Pembuka.".into()),
                Block::Table(Table {
                    caption: Some("Daftar".into()),
                    columns: vec![("Nama".into(), 1.0), ("Alamat".into(), 1.0)],
                    rows,
                    empty: String::new(),
                }),
            ],
            ..Default::default()
        };
        let pages = layout(&doc);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for (i, page) in pages.iter().enumerate() {
            let t = texts(page);
            assert!(t.contains(&"Nama") && t.contains(&"Alamat"), "page {} lacks the header row", i + 1);
            // Nothing is drawn over the running header or the page number.
            for m in page {
                if let Mark::Text { y, .. } = m {
                    assert!(*y >= BODY_BOTTOM && *y <= BODY_TOP, "page {}: text at {y}", i + 1);
                }
            }
        }
        // Every row once, in order, none split across pages.
        let names: Vec<&str> = pages.iter().flat_map(|p| texts(p)).filter(|t| t.starts_with("Anggota ")).collect();
        assert_eq!(names, (1..=150).map(|i| format!("Anggota {i}")).collect::<Vec<_>>());
        for page in &pages {
            let t = texts(page);
            let (first, last) = (
                t.iter().position(|s| s.starts_with("Anggota ")),
                t.iter().rposition(|s| s.starts_with("Alamat nomor")),
            );
            if let (Some(f), Some(l)) = (first, last) {
                assert!(l > f, "a row's cells are on one page");
            }
        }
        let pdf = render(&Document { page_label: "Halaman {page} dari {pages}".into(), ..doc });
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/WinAnsiEncoding") && text.contains("/Helvetica-Bold"));
        assert_eq!(text.matches("/FlateDecode").count(), pages.len());
        // The last page's stream, inflated, numbers it.
        let marker = b"\nstream\n";
        let at = pdf.windows(marker.len()).rposition(|w| w == marker).expect("a stream") + marker.len();
        let mut raw = Vec::new();
        let mut z = flate2::read::ZlibDecoder::new(&pdf[at..]);
        let _ = std::io::Read::read_to_end(&mut z, &mut raw);
        let last = format!("(Halaman {n} dari {n})", n = pages.len());
        assert!(String::from_utf8_lossy(&raw).contains(&last), "the last page is numbered {last}");
    }

    #[test]
    fn wide_tables_shrink_their_type_so_words_stay_whole() {
        let headers = [
            "Faktor",
            "Sasaran",
            "n",
            "rho",
            "rho (rumus ringkas)",
            "p dua sisi",
            "p satu sisi",
            "p eksak",
            "Metode p (untuk signifikansi)",
            "tau-b",
            "Keeratan",
            "Arah",
            "Signifikan",
        ];
        let t = Table {
            columns: headers.iter().map(|h| (h.to_string(), 1.0)).collect(),
            rows: vec![headers.iter().map(|_| "pendekatan 0,123".to_string()).collect()],
            ..Default::default()
        };
        let (widths, size) = column_widths(&t);
        assert!((TABLE_MIN_SIZE..TABLE_SIZE).contains(&size), "{size}");
        assert!((widths.iter().sum::<f32>() - WIDTH).abs() < 0.5, "{widths:?}");
        for ((h, _), w) in t.columns.iter().zip(&widths) {
            for word in h.split_whitespace() {
                assert!(width(word, Font::Bold, size) <= w - 2.0 * CELL_PAD, "`{word}` is cut in a column of {w}");
            }
        }
        // A narrow table keeps its size and shares the page by the relative widths.
        let narrow = Table { columns: vec![("Status".into(), 3.0), ("Jumlah".into(), 1.0)], ..Default::default() };
        let (widths, size) = column_widths(&narrow);
        assert_eq!(size, TABLE_SIZE);
        assert!((widths[0] - 3.0 * widths[1]).abs() < 1.0, "{widths:?}");
    }

    #[test]
    fn characters_outside_winansi_become_ascii_or_a_question_mark() {
        assert_eq!(winansi("n ≥ 5 – ρ ⚠ Ā\tx"), "n >= 5 – rho ! ? x");
        assert_eq!(winansi("Café · 3 %"), "Café · 3 %");
        assert_eq!(byte('é'), 0xe9);
        assert_eq!(byte('—'), 0x97);
        // Bold is wider than regular, and both count every character.
        assert!(width("Berdaya", Font::Bold, 10.0) > width("Berdaya", Font::Regular, 10.0));
        assert!((width("ii", Font::Regular, 10.0) - 4.44).abs() < 0.01);
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let doc = Document {
            blocks: vec![Block::Bars(Bars {
                caption: "Status".into(),
                bars: vec![
                    ("Aktif".into(), 10.0, "10".into()),
                    ("Lulus".into(), 5.0, "5".into()),
                    ("Nol".into(), 0.0, "0".into()),
                ],
            })],
            ..Default::default()
        };
        let pages = layout(&doc);
        let widths: Vec<f32> = pages[0]
            .iter()
            .filter_map(|m| match m {
                Mark::Fill { w, .. } => Some(*w),
                _ => None,
            })
            .collect();
        assert_eq!(widths.len(), 2, "no bar for zero");
        assert!((widths[0] - 2.0 * widths[1]).abs() < 0.01);
        assert!(texts(&pages[0]).contains(&"0"));
    }
}
