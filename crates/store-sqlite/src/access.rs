//! The access tables: users, sessions, API tokens, facilitator assignments, and reads of the
//! audit log (its rows are written by triggers and sealed by [`crate::audit`]).

use async_trait::async_trait;
use berdaya_domain::access::seal::AuditHead;
use berdaya_domain::access::{AuditEntry, NewUser, PasswordHash, Role, User, UserId, Username};
use berdaya_domain::registry::{Id, RegionCode, Version};
use berdaya_store::access::{
    AccessStore, ApiToken, Assigned, AuditEvent, AuditFilter, AuditSqlDialect, NewApiToken, Session, audit_region_sql,
};
use berdaya_store::{Page, PageRequest, StoreError, StoreResult};
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::registry::{exists, missing_or_conflict, not_found, page_of, unique, where_clause};
use crate::{SqliteStore, audit, backend};

// --- Times --------------------------------------------------------------------------------

/// Session and token times: UTC to the microsecond, fixed width, so they compare as text.
const STAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

fn stamp(t: OffsetDateTime) -> StoreResult<String> {
    t.to_offset(UtcOffset::UTC)
        .format(STAMP)
        .map_err(|e| StoreError::Backend(format!("cannot store the time {t}: {e}")))
}

fn time_at(row: &Row, col: &str) -> rusqlite::Result<OffsetDateTime> {
    let s: String = row.get(col)?;
    parse_stamp(col, &s)
}

fn opt_time_at(row: &Row, col: &str) -> rusqlite::Result<Option<OffsetDateTime>> {
    let s: Option<String> = row.get(col)?;
    s.map(|s| parse_stamp(col, &s)).transpose()
}

fn parse_stamp(col: &str, s: &str) -> rusqlite::Result<OffsetDateTime> {
    PrimitiveDateTime::parse(s, STAMP).map(PrimitiveDateTime::assume_utc).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("stored {col} is invalid: {e}").into(),
        )
    })
}

/// Now, to the microsecond (what the database keeps).
fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap_or(t)
}

// --- Mapping ------------------------------------------------------------------------------

fn corrupt(col: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("stored {col} is invalid: {e}").into(),
    )
}

/// The columns of a user, prefixed `u.`, never the password hash.
const USER_COLS: &str =
    "u.id, u.username, u.display_name, u.role, u.area, u.agency_id, u.group_id, u.disabled, u.version";

fn user_from(row: &Row) -> rusqlite::Result<User> {
    let username: String = row.get("username")?;
    let role: String = row.get("role")?;
    let area: Option<String> = row.get("area")?;
    Ok(User {
        id: row.get("id")?,
        username: Username::parse(&username).map_err(|e| corrupt("username", e))?,
        display_name: row.get("display_name")?,
        role: Role::parse(&role).map_err(|e| corrupt("role", e))?,
        area: area.map(|a| RegionCode::parse(&a).map_err(|e| corrupt("area", e))).transpose()?,
        agency_id: row.get("agency_id")?,
        group_id: row.get("group_id")?,
        disabled: row.get("disabled")?,
        version: row.get("version")?,
    })
}

/// The columns of a session, as `s_…`, beside a user's.
const SESSION_COLS: &str = "s.id_hash AS s_id_hash, s.user_id AS s_user_id, s.csrf_token AS s_csrf_token, \
                            s.created_at AS s_created_at, s.expires_at AS s_expires_at";

fn session_from(row: &Row) -> rusqlite::Result<Session> {
    Ok(Session {
        id_hash: row.get("s_id_hash")?,
        user_id: row.get("s_user_id")?,
        csrf_token: row.get("s_csrf_token")?,
        created_at: time_at(row, "s_created_at")?,
        expires_at: time_at(row, "s_expires_at")?,
    })
}

/// The columns of a token, as `t_…`, never the secret's hash.
const TOKEN_COLS: &str = "t.id AS t_id, t.user_id AS t_user_id, t.name AS t_name, t.prefix AS t_prefix, \
                          t.created_at AS t_created_at, t.expires_at AS t_expires_at, t.revoked_at AS t_revoked_at";

fn token_from(row: &Row) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: row.get("t_id")?,
        user_id: row.get("t_user_id")?,
        name: row.get("t_name")?,
        prefix: row.get("t_prefix")?,
        created_at: time_at(row, "t_created_at")?,
        expires_at: opt_time_at(row, "t_expires_at")?,
        revoked_at: opt_time_at(row, "t_revoked_at")?,
    })
}

const AUDIT_COLS: &str = "seq, at, actor_id, actor, action, entity, entity_id, before, after, prev_hash, hash";

