//! The education form over the API and its page: a facilitator's CSV stored and each
//! pupil's school-attendance obligation recorded from the period's months; an XLSX read the
//! same; a file with a bad row refused whole (row and column named, in Indonesian) with
//! nothing stored; a pupil of a family outside the caller's scope refused exactly like an
//! unknown NIK; the upload page sending the file as multipart; a closed period refusing.

use berdaya_domain::pkh::Period;
use berdaya_domain::pkh::family::NewFamily;
use berdaya_domain::registry::Id;
use berdaya_files::tables::{SheetTable, TableCell, write_tables};
use serde_json::{Value, json};
use time::macros::date;

use crate::access::world;
use crate::backend_tests;
use crate::helpers::TestApp;

/// Probed here rather than in scope.rs: every write route of this part.
pub const PROBED_HERE: [(&str, &str); 1] = [("post", "/api/v1/pkh/periods/{id}/school-attendance")];

const HEAD: &str = "sekolah,nik,nama,bulan,alpa,izin,sakit,hari_efektif";

async fn post_file(client: &reqwest::Client, url: String, body: Vec<u8>) -> (u16, Value) {
    let res = client
        .post(url)
        .header("content-type", "text/csv")
        .header("accept-language", "id")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn enroll(app: &TestApp, program: Id, household: Id) -> Id {
    let f = NewFamily {
        household_id: household,
        decile: Some(1),
        facilitator_id: None,
        enrolled_on: date!(2025 - 01 - 02),
    };
    app.store.enroll_pkh_family(program, &f).await.expect("enroll").id
}

async fn school_record(app: &TestApp, period: Id, family: Id) -> Option<(bool, Option<i64>)> {
    app.store
        .pkh_compliance(period, family)
        .await
        .expect("compliance")
        .into_iter()
        .find(|c| c.obligation == "school_attendance")
        .map(|c| (c.compliant, c.attendance_tenths))
}

fn messages(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["text"].as_str().map(str::to_string))
        .collect()
}

