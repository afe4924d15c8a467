//! The catalog's own tests, and the scan that keeps it complete: every message literal
//! handed to an error constructor anywhere in the layers a user's request passes through
//! must have an Indonesian text.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::*;

/// What a literal found by the scan must be in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// A message template (`is required`).
    Message,
    /// A record kind or another word placed into a message (`household`).
    Term,
}

/// A constructor the scan looks for: the text that opens it, which argument holds the
/// message (counted from the end, 1 = last), how many arguments it must have (0 = any),
/// and whether its first argument is a field code that needs a label.
struct Constructor {
    open: &'static str,
    from_end: usize,
    args: usize,
    field_first: bool,
    need: Need,
}

const CONSTRUCTORS: &[Constructor] = &[
    Constructor { open: "Invalid::one(", from_end: 1, args: 2, field_first: true, need: Need::Message },
    Constructor { open: "FieldError::new(", from_end: 1, args: 2, field_first: true, need: Need::Message },
    Constructor { open: "Error::bad_request(", from_end: 1, args: 2, field_first: true, need: Need::Message },
    Constructor { open: "Error::unprocessable(", from_end: 1, args: 2, field_first: true, need: Need::Message },
    Constructor { open: "Error::not_found(", from_end: 1, args: 1, field_first: false, need: Need::Message },
    Constructor { open: "Error::new(", from_end: 1, args: 3, field_first: false, need: Need::Message },
    // The Checker (and any collector) taking a field and a message.
    Constructor { open: ".push(", from_end: 1, args: 2, field_first: true, need: Need::Message },
    // The PostgreSQL store's constraint helpers and the SQLite store's unique-key mapper.
    Constructor { open: "duplicate(", from_end: 1, args: 2, field_first: true, need: Need::Message },
    Constructor { open: "reference(", from_end: 1, args: 2, field_first: true, need: Need::Message },
    Constructor { open: "unique(", from_end: 1, args: 3, field_first: false, need: Need::Term },
    // The Checker keeping a parsed value or its error: the field needs a label.
    Constructor { open: ".field(", from_end: 1, args: 2, field_first: true, need: Need::Message },
    // Parsers answer `Err(message)`.
    Constructor { open: "Err(", from_end: 1, args: 1, field_first: false, need: Need::Message },
    // A spreadsheet cell answers `Err((shown, rule))`.
    Constructor { open: "Err((", from_end: 1, args: 2, field_first: false, need: Need::Message },
    // Local `err` closures: the survey bins' reasons, the stores' import rules (column, rule).
    Constructor { open: "err(", from_end: 1, args: 0, field_first: true, need: Need::Message },
    // Import rules the file readers build before making the row error.
    Constructor { open: "rule = format!(", from_end: 1, args: 1, field_first: false, need: Need::Message },
    // The survey report's notes to the reader.
    Constructor { open: "notes.push(", from_end: 1, args: 1, field_first: false, need: Need::Message },
];

/// Struct-shaped errors: the opening text, the member holding the text, what it needs.
const STRUCTS: &[(&str, &str, Need)] = &[
    ("StoreError::Reference {", "message:", Need::Message),
    ("StoreError::Duplicate {", "message:", Need::Message),
    ("NotFound {", "entity:", Need::Term),
    // Import rejects: the rule a row broke.
    ("RowError {", "rule:", Need::Message),
    // Survey bins and reliability: why a bin cannot be read, why a statistic is undefined.
    ("BinSyntaxError {", "reason:", Need::Message),
    ("ItemReliability {", "reason:", Need::Message),
    ("Reliability {", "cronbach_reason:", Need::Message),
];

/// `Display` implementations whose every `write!` text is a message users read.
const DISPLAYS: &[&str] = &["impl fmt::Display for Coverage"];

/// The source files of the layers a request passes through, without their tests.
fn sources() -> Vec<(PathBuf, String)> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in ["domain", "files", "store", "store-sqlite", "store-postgres", "web"] {
        walk(&crates.join(dir).join("src"), &mut out);
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "testkit" | "tests") {
                walk(&path, out);
            }
        } else if name.ends_with(".rs") && !name.ends_with("tests.rs") && !name.starts_with("test") {
            let text = std::fs::read_to_string(&path).expect("read");
            // Unit tests sit at the end of a file.
            let code = match text.find("\n#[cfg(test)]\nmod ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            out.push((path, code));
        }
    }
}

