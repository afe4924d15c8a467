//! Activities, attendance and attachments through the API and the pages: a round trip with
//! the version check, exact rates, who sees what, bad input that leaves the database as it
//! was, files by their bytes, the calendars and exports, and the scope probes the write
//! routes add to `scope.rs`.

use berdaya_domain::activity::{ActivityDraft, AttendanceEntry, AttendanceStatus, NewAttachment};
use berdaya_domain::registry::{Id, NewStaff};
use berdaya_store::Query;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::access::{World, world};
use crate::backend_tests;
use crate::helpers::TestApp;

/// Records the probes and tests need beyond the access world: a member of staff of each
/// agency, an activity of each program (Blora's invites the Pilang group), and a file on each.
pub struct Act {
    pub staff_blora: Id,
    pub staff_batu: Id,
    pub a_blora: Id,
    pub a_batu: Id,
    pub file_blora: Id,
    pub file_batu: Id,
}

async fn agency_id(app: &TestApp, name: &str) -> Id {
    let agencies = app.store.search_agencies(&Query::default()).await.expect("agencies").items;
    agencies.iter().find(|a| a.name == name).map(|a| a.id).expect("agency")
}

pub async fn act_world(app: &TestApp, w: &World) -> Act {
    let s = &*app.store;
    let staff = |agency: Id, name: &str| {
        let new = NewStaff { name: name.into(), position: "Penyuluh".into() };
        async move { s.add_staff(agency, &new).await.expect("staff").id }
    };
    let staff_blora = staff(agency_id(app, "Dinas Sosial Blora").await, "Rahmat Penyuluh").await;
    let staff_batu = staff(agency_id(app, "Dinas Pertanian Batu").await, "Yuni Batu").await;
    let activity = |program: Id, region: &str, staff: Id, group: Id, title: &str| {
        let d = ActivityDraft {
            program_id: program.to_string(),
            kind: "counseling".into(),
            title: title.into(),
            held_on: "2024-03-14".into(),
            duration_min: "120".into(),
            region: region.into(),
            staff_ids: staff.to_string(),
            group_ids: group.to_string(),
            ..Default::default()
        };
        async move { s.create_activity(&d.parse().expect("activity")).await.expect("create activity").id }
    };
    let a_blora = activity(w.prog_blora, "33.16.02.2001", staff_blora, w.g_own, "Penyuluhan Pilang").await;
    let a_batu = activity(w.prog_batu, "35.79.01.1001", staff_batu, w.g_batu, "Penyuluhan Apel").await;
    let file = |a: Id| async move {
        let f = NewAttachment::parse("activity", a, "foto.png", b"\x89PNG\r\n\x1a\nfoto".to_vec()).expect("file");
        s.add_attachment(&f).await.expect("attach").id
    };
    let (file_blora, file_batu) = (file(a_blora).await, file(a_batu).await);
    Act { staff_blora, staff_batu, a_blora, a_batu, file_blora, file_batu }
}

