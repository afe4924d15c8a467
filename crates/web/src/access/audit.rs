//! The audit log for administrators: a filtered, paginated page at `/audit` and the same as
//! JSON at `/api/v1/audit`. Read-only: there is no route that changes the log.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::access::AuditEntry;
use berdaya_store::access::AuditFilter;
use berdaya_store::{Page, PageRequest};
use serde_json::Value;

use super::guard::Auth;
use crate::AppState;
use crate::error::Error;
use crate::html::{Cell, Layout, Link, Pager, Table, enc, render};
use crate::i18n::{Lang, Translations};
use crate::registry::PageDto;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page)).route("/api/v1/audit", get(audit_api))
}

const FILTERS: [&str; 6] = ["actor", "action", "entity", "entity_id", "from", "until"];

/// Reads the filters and the page from the query string; unknown parameters are a 400.
fn parse(query: Option<&str>) -> Result<(AuditFilter, PageRequest), Error> {
    let mut f = AuditFilter::default();
    let (mut page, mut per_page) = (1u32, 50u32);
    for kv in query.unwrap_or("").split('&').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let v = decode(v);
        let v = v.trim();
        if v.chars().count() > 100 {
            return Err(Error::bad_request(k, "is longer than 100 characters"));
        }
        let set = (!v.is_empty()).then(|| v.to_string());
        match k {
            "actor" => f.actor = set,
            "action" => f.action = set,
            "entity" => f.entity = set,
            "entity_id" => f.entity_id = set,
            "from" => f.from = set,
            "until" => f.until = set,
            "page" => {
                page = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| Error::bad_request("page", "must be a whole number from 1"))?
            }
            "per_page" => {
                per_page = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=PageRequest::MAX_PER_PAGE).contains(n))
                    .ok_or_else(|| Error::bad_request("per_page", "must be a whole number from 1 to 200"))?
            }
            "lang" => {}
            other => {
                return Err(Error::bad_request(
                    other,
                    "is not a known filter (actor, action, entity, entity_id, from, until, page, per_page)",
                ));
            }
        }
    }
    Ok((f, PageRequest::new(page, per_page)))
}

