//! Every id a request carries — in the path or the body — is resolved through the caller's
//! area and scope. For every write route of the OpenAPI document, an out-of-scope reference in
//! each id field is refused exactly like a missing record. Then membership removal and the
//! audit log's scope.

use std::collections::BTreeSet;

use berdaya_domain::access::Role;
use berdaya_domain::registry::MemberDraft;
use berdaya_store::Query;
use berdaya_store::access::Assigned;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::access::{World, world};
use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, create_user, login};

/// An id no record has.
const MISSING: &str = "987654";

/// One probe: a route, who calls it, and one id field (the `@REF` in the path or the body)
/// with a value the caller may not see and one that names nothing.
struct Probe {
    who: &'static str,
    method: Method,
    /// The route as the OpenAPI document names it (`/api/v1/groups/{id}/members`).
    route: &'static str,
    /// The path called, `@REF` where the probed id goes.
    path: String,
    body: Option<Value>,
    field: &'static str,
    hidden: String,
    missing: String,
}

#[allow(clippy::too_many_arguments)]
fn probe(
    who: &'static str,
    method: Method,
    route: &'static str,
    path: String,
    body: Option<Value>,
    field: &'static str,
    hidden: impl ToString,
    missing: impl ToString,
) -> Probe {
    Probe { who, method, route, path, body, field, hidden: hidden.to_string(), missing: missing.to_string() }
}

/// Write routes that carry no reference at all, with the reason.
const NO_REFERENCES: [(&str, &str, &str); 5] = [
    ("post", "/api/v1/frameworks", "a framework is installation-wide reference data: no record ids"),
    (
        "post",
        "/api/v1/frameworks/{id}/dimensions",
        "frameworks are installation-wide reference data every reader sees: the id is not scoped",
    ),
    (
        "post",
        "/api/v1/class-instruments",
        "an instrument version is installation-wide configuration: `replaces_id` names a version every reader sees",
    ),
    ("post", "/api/v1/survey/analyses", "an upload of an instrument and responses: no record ids"),
    (
        "post",
        "/api/v1/regions",
        "the code is the new record's own identity (checked against the area), not a reference",
    ),
];

fn household_body(kk: &str, region: &str, version: Option<i64>) -> Value {
    let mut v = json!({"kk": kk, "address": "Jl. Uji", "region": region, "welfare_stage": "pra_sejahtera",
        "dtks_listed": true, "dtks_since": "2020-01-01"});
    if let Some(n) = version {
        v["version"] = json!(n);
    }
    v
}

fn person_body(nik: &str, household: &str, version: Option<i64>) -> Value {
    let mut v = json!({"nik": nik, "household_id": household, "name": "Uji Coba", "sex": "male",
        "birth_date": "1990-01-01", "relation": "head", "education": "sd", "occupation": "Petani",
        "disability": "none"});
    if let Some(n) = version {
        v["version"] = json!(n);
    }
    v
}

fn versioned(mut v: Value) -> Value {
    v["version"] = json!(1);
    v
}

