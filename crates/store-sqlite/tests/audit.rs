//! The audit log as SQLite holds it, checked with raw SQL: append-only guards, the state the
//! write path leaves behind, and a tampered entry showing up in the chain check.

use berdaya_domain::access::audit::ChainCheck;
use berdaya_domain::access::{AuditEntry, NewUser, PasswordHash, Role, Username};
use berdaya_domain::registry::*;
use berdaya_store::access::{AccessStore, Actor, AuditStore, acting_as};
use berdaya_store::registry::RegistryStore;
use berdaya_store::survey::{AnalysisTitle, NewAnalysis, SurveyStore, UploadedFile};
use berdaya_store::{Store, StoreError};
use berdaya_store_sqlite::SqliteStore;
use rusqlite::Connection;

async fn store() -> (tempfile::TempDir, SqliteStore, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let s = SqliteStore::open(&path).await.unwrap();
    let raw = Connection::open(&path).unwrap();
    (dir, s, raw)
}

fn region(code: &str, name: &str, kind: &str) -> NewRegion {
    RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().unwrap()
}

fn household(kk: &str, address: &str) -> NewHousehold {
    HouseholdDraft {
        kk: kk.into(),
        address: address.into(),
        region: "33.16".into(),
        welfare_stage: "pra_sejahtera".into(),
        dtks_listed: false,
        dtks_since: None,
    }
    .parse()
    .unwrap()
}

