//! The dashboards in a real browser, for every demo role, on a phone (390×844) and a laptop
//! (1366×900): the numbers in the registry dashboard's tables match counts read from the
//! store through the listings (an independent path from the dashboard's own queries), the
//! programs dashboard's latest month matches the programs' enrollment counts, every chart is
//! shown and no wider than the screen, and the viewer sees no count from 1 to 4 anywhere.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (`scripts/install-browser`); without
//! them the test says so and passes, unless `BERDAYA_REQUIRE_BROWSER=1`. Chromedriver listens
//! on a free port from 18200–18299.

use std::collections::BTreeMap;
use std::net::TcpListener;

use berdaya::demo::{DemoAccount, demo_accounts};
use berdaya_domain::access::Role;
use berdaya_domain::registry::{Disability, HouseholdDraft, RegionCode, WelfareStage};
use berdaya_store::{PageRequest, Query, Store, Within};
use fantoccini::Client;
use serde_json::Value;

use crate::browser::{Driver, connect, sign_in, snap, start_driver_on, wait_for};
use crate::helpers::{Backend, spawn_app};

/// The suppression threshold of the test app (the default).
const BELOW: u64 = berdaya_web::dashboard::DEFAULT_SUPPRESS_BELOW;

/// The two screens: a phone's and a laptop's.
const SCREENS: [(u32, u32); 2] = [(390, 844), (1366, 900)];

/// Starts chromedriver on the first free port of this test's range.
async fn start_driver() -> (Driver, String) {
    let free = (18200..18300).find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok());
    start_driver_on(free.expect("a free port in 18200–18299")).await
}