/// The probes for every write route, against the world of `access.rs` seen by a facilitator
/// (`fac`), the Blora program officer (`officer`) and an administrator bound to Blora
/// (`admin.blora`).
fn probes(w: &World, extra: &Extra) -> Vec<Probe> {
    use Method as M;
    let (hb, pb, gb, m) = (w.h_batu, w.p_batu, w.g_batu, MISSING);
    let group = |region: &str| json!({"name": "Kelompok Uji", "kind": "farmer_group", "region": region});
    let agency =
        |region: &str, parent: &str| json!({"name": "UPTD Uji", "kind": "unit", "region": region, "parent_id": parent});
    let program = |agency: &str, regions: &str| json!({"name": "Program Uji", "agency_id": agency, "starts_on": "2024-01-01", "target_regions": regions});
    let user = |role: &str, area: &str, agency: Value, group: Value| {
        json!({"username": "probe.user", "display_name": "Probe", "role": role, "area": area,
            "agency_id": agency, "group_id": group, "password": PASSWORD})
    };
    let num = |id: i64| json!(id);
    let enroll = |kind: &str, id: &str| json!({"subject_kind": kind, "subject_id": id, "status": "active", "enrolled_on": "2024-02-01"});
    let (own_agency, batu_agency) = (extra.dinsos.to_string(), extra.distan.to_string());
    let missing_region = "33.16.02.2999";
    let batu_region = "35.79.01.1001";
    let own = w.h_assigned.to_string();
    let mut probes = vec![
        // Households
        probe(
            "officer",
            M::POST,
            "/api/v1/households",
            "/api/v1/households".into(),
            Some(household_body("3316020101209901", "@REF", None)),
            "region",
            batu_region,
            missing_region,
        ),
        probe(
            "officer",
            M::PUT,
            "/api/v1/households/{id}",
            "/api/v1/households/@REF".into(),
            Some(household_body("3579010101200003", batu_region, Some(1))),
            "id",
            hb,
            m,
        ),
        probe(
            "officer",
            M::PUT,
            "/api/v1/households/{id}",
            format!("/api/v1/households/{}", w.h_other),
            Some(household_body("3316020101200002", "@REF", Some(1))),
            "region",
            batu_region,
            missing_region,
        ),
        // People
        probe(
            "officer",
            M::POST,
            "/api/v1/people",
            "/api/v1/people".into(),
            Some(person_body("3316020101909901", "@REF", None)),
            "household_id",
            hb,
            m,
        ),
        probe(
            "officer",
            M::PUT,
            "/api/v1/people/{id}",
            "/api/v1/people/@REF".into(),
            Some(person_body(&w.nik_batu, &own, Some(1))),
            "id",
            pb,
            m,
        ),
        probe(
            "officer",
            M::PUT,
            "/api/v1/people/{id}",
            format!("/api/v1/people/{}", w.p_other),
            Some(person_body(&w.nik_other, "@REF", Some(1))),
            "household_id",
            hb,
            m,
        ),
        // Groups and their members
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/groups",
            "/api/v1/groups".into(),
            Some(group("@REF")),
            "region",
            batu_region,
            missing_region,
        ),
        probe(
            "admin.blora",
            M::PUT,
            "/api/v1/groups/{id}",
            "/api/v1/groups/@REF".into(),
            Some(versioned(group("33.16.02.2001"))),
            "id",
            gb,
            m,
        ),
        probe(
            "admin.blora",
            M::PUT,
            "/api/v1/groups/{id}",
            format!("/api/v1/groups/{}", w.g_own),
            Some(versioned(group("@REF"))),
            "region",
            batu_region,
            missing_region,
        ),
        probe(
            "fac",
            M::POST,
            "/api/v1/groups/{id}/members",
            "/api/v1/groups/@REF/members".into(),
            Some(json!({"person_id": w.p_assigned.to_string(), "role": "member"})),
            "id",
            gb,
            m,
        ),
        probe(
            "fac",
            M::POST,
            "/api/v1/groups/{id}/members",
            format!("/api/v1/groups/{}/members", w.g_own),
            Some(json!({"person_id": "@REF", "role": "member"})),
            "person_id",
            w.p_other,
            m,
        ),
        probe(
            "fac",
            M::POST,
            "/api/v1/groups/{id}/members",
            format!("/api/v1/groups/{}/members", w.g_own),
            Some(json!({"person_id": "@REF", "role": "member"})),
            "person_id",
            pb,
            m,
        ),
        probe(
            "fac",
            M::DELETE,
            "/api/v1/groups/{id}/members/{person_id}",
            format!("/api/v1/groups/@REF/members/{}", w.p_assigned),
            None,
            "id",
            gb,
            m,
        ),
        probe(
            "officer",
            M::DELETE,
            "/api/v1/groups/{id}/members/{person_id}",
            format!("/api/v1/groups/{}/members/@REF", w.g_own),
            None,
            "person_id",
            pb,
            m,
        ),
        // Agencies
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/agencies",
            "/api/v1/agencies".into(),
            Some(agency("@REF", &own_agency)),
            "region",
            "35.79",
            "33.16.97",
        ),
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/agencies",
            "/api/v1/agencies".into(),
            Some(agency("33.16", "@REF")),
            "parent_id",
            &batu_agency,
            m,
        ),
        probe(
            "admin.blora",
            M::PUT,
            "/api/v1/agencies/{id}",
            "/api/v1/agencies/@REF".into(),
            Some(versioned(agency("33.16", &own_agency))),
            "id",
            &batu_agency,
            m,
        ),
        probe(
            "admin.blora",
            M::PUT,
            "/api/v1/agencies/{id}",
            format!("/api/v1/agencies/{}", extra.unit),
            Some(versioned(agency("33.16", "@REF"))),
            "parent_id",
            &batu_agency,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/agencies/{id}/staff",
            "/api/v1/agencies/@REF/staff".into(),
            Some(json!({"name": "Staf Uji", "position": "Penyuluh"})),
            "id",
            &batu_agency,
            m,
        ),
        // Programs and enrollments
        probe(
            "officer",
            M::POST,
            "/api/v1/programs",
            "/api/v1/programs".into(),
            Some(program("@REF", "33.16")),
            "agency_id",
            &batu_agency,
            m,
        ),
        probe(
            "officer",
            M::POST,
            "/api/v1/programs",
            "/api/v1/programs".into(),
            Some(program(&own_agency, "@REF")),
            "target_regions",
            "35.79",
            "33.16.97",
        ),
        probe(
            "officer",
            M::PUT,
            "/api/v1/programs/{id}",
            "/api/v1/programs/@REF".into(),
            Some(versioned(program(&own_agency, "33.16"))),
            "id",
            w.prog_batu,
            m,
        ),
        probe(
            "officer",
            M::PUT,
            "/api/v1/programs/{id}",
            format!("/api/v1/programs/{}", w.prog_blora),
            Some(versioned(program("@REF", "33.16"))),
            "agency_id",
            &batu_agency,
            m,
        ),
        probe(
            "officer",
            M::POST,
            "/api/v1/enrollments/{id}/status",
            "/api/v1/enrollments/@REF/status".into(),
            Some(json!({"status": "suspended", "on": "2024-03-01", "reason": "Absen P2K2", "version": 1})),
            "id",
            extra.batu_enrollment,
            m,
        ),
        probe(
            "officer",
            M::POST,
            "/api/v1/programs/{id}/enrollments",
            "/api/v1/programs/@REF/enrollments".into(),
            Some(enroll("household", &own)),
            "id",
            w.prog_batu,
            m,
        ),
        probe(
            "officer",
            M::POST,
            "/api/v1/programs/{id}/enrollments",
            format!("/api/v1/programs/{}/enrollments", w.prog_blora),
            Some(enroll("household", "@REF")),
            "subject_id",
            hb,
            m,
        ),
        probe(
            "officer",
            M::POST,
            "/api/v1/programs/{id}/enrollments",
            format!("/api/v1/programs/{}/enrollments", w.prog_blora),
            Some(enroll("person", "@REF")),
            "subject_id",
            pb,
            m,
        ),
        probe(
            "officer",
            M::POST,
            "/api/v1/programs/{id}/enrollments",
            format!("/api/v1/programs/{}/enrollments", w.prog_blora),
            Some(enroll("group", "@REF")),
            "subject_id",
            gb,
            m,
        ),
        // Regions
        probe(
            "admin.blora",
            M::PUT,
            "/api/v1/regions/{code}",
            "/api/v1/regions/@REF".into(),
            Some(json!({"name": "Uji", "kind": "village", "version": 1})),
            "code",
            batu_region,
            missing_region,
        ),
        // Accounts and tokens
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/users",
            "/api/v1/users".into(),
            Some(user("program_officer", "@REF", num(extra.dinsos), Value::Null)),
            "area",
            "35.79",
            "33.16.97",
        ),
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/users",
            "/api/v1/users".into(),
            Some(user("program_officer", "33.16", json!("@NUM"), Value::Null)),
            "agency_id",
            &batu_agency,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/users",
            "/api/v1/users".into(),
            Some(user("group_officer", "33.16", Value::Null, json!("@NUM"))),
            "group_id",
            gb,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/users/{id}/disable",
            "/api/v1/users/@REF/disable".into(),
            None,
            "id",
            extra.batu_user,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/users/{id}/enable",
            "/api/v1/users/@REF/enable".into(),
            None,
            "id",
            extra.batu_user,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/users/{id}/tokens",
            "/api/v1/users/@REF/tokens".into(),
            Some(json!({"name": "uji"})),
            "id",
            extra.batu_user,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            "/api/v1/tokens/{id}/revoke",
            "/api/v1/tokens/@REF/revoke".into(),
            None,
            "id",
            extra.batu_token,
            m,
        ),
    ];
    probes.extend(assignment_probes(w, extra));
    probes.extend(class_probes(w, extra));
    probes
}

