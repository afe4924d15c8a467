//! What only PostgreSQL can show of the audit log: the append-only guards against raw SQL,
//! tampering found by the chain check, changes made outside Berdaya, and concurrent writers
//! on separate connections chaining one after the other.
//!
//! Needs `BERDAYA_TEST_PG_URL`, like the conformance suite; skipped without it.

use std::sync::Arc;

use berdaya_domain::access::audit::ChainCheck;
use berdaya_domain::access::{AuditEntry, NewUser, PasswordHash, Role, Username};
use berdaya_domain::registry::{NewRegion, RegionCode, RegionKind};
use berdaya_store::access::{AccessStore, Actor, AuditFilter, AuditStore, acting_as};
use berdaya_store::{PageRequest, RegistryStore};
use berdaya_store_postgres::PgStore;
use berdaya_store_postgres::testing::{TestDatabase, server_url};
use sqlx::{Connection, Executor, PgConnection};

/// A migrated store on a fresh database, and a raw connection to the same database as its
/// owner (the superuser of the test server).
async fn setup() -> Option<(TestDatabase, PgStore, PgConnection)> {
    let server = server_url()?;
    let database = TestDatabase::create(&server).await.expect("create a test database");
    let store = PgStore::connect(&database.url).await.expect("connect and migrate");
    let raw = PgConnection::connect(&database.url).await.expect("raw connection");
    Some((database, store, raw))
}

async fn teardown(database: TestDatabase, store: PgStore, raw: PgConnection) {
    let _ = raw.close().await;
    store.close().await;
    database.drop_database().await.expect("drop the test database");
}

fn region(code: &str, name: &str) -> NewRegion {
    let kind = match code.split('.').count() {
        1 => RegionKind::Province,
        2 => RegionKind::Regency,
        3 => RegionKind::District,
        _ => RegionKind::Village,
    };
    NewRegion { code: RegionCode::parse(code).expect("region code"), name: name.into(), kind }
}

async fn chain(store: &PgStore) -> (ChainCheck, Vec<AuditEntry>) {
    let mut check = ChainCheck::new();
    let mut all = Vec::new();
    let read = store
        .audit_chain(&mut |e| {
            check.push(&e);
            all.push(e);
            true
        })
        .await
        .expect("audit chain");
    assert_eq!(read, all.len() as u64);
    (check, all)
}

#[tokio::test]
async fn raw_sql_cannot_change_or_delete_the_log() {
    let Some((database, store, mut raw)) = setup().await else { return };
    store.create_region(&region("33", "Jawa Tengah")).await.expect("region");
    let (check, entries) = chain(&store).await;
    assert!(check.is_intact(), "{:?}", check.breaks);
    assert_eq!(entries.len(), 1);

    for sql in [
        "UPDATE audit_log SET after = '{}' WHERE seq = 1",
        "UPDATE audit_log SET hash = repeat('0', 64) WHERE seq = 1",
        "UPDATE audit_log SET seq = 2 WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "INSERT INTO audit_log (seq, at, actor, action, entity, prev_hash, hash) \
         VALUES (9, '2026-01-01T00:00:00.000Z', 'x', 'create', 'x', 'a', 'b')",
    ] {
        let err = raw.execute(sql).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    let (check, after) = chain(&store).await;
    assert!(check.is_intact());
    assert_eq!(after, entries, "the log is as it was");
    teardown(database, store, raw).await;
}

#[tokio::test]
async fn tampering_with_the_guard_off_breaks_the_chain_at_that_entry() {
    let Some((database, store, mut raw)) = setup().await else { return };
    store.create_region(&region("33", "Jawa Tengah")).await.expect("region");
    store.create_region(&region("33.16", "Blora")).await.expect("region");
    store.create_region(&region("33.17", "Rembang")).await.expect("region");
    let (check, _) = chain(&store).await;
    assert!(check.is_intact());
    assert_eq!(check.checked, 3);

    // The database owner can switch the guard off: what the chain is for.
    raw.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard").await.expect("disable guard");
    raw.execute("UPDATE audit_log SET after = replace(after, 'Blora', 'Blitar') WHERE seq = 2").await.expect("alter");
    raw.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_guard").await.expect("enable guard");

    let (check, _) = chain(&store).await;
    assert_eq!(check.breaks.len(), 1, "{:?}", check.breaks);
    assert_eq!(check.breaks[0].seq, 2);
    assert!(check.breaks[0].problem.contains("altered"), "{}", check.breaks[0].problem);

    // Removing an entry inside the chain shows at the entry after it. (Cutting the tail is
    // what a chain alone cannot show: the seals kept outside the database do, see
    // `berdaya_domain::access::seal` and the CLI tests.)
    raw.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard").await.expect("disable guard");
    raw.execute("UPDATE audit_log SET after = replace(after, 'Blitar', 'Blora') WHERE seq = 2").await.expect("undo");
    raw.execute("DELETE FROM audit_log WHERE seq = 2").await.expect("delete");
    raw.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_guard").await.expect("enable guard");
    store.create_region(&region("33.18", "Pati")).await.expect("region");
    let (check, entries) = chain(&store).await;
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 3, 4]);
    assert!(!check.is_intact());
    assert!(check.breaks.iter().all(|b| b.seq == 3), "{:?}", check.breaks);
    teardown(database, store, raw).await;
}

