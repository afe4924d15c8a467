//! Reading `.qdpx` archives, bare `project.qde` files and `.qdc` codebooks.

use std::collections::HashMap;
use std::io::{BufReader, Read, Seek};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::archive::{self, Archive, Capped, MarkupBudget};
use super::error::shorten;
use super::positions::{decode, normalise, normalise_note};
use super::{
    Expected, GuidSet, MAX_CODE_DEPTH, MAX_XML_DEPTH, QdaCode, QdaCodebook, QdaCoding, QdaNote, QdaProject,
    QdaSelection, QdaSet, QdaTextSource, QdaUser, QdpxError, ReadOptions, TargetKind, canonical, is_color,
};
use crate::limits::{LimitExceeded, Limits};

/// Reads a REFI-QDA project: a `.qdpx` archive, or a bare `project.qde` (whose sources must
/// then hold their text inline). Positions are counted as `opts` says (see the
/// [module docs](super#positions)); non-text sources are skipped and listed in
/// [`QdaProject::skipped`].
pub fn read_qdpx<R: Read + Seek>(input: R, opts: ReadOptions) -> Result<QdaProject, QdpxError> {
    read_project(input, opts, Limits::QDPX)
}

/// Reads a `.qdc` codebook (codes and sets).
pub fn read_qdc(bytes: &[u8]) -> Result<QdaCodebook, QdpxError> {
    let limits = Limits::QDPX;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(LimitExceeded::FileBytes(limits.max_file_bytes).into());
    }
    let xml = XmlIn::new("codebook.qdc", bytes, limits);
    let mut parsed = parse(xml, "CodeBook", limits)?;
    let mut skipped = std::mem::take(&mut parsed.project.skipped);
    let codes = code_index(&parsed.project.codes);
    resolve_sets(&mut parsed.project.sets, &codes, &mut skipped);
    let p = parsed.project;
    Ok(QdaCodebook { origin: p.origin, codes: p.codes, sets: p.sets, skipped })
}

/// The `origin` attribute of a project (`.qdpx` or bare `project.qde`), reading no further
/// than its root element: for [`ReadOptions::for_origin`].
pub fn read_origin<R: Read + Seek>(mut input: R) -> Result<Option<String>, QdpxError> {
    let limits = Limits::QDPX;
    if archive::is_zip(&mut input)? {
        let mut ar = Archive::open(input, limits)?;
        let names = ar.names();
        let (index, _) = find_project(&names)?;
        let entry = ar.open_entry(index, limits.max_entry_bytes)?;
        let part = entry.name.clone();
        origin_of(XmlIn::new(&part, entry, limits))
    } else {
        let capped = Capped { inner: input, left: limits.max_file_bytes, max: limits.max_file_bytes };
        origin_of(XmlIn::new("project.qde", capped, limits))
    }
}

fn origin_of<R: Read>(mut xml: XmlIn<R>) -> Result<Option<String>, QdpxError> {
    loop {
        let part = xml.part.clone();
        match xml.next()? {
            Event::Start(e) | Event::Empty(e) => return Ok(Attrs::of(&e, &part)?.take("origin")),
            Event::Eof => return Err(QdpxError::Xml { part, message: "the document is empty".into() }),
            _ => {}
        }
    }
}

pub(super) fn read_project<R: Read + Seek>(
    mut input: R,
    opts: ReadOptions,
    limits: Limits,
) -> Result<QdaProject, QdpxError> {
    if archive::is_zip(&mut input)? {
        let mut ar = Archive::open(input, limits)?;
        let names = ar.names();
        let (index, renamed) = find_project(&names)?;
        let mut parsed = {
            let entry = ar.open_entry(index, limits.max_entry_bytes)?;
            let part = entry.name.clone();
            parse(XmlIn::new(&part, entry, limits), "Project", limits)?
        };
        if let Some(name) = renamed {
            parsed.project.skipped.insert(0, format!("the project file is named `{name}`, not project.qde"));
        }
        finish(parsed, opts, limits, Some((&mut ar, &names)))
    } else {
        let capped = Capped { inner: input, left: limits.max_file_bytes, max: limits.max_file_bytes };
        let parsed = parse(XmlIn::new("project.qde", capped, limits), "Project", limits)?;
        finish::<R>(parsed, opts, limits, None)
    }
}

