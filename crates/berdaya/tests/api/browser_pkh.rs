//! A PKH facilitator on a phone (390×844) works through a verification period: from the
//! task list to the family's entry form, records school attendance as not met and P2K2 as
//! met; the program officer then closes the period (confirming it), and the family's page
//! shows the warning and the period's result.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium`; without them the test says so and
//! passes, unless `BERDAYA_REQUIRE_BROWSER=1`.

use std::net::TcpListener;

use berdaya_domain::access::Role;
use berdaya_domain::pkh::family::{NewFact, NewFamily};
use berdaya_domain::pkh::{FactKind, FamilyStatus, Period, SchoolLevel};
use berdaya_domain::registry::{AgencyDraft, HouseholdDraft, Id, PersonDraft, ProgramDraft, RegionDraft};
use berdaya_store::Store;
use fantoccini::{Client, Locator};
use time::macros::date;

use crate::browser::{Driver, body_text, connect, sign_in, snap, start_driver_on, wait_for};
use crate::helpers::{Backend, create_user, spawn_app};

/// The ports this test's chromedriver may use.
const PORTS: std::ops::Range<u16> = 18860..18880;
const PILANG: &str = "33.16.02.2006";

struct World {
    program: Id,
    family: Id,
    period: Id,
}

async fn world(store: &dyn Store) -> World {
    for (code, name, kind) in [
        ("33", "Jawa Tengah", "province"),
        ("33.16", "Kabupaten Blora", "regency"),
        ("33.16.02", "Randublatung", "district"),
        (PILANG, "Pilang", "village"),
    ] {
        let r = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().expect("region");
        store.create_region(&r).await.expect("create region");
    }
    let dinsos = AgencyDraft {
        name: "Dinas Sosial Blora".into(),
        kind: "agency".into(),
        region: "33.16".into(),
        parent_id: None,
    };
    let dinsos = store.create_agency(&dinsos.parse().expect("agency")).await.expect("agency").id;
    let program = ProgramDraft {
        name: "PKH Desa Pilang".into(),
        agency_id: dinsos.to_string(),
        starts_on: "2020-01-01".into(),
        target_regions: PILANG.into(),
        ..Default::default()
    };
    let program = store.create_program(&program.parse().expect("program")).await.expect("program").id;
    let h = HouseholdDraft {
        kk: "3316020101200021".into(),
        address: "Dukuh Pilang RT 02".into(),
        region: PILANG.into(),
        welfare_stage: "pra_sejahtera".into(),
        dtks_listed: true,
        dtks_since: Some("2019-01-01".into()),
    };
    let h = store.create_household(&h.parse().expect("household")).await.expect("household").id;
    let mut people = Vec::new();
    for (nik, name, sex, birth, relation) in [
        ("3316024505850001", "Sri Wahyuni", "female", "1985-05-05", "head"),
        ("3316020202150002", "Dimas Saputra", "male", "2015-02-02", "child"),
    ] {
        let p = PersonDraft {
            nik: nik.into(),
            household_id: Some(h.to_string()),
            name: name.into(),
            sex: sex.into(),
            birth_date: birth.into(),
            relation: relation.into(),
            education: "sd".into(),
            occupation: None,
            disability: "none".into(),
        };
        people.push(store.create_person(&p.parse().expect("person")).await.expect("person").id);
    }
    create_user(store, "petugas.pkh", Role::ProgramOfficer, Some("33.16"), Some(dinsos), None).await;
    let fac = create_user(store, "pendamping.nur", Role::Facilitator, Some("33.16.02"), None, None).await;
    let family = NewFamily {
        household_id: h,
        decile: Some(1),
        facilitator_id: Some(fac.id),
        enrolled_on: date!(2024 - 12 - 01),
    };
    let family = store.enroll_pkh_family(program, &family).await.expect("enroll").id;
    let school = NewFact {
        person_id: people[1],
        kind: FactKind::School,
        level: Some(SchoolLevel::Sd),
        school_name: Some("SD Negeri Pilang 1".into()),
        starts_on: date!(2021 - 07 - 15),
        expected_on: None,
        ends_on: None,
        note: None,
    };
    store.add_pkh_fact(family, &school).await.expect("fact");
    let period = store.open_pkh_period(program, Period::parse("2025-1").expect("period")).await.expect("open").id;
    World { program, family, period }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_pkh_facilitator_verifies_a_family_on_a_phone_and_the_officer_closes_the_period() {
    if !crate::crawl::browser_installed() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    let w = world(store).await;
    let port = PORTS.clone().find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok()).expect("a free port");
    let (driver, driver_url): (Driver, String) = start_driver_on(port).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let result = async {
        crate::crawl::set_screen(&client, 390, 844).await.map_err(|e| format!("set the screen: {e}"))?;
        client.goto(&format!("{}/login", app.address)).await.map_err(|e| format!("open the login page: {e}"))?;
        sign_in(&client, "pendamping.nur", crate::helpers::PASSWORD).await?;
        verify(&client, &app.address, &w).await?;
        close(&client, &app.address, &w).await
    }
    .await;
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
    let f = store.pkh_family(w.family).await.expect("family");
    assert_eq!((f.status, f.consecutive), (FamilyStatus::Warning, 1));
    let results = store.pkh_family_periods(w.family).await.expect("results");
    assert_eq!(results.len(), 1);
    assert!(!results[0].compliant);
}

