//! Server-made PDFs: the seed-004 survey report, a household's record and a program's summary,
//! read back with `pdftotext` (poppler-utils) and checked for their numbers and names; each
//! answers every role exactly as its page does (refused like missing outside the reader's
//! scope), and an unmasked household is recorded as a reveal.
//!
//! Needs `pdftotext`; without it the text checks say so and pass, unless
//! `BERDAYA_REQUIRE_BROWSER=1` (`scripts/install-browser` installs it with chromium).

use berdaya_domain::registry::EnrollmentDraft;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::access::world;
use crate::backend_tests;
use crate::helpers::TestApp;

const PDFTOTEXT: &str = "/usr/bin/pdftotext";

/// The text of a PDF as `pdftotext` reads it, or `None` when it is not installed (and not
/// required).
fn pdf_text(bytes: &[u8]) -> Option<String> {
    if !std::path::Path::new(PDFTOTEXT).exists() {
        let required = std::env::var("BERDAYA_REQUIRE_BROWSER").as_deref() == Ok("1");
        assert!(!required, "BERDAYA_REQUIRE_BROWSER=1 but pdftotext (poppler-utils) is not installed");
        eprintln!("skipped the PDF text checks: pdftotext not installed (run scripts/install-browser)");
        return None;
    }
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF: {:?}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)]));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).expect("write pdf");
    // With `BERDAYA_PDF_DUMP=DIR`, each PDF read is kept there to look at.
    if let Ok(keep) = std::env::var("BERDAYA_PDF_DUMP") {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = std::fs::write(std::path::Path::new(&keep).join(format!("{n}.pdf")), bytes);
    }
    let out = std::process::Command::new(PDFTOTEXT).arg(&path).arg("-").output().expect("run pdftotext");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("utf-8 text"))
}

/// GETs `path`: the status, the content type and the body.
async fn fetch(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let res = client.get(app.url(path)).send().await.expect("get");
    let status = res.status();
    let ty = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ty, res.bytes().await.expect("body").to_vec())
}

/// A document's text with its lines joined by spaces (a table cell may wrap).
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The seed-004 figures the PDF must show: the snapshot's, in Indonesian notation.
fn snapshot() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../domain/tests/snapshots/seed004-report.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("seed-004 snapshot")).expect("json")
}

fn id_number(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}").replace('.', ",")
}

