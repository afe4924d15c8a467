//! PKH targeting over HTTP: the village welfare table of a district (seed 002 Table 1),
//! computed from the registry or entered as official figures (form, CSV/XLSX import), with
//! totals, ranking and banding by totals; and a program's targeting-error report per
//! village (exclusion and inclusion, each with its reasons), on a page, as XLSX and as JSON.
//! DTKS deciles of households are recorded through the API.
//!
//! Access: the welfare table holds counts only: whoever sees the district reads it;
//! administrators and program officers whose area holds the district enter figures. The
//! targeting report: its counts per village to whoever reads the program; its household
//! lists to administrators and the program officers of the program's agency.

use std::collections::BTreeMap;

use axum::extract::{Query as UriQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::pkh::targeting::{
    BandMethod, ErrorKind, MAX_BANDS, MIN_BANDS, STAGES, WelfareRow, WelfareSource, banding, check_counts, ranks,
    totals,
};
use berdaya_domain::registry::{Id, Program, Region, RegionCode, RegionKind, text};
use berdaya_files::tables::{SheetTable, TableCell, write_tables};
use berdaya_store::pkh::targeting::{NewWelfareFigure, TargetError};
use berdaya_store::{Page, PageRequest};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{CodePath, Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Pager, Section, Table, ViewPage, render, render_with};
use crate::i18n::Lang;
use crate::registry::programs::readable_program;
use crate::registry::{crumbs, iso};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions/{code}/welfare", get(welfare_page).post(welfare_entry_page))
        .route("/regions/{code}/welfare.xlsx", get(welfare_xlsx))
        .route("/api/v1/regions/{code}/welfare", get(welfare_api))
        .route("/api/v1/regions/{code}/welfare/{year}", put(welfare_import))
        .route("/api/v1/households/{id}/dtks-decile", post(set_decile))
        .route("/programs/{id}/pkh/targeting", get(targeting_page))
        .route("/programs/{id}/pkh/targeting.xlsx", get(targeting_xlsx))
        .route("/api/v1/programs/{id}/pkh/targeting", get(targeting_api))
}

#[derive(OpenApi)]
#[openapi(
    paths(welfare_api, welfare_import, set_decile, targeting_api),
    components(schemas(WelfareDto, WelfareRowDto, BandDto, DecileInput, TargetingDto, VillageCountDto, TargetErrorDto)),
    tags((name = "pkh", description = "PKH, the conditional cash transfer"))
)]
pub struct TargetingApi;

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

// --- The welfare table -------------------------------------------------------------------------

/// How a welfare table is asked for.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WelfareParams {
    /// The year of official figures (default: the latest entered, else this year).
    year: Option<String>,
    /// `official` or `registry` (default: official when figures exist for the year).
    source: Option<String>,
    /// `equal_interval`, `quantile`, `std_dev` (default) or `natural_breaks`.
    method: Option<String>,
    /// Number of bands, 2–10 (default 3).
    bands: Option<String>,
}

/// One village's row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WelfareRowDto {
    pub region: String,
    pub name: String,
    pub pra_sejahtera: i64,
    pub sejahtera_1: i64,
    pub sejahtera_2: i64,
    pub sejahtera_3: i64,
    pub sejahtera_3_plus: i64,
    pub total: i64,
    /// 1 = the most families.
    pub rank: usize,
    /// The band the total falls in, 1 = the lowest.
    pub band: usize,
}

/// One band of totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BandDto {
    pub number: usize,
    /// The cut range (lower inclusive; upper exclusive but for the last band).
    pub lower: f64,
    pub upper: f64,
    /// The smallest and largest village totals in the band.
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Region codes of the villages in the band.
    pub villages: Vec<String>,
}

/// A district's welfare table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WelfareDto {
    pub district: String,
    pub district_name: String,
    pub year: i32,
    /// `official` or `registry`.
    pub source: String,
    /// The figures' source text (official figures), when entered.
    pub cited: Option<String>,
    pub method: String,
    pub rows: Vec<WelfareRowDto>,
    /// Column totals in stage order, then the grand total.
    pub totals: Vec<i64>,
    pub total: i64,
    pub bands: Vec<BandDto>,
    /// Years with official figures, newest first.
    pub years: Vec<i32>,
}

/// The district of a welfare table: visible to the caller, a district.
async fn district(state: &AppState, auth: &Auth, code: &RegionCode) -> Result<Region, Error> {
    let r = state.store().region(code).await?;
    if !auth.region_visible(&r) {
        return Err(hidden("region"));
    }
    if r.kind != RegionKind::District {
        return Err(Error::bad_request("code", "must be a district (kecamatan)"));
    }
    Ok(r)
}

fn may_enter(auth: &Auth, code: &RegionCode) -> bool {
    matches!(auth.role(), Role::Administrator | Role::ProgramOfficer) && auth.in_area(code)
}

