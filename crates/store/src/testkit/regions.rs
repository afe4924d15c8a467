//! Conformance checks of loading an official region list
//! ([`load_regions`](crate::registry::RegistryBulk::load_regions)): codes added parents
//! first with their kind from the code, names and kinds updated, codes the list lacks kept,
//! a second load changing nothing, a bad list writing nothing, and the audit entries.

use berdaya_domain::registry::{RegionCode, RegionKind};
use serde_json::json;

use super::access::{chain, entries_of, json_of};
use super::*;
use crate::access::{Actor, acting_as};
use crate::regions::{ListedRegion, RegionLoad};

/// A list of `(code, name)`, rows numbered from 2 (after a header), kinds from the codes.
fn list(entries: &[(&str, &str)]) -> Vec<ListedRegion> {
    let one = |(i, (c, name)): (usize, &(&str, &str))| {
        let code = RegionCode::parse(c).expect("code");
        let kind = RegionKind::of_official_code(&code).expect("official code");
        ListedRegion { row: i as u64 + 2, region: NewRegion { code, name: name.to_string(), kind } }
    };
    entries.iter().enumerate().map(one).collect()
}

/// Children listed before their parents: the load orders them.
const BLORA: &[(&str, &str)] = &[
    ("33.16.02.2006", "Pilang"),
    ("33.16.02.1005", "Randublatung"),
    ("33.16.02", "Randublatung"),
    ("33.16", "Kabupaten Blora"),
    ("33.71", "Kota Magelang"),
    ("33", "Jawa Tengah"),
];

pub async fn regions_load_adds_renames_and_keeps(s: Arc<dyn Store>) {
    let s = &*s;
    // Before the list: an official code it lacks, with a local unit below it, and a
    // province under another spelling.
    for (c, name, kind) in [
        ("33", "Jateng", RegionKind::Province),
        ("33.17", "Kabupaten Rembang", RegionKind::Regency),
        ("33.17.01", "Sumber", RegionKind::District),
        ("33.17.01.2001", "Sumber", RegionKind::Village),
        ("33.17.01.2001.D1", "Dusun Krajan", RegionKind::Dusun),
    ] {
        s.create_region(&NewRegion { code: code(c), name: name.into(), kind }).await.expect("seed region");
    }
    let report = s.load_regions(list(BLORA), "test list").await.expect("load");
    assert_eq!(report, RegionLoad { listed: 6, added: 5, renamed: 1, reclassified: 0, kept: 3 });

    let path = s.region_path(&code("33.16.02.2006")).await.expect("path");
    let got: Vec<(&str, &str, RegionKind)> = path.iter().map(|r| (r.code.as_str(), r.name.as_str(), r.kind)).collect();
    assert_eq!(
        got,
        [
            ("33", "Jawa Tengah", RegionKind::Province),
            ("33.16", "Kabupaten Blora", RegionKind::Regency),
            ("33.16.02", "Randublatung", RegionKind::District),
            ("33.16.02.2006", "Pilang", RegionKind::Village),
        ]
    );
    assert_eq!(path[0].version, 2, "a rename is an update");
    assert_eq!(s.region(&code("33.16.02.1005")).await.expect("kelurahan").kind, RegionKind::Kelurahan);
    assert_eq!(s.region(&code("33.71")).await.expect("city").kind, RegionKind::City);
    assert_eq!(s.region(&code("33.17.01.2001.D1")).await.expect("kept").name, "Dusun Krajan");
    // Searches find the new names (the name key is written).
    let found = s.search_regions(&Query::text("pilang")).await.expect("search");
    assert_eq!(found.items.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["33.16.02.2006"]);

    // A newer list: a rename, and a code read under its kind again.
    let mut newer = list(BLORA);
    newer[0].region.name = "Pilang Baru".into();
    let report = s.load_regions(newer, "newer list").await.expect("second list");
    assert_eq!(report, RegionLoad { listed: 6, added: 0, renamed: 1, reclassified: 0, kept: 3 });
    assert_eq!(s.region(&code("33.16.02.2006")).await.expect("renamed").name, "Pilang Baru");
}

pub async fn regions_load_twice_changes_nothing_and_is_audited(s: Arc<dyn Store>) {
    let s = &*s;
    let before = chain(s).await.len();
    let report = acting_as(Actor::user(7, "admin"), s.load_regions(list(BLORA), "kemendagri-2025")).await;
    assert_eq!(report.expect("load"), RegionLoad { listed: 6, added: 6, renamed: 0, reclassified: 0, kept: 0 });
    let log = chain(s).await;
    assert_eq!(log.len(), before + 1, "one entry for the rows added");
    let e = log.last().expect("entry");
    assert_eq!(
        (e.action.as_str(), e.entity.as_str(), e.actor.as_str(), e.actor_id),
        ("import", "regions", "admin", Some(7))
    );
    assert_eq!(
        json_of(&e.after),
        json!({"source": "kemendagri-2025", "listed": 6, "added": 6, "renamed": 0, "reclassified": 0, "kept": 0,
               "first_added": "33", "last_added": "33.71"})
    );

    let again = s.load_regions(list(BLORA), "kemendagri-2025").await.expect("second load");
    assert_eq!(again, RegionLoad { listed: 6, added: 0, renamed: 0, reclassified: 0, kept: 0 });
    assert!(!again.changed());
    assert_eq!(chain(s).await.len(), before + 1, "a load that changes nothing writes nothing");
    assert_eq!(s.region(&code("33")).await.expect("province").version, 1);

    // A rename keeps its own row entry, before and after; the triggers are back on.
    let mut renamed = list(BLORA);
    renamed[3].region.name = "Kab. Blora".into();
    s.load_regions(renamed, "fix").await.expect("rename");
    let updates = entries_of(s, "regions", Some("33.16".into())).await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].action, "update");
    assert_eq!(json_of(&updates[0].before)["name"], "Kabupaten Blora");
    assert_eq!(json_of(&updates[0].after)["name"], "Kab. Blora");
    s.create_region(&NewRegion { code: code("33.16.02.2006.D1"), name: "Dusun".into(), kind: RegionKind::Dusun })
        .await
        .expect("create after a load");
    assert_eq!(entries_of(s, "regions", Some("33.16.02.2006.D1".into())).await.len(), 1, "bulk mode ended");
}

pub async fn regions_load_refuses_a_bad_list_whole(s: Arc<dyn Store>) {
    let s = &*s;
    let before = chain(s).await.len();
    // 33.16.02 has no 33.16 in the list or the database.
    let orphan = list(&[("33", "Jawa Tengah"), ("33.16.02", "Randublatung")]);
    assert_err!(
        s.load_regions(orphan, "orphan").await,
        StoreError::Reference { field: "code", message } if message.contains("row 3") && message.contains("33.16")
    );
    let twice = list(&[("33", "Jawa Tengah"), ("33.16", "Kabupaten Blora"), ("33", "Jateng")]);
    assert_err!(
        s.load_regions(twice, "twice").await,
        StoreError::Duplicate { field: "code", message } if message.contains("row 4") && message.contains("row 2")
    );
    assert_eq!(s.registry_counts().await.expect("counts").regions, 0, "nothing written");
    assert_eq!(chain(s).await.len(), before, "nothing recorded");
}
