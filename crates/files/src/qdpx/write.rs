//! Writing `.qdpx` archives and `.qdc` codebooks, elements in the order the schemas give and
//! no container element left empty where the schema wants at least one child.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::{CODEBOOK_NAMESPACE, PROJECT_NAMESPACE, QdaCode, QdaProject, QdaSet, QdpxError, validate};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const PROJECT_XSD: &str = "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd";
const CODEBOOK_XSD: &str = "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd";

/// Writes `p` as a `.qdpx`: `project.qde` and each source's text as `sources/<guid>.txt`
/// (UTF-8, `\n` line breaks, positions in code points). The project is [validated](validate)
/// first; nothing is written when it fails.
pub fn write_qdpx<W: Write + Seek>(p: &QdaProject, out: W) -> Result<(), QdpxError> {
    validate(p)?;
    let write = |e: zip::result::ZipError| QdpxError::Write(e.to_string());
    let io = |e: std::io::Error| QdpxError::Write(e.to_string());
    let mut zip = ZipWriter::new(out);
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    zip.start_file("project.qde", opts).map_err(write)?;
    zip.write_all(project_xml(p).as_bytes()).map_err(io)?;
    for s in &p.sources {
        let large = s.text.len() as u64 >= u64::from(u32::MAX);
        zip.start_file(format!("sources/{}.txt", s.guid), opts.large_file(large)).map_err(write)?;
        if s.text.starts_with('\u{FEFF}') {
            // A byte-order mark, so that the text's own U+FEFF survives reading.
            zip.write_all("\u{FEFF}".as_bytes()).map_err(io)?;
        }
        zip.write_all(s.text.as_bytes()).map_err(io)?;
    }
    zip.finish().map_err(write)?;
    Ok(())
}

/// The project's codes and sets as a `.qdc` codebook. It writes what it is given: call
/// [`validate`] first. The schema wants at least one code, so a project without codes gives a
/// codebook other software may refuse.
pub fn write_qdc(p: &QdaProject) -> String {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = write!(
        x,
        "<CodeBook xmlns=\"{CODEBOOK_NAMESPACE}\" xmlns:xsi=\"{XSI}\" xsi:schemaLocation=\"{CODEBOOK_NAMESPACE} {CODEBOOK_XSD}\""
    );
    if let Some(origin) = &p.origin {
        attr(&mut x, "origin", origin);
    }
    x.push_str(">\n  <Codes>");
    codes(&mut x, &p.codes, 2);
    x.push_str("\n  </Codes>");
    sets(&mut x, &p.sets, "guid");
    x.push_str("\n</CodeBook>\n");
    x
}

fn project_xml(p: &QdaProject) -> String {
    let mut x = String::with_capacity(4096);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = write!(
        x,
        "<Project xmlns=\"{PROJECT_NAMESPACE}\" xmlns:xsi=\"{XSI}\" xsi:schemaLocation=\"{PROJECT_NAMESPACE} {PROJECT_XSD}\""
    );
    attr(&mut x, "name", &p.name);
    if let Some(origin) = &p.origin {
        attr(&mut x, "origin", origin);
    }
    x.push('>');

    // ProjectType: Users, CodeBook, Variables, Cases, Sources, Notes, Links, Sets, Graphs,
    // Description, NoteRef.
    if !p.users.is_empty() {
        x.push_str("\n  <Users>");
        for u in &p.users {
            x.push_str("\n    <User");
            attr(&mut x, "guid", &u.guid);
            attr(&mut x, "name", &u.name);
            x.push_str("/>");
        }
        x.push_str("\n  </Users>");
    }
    if !p.codes.is_empty() {
        x.push_str("\n  <CodeBook>\n    <Codes>");
        codes(&mut x, &p.codes, 3);
        x.push_str("\n    </Codes>\n  </CodeBook>");
    }

    // Notes referring to a selection or coding, by its GUID.
    let mut notes_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for n in &p.notes {
        for t in &n.targets {
            notes_of.entry(t.as_str()).or_default().push(n.guid.as_str());
        }
    }

    if !p.sources.is_empty() {
        x.push_str("\n  <Sources>");
        for s in &p.sources {
            x.push_str("\n    <TextSource");
            attr(&mut x, "guid", &s.guid);
            attr(&mut x, "name", &s.name);
            attr(&mut x, "plainTextPath", &format!("internal://{}.txt", s.guid));
            if let Some(u) = &s.created_by {
                attr(&mut x, "creatingUser", u);
            }
            if s.selections.is_empty() {
                x.push_str("/>");
                continue;
            }
            x.push('>');
            // TextSourceType: Description, PlainTextContent, PlainTextSelection, Coding,
            // NoteRef, VariableValue.
            for sel in &s.selections {
                x.push_str("\n      <PlainTextSelection");
                attr(&mut x, "guid", &sel.guid);
                if !sel.name.is_empty() {
                    attr(&mut x, "name", &sel.name);
                }
                attr(&mut x, "startPosition", &sel.start.to_string());
                attr(&mut x, "endPosition", &sel.end.to_string());
                if let Some(u) = &sel.creating_user {
                    attr(&mut x, "creatingUser", u);
                }
                let mut note_refs: Vec<&str> = sel.note_refs.iter().map(String::as_str).collect();
                for n in notes_of.get(sel.guid.as_str()).into_iter().flatten() {
                    if !note_refs.iter().any(|r| super::canonical(r) == super::canonical(n)) {
                        note_refs.push(n);
                    }
                }
                if sel.codings.is_empty() && note_refs.is_empty() {
                    x.push_str("/>");
                    continue;
                }
                x.push('>');
                // PlainTextSelectionType: Description, Coding, NoteRef.
                for c in &sel.codings {
                    x.push_str("\n        <Coding");
                    attr(&mut x, "guid", &c.guid);
                    if let Some(u) = &c.creating_user {
                        attr(&mut x, "creatingUser", u);
                    }
                    x.push_str(">\n          <CodeRef");
                    attr(&mut x, "targetGUID", &c.code_guid);
                    x.push_str("/>");
                    for n in notes_of.get(c.guid.as_str()).into_iter().flatten() {
                        x.push_str("\n          <NoteRef");
                        attr(&mut x, "targetGUID", n);
                        x.push_str("/>");
                    }
                    x.push_str("\n        </Coding>");
                }
                for n in note_refs {
                    x.push_str("\n        <NoteRef");
                    attr(&mut x, "targetGUID", n);
                    x.push_str("/>");
                }
                x.push_str("\n      </PlainTextSelection>");
            }
            x.push_str("\n    </TextSource>");
        }
        x.push_str("\n  </Sources>");
    }
    if !p.notes.is_empty() {
        x.push_str("\n  <Notes>");
        for n in &p.notes {
            x.push_str("\n    <Note");
            attr(&mut x, "guid", &n.guid);
            if !n.name.is_empty() {
                attr(&mut x, "name", &n.name);
            }
            if let Some(u) = &n.creating_user {
                attr(&mut x, "creatingUser", u);
            }
            x.push_str("><PlainTextContent>");
            text(&mut x, &n.text);
            x.push_str("</PlainTextContent></Note>");
        }
        x.push_str("\n  </Notes>");
    }
    sets(&mut x, &p.sets, "targetGUID");
    if let Some(d) = &p.description {
        x.push_str("\n  <Description>");
        text(&mut x, d);
        x.push_str("</Description>");
    }
    x.push_str("\n</Project>\n");
    x
}

