//! Regions over HTTP: search, the tree (children with breadcrumbs), view, create and edit.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::registry::{Region, RegionCode, RegionDraft, RegionKind};
use berdaya_store::Page;
use serde::Serialize;
use utoipa::ToSchema;

use super::{PageDto, SearchParams, created, crumbs, form_failed, list_href};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{CodePath, FormData, JsonBody, ListParams};
use crate::html::{
    Cell, Field, Form, FormPage, Layout, Link, ListPage, Pager, Search, Section, Table, ViewPage, render, vocabulary,
};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/regions", get(list).post(create))
        .route("/api/v1/regions/tree", get(tree))
        .route("/api/v1/regions/{code}", get(show).put(update))
        .route("/api/v1/regions/{code}/children", get(children))
        .route("/regions", get(list_page).post(create_page))
        .route("/regions/new", get(new_page))
        .route("/regions/{code}", get(view_page))
        .route("/regions/{code}/edit", get(edit_page).post(update_page))
}

/// A region.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDto {
    /// Kemendagri code with dots (`33.16.09.2001`), local segments below the village.
    pub code: String,
    pub name: String,
    /// `province`, `regency`, `city`, `district`, `village`, `kelurahan`, `dusun`,
    /// `lingkungan`, `rw` or `rt`.
    pub kind: String,
    pub parent: Option<String>,
    pub version: i64,
}

impl From<Region> for RegionDto {
    fn from(r: Region) -> Self {
        RegionDto {
            code: r.code.to_string(),
            name: r.name,
            kind: r.kind.code().into(),
            parent: r.parent.map(|p| p.to_string()),
            version: r.version,
        }
    }
}

/// A level of the region tree: the path down to `parent` and its children.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionTreeDto {
    /// From the province down to the parent; empty at the top.
    pub path: Vec<RegionDto>,
    /// The parent's children, or the provinces.
    pub children: Vec<RegionDto>,
}

