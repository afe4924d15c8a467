//! The kit's pages: the listing with its search box, filters, sortable headers and pager;
//! the view page; the new and edit forms, re-shown with each error beside its field.

use axum::response::{IntoResponse, Redirect, Response};
use berdaya_store::Sort;

use super::{Key, KeyOf, Mode, Record, Resource, create, editable, search, update};
use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::extract::{Cx, FormData, ListParams};
use crate::html::{
    Cell, FilterBox, Form, FormPage, Layout, Link, ListPage, Pager, Search, Table, ViewPage, enc, render, render_with,
};
use crate::i18n::Lang;
use crate::registry::crumbs;

/// What a listing's address holds besides the page number: kept by the pager, the sortable
/// headers and the search box.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub q: String,
    pub region: String,
    pub filters: Vec<(String, String)>,
    pub sort: Option<Sort>,
    pub per_page: Option<u32>,
}

impl Listing {
    /// The listing's state from its address (only the filters `keys` names).
    pub fn of(params: &ListParams, keys: &[&str]) -> Listing {
        Listing {
            q: params.q_str().into(),
            region: params.region.as_ref().map(|r| r.to_string()).unwrap_or_default(),
            filters: keys
                .iter()
                .filter_map(|k| params.other.get(*k).filter(|v| !v.is_empty()).map(|v| (k.to_string(), v.clone())))
                .collect(),
            sort: params.sort(),
            per_page: (params.page.per_page != berdaya_store::PageRequest::default().per_page)
                .then_some(params.page.per_page),
        }
    }

    /// The address of page `page` of the listing at `base`, ordered by `sort`.
    pub fn href(&self, base: &str, page: u32, sort: Option<&Sort>) -> String {
        let mut href = format!("{base}?page={page}");
        if let Some(n) = self.per_page {
            href.push_str(&format!("&per_page={n}"));
        }
        if !self.q.is_empty() {
            href.push_str(&format!("&q={}", enc(&self.q)));
        }
        if !self.region.is_empty() {
            href.push_str(&format!("&region={}", enc(&self.region)));
        }
        for (k, v) in &self.filters {
            href.push_str(&format!("&{k}={}", enc(v)));
        }
        if let Some(s) = sort {
            href.push_str(&format!("&sort={}&dir={}", s.key, if s.descending { "desc" } else { "asc" }));
        }
        href
    }

    /// The header link of the column sorted by `key`: ascending first, then the other way.
    fn sort_href(&self, base: &str, key: &str) -> String {
        let descending = matches!(&self.sort, Some(s) if s.key == key && !s.descending);
        self.href(base, 1, Some(&Sort { key: key.into(), descending }))
    }
}

/// The listing page.
pub(super) async fn list_page<R: Resource>(
    Cx { state, lang, auth }: Cx,
    params: ListParams,
) -> Result<Response, Error> {
    let t = lang.tr();
    let keys: Vec<&str> = R::FILTERS.iter().map(|f| f.key).collect();
    let listing = Listing::of(&params, &keys);
    let base = R::base();
    let searched = params.q.is_some() || listing.sort.is_some() || !listing.filters.is_empty();
    let landing = if searched { None } else { R::landing(&state, &auth, lang).await.map_err(|e| e.page(lang))? };
    let (rows, pager, intro) = match landing {
        Some((rows, intro)) => (rows, None, Some(intro)),
        None => {
            let page = search::<R>(&state, &auth, &params).await.map_err(|e| e.page(lang))?;
            let pager = Pager::new(t, &page, |n| listing.href(&base, n, listing.sort.as_ref()));
            (page.items, Some(pager), None)
        }
    };
    let table = Table {
        headers: R::COLUMNS.iter().map(|c| t.t(c.label).to_string()).collect(),
        sorts: R::COLUMNS.iter().map(|c| c.sort.map(|k| listing.sort_href(&base, k))).collect(),
        rows: rows.into_iter().map(|row| R::cells(lang, &auth, row)).collect(),
        empty: tr::<R>(lang, "none"),
    };
    let filters = R::FILTERS
        .iter()
        .map(|f| (f, (f.choices)(lang)))
        .filter(|(_, choices)| !choices.is_empty())
        .map(|(f, choices)| FilterBox::new(t, f.key, t.t(f.label), choices, params.other.get(f.key)))
        .collect();
    let title = tr::<R>(lang, "title");
    Ok(render(&ListPage {
        l: Layout::new(lang, title.clone(), R::NAME),
        heading: title,
        breadcrumbs: Vec::new(),
        intro,
        search: Some(Search {
            action: base.clone(),
            q: listing.q.clone(),
            placeholder: tr::<R>(lang, "search_placeholder"),
            region: R::REGION_FILTER.then(|| listing.region.clone()),
            filters,
            sort: listing.sort.as_ref().map(|s| (s.key.clone(), if s.descending { "desc" } else { "asc" }.into())),
        }),
        actions: add_link::<R>(lang, &auth).into_iter().collect(),
        table,
        pager,
    }))
}

