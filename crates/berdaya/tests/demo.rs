//! The demo data: loaded into a fresh SQLite store, it keeps the promises of the seeds and of
//! the registry (valid NIKs, members living where their group is, a clear refusal to load twice).

use std::collections::HashMap;
use std::sync::Arc;

use berdaya::demo::{self, DemoRefused};
use berdaya::store::{DatabaseUrl, open};
use berdaya_domain::registry::{
    EnrollmentStatus, GroupRole, Id, Kk, NewHousehold, NewRegion, RegionCode, RegionKind, WelfareStage,
};
use berdaya_store::{PageRequest, Query, RegistryExportRow, Store};

async fn fresh_store(dir: &tempfile::TempDir) -> Arc<dyn Store> {
    open(&DatabaseUrl::Sqlite(dir.path().join("berdaya.sqlite3"))).await.expect("open a fresh SQLite store")
}

fn code(raw: &str) -> RegionCode {
    RegionCode::parse(raw).expect("region code")
}

async fn group_id(store: &dyn Store, name: &str) -> Id {
    let page = store.search_groups(&Query::text(name)).await.expect("search groups");
    let found: Vec<_> = page.items.iter().filter(|g| g.group.name == name).collect();
    assert_eq!(found.len(), 1, "group {name}");
    found[0].group.id
}

async fn export(store: &dyn Store) -> Vec<RegistryExportRow> {
    let mut rows = Vec::new();
    store
        .export_registry(None, &mut |r| {
            rows.push(r);
            true
        })
        .await
        .expect("export the registry");
    rows
}

