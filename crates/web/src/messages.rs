//! The message catalog: every error message the lower layers write (in plain English, with
//! the values they name) reaches the user in the interface language.
//!
//! The domain, the files crate and the stores stay language-free: they write a message from
//! an English template such as `is longer than {max} characters ({len})`. The catalog
//! (`i18n/messages.id.json`) maps each template, written exactly as in the code, to its
//! Indonesian; at render time a message is matched against the templates, each `{…}` hole
//! capturing the value written there, and the Indonesian template is filled with those
//! values. A captured value is itself translated when it is a message or a catalog term
//! (`household` → `keluarga`), so nested messages and record kinds come out whole.
//! A unit test scans the sources for the messages passed to the error constructors and
//! fails naming any that has no translation.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::i18n::Lang;

const CATALOG_JSON: &str = include_str!("../i18n/messages.id.json");

/// The catalog file: record kinds and other words (`terms`) and message templates.
#[derive(Debug, Default, Deserialize)]
struct CatalogFile {
    terms: HashMap<String, String>,
    messages: HashMap<String, String>,
}

/// One piece of a template: literal text or a hole named after its placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Hole(String),
}

/// A template ready for matching, with its translation.
#[derive(Debug)]
struct Template {
    pieces: Vec<Piece>,
    /// How much literal text it has: the more, the more specific (tried first).
    weight: usize,
    to: String,
}

#[derive(Debug, Default)]
struct Catalog {
    terms: HashMap<String, String>,
    exact: HashMap<String, String>,
    templates: Vec<Template>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    // The file is part of the build and a unit test parses it; should it still be broken,
    // messages stay in English rather than the server failing.
    let file: CatalogFile = serde_json::from_str(CATALOG_JSON).unwrap_or_else(|err| {
        tracing::error!(error = %err, "messages.id.json does not parse");
        CatalogFile::default()
    });
    let mut catalog = Catalog { terms: file.terms, ..Catalog::default() };
    for (from, to) in file.messages {
        let pieces = pieces(&from);
        if pieces.iter().all(|p| matches!(p, Piece::Text(_))) {
            catalog.exact.insert(unescape_braces(&from), to);
        } else {
            let weight = pieces.iter().map(|p| if let Piece::Text(t) = p { t.len() } else { 0 }).sum();
            catalog.templates.push(Template { pieces, weight, to });
        }
    }
    catalog.templates.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.to.cmp(&b.to)));
    catalog
});

/// Splits a template written as a Rust format string: `{name}`, `{name:02}`, `{:04X}` and
/// `{}` are holes (unnamed ones are numbered `0`, `1`, … in order), `{{`/`}}` are braces.
fn pieces(template: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut unnamed = 0;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut spec = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    spec.push(c);
                }
                let name = spec.split(':').next().unwrap_or("").trim().to_string();
                let name = if name.is_empty() {
                    unnamed += 1;
                    (unnamed - 1).to_string()
                } else {
                    name
                };
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Hole(name));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

fn unescape_braces(s: &str) -> String {
    s.replace("{{", "{").replace("}}", "}")
}

/// Matches `input` against `pieces`, filling `holes`; a hole takes the shortest text that
/// lets the rest match, and never nothing.
fn matches<'p, 'a>(pieces: &'p [Piece], input: &'a str, holes: &mut Vec<(&'p str, &'a str)>) -> bool {
    match pieces.split_first() {
        None => input.is_empty(),
        Some((Piece::Text(t), rest)) => input.strip_prefix(t.as_str()).is_some_and(|tail| matches(rest, tail, holes)),
        Some((Piece::Hole(name), rest)) => {
            let next = match rest.first() {
                Some(Piece::Text(t)) => Some(t.as_str()),
                _ => None,
            };
            let ends = input.char_indices().map(|(i, _)| i).skip(1).chain(std::iter::once(input.len()));
            for end in ends.filter(|&e| e > 0) {
                if next.is_some_and(|t| !input[end..].starts_with(t)) {
                    continue;
                }
                holes.push((name.as_str(), &input[..end]));
                if matches(rest, &input[end..], holes) {
                    return true;
                }
                holes.pop();
            }
            false
        }
    }
}

/// `message` in `lang`: itself in English, else its catalog translation, else itself.
pub fn translate(lang: Lang, message: &str) -> String {
    match lang {
        Lang::En => message.to_string(),
        Lang::Id => to_indonesian(message, 0).into_owned(),
    }
}

/// Nested messages translate their parts; the depth bounds the work on hostile input.
fn to_indonesian(message: &str, depth: usize) -> Cow<'_, str> {
    let catalog = &*CATALOG;
    if let Some(to) = catalog.exact.get(message).or_else(|| catalog.terms.get(message)) {
        return Cow::Owned(to.clone());
    }
    if depth > 3 || message.len() > 2000 {
        return Cow::Borrowed(message);
    }
    for template in &catalog.templates {
        let mut holes = Vec::new();
        if matches(&template.pieces, message, &mut holes) {
            let mut out = String::new();
            for piece in pieces(&template.to) {
                match piece {
                    Piece::Text(t) => out.push_str(&t),
                    Piece::Hole(name) => match holes.iter().find(|(n, _)| *n == name) {
                        Some((_, value)) => out.push_str(&to_indonesian(value, depth + 1)),
                        None => out.push_str(&format!("{{{name}}}")),
                    },
                }
            }
            return Cow::Owned(out);
        }
    }
    Cow::Borrowed(message)
}

/// The label of a field code (`household_id` → `Keluarga`) in `lang`: the `field.{code}`
/// translation, else the code itself.
pub fn label(lang: Lang, field: &str) -> String {
    let key = format!("field.{field}");
    let t = lang.tr().t(&key);
    if t == key { field.to_string() } else { t.to_string() }
}

/// `label: message`, both in `lang`.
pub fn field_line(lang: Lang, field: &str, message: &str) -> String {
    format!("{}: {}", label(lang, field), translate(lang, message))
}

#[cfg(test)]
mod tests;
