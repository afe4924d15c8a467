//! Qualitative evaluation through its HTML routes: every route that takes a record id, and
//! every id a form carries, answers a record of a study out of the caller's area exactly as a
//! missing one; roles that may not read or keep studies are refused; informants' real names
//! stay out of every page and export (shown to the study's author on request, audited);
//! redactions reach the shared text and the exports with the codings moved along; a project
//! export is valid REFI-QDA with stable GUIDs; a real NVivo project imports and exports again
//! whole; and bad input is refused in Indonesian, never with a 500.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::path::{Path, PathBuf};

use berdaya_domain::access::Role;
use berdaya_domain::qual::display::slice;
use berdaya_files::limits::Limits;
use berdaya_files::qdpx::{QdaCode, QdaProject, ReadOptions, read_origin, read_qdpx};
use berdaya_files::xlsx::{Cell, Workbook};
use berdaya_store::PageRequest;
use berdaya_store::access::AuditFilter;
use berdaya_web::i18n::Lang;

use crate::access::{World, world};
use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, create_user, csrf_in, login};

const MISSING: i64 = 987_654;
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../files/tests/fixtures/refi");
/// The qual module's source, whose routers declare its routes.
const QUAL_SOURCES: [&str; 7] = [
    include_str!("../../../web/src/qual/mod.rs"),
    include_str!("../../../web/src/qual/studies.rs"),
    include_str!("../../../web/src/qual/coding.rs"),
    include_str!("../../../web/src/qual/display.rs"),
    include_str!("../../../web/src/qual/conclusions.rs"),
    include_str!("../../../web/src/qual/agreement.rs"),
    include_str!("../../../web/src/qual/exchange.rs"),
];

/// Every route of the qual module that takes a record id, each probed here with the id of a
/// record out of the caller's scope and with a missing one.
pub const PROBED_HERE: [(&str, &str); 38] = [
    ("get", "/qual/studies/{id}"),
    ("post", "/qual/studies/{id}"),
    ("post", "/qual/studies/{id}/informants"),
    ("get", "/qual/informants/{id}"),
    ("post", "/qual/informants/{id}"),
    ("get", "/qual/studies/{id}/sources/new"),
    ("post", "/qual/studies/{id}/sources"),
    ("post", "/qual/studies/{id}/sources/upload"),
    ("post", "/qual/studies/{id}/codes"),
    ("get", "/qual/codes/{id}"),
    ("post", "/qual/codes/{id}"),
    ("post", "/qual/studies/{id}/codebook/copy"),
    ("post", "/qual/studies/{id}/phase"),
    ("get", "/qual/sources/{id}"),
    ("post", "/qual/sources/{id}/codings"),
    ("get", "/qual/codings/{id}/delete"),
    ("post", "/qual/codings/{id}/delete"),
    ("post", "/qual/sources/{id}/text"),
    ("post", "/qual/sources/{id}/redactions"),
    ("post", "/qual/sources/{id}/informants"),
    ("get", "/qual/sources/{id}/shared.txt"),
    ("get", "/qual/studies/{id}/search"),
    ("post", "/qual/studies/{id}/search"),
    ("get", "/qual/studies/{id}/matrix"),
    ("get", "/qual/studies/{id}/matrix.xlsx"),
    ("get", "/qual/studies/{id}/cell"),
    ("get", "/qual/studies/{id}/conclusions"),
    ("post", "/qual/studies/{id}/conclusions"),
    ("get", "/qual/conclusions/{id}"),
    ("post", "/qual/conclusions/{id}"),
    ("post", "/qual/conclusions/{id}/evidence"),
    ("post", "/qual/conclusions/{id}/evidence/remove"),
    ("post", "/qual/conclusions/{id}/finding"),
    ("get", "/qual/studies/{id}/agreement"),
    ("post", "/qual/studies/{id}/agreement"),
    ("get", "/qual/studies/{id}/project.qdpx"),
    ("get", "/qual/studies/{id}/codebook.qdc"),
    ("get", "/qual/studies/{id}/codings.xlsx"),
];

/// The `(method, path)` of every route the qual module's routers declare, read from its
/// source so that a route added later without a probe fails the test.
fn declared_routes() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for src in QUAL_SOURCES {
        let mut rest = src;
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            // The call's arguments, up to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let call = &rest[..end];
            let Some(open) = call.find('"') else { continue };
            let close = open + 1 + call[open + 1..].find('"').expect("the path's closing quote");
            let path = call[open + 1..close].to_string();
            let handlers = &call[close..];
            for method in ["get", "post", "put", "patch", "delete"] {
                let called = [" ", "(", ".", "\n"].iter().any(|p| handlers.contains(&format!("{p}{method}(")));
                if called {
                    out.insert((method.to_string(), path.clone()));
                }
            }
            rest = &rest[end..];
        }
    }
    out
}

/// A signed-in browser: its client (session cookie and CSRF header) and the session's token
/// for the forms' `_csrf` field.
#[derive(Clone)]
struct Who {
    http: reqwest::Client,
    csrf: String,
}

/// What a request answered.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
    location: Option<String>,
}

async fn who(app: &TestApp, name: &str) -> Who {
    let http = login(&app.address, name, PASSWORD).await.unwrap_or_else(|_| panic!("{name} signs in"));
    who_of(app, http).await
}

async fn who_of(app: &TestApp, http: reqwest::Client) -> Who {
    let home = http.get(app.url("/")).send().await.expect("home").text().await.expect("html");
    let csrf = csrf_in(&home).expect("a signed-in page carries the CSRF token");
    Who { http, csrf }
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    Answer { status, location, body: res.text().await.unwrap_or_default() }
}

impl Who {
    async fn get(&self, app: &TestApp, path: &str) -> Answer {
        answer(self.http.get(app.url(path)).send().await.expect("request")).await
    }

    async fn bytes(&self, app: &TestApp, path: &str) -> Vec<u8> {
        let res = self.http.get(app.url(path)).send().await.expect("request");
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        res.bytes().await.expect("bytes").to_vec()
    }

    /// Posts a form with the session's `_csrf` field.
    async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        answer(self.http.post(app.url(path)).form(&form).send().await.expect("request")).await
    }

    /// Posts a multipart form with the session's `_csrf` field and, maybe, a `file`.
    async fn upload(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        let mut form = reqwest::multipart::Form::new().text("_csrf", self.csrf.clone());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some((name, bytes)) = file {
            form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        }
        answer(self.http.post(app.url(path)).multipart(form).send().await.expect("request")).await
    }

    /// Posts a form that must succeed (a redirect); answers where it leads.
    async fn made(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> String {
        let a = self.post(app, path, fields).await;
        assert_eq!(a.status, 303, "POST {path} {fields:?}: {}", alert(&a.body));
        a.location.expect("a redirect")
    }
}

/// The id in `location` right after `prefix` (`/qual/studies/` → `12`).
fn id_after(location: &str, prefix: &str) -> i64 {
    let at = location.find(prefix).unwrap_or_else(|| panic!("{location} lacks {prefix}")) + prefix.len();
    location[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("an id")
}

/// The messages of a page (alerts, field errors), for failure reports.
fn alert(html: &str) -> String {
    let mut out = Vec::new();
    for marker in ["class=\"alert\"", "class=\"error\"", "class=\"warning\""] {
        let mut rest = html;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at..];
            let start = rest.find('>').map_or(0, |n| n + 1);
            let end = rest[start..].find('<').map_or(rest.len(), |n| start + n);
            out.push(rest[start..end].to_string());
            rest = &rest[end..];
        }
    }
    if out.is_empty() { html.chars().take(400).collect() } else { out.join(" | ") }
}

/// Whether an HTML answer names `field`: its error beside the form field, or its Indonesian
/// label heading a message.
fn names_field(html: &str, field: &str) -> bool {
    let label = berdaya_web::messages::label(Lang::Id, field);
    html.contains(&format!("-{field}-error\""))
        || html.contains(&format!("<code>{field}</code>"))
        || html.contains(&format!("{label}: "))
}

/// A body with the parts that may differ between two requests for reasons other than the
/// record asked for (the printing time) taken out, and every value in `values` written
/// `@REF`: the very same rewriting applies to both answers compared.
fn normalised(html: &str, values: &[String]) -> String {
    let mut out = html.to_string();
    if let Some(at) = out.find("<div class=\"print-header\"")
        && let Some(end) = out[at..].find("</div>")
    {
        out.replace_range(at..at + end, "");
    }
    let mut values: Vec<&String> = values.iter().collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for v in values {
        out = out.replace(v.as_str(), "@REF");
    }
    out
}

/// Code points `start..end` of the first `needle` in `text`.
fn span(text: &str, needle: &str) -> (u32, u32) {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let start = text[..at].chars().count() as u32;
    (start, start + needle.chars().count() as u32)
}