/// The project entry: `project.qde`, else the one `.qde` at the archive's root (ATLAS.ti names
/// it after the project), with its name when it is not `project.qde`.
fn find_project(names: &[String]) -> Result<(usize, Option<String>), QdpxError> {
    if let Some(i) = names.iter().position(|n| n == "project.qde") {
        return Ok((i, None));
    }
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case("project.qde")) {
        return Ok((i, None));
    }
    let root_qde: Vec<usize> = (0..names.len())
        .filter(|&i| !names[i].contains('/') && names[i].to_ascii_lowercase().ends_with(".qde"))
        .collect();
    match root_qde[..] {
        [i] => Ok((i, Some(names[i].clone()))),
        _ => Err(QdpxError::NoProject),
    }
}

// XML ---------------------------------------------------------------------------------------

/// One XML document as events, within the markup limit.
struct XmlIn<R: Read> {
    reader: quick_xml::Reader<BufReader<MarkupBudget<R>>>,
    buf: Vec<u8>,
    used: Arc<AtomicU64>,
    part: String,
}

impl<R: Read> XmlIn<R> {
    fn new(part: &str, inner: R, limits: Limits) -> Self {
        let used = Arc::new(AtomicU64::new(0));
        let budget = MarkupBudget { inner, used: Arc::clone(&used), max: limits.max_markup_bytes };
        let reader = quick_xml::Reader::from_reader(BufReader::with_capacity(64 << 10, budget));
        XmlIn { reader, buf: Vec::new(), used, part: part.into() }
    }

    fn next(&mut self) -> Result<Event<'_>, QdpxError> {
        self.buf.clear();
        if self.buf.capacity() > 1 << 20 {
            self.buf.shrink_to(64 << 10);
        }
        self.used.store(0, Ordering::Relaxed);
        let (reader, part) = (&mut self.reader, &self.part);
        match reader.read_event_into(&mut self.buf) {
            Ok(e) => Ok(e),
            Err(quick_xml::Error::Io(io)) => Err(match LimitExceeded::from_io(&io) {
                Some(l) => QdpxError::Limit(l.clone()),
                None => QdpxError::Damaged { part: part.clone(), message: io.to_string() },
            }),
            Err(e) => {
                let at = reader.error_position();
                Err(QdpxError::Xml { part: part.clone(), message: format!("{e} (at byte {at})") })
            }
        }
    }
}

/// The attributes of an element, by local name.
struct Attrs(Vec<(String, String)>);

impl Attrs {
    fn of(e: &BytesStart<'_>, part: &str) -> Result<Attrs, QdpxError> {
        let xml = |e: quick_xml::Error| QdpxError::Xml { part: part.into(), message: e.to_string() };
        let mut out = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|e| xml(e.into()))?;
            let key = a.key.as_ref();
            if key == "xmlns" || key.starts_with("xmlns:") {
                continue;
            }
            let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(xml)?;
            out.push((a.key.local_name().as_ref().to_string(), value.into_owned()));
        }
        Ok(Attrs(out))
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let i = self.0.iter().position(|(k, _)| k == name)?;
        Some(self.0.swap_remove(i).1)
    }
}

fn resolve_ref(r: &BytesRef<'_>, part: &str) -> Result<String, QdpxError> {
    let xml = |message: String| QdpxError::Xml { part: part.into(), message };
    if let Some(c) = r.resolve_char_ref().map_err(|e| xml(e.to_string()))? {
        return Ok(c.to_string());
    }
    quick_xml::escape::resolve_predefined_entity(r)
        .map(str::to_string)
        .ok_or_else(|| xml(format!("unknown entity `&{};`", shorten(r))))
}

// Parsing -----------------------------------------------------------------------------------

/// A text source as the file has it: text not yet read, positions as the file counts them.
struct RawSource {
    guid: String,
    name: String,
    created_by: Option<String>,
    inline: Option<String>,
    path: Option<String>,
    selections: Vec<QdaSelection>,
}