/// The "add" button of a listing, when the principal may add.
pub(super) fn add_link<R: Resource>(lang: Lang, auth: &Auth) -> Option<Link> {
    R::may_create(auth).then(|| Link::new(tr::<R>(lang, "add"), format!("{}/new", R::base())))
}

/// A view page's frame: layout, heading, breadcrumbs and the edit button when the principal
/// may edit; the resource adds its facts and sections.
pub fn view_shell<R: Resource>(lang: Lang, auth: &Auth, record: &R::Record, heading: String) -> ViewPage {
    let t = lang.tr();
    let key = record.key();
    ViewPage {
        l: Layout::new(lang, heading.clone(), R::NAME),
        heading,
        breadcrumbs: crumbs(lang, &format!("nav.{}", R::NAME), &R::base()),
        actions: (R::may_write(auth) && R::may_edit(auth, record))
            .then(|| Link::new(t.t("common.edit"), format!("{}/edit", R::href(&key))))
            .into_iter()
            .collect(),
        warnings: Vec::new(),
        facts: Vec::new(),
        sections: Vec::new(),
    }
}

pub(super) async fn view_page<R: Resource>(
    Cx { state, lang, auth }: Cx,
    path: <KeyOf<R> as Key>::Path,
    params: ListParams,
) -> Result<Response, Error> {
    let key = KeyOf::<R>::from_path(path);
    let record = R::read(&state, &auth, &key).await.map_err(|e| e.page(lang))?;
    let page = R::view(&state, &auth, lang, record, &params).await.map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

/// A create or edit form page.
pub fn form_page<R: Resource>(lang: Lang, heading_key: &str, form: Form) -> FormPage {
    let heading = tr::<R>(lang, heading_key);
    FormPage {
        l: Layout::new(lang, heading.clone(), R::NAME),
        heading,
        breadcrumbs: crumbs(lang, &format!("nav.{}", R::NAME), &R::base()),
        form,
    }
}

/// The resource's form for `draft`, posting to the listing (new) or to the edit address.
async fn form<R: Resource>(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    draft: &R::Draft,
    mode: Mode<'_, KeyOf<R>>,
    version: Option<i64>,
) -> Result<FormPage, Error> {
    let fields = R::fields(state, auth, lang, draft, mode).await?;
    let (action, heading) = match mode {
        Mode::New => (R::base(), "new"),
        Mode::Edit(key) => (format!("{}/edit", R::href(key)), "edit"),
    };
    let mut form = Form::new(R::ONE, action, lang.tr().t("common.save"), fields);
    if let Some(v) = version {
        form = form.hidden("version", v.to_string());
    }
    Ok(form_page::<R>(lang, heading, form))
}

pub(super) async fn new_page<R: Resource>(Cx { state, lang, auth }: Cx, params: ListParams) -> Result<Response, Error> {
    auth.require(R::may_create(&auth)).map_err(|e| e.page(lang))?;
    let draft = R::draft_new(&params);
    let page = form::<R>(&state, &auth, lang, &draft, Mode::New, None).await.map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

pub(super) async fn create_page<R: Resource>(Cx { state, lang, auth }: Cx, data: FormData) -> Result<Response, Error> {
    auth.require(R::may_create(&auth)).map_err(|e| e.page(lang))?;
    let draft = R::draft_from(&data);
    match create::<R>(&state, &auth, &draft).await {
        Ok(record) => Ok(Redirect::to(&R::href(&record.key())).into_response()),
        Err(err) => {
            let page = form::<R>(&state, &auth, lang, &draft, Mode::New, None).await.map_err(|e| e.page(lang))?;
            Ok(field_failed(lang, err, page))
        }
    }
}

pub(super) async fn edit_page<R: Resource>(
    Cx { state, lang, auth }: Cx,
    path: <KeyOf<R> as Key>::Path,
) -> Result<Response, Error> {
    let key = KeyOf::<R>::from_path(path);
    let record = editable::<R>(&state, &auth, &key).await.map_err(|e| e.page(lang))?;
    R::on_edit_form(&state, &key).await.map_err(|e| e.page(lang))?;
    let draft = R::draft_of(&record);
    let version = Some(record.version());
    let page = form::<R>(&state, &auth, lang, &draft, Mode::Edit(&key), version).await.map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

pub(super) async fn update_page<R: Resource>(
    Cx { state, lang, auth }: Cx,
    path: <KeyOf<R> as Key>::Path,
    mut data: FormData,
) -> Result<Response, Error> {
    let key = KeyOf::<R>::from_path(path);
    let old = editable::<R>(&state, &auth, &key).await.map_err(|e| e.page(lang))?;
    if let Some(field) = R::KEY_FIELD {
        data.0.insert(field.into(), key.to_string());
    }
    let draft = R::draft_from(&data);
    let version = data.version().unwrap_or(0);
    match update::<R>(&state, &auth, &old, &draft, version).await {
        Ok(record) => Ok(Redirect::to(&R::href(&record.key())).into_response()),
        Err(err) => {
            let page = form::<R>(&state, &auth, lang, &draft, Mode::Edit(&key), Some(version))
                .await
                .map_err(|e| e.page(lang))?;
            Ok(field_failed(lang, err, page))
        }
    }
}

/// A create/edit form that failed: the form again with each error next to its field, or an
/// error page when the failure is not the user's.
pub fn field_failed(lang: Lang, err: Error, mut page: FormPage) -> Response {
    if err.status().is_server_error() {
        return err.page(lang).into_response();
    }
    let status = page.form.show_error(lang.tr(), &err);
    render_with(status, &page)
}

/// The resource's string `key` (`agencies.title`) in the page's language.
fn tr<R: Resource>(lang: Lang, key: &str) -> String {
    lang.tr().t(&format!("{}.{key}", R::NAME)).to_string()
}

/// The answer to a form embedded in a view page (add staff, add member, enroll): to `done`
/// when `result` is a success, else the page `page` builds again with each error in the
/// `section`'s form (an error page when the failure is not the user's).
pub async fn section_done<T, F, Fut>(
    lang: Lang,
    result: Result<T, Error>,
    done: String,
    section: &str,
    page: F,
) -> Result<Response, Error>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<ViewPage, Error>>,
{
    let err = match result {
        Ok(_) => return Ok(Redirect::to(&done).into_response()),
        Err(err) if err.status().is_server_error() => return Ok(err.page(lang).into_response()),
        Err(err) => err,
    };
    let mut page = page().await.map_err(|e| e.page(lang))?;
    let mut status = err.status();
    if let Some(form) = page.sections.iter_mut().find(|s| s.id == section).and_then(|s| s.form.as_mut()) {
        status = form.show_error(lang.tr(), &err);
    }
    Ok(render_with(status, &page))
}

/// A link cell to a record the principal may open, else its text.
pub fn link_if(open: bool, text: impl Into<String>, href: impl Into<String>) -> Cell {
    if open { Cell::link(text, href) } else { Cell::text(text) }
}
