//! Bad input never yields a 500, a panic or a half-written change: each request below is
//! answered 4xx naming the field, and the database is unchanged.

use berdaya_store::RegistryCounts;
use serde_json::{Value, json};

use crate::api::fixtures::{self, KK, NIK};
use crate::backend_tests;
use crate::helpers::TestApp;

async fn counts(app: &TestApp) -> RegistryCounts {
    app.store.registry_counts().await.expect("counts")
}

/// Sends a raw body; answers status and JSON (or Null).
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let res = app
        .client
        .request(method, app.url(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_json(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    send(app, reqwest::Method::POST, path, "application/json", body.to_string()).await
}

fn field_named(body: &Value, field: &str) -> bool {
    body["error"]["fields"].as_array().is_some_and(|fs| fs.iter().any(|f| f["field"] == field))
}

fn message(body: &Value) -> String {
    body["error"]["message"].as_str().unwrap_or("").to_string()
}

/// Asserts a 4xx whose body names `field`.
fn refused(status: u16, body: &Value, expected: u16, field: &str) {
    assert_eq!(status, expected, "{body}");
    assert!(field_named(body, field), "{field} not named in {body}");
}

backend_tests! {
    async fn malformed_and_mistyped_json(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let before = counts(&app).await;

        let (s, b) = send(&app, reqwest::Method::POST, "/api/v1/households", "application/json", "{\"kk\": \"3316").await;
        refused(s, &b, 400, "body");
        assert!(message(&b).contains("not valid JSON"), "{b}");
        let (s, b) = send(&app, reqwest::Method::POST, "/api/v1/households", "application/json", "").await;
        assert_eq!(s, 400, "{b}");
        let (s, b) = send(&app, reqwest::Method::POST, "/api/v1/households", "application/json", "[1, 2]").await;
        assert_eq!(s, 422, "{b}");

        let mut wrong = fixtures::household(KK, "Jl. Pilang 1");
        wrong["kk"] = json!(3316090101200034u64);
        let (s, b) = post_json(&app, "/api/v1/households", &wrong).await;
        refused(s, &b, 422, "kk");
        assert!(message(&b).contains("invalid type"), "{b}");
        let mut wrong = fixtures::household(KK, "Jl. Pilang 1");
        wrong["dtks_listed"] = json!("yes");
        let (s, b) = post_json(&app, "/api/v1/households", &wrong).await;
        refused(s, &b, 422, "dtks_listed");
        let (s, b) = post_json(&app, "/api/v1/households", &json!({"kk": KK, "region": "33.16.09.2001", "welfare_stage": "sejahtera_1"})).await;
        refused(s, &b, 422, "address");
        assert!(message(&b).contains("missing field"), "{b}");

        let (s, b) = send(&app, reqwest::Method::POST, "/api/v1/households", "text/plain", fixtures::household(KK, "x").to_string()).await;
        assert_eq!(s, 415, "{b}");
        assert!(message(&b).contains("application/json"));
        let (s, _) = send(&app, reqwest::Method::POST, "/api/v1/people", "application/x-www-form-urlencoded", "nik=1").await;
        assert_eq!(s, 415);

        assert_eq!(counts(&app).await, before);
    }

    async fn rule_breaking_values(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let before = counts(&app).await;

        let long = fixtures::household(KK, &"a".repeat(301));
        let (s, b) = post_json(&app, "/api/v1/households", &long).await;
        refused(s, &b, 422, "address");
        assert!(message(&b).contains("longer than 300"), "{b}");

        let mut unknown_region = fixtures::household(KK, "Jl. Pilang 1");
        unknown_region["region"] = json!("33.16.09.2999");
        let (s, b) = post_json(&app, "/api/v1/households", &unknown_region).await;
        refused(s, &b, 422, "region");
        let mut bad_region = fixtures::household(KK, "Jl. Pilang 1");
        bad_region["region"] = json!("33.1");
        let (s, b) = post_json(&app, "/api/v1/households", &bad_region).await;
        refused(s, &b, 422, "region");

        for (nik, rule) in [
            ("331609520385001", "16 digits"),
            ("0016095203850012", "province"),
            ("3316093203850012", "a day must be 01–31"),
            ("3316091213850012", "month"),
            ("3316093002850012", "not a date"),
            ("3316091203850000", "serial"),
        ] {
            let person = json!({"nik": nik, "name": "Siti", "sex": "female", "birth_date": "1985-03-12", "relation": "head"});
            let (s, b) = post_json(&app, "/api/v1/people", &person).await;
            refused(s, &b, 422, "nik");
            assert!(message(&b).contains(rule), "{nik}: expected the rule `{rule}` in {b}");
        }
        let person = json!({"nik": NIK, "name": "Siti", "sex": "female", "birth_date": "1985-03-12", "relation": "head",
            "household_id": "999999"});
        let (s, b) = post_json(&app, "/api/v1/people", &person).await;
        assert!(s == 422 || s == 404, "{s} {b}");
        assert!(field_named(&b, "household_id") || message(&b).contains("household"), "{b}");
        let person = json!({"nik": NIK, "name": "x".repeat(151), "sex": "X", "birth_date": "12-03-1985", "relation": "cousin"});
        let (s, b) = post_json(&app, "/api/v1/people", &person).await;
        assert_eq!(s, 422);
        for f in ["name", "sex", "birth_date", "relation"] {
            assert!(field_named(&b, f), "{f} not named in {b}");
        }

        assert_eq!(counts(&app).await, before);
        let (_, program) = fixtures::program(&*app.store).await;
        let before = counts(&app).await;
        let (s, b) = post_json(&app, &format!("/api/v1/programs/{program}/enrollments"),
            &json!({"subject_kind": "household", "subject_id": "999999", "enrolled_on": "2020-01-01"})).await;
        assert!((400..500).contains(&s), "{s} {b}");
        let (s, b) = post_json(&app, &format!("/api/v1/programs/{program}/enrollments"),
            &json!({"subject_kind": "village", "subject_id": "x", "enrolled_on": "soon"})).await;
        assert_eq!(s, 422);
        for f in ["subject_kind", "subject_id", "enrolled_on"] {
            assert!(field_named(&b, f), "{f} not named in {b}");
        }
        let (s, b) = post_json(&app, "/api/v1/programs",
            &json!({"name": "P", "agency_id": "1", "starts_on": "2020-01-01", "target_regions": "33.16.09, 99.99"})).await;
        assert!((400..500).contains(&s), "{s} {b}");
        assert_eq!(counts(&app).await, before);
    }

    async fn updates_need_a_version(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (s, h) = post_json(&app, "/api/v1/households", &fixtures::household(KK, "Jl. Pilang 1")).await;
        assert_eq!(s, 201);
        let id = h["id"].as_i64().expect("id");
        let (s, b) = send(&app, reqwest::Method::PUT, &format!("/api/v1/households/{id}"), "application/json",
            fixtures::household(KK, "Jl. Baru").to_string()).await;
        refused(s, &b, 422, "version");
        let mut body = fixtures::household(KK, "Jl. Baru");
        body["version"] = json!("one");
        let (s, b) = send(&app, reqwest::Method::PUT, &format!("/api/v1/households/{id}"), "application/json", body.to_string()).await;
        refused(s, &b, 422, "version");
        assert_eq!(app.store.household(id).await.expect("household").address, "Jl. Pilang 1");
    }

    async fn bad_paths_and_queries(app: TestApp) {
        let cases = [
            ("/api/v1/households/abc", "id"),
            ("/api/v1/households/0", "id"),
            ("/api/v1/households/-4", "id"),
            ("/api/v1/households/99999999999999999999999", "id"),
            ("/api/v1/people/1.5", "id"),
            ("/api/v1/regions/xyz", "code"),
            ("/api/v1/regions/33.1", "code"),
            ("/api/v1/households?page=abc", "page"),
            ("/api/v1/households?page=0", "page"),
            ("/api/v1/households?per_page=1000", "per_page"),
            ("/api/v1/households?region=bogus", "region"),
            ("/api/v1/households?colour=red", "colour"),
            ("/api/v1/regions/tree?parent=1", "parent"),
        ];
        for (path, field) in cases {
            let res = app.client.get(app.url(path)).send().await.expect("request");
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            refused(status, &body, 400, field);
        }
        let long = format!("/api/v1/people?q={}", "a".repeat(201));
        let res = app.client.get(app.url(&long)).send().await.expect("request");
        assert_eq!(res.status().as_u16(), 400);

        for path in ["/households/abc", "/people/0", "/regions/33.1", "/households?page=x"] {
            let res = app.client.get(app.url(path)).send().await.expect("request");
            assert_eq!(res.status().as_u16(), 400, "{path}");
            let html = res.text().await.expect("body");
            assert!(html.contains("<html") && html.contains("Permintaan tidak valid"), "{path}: {html}");
        }
        let (s, _) = send(&app, reqwest::Method::DELETE, "/api/v1/households/1", "application/json", "").await;
        assert!((400..500).contains(&s));
    }

    async fn huge_bodies(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let before = counts(&app).await;
        let huge = fixtures::household(KK, &"a".repeat(3 * 1024 * 1024));
        let (s, b) = post_json(&app, "/api/v1/households", &huge).await;
        assert_eq!(s, 413, "{b}");
        assert_eq!(b["error"]["code"], "payload_too_large");
        assert!(message(&b).contains("2 MiB"));
        let address = "a".repeat(3 * 1024 * 1024);
        let res = app.client.post(app.url("/households")).form(&[("kk", KK), ("address", address.as_str())]).send().await.expect("request");
        assert_eq!(res.status().as_u16(), 413);
        assert!(res.text().await.expect("body").contains("<html"));
        assert_eq!(counts(&app).await, before);
    }

    async fn bad_forms_change_nothing(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let before = counts(&app).await;
        let res = app.client.post(app.url("/households")).header("content-type", "application/json").body("{}").send().await.expect("request");
        assert_eq!(res.status().as_u16(), 415);
        let res = app.client.post(app.url("/households")).form(&[("kk", "1"), ("welfare_stage", "rich")]).send().await.expect("request");
        assert_eq!(res.status().as_u16(), 422);
        let res = app.client.post(app.url("/households/abc/edit")).form(&[("kk", KK)]).send().await.expect("request");
        assert_eq!(res.status().as_u16(), 400);
        let res = app.client.post(app.url("/regions")).form(&[("code", "33.16.09.2001.RT1"), ("name", "RT 1"), ("kind", "province")]).send().await.expect("request");
        assert_eq!(res.status().as_u16(), 422);
        assert_eq!(counts(&app).await, before);
    }
}