fn parse_year(raw: &str) -> Result<i32, Error> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2100).contains(y))
        .ok_or_else(|| Error::bad_request("year", "must be a year from 1900 to 2100"))
}

async fn build_welfare(state: &AppState, d: &Region, params: &WelfareParams) -> Result<WelfareDto, Error> {
    let store = state.store();
    let code = d.code.as_str();
    let years = store.welfare_years(code).await?;
    let year = match params.year.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(y) => parse_year(y)?,
        None => years.first().copied().unwrap_or_else(|| today().year()),
    };
    let official = store.welfare_figures(code, year).await?;
    let source = match params.source.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => WelfareSource::parse(s).map_err(|e| Error::bad_request("source", e))?,
        None if official.is_empty() => WelfareSource::Registry,
        None => WelfareSource::Official,
    };
    let method = match params.method.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => BandMethod::parse(s).map_err(|e| Error::bad_request("method", e))?,
        None => BandMethod::StdDev,
    };
    let k = match params.bands.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => s
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|k| (MIN_BANDS..=MAX_BANDS).contains(k))
            .ok_or_else(|| Error::bad_request("bands", format!("must be from {MIN_BANDS} to {MAX_BANDS}")))?,
        None => 3,
    };
    let (rows, cited): (Vec<WelfareRow>, Option<String>) = match source {
        WelfareSource::Official => {
            let cited = official.iter().find_map(|o| o.source.clone());
            (official.into_iter().map(|o| o.row).collect(), cited)
        }
        WelfareSource::Registry => (store.registry_welfare(code).await?, None),
    };
    let values: Vec<i64> = rows.iter().map(WelfareRow::total).collect();
    let bands = if values.is_empty() { Vec::new() } else { banding(&values, method, k)? };
    let mut band_of = vec![0usize; rows.len()];
    for b in &bands {
        for &i in &b.members {
            band_of[i] = b.number;
        }
    }
    let rank = ranks(&rows);
    let (sums, total) = totals(&rows);
    Ok(WelfareDto {
        district: code.to_string(),
        district_name: d.name.clone(),
        year,
        source: source.code().into(),
        cited,
        method: method.code().into(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| WelfareRowDto {
                region: r.region.clone(),
                name: r.name.clone(),
                pra_sejahtera: r.counts[0],
                sejahtera_1: r.counts[1],
                sejahtera_2: r.counts[2],
                sejahtera_3: r.counts[3],
                sejahtera_3_plus: r.counts[4],
                total: r.total(),
                rank: rank[i],
                band: band_of[i],
            })
            .collect(),
        totals: sums.to_vec(),
        total,
        bands: bands
            .iter()
            .map(|b| BandDto {
                number: b.number,
                lower: b.lower,
                upper: b.upper,
                min: b.min,
                max: b.max,
                villages: b.members.iter().map(|&i| rows[i].region.clone()).collect(),
            })
            .collect(),
        years,
    })
}

