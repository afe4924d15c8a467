//! Conformance checks of [`AccessStore`](crate::access::AccessStore): accounts, sessions,
//! API tokens, assignments and the `Within` scoping of searches, and the audit log (row
//! triggers, events, sealing and the hash chain, filters, bulk import).
//!
//! Times the store keeps (sessions, tokens) are compared to the microsecond, in UTC. Audit
//! `at` is UTC RFC 3339 with milliseconds (`2026-11-24T10:00:00.123Z`). The order of
//! [`assignments`](crate::access::AccessStore::assignments) is not pinned.

use std::collections::HashSet;

use berdaya_domain::access::audit::ChainCheck;
use berdaya_domain::access::{AuditEntry, NewUser, PasswordHash, Role, User, Username};
use berdaya_domain::registry::{GroupRole, NewMember};
use serde_json::{Value, json};
use time::macros::datetime;

use super::*;
use crate::access::{
    Actor, AssignCounts, AssignKinds, Assigned, AuditEvent, AuditFilter, CaseloadItem, NewApiToken, Session, acting_as,
};
use crate::registry::Within;

// --- Fixtures --------------------------------------------------------------------------------

/// A well-formed argon2id PHC string; the store keeps it as text and never hashes.
fn phc(tag: char) -> PasswordHash {
    // 43 base64 characters are 32 bytes; the last must leave its spare bits zero.
    let hash: String = std::iter::repeat_n(tag, 42).collect();
    PasswordHash::from_stored(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0${hash}A"))
        .expect("test PHC string")
}

fn new_user(username: &str, role: Role) -> NewUser {
    NewUser {
        username: Username::parse(username).expect("test username"),
        display_name: format!("Pengguna {username}"),
        role,
        area: None,
        agency_id: None,
        group_id: None,
    }
}

pub(super) async fn user(s: &dyn Store, username: &str, role: Role) -> User {
    s.create_user(&new_user(username, role), &phc('B')).await.expect("create user")
}

fn session(id_hash: &str, user_id: i64) -> Session {
    Session {
        id_hash: id_hash.into(),
        user_id,
        csrf_token: format!("csrf-{id_hash}"),
        created_at: datetime!(2026-11-24 10:00:00.123456 UTC),
        expires_at: datetime!(2026-11-24 18:00:00.654321 UTC),
    }
}

fn token(user_id: i64, secret_hash: &str, expires_at: Option<time::OffsetDateTime>) -> NewApiToken {
    NewApiToken {
        user_id,
        name: "sinkronisasi SIKS-NG".into(),
        prefix: format!("bdy_{}", &secret_hash[..4.min(secret_hash.len())]),
        secret_hash: secret_hash.into(),
        expires_at,
    }
}

fn all() -> PageRequest {
    PageRequest::new(1, 200)
}

fn within(text: &str, w: Within) -> Query {
    Query { within: Some(w), ..q(text) }
}

async fn entries(s: &dyn Store, filter: AuditFilter) -> Vec<AuditEntry> {
    let page = s.audit_entries(&filter, all()).await.expect("audit entries");
    assert!(!page.total_capped && page.total == page.items.len() as u64, "a small log fits one page");
    page.items
}

pub(super) async fn entries_of(s: &dyn Store, entity: &str, entity_id: Option<String>) -> Vec<AuditEntry> {
    entries(s, AuditFilter { entity: Some(entity.into()), entity_id, ..Default::default() }).await
}

/// The whole chain, checked: numbered 1..n without gaps, every hash linking and matching.
pub(super) async fn chain(s: &dyn Store) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    let n = s
        .audit_chain(&mut |e| {
            out.push(e);
            true
        })
        .await
        .expect("audit chain");
    assert_eq!(n, out.len() as u64, "audit_chain counts what it read");
    let mut check = ChainCheck::new();
    for (i, e) in out.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "seq runs 1..n in chain order");
        check.push(e);
    }
    assert!(check.is_intact(), "chain breaks: {:?}", check.breaks);
    let head = s.audit_head().await.expect("audit head");
    let last = out.last().map(|e| berdaya_domain::access::seal::AuditHead { seq: e.seq, hash: e.hash.clone() });
    assert_eq!(head, last, "audit_head is the chain's last entry");
    out
}

pub(super) fn json_of(text: &Option<String>) -> Value {
    let text = text.as_deref().expect("JSON present");
    let v: Value = serde_json::from_str(text).expect("valid JSON");
    assert!(v.is_object(), "a JSON object: {text}");
    v
}

fn assert_stamp(at: &str) {
    let b = at.as_bytes();
    assert!(
        at.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && at.ends_with('Z'),
        "audit time is UTC RFC 3339 with milliseconds: {at}"
    );
}

fn group_draft(name: &str, region: &str) -> NewGroup {
    NewGroup { name: name.into(), kind: GroupKind::Ksm, region: code(region), founded_on: None, description: None }
}

fn member(person_id: Id) -> NewMember {
    NewMember { person_id, role: GroupRole::Member, since: None, until: None }
}

// --- Checks ----------------------------------------------------------------------------------

