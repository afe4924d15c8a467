//! Group cash books over HTTP: a group's book (a month's entries with the running balance,
//! the income or expense form with its receipt, the sale form, the reversal of a mistaken
//! entry), its monthly and yearly statements with the growth of turnover, profit and cash,
//! the XLSX of all of it, and the API twins. The book is append-only: nothing here edits or
//! deletes an entry.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query as UriQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::{RecordAccess, Role};
use berdaya_domain::activity::{ATTACHMENT_LIMIT, ATTACHMENT_LIMIT_MB};
use berdaya_domain::kotaku::book::{
    Entry, EntryDraft, EntryKind, SaleDraft, Statement, category_label, period, statements,
};
use berdaya_domain::registry::{Group, Id, text};
use berdaya_files::tables::SheetTable;
use berdaya_store::kotaku::book::Span;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{Page, nc, rp, tc, xlsx};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody, Upload};
use crate::html::{Cell, Field, Form, Layout, Link, Section, vocabulary};
use crate::i18n::Lang;
use crate::registry::{created, crumbs};

const ENVELOPE: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/groups/{id}/book", get(book_api))
        .route("/api/v1/groups/{id}/book/entries", post(entry_api))
        .route("/api/v1/groups/{id}/book/sales", post(sale_api))
        .route("/api/v1/groups/{id}/book/statements", get(statements_api))
        .route("/api/v1/book-entries/{id}/reverse", post(reverse_api))
        .route("/groups/{id}/book", get(book_page))
        .route("/groups/{id}/book.xlsx", get(book_xlsx))
        .route("/groups/{id}/book/entries", post(entry_page).layer(DefaultBodyLimit::max(ATTACHMENT_LIMIT + ENVELOPE)))
        .route("/groups/{id}/book/sales", post(sale_page))
        .route("/book-entries/{id}/reverse", get(reverse_get).post(reverse_page))
        .route("/book-entries/{id}", get(entry_redirect))
}

/// The OpenAPI paths and schemas of group books.
#[derive(OpenApi)]
#[openapi(
    paths(book_api, entry_api, sale_api, statements_api, reverse_api),
    components(schemas(BookDto, EntryDto, StatementDto, EntryInput, SaleInput, super::grants::ReverseInput))
)]
pub struct BookApi;

fn today() -> time::Date {
    crate::agriculture::machines::today()
}

// --- Access -----------------------------------------------------------------------------------

/// How the caller may use a group's book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookAccess {
    /// Its group officers; officers and administrators of its area.
    Keep,
    /// Facilitators assigned to the group.
    Read,
    /// Evaluators: counterparts and recorders hidden.
    Deidentified,
}

/// A group's book the caller may read; out of scope reads as missing.
pub async fn book_of(state: &AppState, auth: &Auth, group_id: Id) -> Result<(Group, BookAccess), Error> {
    auth.require(auth.principal().reads_registry())?;
    let g = state.store().group(group_id).await?;
    let access = match (auth.role(), auth.group_access(state.store(), &g).await?) {
        (_, RecordAccess::None) => return Err(hidden("group")),
        (Role::Administrator | Role::ProgramOfficer, RecordAccess::Full) => BookAccess::Keep,
        (Role::GroupOfficer, _) => BookAccess::Keep,
        (Role::Evaluator, _) => BookAccess::Deidentified,
        _ => BookAccess::Read,
    };
    Ok((g, access))
}

async fn keepable(state: &AppState, auth: &Auth, group_id: Id) -> Result<Group, Error> {
    let (g, access) = book_of(state, auth, group_id).await?;
    auth.require(access == BookAccess::Keep)?;
    Ok(g)
}

pub(crate) async fn readable_entry(state: &AppState, auth: &Auth, id: Id) -> Result<(Entry, BookAccess), Error> {
    let e = state.store().entry(id).await?;
    let (_, access) = book_of(state, auth, e.group_id)
        .await
        .map_err(|err| if err.status() == StatusCode::NOT_FOUND { hidden("entry") } else { err })?;
    Ok((e, access))
}

pub(crate) async fn writable_entry(state: &AppState, auth: &Auth, id: Id) -> Result<Entry, Error> {
    let (e, access) = readable_entry(state, auth, id).await?;
    auth.require(access == BookAccess::Keep)?;
    Ok(e)
}

