//! An extension worker on a phone (390×844) records a counseling session for a farmer group
//! and its attendance: from the group's page to the new-activity form (program, region and
//! staff chosen by name from pickers), then the quick-entry attendance page (the group's
//! members preselected as present; one marked excused, one absent, one save), and finds the
//! activity page showing the attendance and its rate.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium`; without them the test says so and
//! passes, unless `BERDAYA_REQUIRE_BROWSER=1`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use berdaya_domain::access::Role;
use berdaya_domain::activity::AttendanceStatus;
use berdaya_domain::registry::{
    AgencyDraft, GroupDraft, HouseholdDraft, Id, MemberDraft, NewStaff, PersonDraft, ProgramDraft, RegionDraft,
};
use berdaya_store::access::Assigned;
use berdaya_store::{Query, Store};
use fantoccini::{Client, Locator};

use crate::browser::{Driver, body_text, connect, sign_in, snap, start_driver_on, wait_for};
use crate::helpers::{Backend, create_user, spawn_app};

/// The ports this test's chromedriver may use (the act part's range).
const PORTS: std::ops::Range<u16> = 18700..18720;

const KELURAHAN: &str = "62.71.04.1005";

struct Field {
    group: Id,
    members: Vec<(Id, String)>,
}

/// Kalampangan, its BPP with an extension worker, the dragon-fruit program, and a group of
/// three farmers; the extension worker's account (area: the kelurahan) looks after the group.
async fn field(store: &dyn Store) -> Field {
    for (code, name, kind) in [
        ("62", "Kalimantan Tengah", "province"),
        ("62.71", "Kota Palangka Raya", "city"),
        ("62.71.04", "Sebangau", "district"),
        (KELURAHAN, "Kalampangan", "kelurahan"),
    ] {
        let r = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().expect("region");
        store.create_region(&r).await.expect("create region");
    }
    let bpp = AgencyDraft {
        name: "UPTD BPP Kalampangan".into(),
        kind: "unit".into(),
        region: "62.71.04".into(),
        parent_id: None,
    };
    let bpp = store.create_agency(&bpp.parse().expect("agency")).await.expect("agency").id;
    let staff = NewStaff { name: "Rahmat Hidayat".into(), position: "Penyuluh pertanian".into() };
    store.add_staff(bpp, &staff).await.expect("staff");
    let program = ProgramDraft {
        name: "Pemberdayaan Petani Buah Naga".into(),
        agency_id: bpp.to_string(),
        starts_on: "2023-01-01".into(),
        target_regions: KELURAHAN.into(),
        ..Default::default()
    };
    store.create_program(&program.parse().expect("program")).await.expect("program");
    let g = GroupDraft {
        name: "Poktan Tunas Harapan".into(),
        kind: "farmer_group".into(),
        region: KELURAHAN.into(),
        ..Default::default()
    };
    let group = store.create_group(&g.parse().expect("group")).await.expect("group").id;
    let mut members = Vec::new();
    for (i, name) in ["Andi Saputra", "Budi Hartono", "Citra Lestari"].into_iter().enumerate() {
        let h = HouseholdDraft {
            kk: format!("627104010120{:04}", 11 + i),
            address: format!("Jl. Mahir Mahar km {}", 18 + i),
            region: KELURAHAN.into(),
            welfare_stage: "pra_sejahtera".into(),
            dtks_listed: false,
            dtks_since: None,
        };
        let h = store.create_household(&h.parse().expect("household")).await.expect("household").id;
        let p = PersonDraft {
            nik: format!("627104010190{:04}", 11 + i),
            household_id: Some(h.to_string()),
            name: name.into(),
            sex: if i == 2 { "female" } else { "male" }.into(),
            birth_date: "1990-01-01".into(),
            relation: "head".into(),
            education: "sma".into(),
            occupation: Some("Petani".into()),
            disability: "none".into(),
        };
        let p = store.create_person(&p.parse().expect("person")).await.expect("person").id;
        let m = MemberDraft { person_id: p.to_string(), role: "member".into(), since: None, until: None };
        store.add_member(group, &m.parse().expect("member")).await.expect("member");
        members.push((p, name.to_string()));
    }
    let worker = create_user(store, "penyuluh.rahmat", Role::Facilitator, Some(KELURAHAN), None, None).await;
    store.assign(worker.id, Assigned::Group(group)).await.expect("assign");
    Field { group, members }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_an_extension_worker_records_an_activity_and_its_attendance_on_a_phone() {
    if !crate::crawl::browser_installed() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let store = &*app.store;
    let f = field(store).await;
    let port =
        PORTS.clone().find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok()).expect("a free port in 18700–18719");
    let (driver, driver_url): (Driver, String) = start_driver_on(port).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let result = async {
        crate::crawl::set_screen(&client, 390, 844).await.map_err(|e| format!("set the screen: {e}"))?;
        client.goto(&format!("{}/login", app.address)).await.map_err(|e| format!("open the login page: {e}"))?;
        sign_in(&client, "penyuluh.rahmat", crate::helpers::PASSWORD).await?;
        record(&client, &app.address, &f).await
    }
    .await;
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{err}");
    }
    // What the pages showed is what the store holds.
    let found = store.search_activities(&Query::text("Penyuluhan pemupukan")).await.expect("search");
    assert_eq!(found.total, 1, "one activity recorded");
    let a = store.activity(found.items[0].id).await.expect("activity");
    assert_eq!(a.group_ids, vec![f.group]);
    assert_eq!(a.staff_ids.len(), 1);
    let rows = store.attendance(a.id).await.expect("attendance");
    let status = |name: &str| rows.iter().find(|r| r.person_name == name).map(|r| r.status);
    assert_eq!(status("Andi Saputra"), Some(AttendanceStatus::Present));
    assert_eq!(status("Budi Hartono"), Some(AttendanceStatus::Excused));
    assert_eq!(status("Citra Lestari"), Some(AttendanceStatus::Absent));
    assert_eq!(f.members.len(), 3);
}

