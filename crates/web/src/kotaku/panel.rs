//! The sections community programs add to other pages: a program's (its grants, cycles and
//! partners), a group's (its book, the grants it receives, the works it keeps), a region's
//! (the grants and works in it) and a household's (the works in its village and its outcome
//! indicators).

use berdaya_domain::kotaku::outcome::Subject;
use berdaya_domain::registry::{Group, Household, Program, RegionCode};

use super::books::book_of;
use super::{officer, rp};
use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::html::{Cell, Link, Section, Table};
use crate::i18n::Lang;

/// The program page's links to its community pages: shown when it has any grant or cycle,
/// or to its officers (who start them).
pub async fn program_section(state: &AppState, auth: &Auth, lang: Lang, p: &Program) -> Result<Option<Section>, Error> {
    let t = lang.tr();
    let grants = state.store().program_grants(p.id).await?;
    let cycles = state.store().program_cycles(p.id).await?;
    if grants.is_empty() && cycles.is_empty() && !officer(auth, p) {
        return Ok(None);
    }
    let rows = grants
        .iter()
        .map(|g| {
            vec![
                Cell::link(g.grant.name.clone(), format!("/grants/{}", g.grant.id)),
                Cell::text(rp(g.grant.amount_rp)),
                Cell::text(rp(g.spent_rp)),
            ]
        })
        .collect();
    Ok(Some(Section {
        id: "community".into(),
        title: t.t("community.title").into(),
        table: Some(Table {
            headers: vec![t.t("grant.title").into(), t.t("grant.amount").into(), t.t("grant.spent").into()],
            sorts: Vec::new(),
            rows,
            empty: t.t("grant.none").into(),
        }),
        links: vec![
            Link::new(t.t("grant.list"), format!("/programs/{}/grants", p.id)),
            Link::new(t.t("community.page"), format!("/programs/{}/community", p.id)),
        ],
        ..Default::default()
    }))
}

/// A group page's section: its book, the grants it receives, the works it keeps.
pub async fn group_panel(state: &AppState, auth: &Auth, lang: Lang, g: &Group) -> Result<Option<Section>, Error> {
    let t = lang.tr();
    if book_of(state, auth, g.id).await.is_err() {
        return Ok(None);
    }
    let mut rows = Vec::new();
    for r in state.store().group_grants(g.id).await? {
        rows.push(vec![
            Cell::text(t.t("grant.title")),
            Cell::link(r.grant.name.clone(), format!("/grants/{}", r.grant.id)),
            Cell::text(format!("{} / {}", rp(r.spent_rp), rp(r.grant.amount_rp))),
        ]);
    }
    let today = crate::agriculture::machines::today();
    for w in state.store().kept_works(g.id).await? {
        let due = w.work.maintenance_due(w.last_upkeep);
        let state_text = match due {
            Some(d) if d < today => format!("{} {d}", t.t("grant.maintenance_overdue")),
            Some(d) => format!("{} {d}", t.t("grant.maintenance_due")),
            None => String::new(),
        };
        rows.push(vec![
            Cell::text(t.t("grant.kept_work")),
            Cell::link(w.work.name.clone(), format!("/works/{}", w.work.id)),
            Cell::text(state_text),
        ]);
    }
    Ok(Some(Section {
        id: "book".into(),
        title: t.t("book.section").into(),
        table: Some(Table {
            headers: vec![t.t("field.kind").into(), t.t("field.name").into(), t.t("grant.state").into()],
            sorts: Vec::new(),
            rows,
            empty: t.t("grant.none_for_group").into(),
        }),
        links: vec![Link::new(t.t("book.title"), format!("/groups/{}/book", g.id))],
        ..Default::default()
    }))
}

/// A region page's section: the grants and works in it (grants of programs the caller reads).
pub async fn region_section(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    code: &RegionCode,
) -> Result<Option<Section>, Error> {
    let t = lang.tr();
    if !auth.principal().reads_programs() {
        return Ok(None);
    }
    let mut rows = Vec::new();
    for g in state.store().region_grants(code).await? {
        if super::grants::readable(state, auth, g.grant.id).await.is_err() {
            continue;
        }
        rows.push(vec![
            Cell::link(g.grant.name.clone(), format!("/grants/{}", g.grant.id)),
            Cell::text(t.t("grant.title")),
            Cell::text(format!("{} / {}", rp(g.spent_rp), rp(g.grant.amount_rp))),
        ]);
        for w in state.store().grant_works(g.grant.id).await? {
            if !w.unit_region.as_str().starts_with(code.as_str()) {
                continue;
            }
            rows.push(vec![
                Cell::link(w.work.name.clone(), format!("/works/{}", w.work.id)),
                Cell::text(format!("{} · {}", w.work.kind.label(lang.code()), w.unit_name)),
                Cell::text(format!("{} %", w.work.progress_pct)),
            ]);
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(Section {
        id: "works".into(),
        title: t.t("grant.region_title").into(),
        table: Some(Table {
            headers: vec![t.t("field.name").into(), t.t("field.kind").into(), t.t("grant.state").into()],
            sorts: Vec::new(),
            rows,
            empty: String::new(),
        }),
        ..Default::default()
    }))
}

/// A household page's section: the works in its village and its outcome indicators.
pub async fn household_panel(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    h: &Household,
) -> Result<Option<Section>, Error> {
    let t = lang.tr();
    let mut rows = Vec::new();
    for w in state.store().region_works(&h.region, None, None).await? {
        if super::grants::readable(state, auth, w.grant_id).await.is_err() {
            continue;
        }
        rows.push(vec![
            Cell::text(t.t("grant.works")),
            Cell::link(w.work.name.clone(), format!("/works/{}", w.work.id)),
            Cell::text(format!("{} · {} %", w.unit_name, w.work.progress_pct)),
        ]);
    }
    for (ind, v) in state.store().subject_outcomes(Subject::Household, h.id).await? {
        let follow = v.followup.map(|f| ind.measure.show(f, lang.code())).unwrap_or_else(|| "—".into());
        rows.push(vec![
            Cell::text(t.t("outcome.title")),
            Cell::link(ind.name.clone(), format!("/indicators/{}", ind.id)),
            Cell::text(format!("{} → {follow}", ind.measure.show(v.baseline, lang.code()))),
        ]);
    }
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(Section {
        id: "community".into(),
        title: t.t("community.household").into(),
        table: Some(Table {
            headers: vec![t.t("field.kind").into(), t.t("field.name").into(), t.t("grant.state").into()],
            sorts: Vec::new(),
            rows,
            empty: String::new(),
        }),
        ..Default::default()
    }))
}