struct RawNote {
    note: QdaNote,
    inline: Option<String>,
    path: Option<String>,
}

/// Where the text being read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    ProjectDescription,
    CodeDescription,
    SetDescription,
    SourceText,
    NoteText,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Root,
    Users,
    CodeBook,
    Codes,
    Code,
    Sources,
    Source,
    Selection,
    Coding,
    Notes,
    Note,
    Sets,
    Set,
    Text(Slot),
    /// Read past: its content is not modelled.
    Skip,
}

/// Text kept and elements made, against the limits.
struct Budget {
    text: u64,
    elements: u64,
    limits: Limits,
}

impl Budget {
    fn text(&mut self, n: usize) -> Result<(), QdpxError> {
        self.text += n as u64;
        if self.text > self.limits.max_table_bytes {
            return Err(LimitExceeded::TableBytes(self.limits.max_table_bytes).into());
        }
        Ok(())
    }

    fn element(&mut self) -> Result<(), QdpxError> {
        self.elements += 1;
        if self.elements > self.limits.max_rows {
            return Err(QdpxError::TooManyElements(self.limits.max_rows));
        }
        Ok(())
    }
}

struct Parsed {
    project: QdaProject,
    sources: Vec<RawSource>,
    notes: Vec<RawNote>,
    /// `<NoteRef>`s of codings: (note, coding).
    coding_notes: Vec<(String, String)>,
    budget: Budget,
}

struct Parser<'a> {
    part: &'a str,
    root: &'static str,
    out: Parsed,
    frames: Vec<Frame>,
    codes: Vec<QdaCode>,
    source: Option<RawSource>,
    selection: Option<QdaSelection>,
    coding: Option<QdaCoding>,
    note: Option<RawNote>,
    set: Option<QdaSet>,
    text: String,
    guids: GuidSet,
    /// Elements not modelled, counted by name, for [`QdaProject::skipped`].
    ignored: Vec<(&'static str, u64)>,
}

