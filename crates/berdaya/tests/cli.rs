//! The operational commands end to end: the built `berdaya` binary, run with a clean
//! environment and a temporary home, against SQLite files in a temporary directory.
//! The database is seeded and checked through the store (`berdaya::store::open`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use berdaya::store::{DatabaseUrl, open};
use berdaya_domain::registry::{HouseholdDraft, Nik, PersonDraft, RegionDraft, Sex};
use berdaya_store::{RegistryCounts, Store};

const HEADER: &str = "kk,region,address,welfare_stage,dtks_listed,dtks_since,nik,name,sex,birth_date,relation,education,occupation,disability";
const VILLAGE: &str = "33.16.09.2001";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// A temporary home with a data directory and a database path.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_berdaya"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.path("data"))
            .current_dir(self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        let out: Output = self.command(args).output().expect("run berdaya");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let p = self.path(name);
        std::fs::write(&p, content).expect("write file");
        p.display().to_string()
    }
}

async fn store_at(db: &Path) -> Arc<dyn Store> {
    open(&DatabaseUrl::Sqlite(db.to_path_buf())).await.expect("open store")
}

/// A database with the regions the test files use.
async fn seeded(db: &Path) -> Arc<dyn Store> {
    let store = store_at(db).await;
    for (code, name, kind) in [
        ("33", "Jawa Tengah", "province"),
        ("33.16", "Blora", "regency"),
        ("33.16.09", "Randublatung", "district"),
        (VILLAGE, "Pilang", "village"),
    ] {
        let region = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().expect("region");
        store.create_region(&region).await.expect("create region");
    }
    store
}

async fn counts(db: &Path) -> RegistryCounts {
    store_at(db).await.registry_counts().await.expect("counts")
}

fn nik(day: u8, sex: Sex, serial: u16) -> String {
    let born = time::Date::from_calendar_date(1980, time::Month::May, day).expect("date");
    Nik::compose("331609", born, sex, serial).expect("nik").reveal()
}

fn kk(n: u16) -> String {
    format!("331609010120{n:04}")
}

/// One CSV line: household `h`, person with the given NIK.
fn line(h: u16, nik: &str, name: &str, sex: &str, day: u8, relation: &str) -> String {
    format!(
        "{},{VILLAGE},\"Jl. Mawar {h}, RT 03\",sejahtera_1,ya,2019-01-01,{nik},{name},{sex},1980-05-{day:02},{relation},sd,petani,",
        kk(h)
    )
}

