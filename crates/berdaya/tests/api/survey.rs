//! Survey analyses over HTTP: upload the built-in seed-004 instrument with the synthetic
//! responses of 43 respondents (`tests/fixtures/survey/`) through the JSON API and the form,
//! then find the analysis again in the list, on its report page and as XLSX and JSON.
//! Refusals: the paper's printed bins (gaps and an overlap), bad answers, a non-XLSX file.
//! Uploads of real size: the form's analysis runs as a background job with its progress,
//! a body over the configured limit gets an Indonesian answer naming the limit, and the
//! responses stream to disk while they arrive.

use berdaya_domain::survey::seed004;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::backend_tests;
use crate::helpers::{Backend, PASSWORD, TestApp, csrf_in, run_and_clean, spawn_app_with_upload_limit};

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

/// Follows a job's page until its analysis has ended: answers the job page's last status, body
/// and `Location` (the report, when it is done).
async fn wait_for_job(app: &TestApp, job: &str) -> (StatusCode, String, Option<String>) {
    assert!(job.starts_with("/survey/jobs/"), "a job's page: {job}");
    for _ in 0..600 {
        let res = app.client.get(app.url(job)).send().await.expect("job page");
        let status = res.status();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = res.text().await.expect("body");
        if status != StatusCode::OK || !body.contains("id=\"job-progress\"") {
            return (status, body, location);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the job {job} did not end in 30 s");
}

/// Posts the form and follows the job to its end (a refusal of the fields or the instrument is
/// answered by the post itself).
async fn post_page_and_wait(app: &TestApp, path: &str, form: Form) -> (StatusCode, String, Option<String>) {
    let (status, body, location) = post_page_at(app, path, form).await;
    if status != StatusCode::SEE_OTHER {
        return (status, body, location);
    }
    let job = location.expect("the post answers with the job's address");
    let lang = path.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    wait_for_job(app, &format!("{job}{lang}")).await
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
        let (status, body, location) = wait_for_job(&app, &location.expect("location")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let first = location.expect("location");
        let (status, body, location) =
            post_page(&app, upload("Analisis kedua", instrument(), "seed004.xlsx", fixture("responses_43.csv"), false)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (status, body, location) = wait_for_job(&app, &location.expect("location")).await;
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

        // The form's analysis runs in the background: its job's page lists the same answers.
        let (status, page, _) = post_page_and_wait(
            &app,
            "/survey",
            upload("Jawaban buruk", instrument(), "seed004.xlsx", fixture("bad_answers_43.csv"), false),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"bad-answers\""));
        assert!(page.contains("value=\"Jawaban buruk\""), "the title is kept");
        assert!(page.contains("<td>11</td><td>R010</td><td>persiapan/rembug_desa</td>"), "{page}");
        assert!(page.contains("<td>5</td><td>R004</td><td>persiapan/rekening</td><td>jawaban kosong</td>"), "{page}");
        assert!(
            page.contains("<td>responden/motivasi</td><td>`tinggi` bukan pilihan dari daftar `motivasi`</td>"),
            "{page}"
        );
        let (status, page, _) = post_page_and_wait(
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

    async fn uploads_above_the_global_limit_are_accepted(app: TestApp) {
        // 43 respondents repeated to about 3 MiB: above the 2 MiB limit of other routes.
        let big = repeated_responses(3 * 1024 * 1024);
        let n = (big.lines().count() - 1) as u64;
        let (status, body) = post_api(&app, upload("Besar", instrument(), "seed004.xlsx", big.clone().into_bytes(), false)).await;
        assert_eq!(status, StatusCode::CREATED, "{}", body["error"]);
        assert_eq!(body["n"], n);
        // Kept on disk, not in the database, and downloaded byte for byte.
        let id = body["id"].as_i64().expect("id");
        let saved = app.store.analysis(id).await.expect("saved");
        let stored = saved.responses_file.clone().expect("the responses are a file of the files directory");
        assert!(saved.responses.bytes.is_empty());
        assert_eq!(stored.size, big.len() as u64);
        assert_eq!(std::fs::metadata(app.survey_files.join(&stored.key)).expect("stored file").len(), big.len() as u64);
        let res = app.client.get(app.url(&format!("/survey/{id}/responses"))).send().await.expect("responses");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-length"], big.len().to_string().as_str());
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), big.as_bytes());
        // No upload is left half-written.
        assert_eq!(part_files(&app), Vec::<String>::new());
    }

    async fn the_form_shows_the_limit_and_the_jobs_progress(app: TestApp) {
        let (status, form) = get_text(&app, "/survey/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("Berkas paling besar 256 MiB"), "the limit is stated: {form}");
        assert!(form.contains("id=\"upload-progress\""), "an upload progress bar");
        assert!(form.contains("/assets/survey-upload.js"));
        let script = app.client.get(app.url("/assets/survey-upload.js")).send().await.expect("script");
        assert_eq!(script.status(), StatusCode::OK);
        assert!(script.text().await.expect("js").contains("upload.addEventListener(\"progress\""));

        let (status, body, job) =
            post_page(&app, upload("Dengan kemajuan", instrument(), "seed004.xlsx", fixture("responses_43.csv"), false)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let job = job.expect("job");
        let (status, _, report) = wait_for_job(&app, &job).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let report = report.expect("the job sends on to the report");
        assert!(report.starts_with("/survey/") && !report.starts_with("/survey/jobs/"), "{report}");
        // The status the page's script reads: done, the whole file read, where the report is.
        let st: Value = app.client.get(app.url(&format!("{job}/status"))).send().await.expect("status").json().await.expect("json");
        assert_eq!(st["state"], "done", "{st}");
        assert_eq!(st["percent"], 100);
        assert_eq!(st["respondents"], 43);
        assert_eq!(st["bytes_total"], fixture("responses_43.csv").len());
        assert_eq!(st["bytes_read"], st["bytes_total"]);
        assert_eq!(st["location"], report.as_str());
        assert!(st["text"].as_str().expect("text").contains("43 responden"), "{st}");
        let (status, page) = get_text(&app, &report).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Dengan kemajuan") && page.contains("24,5"));

        // Jobs are read under the same rule as analyses (a stranger is sent to sign in), and
        // unknown ones are 404.
        let res = app.anonymous.get(app.url(&format!("{job}/status"))).send().await.expect("status");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(res.headers()["location"].to_str().expect("location").starts_with("/login"));
        let (status, page) = get_text(&app, "/survey/jobs/0000").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(page.contains("tidak ada proses analisis"), "{page}");
    }

    async fn a_form_carrying_its_csrf_token_in_the_body_is_streamed_through(app: TestApp) {
        // A browser without the upload script: the token is the form's first field, no header.
        let client = crate::helpers::plain_client();
        let login = client.get(app.url("/login")).send().await.expect("login").text().await.expect("html");
        let token = csrf_in(&login).expect("token");
        let res = client
            .post(app.url("/login"))
            .form(&[("username", "admin"), ("password", PASSWORD), ("_csrf", token.as_str()), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let form = client.get(app.url("/survey/new")).send().await.expect("form").text().await.expect("html");
        let token = csrf_in(&form).expect("the form carries the token");
        let with = |token: &str| {
            Form::new()
                .text("_csrf", token.to_string())
                .text("title", "Tanpa skrip")
                .text("alpha", "0.05")
                .part("instrument", Part::bytes(instrument()).file_name("seed004.xlsx"))
                .part("responses", Part::bytes(fixture("responses_43.csv")).file_name("responses_43.csv"))
        };
        let res = client.post(app.url("/survey")).multipart(with(&token)).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap_or_default());
        let res = client.post(app.url("/survey")).multipart(with("salah")).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
}

/// The 43 respondents repeated until the CSV is at least `bytes` long.
fn repeated_responses(bytes: usize) -> String {
    let base = String::from_utf8(fixture("responses_43.csv")).expect("utf-8");
    let mut lines = base.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines.collect();
    let mut big = format!("{header}\n");
    while big.len() < bytes {
        for r in &rows {
            big.push_str(r);
            big.push('\n');
        }
    }
    big
}

/// Uploads being written in the files directory, with their sizes.
fn part_files(app: &TestApp) -> Vec<String> {
    part_sizes(&app.survey_files).into_iter().map(|(name, _)| name).collect()
}

fn part_sizes(dir: &std::path::Path) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().map(|m| m.len()).unwrap_or(0)))
        .filter(|(name, _)| name.ends_with(".part"))
        .collect()
}

/// Runs `body` on both backends with a survey upload limit of `limit` bytes.
macro_rules! with_upload_limit {
    ($name:ident, $limit:expr, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = super::spawn_app_with_upload_limit(super::Backend::Sqlite, $limit).await.expect("sqlite app");
                super::run_and_clean(app, super::$body).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match super::spawn_app_with_upload_limit(super::Backend::Postgres, $limit).await {
                    Some(app) => super::run_and_clean(app, super::$body).await,
                    None => eprintln!("skipped: no PostgreSQL (set BERDAYA_TEST_PG_URL)"),
                }
            }
        }
    };
}

with_upload_limit!(uploads_over_the_configured_limit_are_refused_in_indonesian, 1 << 20, over_the_limit);
with_upload_limit!(responses_stream_to_disk_while_they_arrive, 256 << 20, streams_to_disk);

async fn over_the_limit(app: TestApp) {
    let (_, form) = get_text(&app, "/survey/new").await;
    assert!(form.contains("Berkas paling besar 1 MiB"), "the configured limit is stated on the form");
    let big = repeated_responses(2 * 1024 * 1024).into_bytes();

    // The API: a 413 whose Indonesian `text` names the limit.
    let res = app
        .client
        .post(app.url("/api/v1/survey/analyses"))
        .multipart(upload("Terlalu besar", instrument(), "seed004.xlsx", big.clone(), false))
        .send()
        .await
        .expect("the answer is read, not a reset connection");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    assert!(body["error"]["message"].as_str().expect("message").contains("1 MiB"), "{body}");
    assert!(body["error"]["text"].as_str().expect("text").contains("melebihi batas 1 MiB"), "{body}");

    // The form: an Indonesian page naming the limit, never axum's bare English text.
    let (status, page, _) =
        post_page(&app, upload("Terlalu besar", instrument(), "seed004.xlsx", big.clone(), false)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("<html"), "a page: {page}");
    assert!(page.contains("Kiriman melebihi batas 1 MiB"), "{page}");
    assert!(!page.contains("length limit exceeded"), "{page}");
    let (status, page, _) =
        post_page_at(&app, "/survey?lang=en", upload("Too large", instrument(), "seed004.xlsx", big, false)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("larger than the limit of 1 MiB"), "{page}");

    // Nothing saved, nothing left on disk; a file under the limit still goes through.
    let list: Value =
        app.client.get(app.url("/api/v1/survey/analyses")).send().await.expect("list").json().await.expect("json");
    assert_eq!(list["total"], 0);
    let left: Vec<_> = std::fs::read_dir(&app.survey_files).expect("files dir").filter_map(Result::ok).collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
    let (status, body) =
        post_api(&app, upload("Cukup", instrument(), "seed004.xlsx", fixture("responses_43.csv"), false)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// One multipart part, as a browser writes it.
fn part(boundary: &str, name: &str, file: Option<&str>, content: &[u8]) -> Vec<u8> {
    let disposition = match file {
        Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream"),
        None => format!("form-data; name=\"{name}\""),
    };
    let mut out = format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").into_bytes();
    out.extend_from_slice(content);
    out.extend_from_slice(b"\r\n");
    out
}

/// Sends a multipart upload on a bare connection in two halves, the first ending 2 MiB into
/// the responses, and checks between them that those bytes are already in the files
/// directory (a server holding the upload in memory has nothing there yet). Answers the
/// response's status line, headers and body.
async fn send_in_two_halves(
    app: &TestApp,
    path: &str,
    auth: &str,
    first: Option<(&str, &str)>,
    responses: &str,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let boundary = "berdaya-uji-batas";
    let mut body = Vec::new();
    if let Some((name, value)) = first {
        body.extend(part(boundary, name, None, value.as_bytes()));
    }
    body.extend(part(boundary, "title", None, b"Besar, sedikit demi sedikit"));
    body.extend(part(boundary, "instrument", Some("seed004.xlsx"), &instrument()));
    let responses_start = body.len();
    body.extend(part(boundary, "responses", Some("jawaban.csv"), responses.as_bytes()));
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    let host = app.address.trim_start_matches("http://").to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut conn = tokio::net::TcpStream::connect(&host).await.expect("connect");
    conn.write_all(head.as_bytes()).await.expect("head");
    let sent = responses_start + 2 * 1024 * 1024;
    conn.write_all(&body[..sent]).await.expect("first half");
    conn.flush().await.expect("flush");
    // Allow for what the socket and the multipart reader may still hold.
    let expected = (sent - responses_start - 512 * 1024) as u64;
    let mut on_disk = 0;
    for _ in 0..400 {
        on_disk = part_sizes(&app.survey_files).into_iter().map(|(_, size)| size).max().unwrap_or(0);
        if on_disk >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        on_disk >= expected,
        "{path}: only {on_disk} bytes of the {} sent are on disk: the upload is held in memory",
        sent - responses_start
    );
    conn.write_all(&body[sent..]).await.expect("second half");
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.expect("answer");
    String::from_utf8_lossy(&answer).into_owned()
}

async fn streams_to_disk(app: TestApp) {
    // 4 MiB: under the interim reader's 100,000 rows.
    let responses = repeated_responses(4 * 1024 * 1024);
    let n = responses.lines().count() - 1;

    // The API, with a token.
    let me: Value = app.client.get(app.url("/api/v1/me")).send().await.expect("me").json().await.expect("json");
    let tokens = app.url(&format!("/api/v1/users/{}/tokens", me["user_id"]));
    let res = app
        .client
        .post(tokens)
        .json(&serde_json::json!({"name": "unggah", "expires_days": 1}))
        .send()
        .await
        .expect("token");
    let secret = res.json::<Value>().await.expect("json")["secret"].as_str().expect("secret").to_string();
    let answer = send_in_two_halves(
        &app,
        "/api/v1/survey/analyses",
        &format!("Authorization: Bearer {secret}"),
        None,
        &responses,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{}", &answer[..answer.len().min(2000)]);
    assert!(answer.contains(&format!("\"n\":{n}")), "{n} respondents analysed");
    assert_eq!(part_files(&app), Vec::<String>::new(), "the upload in progress became the stored file");

    // The form, as a browser without the script sends it: a session cookie and the CSRF token
    // as the first field, which is checked without reading the rest of the body.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .expect("client");
    let login = client.get(app.url("/login")).send().await.expect("login").text().await.expect("html");
    let token = csrf_in(&login).expect("token");
    let res = client
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD), ("_csrf", token.as_str()), ("next", "/")])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let form = client.get(app.url("/survey/new")).send().await.expect("form").text().await.expect("html");
    let token = csrf_in(&form).expect("the form carries the token");
    let url: reqwest::Url = app.url("/").parse().expect("url");
    let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &url).expect("session cookie");
    let cookie = format!("Cookie: {}", cookies.to_str().expect("ascii"));
    let answer = send_in_two_halves(&app, "/survey", &cookie, Some(("_csrf", &token)), &responses).await;
    assert!(answer.starts_with("HTTP/1.1 303"), "{}", &answer[..answer.len().min(2000)]);
    let job = answer.lines().find_map(|l| l.strip_prefix("location: ")).expect("the job's address").trim().to_string();
    let (status, body, report) = wait_for_job(&app, &job).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, page) = get_text(&app, &report.expect("report")).await;
    assert!(page.contains("Besar, sedikit demi sedikit"), "{page}");
}