/// Two regions and a household made and edited by `siti`: five sealed entries.
async fn seed(s: &SqliteStore) -> i64 {
    s.create_region(&region("33", "Jawa Tengah", "province")).await.unwrap();
    s.create_region(&region("33.16", "Blora", "regency")).await.unwrap();
    let siti = s
        .create_user(
            &NewUser {
                username: Username::parse("siti").unwrap(),
                display_name: "Siti".into(),
                role: Role::Administrator,
                area: None,
                agency_id: None,
                group_id: None,
            },
            &PasswordHash::from_stored(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0${}A", "B".repeat(42)))
                .unwrap(),
        )
        .await
        .unwrap();
    let actor = Actor::user(siti.id, "siti");
    let h = acting_as(actor.clone(), s.create_household(&household("3316090101200001", "Jl. Lama"))).await.unwrap();
    acting_as(actor, s.update_household(h.id, &household("3316090101200001", "Jl. Baru"), 1)).await.unwrap();
    h.id
}

async fn chain(s: &SqliteStore) -> (Vec<AuditEntry>, ChainCheck) {
    let mut entries = Vec::new();
    s.audit_chain(&mut |e| {
        entries.push(e);
        true
    })
    .await
    .unwrap();
    let mut check = ChainCheck::new();
    for e in &entries {
        check.push(e);
    }
    (entries, check)
}

fn count(raw: &Connection, sql: &str) -> i64 {
    raw.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_refuses_updates_and_deletes() {
    let (_dir, s, raw) = store().await;
    seed(&s).await;
    assert_eq!(count(&raw, "SELECT count(*) FROM audit_log WHERE hash IS NOT NULL"), 5);

    for sql in [
        "UPDATE audit_log SET after = '{}' WHERE seq = 2",
        "UPDATE audit_log SET actor = 'someone else' WHERE seq = 4",
        "UPDATE audit_log SET hash = 'x', prev_hash = 'y' WHERE seq = 3",
        "UPDATE audit_log SET seq = 9 WHERE seq = 5",
        "DELETE FROM audit_log WHERE seq = 5",
        "DELETE FROM audit_log",
    ] {
        let err = raw.execute(sql, []).expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert!(raw.execute("DELETE FROM audit_context", []).is_err(), "the context row stays");

    // An unsealed entry may be sealed, and only that.
    raw.execute_batch("BEGIN").unwrap();
    raw.execute(
        "INSERT INTO audit_log (at, actor, action, entity) VALUES ('2026-11-24T10:00:00.000Z', 'x', 'login', 'users')",
        [],
    )
    .unwrap();
    let id = raw.last_insert_rowid();
    assert!(raw.execute("UPDATE audit_log SET action = 'logout' WHERE id = ?1", [id]).is_err());
    raw.execute("UPDATE audit_log SET seq = 100, prev_hash = 'p', hash = 'h' WHERE id = ?1", [id]).unwrap();
    assert!(raw.execute("UPDATE audit_log SET hash = 'again' WHERE id = ?1", [id]).is_err());
    raw.execute_batch("ROLLBACK").unwrap();

    let (entries, check) = chain(&s).await;
    assert_eq!(entries.len(), 5);
    assert!(check.is_intact(), "{:?}", check.breaks);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_entry_breaks_the_chain_at_its_seq() {
    let (_dir, s, raw) = store().await;
    seed(&s).await;
    let (entries, check) = chain(&s).await;
    assert!(check.is_intact());
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);

    // Someone with the file and sqlite3 drops the guard and edits the update entry.
    raw.execute_batch("DROP TRIGGER audit_log_no_update").unwrap();
    let n =
        raw.execute("UPDATE audit_log SET after = replace(after, 'Jl. Baru', 'Jl. Palsu') WHERE seq = 5", []).unwrap();
    assert_eq!(n, 1);
    let (entries, check) = chain(&s).await;
    assert!(entries[4].after.as_deref().unwrap().contains("Jl. Palsu"));
    assert_eq!(check.breaks.len(), 1, "{:?}", check.breaks);
    assert_eq!(check.breaks[0].seq, 5);
    assert!(check.breaks[0].problem.contains("altered"));

    // Removing an entry shows too (the delete guard dropped as well).
    raw.execute_batch("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2").unwrap();
    let (_, check) = chain(&s).await;
    assert!(check.breaks.iter().any(|b| b.seq == 3), "{:?}", check.breaks);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_leave_no_unsealed_entries_and_reset_the_context() {
    let (_dir, s, raw) = store().await;
    let hid = seed(&s).await;
    assert!(matches!(
        s.create_household(&household("3316090101200001", "Jl. Kembar")).await,
        Err(StoreError::Duplicate { field: "kk", .. })
    ));
    assert_eq!(count(&raw, "SELECT count(*) FROM audit_log"), 5, "a failed write leaves no entry");
    assert_eq!(count(&raw, "SELECT count(*) FROM audit_log WHERE hash IS NULL"), 0);
    let context: (Option<i64>, String, i64) = raw
        .query_row("SELECT actor_id, actor, bulk FROM audit_context", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!(context, (None, "system".into(), 0), "the context is back to system after a write");

    // Settings and survey uploads go through the same path; uploads log sizes, not bytes.
    s.set_setting("demo", "1").await.unwrap();
    s.save_analysis(&NewAnalysis {
        title: AnalysisTitle::parse("Analisis").unwrap(),
        instrument: UploadedFile { name: "i.xlsx".into(), bytes: vec![7; 300] },
        responses: UploadedFile { name: "r.csv".into(), bytes: b"a\n1\n".to_vec() },
        responses_file: None,
        alpha: 0.05,
        drop_incomplete: false,
        report_json: "{}".into(),
        respondents: 1,
        created_at: time::OffsetDateTime::now_utc(),
    })
    .await
    .unwrap();
    let after: String = raw
        .query_row("SELECT after FROM audit_log WHERE entity = 'survey_analyses' AND hash IS NOT NULL", [], |r| {
            r.get(0)
        })
        .unwrap();
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!((after["instrument_bytes"].as_i64(), after["responses_bytes"].as_i64()), (Some(300), Some(4)));
    assert_eq!(after["title"], "Analisis");
    // Responses kept in the files directory: the log names the file and its size.
    s.save_analysis(&NewAnalysis {
        title: AnalysisTitle::parse("Analisis besar").unwrap(),
        instrument: UploadedFile { name: "i.xlsx".into(), bytes: vec![7; 300] },
        responses: UploadedFile { name: "besar.csv".into(), bytes: Vec::new() },
        responses_file: Some(berdaya_store::survey::StoredFile { key: "1764-abc.csv".into(), size: 41_000_000 }),
        alpha: 0.05,
        drop_incomplete: false,
        report_json: "{}".into(),
        respondents: 1,
        created_at: time::OffsetDateTime::now_utc(),
    })
    .await
    .unwrap();
    let after: String = raw
        .query_row("SELECT after FROM audit_log WHERE entity = 'survey_analyses' ORDER BY id DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(
        (after["responses_file"].as_str(), after["responses_size"].as_i64()),
        (Some("1764-abc.csv"), Some(41_000_000))
    );

    // Reopening keeps the chain going.
    drop(s);
    let s = SqliteStore::open(&raw.path().map(std::path::PathBuf::from).unwrap()).await.unwrap();
    s.update_household(hid, &household("3316090101200001", "Jl. Ketiga"), 2).await.unwrap();
    let (entries, check) = chain(&s).await;
    assert_eq!(entries.len(), 8, "seven writes and the file-backed analysis");
    assert!(check.is_intact(), "{:?}", check.breaks);
    assert_eq!(s.backend(), "sqlite");
}
