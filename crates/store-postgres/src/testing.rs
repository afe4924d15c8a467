//! Throw-away databases for tests: each test gets its own, dropped afterwards.
//!
//! Not for production use; exposed so that every crate's PostgreSQL tests (the store
//! conformance suite, the HTTP API suite) make and clean up databases the same way.

use std::hash::{BuildHasher, Hasher};

use berdaya_store::{StoreError, StoreResult};
use sqlx::{Connection, Executor, PgConnection};

/// The environment variable naming the test server, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`.
pub const URL_VAR: &str = "BERDAYA_TEST_PG_URL";
/// Set to `1` to fail, rather than skip, when no test server is configured.
pub const REQUIRE_VAR: &str = "BERDAYA_REQUIRE_PG";

/// The test server's URL from [`URL_VAR`]. `None` (after printing that the test is
/// skipped) when it is unset, unless [`REQUIRE_VAR`] is `1`, which panics instead.
pub fn server_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") {
                panic!("{REQUIRE_VAR}=1 but {URL_VAR} is not set: no PostgreSQL to test against");
            }
            println!("skipped: no PostgreSQL (set {URL_VAR})");
            None
        }
    }
}

/// A freshly created, empty database `berdaya_test_<random>` on a server.
#[derive(Debug)]
pub struct TestDatabase {
    /// URL of the new database, for [`crate::PgStore::connect`].
    pub url: String,
    /// Its name.
    pub name: String,
    server_url: String,
}

impl TestDatabase {
    /// Creates a new database on the server at `server_url` (any database there that the
    /// user may connect to; it is used only to run `CREATE DATABASE`).
    pub async fn create(server_url: &str) -> StoreResult<TestDatabase> {
        let name = format!("berdaya_test_{}", random_u64());
        let mut admin = PgConnection::connect(server_url).await.map_err(|e| backend("connect", e))?;
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await.map_err(|e| backend("create database", e))?;
        let _ = admin.close().await;
        Ok(TestDatabase { url: with_database(server_url, &name), name, server_url: server_url.to_string() })
    }

    /// Drops the database, closing any connection still open to it.
    pub async fn drop_database(self) -> StoreResult<()> {
        let mut admin = PgConnection::connect(&self.server_url).await.map_err(|e| backend("connect", e))?;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await
            .map_err(|e| backend("drop database", e))?;
        let _ = admin.close().await;
        Ok(())
    }
}

fn backend(what: &str, e: sqlx::Error) -> StoreError {
    StoreError::Backend(format!("{what}: {e}"))
}

fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    h.finish()
}

/// `url` with its database path replaced by `name`, query parameters kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
        assert_ne!(random_u64(), random_u64());
    }
}
