//! Facilitators' caseloads for administrators: the households and groups assigned to a
//! facilitator, searched and paged; assigning more (picked from a search, or all of a region
//! after a confirmation with the counts); unassigning; and moving a caseload to another
//! facilitator. Pages under `/users/{id}/caseload`, the same as JSON under
//! `/api/v1/users/{id}/assignments`.
//!
//! Every id a request carries is resolved through the administrator's area (the accounts as
//! on the other `/users` pages; households, groups and regions as everywhere else), so what
//! lies outside it is refused exactly like what does not exist. What is assigned must also lie
//! inside the facilitator's area: the error names each record that does not. The store logs
//! each assignment row; every bulk change also records one summary event (`assign`,
//! `unassign`, `move_caseload`) with its counts.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::{Principal, Role, User};
use berdaya_domain::registry::{FieldError, Id, Invalid, RegionCode};
use berdaya_store::access::{AssignCounts, AssignKinds, Assigned, AuditEvent, CaseloadItem};
use berdaya_store::{COUNT_CAP, Page, PageRequest, Query, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::guard::{Auth, missing_reference};
use super::users::manageable;
use crate::AppState;
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody, ListParams};
use crate::html::{Cell, Field, Form, Layout, Link, Pager, render, render_with};
use crate::i18n::Lang;
use crate::kit::refs;

/// The most households and groups one request may name, or one bulk change may cover.
const MAX_ITEMS: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users/{id}/assignments", get(list).post(add).delete(remove))
        .route("/api/v1/users/{id}/assignments/move", post(move_api))
        .route("/users/{id}/caseload", get(caseload_page))
        .route("/users/{id}/caseload/unassign", post(unassign_page))
        .route("/users/{id}/caseload/assign", get(assign_page).post(assign_post))
        .route("/users/{id}/caseload/region", post(region_post))
        .route("/users/{id}/caseload/move", get(move_page).post(move_post))
}

// Payloads ---------------------------------------------------------------------------------

/// One assignment of a caseload.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentDto {
    /// `household` or `group`.
    pub kind: String,
    pub id: i64,
    /// A household's address or a group's name.
    pub label: String,
    /// The head of a household, if it has one.
    pub head_name: Option<String>,
    pub region: String,
    pub region_name: String,
}

impl From<CaseloadItem> for AssignmentDto {
    fn from(i: CaseloadItem) -> Self {
        let kind = match i.what {
            Assigned::Household(_) => "household",
            Assigned::Group(_) => "group",
        };
        AssignmentDto {
            kind: kind.into(),
            id: i.what.id(),
            label: i.label,
            head_name: i.head_name,
            region: i.region.to_string(),
            region_name: i.region_name,
        }
    }
}

/// A page of a facilitator's caseload (inside the caller's area), and how many households
/// and groups the whole caseload holds there.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseloadDto {
    pub items: Vec<AssignmentDto>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
    pub total_capped: bool,
    pub households: u64,
    pub groups: u64,
}

/// What a change did: how many assignments it added, removed or moved; for a region, how
/// many of them were households and how many groups.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedDto {
    pub changed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub households: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<u64>,
}

impl ChangedDto {
    fn of(changed: u64) -> ChangedDto {
        ChangedDto { changed, households: None, groups: None }
    }

    fn counted(c: AssignCounts) -> ChangedDto {
        ChangedDto { changed: c.total(), households: Some(c.households), groups: Some(c.groups) }
    }
}

/// Households and groups by id, or every household and group of a region.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentsInput {
    #[serde(default)]
    pub households: Vec<i64>,
    #[serde(default)]
    pub groups: Vec<i64>,
    /// A region code: every household and group in it (and below).
    pub region: Option<String>,
    /// With `region`: `households`, `groups` or both (the default).
    pub kinds: Option<Vec<String>>,
}

/// Moves assignments to another facilitator: those named, or (naming none) all of them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    pub to_user: i64,
    pub households: Option<Vec<i64>>,
    pub groups: Option<Vec<i64>>,
}

// Rules ------------------------------------------------------------------------------------

/// A facilitator the administrator manages; another account in the area is a 422 on `field`.
fn check_facilitator(user: &User, field: &str) -> Result<(), Error> {
    if user.role == Role::Facilitator {
        Ok(())
    } else {
        Err(Error::unprocessable(
            field,
            format!("{} is not a facilitator; only facilitators are assigned households and groups", user.username),
        ))
    }
}

/// The facilitator of the path: an account the administrator manages (else missing), with
/// the facilitator role.
async fn facilitator(state: &AppState, auth: &Auth, id: Id) -> Result<User, Error> {
    let user = manageable(state, auth, id).await?;
    check_facilitator(&user, "id")?;
    Ok(user)
}

/// The facilitator a caseload moves to: another facilitator the administrator manages.
async fn move_target(state: &AppState, auth: &Auth, from: &User, to: Id) -> Result<User, Error> {
    let user = match manageable(state, auth, to).await {
        Err(e) if e.status() == StatusCode::NOT_FOUND => return Err(missing_reference("to_user", "user", to)),
        other => other?,
    };
    check_facilitator(&user, "to_user")?;
    if user.id == from.id {
        return Err(Error::unprocessable("to_user", "is the facilitator the caseload moves from; choose another"));
    }
    Ok(user)
}