#[tokio::test]
async fn changes_made_outside_berdaya_are_recorded_and_sealed_by_the_next_write() {
    let Some((database, store, mut raw)) = setup().await else { return };
    store.create_region(&region("33", "Jawa Tengah")).await.expect("region");
    raw.execute("UPDATE regions SET name = 'Jateng' WHERE code = '33'").await.expect("raw update");
    let unsealed: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE hash IS NULL")
        .fetch_one(&mut raw)
        .await
        .expect("count");
    assert_eq!(unsealed, 1, "the raw change is in the log, not yet sealed");

    // The next write of the store seals it, in id order, before its own entry.
    store.create_region(&region("33.16", "Blora")).await.expect("region");
    let (check, entries) = chain(&store).await;
    assert!(check.is_intact(), "{:?}", check.breaks);
    let raw_entry = &entries[1];
    assert_eq!((raw_entry.action.as_str(), raw_entry.entity_id.as_deref()), ("update", Some("33")));
    assert_eq!(raw_entry.actor, "postgres", "attributed to the database role");
    assert_eq!(raw_entry.actor_id, None);
    assert_eq!(entries[2].actor, "system");
    teardown(database, store, raw).await;
}

#[tokio::test]
async fn accounts_are_audited_without_their_password_hash() {
    let Some((database, store, raw)) = setup().await else { return };
    let hash = PasswordHash::new("kalampangan-2024").expect("hash");
    let user = NewUser {
        username: Username::parse("siti").expect("username"),
        display_name: "Siti".into(),
        role: Role::Administrator,
        area: None,
        agency_id: None,
        group_id: None,
    };
    let siti = acting_as(Actor::user(7, "admin"), store.create_user(&user, &hash)).await.expect("user");
    store.set_password(siti.id, &PasswordHash::new("tulungrejo-batu").expect("hash")).await.expect("password");
    let filter = AuditFilter { entity: Some("users".into()), ..Default::default() };
    let page = store.audit_entries(&filter, PageRequest::default()).await.expect("entries");
    assert_eq!(page.items.len(), 2);
    let (update, create) = (&page.items[0], &page.items[1]);
    assert_eq!((create.action.as_str(), create.actor.as_str(), create.actor_id), ("create", "admin", Some(7)));
    assert_eq!(update.action, "update");
    for text in [&create.after, &update.before, &update.after].into_iter().flatten() {
        assert!(!text.contains("password") && !text.contains("argon2"), "{text}");
        let json: serde_json::Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(json["username"], "siti");
    }
    let at = &create.at;
    assert!(at.len() == 24 && at.ends_with('Z') && at.as_bytes()[19] == b'.', "{at}");
    teardown(database, store, raw).await;
}

/// Writers on many connections at once: every entry sealed once, `seq` without gaps, one
/// chain. Each task creates its own regions, so nothing but the seal lock is shared.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_chain_one_after_the_other() {
    let Some((database, store, raw)) = setup().await else { return };
    store.create_region(&region("33", "Jawa Tengah")).await.expect("province");
    let store = Arc::new(store);
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            tokio::spawn(acting_as(Actor::system(format!("task-{t}")), async move {
                for i in 0..10 {
                    let code = format!("33.{}", 10 + t * 10 + i);
                    store.create_region(&region(&code, &format!("Kabupaten {code}"))).await.expect("region");
                }
            }))
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let (check, entries) = chain(&store).await;
    assert!(check.is_intact(), "{:?}", check.breaks);
    assert_eq!(entries.len(), 41);
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=41).collect::<Vec<_>>());
    for t in 0..4 {
        assert_eq!(entries.iter().filter(|e| e.actor == format!("task-{t}")).count(), 10);
    }
    let store = Arc::into_inner(store).expect("sole owner");
    teardown(database, store, raw).await;
}

