//! Who may reach what: for every role and every route family (pages, API, exports), what is
//! allowed and what is refused, and that a refused record reads exactly like a missing one.
//! Then the attacks: CSRF, session fixation, injection probes, brute force.

use std::collections::HashMap;
use std::time::Instant;

use berdaya_domain::access::Role;
use berdaya_domain::registry::{
    AgencyDraft, GroupDraft, HouseholdDraft, Id, MemberDraft, PersonDraft, ProgramDraft, RegionDraft,
};
use berdaya_store::access::Assigned;
use berdaya_store::{PageRequest, Query, Store};
use reqwest::StatusCode;

use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, create_user, login, plain_client};

/// The world every check runs in: Blora (33.16) with two villages of Randublatung, and Batu
/// (35.79), each with an agency, a program, households, people and a group.
pub struct World {
    pub h_assigned: Id,
    pub h_other: Id,
    pub h_batu: Id,
    pub p_assigned: Id,
    pub p_other: Id,
    pub p_batu: Id,
    pub g_own: Id,
    pub g_batu: Id,
    pub prog_blora: Id,
    pub prog_batu: Id,
    pub nik_assigned: String,
    pub nik_other: String,
    pub nik_batu: String,
    pub kk_assigned: String,
}

pub const ROLES: [&str; 6] = ["admin", "officer", "fac", "leader", "eva", "viewer"];

async fn region(store: &dyn Store, code: &str, name: &str, kind: &str) {
    let r = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().expect("region");
    store.create_region(&r).await.expect("create region");
}

async fn household(store: &dyn Store, kk: &str, region: &str) -> Id {
    let h = HouseholdDraft {
        kk: kk.into(),
        address: format!("Jl. Uji {kk}"),
        region: region.into(),
        welfare_stage: "pra_sejahtera".into(),
        dtks_listed: true,
        dtks_since: Some("2020-01-01".into()),
    };
    store.create_household(&h.parse().expect("household")).await.expect("create household").id
}

async fn person(store: &dyn Store, nik: &str, name: &str, household: Id) -> Id {
    let p = PersonDraft {
        nik: nik.into(),
        household_id: Some(household.to_string()),
        name: name.into(),
        sex: "male".into(),
        birth_date: "1990-01-01".into(),
        relation: "head".into(),
        education: "sd".into(),
        occupation: Some("Petani".into()),
        disability: "none".into(),
    };
    store.create_person(&p.parse().expect("person")).await.expect("create person").id
}

async fn group(store: &dyn Store, name: &str, region: &str, member: Id) -> Id {
    let g = GroupDraft {
        name: name.into(),
        kind: "farmer_group".into(),
        region: region.into(),
        founded_on: None,
        description: None,
    };
    let g = store.create_group(&g.parse().expect("group")).await.expect("create group");
    let m = MemberDraft { person_id: member.to_string(), role: "chair".into(), since: None, until: None };
    store.add_member(g.id, &m.parse().expect("member")).await.expect("add member");
    g.id
}

async fn agency(store: &dyn Store, name: &str, region: &str) -> Id {
    let a = AgencyDraft { name: name.into(), kind: "agency".into(), region: region.into(), parent_id: None };
    store.create_agency(&a.parse().expect("agency")).await.expect("create agency").id
}

async fn program(store: &dyn Store, name: &str, agency: Id, region: &str) -> Id {
    let p = ProgramDraft {
        name: name.into(),
        agency_id: agency.to_string(),
        starts_on: "2024-01-01".into(),
        ends_on: None,
        description: None,
        target_regions: region.into(),
    };
    store.create_program(&p.parse().expect("program")).await.expect("create program").id
}

