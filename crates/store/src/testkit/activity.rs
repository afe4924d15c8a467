//! Conformance checks of [`ActivityStore`](crate::activity::ActivityStore): activities with
//! their staff, groups and tags, the version check, attendance written in bulk (all or
//! nothing), exact rates per activity, member, person and group, the program summary, the
//! calendars and attachments.

use berdaya_domain::activity::{
    ActivityKind, AttendanceEntry, AttendanceStatus, ClockTime, NewActivity, NewAttachment, Rate,
};
use berdaya_domain::registry::{Agency, Group, Program, Staff};

use super::*;
use crate::activity::CalendarOf;

/// An agency (BPP in Kalampangan's district) with two extension workers, a program, two
/// groups (the first with the three members of h3 and Dewi, the second with Joko), over the
/// standard registry.
struct World {
    reg: Registry,
    agency: Agency,
    staff: Vec<Staff>,
    program: Program,
    groups: Vec<Group>,
}

async fn world(s: &dyn Store) -> World {
    let reg = seed_registry(s).await;
    let agency = s
        .create_agency(&NewAgency {
            name: "UPTD BPP Kalampangan".into(),
            kind: AgencyKind::Unit,
            region: code("62.71.04"),
            parent_id: None,
        })
        .await
        .expect("agency");
    let mut staff = Vec::new();
    for name in ["Rahmat Penyuluh", "Yuni Penyuluh"] {
        let new = NewStaff { name: name.into(), position: "Penyuluh pertanian".into() };
        staff.push(s.add_staff(agency.id, &new).await.expect("staff"));
    }
    let program = s
        .create_program(&NewProgram {
            name: "Pemberdayaan petani buah naga".into(),
            agency_id: agency.id,
            starts_on: date!(2023 - 01 - 01),
            ends_on: None,
            description: None,
            target_regions: vec![code(KALAMPANGAN)],
        })
        .await
        .expect("program");
    let mut groups = Vec::new();
    for (name, members) in [("Tunas Harapan", vec!["Siti Aminah", "budi santoso", "Dewi"]), ("Maju Jaya", vec!["Joko"])]
    {
        let g = s
            .create_group(&NewGroup {
                name: name.into(),
                kind: GroupKind::FarmerGroup,
                region: code(KALAMPANGAN),
                founded_on: None,
                description: None,
            })
            .await
            .expect("group");
        for m in members {
            let new = NewMember { person_id: reg.person(m).id, role: GroupRole::Member, since: None, until: None };
            s.add_member(g.id, &new).await.expect("member");
        }
        groups.push(g);
    }
    World { reg, agency, staff, program, groups }
}

fn new_activity(w: &World, kind: ActivityKind, title: &str, held_on: Date) -> NewActivity {
    NewActivity {
        program_id: w.program.id,
        kind,
        title: title.into(),
        topic: Some("Pemupukan berimbang".into()),
        held_on,
        starts_at: ClockTime::parse("09:00").ok(),
        duration_min: 120,
        region: code(KALAMPANGAN),
        place: Some("Balai kelompok".into()),
        staff_ids: vec![w.staff[1].id, w.staff[0].id],
        group_ids: vec![w.groups[0].id],
        tag_ids: Vec::new(),
        materials: None,
        report: None,
    }
}

fn entry(w: &World, name: &str, status: AttendanceStatus) -> AttendanceEntry {
    AttendanceEntry { person_id: w.reg.person(name).id, status }
}

