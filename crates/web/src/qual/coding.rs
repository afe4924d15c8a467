//! Coding a source in the browser: the text with its codings highlighted (overlapping and
//! nested alike), the coding form filled by selecting text (see `assets/qual-coding.js`),
//! the codings listed with their memos, a coding removed, the text edited (codings
//! re-anchored by their quote), spans redacted before sharing, and keyword-in-context search
//! over a study's sources. In the blind phase each coder sees only their own codings.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query as UriQuery};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use berdaya_domain::qual::display::{Hit, kwic, redact, slice};
use berdaya_domain::qual::{Code, Coding, CodingDraft, Phase, Source, Study};
use berdaya_domain::registry::Id;

use super::{coding_of, excerpt, keeps, page, source_of, study_of};
use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::extract::{Cx, FormData, IdPath};
use crate::html::{Cell, Field, Form, Layout, Link, Section};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/qual/sources/{id}", get(source_page))
        .route("/qual/sources/{id}/codings", post(coding_add))
        .route("/qual/codings/{id}/delete", get(delete_confirm).post(coding_delete))
        .route("/qual/sources/{id}/text", post(text_edit).layer(DefaultBodyLimit::max(16 << 20)))
        .route("/qual/sources/{id}/redactions", post(redaction_add))
        .route("/qual/sources/{id}/informants", post(informant_add))
        .route("/qual/sources/{id}/shared.txt", get(shared_text))
        .route("/qual/studies/{id}/search", get(search_page).post(search_post))
}

/// A run of text between two coding boundaries, with the codings over it.
pub struct Segment {
    pub text: String,
    /// Names of the codes over it (empty: plain text).
    pub codes: String,
    pub ids: String,
    pub color: String,
}

/// The coding form beside the text.
pub struct CodingForm {
    pub action: String,
    pub start: String,
    pub end: String,
    pub quote: String,
    pub span: String,
    /// `(id, name, key)`: keys 1–9 choose the first nine codes.
    pub codes: Vec<(String, String, String)>,
    pub code: String,
    pub memo: String,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "qual/source.html")]
pub struct SourcePage {
    pub l: Layout,
    pub heading: String,
    pub breadcrumbs: Vec<Link>,
    pub actions: Vec<Link>,
    pub warnings: Vec<String>,
    pub facts: Vec<(String, Cell)>,
    pub chars: u32,
    pub segments: Vec<Segment>,
    pub coding: Option<CodingForm>,
    pub sections: Vec<Section>,
}

/// Splits `text` at every coding boundary.
pub fn segments(text: &str, codings: &[Coding], codes: &[Code]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut cuts: Vec<usize> = vec![0, chars.len()];
    for g in codings {
        cuts.push((g.start as usize).min(chars.len()));
        cuts.push((g.end as usize).min(chars.len()));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a == b {
            continue;
        }
        let over: Vec<&Coding> = codings.iter().filter(|g| (g.start as usize) <= a && (g.end as usize) >= b).collect();
        let names: Vec<String> =
            over.iter().filter_map(|g| codes.iter().find(|c| c.id == g.code_id)).map(|c| c.name.clone()).collect();
        // The innermost (latest starting, shortest) coding gives the colour.
        let inner = over.iter().max_by_key(|g| (g.start, std::cmp::Reverse(g.end)));
        let color =
            inner.and_then(|g| codes.iter().find(|c| c.id == g.code_id)).map(|c| c.color.clone()).unwrap_or_default();
        out.push(Segment {
            text: chars[a..b].iter().collect(),
            codes: names.join(", "),
            ids: over.iter().map(|g| g.id.to_string()).collect::<Vec<_>>().join(" "),
            color,
        });
    }
    out
}

/// The codings of a source the caller sees: in the blind phase only their own blind
/// codings; otherwise every coding but the blind ones.
async fn visible_codings(state: &AppState, auth: &Auth, study: &Study, source: Id) -> Result<Vec<Coding>, Error> {
    let all = state.store().source_codings(source).await?;
    if study.blind {
        let me =
            state.store().coders(study.id).await?.into_iter().find(|c| c.user_id == Some(auth.principal().user.id));
        Ok(all
            .into_iter()
            .filter(|g| g.phase == Phase::Blind && me.as_ref().is_some_and(|c| c.id == g.coder_id))
            .collect())
    } else {
        Ok(all.into_iter().filter(|g| g.phase != Phase::Blind).collect())
    }
}