/// Builds the world and one signed-in client per role.
pub async fn world(app: &TestApp) -> (World, HashMap<&'static str, reqwest::Client>) {
    let s = &*app.store;
    for (code, name, kind) in [
        ("33", "Jawa Tengah", "province"),
        ("33.16", "Blora", "regency"),
        ("33.16.02", "Randublatung", "district"),
        ("33.16.02.2001", "Pilang", "village"),
        ("33.16.02.2002", "Kutukan", "village"),
        ("35", "Jawa Timur", "province"),
        ("35.79", "Batu", "city"),
        ("35.79.01", "Batu", "district"),
        ("35.79.01.1001", "Tulungrejo", "village"),
    ] {
        region(s, code, name, kind).await;
    }
    let dinsos = agency(s, "Dinas Sosial Blora", "33.16").await;
    let distan = agency(s, "Dinas Pertanian Batu", "35.79").await;
    let prog_blora = program(s, "PKH Blora", dinsos, "33.16").await;
    let prog_batu = program(s, "Pendampingan Apel Batu", distan, "35.79").await;
    let w = World {
        h_assigned: household(s, "3316020101200001", "33.16.02.2001").await,
        h_other: household(s, "3316020101200002", "33.16.02.2002").await,
        h_batu: household(s, "3579010101200003", "35.79.01.1001").await,
        p_assigned: 0,
        p_other: 0,
        p_batu: 0,
        g_own: 0,
        g_batu: 0,
        prog_blora,
        prog_batu,
        nik_assigned: "3316020101900001".into(),
        nik_other: "3316020101900002".into(),
        nik_batu: "3579010101900003".into(),
        kk_assigned: "3316020101200001".into(),
    };
    let p_assigned = person(s, &w.nik_assigned, "Slamet Riyadi", w.h_assigned).await;
    let p_other = person(s, &w.nik_other, "Sutrisno Hadi", w.h_other).await;
    let p_batu = person(s, &w.nik_batu, "Wahyu Apel", w.h_batu).await;
    let g_own = group(s, "Poktan Pilang Makmur", "33.16.02.2001", p_assigned).await;
    let g_batu = group(s, "Poktan Apel Tulungrejo", "35.79.01.1001", p_batu).await;
    let w = World { p_assigned, p_other, p_batu, g_own, g_batu, ..w };

    create_user(s, "officer", Role::ProgramOfficer, Some("33.16"), Some(dinsos), None).await;
    let fac = create_user(s, "fac", Role::Facilitator, Some("33.16.02"), None, None).await;
    s.assign(fac.id, Assigned::Household(w.h_assigned)).await.expect("assign");
    create_user(s, "leader", Role::GroupOfficer, Some("33.16.02.2001"), None, Some(g_own)).await;
    create_user(s, "eva", Role::Evaluator, None, None, None).await;
    create_user(s, "viewer", Role::Viewer, Some("33.16"), None, None).await;

    let mut clients = HashMap::new();
    clients.insert("admin", app.client.clone());
    for name in ["officer", "fac", "leader", "eva", "viewer"] {
        clients.insert(name, login(&app.address, name, PASSWORD).await.unwrap_or_else(|_| panic!("{name} signs in")));
    }
    (w, clients)
}

async fn status(client: &reqwest::Client, url: String) -> StatusCode {
    client.get(url).send().await.expect("request").status()
}

/// One row of the matrix: a path and, per role in [`ROLES`] order, the status expected.
type Row = (String, [u16; 6]);

async fn check_matrix(app: &TestApp, clients: &HashMap<&str, reqwest::Client>, rows: &[Row]) {
    let mut wrong = Vec::new();
    for (path, expected) in rows {
        for (role, want) in ROLES.iter().zip(expected) {
            let got = status(&clients[role], app.url(path)).await.as_u16();
            if got != *want {
                wrong.push(format!("{role} GET {path}: expected {want}, got {got}"));
            }
        }
    }
    assert!(wrong.is_empty(), "access matrix broken:\n{}", wrong.join("\n"));
}

