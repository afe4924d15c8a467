//! Month calendars of activities — an agency's (a BPP's: its programs' activities and those
//! its staff ran) and a member of staff's (an extension worker's page, with the groups their
//! activities invited) — as month lists that read on a phone, with the previous and next
//! months; and the XLSX exports of the activity listing and of the calendars.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use berdaya_domain::activity::Month;
use berdaya_domain::registry::{Agency, Id};
use berdaya_files::tables::{SheetTable, TableCell};
use berdaya_store::PageRequest;
use berdaya_store::activity::{ActivityRow, CalendarOf, StaffRow};

use super::{Activities, rate_text, staff_label, staff_visible};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::Error;
use crate::extract::{Cx, IdPath, ListParams};
use crate::html::{Cell, Layout, Link, Section, Table, ViewPage, render};
use crate::i18n::Lang;
use crate::kit::{Resource, link_if};
use crate::registry::{crumbs, iso};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{id}/calendar", get(agency_page))
        .route("/agencies/{id}/calendar.xlsx", get(agency_xlsx))
        .route("/staff/{id}", get(staff_page))
        .route("/staff/{id}/activities.xlsx", get(staff_xlsx))
        .route("/activities.xlsx", get(activities_xlsx))
}

/// An XLSX download.
pub fn xlsx(tables: &[SheetTable], name: &str) -> Result<Response, Error> {
    let body = berdaya_files::tables::write_tables(tables).map_err(|e| {
        Error::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the workbook: {e}"))
    })?;
    Ok((
        [
            (CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// Today's month, as the calendar reads in the east of Indonesia (WIT).
fn this_month() -> Month {
    let wit = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    Month::of(time::OffsetDateTime::now_utc().to_offset(wit).date())
}

/// `?month=YYYY-MM` (this month when left out); a 400 naming `month` otherwise.
fn month_of(params: &ListParams) -> Result<Month, Error> {
    params.only(&["month"])?;
    match params.other.get("month").map(|m| m.trim()).filter(|m| !m.is_empty()) {
        None => Ok(this_month()),
        Some(m) => Month::parse(m).map_err(|e| Error::bad_request("month", e)),
    }
}

/// An agency the caller may see (its region in the area or above it).
async fn visible_agency(state: &AppState, auth: &Auth, id: Id) -> Result<Agency, Error> {
    auth.require(auth.principal().reads_programs())?;
    let a = state.store().agency(id).await?;
    if auth.region_code_visible(&a.region) { Ok(a) } else { Err(hidden("agency")) }
}

/// The caller's area, for the calendar's query (activities held outside it are left out).
fn area(auth: &Auth) -> Option<berdaya_domain::registry::RegionCode> {
    auth.principal().user.area.clone()
}

fn calendar_table(lang: Lang, rows: &[ActivityRow]) -> Table {
    let t = lang.tr();
    Table {
        headers: vec![
            t.t("activities.held_on").into(),
            t.t("activities.title_col").into(),
            t.t("activities.kind").into(),
            t.t("activities.program").into(),
            t.t("activities.region").into(),
            t.t("activities.attendance").into(),
        ],
        sorts: Vec::new(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::text(day_label(lang, r.held_on)),
                    Cell::link(r.title.clone(), format!("/activities/{}", r.id)),
                    Cell::text(r.kind.label(lang.code())),
                    Cell::link(r.program_name.clone(), format!("/programs/{}", r.program_id)),
                    Cell::text(r.region_name.clone()),
                    Cell::text(rate_text(lang, r.rate)),
                ]
            })
            .collect(),
        empty: t.t("calendar.none").into(),
    }
}

/// `Sel 14` (weekday and day of the month).
fn day_label(lang: Lang, d: time::Date) -> String {
    use time::Weekday::*;
    let id = lang.code() != "en";
    let name = match (d.weekday(), id) {
        (Monday, true) => "Sen",
        (Tuesday, true) => "Sel",
        (Wednesday, true) => "Rab",
        (Thursday, true) => "Kam",
        (Friday, true) => "Jum",
        (Saturday, true) => "Sab",
        (Sunday, true) => "Min",
        (Monday, false) => "Mon",
        (Tuesday, false) => "Tue",
        (Wednesday, false) => "Wed",
        (Thursday, false) => "Thu",
        (Friday, false) => "Fri",
        (Saturday, false) => "Sat",
        (Sunday, false) => "Sun",
    };
    format!("{name} {} · {}", d.day(), iso(d))
}

fn month_section(lang: Lang, base: &str, workbook: &str, month: Month, rows: &[ActivityRow]) -> Section {
    let t = lang.tr();
    Section {
        id: "calendar".into(),
        title: format!("{} {month}", t.t("calendar.month")),
        table: Some(calendar_table(lang, rows)),
        links: vec![
            Link::new(format!("‹ {}", month.previous()), format!("{base}?month={}", month.previous())),
            Link::new(format!("{} ›", month.next()), format!("{base}?month={}", month.next())),
            Link::new(t.t("common.xlsx"), format!("{workbook}?month={month}")),
        ],
        ..Default::default()
    }
}

fn sheet(lang: Lang, name: String, rows: &[ActivityRow]) -> SheetTable {
    let t = lang.tr();
    SheetTable {
        name,
        headers: vec![
            t.t("activities.held_on").into(),
            t.t("activities.title_col").into(),
            t.t("activities.kind").into(),
            t.t("activities.program").into(),
            t.t("activities.region").into(),
            t.t("activities.duration_min").into(),
            t.t("attendance.present").into(),
            t.t("attendance.recorded").into(),
            t.t("attendance.rate").into(),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    TableCell::Text(iso(r.held_on)),
                    TableCell::Text(r.title.clone()),
                    TableCell::Text(r.kind.label(lang.code()).into()),
                    TableCell::Text(r.program_name.clone()),
                    TableCell::Text(r.region_name.clone()),
                    TableCell::Count(u64::try_from(r.duration_min).unwrap_or(0)),
                    TableCell::Count(r.rate.present),
                    TableCell::Count(r.rate.recorded),
                    TableCell::Text(super::attendance::percent(lang, r.rate)),
                ]
            })
            .collect(),
    }
}

async fn agency_rows(state: &AppState, auth: &Auth, id: Id, month: Month) -> Result<Vec<ActivityRow>, Error> {
    let area = area(auth);
    Ok(state.store().calendar(CalendarOf::Agency(id), month.first(), month.last(), area.as_ref()).await?)
}

async fn agency_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let run = async {
        let a = visible_agency(&state, &auth, id).await?;
        let month = month_of(&params)?;
        let rows = agency_rows(&state, &auth, id, month).await?;
        let heading = format!("{} — {}", t.t("calendar.title"), a.name);
        let mut breadcrumbs = crumbs(lang, "nav.agencies", "/agencies");
        breadcrumbs.push(Link::new(a.name.clone(), format!("/agencies/{id}")));
        Ok::<_, Error>(ViewPage {
            l: Layout::new(lang, heading.clone(), "agencies"),
            heading,
            breadcrumbs,
            actions: Vec::new(),
            warnings: Vec::new(),
            facts: vec![(t.t("calendar.count").into(), Cell::text(rows.len().to_string()))],
            sections: vec![month_section(
                lang,
                &format!("/agencies/{id}/calendar"),
                &format!("/agencies/{id}/calendar.xlsx"),
                month,
                &rows,
            )],
        })
    };
    Ok(render(&run.await.map_err(|e| e.page(lang))?))
}

