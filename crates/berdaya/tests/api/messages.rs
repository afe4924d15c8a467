//! Every error reaches the user in the interface language: bad forms of each registry record
//! type, error pages and API errors say it in Indonesian by default and in English on
//! request; the API's `message` stays English and its `text` follows the caller's language.

use serde_json::{Value, json};

use crate::api::fixtures::{self, KK};
use crate::backend_tests;
use crate::helpers::TestApp;

/// English rule words that must not reach an Indonesian page.
const ENGLISH: &[&str] = &[
    "is required",
    "does not exist",
    "not found",
    "is not a",
    "is not one of",
    "must be",
    "already registered",
    "is before",
    "longer than",
    "cannot sit",
    "no such address",
    "whole number",
    "digits",
    "sign in",
];

fn no_english(body: &str) {
    for word in ENGLISH {
        assert!(!body.contains(word), "English `{word}` on an Indonesian page: {body}");
    }
}

/// POSTs a form: status and body.
async fn submit(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let res = app.client.post(app.url(path)).form(form).send().await.expect("request");
    (res.status().as_u16(), res.text().await.expect("body"))
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.client.get(app.url(path)).send().await.expect("request");
    (res.status().as_u16(), res.text().await.expect("body"))
}

/// Asserts a refused form in Indonesian: the status, each text, no English rule word.
fn said_in_indonesian(status: u16, body: &str, expected: u16, texts: &[&str]) {
    assert_eq!(status, expected, "{body}");
    for text in texts {
        assert!(body.contains(text), "`{text}` missing from: {body}");
    }
    no_english(body);
}