/// A district's village welfare table: families by welfare stage per village, official
/// figures of a year or computed from the registry, with totals, ranks and bands by total.
#[utoipa::path(get, path = "/api/v1/regions/{code}/welfare", tag = "pkh",
    params(("code" = String, Path, description = "District code"), WelfareParams),
    responses((status = 200, body = WelfareDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn welfare_api(
    State(state): State<AppState>,
    auth: Auth,
    CodePath(code): CodePath,
    UriQuery(params): UriQuery<WelfareParams>,
) -> Result<Json<WelfareDto>, Error> {
    let d = district(&state, &auth, &code).await?;
    Ok(Json(build_welfare(&state, &d, &params).await?))
}

/// The column names an import file may use, per stage (the stage code, or the short names).
fn stage_column(header: &str) -> Option<usize> {
    let h = header.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    match h.as_str() {
        "pra_sejahtera" | "pra" => Some(0),
        "sejahtera_1" | "sejahtera_i" | "s1" => Some(1),
        "sejahtera_2" | "sejahtera_ii" | "s2" => Some(2),
        "sejahtera_3" | "sejahtera_iii" | "s3" => Some(3),
        "sejahtera_3_plus" | "sejahtera_iii_plus" | "s3_plus" => Some(4),
        _ => None,
    }
}

/// Reads an import file (CSV or XLSX) of official figures: a `village` column (code or
/// name of a village of the district), one column per stage present (missing stages are
/// 0), optional `source`. Every bad cell is named by row and column; nothing is stored
/// unless every row reads.
fn read_figures(bytes: &[u8], villages: &[WelfareRow]) -> Result<Vec<NewWelfareFigure>, Error> {
    let table = if bytes.starts_with(b"PK") {
        berdaya_files::survey::read_responses_xlsx_bytes(bytes)
    } else {
        berdaya_files::survey::read_responses_csv(bytes)
    }
    .map_err(|e| Error::unprocessable("file", e.to_string()))?;
    let find = |name: &str| table.columns.iter().position(|c| c.trim().eq_ignore_ascii_case(name));
    let village_col = find("village")
        .or_else(|| find("desa"))
        .ok_or_else(|| Error::unprocessable("file", "has no `village` column"))?;
    let source_col = find("source").or_else(|| find("sumber"));
    let stage_cols: Vec<(usize, usize)> =
        table.columns.iter().enumerate().filter_map(|(i, c)| stage_column(c).map(|s| (i, s))).collect();
    if stage_cols.is_empty() {
        return Err(Error::unprocessable("file", "has no welfare stage column (pra_sejahtera, sejahtera_1, …)"));
    }
    let mut out = Vec::new();
    let mut problems: Vec<berdaya_domain::registry::FieldError> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in &table.rows {
        let cell = |i: usize| row.cells.get(i).map(|s| s.trim()).unwrap_or("");
        let at = |col: &str| format!("row {}, column {col}", row.line);
        let v = cell(village_col);
        let key = text::shorten(v);
        let Some(village) = villages.iter().find(|w| w.region == v || w.name.eq_ignore_ascii_case(v)) else {
            problems.push(berdaya_domain::registry::FieldError::new(
                at(&table.columns[village_col]),
                format!("`{key}` is not a village of the district"),
            ));
            continue;
        };
        if !seen.insert(village.region.clone()) {
            problems.push(berdaya_domain::registry::FieldError::new(
                at(&table.columns[village_col]),
                format!("`{key}` appears twice"),
            ));
            continue;
        }
        let mut counts = [0i64; 5];
        let mut ok = true;
        for &(i, stage) in &stage_cols {
            let raw = cell(i).replace(['.', ' '], "");
            if raw.is_empty() {
                continue;
            }
            match raw.parse::<i64>() {
                Ok(n) if (0..=10_000_000).contains(&n) => counts[stage] = n,
                _ => {
                    ok = false;
                    problems.push(berdaya_domain::registry::FieldError::new(
                        at(&table.columns[i]),
                        "must be a whole number from 0 to 10000000",
                    ));
                }
            }
        }
        if ok {
            let source = source_col.map(cell).filter(|s| !s.is_empty()).map(|s| s.chars().take(200).collect());
            out.push(NewWelfareFigure { region: village.region.clone(), counts, source });
        }
    }
    if !problems.is_empty() {
        return Err(berdaya_domain::registry::Invalid(problems).into());
    }
    if out.is_empty() {
        return Err(Error::unprocessable("file", "has no rows"));
    }
    Ok(out)
}

/// Imports a year's official figures for the villages of a district from a CSV or XLSX file
/// (the request body): a `village` column (code or name), one column per welfare stage
/// (`pra_sejahtera`, `sejahtera_1`, `sejahtera_2`, `sejahtera_3`, `sejahtera_3_plus`; those
/// missing are 0) and an optional `source`. All or nothing; each bad cell named by row and
/// column. Administrators and program officers whose area holds the district.
#[utoipa::path(put, path = "/api/v1/regions/{code}/welfare/{year}", tag = "pkh",
    params(("code" = String, Path, description = "District code"), ("year" = i32, Path, description = "Year")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = WelfareDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn welfare_import(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Path((raw, year)): axum::extract::Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<WelfareDto>, Error> {
    let code = RegionCode::parse(&raw).map_err(|m| Error::bad_request("code", m))?;
    let d = district(&state, &auth, &code).await?;
    auth.require(may_enter(&auth, &code))?;
    let year = parse_year(&year)?;
    let villages = state.store().registry_welfare(code.as_str()).await?;
    let figures = read_figures(&body, &villages)?;
    state.store().set_welfare_figures(year, &figures).await?;
    let params =
        WelfareParams { year: Some(year.to_string()), source: Some("official".into()), method: None, bands: None };
    Ok(Json(build_welfare(&state, &d, &params).await?))
}

fn welfare_query(dto: &WelfareDto, source: &str, method: &str, bands: usize) -> String {
    format!("year={}&source={source}&method={method}&bands={bands}", dto.year)
}

async fn welfare_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    d: &Region,
    params: &WelfareParams,
    form: Option<&FormData>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let dto = build_welfare(state, d, params).await?;
    let k = dto.bands.len().max(MIN_BANDS);
    let base = format!("/regions/{}/welfare", dto.district);
    let heading = format!("{} — {} {}", t.t("pkh_target.welfare_title"), d.name, dto.year);
    let mut breadcrumbs = crumbs(lang, "nav.regions", "/regions");
    breadcrumbs.push(Link::new(d.name.clone(), format!("/regions/{}", dto.district)));
    let source_label = WelfareSource::parse(&dto.source).map(|s| s.label(lang.code())).unwrap_or("");
    let method_label = BandMethod::parse(&dto.method).map(|m| m.label(lang.code())).unwrap_or("");
    let mut facts = vec![
        (t.t("pkh_target.district").to_string(), Cell::text(d.name.clone())),
        (t.t("pkh_target.year").to_string(), Cell::text(dto.year.to_string())),
        (t.t("pkh_target.source").to_string(), Cell::text(source_label)),
        (t.t("pkh_target.method").to_string(), Cell::text(method_label)),
        (t.t("pkh_target.total").to_string(), Cell::text(dto.total.to_string())),
    ];
    if let Some(c) = &dto.cited {
        facts.push((t.t("pkh_target.cited").to_string(), Cell::text(c.clone())));
    }
    let actions = vec![Link::new(
        t.t("pkh_target.xlsx"),
        format!("{base}.xlsx?{}", welfare_query(&dto, &dto.source, &dto.method, k)),
    )];
    let mut sections = Vec::new();
    // Choices: source, method, bands, year.
    let mut choose = Vec::new();
    for s in WelfareSource::ALL {
        if s.code() != dto.source {
            choose.push(Link::new(
                s.label(lang.code()),
                format!("{base}?{}", welfare_query(&dto, s.code(), &dto.method, k)),
            ));
        }
    }
    for m in BandMethod::ALL {
        if m.code() != dto.method {
            choose.push(Link::new(
                m.label(lang.code()),
                format!("{base}?{}", welfare_query(&dto, &dto.source, m.code(), k)),
            ));
        }
    }
    for n in MIN_BANDS..=MAX_BANDS {
        if n != k {
            choose.push(Link::new(
                format!("{n} {}", t.t("pkh_target.bands_word")),
                format!("{base}?{}", welfare_query(&dto, &dto.source, &dto.method, n)),
            ));
        }
    }
    for y in &dto.years {
        if *y != dto.year {
            choose.push(Link::new(
                y.to_string(),
                format!("{base}?year={y}&source=official&method={}&bands={k}", dto.method),
            ));
        }
    }
    sections.push(Section {
        id: "choose".into(),
        title: t.t("pkh_target.choose").into(),
        links: choose,
        ..Default::default()
    });
    let mut headers = vec![t.t("pkh_target.no").to_string(), t.t("pkh_target.village").to_string()];
    headers.extend(STAGES.iter().map(|s| s.label(lang.code()).to_string()));
    headers.extend([t.t("pkh_target.total").into(), t.t("pkh_target.rank").into(), t.t("pkh_target.band").into()]);
    let mut rows: Vec<Vec<Cell>> = dto
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::text((i + 1).to_string()),
                Cell::link(r.name.clone(), format!("/regions/{}", r.region)),
                Cell::text(r.pra_sejahtera.to_string()),
                Cell::text(r.sejahtera_1.to_string()),
                Cell::text(r.sejahtera_2.to_string()),
                Cell::text(r.sejahtera_3.to_string()),
                Cell::text(r.sejahtera_3_plus.to_string()),
                Cell::text(r.total.to_string()),
                Cell::text(r.rank.to_string()),
                Cell::text(r.band.to_string()),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let mut last = vec![Cell::text(""), Cell::text(t.t("pkh_target.total"))];
        last.extend(dto.totals.iter().map(|n| Cell::text(n.to_string())));
        last.extend([Cell::text(dto.total.to_string()), Cell::text(""), Cell::text("")]);
        rows.push(last);
    }
    sections.push(Section {
        id: "table".into(),
        title: t.t("pkh_target.table").into(),
        table: Some(Table { headers, rows, empty: t.t("pkh_target.no_rows").into(), ..Default::default() }),
        ..Default::default()
    });
    let names: BTreeMap<&str, &str> = dto.rows.iter().map(|r| (r.region.as_str(), r.name.as_str())).collect();
    sections.push(Section {
        id: "bands".into(),
        title: format!("{} ({method_label})", t.t("pkh_target.bands")),
        table: Some(Table {
            headers: vec![
                t.t("pkh_target.band").into(),
                t.t("pkh_target.range").into(),
                t.t("pkh_target.cuts").into(),
                t.t("pkh_target.villages").into(),
                t.t("pkh_target.names").into(),
            ],
            rows: dto
                .bands
                .iter()
                .map(|b| {
                    let range = match (b.min, b.max) {
                        (Some(lo), Some(hi)) => format!("{lo}–{hi}"),
                        _ => "—".into(),
                    };
                    vec![
                        Cell::text(b.number.to_string()),
                        Cell::text(range),
                        Cell::text(format!("{:.0}–{:.0}", b.lower, b.upper)),
                        Cell::text(b.villages.len().to_string()),
                        Cell::text(
                            b.villages
                                .iter()
                                .map(|v| names.get(v.as_str()).copied().unwrap_or(v))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ]
                })
                .collect(),
            empty: t.t("pkh_target.no_rows").into(),
            ..Default::default()
        }),
        ..Default::default()
    });
    if may_enter(auth, &d.code) {
        let villages = state.store().registry_welfare(d.code.as_str()).await?;
        let get = |name: &str| form.map(|f| f.get(name)).unwrap_or_default();
        let year = form.map(|f| f.get("year")).unwrap_or_else(|| dto.year.to_string());
        let mut fields = vec![
            Field::select(
                "region",
                t.t("pkh_target.village"),
                &get("region"),
                villages.iter().map(|v| (v.region.clone(), v.name.clone())).collect(),
                Some(t.t("pkh_target.pick_village")),
            )
            .required(),
            Field::new("number", "year", t.t("pkh_target.year"), year).required(),
        ];
        for s in STAGES {
            fields.push(Field::new("number", s.code(), s.label(lang.code()), get(s.code())));
        }
        fields.push(Field::text("source", t.t("pkh_target.cited"), get("source")).hint(t.t("pkh_target.import_hint")));
        sections.push(Section {
            id: "entry".into(),
            title: t.t("pkh_target.entry").into(),
            form: Some(Form::new("welfare", base.clone(), t.t("pkh_target.save"), fields)),
            ..Default::default()
        });
    }
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "regions"),
        heading,
        breadcrumbs,
        actions,
        warnings: Vec::new(),
        facts,
        sections,
    })
}

