//! Berdaya's HTTP layer: the JSON API under `/api/v1`, its OpenAPI document, the
//! server-rendered pages (Indonesian by default, English by a switch) and the vendored assets.
//!
//! Each capability has one module with the same name as in the domain and the store
//! (`registry::households`, …) exposing `router()`; the layers (request id, structured request
//! logs, body limit, language) are applied once, here.

pub mod access;
pub mod activity;
pub mod agriculture;
pub mod assets;
pub mod chart;
pub mod error;
pub mod extract;
pub mod framework;
pub mod html;
pub mod i18n;
pub mod kit;
pub mod kotaku;
pub mod messages;
pub mod openapi;
pub mod pdf;
pub mod pick;
pub mod pkh;
pub mod print;
pub mod qual;
pub mod registry;
pub mod survey;

pub mod dashboard;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use berdaya_store::Store;
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;
use utoipa::ToSchema;

pub use error::Error;

/// The largest request body accepted, in bytes; a longer one is answered 413.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The largest file upload (a form's or the API's: one limit for both), stated on every upload
/// form. Survey uploads have their own, configurable limit ([`survey::SurveyConfig`]).
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

/// What every handler shares: the store, how sessions behave, the login throttle, the pool
/// password hashing runs on.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    pub access: Arc<access::AccessConfig>,
    pub throttle: Arc<access::throttle::Throttle>,
    pub hashing: Arc<access::hashing::HashPool>,
    /// Where survey uploads go and how large they may be.
    pub survey: Arc<survey::SurveyConfig>,
    /// Survey analyses running in the background.
    pub survey_jobs: Arc<survey::jobs::Jobs>,
    /// Counts of families from 1 below this are suppressed for the viewer role (0: none).
    pub suppress_below: u64,
}

impl AppState {
    /// Wraps the opened store, with the default session and login policy.
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState::with_access(store, access::AccessConfig::default())
    }

    /// Wraps the opened store with a session and login policy (tests shorten the delays).
    pub fn with_access(store: Arc<dyn Store>, config: access::AccessConfig) -> AppState {
        let throttle = Arc::new(access::throttle::Throttle::new(config.throttle.clone()));
        let hashing =
            Arc::new(access::hashing::HashPool::new(config.hash_workers, config.hash_queue, config.hash_wait));
        // Made now, so the first login for an unknown name is not the one that pays for it.
        let _ = berdaya_domain::access::PasswordHash::decoy();
        AppState {
            store,
            access: Arc::new(config),
            throttle,
            hashing,
            survey: Arc::new(survey::SurveyConfig::default()),
            survey_jobs: Arc::new(survey::jobs::Jobs::default()),
            suppress_below: dashboard::DEFAULT_SUPPRESS_BELOW,
        }
    }

    /// The same state with survey uploads limited and kept as `config` says.
    pub fn with_survey(mut self, config: survey::SurveyConfig) -> AppState {
        self.survey = Arc::new(config);
        self
    }

    /// The same state suppressing, for the viewer role, counts of families from 1 below
    /// `below` on the dashboards.
    pub fn with_suppression(mut self, below: u64) -> AppState {
        self.suppress_below = below;
        self
    }

    /// The store behind the server.
    pub fn store(&self) -> &dyn Store {
        &*self.store
    }
}

/// The whole application: every capability's routes, the fallback and the layers, with the
/// state applied, ready for `axum::serve` (served with
/// `into_make_service_with_connect_info::<SocketAddr>()`, so the login throttle knows each
/// client's address).
pub fn router(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<Body>| {
            // The path only: query strings may carry a searched NIK or name.
            let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %request_id)
        })
        .on_request(())
        .on_response(|res: &Response<Body>, latency: Duration, _span: &Span| {
            tracing::info!(
                status = res.status().as_u16(),
                latency_ms = latency.as_secs_f64() * 1000.0,
                "request finished"
            );
        });
    Router::new()
        .merge(dashboard::router())
        .merge(access::router())
        .merge(registry::router())
        .merge(agriculture::router())
        .merge(pkh::router())
        .merge(kotaku::router())
        .merge(qual::router())
        .merge(activity::router())
        .merge(pick::router())
        .merge(framework::router())
        .merge(survey::router())
        .merge(print::router())
        .merge(openapi::router())
        .merge(assets::router())
        .route("/healthz", get(healthz))
        .fallback(fallback)
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), access::authenticate))
        .layer(axum::middleware::from_fn(i18n::language))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(trace)
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state)
}

/// The Content-Security-Policy of every page: only Berdaya's own (vendored) scripts, styles
/// and images, never framed, forms posting only to Berdaya.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The API browser's policy: Swagger UI sets inline styles.
const API_DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Headers on every answer: no sniffing, no framing, a content policy; and, on everything but
/// the vendored assets, `Cache-Control: no-store`, since pages and API answers may hold personal
/// data that must not stay in a browser's or a proxy's cache.
async fn security_headers(uri: Uri, mut res: Response<Body>) -> Response<Body> {
    use axum::http::HeaderValue;
    use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY as CSP, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
    let h = res.headers_mut();
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let policy = if uri.path() == "/api/docs" { API_DOCS_POLICY } else { CONTENT_SECURITY_POLICY };
    h.insert(CSP, HeaderValue::from_static(policy));
    if !uri.path().starts_with("/assets/") {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The answer of `/healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers, `unavailable` when it does not.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
}

/// Liveness and database check.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let backend = state.store().backend();
    match state.store().ping().await {
        Ok(()) => (StatusCode::OK, axum::Json(Health { status: "ok", backend })),
        Err(err) => {
            tracing::error!(error = %err, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(Health { status: "unavailable", backend }))
        }
    }
}

/// Unknown routes: a JSON 404 under `/api`, an HTML page elsewhere.
async fn fallback(uri: Uri, lang: i18n::Lang) -> Error {
    let err = Error::not_found(format!("no such address: {}", uri.path()));
    if extract::is_api(uri.path()) { err } else { err.page(lang) }
}
