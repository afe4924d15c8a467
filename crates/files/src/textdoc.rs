//! The text of a qualitative source a user uploads (an interview transcript, observation
//! notes, a document): `.txt`, `.docx`, `.odt` or the text layer of a `.pdf`, read as hostile
//! input within [`Limits::DOCUMENT`].
//!
//! The file is held in memory (it is at most 32 MiB) and only its text is built: a zip entry is
//! checked for its declared size and compression ratio before it is unpacked and cut off at the
//! size it declared, every XML event has a ceiling, and the text has one (8 MiB). A PDF is read
//! with `lopdf` on a thread of its own with a large stack, every stream it unpacks bounded, its
//! pages counted, and a panic in the parser turned into an error.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufReader, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_xml::events::{BytesStart, Event};
use zip::{CompressionMethod, ZipArchive};

use crate::limits::{LimitExceeded, Limits, RATIO_FREE_BYTES, group_with};

/// Most pages of a PDF read.
pub const MAX_PDF_PAGES: u64 = 2_000;
/// Largest size of one PDF stream (a page's content, an object stream) once unpacked.
pub const MAX_PDF_STREAM_BYTES: u64 = 16 << 20;
/// Most drawing instructions (unpacked page contents) of all the pages of a PDF together.
pub const MAX_PDF_CONTENT_BYTES: u64 = 256 << 20;
/// Most objects (numbers, names, strings, arrays, dictionaries) in a PDF's structure: the
/// parser holds them all, at about a hundred times the two bytes `0 ` takes in the file.
pub const MAX_PDF_OBJECTS: u64 = 1_000_000;
/// Most operands of one drawing instruction of a page (the parser holds them at once).
pub const MAX_PDF_OPERANDS: u64 = 100_000;
/// Most unpacked character maps (`/ToUnicode`) of all the fonts of a PDF together.
pub const MAX_PDF_CMAP_BYTES: u64 = 4 << 20;
/// Most fonts of a PDF read (the text of fonts past them is not read).
const MAX_PDF_FONTS: usize = 1_024;
/// Most glyph widths read of all the fonts of a PDF (past them, glyphs have a default width).
const MAX_PDF_WIDTHS: usize = 1 << 20;
/// The stack of the thread a PDF is parsed on (the parser recurses).
const PDF_STACK_BYTES: usize = 64 << 20;

/// What kind of file the text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text: UTF-8, or UTF-16 with a byte order mark.
    Text,
    /// A Word document (Office Open XML).
    Docx,
    /// An OpenDocument text (LibreOffice Writer).
    Odt,
    /// The text layer of a PDF.
    Pdf,
}

impl Format {
    /// The file name extension, with its dot: `.docx`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => ".txt",
            Format::Docx => ".docx",
            Format::Odt => ".odt",
            Format::Pdf => ".pdf",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension())
    }
}

/// The text of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// [`original`](Self::original) with every `\r\n` and lone `\r` turned into `\n`, nothing
    /// else changed: the text that is coded.
    pub text: String,
    /// The text exactly as extracted or decoded.
    pub original: String,
    pub format: Format,
}

/// Why the text of a source cannot be read. [`Display`](std::fmt::Display) is English;
/// [`TextDocError::indonesian`] says the same in Indonesian.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextDocError {
    #[error("files of type `{0}` cannot be read: upload a .txt, .docx, .odt or .pdf file")]
    UnsupportedType(String),
    #[error("the file is in the old Word .doc format or protected by a password; save it as .docx without a password")]
    OldWordOrProtected,
    #[error("the file is named {0} but is not a {0} document (it is not a zip archive); save it again as {0}")]
    NotZip(Format),
    #[error("the file is named .pdf but is not a PDF (it does not start with %PDF-)")]
    NotPdf,
    #[error("{}", limit_english(.0))]
    Limit(LimitExceeded),
    #[error("not UTF-8 text at byte {0}; save it as UTF-8")]
    NotUtf8(u64),
    #[error("not UTF-16 text at byte {0}; save it as UTF-8")]
    NotUtf16(u64),
    #[error("the {format} document has no part `{part}`; save it again as {format}")]
    MissingPart { format: Format, part: String },
    #[error("part `{part}` of the document is damaged ({message})")]
    Damaged { part: String, message: String },
    #[error("part `{part}` of the document is stored with {method}, which cannot be read; save the document again")]
    Compression { part: String, method: String },
    #[error("the document is protected by a password; remove the password and upload it again")]
    Protected,
    #[error("the PDF exceeds the limit of {} pages", group_with(*.0, ','))]
    PdfPages(u64),
    #[error("a stream of the PDF unpacks to more than the limit of {}", size_text(*.0, ','))]
    PdfStream(u64),
    #[error("the pages of the PDF hold more than the limit of {} of drawing instructions", size_text(*.0, ','))]
    PdfContent(u64),
    #[error("the PDF is made of more than the limit of {} objects", group_with(*.0, ','))]
    PdfObjects(u64),
    #[error("a page of the PDF has a drawing instruction with more than the limit of {} values", group_with(*.0, ','))]
    PdfOperands(u64),
    #[error("the character maps of the PDF's fonts unpack to more than the limit of {}", size_text(*.0, ','))]
    PdfFonts(u64),
    #[error("the PDF has no text layer (it is a scan); paste the text or use OCR")]
    PdfNoText,
    #[error("the PDF cannot be read ({0})")]
    PdfDamaged(String),
    #[error("the PDF cannot be read: its structure made the reader fail")]
    PdfCrashed,
}

impl TextDocError {
    /// The same message in Indonesian.
    pub fn indonesian(&self) -> String {
        match self {
            TextDocError::UnsupportedType(ext) => {
                format!("berkas berjenis `{ext}` tidak dapat dibaca: unggah berkas .txt, .docx, .odt, atau .pdf")
            }
            TextDocError::OldWordOrProtected => "berkas ini berformat Word .doc lama atau dilindungi kata sandi; \
                                                 simpan sebagai .docx tanpa kata sandi"
                .into(),
            TextDocError::NotZip(f) => {
                format!("berkas bernama {f} tetapi bukan dokumen {f} (bukan arsip zip); simpan ulang sebagai {f}")
            }
            TextDocError::NotPdf => "berkas bernama .pdf tetapi bukan PDF (tidak diawali %PDF-)".into(),
            TextDocError::Limit(l) => limit_indonesian(l),
            TextDocError::NotUtf8(at) => format!("bukan teks UTF-8 pada byte {at}; simpan sebagai UTF-8"),
            TextDocError::NotUtf16(at) => format!("bukan teks UTF-16 pada byte {at}; simpan sebagai UTF-8"),
            TextDocError::MissingPart { format, part } => {
                format!("dokumen {format} tidak memiliki bagian `{part}`; simpan ulang sebagai {format}")
            }
            TextDocError::Damaged { part, message } => format!("bagian `{part}` dokumen rusak ({message})"),
            TextDocError::Compression { part, method } => format!(
                "bagian `{part}` dokumen disimpan dengan {method}, yang tidak dapat dibaca; simpan ulang dokumennya"
            ),
            TextDocError::Protected => "dokumen dilindungi kata sandi; hapus kata sandinya lalu unggah lagi".into(),
            TextDocError::PdfPages(n) => format!("PDF melebihi batas {} halaman", group_with(*n, '.')),
            TextDocError::PdfStream(n) => {
                format!("sebuah aliran (stream) PDF melebihi batas {} setelah diekstrak", size_text(*n, '.'))
            }
            TextDocError::PdfContent(n) => {
                format!("halaman-halaman PDF berisi instruksi gambar melebihi batas {}", size_text(*n, '.'))
            }
            TextDocError::PdfObjects(n) => format!("PDF tersusun dari objek melebihi batas {}", group_with(*n, '.')),
            TextDocError::PdfOperands(n) => format!(
                "sebuah halaman PDF memiliki instruksi gambar dengan nilai melebihi batas {}",
                group_with(*n, '.')
            ),
            TextDocError::PdfFonts(n) => {
                format!("peta karakter fon PDF melebihi batas {} setelah diekstrak", size_text(*n, '.'))
            }
            TextDocError::PdfNoText => {
                "PDF tidak memiliki lapisan teks (hasil pindaian); tempelkan teksnya atau gunakan OCR".into()
            }
            TextDocError::PdfDamaged(detail) => format!("PDF tidak dapat dibaca ({detail})"),
            TextDocError::PdfCrashed => "PDF tidak dapat dibaca: strukturnya membuat pembaca gagal".into(),
        }
    }

    /// The limit the file broke, if that is what went wrong.
    pub fn limit(&self) -> Option<&LimitExceeded> {
        match self {
            TextDocError::Limit(l) => Some(l),
            _ => None,
        }
    }

    fn io(part: &str, e: &io::Error) -> TextDocError {
        match LimitExceeded::from_io(e) {
            Some(l) => TextDocError::Limit(l.clone()),
            None => TextDocError::Damaged { part: part.into(), message: e.to_string() },
        }
    }

    fn xml(part: &str, e: quick_xml::Error) -> TextDocError {
        match &e {
            quick_xml::Error::Io(io) => TextDocError::io(part, io),
            _ => TextDocError::Damaged { part: part.into(), message: e.to_string() },
        }
    }
}

impl From<LimitExceeded> for TextDocError {
    fn from(l: LimitExceeded) -> Self {
        TextDocError::Limit(l)
    }
}

/// `33554432` → `32 MiB` (`sep` groups the digits of an odd size).
fn size_text(n: u64, sep: char) -> String {
    LimitExceeded::TableBytes(n).limit_text(sep)
}

/// A limit in a document's terms (the [`LimitExceeded`] messages speak of workbooks).
fn limit_english(l: &LimitExceeded) -> String {
    let v = l.limit_text(',');
    let part = l.part().unwrap_or_default();
    match l {
        LimitExceeded::FileBytes(_) => format!("the file exceeds the limit of {v}"),
        LimitExceeded::ZipEntries(_) => format!("the document exceeds the limit of {v} parts"),
        LimitExceeded::EntryBytes { .. } => {
            format!("part `{part}` of the document unpacks to more than the limit of {v}")
        }
        LimitExceeded::Ratio { .. } => {
            format!("part `{part}` of the document is compressed more than the limit of {v}:1 (a \"zip bomb\")")
        }
        LimitExceeded::EntryLied { .. } => {
            format!("part `{part}` of the document unpacks to more than the {v} it declares")
        }
        LimitExceeded::MarkupBytes(_) => format!("an XML element or text of the document exceeds the limit of {v}"),
        LimitExceeded::TableBytes(_) | LimitExceeded::CellBytes(_) => {
            format!("the document holds more than the limit of {v} of text")
        }
        other => other.to_string(),
    }
}