backend_tests! {
    async fn every_role_sees_only_its_share(app: TestApp) {
        let (w, clients) = world(&app).await;
        let missing = 987_654;
        //                                         admin  po   fac   go   eva  viewer
        let pages: Vec<Row> = vec![
            ("/".into(),                               [200, 200, 200, 200, 200, 200]),
            ("/regions".into(),                        [200, 200, 200, 200, 200, 200]),
            ("/households".into(),                     [200, 200, 200, 200, 403, 403]),
            (format!("/households/{}", w.h_assigned),  [200, 200, 200, 404, 403, 403]),
            (format!("/households/{}", w.h_other),     [200, 200, 404, 404, 403, 403]),
            (format!("/households/{}", w.h_batu),      [200, 404, 404, 404, 403, 403]),
            (format!("/households/{missing}"),         [404, 404, 404, 404, 403, 403]),
            (format!("/households/{}/edit", w.h_assigned), [200, 200, 200, 404, 403, 403]),
            ("/households/new".into(),                 [200, 200, 403, 403, 403, 403]),
            ("/people".into(),                         [200, 200, 200, 200, 403, 403]),
            (format!("/people/{}", w.p_assigned),      [200, 200, 200, 200, 403, 403]),
            (format!("/people/{}", w.p_other),         [200, 200, 404, 404, 403, 403]),
            (format!("/people/{}", w.p_batu),          [200, 404, 404, 404, 403, 403]),
            (format!("/groups/{}", w.g_own),           [200, 200, 404, 200, 403, 403]),
            (format!("/groups/{}", w.g_batu),          [200, 404, 404, 404, 403, 403]),
            (format!("/programs/{}", w.prog_blora),    [200, 200, 200, 200, 200, 403]),
            (format!("/programs/{}", w.prog_batu),     [200, 404, 404, 404, 200, 403]),
            ("/survey".into(),                         [200, 200, 403, 403, 200, 403]),
            ("/audit".into(),                          [200, 403, 403, 403, 403, 403]),
            ("/export".into(),                         [200, 200, 200, 403, 200, 403]),
        ];
        check_matrix(&app, &clients, &pages).await;

        let api: Vec<Row> = vec![
            ("/api/v1/households".into(),                       [200, 200, 200, 200, 403, 403]),
            (format!("/api/v1/households/{}", w.h_assigned),    [200, 200, 200, 404, 403, 403]),
            (format!("/api/v1/households/{}", w.h_other),       [200, 200, 404, 404, 403, 403]),
            (format!("/api/v1/households/{}", w.h_batu),        [200, 404, 404, 404, 403, 403]),
            (format!("/api/v1/households/{}/members", w.h_batu), [200, 404, 404, 404, 403, 403]),
            (format!("/api/v1/people/{}", w.p_assigned),        [200, 200, 200, 200, 403, 403]),
            (format!("/api/v1/people/{}", w.p_batu),            [200, 404, 404, 404, 403, 403]),
            (format!("/api/v1/groups/{}/members", w.g_own),     [200, 200, 404, 200, 403, 403]),
            (format!("/api/v1/programs/{}", w.prog_batu),       [200, 404, 404, 404, 200, 403]),
            (format!("/api/v1/programs/{}/enrollments", w.prog_blora), [200, 200, 403, 403, 403, 403]),
            ("/api/v1/audit".into(),                            [200, 403, 403, 403, 403, 403]),
        ];
        check_matrix(&app, &clients, &api).await;

        let exports: Vec<Row> = vec![
            ("/export/registry.csv".into(),                     [200, 200, 200, 403, 403, 403]),
            ("/export/registry-deidentified.csv".into(),        [200, 200, 403, 403, 200, 403]),
            ("/api/v1/export/registry.csv".into(),              [200, 200, 200, 403, 403, 403]),
            ("/api/v1/export/registry-deidentified.csv".into(), [200, 200, 403, 403, 200, 403]),
        ];
        check_matrix(&app, &clients, &exports).await;

        // A refused record reads exactly like a missing one.
        for (role, path, absent) in [
            ("officer", format!("/api/v1/households/{}", w.h_batu), format!("/api/v1/households/{missing}")),
            ("fac", format!("/api/v1/people/{}", w.p_other), format!("/api/v1/people/{missing}")),
            ("officer", format!("/households/{}", w.h_batu), format!("/households/{missing}")),
        ] {
            let c = &clients[role];
            let a = c.get(app.url(&path)).send().await.expect("get");
            let b = c.get(app.url(&absent)).send().await.expect("get");
            assert_eq!(a.status(), b.status(), "{role} {path}");
            assert_eq!(a.text().await.expect("body"), b.text().await.expect("body"), "{role}: {path} tells it exists");
        }

        // Nobody unauthenticated gets anything but the login page.
        let anon = &app.anonymous;
        assert_eq!(status(anon, app.url("/api/v1/households")).await, StatusCode::UNAUTHORIZED);
        assert_eq!(status(anon, app.url("/api/v1/export/registry.csv")).await, StatusCode::UNAUTHORIZED);
        let res = anon.get(app.url("/households")).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/login?next=%2Fhouseholds");
        assert_eq!(status(anon, app.url("/export/registry.csv")).await, StatusCode::SEE_OTHER);
        for public in ["/login", "/healthz", "/api/openapi.json", "/api/docs"] {
            assert_eq!(status(anon, app.url(public)).await, StatusCode::OK, "{public}");
        }
    }

    async fn searches_stay_inside_area_and_assignment(app: TestApp) {
        let (w, clients) = world(&app).await;
        let ids = |v: serde_json::Value| -> Vec<i64> {
            v["items"].as_array().expect("items").iter().map(|i| i["id"].as_i64().expect("id")).collect()
        };
        let get = |role: &'static str, path: &'static str| {
            let c = clients[role].clone();
            let url = app.url(path);
            async move { c.get(url).send().await.expect("get").json::<serde_json::Value>().await.expect("json") }
        };
        let mut all = ids(get("admin", "/api/v1/households").await);
        all.sort();
        assert_eq!(all, vec![w.h_assigned, w.h_other, w.h_batu]);
        let mut po = ids(get("officer", "/api/v1/households").await);
        po.sort();
        assert_eq!(po, vec![w.h_assigned, w.h_other], "a Blora officer sees Blora only");
        assert_eq!(ids(get("officer", "/api/v1/households?region=35.79").await), Vec::<i64>::new());
        assert_eq!(ids(get("fac", "/api/v1/households").await), vec![w.h_assigned], "a facilitator sees their own");
        assert_eq!(ids(get("fac", "/api/v1/people").await), vec![w.p_assigned]);
        assert_eq!(ids(get("leader", "/api/v1/people").await), vec![w.p_assigned], "a group officer sees members");
        assert_eq!(ids(get("leader", "/api/v1/groups").await), vec![w.g_own]);
        // Searching by a NIK outside the area finds nothing.
        let q = format!("/api/v1/people?q={}", w.nik_batu);
        let found = clients["officer"].get(app.url(&q)).send().await.expect("get").json::<serde_json::Value>().await.expect("json");
        assert_eq!(found["items"].as_array().expect("items").len(), 0);
    }

    async fn identity_numbers_are_masked_unless_the_role_may_see_them(app: TestApp) {
        let (w, clients) = world(&app).await;
        let nik = |role: &'static str| {
            let c = clients[role].clone();
            let url = app.url(&format!("/api/v1/people/{}", w.p_assigned));
            async move { c.get(url).send().await.expect("get").json::<serde_json::Value>().await.expect("json")["nik"].as_str().expect("nik").to_string() }
        };
        assert_eq!(nik("admin").await, w.nik_assigned);
        assert_eq!(nik("fac").await, w.nik_assigned);
        assert_eq!(nik("leader").await, "3316••••••••0001", "a group officer sees members masked");
        // Listings mask for everyone.
        let list = clients["admin"].get(app.url("/api/v1/people")).send().await.expect("get").text().await.expect("body");
        assert!(!list.contains(&w.nik_assigned), "a listing shows a full NIK");
        let page = clients["leader"].get(app.url(&format!("/people/{}", w.p_assigned))).send().await.expect("get").text().await.expect("body");
        assert!(page.contains("3316••••••••0001") && !page.contains(&w.nik_assigned));
        let kk = clients["admin"].get(app.url(&format!("/households/{}", w.h_assigned))).send().await.expect("get").text().await.expect("body");
        assert!(kk.contains(&w.kk_assigned));

        // Each unmasked view is in the audit log, by whom and of what.
        let log = clients["admin"]
            .get(app.url(&format!("/api/v1/audit?action=reveal&entity=people&entity_id={}", w.p_assigned)))
            .send().await.expect("get").json::<serde_json::Value>().await.expect("json");
        let actors: Vec<&str> = log["items"].as_array().expect("items").iter().map(|e| e["actor"].as_str().expect("actor")).collect();
        assert!(actors.contains(&"admin") && actors.contains(&"fac"), "reveals recorded: {actors:?}");
        assert!(!actors.contains(&"leader"), "a masked view is not a reveal");

        // Exports follow the same rules.
        let csv = |role: &'static str, path: &'static str| {
            let c = clients[role].clone();
            let url = app.url(path);
            async move { c.get(url).send().await.expect("get").text().await.expect("body") }
        };
        let admin_csv = csv("admin", "/export/registry.csv").await;
        assert!(admin_csv.contains(&w.nik_batu) && admin_csv.contains(&w.nik_assigned));
        let po_csv = csv("officer", "/export/registry.csv").await;
        assert!(po_csv.contains(&w.nik_assigned) && po_csv.contains(&w.nik_other) && !po_csv.contains(&w.nik_batu));
        let fac_csv = csv("fac", "/api/v1/export/registry.csv").await;
        assert!(fac_csv.contains(&w.nik_assigned) && !fac_csv.contains(&w.nik_other));
        let anon_csv = csv("eva", "/export/registry-deidentified.csv").await;
        let header = anon_csv.lines().next().expect("header");
        assert_eq!(header, "person,household,region,sex,age_band,relation,education,disability,welfare_stage,dtks_listed");
        assert_eq!(anon_csv.lines().count(), 4, "three people and the header");
        for secret in [&w.nik_assigned, &w.nik_batu, &w.kk_assigned, &"Slamet".to_string(), &"1990-01-01".to_string()] {
            assert!(!anon_csv.contains(secret.as_str()), "the de-identified export holds {secret}");
        }
        assert!(anon_csv.contains(",35-39,") || anon_csv.contains(",30-34,"), "ages in bands: {anon_csv}");
        let again = csv("eva", "/export/registry-deidentified.csv").await;
        assert_eq!(anon_csv, again, "pseudonyms are stable");
    }

    async fn writes_obey_role_and_area(app: TestApp) {
        let (w, clients) = world(&app).await;
        let body = |region: &str, kk: &str| serde_json::json!({
            "kk": kk, "address": "Jl. Baru", "region": region, "welfare_stage": "sejahtera_1", "dtks_listed": false
        });
        let post = |role: &'static str, path: String, json: serde_json::Value| {
            let c = clients[role].clone();
            let url = app.url(&path);
            async move { c.post(url).json(&json).send().await.expect("post").status().as_u16() }
        };
        assert_eq!(post("fac", "/api/v1/households".into(), body("33.16.02.2001", "3316020101200011")).await, 403);
        assert_eq!(post("eva", "/api/v1/households".into(), body("33.16.02.2001", "3316020101200012")).await, 403);
        assert_eq!(post("officer", "/api/v1/households".into(), body("35.79.01.1001", "3579010101200013")).await, 422);
        assert_eq!(post("officer", "/api/v1/households".into(), body("33.16.02.2001", "3316020101200014")).await, 201);

        let put = |role: &'static str, id: Id| {
            let c = clients[role].clone();
            let url = app.url(&format!("/api/v1/households/{id}"));
            let mut json = body("33.16.02.2002", "3316020101200002");
            json["version"] = 1.into();
            async move { c.put(url).json(&json).send().await.expect("put").status().as_u16() }
        };
        assert_eq!(put("fac", w.h_other).await, 404);
        assert_eq!(put("leader", w.h_other).await, 404);
        assert_eq!(put("officer", w.h_other).await, 200);

        let enroll = |role: &'static str, program: Id, household: Id| {
            let c = clients[role].clone();
            let url = app.url(&format!("/api/v1/programs/{program}/enrollments"));
            let json = serde_json::json!({"subject_kind": "household", "subject_id": household.to_string(), "status": "active", "enrolled_on": "2024-02-01"});
            async move { c.post(url).json(&json).send().await.expect("post").status().as_u16() }
        };
        assert_eq!(enroll("fac", w.prog_blora, w.h_assigned).await, 403);
        assert_eq!(enroll("officer", w.prog_batu, w.h_assigned).await, 404);
        assert_eq!(enroll("officer", w.prog_blora, w.h_batu).await, 422);
        assert_eq!(enroll("officer", w.prog_blora, w.h_assigned).await, 201);

        // Every change is in the audit log with who did it.
        let log = clients["admin"].get(app.url("/api/v1/audit?actor=officer")).send().await.expect("get")
            .json::<serde_json::Value>().await.expect("json");
        let actions: Vec<String> = log["items"].as_array().expect("items").iter()
            .map(|e| format!("{} {}", e["action"].as_str().unwrap_or(""), e["entity"].as_str().unwrap_or(""))).collect();
        for want in ["create households", "update households", "create enrollments", "login users"] {
            assert!(actions.iter().any(|a| a == want), "missing `{want}` in {actions:?}");
        }
    }

    async fn state_changes_without_a_csrf_token_are_refused(app: TestApp) {
        let (_w, _clients) = world(&app).await;
        // A session cookie alone, as a forged cross-site form would carry it.
        let jar_client = {
            let c = plain_client();
            let form = c.get(app.url("/login")).send().await.expect("login page").text().await.expect("html");
            let token = crate::helpers::csrf_in(&form).expect("token");
            let res = c.post(app.url("/login"))
                .form(&[("username", "officer"), ("password", PASSWORD), ("_csrf", token.as_str())])
                .send().await.expect("login");
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            c
        };
        let before = app.store.search_households(&Query { page: PageRequest::new(1, 200), ..Default::default() }).await.expect("search").total;
        let forged = [("kk", "3316020101200099"), ("address", "Jl. Palsu"), ("region", "33.16.02.2001"), ("welfare_stage", "sejahtera_1")];
        let res = jar_client.post(app.url("/households")).form(&forged).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = jar_client.post(app.url("/households")).form(&[forged.as_slice(), &[("_csrf", "0000")]].concat()).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = jar_client.post(app.url("/api/v1/households"))
            .header("x-csrf-token", "wrong")
            .json(&serde_json::json!({"kk": "3316020101200098", "address": "x", "region": "33.16.02.2001", "welfare_stage": "sejahtera_1", "dtks_listed": false}))
            .send().await.expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(res.json::<serde_json::Value>().await.expect("json")["error"]["code"], "csrf");
        let res = jar_client.post(app.url("/logout")).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "even logout needs the token");
        let after = app.store.search_households(&Query { page: PageRequest::new(1, 200), ..Default::default() }).await.expect("search").total;
        assert_eq!(before, after, "a refused request changed the database");
        // A login form posted from elsewhere (no login CSRF cookie) is refused too.
        let res = plain_client().post(app.url("/login")).form(&[("username", "officer"), ("password", PASSWORD)]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }

    async fn session_fixation_fails(app: TestApp) {
        let (_w, clients) = world(&app).await;
        let url = reqwest::Url::parse(&app.address).expect("url");
        // 1. An id the attacker made up and planted.
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str("berdaya_session=planted-by-attacker; Path=/", &url);
        let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_provider(jar.clone()).build().expect("client");
        let form = c.get(app.url("/login")).send().await.expect("login page").text().await.expect("html");
        let token = crate::helpers::csrf_in(&form).expect("token");
        let res = c.post(app.url("/login")).form(&[("username", "admin"), ("password", PASSWORD), ("_csrf", token.as_str())]).send().await.expect("login");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let set: Vec<String> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().expect("ascii").to_string()).collect();
        let session = set.iter().find(|c| c.starts_with("berdaya_session=")).expect("a new session cookie");
        assert!(!session.contains("planted-by-attacker"));
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
        let attacker = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let res = attacker.get(app.url("/api/v1/households")).header("cookie", "berdaya_session=planted-by-attacker").send().await.expect("get");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the planted id is worthless");

        // 2. The attacker's own live session, planted before the victim signs in: login ends it.
        let own = plain_client();
        let form = own.get(app.url("/login")).send().await.expect("page").text().await.expect("html");
        let token = crate::helpers::csrf_in(&form).expect("token");
        let res = own.post(app.url("/login")).form(&[("username", "viewer"), ("password", PASSWORD), ("_csrf", token.as_str())]).send().await.expect("login");
        let planted = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().expect("ascii").to_string())
            .find(|c| c.starts_with("berdaya_session=")).expect("cookie");
        let planted = planted.split(';').next().expect("pair").to_string();
        let victim = plain_client();
        let form = victim.get(app.url("/login")).header("cookie", &planted).send().await.expect("page").text().await.expect("html");
        let token = crate::helpers::csrf_in(&form).expect("token");
        let res = victim.post(app.url("/login")).header("cookie", format!("{planted}; berdaya_login_csrf={token}"))
            .form(&[("username", "admin"), ("password", PASSWORD), ("_csrf", token.as_str())]).send().await.expect("login");
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{:?}", res.text().await);
        let res = attacker.get(app.url("/api/v1/households")).header("cookie", &planted).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the session planted before login still works");
        drop(clients);
    }

    async fn the_audit_page_speaks_indonesian_and_masks_numbers(app: TestApp) {
        let (w, clients) = world(&app).await;
        let moved = HouseholdDraft {
            kk: w.kk_assigned.clone(),
            address: "Jl. Baru 9".into(),
            region: "33.16.02.2001".into(),
            welfare_stage: "pra_sejahtera".into(),
            dtks_listed: true,
            dtks_since: Some("2020-01-01".into()),
        };
        app.store.update_household(w.h_assigned, &moved.parse().expect("household"), 1).await.expect("update");
        let page = clients["admin"].get(app.url("/audit?per_page=200")).send().await.expect("get");
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("body");
        // Actions, record kinds and field names by their labels, never by their codes.
        let cells = |label: &str| -> Vec<String> {
            html.split(&format!("<td data-label=\"{label}\">")).skip(1).map(|c| c.split("</td>").next().unwrap_or("").to_string()).collect()
        };
        let (actions, entities) = (cells("Tindakan"), cells("Jenis data"));
        assert!(actions.iter().any(|a| a == "Tambah") && actions.iter().any(|a| a == "Ubah") && actions.iter().any(|a| a == "Masuk"), "{actions:?}");
        assert!(entities.iter().any(|e| e == "Keluarga") && entities.iter().any(|e| e == "Individu") && entities.iter().any(|e| e == "Pengguna"), "{entities:?}");
        for code in ["create", "update", "login", "households", "people", "users", "regions", "programs"] {
            assert!(!actions.iter().chain(&entities).any(|c| c == code), "the code `{code}` is shown: {actions:?} {entities:?}");
        }
        // Details as field label → value, an update as before → after; raw JSON only folded away.
        let results = html.split_once("<div id=\"results\">").map_or("", |(_, r)| r);
        let shown: String = results.split("<details>").map(|part| part.split_once("</details>").map_or(part, |(_, after)| after)).collect();
        assert!(shown.contains("<dt>Alamat</dt><dd><del>Jl. Uji 3316020101200001</del> → Jl. Baru 9</dd>"), "no readable update in the audit page");
        assert!(shown.contains("<dt>Nomor KK</dt>") && shown.contains("<dt>Tahapan kesejahteraan</dt>"), "fields not labelled");
        assert!(!shown.contains("{&#34;") && !shown.contains("{\""), "raw JSON outside <details>");
        assert!(html.contains("<details><summary>Data tersimpan (JSON)</summary>"), "the raw entry is not kept");
        // Every NIK and KK masked, in the details and in the raw entry.
        for nik in [&w.nik_assigned, &w.nik_batu] {
            assert!(!html.contains(nik.as_str()), "a full NIK in the audit page");
        }
        let kk = &w.kk_assigned; // also in the test address, so looked for as the KK field
        assert!(!html.contains(&format!("<dd>{kk}</dd>")) && !html.contains(&format!("&#34;kk&#34;:&#34;{kk}")), "a full KK");
        assert!(html.contains("3316••••••••0001"), "the masked KK is not shown");
        // The filters choose among the labels.
        let updates = clients["admin"].get(app.url("/audit?action=update&entity=households")).send().await.expect("get").text().await.expect("body");
        assert!(updates.contains(r#"<option value="update" selected>Ubah</option>"#), "action filter");
        assert!(updates.contains(r#"<option value="households" selected>Keluarga</option>"#), "entity filter");
        let rows = updates.matches("<td data-label=\"Tindakan\">").count();
        assert_eq!(rows, 1, "one household update");
    }

    async fn injection_probes_do_no_harm(app: TestApp) {
        let (w, clients) = world(&app).await;
        let admin = &clients["admin"];
        let probes = [
            "' OR '1'='1",
            "'; DROP TABLE people; --",
            "\" OR 1=1 --",
            "<script>alert('xss')</script>",
            "\"><img src=x onerror=alert(1)>",
            "%' UNION SELECT nik FROM people --",
        ];
        for path in ["/households", "/people", "/groups", "/agencies", "/programs", "/regions", "/survey", "/audit"] {
            for probe in probes {
                let res = admin.get(app.url(path)).query(&[(if path == "/audit" { "actor" } else { "q" }, probe)]).send().await.expect("get");
                let status = res.status();
                let body = res.text().await.expect("body");
                assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{path} {probe}: {status}");
                assert!(!body.contains("<script>alert"), "{path} echoes a script: {probe}");
                assert!(!body.contains("<img src=x"), "{path} echoes markup: {probe}");
                if probe.contains("OR") && path == "/people" {
                    assert!(!body.contains("Slamet Riyadi"), "{path}: `{probe}` matched everyone");
                }
            }
            for probe in probes {
                let res = admin.get(app.url(&format!("/api{}", if path == "/survey" { "/v1/survey/analyses".to_string() } else { format!("/v1{path}") })))
                    .query(&[("q", probe)]).send().await.expect("get");
                assert!(res.status().as_u16() < 500, "{path} {probe}: {}", res.status());
            }
        }
        // Stored probes are shown as text.
        for (i, probe) in probes.iter().enumerate() {
            let form = [("kk", format!("33160201012001{:02}", 50 + i)), ("address", probe.to_string()), ("region", "33.16.02.2001".into()), ("welfare_stage", "sejahtera_1".into())];
            let res = admin.post(app.url("/households")).form(&form).send().await.expect("post");
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{probe}");
            let location = res.headers()["location"].to_str().expect("location").to_string();
            let page = admin.get(app.url(&location)).send().await.expect("get").text().await.expect("html");
            assert!(!page.contains("<script>alert") && !page.contains("<img src=x"), "stored markup runs: {probe}");
            if probe.contains('<') {
                assert!(page.contains("&lt;") || page.contains("&#60;"), "the probe is not shown as text: {page}");
            }
        }
        let people = app.store.search_people(&Query { page: PageRequest::new(1, 200), ..Default::default() }).await.expect("people");
        assert_eq!(people.total, 3, "the people table survived");
        assert!(app.store.person(w.p_assigned).await.is_ok());
    }

    async fn brute_force_is_slowed_then_locked_out(app: TestApp) {
        let (_w, _clients) = world(&app).await;
        // Policy in tests: slowed after 2 failures (500 ms a step), locked after 4.
        let c = plain_client();
        let form = c.get(app.url("/login")).send().await.expect("page").text().await.expect("html");
        let token = crate::helpers::csrf_in(&form).expect("token");
        let attempt = |password: &'static str| {
            let c = c.clone();
            let token = token.clone();
            let url = app.url("/login");
            async move {
                let start = Instant::now();
                let res = c.post(url).form(&[("username", "officer"), ("password", password), ("_csrf", token.as_str())]).send().await.expect("post");
                (res.status(), start.elapsed(), res.text().await.expect("body"))
            }
        };
        let (s1, t1, _) = attempt("salah-satu-kata").await;
        assert_eq!(s1, StatusCode::UNAUTHORIZED);
        attempt("salah-dua-kata").await;
        let (s3, t3, _) = attempt("salah-tiga-kata").await;
        assert_eq!(s3, StatusCode::UNAUTHORIZED);
        assert!(t3 >= t1 + std::time::Duration::from_millis(400), "the third failure is not slowed: {t1:?} then {t3:?}");
        let (s4, _, body) = attempt("salah-empat-kata").await;
        assert_eq!(s4, StatusCode::TOO_MANY_REQUESTS, "the fourth failure locks");
        assert!(body.contains("dikunci"), "the page says the account is locked");
        let (s5, _, _) = attempt(PASSWORD).await;
        assert_eq!(s5, StatusCode::TOO_MANY_REQUESTS, "even the right password is refused while locked");
        assert!(login(&app.address, "officer", PASSWORD).await.is_err());
        assert!(login(&app.address, "admin", PASSWORD).await.is_ok(), "other accounts are not locked");
        let log = app.client.get(app.url("/api/v1/audit?action=login_failed")).send().await.expect("get").json::<serde_json::Value>().await.expect("json");
        assert!(log["total"].as_u64().expect("total") >= 4);
        assert!(!log.to_string().contains("salah-"), "a tried password is in the audit log");
    }
}
