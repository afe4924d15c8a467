//! REFI-QDA and XLSX exchange: a study as a `.qdpx` project (sources under `sources/`,
//! codings with their coders, framework dimensions, factor roles and extra parents as sets,
//! memos and conclusions as notes; GUIDs stable across exports), its codebook as `.qdc`, its
//! codings as a workbook; a `.qdpx` from QualCoder, ATLAS.ti, MAXQDA or NVivo imported as a
//! new study, a `.qdc` into a study's codebook. Exports carry pseudonyms only, and texts with
//! their redactions applied unless the caller may see informants' names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use berdaya_domain::framework::finding::FindingKind;
use berdaya_domain::qual::display::{Redacted, Span, redact, slice};
use berdaya_domain::qual::{NewCode, NewSource, NewStudy, SourceKind, derived_guid, normalise};
use berdaya_domain::registry::{Id, RegionCode};
use berdaya_files::qdpx::{
    QdaCode, QdaCoding, QdaNote, QdaProject, QdaSelection, QdaSet, QdaTextSource, QdaUser, ReadOptions, read_origin,
    read_qdc, read_qdpx,
};
use berdaya_files::tables::{SheetTable, TableCell};
use berdaya_store::qual::{ImportedCode, ImportedCoding, ImportedSet, ImportedSource, ImportedStudy};
use berdaya_store::{Store, StoreError};

use super::{keeps, page, sees_names, study_of};
use crate::AppState;
use crate::access::guard::{Auth, missing_reference, record_export};
use crate::error::Error;
use crate::extract::{Cx, FormData, IdPath, Upload};
use crate::html::{Field, Form, Section};
use crate::i18n::Lang;
use crate::kotaku::{Page, answer, xlsx};

/// The largest project file, in MB.
const PROJECT_MB: usize = 64;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/qual/studies/{id}/project.qdpx", get(qdpx_download))
        .route("/qual/studies/{id}/codebook.qdc", get(qdc_download))
        .route("/qual/studies/{id}/codings.xlsx", get(codings_xlsx))
        .route(
            "/qual/import",
            get(import_get).post(import_post).layer(DefaultBodyLimit::max((PROJECT_MB << 20) + (64 << 10))),
        )
}

/// Who coded a selection when the file does not say.
const UNKNOWN_CODER: &str = "00000000-0000-4000-8000-000000000000";
const PREFIX: &str = "berdaya:";

fn storage(e: StoreError) -> Error {
    e.into()
}

