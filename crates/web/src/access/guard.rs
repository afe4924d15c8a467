//! What a principal may reach: the [`Auth`] extractor, route-family checks, and the checks
//! of single records, which answer an out-of-scope record exactly as a missing one so a
//! refusal never tells whether a record exists.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use berdaya_domain::access::{Principal, RecordAccess, Role};
use berdaya_domain::registry::{Group, Household, Person, Program, Region, RegionCode};
use berdaya_store::access::{Assigned, AuditEvent};
use berdaya_store::registry::Within;
use berdaya_store::{Query, Store, StoreError};
use serde_json::json;

use crate::error::Error;
use crate::extract::is_api;
use crate::i18n::Lang;

/// The signed-in principal of a request. Handlers take it to decide what to show.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Principal>() {
            Some(p) => Ok(Auth(p.clone())),
            None => {
                let err = Error::new(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first");
                Err(if is_api(parts.uri.path()) {
                    err
                } else {
                    err.page(parts.extensions.get::<Lang>().copied().unwrap_or_default())
                })
            }
        }
    }
}

/// A 403 for a route the role may not use at all (it says nothing about any record).
pub fn forbidden() -> Error {
    Error::new(StatusCode::FORBIDDEN, "forbidden", "your role may not use this page or route")
}

/// The answer for a record out of scope: the very answer for a missing one.
pub fn hidden(entity: &'static str) -> Error {
    StoreError::NotFound { entity }.into()
}

impl Auth {
    pub fn principal(&self) -> &Principal {
        &self.0
    }

    pub fn role(&self) -> Role {
        self.0.role()
    }

    /// `Ok` when the role may use the route family, else a 403.
    pub fn require(&self, allowed: bool) -> Result<(), Error> {
        if allowed { Ok(()) } else { Err(forbidden()) }
    }

    /// The search narrowed to what the principal may see: their area, their assignments,
    /// their group. `None` when it can find nothing (a region outside the area).
    pub fn scope(&self, mut query: Query) -> Option<Query> {
        query.region = self.0.narrow(query.region.as_ref()).ok()?;
        query.within = match self.role() {
            Role::Facilitator => Some(Within::AssignedTo(self.0.user.id)),
            Role::GroupOfficer => Some(Within::MembersOf(self.0.user.group_id?)),
            _ => None,
        };
        Some(query)
    }

    /// How much of a household the principal may see.
    pub async fn household_access(&self, store: &dyn Store, h: &Household) -> Result<RecordAccess, Error> {
        let assigned =
            self.role() == Role::Facilitator && store.is_assigned(self.0.user.id, Assigned::Household(h.id)).await?;
        Ok(self.0.record_access(Some(&h.region), assigned, false))
    }

    /// How much of a person the principal may see (their household's region decides the area).
    pub async fn person_access(&self, store: &dyn Store, p: &Person) -> Result<RecordAccess, Error> {
        let household = match p.household_id {
            Some(id) => Some(store.household(id).await?),
            None => None,
        };
        let region = household.as_ref().map(|h| h.region.clone());
        let (mut assigned, mut in_group) = (false, false);
        match self.role() {
            Role::Facilitator => {
                if let Some(h) = &household {
                    assigned = store.is_assigned(self.0.user.id, Assigned::Household(h.id)).await?;
                }
                if !assigned {
                    for a in store.assignments(self.0.user.id).await? {
                        if let Assigned::Group(g) = a
                            && store.is_member(g, p.id).await?
                        {
                            assigned = true;
                            break;
                        }
                    }
                }
            }
            Role::GroupOfficer => {
                if let Some(g) = self.0.user.group_id {
                    in_group = store.is_member(g, p.id).await?;
                }
            }
            _ => {}
        }
        Ok(self.0.record_access(region.as_ref(), assigned, in_group))
    }

    /// How much of a group (and its member list) the principal may see.
    pub async fn group_access(&self, store: &dyn Store, g: &Group) -> Result<RecordAccess, Error> {
        let (assigned, own) = match self.role() {
            Role::Facilitator => (store.is_assigned(self.0.user.id, Assigned::Group(g.id)).await?, false),
            Role::GroupOfficer => (false, self.0.user.group_id == Some(g.id)),
            _ => (false, false),
        };
        Ok(self.0.record_access(Some(&g.region), assigned, own))
    }

