//! Data display (Miles & Huberman): matrices of codes or framework dimensions against
//! informants, informant roles, sources, source types or program records, code
//! co-occurrence, coverage gaps, the factor → effort matrix, the triangulation of a
//! conclusion, keyword-in-context search, re-anchoring of codings and redaction.
//!
//! Pure functions over plain facts, fast enough for 100,000 codings: every matrix is one
//! pass over the codings with each code's rows and each source's columns looked up once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::framework::finding::FindingKind;
use crate::qual::{LinkKind, SourceKind};
use crate::registry::Id;

/// What a display needs of a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeFact {
    pub id: Id,
    pub dimensions: Vec<Id>,
    pub role: Option<FindingKind>,
}

/// What a display needs of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFact {
    pub id: Id,
    pub kind: SourceKind,
    pub informants: Vec<Id>,
    pub links: Vec<(LinkKind, Id)>,
}

/// What a display needs of an informant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformantFact {
    pub id: Id,
    pub role: String,
}

/// What a display needs of a coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodingFact {
    pub id: Id,
    pub source_id: Id,
    pub code_id: Id,
    pub coder_id: Id,
    pub start: u32,
    pub end: u32,
}

/// A study's material, as the displays read it.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub codes: Vec<CodeFact>,
    pub sources: Vec<SourceFact>,
    pub informants: Vec<InformantFact>,
    pub codings: Vec<CodingFact>,
}

/// The rows of a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    Codes,
    Dimensions,
}

/// The columns of a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cols {
    Informants,
    Roles,
    Sources,
    SourceKinds,
    /// Program records (programs, groups, activities) the sources concern.
    Records,
}

impl Rows {
    pub fn parse(raw: &str) -> Result<Rows, String> {
        match raw.trim() {
            "" | "code" => Ok(Rows::Codes),
            "dimension" => Ok(Rows::Dimensions),
            other => Err(format!("`{other}` is not one of: code, dimension")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Rows::Codes => "code",
            Rows::Dimensions => "dimension",
        }
    }
}

impl Cols {
    pub fn parse(raw: &str) -> Result<Cols, String> {
        match raw.trim() {
            "" | "informant" => Ok(Cols::Informants),
            "role" => Ok(Cols::Roles),
            "source" => Ok(Cols::Sources),
            "kind" => Ok(Cols::SourceKinds),
            "record" => Ok(Cols::Records),
            other => Err(format!("`{other}` is not one of: informant, role, source, kind, record")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Cols::Informants => "informant",
            Cols::Roles => "role",
            Cols::Sources => "source",
            Cols::SourceKinds => "kind",
            Cols::Records => "record",
        }
    }
}

/// A row or column of a matrix: a record's id, a role or a source type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Id(Id),
    Role(String),
    Kind(SourceKind),
    Record(LinkKind, Id),
}

impl Key {
    /// The key as a query value: `5`, `role:Penyuluh`, `kind:interview`, `group:3`.
    pub fn code(&self) -> String {
        match self {
            Key::Id(id) => id.to_string(),
            Key::Role(r) => format!("role:{r}"),
            Key::Kind(k) => format!("kind:{}", k.code()),
            Key::Record(k, id) => format!("{}:{id}", k.code()),
        }
    }

    pub fn parse(raw: &str) -> Result<Key, String> {
        let raw = raw.trim();
        if let Some(r) = raw.strip_prefix("role:") {
            return Ok(Key::Role(r.to_string()));
        }
        if let Some(k) = raw.strip_prefix("kind:") {
            return SourceKind::parse(k).map(Key::Kind);
        }
        if let Some((k, id)) = raw.split_once(':') {
            let kind = LinkKind::parse(k)?;
            return id.trim().parse().map(|id| Key::Record(kind, id)).map_err(|_| "is not a row or column".into());
        }
        raw.parse().map(Key::Id).map_err(|_| "is not a row or column".into())
    }
}

/// Counts of codings in each cell; `rows` and `cols` in the order shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub rows: Vec<Key>,
    pub cols: Vec<Key>,
    pub counts: Vec<Vec<u32>>,
}

