//! Static assets built into the binary: the stylesheet, the picker script, the Swagger UI
//! page and the vendored third-party files (htmx, swagger-ui-dist) with their licences.
//! Nothing loads from the internet.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// One embedded file.
struct Asset {
    path: &'static str,
    mime: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { path: "/assets/app.css", mime: "text/css; charset=utf-8", bytes: include_bytes!("../assets/app.css") },
    Asset {
        path: "/assets/api-docs.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/api-docs.js"),
    },
    Asset {
        path: "/assets/picker.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/picker.js"),
    },
    Asset {
        path: "/assets/vendor/htmx/htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/htmx/htmx.min.js"),
    },
    Asset {
        path: "/assets/vendor/htmx/LICENSE",
        mime: "text/plain; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/htmx/LICENSE"),
    },
    Asset {
        path: "/assets/vendor/swagger-ui/swagger-ui-bundle.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/swagger-ui/swagger-ui-bundle.js"),
    },
    Asset {
        path: "/assets/vendor/swagger-ui/swagger-ui.css",
        mime: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/swagger-ui/swagger-ui.css"),
    },
    Asset {
        path: "/assets/vendor/swagger-ui/LICENSE",
        mime: "text/plain; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/swagger-ui/LICENSE"),
    },
];

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
    ([(CONTENT_TYPE, asset.mime), (CACHE_CONTROL, "public, max-age=3600")], asset.bytes).into_response()
}