fn limit_indonesian(l: &LimitExceeded) -> String {
    let v = l.limit_text('.');
    let part = l.part().unwrap_or_default();
    match l {
        LimitExceeded::FileBytes(_) => format!("berkas melebihi batas {v}"),
        LimitExceeded::ZipEntries(_) => format!("dokumen melebihi batas {v} bagian"),
        LimitExceeded::EntryBytes { .. } => format!("bagian `{part}` dokumen melebihi batas {v} setelah diekstrak"),
        LimitExceeded::Ratio { .. } => {
            format!("bagian `{part}` dokumen dimampatkan melebihi batas {v}:1 (sebuah \"bom zip\")")
        }
        LimitExceeded::EntryLied { .. } => {
            format!("bagian `{part}` dokumen setelah diekstrak lebih besar dari {v} yang dinyatakannya")
        }
        LimitExceeded::MarkupBytes(_) => format!("sebuah elemen atau teks XML dokumen melebihi batas {v}"),
        LimitExceeded::TableBytes(_) | LimitExceeded::CellBytes(_) => format!("teks dokumen melebihi batas {v}"),
        other => format!("berkas melebihi batas {v} ({})", other.key()),
    }
}

/// Reads the text of an uploaded source within [`Limits::DOCUMENT`]. The format is chosen by
/// the file's first bytes (a PDF, a zip, an old Word file) and, for a zip, by its extension and
/// parts; a file with neither is read as text. `.txt`, `.text`, `.md`, `.docx`, `.odt`, `.pdf`
/// and names without an extension are accepted.
pub fn read_text(file_name: &str, bytes: &[u8]) -> Result<Document, TextDocError> {
    read_text_within(file_name, bytes, Limits::DOCUMENT)
}

/// [`read_text`] within other limits (its `max_file_bytes`, zip limits, `max_markup_bytes` and,
/// as the most text, `max_table_bytes`).
pub fn read_text_within(file_name: &str, bytes: &[u8], limits: Limits) -> Result<Document, TextDocError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(LimitExceeded::FileBytes(limits.max_file_bytes).into());
    }
    let named = named_format(file_name)?;
    let (original, format) = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        package_text(bytes, named, limits)?
    } else if bytes.starts_with(b"%PDF-")
        || (named != Some(Format::Text) && bytes[..bytes.len().min(1024)].windows(5).any(|w| w == b"%PDF-"))
    {
        // A PDF may have a few bytes before its header; a text that mentions `%PDF-` is text.
        (pdf_text(bytes, limits)?, Format::Pdf)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An OLE compound file: a Word 97–2003 .doc, or a password-protected .docx.
        return Err(TextDocError::OldWordOrProtected);
    } else {
        match named {
            Some(f @ (Format::Docx | Format::Odt)) => return Err(TextDocError::NotZip(f)),
            Some(Format::Pdf) => return Err(TextDocError::NotPdf),
            Some(Format::Text) | None => (plain_text(bytes, limits)?, Format::Text),
        }
    };
    Ok(Document { text: normalise_newlines(&original), original, format })
}

/// The format the file's name claims; `None` for a name without an extension.
fn named_format(file_name: &str) -> Result<Option<Format>, TextDocError> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let Some((_, ext)) = base.rsplit_once('.').filter(|(stem, _)| !stem.is_empty()) else { return Ok(None) };
    match ext.to_ascii_lowercase().as_str() {
        "txt" | "text" | "md" => Ok(Some(Format::Text)),
        "docx" => Ok(Some(Format::Docx)),
        "odt" => Ok(Some(Format::Odt)),
        "pdf" => Ok(Some(Format::Pdf)),
        "doc" => Err(TextDocError::OldWordOrProtected),
        _ => Err(TextDocError::UnsupportedType(format!(".{ext}"))),
    }
}

/// `\r\n` and lone `\r` → `\n`.
fn normalise_newlines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('\n') {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------
// Plain text

fn plain_text(bytes: &[u8], limits: Limits) -> Result<String, TextDocError> {
    let max = limits.max_table_bytes;
    let too_much = || TextDocError::Limit(LimitExceeded::TableBytes(max));
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(body, u16::from_le_bytes, max);
    }
    if let Some(body) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(body, u16::from_be_bytes, max);
    }
    let (bom, body) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(body) => (3, body),
        None => (0, bytes),
    };
    if body.len() as u64 > max {
        return Err(too_much());
    }
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => Err(TextDocError::NotUtf8((bom + e.valid_up_to()) as u64)),
    }
}

/// UTF-16 after its two-byte byte order mark; offsets in errors count the mark.
fn utf16(body: &[u8], unit: fn([u8; 2]) -> u16, max: u64) -> Result<String, TextDocError> {
    let units = body.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut out = String::with_capacity(body.len().min(max as usize));
    let mut at = 0usize; // code units read
    for c in char::decode_utf16(units) {
        let c = c.map_err(|_| TextDocError::NotUtf16((2 + 2 * at) as u64))?;
        at += c.len_utf16();
        if (out.len() + c.len_utf8()) as u64 > max {
            return Err(LimitExceeded::TableBytes(max).into());
        }
        out.push(c);
    }
    if body.len() % 2 == 1 {
        return Err(TextDocError::NotUtf16((2 + body.len() - 1) as u64));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Zip packages (.docx, .odt)

/// The text collected from a document, within the limit of text.
struct TextOut {
    text: String,
    max: u64,
}

impl TextOut {
    fn new(max: u64) -> TextOut {
        TextOut { text: String::new(), max }
    }

    fn room(&self, more: u64) -> Result<(), TextDocError> {
        if self.text.len() as u64 + more > self.max {
            return Err(LimitExceeded::TableBytes(self.max).into());
        }
        Ok(())
    }

    fn push(&mut self, s: &str) -> Result<(), TextDocError> {
        self.room(s.len() as u64)?;
        self.text.push_str(s);
        Ok(())
    }

    fn push_char(&mut self, c: char) -> Result<(), TextDocError> {
        self.room(c.len_utf8() as u64)?;
        self.text.push(c);
        Ok(())
    }
}

/// An open zip archive held in memory.
struct Package<'a> {
    bytes: &'a [u8],
    archive: ZipArchive<Cursor<&'a [u8]>>,
    limits: Limits,
}

impl<'a> Package<'a> {
    fn open(bytes: &'a [u8], limits: Limits) -> Result<Package<'a>, TextDocError> {
        check_entry_count(bytes, limits.max_zip_entries)?;
        let archive = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| TextDocError::Damaged { part: "(zip archive)".into(), message: e.to_string() })?;
        Ok(Package { bytes, archive, limits })
    }

    /// The index of an entry by name, ignoring case as Office does.
    fn index(&self, name: &str) -> Option<usize> {
        self.archive.index_for_name(name).or_else(|| {
            (0..self.archive.len()).find(|&i| {
                self.archive.name_for_index(i).and_then(Result::ok).is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        })
    }

    /// An entry as a bounded stream; `None` when there is no such entry.
    fn entry(&mut self, name: &str) -> Result<Option<EntryReader<'a>>, TextDocError> {
        let Some(index) = self.index(name) else { return Ok(None) };
        let damaged = |message: &str| TextDocError::Damaged { part: name.into(), message: message.into() };
        let file = self.archive.by_index_raw(index).map_err(|e| damaged(&e.to_string()))?;
        if file.encrypted() {
            return Err(TextDocError::Protected);
        }
        let (method, declared, packed) = (file.compression(), file.size(), file.compressed_size());
        let start = file.data_start().ok_or_else(|| damaged("the entry's data cannot be located"))?;
        drop(file);
        let limits = &self.limits;
        if declared > limits.max_entry_bytes {
            return Err(LimitExceeded::EntryBytes { entry: name.into(), limit: limits.max_entry_bytes }.into());
        }
        if declared > RATIO_FREE_BYTES && declared / packed.max(1) >= limits.max_ratio {
            return Err(LimitExceeded::Ratio { entry: name.into(), limit: limits.max_ratio }.into());
        }
        let raw = usize::try_from(start)
            .ok()
            .zip(usize::try_from(packed).ok())
            .and_then(|(s, n)| self.bytes.get(s..s.checked_add(n)?))
            .ok_or_else(|| damaged("the entry runs past the end of the file"))?;
        let inner: Box<dyn Read + 'a> = match method {
            CompressionMethod::Stored => Box::new(raw),
            CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(raw)),
            other => return Err(TextDocError::Compression { part: name.into(), method: format!("{other:?}") }),
        };
        Ok(Some(EntryReader::new(inner, declared, name)))
    }

    /// An entry as XML events; `None` when there is no such entry.
    fn xml(&mut self, name: &str) -> Result<Option<XmlPart<'a>>, TextDocError> {
        let max = self.limits.max_markup_bytes;
        Ok(self.entry(name)?.map(|entry| XmlPart::new(name, entry, max)))
    }

    /// A small entry whole (at most the markup limit).
    fn small(&mut self, name: &str) -> Result<Option<Vec<u8>>, TextDocError> {
        let max = self.limits.max_markup_bytes;
        let Some(entry) = self.entry(name)? else { return Ok(None) };
        let mut out = Vec::new();
        entry.take(max + 1).read_to_end(&mut out).map_err(|e| TextDocError::io(name, &e))?;
        if out.len() as u64 > max {
            return Err(LimitExceeded::MarkupBytes(max).into());
        }
        Ok(Some(out))
    }
}

/// Refuses an archive whose central directory lists more entries than `max`, before the zip
/// crate reads the directory into memory.
fn check_entry_count(bytes: &[u8], max: u64) -> Result<(), TextDocError> {
    let cut = || TextDocError::Damaged {
        part: "(zip archive)".into(),
        message: "it has no end of central directory; the upload may be cut short".into(),
    };
    let entries = crate::zipped::entry_count(&mut io::Cursor::new(bytes)).ok().flatten().ok_or_else(cut)?;
    if entries > max {
        return Err(LimitExceeded::ZipEntries(max).into());
    }
    Ok(())
}