/// The facilitator seen as a principal, to narrow searches to their area as to a user's own.
fn as_principal(user: &User) -> Principal {
    Principal { user: user.clone(), token_id: None }
}

/// The region searches for records to assign are narrowed to: inside both the
/// administrator's and the facilitator's areas, and `wanted` if given. `None` when the two do
/// not meet.
fn shared_region(auth: &Auth, fac: &User, wanted: Option<&RegionCode>) -> Option<Option<RegionCode>> {
    let admin = auth.principal().narrow(wanted).ok()?;
    as_principal(fac).narrow(admin.as_ref()).ok()
}

/// Refuses a request naming more than [`MAX_ITEMS`] records.
fn check_size(field: &str, n: usize) -> Result<(), Error> {
    if n > MAX_ITEMS {
        Err(Error::unprocessable(field, format!("names {n} records; at most {MAX_ITEMS} can be changed at once")))
    } else {
        Ok(())
    }
}

/// The error for a record outside the facilitator's area, naming it: its kind, its id and
/// name, and its region.
fn outside(field: &str, kind: &str, name: &str, region: &RegionCode, fac: &User) -> FieldError {
    let area = fac.area.as_ref().map(RegionCode::to_string).unwrap_or_default();
    FieldError::new(field, format!("{kind} {name} in {region} lies outside the facilitator's area {area}"))
}

/// Ids in order, each once.
fn unique(ids: &[Id]) -> Vec<Id> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// The households and groups a request names, each resolved through the administrator's area
/// (else refused like a missing one) and inside `fac`'s area (else every one outside is
/// named at once).
async fn resolve(
    state: &AppState,
    auth: &Auth,
    fac: &User,
    households: &[Id],
    groups: &[Id],
) -> Result<Vec<Assigned>, Error> {
    check_size("households", households.len() + groups.len())?;
    let store = state.store();
    let (mut items, mut errors) = (Vec::new(), Vec::new());
    for id in unique(households) {
        let h = auth.household_ref(store, "households", id).await?;
        if !as_principal(fac).in_area(&h.region) {
            errors.push(outside("households", "household", &format!("{id} ({})", h.address), &h.region, fac));
        }
        items.push(Assigned::Household(id));
    }
    for id in unique(groups) {
        let g = auth.group_ref(store, "groups", id).await?;
        if !as_principal(fac).in_area(&g.region) {
            errors.push(outside("groups", "group", &format!("{id} ({})", g.name), &g.region, fac));
        }
        items.push(Assigned::Group(id));
    }
    if errors.is_empty() { Ok(items) } else { Err(Invalid(errors).into()) }
}

/// The households and groups a request names, each resolved through the administrator's
/// area (else refused like a missing one): what may be unassigned.
async fn visible_items(
    state: &AppState,
    auth: &Auth,
    households: &[Id],
    groups: &[Id],
) -> Result<Vec<Assigned>, Error> {
    check_size("households", households.len() + groups.len())?;
    let store = state.store();
    let mut items = Vec::new();
    for id in unique(households) {
        auth.household_ref(store, "households", id).await?;
        items.push(Assigned::Household(id));
    }
    for id in unique(groups) {
        auth.group_ref(store, "groups", id).await?;
        items.push(Assigned::Group(id));
    }
    Ok(items)
}

/// A region to assign from: it exists in the administrator's area and lies in the
/// facilitator's.
async fn resolve_region(state: &AppState, auth: &Auth, fac: &User, raw: &str) -> Result<RegionCode, Error> {
    let code = RegionCode::parse(raw).map_err(|e| Error::unprocessable("region", e))?;
    auth.region_ref(state.store(), "region", &code).await?;
    if !as_principal(fac).in_area(&code) {
        let area = fac.area.as_ref().map(RegionCode::to_string).unwrap_or_default();
        return Err(Error::unprocessable(
            "region",
            format!("region {code} lies outside the facilitator's area {area}"),
        ));
    }
    Ok(code)
}

/// The kinds a region assignment covers: `households`, `groups`, or both when not given.
fn parse_kinds(kinds: Option<&[String]>) -> Result<AssignKinds, Error> {
    let Some(kinds) = kinds else { return Ok(AssignKinds::BOTH) };
    let mut out = AssignKinds::default();
    for k in kinds {
        match k.trim() {
            "households" => out.households = true,
            "groups" => out.groups = true,
            other => {
                let shown = berdaya_domain::registry::text::shorten(other);
                return Err(Error::unprocessable("kinds", format!("`{shown}` is not a kind (use households, groups)")));
            }
        }
    }
    if out == AssignKinds::default() {
        return Err(Error::unprocessable("kinds", "names no kind (use households, groups)"));
    }
    Ok(out)
}

/// The caseload query narrowed to the administrator's area; `None` finds nothing.
fn caseload_query(auth: &Auth, mut query: Query) -> Option<Query> {
    query.region = auth.principal().narrow(query.region.as_ref()).ok()?;
    Some(query)
}

/// A page of the caseload inside the administrator's area.
async fn caseload_in_area(
    state: &AppState,
    auth: &Auth,
    fac: &User,
    query: Query,
) -> Result<Page<CaseloadItem>, Error> {
    match caseload_query(auth, query.clone()) {
        Some(q) => Ok(state.store().caseload(fac.id, &q).await?),
        None => Ok(Page::new(Vec::new(), query.page, 0)),
    }
}