/// A study as a REFI-QDA project; `redacted`: texts with their redactions applied (positions
/// moved with them).
pub async fn project_of(store: &dyn Store, study_id: Id, redacted: bool) -> Result<QdaProject, StoreError> {
    let study = store.study(study_id).await?;
    let coders = store.coders(study_id).await?;
    let codes = store.codes(study_id).await?;
    let sources = store.sources(study_id).await?;
    let codings = store.codings(study_id).await?;
    let conclusions = store.conclusions(study_id).await?;
    let stored_sets = store.sets(study_id).await?;
    let code_guid: HashMap<Id, String> = codes.iter().map(|c| (c.id, c.guid.clone())).collect();
    let coder_guid: HashMap<Id, String> = coders.iter().map(|c| (c.id, c.guid.clone())).collect();

    fn tree(
        codes: &[berdaya_domain::qual::Code],
        parent: Option<Id>,
        depth: usize,
        seen: &mut HashSet<Id>,
    ) -> Vec<QdaCode> {
        let mut out = Vec::new();
        for c in codes.iter().filter(|c| c.parents.first().copied() == parent) {
            if depth > 32 || !seen.insert(c.id) {
                continue;
            }
            out.push(QdaCode {
                guid: c.guid.clone(),
                name: c.name.clone(),
                color: Some(c.color.to_ascii_uppercase()),
                description: c.description.clone(),
                codable: true,
                children: tree(codes, Some(c.id), depth + 1, seen),
            });
        }
        out
    }
    let mut seen = HashSet::new();
    let qcodes = tree(&codes, None, 0, &mut seen);

    // Sets: framework dimensions, factor roles and extra parents, then the sets kept from
    // imported projects; each generated set keeps the GUID it was imported with, if any.
    let by_key: HashMap<&str, &berdaya_store::qual::QualSet> =
        stored_sets.iter().filter_map(|s| s.key.as_deref().map(|k| (k, s))).collect();
    let mut generated: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut dims: Vec<Id> = codes.iter().flat_map(|c| c.dimensions.iter().copied()).collect();
    dims.sort_unstable();
    dims.dedup();
    let dimensions = if dims.is_empty() { Vec::new() } else { store.dimensions("dimension_ids", &dims).await? };
    let frameworks = store.frameworks().await?;
    for d in &dimensions {
        let fw = frameworks.iter().find(|f| f.id == d.framework_id);
        let key = format!("dimension:{}/{}", fw.map(|f| f.code.as_str()).unwrap_or(""), d.code.as_str());
        let name = format!("{}: {}", fw.map(|f| f.name.as_str()).unwrap_or(""), d.name);
        let members = codes.iter().filter(|c| c.dimensions.contains(&d.id)).map(|c| c.guid.clone()).collect();
        generated.insert(key, (name, members));
    }
    for role in FindingKind::ALL {
        let members: Vec<String> = codes.iter().filter(|c| c.role == Some(*role)).map(|c| c.guid.clone()).collect();
        if !members.is_empty() {
            generated.insert(format!("role:{}", role.code()), (format!("Peran: {}", role.label("id")), members));
        }
    }
    for p in &codes {
        let members: Vec<String> =
            codes.iter().filter(|c| c.parents.iter().skip(1).any(|x| *x == p.id)).map(|c| c.guid.clone()).collect();
        if !members.is_empty() {
            generated.insert(format!("parent:{}", p.guid), (format!("Induk tambahan: {}", p.name), members));
        }
    }
    let mut sets = Vec::new();
    for (key, (name, members)) in generated {
        let guid = by_key
            .get(key.as_str())
            .map(|s| s.guid.clone())
            .unwrap_or_else(|| derived_guid(&format!("{}/{key}", study.guid)));
        sets.push(QdaSet { guid, name, description: Some(format!("{PREFIX}{key}")), member_codes: members });
    }
    for s in stored_sets.iter().filter(|s| s.key.is_none()) {
        let members: Vec<String> = s.members.iter().filter_map(|m| code_guid.get(m).cloned()).collect();
        if !members.is_empty() {
            sets.push(QdaSet {
                guid: s.guid.clone(),
                name: s.name.clone(),
                description: s.description.clone(),
                member_codes: members,
            });
        }
    }

    let mut notes = Vec::new();
    let mut qsources = Vec::new();
    for s in &sources {
        let (text, moved): (String, Option<Redacted>) = if redacted {
            let spans: Vec<Span> = store
                .redactions(s.id)
                .await?
                .into_iter()
                .map(|r| Span { start: r.start, end: r.end, label: r.label })
                .collect();
            if spans.is_empty() {
                (s.body.clone(), None)
            } else {
                let r = redact(&s.body, &spans);
                (r.text.clone(), Some(r))
            }
        } else {
            (s.body.clone(), None)
        };
        let map = |p: u32, end: bool| moved.as_ref().map(|r| r.map(p, end)).unwrap_or(p);
        // One selection per span of a selection GUID; codings of the same span share it.
        let mut selections: Vec<QdaSelection> = Vec::new();
        let mut at: HashMap<(String, u32, u32), usize> = HashMap::new();
        for g in codings.iter().filter(|g| g.source_id == s.id) {
            let (start, end) = (map(g.start, false), map(g.end, true));
            if end <= start {
                continue;
            }
            let key = (g.selection_guid.clone(), g.start, g.end);
            let i = match at.get(&key) {
                Some(&i) => i,
                None => {
                    let taken = selections.iter().any(|x| x.guid == g.selection_guid);
                    let guid =
                        if taken { derived_guid(&format!("{}/selection", g.guid)) } else { g.selection_guid.clone() };
                    selections.push(QdaSelection {
                        guid,
                        name: String::new(),
                        start: start as usize,
                        end: end as usize,
                        creating_user: coder_guid.get(&g.coder_id).cloned(),
                        codings: Vec::new(),
                        note_refs: Vec::new(),
                    });
                    at.insert(key, selections.len() - 1);
                    selections.len() - 1
                }
            };
            let Some(cg) = code_guid.get(&g.code_id) else { continue };
            selections[i].codings.push(QdaCoding {
                guid: g.guid.clone(),
                code_guid: cg.clone(),
                creating_user: coder_guid.get(&g.coder_id).cloned(),
            });
            if let Some(memo) = &g.memo {
                let guid = derived_guid(&format!("{}/memo", g.guid));
                notes.push(QdaNote {
                    guid: guid.clone(),
                    name: "Memo".into(),
                    text: memo.clone(),
                    creating_user: coder_guid.get(&g.coder_id).cloned(),
                    targets: vec![selections[i].guid.clone()],
                });
            }
        }
        qsources.push(QdaTextSource {
            guid: s.guid.clone(),
            name: s.title.clone(),
            text,
            original: None,
            created_by: None,
            selections,
        });
    }
    let exported: HashSet<&str> = qsources
        .iter()
        .flat_map(|s| s.selections.iter().flat_map(|x| x.codings.iter().map(|c| c.guid.as_str())))
        .collect();
    for c in &conclusions {
        let targets: Vec<String> = c
            .evidence
            .iter()
            .filter_map(|(gid, _)| codings.iter().find(|g| g.id == *gid))
            .filter(|g| exported.contains(g.guid.as_str()))
            .map(|g| g.guid.clone())
            .collect();
        notes.push(QdaNote {
            guid: c.guid.clone(),
            name: format!("Kesimpulan ({})", c.status.label("id")),
            text: c.claim.clone(),
            creating_user: None,
            targets,
        });
    }
    Ok(QdaProject {
        name: study.title.clone(),
        origin: Some(format!("Berdaya {}", env!("CARGO_PKG_VERSION"))),
        description: study.question.clone(),
        users: coders.iter().map(|c| QdaUser { guid: c.guid.clone(), name: c.name.clone() }).collect(),
        codes: qcodes,
        sets,
        sources: qsources,
        notes,
        skipped: Vec::new(),
    })
}

