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