async fn welfare_page(
    Cx { state, lang, auth }: Cx,
    CodePath(code): CodePath,
    UriQuery(params): UriQuery<WelfareParams>,
) -> Result<Response, Error> {
    let go = async {
        let d = district(&state, &auth, &code).await?;
        welfare_view(&state, &auth, lang, &d, &params, None).await
    };
    Ok(render(&go.await.map_err(|e| e.page(lang))?))
}

fn figure_from(form: &FormData) -> Result<(i32, NewWelfareFigure), Error> {
    let year = parse_year(&form.get("year"))?;
    let region = form.get("region");
    if region.trim().is_empty() {
        return Err(Error::unprocessable("region", "is required"));
    }
    let mut counts = [0i64; 5];
    for (i, s) in STAGES.iter().enumerate() {
        let raw = form.get(s.code()).replace(['.', ' '], "");
        if raw.is_empty() {
            continue;
        }
        counts[i] = raw.parse().map_err(|_| Error::unprocessable(s.code(), "must be a whole number"))?;
    }
    check_counts(&counts)?;
    let source = form.opt("source").map(|s| s.trim().chars().take(200).collect::<String>()).filter(|s| !s.is_empty());
    Ok((year, NewWelfareFigure { region: region.trim().to_string(), counts, source }))
}

