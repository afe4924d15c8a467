//! Why a REFI-QDA file cannot be read or written, in English ([`Display`](std::fmt::Display))
//! and in Indonesian ([`QdpxError::indonesian`]).

use crate::limits::{LimitExceeded, bytes, group, group_with};

/// What an attribute's value should have been.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// `8-4-4-4-12` hexadecimal digits.
    Guid,
    /// A whole number, 0 or more.
    Position,
    /// `#RRGGBB`.
    Color,
    /// `true` or `false`.
    Boolean,
}

impl Expected {
    fn english(self) -> &'static str {
        match self {
            Expected::Guid => "a GUID (8-4-4-4-12 hexadecimal digits)",
            Expected::Position => "a whole number of 0 or more",
            Expected::Color => "a colour #RRGGBB",
            Expected::Boolean => "true or false",
        }
    }

    fn indonesian(self) -> &'static str {
        match self {
            Expected::Guid => "GUID (8-4-4-4-12 digit heksadesimal)",
            Expected::Position => "bilangan bulat 0 atau lebih",
            Expected::Color => "warna #RRGGBB",
            Expected::Boolean => "true atau false",
        }
    }
}

/// What a reference should point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Code,
    Note,
    SelectionOrCoding,
}

impl TargetKind {
    fn english(self) -> &'static str {
        match self {
            TargetKind::Code => "code",
            TargetKind::Note => "note",
            TargetKind::SelectionOrCoding => "selection or coding",
        }
    }

    fn indonesian(self) -> &'static str {
        match self {
            TargetKind::Code => "kode",
            TargetKind::Note => "catatan",
            TargetKind::SelectionOrCoding => "seleksi atau pengodean",
        }
    }
}

/// Why a REFI-QDA project or codebook cannot be read or written. Element and attribute names
/// are the schema's; GUIDs are quoted as the file has them.
#[derive(Debug, thiserror::Error)]
pub enum QdpxError {
    #[error("cannot read the file: {0}")]
    Io(#[source] std::io::Error),
    #[error("the file is not a REFI-QDA project: it is neither a .qdpx archive nor a project.qde ({0})")]
    NotQdpx(String),
    #[error("the archive holds no project.qde")]
    NoProject,
    #[error("{}", limit_english(.0))]
    Limit(LimitExceeded),
    #[error(
        "the project exceeds the limit of {} elements (users, codes, sets, sources, selections, codings, notes)",
        group(*.0)
    )]
    TooManyElements(u64),
    #[error("the XML or the codes are nested deeper than the limit of {0} levels")]
    TooDeep(u64),
    #[error("`{part}` is stored with {method}, which cannot be read; export the project again")]
    Unsupported { part: String, method: String },
    #[error("`{0}` is encrypted; export the project again without a password")]
    Encrypted(String),
    #[error("`{part}` is damaged: {message}")]
    Damaged { part: String, message: String },
    #[error("`{part}` is not UTF-8 text")]
    NotUtf8 { part: String },
    #[error("`{part}` is not valid XML: {message}")]
    Xml { part: String, message: String },
    #[error("`{part}` is not a REFI-QDA {}: its root element is <{found}>, not <{expected}>", what(expected))]
    WrongRoot { part: String, expected: &'static str, found: String },
    #[error("{}: the attribute `{attribute}` is missing", element_ref(element, guid.as_deref()))]
    MissingAttribute { element: String, guid: Option<String>, attribute: &'static str },
    #[error("{}: it has no <{child}>", element_ref(element, Some(guid)))]
    MissingChild { element: String, guid: String, child: &'static str },
    #[error(
        "{}: {attribute}=\"{value}\" is not {}",
        element_ref(element, guid.as_deref()),
        expected.english()
    )]
    BadValue { element: String, guid: Option<String>, attribute: &'static str, value: String, expected: Expected },
    #[error("{element} `{guid}`: the GUID is already used by a {first}; every GUID must be unique")]
    DuplicateGuid { element: String, guid: String, first: String },
    #[error(
        "PlainTextSelection `{guid}` of TextSource `{source_guid}`: positions {start} to {end} lie outside the text, which has {len} positions"
    )]
    SelectionOutOfRange { source_guid: String, guid: String, start: u64, end: u64, len: u64 },
    #[error("PlainTextSelection `{guid}` of TextSource `{source_guid}`: it starts ({start}) after it ends ({end})")]
    SelectionReversed { source_guid: String, guid: String, start: u64, end: u64 },
    #[error("{element} `{guid}`: {reference} `{target}` is no {} of the project", kind.english())]
    MissingTarget { element: String, guid: String, reference: &'static str, target: String, kind: TargetKind },
    #[error("TextSource `{guid}`: it has neither <PlainTextContent> nor plainTextPath")]
    NoText { guid: String },
    #[error("TextSource `{guid}`: its text `{path}` is not in the archive")]
    MissingSourceFile { guid: String, path: String },
    #[error("{element} `{guid}`: the text holds a carriage return; give it with \\n line breaks only")]
    NotNormalised { element: String, guid: String },
    #[error("cannot write the archive: {0}")]
    Write(String),
}

