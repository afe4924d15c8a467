//! The access tables: users, sessions, API tokens, facilitator assignments, and the audit log.
//!
//! Every change here goes through [`PgStore::write`], like the registry's, so account changes
//! are audited by the same triggers (without password or secret hashes). Sessions are not
//! audited; a login is recorded as an event by the web layer.

use async_trait::async_trait;
use berdaya_domain::access::seal::AuditHead;
use berdaya_domain::access::{AuditEntry, NewUser, PasswordHash, Role, User, UserId, Username};
use berdaya_domain::registry::{Id, Version};
use berdaya_store::access::{
    AccessStore, ApiToken, Assigned, AuditEvent, AuditFilter, AuditSqlDialect, NewApiToken, Session, audit_region_sql,
};
use berdaya_store::{Page, PageRequest, StoreError, StoreResult};
use sqlx::postgres::PgRow;
use time::OffsetDateTime;

use crate::PgStore;
use crate::error::{corrupt, db};
use crate::registry::{Where, get, missing_or_conflict, page_of, region_code, vocab};
use crate::write::insert_event;

const USER_COLS: &str =
    "u.id, u.username, u.display_name, u.role, u.area, u.agency_id, u.group_id, u.disabled, u.version";
/// [`USER_COLS`] named `u_…`, for rows that join a user to a session or a token.
const JOINED_USER_COLS: &str = "u.id AS u_id, u.username AS u_username, u.display_name AS u_display_name, \
     u.role AS u_role, u.area AS u_area, u.agency_id AS u_agency_id, u.group_id AS u_group_id, \
     u.disabled AS u_disabled, u.version AS u_version";

fn user_from(row: &PgRow) -> StoreResult<User> {
    user_at(row, "")
}

/// Reads a user from columns named as in [`USER_COLS`], each with `prefix`.
fn user_at(row: &PgRow, prefix: &str) -> StoreResult<User> {
    let col = |c: &str| format!("{prefix}{c}");
    let username: String = get(row, &col("username"))?;
    let area: Option<String> = get(row, &col("area"))?;
    Ok(User {
        id: get(row, &col("id"))?,
        username: Username::parse(&username).map_err(|e| corrupt("username", e))?,
        display_name: get(row, &col("display_name"))?,
        role: vocab(row, &col("role"), Role::parse)?,
        area: match area {
            Some(_) => Some(region_code(row, &col("area"))?),
            None => None,
        },
        agency_id: get(row, &col("agency_id"))?,
        group_id: get(row, &col("group_id"))?,
        disabled: get(row, &col("disabled"))?,
        version: get(row, &col("version"))?,
    })
}

const SESSION_COLS: &str = "s.id_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at";

fn session_from(row: &PgRow) -> StoreResult<Session> {
    Ok(Session {
        id_hash: get(row, "id_hash")?,
        user_id: get(row, "user_id")?,
        csrf_token: get(row, "csrf_token")?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
    })
}

const TOKEN_COLS: &str = "t.id, t.user_id, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at";

fn token_from(row: &PgRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        name: get(row, "name")?,
        prefix: get(row, "prefix")?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
        revoked_at: get(row, "revoked_at")?,
    })
}

const ENTRY_COLS: &str =
    "a.seq, a.at, a.actor_id, a.actor, a.action, a.entity, a.entity_id, a.before, a.after, a.prev_hash, a.hash";

