//! REFI-QDA project exchange (QDA-XML 1.0): `.qdpx` projects and `.qdc` codebooks, as
//! ATLAS.ti, MAXQDA, NVivo, QualCoder and others write and read them.
//!
//! A `.qdpx` is a zip archive holding `project.qde` (XML in the namespace
//! `urn:QDA-XML:project:1.0`) and the project's sources under `sources/`. A `.qdc` is the
//! codebook alone (`urn:QDA-XML:codebook:1.0`). Only text sources are modelled: PDF, picture,
//! audio and video sources are skipped on reading and listed in [`QdaProject::skipped`].
//!
//! # Positions
//!
//! In the model a selection is `start..end` in Unicode code points over the source's
//! normalised text ([`QdaTextSource::text`]: every `\r\n` and lone `\r` turned into `\n`),
//! `end` exclusive. The writer writes exactly that: the text goes to `sources/<guid>.txt` with
//! `\n` line breaks, and the positions count its code points from 0, as the standard says
//! (REFI-QDA 1.5, §10.2).
//!
//! Reading, positions count the source text as stored — the `.txt` in the archive or the inline
//! `<PlainTextContent>` — from its first character after a byte-order mark (a leading U+FEFF
//! is never counted). Where that text has line breaks of two characters, tools disagree, and
//! [`ReadOptions`] says how to count:
//!
//! - `crlf_counts_two: true` (the default, the standard's literal reading): CR and LF are one
//!   position each, as NVivo counts them (verified on a real NVivo 12.6 export);
//! - `crlf_counts_two: false`: a CR LF pair is one position, as QualCoder counts (it reads
//!   text with line breaks translated) and, according to QualCoder's importer, ATLAS.ti.
//!
//! A lone CR and every other character is one position, except with `utf16_units: true`,
//! where a character beyond U+FFFF counts two (a UTF-16 surrogate pair): NVivo counts UTF-16
//! units, so an emoji shifts every later NVivo position by one. Either way the positions are
//! then mapped onto the normalised text so that a selection covers the same characters; a
//! position falling inside a CR LF pair or a surrogate pair widens the selection to the whole
//! line break or character. [`ReadOptions::for_origin`] picks the counting from the
//! project's `origin` attribute, which [`read_origin`] reads cheaply.
//!
//! # Limits
//!
//! Reading is held to [`Limits::QDPX`](crate::limits::Limits::QDPX): zip entries, the unpacked size and compression ratio of
//! each entry read, the size of one XML event, the text of one source, all text kept and the
//! number of elements; a hostile file costs bounded memory and gets an error naming the limit.
//!
//! # GUIDs
//!
//! GUIDs are kept as written (`8-4-4-4-12` hexadecimal digits, optionally in braces); a
//! reference resolves whatever its case or braces and is rewritten to its target's spelling.
//! The writer never invents one: callers pass stable GUIDs.

mod archive;
mod error;
mod positions;
mod read;
mod write;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
#[cfg(test)]
use std::io::{Read, Seek};

pub use error::{Expected, QdpxError, TargetKind};
pub use read::{read_origin, read_qdc, read_qdpx};
pub use write::{write_qdc, write_qdpx};

#[cfg(test)]
use crate::limits::Limits;

/// The XML namespace of `project.qde`.
pub const PROJECT_NAMESPACE: &str = "urn:QDA-XML:project:1.0";
/// The XML namespace of a `.qdc` codebook.
pub const CODEBOOK_NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";

/// Codes nested deeper than this are refused (reading and writing).
pub const MAX_CODE_DEPTH: usize = 64;
/// XML nested deeper than this is refused.
pub const MAX_XML_DEPTH: usize = 256;

/// A REFI-QDA project: what Berdaya exchanges with other QDA software.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QdaProject {
    pub name: String,
    /// The software that wrote the project (`origin`), e.g. `NVivo for Windows 12.6`.
    pub origin: Option<String>,
    pub description: Option<String>,
    pub users: Vec<QdaUser>,
    /// The code tree: top-level codes, each with its children.
    pub codes: Vec<QdaCode>,
    pub sets: Vec<QdaSet>,
    pub sources: Vec<QdaTextSource>,
    pub notes: Vec<QdaNote>,
    /// What reading left out, one English sentence each (non-text sources, cases, dangling
    /// note references…). Writers ignore it.
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QdaUser {
    pub guid: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QdaCode {
    pub guid: String,
    pub name: String,
    /// `#RRGGBB` (a `#RGB` read is widened to `#RRGGBB`).
    pub color: Option<String>,
    pub description: Option<String>,
    /// Whether text may be coded with it (`isCodable`); `false` for a mere folder of codes.
    pub codable: bool,
    pub children: Vec<QdaCode>,
}

/// A set of codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QdaSet {
    pub guid: String,
    pub name: String,
    pub description: Option<String>,
    /// GUIDs of the codes in the set.
    pub member_codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QdaTextSource {
    pub guid: String,
    pub name: String,
    /// The text with `\n` line breaks only; selections count its code points.
    pub text: String,
    /// The text as read (without a byte-order mark) when it differed from `text`. Writers
    /// ignore it.
    pub original: Option<String>,
    /// GUID of the user who created the source.
    pub created_by: Option<String>,
    pub selections: Vec<QdaSelection>,
}

/// A stretch of a source's text and its codings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QdaSelection {
    pub guid: String,
    /// Often empty; some tools put the quoted text here.
    pub name: String,
    /// First code point, from 0, of [`QdaTextSource::text`].
    pub start: usize,
    /// Code point after the last one (exclusive).
    pub end: usize,
    pub creating_user: Option<String>,
    pub codings: Vec<QdaCoding>,
    /// GUIDs of the notes about the selection (`<NoteRef>`).
    pub note_refs: Vec<String>,
}

