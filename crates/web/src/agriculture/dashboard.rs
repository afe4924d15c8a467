//! A program's agriculture dashboard: activities per month by kind, attendance per invited
//! group, input aid planned against received, the agency's machines (out, overdue, by
//! condition) and the groups per class — on a page with charts, as an XLSX workbook and as
//! JSON. Every role that may see the program in its area opens it (it holds only counts);
//! for a viewer, a group's attendance recorded fewer than the suppression threshold is hidden.

use askama::Template;
use axum::extract::{Query as UriQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::activity::{ActivityKind, Rate};
use berdaya_domain::agriculture::aid::show_amount;
use berdaya_domain::agriculture::class::ClassBand;
use berdaya_domain::agriculture::machine::MachineCondition;
use berdaya_domain::registry::{Id, Program, text};
use berdaya_files::tables::{SheetTable, TableCell, write_tables};
use berdaya_store::agriculture::machine::MachineOwner;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::chart;
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, IdPath};
use crate::html::{Layout, Link, render};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programs/{id}/agriculture", get(page))
        .route("/programs/{id}/agriculture.xlsx", get(xlsx))
        .route("/api/v1/programs/{id}/agriculture", get(api))
}

/// The period a dashboard counts.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PeriodParams {
    /// First day counted, `YYYY-MM-DD` (default: the program's start).
    from: Option<String>,
    /// Last day counted, `YYYY-MM-DD` (default: today, or the program's end if earlier).
    to: Option<String>,
}

/// One table of the dashboard, its cells as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgriTable {
    /// `activities`, `attendance`, `aid`, `machines`, `classes`.
    pub id: &'static str,
    pub title: String,
    pub columns: Vec<String>,
    /// Each row: its label, then one cell per column (`null` where suppressed).
    pub rows: Vec<AgriRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgriRow {
    pub label: String,
    pub cells: Vec<Option<String>>,
}

/// The dashboard of one program over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgricultureDto {
    pub program_id: i64,
    pub from: String,
    pub to: String,
    pub activities: u64,
    /// Present over recorded, over every activity of the period.
    pub attendance_present: u64,
    pub attendance_recorded: u64,
    pub machines_out: u64,
    pub machines_overdue: u64,
    pub tables: Vec<AgriTable>,
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// The program, if the caller may see it in their area (every role: the page holds counts).
async fn program(state: &AppState, auth: &Auth, id: Id) -> Result<Program, Error> {
    let p = state.store().program(id).await?;
    if auth.program_in_area(&p) { Ok(p) } else { Err(hidden("program")) }
}

fn period(p: &Program, params: &PeriodParams) -> Result<(Date, Date), Error> {
    let day = |field: &str, raw: &Option<String>| -> Result<Option<Date>, Error> {
        match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => text::date(s).map(Some).map_err(|e| Error::bad_request(field, e)),
            None => Ok(None),
        }
    };
    let end = p.ends_on.map_or(today(), |e| e.min(today()));
    let from = day("from", &params.from)?.unwrap_or(p.starts_on);
    let to = day("to", &params.to)?.unwrap_or(end.max(from));
    if to < from {
        return Err(Error::bad_request("to", "is before `from`"));
    }
    Ok((from, to))
}

struct Built {
    dto: AgricultureDto,
    charts: Vec<String>,
}

fn row(label: impl Into<String>, cells: Vec<Option<String>>) -> AgriRow {
    AgriRow { label: label.into(), cells }
}

