//! The enrollment life cycle in a real browser, on a phone (390×844) and on a laptop
//! (1366×900): the PKH program officer of the demo opens a family's enrollment from its
//! household page, suspends it with a reason through the form, and finds the change in the
//! status history of the enrollment, the household, a member of the family and the program.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (`scripts/install-browser`); without
//! them the test says so and passes, unless `BERDAYA_REQUIRE_BROWSER=1`.

use std::net::TcpListener;

use berdaya_domain::registry::{Enrollment, EnrollmentStatus, SubjectKind};
use berdaya_store::{PageRequest, Query, Store};
use fantoccini::{Client, Locator};

use crate::browser::{Driver, body_text, connect, sign_in, snap, start_driver_on, wait_for};
use crate::helpers::{Backend, spawn_app};

/// The sizes the field uses: a phone and a laptop.
const SIZES: [(u32, u32); 2] = [(390, 844), (1366, 900)];

/// The ports this suite's chromedriver may use.
const PORTS: std::ops::Range<u16> = 18100..18200;

/// Starts chromedriver on a free port of [`PORTS`].
async fn start_driver_in_range() -> (Driver, String) {
    let port =
        PORTS.clone().find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok()).expect("a free port in 18100–18199");
    start_driver_on(port).await
}

/// Two enrolled PKH families of the demo with at least one member, and the program's id.
async fn families(store: &dyn Store) -> (i64, Vec<(Enrollment, i64)>) {
    let programs = store.search_programs(&Query::text("Keluarga Harapan")).await.expect("programs");
    let pkh = programs.items.first().expect("the demo's PKH program").program.id;
    let page = store
        .program_enrollments(pkh, &Query { page: PageRequest::new(1, PageRequest::MAX_PER_PAGE), ..Query::default() })
        .await
        .expect("enrollments");
    let mut found = Vec::new();
    for e in page.items {
        if e.subject.kind != SubjectKind::Household || e.status != EnrollmentStatus::Enrolled {
            continue;
        }
        if let Some(member) = store.household_members(e.subject.id).await.expect("members").first() {
            found.push((e, member.id));
        }
        if found.len() == SIZES.len() {
            break;
        }
    }
    assert_eq!(found.len(), SIZES.len(), "the demo has enrolled PKH families");
    (pkh, found)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_suspends_an_enrollment_and_shows_its_history() {
    if !crate::crawl::browser_installed() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    berdaya::demo::load(store).await.expect("demo data");
    let accounts = berdaya::demo::demo_accounts(store).await.expect("demo accounts");
    let officer = accounts.iter().find(|a| a.username == "petugas.pkh").expect("the PKH program officer");
    let (pkh, families) = families(store).await;

    let (driver, driver_url) = start_driver_in_range().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let mut result = async {
        client.goto(&format!("{}/login", app.address)).await.map_err(|e| format!("open the login page: {e}"))?;
        sign_in(&client, "petugas.pkh", &officer.password).await
    }
    .await;
    for ((width, height), (enrollment, member)) in SIZES.iter().zip(&families) {
        if result.is_err() {
            break;
        }
        crate::crawl::set_screen(&client, *width, *height).await.expect("set the screen size");
        let reason = format!("Absen P2K2 tiga bulan (uji {width}×{height})");
        result = suspend(&client, &app.address, enrollment, *member, pkh, &reason).await;
        if result.is_ok() {
            let now = store.enrollment(enrollment.id).await.expect("read back");
            let history = store.enrollment_history(enrollment.id).await.expect("history");
            let latest = &history[0].change;
            assert_eq!((now.status, now.version), (EnrollmentStatus::Suspended, enrollment.version + 1));
            assert_eq!(
                (latest.reason.as_deref(), latest.decided_by_name.as_str()),
                (Some(reason.as_str()), "petugas.pkh")
            );
        }
    }
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// The scenario at one window size; answers an error naming the step that failed.
async fn suspend(
    client: &Client,
    base: &str,
    enrollment: &Enrollment,
    member: i64,
    program: i64,
    reason: &str,
) -> Result<(), String> {
    let size = client.get_window_rect().await.map(|r| format!("{}×{}", r.2, r.3)).unwrap_or_default();
    let step = |what: &str, e: fantoccini::error::CmdError| format!("at {size}: {what}: {e}");
    let household = format!("/households/{}", enrollment.subject.id);
    let href = format!("/enrollments/{}", enrollment.id);

    // The family's page links its enrollment by its status.
    client.goto(&format!("{base}{household}")).await.map_err(|e| step("open the household", e))?;
    client
        .find(Locator::Css(&format!("section#enrollments a[href='{href}']")))
        .await
        .map_err(|e| step("find the enrollment's link", e))?
        .click()
        .await
        .map_err(|e| step("open the enrollment", e))?;
    wait_for(client, |url, _| url.ends_with(&href)).await?;
    snap(client, &format!("enrollment-{size}")).await;

    // Suspend it with a reason; the date is today's by default.
    let form = |css: &str| format!("form#status {css}");
    client
        .find(Locator::Css(&form("select[name=status]")))
        .await
        .map_err(|e| step("the status select", e))?
        .select_by_value("suspended")
        .await
        .map_err(|e| step("choose suspended", e))?;
    client
        .find(Locator::Css(&form("[name=reason]")))
        .await
        .map_err(|e| step("the reason", e))?
        .send_keys(reason)
        .await
        .map_err(|e| step("type the reason", e))?;
    client
        .find(Locator::Css(&form("button[type=submit]")))
        .await
        .map_err(|e| step("the save button", e))?
        .click()
        .await
        .map_err(|e| step("save", e))?;
    wait_for(client, |url, _| url.contains("#history")).await?;
    snap(client, &format!("enrollment-suspended-{size}")).await;
    let text = body_text(client).await;
    if !text.contains("Ditangguhkan") {
        return Err(format!("at {size}: the enrollment page does not show the suspension: {text}"));
    }

    // The change in the history of every page concerned.
    for at in [href.clone(), household, format!("/people/{member}"), format!("/programs/{program}")] {
        client.goto(&format!("{base}{at}")).await.map_err(|e| step(&at, e))?;
        let history = client
            .find(Locator::Css("section#history"))
            .await
            .map_err(|e| step(&format!("{at}: the history"), e))?
            .text()
            .await
            .map_err(|e| step(&format!("{at}: its text"), e))?;
        let moved = "Peserta aktif → Ditangguhkan";
        if !history.contains(reason) || !history.contains(moved) || !history.contains("petugas.pkh") {
            return Err(format!("at {size}: {at} does not show the change in its history: {history}"));
        }
    }
    Ok(())
}
