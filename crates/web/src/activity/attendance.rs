//! Attendance: the quick-entry page of an activity (one segmented choice per person, one
//! save), `GET`/`PUT /api/v1/activities/{id}/attendance`, and the rates of a group's members
//! and of a person over a period (pages, JSON and XLSX).

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::access::{Pseudonymizer, Role};
use berdaya_domain::activity::{
    Activity, AttendanceEntry, AttendanceRowDraft, AttendanceStatus, Rate, parse_attendance,
};
use berdaya_domain::registry::{Id, text};
use berdaya_files::tables::TableCell;
use berdaya_store::activity::PersonRate;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::{RateDto, rate_text, readable_activity, writable_activity};
use crate::AppState;
use crate::access::guard::Auth;
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody, ListParams};
use crate::html::{Cell, Layout, Link, Section, Table, ViewPage, render, render_with, vocabulary};
use crate::i18n::Lang;
use crate::registry::{crumbs, iso};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/activities/{id}/attendance", get(show).put(replace))
        .route("/activities/{id}/attendance", get(entry_page).post(entry_submit))
        .route("/api/v1/groups/{id}/attendance", get(group_api))
        .route("/groups/{id}/attendance", get(group_page))
        .route("/groups/{id}/attendance.xlsx", get(group_xlsx))
        .route("/api/v1/people/{id}/attendance", get(person_api))
        .route("/people/{id}/attendance", get(person_page))
}

// Who may see whose name --------------------------------------------------------------------

/// How attendance names are shown to the principal: in full, or (an evaluator, a group
/// officer for people outside their group) as pseudonyms.
pub struct Names {
    pseudo: Option<Pseudonymizer>,
    /// For a group officer: the members of their group, shown by name.
    members: Option<HashSet<Id>>,
}

impl Names {
    pub async fn for_principal(state: &AppState, auth: &Auth) -> Result<Names, Error> {
        Ok(match auth.role() {
            Role::Evaluator => {
                Names { pseudo: Some(crate::registry::export::pseudonymizer(state).await?), members: None }
            }
            Role::GroupOfficer => {
                let mut members = HashSet::new();
                if let Some(g) = auth.principal().user.group_id {
                    members.extend(state.store().group_members(g).await?.into_iter().map(|m| m.person_id));
                }
                Names { pseudo: Some(crate::registry::export::pseudonymizer(state).await?), members: Some(members) }
            }
            _ => Names { pseudo: None, members: None },
        })
    }

    pub fn show(&self, person_id: Id, name: &str) -> String {
        match (&self.pseudo, &self.members) {
            (None, _) => name.to_string(),
            (Some(_), Some(m)) if m.contains(&person_id) => name.to_string(),
            (Some(p), _) => p.pseudonym('P', person_id),
        }
    }
}

fn status_label(lang: Lang, s: AttendanceStatus) -> String {
    s.label(lang.code()).to_string()
}

/// The attendance section of an activity's page.
pub async fn section(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    a: &Activity,
    writable: bool,
) -> Result<Section, Error> {
    let t = lang.tr();
    let rows = state.store().attendance(a.id).await?;
    let names = Names::for_principal(state, auth).await?;
    let present = rows.iter().filter(|r| r.status == AttendanceStatus::Present).count() as u64;
    let rate = Rate::new(present, rows.len() as u64);
    let mut links = Vec::new();
    if writable {
        links.push(Link::new(t.t("attendance.record"), format!("/activities/{}/attendance", a.id)));
    }
    Ok(Section {
        id: "attendance".into(),
        title: format!("{} — {}", t.t("activities.attendance"), rate_text(lang, rate)),
        table: Some(Table {
            headers: vec![t.t("attendance.person").into(), t.t("attendance.status").into()],
            sorts: Vec::new(),
            rows: rows
                .iter()
                .map(|r| {
                    vec![Cell::text(names.show(r.person_id, &r.person_name)), Cell::text(status_label(lang, r.status))]
                })
                .collect(),
            empty: t.t("attendance.none").into(),
        }),
        links,
        ..Default::default()
    })
}

// API ----------------------------------------------------------------------------------------

/// One person's attendance at an activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceDto {
    pub person_id: i64,
    /// The name, or a pseudonym for roles that read people de-identified.
    pub person: String,
    /// `present`, `excused` or `absent`.
    pub status: String,
}