backend_tests! {
    async fn the_seed004_report_prints_its_key_numbers(app: TestApp) {
        let instrument = berdaya_files::survey::xlsform_to_bytes(&berdaya_domain::survey::seed004::xlsform())
            .expect("built-in instrument");
        let responses = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survey/responses_43.csv"))
            .expect("responses fixture");
        let form = Form::new()
            .text("title", "Partisipasi optimasi lahan 2024")
            .part("instrument", Part::bytes(instrument).file_name("seed004.xlsx"))
            .part("responses", Part::bytes(responses).file_name("responses_43.csv"))
            .text("alpha", "0.05");
        let res = app.client.post(app.url("/api/v1/survey/analyses")).multipart(form).send().await.expect("upload");
        assert_eq!(res.status(), StatusCode::CREATED);
        let id = res.json::<Value>().await.expect("json")["id"].as_i64().expect("id");

        let (_, _, page) = fetch(&app.client, &app, &format!("/survey/{id}")).await;
        assert!(String::from_utf8_lossy(&page).contains(&format!("href=\"/survey/{id}/report.pdf\"")), "the page links its PDF");
        let (status, ty, pdf) = fetch(&app.client, &app, &format!("/survey/{id}/report.pdf")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ty, "application/pdf");
        let Some(text) = pdf_text(&pdf) else { return };
        let text = flat(&text);
        let s = snapshot();
        let total = &s["total"];
        let mut expected = vec![
            "Partisipasi optimasi lahan 2024".to_string(),
            "Berdaya".into(),
            "Dicetak".into(),
            "Alpha Cronbach".into(),
            "Rata-rata skor per item".into(),
            format!("Responden {}", s["n"]),
            id_number(s["reliability"]["cronbach_alpha"].as_f64().expect("alpha"), 3),
            "24,5 / 35 / 45,5 / 56".into(),
        ];
        // The mean as the page writes it: two decimals at most, no trailing zeros.
        let mean = id_number(total["mean"].as_f64().expect("mean"), 2);
        expected.push(mean.trim_end_matches('0').trim_end_matches(',').to_string());
        for item in s["items"].as_array().expect("items") {
            expected.push(item["name"].as_str().expect("item name").to_string());
        }
        for want in &expected {
            assert!(text.contains(want.as_str()), "the report PDF lacks `{want}`:\n{text}");
        }
        let pages = text.matches("Halaman ").count();
        assert!(pages >= 2, "a report of many tables spans pages: {pages}");
        assert!(text.contains(&format!("Halaman {pages} dari {pages}")), "the last page is numbered");

        // English, on request; a missing analysis is a 404.
        let (_, _, en) = fetch(&app.client, &app, &format!("/survey/{id}/report.pdf?lang=en")).await;
        let en = flat(&pdf_text(&en).expect("text"));
        assert!(en.contains("Page 1 of") && en.contains("Mean score per item"), "{en}");
        let (status, _, _) = fetch(&app.client, &app, &format!("/survey/{}/report.pdf", id + 100)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn record_and_program_pdfs_follow_their_pages_rules(app: TestApp) {
        let (w, clients) = world(&app).await;
        let enrollment = EnrollmentDraft {
            subject_kind: "household".into(),
            subject_id: w.h_assigned.to_string(),
            status: String::new(),
            enrolled_on: "2024-02-01".into(),
            ended_on: None,
        };
        app.store.enroll(w.prog_blora, &enrollment.parse().expect("enrollment")).await.expect("enroll");

        // Each PDF answers each role as its page does: 200 where the page opens, the same
        // refusal (404 outside the reader's scope) where it does not.
        let pairs = [
            (format!("/households/{}", w.h_assigned), format!("/households/{}/record.pdf", w.h_assigned)),
            (format!("/households/{}", w.h_other), format!("/households/{}/record.pdf", w.h_other)),
            (format!("/households/{}", w.h_batu), format!("/households/{}/record.pdf", w.h_batu)),
            ("/households/987654".into(), "/households/987654/record.pdf".into()),
            (format!("/programs/{}", w.prog_blora), format!("/programs/{}/summary.pdf", w.prog_blora)),
            (format!("/programs/{}", w.prog_batu), format!("/programs/{}/summary.pdf", w.prog_batu)),
        ];
        let mut refused_like_missing = 0;
        for (role, client) in &clients {
            for (page, pdf) in &pairs {
                let (page_status, _, _) = fetch(client, &app, page).await;
                let (pdf_status, ty, _) = fetch(client, &app, pdf).await;
                assert_eq!(pdf_status, page_status, "{role}: {pdf} answers unlike {page}");
                if pdf_status == StatusCode::OK {
                    assert_eq!(ty, "application/pdf", "{role} {pdf}");
                }
                if pdf_status == StatusCode::NOT_FOUND {
                    refused_like_missing += 1;
                }
            }
        }
        assert!(refused_like_missing > 6, "outside the scope reads as missing");
        let (status, _, _) = fetch(&clients["fac"], &app, &format!("/households/{}/record.pdf", w.h_other)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a facilitator's unassigned household");

        // The facilitator's own household: the KK in full as on the page (a reveal in the
        // audit log), the members by name with masked NIKs, the enrollment.
        let (_, _, page) = fetch(&clients["fac"], &app, &format!("/households/{}", w.h_assigned)).await;
        assert!(String::from_utf8_lossy(&page).contains(&format!("/households/{}/record.pdf", w.h_assigned)));
        let (_, _, pdf) = fetch(&clients["fac"], &app, &format!("/households/{}/record.pdf", w.h_assigned)).await;
        if let Some(text) = pdf_text(&pdf) {
            let text = flat(&text);
            for want in [&w.kk_assigned, "Slamet Riyadi", "3316••••••••0001", "PKH Blora", "Pilang", "Halaman 1 dari 1"] {
                assert!(text.contains(want), "the household PDF lacks `{want}`:\n{text}");
            }
            assert!(!text.contains(&w.nik_assigned), "a member's NIK is masked as on the page");
        }
        let log: Value = app
            .client
            .get(app.url(&format!("/api/v1/audit?action=reveal&entity=households&entity_id={}", w.h_assigned)))
            .send()
            .await
            .expect("audit")
            .json()
            .await
            .expect("json");
        let actors: Vec<&str> = log["items"].as_array().expect("items").iter().filter_map(|e| e["actor"].as_str()).collect();
        assert!(actors.contains(&"fac"), "the unmasked PDF is recorded as a reveal: {actors:?}");

        // The program summary: its agency (also the officer's, in the header), target region
        // and the enrollments counted by status for those who manage it.
        let (_, _, pdf) = fetch(&clients["officer"], &app, &format!("/programs/{}/summary.pdf", w.prog_blora)).await;
        if let Some(text) = pdf_text(&pdf) {
            let text = flat(&text);
            for want in ["PKH Blora", "Dinas Sosial Blora", "Blora (33.16)", "Kepesertaan menurut status", "Peserta aktif 1", "Jumlah seluruhnya 1"] {
                assert!(text.contains(want), "the program PDF lacks `{want}`:\n{text}");
            }
            assert!(text.matches("Dinas Sosial Blora").count() >= 2, "the officer's agency heads each page: {text}");
        }
        // A facilitator reads the program but does not manage it: no figures.
        let (_, _, pdf) = fetch(&clients["fac"], &app, &format!("/programs/{}/summary.pdf", w.prog_blora)).await;
        if let Some(text) = pdf_text(&pdf) {
            let text = flat(&text);
            assert!(text.contains("hanya untuk pengelola program") && !text.contains("Peserta aktif 1"), "{text}");
        }
    }
}
