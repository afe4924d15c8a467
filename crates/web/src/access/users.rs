//! Accounts and API tokens for administrators: the pages under `/users`, the same as JSON
//! under `/api/v1/users` and `/api/v1/tokens`, and `/api/v1/me` for anyone signed in.
//!
//! The rules are those of `berdaya user` and `berdaya token`: the domain parses the account,
//! [`check_password_rules`] judges the password, a token lives 1 to 3650 days (or forever)
//! and a disabled account gets none. The store writes the audit log of every change in the
//! change's own transaction; neither the CLI nor these routes add events of their own.
//!
//! An administrator bound to an area manages only the accounts inside it: others read as
//! missing, and a new account must lie in the area (so a regency administrator cannot make
//! a national one). Neither a password, its hash nor a token's secret hash is ever sent; a
//! token's secret is sent once, in the answer that creates it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::{NewUser, PasswordHash, Principal, Role, User, UserDraft, check_password_rules};
use berdaya_domain::registry::{FieldError, Id, Invalid, RegionCode, text};
use berdaya_store::access::{ApiToken, NewApiToken};
use berdaya_store::{PageRequest, Query, Store};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::guard::{Auth, hidden};
use crate::AppState;
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, FormPage, Layout, Link, ListPage, Table, render, render_with, vocabulary};
use crate::i18n::Lang;
use crate::kit::field_failed;
use crate::registry::{created, crumbs};

/// The longest lifetime a token may be given, in days (as `berdaya token create`).
const MAX_EXPIRES_DAYS: u32 = 3650;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", get(list).post(create))
        .route("/api/v1/users/{id}", get(show))
        .route("/api/v1/users/{id}/disable", post(disable))
        .route("/api/v1/users/{id}/enable", post(enable))
        .route("/api/v1/users/{id}/tokens", get(tokens).post(create_token))
        .route("/api/v1/tokens/{id}/revoke", post(revoke))
        .route("/users", get(list_page).post(create_page))
        .route("/users/new", get(new_page))
        .route("/users/{id}", get(view_page))
        .route("/users/{id}/disable", post(disable_page))
        .route("/users/{id}/enable", post(enable_page))
        .route("/users/{id}/password", post(password_page))
        .route("/users/{id}/tokens", post(create_token_page))
        .route("/users/{id}/tokens/{token}/revoke", post(revoke_page))
}

// Payloads ---------------------------------------------------------------------------------

/// Who an account is and what it is bound to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    pub username: String,
    pub display_name: String,
    /// `administrator`, `program_officer`, `facilitator`, `group_officer`, `evaluator`, `viewer`.
    pub role: String,
    /// The region code the account is bound to; `null` is national.
    pub area: Option<String>,
    /// The agency of a program officer.
    pub agency_id: Option<i64>,
    /// The group of a group officer.
    pub group_id: Option<i64>,
}

impl From<&User> for AccountDto {
    fn from(u: &User) -> Self {
        AccountDto {
            username: u.username.to_string(),
            display_name: u.display_name.clone(),
            role: u.role.code().into(),
            area: u.area.as_ref().map(|a| a.to_string()),
            agency_id: u.agency_id,
            group_id: u.group_id,
        }
    }
}

/// An account (never with its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    #[serde(flatten)]
    pub account: AccountDto,
    /// A disabled account cannot sign in and its tokens do not work.
    pub disabled: bool,
    pub version: i64,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        UserDto { id: u.id, account: AccountDto::from(&u), disabled: u.disabled, version: u.version }
    }
}

/// An API token as listed: its prefix, never its secret or the secret's hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub id: i64,
    pub user_id: i64,
    /// What the token is for.
    pub name: String,
    /// The first characters of the secret (`bdy_3f9a1c2e`), to tell tokens apart.
    pub prefix: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; `null` never expires.
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
}

impl TokenDto {
    fn new(t: ApiToken, now: OffsetDateTime) -> TokenDto {
        let status = TokenState::of(&t, now).code().to_string();
        TokenDto {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            prefix: t.prefix,
            created_at: rfc3339(t.created_at),
            expires_at: t.expires_at.map(rfc3339),
            revoked_at: t.revoked_at.map(rfc3339),
            status,
        }
    }
}

