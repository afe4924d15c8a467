//! The store conformance suite, on a fresh SQLite file per check.

use berdaya_store::testkit::TestStore;
use berdaya_store_sqlite::SqliteStore;

async fn make_store() -> Option<TestStore> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("berdaya.sqlite3")).await.expect("open SQLite store");
    Some(TestStore::new(store).with_cleanup(move || async move { drop(dir) }))
}

berdaya_store::store_conformance!(make_store);
