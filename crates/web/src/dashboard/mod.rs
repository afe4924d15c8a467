//! The dashboards: `/` the registry's aggregates (households and people by region, welfare
//! stage, DTKS listing, age and sex, disability) and `/dashboard/programs` the programs'
//! (enrollments by status month by month, coverage of target regions), each for the reader's
//! area and scope, narrowed by a region picker, as charts with their tables, an XLSX of the
//! tables (`/dashboard.xlsx`, `/dashboard/programs.xlsx`) and JSON (`/api/v1/dashboard`,
//! `/api/v1/dashboard/programs`).
//!
//! Everyone signed in reads them, the viewer role included: they hold only counts. For the
//! viewer small counts are suppressed ([`tables`]); other roles see exact counts of what
//! they may list. Cards above the registry dashboard link to their listings when the role may
//! open them.

mod tables;

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Query as UriQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use berdaya_domain::access::Role;
use berdaya_domain::registry::{EnrollmentStatus, RegionCode};
use berdaya_files::tables::{SheetTable, TableCell};
use berdaya_store::{Page, PageRequest, Query, Store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use tables::{StatRow, StatTable};

use crate::AppState;
use crate::access::guard::Auth;
use crate::chart;
use crate::error::Error;
use crate::extract::Cx;
use crate::html::{Choice, Layout, Link, enc, render};
use crate::i18n::{Lang, Translations};
use crate::kit::Resource;
use crate::registry::programs::Programs;

/// The suppression threshold when none is configured: counts from 1 to 4 are hidden.
pub const DEFAULT_SUPPRESS_BELOW: u64 = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(registry_page))
        .route("/dashboard/programs", get(programs_page))
        .route("/dashboard.xlsx", get(registry_xlsx))
        .route("/dashboard/programs.xlsx", get(programs_xlsx))
        .route("/api/v1/dashboard", get(registry_api))
        .route("/api/v1/dashboard/programs", get(programs_api))
}

// --- Scope ----------------------------------------------------------------------------------

/// The region a dashboard is narrowed to.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DashboardParams {
    /// A region code within the caller's area (default: the whole area).
    region: Option<String>,
}

/// What one dashboard reads: the scoped query, the suppression threshold and today.
struct Scope {
    query: Query,
    /// 0 when nothing is suppressed.
    below: u64,
    today: time::Date,
}

/// The caller's scope narrowed to the region asked for: a 400 for text that is not a region
/// code, a 404 (as for a missing one) for a region outside the area or that does not exist.
async fn scope(state: &AppState, auth: &Auth, params: &DashboardParams) -> Result<Scope, Error> {
    let wanted = match params.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => Some(RegionCode::parse(raw).map_err(|e| Error::bad_request("region", e))?),
        None => None,
    };
    let unseen = |code: &RegionCode| Error::not_found(format!("region {code} not found"));
    let query = Query { page: PageRequest::new(1, 1), region: wanted.clone(), ..Default::default() };
    let query = match (auth.scope(query), &wanted) {
        (Some(q), _) => q,
        (None, Some(code)) => return Err(unseen(code)),
        (None, None) => return Err(Error::not_found("nothing to show")),
    };
    if let Some(code) = &wanted {
        state.store().region(code).await.map_err(|_| unseen(code))?;
    }
    let below = if auth.role() == Role::Viewer { state.suppress_below } else { 0 };
    Ok(Scope { query, below, today: time::OffsetDateTime::now_utc().date() })
}

async fn registry_tables(state: &AppState, t: &Translations, s: &Scope) -> Result<Vec<StatTable>, Error> {
    let d = state.store().registry_dashboard(&s.query, s.today).await?;
    Ok(tables::registry_tables(t, &d, s.below))
}

async fn program_tables(state: &AppState, t: &Translations, s: &Scope) -> Result<Vec<StatTable>, Error> {
    let d = state.store().program_dashboard(&s.query, s.today).await?;
    Ok(tables::program_tables(t, &d, s.below))
}

