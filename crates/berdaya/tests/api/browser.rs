//! End to end in a real browser: headless Chromium, driven through chromedriver, lists,
//! searches and views households of the demo data, creates a household through the form and
//! enrolls it in a program through the form, checking what each page shows.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (`scripts/install-browser`); without
//! them the test says so and passes, unless `BERDAYA_REQUIRE_BROWSER=1`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use berdaya_domain::registry::HouseholdDraft;
use berdaya_store::{PageRequest, Query, Store};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::api::fixtures;
use crate::helpers::{Backend, PASSWORD, spawn_app};

pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

/// Kills chromedriver however the test ends.
pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

pub(crate) async fn start_driver() -> (Driver, String) {
    start_driver_on(free_port()).await
}

/// Starts chromedriver on `port` and waits until it answers.
pub(crate) async fn start_driver_on(port: u16) -> (Driver, String) {
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Ok(res) = reqwest::get(format!("{url}/status")).await
            && res.status().is_success()
        {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (driver, url)
}

pub(crate) async fn connect(driver_url: &str, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=412,915",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("open a Chromium session")
}

/// Loads the demo; should it not be available, a few fixtures instead.
pub(crate) async fn seed(store: &dyn Store) {
    match berdaya::demo::load(store).await {
        Ok(summary) => eprintln!("demo loaded: {summary:?}"),
        Err(err) => {
            eprintln!("demo not available ({err:#}); using fixtures");
            fixtures::regions(store).await;
            fixtures::program(store).await;
            for (i, address) in
                ["Jl. Melati 1, Pilang", "Jl. Kenanga 2, Pilang", "Jl. Mawar 3, Pilang"].iter().enumerate()
            {
                let draft = HouseholdDraft {
                    kk: format!("33160901012000{:02}", i + 1),
                    address: (*address).into(),
                    region: "33.16.09.2001".into(),
                    welfare_stage: "pra_sejahtera".into(),
                    dtks_listed: false,
                    dtks_since: None,
                };
                store.create_household(&draft.parse().expect("valid household")).await.expect("create household");
            }
        }
    }
}

/// With `BERDAYA_SCREENSHOTS=DIR`, saves what the browser shows as `DIR/NAME.png`.
pub(crate) async fn snap(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("BERDAYA_SCREENSHOTS")
        && let Ok(png) = client.screenshot().await
    {
        let _ = std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png);
    }
}

/// Opens the header's menu as a user would, by its toggle, where the screen is narrow enough
/// to fold it (the toggle is hidden on wide screens, where the menu always shows).
pub(crate) async fn open_menu(client: &Client) -> Result<(), String> {
    let toggle = client.find(Locator::Css("#menu-toggle")).await.map_err(|e| format!("menu toggle: {e}"))?;
    let folded = client
        .execute("return !document.querySelector('#nav').open;", vec![])
        .await
        .map_err(|e| format!("menu state: {e}"))?;
    if toggle.is_displayed().await.map_err(|e| format!("menu toggle: {e}"))? && folded == json!(true) {
        toggle.click().await.map_err(|e| format!("open the menu: {e}"))?;
    }
    Ok(())
}

