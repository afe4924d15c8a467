//! Storage of access: accounts, sessions, API tokens, facilitator assignments, and the
//! audit log.
//!
//! # Who acts
//! Every write a backend makes is attributed to the [`Actor`] of the task that asked for it:
//! the web layer runs each request inside [`acting_as`], the CLI runs its commands as
//! `cli`. Backends read it with [`current_actor`] when they open a write transaction.
//!
//! # The audit log
//! Backends keep the log with database triggers on every registry, program, survey and
//! account table, so a create, update or delete is recorded (who, when, what, before and
//! after) in the same transaction as the change, whichever code path made it. Before a write
//! transaction commits, the backend *seals* the entries it added: it numbers them and chains
//! their hashes with [`berdaya_domain::access::chain_hash`]. The log is append-only: a trigger
//! refuses updates of sealed entries and every delete, and no method here changes it.

use async_trait::async_trait;
use berdaya_domain::access::seal::AuditHead;
use berdaya_domain::access::{AuditEntry, NewUser, PasswordHash, User, UserId, Username};
use berdaya_domain::registry::{Id, RegionCode, Version};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Page, PageRequest, Query, StoreResult};

/// Who a write is attributed to in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user; `None` for the system itself (CLI, demo loader, migrations).
    pub user_id: Option<UserId>,
    /// How the actor is named in the log.
    pub name: String,
}

impl Actor {
    pub fn user(id: UserId, name: impl Into<String>) -> Actor {
        Actor { user_id: Some(id), name: name.into() }
    }

    pub fn system(name: impl Into<String>) -> Actor {
        Actor { user_id: None, name: name.into() }
    }
}

tokio::task_local! {
    static ACTOR: Actor;
}

/// Runs `f` with every store write inside it attributed to `actor`.
pub async fn acting_as<F: std::future::Future>(actor: Actor, f: F) -> F::Output {
    ACTOR.scope(actor, f).await
}

/// The actor of the current task, or `system` outside any [`acting_as`].
pub fn current_actor() -> Actor {
    ACTOR.try_with(Actor::clone).unwrap_or_else(|_| Actor::system("system"))
}

/// A signed-in session. The store keeps only the SHA-256 of the session id, so a stolen
/// database does not hand out live sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: UserId,
    /// The token every state-changing request of this session must carry.
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// An API token for a machine client; acts as its user, with that user's role and area.
/// Only the SHA-256 of the secret is stored; the secret is shown once, at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: UserId,
    /// What the token is for, as its owner named it.
    pub name: String,
    /// The first characters of the secret, to tell tokens apart (`bdy_3f9a…`).
    pub prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A new API token: its owner, name, prefix and the SHA-256 of its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub user_id: UserId,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub expires_at: Option<OffsetDateTime>,
}

impl NewApiToken {
    /// How much of a token is kept in clear to tell tokens apart in listings (`bdy_` and 8).
    pub const PREFIX_CHARS: usize = 12;

    /// A fresh token for a user, expiring after `days` if given, and its secret: shown to
    /// the user once, stored only as its hash.
    pub fn mint(user_id: UserId, name: String, days: Option<u32>) -> (NewApiToken, String) {
        use berdaya_domain::access::secret::{TOKEN_PREFIX, new_secret, secret_hash};
        let secret = new_secret(TOKEN_PREFIX);
        let now = OffsetDateTime::now_utc();
        let token = NewApiToken {
            user_id,
            name,
            prefix: secret.chars().take(Self::PREFIX_CHARS).collect(),
            secret_hash: secret_hash(&secret),
            expires_at: days.map(|d| now + time::Duration::days(i64::from(d))),
        };
        (token, secret)
    }
}

/// What a facilitator is assigned to carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Assigned {
    Household(Id),
    Group(Id),
}

impl Assigned {
    /// The table of what is assigned: `households` or `groups`.
    pub fn kind(self) -> &'static str {
        match self {
            Assigned::Household(_) => "households",
            Assigned::Group(_) => "groups",
        }
    }

    pub fn id(self) -> Id {
        match self {
            Assigned::Household(id) | Assigned::Group(id) => id,
        }
    }
}

/// Which kinds of record a bulk assignment by region covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AssignKinds {
    pub households: bool,
    pub groups: bool,
}

impl AssignKinds {
    pub const BOTH: AssignKinds = AssignKinds { households: true, groups: true };
}

/// How many households and groups a bulk change covered (or would cover).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AssignCounts {
    pub households: u64,
    pub groups: u64,
}

impl AssignCounts {
    pub fn total(self) -> u64 {
        self.households + self.groups
    }

