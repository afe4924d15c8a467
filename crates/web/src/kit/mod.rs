//! The page and API kit: one declaration of a record type (a [`Resource`]) gives its list page
//! (search, filters, sort, pagination), its view page, its create and edit forms with the
//! version check, its `/api/v1` routes ([`router`]) and their OpenAPI entries
//! ([`doc::paths`]). Custom pages (a household with its members, a program with its
//! enrollments) are the resource's own `view`, built from the same parts.
//!
//! Every link and action a kit page shows asks the same predicate the handler behind it asks
//! ([`Resource::may_create`], [`Resource::may_edit`], [`Resource::cells`]), so no page leads
//! to a 403 or a 404.

pub mod doc;
mod pages;
pub mod refs;

use std::fmt::Display;
use std::future::Future;

use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::access::RecordAccess;
use berdaya_domain::registry::{
    Agency, AgencyDraft, Group, GroupDraft, Household, HouseholdDraft, Id, Invalid, NewAgency, NewGroup, NewHousehold,
    NewPerson, NewProgram, NewRegion, Person, PersonDraft, Program, ProgramDraft, Region, RegionCode, RegionDraft,
    Version,
};
use berdaya_store::{Page, Query};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use pages::{Listing, field_failed, form_page, link_if, section_done, view_shell};

use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::extract::{CodePath, FormData, IdPath, JsonBody, ListParams};
use crate::html::{Cell, Field, ViewPage};
use crate::i18n::Lang;
use crate::registry::{PageDto, created};

/// What names a record in a path: an id (`/groups/7`) or a region code (`/regions/33.16`).
pub trait Key: Clone + Display + PartialEq + Send + Sync + 'static {
    /// The extractor of the path segment (a 400 naming it when malformed).
    type Path: FromRequestParts<AppState, Rejection = Error> + Send;
    /// The path parameter's name, `id` or `code`.
    const PARAM: &'static str;
    fn from_path(path: Self::Path) -> Self;
}

impl Key for Id {
    type Path = IdPath;
    const PARAM: &'static str = "id";
    fn from_path(path: IdPath) -> Id {
        path.0
    }
}

impl Key for RegionCode {
    type Path = CodePath;
    const PARAM: &'static str = "code";
    fn from_path(path: CodePath) -> RegionCode {
        path.0
    }
}

/// A record the kit serves: what names it in a path and the version an update must carry.
pub trait Record: Send + Sync + 'static {
    type Key: Key;
    fn key(&self) -> Self::Key;
    fn version(&self) -> Version;
}

macro_rules! by_id {
    ($($t:ty),*) => { $(
        impl Record for $t {
            type Key = Id;
            fn key(&self) -> Id {
                self.id
            }
            fn version(&self) -> Version {
                self.version
            }
        }
    )* };
}

by_id!(Agency, Group, Household, Person, Program);

impl Record for Region {
    type Key = RegionCode;
    fn key(&self) -> RegionCode {
        self.code.clone()
    }
    fn version(&self) -> Version {
        self.version
    }
}

/// A record read with how much of it the principal may see.
impl<T: Record> Record for (T, RecordAccess) {
    type Key = T::Key;
    fn key(&self) -> T::Key {
        self.0.key()
    }
    fn version(&self) -> Version {
        self.0.version()
    }
}

/// What a form or a JSON body holds (every field as typed), parsed by the domain.
pub trait Draft: Default + Clone + DeserializeOwned + Send + Sync + 'static {
    type New: Send + Sync + 'static;
    fn parse(&self) -> Result<Self::New, Invalid>;
}

macro_rules! drafts {
    ($($d:ty => $n:ty),*) => { $(
        impl Draft for $d {
            type New = $n;
            fn parse(&self) -> Result<$n, Invalid> {
                <$d>::parse(self)
            }
        }
    )* };
}

drafts!(
    AgencyDraft => NewAgency,
    GroupDraft => NewGroup,
    HouseholdDraft => NewHousehold,
    PersonDraft => NewPerson,
    ProgramDraft => NewProgram,
    RegionDraft => NewRegion
);

