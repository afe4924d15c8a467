//! PostgreSQL implementation of Berdaya's store, for multi-user and national deployments.
//!
//! [`PgStore::connect`] opens a connection pool and applies this crate's migrations
//! (`migrations/`). Every multi-row change runs in one transaction; updates are optimistic
//! (`... WHERE id = $1 AND version = $2`). Unique and foreign-key violations become
//! [`StoreError::Duplicate`] and [`StoreError::Reference`] naming the field, by constraint
//! name (see `error.rs`); nothing from a row (a NIK, a KK number) reaches an error message.

mod access;
mod error;
mod import;
mod registry;
pub mod testing;
mod write;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use berdaya_store::{Store, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use error::db;

/// Connections a store keeps open at most.
const MAX_CONNECTIONS: u32 = 16;
/// How long a call waits for a free connection, or for the server at start.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL store: a connection pool. Cloning shares the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl std::fmt::Debug for PgStore {
    /// Shows no URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("connections", &self.pool.size()).finish()
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) and
    /// applies pending migrations.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| StoreError::Backend(format!("bad PostgreSQL URL: {}", redact(&e.to_string()))))?;
        // sqlx logs statement text (never parameters) at debug level, slow ones at warn.
        // One direct connection first: a wrong address or password fails at once with the
        // server's reason (the pool would retry until its timeout), and migrations run on it.
        let mut conn = tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| StoreError::Backend("cannot connect to PostgreSQL: timed out".into()))?
            .map_err(|e| StoreError::Backend(format!("cannot connect to PostgreSQL: {}", redact(&e.to_string()))))?;
        sqlx::migrate!("./migrations")
            .run(&mut conn)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        let _ = conn.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Some(Duration::from_secs(300)))
            .connect_lazy_with(options);
        Ok(PgStore { pool })
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Removes anything that looks like a password from a connection error message.
fn redact(message: &str) -> String {
    match (message.find("://"), message.find('@')) {
        (Some(start), Some(at)) if at > start => format!("{}://…{}", &message[..start], &message[at..]),
        _ => message.to_string(),
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    async fn backup_to(&self, _path: &Path) -> StoreResult<()> {
        Err(StoreError::Unsupported("use pg_dump for PostgreSQL backups".into()))
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)
    }

    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *w)
        .await
        .map_err(db)?;
        w.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("error with postgres://u:secret@host/db"), "error with postgres://…@host/db");
        assert_eq!(redact("no url here"), "no url here");
    }
}

#[cfg(test)]
mod vocabulary_checks {
    use berdaya_domain::access::Role;
    use berdaya_domain::registry::{
        AgencyKind, Disability, Education, EnrollmentStatus, GroupKind, GroupRole, RegionKind, Relation, Sex,
        WelfareStage,
    };

    const MIGRATION: &str = concat!(
        include_str!("../migrations/0001_registry.sql"),
        include_str!("../migrations/0003_access.sql"),
        include_str!("../migrations/0005_enrollment_life.sql"),
        include_str!("../migrations/0009_machinery.sql")
    );

    /// The codes listed by the CHECK constraint `name` in the migrations, as the latest one
    /// that sets it has them.
    fn check_codes(name: &str) -> Vec<&'static str> {
        let start = MIGRATION.rfind(&format!("CONSTRAINT {name} CHECK")).unwrap_or_else(|| panic!("no {name}"));
        let rest = &MIGRATION[start..];
        let line = rest.lines().next().unwrap_or_default();
        let list = &line[line.find("IN (").unwrap_or(0)..];
        list.split('\'').skip(1).step_by(2).collect()
    }

    /// Each CHECK lists exactly the domain vocabulary's codes, in order.
    #[test]
    fn checks_mirror_the_vocabularies() {
        use berdaya_domain::agriculture::machine::{LoanStatus, MachineCondition, MachineKind, MaintenanceKind};
        let cases: [(&str, Vec<&str>); 17] = [
            ("regions_kind_check", RegionKind::ALL.iter().map(|v| v.code()).collect()),
            ("households_welfare_stage_check", WelfareStage::ALL.iter().map(|v| v.code()).collect()),
            ("people_sex_check", Sex::ALL.iter().map(|v| v.code()).collect()),
            ("people_relation_check", Relation::ALL.iter().map(|v| v.code()).collect()),
            ("people_education_check", Education::ALL.iter().map(|v| v.code()).collect()),
            ("people_disability_check", Disability::ALL.iter().map(|v| v.code()).collect()),
            ("groups_kind_check", GroupKind::ALL.iter().map(|v| v.code()).collect()),
            ("group_members_role_check", GroupRole::ALL.iter().map(|v| v.code()).collect()),
            ("agencies_kind_check", AgencyKind::ALL.iter().map(|v| v.code()).collect()),
            ("enrollments_status_check", EnrollmentStatus::ALL.iter().map(|v| v.code()).collect()),
            ("users_role_check", Role::ALL.iter().map(|v| v.code()).collect()),
            ("machines_kind_check", MachineKind::ALL.iter().map(|v| v.code()).collect()),
            ("machines_condition_check", MachineCondition::ALL.iter().map(|v| v.code()).collect()),
            ("machine_loans_condition_out_check", MachineCondition::ALL.iter().map(|v| v.code()).collect()),
            ("machine_loans_condition_in_check", MachineCondition::ALL.iter().map(|v| v.code()).collect()),
            ("machine_loans_status_check", LoanStatus::ALL.iter().map(|v| v.code()).collect()),
            ("machine_maintenance_kind_check", MaintenanceKind::ALL.iter().map(|v| v.code()).collect()),
        ];
        for (name, codes) in cases {
            assert_eq!(check_codes(name), codes, "{name}");
        }
    }
}
