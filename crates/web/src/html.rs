//! The building blocks of the server-rendered pages: the layout, tables, pagers and forms,
//! and the few generic page templates every capability fills in. Handlers build these view
//! models with translated strings; the templates only lay them out (askama escapes every
//! value).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use berdaya_domain::registry::FieldError;

use crate::error::Error;
use crate::i18n::{Lang, Translations};

/// What every page shares: the language, its strings, the title and the active menu entry.
pub struct Layout {
    pub lang: Lang,
    pub t: &'static Translations,
    pub title: String,
    /// The menu entry to highlight (`households`, …).
    pub section: &'static str,
    /// The link that switches language (relative: keeps the current path).
    pub switch_href: String,
    /// Who is signed in (`Siti (Pendamping)`), if anyone.
    pub user: Option<String>,
    /// The CSRF token forms on this page carry.
    pub csrf: String,
    /// The menu entries the signed-in role may use: (section, label, href).
    pub menu: Vec<(&'static str, &'static str, &'static str)>,
    /// The printed page's header: the reader's agency (or Berdaya) and the date printed.
    pub agency: String,
    pub printed: String,
}

impl Layout {
    pub fn new(lang: Lang, title: impl Into<String>, section: &'static str) -> Layout {
        Layout {
            lang,
            t: lang.tr(),
            title: title.into(),
            section,
            switch_href: format!("?lang={}", lang.other().code()),
            user: None,
            csrf: crate::access::csrf_token(),
            menu: Vec::new(),
            agency: crate::access::current_agency().unwrap_or_else(|| "Berdaya".into()),
            printed: lang.tr().t("print.printed").replace("{date}", &crate::print::today()),
        }
        .for_principal(crate::access::current_principal())
    }

    /// Fills the user menu for whoever is signed in: each role sees only the entries it may use.
    fn for_principal(mut self, principal: Option<berdaya_domain::access::Principal>) -> Layout {
        let t = self.t;
        let Some(p) = principal else { return self };
        self.user = Some(format!("{} ({})", p.user.display_name, p.role().label(self.lang.code())));
        // The dashboards hold only counts (suppressed for the viewer): every role opens them.
        let mut menu = vec![("dashboard", t.t("nav.dashboard_programs"), "/dashboard/programs")];
        menu.push(("regions", t.t("nav.regions"), "/regions"));
        if p.reads_registry() && p.role() != berdaya_domain::access::Role::Evaluator {
            if p.opens_households() {
                menu.push(("households", t.t("nav.households"), "/households"));
            }
            menu.push(("people", t.t("nav.people"), "/people"));
            menu.push(("groups", t.t("nav.groups"), "/groups"));
        }
        if p.reads_programs() {
            menu.push(("agencies", t.t("nav.agencies"), "/agencies"));
            menu.push(("programs", t.t("nav.programs"), "/programs"));
            menu.push(("frameworks", t.t("nav.frameworks"), "/frameworks"));
        }
        if p.role() == berdaya_domain::access::Role::Facilitator {
            menu.push(("pkh-tasks", t.t("nav.pkh_tasks"), "/pkh/tasks"));
        }
        if p.reads_surveys() {
            menu.push(("survey", t.t("nav.survey"), "/survey"));
            menu.push(("qual", t.t("nav.qual"), "/qual"));
        }
        if p.exports_registry() || p.exports_deidentified() {
            menu.push(("export", t.t("nav.export"), "/export"));
        }
        if p.administers() {
            menu.push(("users", t.t("nav.users"), "/users"));
            menu.push(("audit", t.t("nav.audit"), "/audit"));
        }
        self.menu = menu;
        self
    }

    /// `class="active"` for the current menu entry.
    pub fn active(&self, section: &str) -> &'static str {
        if self.section == section { "active" } else { "" }
    }
}

/// A link.
#[derive(Debug, Clone)]
pub struct Link {
    pub text: String,
    pub href: String,
}

impl Link {
    pub fn new(text: impl Into<String>, href: impl Into<String>) -> Link {
        Link { text: text.into(), href: href.into() }
    }
}

/// One table cell: text, optionally a link.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    /// A button that POSTs (with the page's CSRF token) to this address: the cell's action.
    pub post: Option<String>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), href: None, post: None }
    }

    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell { text: text.into(), href: Some(href.into()), post: None }
    }

    /// A button labelled `text` that posts to `action`.
    pub fn button(text: impl Into<String>, action: impl Into<String>) -> Cell {
        Cell { text: text.into(), href: None, post: Some(action.into()) }
    }
}

/// A table with a message for when it has no rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    /// Per header, the address that sorts the listing by that column (empty: not sortable).
    pub sorts: Vec<Option<String>>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: String,
}