impl Matrix {
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().map(|&n| u64::from(n)).sum()
    }

    /// Rows with no coding in any column.
    pub fn empty_rows(&self) -> Vec<&Key> {
        self.rows.iter().zip(&self.counts).filter(|(_, c)| c.iter().all(|&n| n == 0)).map(|(k, _)| k).collect()
    }
}

struct Index {
    code_rows: HashMap<Id, Vec<usize>>,
    source_cols: HashMap<Id, Vec<usize>>,
}

fn index(f: &Facts, rows: Rows, cols: Cols, row_keys: &[Key], col_keys: &[Key]) -> Index {
    let row_at: HashMap<&Key, usize> = row_keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let col_at: HashMap<&Key, usize> = col_keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let code_rows = f
        .codes
        .iter()
        .map(|c| {
            let keys = code_keys(c, rows);
            (c.id, keys.iter().filter_map(|k| row_at.get(k).copied()).collect())
        })
        .collect();
    let roles: HashMap<Id, &str> = f.informants.iter().map(|i| (i.id, i.role.as_str())).collect();
    let source_cols = f
        .sources
        .iter()
        .map(|s| {
            let keys = source_keys(s, cols, &roles);
            (s.id, keys.iter().filter_map(|k| col_at.get(k).copied()).collect())
        })
        .collect();
    Index { code_rows, source_cols }
}

fn code_keys(c: &CodeFact, rows: Rows) -> Vec<Key> {
    match rows {
        Rows::Codes => vec![Key::Id(c.id)],
        Rows::Dimensions => c.dimensions.iter().map(|&d| Key::Id(d)).collect(),
    }
}

fn source_keys(s: &SourceFact, cols: Cols, roles: &HashMap<Id, &str>) -> Vec<Key> {
    match cols {
        Cols::Informants => s.informants.iter().map(|&i| Key::Id(i)).collect(),
        Cols::Roles => {
            let set: BTreeSet<&str> = s.informants.iter().filter_map(|i| roles.get(i).copied()).collect();
            set.into_iter().map(|r| Key::Role(r.to_string())).collect()
        }
        Cols::Sources => vec![Key::Id(s.id)],
        Cols::SourceKinds => vec![Key::Kind(s.kind)],
        Cols::Records => s.links.iter().map(|&(k, id)| Key::Record(k, id)).collect(),
    }
}

/// The columns a matrix shows: every informant, role, source, source type or record of the
/// study (so that an empty column shows as a gap), in a stable order.
pub fn columns(f: &Facts, cols: Cols) -> Vec<Key> {
    let mut set = BTreeSet::new();
    match cols {
        Cols::Informants => set.extend(f.informants.iter().map(|i| Key::Id(i.id))),
        Cols::Roles => set.extend(f.informants.iter().map(|i| Key::Role(i.role.clone()))),
        Cols::Sources => set.extend(f.sources.iter().map(|s| Key::Id(s.id))),
        Cols::SourceKinds => set.extend(SourceKind::ALL.iter().map(|&k| Key::Kind(k))),
        Cols::Records => set.extend(f.sources.iter().flat_map(|s| s.links.iter().map(|&(k, id)| Key::Record(k, id)))),
    }
    set.into_iter().collect()
}

/// The matrix of `rows` (every code, or the `dimensions` given, in their order) × `cols`.
/// A coding counts in every row its code belongs to and every column its source belongs to
/// (a group interview counts once for each informant in it).
pub fn matrix(f: &Facts, rows: Rows, dimensions: &[Id], cols: Cols) -> Matrix {
    let row_keys: Vec<Key> = match rows {
        Rows::Codes => f.codes.iter().map(|c| Key::Id(c.id)).collect(),
        Rows::Dimensions => dimensions.iter().map(|&d| Key::Id(d)).collect(),
    };
    let col_keys = columns(f, cols);
    let ix = index(f, rows, cols, &row_keys, &col_keys);
    let mut counts = vec![vec![0u32; col_keys.len()]; row_keys.len()];
    for c in &f.codings {
        let (Some(rs), Some(cs)) = (ix.code_rows.get(&c.code_id), ix.source_cols.get(&c.source_id)) else { continue };
        for &r in rs {
            for &k in cs {
                counts[r][k] += 1;
            }
        }
    }
    Matrix { rows: row_keys, cols: col_keys, counts }
}

