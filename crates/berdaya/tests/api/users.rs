//! Accounts and API tokens over HTTP: administrators create, disable and enable accounts,
//! set passwords and issue and revoke tokens, by page and by API; every other role is
//! refused; `/api/v1/me` answers anyone signed in; and neither a password nor a token's
//! secret is ever shown again.

use berdaya_domain::access::Role;
use berdaya_domain::access::secret::secret_hash;
use berdaya_domain::registry::RegionDraft;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{PASSWORD, create_user, login, plain_client};

/// A password no test account has, typed for a new account.
const NEW_PASSWORD: &str = "Sawah-Hijau-Subur-77";

pub(crate) async fn body(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}")))
}

/// The fields an API error names.
pub(crate) fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The message an API error gives for `field`.
pub(crate) fn message_for(v: &Value, field: &str) -> String {
    v["error"]["fields"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["field"] == field))
        .and_then(|f| f["message"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// The `Location` of a redirect.
pub(crate) fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

pub(crate) async fn get_text(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let res = client.get(url).send().await.expect("get");
    (res.status(), res.text().await.expect("body"))
}

/// The secret shown on the one-time token page.
fn secret_in(html: &str) -> String {
    let at = html.find("id=\"token-secret\">").expect("the page shows the secret") + "id=\"token-secret\">".len();
    let end = html[at..].find('<').expect("end of secret");
    html[at..at + end].to_string()
}

/// A client that sends an API token and nothing else (no cookies, no CSRF header).
fn bearer(secret: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {secret}").parse().expect("header"));
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client")
}

fn new_user_form<'a>(username: &'a str, role: &'a str, password: &'a str, again: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", username),
        ("display_name", "Siti Rahayu"),
        ("role", role),
        ("area", ""),
        ("agency_id", ""),
        ("group_id", ""),
        ("password", password),
        ("password_confirm", again),
    ]
}

