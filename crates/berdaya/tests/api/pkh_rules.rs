//! PKH rules per program and year, the calculator page, and grievances and appeals over the
//! API and the pages: who may read and write them, documents refused with the field named,
//! an upheld appeal reinstating a terminated family, listings narrowed to the caller's
//! scope, and every id a write carries resolved through that scope.

use berdaya_domain::pkh::Period;
use berdaya_domain::pkh::family::NewFamily;
use berdaya_domain::pkh::rules::PkhRules;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::date;

use crate::access::{World, world};
use crate::backend_tests;
use crate::helpers::{TestApp, csrf_in};

const MISSING: i64 = 987_654;

/// Write routes of PKH rules and grievances that `scope.rs` leaves to this file's probes.
pub const PROBED_HERE: [(&str, &str); 5] = [
    ("put", "/api/v1/programs/{id}/pkh/rules/{year}"),
    ("post", "/api/v1/programs/{id}/pkh/grievances"),
    ("put", "/api/v1/pkh/grievances/{id}"),
    ("post", "/api/v1/pkh/grievances/{id}/decision"),
    ("post", "/api/v1/pkh/grievances/{id}/evidence"),
];

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

fn field_of(body: &Value, field: &str) -> bool {
    body["error"]["fields"].as_array().is_some_and(|f| f.iter().any(|x| x["field"] == field))
}

/// Families: the assigned and the other Blora households in the Blora PKH program, the Batu
/// household in the Batu program.
struct Families {
    assigned: i64,
    other: i64,
    batu: i64,
}

async fn families(app: &TestApp, w: &World) -> Families {
    let s = &*app.store;
    let enroll = |program, household| async move {
        s.enroll_pkh_family(
            program,
            &NewFamily {
                household_id: household,
                decile: Some(1),
                facilitator_id: None,
                enrolled_on: date!(2024 - 01 - 01),
            },
        )
        .await
        .expect("enroll")
        .id
    };
    Families {
        assigned: enroll(w.prog_blora, w.h_assigned).await,
        other: enroll(w.prog_blora, w.h_other).await,
        batu: enroll(w.prog_batu, w.h_batu).await,
    }
}

fn appeal(family: i64, period: Option<i64>) -> Value {
    json!({"family_id": family, "kind": "appeal", "channel": "pendamping", "category": "status",
        "description": "Anak sakit selama triwulan", "period_id": period, "received_on": "2025-10-06"})
}

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