/// Create, read back with the lists in the order given, update (lists replaced, version
/// bumped), a stale version conflicts, references are checked and named.
pub async fn activity_create_read_update(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let new = new_activity(&w, ActivityKind::Counseling, "Penyuluhan pupuk", date!(2023 - 03 - 14));
    let a = s.create_activity(&new).await.expect("create");
    assert_eq!(a.version, 1);
    assert_eq!(a.staff_ids, vec![w.staff[1].id, w.staff[0].id], "staff in the order given");
    assert_eq!(a.group_ids, vec![w.groups[0].id]);
    assert_eq!(a.starts_at.map(|t| t.to_string()).as_deref(), Some("09:00"));
    assert_eq!(s.activity(a.id).await.expect("read"), a);

    let changed = NewActivity {
        title: "Penyuluhan pupuk organik".into(),
        staff_ids: vec![w.staff[0].id],
        group_ids: vec![w.groups[1].id, w.groups[0].id],
        starts_at: None,
        duration_min: 90,
        ..new.clone()
    };
    let b = s.update_activity(a.id, &changed, a.version).await.expect("update");
    assert_eq!(b.version, 2);
    assert_eq!(b.title, "Penyuluhan pupuk organik");
    assert_eq!(b.staff_ids, vec![w.staff[0].id]);
    assert_eq!(b.group_ids, vec![w.groups[1].id, w.groups[0].id]);
    assert_eq!(b.starts_at, None);
    let stale = s.update_activity(a.id, &new, 1).await.expect_err("stale");
    assert!(matches!(stale, StoreError::Conflict { entity: "activity", expected: 1, actual: 2 }), "{stale:?}");
    assert_eq!(s.activity(a.id).await.expect("read").title, "Penyuluhan pupuk organik", "nothing changed");
    assert!(matches!(s.activity(a.id + 1000).await, Err(StoreError::NotFound { entity: "activity" })));

    for (bad, field) in [
        (NewActivity { program_id: w.program.id + 1000, ..new.clone() }, "program_id"),
        (NewActivity { region: code("33.17"), staff_ids: vec![w.staff[0].id + 1000], ..new.clone() }, "staff_ids"),
        (NewActivity { group_ids: vec![w.groups[0].id + 1000], ..new.clone() }, "group_ids"),
        (NewActivity { tag_ids: vec![999_999], ..new.clone() }, "tag_ids"),
    ] {
        match s.create_activity(&bad).await {
            Err(StoreError::Reference { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let page = s.search_activities(&q("")).await.expect("search");
    assert_eq!(page.total, 1, "refused activities left nothing");

    // Tags name framework dimensions (the four bina ship with every database).
    let bina = s.frameworks().await.expect("frameworks").into_iter().find(|f| f.code.as_str() == "bina").expect("bina");
    let dims: Vec<i64> = bina.dimensions.iter().map(|d| d.id).collect();
    let tagged = NewActivity { tag_ids: vec![dims[3], dims[0]], ..changed };
    let c = s.update_activity(a.id, &tagged, b.version).await.expect("tag");
    assert_eq!(c.tag_ids, vec![dims[3], dims[0]], "tags in the order given");
}

/// Attendance: a bulk upsert (one row per person, a second write changes a status), exact
/// rates (1/3 → 33,3 %, then 2/3 → 66,7 %), an unknown person refuses the whole list, and
/// the member, person and group rates over a period.
pub async fn activity_attendance(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let a = s
        .create_activity(&new_activity(&w, ActivityKind::Training, "Pelatihan", date!(2023 - 03 - 14)))
        .await
        .expect("create");
    let list = [
        entry(&w, "Siti Aminah", AttendanceStatus::Present),
        entry(&w, "budi santoso", AttendanceStatus::Excused),
        entry(&w, "Dewi", AttendanceStatus::Absent),
    ];
    assert_eq!(s.record_attendance(a.id, &list).await.expect("record"), 3);
    let rate = s.activity_rate(a.id).await.expect("rate");
    assert_eq!(rate, Rate::new(1, 3));
    assert_eq!(rate.percent_id(), "33,3 %");
    // A second write changes one row and adds none.
    s.record_attendance(a.id, &[entry(&w, "Dewi", AttendanceStatus::Present)]).await.expect("upsert");
    let rows = s.attendance(a.id).await.expect("list");
    let shown: Vec<(&str, AttendanceStatus)> = rows.iter().map(|r| (r.person_name.as_str(), r.status)).collect();
    assert_eq!(
        shown,
        vec![
            ("budi santoso", AttendanceStatus::Excused),
            ("Dewi", AttendanceStatus::Present),
            ("Siti Aminah", AttendanceStatus::Present)
        ],
        "one row per person, by name"
    );
    let rate = s.activity_rate(a.id).await.expect("rate");
    assert_eq!((rate, rate.percent_id()), (Rate::new(2, 3), "66,7 %".to_string()));

    // An unknown person refuses the whole list: the valid row before it is not written.
    let bad = [
        entry(&w, "Siti Aminah", AttendanceStatus::Absent),
        AttendanceEntry { person_id: 9_999_999, status: AttendanceStatus::Present },
    ];
    match s.record_attendance(a.id, &bad).await {
        Err(StoreError::Reference { field: "person_id", message }) => assert!(message.contains("9999999"), "{message}"),
        other => panic!("unknown person: {other:?}"),
    }
    assert_eq!(s.activity_rate(a.id).await.expect("rate"), Rate::new(2, 3), "nothing written");
    assert!(matches!(s.record_attendance(a.id + 1000, &list).await, Err(StoreError::NotFound { entity: "activity" })));

    // A second activity in April: Siti absent. Per member over March only, and over both.
    let b = s
        .create_activity(&new_activity(&w, ActivityKind::Mentoring, "Pendampingan", date!(2023 - 04 - 02)))
        .await
        .expect("create");
    s.record_attendance(b.id, &[entry(&w, "Siti Aminah", AttendanceStatus::Absent)]).await.expect("record");
    let march = s
        .group_attendance(w.groups[0].id, Some(date!(2023 - 03 - 01)), Some(date!(2023 - 03 - 31)))
        .await
        .expect("group");
    let siti = march.iter().find(|r| r.person_name == "Siti Aminah").expect("siti");
    assert_eq!(siti.rate, Rate::new(1, 1));
    let all = s.group_attendance(w.groups[0].id, None, None).await.expect("group");
    let names: Vec<&str> = all.iter().map(|r| r.person_name.as_str()).collect();
    assert_eq!(names, vec!["budi santoso", "Dewi", "Siti Aminah"]);
    assert_eq!(all[2].rate, Rate::new(1, 2));
    assert_eq!(all[2].rate.percent_id(), "50,0 %");
    let (rate, list) = s.person_attendance(w.reg.person("Siti Aminah").id, None, None).await.expect("person");
    assert_eq!(rate, Rate::new(1, 2));
    assert_eq!(list.iter().map(|x| x.activity_id).collect::<Vec<_>>(), vec![b.id, a.id], "newest first");
    let (rate, list) =
        s.person_attendance(w.reg.person("Siti Aminah").id, Some(date!(2023 - 04 - 01)), None).await.expect("person");
    assert_eq!((rate, list.len()), (Rate::new(0, 1), 1));

    // Eight recorded, one present: 12,5 % exactly over the program.
    let c = s
        .create_activity(&NewActivity {
            group_ids: vec![w.groups[1].id],
            ..new_activity(&w, ActivityKind::Counseling, "Penyuluhan", date!(2023 - 04 - 20))
        })
        .await
        .expect("create");
    s.record_attendance(c.id, &[entry(&w, "Joko", AttendanceStatus::Absent)]).await.expect("record");
    let sum = s.activity_summary(w.program.id, None, None).await.expect("summary");
    assert_eq!(sum.attendance, Rate::new(2, 5));
    let months: Vec<(&str, Vec<(ActivityKind, u64)>)> =
        sum.months.iter().map(|(m, k)| (m.as_str(), k.clone())).collect();
    assert_eq!(
        months,
        vec![
            ("2023-03", vec![(ActivityKind::Training, 1)]),
            ("2023-04", vec![(ActivityKind::Counseling, 1), (ActivityKind::Mentoring, 1)]),
        ]
    );
    let groups: Vec<(&str, Rate)> = sum.groups.iter().map(|g| (g.group_name.as_str(), g.rate)).collect();
    assert_eq!(groups, vec![("Maju Jaya", Rate::new(0, 1)), ("Tunas Harapan", Rate::new(2, 4))]);
    let april = s.activity_summary(w.program.id, Some(date!(2023 - 04 - 01)), None).await.expect("summary");
    assert_eq!(april.months.len(), 1);
    assert_eq!(april.attendance, Rate::new(0, 2));
    let d = s
        .create_activity(&new_activity(&w, ActivityKind::Counseling, "Delapan", date!(2023 - 05 - 01)))
        .await
        .expect("create");
    let mut eight = Vec::new();
    for (i, p) in w.reg.p.iter().take(8).enumerate() {
        let status = if i == 0 { AttendanceStatus::Present } else { AttendanceStatus::Absent };
        eight.push(AttendanceEntry { person_id: p.id, status });
    }
    s.record_attendance(d.id, &eight).await.expect("record");
    let rate = s.activity_rate(d.id).await.expect("rate");
    assert_eq!((rate, rate.percent_id()), (Rate::new(1, 8), "12,5 %".to_string()));
}

/// The listing's filters and scope, a group's latest activities, and the calendars of an
/// agency and of one staff member.
pub async fn activity_search_calendar(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let mut made = Vec::new();
    for (kind, title, on, group, staff) in [
        (ActivityKind::Counseling, "Penyuluhan Maret", date!(2023 - 03 - 14), 0, 0),
        (ActivityKind::Training, "Pelatihan Maret", date!(2023 - 03 - 20), 1, 1),
        (ActivityKind::Counseling, "Penyuluhan April", date!(2023 - 04 - 02), 0, 1),
    ] {
        let new = NewActivity {
            group_ids: vec![w.groups[group].id],
            staff_ids: vec![w.staff[staff].id],
            ..new_activity(&w, kind, title, on)
        };
        made.push(s.create_activity(&new).await.expect("create"));
    }
    let titles = |p: &Page<crate::activity::ActivityRow>| p.items.iter().map(|r| r.title.clone()).collect::<Vec<_>>();
    let all = s.search_activities(&q("")).await.expect("all");
    assert_eq!(titles(&all), vec!["Penyuluhan April", "Pelatihan Maret", "Penyuluhan Maret"], "newest first");
    let mut kind = q("");
    kind.filters = vec![("kind".into(), "counseling".into())];
    assert_eq!(s.search_activities(&kind).await.expect("kind").total, 2);
    let mut by_program = q("");
    by_program.filters = vec![("program_id".into(), (w.program.id + 1).to_string())];
    assert_eq!(s.search_activities(&by_program).await.expect("program").total, 0);
    let mut text = q("maret");
    text.within = Some(Within::MembersOf(w.groups[0].id));
    assert_eq!(titles(&s.search_activities(&text).await.expect("group")), vec!["Penyuluhan Maret"]);
    let elsewhere = Query { region: Some(code(PILANG)), ..q("") };
    assert_eq!(s.search_activities(&elsewhere).await.expect("region").total, 0, "region scope");

    let latest = s.group_activities(w.groups[0].id, 1).await.expect("group activities");
    assert_eq!(latest.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), vec!["Penyuluhan April"]);

    let march = s
        .calendar(CalendarOf::Agency(w.agency.id), date!(2023 - 03 - 01), date!(2023 - 03 - 31), None)
        .await
        .expect("calendar");
    assert_eq!(march.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), vec!["Penyuluhan Maret", "Pelatihan Maret"]);
    let staff = s
        .calendar(CalendarOf::Staff(w.staff[1].id), date!(2023 - 01 - 01), date!(2023 - 12 - 31), None)
        .await
        .expect("calendar");
    assert_eq!(staff.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), vec!["Pelatihan Maret", "Penyuluhan April"]);
    let outside = s
        .calendar(CalendarOf::Staff(w.staff[1].id), date!(2023 - 01 - 01), date!(2023 - 12 - 31), Some(&code(PILANG)))
        .await
        .expect("calendar");
    assert!(outside.is_empty(), "area scope");

    let found = s.search_staff(&Query { region: Some(code(KALAMPANGAN)), ..q("yuni") }).await.expect("staff");
    assert_eq!(found.items.iter().map(|r| r.staff.name.as_str()).collect::<Vec<_>>(), vec!["Yuni Penyuluh"]);
    assert_eq!(found.items[0].agency_name, "UPTD BPP Kalampangan");
    let far = s.search_staff(&Query { region: Some(code(PILANG)), ..q("") }).await.expect("staff");
    assert_eq!(far.total, 0, "a BPP elsewhere is not offered");
    assert_eq!(s.staff_member(w.staff[0].id).await.expect("staff").staff.name, "Rahmat Penyuluh");
    assert!(matches!(s.staff_member(w.staff[0].id + 100).await, Err(StoreError::NotFound { entity: "staff" })));
}

/// Attachments: stored with name, type, size and digest; bytes read back whole; listed per
/// record; deleted with their contents; the audit log records the size, not the bytes.
pub async fn activity_attachments(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let a = s
        .create_activity(&new_activity(&w, ActivityKind::Counseling, "Foto", date!(2023 - 03 - 14)))
        .await
        .expect("create");
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 5000));
    let file = NewAttachment::parse("activity", a.id, "laporan.pdf", bytes.clone()).expect("valid file");
    let f = s.add_attachment(&file).await.expect("add");
    assert_eq!((f.file_name.as_str(), f.content_type.as_str(), f.size), ("laporan.pdf", "application/pdf", 5009));
    assert_eq!(f.sha256, file.sha256);
    assert_eq!(s.attachment_bytes(f.id).await.expect("bytes"), bytes);
    assert_eq!(s.attachment(f.id).await.expect("read"), f);
    let png = NewAttachment::parse("activity", a.id, "foto.png", b"\x89PNG\r\n\x1a\n1234".to_vec()).expect("png");
    let g = s.add_attachment(&png).await.expect("add");
    assert_eq!(s.attachments("activity", a.id).await.expect("list"), vec![f.clone(), g.clone()]);
    assert!(s.attachments("finding", a.id).await.expect("list").is_empty(), "by entity");
    s.delete_attachment(f.id).await.expect("delete");
    assert_eq!(s.attachments("activity", a.id).await.expect("list"), vec![g]);
    assert!(matches!(s.attachment_bytes(f.id).await, Err(StoreError::NotFound { .. })));
    assert!(matches!(s.delete_attachment(f.id).await, Err(StoreError::NotFound { entity: "attachment" })));
    let filter = crate::access::AuditFilter { entity: Some("attachment_contents".into()), ..Default::default() };
    let entries = s.audit_entries(&filter, PageRequest::new(1, 50)).await.expect("audit");
    assert_eq!(entries.items.len(), 3, "two added, one deleted");
    for e in &entries.items {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(!text.contains("xxxxxxxx"), "contents in the audit log: {text}");
    }
}