pub(crate) async fn body_text(client: &Client) -> String {
    client.find(Locator::Css("body")).await.expect("body").text().await.expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_lists_searches_creates_and_enrolls() {
    let required = std::env::var("BERDAYA_REQUIRE_BROWSER").as_deref() == Ok("1");
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(!required, "BERDAYA_REQUIRE_BROWSER=1 but chromium-driver is not installed");
        eprintln!("skipped: chromium-driver not installed (run scripts/install-browser)");
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    seed(&*app.store).await;

    // What the pages should show, read straight from the store.
    let listed = app
        .store
        .search_households(&Query { page: PageRequest::new(1, 5), ..Default::default() })
        .await
        .expect("households");
    let sample = listed.items.first().expect("a household to look at").clone();
    let programs = app.store.search_programs(&Query::default()).await.expect("programs");
    let program = programs.items.first().expect("a program to enroll in").program.clone();

    let (driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let result = drive(&client, &app.address, &sample, &program.name, program.id).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// The scenario; answers an error naming the step that failed.
async fn drive(
    client: &Client,
    base: &str,
    sample: &berdaya_store::HouseholdSummary,
    program_name: &str,
    program_id: i64,
) -> Result<(), String> {
    let step = |what: &str, e: fantoccini::error::CmdError| format!("{what}: {e}");

    // 0. Every page asks for a login first; the administrator signs in and lands on the list.
    client.goto(&format!("{base}/households")).await.map_err(|e| step("open the list", e))?;
    wait_for(client, |url, _| url.contains("/login?next=")).await?;
    sign_in(client, "admin", PASSWORD).await?;
    wait_for(client, |url, _| url.ends_with("/households")).await?;

    // 1. The list of households, in Indonesian.
    client.goto(&format!("{base}/households")).await.map_err(|e| step("open the list", e))?;
    snap(client, "1-list").await;
    let text = body_text(client).await;
    if !text.contains("Keluarga") || !text.contains(&sample.household.kk.masked()) {
        return Err(format!("the list does not show the households: {text}"));
    }

    // 2. Search by address.
    let needle = sample.household.address.clone();
    let q = client.find(Locator::Css("form.search input[name=q]")).await.map_err(|e| step("find the search box", e))?;
    q.send_keys(&needle).await.map_err(|e| step("type the search", e))?;
    client
        .find(Locator::Css("form.search button"))
        .await
        .map_err(|e| step("find the search button", e))?
        .click()
        .await
        .map_err(|e| step("search", e))?;
    wait_for(client, |url, _| url.contains("q=")).await?;
    let text = body_text(client).await;
    if !text.contains(&needle) || !text.contains("Halaman 1") {
        return Err(format!("the search for {needle:?} does not show it: {text}"));
    }

    // 3. View it.
    let link = client
        .find(Locator::Css(&format!("#results a[href='/households/{}']", sample.household.id)))
        .await
        .map_err(|e| step("find the household in the results", e))?;
    link.click().await.map_err(|e| step("open the household", e))?;
    let view_path = format!("/households/{}", sample.household.id);
    wait_for(client, |url, _| url.ends_with(&view_path)).await?;
    snap(client, "3-view").await;
    let text = body_text(client).await;
    if !text.contains(&sample.household.kk.reveal()) || !text.contains("Anggota keluarga") {
        return Err(format!("the household page does not show its KK and members: {text}"));
    }

    // 4. Create a household through the form.
    client.goto(&format!("{base}/households/new")).await.map_err(|e| step("open the form", e))?;
    let district = sample.household.region.district_digits().unwrap_or_else(|| "331609".into());
    let kk = format!("{district}0101209876");
    let fill = [("kk", kk.as_str()), ("address", "Jl. Uji Peramban 7")];
    for (name, value) in fill {
        let input = client.find(Locator::Css(&format!("#household [name={name}]"))).await.map_err(|e| step(name, e))?;
        input.send_keys(value).await.map_err(|e| step(name, e))?;
    }
    // The region is chosen by name from the picker, not typed as a code.
    let region = client.find(Locator::Css("#household-region")).await.map_err(|e| step("region picker", e))?;
    region.send_keys(&sample.region_name).await.map_err(|e| step("type the region's name", e))?;
    wait_for_option(client, "household-region", &sample.region_name)
        .await?
        .click()
        .await
        .map_err(|e| step("choose the region", e))?;
    let stage = client
        .find(Locator::Css("#household select[name=welfare_stage]"))
        .await
        .map_err(|e| step("welfare stage", e))?;
    stage.select_by_value("sejahtera_2").await.map_err(|e| step("choose the welfare stage", e))?;
    client
        .find(Locator::Css("#household button[type=submit]"))
        .await
        .map_err(|e| step("save button", e))?
        .click()
        .await
        .map_err(|e| step("save", e))?;
    wait_for(client, |url, _| !url.ends_with("/households/new") && !url.ends_with("/households")).await?;
    let url = client.current_url().await.map_err(|e| step("read the address", e))?;
    let text = body_text(client).await;
    if !text.contains("Jl. Uji Peramban 7") || !text.contains(&kk) || !text.contains("Sejahtera II") {
        return Err(format!("the new household's page ({url}) does not show what was typed: {text}"));
    }

    // 5. Enroll it in a program through the form on its page.
    let choose =
        client.find(Locator::Css("#enroll select[name=program_id]")).await.map_err(|e| step("program select", e))?;
    choose.select_by_value(&program_id.to_string()).await.map_err(|e| step("choose the program", e))?;
    client
        .find(Locator::Css("#enroll button[type=submit]"))
        .await
        .map_err(|e| step("enroll button", e))?
        .click()
        .await
        .map_err(|e| step("enroll", e))?;
    wait_for(client, |url, _| url.contains("#enrollments")).await?;
    let enrollments = client
        .find(Locator::Css("section#enrollments"))
        .await
        .map_err(|e| step("enrollments", e))?
        .text()
        .await
        .map_err(|e| step("enrollments text", e))?;
    snap(client, "5-enrolled").await;
    if !enrollments.contains(program_name) || !enrollments.contains("Peserta aktif") {
        return Err(format!("the enrollment is not shown: {enrollments}"));
    }

    // 6. The same page in English.
    client
        .find(Locator::Css("#lang-switch"))
        .await
        .map_err(|e| step("language switch", e))?
        .click()
        .await
        .map_err(|e| step("switch", e))?;
    wait_for(client, |url, _| url.contains("lang=en")).await?;
    let text = body_text(client).await;
    if !text.contains("Program enrollments") || !text.contains("Prosperous II") {
        return Err(format!("the English page is not in English: {text}"));
    }

    // 7. The API browser renders from the vendored Swagger UI, offline.
    client.goto(&format!("{base}/api/docs")).await.map_err(|e| step("open the API page", e))?;
    let started = Instant::now();
    loop {
        let text = body_text(client).await;
        if text.contains("Berdaya API") && text.contains("/api/v1/households") {
            break;
        }
        if started.elapsed() > Duration::from_secs(15) {
            return Err(format!("the API page did not render: {text}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    snap(client, "7-api-docs").await;
    Ok(())
}

/// Fills in and sends the login form on the current page.
pub(crate) async fn sign_in(client: &Client, username: &str, password: &str) -> Result<(), String> {
    let step = |what: &str, e: fantoccini::error::CmdError| format!("sign in as {username}: {what}: {e}");
    let field = |css: &'static str| async move { client.find(Locator::Css(css)).await };
    field("#login-username")
        .await
        .map_err(|e| step("user name", e))?
        .send_keys(username)
        .await
        .map_err(|e| step("type", e))?;
    field("#login-password")
        .await
        .map_err(|e| step("password", e))?
        .send_keys(password)
        .await
        .map_err(|e| step("type", e))?;
    field("#login button[type=submit]")
        .await
        .map_err(|e| step("button", e))?
        .click()
        .await
        .map_err(|e| step("send", e))?;
    wait_for(client, |url, _| !url.contains("/login")).await
}

/// Waits (up to 10 s) until the current address satisfies `done`.
pub(crate) async fn wait_for(client: &Client, done: impl Fn(&str, &Client) -> bool) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let url = client.current_url().await.map_err(|e| format!("read the address: {e}"))?;
        if done(url.as_str(), client) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(10) {
            return Err(format!("timed out at {url}: {}", body_text(client).await));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The menu each demo role is shown, in order.
const MENUS: [(&str, &[&str]); 6] = [
    (
        "admin",
        &[
            "Dasbor program",
            "Wilayah",
            "Keluarga",
            "Individu",
            "Kelompok",
            "Instansi",
            "Program",
            "Kerangka",
            "Survei",
            "Kualitatif",
            "Ekspor",
            "Pengguna",
            "Log audit",
        ],
    ),
    (
        "petugas.pkh",
        &[
            "Dasbor program",
            "Wilayah",
            "Keluarga",
            "Individu",
            "Kelompok",
            "Instansi",
            "Program",
            "Kerangka",
            "Survei",
            "Kualitatif",
            "Ekspor",
        ],
    ),
    (
        "pendamping.pkh",
        &[
            "Dasbor program",
            "Wilayah",
            "Keluarga",
            "Individu",
            "Kelompok",
            "Instansi",
            "Program",
            "Kerangka",
            "Tugas PKH",
            "Ekspor",
        ],
    ),
    ("pengurus.lkm", &["Dasbor program", "Wilayah", "Individu", "Kelompok", "Instansi", "Program", "Kerangka"]),
    ("evaluator", &["Dasbor program", "Wilayah", "Instansi", "Program", "Kerangka", "Survei", "Kualitatif", "Ekspor"]),
    ("pemantau", &["Dasbor program", "Wilayah"]),
];

/// What a page shows: a marker that must be on it, and markers that must not be.
struct Expect {
    path: String,
    shows: Vec<String>,
    hides: Vec<String>,
}

fn expect(path: impl Into<String>, shows: &[&str], hides: &[&str]) -> Expect {
    Expect {
        path: path.into(),
        shows: shows.iter().map(|s| s.to_string()).collect(),
        hides: hides.iter().map(|s| s.to_string()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_shows_each_demo_role_its_share() {
    use berdaya::demo::demo_accounts;
    use berdaya_store::access::Assigned;

    let required = std::env::var("BERDAYA_REQUIRE_BROWSER").as_deref() == Ok("1");
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(!required, "BERDAYA_REQUIRE_BROWSER=1 but chromium-driver is not installed");
        eprintln!("skipped: chromium-driver not installed (run scripts/install-browser)");
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    berdaya::demo::load(store).await.expect("demo data");
    let accounts = demo_accounts(store).await.expect("demo accounts");

    // What each role should find, read straight from the store.
    let all = store.search_households(&Query::default()).await.expect("households");
    let blora_query =
        Query { region: Some(berdaya_domain::registry::RegionCode::parse("33.16").unwrap()), ..Default::default() };
    let blora = store.search_households(&blora_query).await.expect("Blora households");
    let mut page_no = 1;
    let outside = loop {
        let page = store
            .search_households(&Query {
                page: PageRequest::new(page_no, PageRequest::MAX_PER_PAGE),
                ..Default::default()
            })
            .await
            .expect("households");
        if let Some(h) = page.items.iter().find(|h| !h.household.region.as_str().starts_with("33.16")) {
            break h.household.clone();
        }
        assert!(page_no < page.pages(), "the demo has households outside Blora");
        page_no += 1;
    };
    let users = store.users().await.expect("users");
    let facilitator = users.iter().find(|u| u.username.as_str() == "pendamping.pkh").expect("facilitator");
    let assigned = store.assignments(facilitator.id).await.expect("assignments");
    let Some(Assigned::Household(own)) = assigned.first().copied() else { panic!("assignments: {assigned:?}") };
    let caseload = assigned.iter().filter(|a| matches!(a, Assigned::Household(_))).count();
    let own = store.household(own).await.expect("assigned household");
    let unassigned = blora
        .items
        .iter()
        .find(|h| !assigned.contains(&Assigned::Household(h.household.id)))
        .expect("an unassigned Blora household")
        .household
        .clone();
    let officer = users.iter().find(|u| u.username.as_str() == "pengurus.lkm").expect("group officer");
    let lkm = officer.group_id.expect("the officer's group");
    let member = store.group_members(lkm).await.expect("members").into_iter().next().expect("a member");
    let member_nik = store.person(member.person_id).await.expect("member").nik;

    let not_found = "Halaman tidak ditemukan";
    let refused = "Akses ditolak";
    let h = |id: i64| format!("/households/{id}");
    let plan: Vec<(&str, Vec<Expect>)> = vec![
        (
            "admin",
            vec![
                expect("/households", &[&format!("· {} data", all.total)], &[]),
                expect(h(outside.id), &[&outside.kk.reveal()], &[]),
                expect("/audit", &["Log audit", "login"], &[]),
            ],
        ),
        (
            "petugas.pkh",
            vec![
                expect("/households", &[&format!("· {} data", blora.total)], &[]),
                expect(h(unassigned.id), &[&unassigned.kk.reveal()], &[]),
                expect(h(outside.id), &[not_found], &[&outside.kk.masked(), &outside.address]),
                expect("/audit", &[refused], &[]),
            ],
        ),
        (
            "pendamping.pkh",
            vec![
                expect("/households", &[&format!("· {caseload} data")], &[]),
                expect(h(own.id), &[&own.kk.reveal()], &[]),
                expect(h(unassigned.id), &[not_found], &[&unassigned.address]),
                expect("/survey", &[refused], &[]),
            ],
        ),
        (
            "pengurus.lkm",
            vec![
                expect("/groups", &["LKM Persada Mandiri", "· 1 data"], &[]),
                expect(format!("/people/{}", member.person_id), &[&member_nik.masked()], &[&member_nik.reveal()]),
                expect(h(outside.id), &[not_found], &[&outside.address]),
                expect("/export", &[refused], &[]),
            ],
        ),
        (
            "evaluator",
            vec![
                expect("/households", &[refused], &[&outside.address]),
                expect("/survey", &["Survei"], &[refused]),
                expect("/export", &["Ekspor tanpa identitas"], &["Ekspor lengkap"]),
            ],
        ),
        (
            "pemantau",
            vec![
                expect("/", &["Beranda"], &[refused]),
                expect("/households", &[refused], &[]),
                expect("/programs", &[refused], &[]),
                expect(h(own.id), &[refused], &[&own.address]),
            ],
        ),
    ];

    let (driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let mut result = Ok(());
    for (username, checks) in &plan {
        let account = accounts.iter().find(|a| a.username == *username).expect("demo account");
        let menu = MENUS.iter().find(|(u, _)| u == username).expect("menu").1;
        result = see_as(&client, &app.address, account, menu, checks).await;
        if result.is_err() {
            break;
        }
    }
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// Signs in as `account`, checks the menu and each page of `checks`, then signs out.
async fn see_as(
    client: &Client,
    base: &str,
    account: &berdaya::demo::DemoAccount,
    menu: &[&str],
    checks: &[Expect],
) -> Result<(), String> {
    let who = &account.username;
    let step = |what: &str, e: fantoccini::error::CmdError| format!("{who}: {what}: {e}");
    client.goto(&format!("{base}/login")).await.map_err(|e| step("open the login page", e))?;
    sign_in(client, who, &account.password).await?;
    open_menu(client).await?;
    let signed_in = client.find(Locator::Css("#signed-in")).await.map_err(|e| step("who is signed in", e))?;
    let name = signed_in.text().await.map_err(|e| step("name", e))?;
    if !name.contains(&account.display_name) {
        return Err(format!("{who}: the header names `{name}`"));
    }
    let mut shown = Vec::new();
    for link in client.find_all(Locator::Css("#menu a")).await.map_err(|e| step("menu", e))? {
        shown.push(link.text().await.map_err(|e| step("menu entry", e))?);
    }
    if shown != menu {
        return Err(format!("{who}: the menu shows {shown:?}, expected {menu:?}"));
    }
    for check in checks {
        client.goto(&format!("{base}{}", check.path)).await.map_err(|e| step(&check.path, e))?;
        open_menu(client).await?;
        snap(client, &format!("role-{who}-{}", check.path.replace('/', "_"))).await;
        let text = body_text(client).await;
        for want in &check.shows {
            if !text.contains(want.as_str()) {
                return Err(format!("{who} at {}: `{want}` is not shown: {text}", check.path));
            }
        }
        for unwanted in &check.hides {
            if text.contains(unwanted.as_str()) {
                return Err(format!("{who} at {}: `{unwanted}` is shown: {text}", check.path));
            }
        }
    }
    open_menu(client).await?;
    client
        .find(Locator::Css("#logout"))
        .await
        .map_err(|e| step("log-out button", e))?
        .click()
        .await
        .map_err(|e| step("log out", e))?;
    wait_for(client, |url, _| url.contains("/login")).await?;
    client.goto(&format!("{base}/households")).await.map_err(|e| step("after logging out", e))?;
    wait_for(client, |url, _| url.contains("/login?next=")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_picks_a_member_by_name() {
    let required = std::env::var("BERDAYA_REQUIRE_BROWSER").as_deref() == Ok("1");
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(!required, "BERDAYA_REQUIRE_BROWSER=1 but chromium-driver is not installed");
        eprintln!("skipped: chromium-driver not installed (run scripts/install-browser)");
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    berdaya::demo::load(&*app.store).await.expect("demo data");
    let store = &*app.store;

    // A group, and someone who is not yet in it and whose name no one else has.
    let group = store.search_groups(&Query::default()).await.expect("groups").items.remove(0).group;
    let members: Vec<i64> =
        store.group_members(group.id).await.expect("members").into_iter().map(|m| m.person_id).collect();
    let people =
        store.search_people(&Query { page: PageRequest::new(1, 100), ..Default::default() }).await.expect("people");
    let mut person = None;
    for p in people.items.iter().filter(|p| !members.contains(&p.id)) {
        let same = store.search_people(&Query::text(&p.name)).await.expect("namesakes");
        if same.items.iter().filter(|o| o.name == p.name).count() == 1 {
            person = Some(p.clone());
            break;
        }
    }
    let person = person.expect("a person with a name of their own outside the group");

    let (driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let result = pick_member(&client, &app.address, group.id, &person).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
    let members = store.group_members(group.id).await.expect("members");
    assert!(members.iter().any(|m| m.person_id == person.id), "{} was not added: {members:?}", person.name);
}

/// Types part of the person's name into the add-member picker, chooses them with the mouse,
/// then again with the keyboard, and submits.
async fn pick_member(
    client: &Client,
    base: &str,
    group: i64,
    person: &berdaya_domain::registry::Person,
) -> Result<(), String> {
    use fantoccini::key::Key;
    let step = |what: &str, e: fantoccini::error::CmdError| format!("{what}: {e}");
    client.goto(&format!("{base}/groups/{group}")).await.map_err(|e| step("open the group", e))?;
    wait_for(client, |url, _| url.contains("/login?next=")).await?;
    sign_in(client, "admin", PASSWORD).await?;
    wait_for(client, |url, _| url.ends_with(&format!("/groups/{group}"))).await?;

    let search =
        client.find(Locator::Css("#member-person_id")).await.map_err(|e| step("the picker's search box", e))?;
    let role = search.attr("role").await.map_err(|e| step("role", e))?;
    if role.as_deref() != Some("combobox") {
        return Err(format!("the person field is not a picker (role {role:?})"));
    }
    let typed: String = person.name.chars().take(person.name.chars().count().saturating_sub(1).max(3)).collect();
    search.send_keys(&typed).await.map_err(|e| step("type the name", e))?;

    // The list shows names and details; the person's NIK is nowhere in it.
    let option = wait_for_option(client, "member-person_id", &person.name).await?;
    let listed = client
        .find(Locator::Css("#member-person_id-list"))
        .await
        .map_err(|e| step("the list", e))?
        .text()
        .await
        .map_err(|e| step("the list's text", e))?;
    snap(client, "picker-list").await;
    if listed.contains(&person.nik.reveal()) || !listed.contains("lahir") {
        return Err(format!("the list shows a NIK or no birth year: {listed}"));
    }
    option.click().await.map_err(|e| step("choose with the mouse", e))?;
    let value = hidden_value(client).await?;
    if value != person.id.to_string() {
        return Err(format!("the mouse chose `{value}`, expected {}", person.id));
    }
    let shown = search.prop("value").await.map_err(|e| step("the shown name", e))?;
    if shown.as_deref() != Some(person.name.as_str()) {
        return Err(format!("the search box shows {shown:?} after the choice"));
    }

    // Again by keyboard: typing over the choice clears it; ↓ and Enter choose, without
    // sending the form.
    search.send_keys(&Key::Backspace.to_string()).await.map_err(|e| step("edit the name", e))?;
    if !hidden_value(client).await?.is_empty() {
        return Err("typing over a chosen person keeps the old choice".into());
    }
    wait_for_option(client, "member-person_id", &person.name).await?;
    let mut tries = 0;
    loop {
        search.send_keys(&Key::Down.to_string()).await.map_err(|e| step("arrow down", e))?;
        let active = client
            .find(Locator::Css("#member-person_id-list li[aria-selected=true]"))
            .await
            .map_err(|e| step("the highlighted option", e))?
            .text()
            .await
            .map_err(|e| step("its text", e))?;
        if active.starts_with(&person.name) {
            break;
        }
        tries += 1;
        if tries > 20 {
            return Err(format!("↓ never reached {}", person.name));
        }
    }
    search.send_keys(&Key::Enter.to_string()).await.map_err(|e| step("Enter", e))?;
    let url = client.current_url().await.map_err(|e| step("the address", e))?;
    if !url.as_str().ends_with(&format!("/groups/{group}")) || hidden_value(client).await? != person.id.to_string() {
        return Err(format!("Enter did not choose {} in place (at {url})", person.id));
    }

    client
        .find(Locator::Css("#member button[type=submit]"))
        .await
        .map_err(|e| step("the add button", e))?
        .click()
        .await
        .map_err(|e| step("add", e))?;
    wait_for(client, |url, _| url.contains("#members")).await?;
    let members = client
        .find(Locator::Css("section#members"))
        .await
        .map_err(|e| step("members", e))?
        .text()
        .await
        .map_err(|e| step("members text", e))?;
    snap(client, "picker-added").await;
    if !members.contains(&person.name) {
        return Err(format!("{} is not listed among the members: {members}", person.name));
    }
    Ok(())
}

/// Waits (up to 10 s) for the option naming `name` in the list of the picker whose search
/// box has the id `picker`.
async fn wait_for_option(client: &Client, picker: &str, name: &str) -> Result<fantoccini::elements::Element, String> {
    let started = Instant::now();
    let css = format!("#{picker}-list li[role=option]");
    loop {
        let options = client.find_all(Locator::Css(&css)).await.unwrap_or_default();
        for option in options {
            let label = option.find(Locator::Css(".picker-label")).await;
            if let Ok(label) = label
                && label.text().await.is_ok_and(|t| t == name)
            {
                return Ok(option);
            }
        }
        if started.elapsed() > Duration::from_secs(10) {
            return Err(format!("no option named {name} appeared: {}", body_text(client).await));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value the add-member form would submit as `person_id`.
async fn hidden_value(client: &Client) -> Result<String, String> {
    let v = client
        .execute("return document.querySelector('#member [name=person_id]').value;", vec![])
        .await
        .map_err(|e| format!("read person_id: {e}"))?;
    Ok(v.as_str().unwrap_or_default().to_string())
}
