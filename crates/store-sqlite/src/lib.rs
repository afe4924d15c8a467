//! Embedded SQLite implementation of Berdaya's store: the default for one office or one laptop.
//!
//! Connections run in WAL mode with foreign keys on, from a small pool; every call runs on
//! tokio's blocking pool. Bulk work (import, export) runs on the caller's thread. Every write
//! goes through `SqliteStore::write`, one transaction that attributes its audit entries to
//! the task's actor and seals them before it commits (see `audit`).

mod access;
mod audit;
mod conn;
mod import;
mod registry;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use berdaya_store::{Store, StoreError, StoreResult};
use rusqlite::{Connection, OptionalExtension};

use conn::Pool;

/// Migrations, applied in order at open; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_registry", include_str!("../migrations/0001_registry.sql")),
    ("0002_survey", include_str!("../migrations/0002_survey.sql")),
    ("0003_access", include_str!("../migrations/0003_access.sql")),
    ("0004_survey_created_at", include_str!("../migrations/0004_survey_created_at.sql")),
    ("0005_survey_files", include_str!("../migrations/0005_survey_files.sql")),
    ("0006_enrollment_life", include_str!("../migrations/0006_enrollment_life.sql")),
    ("0007_frameworks", include_str!("../migrations/0007_frameworks.sql")),
    ("0008_activities", include_str!("../migrations/0008_activities.sql")),
    ("0009_input_aid", include_str!("../migrations/0009_input_aid.sql")),
    ("0010_machinery", include_str!("../migrations/0010_machinery.sql")),
    ("0011_group_classes", include_str!("../migrations/0011_group_classes.sql")),
    ("0012_findings", include_str!("../migrations/0012_findings.sql")),
    ("0013_pkh", include_str!("../migrations/0013_pkh.sql")),
    ("0014_pkh_grievances", include_str!("../migrations/0014_pkh_grievances.sql")),
    ("0015_pkh_school", include_str!("../migrations/0015_pkh_school.sql")),
    ("0016_pkh_payments", include_str!("../migrations/0016_pkh_payments.sql")),
    ("0017_pkh_targeting", include_str!("../migrations/0017_pkh_targeting.sql")),
    ("0018_pkh_program_index", include_str!("../migrations/0018_pkh_program_index.sql")),
    ("0019_community", include_str!("../migrations/0019_community.sql")),
    ("0020_qual", include_str!("../migrations/0020_qual.sql")),
];

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    pool: Arc<Pool>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.pool.path()).finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || SqliteStore::open_blocking(path))
            .await
            .map_err(|e| StoreError::Backend(format!("open task failed: {e}")))?
    }

    fn open_blocking(path: PathBuf) -> StoreResult<SqliteStore> {
        let pool = Pool::new(path)?;
        {
            let mut conn = pool.get()?;
            migrate(&mut conn)?;
        }
        Ok(SqliteStore { pool: Arc::new(pool) })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        self.pool.path()
    }

    /// Replaces the database at `target` with the backup at `backup`, after checking the
    /// backup is a Berdaya database that passes SQLite's integrity check. The copy is
    /// written beside the target and renamed over it, so a failure leaves the target as it was.
    /// No server may be using `target` while this runs.
    pub fn restore(backup: &Path, target: &Path) -> StoreResult<()> {
        let src = Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| StoreError::Backend(format!("cannot open backup {}: {e}", backup.display())))?;
        let check: String = src.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| {
            StoreError::Invalid(berdaya_domain::registry::Invalid::one(
                "backup",
                format!("is not an SQLite database: {e}"),
            ))
        })?;
        if check != "ok" {
            return Err(berdaya_domain::registry::Invalid::one(
                "backup",
                format!("fails SQLite's integrity check: {check}"),
            )
            .into());
        }
        let version: i64 = src.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(backend)?;
        let has_regions: Option<String> = src
            .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'regions'", [], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        if version < 1 || has_regions.is_none() {
            return Err(berdaya_domain::registry::Invalid::one("backup", "is not a Berdaya database").into());
        }
        if version > MIGRATIONS.len() as i64 {
            return Err(
                berdaya_domain::registry::Invalid::one("backup", "comes from a newer Berdaya; upgrade first").into()
            );
        }
        let tmp = target.with_extension("restoring");
        let _ = std::fs::remove_file(&tmp);
        let mut dst = Connection::open(&tmp).map_err(backend)?;
        {
            let backup_job = rusqlite::backup::Backup::new(&src, &mut dst).map_err(backend)?;
            backup_job.run_to_completion(1024, std::time::Duration::ZERO, None).map_err(backend)?;
        }
        drop(dst);
        for suffix in ["-wal", "-shm"] {
            let mut p = target.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        std::fs::rename(&tmp, target)
            .map_err(|e| StoreError::Backend(format!("cannot replace {}: {e}", target.display())))?;
        Ok(())
    }

    /// Runs `f` with a pooled connection on tokio's blocking pool.
    async fn call<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }

    /// Runs `body` as one write: an `IMMEDIATE` transaction attributed to the task's
    /// [`current_actor`](berdaya_store::access::current_actor), whose audit entries are sealed
    /// before it commits (see [`audit`]). Every write of this backend goes through here.
    async fn write<T, F>(&self, body: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        // Task-locals stay on this side of spawn_blocking: read the actor here.
        let actor = berdaya_store::access::current_actor();
        self.call(move |c| audit::write_tx(c, &actor, body)).await
    }

    /// Runs `f` with a pooled connection on this thread, for work that borrows the caller's
    /// data (imports read from the caller's file). On a multi-threaded runtime the thread is
    /// handed over to blocking work first.
    fn call_here<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let run = || {
            let mut conn = self.pool.get()?;
            f(&mut conn)
        };
        match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(run),
            _ => run(),
        }
    }
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(backend)?;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(backend)?;
        tx.execute_batch(sql).map_err(|e| StoreError::Backend(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(backend)?;
        tx.commit().map_err(backend)?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

/// Any unexpected database failure. Messages from SQLite carry no row data.
pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => StoreError::Busy,
        _ => StoreError::Backend(e.to_string()),
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.call(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(backend)).await
    }

    async fn backup_to(&self, path: &Path) -> StoreResult<()> {
        if path.exists() {
            return Err(
                berdaya_domain::registry::Invalid::one("path", format!("{} already exists", path.display())).into()
            );
        }
        let path = path.to_path_buf();
        self.call(move |c| {
            let mut dst = Connection::open(&path).map_err(backend)?;
            // Small steps with no pause: writers are blocked only for a step at a time, and
            // a write in between restarts the copy, so the result is one consistent state.
            let job = rusqlite::backup::Backup::new(c, &mut dst).map_err(backend)?;
            job.run_to_completion(256, std::time::Duration::from_millis(0), None).map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let key = key.to_string();
        self.call(move |c| {
            c.query_row("SELECT value FROM settings WHERE key = ?1", [&key], |r| r.get(0)).optional().map_err(backend)
        })
        .await
    }

    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |c| {
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&key, &value],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }
}

#[cfg(test)]
mod busy_tests {
    use super::*;

    #[test]
    fn a_locked_database_is_busy_not_a_failure() {
        for code in [5, 6] {
            let e = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some("database is locked".into()));
            assert!(matches!(backend(e), StoreError::Busy), "code {code}");
        }
        let e = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(1), None);
        assert!(matches!(backend(e), StoreError::Backend(_)));
    }
}
