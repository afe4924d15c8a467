//! PKH stage payments and caseloads over the API and in the pages: building a stage's list,
//! freezing it, the export for the bank (full KK for the officer, masked on screen), the
//! bank's results refused whole on one bad row (row and column named, in Indonesian) then
//! recorded, the reconciliation, bulk assignment to a facilitator and the caseload report,
//! and every id resolved through the caller's scope (out of scope answers like missing).

use berdaya_domain::pkh::family::NewFamily;
use berdaya_domain::registry::{Id, PersonDraft};
use serde_json::{Value, json};
use time::macros::date;

use crate::access::world;
use crate::backend_tests;
use crate::helpers::TestApp;

const MISSING: Id = 987_654;

/// Probed here rather than in scope.rs: every write route of this part.
pub const PROBED_HERE: [(&str, &str); 4] = [
    ("post", "/api/v1/programs/{id}/pkh/payment-lists"),
    ("post", "/api/v1/pkh/payment-lists/{id}/freeze"),
    ("post", "/api/v1/pkh/payment-lists/{id}/results"),
    ("post", "/api/v1/programs/{id}/pkh/caseload/assign"),
];

async fn get_json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_json(client: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    let res = client.post(url).json(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_bytes(client: &reqwest::Client, url: String, body: Vec<u8>) -> (u16, Value) {
    let res = client.post(url).header("content-type", "text/csv").body(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// An elder (born 1950: `lansia`, Rp 600,000 a stage) in the household, and the household
/// enrolled in the program.
async fn family(app: &TestApp, program: Id, household: Id, nik: &str, name: &str) -> Id {
    let p = PersonDraft {
        nik: nik.into(),
        household_id: Some(household.to_string()),
        name: name.into(),
        sex: "female".into(),
        birth_date: "1950-01-01".into(),
        relation: "parent".into(),
        education: "sd".into(),
        occupation: None,
        disability: "none".into(),
    };
    app.store.create_person(&p.parse().expect("person")).await.expect("elder");
    let f = NewFamily {
        household_id: household,
        decile: Some(1),
        facilitator_id: None,
        enrolled_on: date!(2025 - 01 - 02),
    };
    app.store.enroll_pkh_family(program, &f).await.expect("enroll").id
}

backend_tests! {
    async fn payment_lists_results_and_caseloads(app: TestApp) {
        let (w, clients) = world(&app).await;
        let officer = &clients["officer"];
        let fac = &clients["fac"];
        let viewer = &clients["viewer"];
        let (s, _) = get_json(viewer, app.url(&format!("/api/v1/programs/{}/pkh/payment-lists", w.prog_blora))).await;
        assert_eq!(s, 403, "a viewer reads no program");
        let f1 = family(&app, w.prog_blora, w.h_assigned, "3316024101500001", "Mbah Sukini").await;
        let f2 = family(&app, w.prog_blora, w.h_other, "3316024101500002", "Mbah Painem").await;

        // Build stage I of 2026: both families, Rp 600,000 each.
        let lists = app.url(&format!("/api/v1/programs/{}/pkh/payment-lists", w.prog_blora));
        let (s, list) = post_json(officer, lists.clone(), &json!({"year": 2026, "stage": 1})).await;
        assert_eq!(s, 201, "{list}");
        assert_eq!((list["families"].as_i64(), list["total"].as_i64()), (Some(2), Some(1_200_000)));
        assert_eq!(list["status"], "draft");
        let id = list["id"].as_i64().expect("id");
        let (s, bad) = post_json(officer, lists.clone(), &json!({"year": "dua ribu", "stage": "x"})).await;
        assert_eq!(s, 422, "{bad}");
        let fields: Vec<&str> = bad["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
        assert_eq!(fields, vec!["year", "stage"]);
        // Only officers of the program's agency build; others are refused, out of scope is missing.
        let (s, _) = post_json(fac, lists.clone(), &json!({"year": 2026, "stage": 1})).await;
        assert_eq!(s, 403);
        let (s, _) = post_json(officer, app.url(&format!("/api/v1/programs/{}/pkh/payment-lists", w.prog_batu)), &json!({"year": 2026, "stage": 1})).await;
        assert_eq!(s, 404);
        let (s, _) = post_json(officer, app.url(&format!("/api/v1/programs/{MISSING}/pkh/payment-lists")), &json!({"year": 2026, "stage": 1})).await;
        assert_eq!(s, 404);

        // Lines: KK masked for the facilitator, whole for the officer.
        let (s, lines) = get_json(fac, app.url(&format!("/api/v1/pkh/payment-lists/{id}/lines"))).await;
        assert_eq!(s, 200, "{lines}");
        assert!(lines[0]["kk"].as_str().unwrap_or_default().contains('•'), "{lines}");
        let (_, lines) = get_json(officer, app.url(&format!("/api/v1/pkh/payment-lists/{id}/lines"))).await;
        assert_eq!(lines[0]["kk"], w.kk_assigned);
        assert_eq!(lines[0]["recipient"], "Slamet Riyadi");
        assert_eq!(lines[0]["components"], json!(["lansia"]));
        assert_eq!(lines[0]["amount"], 600_000);
        let line1 = lines[0]["id"].as_i64().expect("line id");
        assert_eq!(lines[0]["family_id"], f1);
        assert_eq!(lines[1]["family_id"], f2);

        // Results only on a frozen list.
        let results = app.url(&format!("/api/v1/pkh/payment-lists/{id}/results"));
        let csv = format!("line,kk,status,reason,paid_on\n{line1},,paid,,2026-03-10\n,3316020101200002,failed,rekening tidak aktif,\n");
        let (s, body) = post_bytes(officer, results.clone(), csv.clone().into_bytes()).await;
        assert_eq!(s, 422, "{body}");
        let freeze = app.url(&format!("/api/v1/pkh/payment-lists/{id}/freeze"));
        let (s, body) = post_json(officer, freeze.clone(), &json!({"version": list["version"].as_i64().unwrap_or(0) - 1})).await;
        assert_eq!(s, 409, "{body}");
        let (s, _) = post_json(fac, freeze.clone(), &json!({"version": list["version"]})).await;
        assert_eq!(s, 403);
        let (s, frozen) = post_json(officer, freeze.clone(), &json!({"version": list["version"]})).await;
        assert_eq!(s, 200, "{frozen}");
        assert_eq!(frozen["status"], "frozen");
        let (s, _) = post_json(officer, lists.clone(), &json!({"year": 2026, "stage": 1})).await;
        assert_eq!(s, 422, "a frozen list is not rebuilt");

        // One bad row refuses the file, naming row and column in Indonesian; nothing changes.
        let broken = format!("line,kk,status,reason,paid_on\n{line1},,paid,,2026-03-10\n,3316020101200002,failed,,\n");
        let (s, body) = post_bytes(officer, results.clone(), broken.into_bytes()).await;
        assert_eq!(s, 422, "{body}");
        let text = body["error"]["fields"][0]["text"].as_str().unwrap_or_default().to_string();
        assert!(text.contains("baris 3") && text.contains("reason") && text.contains("wajib diisi bila penyaluran gagal"), "{text}");
        let (_, after) = get_json(officer, app.url(&format!("/api/v1/pkh/payment-lists/{id}/lines"))).await;
        assert!(after.as_array().expect("lines").iter().all(|l| l["result"] == "pending"), "{after}");
        // The list's page takes the file as an upload: a bad one re-renders the form with the
        // row named in Indonesian (422), nothing recorded.
        let page = app.url(&format!("/pkh/payment-lists/{id}/results"));
        let upload = |bytes: Vec<u8>| reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("hasil.csv"));
        let html = officer.get(app.url(&format!("/pkh/payment-lists/{id}"))).send().await.expect("get").text().await.expect("html");
        assert!(html.contains("enctype=\"multipart/form-data\"") && html.contains("type=\"file\""), "the results form uploads a file");
        let bad = format!("line,kk,status,reason,paid_on\n{line1},,lost,,\n");
        let res = officer.post(&page).header("accept-language", "id").multipart(upload(bad.into_bytes())).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 422);
        let html = res.text().await.expect("html");
        assert!(html.contains("baris 2") && html.contains("harus paid atau failed"), "{html}");
        let (_, after) = get_json(officer, app.url(&format!("/api/v1/pkh/payment-lists/{id}/lines"))).await;
        assert!(after.as_array().expect("lines").iter().all(|l| l["result"] == "pending"), "{after}");
        let (s, body) = post_bytes(officer, results.clone(), csv.into_bytes()).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["updated"], 2);

        // The reconciliation.
        let (s, detail) = get_json(fac, app.url(&format!("/api/v1/pkh/payment-lists/{id}"))).await;
        assert_eq!(s, 200, "{detail}");
        let total = &detail["reconciliation"]["total"];
        assert_eq!((total["paid_amount"].as_i64(), total["failed_amount"].as_i64(), total["issued_amount"].as_i64()), (Some(600_000), Some(600_000), Some(1_200_000)));
        let villages: Vec<&str> = detail["reconciliation"]["by_village"].as_array().expect("villages").iter().filter_map(|v| v["name"].as_str()).collect();
        assert_eq!(villages, vec!["Kutukan", "Pilang"]);
        let (s, _) = get_json(officer, app.url(&format!("/api/v1/pkh/payment-lists/{MISSING}"))).await;
        assert_eq!(s, 404);

        // Exports for the officer only, with the whole KK.
        let res = officer.get(app.url(&format!("/pkh/payment-lists/{id}/export.csv"))).send().await.expect("csv");
        assert_eq!(res.status().as_u16(), 200);
        let body = res.text().await.expect("body");
        assert!(body.contains(&w.kk_assigned) && body.contains("rekening tidak aktif"), "{body}");
        let res = officer.get(app.url(&format!("/pkh/payment-lists/{id}/export.xlsx"))).send().await.expect("xlsx");
        assert_eq!(res.status().as_u16(), 200);
        assert!(res.bytes().await.expect("bytes").starts_with(b"PK"));
        let res = fac.get(app.url(&format!("/pkh/payment-lists/{id}/export.csv"))).send().await.expect("csv");
        assert_eq!(res.status().as_u16(), 403);

        // Pages.
        for path in [format!("/programs/{}/pkh/payments", w.prog_blora), format!("/pkh/payment-lists/{id}"), format!("/programs/{}/pkh/caseload", w.prog_blora)] {
            let res = officer.get(app.url(&path)).send().await.expect("page");
            assert_eq!(res.status().as_u16(), 200, "{path}");
            let html = res.text().await.expect("html");
            assert!(!html.contains("pkh_pay.") && !html.contains("pkh_case."), "untranslated key on {path}");
        }
        let res = officer.get(app.url(&format!("/pkh/payment-lists/{id}"))).send().await.expect("page");
        assert!(res.text().await.expect("html").contains("Rp 1.200.000"));

        // Caseloads: the officer gives both families to the facilitator.
        let fac_id = app.store.users().await.expect("users").into_iter().find(|u| u.username.as_str() == "fac").expect("fac").id;
        let assign = app.url(&format!("/api/v1/programs/{}/pkh/caseload/assign", w.prog_blora));
        let (s, body) = post_json(officer, assign.clone(), &json!({"facilitator_id": fac_id, "household_ids": [w.h_assigned, w.h_batu]})).await;
        assert_eq!(s, 422, "a household out of scope reads as missing: {body}");
        assert_eq!(body["error"]["fields"][0]["field"], "household_ids");
        let (s, body) = post_json(officer, assign.clone(), &json!({"facilitator_id": fac_id, "household_ids": [w.h_assigned, w.h_other]})).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["assigned"], 2);
        let (s, _) = post_json(fac, assign.clone(), &json!({"facilitator_id": fac_id, "household_ids": [w.h_assigned]})).await;
        assert_eq!(s, 403);
        // The facilitator may now open the other household too.
        let res = fac.get(app.url(&format!("/households/{}", w.h_other))).send().await.expect("household");
        assert_eq!(res.status().as_u16(), 200);
        let (s, report) = get_json(officer, app.url(&format!("/api/v1/programs/{}/pkh/caseload", w.prog_blora))).await;
        assert_eq!(s, 200, "{report}");
        let row = report["by_facilitator"].as_array().expect("rows").iter().find(|r| r["key"] == json!(fac_id.to_string())).cloned().expect("facilitator row");
        assert_eq!((row["families"].as_i64(), row["components"].as_i64(), row["over_limit"].as_bool()), (Some(2), Some(2), Some(false)));
        assert_eq!(report["limit"], 250);
        let res = officer.get(app.url(&format!("/programs/{}/pkh/caseload/export.xlsx", w.prog_blora))).send().await.expect("xlsx");
        assert_eq!(res.status().as_u16(), 200);
        let (s, _) = get_json(officer, app.url(&format!("/api/v1/programs/{}/pkh/caseload", w.prog_batu))).await;
        assert_eq!(s, 404);
    }
}