async fn agency_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    visible_agency(&state, &auth, id).await?;
    let month = month_of(&params)?;
    let rows = agency_rows(&state, &auth, id, month).await?;
    xlsx(&[sheet(lang, month.to_string(), &rows)], &format!("kalender-{id}-{month}.xlsx"))
}

async fn staff_rows(
    state: &AppState,
    auth: &Auth,
    id: Id,
    from: time::Date,
    to: time::Date,
) -> Result<Vec<ActivityRow>, Error> {
    let area = area(auth);
    Ok(state.store().calendar(CalendarOf::Staff(id), from, to, area.as_ref()).await?)
}

/// The extension worker's page: who they are, their activities of the month, and the groups
/// their activities of the year invited.
async fn staff_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let run = async {
        let s: StaffRow = staff_visible(&state, &auth, id).await?;
        let month = month_of(&params)?;
        let rows = staff_rows(&state, &auth, id, month.first(), month.last()).await?;
        let year_from = time::Date::from_calendar_date(month.year, time::Month::January, 1).unwrap_or(month.first());
        let year_to = time::Date::from_calendar_date(month.year, time::Month::December, 31).unwrap_or(month.last());
        let year = staff_rows(&state, &auth, id, year_from, year_to).await?;
        let store = state.store();
        let mut groups: Vec<(Id, u32)> = Vec::new();
        for r in &year {
            for g in store.activity(r.id).await?.group_ids {
                match groups.iter_mut().find(|(x, _)| *x == g) {
                    Some((_, n)) => *n += 1,
                    None => groups.push((g, 1)),
                }
            }
        }
        let mut group_rows = Vec::new();
        for (g, n) in groups {
            if let Ok(group) = store.group(g).await
                && auth.in_area(&group.region)
            {
                let opens = auth.readable_group(store, g).await.is_ok();
                group_rows.push(vec![link_if(opens, group.name, format!("/groups/{g}")), Cell::text(n.to_string())]);
            }
        }
        let heading = staff_label(&s);
        let mut breadcrumbs = crumbs(lang, "nav.agencies", "/agencies");
        breadcrumbs.push(Link::new(s.agency_name.clone(), format!("/agencies/{}", s.staff.agency_id)));
        let mut actions = vec![Link::new(t.t("calendar.agency"), format!("/agencies/{}/calendar", s.staff.agency_id))];
        if Activities::may_create(&auth) {
            actions.push(Link::new(t.t("activities.add"), format!("/activities/new?staff_id={id}")));
        }
        Ok::<_, Error>(ViewPage {
            l: Layout::new(lang, heading.clone(), "agencies"),
            heading,
            breadcrumbs,
            actions,
            warnings: Vec::new(),
            facts: vec![
                (t.t("agencies.staff_name").into(), Cell::text(s.staff.name.clone())),
                (t.t("agencies.position").into(), Cell::text(s.staff.position.clone())),
                (
                    t.t("activities.agency").into(),
                    Cell::link(s.agency_name.clone(), format!("/agencies/{}", s.staff.agency_id)),
                ),
                (format!("{} {}", t.t("calendar.count"), month.year), Cell::text(year.len().to_string())),
            ],
            sections: vec![
                month_section(lang, &format!("/staff/{id}"), &format!("/staff/{id}/activities.xlsx"), month, &rows),
                Section {
                    id: "groups".into(),
                    title: format!("{} {}", t.t("calendar.groups"), month.year),
                    table: Some(Table {
                        headers: vec![t.t("groups.name").into(), t.t("calendar.count").into()],
                        sorts: Vec::new(),
                        rows: group_rows,
                        empty: t.t("activities.no_groups").into(),
                    }),
                    ..Default::default()
                },
            ],
        })
    };
    Ok(render(&run.await.map_err(|e| e.page(lang))?))
}

async fn staff_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    staff_visible(&state, &auth, id).await?;
    let month = month_of(&params)?;
    let rows = staff_rows(&state, &auth, id, month.first(), month.last()).await?;
    xlsx(&[sheet(lang, month.to_string(), &rows)], &format!("kegiatan-staf-{id}-{month}.xlsx"))
}

/// The activity listing as a workbook: the same search, filters and scope as `/activities`,
/// every page (up to the listing's count cap).
async fn activities_xlsx(Cx { state, lang, auth }: Cx, params: ListParams) -> Result<Response, Error> {
    let mut params = params;
    let mut rows = Vec::new();
    let mut page = 1;
    loop {
        params.page = PageRequest::new(page, PageRequest::MAX_PER_PAGE);
        let found = crate::kit::search::<Activities>(&state, &auth, &params).await?;
        let pages = found.pages();
        rows.extend(found.items);
        if page >= pages || rows.len() as u64 >= berdaya_store::COUNT_CAP {
            break;
        }
        page += 1;
    }
    xlsx(&[sheet(lang, lang.tr().t("activities.title").to_string(), &rows)], "kegiatan.xlsx")
}
