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

mod common;
use common::Env;

impl Env {
    fn run(&self, args: &[&str]) -> Run {
        let out: Output = self.command(args).output().expect("run berdaya");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs with `input` on standard input (a password for `--password-stdin`).
    fn run_input(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run berdaya");
        // A command that fails before it reads its input closes the pipe early: not an error here.
        let _ = child.stdin.take().expect("stdin").write_all(input.as_bytes());
        let out = child.wait_with_output().expect("wait for berdaya");
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

    // Each export is in the audit log: the identified one is a view of every NIK and KK.
    let store = store_at(&db_c).await;
    let filter = berdaya_store::access::AuditFilter { action: Some("export".into()), ..Default::default() };
    let log = store.audit_entries(&filter, berdaya_store::PageRequest::new(1, 50)).await.unwrap();
    let details: Vec<String> = log.items.iter().map(|e| e.after.clone().unwrap_or_default()).collect();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(details[1].contains("\"identified\"") && details[1].contains("33.16.09"), "{details:?}");
    assert!(details[0].contains("\"masked\"") && details[0].contains("\"rows\":7"), "{details:?}");
    assert!(log.items.iter().all(|e| e.actor.starts_with("cli")), "{:?}", log.items);
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
    // One demo account per role, with the password it was just given.
    for name in ["admin", "petugas.pkh", "pendamping.pkh", "pengurus.lkm", "evaluator", "pemantau"] {
        assert!(seen.iter().any(|l| l.starts_with(&format!("{name} "))), "{name} in {seen:?}");
    }
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

#[tokio::test(flavor = "multi_thread")]
async fn serve_takes_the_survey_upload_settings() {
    let env = Env::new();
    let db = env.path("unggah.sqlite3");
    let r = env.run(&[
        "serve",
        "--database",
        db.to_str().unwrap(),
        "--bind",
        "127.0.0.1:0",
        "--survey-upload-limit-mb",
        "0",
    ]);
    assert_ne!(r.code, 0, "a limit of 0 MiB is refused: {r:?}");

    // The files directory is made, and an upload cut off by the last stop is removed.
    let files = env.path("berkas-survei");
    std::fs::create_dir_all(&files).expect("dir");
    std::fs::write(files.join("upload-terputus.part"), b"setengah").expect("part");
    std::fs::write(files.join("1764-simpan.csv"), b"id\n").expect("kept");
    let mut child = env
        .command(&["serve", "--database", db.to_str().unwrap(), "--bind", "127.0.0.1:0"])
        .env("BERDAYA_SURVEY_FILES", &files)
        .env("BERDAYA_SURVEY_UPLOAD_LIMIT_MB", "3")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let started = lines.next().and_then(Result::ok).unwrap_or_default();
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    assert!(started.contains("Berdaya berjalan di http://"), "{started}");
    assert!(!files.join("upload-terputus.part").exists(), "the cut-off upload is removed");
    assert!(files.join("1764-simpan.csv").exists(), "kept files stay");

    // Without the setting the directory sits beside the SQLite file.
    let mut child = env
        .command(&["serve", "--database", db.to_str().unwrap(), "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let started = lines.next().and_then(Result::ok).unwrap_or_default();
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    assert!(started.contains("Berdaya berjalan di http://"), "{started}");
    assert!(env.path("unggah.sqlite3.survey-files").is_dir());
}

// Accounts, tokens and the audit log ------------------------------------------------------

const SITI_PASSWORD: &str = "tulungrejo-batu-77";
const SITI_NEW_PASSWORD: &str = "kalampangan-naga-2024";

/// Neither a password nor an argon2 hash appears in anything the command printed.
fn assert_no_secret(r: &Run) {
    for secret in [SITI_PASSWORD, SITI_NEW_PASSWORD, "$argon2"] {
        assert!(!r.stdout.contains(secret) && !r.stderr.contains(secret), "`{secret}` printed: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_are_created_listed_and_changed_with_passwords_on_stdin() {
    use berdaya_domain::access::{Role, Username};
    use berdaya_store::access::Assigned;

    let env = Env::new();
    let db = with_one_household(&env).await;
    let dbs = db.to_str().unwrap();
    let household =
        store_at(&db).await.search_households(&berdaya_store::Query::default()).await.expect("households").items[0]
            .household
            .id;

    let r = env.run_input(
        &[
            "user",
            "create",
            "Siti",
            "--role",
            "facilitator",
            "--name",
            "Siti Rahayu",
            "--area",
            "33.16.09",
            "--password-stdin",
            "--database",
            dbs,
        ],
        &format!("{SITI_PASSWORD}\n"),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_no_secret(&r);
    let r = env.run_input(
        &[
            "user",
            "create",
            "pemantau",
            "--role",
            "viewer",
            "--name",
            "Pemantau Blora",
            "--area",
            "33.16",
            "--password-stdin",
            "--database",
            dbs,
        ],
        "blora-kuat-sekali\n",
    );
    assert_eq!(r.code, 0, "{r:?}");

    let r = env.run(&["user", "list", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_no_secret(&r);
    let siti = r.stdout.lines().find(|l| l.starts_with("siti ")).unwrap_or_else(|| panic!("siti listed: {r:?}"));
    for column in ["Siti Rahayu", "facilitator", "33.16.09 Randublatung", "active"] {
        assert!(siti.contains(column), "`{column}` in `{siti}`");
    }
    assert!(r.stdout.starts_with("USERNAME"), "{r:?}");

    let store = store_at(&db).await;
    let username = Username::parse("siti").unwrap();
    let (user, hash) = store.user_for_login(&username).await.expect("login lookup").expect("siti exists");
    assert_eq!(user.role, Role::Facilitator);
    assert!(hash.verify(SITI_PASSWORD));

    // A new password replaces the old one.
    let r = env.run_input(
        &["user", "passwd", "siti", "--password-stdin", "--database", dbs],
        &format!("{SITI_NEW_PASSWORD}\r\n"),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_no_secret(&r);
    let (_, hash) = store.user_for_login(&username).await.expect("login lookup").expect("siti exists");
    assert!(hash.verify(SITI_NEW_PASSWORD) && !hash.verify(SITI_PASSWORD));

    // Facilitators are assigned households; other roles are refused.
    let h = household.to_string();
    let r = env.run(&["user", "assign", "siti", "--household", &h, "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(store.assignments(user.id).await.expect("assignments"), vec![Assigned::Household(household)]);
    let r = env.run(&["user", "assign", "pemantau", "--household", &h, "--database", dbs]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("only a facilitator"), "{r:?}");
    let r = env.run(&["user", "assign", "siti", "--household", "999", "--database", dbs]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("--household: no household has id 999"), "{r:?}");
    let r = env.run(&["user", "unassign", "siti", "--household", &h, "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(store.assignments(user.id).await.expect("assignments").is_empty());

    // Disable, then enable.
    let r = env.run(&["user", "disable", "siti", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = env.run(&["user", "list", "--database", dbs]);
    assert!(r.stdout.lines().any(|l| l.starts_with("siti ") && l.trim_end().ends_with("disabled")), "{r:?}");
    let r = env.run(&["user", "enable", "siti", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!store.user(user.id).await.expect("siti").disabled);
}

#[tokio::test(flavor = "multi_thread")]
async fn account_errors_name_the_field_and_the_rule() {
    let env = Env::new();
    let db = env.path("db.sqlite3");
    drop(seeded(&db).await);
    let dbs = db.to_str().unwrap();
    let create = |extra: &[&str], input: Option<&str>| {
        let mut args = vec!["user", "create", "--database", dbs, "--name", "Budi Santoso"];
        args.extend_from_slice(extra);
        match input {
            Some(i) => env.run_input(&args, i),
            None => env.run(&args),
        }
    };
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (
            vec!["budi", "--role", "root", "--password-stdin"],
            Some("a-good-password-1\n"),
            "--role: `root` is not one of: administrator, program_officer, facilitator, group_officer, evaluator, viewer",
        ),
        (
            vec!["budi", "--role", "viewer", "--area", "33.99", "--password-stdin"],
            Some("a-good-password-1\n"),
            "--area: no region has the code 33.99",
        ),
        (
            vec!["budi", "--role", "viewer", "--area", "3x", "--password-stdin"],
            Some("a-good-password-1\n"),
            "--area: `3X`",
        ),
        (
            vec!["budi", "--role", "viewer", "--password-stdin"],
            Some("short\n"),
            "password: must be at least 10 characters",
        ),
        (
            vec!["budi", "--role", "viewer", "--password-stdin"],
            Some("budi-budi-budi\n"),
            "password: must not contain the username",
        ),
        (vec!["budi", "--role", "viewer", "--password-stdin"], Some(""), "--password-stdin: standard input is empty"),
        (vec!["budi", "--role", "viewer"], None, "password: there is no terminal"),
        (
            vec!["budi", "--role", "program_officer", "--password-stdin"],
            Some("a-good-password-1\n"),
            "--agency: a program officer needs an agency",
        ),
        (
            vec!["budi", "--role", "program_officer", "--agency", "7", "--password-stdin"],
            Some("a-good-password-1\n"),
            "--agency: no agency has id 7",
        ),
        (
            vec!["budi", "--role", "group_officer", "--group", "x1", "--password-stdin"],
            Some("a-good-password-1\n"),
            "--group: `x1` is not a record id",
        ),
        (
            vec!["b", "--role", "viewer", "--password-stdin"],
            Some("a-good-password-1\n"),
            "USERNAME: must be 3 to 32 characters",
        ),
    ];
    for (extra, input, expected) in cases {
        let r = create(&extra, input);
        assert_eq!(r.code, 1, "{extra:?}: {r:?}");
        assert!(r.stderr.contains(expected), "{extra:?}: expected `{expected}` in {r:?}");
        assert!(!r.stderr.contains("a-good-password-1") && !r.stdout.contains("a-good-password-1"), "{r:?}");
    }
    assert!(store_at(&db).await.users().await.expect("users").is_empty(), "no account was made");

    let r = create(&["budi", "--role", "viewer", "--password-stdin"], Some("a-good-password-1\n"));
    assert_eq!(r.code, 0, "{r:?}");
    let r = create(&["budi", "--role", "viewer", "--password-stdin"], Some("a-good-password-1\n"));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("USERNAME: `budi` is taken"), "{r:?}");
    let r = env.run(&["user", "disable", "nobody", "--database", dbs]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("USERNAME: no account is named `nobody`"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_secret_is_printed_once_and_listed_by_its_prefix() {
    use berdaya_domain::access::secret::secret_hash;

    let env = Env::new();
    let db = env.path("db.sqlite3");
    drop(seeded(&db).await);
    let dbs = db.to_str().unwrap();
    let r = env.run_input(
        &["user", "create", "siti", "--role", "evaluator", "--name", "Siti", "--password-stdin", "--database", dbs],
        &format!("{SITI_PASSWORD}\n"),
    );
    assert_eq!(r.code, 0, "{r:?}");

    let r =
        env.run(&["token", "create", "siti", "--name", "sync kecamatan", "--expires-days", "30", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    let secret = r.stdout.trim().to_string();
    assert!(secret.starts_with("bdy_") && secret.len() == 68 && !secret.contains(char::is_whitespace), "{r:?}");
    assert!(!r.stderr.contains(&secret[4..]), "the secret is printed once: {r:?}");
    assert!(r.stderr.contains("will not be shown again"), "{r:?}");

    let store = store_at(&db).await;
    let now = time::OffsetDateTime::now_utc();
    let (token, user) = store.token_for_secret(&secret_hash(&secret), now).await.expect("lookup").expect("token works");
    assert_eq!(user.username.as_str(), "siti");
    assert_eq!(token.prefix, &secret[..12]);

    let r = env.run(&["token", "list", "siti", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(&secret[..12]) && !r.stdout.contains(&secret[..13]), "only the prefix is listed: {r:?}");
    assert!(r.stdout.contains("sync kecamatan") && r.stdout.contains("active"), "{r:?}");

    let r = env.run(&["token", "create", "siti", "--name", "x", "--expires-days", "0", "--database", dbs]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("--expires-days"), "{r:?}");

    let r = env.run(&["token", "revoke", &token.id.to_string(), "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(store.token_for_secret(&secret_hash(&secret), now).await.expect("lookup").is_none());
    let r = env.run(&["token", "list", "--database", dbs]);
    assert!(r.stdout.contains("revoked"), "{r:?}");
    let r = env.run(&["token", "revoke", "999", "--database", dbs]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("ID: no API token has id 999"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_verify_passes_until_an_entry_is_altered() {
    let env = Env::new();
    let db = env.path("db.sqlite3");
    drop(seeded(&db).await);
    let dbs = db.to_str().unwrap();

    let r = env.run(&["audit", "verify", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    for (name, role) in [("siti", "facilitator"), ("budi", "evaluator")] {
        let mut c = env.command(&[
            "user",
            "create",
            name,
            "--role",
            role,
            "--name",
            name,
            "--password-stdin",
            "--database",
            dbs,
        ]);
        let mut child = c
            .env("USER", "operator")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"rahasia-yang-panjang\n").unwrap();
        assert!(child.wait().unwrap().success());
    }
    let r = env.run(&["user", "disable", "budi", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");

    let r = env.run(&["audit", "verify", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Log audit utuh / audit log intact:"), "{r:?}");
    let entries: u64 =
        r.stdout.trim().rsplit(": ").next().and_then(|s| s.split_whitespace().next()).unwrap().parse().unwrap();
    assert!(entries >= 7, "4 regions, 2 accounts and an update: {r:?}");

    // CLI writes are attributed to `cli:$USER`; password hashes never reach the log.
    let r = env.run(&["audit", "list", "--entity", "users", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.lines().filter(|l| l.contains("cli:operator") && l.contains("create")).count() == 2, "{r:?}");
    assert!(
        r.stdout.lines().any(|l| l.contains("cli:unknown") && l.contains("update") && l.contains("disabled")),
        "{r:?}"
    );
    let store = store_at(&db).await;
    let page = store
        .audit_entries(&berdaya_store::access::AuditFilter::default(), berdaya_store::PageRequest::new(1, 200))
        .await
        .expect("entries");
    assert!(page.items.iter().all(|e| !e.after.as_deref().unwrap_or("").contains("argon2")));
    let target = page
        .items
        .iter()
        .find(|e| e.entity == "users" && e.action == "create" && e.after.as_deref().unwrap_or("").contains("evaluator"))
        .expect("budi's entry")
        .seq;
    drop(store);

    // Someone with the file drops the guard and edits an entry: verify names it.
    let conn = rusqlite::Connection::open(&db).expect("open the SQLite file");
    conn.execute_batch("DROP TRIGGER audit_log_no_update").expect("drop the guard");
    let changed = conn
        .execute("UPDATE audit_log SET after = replace(after, 'evaluator', 'administrator') WHERE seq = ?1", [target])
        .expect("tamper");
    assert_eq!(changed, 1);
    let after: String =
        conn.query_row("SELECT after FROM audit_log WHERE seq = ?1", [target], |row| row.get(0)).expect("read back");
    assert!(after.contains("administrator"), "{after}");
    drop(conn);

    let r = env.run(&["audit", "verify", "--database", dbs]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains(&format!("entry {target}: its content does not match its hash")), "{r:?}");
    assert_eq!(r.stdout.lines().count(), 1, "only the altered entry breaks: {r:?}");
    assert!(r.stderr.contains("audit log BROKEN"), "{r:?}");
}

/// The hidden `_csrf` field of a page.
fn csrf_field(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let at = html.find(marker).unwrap_or_else(|| panic!("no CSRF field in {html}")) + marker.len();
    html[at..at + html[at..].find('"').expect("end of the field")].to_string()
}

/// Reads a child's pipe to the end on a thread.
fn drain(pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(pipe), &mut out);
        out
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn passwords_nik_and_kk_never_reach_the_logs() {
    const ADMIN_PASSWORD: &str = "dinas-sosial-rahasia-2026";
    const WRONG_PASSWORD: &str = "tebakan-salah-31337";
    let env = Env::new();
    let db = env.path("db.sqlite3");
    drop(seeded(&db).await);
    let dbs = db.to_str().unwrap();
    let r = env.run_input(
        &[
            "user",
            "create",
            "kepala",
            "--role",
            "administrator",
            "--name",
            "Kepala",
            "--password-stdin",
            "--database",
            dbs,
        ],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert_eq!(r.code, 0, "{r:?}");
    let r = env.run(&["token", "create", "kepala", "--name", "sinkron", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    let token = r.stdout.trim().to_string();

    // The server, as chatty as an operator can make it.
    let mut child = env
        .command(&["serve", "--database", dbs, "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let stderr = drain(child.stderr.take().expect("stderr"));
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut stdout = String::new();
    let url = loop {
        let Some(Ok(l)) = lines.next() else {
            let _ = child.kill();
            panic!("no address printed: {stdout}");
        };
        stdout.push_str(&l);
        stdout.push('\n');
        if let Some(at) = l.find("http://") {
            break l[at..].split_whitespace().next().expect("url").to_string();
        }
    };
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).map(|l| l + "\n").collect::<String>());

    let kk = kk(7);
    let nik = nik(12, Sex::Female, 3);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = client.get(format!("{url}/login")).send().await.expect("login page").text().await.expect("html");
    let csrf = csrf_field(&form);
    for (password, status) in [(WRONG_PASSWORD, 401), (ADMIN_PASSWORD, 303)] {
        let res = client
            .post(format!("{url}/login"))
            .form(&[("username", "kepala"), ("password", password), ("_csrf", csrf.as_str())])
            .send()
            .await
            .expect("login");
        assert_eq!(res.status().as_u16(), status);
    }
    let home = client.get(format!("{url}/")).send().await.expect("home").text().await.expect("html");
    let csrf = csrf_field(&home);
    let household =
        serde_json::json!({"kk": kk, "address": "Jl. Rahasia 7", "region": VILLAGE, "welfare_stage": "sejahtera_1"});
    let res = client
        .post(format!("{url}/api/v1/households"))
        .header("x-csrf-token", &csrf)
        .json(&household)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<serde_json::Value>().await.expect("json")["id"].as_i64().expect("id");
    let person = serde_json::json!({"nik": nik, "household_id": id.to_string(), "name": "Sri Lestari", "sex": "female",
        "birth_date": "1980-05-12", "relation": "head"});
    let res = client
        .post(format!("{url}/api/v1/people"))
        .header("x-csrf-token", &csrf)
        .json(&person)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 201);
    let person_id = res.json::<serde_json::Value>().await.expect("json")["id"].as_i64().expect("id");
    // The same NIK again, and a household with the same KK: refused, with the number in the answer only.
    let res = client
        .post(format!("{url}/api/v1/people"))
        .header("x-csrf-token", &csrf)
        .json(&person)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 422, "a registered NIK is refused without confirming it");
    let res = client
        .post(format!("{url}/api/v1/households"))
        .header("x-csrf-token", &csrf)
        .json(&household)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 422, "a registered KK is refused without confirming it");
    for path in [
        format!("/people?q={nik}"),
        format!("/api/v1/people?q={nik}"),
        format!("/households?q={kk}"),
        format!("/people/{person_id}"),
        format!("/households/{id}"),
        "/export/registry.csv".to_string(),
    ] {
        let res = client.get(format!("{url}{path}")).send().await.expect("get");
        assert_eq!(res.status().as_u16(), 200, "{path}");
    }
    let res = client.get(format!("{url}/api/v1/people/{person_id}")).bearer_auth(&token).send().await.expect("token");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.expect("body").contains(&nik), "the administrator's token sees the NIK");

    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let logs = format!("{stdout}{}{}", rest.join().expect("stdout"), stderr.join().expect("stderr"));
    assert!(logs.contains("path=/api/v1/people") && logs.contains("TRACE"), "the logs were captured: {logs}");
    for secret in [ADMIN_PASSWORD, WRONG_PASSWORD, &nik, &kk, &token, &token[4..], "$argon2"] {
        assert!(!logs.contains(secret), "`{secret}` is in the logs:\n{logs}");
    }
}

// Audit seals: what the chain alone cannot show ------------------------------------------

/// A connection to the database as its owner, who can switch the log's guards off: the
/// attacker the seals are for. The seals and their key stay out of its reach.
enum Owner {
    Sqlite(rusqlite::Connection),
    Postgres(sqlx::PgConnection),
}

impl Owner {
    async fn execute(&mut self, sql: &str) {
        match self {
            Owner::Sqlite(c) => c.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}")),
            Owner::Postgres(c) => {
                sqlx::Executor::execute(&mut *c, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
    }

    async fn guards_off(&mut self) {
        match self {
            Owner::Sqlite(_) => {
                self.execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete").await
            }
            Owner::Postgres(_) => self.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard").await,
        }
    }

    async fn set_entry(&mut self, e: &berdaya_domain::access::AuditEntry) {
        match self {
            Owner::Sqlite(c) => {
                c.execute(
                    "UPDATE audit_log SET after = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
                    rusqlite::params![e.seq, e.after, e.prev_hash, e.hash],
                )
                .expect("rewrite entry");
            }
            Owner::Postgres(c) => {
                sqlx::query("UPDATE audit_log SET after = $2, prev_hash = $3, hash = $4 WHERE seq = $1")
                    .bind(e.seq)
                    .bind(&e.after)
                    .bind(&e.prev_hash)
                    .bind(&e.hash)
                    .execute(&mut *c)
                    .await
                    .expect("rewrite entry");
            }
        }
    }

    /// Edits entry `seq` and recomputes the hash of every entry from it on, as
    /// `berdaya_domain::access::chain_hash` does: a chain consistent with itself.
    async fn rechain(&mut self, store: &dyn Store, seq: i64) {
        let mut entries = Vec::new();
        store
            .audit_chain(&mut |e| {
                entries.push(e);
                true
            })
            .await
            .expect("read the chain");
        self.guards_off().await;
        let mut prev = entries[seq as usize - 2].hash.clone();
        for mut e in entries.into_iter().skip(seq as usize - 1) {
            if e.seq == seq {
                e.after = e.after.map(|a| a.replace("Kabupaten", "Kota"));
            }
            e.prev_hash = prev;
            e.hash = e.expected_hash();
            prev = e.hash.clone();
            self.set_entry(&e).await;
        }
    }
}

/// 61 sealed entries made through the store (the test process does not seal them).
async fn sixty_one_entries(url: &str) -> Arc<dyn Store> {
    let store = open(&DatabaseUrl::parse(url).expect("url")).await.expect("open store");
    let mut regions = vec![("33".to_string(), "Jawa Tengah".to_string(), "province")];
    regions.extend((10..70).map(|n| (format!("33.{n}"), format!("Kabupaten {n}"), "regency")));
    for (code, name, kind) in regions {
        let region = RegionDraft { code, name, kind: kind.into() }.parse().expect("region");
        store.create_region(&region).await.expect("create region");
    }
    store
}

/// Cut, rewritten and unsealed logs, on one backend. `a` and `b` are empty databases, each
/// with its owner's connection.
async fn seals_show_cuts_and_rewrites(env: &Env, (a, mut owner_a): (&str, Owner), (b, mut owner_b): (&str, Owner)) {
    let verify = |db: &str| env.run(&["audit", "verify", "--database", db]);

    // A log nobody sealed is intact by its chain, with a warning.
    let store = sixty_one_entries(a).await;
    let r = verify(a);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("all 61 entries are unsealed"), "{r:?}");

    let r = env.run(&["audit", "seal", "--database", a]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("sealed: up to entry 61"), "{r:?}");
    let r = verify(a);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("seals: 1 in") && r.stdout.contains("up to entry 61"), "{r:?}");
    assert!(r.stdout.ends_with("audit log intact: 61 entries\n"), "{r:?}");
    assert!(!r.stderr.contains("unsealed"), "{r:?}");

    // A write after the last seal is reported, and fails only on request.
    let region = RegionDraft { code: "33.70".into(), name: "Kabupaten 70".into(), kind: "regency".into() };
    store.create_region(&region.parse().expect("region")).await.expect("create region");
    let r = verify(a);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("1 unsealed entries (after entry 61)"), "{r:?}");
    let r = env.run(&["audit", "verify", "--require-sealed", "--database", a]);
    assert_eq!(r.code, 1, "{r:?}");

    // Entry 30 edited and every hash after it recomputed: the chain holds, the seal does not.
    owner_a.rechain(store.as_ref(), 30).await;
    let r = verify(a);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!r.stdout.contains("does not match its hash"), "the chain itself is consistent: {r:?}");
    assert!(r.stdout.contains("re-chained at or before entry 61"), "{r:?}");
    assert!(r.stderr.contains("audit log BROKEN"), "{r:?}");
    drop(store);

    // A CLI command that writes seals the log after it.
    drop(sixty_one_entries(b).await);
    let r = env.run_input(
        &["user", "create", "siti", "--role", "viewer", "--name", "Siti", "--password-stdin", "--database", b],
        "rahasia-yang-panjang\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    let r = verify(b);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("up to entry 62") && !r.stderr.contains("unsealed"), "{r:?}");

    // The newest 50 entries deleted.
    owner_b.guards_off().await;
    owner_b.execute("DELETE FROM audit_log WHERE seq > 12").await;
    let r = verify(b);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("truncated: 50 sealed entries missing after entry 12"), "{r:?}");
    let r = env.run(&["audit", "seal", "--database", b]);
    assert_eq!(r.code, 1, "a cut log is not sealed as if it were whole: {r:?}");
    assert!(r.stderr.contains("ends at entry 12 but was sealed up to entry 62"), "{r:?}");

    // Every entry deleted.
    owner_b.execute("DELETE FROM audit_log").await;
    let r = verify(b);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("truncated: 62 sealed entries missing after entry 0"), "{r:?}");
    let r = env.run(&["audit", "seal", "--database", b]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("the audit log is empty but was sealed up to entry 62"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_seals_show_cuts_and_rewrites_on_sqlite() {
    let env = Env::new();
    let (a, b) = (env.path("a.sqlite3"), env.path("b.sqlite3"));
    let owner = |p: &Path| Owner::Sqlite(rusqlite::Connection::open(p).expect("open the SQLite file"));
    let (owner_a, owner_b) = (owner(&a), owner(&b));
    seals_show_cuts_and_rewrites(&env, (a.to_str().unwrap(), owner_a), (b.to_str().unwrap(), owner_b)).await;
    assert!(env.path("a.sqlite3.seals").is_file(), "the seals sit beside the database");
    let key = walk(&env.path("data")).into_iter().find(|p| p.ends_with("audit.key")).expect("a key in the data dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).expect("key").permissions().mode() & 0o777, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_seals_show_cuts_and_rewrites_on_postgres() {
    use berdaya_store_postgres::testing::{TestDatabase, server_url};
    use sqlx::Connection;
    let Some(server) = server_url() else { return };
    let env = Env::new();
    let a = TestDatabase::create(&server).await.expect("create a test database");
    let b = TestDatabase::create(&server).await.expect("create a test database");
    // Migrated first, so the owner's connection sees the tables.
    drop(open(&DatabaseUrl::parse(&a.url).expect("url")).await.expect("migrate"));
    drop(open(&DatabaseUrl::parse(&b.url).expect("url")).await.expect("migrate"));
    let owner_a = Owner::Postgres(sqlx::PgConnection::connect(&a.url).await.expect("connect"));
    let owner_b = Owner::Postgres(sqlx::PgConnection::connect(&b.url).await.expect("connect"));
    seals_show_cuts_and_rewrites(&env, (&a.url, owner_a), (&b.url, owner_b)).await;
    a.drop_database().await.expect("drop");
    b.drop_database().await.expect("drop");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_starts_the_seals_again_and_a_forged_seal_shows() {
    let env = Env::new();
    let db = env.path("db.sqlite3");
    let dbs = db.to_str().unwrap();
    drop(seeded(&db).await);
    assert_eq!(env.run(&["audit", "seal", "--database", dbs]).code, 0);
    let backup = env.path("backup.sqlite3");
    let r = env.run(&["backup", "--out", backup.to_str().unwrap(), "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = env.run_input(
        &["user", "create", "siti", "--role", "viewer", "--name", "Siti", "--password-stdin", "--database", dbs],
        "rahasia-yang-panjang\n",
    );
    assert_eq!(r.code, 0, "{r:?}");

    // The backup has 4 entries, the seals reach 5: a restore says so, signed.
    let r = env.run(&["restore", "--from", backup.to_str().unwrap(), "--force", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = env.run(&["audit", "verify", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("restored from a backup: 2 earlier seals"), "{r:?}");

    // A seal line edited by hand (here: moved to another entry) does not verify.
    let seals = env.path("db.sqlite3.seals");
    let text = std::fs::read_to_string(&seals).expect("seals");
    let forged = text.replacen("restore 4 ", "restore 3 ", 1);
    assert_ne!(forged, text);
    std::fs::write(&seals, forged).expect("forge");
    let r = env.run(&["audit", "verify", "--database", dbs]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("seal line 4 of") && r.stdout.contains("signature does not match"), "{r:?}");
}

/// Starts `berdaya serve` and waits until it answers, so that it stops gracefully on SIGTERM.
async fn start_server(env: &Env, args: &[&str]) -> std::process::Child {
    let mut child = env.command(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let marker = "Berdaya berjalan di ";
    let url = lines.find_map(|l| {
        let l = l.ok()?;
        let at = l.find(marker)?;
        l[at + marker.len()..].split_whitespace().next().map(str::to_string)
    });
    let Some(url) = url else {
        let _ = child.kill();
        panic!("the server did not start");
    };
    // Keep reading: the server prints more, and a closed pipe would stop it.
    std::thread::spawn(move || lines.for_each(drop));
    let health = reqwest::get(format!("{url}/healthz")).await.expect("health");
    assert!(health.status().is_success());
    child
}

/// Waits up to ten seconds for `file` to hold `text`.
fn wait_for(file: &Path, text: &str) -> bool {
    (0..100).any(|_| {
        let found = std::fs::read_to_string(file).is_ok_and(|t| t.contains(text));
        if !found {
            std::thread::sleep(Duration::from_millis(100));
        }
        found
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_seals_the_log_as_it_grows_and_on_shutdown() {
    let env = Env::new();
    let db = env.path("db.sqlite3");
    let dbs = db.to_str().unwrap();
    let seals = env.path("db.sqlite3.seals");
    let store = seeded(&db).await;
    let region = |code: &str| RegionDraft { code: code.into(), name: code.into(), kind: "regency".into() }.parse();

    let mut child =
        start_server(&env, &["serve", "--database", dbs, "--bind", "127.0.0.1:0", "--seal-every", "1"]).await;
    assert!(wait_for(&seals, "seal 4 "), "the log is sealed when the server starts");
    store.create_region(&region("33.17").expect("region")).await.expect("create");
    assert!(wait_for(&seals, "seal 5 "), "and again once it grew");
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().expect("wait").success());

    let mut child =
        start_server(&env, &["serve", "--database", dbs, "--bind", "127.0.0.1:0", "--seal-every", "3600"]).await;
    store.create_region(&region("33.18").expect("region")).await.expect("create");
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().expect("wait").success());
    assert!(wait_for(&seals, "seal 6 "), "the last seal is made on shutdown");
    let r = env.run(&["audit", "verify", "--require-sealed", "--database", dbs]);
    assert_eq!(r.code, 0, "{r:?}");
}