fn what(root: &str) -> &'static str {
    if root == "CodeBook" { "codebook" } else { "project" }
}

fn element_ref(element: &str, guid: Option<&str>) -> String {
    match guid {
        Some(g) => format!("{element} `{g}`"),
        None => format!("<{element}>"),
    }
}

fn limit_english(l: &LimitExceeded) -> String {
    match l {
        LimitExceeded::ZipEntries(n) => format!("the archive exceeds the limit of {} entries", group(*n)),
        LimitExceeded::EntryBytes { entry, limit } => {
            format!("`{entry}` unpacks to more than the limit of {}", bytes(*limit))
        }
        LimitExceeded::Ratio { entry, limit } => {
            format!("`{entry}` is compressed more than the limit of {limit}:1 (a \"zip bomb\")")
        }
        LimitExceeded::EntryLied { entry, declared } => {
            format!("`{entry}` unpacks to more than the {} it declares", bytes(*declared))
        }
        LimitExceeded::MarkupBytes(n) => format!("an XML element or text exceeds the limit of {}", bytes(*n)),
        LimitExceeded::CellBytes(n) => format!("the text of one source or note exceeds the limit of {}", bytes(*n)),
        LimitExceeded::TableBytes(n) => format!("the project holds more than the limit of {} of text", bytes(*n)),
        LimitExceeded::FileBytes(n) => format!("the file exceeds the limit of {}", bytes(*n)),
        other => other.to_string(),
    }
}

fn limit_indonesian(l: &LimitExceeded) -> String {
    let x = l.limit_text('.');
    match l {
        LimitExceeded::ZipEntries(_) => format!("arsip melebihi batas {x} entri"),
        LimitExceeded::EntryBytes { entry, .. } => format!("`{entry}` berukuran lebih dari batas {x} setelah dibuka"),
        LimitExceeded::Ratio { entry, .. } => format!("`{entry}` dimampatkan melebihi batas {x}:1 (\"bom zip\")"),
        LimitExceeded::EntryLied { entry, .. } => {
            format!("`{entry}` berukuran lebih besar daripada {x} yang dinyatakannya setelah dibuka")
        }
        LimitExceeded::MarkupBytes(_) => format!("sebuah elemen atau teks XML melebihi batas {x}"),
        LimitExceeded::CellBytes(_) => format!("teks satu sumber atau catatan melebihi batas {x}"),
        LimitExceeded::TableBytes(_) => format!("proyek memuat teks lebih dari batas {x}"),
        _ => format!("berkas melebihi batas {x}"),
    }
}

impl QdpxError {
    /// The limit the file broke, if that is what went wrong.
    pub fn limit(&self) -> Option<&LimitExceeded> {
        match self {
            QdpxError::Limit(l) => Some(l),
            _ => None,
        }
    }

