//! Community programs on a phone (390×844): the LKM's group officer records a spending entry
//! on a work with a photo of the receipt, and the grant's dashboard shows it; then the KWT's
//! treasurer records a sale of chips, and the group's book and monthly statement show it.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium`; without them the test says so and
//! passes, unless `BERDAYA_REQUIRE_BROWSER=1`.

use std::net::TcpListener;

use berdaya_domain::access::Role;
use berdaya_domain::kotaku::grant::{NewGrant, NewTranche, NewUnit, NewWork, TrancheStep, WorkKind};
use berdaya_domain::registry::{AgencyDraft, GroupDraft, Id, ProgramDraft, RegionCode, RegionDraft};
use berdaya_store::Store;
use fantoccini::{Client, Locator};
use time::macros::date;

use crate::browser::{Driver, body_text, connect, sign_in, snap, start_driver_on};
use crate::helpers::{Backend, create_user, spawn_app};

/// The ports this test's chromedriver may use.
const PORTS: std::ops::Range<u16> = 18880..18900;
const KALIAWI: &str = "18.71.06.1012";

/// A 1×1 PNG: the receipt's photo.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D,
    0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

struct World {
    grant: Id,
    work: Id,
    kwt: Id,
}

async fn world(store: &dyn Store) -> World {
    for (code, name, kind) in [
        ("18", "Lampung", "province"),
        ("18.71", "Kota Bandar Lampung", "city"),
        ("18.71.06", "Tanjung Karang Pusat", "district"),
        (KALIAWI, "Kaliawi Persada", "kelurahan"),
    ] {
        let r = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().expect("region");
        store.create_region(&r).await.expect("create region");
    }
    let agency = AgencyDraft {
        name: "KOTAKU Bandar Lampung".into(),
        kind: "agency".into(),
        region: "18.71".into(),
        parent_id: None,
    };
    let agency = store.create_agency(&agency.parse().expect("agency")).await.expect("agency").id;
    let program = ProgramDraft {
        name: "KOTAKU Kaliawi Persada".into(),
        agency_id: agency.to_string(),
        starts_on: "2019-01-01".into(),
        target_regions: KALIAWI.into(),
        ..Default::default()
    };
    let program = store.create_program(&program.parse().expect("program")).await.expect("program").id;
    let group = |name: &str, kind: &str| GroupDraft {
        name: name.into(),
        kind: kind.into(),
        region: KALIAWI.into(),
        founded_on: None,
        description: None,
    };
    let lkm = store.create_group(&group("LKM Persada Mandiri", "lkm").parse().expect("lkm")).await.expect("lkm").id;
    let kwt = store
        .create_group(&group("KWT Sukawangi Sejahtera", "women_farmer_group").parse().expect("kwt"))
        .await
        .expect("kwt")
        .id;
    create_user(store, "pengurus.lkm", Role::GroupOfficer, Some(KALIAWI), None, Some(lkm)).await;
    create_user(store, "bendahara.kwt", Role::GroupOfficer, Some(KALIAWI), None, Some(kwt)).await;
    let region = RegionCode::parse(KALIAWI).expect("code");
    let grant = store
        .create_grant(&NewGrant {
            program_id: program,
            name: "BPM 2019".into(),
            source: "APBN KOTAKU".into(),
            year: 2019,
            amount_rp: 1_500_000_000,
            recipient_group_id: lkm,
            region: region.clone(),
            note: None,
        })
        .await
        .expect("grant");
    let t = store
        .add_tranche(
            grant.id,
            &NewTranche { amount_rp: 600_000_000, planned_on: date!(2019 - 04 - 01), conditions: None },
        )
        .await
        .expect("tranche");
    let t = store
        .step_tranche(t.id, &TrancheStep::Approve { on: date!(2019 - 04 - 02) }, t.version)
        .await
        .expect("approve");
    store.step_tranche(t.id, &TrancheStep::Receive { on: date!(2019 - 04 - 03) }, t.version).await.expect("receive");
    let unit = store
        .add_unit(
            grant.id,
            &NewUnit {
                name: "RT 03 Lingkungan 1".into(),
                region,
                rt: Some("003".into()),
                rw: Some("001".into()),
                amount_rp: 400_000_000,
            },
        )
        .await
        .expect("unit");
    let work = store
        .add_work(
            unit.id,
            &NewWork {
                kind: WorkKind::ConcreteRoad,
                name: "Jalan rabat beton Gang Mawar".into(),
                volume_milli: 320_000,
                volume_unit: "m".into(),
                location: None,
                budget_rp: 250_000_000,
                swadaya_cash_rp: 4_000_000,
                swadaya_labour_rp: 12_000_000,
                builder: "KSM pelaksana".into(),
                builder_group_id: None,
                maintain_every_days: None,
            },
        )
        .await
        .expect("work");
    World { grant: grant.id, work: work.id, kwt }
}

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

async fn type_into(client: &Client, css: &str, text: &str) -> Result<(), String> {
    let el = match client.find(Locator::Css(css)).await {
        Ok(el) => el,
        Err(e) => return Err(format!("{css}: {e}: {}", body_text(client).await)),
    };
    el.send_keys(text).await.map_err(|e| format!("type into {css}: {e}"))
}