    /// Whether a program is in the principal's area: one of its target regions overlaps it.
    pub fn program_in_area(&self, program: &Program) -> bool {
        match &self.0.user.area {
            None => true,
            Some(area) => program.target_regions.iter().any(|r| area.contains(r) || r.contains(area)),
        }
    }

    /// Whether a region (or a record in it) lies in the principal's area, or is one of its
    /// ancestors (shown so the tree can be walked down to the area).
    pub fn region_visible(&self, region: &Region) -> bool {
        self.region_code_visible(&region.code)
    }

    pub fn region_code_visible(&self, code: &RegionCode) -> bool {
        match &self.0.user.area {
            None => true,
            Some(area) => area.contains(code) || code.contains(area),
        }
    }
}

/// Records that a principal saw a NIK or KK in full.
pub async fn record_reveal(store: &dyn Store, entity: &str, id: i64, field: &str) -> Result<(), Error> {
    store
        .record_event(&AuditEvent {
            action: "reveal".into(),
            entity: entity.into(),
            entity_id: Some(id.to_string()),
            details: json!({ "field": field }),
        })
        .await?;
    Ok(())
}

impl Auth {
    /// A household the principal may read, with how much of it; out of scope reads as missing.
    pub async fn readable_household(&self, store: &dyn Store, id: i64) -> Result<(Household, RecordAccess), Error> {
        self.require(self.0.reads_registry() && self.role() != Role::Evaluator)?;
        let h = store.household(id).await?;
        match self.household_access(store, &h).await? {
            RecordAccess::None => Err(hidden("household")),
            access => Ok((h, access)),
        }
    }

    /// A household the principal may change.
    pub async fn editable_household(&self, store: &dyn Store, id: i64) -> Result<Household, Error> {
        let (h, access) = self.readable_household(store, id).await?;
        self.require(self.0.edits_registry() && access == RecordAccess::Full)?;
        Ok(h)
    }

    /// A person the principal may read, with how much of them.
    pub async fn readable_person(&self, store: &dyn Store, id: i64) -> Result<(Person, RecordAccess), Error> {
        self.require(self.0.reads_registry() && self.role() != Role::Evaluator)?;
        let p = store.person(id).await?;
        match self.person_access(store, &p).await? {
            RecordAccess::None => Err(hidden("person")),
            access => Ok((p, access)),
        }
    }

    /// A person the principal may change.
    pub async fn editable_person(&self, store: &dyn Store, id: i64) -> Result<Person, Error> {
        let (p, access) = self.readable_person(store, id).await?;
        self.require(self.0.edits_registry() && access == RecordAccess::Full)?;
        Ok(p)
    }

    /// A group the principal may read, with how much of it.
    pub async fn readable_group(&self, store: &dyn Store, id: i64) -> Result<(Group, RecordAccess), Error> {
        self.require(self.0.reads_registry() && self.role() != Role::Evaluator)?;
        let g = store.group(id).await?;
        match self.group_access(store, &g).await? {
            RecordAccess::None => Err(hidden("group")),
            access => Ok((g, access)),
        }
    }

    /// A group the principal may change (its record and its members).
    pub async fn editable_group(&self, store: &dyn Store, id: i64) -> Result<Group, Error> {
        let (g, access) = self.readable_group(store, id).await?;
        self.require(self.0.edits_registry() && access == RecordAccess::Full)?;
        Ok(g)
    }

    /// New or changed records must stay in the principal's area: a 422 on `field` otherwise.
    pub fn check_in_area(&self, field: &str, region: &RegionCode) -> Result<(), Error> {
        if self.0.in_area(region) {
            Ok(())
        } else {
            Err(Error::unprocessable(field, format!("{region} is outside your area")))
        }
    }

    /// Whether the principal reads the registry's personal records (not evaluators, not viewers).
    pub fn reads_people(&self) -> bool {
        self.0.reads_registry() && self.role() != Role::Evaluator
    }
}