/// A token just created, with its secret: the only time the secret is ever sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenDto {
    pub token: TokenDto,
    /// Send as `Authorization: Bearer <secret>`. Save it now: it is not shown again.
    pub secret: String,
}

/// Who a request acts as.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    pub user_id: i64,
    #[serde(flatten)]
    pub account: AccountDto,
    /// The API token the request came with; `null` for a session.
    pub token_id: Option<i64>,
}

impl From<&Principal> for MeDto {
    fn from(p: &Principal) -> Self {
        MeDto { user_id: p.user.id, account: AccountDto::from(&p.user), token_id: p.token_id }
    }
}

/// The password of a new account, beside the account's fields.
#[derive(Deserialize)]
struct PasswordInput {
    password: String,
}

/// A token request: a name and, optionally, a lifetime in days (a number or its text).
#[derive(Deserialize)]
struct TokenRequest {
    name: String,
    #[serde(default)]
    expires_days: Option<serde_json::Value>,
}

// Rules ------------------------------------------------------------------------------------

/// Whether a token works, has expired or was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl TokenState {
    fn of(t: &ApiToken, now: OffsetDateTime) -> TokenState {
        if t.revoked_at.is_some() {
            TokenState::Revoked
        } else if t.expires_at.is_some_and(|e| e <= now) {
            TokenState::Expired
        } else {
            TokenState::Active
        }
    }

    fn code(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        let t = lang.tr();
        match self {
            TokenState::Active => t.t("users.token_active"),
            TokenState::Expired => t.t("users.token_expired"),
            TokenState::Revoked => t.t("users.token_revoked"),
        }
    }
}

/// Whether the administrator manages this account: every account for a national
/// administrator, those bound inside the area for one bound to an area.
fn in_scope(auth: &Auth, user: &User) -> bool {
    match &auth.principal().user.area {
        None => true,
        Some(area) => user.area.as_ref().is_some_and(|a| area.contains(a)),
    }
}

/// An account the principal may manage; outside their area it reads as missing.
pub(super) async fn manageable(state: &AppState, auth: &Auth, id: Id) -> Result<User, Error> {
    auth.require(auth.principal().administers())?;
    let user = state.store().user(id).await?;
    if in_scope(auth, &user) { Ok(user) } else { Err(hidden("user")) }
}

/// The accounts the principal may manage, by username.
pub(super) async fn manageable_users(state: &AppState, auth: &Auth) -> Result<Vec<User>, Error> {
    auth.require(auth.principal().administers())?;
    let mut users = state.store().users().await?;
    users.retain(|u| in_scope(auth, u));
    Ok(users)
}

/// Checks a new account and its password together, reporting every broken rule at once:
/// the account's fields (as the CLI checks them), the password rules, the confirmation
/// (forms only), ids typed into a form (`pre`), and the administrator's area.
fn check_new_user(
    auth: &Auth,
    draft: &UserDraft,
    password: &str,
    confirmation: Option<&str>,
    pre: Vec<FieldError>,
) -> Result<NewUser, Error> {
    let mut errors = pre;
    let parsed = draft.parse();
    if let Err(Invalid(fields)) = &parsed {
        errors.extend(fields.iter().cloned());
    }
    // Without a username the "must not contain the username" rule has nothing to compare.
    let username = draft.username.trim().to_ascii_lowercase();
    if !username.is_empty()
        && let Err(rule) = check_password_rules(password, &username)
    {
        errors.push(FieldError::new("password", rule));
    }
    if let Some(again) = confirmation
        && again != password
    {
        errors.push(FieldError::new("password_confirm", "does not match the password; type the same password twice"));
    }
    if let (Ok(new), Some(area)) = (&parsed, &auth.principal().user.area) {
        match &new.area {
            // A region outside the area is a reference the administrator may not see: `add_user`
            // refuses it exactly like a missing one.
            Some(_) => {}
            None => errors.push(FieldError::new(
                "area",
                format!("is required: an administrator bound to {area} makes accounts inside it"),
            )),
        }
    }
    match parsed {
        Ok(new) if errors.is_empty() => Ok(new),
        _ if errors.is_empty() => Err(Invalid::one("user", "is invalid").into()),
        _ => Err(Invalid(errors).into()),
    }
}

