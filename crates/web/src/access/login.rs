//! Login and logout pages. A login issues a new session id every time (and ends the session
//! the browser came with), so a session id planted before login is worthless after it.

use std::time::Instant;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use berdaya_domain::access::password::MAX_PASSWORD_CHARS;
use berdaya_domain::access::secret::{new_secret, secret_hash};
use berdaya_domain::access::{PasswordHash, Username};
use berdaya_store::access::{Actor, AuditEvent, Session, acting_as};
use serde_json::json;
use time::OffsetDateTime;

use super::throttle::Verdict;
use super::{LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, cookie_header, over_tls};
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

/// Where to go after login: a local path only (never another site).
fn safe_next(raw: &str) -> String {
    if raw.starts_with('/') && !raw.starts_with("//") && !raw.contains('\\') && !raw.starts_with("/login") {
        raw.to_string()
    } else {
        "/".to_string()
    }
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

async fn login(State(state): State<AppState>, lang: Lang, headers: HeaderMap, form: FormData) -> Response {
    let t = lang.tr();
    let raw_name = form.get("username");
    let password = form.get("password");
    let next = form.get("next");
    let csrf = super::csrf_token();
    let key: String = raw_name.trim().to_lowercase().chars().take(64).collect();
    let store = state.store();
    let now = Instant::now();

    if let Verdict::Locked(left) = state.throttle.check(&key, now) {
        let minutes = left.as_secs().div_ceil(60).max(1);
        record(&state, "login_locked", &key).await;
        let msg = t.t("login.locked").replace("{minutes}", &minutes.to_string());
        return login_form(lang, StatusCode::TOO_MANY_REQUESTS, csrf, &next, &raw_name, Some(msg));
    }

    let account = match Username::parse(&raw_name) {
        Ok(name) if password.chars().count() <= MAX_PASSWORD_CHARS => match store.user_for_login(&name).await {
            Ok(found) => found,
            Err(e) => return Error::from(e).page(lang).into_response(),
        },
        _ => None,
    };
    let verified = match &account {
        Some((user, hash)) => {
            let ok = verify(hash.clone(), password.clone()).await;
            ok && !user.disabled
        }
        None => {
            // Take as long as a real check, so timing does not tell which usernames exist.
            verify(PasswordHash::decoy(), password.clone()).await;
            false
        }
    };
    let user = match (verified, account) {
        (true, Some((user, _))) => user,
        _ => {
            let (delay, locked) = state.throttle.fail(&key, now);
            record(&state, "login_failed", &key).await;
            tokio::time::sleep(delay).await;
            let (status, msg) = if locked {
                let minutes = state.access.throttle.lock_for.as_secs().div_ceil(60).max(1);
                (StatusCode::TOO_MANY_REQUESTS, t.t("login.locked").replace("{minutes}", &minutes.to_string()))
            } else {
                (StatusCode::UNAUTHORIZED, t.t("login.failed").to_string())
            };
            return login_form(lang, status, csrf, &next, &raw_name, Some(msg));
        }
    };
    state.throttle.succeed(&key);

    // A fresh session id on every login; the one the browser came with (if any) ends.
    let sid = new_secret("");
    let created = OffsetDateTime::now_utc();
    let ttl = state.access.session_ttl;
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
        store
            .record_event(&AuditEvent {
                action: "login".into(),
                entity: "users".into(),
                entity_id: Some(user.id.to_string()),
                details: json!({}),
            })
            .await
    })
    .await;
    if let Err(e) = result {
        return Error::from(e).page(lang).into_response();
    }
    let secure = over_tls(&state.access, &headers);
    let mut res = (StatusCode::SEE_OTHER, [(LOCATION, safe_next(&next))]).into_response();
    for c in
        [cookie_header(SESSION_COOKIE, &sid, Some(ttl), secure), cookie_header(LOGIN_CSRF_COOKIE, "", None, secure)]
    {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(SET_COOKIE, v);
        }
    }
    res
}

/// Argon2 takes tens of milliseconds of CPU: off the async threads.
async fn verify(hash: PasswordHash, password: String) -> bool {
    tokio::task::spawn_blocking(move || hash.verify(&password)).await.unwrap_or(false)
}

async fn record(state: &AppState, action: &str, username: &str) {
    let event = AuditEvent {
        action: action.into(),
        entity: "users".into(),
        entity_id: None,
        details: json!({ "username": username }),
    };
    if let Err(e) = state.store().record_event(&event).await {
        tracing::error!(error = %e, "cannot record a login event");
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
        assert_eq!(percent_decode("%2Fhouseholds%3Fq%3Da"), "/households?q=a");
    }
}
