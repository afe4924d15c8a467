//! The picker search `GET /api/v1/pick/{kind}`: names within the caller's area and scope,
//! the listing's read rule per kind, details that never carry a NIK or KK, and the 400s.

use reqwest::StatusCode;
use serde_json::Value;

use crate::access::world;
use crate::backend_tests;
use crate::helpers::TestApp;

/// The status and the JSON of a GET.
async fn pick(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, Value) {
    let res = client.get(app.url(path)).send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The `label`s of an answer.
fn labels(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|i| i["label"].as_str().expect("label").to_string())
        .collect()
}

/// The `value`s of an answer.
fn values(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|i| i["value"].as_str().expect("value").to_string())
        .collect()
}

backend_tests! {
    async fn pickers_find_names_within_the_callers_scope(app: TestApp) {
        let (w, clients) = world(&app).await;

        // Households: the administrator finds all three; a facilitator only the assigned one;
        // roles that may not list households are refused.
        let (s, all) = pick(&clients["admin"], &app, "/api/v1/pick/household?q=Jl").await;
        assert_eq!(s, StatusCode::OK, "{all}");
        assert_eq!(values(&all).len(), 3, "{all}");
        let (s, own) = pick(&clients["fac"], &app, "/api/v1/pick/household?q=Jl").await;
        assert_eq!(s, StatusCode::OK, "{own}");
        assert_eq!(values(&own), vec![w.h_assigned.to_string()], "the facilitator sees only the assigned family");
        assert_eq!(labels(&own), vec!["Slamet Riyadi".to_string()], "a family is named by its head");
        let detail = own[0]["detail"].as_str().expect("detail");
        assert!(detail.contains("Jl. Uji") && detail.contains("Pilang"), "address and village: {detail}");
        for role in ["eva", "viewer"] {
            let (s, body) = pick(&clients[role], &app, "/api/v1/pick/household?q=Jl").await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{role} may not list households: {body}");
        }

        // People: by name, scoped; the detail is a birth year and a village, never a NIK.
        let (s, people) = pick(&clients["admin"], &app, "/api/v1/pick/person?q=S").await;
        assert_eq!(s, StatusCode::OK, "{people}");
        let mut names = labels(&people);
        names.sort();
        assert_eq!(names, vec!["Slamet Riyadi".to_string(), "Sutrisno Hadi".to_string()]);
        let (_, people) = pick(&clients["fac"], &app, "/api/v1/pick/person?q=S").await;
        assert_eq!(values(&people), vec![w.p_assigned.to_string()], "{people}");
        assert_eq!(people[0]["detail"], "lahir 1990 · Pilang", "{people}");
        let (s, en) = pick(&clients["fac"], &app, "/api/v1/pick/person?q=S&lang=en").await;
        assert_eq!(s, StatusCode::OK, "{en}");
        assert_eq!(en[0]["detail"], "born 1990 · Pilang", "{en}");
        let (_, leader) = pick(&clients["leader"], &app, "/api/v1/pick/person?q=").await;
        assert_eq!(values(&leader), vec![w.p_assigned.to_string()], "a group officer sees its members: {leader}");
        for role in ["admin", "officer", "fac", "leader"] {
            for kind in ["person", "household"] {
                let res = clients[role].get(app.url(&format!("/api/v1/pick/{kind}"))).send().await.expect("get");
                let mut text = res.text().await.expect("text");
                // The world's addresses are `Jl. Uji {kk}`: what a user typed may stay.
                for kk in [w.kk_assigned.as_str(), "3316020101200002", "3579010101200003"] {
                    text = text.replace(&format!("Jl. Uji {kk}"), "Jl. Uji");
                }
                for number in [&w.nik_assigned, &w.nik_other, &w.nik_batu, &w.kk_assigned] {
                    assert!(!text.contains(number.as_str()), "{role} {kind}: a full NIK/KK in {text}");
                }
            }
        }
        let (s, _) = pick(&clients["eva"], &app, "/api/v1/pick/person?q=S").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "an evaluator reads no personal records");

        // Regions: by name or by the start of the code, inside the area.
        let (_, pilang) = pick(&clients["admin"], &app, "/api/v1/pick/region?q=Pil").await;
        assert_eq!(values(&pilang), vec!["33.16.02.2001".to_string()], "{pilang}");
        let detail = pilang[0]["detail"].as_str().expect("detail");
        assert!(detail.contains("33.16.02.2001") && detail.contains("Randublatung"), "{detail}");
        let (_, by_code) = pick(&clients["admin"], &app, "/api/v1/pick/region?q=33.16.02").await;
        assert_eq!(values(&by_code), vec!["33.16.02", "33.16.02.2001", "33.16.02.2002"], "{by_code}");
        let (_, batu) = pick(&clients["admin"], &app, "/api/v1/pick/region?q=Batu").await;
        assert!(values(&batu).contains(&"35.79".to_string()), "{batu}");
        let (s, batu) = pick(&clients["viewer"], &app, "/api/v1/pick/region?q=Batu").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(values(&batu), Vec::<String>::new(), "Batu is outside the viewer's area");

        // Groups, agencies and programs: the caller's area only.
        let (_, groups) = pick(&clients["officer"], &app, "/api/v1/pick/group?q=Poktan").await;
        assert_eq!(values(&groups), vec![w.g_own.to_string()], "{groups}");
        let (_, groups) = pick(&clients["admin"], &app, "/api/v1/pick/group?q=Poktan").await;
        assert_eq!(values(&groups).len(), 2, "{groups}");
        let (_, agencies) = pick(&clients["officer"], &app, "/api/v1/pick/agency?q=Dinas").await;
        assert_eq!(labels(&agencies), vec!["Dinas Sosial Blora".to_string()], "{agencies}");
        let (_, programs) = pick(&clients["officer"], &app, "/api/v1/pick/program?q=").await;
        assert_eq!(values(&programs), vec![w.prog_blora.to_string()], "{programs}");
        let (_, programs) = pick(&clients["eva"], &app, "/api/v1/pick/program?q=").await;
        assert_eq!(values(&programs).len(), 2, "a national evaluator sees both programs: {programs}");
        let (s, _) = pick(&clients["viewer"], &app, "/api/v1/pick/program?q=").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a viewer may not list programs");
    }

    async fn a_bad_pick_names_what_is_wrong(app: TestApp) {
        let (s, body) = pick(&app.client, &app, "/api/v1/pick/nik?q=3316").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "kind", "{body}");
        for (query, field) in [("limit=21", "limit"), ("limit=0", "limit"), ("limit=x", "limit"), ("name=Siti", "name")] {
            let (s, body) = pick(&app.client, &app, &format!("/api/v1/pick/region?{query}")).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"]["fields"][0]["field"], field, "{query}: {body}");
        }
        let long = "a".repeat(201);
        let (s, body) = pick(&app.client, &app, &format!("/api/v1/pick/region?q={long}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        let res = app.anonymous.get(app.url("/api/v1/pick/region?q=a")).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        crate::api::fixtures::regions(&*app.store).await;
        let (s, body) = pick(&app.client, &app, "/api/v1/pick/region?q=&limit=2").await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(values(&body), vec!["33", "33.16"], "the first regions in code order, at most `limit`");
        let doc: Value = app.client.get(app.url("/api/openapi.json")).send().await.expect("get").json().await.expect("json");
        let op = &doc["paths"]["/api/v1/pick/{kind}"]["get"];
        assert!(op.is_object(), "the pick route is documented");
        assert!(doc["components"]["schemas"]["PickItem"].is_object(), "its answer is described");
    }
}