// --- Pages ----------------------------------------------------------------------------------

/// One count on the registry dashboard.
pub struct Card {
    pub text: String,
    /// The count as shown: `10000+` when the listing stopped counting, `< 5` suppressed.
    pub count: String,
    /// Where the card leads; empty when the role may not open that page.
    pub href: &'static str,
}

/// A table as the page shows it, with its chart.
struct Shown {
    id: &'static str,
    title: String,
    label: String,
    columns: Vec<String>,
    /// Each row's key, label and cells.
    rows: Vec<(String, String, Vec<String>)>,
    totals: Option<Vec<String>>,
    /// The chart's SVG (built escaped), or empty.
    chart: String,
}

/// The region picker: the whole area, the regions down to the current one, its children.
struct RegionFilter {
    choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    demo: bool,
    heading: String,
    tabs: Vec<(Link, bool)>,
    filter: RegionFilter,
    xlsx: String,
    /// Says how small counts are shown, for the viewer.
    note: Option<String>,
    cards: Vec<Card>,
    tables: Vec<Shown>,
}

/// The chart of a table, drawn from its first column (the pyramid from both, the series
/// stacked); none for the coverage of target regions.
fn chart_of(t: &Translations, table: &StatTable) -> String {
    let first = |r: &StatRow| (r.label.clone(), r.cells.first().and_then(|c| c.value()));
    match table.id {
        "pyramid" => {
            let bands: Vec<_> = table
                .rows
                .iter()
                .map(|r| {
                    (r.label.clone(), r.cells.first().and_then(|c| c.value()), r.cells.get(1).and_then(|c| c.value()))
                })
                .collect();
            chart::pyramid(&table.title, [t.t("dashboard.male"), t.t("dashboard.female")], &bands)
        }
        "status" => {
            let series: Vec<&str> = table.columns.iter().map(String::as_str).collect();
            let periods: Vec<_> =
                table.rows.iter().map(|r| (r.label.clone(), r.cells.iter().map(|c| c.value()).collect())).collect();
            chart::stacked(&table.title, &series, &periods)
        }
        "covered" => String::new(),
        // The whole country lists 38 provinces and a district dozens of villages, most of
        // them empty in any one program: the chart draws the regions that hold something
        // (the table below still lists every one).
        "regions" => {
            let rows: Vec<_> = table.rows.iter().map(first).collect();
            let held: Vec<_> = rows.iter().filter(|(_, v)| *v != Some(0)).cloned().collect();
            chart::bars(&table.title, if held.is_empty() { &rows } else { &held })
        }
        _ => chart::bars(&table.title, &table.rows.iter().map(first).collect::<Vec<_>>()),
    }
}

fn shown(t: &Translations, table: StatTable, below: u64) -> Shown {
    let chart = chart_of(t, &table);
    let cells = |c: &[tables::Shown]| c.iter().map(|s| s.text(below)).collect::<Vec<_>>();
    Shown {
        id: table.id,
        rows: table.rows.iter().map(|r| (r.key.clone(), r.label.clone(), cells(&r.cells))).collect(),
        totals: table.totals.as_deref().map(cells),
        title: table.title,
        label: table.label,
        columns: table.columns,
        chart,
    }
}

/// The picker's choices for the scope.
async fn region_filter(state: &AppState, auth: &Auth, t: &Translations, s: &Scope) -> Result<RegionFilter, Error> {
    let area = auth.principal().user.area.clone();
    let current = s.query.region.clone();
    let whole = match &area {
        Some(a) => state.store().region(a).await?.name,
        None => t.t("dashboard.national").to_string(),
    };
    let mut choices = vec![Choice { value: String::new(), label: whole, selected: current == area }];
    let below_area = |code: &RegionCode| area.as_ref().is_none_or(|a| a != code && a.contains(code));
    if let Some(c) = &current {
        for r in state.store().region_path(c).await?.into_iter().filter(|r| below_area(&r.code)) {
            let selected = &r.code == c;
            choices.push(Choice { value: r.code.to_string(), label: r.name, selected });
        }
    }
    for r in state.store().region_children(current.as_ref()).await? {
        choices.push(Choice { value: r.code.to_string(), label: format!("— {}", r.name), selected: false });
    }
    Ok(RegionFilter { choices })
}