/// What a role's dashboards must show, counted through the listings.
#[derive(Debug, Default)]
struct Expected {
    /// (table, row key) → the count in the table's first column.
    cells: BTreeMap<(&'static str, String), u64>,
    /// Table → its totals row, in column order.
    totals: BTreeMap<&'static str, Vec<u64>>,
    /// The enrollments the role's programs count (the latest month's sum).
    enrolled: u64,
}

/// The listing total of a query (exact: the demo is far below the listings' count cap).
async fn count_households(store: &dyn Store, q: &Query, filter: Option<(&str, &str)>) -> u64 {
    let q = Query { filters: filter.map(|(k, v)| vec![(k.into(), v.into())]).unwrap_or_default(), ..q.clone() };
    let page = store.search_households(&q).await.expect("households");
    assert!(!page.total_capped);
    page.total
}

async fn count_people(store: &dyn Store, q: &Query, filter: Option<(&str, &str)>) -> u64 {
    let q = Query { filters: filter.map(|(k, v)| vec![(k.into(), v.into())]).unwrap_or_default(), ..q.clone() };
    let page = store.search_people(&q).await.expect("people");
    assert!(!page.total_capped);
    page.total
}

/// The scope a demo account reads, as the web layer makes it.
async fn scope_of(store: &dyn Store, account: &DemoAccount) -> Query {
    let users = store.users().await.expect("users");
    let user = users.iter().find(|u| u.username.as_str() == account.username).expect("demo user");
    let within = match user.role {
        Role::Facilitator => Some(Within::AssignedTo(user.id)),
        Role::GroupOfficer => Some(Within::MembersOf(user.group_id.expect("the officer's group"))),
        _ => None,
    };
    Query { region: user.area.clone(), within, page: PageRequest::new(1, 1), ..Default::default() }
}

async fn expected(store: &dyn Store, q: &Query) -> Expected {
    let mut e = Expected::default();
    let (households, people) = (count_households(store, q, None).await, count_people(store, q, None).await);
    e.totals.insert("regions", vec![households, people]);
    e.totals.insert("welfare", vec![households]);
    e.totals.insert("dtks", vec![households]);
    e.totals.insert("disability", vec![people]);
    for stage in WelfareStage::ALL {
        let n = count_households(store, q, Some(("welfare_stage", stage.code()))).await;
        e.cells.insert(("welfare", stage.code().into()), n);
    }
    for listed in ["true", "false"] {
        e.cells.insert(("dtks", listed.into()), count_households(store, q, Some(("dtks_listed", listed))).await);
    }
    for d in Disability::ALL {
        e.cells.insert(("disability", d.code().into()), count_people(store, q, Some(("disability", d.code()))).await);
    }
    let children = store.region_children(q.region.as_ref()).await.expect("children");
    for child in children {
        let within = Query { region: Some(child.code.clone()), ..q.clone() };
        e.cells.insert(("regions", child.code.to_string()), count_households(store, &within, None).await);
    }
    let programs = store
        .search_programs(&Query { page: PageRequest::new(1, PageRequest::MAX_PER_PAGE), ..q.clone() })
        .await
        .expect("programs");
    e.enrolled = programs.items.iter().map(|p| u64::from(p.enrolled)).sum();
    e
}

/// Reads every table of the page: id → rows of (key, label, cells), and the totals, as text.
const READ_TABLES: &str = r#"
const out = {};
for (const t of document.querySelectorAll('table.stat')) {
  const rows = [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')].map(c => c.textContent.trim()));
  const keys = [...t.querySelectorAll('tbody tr')].map(r => r.dataset.key);
  const totals = [...t.querySelectorAll('tfoot td')].map(c => c.textContent.trim());
  out[t.dataset.table] = {rows, keys, totals};
}
return out;
"#;

/// The charts' boxes against the viewport, and every count text of the page.
const READ_LAYOUT: &str = r#"
const charts = [...document.querySelectorAll('svg.chart')].map(s => {
  const r = s.getBoundingClientRect();
  return {left: r.left, right: r.right, width: r.width, height: r.height, label: s.getAttribute('role'), title: !!s.querySelector('title')};
});
const counts = [...document.querySelectorAll('td.num, .card .count, svg text.value')].map(e => e.textContent.trim());
return {charts, counts, viewport: window.innerWidth};
"#;

/// A cell's text as the role should see it: exact, or `< 5` for the viewer where suppressed.
fn matches(text: &str, want: u64, viewer: bool) -> bool {
    if viewer && text == format!("< {BELOW}") {
        // Hidden: small itself, or hidden with a small one (complementary).
        return true;
    }
    text == want.to_string()
}

/// The latest month's sum of the status table, where every cell is shown.
fn last_month(tables: &Value) -> Option<u64> {
    let rows = tables["status"]["rows"].as_array()?;
    let last = rows.last()?.as_array()?;
    last.iter().map(|c| c.as_str().and_then(|s| s.parse::<u64>().ok())).sum()
}

async fn check_registry(client: &Client, who: &str, e: &Expected, viewer: bool) -> Result<(), String> {
    let tables = client.execute(READ_TABLES, vec![]).await.map_err(|err| format!("{who}: read the tables: {err}"))?;
    for ((table, key), want) in &e.cells {
        let t = &tables[*table];
        let Some(i) = t["keys"].as_array().and_then(|keys| keys.iter().position(|k| k == key.as_str())) else {
            if *want == 0 && *table == "regions" {
                continue;
            }
            return Err(format!("{who}: table {table} has no row {key}: {t}"));
        };
        let text = t["rows"][i][0].as_str().unwrap_or("");
        if !matches(text, *want, viewer) {
            return Err(format!("{who}: table {table} row {key} shows {text:?}, the store counts {want}"));
        }
    }
    for (table, want) in &e.totals {
        let shown: Vec<&str> = tables[*table]["totals"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if shown.len() != want.len() || shown.iter().zip(want).any(|(s, w)| !matches(s, *w, viewer)) {
            return Err(format!("{who}: table {table} totals {shown:?}, the store counts {want:?}"));
        }
    }
    Ok(())
}

async fn check_layout(client: &Client, who: &str, viewer: bool) -> Result<(), String> {
    let v = client.execute(READ_LAYOUT, vec![]).await.map_err(|e| format!("{who}: read the layout: {e}"))?;
    let viewport = v["viewport"].as_f64().unwrap_or(0.0);
    let charts = v["charts"].as_array().cloned().unwrap_or_default();
    if charts.is_empty() {
        return Err(format!("{who}: no chart on the page"));
    }
    for c in &charts {
        let (left, right, width, height) =
            (c["left"].as_f64(), c["right"].as_f64(), c["width"].as_f64(), c["height"].as_f64());
        let visible = width.is_some_and(|w| w > 100.0) && height.is_some_and(|h| h > 10.0);
        let fits = left.is_some_and(|l| l >= 0.0) && right.is_some_and(|r| r <= viewport + 0.5);
        if !visible || !fits || c["label"] != "img" || c["title"] != true {
            return Err(format!("{who}: a chart is hidden, wider than the {viewport}px screen or unlabelled: {c}"));
        }
    }
    if viewer {
        let small = |s: &str| s.parse::<u64>().is_ok_and(|n| n > 0 && n < BELOW);
        let counts: Vec<String> = v["counts"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect())
            .unwrap_or_default();
        if let Some(bad) = counts.iter().find(|c| small(c)) {
            return Err(format!("{who}: the count {bad} is below {BELOW} and shown: {counts:?}"));
        }
        let html = client.source().await.map_err(|e| format!("{who}: page source: {e}"))?;
        if !html.contains("suppressed-note") {
            return Err(format!("{who}: the suppression note is missing"));
        }
    }
    Ok(())
}

async fn visit(
    client: &Client,
    base: &str,
    account: &DemoAccount,
    e: &Expected,
    (w, h): (u32, u32),
) -> Result<(), String> {
    let who = format!("{} at {w}×{h}", account.username);
    let viewer = account.role == Role::Viewer;
    crate::crawl::set_screen(client, w, h).await.map_err(|err| format!("{who}: {err}"))?;
    client.goto(&format!("{base}/login")).await.map_err(|err| format!("{who}: login page: {err}"))?;
    sign_in(client, &account.username, &account.password).await?;
    client.goto(&format!("{base}/")).await.map_err(|err| format!("{who}: dashboard: {err}"))?;
    wait_for(client, |url, _| url.ends_with('/')).await?;
    snap(client, &format!("dash-{}-{w}", account.username)).await;
    check_registry(client, &who, e, viewer).await?;
    check_layout(client, &who, viewer).await?;

    client.goto(&format!("{base}/dashboard/programs")).await.map_err(|err| format!("{who}: programs: {err}"))?;
    snap(client, &format!("dash-programs-{}-{w}", account.username)).await;
    let tables = client.execute(READ_TABLES, vec![]).await.map_err(|err| format!("{who}: read the tables: {err}"))?;
    match last_month(&tables) {
        Some(sum) if sum != e.enrolled => {
            return Err(format!("{who}: the latest month sums to {sum}, the programs count {}", e.enrolled));
        }
        None if !viewer => return Err(format!("{who}: the latest month is not fully shown: {}", tables["status"])),
        _ => {}
    }
    check_layout(client, &who, viewer).await?;
    client.delete_all_cookies().await.map_err(|err| format!("{who}: sign out: {err}"))
}

/// Two Sejahtera III households in a Blora village: the demo has none, so the viewer (bound to
/// Blora) has a count of 2 to see hidden, and another hidden with it.
async fn add_small_counts(store: &dyn Store) {
    let blora = Query { region: Some(RegionCode::parse("33.16").expect("code")), ..Default::default() };
    let village = store.search_households(&blora).await.expect("households").items[0].household.region.clone();
    let district = village.district_digits().expect("district");
    for serial in 1..=2 {
        let draft = HouseholdDraft {
            kk: format!("{district}01012099{serial:02}"),
            address: format!("Jl. Uji Dasbor {serial}"),
            region: village.to_string(),
            welfare_stage: "sejahtera_3".into(),
            dtks_listed: false,
            dtks_since: None,
        };
        store.create_household(&draft.parse().expect("household")).await.expect("create household");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_dashboards_for_every_role_on_phone_and_laptop() {
    if !crate::crawl::browser_installed() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    berdaya::demo::load(store).await.expect("demo data");
    let accounts = demo_accounts(store).await.expect("demo accounts");
    add_small_counts(store).await;
    let mut plan = Vec::new();
    for username in ["admin", "petugas.pkh", "pendamping.pkh", "pengurus.lkm", "evaluator", "pemantau"] {
        let account = accounts.iter().find(|a| a.username == username).expect("demo account");
        let q = scope_of(store, account).await;
        plan.push((account, expected(store, &q).await));
    }
    // The viewer's scope really has small counts to hide (else the test proves nothing).
    let (_, viewer) = plan.last().expect("viewer");
    assert!(viewer.cells.values().any(|n| *n > 0 && *n < BELOW), "no small count in the viewer's scope: {viewer:?}");

    let (driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let mut result = Ok(());
    'all: for screen in SCREENS {
        for (account, e) in &plan {
            result = visit(&client, &app.address, account, e, screen).await;
            if result.is_err() {
                break 'all;
            }
        }
    }
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
}