impl Table {
    /// The sort address of header `i`, if it has one.
    pub fn sort_href(&self, i: &usize) -> Option<&str> {
        self.sorts.get(*i).and_then(|s| s.as_deref())
    }
}

/// Previous/next links and a summary of a paginated listing.
#[derive(Debug, Clone)]
pub struct Pager {
    pub summary: String,
    pub prev: Option<Link>,
    pub next: Option<Link>,
}

impl Pager {
    /// Builds the pager of `page`; `href(n)` is the address of page `n`.
    pub fn new<T>(t: &Translations, page: &berdaya_store::Page<T>, href: impl Fn(u32) -> String) -> Pager {
        let total = if page.total_capped { format!("{}+", page.total) } else { page.total.to_string() };
        let summary = t
            .t("pager.summary")
            .replace("{page}", &page.page.to_string())
            .replace("{pages}", &page.pages().to_string())
            .replace("{total}", &total);
        Pager {
            summary,
            prev: (page.page > 1).then(|| Link::new(t.t("pager.prev"), href(page.page - 1))),
            next: (page.page < page.pages()).then(|| Link::new(t.t("pager.next"), href(page.page + 1))),
        }
    }
}

/// A choice in a select box.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One form field with the user's value and, after a failed submit, its error.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub label: String,
    /// `text`, `date`, `number`, `textarea`, `select` or `checkbox`.
    pub kind: &'static str,
    pub value: String,
    pub choices: Vec<Choice>,
    pub required: bool,
    pub readonly: bool,
    pub hint: Option<String>,
    pub error: Option<String>,
    /// Set on a reference field (`kind` is `picker`).
    pub picker: Option<Picker>,
}

/// What a picker searches and the name it shows for the current value.
///
/// `form.html` renders it as a text input holding the value (what a browser without
/// JavaScript submits) inside a `div.picker`; `assets/picker.js` turns that input into a
/// hidden one and puts a search box (an ARIA combobox over `/api/v1/pick/{kind}`) before it.
#[derive(Debug, Clone)]
pub struct Picker {
    /// The record kind searched: `region`, `household`, `person`, `group`, `agency`, `program`.
    pub kind: &'static str,
    /// The current value's name, shown in the search box.
    pub shown: String,
    /// With `multiple`: the chosen values and their names.
    pub chosen: Vec<(String, String)>,
    pub multiple: bool,
    /// The name of a select of the same form whose value is the kind searched (an
    /// enrollment's subject kind); `kind` is then only the starting kind.
    pub kind_from: Option<&'static str>,
}

impl Field {
    pub fn new(kind: &'static str, name: &str, label: &str, value: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            kind,
            value: value.into(),
            choices: Vec::new(),
            required: false,
            readonly: false,
            hint: None,
            error: None,
            picker: None,
        }
    }

    pub fn text(name: &str, label: &str, value: impl Into<String>) -> Field {
        Field::new("text", name, label, value)
    }

    pub fn date(name: &str, label: &str, value: impl Into<String>) -> Field {
        Field::new("date", name, label, value)
    }

    pub fn textarea(name: &str, label: &str, value: impl Into<String>) -> Field {
        Field::new("textarea", name, label, value)
    }

    /// A file to upload; `accept` lists the types the chooser offers (`.csv,.xlsx`). A form
    /// with a file field is sent as `multipart/form-data` and read with
    /// [`crate::extract::Upload`].
    pub fn file(name: &str, label: &str, accept: &str) -> Field {
        Field::new("file", name, label, accept)
    }

    pub fn checkbox(name: &str, label: &str, checked: bool) -> Field {
        Field::new("checkbox", name, label, if checked { "true" } else { "" })
    }

    /// A select box; `blank` adds an empty first choice with that label.
    pub fn select(name: &str, label: &str, value: &str, choices: Vec<(String, String)>, blank: Option<&str>) -> Field {
        let mut all = Vec::new();
        if let Some(b) = blank {
            all.push(Choice { value: String::new(), label: b.into(), selected: value.is_empty() });
        }
        all.extend(choices.into_iter().map(|(v, l)| Choice { selected: v == value, value: v, label: l }));
        Field { choices: all, ..Field::new("select", name, label, value) }
    }

    /// A reference to another record, chosen by name with a search-as-you-type picker over
    /// `/api/v1/pick/{kind}` (`region`, `household`, `person`, `group`, `agency`,
    /// `program`). `value` is the submitted id or code; `shown` is the record's name.
    pub fn picker(
        name: &str,
        label: &str,
        kind: &'static str,
        value: impl Into<String>,
        shown: impl Into<String>,
    ) -> Field {
        let mut f = Field::new("picker", name, label, value);
        f.picker = Some(Picker { kind, shown: shown.into(), chosen: Vec::new(), multiple: false, kind_from: None });
        f
    }

    /// A reference to several records of one kind (a program's target regions): `chosen`
    /// holds each chosen value with its name; the form submits one field whose value is the
    /// chosen values joined with ", " (what a comma-separated text field would hold).
    pub fn picker_many(name: &str, label: &str, kind: &'static str, chosen: Vec<(String, String)>) -> Field {
        let value = chosen.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>().join(", ");
        let mut f = Field::new("picker", name, label, value);
        f.picker = Some(Picker { kind, shown: String::new(), chosen, multiple: true, kind_from: None });
        f
    }

    /// A picker whose kind follows the select `select` of the same form.
    pub fn kind_from(mut self, select: &'static str) -> Field {
        if let Some(p) = self.picker.as_mut() {
            p.kind_from = Some(select);
        }
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn readonly(mut self) -> Field {
        self.readonly = true;
        self
    }

    pub fn hint(mut self, hint: &str) -> Field {
        self.hint = Some(hint.into());
        self
    }
}