/// Three households, seven people.
fn good_csv() -> String {
    let rows = [
        line(1, &nik(1, Sex::Male, 1), "Budi Santoso", "L", 1, "head"),
        line(1, &nik(2, Sex::Female, 1), "Siti Aminah", "P", 2, "spouse"),
        line(1, &nik(3, Sex::Male, 1), "Joko Santoso", "L", 3, "child"),
        line(2, &nik(4, Sex::Male, 1), "Agus Wibowo", "L", 4, "head"),
        line(2, &nik(5, Sex::Female, 1), "Sri Lestari", "P", 5, "spouse"),
        line(3, &nik(6, Sex::Female, 1), "Dewi Rahayu", "P", 6, "head"),
        line(3, &nik(7, Sex::Female, 1), "Ñoni Rahayu", "P", 7, "child"),
    ];
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_and_xlsx_import_and_export_round_trip() {
    let env = Env::new();
    let db = env.path("a.sqlite3");
    drop(seeded(&db).await);
    let file = env.write("people.csv", good_csv());
    let r = env.run(&["import", "registry", &file, "--database", db.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("7 rows, 3 households and 7 people created"), "{r:?}");
    let c = counts(&db).await;
    assert_eq!((c.households, c.people), (3, 7));

    // Export as CSV (to a file and to stdout) and XLSX.
    let csv_a = env.path("a.csv");
    let r = env.run(&["export", "registry", "--database", db.to_str().unwrap(), "--out", csv_a.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = env.run(&["export", "registry", "--database", db.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let exported = std::fs::read_to_string(&csv_a).unwrap();
    assert_eq!(r.stdout, exported);
    assert!(exported.starts_with(HEADER), "{exported}");
    assert!(exported.contains(&nik(2, Sex::Female, 1)), "exports carry the full NIK");
    let xlsx = env.path("a.xlsx");
    let r = env.run(&["export", "registry", "--database", db.to_str().unwrap(), "--out", xlsx.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");

    // The XLSX export into a fresh database exports the same CSV.
    let db_b = env.path("b.sqlite3");
    drop(seeded(&db_b).await);
    let r = env.run(&["import", "registry", xlsx.to_str().unwrap(), "--database", db_b.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = env.run(&["export", "registry", "--database", db_b.to_str().unwrap()]);
    assert_eq!(r.stdout, exported);

    // So does the CSV export.
    let db_c = env.path("c.sqlite3");
    drop(seeded(&db_c).await);
    let r = env.run(&["import", "registry", csv_a.to_str().unwrap(), "--database", db_c.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = env.run(&["export", "registry", "--database", db_c.to_str().unwrap(), "--region", "33.16.09"]);
    assert_eq!(r.stdout, exported);

    // A masked export hides NIK and KK.
    let r = env.run(&["export", "registry", "--database", db_c.to_str().unwrap(), "--mask"]);
    assert!(!r.stdout.contains(&nik(2, Sex::Female, 1)) && r.stdout.contains("••••"), "{r:?}");
}

/// A database holding one household (KK 1) with one person (NIK day 20), for the checks
/// against existing data.
async fn with_one_household(env: &Env) -> PathBuf {
    let db = env.path("db.sqlite3");
    let store = seeded(&db).await;
    let h = HouseholdDraft {
        kk: kk(1),
        address: "Jl. Lama 1".into(),
        region: VILLAGE.into(),
        welfare_stage: "sejahtera_2".into(),
        dtks_listed: false,
        dtks_since: None,
    }
    .parse()
    .unwrap();
    let h = store.create_household(&h).await.unwrap();
    let p = PersonDraft {
        nik: nik(20, Sex::Male, 1),
        household_id: Some(h.id.to_string()),
        name: "Slamet".into(),
        sex: "male".into(),
        birth_date: "1980-05-20".into(),
        relation: "head".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    store.create_person(&p).await.unwrap();
    db
}

/// Imports `content`; the import must fail, print each expected text to stderr and leave
/// the database as it was.
async fn refused(name: &str, content: impl AsRef<[u8]>, expected: &[&str]) {
    let env = Env::new();
    let db = with_one_household(&env).await;
    let before = counts(&db).await;
    let file = env.write(name, content);
    let r = env.run(&["import", "registry", &file, "--database", db.to_str().unwrap()]);
    assert_ne!(r.code, 0, "{r:?}");
    for e in expected {
        assert!(r.stderr.contains(e), "expected `{e}` in stderr: {r:?}");
    }
    assert_eq!(counts(&db).await, before, "the database changed");
}

fn csv_with(rows: &[String]) -> String {
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

fn good(h: u16, day: u8) -> String {
    line(h + 10, &nik(day, Sex::Male, 2), "Hadi", "L", day, "head")
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_quoting_is_refused() {
    let broken = line(12, &nik(3, Sex::Male, 2), "Heru", "L", 3, "head")
        .replace("\"Jl. Mawar 12, RT 03\"", "\"Jl. Mawar 12, RT 03");
    refused(
        "q.csv",
        csv_with(&[good(1, 1), good(2, 2), broken, good(4, 4)]),
        &["row 4, column address:", "quoting", "nothing was imported"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn windows_1252_is_refused() {
    let mut bytes = csv_with(&[good(1, 1)]).into_bytes();
    bytes.extend(
        line(12, &nik(3, Sex::Male, 2), "Jos#", "L", 3, "head").bytes().map(|b| if b == b'#' { 0xE9 } else { b }),
    );
    bytes.push(b'\n');
    refused("w.csv", bytes, &["row 3, column name:", "UTF-8"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_columns_are_refused() {
    let content = "kk,region,address,nik,name,sex\n3316090101200001,33.16.09.2001,Jl. A,3316090105800002,A,L\n";
    refused("m.csv", content, &["missing required columns: welfare_stage, birth_date, relation"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_file_is_refused() {
    refused("e.csv", "", &["empty"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_nik_is_refused() {
    let bad = line(12, "3316093205800002", "Heru", "L", 3, "head");
    refused("n.csv", csv_with(&[good(1, 1), bad]), &["row 3, column nik:", "day"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_region_is_refused() {
    let bad = good(2, 2).replace(VILLAGE, "33.16.09.2999");
    refused("r.csv", csv_with(&[good(1, 1), bad]), &["row 3, column region:", "33.16.09.2999 does not exist"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_nik_in_file_is_refused() {
    let dup = line(13, &nik(1, Sex::Male, 2), "Eko", "L", 1, "head");
    refused("d.csv", csv_with(&[good(1, 1), good(2, 2), dup]), &["row 4, column nik:", "duplicate NIK", "row 2"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nik_already_in_database_is_refused() {
    let taken = line(12, &nik(20, Sex::Male, 1), "Slamet", "L", 20, "head");
    refused("t.csv", csv_with(&[good(1, 1), taken]), &["row 3, column nik:", "already registered"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kk_already_in_database_is_refused() {
    let taken = line(1, &nik(9, Sex::Male, 2), "Teguh", "L", 9, "head");
    refused("k.csv", csv_with(&[good(1, 1), taken]), &["row 3, column kk:", "already registered"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn skip_invalid_imports_the_good_rows_and_writes_rejects() {
    let env = Env::new();
    let db = with_one_household(&env).await;
    let before = counts(&db).await;
    let rows = [
        good(1, 1),
        line(12, "123", "Heru", "L", 3, "head"),
        good(3, 4),
        good(4, 5).replace(VILLAGE, "33.16.09.2999"),
        good(5, 6),
    ];
    let file = env.write("s.csv", csv_with(&rows));
    let r = env.run(&["import", "registry", &file, "--database", db.to_str().unwrap(), "--skip-invalid"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("3 households and 3 people created; 2 rows rejected"), "{r:?}");
    assert!(r.stderr.contains("row 3, column nik:") && r.stderr.contains("row 5, column region:"), "{r:?}");
    let after = counts(&db).await;
    assert_eq!((after.households, after.people), (before.households + 3, before.people + 3));

    let rejects = std::fs::read_to_string(format!("{file}.rejected.csv")).expect("rejects file");
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines[0], format!("{HEADER},row,reason"));
    assert_eq!(lines.len(), 3, "{rejects}");
    assert!(lines[1].contains(",123,") && lines[1].contains(",3,column nik: must be exactly 16 digits"), "{rejects}");
    assert!(lines[2].contains(",5,column region: region 33.16.09.2999 does not exist"), "{rejects}");

    // --rejects chooses the file; a fixed rejects file imports as it is (row and reason are ignored).
    let out = env.path("out.csv");
    let fixed = rejects.replace("33.16.09.2999", VILLAGE).replace(",123,", &format!(",{},", nik(3, Sex::Male, 2)));
    let fixed = env.write("fixed.csv", fixed);
    let r = env.run(&[
        "import",
        "registry",
        &fixed,
        "--database",
        db.to_str().unwrap(),
        "--rejects",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!out.exists());
    assert_eq!(counts(&db).await.people, before.people + 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_writes_nothing() {
    let env = Env::new();
    let db = with_one_household(&env).await;
    let before = counts(&db).await;
    let file = env.write("ok.csv", csv_with(&[good(1, 1), good(2, 2)]));
    let r = env.run(&["import", "registry", &file, "--database", db.to_str().unwrap(), "--dry-run"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("nothing was written"), "{r:?}");
    assert_eq!(counts(&db).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn nik_mismatches_are_warnings() {
    let env = Env::new();
    let db = with_one_household(&env).await;
    // The NIK says born on the 1st; the row says the 2nd.
    let row = line(12, &nik(1, Sex::Male, 3), "Wahyu", "L", 2, "head");
    let file = env.write("w.csv", csv_with(&[row]));
    let r = env.run(&["import", "registry", &file, "--database", db.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("warning: row 2, column nik: NIK says born 01-05-80"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_while_writing_then_restore() {
    let env = Env::new();
    let db = env.path("live.sqlite3");
    let store = seeded(&db).await;
    let file = env.write("people.csv", good_csv());
    assert_eq!(env.run(&["import", "registry", &file, "--database", db.to_str().unwrap()]).code, 0);

    // Another connection keeps adding households while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 100u16;
            while !stop.load(Ordering::Relaxed) && n < 2000 {
                let h = HouseholdDraft {
                    kk: kk(n),
                    address: format!("Jl. Baru {n}"),
                    region: VILLAGE.into(),
                    welfare_stage: "sejahtera_1".into(),
                    dtks_listed: false,
                    dtks_since: None,
                }
                .parse()
                .unwrap();
                store.create_household(&h).await.expect("write during backup");
                n += 1;
            }
            n - 100
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let backup = env.path("backup.sqlite3");
    let (env_ref, db2, backup2) = (&env, db.clone(), backup.clone());
    let r = tokio::task::block_in_place(|| {
        env_ref.run(&["backup", "--database", db2.to_str().unwrap(), "--out", backup2.to_str().unwrap()])
    });
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(written > 0);

    // A second backup to the same file is refused without --force.
    let again = env.run(&["backup", "--database", db.to_str().unwrap(), "--out", backup.to_str().unwrap()]);
    assert_ne!(again.code, 0, "{again:?}");
    assert!(again.stderr.contains("already exists"), "{again:?}");

    let restored = env.path("restored/berdaya.sqlite3");
    let r = env.run(&["restore", "--from", backup.to_str().unwrap(), "--database", restored.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let c = counts(&restored).await;
    assert_eq!(c.people, 7);
    assert_eq!(c.regions, 4);
    assert!(c.households >= 3 && c.households <= 3 + u64::from(written), "{c:?}");
    let live = counts(&db).await;
    assert_eq!(live.households, 3 + u64::from(written));

    // Restoring over an existing database needs --force.
    let r = env.run(&["restore", "--from", backup.to_str().unwrap(), "--database", db.to_str().unwrap()]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("--force"), "{r:?}");
    drop(store);
    let r = env.run(&["restore", "--from", backup.to_str().unwrap(), "--database", db.to_str().unwrap(), "--force"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(counts(&db).await, c);
}

#[test]
fn postgres_backup_points_to_pg_dump() {
    let env = Env::new();
    let r = env.run(&["backup", "--database", "postgres://u:secret@127.0.0.1:1/x", "--out", "b"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("pg_dump") && !r.stderr.contains("secret"), "{r:?}");
}

#[test]
fn migrate_creates_the_default_database() {
    let env = Env::new();
    let r = env.run(&["migrate"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("database ready"), "{r:?}");
    let found = walk(&env.path("data")).into_iter().any(|p| p.ends_with("berdaya.sqlite3"));
    assert!(found, "no database under XDG_DATA_HOME: {r:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_demo_prints_the_address_and_refuses_other_data() {
    let env = Env::new();
    // A database with other data: the demo is refused.
    let db = with_one_household(&env).await;
    let r = env.run(&["serve", "--database", db.to_str().unwrap(), "--bind", "127.0.0.1:0", "--demo"]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("not loading the demo"), "{r:?}");

    // A fresh database: the demo loads and the server answers.
    let fresh = env.path("demo.sqlite3");
    let mut child = env
        .command(&["serve", "--database", fresh.to_str().unwrap(), "--bind", "127.0.0.1:0", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let url = loop {
        let Some(Ok(l)) = lines.next() else { break None };
        seen.push(l.clone());
        if let Some(at) = l.find("Berdaya berjalan di http://") {
            let rest = &l[at + "Berdaya berjalan di ".len()..];
            break rest.split_whitespace().next().map(str::to_string);
        }
    };
    let Some(url) = url else {
        let _ = child.kill();
        panic!("no address printed: {seen:?}");
    };
    assert!(seen.iter().any(|l| l.contains("demo data loaded")), "{seen:?}");
    let health = reqwest::get(format!("{url}/healthz")).await;
    // SIGTERM to our own child, by its id, for a graceful shutdown.
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let status = child.wait().expect("wait");
    assert!(health.map(|h| h.status().is_success()).unwrap_or(false));
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");

    // Serving it again with --demo keeps the demo and says so.
    let mut child = env
        .command(&["serve", "--database", fresh.to_str().unwrap(), "--bind", "127.0.0.1:0", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("already"), "{first}");
}
