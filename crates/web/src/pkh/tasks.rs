//! A facilitator's PKH task list (`/pkh/tasks`), made for a phone: verifications due (the
//! caller's families without complete compliance in an open period), P2K2 sessions this
//! month (activities of the PKH programs the caller's families belong to), and the families
//! the last close put on warning or suspension.

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use berdaya_domain::access::Role;
use berdaya_domain::registry::Id;
use time::OffsetDateTime;

use super::families::status_label;
use crate::AppState;
use crate::error::Error;
use crate::extract::Cx;
use crate::html::{Cell, Layout, Link, Section, Table, ViewPage, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/pkh/tasks", get(tasks_page))
}

async fn tasks_page(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    let t = lang.tr();
    if auth.role() != Role::Facilitator {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let me = auth.principal().user.id;
    let store = state.store();
    let due = store.pkh_verifications_due(me).await.map_err(|e| Error::from(e).page(lang))?;
    let mut sections = Vec::new();
    let mut programs: Vec<Id> = Vec::new();
    for (period, families) in &due {
        programs.push(period.program_id);
        let rows = families
            .iter()
            .map(|d| {
                vec![
                    Cell::link(
                        d.family.head_name.clone().unwrap_or_else(|| d.family.address.clone()),
                        format!("/pkh/periods/{}/families/{}", period.id, d.family.id),
                    ),
                    Cell::text(d.family.address.clone()),
                    Cell::text(format!("{} / {}", d.recorded, d.due)),
                ]
            })
            .collect();
        sections.push(Section {
            id: format!("due-{}", period.id),
            title: format!("{} — {} ({})", t.t("pkh_tasks.due"), period.period.label(lang.code()), families.len()),
            table: Some(Table {
                sorts: Vec::new(),
                headers: vec![
                    t.t("pkh_fam.head").into(),
                    t.t("households.address").into(),
                    t.t("pkh_tasks.recorded").into(),
                ],
                rows,
                empty: t.t("pkh_tasks.none_due").into(),
            }),
            ..Default::default()
        });
    }
    if due.is_empty() {
        sections.push(Section::table(
            t,
            "due",
            t.t("pkh_tasks.due"),
            &["pkh_fam.head"],
            Vec::new(),
            t.t("pkh_tasks.none_due"),
        ));
    }

    // P2K2 sessions and other activities of the PKH programs this month.
    let today = OffsetDateTime::now_utc().date();
    let first = today.replace_day(1).unwrap_or(today);
    let last = first.replace_day(first.month().length(first.year())).unwrap_or(today);
    let mut session_rows = Vec::new();
    programs.sort_unstable();
    programs.dedup();
    for program_id in &programs {
        let found = activities(&state, &auth, *program_id, first, last).await.map_err(|e| e.page(lang))?;
        for (id, title, on) in found {
            session_rows
                .push(vec![Cell::link(title, format!("/activities/{id}")), Cell::text(crate::registry::iso(on))]);
        }
    }
    sections.push(Section::table(
        t,
        "sessions",
        t.t("pkh_tasks.sessions"),
        &["pkh_tasks.activity", "pkh_fam.date"],
        session_rows,
        t.t("pkh_tasks.no_sessions"),
    ));

    let warned = store.pkh_newly_sanctioned(me).await.map_err(|e| Error::from(e).page(lang))?;
    let rows = warned
        .iter()
        .map(|(f, p)| {
            vec![
                Cell::link(
                    f.head_name.clone().unwrap_or_else(|| f.address.clone()),
                    format!("/programs/{}/pkh/families/{}", f.program_id, f.id),
                ),
                Cell::text(status_label(lang, f.status)),
                Cell::text(p.period.label(lang.code())),
            ]
        })
        .collect();
    sections.push(Section::table(
        t,
        "warned",
        t.t("pkh_tasks.warned"),
        &["pkh_fam.head", "pkh_fam.status", "pkh_fam.period"],
        rows,
        t.t("pkh_tasks.none_warned"),
    ));
    let heading = t.t("pkh_tasks.title").to_string();
    Ok(render(&ViewPage {
        l: Layout::new(lang, heading.clone(), "pkh-tasks"),
        heading,
        breadcrumbs: vec![Link::new(t.t("nav.home"), "/")],
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        sections,
    }))
}

/// The activities of a program held from `first` to `last` in the caller's area:
/// (id, title, date), by date.
async fn activities(
    state: &AppState,
    auth: &crate::access::guard::Auth,
    program_id: Id,
    first: time::Date,
    last: time::Date,
) -> Result<Vec<(Id, String, time::Date)>, Error> {
    let query = berdaya_store::Query {
        filters: vec![("program_id".into(), program_id.to_string())],
        page: berdaya_store::PageRequest::new(1, berdaya_store::PageRequest::MAX_PER_PAGE),
        ..Default::default()
    };
    let page = state.store().search_activities(&query).await?;
    let mut out: Vec<(Id, String, time::Date)> = page
        .items
        .into_iter()
        .filter(|a| a.held_on >= first && a.held_on <= last && auth.in_area(&a.region))
        .map(|a| (a.id, a.title, a.held_on))
        .collect();
    out.sort_by_key(|a| a.2);
    Ok(out)
}