/// An activity's attendance and its rate.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityAttendanceDto {
    pub activity_id: i64,
    pub rate: RateDto,
    pub attendance: Vec<AttendanceDto>,
}

/// The attendance list a client sends.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AttendanceInput {
    /// One row per person: `{"person_id": 12, "status": "present"}`; `status` is `present`,
    /// `excused` or `absent`. A person listed twice is refused.
    #[schema(value_type = Vec<AttendanceRowInput>)]
    pub attendance: Vec<AttendanceRowDraft>,
}

/// One row of an attendance list.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AttendanceRowInput {
    person_id: i64,
    status: String,
}

async fn attendance_dto(state: &AppState, auth: &Auth, id: Id) -> Result<ActivityAttendanceDto, Error> {
    let rows = state.store().attendance(id).await?;
    let names = Names::for_principal(state, auth).await?;
    let present = rows.iter().filter(|r| r.status == AttendanceStatus::Present).count() as u64;
    Ok(ActivityAttendanceDto {
        activity_id: id,
        rate: Rate::new(present, rows.len() as u64).into(),
        attendance: rows
            .into_iter()
            .map(|r| AttendanceDto {
                person: names.show(r.person_id, &r.person_name),
                person_id: r.person_id,
                status: r.status.code().into(),
            })
            .collect(),
    })
}

/// The activity's attendance, by name, with its rate.
#[utoipa::path(get, path = "/api/v1/activities/{id}/attendance", tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, body = ActivityAttendanceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<ActivityAttendanceDto>, Error> {
    readable_activity(&state, &auth, id).await?;
    Ok(Json(attendance_dto(&state, &auth, id).await?))
}

/// Checks every person through the caller's scope (one out of scope reads as missing) and
/// records the list in one transaction.
async fn record(state: &AppState, auth: &Auth, id: Id, entries: &[AttendanceEntry]) -> Result<(), Error> {
    let store = state.store();
    for (i, e) in entries.iter().enumerate() {
        if let Err(err) = auth.person_ref(store, "person_id", e.person_id).await {
            if err.status().is_server_error() {
                return Err(err);
            }
            return Err(Error::unprocessable(
                &format!("attendance[{i}].person_id"),
                format!("person {} does not exist", e.person_id),
            ));
        }
    }
    store.record_attendance(id, entries).await?;
    Ok(())
}