/// The codings of one cell of a matrix, in the order given.
pub fn cell(f: &Facts, rows: Rows, row: &Key, cols: Cols, col: &Key) -> Vec<Id> {
    let ix = index(f, rows, cols, std::slice::from_ref(row), std::slice::from_ref(col));
    f.codings
        .iter()
        .filter(|c| {
            ix.code_rows.get(&c.code_id).is_some_and(|r| !r.is_empty())
                && ix.source_cols.get(&c.source_id).is_some_and(|s| !s.is_empty())
        })
        .map(|c| c.id)
        .collect()
}

/// How often two codes mark overlapping text of the same source: `(code a, code b) → n`
/// with `a < b`.
pub fn cooccurrence(codings: &[CodingFact]) -> BTreeMap<(Id, Id), u32> {
    let mut by_source: HashMap<Id, Vec<&CodingFact>> = HashMap::new();
    for c in codings {
        by_source.entry(c.source_id).or_default().push(c);
    }
    let mut out = BTreeMap::new();
    for list in by_source.values_mut() {
        list.sort_by_key(|c| (c.start, c.end));
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                if b.start >= a.end {
                    break;
                }
                if a.code_id != b.code_id {
                    let key = (a.code_id.min(b.code_id), a.code_id.max(b.code_id));
                    *out.entry(key).or_insert(0) += 1;
                }
            }
        }
    }
    out
}

/// Gaps in what the material covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gaps {
    /// Dimensions no informant role spoke to (no coding from any interviewed informant).
    pub silent_dimensions: Vec<Id>,
    /// Informant roles (planned or recorded) with no interview.
    pub roles_not_interviewed: Vec<String>,
    /// Dimensions with inhibiting factors coded but no effort.
    pub factors_without_effort: Vec<Id>,
}

/// Coverage gaps of a study over its framework's `dimensions`, given the roles it planned.
pub fn gaps(f: &Facts, dimensions: &[Id], planned_roles: &[String]) -> Gaps {
    let dim_role = matrix(f, Rows::Dimensions, dimensions, Cols::Roles);
    let silent_dimensions =
        dim_role.empty_rows().into_iter().filter_map(|k| if let Key::Id(d) = k { Some(*d) } else { None }).collect();
    let roles: HashMap<Id, &str> = f.informants.iter().map(|i| (i.id, i.role.as_str())).collect();
    let interviewed: BTreeSet<String> = f
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Interview)
        .flat_map(|s| s.informants.iter().filter_map(|i| roles.get(i)).map(|r| r.to_lowercase()))
        .collect();
    let mut all: Vec<String> = Vec::new();
    for r in planned_roles.iter().map(String::as_str).chain(f.informants.iter().map(|i| i.role.as_str())) {
        if !all.iter().any(|a| a.to_lowercase() == r.to_lowercase()) {
            all.push(r.to_string());
        }
    }
    let roles_not_interviewed = all.into_iter().filter(|r| !interviewed.contains(&r.to_lowercase())).collect();
    let factors_without_effort = factor_effort(f, dimensions)
        .into_iter()
        .filter(|row| row.inhibiting > 0 && row.effort == 0)
        .map(|row| row.dimension)
        .collect();
    Gaps { silent_dimensions, roles_not_interviewed, factors_without_effort }
}

/// One row of the factor → effort matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorRow {
    pub dimension: Id,
    pub supporting: u32,
    pub inhibiting: u32,
    pub effort: u32,
}

