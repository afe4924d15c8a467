//! The dashboards over HTTP: scoped to the caller's area, narrowed by a region inside it
//! (outside: 404, not a code: 400), small counts suppressed for the viewer in the JSON, the
//! page and the XLSX, which holds the same numbers as the JSON.

use berdaya_domain::access::Role;
use berdaya_domain::registry::{EnrollmentDraft, HouseholdDraft, Nik, PersonDraft, RegionDraft, Sex};
use berdaya_files::limits::Limits;
use berdaya_files::xlsx::{Cell, Workbook};
use berdaya_store::Store;
use reqwest::StatusCode;
use serde_json::Value;
use time::Date;

use crate::api::fixtures;
use crate::backend_tests;
use crate::helpers::{PASSWORD, create_user, login};

/// Blora (Pilang 7 households, Kutukan 3) and Palangka Raya (2 households), one head each;
/// Kutukan's households are Sejahtera I and listed in DTKS. Answers the household ids, in
/// that order.
async fn seed(store: &dyn Store) -> Vec<i64> {
    fixtures::regions(store).await;
    for (code, name, kind) in [
        ("33.16.09.2002", "Kutukan", "village"),
        ("62", "Kalimantan Tengah", "province"),
        ("62.71", "Palangka Raya", "city"),
    ] {
        let draft = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() };
        store.create_region(&draft.parse().expect("region")).await.expect("create region");
    }
    let places = [
        ("331609", "33.16.09.2001", 7, "pra_sejahtera", false),
        ("331609", "33.16.09.2002", 3, "sejahtera_1", true),
        ("627101", "62.71", 2, "pra_sejahtera", false),
    ];
    let mut ids = Vec::new();
    for (district, region, n, stage, dtks) in places {
        for _ in 0..n {
            let serial = ids.len() + 1;
            let h = HouseholdDraft {
                kk: format!("{district}0101200{serial:03}"),
                address: format!("Jl. Uji {serial}"),
                region: region.into(),
                welfare_stage: stage.into(),
                dtks_listed: dtks,
                dtks_since: None,
            };
            let h = store.create_household(&h.parse().expect("household")).await.expect("create household");
            let sex = if serial % 2 == 0 { Sex::Female } else { Sex::Male };
            let birth = Date::from_calendar_date(1960 + serial as i32, time::Month::March, 10).expect("date");
            let nik = Nik::compose(district, birth, sex, serial as u16).expect("NIK");
            let p = PersonDraft {
                nik: nik.reveal(),
                household_id: Some(h.id.to_string()),
                name: format!("Kepala {serial}"),
                sex: sex.code().into(),
                birth_date: berdaya_domain::registry::text::format_date(birth),
                relation: "head".into(),
                education: "sd".into(),
                occupation: None,
                disability: "none".into(),
            };
            store.create_person(&p.parse().expect("person")).await.expect("create person");
            ids.push(h.id);
        }
    }
    ids
}

async fn json(client: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A table of a dashboard answer, by id.
fn table<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == id))
        .unwrap_or_else(|| panic!("no table {id}: {body}"))
}

/// A table's rows as (key, cells).
fn rows(table: &Value) -> Vec<(String, Vec<Value>)> {
    table["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["key"].as_str().unwrap_or("").to_string(), r["cells"].as_array().cloned().unwrap_or_default()))
        .collect()
}

fn n(v: u64) -> Value {
    Value::from(v)
}

/// Every sheet of a workbook, as rows of cells.
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<Cell>>)> {
    let mut wb = Workbook::from_bytes(bytes, Limits::SURVEY).expect("the XLSX opens");
    let names: Vec<String> = wb.sheet_names().map(str::to_string).collect();
    names
        .into_iter()
        .map(|name| {
            let mut rows = wb.rows(&name).expect("sheet");
            let (mut cells, mut all) = (Vec::new(), Vec::new());
            while rows.next_row(&mut cells).expect("row").is_some() {
                all.push(cells.clone());
            }
            (name, all)
        })
        .collect()
}

/// A JSON cell as the XLSX holds it: the count, or the text a suppressed count shows.
fn as_cell(v: &Value, below: u64) -> Cell {
    match v.as_u64() {
        Some(n) => Cell::Number(n as f64),
        None => Cell::Text(format!("< {below}")),
    }
}