async fn source_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    again: Option<(&str, &FormData, &Error)>,
) -> Result<SourcePage, Error> {
    let t = lang.tr();
    let (s, st) = source_of(state, auth, id, false).await?;
    let codes = state.store().codes(st.id).await?;
    let informants = state.store().informants(st.id).await?;
    let coders = state.store().coders(st.id).await?;
    let codings = visible_codings(state, auth, &st, id).await?;
    let base = page(lang, s.title.clone(), Some(&st));
    let who: Vec<String> = s
        .informants
        .iter()
        .filter_map(|i| informants.iter().find(|k| k.id == *i))
        .map(|k| format!("{} ({})", k.pseudonym, k.role))
        .collect();
    let mut records = Vec::new();
    for &(k, rid) in &s.links {
        records.push(format!("{}: {}", k.label(lang.code()), super::studies::link_name(state, auth, k, rid).await));
    }
    let facts = vec![
        (t.t("field.kind").into(), Cell::text(s.kind.label(lang.code()))),
        (t.t("field.taken_on").into(), Cell::text(s.taken_on.map(super::day).unwrap_or_else(|| "—".into()))),
        (t.t("field.place").into(), Cell::text(s.place.clone().unwrap_or_else(|| "—".into()))),
        (t.t("qual.informants").into(), Cell::text(if who.is_empty() { "—".into() } else { who.join(", ") })),
        (t.t("qual.records").into(), Cell::text(if records.is_empty() { "—".into() } else { records.join("; ") })),
        (t.t("field.file_name").into(), Cell::text(s.file_name.clone().unwrap_or_else(|| "—".into()))),
        (t.t("qual.characters").into(), Cell::text(s.chars.to_string())),
    ];
    let mut warnings = Vec::new();
    if st.blind {
        warnings.push(t.t("qual.blind_warning").to_string());
    }
    let write = keeps(auth);
    let form_of = |which: &str| again.filter(|(w, _, _)| *w == which).map(|(_, f, e)| (f, e));
    let coding = if write {
        let f = form_of("coding");
        let v = |k: &str| f.map(|(f, _)| f.get(k)).unwrap_or_default();
        let (start, end) = (v("start"), v("end"));
        let (quote, span) = match (start.parse::<u32>(), end.parse::<u32>()) {
            (Ok(a), Ok(b)) if b > a => (slice(&s.body, a, b), format!("({a}–{b})")),
            _ => (t.t("qual.select_text").to_string(), String::new()),
        };
        Some(CodingForm {
            action: format!("/qual/sources/{id}/codings"),
            start,
            end,
            quote,
            span,
            codes: super::studies::ordered(&codes)
                .into_iter()
                .enumerate()
                .map(|(i, (depth, c))| {
                    let key = if i < 9 { (i + 1).to_string() } else { String::new() };
                    (c.id.to_string(), format!("{}{}", "· ".repeat(depth), c.name), key)
                })
                .collect(),
            code: v("code_id"),
            memo: v("memo"),
            message: f.map(|(_, e)| e.text(lang)),
        })
    } else {
        None
    };
    let mut sections = Vec::new();
    let rows = codings
        .iter()
        .map(|g| {
            let code = codes.iter().find(|c| c.id == g.code_id).map(|c| c.name.clone()).unwrap_or_default();
            let coder = coders.iter().find(|c| c.id == g.coder_id).map(|c| c.name.clone()).unwrap_or_default();
            let mut row = vec![
                Cell::link(code, format!("/qual/codes/{}", g.code_id)),
                Cell::text(format!("{}–{}", g.start, g.end)),
                Cell::text(excerpt(&g.quote, 160)),
                Cell::text(coder),
                Cell::text(g.memo.clone().unwrap_or_else(|| "—".into())),
                Cell::text(g.phase.label(lang.code())),
            ];
            if write {
                row.push(Cell::link(t.t("qual.remove"), format!("/qual/codings/{}/delete", g.id)));
            }
            row
        })
        .collect();
    let mut headers = vec!["field.code_id", "qual.position", "qual.quote", "qual.coder", "field.memo", "qual.phase"];
    if write {
        headers.push("common.actions");
    }
    sections.push(Section::table(t, "codings", t.t("qual.codings"), &headers, rows, t.t("qual.no_codings")));

    let redactions = state.store().redactions(id).await?;
    let rows = redactions
        .iter()
        .map(|r| {
            vec![
                Cell::text(format!("{}–{}", r.start, r.end)),
                Cell::text(excerpt(&slice(&s.body, r.start, r.end), 80)),
                Cell::text(format!("[{}]", r.label)),
                Cell::text(r.created_by.clone()),
            ]
        })
        .collect();
    let mut sec = Section::table(
        t,
        "redactions",
        t.t("qual.redactions"),
        &["qual.position", "qual.quote", "field.label", "field.created_by"],
        rows,
        t.t("qual.no_redactions"),
    );
    sec.links.push(Link::new(t.t("qual.shared_text"), format!("/qual/sources/{id}/shared.txt")));
    if write {
        let f = form_of("redaction");
        let v = |k: &str| f.map(|(f, _)| f.get(k)).unwrap_or_default();
        let mut form = Form::new(
            "redaction",
            format!("/qual/sources/{id}/redactions"),
            t.t("qual.redact"),
            vec![
                Field::text("phrase", t.t("field.phrase"), v("phrase")).required().hint(t.t("qual.redact_hint")),
                Field::text("label", t.t("field.label"), v("label")).required(),
            ],
        );
        if let Some((_, e)) = f {
            form.show_error(t, e);
        }
        sec.form = Some(form);
    }
    sections.push(sec);

    if write {
        let others: Vec<(String, String)> = informants
            .iter()
            .filter(|i| !s.informants.contains(&i.id))
            .map(|i| (i.id.to_string(), format!("{} ({})", i.pseudonym, i.role)))
            .collect();
        if !others.is_empty() {
            let f = form_of("informant");
            let v = f.map(|(f, _)| f.get("informant_id")).unwrap_or_default();
            let mut form = Form::new(
                "informant",
                format!("/qual/sources/{id}/informants"),
                t.t("qual.add_informant"),
                vec![
                    Field::select("informant_id", t.t("field.informant_ids"), &v, others, Some(t.t("common.choose")))
                        .required(),
                ],
            );
            if let Some((_, e)) = f {
                form.show_error(t, e);
            }
            sections.push(Section {
                id: "informant".into(),
                title: t.t("qual.add_informant").into(),
                form: Some(form),
                ..Default::default()
            });
        }
        let f = form_of("text");
        let text = f.map(|(f, _)| f.get("text")).unwrap_or_else(|| s.original.clone());
        let mut form = Form::new(
            "text",
            format!("/qual/sources/{id}/text"),
            t.t("qual.edit_text"),
            vec![
                Field::textarea("text", t.t("field.text"), text).required().hint(t.t("qual.edit_text_hint")),
                Field::checkbox("drop_lost", t.t("field.drop_lost"), false),
            ],
        )
        .hidden("version", s.version.to_string());
        if let Some((_, e)) = f {
            form.show_error(t, e);
        }
        sections.push(Section {
            id: "text".into(),
            title: t.t("qual.edit_text").into(),
            form: Some(form),
            ..Default::default()
        });
    }
    // An error whose form is not on the page (it was the last choice) is said at the top.
    if let Some((which, _, e)) = again
        && which != "coding"
        && !sections.iter().any(|x| x.form.as_ref().is_some_and(|f| f.id == which))
    {
        warnings.push(e.text(lang));
    }
    Ok(SourcePage {
        l: base.l,
        heading: s.title.clone(),
        breadcrumbs: base.breadcrumbs,
        actions: vec![Link::new(t.t("qual.back_to_study"), format!("/qual/studies/{}", st.id))],
        warnings,
        facts,
        chars: s.chars,
        segments: segments(&s.body, &codings, &codes),
        coding,
        sections,
    })
}