    /// The same message in Indonesian, for the web UI.
    pub fn indonesian(&self) -> String {
        match self {
            QdpxError::Io(e) => format!("berkas tidak dapat dibaca: {e}"),
            QdpxError::NotQdpx(m) => {
                format!("berkas ini bukan proyek REFI-QDA: bukan arsip .qdpx maupun project.qde ({m})")
            }
            QdpxError::NoProject => "arsip tidak memuat project.qde".into(),
            QdpxError::Limit(l) => limit_indonesian(l),
            QdpxError::TooManyElements(n) => format!(
                "proyek melebihi batas {} elemen (pengguna, kode, set, sumber, seleksi, pengodean, catatan)",
                group_with(*n, '.')
            ),
            QdpxError::TooDeep(n) => format!("XML atau kode bersarang lebih dalam dari batas {n} tingkat"),
            QdpxError::Unsupported { part, method } => {
                format!("`{part}` disimpan dengan {method}, yang tidak dapat dibaca; ekspor ulang proyeknya")
            }
            QdpxError::Encrypted(part) => format!("`{part}` terenkripsi; ekspor ulang proyeknya tanpa kata sandi"),
            QdpxError::Damaged { part, message } => format!("`{part}` rusak: {message}"),
            QdpxError::NotUtf8 { part } => format!("`{part}` bukan teks UTF-8"),
            QdpxError::Xml { part, message } => format!("`{part}` bukan XML yang sah: {message}"),
            QdpxError::WrongRoot { part, expected, found } => format!(
                "`{part}` bukan {} REFI-QDA: elemen akarnya <{found}>, bukan <{expected}>",
                if *expected == "CodeBook" { "buku kode" } else { "proyek" }
            ),
            QdpxError::MissingAttribute { element, guid, attribute } => {
                format!("{}: atribut `{attribute}` tidak ada", element_ref(element, guid.as_deref()))
            }
            QdpxError::MissingChild { element, guid, child } => {
                format!("{}: tidak memiliki <{child}>", element_ref(element, Some(guid)))
            }
            QdpxError::BadValue { element, guid, attribute, value, expected } => format!(
                "{}: {attribute}=\"{value}\" bukan {}",
                element_ref(element, guid.as_deref()),
                expected.indonesian()
            ),
            QdpxError::DuplicateGuid { element, guid, first } => {
                format!("{element} `{guid}`: GUID ini sudah dipakai oleh {first}; setiap GUID harus unik")
            }
            QdpxError::SelectionOutOfRange { source_guid, guid, start, end, len } => format!(
                "PlainTextSelection `{guid}` pada TextSource `{source_guid}`: posisi {start} sampai {end} berada di luar teks, yang hanya memiliki {len} posisi"
            ),
            QdpxError::SelectionReversed { source_guid, guid, start, end } => format!(
                "PlainTextSelection `{guid}` pada TextSource `{source_guid}`: awalnya ({start}) terletak sesudah akhirnya ({end})"
            ),
            QdpxError::MissingTarget { element, guid, reference, target, kind } => {
                format!("{element} `{guid}`: {reference} `{target}` bukan {} dalam proyek ini", kind.indonesian())
            }
            QdpxError::NoText { guid } => {
                format!("TextSource `{guid}`: tidak memiliki <PlainTextContent> maupun plainTextPath")
            }
            QdpxError::MissingSourceFile { guid, path } => {
                format!("TextSource `{guid}`: teksnya `{path}` tidak ada di dalam arsip")
            }
            QdpxError::NotNormalised { element, guid } => format!(
                "{element} `{guid}`: teksnya memuat carriage return (\\r); berikan teks dengan pemisah baris \\n saja"
            ),
            QdpxError::Write(m) => format!("arsip tidak dapat ditulis: {m}"),
        }
    }
}

impl From<LimitExceeded> for QdpxError {
    fn from(l: LimitExceeded) -> Self {
        QdpxError::Limit(l)
    }
}

/// A value quoted in a message, cut to 60 characters.
pub(crate) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