fn audit_from(row: &Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.get("seq")?,
        at: row.get("at")?,
        actor_id: row.get("actor_id")?,
        actor: row.get("actor")?,
        action: row.get("action")?,
        entity: row.get("entity")?,
        entity_id: row.get("entity_id")?,
        before: row.get("before")?,
        after: row.get("after")?,
        prev_hash: row.get("prev_hash")?,
        hash: row.get("hash")?,
    })
}

// --- Helpers ------------------------------------------------------------------------------

fn get_user(conn: &Connection, id: UserId) -> StoreResult<User> {
    conn.prepare_cached(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = ?1"))
        .and_then(|mut s| s.query_row([id], user_from))
        .map_err(not_found("user"))
}

fn require_user(conn: &Connection, id: UserId) -> StoreResult<()> {
    if exists(conn, "SELECT 1 FROM users WHERE id = ?1", &id)? {
        Ok(())
    } else {
        Err(StoreError::NotFound { entity: "user" })
    }
}

/// The area, agency and group of an account must exist.
fn check_user_refs(conn: &Connection, u: &NewUser) -> StoreResult<()> {
    if let Some(area) = &u.area
        && !exists(conn, "SELECT 1 FROM regions WHERE code = ?1", &area.as_str())?
    {
        return Err(StoreError::Reference { field: "area", message: format!("region {area} does not exist") });
    }
    if let Some(agency) = u.agency_id
        && !exists(conn, "SELECT 1 FROM agencies WHERE id = ?1", &agency)?
    {
        return Err(StoreError::Reference { field: "agency_id", message: format!("agency {agency} does not exist") });
    }
    if let Some(group) = u.group_id
        && !exists(conn, "SELECT 1 FROM groups WHERE id = ?1", &group)?
    {
        return Err(StoreError::Reference { field: "group_id", message: format!("group {group} does not exist") });
    }
    Ok(())
}

fn get_token(conn: &Connection, id: i64) -> StoreResult<ApiToken> {
    conn.prepare_cached(&format!("SELECT {TOKEN_COLS} FROM api_tokens t WHERE t.id = ?1"))
        .and_then(|mut s| s.query_row([id], token_from))
        .map_err(not_found("API token"))
}

/// The column and id of an assignment.
fn assigned_col(what: Assigned) -> (&'static str, Id) {
    match what {
        Assigned::Household(id) => ("household_id", id),
        Assigned::Group(id) => ("group_id", id),
    }
}

// --- The trait ----------------------------------------------------------------------------

#[async_trait]
impl AccessStore for SqliteStore {
    async fn create_user(&self, user: &NewUser, password: &PasswordHash) -> StoreResult<User> {
        let (u, hash) = (user.clone(), password.as_str().to_string());
        self.write(move |tx| {
            check_user_refs(tx, &u)?;
            tx.execute(
                "INSERT INTO users (username, display_name, role, area, agency_id, group_id, password_hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    u.username.as_str(),
                    u.display_name,
                    u.role.code(),
                    u.area.as_ref().map(RegionCode::as_str),
                    u.agency_id,
                    u.group_id,
                    hash
                ],
            )
            .map_err(|e| unique(e, "username", &format!("username {}", u.username)))?;
            get_user(tx, tx.last_insert_rowid())
        })
        .await
    }

    async fn update_user(&self, id: UserId, user: &NewUser, version: Version) -> StoreResult<User> {
        let u = user.clone();
        self.write(move |tx| {
            check_user_refs(tx, &u)?;
            let n = tx
                .execute(
                    "UPDATE users SET username = ?2, display_name = ?3, role = ?4, area = ?5, agency_id = ?6, \
                     group_id = ?7, version = version + 1 WHERE id = ?1 AND version = ?8",
                    params![
                        id,
                        u.username.as_str(),
                        u.display_name,
                        u.role.code(),
                        u.area.as_ref().map(RegionCode::as_str),
                        u.agency_id,
                        u.group_id,
                        version
                    ],
                )
                .map_err(|e| unique(e, "username", &format!("username {}", u.username)))?;
            if n == 0 {
                return Err(missing_or_conflict(tx, "users", "id", &id, "user", version));
            }
            get_user(tx, id)
        })
        .await
    }

    async fn set_password(&self, id: UserId, password: &PasswordHash) -> StoreResult<()> {
        let hash = password.as_str().to_string();
        self.write(move |tx| {
            let n =
                tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![id, hash]).map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound { entity: "user" });
            }
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id]).map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<User> {
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE users SET disabled = ?2, version = version + 1 WHERE id = ?1 AND disabled <> ?2",
                    params![id, disabled],
                )
                .map_err(backend)?;
            if n == 0 {
                // Already in that state, or missing.
                require_user(tx, id)?;
            }
            if disabled {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id]).map_err(backend)?;
            }
            get_user(tx, id)
        })
        .await
    }

    async fn user(&self, id: UserId) -> StoreResult<User> {
        self.call(move |c| get_user(c, id)).await
    }

    async fn user_for_login(&self, username: &Username) -> StoreResult<Option<(User, PasswordHash)>> {
        let username = username.as_str().to_string();
        self.call(move |c| {
            let found = c
                .prepare_cached(&format!("SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username = ?1"))
                .and_then(|mut s| {
                    s.query_row([&username], |r| Ok((user_from(r)?, r.get::<_, String>("password_hash")?))).optional()
                })
                .map_err(backend)?;
            found
                .map(|(user, hash)| {
                    PasswordHash::from_stored(hash)
                        .map(|h| (user, h))
                        .map_err(|e| StoreError::Backend(format!("user {username}: {e}")))
                })
                .transpose()
        })
        .await
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        self.call(|c| {
            let mut s =
                c.prepare_cached(&format!("SELECT {USER_COLS} FROM users u ORDER BY u.username")).map_err(backend)?;
            s.query_map([], user_from).map_err(backend)?.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
    }

    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        let s = session.clone();
        let (created, expires) = (stamp(s.created_at)?, stamp(s.expires_at)?);
        self.write(move |tx| {
            require_user(tx, s.user_id)?;
            tx.execute(
                "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.id_hash, s.user_id, s.csrf_token, created, expires],
            )
            .map_err(|e| unique(e, "id_hash", "this session id"))?;
            Ok(())
        })
        .await
    }

    async fn session(&self, id_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(Session, User)>> {
        let (id_hash, now) = (id_hash.to_string(), stamp(now)?);
        self.call(move |c| {
            c.prepare_cached(&format!(
                "SELECT {SESSION_COLS}, {USER_COLS} FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0"
            ))
            .and_then(|mut s| s.query_row(params![id_hash, now], |r| Ok((session_from(r)?, user_from(r)?))).optional())
            .map_err(backend)
        })
        .await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let id_hash = id_hash.to_string();
        self.write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE id_hash = ?1", [&id_hash]).map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn create_token(&self, token: &NewApiToken) -> StoreResult<ApiToken> {
        let t = token.clone();
        let created = stamp(now())?;
        let expires = t.expires_at.map(stamp).transpose()?;
        self.write(move |tx| {
            require_user(tx, t.user_id)?;
            tx.execute(
                "INSERT INTO api_tokens (user_id, name, prefix, secret_hash, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![t.user_id, t.name, t.prefix, t.secret_hash, created, expires],
            )
            .map_err(|e| unique(e, "secret_hash", "this token secret"))?;
            get_token(tx, tx.last_insert_rowid())
        })
        .await
    }

    async fn token_for_secret(&self, secret_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(ApiToken, User)>> {
        let (secret_hash, now) = (secret_hash.to_string(), stamp(now)?);
        self.call(move |c| {
            c.prepare_cached(&format!(
                "SELECT {TOKEN_COLS}, {USER_COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.secret_hash = ?1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2) \
                 AND u.disabled = 0"
            ))
            .and_then(|mut s| {
                s.query_row(params![secret_hash, now], |r| Ok((token_from(r)?, user_from(r)?))).optional()
            })
            .map_err(backend)
        })
        .await
    }

    async fn tokens(&self, user_id: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
        self.call(move |c| {
            let mut s = c
                .prepare_cached(&format!(
                    "SELECT {TOKEN_COLS} FROM api_tokens t WHERE ?1 IS NULL OR t.user_id = ?1 \
                     ORDER BY t.created_at DESC, t.id DESC"
                ))
                .map_err(backend)?;
            s.query_map([user_id], token_from).map_err(backend)?.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
    }

    async fn revoke_token(&self, id: i64) -> StoreResult<ApiToken> {
        let at = stamp(now())?;
        self.write(move |tx| {
            // Revoking twice keeps the first time.
            tx.execute("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, at])
                .map_err(backend)?;
            get_token(tx, id)
        })
        .await
    }

    async fn assign(&self, user_id: UserId, what: Assigned) -> StoreResult<()> {
        self.write(move |tx| {
            require_user(tx, user_id)?;
            let (col, id) = assigned_col(what);
            let (table, kind) = match what {
                Assigned::Household(_) => ("households", "household"),
                Assigned::Group(_) => ("groups", "group"),
            };
            if !exists(tx, &format!("SELECT 1 FROM {table} WHERE id = ?1"), &id)? {
                return Err(StoreError::Reference { field: col, message: format!("{kind} {id} does not exist") });
            }
            tx.execute(
                &format!("INSERT INTO assignments (user_id, {col}) VALUES (?1, ?2) ON CONFLICT DO NOTHING"),
                params![user_id, id],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn unassign(&self, user_id: UserId, what: Assigned) -> StoreResult<()> {
        self.write(move |tx| {
            let (col, id) = assigned_col(what);
            tx.execute(&format!("DELETE FROM assignments WHERE user_id = ?1 AND {col} = ?2"), params![user_id, id])
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn assignments(&self, user_id: UserId) -> StoreResult<Vec<Assigned>> {
        self.call(move |c| {
            let mut s = c
                .prepare_cached("SELECT household_id, group_id FROM assignments WHERE user_id = ?1 ORDER BY id")
                .map_err(backend)?;
            let rows = s
                .query_map([user_id], |r| Ok((r.get::<_, Option<Id>>(0)?, r.get::<_, Option<Id>>(1)?)))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            rows.into_iter()
                .map(|row| match row {
                    (Some(h), _) => Ok(Assigned::Household(h)),
                    (None, Some(g)) => Ok(Assigned::Group(g)),
                    (None, None) => {
                        Err(StoreError::Backend("stored assignment has neither household nor group".into()))
                    }
                })
                .collect()
        })
        .await
    }

    async fn is_assigned(&self, user_id: UserId, what: Assigned) -> StoreResult<bool> {
        self.call(move |c| {
            let (col, id) = assigned_col(what);
            c.prepare_cached(&format!("SELECT 1 FROM assignments WHERE user_id = ?1 AND {col} = ?2"))
                .and_then(|mut s| s.exists(params![user_id, id]))
                .map_err(backend)
        })
        .await
    }

    async fn is_member(&self, group_id: Id, person_id: Id) -> StoreResult<bool> {
        self.call(move |c| {
            c.prepare_cached("SELECT 1 FROM group_members WHERE group_id = ?1 AND person_id = ?2")
                .and_then(|mut s| s.exists(params![group_id, person_id]))
                .map_err(backend)
        })
        .await
    }

    async fn record_event(&self, event: &AuditEvent) -> StoreResult<()> {
        let e = event.clone();
        self.write(move |tx| audit::insert_event(tx, &e.action, &e.entity, e.entity_id.as_deref(), &e.details)).await
    }

    async fn audit_entries(&self, filter: &AuditFilter, page: PageRequest) -> StoreResult<Page<AuditEntry>> {
        const SQLITE_AUDIT: AuditSqlDialect = AuditSqlDialect {
            entry: "audit_log.",
            entity_id: "CAST(audit_log.entity_id AS INTEGER)",
            json_id: "json_extract(COALESCE(audit_log.after, audit_log.before), '$.{}')",
            json_text: "json_extract(COALESCE(audit_log.after, audit_log.before), '$.{}')",
        };
        let f = filter.clone();
        self.call(move |c| {
            let mut conds = vec!["seq IS NOT NULL".to_string()];
            let mut params: Vec<&dyn ToSql> = Vec::new();
            let exact =
                [("actor", &f.actor), ("action", &f.action), ("entity", &f.entity), ("entity_id", &f.entity_id)];
            for (col, value) in exact {
                if let Some(v) = value {
                    conds.push(format!("{col} = ?{}", params.len() + 1));
                    params.push(v);
                }
            }
            if let Some(from) = &f.from {
                conds.push(format!("at >= ?{}", params.len() + 1));
                params.push(from);
            }
            if let Some(until) = &f.until {
                conds.push(format!("at < ?{}", params.len() + 1));
                params.push(until);
            }
            let area = f.area.as_ref().map(|a| a.as_str().to_string());
            if let Some(area) = &area {
                conds.push(format!("({}) || '.' LIKE ?{} || '.%'", audit_region_sql(&SQLITE_AUDIT), params.len() + 1));
                params.push(area);
            }
            let where_ = where_clause(&conds);
            page_of(
                c,
                &format!("SELECT {AUDIT_COLS}"),
                &format!("FROM audit_log {where_}"),
                "seq DESC",
                &params,
                page,
                audit_from,
            )
        })
        .await
    }

    async fn audit_chain(&self, sink: &mut (dyn FnMut(AuditEntry) -> bool + Send)) -> StoreResult<u64> {
        self.call_here(|c| {
            // One read transaction: the chain as of one moment.
            let tx = c.transaction().map_err(backend)?;
            let mut stmt = tx
                .prepare(&format!("SELECT {AUDIT_COLS} FROM audit_log WHERE seq IS NOT NULL ORDER BY seq"))
                .map_err(backend)?;
            let mut rows = stmt.query([]).map_err(backend)?;
            let mut n = 0;
            while let Some(row) = rows.next().map_err(backend)? {
                n += 1;
                if !sink(audit_from(row).map_err(backend)?) {
                    break;
                }
            }
            Ok(n)
        })
    }

    async fn audit_head(&self) -> StoreResult<Option<AuditHead>> {
        self.call(|c| {
            c.prepare_cached("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
                .and_then(|mut s| s.query_row([], |r| Ok(AuditHead { seq: r.get(0)?, hash: r.get(1)? })).optional())
                .map_err(backend)
        })
        .await
    }
}
