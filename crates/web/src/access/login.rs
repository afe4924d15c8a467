//! Login and logout pages. A login issues a new session id every time (and ends the session
//! the browser came with), so a session id planted before login is worthless after it.

use std::net::IpAddr;
use std::time::Instant;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header::{LOCATION, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use berdaya_domain::access::password::MAX_PASSWORD_CHARS;
use berdaya_domain::access::secret::{new_secret, secret_hash};
use berdaya_domain::access::{PasswordHash, Username};
use berdaya_store::access::{Actor, AuditEvent, Session, acting_as};
use serde_json::json;
use time::OffsetDateTime;

use super::hashing::PoolError;
use super::throttle::{Failure, Refused};
use super::{ClientAddr, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, cookie_header, over_tls};
use crate::AppState;
use crate::error::Error;
use crate::extract::FormData;
use crate::html::{Layout, render_with};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new().route("/login", get(login_page).post(login)).route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    csrf: String,
    next: String,
    username: String,
    message: Option<String>,
}

/// Where to go after login: a local path only, else `/`. Exactly one leading `/`, and no
/// backslash, control character or whitespace anywhere (browsers drop tabs and newlines and
/// read `\\` as `/`, so `/<TAB>/evil.example` would leave the site), nor in the
/// percent-decoded path. Non-ASCII is percent-encoded, so the answer is always a valid
/// `Location`.
fn safe_next(raw: &str) -> String {
    let bad = |c: char| c == '\\' || c.is_control() || c.is_whitespace();
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(&path.replace('+', "%2B"));
    let local = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.chars().any(bad)
        && !decoded.starts_with("//")
        && !decoded.chars().any(bad)
        && !raw.starts_with("/login");
    if !local {
        return "/".to_string();
    }
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn login_form(
    lang: Lang,
    status: StatusCode,
    csrf: String,
    next: &str,
    username: &str,
    message: Option<String>,
) -> Response {
    let page = LoginPage {
        l: Layout::new(lang, lang.tr().t("login.title"), "login"),
        csrf,
        next: safe_next(next),
        username: username.to_string(),
        message,
    };
    render_with(status, &page)
}

async fn login_page(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    form: axum::extract::RawQuery,
) -> Response {
    let next = form
        .0
        .as_deref()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("next=")))
        .map(percent_decode)
        .unwrap_or_default();
    // The login form's CSRF token lives in a cookie of its own until there is a session.
    let (csrf, set) = match cookie(&headers, LOGIN_CSRF_COOKIE) {
        Some(t) => (t.to_string(), None),
        None => {
            let t = new_secret("");
            let secure = over_tls(&state.access, &headers);
            (t.clone(), Some(cookie_header(LOGIN_CSRF_COOKIE, &t, Some(std::time::Duration::from_secs(3600)), secure)))
        }
    };
    let mut res = login_form(lang, StatusCode::OK, csrf, &next, "", None);
    if let Some(c) = set.and_then(|c| c.parse().ok()) {
        res.headers_mut().append(SET_COOKIE, c);
    }
    res
}

