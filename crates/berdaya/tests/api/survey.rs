//! Survey analyses over HTTP: upload the built-in seed-004 instrument with the synthetic
//! responses of 43 respondents (`tests/fixtures/survey/`) through the JSON API and the form,
//! then find the analysis again in the list, on its report page and as XLSX and JSON.
//! Refusals: the paper's printed bins (gaps and an overlap), bad answers, a non-XLSX file.

use berdaya_domain::survey::seed004;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::backend_tests;
use crate::helpers::TestApp;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/survey").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn instrument() -> Vec<u8> {
    berdaya_files::survey::xlsform_to_bytes(&seed004::xlsform()).expect("built-in instrument")
}

fn printed_instrument() -> Vec<u8> {
    berdaya_files::survey::xlsform_to_bytes(&seed004::printed_xlsform()).expect("printed instrument")
}

fn upload(title: &str, form: Vec<u8>, form_name: &str, responses: Vec<u8>, drop: bool) -> Form {
    let mut f = Form::new()
        .text("title", title.to_string())
        .part("instrument", Part::bytes(form).file_name(form_name.to_string()))
        .part("responses", Part::bytes(responses).file_name("responses_43.csv"))
        .text("alpha", "0.05");
    if drop {
        f = f.text("drop_incomplete", "true");
    }
    f
}

async fn post_api(app: &TestApp, form: Form) -> (StatusCode, Value) {
    let res = app.client.post(app.url("/api/v1/survey/analyses")).multipart(form).send().await.expect("post");
    let status = res.status();
    (status, res.json().await.expect("json body"))
}

async fn post_page(app: &TestApp, form: Form) -> (StatusCode, String, Option<String>) {
    post_page_at(app, "/survey", form).await
}

/// Posts the upload form to `path` (`/survey?lang=en` for the English page).
async fn post_page_at(app: &TestApp, path: &str, form: Form) -> (StatusCode, String, Option<String>) {
    let res = app.client.post(app.url(path)).multipart(form).send().await.expect("post");
    let status = res.status();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    (status, res.text().await.expect("body"), location)
}

async fn get_text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.client.get(app.url(path)).send().await.expect("get");
    let status = res.status();
    (status, res.text().await.expect("body"))
}