/// A project file's problem, said in Indonesian: a file that is no project at all is named
/// as such without the parser's (English) detail.
fn file_problem(e: &berdaya_files::qdpx::QdpxError) -> Error {
    use berdaya_files::qdpx::QdpxError as Q;
    match e {
        Q::NotQdpx(_) | Q::Xml { .. } | Q::NotUtf8 { .. } | Q::Io(_) | Q::Damaged { .. } => Error::unprocessable(
            "file",
            "is not a REFI-QDA project that can be read (.qdpx or .qdc): export it again from the QDA software",
        ),
        other => Error::unprocessable("file", other.indonesian()),
    }
}

/// Leaves out the blind phase's codings while it runs (each coder sees only their own).
pub fn without_blind(mut p: QdaProject, blind_guids: &HashSet<String>) -> QdaProject {
    for s in &mut p.sources {
        for x in &mut s.selections {
            x.codings.retain(|c| !blind_guids.contains(&c.guid));
        }
        s.selections.retain(|x| !x.codings.is_empty());
    }
    let kept: HashSet<String> = p.sources.iter().flat_map(|s| s.selections.iter().map(|x| x.guid.clone())).collect();
    let codings: HashSet<String> = p
        .sources
        .iter()
        .flat_map(|s| s.selections.iter().flat_map(|x| x.codings.iter().map(|c| c.guid.clone())))
        .collect();
    for n in &mut p.notes {
        n.targets.retain(|t| kept.contains(t) || codings.contains(t));
    }
    p.notes.retain(|n| n.name != "Memo" || !n.targets.is_empty());
    p
}

/// Writes a project as `.qdpx` bytes.
pub fn qdpx_bytes(p: &QdaProject) -> Result<Vec<u8>, Error> {
    let mut out = Cursor::new(Vec::new());
    berdaya_files::qdpx::write_qdpx(p, &mut out).map_err(|e| {
        Error::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the project: {e}"))
    })?;
    Ok(out.into_inner())
}

