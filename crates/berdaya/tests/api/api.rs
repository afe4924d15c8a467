//! The JSON API: CRUD round-trips, version conflicts, search, pagination, the OpenAPI
//! document, `/healthz`, the API browser and the vendored assets.

use berdaya_domain::registry::{AgencyDraft, Id, ProgramDraft, RegionDraft};
use berdaya_store::Store;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::TestApp;

/// Fixtures the tests share, created straight through the store.
pub mod fixtures {
    use super::*;

    /// A woman born 12 March 1985, registered in Randublatung (33.16.09).
    pub const NIK: &str = "3316095203850012";
    pub const KK: &str = "3316090101200034";

    /// Jawa Tengah › Blora › Randublatung › Pilang.
    pub async fn regions(store: &dyn Store) {
        for (code, name, kind) in [
            ("33", "Jawa Tengah", "province"),
            ("33.16", "Blora", "regency"),
            ("33.16.09", "Randublatung", "district"),
            ("33.16.09.2001", "Pilang", "village"),
        ] {
            let draft = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() };
            store.create_region(&draft.parse().expect("valid region")).await.expect("create region");
        }
    }

    /// Dinas Sosial Blora and its PKH program targeting Randublatung. Needs [`regions`].
    pub async fn program(store: &dyn Store) -> (Id, Id) {
        let agency = AgencyDraft {
            name: "Dinas Sosial Blora".into(),
            kind: "agency".into(),
            region: "33.16".into(),
            parent_id: None,
        };
        let agency = store.create_agency(&agency.parse().expect("valid agency")).await.expect("create agency");
        let program = ProgramDraft {
            name: "PKH Randublatung".into(),
            agency_id: agency.id.to_string(),
            starts_on: "2019-01-01".into(),
            ends_on: None,
            description: Some("Program Keluarga Harapan".into()),
            target_regions: "33.16.09".into(),
        };
        let program = store.create_program(&program.parse().expect("valid program")).await.expect("create program");
        (agency.id, program.id)
    }

    /// A household body for the API.
    pub fn household(kk: &str, address: &str) -> Value {
        json!({
            "kk": kk,
            "address": address,
            "region": "33.16.09.2001",
            "welfare_stage": "pra_sejahtera",
            "dtks_listed": true,
            "dtks_since": "2018-05-01"
        })
    }
}

use fixtures::{KK, NIK};