/// `?region=…` to keep on links, or nothing.
fn region_query(params: &DashboardParams) -> String {
    match params.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => format!("?region={}", enc(r)),
        None => String::new(),
    }
}

/// The page of one dashboard: `programs` picks which.
async fn page(cx: Cx, params: DashboardParams, programs: bool) -> Result<Response, Error> {
    let Cx { state, lang, auth } = cx;
    let t = lang.tr();
    let s = scope(&state, &auth, &params).await?;
    let tables = if programs { program_tables(&state, t, &s).await? } else { registry_tables(&state, t, &s).await? };
    let cards = if programs { Vec::new() } else { cards(&state, &auth, t, &s).await? };
    let demo = state.store().setting("demo").await?.is_some();
    let keep = region_query(&params);
    let title = if programs { "dashboard.programs_title" } else { "dashboard.title" };
    let tabs = vec![
        (Link::new(t.t("dashboard.registry_tab"), format!("/{keep}")), !programs),
        (Link::new(t.t("dashboard.programs_tab"), format!("/dashboard/programs{keep}")), programs),
    ];
    let xlsx = format!("{}{keep}", if programs { "/dashboard/programs.xlsx" } else { "/dashboard.xlsx" });
    let note = (s.below > 0).then(|| t.t("dashboard.suppressed_note").replace("{n}", &s.below.to_string()));
    let filter = region_filter(&state, &auth, t, &s).await?;
    Ok(render(&DashboardPage {
        l: Layout::new(lang, t.t(title), if programs { "dashboard" } else { "home" }),
        demo,
        heading: t.t(title).to_string(),
        tabs,
        filter,
        xlsx,
        note,
        cards,
        tables: tables.into_iter().map(|tb| shown(t, tb, s.below)).collect(),
    }))
}

async fn registry_page(cx: Cx, UriQuery(params): UriQuery<DashboardParams>) -> Result<Response, Error> {
    let lang = cx.lang;
    page(cx, params, false).await.map_err(|e| e.page(lang))
}

async fn programs_page(cx: Cx, UriQuery(params): UriQuery<DashboardParams>) -> Result<Response, Error> {
    let lang = cx.lang;
    page(cx, params, true).await.map_err(|e| e.page(lang))
}

// --- Cards ----------------------------------------------------------------------------------

/// A listing's total as shown on a card.
fn total<T>(page: &Page<T>) -> String {
    if page.total_capped { format!("{}+", page.total) } else { page.total.to_string() }
}

/// The counts the principal may see, card key by card key.
struct Counts {
    regions: String,
    households: String,
    people: String,
    groups: String,
    agencies: String,
    programs: String,
    enrollments: Option<String>,
}

/// National counts, for a national user who reads every record.
async fn national(store: &dyn Store) -> Result<Counts, Error> {
    let c = store.registry_counts().await?;
    Ok(Counts {
        regions: c.regions.to_string(),
        households: c.households.to_string(),
        people: c.people.to_string(),
        groups: c.groups.to_string(),
        agencies: c.agencies.to_string(),
        programs: c.programs.to_string(),
        enrollments: Some(c.enrollments.to_string()),
    })
}

