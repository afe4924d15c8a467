//! REFI-QDA exchange: round trips, schema validation of what is written (xmllint against the
//! vendored XSDs), a real NVivo export, CR LF counting, hostile archives.

use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::process::Command;

use proptest::prelude::*;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;
use crate::limits::LimitExceeded;

const ALICE: &str = "6f1c2a6e-0b7e-4c1e-9a53-1d1f0e3c9a01";
const BUDI: &str = "6f1c2a6e-0b7e-4c1e-9a53-1d1f0e3c9a02";
const CODE_AIR: &str = "A1B2C3D4-0000-4000-8000-000000000001";
const CODE_SUMUR: &str = "a1b2c3d4-0000-4000-8000-000000000002";
const CODE_FOLDER: &str = "a1b2c3d4-0000-4000-8000-000000000003";
const CODE_RASA: &str = "a1b2c3d4-0000-4000-8000-000000000004";
const SOURCE: &str = "b0000000-0000-4000-8000-000000000001";
const SOURCE_2: &str = "b0000000-0000-4000-8000-000000000002";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi")
}

fn guid(n: u32) -> String {
    format!("c0000000-0000-4000-8000-{n:012x}")
}

/// The code points `start..end` of `text`.
fn quote(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

/// Positions in code points of `needle` in `text`.
fn find(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let start = text[..byte].chars().count();
    (start, start + needle.chars().count())
}

fn selection(guid_n: u32, text: &str, needle: &str, codings: Vec<QdaCoding>) -> QdaSelection {
    let (start, end) = find(text, needle);
    QdaSelection {
        guid: guid(guid_n),
        name: String::new(),
        start,
        end,
        creating_user: Some(ALICE.into()),
        codings,
        note_refs: Vec::new(),
    }
}

fn coding(guid_n: u32, code: &str, user: Option<&str>) -> QdaCoding {
    QdaCoding { guid: guid(guid_n), code_guid: code.into(), creating_user: user.map(str::to_string) }
}

fn code(guid: &str, name: &str, children: Vec<QdaCode>) -> QdaCode {
    QdaCode { guid: guid.into(), name: name.into(), color: None, description: None, codable: true, children }
}

/// Indonesian interview text with emoji (beyond U+FFFF) and combining marks.
const INTERVIEW: &str = "Pewawancara: Bagaimana air bersih di desa ini?\n\
Ibu Sari: Dulu kami ambil air dari sumur 🪣, sekarang ada PAM 💧.\n\
Ibu Sari: Rasanya agak \u{61}\u{301}neh, tapi \"lebih baik\" & <aman>.\n\
Pak Budi: Ya… kalau kemarau, sumur kering 😩😩.";

fn full_project() -> QdaProject {
    let mut air = code(CODE_AIR, "Air bersih", vec![]);
    air.color = Some("#1E88E5".into());
    air.description = Some("Akses ke air minum\nbaris kedua & <tanda>".into());
    let mut sumur = code(CODE_SUMUR, "Sumur", vec![]);
    sumur.color = Some("#abcdef".into());
    let rasa = code(CODE_RASA, "Rasa \"aneh\"", vec![]);
    let mut folder = code(CODE_FOLDER, "Sumber air", vec![air, sumur]);
    folder.codable = false;
    folder.children[0].children.push(rasa);

    let text = INTERVIEW.to_string();
    let mut sel_sumur = selection(
        10,
        &text,
        "Dulu kami ambil air dari sumur 🪣",
        vec![coding(11, CODE_SUMUR, Some(ALICE)), coding(12, CODE_AIR, Some(BUDI))],
    );
    sel_sumur.note_refs.push(guid(90));
    let sel_rasa = selection(20, &text, "Rasanya agak \u{61}\u{301}neh", vec![coding(21, CODE_RASA, None)]);
    let sel_kering = selection(30, &text, "sumur kering 😩😩", vec![coding(31, CODE_SUMUR, Some(BUDI))]);
    let mut empty = selection(40, &text, "Pewawancara", vec![]);
    empty.name = "kosong".into();
    empty.creating_user = None;

    QdaProject {
        name: "Air bersih — Desa Sukamaju".into(),
        origin: Some("Berdaya".into()),
        description: Some("Proyek uji: wawancara tentang air.\nDua baris.".into()),
        users: vec![
            QdaUser { guid: ALICE.into(), name: "Alice".into() },
            QdaUser { guid: BUDI.into(), name: "Budi Ś".into() },
        ],
        codes: vec![folder],
        sets: vec![
            QdaSet {
                guid: guid(80),
                name: "Tema air".into(),
                description: Some("Kode tentang air".into()),
                member_codes: vec![CODE_AIR.into(), CODE_SUMUR.into()],
            },
            QdaSet { guid: guid(81), name: "Kosong".into(), description: None, member_codes: vec![] },
        ],
        sources: vec![
            QdaTextSource {
                guid: SOURCE.into(),
                name: "Wawancara Ibu Sari.txt".into(),
                text,
                original: None,
                created_by: Some(ALICE.into()),
                selections: vec![sel_sumur, sel_rasa, sel_kering, empty],
            },
            QdaTextSource {
                guid: SOURCE_2.into(),
                name: "Catatan lapangan".into(),
                text: String::new(),
                original: None,
                created_by: None,
                selections: vec![],
            },
        ],
        notes: vec![
            QdaNote {
                guid: guid(90),
                name: "Memo sumur".into(),
                text: "Sumur dipakai saat PAM mati.\nCek lagi 🙂".into(),
                creating_user: Some(ALICE.into()),
                targets: vec![guid(10), guid(31)],
            },
            QdaNote { guid: guid(91), name: String::new(), text: String::new(), creating_user: None, targets: vec![] },
        ],
        skipped: vec![],
    }
}

fn write_bytes(p: &QdaProject) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    write_qdpx(p, &mut out).unwrap_or_else(|e| panic!("writing: {e}"));
    out.into_inner()
}