#[tokio::test]
async fn demo_loads_into_a_fresh_sqlite_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = fresh_store(&dir).await;
    let started = std::time::Instant::now();
    let summary = demo::load(store.as_ref()).await.expect("load the demo");
    eprintln!("demo loaded in {:.2?}: {summary:?}", started.elapsed());

    // The summary counts what the store holds.
    let counts = store.registry_counts().await.expect("registry counts");
    assert_eq!(
        [
            summary.regions,
            summary.households,
            summary.people,
            summary.groups,
            summary.agencies,
            summary.programs,
            summary.enrollments
        ],
        [
            counts.regions,
            counts.households,
            counts.people,
            counts.groups,
            counts.agencies,
            counts.programs,
            counts.enrollments
        ],
    );
    assert!(summary.people > 1000 && summary.people < 6000, "{summary:?}");

    // The setting marks the data as demo, and as synthetic.
    let setting = store.setting("demo").await.expect("read setting").expect("the demo setting is set");
    assert!(setting.contains("synthetic"), "{setting}");

    // Seed 002: the 18 villages of Randublatung, keyed by their Kemendagri codes.
    let villages = store.region_children(Some(&code(demo::RANDUBLATUNG))).await.expect("villages");
    assert_eq!(villages.len(), 18);
    for v in &demo::RANDUBLATUNG_TABLE_1 {
        let stored =
            villages.iter().find(|r| r.code.as_str() == v.code).unwrap_or_else(|| panic!("village {}", v.village));
        assert_eq!(stored.name, v.official_name());
        assert!(matches!(stored.kind, RegionKind::Village | RegionKind::Kelurahan));
    }

    // Every NIK agrees with its holder and the household's region; every person has a household.
    let rows = export(store.as_ref()).await;
    assert_eq!(rows.len() as u64, summary.people);
    let mut region_of: HashMap<Id, RegionCode> = HashMap::new();
    let mut households = HashMap::new();
    for r in &rows {
        let household = r.household.as_ref().unwrap_or_else(|| panic!("{} has no household", r.person.name));
        let mismatches = r.person.nik_mismatches(Some(&household.region));
        assert!(mismatches.is_empty(), "{}: {mismatches:?}", r.person.name);
        assert!(household.kk.reveal().starts_with(&household.region.district_digits().unwrap_or_default()));
        region_of.insert(r.person.id, household.region.clone());
        households.insert(household.id, (household.region.to_string(), household.welfare_stage));
    }
    assert_eq!(households.len() as u64, summary.households);
    let mut pra_in_village: HashMap<&str, u32> = HashMap::new();
    for (region, stage) in households.values() {
        if *stage == WelfareStage::PraSejahtera {
            *pra_in_village.entry(region.as_str()).or_default() += 1;
        }
    }
    // The sample keeps Table 1's shape: Pilang has the most Pra Sejahtera households.
    let top =
        pra_in_village.iter().filter(|(c, _)| c.starts_with("33.16.02.")).max_by_key(|(_, n)| **n).map(|(c, _)| *c);
    assert_eq!(top, Some(demo::PILANG));

    // Seed 003: LKM Persada Mandiri has nine members, one of them the coordinator.
    let lkm = group_id(store.as_ref(), "LKM Persada Mandiri").await;
    let lkm_members = store.group_members(lkm).await.expect("LKM members");
    assert_eq!(lkm_members.len(), 9);
    assert_eq!(lkm_members.iter().filter(|m| m.role == GroupRole::Coordinator).count(), 1);

    // Seed 004: Karya Makmur II has 78 members.
    let km = group_id(store.as_ref(), "Kelompok Tani Karya Makmur II").await;
    assert_eq!(store.group_members(km).await.expect("members").len(), 78);
    for name in ["KWT Sukawangi Sejahtera", "Pengelola Kampung Tangguh Semeru Dusun Gerdu", "Kelompok P2K2 Desa Pilang"]
    {
        group_id(store.as_ref(), name).await;
    }

    // Every group member lives in the group's area.
    let groups =
        store.search_groups(&Query { page: PageRequest::new(1, 200), ..Query::default() }).await.expect("groups");
    assert_eq!(groups.items.len() as u64, summary.groups);
    for g in &groups.items {
        for m in store.group_members(g.group.id).await.expect("members") {
            let home = region_of
                .get(&m.person_id)
                .unwrap_or_else(|| panic!("member {} is not in the registry", m.person_name));
            assert!(
                g.group.region.contains(home),
                "{} lives in {home}, outside {} ({})",
                m.person_name,
                g.group.name,
                g.group.region
            );
        }
    }

    // A search by a demo name finds the person.
    let coordinator = lkm_members.iter().find(|m| m.role == GroupRole::Coordinator).expect("a coordinator");
    let found = store.search_people(&Query::text(&coordinator.person_name)).await.expect("search people");
    assert!(found.items.iter().any(|p| p.id == coordinator.person_id), "searching {:?}", coordinator.person_name);

    // Seed 002: PKH shows sanctions: some families are suspended.
    let programs = store.search_programs(&Query::text("Program Keluarga Harapan")).await.expect("programs");
    let pkh = programs.items.first().expect("the PKH program");
    let enrollments = store
        .program_enrollments(pkh.program.id, &Query { page: PageRequest::new(1, 200), ..Query::default() })
        .await
        .expect("enrollments");
    let with = |status| enrollments.items.iter().filter(|e| e.status == status).count();
    assert!(with(EnrollmentStatus::Suspended) >= 2, "a few families suspended");
    assert!(with(EnrollmentStatus::Enrolled) > 20);
    assert_eq!(with(EnrollmentStatus::Candidate), 1, "one family still waiting for verification");
    assert!(with(EnrollmentStatus::Graduated) >= 1 && with(EnrollmentStatus::Terminated) >= 1);
    // Each got there through a history: listed, verified, then sanctioned or graduated.
    let history = store.program_history(pkh.program.id, &Query::default()).await.expect("history");
    assert!(history.total > enrollments.total, "more changes than enrollments");
    let suspended = enrollments.items.iter().find(|e| e.status == EnrollmentStatus::Suspended).expect("suspended");
    let story = store.enrollment_history(suspended.id).await.expect("its history");
    let moves: Vec<_> = story.iter().rev().map(|x| x.change.to).collect();
    assert_eq!(moves, [EnrollmentStatus::Candidate, EnrollmentStatus::Enrolled, EnrollmentStatus::Suspended]);
    assert!(story[0].change.reason.as_deref().is_some_and(|r| r.contains("P2K2")), "the suspension says why");
    // Seed 002 Table 1 as official figures; the P2K2 cohort's two years of sessions.
    let table = store.welfare_figures("33.16.02", 2020).await.expect("Table 1");
    assert_eq!(table.len(), 18);
    assert_eq!(table.iter().map(|r| r.row.total()).sum::<i64>(), 25_937);
    let cohorts = store.p2k2_cohorts(pkh.program.id).await.expect("cohorts");
    assert_eq!(cohorts.len(), 1);
    assert_eq!((cohorts[0].families, cohorts[0].sessions_held), (25, 24));
    let progress = store.p2k2_progress(cohorts[0].cohort.id).await.expect("progress");
    assert!(progress.iter().all(|f| f.modules.iter().map(|m| m.attended).sum::<usize>() > 8), "most sessions attended");
    // The education forms of 2026-4: months stored, the obligation recorded from them.
    let open = store.pkh_periods(pkh.program.id).await.expect("periods");
    let open = open.iter().find(|p| p.period.period.to_string() == "2026-4").expect("period 2026-4");
    let families = store
        .pkh_families(pkh.program.id, &Query { page: PageRequest::new(1, 200), ..Query::default() })
        .await
        .expect("families");
    let mut months = 0;
    let mut school_records = 0;
    for f in &families.items {
        months += store.pkh_school_months(open.period.id, f.id).await.expect("months").len();
        school_records += store
            .pkh_compliance(open.period.id, f.id)
            .await
            .expect("compliance")
            .iter()
            .filter(|c| {
                c.obligation == "school_attendance" && c.note.as_deref().is_some_and(|n| n.contains("formulir"))
            })
            .count();
    }
    assert!(
        months >= 10 && school_records >= 5,
        "education forms in the open quarter: {months} months, {school_records} pupils"
    );

    // Loading twice is refused, clearly, and changes nothing.
    let err = demo::load(store.as_ref()).await.expect_err("a second load must be refused");
    assert!(matches!(err.downcast_ref::<DemoRefused>(), Some(DemoRefused::AlreadyLoaded(_))), "{err:#}");
    assert!(err.to_string().contains("already loaded"), "{err:#}");
    assert_eq!(store.registry_counts().await.expect("counts"), counts);
}