/// Counts narrowed to the principal's area (and assignments or group).
async fn scoped(store: &dyn Store, auth: &Auth, records: &Query) -> Result<Counts, Error> {
    let one = Query { page: PageRequest::new(1, 1), ..Default::default() };
    let area = Query { within: None, ..records.clone() };
    // The store keeps the programs whose target regions overlap the area.
    let programs = match <Programs as Resource>::scope(auth, Query { region: records.region.clone(), ..one }) {
        Some(q) => total(&store.search_programs(&q).await?),
        None => "0".to_string(),
    };
    Ok(Counts {
        regions: total(&store.search_regions(&area).await?),
        households: total(&store.search_households(records).await?),
        people: total(&store.search_people(records).await?),
        groups: total(&store.search_groups(records).await?),
        agencies: total(&store.search_agencies(&area).await?),
        programs,
        enrollments: None,
    })
}

/// The cards over the registry dashboard, for the scope (national counts for a national
/// reader of everything who picked no region), suppressed for the viewer as the tables are.
async fn cards(state: &AppState, auth: &Auth, t: &Translations, s: &Scope) -> Result<Vec<Card>, Error> {
    let store = state.store();
    let p = auth.principal();
    let everything = s.query.region.is_none() && s.query.within.is_none();
    let counts = if everything { national(store).await? } else { scoped(store, auth, &s.query).await? };
    let hide = |count: String| match count.parse::<u64>() {
        Ok(n) if tables::small(n, s.below) => format!("< {}", s.below),
        _ => count,
    };
    let card = |key: &str, count: String, href: &'static str, opens: bool| Card {
        text: t.t(key).to_string(),
        count,
        href: if opens { href } else { "" },
    };
    let (people, programs) = (auth.reads_people(), p.reads_programs());
    let mut cards = vec![
        card("nav.regions", hide(counts.regions), "/regions", true),
        card("nav.households", hide(counts.households), "/households", people),
        card("nav.people", hide(counts.people), "/people", people),
        card("nav.groups", hide(counts.groups), "/groups", people),
        card("nav.agencies", hide(counts.agencies), "/agencies", programs),
        card("nav.programs", hide(counts.programs), "/programs", programs),
    ];
    if let Some(n) = counts.enrollments {
        cards.push(card("dashboard.enrollments", hide(n), "/programs", programs));
    }
    Ok(cards)
}

// --- XLSX -----------------------------------------------------------------------------------

/// The tables as a workbook, one sheet each: the label column, the counts (a suppressed one
/// as its text `< 5`), and the totals row.
fn workbook(t: &Translations, tables: &[StatTable], below: u64) -> Result<Vec<u8>, Error> {
    let cell = |s: &tables::Shown| match s.value() {
        Some(n) => TableCell::Count(n),
        None => TableCell::Text(s.text(below)),
    };
    let sheets: Vec<SheetTable> = tables
        .iter()
        .map(|table| {
            let mut rows: Vec<Vec<TableCell>> = table
                .rows
                .iter()
                .map(|r| std::iter::once(TableCell::Text(r.label.clone())).chain(r.cells.iter().map(cell)).collect())
                .collect();
            if let Some(totals) = &table.totals {
                rows.push(
                    std::iter::once(TableCell::Text(t.t("dashboard.total").into()))
                        .chain(totals.iter().map(cell))
                        .collect(),
                );
            }
            SheetTable {
                name: table.title.clone(),
                headers: std::iter::once(table.label.clone()).chain(table.columns.iter().cloned()).collect(),
                rows,
            }
        })
        .collect();
    berdaya_files::tables::write_tables(&sheets).map_err(|e| {
        Error::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the workbook: {e}"))
    })
}

