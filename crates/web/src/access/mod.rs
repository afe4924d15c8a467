//! Access over HTTP: who a request acts as (a session cookie or an API token), CSRF
//! protection of every state-changing request, login with rate limiting and lockout,
//! logout, and the audit log page.
//!
//! [`authenticate`] runs once for every request, before any handler. It resolves the
//! principal, refuses unauthenticated requests to anything but the public paths, checks the
//! CSRF token of every unsafe request made with a session, and runs the handler inside
//! [`berdaya_store::access::acting_as`] so the store attributes each write, and inside a
//! task-local [`RequestAccess`] that the page layout reads (user menu, CSRF field).

pub mod audit;
pub mod caseload;
pub mod guard;
pub mod hashing;
pub mod login;
pub mod throttle;
pub mod users;

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use berdaya_domain::access::Principal;
use berdaya_domain::access::secret::{TOKEN_PREFIX, same_secret, secret_hash};
use berdaya_store::access::{Actor, acting_as};
use time::OffsetDateTime;

pub use guard::Auth;

use crate::AppState;
use crate::error::Error;
use crate::extract::is_api;
use crate::i18n::Lang;

/// The session cookie.
pub const SESSION_COOKIE: &str = "berdaya_session";
/// The cookie carrying the CSRF token of a visitor who has not signed in (the login form).
pub const LOGIN_CSRF_COOKIE: &str = "berdaya_login_csrf";
/// The form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
/// The header carrying the CSRF token (htmx and scripts).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How sessions and logins behave.
#[derive(Debug, Clone)]
pub struct AccessConfig {
    /// How long a session lasts after login.
    pub session_ttl: Duration,
    /// Mark cookies `Secure`: set when Berdaya is served over TLS (directly or behind a proxy).
    /// Requests that arrive with `X-Forwarded-Proto: https` get `Secure` cookies regardless.
    pub secure_cookies: bool,
    pub throttle: throttle::Policy,
    /// Berdaya sits behind one reverse proxy that appends the client's address to
    /// `X-Forwarded-For`: the login throttle then keys on that address (the header's last
    /// entry) instead of the proxy's. Off, the header is ignored: anyone can write it.
    pub trust_forwarded_for: bool,
    /// Password hashes run at once (see [`hashing`]).
    pub hash_workers: usize,
    /// Password checks waiting for a worker before logins are answered 503.
    pub hash_queue: usize,
    /// The longest a password check waits for a worker.
    pub hash_wait: Duration,
}

impl Default for AccessConfig {
    fn default() -> Self {
        AccessConfig {
            session_ttl: Duration::from_secs(8 * 3600),
            secure_cookies: false,
            throttle: Default::default(),
            trust_forwarded_for: false,
            hash_workers: hashing::HashPool::default_workers(),
            hash_queue: 256,
            hash_wait: Duration::from_secs(10),
        }
    }
}

/// The address a request comes from, for the login throttle: the connection's peer, or with
/// [`AccessConfig::trust_forwarded_for`] the last `X-Forwarded-For` entry. When the server
/// was started without connection info (`into_make_service_with_connect_info`), every
/// request shares the unspecified address, and the throttle falls back to per-account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    fn of(config: &AccessConfig, parts: &Parts) -> ClientAddr {
        let forwarded = || {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|a| a.trim().parse::<IpAddr>().ok())
        };
        let peer = || parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| a.ip());
        let addr = if config.trust_forwarded_for { forwarded().or_else(peer) } else { peer() };
        ClientAddr(addr.map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), canonical))
    }
}

/// One key per client: an IPv4 address seen as IPv6 is the IPv4 address, and an IPv6 client
/// is its /64 (one subscriber's network hands out a whole /64).
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr::of(&state.access, parts))
    }
}

/// What the current request acts as, for the page layout.
#[derive(Debug, Clone)]
pub struct RequestAccess {
    pub principal: Option<Principal>,
    /// The token forms must carry: the session's, or the login form's.
    pub csrf: String,
    /// The name of the principal's agency, for the printed page's header (pages only).
    pub agency: Option<String>,
}

tokio::task_local! {
    static REQUEST: RequestAccess;
}

/// The principal of the current request, if signed in.
pub fn current_principal() -> Option<Principal> {
    REQUEST.try_with(|r| r.principal.clone()).ok().flatten()
}