/// Per dimension, the codings of supporting and inhibiting factors and of efforts.
pub fn factor_effort(f: &Facts, dimensions: &[Id]) -> Vec<FactorRow> {
    let codes: HashMap<Id, &CodeFact> = f.codes.iter().map(|c| (c.id, c)).collect();
    let mut rows: Vec<FactorRow> =
        dimensions.iter().map(|&d| FactorRow { dimension: d, supporting: 0, inhibiting: 0, effort: 0 }).collect();
    let at: HashMap<Id, usize> = dimensions.iter().enumerate().map(|(i, &d)| (d, i)).collect();
    for c in &f.codings {
        let Some(code) = codes.get(&c.code_id) else { continue };
        let Some(role) = code.role else { continue };
        for d in &code.dimensions {
            if let Some(&i) = at.get(d) {
                match role {
                    FindingKind::Supporting => rows[i].supporting += 1,
                    FindingKind::Inhibiting => rows[i].inhibiting += 1,
                    FindingKind::Effort => rows[i].effort += 1,
                }
            }
        }
    }
    rows
}

/// What a conclusion's supporting evidence rests on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Triangulation {
    pub codings: usize,
    pub sources: usize,
    pub kinds: Vec<SourceKind>,
    pub roles: Vec<String>,
    pub informants: usize,
}

impl Triangulation {
    /// Flagged: the claim rests on one source, or on one informant role (or none).
    pub fn single_source(&self) -> bool {
        self.sources < 2
    }

    pub fn single_role(&self) -> bool {
        self.roles.len() < 2
    }

    pub fn flagged(&self) -> bool {
        self.single_source() || self.single_role()
    }
}

/// The distinct sources, source types, informants and informant roles behind `evidence`.
pub fn triangulate(f: &Facts, evidence: &[Id]) -> Triangulation {
    let codings: HashMap<Id, &CodingFact> = f.codings.iter().map(|c| (c.id, c)).collect();
    let sources: HashMap<Id, &SourceFact> = f.sources.iter().map(|s| (s.id, s)).collect();
    let roles: HashMap<Id, &str> = f.informants.iter().map(|i| (i.id, i.role.as_str())).collect();
    let mut src = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    let mut inf = BTreeSet::new();
    let mut rl = BTreeSet::new();
    let mut n = 0;
    for id in evidence {
        let Some(c) = codings.get(id) else { continue };
        n += 1;
        src.insert(c.source_id);
        if let Some(s) = sources.get(&c.source_id) {
            kinds.insert(s.kind);
            for i in &s.informants {
                inf.insert(*i);
                if let Some(r) = roles.get(i) {
                    rl.insert(r.to_string());
                }
            }
        }
    }
    Triangulation {
        codings: n,
        sources: src.len(),
        kinds: kinds.into_iter().collect(),
        roles: rl.into_iter().collect(),
        informants: inf.len(),
    }
}

/// A keyword-in-context hit: positions in code points and the text around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub start: u32,
    pub end: u32,
    pub before: String,
    pub hit: String,
    pub after: String,
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Every case-insensitive occurrence of `needle` in `text` with `width` characters each side
/// (at most `limit` hits).
pub fn kwic(text: &str, needle: &str, width: usize, limit: usize) -> Vec<Hit> {
    let n: Vec<char> = needle.trim().chars().map(fold).collect();
    if n.is_empty() {
        return Vec::new();
    }
    let t: Vec<char> = text.chars().collect();
    let folded: Vec<char> = t.iter().map(|&c| fold(c)).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + n.len() <= folded.len() && out.len() < limit {
        if folded[i..i + n.len()] == n[..] {
            let s = i.saturating_sub(width);
            let e = (i + n.len() + width).min(t.len());
            out.push(Hit {
                start: i as u32,
                end: (i + n.len()) as u32,
                before: t[s..i].iter().collect(),
                hit: t[i..i + n.len()].iter().collect(),
                after: t[i + n.len()..e].iter().collect(),
            });
            i += n.len();
        } else {
            i += 1;
        }
    }
    out
}