/// A code applied to a selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QdaCoding {
    pub guid: String,
    pub code_guid: String,
    pub creating_user: Option<String>,
}

/// A note (memo, annotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QdaNote {
    pub guid: String,
    pub name: String,
    /// The text with `\n` line breaks only.
    pub text: String,
    pub creating_user: Option<String>,
    /// GUIDs of the selections and codings that refer to the note (their `<NoteRef>`), in
    /// document order. Writing, a selection refers to the notes of its
    /// [`note_refs`](QdaSelection::note_refs) and to every note listing it here.
    pub targets: Vec<String>,
}

/// A `.qdc` codebook.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QdaCodebook {
    pub origin: Option<String>,
    pub codes: Vec<QdaCode>,
    pub sets: Vec<QdaSet>,
    /// What reading left out (dangling set members).
    pub skipped: Vec<String>,
}

/// How positions in a file being read count the source text; see the [module](self) docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// A CR LF line break is two positions (CR and LF one each), not one.
    pub crlf_counts_two: bool,
    /// A character beyond U+FFFF is two positions (UTF-16 units), not one.
    pub utf16_units: bool,
}

impl Default for ReadOptions {
    /// Code points of the text as stored, CR and LF one each: the standard's reading.
    fn default() -> Self {
        ReadOptions { crlf_counts_two: true, utf16_units: false }
    }
}

impl ReadOptions {
    /// The counting the software named in a project's `origin` is known to use: NVivo counts
    /// UTF-16 units with CR LF as two; QualCoder (and ATLAS.ti, as QualCoder's importer
    /// finds) count CR LF as one; anything else gets [the default](ReadOptions::default).
    pub fn for_origin(origin: &str) -> ReadOptions {
        let o = origin.to_ascii_lowercase();
        if o.contains("nvivo") {
            ReadOptions { crlf_counts_two: true, utf16_units: true }
        } else if o.contains("qualcoder") || o.contains("atlas.ti") {
            ReadOptions { crlf_counts_two: false, utf16_units: false }
        } else {
            ReadOptions::default()
        }
    }
}

/// Checks a project the way the writers need it: GUIDs well formed and unique, every
/// reference resolving, selections within their (normalised, CR-free) text, colours `#RRGGBB`
/// or `#RGB`, codes nested at most [`MAX_CODE_DEPTH`] deep. [`write_qdpx`] calls it; call it
/// before [`write_qdc`], which writes what it is given.
pub fn validate(p: &QdaProject) -> Result<(), QdpxError> {
    let mut seen = GuidSet::default();
    for u in &p.users {
        seen.add("User", &u.guid)?;
    }
    let mut codes = HashMap::new();
    validate_codes(&p.codes, 1, &mut seen, &mut codes)?;
    let mut selections = HashMap::new();
    let notes: HashMap<String, ()> = p.notes.iter().map(|n| (canonical(&n.guid), ())).collect();
    for s in &p.sources {
        seen.add("TextSource", &s.guid)?;
        optional_guid("TextSource", &s.guid, "creatingUser", s.created_by.as_deref())?;
        if s.text.contains('\r') {
            return Err(QdpxError::NotNormalised { element: "TextSource".into(), guid: s.guid.clone() });
        }
        let len = s.text.chars().count();
        for sel in &s.selections {
            seen.add("PlainTextSelection", &sel.guid)?;
            optional_guid("PlainTextSelection", &sel.guid, "creatingUser", sel.creating_user.as_deref())?;
            check_range(&s.guid, &sel.guid, sel.start as u64, sel.end as u64, len as u64)?;
            selections.insert(canonical(&sel.guid), ());
            for n in &sel.note_refs {
                reference("PlainTextSelection", &sel.guid, "NoteRef", n, &notes, TargetKind::Note)?;
            }
            for c in &sel.codings {
                seen.add("Coding", &c.guid)?;
                optional_guid("Coding", &c.guid, "creatingUser", c.creating_user.as_deref())?;
                reference("Coding", &c.guid, "CodeRef", &c.code_guid, &codes, TargetKind::Code)?;
                selections.insert(canonical(&c.guid), ());
            }
        }
    }
    for n in &p.notes {
        seen.add("Note", &n.guid)?;
        optional_guid("Note", &n.guid, "creatingUser", n.creating_user.as_deref())?;
        if n.text.contains('\r') {
            return Err(QdpxError::NotNormalised { element: "Note".into(), guid: n.guid.clone() });
        }
        for t in &n.targets {
            reference("Note", &n.guid, "target", t, &selections, TargetKind::SelectionOrCoding)?;
        }
    }
    for s in &p.sets {
        seen.add("Set", &s.guid)?;
        for m in &s.member_codes {
            reference("Set", &s.guid, "MemberCode", m, &codes, TargetKind::Code)?;
        }
    }
    Ok(())
}