/// A zip entry's unpacked bytes, refused past the size it declares.
type EntryReader<'a> = crate::zipped::EntryReader<Box<dyn Read + 'a>>;

/// One XML part of a package, as events. End tags are not matched against start tags, so that
/// deep nesting costs no memory (the readers below count only the elements they follow).
struct XmlPart<'a> {
    reader: quick_xml::Reader<BufReader<crate::zipped::MarkupBudget<EntryReader<'a>>>>,
    buf: Vec<u8>,
    used: Arc<AtomicU64>,
    part: String,
}

impl<'a> XmlPart<'a> {
    fn new(part: &str, entry: EntryReader<'a>, max: u64) -> XmlPart<'a> {
        let used = Arc::new(AtomicU64::new(0));
        let budget = crate::zipped::MarkupBudget { inner: entry, used: Arc::clone(&used), max };
        let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(64 << 10, budget));
        reader.config_mut().check_end_names = false;
        XmlPart { reader, buf: Vec::new(), used, part: part.into() }
    }

    fn next(&mut self) -> Result<Event<'_>, TextDocError> {
        self.buf.clear();
        if self.buf.capacity() > 1 << 20 {
            self.buf.shrink_to(64 << 10);
        }
        self.used.store(0, Ordering::Relaxed);
        let part = &self.part;
        self.reader.read_event_into(&mut self.buf).map_err(|e| TextDocError::xml(part, e))
    }
}

/// The text of a character or entity reference (`&#233;`, `&amp;`).
fn resolve_ref(r: &quick_xml::events::BytesRef<'_>, part: &str) -> Result<String, TextDocError> {
    if let Some(c) = r.resolve_char_ref().map_err(|e| TextDocError::xml(part, e))? {
        return Ok(c.to_string());
    }
    quick_xml::escape::resolve_predefined_entity(r)
        .map(str::to_string)
        .ok_or_else(|| TextDocError::Damaged { part: part.into(), message: format!("unknown entity `&{};`", &**r) })
}

/// An attribute's value by its full name (`text:c`).
fn attr(e: &BytesStart<'_>, name: &str, part: &str) -> Result<Option<String>, TextDocError> {
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|e| TextDocError::xml(part, e.into()))?;
        if a.key.as_ref() == name {
            let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| TextDocError::xml(part, e))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

const DOCX_MAIN: &str = "word/document.xml";
const ODT_MAIN: &str = "content.xml";

/// The text of a `.docx` or `.odt`, the kind chosen by the parts the archive has and, when it
/// has neither main part, by its name.
fn package_text(bytes: &[u8], named: Option<Format>, limits: Limits) -> Result<(String, Format), TextDocError> {
    if named == Some(Format::Pdf) {
        return Err(TextDocError::NotPdf);
    }
    let mut pkg = Package::open(bytes, limits)?;
    let docx_part = match pkg.index(DOCX_MAIN) {
        Some(_) => Some(DOCX_MAIN.to_string()),
        None => docx_main_from_rels(&mut pkg)?,
    };
    let odt = pkg.index(ODT_MAIN).is_some();
    let format = match (named, docx_part.is_some(), odt) {
        (Some(Format::Odt), _, true) | (_, false, true) => Format::Odt,
        (_, true, _) => Format::Docx,
        (Some(Format::Odt), false, false) => Format::Odt,
        _ => Format::Docx,
    };
    let text = match format {
        Format::Odt => {
            if let Some(manifest) = pkg.small("META-INF/manifest.xml")?
                && memchr::memmem::find(&manifest, b"encryption-data").is_some()
            {
                return Err(TextDocError::Protected);
            }
            let mut xml =
                pkg.xml(ODT_MAIN)?.ok_or_else(|| TextDocError::MissingPart { format, part: ODT_MAIN.into() })?;
            odt_text(&mut xml, limits.max_table_bytes)?
        }
        _ => {
            let part = docx_part.unwrap_or_else(|| DOCX_MAIN.into());
            let mut xml = pkg.xml(&part)?.ok_or_else(|| TextDocError::MissingPart { format, part: part.clone() })?;
            docx_text(&mut xml, limits.max_table_bytes)?
        }
    };
    Ok((text, format))
}