/// The key of a resource's records.
pub type KeyOf<R> = <<R as Resource>::Record as Record>::Key;
/// What a listing shows before any search: its rows and a line that says what they are.
pub type Landing<R> = Option<(Vec<<R as Resource>::Row>, String)>;
/// The parsed draft of a resource.
pub type NewOf<R> = <<R as Resource>::Draft as Draft>::New;

/// A column of a list page: its header's translation key and the sort key that orders by it.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub label: &'static str,
    pub sort: Option<&'static str>,
}

impl Column {
    /// A column the listing can be sorted by.
    pub const fn sorted(label: &'static str, sort: &'static str) -> Column {
        Column { label, sort: Some(sort) }
    }

    /// A column shown as it comes.
    pub const fn plain(label: &'static str) -> Column {
        Column { label, sort: None }
    }
}

/// An exact-match filter of a list page: the query key, its label's translation key, and
/// the choices offered (value, label in the page's language).
pub struct Filter {
    pub key: &'static str,
    pub label: &'static str,
    pub choices: fn(Lang) -> Vec<(String, String)>,
}

/// What OpenAPI says of a resource's routes: the schema names and what the list and create
/// operations do; the show and update lines and the key's description follow from `stem`
/// and `noun`.
pub struct ApiDoc {
    /// The schema names' stem: `Agency` names `AgencyDto`, `AgencyInput` and `AgencyUpdate`.
    pub stem: &'static str,
    /// A row of the listing (`GroupSummaryDto`).
    pub row: &'static str,
    /// One record in words (`agency`), for "One agency." and "Changes an agency; …".
    pub noun: &'static str,
    pub list: &'static str,
    pub create: &'static str,
}

impl ApiDoc {
    /// The schema `{stem}{suffix}` (`AgencyDto`).
    pub fn schema(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.stem)
    }

    /// The summary of the show operation.
    pub fn show(&self) -> String {
        format!("One {}.", self.noun)
    }

    /// The summary of the update operation.
    pub fn change(&self) -> String {
        let article = if self.noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("Changes {article} {}; `version` must be the one read, else 409.", self.noun)
    }
}

/// Whether a form is for a new record or changes an existing one.
#[derive(Debug, PartialEq, Eq)]
pub enum Mode<'a, K> {
    New,
    Edit(&'a K),
}

impl<K> Clone for Mode<'_, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for Mode<'_, K> {}

