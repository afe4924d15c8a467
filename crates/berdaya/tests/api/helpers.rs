//! `spawn_app()`: the real server on 127.0.0.1:0 over a fresh database.

use std::sync::Arc;

use std::time::Duration;

use berdaya::store::DatabaseUrl;
use berdaya_domain::access::{PasswordHash, Role, User, UserDraft};
use berdaya_store::Store;
use berdaya_web::access::AccessConfig;
use berdaya_web::access::throttle::Policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub store: Arc<dyn Store>,
    /// Signed in as the administrator `admin` (session cookie + CSRF header).
    pub client: reqwest::Client,
    /// Not signed in.
    pub anonymous: reqwest::Client,
    pub backend: Backend,
    pub database: DatabaseUrl,
    /// The PostgreSQL database made for this test, dropped when the test ends.
    pub pg_database: Option<berdaya_store_postgres::testing::TestDatabase>,
    /// Where this app keeps survey uploads.
    pub survey_files: std::path::PathBuf,
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

/// The password of every account the tests make.
pub const PASSWORD: &str = "uji-coba-berdaya-2026";

/// Login slowing and lockout, shortened for tests.
pub fn test_access() -> AccessConfig {
    AccessConfig {
        throttle: Policy {
            slow_after: 2,
            slow_step: Duration::from_millis(500),
            lock_after: 4,
            lock_for: Duration::from_secs(600),
            window: Duration::from_secs(600),
            ..Policy::default()
        },
        ..AccessConfig::default()
    }
}

/// Starts the app on a fresh database, with an administrator `admin` signed in on `client`;
/// `None` when the backend is PostgreSQL and no server is configured.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, test_access()).await
}

/// [`spawn_app`] with a session and login policy of the test's own.
pub async fn spawn_app_with(backend: Backend, access: AccessConfig) -> Option<TestApp> {
    spawn_app_configured(backend, access, None).await
}

/// [`spawn_app`] with a survey upload limit of the test's own, in bytes.
pub async fn spawn_app_with_upload_limit(backend: Backend, limit: u64) -> Option<TestApp> {
    spawn_app_configured(backend, test_access(), Some(limit)).await
}

async fn spawn_app_configured(backend: Backend, access: AccessConfig, upload_limit: Option<u64>) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, pg_database) = fresh_database(backend, dir.path()).await?;
    let store = berdaya::store::open(&database).await.expect("open store");
    let survey_files = dir.path().join("survey-files");
    let mut survey = berdaya_web::survey::SurveyConfig::new(&survey_files);
    if let Some(limit) = upload_limit {
        survey.upload_limit = limit;
    }
    let app = berdaya_web::router(berdaya_web::AppState::with_access(store.clone(), access).with_survey(survey));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.expect("serve");
    });
    let anonymous = plain_client();
    create_user(&*store, "admin", Role::Administrator, None, None, None).await;
    let client = login(&address, "admin", PASSWORD).await.expect("admin signs in");
    Some(TestApp { address, store, client, anonymous, backend, database, pg_database, survey_files, _dir: dir })
}

/// A client that keeps cookies and does not follow redirects.
pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().expect("client")
}

/// Makes an account with [`PASSWORD`].
pub async fn create_user(
    store: &dyn Store,
    username: &str,
    role: Role,
    area: Option<&str>,
    agency_id: Option<i64>,
    group_id: Option<i64>,
) -> User {
    let new = UserDraft {
        username: username.into(),
        display_name: format!("Pengguna {username}"),
        role: role.code().into(),
        area: area.map(str::to_string),
        agency_id,
        group_id,
    }
    .parse()
    .expect("valid user");
    store.create_user(&new, &PasswordHash::new(PASSWORD).expect("hash")).await.expect("create user")
}

/// The hidden `_csrf` value of the first form in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

/// Signs in through the login form as a browser would; the client carries the session cookie
/// and sends the session's CSRF token on every request. `Err` holds the refused answer.
pub async fn login(address: &str, username: &str, password: &str) -> Result<reqwest::Client, reqwest::Response> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .expect("client");
    let form = client.get(format!("{address}/login")).send().await.expect("login page").text().await.expect("html");
    let token = csrf_in(&form).expect("the login form carries a CSRF token");
    let res = client
        .post(format!("{address}/login"))
        .form(&[("username", username), ("password", password), ("_csrf", token.as_str()), ("next", "/")])
        .send()
        .await
        .expect("login");
    if res.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(res);
    }
    let home = client.get(format!("{address}/")).send().await.expect("home").text().await.expect("html");
    let csrf = csrf_in(&home).expect("a signed-in page carries the session's CSRF token");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-csrf-token", csrf.parse().expect("header"));
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar)
        .default_headers(headers)
        .build()
        .expect("client"))
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
