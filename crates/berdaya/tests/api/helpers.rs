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
    /// The PostgreSQL database made for this test, dropped when the test ends.
    pub pg_database: Option<berdaya_store_postgres::testing::TestDatabase>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

/// Runs a test body on a spawned task, then drops its PostgreSQL database whether the body
/// passed or panicked, and passes the panic on.
pub async fn run_and_clean<F, Fut>(mut app: TestApp, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let database = app.pg_database.take();
    let outcome = tokio::spawn(body(app)).await;
    if let Some(db) = database {
        let _ = db.drop_database().await;
    }
    if let Err(e) = outcome
        && e.is_panic()
    {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A fresh, empty database on the backend, and the PostgreSQL test database to drop after.
pub async fn fresh_database(
    backend: Backend,
    dir: &std::path::Path,
) -> Option<(DatabaseUrl, Option<berdaya_store_postgres::testing::TestDatabase>)> {
    match backend {
        Backend::Sqlite => Some((DatabaseUrl::Sqlite(dir.join("berdaya.sqlite3")), None)),
        Backend::Postgres => {
            let server = berdaya_store_postgres::testing::server_url()?;
            let db =
                berdaya_store_postgres::testing::TestDatabase::create(&server).await.expect("create test database");
            Some((DatabaseUrl::Postgres(db.url.clone()), Some(db)))
        }
    }
}

/// Starts the app on a fresh database; `None` when the backend is PostgreSQL and no server
/// is configured.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, pg_database) = fresh_database(backend, dir.path()).await?;
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
    Some(TestApp { address, store, client, backend, database, pg_database, _dir: dir })
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
                $crate::helpers::run_and_clean(app, run).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                    Some(app) => $crate::helpers::run_and_clean(app, run).await,
                    None => eprintln!("skipped: no PostgreSQL (set BERDAYA_TEST_PG_URL)"),
                }
            }
        }
    )* };
}