/// The name of the signed-in user's agency, if they have one (read for pages only).
pub fn current_agency() -> Option<String> {
    REQUEST.try_with(|r| r.agency.clone()).ok().flatten()
}

/// The CSRF token every form of the current page must carry.
pub fn csrf_token() -> String {
    REQUEST.try_with(|r| r.csrf.clone()).unwrap_or_default()
}

/// Login, logout, the audit log.
pub fn router() -> Router<AppState> {
    Router::new().merge(login::router()).merge(users::router()).merge(caseload::router()).merge(audit::router())
}

/// Paths anyone may reach without signing in.
fn is_public(path: &str) -> bool {
    matches!(path, "/login" | "/healthz" | "/api/openapi.json" | "/favicon.ico")
        || path.starts_with("/assets/")
        || path == "/api/docs"
        || path.starts_with("/api/docs/")
}

/// The value of one cookie.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        .filter(|v| !v.is_empty())
}

/// Whether a request reached us over TLS (directly configured, or through a proxy that says so).
pub fn over_tls(config: &AccessConfig, headers: &HeaderMap) -> bool {
    config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure over TLS.
pub fn cookie_header(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    match max_age {
        Some(d) => c.push_str(&format!("; Max-Age={}", d.as_secs())),
        None => c.push_str("; Max-Age=0"),
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The middleware: see the module documentation.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let api = is_api(&path);
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let shape = |e: Error| if api { e.into_response() } else { e.page(lang).into_response() };
    let now = OffsetDateTime::now_utc();

    // Who is asking: an API token (API only), else a session cookie.
    let bearer = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_string());
    let mut session_csrf = None;
    let principal = match (&bearer, cookie(req.headers(), SESSION_COOKIE)) {
        (Some(secret), _) if api => {
            if !secret.starts_with(TOKEN_PREFIX) {
                return shape(unauthorized());
            }
            match state.store().token_for_secret(&secret_hash(secret), now).await {
                Ok(Some((token, user))) => Some(Principal { user, token_id: Some(token.id) }),
                Ok(None) => return shape(unauthorized()),
                Err(e) => return shape(e.into()),
            }
        }
        (_, Some(sid)) => match state.store().session(&secret_hash(sid), now).await {
            Ok(Some((session, user))) => {
                session_csrf = Some(session.csrf_token);
                Some(Principal { user, token_id: None })
            }
            Ok(None) => None,
            Err(e) => return shape(e.into()),
        },
        _ => None,
    };

    let public = is_public(&path);
    if principal.is_none() && !public {
        if api {
            return unauthorized().into_response();
        }
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let location = format!("/login?next={}", crate::html::enc(target));
            return (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response();
        }
        return unauthorized().page(lang).into_response();
    }

    // CSRF: every unsafe request made with a session (or to the login form) carries the token.
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let expected = match (&principal, &session_csrf) {
        (Some(_), Some(token)) => Some(token.clone()),
        (Some(_), None) => None, // an API token: no cookie, so no cross-site request to forge
        (None, _) => Some(cookie(req.headers(), LOGIN_CSRF_COOKIE).unwrap_or("").to_string()),
    };
    let req = match (unsafe_method, expected) {
        (true, Some(expected)) => match check_csrf(req, &expected).await {
            Ok(req) => req,
            Err(e) => return shape(e),
        },
        _ => req,
    };

    let csrf = match &session_csrf {
        Some(t) => t.clone(),
        None => cookie(req.headers(), LOGIN_CSRF_COOKIE).unwrap_or("").to_string(),
    };
    let actor = match &principal {
        Some(p) => Actor::user(p.user.id, p.actor_name()),
        None => Actor::system("anonymous"),
    };
    let mut req = req;
    if let Some(p) = &principal {
        req.extensions_mut().insert(p.clone());
    }
    // A page names the reader's agency in its print header; the API has no use for it.
    let agency = match principal.as_ref().and_then(|p| p.user.agency_id) {
        Some(id) if !api => state.store().agency(id).await.ok().map(|a| a.name),
        _ => None,
    };
    let ctx = RequestAccess { principal, csrf, agency };
    REQUEST.scope(ctx, acting_as(actor, next.run(req))).await
}

fn unauthorized() -> Error {
    Error::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "sign in first (a session, or an API token as `Authorization: Bearer …`)",
    )
}

fn csrf_refused() -> Error {
    Error::new(StatusCode::FORBIDDEN, "csrf", "the request carries no valid CSRF token; reload the page and try again")
}