async fn build(state: &AppState, auth: &Auth, lang: Lang, p: &Program, from: Date, to: Date) -> Result<Built, Error> {
    let t = lang.tr();
    let code = lang.code();
    let store = state.store();
    let below = if auth.role() == Role::Viewer { state.suppress_below } else { 0 };
    let mut tables = Vec::new();
    let mut charts = Vec::new();

    // Activities per month by kind.
    let acts = store.activity_summary(p.id, Some(from), Some(to)).await?;
    let kinds: Vec<ActivityKind> = ActivityKind::ALL
        .iter()
        .copied()
        .filter(|k| acts.months.iter().any(|(_, c)| c.iter().any(|(x, n)| x == k && *n > 0)))
        .collect();
    let count_of = |counts: &[(ActivityKind, u64)], k: ActivityKind| {
        counts.iter().filter(|(x, _)| *x == k).map(|(_, n)| *n).sum::<u64>()
    };
    let total_activities: u64 = acts.months.iter().flat_map(|(_, c)| c.iter().map(|(_, n)| *n)).sum();
    let mut columns: Vec<String> = kinds.iter().map(|k| k.label(code).to_string()).collect();
    columns.push(t.t("dashboard.total").into());
    tables.push(AgriTable {
        id: "activities",
        title: t.t("agri_dash.activities").into(),
        columns,
        rows: acts
            .months
            .iter()
            .map(|(month, counts)| {
                let mut cells: Vec<Option<String>> =
                    kinds.iter().map(|k| Some(count_of(counts, *k).to_string())).collect();
                cells.push(Some(counts.iter().map(|(_, n)| *n).sum::<u64>().to_string()));
                row(month.clone(), cells)
            })
            .collect(),
    });
    let series: Vec<&str> = kinds.iter().map(|k| k.label(code)).collect();
    let periods: Vec<(String, Vec<Option<u64>>)> = acts
        .months
        .iter()
        .map(|(m, counts)| (m.clone(), kinds.iter().map(|k| Some(count_of(counts, *k))).collect()))
        .collect();
    charts.push(if periods.is_empty() {
        String::new()
    } else {
        chart::stacked(t.t("agri_dash.activities"), &series, &periods)
    });

    // Attendance per invited group.
    let shown = |r: Rate| below == 0 || r.recorded >= below;
    let mut rows: Vec<AgriRow> = acts
        .groups
        .iter()
        .map(|g| {
            let ok = shown(g.rate);
            row(
                g.group_name.clone(),
                vec![
                    ok.then(|| g.rate.present.to_string()),
                    ok.then(|| g.rate.recorded.to_string()),
                    ok.then(|| g.rate.percent_id()),
                ],
            )
        })
        .collect();
    rows.push(row(
        t.t("dashboard.total"),
        vec![
            Some(acts.attendance.present.to_string()),
            Some(acts.attendance.recorded.to_string()),
            Some(acts.attendance.percent_id()),
        ],
    ));
    tables.push(AgriTable {
        id: "attendance",
        title: t.t("agri_dash.attendance").into(),
        columns: vec![t.t("agri_dash.present").into(), t.t("agri_dash.recorded").into(), t.t("agri_dash.rate").into()],
        rows,
    });
    let bars: Vec<(String, Option<u64>)> = acts
        .groups
        .iter()
        .map(|g| (g.group_name.clone(), if shown(g.rate) { g.rate.tenths().map(|x| (x + 5) / 10) } else { None }))
        .collect();
    charts.push(if bars.is_empty() { String::new() } else { chart::bars(t.t("agri_dash.rate_chart"), &bars) });

    // Input aid: planned against received, per season and item.
    let aid = store.aid_summary(p.id).await?;
    tables.push(AgriTable {
        id: "aid",
        title: t.t("agri_dash.aid").into(),
        columns: vec![
            t.t("agri_dash.season").into(),
            t.t("agri_dash.planned").into(),
            t.t("agri_dash.received").into(),
            t.t("agri_dash.received_share").into(),
        ],
        rows: aid
            .iter()
            .map(|a| {
                let share = Rate::new(a.received.max(0) as u64, a.planned.max(0) as u64);
                row(
                    a.item_name.clone(),
                    vec![
                        Some(a.season.to_string()),
                        Some(show_amount(a.planned, a.unit, code)),
                        Some(show_amount(a.received, a.unit, code)),
                        Some(share.percent_id()),
                    ],
                )
            })
            .collect(),
    });
    charts.push(String::new());

    // Machines of the program's agency and its units.
    let machines = store.machine_summary(MachineOwner::Program(p.id), today(), from, to).await?;
    let mut rows: Vec<AgriRow> =
        machines.by_condition.iter().map(|(c, n)| row(c.label(code), vec![Some(n.to_string())])).collect();
    rows.push(row(t.t("agri_dash.out_now"), vec![Some(machines.out_now.to_string())]));
    rows.push(row(t.t("agri_dash.overdue_now"), vec![Some(machines.overdue_now.to_string())]));
    tables.push(AgriTable {
        id: "machines",
        title: t.t("agri_dash.machines").into(),
        columns: vec![t.t("agri_dash.count").into()],
        rows,
    });
    let bars: Vec<(String, Option<u64>)> = machines
        .by_condition
        .iter()
        .map(|(c, n): &(MachineCondition, u64)| (c.label(code).to_string(), Some(*n)))
        .collect();
    charts.push(if machines.machines == 0 { String::new() } else { chart::bars(t.t("agri_dash.machines"), &bars) });

    // Groups per class.
    let classes = store.class_counts(p.id, today()).await?;
    let mut rows: Vec<AgriRow> = classes
        .by_class
        .iter()
        .map(|(c, n): &(ClassBand, u64)| row(c.label(code), vec![Some(n.to_string())]))
        .collect();
    rows.push(row(t.t("agri_dash.unassessed"), vec![Some(classes.unassessed.to_string())]));
    rows.push(row(t.t("agri_dash.reassessment_overdue"), vec![Some(classes.overdue.to_string())]));
    tables.push(AgriTable {
        id: "classes",
        title: t.t("agri_dash.classes").into(),
        columns: vec![t.t("agri_dash.groups").into()],
        rows,
    });
    let bars: Vec<(String, Option<u64>)> =
        classes.by_class.iter().map(|(c, n)| (c.label(code).to_string(), Some(*n))).collect();
    charts.push(chart::bars(t.t("agri_dash.classes"), &bars));

    Ok(Built {
        dto: AgricultureDto {
            program_id: p.id,
            from: text::format_date(from),
            to: text::format_date(to),
            activities: total_activities,
            attendance_present: acts.attendance.present,
            attendance_recorded: acts.attendance.recorded,
            machines_out: machines.out_now,
            machines_overdue: machines.overdue_now,
            tables,
        },
        charts,
    })
}