// --- DTOs -------------------------------------------------------------------------------------

/// One line of a group's book.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub id: i64,
    pub entry_on: String,
    /// `income`, `cost`, `profit_use`.
    pub kind: String,
    pub category: String,
    /// Positive; negative on a reversal.
    pub amount_rp: i64,
    /// What the entry adds to the cash on hand.
    pub cash_rp: i64,
    /// The cash on hand after it.
    pub balance_rp: i64,
    pub counterpart: Option<String>,
    pub note: Option<String>,
    pub product: Option<String>,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub price_rp: Option<i64>,
    pub outlet: Option<String>,
    pub reverses_id: Option<i64>,
    pub reversed: bool,
    pub recorded_by: Option<String>,
    pub receipt: Option<String>,
}

fn entry_dto(e: &Entry, balance: i64, access: BookAccess) -> EntryDto {
    let open = access != BookAccess::Deidentified;
    EntryDto {
        id: e.id,
        entry_on: e.entry_on.to_string(),
        kind: e.kind.code().into(),
        category: e.category.clone(),
        amount_rp: e.amount_rp,
        cash_rp: e.cash_rp(),
        balance_rp: balance,
        counterpart: e.counterpart.clone().filter(|_| open),
        note: e.note.clone().filter(|_| open),
        product: e.sale.as_ref().map(|s| s.product.clone()),
        quantity: e.sale.as_ref().map(|s| s.quantity),
        unit: e.sale.as_ref().map(|s| s.unit.clone()),
        price_rp: e.sale.as_ref().map(|s| s.price_rp),
        outlet: e.sale.as_ref().and_then(|s| s.outlet.clone()),
        reverses_id: e.reverses_id,
        reversed: e.reversed,
        recorded_by: Some(e.recorded_by.clone()).filter(|_| open),
        receipt: e.receipt_id.filter(|_| open).map(|a| format!("/api/v1/attachments/{a}")),
    }
}

/// A span of a group's book with the cash on hand before and after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookDto {
    pub group_id: i64,
    pub opening_rp: i64,
    pub closing_rp: i64,
    pub entries: Vec<EntryDto>,
}

/// A statement of a month or a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDto {
    /// `YYYY-MM` or `YYYY`.
    pub period: String,
    pub income_rp: i64,
    pub cost_rp: i64,
    pub profit_rp: i64,
    /// Uses of profit by category.
    pub profit_use: Vec<(String, i64)>,
    pub profit_use_rp: i64,
    pub sales_rp: i64,
    pub opening_rp: i64,
    pub closing_rp: i64,
    pub entries: u64,
}

impl From<&Statement> for StatementDto {
    fn from(s: &Statement) -> Self {
        StatementDto {
            period: s.period.clone(),
            income_rp: s.income_rp,
            cost_rp: s.cost_rp,
            profit_rp: s.profit_rp,
            profit_use: s.profit_use.clone(),
            profit_use_rp: s.profit_use_rp,
            sales_rp: s.sales_rp,
            opening_rp: s.opening_rp,
            closing_rp: s.closing_rp,
            entries: s.entries,
        }
    }
}

/// An income, cost or use-of-profit entry.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct EntryInput {
    /// `YYYY-MM-DD`, not in the future.
    entry_on: String,
    /// `income`, `cost`, `profit_use`.
    kind: String,
    /// A default category (`penjualan`, `bahan_baku`, `pemeliharaan`, …) or the group's own.
    category: String,
    /// Whole rupiah.
    amount: String,
    counterpart: Option<String>,
    note: Option<String>,
}

/// A sale: its amount is quantity × price.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct SaleInput {
    entry_on: String,
    product: String,
    quantity: String,
    unit: String,
    /// Whole rupiah per unit.
    price: String,
    outlet: Option<String>,
    counterpart: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct BookParams {
    /// `YYYY-MM` (a month) or `YYYY` (a year); default every entry.
    pub period: Option<String>,
    /// `month` (default) or `year`, for statements.
    pub span: Option<String>,
}