/// The text between code points `start` and `end`.
pub fn slice(text: &str, start: u32, end: u32) -> String {
    text.chars().skip(start as usize).take(end.saturating_sub(start) as usize).collect()
}

/// Where a coding of `quote` at `start` lies in an edited `text`: where it was if the quote is
/// still there, else the occurrence of the quote nearest to where it was; `None` when the
/// quote is gone.
pub fn reanchor(text: &str, quote: &str, start: u32) -> Option<(u32, u32)> {
    let len = quote.chars().count() as u32;
    if len == 0 {
        return None;
    }
    if slice(text, start, start + len) == quote {
        return Some((start, start + len));
    }
    let mut best: Option<u32> = None;
    for (cp, (b, _)) in text.char_indices().enumerate() {
        let cp = cp as u32;
        if text.as_bytes()[b..].starts_with(quote.as_bytes())
            && best.is_none_or(|p| p.abs_diff(start) > cp.abs_diff(start))
        {
            best = Some(cp);
        }
    }
    best.map(|s| (s, s + len))
}

/// A span replaced by `[label]` when a source is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub label: String,
}

/// A redacted text and how positions move in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    /// `(start, end, new start, new end)` of each redaction, in order.
    moves: Vec<(u32, u32, u32, u32)>,
}

impl Redacted {
    /// Where position `p` of the original lies in the redacted text (a position inside a
    /// redaction moves to the placeholder's start, or its end when `end` is set).
    pub fn map(&self, p: u32, end: bool) -> u32 {
        let mut shift: i64 = 0;
        for &(s, e, ns, ne) in &self.moves {
            if p <= s {
                break;
            }
            if p < e {
                return if end { ne } else { ns };
            }
            shift = i64::from(ne) - i64::from(e);
        }
        (i64::from(p) + shift).max(0) as u32
    }
}