/// The probes of the activity write routes, as `scope.rs` takes them: who, method, route,
/// path (`@REF` where the id goes), body, field, a hidden value and a missing one.
#[allow(clippy::type_complexity)]
pub fn scope_probes(
    w: &World,
    a: &Act,
) -> Vec<(&'static str, Method, &'static str, String, Option<Value>, &'static str, String, String)> {
    let m = "987654".to_string();
    let body = |program: Value, region: Value, staff: Value, group: Value| {
        json!({"program_id": program, "kind": "counseling", "title": "Uji", "held_on": "2024-03-01",
            "duration_min": 60, "region": region, "staff_ids": [staff], "group_ids": [group]})
    };
    let ok = || body(json!(w.prog_blora), json!("33.16.02.2001"), json!(a.staff_blora), json!(w.g_own));
    let mut versioned = ok();
    versioned["version"] = json!(1);
    let s = |v: Id| v.to_string();
    vec![
        (
            "officer",
            Method::POST,
            "/api/v1/activities",
            "/api/v1/activities".into(),
            Some(body(json!("@REF"), json!("33.16.02.2001"), json!(a.staff_blora), json!(w.g_own))),
            "program_id",
            s(w.prog_batu),
            m.clone(),
        ),
        (
            "officer",
            Method::POST,
            "/api/v1/activities",
            "/api/v1/activities".into(),
            Some(body(json!(w.prog_blora), json!("@REF"), json!(a.staff_blora), json!(w.g_own))),
            "region",
            "35.79.01.1001".into(),
            "33.16.02.2999".into(),
        ),
        (
            "officer",
            Method::POST,
            "/api/v1/activities",
            "/api/v1/activities".into(),
            Some(body(json!(w.prog_blora), json!("33.16.02.2001"), json!("@NUM"), json!(w.g_own))),
            "staff_ids",
            s(a.staff_batu),
            m.clone(),
        ),
        (
            "officer",
            Method::POST,
            "/api/v1/activities",
            "/api/v1/activities".into(),
            Some(body(json!(w.prog_blora), json!("33.16.02.2001"), json!(a.staff_blora), json!("@NUM"))),
            "group_ids",
            s(w.g_batu),
            m.clone(),
        ),
        (
            "officer",
            Method::PUT,
            "/api/v1/activities/{id}",
            "/api/v1/activities/@REF".into(),
            Some(versioned),
            "id",
            s(a.a_batu),
            m.clone(),
        ),
        (
            "officer",
            Method::PUT,
            "/api/v1/activities/{id}/attendance",
            "/api/v1/activities/@REF/attendance".into(),
            Some(json!({"attendance": [{"person_id": w.p_assigned, "status": "present"}]})),
            "id",
            s(a.a_batu),
            m.clone(),
        ),
        (
            "officer",
            Method::PUT,
            "/api/v1/activities/{id}/attendance",
            format!("/api/v1/activities/{}/attendance", a.a_blora),
            Some(json!({"attendance": [{"person_id": "@NUM", "status": "present"}]})),
            "person_id",
            s(w.p_batu),
            m.clone(),
        ),
        (
            "officer",
            Method::POST,
            "/api/v1/activities/{id}/attachments",
            "/api/v1/activities/@REF/attachments".into(),
            None,
            "id",
            s(a.a_batu),
            m.clone(),
        ),
        (
            "officer",
            Method::DELETE,
            "/api/v1/attachments/{id}",
            "/api/v1/attachments/@REF".into(),
            None,
            "id",
            s(a.file_batu),
            m,
        ),
    ]
}

fn activity_body(w: &World, a: &Act) -> Value {
    json!({"program_id": w.prog_blora, "kind": "training", "title": "Pelatihan pupuk organik",
        "topic": "Kompos", "held_on": "2024-04-02", "starts_at": "08:30", "duration_min": 150,
        "region": "33.16.02.2001", "place": "Balai desa", "staff_ids": [a.staff_blora],
        "group_ids": [w.g_own], "materials": "Modul kompos", "report": "Berjalan baik"})
}

/// How many activities, attendance rows and attachments the store holds.
async fn counts(app: &TestApp, a: &Act) -> (u64, usize, usize) {
    let s = &*app.store;
    let acts = s.search_activities(&Query::default()).await.expect("search").total;
    let att = s.attendance(a.a_blora).await.expect("attendance").len();
    let files = s.attachments("activity", a.a_blora).await.expect("files").len();
    (acts, att, files)
}

/// A person in a household of their own in `region`.
async fn person_in(app: &TestApp, nik: &str, name: &str, region: &str) -> Id {
    let h = berdaya_domain::registry::HouseholdDraft {
        kk: format!("331602010120{}", &nik[12..]),
        address: format!("Jl. Uji {name}"),
        region: region.into(),
        welfare_stage: "pra_sejahtera".into(),
        dtks_listed: false,
        dtks_since: None,
    };
    let h = app.store.create_household(&h.parse().expect("household")).await.expect("create household").id;
    let p = berdaya_domain::registry::PersonDraft {
        nik: nik.into(),
        household_id: Some(h.to_string()),
        name: name.into(),
        sex: "male".into(),
        birth_date: "1990-01-01".into(),
        relation: "head".into(),
        education: "sd".into(),
        occupation: None,
        disability: "none".into(),
    };
    app.store.create_person(&p.parse().expect("person")).await.expect("create person").id
}