/// The main part named by `_rels/.rels` (for a producer that does not call it
/// `word/document.xml`), if the archive has it.
fn docx_main_from_rels(pkg: &mut Package<'_>) -> Result<Option<String>, TextDocError> {
    let part = "_rels/.rels";
    let Some(mut xml) = pkg.xml(part)? else { return Ok(None) };
    let mut target = None;
    loop {
        match xml.next()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let kind = attr(&e, "Type", part)?.unwrap_or_default();
                if kind.ends_with("/officeDocument") {
                    target = attr(&e, "Target", part)?.map(|t| t.trim_start_matches('/').to_string());
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    drop(xml);
    Ok(target.filter(|t| t.ends_with(".xml") && pkg.index(t).is_some()))
}

/// The root element of a part, checked on the first start tag.
fn check_root(e: &BytesStart<'_>, local: &str, format: Format, part: &str) -> Result<(), TextDocError> {
    if e.local_name().as_ref() == local { Ok(()) } else { Err(TextDocError::MissingPart { format, part: part.into() }) }
}

/// `word/document.xml`: each paragraph (`w:p`) a line, the text of `w:t`, `w:tab` a tab,
/// `w:br` and `w:cr` a line break. Deleted and moved-away text (`w:del`, `w:moveFrom`, whose
/// text is `w:delText`) and the legacy copies of drawings (`mc:Fallback`) are skipped, as are
/// tab stops (`w:tab` outside a run), field codes and footnotes.
fn docx_text(xml: &mut XmlPart<'_>, max: u64) -> Result<String, TextDocError> {
    let part = xml.part.clone();
    let mut out = TextOut::new(max);
    let (mut paragraphs, mut run, mut skip, mut in_t, mut root) = (0u64, 0u32, 0u32, false, false);
    let skipped = |n: &str| matches!(n, "w:del" | "w:moveFrom" | "mc:Fallback");
    loop {
        match xml.next()? {
            Event::Start(e) => {
                let name = e.name();
                let n = name.as_ref();
                if !root {
                    check_root(&e, "document", Format::Docx, &part)?;
                    root = true;
                }
                if skipped(n) {
                    skip += 1;
                }
                if skip > 0 {
                    continue;
                }
                match n {
                    "w:p" => {
                        if paragraphs > 0 {
                            out.push_char('\n')?;
                        }
                        paragraphs += 1;
                    }
                    "w:r" => run += 1,
                    "w:t" => in_t = true,
                    _ => docx_mark(n, run, &mut out)?,
                }
            }
            Event::Empty(e) => {
                let name = e.name();
                let n = name.as_ref();
                if !root {
                    check_root(&e, "document", Format::Docx, &part)?;
                    root = true;
                }
                if skip > 0 {
                    continue;
                }
                if n == "w:p" {
                    if paragraphs > 0 {
                        out.push_char('\n')?;
                    }
                    paragraphs += 1;
                } else {
                    docx_mark(n, run, &mut out)?;
                }
            }
            Event::End(e) => {
                let name = e.name();
                let n = name.as_ref();
                if skipped(n) {
                    skip = skip.saturating_sub(1);
                } else if skip == 0 {
                    match n {
                        "w:r" => run = run.saturating_sub(1),
                        "w:t" => in_t = false,
                        _ => {}
                    }
                }
            }
            Event::Text(t) if in_t && skip == 0 => out.push(&t.xml10_content())?,
            Event::CData(t) if in_t && skip == 0 => out.push(&t.xml10_content())?,
            Event::GeneralRef(r) if in_t && skip == 0 => out.push(&resolve_ref(&r, &part)?)?,
            Event::Eof => break,
            _ => {}
        }
    }
    if !root {
        return Err(TextDocError::MissingPart { format: Format::Docx, part });
    }
    Ok(out.text)
}

/// A mark inside a Word run that stands for a character.
fn docx_mark(name: &str, run: u32, out: &mut TextOut) -> Result<(), TextDocError> {
    if run == 0 {
        return Ok(());
    }
    match name {
        "w:tab" | "w:ptab" => out.push_char('\t'),
        "w:br" | "w:cr" => out.push_char('\n'),
        "w:noBreakHyphen" => out.push_char('-'),
        _ => Ok(()),
    }
}

/// `content.xml`: each paragraph or heading (`text:p`, `text:h`) a line, `text:s` spaces
/// (`text:c` of them), `text:tab` a tab, `text:line-break` a line break. White space in the
/// markup is collapsed as OpenDocument says (a run of spaces, tabs and newlines is one space,
/// none at the start or end of a paragraph). Footnotes (`text:note`), comments
/// (`office:annotation`) and tracked deletions (`text:tracked-changes`) are skipped.
fn odt_text(xml: &mut XmlPart<'_>, max: u64) -> Result<String, TextDocError> {
    let part = xml.part.clone();
    let mut out = TextOut::new(max);
    let (mut paragraphs, mut depth, mut skip, mut root) = (0u64, 0u32, 0u32, false);
    // The last character pushed is a collapsed space / nothing is pushed yet in the paragraph.
    let (mut spaced, mut line_start) = (false, true);
    let skipped = |n: &str| matches!(n, "text:note" | "office:annotation" | "text:tracked-changes");
    loop {
        let (start, e) = match xml.next()? {
            Event::Start(e) => (true, e.into_owned()),
            Event::Empty(e) => (false, e.into_owned()),
            Event::End(e) => {
                let name = e.name();
                let n = name.as_ref();
                if skipped(n) {
                    skip = skip.saturating_sub(1);
                } else if skip == 0 && matches!(n, "text:p" | "text:h") {
                    depth = depth.saturating_sub(1);
                    if spaced {
                        out.text.pop();
                    }
                    spaced = false;
                }
                continue;
            }
            Event::Text(t) if depth > 0 && skip == 0 => {
                odt_collapse(&t.xml10_content(), &mut out, &mut spaced, &mut line_start)?;
                continue;
            }
            Event::CData(t) if depth > 0 && skip == 0 => {
                odt_collapse(&t.xml10_content(), &mut out, &mut spaced, &mut line_start)?;
                continue;
            }
            Event::GeneralRef(r) if depth > 0 && skip == 0 => {
                odt_collapse(&resolve_ref(&r, &part)?, &mut out, &mut spaced, &mut line_start)?;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if !root {
            check_root(&e, "document-content", Format::Odt, &part)?;
            root = true;
        }
        let name = e.name();
        let n = name.as_ref();
        if skipped(n) {
            if start {
                skip += 1;
            }
            continue;
        }
        if skip > 0 {
            continue;
        }
        match n {
            "text:p" | "text:h" => {
                if paragraphs > 0 {
                    out.push_char('\n')?;
                }
                paragraphs += 1;
                if start {
                    depth += 1;
                }
                (spaced, line_start) = (false, true);
            }
            "text:s" if depth > 0 => {
                let count = attr(&e, "text:c", &part)?.and_then(|c| c.trim().parse::<u64>().ok()).unwrap_or(1);
                out.room(count)?;
                out.text.extend(std::iter::repeat_n(' ', count as usize));
                (spaced, line_start) = (false, false);
            }
            "text:tab" if depth > 0 => {
                out.push_char('\t')?;
                (spaced, line_start) = (false, false);
            }
            "text:line-break" if depth > 0 => {
                out.push_char('\n')?;
                (spaced, line_start) = (false, false);
            }
            _ => {}
        }
    }
    if !root {
        return Err(TextDocError::MissingPart { format: Format::Odt, part });
    }
    Ok(out.text)
}

/// Appends paragraph text with OpenDocument's white-space collapsing.
fn odt_collapse(s: &str, out: &mut TextOut, spaced: &mut bool, line_start: &mut bool) -> Result<(), TextDocError> {
    out.room(s.len() as u64)?;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !*spaced && !*line_start {
                out.text.push(' ');
                *spaced = true;
            }
        } else {
            out.text.push(c);
            (*spaced, *line_start) = (false, false);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// PDF

/// The text layer of a PDF, parsed on a thread of its own (a large stack for the recursive
/// parser, and a panic in it caught and reported).
fn pdf_text(bytes: &[u8], limits: Limits) -> Result<String, TextDocError> {
    let run = || catch_unwind(AssertUnwindSafe(|| pdf_text_inner(bytes, limits)));
    let outcome = std::thread::scope(|scope| {
        match std::thread::Builder::new().name("pdf-text".into()).stack_size(PDF_STACK_BYTES).spawn_scoped(scope, run) {
            Ok(handle) => handle.join().unwrap_or_else(Err),
            Err(_) => run(),
        }
    });
    outcome.unwrap_or(Err(TextDocError::PdfCrashed))
}

fn pdf_error(e: lopdf::Error) -> TextDocError {
    match e {
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            TextDocError::PdfStream(MAX_PDF_STREAM_BYTES)
        }
        lopdf::Error::Decryption(_)
        | lopdf::Error::InvalidPassword
        | lopdf::Error::UnsupportedSecurityHandler(_)
        | lopdf::Error::AlreadyEncrypted => TextDocError::Protected,
        other => TextDocError::PdfDamaged(other.to_string()),
    }
}

/// A 2-D affine transform `[a b c d e f]` as PDF writes it.
type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m` then `n`: the transform `m × n` of PDF's row-vector convention.
fn concat(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

/// The numbers of an operation's operands (non-numbers as 0).
fn numbers<const N: usize>(operands: &[lopdf::Object]) -> Option<[f32; N]> {
    let mut out = [0.0; N];
    if operands.len() < N {
        return None;
    }
    for (o, v) in out.iter_mut().zip(operands) {
        *o = v.as_float().ok().filter(|f| f.is_finite())?;
    }
    Some(out)
}

/// A token of PDF syntax (objects or a content stream), as [`PdfLexer`] reads it.
enum PdfToken<'a> {
    /// A bare word: a number, `true`, an operator, `obj`, `stream`…
    Word(&'a [u8]),
    /// A name, without its `/` (escapes not resolved).
    Name(&'a [u8]),
    /// A string, a bracket or a dictionary mark.
    Other,
}

/// Reads PDF syntax a token at a time without building anything, to count what a parser would
/// build of it.
struct PdfLexer<'a> {
    b: &'a [u8],
    i: usize,
}

fn pdf_white(c: u8) -> bool {
    matches!(c, 0 | 9 | 10 | 12 | 13 | 32)
}

fn pdf_delimiter(c: u8) -> bool {
    matches!(c, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

impl<'a> PdfLexer<'a> {
    fn next_token(&mut self) -> Option<PdfToken<'a>> {
        let b = self.b;
        loop {
            let c = *b.get(self.i)?;
            if pdf_white(c) {
                self.i += 1;
            } else if c == b'%' {
                self.i += b[self.i..].iter().position(|&c| c == b'\n' || c == b'\r').unwrap_or(b.len() - self.i);
            } else {
                break;
            }
        }
        let start = self.i;
        let regular = |c: &u8| pdf_white(*c) || pdf_delimiter(*c);
        let run_end = |from: usize| from + b[from..].iter().position(regular).unwrap_or(b.len() - from);
        match b[start] {
            b'(' => {
                let mut depth = 0u32;
                while let Some(&c) = b.get(self.i) {
                    self.i += 1;
                    match c {
                        b'\\' => self.i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                Some(PdfToken::Other)
            }
            b'<' if b.get(start + 1) == Some(&b'<') => {
                self.i += 2;
                Some(PdfToken::Other)
            }
            b'<' => {
                self.i += b[start..].iter().position(|&c| c == b'>').map_or(b.len() - start, |p| p + 1);
                Some(PdfToken::Other)
            }
            b'>' if b.get(start + 1) == Some(&b'>') => {
                self.i += 2;
                Some(PdfToken::Other)
            }
            b'/' => {
                self.i = run_end(start + 1);
                Some(PdfToken::Name(&b[start + 1..self.i]))
            }
            c if pdf_delimiter(c) => {
                self.i += 1;
                Some(PdfToken::Other)
            }
            _ => {
                self.i = run_end(start);
                Some(PdfToken::Word(&b[start..self.i]))
            }
        }
    }

    /// The data of a stream whose `stream` keyword was just read, up to its `endstream`.
    fn stream_data(&mut self) -> &'a [u8] {
        let b = self.b;
        if b.get(self.i) == Some(&b'\r') {
            self.i += 1;
        }
        if b.get(self.i) == Some(&b'\n') {
            self.i += 1;
        }
        let start = self.i.min(b.len());
        let len = memchr::memmem::find(&b[start..], b"endstream").unwrap_or(b.len() - start);
        self.i = start + len;
        &b[start..start + len]
    }

    /// Skips an inline image's data after its `ID` operator, up to its `EI`.
    fn skip_inline_image(&mut self) {
        let b = self.b;
        let mut from = self.i;
        while let Some(p) = memchr::memmem::find(&b[from..], b"EI") {
            let at = from + p;
            let before = at == 0 || pdf_white(b[at - 1]);
            let after = b.get(at + 2).is_none_or(|&c| pdf_white(c) || pdf_delimiter(c));
            if before && after {
                self.i = at + 2;
                return;
            }
            from = at + 2;
        }
        self.i = b.len();
    }
}

/// A name with its `#xx` escapes resolved.
fn pdf_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[i], hex) {
            (b'#', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Refuses a PDF whose objects (numbers, names, strings, arrays, dictionaries), counted in its
/// bytes and its object streams before it is parsed, are more than `max`: a parser spends
/// about a hundred times more memory on an object than the two bytes `0 ` take in the file.
fn check_pdf_objects(bytes: &[u8], max: u64) -> Result<(), TextDocError> {
    let too_many = || TextDocError::PdfObjects(max);
    let mut count = 0u64;
    let mut lexer = PdfLexer { b: bytes, i: 0 };
    // The kind of stream the object being read is: `ObjStm`, `XRef` or another.
    let mut kind = Vec::new();
    while let Some(token) = lexer.next_token() {
        count += 1;
        match token {
            PdfToken::Word(b"obj" | b"endobj") => kind.clear(),
            PdfToken::Word(b"stream") => {
                count -= 1;
                let data = lexer.stream_data();
                let left = max.saturating_sub(count) + 1;
                match kind.as_slice() {
                    b"ObjStm" => count += object_stream_cost(data, left, true),
                    b"XRef" => count += object_stream_cost(data, left, false),
                    _ => {}
                }
            }
            PdfToken::Name(n) => {
                let n = pdf_name(n);
                if n == b"ObjStm" || n == b"XRef" {
                    kind = n;
                }
            }
            _ => {}
        }
        if count > max {
            return Err(too_many());
        }
    }
    Ok(())
}

/// Unpacked object stream bytes that count as one object, so that unpacking the object streams
/// to count their objects is bounded too (to 32 MiB for a million objects).
const OBJECT_STREAM_BYTES_PER_OBJECT: u64 = 32;
/// Unpacked cross-reference stream bytes that count as one object (an entry takes 5 to 8).
const XREF_STREAM_BYTES_PER_OBJECT: u64 = 8;

/// What an object stream (`objects`) or a cross-reference stream costs, in objects, up to
/// about `max`: an object stream its objects or its unpacked size in
/// [`OBJECT_STREAM_BYTES_PER_OBJECT`], whichever is more; a cross-reference stream its size in
/// [`XREF_STREAM_BYTES_PER_OBJECT`]. A stream that does not inflate counts as if each two of
/// its bytes were an object.
fn object_stream_cost(data: &[u8], max: u64, objects: bool) -> u64 {
    let per = if objects { OBJECT_STREAM_BYTES_PER_OBJECT } else { XREF_STREAM_BYTES_PER_OBJECT };
    let limit = MAX_PDF_STREAM_BYTES.min(max.saturating_mul(per)) + 1;
    let mut inflated = Vec::new();
    let zlib = flate2::read::ZlibDecoder::new(data).take(limit).read_to_end(&mut inflated);
    if zlib.is_err() || inflated.is_empty() {
        inflated.clear();
        let raw = flate2::read::DeflateDecoder::new(data).take(limit).read_to_end(&mut inflated);
        if raw.is_err() || inflated.is_empty() {
            return data.len() as u64 / 2;
        }
    }
    let by_size = inflated.len() as u64 / per;
    if !objects {
        return by_size;
    }
    let mut lexer = PdfLexer { b: &inflated, i: 0 };
    let mut count = 0u64;
    while count <= max && lexer.next_token().is_some() {
        count += 1;
    }
    count.max(by_size)
}

/// Whether a content stream has an operator with more than `max` operands (array elements
/// included), which the content parser would hold at once.
fn pdf_operands_within(content: &[u8], max: u64) -> bool {
    let mut lexer = PdfLexer { b: content, i: 0 };
    let mut operands = 0u64;
    while let Some(token) = lexer.next_token() {
        match token {
            PdfToken::Word(w) if !w.first().is_some_and(|c| c.is_ascii_digit() || b"+-.".contains(c)) => {
                if w == b"ID" {
                    lexer.skip_inline_image();
                }
                if !matches!(w, b"true" | b"false" | b"null") {
                    operands = 0;
                    continue;
                }
                operands += 1;
            }
            _ => operands += 1,
        }
        if operands > max {
            return false;
        }
    }
    true
}

/// What text extraction needs of a font: how its strings decode, and how wide its glyphs are
/// (in thousandths of the font size).
struct PdfFont<'d> {
    encoding: Option<lopdf::Encoding<'d>>,
    /// A composite (`Type0`) font, whose codes are two bytes.
    two_byte: bool,
    /// A simple font's `/Widths`, from code `first` on.
    first: u32,
    widths: Vec<f32>,
    /// A composite font's `/W` ranges `(first, last, width)`, sorted.
    cid_widths: Vec<(u32, u32, f32)>,
    default_width: f32,
}

/// Most glyph widths read of one font.
const MAX_FONT_WIDTHS: usize = 65_536;

impl<'d> PdfFont<'d> {
    /// Reads a font, its character map counted against `cmap_left` bytes and its widths
    /// against `widths_left`.
    fn load(
        doc: &'d lopdf::Document,
        font: &'d lopdf::Dictionary,
        cmap_left: &mut u64,
        widths_left: &mut usize,
    ) -> Result<PdfFont<'d>, TextDocError> {
        let too_big = || TextDocError::PdfFonts(MAX_PDF_CMAP_BYTES);
        if let Ok(map) = font.get_deref(b"ToUnicode", doc).and_then(lopdf::Object::as_stream) {
            match map.decompressed_content_with_limit(*cmap_left as usize) {
                Ok(data) => *cmap_left = cmap_left.saturating_sub(data.len() as u64),
                Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
                    return Err(too_big());
                }
                Err(_) => {}
            }
        }
        let encoding = match font.get_font_encoding_with_limit(doc, MAX_PDF_CMAP_BYTES as usize) {
            Ok(e) => Some(e),
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
                return Err(too_big());
            }
            Err(_) => None,
        };
        let array = |d: &'d lopdf::Dictionary, key: &[u8]| -> &'d [lopdf::Object] {
            d.get_deref(key, doc).and_then(lopdf::Object::as_array).map_or(&[], Vec::as_slice)
        };
        let number = |o: &lopdf::Object| doc.dereference(o).ok().and_then(|(_, o)| o.as_float().ok());
        let two_byte = font.get(b"Subtype").and_then(lopdf::Object::as_name).is_ok_and(|n| n == b"Type0");
        let mut out =
            PdfFont { encoding, two_byte, first: 0, widths: Vec::new(), cid_widths: Vec::new(), default_width: 500.0 };
        if two_byte {
            let Some(cid) = array(font, b"DescendantFonts")
                .first()
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_dict().ok())
            else {
                return Ok(out);
            };
            out.default_width = cid.get(b"DW").ok().and_then(number).unwrap_or(1000.0);
            let mut items = array(cid, b"W").iter();
            while let Some(first) = items.next().and_then(number) {
                if out.cid_widths.len() >= MAX_FONT_WIDTHS.min(*widths_left) {
                    break;
                }
                let first = first.max(0.0) as u32;
                match items.next().map(|o| doc.dereference(o).map(|(_, o)| o)) {
                    Some(Ok(lopdf::Object::Array(ws))) => {
                        for (i, w) in ws.iter().take(MAX_FONT_WIDTHS).enumerate() {
                            let code = first.saturating_add(i as u32);
                            out.cid_widths.push((code, code, number(w).unwrap_or(out.default_width)));
                        }
                    }
                    Some(Ok(last)) => {
                        let (Some(last), Some(w)) = (number(last), items.next().and_then(number)) else { break };
                        out.cid_widths.push((first, last.max(0.0) as u32, w));
                    }
                    _ => break,
                }
            }
            out.cid_widths.truncate(*widths_left);
            *widths_left -= out.cid_widths.len();
            out.cid_widths.sort_by_key(|r| r.0);
        } else {
            out.first = font.get(b"FirstChar").ok().and_then(number).map_or(0, |f| f.max(0.0) as u32);
            out.widths = array(font, b"Widths")
                .iter()
                .take(256.min(*widths_left))
                .map(|w| number(w).unwrap_or(out.default_width))
                .collect();
            *widths_left -= out.widths.len();
            if let Some(missing) = font
                .get_deref(b"FontDescriptor", doc)
                .and_then(lopdf::Object::as_dict)
                .ok()
                .and_then(|d| d.get(b"MissingWidth").ok())
                .and_then(number)
                .filter(|w| *w > 0.0)
            {
                out.default_width = missing;
            }
        }
        Ok(out)
    }

    /// The width of the glyph of `code`, in thousandths of the font size.
    fn width(&self, code: u32) -> f32 {
        let w = if self.two_byte {
            let i = self.cid_widths.partition_point(|r| r.0 <= code);
            i.checked_sub(1).map(|i| self.cid_widths[i]).filter(|r| code <= r.1).map(|r| r.2)
        } else {
            code.checked_sub(self.first).and_then(|i| self.widths.get(i as usize).copied())
        };
        w.filter(|w| w.is_finite()).unwrap_or(self.default_width)
    }
}

