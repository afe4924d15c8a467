//! PKH targeting over the API and in the pages: official welfare figures imported from CSV
//! (bad rows named by row and column, nothing written), the table computed from the
//! registry, ranking and banding, the page's entry form and the XLSX; DTKS deciles; the
//! targeting-error report (exclusion with its reasons; lists only for the program's
//! managers); P2K2 catalogue and cohorts; every id a write carries resolved through the
//! caller's scope (out of scope answers exactly like missing).

use berdaya_domain::access::Role;
use berdaya_domain::pkh::p2k2::NewCohort;
use berdaya_domain::registry::{Id, PersonDraft};
use reqwest::Method;
use serde_json::{Value, json};

use crate::access::world;
use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, create_user, csrf_in, login};

const MISSING: Id = 987_654;

async fn get_json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn send(client: &reqwest::Client, method: Method, url: String, body: Option<&Value>) -> (u16, Value) {
    let mut req = client.request(method, url);
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn put_file(client: &reqwest::Client, url: String, csv: &str) -> (u16, Value) {
    let res = client.put(url).header("content-type", "text/csv").body(csv.to_string()).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["field"].as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default()
}

/// A child of school age (born 2015) in `household`, at SD.
async fn pupil(app: &TestApp, household: Id, nik: &str) -> Id {
    let p = PersonDraft {
        nik: nik.into(),
        household_id: Some(household.to_string()),
        name: "Anak Sekolah".into(),
        sex: "female".into(),
        birth_date: "2015-03-01".into(),
        relation: "child".into(),
        education: "sd".into(),
        occupation: None,
        disability: "none".into(),
    };
    app.store.create_person(&p.parse().expect("person")).await.expect("create person").id
}

backend_tests! {
    async fn welfare_table_import_bands_and_pages(app: TestApp) {
        let (_w, clients) = world(&app).await;
        let officer = &clients["officer"];
        let url = |q: &str| app.url(&format!("/api/v1/regions/33.16.02/welfare{q}"));

        // A bad file: an unknown village and a bad count, each named by row and column;
        // nothing is stored.
        let bad = "village,pra_sejahtera,sejahtera_1,sejahtera_2,source\nPilang,436,2505,653,PLKB\nAtlantis,1,2,3,PLKB\nKutukan,x,1862,485,PLKB\n";
        let (s, body) = put_file(officer, url("/2020"), bad).await;
        assert_eq!(s, 422, "{body}");
        assert_eq!(fields(&body), ["row 3, column village", "row 4, column pra_sejahtera"], "{body}");
        let (_, t) = get_json(officer, url("?year=2020&source=official")).await;
        assert_eq!(t["rows"].as_array().map(Vec::len), Some(0), "nothing written: {t}");

        // A good file, Indonesian thousands separators and a code for a village.
        let good = "village;pra_sejahtera;sejahtera_1;sejahtera_2;source\nPilang;436;2.505;653;PLKB Randublatung\n33.16.02.2002;324;1.862;485;PLKB Randublatung\n";
        let (s, t) = put_file(officer, url("/2020"), good).await;
        assert_eq!(s, 200, "{t}");
        assert_eq!(t["source"], "official");
        assert_eq!(t["rows"][0]["name"], "Pilang");
        assert_eq!(t["rows"][0]["total"], 3594);
        assert_eq!(t["rows"][0]["rank"], 1);
        assert_eq!(t["rows"][1]["total"], 2671);
        assert_eq!(t["total"], 6265);
        assert_eq!(t["totals"], json!([760, 4367, 1138, 0, 0]));
        assert_eq!(t["cited"], "PLKB Randublatung");
        let (s, t) = get_json(officer, url("?year=2020&method=equal_interval&bands=2")).await;
        assert_eq!(s, 200, "{t}");
        assert_eq!(t["bands"][0]["villages"], json!(["33.16.02.2002"]));
        assert_eq!(t["bands"][1]["villages"], json!(["33.16.02.2001"]));
        assert_eq!(t["years"], json!([2020]));

        // From the registry: one Pra Sejahtera household in each village.
        let (s, t) = get_json(officer, url("?source=registry")).await;
        assert_eq!(s, 200, "{t}");
        assert_eq!(t["rows"][0]["pra_sejahtera"], 1);
        assert_eq!(t["rows"][1]["total"], 1);

        // Bad parameters name themselves; a village is no district; out of area is missing.
        for (q, field) in [("?bands=11", "bands"), ("?bands=1", "bands"), ("?method=x", "method"), ("?source=x", "source"), ("?year=20x", "year")] {
            let (s, body) = get_json(officer, url(q)).await;
            assert_eq!(s, 400, "{q}: {body}");
            assert_eq!(fields(&body), [field], "{q}: {body}");
        }
        let (s, _) = get_json(officer, app.url("/api/v1/regions/33.16.02.2001/welfare")).await;
        assert_eq!(s, 400);
        let (s, _) = get_json(officer, app.url("/api/v1/regions/35.79.01/welfare")).await;
        assert_eq!(s, 404);
        // Counts only: the viewer reads; the facilitator may not enter figures.
        assert_eq!(get_json(&clients["viewer"], url("?year=2020")).await.0, 200);
        assert_eq!(put_file(&clients["fac"], url("/2021"), good).await.0, 403);

        // The page, its entry form and the XLSX.
        let page = officer.get(app.url("/regions/33.16.02/welfare?year=2020")).send().await.expect("page");
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.expect("html");
        assert!(html.contains("Pilang") && html.contains("3594") && html.contains("Rerata"), "page");
        let csrf = csrf_in(&html).expect("csrf");
        let form = |pra: &str| vec![("region", "33.16.02.2001".to_string()), ("year", "2021".into()),
            ("pra_sejahtera", pra.to_string()), ("sejahtera_1", "10".into()), ("_csrf", csrf.clone())];
        let res = officer.post(app.url("/regions/33.16.02/welfare")).form(&form("-3")).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 422);
        assert!(res.text().await.expect("html").contains("harus 0 atau lebih"));
        let res = officer.post(app.url("/regions/33.16.02/welfare")).form(&form("5")).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 303);
        let (_, t) = get_json(officer, url("?year=2021")).await;
        assert_eq!(t["rows"][0]["total"], 15, "{t}");
        let res = officer.get(app.url("/regions/33.16.02/welfare.xlsx?year=2020")).send().await.expect("xlsx");
        assert_eq!(res.status().as_u16(), 200);
        assert!(res.bytes().await.expect("bytes").starts_with(b"PK"));
    }

    async fn exclusion_errors_deciles_and_who_sees_the_lists(app: TestApp) {
        let (w, clients) = world(&app).await;
        let officer = &clients["officer"];
        pupil(&app, w.h_other, "3316024103150001").await;
        let url = |q: &str| app.url(&format!("/api/v1/programs/{}/pkh/targeting{q}", w.prog_blora));

        let (s, r) = get_json(officer, url("?on=2024-07-01")).await;
        assert_eq!(s, 200, "{r}");
        let errors = r["errors"].as_array().expect("the officer sees the list");
        assert_eq!(errors.len(), 1, "{r}");
        assert_eq!(errors[0]["kind"], "exclusion");
        assert_eq!(errors[0]["household_id"], w.h_other);
        assert_eq!(errors[0]["reasons"], json!(["pra_sejahtera", "has_components"]));
        assert!(errors[0]["explained"][1].as_str().unwrap_or_default().contains("900000"), "{r}");
        assert_eq!(r["villages"], json!([{"village": "33.16.02.2002", "name": "Kutukan", "exclusion": 1, "inclusion": 0}]));
        let (_, r) = get_json(officer, url("?on=2024-07-01&village=33.16.02.2001")).await;
        assert_eq!(r["errors"], json!([]));
        // Counts only for an evaluator; nothing for a viewer.
        assert_eq!(get_json(&clients["viewer"], url("?on=2024-07-01")).await.0, 403);
        let (s, r) = get_json(&clients["eva"], url("?on=2024-07-01")).await;
        assert_eq!(s, 200, "{r}");
        assert!(r["errors"].is_null() && r["villages"][0]["exclusion"] == 1, "{r}");
        let (s, body) = get_json(officer, url("?on=2024-13-01")).await;
        assert_eq!((s, fields(&body)), (400, vec!["on".to_string()]));
        assert_eq!(get_json(officer, app.url(&format!("/api/v1/programs/{}/pkh/targeting", w.prog_batu))).await.0, 404);

        // A decile: in range makes a Sejahtera household with a component an exclusion too.
        let dec = |h: Id| app.url(&format!("/api/v1/households/{h}/dtks-decile"));
        let (s, body) = send(officer, Method::POST, dec(w.h_assigned), Some(&json!({"decile": 0, "as_of": "2024-01-01"}))).await;
        assert_eq!((s, fields(&body)), (422, vec!["decile".to_string()]));
        let (s, body) = send(officer, Method::POST, dec(w.h_assigned), Some(&json!({"decile": 2, "as_of": "2024-01-01"}))).await;
        assert_eq!(s, 204, "{body}");
        assert_eq!(app.store.dtks_decile(w.h_assigned).await.expect("decile"), Some((2, time::macros::date!(2024 - 01 - 01))));

        // The page and its XLSX; the lists are the managers'.
        let html = officer.get(app.url(&format!("/programs/{}/pkh/targeting?on=2024-07-01", w.prog_blora))).send().await.expect("page").text().await.expect("html");
        assert!(html.contains("Kutukan") && html.contains("keluarga Pra Sejahtera"), "page");
        let res = officer.get(app.url(&format!("/programs/{}/pkh/targeting.xlsx", w.prog_blora))).send().await.expect("xlsx");
        assert_eq!(res.status().as_u16(), 200);
        let res = clients["eva"].get(app.url(&format!("/programs/{}/pkh/targeting.xlsx", w.prog_blora))).send().await.expect("xlsx");
        assert_eq!(res.status().as_u16(), 403);
    }

    async fn p2k2_catalogue_and_cohorts(app: TestApp) {
        let (w, clients) = world(&app).await;
        let officer = &clients["officer"];
        let (s, cat) = get_json(officer, app.url("/api/v1/pkh/p2k2/catalogue")).await;
        assert_eq!(s, 200, "{cat}");
        let sizes: Vec<usize> = cat.as_array().expect("modules").iter().map(|m| m["sessions"].as_array().map_or(0, Vec::len)).collect();
        assert_eq!(sizes, [4, 3, 3, 2, 2, 2]);
        let stunting = cat[5]["id"].as_i64().expect("id");
        let body = json!({"module_id": stunting, "code": "P6.3", "title": "Sanitasi dan air bersih"});
        assert_eq!(send(&clients["fac"], Method::POST, app.url("/api/v1/pkh/p2k2/sessions"), Some(&body)).await.0, 403);
        let (s, added) = send(officer, Method::POST, app.url("/api/v1/pkh/p2k2/sessions"), Some(&body)).await;
        assert_eq!(s, 201, "{added}");
        let (s, again) = send(officer, Method::POST, app.url("/api/v1/pkh/p2k2/sessions"), Some(&body)).await;
        assert_eq!((s, fields(&again)), (409, vec!["code".to_string()]));

        let cohorts = app.url(&format!("/api/v1/programs/{}/pkh/p2k2/cohorts", w.prog_blora));
        let (s, c) = send(officer, Method::POST, cohorts.clone(), Some(&json!({"name": "KPM Pilang 1", "region": "33.16.02.2001"}))).await;
        assert_eq!(s, 201, "{c}");
        let (s, body) = send(officer, Method::POST, cohorts.clone(), Some(&json!({"name": " ", "region": "33.16.02.2001"}))).await;
        assert_eq!((s, fields(&body)), (422, vec!["name".to_string()]));
        let (s, list) = get_json(&clients["eva"], cohorts.clone()).await;
        assert_eq!(s, 200);
        assert_eq!(list[0]["name"], "KPM Pilang 1");
        let id = c["id"].as_i64().expect("cohort id");
        let (s, progress) = get_json(officer, app.url(&format!("/api/v1/pkh/p2k2/cohorts/{id}/progress"))).await;
        assert_eq!((s, progress), (200, json!([])));
        assert_eq!(get_json(&clients["eva"], app.url(&format!("/api/v1/pkh/p2k2/cohorts/{id}/progress"))).await.0, 403);
        // The pages.
        for path in [format!("/programs/{}/pkh/p2k2", w.prog_blora), format!("/programs/{}/pkh/p2k2/cohorts/{id}", w.prog_blora)] {
            let res = officer.get(app.url(&path)).send().await.expect("page");
            assert_eq!(res.status().as_u16(), 200, "{path}");
            assert!(res.text().await.expect("html").contains("KPM Pilang 1"), "{path}");
        }
        let res = officer.get(app.url(&format!("/programs/{}/pkh/p2k2/cohorts/{id}", w.prog_batu))).send().await.expect("page");
        assert_eq!(res.status().as_u16(), 404, "a cohort under another program's path");
    }

    async fn every_id_is_resolved_through_the_callers_scope(app: TestApp) {
        let (w, clients) = world(&app).await;
        let officer = &clients["officer"];
        let s = &*app.store;
        let fac_batu = create_user(s, "fac.batu", Role::Facilitator, Some("35.79"), None, None).await;
        let _ = login(&app.address, "fac.batu", PASSWORD).await;
        let batu_cohort = s
            .create_p2k2_cohort(&NewCohort::parse(w.prog_batu, "Kelompok Batu", "35.79.01.1001", None).expect("cohort"))
            .await
            .expect("cohort");
        let blora = format!("/api/v1/programs/{}/pkh/p2k2/cohorts", w.prog_blora);
        let m = MISSING.to_string();
        type P = (&'static str, Method, String, Option<Value>, String, String);
        let probes: Vec<P> = vec![
            ("/api/v1/regions/{code}/welfare/{year}", Method::PUT, "/api/v1/regions/@REF/welfare/2020".into(), None,
                "35.79.01".into(), "33.16.09".into()),
            ("/api/v1/households/{id}/dtks-decile", Method::POST, "/api/v1/households/@REF/dtks-decile".into(),
                Some(json!({"decile": 1, "as_of": "2024-01-01"})), w.h_batu.to_string(), m.clone()),
            ("/api/v1/programs/{id}/pkh/p2k2/cohorts", Method::POST, "/api/v1/programs/@REF/pkh/p2k2/cohorts".into(),
                Some(json!({"name": "X", "region": "33.16.02.2001"})), w.prog_batu.to_string(), m.clone()),
            ("/api/v1/programs/{id}/pkh/p2k2/cohorts", Method::POST, blora.clone(),
                Some(json!({"name": "X", "region": "@REF"})), "35.79.01.1001".into(), "33.16.02.2999".into()),
            ("/api/v1/programs/{id}/pkh/p2k2/cohorts", Method::POST, blora.clone(),
                Some(json!({"name": "X", "region": "33.16.02.2001", "facilitator_id": "@NUM"})), fac_batu.id.to_string(), m.clone()),
            ("/api/v1/pkh/p2k2/cohorts/{id}/families", Method::POST, "/api/v1/pkh/p2k2/cohorts/@REF/families".into(),
                Some(json!({"family_ids": [1]})), batu_cohort.id.to_string(), m.clone()),
            ("/api/v1/pkh/p2k2/cohorts/{id}/sessions", Method::POST, "/api/v1/pkh/p2k2/cohorts/@REF/sessions".into(),
                Some(json!({"activity_id": 1, "session_id": 1})), batu_cohort.id.to_string(), m.clone()),
        ];
        for (method, route) in PROBED_HERE {
            let hit = probes.iter().any(|(r, m, ..)| *r == route && m.as_str().eq_ignore_ascii_case(method));
            assert!(hit || route == "/api/v1/pkh/p2k2/sessions", "{method} {route} has no probe");
        }
        let mut wrong = Vec::new();
        for (_, method, path, body, hidden, missing) in &probes {
            let (hs, h) = probe(officer, &app, method.clone(), path, body, hidden).await;
            let (ms, mm) = probe(officer, &app, method.clone(), path, body, missing).await;
            if (200..300).contains(&hs) {
                wrong.push(format!("{method} {path} accepted an out-of-scope {hidden}: {h}"));
            } else if (hs, &h) != (ms, &mm) {
                wrong.push(format!("{method} {path}: out of scope {hs} {h}\n   missing {ms} {mm}"));
            }
        }
        assert!(wrong.is_empty(), "references not resolved through the caller's scope:\n{}", wrong.join("\n"));
        assert_eq!(app.store.dtks_decile(w.h_batu).await.expect("decile"), None, "nothing written");
    }
}