/// Accounts: create, read, update bumps the version, stale versions conflict; a taken
/// username is `Duplicate { field: "username" }`; unknown area, agency or group are
/// references; missing ids are `NotFound { entity: "user" }`; `users` lists by username.
pub async fn access_users(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let agency = s
        .create_agency(&NewAgency {
            name: "Dinas Sosial".into(),
            kind: AgencyKind::Agency,
            region: code("33.16"),
            parent_id: None,
        })
        .await
        .expect("agency");
    let group = s.create_group(&group_draft("KSM Maju", PILANG)).await.expect("group");

    let mut officer = new_user("Siti.R", Role::ProgramOfficer);
    officer.area = Some(code("33.16"));
    officer.agency_id = Some(agency.id);
    let created = s.create_user(&officer, &phc('B')).await.expect("create");
    assert_eq!(created.username.as_str(), "siti.r");
    assert_eq!(
        (created.role, created.area.clone(), created.agency_id),
        (Role::ProgramOfficer, Some(code("33.16")), Some(agency.id))
    );
    assert_eq!((created.disabled, created.version, created.group_id), (false, 1, None));
    assert_eq!(s.user(created.id).await.expect("read"), created);

    let mut changed = officer.clone();
    changed.display_name = "Siti Rahayu".into();
    changed.area = Some(code(PILANG));
    let updated = s.update_user(created.id, &changed, 1).await.expect("update");
    assert_eq!((updated.display_name.as_str(), updated.version), ("Siti Rahayu", 2));
    assert_eq!(updated.area, Some(code(PILANG)));
    assert_eq!(s.user(created.id).await.expect("read"), updated);
    assert_err!(
        s.update_user(created.id, &officer, 1).await,
        StoreError::Conflict { entity: "user", expected: 1, actual: 2 }
    );
    assert_err!(s.update_user(created.id + 1000, &officer, 1).await, StoreError::NotFound { entity: "user" });
    assert_err!(s.user(created.id + 1000).await, StoreError::NotFound { entity: "user" });

    assert_err!(s.create_user(&officer, &phc('C')).await, StoreError::Duplicate { field: "username", .. });
    let mut outside = new_user("budi", Role::Viewer);
    outside.area = Some(code("33.18"));
    assert_err!(s.create_user(&outside, &phc('C')).await, StoreError::Reference { field: "area", .. });
    let mut no_agency = new_user("budi", Role::ProgramOfficer);
    no_agency.agency_id = Some(agency.id + 1000);
    assert_err!(s.create_user(&no_agency, &phc('C')).await, StoreError::Reference { field: "agency_id", .. });
    let mut no_group = new_user("budi", Role::GroupOfficer);
    no_group.group_id = Some(group.id + 1000);
    assert_err!(s.create_user(&no_group, &phc('C')).await, StoreError::Reference { field: "group_id", .. });

    let mut keeper = new_user("agus", Role::GroupOfficer);
    keeper.group_id = Some(group.id);
    let keeper = s.create_user(&keeper, &phc('C')).await.expect("group officer");
    assert_eq!(keeper.group_id, Some(group.id));
    let admin = user(s, "admin", Role::Administrator).await;
    // Renaming onto a taken username.
    let mut taken = new_user("admin", Role::GroupOfficer);
    taken.group_id = Some(group.id);
    assert_err!(s.update_user(keeper.id, &taken, 1).await, StoreError::Duplicate { field: "username", .. });
    assert_eq!(s.user(keeper.id).await.expect("read").username.as_str(), "agus");

    let listed: Vec<String> = s.users().await.expect("users").iter().map(|u| u.username.to_string()).collect();
    assert_eq!(listed, ["admin", "agus", "siti.r"]);
    assert_eq!(s.user(admin.id).await.expect("read").role, Role::Administrator);
}

/// `user_for_login` returns the account with its password hash exactly as stored;
/// `set_password` replaces it and ends every session of that user (only).
pub async fn access_passwords(s: Arc<dyn Store>) {
    let s = &*s;
    let real = PasswordHash::new("kalampangan-2024").expect("hash");
    let siti = s.create_user(&new_user("siti", Role::Viewer), &real).await.expect("create");
    let budi = user(s, "budi", Role::Viewer).await;
    let (found, hash) =
        s.user_for_login(&Username::parse("SITI").expect("name")).await.expect("login lookup").expect("siti exists");
    assert_eq!(found, siti);
    assert_eq!(hash, real);
    assert!(hash.verify("kalampangan-2024"));
    assert_eq!(s.user_for_login(&Username::parse("nobody").expect("name")).await.expect("lookup"), None);

    let now = datetime!(2026-11-24 12:00:00 UTC);
    s.create_session(&session("s1", siti.id)).await.expect("session");
    s.create_session(&session("s2", siti.id)).await.expect("session");
    s.create_session(&session("b1", budi.id)).await.expect("session");
    s.set_password(siti.id, &phc('D')).await.expect("set password");
    let (_, hash) = s.user_for_login(&siti.username).await.expect("lookup").expect("siti");
    assert_eq!(hash, phc('D'));
    assert_eq!(s.session("s1", now).await.expect("read"), None, "a new password ends sessions");
    assert_eq!(s.session("s2", now).await.expect("read"), None);
    assert!(s.session("b1", now).await.expect("read").is_some(), "other users keep theirs");
    assert_err!(s.set_password(budi.id + 1000, &phc('D')).await, StoreError::NotFound { entity: "user" });
}

