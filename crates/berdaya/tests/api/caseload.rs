//! Facilitators' caseloads managed by administrators, by API and by page: assigning by id and
//! by region, unassigning, moving to another facilitator; every id resolved through the
//! administrator's area (refused like a missing one outside it), records outside the
//! facilitator's area named in the error, other roles refused; and, end to end, a facilitator
//! made on the web sees the households assigned to them on the page.

use std::collections::HashMap;

use berdaya_domain::access::Role;
use berdaya_store::access::AuditFilter;
use berdaya_store::{PageRequest, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::access::{World, world};
use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, create_user, csrf_in, login};
use crate::users::{body, fields, get_text, location, message_for};

/// The id of an account by username.
async fn user_id(store: &dyn Store, username: &str) -> i64 {
    store.users().await.expect("users").into_iter().find(|u| u.username.as_str() == username).expect("user").id
}

fn address(kk: &str) -> String {
    format!("Jl. Uji {kk}")
}

const H_ASSIGNED: &str = "3316020101200001";
const H_OTHER: &str = "3316020101200002";
const H_BATU: &str = "3579010101200003";

async fn post_json(client: &reqwest::Client, url: String, payload: Value) -> (StatusCode, Value) {
    body(client.post(url).json(&payload).send().await.expect("post")).await
}

async fn delete_json(client: &reqwest::Client, url: String, payload: Value) -> (StatusCode, Value) {
    body(client.delete(url).json(&payload).send().await.expect("delete")).await
}

async fn get_json(client: &reqwest::Client, url: String) -> (StatusCode, Value) {
    body(client.get(url).send().await.expect("get")).await
}

/// The (kind, id) pairs of a caseload answer, in its order.
fn items(v: &Value) -> Vec<(String, i64)> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["kind"].as_str().expect("kind").to_string(), i["id"].as_i64().expect("id")))
        .collect()
}

/// The world, the facilitator's id, and a second facilitator in Blora (`fac2`) and one in
/// Batu (`fac_batu`), and an administrator bound to Blora (`admin_blora`) signed in.
struct Setup {
    w: World,
    clients: HashMap<&'static str, reqwest::Client>,
    fac: i64,
    fac2: i64,
    fac_batu: i64,
    officer: i64,
}

async fn setup(app: &TestApp) -> Setup {
    let (w, mut clients) = world(app).await;
    let s = &*app.store;
    let fac2 = create_user(s, "fac2", Role::Facilitator, Some("33.16"), None, None).await.id;
    let fac_batu = create_user(s, "fac_batu", Role::Facilitator, Some("35.79"), None, None).await.id;
    create_user(s, "admin_blora", Role::Administrator, Some("33.16"), None, None).await;
    clients.insert("admin_blora", login(&app.address, "admin_blora", PASSWORD).await.expect("admin_blora signs in"));
    let (fac, officer) = (user_id(s, "fac").await, user_id(s, "officer").await);
    Setup { w, clients, fac, fac2, fac_batu, officer }
}

/// The summary events the audit log holds for an action.
async fn events(app: &TestApp, action: &str) -> Vec<Value> {
    let filter = AuditFilter { action: Some(action.into()), ..Default::default() };
    let page = app.store.audit_entries(&filter, PageRequest::new(1, 200)).await.expect("audit");
    page.items.iter().map(|e| serde_json::to_value(e).expect("json")).collect()
}