async fn welfare_entry_page(
    Cx { state, lang, auth }: Cx,
    CodePath(code): CodePath,
    form: FormData,
) -> Result<Response, Error> {
    let d = district(&state, &auth, &code).await.map_err(|e| e.page(lang))?;
    if !may_enter(&auth, &code) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let go = async {
        let (year, figure) = figure_from(&form)?;
        let villages = state.store().registry_welfare(code.as_str()).await?;
        if !villages.iter().any(|v| v.region == figure.region) {
            return Err(Error::unprocessable("region", "is not a village of the district"));
        }
        state.store().set_welfare_figures(year, &[figure]).await?;
        Ok::<_, Error>(year)
    };
    match go.await {
        Ok(year) => Ok(Redirect::to(&format!("/regions/{code}/welfare?year={year}&source=official")).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let params = WelfareParams::default();
            let mut view =
                welfare_view(&state, &auth, lang, &d, &params, Some(&form)).await.map_err(|e| e.page(lang))?;
            let mut status = err.status();
            if let Some(f) = view.sections.iter_mut().find(|s| s.id == "entry").and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &err);
            }
            Ok(render_with(status, &view))
        }
    }
}

async fn welfare_xlsx(
    Cx { state, lang, auth }: Cx,
    CodePath(code): CodePath,
    UriQuery(params): UriQuery<WelfareParams>,
) -> Result<Response, Error> {
    let go = async {
        let t = lang.tr();
        let d = district(&state, &auth, &code).await?;
        let dto = build_welfare(&state, &d, &params).await?;
        let mut headers = vec![t.t("pkh_target.code").to_string(), t.t("pkh_target.village").to_string()];
        headers.extend(STAGES.iter().map(|s| s.label(lang.code()).to_string()));
        headers.extend([t.t("pkh_target.total").into(), t.t("pkh_target.rank").into(), t.t("pkh_target.band").into()]);
        let n = |v: i64| TableCell::Count(v.max(0) as u64);
        let table = SheetTable {
            name: t.t("pkh_target.table").into(),
            headers,
            rows: dto
                .rows
                .iter()
                .map(|r| {
                    vec![
                        TableCell::Text(r.region.clone()),
                        TableCell::Text(r.name.clone()),
                        n(r.pra_sejahtera),
                        n(r.sejahtera_1),
                        n(r.sejahtera_2),
                        n(r.sejahtera_3),
                        n(r.sejahtera_3_plus),
                        n(r.total),
                        TableCell::Count(r.rank as u64),
                        TableCell::Count(r.band as u64),
                    ]
                })
                .collect(),
        };
        let bands = SheetTable {
            name: t.t("pkh_target.bands").into(),
            headers: vec![
                t.t("pkh_target.band").into(),
                t.t("pkh_target.min").into(),
                t.t("pkh_target.max").into(),
                t.t("pkh_target.villages").into(),
            ],
            rows: dto
                .bands
                .iter()
                .map(|b| {
                    vec![
                        TableCell::Count(b.number as u64),
                        b.min.map_or(TableCell::Text("—".into()), n),
                        b.max.map_or(TableCell::Text("—".into()), n),
                        TableCell::Count(b.villages.len() as u64),
                    ]
                })
                .collect(),
        };
        let body = write_tables(&[table, bands]).map_err(|e| {
            Error::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("cannot write the workbook: {e}"),
            )
        })?;
        Ok::<_, Error>(crate::dashboard::xlsx_response(
            &format!("berdaya-kesejahteraan-{}-{}.xlsx", dto.district, dto.year),
            body,
        ))
    };
    go.await.map_err(|e| e.page(lang))
}