pub(crate) fn xlsx_response(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn xlsx(cx: Cx, params: DashboardParams, programs: bool) -> Result<Response, Error> {
    let Cx { state, lang, auth } = cx;
    let t = lang.tr();
    let s = scope(&state, &auth, &params).await?;
    let tables = if programs { program_tables(&state, t, &s).await? } else { registry_tables(&state, t, &s).await? };
    let name = if programs { "berdaya-dasbor-program.xlsx" } else { "berdaya-dasbor.xlsx" };
    Ok(xlsx_response(name, workbook(t, &tables, s.below)?))
}

async fn registry_xlsx(cx: Cx, UriQuery(params): UriQuery<DashboardParams>) -> Result<Response, Error> {
    let lang = cx.lang;
    xlsx(cx, params, false).await.map_err(|e| e.page(lang))
}

async fn programs_xlsx(cx: Cx, UriQuery(params): UriQuery<DashboardParams>) -> Result<Response, Error> {
    let lang = cx.lang;
    xlsx(cx, params, true).await.map_err(|e| e.page(lang))
}

// --- API ------------------------------------------------------------------------------------

/// A dashboard's tables.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardDto {
    /// The region the counts are narrowed to (the caller's area when none was asked for;
    /// `null`: national).
    pub region: Option<String>,
    /// Counts from 1 below this are suppressed (`null` in the tables, and a second count
    /// hidden where a total would give one away); `null` when the caller sees exact counts.
    pub suppressed_below: Option<u64>,
    /// The enrollment statuses, by code, in the order of the `status` table's columns
    /// (programs dashboard only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<&'static str>,
    pub tables: Vec<StatTable>,
}

async fn api(
    state: AppState,
    lang: Lang,
    auth: Auth,
    params: DashboardParams,
    programs: bool,
) -> Result<Json<DashboardDto>, Error> {
    let t = lang.tr();
    let s = scope(&state, &auth, &params).await?;
    let tables = if programs { program_tables(&state, t, &s).await? } else { registry_tables(&state, t, &s).await? };
    Ok(Json(DashboardDto {
        region: s.query.region.as_ref().map(|r| r.to_string()),
        suppressed_below: (s.below > 0).then_some(s.below),
        statuses: if programs { EnrollmentStatus::ALL.iter().map(|s| s.code()).collect() } else { Vec::new() },
        tables,
    }))
}

/// The registry's aggregates in the caller's area and scope: households and people by
/// sub-region, households by welfare stage and DTKS listing, people by age band and sex and
/// by disability. Suppressed for the viewer role.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "dashboard", params(DashboardParams),
    responses((status = 200, body = DashboardDto), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn registry_api(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    UriQuery(params): UriQuery<DashboardParams>,
) -> Result<Json<DashboardDto>, Error> {
    api(state, lang, auth, params, false).await
}

/// The programs' aggregates in the caller's area and scope: enrollments by status at the end
/// of each of the last 24 months, and each visible program's enrolled subjects per target
/// region. Suppressed for the viewer role.
#[utoipa::path(get, path = "/api/v1/dashboard/programs", tag = "dashboard", params(DashboardParams),
    responses((status = 200, body = DashboardDto), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn programs_api(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    UriQuery(params): UriQuery<DashboardParams>,
) -> Result<Json<DashboardDto>, Error> {
    api(state, lang, auth, params, true).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use tables::{Shown as Cell, StatRow};

    fn regions(counts: &[(&str, u64)]) -> StatTable {
        StatTable {
            id: "regions",
            title: "Keluarga per wilayah".into(),
            label: "Wilayah".into(),
            columns: vec!["Keluarga".into()],
            rows: counts
                .iter()
                .map(|(name, n)| StatRow { key: String::new(), label: (*name).into(), cells: vec![Cell::Count(*n)] })
                .collect(),
            totals: None,
        }
    }

    #[test]
    fn the_region_chart_draws_only_the_regions_that_hold_something() {
        let t = Lang::Id.tr();
        let svg = chart_of(t, &regions(&[("Aceh", 0), ("Jawa Tengah", 7), ("Bali", 0), ("Lampung", 3)]));
        assert!(svg.contains("Jawa Tengah") && svg.contains("Lampung"), "{svg}");
        assert!(!svg.contains("Aceh") && !svg.contains("Bali"), "empty regions are not drawn: {svg}");
        // All empty: the chart still names them (zero bars), rather than drawing nothing.
        let svg = chart_of(t, &regions(&[("Aceh", 0), ("Bali", 0)]));
        assert!(svg.contains("Aceh") && svg.contains("Bali"), "{svg}");
    }
}