/// Sessions: read back to the microsecond with their user while unexpired; gone at
/// `expires_at`; deleting twice is fine; a session for a missing user is `NotFound`.
/// Disabling the user ends its sessions and refuses new reads; re-enabling does not bring
/// old sessions back.
pub async fn access_sessions(s: Arc<dyn Store>) {
    let s = &*s;
    let siti = user(s, "siti", Role::Facilitator).await;
    let one = session("a3f9", siti.id);
    s.create_session(&one).await.expect("create");
    let (read, who) = s.session("a3f9", datetime!(2026-11-24 12:00:00 UTC)).await.expect("read").expect("live");
    assert_eq!(read, one);
    assert_eq!(who, siti);
    assert!(s.session("a3f9", datetime!(2026-11-24 18:00:00.654320 UTC)).await.expect("read").is_some());
    assert_eq!(s.session("a3f9", one.expires_at).await.expect("read"), None, "expired at expires_at");
    assert_eq!(s.session("a3f9", datetime!(2027-01-01 00:00:00 UTC)).await.expect("read"), None);
    assert_eq!(s.session("nope", datetime!(2026-11-24 12:00:00 UTC)).await.expect("read"), None);
    assert_err!(s.create_session(&session("x", siti.id + 1000)).await, StoreError::NotFound { entity: "user" });

    s.delete_session("a3f9").await.expect("logout");
    s.delete_session("a3f9").await.expect("logout twice");
    assert_eq!(s.session("a3f9", datetime!(2026-11-24 12:00:00 UTC)).await.expect("read"), None);

    let now = datetime!(2026-11-24 12:00:00 UTC);
    s.create_session(&session("b", siti.id)).await.expect("create");
    let disabled = s.set_user_disabled(siti.id, true).await.expect("disable");
    assert!(disabled.disabled);
    assert_eq!(s.user(siti.id).await.expect("read"), disabled);
    assert_eq!(s.session("b", now).await.expect("read"), None, "disabling ends sessions");
    s.create_session(&session("c", siti.id)).await.expect("a session row for a disabled user");
    assert_eq!(s.session("c", now).await.expect("read"), None, "a disabled user has no live session");
    let enabled = s.set_user_disabled(siti.id, false).await.expect("enable");
    assert!(!enabled.disabled);
    assert_eq!(s.session("b", now).await.expect("read"), None);
    assert!(s.session("c", now).await.expect("read").is_some());
    assert_err!(s.set_user_disabled(siti.id + 1000, true).await, StoreError::NotFound { entity: "user" });
}

/// API tokens: found by secret hash with their user unless revoked, expired or the user is
/// disabled; listed newest first, per user or all; revoking keeps the first revocation time;
/// a missing token is `NotFound { entity: "API token" }`.
pub async fn access_tokens(s: Arc<dyn Store>) {
    let s = &*s;
    let siti = user(s, "siti", Role::ProgramOfficer).await;
    let budi = user(s, "budi", Role::Viewer).await;
    let now = time::OffsetDateTime::now_utc();
    let first = s.create_token(&token(siti.id, "hash-one", None)).await.expect("create");
    assert_eq!(
        (first.user_id, first.name.as_str(), first.prefix.as_str()),
        (siti.id, "sinkronisasi SIKS-NG", "bdy_hash")
    );
    assert_eq!((first.expires_at, first.revoked_at), (None, None));
    assert!((first.created_at - now).abs() < time::Duration::minutes(5), "created now: {}", first.created_at);
    let expiring = datetime!(2030-01-01 00:00:00 UTC);
    let second = s.create_token(&token(siti.id, "hash-two", Some(expiring))).await.expect("create");
    assert_eq!(second.expires_at, Some(expiring));
    let other = s.create_token(&token(budi.id, "hash-three", None)).await.expect("create");
    assert_err!(
        s.create_token(&token(siti.id + 1000, "hash-four", None)).await,
        StoreError::NotFound { entity: "user" }
    );

    let (found, who) = s.token_for_secret("hash-one", now).await.expect("lookup").expect("live token");
    assert_eq!((found, who), (first.clone(), siti.clone()));
    assert!(s.token_for_secret("hash-two", datetime!(2029-12-31 23:59:59 UTC)).await.expect("lookup").is_some());
    assert_eq!(s.token_for_secret("hash-two", expiring).await.expect("lookup"), None, "expired");
    assert_eq!(s.token_for_secret("nope", now).await.expect("lookup"), None);

    let ids = |v: Vec<crate::access::ApiToken>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(s.tokens(Some(siti.id)).await.expect("list")), [second.id, first.id]);
    assert_eq!(ids(s.tokens(None).await.expect("list")), [other.id, second.id, first.id]);
    assert_eq!(ids(s.tokens(Some(budi.id + 1000)).await.expect("list")), Vec::<i64>::new());

    let revoked = s.revoke_token(first.id).await.expect("revoke");
    let when = revoked.revoked_at.expect("revoked_at set");
    assert_eq!(s.token_for_secret("hash-one", now).await.expect("lookup"), None, "revoked");
    let again = s.revoke_token(first.id).await.expect("revoke twice");
    assert_eq!(again.revoked_at, Some(when), "the first revocation stands");
    assert_eq!(s.tokens(Some(siti.id)).await.expect("list")[1], again);
    assert_err!(s.revoke_token(other.id + 1000).await, StoreError::NotFound { entity: "API token" });

    s.set_user_disabled(budi.id, true).await.expect("disable");
    assert_eq!(s.token_for_secret("hash-three", now).await.expect("lookup"), None, "a disabled user's token");
    s.set_user_disabled(budi.id, false).await.expect("enable");
    assert!(s.token_for_secret("hash-three", now).await.expect("lookup").is_some());
}

