//! Login hardening: the throttle per client address and account, parallel guesses, timing of
//! unknown names, the bounded hashing pool, bounded audit rows, the password rules and the
//! redirect after login.

use std::time::{Duration, Instant};

use berdaya_domain::access::Role;
use berdaya_web::access::AccessConfig;
use berdaya_web::access::throttle::Policy;
use reqwest::StatusCode;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, create_user, csrf_in, login, plain_client, test_access};

/// Declares tests that run on SQLite and on PostgreSQL with an access policy of their own:
/// `access_tests! { async fn name(app: TestApp) with <AccessConfig expr>; { ... } }`.
macro_rules! access_tests {
    ($(async fn $name:ident($app:ident : TestApp) with $access:expr; $body:block)*) => { $(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app_with($crate::helpers::Backend::Sqlite, $access).await.expect("sqlite app");
                $crate::helpers::run_and_clean(app, run).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::helpers::spawn_app_with($crate::helpers::Backend::Postgres, $access).await {
                    Some(app) => $crate::helpers::run_and_clean(app, run).await,
                    None => eprintln!("skipped: no PostgreSQL (set BERDAYA_TEST_PG_URL)"),
                }
            }
        }
    )* };
}

/// The test policy, with `X-Forwarded-For` trusted so a test can speak from many addresses.
fn behind_proxy() -> AccessConfig {
    AccessConfig { trust_forwarded_for: true, ..test_access() }
}

/// No slowing or lockout: for timing the password check itself.
fn unthrottled() -> AccessConfig {
    AccessConfig {
        throttle: Policy {
            slow_after: 100_000,
            lock_after: 100_000,
            account_slow_after: 100_000,
            address_lock_after: 100_000,
            ..Policy::default()
        },
        ..test_access()
    }
}

/// A browser at the login form: the client (with the form's CSRF cookie) and the token.
async fn at_login_form(app: &TestApp) -> (reqwest::Client, String) {
    let c = plain_client();
    let form = c.get(app.url("/login")).send().await.expect("login page").text().await.expect("html");
    (c, csrf_in(&form).expect("the login form carries a CSRF token"))
}

/// Posts the login form, from `from` (an `X-Forwarded-For` address) when given.
async fn post_login(
    c: &reqwest::Client,
    app: &TestApp,
    token: &str,
    user: &str,
    password: &str,
    next: &str,
    from: Option<&str>,
) -> reqwest::Response {
    let mut req =
        c.post(app.url("/login")).form(&[("username", user), ("password", password), ("_csrf", token), ("next", next)]);
    if let Some(addr) = from {
        req = req.header("x-forwarded-for", addr);
    }
    req.send().await.expect("login")
}

fn sets_session(res: &reqwest::Response) -> bool {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("berdaya_session=") && !c.starts_with("berdaya_session=;"))
}