backend_tests! {
    async fn admin_creates_accounts_by_form_and_by_api(app: TestApp) {
        let admin = &app.client;
        let (status, form) = get_text(admin, app.url("/users/new")).await;
        assert_eq!(status, StatusCode::OK);
        for field in ["username", "display_name", "role", "area", "agency_id", "group_id", "password", "password_confirm", "_csrf"] {
            assert!(form.contains(&format!("name=\"{field}\"")), "the form has no `{field}` field");
        }
        assert!(form.contains("Pendamping") && form.contains("Petugas Program"), "roles are offered by their labels");

        // By the form.
        let res = admin.post(app.url("/users")).form(&new_user_form("siti.form", "viewer", NEW_PASSWORD, NEW_PASSWORD)).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{:?}", res.text().await);
        let to = location(&res);
        assert!(to.starts_with("/users/") && to.ends_with("?done=created"), "{to}");
        let (status, page) = get_text(admin, app.url(&to)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("siti.form") && page.contains("Siti Rahayu") && page.contains("Pemantau"), "{page}");
        assert!(page.contains("Akun dibuat."), "the page says what happened");
        assert!(login(&app.address, "siti.form", NEW_PASSWORD).await.is_ok(), "the new account signs in");
        let id: i64 = to.trim_start_matches("/users/").trim_end_matches("?done=created").parse().expect("id");

        // By the API.
        let res = admin.post(app.url("/api/v1/users"))
            .json(&json!({"username": "Budi.API", "display_name": "Budi Santoso", "role": "facilitator", "area": null, "password": NEW_PASSWORD}))
            .send().await.expect("post");
        let (status, created) = body(res).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["username"], "budi.api", "usernames are lower case");
        assert_eq!(created["role"], "facilitator");
        assert_eq!(created["disabled"], false);
        assert!(created.get("password").is_none() && created.get("password_hash").is_none());
        assert!(!created.to_string().contains("argon2"));
        assert!(login(&app.address, "budi.api", NEW_PASSWORD).await.is_ok());
        let budi = created["id"].as_i64().expect("id");
        let (status, one) = body(admin.get(app.url(&format!("/api/v1/users/{budi}"))).send().await.expect("get")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(one["display_name"], "Budi Santoso");

        // Both are listed, labelled in the page's language.
        let (status, list) = body(admin.get(app.url("/api/v1/users")).send().await.expect("get")).await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<&str> = list.as_array().expect("array").iter().filter_map(|u| u["username"].as_str()).collect();
        assert_eq!(names, vec!["admin", "budi.api", "siti.form"]);
        let (_, html) = get_text(admin, app.url("/users")).await;
        assert!(html.contains("href=\"/users/new\"") && html.contains(&format!("href=\"/users/{budi}\"")));
        assert!(html.contains("Pendamping") && html.contains("Pemantau") && html.contains("aktif") && html.contains("Nasional"));
        let (_, html) = get_text(admin, app.url("/users?lang=en")).await;
        assert!(html.contains("Facilitator") && html.contains("Viewer") && html.contains("National"), "{html}");
        let (_, home) = get_text(admin, app.url("/")).await;
        assert!(home.contains("href=\"/users\""), "administrators have the Users menu entry");

        // The web leaves the same trail as the CLI: the store's own audit entries.
        let (_, log) = body(admin.get(app.url("/api/v1/audit?entity=users&action=create")).send().await.expect("get")).await;
        let entries = log["items"].as_array().expect("items");
        for uid in [id, budi] {
            let entry = entries.iter().find(|e| e["entity_id"].as_str().and_then(|s| s.parse::<i64>().ok()) == Some(uid)).unwrap_or_else(|| panic!("no create entry for user {uid}: {log}"));
            assert_eq!(entry["actor"], "admin");
        }
        assert!(!log.to_string().contains(NEW_PASSWORD) && !log.to_string().contains("argon2"));
    }

    async fn validation_errors_name_the_field(app: TestApp) {
        let admin = &app.client;
        let post = |v: Value| {
            let c = admin.clone();
            let url = app.url("/api/v1/users");
            async move { body(c.post(url).json(&v).send().await.expect("post")).await }
        };
        let base = json!({"username": "rina", "display_name": "Rina", "role": "viewer", "password": NEW_PASSWORD});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };

        let (status, v) = post(with("role", json!("root"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), vec!["role"]);
        assert!(message_for(&v, "role").contains("is not one of"), "{v}");

        let (status, v) = post(with("password", json!("pendek"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), vec!["password"]);
        assert!(message_for(&v, "password").contains("at least 10"), "{v}");
        assert!(!v.to_string().contains("pendek"), "the password is echoed");

        let (status, v) = post(with("password", json!("rina-punya-sandi"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message_for(&v, "password").contains("username"), "{v}");

        let (status, v) = post(with("role", json!("program_officer"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(message_for(&v, "agency_id"), "a program officer needs an agency");

        let (status, v) = post(with("role", json!("group_officer"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(message_for(&v, "group_id"), "a group officer needs a group");

        let (status, v) = post(with("agency_id", json!(987654))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), vec!["agency_id"], "only a program officer has an agency: {v}");

        let (status, v) = post(with("area", json!("99.99"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), vec!["area"], "an unknown region: {v}");

        let mut no_password = base.clone();
        no_password.as_object_mut().expect("object").remove("password");
        let (status, v) = post(no_password).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), vec!["password"]);

        let (status, v) = post(with("username", json!("Admin"))).await;
        assert_eq!(status, StatusCode::CONFLICT, "{v}");
        assert_eq!(fields(&v), vec!["username"]);
        assert_eq!(v["error"]["code"], "duplicate");

        let (status, v) = post(with("username", json!("x"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), vec!["username"]);

        // The form says the same next to each field, and never 500s.
        let form = |f: Vec<(&'static str, &'static str)>| {
            let c = admin.clone();
            let url = app.url("/users");
            async move { get_status_text(c.post(url).form(&f).send().await.expect("post")).await }
        };
        let (status, html) = form(new_user_form("rina", "viewer", NEW_PASSWORD, "Sawah-Hijau-Subur-78")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"user-password_confirm-error\""), "{html}");
        // The page is Indonesian (the default): so is the rule.
        assert!(html.contains("tidak sama dengan kata sandi"), "{html}");
        assert!(!html.contains(NEW_PASSWORD), "the typed password is sent back");
        assert!(html.contains("value=\"rina\""), "the other values are kept");

        let (status, html) = form(new_user_form("rina", "viewer", "pendek", "pendek")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"user-password-error\"") && html.contains("paling sedikit 10 karakter"), "{html}");

        let (status, html) = form(new_user_form("rina", "root", NEW_PASSWORD, NEW_PASSWORD)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"user-role-error\""), "{html}");

        let (status, html) = form(new_user_form("admin", "viewer", NEW_PASSWORD, NEW_PASSWORD)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("id=\"user-username-error\""), "{html}");

        let mut bad_id = new_user_form("rina", "group_officer", NEW_PASSWORD, NEW_PASSWORD);
        bad_id.retain(|(k, _)| *k != "group_id");
        bad_id.push(("group_id", "satu"));
        let (status, html) = form(bad_id).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"user-group_id-error\"") && html.contains("bukan nomor ID data"), "{html}");

        let (status, html) = form(vec![("username", ""), ("role", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"user-username-error\"") && html.contains("id=\"user-role-error\""), "{html}");

        let users = app.store.users().await.expect("users");
        assert_eq!(users.len(), 1, "a refused account was made: {users:?}");
    }

    async fn disabling_ends_the_users_session(app: TestApp) {
        let admin = &app.client;
        let fac = create_user(&*app.store, "fasilitator", Role::Facilitator, None, None, None).await;
        let session = login(&app.address, "fasilitator", PASSWORD).await.expect("signs in");
        assert_eq!(session.get(app.url("/households")).send().await.expect("get").status(), StatusCode::OK);

        let (status, page) = get_text(admin, app.url(&format!("/users/{}", fac.id))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("action=\"/users/{}/disable\"", fac.id)), "{page}");
        assert!(page.contains("id=\"assignments\""), "a facilitator's page lists assignments");
        let res = admin.post(app.url(&format!("/users/{}/disable", fac.id))).form(&[("x", "1")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("/users/{}?done=disabled", fac.id));
        let (_, page) = get_text(admin, app.url(&location(&res))).await;
        assert!(page.contains("nonaktif") && page.contains(&format!("action=\"/users/{}/enable\"", fac.id)));

        let res = session.get(app.url("/households")).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "the disabled user's session still works");
        assert!(location(&res).starts_with("/login"));
        assert_eq!(session.get(app.url("/api/v1/me")).send().await.expect("get").status(), StatusCode::UNAUTHORIZED);
        assert!(login(&app.address, "fasilitator", PASSWORD).await.is_err(), "a disabled account signs in");

        // Enabled again by the API; disabled again by the API.
        let (status, v) = body(admin.post(app.url(&format!("/api/v1/users/{}/enable", fac.id))).send().await.expect("post")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["disabled"], false);
        let again = login(&app.address, "fasilitator", PASSWORD).await.expect("signs in again");
        let (status, v) = body(admin.post(app.url(&format!("/api/v1/users/{}/disable", fac.id))).send().await.expect("post")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["disabled"], true);
        assert_eq!(again.get(app.url("/api/v1/me")).send().await.expect("get").status(), StatusCode::UNAUTHORIZED);

        // An administrator cannot lock themselves out.
        let me = app.store.users().await.expect("users").into_iter().find(|u| u.username.as_str() == "admin").expect("admin");
        let (status, v) = body(admin.post(app.url(&format!("/api/v1/users/{}/disable", me.id))).send().await.expect("post")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), vec!["id"]);
        let (_, page) = get_text(admin, app.url(&format!("/users/{}", me.id))).await;
        assert!(!page.contains("/disable\""), "one's own page offers to disable it");

        // A new password ends the sessions too.
        let other = create_user(&*app.store, "evaluasi", Role::Evaluator, None, None, None).await;
        let eva = login(&app.address, "evaluasi", PASSWORD).await.expect("signs in");
        let url = app.url(&format!("/users/{}/password", other.id));
        let res = admin.post(&url).form(&[("password", NEW_PASSWORD), ("password_confirm", "lain-sekali-12345")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.expect("body");
        assert!(html.contains("id=\"password-password_confirm-error\"") && !html.contains(NEW_PASSWORD), "{html}");
        let res = admin.post(&url).form(&[("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(eva.get(app.url("/api/v1/me")).send().await.expect("get").status(), StatusCode::UNAUTHORIZED);
        assert!(login(&app.address, "evaluasi", PASSWORD).await.is_err());
        assert!(login(&app.address, "evaluasi", NEW_PASSWORD).await.is_ok());
    }

    async fn tokens_work_until_revoked(app: TestApp) {
        let admin = &app.client;
        let user = create_user(&*app.store, "mesin", Role::Viewer, None, None, None).await;

        // By the API.
        let url = app.url(&format!("/api/v1/users/{}/tokens", user.id));
        let res = admin.post(&url).json(&json!({"name": "sinkronisasi", "expires_days": 30})).send().await.expect("post");
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        let (status, v) = body(res).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let secret = v["secret"].as_str().expect("secret").to_string();
        assert!(secret.starts_with("bdy_") && secret.len() == 68, "{secret}");
        let prefix = v["token"]["prefix"].as_str().expect("prefix").to_string();
        assert!(secret.starts_with(&prefix) && prefix.len() < secret.len());
        assert_eq!(v["token"]["status"], "active");
        assert!(v["token"]["expires_at"].is_string());
        let token_id = v["token"]["id"].as_i64().expect("id");

        let machine = bearer(&secret);
        let (status, me) = body(machine.get(app.url("/api/v1/me")).send().await.expect("get")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["username"], "mesin");
        assert_eq!(me["role"], "viewer");
        assert_eq!(me["token_id"], token_id);
        assert_eq!(me["user_id"], user.id);
        assert_eq!(machine.get(app.url("/api/v1/users")).send().await.expect("get").status(), StatusCode::FORBIDDEN, "a viewer's token is a viewer");

        let (status, list) = body(admin.get(&url).send().await.expect("get")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list[0]["prefix"], prefix.as_str());
        assert!(!list.to_string().contains(&secret) && !list.to_string().contains(&secret_hash(&secret)));

        let (status, v) = body(admin.post(app.url(&format!("/api/v1/tokens/{token_id}/revoke"))).send().await.expect("post")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["status"], "revoked");
        assert_eq!(machine.get(app.url("/api/v1/me")).send().await.expect("get").status(), StatusCode::UNAUTHORIZED);
        let (status, _) = body(admin.post(app.url(&format!("/api/v1/tokens/{token_id}/revoke"))).send().await.expect("post")).await;
        assert_eq!(status, StatusCode::OK, "revoking twice is harmless");

        // The CLI's rules.
        for (input, field) in [
            (json!({"name": "x", "expires_days": 0}), "expires_days"),
            (json!({"name": "x", "expires_days": -3}), "expires_days"),
            (json!({"name": "x", "expires_days": 3651}), "expires_days"),
            (json!({"name": "x", "expires_days": "sepuluh"}), "expires_days"),
            (json!({"name": "  "}), "name"),
        ] {
            let (status, v) = body(admin.post(&url).json(&input).send().await.expect("post")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{input}: {v}");
            assert_eq!(fields(&v), vec![field], "{input}: {v}");
        }
        let (_, v) = body(admin.post(&url).json(&json!({"name": "x", "expires_days": 0})).send().await.expect("post")).await;
        assert!(message_for(&v, "expires_days").contains("is not a whole number of days from 1 to 3650"), "{v}");

        // By the page: the secret is shown once, with a warning.
        let page_url = app.url(&format!("/users/{}/tokens", user.id));
        let res = admin.post(&page_url).form(&[("name", "laptop kantor"), ("expires_days", "")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        let html = res.text().await.expect("body");
        assert!(html.contains("tidak akan ditampilkan lagi"), "{html}");
        let page_secret = secret_in(&html);
        assert!(page_secret.starts_with("bdy_"));
        let laptop = bearer(&page_secret);
        assert_eq!(laptop.get(app.url("/api/v1/me")).send().await.expect("get").status(), StatusCode::OK);

        let (_, page) = get_text(admin, app.url(&format!("/users/{}", user.id))).await;
        assert!(!page.contains(&page_secret), "the secret is shown again");
        assert!(page.contains(&page_secret[..12]) && page.contains("laptop kantor") && page.contains("dicabut"));
        let tokens = app.store.tokens(Some(user.id)).await.expect("tokens");
        let laptop_id = tokens.iter().find(|t| t.name == "laptop kantor").expect("token").id;
        let revoke = format!("/users/{}/tokens/{laptop_id}/revoke", user.id);
        assert!(page.contains(&format!("action=\"{revoke}\"")), "a revoke button: {page}");
        let res = admin.post(app.url(&revoke)).form(&[("x", "1")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(laptop.get(app.url("/api/v1/me")).send().await.expect("get").status(), StatusCode::UNAUTHORIZED);

        let res = admin.post(&page_url).form(&[("name", "x"), ("expires_days", "0")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.expect("body");
        assert!(html.contains("id=\"token-expires_days-error\""), "{html}");

        // A disabled account gets no token.
        app.store.set_user_disabled(user.id, true).await.expect("disable");
        let (status, v) = body(admin.post(&url).json(&json!({"name": "x"})).send().await.expect("post")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message_for(&v, "id").contains("is disabled"), "{v}");

        // A revoked token of another user, or an unknown one, is a 404.
        assert_eq!(admin.post(app.url("/api/v1/tokens/987654/revoke")).send().await.expect("post").status(), StatusCode::NOT_FOUND);
        let res = admin.post(app.url(&format!("/users/987654/tokens/{laptop_id}/revoke"))).form(&[("x", "1")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    async fn passwords_and_secrets_are_never_shown_again(app: TestApp) {
        let admin = &app.client;
        let res = admin.post(app.url("/users")).form(&new_user_form("rahasia", "evaluator", NEW_PASSWORD, NEW_PASSWORD)).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let id = location(&res).trim_start_matches("/users/").trim_end_matches("?done=created").to_string();
        let res = admin.post(app.url(&format!("/users/{id}/tokens"))).form(&[("name", "skrip"), ("expires_days", "7")]).send().await.expect("post");
        let secret = secret_in(&res.text().await.expect("body"));
        let hash = secret_hash(&secret);
        let paths = [
            "/users".to_string(),
            "/users/new".into(),
            format!("/users/{id}"),
            "/api/v1/users".into(),
            format!("/api/v1/users/{id}"),
            format!("/api/v1/users/{id}/tokens"),
            "/api/v1/audit?per_page=200".into(),
            "/audit?per_page=200".into(),
            "/api/v1/me".into(),
        ];
        for path in &paths {
            let (status, text) = get_text(admin, app.url(path)).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            for (what, s) in [("password", NEW_PASSWORD), ("secret", secret.as_str()), ("secret hash", hash.as_str()), ("password hash", "$argon2")] {
                assert!(!text.contains(s), "{path} shows the {what}");
            }
        }
        let user = login(&app.address, "rahasia", NEW_PASSWORD).await.expect("signs in");
        let (status, me) = body(user.get(app.url("/api/v1/me")).send().await.expect("get")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!me.to_string().contains("argon2"));
        assert!(me["token_id"].is_null());
    }

    async fn other_roles_are_refused_and_only_see_themselves(app: TestApp) {
        let admin = &app.client;
        let target = create_user(&*app.store, "sasaran", Role::Viewer, None, None, None).await;
        let (_, t) = body(admin.post(app.url(&format!("/api/v1/users/{}/tokens", target.id))).json(&json!({"name": "t"})).send().await.expect("post")).await;
        let token_id = t["token"]["id"].as_i64().expect("id");
        let target_secret = t["secret"].as_str().expect("secret").to_string();

        create_user(&*app.store, "pemantau", Role::Viewer, None, None, None).await;
        let fac = create_user(&*app.store, "pendamping", Role::Facilitator, None, None, None).await;
        create_user(&*app.store, "penilai", Role::Evaluator, None, None, None).await;
        let url = app.url(&format!("/api/v1/users/{}/tokens", fac.id));
        let (_, fac_token) = body(admin.post(url).json(&json!({"name": "hp"})).send().await.expect("post")).await;
        // (name, client, whether it holds an API token rather than a session)
        let clients = [
            ("pemantau", login(&app.address, "pemantau", PASSWORD).await.expect("viewer signs in"), false),
            ("pendamping", login(&app.address, "pendamping", PASSWORD).await.expect("facilitator signs in"), false),
            ("penilai", login(&app.address, "penilai", PASSWORD).await.expect("evaluator signs in"), false),
            ("pendamping", bearer(fac_token["secret"].as_str().expect("secret")), true),
        ];

        let id = target.id;
        let gets = [
            "/users".to_string(), "/users/new".into(), format!("/users/{id}"),
            "/api/v1/users".into(), format!("/api/v1/users/{id}"), format!("/api/v1/users/{id}/tokens"),
        ];
        let posts = [
            "/users".to_string(), format!("/users/{id}/disable"), format!("/users/{id}/enable"),
            format!("/users/{id}/password"), format!("/users/{id}/tokens"), format!("/users/{id}/tokens/{token_id}/revoke"),
            "/api/v1/users".into(), format!("/api/v1/users/{id}/disable"), format!("/api/v1/users/{id}/enable"),
            format!("/api/v1/users/{id}/tokens"), format!("/api/v1/tokens/{token_id}/revoke"),
        ];
        let mut wrong = Vec::new();
        for (who, c, token) in &clients {
            // A token works on the API only: pages answer it as a visitor who has not signed in.
            for path in &gets {
                if path.starts_with("/api") || !token {
                    let status = c.get(app.url(path)).send().await.expect("get").status();
                    if status != StatusCode::FORBIDDEN {
                        wrong.push(format!("{who} GET {path}: {status}"));
                    }
                }
            }
            for path in &posts {
                let req = c.post(app.url(path));
                let req = if path.starts_with("/api") {
                    req.json(&json!({"username": "penyusup", "display_name": "x", "role": "administrator", "password": NEW_PASSWORD, "name": "x"}))
                } else {
                    req.form(&new_user_form("penyusup", "administrator", NEW_PASSWORD, NEW_PASSWORD))
                };
                let status = req.send().await.expect("post").status();
                let expected = if path.starts_with("/api") || !token { StatusCode::FORBIDDEN } else { StatusCode::UNAUTHORIZED };
                if status != expected {
                    wrong.push(format!("{who} POST {path}: {status}"));
                }
            }
            let (status, me) = body(c.get(app.url("/api/v1/me")).send().await.expect("get")).await;
            if status != StatusCode::OK || me["username"] != *who {
                wrong.push(format!("{who} GET /api/v1/me: {status} {me}"));
            }
        }
        assert!(wrong.is_empty(), "refusals broken:\n{}", wrong.join("\n"));

        // Nothing changed.
        let users = app.store.users().await.expect("users");
        assert!(users.iter().all(|u| !u.disabled && u.username.as_str() != "penyusup"), "{users:?}");
        assert_eq!(bearer(&target_secret).get(app.url("/api/v1/me")).send().await.expect("get").status(), StatusCode::OK, "the token still works");
        assert!(login(&app.address, "sasaran", PASSWORD).await.is_ok(), "the password is unchanged");

        // The menu offers the page to administrators only.
        let (_, home) = get_text(&clients[0].1, app.url("/")).await;
        assert!(!home.contains("href=\"/users\""));
        let (_, me) = body(clients[1].1.get(app.url("/api/v1/me")).send().await.expect("get")).await;
        assert_eq!(me["role"], "facilitator");
        assert!(me["token_id"].is_null());
        let (_, me) = body(clients[3].1.get(app.url("/api/v1/me")).send().await.expect("get")).await;
        assert!(me["token_id"].is_i64(), "{me}");

        // Unknown ids are 404 for an administrator.
        for path in ["/users/987654", "/api/v1/users/987654", "/api/v1/users/987654/tokens"] {
            assert_eq!(admin.get(app.url(path)).send().await.expect("get").status(), StatusCode::NOT_FOUND, "{path}");
        }
        assert_eq!(admin.post(app.url("/api/v1/users/987654/disable")).send().await.expect("post").status(), StatusCode::NOT_FOUND);
        assert_eq!(admin.get(app.url("/users/abc")).send().await.expect("get").status(), StatusCode::BAD_REQUEST);
        assert_eq!(plain_client().get(app.url("/api/v1/me")).send().await.expect("get").status(), StatusCode::UNAUTHORIZED);
    }

    async fn an_area_administrator_manages_only_their_area(app: TestApp) {
        for (code, name, kind) in [("33", "Jawa Tengah", "province"), ("33.16", "Blora", "regency"), ("35", "Jawa Timur", "province"), ("35.79", "Batu", "city")] {
            let r = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().expect("region");
            app.store.create_region(&r).await.expect("region");
        }
        create_user(&*app.store, "admin.blora", Role::Administrator, Some("33.16"), None, None).await;
        let inside = create_user(&*app.store, "warga.blora", Role::Viewer, Some("33.16"), None, None).await;
        let outside = create_user(&*app.store, "warga.batu", Role::Viewer, Some("35.79"), None, None).await;
        let blora = login(&app.address, "admin.blora", PASSWORD).await.expect("signs in");

        let (_, list) = body(blora.get(app.url("/api/v1/users")).send().await.expect("get")).await;
        let names: Vec<&str> = list.as_array().expect("array").iter().filter_map(|u| u["username"].as_str()).collect();
        assert_eq!(names, vec!["admin.blora", "warga.blora"]);
        let (_, html) = get_text(&blora, app.url("/users")).await;
        assert!(html.contains("33.16 Blora") && !html.contains("warga.batu"), "{html}");
        assert_eq!(blora.get(app.url(&format!("/api/v1/users/{}", inside.id))).send().await.expect("get").status(), StatusCode::OK);
        let hidden = blora.get(app.url(&format!("/api/v1/users/{}", outside.id))).send().await.expect("get");
        let missing = blora.get(app.url("/api/v1/users/987654")).send().await.expect("get");
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
        assert_eq!(hidden.text().await.expect("body"), missing.text().await.expect("body"), "an account outside the area reads as missing");
        assert_eq!(blora.post(app.url(&format!("/api/v1/users/{}/disable", outside.id))).send().await.expect("post").status(), StatusCode::NOT_FOUND);

        let post = |area: Value| {
            let c = blora.clone();
            let url = app.url("/api/v1/users");
            async move {
                body(c.post(url).json(&json!({"username": "baru", "display_name": "Baru", "role": "administrator", "area": area, "password": NEW_PASSWORD})).send().await.expect("post")).await
            }
        };
        let (status, v) = post(Value::Null).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a regency administrator made a national one");
        assert_eq!(fields(&v), vec!["area"]);
        let (status, v) = post(json!("35.79")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message_for(&v, "area").contains("35.79 does not exist"), "{v}");
        let (status, _) = post(json!("33.16")).await;
        assert_eq!(status, StatusCode::CREATED);
    }
}

async fn get_status_text(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    (status, res.text().await.expect("body"))
}
