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
use crate::html::{Choice, Layout, Link, Pager, enc, render};
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

/// The actions an entry may record, each with its label key `audit.action.{code}`: the
/// filter's choices, and what the page shows instead of the code.
const ACTIONS: &[&str] = &[
    "create",
    "update",
    "delete",
    "login",
    "login_failed",
    "logout",
    "reveal",
    "identity_refused",
    "export",
    "import",
    "import_undone",
    "assign",
    "unassign",
    "move_caseload",
    "close",
];

/// The tables (and event subjects) an entry may be about, each with its label key
/// `audit.entity.{code}`.
const ENTITIES: &[&str] = &[
    "regions",
    "households",
    "people",
    "groups",
    "group_members",
    "agencies",
    "staff",
    "programs",
    "program_regions",
    "enrollments",
    "enrollment_changes",
    "users",
    "assignments",
    "api_tokens",
    "survey_analyses",
    "registry",
    "activities",
    "activity_groups",
    "activity_staff",
    "activity_tags",
    "attendance",
    "attachments",
    "attachment_contents",
    "aid_distributions",
    "aid_doses",
    "aid_items",
    "aid_plan_lines",
    "aid_plans",
    "aid_rules",
    "class_assessments",
    "class_indicators",
    "class_instruments",
    "class_scores",
    "dtks_deciles",
    "finding_answers",
    "finding_dimensions",
    "finding_evidence",
    "finding_links",
    "findings",
    "framework_dimensions",
    "frameworks",
    "land_parcels",
    "machine_loans",
    "machine_maintenance",
    "machines",
    "pkh_compliance",
    "pkh_facts",
    "pkh_families",
    "pkh_grievances",
    "pkh_payment_lists",
    "pkh_periods",
    "pkh_rules",
    "pkh_school_attendance",
    "pkh_status_events",
    "welfare_figures",
    "community_cycles",
    "cycle_stages",
    "cycle_milestones",
    "stage_activities",
    "stakeholders",
    "contributions",
    "grants",
    "grant_tranches",
    "grant_units",
    "works",
    "work_spending",
    "work_progress",
    "work_upkeep",
    "book_entries",
    "slum_baselines",
    "outcome_indicators",
    "outcome_values",
    "qual_studies",
    "qual_informants",
    "qual_redactions",
    "qual_codes",
    "qual_conclusions",
];

/// The label of a code in a family of keys (`audit.action.create` → "Tambah"); a code
/// without one (written by a newer version, or outside Berdaya) is shown as it is.
fn label(t: &Translations, family: &str, code: &str) -> String {
    let key = format!("{family}.{code}");
    let text = t.t(&key);
    if text == key { code.to_string() } else { text.to_string() }
}

/// The label of a field named in an entry: the form's label (`field.nik` → "NIK") when
/// there is one, else the audit log's own (`audit.field.rows`), else the name.
fn field_label(t: &Translations, name: &str) -> String {
    let form = format!("field.{name}");
    match t.t(&form) {
        text if text != form => text.to_string(),
        _ => label(t, "audit.field", name),
    }
}