/// The code tree, each code at `depth` (for indenting). CodeType: Description, NoteRef, Code.
fn codes(x: &mut String, list: &[QdaCode], depth: usize) {
    for c in list {
        indent(x, depth);
        x.push_str("<Code");
        attr(x, "guid", &c.guid);
        attr(x, "name", &c.name);
        attr(x, "isCodable", if c.codable { "true" } else { "false" });
        if let Some(color) = &c.color {
            attr(x, "color", color);
        }
        if c.description.is_none() && c.children.is_empty() {
            x.push_str("/>");
            continue;
        }
        x.push('>');
        if let Some(d) = &c.description {
            indent(x, depth + 1);
            x.push_str("<Description>");
            text(x, d);
            x.push_str("</Description>");
        }
        codes(x, &c.children, depth + 1);
        indent(x, depth);
        x.push_str("</Code>");
    }
}

/// `<Sets>`, left out when there are none. A project's MemberCode points with `targetGUID`,
/// a codebook's with `guid`.
fn sets(x: &mut String, sets: &[QdaSet], member_attr: &str) {
    if sets.is_empty() {
        return;
    }
    x.push_str("\n  <Sets>");
    for s in sets {
        x.push_str("\n    <Set");
        attr(x, "guid", &s.guid);
        attr(x, "name", &s.name);
        if s.description.is_none() && s.member_codes.is_empty() {
            x.push_str("/>");
            continue;
        }
        x.push('>');
        if let Some(d) = &s.description {
            x.push_str("\n      <Description>");
            text(x, d);
            x.push_str("</Description>");
        }
        for m in &s.member_codes {
            x.push_str("\n      <MemberCode");
            attr(x, member_attr, m);
            x.push_str("/>");
        }
        x.push_str("\n    </Set>");
    }
    x.push_str("\n  </Sets>");
}

fn indent(x: &mut String, depth: usize) {
    x.push('\n');
    for _ in 0..depth {
        x.push_str("  ");
    }
}

/// Whether XML 1.0 can hold `c` at all (even as a character reference).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Element text, escaped; characters XML cannot hold become U+FFFD.
fn text(x: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => x.push_str("&amp;"),
            '<' => x.push_str("&lt;"),
            '>' => x.push_str("&gt;"),
            '\r' => x.push_str("&#13;"),
            c if !xml_char(c) => x.push('\u{FFFD}'),
            c => x.push(c),
        }
    }
}

/// ` name="value"`, escaped so that reading gives the value back (line breaks and tabs as
/// character references, which attribute normalisation keeps).
fn attr(x: &mut String, name: &str, value: &str) {
    x.push(' ');
    x.push_str(name);
    x.push_str("=\"");
    for c in value.chars() {
        match c {
            '&' => x.push_str("&amp;"),
            '<' => x.push_str("&lt;"),
            '>' => x.push_str("&gt;"),
            '"' => x.push_str("&quot;"),
            '\t' => x.push_str("&#9;"),
            '\n' => x.push_str("&#10;"),
            '\r' => x.push_str("&#13;"),
            c if !xml_char(c) => x.push('\u{FFFD}'),
            c => x.push(c),
        }
    }
    x.push('"');
}