/// The text state a string is shown in.
#[derive(Clone, Copy)]
struct TextState {
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    /// Horizontal scaling, 1.0 for 100%.
    scale: f32,
}

/// The text of a PDF's pages: each page's text in the order its content draws the lines, the
/// pieces of one line (one baseline) in order from left to right with a space where they stand
/// apart, a blank line between pages.
fn pdf_text_inner(bytes: &[u8], limits: Limits) -> Result<String, TextDocError> {
    let stream_max = MAX_PDF_STREAM_BYTES as usize;
    check_pdf_objects(bytes, MAX_PDF_OBJECTS)?;
    let options = lopdf::LoadOptions::with_max_decompressed_size(stream_max);
    let doc = lopdf::Document::load_mem_with_options(bytes, options).map_err(pdf_error)?;
    if doc.is_encrypted() && !doc.was_encrypted() {
        return Err(TextDocError::Protected);
    }
    let pages = doc.get_pages();
    if pages.len() as u64 > MAX_PDF_PAGES {
        return Err(TextDocError::PdfPages(MAX_PDF_PAGES));
    }
    if pages.is_empty() {
        return Err(TextDocError::PdfDamaged("it has no pages".into()));
    }
    let mut out = TextOut::new(limits.max_table_bytes);
    let mut content_total = 0u64;
    // Fonts are shared by pages: each is read once, known by its dictionary's address.
    let mut fonts: HashMap<usize, PdfFont<'_>> = HashMap::new();
    let (mut cmap_left, mut widths_left) = (MAX_PDF_CMAP_BYTES, MAX_PDF_WIDTHS);
    for &page_id in pages.values() {
        let mut names: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        for (name, font) in doc.get_page_fonts(page_id).unwrap_or_default() {
            let key = std::ptr::from_ref(font) as usize;
            if !fonts.contains_key(&key) && fonts.len() < MAX_PDF_FONTS {
                fonts.insert(key, PdfFont::load(&doc, font, &mut cmap_left, &mut widths_left)?);
            }
            names.insert(name, key);
        }
        let content = doc.get_page_content_with_limit(page_id, stream_max).map_err(pdf_error)?;
        content_total += content.len() as u64;
        if content_total > MAX_PDF_CONTENT_BYTES {
            return Err(TextDocError::PdfContent(MAX_PDF_CONTENT_BYTES));
        }
        if !pdf_operands_within(&content, MAX_PDF_OPERANDS) {
            return Err(TextDocError::PdfOperands(MAX_PDF_OPERANDS));
        }
        let mut page =
            PdfPage { out: &mut out, line: Vec::new(), line_bytes: 0, last_y: None, height: 1.0, new_page: true };
        let (mut ctm, mut line, mut tm) = (IDENTITY, IDENTITY, IDENTITY);
        let mut stack: Vec<Matrix> = Vec::new();
        let mut leading = 0f32;
        let mut state = TextState { size: 0.0, char_spacing: 0.0, word_spacing: 0.0, scale: 1.0 };
        let mut font: Option<&PdfFont<'_>> = None;
        for op in lopdf::content::Content::decode_iter(&content) {
            // A damaged stream keeps the text before the damage.
            let Ok(op) = op else { break };
            let args = op.operands.as_slice();
            match op.operator.as_str() {
                "q" if stack.len() < 256 => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(ctm),
                "cm" => {
                    if let Some(m) = numbers::<6>(args) {
                        ctm = concat(&m, &ctm);
                    }
                }
                "BT" => (line, tm) = (IDENTITY, IDENTITY),
                "Tm" => {
                    if let Some(m) = numbers::<6>(args) {
                        (line, tm) = (m, m);
                    }
                }
                "Td" | "TD" => {
                    if let Some([tx, ty]) = numbers::<2>(args) {
                        if op.operator == "TD" {
                            leading = -ty;
                        }
                        line = concat(&[1.0, 0.0, 0.0, 1.0, tx, ty], &line);
                        tm = line;
                    }
                }
                "TL" => leading = numbers::<1>(args).map_or(leading, |[l]| l),
                "Tc" => state.char_spacing = numbers::<1>(args).map_or(state.char_spacing, |[c]| c),
                "Tw" => state.word_spacing = numbers::<1>(args).map_or(state.word_spacing, |[w]| w),
                "Tz" => state.scale = numbers::<1>(args).map_or(state.scale, |[z]| z / 100.0),
                "T*" | "'" | "\"" => {
                    if op.operator == "\""
                        && let Some([aw, ac]) = numbers::<2>(args)
                    {
                        (state.word_spacing, state.char_spacing) = (aw, ac);
                    }
                    line = concat(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &line);
                    tm = line;
                    let shown = match op.operator.as_str() {
                        "'" => args.first(),
                        "\"" => args.get(2),
                        _ => None,
                    };
                    if let (Some(s), Some(f)) = (shown, font) {
                        page.show(f, std::slice::from_ref(s), &mut tm, &ctm, state)?;
                    }
                }
                "Tf" => {
                    font = args
                        .first()
                        .and_then(|n| n.as_name().ok())
                        .and_then(|n| names.get(n))
                        .and_then(|k| fonts.get(k));
                    state.size = args.get(1).and_then(|s| s.as_float().ok()).filter(|s| s.is_finite()).unwrap_or(0.0);
                }
                "Tj" | "TJ" => {
                    if let Some(f) = font {
                        page.show(f, args, &mut tm, &ctm, state)?;
                    }
                }
                _ => {}
            }
        }
        page.end_line()?;
        drop(page);
    }
    if out.text.trim().is_empty() {
        return Err(TextDocError::PdfNoText);
    }
    Ok(out.text)
}