async fn click(client: &Client, css: &str) -> Result<(), String> {
    let el = match client.find(Locator::Css(css)).await {
        Ok(el) => el,
        Err(e) => return Err(format!("{css}: {e}: {}", body_text(client).await)),
    };
    el.click().await.map_err(|e| format!("click {css}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_an_lkm_officer_records_spending_with_a_receipt_and_a_kwt_treasurer_a_sale() {
    if !crate::crawl::browser_installed() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    let w = world(store).await;
    let files = tempfile::tempdir().expect("files dir");
    let receipt = files.path().join("nota-semen.png");
    std::fs::write(&receipt, PNG).expect("write the receipt");
    let port = PORTS.clone().find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok()).expect("a free port");
    let (driver, driver_url): (Driver, String) = start_driver_on(port).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let result = async {
        crate::crawl::set_screen(&client, 390, 844).await.map_err(|e| format!("set the screen: {e}"))?;
        client.goto(&format!("{}/login", app.address)).await.map_err(|e| format!("open the login page: {e}"))?;
        sign_in(&client, "pengurus.lkm", crate::helpers::PASSWORD).await?;
        spend(&client, &app.address, &w, &receipt).await?;
        client.delete_all_cookies().await.map_err(|e| format!("clear the session: {e}"))?;
        client.goto(&format!("{}/login", app.address)).await.map_err(|e| format!("open the login page: {e}"))?;
        sign_in(&client, "bendahara.kwt", crate::helpers::PASSWORD).await?;
        sell(&client, &app.address, &w).await
    }
    .await;
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
    // What the forms stored: the entry with its receipt, the sale as quantity × price.
    let spent = store.spending_of(w.grant, Some(w.work)).await.expect("spending");
    assert_eq!(spent.len(), 1);
    assert_eq!((spent[0].spending.item.as_str(), spent[0].spending.amount_rp), ("Semen 10 sak", 650_000));
    assert_eq!(spent[0].spending.recorded_by, "pengurus.lkm");
    let receipt = store.attachment(spent[0].receipts[0]).await.expect("receipt");
    assert_eq!((receipt.entity.as_str(), receipt.content_type.as_str()), ("work_spending", "image/png"));
    let (_, book) = store.entries(w.kwt, None, None).await.expect("book");
    assert_eq!(book.len(), 1);
    assert_eq!(book[0].amount_rp, 600_000);
    assert_eq!(book[0].sale.as_ref().map(|s| (s.quantity, s.price_rp)), Some((40, 15_000)));
}

async fn spend(client: &Client, base: &str, w: &World, receipt: &std::path::Path) -> Result<(), String> {
    client.goto(&format!("{base}/works/{}", w.work)).await.map_err(|e| format!("open the work: {e}"))?;
    wait_text(client, "Catat belanja").await?;
    type_into(client, "#spending-item", "Semen 10 sak").await?;
    type_into(client, "#spending-amount", "650.000").await?;
    type_into(client, "#spending-file", &receipt.display().to_string()).await?;
    snap(client, "kotaku-spending-phone").await;
    click(client, "#spending button[type=submit]").await?;
    wait_text(client, "Semen 10 sak").await?;
    let text = body_text(client).await;
    if !text.contains("Rp 650.000") || !text.contains("Nota") {
        return Err(format!("the work page does not show the entry with its receipt: {text}"));
    }
    // The receipt opens.
    let href = client
        .find(Locator::Css("#spendings a[href^='/attachments/']"))
        .await
        .map_err(|e| format!("the receipt link: {e}"))?
        .attr("href")
        .await
        .map_err(|e| format!("its address: {e}"))?
        .unwrap_or_default();
    // The grant's dashboard counts it as spent, against the work's unit.
    client.goto(&format!("{base}/grants/{}", w.grant)).await.map_err(|e| format!("open the dashboard: {e}"))?;
    wait_text(client, "Dibelanjakan").await?;
    let text = body_text(client).await;
    snap(client, "kotaku-dashboard-phone").await;
    if !text.contains("Rp 650.000") || !text.contains("RT 03 Lingkungan 1") || !text.contains("Rp 600.000.000") {
        return Err(format!("the dashboard does not show the spending: {text}"));
    }
    if !client.source().await.map_err(|e| format!("source: {e}"))?.contains("<svg") {
        return Err("the dashboard has no chart".into());
    }
    client.goto(&format!("{base}{href}")).await.map_err(|e| format!("open the receipt: {e}"))?;
    Ok(())
}

async fn sell(client: &Client, base: &str, w: &World) -> Result<(), String> {
    client.goto(&format!("{base}/groups/{}/book", w.kwt)).await.map_err(|e| format!("open the book: {e}"))?;
    wait_text(client, "Catat penjualan").await?;
    type_into(client, "#sale-product", "Keripik bayam").await?;
    type_into(client, "#sale-quantity", "40").await?;
    type_into(client, "#sale-price", "15.000").await?;
    type_into(client, "#sale-outlet", "Outlet KSM Kaliawi Persada").await?;
    snap(client, "kwt-sale-phone").await;
    click(client, "#sale button[type=submit]").await?;
    wait_text(client, "Keripik bayam 40 bungkus").await?;
    let text = body_text(client).await;
    snap(client, "kwt-book-phone").await;
    // The entry with its balance, and this month's statement: income and profit 600.000.
    if !text.contains("+Rp 600.000") || !text.contains("Laporan bulanan") {
        return Err(format!("the book does not show the sale and its statement: {text}"));
    }
    let statement = client
        .find(Locator::Css("#statements tbody tr"))
        .await
        .map_err(|e| format!("the statement row: {e}"))?
        .text()
        .await
        .map_err(|e| format!("its text: {e}"))?;
    if statement.matches("Rp 600.000").count() < 3 {
        return Err(format!("the month's statement does not show income, profit and cash of Rp 600.000: {statement}"));
    }
    Ok(())
}