fn multipart(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()))
}

backend_tests! {
    async fn an_activity_round_trips_with_its_version_and_exact_rates(app: TestApp) {
        let (w, clients) = world(&app).await;
        let a = act_world(&app, &w).await;
        let officer = &clients["officer"];
        let res = officer.post(app.url("/api/v1/activities")).json(&activity_body(&w, &a)).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::CREATED);
        let made: Value = res.json().await.expect("json");
        let id = made["id"].as_i64().expect("id");
        assert_eq!(made["starts_at"], "08:30");
        assert_eq!(made["staff_ids"], json!([a.staff_blora]));
        assert_eq!(made["group_ids"], json!([w.g_own]));
        assert_eq!(made["version"], 1);

        let mut change = activity_body(&w, &a);
        change["title"] = json!("Pelatihan kompos");
        change["version"] = json!(1);
        let res = officer.put(app.url(&format!("/api/v1/activities/{id}"))).json(&change).send().await.expect("put");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.json::<Value>().await.expect("json")["version"], 2);
        let res = officer.put(app.url(&format!("/api/v1/activities/{id}"))).json(&change).send().await.expect("put");
        assert_eq!(res.status(), StatusCode::CONFLICT, "a stale version is refused");

        // Three of the group's people: 2 of 3 present is 66,7 %.
        app.store.add_member(w.g_own, &berdaya_domain::registry::NewMember {
            person_id: w.p_other, role: berdaya_domain::registry::GroupRole::Member, since: None, until: None,
        }).await.expect("member");
        let list = json!({"attendance": [
            {"person_id": w.p_assigned, "status": "present"},
            {"person_id": w.p_other.to_string(), "status": "present"},
        ]});
        let url = app.url(&format!("/api/v1/activities/{id}/attendance"));
        let res = officer.put(&url).json(&list).send().await.expect("put");
        assert_eq!(res.status(), StatusCode::OK);
        let got: Value = res.json().await.expect("json");
        assert_eq!(got["rate"], json!({"present": 2, "recorded": 2, "percent": "100.0"}));
        let third = person_in(&app, "3316020101900077", "Parno", "33.16.02.2001").await;
        let list = json!({"attendance": [{"person_id": third, "status": "excused"}]});
        let got: Value = officer.put(&url).json(&list).send().await.expect("put").json().await.expect("json");
        assert_eq!(got["rate"], json!({"present": 2, "recorded": 3, "percent": "66.7"}));
        assert_eq!(got["attendance"].as_array().expect("rows").len(), 3, "one row per person");

        let page = officer.get(app.url(&format!("/activities/{id}"))).send().await.expect("get").text().await.expect("html");
        assert!(page.contains("2/3 (66,7 %)"), "the page shows the rate");
        assert!(page.contains("Pelatihan kompos") && page.contains("Rahmat Penyuluh"));
        let listing: Value = officer
            .get(app.url(&format!("/api/v1/activities?program_id={}&kind=training", w.prog_blora)))
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(listing["total"], 1);
        assert_eq!(listing["items"][0]["attendance"]["percent"], "66.7");

        // The group's page panel and its per-member rates.
        let group = officer.get(app.url(&format!("/groups/{}", w.g_own))).send().await.expect("get").text().await.expect("html");
        assert!(group.contains("id=\"activities\"") && group.contains("Pelatihan kompos"), "group panel");
        let rates: Value = officer
            .get(app.url(&format!("/api/v1/groups/{}/attendance?from=2024-04-01&to=2024-04-30", w.g_own)))
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(rates["rate"], json!({"present": 2, "recorded": 2, "percent": "100.0"}), "members only: {rates}");
        let none: Value = officer
            .get(app.url(&format!("/api/v1/groups/{}/attendance?from=2024-05-01", w.g_own)))
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(none["rate"]["recorded"], 0);
        let bad = officer.get(app.url(&format!("/api/v1/groups/{}/attendance?from=kemarin", w.g_own))).send().await.expect("get");
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let person: Value = officer
            .get(app.url(&format!("/api/v1/people/{third}/attendance")))
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(person["rate"]["percent"], "0.0");

        // The program page links to its activities.
        let program = officer.get(app.url(&format!("/programs/{}", w.prog_blora))).send().await.expect("get").text().await.expect("html");
        assert!(program.contains(&format!("/activities?program_id={}", w.prog_blora)));
    }

    async fn bad_input_is_named_and_changes_nothing(app: TestApp) {
        let (w, clients) = world(&app).await;
        let a = act_world(&app, &w).await;
        let officer = &clients["officer"];
        let before = counts(&app, &a).await;
        for (field, value, rule) in [
            ("duration_min", json!(-30), "more than 0"),
            ("kind", json!("party"), "is not one of"),
            ("starts_at", json!("25:61"), "HH:MM"),
            ("held_on", json!("14/03/2024"), "YYYY-MM-DD"),
        ] {
            let mut body = activity_body(&w, &a);
            body[field] = value;
            let res = officer.post(app.url("/api/v1/activities")).json(&body).send().await.expect("post");
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            let err: Value = res.json().await.expect("json");
            let f = &err["error"]["fields"][0];
            assert_eq!(f["field"], field);
            assert!(f["message"].as_str().expect("message").contains(rule), "{field}: {err}");
            assert!(!f["text"].as_str().expect("text").is_empty());
        }
        let url = app.url(&format!("/api/v1/activities/{}/attendance", a.a_blora));
        let list = json!({"attendance": [{"person_id": w.p_assigned, "status": "present"}, {"person_id": w.p_other, "status": "late"}]});
        let res = officer.put(&url).json(&list).send().await.expect("put");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = res.json().await.expect("json");
        assert_eq!(err["error"]["fields"][0]["field"], "attendance[1].status");
        // Oversized and wrong-type files.
        let files = app.url(&format!("/api/v1/activities/{}/attachments", a.a_blora));
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(10 * 1024 * 1024 + 1, b'x');
        let res = officer.post(&files).header("accept-language", "id").multipart(multipart("besar.pdf", big)).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = res.json().await.expect("json");
        assert_eq!(err["error"]["fields"][0]["field"], "file");
        assert!(err["error"]["fields"][0]["message"].as_str().expect("m").contains("10 MB"), "{err}");
        assert!(err["error"]["text"].as_str().expect("t").contains("lebih dari 10 MB"), "{err}");
        let res = officer.post(&files).multipart(multipart("foto.jpg", b"GIF89a....".to_vec())).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = res.json().await.expect("json");
        assert!(err["error"]["fields"][0]["message"].as_str().expect("m").contains("not a JPEG"), "{err}");
        let res = officer.post(&files).multipart(multipart("arsip.zip", b"PK\x03\x04rest".to_vec())).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(counts(&app, &a).await, before, "nothing was written");
        // The page form shows the rule in Indonesian.
        let html = officer.get(app.url(&format!("/activities/{}/attendance", a.a_blora))).send().await.expect("get").text().await.expect("html");
        let csrf = crate::helpers::csrf_in(&html).expect("csrf");
        let res = officer
            .post(app.url(&format!("/activities/{}/attendance", a.a_blora)))
            .form(&[("_csrf", csrf.as_str()), (&format!("p_{}", w.p_assigned), "datang")])
            .send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.expect("html");
        assert!(html.contains("bukan salah satu dari"), "Indonesian rule: {html}");
        assert_eq!(counts(&app, &a).await, before, "nothing was written");
    }

    async fn files_are_kept_whole_and_served_with_their_name(app: TestApp) {
        let (w, clients) = world(&app).await;
        let a = act_world(&app, &w).await;
        let officer = &clients["officer"];
        let files = app.url(&format!("/api/v1/activities/{}/attachments", a.a_blora));
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend(std::iter::repeat_n(b'z', 300_000));
        let res = officer.post(&files).multipart(multipart("Laporan Maret.pdf", pdf.clone())).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::CREATED);
        let f: Value = res.json().await.expect("json");
        assert_eq!(f["content_type"], "application/pdf");
        assert_eq!(f["size"], pdf.len());
        let id = f["id"].as_i64().expect("id");
        let res = officer.get(app.url(&format!("/attachments/{id}"))).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::OK);
        let disposition = res.headers()["content-disposition"].to_str().expect("header").to_string();
        assert!(disposition.contains("filename=\"Laporan Maret.pdf\""), "{disposition}");
        assert_eq!(res.bytes().await.expect("bytes").to_vec(), pdf);
        let docx = officer.post(&files).multipart(multipart("notulen.docx", b"PK\x03\x04docx".to_vec())).send().await.expect("post");
        assert_eq!(docx.status(), StatusCode::CREATED);
        assert_eq!(docx.json::<Value>().await.expect("json")["content_type"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        let listed: Value = officer.get(&files).send().await.expect("get").json().await.expect("json");
        assert_eq!(listed.as_array().expect("list").len(), 3);
        // Others' files read as missing; the group officer reads Pilang's.
        assert_eq!(officer.get(app.url(&format!("/api/v1/attachments/{}", a.file_batu))).send().await.expect("get").status(), StatusCode::NOT_FOUND);
        assert_eq!(clients["leader"].get(app.url(&format!("/api/v1/attachments/{id}"))).send().await.expect("get").status(), StatusCode::OK);
        assert_eq!(clients["leader"].delete(app.url(&format!("/api/v1/attachments/{id}"))).send().await.expect("delete").status(), StatusCode::FORBIDDEN);
        assert_eq!(officer.delete(app.url(&format!("/api/v1/attachments/{id}"))).send().await.expect("delete").status(), StatusCode::NO_CONTENT);
        assert_eq!(officer.get(app.url(&format!("/api/v1/attachments/{id}"))).send().await.expect("get").status(), StatusCode::NOT_FOUND);
    }

    async fn every_role_sees_its_share_of_activities(app: TestApp) {
        let (w, clients) = world(&app).await;
        let a = act_world(&app, &w).await;
        app.store.record_attendance(a.a_blora, &[AttendanceEntry { person_id: w.p_assigned, status: AttendanceStatus::Present }])
            .await.expect("attendance");
        let dinsos = agency_id(&app, "Dinas Sosial Blora").await;
        //                                                     admin  po   fac  go   eva  viewer
        let rows: Vec<(String, [u16; 6])> = vec![
            ("/activities".into(),                                [200, 200, 200, 200, 200, 403]),
            (format!("/activities/{}", a.a_blora),                [200, 200, 200, 200, 200, 403]),
            (format!("/activities/{}", a.a_batu),                 [200, 404, 404, 404, 200, 403]),
            ("/activities/new".into(),                            [200, 200, 200, 403, 403, 403]),
            (format!("/activities/{}/edit", a.a_blora),           [200, 200, 200, 403, 403, 403]),
            (format!("/activities/{}/attendance", a.a_blora),     [200, 200, 200, 403, 403, 403]),
            (format!("/activities/{}/attachments", a.a_blora),    [200, 200, 200, 403, 403, 403]),
            (format!("/attachments/{}", a.file_blora),            [200, 200, 200, 200, 200, 403]),
            (format!("/groups/{}/attendance", w.g_own),           [200, 200, 404, 200, 403, 403]),
            (format!("/staff/{}", a.staff_blora),                 [200, 200, 200, 200, 200, 403]),
            (format!("/staff/{}", a.staff_batu),                  [200, 404, 404, 404, 200, 403]),
            (format!("/agencies/{dinsos}/calendar?month=2024-03"), [200, 200, 200, 200, 200, 403]),
            (format!("/api/v1/activities/{}/attendance", a.a_blora), [200, 200, 200, 200, 200, 403]),
        ];
        let mut wrong = Vec::new();
        for (path, expected) in &rows {
            for (role, want) in crate::access::ROLES.iter().zip(expected) {
                let got = clients[role].get(app.url(path)).send().await.expect("get").status().as_u16();
                if got != *want {
                    wrong.push(format!("{role} GET {path}: expected {want}, got {got}"));
                }
            }
        }
        assert!(wrong.is_empty(), "activity access broken:\n{}", wrong.join("\n"));
        // The evaluator reads attendance under pseudonyms, never the name.
        let eva: Value = clients["eva"].get(app.url(&format!("/api/v1/activities/{}/attendance", a.a_blora)))
            .send().await.expect("get").json().await.expect("json");
        let shown = eva["attendance"][0]["person"].as_str().expect("person");
        assert!(shown.starts_with("P-") && !shown.contains("Slamet"), "{shown}");
        let officer: Value = clients["officer"].get(app.url(&format!("/api/v1/activities/{}/attendance", a.a_blora)))
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(officer["attendance"][0]["person"], "Slamet Riyadi");
        // The group officer lists only the activities that invited their group.
        let listed: Value = clients["leader"].get(app.url("/api/v1/activities")).send().await.expect("get").json().await.expect("json");
        assert_eq!(listed["total"], 1);
        // Staff pick: Blora's officer is offered Blora's staff only.
        let picks: Value = clients["officer"].get(app.url("/api/v1/pick/staff?q=")).send().await.expect("get").json().await.expect("json");
        let labels: Vec<&str> = picks.as_array().expect("picks").iter().filter_map(|p| p["label"].as_str()).collect();
        assert_eq!(labels, vec!["Rahmat Penyuluh — Dinas Sosial Blora"]);
    }

    async fn calendars_and_exports(app: TestApp) {
        let (w, clients) = world(&app).await;
        let a = act_world(&app, &w).await;
        let officer = &clients["officer"];
        let dinsos = agency_id(&app, "Dinas Sosial Blora").await;
        let march = officer.get(app.url(&format!("/agencies/{dinsos}/calendar?month=2024-03"))).send().await.expect("get").text().await.expect("html");
        assert!(march.contains("Penyuluhan Pilang") && march.contains("?month=2024-04") && march.contains("?month=2024-02"));
        let april = officer.get(app.url(&format!("/agencies/{dinsos}/calendar?month=2024-04"))).send().await.expect("get").text().await.expect("html");
        assert!(!april.contains("Penyuluhan Pilang"));
        let bad = officer.get(app.url(&format!("/agencies/{dinsos}/calendar?month=2024-13"))).send().await.expect("get");
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let staff = officer.get(app.url(&format!("/staff/{}?month=2024-03", a.staff_blora))).send().await.expect("get").text().await.expect("html");
        assert!(staff.contains("Penyuluhan Pilang") && staff.contains("Poktan Pilang Makmur"), "staff page");
        assert!(staff.contains(&format!("/staff/{}/activities.xlsx?month=2024-03", a.staff_blora)), "the workbook link");
        for path in [
            format!("/activities.xlsx?program_id={}", w.prog_blora),
            format!("/staff/{}/activities.xlsx?month=2024-03", a.staff_blora),
            format!("/agencies/{dinsos}/calendar.xlsx?month=2024-03"),
            format!("/groups/{}/attendance.xlsx", w.g_own),
        ] {
            let res = officer.get(app.url(&path)).send().await.expect("get");
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert!(res.headers()["content-type"].to_str().expect("ct").contains("spreadsheetml"), "{path}");
            assert!(res.bytes().await.expect("bytes").starts_with(b"PK\x03\x04"), "{path}");
        }
    }
}
