//! Reference fields of the kit's forms: a picker per referenced record kind, showing the
//! referenced record's name, looked up through the caller's scope (a value naming a record
//! the caller may not see shows no name, so a form never tells that it exists).

use berdaya_domain::registry::{RegionCode, text};

use crate::AppState;
use crate::access::guard::Auth;
use crate::html::Field;

/// The name of the region `raw` names (`Desa Pilang (33.16.09.2001)`), if the caller may see it.
pub async fn region_name(state: &AppState, auth: &Auth, raw: &str) -> Option<String> {
    let code = RegionCode::parse(raw).ok()?;
    if !auth.region_code_visible(&code) {
        return None;
    }
    let r = state.store().region(&code).await.ok()?;
    Some(format!("{} ({})", r.name, r.code))
}

/// The name of the record of `kind` with id `raw`, if the caller may read it.
pub async fn record_name(state: &AppState, auth: &Auth, kind: &str, raw: &str) -> Option<String> {
    let id = text::id(raw).ok()?;
    let store = state.store();
    match kind {
        "person" => auth.readable_person(store, id).await.ok().map(|(p, _)| p.name),
        "household" => {
            let (h, _) = auth.readable_household(store, id).await.ok()?;
            let head = store
                .household_members(id)
                .await
                .ok()?
                .into_iter()
                .find(|p| p.relation == berdaya_domain::registry::Relation::Head);
            Some(head.map(|p| format!("{} — {}", p.name, h.address)).unwrap_or(h.address))
        }
        "group" => auth.readable_group(store, id).await.ok().map(|(g, _)| g.name),
        "agency" => store.agency(id).await.ok().filter(|a| auth.region_code_visible(&a.region)).map(|a| a.name),
        "program" => crate::registry::programs::readable_program(state, auth, id).await.ok().map(|p| p.name),
        _ => None,
    }
}

/// A region picker holding `value`.
pub async fn region_field(state: &AppState, auth: &Auth, name: &str, label: &str, value: &str) -> Field {
    let shown = region_name(state, auth, value).await.unwrap_or_default();
    Field::picker(name, label, "region", value, shown)
}

/// A picker of `kind` (`person`, `household`, `group`, `agency`, `program`) holding the id `value`.
pub async fn record_field(
    state: &AppState,
    auth: &Auth,
    kind: &'static str,
    name: &str,
    label: &str,
    value: &str,
) -> Field {
    let shown = record_name(state, auth, kind, value).await.unwrap_or_default();
    Field::picker(name, label, kind, value, shown)
}

/// An agency picker holding `value`.
pub async fn agency_field(state: &AppState, auth: &Auth, name: &str, label: &str, value: &str) -> Field {
    record_field(state, auth, "agency", name, label, value).await
}

/// A picker of several regions; `values` is what a comma-separated field holds.
pub async fn regions_field(state: &AppState, auth: &Auth, name: &str, label: &str, values: &str) -> Field {
    let mut chosen = Vec::new();
    for raw in values.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()) {
        let shown = region_name(state, auth, raw).await.unwrap_or_else(|| raw.to_string());
        chosen.push((raw.to_string(), shown));
    }
    let mut field = Field::picker_many(name, label, "region", chosen);
    // What the field submits, should the picker not run (no script).
    field.value = values.to_string();
    field
}