/// The audit rows of one action.
async fn audit(app: &TestApp, action: &str) -> Vec<serde_json::Value> {
    let log = app
        .client
        .get(app.url(&format!("/api/v1/audit?action={action}&per_page=200")))
        .send()
        .await
        .expect("get")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    log["items"].as_array().cloned().unwrap_or_default()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

backend_tests! {
    async fn parallel_guesses_are_checked_at_most_lock_after_times(app: TestApp) {
        // Test policy: locked after 4 failures of one address on one account.
        create_user(&*app.store, "petugas", Role::Viewer, None, None, None).await;
        let (c, token) = at_login_form(&app).await;
        let logins_before = audit(&app, "login").await.len();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for i in 0..29 {
            let (c, token, app_url, tx) = (c.clone(), token.clone(), app.address.clone(), tx.clone());
            tokio::spawn(async move {
                let res = c.post(format!("{app_url}/login"))
                    .form(&[("username", "petugas"), ("password", format!("tebakan-salah-{i:03}").as_str()), ("_csrf", token.as_str()), ("next", "/")])
                    .send().await.expect("login");
                let _ = tx.send(res.status());
            });
        }
        drop(tx);
        // The right password, last, while guesses are still being checked: as soon as the
        // throttle has turned 25 of the 29 away (or all have answered).
        let mut statuses = Vec::new();
        while statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count() < 25 {
            match rx.recv().await {
                Some(status) => statuses.push(status),
                None => break,
            }
        }
        let right = post_login(&c, &app, &token, "petugas", PASSWORD, "/", None).await;
        assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS, "the right password after 29 parallel guesses was checked");
        assert!(!sets_session(&right));
        while let Some(status) = rx.recv().await {
            statuses.push(status);
        }
        let unauthorized = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
        assert_eq!(unauthorized + refused, 29, "{statuses:?}");
        assert!(unauthorized <= 3, "{unauthorized} guesses answered 401: more than lock_after were checked");
        // Each password actually checked leaves one audit row: at most lock_after were.
        let checked = audit(&app, "login_failed").await;
        assert!(!checked.is_empty() && checked.len() <= 4, "{} passwords were checked: {checked:?}", checked.len());

        // Locked: the right password, in parallel, gets no session.
        let tries: Vec<_> = (0..10)
            .map(|_| {
                let (c, token, app_url) = (c.clone(), token.clone(), app.address.clone());
                tokio::spawn(async move {
                    let res = c.post(format!("{app_url}/login"))
                        .form(&[("username", "petugas"), ("password", PASSWORD), ("_csrf", token.as_str()), ("next", "/")])
                        .send().await.expect("login");
                    (res.status(), sets_session(&res))
                })
            })
            .collect();
        for t in tries {
            assert_eq!(t.await.expect("task"), (StatusCode::TOO_MANY_REQUESTS, false));
        }
        assert_eq!(audit(&app, "login").await.len(), logins_before, "a refused login made a session");
        assert_eq!(audit(&app, "login_failed").await.len(), checked.len(), "a refused attempt was checked");
    }

    async fn failed_logins_write_a_bounded_number_of_audit_rows(app: TestApp) {
        let (c, token) = at_login_form(&app).await;
        for i in 0..50 {
            let res = post_login(&c, &app, &token, "admin", &format!("tebakan-salah-{i:03}"), "/", None).await;
            assert!(matches!(res.status(), StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS), "{}", res.status());
        }
        let failed = audit(&app, "login_failed").await;
        assert_eq!(failed.len(), 4, "50 failures wrote {} rows (lock_after is 4)", failed.len());
        assert!(audit(&app, "login_locked").await.is_empty(), "refused attempts write no rows");
        let details: Vec<serde_json::Value> = failed
            .iter()
            .map(|e| serde_json::from_str(e["after"].as_str().expect("details")).expect("json details"))
            .collect();
        let last = details.iter().find(|d| d["failures"] == 4).expect("the fourth failure");
        assert_eq!(last["username"], "admin");
        assert_eq!(last["failures"], 4);
        assert_eq!(last["locked"], true);
        assert_eq!(last["address"], "127.0.0.1");
        assert!(!serde_json::Value::Array(failed).to_string().contains("tebakan-salah"), "a tried password is in the audit log");
    }

    async fn next_accepts_only_a_local_path(app: TestApp) {
        // The page keeps only a safe target in its form.
        let c = plain_client();
        let page = c.get(app.url("/login?next=%2F%09%2Fevil.example")).send().await.expect("page").text().await.expect("html");
        assert!(page.contains("name=\"next\" value=\"/\""), "the form carries an unsafe next");
        let token = csrf_in(&page).expect("token");
        let res = post_login(&c, &app, &token, "admin", PASSWORD, "/\t/evil.example", None).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/", "/<TAB>/evil.example is //evil.example to a browser");
        for evil in ["//evil.example", "/\\evil.example", "/\n/evil.example", "/ /evil.example", "/%2F/evil.example", "https://evil.example", "/\u{0}/x"] {
            let (c, token) = at_login_form(&app).await;
            let res = post_login(&c, &app, &token, "admin", PASSWORD, evil, None).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{evil:?}");
            assert_eq!(res.headers()["location"], "/", "{evil:?}");
        }
        let (c, token) = at_login_form(&app).await;
        let res = post_login(&c, &app, &token, "admin", PASSWORD, "/households?q=Sité", None).await;
        assert_eq!(res.headers()["location"], "/households?q=Sit%C3%A9", "a local path with any text is kept");
    }

    async fn common_passwords_and_control_characters_are_refused(app: TestApp) {
        for (i, password) in ["1234567890", "password12", "qwertyuiop", "Bismillah2024", "tulungrejo\0batu-77", "tulungrejo\tbatu-77"].iter().enumerate() {
            let res = app.client.post(app.url("/api/v1/users"))
                .json(&json!({"username": format!("baru{i}"), "display_name": "Baru", "role": "viewer", "area": null, "password": password}))
                .send().await.expect("post");
            let status = res.status();
            let body = res.text().await.expect("body");
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password:?} was accepted: {body}");
            assert!(body.contains("password"), "{body}");
        }
        let res = app.client.post(app.url("/api/v1/users"))
            .json(&json!({"username": "baru.ok", "display_name": "Baru", "role": "viewer", "area": null, "password": "tulungrejo-batu-77"}))
            .send().await.expect("post");
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    async fn a_forwarded_for_header_is_ignored_unless_a_proxy_is_trusted(app: TestApp) {
        let (c, token) = at_login_form(&app).await;
        for i in 0..4 {
            post_login(&c, &app, &token, "admin", &format!("tebakan-salah-{i}"), "/", Some("198.51.100.1")).await;
        }
        let res = post_login(&c, &app, &token, "admin", PASSWORD, "/", Some("203.0.113.2")).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "a client escaped its lockout by writing X-Forwarded-For");
    }
}