/// Checks a new password for an existing account, and its confirmation.
fn check_new_password(user: &User, password: &str, confirmation: &str) -> Result<(), Error> {
    let mut errors = Vec::new();
    if let Err(rule) = check_password_rules(password, user.username.as_str()) {
        errors.push(FieldError::new("password", rule));
    }
    if confirmation != password {
        errors.push(FieldError::new("password_confirm", "does not match the password; type the same password twice"));
    }
    if errors.is_empty() { Ok(()) } else { Err(Invalid(errors).into()) }
}

/// Hashes a password on the bounded hashing pool (argon2 is deliberately slow), as logins do.
async fn hash_password(state: &AppState, password: String) -> Result<PasswordHash, Error> {
    let failed = |cause: String| {
        tracing::error!(cause = %cause, "cannot hash a password");
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error: the password could not be hashed")
    };
    match state.hashing.run(move || PasswordHash::new(&password)).await {
        Ok(hashed) => hashed.map_err(failed),
        Err(crate::access::hashing::PoolError::Busy) => Err(Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the server is busy checking passwords; try again in a few seconds",
        )),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// Creates an account after every check.
async fn add_user(state: &AppState, auth: &Auth, new: &NewUser, password: String) -> Result<User, Error> {
    let store = state.store();
    if let Some(area) = &new.area {
        auth.region_ref(store, "area", area).await?;
    }
    if let Some(agency) = new.agency_id {
        auth.agency_ref(store, "agency_id", agency).await?;
    }
    if let Some(group) = new.group_id {
        auth.group_ref(store, "group_id", group).await?;
    }
    let hash = hash_password(state, password).await?;
    Ok(state.store().create_user(new, &hash).await?)
}

/// Refuses an administrator disabling their own account (nobody would be left to undo it).
fn check_not_self(auth: &Auth, user: &User, disabled: bool) -> Result<(), Error> {
    if disabled && auth.principal().user.id == user.id {
        Err(Error::unprocessable("id", "is your own account; another administrator must disable it"))
    } else {
        Ok(())
    }
}

/// A token's lifetime as typed: a whole number of days from 1 to 3650.
fn parse_days(raw: &str) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(d) if (1..=MAX_EXPIRES_DAYS).contains(&d) => Ok(d),
        _ => Err(format!("`{}` is not a whole number of days from 1 to {MAX_EXPIRES_DAYS}", text::shorten(raw.trim()))),
    }
}

/// Checks a token request: its name and lifetime, and that the account is enabled.
fn check_token(user: &User, name: &str, expires_days: Option<&str>) -> Result<(String, Option<u32>), Error> {
    let mut errors = Vec::new();
    let name = text::text(name, 1, 80).map_err(|e| errors.push(FieldError::new("name", e))).ok();
    let days = match expires_days.map(str::trim).filter(|d| !d.is_empty()) {
        Some(raw) => parse_days(raw).map_err(|e| errors.push(FieldError::new("expires_days", e))).ok(),
        None => None,
    };
    if user.disabled {
        errors.push(FieldError::new(
            "id",
            format!("{} is disabled; enable the account first, then make its token", user.username),
        ));
    }
    match name {
        Some(name) if errors.is_empty() => Ok((name, days)),
        _ => Err(Invalid(errors).into()),
    }
}

/// Makes a token for `user`; answers it and its secret, which is never stored.
async fn issue_token(
    state: &AppState,
    user: &User,
    name: String,
    days: Option<u32>,
) -> Result<(ApiToken, String), Error> {
    let (new, secret) = NewApiToken::mint(user.id, name, days);
    let token = state.store().create_token(&new).await?;
    Ok((token, secret))
}