backend_tests! {
    async fn api_upload_is_saved_listed_and_downloadable(app: TestApp) {
        // The workbook writer stamps the time: keep the one uploaded to compare.
        let form = instrument();
        let (status, body) = post_api(
            &app,
            upload("Partisipasi optimasi lahan 2024", form.clone(), "seed004.xlsx", fixture("responses_43.csv"), false),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().expect("id");
        assert_eq!(body["title"], "Partisipasi optimasi lahan 2024");
        assert_eq!(body["n"], 43);
        let report = &body["report"];
        assert_eq!(report["n"], 43);
        assert_eq!(report["total"]["items"], 14);
        assert_eq!(report["total"]["bounds"], serde_json::json!([24.5, 35.0, 45.5, 56.0]));
        assert_eq!(report["indicators"].as_array().expect("indicators").len(), 3);
        assert!(!report["correlations"].as_array().expect("correlations").is_empty());
        assert!(report["reliability"]["cronbach_alpha"].is_number());
        assert_eq!(body["links"]["page"], format!("/survey/{id}"));

        // Found again: in the list, by id, as JSON and XLSX.
        let list: Value = app.client.get(app.url("/api/v1/survey/analyses")).send().await.expect("list").json().await.expect("json");
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["id"], id);
        assert_eq!(list["items"][0]["instrument_name"], "seed004.xlsx");
        let one: Value = app.client.get(app.url(&format!("/api/v1/survey/analyses/{id}"))).send().await.expect("show").json().await.expect("json");
        assert_eq!(&one["report"], report);

        let res = app.client.get(app.url(&format!("/survey/{id}/report.json"))).send().await.expect("json");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-disposition"].to_str().expect("header").contains(".json"));
        let downloaded: Value = res.json().await.expect("report json");
        assert_eq!(&downloaded, report);

        let res = app.client.get(app.url(&format!("/survey/{id}/report.xlsx"))).send().await.expect("xlsx");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let bytes = res.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"PK"), "not an xlsx");

        // The uploaded files come back byte for byte (so the analysis can be re-run).
        let res = app.client.get(app.url(&format!("/survey/{id}/responses"))).send().await.expect("responses");
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), fixture("responses_43.csv").as_slice());
        let res = app.client.get(app.url(&format!("/survey/{id}/instrument"))).send().await.expect("instrument");
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), form.as_slice());

        // The report page: computed bounds of the 14-item total, in each language's notation.
        let (status, en) = get_text(&app, &format!("/survey/{id}?lang=en")).await;
        assert_eq!(status, StatusCode::OK);
        for expected in ["24.5", "45.5", "<td data-label=\"Upper bound\">56</td>", "Cronbach", "tau-b", "<svg", "Diverging stacked bar chart", "/survey/1/report.xlsx"] {
            let expected = expected.replace("/survey/1/", &format!("/survey/{id}/"));
            assert!(en.contains(&expected), "missing `{expected}` on the English report page");
        }
        let (_, id_page) = get_text(&app, &format!("/survey/{id}?lang=id")).await;
        for expected in ["24,5", "45,5", "Sangat rendah", "Korelasi", "Alpha Cronbach"] {
            assert!(id_page.contains(expected), "missing `{expected}` on the Indonesian report page");
        }

        let (status, list_page) = get_text(&app, "/survey").await;
        assert_eq!(status, StatusCode::OK);
        assert!(list_page.contains("Partisipasi optimasi lahan 2024"));
        assert!(list_page.contains(&format!("href=\"/survey/{id}\"")));
        assert!(list_page.contains("/survey/example.xlsx"));

        let (status, _) = get_text(&app, &format!("/survey/{}", id + 100)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let res = app.client.get(app.url(&format!("/api/v1/survey/analyses/{}", id + 100))).send().await.expect("show");
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    async fn form_upload_redirects_to_the_report_and_lists_newest_first(app: TestApp) {
        let (status, form) = get_text(&app, "/survey/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("enctype=\"multipart/form-data\""));

        let (status, body, location) =
            post_page(&app, upload("Analisis pertama", instrument(), "seed004.xlsx", fixture("responses_43.csv"), false)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let first = location.expect("location");
        let (status, body, location) =
            post_page(&app, upload("Analisis kedua", instrument(), "seed004.xlsx", fixture("responses_43.csv"), false)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let second = location.expect("location");
        assert!(second.starts_with("/survey/") && second != first);

        let (status, page) = get_text(&app, &second).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Analisis kedua") && page.contains("24,5"));

        let (_, list) = get_text(&app, "/survey").await;
        let (a, b) = (list.find("Analisis kedua").expect("second listed"), list.find("Analisis pertama").expect("first listed"));
        assert!(a < b, "newest first");

        // The built-in example files are downloadable and analyse cleanly together.
        let example = app.client.get(app.url("/survey/example.xlsx")).send().await.expect("example");
        assert_eq!(example.status(), StatusCode::OK);
        let example = example.bytes().await.expect("bytes").to_vec();
        let sample = app.client.get(app.url("/survey/example-responses.csv")).send().await.expect("sample");
        assert_eq!(sample.status(), StatusCode::OK);
        let sample = sample.bytes().await.expect("bytes").to_vec();
        let (status, body) = post_api(&app, upload("Contoh", example, "instrumen.xlsx", sample, false)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["n"], 43);
    }

    async fn printed_bins_are_refused_with_every_gap_listed(app: TestApp) {
        let (status, body) =
            post_api(&app, upload("Cetakan", printed_instrument(), "printed.xlsx", fixture("responses_43.csv"), false)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields = body["error"]["fields"].as_array().expect("fields");
        assert_eq!(fields.len(), 8, "{body}");
        let messages: Vec<&str> = fields.iter().filter_map(|f| f["message"].as_str()).collect();
        for expected in [
            "survey row 4 (umur): bins: values up to 30 are in no bin",
            "survey row 4 (umur): bins: the value 70 is in two bins (61-70:2 and 70-:1)",
            "survey row 8 (luas_lahan): bins: values from 10001 are in no bin",
        ] {
            assert!(messages.contains(&expected), "missing `{expected}` in {messages:?}");
        }
        assert!(fields.iter().all(|f| f["field"] == "instrument"));
        // The `text` of each says it in the interface language (Indonesian by default).
        let texts: Vec<&str> = fields.iter().filter_map(|f| f["text"].as_str()).collect();
        let expected = "lembar survey baris 4 (umur): kelompok kode: nilai sampai 30 tidak masuk kelompok kode mana pun";
        assert!(texts.contains(&expected), "missing `{expected}` in {texts:?}");

        // The Indonesian page says each problem in Indonesian…
        let (status, page, _) =
            post_page(&app, upload("Cetakan", printed_instrument(), "printed.xlsx", fixture("responses_43.csv"), false)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"instrument-problems\""));
        assert!(
            page.contains(
                "<td>survey</td><td>4</td><td>umur</td><td>kelompok kode: nilai sampai 30 tidak masuk kelompok kode mana pun</td>"
            ),
            "{page}"
        );
        assert!(page.contains("nilai 6001–6099 tidak masuk kelompok kode mana pun"), "{page}");
        assert!(
            page.contains("nilai 70 masuk dua kelompok kode (61-70:2 dan 70-:1)"),
            "{page}"
        );
        assert!(!page.contains("are in no bin"), "{page}");
        assert!(page.contains("value=\"Cetakan\""), "the title is kept");
        // …and the English page in English.
        let (status, page, _) = post_page_at(
            &app,
            "/survey?lang=en",
            upload("Cetakan", printed_instrument(), "printed.xlsx", fixture("responses_43.csv"), false),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("<td>survey</td><td>4</td><td>umur</td><td>bins: values up to 30 are in no bin</td>"), "{page}");
        assert!(page.contains("values 6001–6099 are in no bin"));
        assert!(page.contains("value=\"Cetakan\""), "the title is kept");

        let list: Value = app.client.get(app.url("/api/v1/survey/analyses")).send().await.expect("list").json().await.expect("json");
        assert_eq!(list["total"], 0, "nothing saved");
    }

    async fn bad_answers_are_refused_naming_respondent_and_column(app: TestApp) {
        let (status, body) =
            post_api(&app, upload("Jawaban buruk", instrument(), "seed004.xlsx", fixture("bad_answers_43.csv"), false)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let messages: Vec<&str> =
            body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["message"].as_str()).collect();
        assert_eq!(messages.len(), 4, "{body}");
        for expected in [
            "row 5 (respondent R004), column persiapan/rekening: blank answer",
            "row 22 (respondent R021), column responden/motivasi: `tinggi` is not a choice of list `motivasi`",
        ] {
            assert!(messages.contains(&expected), "missing `{expected}` in {messages:?}");
        }

        let (status, page, _) =
            post_page(&app, upload("Jawaban buruk", instrument(), "seed004.xlsx", fixture("bad_answers_43.csv"), false)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"bad-answers\""));
        assert!(page.contains("<td>11</td><td>R010</td><td>persiapan/rembug_desa</td>"), "{page}");
        assert!(page.contains("<td>5</td><td>R004</td><td>persiapan/rekening</td><td>jawaban kosong</td>"), "{page}");
        assert!(
            page.contains("<td>responden/motivasi</td><td>`tinggi` bukan pilihan dari daftar `motivasi`</td>"),
            "{page}"
        );
        let (status, page, _) = post_page_at(
            &app,
            "/survey?lang=en",
            upload("Jawaban buruk", instrument(), "seed004.xlsx", fixture("bad_answers_43.csv"), false),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("<td>5</td><td>R004</td><td>persiapan/rekening</td><td>blank answer</td>"), "{page}");
        assert!(
            page.contains("<td>responden/motivasi</td><td>`tinggi` is not a choice of list `motivasi`</td>"),
            "{page}"
        );

        // With drop-incomplete the four are left out and said so.
        let (status, body) =
            post_api(&app, upload("Tanpa yang tidak lengkap", instrument(), "seed004.xlsx", fixture("bad_answers_43.csv"), true)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["n"], 39);
        assert_eq!(body["drop_incomplete"], true);
        assert_eq!(body["report"]["dropped"].as_array().expect("dropped").len(), 4);
        let (_, page) = get_text(&app, &format!("/survey/{}?lang=en", body["id"])).await;
        assert!(page.contains("R030"), "dropped respondents are listed");
        assert!(page.contains("4 respondent(s) with blank or invalid answers were dropped; 39 analysed."), "{page}");
        let (_, page) = get_text(&app, &format!("/survey/{}?lang=id", body["id"])).await;
        assert!(page.contains("4 responden dengan jawaban kosong atau tidak sah dikeluarkan; 39 dianalisis."), "{page}");
    }

    async fn wrong_files_and_fields_are_clear_client_errors(app: TestApp) {
        // A CSV where the workbook belongs.
        let (status, body) =
            post_api(&app, upload("Salah berkas", fixture("responses_43.csv"), "instrumen.csv", fixture("responses_43.csv"), false)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "instrument");
        assert!(body["error"]["fields"][0]["message"].as_str().expect("message").contains("XLSForm"), "{body}");
        let (status, page, _) =
            post_page(&app, upload("Salah berkas", b"not a workbook".to_vec(), "x.xlsx", fixture("responses_43.csv"), false)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("XLSForm"));

        // Missing title, files and a bad alpha: every field named at once.
        let form = Form::new().text("title", "  ").text("alpha", "1.5");
        let (status, body) = post_api(&app, form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields: Vec<&str> =
            body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
        assert_eq!(fields, ["title", "alpha", "instrument", "responses"]);

        // Not multipart at all.
        let res = app
            .client
            .post(app.url("/api/v1/survey/analyses"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        // Responses without the instrument's columns.
        let (status, body) = post_api(&app, upload("Kolom", instrument(), "seed004.xlsx", b"id,x\nR1,1\n".to_vec(), false)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "responses");

        let (status, _) = get_text(&app, "/survey/abc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    async fn uploads_above_the_global_limit_are_accepted_up_to_20_mib(app: TestApp) {
        // 43 respondents repeated to about 3 MiB: above the 2 MiB limit of other routes.
        let base = String::from_utf8(fixture("responses_43.csv")).expect("utf-8");
        let mut lines = base.lines();
        let header = lines.next().expect("header");
        let rows: Vec<&str> = lines.collect();
        let mut big = format!("{header}\n");
        while big.len() < 3 * 1024 * 1024 {
            for r in &rows {
                big.push_str(r);
                big.push('\n');
            }
        }
        let n = (big.lines().count() - 1) as u64;
        let (status, body) = post_api(&app, upload("Besar", instrument(), "seed004.xlsx", big.into_bytes(), false)).await;
        assert_eq!(status, StatusCode::CREATED, "{}", body["error"]);
        assert_eq!(body["n"], n);

        let huge = vec![b'x'; 21 * 1024 * 1024];
        let res = app
            .client
            .post(app.url("/api/v1/survey/analyses"))
            .multipart(upload("Terlalu besar", instrument(), "seed004.xlsx", huge, false))
            .send()
            .await;
        // The server may answer 413 before the client has sent everything, or reset it.
        if let Ok(res) = res {
            assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        }
    }
}