/// Records attendance: each listed person's row is added or changed (one row per person);
/// rows not listed stay. All or nothing: a bad row (an unknown status, a person the caller
/// may not see, a person listed twice) refuses the whole list, naming `attendance[i].…`.
#[utoipa::path(put, path = "/api/v1/activities/{id}/attendance", tag = "activities",
    params(("id" = i64, Path, description = "Activity id")), request_body = AttendanceInput,
    responses((status = 200, body = ActivityAttendanceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<ActivityAttendanceDto>, Error> {
    writable_activity(&state, &auth, id).await?;
    let input: AttendanceInput = body.decode()?;
    let entries = parse_attendance(&input.attendance)?;
    record(&state, &auth, id, &entries).await?;
    Ok(Json(attendance_dto(&state, &auth, id).await?))
}

// The quick-entry page -------------------------------------------------------------------------

/// One person on the quick-entry page.
pub struct EntryRow {
    pub person_id: Id,
    pub name: String,
    /// The status chosen (a code), or empty.
    pub status: String,
}

/// The quick-entry page: a segmented choice per person, a person search to add someone, one
/// save.
#[derive(Template)]
#[template(path = "activity/attendance.html")]
pub struct EntryPage {
    pub l: Layout,
    pub heading: String,
    pub breadcrumbs: Vec<Link>,
    pub action: String,
    pub rows: Vec<EntryRow>,
    pub statuses: Vec<(String, String)>,
    pub message: Option<String>,
    pub add_label: String,
    pub add_status: String,
    pub submit: String,
    pub intro: String,
}

/// The people on the page: those recorded, then the current members of the invited groups
/// the caller may read (present by default), by name.
async fn entry_rows(state: &AppState, auth: &Auth, a: &Activity) -> Result<Vec<EntryRow>, Error> {
    let store = state.store();
    let mut rows: Vec<EntryRow> = store
        .attendance(a.id)
        .await?
        .into_iter()
        .map(|r| EntryRow { person_id: r.person_id, name: r.person_name, status: r.status.code().into() })
        .collect();
    let mut seen: HashSet<Id> = rows.iter().map(|r| r.person_id).collect();
    for g in &a.group_ids {
        if auth.readable_group(store, *g).await.is_err() {
            continue;
        }
        for m in store.group_members(*g).await? {
            let current = m.since.is_none_or(|s| s <= a.held_on) && m.until.is_none_or(|u| u >= a.held_on);
            if current && seen.insert(m.person_id) {
                rows.push(EntryRow {
                    person_id: m.person_id,
                    name: m.person_name,
                    status: AttendanceStatus::Present.code().into(),
                });
            }
        }
    }
    rows.sort_by(|x, y| x.name.to_lowercase().cmp(&y.name.to_lowercase()).then(x.person_id.cmp(&y.person_id)));
    Ok(rows)
}

fn entry_page_of(lang: Lang, a: &Activity, rows: Vec<EntryRow>, message: Option<String>) -> EntryPage {
    let t = lang.tr();
    let heading = format!("{} — {}", t.t("attendance.record"), a.title);
    let mut breadcrumbs = crumbs(lang, "nav.activities", "/activities");
    breadcrumbs.push(Link::new(a.title.clone(), format!("/activities/{}", a.id)));
    EntryPage {
        l: Layout::new(lang, heading.clone(), "activities"),
        heading,
        breadcrumbs,
        action: format!("/activities/{}/attendance", a.id),
        rows,
        statuses: vocabulary(AttendanceStatus::ALL, AttendanceStatus::code, AttendanceStatus::label, lang),
        message,
        add_label: t.t("attendance.add_person").into(),
        add_status: t.t("attendance.add_status").into(),
        submit: t.t("common.save").into(),
        intro: t.t("attendance.intro").into(),
    }
}

async fn entry_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let r = writable_activity(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let rows = entry_rows(&state, &auth, &r.activity).await.map_err(|e| e.page(lang))?;
    Ok(render(&entry_page_of(lang, &r.activity, rows, None)))
}

/// Reads the page's choices: `p_{person}` = status for each row, and the person added by
/// search (`add_person`) with `add_status`.
fn entries_of(form: &FormData) -> Vec<AttendanceRowDraft> {
    let mut rows: Vec<(i64, AttendanceRowDraft)> = form
        .0
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("p_")?;
            let n = id.parse::<i64>().unwrap_or(i64::MAX);
            Some((n, AttendanceRowDraft { person_id: id.to_string(), status: v.clone() }))
        })
        .collect();
    rows.sort_by_key(|(n, _)| *n);
    let mut out: Vec<AttendanceRowDraft> = rows.into_iter().map(|(_, r)| r).collect();
    if let Some(p) = form.opt("add_person")
        && !out.iter().any(|r| r.person_id == p)
    {
        let status = form.opt("add_status").unwrap_or_else(|| AttendanceStatus::Present.code().into());
        out.push(AttendanceRowDraft { person_id: p, status });
    }
    out
}

async fn entry_submit(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let r = writable_activity(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let drafts = entries_of(&form);
    let result = async {
        let entries = parse_attendance(&drafts)?;
        record(&state, &auth, id, &entries).await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/activities/{id}#attendance")).into_response()),
        Err(err) if err.status().is_server_error() => Ok(err.page(lang).into_response()),
        Err(err) => {
            let mut rows = entry_rows(&state, &auth, &r.activity).await.map_err(|e| e.page(lang))?;
            let chosen: HashMap<String, String> =
                drafts.iter().map(|d| (d.person_id.clone(), d.status.clone())).collect();
            for row in &mut rows {
                if let Some(s) = chosen.get(&row.person_id.to_string()) {
                    row.status = s.clone();
                }
            }
            let message = err
                .fields()
                .iter()
                .map(|f| crate::messages::field_line(lang, &f.field, &f.message))
                .collect::<Vec<_>>()
                .join("; ");
            let message = if message.is_empty() { err.text(lang) } else { message };
            Ok(render_with(err.status(), &entry_page_of(lang, &r.activity, rows, Some(message))))
        }
    }
}

// Rates over a period --------------------------------------------------------------------------

/// `from` and `to` (`YYYY-MM-DD`, either may be left out), a 400 naming the one that is not
/// a date; any other parameter is a 400 on the API.
fn period(params: &ListParams) -> Result<(Option<Date>, Option<Date>), Error> {
    params.only(&["from", "to"])?;
    let read = |k: &str| -> Result<Option<Date>, Error> {
        text::optional_date(params.other.get(k).map(String::as_str)).map_err(|m| Error::bad_request(k, m))
    };
    let (from, to) = (read("from")?, read("to")?);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(Error::bad_request("to", "is before `from`"));
    }
    Ok((from, to))
}