/// A project read from another tool, as a new study (in `region`) to store.
pub async fn imported_of(
    store: &dyn Store,
    p: &QdaProject,
    title: &str,
    region: Option<RegionCode>,
) -> Result<ImportedStudy, StoreError> {
    let frameworks = store.frameworks().await?;
    let mut extra_parents: HashMap<String, Vec<String>> = HashMap::new();
    let mut dims_of: HashMap<String, Vec<Id>> = HashMap::new();
    let mut role_of: HashMap<String, FindingKind> = HashMap::new();
    let mut sets = Vec::new();
    for s in &p.sets {
        let key = s.description.as_deref().and_then(|d| d.strip_prefix(PREFIX)).map(str::to_string);
        if let Some(k) = &key {
            if let Some(rest) = k.strip_prefix("dimension:")
                && let Some((fw, dim)) = rest.split_once('/')
                && let Some(d) = frameworks
                    .iter()
                    .find(|f| f.code.as_str() == fw)
                    .and_then(|f| f.dimensions.iter().find(|d| d.code.as_str() == dim))
            {
                for m in &s.member_codes {
                    dims_of.entry(m.clone()).or_default().push(d.id);
                }
            } else if let Some(r) = k.strip_prefix("role:")
                && let Ok(role) = FindingKind::parse(r)
            {
                for m in &s.member_codes {
                    role_of.insert(m.clone(), role);
                }
            } else if let Some(parent) = k.strip_prefix("parent:") {
                for m in &s.member_codes {
                    extra_parents.entry(m.clone()).or_default().push(parent.to_string());
                }
            }
        }
        sets.push(ImportedSet {
            guid: s.guid.clone(),
            name: s.name.chars().take(200).collect(),
            description: s.description.clone(),
            key,
            member_guids: s.member_codes.clone(),
        });
    }
    // Codes flattened; a name used twice gets its parent's name (or a number) added, since
    // names are unique in a codebook.
    let mut codes = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    fn walk(
        list: &[QdaCode],
        parent: Option<(&str, &str)>,
        out: &mut Vec<ImportedCode>,
        names: &mut HashSet<String>,
        dims_of: &HashMap<String, Vec<Id>>,
        role_of: &HashMap<String, FindingKind>,
        extra: &HashMap<String, Vec<String>>,
    ) {
        for (i, c) in list.iter().enumerate() {
            let base: String = c.name.trim().chars().take(110).collect();
            let base = if base.is_empty() { "Kode".to_string() } else { base };
            let mut name = base.clone();
            if names.contains(&name.to_lowercase())
                && let Some((_, pname)) = parent
            {
                name = format!("{base} ({})", pname.chars().take(60).collect::<String>());
            }
            let mut n = 2;
            while names.contains(&name.to_lowercase()) {
                name = format!("{base} ({n})");
                n += 1;
            }
            names.insert(name.to_lowercase());
            let mut parent_guids: Vec<String> = parent.map(|(g, _)| vec![g.to_string()]).unwrap_or_default();
            for e in extra.get(&c.guid).into_iter().flatten() {
                if !parent_guids.contains(e) {
                    parent_guids.push(e.clone());
                }
            }
            let color =
                c.color.as_deref().and_then(|x| berdaya_domain::qual::color(x).ok()).unwrap_or_else(|| {
                    berdaya_domain::qual::PALETTE[i % berdaya_domain::qual::PALETTE.len()].to_string()
                });
            out.push(ImportedCode {
                guid: c.guid.clone(),
                new: NewCode {
                    name,
                    description: c.description.as_ref().map(|d| d.chars().take(2000).collect()),
                    color,
                    role: role_of.get(&c.guid).copied(),
                    parents: Vec::new(),
                    dimensions: dims_of.get(&c.guid).cloned().unwrap_or_default(),
                },
                parent_guids,
            });
            walk(&c.children, Some((&c.guid, &c.name)), out, names, dims_of, role_of, extra);
        }
    }
    walk(&p.codes, None, &mut codes, &mut names, &dims_of, &role_of, &extra_parents);

    let mut coders: Vec<(String, String)> =
        p.users.iter().map(|u| (u.guid.clone(), u.name.chars().take(100).collect())).collect();
    let known: HashSet<String> = coders.iter().map(|(g, _)| g.clone()).collect();
    // Notes: a note about a selection is the memo of its codings; a Berdaya conclusion comes
    // back as a conclusion with its codings as evidence.
    let mut memo_of: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut conclusions = Vec::new();
    let selection_guids: HashSet<&str> =
        p.sources.iter().flat_map(|s| s.selections.iter().map(|x| x.guid.as_str())).collect();
    for n in &p.notes {
        if n.name.starts_with("Kesimpulan") {
            conclusions.push((n.guid.clone(), n.text.chars().take(2000).collect(), n.targets.clone()));
            continue;
        }
        for t in &n.targets {
            if selection_guids.contains(t.as_str()) {
                memo_of.entry(t.as_str()).or_default().push(n.text.as_str());
            }
        }
    }
    for s in &p.sources {
        for sel in &s.selections {
            for r in &sel.note_refs {
                if let Some(n) = p.notes.iter().find(|n| &n.guid == r && !n.name.starts_with("Kesimpulan")) {
                    let list = memo_of.entry(sel.guid.as_str()).or_default();
                    if !list.contains(&n.text.as_str()) {
                        list.push(n.text.as_str());
                    }
                }
            }
        }
    }
    let mut sources = Vec::new();
    let mut codings = Vec::new();
    let mut unknown = false;
    for s in &p.sources {
        sources.push(ImportedSource {
            guid: s.guid.clone(),
            new: NewSource {
                title: s.name.chars().take(200).collect::<String>().trim().to_string(),
                kind: SourceKind::Interview,
                taken_on: None,
                place: None,
                original: s.original.clone().unwrap_or_else(|| s.text.clone()),
                file_name: None,
                informants: Vec::new(),
                links: Vec::new(),
            },
        });
        for sel in &s.selections {
            for c in &sel.codings {
                let coder = c.creating_user.clone().or_else(|| sel.creating_user.clone()).filter(|g| known.contains(g));
                let coder = coder.unwrap_or_else(|| {
                    unknown = true;
                    UNKNOWN_CODER.to_string()
                });
                let memo = memo_of.get(sel.guid.as_str()).map(|m| m.join("\n\n").chars().take(2000).collect());
                codings.push(ImportedCoding {
                    guid: c.guid.clone(),
                    selection_guid: sel.guid.clone(),
                    source_guid: s.guid.clone(),
                    code_guid: c.code_guid.clone(),
                    coder_guid: coder,
                    start: sel.start as u32,
                    end: sel.end as u32,
                    memo,
                    phase: berdaya_domain::qual::Phase::Open,
                });
            }
        }
    }
    if unknown {
        coders.push((UNKNOWN_CODER.into(), "Pengode tanpa nama".into()));
    }
    let name = if p.name.trim().is_empty() { title.to_string() } else { p.name.trim().chars().take(200).collect() };
    Ok(ImportedStudy {
        study: Some(NewStudy {
            title: name,
            question: p.description.as_ref().map(|d| d.chars().take(1000).collect()),
            region,
            framework_id: None,
            planned_roles: Vec::new(),
            links: Vec::new(),
        }),
        guid: None,
        coders,
        codes,
        sources,
        codings,
        sets,
        conclusions,
    })
}

