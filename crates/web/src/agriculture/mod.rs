//! Agriculture extension over HTTP: input aid, machinery lending, farmer-group classes.

pub mod aid;
pub mod machines;

use axum::Router;

use crate::AppState;

/// Every agriculture route, API and pages.
pub fn router() -> Router<AppState> {
    Router::new().merge(machines::router()).merge(aid::router())
}