/// Assignments are idempotent, listed (in any order), checked directly, and removed;
/// a missing household or group is a reference, a missing user `NotFound`.
pub async fn access_assignments(s: Arc<dyn Store>) {
    let s = &*s;
    let reg = seed_registry(s).await;
    let g = s.create_group(&group_draft("KSM Maju", PILANG)).await.expect("group");
    s.add_member(g.id, &member(reg.person("Agus").id)).await.expect("member");
    let f = user(s, "fasil", Role::Facilitator).await;
    let (h1, h2) = (reg.h[0].id, reg.h[1].id);

    s.assign(f.id, Assigned::Household(h1)).await.expect("assign");
    s.assign(f.id, Assigned::Household(h1)).await.expect("assign twice");
    s.assign(f.id, Assigned::Household(h2)).await.expect("assign");
    s.assign(f.id, Assigned::Group(g.id)).await.expect("assign group");
    let got: HashSet<Assigned> = s.assignments(f.id).await.expect("list").into_iter().collect();
    assert_eq!(got, HashSet::from([Assigned::Household(h1), Assigned::Household(h2), Assigned::Group(g.id)]));
    assert_eq!(s.assignments(f.id).await.expect("list").len(), 3, "no duplicates");
    assert!(s.is_assigned(f.id, Assigned::Household(h1)).await.expect("check"));
    assert!(s.is_assigned(f.id, Assigned::Group(g.id)).await.expect("check"));
    assert!(!s.is_assigned(f.id, Assigned::Household(reg.h[2].id)).await.expect("check"));

    assert_err!(
        s.assign(f.id, Assigned::Household(h1 + 1000)).await,
        StoreError::Reference { field: "household_id", .. }
    );
    assert_err!(s.assign(f.id, Assigned::Group(g.id + 1000)).await, StoreError::Reference { field: "group_id", .. });
    assert_err!(s.assign(f.id + 1000, Assigned::Household(h1)).await, StoreError::NotFound { entity: "user" });

    s.unassign(f.id, Assigned::Household(h1)).await.expect("unassign");
    s.unassign(f.id, Assigned::Household(h1)).await.expect("unassign twice");
    assert!(!s.is_assigned(f.id, Assigned::Household(h1)).await.expect("check"));
    assert_eq!(s.assignments(f.id).await.expect("list").len(), 2);

    assert!(s.is_member(g.id, reg.person("Agus").id).await.expect("member"));
    assert!(!s.is_member(g.id, reg.person("Sutrisno").id).await.expect("member"));
}

/// `Query.within` on the three searches: a facilitator sees the assigned households, their
/// people and the members of assigned groups, and the assigned groups; a group officer's
/// filter sees the group, its members and their households. It narrows text and region
/// filters further and leaves other searches alone.
pub async fn access_within(s: Arc<dyn Store>) {
    let s = &*s;
    let reg = seed_registry(s).await;
    let g = s.create_group(&group_draft("KSM Maju", L1_RT03)).await.expect("group");
    let other = s.create_group(&group_draft("KSM Lain", PILANG)).await.expect("group");
    for name in ["Agus", "Rina"] {
        s.add_member(g.id, &member(reg.person(name).id)).await.expect("member");
    }
    s.add_member(other.id, &member(reg.person("Joko").id)).await.expect("member");
    let f = user(s, "fasil", Role::Facilitator).await;
    let idle = user(s, "kosong", Role::Facilitator).await;
    s.assign(f.id, Assigned::Household(reg.h[1].id)).await.expect("assign");
    s.assign(f.id, Assigned::Group(g.id)).await.expect("assign");

    let mine = Within::AssignedTo(f.id);
    let households = s.search_households(&within("", mine)).await.expect("households");
    assert_whole(&households, 1);
    assert_eq!(households.items[0].household.id, reg.h[1].id);
    let people = s.search_people(&within("", mine)).await.expect("people");
    assert_whole(&people, 4);
    assert_eq!(names(&people), ["Agus", "Budiman", "Rina", "Wibowo"]);
    let groups = s.search_groups(&within("", mine)).await.expect("groups");
    assert_whole(&groups, 1);
    assert_eq!(groups.items[0].group.id, g.id);

    assert_eq!(names(&s.search_people(&within("bu", mine)).await.expect("people")), ["Budiman"]);
    let in_pilang = Query { region: Some(code(PILANG)), ..within("", mine) };
    assert_whole(&s.search_households(&in_pilang).await.expect("households"), 0);
    assert_eq!(names(&s.search_people(&in_pilang).await.expect("people")), ["Agus"]);
    assert_whole(&s.search_groups(&in_pilang).await.expect("groups"), 0);

    let none = Within::AssignedTo(idle.id);
    assert_whole(&s.search_households(&within("", none)).await.expect("households"), 0);
    assert_whole(&s.search_people(&within("", none)).await.expect("people"), 0);
    assert_whole(&s.search_groups(&within("", none)).await.expect("groups"), 0);

    let members = Within::MembersOf(g.id);
    assert_eq!(names(&s.search_people(&within("", members)).await.expect("people")), ["Agus", "Rina"]);
    let groups = s.search_groups(&within("", members)).await.expect("groups");
    assert_eq!(groups.items.iter().map(|x| x.group.id).collect::<Vec<_>>(), [g.id]);
    let households = s.search_households(&within("", members)).await.expect("households");
    let ids: Vec<Id> = households.items.iter().map(|h| h.household.id).collect();
    assert_eq!(ids, [reg.h[0].id, reg.h[3].id]);
    assert_eq!(names(&s.search_people(&within("r", members)).await.expect("people")), ["Rina"]);

    // Other searches ignore it.
    let regions = s.search_regions(&within("", mine)).await.expect("regions");
    assert_eq!(regions.total, REGIONS.len() as u64);
}