/// The interview every study of these tests codes. The village head's title and village are
/// what a redaction hides; the dash and the accented letter make code points differ from bytes.
const TEXT: &str = "Pak Kepala Desa Pilang membuka rapat — semua hadir, termasuk Bu Ené.\r\n\
Kelompok tani di Pilang mendapat bantuan benih dari dinas.\r\n\
Menurut Kepala Desa Pilang, panen naik dua kali lipat setelah gotong royong.";
const PHRASE: &str = "Kepala Desa Pilang";
/// The coded spans: `(text, code, memo)`; codes by their index in [`CODES`].
const CODED: [(&str, usize, Option<&str>); 3] = [
    ("Pak Kepala Desa Pilang membuka rapat", 2, Some("Rapat dibuka oleh kepala desa")),
    ("Kelompok tani di Pilang mendapat bantuan benih", 3, None),
    ("panen naik dua kali lipat setelah gotong royong", 2, Some("Hasil panen")),
];
/// A code of [`CODES`].
type CodeRow = (&'static str, Option<usize>, Option<usize>, &'static str, &'static [usize]);
/// The codebook: `(name, first parent, second parent, role, dimension indexes of the Empat Bina
/// framework)`, parents by index.
const CODES: [CodeRow; 5] = [
    ("Faktor pendukung", None, None, "supporting", &[0]),
    ("Kelembagaan", None, None, "", &[3]),
    ("Gotong royong", Some(0), Some(1), "supporting", &[0, 1]),
    ("Bantuan benih", Some(0), None, "effort", &[2]),
    ("Hambatan", None, None, "inhibiting", &[1]),
];

/// A study made through the forms, with one of each of its records.
#[derive(Debug, Clone)]
struct Fx {
    study: i64,
    informant: i64,
    source: i64,
    /// Ids of [`CODES`], in order.
    codes: Vec<i64>,
    /// Ids of [`CODED`], in order.
    codings: Vec<i64>,
    conclusion: i64,
}

/// Makes a study as `by` through the forms: in `region`, reading through the Empat Bina
/// framework, concerning `program`, with an informant named `real_name`, the codebook
/// [`CODES`], the interview [`TEXT`] coded as [`CODED`] and a conclusion resting on it.
async fn make_study(
    app: &TestApp,
    by: &Who,
    title: &str,
    region: Option<&str>,
    program: Option<i64>,
    real_name: &str,
) -> Fx {
    let bina = app.store.framework_by_code("bina").await.expect("frameworks").expect("the Empat Bina framework");
    let program = program.map(|p| p.to_string()).unwrap_or_default();
    let to = by
        .made(
            app,
            "/qual",
            &[
                ("title", title),
                ("question", "Apa yang mendorong kemandirian kelompok?"),
                ("region", region.unwrap_or("")),
                ("framework_id", &bina.id.to_string()),
                ("planned_roles", "Ketua Kelompok Tani\nKepala Desa\nPenyuluh"),
                ("program_ids", &program),
            ],
        )
        .await;
    let study = id_after(&to, "/qual/studies/");
    let base = format!("/qual/studies/{study}");
    by.made(
        app,
        &format!("{base}/informants"),
        &[
            ("pseudonym", "Informan 1"),
            ("real_name", real_name),
            ("role", "Ketua Kelompok Tani"),
            ("sex", "female"),
            ("organisation", "Poktan Makmur"),
            ("consent_on", "2025-02-01"),
        ],
    )
    .await;
    let informant = app.store.informants(study).await.expect("informants")[0].id;
    // A second informant, on no source yet.
    by.made(app, &format!("{base}/informants"), &[("pseudonym", "Informan 2"), ("role", "Penyuluh"), ("sex", "male")])
        .await;
    let mut codes: Vec<i64> = Vec::new();
    for (name, p1, p2, role, dims) in CODES {
        let dims: Vec<String> = dims.iter().map(|&d| bina.dimensions[d].id.to_string()).collect();
        let p1 = p1.map(|i| codes[i].to_string()).unwrap_or_default();
        let p2 = p2.map(|i| codes[i].to_string()).unwrap_or_default();
        by.made(
            app,
            &format!("{base}/codes"),
            &[
                ("name", name),
                ("description", "Kode uji"),
                ("role", role),
                ("parent_ids", &p1),
                ("parent2_id", &p2),
                ("dimension_ids", &dims.join(",")),
            ],
        )
        .await;
        let made = app.store.codes(study).await.expect("codes");
        codes.push(made.iter().find(|c| c.name == name).expect("the code made").id);
    }
    let to = by
        .made(
            app,
            &format!("{base}/sources"),
            &[
                ("title", "Wawancara ketua poktan"),
                ("kind", "interview"),
                ("taken_on", "2025-03-01"),
                ("place", "Balai desa"),
                ("text", TEXT),
                ("informant_ids", &informant.to_string()),
            ],
        )
        .await;
    let source = id_after(&to, "/qual/sources/");
    let body = berdaya_domain::qual::normalise(TEXT);
    let mut codings = Vec::new();
    for (quote, code, memo) in CODED {
        let (start, end) = span(&body, quote);
        let to = by
            .made(
                app,
                &format!("/qual/sources/{source}/codings"),
                &[
                    ("code_id", &codes[code].to_string()),
                    ("start", &start.to_string()),
                    ("end", &end.to_string()),
                    ("memo", memo.unwrap_or("")),
                ],
            )
            .await;
        codings.push(id_after(&to, "#c"));
    }
    let to = by
        .made(app, &format!("{base}/conclusions"), &[("claim", "Bantuan benih dan gotong royong menaikkan panen")])
        .await;
    let conclusion = id_after(&to, "/qual/conclusions/");
    for (coding, stance) in [(codings[1], "supports"), (codings[2], "supports"), (codings[0], "contradicts")] {
        by.made(
            app,
            &format!("/qual/conclusions/{conclusion}/evidence"),
            &[("coding_id", &coding.to_string()), ("stance", stance)],
        )
        .await;
    }
    Fx { study, informant, source, codes, codings, conclusion }
}

/// Evaluators of the Blora area (`eva_a` writes the studies, `eva_a2` does not) and of Batu.
async fn evaluators(app: &TestApp) -> (Who, Who, Who) {
    let s = &*app.store;
    create_user(s, "eva_a", Role::Evaluator, Some("33.16"), None, None).await;
    create_user(s, "eva_a2", Role::Evaluator, Some("33.16"), None, None).await;
    create_user(s, "eva_b", Role::Evaluator, Some("35.79"), None, None).await;
    (who(app, "eva_a").await, who(app, "eva_a2").await, who(app, "eva_b").await)
}

/// What a request carries.
#[derive(Clone)]
enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Upload(Vec<(&'static str, String)>, &'static str, Vec<u8>),
}

/// A request made once with an id the caller may not see and once with a missing one;
/// `@REF` in the path and in the body's values stands for the id.
struct Probe {
    method: &'static str,
    route: &'static str,
    path: String,
    body: Body,
    hidden: String,
    missing: String,
    /// The body field the id is in (its answer is a 422 naming it); `None`: the path's.
    field: Option<&'static str>,
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

async fn send(by: &Who, app: &TestApp, p: &Probe, value: &str) -> Answer {
    let path = p.path.replace("@REF", value);
    let fill = |fields: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
        fields.iter().map(|(k, v)| (*k, v.replace("@REF", value))).collect()
    };
    match (&p.body, p.method) {
        (Body::None, "get") => by.get(app, &path).await,
        (Body::None, _) => by.post(app, &path, &[]).await,
        (Body::Form(fields), _) => {
            let fields = fill(fields);
            let list: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            by.post(app, &path, &list).await
        }
        (Body::Upload(fields, name, bytes), _) => {
            let fields = fill(fields);
            let list: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            by.upload(app, &path, &list, Some((name, bytes.clone()))).await
        }
    }
}

/// Runs each probe; answers what went wrong.
async fn run_probes(by: &Who, app: &TestApp, probes: &[Probe]) -> Vec<String> {
    let mut wrong = Vec::new();
    for p in probes {
        let h = send(by, app, p, &p.hidden).await;
        let m = send(by, app, p, &p.missing).await;
        let values = [p.hidden.clone(), p.missing.clone()];
        let what = format!("{} {} ({}={})", p.method, p.path, p.field.unwrap_or("path"), p.hidden);
        if (200..400).contains(&h.status) {
            wrong.push(format!("{what}: accepted an id out of scope ({} {:?})", h.status, h.location));
            continue;
        }
        let (hb, mb) = (normalised(&h.body, &values), normalised(&m.body, &values));
        if h.status != m.status || hb != mb {
            wrong.push(format!(
                "{what}: out of scope {} «{}», missing {} «{}»{}",
                h.status,
                alert(&h.body),
                m.status,
                alert(&m.body),
                if h.status == m.status { first_difference(&hb, &mb) } else { String::new() }
            ));
            continue;
        }
        match p.field {
            None if h.status != 404 => {
                wrong.push(format!("{what}: answered {} where a missing record answers 404", h.status))
            }
            Some(f) if h.status != 422 || !names_field(&h.body, f) => {
                wrong.push(format!("{what}: answered {} «{}», not a 422 naming {f}", h.status, alert(&h.body)))
            }
            _ => {}
        }
    }
    wrong
}

fn first_difference(a: &str, b: &str) -> String {
    let at = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let near = |s: &str| s.chars().skip(at.saturating_sub(80)).take(200).collect::<String>();
    format!("\n     first difference at {at}:\n     «{}»\n     «{}»", near(a), near(b))
}

/// Every string of a project, to search.
fn project_text(p: &QdaProject) -> String {
    format!("{p:?}")
}

/// Every cell of every sheet of a workbook, as text rows.
fn workbook_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut wb = Workbook::from_bytes(bytes, Limits::SURVEY).expect("the XLSX opens");
    let names: Vec<String> = wb.sheet_names().map(str::to_string).collect();
    let mut out = Vec::new();
    for name in names {
        let mut rows = wb.rows(&name).expect("sheet");
        let mut cells = Vec::new();
        while rows.next_row(&mut cells).expect("row").is_some() {
            out.push(
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => t.clone(),
                        Cell::Number(n) => n.to_string(),
                        other => format!("{other:?}"),
                    })
                    .collect(),
            );
        }
    }
    out
}

