//! Farmer-group class assessment through the API and the pages: the default instrument, an
//! assessment's total, class at the band boundaries, previous class, change and due date; a
//! score above its indicator's maximum refused naming the indicator (in Indonesian on the
//! page) with nothing written; who reads and who writes; a program's groups per class and
//! their XLSX; a new instrument version that leaves stored assessments alone.

use berdaya_domain::registry::NewStaff;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::access::world;
use crate::backend_tests;
use crate::helpers::TestApp;

async fn get_json(client: &reqwest::Client, url: String) -> (StatusCode, Value) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The default instrument's indicator ids and maxima, in order.
async fn indicators(app: &TestApp) -> (i64, Vec<(i64, i64)>) {
    let (status, list) = get_json(&app.client, app.url("/api/v1/class-instruments")).await;
    assert_eq!(status, StatusCode::OK);
    let i = &list[0];
    let ids = i["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .map(|d| (d["id"].as_i64().expect("id"), d["max_score"].as_i64().expect("max")))
        .collect();
    (i["id"].as_i64().expect("instrument id"), ids)
}

/// Scores summing to `total`, indicator by indicator.
fn scores(ind: &[(i64, i64)], total: i64) -> Value {
    let mut left = total;
    let mut map = serde_json::Map::new();
    for (id, max) in ind {
        let s = left.min(*max);
        left -= s;
        map.insert(id.to_string(), json!(s));
    }
    Value::Object(map)
}

backend_tests! {
    async fn assessments_earn_their_class_and_refuse_a_score_above_the_maximum(app: TestApp) {
        let (w, clients) = world(&app).await;
        let s = &*app.store;
        let agencies = s.search_agencies(&berdaya_store::Query::default()).await.expect("agencies").items;
        let dinsos = agencies.iter().find(|a| a.name == "Dinas Sosial Blora").expect("dinsos").id;
        let staff = s.add_staff(dinsos, &NewStaff { name: "Penyuluh Blora".into(), position: "Penyuluh".into() }).await.expect("staff");
        let (instrument, ind) = indicators(&app).await;
        assert_eq!(ind.len(), 20);
        assert_eq!(ind.iter().map(|(_, m)| m).sum::<i64>(), 1000);
        let body = |on: &str, total: i64| json!({"group_id": w.g_own, "program_id": w.prog_blora, "instrument_id": instrument,
            "assessor_id": staff.id, "assessed_on": on, "scores": scores(&ind, total)});
        let officer = &clients["officer"];
        let post = |b: Value| officer.post(app.url("/api/v1/class-assessments")).json(&b).send();

        let res = post(body("2020-03-01", 250)).await.expect("post");
        assert_eq!(res.status(), StatusCode::CREATED);
        let first: Value = res.json().await.expect("json");
        assert_eq!((first["total"].as_i64(), first["class"].as_str(), &first["change"]), (Some(250), Some("pemula"), &Value::Null));
        assert_eq!(first["due_on"], "2023-03-01");

        let res = post(body("2023-03-01", 251)).await.expect("post");
        assert_eq!(res.status(), StatusCode::CREATED);
        let second: Value = res.json().await.expect("json");
        assert_eq!((second["class"].as_str(), second["previous_class"].as_str(), second["change"].as_str()), (Some("lanjut"), Some("pemula"), Some("naik")));
        assert_eq!(second["previous_id"], first["id"]);

        // Above the maximum: 422 naming the indicator and its maximum; nothing written.
        let mut bad = body("2024-01-01", 500);
        let (id, max) = ind[2];
        bad["scores"][id.to_string()] = json!(max + 1);
        let res = post(bad.clone()).await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = res.json().await.expect("json");
        let field = &err["error"]["fields"][0];
        assert_eq!(field["field"], format!("scores.{id}"));
        assert!(field["message"].as_str().unwrap_or_default().contains(&format!("maximum of {max}")), "{err}");
        bad["scores"][id.to_string()] = json!(-1);
        assert_eq!(post(bad.clone()).await.expect("post").status(), StatusCode::UNPROCESSABLE_ENTITY);
        bad["scores"][id.to_string()] = json!("1,5");
        assert_eq!(post(bad.clone()).await.expect("post").status(), StatusCode::UNPROCESSABLE_ENTITY);
        let (_, history) = get_json(officer, app.url(&format!("/api/v1/groups/{}/class-assessments", w.g_own))).await;
        assert_eq!(history.as_array().map(Vec::len), Some(2), "the refused assessments wrote nothing");
        assert_eq!(history[0]["id"], second["id"], "newest first");

        // Who writes: the program officer of the program's agency and administrators only.
        for who in ["fac", "leader", "eva", "viewer"] {
            let res = clients[who].post(app.url("/api/v1/class-assessments")).json(&body("2024-02-01", 10)).send().await.expect("post");
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
        }
        // Who reads the group's history: not the viewer; the group officer of this group.
        for (who, status) in [("admin", 200), ("officer", 200), ("leader", 200), ("eva", 200), ("viewer", 403)] {
            let (got, _) = get_json(&clients[who], app.url(&format!("/api/v1/groups/{}/class-assessments", w.g_own))).await;
            assert_eq!(got.as_u16(), status, "{who}");
        }
        let (got, _) = get_json(&clients["officer"], app.url(&format!("/api/v1/groups/{}/class-assessments", w.g_batu))).await;
        assert_eq!(got, StatusCode::NOT_FOUND, "a group out of the area reads as missing");
        let (got, _) = get_json(&clients["officer"], app.url(&format!("/api/v1/class-assessments/{}", first["id"]))).await;
        assert_eq!(got, StatusCode::OK);

        // The program's groups per class (the group was assessed under it), and the workbook.
        let (got, classes) = get_json(officer, app.url(&format!("/api/v1/programs/{}/classes", w.prog_blora))).await;
        assert_eq!(got, StatusCode::OK);
        let lanjut = classes["counts"].as_array().expect("counts").iter().find(|c| c["class"] == "lanjut").expect("lanjut")["groups"].clone();
        assert_eq!(lanjut, json!(1));
        let own = classes["groups"].as_array().expect("groups").iter().find(|g| g["group_id"] == json!(w.g_own)).expect("own group");
        assert_eq!((own["class"].as_str(), own["overdue"].as_bool()), (Some("lanjut"), Some(true)), "due 2026-03-01, before today");
        let res = officer.get(app.url(&format!("/programs/{}/classes.xlsx", w.prog_blora))).send().await.expect("xlsx");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"].to_str().unwrap_or_default().contains("spreadsheetml"));
        assert!(res.bytes().await.expect("bytes").starts_with(b"PK"));
    }

    async fn the_pages_record_an_assessment_and_show_the_history(app: TestApp) {
        let (w, clients) = world(&app).await;
        let s = &*app.store;
        let agencies = s.search_agencies(&berdaya_store::Query::default()).await.expect("agencies").items;
        let dinsos = agencies.iter().find(|a| a.name == "Dinas Sosial Blora").expect("dinsos").id;
        let staff = s.add_staff(dinsos, &NewStaff { name: "Penyuluh Blora".into(), position: "Penyuluh".into() }).await.expect("staff");
        let (instrument, ind) = indicators(&app).await;
        let officer = &clients["officer"];

        let group_page = officer.get(app.url(&format!("/groups/{}", w.g_own))).send().await.expect("group").text().await.expect("html");
        assert!(group_page.contains("Riwayat kelas kelompok"), "the group page has the class panel");
        assert!(group_page.contains(&format!("/groups/{}/class-assessments/new", w.g_own)));
        let form = officer.get(app.url(&format!("/groups/{}/class-assessments/new", w.g_own))).send().await.expect("form");
        assert_eq!(form.status(), StatusCode::OK);
        let form = form.text().await.expect("html");
        assert!(form.contains(&format!("name=\"scores.{}\"", ind[0].0)) && form.contains("Perencanaan"));

        let mut fields: Vec<(String, String)> = vec![
            ("program_id".into(), w.prog_blora.to_string()),
            ("assessor_id".into(), staff.id.to_string()),
            ("assessed_on".into(), "2023-06-01".into()),
            ("instrument_id".into(), instrument.to_string()),
        ];
        for (i, (id, _)) in ind.iter().enumerate() {
            fields.push((format!("scores.{id}"), if i < 12 { "50" } else { "1" }.into()));
        }
        let mut bad = fields.clone();
        bad.retain(|(k, _)| *k != format!("scores.{}", ind[5].0));
        bad.push((format!("scores.{}", ind[5].0), "51".into()));
        let action = app.url(&format!("/groups/{}/class-assessments", w.g_own));
        let res = officer.post(&action).form(&bad).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.expect("html");
        assert!(html.contains("melebihi skor maksimum 50 untuk indikator ini"), "the refusal in Indonesian beside its field");
        assert!(s.group_class_history(w.g_own).await.expect("history").is_empty(), "nothing written");

        let res = officer.post(&action).form(&fields).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = res.headers()["location"].to_str().expect("location").to_string();
        assert!(to.starts_with("/class-assessments/"), "{to}");
        let view = officer.get(app.url(&to)).send().await.expect("view").text().await.expect("html");
        assert!(view.contains("608 / 1000") && view.contains("Madya") && view.contains("2026-06-01"), "total, class and due date");
        let group_page = officer.get(app.url(&format!("/groups/{}", w.g_own))).send().await.expect("group").text().await.expect("html");
        assert!(group_page.contains("Madya") && group_page.contains("2023-06-01"));
        let program = officer.get(app.url(&format!("/programs/{}", w.prog_blora))).send().await.expect("program").text().await.expect("html");
        assert!(program.contains(&format!("/programs/{}/classes", w.prog_blora)), "the program page links its groups per class");
        let classes = officer.get(app.url(&format!("/programs/{}/classes", w.prog_blora))).send().await.expect("classes");
        assert_eq!(classes.status(), StatusCode::OK);
        assert!(classes.text().await.expect("html").contains("Poktan Pilang Makmur"));

        // A new instrument version: the old one is kept, retired, and the assessment unchanged.
        let edit = officer.get(app.url(&format!("/class-instruments/{instrument}/edit"))).send().await.expect("edit");
        assert_eq!(edit.status(), StatusCode::OK);
        let edit = edit.text().await.expect("html");
        assert!(edit.contains("name=\"indicators.19.max_score\""), "every indicator is in the form");
        let version = "1";
        let mut form: Vec<(String, String)> = vec![
            ("name".into(), "Penilaian kelas — tabel dinas".into()),
            ("lanjut_from".into(), "301".into()),
            ("madya_from".into(), "601".into()),
            ("utama_from".into(), "801".into()),
            ("reassess_months".into(), "12".into()),
            ("version".into(), version.into()),
        ];
        let abilities = ["planning", "organizing", "implementing", "controlling", "leadership"];
        for (n, a) in abilities.iter().enumerate() {
            form.push((format!("indicators.{n}.ability"), (*a).into()));
            form.push((format!("indicators.{n}.text"), format!("Indikator {n}")));
            form.push((format!("indicators.{n}.max_score"), "200".into()));
        }
        form.push(("indicators.5.ability".into(), String::new()));
        form.push(("indicators.5.text".into(), String::new()));
        form.push(("indicators.5.max_score".into(), String::new()));
        let res = officer.post(app.url(&format!("/class-instruments/{instrument}/edit"))).form(&form).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let old = officer.get(app.url(&format!("/class-instruments/{instrument}"))).send().await.expect("old").text().await.expect("html");
        assert!(old.contains("Sudah diganti versi baru"));
        let again = officer.get(app.url(&to)).send().await.expect("view").text().await.expect("html");
        assert!(again.contains("608 / 1000") && again.contains("Madya"), "stored results unchanged");
        let viewer = clients["viewer"].get(app.url(&format!("/programs/{}/classes", w.prog_blora))).send().await.expect("viewer");
        assert_eq!(viewer.status(), StatusCode::FORBIDDEN);
        let refused = clients["fac"].post(app.url(&format!("/class-instruments/{instrument}/edit"))).form(&form).send().await.expect("fac");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}

backend_tests! {
    async fn findings_show_the_matrix_and_the_factors_with_no_effort(app: TestApp) {
        let (w, clients) = world(&app).await;
        let officer = &clients["officer"];
        let (_, frameworks) = get_json(officer, app.url("/api/v1/frameworks")).await;
        let bina = frameworks.as_array().expect("frameworks").iter().find(|f| f["code"] == "bina").expect("bina").clone();
        let manusia = bina["dimensions"][0]["id"].as_i64().expect("manusia");
        let lingkungan = bina["dimensions"][2]["id"].as_i64().expect("lingkungan");
        let post = |b: Value| officer.post(app.url("/api/v1/findings")).json(&b).send();
        let made = |b: Value| async move {
            let res = post(b).await.expect("post");
            assert_eq!(res.status(), StatusCode::CREATED);
            res.json::<Value>().await.expect("json")["id"].as_i64().expect("id")
        };
        let low = made(json!({"program_id": w.prog_blora, "kind": "inhibiting", "title": "Tingkat pendidikan rendah",
            "dimension_ids": [manusia], "group_ids": [w.g_own]})).await;
        let flood = made(json!({"program_id": w.prog_blora, "kind": "inhibiting", "title": "Saluran air belum baik",
            "dimension_ids": [lingkungan]})).await;
        made(json!({"program_id": w.prog_blora, "kind": "supporting", "title": "Agrowisata Misik Kalampangan"})).await;
        made(json!({"program_id": w.prog_blora, "kind": "effort", "title": "Pendampingan oleh penyuluh",
            "answers": [low], "dimension_ids": [manusia]})).await;
        // An effort must answer an inhibiting factor; a factor answers nothing.
        let res = post(json!({"program_id": w.prog_blora, "kind": "effort", "title": "x"})).await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = post(json!({"program_id": w.prog_blora, "kind": "effort", "title": "x", "answers": [987654]})).await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        for who in ["fac", "leader", "eva", "viewer"] {
            let res = clients[who].post(app.url("/api/v1/findings")).json(&json!({"program_id": w.prog_blora, "kind": "inhibiting", "title": "x"})).send().await.expect("post");
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
        }
        let res = officer.post(app.url(&format!("/api/v1/findings/{flood}/evidence")))
            .json(&json!({"kind": "quote", "text": "Kalau hujan deras lahan tergenang", "source": "Wawancara"})).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::CREATED);

        let (status, all) = get_json(officer, app.url(&format!("/api/v1/programs/{}/findings", w.prog_blora))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(all["unanswered"], json!([flood]));
        assert_eq!(all["findings"].as_array().map(Vec::len), Some(4));
        let html = officer.get(app.url(&format!("/programs/{}/findings", w.prog_blora))).send().await.expect("page").text().await.expect("html");
        assert!(html.contains("Bina Manusia") && html.contains("Pendampingan oleh penyuluh"), "the matrix row");
        assert!(html.contains("Belum ada upaya") && html.contains("Saluran air belum baik"), "the factor with no effort, flagged");
        assert!(html.contains("Agrowisata Misik Kalampangan") && html.contains("Kalau hujan deras"));
        // The page's forms: a factor added, a bad effort refused beside its field.
        let res = officer.post(app.url(&format!("/programs/{}/findings", w.prog_blora)))
            .form(&[("kind", "effort"), ("title", "Sosialisasi drainase"), ("answers", "")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.expect("html").contains("upaya menjawab satu atau lebih faktor penghambat"));
        let flood_id = flood.to_string();
        let res = officer.post(app.url(&format!("/programs/{}/findings", w.prog_blora)))
            .form(&[("kind", "effort"), ("title", "Sosialisasi drainase"), ("answers", flood_id.as_str())]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, all) = get_json(officer, app.url(&format!("/api/v1/programs/{}/findings", w.prog_blora))).await;
        assert_eq!(all["unanswered"], json!([]));
        let res = officer.get(app.url(&format!("/programs/{}/findings.xlsx", w.prog_blora))).send().await.expect("xlsx");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.bytes().await.expect("bytes").starts_with(b"PK"));
        let (status, _) = get_json(&clients["viewer"], app.url(&format!("/api/v1/programs/{}/findings", w.prog_blora))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = get_json(officer, app.url(&format!("/api/v1/programs/{}/findings", w.prog_batu))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
