//! Choosing and opening a backend from a database URL.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use berdaya_store::Store;
use berdaya_store_postgres::PgStore;
use berdaya_store_sqlite::SqliteStore;

/// A database location: an SQLite file, or a PostgreSQL URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    // A PostgreSQL URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl DatabaseUrl {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://PATH`, `sqlite:PATH`
    /// or a bare path selects SQLite.
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        let path = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")).unwrap_or(raw);
        anyhow::ensure!(!path.is_empty(), "the database URL is empty");
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// The URL with any password replaced by `***`, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    let creds = &url[s + 3..at];
                    match creds.find(':') {
                        Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                        None => url.clone(),
                    }
                }
                _ => url.clone(),
            },
        }
    }
}

/// The default database: `berdaya.sqlite3` in the user's data directory.
pub fn default_database_path() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("id", "Berdaya", "berdaya")
        .context("cannot find a home directory for the default database; pass --database")?;
    Ok(dirs.data_dir().join("berdaya.sqlite3"))
}

/// Opens (creating and migrating as needed) the store at `url`.
pub async fn open(url: &DatabaseUrl) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            Arc::new(SqliteStore::open(path).await.with_context(|| format!("cannot open {}", path.display()))?)
        }
        DatabaseUrl::Postgres(pg) => {
            Arc::new(PgStore::connect(pg).await.with_context(|| format!("cannot open {}", url.redacted()))?)
        }
    })
}

/// Whether an SQLite database file already holds data (used to refuse loading the demo twice).
pub fn sqlite_exists(path: &Path) -> bool {
    path.metadata().map(|m| m.len() > 0).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_backends_and_hide_passwords() {
        let pg = DatabaseUrl::parse("postgres://app:s3cret@db:5432/berdaya").unwrap();
        assert_eq!(pg.redacted(), "postgres://app:***@db:5432/berdaya");
        assert!(!format!("{pg:?}").contains("s3cret"));
        assert_eq!(DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(), DatabaseUrl::Sqlite("/tmp/x.db".into()));
        assert_eq!(DatabaseUrl::parse("data.db").unwrap(), DatabaseUrl::Sqlite("data.db".into()));
    }
}
