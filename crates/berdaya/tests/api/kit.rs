//! What the page and API kit gives every record type: JSON ids as numbers, sortable and
//! filterable listings whose pager and headers keep the search, 400s naming a bad sort key
//! or filter, pickers that show names, and pages that never link to a 403 or a 404.

use std::collections::{BTreeSet, VecDeque};

use serde_json::{Value, json};

use crate::access::world;
use crate::api::fixtures::{self, KK, NIK};
use crate::backend_tests;
use crate::helpers::TestApp;

async fn send(app: &TestApp, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
    let res = app.client.request(method, app.url(path)).json(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("request");
    (res.status().as_u16(), res.text().await.expect("body"))
}

/// The same-site addresses a page links to (`href="/…"`), with the escaped `&` undone.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.replace("&amp;", "&").replace("&#38;", "&"))
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .collect()
}

/// The record pages the kit serves (the crawl stays among them).
const REGISTRY: [&str; 8] =
    ["/regions", "/households", "/people", "/groups", "/agencies", "/programs", "/machines", "/machine-loans"];

backend_tests! {
    async fn json_ids_may_be_numbers_and_flags_booleans(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (s, region) = send(&app, reqwest::Method::POST, "/api/v1/regions",
            &json!({"code": "33.16.09.2002", "name": "Kutukan", "kind": "village"})).await;
        assert_eq!(s, 201, "{region}");
        let (s, dinas) = send(&app, reqwest::Method::POST, "/api/v1/agencies",
            &json!({"name": "Dinas Sosial", "kind": "agency", "region": "33.16"})).await;
        assert_eq!(s, 201, "{dinas}");
        let (s, unit) = send(&app, reqwest::Method::POST, "/api/v1/agencies",
            &json!({"name": "UPTD Randublatung", "kind": "unit", "region": "33.16.09", "parent_id": dinas["id"]})).await;
        assert_eq!(s, 201, "a numeric parent_id: {unit}");
        assert_eq!(unit["parent_id"], dinas["id"]);
        let (s, h) = send(&app, reqwest::Method::POST, "/api/v1/households", &fixtures::household(KK, "Jl. Melati 7")).await;
        assert_eq!(s, 201, "{h}");
        assert_eq!(h["dtks_listed"], json!(true), "a boolean stays a boolean");
        let person = json!({"nik": NIK, "household_id": h["id"], "name": "Siti Aminah", "sex": "female",
            "birth_date": "1985-03-12", "relation": "head"});
        let (s, p) = send(&app, reqwest::Method::POST, "/api/v1/people", &person).await;
        assert_eq!(s, 201, "a numeric household_id: {p}");
        let (s, g) = send(&app, reqwest::Method::POST, "/api/v1/groups",
            &json!({"name": "KWT Melati", "kind": "women_farmer_group", "region": "33.16.09.2001"})).await;
        assert_eq!(s, 201, "{g}");
        let (s, m) = send(&app, reqwest::Method::POST, &format!("/api/v1/groups/{}/members", g["id"]),
            &json!({"person_id": p["id"], "role": "member"})).await;
        assert_eq!(s, 201, "a numeric person_id: {m}");
        let (s, prog) = send(&app, reqwest::Method::POST, "/api/v1/programs",
            &json!({"name": "PKH", "agency_id": dinas["id"], "starts_on": "2020-01-01", "target_regions": "33.16.09"})).await;
        assert_eq!(s, 201, "a numeric agency_id: {prog}");
        let (s, e) = send(&app, reqwest::Method::POST, &format!("/api/v1/programs/{}/enrollments", prog["id"]),
            &json!({"subject_kind": "household", "subject_id": h["id"], "enrolled_on": "2020-02-01"})).await;
        assert_eq!(s, 201, "a numeric subject_id: {e}");
        // Updates take them too, and the version as a number.
        let mut change = json!({"name": "UPTD Randublatung Timur", "kind": "unit", "region": "33.16.09",
            "parent_id": dinas["id"], "version": unit["version"]});
        let (s, changed) = send(&app, reqwest::Method::PUT, &format!("/api/v1/agencies/{}", unit["id"]), &change).await;
        assert_eq!(s, 200, "{changed}");
        // A number where text is meant is still refused, naming the field.
        change["name"] = json!(12);
        change["version"] = changed["version"].clone();
        let (s, refused) = send(&app, reqwest::Method::PUT, &format!("/api/v1/agencies/{}", unit["id"]), &change).await;
        assert_eq!(s, 422, "{refused}");
        assert_eq!(refused["error"]["fields"][0]["field"], "name", "{refused}");
        // A fractional id is no id.
        let (s, _) = send(&app, reqwest::Method::POST, &format!("/api/v1/groups/{}/members", g["id"]),
            &json!({"person_id": 1.5, "role": "member"})).await;
        assert_eq!(s, 422);
    }

    async fn the_openapi_document_types_ids_as_integers(app: TestApp) {
        let (s, doc) = send(&app, reqwest::Method::GET, "/api/openapi.json", &Value::Null).await;
        assert_eq!(s, 200);
        let schemas = &doc["components"]["schemas"];
        for (schema, field) in [("PersonInput", "household_id"), ("MemberInput", "person_id"),
            ("AgencyInput", "parent_id"), ("ProgramInput", "agency_id"), ("EnrollmentInput", "subject_id")] {
            let ty = schemas[schema]["properties"][field]["type"].to_string();
            assert!(ty.contains("integer"), "{schema}.{field} is {ty}");
        }
        assert!(schemas["HouseholdInput"]["properties"]["dtks_listed"]["type"].to_string().contains("boolean"));
        for name in ["regions", "households", "people", "groups", "agencies", "programs"] {
            let list = &doc["paths"][format!("/api/v1/{name}")];
            assert!(list["get"].is_object() && list["post"].is_object(), "{name}: {list}");
            let params: Vec<&str> =
                list["get"]["parameters"].as_array().expect("params").iter().filter_map(|p| p["name"].as_str()).collect();
            assert!(params.contains(&"sort") && params.contains(&"q"), "{name}: {params:?}");
            let key = if name == "regions" { "code" } else { "id" };
            let one = &doc["paths"][format!("/api/v1/{name}/{{{key}}}")];
            assert!(one["get"].is_object() && one["put"].is_object(), "{name}: {one}");
            assert!(one["put"]["requestBody"].is_object(), "{name} says what an update takes");
            assert_eq!(one["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
                .as_str().map(|r| r.starts_with("#/components/schemas/")), Some(true), "{name}");
        }
        let filters: Vec<&str> = doc["paths"]["/api/v1/households"]["get"]["parameters"]
            .as_array().expect("params").iter().filter_map(|p| p["name"].as_str()).collect();
        assert!(filters.contains(&"welfare_stage") && filters.contains(&"dtks_listed"), "{filters:?}");
    }

    async fn listings_sort_and_filter_and_refuse_unknown_keys(app: TestApp) {
        fixtures::regions(&*app.store).await;
        fixtures::program(&*app.store).await;
        for (path, field) in [
            ("/api/v1/agencies?sort=colour", "sort"),
            ("/api/v1/agencies?sort=name&dir=up", "dir"),
            ("/api/v1/agencies?welfare_stage=x", "welfare_stage"),
            ("/api/v1/households?kind=agency", "kind"),
            ("/api/v1/programs?colour=red", "colour"),
        ] {
            let (s, b) = send(&app, reqwest::Method::GET, path, &Value::Null).await;
            assert_eq!(s, 400, "{path}: {b}");
            assert_eq!(b["error"]["fields"][0]["field"], field, "{path}: {b}");
        }
        for path in [
            "/api/v1/regions?sort=code&dir=desc&kind=village",
            "/api/v1/households?sort=head&welfare_stage=pra_sejahtera&dtks_listed=true",
            "/api/v1/people?sort=birth_date&sex=female&relation=head&disability=none",
            "/api/v1/groups?sort=members&dir=desc&kind=ksm",
            "/api/v1/agencies?sort=kind&kind=agency",
            "/api/v1/programs?sort=enrolled&dir=desc&agency_id=1",
        ] {
            let (s, b) = send(&app, reqwest::Method::GET, path, &Value::Null).await;
            assert_eq!(s, 200, "{path}: {b}");
        }
        // A page keeps the search in its sortable headers and its pager.
        let (s, html) = get(&app.client, app.url("/agencies?kind=agency&sort=name&per_page=1&q=Dinas")).await;
        assert_eq!(s, 200, "{html}");
        assert!(html.contains("sort=name&#38;dir=desc"), "the sorted header turns the order round: {html}");
        assert!(html.contains("sort=region&#38;dir=asc"), "{html}");
        assert!(html.contains("kind=agency&#38;sort=name"), "headers keep the filter: {html}");
        assert!(html.contains("name=\"kind\"") && html.contains("value=\"agency\" selected"), "the filter box: {html}");
        assert!(html.contains("type=\"hidden\" name=\"sort\" value=\"name\""), "a new search keeps the order");
        let (s, html) = get(&app.client, app.url("/agencies?sort=colour")).await;
        assert_eq!(s, 400);
        assert!(html.contains("<html"), "a page, not JSON");
    }

    async fn sorted_listings_come_in_order_and_filters_count_what_they_keep(app: TestApp) {
        fixtures::regions(&*app.store).await;
        fixtures::program(&*app.store).await; // "Dinas Sosial Blora", an agency
        for (name, kind, region) in [("UPTD Cepu", "unit", "33.16.09"), ("Dinas Pertanian", "agency", "33.16"),
            ("UPTD Banjarejo", "unit", "33.16.09")] {
            let (s, b) = send(&app, reqwest::Method::POST, "/api/v1/agencies",
                &json!({"name": name, "kind": kind, "region": region})).await;
            assert_eq!(s, 201, "{b}");
        }
        let names = |b: &Value| -> Vec<String> {
            b["items"].as_array().expect("items").iter().map(|a| a["name"].as_str().unwrap_or("").to_string()).collect()
        };
        let ascending = ["Dinas Pertanian", "Dinas Sosial Blora", "UPTD Banjarejo", "UPTD Cepu"];
        let (s, b) = send(&app, reqwest::Method::GET, "/api/v1/agencies?sort=name", &Value::Null).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(names(&b), ascending, "{b}");
        let (_, b) = send(&app, reqwest::Method::GET, "/api/v1/agencies?sort=name&dir=desc", &Value::Null).await;
        let descending: Vec<&str> = ascending.iter().rev().copied().collect();
        assert_eq!(names(&b), descending, "{b}");
        // A filter narrows the rows and the total alike, and the order holds on every page.
        let (_, b) = send(&app, reqwest::Method::GET, "/api/v1/agencies?kind=unit&sort=name&dir=desc", &Value::Null).await;
        assert_eq!(names(&b), ["UPTD Cepu", "UPTD Banjarejo"], "{b}");
        assert_eq!(b["total"], json!(2), "{b}");
        let (_, b) = send(&app, reqwest::Method::GET, "/api/v1/agencies?sort=name&per_page=3&page=2", &Value::Null).await;
        assert_eq!(names(&b), ["UPTD Cepu"], "{b}");
        assert_eq!((b["total"].clone(), b["pages"].clone()), (json!(4), json!(2)), "{b}");
        // The page shows its rows in the order asked, both ways.
        for (dir, order) in [("asc", ascending.to_vec()), ("desc", descending.clone())] {
            let (s, html) = get(&app.client, app.url(&format!("/agencies?sort=name&dir={dir}"))).await;
            assert_eq!(s, 200, "{html}");
            let at: Vec<usize> =
                order.iter().map(|n| html.find(&format!(">{n}<")).unwrap_or_else(|| panic!("{n} in {html}"))).collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{dir}: {order:?} at {at:?}");
        }
        let (_, html) = get(&app.client, app.url("/agencies?kind=unit")).await;
        assert!(html.contains("UPTD Cepu") && !html.contains(">Dinas Pertanian<"), "{html}");
    }

    async fn references_are_pickers_not_id_boxes(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (agency, program) = fixtures::program(&*app.store).await;
        for (path, fields) in [
            (format!("/programs/{program}/edit"), vec!["agency_id", "target_regions"]),
            (format!("/programs/new?agency={agency}"), vec!["agency_id"]),
            (format!("/programs/{program}"), vec!["subject_id"]),
            ("/households/new?region=33.16.09.2001".to_string(), vec!["region"]),
            ("/people/new".to_string(), vec!["household_id"]),
            ("/groups/new".to_string(), vec!["region"]),
            (format!("/agencies/{agency}/edit"), vec!["region", "parent_id"]),
        ] {
            let (s, html) = get(&app.client, app.url(&path)).await;
            assert_eq!(s, 200, "{path}");
            for f in fields {
                let at = html.find(&format!("name=\"{f}\"")).unwrap_or_else(|| panic!("{path}: no {f} in {html}"));
                let tag = &html[html[..at].rfind('<').unwrap_or(0)..at];
                // A picker's value input (the search box that shows names replaces it when the
                // page's script runs; without script it is the plain fallback).
                assert!(tag.contains("class=\"picker-value\""), "{path}: {f} is not a picker: {tag}");
                assert!(!tag.contains("type=\"number\""), "{path}: {f} is a number box: {tag}");
            }
        }
        // The edit form keeps the values it shows.
        let (_, html) = get(&app.client, app.url(&format!("/programs/{program}/edit"))).await;
        assert!(html.contains("33.16.09"), "{html}");
    }

    async fn no_role_is_shown_a_link_or_button_that_refuses_it(app: TestApp) {
        let (_, clients) = world(&app).await;
        let mut wrong = Vec::new();
        let mut roles: Vec<&&str> = clients.keys().collect();
        roles.sort();
        for role in roles {
            let client = &clients[*role];
            let mut seen = BTreeSet::new();
            let mut queue: VecDeque<(String, String)> = VecDeque::new();
            let (_, home) = get(client, app.url("/")).await;
            for l in links(&home) {
                if REGISTRY.iter().any(|r| l.starts_with(r)) {
                    queue.push_back(("/".into(), l));
                }
            }
            while let Some((from, path)) = queue.pop_front() {
                if !seen.insert(path.clone()) || seen.len() > 200 {
                    continue;
                }
                let (status, html) = get(client, app.url(&path)).await;
                if status >= 400 {
                    wrong.push(format!("{role}: {from} links to {path}, which answers {status}"));
                    continue;
                }
                for l in links(&html) {
                    if REGISTRY.iter().any(|r| l.starts_with(r)) && !l.contains("lang=") {
                        queue.push_back((path.clone(), l));
                    }
                }
            }
            assert!(seen.len() > 3, "{role} reached some pages: {seen:?}");
        }
        assert!(wrong.is_empty(), "links that refuse:\n{}", wrong.join("\n"));
    }
}