async fn probe(
    client: &reqwest::Client,
    app: &TestApp,
    method: Method,
    path: &str,
    body: &Option<Value>,
    value: &str,
) -> (u16, String) {
    let path = path.replace("@REF", value);
    let mut req = client.request(method, app.url(&path));
    if let Some(b) = body {
        let text = b.to_string().replace("\"@NUM\"", value).replace("@REF", value);
        req = req.header("content-type", "application/json").body(text);
    } else {
        req = req.header("content-type", "text/csv").body("village,pra_sejahtera\nPilang,1\n");
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body").replace(value, "@REF"))
}

/// Write routes of PKH targeting and P2K2 that `scope.rs` leaves to this file's probes;
/// `POST /api/v1/pkh/p2k2/sessions` adds to the installation-wide catalogue (its
/// `module_id` names a catalogue module every reader sees).
pub const PROBED_HERE: [(&str, &str); 6] = [
    ("put", "/api/v1/regions/{code}/welfare/{year}"),
    ("post", "/api/v1/households/{id}/dtks-decile"),
    ("post", "/api/v1/programs/{id}/pkh/p2k2/cohorts"),
    ("post", "/api/v1/pkh/p2k2/cohorts/{id}/families"),
    ("post", "/api/v1/pkh/p2k2/cohorts/{id}/sessions"),
    ("post", "/api/v1/pkh/p2k2/sessions"),
];