/// Uploaded files go into the log by their size, not their bytes.
#[tokio::test]
async fn survey_files_are_recorded_by_size() {
    use berdaya_store::SurveyStore;
    use berdaya_store::survey::{AnalysisTitle, NewAnalysis, UploadedFile};
    let Some((database, store, raw)) = setup().await else { return };
    let analysis = NewAnalysis {
        title: AnalysisTitle::parse("Analisis").expect("title"),
        instrument: UploadedFile { name: "instrumen.xlsx".into(), bytes: vec![7; 5000] },
        responses: UploadedFile { name: "jawaban.csv".into(), bytes: b"id,a\nR001,1\n".to_vec() },
        responses_file: None,
        alpha: 0.05,
        drop_incomplete: false,
        report_json: "{}".into(),
        respondents: 1,
        created_at: time::OffsetDateTime::now_utc(),
    };
    store.save_analysis(&analysis).await.expect("save");
    let filter = AuditFilter { entity: Some("survey_analyses".into()), ..Default::default() };
    let page = store.audit_entries(&filter, PageRequest::default()).await.expect("entries");
    let after: serde_json::Value = serde_json::from_str(page.items[0].after.as_deref().expect("after")).expect("JSON");
    assert_eq!(after["instrument_bytes"], 5000);
    assert_eq!(after["responses_bytes"], 12);
    assert!(after.get("instrument").is_none() && after.get("responses").is_none(), "{after}");
    assert_eq!(after["instrument_name"], "instrumen.xlsx");
    // Responses kept in the files directory: the log names the file and its size.
    let on_disk = NewAnalysis {
        responses: UploadedFile { name: "besar.csv".into(), bytes: Vec::new() },
        responses_file: Some(berdaya_store::survey::StoredFile { key: "1764-abc.csv".into(), size: 41_000_000 }),
        ..analysis
    };
    store.save_analysis(&on_disk).await.expect("save");
    let page = store.audit_entries(&filter, PageRequest::default()).await.expect("entries");
    let after: serde_json::Value = serde_json::from_str(page.items[0].after.as_deref().expect("after")).expect("JSON");
    assert_eq!(
        (&after["responses_file"], &after["responses_size"]),
        (&serde_json::json!("1764-abc.csv"), &serde_json::json!(41_000_000)),
        "{after}"
    );
    teardown(database, store, raw).await;
}

/// The array path of `Conn::insert_rows` (one `unnest` statement) keeps every kit type.
#[tokio::test]
async fn insert_rows_keeps_every_type_and_null() {
    let Some((database, store, raw)) = setup().await else { return };
    berdaya_store::testkit::kit_insert_rows(
        &store,
        "CREATE TABLE kit_insert_probe (n BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, t TEXT, b BOOLEAN, d DATE, \
         y BYTEA, ts TIMESTAMPTZ)",
    )
    .await;
    teardown(database, store, raw).await;
}

/// The frozen bulk tables have no per-row foreign keys (migration 0018): their parents keep
/// them, refusing to be deleted while a frozen row names them.
#[tokio::test]
async fn frozen_pkh_rows_keep_their_parents() {
    let Some((database, store, mut raw)) = setup().await else { return };
    let store = Arc::new(store);
    // Builds payment lists over a closed period.
    berdaya_store::testkit::checks::pkh_pay_list_eligibility(store.clone()).await;
    for (what, sql) in [
        ("list", "DELETE FROM pkh_payment_lists WHERE id = (SELECT max(list_id) FROM pkh_payment_lines)"),
        ("family", "DELETE FROM pkh_families WHERE id = (SELECT max(family_id) FROM pkh_payment_lines)"),
        ("period", "DELETE FROM pkh_periods WHERE id = (SELECT max(period_id) FROM pkh_family_periods)"),
    ] {
        let e = raw.execute(sql).await.expect_err(what);
        let db = e.as_database_error().expect("a database error");
        assert_eq!(db.code().as_deref(), Some("23503"), "{what}: {db}");
        assert!(db.message().contains("is still referenced by frozen PKH rows"), "{what}: {db}");
    }
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pkh_payment_lines").fetch_one(&mut raw).await.unwrap();
    assert!(left > 0);
    let Ok(store) = Arc::try_unwrap(store) else { panic!("the check kept a handle on the store") };
    teardown(database, store, raw).await;
}