/// Types into a picker's search box and chooses the option named `name`.
async fn pick(client: &Client, picker: &str, typed: &str, name: &str) -> Result<(), String> {
    let search = client.find(Locator::Css(&format!("#{picker}"))).await.map_err(|e| format!("{picker}: {e}"))?;
    search.send_keys(typed).await.map_err(|e| format!("type into {picker}: {e}"))?;
    let started = Instant::now();
    let css = format!("#{picker}-list li[role=option]");
    loop {
        for option in client.find_all(Locator::Css(&css)).await.unwrap_or_default() {
            if let Ok(label) = option.find(Locator::Css(".picker-label")).await
                && label.text().await.is_ok_and(|t| t == name)
            {
                return option.click().await.map_err(|e| format!("choose {name}: {e}"));
            }
        }
        if started.elapsed() > Duration::from_secs(10) {
            return Err(format!("{picker}: no option named {name} appeared: {}", body_text(client).await));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn record(client: &Client, base: &str, f: &Field) -> Result<(), String> {
    let step = |what: &str, e: fantoccini::error::CmdError| format!("{what}: {e}");
    // From the group's page: its activities panel offers to add one for the group.
    client.goto(&format!("{base}/groups/{}", f.group)).await.map_err(|e| step("open the group", e))?;
    let add = format!("/activities/new?group_id={}", f.group);
    client
        .find(Locator::Css(&format!("section#activities a[href='{add}']")))
        .await
        .map_err(|e| step("the group panel's add link", e))?
        .click()
        .await
        .map_err(|e| step("open the form", e))?;
    wait_for(client, |url, _| url.contains("/activities/new")).await?;
    pick(client, "activity-program_id", "Buah Naga", "Pemberdayaan Petani Buah Naga").await?;
    client
        .find(Locator::Css("#activity [name=title]"))
        .await
        .map_err(|e| step("title", e))?
        .send_keys("Penyuluhan pemupukan buah naga")
        .await
        .map_err(|e| step("type the title", e))?;
    pick(client, "activity-region", "Kalampangan", "Kalampangan").await?;
    pick(client, "activity-staff_ids", "Rahmat", "Rahmat Hidayat — UPTD BPP Kalampangan").await?;
    snap(client, "activity-form-phone").await;
    client
        .find(Locator::Css("#activity button[type=submit]"))
        .await
        .map_err(|e| step("save button", e))?
        .click()
        .await
        .map_err(|e| step("save", e))?;
    wait_for(client, |url, _| url.contains("/activities/") && !url.contains("/new")).await?;
    let text = body_text(client).await;
    if !text.contains("Penyuluhan pemupukan buah naga") || !text.contains("Poktan Tunas Harapan") {
        return Err(format!("the activity page does not show what was entered: {text}"));
    }

    // Attendance: the three members are listed as present; Budi excused, Citra absent.
    client
        .find(Locator::Css("section#attendance a.button"))
        .await
        .map_err(|e| step("the record-attendance link", e))?
        .click()
        .await
        .map_err(|e| step("open the attendance page", e))?;
    wait_for(client, |url, _| url.ends_with("/attendance")).await?;
    let listed = client.find_all(Locator::Css("fieldset.segmented")).await.map_err(|e| step("rows", e))?;
    if listed.len() != 3 {
        return Err(format!("the attendance page lists {} people, not the group's 3", listed.len()));
    }
    for (i, status) in [(1, "excused"), (2, "absent")] {
        let (id, _) = &f.members[i];
        client
            .find(Locator::Css(&format!("label.segment:has(#p-{id}-{status})")))
            .await
            .map_err(|e| step("a status segment", e))?
            .click()
            .await
            .map_err(|e| step("tap the segment", e))?;
    }
    snap(client, "attendance-phone").await;
    client
        .find(Locator::Css("#attendance-save"))
        .await
        .map_err(|e| step("the save button", e))?
        .click()
        .await
        .map_err(|e| step("save attendance", e))?;
    wait_for(client, |url, _| url.contains("#attendance")).await?;
    let section = client
        .find(Locator::Css("section#attendance"))
        .await
        .map_err(|e| step("the attendance section", e))?
        .text()
        .await
        .map_err(|e| step("its text", e))?;
    snap(client, "activity-attendance-phone").await;
    if !section.contains("1/3 (33,3 %)") || !section.contains("Izin") || !section.contains("Tidak hadir") {
        return Err(format!("the activity page does not show the attendance and its rate: {section}"));
    }
    Ok(())
}
