//! The dashboard at `/`: what the registry holds, and a banner when the data is the demo.
//!
//! A national user of a role that reads everything sees the national counts; anyone bound to
//! an area, or limited to their assignments or group, sees the counts of what they may see.
//! A card links to its page only when the role may open it.

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;
use berdaya_domain::access::Role;
use berdaya_store::{Page, PageRequest, Query, Store};

use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::extract::Cx;
use crate::html::{Layout, render};
use crate::kit::Resource;
use crate::registry::programs::Programs;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

/// One count on the dashboard.
pub struct Card {
    pub text: String,
    /// The count as shown: `10000+` when the listing stopped counting.
    pub count: String,
    /// Where the card leads; empty when the role may not open that page.
    pub href: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    demo: bool,
    cards: Vec<Card>,
}

/// A listing's total as shown on a card.
fn total<T>(page: &Page<T>) -> String {
    if page.total_capped { format!("{}+", page.total) } else { page.total.to_string() }
}

/// The counts the principal may see, card key by card key (`None`: no card).
struct Counts {
    regions: String,
    households: String,
    people: String,
    groups: String,
    agencies: String,
    programs: String,
    enrollments: Option<String>,
}

/// National counts, for a national user who reads every record.
async fn national(store: &dyn Store) -> Result<Counts, Error> {
    let c = store.registry_counts().await?;
    Ok(Counts {
        regions: c.regions.to_string(),
        households: c.households.to_string(),
        people: c.people.to_string(),
        groups: c.groups.to_string(),
        agencies: c.agencies.to_string(),
        programs: c.programs.to_string(),
        enrollments: Some(c.enrollments.to_string()),
    })
}

/// Counts narrowed to the principal's area (and assignments or group).
async fn scoped(store: &dyn Store, auth: &Auth) -> Result<Counts, Error> {
    let one = Query { page: PageRequest::new(1, 1), ..Default::default() };
    let Some(records) = auth.scope(one.clone()) else {
        let zero = || "0".to_string();
        return Ok(Counts {
            regions: zero(),
            households: zero(),
            people: zero(),
            groups: zero(),
            agencies: zero(),
            programs: zero(),
            enrollments: None,
        });
    };
    let area = Query { within: None, ..records.clone() };
    // The store keeps the programs whose target regions overlap the area.
    let programs = match <Programs as Resource>::scope(auth, one) {
        Some(q) => total(&store.search_programs(&q).await?),
        None => "0".to_string(),
    };
    Ok(Counts {
        regions: total(&store.search_regions(&area).await?),
        households: total(&store.search_households(&records).await?),
        people: total(&store.search_people(&records).await?),
        groups: total(&store.search_groups(&records).await?),
        agencies: total(&store.search_agencies(&area).await?),
        programs,
        enrollments: None,
    })
}

async fn dashboard(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    let t = lang.tr();
    let store = state.store();
    let p = auth.principal();
    let counts = if p.user.area.is_none() && !matches!(auth.role(), Role::Facilitator | Role::GroupOfficer) {
        national(store).await
    } else {
        scoped(store, &auth).await
    }
    .map_err(|e| e.page(lang))?;
    let demo = store.setting("demo").await.map_err(|e| Error::from(e).page(lang))?.is_some();
    let card = |key: &str, count: String, href: &'static str, opens: bool| Card {
        text: t.t(key).to_string(),
        count,
        href: if opens { href } else { "" },
    };
    let (people, programs) = (auth.reads_people(), p.reads_programs());
    let mut cards = vec![
        card("nav.regions", counts.regions, "/regions", true),
        card("nav.households", counts.households, "/households", people),
        card("nav.people", counts.people, "/people", people),
        card("nav.groups", counts.groups, "/groups", people),
        card("nav.agencies", counts.agencies, "/agencies", programs),
        card("nav.programs", counts.programs, "/programs", programs),
    ];
    if let Some(n) = counts.enrollments {
        cards.push(card("dashboard.enrollments", n, "/programs", programs));
    }
    Ok(render(&DashboardPage { l: Layout::new(lang, t.t("dashboard.title"), "home"), demo, cards }))
}