async fn source_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = source_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

/// Answers a form of the source page: back to the page on success, else the page again with
/// the error beside the form (4xx), or the error page.
async fn answer(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    which: &str,
    form: &FormData,
    result: Result<String, Error>,
) -> Result<Response, Error> {
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e)
            if e.status().is_server_error()
                || e.status() == axum::http::StatusCode::FORBIDDEN
                || e.status() == axum::http::StatusCode::NOT_FOUND =>
        {
            Err(e.page(lang))
        }
        Err(e) => {
            let pg = source_view(state, auth, lang, id, Some((which, form, &e))).await.map_err(|e| e.page(lang))?;
            Ok(crate::html::render_with(e.status(), &pg))
        }
    }
}

/// The coder the caller is in the study.
pub async fn me(state: &AppState, auth: &Auth, study: Id) -> Result<berdaya_domain::qual::Coder, Error> {
    let u = &auth.principal().user;
    Ok(state.store().coder_for_user(study, u.id, u.username.as_str()).await?)
}

async fn coding_add(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (_, st) = source_of(&state, &auth, id, true).await?;
        if form.get("start").trim().is_empty() || form.get("end").trim().is_empty() {
            return Err(Error::unprocessable("start", "select the text to code first"));
        }
        let d = CodingDraft {
            source_id: id.to_string(),
            code_id: form.get("code_id"),
            start: form.get("start"),
            end: form.get("end"),
            memo: form.opt("memo"),
        };
        let n = d.parse()?;
        // The code must be one of this study's: any other reads as missing.
        if let Ok((c, _)) = super::code_of(&state, &auth, n.code_id, false).await {
            if c.study_id != st.id {
                return Err(crate::access::guard::missing_reference("code_id", "code", n.code_id));
            }
        } else {
            return Err(crate::access::guard::missing_reference("code_id", "code", n.code_id));
        }
        let coder = me(&state, &auth, st.id).await?;
        let phase = if st.blind { Phase::Blind } else { Phase::Open };
        let g = state.store().add_coding(coder.id, &n, phase).await?;
        Ok(format!("/qual/sources/{id}#c{}", g.id))
    }
    .await;
    answer(&state, &auth, lang, id, "coding", &form, result).await
}