/// Every assignment of the caseload inside the administrator's area and `region` (if any),
/// up to [`MAX_ITEMS`] (more is refused, naming the limit).
async fn whole_caseload(
    state: &AppState,
    auth: &Auth,
    fac: &User,
    region: Option<RegionCode>,
) -> Result<Vec<CaseloadItem>, Error> {
    let mut all = Vec::new();
    for n in 1.. {
        let query =
            Query { region: region.clone(), page: PageRequest::new(n, PageRequest::MAX_PER_PAGE), ..Query::default() };
        let page = caseload_in_area(state, auth, fac, query).await?;
        check_size("households", usize::try_from(page.total).unwrap_or(usize::MAX))?;
        let last = page.page >= page.pages();
        all.extend(page.items);
        if last || all.len() as u64 >= COUNT_CAP {
            break;
        }
    }
    Ok(all)
}

/// The counts of the caseload inside the administrator's area.
async fn counts_in_area(state: &AppState, auth: &Auth, fac: &User) -> Result<AssignCounts, Error> {
    if auth.principal().user.area.is_none() {
        return Ok(state.store().assignment_counts(fac.id).await?);
    }
    let count = |kind: &str| Query {
        page: PageRequest::new(1, 1),
        filters: vec![("kind".into(), kind.into())],
        ..Query::default()
    };
    let households = caseload_in_area(state, auth, fac, count("households")).await?.total;
    let groups = caseload_in_area(state, auth, fac, count("groups")).await?.total;
    Ok(AssignCounts { households, groups })
}

/// Records the summary event of a bulk change (the rows are logged by the store).
async fn summary(store: &dyn Store, action: &str, fac: &User, details: serde_json::Value) -> Result<(), Error> {
    let mut details = details;
    if let Some(map) = details.as_object_mut() {
        map.insert("user_id".into(), json!(fac.id));
    }
    store
        .record_event(&AuditEvent {
            action: action.into(),
            entity: "assignments".into(),
            entity_id: Some(fac.id.to_string()),
            details,
        })
        .await?;
    Ok(())
}

/// Assigns records by id, and records the summary.
async fn assign_items(state: &AppState, fac: &User, items: &[Assigned]) -> Result<u64, Error> {
    let added = state.store().assign_many(fac.id, items).await?;
    let c = AssignCounts::of(items);
    let details = json!({ "households": c.households, "groups": c.groups, "added": added });
    summary(state.store(), "assign", fac, details).await?;
    Ok(added)
}

/// Assigns a region's records, and records the summary.
async fn assign_region(
    state: &AppState,
    fac: &User,
    region: &RegionCode,
    kinds: AssignKinds,
) -> Result<AssignCounts, Error> {
    let c = state.store().assign_region(fac.id, region, kinds).await?;
    let details =
        json!({ "region": region.as_str(), "households": c.households, "groups": c.groups, "added": c.total() });
    summary(state.store(), "assign", fac, details).await?;
    Ok(c)
}

/// Unassigns records by id, and records the summary.
async fn unassign_items(state: &AppState, fac: &User, items: &[Assigned]) -> Result<u64, Error> {
    let removed = state.store().unassign_many(fac.id, items).await?;
    let c = AssignCounts::of(items);
    summary(
        state.store(),
        "unassign",
        fac,
        json!({ "households": c.households, "groups": c.groups, "removed": removed }),
    )
    .await?;
    Ok(removed)
}

/// What a move covers: the named records, or the whole caseload inside the administrator's
/// area; each must lie inside the target's area.
async fn move_items(
    state: &AppState,
    auth: &Auth,
    from: &User,
    to: &User,
    households: Option<&[Id]>,
    groups: Option<&[Id]>,
) -> Result<Vec<Assigned>, Error> {
    if households.is_some() || groups.is_some() {
        return resolve(state, auth, to, households.unwrap_or_default(), groups.unwrap_or_default()).await;
    }
    let all = whole_caseload(state, auth, from, None).await?;
    let errors: Vec<FieldError> = all
        .iter()
        .filter(|i| !as_principal(to).in_area(&i.region))
        .map(|i| {
            let (field, kind) = match i.what {
                Assigned::Household(_) => ("households", "household"),
                Assigned::Group(_) => ("groups", "group"),
            };
            outside(field, kind, &format!("{} ({})", i.what.id(), i.label), &i.region, to)
        })
        .collect();
    if errors.is_empty() { Ok(all.into_iter().map(|i| i.what).collect()) } else { Err(Invalid(errors).into()) }
}

/// Moves assignments, and records the summary.
async fn move_caseload(state: &AppState, from: &User, to: &User, items: &[Assigned]) -> Result<u64, Error> {
    let moved = state.store().move_assignments(from.id, to.id, Some(items)).await?;
    let c = AssignCounts::of(items);
    let details = json!({ "to_user": to.id, "households": c.households, "groups": c.groups, "moved": moved });
    summary(state.store(), "move_caseload", from, details).await?;
    Ok(moved)
}

// API --------------------------------------------------------------------------------------

