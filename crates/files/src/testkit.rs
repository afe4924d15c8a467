//! Crafted workbooks for tests: hostile XLSX files (a far cell, a zip bomb, a lying size)
//! and small valid ones, written straight with the `zip` crate so that nothing a reader
//! would refuse is smoothed over by a spreadsheet library. Large parts are streamed into
//! the archive, never held in memory.

use std::io::{self, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::registry::COLUMNS;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_END: &str = "</sheetData></worksheet>";

/// The zip entry name of the one sheet of a crafted workbook.
pub const SHEET_PART: &str = "xl/worksheets/sheet1.xml";

/// Writes a workbook of one sheet, `Sheet1`, whose `<sheetData>` content `rows` writes.
pub fn workbook<W: Write + Seek>(
    out: W,
    rows: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> zip::result::ZipResult<W> {
    let mut zip = ZipWriter::new(out);
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).compression_level(Some(6));
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ] {
        zip.start_file(name, opts)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.start_file(SHEET_PART, opts.large_file(true))?;
    zip.write_all(SHEET_START.as_bytes())?;
    rows(&mut zip)?;
    zip.write_all(SHEET_END.as_bytes())?;
    zip.finish()
}

/// A workbook in memory.
pub fn workbook_bytes(rows: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Vec<u8> {
    match workbook(io::Cursor::new(Vec::new()), rows) {
        Ok(c) => c.into_inner(),
        Err(e) => panic!("crafting a workbook: {e}"),
    }
}

/// An inline-string cell.
pub fn text_cell(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The issue's file: a value in `A1` and one in `last` (e.g. `XFD1048576`), nothing between.
pub fn two_cells(last: &str) -> Vec<u8> {
    let row: String = last.chars().skip_while(char::is_ascii_alphabetic).collect();
    workbook_bytes(|w| {
        write!(w, r#"<row r="1">{}</row><row r="{row}"><c r="{last}"><v>1</v></c></row>"#, text_cell("A1", "id"))
    })
}

/// A registry header in row 1 and a value in `last`.
pub fn registry_header_and(last: &str) -> Vec<u8> {
    let row: String = last.chars().skip_while(char::is_ascii_alphabetic).collect();
    workbook_bytes(|w| {
        write!(w, r#"<row r="1">"#)?;
        for (i, name) in COLUMNS.iter().enumerate() {
            w.write_all(text_cell(&format!("{}1", (b'A' + i as u8) as char), name).as_bytes())?;
        }
        write!(w, r#"</row><row r="{row}"><c r="{last}"><v>1</v></c></row>"#)
    })
}

/// A sheet of `mib` MiB of spaces between two rows: packs about a thousand to one.
pub fn whitespace<W: Write + Seek>(out: W, mib: usize) -> zip::result::ZipResult<W> {
    workbook(out, |w| {
        w.write_all(text_cell("A1", "id").as_bytes())?;
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..mib {
            w.write_all(&chunk)?;
        }
        Ok(())
    })
}

/// A workbook whose sheet unpacks to `mib` MiB of spaces but whose zip headers declare it
/// holds 1,000 bytes.
pub fn lying_size(mib: usize) -> Vec<u8> {
    let mut bytes = match whitespace(io::Cursor::new(Vec::new()), mib) {
        Ok(c) => c.into_inner(),
        Err(e) => panic!("crafting a workbook: {e}"),
    };
    set_declared_size(&mut bytes, SHEET_PART, 1000);
    bytes
}

/// Rewrites the unpacked size an entry declares, in its local and central headers (and their
/// zip64 fields).
pub fn set_declared_size(zip: &mut [u8], entry: &str, size: u32) {
    let name = entry.as_bytes();
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as usize;
    let mut i = 0;
    while i + 46 <= zip.len() {
        let (sig, size_at, name_at, name_len, extra_len) = match &zip[i..i + 4] {
            b"PK\x03\x04" => (true, 22, 30, u16_at(zip, i + 26), u16_at(zip, i + 28)),
            b"PK\x01\x02" => (true, 24, 46, u16_at(zip, i + 28), u16_at(zip, i + 30)),
            _ => (false, 0, 0, 0, 0),
        };
        if sig && zip.get(i + name_at..i + name_at + name_len) == Some(name) {
            let declared = u32::from_le_bytes([
                zip[i + size_at],
                zip[i + size_at + 1],
                zip[i + size_at + 2],
                zip[i + size_at + 3],
            ]);
            if declared == u32::MAX {
                // Zip64: the size is the first field of the extra block 0x0001.
                let mut e = i + name_at + name_len;
                let end = e + extra_len;
                while e + 4 <= end {
                    let (id, len) = (u16_at(zip, e), u16_at(zip, e + 2));
                    if id == 1 {
                        zip[e + 4..e + 12].copy_from_slice(&u64::from(size).to_le_bytes());
                        break;
                    }
                    e += 4 + len;
                }
            } else {
                zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            }
        }
        i += 1;
    }
}