backend_tests! {
    async fn api_assigns_lists_and_unassigns(app: TestApp) {
        let Setup { w, fac, .. } = setup(&app).await;
        let url = app.url(&format!("/api/v1/users/{fac}/assignments"));
        let (status, v) = get_json(&app.client, url.clone()).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(items(&v), [("household".to_string(), w.h_assigned)]);
        assert_eq!((v["households"].as_u64(), v["groups"].as_u64()), (Some(1), Some(0)));
        assert_eq!(v["items"][0]["label"], json!(address(H_ASSIGNED)));
        assert_eq!(v["items"][0]["head_name"], json!("Slamet Riyadi"));
        assert_eq!(v["items"][0]["region_name"], json!("Pilang"));

        // Ids as numbers; a repeated id counts once; assigning again adds nothing.
        let payload = json!({"households": [w.h_other, w.h_other, w.h_assigned], "groups": [w.g_own]});
        let (status, v) = post_json(&app.client, url.clone(), payload.clone()).await;
        assert_eq!((status, v["changed"].as_u64()), (StatusCode::OK, Some(2)), "{v}");
        let (_, v) = post_json(&app.client, url.clone(), payload).await;
        assert_eq!(v["changed"].as_u64(), Some(0));
        let (_, v) = get_json(&app.client, url.clone()).await;
        assert_eq!(
            items(&v),
            [("household".into(), w.h_assigned), ("household".into(), w.h_other), ("group".into(), w.g_own)]
        );
        let (_, v) = get_json(&app.client, format!("{url}?kind=groups")).await;
        assert_eq!(items(&v), [("group".to_string(), w.g_own)]);
        let (_, v) = get_json(&app.client, format!("{url}?q=Slamet")).await;
        assert_eq!(items(&v), [("household".to_string(), w.h_assigned)]);
        let (status, v) = get_json(&app.client, format!("{url}?kind=farms")).await;
        assert_eq!((status, fields(&v)), (StatusCode::BAD_REQUEST, vec!["kind".to_string()]));
        let (status, v) = get_json(&app.client, format!("{url}?colour=red")).await;
        assert_eq!((status, fields(&v)), (StatusCode::BAD_REQUEST, vec!["colour".to_string()]));

        let (status, v) = delete_json(&app.client, url.clone(), json!({"households": [w.h_other], "groups": [w.g_own]})).await;
        assert_eq!((status, v["changed"].as_u64()), (StatusCode::OK, Some(2)), "{v}");
        let (_, v) = get_json(&app.client, url.clone()).await;
        assert_eq!(items(&v), [("household".to_string(), w.h_assigned)]);

        // One summary event per bulk change, besides the rows.
        let assigned = events(&app, "assign").await;
        assert_eq!(assigned.len(), 2, "{assigned:?}");
        let unassigned = events(&app, "unassign").await;
        assert_eq!(unassigned.len(), 1);
        let text = unassigned[0].to_string();
        assert!(text.contains(r#"\"removed\":2"#) && text.contains(&format!(r#"\"user_id\":{fac}"#)), "{text}");
    }

    async fn api_assigns_a_region_once(app: TestApp) {
        let Setup { w, fac, clients, .. } = setup(&app).await;
        let url = app.url(&format!("/api/v1/users/{fac}/assignments"));
        let (status, v) = post_json(&app.client, url.clone(), json!({"region": "33.16.02"})).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!((v["changed"].as_u64(), v["households"].as_u64(), v["groups"].as_u64()), (Some(2), Some(1), Some(1)));
        let (_, v) = post_json(&app.client, url.clone(), json!({"region": "33.16.02"})).await;
        assert_eq!(v["changed"].as_u64(), Some(0), "a second load changes nothing");
        let (_, v) = get_json(&app.client, url.clone()).await;
        assert_eq!(items(&v).len(), 3);
        assert!(!items(&v).contains(&("household".into(), w.h_batu)));

        // Unassign a region, households only.
        let (_, v) = delete_json(&app.client, url.clone(), json!({"region": "33.16.02.2002", "kinds": ["households"]})).await;
        assert_eq!(v["changed"].as_u64(), Some(1), "{v}");
        let (_, v) = post_json(&app.client, url.clone(), json!({"region": "33.16.02", "kinds": ["groups"]})).await;
        assert_eq!(v["changed"].as_u64(), Some(0));

        // Bad bodies: each refused naming the field and the rule.
        for (payload, field, status) in [
            (json!({"region": "33.16.02", "households": [w.h_other]}), "region", StatusCode::UNPROCESSABLE_ENTITY),
            (json!({}), "households", StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"region": "33.16.02", "kinds": ["farms"]}), "kinds", StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"region": "33.16.02", "kinds": []}), "kinds", StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"region": "33..16"}), "region", StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"households": ["satu"]}), "households[0]", StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"household": [1]}), "household", StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let (got, v) = post_json(&app.client, url.clone(), payload.clone()).await;
            assert_eq!(got, status, "{payload}: {v}");
            assert!(fields(&v).iter().any(|f| f.starts_with(field.split('[').next().unwrap_or(field))), "{payload}: {v}");
        }
        let too_many: Vec<i64> = (1..=1001).collect();
        let (got, v) = post_json(&app.client, url.clone(), json!({"households": too_many})).await;
        assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message_for(&v, "households").contains("at most 1000"), "{v}");

        // A region outside the facilitator's area is named; outside the administrator's it
        // reads like a region that does not exist.
        let (got, v) = post_json(&app.client, url.clone(), json!({"region": "35.79"})).await;
        assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message_for(&v, "region").contains("outside the facilitator's area 33.16.02"), "{v}");
        let blora = &clients["admin_blora"];
        let (batu, vb) = post_json(blora, url.clone(), json!({"region": "35.79"})).await;
        let (missing, vm) = post_json(blora, url.clone(), json!({"region": "33.99"})).await;
        assert_eq!((batu, missing), (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY));
        assert_eq!(vb["error"]["code"], vm["error"]["code"]);
        assert_eq!(message_for(&vb, "region"), "region 35.79 does not exist");
    }

    async fn api_refuses_ids_outside_the_areas_and_other_roles(app: TestApp) {
        let Setup { w, fac, fac_batu, officer, clients, .. } = setup(&app).await;
        let url = app.url(&format!("/api/v1/users/{fac}/assignments"));

        // Inside the administrator's area, outside the facilitator's: named.
        let (got, v) = post_json(&app.client, url.clone(), json!({"households": [w.h_batu], "groups": [w.g_batu]})).await;
        assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let text = v.to_string();
        assert!(text.contains(&format!("household {} ({})", w.h_batu, address(H_BATU))), "{text}");
        assert!(text.contains(&format!("group {} (Poktan Apel Tulungrejo)", w.g_batu)), "{text}");
        assert!(message_for(&v, "households").contains("35.79.01.1001"), "{v}");
        assert!(!app.store.is_assigned(fac, berdaya_store::access::Assigned::Household(w.h_batu)).await.expect("check"));

        // Outside the administrator's area: exactly like a missing record.
        let blora = &clients["admin_blora"];
        let (batu, vb) = post_json(blora, url.clone(), json!({"households": [w.h_batu]})).await;
        let (missing, vm) = post_json(blora, url.clone(), json!({"households": [999_999]})).await;
        assert_eq!((batu, missing), (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY));
        assert_eq!(message_for(&vb, "households"), format!("household {} does not exist", w.h_batu));
        assert_eq!(message_for(&vm, "households"), "household 999999 does not exist");
        assert_eq!(vb["error"]["code"], vm["error"]["code"]);
        let (g, vg) = delete_json(blora, url.clone(), json!({"groups": [w.g_batu]})).await;
        assert_eq!((g, message_for(&vg, "groups")), (StatusCode::UNPROCESSABLE_ENTITY, format!("group {} does not exist", w.g_batu)));

        // A facilitator outside the administrator's area, or no account at all: 404 alike.
        let (a, va) = get_json(blora, app.url(&format!("/api/v1/users/{fac_batu}/assignments"))).await;
        let (b, vb) = get_json(blora, app.url("/api/v1/users/999999/assignments")).await;
        assert_eq!((a, b), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        assert_eq!(va, vb);
        // The regency administrator sees the Blora facilitator's caseload.
        let (ok, _) = get_json(blora, url.clone()).await;
        assert_eq!(ok, StatusCode::OK);

        // Not a facilitator.
        let (got, v) = post_json(&app.client, app.url(&format!("/api/v1/users/{officer}/assignments")), json!({"households": [w.h_other]})).await;
        assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message_for(&v, "id").contains("officer is not a facilitator"), "{v}");

        // Other roles: 403, whatever the record.
        for role in ["officer", "fac", "leader", "eva", "viewer"] {
            let c = &clients[role];
            assert_eq!(c.get(url.clone()).send().await.expect("get").status(), StatusCode::FORBIDDEN, "{role} GET");
            let (got, _) = post_json(c, url.clone(), json!({"households": [w.h_other]})).await;
            assert_eq!(got, StatusCode::FORBIDDEN, "{role} POST");
            let (got, _) = post_json(c, format!("{url}/move"), json!({"to_user": fac})).await;
            assert_eq!(got, StatusCode::FORBIDDEN, "{role} move");
            let page = c.get(app.url(&format!("/users/{fac}/caseload"))).send().await.expect("page");
            assert_eq!(page.status(), StatusCode::FORBIDDEN, "{role} page");
        }
    }

    async fn api_moves_a_caseload(app: TestApp) {
        let Setup { w, fac, fac2, fac_batu, officer, clients } = setup(&app).await;
        let url = |id: i64| app.url(&format!("/api/v1/users/{id}/assignments"));
        let (status, _) = post_json(&app.client, url(fac), json!({"households": [w.h_other], "groups": [w.g_own]})).await;
        assert_eq!(status, StatusCode::OK);
        post_json(&app.client, url(fac2), json!({"households": [w.h_other]})).await;

        // The selected: h_other is already fac2's, so it only leaves fac.
        let mv = format!("{}/move", url(fac));
        let (status, v) = post_json(&app.client, mv.clone(), json!({"to_user": fac2, "households": [w.h_other]})).await;
        assert_eq!((status, v["changed"].as_u64()), (StatusCode::OK, Some(1)), "{v}");
        let (_, v) = get_json(&app.client, url(fac)).await;
        assert_eq!(items(&v), [("household".into(), w.h_assigned), ("group".into(), w.g_own)]);

        // Refusals: a facilitator outside the records' area, not a facilitator, oneself, nobody.
        let (got, v) = post_json(&app.client, mv.clone(), json!({"to_user": fac_batu})).await;
        assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message_for(&v, "households").contains(&address(H_ASSIGNED)), "{v}");
        assert!(v.to_string().contains("Poktan Pilang Makmur"), "{v}");
        let (got, v) = post_json(&app.client, mv.clone(), json!({"to_user": officer})).await;
        assert_eq!((got, fields(&v)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["to_user".to_string()]));
        let (got, v) = post_json(&app.client, mv.clone(), json!({"to_user": fac})).await;
        assert_eq!((got, fields(&v)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["to_user".to_string()]));
        let (missing, vm) = post_json(&app.client, mv.clone(), json!({"to_user": 999_999})).await;
        assert_eq!((missing, message_for(&vm, "to_user")), (StatusCode::UNPROCESSABLE_ENTITY, "user 999999 does not exist".into()));
        let (outside, vo) = post_json(&clients["admin_blora"], mv.clone(), json!({"to_user": fac_batu})).await;
        assert_eq!((outside, message_for(&vo, "to_user")), (missing, format!("user {fac_batu} does not exist")));
        let (got, _) = post_json(&app.client, mv.clone(), json!({})).await;
        assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "to_user is required");

        // Everything.
        let (status, v) = post_json(&app.client, mv.clone(), json!({"to_user": fac2})).await;
        assert_eq!((status, v["changed"].as_u64()), (StatusCode::OK, Some(2)), "{v}");
        let (_, v) = get_json(&app.client, url(fac)).await;
        assert!(items(&v).is_empty());
        let (_, v) = get_json(&app.client, url(fac2)).await;
        assert_eq!(items(&v).len(), 3);
        assert_eq!(events(&app, "move_caseload").await.len(), 2);
    }

    async fn pages_assign_unassign_and_move(app: TestApp) {
        let Setup { w, fac, fac2, officer, .. } = setup(&app).await;
        let c = &app.client;
        let base = format!("/users/{fac}/caseload");
        let (status, html) = get_text(c, app.url(&base)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&address(H_ASSIGNED)) && html.contains("1 keluarga, 0 kelompok"), "{html}");
        let (_, account) = get_text(c, app.url(&format!("/users/{fac}"))).await;
        assert!(account.contains(&format!("href=\"{base}\"")), "the account page links the caseload");

        // The assign page lists the shared area only, with the assigned one not selectable.
        let (status, html) = get_text(c, app.url(&format!("{base}/assign"))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("name=\"h.{}\"", w.h_other)), "{html}");
        assert!(!html.contains(&format!("name=\"h.{}\"", w.h_assigned)), "already assigned");
        assert!(html.contains("Sudah ditugaskan"));
        assert!(!html.contains(&address(H_BATU)), "outside the facilitator's area");
        let (_, html) = get_text(c, app.url(&format!("{base}/assign?kind=groups&q=pilang"))).await;
        assert!(html.contains(&format!("name=\"g.{}\"", w.g_own)) && !html.contains("Tulungrejo"), "{html}");

        let res = c.post(app.url(&format!("{base}/assign"))).form(&[(format!("h.{}", w.h_other), "true")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("{base}?done=assigned&n=1"));
        let (_, html) = get_text(c, app.url(&location(&res))).await;
        assert!(html.contains(&address(H_OTHER)) && html.contains("1 penugasan baru ditambahkan"), "{html}");
        let res = c.post(app.url(&format!("{base}/assign"))).form(&[("q", "x")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing ticked");
        let text = res.text().await.expect("body");
        assert!(text.contains("belum ada yang dipilih"), "{text}");
        assert!(text.contains(&format!("action=\"{base}/assign\"")), "the assign form again: {text}");
        let res = c.post(app.url(&format!("{base}/unassign"))).form(&[("q", "x")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing ticked");
        let text = res.text().await.expect("body");
        assert!(text.contains(&format!("action=\"{base}/unassign\"")) && text.contains("belum ada yang dipilih"), "{text}");
        let res = c.post(app.url(&format!("{base}/assign"))).form(&[(format!("h.{}", w.h_batu), "true")]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = res.text().await.expect("body");
        assert!(text.contains("berada di luar wilayah pendamping 33.16.02"), "{text}");

        // Bulk by region: a confirmation with the counts, then the change.
        let res = c.post(app.url(&format!("{base}/region"))).form(&[("region", "33.16.02"), ("households", "true"), ("groups", "true")]).send().await.expect("preview");
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.expect("body");
        assert!(html.contains("0 keluarga, 1 kelompok") && html.contains("Ya, tugaskan 1"), "{html}");
        assert_eq!(app.store.assignment_counts(fac).await.expect("counts").groups, 0, "a preview changes nothing");
        let token = "33.16.02|true|true";
        assert!(html.contains(token), "{html}");
        let res = c.post(app.url(&format!("{base}/region"))).form(&[("region", "33.16.02"), ("households", "true"), ("groups", "true"), ("confirm", token)]).send().await.expect("confirm");
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, format!("{base}?done=assigned&n=1")));
        let res = c.post(app.url(&format!("{base}/region"))).form(&[("region", "35.79"), ("households", "true")]).send().await.expect("outside");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.expect("body").contains("wilayah 35.79 berada di luar wilayah pendamping"));

        // Unassign the group from the caseload page.
        let res = c.post(app.url(&format!("{base}/unassign"))).form(&[(format!("g.{}", w.g_own), "true")]).send().await.expect("unassign");
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, format!("{base}?done=unassigned&n=1")));
        let (_, html) = get_text(c, app.url(&base)).await;
        assert!(html.contains("2 keluarga, 0 kelompok") && !html.contains("Poktan Pilang Makmur"), "{html}");

        // Move the selected one: a page with the picker of names, then the confirmation.
        let res = c.post(app.url(&format!("{base}/move"))).form(&[(format!("h.{}", w.h_other), "true")]).send().await.expect("move");
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.expect("body");
        assert!(html.contains("Pengguna fac2 (fac2)") && html.contains("1 keluarga, 0 kelompok"), "{html}");
        assert!(!html.contains("(officer)"), "only facilitators");
        let bad = c.post(app.url(&format!("{base}/move"))).form(&[(format!("h.{}", w.h_other), "true".to_string()), ("confirm".into(), "true".into()), ("to_user".into(), officer.to_string())]).send().await.expect("bad");
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().await.expect("body").contains("bukan pendamping"));
        let res = c.post(app.url(&format!("{base}/move"))).form(&[(format!("h.{}", w.h_other), "true".to_string()), ("confirm".into(), "true".into()), ("to_user".into(), fac2.to_string())]).send().await.expect("confirm");
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, format!("{base}?done=moved&n=1")));
        let (_, html) = get_text(c, app.url(&format!("/users/{fac2}/caseload"))).await;
        assert!(html.contains(&address(H_OTHER)), "{html}");

        // Move everything.
        let (status, html) = get_text(c, app.url(&format!("{base}/move"))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("name=\"scope\" value=\"all\""), "{html}");
        let res = c.post(app.url(&format!("{base}/move"))).form(&[("scope", "all".to_string()), ("confirm", "true".into()), ("to_user", fac2.to_string())]).send().await.expect("all");
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, format!("{base}?done=moved&n=1")));
        assert!(app.store.assignments(fac).await.expect("list").is_empty());
    }

    async fn a_facilitator_made_on_the_web_sees_what_the_page_assigned(app: TestApp) {
        let (w, _) = world(&app).await;
        let password = "Sawah-Hijau-Subur-77";
        let payload = json!({"username": "baru", "display_name": "Pendamping Baru", "role": "facilitator",
            "area": "33.16.02", "password": password});
        let (status, v) = post_json(&app.client, app.url("/api/v1/users"), payload).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let baru = login(&app.address, "baru", password).await.expect("signs in");
        let (_, v) = get_json(&baru, app.url("/api/v1/households")).await;
        assert_eq!(v["total"].as_u64(), Some(0), "nothing assigned yet: {v}");

        // The administrator ticks two households on the assign page.
        let (_, html) = get_text(&app.client, app.url(&format!("/users/{id}/caseload/assign"))).await;
        assert!(csrf_in(&html).is_some(), "the form carries the CSRF token");
        let form = [(format!("h.{}", w.h_assigned), "true"), (format!("h.{}", w.h_other), "true")];
        let res = app.client.post(app.url(&format!("/users/{id}/caseload/assign"))).form(&form).send().await.expect("assign");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let (_, v) = get_json(&baru, app.url("/api/v1/households")).await;
        let mut got: Vec<i64> = v["items"].as_array().expect("items").iter().map(|h| h["id"].as_i64().expect("id")).collect();
        got.sort_unstable();
        assert_eq!(got, [w.h_assigned, w.h_other]);
        let (status, html) = get_text(&baru, app.url("/households")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&address(H_ASSIGNED)) && html.contains(&address(H_OTHER)), "{html}");
        assert!(!html.contains(&address(H_BATU)));
        let (status, _) = get_text(&baru, app.url(&format!("/households/{}", w.h_other))).await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// In Chromium at a phone's width: the administrator ticks a household on the assign page and