#[tokio::test]
async fn demo_refuses_a_database_with_households() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = fresh_store(&dir).await;
    store
        .create_region(&NewRegion { code: code("33"), name: "Jawa Tengah".into(), kind: RegionKind::Province })
        .await
        .expect("region");
    store
        .create_household(&NewHousehold {
            kk: Kk::parse("3316020101200001").expect("kk"),
            address: "Jl. Contoh 1".into(),
            region: code("33"),
            welfare_stage: WelfareStage::Sejahtera2,
            dtks_listed: false,
            dtks_since: None,
        })
        .await
        .expect("household");
    let err = demo::load(store.as_ref()).await.expect_err("a database with households must be refused");
    assert!(matches!(err.downcast_ref::<DemoRefused>(), Some(DemoRefused::NotEmpty { households: 1, .. })), "{err:#}");
    assert!(err.to_string().contains("empty database"), "{err:#}");
    assert_eq!(store.setting("demo").await.expect("setting"), None);
}

#[tokio::test]
async fn demo_accounts_cover_every_role_and_get_fresh_passwords() {
    use berdaya_domain::access::{Role, Username};
    use berdaya_store::access::Assigned;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = fresh_store(&dir).await;
    let err = demo::demo_accounts(store.as_ref()).await.expect_err("no demo accounts outside a demo database");
    assert!(err.to_string().contains("`demo` setting"), "{err:#}");
    assert!(store.users().await.expect("users").is_empty());

    demo::load(store.as_ref()).await.expect("load the demo");
    let first = demo::demo_accounts(store.as_ref()).await.expect("demo accounts");
    let mut roles: Vec<Role> = first.iter().map(|a| a.role).collect();
    roles.sort();
    roles.dedup();
    assert_eq!(roles, Role::ALL.to_vec(), "an account for every role");
    assert!(!format!("{first:?}").contains(&first[0].password), "Debug hides the password");

    let by_name = |name: &str| first.iter().find(|a| a.username == name).unwrap_or_else(|| panic!("{name}"));
    assert_eq!(by_name("admin").area, None);
    assert_eq!(by_name("evaluator").area, None);
    assert_eq!(by_name("pemantau").area, Some(code("33.16")));
    assert_eq!(by_name("petugas.pkh").area, Some(code("33.16")));
    assert_eq!(by_name("pendamping.pkh").area, Some(code(demo::RANDUBLATUNG)));
    assert_eq!(by_name("pengurus.lkm").area, Some(code(demo::KALIAWI_PERSADA)));
    assert_eq!(by_name("petugas.distan").area, Some(code("62.71")));
    assert_eq!(by_name("penyuluh").area, Some(code(demo::KALAMPANGAN)));

    // Each account is bound to the demo's own records.
    let users = store.users().await.expect("users");
    let user = |name: &str| users.iter().find(|u| u.username.as_str() == name).unwrap_or_else(|| panic!("{name}"));
    let agency = store.agency(user("petugas.pkh").agency_id.expect("an agency")).await.expect("agency");
    assert_eq!(agency.name, "Dinas Sosial Kabupaten Blora");
    assert_eq!(user("pengurus.lkm").group_id, Some(group_id(store.as_ref(), "LKM Persada Mandiri").await));
    assert_eq!(user("bendahara.kwt").group_id, Some(group_id(store.as_ref(), "KWT Sukawangi Sejahtera").await));
    assert_eq!(by_name("petugas.kotaku").area, Some(code("18.71")));
    let kotaku = store.agency(user("petugas.kotaku").agency_id.expect("an agency")).await.expect("agency");
    assert!(kotaku.name.contains("KOTAKU"), "{}", kotaku.name);
    let facilitator = user("pendamping.pkh");
    let assigned = store.assignments(facilitator.id).await.expect("assignments");
    let p2k2 = group_id(store.as_ref(), "Kelompok P2K2 Desa Pilang").await;
    assert!(assigned.contains(&Assigned::Group(p2k2)), "{assigned:?}");
    let households: Vec<Id> = assigned
        .iter()
        .filter_map(|a| match a {
            Assigned::Household(id) => Some(*id),
            Assigned::Group(_) => None,
        })
        .collect();
    // Pilang's KPM and more DTKS families of Randublatung: a caseload of more than 100.
    assert!(households.len() > 100, "{} assigned households", households.len());
    for id in &households {
        let h = store.household(*id).await.expect("assigned household");
        assert!(h.region.as_str().starts_with("33.16.02."), "assigned families live in Randublatung");
    }

    // The extension worker is assigned the three dragon-fruit groups.
    let penyuluh = store.assignments(user("penyuluh").id).await.expect("assignments");
    assert_eq!(penyuluh.len(), 3, "{penyuluh:?}");
    for n in ["I", "II", "III"] {
        let g = group_id(store.as_ref(), &format!("Kelompok Tani Buah Naga Kalampangan {n}")).await;
        assert!(penyuluh.contains(&Assigned::Group(g)), "{n}: {penyuluh:?}");
    }

    // Running again resets every password: the old ones stop working, the new ones work.
    let second = demo::demo_accounts(store.as_ref()).await.expect("demo accounts again");
    assert_eq!(store.users().await.expect("users").len(), first.len(), "no account is duplicated");
    assert_eq!(first.len(), 10);
    assert_eq!(store.assignments(facilitator.id).await.expect("assignments").len(), assigned.len());
    for (old, new) in first.iter().zip(&second) {
        assert_eq!(old.username, new.username);
        assert_ne!(old.password, new.password);
        let username = Username::parse(&new.username).expect("username");
        let (_, hash) = store.user_for_login(&username).await.expect("lookup").expect("account");
        assert!(hash.verify(&new.password), "{}: the new password works", new.username);
        assert!(!hash.verify(&old.password), "{}: the old password no longer works", new.username);
    }
}