/// Signs in. The order matters:
/// 1. the throttle reserves an attempt for (client address, account) or refuses at once,
///    without looking at the password;
/// 2. the password is verified on the bounded hashing pool, against the account's hash or,
///    for an unknown or malformed name, against the decoy (same cost, so timing tells
///    nothing); a full pool answers 503 with `Retry-After`;
/// 3. only once the answer is a success, and the redirect target is settled, is a session
///    made.
///
/// Audit rule: each password actually checked and refused writes one `login_failed` row
/// (username, client address, the failure's number in the window, whether it locked); the
/// attempts the throttle refuses unchecked write nothing. So one address writes at most
/// `lock_after` rows per account and window, and at most `address_lock_after` in all.
async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    form: FormData,
) -> Response {
    let t = lang.tr();
    let raw_name = form.get("username");
    let password = form.get("password");
    let next = safe_next(&form.get("next"));
    let csrf = super::csrf_token();
    let key: String = raw_name.trim().to_lowercase().chars().take(64).collect();
    let store = state.store();
    let refuse = |status: StatusCode, msg: String, retry_after: u64| {
        let mut res = login_form(lang, status, csrf.clone(), &next, &raw_name, Some(msg));
        res.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
        res
    };

    let attempt = match state.throttle.begin(address, &key, Instant::now()) {
        Ok(attempt) => attempt,
        Err(Refused::Locked(left)) => {
            let minutes = left.as_secs().div_ceil(60).max(1);
            let msg = t.t("login.locked").replace("{minutes}", &minutes.to_string());
            return refuse(StatusCode::TOO_MANY_REQUESTS, msg, left.as_secs());
        }
        Err(Refused::Slowed(left)) => {
            let seconds = left.as_secs_f64().ceil().max(1.0) as u64;
            let msg = t.t("login.slowed").replace("{seconds}", &seconds.to_string());
            return refuse(StatusCode::TOO_MANY_REQUESTS, msg, seconds);
        }
        Err(Refused::Busy) => return refuse(StatusCode::SERVICE_UNAVAILABLE, t.t("login.busy").to_string(), 5),
    };

    let account = match Username::parse(&raw_name) {
        Ok(name) if password.chars().count() <= MAX_PASSWORD_CHARS => match store.user_for_login(&name).await {
            Ok(found) => found,
            Err(e) => return Error::from(e).page(lang).into_response(),
        },
        _ => None,
    };
    // Unknown names are checked against the decoy: the same work as a real check.
    let (hash, user) = match account {
        Some((user, hash)) => (hash, Some(user)),
        None => (PasswordHash::decoy(), None),
    };
    let matches = match state.hashing.run(move || hash.verify(&password)).await {
        Ok(matches) => matches,
        Err(PoolError::Busy) => {
            return refuse(StatusCode::SERVICE_UNAVAILABLE, t.t("login.busy").to_string(), 5);
        }
        Err(e @ PoolError::Failed) => {
            tracing::error!(error = %e, "password check failed");
            return Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
                .page(lang)
                .into_response();
        }
    };
    let user = match user {
        Some(user) if matches && !user.disabled => user,
        _ => {
            let failure = attempt.failed(Instant::now());
            record_failure(&state, &key, address, failure).await;
            tokio::time::sleep(failure.delay).await;
            if failure.locked {
                let lock_for = state.throttle.policy().lock_for;
                let minutes = lock_for.as_secs().div_ceil(60).max(1);
                let msg = t.t("login.locked").replace("{minutes}", &minutes.to_string());
                return refuse(StatusCode::TOO_MANY_REQUESTS, msg, lock_for.as_secs());
            }
            return login_form(
                lang,
                StatusCode::UNAUTHORIZED,
                csrf,
                &next,
                &raw_name,
                Some(t.t("login.failed").into()),
            );
        }
    };
    attempt.succeeded();

    // Everything the answer needs is settled before the session exists.
    let location = HeaderValue::from_str(&next).unwrap_or(HeaderValue::from_static("/"));
    let sid = new_secret("");
    let secure = over_tls(&state.access, &headers);
    let ttl = state.access.session_ttl;
    let cookies: Vec<HeaderValue> =
        [cookie_header(SESSION_COOKIE, &sid, Some(ttl), secure), cookie_header(LOGIN_CSRF_COOKIE, "", None, secure)]
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect();

    // A fresh session id on every login; the one the browser came with (if any) ends.
    let created = OffsetDateTime::now_utc();
    let session = Session {
        id_hash: secret_hash(&sid),
        user_id: user.id,
        csrf_token: new_secret(""),
        created_at: created,
        expires_at: created + ttl,
    };
    let actor = Actor::user(user.id, user.username.to_string());
    let result = acting_as(actor, async {
        if let Some(old) = cookie(&headers, SESSION_COOKIE) {
            store.delete_session(&secret_hash(old)).await?;
        }
        store.create_session(&session).await?;
        let recorded = store
            .record_event(&AuditEvent {
                action: "login".into(),
                entity: "users".into(),
                entity_id: Some(user.id.to_string()),
                details: json!({}),
            })
            .await;
        if recorded.is_err() {
            // No session without its audit row.
            let _ = store.delete_session(&session.id_hash).await;
        }
        recorded
    })
    .await;
    if let Err(e) = result {
        return Error::from(e).page(lang).into_response();
    }
    let mut res = (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response();
    for c in cookies {
        res.headers_mut().append(SET_COOKIE, c);
    }
    res
}

/// The audit row of a password checked and refused (see [`login`] for the rule).
async fn record_failure(state: &AppState, username: &str, address: IpAddr, failure: Failure) {
    let event = AuditEvent {
        action: "login_failed".into(),
        entity: "users".into(),
        entity_id: None,
        details: json!({
            "username": username,
            "address": address.to_string(),
            "failures": failure.nth,
            "locked": failure.locked,
        }),
    };
    if let Err(e) = state.store().record_event(&event).await {
        tracing::error!(error = %e, "cannot record a failed login");
    }
}

async fn logout(State(state): State<AppState>, lang: Lang, headers: HeaderMap) -> Response {
    if let Some(sid) = cookie(&headers, SESSION_COOKIE) {
        let event = AuditEvent { action: "logout".into(), entity: "users".into(), entity_id: None, details: json!({}) };
        if let Err(e) = state.store().record_event(&event).await {
            return Error::from(e).page(lang).into_response();
        }
        if let Err(e) = state.store().delete_session(&secret_hash(sid)).await {
            return Error::from(e).page(lang).into_response();
        }
    }
    let secure = over_tls(&state.access, &headers);
    let mut res = (StatusCode::SEE_OTHER, [(LOCATION, "/login")]).into_response();
    if let Ok(v) = cookie_header(SESSION_COOKIE, "", None, secure).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/households?q=a"), "/households?q=a");
        assert_eq!(safe_next("//evil.example/x"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/", "browsers drop the tab: //evil.example");
        assert_eq!(safe_next("/\n/evil.example"), "/");
        assert_eq!(safe_next("/ /evil.example"), "/");
        assert_eq!(safe_next("/%09/evil.example"), "/");
        assert_eq!(safe_next("/%2F/evil.example"), "/");
        assert_eq!(safe_next("/%5Cevil.example"), "/");
        assert_eq!(safe_next("\\/evil.example"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/login?next=/x"), "/");
        assert_eq!(safe_next("/households?q=Siti%20Aminah"), "/households?q=Siti%20Aminah");
        assert_eq!(safe_next("/desa/Kalampangan?n=Sité"), "/desa/Kalampangan?n=Sit%C3%A9");
        assert_eq!(percent_decode("%2F%09%2Fevil.example"), "/\t/evil.example");
        assert_eq!(percent_decode("%2Fhouseholds%3Fq%3Da"), "/households?q=a");
    }
}