fn read_bytes(bytes: &[u8], opts: ReadOptions) -> Result<QdaProject, QdpxError> {
    read_qdpx(Cursor::new(bytes), opts)
}

fn entry(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
    s
}

/// Validates `xml` against a vendored schema with xmllint. Skipped with a notice only when
/// xmllint is absent and BERDAYA_REQUIRE_BROWSER is not "1".
fn xmllint(schema: &str, xml: &str) {
    if Command::new("xmllint").arg("--version").output().is_err() {
        if std::env::var("BERDAYA_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("xmllint is required (BERDAYA_REQUIRE_BROWSER=1): run scripts/install-browser");
        }
        eprintln!("notice: xmllint is not installed, schema validation skipped (scripts/install-browser installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(fixtures().join(schema))
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{schema} rejects the document:\n{}\n{xml}", String::from_utf8_lossy(&out.stderr));
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A project.qde with one inline source and the given selections (XML).
fn qde(text: &str, selections: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="uji">
  <CodeBook><Codes><Code guid="{CODE_AIR}" name="Air" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE}" name="s"><PlainTextContent>{text}</PlainTextContent>{selections}</TextSource>
  </Sources>
</Project>"#
    )
}

// Round trips -------------------------------------------------------------------------------

#[test]
fn qdpx_round_trip_keeps_everything() {
    let p = full_project();
    validate(&p).unwrap();
    let bytes = write_bytes(&p);
    let back = read_bytes(&bytes, ReadOptions::default()).unwrap();
    assert_eq!(back, p);
    // The positions count code points: the quotes survive emoji and combining marks.
    let s = &back.sources[0];
    assert_eq!(quote(&s.text, s.selections[0].start, s.selections[0].end), "Dulu kami ambil air dari sumur 🪣");
    assert_eq!(quote(&s.text, s.selections[1].start, s.selections[1].end), "Rasanya agak \u{61}\u{301}neh");
    assert_eq!(quote(&s.text, s.selections[2].start, s.selections[2].end), "sumur kering 😩😩");
    // Either counting reads the file Berdaya wrote the same way (it has no CR and no
    // character needs counting twice… except with UTF-16 units).
    let one = read_bytes(&bytes, ReadOptions { crlf_counts_two: false, utf16_units: false }).unwrap();
    assert_eq!(one, p);

    let qde = entry(&bytes, "project.qde");
    assert!(qde.contains("xmlns=\"urn:QDA-XML:project:1.0\""));
    assert!(qde.contains(&format!("plainTextPath=\"internal://{SOURCE}.txt\"")));
    assert_eq!(entry(&bytes, &format!("sources/{SOURCE}.txt")), INTERVIEW);
    xmllint("Project.xsd", &qde);
    // A reference matches whatever the case of the GUID it points to.
    assert!(qde.contains(&format!("targetGUID=\"{CODE_AIR}\"")));
}

#[test]
fn qdpx_without_sets_notes_users_or_codes_validates() {
    let mut p = full_project();
    p.sets.clear();
    p.notes.clear();
    for s in &mut p.sources {
        for sel in &mut s.selections {
            sel.note_refs.clear();
        }
    }
    let bytes = write_bytes(&p);
    let qde = entry(&bytes, "project.qde");
    assert!(!qde.contains("<Sets") && !qde.contains("<Notes"), "{qde}");
    xmllint("Project.xsd", &qde);
    assert_eq!(read_bytes(&bytes, ReadOptions::default()).unwrap(), p);

    // Nothing at all but a name: no empty <Users/>, <CodeBook/>, <Sources/>.
    let bare = QdaProject { name: "kosong".into(), ..QdaProject::default() };
    let bytes = write_bytes(&bare);
    let qde = entry(&bytes, "project.qde");
    assert!(!qde.contains("<Users") && !qde.contains("<CodeBook") && !qde.contains("<Sources"), "{qde}");
    xmllint("Project.xsd", &qde);
    assert_eq!(read_bytes(&bytes, ReadOptions::default()).unwrap(), bare);

    // A source without selections, codes without children or description.
    let mut plain = full_project();
    plain.notes.clear();
    plain.sets.clear();
    plain.sources[0].selections.clear();
    plain.codes = vec![code(CODE_AIR, "Air", vec![])];
    plain.description = None;
    let bytes = write_bytes(&plain);
    xmllint("Project.xsd", &entry(&bytes, "project.qde"));
    assert_eq!(read_bytes(&bytes, ReadOptions::default()).unwrap(), plain);
}

#[test]
fn qdpx_codebook_round_trip_validates() {
    let p = full_project();
    let qdc = write_qdc(&p);
    assert!(qdc.contains("xmlns=\"urn:QDA-XML:codebook:1.0\""));
    xmllint("Codebook.xsd", &qdc);
    let book = read_qdc(qdc.as_bytes()).unwrap();
    assert_eq!(book.origin.as_deref(), Some("Berdaya"));
    assert_eq!(book.codes, p.codes);
    assert_eq!(book.sets, p.sets);
    assert!(book.skipped.is_empty(), "{:?}", book.skipped);

    let mut no_sets = p.clone();
    no_sets.sets.clear();
    let qdc = write_qdc(&no_sets);
    assert!(!qdc.contains("<Sets"), "{qdc}");
    xmllint("Codebook.xsd", &qdc);
    assert_eq!(read_qdc(qdc.as_bytes()).unwrap().codes, p.codes);

    // A project file is no codebook, and the other way round.
    let e = read_qdc(entry(&write_bytes(&p), "project.qde").as_bytes()).unwrap_err();
    assert!(matches!(e, QdpxError::WrongRoot { .. }), "{e}");
    let e = read_qdpx(Cursor::new(qdc.into_bytes()), ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("not a REFI-QDA project"), "{e}");
}

// A real export -----------------------------------------------------------------------------

fn nvivo() -> Vec<u8> {
    std::fs::read(fixtures().join("nvivo12-excerpt.qdpx")).unwrap()
}

/// The selection `guid`'s quote and its codes' names.
fn coded(p: &QdaProject, guid: &str) -> (String, Vec<String>) {
    fn name_of(codes: &[QdaCode], guid: &str) -> Option<String> {
        codes.iter().find_map(|c| if c.guid == guid { Some(c.name.clone()) } else { name_of(&c.children, guid) })
    }
    for s in &p.sources {
        if let Some(sel) = s.selections.iter().find(|x| x.guid == guid) {
            let names = sel.codings.iter().map(|c| name_of(&p.codes, &c.code_guid).unwrap()).collect();
            return (quote(&s.text, sel.start, sel.end), names);
        }
    }
    panic!("no selection {guid}");
}

#[test]
fn qdpx_real_nvivo_export_lands_on_the_coded_text() {
    let bytes = nvivo();
    let origin = read_origin(Cursor::new(&bytes)).unwrap().unwrap();
    assert_eq!(origin, "NVivo for Windows 12.6");
    let opts = ReadOptions::for_origin(&origin);
    assert_eq!(opts, ReadOptions { crlf_counts_two: true, utf16_units: true });
    let p = read_bytes(&bytes, opts).unwrap();

    assert_eq!(p.users.len(), 2);
    assert_eq!(p.users[0].name, "Gergo");
    let top: Vec<&str> = p.codes.iter().take(2).map(|c| c.name.as_str()).collect();
    assert_eq!(top, ["1. Oltás típusa", "2. Attitűd szint az oltáshoz"]);
    assert_eq!(p.codes[0].children.len(), 2);
    assert_eq!(p.codes[0].description.as_deref(), Some("COVID vay nem COVID"));
    assert_eq!(p.sources.len(), 1);
    let s = &p.sources[0];
    assert_eq!(s.name, "videos_10_selected");
    assert_eq!(s.selections.len(), 28);
    assert!(!s.text.contains('\r') && !s.text.starts_with('\u{FEFF}'));
    assert!(s.original.as_deref().is_some_and(|o| o.contains("\r\n")));

    assert_eq!(
        coded(&p, "df108b8a-c89b-4119-9edd-ae1dc07b0240"),
        (
            "köszönjük 3 tanárt vesztünk el december 15 től igy érdekes lesz éretségizni jövőre".into(),
            vec!["személyes történet".into()]
        )
    );
    assert_eq!(
        coded(&p, "63f8f5d3-a7fb-41af-89dd-ae1dc0f6d6d5"),
        ("Mi az a fityesznek? Akkor írják át amikor akarják 🤣🤣🤣".into(), vec!["+Government".into()])
    );
    assert_eq!(
        coded(&p, "00f0cbf5-ea21-46d7-a0dd-ae1dc300b366"),
        ("Nem tehetik kötelezővé! 😡😡".into(), vec!["Resisting coercion".into()])
    );
    // After five emoji, NVivo's UTF-16 positions are five ahead of the code points.
    let bizalom = "Csak annak a statisztikának hiszek amit én hamisítok!";
    assert_eq!(coded(&p, "a13368d1-9c65-43c4-a5dd-ae1dc09d4cbb"), (bizalom.into(), vec!["bizalmatlanság".into()]));
    let (first, _) = coded(&p, "0ec440ef-ff02-4617-b9dd-ae1dc0faf5ff");
    assert!(first.starts_with("Na mi van? Nem mertétek kötelezővé tenni?"), "{first}");
    // NVivo selected whole comments: each selection is a whole line.
    let chars: Vec<char> = s.text.chars().collect();
    for sel in &s.selections {
        assert!(sel.start > 0 && chars[sel.start - 1] == '\n' && chars[sel.end] == '\n', "{sel:?}");
    }

    // Counted as code points, the last selection ends past the text (the excerpt was cut at
    // a line end NVivo counts in UTF-16 units).
    let e = read_bytes(&bytes, ReadOptions::default()).unwrap_err();
    assert!(
        matches!(&e, QdpxError::SelectionOutOfRange { guid, end: 3998, len: 3995, .. } if guid == "a13368d1-9c65-43c4-a5dd-ae1dc09d4cbb"),
        "{e}"
    );

    // What was imported exports valid and reads back the same.
    let out = write_bytes(&p);
    xmllint("Project.xsd", &entry(&out, "project.qde"));
    xmllint("Codebook.xsd", &write_qdc(&p));
    let mut again = read_bytes(&out, ReadOptions::default()).unwrap();
    again.skipped = p.skipped.clone();
    let mut expected = p.clone();
    expected.sources[0].original = None;
    assert_eq!(again, expected);
}

// Line breaks -------------------------------------------------------------------------------

#[test]
fn qdpx_crlf_source_reads_either_way() {
    let text = "Baris satu\r\nIbu Sari: air 💧 kotor\r\nBaris tiga\r\n";
    let normalised = "Baris satu\nIbu Sari: air 💧 kotor\nBaris tiga\n";
    let target = "Ibu Sari: air 💧 kotor";
    // Code points of the file, CR and LF one each: the target starts at 12.
    let two = format!(
        r#"<PlainTextSelection guid="{}" startPosition="12" endPosition="33"><Coding guid="{}"><CodeRef targetGUID="{CODE_AIR}"/></Coding></PlainTextSelection>"#,
        guid(1),
        guid(2)
    );
    // CR LF as one position: it starts at 11.
    let one = two.replace("\"12\"", "\"11\"").replace("\"33\"", "\"32\"");
    let qde_two = qde_with_file(&two);
    let qde_one = qde_with_file(&one);
    let file = format!("\u{FEFF}{text}");
    let name = format!("sources/{SOURCE}.txt");
    let archive_two = zip_of(&[("project.qde", qde_two.as_bytes()), (&name, file.as_bytes())]);
    let archive_one = zip_of(&[("project.qde", qde_one.as_bytes()), (&name, file.as_bytes())]);

    for (bytes, opts) in [
        (&archive_two, ReadOptions { crlf_counts_two: true, utf16_units: false }),
        (&archive_one, ReadOptions { crlf_counts_two: false, utf16_units: false }),
    ] {
        let p = read_bytes(bytes, opts).unwrap();
        let s = &p.sources[0];
        assert_eq!(s.text, normalised);
        assert_eq!(s.original.as_deref(), Some(text));
        let sel = &s.selections[0];
        assert_eq!(quote(&s.text, sel.start, sel.end), target, "{opts:?}");
        assert_eq!((sel.start, sel.end), (11, 32));
    }
    // Read with the other counting, the same file lands one character off.
    let p = read_bytes(&archive_two, ReadOptions { crlf_counts_two: false, utf16_units: false }).unwrap();
    let sel = &p.sources[0].selections[0];
    assert_ne!(quote(&p.sources[0].text, sel.start, sel.end), target);

    // UTF-16 text files with a BOM are read as well.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let archive = zip_of(&[("project.qde", qde_two.as_bytes()), (&name, &utf16)]);
    let p = read_bytes(&archive, ReadOptions::default()).unwrap();
    assert_eq!(p.sources[0].text, normalised);
}

fn qde_with_file(selections: &str) -> String {
    qde("", selections)
        .replace("<PlainTextContent></PlainTextContent>", "")
        .replace(r#"name="s">"#, &format!(r#"name="s" plainTextPath="internal://{SOURCE}.txt">"#))
}

// Other shapes of input ---------------------------------------------------------------------

#[test]
fn qdpx_bare_project_qde_and_other_paths() {
    // A bare project.qde, text inline, with a BOM and entities.
    let sel = format!(
        r#"<PlainTextSelection guid="{}" startPosition="0" endPosition="9"><Coding guid="{}"><CodeRef targetGUID="{}"/></Coding></PlainTextSelection>"#,
        guid(1),
        guid(2),
        CODE_AIR.to_lowercase()
    );
    let doc = format!("\u{FEFF}{}", qde("Air &amp; &#x1F4A7; bersih", &sel));
    let p = read_qdpx(Cursor::new(doc.into_bytes()), ReadOptions::default()).unwrap();
    let s = &p.sources[0];
    assert_eq!(s.text, "Air & 💧 bersih");
    assert_eq!(quote(&s.text, s.selections[0].start, s.selections[0].end), "Air & 💧 b");
    // The reference is rewritten to the code's spelling of the GUID.
    assert_eq!(s.selections[0].codings[0].code_guid, CODE_AIR);

    // A bare project.qde cannot hold a file.
    let e = read_qdpx(Cursor::new(qde_with_file("").into_bytes()), ReadOptions::default()).unwrap_err();
    assert!(matches!(e, QdpxError::MissingSourceFile { .. }), "{e}");

    // A file:// path is looked up by its name in sources/; a project file named after the
    // project (as ATLAS.ti does) is found.
    let doc = qde_with_file("").replace(&format!("internal://{SOURCE}.txt"), "file:///C:/Users/sari/Wawancara%201.txt");
    let archive = zip_of(&[("Desa.qde", doc.as_bytes()), ("Sources/Wawancara 1.txt", "halo".as_bytes())]);
    let p = read_bytes(&archive, ReadOptions::default()).unwrap();
    assert_eq!(p.sources[0].text, "halo");
    assert!(p.skipped[0].contains("Desa.qde"), "{:?}", p.skipped);
    let archive = zip_of(&[("project.qde", doc.as_bytes())]);
    let e = read_bytes(&archive, ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("Wawancara%201.txt") && e.to_string().contains("not in the archive"), "{e}");
}

#[test]
fn qdpx_non_text_sources_are_skipped_with_a_warning() {
    let doc = qde("teks", "").replace(
        "</Sources>",
        &format!(
            r#"<PDFSource guid="{}" name="laporan.pdf" path="internal://x.pdf"><Representation guid="{}"><PlainTextContent>x</PlainTextContent></Representation></PDFSource>
            <PictureSource guid="{}" name="foto.jpg"/></Sources><Cases><Case guid="{}"/></Cases>"#,
            guid(5),
            guid(6),
            guid(7),
            guid(8)
        ),
    );
    let p = read_qdpx(Cursor::new(doc.into_bytes()), ReadOptions::default()).unwrap();
    assert_eq!(p.sources.len(), 1);
    assert!(p.skipped.iter().any(|s| s.contains("PDFSource") && s.contains("laporan.pdf")), "{:?}", p.skipped);
    assert!(p.skipped.iter().any(|s| s.contains("PictureSource") && s.contains("foto.jpg")), "{:?}", p.skipped);
    assert!(p.skipped.iter().any(|s| s.contains("Cases")), "{:?}", p.skipped);
}

// Invalid and hostile input -----------------------------------------------------------------

fn read_err(doc: &str) -> QdpxError {
    read_qdpx(Cursor::new(doc.as_bytes().to_vec()), ReadOptions::default()).unwrap_err()
}

#[test]
fn qdpx_invalid_projects_get_errors_naming_the_element_and_rule() {
    let sel = |start: &str, end: &str, code: &str| {
        format!(
            r#"<PlainTextSelection guid="{}" startPosition="{start}" endPosition="{end}"><Coding guid="{}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>"#,
            guid(1),
            guid(2)
        )
    };
    let e = read_err(&qde("lima.", &sel("0", "6", CODE_AIR)));
    assert!(matches!(e, QdpxError::SelectionOutOfRange { end: 6, len: 5, .. }), "{e}");
    assert!(e.to_string().contains(&guid(1)) && e.to_string().contains("outside the text"), "{e}");
    assert!(e.indonesian().contains("di luar teks"), "{}", e.indonesian());

    let e = read_err(&qde("lima.", &sel("3", "2", CODE_AIR)));
    assert!(matches!(e, QdpxError::SelectionReversed { .. }), "{e}");
    let e = read_err(&qde("lima.", &sel("-1", "2", CODE_AIR)));
    assert!(matches!(e, QdpxError::BadValue { attribute: "startPosition", .. }), "{e}");

    let missing = "d0000000-0000-4000-8000-00000000dead";
    let e = read_err(&qde("lima.", &sel("0", "2", missing)));
    assert!(matches!(e, QdpxError::MissingTarget { kind: TargetKind::Code, .. }), "{e}");
    assert_eq!(e.to_string(), format!("Coding `{}`: CodeRef `{missing}` is no code of the project", guid(2)));
    assert_eq!(e.indonesian(), format!("Coding `{}`: CodeRef `{missing}` bukan kode dalam proyek ini", guid(2)));

    let e = read_err(&qde("lima.", &sel("0", "2", CODE_AIR)).replace(&guid(2), &guid(1)));
    assert!(matches!(e, QdpxError::DuplicateGuid { .. }), "{e}");
    assert!(e.to_string().contains("unique"), "{e}");
    // GUIDs differing only in case or braces are the same GUID.
    let e = read_err(
        &qde("lima.", &sel("0", "2", CODE_AIR)).replace(&guid(2), &format!("{{{}}}", CODE_AIR.to_lowercase())),
    );
    assert!(matches!(e, QdpxError::DuplicateGuid { .. }), "{e}");

    let e = read_err(&qde("lima.", &sel("0", "2", CODE_AIR)).replace(&guid(1), "sel-1"));
    assert!(matches!(e, QdpxError::BadValue { expected: Expected::Guid, .. }), "{e}");
    assert!(e.to_string().contains("8-4-4-4-12"), "{e}");

    let e = read_err("<Proyek/>");
    assert!(matches!(e, QdpxError::WrongRoot { .. }), "{e}");
    let e = read_err("<Project name='x'><Users>");
    assert!(matches!(e, QdpxError::Xml { .. }), "{e}");
    let e = read_bytes(&zip_of(&[("a.txt", b"x")]), ReadOptions::default()).unwrap_err();
    assert!(matches!(e, QdpxError::NoProject), "{e}");
}

#[test]
fn qdpx_writer_refuses_what_it_cannot_write_validly() {
    let mut p = full_project();
    p.sources[0].selections[0].codings[0].code_guid = "d0000000-0000-4000-8000-00000000dead".into();
    let e = write_qdpx(&p, Cursor::new(Vec::new())).unwrap_err();
    assert!(matches!(e, QdpxError::MissingTarget { .. }), "{e}");

    let mut p = full_project();
    p.sources[0].text.push_str("\r\n");
    assert!(matches!(validate(&p), Err(QdpxError::NotNormalised { .. })));

    let mut p = full_project();
    p.sources[0].selections[0].end = 10_000;
    assert!(matches!(validate(&p), Err(QdpxError::SelectionOutOfRange { .. })));

    let mut p = full_project();
    p.users[1].guid = ALICE.to_uppercase();
    assert!(matches!(validate(&p), Err(QdpxError::DuplicateGuid { .. })));

    let mut p = full_project();
    p.codes[0].color = Some("biru".into());
    assert!(matches!(validate(&p), Err(QdpxError::BadValue { expected: Expected::Color, .. })));

    let mut p = full_project();
    p.notes[0].targets.push(SOURCE.into());
    assert!(matches!(validate(&p), Err(QdpxError::MissingTarget { kind: TargetKind::SelectionOrCoding, .. })));

    // Characters XML cannot hold become U+FFFD instead of a broken document.
    let mut p = full_project();
    p.codes[0].name = "a\u{0C}b".into();
    let bytes = write_bytes(&p);
    xmllint("Project.xsd", &entry(&bytes, "project.qde"));
    assert_eq!(read_bytes(&bytes, ReadOptions::default()).unwrap().codes[0].name, "a\u{FFFD}b");
}

#[test]
fn qdpx_zip_bomb_is_refused_by_the_ratio_limit() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("project.qde", opts).unwrap();
    zip.write_all(b"<Project name=\"bom\">").unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..8 {
        zip.write_all(&spaces).unwrap();
    }
    zip.write_all(b"</Project>").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 64 << 10, "{}", bytes.len());
    let e = read_bytes(&bytes, ReadOptions::default()).unwrap_err();
    assert_eq!(e.limit(), Some(&LimitExceeded::Ratio { entry: "project.qde".into(), limit: 250 }));
    assert_eq!(e.to_string(), "`project.qde` is compressed more than the limit of 250:1 (a \"zip bomb\")");
    assert_eq!(e.indonesian(), "`project.qde` dimampatkan melebihi batas 250:1 (\"bom zip\")");

    // A source text: refused the same way when it is opened.
    let name = format!("sources/{SOURCE}.txt");
    let big = vec![b'a'; 4 << 20];
    let archive = zip_of(&[("project.qde", qde_with_file("").as_bytes()), (&name, &big)]);
    let e = read_bytes(&archive, ReadOptions::default()).unwrap_err();
    assert!(matches!(e.limit(), Some(LimitExceeded::Ratio { .. })), "{e}");
}