backend_tests! {
    async fn the_education_form_is_imported_whole_within_scope(app: TestApp) {
        let (w, clients) = world(&app).await;
        let (officer, fac, viewer) = (&clients["officer"], &clients["fac"], &clients["viewer"]);
        let own = enroll(&app, w.prog_blora, w.h_assigned).await;
        let other = enroll(&app, w.prog_blora, w.h_other).await;
        let p = app.store.open_pkh_period(w.prog_blora, Period::parse("2026-1").expect("period")).await.expect("open");
        let url = app.url(&format!("/api/v1/pkh/periods/{}/school-attendance", p.id));

        // The facilitator's own pupil: January 95 %, February 80 % (4 alpa of 20) → not met.
        let csv = format!(
            "{HEAD}\nSD Negeri Pilang 1,{nik},Siswa,2026-01,1,2,1,20\nSD Negeri Pilang 1,{nik},Siswa,2,4,0,0,20\n",
            nik = w.nik_assigned
        );
        let (s, body) = post_file(fac, url.clone(), csv.into_bytes()).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body, json!({ "rows": 2, "pupils": 1, "compliant": 0, "not_compliant": 1 }));
        assert_eq!(school_record(&app, p.id, own).await, Some((false, Some(800))));

        // One bad row refuses the file: every problem named by row and column, in Indonesian,
        // and nothing of it stored (February stays at 4 alpa).
        let bad = format!(
            "{HEAD}\nSD Negeri Pilang 1,{nik},Siswa,2026-02,0,0,0,20\nSD Negeri Pilang 1,{nik},Siswa,2026-04,0,0,0,20\n,{nik},Siswa,2026-03,9,9,9,20\n",
            nik = w.nik_assigned
        );
        let (s, body) = post_file(fac, url.clone(), bad.into_bytes()).await;
        assert_eq!(s, 422, "{body}");
        let said = messages(&body);
        assert!(said.iter().any(|m| m.contains("baris 3, kolom month") && m.contains("bukan bulan dalam periode 2026-1")), "{said:?}");
        assert!(said.iter().any(|m| m.contains("baris 4, kolom school") && m.contains("wajib diisi")), "{said:?}");
        assert!(said.iter().any(|m| m.contains("baris 4, kolom absent") && m.contains("lebih dari hari efektif")), "{said:?}");
        let months = app.store.pkh_school_months(p.id, own).await.expect("months");
        assert_eq!(months.iter().map(|m| (m.month.as_str(), m.attendance.absent)).collect::<Vec<_>>(), [("2026-01", 1), ("2026-02", 4)]);

        // A pupil of a family outside the facilitator's scope reads exactly like an unknown NIK.
        let row = |nik: &str| format!("{HEAD}\nSD Negeri Pilang 1,{nik},Siswa,2026-01,0,0,0,20\n").into_bytes();
        let (hidden_status, hidden) = post_file(fac, url.clone(), row(&w.nik_other)).await;
        let (missing_status, missing) = post_file(fac, url.clone(), row("3316024101990009")).await;
        assert_eq!((hidden_status, &hidden), (missing_status, &missing));
        assert_eq!(hidden_status, 422);
        assert!(messages(&hidden).iter().any(|m| m.contains("baris 2, kolom nik")), "{hidden}");
        assert!(app.store.pkh_school_months(p.id, other).await.expect("months").is_empty());
        // So is a NIK of another province's program (Batu), for the officer of Blora.
        let (s, body) = post_file(officer, url.clone(), row(&w.nik_batu)).await;
        assert_eq!(s, 422, "{body}");

        // The officer sends an XLSX with both pupils; a corrected February meets the rule.
        let cell = |s: &str| TableCell::Text(s.to_string());
        let sheet = SheetTable {
            name: "Formulir".into(),
            headers: ["school", "nik", "name", "month", "absent", "permitted", "sick", "effective_days"].map(String::from).to_vec(),
            rows: vec![
                vec![cell("SD Negeri Pilang 1"), cell(&w.nik_assigned), cell("Siswa"), cell("2026-02"), TableCell::Count(1), TableCell::Count(0), TableCell::Count(0), TableCell::Count(20)],
                vec![cell("SMP Negeri 1 Randublatung"), cell(&w.nik_other), cell("Siswi"), TableCell::Count(3), TableCell::Count(0), TableCell::Count(2), TableCell::Count(0), TableCell::Count(22)],
            ],
        };
        let xlsx = write_tables(&[sheet]).expect("xlsx");
        let (s, body) = post_file(officer, url.clone(), xlsx).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body, json!({ "rows": 2, "pupils": 2, "compliant": 2, "not_compliant": 0 }));
        assert_eq!(school_record(&app, p.id, own).await, Some((true, Some(950))));
        assert_eq!(school_record(&app, p.id, other).await, Some((true, Some(1000))));

        // A viewer reads no program: the period is missing to them.
        let (s, _) = post_file(viewer, url.clone(), row(&w.nik_assigned)).await;
        assert_eq!(s, 404);

        // The page: a file chooser in a multipart form; the upload stores and says what it did.
        let page = app.url(&format!("/pkh/periods/{}/school", p.id));
        let html = fac.get(&page).header("accept-language", "id").send().await.expect("get").text().await.expect("html");
        assert!(html.contains("enctype=\"multipart/form-data\"") && html.contains("type=\"file\""), "{html}");
        assert!(html.contains("paling banyak 50.000 baris dan 10 MB"), "the form states its limits: {html}");
        let period_page = fac.get(app.url(&format!("/pkh/periods/{}", p.id))).send().await.expect("get").text().await.expect("html");
        assert!(period_page.contains(&format!("/pkh/periods/{}/school", p.id)), "the period page links the import");
        let form = |bytes: Vec<u8>| reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("formulir.csv"));
        let ok = format!("{HEAD}\nSD Negeri Pilang 1,{},Siswa,2026-03,0,0,0,21\n", w.nik_assigned).into_bytes();
        let res = fac.post(&page).header("accept-language", "id").multipart(form(ok)).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 200);
        let html = res.text().await.expect("html");
        assert!(html.contains("Tersimpan 1 baris bulanan"), "{html}");
        let res = fac.post(&page).header("accept-language", "id").multipart(form(b"sekolah,nik\n".to_vec())).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 422);
        let html = res.text().await.expect("html");
        assert!(html.contains("kolom month") && html.contains("kolom ini wajib ada"), "{html}");
        let res = fac.post(&page).header("accept-language", "id").multipart(reqwest::multipart::Form::new().text("x", "1")).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 422);
        assert!(res.text().await.expect("html").contains("pilih berkas yang akan diunggah"));
        // The family's entry page shows the months.
        let entry = fac.get(app.url(&format!("/pkh/periods/{}/families/{own}", p.id))).header("accept-language", "id").send().await.expect("get").text().await.expect("html");
        assert!(entry.contains("Kehadiran sekolah (formulir pendidikan)") && entry.contains("2026-03"), "{entry}");

        // Hostile files cost nothing and say which limit they broke, in Indonesian: a
        // 1 KB workbook naming row 1,048,576, and a zip bomb (20 MiB of spaces packed ~1,000:1).
        let before = (school_record(&app, p.id, own).await, app.store.pkh_school_months(p.id, own).await.expect("months").len());
        let far = berdaya_files::testkit::two_cells("A1048576");
        assert!(far.len() < 2048, "{} bytes", far.len());
        let (s, body) = post_file(officer, url.clone(), far).await;
        assert_eq!(s, 422, "{body}");
        assert!(messages(&body).iter().any(|m| m.contains("berkas melebihi batas 50,001 baris") || m.contains("berkas melebihi batas 50.001 baris")), "{body}");
        let bomb = berdaya_files::testkit::whitespace(std::io::Cursor::new(Vec::new()), 20).expect("bomb").into_inner();
        let (s, body) = post_file(officer, url.clone(), bomb).await;
        assert_eq!(s, 422, "{body}");
        assert!(messages(&body).iter().any(|m| m.contains("melebihi batas rasio 250:1")), "{body}");
        let after = (school_record(&app, p.id, own).await, app.store.pkh_school_months(p.id, own).await.expect("months").len());
        assert_eq!(after, before, "nothing stored");

        // A closed period refuses.
        app.store.close_pkh_period(p.id, None).await.expect("close");
        let (s, body) = post_file(officer, url, row(&w.nik_assigned)).await;
        assert_eq!(s, 422, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "period_id", "{body}");
    }
}
