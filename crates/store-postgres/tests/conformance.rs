//! The store conformance suite on PostgreSQL, one fresh database per check.
//!
//! Needs `BERDAYA_TEST_PG_URL` (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); without
//! it every check is skipped, unless `BERDAYA_REQUIRE_PG=1`.

use berdaya_store::testkit::TestStore;
use berdaya_store_postgres::PgStore;
use berdaya_store_postgres::testing::{TestDatabase, server_url};

async fn make_store() -> Option<TestStore> {
    let server = server_url()?;
    let database = TestDatabase::create(&server).await.expect("create a test database");
    let store = PgStore::connect(&database.url).await.expect("connect and migrate");
    Some(TestStore::new(store).with_cleanup(move || async move {
        if let Err(e) = database.drop_database().await {
            eprintln!("could not drop a test database: {e}");
        }
    }))
}

berdaya_store::store_conformance!(make_store);

/// A second connect to a migrated database applies nothing and works.
#[tokio::test]
async fn connect_is_idempotent_and_backup_is_unsupported() {
    let Some(server) = server_url() else { return };
    let database = TestDatabase::create(&server).await.expect("create a test database");
    let first = PgStore::connect(&database.url).await.expect("first connect");
    first.close().await;
    let again = PgStore::connect(&database.url).await.expect("second connect");
    use berdaya_store::Store;
    assert_eq!(again.backend(), "postgres");
    let err = again.backup_to(std::path::Path::new("/tmp/x.db")).await.expect_err("unsupported");
    assert!(matches!(err, berdaya_store::StoreError::Unsupported(ref m) if m.contains("pg_dump")));
    again.close().await;
    database.drop_database().await.expect("drop");
}

/// A bad URL or an unreachable server is a clean error, never a panic, and shows no password.
#[tokio::test]
async fn bad_urls_are_errors() {
    let err = PgStore::connect("not a url").await.expect_err("bad url");
    assert!(matches!(err, berdaya_store::StoreError::Backend(_)));
    let err =
        PgStore::connect("postgres://user:hunter2@127.0.0.1:1/db?connect_timeout=1").await.expect_err("no server");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