#[test]
fn qdpx_too_many_entries_are_refused_before_the_directory_is_read() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..=Limits::QDPX.max_zip_entries {
        zip.start_file(format!("sources/{i}.txt"), opts).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let e = read_bytes(&bytes, ReadOptions::default()).unwrap_err();
    assert_eq!(e.limit(), Some(&LimitExceeded::ZipEntries(10_000)));
    assert_eq!(e.to_string(), "the archive exceeds the limit of 10,000 entries");
    assert_eq!(e.indonesian(), "arsip melebihi batas 10.000 entri");
}

#[test]
fn qdpx_text_elements_and_depth_are_held_to_their_limits() {
    let small = Limits { max_table_bytes: 1 << 10, max_rows: 10, max_cell_bytes: 512, ..Limits::QDPX };
    let read =
        |doc: String, limits: Limits| read_with_limits(Cursor::new(doc.into_bytes()), ReadOptions::default(), limits);

    let e = read(qde(&"x".repeat(600), ""), small).unwrap_err();
    assert_eq!(e.limit(), Some(&LimitExceeded::CellBytes(512)));
    assert_eq!(e.to_string(), "the text of one source or note exceeds the limit of 512 bytes");

    let many: String = (0..4)
        .map(|i| {
            format!("<Note guid=\"{}\"><PlainTextContent>{}</PlainTextContent></Note>", guid(100 + i), "y".repeat(400))
        })
        .collect();
    let e = read(qde("x", "").replace("</Project>", &format!("<Notes>{many}</Notes></Project>")), small).unwrap_err();
    assert_eq!(e.limit(), Some(&LimitExceeded::TableBytes(1 << 10)));
    assert_eq!(e.indonesian(), "proyek memuat teks lebih dari batas 1 KiB");

    let users: String = (0..20).map(|i| format!("<User guid=\"{}\"/>", guid(200 + i))).collect();
    let e = read(format!("<Project name='x'><Users>{users}</Users></Project>"), small).unwrap_err();
    assert!(matches!(e, QdpxError::TooManyElements(10)), "{e}");

    let deep = format!("<Project name='x'>{}", "<a>".repeat(MAX_XML_DEPTH + 1));
    assert!(matches!(read(deep, Limits::QDPX), Err(QdpxError::TooDeep(_))));
    let codes: String = (0..=MAX_CODE_DEPTH as u32)
        .map(|i| format!("<Code guid=\"{}\" name=\"c\" isCodable=\"true\">", guid(300 + i)))
        .collect();
    let e = read(format!("<Project name='x'><CodeBook><Codes>{codes}"), Limits::QDPX).unwrap_err();
    assert!(matches!(e, QdpxError::TooDeep(64)), "{e}");

    // One XML event longer than the markup limit.
    let tight = Limits { max_markup_bytes: 1 << 16, ..Limits::QDPX };
    let e = read(qde(&"z".repeat(1 << 18), ""), tight).unwrap_err();
    assert_eq!(e.limit(), Some(&LimitExceeded::MarkupBytes(1 << 16)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn qdpx_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_qdpx(Cursor::new(bytes.clone()), ReadOptions::default());
        let _ = read_qdc(&bytes);
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend(&bytes);
        let _ = read_qdpx(Cursor::new(zipped), ReadOptions::default());
    }

    #[test]
    fn qdpx_mutated_projects_never_panic(cut in 0usize..4000, byte in any::<u8>()) {
        let mut doc = qde("Baris\r\nsatu 💧", &format!(r#"<PlainTextSelection guid="{}" startPosition="2" endPosition="9"/>"#, guid(1))).into_bytes();
        let at = cut % doc.len();
        doc[at] = byte;
        for opts in [ReadOptions::default(), ReadOptions { crlf_counts_two: false, utf16_units: true }] {
            if let Ok(p) = read_qdpx(Cursor::new(doc.clone()), opts) {
                validate(&p).unwrap();
            }
        }
    }
}
