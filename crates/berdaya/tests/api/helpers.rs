//! `spawn_app()`: the real server on 127.0.0.1:0 over a fresh database.

use std::sync::Arc;

use berdaya::store::DatabaseUrl;
use berdaya_store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub store: Arc<dyn Store>,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub database: DatabaseUrl,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

/// The PostgreSQL server tests use, if any. With `BERDAYA_REQUIRE_PG=1` a missing server
/// fails the test instead of skipping it.
pub fn pg_server_url() -> Option<String> {
    match std::env::var("BERDAYA_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("BERDAYA_REQUIRE_PG").as_deref() != Ok("1"),
                "BERDAYA_REQUIRE_PG=1 but BERDAYA_TEST_PG_URL is not set"
            );
            None
        }
    }
}

/// A fresh, empty database on the backend.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> Option<DatabaseUrl> {
    match backend {
        Backend::Sqlite => Some(DatabaseUrl::Sqlite(dir.join("berdaya.sqlite3"))),
        Backend::Postgres => {
            let server = pg_server_url()?;
            let name = format!("berdaya_test_{}", rand::random::<u64>());
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&server)
                .await
                .expect("connect to the PostgreSQL test server");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
            let base = match server.rfind('/') {
                Some(i) if i > "postgres://".len() => &server[..i],
                _ => server.as_str(),
            };
            Some(DatabaseUrl::Postgres(format!("{base}/{name}")))
        }
    }
}

/// Starts the app on a fresh database; `None` when the backend is PostgreSQL and no server
/// is configured.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = fresh_database(backend, dir.path()).await?;
    let store = berdaya::store::open(&database).await.expect("open store");
    let app = berdaya_web::router(berdaya_web::AppState::new(store.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    Some(TestApp { address, store, client, backend, database, _dir: dir })
}

/// Declares tests that run once on SQLite and once on PostgreSQL:
/// `backend_tests! { async fn name(app: TestApp) { ... } }`.
#[macro_export]
macro_rules! backend_tests {
    ($(async fn $name:ident($app:ident : TestApp) $body:block)*) => { $(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await.expect("sqlite app");
                run(app).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                    Some(app) => run(app).await,
                    None => eprintln!("skipped: no PostgreSQL (set BERDAYA_TEST_PG_URL)"),
                }
            }
        }
    )* };
}
