//! Frameworks over the API and in the pages: the shipped ones listed, new frameworks and
//! dimensions added by administrators and program officers only, each refusal naming its
//! field in Indonesian, and the dimension picker.

use serde_json::{Value, json};

use crate::access::world;
use crate::backend_tests;
use crate::helpers::csrf_in;

async fn get_json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_json(client: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    let res = client.post(url).json(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The Indonesian text of the error on `field`.
fn field_text(body: &Value, field: &str) -> String {
    let fields = body["error"]["fields"].as_array().cloned().unwrap_or_default();
    let hit = fields.iter().find(|f| f["field"] == field).unwrap_or_else(|| panic!("no error on {field}: {body}"));
    hit["text"].as_str().unwrap_or_default().to_string()
}

backend_tests! {
    async fn frameworks_are_listed_added_and_picked(app: TestApp) {
        let (_w, clients) = world(&app).await;
        let url = |p: &str| app.url(p);

        let (s, all) = get_json(&app.client, url("/api/v1/frameworks")).await;
        assert_eq!(s, 200, "{all}");
        let codes: Vec<&str> = all.as_array().expect("list").iter().filter_map(|f| f["code"].as_str()).collect();
        assert_eq!(codes, ["bina", "7d", "partisipasi"]);
        let bina = &all[0];
        let dims: Vec<&str> = bina["dimensions"].as_array().expect("dims").iter().filter_map(|d| d["name"].as_str()).collect();
        assert_eq!(dims, ["Bina Manusia", "Bina Usaha", "Bina Lingkungan", "Bina Kelembagaan"]);

        // Viewers read no frameworks; facilitators, group officers and evaluators add none.
        assert_eq!(get_json(&clients["viewer"], url("/api/v1/frameworks")).await.0, 403);
        let body = json!({"code": "chambers", "name": "Komponen Chambers"});
        for role in ["fac", "leader", "eva", "viewer"] {
            assert_eq!(post_json(&clients[role], url("/api/v1/frameworks"), &body).await.0, 403, "{role}");
        }
        let (s, made) = post_json(&clients["officer"], url("/api/v1/frameworks"), &body).await;
        assert_eq!(s, 201, "{made}");
        let id = made["id"].as_i64().expect("id");

        // A taken code, a malformed code, a missing name: each named, in Indonesian.
        let (s, dup) = post_json(&app.client, url("/api/v1/frameworks"), &body).await;
        assert_eq!(s, 409, "{dup}");
        assert!(field_text(&dup, "code").contains("sudah ada"), "{dup}");
        let (s, bad) = post_json(&app.client, url("/api/v1/frameworks"), &json!({"code": "a b", "name": ""})).await;
        assert_eq!(s, 422, "{bad}");
        assert!(field_text(&bad, "code").contains("huruf a-z"), "{bad}");
        assert!(field_text(&bad, "name").contains("wajib"), "{bad}");

        let dim_url = url(&format!("/api/v1/frameworks/{id}/dimensions"));
        let (s, d1) = post_json(&app.client, dim_url.clone(), &json!({"code": "akses", "name": "Akses"})).await;
        assert_eq!((s, d1["position"].as_i64()), (201, Some(1)), "{d1}");
        let (s, d2) = post_json(&app.client, dim_url.clone(), &json!({"code": "kontrol", "name": "Kontrol"})).await;
        assert_eq!((s, d2["position"].as_i64()), (201, Some(2)), "{d2}");
        let (s, dup) = post_json(&app.client, dim_url, &json!({"code": "akses", "name": "Lagi"})).await;
        assert_eq!(s, 409, "{dup}");
        assert!(field_text(&dup, "code").contains("sudah mempunyai dimensi"), "{dup}");
        let (s, _) = post_json(&app.client, url("/api/v1/frameworks/987654/dimensions"), &json!({"code": "x", "name": "X"})).await;
        assert_eq!(s, 404);
        let (s, one) = get_json(&clients["eva"], url(&format!("/api/v1/frameworks/{id}"))).await;
        assert_eq!((s, one["dimensions"].as_array().map(Vec::len)), (200, Some(2)), "{one}");

        // The picker finds dimensions by their name or their framework's.
        let (s, picked) = get_json(&clients["fac"], url("/api/v1/pick/dimension?q=kelembagaan")).await;
        assert_eq!(s, 200, "{picked}");
        let labels: Vec<&str> = picked.as_array().expect("items").iter().filter_map(|i| i["label"].as_str()).collect();
        assert_eq!(labels, ["Empat Bina (Mardikanto) — Bina Kelembagaan"]);
        let (_, picked) = get_json(&clients["fac"], url("/api/v1/pick/dimension?q=chambers")).await;
        assert_eq!(picked.as_array().map(Vec::len), Some(2), "{picked}");
        assert_eq!(get_json(&clients["viewer"], url("/api/v1/pick/dimension")).await.0, 403);
    }

    async fn framework_pages_show_and_add(app: TestApp) {
        let (_w, clients) = world(&app).await;
        let html = clients["fac"].get(app.url("/frameworks")).send().await.expect("page").text().await.expect("html");
        assert!(html.contains("Bina Kelembagaan") && html.contains("Mendokumentasikan dan belajar"), "{html}");
        assert!(!html.contains("id=\"framework-code\""), "a facilitator sees no form to add a framework");

        let page = app.client.get(app.url("/frameworks")).send().await.expect("page").text().await.expect("html");
        let csrf = csrf_in(&page).expect("csrf");
        // A bad code re-shows the form with the error beside the field, nothing added.
        let res = app.client.post(app.url("/frameworks"))
            .form(&[("code", "Bad Code"), ("name", "Kerangka Desa"), ("_csrf", csrf.as_str())])
            .send().await.expect("post");
        assert_eq!(res.status().as_u16(), 422);
        let again = res.text().await.expect("html");
        assert!(again.contains("hanya boleh berisi huruf a-z"), "{again}");
        assert!(again.contains("Kerangka Desa"), "the typed name is kept");
        assert_eq!(app.store.frameworks().await.expect("frameworks").len(), 3);

        let res = app.client.post(app.url("/frameworks"))
            .form(&[("code", "desa"), ("name", "Kerangka Desa"), ("_csrf", csrf.as_str())])
            .send().await.expect("post");
        assert_eq!(res.status().as_u16(), 303);
        let to = res.headers()["location"].to_str().expect("location").to_string();
        let res = app.client.post(app.url(&format!("{to}/dimensions")))
            .form(&[("code", "musyawarah"), ("name", "Musyawarah desa"), ("_csrf", csrf.as_str())])
            .send().await.expect("post");
        assert_eq!(res.status().as_u16(), 303);
        let shown = app.client.get(app.url(&to)).send().await.expect("page").text().await.expect("html");
        assert!(shown.contains("Musyawarah desa") && shown.contains("Kerangka Desa"), "{shown}");
        assert_eq!(clients["viewer"].get(app.url(&to)).send().await.expect("page").status().as_u16(), 403);
    }
}