fn read_project(bytes: &[u8], opts: ReadOptions) -> QdaProject {
    read_qdpx(Cursor::new(bytes), opts).expect("the .qdpx reads")
}

/// Codes of a tree, depth first.
fn flat(codes: &[QdaCode]) -> Vec<&QdaCode> {
    let mut out = Vec::new();
    for c in codes {
        out.push(c);
        out.extend(flat(&c.children));
    }
    out
}

/// Every GUID of a project, by what it names.
fn guids(p: &QdaProject) -> BTreeMap<&'static str, Vec<String>> {
    let mut m: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    m.insert("users", p.users.iter().map(|u| u.guid.clone()).collect());
    m.insert("codes", flat(&p.codes).iter().map(|c| c.guid.clone()).collect());
    m.insert("sets", p.sets.iter().map(|s| s.guid.clone()).collect());
    m.insert("sources", p.sources.iter().map(|s| s.guid.clone()).collect());
    m.insert("selections", p.sources.iter().flat_map(|s| s.selections.iter().map(|x| x.guid.clone())).collect());
    m.insert(
        "codings",
        p.sources
            .iter()
            .flat_map(|s| s.selections.iter().flat_map(|x| x.codings.iter().map(|c| c.guid.clone())))
            .collect(),
    );
    m.insert("notes", p.notes.iter().map(|n| n.guid.clone()).collect());
    m
}

/// `(selection guid, start, end, code guid, coder guid, quote)` of a coding.
type ExportedCoding = (String, usize, usize, String, Option<String>, String);

/// Each coding of a project, by its GUID.
fn codings_of(p: &QdaProject) -> BTreeMap<String, ExportedCoding> {
    let mut out = BTreeMap::new();
    for s in &p.sources {
        for x in &s.selections {
            for c in &x.codings {
                let quote = slice(&s.text, x.start as u32, x.end as u32);
                let coder = c.creating_user.clone().or_else(|| x.creating_user.clone());
                out.insert(c.guid.clone(), (x.guid.clone(), x.start, x.end, c.code_guid.clone(), coder, quote));
            }
        }
    }
    out
}

/// Whether the schema check can run: `xmllint` and `unzip` are installed. When they are not,
/// the check is skipped with a notice, unless `BERDAYA_REQUIRE_BROWSER=1` requires it.
fn schema_tools() -> bool {
    let required = std::env::var("BERDAYA_REQUIRE_BROWSER").as_deref() == Ok("1");
    let xmllint = Path::new("/usr/bin/xmllint").exists();
    let unzip = std::process::Command::new("unzip").arg("-v").output().is_ok_and(|o| o.status.success());
    if !(xmllint && unzip) {
        assert!(!required, "BERDAYA_REQUIRE_BROWSER=1 but xmllint (/usr/bin/xmllint) or unzip is not installed");
        eprintln!("skipped the REFI-QDA schema check: xmllint (/usr/bin/xmllint) or unzip is not installed");
        return false;
    }
    true
}