// --- DTKS deciles ----------------------------------------------------------------------------------

/// A household's DTKS decile.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecileInput {
    /// 1 (poorest) to 10.
    pub decile: i64,
    /// `YYYY-MM-DD`: the date of the DTKS data.
    pub as_of: String,
}

/// Records a household's DTKS decile (1–10) as of a date, replacing the earlier one; the
/// targeting report reads it. Whoever may change the household.
#[utoipa::path(post, path = "/api/v1/households/{id}/dtks-decile", tag = "pkh",
    params(("id" = i64, Path, description = "Household id")), request_body = DecileInput,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_decile(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let h = auth.editable_household(state.store(), id).await?;
    let input: DecileInput = body.decode()?;
    let decile = u8::try_from(input.decile)
        .ok()
        .filter(|d| (1..=10).contains(d))
        .ok_or_else(|| Error::unprocessable("decile", "must be from 1 to 10"))?;
    let as_of = text::date(&input.as_of).map_err(|e| Error::unprocessable("as_of", e))?;
    state.store().set_dtks_decile(h.id, decile, as_of).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

// --- The targeting-error report ----------------------------------------------------------------

/// How the report is asked for.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TargetingParams {
    /// A village code: only its households.
    village: Option<String>,
    /// The reference date, `YYYY-MM-DD` (default today).
    on: Option<String>,
    /// The page of each list (pages count from 1).
    page: Option<String>,
}

/// Counts of one village.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VillageCountDto {
    pub village: String,
    pub name: String,
    pub exclusion: u64,
    pub inclusion: u64,
}

/// One error with its reasons.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetErrorDto {
    /// `exclusion` or `inclusion`.
    pub kind: String,
    pub household_id: i64,
    pub family_id: Option<i64>,
    pub village: String,
    pub village_name: String,
    /// Reason codes: `decile_in_range`, `pra_sejahtera`, `has_components`,
    /// `disability_to_verify`, `not_in_dtks`, `no_component`, `welfare_above_range`,
    /// `decile_out_of_range`.
    pub reasons: Vec<String>,
    /// The reasons in words, in the answer's language.
    pub explained: Vec<String>,
}

/// A program's targeting errors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetingDto {
    pub program_id: i64,
    pub on: String,
    pub villages: Vec<VillageCountDto>,
    /// Absent for callers who see counts only.
    pub errors: Option<Vec<TargetErrorDto>>,
}

fn sees_lists(auth: &Auth, p: &Program) -> bool {
    auth.principal().manages_program(p.agency_id)
}

struct Report {
    program: Program,
    on: Date,
    village: Option<String>,
    errors: Vec<TargetError>,
}

async fn report(state: &AppState, auth: &Auth, id: Id, params: &TargetingParams) -> Result<Report, Error> {
    let program = readable_program(state, auth, id).await?;
    let on = match params.on.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => text::date(s.trim()).map_err(|e| Error::bad_request("on", e))?,
        None => today(),
    };
    let village = match params.village.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(v) => {
            let code = RegionCode::parse(v).map_err(|e| Error::bad_request("village", e))?;
            let r = state.store().region(&code).await.map_err(|_| Error::bad_request("village", "does not exist"))?;
            if !auth.region_visible(&r) {
                return Err(Error::bad_request("village", "does not exist"));
            }
            Some(code.as_str().to_string())
        }
        None => None,
    };
    let errors = state.store().targeting_errors(program.id, village.as_deref(), on).await?;
    Ok(Report { program, on, village, errors })
}