/// The first and last day of `YYYY-MM` or `YYYY`.
fn bounds(p: &str) -> Option<(time::Date, time::Date)> {
    let year: i32 = p.get(..4)?.parse().ok()?;
    if p.len() == 4 {
        return Some((
            time::Date::from_calendar_date(year, time::Month::January, 1).ok()?,
            time::Date::from_calendar_date(year, time::Month::December, 31).ok()?,
        ));
    }
    let month = time::Month::try_from(p.get(5..7)?.parse::<u8>().ok()?).ok()?;
    let first = time::Date::from_calendar_date(year, month, 1).ok()?;
    let last = time::Date::from_calendar_date(year, month, month.length(year)).ok()?;
    Some((first, last))
}

async fn entries_in(state: &AppState, group: Id, p: Option<&str>) -> Result<(i64, Vec<Entry>), Error> {
    let (from, to) = match p {
        Some(p) => {
            let p = period(p).map_err(|m| Error::bad_request("period", m))?;
            bounds(&p).map(|(a, b)| (Some(a), Some(b))).unwrap_or((None, None))
        }
        None => (None, None),
    };
    Ok(state.store().entries(group, from, to).await?)
}

fn book_dto(group: Id, opening: i64, list: &[Entry], access: BookAccess) -> BookDto {
    let mut balance = opening;
    let entries = list
        .iter()
        .map(|e| {
            balance += e.cash_rp();
            entry_dto(e, balance, access)
        })
        .collect();
    BookDto { group_id: group, opening_rp: opening, closing_rp: balance, entries }
}

// --- Shared steps -----------------------------------------------------------------------------

async fn add_entry(state: &AppState, auth: &Auth, group: Id, d: &EntryDraft) -> Result<Entry, Error> {
    keepable(state, auth, group).await?;
    Ok(state.store().add_entry(group, &d.parse(today())?).await?)
}

async fn add_sale(state: &AppState, auth: &Auth, group: Id, d: &SaleDraft) -> Result<Entry, Error> {
    keepable(state, auth, group).await?;
    Ok(state.store().add_entry(group, &d.parse(today())?).await?)
}

async fn reverse(state: &AppState, auth: &Auth, id: Id, reason: &str, on: time::Date) -> Result<Entry, Error> {
    writable_entry(state, auth, id).await?;
    Ok(state.store().reverse_entry(id, on, reason).await?)
}

// --- API --------------------------------------------------------------------------------------

/// A group's book (a month or a year with `period`), each entry with the cash on hand after
/// it. Evaluators get it without counterparts, notes, recorders and receipts.
#[utoipa::path(get, path = "/api/v1/groups/{id}/book", tag = "community",
    params(("id" = i64, Path, description = "Group id"), BookParams),
    responses((status = 200, body = BookDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn book_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    UriQuery(q): UriQuery<BookParams>,
) -> Result<Json<BookDto>, Error> {
    let (_, access) = book_of(&state, &auth, id).await?;
    let (opening, list) = entries_in(&state, id, q.period.as_deref()).await?;
    Ok(Json(book_dto(id, opening, &list, access)))
}

/// Appends an income, cost or use-of-profit entry (the group's officers, officers of its area).
#[utoipa::path(post, path = "/api/v1/groups/{id}/book/entries", tag = "community", request_body = EntryInput,
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 201, body = EntryDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn entry_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let d: EntryDraft = body.draft(&[])?;
    let e = add_entry(&state, &auth, id, &d).await?;
    Ok(created(entry_dto(&e, 0, BookAccess::Keep)))
}

/// Appends a sale (income, category `penjualan`, amount = quantity × price).
#[utoipa::path(post, path = "/api/v1/groups/{id}/book/sales", tag = "community", request_body = SaleInput,
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 201, body = EntryDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sale_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let d: SaleDraft = body.draft(&["quantity"])?;
    let e = add_sale(&state, &auth, id, &d).await?;
    Ok(created(entry_dto(&e, 0, BookAccess::Keep)))
}

/// Appends the reversing entry of a mistaken one (once; a reversal is not reversed).
#[utoipa::path(post, path = "/api/v1/book-entries/{id}/reverse", tag = "community", request_body = super::grants::ReverseInput,
    params(("id" = i64, Path, description = "Book entry id")),
    responses((status = 201, body = EntryDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reverse_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let r: super::grants::ReverseInput = body.decode()?;
    let on = match r.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => text::date(s).map_err(|m| Error::unprocessable("on", m))?,
        None => today(),
    };
    let e = reverse(&state, &auth, id, &r.reason, on).await?;
    Ok(created(entry_dto(&e, 0, BookAccess::Keep)))
}