backend_tests! {
    async fn pkh_rules_are_read_saved_checked_and_simulated(app: TestApp) {
        let (w, clients) = world(&app).await;
        let officer = &clients["officer"];
        let url = |p: &str| app.url(p);
        let rules_url = url(&format!("/api/v1/programs/{}/pkh/rules/2025", w.prog_blora));
        let (s, got) = get_json(officer, rules_url.clone()).await;
        assert_eq!(s, 200, "{got}");
        assert_eq!((got["stored"].clone(), got["version"].clone(), got["rules"]["year"].clone()), (json!(false), Value::Null, json!(2025)));
        let mut doc = serde_json::to_value(PkhRules::default_for(2025)).unwrap();
        doc["elderly_min_age"] = json!(70);
        let (s, saved) = send_json(officer, Method::PUT, rules_url.clone(), &json!({"version": null, "rules": doc})).await;
        assert_eq!(s, 200, "{saved}");
        assert_eq!((saved["stored"].clone(), saved["version"].clone()), (json!(true), json!(1)));
        assert_eq!(get_json(officer, rules_url.clone()).await.1["rules"]["elderly_min_age"], 70);
        // Broken documents name the field; a stale version is a conflict.
        let mut broken = doc.clone();
        broken["ladder"]["suspended_after"] = json!(0);
        let (s, body) = send_json(officer, Method::PUT, rules_url.clone(), &json!({"version": 1, "rules": broken})).await;
        assert!(s == 422 && field_of(&body, "ladder"), "{s} {body}");
        let mut other_year = doc.clone();
        other_year["year"] = json!(2024);
        let (s, body) = send_json(officer, Method::PUT, rules_url.clone(), &json!({"version": 1, "rules": other_year})).await;
        assert!(s == 422 && field_of(&body, "year"), "{s} {body}");
        let (s, body) = send_json(officer, Method::PUT, rules_url.clone(), &json!({"version": 1, "rules": {"year": 2025}})).await;
        assert!(s == 422 && field_of(&body, "rules"), "{s} {body}");
        assert_eq!(send_json(officer, Method::PUT, rules_url.clone(), &json!({"version": null, "rules": doc})).await.0, 409);
        // Who may: the facilitator reads but does not write; the viewer does not read; a
        // program outside the area is missing; a bad year is a 400.
        assert_eq!(get_json(&clients["fac"], rules_url.clone()).await.0, 200);
        assert_eq!(send_json(&clients["fac"], Method::PUT, rules_url.clone(), &json!({"version": 1, "rules": doc})).await.0, 403);
        assert_eq!(get_json(&clients["viewer"], rules_url.clone()).await.0, 403);
        assert_eq!(get_json(officer, url(&format!("/api/v1/programs/{}/pkh/rules/2025", w.prog_batu))).await.0, 404);
        assert_eq!(get_json(officer, url(&format!("/api/v1/programs/{}/pkh/rules/20x5", w.prog_blora))).await.0, 400);

        // The page: stored year, default year marked, the edit form for the officer only.
        let (s, html) = page(officer, url(&format!("/programs/{}/pkh/rules?year=2025", w.prog_blora))).await;
        assert_eq!(s, 200);
        assert!(html.contains("Disimpan oleh instansi") && html.contains("name=\"elderly_min_age\""), "{html}");
        let (s, html) = page(officer, url(&format!("/programs/{}/pkh/rules?year=2026", w.prog_blora))).await;
        assert!(s == 200 && html.contains("bawaan Berdaya"), "{html}");
        let (_, html) = page(&clients["fac"], url(&format!("/programs/{}/pkh/rules?year=2025", w.prog_blora))).await;
        assert!(!html.contains("name=\"elderly_min_age\""), "an edit form for one who may not edit");
        // The edit form: a bad number is shown beside its field; a good one saves.
        let (_, html) = page(officer, url(&format!("/programs/{}/pkh/rules?year=2025", w.prog_blora))).await;
        let csrf = csrf_in(&html).expect("csrf");
        let mut form: Vec<(String, String)> = vec![
            ("_csrf".into(), csrf.clone()), ("year".into(), "2025".into()), ("version".into(), "1".into()),
            ("max_counted".into(), "4".into()), ("elderly_min_age".into(), "70".into()),
            ("warning_after".into(), "1".into()), ("suspended_after".into(), "2".into()), ("terminated_after".into(), "3".into()),
            ("decile_min".into(), "1".into()), ("decile_max".into(), "2".into()),
            ("max_welfare_stage".into(), "sejahtera_1".into()), ("caseload_warning".into(), "300".into()),
        ];
        for c in ["ibu_hamil", "anak_usia_dini", "sd", "smp", "sma", "disabilitas_berat", "lansia"] {
            form.push((format!("annual_{c}"), if c == "sd" { "abc".into() } else { "1.000.000".into() }));
        }
        let post = url(&format!("/programs/{}/pkh/rules", w.prog_blora));
        let res = officer.post(post.clone()).form(&form).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.expect("html").contains("harus bilangan bulat"));
        for f in form.iter_mut().filter(|f| f.0 == "annual_sd") {
            f.1 = "950000".into();
        }
        let res = officer.post(post).form(&form).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let got = get_json(officer, rules_url.clone()).await.1;
        assert_eq!((got["version"].clone(), got["rules"]["caseload_warning"].clone()), (json!(2), json!(300)));
        assert_eq!(got["rules"]["components"][2], json!({"component": "sd", "annual": 950000}));
        // Copy to the next year.
        let res = officer.post(url(&format!("/programs/{}/pkh/rules/copy", w.prog_blora)))
            .form(&[("_csrf", csrf.as_str()), ("year", "2025"), ("to_year", "2026")]).send().await.expect("copy");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let next = get_json(officer, url(&format!("/api/v1/programs/{}/pkh/rules/2026", w.prog_blora))).await.1;
        assert_eq!((next["stored"].clone(), next["rules"]["caseload_warning"].clone()), (json!(true), json!(300)));
        // The JSON download.
        let res = officer.get(url(&format!("/programs/{}/pkh/rules/2025/download", w.prog_blora))).send().await.expect("dl");
        assert_eq!(res.status(), StatusCode::OK);
        let dl: Value = res.json().await.expect("json");
        assert_eq!(dl["year"], 2025);

        // The calculator under the program's stored rules of the year (SD 950,000).
        let sim = url(&format!("/programs/{}/pkh/simulate", w.prog_blora));
        let (s, html) = page(officer, sim.clone()).await;
        assert_eq!(s, 200);
        let csrf = csrf_in(&html).expect("csrf");
        let members = "family,person,birth_date,pregnant,school,disability\nKPM-9,Budi,2015-01-01,0,sd,none\n";
        let res = officer.post(sim.clone()).form(&[("_csrf", csrf.as_str()), ("on", "2025-07-01"), ("members", members)])
            .send().await.expect("simulate");
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.expect("html");
        assert!(html.contains("KPM-9") && html.contains("Rp 950.000") && html.contains("237.500"), "{html}");
        let bad = "family,person,birth_date,pregnant,school,disability\nKPM-9,Budi,2015-01-01,0,college,none\n";
        let res = officer.post(sim).form(&[("_csrf", csrf.as_str()), ("on", "2025-07-01"), ("members", bad)])
            .send().await.expect("simulate");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.expect("html").contains("`college`"));
    }

    async fn pkh_appeals_reinstate_and_grievances_stay_in_scope(app: TestApp) {
        let (w, clients) = world(&app).await;
        let f = families(&app, &w).await;
        let s = &*app.store;
        let mut last = None;
        for p in ["2025-1", "2025-2", "2025-3"] {
            let period = s.open_pkh_period(w.prog_blora, Period::parse(p).unwrap()).await.expect("open");
            s.close_pkh_period(period.id, None).await.expect("close");
            last = Some(period.id);
        }
        assert_eq!(s.pkh_family(f.assigned).await.expect("family").status.code(), "terminated");
        let officer = &clients["officer"];
        let url = |p: &str| app.url(p);
        let list = url(&format!("/api/v1/programs/{}/pkh/grievances", w.prog_blora));
        let (st, g) = send_json(officer, Method::POST, list.clone(), &appeal(f.assigned, last)).await;
        assert_eq!(st, 201, "{g}");
        assert_eq!((g["status"].clone(), g["deadline"].clone(), g["family_status"].clone()), (json!("received"), json!("2025-10-20"), json!("terminated")));
        let decide = url(&format!("/api/v1/pkh/grievances/{}/decision", g["id"]));
        let (st, body) = send_json(officer, Method::POST, decide.clone(), &json!({"status": "upheld", "version": 1})).await;
        assert!(st == 422 && field_of(&body, "reason"), "{st} {body}");
        let (st, body) = send_json(officer, Method::POST, decide.clone(),
            &json!({"status": "upheld", "reason": "Surat keterangan sakit dari puskesmas", "version": 1})).await;
        assert_eq!(st, 200, "{body}");
        assert_eq!((body["reinstated"].clone(), body["family_status"].clone()), (json!(true), json!("active")));
        let fam = s.pkh_family(f.assigned).await.expect("family");
        assert_eq!((fam.status.code(), fam.consecutive), ("active", 0));
        assert_eq!(send_json(officer, Method::POST, decide, &json!({"status": "closed", "reason": "x", "version": 2})).await.0, 422);
        // A complaint about the other family, and the listings.
        let complaint = json!({"family_id": f.other, "kind": "complaint", "channel": "office", "category": "payment",
            "description": "Bantuan tahap III belum diterima", "received_on": "2025-10-01"});
        let (st, c) = send_json(officer, Method::POST, list.clone(), &complaint).await;
        assert_eq!(st, 201, "{c}");
        let ids = |v: &Value| v.as_array().expect("list").iter().map(|x| x["id"].as_i64().unwrap()).collect::<Vec<_>>();
        let (_, all) = get_json(officer, list.clone()).await;
        assert_eq!(ids(&all), [g["id"].as_i64().unwrap(), c["id"].as_i64().unwrap()]);
        assert_eq!(ids(&get_json(officer, format!("{list}?status=upheld")).await.1), [g["id"].as_i64().unwrap()]);
        assert_eq!(ids(&get_json(officer, format!("{list}?overdue=true")).await.1), [c["id"].as_i64().unwrap()]);
        assert_eq!(get_json(officer, format!("{list}?status=lost")).await.0, 400);
        // The facilitator sees the assigned family's grievance only, and writes none.
        let fac = &clients["fac"];
        assert_eq!(ids(&get_json(fac, list.clone()).await.1), [g["id"].as_i64().unwrap()]);
        assert_eq!(get_json(fac, url(&format!("/api/v1/pkh/grievances/{}", c["id"]))).await.0, 404);
        assert_eq!(send_json(fac, Method::POST, list.clone(), &complaint).await.0, 403);
        assert_eq!(get_json(&clients["viewer"], list.clone()).await.0, 403);
        assert_eq!(get_json(&clients["eva"], list.clone()).await.0, 403);

        // Pages: the list with the new form, a grievance recorded through the household
        // picker, its page with the decision form; a household outside the area refused.
        let pages = url(&format!("/programs/{}/pkh/grievances", w.prog_blora));
        let (st, html) = page(officer, pages.clone()).await;
        assert!(st == 200 && html.contains("Dikabulkan") && html.contains("name=\"household_id\""), "{html}");
        let csrf = csrf_in(&html).expect("csrf");
        let form = |household: i64| vec![
            ("_csrf", csrf.clone()), ("household_id", household.to_string()), ("kind", "complaint".into()),
            ("channel", "hotline".into()), ("category", "data".into()), ("description", "Nama anak salah".into()),
            ("period", String::new()), ("received_on", "2025-11-01".into()), ("deadline", String::new()),
        ];
        let res = officer.post(pages.clone()).form(&form(w.h_batu)).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = officer.post(pages.clone()).form(&form(w.h_other)).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = res.headers()["location"].to_str().expect("location").to_string();
        let (st, html) = page(officer, url(&to)).await;
        assert!(st == 200 && html.contains("Nama anak salah") && html.contains("name=\"reason\""), "{html}");
        let (st, html) = page(fac, url(&format!("/pkh/grievances/{}", g["id"]))).await;
        assert!(st == 200 && html.contains("dipulihkan") && !html.contains("name=\"reason\""), "{html}");

        // Evidence: the officer attaches the clinic's letter (a PDF) through the API and a
        // photo through the page; the facilitator reads them but attaches none; a grievance
        // out of scope reads like a missing one; a file that is not a document is refused.
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let part = |name: &str, bytes: Vec<u8>| reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        let evidence = url(&format!("/api/v1/pkh/grievances/{}/evidence", g["id"]));
        let res = officer.post(&evidence).multipart(part("surat-puskesmas.pdf", pdf.clone())).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::CREATED);
        let made: Value = res.json().await.expect("json");
        assert_eq!((made["entity"].clone(), made["content_type"].clone()), (json!("pkh_grievance"), json!("application/pdf")));
        let res = officer.post(&evidence).header("accept-language", "id").multipart(part("catatan.exe", b"MZ\x90\x00".to_vec())).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let refused: Value = res.json().await.expect("json");
        assert_eq!(refused["error"]["fields"][0]["field"], "file", "{refused}");
        assert_eq!(fac.post(&evidence).multipart(part("x.pdf", pdf.clone())).send().await.expect("post").status(), StatusCode::FORBIDDEN);
        let (st, files) = get_json(fac, evidence.clone()).await;
        assert_eq!(st, 200, "{files}");
        assert_eq!(files.as_array().map(Vec::len), Some(1));
        let href = files[0]["href"].as_str().expect("href").to_string();
        let res = fac.get(url(&href)).send().await.expect("download");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.expect("bytes").to_vec(), pdf);
        let hidden = officer.post(url(&format!("/api/v1/pkh/grievances/{}/evidence", c["id"]))).multipart(part("x.pdf", pdf.clone())).send().await.expect("post");
        assert_eq!(hidden.status(), StatusCode::CREATED, "the officer's own complaint takes evidence");
        let fac_hidden = get_json(fac, url(&format!("/api/v1/pkh/grievances/{}/evidence", c["id"]))).await;
        let fac_missing = get_json(fac, url(&format!("/api/v1/pkh/grievances/{MISSING}/evidence"))).await;
        assert_eq!(fac_hidden.0, 404);
        assert_eq!(fac_hidden.1["error"]["fields"], fac_missing.1["error"]["fields"]);
        let png = b"\x89PNG\r\n\x1a\n0000IHDR".to_vec();
        let upload_page = url(&format!("/pkh/grievances/{}/evidence", g["id"]));
        let (st, html) = page(officer, upload_page.clone()).await;
        assert!(st == 200 && html.contains("type=\"file\""), "{html}");
        let res = officer.post(&upload_page).multipart(part("rumah.png", png)).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (st, html) = page(officer, url(&format!("/pkh/grievances/{}", g["id"]))).await;
        assert!(st == 200 && html.contains("Bukti") && html.contains("surat-puskesmas.pdf") && html.contains("rumah.png"), "{html}");
        let (_, html) = page(fac, url(&format!("/pkh/grievances/{}", g["id"]))).await;
        assert!(html.contains("surat-puskesmas.pdf") && !html.contains(&format!("/pkh/grievances/{}/evidence", g["id"])), "the facilitator reads, uploads nothing");
    }

    async fn every_id_a_pkh_rules_write_carries_is_scoped(app: TestApp) {
        let (w, clients) = world(&app).await;
        let f = families(&app, &w).await;
        let s = &*app.store;
        let officer = &clients["officer"];
        let batu_period = s.open_pkh_period(w.prog_batu, Period::parse("2025-1").unwrap()).await.expect("period");
        let new = |family: i64| berdaya_domain::pkh::grievance::NewGrievance {
            family_id: family,
            kind: berdaya_domain::pkh::grievance::GrievanceKind::Complaint,
            channel: berdaya_domain::pkh::grievance::Channel::Office,
            category: berdaya_domain::pkh::grievance::Category::Payment,
            description: "x".into(),
            period_id: None,
            received_on: date!(2025 - 01 - 10),
            deadline: date!(2025 - 01 - 24),
        };
        let g_batu = s.create_pkh_grievance(&new(f.batu)).await.expect("batu").id;
        let g_open = s.create_pkh_grievance(&new(f.other)).await.expect("open").id;
        let m = MISSING.to_string();
        let rules = serde_json::to_value(PkhRules::default_for(2025)).unwrap();
        let body = |family: Value, period: Value| json!({"family_id": family, "kind": "complaint", "channel": "office",
            "category": "payment", "description": "x", "period_id": period, "received_on": "2025-01-10"});
        let versioned = |mut v: Value| {
            v["version"] = json!(1);
            v
        };
        let blora = w.prog_blora;
        type P = (&'static str, Method, String, Option<Value>, String);
        let probes: Vec<P> = vec![
            (PROBED_HERE[0].1, Method::PUT, "/api/v1/programs/@REF/pkh/rules/2025".into(), Some(json!({"version": null, "rules": rules})), w.prog_batu.to_string()),
            (PROBED_HERE[1].1, Method::POST, "/api/v1/programs/@REF/pkh/grievances".into(), Some(body(json!(f.assigned), Value::Null)), w.prog_batu.to_string()),
            (PROBED_HERE[1].1, Method::POST, format!("/api/v1/programs/{blora}/pkh/grievances"), Some(body(json!("@NUM"), Value::Null)), f.batu.to_string()),
            (PROBED_HERE[1].1, Method::POST, format!("/api/v1/programs/{blora}/pkh/grievances"), Some(body(json!(f.assigned), json!("@NUM"))), batu_period.id.to_string()),
            (PROBED_HERE[2].1, Method::PUT, "/api/v1/pkh/grievances/@REF".into(), Some(versioned(body(json!(f.batu), Value::Null))), g_batu.to_string()),
            (PROBED_HERE[2].1, Method::PUT, format!("/api/v1/pkh/grievances/{g_open}"), Some(versioned(body(json!("@NUM"), Value::Null))), f.batu.to_string()),
            (PROBED_HERE[2].1, Method::PUT, format!("/api/v1/pkh/grievances/{g_open}"), Some(versioned(body(json!(f.other), json!("@NUM")))), batu_period.id.to_string()),
            (PROBED_HERE[3].1, Method::POST, "/api/v1/pkh/grievances/@REF/decision".into(), Some(json!({"status": "rejected", "reason": "x", "version": 1})), g_batu.to_string()),
            (PROBED_HERE[4].1, Method::POST, "/api/v1/pkh/grievances/@REF/evidence".into(), Some(json!({})), g_batu.to_string()),
        ];
        for (method, route) in PROBED_HERE {
            let hit = probes.iter().any(|(r, m, ..)| *r == route && m.as_str().eq_ignore_ascii_case(method));
            assert!(hit, "{method} {route} has no probe");
        }
        let mut wrong = Vec::new();
        for (_, method, path, body, hidden) in &probes {
            let (hs, h) = probe(officer, &app, method.clone(), path, body, hidden).await;
            let (ms, mm) = probe(officer, &app, method.clone(), path, body, &m).await;
            if hs.is_success() {
                wrong.push(format!("{method} {path} accepted an out-of-scope {hidden}: {h}"));
            } else if (hs, &h) != (ms, &mm) {
                wrong.push(format!("{method} {path}: out of scope {hs} {h}\n   missing {ms} {mm}"));
            }
        }
        assert!(wrong.is_empty(), "references not resolved through the caller's scope:\n{}", wrong.join("\n"));
        // Nothing was written by any probe.
        assert_eq!(s.pkh_grievance(g_batu).await.expect("batu").grievance.version, 1);
        assert_eq!(s.pkh_grievance(g_open).await.expect("open").grievance.version, 1);
        assert_eq!(s.pkh_rules(w.prog_batu, 2025).await.expect("rules").version, None);
    }
}