/// A record type served by the kit. Each `fn … -> impl Future` is written `async fn` in the
/// implementation.
pub trait Resource: Sized + Send + Sync + 'static {
    /// A record as read (with how much of it the principal may see, where that varies).
    type Record: Record;
    /// A row of the listing.
    type Row: Send + 'static;
    type Draft: Draft;
    /// The JSON of one record and of a listing's row.
    type Dto: Serialize + Send + 'static;
    type RowDto: Serialize + From<Self::Row> + Send + 'static;

    /// `agencies`: the page path `/agencies`, the API path `/api/v1/agencies`, the menu
    /// section, the translation prefix (`agencies.title`, `agencies.add`, …) and the OpenAPI tag.
    const NAME: &'static str;
    /// One record's name in code (`agency`): the form's id prefix (`agency-name`).
    const ONE: &'static str;
    /// The listing's columns; those with a sort key may be sorted by (`?sort=name&dir=desc`).
    const COLUMNS: &'static [Column];
    /// The listing's filters (`?kind=…`).
    const FILTERS: &'static [Filter] = &[];
    /// Whether the listing has a region filter box.
    const REGION_FILTER: bool = false;
    /// Draft fields that are record ids: a JSON body may give them as numbers.
    const NUMBERS: &'static [&'static str] = &[];
    const DOC: ApiDoc;

    /// May the principal use the listing at all (a 403 otherwise)?
    fn may_list(auth: &Auth) -> bool;
    /// May the principal add records (the "add" button and the create routes)?
    fn may_create(auth: &Auth) -> bool;
    /// May the principal change this record (the "edit" button and the update routes)?
    fn may_edit(auth: &Auth, record: &Self::Record) -> bool;
    /// A role-wide gate asked before the record is read on the update routes (so a role that
    /// may never edit gets a 403 even for a record it cannot see).
    fn may_write(_auth: &Auth) -> bool {
        true
    }

    /// The search narrowed to what the principal may see; `None` finds nothing.
    fn scope(auth: &Auth, query: Query) -> Option<Query> {
        auth.scope(query)
    }
    fn search(state: &AppState, query: &Query) -> impl Future<Output = Result<Page<Self::Row>, Error>> + Send;
    /// The record, if the principal may read it; out of scope reads as missing.
    fn read(
        state: &AppState,
        auth: &Auth,
        key: &KeyOf<Self>,
    ) -> impl Future<Output = Result<Self::Record, Error>> + Send;

    /// The JSON of a record read, or just written (`fresh`).
    fn dto(
        state: &AppState,
        record: Self::Record,
        fresh: bool,
    ) -> impl Future<Output = Result<Self::Dto, Error>> + Send;

    /// Resolves the references of a new or changed record through the caller's scope
    /// (`old` is the record being changed).
    fn check(
        state: &AppState,
        auth: &Auth,
        new: &NewOf<Self>,
        old: Option<&Self::Record>,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    fn create(state: &AppState, new: &NewOf<Self>) -> impl Future<Output = Result<Self::Record, Error>> + Send;
    fn update(
        state: &AppState,
        key: &KeyOf<Self>,
        new: &NewOf<Self>,
        version: Version,
    ) -> impl Future<Output = Result<Self::Record, Error>> + Send;

    /// A listing's row as cells, in [`Resource::COLUMNS`] order; a cell links to a record only
    /// when the principal may open it.
    fn cells(lang: Lang, auth: &Auth, row: Self::Row) -> Vec<Cell>;
    /// The view page of a record (`params`: the page of a listing it shows).
    fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        record: Self::Record,
        params: &ListParams,
    ) -> impl Future<Output = Result<ViewPage, Error>> + Send;

    fn draft_of(record: &Self::Record) -> Self::Draft;
    fn draft_from(form: &FormData) -> Self::Draft;
    /// The blank form's draft (`?region=…` or `?household=…` may fill it).
    fn draft_new(_params: &ListParams) -> Self::Draft {
        Self::Draft::default()
    }
    /// The draft field the path's key fills where the key is part of the record (a region's
    /// `code`): the path names the record, whatever the body or form says.
    const KEY_FIELD: Option<&'static str> = None;
    /// The form's fields; references are pickers showing the referenced record's name.
    fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        draft: &Self::Draft,
        mode: Mode<'_, KeyOf<Self>>,
    ) -> impl Future<Output = Result<Vec<Field>, Error>> + Send;
    /// The rows a listing shows before any search, with a line that says what they are (the
    /// top of the region tree); `None` shows the search's first page.
    fn landing(
        _state: &AppState,
        _auth: &Auth,
        _lang: Lang,
    ) -> impl Future<Output = Result<Landing<Self>, Error>> + Send {
        async { Ok(None) }
    }
    /// Called before an edit form shows a record (a form that holds a full NIK is a reveal).
    fn on_edit_form(_state: &AppState, _key: &KeyOf<Self>) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }

    /// `/agencies`.
    fn base() -> String {
        format!("/{}", Self::NAME)
    }
    /// `/agencies/7`.
    fn href(key: &KeyOf<Self>) -> String {
        format!("/{}/{key}", Self::NAME)
    }
}

/// The record the principal may change: the role-wide gate, then the record, then the rule.
pub async fn editable<R: Resource>(state: &AppState, auth: &Auth, key: &KeyOf<R>) -> Result<R::Record, Error> {
    auth.require(R::may_write(auth))?;
    let record = R::read(state, auth, key).await?;
    auth.require(R::may_edit(auth, &record))?;
    Ok(record)
}

/// One page of the listing, for the params given; the sort key and filters are checked
/// against the declaration (a 400 naming the parameter) and the search is scoped.
pub async fn search<R: Resource>(state: &AppState, auth: &Auth, params: &ListParams) -> Result<Page<R::Row>, Error> {
    auth.require(R::may_list(auth))?;
    let sorts: Vec<&str> = R::COLUMNS.iter().filter_map(|c| c.sort).collect();
    let filters: Vec<&str> = R::FILTERS.iter().map(|f| f.key).collect();
    let query = params.query_for(&sorts, &filters)?;
    match R::scope(auth, query) {
        Some(q) => R::search(state, &q).await,
        None => Ok(Page::new(Vec::new(), params.page, 0)),
    }
}