fn entry_from(row: &PgRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        seq: get(row, "seq")?,
        at: get(row, "at")?,
        actor_id: get(row, "actor_id")?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        entity: get(row, "entity")?,
        entity_id: get(row, "entity_id")?,
        before: get(row, "before")?,
        after: get(row, "after")?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

/// The assignment column and id of what is assigned.
fn assigned_column(what: Assigned) -> (&'static str, Id) {
    match what {
        Assigned::Household(id) => ("household_id", id),
        Assigned::Group(id) => ("group_id", id),
    }
}

/// Sealed entries read per round trip of [`AccessStore::audit_chain`].
const CHAIN_BATCH: i64 = 1000;

#[async_trait]
impl AccessStore for PgStore {
    #[tracing::instrument(skip_all)]
    async fn create_user(&self, user: &NewUser, password: &PasswordHash) -> StoreResult<User> {
        let u = user;
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO users AS u (username, display_name, role, area, agency_id, group_id, password_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLS}"
        ))
        .bind(u.username.as_str())
        .bind(&u.display_name)
        .bind(u.role.code())
        .bind(u.area.as_ref().map(|a| a.as_str()))
        .bind(u.agency_id)
        .bind(u.group_id)
        .bind(password.as_str())
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = user_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    #[tracing::instrument(skip(self, user))]
    async fn update_user(&self, id: UserId, user: &NewUser, version: Version) -> StoreResult<User> {
        let u = user;
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE users u SET username = $2, display_name = $3, role = $4, area = $5, agency_id = $6, \
             group_id = $7, version = u.version + 1 WHERE u.id = $1 AND u.version = $8 RETURNING {USER_COLS}"
        ))
        .bind(id)
        .bind(u.username.as_str())
        .bind(&u.display_name)
        .bind(u.role.code())
        .bind(u.area.as_ref().map(|a| a.as_str()))
        .bind(u.agency_id)
        .bind(u.group_id)
        .bind(version)
        .fetch_optional(&mut *w)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(missing_or_conflict(&mut w, "users", id, "user", version).await);
        };
        let stored = user_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    #[tracing::instrument(skip(self, password))]
    async fn set_password(&self, id: UserId, password: &PasswordHash) -> StoreResult<()> {
        let mut w = self.write().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $2, version = version + 1 WHERE id = $1")
            .bind(id)
            .bind(password.as_str())
            .execute(&mut *w)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { entity: "user" });
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *w).await.map_err(db)?;
        w.commit().await
    }

    #[tracing::instrument(skip(self))]
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<User> {
        let mut w = self.write().await?;
        // No change, no new version and no audit entry.
        let row = sqlx::query(&format!(
            "UPDATE users u SET disabled = $2, version = u.version + 1 WHERE u.id = $1 AND u.disabled <> $2 \
             RETURNING {USER_COLS}"
        ))
        .bind(id)
        .bind(disabled)
        .fetch_optional(&mut *w)
        .await
        .map_err(db)?;
        let row = match row {
            Some(row) => row,
            None => sqlx::query(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
                .bind(id)
                .fetch_optional(&mut *w)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound { entity: "user" })?,
        };
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *w).await.map_err(db)?;
        }
        let stored = user_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    #[tracing::instrument(skip(self))]
    async fn user(&self, id: UserId) -> StoreResult<User> {
        let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound { entity: "user" })?;
        user_from(&row)
    }

    #[tracing::instrument(skip_all)]
    async fn user_for_login(&self, username: &Username) -> StoreResult<Option<(User, PasswordHash)>> {
        let row = sqlx::query(&format!("SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username = $1"))
            .bind(username.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let hash = PasswordHash::from_stored(get(&row, "password_hash")?).map_err(|e| corrupt("password hash", e))?;
        Ok(Some((user_from(&row)?, hash)))
    }

    #[tracing::instrument(skip(self))]
    async fn users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLS} FROM users u ORDER BY u.username"))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(user_from).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        let s = session;
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.id_hash)
        .bind(s.user_id)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *w)
        .await
        .map_err(db)?;
        w.commit().await
    }

    #[tracing::instrument(skip_all)]
    async fn session(&self, id_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(Session, User)>> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLS}, {JOINED_USER_COLS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT u.disabled"
        ))
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| Ok((session_from(&row)?, user_at(&row, "u_")?))).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *w).await.map_err(db)?;
        w.commit().await
    }

    #[tracing::instrument(skip_all)]
    async fn create_token(&self, token: &NewApiToken) -> StoreResult<ApiToken> {
        let t = token;
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO api_tokens AS t (user_id, name, prefix, secret_hash, expires_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING {TOKEN_COLS}"
        ))
        .bind(t.user_id)
        .bind(&t.name)
        .bind(&t.prefix)
        .bind(&t.secret_hash)
        .bind(t.expires_at)
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = token_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    #[tracing::instrument(skip_all)]
    async fn token_for_secret(&self, secret_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(ApiToken, User)>> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLS}, {JOINED_USER_COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
             AND NOT u.disabled"
        ))
        .bind(secret_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| Ok((token_from(&row)?, user_at(&row, "u_")?))).transpose()
    }

    #[tracing::instrument(skip(self))]
    async fn tokens(&self, user_id: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLS} FROM api_tokens t WHERE $1::bigint IS NULL OR t.user_id = $1 \
             ORDER BY t.created_at DESC, t.id DESC"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(token_from).collect()
    }

    #[tracing::instrument(skip(self))]
    async fn revoke_token(&self, id: i64) -> StoreResult<ApiToken> {
        let mut w = self.write().await?;
        // Revoking twice keeps the first time (and records nothing new).
        let row = sqlx::query(&format!(
            "UPDATE api_tokens t SET revoked_at = now() WHERE t.id = $1 AND t.revoked_at IS NULL RETURNING {TOKEN_COLS}"
        ))
        .bind(id)
        .fetch_optional(&mut *w)
        .await
        .map_err(db)?;
        let row = match row {
            Some(row) => row,
            None => sqlx::query(&format!("SELECT {TOKEN_COLS} FROM api_tokens t WHERE t.id = $1"))
                .bind(id)
                .fetch_optional(&mut *w)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound { entity: "API token" })?,
        };
        let stored = token_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    #[tracing::instrument(skip(self))]
    async fn assign(&self, user_id: UserId, what: Assigned) -> StoreResult<()> {
        let (col, id) = assigned_column(what);
        let mut w = self.write().await?;
        sqlx::query(&format!("INSERT INTO assignments (user_id, {col}) VALUES ($1, $2) ON CONFLICT DO NOTHING"))
            .bind(user_id)
            .bind(id)
            .execute(&mut *w)
            .await
            .map_err(db)?;
        w.commit().await
    }

    #[tracing::instrument(skip(self))]
    async fn unassign(&self, user_id: UserId, what: Assigned) -> StoreResult<()> {
        let (col, id) = assigned_column(what);
        let mut w = self.write().await?;
        sqlx::query(&format!("DELETE FROM assignments WHERE user_id = $1 AND {col} = $2"))
            .bind(user_id)
            .bind(id)
            .execute(&mut *w)
            .await
            .map_err(db)?;
        w.commit().await
    }

    #[tracing::instrument(skip(self))]
    async fn assignments(&self, user_id: UserId) -> StoreResult<Vec<Assigned>> {
        let rows: Vec<(Option<Id>, Option<Id>)> =
            sqlx::query_as("SELECT household_id, group_id FROM assignments WHERE user_id = $1 ORDER BY id")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        rows.into_iter()
            .map(|row| match row {
                (Some(h), None) => Ok(Assigned::Household(h)),
                (None, Some(g)) => Ok(Assigned::Group(g)),
                _ => Err(corrupt("assignment", "not exactly one of household and group")),
            })
            .collect()
    }

    #[tracing::instrument(skip(self))]
    async fn is_assigned(&self, user_id: UserId, what: Assigned) -> StoreResult<bool> {
        let (col, id) = assigned_column(what);
        sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM assignments WHERE user_id = $1 AND {col} = $2)"))
            .bind(user_id)
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    #[tracing::instrument(skip(self))]
    async fn is_member(&self, group_id: Id, person_id: Id) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = $1 AND person_id = $2)")
            .bind(group_id)
            .bind(person_id)
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    #[tracing::instrument(skip_all, fields(action = %event.action))]
    async fn record_event(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut w = self.write().await?;
        insert_event(&mut w, &event.action, &event.entity, event.entity_id.as_deref(), &event.details.to_string())
            .await?;
        w.commit().await
    }

    #[tracing::instrument(skip(self))]
    async fn audit_entries(&self, filter: &AuditFilter, page: PageRequest) -> StoreResult<Page<AuditEntry>> {
        let f = filter.clone();
        let conditions = move |w: &mut Where<'_>| {
            w.and().push("a.seq IS NOT NULL");
            let exact = [
                ("a.actor", &f.actor),
                ("a.action", &f.action),
                ("a.entity", &f.entity),
                ("a.entity_id", &f.entity_id),
            ];
            for (col, value) in exact {
                if let Some(v) = value {
                    w.and().push(col).push(" = ").push_bind(v.clone());
                }
            }
            if let Some(from) = &f.from {
                w.and().push("a.at >= ").push_bind(from.clone());
            }
            if let Some(until) = &f.until {
                w.and().push("a.at < ").push_bind(until.clone());
            }
            if let Some(area) = &f.area {
                const PG_AUDIT: AuditSqlDialect = AuditSqlDialect {
                    entry: "a.",
                    entity_id: "a.entity_id::bigint",
                    json_id: "(COALESCE(a.after, a.before)::jsonb ->> '{}')::bigint",
                    json_text: "(COALESCE(a.after, a.before)::jsonb ->> '{}')",
                };
                w.and()
                    .push(format!("({}) || '.' LIKE ", audit_region_sql(&PG_AUDIT)))
                    .push_bind(area.as_str().to_string())
                    .push(" || '.%'");
            }
        };
        page_of(
            &self.pool,
            &format!("SELECT {ENTRY_COLS}"),
            "FROM audit_log a",
            &conditions,
            "a.seq DESC",
            page,
            entry_from,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_chain(&self, sink: &mut (dyn FnMut(AuditEntry) -> bool + Send)) -> StoreResult<u64> {
        // One snapshot for the whole walk, read in keyset batches.
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let mut read = 0u64;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {ENTRY_COLS} FROM audit_log a WHERE a.seq > $1 ORDER BY a.seq LIMIT {CHAIN_BATCH}"
            ))
            .bind(after)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            let full = rows.len() as i64 == CHAIN_BATCH;
            for row in &rows {
                let entry = entry_from(row)?;
                after = entry.seq;
                read += 1;
                if !sink(entry) {
                    return Ok(read);
                }
            }
            if !full {
                return Ok(read);
            }
        }
    }
    #[tracing::instrument(skip_all)]
    async fn audit_head(&self) -> StoreResult<Option<AuditHead>> {
        let row = sqlx::query("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|row| Ok(AuditHead { seq: get(&row, "seq")?, hash: get(&row, "hash")? })).transpose()
    }
}