/// Regions whose name contains `q` or whose code starts with it.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(SearchParams),
    responses((status = 200, body = PageDto<RegionDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    params: ListParams,
) -> Result<Json<PageDto<RegionDto>>, Error> {
    let page = search(&state, &auth, &params).await?;
    Ok(Json(PageDto::from_page(page, RegionDto::from)))
}

/// The regions matching the search, narrowed to the principal's area.
async fn search(state: &AppState, auth: &Auth, params: &ListParams) -> Result<Page<Region>, Error> {
    let mut query = params.query();
    match auth.principal().narrow(query.region.as_ref()) {
        Ok(region) => {
            query.region = region;
            Ok(state.store().search_regions(&query).await?)
        }
        Err(_) => Ok(Page::new(Vec::new(), params.page, 0)),
    }
}

/// A region the principal may see (in their area or one of its ancestors); else as missing.
async fn visible(state: &AppState, auth: &Auth, code: &RegionCode) -> Result<Region, Error> {
    if !auth.region_code_visible(code) {
        return Err(hidden("region"));
    }
    Ok(state.store().region(code).await?)
}

/// The children of a region (or the provinces) the principal may see.
async fn visible_children(state: &AppState, auth: &Auth, code: Option<&RegionCode>) -> Result<Vec<Region>, Error> {
    let mut children = state.store().region_children(code).await?;
    children.retain(|r| auth.region_visible(r));
    Ok(children)
}

/// Adds a region; its parent (implied by the code) must exist.
#[utoipa::path(post, path = "/api/v1/regions", tag = "regions", request_body = crate::openapi::RegionInput,
    responses((status = 201, body = RegionDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(auth.principal().manages_reference_data())?;
    let draft: RegionDraft = body.decode()?;
    let new = draft.parse()?;
    auth.check_in_area("code", &new.code)?;
    let region = state.store().create_region(&new).await?;
    Ok(created(RegionDto::from(region)))
}

/// One region.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", params(("code" = String, Path, description = "Region code")),
    responses((status = 200, body = RegionDto), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    CodePath(code): CodePath,
) -> Result<Json<RegionDto>, Error> {
    Ok(Json(visible(&state, &auth, &code).await?.into()))
}

/// Changes a region's name and kind; the code in the path is its identity.
#[utoipa::path(put, path = "/api/v1/regions/{code}", tag = "regions", params(("code" = String, Path, description = "Region code")),
    request_body = crate::openapi::RegionUpdate,
    responses((status = 200, body = RegionDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    CodePath(code): CodePath,
    body: JsonBody,
) -> Result<Json<RegionDto>, Error> {
    auth.require(auth.principal().manages_reference_data())?;
    visible(&state, &auth, &code).await?;
    let body = body.with("code", code.as_str())?;
    let draft: RegionDraft = body.decode()?;
    let version = body.version()?;
    let new = draft.parse()?;
    auth.check_in_area("code", &new.code)?;
    let region = state.store().update_region(&new, version).await?;
    Ok(Json(region.into()))
}

/// The direct children of a region.
#[utoipa::path(get, path = "/api/v1/regions/{code}/children", tag = "regions", params(("code" = String, Path, description = "Region code")),
    responses((status = 200, body = Vec<RegionDto>), (status = 404, body = ErrorBody)))]
pub async fn children(
    State(state): State<AppState>,
    auth: Auth,
    CodePath(code): CodePath,
) -> Result<Json<Vec<RegionDto>>, Error> {
    visible(&state, &auth, &code).await?;
    let children = visible_children(&state, &auth, Some(&code)).await?;
    Ok(Json(children.into_iter().map(RegionDto::from).collect()))
}

/// A level of the tree: `?parent=CODE`, or the provinces without it.
#[utoipa::path(get, path = "/api/v1/regions/tree", tag = "regions",
    params(("parent" = Option<String>, Query, description = "Region code; the provinces when absent")),
    responses((status = 200, body = RegionTreeDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn tree(State(state): State<AppState>, auth: Auth, params: ListParams) -> Result<Json<RegionTreeDto>, Error> {
    let store = state.store();
    let path = match &params.parent {
        Some(code) if !auth.region_code_visible(code) => return Err(hidden("region")),
        Some(code) => store.region_path(code).await?,
        None => Vec::new(),
    };
    let children = visible_children(&state, &auth, params.parent.as_ref()).await?;
    Ok(Json(RegionTreeDto {
        path: path.into_iter().map(RegionDto::from).collect(),
        children: children.into_iter().map(RegionDto::from).collect(),
    }))
}

// Pages ------------------------------------------------------------------------------------

fn region_table(lang: Lang, regions: Vec<Region>) -> Table {
    let t = lang.tr();
    Table {
        sorts: Vec::new(),
        headers: vec![t.t("regions.code").into(), t.t("regions.name").into(), t.t("regions.kind").into()],
        rows: regions
            .into_iter()
            .map(|r| {
                let href = format!("/regions/{}", r.code);
                vec![
                    Cell::link(r.code.to_string(), href.clone()),
                    Cell::link(r.name, href),
                    Cell::text(r.kind.label(lang.code())),
                ]
            })
            .collect(),
        empty: t.t("regions.none").into(),
    }
}

/// The provinces (the top of the tree), or search results when `q` is given.
async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    params: ListParams,
) -> Result<Response, Error> {
    let t = lang.tr();
    let (table, pager, intro) = if params.q.is_some() {
        let page = search(&state, &auth, &params).await.map_err(|e| e.page(lang))?;
        let pager = Pager::new(t, &page, |n| list_href("/regions", &params, n));
        (region_table(lang, page.items), Some(pager), None)
    } else {
        let top = visible_children(&state, &auth, None).await.map_err(|e| e.page(lang))?;
        (region_table(lang, top), None, Some(t.t("regions.tree_intro").to_string()))
    };
    Ok(render(&ListPage {
        l: Layout::new(lang, t.t("regions.title"), "regions"),
        heading: t.t("regions.title").into(),
        breadcrumbs: Vec::new(),
        intro,
        search: Some(Search {
            action: "/regions".into(),
            q: params.q_str().into(),
            placeholder: t.t("regions.search_placeholder").into(),
            region: None,
            filters: Vec::new(),
            sort: None,
        }),
        actions: if auth.principal().manages_reference_data() {
            vec![Link::new(t.t("regions.add"), "/regions/new")]
        } else {
            Vec::new()
        },
        table,
        pager,
    }))
}

/// Breadcrumbs from the tree root down to `path`'s last region.
fn tree_crumbs(lang: Lang, path: &[Region]) -> Vec<Link> {
    let mut links = crumbs(lang, "nav.regions", "/regions");
    links.extend(path.iter().map(|r| Link::new(r.name.clone(), format!("/regions/{}", r.code))));
    links
}

async fn view_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    CodePath(code): CodePath,
) -> Result<Response, Error> {
    let t = lang.tr();
    let store = state.store();
    let shape = |e: berdaya_store::StoreError| Error::from(e).page(lang);
    let region = visible(&state, &auth, &code).await.map_err(|e| e.page(lang))?;
    let path = store.region_path(&code).await.map_err(shape)?;
    let children = visible_children(&state, &auth, Some(&code)).await.map_err(|e| e.page(lang))?;
    let manages = auth.principal().manages_reference_data();
    let parent = match &region.parent {
        Some(p) => Cell::link(
            path.iter().find(|r| &r.code == p).map(|r| format!("{} ({p})", r.name)).unwrap_or_else(|| p.to_string()),
            format!("/regions/{p}"),
        ),
        None => Cell::text("—"),
    };
    let heading = format!("{} {}", region.kind.label(lang.code()), region.name);
    Ok(render(&ViewPage {
        l: Layout::new(lang, heading.clone(), "regions"),
        heading,
        breadcrumbs: tree_crumbs(lang, &path),
        actions: if manages && auth.principal().in_area(&code) {
            vec![Link::new(t.t("common.edit"), format!("/regions/{code}/edit"))]
        } else {
            Vec::new()
        },
        warnings: Vec::new(),
        facts: vec![
            (t.t("regions.code").into(), Cell::text(region.code.to_string())),
            (t.t("regions.name").into(), Cell::text(region.name.clone())),
            (t.t("regions.kind").into(), Cell::text(region.kind.label(lang.code()))),
            (t.t("regions.parent").into(), parent),
            (t.t("common.version").into(), Cell::text(region.version.to_string())),
        ],
        sections: vec![Section {
            id: "children".into(),
            title: t.t("regions.children").into(),
            table: Some(region_table(lang, children)),
            links: [
                (manages && auth.principal().in_area(&code))
                    .then(|| Link::new(t.t("regions.add_child"), format!("/regions/new?parent={code}"))),
                auth.reads_people().then(|| Link::new(t.t("nav.households"), format!("/households?region={code}"))),
            ]
            .into_iter()
            .flatten()
            .collect(),
            ..Default::default()
        }],
    }))
}

fn region_form(lang: Lang, draft: &RegionDraft, action: String, editing: bool) -> Form {
    let t = lang.tr();
    let mut code = Field::text("code", t.t("regions.code"), &draft.code).required().hint(t.t("regions.code_hint"));
    if editing {
        code = code.readonly();
    }
    let kinds = vocabulary(RegionKind::ALL, RegionKind::code, RegionKind::label, lang);
    Form::new(
        "region",
        action,
        t.t("common.save"),
        vec![
            code,
            Field::text("name", t.t("regions.name"), &draft.name).required(),
            Field::select("kind", t.t("regions.kind"), &draft.kind, kinds, Some(t.t("common.choose"))).required(),
        ],
    )
}

fn draft_from(form: &FormData) -> RegionDraft {
    RegionDraft { code: form.get("code"), name: form.get("name"), kind: form.get("kind") }
}

fn form_page(lang: Lang, heading: &str, form: Form) -> FormPage {
    FormPage {
        l: Layout::new(lang, heading, "regions"),
        heading: heading.into(),
        breadcrumbs: crumbs(lang, "nav.regions", "/regions"),
        form,
    }
}

async fn new_page(lang: Lang, auth: Auth, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    auth.require(auth.principal().manages_reference_data()).map_err(|e| e.page(lang))?;
    // The child's kind follows from the parent's depth; the user types the last segment.
    let draft = RegionDraft {
        code: params.parent.as_ref().map(|p| format!("{p}.")).unwrap_or_default(),
        kind: match params.parent.as_ref().map(|p| p.depth() + 1) {
            Some(2) => "regency",
            Some(3) => "district",
            Some(4) => "village",
            Some(_) => "dusun",
            None => "province",
        }
        .into(),
        ..Default::default()
    };
    Ok(render(&form_page(lang, t.t("regions.new"), region_form(lang, &draft, "/regions".into(), false))))
}

async fn create_page(State(state): State<AppState>, lang: Lang, auth: Auth, form: FormData) -> Response {
    let t = lang.tr();
    if let Err(e) = auth.require(auth.principal().manages_reference_data()) {
        return e.page(lang).into_response();
    }
    let draft = draft_from(&form);
    let result = match draft.parse() {
        Ok(new) => match auth.check_in_area("code", &new.code) {
            Ok(()) => state.store().create_region(&new).await.map_err(Error::from),
            Err(e) => Err(e),
        },
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(region) => Redirect::to(&format!("/regions/{}", region.code)).into_response(),
        Err(err) => form_failed(
            lang,
            err,
            form_page(lang, t.t("regions.new"), region_form(lang, &draft, "/regions".into(), false)),
        ),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    CodePath(code): CodePath,
) -> Result<Response, Error> {
    let t = lang.tr();
    auth.require(auth.principal().manages_reference_data()).map_err(|e| e.page(lang))?;
    let region = visible(&state, &auth, &code).await.map_err(|e| e.page(lang))?;
    let draft = RegionDraft { code: region.code.to_string(), name: region.name, kind: region.kind.code().into() };
    let form =
        region_form(lang, &draft, format!("/regions/{code}/edit"), true).hidden("version", region.version.to_string());
    Ok(render(&form_page(lang, t.t("regions.edit"), form)))
}

async fn update_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    CodePath(code): CodePath,
    form: FormData,
) -> Response {
    let t = lang.tr();
    if let Err(e) = auth.require(auth.principal().manages_reference_data()) {
        return e.page(lang).into_response();
    }
    if let Err(e) = visible(&state, &auth, &code).await {
        return e.page(lang).into_response();
    }
    let mut draft = draft_from(&form);
    draft.code = code.to_string();
    let version = form.version().unwrap_or(0);
    let result = match draft.parse() {
        Ok(new) => match auth.check_in_area("code", &new.code) {
            Ok(()) => state.store().update_region(&new, version).await.map_err(Error::from),
            Err(e) => Err(e),
        },
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(region) => Redirect::to(&format!("/regions/{}", region.code)).into_response(),
        Err(err) => {
            let form =
                region_form(lang, &draft, format!("/regions/{code}/edit"), true).hidden("version", version.to_string());
            form_failed(lang, err, form_page(lang, t.t("regions.edit"), form))
        }
    }
}