/// Checks the CSRF token of an unsafe request: the `X-CSRF-Token` header, or the `_csrf`
/// field of a form (urlencoded, read whole and put back; or multipart, whose start only is
/// read).
async fn check_csrf(req: Request, expected: &str) -> Result<Request, Error> {
    if expected.is_empty() {
        return Err(csrf_refused());
    }
    if let Some(given) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if same_secret(given, expected) { Ok(req) } else { Err(csrf_refused()) };
    }
    let (parts, body) = req.into_parts();
    let content_type = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        return check_multipart_csrf(parts, body, expected).await;
    }
    let limit = crate::BODY_LIMIT;
    let bytes: Bytes = axum::body::to_bytes(body, limit).await.map_err(|_| Error::too_large(limit))?;
    let given = if content_type.starts_with("application/x-www-form-urlencoded") {
        form_field(&bytes, CSRF_FIELD)
    } else {
        None
    };
    match given {
        Some(given) if same_secret(&given, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(csrf_refused()),
    }
}

/// The CSRF token of a multipart form (a file upload, possibly hundreds of megabytes): only
/// the start of the body is read, up to the `_csrf` field that the forms put first, and put
/// back in front of the rest, which streams on to the handler.
async fn check_multipart_csrf(parts: Parts, body: Body, expected: &str) -> Result<Request, Error> {
    use futures_util::StreamExt;
    /// The token must come within this many bytes of the start.
    const HEAD: usize = 64 * 1024;
    let mut stream = body.into_data_stream();
    let mut head = Vec::new();
    let given = loop {
        if let Some(given) = multipart_field(&head, CSRF_FIELD) {
            break Some(given);
        }
        if head.len() >= HEAD {
            break None;
        }
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(_)) | None => break multipart_field(&head, CSRF_FIELD),
        }
    };
    match given {
        Some(given) if same_secret(&given, expected) => {
            let head = futures_util::stream::iter([Ok::<Bytes, axum::Error>(Bytes::from(head))]);
            Ok(Request::from_parts(parts, Body::from_stream(head.chain(stream))))
        }
        _ => Err(csrf_refused()),
    }
}

/// One field of an urlencoded body (tokens are hex: no decoding needed beyond `+`/`%`).
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('='))).map(str::to_string)
}

/// One text field of a multipart body.
fn multipart_field(body: &[u8], name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    let at = find(body, needle.as_bytes())?;
    let rest = &body[at..];
    let start = find(rest, b"\r\n\r\n")? + 4;
    let value = &rest[start..];
    let end = find(value, b"\r\n")?;
    std::str::from_utf8(&value[..end]).ok().map(|s| s.trim().to_string())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_in_both_form_encodings() {
        assert_eq!(form_field(b"a=1&_csrf=abc&b=2", "_csrf").as_deref(), Some("abc"));
        assert_eq!(form_field(b"x_csrf=abc", "_csrf"), None);
        let multipart = b"--b\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nabc123\r\n--b--\r\n";
        assert_eq!(multipart_field(multipart, "_csrf").as_deref(), Some("abc123"));
    }

    #[test]
    fn the_client_address_comes_from_the_connection_unless_a_proxy_is_trusted() {
        let mut req = axum::http::Request::builder()
            .header("x-forwarded-for", "203.0.113.9, 198.51.100.7")
            .body(())
            .expect("request");
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 5], 4000))));
        let (parts, ()) = req.into_parts();
        let mut config = AccessConfig::default();
        assert_eq!(ClientAddr::of(&config, &parts).0.to_string(), "10.0.0.5", "a client-written header is ignored");
        config.trust_forwarded_for = true;
        assert_eq!(ClientAddr::of(&config, &parts).0.to_string(), "198.51.100.7", "the entry the proxy appended");
        let (bare, ()) = axum::http::Request::new(()).into_parts();
        assert_eq!(ClientAddr::of(&AccessConfig::default(), &bare).0, IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        assert_eq!(canonical("2001:db8:1:2:aaaa:bbbb:cccc:dddd".parse().expect("ip")).to_string(), "2001:db8:1:2::");
        assert_eq!(canonical("::ffff:192.0.2.1".parse().expect("ip")).to_string(), "192.0.2.1");
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "lang=en; berdaya_session=s1; berdaya_session_x=s2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("s1"));
        assert_eq!(cookie(&h, "berdaya"), None);
    }
}
