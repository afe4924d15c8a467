//! The program's agriculture dashboard over the demo: its figures against the parts' own
//! records (counted another way), the page with its sections and charts, the workbook, the
//! period's validation, a viewer's suppressed attendance and a program out of the area.

use berdaya_domain::access::Role;
use berdaya_store::{PageRequest, Query};
use serde_json::Value;

use crate::helpers::{Backend, PASSWORD, create_user, login, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agriculture_dashboard_counts_what_the_parts_record() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    berdaya::demo::load(store).await.expect("demo data");
    let found = store.search_programs(&Query::text("Buah Naga Kelurahan Kalampangan")).await.expect("programs");
    let program = found.items.first().expect("the dragon-fruit program").program.clone();
    let id = program.id;

    let res = app
        .client
        .get(app.url(&format!("/api/v1/programs/{id}/agriculture?from=2023-01-01&to=2023-12-31")))
        .send()
        .await
        .expect("api");
    assert_eq!(res.status().as_u16(), 200);
    let d: Value = res.json().await.expect("json");

    // Activities: the dashboard's count is the listing's count of the program's 2023 activities.
    let q = Query {
        page: PageRequest::new(1, 200),
        filters: vec![("program_id".into(), id.to_string())],
        ..Query::default()
    };
    let listed = store.search_activities(&q).await.expect("activities");
    let in_2023 = listed.items.iter().filter(|a| a.held_on.year() == 2023).count() as u64;
    assert!(in_2023 > 0, "the demo holds 2023 activities");
    assert_eq!(d["activities"].as_u64(), Some(in_2023), "{d}");
    let months = d["tables"][0]["rows"].as_array().expect("months");
    let summed: u64 = months
        .iter()
        .map(|r| {
            r["cells"]
                .as_array()
                .and_then(|c| c.last())
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(summed, in_2023, "the monthly totals add up");

    // Attendance: present over recorded equals the attendance rows of those activities.
    let (mut present, mut recorded) = (0u64, 0u64);
    for a in listed.items.iter().filter(|a| a.held_on.year() == 2023) {
        for row in store.attendance(a.id).await.expect("attendance") {
            recorded += 1;
            if row.status == berdaya_domain::activity::AttendanceStatus::Present {
                present += 1;
            }
        }
    }
    assert!(recorded > 0);
    assert_eq!((d["attendance_present"].as_u64(), d["attendance_recorded"].as_u64()), (Some(present), Some(recorded)));

    // Aid: each plan's planned total is the sum of its lines.
    let aid = &d["tables"][2];
    assert_eq!(aid["id"], "aid");
    assert!(!aid["rows"].as_array().expect("aid rows").is_empty(), "{aid}");
    // Machines: the overdue count is the loans listing's.
    let today = berdaya_web::agriculture::machines::today().to_string();
    let late = Query { page: PageRequest::new(1, 50), filters: vec![("overdue_on".into(), today)], ..Query::default() };
    let late = store.search_loans(&late).await.expect("overdue").total;
    assert_eq!(d["machines_overdue"].as_u64(), Some(late));
    // Classes: the groups per class add up to the enrolled groups.
    let classes = d["tables"][4]["rows"].as_array().expect("classes");
    let groups: u64 = classes.iter().take(5).filter_map(|r| r["cells"][0].as_str()?.parse::<u64>().ok()).sum();
    assert_eq!(groups, 3, "three dragon-fruit groups, assessed or not: {classes:?}");

    // The page: cards, the five sections, charts, and the workbook link.
    let html = app
        .client
        .get(app.url(&format!("/programs/{id}/agriculture?from=2023-01-01&to=2023-12-31")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for section in ["agri-activities", "agri-attendance", "agri-aid", "agri-machines", "agri-classes"] {
        assert!(html.contains(&format!("id=\"{section}\"")), "{section}");
    }
    assert!(html.contains("<svg") && html.contains("Dasbor pertanian"), "charts and an Indonesian title");
    let program_page =
        app.client.get(app.url(&format!("/programs/{id}"))).send().await.expect("page").text().await.expect("html");
    assert!(program_page.contains(&format!("/programs/{id}/agriculture")), "the program page links its dashboard");
    let res = app
        .client
        .get(app.url(&format!("/programs/{id}/agriculture.xlsx?from=2023-01-01&to=2023-12-31")))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(res.status().as_u16(), 200);
    let bytes = res.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "an XLSX (zip) workbook");

    // A bad period is named.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/programs/{id}/agriculture?from=2023-12-31&to=2023-01-01")))
        .send()
        .await
        .expect("api");
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["fields"][0]["field"], "to", "{body}");
    let res =
        app.client.get(app.url(&format!("/api/v1/programs/{id}/agriculture?from=kemarin"))).send().await.expect("api");
    assert_eq!(res.status().as_u16(), 400);

    // A viewer of Palangka Raya sees the counts; one of Blora is told the program does not exist.
    create_user(store, "pemantau.pky", Role::Viewer, Some("62.71"), None, None).await;
    create_user(store, "pemantau.blora", Role::Viewer, Some("33.16"), None, None).await;
    let viewer = login(&app.address, "pemantau.pky", PASSWORD).await.expect("login");
    let res = viewer.get(app.url(&format!("/api/v1/programs/{id}/agriculture"))).send().await.expect("api");
    assert_eq!(res.status().as_u16(), 200);
    let away = login(&app.address, "pemantau.blora", PASSWORD).await.expect("login");
    let res = away.get(app.url(&format!("/api/v1/programs/{id}/agriculture"))).send().await.expect("api");
    assert_eq!(res.status().as_u16(), 404);
}

/// A finding links activities and machines the caller may see; one out of their area is
/// refused exactly like one that does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_link_activities_and_machines_through_the_callers_scope() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    berdaya::demo::load(store).await.expect("demo data");
    let naga = store.search_programs(&Query::text("Buah Naga Kelurahan Kalampangan")).await.expect("programs");
    let naga = naga.items.first().expect("program").program.clone();
    let pkh = store.search_programs(&Query::text("Program Keluarga Harapan")).await.expect("programs");
    let pkh = pkh.items.first().expect("PKH").program.clone();
    let q = Query {
        page: PageRequest::new(1, 1),
        filters: vec![("program_id".into(), naga.id.to_string())],
        ..Query::default()
    };
    let activity = store.search_activities(&q).await.expect("activities").items.first().expect("an activity").id;
    let machine = store
        .search_machines(&Query::text("Quick G1000"))
        .await
        .expect("machines")
        .items
        .first()
        .expect("tractor")
        .machine
        .id;

    let body = |program: i64, activities: Vec<i64>, machines: Vec<i64>| {
        serde_json::json!({"program_id": program, "kind": "inhibiting", "title": "Alsintan jarang dipakai",
            "activity_ids": activities, "machine_ids": machines})
    };
    let res = app
        .client
        .post(app.url("/api/v1/findings"))
        .json(&body(naga.id, vec![activity], vec![machine]))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 201);
    let made: Value = res.json().await.expect("json");
    assert_eq!(
        (made["activity_ids"][0].as_i64(), made["machine_ids"][0].as_i64()),
        (Some(activity), Some(machine)),
        "{made}"
    );

    // The PKH officer of Blora: Kalampangan's activity and tractor read as missing ones.
    let officer = login(&app.address, "pkh.blora", PASSWORD).await;
    let officer = match officer {
        Ok(c) => c,
        Err(_) => {
            let agency = store.agency(pkh.agency_id).await.expect("agency");
            create_user(store, "pkh.blora", Role::ProgramOfficer, Some("33.16"), Some(agency.id), None).await;
            login(&app.address, "pkh.blora", PASSWORD).await.expect("login")
        }
    };
    for (field, hidden, missing) in [
        ("activity_ids", body(pkh.id, vec![activity], vec![]), body(pkh.id, vec![987_654], vec![])),
        ("machine_ids", body(pkh.id, vec![], vec![machine]), body(pkh.id, vec![], vec![987_654])),
    ] {
        let a = officer.post(app.url("/api/v1/findings")).json(&hidden).send().await.expect("post");
        let b = officer.post(app.url("/api/v1/findings")).json(&missing).send().await.expect("post");
        assert_eq!((a.status().as_u16(), b.status().as_u16()), (422, 422), "{field}");
        let (a, b): (Value, Value) = (a.json().await.expect("json"), b.json().await.expect("json"));
        assert_eq!(a["error"]["fields"][0]["field"], field, "{a}");
        let strip = |v: &Value| {
            v["error"]["fields"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .replace(&activity.to_string(), "N")
                .replace(&machine.to_string(), "N")
                .replace("987654", "N")
        };
        assert_eq!(strip(&a), strip(&b), "out of scope reads as missing: {a} / {b}");
    }
}
