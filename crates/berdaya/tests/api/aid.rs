//! Input aid over the API and in the pages: land parsed from hectares, a season plan exact to
//! the gram, over-distribution refused in Indonesian naming the plan and what was received
//! (nothing written), an officer's override with its reason in the audit log, bad quantities
//! and units refused on their fields, every id a request carries resolved through the
//! caller's scope (out of scope answers exactly like missing), the roles' reads (evaluators
//! see pseudonyms, viewers nothing), the pages and the XLSX export.

use berdaya_domain::registry::{EnrollmentDraft, Id};
use berdaya_store::PageRequest;
use berdaya_store::access::AuditFilter;
use serde_json::{Value, json};

use crate::access::world;
use crate::backend_tests;
use crate::helpers::{TestApp, csrf_in};

const MISSING: Id = 987_654;

async fn enroll_group(app: &TestApp, program: Id, group: Id) {
    let draft = EnrollmentDraft {
        subject_kind: "group".into(),
        subject_id: group.to_string(),
        status: "enrolled".into(),
        enrolled_on: "2024-02-01".into(),
        ended_on: None,
    };
    app.store.enroll(program, &draft.parse().expect("enrollment")).await.expect("enroll");
}

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

/// Asserts a 422 naming `field`, with `words` in its Indonesian text; answers that text.
fn refused(answer: &(u16, Value), field: &str, words: &str) -> String {
    let (status, body) = answer;
    assert_eq!(*status, 422, "{body}");
    let fields = body["error"]["fields"].as_array().cloned().unwrap_or_default();
    let hit = fields.iter().find(|f| f["field"] == field).unwrap_or_else(|| panic!("no error on {field}: {body}"));
    let text = hit["text"].as_str().unwrap_or_default().to_string();
    assert!(text.contains(words), "{field}: {text:?} lacks {words:?}");
    text
}

async fn urea(app: &TestApp) -> Id {
    app.store.aid_items().await.expect("items").into_iter().find(|i| i.code == "urea").expect("urea").id
}