/// The probes of a class assessment: its group, program and assessor (a staff member of an
/// agency in the area).
fn class_probes(w: &World, extra: &Extra) -> Vec<Probe> {
    let route = "/api/v1/class-assessments";
    let body = |group: Value, program: Value, assessor: Value| {
        json!({"group_id": group, "program_id": program, "instrument_id": 1, "assessor_id": assessor,
            "assessed_on": "2024-03-01", "scores": {"1": 0}})
    };
    let (g, p, s) = (json!(w.g_own), json!(w.prog_blora), json!(extra.staff_blora));
    vec![
        probe(
            "officer",
            Method::POST,
            route,
            route.into(),
            Some(body(json!("@NUM"), p.clone(), s.clone())),
            "group_id",
            w.g_batu,
            MISSING,
        ),
        probe(
            "officer",
            Method::POST,
            route,
            route.into(),
            Some(body(g.clone(), json!("@NUM"), s)),
            "program_id",
            w.prog_batu,
            MISSING,
        ),
        probe(
            "officer",
            Method::POST,
            route,
            route.into(),
            Some(body(g, p, json!("@NUM"))),
            "assessor_id",
            extra.staff_batu,
            MISSING,
        ),
        probe(
            "officer",
            Method::POST,
            "/api/v1/findings",
            "/api/v1/findings".into(),
            Some(json!({"program_id": "@NUM", "kind": "inhibiting", "title": "Uji"})),
            "program_id",
            w.prog_batu,
            MISSING,
        ),
        probe(
            "officer",
            Method::POST,
            "/api/v1/findings",
            "/api/v1/findings".into(),
            Some(json!({"program_id": w.prog_blora, "kind": "inhibiting", "title": "Uji", "group_ids": ["@NUM"]})),
            "group_ids",
            w.g_batu,
            MISSING,
        ),
        probe(
            "officer",
            Method::POST,
            "/api/v1/findings/{id}/evidence",
            "/api/v1/findings/@REF/evidence".into(),
            Some(json!({"kind": "quote", "text": "Uji"})),
            "id",
            extra.finding_batu,
            MISSING,
        ),
    ]
}