/// Parses a draft, checks its references and creates the record.
pub async fn create<R: Resource>(state: &AppState, auth: &Auth, draft: &R::Draft) -> Result<R::Record, Error> {
    let new = draft.parse()?;
    R::check(state, auth, &new, None).await?;
    R::create(state, &new).await
}

/// Parses a draft, checks its references and changes the record if `version` is current.
pub async fn update<R: Resource>(
    state: &AppState,
    auth: &Auth,
    old: &R::Record,
    draft: &R::Draft,
    version: Version,
) -> Result<R::Record, Error> {
    let new = draft.parse()?;
    R::check(state, auth, &new, Some(old)).await?;
    R::update(state, &old.key(), &new, version).await
}

/// A list that belongs to a record the principal may read (a group's members, a household's
/// enrollments): the record is read first, so one out of scope reads as missing.
pub async fn children<R, T, D, Fut>(
    state: &AppState,
    auth: &Auth,
    key: KeyOf<R>,
    list: impl FnOnce(KeyOf<R>) -> Fut,
) -> Result<Json<Vec<D>>, Error>
where
    R: Resource,
    Fut: Future<Output = Result<Vec<T>, berdaya_store::StoreError>>,
    D: From<T>,
{
    R::read(state, auth, &key).await?;
    Ok(Json(list(key).await?.into_iter().map(D::from).collect()))
}

/// Every route of a resource: `GET/POST /api/v1/{name}`, `GET/PUT /api/v1/{name}/{key}` and
/// the pages `/{name}`, `/{name}/new`, `/{name}/{key}`, `/{name}/{key}/edit`.
pub fn router<R: Resource>() -> Router<AppState> {
    let name = R::NAME;
    let key = <KeyOf<R> as Key>::PARAM;
    Router::new()
        .route(&format!("/api/v1/{name}"), get(api_list::<R>).post(api_create::<R>))
        .route(&format!("/api/v1/{name}/{{{key}}}"), get(api_show::<R>).put(api_update::<R>))
        .route(&format!("/{name}"), get(pages::list_page::<R>).post(pages::create_page::<R>))
        .route(&format!("/{name}/new"), get(pages::new_page::<R>))
        .route(&format!("/{name}/{{{key}}}"), get(pages::view_page::<R>))
        .route(&format!("/{name}/{{{key}}}/edit"), get(pages::edit_page::<R>).post(pages::update_page::<R>))
}

async fn api_list<R: Resource>(
    State(state): State<AppState>,
    auth: Auth,
    params: ListParams,
) -> Result<Json<PageDto<R::RowDto>>, Error> {
    let page = search::<R>(&state, &auth, &params).await?;
    Ok(Json(PageDto::from_page(page, R::RowDto::from)))
}

async fn api_create<R: Resource>(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(R::may_create(&auth))?;
    let draft: R::Draft = body.draft(R::NUMBERS)?;
    let record = create::<R>(&state, &auth, &draft).await?;
    Ok(created(R::dto(&state, record, true).await?))
}

async fn api_show<R: Resource>(
    State(state): State<AppState>,
    auth: Auth,
    path: <KeyOf<R> as Key>::Path,
) -> Result<Json<R::Dto>, Error> {
    let key = KeyOf::<R>::from_path(path);
    let record = R::read(&state, &auth, &key).await?;
    Ok(Json(R::dto(&state, record, false).await?))
}

async fn api_update<R: Resource>(
    State(state): State<AppState>,
    auth: Auth,
    path: <KeyOf<R> as Key>::Path,
    body: JsonBody,
) -> Result<Json<R::Dto>, Error> {
    let key = KeyOf::<R>::from_path(path);
    let old = editable::<R>(&state, &auth, &key).await?;
    let body = match R::KEY_FIELD {
        Some(field) => body.with(field, &key.to_string())?,
        None => body,
    };
    let draft: R::Draft = body.draft(R::NUMBERS)?;
    let version = body.version()?;
    let record = update::<R>(&state, &auth, &old, &draft, version).await?;
    Ok(Json(R::dto(&state, record, true).await?))
}