    /// The counts of a list of assignments.
    pub fn of(items: &[Assigned]) -> AssignCounts {
        let households = items.iter().filter(|a| matches!(a, Assigned::Household(_))).count() as u64;
        AssignCounts { households, groups: items.len() as u64 - households }
    }
}

/// One assignment of a facilitator's caseload, with what it is called and where it lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseloadItem {
    pub what: Assigned,
    /// A household's address or a group's name.
    pub label: String,
    /// The head of a household, if it has one.
    pub head_name: Option<String>,
    pub region: RegionCode,
    pub region_name: String,
}

/// An event the audit log records that is not a row change: a login, a failed login, a
/// logout, an unmasked view of a NIK or KK, an export, an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// Details as a JSON object (never a password, NIK or KK).
    pub details: serde_json::Value,
}

/// Filters of the audit page; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries of this actor name (exact).
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Entries at or after this time (an RFC 3339 prefix compares as text: `2026-11-24`).
    pub from: Option<String>,
    /// Entries before this time (exclusive, same form).
    pub until: Option<String>,
    /// Only entries about records inside this region (a reader bound to an area): see
    /// [`audit_region_sql`]. Entries about nothing in a region (logins that failed, exports,
    /// national accounts, survey analyses) are left out.
    pub area: Option<RegionCode>,
}

/// How a backend's SQL reads the parts of an audit entry that [`audit_region_sql`] needs;
/// `{}` in `json_id` and `json_text` stands for a key of the entry's JSON (after, else before).
#[derive(Debug, Clone, Copy)]
pub struct AuditSqlDialect {
    /// The entry's column prefix (`audit_log.`, `a.`).
    pub entry: &'static str,
    /// The entry's `entity_id` as a whole number.
    pub entity_id: &'static str,
    /// A JSON key as a whole number.
    pub json_id: &'static str,
    /// A JSON key as text.
    pub json_text: &'static str,
}

/// The region an audit entry is about, as one SQL expression over the entry: the record's
/// current region where it still exists, else the region its stored JSON names (directly, or
/// through its household, group, agency or account). NULL when the entry is about nothing in a
/// region. Written once for both backends; the dialect fills in the casts and JSON access.
pub fn audit_region_sql(d: &AuditSqlDialect) -> String {
    let id = |key: &str| d.json_id.replace("{}", key);
    let text = |key: &str| d.json_text.replace("{}", key);
    let (e, eid) = (d.entry, d.entity_id);
    format!(
        "CASE {e}entity \
         WHEN 'regions' THEN {e}entity_id \
         WHEN 'households' THEN COALESCE((SELECT x.region FROM households x WHERE x.id = {eid}), {region}) \
         WHEN 'people' THEN (SELECT h.region FROM households h WHERE h.id = COALESCE(\
             (SELECT x.household_id FROM people x WHERE x.id = {eid}), {household})) \
         WHEN 'groups' THEN COALESCE((SELECT x.region FROM groups x WHERE x.id = {eid}), {region}) \
         WHEN 'group_members' THEN (SELECT x.region FROM groups x WHERE x.id = {group}) \
         WHEN 'agencies' THEN COALESCE((SELECT x.region FROM agencies x WHERE x.id = {eid}), {region}) \
         WHEN 'staff' THEN (SELECT x.region FROM agencies x WHERE x.id = {agency}) \
         WHEN 'programs' THEN (SELECT x.region FROM agencies x WHERE x.id = COALESCE(\
             (SELECT p.agency_id FROM programs p WHERE p.id = {eid}), {agency})) \
         WHEN 'program_regions' THEN {region} \
         WHEN 'enrollments' THEN COALESCE(\
             (SELECT x.region FROM households x WHERE x.id = {household}), \
             (SELECT h.region FROM people p JOIN households h ON h.id = p.household_id WHERE p.id = {person}), \
             (SELECT x.region FROM groups x WHERE x.id = {group})) \
         WHEN 'users' THEN COALESCE((SELECT x.area FROM users x WHERE x.id = {eid}), {area}) \
         WHEN 'api_tokens' THEN (SELECT x.area FROM users x WHERE x.id = {user}) \
         WHEN 'assignments' THEN (SELECT x.area FROM users x WHERE x.id = {user}) \
         END",
        region = text("region"),
        area = text("area"),
        household = id("household_id"),
        person = id("person_id"),
        group = id("group_id"),
        agency = id("agency_id"),
        user = id("user_id"),
    )
}

#[async_trait]
pub trait AccessStore {
    // Accounts ----------------------------------------------------------------------------