/// `text` with each span (overlapping spans merged) replaced by `[label]`.
pub fn redact(text: &str, spans: &[Span]) -> Redacted {
    let mut list: Vec<Span> = spans.iter().filter(|s| s.end > s.start).cloned().collect();
    list.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Span> = Vec::new();
    for s in list {
        match merged.last_mut() {
            Some(m) if s.start < m.end => m.end = m.end.max(s.end),
            _ => merged.push(s),
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut moves = Vec::new();
    let mut at = 0usize;
    let mut new_len = 0u32;
    for m in merged {
        let s = (m.start as usize).min(chars.len());
        let e = (m.end as usize).min(chars.len());
        if s < at {
            continue;
        }
        out.extend(&chars[at..s]);
        new_len += (s - at) as u32;
        let placeholder = format!("[{}]", m.label);
        let ns = new_len;
        out.push_str(&placeholder);
        new_len += placeholder.chars().count() as u32;
        moves.push((s as u32, e as u32, ns, new_len));
        at = e;
    }
    out.extend(&chars[at.min(chars.len())..]);
    Redacted { text: out, moves }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            codes: vec![
                CodeFact { id: 1, dimensions: vec![10], role: Some(FindingKind::Inhibiting) },
                CodeFact { id: 2, dimensions: vec![10, 11], role: Some(FindingKind::Effort) },
                CodeFact { id: 3, dimensions: vec![12], role: Some(FindingKind::Inhibiting) },
            ],
            sources: vec![
                SourceFact { id: 100, kind: SourceKind::Interview, informants: vec![7], links: vec![] },
                SourceFact {
                    id: 101,
                    kind: SourceKind::Interview,
                    informants: vec![8],
                    links: vec![(LinkKind::Group, 4)],
                },
                SourceFact { id: 102, kind: SourceKind::Observation, informants: vec![], links: vec![] },
            ],
            informants: vec![
                InformantFact { id: 7, role: "Kepala Dinas".into() },
                InformantFact { id: 8, role: "Ketua Kelompok".into() },
                InformantFact { id: 9, role: "Penyuluh".into() },
            ],
            codings: vec![
                CodingFact { id: 1000, source_id: 100, code_id: 1, coder_id: 1, start: 0, end: 10 },
                CodingFact { id: 1001, source_id: 100, code_id: 2, coder_id: 1, start: 5, end: 15 },
                CodingFact { id: 1002, source_id: 101, code_id: 1, coder_id: 1, start: 0, end: 4 },
                CodingFact { id: 1003, source_id: 102, code_id: 3, coder_id: 1, start: 0, end: 4 },
            ],
        }
    }

    #[test]
    fn code_by_informant_counts_and_opens_cells() {
        let f = facts();
        let m = matrix(&f, Rows::Codes, &[], Cols::Informants);
        assert_eq!(m.cols, vec![Key::Id(7), Key::Id(8), Key::Id(9)]);
        assert_eq!(m.counts, vec![vec![1, 1, 0], vec![1, 0, 0], vec![0, 0, 0]]);
        assert_eq!(cell(&f, Rows::Codes, &Key::Id(1), Cols::Informants, &Key::Id(8)), vec![1002]);
    }

    #[test]
    fn dimension_by_role_and_gaps() {
        let f = facts();
        let m = matrix(&f, Rows::Dimensions, &[10, 11, 12], Cols::Roles);
        assert_eq!(
            m.cols,
            vec![Key::Role("Kepala Dinas".into()), Key::Role("Ketua Kelompok".into()), Key::Role("Penyuluh".into())]
        );
        assert_eq!(m.counts, vec![vec![2, 1, 0], vec![1, 0, 0], vec![0, 0, 0]]);
        let g = gaps(&f, &[10, 11, 12], &["Camat".to_string()]);
        // Dimension 12 is only in an observation with no informant: no role spoke to it.
        assert_eq!(g.silent_dimensions, vec![12]);
        assert_eq!(g.roles_not_interviewed, vec!["Camat".to_string(), "Penyuluh".to_string()]);
        assert_eq!(g.factors_without_effort, vec![12]);
    }

    #[test]
    fn triangulation_flags_one_source_or_one_role() {
        let f = facts();
        let one = triangulate(&f, &[1000, 1001]);
        assert_eq!((one.sources, one.roles.len()), (1, 1));
        assert!(one.flagged());
        let two = triangulate(&f, &[1000, 1002]);
        assert_eq!((two.sources, two.roles.len(), two.kinds.len()), (2, 2, 1));
        assert!(!two.flagged());
    }

    #[test]
    fn cooccurrence_counts_overlaps_of_different_codes() {
        let f = facts();
        let m = cooccurrence(&f.codings);
        assert_eq!(m.get(&(1, 2)), Some(&1));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn kwic_counts_code_points_case_insensitively() {
        let text = "Petani 🌾 bilang: Traktor rusak. traktor lagi.";
        let hits = kwic(text, "TRAKTOR", 5, 10);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].start, 17);
        assert_eq!(slice(text, hits[0].start, hits[0].end), "Traktor");
        assert_eq!(hits[0].before, "ang: ");
    }

    #[test]
    fn reanchor_follows_the_quote() {
        let old = "Air gambut asam. Traktor rusak.";
        let new = "Catatan: Air gambut asam. Traktor rusak.";
        assert_eq!(reanchor(old, "Traktor", 17), Some((17, 24)));
        assert_eq!(reanchor(new, "Traktor", 17), Some((26, 33)));
        assert_eq!(reanchor(new, "Pupuk", 3), None);
    }

    #[test]
    fn redaction_replaces_spans_and_moves_positions() {
        let text = "Pak Budi di Desa Sukamaju bilang";
        let r = redact(
            text,
            &[Span { start: 4, end: 8, label: "nama".into() }, Span { start: 17, end: 25, label: "desa".into() }],
        );
        assert_eq!(r.text, "Pak [nama] di Desa [desa] bilang");
        assert_eq!(r.map(26, false), 26);
        assert_eq!(slice(&r.text, r.map(26, false), r.map(32, true)), "bilang");
        assert_eq!(r.map(5, false), 4);
        assert_eq!(r.map(6, true), 10);
    }
}