/// The probes of a facilitator's assignments: the facilitator in the path, the households,
/// groups and region of the body, and the facilitator a caseload moves to.
fn assignment_probes(w: &World, extra: &Extra) -> Vec<Probe> {
    use Method as M;
    let (fac, m) = (extra.fac, MISSING);
    let route = "/api/v1/users/{id}/assignments";
    let mut probes = Vec::new();
    for method in [M::POST, M::DELETE] {
        let at = || format!("/api/v1/users/{fac}/assignments");
        probes.extend([
            probe(
                "admin.blora",
                method.clone(),
                route,
                "/api/v1/users/@REF/assignments".into(),
                Some(json!({"households": [w.h_other]})),
                "id",
                extra.batu_user,
                m,
            ),
            probe(
                "admin.blora",
                method.clone(),
                route,
                at(),
                Some(json!({"households": ["@NUM"]})),
                "households",
                w.h_batu,
                m,
            ),
            probe("admin.blora", method.clone(), route, at(), Some(json!({"groups": ["@NUM"]})), "groups", w.g_batu, m),
            probe(
                "admin.blora",
                method.clone(),
                route,
                at(),
                Some(json!({"region": "@REF"})),
                "region",
                "35.79",
                "33.99",
            ),
        ]);
    }
    let route = "/api/v1/users/{id}/assignments/move";
    let at = format!("/api/v1/users/{fac}/assignments/move");
    let to = extra.fac2;
    probes.extend([
        probe(
            "admin.blora",
            M::POST,
            route,
            "/api/v1/users/@REF/assignments/move".into(),
            Some(json!({"to_user": to})),
            "id",
            extra.batu_user,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            route,
            at.clone(),
            Some(json!({"to_user": "@NUM"})),
            "to_user",
            extra.batu_user,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            route,
            at.clone(),
            Some(json!({"to_user": to, "households": ["@NUM"]})),
            "households",
            w.h_batu,
            m,
        ),
        probe(
            "admin.blora",
            M::POST,
            route,
            at,
            Some(json!({"to_user": to, "groups": ["@NUM"]})),
            "groups",
            w.g_batu,
            m,
        ),
    ]);
    probes
}