access_tests! {
    async fn one_address_cannot_lock_an_account_for_everybody(app: TestApp) with behind_proxy(); {
        let (attacker, token) = at_login_form(&app).await;
        for i in 0..5 {
            let res = post_login(&attacker, &app, &token, "admin", &format!("tebakan-salah-{i}"), "/", Some("198.51.100.1")).await;
            assert!(matches!(res.status(), StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS));
        }
        let (owner, owner_token) = at_login_form(&app).await;
        let res = post_login(&owner, &app, &owner_token, "admin", PASSWORD, "/", Some("203.0.113.2")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "the owner, elsewhere, is locked out of admin");
        assert!(sets_session(&res));
        let res = post_login(&attacker, &app, &token, "admin", PASSWORD, "/", Some("198.51.100.1")).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "the guessing address is locked out, even with the password");
        assert!(!sets_session(&res));
        assert!(res.headers().contains_key("retry-after"));
        assert!(res.text().await.expect("body").contains("dikunci"));
    }

    async fn unknown_users_take_as_long_as_known_ones(app: TestApp) with unthrottled(); {
        let (c, token) = at_login_form(&app).await;
        let time = |user: &'static str| {
            let (c, token) = (c.clone(), token.clone());
            let app = &app;
            async move {
                let start = Instant::now();
                let res = post_login(&c, app, &token, user, "tebakan-salah-77", "/", None).await;
                assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
                start.elapsed()
            }
        };
        time("admin").await; // warm up
        // Pairs taken back to back, so the load of the tests running beside this one (which
        // drifts) falls on both halves of a pair alike. Before: one hash for a known name,
        // two for an unknown one, so an unknown name took 50-80 % longer here.
        let (mut known, mut extra) = (Vec::new(), Vec::new());
        for _ in 0..31 {
            let k = time("admin").await;
            let u = time("tidak.ada").await;
            known.push(k);
            extra.push((u.as_secs_f64() - k.as_secs_f64()) / k.as_secs_f64());
        }
        extra.sort_by(f64::total_cmp);
        let extra = extra[extra.len() / 2];
        let k = median(known);
        eprintln!("login time: known name median {k:?}; an unknown name takes {:+.0} % (median of 31 pairs)", extra * 100.0);
        assert!(extra.abs() < 0.3, "an unknown name takes {:+.0} % of a known one's time: timing tells which names exist", extra * 100.0);
    }

    async fn a_full_hashing_pool_answers_busy(app: TestApp) with AccessConfig { hash_workers: 1, hash_queue: 1, ..unthrottled() }; {
        let (c, token) = at_login_form(&app).await;
        let tries: Vec<_> = (0..20)
            .map(|i| {
                let (c, token, url) = (c.clone(), token.clone(), app.url("/login"));
                tokio::spawn(async move {
                    let res = c.post(url)
                        .form(&[("username", format!("tidak.ada{i}").as_str()), ("password", "tebakan-salah-77"), ("_csrf", token.as_str()), ("next", "/")])
                        .send().await.expect("login");
                    let retry = res.headers().get("retry-after").map(|v| v.to_str().expect("ascii").to_string());
                    (res.status(), retry, res.text().await.expect("body"))
                })
            })
            .collect();
        let mut busy = 0;
        for t in tries {
            let (status, retry, body) = t.await.expect("task");
            match status {
                StatusCode::UNAUTHORIZED => {}
                StatusCode::SERVICE_UNAVAILABLE => {
                    busy += 1;
                    assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1)), "503 without Retry-After");
                    assert!(body.contains("sibuk"), "the page says the server is busy");
                }
                other => panic!("unexpected {other}"),
            }
        }
        assert!(busy >= 10, "only {busy} of 20 parallel logins were turned away by a pool of 1 + 1 waiting");
        assert!(login(&app.address, "admin", PASSWORD).await.is_ok(), "the pool works again once idle");
    }

    async fn healthz_stays_responsive_during_concurrent_logins(app: TestApp) with unthrottled(); {
        let (c, token) = at_login_form(&app).await;
        let logins: Vec<_> = (0..40)
            .map(|i| {
                let (c, token, url) = (c.clone(), token.clone(), app.url("/login"));
                tokio::spawn(async move {
                    c.post(url)
                        .form(&[("username", format!("tidak.ada{i}").as_str()), ("password", "tebakan-salah-77"), ("_csrf", token.as_str()), ("next", "/")])
                        .send().await.expect("login").status()
                })
            })
            .collect();
        let probe = plain_client();
        let mut latencies = Vec::new();
        for _ in 0..20 {
            let start = Instant::now();
            let res = probe.get(app.url("/healthz")).send().await.expect("healthz");
            assert_eq!(res.status(), StatusCode::OK);
            latencies.push(start.elapsed());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for t in logins {
            assert!(matches!(t.await.expect("task"), StatusCode::UNAUTHORIZED | StatusCode::SERVICE_UNAVAILABLE));
        }
        let p50 = median(latencies);
        eprintln!("/healthz p50 during 40 concurrent logins: {p50:?}");
        assert!(p50 < Duration::from_millis(100), "/healthz p50 {p50:?} while logins hash");
    }
}