/// Most pieces of text of one line held before they are put in order.
const MAX_LINE_PIECES: usize = 4_096;

/// One piece of a line: where it starts and ends on the page, and its text.
struct Piece {
    x0: f32,
    x1: f32,
    text: String,
}

/// Where one page's text goes, a line at a time.
struct PdfPage<'o> {
    out: &'o mut TextOut,
    line: Vec<Piece>,
    /// The text held in `line`, counted against the limit of text.
    line_bytes: u64,
    /// The baseline of the line, in page space.
    last_y: Option<f32>,
    /// The height of the line's text, in page space.
    height: f32,
    /// No line of the page is written yet.
    new_page: bool,
}

impl PdfPage<'_> {
    /// Shows strings (and `TJ` arrays) at the text matrix `tm` in the page space `ctm`, and
    /// moves `tm` past them.
    fn show(
        &mut self,
        font: &PdfFont<'_>,
        operands: &[lopdf::Object],
        tm: &mut Matrix,
        ctm: &Matrix,
        state: TextState,
    ) -> Result<(), TextDocError> {
        let at = concat(tm, ctm);
        let mut text = String::new();
        let advance = pdf_strings(font, operands, state, &mut text, 0);
        *tm = concat(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], tm);
        if text.is_empty() {
            return Ok(());
        }
        let (x0, y) = (at[4], at[5]);
        let x1 = x0 + advance * at[0];
        let height = (state.size * at[3]).abs().max((state.size * at[1]).abs()).max(1.0);
        if self.last_y.is_some_and(|last| (last - y).abs() > self.height.max(height) * 0.5) {
            self.end_line()?;
        }
        if self.line.len() >= MAX_LINE_PIECES {
            self.flush(false)?;
        }
        self.out.room(self.line_bytes + text.len() as u64)?;
        self.line_bytes += text.len() as u64;
        self.line.push(Piece { x0: x0.min(x1), x1: x0.max(x1), text });
        (self.last_y, self.height) = (Some(y), height);
        Ok(())
    }

    /// Ends the line: its pieces go out, and the next text starts a new line.
    fn end_line(&mut self) -> Result<(), TextDocError> {
        self.flush(true)?;
        self.last_y = None;
        Ok(())
    }

    /// Writes the pieces held, left to right, a space between two that stand apart (a piece
    /// drawn again on top of itself, as for a fake bold, counts once); `newline` puts the
    /// line on a line of its own.
    fn flush(&mut self, newline: bool) -> Result<(), TextDocError> {
        let mut pieces = std::mem::take(&mut self.line);
        self.line_bytes = 0;
        if pieces.is_empty() {
            return Ok(());
        }
        pieces.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let gap = self.height * 0.2;
        if self.new_page && !self.out.text.is_empty() {
            self.out.push(if self.out.text.ends_with('\n') { "\n" } else { "\n\n" })?;
        } else if newline && !self.out.text.is_empty() && !self.out.text.ends_with('\n') {
            self.out.push_char('\n')?;
        }
        self.new_page = false;
        let mut last: Option<&Piece> = None;
        for p in &pieces {
            if let Some(l) = last {
                if p.text == l.text && (p.x0 - l.x0).abs() < gap {
                    continue;
                }
                if p.x0 - l.x1 > gap
                    && !l.text.ends_with(char::is_whitespace)
                    && !p.text.starts_with(char::is_whitespace)
                {
                    self.out.push_char(' ')?;
                }
            }
            self.out.push(&p.text)?;
            last = Some(p);
        }
        Ok(())
    }
}