/// Records beyond the shared world that the probes need.
struct Extra {
    dinsos: i64,
    distan: i64,
    /// A unit of Dinas Sosial Blora, whose parent the probes try to move.
    unit: i64,
    /// An account bound to Batu, and one of its API tokens.
    batu_user: i64,
    batu_token: i64,
    /// Wahyu's household of Batu in Batu's program, out of Blora's reach.
    batu_enrollment: i64,
    /// The Randublatung facilitator, and another facilitator of Blora to move a caseload to.
    fac: i64,
    fac2: i64,
    /// Staff of Dinas Sosial Blora and of Dinas Pertanian Batu (class assessors).
    staff_blora: i64,
    staff_batu: i64,
    /// An inhibiting factor of Batu's program.
    finding_batu: i64,
}

async fn extra(app: &TestApp, w: &World) -> Extra {
    let s = &*app.store;
    let agencies = s.search_agencies(&Query::default()).await.expect("agencies").items;
    let id_of = |name: &str| agencies.iter().find(|a| a.name == name).map(|a| a.id).expect("agency");
    let (dinsos, distan) = (id_of("Dinas Sosial Blora"), id_of("Dinas Pertanian Batu"));
    let unit = app
        .client
        .post(app.url("/api/v1/agencies"))
        .json(&json!({"name": "UPTD Sosial Randublatung", "kind": "unit", "region": "33.16.02", "parent_id": dinsos.to_string()}))
        .send()
        .await
        .expect("post");
    assert_eq!(unit.status(), StatusCode::CREATED);
    let unit = unit.json::<Value>().await.expect("json")["id"].as_i64().expect("id");
    let batu_user = create_user(s, "warga.batu", Role::Viewer, Some("35.79"), None, None).await.id;
    let token = app
        .client
        .post(app.url(&format!("/api/v1/users/{batu_user}/tokens")))
        .json(&json!({"name": "batu"}))
        .send()
        .await
        .expect("post");
    assert_eq!(token.status(), StatusCode::CREATED);
    let batu_token = token.json::<Value>().await.expect("json")["token"]["id"].as_i64().expect("token id");
    // The facilitator looks after the group (so it may change its members); Wahyu of Batu is
    // a member too (made nationally), whom Blora's users may not see.
    let fac = s.users().await.expect("users").into_iter().find(|u| u.username.as_str() == "fac").expect("fac");
    s.assign(fac.id, Assigned::Group(w.g_own)).await.expect("assign group");
    add_member(app, w.g_own, w.p_batu).await;
    let enrollment = json!({"subject_kind": "household", "subject_id": w.h_batu, "enrolled_on": "2024-02-01"});
    let enrolled = app.client.post(app.url(&format!("/api/v1/programs/{}/enrollments", w.prog_batu))).json(&enrollment);
    let enrolled = enrolled.send().await.expect("post");
    assert_eq!(enrolled.status(), StatusCode::CREATED);
    let batu_enrollment = enrolled.json::<Value>().await.expect("json")["id"].as_i64().expect("enrollment id");
    let fac2 = create_user(s, "fac.kedua", Role::Facilitator, Some("33.16"), None, None).await.id;
    let staff = |name: &str| berdaya_domain::registry::NewStaff { name: name.into(), position: "Penyuluh".into() };
    let staff_blora = s.add_staff(dinsos, &staff("Penyuluh Blora")).await.expect("staff").id;
    let staff_batu = s.add_staff(distan, &staff("Penyuluh Batu")).await.expect("staff").id;
    let factor = berdaya_domain::framework::finding::FindingDraft {
        program_id: berdaya_domain::agriculture::class::Number::Int(w.prog_batu),
        kind: "inhibiting".into(),
        title: "Hama apel".into(),
        ..Default::default()
    };
    let finding_batu = s.create_finding(&factor.parse().expect("finding")).await.expect("finding").id;
    Extra {
        dinsos,
        distan,
        unit,
        batu_user,
        batu_token,
        batu_enrollment,
        fac: fac.id,
        fac2,
        staff_blora,
        staff_batu,
        finding_batu,
    }
}