async fn coding_delete(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let (g, s, _) = coding_of(&state, &auth, id, true).await.map_err(|e| e.page(lang))?;
    if form.get("confirm").trim().is_empty() {
        let mut pg = confirm_page(lang, &g, &s);
        let status =
            pg.form.show_error(lang.tr(), &Error::unprocessable("confirm", "tick the box to remove the coding"));
        return Ok(crate::html::render_with(status, &pg));
    }
    match state.store().delete_coding(g.id).await {
        Ok(()) => Ok(Redirect::to(&format!("/qual/sources/{}#codings", s.id)).into_response()),
        Err(e) => {
            let e: Error = e.into();
            if e.status().is_server_error() {
                return Err(e.page(lang));
            }
            let mut pg = confirm_page(lang, &g, &s);
            let status = pg.form.show_error(lang.tr(), &e);
            Ok(crate::html::render_with(status, &pg))
        }
    }
}

async fn text_edit(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (s, _) = source_of(&state, &auth, id, true).await?;
        let text = berdaya_domain::qual::source_text(&form.get("text")).map_err(|m| Error::unprocessable("text", m))?;
        state
            .store()
            .edit_source_text(id, &text, form.version().unwrap_or(s.version), form.checked("drop_lost"))
            .await?;
        Ok(format!("/qual/sources/{id}"))
    }
    .await;
    answer(&state, &auth, lang, id, "text", &form, result).await
}

async fn informant_add(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (_, st) = source_of(&state, &auth, id, true).await?;
        let informant = super::number(&form, "informant_id")?;
        // An informant of another study (or out of scope) reads as missing.
        match super::informant_of(&state, &auth, informant, false).await {
            Ok((i, _)) if i.study_id == st.id => {}
            _ => return Err(crate::access::guard::missing_reference("informant_id", "informant", informant)),
        }
        state.store().add_source_informant(id, informant).await?;
        Ok(format!("/qual/sources/{id}"))
    }
    .await;
    answer(&state, &auth, lang, id, "informant", &form, result).await
}

async fn redaction_add(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let (s, _) = source_of(&state, &auth, id, true).await?;
        let phrase = form.get("phrase");
        let label_raw = form.get("label");
        let checked = berdaya_domain::registry::text::text(&label_raw, 1, 40);
        let mut c = berdaya_domain::registry::text::Checker::new();
        let label = c.field("label", checked);
        if phrase.trim().is_empty() {
            c.push("phrase", "is required");
        }
        c.finish()?;
        let hits = kwic(&s.body, &phrase, 0, 10_000);
        if hits.is_empty() {
            return Err(Error::unprocessable("phrase", "does not occur in the text"));
        }
        let label = label.unwrap_or_default();
        for h in &hits {
            state.store().add_redaction(id, h.start, h.end, &label).await?;
        }
        Ok(format!("/qual/sources/{id}#redactions"))
    }
    .await;
    answer(&state, &auth, lang, id, "redaction", &form, result).await
}