/// The token with this id, if the principal manages its account; else it reads as missing.
async fn manageable_token(state: &AppState, auth: &Auth, id: i64) -> Result<(ApiToken, User), Error> {
    auth.require(auth.principal().administers())?;
    let token =
        state.store().tokens(None).await?.into_iter().find(|t| t.id == id).ok_or_else(|| hidden("API token"))?;
    let user = manageable(state, auth, token.user_id).await.map_err(|e| match e.status() {
        StatusCode::NOT_FOUND => hidden("API token"),
        _ => e,
    })?;
    Ok((token, user))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A UTC date and minute: `2026-11-24 10:00`.
fn minute(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// An answer that no cache may keep (it carries a secret).
fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    res
}

// API --------------------------------------------------------------------------------------

/// Who the request acts as: the account and, for a token, the token's id. Any signed-in role.
#[utoipa::path(get, path = "/api/v1/me", tag = "access",
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub async fn me(auth: Auth) -> Json<MeDto> {
    Json(MeDto::from(auth.principal()))
}

/// Every account, by username (administrators only).
#[utoipa::path(get, path = "/api/v1/users", tag = "access",
    responses((status = 200, body = Vec<UserDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<UserDto>>, Error> {
    let users = manageable_users(&state, &auth).await?;
    Ok(Json(users.into_iter().map(UserDto::from).collect()))
}

/// Creates an account with a password; the username must be free (409 naming `username`).
#[utoipa::path(post, path = "/api/v1/users", tag = "access", request_body = crate::openapi::UserInput,
    responses((status = 201, body = UserDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(auth.principal().administers())?;
    let draft: UserDraft = body.decode()?;
    let PasswordInput { password } = body.decode()?;
    let new = check_new_user(&auth, &draft, &password, None, Vec::new())?;
    let user = add_user(&state, &auth, &new, password).await?;
    Ok(created(UserDto::from(user)))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "access", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<UserDto>, Error> {
    Ok(Json(manageable(&state, &auth, id).await?.into()))
}

/// Disables an account: it cannot sign in, its sessions end, its tokens stop working.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "access", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn disable(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<UserDto>, Error> {
    set_disabled(&state, &auth, id, true).await.map(|u| Json(u.into()))
}

/// Enables a disabled account again.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "access", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enable(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<UserDto>, Error> {
    set_disabled(&state, &auth, id, false).await.map(|u| Json(u.into()))
}

async fn set_disabled(state: &AppState, auth: &Auth, id: Id, disabled: bool) -> Result<User, Error> {
    let user = manageable(state, auth, id).await?;
    check_not_self(auth, &user, disabled)?;
    if user.disabled == disabled {
        return Ok(user);
    }
    Ok(state.store().set_user_disabled(id, disabled).await?)
}

/// The account's API tokens, newest first (prefixes only).
#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "access", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = Vec<TokenDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn tokens(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<TokenDto>>, Error> {
    manageable(&state, &auth, id).await?;
    let now = OffsetDateTime::now_utc();
    let list = state.store().tokens(Some(id)).await?;
    Ok(Json(list.into_iter().map(|t| TokenDto::new(t, now)).collect()))
}

/// Creates an API token for the account and answers its secret, this once.
#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", tag = "access", params(("id" = i64, Path, description = "User id")),
    request_body = crate::openapi::TokenInput,
    responses((status = 201, body = NewTokenDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let user = manageable(&state, &auth, id).await?;
    let request: TokenRequest = body.decode()?;
    let days = match &request.expires_days {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(other) => Some(other.to_string()),
    };
    let (name, days) = check_token(&user, &request.name, days.as_deref())?;
    let (token, secret) = issue_token(&state, &user, name, days).await?;
    let now = OffsetDateTime::now_utc();
    Ok(no_store(created(NewTokenDto { token: TokenDto::new(token, now), secret })))
}

/// Revokes an API token for good (revoking twice keeps the first time).
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "access", params(("id" = i64, Path, description = "Token id")),
    responses((status = 200, body = TokenDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<TokenDto>, Error> {
    manageable_token(&state, &auth, id).await?;
    let token = state.store().revoke_token(id).await?;
    Ok(Json(TokenDto::new(token, OffsetDateTime::now_utc())))
}

// Pages ------------------------------------------------------------------------------------

/// Names of regions, agencies and groups, looked up once each.
#[derive(Default)]
struct Names {
    regions: HashMap<RegionCode, Option<String>>,
    agencies: HashMap<Id, Option<String>>,
    groups: HashMap<Id, Option<String>>,
}

impl Names {
    async fn region(&mut self, store: &dyn Store, code: &RegionCode) -> Option<String> {
        if let Some(name) = self.regions.get(code) {
            return name.clone();
        }
        let name = store.region(code).await.ok().map(|r| r.name);
        self.regions.insert(code.clone(), name.clone());
        name
    }

    async fn agency(&mut self, store: &dyn Store, id: Id) -> Option<String> {
        if let Some(name) = self.agencies.get(&id) {
            return name.clone();
        }
        let name = store.agency(id).await.ok().map(|a| a.name);
        self.agencies.insert(id, name.clone());
        name
    }

    async fn group(&mut self, store: &dyn Store, id: Id) -> Option<String> {
        if let Some(name) = self.groups.get(&id) {
            return name.clone();
        }
        let name = store.group(id).await.ok().map(|g| g.name);
        self.groups.insert(id, name.clone());
        name
    }

    /// `33.16 Blora`, linked to the region; `Nasional` for none.
    async fn area_cell(&mut self, store: &dyn Store, lang: Lang, area: Option<&RegionCode>) -> Cell {
        match area {
            Some(code) => {
                let text = match self.region(store, code).await {
                    Some(name) => format!("{code} {name}"),
                    None => code.to_string(),
                };
                Cell::link(text, format!("/regions/{code}"))
            }
            None => Cell::text(lang.tr().t("users.national")),
        }
    }

    async fn agency_cell(&mut self, store: &dyn Store, id: Option<Id>) -> Option<Cell> {
        let id = id?;
        let name = self.agency(store, id).await.unwrap_or_else(|| format!("#{id}"));
        Some(Cell::link(name, format!("/agencies/{id}")))
    }

    async fn group_cell(&mut self, store: &dyn Store, id: Option<Id>) -> Option<Cell> {
        let id = id?;
        let name = self.group(store, id).await.unwrap_or_else(|| format!("#{id}"));
        Some(Cell::link(name, format!("/groups/{id}")))
    }
}

fn status_label(lang: Lang, disabled: bool) -> &'static str {
    lang.tr().t(if disabled { "users.disabled" } else { "users.active" })
}

async fn list_page(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    let t = lang.tr();
    let users = manageable_users(&state, &auth).await.map_err(|e| e.page(lang))?;
    let store = state.store();
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(users.len());
    for u in users {
        let area = names.area_cell(store, lang, u.area.as_ref()).await;
        let unit = match names.agency_cell(store, u.agency_id).await {
            Some(c) => c,
            None => names.group_cell(store, u.group_id).await.unwrap_or_else(|| Cell::text("—")),
        };
        rows.push(vec![
            Cell::link(u.username.to_string(), format!("/users/{}", u.id)),
            Cell::text(u.display_name.clone()),
            Cell::text(u.role.label(lang.code())),
            area,
            unit,
            Cell::text(status_label(lang, u.disabled)),
        ]);
    }
    let table = Table {
        sorts: Vec::new(),
        headers: [
            "users.username",
            "users.display_name",
            "users.role",
            "users.area",
            "users.agency_group",
            "users.status",
        ]
        .iter()
        .map(|k| t.t(k).to_string())
        .collect(),
        rows,
        empty: t.t("users.none").into(),
    };
    Ok(render(&ListPage {
        l: Layout::new(lang, t.t("users.title"), "users"),
        heading: t.t("users.title").into(),
        breadcrumbs: vec![Link::new(t.t("nav.home"), "/"), Link::new(t.t("users.title"), "/users")],
        intro: Some(t.t("users.intro").into()),
        search: None,
        actions: vec![Link::new(t.t("users.add"), "/users/new")],
        table,
        pager: None,
    }))
}

/// The agencies the principal may pick for a program officer (the first 200 by name).
async fn agency_choices(state: &AppState, auth: &Auth) -> Result<Vec<(String, String)>, Error> {
    let query = Query { page: PageRequest::new(1, PageRequest::MAX_PER_PAGE), ..Default::default() };
    let Some(query) = auth.scope(query) else { return Ok(Vec::new()) };
    let page = state.store().search_agencies(&query).await?;
    Ok(page.items.into_iter().map(|a| (a.id.to_string(), format!("{} (#{})", a.name, a.id))).collect())
}

/// What the create form holds (never the password: it is typed again after a failure).
#[derive(Default)]
struct UserFormValues {
    username: String,
    display_name: String,
    role: String,
    area: String,
    agency_id: String,
    group_id: String,
}

fn user_form(lang: Lang, v: &UserFormValues, agencies: Vec<(String, String)>) -> Form {
    let t = lang.tr();
    let roles = vocabulary(Role::ALL, Role::code, Role::label, lang);
    Form::new(
        "user",
        "/users",
        t.t("users.create"),
        vec![
            Field::text("username", t.t("users.username"), &v.username).required().hint(t.t("users.username_hint")),
            Field::text("display_name", t.t("users.display_name"), &v.display_name).required(),
            Field::select("role", t.t("users.role"), &v.role, roles, Some(t.t("common.choose"))).required(),
            Field::text("area", t.t("users.area"), &v.area).hint(t.t("users.area_hint")),
            Field::select("agency_id", t.t("users.agency"), &v.agency_id, agencies, Some(t.t("common.none")))
                .hint(t.t("users.agency_hint")),
            Field::text("group_id", t.t("users.group_id"), &v.group_id).hint(t.t("users.group_hint")),
            Field::new("password", "password", t.t("users.password"), "").required().hint(t.t("users.password_hint")),
            Field::new("password", "password_confirm", t.t("users.password_confirm"), "").required(),
        ],
    )
}

fn user_form_page(lang: Lang, form: Form) -> FormPage {
    let t = lang.tr();
    FormPage {
        l: Layout::new(lang, t.t("users.new"), "users"),
        heading: t.t("users.new").into(),
        breadcrumbs: crumbs(lang, "users.title", "/users"),
        form,
    }
}

async fn new_page(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    auth.require(auth.principal().administers()).map_err(|e| e.page(lang))?;
    let agencies = agency_choices(&state, &auth).await.map_err(|e| e.page(lang))?;
    Ok(render(&user_form_page(lang, user_form(lang, &UserFormValues::default(), agencies))))
}

async fn create_page(Cx { state, lang, auth }: Cx, form: FormData) -> Result<Response, Error> {
    auth.require(auth.principal().administers()).map_err(|e| e.page(lang))?;
    let values = UserFormValues {
        username: form.get("username"),
        display_name: form.get("display_name"),
        role: form.get("role"),
        area: form.get("area"),
        agency_id: form.get("agency_id"),
        group_id: form.get("group_id"),
    };
    // Ids typed into the form: a bad one is a message on its field, like any other rule.
    let mut pre = Vec::new();
    let mut id_of = |field: &str| match form.opt(field) {
        Some(raw) => text::id(&raw).map_err(|e| pre.push(FieldError::new(field, e))).ok(),
        None => None,
    };
    let (agency_id, group_id) = (id_of("agency_id"), id_of("group_id"));
    let draft = UserDraft {
        username: values.username.clone(),
        display_name: values.display_name.clone(),
        role: values.role.clone(),
        area: form.opt("area"),
        agency_id,
        group_id,
    };
    let password = form.get("password");
    let result = match check_new_user(&auth, &draft, &password, Some(&form.get("password_confirm")), pre) {
        Ok(new) => add_user(&state, &auth, &new, password).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(user) => Ok(Redirect::to(&format!("/users/{}?done=created", user.id)).into_response()),
        Err(err) => {
            let agencies = agency_choices(&state, &auth).await.map_err(|e| e.page(lang))?;
            Ok(field_failed(lang, err, user_form_page(lang, user_form(lang, &values, agencies))))
        }
    }
}

/// One row of the token table, with the address of its revoke button while it works.
struct TokenRow {
    cells: Vec<String>,
    revoke: Option<String>,
}

/// An account's page: facts, tokens, assignments, and the forms that change it.
#[derive(Template)]
#[template(path = "users_view.html")]
struct UserPage {
    l: Layout,
    heading: String,
    breadcrumbs: Vec<Link>,
    /// What the last action did (`?done=…`).
    notice: Option<String>,
    facts: Vec<(String, Cell)>,
    /// The enable or disable button: its address and label (none to disable oneself).
    toggle: Option<(String, String)>,
    token_headers: Vec<String>,
    tokens: Vec<TokenRow>,
    /// Shown for facilitators, the only role with assignments: how many, and the address of
    /// the caseload page that manages them.
    assignments: Option<(String, String)>,
    /// (section id, title, form): the new-password and new-token forms.
    forms: Vec<(String, String, Form)>,
}

fn password_form(lang: Lang, id: Id) -> Form {
    let t = lang.tr();
    Form::new(
        "password",
        format!("/users/{id}/password"),
        t.t("users.set_password"),
        vec![
            Field::new("password", "password", t.t("users.password"), "").required().hint(t.t("users.password_note")),
            Field::new("password", "password_confirm", t.t("users.password_confirm"), "").required(),
        ],
    )
}

fn token_form(lang: Lang, id: Id, name: &str, days: &str) -> Form {
    let t = lang.tr();
    Form::new(
        "token",
        format!("/users/{id}/tokens"),
        t.t("users.create_token"),
        vec![
            Field::text("name", t.t("users.token_name"), name).required().hint(t.t("users.token_name_hint")),
            Field::new("number", "expires_days", t.t("users.expires_days"), days).hint(t.t("users.expires_hint")),
        ],
    )
}

/// The notice for `?done=…`, if it names a known action.
fn notice(lang: Lang, query: Option<&str>) -> Option<String> {
    let t = lang.tr();
    let done = query?.split('&').find_map(|kv| kv.strip_prefix("done="))?;
    let key = match done {
        "created" => "users.done_created",
        "disabled" => "users.done_disabled",
        "enabled" => "users.done_enabled",
        "password" => "users.done_password",
        "revoked" => "users.done_revoked",
        _ => return None,
    };
    Some(t.t(key).to_string())
}

async fn user_page(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    notice: Option<String>,
) -> Result<UserPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let user = manageable(state, auth, id).await?;
    let mut names = Names::default();
    let mut facts = vec![
        (t.t("users.username").to_string(), Cell::text(user.username.to_string())),
        (t.t("users.display_name").to_string(), Cell::text(user.display_name.clone())),
        (t.t("users.role").to_string(), Cell::text(user.role.label(lang.code()))),
        (t.t("users.area").to_string(), names.area_cell(store, lang, user.area.as_ref()).await),
    ];
    if let Some(c) = names.agency_cell(store, user.agency_id).await {
        facts.push((t.t("users.agency").to_string(), c));
    }
    if let Some(c) = names.group_cell(store, user.group_id).await {
        facts.push((t.t("users.group").to_string(), c));
    }
    facts.push((t.t("users.status").to_string(), Cell::text(status_label(lang, user.disabled))));

    let now = OffsetDateTime::now_utc();
    let tokens = store
        .tokens(Some(id))
        .await?
        .into_iter()
        .map(|tk| {
            let state = TokenState::of(&tk, now);
            TokenRow {
                cells: vec![
                    format!("{}…", tk.prefix),
                    tk.name.clone(),
                    minute(tk.created_at),
                    tk.expires_at.map(minute).unwrap_or_else(|| t.t("users.token_never").to_string()),
                    state.label(lang).to_string(),
                ],
                revoke: (state != TokenState::Revoked).then(|| format!("/users/{id}/tokens/{}/revoke", tk.id)),
            }
        })
        .collect();

    let assignments = if user.role == Role::Facilitator {
        let counts = super::caseload::caseload_summary(state, auth, lang, &user).await?;
        Some((counts, format!("/users/{id}/caseload")))
    } else {
        None
    };

    let own = auth.principal().user.id == id;
    let toggle = if user.disabled {
        Some((format!("/users/{id}/enable"), t.t("users.enable").to_string()))
    } else {
        (!own).then(|| (format!("/users/{id}/disable"), t.t("users.disable").to_string()))
    };
    let mut forms = vec![("set-password".to_string(), t.t("users.set_password").to_string(), password_form(lang, id))];
    if !user.disabled {
        forms.push(("new-token".to_string(), t.t("users.create_token").to_string(), token_form(lang, id, "", "")));
    }
    Ok(UserPage {
        l: Layout::new(lang, user.username.to_string(), "users"),
        heading: format!("{} ({})", user.display_name, user.username),
        breadcrumbs: crumbs(lang, "users.title", "/users"),
        notice,
        facts,
        toggle,
        token_headers: [
            "users.token_prefix",
            "users.token_name",
            "users.token_created",
            "users.token_expires",
            "users.token_status",
        ]
        .iter()
        .map(|k| t.t(k).to_string())
        .collect(),
        tokens,
        assignments,
        forms,
    })
}

/// The account page again with a failed form's errors next to its fields.
fn user_form_failed(lang: Lang, err: Error, mut page: UserPage, section: &str, form: Form) -> Response {
    if err.status().is_server_error() {
        return err.page(lang).into_response();
    }
    let mut status = err.status();
    if let Some(slot) = page.forms.iter_mut().find(|(id, _, _)| id == section) {
        slot.2 = form;
        status = slot.2.show_error(lang.tr(), &err);
    }
    render_with(status, &page)
}

async fn view_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, RawQuery(q): RawQuery) -> Result<Response, Error> {
    let page = user_page(&state, &auth, lang, id, notice(lang, q.as_deref())).await.map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

async fn disable_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    set_disabled(&state, &auth, id, true).await.map_err(|e| e.page(lang))?;
    Ok(Redirect::to(&format!("/users/{id}?done=disabled")).into_response())
}

async fn enable_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    set_disabled(&state, &auth, id, false).await.map_err(|e| e.page(lang))?;
    Ok(Redirect::to(&format!("/users/{id}?done=enabled")).into_response())
}

async fn password_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let user = manageable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let password = form.get("password");
    let result = match check_new_password(&user, &password, &form.get("password_confirm")) {
        Ok(()) => match hash_password(&state, password).await {
            Ok(hash) => state.store().set_password(id, &hash).await.map_err(Error::from),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/users/{id}?done=password")).into_response()),
        Err(err) => {
            let page = user_page(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
            Ok(user_form_failed(lang, err, page, "set-password", password_form(lang, id)))
        }
    }
}

/// The page that shows a new token's secret, once.
#[derive(Template)]
#[template(path = "users_secret.html")]
struct SecretPage {
    l: Layout,
    heading: String,
    breadcrumbs: Vec<Link>,
    facts: Vec<(String, String)>,
    secret: String,
    back: String,
}

async fn create_token_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let t = lang.tr();
    let user = manageable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let (name, days) = (form.get("name"), form.get("expires_days"));
    let result = match check_token(&user, &name, Some(&days)) {
        Ok((n, d)) => issue_token(&state, &user, n, d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((token, secret)) => {
            let page = SecretPage {
                l: Layout::new(lang, t.t("users.secret_title"), "users"),
                heading: t.t("users.secret_title").into(),
                breadcrumbs: vec![
                    Link::new(t.t("nav.home"), "/"),
                    Link::new(t.t("users.title"), "/users"),
                    Link::new(user.username.to_string(), format!("/users/{id}")),
                ],
                facts: vec![
                    (t.t("users.username").into(), user.username.to_string()),
                    (t.t("users.token_name").into(), token.name.clone()),
                    (t.t("users.token_prefix").into(), format!("{}…", token.prefix)),
                    (
                        t.t("users.token_expires").into(),
                        token.expires_at.map(minute).unwrap_or_else(|| t.t("users.token_never").to_string()),
                    ),
                ],
                secret,
                back: format!("/users/{id}#tokens"),
            };
            Ok(no_store(render(&page)))
        }
        Err(err) => {
            let page = user_page(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
            if page.forms.iter().any(|(s, _, _)| s == "new-token") {
                Ok(user_form_failed(lang, err, page, "new-token", token_form(lang, id, &name, &days)))
            } else {
                // A disabled account shows no token form: say why on an error page.
                Err(err.page(lang))
            }
        }
    }
}

async fn revoke_page(
    Cx { state, lang, auth }: Cx,
    Path((user_raw, token_raw)): Path<(String, String)>,
) -> Result<Response, Error> {
    let parse = |field: &str, raw: &str| {
        text::id(raw).map_err(|e| Error::bad_request(field, format!("{e} (a whole number from 1)")).page(lang))
    };
    let (user_id, token_id) = (parse("id", &user_raw)?, parse("token", &token_raw)?);
    let (token, user) = manageable_token(&state, &auth, token_id).await.map_err(|e| e.page(lang))?;
    if user.id != user_id {
        return Err(hidden("API token").page(lang));
    }
    state.store().revoke_token(token.id).await.map_err(|e| Error::from(e).page(lang))?;
    Ok(Redirect::to(&format!("/users/{user_id}?done=revoked#tokens")).into_response())
}