fn period_query(from: Option<Date>, to: Option<Date>) -> String {
    let mut q = Vec::new();
    if let Some(f) = from {
        q.push(format!("from={}", iso(f)));
    }
    if let Some(t) = to {
        q.push(format!("to={}", iso(t)));
    }
    if q.is_empty() { String::new() } else { format!("?{}", q.join("&")) }
}

/// A person's attendance over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRateDto {
    pub person_id: i64,
    pub person: String,
    pub rate: RateDto,
}

/// A group's members' attendance over a period, and the group's.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupAttendanceDto {
    pub group_id: i64,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Over every member's recorded rows.
    pub rate: RateDto,
    pub members: Vec<PersonRateDto>,
}

async fn group_rates(
    state: &AppState,
    auth: &Auth,
    id: Id,
    params: &ListParams,
) -> Result<(berdaya_domain::registry::Group, Option<Date>, Option<Date>, Vec<PersonRate>, Names), Error> {
    let (g, _) = auth.readable_group(state.store(), id).await?;
    let (from, to) = period(params)?;
    let rows = state.store().group_attendance(id, from, to).await?;
    let names = Names::for_principal(state, auth).await?;
    Ok((g, from, to, rows, names))
}

/// Per member of a group, their attendance at the activities that invited the group, held
/// from `from` to `to`.
#[utoipa::path(get, path = "/api/v1/groups/{id}/attendance", tag = "activities",
    params(("id" = i64, Path, description = "Group id"), ("from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD")),
    responses((status = 200, body = GroupAttendanceDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn group_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    params: ListParams,
) -> Result<Json<GroupAttendanceDto>, Error> {
    let (_, from, to, rows, names) = group_rates(&state, &auth, id, &params).await?;
    let total = rows.iter().fold(Rate::default(), |acc, r| acc.plus(r.rate));
    Ok(Json(GroupAttendanceDto {
        group_id: id,
        from: from.map(iso),
        to: to.map(iso),
        rate: total.into(),
        members: rows
            .into_iter()
            .map(|r| PersonRateDto {
                person: names.show(r.person_id, &r.person_name),
                person_id: r.person_id,
                rate: r.rate.into(),
            })
            .collect(),
    }))
}

async fn group_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let (g, from, to, rows, names) = group_rates(&state, &auth, id, &params).await.map_err(|e| e.page(lang))?;
    let total = rows.iter().fold(Rate::default(), |acc, r| acc.plus(r.rate));
    let heading = format!("{} — {}", t.t("attendance.group_title"), g.name);
    let mut breadcrumbs = crumbs(lang, "nav.groups", "/groups");
    breadcrumbs.push(Link::new(g.name.clone(), format!("/groups/{id}")));
    let page = ViewPage {
        l: Layout::new(lang, heading.clone(), "groups"),
        heading,
        breadcrumbs,
        actions: vec![Link::new(t.t("common.xlsx"), format!("/groups/{id}/attendance.xlsx{}", period_query(from, to)))],
        warnings: Vec::new(),
        facts: vec![
            (t.t("attendance.from").into(), Cell::text(crate::html::date_or_dash(from))),
            (t.t("attendance.to").into(), Cell::text(crate::html::date_or_dash(to))),
            (t.t("attendance.group_rate").into(), Cell::text(rate_text(lang, total))),
        ],
        sections: vec![Section {
            id: "members".into(),
            title: t.t("attendance.per_member").into(),
            table: Some(Table {
                headers: vec![
                    t.t("attendance.person").into(),
                    t.t("attendance.present").into(),
                    t.t("attendance.recorded").into(),
                    t.t("attendance.rate").into(),
                ],
                sorts: Vec::new(),
                rows: rows
                    .iter()
                    .map(|r| {
                        let shown = names.show(r.person_id, &r.person_name);
                        vec![
                            crate::kit::link_if(
                                auth.reads_people(),
                                shown,
                                format!("/people/{}/attendance", r.person_id),
                            ),
                            Cell::text(r.rate.present.to_string()),
                            Cell::text(r.rate.recorded.to_string()),
                            Cell::text(percent(lang, r.rate)),
                        ]
                    })
                    .collect(),
                empty: t.t("attendance.none").into(),
            }),
            ..Default::default()
        }],
    };
    Ok(render(&page))
}