/// Validates `xml` against the schema `xsd` of the fixtures with xmllint; panics with its
/// report when invalid.
fn xmllint(xml: &[u8], xsd: &str, what: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(what);
    std::fs::write(&file, xml).expect("write");
    let schema = PathBuf::from(FIXTURES).join(xsd);
    let out = std::process::Command::new("/usr/bin/xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "{what} is not valid against {xsd}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `project.qde` of a `.qdpx`, unpacked with `unzip`.
fn project_qde(qdpx: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("project.qdpx");
    std::fs::write(&file, qdpx).expect("write");
    let out = std::process::Command::new("unzip").arg("-p").arg(&file).arg("project.qde").output().expect("unzip runs");
    assert!(out.status.success() && !out.stdout.is_empty(), "unzip: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// CRC-32 (IEEE) of `n` copies of `byte`.
fn crc32_of_run(byte: u8, n: u64) -> u32 {
    let table: Vec<u32> =
        (0..256u32).map(|i| (0..8).fold(i, |c, _| if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 })).collect();
    let mut crc = !0u32;
    for _ in 0..n {
        crc = table[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Bits written as deflate writes them: values from the lowest bit, Huffman codes from the
/// highest.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u64, len: u32) {
        let reversed = (0..len).fold(0, |r, i| r | (((code >> i) & 1) << (len - 1 - i)));
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A zip bomb: a `.qdpx` whose `project.qde` unpacks to `1 + 258 × repeats` spaces from about
/// a thousandth of that. One dynamic-Huffman deflate block: a literal space, then matches of
/// 258 bytes at distance 1, each coded in two bits.
fn zip_bomb(repeats: u64) -> Vec<u8> {
    let mut b = Bits::default();
    b.put(1, 1); // the last block
    b.put(2, 2); // dynamic Huffman codes
    b.put(286 - 257, 5); // HLIT: literal/length codes 0..=285
    b.put(2 - 1, 5); // HDIST: distance codes 0 and 1
    b.put(18 - 4, 4); // HCLEN: code length codes up to `1` in the order below
    // Code length code lengths, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1:
    // 18 (a run of zeros) one bit, lengths 1 and 2 two bits each.
    for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        b.put(len, 3);
    }
    // Canonical codes: 18 → 0, 1 → 10, 2 → 11.
    let zeros = |b: &mut Bits, n: u64| {
        b.code(0, 1);
        b.put(n - 11, 7);
    };
    zeros(&mut b, 32); // 0..=31
    b.code(0b11, 2); // 32 (space): length 2
    zeros(&mut b, 138); // 33..=170
    zeros(&mut b, 85); // 171..=255
    b.code(0b11, 2); // 256 (end of block): length 2
    zeros(&mut b, 28); // 257..=284
    b.code(0b10, 2); // 285 (length 258): length 1
    b.code(0b10, 2); // distance code 0: length 1
    b.code(0b10, 2); // distance code 1: length 1
    // Literal/length codes: 285 → 0, 32 → 10, 256 → 11; distance 0 (distance 1) → 0.
    b.code(0b10, 2);
    for _ in 0..repeats {
        b.code(0, 1);
        b.code(0, 1);
    }
    b.code(0b11, 2);
    let packed = b.finish();
    let size = 1 + 258 * repeats;
    let crc = crc32_of_run(b' ', size);
    let name = b"project.qde";
    let mut zip = Vec::new();
    let header = |zip: &mut Vec<u8>, central: bool| {
        zip.extend_from_slice(if central { &[0x50, 0x4b, 0x01, 0x02] } else { &[0x50, 0x4b, 0x03, 0x04] });
        if central {
            zip.extend_from_slice(&20u16.to_le_bytes()); // made by
        }
        zip.extend_from_slice(&20u16.to_le_bytes()); // needed to extract
        zip.extend_from_slice(&0u16.to_le_bytes()); // flags
        zip.extend_from_slice(&8u16.to_le_bytes()); // deflated
        zip.extend_from_slice(&0u16.to_le_bytes()); // time
        zip.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&(packed.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(size as u32).to_le_bytes());
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes()); // extra
        if central {
            zip.extend_from_slice(&0u16.to_le_bytes()); // comment
            zip.extend_from_slice(&0u16.to_le_bytes()); // disk
            zip.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
            zip.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            zip.extend_from_slice(&0u32.to_le_bytes()); // offset of the local header
        }
        zip.extend_from_slice(name);
    };
    header(&mut zip, false);
    zip.extend_from_slice(&packed);
    let directory = zip.len() as u32;
    header(&mut zip, true);
    let directory_len = zip.len() as u32 - directory;
    zip.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0]);
    zip.extend_from_slice(&directory_len.to_le_bytes());
    zip.extend_from_slice(&directory.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

/// How many records each study holds, to show that no refused request wrote anything.
async fn counts(app: &TestApp, fx: &Fx) -> (usize, usize, usize, usize, usize, usize, usize, bool) {
    let s = &*app.store;
    let study = s.study(fx.study).await.expect("study");
    (
        s.informants(fx.study).await.expect("informants").len(),
        s.sources(fx.study).await.expect("sources").len(),
        s.codes(fx.study).await.expect("codes").len(),
        s.codings(fx.study).await.expect("codings").len(),
        s.redactions(fx.source).await.expect("redactions").len(),
        s.source(fx.source).await.expect("source").informants.len(),
        s.conclusion(fx.conclusion).await.expect("conclusion").evidence.len(),
        study.blind,
    )
}

/// The probes of the routes taking a path id, the id being a record of study `b`.
fn path_probes(a: &Fx, b: &Fx, w: &World, bodies: &PathBodies) -> Vec<Probe> {
    let m = MISSING.to_string();
    let (ac, ag, ai) = (a.codes[2].to_string(), a.codings[0].to_string(), a.informant.to_string());
    let prog = w.prog_blora.to_string();
    let by_kind = |route: &str| -> String {
        let id = if route.starts_with("/qual/studies/") {
            b.study
        } else if route.starts_with("/qual/informants/") {
            b.informant
        } else if route.starts_with("/qual/codes/") {
            b.codes[2]
        } else if route.starts_with("/qual/sources/") {
            b.source
        } else if route.starts_with("/qual/codings/") {
            b.codings[0]
        } else if route.starts_with("/qual/conclusions/") {
            b.conclusion
        } else {
            panic!("{route}: which record?")
        };
        id.to_string()
    };
    let upload = Body::Upload(
        vec![("title", "Catatan".into()), ("kind", "document".into())],
        "catatan.txt",
        "Catatan lapangan: panen naik.".as_bytes().to_vec(),
    );
    let list: Vec<(&'static str, &'static str, &str, Body)> = vec![
        ("get", "/qual/studies/{id}", "", Body::None),
        ("post", "/qual/studies/{id}", "", form(&[("title", "Ubah"), ("region", "33.16.02.2001"), ("version", "1")])),
        ("post", "/qual/studies/{id}/informants", "", form(&[("pseudonym", "Informan X"), ("role", "Penyuluh")])),
        ("get", "/qual/informants/{id}", "?reveal=1", Body::None),
        (
            "post",
            "/qual/informants/{id}",
            "",
            form(&[("pseudonym", "Informan Y"), ("role", "Penyuluh"), ("version", "1")]),
        ),
        ("get", "/qual/studies/{id}/sources/new", "", Body::None),
        (
            "post",
            "/qual/studies/{id}/sources",
            "",
            form(&[("title", "Catatan"), ("kind", "observation"), ("text", "Panen naik.")]),
        ),
        ("post", "/qual/studies/{id}/sources/upload", "", upload),
        ("post", "/qual/studies/{id}/codes", "", form(&[("name", "Kode baru")])),
        ("get", "/qual/codes/{id}", "", Body::None),
        ("post", "/qual/codes/{id}", "", form(&[("name", "Kode ubah"), ("version", "1")])),
        ("post", "/qual/studies/{id}/codebook/copy", "", form(&[("from_study_id", &bodies.from_study)])),
        ("post", "/qual/studies/{id}/phase", "", form(&[("phase", "blind")])),
        ("get", "/qual/sources/{id}", "", Body::None),
        ("post", "/qual/sources/{id}/codings", "", form(&[("code_id", &ac), ("start", "0"), ("end", "3")])),
        ("get", "/qual/codings/{id}/delete", "", Body::None),
        ("post", "/qual/codings/{id}/delete", "", form(&[("confirm", "true")])),
        (
            "post",
            "/qual/sources/{id}/text",
            "",
            form(&[("text", "Teks baru."), ("drop_lost", "true"), ("version", "1")]),
        ),
        ("post", "/qual/sources/{id}/redactions", "", form(&[("phrase", "Pilang"), ("label", "desa")])),
        ("post", "/qual/sources/{id}/informants", "", form(&[("informant_id", &ai)])),
        ("get", "/qual/sources/{id}/shared.txt", "", Body::None),
        ("get", "/qual/studies/{id}/search", "?q=panen", Body::None),
        ("post", "/qual/studies/{id}/search", "", form(&[("q", "panen")])),
        ("get", "/qual/studies/{id}/matrix", "?rows=code&cols=informant", Body::None),
        ("get", "/qual/studies/{id}/matrix.xlsx", "?rows=dimension&cols=role", Body::None),
        ("get", "/qual/studies/{id}/cell", "?rows=code&cols=role&row=1&col=role:Penyuluh", Body::None),
        ("get", "/qual/studies/{id}/conclusions", "", Body::None),
        ("post", "/qual/studies/{id}/conclusions", "", form(&[("claim", "Klaim baru")])),
        ("get", "/qual/conclusions/{id}", "", Body::None),
        (
            "post",
            "/qual/conclusions/{id}",
            "",
            form(&[("claim", "Klaim"), ("status", "verified"), ("note", "dicek"), ("version", "1")]),
        ),
        ("post", "/qual/conclusions/{id}/evidence", "", form(&[("coding_id", &ag), ("stance", "supports")])),
        ("post", "/qual/conclusions/{id}/evidence/remove", "", form(&[("coding_id", &ag)])),
        ("post", "/qual/conclusions/{id}/finding", "", form(&[("program_id", &prog), ("kind", "supporting")])),
        ("get", "/qual/studies/{id}/agreement", "", Body::None),
        ("post", "/qual/studies/{id}/agreement", "", form(&[("decision", "1:1:0:3:1")])),
        ("get", "/qual/studies/{id}/project.qdpx", "", Body::None),
        ("get", "/qual/studies/{id}/codebook.qdc", "", Body::None),
        ("get", "/qual/studies/{id}/codings.xlsx", "", Body::None),
    ];
    list.into_iter()
        .map(|(method, route, query, body)| Probe {
            method,
            route,
            path: format!("{}{query}", route.replace("{id}", "@REF")),
            body,
            hidden: by_kind(route),
            missing: m.clone(),
            field: None,
        })
        .collect()
}

/// Values the path probes' bodies need.
struct PathBodies {
    from_study: String,
}

backend_tests! {
    async fn every_qual_route_and_reference_answers_out_of_scope_as_missing(app: TestApp) {
        let (w, clients) = world(&app).await;
        let (eva_a, _, eva_b) = evaluators(&app).await;
        let admin = who_of(&app, app.client.clone()).await;
        let a = make_study(&app, &eva_a, "Kemandirian poktan Pilang", Some("33.16.02.2001"), Some(w.prog_blora), "Sutarmi Wijayanti").await;
        let b = make_study(&app, &eva_b, "Kemandirian poktan apel Batu", Some("35.79.01.1001"), Some(w.prog_batu), "Bambang Apel").await;
        // A national study: read by national users only.
        let to = admin.made(&app, "/qual", &[("title", "Evaluasi nasional"), ("region", "")]).await;
        let national = id_after(&to, "/qual/studies/");
        let a2 = admin.made(&app, "/qual", &[("title", "Studi Pilang kedua"), ("region", "33.16.02.2002")]).await;
        let a2 = id_after(&a2, "/qual/studies/");

        // Every route of the module taking an id has a probe, and every probe a route.
        let declared = declared_routes();
        let with_id: BTreeSet<(String, String)> = declared.iter().filter(|(_, p)| p.contains("{id}")).cloned().collect();
        let listed: BTreeSet<(String, String)> = PROBED_HERE.iter().map(|(m, r)| (m.to_string(), r.to_string())).collect();
        assert_eq!(with_id, listed, "PROBED_HERE differs from the routes the qual module declares");
        assert!(declared.contains(&("post".into(), "/qual/import".into())), "{declared:?}");
        let before = (counts(&app, &a).await, counts(&app, &b).await);

        // The evaluator of Blora reads her study and its records…
        for path in [format!("/qual/studies/{}", a.study), format!("/qual/sources/{}", a.source), format!("/qual/codes/{}", a.codes[2]),
            format!("/qual/informants/{}", a.informant), format!("/qual/conclusions/{}", a.conclusion), format!("/qual/codings/{}/delete", a.codings[0])] {
            let got = eva_a.get(&app, &path).await;
            assert_eq!(got.status, 200, "{path}: {}", alert(&got.body));
        }
        let list = eva_a.get(&app, "/qual").await;
        assert!(list.body.contains("Kemandirian poktan Pilang") && list.body.contains("Studi Pilang kedua"), "her area's studies are listed");
        assert!(!list.body.contains("apel Batu") && !list.body.contains("Evaluasi nasional"), "no other study is listed");
        // …and every route given a record of Batu's study, or the national one, answers as if it did not exist.
        let bodies = PathBodies { from_study: a2.to_string() };
        let mut probes = path_probes(&a, &b, &w, &bodies);
        for p in PROBED_HERE {
            assert!(probes.iter().any(|x| (x.method, x.route) == p), "{p:?} has no probe");
        }
        let national_probes: Vec<Probe> = path_probes(&a, &b, &w, &bodies)
            .into_iter()
            .filter(|p| p.path.starts_with("/qual/studies/@REF"))
            .map(|p| Probe { hidden: national.to_string(), ..p })
            .collect();
        probes.extend(national_probes);
        let mut wrong = run_probes(&eva_a, &app, &probes).await;

        // Ids carried in form bodies: each refused with a 422 naming its field, as a missing id is.
        let m = MISSING.to_string();
        let (src, concl, study) = (a.source, a.conclusion, a.study);
        let qdc = eva_a.bytes(&app, &format!("/qual/studies/{}/codebook.qdc", a.study)).await;
        let probe = |route: &'static str, path: String, body: Body, field: &'static str, hidden: String, missing: String| Probe {
            method: "post", route, path, body, hidden, missing, field: Some(field),
        };
        let study_form = |field: &'static str| form(&[("title", "Studi uji"), ("region", "33.16.02.2001"), (field, "@REF")]);
        let update_form = |field: &'static str| form(&[("title", "Kemandirian poktan Pilang"), ("region", "33.16.02.2001"), ("version", "1"), (field, "@REF")]);
        let source_form = |field: &'static str| form(&[("title", "Catatan"), ("kind", "observation"), ("text", "Panen naik."), (field, "@REF")]);
        let body_probes = vec![
            probe("/qual/sources/{id}/codings", format!("/qual/sources/{src}/codings"),
                form(&[("code_id", "@REF"), ("start", "0"), ("end", "3")]), "code_id", b.codes[2].to_string(), m.clone()),
            probe("/qual/sources/{id}/informants", format!("/qual/sources/{src}/informants"),
                form(&[("informant_id", "@REF")]), "informant_id", b.informant.to_string(), m.clone()),
            probe("/qual/conclusions/{id}/evidence", format!("/qual/conclusions/{concl}/evidence"),
                form(&[("coding_id", "@REF"), ("stance", "supports")]), "coding_id", b.codings[1].to_string(), m.clone()),
            probe("/qual/conclusions/{id}/evidence/remove", format!("/qual/conclusions/{concl}/evidence/remove"),
                form(&[("coding_id", "@REF")]), "coding_id", b.codings[1].to_string(), m.clone()),
            probe("/qual/studies/{id}/codebook/copy", format!("/qual/studies/{study}/codebook/copy"),
                form(&[("from_study_id", "@REF")]), "from_study_id", b.study.to_string(), m.clone()),
            probe("/qual/studies/{id}/codebook/copy", format!("/qual/studies/{study}/codebook/copy"),
                form(&[("from_study_id", "@REF")]), "from_study_id", national.to_string(), m.clone()),
            probe("/qual", "/qual".into(), study_form("program_ids"), "program_ids", w.prog_batu.to_string(), m.clone()),
            probe("/qual", "/qual".into(), study_form("group_ids"), "group_ids", w.g_batu.to_string(), m.clone()),
            probe("/qual", "/qual".into(), form(&[("title", "Studi uji"), ("region", "@REF")]), "region", "35.79.01.1001".into(), "33.16.02.2999".into()),
            probe("/qual/studies/{id}", format!("/qual/studies/{study}"), update_form("program_ids"), "program_ids", w.prog_batu.to_string(), m.clone()),
            probe("/qual/studies/{id}", format!("/qual/studies/{study}"), update_form("group_ids"), "group_ids", w.g_batu.to_string(), m.clone()),
            probe("/qual/studies/{id}/sources", format!("/qual/studies/{study}/sources"), source_form("informant_ids"), "informant_ids", b.informant.to_string(), m.clone()),
            probe("/qual/studies/{id}/sources", format!("/qual/studies/{study}/sources"), source_form("program_ids"), "program_ids", w.prog_batu.to_string(), m.clone()),
            probe("/qual/studies/{id}/sources", format!("/qual/studies/{study}/sources"), source_form("group_ids"), "group_ids", w.g_batu.to_string(), m.clone()),
            probe("/qual/studies/{id}/sources/upload", format!("/qual/studies/{study}/sources/upload"),
                Body::Upload(vec![("title", "Catatan".into()), ("kind", "document".into()), ("informant_ids", "@REF".into())], "catatan.txt", b"Panen naik.".to_vec()),
                "informant_ids", b.informant.to_string(), m.clone()),
            probe("/qual/studies/{id}/codes", format!("/qual/studies/{study}/codes"), form(&[("name", "Kode uji"), ("parent_ids", "@REF")]), "parent_ids", b.codes[0].to_string(), m.clone()),
            probe("/qual/codes/{id}", format!("/qual/codes/{}", a.codes[3]), form(&[("name", "Bantuan benih"), ("version", "1"), ("parent_ids", "@REF")]), "parent_ids", b.codes[0].to_string(), m.clone()),
            probe("/qual/conclusions/{id}/finding", format!("/qual/conclusions/{concl}/finding"),
                form(&[("program_id", "@REF"), ("kind", "supporting")]), "program_id", w.prog_batu.to_string(), m.clone()),
            probe("/qual/import", "/qual/import".into(), Body::Upload(vec![("study_id", "@REF".into())], "kodebuk.qdc", qdc.clone()), "study_id", b.study.to_string(), m.clone()),
            probe("/qual/import", "/qual/import".into(), Body::Upload(vec![("study_id", "@REF".into())], "kodebuk.qdc", qdc.clone()), "study_id", national.to_string(), m.clone()),
        ];
        wrong.extend(run_probes(&eva_a, &app, &body_probes).await);
        assert!(wrong.is_empty(), "out of scope is not answered as missing:\n{}", wrong.join("\n"));

        // No refused request wrote anything.
        assert_eq!((counts(&app, &a).await, counts(&app, &b).await), before, "a refused request changed a study");
        assert_eq!(app.store.studies(None).await.expect("studies").len(), 4, "no study was made");
        assert!(wrong.is_empty(), "out of scope is not answered as missing:\n{}", wrong.join("\n"));
        assert!(app.store.conclusion(a.conclusion).await.expect("c").finding_id.is_none(), "no finding was made");

        // Roles: facilitators, group officers and viewers read no study; program officers read but keep none.
        for role in ["fac", "leader", "viewer"] {
            let r = who_of(&app, clients[role].clone()).await;
            for path in ["/qual".to_string(), format!("/qual/studies/{}", a.study), format!("/qual/sources/{}", a.source), format!("/qual/studies/{}/project.qdpx", a.study)] {
                assert_eq!(r.get(&app, &path).await.status, 403, "{role} GET {path}");
            }
            assert_eq!(r.post(&app, "/qual", &[("title", "x"), ("region", "33.16.02.2001")]).await.status, 403, "{role} POST /qual");
        }
        let officer = who_of(&app, clients["officer"].clone()).await;
        for path in ["/qual".to_string(), format!("/qual/studies/{}", a.study), format!("/qual/sources/{}", a.source), format!("/qual/informants/{}", a.informant),
            format!("/qual/studies/{}/conclusions", a.study), format!("/qual/studies/{}/matrix?rows=code&cols=role", a.study), format!("/qual/studies/{}/project.qdpx", a.study)] {
            let got = officer.get(&app, &path).await;
            assert_eq!(got.status, 200, "officer GET {path}: {}", alert(&got.body));
        }
        let page = officer.get(&app, &format!("/qual/studies/{}", a.study)).await.body;
        assert!(!page.contains(&format!("action=\"/qual/studies/{}/informants\"", a.study)), "the officer is offered no form");
        let writes: Vec<(String, Vec<(&str, String)>)> = vec![
            ("/qual".into(), vec![("title", "Studi petugas".into()), ("region", "33.16.02.2001".into())]),
            (format!("/qual/studies/{}", a.study), vec![("title", "Ubah".into()), ("region", "33.16.02.2001".into()), ("version", "1".into())]),
            (format!("/qual/studies/{}/informants", a.study), vec![("pseudonym", "Informan P".into()), ("role", "Penyuluh".into())]),
            (format!("/qual/studies/{}/sources", a.study), vec![("title", "Catatan".into()), ("kind", "observation".into()), ("text", "Panen.".into())]),
            (format!("/qual/studies/{}/codes", a.study), vec![("name", "Kode petugas".into())]),
            (format!("/qual/sources/{}/codings", a.source), vec![("code_id", a.codes[0].to_string()), ("start", "0".into()), ("end", "3".into())]),
            (format!("/qual/sources/{}/redactions", a.source), vec![("phrase", "Pilang".into()), ("label", "desa".into())]),
            (format!("/qual/codings/{}/delete", a.codings[0]), vec![("confirm", "true".into())]),
            (format!("/qual/studies/{}/conclusions", a.study), vec![("claim", "Klaim petugas".into())]),
            (format!("/qual/conclusions/{}/evidence", a.conclusion), vec![("coding_id", a.codings[0].to_string()), ("stance", "supports".into())]),
            (format!("/qual/studies/{}/phase", a.study), vec![("phase", "blind".into())]),
        ];
        for (path, fields) in &writes {
            let list: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let got = officer.post(&app, path, &list).await;
            assert_eq!(got.status, 403, "officer POST {path}: {}", alert(&got.body));
        }
        assert_eq!(officer.get(&app, "/qual/import").await.status, 403, "the officer imports nothing");
        let got = officer.upload(&app, "/qual/import", &[("region", "33.16.02.2001")], Some(("kodebuk.qdc", qdc.clone()))).await;
        assert_eq!(got.status, 403, "officer POST /qual/import");
        assert_eq!((counts(&app, &a).await, counts(&app, &b).await), before, "a refused request changed a study");
        // The national evaluator reads every study; Batu's evaluator not Blora's.
        let eva = who_of(&app, clients["eva"].clone()).await;
        for id in [a.study, b.study, national] {
            assert_eq!(eva.get(&app, &format!("/qual/studies/{id}")).await.status, 200, "national evaluator, study {id}");
        }
        assert_eq!(eva_b.get(&app, &format!("/qual/studies/{}", a.study)).await.status, 404);
    }

    async fn a_program_out_of_scope_linked_to_her_study_is_refused_as_missing(app: TestApp) {
        let (w, _) = world(&app).await;
        let (eva_a, _, _) = evaluators(&app).await;
        let admin = who_of(&app, app.client.clone()).await;
        let a = make_study(&app, &eva_a, "Kemandirian poktan Pilang", Some("33.16.02.2001"), Some(w.prog_blora), "Sutarmi Wijayanti").await;
        // The administrator links a program of Batu to the Blora study: still not hers to cite.
        let linked = admin.post(&app, &format!("/qual/studies/{}", a.study), &[("title", "Kemandirian poktan Pilang"), ("region", "33.16.02.2001"),
            ("program_ids", &format!("{},{}", w.prog_blora, w.prog_batu)), ("version", "1")]).await;
        assert_eq!(linked.status, 303, "{}", alert(&linked.body));
        let page = eva_a.get(&app, &format!("/qual/conclusions/{}", a.conclusion)).await.body;
        assert!(page.contains(&format!("value=\"{}\"", w.prog_blora)), "her program is offered");
        let probe = Probe {
            method: "post",
            route: "/qual/conclusions/{id}/finding",
            path: format!("/qual/conclusions/{}/finding", a.conclusion),
            body: form(&[("program_id", "@REF"), ("kind", "supporting")]),
            hidden: w.prog_batu.to_string(),
            missing: MISSING.to_string(),
            field: Some("program_id"),
        };
        let wrong = run_probes(&eva_a, &app, &[probe]).await;
        assert!(app.store.conclusion(a.conclusion).await.expect("c").finding_id.is_none(), "no finding was made");
        assert!(wrong.is_empty(), "out of scope is not answered as missing:\n{}", wrong.join("\n"));
    }

    async fn a_file_that_is_no_project_is_refused_wholly_in_indonesian(app: TestApp) {
        world(&app).await;
        let (eva_a, _, _) = evaluators(&app).await;
        let region = [("region", "33.16.02.2001"), ("positions", "auto")];
        let mut wrong = Vec::new();
        for (name, bytes) in [("catatan.txt", b"Catatan lapangan biasa.".to_vec()), ("proyek.qdpx", b"PK\x03\x04 bukan zip".to_vec()), ("proyek.qdpx", vec![0xff, 0xfe, 0, 1])] {
            let got = eva_a.upload(&app, "/qual/import", &region, Some((name, bytes))).await;
            let said = alert(&got.body);
            let english = ["the document", "root element", "cannot decode", "invalid utf-8", "central directory"];
            if got.status != 422 || !names_field(&got.body, "file") || english.iter().any(|e| said.contains(e)) {
                wrong.push(format!("{name}: {} «{said}»", got.status));
            }
        }
        assert!(wrong.is_empty(), "not refused wholly in Indonesian:\n{}", wrong.join("\n"));
    }

    async fn real_names_stay_out_of_pages_and_exports(app: TestApp) {
        world(&app).await;
        let (author, other, _) = evaluators(&app).await;
        let real = "Sutarmi Wijayanti";
        let a = make_study(&app, &author, "Kemandirian poktan Pilang", Some("33.16.02.2001"), None, real).await;
        let reveals = |actor: Option<&'static str>| {
            let store = app.store.clone();
            let id = a.informant.to_string();
            async move {
                let filter = AuditFilter { action: Some("reveal".into()), entity: Some("qual_informants".into()), entity_id: Some(id), actor: actor.map(str::to_string), ..Default::default() };
                store.audit_entries(&filter, PageRequest::new(1, 50)).await.expect("audit").items
            }
        };
        let informant = format!("/qual/informants/{}", a.informant);
        let pages = [
            format!("/qual/studies/{}", a.study),
            informant.clone(),
            format!("{informant}?reveal=1"),
            format!("/qual/sources/{}", a.source),
            format!("/qual/codes/{}", a.codes[2]),
            format!("/qual/studies/{}/conclusions", a.study),
            format!("/qual/conclusions/{}", a.conclusion),
            format!("/qual/studies/{}/matrix?rows=code&cols=informant", a.study),
            format!("/qual/studies/{}/cell?rows=code&cols=informant&row={}&col={}", a.study, a.codes[2], a.informant),
            format!("/qual/studies/{}/agreement", a.study),
            format!("/qual/studies/{}/search?q=panen", a.study),
            format!("/qual/sources/{}/shared.txt", a.source),
        ];
        // Another evaluator of the area sees the pseudonym, never the name, even asking for it.
        for path in &pages {
            let got = other.get(&app, path).await;
            assert_eq!(got.status, 200, "{path}: {}", alert(&got.body));
            assert!(!got.body.contains(real) && !got.body.contains("Sutarmi"), "{path} shows the real name to a non-author");
        }
        assert!(other.get(&app, &informant).await.body.contains("Informan 1"), "the pseudonym is shown");
        assert!(!other.get(&app, &informant).await.body.contains("?reveal=1"), "no way to reveal is offered");
        assert!(reveals(None).await.is_empty(), "nothing was revealed");
        // The exports carry pseudonyms only, for her and for the author alike.
        for (who, name) in [(&other, "non-author"), (&author, "author")] {
            let qdpx = who.bytes(&app, &format!("/qual/studies/{}/project.qdpx", a.study)).await;
            let p = read_project(&qdpx, ReadOptions::default());
            assert!(!project_text(&p).contains("Sutarmi"), "the {name}'s project.qdpx holds the real name");
            let qdc = who.bytes(&app, &format!("/qual/studies/{}/codebook.qdc", a.study)).await;
            assert!(!String::from_utf8_lossy(&qdc).contains("Sutarmi"), "the {name}'s codebook holds the real name");
            for path in [format!("/qual/studies/{}/codings.xlsx", a.study), format!("/qual/studies/{}/matrix.xlsx?rows=code&cols=informant", a.study)] {
                let rows = workbook_rows(&who.bytes(&app, &path).await);
                let all: Vec<&String> = rows.iter().flatten().collect();
                assert!(all.iter().all(|c| !c.contains("Sutarmi")), "the {name}'s {path} holds the real name");
                assert!(all.iter().any(|c| c.contains("Informan 1")), "{path} names the informant by pseudonym: {rows:?}");
            }
        }
        // A non-author's edit of the informant leaves the name as it was.
        let edit = other.post(&app, &informant, &[("pseudonym", "Informan 1"), ("real_name", "Nama Lain"), ("role", "Ketua Kelompok Tani"), ("version", "1")]).await;
        assert_eq!(edit.status, 303, "{}", alert(&edit.body));
        assert_eq!(app.store.informant(a.informant).await.expect("informant").real_name.as_deref(), Some(real));
        // The author sees it only on request, and the showing is recorded.
        for path in &pages[..2] {
            let got = author.get(&app, path).await;
            assert!(!got.body.contains("Sutarmi"), "{path} shows the real name unasked");
        }
        let page = author.get(&app, &informant).await;
        assert!(page.body.contains(&format!("{informant}?reveal=1")), "the author is offered to reveal it");
        assert!(reveals(None).await.is_empty(), "nothing was revealed yet");
        let shown = author.get(&app, &format!("{informant}?reveal=1")).await;
        assert_eq!(shown.status, 200);
        assert!(shown.body.contains(real), "the author sees the real name on request");
        let log = reveals(None).await;
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!((log[0].actor.as_str(), log[0].entity_id.as_deref()), ("eva_a", Some(a.informant.to_string().as_str())));
        assert!(log[0].after.as_deref().unwrap_or_default().contains("real_name"), "{:?}", log[0].after);
        // Asking again records again; the non-author's asking records nothing.
        author.get(&app, &format!("{informant}?reveal=1")).await;
        other.get(&app, &format!("{informant}?reveal=1")).await;
        assert_eq!(reveals(None).await.len(), 2);
        assert!(reveals(Some("eva_a2")).await.is_empty());
    }

    async fn redactions_reach_the_shared_text_and_the_exports(app: TestApp) {
        world(&app).await;
        let (author, other, _) = evaluators(&app).await;
        let a = make_study(&app, &author, "Kemandirian poktan Pilang", Some("33.16.02.2001"), None, "Sutarmi Wijayanti").await;
        let body = berdaya_domain::qual::normalise(TEXT);
        let redacted = body.replace(PHRASE, "[kades]");
        let src = format!("/qual/sources/{}", a.source);
        // Refused: a phrase the text lacks, a missing label.
        let got = author.post(&app, &format!("{src}/redactions"), &[("phrase", "Kepala Dusun"), ("label", "kades")]).await;
        assert_eq!(got.status, 422);
        assert!(names_field(&got.body, "phrase") && got.body.contains("tidak"), "{}", alert(&got.body));
        let got = author.post(&app, &format!("{src}/redactions"), &[("phrase", PHRASE), ("label", "")]).await;
        assert_eq!(got.status, 422);
        assert!(names_field(&got.body, "label") && got.body.contains("wajib diisi"), "{}", alert(&got.body));
        assert!(app.store.redactions(a.source).await.expect("redactions").is_empty());
        // Every occurrence, whatever its case, is redacted.
        author.made(&app, &format!("{src}/redactions"), &[("phrase", "kepala desa pilang"), ("label", "kades")]).await;
        let spans = app.store.redactions(a.source).await.expect("redactions");
        assert_eq!(spans.len(), 2, "{spans:?}");
        let page = author.get(&app, &src).await.body;
        assert!(page.contains("[kades]"), "the source page lists the redactions");

        let shared = other.get(&app, &format!("{src}/shared.txt")).await;
        assert_eq!(shared.status, 200);
        assert_eq!(shared.body, redacted, "the shared text holds the label in place of the phrase");
        assert_eq!(author.get(&app, &format!("{src}/shared.txt")).await.body, redacted, "the shared text is redacted for its author too");

        // The non-author's project: the text redacted, each selection over its redacted quote.
        let stored = app.store.codings(a.study).await.expect("codings");
        let p = read_project(&other.bytes(&app, &format!("/qual/studies/{}/project.qdpx", a.study)).await, ReadOptions::default());
        assert_eq!(p.sources.len(), 1);
        assert_eq!(p.sources[0].text, redacted);
        assert!(!project_text(&p).contains("Desa Pilang"), "the phrase is gone from the project");
        let exported = codings_of(&p);
        assert_eq!(exported.len(), stored.len());
        let mut moved = 0;
        for g in &stored {
            let (_, start, end, ..) = exported.get(&g.guid).unwrap_or_else(|| panic!("coding {} is exported", g.guid));
            let want = g.quote.replace(PHRASE, "[kades]");
            assert_eq!(slice(&redacted, *start as u32, *end as u32), want, "coding {}: the selection is its redacted quote", g.guid);
            if *start as u32 != g.start {
                moved += 1;
            }
        }
        assert_eq!(moved, 2, "the codings after the first phrase moved with it");
        // The workbook too.
        let rows = workbook_rows(&other.bytes(&app, &format!("/qual/studies/{}/codings.xlsx", a.study)).await);
        let cells: Vec<&String> = rows.iter().flatten().collect();
        assert!(cells.iter().all(|c| !c.contains("Desa Pilang")), "the workbook holds the phrase: {rows:?}");
        assert!(cells.iter().any(|c| c.as_str() == "Pak [kades] membuka rapat"), "{rows:?}");
        // The author, who may see informants' names, exports the text as it is.
        let own = read_project(&author.bytes(&app, &format!("/qual/studies/{}/project.qdpx", a.study)).await, ReadOptions::default());
        assert_eq!(own.sources[0].text, body);
        for (guid, (_, start, end, .., quote)) in codings_of(&own) {
            let g = stored.iter().find(|g| g.guid == guid).expect("stored");
            assert_eq!((quote == g.quote, start as u32, end as u32), (true, g.start, g.end));
        }
        // A redacted export is valid REFI-QDA too.
        if schema_tools() {
            let bytes = other.bytes(&app, &format!("/qual/studies/{}/project.qdpx", a.study)).await;
            xmllint(&project_qde(&bytes), "Project.xsd", "redacted-project.qde");
        }
    }

    async fn a_project_export_is_valid_refi_qda_with_stable_guids(app: TestApp) {
        world(&app).await;
        let (author, _, _) = evaluators(&app).await;
        let a = make_study(&app, &author, "Kemandirian poktan Pilang", Some("33.16.02.2001"), None, "Sutarmi Wijayanti").await;
        let qdpx = format!("/qual/studies/{}/project.qdpx", a.study);
        let (first, second) = (author.bytes(&app, &qdpx).await, author.bytes(&app, &qdpx).await);
        let (p1, p2) = (read_project(&first, ReadOptions::default()), read_project(&second, ReadOptions::default()));
        assert_eq!(guids(&p1), guids(&p2), "the GUIDs change between exports");
        assert_eq!(p1, p2, "two exports differ");
        let g = guids(&p1);
        let all: Vec<&String> = g.values().flatten().collect();
        assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), all.len(), "a GUID is used twice: {g:?}");

        // What the project holds: the codebook with its first parents as the tree, second
        // parents, framework dimensions and factor roles as sets, memos and the conclusion as notes.
        let codes = app.store.codes(a.study).await.expect("codes");
        let guid_of = |i: usize| codes.iter().find(|c| c.id == a.codes[i]).expect("code").guid.clone();
        let tree = flat(&p1.codes);
        assert_eq!(tree.len(), CODES.len());
        let parent = p1.codes.iter().find(|c| c.guid == guid_of(0)).expect("a top code");
        let children: BTreeSet<&str> = parent.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(children, BTreeSet::from(["Gotong royong", "Bantuan benih"]));
        let set = |key: &str| p1.sets.iter().find(|s| s.description.as_deref() == Some(format!("berdaya:{key}").as_str())).unwrap_or_else(|| panic!("no set {key}: {:?}", p1.sets));
        assert_eq!(set(&format!("parent:{}", guid_of(1))).member_codes, vec![guid_of(2)], "the second parent");
        let mut roles = set("role:supporting").member_codes.clone();
        roles.sort();
        let mut want = vec![guid_of(0), guid_of(2)];
        want.sort();
        assert_eq!(roles, want);
        assert_eq!(set("role:effort").member_codes, vec![guid_of(3)]);
        assert_eq!(set("role:inhibiting").member_codes, vec![guid_of(4)]);
        let bina = app.store.framework_by_code("bina").await.expect("frameworks").expect("bina");
        let dim = set(&format!("dimension:bina/{}", bina.dimensions[1].code.as_str()));
        let mut members = dim.member_codes.clone();
        members.sort();
        let mut want = vec![guid_of(2), guid_of(4)];
        want.sort();
        assert_eq!(members, want, "{}", dim.name);
        let stored = app.store.codings(a.study).await.expect("codings");
        let memos: Vec<_> = p1.notes.iter().filter(|n| n.name == "Memo").collect();
        assert_eq!(memos.len(), 2, "{:?}", p1.notes);
        let sel_of = |coding: &str| p1.sources[0].selections.iter().find(|x| x.codings.iter().any(|c| c.guid == coding)).expect("selection").guid.clone();
        let first_coding = stored.iter().find(|g| g.id == a.codings[0]).expect("coding");
        assert!(memos.iter().any(|n| n.text == "Rapat dibuka oleh kepala desa" && n.targets == vec![sel_of(&first_coding.guid)]), "{memos:?}");
        let conclusion = app.store.conclusion(a.conclusion).await.expect("conclusion");
        let note = p1.notes.iter().find(|n| n.guid == conclusion.guid).expect("the conclusion is a note");
        assert!(note.name.starts_with("Kesimpulan") && note.text == conclusion.claim, "{note:?}");
        let mut targets = note.targets.clone();
        targets.sort();
        let mut want: Vec<String> = stored.iter().map(|g| g.guid.clone()).collect();
        want.sort();
        assert_eq!(targets, want, "the conclusion's evidence");
        // The coders are the project's users; each coding is its coder's.
        let coders = app.store.coders(a.study).await.expect("coders");
        assert_eq!(p1.users.iter().map(|u| (u.guid.clone(), u.name.clone())).collect::<Vec<_>>(), coders.iter().map(|c| (c.guid.clone(), c.name.clone())).collect::<Vec<_>>());
        for (_, (.., coder, _)) in codings_of(&p1) {
            assert_eq!(coder.as_deref(), Some(coders[0].guid.as_str()));
        }

        // The codebook alone: the same each time.
        let qdc = format!("/qual/studies/{}/codebook.qdc", a.study);
        let (c1, c2) = (author.bytes(&app, &qdc).await, author.bytes(&app, &qdc).await);
        assert_eq!(c1, c2, "two codebook exports differ");
        let book = berdaya_files::qdpx::read_qdc(&c1).expect("the codebook reads");
        assert_eq!(flat(&book.codes).iter().map(|c| c.guid.clone()).collect::<Vec<_>>(), tree.iter().map(|c| c.guid.clone()).collect::<Vec<_>>());

        // Both valid against the REFI-QDA schemas.
        if schema_tools() {
            xmllint(&project_qde(&first), "Project.xsd", "project.qde");
            xmllint(&c1, "Codebook.xsd", "codebook.qdc");
        }
    }

    async fn an_nvivo_project_imports_and_exports_again_whole(app: TestApp) {
        world(&app).await;
        let (eva_a, _, _) = evaluators(&app).await;
        let file = std::fs::read(format!("{FIXTURES}/nvivo12-excerpt.qdpx")).expect("the NVivo fixture");
        let origin = read_origin(Cursor::new(&file)).expect("origin").expect("NVivo names itself");
        let original = read_project(&file, ReadOptions::for_origin(&origin));
        assert_eq!(original.sources.len(), 1);

        let got = eva_a.upload(&app, "/qual/import", &[("region", "33.16.02.2001"), ("positions", "auto")], Some(("oltas.qdpx", file.clone()))).await;
        assert_eq!(got.status, 303, "{}", alert(&got.body));
        let id = id_after(got.location.as_deref().expect("to the study"), "/qual/studies/");
        let study = app.store.study(id).await.expect("the study");
        assert_eq!((study.region.as_ref().map(|r| r.as_str()), study.created_by.as_str()), (Some("33.16.02.2001"), "eva_a"));
        assert_eq!(eva_a.get(&app, &format!("/qual/studies/{id}")).await.status, 200);

        // Each coding's quote is the source's text at its positions, the text the selection covered in NVivo.
        let sources = app.store.sources(id).await.expect("sources");
        let codings = app.store.codings(id).await.expect("codings");
        let from_file = codings_of(&original);
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].body, original.sources[0].text);
        assert_eq!(sources[0].guid, original.sources[0].guid);
        assert_eq!(codings.len(), 28);
        assert_eq!(codings.len(), from_file.len());
        for g in &codings {
            assert_eq!(slice(&sources[0].body, g.start, g.end), g.quote, "coding {}", g.guid);
            let (sel, start, end, .., quote) = from_file.get(&g.guid).unwrap_or_else(|| panic!("coding {} is the file's", g.guid));
            assert_eq!((&g.selection_guid, g.start as usize, g.end as usize, &g.quote), (sel, *start, *end, quote), "coding {}", g.guid);
        }

        // Exported again: every source text, code, coding position, coder and set as the file had them.
        let again = read_project(&eva_a.bytes(&app, &format!("/qual/studies/{id}/project.qdpx")).await, ReadOptions::default());
        let texts = |p: &QdaProject| p.sources.iter().map(|s| (s.guid.clone(), s.name.clone(), s.text.clone())).collect::<Vec<_>>();
        assert_eq!(texts(&again), texts(&original));
        let tree = |p: &QdaProject| flat(&p.codes).iter().map(|c| c.guid.clone()).collect::<BTreeSet<_>>();
        assert_eq!(tree(&again), tree(&original));
        assert_eq!(tree(&again).len(), 152);
        assert_eq!(codings_of(&again), from_file, "codings (selection, positions, code, coder, quote)");
        let users = |p: &QdaProject| p.users.iter().map(|u| u.guid.clone()).collect::<BTreeSet<_>>();
        assert_eq!(users(&again), users(&original));
        let sets = |p: &QdaProject| p.sets.iter().map(|s| (s.guid.clone(), s.member_codes.iter().cloned().collect::<BTreeSet<_>>())).collect::<BTreeMap<_, _>>();
        assert_eq!(sets(&again), sets(&original));
        let parents = |p: &QdaProject| {
            fn walk(codes: &[QdaCode], parent: Option<&str>, out: &mut BTreeMap<String, Option<String>>) {
                for c in codes {
                    out.insert(c.guid.clone(), parent.map(str::to_string));
                    walk(&c.children, Some(&c.guid), out);
                }
            }
            let mut out = BTreeMap::new();
            walk(&p.codes, None, &mut out);
            out
        };
        assert_eq!(parents(&again), parents(&original), "the code hierarchy");
    }

    async fn bad_input_is_refused_in_indonesian_never_with_a_500(app: TestApp) {
        world(&app).await;
        let (eva_a, _, _) = evaluators(&app).await;
        let a = make_study(&app, &eva_a, "Kemandirian poktan Pilang", Some("33.16.02.2001"), None, "Sutarmi Wijayanti").await;
        let before = counts(&app, &a).await;
        // Each form sent empty: a 4xx naming what is missing, in Indonesian.
        let empty: Vec<(String, &[&str], &str)> = vec![
            ("/qual".into(), &["title"], "wajib diisi"),
            (format!("/qual/studies/{}", a.study), &["title"], "wajib diisi"),
            (format!("/qual/studies/{}/informants", a.study), &["pseudonym", "role"], "wajib diisi"),
            (format!("/qual/informants/{}", a.informant), &["pseudonym", "role"], "wajib diisi"),
            (format!("/qual/studies/{}/sources", a.study), &["title", "kind", "text"], "wajib diisi"),
            (format!("/qual/studies/{}/codes", a.study), &["name"], "wajib diisi"),
            (format!("/qual/codes/{}", a.codes[0]), &["name"], "wajib diisi"),
            (format!("/qual/studies/{}/codebook/copy", a.study), &["from_study_id"], "wajib diisi"),
            (format!("/qual/studies/{}/phase", a.study), &["phase"], "wajib diisi"),
            (format!("/qual/sources/{}/codings", a.source), &["start"], "pilih dulu teks yang akan dikodekan"),
            (format!("/qual/codings/{}/delete", a.codings[0]), &["confirm"], "centang kotak untuk menghapus pengodean"),
            (format!("/qual/sources/{}/text", a.source), &["text"], "wajib diisi"),
            (format!("/qual/sources/{}/redactions", a.source), &["phrase", "label"], "wajib diisi"),
            (format!("/qual/sources/{}/informants", a.source), &["informant_id"], "wajib diisi"),
            (format!("/qual/studies/{}/search", a.study), &["q"], "sedikitnya 2 karakter"),
            (format!("/qual/studies/{}/conclusions", a.study), &["claim"], "wajib diisi"),
            (format!("/qual/conclusions/{}", a.conclusion), &["claim"], "wajib diisi"),
            (format!("/qual/conclusions/{}/evidence", a.conclusion), &["coding_id", "stance"], "wajib diisi"),
            (format!("/qual/conclusions/{}/evidence/remove", a.conclusion), &["coding_id"], "wajib diisi"),
            (format!("/qual/conclusions/{}/finding", a.conclusion), &["program_id", "kind"], "wajib diisi"),
            (format!("/qual/studies/{}/agreement", a.study), &["decision"], "wajib diisi"),
        ];
        let mut wrong = Vec::new();
        for (path, fields, words) in &empty {
            let got = eva_a.post(&app, path, &[]).await;
            let named: Vec<&&str> = fields.iter().filter(|f| !names_field(&got.body, f)).collect();
            if !(400..500).contains(&got.status) || !named.is_empty() || !got.body.contains(words) {
                wrong.push(format!("POST {path} empty: {} «{}» (unnamed: {named:?})", got.status, alert(&got.body)));
            }
            if got.body.contains("is required") || got.body.contains("must be") {
                wrong.push(format!("POST {path} empty: English in «{}»", alert(&got.body)));
            }
        }
        for path in [format!("/qual/studies/{}/sources/upload", a.study), "/qual/import".to_string()] {
            let got = eva_a.upload(&app, &path, &[("region", "33.16.02.2001")], None).await;
            if got.status != 422 || !names_field(&got.body, "file") || got.body.contains("choose a file") {
                wrong.push(format!("POST {path} without a file: {} «{}»", got.status, alert(&got.body)));
            }
        }
        // Ids that are no ids, in the path and in the query.
        for path in ["/qual/studies/abc", "/qual/sources/0", "/qual/codes/-1", "/qual/studies/1x/matrix?rows=code&cols=role"] {
            let got = eva_a.get(&app, path).await;
            if !(400..500).contains(&got.status) {
                wrong.push(format!("GET {path}: {}", got.status));
            }
        }
        for query in ["rows=people&cols=role", "rows=code&cols=people", "rows=code&cols=role&row=x:1&col=1"] {
            let path = format!("/qual/studies/{}/{}?{query}", a.study, if query.contains("row=") { "cell" } else { "matrix" });
            let got = eva_a.get(&app, &path).await;
            if got.status != 400 {
                wrong.push(format!("GET {path}: {} «{}»", got.status, alert(&got.body)));
            }
        }
        // A coding past the text's end, a reversed one.
        for (start, end) in [("5", "99999"), ("9", "4")] {
            let got = eva_a.post(&app, &format!("/qual/sources/{}/codings", a.source), &[("code_id", &a.codes[0].to_string()), ("start", start), ("end", end)]).await;
            if got.status != 422 || !names_field(&got.body, "end") {
                wrong.push(format!("coding {start}–{end}: {} «{}»", got.status, alert(&got.body)));
            }
        }
        assert!(wrong.is_empty(), "bad input not refused in Indonesian:\n{}", wrong.join("\n"));

        // Not a REFI-QDA project: refused on `file`, in Indonesian.
        let region = [("region", "33.16.02.2001"), ("positions", "auto")];
        let not_projects = [
            ("catatan.txt", b"Catatan lapangan biasa.".to_vec(), "bukan proyek REFI-QDA"),
            ("proyek.qdpx", b"PK\x03\x04 bukan zip".to_vec(), "bukan proyek REFI-QDA"),
            ("proyek.qdpx", vec![0xff, 0xfe, 0, 1], "bukan proyek REFI-QDA"),
        ];
        for (name, bytes, words) in not_projects {
            let got = eva_a.upload(&app, "/qual/import", &region, Some((name, bytes))).await;
            assert_eq!(got.status, 422, "{name}: {}", alert(&got.body));
            assert!(names_field(&got.body, "file") && got.body.contains(words), "{name}: {}", alert(&got.body));
        }
        // A zip bomb: 20 MB of spaces packed in 20 KB, refused with the limit stated.
        let bomb = zip_bomb(80_000);
        assert!(bomb.len() < 30_000, "{}", bomb.len());
        let got = eva_a.upload(&app, "/qual/import", &region, Some(("bom.qdpx", bomb))).await;
        assert_eq!(got.status, 422, "{}", alert(&got.body));
        assert!(names_field(&got.body, "file"), "{}", alert(&got.body));
        assert!(got.body.contains("250:1") && got.body.contains("bom zip"), "the limit is stated: {}", alert(&got.body));
        // A .qdc without a study, and into a study of hers: both refused or made, never a 500.
        let qdc = eva_a.bytes(&app, &format!("/qual/studies/{}/codebook.qdc", a.study)).await;
        let got = eva_a.upload(&app, "/qual/import", &[], Some(("kodebuk.qdc", qdc.clone()))).await;
        assert_eq!(got.status, 422, "{}", alert(&got.body));
        assert!(names_field(&got.body, "study_id"), "{}", alert(&got.body));
        let got = eva_a.upload(&app, "/qual/import", &[("study_id", &a.study.to_string())], Some(("kodebuk.qdc", b"<CodeBook><Codes>".to_vec()))).await;
        assert_eq!(got.status, 422, "{}", alert(&got.body));
        assert!(names_field(&got.body, "file"), "{}", alert(&got.body));
        assert_eq!(app.store.studies(None).await.expect("studies").len(), 1, "nothing was imported");
        assert_eq!(counts(&app, &a).await, before, "a refused request changed the study");
    }
}