fn validate_codes(
    codes: &[QdaCode],
    depth: usize,
    seen: &mut GuidSet,
    all: &mut HashMap<String, ()>,
) -> Result<(), QdpxError> {
    if depth > MAX_CODE_DEPTH && !codes.is_empty() {
        return Err(QdpxError::TooDeep(MAX_CODE_DEPTH as u64));
    }
    for c in codes {
        seen.add("Code", &c.guid)?;
        all.insert(canonical(&c.guid), ());
        if let Some(color) = &c.color
            && !is_color(color)
        {
            return Err(QdpxError::BadValue {
                element: "Code".into(),
                guid: Some(c.guid.clone()),
                attribute: "color",
                value: error::shorten(color),
                expected: Expected::Color,
            });
        }
        validate_codes(&c.children, depth + 1, seen, all)?;
    }
    Ok(())
}

fn optional_guid(element: &str, guid: &str, attribute: &'static str, value: Option<&str>) -> Result<(), QdpxError> {
    match value {
        Some(v) if !is_guid(v) => Err(QdpxError::BadValue {
            element: element.into(),
            guid: Some(guid.into()),
            attribute,
            value: error::shorten(v),
            expected: Expected::Guid,
        }),
        _ => Ok(()),
    }
}

fn reference(
    element: &str,
    guid: &str,
    reference: &'static str,
    target: &str,
    targets: &HashMap<String, ()>,
    kind: TargetKind,
) -> Result<(), QdpxError> {
    if !is_guid(target) {
        return Err(QdpxError::BadValue {
            element: element.into(),
            guid: Some(guid.into()),
            attribute: reference,
            value: error::shorten(target),
            expected: Expected::Guid,
        });
    }
    if !targets.contains_key(&canonical(target)) {
        return Err(QdpxError::MissingTarget {
            element: element.into(),
            guid: guid.into(),
            reference,
            target: target.into(),
            kind,
        });
    }
    Ok(())
}

pub(crate) fn check_range(source: &str, guid: &str, start: u64, end: u64, len: u64) -> Result<(), QdpxError> {
    if start > end {
        return Err(QdpxError::SelectionReversed { source_guid: source.into(), guid: guid.into(), start, end });
    }
    if end > len {
        return Err(QdpxError::SelectionOutOfRange { source_guid: source.into(), guid: guid.into(), start, end, len });
    }
    Ok(())
}

/// The GUIDs of a document, to refuse a second use of one.
#[derive(Default)]
pub(crate) struct GuidSet {
    seen: HashMap<String, &'static str>,
}

impl GuidSet {
    /// Registers `guid` of an `element`, refusing a malformed or repeated one.
    pub(crate) fn add(&mut self, element: &'static str, guid: &str) -> Result<(), QdpxError> {
        if !is_guid(guid) {
            return Err(QdpxError::BadValue {
                element: element.into(),
                guid: None,
                attribute: "guid",
                value: error::shorten(guid),
                expected: Expected::Guid,
            });
        }
        if let Some(first) = self.seen.insert(canonical(guid), element) {
            return Err(QdpxError::DuplicateGuid { element: element.into(), guid: guid.into(), first: first.into() });
        }
        Ok(())
    }
}

/// Whether `s` is a GUID as the schema has it: `8-4-4-4-12` hexadecimal digits, optionally
/// in braces.
pub fn is_guid(s: &str) -> bool {
    let inner = match s.strip_prefix('{') {
        Some(rest) => match rest.strip_suffix('}') {
            Some(inner) => inner,
            None => return false,
        },
        None => s,
    };
    let groups = [8, 4, 4, 4, 12];
    let mut parts = inner.split('-');
    for len in groups {
        match parts.next() {
            Some(p) if p.len() == len && p.bytes().all(|b| b.is_ascii_hexdigit()) => {}
            _ => return false,
        }
    }
    parts.next().is_none()
}

/// A GUID without braces, in lower case: how references are matched.
pub(crate) fn canonical(guid: &str) -> String {
    guid.trim_start_matches('{').trim_end_matches('}').to_ascii_lowercase()
}

/// `#RRGGBB` or `#RGB`.
pub(crate) fn is_color(s: &str) -> bool {
    s.strip_prefix('#').is_some_and(|h| (h.len() == 6 || h.len() == 3) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Reading with other limits, for tests.
#[cfg(test)]
pub(crate) fn read_with_limits<R: Read + Seek>(
    input: R,
    opts: ReadOptions,
    limits: Limits,
) -> Result<QdaProject, QdpxError> {
    read::read_project(input, opts, limits)
}