/// A group's statements per month (default) or year, oldest first.
#[utoipa::path(get, path = "/api/v1/groups/{id}/book/statements", tag = "community",
    params(("id" = i64, Path, description = "Group id"), BookParams),
    responses((status = 200, body = [StatementDto]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn statements_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    UriQuery(q): UriQuery<BookParams>,
) -> Result<Json<Vec<StatementDto>>, Error> {
    book_of(&state, &auth, id).await?;
    let span = span_of(q.span.as_deref())?;
    let list = statements(0, &state.store().book_sums(id, span).await?);
    Ok(Json(list.iter().map(StatementDto::from).collect()))
}

fn span_of(raw: Option<&str>) -> Result<Span, Error> {
    match raw.map(str::trim) {
        None | Some("") | Some("month") => Ok(Span::Month),
        Some("year") => Ok(Span::Year),
        Some(_) => Err(Error::bad_request("span", "must be month or year")),
    }
}

// --- Pages ------------------------------------------------------------------------------------

fn kind_text(lang: Lang, e: &Entry) -> String {
    let mut s = format!("{} · {}", e.kind.label(lang.code()), category_label(e.kind, &e.category, lang.code()));
    if let Some(sale) = &e.sale {
        s = format!("{s}: {} {} {} × {}", sale.product, sale.quantity, sale.unit, rp(sale.price_rp));
    }
    s
}

fn categories(lang: Lang) -> Vec<(String, String)> {
    EntryKind::ALL
        .iter()
        .flat_map(|k| {
            k.categories().iter().map(move |(c, id, en)| {
                (c.to_string(), format!("{} — {}", k.label(lang.code()), if lang.code() == "en" { en } else { id }))
            })
        })
        .fold(Vec::new(), |mut acc: Vec<(String, String)>, (c, l)| {
            if !acc.iter().any(|(x, _)| *x == c) {
                acc.push((c, l));
            }
            acc
        })
}

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    pub month: Option<String>,
}