async fn post(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    let res = app.client.post(app.url(path)).json(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn put(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    let res = app.client.put(app.url(path)).json(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.client.get(app.url(path)).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

backend_tests! {
    async fn regions_round_trip(app: TestApp) {
        let (s, body) = post(&app, "/api/v1/regions", &json!({"code": "62", "name": "Kalimantan Tengah", "kind": "province"})).await;
        assert_eq!(s, 201, "{body}");
        assert_eq!(body["code"], "62");
        assert_eq!(body["version"], 1);
        let (s, _) = post(&app, "/api/v1/regions", &json!({"code": "6271", "name": "Palangka Raya", "kind": "city"})).await;
        assert_eq!(s, 201);
        let (s, body) = get(&app, "/api/v1/regions/62.71").await;
        assert_eq!(s, 200);
        assert_eq!(body["name"], "Palangka Raya");
        assert_eq!(body["parent"], "62");

        let (s, children) = get(&app, "/api/v1/regions/62/children").await;
        assert_eq!(s, 200);
        assert_eq!(children.as_array().map(Vec::len), Some(1));
        let (s, tree) = get(&app, "/api/v1/regions/tree?parent=62.71").await;
        assert_eq!(s, 200);
        assert_eq!(tree["path"][0]["code"], "62");
        assert_eq!(tree["path"][1]["code"], "62.71");
        let (_, top) = get(&app, "/api/v1/regions/tree").await;
        assert_eq!(top["children"][0]["code"], "62");

        let (s, body) = put(&app, "/api/v1/regions/62.71", &json!({"name": "Kota Palangka Raya", "kind": "city", "version": 1})).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["version"], 2);
        let (s, body) = put(&app, "/api/v1/regions/62.71", &json!({"name": "Stale", "kind": "city", "version": 1})).await;
        assert_eq!(s, 409, "{body}");
        assert_eq!(body["error"]["code"], "conflict");
        assert_eq!(app.store.region(&"62.71".parse_code()).await.expect("region").name, "Kota Palangka Raya");

        let (s, found) = get(&app, "/api/v1/regions?q=palangka").await;
        assert_eq!(s, 200);
        assert_eq!(found["items"][0]["code"], "62.71");
        let (s, _) = get(&app, "/api/v1/regions/11").await;
        assert_eq!(s, 404);
    }

    async fn households_round_trip(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (s, created) = post(&app, "/api/v1/households", &fixtures::household(KK, "Jl. Pilang No. 1")).await;
        assert_eq!(s, 201, "{created}");
        assert_eq!(created["kk"], KK, "the API shows the full KK on a record");
        let id = created["id"].as_i64().expect("id");

        let (s, got) = get(&app, &format!("/api/v1/households/{id}")).await;
        assert_eq!(s, 200);
        assert_eq!(got["address"], "Jl. Pilang No. 1");
        assert_eq!(got["dtks_since"], "2018-05-01");

        let mut change = fixtures::household(KK, "Jl. Pilang No. 2");
        change["version"] = json!(1);
        let (s, updated) = put(&app, &format!("/api/v1/households/{id}"), &change).await;
        assert_eq!(s, 200, "{updated}");
        assert_eq!(updated["version"], 2);
        change["address"] = json!("Lost update");
        let (s, conflict) = put(&app, &format!("/api/v1/households/{id}"), &change).await;
        assert_eq!(s, 409, "{conflict}");
        assert!(conflict["error"]["message"].as_str().unwrap_or("").contains("changed by someone else"));
        assert_eq!(app.store.household(id).await.expect("household").address, "Jl. Pilang No. 2");

        let (s, dup) = post(&app, "/api/v1/households", &fixtures::household(KK, "Elsewhere")).await;
        // A registered KK is refused without confirming that it is registered (it may be outside the
        // caller's area).
        assert_eq!(s, 422, "{dup}");
        assert!(dup["error"]["message"].as_str().unwrap_or("").contains("cannot be used"), "{dup}");
        assert_eq!(dup["error"]["fields"][0]["field"], "kk");

        let (s, found) = get(&app, &format!("/api/v1/households?q={KK}")).await;
        assert_eq!(s, 200);
        assert_eq!(found["total"], 1);
        assert_eq!(found["items"][0]["kk"], "3316••••••••0034", "listings mask the KK");
        let (_, found) = get(&app, "/api/v1/households?q=Pilang%20No").await;
        assert_eq!(found["total"], 1);
        let (_, none) = get(&app, "/api/v1/households?region=62").await;
        assert_eq!(none["total"], 0);

        let person = json!({
            "nik": NIK, "household_id": id.to_string(), "name": "Siti Aminah", "sex": "female",
            "birth_date": "1985-03-12", "relation": "head"
        });
        let (s, p) = post(&app, "/api/v1/people", &person).await;
        assert_eq!(s, 201, "{p}");
        let (s, members) = get(&app, &format!("/api/v1/households/{id}/members")).await;
        assert_eq!(s, 200);
        assert_eq!(members[0]["name"], "Siti Aminah");
        assert_eq!(members[0]["nik"], "3316••••••••0012");

        let (_, program) = fixtures::program(&*app.store).await;
        let (s, e) = post(&app, &format!("/api/v1/programs/{program}/enrollments"),
            &json!({"subject_kind": "household", "subject_id": id.to_string(), "enrolled_on": "2019-02-01"})).await;
        assert_eq!(s, 201, "{e}");
        assert_eq!(e["status"], "enrolled", "`active` is the default's old name");
        let (s, list) = get(&app, &format!("/api/v1/households/{id}/enrollments")).await;
        assert_eq!(s, 200);
        assert_eq!(list[0]["program_name"], "PKH Randublatung");
        let (s, again) = post(&app, &format!("/api/v1/programs/{program}/enrollments"),
            &json!({"subject_kind": "household", "subject_id": id.to_string(), "enrolled_on": "2019-02-01"})).await;
        assert_eq!(s, 409, "enrolled twice: {again}");
    }

    async fn people_carry_nik_warnings(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (_, h) = post(&app, "/api/v1/households", &fixtures::household(KK, "Jl. Pilang No. 1")).await;
        let hid = h["id"].as_i64().expect("household id");
        let good = json!({"nik": NIK, "household_id": hid.to_string(), "name": "Siti Aminah", "sex": "P",
            "birth_date": "1985-03-12", "relation": "spouse", "education": "sd"});
        let (s, p) = post(&app, "/api/v1/people", &good).await;
        assert_eq!(s, 201, "{p}");
        assert_eq!(p["nik"], NIK);
        assert_eq!(p["nik_mismatches"], json!([]));
        let id = p["id"].as_i64().expect("id");

        // Recorded as a man born a day later: two warnings, stored anyway.
        let odd = json!({"nik": "3316091203850013", "household_id": hid.to_string(), "name": "Sutrisno", "sex": "female",
            "birth_date": "1985-03-13", "relation": "head"});
        let (s, p2) = post(&app, "/api/v1/people", &odd).await;
        assert_eq!(s, 201, "{p2}");
        let kinds: Vec<&str> = p2["nik_mismatches"].as_array().expect("array").iter().filter_map(|m| m["kind"].as_str()).collect();
        assert_eq!(kinds, ["sex", "birth_date"]);

        let (_, found) = get(&app, "/api/v1/people?q=siti").await;
        assert_eq!(found["total"], 1);
        assert_eq!(found["items"][0]["nik"], "3316••••••••0012");
        let (_, found) = get(&app, &format!("/api/v1/people?q={NIK}")).await;
        assert_eq!(found["items"][0]["name"], "Siti Aminah");

        let mut change = good.clone();
        change["name"] = json!("Siti Aminah Rahayu");
        change["version"] = json!(1);
        let (s, u) = put(&app, &format!("/api/v1/people/{id}"), &change).await;
        assert_eq!(s, 200, "{u}");
        let (s, _) = put(&app, &format!("/api/v1/people/{id}"), &change).await;
        assert_eq!(s, 409);
        let (s, got) = get(&app, &format!("/api/v1/people/{id}")).await;
        assert_eq!(s, 200);
        assert_eq!(got["name"], "Siti Aminah Rahayu");
    }

    async fn groups_agencies_programs_round_trip(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (s, g) = post(&app, "/api/v1/groups", &json!({"name": "Kelompok Tani Karya Makmur II", "kind": "farmer_group",
            "region": "33.16.09.2001", "founded_on": "2010-04-01"})).await;
        assert_eq!(s, 201, "{g}");
        let gid = g["id"].as_i64().expect("group id");
        let (_, h) = post(&app, "/api/v1/households", &fixtures::household(KK, "Jl. Pilang No. 1")).await;
        let (_, p) = post(&app, "/api/v1/people", &json!({"nik": NIK, "household_id": h["id"].to_string(), "name": "Siti Aminah",
            "sex": "female", "birth_date": "1985-03-12", "relation": "head"})).await;
        let (s, m) = post(&app, &format!("/api/v1/groups/{gid}/members"), &json!({"person_id": p["id"].to_string(), "role": "chair"})).await;
        assert_eq!(s, 201, "{m}");
        let (_, members) = get(&app, &format!("/api/v1/groups/{gid}/members")).await;
        assert_eq!(members[0]["role"], "chair");
        let (_, groups) = get(&app, "/api/v1/groups?q=Makmur").await;
        assert_eq!(groups["items"][0]["members"], 1);
        let (s, g2) = put(&app, &format!("/api/v1/groups/{gid}"), &json!({"name": "KT Karya Makmur II", "kind": "farmer_group",
            "region": "33.16.09.2001", "version": 1})).await;
        assert_eq!(s, 200, "{g2}");

        let (s, a) = post(&app, "/api/v1/agencies", &json!({"name": "Dinas Pertanian Blora", "kind": "agency", "region": "33.16"})).await;
        assert_eq!(s, 201, "{a}");
        let aid = a["id"].as_i64().expect("agency id");
        let (s, u) = post(&app, "/api/v1/agencies", &json!({"name": "BPP Randublatung", "kind": "unit", "region": "33.16.09",
            "parent_id": aid.to_string()})).await;
        assert_eq!(s, 201, "{u}");
        let (_, units) = get(&app, &format!("/api/v1/agencies/{aid}/units")).await;
        assert_eq!(units[0]["name"], "BPP Randublatung");
        let (s, st) = post(&app, &format!("/api/v1/agencies/{aid}/staff"), &json!({"name": "Budi", "position": "Penyuluh"})).await;
        assert_eq!(s, 201, "{st}");
        let (_, staff) = get(&app, &format!("/api/v1/agencies/{aid}/staff")).await;
        assert_eq!(staff[0]["position"], "Penyuluh");
        let (s, _) = put(&app, &format!("/api/v1/agencies/{aid}"), &json!({"name": "Dinas Pertanian", "kind": "agency", "region": "33.16", "version": 1})).await;
        assert_eq!(s, 200);

        let (s, pr) = post(&app, "/api/v1/programs", &json!({"name": "Optimasi Lahan", "agency_id": aid.to_string(),
            "starts_on": "2014-06-01", "ends_on": "2015-04-30", "target_regions": "33.16.09, 33.16.09.2001"})).await;
        assert_eq!(s, 201, "{pr}");
        assert_eq!(pr["target_regions"], json!(["33.16.09", "33.16.09.2001"]));
        let pid = pr["id"].as_i64().expect("program id");
        let (s, e) = post(&app, &format!("/api/v1/programs/{pid}/enrollments"),
            &json!({"subject_kind": "group", "subject_id": gid.to_string(), "enrolled_on": "2014-06-01"})).await;
        assert_eq!(s, 201, "{e}");
        let (s, e) = post(&app, &format!("/api/v1/programs/{pid}/enrollments"),
            &json!({"subject_kind": "person", "subject_id": p["id"].to_string(), "status": "graduated",
                "enrolled_on": "2014-06-01", "ended_on": "2015-04-30"})).await;
        assert_eq!(s, 201, "{e}");
        let (s, page) = get(&app, &format!("/api/v1/programs/{pid}/enrollments?per_page=1&page=2")).await;
        assert_eq!(s, 200);
        assert_eq!(page["total"], 2);
        assert_eq!(page["pages"], 2);
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
        let (_, programs) = get(&app, "/api/v1/programs?q=lahan").await;
        assert_eq!(programs["items"][0]["enrolled"], 2);
        assert_eq!(programs["items"][0]["agency_name"], "Dinas Pertanian");
        let (s, pr2) = put(&app, &format!("/api/v1/programs/{pid}"), &json!({"name": "Optimasi Lahan 2014", "agency_id": aid.to_string(),
            "starts_on": "2014-06-01", "version": 1})).await;
        assert_eq!(s, 200, "{pr2}");
        let (s, _) = put(&app, &format!("/api/v1/programs/{pid}"), &json!({"name": "x", "agency_id": aid.to_string(),
            "starts_on": "2014-06-01", "version": 1})).await;
        assert_eq!(s, 409);
    }

    async fn listings_paginate(app: TestApp) {
        fixtures::regions(&*app.store).await;
        for i in 1..=5 {
            let (s, b) = post(&app, "/api/v1/households", &fixtures::household(&format!("33160901012000{i:02}"), &format!("Jl. Mawar {i}"))).await;
            assert_eq!(s, 201, "{b}");
        }
        let (s, page) = get(&app, "/api/v1/households?per_page=2&page=3").await;
        assert_eq!(s, 200);
        assert_eq!(page["total"], 5);
        assert_eq!(page["pages"], 3);
        assert_eq!(page["page"], 3);
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
        let (_, page) = get(&app, "/api/v1/households?per_page=2&page=9").await;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(0));
        let (_, page) = get(&app, "/api/v1/households?q=mawar&region=33.16.09").await;
        assert_eq!(page["total"], 5);
    }

    async fn openapi_health_docs_and_assets(app: TestApp) {
        let (s, doc) = get(&app, "/api/openapi.json").await;
        assert_eq!(s, 200);
        assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3."));
        let paths = doc["paths"].as_object().expect("paths");
        for p in [
            "/api/v1/regions", "/api/v1/regions/{code}", "/api/v1/regions/{code}/children", "/api/v1/regions/tree",
            "/api/v1/households", "/api/v1/households/{id}", "/api/v1/households/{id}/members", "/api/v1/households/{id}/enrollments",
            "/api/v1/people", "/api/v1/people/{id}", "/api/v1/groups", "/api/v1/groups/{id}", "/api/v1/groups/{id}/members",
            "/api/v1/agencies", "/api/v1/agencies/{id}", "/api/v1/agencies/{id}/units", "/api/v1/agencies/{id}/staff",
            "/api/v1/programs", "/api/v1/programs/{id}", "/api/v1/programs/{id}/enrollments", "/healthz",
            "/api/v1/audit", "/api/v1/export/registry.csv", "/api/v1/export/registry-deidentified.csv", "/api/v1/me",
            "/api/v1/users", "/api/v1/users/{id}/tokens",
        ] {
            assert!(paths.contains_key(p), "{p} missing from the OpenAPI document");
        }
        assert!(paths["/api/v1/households/{id}"]["put"].is_object());
        assert!(doc["components"]["schemas"]["HouseholdDto"].is_object());
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
        // How to sign in is part of the document: a bearer token or the session cookie.
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["token"]["scheme"], "bearer", "{schemes}");
        assert_eq!(schemes["session"]["in"], "cookie", "{schemes}");
        assert_eq!(schemes["session"]["name"], "berdaya_session", "{schemes}");

        let (s, health) = get(&app, "/healthz").await;
        assert_eq!(s, 200);
        assert_eq!(health["status"], "ok");
        let backend = match (&app.database, app.backend) {
            (berdaya::store::DatabaseUrl::Sqlite(_), crate::helpers::Backend::Sqlite) => "sqlite",
            (berdaya::store::DatabaseUrl::Postgres(_), crate::helpers::Backend::Postgres) => "postgres",
            (db, backend) => panic!("{backend:?} app on {db:?}"),
        };
        assert_eq!(health["backend"], backend);

        let res = app.client.get(app.url("/api/docs")).send().await.expect("docs");
        assert_eq!(res.status().as_u16(), 200);
        let html = res.text().await.expect("text");
        assert!(html.contains("/assets/vendor/swagger-ui/swagger-ui-bundle.js"));
        assert!(!html.contains("https://"), "the API page loads nothing from the internet");
        for (path, mime, needle) in [
            ("/assets/vendor/swagger-ui/swagger-ui-bundle.js", "javascript", "SwaggerUIBundle"),
            ("/assets/vendor/swagger-ui/swagger-ui.css", "text/css", ".swagger-ui"),
            ("/assets/vendor/swagger-ui/LICENSE", "text/plain", "Apache License"),
            ("/assets/vendor/htmx/htmx.min.js", "javascript", "htmx"),
            ("/assets/vendor/htmx/LICENSE", "text/plain", "Zero-Clause BSD"),
            ("/assets/app.css", "text/css", "body"),
            ("/assets/api-docs.js", "javascript", "/api/openapi.json"),
        ] {
            let res = app.client.get(app.url(path)).send().await.expect("asset");
            assert_eq!(res.status().as_u16(), 200, "{path}");
            let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            assert!(ct.contains(mime), "{path}: {ct}");
            assert!(res.text().await.expect("body").contains(needle), "{path} lacks {needle}");
        }
        let res = app.client.get(app.url("/healthz")).send().await.expect("health");
        assert!(res.headers().contains_key("x-request-id"), "every answer carries a request id");
    }
}

/// Parses a region code in tests.
trait ParseCode {
    fn parse_code(&self) -> berdaya_domain::registry::RegionCode;
}

impl ParseCode for &str {
    fn parse_code(&self) -> berdaya_domain::registry::RegionCode {
        berdaya_domain::registry::RegionCode::parse(self).expect("region code")
    }
}