/// Row changes are logged with their actor, the row before and after as JSON objects (never
/// a password or token hash), and sealed into one intact chain numbered from 1.
pub async fn audit_row_changes(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let admin = user(s, "admin", Role::Administrator).await;
    let actor = Actor::user(admin.id, "admin");

    let created = acting_as(actor.clone(), s.create_household(&new_household(kk("331609", 1), "Jl. Lama 1", PILANG)))
        .await
        .expect("create");
    let mut moved = new_household(created.kk, "Jl. Baru 7", PILANG);
    moved.dtks_listed = true;
    let updated = acting_as(actor.clone(), s.update_household(created.id, &moved, 1)).await.expect("update");
    assert_eq!(updated.version, 2);

    let log = entries_of(s, "households", Some(created.id.to_string())).await;
    assert_eq!(log.len(), 2, "{log:?}");
    let (update, create) = (&log[0], &log[1]);
    assert!(update.seq > create.seq, "newest first");
    for e in &log {
        assert_eq!((e.actor_id, e.actor.as_str()), (Some(admin.id), "admin"));
        assert_eq!(e.entity, "households");
        assert_eq!(e.entity_id.as_deref(), Some(created.id.to_string().as_str()));
        assert_stamp(&e.at);
    }
    assert_eq!((create.action.as_str(), create.before.as_deref()), ("create", None));
    let after = json_of(&create.after);
    assert_eq!((&after["address"], &after["version"]), (&json!("Jl. Lama 1"), &json!(1)));
    assert_eq!(update.action, "update");
    let (before, after) = (json_of(&update.before), json_of(&update.after));
    assert_eq!((&before["address"], &before["version"]), (&json!("Jl. Lama 1"), &json!(1)));
    assert_eq!((&after["address"], &after["version"]), (&json!("Jl. Baru 7"), &json!(2)));
    assert_eq!(after["id"], json!(created.id));

    // Regions seeded outside any `acting_as` belong to the system.
    let region = entries_of(s, "regions", Some(PILANG.into())).await;
    assert_eq!(region.len(), 1);
    assert_eq!((region[0].actor.as_str(), region[0].actor_id, region[0].action.as_str()), ("system", None, "create"));
    assert_eq!(json_of(&region[0].after)["name"], json!("Pilang"));

    // Accounts and tokens: logged, without their secrets.
    acting_as(actor.clone(), s.set_password(admin.id, &phc('E'))).await.expect("password");
    let t = acting_as(actor.clone(), s.create_token(&token(admin.id, "secret-hash-xyz", None))).await.expect("token");
    acting_as(actor.clone(), s.revoke_token(t.id)).await.expect("revoke");
    let users = entries_of(s, "users", Some(admin.id.to_string())).await;
    assert_eq!(users.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["update", "create"]);
    assert_eq!(json_of(&users[1].after)["username"], json!("admin"));
    let tokens = entries_of(s, "api_tokens", Some(t.id.to_string())).await;
    assert_eq!(tokens.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["update", "create"]);
    assert!(json_of(&tokens[0].after)["revoked_at"].is_string());
    for e in users.iter().chain(&tokens) {
        for text in [&e.before, &e.after].into_iter().flatten() {
            assert!(!text.contains("password_hash") && !text.contains("argon2"), "a password hash in the log: {text}");
            assert!(
                !text.contains("secret_hash") && !text.contains("secret-hash-xyz"),
                "a token hash in the log: {text}"
            );
        }
    }

    // A delete: the row before, nothing after.
    let f = user(s, "fasil", Role::Facilitator).await;
    acting_as(actor.clone(), s.assign(f.id, Assigned::Household(created.id))).await.expect("assign");
    acting_as(actor.clone(), s.unassign(f.id, Assigned::Household(created.id))).await.expect("unassign");
    let assigned = entries_of(s, "assignments", None).await;
    assert_eq!(assigned.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["delete", "create"]);
    assert_eq!(assigned[0].after, None);
    assert_eq!(json_of(&assigned[0].before)["household_id"], json!(created.id));
    assert_eq!(assigned[0].entity_id, assigned[1].entity_id);

    let chain = chain(s).await;
    let listed = entries(s, AuditFilter::default()).await;
    assert_eq!(listed.len(), chain.len(), "every entry is sealed");
    assert_eq!(listed.iter().rev().cloned().collect::<Vec<_>>(), chain, "the listing is the chain, newest first");
    assert!(chain.len() >= REGIONS.len() + 8);
}

/// A write that fails (a duplicate, a stale version, one bad member of a batch) leaves no
/// entry: the entries of a transaction go with it.
pub async fn audit_failed_writes_leave_nothing(s: Arc<dyn Store>) {
    let s = &*s;
    let reg = seed_registry(s).await;
    let g = s.create_group(&group_draft("KSM Maju", PILANG)).await.expect("group");
    let before = chain(s).await.len();

    let dup = new_household(reg.h[0].kk, "Jl. Kembar", PILANG);
    assert_err!(s.create_household(&dup).await, StoreError::Duplicate { field: "kk", .. });
    let stale = new_household(reg.h[1].kk, "Stale", KUTUKAN);
    assert_err!(s.update_household(reg.h[1].id, &stale, 7).await, StoreError::Conflict { .. });
    let missing = reg.p.iter().map(|p| p.id).max().expect("people") + 1000;
    let batch = [member(reg.person("Agus").id), member(missing)];
    assert!(s.add_members(g.id, &batch).await.is_err());
    assert!(!s.is_member(g.id, reg.person("Agus").id).await.expect("member"), "the batch rolled back");

    assert_eq!(chain(s).await.len(), before, "failed writes left audit entries");
    // And the next good write continues the chain.
    s.add_member(g.id, &member(reg.person("Agus").id)).await.expect("member");
    assert_eq!(chain(s).await.len(), before + 1);
}