/// Decodes string operands and `TJ` arrays into `text` and returns how far they move the
/// text position (in text space). A gap in a `TJ` array wider than a fifth of the font size
/// reads as a space.
fn pdf_strings(font: &PdfFont<'_>, operands: &[lopdf::Object], state: TextState, text: &mut String, depth: u8) -> f32 {
    let mut advance = 0.0;
    for o in operands {
        match o {
            lopdf::Object::String(bytes, _) => {
                if let Some(encoding) = &font.encoding {
                    let _ = encoding.write_to_string(bytes, text);
                }
                let codes: Box<dyn Iterator<Item = u32>> = if font.two_byte {
                    Box::new(bytes.chunks(2).map(|c| c.iter().fold(0u32, |n, b| n << 8 | u32::from(*b))))
                } else {
                    Box::new(bytes.iter().map(|b| u32::from(*b)))
                };
                for code in codes {
                    let space = !font.two_byte && code == 32;
                    let w = font.width(code) / 1000.0 * state.size
                        + state.char_spacing
                        + if space { state.word_spacing } else { 0.0 };
                    advance += w * state.scale;
                }
            }
            lopdf::Object::Array(items) if depth == 0 => advance += pdf_strings(font, items, state, text, 1),
            lopdf::Object::Integer(_) | lopdf::Object::Real(_) if depth > 0 => {
                let gap = o.as_float().unwrap_or(0.0);
                advance -= gap / 1000.0 * state.size * state.scale;
                if gap < -200.0 && !text.is_empty() && !text.ends_with(char::is_whitespace) {
                    text.push(' ');
                }
            }
            _ => {}
        }
    }
    if advance.is_finite() { advance } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
    use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    use super::*;

    // --- building real files -----------------------------------------------------------------

    fn zip_with(parts: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, method) in parts {
            let opts = SimpleFileOptions::default().compression_method(*method).large_file(data.len() > 1 << 30);
            zip.start_file(*name, opts).expect("start entry");
            zip.write_all(data).expect("write entry");
        }
        zip.finish().expect("finish zip").into_inner()
    }

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let parts: Vec<_> = parts.iter().map(|(n, d)| (*n, *d, CompressionMethod::Deflated)).collect();
        zip_with(&parts)
    }

    const DOCX_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    const DOCX_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

    fn document_xml(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body}<w:sectPr/></w:body></w:document>"#
        )
    }

    /// A minimal valid `.docx` whose `<w:body>` holds `body`.
    fn docx(body: &str) -> Vec<u8> {
        let doc = document_xml(body);
        zip_of(&[
            ("[Content_Types].xml", DOCX_TYPES.as_bytes()),
            ("_rels/.rels", DOCX_RELS.as_bytes()),
            ("word/document.xml", doc.as_bytes()),
        ])
    }

    const ODT_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

    /// A minimal valid `.odt` whose `<office:text>` holds `body`.
    fn odt(body: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">
  <office:body>
    <office:text>{body}</office:text>
  </office:body>
</office:document-content>"#
        );
        zip_with(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text", CompressionMethod::Stored),
            ("META-INF/manifest.xml", ODT_MANIFEST.as_bytes(), CompressionMethod::Deflated),
            ("content.xml", content.as_bytes(), CompressionMethod::Deflated),
        ])
    }

    /// A PDF of `pages`, each a content stream drawn with the fonts `fonts` defines (it gets
    /// the PDF and returns the fonts' resource names and references, from `Ref::new(3)` on).
    fn pdf(pages: &[Vec<u8>], fonts: impl FnOnce(&mut Pdf) -> Vec<(&'static [u8], Ref)>) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let (catalog, tree) = (Ref::new(1), Ref::new(2));
        let page_ref = |i: usize| Ref::new(100 + 2 * i as i32);
        let content_ref = |i: usize| Ref::new(101 + 2 * i as i32);
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids((0..pages.len()).map(page_ref)).count(pages.len() as i32);
        let fonts = fonts(&mut pdf);
        for (i, content) in pages.iter().enumerate() {
            let mut page = pdf.page(page_ref(i));
            page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0)).parent(tree).contents(content_ref(i));
            let mut res = page.resources();
            let mut f = res.fonts();
            for (name, r) in &fonts {
                f.pair(Name(name), *r);
            }
            f.finish();
            res.finish();
            page.finish();
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(content).expect("deflate");
            pdf.stream(content_ref(i), &z.finish().expect("deflate")).filter(Filter::FlateDecode);
        }
        pdf.finish()
    }

    /// The standard Helvetica in WinAnsi encoding, as `crates/web/src/pdf.rs` writes it.
    fn helvetica(pdf: &mut Pdf) -> Vec<(&'static [u8], Ref)> {
        let (regular, bold) = (Ref::new(3), Ref::new(4));
        pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
        vec![(b"F1", regular), (b"F2", bold)]
    }

    /// Latin-1 text as WinAnsi bytes.
    fn winansi(s: &str) -> Vec<u8> {
        s.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()
    }

    /// Lines of text, one text object each, from the top of the page down.
    fn lines_page(lines: &[&str]) -> Vec<u8> {
        let mut c = Content::new();
        for (i, line) in lines.iter().enumerate() {
            let bytes = winansi(line);
            c.begin_text().set_font(Name(b"F1"), 11.0).next_line(72.0, 770.0 - 14.0 * i as f32);
            c.show(Str(&bytes)).end_text();
        }
        c.finish().into_vec()
    }

    fn text_of(name: &str, bytes: &[u8]) -> Document {
        match read_text(name, bytes) {
            Ok(d) => d,
            Err(e) => panic!("reading {name}: {e}"),
        }
    }

    fn error_of(name: &str, bytes: &[u8]) -> TextDocError {
        match read_text(name, bytes) {
            Ok(d) => panic!("reading {name} should fail, read {:?}…", d.text.chars().take(200).collect::<String>()),
            Err(e) => e,
        }
    }

    // --- plain text --------------------------------------------------------------------------

    #[test]
    fn textdoc_txt_utf8_bom_stripped_and_newlines_normalised() {
        let raw = "\u{FEFF}Wawancara dengan Bu Siti\r\nKami butuh air bersih 💧\rSelesai.\n\tTerima kasih";
        let d = text_of("wawancara.TXT", raw.as_bytes());
        assert_eq!(d.format, Format::Text);
        assert_eq!(d.original, "Wawancara dengan Bu Siti\r\nKami butuh air bersih 💧\rSelesai.\n\tTerima kasih");
        assert_eq!(d.text, "Wawancara dengan Bu Siti\nKami butuh air bersih 💧\nSelesai.\n\tTerima kasih");
        assert_eq!(text_of("catatan", b"tanpa ekstensi").text, "tanpa ekstensi");
    }

    #[test]
    fn textdoc_txt_utf16_with_bom() {
        let s = "Ibu Ani: “Panen gagal” 🌾\r\nselesai";
        let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(s.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain(s.encode_utf16().flat_map(u16::to_be_bytes)).collect();
        for bytes in [le, be] {
            let d = text_of("notes.txt", &bytes);
            assert_eq!(d.original, s);
            assert_eq!(d.text, "Ibu Ani: “Panen gagal” 🌾\nselesai");
        }
        // A lone surrogate: the byte offset of its code unit.
        let bad: Vec<u8> = [0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0].to_vec();
        assert_eq!(error_of("x.txt", &bad), TextDocError::NotUtf16(4));
    }

    #[test]
    fn textdoc_txt_not_utf8_names_the_byte_offset() {
        let e = error_of("transkrip.txt", b"Halo ibu \xe9tait");
        assert_eq!(e, TextDocError::NotUtf8(9));
        assert_eq!(e.to_string(), "not UTF-8 text at byte 9; save it as UTF-8");
        assert_eq!(e.indonesian(), "bukan teks UTF-8 pada byte 9; simpan sebagai UTF-8");
        // The offset is in the file, byte order mark included.
        assert_eq!(error_of("t.txt", b"\xEF\xBB\xBFab\xff"), TextDocError::NotUtf8(5));
    }

    #[test]
    fn textdoc_oversize_file_and_too_much_text_are_refused() {
        let big = vec![b'a'; (32 << 20) + 1];
        let e = error_of("besar.txt", &big);
        assert_eq!(e, TextDocError::Limit(LimitExceeded::FileBytes(32 << 20)));
        assert_eq!(e.to_string(), "the file exceeds the limit of 32 MiB");
        assert_eq!(e.indonesian(), "berkas melebihi batas 32 MiB");
        let e = error_of("panjang.txt", &big[..(8 << 20) + 1]);
        assert_eq!(e, TextDocError::Limit(LimitExceeded::TableBytes(8 << 20)));
        assert_eq!(e.to_string(), "the document holds more than the limit of 8 MiB of text");
        assert_eq!(e.indonesian(), "teks dokumen melebihi batas 8 MiB");
        assert!(read_text("pas.txt", &big[..8 << 20]).is_ok());
    }

    #[test]
    fn textdoc_names_unsupported_types() {
        let e = error_of("foto.jpg", b"\xff\xd8\xff");
        assert_eq!(e, TextDocError::UnsupportedType(".jpg".into()));
        assert!(e.indonesian().contains(".jpg"));
        assert_eq!(error_of("lama.doc", b"x"), TextDocError::OldWordOrProtected);
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert_eq!(error_of("rahasia.docx", &ole), TextDocError::OldWordOrProtected);
    }

    // --- .docx -------------------------------------------------------------------------------

    #[test]
    fn textdoc_docx_paragraphs_runs_tabs_and_breaks() {
        let body = concat!(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>"#,
            r#"<w:r><w:t>Pewawancara:</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">Bagaimana </w:t></w:r>"#,
            r#"<w:r><w:rPr><w:b/></w:rPr><w:t>panen</w:t></w:r><w:r><w:t xml:space="preserve"> tahun ini?</w:t></w:r></w:p>"#,
            r#"<w:p/>"#,
            r#"<w:p><w:r><w:t>Bu Siti: “Gagal, Pak” 😢</w:t><w:br/><w:t>baris kedua</w:t><w:cr/><w:t>ketiga</w:t></w:r>"#,
            r#"<w:del w:id="1" w:author="a"><w:r><w:delText>teks yang dihapus</w:delText></w:r></w:del>"#,
            r#"<w:ins w:id="2" w:author="a"><w:r><w:t xml:space="preserve"> &amp; sisipan</w:t></w:r></w:ins></w:p>"#,
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>sel 1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>sel 2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>kotak</w:t></mc:Choice>"#,
            r#"<mc:Fallback><w:t>kotak lama</w:t></mc:Fallback></mc:AlternateContent></w:r>"#,
            r#"<w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:t>Akhir&#x2014;ñ</w:t></w:r></w:p>"#,
        );
        let d = text_of("wawancara.docx", &docx(body));
        assert_eq!(d.format, Format::Docx);
        assert_eq!(
            d.text,
            "Pewawancara:\tBagaimana panen tahun ini?\n\nBu Siti: “Gagal, Pak” 😢\nbaris kedua\nketiga & sisipan\n\
             sel 1\nsel 2\nkotakAkhir—ñ"
        );
        assert_eq!(d.original, d.text);
    }

    #[test]
    fn textdoc_docx_that_is_not_a_zip() {
        let e = error_of("laporan.docx", b"just some text, renamed");
        assert_eq!(e, TextDocError::NotZip(Format::Docx));
        assert_eq!(
            e.to_string(),
            "the file is named .docx but is not a .docx document (it is not a zip archive); save it again as .docx"
        );
        assert!(e.indonesian().contains("bukan arsip zip"));
        let e = error_of("laporan.odt", b"plain");
        assert_eq!(e, TextDocError::NotZip(Format::Odt));
        assert_eq!(error_of("laporan.pdf", b"plain"), TextDocError::NotPdf);
    }

    #[test]
    fn textdoc_docx_without_document_xml() {
        let bytes = zip_of(&[("[Content_Types].xml", DOCX_TYPES.as_bytes()), ("docProps/app.xml", b"<x/>")]);
        let e = error_of("kosong.docx", &bytes);
        assert_eq!(e, TextDocError::MissingPart { format: Format::Docx, part: "word/document.xml".into() });
        assert_eq!(e.to_string(), "the .docx document has no part `word/document.xml`; save it again as .docx");
        assert!(e.indonesian().contains("tidak memiliki bagian `word/document.xml`"));
        // A workbook renamed .docx: its main part is not a Word document.
        let rels = DOCX_RELS.replace("word/document.xml", "xl/workbook.xml");
        let bytes = zip_of(&[("_rels/.rels", rels.as_bytes()), ("xl/workbook.xml", b"<workbook/>")]);
        assert!(matches!(error_of("tabel.docx", &bytes), TextDocError::MissingPart { .. }));
        // A truncated upload.
        let full = docx("<w:p><w:r><w:t>a</w:t></w:r></w:p>");
        assert!(matches!(error_of("putus.docx", &full[..full.len() / 2]), TextDocError::Damaged { .. }));
    }

    #[test]
    fn textdoc_zip_bomb_ratio_is_refused() {
        // 4 MiB of one letter packs to about 4 KiB: a thousand to one.
        let para = format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", "a".repeat(4 << 20));
        let e = error_of("bom.docx", &docx(&para));
        assert_eq!(e, TextDocError::Limit(LimitExceeded::Ratio { entry: "word/document.xml".into(), limit: 250 }));
        assert_eq!(
            e.to_string(),
            "part `word/document.xml` of the document is compressed more than the limit of 250:1 (a \"zip bomb\")"
        );
        assert!(e.indonesian().contains("250:1"));
    }

    #[test]
    fn textdoc_too_many_zip_entries_are_refused() {
        let names: Vec<String> = (0..10_001).map(|i| format!("x/{i}")).collect();
        let parts: Vec<_> = names.iter().map(|n| (n.as_str(), &b""[..], CompressionMethod::Stored)).collect();
        let e = error_of("banyak.docx", &zip_with(&parts));
        assert_eq!(e, TextDocError::Limit(LimitExceeded::ZipEntries(10_000)));
        assert_eq!(e.to_string(), "the document exceeds the limit of 10,000 parts");
        assert_eq!(e.indonesian(), "dokumen melebihi batas 10.000 bagian");
    }

    #[test]
    fn textdoc_overlong_markup_is_refused() {
        // The budget is checked per 64 KiB read, so a text is refused by 1 MiB + 64 KiB.
        let text = "<w:p><w:r><w:t>".to_string() + &"a".repeat((1 << 20) + (128 << 10)) + "</w:t></w:r></w:p>";
        let doc = document_xml(&text);
        let bytes = zip_with(&[("word/document.xml", doc.as_bytes(), CompressionMethod::Stored)]);
        let e = error_of("panjang.docx", &bytes);
        assert_eq!(e, TextDocError::Limit(LimitExceeded::MarkupBytes(1 << 20)));
        assert_eq!(e.to_string(), "an XML element or text of the document exceeds the limit of 1 MiB");
    }

    // --- .odt --------------------------------------------------------------------------------

    #[test]
    fn textdoc_odt_paragraphs_spaces_tabs_and_breaks() {
        let body = r#"
      <text:sequence-decls/>
      <text:h text:outline-level="1">Catatan   lapangan</text:h>
      <text:p>Desa <text:span>Sukamaju</text:span>,<text:s/>Jawa Barat 🌾</text:p>
      <text:p/>
      <text:p>Kolom:<text:tab/>nilai<text:s text:c="3"/>akhir<text:line-break/>baris
         kedua<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>catatan kaki</text:p></text:note-body></text:note> &amp; “kutipan”</text:p>
      <text:tracked-changes><text:changed-region><text:deletion><text:p>dihapus</text:p></text:deletion></text:changed-region></text:tracked-changes>
      <text:p> ujung </text:p>
    "#;
        let d = text_of("catatan.odt", &odt(body));
        assert_eq!(d.format, Format::Odt);
        assert_eq!(
            d.text,
            "Catatan lapangan\nDesa Sukamaju, Jawa Barat 🌾\n\nKolom:\tnilai   akhir\nbaris kedua & “kutipan”\nujung"
        );
    }

    #[test]
    fn textdoc_odt_named_docx_is_read_as_odt() {
        let d = text_of("salah-nama.docx", &odt("<text:p>isi</text:p>"));
        assert_eq!((d.format, d.text.as_str()), (Format::Odt, "isi"));
    }

    // --- .pdf --------------------------------------------------------------------------------

    #[test]
    fn textdoc_pdf_writer_text_layer() {
        let page1 = lines_page(&["Wawancara dengan Ibu Siti", "Kami menanam padi dan jagung.", "Café desa"]);
        // Two text objects on one baseline (a bold word, as LibreOffice writes it) stay one line.
        let mut c = Content::new();
        c.begin_text().set_font(Name(b"F1"), 11.0).next_line(72.0, 770.0).show(Str(b"Hasilnya ")).end_text();
        c.begin_text().set_font(Name(b"F2"), 11.0).next_line(120.0, 770.0).show(Str(b"baik")).end_text();
        c.begin_text().set_font(Name(b"F1"), 11.0).set_leading(14.0).next_line(72.0, 756.0);
        c.show(Str(b"tahun ini")).next_line_show(Str(b"juga")).end_text();
        c.begin_text().set_font(Name(b"F1"), 11.0).next_line(72.0, 700.0);
        c.show_positioned().items().show(Str(b"jarak")).adjust(-600.0).show(Str(b"lebar"));
        c.end_text();
        let bytes = pdf(&[page1, c.finish().into_vec()], helvetica);
        let d = text_of("laporan.pdf", &bytes);
        assert_eq!(d.format, Format::Pdf);
        assert_eq!(
            d.text,
            "Wawancara dengan Ibu Siti\nKami menanam padi dan jagung.\nCafé desa\n\nHasilnya baik\ntahun ini\njuga\njarak lebar"
        );
    }

    #[test]
    fn textdoc_pdf_type0_font_with_to_unicode() {
        // As Word and LibreOffice write text: a CID font in Identity-H, glyph ids mapped back to
        // Unicode by a ToUnicode CMap.
        let text = "Terima kasih, Pak Made 🙏 — “sehat”";
        let chars: Vec<char> = {
            let mut v: Vec<char> = text.chars().collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let glyphs: Vec<u8> = text
            .chars()
            .flat_map(|c| (chars.iter().position(|&x| x == c).unwrap_or(0) as u16 + 1).to_be_bytes())
            .collect();
        let mut c = Content::new();
        c.begin_text().set_font(Name(b"F1"), 12.0).set_text_matrix([1.0, 0.0, 0.0, 1.0, 72.0, 700.0]);
        c.show(Str(&glyphs)).end_text();
        let bytes = pdf(&[c.finish().into_vec()], |pdf| {
            let (type0, cid, desc, cmap) = (Ref::new(3), Ref::new(4), Ref::new(5), Ref::new(6));
            let info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
            pdf.type0_font(type0)
                .base_font(Name(b"ABCDEF+NotoSans"))
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid)
                .to_unicode(cmap);
            pdf.cid_font(cid)
                .subtype(CidFontType::Type2)
                .base_font(Name(b"ABCDEF+NotoSans"))
                .system_info(info)
                .font_descriptor(desc)
                .default_width(500.0);
            pdf.font_descriptor(desc)
                .name(Name(b"ABCDEF+NotoSans"))
                .flags(FontFlags::NON_SYMBOLIC)
                .bbox(Rect::new(0.0, -200.0, 1000.0, 800.0))
                .italic_angle(0.0)
                .ascent(800.0)
                .descent(-200.0)
                .cap_height(700.0)
                .stem_v(80.0);
            let mut map = UnicodeCmap::new(Name(b"Custom"), info);
            for (i, &ch) in chars.iter().enumerate() {
                map.pair(i as u16 + 1, ch);
            }
            let map = map.finish();
            pdf.cmap(cmap, &map).system_info(info);
            vec![(b"F1", type0)]
        });
        assert_eq!(text_of("word-export.pdf", &bytes).text, text);
    }

    #[test]
    fn textdoc_pdf_scan_without_text_layer() {
        let mut c = Content::new();
        c.set_fill_gray(0.5).rect(50.0, 50.0, 400.0, 600.0).fill_nonzero();
        let e = error_of("pindaian.pdf", &pdf(&[c.finish().into_vec()], helvetica));
        assert_eq!(e, TextDocError::PdfNoText);
        assert_eq!(e.to_string(), "the PDF has no text layer (it is a scan); paste the text or use OCR");
        assert_eq!(
            e.indonesian(),
            "PDF tidak memiliki lapisan teks (hasil pindaian); tempelkan teksnya atau gunakan OCR"
        );
    }

    #[test]
    fn textdoc_pdf_page_limit() {
        let pages = vec![lines_page(&["x"]); MAX_PDF_PAGES as usize + 1];
        let e = error_of("tebal.pdf", &pdf(&pages, helvetica));
        assert_eq!(e, TextDocError::PdfPages(2_000));
        assert_eq!(e.to_string(), "the PDF exceeds the limit of 2,000 pages");
        assert_eq!(e.indonesian(), "PDF melebihi batas 2.000 halaman");
    }

    #[test]
    fn textdoc_pdf_object_bomb_is_refused() {
        // Two bytes a number in the file, about two hundred in the parser's memory.
        let bytes =
            [&b"%PDF-1.4\n1 0 obj\n["[..], &b"0 ".repeat(1_000_001), b"]\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF"]
                .concat();
        let e = error_of("bom.pdf", &bytes);
        assert_eq!(e, TextDocError::PdfObjects(1_000_000));
        assert_eq!(e.to_string(), "the PDF is made of more than the limit of 1,000,000 objects");
        assert_eq!(e.indonesian(), "PDF tersusun dari objek melebihi batas 1.000.000");
        // Object streams are unpacked and counted too.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&b"0 ".repeat(1_000_001)).expect("deflate");
        let packed = z.finish().expect("deflate");
        let head = format!(
            "%PDF-1.5\n2 0 obj\n<</Type/Obj#53tm/N 1/First 4/Filter/FlateDecode/Length {}>>stream\n",
            packed.len()
        );
        let bytes = [head.as_bytes(), &packed, b"\nendstream\nendobj\n%%EOF"].concat();
        assert_eq!(error_of("bom2.pdf", &bytes), TextDocError::PdfObjects(1_000_000));
    }

    #[test]
    fn textdoc_pdf_operand_bomb_is_refused() {
        let content = [&b"BT /F1 11 Tf 72 700 Td ["[..], &b"0 ".repeat(100_001), b"] TJ ET"].concat();
        let e = error_of("bom.pdf", &pdf(&[content], helvetica));
        assert_eq!(e, TextDocError::PdfOperands(100_000));
        assert!(e.indonesian().contains("100.000"));
        // An inline image's data is not read as operands.
        let content =
            [&b"BI /W 1 /H 1 ID "[..], &b"0 ".repeat(100_001), b" EI BT /F1 11 Tf 72 700 Td (ok) Tj ET"].concat();
        assert_eq!(text_of("gambar.pdf", &pdf(&[content], helvetica)).text, "ok");
    }

    #[test]
    fn textdoc_pdf_damaged_is_an_error_not_a_panic() {
        // A PDF cut short is read as far as it goes, or refused.
        let good = pdf(&[lines_page(&["isi"])], helvetica);
        for len in [good.len() / 2, good.len() - 40, 200] {
            match read_text("terpotong.pdf", &good[..len]) {
                Ok(d) => assert_eq!(d.text, "isi"),
                Err(e) => assert!(matches!(e, TextDocError::PdfDamaged(_) | TextDocError::PdfNoText), "{e:?}"),
            }
        }
        for bytes in [
            b"%PDF-1.7\n".to_vec(),
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF".to_vec(),
            [&b"%PDF-1.7\n"[..], &[b'['; 100_000][..]].concat(),
        ] {
            let e = error_of("rusak.pdf", &bytes);
            assert!(
                matches!(e, TextDocError::PdfDamaged(_) | TextDocError::PdfNoText | TextDocError::PdfCrashed),
                "{e:?}"
            );
            assert!(!e.indonesian().is_empty());
        }
    }

    #[test]
    fn textdoc_every_error_has_both_languages() {
        let all = [
            TextDocError::UnsupportedType(".rtf".into()),
            TextDocError::OldWordOrProtected,
            TextDocError::NotZip(Format::Docx),
            TextDocError::NotPdf,
            TextDocError::Limit(LimitExceeded::EntryBytes { entry: "content.xml".into(), limit: 128 << 20 }),
            TextDocError::Limit(LimitExceeded::EntryLied { entry: "content.xml".into(), declared: 10 }),
            TextDocError::NotUtf8(1),
            TextDocError::NotUtf16(2),
            TextDocError::MissingPart { format: Format::Odt, part: "content.xml".into() },
            TextDocError::Damaged { part: "content.xml".into(), message: "x".into() },
            TextDocError::Compression { part: "content.xml".into(), method: "Bzip2".into() },
            TextDocError::Protected,
            TextDocError::PdfPages(2_000),
            TextDocError::PdfStream(32 << 20),
            TextDocError::PdfContent(256 << 20),
            TextDocError::PdfObjects(1_000_000),
            TextDocError::PdfOperands(100_000),
            TextDocError::PdfFonts(4 << 20),
            TextDocError::PdfNoText,
            TextDocError::PdfDamaged("x".into()),
            TextDocError::PdfCrashed,
        ];
        for e in all {
            let (en, id) = (e.to_string(), e.indonesian());
            assert!(!en.is_empty() && !id.is_empty() && en != id, "{en} / {id}");
        }
        assert_eq!(
            TextDocError::Limit(LimitExceeded::EntryBytes { entry: "content.xml".into(), limit: 128 << 20 })
                .to_string(),
            "part `content.xml` of the document unpacks to more than the limit of 128 MiB"
        );
    }

    #[test]
    fn textdoc_newlines_are_normalised_and_nothing_else() {
        assert_eq!(normalise_newlines("a\r\nb\rc\n\r\n\r\rd\u{2028}"), "a\nb\nc\n\n\n\nd\u{2028}");
    }
}