fn decode(v: &str) -> String {
    let v = v.replace('+', " ");
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&v[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The audit log, newest first (administrators only): who, when, what, before and after.
#[utoipa::path(get, path = "/api/v1/audit", tag = "access",
    params(
        ("actor" = Option<String>, Query, description = "Username (or `cli:…`, `demo`) that acted"),
        ("action" = Option<String>, Query, description = "`create`, `update`, `delete`, `login`, `login_failed`, `reveal`, `export`, `import`, …"),
        ("entity" = Option<String>, Query, description = "Table: `households`, `people`, `users`, …"),
        ("entity_id" = Option<String>, Query, description = "Record id"),
        ("from" = Option<String>, Query, description = "From this date (`YYYY-MM-DD`)"),
        ("until" = Option<String>, Query, description = "Up to this date (`YYYY-MM-DD`)"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query),
    ),
    responses((status = 200, description = "A page of entries: `{items, page, per_page, total}`"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn audit_api(
    State(state): State<AppState>,
    auth: Auth,
    RawQuery(q): RawQuery,
) -> Result<Json<PageDto<AuditEntry>>, Error> {
    let entries = read(&state, &auth, q.as_deref()).await?.1;
    Ok(Json(PageDto::from_page(entries, |e| e)))
}

/// The page of entries the query asks for, as the reader may see them: only entries about
/// records inside the reader's area (an administrator bound to a region sees nothing of
/// another), with every NIK and KK in them masked.
async fn read(state: &AppState, auth: &Auth, query: Option<&str>) -> Result<(AuditFilter, Page<AuditEntry>), Error> {
    auth.require(auth.principal().administers())?;
    let (mut filter, page) = parse(query)?;
    filter.area = auth.principal().user.area.clone();
    let mut entries = state.store().audit_entries(&filter, page).await?;
    for e in &mut entries.items {
        for json in [&mut e.before, &mut e.after].into_iter().flatten() {
            *json = mask_identifiers(json);
        }
    }
    Ok((filter, entries))
}

/// An entry's JSON with every `nik` and `kk` masked (`3316••••••••0012`). The audit log shows
/// who changed what; the full numbers are on the record's page, for those who may see them,
/// where each view is audited in turn.
fn mask_identifiers(json: &str) -> String {
    match serde_json::from_str::<Value>(json) {
        Ok(mut v) => {
            mask_value(&mut v);
            v.to_string()
        }
        // Not JSON (written outside Berdaya): mask every run of digits long enough to be one.
        Err(_) => mask_digit_runs(json),
    }
}

fn mask_value(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if matches!(k.as_str(), "nik" | "kk") && !x.is_null() {
                    let digits = match x {
                        Value::Number(n) => n.as_i64().map(|n| format!("{n:016}")).unwrap_or_default(),
                        Value::String(s) => s.clone(),
                        _ => String::new(),
                    };
                    *x = Value::String(mask_number(&digits));
                } else {
                    mask_value(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_value),
        _ => {}
    }
}

fn mask_number(digits: &str) -> String {
    if digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}••••••••{}", &digits[..4], &digits[12..])
    } else {
        "••••••••".to_string()
    }
}

fn mask_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        if run.len() >= 12 {
            out.push_str(&mask_number(&run));
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    heading: String,
    breadcrumbs: Vec<Link>,
    filters: Vec<(&'static str, String, String)>,
    table: Table,
    pager: Option<Pager>,
}

/// An action or table code said in the interface language (`audit.actions.create` →
/// `buat`); a code without a translation shows as itself, as the filter takes it.
fn code_label(t: &Translations, group: &str, code: &str) -> String {
    let key = format!("{group}.{code}");
    let label = t.t(&key);
    if label == key { code.to_string() } else { label.to_string() }
}

async fn audit_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(q): RawQuery,
) -> Result<Response, Error> {
    let t = lang.tr();
    let (filter, entries) = read(&state, &auth, q.as_deref()).await.map_err(|e| e.page(lang))?;
    let values = [&filter.actor, &filter.action, &filter.entity, &filter.entity_id, &filter.from, &filter.until];
    let filters = FILTERS
        .iter()
        .zip(values)
        .map(|(name, v)| (*name, t.t(&format!("audit.{name}")).to_string(), v.clone().unwrap_or_default()))
        .collect::<Vec<_>>();
    let href = |n: u32| {
        let mut h = format!("/audit?page={n}");
        for (name, _, v) in &filters {
            if !v.is_empty() {
                h.push_str(&format!("&{name}={}", enc(v)));
            }
        }
        h
    };
    let pager = Some(Pager::new(t, &entries, href));
    let short = |s: &Option<String>| s.as_deref().map(|s| s.chars().take(160).collect::<String>()).unwrap_or_default();
    let table = Table {
        sorts: Vec::new(),
        headers: [
            "audit.seq",
            "audit.at",
            "audit.actor",
            "audit.action",
            "audit.entity",
            "audit.entity_id",
            "audit.before",
            "audit.after",
        ]
        .iter()
        .map(|k| t.t(k).to_string())
        .collect(),
        rows: entries
            .items
            .iter()
            .map(|e| {
                vec![
                    Cell::text(e.seq.to_string()),
                    Cell::text(e.at.clone()),
                    Cell::text(e.actor.clone()),
                    Cell::text(code_label(t, "audit.actions", &e.action)),
                    Cell::text(code_label(t, "audit.entities", &e.entity)),
                    Cell::text(e.entity_id.clone().unwrap_or_default()),
                    Cell::text(short(&e.before)),
                    Cell::text(short(&e.after)),
                ]
            })
            .collect(),
        empty: t.t("audit.none").to_string(),
    };
    let page = AuditPage {
        l: Layout::new(lang, t.t("audit.title"), "audit"),
        heading: t.t("audit.title").to_string(),
        breadcrumbs: vec![Link::new(t.t("nav.home"), "/"), Link::new(t.t("audit.title"), "/audit")],
        filters,
        table,
        pager,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_in_entries_are_masked() {
        let masked = mask_identifiers(r#"{"id":3,"nik":3316020101900012,"name":"Siti","kk":"3316020101900099"}"#);
        assert!(masked.contains(r#""nik":"3316••••••••0012""#), "{masked}");
        assert!(masked.contains(r#""kk":"3316••••••••0099""#), "{masked}");
        assert!(!masked.contains("020101900012") && !masked.contains("020101900099"), "{masked}");
        assert_eq!(mask_identifiers(r#"{"nik":null}"#), r#"{"nik":null}"#);
        assert_eq!(mask_identifiers("nik 3316020101900012 x"), "nik 3316••••••••0012 x");
        assert_eq!(mask_identifiers("id 42"), "id 42");
    }

    #[test]
    fn actions_and_tables_are_said_in_the_interface_language() {
        let (id, en) = (Lang::Id.tr(), Lang::En.tr());
        assert_eq!(code_label(id, "audit.actions", "create"), "buat");
        assert_eq!(code_label(en, "audit.actions", "create"), "create");
        assert_eq!(code_label(id, "audit.actions", "login_failed"), "gagal masuk");
        assert_eq!(code_label(id, "audit.entities", "households"), "keluarga");
        assert_eq!(code_label(en, "audit.entities", "group_members"), "group members");
        assert_eq!(code_label(id, "audit.entities", "no_such_table"), "no_such_table");
        // Every action the code writes has a label in both languages.
        for action in [
            "create",
            "update",
            "delete",
            "disable",
            "enable",
            "export",
            "import",
            "login",
            "login_failed",
            "logout",
            "password",
            "revoke",
            "reveal",
            "identity_refused",
        ] {
            for t in [id, en] {
                assert!(t.t(&format!("audit.actions.{action}")) != format!("audit.actions.{action}"), "{action}");
            }
        }
    }
}