/// Events: one sealed entry with the actor and the details as a JSON object. Filters are
/// exact on actor, action, entity and entity id, `from` inclusive and `until` exclusive on
/// `at` (compared as text), newest first, paged.
pub async fn audit_events_and_filters(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let siti = user(s, "siti", Role::Evaluator).await;
    let as_siti = Actor::user(siti.id, "siti (token 3)");
    let login = AuditEvent {
        action: "login".into(),
        entity: "users".into(),
        entity_id: Some(siti.id.to_string()),
        details: json!({"ip": "192.0.2.7", "via": "token"}),
    };
    acting_as(as_siti.clone(), s.record_event(&login)).await.expect("event");
    let export = AuditEvent {
        action: "export".into(),
        entity: "registry".into(),
        entity_id: None,
        details: json!({"rows": 12, "deidentified": true}),
    };
    acting_as(as_siti.clone(), s.record_event(&export)).await.expect("event");
    s.record_event(&AuditEvent {
        action: "login_failed".into(),
        entity: "users".into(),
        entity_id: None,
        details: json!({}),
    })
    .await
    .expect("event");

    let chain = chain(s).await;
    let newest = chain.last().expect("entries");
    assert_eq!((newest.action.as_str(), newest.actor.as_str(), newest.actor_id), ("login_failed", "system", None));
    assert_eq!(json_of(&newest.after), json!({}));

    let by_siti = entries(s, AuditFilter { actor: Some("siti (token 3)".into()), ..Default::default() }).await;
    assert_eq!(by_siti.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["export", "login"]);
    let (exp, log) = (&by_siti[0], &by_siti[1]);
    assert_eq!(
        (log.entity.as_str(), log.entity_id.clone(), log.actor_id),
        ("users", Some(siti.id.to_string()), Some(siti.id))
    );
    assert_eq!(log.before, None);
    assert_eq!(json_of(&log.after), login.details);
    assert_eq!((exp.entity.as_str(), exp.entity_id.as_deref()), ("registry", None));
    assert_eq!(json_of(&exp.after), export.details);
    assert_eq!(exp.seq, log.seq + 1);
    assert_stamp(&exp.at);

    let f = |actor: Option<&str>, action: Option<&str>, entity: Option<&str>, entity_id: Option<&str>| AuditFilter {
        actor: actor.map(Into::into),
        action: action.map(Into::into),
        entity: entity.map(Into::into),
        entity_id: entity_id.map(Into::into),
        ..Default::default()
    };
    assert_eq!(entries(s, f(None, Some("login"), None, None)).await.len(), 1);
    assert_eq!(entries(s, f(None, Some("log"), None, None)).await.len(), 0, "exact, not a prefix");
    assert_eq!(entries(s, f(Some("siti"), None, None, None)).await.len(), 0, "exact actor name");
    assert_eq!(entries(s, f(None, None, Some("users"), None)).await.len(), 3, "create of siti, login, login_failed");
    let sid = siti.id.to_string();
    assert_eq!(entries(s, f(None, None, Some("users"), Some(&sid))).await.len(), 2);
    assert_eq!(entries(s, f(Some("siti (token 3)"), Some("login"), Some("users"), Some(&sid))).await.len(), 1);
    assert_eq!(entries(s, f(None, Some("create"), Some("regions"), None)).await.len(), REGIONS.len());

    let span = |from: Option<&str>, until: Option<&str>| AuditFilter {
        from: from.map(Into::into),
        until: until.map(Into::into),
        ..Default::default()
    };
    assert_eq!(entries(s, span(Some("2000-01-01"), None)).await.len(), chain.len());
    assert_eq!(entries(s, span(Some("2999"), None)).await.len(), 0);
    assert_eq!(entries(s, span(None, Some("2000-01-01"))).await.len(), 0);
    assert_eq!(entries(s, span(None, Some("2999"))).await.len(), chain.len());
    let last_at = newest.at.clone();
    let from_last = entries(s, span(Some(&last_at), None)).await;
    assert!(!from_last.is_empty() && from_last.iter().all(|e| e.at >= last_at), "from is inclusive");
    assert!(entries(s, span(None, Some(&last_at))).await.iter().all(|e| e.at < last_at), "until is exclusive");

    // Pages, newest first.
    let p1 = s.audit_entries(&AuditFilter::default(), PageRequest::new(1, 5)).await.expect("page 1");
    let p2 = s.audit_entries(&AuditFilter::default(), PageRequest::new(2, 5)).await.expect("page 2");
    assert_eq!(p1.total, chain.len() as u64);
    let n = chain.len() as i64;
    assert_eq!(p1.items.iter().map(|e| e.seq).collect::<Vec<_>>(), (n - 4..=n).rev().collect::<Vec<_>>());
    assert_eq!(p2.items.iter().map(|e| e.seq).collect::<Vec<_>>(), (n - 9..=n - 5).rev().collect::<Vec<_>>());

    // A sink that stops early.
    let mut seen = 0;
    let read = s
        .audit_chain(&mut |_| {
            seen += 1;
            seen < 3
        })
        .await
        .expect("chain");
    assert_eq!((read, seen), (3, 3));
}