fn village_counts(errors: &[TargetError]) -> Vec<VillageCountDto> {
    let mut by: BTreeMap<&str, VillageCountDto> = BTreeMap::new();
    for e in errors {
        let v = by.entry(e.village.as_str()).or_insert_with(|| VillageCountDto {
            village: e.village.clone(),
            name: e.village_name.clone(),
            exclusion: 0,
            inclusion: 0,
        });
        match e.kind {
            ErrorKind::Exclusion => v.exclusion += 1,
            ErrorKind::Inclusion => v.inclusion += 1,
        }
    }
    by.into_values().collect()
}

fn error_dto(e: &TargetError, lang: Lang) -> TargetErrorDto {
    TargetErrorDto {
        kind: e.kind.code().into(),
        household_id: e.household_id,
        family_id: e.family_id,
        village: e.village.clone(),
        village_name: e.village_name.clone(),
        reasons: e.reasons.iter().map(|r| r.code().to_string()).collect(),
        explained: e.reasons.iter().map(|r| r.describe(lang.code())).collect(),
    }
}

/// A PKH program's targeting errors on a date, per village: exclusion (DTKS households in
/// the decile range or Pra Sejahtera, with a component, not enrolled) and inclusion
/// (enrolled families not in DTKS, without a component, above the welfare range or outside
/// the decile range), each with its reasons. The lists go to the program's managers only.
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/targeting", tag = "pkh",
    params(("id" = i64, Path, description = "Program id"), TargetingParams),
    responses((status = 200, body = TargetingDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn targeting_api(
    State(state): State<AppState>,
    auth: Auth,
    lang: Lang,
    IdPath(id): IdPath,
    UriQuery(params): UriQuery<TargetingParams>,
) -> Result<Json<TargetingDto>, Error> {
    let r = report(&state, &auth, id, &params).await?;
    let lists = sees_lists(&auth, &r.program);
    Ok(Json(TargetingDto {
        program_id: r.program.id,
        on: iso(r.on),
        villages: village_counts(&r.errors),
        errors: lists.then(|| r.errors.iter().map(|e| error_dto(e, lang)).collect()),
    }))
}

const PER_PAGE: u32 = 50;

fn error_table(lang: Lang, errors: &[&TargetError]) -> Table {
    let t = lang.tr();
    Table {
        headers: vec![
            t.t("pkh_target.village").into(),
            t.t("pkh_target.household").into(),
            t.t("pkh_target.reasons").into(),
        ],
        rows: errors
            .iter()
            .map(|e| {
                let household = match e.family_id {
                    Some(f) => Cell::link(e.address.clone(), format!("/pkh/families/{f}")),
                    None => Cell::link(e.address.clone(), format!("/households/{}", e.household_id)),
                };
                vec![
                    Cell::text(e.village_name.clone()),
                    household,
                    Cell::text(e.reasons.iter().map(|r| r.describe(lang.code())).collect::<Vec<_>>().join("; ")),
                ]
            })
            .collect(),
        empty: t.t("pkh_target.none").into(),
        ..Default::default()
    }
}

async fn targeting_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(params): UriQuery<TargetingParams>,
) -> Result<Response, Error> {
    let t = lang.tr();
    let r = report(&state, &auth, id, &params).await.map_err(|e| e.page(lang))?;
    let page_no: u32 = params.page.as_deref().and_then(|p| p.trim().parse().ok()).unwrap_or(1).max(1);
    let p = &r.program;
    let query = |page: u32| {
        let mut q = format!("on={}", iso(r.on));
        if let Some(v) = &r.village {
            q.push_str(&format!("&village={v}"));
        }
        if page > 1 {
            q.push_str(&format!("&page={page}"));
        }
        q
    };
    let base = format!("/programs/{id}/pkh/targeting");
    let mut breadcrumbs = crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(Link::new(p.name.clone(), format!("/programs/{id}")));
    let heading = format!("{} — {}", t.t("pkh_target.title"), p.name);
    let counts = village_counts(&r.errors);
    let mut facts = vec![(t.t("pkh_target.on").to_string(), Cell::text(iso(r.on)))];
    if let Some(v) = &r.village {
        let name = counts.iter().find(|c| &c.village == v).map_or(v.clone(), |c| c.name.clone());
        facts.push((t.t("pkh_target.village").to_string(), Cell::link(name, base.clone())));
    }
    let exclusion = r.errors.iter().filter(|e| e.kind == ErrorKind::Exclusion).count();
    facts.push((t.t("pkh_target.exclusion").to_string(), Cell::text(exclusion.to_string())));
    facts.push((t.t("pkh_target.inclusion").to_string(), Cell::text((r.errors.len() - exclusion).to_string())));
    let mut sections = vec![Section {
        id: "villages".into(),
        title: t.t("pkh_target.per_village").into(),
        table: Some(Table {
            headers: vec![
                t.t("pkh_target.village").into(),
                t.t("pkh_target.exclusion").into(),
                t.t("pkh_target.inclusion").into(),
            ],
            rows: counts
                .iter()
                .map(|c| {
                    vec![
                        Cell::link(c.name.clone(), format!("{base}?village={}&on={}", c.village, iso(r.on))),
                        Cell::text(c.exclusion.to_string()),
                        Cell::text(c.inclusion.to_string()),
                    ]
                })
                .collect(),
            empty: t.t("pkh_target.none").into(),
            ..Default::default()
        }),
        ..Default::default()
    }];
    let mut districts: Vec<String> = p
        .target_regions
        .iter()
        .filter_map(|c| {
            let s = c.as_str();
            let parts: Vec<&str> = s.split('.').collect();
            (parts.len() >= 3).then(|| parts[..3].join("."))
        })
        .collect();
    districts.dedup();
    sections.push(Section {
        id: "welfare".into(),
        title: t.t("pkh_target.welfare_title").into(),
        links: districts
            .iter()
            .map(|d| Link::new(format!("{} {d}", t.t("pkh_target.welfare_of")), format!("/regions/{d}/welfare")))
            .collect(),
        ..Default::default()
    });
    let mut actions = Vec::new();
    if sees_lists(&auth, p) {
        actions.push(Link::new(t.t("pkh_target.xlsx"), format!("{base}.xlsx?{}", query(1))));
        let req = PageRequest::new(page_no, PER_PAGE);
        for kind in ErrorKind::ALL {
            let all: Vec<&TargetError> = r.errors.iter().filter(|e| e.kind == *kind).collect();
            let start = (req.offset() as usize).min(all.len());
            let end = (start + PER_PAGE as usize).min(all.len());
            let page = Page::new(all[start..end].to_vec(), req, all.len() as u64);
            let pager = (page.pages() > 1).then(|| Pager::new(t, &page, |n| format!("{base}?{}", query(n))));
            sections.push(Section {
                id: kind.code().into(),
                title: kind.label(lang.code()).into(),
                table: Some(error_table(lang, &page.items)),
                pager,
                ..Default::default()
            });
        }
    }
    Ok(render(&ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs,
        actions,
        warnings: Vec::new(),
        facts,
        sections,
    }))
}

