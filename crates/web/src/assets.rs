//! Static assets built into the binary: the stylesheet, the picker script, the Swagger UI
//! page and the vendored third-party files (htmx, swagger-ui-dist) with their licences.
//! Nothing loads from the internet.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// One embedded file, served at `/assets/<file>`.
struct Asset {
    path: &'static str,
    bytes: &'static [u8],
}

/// An embedded file of `crates/web/assets`.
macro_rules! asset {
    ($file:literal) => {
        Asset { path: concat!("/assets/", $file), bytes: include_bytes!(concat!("../assets/", $file)) }
    };
}

const ASSETS: &[Asset] = &[
    asset!("app.css"),
    asset!("dashboard.css"),
    asset!("api-docs.js"),
    asset!("picker.js"),
    asset!("survey-upload.js"),
    asset!("qual.css"),
    asset!("qual-coding.js"),
    asset!("vendor/htmx/htmx.min.js"),
    asset!("vendor/htmx/LICENSE"),
    asset!("vendor/swagger-ui/swagger-ui-bundle.js"),
    asset!("vendor/swagger-ui/swagger-ui.css"),
    asset!("vendor/swagger-ui/LICENSE"),
];

/// The media type of an asset, by its ending.
fn mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

const API_DOCS: &str = include_str!("../assets/api-docs.html");

/// Routes serving every embedded asset, and the API browser at `/api/docs`.
pub fn router() -> Router<AppState> {
    let mut router = Router::new().route("/api/docs", get(|| async { axum::response::Html(API_DOCS) }));
    for asset in ASSETS {
        router = router.route(asset.path, get(move || async move { serve(asset) }));
    }
    router
}

fn serve(asset: &'static Asset) -> Response {
    ([(CONTENT_TYPE, mime(asset.path)), (CACHE_CONTROL, "public, max-age=3600")], asset.bytes).into_response()
}