/// Waits until the page shows `needle`. While a form's answer is loading the body may be gone
/// for a moment: that is retried, not failed, until the time is up (generous: CI is loaded).
async fn wait_text(client: &Client, needle: &str) -> Result<(), String> {
    let started = std::time::Instant::now();
    loop {
        let text = match client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no page body yet: {e})"),
        };
        if text.contains(needle) {
            return Ok(());
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            return Err(format!("timed out waiting for {needle:?}: {text}"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn click(client: &Client, css: &str) -> Result<(), String> {
    let found = client.find(Locator::Css(css)).await;
    let element = match found {
        Ok(el) => el,
        Err(e) => return Err(format!("{css}: {e}: {}", body_text(client).await)),
    };
    element.click().await.map_err(|e| format!("click {css}: {e}"))
}

async fn verify(client: &Client, base: &str, w: &World) -> Result<(), String> {
    client.goto(&format!("{base}/pkh/tasks")).await.map_err(|e| format!("open the task list: {e}"))?;
    let text = body_text(client).await;
    if !text.contains("Verifikasi yang harus dilakukan") || !text.contains("Sri Wahyuni") {
        return Err(format!("the task list does not show the family to verify: {text}"));
    }
    snap(client, "pkh-tasks-phone").await;
    click(client, &format!("a[href='/pkh/periods/{}/families/{}']", w.period, w.family)).await?;
    wait_for(client, |url, _| url.contains(&format!("/families/{}", w.family))).await?;
    // Two obligations: Dimas's school attendance (not met) and the family's P2K2 (met).
    let first = client.find(Locator::Css("#pkh-entry select[name=c0]")).await.map_err(|e| format!("c0: {e}"))?;
    first.select_by_value("no").await.map_err(|e| format!("choose not met: {e}"))?;
    let second = client.find(Locator::Css("#pkh-entry select[name=c1]")).await.map_err(|e| format!("c1: {e}"))?;
    second.select_by_value("yes").await.map_err(|e| format!("choose met: {e}"))?;
    client
        .find(Locator::Css("#pkh-entry input[name=n0]"))
        .await
        .map_err(|e| format!("n0: {e}"))?
        .send_keys("Alpa 6 hari di bulan Februari")
        .await
        .map_err(|e| format!("type the note: {e}"))?;
    snap(client, "pkh-entry-phone").await;
    click(client, "#pkh-entry button[type=submit]").await?;
    wait_text(client, "Alpa 6 hari").await?;
    let text = body_text(client).await;
    if !text.contains("Tidak dipenuhi") || !text.contains("Dipenuhi") {
        return Err(format!("the entry page does not show what was recorded: {text}"));
    }
    Ok(())
}

async fn close(client: &Client, base: &str, w: &World) -> Result<(), String> {
    // The officer signs in on the same phone (the facilitator's session cleared).
    client.delete_all_cookies().await.map_err(|e| format!("clear the session: {e}"))?;
    client.goto(&format!("{base}/login")).await.map_err(|e| format!("open the login page: {e}"))?;
    sign_in(client, "petugas.pkh", crate::helpers::PASSWORD).await?;
    client.goto(&format!("{base}/pkh/periods/{}", w.period)).await.map_err(|e| format!("open the period: {e}"))?;
    click(client, "#pkh-close [name=confirm]").await?;
    snap(client, "pkh-close-phone").await;
    click(client, "#pkh-close button[type=submit]").await?;
    wait_text(client, "sudah ditutup").await?;
    client
        .goto(&format!("{base}/programs/{}/pkh/families/{}", w.program, w.family))
        .await
        .map_err(|e| format!("open the family page: {e}"))?;
    let text = body_text(client).await;
    snap(client, "pkh-family-phone").await;
    if !text.contains("Peringatan") || !text.contains("Triwulan I 2025") || !text.contains("Tidak patuh") {
        return Err(format!("the family page does not show the warning and the period's result: {text}"));
    }
    Ok(())
}
