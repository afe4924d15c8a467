//! PKH families and verification over the API and in the pages: enrollment of DTKS
//! households only, facts by the family's facilitator, components with their reasons, every
//! id a write carries resolved through the caller's scope (out of scope answers exactly like
//! missing), compliance recorded by the facilitator, a close only by the program's officer
//! and only when confirmed, the frozen period refusing writes in Indonesian, and the family
//! page, periods page, task list and household panel.

use berdaya_domain::registry::{HouseholdDraft, Id};
use serde_json::{Value, json};

use crate::access::world;
use crate::backend_tests;
use crate::helpers::csrf_in;

const MISSING: Id = 987_654;

/// Probed here rather than in scope.rs: every write route of families and verification (body
/// ids: household, facilitator, person, family; path ids: program, family, period).
pub const PROBED_HERE: [(&str, &str); 5] = [
    ("post", "/api/v1/programs/{id}/pkh/families"),
    ("post", "/api/v1/programs/{id}/pkh/families/{fid}/facts"),
    ("post", "/api/v1/programs/{id}/pkh/periods"),
    ("post", "/api/v1/pkh/periods/{id}/compliance"),
    ("post", "/api/v1/pkh/periods/{id}/close"),
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

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// Whether two refusals are the same but for the id each names.
fn same_refusal(hidden: &Value, hidden_id: Id, missing: &Value) -> bool {
    hidden["error"]["fields"].to_string().replace(&hidden_id.to_string(), "#")
        == missing["error"]["fields"].to_string().replace(&MISSING.to_string(), "#")
}

fn field_of(body: &Value) -> String {
    body["error"]["fields"][0]["field"].as_str().unwrap_or_default().to_string()
}

backend_tests! {
    async fn pkh_families_facts_and_verification(app: TestApp) {
        let (w, clients) = world(&app).await;
        let (officer, fac) = (&clients["officer"], &clients["fac"]);
        let users = app.store.users().await.expect("users");
        let fac_id = users.iter().find(|u| u.username.as_str() == "fac").expect("fac").id;
        let families = app.url(&format!("/api/v1/programs/{}/pkh/families", w.prog_blora));

        // Enrollment: by the officer; a household outside the area answers like a missing one;
        // a household not in DTKS is refused on its field.
        let body = |h: Id| json!({"household_id": h, "decile": 1, "facilitator_id": fac_id, "enrolled_on": "2024-12-01"});
        let (s, refused) = post_json(fac, families.clone(), &body(w.h_assigned)).await;
        assert_eq!(s, 403, "{refused}");
        let hidden = post_json(officer, families.clone(), &body(w.h_batu)).await;
        let missing = post_json(officer, families.clone(), &body(MISSING)).await;
        assert_eq!(hidden.0, 422, "{}", hidden.1);
        assert!(same_refusal(&hidden.1, w.h_batu, &missing.1), "{} / {}", hidden.1, missing.1);
        let mut draft = HouseholdDraft {
            kk: "3316020101200009".into(),
            address: "Jl. Uji Non DTKS".into(),
            region: "33.16.02.2001".into(),
            welfare_stage: "pra_sejahtera".into(),
            dtks_listed: false,
            dtks_since: None,
        };
        let outside_dtks = app.store.create_household(&draft.parse().expect("household")).await.expect("create").id;
        let (s, body_dtks) = post_json(officer, families.clone(), &body(outside_dtks)).await;
        assert_eq!((s, field_of(&body_dtks)), (422, "household_id".to_string()), "{body_dtks}");
        assert!(body_dtks["error"]["fields"][0]["text"].as_str().unwrap_or_default().contains("DTKS"), "{body_dtks}");
        draft.kk = "3316020101200010".into();
        let (s, fam) = post_json(officer, families.clone(), &body(w.h_assigned)).await;
        assert_eq!(s, 201, "{fam}");
        let fid = fam["id"].as_i64().expect("family id");
        assert_eq!(fam["status"], "active");
        assert!(fam["kk"].as_str().unwrap_or_default().contains('•'), "the KK is masked: {fam}");
        let (s, other) = post_json(officer, families.clone(), &json!({"household_id": w.h_other, "enrolled_on": "2024-12-01"})).await;
        assert_eq!(s, 201, "{other}");
        let other_id = other["id"].as_i64().expect("id");

        // The facilitator sees their family, not the other one (answered like a missing one).
        let one = |id: Id| app.url(&format!("/api/v1/programs/{}/pkh/families/{id}", w.prog_blora));
        assert_eq!(get_json(fac, one(fid)).await.0, 200);
        let (hs, hb) = get_json(fac, one(other_id)).await;
        let (ms, mb) = get_json(fac, one(MISSING)).await;
        assert_eq!((hs, &hb), (ms, &mb));
        let (_, listed) = get_json(fac, families.clone()).await;
        assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "{listed}");

        // Facts: the facilitator records a severe disability; the components follow with reasons.
        let facts = |id: Id| app.url(&format!("/api/v1/programs/{}/pkh/families/{id}/facts", w.prog_blora));
        let fact = json!({"person_id": w.p_assigned, "kind": "disability", "starts_on": "2024-12-01"});
        let (s, made) = post_json(fac, facts(fid), &fact).await;
        assert_eq!(s, 201, "{made}");
        let stranger = json!({"person_id": w.p_other, "kind": "disability", "starts_on": "2024-12-01"});
        let (s, b) = post_json(fac, facts(fid), &stranger).await;
        assert_eq!((s, field_of(&b)), (422, "person_id".to_string()), "{b}");
        let (ms, mb) = post_json(fac, facts(fid), &json!({"person_id": MISSING, "kind": "disability", "starts_on": "2024-12-01"})).await;
        assert!(ms == s && same_refusal(&b, w.p_other, &mb), "a person out of the family reads like a missing one: {b} / {mb}");
        let (s, b) = post_json(fac, facts(fid), &json!({"person_id": w.p_assigned, "kind": "school", "starts_on": "2024-07-15"})).await;
        assert_eq!((s, field_of(&b)), (422, "level".to_string()), "{b}");
        let (s, b) = post_json(fac, facts(other_id), &fact).await;
        assert_eq!(s, 404, "a family out of scope is missing: {b}");
        let (_, detail) = get_json(fac, format!("{}?on=2025-03-31", one(fid))).await;
        assert_eq!(detail["benefit"]["annual"], 2_400_000, "{detail}");
        assert_eq!(detail["benefit"]["per_stage"], json!([600_000, 600_000, 600_000, 600_000]));
        assert_eq!(detail["benefit"]["lines"][0]["component"], "disabilitas_berat");
        let (s, _) = get_json(fac, format!("{}?on=31-03-2025", one(fid))).await;
        assert_eq!(s, 400);

        // Verification: the officer opens 2025-1; the facilitator records; only the officer closes.
        let (s, p) = post_json(officer, app.url(&format!("/api/v1/programs/{}/pkh/periods", w.prog_blora)), &json!({"period": "2025-1"})).await;
        assert_eq!(s, 201, "{p}");
        let pid = p["id"].as_i64().expect("period id");
        let (s, b) = post_json(fac, app.url(&format!("/api/v1/programs/{}/pkh/periods", w.prog_blora)), &json!({"period": "2025-2"})).await;
        assert_eq!(s, 403, "{b}");
        let record = app.url(&format!("/api/v1/pkh/periods/{pid}/compliance"));
        let entries = |f: Id, ok: bool| json!({"entries": [
            {"family_id": f, "person_id": w.p_assigned, "obligation": "welfare_visit", "compliant": ok},
            {"family_id": f, "person_id": null, "obligation": "p2k2", "compliant": true}
        ]});
        let (s, b) = post_json(fac, record.clone(), &entries(fid, false)).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["written"], 2);
        let hidden = post_json(fac, record.clone(), &json!({"entries": [{"family_id": other_id, "obligation": "p2k2", "compliant": true}]})).await;
        let missing = post_json(fac, record.clone(), &json!({"entries": [{"family_id": MISSING, "obligation": "p2k2", "compliant": true}]})).await;
        assert_eq!(hidden.0, 422, "{}", hidden.1);
        assert!(same_refusal(&hidden.1, other_id, &missing.1), "{} / {}", hidden.1, missing.1);
        let close = app.url(&format!("/api/v1/pkh/periods/{pid}/close"));
        // Path ids out of the caller's scope read like missing ones: another province's
        // program and its period.
        let batu_period = app.store.open_pkh_period(w.prog_batu, berdaya_domain::pkh::Period::parse("2025-1").expect("period")).await.expect("batu period");
        for (hidden, missing, body) in [
            (format!("/api/v1/programs/{}/pkh/periods", w.prog_batu), format!("/api/v1/programs/{MISSING}/pkh/periods"), json!({"period": "2025-2"})),
            (format!("/api/v1/pkh/periods/{}/close", batu_period.id), format!("/api/v1/pkh/periods/{MISSING}/close"), json!({"confirm": true})),
            (format!("/api/v1/pkh/periods/{}/compliance", batu_period.id), format!("/api/v1/pkh/periods/{MISSING}/compliance"), json!({"entries": []})),
            (format!("/api/v1/pkh/periods/{}/school-attendance", batu_period.id), format!("/api/v1/pkh/periods/{MISSING}/school-attendance"), json!({})),
        ] {
            let h = post_json(officer, app.url(&hidden), &body).await;
            let m = post_json(officer, app.url(&missing), &body).await;
            assert_eq!(h.0, 404, "{hidden}: {}", h.1);
            assert_eq!(h, m, "{hidden} reads like {missing}");
        }
        assert_eq!(post_json(fac, close.clone(), &json!({"confirm": true})).await.0, 403);
        let (s, b) = post_json(officer, close.clone(), &json!({})).await;
        assert_eq!((s, field_of(&b)), (422, "confirm".to_string()), "{b}");
        let (s, report) = post_json(officer, close.clone(), &json!({"confirm": true})).await;
        assert_eq!(s, 200, "{report}");
        assert_eq!((report["families"].as_u64(), report["to_warning"].as_u64()), (Some(2), Some(2)), "{report}");
        // Frozen: writes are refused, said in Indonesian.
        let (s, b) = post_json(fac, record.clone(), &entries(fid, true)).await;
        assert_eq!((s, field_of(&b)), (422, "period_id".to_string()), "{b}");
        assert!(b["error"]["fields"][0]["text"].as_str().unwrap_or_default().contains("ditutup"), "{b}");
        let (_, detail) = get_json(fac, one(fid)).await;
        assert_eq!(detail["family"]["status"], "warning");

        // Pages: the family page with its period result, the periods page, the task list,
        // the household's PKH panel, the entry form of the facilitator.
        let (s, html) = page(fac, app.url(&format!("/programs/{}/pkh/families/{fid}", w.prog_blora))).await;
        assert_eq!(s, 200);
        assert!(html.contains("Peringatan") && html.contains("Triwulan I 2025") && html.contains("Disabilitas berat"), "family page");
        let (s, html) = page(officer, app.url(&format!("/programs/{}/pkh/periods", w.prog_blora))).await;
        assert_eq!(s, 200);
        assert!(html.contains("Triwulan I 2025") && html.contains("Ditutup"));
        let (s, html) = page(fac, app.url("/pkh/tasks")).await;
        assert_eq!(s, 200);
        assert!(html.contains("Tugas pendamping PKH") && html.contains("Peringatan"), "task list shows the newly warned family");
        assert_eq!(page(officer, app.url("/pkh/tasks")).await.0, 403);
        let (s, html) = page(fac, app.url(&format!("/households/{}", w.h_assigned))).await;
        assert_eq!(s, 200);
        assert!(html.contains("PKH — PKH Blora"), "household panel");

        // A second period: the facilitator records through the entry form (CSRF), as met.
        let (s, p2) = post_json(officer, app.url(&format!("/api/v1/programs/{}/pkh/periods", w.prog_blora)), &json!({"period": "2025-2"})).await;
        assert_eq!(s, 201, "{p2}");
        let p2 = p2["id"].as_i64().expect("id");
        let (s, html) = page(fac, app.url(&format!("/pkh/periods/{p2}/families/{fid}"))).await;
        assert_eq!(s, 200);
        let csrf = csrf_in(&html).expect("csrf");
        let form = vec![
            ("o0", format!("{}:welfare_visit", w.p_assigned)), ("c0", "yes".to_string()), ("n0", String::new()),
            ("o1", ":p2k2".to_string()), ("c1", "yes".to_string()), ("n1", String::new()),
            ("_csrf", csrf.clone()),
        ];
        let res = fac.post(app.url(&format!("/pkh/periods/{p2}/families/{fid}"))).form(&form).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 303);
        let bad = vec![("o0", ":p2k2".to_string()), ("c0", "maybe".to_string()), ("_csrf", csrf)];
        let res = fac.post(app.url(&format!("/pkh/periods/{p2}/families/{fid}"))).form(&bad).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 422);
        let (_, report) = post_json(officer, app.url(&format!("/api/v1/pkh/periods/{p2}/close")), &json!({"confirm": true})).await;
        assert_eq!(report["compliant"], 1, "{report}");
        let (_, detail) = get_json(fac, one(fid)).await;
        assert_eq!(detail["family"]["status"], "active", "a compliant period returns the family to active");
    }
}