/// A value as a reader wants it: text without quotes, yes/no, a dash for nothing.
fn show_value(t: &Translations, v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::Bool(true) => t.t("audit.yes").to_string(),
        Value::Bool(false) => t.t("audit.no").to_string(),
        Value::String(s) if s.is_empty() => "—".to_string(),
        // A stored document (a survey report's JSON): its length here, the text in the raw data.
        Value::String(s) if s.chars().count() > LONG_TEXT => {
            t.t("audit.long_text").replace("{n}", &s.chars().count().to_string())
        }
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Longest text shown whole as a field's value.
const LONG_TEXT: usize = 300;

/// A field's value: a code of a closed vocabulary by its label (`village` → "Desa"), the
/// `field` of a NIK/KK view by the field's label, anything else as [`show_value`].
fn show_field(t: &Translations, entity: &str, name: &str, v: &Value) -> String {
    match (name, v) {
        ("field", Value::String(f)) => field_label(t, f),
        (_, Value::String(code)) => {
            vocabulary_label(t.lang(), entity, name, code).map_or_else(|| show_value(t, v), str::to_string)
        }
        _ => show_value(t, v),
    }
}

/// The label of a coded value in the vocabulary of `field` in `entity`'s table, if it has one.
fn vocabulary_label(lang: Lang, entity: &str, field: &str, code: &str) -> Option<&'static str> {
    use berdaya_domain::access::Role;
    use berdaya_domain::registry::{
        AgencyKind, Disability, Education, EnrollmentStatus, GroupKind, GroupRole, RegionKind, Relation, Sex,
        SubjectKind, WelfareStage,
    };
    let l = lang.code();
    Some(match (entity, field) {
        ("regions", "kind") => RegionKind::parse(code).ok()?.label(l),
        ("groups", "kind") => GroupKind::parse(code).ok()?.label(l),
        ("agencies", "kind") => AgencyKind::parse(code).ok()?.label(l),
        ("users", "role") => Role::parse(code).ok()?.label(l),
        ("group_members", "role") => GroupRole::parse(code).ok()?.label(l),
        ("enrollments", "status") => EnrollmentStatus::parse(code).ok()?.label(l),
        (_, "subject_kind") => SubjectKind::parse(code).ok()?.label(l),
        (_, "welfare_stage") => WelfareStage::parse(code).ok()?.label(l),
        (_, "sex") => Sex::parse(code).ok()?.label(l),
        (_, "relation") => Relation::parse(code).ok()?.label(l),
        (_, "education") => Education::parse(code).ok()?.label(l),
        (_, "disability") => Disability::parse(code).ok()?.label(l),
        ("finding_links", "target_kind") => berdaya_domain::framework::finding::LinkKind::parse(code).ok()?.label(l),
        ("findings", "kind") => berdaya_domain::framework::finding::FindingKind::parse(code).ok()?.label(l),
        ("finding_evidence", "kind") => berdaya_domain::framework::finding::EvidenceKind::parse(code).ok()?.label(l),
        ("class_indicators", "ability") => berdaya_domain::agriculture::class::Ability::parse(code).ok()?.label(l),
        (_, "earned_class" | "previous_class") => {
            berdaya_domain::agriculture::class::ClassBand::parse(code).ok()?.label(l)
        }
        (_, "class_change") => berdaya_domain::agriculture::class::ClassChange::parse(code).ok()?.label(l),
        _ => return None,
    })
}

/// One line of an entry's details: a field, what it was (on an update) and what it is.
struct Detail {
    label: String,
    before: Option<String>,
    value: String,
}

/// An entry's details as field label → value: on an update the fields that changed (before
/// → after), otherwise every field written. `before` and `after` are the masked JSON.
fn details(t: &Translations, entity: &str, before: Option<&str>, after: Option<&str>) -> Vec<Detail> {
    let object = |json: Option<&str>| match json.map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(map))) => Some(map),
        _ => None,
    };
    let (old, new) = (object(before), object(after));
    match (old, new) {
        (Some(old), Some(new)) => new
            .iter()
            .filter(|(k, v)| old.get(k.as_str()) != Some(v))
            .map(|(k, v)| Detail {
                label: field_label(t, k),
                before: Some(old.get(k.as_str()).map(|o| show_field(t, entity, k, o)).unwrap_or_else(|| "—".into())),
                value: show_field(t, entity, k, v),
            })
            .collect(),
        (None, Some(map)) | (Some(map), None) => map
            .iter()
            .map(|(k, v)| Detail { label: field_label(t, k), before: None, value: show_field(t, entity, k, v) })
            .collect(),
        // Not an object (written outside Berdaya): shown as it is, masked.
        (None, None) => [before, after]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty() && *s != "{}")
            .map(|s| Detail { label: t.t("audit.details").to_string(), before: None, value: s.to_string() })
            .collect(),
    }
}

/// One entry as the page shows it.
struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    details: Vec<Detail>,
    /// The entry's before and after as stored (masked), for who wants the exact record.
    raw: String,
}

