//! Community programs over the API and in the pages: a block grant's allocations capped by
//! the grant and its spending by the tranches received (the officer's override audited, the
//! group officer's refused), budget against realisation, append-only group books with their
//! statements and reversals, evaluators reading books de-identified, and every id the write
//! routes carry resolved through the caller's scope.

use berdaya_domain::kotaku::grant::{NewGrant, NewTranche, NewUnit, NewWork, TrancheStep, WorkKind};
use berdaya_domain::registry::RegionCode;
use berdaya_store::access::AuditFilter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::access::world;
use crate::backend_tests;
use crate::helpers::TestApp;

const MISSING: i64 = 987_654;

async fn get_json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post(client: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    let res = client.post(url).header("accept-language", "id").json(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Asserts a 422 naming `field` whose Indonesian text holds `words`.
fn refused(answer: (u16, Value), field: &str, words: &str) {
    let (got, body) = answer;
    assert_eq!(got, 422, "{body}");
    let fields = body["error"]["fields"].as_array().cloned().unwrap_or_default();
    let hit = fields.iter().find(|f| f["field"] == field).unwrap_or_else(|| panic!("no error on {field}: {body}"));
    let text = hit["text"].as_str().unwrap_or_default();
    assert!(text.contains(words), "{field}: {text:?} lacks {words:?}");
}

fn code(c: &str) -> RegionCode {
    RegionCode::parse(c).expect("code")
}

/// Write routes of community programs that `scope.rs` leaves to this file's probes.
pub const PROBED_HERE: [(&str, &str); 24] = [
    ("post", "/api/v1/programs/{id}/grants"),
    ("post", "/api/v1/grants/{id}/units"),
    ("post", "/api/v1/grants/{id}/tranches"),
    ("post", "/api/v1/grants/{id}/works"),
    ("post", "/api/v1/tranches/{id}/approve"),
    ("post", "/api/v1/tranches/{id}/receive"),
    ("post", "/api/v1/works/{id}/spending"),
    ("post", "/api/v1/spending/{id}/reverse"),
    ("post", "/api/v1/works/{id}/progress"),
    ("post", "/api/v1/works/{id}/handover"),
    ("post", "/api/v1/works/{id}/maintenance"),
    ("post", "/api/v1/groups/{id}/book/entries"),
    ("post", "/api/v1/groups/{id}/book/sales"),
    ("post", "/api/v1/book-entries/{id}/reverse"),
    ("post", "/api/v1/programs/{id}/cycles"),
    ("post", "/api/v1/stages/{id}/activities"),
    ("put", "/api/v1/programs/{id}/stage-model"),
    ("post", "/api/v1/stages/{id}/move"),
    ("post", "/api/v1/stages/{id}/milestones"),
    ("post", "/api/v1/programs/{id}/stakeholders"),
    ("post", "/api/v1/stakeholders/{id}/contributions"),
    ("post", "/api/v1/programs/{id}/indicators"),
    ("post", "/api/v1/indicators/{id}/values"),
    ("post", "/api/v1/programs/{id}/slum-baselines"),
];

/// A grant of the Batu program (out of the Blora officer's area) with a unit, a received
/// tranche, a work, a spending entry and a book entry of the Batu group.
struct Batu {
    grant: i64,
    unit: i64,
    tranche: i64,
    work: i64,
    spending: i64,
    entry: i64,
    stage: i64,
    stakeholder: i64,
    indicator: i64,
    activity: i64,
}

async fn batu(app: &TestApp, w: &crate::access::World) -> Batu {
    let s = &*app.store;
    let g = s
        .create_grant(&NewGrant {
            program_id: w.prog_batu,
            name: "BPM Batu".into(),
            source: "APBN".into(),
            year: 2024,
            amount_rp: 100_000_000,
            recipient_group_id: w.g_batu,
            region: code("35.79.01.1001"),
            note: None,
        })
        .await
        .expect("grant");
    let unit = s
        .add_unit(
            g.id,
            &NewUnit { name: "RT 1".into(), region: code("35.79.01.1001"), rt: None, rw: None, amount_rp: 50_000_000 },
        )
        .await
        .expect("unit");
    let t = s
        .add_tranche(
            g.id,
            &NewTranche { amount_rp: 60_000_000, planned_on: time::macros::date!(2024 - 03 - 01), conditions: None },
        )
        .await
        .expect("tranche");
    let second = s
        .add_tranche(
            g.id,
            &NewTranche { amount_rp: 10_000_000, planned_on: time::macros::date!(2024 - 06 - 01), conditions: None },
        )
        .await
        .expect("tranche");
    let t = s
        .step_tranche(t.id, &TrancheStep::Approve { on: time::macros::date!(2024 - 03 - 02) }, t.version)
        .await
        .expect("ok");
    s.step_tranche(t.id, &TrancheStep::Receive { on: time::macros::date!(2024 - 03 - 03) }, t.version)
        .await
        .expect("rcv");
    let work = s
        .add_work(
            unit.id,
            &NewWork {
                kind: WorkKind::Drainage,
                name: "Drainase Batu".into(),
                volume_milli: 10_000,
                volume_unit: "m".into(),
                location: None,
                budget_rp: 20_000_000,
                swadaya_cash_rp: 0,
                swadaya_labour_rp: 0,
                builder: "KSM".into(),
                builder_group_id: None,
                maintain_every_days: None,
            },
        )
        .await
        .expect("work");
    let sp = s
        .add_spending(
            work.id,
            &berdaya_domain::kotaku::grant::NewSpending {
                spent_on: time::macros::date!(2024 - 03 - 10),
                item: "Semen".into(),
                amount_rp: 1_000,
                override_reason: None,
            },
        )
        .await
        .expect("spending");
    let entry = s
        .add_entry(
            w.g_batu,
            &berdaya_domain::kotaku::book::EntryDraft {
                entry_on: "2024-03-01".into(),
                kind: "income".into(),
                category: "iuran".into(),
                amount: "10000".into(),
                counterpart: None,
                note: None,
            }
            .parse(time::macros::date!(2026 - 01 - 01))
            .expect("entry"),
        )
        .await
        .expect("entry");
    let cycle = s
        .start_cycle(
            w.prog_batu,
            "Dusun Batu",
            &code("35.79.01.1001"),
            &berdaya_domain::kotaku::stage::StageModel::seven_d(),
            time::macros::date!(2024 - 01 - 01),
        )
        .await
        .expect("cycle");
    let stakeholder = s
        .add_stakeholder(
            w.prog_batu,
            &berdaya_domain::kotaku::partner::NewStakeholder {
                name: "Polres Batu".into(),
                organisation: true,
                sector: berdaya_domain::kotaku::partner::Sector::Police,
                role: berdaya_domain::kotaku::partner::PartnerRole::Initiator,
                note: None,
            },
        )
        .await
        .expect("stakeholder");
    let indicator = s
        .add_indicator(
            w.prog_batu,
            &berdaya_domain::kotaku::outcome::NewIndicator {
                name: "Warung".into(),
                measure: berdaya_domain::kotaku::outcome::Measure::YesNo,
                subject: berdaya_domain::kotaku::outcome::Subject::Household,
            },
        )
        .await
        .expect("indicator");
    let activity = s
        .create_activity(&berdaya_domain::activity::NewActivity {
            program_id: w.prog_batu,
            kind: berdaya_domain::activity::ActivityKind::Deliberation,
            title: "Rembug Batu".into(),
            topic: None,
            held_on: time::macros::date!(2024 - 02 - 01),
            starts_at: None,
            duration_min: 60,
            region: code("35.79.01.1001"),
            place: None,
            staff_ids: Vec::new(),
            group_ids: Vec::new(),
            tag_ids: Vec::new(),
            materials: None,
            report: None,
        })
        .await
        .expect("activity");
    Batu {
        grant: g.id,
        unit: unit.id,
        tranche: second.id,
        work: work.id,
        spending: sp.id,
        entry: entry.id,
        stage: cycle.stages[0].id,
        stakeholder: stakeholder.id,
        indicator: indicator.id,
        activity: activity.id,
    }
}

async fn probe(client: &reqwest::Client, app: &TestApp, path: &str, body: &Value, value: &str) -> (StatusCode, String) {
    let method = if path.ends_with("/stage-model") { Method::PUT } else { Method::POST };
    let path = path.replace("@REF", value);
    let text = body.to_string().replace("\"@NUM\"", value).replace("@REF", value);
    let res = client
        .request(method, app.url(&path))
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .expect("request");
    let status = res.status();
    (status, res.text().await.expect("body").replace(value, "@REF"))
}

backend_tests! {
    async fn a_grant_caps_allocations_and_spending(app: TestApp) {
        let (w, clients) = world(&app).await;
        let (officer, leader, eva, viewer) = (&clients["officer"], &clients["leader"], &clients["eva"], &clients["viewer"]);
        let url = |p: &str| app.url(p);
        // The officer adds the grant to the LKM (the leader's group).
        let (s, g) = post(officer, url(&format!("/api/v1/programs/{}/grants", w.prog_blora)), &json!({
            "name": "BPM 2025 Pilang", "source": "APBN KOTAKU", "year": 2025, "amount": "Rp 1.000.000",
            "recipient_group_id": w.g_own, "region": "33.16.02.2001"})).await;
        assert_eq!(s, 201, "{g}");
        let gid = g["id"].as_i64().expect("id");
        // The group officer may not add grants, but keeps its records.
        assert_eq!(post(leader, url(&format!("/api/v1/programs/{}/grants", w.prog_blora)), &json!({
            "name": "x", "source": "x", "year": 2025, "amount": "1", "recipient_group_id": w.g_own, "region": "33.16.02.2001"})).await.0, 403);
        let unit = |name: &str, amount: &str| json!({"name": name, "region": "33.16.02.2001", "rt": "3", "amount": amount});
        assert_eq!(post(leader, url(&format!("/api/v1/grants/{gid}/units")), &unit("RT 03", "600.000")).await.0, 201);
        refused(post(leader, url(&format!("/api/v1/grants/{gid}/units")), &unit("RT 05", "400.001")).await, "amount", "melebihi hibah");
        let (s, r) = post(leader, url(&format!("/api/v1/grants/{gid}/units")), &unit("RT 05", "400.000")).await;
        assert_eq!(s, 201, "{r}");
        assert_eq!(r["units"].as_array().map(Vec::len), Some(2));
        // Tranches: the officer's; the leader may not approve.
        let (s, r) = post(officer, url(&format!("/api/v1/grants/{gid}/tranches")), &json!({"amount": "700000", "planned_on": "2025-03-01"})).await;
        assert_eq!(s, 201, "{r}");
        let t = &r["tranches"][0];
        let (tid, tv) = (t["id"].as_i64().expect("id"), t["version"].as_i64().expect("v"));
        refused(post(officer, url(&format!("/api/v1/grants/{gid}/tranches")), &json!({"amount": "300001", "planned_on": "2025-06-01"})).await, "amount", "melebihi hibah");
        assert_eq!(post(leader, url(&format!("/api/v1/tranches/{tid}/approve")), &json!({"version": tv})).await.0, 403);
        refused(post(officer, url(&format!("/api/v1/tranches/{tid}/receive")), &json!({"version": tv})).await, "status", "disetujui");
        let (s, t) = post(officer, url(&format!("/api/v1/tranches/{tid}/approve")), &json!({"on": "2025-03-02", "version": tv})).await;
        assert_eq!(s, 200, "{t}");
        assert_eq!(post(officer, url(&format!("/api/v1/tranches/{tid}/receive")), &json!({"on": "2025-03-03", "version": tv})).await.0, 409);
        let (s, t) = post(officer, url(&format!("/api/v1/tranches/{tid}/receive")), &json!({"on": "2025-03-03", "version": t["version"]})).await;
        assert_eq!((s, t["status"].as_str()), (200, Some("received")), "{t}");
        // A work of the first unit, built by the group.
        let unit_id = r_unit(&app, gid).await;
        let (s, work) = post(leader, url(&format!("/api/v1/grants/{gid}/works")), &json!({"unit_id": unit_id, "kind": "concrete_road",
            "name": "Rabat beton", "volume": "120,5", "volume_unit": "m", "budget": "500.000", "swadaya_labour": "50.000",
            "builder": "Warga", "builder_group_id": w.g_own})).await;
        assert_eq!(s, 201, "{work}");
        assert_eq!(work["volume"], "120.5");
        let wid = work["id"].as_i64().expect("id");
        // Spending within the 700,000 received; past it refused for the leader, even with a reason.
        let spend = |amount: &str, reason: Option<&str>| json!({"spent_on": "2025-03-10", "item": "Semen", "amount": amount, "override_reason": reason});
        assert_eq!(post(leader, url(&format!("/api/v1/works/{wid}/spending")), &spend("650.000", None)).await.0, 201);
        refused(post(leader, url(&format!("/api/v1/works/{wid}/spending")), &spend("50.001", None)).await, "amount", "melebihi dana yang diterima");
        refused(post(leader, url(&format!("/api/v1/works/{wid}/spending")), &spend("60.000", Some("darurat"))).await, "override_reason", "petugas program");
        let (s, d) = post(officer, url(&format!("/api/v1/works/{wid}/spending")), &spend("60.000", Some("Tahap II disetujui"))).await;
        assert_eq!(s, 201, "{d}");
        let over = d["spending"].as_array().and_then(|a| a.last()).cloned().expect("entry");
        assert_eq!(over["override_reason"], "Tahap II disetujui");
        let log = app.store.audit_entries(&AuditFilter { entity: Some("work_spending".into()), entity_id: Some(over["id"].to_string()), ..AuditFilter::default() }, berdaya_store::PageRequest::new(1, 5)).await.expect("log");
        assert_eq!(log.items.len(), 1);
        assert_eq!(log.items[0].actor, "officer");
        // A reversal, once.
        let first = d["spending"][0]["id"].as_i64().expect("id");
        assert_eq!(post(leader, url(&format!("/api/v1/spending/{first}/reverse")), &json!({"reason": "salah nota"})).await.0, 201);
        refused(post(leader, url(&format!("/api/v1/spending/{first}/reverse")), &json!({"reason": "lagi"})).await, "entry", "sudah dibalik");
        // Budget against realisation: 500,000 budget, 60,000 spent after the reversal.
        let (s, r) = get_json(eva, url(&format!("/api/v1/grants/{gid}"))).await;
        assert_eq!(s, 200);
        assert_eq!((r["budget_rp"].as_i64(), r["spent_rp"].as_i64(), r["swadaya_rp"].as_i64()), (Some(500_000), Some(60_000), Some(50_000)));
        assert_eq!(r["units"][0]["spent_rp"].as_i64(), Some(60_000));
        assert_eq!(r["units"][1]["spent_rp"].as_i64(), Some(0));
        assert_eq!(get_json(viewer, url(&format!("/api/v1/grants/{gid}"))).await.0, 403);
        // Progress, handover, maintenance.
        refused(post(leader, url(&format!("/api/v1/works/{wid}/progress")), &json!({"on": "2025-04-01", "percent": 101})).await, "percent", "0 sampai 100");
        assert_eq!(post(leader, url(&format!("/api/v1/works/{wid}/progress")), &json!({"on": "2025-04-01", "percent": 100})).await.0, 201);
        let (_, d) = get_json(leader, url(&format!("/api/v1/works/{wid}"))).await;
        let version = d["work"]["version"].clone();
        let (s, d) = post(leader, url(&format!("/api/v1/works/{wid}/handover")), &json!({"keeper_group_id": w.g_own, "on": "2025-04-02", "version": version})).await;
        assert_eq!(s, 200, "{d}");
        refused(post(leader, url(&format!("/api/v1/works/{wid}/maintenance")), &json!({"done_on": "2025-04-01", "condition": "good"})).await, "done_on", "serah terima");
        let (s, d) = post(leader, url(&format!("/api/v1/works/{wid}/maintenance")), &json!({"done_on": "2025-07-01", "condition": "good", "cost": "25.000"})).await;
        assert_eq!(s, 201, "{d}");
        assert_eq!(d["maintenance_due"], "2025-09-29");
        // The pages answer: dashboard, work, XLSX.
        for p in [format!("/grants/{gid}"), format!("/works/{wid}"), format!("/programs/{}/grants", w.prog_blora)] {
            let res = leader.get(url(&p)).send().await.expect("page");
            assert_eq!(res.status().as_u16(), 200, "{p}");
        }
        let x = officer.get(url(&format!("/grants/{gid}/report.xlsx"))).send().await.expect("xlsx");
        assert_eq!(x.status().as_u16(), 200);
        assert!(x.bytes().await.expect("bytes").starts_with(b"PK"));
    }

    async fn a_group_book_is_append_only_and_its_statements_sum_it(app: TestApp) {
        let (w, clients) = world(&app).await;
        let (leader, eva, viewer, fac) = (&clients["leader"], &clients["eva"], &clients["viewer"], &clients["fac"]);
        let url = |p: &str| app.url(p);
        let book = format!("/api/v1/groups/{}/book", w.g_own);
        let (s, sale) = post(leader, url(&format!("{book}/sales")), &json!({"entry_on": "2025-01-04", "product": "Keripik bayam",
            "quantity": 40, "unit": "bungkus", "price": "15.000", "outlet": "Outlet KSM", "counterpart": "Bu Sari"})).await;
        assert_eq!(s, 201, "{sale}");
        assert_eq!(sale["amount_rp"].as_i64(), Some(600_000));
        let entry = |on: &str, kind: &str, cat: &str, amount: &str| json!({"entry_on": on, "kind": kind, "category": cat, "amount": amount});
        assert_eq!(post(leader, url(&format!("{book}/entries")), &entry("2025-01-05", "cost", "bahan_baku", "250.000")).await.0, 201);
        let (_, wrong) = post(leader, url(&format!("{book}/entries")), &entry("2025-01-20", "profit_use", "benih", "200.000")).await;
        refused(post(leader, url(&format!("{book}/entries")), &entry("2025-01-20", "gift", "x", "0")).await, "kind", "income");
        refused(post(leader, url(&format!("{book}/entries")), &entry("2999-01-20", "cost", "x", "1")).await, "entry_on", "masa depan");
        // A correction is a reversing entry; nothing edits or deletes.
        let wid = wrong["id"].as_i64().expect("id");
        let (s, rev) = post(leader, url(&format!("/api/v1/book-entries/{wid}/reverse")), &json!({"reason": "salah catat", "on": "2025-02-01"})).await;
        assert_eq!((s, rev["amount_rp"].as_i64(), rev["reverses_id"].as_i64()), (201, Some(-200_000), Some(wid)));
        refused(post(leader, url(&format!("/api/v1/book-entries/{wid}/reverse")), &json!({"reason": "lagi"})).await, "entry", "sudah dibalik");
        for method in [Method::PUT, Method::DELETE] {
            let res = leader.request(method, url(&format!("/api/v1/book-entries/{wid}"))).send().await.expect("request");
            assert!(res.status().is_client_error(), "no route edits an entry");
        }
        // The book with its running balance; statements equal its sums.
        let (s, b) = get_json(leader, url(&format!("{book}?period=2025-01"))).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!((b["opening_rp"].as_i64(), b["closing_rp"].as_i64()), (Some(0), Some(150_000)));
        assert_eq!(b["entries"][0]["counterpart"], "Bu Sari");
        let (_, st) = get_json(leader, url(&format!("{book}/statements"))).await;
        assert_eq!(st[0]["period"], "2025-01");
        assert_eq!((st[0]["income_rp"].as_i64(), st[0]["cost_rp"].as_i64(), st[0]["profit_rp"].as_i64(), st[0]["profit_use_rp"].as_i64()), (Some(600_000), Some(250_000), Some(350_000), Some(200_000)));
        assert_eq!((st[1]["profit_use_rp"].as_i64(), st[1]["closing_rp"].as_i64()), (Some(-200_000), Some(350_000)));
        let (_, yr) = get_json(leader, url(&format!("{book}/statements?span=year"))).await;
        assert_eq!((yr[0]["period"].as_str(), yr[0]["closing_rp"].as_i64()), (Some("2025"), Some(350_000)));
        assert_eq!(get_json(leader, url(&format!("{book}/statements?span=week"))).await.0, 400);
        // The evaluator reads it de-identified; the viewer not at all; another group is missing.
        let (s, b) = get_json(eva, url(&format!("{book}?period=2025-01"))).await;
        assert_eq!(s, 200);
        assert_eq!(b["entries"][0]["counterpart"], Value::Null);
        assert_eq!(b["entries"][0]["recorded_by"], Value::Null);
        assert_eq!(post(eva, url(&format!("{book}/entries")), &entry("2025-01-05", "cost", "x", "1")).await.0, 403);
        assert_eq!(get_json(viewer, url(&book)).await.0, 403);
        assert_eq!(get_json(leader, url(&format!("/api/v1/groups/{}/book", w.g_batu))).await.0, 404);
        assert_eq!(get_json(fac, url(&format!("/api/v1/groups/{}/book", w.g_batu))).await.0, 404);
        let html = leader.get(url(&format!("/groups/{}/book?month=2025-01", w.g_own))).send().await.expect("page").text().await.expect("html");
        assert!(html.contains("Keripik bayam") && html.contains("Rp 150.000"), "the month's entries and balance");
        let x = leader.get(url(&format!("/groups/{}/book.xlsx", w.g_own))).send().await.expect("xlsx");
        assert!(x.bytes().await.expect("bytes").starts_with(b"PK"));
    }

    async fn every_id_a_community_write_carries_is_scoped(app: TestApp) {
        let (w, clients) = world(&app).await;
        let b = batu(&app, &w).await;
        let officer = &clients["officer"];
        let m = MISSING.to_string();
        // A grant of the officer's program for the routes that carry references in the body.
        let own = app.store.create_grant(&NewGrant {
            program_id: w.prog_blora, name: "BPM Pilang".into(), source: "APBN".into(), year: 2025, amount_rp: 1_000,
            recipient_group_id: w.g_own, region: code("33.16.02.2001"), note: None,
        }).await.expect("grant");
        let own_unit = app.store.add_unit(own.id, &NewUnit { name: "RT 1".into(), region: code("33.16.02.2001"), rt: None, rw: None, amount_rp: 1_000 }).await.expect("unit");
        let work = |unit: Value, builder: Value| json!({"unit_id": unit, "kind": "other", "name": "x", "volume": "1", "volume_unit": "m",
            "budget": "1", "builder": "x", "builder_group_id": builder});
        let grant = |group: Value, region: &str| json!({"name": "x", "source": "x", "year": 2025, "amount": "1000", "recipient_group_id": group, "region": region});
        let spend = json!({"spent_on": "2025-01-01", "item": "x", "amount": "1"});
        let entry = json!({"entry_on": "2025-01-01", "kind": "income", "category": "iuran", "amount": "1"});
        let sale = json!({"entry_on": "2025-01-01", "product": "x", "quantity": 1, "unit": "x", "price": "1"});
        let cycle = |region: &str| json!({"community": "Dusun Uji", "region": region, "model": "7d"});
        let own_stage = app.store.start_cycle(w.prog_blora, "Dusun Pilang", &code("33.16.02.2001"),
            &berdaya_domain::kotaku::stage::StageModel::seven_d(), time::macros::date!(2024 - 01 - 01)).await.expect("cycle").stages[0].id;
        let own_partner = app.store.add_stakeholder(w.prog_blora, &berdaya_domain::kotaku::partner::NewStakeholder {
            name: "Dinsos".into(), organisation: true, sector: berdaya_domain::kotaku::partner::Sector::Government,
            role: berdaya_domain::kotaku::partner::PartnerRole::Funder, note: None }).await.expect("partner").id;
        let own_indicator = app.store.add_indicator(w.prog_blora, &berdaya_domain::kotaku::outcome::NewIndicator {
            name: "Warung".into(), measure: berdaya_domain::kotaku::outcome::Measure::YesNo,
            subject: berdaya_domain::kotaku::outcome::Subject::Household }).await.expect("indicator").id;
        let model = serde_json::to_value(berdaya_domain::kotaku::stage::StageModel::seven_d()).expect("model");
        let contribution = |activity: Value| json!({"kind": "cash", "description": "x", "value": "1", "given_on": "2024-01-01", "activity_id": activity});
        let value = |subject: Value| json!({"subject_id": subject, "baseline": "tidak", "baseline_on": "2024-01-01"});
        let baseline = |region: &str| {
            let measures: serde_json::Map<String, Value> = berdaya_domain::kotaku::slum::Parameter::ALL.iter().map(|p| (p.code().to_string(), json!([1, 2]))).collect();
            json!({"region": region, "neighbourhood": "RT 1", "measured_on": "2024-01-01", "phase": "before", "measures": measures})
        };
        let (bt, bw) = (b.tranche.to_string(), b.work.to_string());
        // (route, path with @REF, body with "@NUM"/@REF, hidden value, missing value)
        let probes: Vec<(&str, String, Value, String, String)> = vec![
            ("/api/v1/programs/{id}/grants", "/api/v1/programs/@REF/grants".into(), grant(json!(w.g_own), "33.16.02.2001"), w.prog_batu.to_string(), m.clone()),
            ("/api/v1/programs/{id}/grants", format!("/api/v1/programs/{}/grants", w.prog_blora), grant(json!("@NUM"), "33.16.02.2001"), w.g_batu.to_string(), m.clone()),
            ("/api/v1/programs/{id}/grants", format!("/api/v1/programs/{}/grants", w.prog_blora), grant(json!(w.g_own), "@REF"), "35.79.01.1001".into(), "33.16.02.2999".into()),
            ("/api/v1/grants/{id}/units", "/api/v1/grants/@REF/units".into(), json!({"name": "x", "region": "33.16.02.2001", "amount": "1"}), b.grant.to_string(), m.clone()),
            ("/api/v1/grants/{id}/units", format!("/api/v1/grants/{}/units", own.id), json!({"name": "y", "region": "@REF", "amount": "1"}), "35.79.01.1001".into(), "33.16.02.2999".into()),
            ("/api/v1/grants/{id}/tranches", "/api/v1/grants/@REF/tranches".into(), json!({"amount": "1", "planned_on": "2025-01-01"}), b.grant.to_string(), m.clone()),
            ("/api/v1/grants/{id}/works", "/api/v1/grants/@REF/works".into(), work(json!(own_unit.id), Value::Null), b.grant.to_string(), m.clone()),
            ("/api/v1/grants/{id}/works", format!("/api/v1/grants/{}/works", own.id), work(json!("@NUM"), Value::Null), b.unit.to_string(), m.clone()),
            ("/api/v1/grants/{id}/works", format!("/api/v1/grants/{}/works", own.id), work(json!(own_unit.id), json!("@NUM")), w.g_batu.to_string(), m.clone()),
            ("/api/v1/tranches/{id}/approve", "/api/v1/tranches/@REF/approve".into(), json!({"version": 1}), bt.clone(), m.clone()),
            ("/api/v1/tranches/{id}/receive", "/api/v1/tranches/@REF/receive".into(), json!({"version": 1}), bt, m.clone()),
            ("/api/v1/works/{id}/spending", "/api/v1/works/@REF/spending".into(), spend, bw.clone(), m.clone()),
            ("/api/v1/spending/{id}/reverse", "/api/v1/spending/@REF/reverse".into(), json!({"reason": "x"}), b.spending.to_string(), m.clone()),
            ("/api/v1/works/{id}/progress", "/api/v1/works/@REF/progress".into(), json!({"on": "2025-01-01", "percent": 1}), bw.clone(), m.clone()),
            ("/api/v1/works/{id}/handover", "/api/v1/works/@REF/handover".into(), json!({"keeper_group_id": w.g_own, "on": "2025-01-01", "version": 1}), bw.clone(), m.clone()),
            ("/api/v1/works/{id}/maintenance", "/api/v1/works/@REF/maintenance".into(), json!({"done_on": "2025-01-01", "condition": "good"}), bw, m.clone()),
            ("/api/v1/groups/{id}/book/entries", "/api/v1/groups/@REF/book/entries".into(), entry, w.g_batu.to_string(), m.clone()),
            ("/api/v1/groups/{id}/book/sales", "/api/v1/groups/@REF/book/sales".into(), sale, w.g_batu.to_string(), m.clone()),
            ("/api/v1/book-entries/{id}/reverse", "/api/v1/book-entries/@REF/reverse".into(), json!({"reason": "x"}), b.entry.to_string(), m.clone()),
            ("/api/v1/programs/{id}/cycles", "/api/v1/programs/@REF/cycles".into(), cycle("33.16.02.2001"), w.prog_batu.to_string(), m.clone()),
            ("/api/v1/programs/{id}/cycles", format!("/api/v1/programs/{}/cycles", w.prog_blora), cycle("@REF"), "35.79.01.1001".into(), "33.16.02.2999".into()),
            ("/api/v1/stages/{id}/activities", "/api/v1/stages/@REF/activities".into(), json!({"activity_id": 1}), b.stage.to_string(), m.clone()),
            ("/api/v1/stages/{id}/activities", format!("/api/v1/stages/{}/activities", own_stage), json!({"activity_id": "@NUM"}), b.activity.to_string(), m.clone()),
            ("/api/v1/programs/{id}/stage-model", "/api/v1/programs/@REF/stage-model".into(), model.clone(), w.prog_batu.to_string(), m.clone()),
            ("/api/v1/stages/{id}/move", "/api/v1/stages/@REF/move".into(), json!({"move": "start", "version": 1}), b.stage.to_string(), m.clone()),
            ("/api/v1/stages/{id}/milestones", "/api/v1/stages/@REF/milestones".into(), json!({"code": "kontak"}), b.stage.to_string(), m.clone()),
            ("/api/v1/programs/{id}/stakeholders", "/api/v1/programs/@REF/stakeholders".into(), json!({"name": "x", "sector": "other", "role": "funder"}), w.prog_batu.to_string(), m.clone()),
            ("/api/v1/stakeholders/{id}/contributions", "/api/v1/stakeholders/@REF/contributions".into(), contribution(Value::Null), b.stakeholder.to_string(), m.clone()),
            ("/api/v1/stakeholders/{id}/contributions", format!("/api/v1/stakeholders/{}/contributions", own_partner), contribution(json!("@NUM")), b.activity.to_string(), m.clone()),
            ("/api/v1/programs/{id}/indicators", "/api/v1/programs/@REF/indicators".into(), json!({"name": "x", "measure": "count", "subject": "group"}), w.prog_batu.to_string(), m.clone()),
            ("/api/v1/indicators/{id}/values", "/api/v1/indicators/@REF/values".into(), value(json!(w.h_assigned)), b.indicator.to_string(), m.clone()),
            ("/api/v1/indicators/{id}/values", format!("/api/v1/indicators/{}/values", own_indicator), value(json!("@NUM")), w.h_batu.to_string(), m.clone()),
            ("/api/v1/programs/{id}/slum-baselines", "/api/v1/programs/@REF/slum-baselines".into(), baseline("33.16.02.2001"), w.prog_batu.to_string(), m.clone()),
            ("/api/v1/programs/{id}/slum-baselines", format!("/api/v1/programs/{}/slum-baselines", w.prog_blora), baseline("@REF"), "35.79.01.1001".into(), "33.16.02.2999".into()),
        ];
        for (method, route) in PROBED_HERE {
            assert!(probes.iter().any(|(r, ..)| *r == route), "{method} {route} has no probe");
        }
        let mut wrong = Vec::new();
        for (_, path, body, hidden, missing) in &probes {
            let (hs, h) = probe(officer, &app, path, body, hidden).await;
            let (ms, mm) = probe(officer, &app, path, body, missing).await;
            if hs.is_success() {
                wrong.push(format!("{path} accepted an out-of-scope {hidden}: {h}"));
            } else if (hs, &h) != (ms, &mm) {
                wrong.push(format!("{path}: out of scope {hs} {h}\n   missing {ms} {mm}"));
            }
        }
        assert!(wrong.is_empty(), "references not resolved through the caller's scope:\n{}", wrong.join("\n"));
        // Nothing was written by any probe.
        assert_eq!(app.store.grant_report(b.grant).await.expect("report").works.len(), 1);
        assert_eq!(app.store.grant_report(own.id).await.expect("report").works.len(), 0);
        assert_eq!(app.store.program_grants(w.prog_blora).await.expect("grants").len(), 1);
        assert_eq!(app.store.program_cycles(w.prog_blora).await.expect("cycles").len(), 1);
        assert_eq!(app.store.stakeholders(w.prog_blora).await.expect("partners")[0].1.len(), 0);
        assert_eq!(app.store.outcomes(own_indicator).await.expect("values").len(), 0);
        assert_eq!(app.store.program_slum_baselines(w.prog_blora).await.expect("slums").len(), 0);
        // The community page and its workbook show the cycle, the stakeholder and the indicator.
        let html = officer.get(app.url(&format!("/programs/{}/community", w.prog_blora))).send().await.expect("page").text().await.expect("html");
        assert!(html.contains("Dusun Pilang") && html.contains("Dinsos") && html.contains("Warung"), "the community page lists its records");
        let x = officer.get(app.url(&format!("/programs/{}/community.xlsx", w.prog_blora))).send().await.expect("xlsx");
        assert_eq!(x.status().as_u16(), 200);
        assert!(x.bytes().await.expect("bytes").starts_with(b"PK"));
        assert_eq!(clients["officer"].get(app.url(&format!("/programs/{}/community.xlsx", w.prog_batu))).send().await.expect("xlsx").status().as_u16(), 404);
    }
}

async fn r_unit(app: &TestApp, grant: i64) -> i64 {
    app.store.units(grant).await.expect("units")[0].id
}