backend_tests! {
    async fn bad_forms_of_every_record_type_are_refused_in_indonesian(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (agency, program) = fixtures::program(&*app.store).await;

        // Regions: a blank name, a kind at the wrong level.
        let (s, body) = submit(&app, "/regions", &[("code", "33.16.09.2001.RT1"), ("name", ""), ("kind", "province")]).await;
        said_in_indonesian(s, &body, 422, &["region-name-error", "wajib diisi", "provinsi tidak bisa berada di tingkat 5"]);

        // Households: a short KK, then an unknown region.
        let household = |kk: &'static str, region: &'static str| {
            vec![("kk", kk), ("address", "Jl. Melati 7"), ("region", region), ("welfare_stage", "sejahtera_1")]
        };
        let (s, body) = submit(&app, "/households", &household("3316 12", "33.16.09.2001")).await;
        said_in_indonesian(s, &body, 422, &["household-kk-error", "harus tepat 16 angka", "Periksa kembali"]);
        let (s, body) = submit(&app, "/households", &household(KK, "33.16.09.2999")).await;
        said_in_indonesian(s, &body, 422, &["household-region-error", "tidak ada"]);

        // People: a NIK whose day does not exist, a blank name, an unknown sex.
        let person = [("nik", "3316093203850012"), ("name", ""), ("sex", "x"), ("birth_date", "1985-03-12"), ("relation", "head")];
        let (s, body) = submit(&app, "/people", &person).await;
        said_in_indonesian(s, &body, 422, &["person-nik-error", "angka 7–8 menunjukkan tanggal", "wajib diisi", "`x` bukan salah satu dari"]);

        // Groups: an unknown kind, a date that is not one.
        let group = [("name", "KWT Melati"), ("kind", "club"), ("region", "33.16.09.2001"), ("founded_on", "2020-13-01")];
        let (s, body) = submit(&app, "/groups", &group).await;
        said_in_indonesian(s, &body, 422, &["`club` bukan salah satu dari", "bukan tanggal"]);

        // Agencies: a blank name and region.
        let (s, body) = submit(&app, "/agencies", &[("name", ""), ("kind", "agency"), ("region", "")]).await;
        said_in_indonesian(s, &body, 422, &["agency-name-error", "wajib diisi"]);

        // Programs: an end before the start, an unknown target region.
        let agency_id = agency.to_string();
        let bad_program = [
            ("name", "PKH"),
            ("agency_id", agency_id.as_str()),
            ("starts_on", "2020-01-01"),
            ("ends_on", "2019-01-01"),
            ("target_regions", "33.16.09"),
        ];
        let (s, body) = submit(&app, "/programs", &bad_program).await;
        said_in_indonesian(s, &body, 422, &["lebih awal dari tanggal mulai"]);

        // Enrollments: a blank date and a subject that is not a record id.
        let enroll = [("subject_kind", "person"), ("subject_id", "abc"), ("status", "active"), ("enrolled_on", "")];
        let (s, body) = submit(&app, &format!("/programs/{program}/enrollments"), &enroll).await;
        assert!(s == 422 || s == 400, "{s}: {body}");
        assert!(body.contains("wajib diisi") || body.contains("bukan nomor ID data"), "{body}");
        no_english(&body);

        // The same form in English says it in English.
        let (s, body) = submit(&app, "/households?lang=en", &household("3316 12", "33.16.09.2001")).await;
        assert_eq!(s, 422);
        assert!(body.contains("must be exactly 16 digits") && body.contains("check the marked fields"), "{body}");
        assert_eq!(app.store.registry_counts().await.expect("counts").households, 0);
    }

    async fn error_pages_are_indonesian(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (s, body) = page(&app, "/households/999999").await;
        said_in_indonesian(s, &body, 404, &["keluarga tidak ditemukan"]);
        let (s, body) = page(&app, "/households/abc").await;
        said_in_indonesian(s, &body, 400, &["bukan nomor ID data", "Nomor ID"]);
        let (s, body) = page(&app, "/no/such/page").await;
        said_in_indonesian(s, &body, 404, &["alamat ini tidak ada: /no/such/page"]);
        let (s, body) = page(&app, "/regions/33.99.99").await;
        assert!(s == 404 || s == 400, "{s}");
        no_english(&body);
        let (s, body) = page(&app, "/no/such/page?lang=en").await;
        assert_eq!(s, 404);
        assert!(body.contains("no such address: /no/such/page"), "{body}");
    }

    async fn api_errors_carry_a_translated_text(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let body = json!({"kk": "12", "address": "Jl. Melati 7", "region": "33.16.09.2001", "welfare_stage": "sejahtera_1"});
        let send = |path: &'static str, accept: Option<&'static str>| {
            let mut req = app.client.post(app.url(path)).json(&body);
            if let Some(a) = accept {
                req = req.header("accept-language", a);
            }
            async move {
                let res = req.send().await.expect("request");
                let status = res.status().as_u16();
                (status, res.json::<Value>().await.expect("json"))
            }
        };
        // No language asked: `message` in English as before, `text` in Indonesian.
        let (s, v) = send("/api/v1/households", None).await;
        assert_eq!(s, 422, "{v}");
        let e = &v["error"];
        assert!(e["message"].as_str().is_some_and(|m| m.contains("kk: must be exactly 16 digits")), "{v}");
        assert_eq!(e["text"], "Isian melanggar 1 aturan: Nomor KK: harus tepat 16 angka (terisi 2 karakter)", "{v}");
        assert_eq!(e["fields"][0]["field"], "kk");
        assert_eq!(e["fields"][0]["label"], "Nomor KK");
        assert_eq!(e["fields"][0]["text"], "harus tepat 16 angka (terisi 2 karakter)");
        assert_eq!(e["fields"][0]["message"], "must be exactly 16 digits (got 2 characters)");
        // Accept-Language and ?lang= choose English.
        let (_, v) = send("/api/v1/households", Some("en-US,en;q=0.9")).await;
        assert_eq!(v["error"]["fields"][0]["text"], "must be exactly 16 digits (got 2 characters)", "{v}");
        assert_eq!(v["error"]["fields"][0]["label"], "KK number");
        let (_, v) = send("/api/v1/households?lang=en", Some("id")).await;
        assert!(v["error"]["text"].as_str().is_some_and(|t| t.starts_with("The input breaks 1 rule(s): KK number:")), "{v}");
        // A reference to nothing, and a missing record.
        let (s, v) = app.client.get(app.url("/api/v1/households/999999?lang=id")).send().await.map(|r| (r.status().as_u16(), r)).expect("request");
        let v: Value = v.json().await.expect("json");
        assert_eq!(s, 404);
        assert_eq!(v["error"]["message"], "household not found");
        assert_eq!(v["error"]["text"], "keluarga tidak ditemukan");
    }
}