/// Checks an imported project's texts as a source typed in would be checked.
pub fn check_texts(p: &ImportedStudy) -> Result<(), Error> {
    for s in &p.sources {
        if s.new.title.is_empty() {
            return Err(Error::unprocessable("file", format!("source {} has no name", s.guid)));
        }
        berdaya_domain::qual::source_text(&s.new.original)
            .map_err(|m| Error::unprocessable("file", format!("source «{}»: the text {m}", s.new.title)))?;
        let _ = normalise(&s.new.original);
    }
    Ok(())
}

fn download(name: &str, mime: &str, body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, mime.to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn qdpx_download(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let st = study_of(&state, &auth, id, false).await.map_err(|e| e.page(lang))?;
    let mut p = project_of(state.store(), id, !sees_names(&auth, &st)).await.map_err(|e| storage(e).page(lang))?;
    if st.blind {
        let blind: HashSet<String> = state
            .store()
            .codings(id)
            .await?
            .into_iter()
            .filter(|g| g.phase == berdaya_domain::qual::Phase::Blind)
            .map(|g| g.guid)
            .collect();
        p = without_blind(p, &blind);
    }
    let bytes = qdpx_bytes(&p).map_err(|e| e.page(lang))?;
    record_export(state.store(), "qual_studies", id, "project.qdpx").await?;
    Ok(download(&format!("studi-{id}.qdpx"), "application/zip", bytes))
}

async fn qdc_download(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    study_of(&state, &auth, id, false).await.map_err(|e| e.page(lang))?;
    let p = project_of(state.store(), id, true).await.map_err(|e| storage(e).page(lang))?;
    if p.codes.is_empty() {
        return Err(Error::unprocessable("codes", "the codebook is empty: add codes first").page(lang));
    }
    berdaya_files::qdpx::validate(&p)
        .map_err(|e| Error::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()).page(lang))?;
    let xml = berdaya_files::qdpx::write_qdc(&p);
    record_export(state.store(), "qual_studies", id, "codebook.qdc").await?;
    Ok(download(&format!("buku-kode-studi-{id}.qdc"), "application/xml", xml.into_bytes()))
}