/// A facilitator's caseload inside the caller's area: `q` (address, head's or group's name),
/// `region`, `kind` (`households` or `groups`), `page`, `per_page`. Administrators only.
#[utoipa::path(get, path = "/api/v1/users/{id}/assignments", tag = "access",
    params(("id" = i64, Path, description = "User id (a facilitator)"), ("q" = Option<String>, Query, description = "Text in the address, the head's name or the group's name"),
        ("region" = Option<String>, Query, description = "Region code"), ("kind" = Option<String>, Query, description = "`households` or `groups`"),
        ("page" = Option<u32>, Query, description = "Page, from 1"), ("per_page" = Option<u32>, Query, description = "1 to 200")),
    responses((status = 200, body = CaseloadDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    params: ListParams,
) -> Result<Json<CaseloadDto>, Error> {
    let fac = facilitator(&state, &auth, id).await?;
    let query = params.query_for(&[], &["kind"])?;
    if let Some(kind) = query.filter("kind").filter(|k| !matches!(*k, "households" | "groups")) {
        let shown = berdaya_domain::registry::text::shorten(kind);
        return Err(Error::bad_request("kind", format!("`{shown}` is not a kind (use households, groups)")));
    }
    let counts = counts_in_area(&state, &auth, &fac).await?;
    let page = caseload_in_area(&state, &auth, &fac, query).await?;
    Ok(Json(CaseloadDto {
        page: page.page,
        per_page: page.per_page,
        total: page.total,
        total_capped: page.total_capped,
        items: page.items.into_iter().map(AssignmentDto::from).collect(),
        households: counts.households,
        groups: counts.groups,
    }))
}

/// The ids or the region of an assignment body; a body naming both, or neither, is refused.
fn ids_or_region(input: &AssignmentsInput) -> Result<Option<&str>, Error> {
    let ids = !input.households.is_empty() || !input.groups.is_empty();
    match (ids, input.region.as_deref().map(str::trim).filter(|r| !r.is_empty())) {
        (true, Some(_)) => {
            Err(Error::unprocessable("region", "cannot be given with households or groups; send one or the other"))
        }
        (false, None) => Err(Error::unprocessable("households", "name households or groups by id, or a region")),
        (_, region) => Ok(region),
    }
}

/// Assigns households and groups to a facilitator, by id or all of a region (and below) not
/// yet assigned. Idempotent: answers how many were new.
#[utoipa::path(post, path = "/api/v1/users/{id}/assignments", tag = "access",
    params(("id" = i64, Path, description = "User id (a facilitator)")), request_body = AssignmentsInput,
    responses((status = 200, body = ChangedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<ChangedDto>, Error> {
    let fac = facilitator(&state, &auth, id).await?;
    let input: AssignmentsInput = body.decode()?;
    match ids_or_region(&input)? {
        Some(raw) => {
            let region = resolve_region(&state, &auth, &fac, raw).await?;
            let kinds = parse_kinds(input.kinds.as_deref())?;
            Ok(Json(ChangedDto::counted(assign_region(&state, &fac, &region, kinds).await?)))
        }
        None => {
            let items = resolve(&state, &auth, &fac, &input.households, &input.groups).await?;
            Ok(Json(ChangedDto::of(assign_items(&state, &fac, &items).await?)))
        }
    }
}

/// Unassigns households and groups from a facilitator, by id or all of a region (inside the
/// caller's area). Answers how many were removed.
#[utoipa::path(delete, path = "/api/v1/users/{id}/assignments", tag = "access",
    params(("id" = i64, Path, description = "User id (a facilitator)")), request_body = AssignmentsInput,
    responses((status = 200, body = ChangedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<ChangedDto>, Error> {
    let fac = facilitator(&state, &auth, id).await?;
    let input: AssignmentsInput = body.decode()?;
    let items = match ids_or_region(&input)? {
        Some(raw) => {
            let code = RegionCode::parse(raw).map_err(|e| Error::unprocessable("region", e))?;
            auth.region_ref(state.store(), "region", &code).await?;
            let kinds = parse_kinds(input.kinds.as_deref())?;
            let all = whole_caseload(&state, &auth, &fac, Some(code)).await?;
            let wanted = |a: &Assigned| match a {
                Assigned::Household(_) => kinds.households,
                Assigned::Group(_) => kinds.groups,
            };
            all.into_iter().map(|i| i.what).filter(wanted).collect()
        }
        None => visible_items(&state, &auth, &input.households, &input.groups).await?,
    };
    Ok(Json(ChangedDto::of(unassign_items(&state, &fac, &items).await?)))
}

/// Moves a facilitator's assignments to another facilitator: those named, or all of them
/// (inside the caller's area). What the other already carries only leaves the first.
#[utoipa::path(post, path = "/api/v1/users/{id}/assignments/move", tag = "access",
    params(("id" = i64, Path, description = "User id (the facilitator the caseload moves from)")), request_body = MoveInput,
    responses((status = 200, body = ChangedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn move_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<ChangedDto>, Error> {
    let from = facilitator(&state, &auth, id).await?;
    let input: MoveInput = body.decode()?;
    let to = move_target(&state, &auth, &from, input.to_user).await?;
    let items = move_items(&state, &auth, &from, &to, input.households.as_deref(), input.groups.as_deref()).await?;
    Ok(Json(ChangedDto::of(move_caseload(&state, &from, &to, &items).await?)))
}

// Pages ------------------------------------------------------------------------------------

/// The search box of the caseload and assign pages: text, a region picker, a kind select.
struct SearchBox {
    action: String,
    q: String,
    region: String,
    region_name: String,
    kinds: Vec<crate::html::Choice>,
}

/// One row of a table whose records can be selected.
struct PickRow {
    /// The checkbox's name (`h.12`, `g.3`); `None` when the row cannot be selected.
    check: Option<String>,
    /// What the checkbox is labelled for screen readers, or why the row cannot be selected.
    label: String,
    cells: Vec<Cell>,
}

/// The caseload page and the assign page: a search, a table of records with checkboxes, and
/// buttons acting on the selection.
#[derive(Template)]
#[template(path = "caseload.html")]
struct SelectPage {
    l: Layout,
    heading: String,
    breadcrumbs: Vec<Link>,
    notice: Option<String>,
    /// Why the last submission failed.
    alert: Option<String>,
    facts: Vec<(String, String)>,
    actions: Vec<Link>,
    search: SearchBox,
    headers: Vec<String>,
    rows: Vec<PickRow>,
    empty: String,
    /// (label, address) of each button posting the selection.
    buttons: Vec<(String, String)>,
    pager: Option<Pager>,
    /// The bulk-by-region form of the assign page.
    region_form: Option<Form>,
}

/// A confirmation page: what is about to change, and the form that does it.
#[derive(Template)]
#[template(path = "caseload_confirm.html")]
struct ConfirmPage {
    l: Layout,
    heading: String,
    breadcrumbs: Vec<Link>,
    intro: Option<String>,
    facts: Vec<(String, String)>,
    form: Option<Form>,
    back: Link,
}

fn title_of(fac: &User) -> String {
    format!("{} ({})", fac.display_name, fac.username)
}

/// `Beranda › Pengguna › siti › Beban kerja`.
fn caseload_crumbs(lang: Lang, fac: &User, more: bool) -> Vec<Link> {
    let t = lang.tr();
    let mut links = crate::registry::crumbs(lang, "users.title", "/users");
    links.push(Link::new(fac.username.to_string(), format!("/users/{}", fac.id)));
    if more {
        links.push(Link::new(t.t("caseload.title"), format!("/users/{}/caseload", fac.id)));
    }
    links
}

/// "3 keluarga, 1 kelompok".
fn counts_text(lang: Lang, c: AssignCounts) -> String {
    lang.tr()
        .t("caseload.counts")
        .replace("{households}", &c.households.to_string())
        .replace("{groups}", &c.groups.to_string())
}

/// The notice for `?done=…&n=…`, if it names a known action.
fn notice(lang: Lang, query: Option<&str>) -> Option<String> {
    let pairs: Vec<(&str, &str)> = query?.split('&').filter_map(|kv| kv.split_once('=')).collect();
    let value = |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let key = match value("done")? {
        "assigned" => "caseload.done_assigned",
        "unassigned" => "caseload.done_unassigned",
        "moved" => "caseload.done_moved",
        _ => return None,
    };
    let n: u64 = value("n").and_then(|n| n.parse().ok()).unwrap_or(0);
    Some(lang.tr().t(key).replace("{n}", &n.to_string()))
}

/// The kind select: `(value, label key)`, the blank first when `blank` is given.
fn kind_choices(lang: Lang, chosen: &str, blank: bool) -> Vec<crate::html::Choice> {
    let t = lang.tr();
    let mut all = Vec::new();
    if blank {
        all.push(("", "caseload.all_kinds"));
    }
    all.extend([("households", "caseload.households"), ("groups", "caseload.groups")]);
    all.into_iter()
        .map(|(v, k)| crate::html::Choice { value: v.into(), label: t.t(k).into(), selected: v == chosen })
        .collect()
}

async fn search_box(
    state: &AppState,
    auth: &Auth,
    action: String,
    params: &ListParams,
    kinds: Vec<crate::html::Choice>,
) -> SearchBox {
    let region = params.region.as_ref().map(RegionCode::to_string).unwrap_or_default();
    let region_name = refs::region_name(state, auth, &region).await.unwrap_or_default();
    SearchBox { action, q: params.q_str().to_string(), region, region_name, kinds }
}

/// The address of page `n` of a search, keeping its text, region and kind.
fn page_href(base: &str, params: &ListParams, kind: &str, n: u32) -> String {
    let enc = crate::html::enc;
    let region = params.region.as_ref().map(RegionCode::to_string).unwrap_or_default();
    format!("{base}?q={}&region={}&kind={}&page={n}", enc(params.q_str()), enc(&region), enc(kind))
}

/// The checkbox name of an assignment.
fn check_name(what: Assigned) -> String {
    match what {
        Assigned::Household(id) => format!("h.{id}"),
        Assigned::Group(id) => format!("g.{id}"),
    }
}

/// The households and groups ticked in a form (`h.12`, `g.3`), or kept in its hidden fields.
fn selection(form: &FormData) -> Result<(Vec<Id>, Vec<Id>), Error> {
    let (mut households, mut groups) = (Vec::new(), Vec::new());
    for (key, value) in &form.0 {
        let (list, field, raw) = match (key.strip_prefix("h."), key.strip_prefix("g.")) {
            (Some(raw), _) => (&mut households, "households", raw),
            (_, Some(raw)) => (&mut groups, "groups", raw),
            _ => continue,
        };
        if matches!(value.as_str(), "" | "false") {
            continue;
        }
        let id = berdaya_domain::registry::text::id(raw)
            .map_err(|e| Error::bad_request(field, format!("{e} (a whole number from 1)")))?;
        list.push(id);
    }
    households.sort_unstable();
    groups.sort_unstable();
    check_size("households", households.len() + groups.len())?;
    Ok((households, groups))
}

/// A selection that holds something, else a 422 saying to tick some.
fn some_selected(form: &FormData) -> Result<(Vec<Id>, Vec<Id>), Error> {
    let (h, g) = selection(form)?;
    if h.is_empty() && g.is_empty() {
        return Err(Error::unprocessable("households", "none is selected; tick at least one household or group"));
    }
    Ok((h, g))
}

/// The hidden fields that carry a selection on to the next step.
fn carry(form: Form, households: &[Id], groups: &[Id]) -> Form {
    let hs = households.iter().map(|id| check_name(Assigned::Household(*id)));
    let gs = groups.iter().map(|id| check_name(Assigned::Group(*id)));
    hs.chain(gs).fold(form, |f, name| f.hidden(&name, "true"))
}

fn done(id: Id, action: &str, n: u64) -> Response {
    Redirect::to(&format!("/users/{id}/caseload?done={action}&n={n}")).into_response()
}

/// The caseload page of a search.
async fn caseload_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    fac: &User,
    params: &ListParams,
) -> Result<SelectPage, Error> {
    let t = lang.tr();
    let query = params.query_for(&[], &["kind", "done", "n"])?;
    let kind = query.filter("kind").unwrap_or("").to_string();
    let counts = counts_in_area(state, auth, fac).await?;
    let page = caseload_in_area(state, auth, fac, query).await?;
    let base = format!("/users/{}/caseload", fac.id);
    let pager = Pager::new(t, &page, |n| page_href(&base, params, &kind, n));
    let rows = page
        .items
        .into_iter()
        .map(|i| {
            let (kind_label, href) = match i.what {
                Assigned::Household(h) => (t.t("caseload.household"), format!("/households/{h}")),
                Assigned::Group(g) => (t.t("caseload.group"), format!("/groups/{g}")),
            };
            PickRow {
                check: Some(check_name(i.what)),
                label: i.label.clone(),
                cells: vec![
                    Cell::text(kind_label),
                    Cell::link(i.label, href),
                    Cell::text(i.head_name.unwrap_or_else(|| "—".into())),
                    Cell::text(format!("{} {}", i.region, i.region_name)),
                ],
            }
        })
        .collect();
    let mut actions = vec![Link::new(t.t("caseload.assign"), format!("{base}/assign"))];
    if counts.total() > 0 {
        actions.push(Link::new(t.t("caseload.move_all"), format!("{base}/move")));
    }
    let search = search_box(state, auth, base.clone(), params, kind_choices(lang, &kind, true)).await;
    Ok(SelectPage {
        l: Layout::new(lang, t.t("caseload.title"), "users"),
        heading: format!("{}: {}", t.t("caseload.title"), title_of(fac)),
        breadcrumbs: caseload_crumbs(lang, fac, false),
        notice: None,
        alert: None,
        facts: vec![(t.t("caseload.assigned").into(), counts_text(lang, counts))],
        actions,
        search,
        headers: ["caseload.kind", "caseload.record", "caseload.head", "caseload.region"]
            .iter()
            .map(|k| t.t(k).to_string())
            .collect(),
        rows,
        empty: t.t("caseload.none").into(),
        buttons: vec![
            (t.t("caseload.unassign_selected").into(), format!("{base}/unassign")),
            (t.t("caseload.move_selected").into(), format!("{base}/move")),
        ],
        pager: Some(pager),
        region_form: None,
    })
}

/// A selection page again, with why the form failed above it; a server failure is an error
/// page.
fn selection_failed(lang: Lang, err: Error, page: Result<SelectPage, Error>) -> Result<Response, Error> {
    if err.status().is_server_error() {
        return Err(err.page(lang));
    }
    let mut page = page.map_err(|e| e.page(lang))?;
    page.alert = Some(err.text(lang));
    Ok(render_with(err.status(), &page))
}

async fn caseload_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    params: ListParams,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let fac = facilitator(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let mut page = caseload_view(&state, &auth, lang, &fac, &params).await.map_err(|e| e.page(lang))?;
    page.notice = notice(lang, raw.as_deref());
    Ok(render(&page))
}

async fn unassign_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let fac = facilitator(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let result = async {
        let (households, groups) = some_selected(&form)?;
        let items = visible_items(&state, &auth, &households, &groups).await?;
        unassign_items(&state, &fac, &items).await
    }
    .await;
    match result {
        Ok(n) => Ok(done(id, "unassigned", n)),
        Err(err) => {
            let page = caseload_view(&state, &auth, lang, &fac, &ListParams::default()).await;
            selection_failed(lang, err, page)
        }
    }
}

/// The bulk-by-region form: a region picker and the kinds.
async fn region_form(state: &AppState, auth: &Auth, lang: Lang, id: Id, region: &str, kinds: AssignKinds) -> Form {
    let t = lang.tr();
    Form::new(
        "bulk",
        format!("/users/{id}/caseload/region"),
        t.t("caseload.region_preview"),
        vec![
            refs::region_field(state, auth, "region", t.t("caseload.region"), region).await.required(),
            Field::checkbox("households", t.t("caseload.households"), kinds.households),
            Field::checkbox("groups", t.t("caseload.groups"), kinds.groups),
        ],
    )
}

/// The assign page of a search: households or groups inside both areas, to tick.
async fn assign_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    fac: &User,
    params: &ListParams,
) -> Result<SelectPage, Error> {
    let t = lang.tr();
    let id = fac.id;
    let kind = match params.other.get("kind").map(String::as_str) {
        None | Some("" | "households") => "households",
        Some("groups") => "groups",
        Some(other) => {
            let shown = berdaya_domain::registry::text::shorten(other);
            return Err(Error::bad_request("kind", format!("`{shown}` is not a kind (use households, groups)")));
        }
    };
    let store = state.store();
    let query = shared_region(auth, fac, params.region.as_ref()).map(|region| Query {
        text: params.q.clone(),
        region,
        page: params.page,
        ..Query::default()
    });
    let fail = Error::from;
    let mut rows = Vec::new();
    let (headers, total) = if kind == "households" {
        let page = match &query {
            Some(q) => store.search_households(q).await.map_err(fail)?,
            None => Page::new(Vec::new(), params.page, 0),
        };
        for h in &page.items {
            let what = Assigned::Household(h.household.id);
            rows.push((
                what,
                h.household.address.clone(),
                vec![
                    Cell::link(h.household.address.clone(), format!("/households/{}", h.household.id)),
                    Cell::text(h.head_name.clone().unwrap_or_else(|| "—".into())),
                    Cell::text(format!("{} {}", h.household.region, h.region_name)),
                    Cell::text(h.members.to_string()),
                ],
            ));
        }
        (["caseload.record", "caseload.head", "caseload.region", "caseload.members"], page.map(drop))
    } else {
        let page = match &query {
            Some(q) => store.search_groups(q).await.map_err(fail)?,
            None => Page::new(Vec::new(), params.page, 0),
        };
        for g in &page.items {
            let what = Assigned::Group(g.group.id);
            rows.push((
                what,
                g.group.name.clone(),
                vec![
                    Cell::link(g.group.name.clone(), format!("/groups/{}", g.group.id)),
                    Cell::text("—"),
                    Cell::text(format!("{} {}", g.group.region, g.region_name)),
                    Cell::text(g.members.to_string()),
                ],
            ));
        }
        (["caseload.record", "caseload.head", "caseload.region", "caseload.members"], page.map(drop))
    };
    let mut picks = Vec::with_capacity(rows.len());
    for (what, label, cells) in rows {
        let assigned = store.is_assigned(fac.id, what).await.map_err(fail)?;
        let (check, label) =
            if assigned { (None, t.t("caseload.already").to_string()) } else { (Some(check_name(what)), label) };
        picks.push(PickRow { check, label, cells });
    }
    let base = format!("/users/{id}/caseload/assign");
    let pager = Pager::new(t, &total, |n| page_href(&base, params, kind, n));
    let search = search_box(state, auth, base.clone(), params, kind_choices(lang, kind, false)).await;
    let area = shared_region(auth, fac, None).flatten();
    let area_text = match &area {
        Some(code) => refs::region_name(state, auth, code.as_str()).await.unwrap_or_else(|| code.to_string()),
        None => t.t("users.national").to_string(),
    };
    Ok(SelectPage {
        l: Layout::new(lang, t.t("caseload.assign"), "users"),
        heading: format!("{}: {}", t.t("caseload.assign"), title_of(fac)),
        breadcrumbs: caseload_crumbs(lang, fac, true),
        notice: None,
        alert: None,
        facts: vec![(t.t("caseload.search_area").into(), area_text)],
        actions: Vec::new(),
        search,
        headers: headers.iter().map(|k| t.t(k).to_string()).collect(),
        rows: picks,
        empty: t.t("caseload.no_matches").into(),
        buttons: vec![(t.t("caseload.assign_selected").into(), base)],
        pager: Some(pager),
        region_form: Some(region_form(state, auth, lang, id, "", AssignKinds::BOTH).await),
    })
}

async fn assign_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let fac = facilitator(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&assign_view(&state, &auth, lang, &fac, &params).await.map_err(|e| e.page(lang))?))
}

async fn assign_post(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let fac = facilitator(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let result = async {
        let (households, groups) = some_selected(&form)?;
        let items = resolve(&state, &auth, &fac, &households, &groups).await?;
        assign_items(&state, &fac, &items).await
    }
    .await;
    match result {
        Ok(n) => Ok(done(id, "assigned", n)),
        Err(err) => {
            let page = assign_view(&state, &auth, lang, &fac, &ListParams::default()).await;
            selection_failed(lang, err, page)
        }
    }
}

/// What a confirmed region form must carry: the region and kinds that were previewed.
fn region_token(region: &RegionCode, kinds: AssignKinds) -> String {
    format!("{region}|{}|{}", kinds.households, kinds.groups)
}

async fn region_post(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let t = lang.tr();
    let fac = facilitator(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let raw = form.get("region");
    let kinds = AssignKinds { households: form.checked("households"), groups: form.checked("groups") };
    let mut page = ConfirmPage {
        l: Layout::new(lang, t.t("caseload.region_title"), "users"),
        heading: format!("{}: {}", t.t("caseload.region_title"), title_of(&fac)),
        breadcrumbs: caseload_crumbs(lang, &fac, true),
        intro: None,
        facts: Vec::new(),
        form: None,
        back: Link::new(t.t("caseload.back"), format!("/users/{id}/caseload/assign")),
    };
    let mut bulk = region_form(&state, &auth, lang, id, &raw, kinds).await;
    let checked = async {
        let region = resolve_region(&state, &auth, &fac, &raw).await?;
        if kinds == AssignKinds::default() {
            return Err(Error::unprocessable("households", "names no kind; tick households, groups or both"));
        }
        Ok(region)
    }
    .await;
    let region = match checked {
        Ok(region) => region,
        Err(err) if !err.status().is_server_error() => {
            let status = bulk.show_error(t, &err);
            page.form = Some(bulk);
            return Ok(render_with(status, &page));
        }
        Err(err) => return Err(err.page(lang)),
    };
    let token = region_token(&region, kinds);
    if form.get("confirm") == token {
        let c = assign_region(&state, &fac, &region, kinds).await.map_err(|e| e.page(lang))?;
        return Ok(done(id, "assigned", c.total()));
    }
    let counts =
        state.store().region_unassigned(fac.id, &region, kinds).await.map_err(|e| Error::from(e).page(lang))?;
    let name = refs::region_name(&state, &auth, region.as_str()).await.unwrap_or_else(|| region.to_string());
    page.intro = Some(t.t("caseload.region_confirm").replace("{region}", &name));
    page.facts = vec![(t.t("caseload.not_yet"), counts_text(lang, counts))]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    bulk.submit = t.t("caseload.region_assign").replace("{n}", &counts.total().to_string());
    page.form = Some(bulk.hidden("confirm", token));
    Ok(render(&page))
}

/// The facilitators a caseload may move to: those the administrator manages, enabled, not
/// `from`, as (id, name) choices.
async fn move_choices(state: &AppState, auth: &Auth, from: &User) -> Result<Vec<(String, String)>, Error> {
    let users = super::users::manageable_users(state, auth).await?;
    Ok(users
        .into_iter()
        .filter(|u| u.role == Role::Facilitator && !u.disabled && u.id != from.id)
        .map(|u| (u.id.to_string(), title_of(&u)))
        .collect())
}

/// The move page: what moves, and the form that picks the facilitator and confirms.
async fn move_form_page(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    from: &User,
    selected: Option<(&[Id], &[Id])>,
    to_user: &str,
) -> Result<ConfirmPage, Error> {
    let t = lang.tr();
    let (counts, what) = match selected {
        Some((h, g)) => {
            (AssignCounts { households: h.len() as u64, groups: g.len() as u64 }, t.t("caseload.move_these"))
        }
        None => (counts_in_area(state, auth, from).await?, t.t("caseload.move_everything")),
    };
    let choices = move_choices(state, auth, from).await?;
    let form = (!choices.is_empty()).then(|| {
        let field = Field::select("to_user", t.t("caseload.to_user"), to_user, choices, Some(t.t("common.choose")));
        let form = Form::new(
            "move",
            format!("/users/{}/caseload/move", from.id),
            t.t("caseload.move"),
            vec![field.required()],
        )
        .hidden("confirm", "true");
        match selected {
            Some((h, g)) => carry(form, h, g),
            None => form.hidden("scope", "all"),
        }
    });
    Ok(ConfirmPage {
        l: Layout::new(lang, t.t("caseload.move_title"), "users"),
        heading: format!("{}: {}", t.t("caseload.move_title"), title_of(from)),
        breadcrumbs: caseload_crumbs(lang, from, true),
        intro: Some(if form.is_some() { t.t("caseload.move_intro") } else { t.t("caseload.move_nobody") }.to_string()),
        facts: vec![(what.to_string(), counts_text(lang, counts))],
        form,
        back: Link::new(t.t("caseload.back"), format!("/users/{}/caseload", from.id)),
    })
}

async fn move_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let from = facilitator(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&move_form_page(&state, &auth, lang, &from, None, "").await.map_err(|e| e.page(lang))?))
}

async fn move_post(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let from = facilitator(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let (households, groups) = if form.get("scope") == "all" {
        (Vec::new(), Vec::new())
    } else {
        some_selected(&form).map_err(|e| e.page(lang))?
    };
    let selected = (form.get("scope") != "all").then_some((households.as_slice(), groups.as_slice()));
    let to_raw = form.get("to_user");
    if form.get("confirm") != "true" {
        return Ok(render(&move_form_page(&state, &auth, lang, &from, selected, "").await.map_err(|e| e.page(lang))?));
    }
    let result = async {
        let to_id = berdaya_domain::registry::text::id(&to_raw).map_err(|e| Error::unprocessable("to_user", e))?;
        let to = move_target(&state, &auth, &from, to_id).await?;
        let items = move_items(&state, &auth, &from, &to, selected.map(|s| s.0), selected.map(|s| s.1)).await?;
        move_caseload(&state, &from, &to, &items).await
    }
    .await;
    match result {
        Ok(n) => Ok(done(id, "moved", n)),
        Err(err) if !err.status().is_server_error() => {
            let mut page =
                move_form_page(&state, &auth, lang, &from, selected, &to_raw).await.map_err(|e| e.page(lang))?;
            let status = match page.form.as_mut() {
                Some(f) => f.show_error(lang.tr(), &err),
                None => err.status(),
            };
            Ok(render_with(status, &page))
        }
        Err(err) => Err(err.page(lang)),
    }
}

/// The counts of a facilitator's caseload for the account page, inside the caller's area.
pub(super) async fn caseload_summary(state: &AppState, auth: &Auth, lang: Lang, fac: &User) -> Result<String, Error> {
    Ok(counts_text(lang, counts_in_area(state, auth, fac).await?))
}