/// Issue 11 item 6: the seed-004 survey's 43 respondents are linked to the members of Karya
/// Makmur II enrolled in Optimasi Lahan; the saved analysis takes their age from the registry.
#[tokio::test]
async fn demo_saves_the_seed_004_survey_linked_to_karya_makmur_ii() {
    use berdaya::demo::survey::{NIK_COLUMN, TITLE};
    use berdaya_domain::survey::report::Report;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = fresh_store(&dir).await;
    demo::load(store.as_ref()).await.expect("load the demo");
    let list = store.list_analyses(PageRequest::default()).await.expect("list analyses");
    let summary = list.items.iter().find(|a| a.title == TITLE).expect("the linked analysis is saved");
    let saved = store.analysis(summary.id).await.expect("read the analysis");
    let report: Report = serde_json::from_str(&saved.report_json).expect("report JSON");
    assert_eq!(report.n, 43);
    let link = report.link.as_ref().expect("link summary");
    assert_eq!((link.column.as_str(), link.matched, link.unmatched), (NIK_COLUMN, 43, 0));
    assert_eq!(saved.respondents, 43);

    // Every NIK in the responses is a member of Karya Makmur II.
    let group = group_id(store.as_ref(), "Kelompok Tani Karya Makmur II").await;
    let members = store.group_members(group).await.expect("members");
    let csv = String::from_utf8(saved.responses.bytes.clone()).expect("CSV text");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let (nik_col, date_col) = (
        header.iter().position(|h| *h == NIK_COLUMN).expect("nik column"),
        header.iter().position(|h| *h == "tanggal").expect("date column"),
    );
    let by_nik: HashMap<String, berdaya_domain::registry::Person> = export(store.as_ref())
        .await
        .into_iter()
        .map(|r| (format!("{:016}", r.person.nik.as_u64()), r.person))
        .collect();
    // The age factor counts are those of the registry's birth dates on each interview date.
    let age_bin = |age: i32| match age {
        ..=40 => 5,
        41..=50 => 4,
        51..=60 => 3,
        61..=70 => 2,
        _ => 1,
    };
    let mut expected: HashMap<i32, u64> = HashMap::new();
    let mut rows = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let person = by_nik.get(cells[nik_col]).expect("a registry NIK");
        assert!(members.iter().any(|m| m.person_id == person.id), "{} is not a member", person.name);
        let day = berdaya_domain::survey::link::parse_survey_date(cells[date_col]).expect("date");
        *expected.entry(age_bin(person.age_on(day))).or_default() += 1;
        rows += 1;
    }
    assert_eq!(rows, 43);
    let umur = report.factors.iter().find(|f| f.name == "umur").expect("umur factor");
    for c in &umur.codes {
        assert_eq!(c.count, expected.get(&c.code).copied().unwrap_or(0), "age code {}", c.code);
    }
}