async fn codings_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let st = study_of(&state, &auth, id, false).await.map_err(|e| e.page(lang))?;
    let t = lang.tr();
    let store = state.store();
    let redacted = !sees_names(&auth, &st);
    let (codes, sources, informants, coders, codings) = (
        store.codes(id).await?,
        store.sources(id).await?,
        store.informants(id).await?,
        store.coders(id).await?,
        store.codings(id).await?,
    );
    let mut texts: HashMap<Id, (String, Option<Redacted>)> = HashMap::new();
    for s in &sources {
        let spans: Vec<Span> = if redacted {
            store
                .redactions(s.id)
                .await?
                .into_iter()
                .map(|r| Span { start: r.start, end: r.end, label: r.label })
                .collect()
        } else {
            Vec::new()
        };
        if spans.is_empty() {
            texts.insert(s.id, (s.body.clone(), None));
        } else {
            let r = redact(&s.body, &spans);
            texts.insert(s.id, (r.text.clone(), Some(r)));
        }
    }
    let rows = codings
        .iter()
        .map(|g| {
            let s = sources.iter().find(|s| s.id == g.source_id);
            let who: Vec<String> = s
                .map(|s| {
                    s.informants
                        .iter()
                        .filter_map(|i| informants.iter().find(|k| k.id == *i))
                        .map(|k| format!("{} ({})", k.pseudonym, k.role))
                        .collect()
                })
                .unwrap_or_default();
            let quote = match texts.get(&g.source_id) {
                Some((text, Some(r))) => slice(text, r.map(g.start, false), r.map(g.end, true)),
                _ => g.quote.clone(),
            };
            vec![
                TableCell::Text(s.map(|s| s.title.clone()).unwrap_or_default()),
                TableCell::Text(s.map(|s| s.kind.label(lang.code()).to_string()).unwrap_or_default()),
                TableCell::Text(who.join(", ")),
                TableCell::Text(codes.iter().find(|c| c.id == g.code_id).map(|c| c.name.clone()).unwrap_or_default()),
                TableCell::Count(u64::from(g.start)),
                TableCell::Count(u64::from(g.end)),
                TableCell::Text(quote),
                TableCell::Text(g.memo.clone().unwrap_or_default()),
                TableCell::Text(coders.iter().find(|c| c.id == g.coder_id).map(|c| c.name.clone()).unwrap_or_default()),
                TableCell::Text(g.phase.label(lang.code()).to_string()),
            ]
        })
        .collect();
    let headers = [
        "qual.source",
        "field.kind",
        "qual.informants",
        "field.code_id",
        "qual.start",
        "qual.end",
        "qual.quote",
        "field.memo",
        "qual.coder",
        "qual.phase",
    ]
    .iter()
    .map(|k| t.t(k).to_string())
    .collect();
    record_export(store, "qual_studies", id, "codings.xlsx").await?;
    xlsx(&format!("pengodean-studi-{id}.xlsx"), &[SheetTable { name: t.t("qual.codings").into(), headers, rows }])
}

