//! Studies, their informants, sources and codebook: the list of studies in the caller's area,
//! a study's page (what it asks, which programs and groups it concerns, its informants,
//! sources, codebook and the way to everything else), informants (real name revealed on
//! request, audited), sources pasted or uploaded (`.txt`, `.docx`, `.odt`, `.pdf`), codes
//! (several parents, framework dimensions, factor role) and codebooks copied between studies.

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query as UriQuery};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use berdaya_domain::framework::finding::FindingKind;
use berdaya_domain::qual::{
    Code, CodeDraft, InformantDraft, LinkKind, NewStudy, PALETTE, Sex, SourceDraft, SourceKind, Study, StudyDraft,
};
use berdaya_domain::registry::Id;

use super::{code_of, informant_of, keeps, page, sees_names, study_of};
use crate::AppState;
use crate::access::guard::{Auth, missing_reference, record_reveal};
use crate::error::Error;
use crate::extract::{Cx, FormData, IdPath, Upload};
use crate::html::{Cell, Field, Form, Link, Section, vocabulary};
use crate::i18n::Lang;
use crate::kotaku::{Page, answer};

/// The largest pasted text: a long transcript with room to spare.
const TEXT_BODY_LIMIT: usize = 16 << 20;
/// The largest uploaded document, in MB.
const DOCUMENT_MB: usize = 32;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/qual", get(list_page).post(create_page))
        .route("/qual/studies/{id}", get(study_page).post(update_page))
        .route("/qual/studies/{id}/informants", post(informant_add))
        .route("/qual/informants/{id}", get(informant_page).post(informant_update))
        .route("/qual/studies/{id}/sources/new", get(source_new))
        .route("/qual/studies/{id}/sources", post(source_paste).layer(DefaultBodyLimit::max(TEXT_BODY_LIMIT)))
        .route(
            "/qual/studies/{id}/sources/upload",
            post(source_upload).layer(DefaultBodyLimit::max((DOCUMENT_MB << 20) + (64 << 10))),
        )
        .route("/qual/studies/{id}/codes", post(code_add))
        .route("/qual/codes/{id}", get(code_page).post(code_update))
        .route("/qual/studies/{id}/codebook/copy", post(codebook_copy))
        .route("/qual/studies/{id}/phase", post(phase_page))
}

/// Programs and groups a form names, each resolved through the caller's scope.
pub async fn check_links(state: &AppState, auth: &Auth, links: &[(LinkKind, Id)]) -> Result<(), Error> {
    for &(kind, id) in links {
        match kind {
            LinkKind::Program => {
                crate::registry::programs::readable_program(state, auth, id)
                    .await
                    .map_err(|_| missing_reference("program_ids", "program", id))?;
            }
            LinkKind::Group => {
                auth.readable_group(state.store(), id)
                    .await
                    .map_err(|_| missing_reference("group_ids", "group", id))?;
            }
            LinkKind::Activity => {
                let a =
                    state.store().activity(id).await.map_err(|_| missing_reference("activity_ids", "activity", id))?;
                crate::registry::programs::readable_program(state, auth, a.program_id)
                    .await
                    .map_err(|_| missing_reference("activity_ids", "activity", id))?;
            }
        }
    }
    Ok(())
}

/// A group in the caller's area (evaluators read no group's members, but may name a group
/// a study concerns).
async fn group_in_area(state: &AppState, auth: &Auth, id: Id) -> Option<berdaya_domain::registry::Group> {
    state.store().group(id).await.ok().filter(|g| auth.principal().in_area(&g.region))
}

/// Names of the programs and groups linked, as chosen values of a picker.
async fn link_names(state: &AppState, auth: &Auth, links: &[(LinkKind, Id)], kind: LinkKind) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for &(k, id) in links.iter().filter(|(k, _)| *k == kind) {
        let name = link_name(state, auth, k, id).await;
        out.push((id.to_string(), name));
    }
    out
}

/// The name of a linked record as the caller may see it.
pub async fn link_name(state: &AppState, auth: &Auth, kind: LinkKind, id: Id) -> String {
    let what = match kind {
        LinkKind::Program => "program",
        LinkKind::Group => return group_in_area(state, auth, id).await.map(|g| g.name).unwrap_or_else(|| "—".into()),
        LinkKind::Activity => {
            return match state.store().activity(id).await {
                Ok(a) if crate::registry::programs::readable_program(state, auth, a.program_id).await.is_ok() => {
                    a.title
                }
                _ => "—".into(),
            };
        }
    };
    crate::kit::refs::record_name(state, auth, what, &id.to_string()).await.unwrap_or_else(|| "—".into())
}

fn study_draft(form: &FormData) -> StudyDraft {
    StudyDraft {
        title: form.get("title"),
        question: form.opt("question"),
        region: form.opt("region"),
        framework_id: form.opt("framework_id"),
        planned_roles: form.opt("planned_roles"),
        program_ids: form.opt("program_ids"),
        group_ids: form.opt("group_ids"),
    }
}