    /// Adds an account; the username must be free (else [`crate::StoreError::Duplicate`]
    /// on `username`), the agency and group must exist.
    async fn create_user(&self, user: &NewUser, password: &PasswordHash) -> StoreResult<User>;
    /// Changes an account's name, role, area, agency and group.
    async fn update_user(&self, id: UserId, user: &NewUser, version: Version) -> StoreResult<User>;
    /// Replaces the password and ends every session of the user.
    async fn set_password(&self, id: UserId, password: &PasswordHash) -> StoreResult<()>;
    /// Disables or re-enables an account; disabling ends its sessions. A disabled user's
    /// tokens stop working with it.
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<User>;
    async fn user(&self, id: UserId) -> StoreResult<User>;
    /// The account and its password hash, for a login.
    async fn user_for_login(&self, username: &Username) -> StoreResult<Option<(User, PasswordHash)>>;
    /// Every account, by username.
    async fn users(&self) -> StoreResult<Vec<User>>;

    // Sessions ----------------------------------------------------------------------------

    async fn create_session(&self, session: &Session) -> StoreResult<()>;
    /// The session and its (enabled) user, if the session exists and has not expired.
    async fn session(&self, id_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(Session, User)>>;
    /// Ends one session (logout). Ending a session that does not exist is not an error.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;

    // API tokens --------------------------------------------------------------------------

    async fn create_token(&self, token: &NewApiToken) -> StoreResult<ApiToken>;
    /// The token and its (enabled) user, if the secret hash matches a token that is neither
    /// revoked nor expired.
    async fn token_for_secret(&self, secret_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(ApiToken, User)>>;
    /// Tokens of one user, or of everyone, newest first.
    async fn tokens(&self, user_id: Option<UserId>) -> StoreResult<Vec<ApiToken>>;
    /// Revokes a token for good.
    async fn revoke_token(&self, id: i64) -> StoreResult<ApiToken>;

    // Facilitator assignments -------------------------------------------------------------

    /// Assigns a household or group to a facilitator (idempotent).
    async fn assign(&self, user_id: UserId, what: Assigned) -> StoreResult<()>;
    async fn unassign(&self, user_id: UserId, what: Assigned) -> StoreResult<()>;
    async fn assignments(&self, user_id: UserId) -> StoreResult<Vec<Assigned>>;
    /// Whether a household is assigned to the user, directly.
    async fn is_assigned(&self, user_id: UserId, what: Assigned) -> StoreResult<bool>;
    /// Whether the person is a member of the group.
    async fn is_member(&self, group_id: Id, person_id: Id) -> StoreResult<bool>;
    /// Assigns several households and groups in one transaction (idempotent); returns how
    /// many were not assigned before. Every one must exist (else nothing is assigned).
    async fn assign_many(&self, user_id: UserId, items: &[Assigned]) -> StoreResult<u64>;
    /// Removes several assignments in one transaction; returns how many there were.
    async fn unassign_many(&self, user_id: UserId, items: &[Assigned]) -> StoreResult<u64>;
    /// How many households and groups in the region (and below) are not yet assigned to the
    /// user: what [`AccessStore::assign_region`] would add.
    async fn region_unassigned(
        &self,
        user_id: UserId,
        region: &RegionCode,
        kinds: AssignKinds,
    ) -> StoreResult<AssignCounts>;
    /// Assigns every household and group in the region (and below) not yet assigned to the
    /// user, in one transaction; returns how many were added.
    async fn assign_region(
        &self,
        user_id: UserId,
        region: &RegionCode,
        kinds: AssignKinds,
    ) -> StoreResult<AssignCounts>;
    /// Hands assignments of `from` to `to`: all of them, or those in `only`. What `to`
    /// already carries just leaves `from`. Returns how many left `from`.
    async fn move_assignments(&self, from: UserId, to: UserId, only: Option<&[Assigned]>) -> StoreResult<u64>;
    /// How many households and groups are assigned to the user.
    async fn assignment_counts(&self, user_id: UserId) -> StoreResult<AssignCounts>;
    /// A page of the user's assignments, households first, by address or name. `text` is
    /// contained in the address, the head's name or the group's name; `region` narrows to a
    /// subtree; filter `kind` is `households` or `groups`.
    async fn caseload(&self, user_id: UserId, query: &Query) -> StoreResult<Page<CaseloadItem>>;
}

/// The audit log: written by triggers and sealed by each backend's write transaction, read
/// with SQL that differs between the backends (JSON access, batching of the chain).
#[async_trait]
pub trait AuditStore {
    /// Records an event (login, reveal, export…) in its own sealed entry, attributed to the
    /// current actor.
    async fn record_event(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Entries matching the filter, newest first.
    async fn audit_entries(&self, filter: &AuditFilter, page: PageRequest) -> StoreResult<Page<AuditEntry>>;
    /// Every sealed entry in chain order, for `berdaya audit verify`. `sink` returns `false`
    /// to stop. Returns the number of entries read.
    async fn audit_chain(&self, sink: &mut (dyn FnMut(AuditEntry) -> bool + Send)) -> StoreResult<u64>;
    /// The last sealed entry's `seq` and hash (`None` for an empty log): what a seal signs,
    /// read without walking the chain.
    async fn audit_head(&self) -> StoreResult<Option<AuditHead>>;
}

// --- Declared on the store kit ---------------------------------------------------------

mod on_kit {
    //! The tables, row mapping and queries of this capability, declared once on the store
    //! kit for both backends.

    use super::*;
    use async_trait::async_trait;
    use berdaya_domain::access::{NewUser, PasswordHash, Role, User, UserId, Username};
    use berdaya_domain::registry::{Agency, Group, Household, Id, RegionCode, Version};
    use time::OffsetDateTime;

    use crate::kit::{
        Backend, Conn, Listing, Record, Reference, Row, Sql, Value, Where, Writable, any, contains, exec, first, get,
        insert, job, list, now, page, require, rows, subtree, update,
    };
    use crate::registry::HOUSEHOLD_HEAD;
    use crate::{StoreError, StoreResult};

    // --- Records --------------------------------------------------------------------------------

    /// An account, never with its password hash.
    impl Record for User {
        const TABLE: &'static str = "users";
        const ALIAS: &'static str = "u";
        const ENTITY: &'static str = "user";
        const COLUMNS: &'static str = "id, username, display_name, role, area, agency_id, group_id, disabled, version";

        fn from_row(row: &Row) -> StoreResult<User> {
            Ok(User {
                id: row.int("id")?,
                username: row.parsed("username", Username::parse)?,
                display_name: row.text("display_name")?,
                role: row.parsed("role", Role::parse)?,
                area: row.opt_parsed("area", RegionCode::parse)?,
                agency_id: row.opt_int("agency_id")?,
                group_id: row.opt_int("group_id")?,
                disabled: row.bool("disabled")?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for User {
        type New = NewUser;
        const UNIQUE: Option<(&'static str, &'static str)> = Some(("username", "this username is already taken"));

        fn values(u: &NewUser) -> Vec<(&'static str, Value)> {
            vec![
                ("username", u.username.as_str().into()),
                ("display_name", u.display_name.as_str().into()),
                ("role", u.role.code().into()),
                ("area", u.area.as_ref().map(RegionCode::as_str).into()),
                ("agency_id", u.agency_id.into()),
                ("group_id", u.group_id.into()),
            ]
        }

        /// The area, agency and group of an account must exist.
        fn references(u: &NewUser) -> Vec<Reference> {
            let area = u.area.as_ref().map(|a| Reference::region("area", a));
            let agency = u.agency_id.map(|id| Reference::id("agency_id", Agency::TABLE, Agency::ENTITY, id));
            let group = u.group_id.map(|id| Reference::id("group_id", Group::TABLE, Group::ENTITY, id));
            area.into_iter().chain(agency).chain(group).collect()
        }
    }

    impl Record for Session {
        const TABLE: &'static str = "sessions";
        const ALIAS: &'static str = "s";
        const KEY: &'static str = "id_hash";
        const ENTITY: &'static str = "session";
        const COLUMNS: &'static str = "id_hash, user_id, csrf_token, created_at, expires_at";

        fn from_row(row: &Row) -> StoreResult<Session> {
            Ok(Session {
                id_hash: row.text("id_hash")?,
                user_id: row.int("user_id")?,
                csrf_token: row.text("csrf_token")?,
                created_at: row.time("created_at")?,
                expires_at: row.time("expires_at")?,
            })
        }
    }

    impl Writable for Session {
        type New = Session;
        const UNIQUE: Option<(&'static str, &'static str)> = Some(("id_hash", "this session id is already registered"));

        fn values(s: &Session) -> Vec<(&'static str, Value)> {
            vec![
                ("id_hash", s.id_hash.as_str().into()),
                ("user_id", s.user_id.into()),
                ("csrf_token", s.csrf_token.as_str().into()),
                ("created_at", s.created_at.into()),
                ("expires_at", s.expires_at.into()),
            ]
        }
    }

    /// A token, never with its secret's hash.
    impl Record for ApiToken {
        const TABLE: &'static str = "api_tokens";
        const ALIAS: &'static str = "t";
        const ENTITY: &'static str = "API token";
        const COLUMNS: &'static str = "id, user_id, name, prefix, created_at, expires_at, revoked_at";

        fn from_row(row: &Row) -> StoreResult<ApiToken> {
            Ok(ApiToken {
                id: row.int("id")?,
                user_id: row.int("user_id")?,
                name: row.text("name")?,
                prefix: row.text("prefix")?,
                created_at: row.time("created_at")?,
                expires_at: row.opt_time("expires_at")?,
                revoked_at: row.opt_time("revoked_at")?,
            })
        }
    }

    impl Writable for ApiToken {
        type New = NewApiToken;
        const UNIQUE: Option<(&'static str, &'static str)> =
            Some(("secret_hash", "this token secret is already registered"));

        fn values(t: &NewApiToken) -> Vec<(&'static str, Value)> {
            vec![
                ("user_id", t.user_id.into()),
                ("name", t.name.as_str().into()),
                ("prefix", t.prefix.as_str().into()),
                ("secret_hash", t.secret_hash.as_str().into()),
                ("expires_at", t.expires_at.into()),
            ]
        }
    }

    /// The assignment column, the table it refers to, and the id of what is assigned.
    fn assigned(what: Assigned) -> (&'static str, Reference) {
        match what {
            Assigned::Household(id) => {
                ("household_id", Reference::id("household_id", Household::TABLE, Household::ENTITY, id))
            }
            Assigned::Group(id) => ("group_id", Reference::id("group_id", Group::TABLE, Group::ENTITY, id)),
        }
    }

    /// `<col> = ?`.
    fn equals(col: &str, value: impl Into<Value>) -> Sql {
        let mut sql = Sql::new(format!("{col} = "));
        sql.bind(value);
        sql
    }

    /// The account a session or a token acts as, if it is enabled.
    async fn enabled_user(c: &mut dyn Conn, id: UserId) -> StoreResult<Option<User>> {
        Ok(crate::kit::find::<User>(c, id).await?.filter(|u| !u.disabled))
    }

    /// Ends every session of a user.
    async fn end_sessions(c: &mut dyn Conn, id: UserId) -> StoreResult<()> {
        let mut sql = Sql::new("DELETE FROM sessions WHERE user_id = ");
        sql.bind(id);
        exec(c, &sql).await.map(drop)
    }

    /// Adds one assignment unless it exists; 1 when added. What is assigned must exist.
    async fn insert_assignment(c: &mut dyn Conn, user_id: UserId, what: Assigned) -> StoreResult<u64> {
        let (col, target) = assigned(what);
        let id = target.value.clone();
        crate::kit::check_references(c, vec![target]).await?;
        let mut sql = Sql::new(format!("INSERT INTO assignments (user_id, {col}) VALUES "));
        sql.list([Value::Int(user_id), id]).push(" ON CONFLICT DO NOTHING");
        exec(c, &sql).await
    }

    /// `(household_id IN (…) OR group_id IN (…))` over the assignments `items` names.
    fn among(items: &[Assigned]) -> Sql {
        let ids = |kind: fn(&Assigned) -> Option<Id>| items.iter().filter_map(kind).collect::<Vec<Id>>();
        let households = ids(|a| matches!(a, Assigned::Household(_)).then(|| a.id()));
        let groups = ids(|a| matches!(a, Assigned::Group(_)).then(|| a.id()));
        let mut sql = Sql::new("(1 = 0");
        for (col, list) in [("household_id", households), ("group_id", groups)] {
            if !list.is_empty() {
                sql.push(&format!(" OR {col} IN ")).list(list);
            }
        }
        sql.push(")");
        sql
    }

    /// For each kind a region assignment covers: its assignment column and the ids of the
    /// records of that kind in the region not yet assigned to the user.
    fn unassigned_in(user_id: UserId, region: &RegionCode, kinds: AssignKinds) -> Vec<(&'static str, Sql)> {
        let mut out = Vec::new();
        for (wanted, col, table) in
            [(kinds.households, "household_id", "households"), (kinds.groups, "group_id", "groups")]
        {
            if !wanted {
                continue;
            }
            let mut sql = Sql::new(format!("SELECT x.id FROM {table} x WHERE "));
            sql.append(&subtree("x.region", region.as_str()));
            sql.push(&format!(" AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.{col} = x.id AND a.user_id = "));
            sql.bind(user_id).push(")");
            out.push((col, sql));
        }
        out
    }

    /// Counts per kind, from `(column, count)` pairs.
    fn counts(parts: impl IntoIterator<Item = (&'static str, u64)>) -> AssignCounts {
        let mut c = AssignCounts::default();
        for (col, n) in parts {
            if col == "household_id" {
                c.households += n;
            } else {
                c.groups += n;
            }
        }
        c
    }

    /// The caseload listing of a user.
    fn caseload_listing(user_id: UserId, q: &Query) -> Listing {
        let mut w = Where::default();
        w.and(equals("a.user_id", user_id));
        if let Some(t) = q.text_str() {
            let mut cond = Sql::new("(");
            cond.append(&contains("h.address_key", t)).push(" OR ").append(&contains("g.name_key", t));
            cond.push(" OR EXISTS (SELECT 1 FROM people x WHERE x.household_id = h.id AND x.relation = 'head' AND ");
            cond.append(&contains("x.name_key", t)).push("))");
            w.and(cond);
        }
        if let Some(r) = &q.region {
            w.and(subtree("r.code", r.as_str()));
        }
        match q.filter("kind") {
            Some("households") => w.and(Sql::new("a.household_id IS NOT NULL")),
            Some("groups") => w.and(Sql::new("a.group_id IS NOT NULL")),
            Some(_) => w.and(Sql::new("1 = 0")),
            None => &mut w,
        };
        let select = Sql::new(format!(
            "SELECT a.household_id, a.group_id, COALESCE(h.address, g.name) AS label, {HOUSEHOLD_HEAD} AS head_name, \
             r.code AS region, r.name AS region_name"
        ));
        let mut from = Sql::new(
            "FROM assignments a LEFT JOIN households h ON h.id = a.household_id \
             LEFT JOIN groups g ON g.id = a.group_id JOIN regions r ON r.code = COALESCE(h.region, g.region)",
        );
        from.append(&w.to_sql());
        let order =
            Sql::new("CASE WHEN a.household_id IS NULL THEN 1 ELSE 0 END, COALESCE(h.address_key, g.name_key), a.id");
        Listing { select, from, order, page: q.page }
    }

    fn caseload_item(row: &Row) -> StoreResult<CaseloadItem> {
        let what = match (row.opt_int("household_id")?, row.opt_int("group_id")?) {
            (Some(h), None) => Assigned::Household(h),
            (None, Some(g)) => Assigned::Group(g),
            _ => return Err(crate::kit::corrupt("assignment", "not exactly one of household and group")),
        };
        Ok(CaseloadItem {
            what,
            label: row.text("label")?,
            head_name: row.opt_text("head_name")?,
            region: row.parsed("region", RegionCode::parse)?,
            region_name: row.text("region_name")?,
        })
    }

    // --- The store ------------------------------------------------------------------------------

    #[async_trait]
    impl<B: Backend> AccessStore for B {
        async fn create_user(&self, user: &NewUser, password: &PasswordHash) -> StoreResult<User> {
            let (u, hash) = (user.clone(), password.as_str().to_string());
            self.write(job(move |c| {
                Box::pin(async move {
                    let id = insert::<User>(c, &u, vec![("password_hash", hash.into())]).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn update_user(&self, id: UserId, user: &NewUser, version: Version) -> StoreResult<User> {
            let u = user.clone();
            self.write(job(move |c| Box::pin(async move { update::<User>(c, id, &u, version).await }))).await
        }

        async fn set_password(&self, id: UserId, password: &PasswordHash) -> StoreResult<()> {
            let hash = password.as_str().to_string();
            self.write(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("UPDATE users SET password_hash = ");
                    sql.bind(hash).push(", version = version + 1 WHERE id = ").bind(id);
                    if exec(c, &sql).await? == 0 {
                        return Err(StoreError::NotFound { entity: User::ENTITY });
                    }
                    end_sessions(c, id).await
                })
            }))
            .await
        }

        async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<User> {
            self.write(job(move |c| {
                Box::pin(async move {
                    // No change, no new version and no audit entry.
                    let mut sql = Sql::new("UPDATE users SET disabled = ");
                    sql.bind(disabled).push(", version = version + 1 WHERE id = ").bind(id);
                    sql.push(" AND disabled <> ").bind(disabled);
                    if exec(c, &sql).await? == 0 {
                        require::<User>(c, id).await?;
                    }
                    if disabled {
                        end_sessions(c, id).await?;
                    }
                    get(c, id).await
                })
            }))
            .await
        }

        async fn user(&self, id: UserId) -> StoreResult<User> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn user_for_login(&self, username: &Username) -> StoreResult<Option<(User, PasswordHash)>> {
            let username = username.as_str().to_string();
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new(format!(
                        "SELECT {}, u.password_hash FROM users u WHERE u.username = ",
                        User::columns()
                    ));
                    sql.bind(username.as_str());
                    let Some(row) = first(c, &sql).await? else { return Ok(None) };
                    let hash = PasswordHash::from_stored(row.text("password_hash")?)
                        .map_err(|e| StoreError::Backend(format!("user {username}: {e}")))?;
                    Ok(Some((User::from_row(&row)?, hash)))
                })
            }))
            .await
        }

        async fn users(&self) -> StoreResult<Vec<User>> {
            self.read(job(|c| Box::pin(async move { list::<User>(c, Sql::new("1 = 1"), "u.username").await }))).await
        }

        async fn create_session(&self, session: &Session) -> StoreResult<()> {
            let s = session.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<User>(c, s.user_id).await?;
                    insert::<Session>(c, &s, Vec::new()).await.map(drop)
                })
            }))
            .await
        }

        async fn session(&self, id_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(Session, User)>> {
            let id_hash = id_hash.to_string();
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut cond = equals("s.id_hash", id_hash);
                    cond.push(" AND s.expires_at > ").bind(now);
                    let Some(session) = list::<Session>(c, cond, "s.id_hash").await?.pop() else { return Ok(None) };
                    Ok(enabled_user(c, session.user_id).await?.map(|u| (session, u)))
                })
            }))
            .await
        }

        async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
            let id_hash = id_hash.to_string();
            self.write(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("DELETE FROM sessions WHERE id_hash = ");
                    sql.bind(id_hash);
                    exec(c, &sql).await.map(drop)
                })
            }))
            .await
        }

        async fn create_token(&self, token: &NewApiToken) -> StoreResult<ApiToken> {
            let t = token.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<User>(c, t.user_id).await?;
                    let id = insert::<ApiToken>(c, &t, vec![("created_at", now().into())]).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn token_for_secret(
            &self,
            secret_hash: &str,
            now: OffsetDateTime,
        ) -> StoreResult<Option<(ApiToken, User)>> {
            let secret_hash = secret_hash.to_string();
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut cond = equals("t.secret_hash", secret_hash);
                    cond.push(" AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ").bind(now);
                    cond.push(")");
                    let Some(token) = list::<ApiToken>(c, cond, "t.id").await?.pop() else { return Ok(None) };
                    Ok(enabled_user(c, token.user_id).await?.map(|u| (token, u)))
                })
            }))
            .await
        }

        async fn tokens(&self, user_id: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let cond = user_id.map_or_else(|| Sql::new("1 = 1"), |id| equals("t.user_id", id));
                    list::<ApiToken>(c, cond, "t.created_at DESC, t.id DESC").await
                })
            }))
            .await
        }

        async fn revoke_token(&self, id: i64) -> StoreResult<ApiToken> {
            self.write(job(move |c| {
                Box::pin(async move {
                    // Revoking twice keeps the first time (and records nothing new).
                    let mut sql = Sql::new("UPDATE api_tokens SET revoked_at = ");
                    sql.bind(now()).push(" WHERE id = ").bind(id).push(" AND revoked_at IS NULL");
                    exec(c, &sql).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn assign(&self, user_id: UserId, what: Assigned) -> StoreResult<()> {
            self.assign_many(user_id, &[what]).await.map(drop)
        }

        async fn unassign(&self, user_id: UserId, what: Assigned) -> StoreResult<()> {
            self.unassign_many(user_id, &[what]).await.map(drop)
        }

        async fn assignments(&self, user_id: UserId) -> StoreResult<Vec<Assigned>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("SELECT household_id, group_id FROM assignments WHERE user_id = ");
                    sql.bind(user_id).push(" ORDER BY id");
                    rows(c, &sql)
                        .await?
                        .iter()
                        .map(|r| match (r.opt_int("household_id")?, r.opt_int("group_id")?) {
                            (Some(h), None) => Ok(Assigned::Household(h)),
                            (None, Some(g)) => Ok(Assigned::Group(g)),
                            _ => Err(crate::kit::corrupt("assignment", "not exactly one of household and group")),
                        })
                        .collect()
                })
            }))
            .await
        }

        async fn is_assigned(&self, user_id: UserId, what: Assigned) -> StoreResult<bool> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let (col, target) = assigned(what);
                    let mut sql = Sql::new("SELECT 1 FROM assignments WHERE ");
                    sql.append(&equals("user_id", user_id)).push(" AND ").append(&equals(col, target.value));
                    any(c, &sql).await
                })
            }))
            .await
        }

        async fn is_member(&self, group_id: Id, person_id: Id) -> StoreResult<bool> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("SELECT 1 FROM group_members WHERE ");
                    sql.append(&equals("group_id", group_id)).push(" AND ").append(&equals("person_id", person_id));
                    any(c, &sql).await
                })
            }))
            .await
        }
        async fn assign_many(&self, user_id: UserId, items: &[Assigned]) -> StoreResult<u64> {
            let items = items.to_vec();
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<User>(c, user_id).await?;
                    let mut added = 0;
                    for what in items {
                        added += insert_assignment(c, user_id, what).await?;
                    }
                    Ok(added)
                })
            }))
            .await
        }

        async fn unassign_many(&self, user_id: UserId, items: &[Assigned]) -> StoreResult<u64> {
            let items = items.to_vec();
            self.write(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("DELETE FROM assignments WHERE ");
                    sql.append(&equals("user_id", user_id)).push(" AND ").append(&among(&items));
                    exec(c, &sql).await
                })
            }))
            .await
        }

        async fn region_unassigned(
            &self,
            user_id: UserId,
            region: &RegionCode,
            kinds: AssignKinds,
        ) -> StoreResult<AssignCounts> {
            let parts = unassigned_in(user_id, region, kinds);
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut out = Vec::new();
                    for (col, ids) in parts {
                        let mut sql = Sql::new("SELECT count(*) AS n FROM (");
                        sql.append(&ids).push(") t");
                        let n = first(c, &sql).await?.map(|r| r.int("n")).transpose()?.unwrap_or(0);
                        out.push((col, u64::try_from(n).unwrap_or(0)));
                    }
                    Ok(counts(out))
                })
            }))
            .await
        }

        async fn assign_region(
            &self,
            user_id: UserId,
            region: &RegionCode,
            kinds: AssignKinds,
        ) -> StoreResult<AssignCounts> {
            let parts = unassigned_in(user_id, region, kinds);
            let code = region.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<User>(c, user_id).await?;
                    crate::kit::check_references(c, vec![Reference::region("region", &code)]).await?;
                    let mut out = Vec::new();
                    for (col, ids) in parts {
                        let mut sql = Sql::new(format!("INSERT INTO assignments (user_id, {col}) SELECT "));
                        sql.bind(user_id).push(", t.id FROM (").append(&ids).push(") t");
                        out.push((col, exec(c, &sql).await?));
                    }
                    Ok(counts(out))
                })
            }))
            .await
        }

        async fn move_assignments(&self, from: UserId, to: UserId, only: Option<&[Assigned]>) -> StoreResult<u64> {
            let only = only.map(<[Assigned]>::to_vec);
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<User>(c, from).await?;
                    require::<User>(c, to).await?;
                    if from == to {
                        return Ok(0);
                    }
                    let mut mine = equals("user_id", from);
                    if let Some(items) = &only {
                        mine.push(" AND ").append(&among(items));
                    }
                    // What `to` lacks changes hands (an update, audited as one); the rest
                    // is already theirs and only leaves `from`.
                    let mut sql = Sql::new("UPDATE assignments SET user_id = ");
                    sql.bind(to).push(" WHERE ").append(&mine);
                    sql.push(" AND NOT EXISTS (SELECT 1 FROM assignments b WHERE b.user_id = ").bind(to);
                    sql.push(" AND (b.household_id = assignments.household_id OR b.group_id = assignments.group_id))");
                    let moved = exec(c, &sql).await?;
                    let mut rest = Sql::new("DELETE FROM assignments WHERE ");
                    rest.append(&mine);
                    Ok(moved + exec(c, &rest).await?)
                })
            }))
            .await
        }

        async fn assignment_counts(&self, user_id: UserId) -> StoreResult<AssignCounts> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new(
                        "SELECT count(household_id) AS households, count(group_id) AS groups FROM assignments WHERE ",
                    );
                    sql.append(&equals("user_id", user_id));
                    let row = first(c, &sql).await?;
                    let n =
                        |col: &str| row.as_ref().map_or(Ok(0), |r| r.int(col)).map(|n| u64::try_from(n).unwrap_or(0));
                    Ok(AssignCounts { households: n("households")?, groups: n("groups")? })
                })
            }))
            .await
        }

        async fn caseload(&self, user_id: UserId, query: &Query) -> StoreResult<Page<CaseloadItem>> {
            let l = caseload_listing(user_id, query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, caseload_item).await }))).await
        }
    }
}