/// The JSON a GET answers.
async fn get_json(client: &reqwest::Client, url: impl reqwest::IntoUrl) -> Value {
    client.get(url).send().await.expect("get").json().await.expect("json")
}

async fn add_member(app: &TestApp, group: i64, person: i64) {
    let m = MemberDraft { person_id: person.to_string(), role: "member".into(), since: None, until: None };
    app.store.add_member(group, &m.parse().expect("member")).await.expect("add member");
}

async fn send(client: &reqwest::Client, app: &TestApp, p: &Probe, value: &str) -> (StatusCode, String) {
    let path = p.path.replace("@REF", value);
    let mut req = client.request(p.method.clone(), app.url(&path));
    if let Some(body) = &p.body {
        // `"@NUM"` is a reference sent as a JSON number, `@REF` one inside a string.
        let text = body.to_string().replace("\"@NUM\"", value).replace("@REF", value);
        req = req.header("content-type", "application/json").body(text);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, replace_id(&res.text().await.expect("body"), value))
}

/// `text` with every `value` that stands alone (not inside a longer number) as `@REF`.
fn replace_id(text: &str, value: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(value) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + value.len()..].chars().next();
        let alone = !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_digit() || c == '.');
        out.push_str(&rest[..at]);
        out.push_str(if alone { "@REF" } else { value });
        rest = &rest[at + value.len()..];
    }
    out.push_str(rest);
    out
}

/// The write routes (method, path) of the OpenAPI document.
async fn write_routes(app: &TestApp) -> BTreeSet<(String, String)> {
    let doc: Value =
        app.client.get(app.url("/api/openapi.json")).send().await.expect("get").json().await.expect("json");
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.insert((method.to_string(), path.clone()));
            }
        }
    }
    routes
}