backend_tests! {
    async fn plans_distributions_and_overrides(app: TestApp) {
        let (w, clients) = world(&app).await;
        enroll_group(&app, w.prog_blora, w.g_own).await;
        enroll_group(&app, w.prog_batu, w.g_batu).await;
        let officer = &clients["officer"];
        let urea = urea(&app).await;

        // Land in hectares, exactly; a bad unit names the field in Indonesian.
        let land_url = app.url(&format!("/api/v1/people/{}/land", w.p_assigned));
        let (s, land) = post_json(officer, land_url.clone(), &json!({"crop": "rice", "land_area": "1,25 ha"})).await;
        assert_eq!(s, 201, "{land}");
        assert_eq!(land["area_m2"], 12_500);
        refused(&post_json(officer, land_url.clone(), &json!({"crop": "rice", "land_area": "2 acre"})).await, "land_area", "bukan satuan yang dikenal");
        assert_eq!(app.store.person_land(w.p_assigned).await.expect("land").len(), 1, "the refusal wrote nothing");

        // The plan: 12 500 m² × 250 000 g/ha / 10 000 = 312 500 g of urea.
        let plan_body = json!({"program_id": w.prog_blora, "group_id": w.g_own, "season": "MT1 2023", "crops": ["rice"]});
        let (s, plan) = post_json(officer, app.url("/api/v1/aid/plans"), &plan_body).await;
        assert_eq!(s, 201, "{plan}");
        let plan_id = plan["id"].as_i64().expect("plan id");
        assert_eq!(plan["season"], "MT1 2023");
        let (s, detail) = get_json(officer, app.url(&format!("/api/v1/aid/plans/{plan_id}"))).await;
        assert_eq!(s, 200, "{detail}");
        let line = detail["lines"].as_array().expect("lines").iter().find(|l| l["item_id"] == urea).cloned().expect("urea line");
        assert_eq!((line["eligible_m2"].as_i64(), line["quantity"].as_i64()), (Some(12_500), Some(312_500)));
        let (s, again) = post_json(officer, app.url("/api/v1/aid/plans"), &plan_body).await;
        assert_eq!(s, 409, "one plan per season: {again}");

        // Within the plan, then one more beyond it: refused, naming plan and received.
        let dist_url = app.url(&format!("/api/v1/aid/plans/{plan_id}/distributions"));
        let give = |q: &str| json!({"person_id": w.p_assigned, "item_id": urea, "quantity": q, "given_on": "2023-10-05", "received_by_name": "Ketua"});
        let (s, first) = post_json(officer, dist_url.clone(), &give("300 kg")).await;
        assert_eq!(s, 201, "{first}");
        assert_eq!(first["quantity"], 300_000);
        let text = refused(&post_json(officer, dist_url.clone(), &give("13 kg")).await, "quantity", "melebihi rencana");
        assert!(text.contains("312500 g") && text.contains("300000 g") && text.contains("12500 g"), "{text}");
        refused(&post_json(officer, dist_url.clone(), &give("-1 kg")).await, "quantity", "lebih dari nol");
        refused(&post_json(officer, dist_url.clone(), &give("5 karung")).await, "unit", "bukan satuan yang dikenal");
        refused(&post_json(officer, dist_url.clone(), &give("5 liter")).await, "unit", "bukan satuan");
        let (_, listed) = get_json(officer, dist_url.clone()).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "no refusal wrote anything");

        // The officer overrides with a reason; the audit log keeps it.
        let reason = "Lahan sewa tambahan, disetujui Kabid";
        let mut forced = give("13 kg");
        forced["override_reason"] = json!(reason);
        let (s, d) = post_json(officer, dist_url.clone(), &forced).await;
        assert_eq!(s, 201, "{d}");
        assert_eq!(d["override_reason"], reason);
        let filter = AuditFilter { entity: Some("aid_distributions".into()), entity_id: Some(d["id"].as_i64().expect("id").to_string()), ..Default::default() };
        let log = app.store.audit_entries(&filter, PageRequest::new(1, 10)).await.expect("audit");
        assert_eq!(log.items.len(), 1);
        assert_eq!(log.items[0].actor, "officer");
        assert!(log.items[0].after.as_deref().unwrap_or_default().contains(reason));

        // Recompute is refused once something was given.
        refused(&post_json(officer, app.url(&format!("/api/v1/aid/plans/{plan_id}/recompute")), &json!({})).await, "plan_id", "tidak dapat dihitung ulang");

        // The program's summary.
        let (s, summary) = get_json(officer, app.url(&format!("/api/v1/programs/{}/aid", w.prog_blora))).await;
        assert_eq!(s, 200, "{summary}");
        let row = summary.as_array().expect("rows").iter().find(|r| r["item_id"] == urea).cloned().expect("urea");
        assert_eq!((row["planned"].as_i64(), row["received"].as_i64()), (Some(312_500), Some(313_000)));
    }

    async fn every_id_is_resolved_through_the_callers_scope(app: TestApp) {
        let (w, clients) = world(&app).await;
        enroll_group(&app, w.prog_blora, w.g_own).await;
        enroll_group(&app, w.prog_batu, w.g_batu).await;
        let officer = &clients["officer"];
        let admin = &clients["admin"];
        let urea = urea(&app).await;
        // A plan in Batu, out of the Blora officer's area.
        let batu = json!({"program_id": w.prog_batu, "group_id": w.g_batu, "season": "MT1 2023", "crops": ["rice"]});
        let (s, batu_plan) = post_json(admin, app.url("/api/v1/aid/plans"), &batu).await;
        assert_eq!(s, 201, "{batu_plan}");
        let batu_plan = batu_plan["id"].as_i64().expect("id");
        let own = json!({"program_id": w.prog_blora, "group_id": w.g_own, "season": "MT1 2023", "crops": ["rice"]});
        let (s, own_plan) = post_json(officer, app.url("/api/v1/aid/plans"), &own).await;
        assert_eq!(s, 201, "{own_plan}");
        let own_plan = own_plan["id"].as_i64().expect("id");

        // program_id and group_id: out of scope answers as missing does.
        let plans = app.url("/api/v1/aid/plans");
        for (field, outside) in [("program_id", w.prog_batu), ("group_id", w.g_batu)] {
            let mut body = json!({"program_id": w.prog_blora, "group_id": w.g_own, "season": "MT2 2023", "crops": ["rice"]});
            body[field] = json!(outside);
            let hidden = refused(&post_json(officer, plans.clone(), &body).await, field, "tidak ada");
            body[field] = json!(MISSING);
            let missing = refused(&post_json(officer, plans.clone(), &body).await, field, "tidak ada");
            assert_eq!(hidden.replace(&outside.to_string(), "#"), missing.replace(&MISSING.to_string(), "#"));
        }
        // plan_id: another area's plan reads as a missing one.
        for tail in ["", "/distributions"] {
            let (hidden, _) = get_json(officer, app.url(&format!("/api/v1/aid/plans/{batu_plan}{tail}"))).await;
            let (missing, _) = get_json(officer, app.url(&format!("/api/v1/aid/plans/{MISSING}{tail}"))).await;
            assert_eq!((hidden, missing), (404, 404), "{tail}");
        }
        let give = json!({"person_id": w.p_batu, "item_id": urea, "quantity": "1 kg", "given_on": "2023-10-05"});
        let (s, _) = post_json(officer, app.url(&format!("/api/v1/aid/plans/{batu_plan}/distributions")), &give).await;
        assert_eq!(s, 404);
        // person_id, received_by_person_id and item_id in a distribution.
        let dist = app.url(&format!("/api/v1/aid/plans/{own_plan}/distributions"));
        for (field, outside) in [("person_id", w.p_batu), ("received_by_person_id", w.p_batu), ("item_id", MISSING)] {
            let mut body = json!({"person_id": w.p_assigned, "item_id": urea, "quantity": "1 kg", "given_on": "2023-10-05", "override_reason": "uji"});
            body[field] = json!(outside);
            refused(&post_json(officer, dist.clone(), &body).await, field, "tidak ada");
            body[field] = json!(MISSING);
            refused(&post_json(officer, dist.clone(), &body).await, field, "tidak ada");
        }
        // Land of a person out of scope is missing.
        let (hidden, _) = post_json(officer, app.url(&format!("/api/v1/people/{}/land", w.p_batu)), &json!({"crop": "rice", "land_area": "1 ha"})).await;
        let (missing, _) = post_json(officer, app.url(&format!("/api/v1/people/{MISSING}/land")), &json!({"crop": "rice", "land_area": "1 ha"})).await;
        assert_eq!((hidden, missing), (404, 404));
        // A land record and a plan named in the path: another area's read as missing ones.
        let (s, batu_land) = post_json(admin, app.url(&format!("/api/v1/people/{}/land", w.p_batu)), &json!({"crop": "rice", "land_area": "1 ha"})).await;
        assert_eq!(s, 201, "{batu_land}");
        let batu_land = batu_land["id"].as_i64().expect("land id");
        let change = json!({"crop": "rice", "land_area": "2 ha", "version": 1});
        for id in [batu_land, MISSING] {
            let put = officer.put(app.url(&format!("/api/v1/land/{id}"))).json(&change).send().await.expect("put");
            assert_eq!(put.status().as_u16(), 404, "PUT land {id}");
            let del = officer.delete(app.url(&format!("/api/v1/land/{id}"))).send().await.expect("delete");
            assert_eq!(del.status().as_u16(), 404, "DELETE land {id}");
            let (s, _) = post_json(officer, app.url(&format!("/api/v1/aid/plans/{}/recompute", if id == MISSING { MISSING } else { batu_plan })), &json!({})).await;
            assert_eq!(s, 404, "recompute");
        }
        assert_eq!(app.store.person_land(w.p_batu).await.expect("land").len(), 1, "the probes changed no land");
        assert!(app.store.aid_distributions(own_plan).await.expect("given").is_empty(), "no probe wrote anything");
    }

    async fn roles_read_what_they_may_and_pages_show_it(app: TestApp) {
        let (w, clients) = world(&app).await;
        enroll_group(&app, w.prog_blora, w.g_own).await;
        let officer = &clients["officer"];
        let urea = urea(&app).await;
        post_json(officer, app.url(&format!("/api/v1/people/{}/land", w.p_assigned)), &json!({"crop": "rice", "land_area": "2500"})).await;
        let (_, plan) = post_json(officer, app.url("/api/v1/aid/plans"), &json!({"program_id": w.prog_blora, "group_id": w.g_own, "season": "MT1 2023", "crops": ["rice"]})).await;
        let plan_id = plan["id"].as_i64().unwrap_or_else(|| panic!("plan: {plan}"));
        let show = app.url(&format!("/api/v1/aid/plans/{plan_id}"));
        // Who reads: the group's officer and the evaluator (under pseudonyms); not the viewer.
        let (s, _) = get_json(&clients["leader"], show.clone()).await;
        assert_eq!(s, 200);
        let (s, body) = get_json(&clients["eva"], show.clone()).await;
        assert_eq!(s, 200);
        assert!(!body.to_string().contains("Slamet"), "an evaluator sees no names: {body}");
        let (s, _) = get_json(&clients["viewer"], show.clone()).await;
        assert_eq!(s, 403);
        // Who writes: not the group officer, not the facilitator.
        let give = json!({"person_id": w.p_assigned, "item_id": urea, "quantity": "1 kg", "given_on": "2023-10-05"});
        for role in ["leader", "fac", "eva"] {
            let (s, _) = post_json(&clients[role], app.url(&format!("/api/v1/aid/plans/{plan_id}/distributions")), &give).await;
            assert_eq!(s, 403, "{role}");
        }

        // Pages: the program links to its aid, the plan page shows figures Indonesian style.
        let text = |url: String| async move { officer.get(url).send().await.expect("page").text().await.expect("html") };
        let program = text(app.url(&format!("/programs/{}", w.prog_blora))).await;
        assert!(program.contains(&format!("/programs/{}/aid", w.prog_blora)));
        let aid = text(app.url(&format!("/programs/{}/aid", w.prog_blora))).await;
        assert!(aid.contains("MT1 2023") && aid.contains("Rencana bantuan saprodi"), "{aid}");
        let plan_page = text(app.url(&format!("/aid/plans/{plan_id}"))).await;
        assert!(plan_page.contains("62,5 kg"), "2 500 m² of rice: 62,5 kg of urea");
        // The distribution form: a refusal is shown beside its field, then a good one.
        let csrf = csrf_in(&plan_page).expect("csrf");
        let form = |q: &str| vec![
            ("person_id", w.p_assigned.to_string()), ("item_id", urea.to_string()), ("quantity", q.to_string()),
            ("unit", String::new()), ("given_on", "2023-10-05".to_string()), ("_csrf", csrf.clone()),
        ];
        let res = officer.post(app.url(&format!("/aid/plans/{plan_id}/distributions"))).form(&form("70 kg")).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 422);
        assert!(res.text().await.expect("html").contains("melebihi rencana"));
        let res = officer.post(app.url(&format!("/aid/plans/{plan_id}/distributions"))).form(&form("60 kg")).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 303);
        let plan_page = text(app.url(&format!("/aid/plans/{plan_id}"))).await;
        assert!(plan_page.contains("2,5 kg"), "outstanding 2,5 kg");
        // The group page's panels.
        let group = text(app.url(&format!("/groups/{}", w.g_own))).await;
        assert!(group.contains("Bantuan saprodi") && group.contains("Lahan anggota") && group.contains("2.500 m²"), "group panels");
        // The export.
        let res = officer.get(app.url(&format!("/aid/plans/{plan_id}/export.xlsx"))).send().await.expect("xlsx");
        assert_eq!(res.status().as_u16(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap_or_default().contains("spreadsheetml"));
        assert!(res.bytes().await.expect("bytes").starts_with(b"PK"));
        // The dose table page.
        let doses = text(app.url("/aid/doses")).await;
        assert!(doses.contains("250 kg") && doses.contains("sesuaikan dengan tabel instansi"), "dose table");
    }
}

/// The write routes whose every id `every_id_is_resolved_through_the_callers_scope` probes
/// (the scope suite's coverage check counts them), and the installation-wide reference data
/// (items, doses, the cap rule) whose bodies name no scoped record.
pub const PROBED_HERE: [(&str, &str); 10] = [
    ("post", "/api/v1/aid/plans"),
    ("post", "/api/v1/aid/plans/{id}/distributions"),
    ("post", "/api/v1/aid/plans/{id}/recompute"),
    ("post", "/api/v1/people/{id}/land"),
    ("put", "/api/v1/land/{id}"),
    ("delete", "/api/v1/land/{id}"),
    ("post", "/api/v1/aid/items"),
    ("post", "/api/v1/aid/doses"),
    ("put", "/api/v1/aid/doses/{id}"),
    ("put", "/api/v1/aid/rule"),
];