backend_tests! {
    async fn dashboard_is_scoped_to_the_area(app: TestApp) {
        seed(&*app.store).await;
        let (agency, _) = fixtures::program(&*app.store).await;
        create_user(&*app.store, "petugas", Role::ProgramOfficer, Some("33.16"), Some(agency), None).await;
        let officer = login(&app.address, "petugas", PASSWORD).await.expect("officer signs in");

        let (status, all) = json(&app.client, &app.url("/api/v1/dashboard")).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        assert_eq!(all["region"], Value::Null);
        assert_eq!(all["suppressed_below"], Value::Null);
        let provinces = rows(table(&all, "regions"));
        assert_eq!(provinces, [("33".to_string(), vec![n(10), n(10)]), ("62".to_string(), vec![n(2), n(2)])]);
        assert_eq!(table(&all, "regions")["totals"], serde_json::json!([12, 12]));

        let (status, blora) = json(&officer, &app.url("/api/v1/dashboard")).await;
        assert_eq!(status, StatusCode::OK, "{blora}");
        assert_eq!(blora["region"], "33.16");
        assert_eq!(rows(table(&blora, "regions")), [("33.16.09".to_string(), vec![n(10), n(10)])]);
        let welfare = rows(table(&blora, "welfare"));
        assert_eq!((&welfare[0].1, &welfare[1].1), (&vec![n(7)], &vec![n(3)]), "exact counts for the officer");
        assert_eq!(rows(table(&blora, "dtks")), [("true".to_string(), vec![n(3)]), ("false".to_string(), vec![n(7)])]);
        assert!(!blora.to_string().contains("Palangka"), "nothing outside Blora: {blora}");

        let (status, villages) = json(&officer, &app.url("/api/v1/dashboard?region=33.16.09")).await;
        assert_eq!(status, StatusCode::OK);
        let keys: Vec<String> = rows(table(&villages, "regions")).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["33.16.09.2001", "33.16.09.2002"]);

        // Outside the area is answered as a region that does not exist; text that is no
        // code is a 400 naming the field.
        for (who, path) in [(&officer, "/api/v1/dashboard?region=62"), (&app.client, "/api/v1/dashboard?region=99")] {
            let (status, body) = json(who, &app.url(path)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        }
        let (status, body) = json(&officer, &app.url("/api/v1/dashboard/programs?region=62.71")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = json(&officer, &app.url("/api/v1/dashboard?region=Blora")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["fields"][0]["field"], "region", "{body}");
        let page = officer.get(app.url("/?region=62")).send().await.expect("page");
        assert_eq!(page.status(), StatusCode::NOT_FOUND);

        let anonymous = app.anonymous.get(app.url("/api/v1/dashboard")).send().await.expect("request");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }

    async fn viewer_sees_small_counts_suppressed(app: TestApp) {
        seed(&*app.store).await;
        create_user(&*app.store, "pemantau", Role::Viewer, Some("33.16"), None, None).await;
        let viewer = login(&app.address, "pemantau", PASSWORD).await.expect("viewer signs in");

        let (status, body) = json(&viewer, &app.url("/api/v1/dashboard?region=33.16.09")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["suppressed_below"], 5);
        // Kutukan's 3 is hidden, and Pilang's 7 with it: the total (10) would give it away.
        let regions = table(&body, "regions");
        assert_eq!(rows(regions), [
            ("33.16.09.2001".to_string(), vec![Value::Null, Value::Null]),
            ("33.16.09.2002".to_string(), vec![Value::Null, Value::Null]),
        ]);
        assert_eq!(regions["totals"], serde_json::json!([10, 10]));
        let welfare = rows(table(&body, "welfare"));
        assert_eq!((&welfare[0].1, &welfare[1].1, &welfare[2].1), (&vec![Value::Null], &vec![Value::Null], &vec![n(0)]));
        // Nothing from 1 to 4 anywhere in the answer's counts.
        for t in body["tables"].as_array().expect("tables") {
            for (_, cells) in rows(t) {
                assert!(cells.iter().all(|c| c.as_u64().is_none_or(|v| v == 0 || v >= 5)), "{t}");
            }
        }

        // Blora as a whole: one child (10 households), shown.
        let (_, blora) = json(&viewer, &app.url("/api/v1/dashboard")).await;
        assert_eq!(rows(table(&blora, "regions")), [("33.16.09".to_string(), vec![n(10), n(10)])]);

        // The page says "< 5", never a small count, and the viewer's menu holds only what it opens.
        let html = viewer.get(app.url("/?region=33.16.09")).send().await.expect("page").text().await.expect("html");
        assert!(html.contains("&#60; 5") && html.contains(r#"id="suppressed-note""#), "{html}");
        for cell in html.split(r#"<td class="num"#).skip(1) {
            let text = cell.split('>').nth(1).and_then(|s| s.split('<').next()).unwrap_or("");
            assert!(!matches!(text.trim(), "1" | "2" | "3" | "4"), "a small count is shown: {text}");
        }
        assert!(html.contains(r#"href="/dashboard/programs""#) && !html.contains(r#"href="/households""#));
        let programs = viewer.get(app.url("/dashboard/programs")).send().await.expect("page");
        assert_eq!(programs.status(), StatusCode::OK);

        // The XLSX holds the same: "< 5" as text, the total as a number.
        let res = viewer.get(app.url("/dashboard.xlsx?region=33.16.09")).send().await.expect("xlsx");
        assert_eq!(res.status(), StatusCode::OK);
        let book = sheets(&res.bytes().await.expect("bytes"));
        let (_, welfare_sheet) = &book[1];
        assert_eq!(welfare_sheet[1], [Cell::Text("Pra Sejahtera".into()), Cell::Text("< 5".into())]);
        assert_eq!(welfare_sheet.last().expect("total"), &vec![Cell::Text("Total".into()), Cell::Number(10.0)]);
    }

    async fn xlsx_holds_the_numbers_of_the_json(app: TestApp) {
        let ids = seed(&*app.store).await;
        let (_, program) = fixtures::program(&*app.store).await;
        for (i, id) in ids.iter().take(6).enumerate() {
            let draft = EnrollmentDraft {
                subject_kind: "household".into(),
                subject_id: id.to_string(),
                status: if i < 5 { String::new() } else { "suspended".into() },
                enrolled_on: "2024-01-01".into(),
                ended_on: None,
            };
            app.store.enroll(program, &draft.parse().expect("enrollment")).await.expect("enroll");
        }
        for (api, xlsx) in [("/api/v1/dashboard", "/dashboard.xlsx"), ("/api/v1/dashboard/programs", "/dashboard/programs.xlsx")] {
            let (status, body) = json(&app.client, &app.url(api)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let res = app.client.get(app.url(xlsx)).send().await.expect("xlsx");
            assert!(res.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
            let book = sheets(&res.bytes().await.expect("bytes"));
            let tables = body["tables"].as_array().expect("tables");
            assert_eq!(book.len(), tables.len(), "one sheet per table");
            for ((name, sheet), t) in book.iter().zip(tables) {
                assert!(t["title"].as_str().is_some_and(|title| title.starts_with(&name[..name.len().min(20)])));
                for (row, r) in sheet.iter().skip(1).zip(t["rows"].as_array().expect("rows")) {
                    let want: Vec<Cell> = std::iter::once(Cell::Text(r["label"].as_str().unwrap_or("").into()))
                        .chain(r["cells"].as_array().expect("cells").iter().map(|c| as_cell(c, 5)))
                        .collect();
                    assert_eq!(row, &want, "sheet {name}");
                }
            }
        }
        // The programs dashboard counts the enrollments: 5 running and 1 suspended this month,
        // 5 enrolled in Randublatung (the target region).
        let (_, body) = json(&app.client, &app.url("/api/v1/dashboard/programs")).await;
        let statuses: Vec<&str> = body["statuses"].as_array().expect("statuses").iter().filter_map(Value::as_str).collect();
        let status = rows(table(&body, "status"));
        let last = &status.last().expect("this month").1;
        let suspended = statuses.iter().position(|s| *s == "suspended").expect("suspended");
        assert_eq!(last[suspended], n(1));
        assert_eq!(last.iter().filter_map(Value::as_u64).sum::<u64>(), 6);
        assert_eq!(rows(table(&body, "coverage")), [(format!("{program}/33.16.09"), vec![n(5)])]);
        assert_eq!(rows(table(&body, "covered")), [(program.to_string(), vec![n(1), n(1)])]);
    }
}
