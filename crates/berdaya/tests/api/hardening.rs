//! What every answer carries to protect what it shows (no caching of personal data, no
//! sniffing, no framing, a content policy), and the audit of every full view of a NIK or KK.

use reqwest::StatusCode;
use serde_json::Value;

use crate::access::world;
use crate::backend_tests;

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

backend_tests! {
    async fn every_answer_carries_the_protective_headers(app: TestApp) {
        let (w, _) = world(&app).await;
        let paths = [
            "/".to_string(),
            format!("/people/{}", w.p_assigned),
            format!("/people/{}/edit", w.p_assigned),
            format!("/households/{}", w.h_assigned),
            format!("/api/v1/people/{}", w.p_assigned),
            "/api/v1/households".to_string(),
            "/audit".to_string(),
            "/no/such/page".to_string(),
            "/api/docs".to_string(),
        ];
        for path in &paths {
            let res = app.client.get(app.url(path)).send().await.expect("get");
            assert_eq!(header(&res, "cache-control"), "no-store", "{path}");
            assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
            assert_eq!(header(&res, "x-frame-options"), "DENY", "{path}");
            let csp = header(&res, "content-security-policy");
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        }
        // The login page too, before anyone signs in.
        let res = app.anonymous.get(app.url("/login")).send().await.expect("get");
        assert_eq!(header(&res, "cache-control"), "no-store");
        assert!(header(&res, "content-security-policy").contains("default-src 'self'"));
        // Vendored assets may be cached, but are never sniffed.
        let res = app.anonymous.get(app.url("/assets/app.css")).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::OK);
        assert_ne!(header(&res, "cache-control"), "no-store");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff");
        // No page of the app needs inline script: the policy holds without 'unsafe-inline'.
        let html = app.client.get(app.url("/")).send().await.expect("get").text().await.expect("html");
        assert!(!html.contains("<script>") && !html.contains(" onclick="), "inline script in a page");
    }

    async fn edit_forms_record_the_full_view_they_give(app: TestApp) {
        let (w, _) = world(&app).await;
        for (path, entity, id, number) in [
            (format!("/people/{}/edit", w.p_assigned), "people", w.p_assigned, &w.nik_assigned),
            (format!("/households/{}/edit", w.h_assigned), "households", w.h_assigned, &w.kk_assigned),
        ] {
            let html = app.client.get(app.url(&path)).send().await.expect("get").text().await.expect("html");
            assert!(html.contains(number.as_str()), "the edit form shows the full number");
            let url = app.url(&format!("/api/v1/audit?action=reveal&entity={entity}&entity_id={id}"));
            let log: Value = app.client.get(&url).send().await.expect("get").json().await.expect("json");
            assert_eq!(log["total"], 1, "{path} was not audited: {log}");
        }
    }
}

backend_tests! {
    async fn the_group_officer_lists_no_household_it_cannot_open(app: TestApp) {
        let (w, clients) = world(&app).await;
        let leader = &clients["leader"];
        // Its member Slamet's household is in the officer's area, but it may not open it…
        let res = leader.get(app.url(&format!("/households/{}", w.h_assigned))).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // …so neither the list nor the API shows it, nor its welfare stage, DTKS flag or address.
        let html = leader.get(app.url("/households")).send().await.expect("get").text().await.expect("html");
        assert!(!html.contains("Jl. Uji") && !html.contains(&format!("/households/{}", w.h_assigned)), "{html}");
        assert!(!html.contains("href=\"/households\""), "the menu offers the household list");
        let page: Value = leader.get(app.url("/api/v1/households")).send().await.expect("get").json().await.expect("json");
        assert_eq!(page["total"], 0, "{page}");
        // Its members are still there, masked.
        let page: Value = leader.get(app.url("/api/v1/people")).send().await.expect("get").json().await.expect("json");
        assert_eq!(page["total"], 1, "{page}");
    }

    async fn a_registered_number_is_refused_without_saying_where(app: TestApp) {
        let (w, clients) = world(&app).await;
        let officer = &clients["officer"];
        // Batu's NIK and KK, outside Blora: refused, without "already registered", and recorded.
        let person = serde_json::json!({"nik": w.nik_batu, "household_id": w.h_assigned.to_string(), "name": "Uji",
            "sex": "male", "birth_date": "1990-01-01", "relation": "child", "education": "sd", "disability": "none"});
        let res = officer.post(app.url("/api/v1/people")).json(&person).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = res.text().await.expect("body");
        assert!(text.contains("cannot be used") && !text.contains("registered") && !text.contains("duplicate"), "{text}");
        let household = serde_json::json!({"kk": "3579010101200003", "address": "Jl. Baru", "region": "33.16.02.2001",
            "welfare_stage": "pra_sejahtera"});
        let res = officer.post(app.url("/api/v1/households")).json(&household).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = res.text().await.expect("body");
        assert!(text.contains("cannot be used") && !text.contains("registered"), "{text}");
        let log: Value = app.client.get(app.url("/api/v1/audit?action=identity_refused")).send().await.expect("get").json().await.expect("json");
        assert_eq!(log["total"], 2, "{log}");
        assert!(!log.to_string().contains(&w.nik_batu[4..]), "the attempt's record holds the number: {log}");
    }

    async fn names_with_invisible_characters_are_refused(app: TestApp) {
        let (w, _) = world(&app).await;
        for name in ["Siti\u{202E}nimA", "\u{FEFF}Siti", "Si\u{200B}ti", "Siti\u{FFFF}", "Siti\u{E000}"] {
            let person = serde_json::json!({"nik": "3316024101900077", "household_id": w.h_assigned.to_string(), "name": name,
                "sex": "female", "birth_date": "1990-01-01", "relation": "child", "education": "sd", "disability": "none"});
            let res = app.client.post(app.url("/api/v1/people")).json(&person).send().await.expect("post");
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
            let v: Value = res.json().await.expect("json");
            assert_eq!(v["error"]["fields"][0]["field"], "name", "{v}");
        }
    }

    async fn uploads_have_one_limit_stated_on_the_form(app: TestApp) {
        let html = app.client.get(app.url("/survey/new")).send().await.expect("get").text().await.expect("html");
        assert!(html.contains("256 MiB"), "the upload form does not state its limit");
        let csrf = crate::helpers::csrf_in(&html).expect("csrf");
        // 3 MiB: over the forms' 2 MiB, under the survey uploads' 256 MiB: the form takes it like
        // the API (and refuses the content, not the size). Bodies over a (small, configured)
        // limit: `survey::uploads_over_the_configured_limit_are_refused_in_indonesian`.
        let big = vec![b'a'; 3 * 1024 * 1024];
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .text("title", "Uji")
            .part("responses", reqwest::multipart::Part::bytes(big).file_name("r.csv"));
        let res = app.client.post(app.url("/survey")).multipart(form).send().await.expect("post");
        assert_ne!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