async fn import_view(state: &AppState, auth: &Auth, lang: Lang, form: Option<&FormData>) -> Result<Page, Error> {
    auth.require(auth.principal().reads_surveys() && keeps(auth))?;
    let t = lang.tr();
    let mut pg = page(lang, t.t("qual.import").into(), None);
    let v = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
    let studies: Vec<(String, String)> = state
        .store()
        .studies(auth.principal().user.area.as_ref())
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.title))
        .collect();
    let region = v("region");
    let shown = crate::kit::refs::region_name(state, auth, &region).await.unwrap_or_default();
    let fields = vec![
        Field::file("file", t.t("field.file"), ".qdpx,.qdc").required().hint(t.t("qual.import_hint")),
        Field::picker("region", t.t("field.region"), "region", region, shown).hint(t.t("qual.region_hint")),
        Field::select(
            "positions",
            t.t("field.positions"),
            &v("positions"),
            vec![
                ("auto".into(), t.t("qual.positions_auto").into()),
                ("crlf_two".into(), t.t("qual.positions_two").into()),
                ("crlf_one".into(), t.t("qual.positions_one").into()),
            ],
            None,
        )
        .hint(t.t("qual.positions_hint")),
        Field::select("study_id", t.t("field.study_id"), &v("study_id"), studies, Some("—"))
            .hint(t.t("qual.import_qdc_hint")),
    ];
    pg.sections.push(Section {
        id: "import".into(),
        title: t.t("qual.import").into(),
        form: Some(Form::new("import", "/qual/import", t.t("qual.import"), fields)),
        ..Default::default()
    });
    Ok(pg)
}

async fn import_get(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    let pg = import_view(&state, &auth, lang, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

/// Reading options chosen on the form (`auto`: by the project's origin).
pub fn options(choice: &str, origin: Option<&str>) -> ReadOptions {
    match choice {
        "crlf_two" => ReadOptions { crlf_counts_two: true, ..ReadOptions::default() },
        "crlf_one" => ReadOptions { crlf_counts_two: false, ..ReadOptions::default() },
        _ => origin.map(ReadOptions::for_origin).unwrap_or_default(),
    }
}

async fn import_post(
    Cx { state, lang, auth }: Cx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    let up = match Upload::read(multipart, PROJECT_MB).await {
        Ok(u) => u,
        Err(e) => {
            let f = FormData::default();
            return answer(lang, Err(e), "import", || import_view(&state, &auth, lang, Some(&f))).await;
        }
    };
    let result = async {
        auth.require(auth.principal().reads_surveys() && keeps(&auth))?;
        let (name, bytes) = match &up.file {
            Some((n, b)) if !b.is_empty() => (n.clone(), b.clone()),
            _ => return Err(Error::unprocessable("file", "choose a file to upload")),
        };
        let lower = name.to_lowercase();
        if lower.ends_with(".qdc") {
            let into = match up.form.opt("study_id") {
                Some(raw) => {
                    berdaya_domain::registry::text::id(&raw).map_err(|m| Error::unprocessable("study_id", m))?
                }
                None => return Err(Error::unprocessable("study_id", "choose the study whose codebook the .qdc joins")),
            };
            study_of(&state, &auth, into, true).await.map_err(|_| missing_reference("study_id", "study", into))?;
            let book = read_qdc(&bytes).map_err(|e| file_problem(&e))?;
            if book.codes.is_empty() {
                return Err(Error::unprocessable("file", "the codebook holds no codes"));
            }
            let p = QdaProject { codes: book.codes, sets: book.sets, ..Default::default() };
            let mut imported = imported_of(state.store(), &p, &name, None).await?;
            imported.study = None;
            let id = state.store().import_study(&imported, Some(into)).await?;
            return Ok(format!("/qual/studies/{id}#codes"));
        }
        let region = match up.form.opt("region") {
            Some(r) => {
                let r = RegionCode::parse(&r).map_err(|e| Error::unprocessable("region", e.to_string()))?;
                if !auth.principal().in_area(&r) {
                    return Err(missing_reference("region", "region", r.as_str()));
                }
                auth.region_ref(state.store(), "region", &r).await?;
                Some(r)
            }
            None if auth.principal().user.area.is_some() => return Err(Error::unprocessable("region", "is required")),
            None => None,
        };
        let origin = read_origin(Cursor::new(&bytes)).ok().flatten();
        let opts = options(up.form.get("positions").trim(), origin.as_deref());
        let p = read_qdpx(Cursor::new(&bytes), opts).map_err(|e| file_problem(&e))?;
        let imported = imported_of(state.store(), &p, &name, region).await?;
        check_texts(&imported)?;
        let id = state.store().import_study(&imported, None).await?;
        Ok(format!("/qual/studies/{id}"))
    }
    .await;
    answer(lang, result, "import", || import_view(&state, &auth, lang, Some(&up.form))).await
}