/// Choices of a closed vocabulary, labelled in the language.
pub fn vocabulary<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, &str) -> &'static str,
    lang: Lang,
) -> Vec<(String, String)> {
    all.iter().map(|&v| (code(v).to_string(), label(v, lang.code()).to_string())).collect()
}

/// A form posting to `action`.
#[derive(Debug, Clone)]
pub struct Form {
    /// Prefix of the field ids, unique on the page.
    pub id: String,
    pub action: String,
    pub fields: Vec<Field>,
    pub hidden: Vec<(String, String)>,
    pub submit: String,
    /// A message about the whole form (a conflict, a rule no field owns).
    pub message: Option<String>,
}

impl Form {
    pub fn new(id: &str, action: impl Into<String>, submit: &str, fields: Vec<Field>) -> Form {
        Form { id: id.into(), action: action.into(), fields, hidden: Vec::new(), submit: submit.into(), message: None }
    }

    /// Whether the form carries a file (sent as `multipart/form-data`).
    pub fn multipart(&self) -> bool {
        self.fields.iter().any(|f| f.kind == "file")
    }

    pub fn hidden(mut self, name: &str, value: impl Into<String>) -> Form {
        self.hidden.push((name.into(), value.into()));
        self
    }

    /// Puts each of the error's field messages next to its field, the rest at the top, all
    /// in the page's language; a field the form lacks is named by its label.
    /// Answers the status to send with the re-rendered form.
    pub fn show_error(&mut self, t: &Translations, err: &Error) -> StatusCode {
        let lang = t.lang();
        let mut loose = Vec::new();
        for FieldError { field, message } in err.fields() {
            let message = crate::messages::translate(lang, message);
            match self.fields.iter_mut().find(|f| &f.name == field) {
                Some(f) => {
                    f.error = Some(match f.error.take() {
                        Some(prev) => format!("{prev}; {message}"),
                        None => message,
                    })
                }
                None => loose.push(format!("{}: {message}", crate::messages::label(lang, field))),
            }
        }
        let status = err.status();
        let head = match status {
            // The store's own words name versions; the page says it plainly.
            StatusCode::CONFLICT if err.fields().is_empty() => t.t("form.conflict").to_string(),
            _ if err.fields().is_empty() => err.text(lang),
            _ => t.t("form.has_errors").to_string(),
        };
        let mut message = head;
        if !loose.is_empty() {
            message = format!("{message} {}", loose.join("; "));
        }
        self.message = Some(message);
        status
    }
}

/// A block of a view page: a table (maybe paginated), links and/or a form.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub table: Option<Table>,
    pub pager: Option<Pager>,
    pub links: Vec<Link>,
    pub form: Option<Form>,
}

impl Section {
    /// A section holding one table; `headers` are translation keys.
    pub fn table(
        t: &Translations,
        id: &str,
        title: impl Into<String>,
        headers: &[&str],
        rows: Vec<Vec<Cell>>,
        empty: impl Into<String>,
    ) -> Section {
        Section {
            id: id.into(),
            title: title.into(),
            table: Some(Table {
                sorts: Vec::new(),
                headers: headers.iter().map(|k| t.t(k).to_string()).collect(),
                rows,
                empty: empty.into(),
            }),
            ..Default::default()
        }
    }
}

/// A search box above a listing; with htmx it refreshes the results as one types.
#[derive(Debug, Clone)]
pub struct Search {
    pub action: String,
    pub q: String,
    pub placeholder: String,
    /// A region-code filter, when the listing has one.
    pub region: Option<String>,
    /// Select boxes that narrow the listing (`kind`, `status`, …).
    pub filters: Vec<FilterBox>,
    /// The current order (`name`, `desc`), kept when the search changes.
    pub sort: Option<(String, String)>,
}

