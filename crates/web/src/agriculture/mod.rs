//! Agriculture extension over HTTP: input aid, machinery lending, group classes.

pub mod aid;

use axum::Router;

use crate::AppState;

/// Every agriculture route, API and pages.
pub fn router() -> Router<AppState> {
    Router::new().merge(aid::router())
}