backend_tests! {
    async fn every_reference_of_every_write_route_is_scoped(app: TestApp) {
        let (w, mut clients) = world(&app).await;
        let extra = extra(&app, &w).await;
        create_user(&*app.store, "admin.blora", Role::Administrator, Some("33.16"), None, None).await;
        clients.insert("admin.blora", login(&app.address, "admin.blora", PASSWORD).await.unwrap_or_else(|_| panic!("signs in")));
        let mut probes = probes(&w, &extra);
        let act = crate::act::act_world(&app, &w).await;
        probes.extend(crate::act::scope_probes(&w, &act).into_iter().map(|(a, b, c, d, e, f, g, h)| probe(a, b, c, d, e, f, g, h)));

        // Every write route of the API is probed, or says why it carries no reference.
        let mut uncovered = Vec::new();
        for (method, path) in write_routes(&app).await {
            let probed = probes.iter().any(|p| p.method.as_str().eq_ignore_ascii_case(&method) && p.route == path);
            let exempt = NO_REFERENCES.iter().any(|(m, r, _)| *m == method && *r == path)
                || crate::mach::PROBED_HERE.iter().any(|(m, r)| *m == method && *r == path)
                || crate::aid::PROBED_HERE.iter().any(|(m, r)| *m == method && *r == path)
                || crate::pkh_rules::PROBED_HERE.iter().any(|(m, r)| *m == method && *r == path)
                || crate::pkh_pay::PROBED_HERE.iter().any(|(m, r)| *m == method && *r == path)
                || crate::pkh_target::PROBED_HERE.iter().any(|(m, r)| *m == method && *r == path)
                || crate::pkh_school::PROBED_HERE.iter().any(|(m, r)| *m == method && *r == path)
                || crate::pkh_family::PROBED_HERE.iter().any(|(m, r)| *m == method && *r == path)
                || crate::community::PROBED_HERE.iter().any(|(m, r)| *m == method && *r == path);
            if !probed && !exempt {
                uncovered.push(format!("{} {path}", method.to_uppercase()));
            }
        }
        assert!(uncovered.is_empty(), "write routes without a scope probe (add one to scope.rs):\n{}", uncovered.join("\n"));

        let mut wrong = Vec::new();
        for p in &probes {
            let client = &clients[p.who];
            let (hidden_status, hidden) = send(client, &app, p, &p.hidden).await;
            let (missing_status, missing) = send(client, &app, p, &p.missing).await;
            let what = format!("{} {} as {}, field `{}`", p.method, p.path, p.who, p.field);
            if hidden_status.is_success() {
                wrong.push(format!("{what}: an out-of-scope reference was accepted ({hidden_status}): {hidden}"));
            } else if (hidden_status, &hidden) != (missing_status, &missing) {
                wrong.push(format!(
                    "{what}: out of scope answered {hidden_status} {hidden}\n    but missing answered {missing_status} {missing}"
                ));
            }
        }
        assert!(wrong.is_empty(), "references not resolved through the caller's scope:\n{}", wrong.join("\n"));
    }

    async fn the_facilitator_cannot_reach_people_through_a_membership(app: TestApp) {
        // The probe's finding: adding an unassigned person to its group gave the facilitator the
        // person's name, then the full NIK and the edit form.
        let (w, clients) = world(&app).await;
        extra(&app, &w).await;
        let fac = &clients["fac"];
        let res = fac
            .post(app.url(&format!("/api/v1/groups/{}/members", w.g_own)))
            .json(&json!({"person_id": w.p_other.to_string(), "role": "member"}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = res.text().await.expect("body");
        assert!(!text.contains("Sutrisno"), "the refusal names the person: {text}");
        assert!(!app.store.is_member(w.g_own, w.p_other).await.expect("is member"), "the membership was written");
        let page = fac.get(app.url(&format!("/people/{}", w.p_other))).send().await.expect("get");
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "a membership gave sight of the person");
        // The page form refuses the same way.
        let html = fac.get(app.url(&format!("/groups/{}", w.g_own))).send().await.expect("get").text().await.expect("html");
        let csrf = crate::helpers::csrf_in(&html).expect("csrf");
        let res = fac
            .post(app.url(&format!("/groups/{}/members", w.g_own)))
            .form(&[("person_id", w.p_other.to_string()), ("role", "member".into()), ("_csrf", csrf)])
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!app.store.is_member(w.g_own, w.p_other).await.expect("is member"));
    }

    async fn members_are_removed_and_the_removal_is_audited(app: TestApp) {
        let (w, clients) = world(&app).await;
        extra(&app, &w).await;
        let officer = &clients["officer"];
        add_member(&app, w.g_own, w.p_other).await;
        // Wahyu of Batu, a member Blora's officer may not see, cannot be removed by it.
        let url = app.url(&format!("/api/v1/groups/{}/members/{}", w.g_own, w.p_batu));
        assert_eq!(officer.delete(&url).send().await.expect("delete").status(), StatusCode::NOT_FOUND);
        assert!(app.store.is_member(w.g_own, w.p_batu).await.expect("is member"));
        // Sutrisno leaves through the page's button.
        let html = officer.get(app.url(&format!("/groups/{}", w.g_own))).send().await.expect("get").text().await.expect("html");
        let action = format!("/groups/{}/members/{}/remove", w.g_own, w.p_other);
        assert!(html.contains(&action), "the member list offers no remove button");
        let csrf = crate::helpers::csrf_in(&html).expect("csrf");
        let res = officer.post(app.url(&action)).form(&[("_csrf", csrf)]).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(!app.store.is_member(w.g_own, w.p_other).await.expect("is member"));
        // Slamet leaves through the API; a second removal finds nothing.
        let url = app.url(&format!("/api/v1/groups/{}/members/{}", w.g_own, w.p_assigned));
        assert_eq!(officer.delete(&url).send().await.expect("delete").status(), StatusCode::NO_CONTENT);
        assert_eq!(officer.delete(&url).send().await.expect("delete").status(), StatusCode::NOT_FOUND);
        let members = get_json(officer, app.url(&format!("/api/v1/groups/{}/members", w.g_own))).await;
        assert_eq!(members.as_array().map(Vec::len), Some(1), "only Wahyu stays: {members}");
        // Both removals are in the audit log, with the membership as it was.
        let log = get_json(&app.client, app.url("/api/v1/audit?entity=group_members&action=delete")).await;
        let items = log["items"].as_array().expect("items");
        assert_eq!(items.len(), 2, "{log}");
        assert!(items.iter().all(|e| e["actor"] == "officer" && e["before"].as_str().is_some_and(|b| b.contains("person_id"))), "{log}");
        // Roles that may not change the group cannot remove anyone.
        let viewer = &clients["viewer"];
        let res = viewer.delete(app.url(&format!("/api/v1/groups/{}/members/{}", w.g_batu, w.p_batu))).send().await.expect("delete");
        assert!(res.status() == StatusCode::FORBIDDEN || res.status() == StatusCode::NOT_FOUND, "{}", res.status());
        assert!(app.store.is_member(w.g_batu, w.p_batu).await.expect("is member"));
    }

    async fn the_audit_log_shows_an_area_administrator_only_its_area_and_masks_numbers(app: TestApp) {
        let (w, _clients) = world(&app).await;
        create_user(&*app.store, "admin.blora", Role::Administrator, Some("33.16"), None, None).await;
        let blora = login(&app.address, "admin.blora", PASSWORD).await.unwrap_or_else(|_| panic!("signs in"));
        // Batu's person: the record is hidden, and so is every entry about it.
        let url = app.url(&format!("/api/v1/audit?entity=people&entity_id={}", w.p_batu));
        let log = get_json(&blora, &url).await;
        assert_eq!(log["items"].as_array().map(Vec::len), Some(0), "{log}");
        assert_eq!(log["total"], 0, "{log}");
        let all = get_json(&blora, app.url("/api/v1/audit?per_page=200")).await;
        let text = all.to_string();
        for batu in [&w.nik_batu, "Wahyu Apel", "Tulungrejo", "35.79"] {
            assert!(!text.contains(batu), "an entry about Batu reached Blora's administrator: {batu}");
        }
        // Blora's own person is there, with the NIK masked.
        let url = app.url(&format!("/api/v1/audit?entity=people&entity_id={}", w.p_assigned));
        let log = get_json(&blora, &url).await;
        let items = log["items"].as_array().expect("items");
        assert!(!items.is_empty(), "Blora's own entries are hidden: {log}");
        let text = log.to_string();
        assert!(text.contains("3316••••••••0001"), "{text}");
        assert!(!text.contains(&w.nik_assigned), "a full NIK in the audit log: {text}");
        // The national administrator sees Batu too, also masked; the page masks as the API does.
        let url = app.url(&format!("/api/v1/audit?entity=people&entity_id={}", w.p_batu));
        let log = get_json(&app.client, &url).await;
        assert!(!log["items"].as_array().expect("items").is_empty(), "{log}");
        assert!(!log.to_string().contains(&w.nik_batu), "{log}");
        let page = app.client.get(app.url("/audit?entity=people")).send().await.expect("get").text().await.expect("html");
        for nik in [&w.nik_assigned, &w.nik_other, &w.nik_batu] {
            assert!(!page.contains(nik.as_str()), "the audit page shows a full NIK");
        }
        let page = blora.get(app.url("/audit?per_page=200")).send().await.expect("get").text().await.expect("html");
        assert!(!page.contains("Wahyu Apel") && !page.contains(&w.nik_batu), "the audit page shows Batu to Blora");
    }
}
