//! Agriculture extension over HTTP: input aid, machinery lending, farmer-group class
//! assessment, and the program's agriculture dashboard.

pub mod aid;
pub mod classes;
pub mod dashboard;
pub mod machines;

use axum::Router;

use crate::AppState;

/// Every agriculture route, API and pages.
pub fn router() -> Router<AppState> {
    Router::new().merge(machines::router()).merge(aid::router()).merge(classes::router()).merge(dashboard::router())
}

/// The program page's section linking to its agriculture pages.
pub fn program_section(
    lang: crate::i18n::Lang,
    program_id: berdaya_domain::registry::Id,
) -> Option<crate::html::Section> {
    Some(crate::html::Section {
        id: "agriculture".into(),
        title: lang.tr().t("agriculture.title").into(),
        links: vec![
            crate::html::Link::new(lang.tr().t("agri_dash.title"), format!("/programs/{program_id}/agriculture")),
            classes::program_link(lang, program_id),
            crate::framework::findings::program_link(lang, program_id),
        ],
        ..Default::default()
    })
}