async fn book_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    month: Option<&str>,
    form: Option<(&str, &FormData)>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let (g, access) = book_of(state, auth, id).await?;
    let sums = state.store().book_sums(id, Span::Month).await?;
    let monthly = statements(0, &sums);
    let years = statements(0, &state.store().book_sums(id, Span::Year).await?);
    let this_month = berdaya_domain::kotaku::book::month_of(today());
    let month = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => period(m)
            .ok()
            .filter(|p| p.len() == 7)
            .ok_or_else(|| Error::bad_request("month", "must be a month YYYY-MM or a year YYYY"))?,
        // The latest month with entries, so an opened book shows its last month's work.
        None => monthly.last().map_or_else(|| this_month.clone(), |s| s.period.clone()),
    };
    let (opening, list) = entries_in(state, id, Some(&month)).await?;
    let filled = |which: &str, k: &str| match form {
        Some((w, f)) if w == which => f.get(k),
        _ => String::new(),
    };
    let mut c = crumbs(lang, "nav.groups", "/groups");
    c.push(Link::new(g.name.clone(), format!("/groups/{id}")));
    let title = format!("{} — {}", t.t("book.title"), g.name);
    let mut pg = Page {
        l: Layout::new(lang, title.clone(), "groups"),
        heading: title,
        breadcrumbs: c,
        actions: vec![Link::new(t.t("common.download_xlsx"), format!("/groups/{id}/book.xlsx"))],
        warnings: Vec::new(),
        facts: vec![(t.t("field.kind").into(), Cell::text(g.kind.label(lang.code())))],
        cards: Vec::new(),
        charts: Vec::new(),
        sections: Vec::new(),
    };
    let cash = monthly.last().map_or(0, |s| s.closing_rp);
    let current = monthly.iter().find(|s| s.period == month);
    pg.cards = vec![
        (t.t("book.cash").into(), rp(cash)),
        (format!("{} {month}", t.t("book.income")), rp(current.map_or(0, |s| s.income_rp))),
        (format!("{} {month}", t.t("book.profit")), rp(current.map_or(0, |s| s.profit_rp))),
        (t.t("book.avg_profit").into(), rp(avg_profit(&monthly))),
    ];
    let recent: Vec<&Statement> = monthly.iter().rev().take(12).rev().collect();
    if !recent.is_empty() {
        pg.charts.push(crate::chart::stacked(
            t.t("book.chart"),
            &[t.t("book.cost"), t.t("book.profit")],
            &recent
                .iter()
                .map(|s| (s.period.clone(), vec![Some(s.cost_rp.max(0) as u64), Some(s.profit_rp.max(0) as u64)]))
                .collect::<Vec<_>>(),
        ));
    }
    // The month's entries with the running balance.
    let keep = access == BookAccess::Keep;
    let open = access != BookAccess::Deidentified;
    let mut balance = opening;
    let mut rows = vec![vec![
        Cell::text(""),
        Cell::text(t.t("book.opening")),
        Cell::text(""),
        Cell::text(""),
        Cell::text(rp(opening)),
        Cell::text(""),
        Cell::text(""),
    ]];
    for e in &list {
        balance += e.cash_rp();
        let mut what = kind_text(lang, e);
        if e.reversed {
            what = format!("{what} ({})", t.t("book.reversed"));
        }
        if e.reverses_id.is_some() {
            what = format!("{} — {what}", t.t("book.correction"));
        }
        rows.push(vec![
            Cell::text(e.entry_on.to_string()),
            Cell::text(what),
            Cell::text(if open { e.counterpart.clone().unwrap_or_default() } else { "—".into() }),
            Cell::text(format!("{}{}", if e.cash_rp() < 0 { "−" } else { "+" }, rp(e.cash_rp().abs()))),
            Cell::text(rp(balance)),
            match e.receipt_id.filter(|_| open) {
                Some(a) => Cell::link(t.t("grant.receipt"), format!("/attachments/{a}")),
                None => Cell::text("—"),
            },
            if keep && e.reverses_id.is_none() && !e.reversed {
                Cell::link(t.t("book.reverse"), format!("/book-entries/{}/reverse", e.id))
            } else {
                Cell::text("")
            },
        ]);
    }
    let mut entries = Section::table(
        t,
        "entries",
        format!("{} {month}", t.t("book.entries")),
        &[
            "field.entry_on",
            "book.what",
            "field.counterpart",
            "field.amount",
            "book.balance",
            "grant.receipt",
            "common.actions",
        ],
        rows,
        t.t("book.none"),
    );
    let months: Vec<String> = monthly.iter().map(|s| s.period.clone()).rev().take(24).collect();
    entries.links = months
        .iter()
        .filter(|m| **m != month)
        .take(6)
        .map(|m| Link::new(m.clone(), format!("/groups/{id}/book?month={m}#entries")))
        .collect();
    if keep {
        let default_day = |v: String| if v.is_empty() { today().to_string() } else { v };
        entries.form = Some(Form::new(
            "entry",
            format!("/groups/{id}/book/entries"),
            t.t("book.add_entry"),
            vec![
                Field::date("entry_on", t.t("field.entry_on"), default_day(filled("entry", "entry_on"))).required(),
                Field::select(
                    "kind",
                    t.t("field.kind"),
                    &filled("entry", "kind"),
                    vocabulary(EntryKind::ALL, EntryKind::code, EntryKind::label, lang),
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::select(
                    "category",
                    t.t("field.category"),
                    &filled("entry", "category"),
                    categories(lang),
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::text("amount", t.t("field.amount"), filled("entry", "amount")).required(),
                Field::text("counterpart", t.t("field.counterpart"), filled("entry", "counterpart")),
                Field::text("note", t.t("field.note"), filled("entry", "note")),
                Field::file("file", t.t("grant.receipt_photo"), "image/*,application/pdf"),
            ],
        ));
    }
    pg.sections.push(entries);
    if keep {
        let default_day = |v: String| if v.is_empty() { today().to_string() } else { v };
        let unit = match filled("sale", "unit") {
            u if u.is_empty() => "bungkus".to_string(),
            u => u,
        };
        pg.sections.push(Section {
            id: "sales".into(),
            title: t.t("book.sale").into(),
            form: Some(Form::new(
                "sale",
                format!("/groups/{id}/book/sales"),
                t.t("book.add_sale"),
                vec![
                    Field::date("entry_on", t.t("field.entry_on"), default_day(filled("sale", "entry_on"))).required(),
                    Field::text("product", t.t("field.product"), filled("sale", "product")).required(),
                    Field::text("quantity", t.t("field.quantity"), filled("sale", "quantity")).required(),
                    Field::text("unit", t.t("field.unit"), unit).required(),
                    Field::text("price", t.t("field.price"), filled("sale", "price")).required(),
                    Field::text("outlet", t.t("field.outlet"), filled("sale", "outlet")),
                ],
            )),
            ..Default::default()
        });
    }
    pg.sections.push(statement_section(lang, "statements", t.t("book.monthly"), monthly.iter().rev().collect()));
    pg.sections.push(statement_section(lang, "years", t.t("book.yearly"), years.iter().rev().collect()));
    Ok(pg)
}

/// The average monthly profit over the months with entries.
fn avg_profit(monthly: &[Statement]) -> i64 {
    if monthly.is_empty() { 0 } else { monthly.iter().map(|s| s.profit_rp).sum::<i64>() / monthly.len() as i64 }
}

fn uses_text(lang: Lang, s: &Statement) -> String {
    s.profit_use
        .iter()
        .map(|(c, v)| format!("{} {}", category_label(EntryKind::ProfitUse, c, lang.code()), rp(*v)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn statement_section(lang: Lang, id: &str, title: &str, list: Vec<&Statement>) -> Section {
    let t = lang.tr();
    let rows = list
        .iter()
        .map(|s| {
            vec![
                Cell::text(s.period.clone()),
                Cell::text(rp(s.income_rp)),
                Cell::text(rp(s.cost_rp)),
                Cell::text(rp(s.profit_rp)),
                Cell::text(uses_text(lang, s)),
                Cell::text(rp(s.closing_rp)),
            ]
        })
        .collect();
    Section::table(
        t,
        id,
        title,
        &["book.period", "book.income", "book.cost", "book.profit", "book.uses", "book.cash"],
        rows,
        t.t("book.none"),
    )
}

async fn book_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(q): UriQuery<PageParams>,
) -> Result<Response, Error> {
    let pg = book_view(&state, &auth, lang, id, q.month.as_deref(), None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn answer(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    which: &str,
    form: &FormData,
    result: Result<Option<time::Date>, Error>,
) -> Result<Response, Error> {
    let to = result.map(|day| {
        let month = day.map(berdaya_domain::kotaku::book::month_of).unwrap_or_default();
        format!("/groups/{id}/book?month={month}#entries")
    });
    let section = if which == "sale" { "sales" } else { "entries" };
    super::answer(lang, to, section, || book_view(state, auth, lang, id, None, Some((which, form)))).await
}

async fn entry_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    keepable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let upload = match Upload::read(multipart, ATTACHMENT_LIMIT_MB).await {
        Ok(u) => u,
        Err(e) => return answer(&state, &auth, lang, id, "entry", &FormData::default(), Err(e)).await,
    };
    let form = upload.form.clone();
    let result = async {
        let file = super::attachment_of(&upload, "book_entry")?;
        let d = EntryDraft {
            entry_on: form.get("entry_on"),
            kind: form.get("kind"),
            category: form.get("category"),
            amount: form.get("amount"),
            counterpart: form.opt("counterpart"),
            note: form.opt("note"),
        };
        let e = add_entry(&state, &auth, id, &d).await?;
        if let Some(mut f) = file {
            f.entity_id = e.id;
            state.store().add_attachment(&f).await?;
        }
        Ok(Some(e.entry_on))
    }
    .await;
    answer(&state, &auth, lang, id, "entry", &form, result).await
}

async fn sale_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let d = SaleDraft {
        entry_on: form.get("entry_on"),
        product: form.get("product"),
        quantity: form.get("quantity"),
        unit: form.get("unit"),
        price: form.get("price"),
        outlet: form.opt("outlet"),
        counterpart: form.opt("counterpart"),
    };
    let result = add_sale(&state, &auth, id, &d).await.map(|e| Some(e.entry_on));
    answer(&state, &auth, lang, id, "sale", &form, result).await
}

fn entry_text(lang: Lang, e: &Entry) -> String {
    format!("{} {} ({})", kind_text(lang, e), rp(e.amount_rp), e.entry_on)
}

async fn reverse_get(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let e = writable_entry(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let back = Link::new(lang.tr().t("book.title"), format!("/groups/{}/book", e.group_id));
    let pg = super::reversal_page(lang, &entry_text(lang, &e), back, format!("/book-entries/{id}/reverse"), None);
    Ok(crate::html::render(&pg))
}

async fn reverse_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let e = writable_entry(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let result = async {
        let (reason, on) = super::reversal_of(&form)?;
        reverse(&state, &auth, id, &reason, on).await
    }
    .await;
    match result {
        Ok(r) => {
            let month = berdaya_domain::kotaku::book::month_of(r.entry_on);
            Ok(Redirect::to(&format!("/groups/{}/book?month={month}#entries", e.group_id)).into_response())
        }
        Err(err) if err.status().is_server_error() || err.status() == StatusCode::FORBIDDEN => Err(err.page(lang)),
        Err(err) => {
            let back = Link::new(lang.tr().t("book.title"), format!("/groups/{}/book", e.group_id));
            let mut pg = super::reversal_page(
                lang,
                &entry_text(lang, &e),
                back,
                format!("/book-entries/{id}/reverse"),
                Some(&form),
            );
            let status = pg.form.show_error(lang.tr(), &err);
            Ok(crate::html::render_with(status, &pg))
        }
    }
}

async fn entry_redirect(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (e, _) = readable_entry(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let month = berdaya_domain::kotaku::book::month_of(e.entry_on);
    Ok(Redirect::to(&format!("/groups/{}/book?month={month}#entries", e.group_id)).into_response())
}

async fn book_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let go = async {
        let t = lang.tr();
        let (g, access) = book_of(&state, &auth, id).await?;
        let (_, list) = state.store().entries(id, None, None).await?;
        let book = book_dto(id, 0, &list, access);
        let entries = SheetTable {
            name: t.t("book.entries").into(),
            headers: [
                "field.entry_on",
                "field.kind",
                "field.category",
                "field.product",
                "field.quantity",
                "field.price",
                "field.outlet",
                "field.counterpart",
                "field.amount",
                "book.balance",
            ]
            .iter()
            .map(|k| t.t(k).to_string())
            .collect(),
            rows: book
                .entries
                .iter()
                .map(|e| {
                    vec![
                        tc(e.entry_on.clone()),
                        tc(e.kind.clone()),
                        tc(e.category.clone()),
                        tc(e.product.clone().unwrap_or_default()),
                        e.quantity.map(nc).unwrap_or_else(|| tc("")),
                        e.price_rp.map(nc).unwrap_or_else(|| tc("")),
                        tc(e.outlet.clone().unwrap_or_default()),
                        tc(e.counterpart.clone().unwrap_or_default()),
                        nc(e.cash_rp),
                        nc(e.balance_rp),
                    ]
                })
                .collect(),
        };
        let sheet = |name: &str, list: &[Statement]| SheetTable {
            name: name.into(),
            headers: [
                "book.period",
                "book.income",
                "book.sales",
                "book.cost",
                "book.profit",
                "book.uses",
                "book.uses_total",
                "book.cash",
            ]
            .iter()
            .map(|k| t.t(k).to_string())
            .collect(),
            rows: list
                .iter()
                .map(|s| {
                    vec![
                        tc(s.period.clone()),
                        nc(s.income_rp),
                        nc(s.sales_rp),
                        nc(s.cost_rp),
                        nc(s.profit_rp),
                        tc(uses_text(lang, s)),
                        nc(s.profit_use_rp),
                        nc(s.closing_rp),
                    ]
                })
                .collect(),
        };
        let monthly = statements(0, &state.store().book_sums(id, Span::Month).await?);
        let yearly = statements(0, &state.store().book_sums(id, Span::Year).await?);
        let name = format!("buku-kas-{}.xlsx", g.id);
        xlsx(&name, &[entries, sheet(t.t("book.monthly"), &monthly), sheet(t.t("book.yearly"), &yearly)])
    };
    go.await.map_err(|e| e.page(lang))
}
