//! Machinery lending over the API and in the pages: machines, bookings refused on an
//! overlapping period (naming the other loan, both boundary days), a machine in repair, a
//! return before the check-out, bad usage and cost input — each a 422 naming the field in
//! Indonesian with nothing written —, overdue loans and their XLSX, the machine's history,
//! the group page's panel, the roles, and every id the write routes carry resolved through
//! the caller's scope. Then a program officer lends a hand tractor and records its return in
//! a real browser on a 390×844 phone.

use std::net::TcpListener;

use berdaya_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::access::{World, world};
use crate::backend_tests;
use crate::helpers::{Backend, PASSWORD, TestApp, create_user, csrf_in, login, spawn_app};

const MISSING: i64 = 987_654;

async fn get_json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn send_json(client: &reqwest::Client, method: Method, url: String, body: &Value) -> (u16, Value) {
    let res = client.request(method, url).json(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("request");
    (res.status().as_u16(), res.text().await.expect("html"))
}

/// Asserts a refusal (`status`) naming `field`, in Indonesian with `words` in its text.
fn refused_with(status: u16, answer: (u16, Value), field: &str, words: &str) {
    let (got, body) = answer;
    assert_eq!(got, status, "{body}");
    let fields = body["error"]["fields"].as_array().cloned().unwrap_or_default();
    let hit = fields.iter().find(|f| f["field"] == field).unwrap_or_else(|| panic!("no error on {field}: {body}"));
    let text = hit["text"].as_str().unwrap_or_default();
    assert!(text.contains(words), "{field}: {text:?} lacks {words:?}");
}

fn refused(answer: (u16, Value), field: &str, words: &str) {
    refused_with(422, answer, field, words)
}

/// The machines and loans of the world: a Blora hand tractor of Dinas Sosial Blora (the
/// officer's agency) and a Batu pump of Dinas Pertanian Batu, each with a booking.
struct Fleet {
    dinsos: i64,
    distan: i64,
    tractor: i64,
    pump: i64,
    loan_blora: i64,
    loan_batu: i64,
}

async fn fleet(app: &TestApp, w: &World) -> Fleet {
    let agencies = app.store.search_agencies(&berdaya_store::Query::default()).await.expect("agencies").items;
    let id_of = |name: &str| agencies.iter().find(|a| a.name == name).map(|a| a.id).expect("agency");
    let (dinsos, distan) = (id_of("Dinas Sosial Blora"), id_of("Dinas Pertanian Batu"));
    let machine = |agency: i64, kind: &str, name: &str, no: &str, region: &str| {
        json!({"agency_id": agency, "kind": kind, "name": name, "inventory_no": no, "region": region,
            "place": "Gudang", "condition": "good", "acquired_on": "2022-06-01"})
    };
    let admin = &app.client;
    let (s, t) = send_json(
        admin,
        Method::POST,
        app.url("/api/v1/machines"),
        &machine(dinsos, "hand_tractor", "Quick G1000", "ALS-01", "33.16.02.2001"),
    )
    .await;
    assert_eq!(s, 201, "{t}");
    let (s, p) = send_json(
        admin,
        Method::POST,
        app.url("/api/v1/machines"),
        &machine(distan, "water_pump", "Honda WB30", "ALS-01", "35.79.01.1001"),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    let book = |machine: &Value, group: i64, from: &str, to: &str| json!({"machine_id": machine["id"], "group_id": group, "starts_on": from, "due_on": to});
    let (s, lb) = send_json(
        admin,
        Method::POST,
        app.url("/api/v1/machine-loans"),
        &book(&t, w.g_own, "2025-01-06", "2025-01-08"),
    )
    .await;
    assert_eq!(s, 201, "{lb}");
    let (s, lt) = send_json(
        admin,
        Method::POST,
        app.url("/api/v1/machine-loans"),
        &book(&p, w.g_batu, "2025-01-06", "2025-01-08"),
    )
    .await;
    assert_eq!(s, 201, "{lt}");
    let id = |v: &Value| v["id"].as_i64().expect("id");
    Fleet { dinsos, distan, tractor: id(&t), pump: id(&p), loan_blora: id(&lb), loan_batu: id(&lt) }
}

/// Loans and machines as the admin reads them, to compare before and after a refusal.
async fn snapshot(app: &TestApp) -> (Value, Value) {
    let loans = get_json(&app.client, app.url("/api/v1/machine-loans?per_page=200")).await.1["items"].clone();
    let machines = get_json(&app.client, app.url("/api/v1/machines?per_page=200")).await.1["items"].clone();
    (loans, machines)
}

/// Sends one probe with `value` in place of `@REF` (`"@NUM"`: the value as a JSON number);
/// answers the status and the body with the value masked.
async fn probe(
    client: &reqwest::Client,
    app: &TestApp,
    method: Method,
    path: &str,
    body: &Option<Value>,
    value: &str,
) -> (StatusCode, String) {
    let path = path.replace("@REF", value);
    let mut req = client.request(method, app.url(&path));
    if let Some(b) = body {
        let text = b.to_string().replace("\"@NUM\"", value).replace("@REF", value);
        req = req.header("content-type", "application/json").body(text);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.text().await.expect("body").replace(value, "@REF"))
}

/// Write routes of machinery that `scope.rs` leaves to this file's probes.
pub const PROBED_HERE: [(&str, &str); 8] = [
    ("post", "/api/v1/machines"),
    ("put", "/api/v1/machines/{id}"),
    ("post", "/api/v1/machines/{id}/maintenance"),
    ("post", "/api/v1/machine-loans"),
    ("put", "/api/v1/machine-loans/{id}"),
    ("post", "/api/v1/machine-loans/{id}/check-out"),
    ("post", "/api/v1/machine-loans/{id}/return"),
    ("post", "/api/v1/machine-loans/{id}/cancel"),
];

backend_tests! {
    async fn machines_are_lent_returned_and_refused_with_the_field_named(app: TestApp) {
        let (w, clients) = world(&app).await;
        let f = fleet(&app, &w).await;
        let officer = &clients["officer"];
        let url = |p: &str| app.url(p);

        // The machine's inventory number is unique in its agency.
        let dup = json!({"agency_id": f.dinsos, "kind": "cultivator", "name": "Kultivator", "inventory_no": "ALS-01",
            "region": "33.16.02.2001", "condition": "good"});
        refused_with(409, send_json(officer, Method::POST, url("/api/v1/machines"), &dup).await, "inventory_no", "nomor inventaris");

        // Overlap with the Blora booking (6–8 January), both boundary days.
        let book = |from: &str, to: &str| json!({"machine_id": f.tractor, "group_id": w.g_own, "program_id": w.prog_blora,
            "starts_on": from, "due_on": to});
        for (from, to) in [("2025-01-08", "2025-01-10"), ("2025-01-04", "2025-01-06")] {
            let before = snapshot(&app).await;
            let answer = send_json(officer, Method::POST, url("/api/v1/machine-loans"), &book(from, to)).await;
            refused(answer.clone(), "starts_on", &format!("peminjaman {}", f.loan_blora));
            refused(answer, "starts_on", "Poktan Pilang Makmur");
            assert_eq!(snapshot(&app).await, before, "a refused booking wrote something");
        }
        let (s, next) = send_json(officer, Method::POST, url("/api/v1/machine-loans"), &book("2025-01-09", "2025-01-10")).await;
        assert_eq!(s, 201, "the day after is free: {next}");
        let (s, early) = send_json(officer, Method::POST, url("/api/v1/machine-loans"), &book("2025-01-01", "2025-01-05")).await;
        assert_eq!(s, 201, "the day before is free: {early}");
        refused(
            send_json(officer, Method::POST, url("/api/v1/machine-loans"), &book("2025-02-05", "2025-02-01")).await,
            "due_on",
            "lebih awal dari tanggal mulai",
        );

        // Check out, a return before the check-out refused, then the return with usage.
        let loan = f.loan_blora;
        let (s, out) = send_json(officer, Method::POST, url(&format!("/api/v1/machine-loans/{loan}/check-out")),
            &json!({"out_on": "2025-01-06", "condition_out": "good", "out_by": "Pak Slamet", "version": 1})).await;
        assert_eq!(s, 200, "{out}");
        assert_eq!((out["status"].as_str(), out["out_by"].as_str()), (Some("out"), Some("Pak Slamet")));
        assert_eq!(out["overdue"], json!(true), "out past 8 January 2025");
        let before = snapshot(&app).await;
        let back = |on: &str, hours: &str, area: &str| json!({"returned_on": on, "condition_in": "light_damage",
            "usage_hours": hours, "usage_area": area, "damage_note": "Rantai longgar", "version": out["version"]});
        refused(
            send_json(officer, Method::POST, url(&format!("/api/v1/machine-loans/{loan}/return")), &back("2025-01-05", "1,5", "0,25")).await,
            "returned_on",
            "lebih awal dari tanggal keluar 2025-01-06",
        );
        refused(
            send_json(officer, Method::POST, url(&format!("/api/v1/machine-loans/{loan}/return")), &back("2025-01-08", "1,5 kg", "0,25")).await,
            "usage_hours",
            "bukan satuan waktu",
        );
        refused(
            send_json(officer, Method::POST, url(&format!("/api/v1/machine-loans/{loan}/return")), &back("2025-01-08", "-2", "0,25")).await,
            "usage_hours",
            "tidak boleh negatif",
        );
        refused(
            send_json(officer, Method::POST, url(&format!("/api/v1/machine-loans/{loan}/return")), &back("2025-01-08", "2", "0,00001")).await,
            "usage_area",
            "bukan bilangan bulat",
        );
        assert_eq!(snapshot(&app).await, before, "a refused return wrote something");

        // The overdue list, its XLSX.
        let (_, late) = get_json(officer, url("/api/v1/machine-loans?overdue=true")).await;
        let ids: Vec<i64> = late["items"].as_array().expect("items").iter().filter_map(|l| l["id"].as_i64()).collect();
        assert_eq!(ids, [loan], "the officer's overdue loans");
        let res = officer.get(url("/machine-loans.xlsx?overdue=true")).send().await.expect("xlsx");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"].to_str().unwrap_or_default().contains("spreadsheetml"));
        let bytes = res.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
        let (s, _) = get_json(officer, url("/api/v1/machine-loans?overdue=maybe")).await;
        assert_eq!(s, 400);

        let (s, done) = send_json(officer, Method::POST, url(&format!("/api/v1/machine-loans/{loan}/return")),
            &back("2025-01-09", "6,5 jam", "0,25 ha")).await;
        assert_eq!(s, 200, "{done}");
        assert_eq!((done["usage_minutes"].as_i64(), done["usage_m2"].as_i64()), (Some(390), Some(2_500)));
        assert_eq!(done["status"], "returned");
        let (_, m) = get_json(officer, url(&format!("/api/v1/machines/{}", f.tractor))).await;
        assert_eq!(m["condition"], "light_damage", "the machine takes the return condition");

        // Maintenance puts it in repair: lending is refused naming machine_id.
        let fix = json!({"done_on": "2025-01-20", "kind": "repair", "description": "Ganti rantai", "cost": "Rp 350.000",
            "condition_after": "in_repair"});
        let (s, rec) = send_json(officer, Method::POST, url(&format!("/api/v1/machines/{}/maintenance", f.tractor)), &fix).await;
        assert_eq!(s, 201, "{rec}");
        assert_eq!(rec["cost_rp"], 350_000);
        let before = snapshot(&app).await;
        refused(
            send_json(officer, Method::POST, url("/api/v1/machine-loans"), &book("2025-03-01", "2025-03-02")).await,
            "machine_id",
            "dalam perbaikan",
        );
        refused(
            send_json(officer, Method::POST, url(&format!("/api/v1/machines/{}/maintenance", f.tractor)),
                &json!({"done_on": "2025-01-21", "kind": "service", "description": "x", "cost": "-5", "condition_after": "good"})).await,
            "cost",
            "tidak boleh negatif",
        );
        assert_eq!(snapshot(&app).await, before);
        let fixed = json!({"done_on": "2025-01-25", "kind": "service", "description": "Selesai", "cost": "0", "condition_after": "good"});
        let (s, _) = send_json(officer, Method::POST, url(&format!("/api/v1/machines/{}/maintenance", f.tractor)), &fixed).await;
        assert_eq!(s, 201);

        // The machine's history: the loans and the maintenance, by date.
        let (s, html) = page(officer, url(&format!("/machines/{}/history", f.tractor))).await;
        assert_eq!(s, 200);
        let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("history lacks {needle}"));
        assert!(at("2025-01-01") < at("2025-01-06") && at("2025-01-06") < at("Ganti rantai"), "history in date order");
        assert!(html.contains("6,5 jam · 0,25 ha") && html.contains("Rantai longgar") && html.contains("Rp 350.000"));
        let res = officer.get(url(&format!("/machines/{}/history.xlsx", f.tractor))).send().await.expect("xlsx");
        assert_eq!(res.status(), StatusCode::OK);
        // The machine page and the group page's panel.
        let (_, html) = page(officer, url(&format!("/machines/{}", f.tractor))).await;
        assert!(html.contains("Quick G1000") && html.contains("Ganti rantai") && html.contains("Selesai"));
        let (_, html) = page(officer, url(&format!("/groups/{}", w.g_own))).await;
        assert!(html.contains("Peminjaman alsintan") && html.contains("Quick G1000 (ALS-01)"), "the group panel");
        let (_, html) = page(officer, url(&format!("/programs/{}", w.prog_blora))).await;
        assert!(html.contains(&format!("/machine-loans?program_id={}", w.prog_blora)), "the program links its loans");
        let (s, _) = page(officer, url("/machines.xlsx")).await;
        assert_eq!(s, 200);
        let _ = (f.distan, f.pump, f.loan_batu, MISSING);
    }

    async fn the_roles_see_and_change_what_they_may(app: TestApp) {
        let (w, clients) = world(&app).await;
        let f = fleet(&app, &w).await;
        let url = |p: &str| app.url(p);
        // Blora's officer sees Blora's machine, not Batu's (as if missing).
        let officer = &clients["officer"];
        assert_eq!(get_json(officer, url(&format!("/api/v1/machines/{}", f.tractor))).await.0, 200);
        assert_eq!(get_json(officer, url(&format!("/api/v1/machines/{}", f.pump))).await.0, 404);
        assert_eq!(get_json(officer, url(&format!("/api/v1/machine-loans/{}", f.loan_batu))).await.0, 404);
        let (_, list) = get_json(officer, url("/api/v1/machines")).await;
        assert_eq!(list["total"], 1);
        // The group officer reads its group's loans only, and changes nothing.
        let leader = &clients["leader"];
        let (_, list) = get_json(leader, url("/api/v1/machine-loans")).await;
        let groups: Vec<i64> = list["items"].as_array().expect("items").iter().filter_map(|l| l["group_id"].as_i64()).collect();
        assert_eq!(groups, [w.g_own]);
        let body = json!({"machine_id": f.tractor, "group_id": w.g_own, "starts_on": "2025-05-01", "due_on": "2025-05-02"});
        assert_eq!(send_json(leader, Method::POST, url("/api/v1/machine-loans"), &body).await.0, 403);
        let (s, _) = send_json(&clients["fac"], Method::POST, url(&format!("/api/v1/machine-loans/{}/cancel", f.loan_blora)), &json!({"version": 1})).await;
        assert_eq!(s, 403);
        // The evaluator reads loans everywhere, without who took the machine.
        let admin = &app.client;
        let (s, _) = send_json(admin, Method::POST, url(&format!("/api/v1/machine-loans/{}/check-out", f.loan_blora)),
            &json!({"out_on": "2025-01-06", "condition_out": "good", "out_by": "Pak Slamet", "version": 1})).await;
        assert_eq!(s, 200);
        let eva = &clients["eva"];
        let (s, loan) = get_json(eva, url(&format!("/api/v1/machine-loans/{}", f.loan_blora))).await;
        assert_eq!(s, 200);
        assert_eq!(loan["out_by"], Value::Null);
        let (_, html) = page(eva, url(&format!("/machine-loans/{}", f.loan_blora))).await;
        assert!(!html.contains("Pak Slamet") && html.contains("disamarkan"));
        // The viewer sees no records.
        assert_eq!(get_json(&clients["viewer"], url("/api/v1/machines")).await.0, 403);
        assert_eq!(get_json(&clients["viewer"], url("/api/v1/machine-loans")).await.0, 403);
        // An officer of another agency in the same area may read but not lend Blora's tractor.
        let other = app.store.create_agency(&berdaya_domain::registry::AgencyDraft {
            name: "Dinas Lain Blora".into(), kind: "agency".into(), region: "33.16".into(), parent_id: None,
        }.parse().expect("agency")).await.expect("agency");
        create_user(&*app.store, "officer.lain", Role::ProgramOfficer, Some("33.16"), Some(other.id), None).await;
        let lain = login(&app.address, "officer.lain", PASSWORD).await.expect("signs in");
        assert_eq!(get_json(&lain, url(&format!("/api/v1/machines/{}", f.tractor))).await.0, 200);
        refused(send_json(&lain, Method::POST, url("/api/v1/machine-loans"), &body).await, "machine_id", "Anda kelola");
        // The pages: the add button only for those who may.
        let (_, html) = page(&lain, url(&format!("/machines/{}", f.tractor))).await;
        assert!(!html.contains(&format!("/machines/{}/loans", f.tractor)), "a lend form for one who may not lend");
    }

    async fn every_id_a_machinery_write_carries_is_scoped(app: TestApp) {
        let (w, clients) = world(&app).await;
        let f = fleet(&app, &w).await;
        let officer = &clients["officer"];
        let m = MISSING;
        let machine = |agency: Value, region: &str| json!({"agency_id": agency, "kind": "other", "name": "Uji",
            "inventory_no": "UJI-9", "region": region, "condition": "good"});
        let loan = |machine: Value, group: Value, program: Value| json!({"machine_id": machine, "group_id": group,
            "program_id": program, "starts_on": "2025-06-01", "due_on": "2025-06-02"});
        let versioned = |mut v: Value| {
            v["version"] = json!(1);
            v
        };
        let num = |n: i64| json!(n);
        let (tractor, loan_id) = (f.tractor, f.loan_blora);
        // (route, method, path with @REF, body with "@NUM"/@REF, hidden value, missing value)
        type P = (&'static str, Method, String, Option<Value>, String, String);
        let (ms, mt) = ("/api/v1/machines", "/api/v1/machines/{id}");
        let (ls, lt) = ("/api/v1/machine-loans", "/api/v1/machine-loans/{id}");
        let probes: Vec<P> = vec![
            (ms, Method::POST, ms.into(), Some(machine(json!("@NUM"), "33.16.02.2001")), f.distan.to_string(), m.to_string()),
            (ms, Method::POST, ms.into(), Some(machine(num(f.dinsos), "@REF")), "35.79.01.1001".into(), "33.16.02.2999".into()),
            (mt, Method::PUT, "/api/v1/machines/@REF".into(), Some(versioned(machine(num(f.dinsos), "33.16.02.2001"))), f.pump.to_string(), m.to_string()),
            (mt, Method::PUT, format!("/api/v1/machines/{tractor}"), Some(versioned(machine(json!("@NUM"), "33.16.02.2001"))), f.distan.to_string(), m.to_string()),
            (mt, Method::PUT, format!("/api/v1/machines/{tractor}"), Some(versioned(machine(num(f.dinsos), "@REF"))), "35.79.01.1001".into(), "33.16.02.2999".into()),
            ("/api/v1/machines/{id}/maintenance", Method::POST, "/api/v1/machines/@REF/maintenance".into(), Some(json!({"done_on": "2025-01-01",
                "kind": "service", "description": "x", "cost": "0", "condition_after": "good"})), f.pump.to_string(), m.to_string()),
            (ls, Method::POST, ls.into(), Some(loan(json!("@NUM"), num(w.g_own), Value::Null)), f.pump.to_string(), m.to_string()),
            (ls, Method::POST, ls.into(), Some(loan(num(tractor), json!("@NUM"), Value::Null)), w.g_batu.to_string(), m.to_string()),
            (ls, Method::POST, ls.into(), Some(loan(num(tractor), num(w.g_own), json!("@NUM"))), w.prog_batu.to_string(), m.to_string()),
            (lt, Method::PUT, "/api/v1/machine-loans/@REF".into(), Some(versioned(loan(num(tractor), num(w.g_own), Value::Null))), f.loan_batu.to_string(), m.to_string()),
            (lt, Method::PUT, format!("/api/v1/machine-loans/{loan_id}"), Some(versioned(loan(num(tractor), json!("@NUM"), Value::Null))), w.g_batu.to_string(), m.to_string()),
            (lt, Method::PUT, format!("/api/v1/machine-loans/{loan_id}"), Some(versioned(loan(num(tractor), num(w.g_own), json!("@NUM")))), w.prog_batu.to_string(), m.to_string()),
            ("/api/v1/machine-loans/{id}/check-out", Method::POST, "/api/v1/machine-loans/@REF/check-out".into(), Some(json!({"out_on": "2025-01-06",
                "condition_out": "good", "out_by": "x", "version": 1})), f.loan_batu.to_string(), m.to_string()),
            ("/api/v1/machine-loans/{id}/return", Method::POST, "/api/v1/machine-loans/@REF/return".into(), Some(json!({"returned_on": "2025-01-06",
                "condition_in": "good", "version": 1})), f.loan_batu.to_string(), m.to_string()),
            ("/api/v1/machine-loans/{id}/cancel", Method::POST, "/api/v1/machine-loans/@REF/cancel".into(), Some(json!({"version": 1})),
                f.loan_batu.to_string(), m.to_string()),
        ];
        // Every machinery write route is probed here.
        for (method, route) in PROBED_HERE {
            let hit = probes.iter().any(|(r, m, ..)| *r == route && m.as_str().eq_ignore_ascii_case(method));
            assert!(hit, "{method} {route} has no probe");
        }
        let mut wrong = Vec::new();
        for (_, method, path, body, hidden, missing) in &probes {
            let (hs, h) = probe(officer, &app, method.clone(), path, body, hidden).await;
            let (ms, mm) = probe(officer, &app, method.clone(), path, body, missing).await;
            if hs.is_success() {
                wrong.push(format!("{method} {path} accepted an out-of-scope {hidden}: {h}"));
            } else if (hs, &h) != (ms, &mm) {
                wrong.push(format!("{method} {path}: out of scope {hs} {h}\n   missing {ms} {mm}"));
            }
        }
        assert!(wrong.is_empty(), "references not resolved through the caller's scope:\n{}", wrong.join("\n"));
        // Nothing was written by any probe.
        assert_eq!(app.store.machine_loans(f.pump).await.expect("loans").len(), 1);
        assert_eq!(app.store.machine_maintenance(f.pump).await.expect("maintenance").len(), 0);
    }

    async fn the_lend_form_shows_the_conflict_beside_its_field(app: TestApp) {
        let (w, clients) = world(&app).await;
        let f = fleet(&app, &w).await;
        let officer = &clients["officer"];
        let (s, html) = page(officer, app.url(&format!("/machines/{}", f.tractor))).await;
        assert_eq!(s, 200);
        let csrf = csrf_in(&html).expect("csrf");
        let form = |from: &str, to: &str| vec![
            ("group_id", w.g_own.to_string()), ("program_id", String::new()), ("starts_on", from.to_string()),
            ("due_on", to.to_string()), ("note", String::new()), ("_csrf", csrf.clone()),
        ];
        let res = officer.post(app.url(&format!("/machines/{}/loans", f.tractor))).form(&form("2025-01-07", "2025-01-07"))
            .send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.expect("html");
        assert!(html.contains("mesin sudah dipesan pada hari-hari ini") && html.contains(&format!("peminjaman {}", f.loan_blora)), "{html}");
        let res = officer.post(app.url(&format!("/machines/{}/loans", f.tractor))).form(&form("2025-02-01", "2025-02-03"))
            .send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.store.machine_loans(f.tractor).await.expect("loans").len(), 2);
        // The kit's listing with its filters, and the new-booking form with a machine picker.
        let (s, html) = page(officer, app.url(&format!("/machine-loans?machine_id={}&status=booked", f.tractor))).await;
        assert_eq!(s, 200);
        assert!(html.contains("Quick G1000 (ALS-01)"));
        let (s, html) = page(officer, app.url(&format!("/machine-loans/new?machine={}", f.tractor))).await;
        assert_eq!(s, 200);
        assert!(html.contains("Quick G1000 (ALS-01)"), "the picker shows the machine's name");
        let (s, picks) = get_json(officer, app.url("/api/v1/pick/machine?q=quick")).await;
        assert_eq!(s, 200);
        assert_eq!(picks[0]["label"], "Quick G1000 (ALS-01)");
        let (_, picks) = get_json(officer, app.url("/api/v1/pick/machine?q=honda")).await;
        assert_eq!(picks, json!([]), "Batu's pump is out of the officer's area");
    }
}

// --- Browser ----------------------------------------------------------------------------------

/// The ports this suite's chromedriver may use.
const PORTS: std::ops::Range<u16> = 18740..18760;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_lends_a_hand_tractor_and_records_its_return_on_a_phone() {
    use crate::browser::{body_text, connect, sign_in, snap, start_driver_on, wait_for};
    use fantoccini::{Client, Locator};

    if !crate::crawl::browser_installed() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let (w, _) = world(&app).await;
    let f = fleet(&app, &w).await;
    let port = PORTS.clone().find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok()).expect("a free port");
    let (driver, driver_url) = start_driver_on(port).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let base = app.address.clone();

    async fn click(client: &Client, css: &str) -> Result<(), String> {
        client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("find {css}: {e}"))?
            .click()
            .await
            .map_err(|e| format!("click {css}: {e}"))
    }
    async fn fill(client: &Client, css: &str, text: &str) -> Result<(), String> {
        let el = client.find(Locator::Css(css)).await.map_err(|e| format!("find {css}: {e}"))?;
        el.clear().await.map_err(|e| format!("clear {css}: {e}"))?;
        el.send_keys(text).await.map_err(|e| format!("type into {css}: {e}"))
    }
    async fn set_date(client: &Client, css: &str, value: &str) -> Result<(), String> {
        let script = format!("document.querySelector({:?}).value = {:?};", css, value);
        client.execute(&script, vec![]).await.map(|_| ()).map_err(|e| format!("set {css}: {e}"))
    }

    let result: Result<(), String> = async {
        client.goto(&format!("{base}/login")).await.map_err(|e| format!("open login: {e}"))?;
        sign_in(&client, "officer", PASSWORD).await?;
        crate::crawl::set_screen(&client, 390, 844).await?;
        // From the program page to the machines of its agency, then the hand tractor.
        client.goto(&format!("{base}/programs/{}", w.prog_blora)).await.map_err(|e| format!("program: {e}"))?;
        click(&client, "section#machinery a[href^='/machines?agency_id=']").await?;
        wait_for(&client, |url, _| url.contains("/machines?agency_id=")).await?;
        click(&client, &format!("a[href='/machines/{}']", f.tractor)).await?;
        wait_for(&client, |url, _| url.ends_with(&format!("/machines/{}", f.tractor))).await?;
        snap(&client, "mach-machine").await;

        // Lend it to the group: pick the group by name.
        let search = client.find(Locator::Css("#loan-group_id")).await.map_err(|e| format!("group picker: {e}"))?;
        search.send_keys("Pilang").await.map_err(|e| format!("type the group: {e}"))?;
        let started = std::time::Instant::now();
        loop {
            let options =
                client.find_all(Locator::Css("#loan-group_id-list li[role=option]")).await.unwrap_or_default();
            if let Some(o) = options.into_iter().next() {
                o.click().await.map_err(|e| format!("choose the group: {e}"))?;
                break;
            }
            if started.elapsed() > std::time::Duration::from_secs(10) {
                return Err(format!("no group offered: {}", body_text(&client).await));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        set_date(&client, "#loan-starts_on", "2025-02-10").await?;
        set_date(&client, "#loan-due_on", "2025-02-12").await?;
        click(&client, "form#loan button[type=submit]").await?;
        wait_for(&client, |url, _| url.contains("#loans")).await?;
        snap(&client, "mach-booked").await;
        let loans = app.store.machine_loans(f.tractor).await.map_err(|e| format!("{e}"))?;
        let loan =
            loans.iter().find(|l| l.loan.starts_on.to_string() == "2025-02-10").ok_or("the booking was not made")?;
        let href = format!("/machine-loans/{}", loan.loan.id);
        click(&client, &format!("section#loans a[href='{href}']")).await?;
        wait_for(&client, |url, _| url.ends_with(&href)).await?;

        // Check it out, then record the return with usage.
        set_date(&client, "#checkout-out_on", "2025-02-10").await?;
        fill(&client, "#checkout-out_by", "Pak Slamet").await?;
        click(&client, "form#checkout button[type=submit]").await?;
        wait_for(&client, |url, _| url.ends_with(&href)).await?;
        let text = body_text(&client).await;
        if !text.contains("Dipinjam") {
            return Err(format!("the loan is not shown as out: {text}"));
        }
        set_date(&client, "#return-returned_on", "2025-02-12").await?;
        client
            .find(Locator::Css("#return-condition_in"))
            .await
            .map_err(|e| format!("condition: {e}"))?
            .select_by_value("light_damage")
            .await
            .map_err(|e| format!("choose the condition: {e}"))?;
        fill(&client, "#return-usage_hours", "6,5 jam").await?;
        fill(&client, "#return-usage_area", "0,25 ha").await?;
        fill(&client, "#return-damage_note", "Rantai longgar").await?;
        click(&client, "form#return button[type=submit]").await?;
        wait_for(&client, |url, _| url.ends_with(&href)).await?;
        snap(&client, "mach-returned").await;
        let text = body_text(&client).await;
        for shows in ["Dikembalikan", "6,5 jam · 0,25 ha", "Rantai longgar", "Rusak ringan"] {
            if !text.contains(shows) {
                return Err(format!("the loan page does not show {shows}: {text}"));
            }
        }
        // The machine page and its history.
        client.goto(&format!("{base}/machines/{}", f.tractor)).await.map_err(|e| format!("machine: {e}"))?;
        let text = body_text(&client).await;
        if !text.contains("Rusak ringan") || !text.contains("Poktan Pilang Makmur") {
            return Err(format!("the machine page does not show the return: {text}"));
        }
        click(&client, &format!("a[href='/machines/{}/history']", f.tractor)).await?;
        wait_for(&client, |url, _| url.ends_with("/history")).await?;
        snap(&client, "mach-history").await;
        let text = body_text(&client).await;
        let (a, b) = (text.find("2025-01-06"), text.find("2025-02-10"));
        if !(a.is_some() && b.is_some() && a < b && text.contains("6,5 jam · 0,25 ha")) {
            return Err(format!("the history does not list the loans in date order with the usage: {text}"));
        }
        Ok(())
    }
    .await;
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
    let loans = app.store.machine_loans(f.tractor).await.expect("loans");
    let back = loans.iter().find(|l| l.loan.usage_minutes == Some(390)).expect("the returned loan");
    assert_eq!(back.loan.usage_m2, Some(2_500));
    assert_eq!(back.loan.out_by.as_deref(), Some("Pak Slamet"));
}

/// The demo lends BPP Kalampangan's hand tractor to a dragon-fruit group and gets it back
/// with its usage, repairs it, and has a water pump out past its due date.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_lends_the_hand_tractor_and_has_an_overdue_loan() {
    use berdaya_domain::agriculture::machine::LoanStatus;
    use berdaya_store::{PageRequest, Query};

    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    berdaya::demo::load(store).await.expect("demo data");
    let found = store.search_machines(&Query::text("Quick G1000")).await.expect("machines");
    let tractor = &found.items.first().expect("the BPP's hand tractor").machine;
    let loans = store.machine_loans(tractor.id).await.expect("loans");
    let first = &loans[0].loan;
    assert_eq!((first.status, first.usage_minutes, first.usage_m2), (LoanStatus::Returned, Some(840), Some(5_000)));
    assert!(loans[0].group_name.contains("Buah Naga"), "{}", loans[0].group_name);
    assert_eq!(store.machine_maintenance(tractor.id).await.expect("maintenance").len(), 1);
    let today = berdaya_web::agriculture::machines::today().to_string();
    let late = Query { page: PageRequest::new(1, 50), filters: vec![("overdue_on".into(), today)], ..Query::default() };
    let late = store.search_loans(&late).await.expect("overdue");
    assert_eq!(late.total, 1, "one loan overdue");
    let group = late.items[0].loan.group_id;
    let (s, html) = page(&app.client, app.url(&format!("/groups/{group}"))).await;
    assert_eq!(s, 200);
    assert!(html.contains("Pompa air Honda WB30XT") && html.contains("terlambat"), "the group panel shows it late");
    let program = late.items[0].loan.program_id.expect("the loan's program");
    let (_, html) = page(&app.client, app.url(&format!("/programs/{program}"))).await;
    assert!(html.contains("section") && html.contains("id=\"machinery\""), "the program shows its machinery");
}