/// The refusal of a reference a request carries (in its body or query) that names nothing the
/// caller may see: the same answer whether the record is missing or out of scope, so a
/// reference never tells whether a record exists.
pub fn missing_reference(field: &'static str, kind: &str, id: impl std::fmt::Display) -> Error {
    StoreError::Reference { field, message: format!("{kind} {id} does not exist") }.into()
}

/// Maps a refusal of a record (missing, hidden, or a role that may not read it) to
/// [`missing_reference`]; other failures (the database) pass on.
fn as_reference<T>(
    result: Result<T, Error>,
    field: &'static str,
    kind: &str,
    id: impl std::fmt::Display,
) -> Result<T, Error> {
    match result {
        Err(e) if matches!(e.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => {
            Err(missing_reference(field, kind, id))
        }
        other => other,
    }
}

/// References carried in a request's body or query, resolved through the caller's area and
/// scope. Every write route resolves each id it is given with one of these before it writes.
impl Auth {
    /// A person the caller may read, named by `field`.
    pub async fn person_ref(&self, store: &dyn Store, field: &'static str, id: i64) -> Result<Person, Error> {
        as_reference(self.readable_person(store, id).await.map(|(p, _)| p), field, "person", id)
    }

    /// A household the caller may change, named by `field`.
    pub async fn household_ref(&self, store: &dyn Store, field: &'static str, id: i64) -> Result<Household, Error> {
        as_reference(self.editable_household(store, id).await, field, "household", id)
    }

    /// A group the caller may read, named by `field`.
    pub async fn group_ref(&self, store: &dyn Store, field: &'static str, id: i64) -> Result<Group, Error> {
        as_reference(self.readable_group(store, id).await.map(|(g, _)| g), field, "group", id)
    }

    /// An agency in the caller's area, named by `field`.
    pub async fn agency_ref(
        &self,
        store: &dyn Store,
        field: &'static str,
        id: i64,
    ) -> Result<berdaya_domain::registry::Agency, Error> {
        let found = store.agency(id).await.map_err(Error::from);
        let visible = found.and_then(|a| if self.in_area(&a.region) { Ok(a) } else { Err(hidden("agency")) });
        as_reference(visible, field, "agency", id)
    }

    /// A region that exists and lies in the caller's area, named by `field`.
    pub async fn region_ref(&self, store: &dyn Store, field: &'static str, code: &RegionCode) -> Result<(), Error> {
        if !self.in_area(code) {
            return Err(missing_reference(field, "region", code));
        }
        as_reference(store.region(code).await.map(|_| ()).map_err(Error::from), field, "region", code)
    }

    /// Whether a record in `region` lies inside the caller's area (or the caller has none).
    pub fn in_area(&self, region: &RegionCode) -> bool {
        self.0.in_area(region)
    }
}

/// A write's result, with a NIK or KK that is already registered — anywhere in the country,
/// perhaps outside the caller's area — refused without confirming it: the answer says only
/// that the number cannot be used, and the attempt is recorded (without the number).
pub async fn identity_checked<T>(
    store: &dyn Store,
    entity: &'static str,
    result: Result<T, StoreError>,
) -> Result<T, Error> {
    match result {
        Err(StoreError::Duplicate { field: field @ ("nik" | "kk"), .. }) => {
            store
                .record_event(&AuditEvent {
                    action: "identity_refused".into(),
                    entity: entity.into(),
                    entity_id: None,
                    details: json!({ "field": field }),
                })
                .await?;
            let label = field.to_uppercase();
            Err(Error::unprocessable(field, format!("this {label} cannot be used; check the number on the card")))
        }
        other => Ok(other?),
    }
}

/// Records that a principal exported something of a record (`what`: the file).
pub async fn record_export(store: &dyn Store, entity: &str, id: i64, what: &str) -> Result<(), Error> {
    store
        .record_event(&AuditEvent {
            action: "export".into(),
            entity: entity.into(),
            entity_id: Some(id.to_string()),
            details: json!({ "file": what }),
        })
        .await?;
    Ok(())
}
