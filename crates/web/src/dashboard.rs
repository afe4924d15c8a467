//! The dashboard at `/`: what the registry holds, and a banner when the data is the demo.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::AppState;
use crate::error::Error;
use crate::html::{Layout, render};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

/// One count on the dashboard.
pub struct Card {
    pub text: String,
    pub count: u64,
    pub href: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    demo: bool,
    cards: Vec<Card>,
}

async fn dashboard(State(state): State<AppState>, lang: Lang) -> Result<Response, Error> {
    let t = lang.tr();
    let store = state.store();
    let shape = |e: berdaya_store::StoreError| Error::from(e).page(lang);
    let counts = store.registry_counts().await.map_err(shape)?;
    let demo = store.setting("demo").await.map_err(shape)?.is_some();
    let card = |key: &str, count: u64, href: &'static str| Card { text: t.t(key).to_string(), count, href };
    let cards = vec![
        card("nav.regions", counts.regions, "/regions"),
        card("nav.households", counts.households, "/households"),
        card("nav.people", counts.people, "/people"),
        card("nav.groups", counts.groups, "/groups"),
        card("nav.agencies", counts.agencies, "/agencies"),
        card("nav.programs", counts.programs, "/programs"),
        card("dashboard.enrollments", counts.enrollments, "/programs"),
    ];
    Ok(render(&DashboardPage { l: Layout::new(lang, t.t("dashboard.title"), "home"), demo, cards }))
}
