//! Regions over HTTP: search, the tree (children with breadcrumbs), view, create and edit.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::registry::{NewRegion, Region, RegionCode, RegionDraft, RegionKind};
use berdaya_store::{Page, Query};
use serde::Serialize;
use utoipa::ToSchema;

use super::crumbs;
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{CodePath, FormData, ListParams};
use crate::html::{Cell, Field, Link, Section, Table, ViewPage, vocabulary};
use crate::i18n::Lang;
use crate::kit::{self, ApiDoc, Column, Filter, Mode, Resource, view_shell};

pub fn router() -> Router<AppState> {
    kit::router::<Regions>()
        .route("/api/v1/regions/tree", get(tree))
        .route("/api/v1/regions/{code}/children", get(children))
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

/// Regions as a kit resource: their listing (the tree's top before a search), view, forms
/// and `/api/v1/regions` routes. The code in the path is a region's identity.
pub struct Regions;

impl Resource for Regions {
    type Record = Region;
    type Row = Region;
    type Draft = RegionDraft;
    type Dto = RegionDto;
    type RowDto = RegionDto;

    const NAME: &'static str = "regions";
    const ONE: &'static str = "region";
    const COLUMNS: &'static [Column] = &[
        Column::sorted("regions.code", "code"),
        Column::sorted("regions.name", "name"),
        Column::sorted("regions.kind", "kind"),
    ];
    const KEY_FIELD: Option<&'static str> = Some("code");
    const FILTERS: &'static [Filter] = &[Filter {
        key: "kind",
        label: "regions.kind",
        choices: |lang| vocabulary(RegionKind::ALL, RegionKind::code, RegionKind::label, lang),
    }];
    const DOC: ApiDoc = ApiDoc {
        stem: "Region",
        row: "RegionDto",
        noun: "region",
        list: "Regions whose name contains `q` or whose code starts with it.",
        create: "Adds a region; its parent (implied by the code) must exist.",
    };

    fn may_list(_auth: &Auth) -> bool {
        true
    }
    fn may_create(auth: &Auth) -> bool {
        auth.principal().manages_reference_data()
    }
    fn may_write(auth: &Auth) -> bool {
        auth.principal().manages_reference_data()
    }
    /// Only regions in the area: its ancestors are shown, not changed.
    fn may_edit(auth: &Auth, r: &Region) -> bool {
        auth.principal().in_area(&r.code)
    }
    /// Narrowed to the principal's area (regions are not assigned to anyone).
    fn scope(auth: &Auth, mut query: Query) -> Option<Query> {
        query.region = auth.principal().narrow(query.region.as_ref()).ok()?;
        Some(query)
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<Region>, Error> {
        Ok(state.store().search_regions(query).await?)
    }
    async fn read(state: &AppState, auth: &Auth, code: &RegionCode) -> Result<Region, Error> {
        visible(state, auth, code).await
    }
    async fn dto(_state: &AppState, r: Region, _fresh: bool) -> Result<RegionDto, Error> {
        Ok(r.into())
    }
    /// The code is the new record's own identity: it must lie in the area.
    async fn check(_state: &AppState, auth: &Auth, new: &NewRegion, _old: Option<&Region>) -> Result<(), Error> {
        auth.check_in_area("code", &new.code)
    }
    async fn create(state: &AppState, new: &NewRegion) -> Result<Region, Error> {
        Ok(state.store().create_region(new).await?)
    }
    async fn update(state: &AppState, _code: &RegionCode, new: &NewRegion, version: i64) -> Result<Region, Error> {
        Ok(state.store().update_region(new, version).await?)
    }

    fn cells(lang: Lang, _auth: &Auth, r: Region) -> Vec<Cell> {
        let href = format!("/regions/{}", r.code);
        vec![
            Cell::link(r.code.to_string(), href.clone()),
            Cell::link(r.name, href),
            Cell::text(r.kind.label(lang.code())),
        ]
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        region: Region,
        _params: &ListParams,
    ) -> Result<ViewPage, Error> {
        view(state, auth, lang, region).await
    }
    /// The provinces the principal may see: the top of the tree.
    async fn landing(state: &AppState, auth: &Auth, lang: Lang) -> Result<Option<(Vec<Region>, String)>, Error> {
        let top = visible_children(state, auth, None).await?;
        Ok(Some((top, lang.tr().t("regions.tree_intro").to_string())))
    }

    fn draft_of(r: &Region) -> RegionDraft {
        RegionDraft { code: r.code.to_string(), name: r.name.clone(), kind: r.kind.code().into() }
    }
    fn draft_from(form: &FormData) -> RegionDraft {
        RegionDraft { code: form.get("code"), name: form.get("name"), kind: form.get("kind") }
    }
    /// Under `?parent=CODE` the child's kind follows from the parent's depth; the user types
    /// the last segment.
    fn draft_new(params: &ListParams) -> RegionDraft {
        RegionDraft {
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
        }
    }
    async fn fields(
        _state: &AppState,
        _auth: &Auth,
        lang: Lang,
        d: &RegionDraft,
        mode: Mode<'_, RegionCode>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let mut code = Field::text("code", t.t("regions.code"), &d.code).required().hint(t.t("regions.code_hint"));
        if mode != Mode::New {
            code = code.readonly();
        }
        let kinds = vocabulary(RegionKind::ALL, RegionKind::code, RegionKind::label, lang);
        Ok(vec![
            code,
            Field::text("name", t.t("regions.name"), &d.name).required(),
            Field::select("kind", t.t("regions.kind"), &d.kind, kinds, Some(t.t("common.choose"))).required(),
        ])
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
    params.only(&[])?;
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

fn region_table(lang: Lang, auth: &Auth, regions: Vec<Region>) -> Table {
    let t = lang.tr();
    Table {
        headers: Regions::COLUMNS.iter().map(|c| t.t(c.label).to_string()).collect(),
        sorts: Vec::new(),
        rows: regions.into_iter().map(|r| Regions::cells(lang, auth, r)).collect(),
        empty: t.t("regions.none").into(),
    }
}

/// Breadcrumbs from the tree root down to `path`'s last region.
fn tree_crumbs(lang: Lang, path: &[Region]) -> Vec<Link> {
    let mut links = crumbs(lang, "nav.regions", "/regions");
    links.extend(path.iter().map(|r| Link::new(r.name.clone(), format!("/regions/{}", r.code))));
    links
}

/// The region page: its place in the tree and its children.
async fn view(state: &AppState, auth: &Auth, lang: Lang, region: Region) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let code = region.code.clone();
    let path = store.region_path(&code).await?;
    let children = visible_children(state, auth, Some(&code)).await?;
    let manages = auth.principal().manages_reference_data();
    let parent = match &region.parent {
        Some(p) => Cell::link(
            path.iter().find(|r| &r.code == p).map(|r| format!("{} ({p})", r.name)).unwrap_or_else(|| p.to_string()),
            format!("/regions/{p}"),
        ),
        None => Cell::text("—"),
    };
    let heading = format!("{} {}", region.kind.label(lang.code()), region.name);
    let shell = view_shell::<Regions>(lang, auth, &region, heading);
    Ok(ViewPage {
        breadcrumbs: tree_crumbs(lang, &path),
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
            table: Some(region_table(lang, auth, children)),
            links: [
                (manages && auth.principal().in_area(&code))
                    .then(|| Link::new(t.t("regions.add_child"), format!("/regions/new?parent={code}"))),
                auth.reads_people().then(|| Link::new(t.t("nav.households"), format!("/households?region={code}"))),
            ]
            .into_iter()
            .flatten()
            .collect(),
            ..Default::default()
        }]
        .into_iter()
        .chain(crate::kotaku::panel::region_section(state, auth, lang, &code).await?)
        .collect(),
        ..shell
    })
}
