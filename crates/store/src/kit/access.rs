//! Accounts, sessions, API tokens and facilitator assignments declared once on the kit, and
//! [`AccessStore`] for every [`Backend`]. The audit log stays with each backend
//! ([`crate::access::AuditStore`]): its JSON access and its sealing differ between them.

use async_trait::async_trait;
use berdaya_domain::access::{NewUser, PasswordHash, Role, User, UserId, Username};
use berdaya_domain::registry::{Agency, Group, Household, Id, RegionCode, Version};
use time::OffsetDateTime;

use super::{
    Backend, Conn, Record, Reference, Row, Sql, Value, Writable, any, exec, first, get, insert, job, list, now,
    require, rows, update,
};
use crate::access::{AccessStore, ApiToken, Assigned, NewApiToken, Session};
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
    Ok(super::find::<User>(c, id).await?.filter(|u| !u.disabled))
}

/// Ends every session of a user.
async fn end_sessions(c: &mut dyn Conn, id: UserId) -> StoreResult<()> {
    let mut sql = Sql::new("DELETE FROM sessions WHERE user_id = ");
    sql.bind(id);
    exec(c, &sql).await.map(drop)
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
                let mut sql =
                    Sql::new(format!("SELECT {}, u.password_hash FROM users u WHERE u.username = ", User::columns()));
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

    async fn token_for_secret(&self, secret_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(ApiToken, User)>> {
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
        self.write(job(move |c| {
            Box::pin(async move {
                require::<User>(c, user_id).await?;
                let (col, target) = assigned(what);
                let id = target.value.clone();
                super::check_references(c, vec![target]).await?;
                let mut sql = Sql::new(format!("INSERT INTO assignments (user_id, {col}) VALUES "));
                sql.list([Value::Int(user_id), id]).push(" ON CONFLICT DO NOTHING");
                exec(c, &sql).await.map(drop)
            })
        }))
        .await
    }

    async fn unassign(&self, user_id: UserId, what: Assigned) -> StoreResult<()> {
        self.write(job(move |c| {
            Box::pin(async move {
                let (col, target) = assigned(what);
                let mut sql = Sql::new("DELETE FROM assignments WHERE ");
                sql.append(&equals("user_id", user_id)).push(" AND ").append(&equals(col, target.value));
                exec(c, &sql).await.map(drop)
            })
        }))
        .await
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
                        _ => Err(super::corrupt("assignment", "not exactly one of household and group")),
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
}