/// The value of the Rust string literal opening at `i` (escapes resolved) and the index
/// after it.
fn literal_at(s: &str, i: usize) -> Option<(String, usize)> {
    if s.as_bytes().get(i) != Some(&b'"') {
        return None;
    }
    let mut out = String::new();
    let mut chars = s[i + 1..].char_indices().peekable();
    while let Some((j, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1 + j + 1)),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                // A line continuation: the next line's leading spaces are dropped.
                '\n' => {
                    while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                        chars.next();
                    }
                }
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
    None
}

/// The index of the delimiter closing the one opened just before `start`.
fn close(s: &str, start: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0i32;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = literal_at(s, i)?.1;
                continue;
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\\') => i += 3,
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The top-level, comma-separated parts of an argument list.
fn split_args(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut from, mut i) = (0i32, 0, 0);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = literal_at(s, i).map(|(_, end)| end).unwrap_or(b.len());
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                out.push(s[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if !s[from..].trim().is_empty() {
        out.push(s[from..].trim());
    }
    out
}

/// Every string literal in a piece of code that has a letter outside its `{…}` holes.
fn literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = code[i..].find('"') {
        let at = i + off;
        match literal_at(code, at) {
            Some((text, end)) => {
                let words: String = pieces(&text)
                    .into_iter()
                    .filter_map(|p| if let Piece::Text(t) = p { Some(t) } else { None })
                    .collect();
                if words.chars().any(char::is_alphabetic) {
                    out.push(text);
                }
                i = end;
            }
            None => break,
        }
    }
    out
}

fn is_field_code(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// What the scan found: (need, text, where) and the field codes named.
#[derive(Default)]
struct Found {
    texts: Vec<(Need, String, String)>,
    fields: BTreeSet<(String, String)>,
}

fn scan_file(path: &Path, code: &str, found: &mut Found) {
    let place = |at: usize| {
        let line = code[..at].matches('\n').count() + 1;
        format!("{}:{line}", path.display())
    };
    for c in CONSTRUCTORS {
        let mut from = 0;
        while let Some(off) = code[from..].find(c.open) {
            let at = from + off;
            from = at + c.open.len();
            // `io::Error::new` and kin are not the web error.
            if c.open == "Error::new(" && code[..at].ends_with("::") {
                continue;
            }
            // `duplicate(` must not be the tail of a longer name.
            if !c.open.starts_with(['.', 'E', 'I', 'F']) {
                let before = code[..at].chars().next_back().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' || before == ':' || before == '.' {
                    continue;
                }
                if code[..at].trim_end().ends_with("fn") {
                    continue;
                }
            }
            let Some(end) = close(code, from) else { continue };
            let args = split_args(&code[from..end]);
            if c.args != 0 && args.len() != c.args {
                continue;
            }
            let message = args[args.len() - c.from_end];
            // `debug_struct(..).field("x", &self.x)` is no Checker.
            if c.open == ".field(" && message.starts_with('&') {
                continue;
            }
            let field = args.first().and_then(|a| literal_at(a, 0)).map(|(f, _)| f);
            if matches!(c.open, ".push(" | ".field(" | "Err(") {
                // Only a collector taking a literal field, only a parser failing with text.
                if matches!(c.open, ".push(" | ".field(") && !field.as_deref().is_some_and(is_field_code) {
                    continue;
                }
                if c.open == "Err(" && !(message.starts_with('"') || message.starts_with("format!(")) {
                    continue;
                }
            }
            if c.field_first
                && let Some(f) = field.filter(|f| is_field_code(f))
            {
                found.fields.insert((f, place(at)));
            }
            for text in literals(message) {
                found.texts.push((c.need, text, place(at)));
            }
        }
    }
    for (open, member, need) in STRUCTS {
        let mut from = 0;
        while let Some(off) = code[from..].find(open) {
            let at = from + off;
            from = at + open.len();
            let Some(end) = close(code, from) else { continue };
            let body = &code[from..end];
            if let Some(f) = body.find("field:").and_then(|i| literal_at(body[i + 6..].trim_start(), 0)) {
                found.fields.insert((f.0, place(at)));
            }
            let Some(m) = body.find(member) else { continue };
            let rest = &body[m + member.len()..];
            let value = split_args(rest).first().copied().unwrap_or("");
            for text in literals(value) {
                found.texts.push((*need, text, place(at)));
            }
        }
    }
    for open in DISPLAYS {
        let Some(at) = code.find(open) else { continue };
        let Some(brace) = code[at..].find('{') else { continue };
        let from = at + brace + 1;
        let Some(end) = close(code, from) else { continue };
        let mut i = from;
        while let Some(off) = code[i..end].find("write!(") {
            let open_at = i + off + "write!(".len();
            i = open_at;
            let Some(close_at) = close(code, open_at) else { continue };
            // `write!(f, "text", args…)`: the text is the second argument.
            if let Some((text, _)) = split_args(&code[open_at..close_at]).get(1).and_then(|a| literal_at(a, 0))
                && !literals(&format!("{text:?}")).is_empty()
            {
                found.texts.push((Need::Message, text, place(open_at)));
            }
        }
    }
    // thiserror messages reach users through `to_string()`.
    let mut from = 0;
    while let Some(off) = code[from..].find("#[error(") {
        let at = from + off;
        from = at + 8;
        if let Some((text, _)) = literal_at(code[from..].trim_start(), 0) {
            if literals(&format!("{text:?}")).is_empty() {
                continue;
            }
            found.texts.push((Need::Message, text, place(at)));
        }
    }
}

fn scan() -> Found {
    let mut found = Found::default();
    for (path, code) in sources() {
        scan_file(&path, &code, &mut found);
    }
    found
}

#[test]
fn the_catalog_parses_and_every_template_has_words() {
    let file: CatalogFile = serde_json::from_str(CATALOG_JSON).expect("messages.id.json parses");
    assert!(file.messages.len() > 50, "only {} messages", file.messages.len());
    for (from, to) in &file.messages {
        let holes = |t: &str| -> BTreeSet<String> {
            pieces(t).into_iter().filter_map(|p| if let Piece::Hole(h) = p { Some(h) } else { None }).collect()
        };
        assert!(!literals(&format!("{from:?}")).is_empty(), "template without words: {from:?}");
        let (need, have) = (holes(from), holes(to));
        assert!(have.is_subset(&need), "{from:?}: the translation names holes the template lacks: {have:?}");
        assert!(!to.trim().is_empty(), "{from:?} has an empty translation");
    }
}

#[test]
fn every_message_in_the_code_has_an_indonesian_text() {
    let found = scan();
    assert!(found.texts.len() > 100, "the scan found only {} messages", found.texts.len());
    let file: CatalogFile = serde_json::from_str(CATALOG_JSON).expect("messages.id.json parses");
    let mut missing = BTreeSet::new();
    for (need, text, place) in &found.texts {
        let known = match need {
            Need::Message => file.messages.contains_key(text),
            Need::Term => file.terms.contains_key(text) || file.messages.contains_key(text),
        };
        if !known {
            missing.insert(format!("{need:?} {text:?} ({place})"));
        }
    }
    assert!(
        missing.is_empty(),
        "{} messages have no Indonesian text:\n{}",
        missing.len(),
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_field_named_by_an_error_has_a_label() {
    let found = scan();
    assert!(found.fields.len() > 20, "the scan found only {} fields", found.fields.len());
    let missing: BTreeSet<String> = found
        .fields
        .iter()
        .filter(|(f, _)| {
            Lang::Id.tr().t(&format!("field.{f}")).starts_with("field.")
                || Lang::En.tr().t(&format!("field.{f}")).starts_with("field.")
        })
        .map(|(f, place)| format!("{f} ({place})"))
        .collect();
    assert!(
        missing.is_empty(),
        "fields without a `field.…` label:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn messages_are_said_in_indonesian_with_their_values() {
    let id = |m: &str| translate(Lang::Id, m);
    assert_eq!(id("is required"), "wajib diisi");
    assert_eq!(id("is longer than 300 characters (301)"), "lebih dari 300 karakter (301)");
    assert_eq!(id("household 12 does not exist"), "keluarga 12 tidak ada");
    assert_eq!(id("region 33.99 does not exist"), "wilayah 33.99 tidak ada");
    assert_eq!(id("group not found"), "kelompok tidak ditemukan");
    assert_eq!(id("person 7 does not exist"), "individu 7 tidak ada");
    assert_eq!(id("this NIK is already registered"), "NIK ini sudah terdaftar");
    assert_eq!(id("this KK number is already registered"), "nomor KK ini sudah terdaftar");
    assert_eq!(
        id("a village cannot sit at level 2 (code 33.16)"),
        "desa/kelurahan tidak bisa berada di tingkat 2 (kode 33.16)"
    );
    assert_eq!(
        id("`abc` is not a record id (a whole number from 1)"),
        "`abc` bukan nomor ID data (bilangan bulat mulai 1)"
    );
    assert_eq!(
        id("digits 9–10 give month 13, which does not exist"),
        "angka 9–10 menunjukkan bulan 13, yang tidak ada"
    );
    // A message inside a message is translated too.
    assert_eq!(
        id("row 3, column q1: `7` is not a choice of list `likert`"),
        "baris 3, kolom q1: `7` bukan pilihan dari daftar `likert`"
    );
}

#[test]
fn survey_problems_and_import_rules_are_said_in_indonesian() {
    let id = |m: &str| translate(Lang::Id, m);
    assert_eq!(
        id("survey row 4 (umur): bins: values up to 30 are in no bin"),
        "lembar survey baris 4 (umur): kelompok kode: nilai sampai 30 tidak masuk kelompok kode mana pun"
    );
    assert_eq!(
        id("bins: values (40, 41) (strictly between bins) are in no bin"),
        "kelompok kode: nilai (40, 41) (tepat di antara kelompok kode) tidak masuk kelompok kode mana pun"
    );
    assert_eq!(
        id("bin `0-x:1`: ends must be plain numbers such as 2000 or 0.5 (no thousands separators)"),
        "kelompok kode `0-x:1`: batas harus angka biasa seperti 2000 atau 0.5 (tanpa pemisah ribuan)"
    );
    assert_eq!(
        id("3 respondent(s) with blank or invalid answers were dropped; 40 analysed."),
        "3 responden dengan jawaban kosong atau tidak sah dikeluarkan; 40 dianalisis."
    );
    assert_eq!(id("the factor has the same value for every respondent"), "faktor bernilai sama untuk semua responden");
    assert_eq!(id("every respondent gave the same answer"), "semua responden memberi jawaban yang sama");
    assert_eq!(id("duplicate NIK: the same NIK is on row 7"), "NIK ganda: NIK yang sama ada di baris 7");
    assert_eq!(
        id("KK is also on row 2 with a different region; rows of one KK must agree"),
        "KK ini juga ada di baris 2 dengan wilayah yang berbeda; baris-baris satu KK harus sama"
    );
    assert_eq!(id("region 33.99 does not exist"), "wilayah 33.99 tidak ada");
}

#[test]
fn english_and_unknown_messages_stay_as_written() {
    assert_eq!(translate(Lang::En, "is required"), "is required");
    assert_eq!(translate(Lang::Id, "no rule says this"), "no rule says this");
    assert_eq!(translate(Lang::Id, ""), "");
    // Hostile input costs little: a long text that almost matches many templates.
    let long = "a ".repeat(1000);
    assert_eq!(translate(Lang::Id, &long), long);
}

#[test]
fn fields_are_named_by_their_labels() {
    assert_eq!(label(Lang::Id, "household_id"), "Keluarga");
    assert_eq!(label(Lang::En, "household_id"), "Household");
    assert_eq!(label(Lang::Id, "no_such_field"), "no_such_field");
    assert_eq!(field_line(Lang::Id, "nik", "is required"), "NIK: wajib diisi");
}

#[test]
fn template_holes_and_braces() {
    assert_eq!(
        pieces("a {x:02} b {} {{c}}"),
        vec![
            Piece::Text("a ".into()),
            Piece::Hole("x".into()),
            Piece::Text(" b ".into()),
            Piece::Hole("0".into()),
            Piece::Text(" {c}".into())
        ]
    );
}
