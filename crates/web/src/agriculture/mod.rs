//! Agriculture extension over HTTP: farmer-group class assessment (and, beside it, input aid
//! and machinery lending).

pub mod classes;

use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(classes::router())
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
            classes::program_link(lang, program_id),
            crate::framework::findings::program_link(lang, program_id),
        ],
        ..Default::default()
    })
}