async fn study_form(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: &str,
    action: String,
    study: Option<&Study>,
    form: Option<&FormData>,
) -> Result<Form, Error> {
    let t = lang.tr();
    let v = |k: &str, dflt: String| form.map(|f| f.get(k)).unwrap_or(dflt);
    let frameworks =
        state.store().frameworks().await?.into_iter().map(|f| (f.id.to_string(), f.name)).collect::<Vec<_>>();
    let links = study.map(|s| s.links.clone()).unwrap_or_default();
    let region = v("region", study.and_then(|s| s.region.as_ref()).map(|r| r.to_string()).unwrap_or_default());
    let region_name = match study {
        Some(s) if form.is_none() => s.region_name.clone().unwrap_or_default(),
        _ => crate::kit::refs::region_name(state, auth, &region).await.unwrap_or_default(),
    };
    let programs = link_names(state, auth, &links, LinkKind::Program).await;
    let groups = link_names(state, auth, &links, LinkKind::Group).await;
    let title_label = t.t("field.title");
    let fields = vec![
        Field::text("title", title_label, v("title", study.map(|s| s.title.clone()).unwrap_or_default())).required(),
        Field::textarea(
            "question",
            t.t("field.question"),
            v("question", study.and_then(|s| s.question.clone()).unwrap_or_default()),
        ),
        Field::picker("region", t.t("field.region"), "region", region, region_name).hint(t.t("qual.region_hint")),
        Field::select(
            "framework_id",
            t.t("field.framework_id"),
            &v("framework_id", study.and_then(|s| s.framework_id).map(|f| f.to_string()).unwrap_or_default()),
            frameworks,
            Some("—"),
        ),
        Field::textarea(
            "planned_roles",
            t.t("field.planned_roles"),
            v("planned_roles", study.map(|s| s.planned_roles.join("\n")).unwrap_or_default()),
        )
        .hint(t.t("qual.planned_roles_hint")),
        Field::picker_many("program_ids", t.t("field.program_ids"), "program", programs),
        Field::picker_many("group_ids", t.t("field.group_ids"), "group", groups),
    ];
    let f = Form::new(id, action, t.t(if study.is_some() { "common.save" } else { "qual.create_study" }), fields);
    Ok(match study {
        Some(s) => f.hidden("version", s.version.to_string()),
        None => f,
    })
}

async fn list_view(state: &AppState, auth: &Auth, lang: Lang, form: Option<&FormData>) -> Result<Page, Error> {
    auth.require(auth.principal().reads_surveys())?;
    let t = lang.tr();
    let studies = state.store().studies(auth.principal().user.area.as_ref()).await?;
    let mut pg = page(lang, t.t("qual.studies").into(), None);
    let rows = studies
        .iter()
        .map(|s| {
            vec![
                Cell::link(s.title.clone(), format!("/qual/studies/{}", s.id)),
                Cell::text(s.region_name.clone().unwrap_or_else(|| lang.tr().t("qual.national").into())),
                Cell::text(s.created_by.clone()),
                Cell::text(super::day(s.created_at.date())),
            ]
        })
        .collect();
    let mut sec = Section::table(
        t,
        "studies",
        t.t("qual.studies"),
        &["field.title", "field.region", "field.created_by", "field.created_on"],
        rows,
        t.t("qual.no_studies"),
    );
    if keeps(auth) {
        sec.links.push(Link::new(t.t("qual.import"), "/qual/import"));
    }
    pg.sections.push(sec);
    if keeps(auth) {
        let mut s = Section { id: "new".into(), title: t.t("qual.create_study").into(), ..Default::default() };
        s.form = Some(study_form(state, auth, lang, "new", "/qual".into(), None, form).await?);
        pg.sections.push(s);
    }
    Ok(pg)
}