/// A linked form (`berdaya = person`) and responses naming `niks`, interviewed in April 2015.
fn linked_upload(niks: &[&str]) -> Form {
    use berdaya::demo::survey::{linked_responses, linked_xlsform};
    let form = berdaya_files::survey::xlsform_to_bytes(&linked_xlsform()).expect("linked form");
    let table = linked_responses(&niks.iter().map(|n| n.to_string()).collect::<Vec<_>>());
    let mut csv = table.columns.join(",");
    for row in &table.rows {
        csv.push('\n');
        csv.push_str(&row.cells.join(","));
    }
    upload("Responden tertaut", form, "tertaut.xlsx", csv.into_bytes(), true)
}

backend_tests! {
    async fn respondents_are_linked_to_the_registry_within_the_callers_area(app: TestApp) {
        use berdaya_domain::access::Role;
        use crate::api::fixtures;
        use crate::helpers::{PASSWORD, create_user, login};
        // Siti Aminah, born 12 March 1985, lives in Pilang (33.16.09.2001).
        fixtures::regions(&*app.store).await;
        let h = app.client.post(app.url("/api/v1/households")).json(&fixtures::household(fixtures::KK, "Jl. Pilang 1"))
            .send().await.expect("household").json::<Value>().await.expect("json");
        let person = serde_json::json!({"nik": fixtures::NIK, "household_id": h["id"].to_string(), "name": "Siti Aminah",
            "sex": "female", "birth_date": "1985-03-12", "relation": "head"});
        let res = app.client.post(app.url("/api/v1/people")).json(&person).send().await.expect("person");
        assert_eq!(res.status(), StatusCode::CREATED);
        let unknown = "3316095203859999";
        // The administrator sees her: one matched, one unknown (dropped: its age has no source).
        let (status, body) = post_api(&app, linked_upload(&[fixtures::NIK, unknown])).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().expect("id");
        let (_, report) = get_text(&app, &format!("/survey/{id}/report.json")).await;
        let report: Value = serde_json::from_str(&report).expect("report json");
        assert_eq!(report["link"]["matched"], 1, "{}", report["link"]);
        assert_eq!(report["link"]["unmatched"], 1);
        assert_eq!(report["n"], 1);
        // Aged 30 on 21 April 2015: the youngest bin (`-40:5`), code 5.
        let umur = report["factors"].as_array().expect("factors").iter().find(|f| f["name"] == "umur").expect("umur");
        let five = umur["codes"].as_array().expect("codes").iter().find(|c| c["code"] == 5).expect("code 5");
        assert_eq!(five["count"], 1, "{umur}");
        // The unknown NIK is listed masked, never whole.
        let text = report.to_string();
        assert!(!text.contains(unknown), "a NIK in the report: {}", report["link"]);
        assert!(!text.contains(fixtures::NIK));
        // Reading the registry for the link is in the audit log, by its counts.
        let filter = berdaya_store::access::AuditFilter { action: Some("registry_link".into()), ..Default::default() };
        let entries = app.store.audit_entries(&filter, berdaya_store::PageRequest::default()).await.expect("audit");
        assert_eq!(entries.items.len(), 1, "{:?}", entries.items);
        let logged = serde_json::to_string(&entries.items[0]).expect("json");
        assert!(logged.contains(r#"\"keys\":2"#) && logged.contains(r#"\"found\":1"#), "{logged}");
        assert!(!logged.contains(fixtures::NIK), "a NIK in the audit log: {logged}");
        // An evaluator of another regency finds nobody: she is outside the area, like a stranger.
        let rembang = berdaya_domain::registry::RegionDraft { code: "33.17".into(), name: "Rembang".into(), kind: "regency".into() };
        app.store.create_region(&rembang.parse().expect("region")).await.expect("create region");
        create_user(&*app.store, "eva_rembang", Role::Evaluator, Some("33.17"), None, None).await;
        let eva = login(&app.address, "eva_rembang", PASSWORD).await.expect("login");
        let res = eva.post(app.url("/api/v1/survey/analyses")).multipart(linked_upload(&[fixtures::NIK, unknown]))
            .send().await.expect("post");
        let status = res.status();
        let body: Value = res.json().await.expect("json");
        // Nobody is left once the unmatched are dropped: a 422 that says why.
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("were dropped"), "{body}");
    }
}