/// A filter field: a text box, or a select when it has choices.
struct Filter {
    name: &'static str,
    label: String,
    value: String,
    choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    heading: String,
    breadcrumbs: Vec<Link>,
    filters: Vec<Filter>,
    headers: Vec<String>,
    rows: Vec<Row>,
    pager: Option<Pager>,
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
    let choices = |family: &str, codes: &[&str], current: &str| {
        let mut all =
            vec![Choice { value: String::new(), label: t.t("audit.any").to_string(), selected: current.is_empty() }];
        all.extend(codes.iter().map(|c| Choice {
            value: c.to_string(),
            label: label(t, family, c),
            selected: *c == current,
        }));
        // A code typed into the address that the list does not know stays chosen.
        if !current.is_empty() && !codes.contains(&current) {
            all.push(Choice { value: current.to_string(), label: current.to_string(), selected: true });
        }
        all
    };
    let filters = FILTERS
        .iter()
        .zip(values)
        .map(|(name, v)| {
            let value = v.clone().unwrap_or_default();
            let choices = match *name {
                "action" => choices("audit.action", ACTIONS, &value),
                "entity" => choices("audit.entity", ENTITIES, &value),
                _ => Vec::new(),
            };
            Filter { name, label: t.t(&format!("audit.{name}")).to_string(), value, choices }
        })
        .collect::<Vec<_>>();
    let href = |n: u32| {
        let mut h = format!("/audit?page={n}");
        for f in &filters {
            if !f.value.is_empty() {
                h.push_str(&format!("&{}={}", f.name, enc(&f.value)));
            }
        }
        h
    };
    let pager = Some(Pager::new(t, &entries, href));
    let headers =
        ["audit.seq", "audit.at", "audit.actor", "audit.action", "audit.entity", "audit.entity_id", "audit.details"]
            .iter()
            .map(|k| t.t(k).to_string())
            .collect();
    let rows = entries
        .items
        .iter()
        .map(|e| Row {
            seq: e.seq,
            at: e.at.clone(),
            actor: e.actor.clone(),
            action: label(t, "audit.action", &e.action),
            entity: label(t, "audit.entity", &e.entity),
            entity_id: e.entity_id.clone().unwrap_or_default(),
            details: details(t, &e.entity, e.before.as_deref(), e.after.as_deref()),
            raw: [(&e.before, "audit.before"), (&e.after, "audit.after")]
                .iter()
                .filter_map(|(json, key)| json.as_deref().map(|j| format!("{}: {j}", t.t(key))))
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect();
    let page = AuditPage {
        l: Layout::new(lang, t.t("audit.title"), "audit"),
        heading: t.t("audit.title").to_string(),
        breadcrumbs: vec![Link::new(t.t("nav.home"), "/"), Link::new(t.t("audit.title"), "/audit")],
        filters,
        headers,
        rows,
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
    fn details_read_as_labelled_fields() {
        let t = Lang::Id.tr();
        let line = |d: &Detail| {
            format!("{}: {}{}", d.label, d.before.as_deref().map(|b| format!("{b} → ")).unwrap_or_default(), d.value)
        };
        let update = details(
            t,
            "households",
            Some(r#"{"address":"Jl. A","version":1,"dtks_listed":true}"#),
            Some(r#"{"address":"Jl. B","version":2,"dtks_listed":true}"#),
        );
        assert_eq!(update.iter().map(line).collect::<Vec<_>>(), ["Alamat: Jl. A → Jl. B", "Versi: 1 → 2"]);
        let created =
            details(t, "people", None, Some(r#"{"rows":3,"dtks_listed":false,"dtks_since":null,"field":"nik"}"#));
        assert_eq!(
            created.iter().map(line).collect::<Vec<_>>(),
            ["Terdaftar di DTKS: Tidak", "Terdaftar di DTKS sejak: —", "Isian: NIK", "Jumlah baris: 3"]
        );
        assert_eq!(label(t, "audit.action", "login_failed"), "Gagal masuk");
        assert_eq!(label(t, "audit.entity", "something_new"), "something_new");
        assert!(details(t, "registry", None, Some("{}")).is_empty());
        let region = details(t, "regions", None, Some(r#"{"kind":"village","name":"Pilang"}"#));
        assert_eq!(
            region.iter().map(line).collect::<Vec<_>>(),
            [format!("Jenis: {}", berdaya_domain::registry::RegionKind::Village.label("id")), "Nama: Pilang".into()]
        );
        // A stored report is summarised by its length; its text stays in the raw data.
        let report = format!(r#"{{"title":"Survei","report_json":"{}"}}"#, "x".repeat(5_000));
        let analysis = details(t, "survey_analyses", None, Some(&report));
        let shown: Vec<&str> = analysis.iter().map(|d| d.value.as_str()).collect();
        assert_eq!(shown, ["5000 karakter; lihat data tersimpan di bawah", "Survei"]);
    }
}