/// Writers racing under different actors still make one chain: numbered without gaps, every
/// entry linked to the one before, each attributed to its own actor.
pub async fn audit_chain_under_concurrency(s: Arc<dyn Store>) {
    seed_regions(&*s).await;
    let tasks: Vec<_> = (0..6u16)
        .map(|t| {
            let s = s.clone();
            tokio::spawn(async move {
                let actor = Actor::user(100 + i64::from(t), format!("writer {t}"));
                for i in 0..5u16 {
                    let h = new_household(kk("331609", t * 10 + i + 1), &format!("Alamat {t}-{i}"), PILANG);
                    acting_as(actor.clone(), s.create_household(&h)).await.expect("create");
                    acting_as(
                        actor.clone(),
                        s.record_event(&AuditEvent {
                            action: "export".into(),
                            entity: "registry".into(),
                            entity_id: None,
                            details: json!({"writer": t, "i": i}),
                        }),
                    )
                    .await
                    .expect("event");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("writer");
    }
    let chain = chain(&*s).await;
    assert_eq!(chain.len(), REGIONS.len() + 6 * 5 * 2);
    for t in 0..6i64 {
        let mine: Vec<_> = chain.iter().filter(|e| e.actor == format!("writer {t}")).collect();
        assert_eq!(mine.len(), 10);
        assert!(mine.iter().all(|e| e.actor_id == Some(100 + t)));
    }
}

/// An import records one `import` entry with its counts and the range of ids it created,
/// instead of one entry per row; an import that does not commit records nothing; writes
/// after it are logged row by row again.
pub async fn audit_import(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let rows = import_rows(1, 9);
    let before = chain(s).await.len();

    let mut bad: Vec<SourceRow> = rows.iter().enumerate().map(|(i, (h, p))| record(i as u64 + 2, h, p)).collect();
    bad.push(bad_row(20, "birth_date"));
    let report = import(s, bad, false, false).await;
    assert!(!report.committed);
    let dry: Vec<SourceRow> = rows.iter().enumerate().map(|(i, (h, p))| record(i as u64 + 2, h, p)).collect();
    assert!(!import(s, dry, false, true).await.committed);
    assert_eq!(chain(s).await.len(), before, "an import that did not commit is not logged");

    let good: Vec<SourceRow> = rows.iter().enumerate().map(|(i, (h, p))| record(i as u64 + 2, h, p)).collect();
    let actor = Actor::user(7, "admin");
    let report = acting_as(actor, import(s, good, false, false)).await;
    assert!(report.committed, "{report:?}");
    assert_eq!((report.households_created, report.people_created), (3, 9));
    let chain = chain(s).await;
    assert_eq!(chain.len(), before + 1, "one entry for the whole import");
    let e = chain.last().expect("entry");
    assert_eq!((e.action.as_str(), e.entity.as_str(), e.entity_id.as_deref()), ("import", "registry", None));
    assert_eq!((e.actor.as_str(), e.actor_id, e.before.as_deref()), ("admin", Some(7), None));
    let households = s.search_households(&q("")).await.expect("households");
    let people = s.search_people(&q("")).await.expect("people");
    let (h_lo, h_hi) =
        (households.items.iter().map(|h| h.household.id).min(), households.items.iter().map(|h| h.household.id).max());
    let (p_lo, p_hi) = (people.items.iter().map(|p| p.id).min(), people.items.iter().map(|p| p.id).max());
    assert_eq!(
        json_of(&e.after),
        json!({
            "rows": 9,
            "households_created": 3,
            "people_created": 9,
            "rejected_rows": 0,
            "first_household_id": h_lo,
            "last_household_id": h_hi,
            "first_person_id": p_lo,
            "last_person_id": p_hi,
        })
    );

    // Bulk mode ended with the import.
    let h = s.create_household(&new_household(kk("331609", 99), "Jl. Sesudah", PILANG)).await.expect("create");
    assert_eq!(entries_of(s, "households", Some(h.id.to_string())).await.len(), 1);
}

/// Bulk assignments: `assign_many` adds in one transaction and counts only what is new (a
/// missing record assigns nothing); `unassign_many` counts what it removed; a region
/// assignment previews and then adds what the region holds that the user lacks, and again
/// adds nothing.
pub async fn access_bulk_assignments(s: Arc<dyn Store>) {
    let s = &*s;
    let reg = seed_registry(s).await;
    let g = s.create_group(&group_draft("KSM Maju", PILANG)).await.expect("group");
    let far = s.create_group(&group_draft("KSM Sebangau", KALAMPANGAN)).await.expect("group");
    let f = user(s, "fasil", Role::Facilitator).await;
    let (h0, h1, h2) = (reg.h[0].id, reg.h[1].id, reg.h[2].id);

    let first = [Assigned::Household(h0), Assigned::Group(g.id)];
    assert_eq!(s.assign_many(f.id, &first).await.expect("assign"), 2);
    let again = [Assigned::Household(h0), Assigned::Household(h1), Assigned::Group(g.id)];
    assert_eq!(s.assign_many(f.id, &again).await.expect("assign"), 1, "only h1 is new");
    assert_eq!(s.assignment_counts(f.id).await.expect("counts"), AssignCounts { households: 2, groups: 1 });

    let bad = [Assigned::Household(h2), Assigned::Household(h0 + 1000)];
    assert_err!(s.assign_many(f.id, &bad).await, StoreError::Reference { field: "household_id", .. });
    assert!(!s.is_assigned(f.id, Assigned::Household(h2)).await.expect("check"), "all or nothing");
    assert_err!(s.assign_many(f.id + 1000, &first).await, StoreError::NotFound { entity: "user" });

    let gone = [Assigned::Household(h1), Assigned::Group(g.id), Assigned::Group(far.id)];
    assert_eq!(s.unassign_many(f.id, &gone).await.expect("unassign"), 2, "far was never assigned");
    assert_eq!(s.unassign_many(f.id, &[]).await.expect("nothing"), 0);
    assert_eq!(s.assignments(f.id).await.expect("list"), [Assigned::Household(h0)]);

    // Randublatung holds h0 (assigned), h1 and the group; nothing in Kalampangan is counted.
    let district = code("33.16.09");
    let preview = s.region_unassigned(f.id, &district, AssignKinds::BOTH).await.expect("preview");
    assert_eq!(preview, AssignCounts { households: 1, groups: 1 });
    let only_groups = AssignKinds { households: false, groups: true };
    assert_eq!(
        s.region_unassigned(f.id, &district, only_groups).await.expect("preview"),
        AssignCounts { households: 0, groups: 1 }
    );
    assert_eq!(s.assign_region(f.id, &district, AssignKinds::BOTH).await.expect("region"), preview);
    assert_eq!(s.assign_region(f.id, &district, AssignKinds::BOTH).await.expect("again"), AssignCounts::default());
    let got: HashSet<Assigned> = s.assignments(f.id).await.expect("list").into_iter().collect();
    assert_eq!(got, HashSet::from([Assigned::Household(h0), Assigned::Household(h1), Assigned::Group(g.id)]));
    assert_err!(
        s.assign_region(f.id, &code("33.99"), AssignKinds::BOTH).await,
        StoreError::Reference { field: "region", .. }
    );
}

/// Moving a caseload: the selected assignments (or all) go to the other user; what the other
/// already carries only leaves the first; each move is an audited update.
pub async fn access_move_assignments(s: Arc<dyn Store>) {
    let s = &*s;
    let reg = seed_registry(s).await;
    let g = s.create_group(&group_draft("KSM Maju", PILANG)).await.expect("group");
    let (a, b) = (user(s, "fasil_a", Role::Facilitator).await, user(s, "fasil_b", Role::Facilitator).await);
    let (h0, h1, h2) = (reg.h[0].id, reg.h[1].id, reg.h[2].id);
    let mine = [Assigned::Household(h0), Assigned::Household(h1), Assigned::Household(h2), Assigned::Group(g.id)];
    s.assign_many(a.id, &mine).await.expect("assign");
    s.assign(b.id, Assigned::Household(h1)).await.expect("b already has h1");

    let some = [Assigned::Household(h0), Assigned::Household(h1)];
    let admin = Actor::system("uji");
    assert_eq!(acting_as(admin.clone(), s.move_assignments(a.id, b.id, Some(&some))).await.expect("move"), 2);
    let of = |u| async move { s.assignments(u).await.expect("list").into_iter().collect::<HashSet<Assigned>>() };
    assert_eq!(of(a.id).await, HashSet::from([Assigned::Household(h2), Assigned::Group(g.id)]));
    assert_eq!(of(b.id).await, HashSet::from([Assigned::Household(h0), Assigned::Household(h1)]));
    let log = entries_of(s, "assignments", None).await;
    let actions: Vec<&str> = log.iter().take(2).map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"update") && actions.contains(&"delete"), "{actions:?}");

    assert_eq!(s.move_assignments(a.id, b.id, None).await.expect("move all"), 2);
    assert!(of(a.id).await.is_empty());
    assert_eq!(of(b.id).await.len(), 4);
    assert_eq!(s.move_assignments(b.id, b.id, None).await.expect("to oneself"), 0);
    assert_err!(s.move_assignments(b.id, b.id + 1000, None).await, StoreError::NotFound { entity: "user" });
}

/// A caseload page: households first by address, then groups by name, with the head's name
/// and the region's; searched by address, head or group name, narrowed by region and kind.
pub async fn access_caseload(s: Arc<dyn Store>) {
    let s = &*s;
    let reg = seed_registry(s).await;
    let g = s.create_group(&group_draft("KSM Maju", PILANG)).await.expect("group");
    let f = user(s, "fasil", Role::Facilitator).await;
    let items = [Assigned::Group(g.id), Assigned::Household(reg.h[1].id), Assigned::Household(reg.h[0].id)];
    s.assign_many(f.id, &items).await.expect("assign");

    let page = s.caseload(f.id, &q("")).await.expect("caseload");
    assert_whole(&page, 3);
    let rows: Vec<(Assigned, &str, Option<&str>, &str)> =
        page.items.iter().map(|i| (i.what, i.label.as_str(), i.head_name.as_deref(), i.region_name.as_str())).collect();
    assert_eq!(
        rows,
        [
            (Assigned::Household(reg.h[1].id), "Dukuh Kutukan Kidul", Some("Wibowo"), "Kutukan"),
            (Assigned::Household(reg.h[0].id), "Jl. Pilang Raya No. 5", Some("Sutrisno"), "Pilang"),
            (Assigned::Group(g.id), "KSM Maju", None, "Pilang"),
        ]
    );
    assert_eq!(page.items[1].region.as_str(), PILANG);
    let labels = |p: Page<CaseloadItem>| p.items.into_iter().map(|i| i.label).collect::<Vec<_>>();
    assert_eq!(labels(s.caseload(f.id, &q("wibo")).await.expect("head")), ["Dukuh Kutukan Kidul"]);
    assert_eq!(labels(s.caseload(f.id, &q("maju")).await.expect("group")), ["KSM Maju"]);
    assert_eq!(labels(s.caseload(f.id, &q("100%")).await.expect("literal")), Vec::<String>::new());
    let pilang = s.caseload(f.id, &in_region("", PILANG)).await.expect("region");
    assert_eq!(labels(pilang), ["Jl. Pilang Raya No. 5", "KSM Maju"]);
    let groups = Query { filters: vec![("kind".into(), "groups".into())], ..q("") };
    assert_eq!(labels(s.caseload(f.id, &groups).await.expect("kind")), ["KSM Maju"]);
    let paged = Query { page: PageRequest::new(2, 2), ..q("") };
    let second = s.caseload(f.id, &paged).await.expect("page 2");
    assert_eq!((second.total, second.items.len()), (3, 1));
    let other = user(s, "lain", Role::Facilitator).await;
    assert_whole(&s.caseload(other.id, &q("")).await.expect("empty"), 0);
}