/// `serve --demo` loads the whole country under the seeds' places: every official region,
/// the seeds' own units below the village, the region picker answering anywhere. Prints what
/// the country costs beside a demo with the seeds' places only (what the other tests load).
#[tokio::test(flavor = "multi_thread")]
async fn the_country_demo_has_every_region() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seeds = fresh_store(&dir).await;
    let started = std::time::Instant::now();
    let small = demo::load(seeds.as_ref()).await.expect("the seeds' demo");
    let seeds_took = started.elapsed();
    drop(seeds);

    let dir = tempfile::tempdir().expect("temp dir");
    let store = fresh_store(&dir).await;
    let started = std::time::Instant::now();
    let summary = demo::load_with(store.as_ref(), demo::DemoRegions::Country).await.expect("the country's demo");
    eprintln!(
        "demo with the seeds' places: {seeds_took:.2?} ({} regions); with the whole country: {:.2?} ({} regions)",
        small.regions,
        started.elapsed(),
        summary.regions
    );
    // 91,599 official regions and the 7 local units of Dusun Gerdu and Kaliawi Persada.
    assert_eq!(summary.regions, 91_606);
    assert_eq!(store.registry_counts().await.expect("counts").regions, 91_606);
    assert_eq!((summary.households, summary.people), (small.households, small.people));
    let papua = store.search_regions(&berdaya_store::Query::text("Jayapura")).await.expect("search");
    assert!(papua.items.iter().any(|r| r.code.as_str() == "91.71"), "Kota Jayapura");
    let gerdu = store.region(&code(demo::GERDU)).await.expect("a local unit under an official village");
    assert_eq!(gerdu.parent, Some(code(demo::TULUNGREJO)));
}