/// assigns it; the facilitator, signed in next, finds it in their list of households.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_assigns_on_the_page_and_the_facilitator_sees_it() {
    use crate::browser::{body_text, connect, sign_in, start_driver, wait_for};
    use fantoccini::Locator;

    if !crate::crawl::browser_installed() {
        return;
    }
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await.expect("sqlite app");
    let (w, _) = world(&app).await;
    let fac = user_id(&*app.store, "fac").await;
    let (_driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    crate::crawl::set_screen(&client, 390, 844).await.expect("phone size");

    client.goto(&app.url("/login")).await.expect("login page");
    sign_in(&client, "admin", PASSWORD).await.expect("admin signs in");
    client.goto(&app.url(&format!("/users/{fac}/caseload/assign"))).await.expect("assign page");
    let tick = format!("input[name='h.{}']", w.h_other);
    client.find(Locator::Css(&tick)).await.expect("the checkbox").click().await.expect("tick");
    let button = format!("#selection button[formaction='/users/{fac}/caseload/assign']");
    client.find(Locator::Css(&button)).await.expect("the button").click().await.expect("assign");
    wait_for(&client, |url, _| url.contains("done=assigned")).await.expect("back on the caseload");
    let text = body_text(&client).await;
    assert!(text.contains("1 penugasan baru ditambahkan") && text.contains(&address(H_OTHER)), "{text}");

    client.delete_all_cookies().await.expect("sign out");
    client.goto(&app.url("/login")).await.expect("login page");
    sign_in(&client, "fac", PASSWORD).await.expect("the facilitator signs in");
    client.goto(&app.url("/households")).await.expect("households");
    let text = body_text(&client).await;
    assert!(text.contains(&address(H_ASSIGNED)) && text.contains(&address(H_OTHER)), "{text}");
    assert!(!text.contains(&address(H_BATU)));
    client.close().await.expect("close");
}