#[derive(Template)]
#[template(path = "agriculture_dashboard.html")]
struct DashboardPage {
    l: Layout,
    heading: String,
    breadcrumbs: Vec<Link>,
    from: String,
    to: String,
    xlsx: String,
    cards: Vec<(String, String)>,
    /// Each table with its chart (escaped SVG, or empty).
    tables: Vec<(AgriTable, String)>,
    links: Vec<Link>,
}

async fn page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(params): UriQuery<PeriodParams>,
) -> Result<Response, Error> {
    let t = lang.tr();
    let go = async {
        let p = program(&state, &auth, id).await?;
        let (from, to) = period(&p, &params)?;
        let built = build(&state, &auth, lang, &p, from, to).await?;
        Ok::<_, Error>((p, from, to, built))
    };
    let (p, from, to, built) = go.await.map_err(|e| e.page(lang))?;
    let d = &built.dto;
    let attendance = Rate::new(d.attendance_present, d.attendance_recorded);
    let cards = vec![
        (t.t("agri_dash.activities_card").to_string(), d.activities.to_string()),
        (t.t("agri_dash.rate").to_string(), attendance.percent_id()),
        (t.t("agri_dash.out_now").to_string(), d.machines_out.to_string()),
        (t.t("agri_dash.overdue_now").to_string(), d.machines_overdue.to_string()),
    ];
    let query = format!("from={}&to={}", text::format_date(from), text::format_date(to));
    let mut breadcrumbs = crate::registry::crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(Link::new(p.name.clone(), format!("/programs/{id}")));
    let heading = format!("{} — {}", t.t("agri_dash.title"), p.name);
    let mut links = vec![Link::new(t.t("nav.activities"), format!("/activities?program_id={id}"))];
    links.push(Link::new(t.t("agri_dash.aid_page"), format!("/programs/{id}/aid")));
    links.push(crate::agriculture::classes::program_link(lang, id));
    links.push(crate::framework::findings::program_link(lang, id));
    Ok(render(&DashboardPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs,
        from: text::format_date(from),
        to: text::format_date(to),
        xlsx: format!("/programs/{id}/agriculture.xlsx?{query}"),
        cards,
        tables: built.dto.tables.into_iter().zip(built.charts).collect(),
        links,
    }))
}

async fn xlsx(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(params): UriQuery<PeriodParams>,
) -> Result<Response, Error> {
    let go = async {
        let p = program(&state, &auth, id).await?;
        let (from, to) = period(&p, &params)?;
        let built = build(&state, &auth, lang, &p, from, to).await?;
        let label = lang.tr().t("agri_dash.label");
        let sheets: Vec<SheetTable> = built
            .dto
            .tables
            .iter()
            .map(|tb| SheetTable {
                name: tb.title.clone(),
                headers: std::iter::once(label.to_string()).chain(tb.columns.iter().cloned()).collect(),
                rows: tb
                    .rows
                    .iter()
                    .map(|r| {
                        std::iter::once(TableCell::Text(r.label.clone()))
                            .chain(r.cells.iter().map(|c| match c.as_deref().map(|s| (s, s.parse::<u64>())) {
                                Some((_, Ok(n))) => TableCell::Count(n),
                                Some((s, Err(_))) => TableCell::Text(s.to_string()),
                                None => TableCell::Text("—".into()),
                            }))
                            .collect()
                    })
                    .collect(),
            })
            .collect();
        let body = write_tables(&sheets).map_err(|e| {
            Error::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("cannot write the workbook: {e}"),
            )
        })?;
        Ok::<_, Error>(crate::dashboard::xlsx_response(&format!("berdaya-pertanian-program-{id}.xlsx"), body))
    };
    go.await.map_err(|e| e.page(lang))
}

/// A program's agriculture dashboard over a period: activities per month by kind, attendance
/// per invited group, input aid planned against received, machines and groups per class.
#[utoipa::path(get, path = "/api/v1/programs/{id}/agriculture", tag = "agriculture",
    params(("id" = i64, Path, description = "Program id"), PeriodParams),
    responses((status = 200, body = AgricultureDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api(
    State(state): State<AppState>,
    auth: Auth,
    lang: Lang,
    IdPath(id): IdPath,
    UriQuery(params): UriQuery<PeriodParams>,
) -> Result<Json<AgricultureDto>, Error> {
    let p = program(&state, &auth, id).await?;
    let (from, to) = period(&p, &params)?;
    Ok(Json(build(&state, &auth, lang, &p, from, to).await?.dto))
}