/// Seeds 003 and 001 as community programs: the grant within its caps and handed over, the
/// KWT's two years of books at about Rp 1,200,000 profit a month, the cycles, the PPCP
/// partners, the slum scores before and after, and Gerdu's seven stages done.
#[tokio::test]
async fn demo_tells_the_community_stories() {
    use berdaya_domain::kotaku::book::statements;
    use berdaya_domain::kotaku::slum::{SlumRules, score};
    use berdaya_domain::kotaku::stage::StageStatus;
    use berdaya_store::kotaku::book::Span;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = fresh_store(&dir).await;
    demo::load(store.as_ref()).await.expect("load the demo");
    let s = store.as_ref();
    let lkm = group_id(s, "LKM Persada Mandiri").await;
    let grants = s.group_grants(lkm).await.expect("grants");
    assert_eq!(grants.len(), 1);
    let g = &grants[0];
    assert_eq!((g.grant.amount_rp, g.allocated_rp, g.received_rp), (1_500_000_000, 1_500_000_000, 1_500_000_000));
    assert!(g.spent_rp <= g.received_rp, "spending within the tranches received");
    let report = s.grant_report(g.grant.id).await.expect("report");
    assert_eq!(report.units.len(), 4);
    assert_eq!(report.works.len(), 8);
    assert_eq!(report.total.spent_rp, g.spent_rp);
    assert!(report.works.iter().all(|(w, _)| w.work.progress_pct == 100 && w.work.keeper_group_id.is_some()));
    let kpp = group_id(s, "KPP Kelurahan Kaliawi Persada").await;
    let kept = s.kept_works(kpp).await.expect("kept");
    let today = time::macros::date!(2026 - 12 - 01);
    let overdue = kept.iter().filter(|w| w.work.maintenance_due(w.last_upkeep).is_some_and(|d| d < today)).count();
    assert_eq!((kept.len(), overdue), (8, 1), "one work's maintenance is overdue");

    let kwt = group_id(s, "KWT Sukawangi Sejahtera").await;
    let months = statements(0, &s.book_sums(kwt, Span::Month).await.expect("sums"));
    assert_eq!(months.len(), 24, "two years of books");
    let avg = months.iter().map(|m| m.profit_rp).sum::<i64>() / months.len() as i64;
    assert!((1_100_000..=1_300_000).contains(&avg), "about Rp 1,200,000 profit a month: {avg}");
    assert!(months.iter().all(|m| m.profit_use_rp == 900_000 && m.sales_rp == m.income_rp));

    let p = s.search_programs(&Query::text("KOTAKU")).await.expect("programs").items[0].program.id;
    let cycles = s.program_cycles(p).await.expect("cycles");
    assert_eq!(cycles.len(), 2);
    assert!(cycles[0].finished());
    assert_eq!(cycles[1].current().map(|st| st.code.as_str()), Some("perencanaan"));
    let partners = s.stakeholders(p).await.expect("partners");
    for name in [
        "Dinas Pertanian Kota Bandar Lampung",
        "Institut Teknologi Bandung (ITB)",
        "UIN Raden Intan Lampung",
        "Universitas Lampung (Unila)",
    ] {
        assert!(partners.iter().any(|(x, _)| x.name == name), "{name}");
    }
    let baselines = s.program_slum_baselines(p).await.expect("baselines");
    assert_eq!(baselines.len(), 8);
    let rules = SlumRules::default();
    for pair in baselines.chunks(2) {
        let before = score(&pair[0].measures, &rules).expect("before").total;
        let after = score(&pair[1].measures, &rules).expect("after").total;
        assert!(after < before, "{}: {before} → {after}", pair[0].neighbourhood);
    }

    let kts = s.search_programs(&Query::text("Kampung Tangguh")).await.expect("programs").items[0].program.id;
    let seven = s.program_cycles(kts).await.expect("7d");
    assert_eq!(seven.len(), 1);
    assert_eq!(seven[0].stages.len(), 7);
    assert!(seven[0].stages.iter().all(|st| st.status == StageStatus::Done));
    assert_eq!(seven[0].activities.len(), 7);
    let findings = s.program_findings(kts).await.expect("findings");
    assert_eq!(
        findings.iter().filter(|f| f.kind == berdaya_domain::framework::finding::FindingKind::Inhibiting).count(),
        3
    );
    let inds = s.indicators(kts).await.expect("indicators");
    assert_eq!(inds.len(), 2);
    let warung = berdaya_domain::kotaku::outcome::change(&s.outcomes(inds[0].id).await.expect("values"));
    assert!(warung.improved > 0 && warung.improved < warung.subjects, "{warung:?}");
}