fn parse<R: Read>(mut xml: XmlIn<R>, root: &'static str, limits: Limits) -> Result<Parsed, QdpxError> {
    let part = xml.part.clone();
    let mut p = Parser {
        part: &part,
        root,
        out: Parsed {
            project: QdaProject::default(),
            sources: Vec::new(),
            notes: Vec::new(),
            coding_notes: Vec::new(),
            budget: Budget { text: 0, elements: 0, limits },
        },
        frames: Vec::new(),
        codes: Vec::new(),
        source: None,
        selection: None,
        coding: None,
        note: None,
        set: None,
        text: String::new(),
        guids: GuidSet::default(),
        ignored: Vec::new(),
    };
    let mut seen_root = false;
    loop {
        match xml.next()? {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                p.start(&name, &e, &mut seen_root)?;
            }
            Event::Empty(e) => {
                let name = e.local_name().as_ref().to_string();
                p.start(&name, &e, &mut seen_root)?;
                p.end()?;
            }
            Event::End(_) => p.end()?,
            Event::Text(t) => p.push_text(&t.xml10_content())?,
            Event::CData(t) => p.push_text(&t.xml10_content())?,
            Event::GeneralRef(r) => {
                if matches!(p.frames.last(), Some(Frame::Text(_))) {
                    let s = resolve_ref(&r, &part)?;
                    p.push_text(&s)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err(QdpxError::Xml { part: part.clone(), message: "the document has no root element".into() });
    }
    if !p.frames.is_empty() {
        return Err(QdpxError::Xml {
            part: part.clone(),
            message: "the document ends before its elements are closed".into(),
        });
    }
    let mut out = p.out;
    for (name, n) in p.ignored {
        out.project.skipped.push(format!("{n} <{name}> not imported"));
    }
    Ok(out)
}

/// The elements not modelled that are worth a line in `skipped`.
const NOTED: [&str; 11] = [
    "PDFSource",
    "PictureSource",
    "AudioSource",
    "VideoSource",
    "Variables",
    "Cases",
    "Links",
    "Graphs",
    "MemberSource",
    "MemberNote",
    "Coding",
];

impl Parser<'_> {
    fn start(&mut self, name: &str, e: &BytesStart<'_>, seen_root: &mut bool) -> Result<(), QdpxError> {
        if self.frames.len() >= super::MAX_XML_DEPTH {
            return Err(QdpxError::TooDeep(MAX_XML_DEPTH as u64));
        }
        let Some(&parent) = self.frames.last() else {
            if *seen_root {
                return Err(QdpxError::Xml { part: self.part.into(), message: "more than one root element".into() });
            }
            *seen_root = true;
            if name != self.root {
                return Err(QdpxError::WrongRoot { part: self.part.into(), expected: self.root, found: shorten(name) });
            }
            let mut a = Attrs::of(e, self.part)?;
            let project = &mut self.out.project;
            project.name = a.take("name").unwrap_or_default();
            project.origin = a.take("origin");
            self.out.budget.text(project.name.len() + project.origin.as_ref().map_or(0, String::len))?;
            self.frames.push(Frame::Root);
            return Ok(());
        };
        let project_root = self.root == "Project";
        let frame = match (parent, name) {
            (Frame::Root, "Users") if project_root => Frame::Users,
            (Frame::Users, "User") => {
                let mut a = Attrs::of(e, self.part)?;
                let guid = self.guid(&mut a, "User")?;
                let name = a.take("name").unwrap_or_default();
                self.out.budget.text(guid.len() + name.len())?;
                self.out.project.users.push(QdaUser { guid, name });
                Frame::Skip
            }
            (Frame::Root, "CodeBook") if project_root => Frame::CodeBook,
            (Frame::Root, "Codes") if !project_root => Frame::Codes,
            (Frame::CodeBook, "Codes") => Frame::Codes,
            (Frame::Codes | Frame::Code, "Code") => {
                if self.codes.len() >= MAX_CODE_DEPTH {
                    return Err(QdpxError::TooDeep(MAX_CODE_DEPTH as u64));
                }
                let mut a = Attrs::of(e, self.part)?;
                let guid = self.guid(&mut a, "Code")?;
                let name = a.take("name").unwrap_or_default();
                let codable = match a.take("isCodable").as_deref().map(str::trim) {
                    None | Some("true" | "1") => true,
                    Some("false" | "0") => false,
                    Some(other) => {
                        return Err(QdpxError::BadValue {
                            element: "Code".into(),
                            guid: Some(guid),
                            attribute: "isCodable",
                            value: shorten(other),
                            expected: Expected::Boolean,
                        });
                    }
                };
                let color = match a.take("color") {
                    Some(c) if is_color(c.trim()) => Some(widen_color(c.trim())),
                    Some(c) => {
                        self.out.project.skipped.push(format!("the colour `{}` of code `{name}`", shorten(&c)));
                        None
                    }
                    None => None,
                };
                self.out.budget.text(guid.len() + name.len() + 7)?;
                self.codes.push(QdaCode { guid, name, color, description: None, codable, children: Vec::new() });
                Frame::Code
            }
            (Frame::Code, "Description") => self.text_slot(Slot::CodeDescription),
            (Frame::Root, "Sources") if project_root => Frame::Sources,
            (Frame::Sources, "TextSource") => {
                let mut a = Attrs::of(e, self.part)?;
                let guid = self.guid(&mut a, "TextSource")?;
                let name = a.take("name").unwrap_or_default();
                let created_by = self.optional_guid(&mut a, "TextSource", &guid, "creatingUser")?;
                let path = a.take("plainTextPath");
                self.out.budget.text(guid.len() + name.len() + path.as_ref().map_or(0, String::len))?;
                self.source = Some(RawSource { guid, name, created_by, inline: None, path, selections: Vec::new() });
                Frame::Source
            }
            (Frame::Sources, other) => {
                self.out.budget.element()?;
                let mut a = Attrs::of(e, self.part)?;
                let label = a.take("name").or_else(|| a.take("guid")).unwrap_or_default();
                self.out
                    .project
                    .skipped
                    .push(format!("<{other}> `{}`: only text sources are imported", shorten(&label)));
                Frame::Skip
            }
            (Frame::Source, "PlainTextContent") => self.text_slot(Slot::SourceText),
            (Frame::Source, "PlainTextSelection") => {
                let mut a = Attrs::of(e, self.part)?;
                let guid = self.guid(&mut a, "PlainTextSelection")?;
                let start = self.position(&mut a, &guid, "startPosition")?;
                let end = self.position(&mut a, &guid, "endPosition")?;
                let creating_user = self.optional_guid(&mut a, "PlainTextSelection", &guid, "creatingUser")?;
                let name = a.take("name").unwrap_or_default();
                self.out.budget.text(guid.len() + name.len())?;
                self.selection = Some(QdaSelection {
                    guid,
                    name,
                    start,
                    end,
                    creating_user,
                    codings: Vec::new(),
                    note_refs: Vec::new(),
                });
                Frame::Selection
            }
            (Frame::Selection, "Coding") => {
                let mut a = Attrs::of(e, self.part)?;
                let guid = self.guid(&mut a, "Coding")?;
                let creating_user = self.optional_guid(&mut a, "Coding", &guid, "creatingUser")?;
                self.coding = Some(QdaCoding { guid, code_guid: String::new(), creating_user });
                Frame::Coding
            }
            (Frame::Coding, "CodeRef") => {
                let target = self.target(e, "Coding")?;
                if let Some(c) = &mut self.coding
                    && c.code_guid.is_empty()
                {
                    self.out.budget.text(target.len())?;
                    c.code_guid = target;
                }
                Frame::Skip
            }
            (Frame::Coding, "NoteRef") => {
                let target = self.target(e, "Coding")?;
                if let Some(c) = &self.coding {
                    self.out.budget.text(target.len() + c.guid.len())?;
                    self.out.coding_notes.push((target, c.guid.clone()));
                }
                Frame::Skip
            }
            (Frame::Selection, "NoteRef") => {
                let target = self.target(e, "PlainTextSelection")?;
                self.out.budget.text(target.len())?;
                if let Some(s) = &mut self.selection {
                    s.note_refs.push(target);
                }
                Frame::Skip
            }
            (Frame::Root, "Notes") if project_root => Frame::Notes,
            (Frame::Notes, "Note") => {
                let mut a = Attrs::of(e, self.part)?;
                let guid = self.guid(&mut a, "Note")?;
                let name = a.take("name").unwrap_or_default();
                let creating_user = self.optional_guid(&mut a, "Note", &guid, "creatingUser")?;
                let path = a.take("plainTextPath");
                self.out.budget.text(guid.len() + name.len() + path.as_ref().map_or(0, String::len))?;
                let note = QdaNote { guid, name, text: String::new(), creating_user, targets: Vec::new() };
                self.note = Some(RawNote { note, inline: None, path });
                Frame::Note
            }
            (Frame::Note, "PlainTextContent") => self.text_slot(Slot::NoteText),
            (Frame::Root, "Sets") => Frame::Sets,
            (Frame::Sets, "Set") => {
                let mut a = Attrs::of(e, self.part)?;
                let guid = self.guid(&mut a, "Set")?;
                let name = a.take("name").unwrap_or_default();
                self.out.budget.text(guid.len() + name.len())?;
                self.set = Some(QdaSet { guid, name, description: None, member_codes: Vec::new() });
                Frame::Set
            }
            (Frame::Set, "Description") => self.text_slot(Slot::SetDescription),
            (Frame::Set, "MemberCode") => {
                // A project's MemberCode has `targetGUID`, a codebook's `guid`.
                self.out.budget.element()?;
                let mut a = Attrs::of(e, self.part)?;
                let target = match a.take("targetGUID").or_else(|| a.take("guid")) {
                    Some(t) => t,
                    None => {
                        return Err(QdpxError::MissingAttribute {
                            element: "MemberCode".into(),
                            guid: None,
                            attribute: "targetGUID",
                        });
                    }
                };
                self.out.budget.text(target.len())?;
                if let Some(s) = &mut self.set {
                    s.member_codes.push(target);
                }
                Frame::Skip
            }
            (Frame::Root, "Description") if project_root => self.text_slot(Slot::ProjectDescription),
            (Frame::Source, "Coding") => {
                self.ignore("Coding");
                Frame::Skip
            }
            (Frame::Root | Frame::Set, other) => {
                if let Some(&noted) = NOTED.iter().find(|n| **n == other) {
                    self.ignore(noted);
                }
                Frame::Skip
            }
            _ => Frame::Skip,
        };
        self.frames.push(frame);
        Ok(())
    }

    fn end(&mut self) -> Result<(), QdpxError> {
        let Some(frame) = self.frames.pop() else { return Ok(()) };
        match frame {
            Frame::Code => {
                if let Some(code) = self.codes.pop() {
                    match self.codes.last_mut() {
                        Some(parent) => parent.children.push(code),
                        None => self.out.project.codes.push(code),
                    }
                }
            }
            Frame::Source => {
                if let Some(s) = self.source.take() {
                    self.out.sources.push(s);
                }
            }
            Frame::Selection => {
                if let (Some(sel), Some(src)) = (self.selection.take(), &mut self.source) {
                    src.selections.push(sel);
                }
            }
            Frame::Coding => {
                if let Some(c) = self.coding.take() {
                    if c.code_guid.is_empty() {
                        return Err(QdpxError::MissingChild {
                            element: "Coding".into(),
                            guid: c.guid,
                            child: "CodeRef",
                        });
                    }
                    if let Some(s) = &mut self.selection {
                        s.codings.push(c);
                    }
                }
            }
            Frame::Note => {
                if let Some(n) = self.note.take() {
                    self.out.notes.push(n);
                }
            }
            Frame::Set => {
                if let Some(s) = self.set.take() {
                    self.out.project.sets.push(s);
                }
            }
            Frame::Text(slot) => {
                let text = std::mem::take(&mut self.text);
                match slot {
                    Slot::ProjectDescription => self.out.project.description = Some(text),
                    Slot::CodeDescription => {
                        if let Some(c) = self.codes.last_mut() {
                            c.description = Some(text);
                        }
                    }
                    Slot::SetDescription => {
                        if let Some(s) = &mut self.set {
                            s.description = Some(text);
                        }
                    }
                    Slot::SourceText => {
                        if let Some(s) = &mut self.source {
                            s.inline = Some(text);
                        }
                    }
                    Slot::NoteText => {
                        if let Some(n) = &mut self.note {
                            n.inline = Some(text);
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn push_text(&mut self, s: &str) -> Result<(), QdpxError> {
        if !matches!(self.frames.last(), Some(Frame::Text(_))) {
            return Ok(());
        }
        let max = self.out.budget.limits.max_cell_bytes;
        if (self.text.len() + s.len()) as u64 > max {
            return Err(LimitExceeded::CellBytes(max).into());
        }
        self.out.budget.text(s.len())?;
        self.text.push_str(s);
        Ok(())
    }

    fn text_slot(&mut self, slot: Slot) -> Frame {
        self.text.clear();
        Frame::Text(slot)
    }

    fn ignore(&mut self, name: &'static str) {
        match self.ignored.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => self.ignored.push((name, 1)),
        }
    }

    /// The element's `guid`, well formed and not used before.
    fn guid(&mut self, a: &mut Attrs, element: &'static str) -> Result<String, QdpxError> {
        self.out.budget.element()?;
        let guid = a.take("guid").ok_or_else(|| QdpxError::MissingAttribute {
            element: element.into(),
            guid: None,
            attribute: "guid",
        })?;
        let guid = guid.trim().to_string();
        self.guids.add(element, &guid)?;
        Ok(guid)
    }

    fn optional_guid(
        &mut self,
        a: &mut Attrs,
        element: &str,
        guid: &str,
        attribute: &'static str,
    ) -> Result<Option<String>, QdpxError> {
        match a.take(attribute) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) if super::is_guid(v.trim()) => {
                self.out.budget.text(v.len())?;
                Ok(Some(v.trim().to_string()))
            }
            Some(v) => Err(QdpxError::BadValue {
                element: element.into(),
                guid: Some(guid.into()),
                attribute,
                value: shorten(&v),
                expected: Expected::Guid,
            }),
        }
    }

    /// The `targetGUID` of a reference inside `element`.
    fn target(&mut self, e: &BytesStart<'_>, element: &str) -> Result<String, QdpxError> {
        self.out.budget.element()?;
        let mut a = Attrs::of(e, self.part)?;
        let owner = match element {
            "Coding" => self.coding.as_ref().map(|c| c.guid.clone()),
            _ => self.selection.as_ref().map(|s| s.guid.clone()),
        };
        let name = e.local_name().as_ref().to_string();
        let t = a.take("targetGUID").ok_or_else(|| QdpxError::MissingAttribute {
            element: name.clone(),
            guid: None,
            attribute: "targetGUID",
        })?;
        let t = t.trim().to_string();
        if !super::is_guid(&t) {
            return Err(QdpxError::BadValue {
                element: element.into(),
                guid: owner,
                attribute: if name == "CodeRef" { "CodeRef" } else { "NoteRef" },
                value: shorten(&t),
                expected: Expected::Guid,
            });
        }
        Ok(t)
    }

    fn position(&self, a: &mut Attrs, guid: &str, attribute: &'static str) -> Result<usize, QdpxError> {
        let v = a.take(attribute).ok_or_else(|| QdpxError::MissingAttribute {
            element: "PlainTextSelection".into(),
            guid: Some(guid.into()),
            attribute,
        })?;
        v.trim().parse::<usize>().map_err(|_| QdpxError::BadValue {
            element: "PlainTextSelection".into(),
            guid: Some(guid.into()),
            attribute,
            value: shorten(&v),
            expected: Expected::Position,
        })
    }
}

/// `#abc` → `#aabbcc`; `#RRGGBB` as it is.
fn widen_color(c: &str) -> String {
    if c.len() == 4 {
        let mut out = String::from("#");
        for ch in c[1..].chars() {
            out.push(ch);
            out.push(ch);
        }
        out
    } else {
        c.to_string()
    }
}

// Resolving ---------------------------------------------------------------------------------

/// Canonical GUID → the code's GUID as written.
fn code_index(codes: &[QdaCode]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut stack: Vec<&QdaCode> = codes.iter().collect();
    while let Some(c) = stack.pop() {
        out.insert(canonical(&c.guid), c.guid.clone());
        stack.extend(c.children.iter());
    }
    out
}

fn resolve_sets(sets: &mut [QdaSet], codes: &HashMap<String, String>, skipped: &mut Vec<String>) {
    for s in sets {
        let members = std::mem::take(&mut s.member_codes);
        for m in members {
            match codes.get(&canonical(&m)) {
                Some(g) => s.member_codes.push(g.clone()),
                None => skipped.push(format!("Set `{}`: MemberCode `{m}` is no code of the project", s.guid)),
            }
        }
    }
}

/// A source's or note's text file: `internal://x` is `sources/x` (or `x`) in the archive; a
/// `file://` or `relative://` path is looked up by its file name in `sources/`.
fn find_text<R: Read + Seek>(ar: &Archive<R>, names: &[String], path: &str) -> Option<usize> {
    let path = path.trim();
    if let Some(inner) = path.strip_prefix("internal://") {
        let inner = inner.trim_start_matches('/');
        return ar.find(&format!("sources/{inner}")).or_else(|| ar.find(inner));
    }
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let file = percent_decode(file);
    if file.is_empty() {
        return None;
    }
    ar.find(&format!("sources/{file}")).or_else(|| {
        names.iter().position(|n| {
            n.rsplit('/').next().is_some_and(|f| f.eq_ignore_ascii_case(&file))
                && n.to_ascii_lowercase().starts_with("sources/")
        })
    })
}

/// `%20` → ` ` in a file URL (left as it is when malformed).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

type ArchiveRef<'a, R> = Option<(&'a mut Archive<R>, &'a [String])>;

/// Reads the text of a source or note: inline, else its file in the archive.
fn text_of<R: Read + Seek>(
    ar: &mut ArchiveRef<'_, R>,
    guid: &str,
    inline: Option<String>,
    path: Option<&str>,
    limits: Limits,
    budget: &mut Budget,
) -> Result<String, QdpxError> {
    if let Some(text) = inline {
        return Ok(text);
    }
    let Some(path) = path.filter(|p| !p.trim().is_empty()) else {
        return Err(QdpxError::NoText { guid: guid.into() });
    };
    let missing = || QdpxError::MissingSourceFile { guid: guid.into(), path: shorten(path) };
    let Some((archive, names)) = ar else { return Err(missing()) };
    let index = find_text(archive, names, path).ok_or_else(missing)?;
    let (part, bytes) = archive.read_entry(index, limits.max_cell_bytes)?;
    budget.text(bytes.len())?;
    decode(&part, bytes)
}

fn finish<R: Read + Seek>(
    parsed: Parsed,
    opts: ReadOptions,
    limits: Limits,
    mut ar: ArchiveRef<'_, R>,
) -> Result<QdaProject, QdpxError> {
    let Parsed { mut project, sources, notes, coding_notes, mut budget } = parsed;
    let codes = code_index(&project.codes);
    let mut by_coding: HashMap<String, Vec<String>> = HashMap::new();
    for (note, coding) in coding_notes {
        by_coding.entry(coding).or_default().push(note);
    }
    let coding_notes = by_coding;

    // Notes first: selections and codings refer to them.
    let mut note_index: HashMap<String, usize> = HashMap::new();
    for raw in notes {
        let text = text_of(&mut ar, &raw.note.guid, raw.inline, raw.path.as_deref(), limits, &mut budget)?;
        let mut note = raw.note;
        note.text = normalise_note(text);
        note_index.insert(canonical(&note.guid), project.notes.len());
        project.notes.push(note);
    }

    for raw in sources {
        let text = text_of(&mut ar, &raw.guid, raw.inline, raw.path.as_deref(), limits, &mut budget)?;
        let mut selections = raw.selections;
        let (text, original) = normalise(text, opts, &raw.guid, &mut selections)?;
        if original.is_some() {
            // Two copies are kept.
            budget.text(text.len())?;
        }
        for sel in &mut selections {
            for c in &mut sel.codings {
                match codes.get(&canonical(&c.code_guid)) {
                    Some(g) => c.code_guid = g.clone(),
                    None => {
                        return Err(QdpxError::MissingTarget {
                            element: "Coding".into(),
                            guid: c.guid.clone(),
                            reference: "CodeRef",
                            target: c.code_guid.clone(),
                            kind: TargetKind::Code,
                        });
                    }
                }
            }
            let refs = std::mem::take(&mut sel.note_refs);
            for r in refs {
                match note_index.get(&canonical(&r)) {
                    Some(&i) => {
                        let note = &mut project.notes[i];
                        sel.note_refs.push(note.guid.clone());
                        note.targets.push(sel.guid.clone());
                    }
                    None => project
                        .skipped
                        .push(format!("PlainTextSelection `{}`: NoteRef `{r}` is no note of the project", sel.guid)),
                }
            }
            for c in &sel.codings {
                for n in coding_notes.get(&c.guid).into_iter().flatten() {
                    match note_index.get(&canonical(n)) {
                        Some(&i) => project.notes[i].targets.push(c.guid.clone()),
                        None => project
                            .skipped
                            .push(format!("Coding `{}`: NoteRef `{n}` is no note of the project", c.guid)),
                    }
                }
            }
        }
        project.sources.push(QdaTextSource {
            guid: raw.guid,
            name: raw.name,
            text,
            original,
            created_by: raw.created_by,
            selections,
        });
    }

    let mut skipped = std::mem::take(&mut project.skipped);
    resolve_sets(&mut project.sets, &codes, &mut skipped);
    project.skipped = skipped;
    Ok(project)
}
