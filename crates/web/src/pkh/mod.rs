//! The conditional cash transfer PKH over HTTP: the year's rules, families (KPM) and their
//! facts and components, verification periods and the sanction ladder, stage payment lists,
//! facilitators' caseloads and task lists, P2K2 sessions, grievances and appeals, and
//! targeting (the village welfare table and the targeting-error report).
//!
//! Every page of a program lives under `/programs/{id}/pkh/...`, its JSON twin under
//! `/api/v1/programs/{id}/pkh/...`.

pub mod caseload;
pub mod families;
pub mod grievances;
pub mod p2k2;
pub mod panel;
pub mod payments;
pub mod rules;
pub mod school;
pub mod targeting;
pub mod tasks;
pub mod verify;

use axum::Router;
use berdaya_domain::registry::Id;

use crate::AppState;
use crate::html::{Link, Section};
use crate::i18n::Lang;

/// Every PKH route, API and pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(rules::router())
        .merge(families::router())
        .merge(verify::router())
        .merge(school::router())
        .merge(payments::router())
        .merge(caseload::router())
        .merge(targeting::router())
        .merge(p2k2::router())
        .merge(grievances::router())
        .merge(tasks::router())
}

/// The program page's section linking to its PKH pages.
pub fn program_section(lang: Lang, program_id: Id) -> Section {
    let t = lang.tr();
    let link = |key: &str, path: &str| Link::new(t.t(key), format!("/programs/{program_id}/pkh{path}"));
    Section {
        id: "pkh".into(),
        title: t.t("pkh.title").into(),
        links: vec![
            link("pkh.families", "/families"),
            link("pkh.periods", "/periods"),
            link("pkh.payments", "/payments"),
            link("pkh.caseload", "/caseload"),
            link("pkh.p2k2", "/p2k2"),
            link("pkh.grievances", "/grievances"),
            link("pkh.targeting", "/targeting"),
            link("pkh.rules", "/rules"),
        ],
        ..Default::default()
    }
}