/// The text with its redactions applied: what may be shared.
async fn shared_text(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (s, _) = source_of(&state, &auth, id, false).await.map_err(|e| e.page(lang))?;
    let spans: Vec<_> = state
        .store()
        .redactions(id)
        .await?
        .into_iter()
        .map(|r| berdaya_domain::qual::display::Span { start: r.start, end: r.end, label: r.label })
        .collect();
    let r = redact(&s.body, &spans);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"sumber-{id}.txt\"")),
        ],
        r.text,
    )
        .into_response())
}

#[derive(serde::Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: Option<String>,
}

async fn search_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(q): UriQuery<SearchQuery>,
) -> Result<Response, Error> {
    let pg = async {
        let t = lang.tr();
        let st = study_of(&state, &auth, id, false).await?;
        let mut pg = page(lang, t.t("qual.search").into(), Some(&st));
        let needle = q.q.clone().unwrap_or_default();
        let sources: Vec<Source> = state.store().sources(id).await?;
        let mut rows = Vec::new();
        if needle.trim().chars().count() >= 2 {
            for s in &sources {
                for Hit { start, before, hit, after, .. } in kwic(&s.body, &needle, 50, 200) {
                    rows.push(vec![
                        Cell::link(s.title.clone(), format!("/qual/sources/{}", s.id)),
                        Cell::text(start.to_string()),
                        Cell::text(format!("…{}", before.replace('\n', " "))),
                        Cell::text(hit),
                        Cell::text(format!("{}…", after.replace('\n', " "))),
                    ]);
                    if rows.len() >= 1000 {
                        break;
                    }
                }
            }
        }
        pg.sections.push(Section {
            id: "search".into(),
            title: t.t("qual.search").into(),
            form: Some(Form::new(
                "search",
                format!("/qual/studies/{id}/search"),
                t.t("qual.search"),
                vec![Field::text("q", t.t("field.q"), needle.clone()).required()],
            )),
            ..Default::default()
        });
        if needle.trim().chars().count() >= 2 {
            pg.cards = vec![(t.t("qual.hits").into(), rows.len().to_string())];
            pg.sections.push(Section::table(
                t,
                "hits",
                t.t("qual.kwic"),
                &["qual.source", "qual.position", "qual.before", "qual.keyword", "qual.after"],
                rows,
                t.t("qual.no_hits"),
            ));
        }
        Ok::<_, Error>(pg)
    }
    .await
    .map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

/// A search form sent: the results' address (the search is a plain link to share).
async fn search_post(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    study_of(&state, &auth, id, false).await.map_err(|e| e.page(lang))?;
    let q = form.get("q");
    if q.trim().chars().count() < 2 {
        let pg = async {
            let t = lang.tr();
            let st = study_of(&state, &auth, id, false).await?;
            let mut pg = page(lang, t.t("qual.search").into(), Some(&st));
            let mut f = Form::new(
                "search",
                format!("/qual/studies/{id}/search"),
                t.t("qual.search"),
                vec![Field::text("q", t.t("field.q"), q.clone()).required()],
            );
            f.show_error(t, &Error::unprocessable("q", "needs at least 2 characters"));
            pg.sections.push(Section {
                id: "hits".into(),
                title: t.t("qual.kwic").into(),
                form: Some(f),
                ..Default::default()
            });
            Ok::<_, Error>(pg)
        }
        .await
        .map_err(|e| e.page(lang))?;
        return Ok(crate::html::render_with(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &pg));
    }
    Ok(Redirect::to(&format!("/qual/studies/{id}/search?q={}", crate::html::enc(q.trim()))).into_response())
}

/// Asks before a coding is removed.
async fn delete_confirm(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (g, s, _) = coding_of(&state, &auth, id, true).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&confirm_page(lang, &g, &s)))
}

fn confirm_page(lang: Lang, g: &Coding, s: &Source) -> crate::html::FormPage {
    let t = lang.tr();
    let title = format!("{} — «{}»", t.t("qual.remove_coding"), excerpt(&g.quote, 60));
    let base = page(lang, title.clone(), None);
    let mut crumbs = base.breadcrumbs;
    crumbs.push(Link::new(s.title.clone(), format!("/qual/sources/{}", s.id)));
    crate::html::FormPage {
        l: base.l,
        heading: title,
        breadcrumbs: crumbs,
        form: Form::new(
            "delete",
            format!("/qual/codings/{}/delete", g.id),
            t.t("qual.remove"),
            vec![Field::checkbox("confirm", t.t("field.confirm"), false).hint(t.t("qual.remove_hint"))],
        ),
    }
}