/// The percent alone (`66,7 %`).
pub fn percent(lang: Lang, r: Rate) -> String {
    match (lang, r.percent_text()) {
        (_, None) => "—".into(),
        (Lang::En, Some(p)) => format!("{p} %"),
        _ => r.percent_id(),
    }
}

async fn group_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let (_, _, _, rows, names) = group_rates(&state, &auth, id, &params).await?;
    let table = berdaya_files::tables::SheetTable {
        name: t.t("attendance.group_title").to_string(),
        headers: vec![
            t.t("attendance.person").into(),
            t.t("attendance.present").into(),
            t.t("attendance.recorded").into(),
            t.t("attendance.rate").into(),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    TableCell::Text(names.show(r.person_id, &r.person_name)),
                    TableCell::Count(r.rate.present),
                    TableCell::Count(r.rate.recorded),
                    TableCell::Text(percent(lang, r.rate)),
                ]
            })
            .collect(),
    };
    super::calendar::xlsx(&[table], &format!("kehadiran-kelompok-{id}.xlsx"))
}

/// A person's attendance over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonAttendanceDto {
    pub person_id: i64,
    pub rate: RateDto,
    pub activities: Vec<PersonActivityDto>,
}

/// One activity a person was recorded at.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonActivityDto {
    pub activity_id: i64,
    pub title: String,
    pub held_on: String,
    pub kind: String,
    pub status: String,
}

/// Every activity a person was recorded at from `from` to `to`, newest first, and their rate.
#[utoipa::path(get, path = "/api/v1/people/{id}/attendance", tag = "activities",
    params(("id" = i64, Path, description = "Person id"), ("from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD")),
    responses((status = 200, body = PersonAttendanceDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    params: ListParams,
) -> Result<Json<PersonAttendanceDto>, Error> {
    auth.readable_person(state.store(), id).await?;
    let (from, to) = period(&params)?;
    let (rate, list) = state.store().person_attendance(id, from, to).await?;
    Ok(Json(PersonAttendanceDto {
        person_id: id,
        rate: rate.into(),
        activities: list
            .into_iter()
            .filter(|x| auth.principal().reads_programs() && x.activity_id > 0)
            .map(|x| PersonActivityDto {
                activity_id: x.activity_id,
                title: x.title,
                held_on: iso(x.held_on),
                kind: x.kind.code().into(),
                status: x.status.code().into(),
            })
            .collect(),
    }))
}

async fn person_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let (p, _) = auth.readable_person(state.store(), id).await.map_err(|e| e.page(lang))?;
    let (from, to) = period(&params).map_err(|e| e.page(lang))?;
    let (rate, list) = state.store().person_attendance(id, from, to).await.map_err(|e| Error::from(e).page(lang))?;
    let heading = format!("{} — {}", t.t("attendance.person_title"), p.name);
    let mut breadcrumbs = crumbs(lang, "nav.people", "/people");
    breadcrumbs.push(Link::new(p.name.clone(), format!("/people/{id}")));
    let page = ViewPage {
        l: Layout::new(lang, heading.clone(), "people"),
        heading,
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: vec![(t.t("attendance.rate").into(), Cell::text(rate_text(lang, rate)))],
        sections: vec![Section {
            id: "activities".into(),
            title: t.t("activities.title").into(),
            table: Some(Table {
                headers: vec![
                    t.t("activities.held_on").into(),
                    t.t("activities.title_col").into(),
                    t.t("activities.kind").into(),
                    t.t("attendance.status").into(),
                ],
                sorts: Vec::new(),
                rows: list
                    .into_iter()
                    .map(|x| {
                        vec![
                            Cell::text(iso(x.held_on)),
                            Cell::text(x.title),
                            Cell::text(x.kind.label(lang.code())),
                            Cell::text(status_label(lang, x.status)),
                        ]
                    })
                    .collect(),
                empty: t.t("attendance.none").into(),
            }),
            ..Default::default()
        }],
    };
    Ok(render(&page))
}