async fn list_page(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    let pg = list_view(&state, &auth, lang, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn checked_study(state: &AppState, auth: &Auth, form: &FormData) -> Result<NewStudy, Error> {
    let n = study_draft(form).parse()?;
    match (&n.region, &auth.principal().user.area) {
        (Some(r), _) if !auth.principal().in_area(r) => return Err(missing_reference("region", "region", r.as_str())),
        (Some(r), _) => auth.region_ref(state.store(), "region", r).await?,
        // A user of an area puts the study in it; only national users make national studies.
        (None, Some(_)) => return Err(Error::unprocessable("region", "is required")),
        (None, None) => {}
    }
    check_links(state, auth, &n.links).await?;
    Ok(n)
}

async fn create_page(Cx { state, lang, auth }: Cx, form: FormData) -> Result<Response, Error> {
    let result = async {
        auth.require(keeps(&auth))?;
        let n = checked_study(&state, &auth, &form).await?;
        let s = state.store().create_study(&n).await?;
        Ok(format!("/qual/studies/{}", s.id))
    }
    .await;
    answer(lang, result, "new", || list_view(&state, &auth, lang, Some(&form))).await
}

/// Which form of the study page a failed submission shows again, with what was typed.
#[derive(Clone, Copy)]
enum Again<'a> {
    None,
    Study(&'a FormData),
    Informant(&'a FormData),
    Code(&'a FormData),
    Copy(&'a FormData),
    Phase(&'a FormData),
}

async fn study_view(state: &AppState, auth: &Auth, lang: Lang, id: Id, again: Again<'_>) -> Result<Page, Error> {
    let t = lang.tr();
    let s = study_of(state, auth, id, false).await?;
    let store = state.store();
    let informants = store.informants(id).await?;
    let sources = store.sources(id).await?;
    let codes = store.codes(id).await?;
    let codings = store.codings(id).await?;
    let mut pg = page(lang, s.title.clone(), None);
    pg.breadcrumbs.push(Link::new(s.title.clone(), format!("/qual/studies/{id}")));
    let framework = match s.framework_id {
        Some(f) => Some(store.framework(f).await?),
        None => None,
    };
    let mut links = Vec::new();
    for &(k, rid) in &s.links {
        links.push(format!("{}: {}", k.label(lang.code()), super::studies::link_name(state, auth, k, rid).await));
    }
    pg.facts = vec![
        (t.t("field.question").into(), Cell::text(s.question.clone().unwrap_or_else(|| "—".into()))),
        (t.t("field.region").into(), Cell::text(s.region_name.clone().unwrap_or_else(|| t.t("qual.national").into()))),
        (
            t.t("field.framework_id").into(),
            Cell::text(framework.as_ref().map(|f| f.name.clone()).unwrap_or_else(|| "—".into())),
        ),
        (
            t.t("field.planned_roles").into(),
            Cell::text(if s.planned_roles.is_empty() { "—".into() } else { s.planned_roles.join(", ") }),
        ),
        (t.t("qual.records").into(), Cell::text(if links.is_empty() { "—".into() } else { links.join("; ") })),
        (t.t("qual.phase").into(), Cell::text(t.t(if s.blind { "qual.phase_blind" } else { "qual.phase_open" }))),
        (t.t("field.created_by").into(), Cell::text(s.created_by.clone())),
    ];
    let open = codings.iter().filter(|g| g.phase != berdaya_domain::qual::Phase::Blind).count();
    pg.cards = vec![
        (t.t("qual.informants").into(), informants.len().to_string()),
        (t.t("qual.sources").into(), sources.len().to_string()),
        (t.t("qual.codes").into(), codes.len().to_string()),
        (t.t("qual.codings").into(), open.to_string()),
    ];
    pg.actions = vec![
        Link::new(t.t("qual.matrix"), format!("/qual/studies/{id}/matrix")),
        Link::new(t.t("qual.conclusions"), format!("/qual/studies/{id}/conclusions")),
        Link::new(t.t("qual.agreement"), format!("/qual/studies/{id}/agreement")),
        Link::new(t.t("qual.search"), format!("/qual/studies/{id}/search")),
        Link::new(t.t("qual.export_qdpx"), format!("/qual/studies/{id}/project.qdpx")),
        Link::new(t.t("qual.export_qdc"), format!("/qual/studies/{id}/codebook.qdc")),
        Link::new(t.t("qual.export_xlsx"), format!("/qual/studies/{id}/codings.xlsx")),
    ];
    if s.blind {
        pg.warnings.push(t.t("qual.blind_warning").into());
    }
    let write = keeps(auth);

    // Informants: pseudonyms and roles; real names only on their own page, on request.
    let coded_by_source: std::collections::HashMap<Id, usize> = codings
        .iter()
        .filter(|g| g.phase != berdaya_domain::qual::Phase::Blind)
        .fold(Default::default(), |mut m, g| {
            *m.entry(g.source_id).or_default() += 1;
            m
        });
    let rows = informants
        .iter()
        .map(|i| {
            let n = sources.iter().filter(|x| x.informants.contains(&i.id)).count();
            vec![
                Cell::link(i.pseudonym.clone(), format!("/qual/informants/{}", i.id)),
                Cell::text(i.role.clone()),
                Cell::text(i.sex.map(|x| x.label(lang.code()).to_string()).unwrap_or_else(|| "—".into())),
                Cell::text(i.organisation.clone().unwrap_or_else(|| "—".into())),
                Cell::text(n.to_string()),
            ]
        })
        .collect();
    let mut sec = Section::table(
        t,
        "informants",
        t.t("qual.informants"),
        &["field.pseudonym", "field.role", "field.sex", "field.organisation", "qual.sources"],
        rows,
        t.t("qual.no_informants"),
    );
    if write {
        let f = if let Again::Informant(f) = again { Some(f) } else { None };
        sec.form = Some(informant_form(lang, "informant", format!("/qual/studies/{id}/informants"), None, f, false));
    }
    pg.sections.push(sec);

    let rows = sources
        .iter()
        .map(|x| {
            let who: Vec<String> = x
                .informants
                .iter()
                .filter_map(|i| informants.iter().find(|k| k.id == *i))
                .map(|k| format!("{} ({})", k.pseudonym, k.role))
                .collect();
            vec![
                Cell::link(x.title.clone(), format!("/qual/sources/{}", x.id)),
                Cell::text(x.kind.label(lang.code())),
                Cell::text(x.taken_on.map(super::day).unwrap_or_else(|| "—".into())),
                Cell::text(if who.is_empty() { "—".into() } else { who.join(", ") }),
                Cell::text(x.chars.to_string()),
                Cell::text(coded_by_source.get(&x.id).copied().unwrap_or(0).to_string()),
            ]
        })
        .collect();
    let mut sec = Section::table(
        t,
        "sources",
        t.t("qual.sources"),
        &["field.title", "field.kind", "field.taken_on", "qual.informants", "qual.characters", "qual.codings"],
        rows,
        t.t("qual.no_sources"),
    );
    if write {
        sec.links.push(Link::new(t.t("qual.add_source"), format!("/qual/studies/{id}/sources/new")));
    }
    pg.sections.push(sec);

    // The codebook, indented under parents.
    let dims: std::collections::HashMap<Id, String> = match &framework {
        Some(f) => f.dimensions.iter().map(|d| (d.id, d.name.clone())).collect(),
        None => Default::default(),
    };
    let mut all_dims = dims.clone();
    let other_dims: Vec<Id> =
        codes.iter().flat_map(|c| c.dimensions.iter().copied()).filter(|d| !dims.contains_key(d)).collect();
    if !other_dims.is_empty() {
        for d in state.store().dimensions("dimension_ids", &other_dims).await? {
            all_dims.insert(d.id, d.name);
        }
    }
    let counts: std::collections::HashMap<Id, usize> = codings
        .iter()
        .filter(|g| g.phase != berdaya_domain::qual::Phase::Blind)
        .fold(Default::default(), |mut m, g| {
            *m.entry(g.code_id).or_default() += 1;
            m
        });
    let rows = ordered(&codes)
        .into_iter()
        .map(|(depth, c)| {
            let parents: Vec<String> =
                c.parents.iter().filter_map(|p| codes.iter().find(|k| k.id == *p)).map(|k| k.name.clone()).collect();
            vec![
                Cell::link(format!("{}{}", "— ".repeat(depth), c.name), format!("/qual/codes/{}", c.id)),
                Cell::text(if parents.is_empty() { "—".into() } else { parents.join(", ") }),
                Cell::text(c.role.map(|r| r.label(lang.code()).to_string()).unwrap_or_else(|| "—".into())),
                Cell::text({
                    let d: Vec<String> = c.dimensions.iter().filter_map(|d| all_dims.get(d).cloned()).collect();
                    if d.is_empty() { "—".into() } else { d.join(", ") }
                }),
                Cell::text(counts.get(&c.id).copied().unwrap_or(0).to_string()),
            ]
        })
        .collect();
    let mut sec = Section::table(
        t,
        "codes",
        t.t("qual.codebook"),
        &["field.name", "field.parent_ids", "field.role", "field.dimension_ids", "qual.codings"],
        rows,
        t.t("qual.no_codes"),
    );
    if write {
        let f = if let Again::Code(f) = again { Some(f) } else { None };
        sec.form =
            Some(code_form(state, lang, &s, &codes, "code", format!("/qual/studies/{id}/codes"), None, f).await?);
    }
    pg.sections.push(sec);

    if write {
        // Copy a codebook from another study the caller may read.
        let others: Vec<(String, String)> = state
            .store()
            .studies(auth.principal().user.area.as_ref())
            .await?
            .into_iter()
            .filter(|o| o.id != id)
            .map(|o| (o.id.to_string(), o.title))
            .collect();
        if !others.is_empty() {
            let v = if let Again::Copy(f) = again { f.get("from_study_id") } else { String::new() };
            let mut sec = Section { id: "copy".into(), title: t.t("qual.copy_codebook").into(), ..Default::default() };
            sec.form = Some(Form::new(
                "copy",
                format!("/qual/studies/{id}/codebook/copy"),
                t.t("qual.copy_codebook"),
                vec![
                    Field::select("from_study_id", t.t("field.from_study_id"), &v, others, Some(t.t("common.choose")))
                        .required(),
                ],
            ));
            pg.sections.push(sec);
        }
        let v = if let Again::Phase(f) = again { f.get("phase") } else { String::new() };
        let mut sec = Section { id: "phase".into(), title: t.t("qual.phase").into(), ..Default::default() };
        sec.form = Some(Form::new(
            "phase",
            format!("/qual/studies/{id}/phase"),
            t.t("common.save"),
            vec![
                Field::select(
                    "phase",
                    t.t("qual.phase"),
                    &v,
                    vec![
                        ("blind".into(), t.t("qual.phase_blind").into()),
                        ("open".into(), t.t("qual.phase_open").into()),
                    ],
                    Some(t.t("common.choose")),
                )
                .required()
                .hint(t.t("qual.phase_hint")),
            ],
        ));
        pg.sections.push(sec);
        let f = if let Again::Study(f) = again { Some(f) } else { None };
        let mut sec = Section { id: "edit".into(), title: t.t("qual.edit_study").into(), ..Default::default() };
        sec.form = Some(study_form(state, auth, lang, "edit", format!("/qual/studies/{id}"), Some(&s), f).await?);
        pg.sections.push(sec);
    }
    Ok(pg)
}

/// Codes in codebook order, each under its first parent, with its depth.
pub fn ordered(codes: &[Code]) -> Vec<(usize, &Code)> {
    fn walk<'a>(codes: &'a [Code], parent: Option<Id>, depth: usize, out: &mut Vec<(usize, &'a Code)>) {
        for c in codes.iter().filter(|c| c.parents.first().copied() == parent) {
            if out.iter().any(|(_, x)| x.id == c.id) || depth > 16 {
                continue;
            }
            out.push((depth, c));
            walk(codes, Some(c.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(codes, None, 0, &mut out);
    for c in codes {
        if !out.iter().any(|(_, x)| x.id == c.id) {
            out.push((0, c));
        }
    }
    out
}

async fn study_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = study_view(&state, &auth, lang, id, Again::None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn update_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let s = study_of(&state, &auth, id, true).await?;
        let n = checked_study(&state, &auth, &form).await?;
        let version = form.version().unwrap_or(s.version);
        state.store().update_study(id, &n, version).await?;
        Ok(format!("/qual/studies/{id}"))
    }
    .await;
    answer(lang, result, "edit", || study_view(&state, &auth, lang, id, Again::Study(&form))).await
}

fn informant_form(
    lang: Lang,
    id: &str,
    action: String,
    current: Option<&berdaya_domain::qual::Informant>,
    form: Option<&FormData>,
    names: bool,
) -> Form {
    let t = lang.tr();
    let v = |k: &str, dflt: String| form.map(|f| f.get(k)).unwrap_or(dflt);
    let cur = |f: fn(&berdaya_domain::qual::Informant) -> Option<String>| current.and_then(f).unwrap_or_default();
    let mut fields = vec![
        Field::text("pseudonym", t.t("field.pseudonym"), v("pseudonym", cur(|i| Some(i.pseudonym.clone())))).required(),
        Field::text("role", t.t("field.role"), v("role", cur(|i| Some(i.role.clone()))))
            .required()
            .hint(t.t("qual.role_hint")),
        Field::select(
            "sex",
            t.t("field.sex"),
            &v("sex", cur(|i| i.sex.map(|s| s.code().to_string()))),
            vocabulary(Sex::ALL, Sex::code, Sex::label, lang),
            Some("—"),
        ),
        Field::text("organisation", t.t("field.organisation"), v("organisation", cur(|i| i.organisation.clone()))),
        Field::textarea(
            "sampling_note",
            t.t("field.sampling_note"),
            v("sampling_note", cur(|i| i.sampling_note.clone())),
        ),
        Field::date(
            "consent_on",
            t.t("field.consent_on"),
            v("consent_on", cur(|i| i.consent_on.map(|d| d.to_string()))),
        ),
    ];
    // A new informant's real name may be typed by whoever keeps the study; an existing one's
    // is shown (and so changed) only where the caller may see names.
    if current.is_none() || names {
        fields.insert(
            1,
            Field::text("real_name", t.t("field.real_name"), v("real_name", cur(|i| i.real_name.clone())))
                .hint(t.t("qual.real_name_hint")),
        );
    }
    let f = Form::new(id, action, t.t(if current.is_some() { "common.save" } else { "qual.add_informant" }), fields);
    match current {
        Some(i) => f.hidden("version", i.version.to_string()),
        None => f,
    }
}

fn informant_draft(form: &FormData) -> InformantDraft {
    InformantDraft {
        pseudonym: form.get("pseudonym"),
        real_name: form.opt("real_name"),
        role: form.get("role"),
        sex: form.opt("sex"),
        organisation: form.opt("organisation"),
        sampling_note: form.opt("sampling_note"),
        consent_on: form.opt("consent_on"),
    }
}

async fn informant_add(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        study_of(&state, &auth, id, true).await?;
        let n = informant_draft(&form).parse()?;
        state.store().add_informant(id, &n).await?;
        Ok(format!("/qual/studies/{id}#informants"))
    }
    .await;
    answer(lang, result, "informants", || study_view(&state, &auth, lang, id, Again::Informant(&form))).await
}

#[derive(serde::Deserialize, Default)]
struct RevealQuery {
    #[serde(default)]
    reveal: Option<String>,
}

async fn informant_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    reveal: bool,
    form: Option<&FormData>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let (i, s) = informant_of(state, auth, id, false).await?;
    let names = sees_names(auth, &s);
    let mut pg = page(lang, i.pseudonym.clone(), Some(&s));
    let real = if names && reveal {
        record_reveal(state.store(), "qual_informants", i.id, "real_name").await?;
        Cell::text(i.real_name.clone().unwrap_or_else(|| "—".into()))
    } else if names {
        Cell::link(t.t("qual.reveal_name"), format!("/qual/informants/{id}?reveal=1"))
    } else {
        Cell::text(t.t("qual.name_hidden"))
    };
    pg.facts = vec![
        (t.t("field.real_name").into(), real),
        (t.t("field.role").into(), Cell::text(i.role.clone())),
        (
            t.t("field.sex").into(),
            Cell::text(i.sex.map(|x| x.label(lang.code()).to_string()).unwrap_or_else(|| "—".into())),
        ),
        (t.t("field.organisation").into(), Cell::text(i.organisation.clone().unwrap_or_else(|| "—".into()))),
        (t.t("field.sampling_note").into(), Cell::text(i.sampling_note.clone().unwrap_or_else(|| "—".into()))),
        (t.t("field.consent_on").into(), Cell::text(i.consent_on.map(super::day).unwrap_or_else(|| "—".into()))),
    ];
    let sources = state.store().sources(s.id).await?;
    let rows = sources
        .iter()
        .filter(|x| x.informants.contains(&id))
        .map(|x| {
            vec![
                Cell::link(x.title.clone(), format!("/qual/sources/{}", x.id)),
                Cell::text(x.kind.label(lang.code())),
                Cell::text(x.taken_on.map(super::day).unwrap_or_else(|| "—".into())),
            ]
        })
        .collect();
    pg.sections.push(Section::table(
        t,
        "sources",
        t.t("qual.sources"),
        &["field.title", "field.kind", "field.taken_on"],
        rows,
        t.t("qual.no_sources"),
    ));
    if keeps(auth) {
        let mut sec = Section { id: "edit".into(), title: t.t("qual.edit_informant").into(), ..Default::default() };
        sec.form =
            Some(informant_form(lang, "edit", format!("/qual/informants/{id}"), Some(&i), form, names && reveal));
        pg.sections.push(sec);
    }
    Ok(pg)
}

async fn informant_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(q): UriQuery<RevealQuery>,
) -> Result<Response, Error> {
    let reveal = q.reveal.as_deref() == Some("1");
    let pg = informant_view(&state, &auth, lang, id, reveal, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn informant_update(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (i, s) = informant_of(&state, &auth, id, true).await?;
        let mut n = informant_draft(&form).parse()?;
        // Who may not see the name cannot change it either: it stays as it was.
        if !sees_names(&auth, &s) || !form.0.contains_key("real_name") {
            n.real_name = i.real_name.clone();
        }
        state.store().update_informant(id, &n, form.version().unwrap_or(i.version)).await?;
        Ok(format!("/qual/informants/{id}"))
    }
    .await;
    answer(lang, result, "edit", || informant_view(&state, &auth, lang, id, false, Some(&form))).await
}

async fn source_new_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    again: Option<(&str, &FormData)>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let s = study_of(state, auth, id, true).await?;
    let informants = state.store().informants(id).await?;
    let mut pg = page(lang, t.t("qual.add_source").into(), Some(&s));
    let choices: Vec<(String, String)> =
        informants.iter().map(|i| (i.id.to_string(), format!("{} ({})", i.pseudonym, i.role))).collect();
    let fields = |which: &str| {
        let v = |k: &str| again.filter(|(w, _)| *w == which).map(|(_, f)| f.get(k)).unwrap_or_default();
        let mut f = vec![
            Field::text("title", t.t("field.title"), v("title")).required(),
            Field::select(
                "kind",
                t.t("field.kind"),
                &v("kind"),
                vocabulary(SourceKind::ALL, SourceKind::code, SourceKind::label, lang),
                Some(t.t("common.choose")),
            )
            .required(),
            Field::date("taken_on", t.t("field.taken_on"), v("taken_on")),
            Field::text("place", t.t("field.place"), v("place")),
            Field::select("informant_ids", t.t("field.informant_ids"), &v("informant_ids"), choices.clone(), Some("—"))
                .hint(t.t("qual.informant_more_hint")),
            Field::picker_many("program_ids", t.t("field.program_ids"), "program", Vec::new()),
            Field::picker_many("group_ids", t.t("field.group_ids"), "group", Vec::new()),
        ];
        if which == "paste" {
            f.insert(4, Field::textarea("text", t.t("field.text"), v("text")).required().hint(t.t("qual.text_hint")));
        } else {
            f.insert(
                4,
                Field::file("file", t.t("field.file"), ".txt,.docx,.odt,.pdf").required().hint(t.t("qual.file_hint")),
            );
        }
        f
    };
    let mut sec = Section { id: "paste".into(), title: t.t("qual.paste_text").into(), ..Default::default() };
    sec.form = Some(Form::new("paste", format!("/qual/studies/{id}/sources"), t.t("qual.add_source"), fields("paste")));
    pg.sections.push(sec);
    let mut sec = Section { id: "upload".into(), title: t.t("qual.upload_file").into(), ..Default::default() };
    sec.form = Some(Form::new(
        "upload",
        format!("/qual/studies/{id}/sources/upload"),
        t.t("qual.add_source"),
        fields("upload"),
    ));
    pg.sections.push(sec);
    Ok(pg)
}

async fn source_new(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = source_new_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

fn source_draft(form: &FormData, text: String, file_name: Option<String>) -> SourceDraft {
    SourceDraft {
        title: form.get("title"),
        kind: form.get("kind"),
        taken_on: form.opt("taken_on"),
        place: form.opt("place"),
        text,
        file_name,
        informant_ids: form.opt("informant_ids"),
        program_ids: form.opt("program_ids"),
        group_ids: form.opt("group_ids"),
        activity_ids: form.opt("activity_ids"),
    }
}

async fn add_source(state: &AppState, auth: &Auth, id: Id, d: &SourceDraft) -> Result<String, Error> {
    study_of(state, auth, id, true).await?;
    let n = d.parse()?;
    check_links(state, auth, &n.links).await?;
    let s = state.store().add_source(id, &n).await?;
    Ok(format!("/qual/sources/{}", s.id))
}

async fn source_paste(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let d = source_draft(&form, form.get("text"), None);
    let result = add_source(&state, &auth, id, &d).await;
    answer(lang, result, "paste", || source_new_view(&state, &auth, lang, id, Some(("paste", &form)))).await
}

async fn source_upload(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    let up = match Upload::read(multipart, DOCUMENT_MB).await {
        Ok(u) => u,
        Err(e) => {
            let form = FormData::default();
            return answer(lang, Err(e), "upload", || {
                source_new_view(&state, &auth, lang, id, Some(("upload", &form)))
            })
            .await;
        }
    };
    let result = async {
        study_of(&state, &auth, id, true).await?;
        let (name, bytes) = match &up.file {
            Some((n, b)) if !b.is_empty() => (n.clone(), b.clone()),
            _ => return Err(Error::unprocessable("file", "choose a file to upload")),
        };
        let doc = berdaya_files::textdoc::read_text(&name, &bytes)
            .map_err(|e| Error::unprocessable("file", e.indonesian()))?;
        let d = source_draft(&up.form, doc.original, Some(name));
        add_source(&state, &auth, id, &d).await
    }
    .await;
    answer(lang, result, "upload", || source_new_view(&state, &auth, lang, id, Some(("upload", &up.form)))).await
}

#[allow(clippy::too_many_arguments)]
async fn code_form(
    state: &AppState,
    lang: Lang,
    study: &Study,
    codes: &[Code],
    id: &str,
    action: String,
    current: Option<&Code>,
    form: Option<&FormData>,
) -> Result<Form, Error> {
    let t = lang.tr();
    let v = |k: &str, dflt: String| form.map(|f| f.get(k)).unwrap_or(dflt);
    let parents: Vec<(String, String)> = codes
        .iter()
        .filter(|c| current.is_none_or(|x| x.id != c.id))
        .map(|c| (c.id.to_string(), c.name.clone()))
        .collect();
    let mut dims: Vec<(String, String)> = Vec::new();
    if let Some(cur) = current {
        for d in state.store().dimensions("dimension_ids", &cur.dimensions).await? {
            dims.push((d.id.to_string(), d.name));
        }
    }
    let _ = study;
    let first_parent =
        v("parent_ids", current.and_then(|c| c.parents.first()).map(|p| p.to_string()).unwrap_or_default());
    let second_parent =
        v("parent2_id", current.and_then(|c| c.parents.get(1)).map(|p| p.to_string()).unwrap_or_default());
    let color_default = PALETTE[codes.len() % PALETTE.len()].to_string();
    let fields = vec![
        Field::text("name", t.t("field.name"), v("name", current.map(|c| c.name.clone()).unwrap_or_default()))
            .required(),
        Field::textarea(
            "description",
            t.t("field.description"),
            v("description", current.and_then(|c| c.description.clone()).unwrap_or_default()),
        ),
        Field::new(
            "color",
            "color",
            t.t("field.color"),
            v("color", current.map(|c| c.color.clone()).unwrap_or(color_default)),
        ),
        Field::select(
            "role",
            t.t("field.role"),
            &v("role", current.and_then(|c| c.role).map(|r| r.code().to_string()).unwrap_or_default()),
            vocabulary(FindingKind::ALL, FindingKind::code, FindingKind::label, lang),
            Some("—"),
        )
        .hint(t.t("qual.code_role_hint")),
        Field::select("parent_ids", t.t("field.parent_ids"), &first_parent, parents.clone(), Some("—")),
        Field::select("parent2_id", t.t("field.parent2_id"), &second_parent, parents, Some("—")),
        Field::picker_many("dimension_ids", t.t("field.dimension_ids"), "dimension", dims),
    ];
    let f = Form::new(id, action, t.t(if current.is_some() { "common.save" } else { "qual.add_code" }), fields);
    Ok(match current {
        Some(c) => f.hidden("version", c.version.to_string()),
        None => f,
    })
}

fn code_draft(form: &FormData) -> CodeDraft {
    let mut parents: Vec<String> = Vec::new();
    for k in ["parent_ids", "parent2_id"] {
        if let Some(p) = form.opt(k)
            && !parents.contains(&p)
        {
            parents.push(p);
        }
    }
    CodeDraft {
        name: form.get("name"),
        description: form.opt("description"),
        color: form.opt("color"),
        role: form.opt("role"),
        parent_ids: Some(parents.join(",")),
        dimension_ids: form.opt("dimension_ids"),
    }
}

async fn code_add(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        study_of(&state, &auth, id, true).await?;
        let n = code_draft(&form).parse()?;
        state.store().add_code(id, &n).await?;
        Ok(format!("/qual/studies/{id}#codes"))
    }
    .await;
    answer(lang, result, "codes", || study_view(&state, &auth, lang, id, Again::Code(&form))).await
}

async fn code_view(state: &AppState, auth: &Auth, lang: Lang, id: Id, form: Option<&FormData>) -> Result<Page, Error> {
    let t = lang.tr();
    let (c, s) = code_of(state, auth, id, false).await?;
    let codes = state.store().codes(s.id).await?;
    let mut pg = page(lang, c.name.clone(), Some(&s));
    let dims: Vec<String> =
        state.store().dimensions("dimension_ids", &c.dimensions).await?.into_iter().map(|d| d.name).collect();
    pg.facts = vec![
        (t.t("field.description").into(), Cell::text(c.description.clone().unwrap_or_else(|| "—".into()))),
        (
            t.t("field.role").into(),
            Cell::text(c.role.map(|r| r.label(lang.code()).to_string()).unwrap_or_else(|| "—".into())),
        ),
        (t.t("field.dimension_ids").into(), Cell::text(if dims.is_empty() { "—".into() } else { dims.join(", ") })),
        (t.t("field.color").into(), Cell::text(c.color.clone())),
    ];
    let codings = state.store().codings(s.id).await?;
    let sources = state.store().sources(s.id).await?;
    let rows = codings
        .iter()
        .filter(|g| g.code_id == id && g.phase != berdaya_domain::qual::Phase::Blind)
        .take(500)
        .map(|g| {
            let title = sources.iter().find(|x| x.id == g.source_id).map(|x| x.title.clone()).unwrap_or_default();
            vec![
                Cell::link(title, format!("/qual/sources/{}#c{}", g.source_id, g.id)),
                Cell::text(super::excerpt(&g.quote, 160)),
                Cell::text(g.memo.clone().unwrap_or_else(|| "—".into())),
            ]
        })
        .collect();
    pg.sections.push(Section::table(
        t,
        "codings",
        t.t("qual.codings"),
        &["qual.source", "qual.quote", "field.memo"],
        rows,
        t.t("qual.no_codings"),
    ));
    if keeps(auth) {
        let mut sec = Section { id: "edit".into(), title: t.t("qual.edit_code").into(), ..Default::default() };
        sec.form = Some(code_form(state, lang, &s, &codes, "edit", format!("/qual/codes/{id}"), Some(&c), form).await?);
        pg.sections.push(sec);
    }
    Ok(pg)
}

async fn code_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = code_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn code_update(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (c, _) = code_of(&state, &auth, id, true).await?;
        let n = code_draft(&form).parse()?;
        state.store().update_code(id, &n, form.version().unwrap_or(c.version)).await?;
        Ok(format!("/qual/codes/{id}"))
    }
    .await;
    answer(lang, result, "edit", || code_view(&state, &auth, lang, id, Some(&form))).await
}

async fn codebook_copy(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        study_of(&state, &auth, id, true).await?;
        let from = super::number(&form, "from_study_id")?;
        study_of(&state, &auth, from, false).await.map_err(|_| missing_reference("from_study_id", "study", from))?;
        state.store().copy_codebook(from, id).await?;
        Ok(format!("/qual/studies/{id}#codes"))
    }
    .await;
    answer(lang, result, "copy", || study_view(&state, &auth, lang, id, Again::Copy(&form))).await
}

async fn phase_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        study_of(&state, &auth, id, true).await?;
        let blind = match form.get("phase").trim() {
            "blind" => true,
            "open" => false,
            "" => return Err(Error::unprocessable("phase", "is required")),
            _ => return Err(Error::unprocessable("phase", "must be blind or open")),
        };
        state.store().set_blind(id, blind).await?;
        Ok(format!("/qual/studies/{id}"))
    }
    .await;
    answer(lang, result, "phase", || study_view(&state, &auth, lang, id, Again::Phase(&form))).await
}

/// Redirects `/qual/studies/{id}/…` pages that need nothing else.
pub fn to_study(id: Id) -> Response {
    Redirect::to(&format!("/qual/studies/{id}")).into_response()
}