/// A filter's select box above a listing.
#[derive(Debug, Clone)]
pub struct FilterBox {
    pub key: String,
    pub label: String,
    pub choices: Vec<Choice>,
}

impl FilterBox {
    /// A box for `key` whose first choice is "all"; `current` is the value in the address.
    pub fn new(
        t: &Translations,
        key: &str,
        label: &str,
        choices: Vec<(String, String)>,
        current: Option<&String>,
    ) -> FilterBox {
        let current = current.map(String::as_str).unwrap_or("");
        let mut all =
            vec![Choice { value: String::new(), label: t.t("search.all").into(), selected: current.is_empty() }];
        all.extend(choices.into_iter().map(|(v, l)| Choice { selected: v == current, value: v, label: l }));
        FilterBox { key: key.into(), label: label.into(), choices: all }
    }
}

/// A listing: search box, actions, table, pager.
#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub l: Layout,
    pub heading: String,
    pub breadcrumbs: Vec<Link>,
    pub intro: Option<String>,
    pub search: Option<Search>,
    pub actions: Vec<Link>,
    pub table: Table,
    pub pager: Option<Pager>,
}

/// One record: facts, warnings and sections (members, enrollments, forms).
#[derive(Template)]
#[template(path = "view.html")]
pub struct ViewPage {
    pub l: Layout,
    pub heading: String,
    pub breadcrumbs: Vec<Link>,
    pub actions: Vec<Link>,
    pub warnings: Vec<String>,
    pub facts: Vec<(String, Cell)>,
    pub sections: Vec<Section>,
}

/// A create or edit form.
#[derive(Template)]
#[template(path = "form_page.html")]
pub struct FormPage {
    pub l: Layout,
    pub heading: String,
    pub breadcrumbs: Vec<Link>,
    pub form: Form,
}

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    /// The HTTP status, also in the page (`<meta name="status">`) for scripts and tests that
    /// see only the document.
    pub status: u16,
    pub heading: String,
    pub message: String,
    pub fields: Vec<FieldError>,
}

/// Renders a page, or a plain 500 should the template fail.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error: a page failed to render").into_response()
        }
    }
}

/// Renders a page with a status other than 200.
pub fn render_with<T: Template>(status: StatusCode, page: &T) -> Response {
    let mut res = render(page);
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    res
}

/// The HTML page for an [`Error`]: `message` is already in `lang`; each field is shown by
/// its label with its rule translated.
pub fn error_page(lang: Lang, status: StatusCode, message: &str, fields: &[FieldError]) -> Response {
    let t = lang.tr();
    let heading = match status {
        StatusCode::UNAUTHORIZED => t.t("error.unauthorized"),
        StatusCode::NOT_FOUND => t.t("error.not_found"),
        StatusCode::FORBIDDEN => t.t("error.forbidden"),
        StatusCode::UNPROCESSABLE_ENTITY => t.t("error.unprocessable"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => t.t("error.unsupported_media"),
        StatusCode::TOO_MANY_REQUESTS => t.t("error.too_many"),
        StatusCode::CONFLICT => t.t("error.conflict"),
        StatusCode::PAYLOAD_TOO_LARGE => t.t("error.too_large"),
        StatusCode::SERVICE_UNAVAILABLE => t.t("error.unavailable"),
        s if s.is_server_error() => t.t("error.internal"),
        _ => t.t("error.bad_request"),
    };
    render_with(
        status,
        &ErrorPage {
            l: Layout::new(lang, heading, ""),
            status: status.as_u16(),
            heading: heading.to_string(),
            // A refusal is the same for every page: say it in the page's language.
            message: if status == StatusCode::FORBIDDEN { t.t("error.forbidden_note") } else { message }.to_string(),
            fields: fields
                .iter()
                .map(|f| {
                    FieldError::new(
                        crate::messages::label(lang, &f.field),
                        crate::messages::translate(lang, &f.message),
                    )
                })
                .collect(),
        },
    )
}

/// Percent-encodes a query-string value.
pub fn enc(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `Ya`/`Yes` or `Tidak`/`No`.
pub fn yes_no(t: &Translations, v: bool) -> String {
    t.t(if v { "common.yes" } else { "common.no" }).to_string()
}

/// A date as `YYYY-MM-DD`, or a dash.
pub fn date_or_dash(d: Option<time::Date>) -> String {
    d.map(berdaya_domain::registry::text::format_date).unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_query_values() {
        assert_eq!(enc("Siti Aminah&x=1"), "Siti%20Aminah%26x%3D1");
        assert_eq!(enc("33.16"), "33.16");
    }
}