async fn targeting_xlsx(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(params): UriQuery<TargetingParams>,
) -> Result<Response, Error> {
    let go = async {
        let t = lang.tr();
        let r = report(&state, &auth, id, &params).await?;
        auth.require(sees_lists(&auth, &r.program))?;
        let counts = SheetTable {
            name: t.t("pkh_target.per_village").into(),
            headers: vec![
                t.t("pkh_target.code").into(),
                t.t("pkh_target.village").into(),
                t.t("pkh_target.exclusion").into(),
                t.t("pkh_target.inclusion").into(),
            ],
            rows: village_counts(&r.errors)
                .into_iter()
                .map(|c| {
                    vec![
                        TableCell::Text(c.village),
                        TableCell::Text(c.name),
                        TableCell::Count(c.exclusion),
                        TableCell::Count(c.inclusion),
                    ]
                })
                .collect(),
        };
        let list = SheetTable {
            name: t.t("pkh_target.errors").into(),
            headers: vec![
                t.t("pkh_target.kind").into(),
                t.t("pkh_target.village").into(),
                t.t("pkh_target.household_id").into(),
                t.t("pkh_target.address").into(),
                t.t("pkh_target.reasons").into(),
            ],
            rows: r
                .errors
                .iter()
                .map(|e| {
                    vec![
                        TableCell::Text(e.kind.label(lang.code()).into()),
                        TableCell::Text(e.village_name.clone()),
                        TableCell::Count(e.household_id.max(0) as u64),
                        TableCell::Text(e.address.clone()),
                        TableCell::Text(
                            e.reasons.iter().map(|x| x.describe(lang.code())).collect::<Vec<_>>().join("; "),
                        ),
                    ]
                })
                .collect(),
        };
        let body = write_tables(&[counts, list]).map_err(|e| {
            Error::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("cannot write the workbook: {e}"),
            )
        })?;
        Ok::<_, Error>(crate::dashboard::xlsx_response(&format!("berdaya-pkh-sasaran-{id}.xlsx"), body))
    };
    go.await.map_err(|e| e.page(lang))
}
