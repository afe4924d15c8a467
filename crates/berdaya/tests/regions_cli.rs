//! `berdaya import regions` end to end: the built binary, a clean environment and a
//! temporary home; the database checked through the store.

use std::process::Output;

use berdaya::store::{DatabaseUrl, open};
use berdaya_domain::registry::RegionCode;

mod common;
use common::Env;

fn run(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out: Output = env.command(args).output().expect("run berdaya");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_list_loads_once_and_a_newer_list_renames_adds_and_keeps() {
    let env = Env::new();
    let db = env.path("r.sqlite3");
    let db_arg = db.display().to_string();
    let import = |file: Option<&str>| {
        let mut args = vec!["import", "regions"];
        args.extend(file);
        args.extend(["--database", &db_arg]);
        run(&env, &args)
    };

    let (code, out, err) = import(None);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(
            "Loaded Kepmendagri 300.2.2-2138/2025: 91599 regions, 91599 added, 0 renamed; 0 codes not in the list"
        ),
        "{out}"
    );
    let (code, out, err) = import(None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("91599 regions, 0 added, 0 renamed; nothing changed"), "{out}");

    // A newer list in the shipped shape: one rename, one new village; the rest is kept.
    let newer = env.path("newer.csv");
    std::fs::write(&newer, "code,name\n33.16.02.2006,Pilang Baru\n3316022099,Desa Baru\n").expect("write");
    let (code, out, err) = import(Some(&newer.display().to_string()));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 regions, 1 added, 1 renamed; 91598 codes not in the list were kept"), "{out}");

    // A bad list: every bad row named, nothing written.
    let bad = env.path("bad.csv");
    std::fs::write(&bad, "code,name\n33.16.02.2100,Baik\n33.70,Tidak Ada\n33.16.02.2101,\n").expect("write");
    let (code, _, err) = import(Some(&bad.display().to_string()));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("row 3, column code: `33.70` is not a Kemendagri code"), "{err}");
    assert!(err.contains("row 4, column name: is required"), "{err}");
    assert!(err.contains("nothing was loaded"), "{err}");
    // An orphan (its district is nowhere) is refused by the store, naming the row.
    let orphan = env.path("orphan.sql");
    std::fs::write(&orphan, "INSERT INTO wilayah (kode, nama) VALUES\n('33.16.98.2001','Yatim');\n").expect("write");
    let (code, _, err) = import(Some(&orphan.display().to_string()));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("row 2: the parent 33.16.98 of 33.16.98.2001"), "{err}");

    let store = open(&DatabaseUrl::Sqlite(db.clone())).await.expect("open");
    assert_eq!(store.registry_counts().await.expect("counts").regions, 91_600);
    let code = |s: &str| RegionCode::parse(s).expect("code");
    assert_eq!(store.region(&code("33.16.02.2006")).await.expect("renamed").name, "Pilang Baru");
    assert_eq!(store.region(&code("33.16.02.2099")).await.expect("added").name, "Desa Baru");
    assert!(store.region(&code("33.16.02.2100")).await.is_err(), "a bad list writes nothing");
    drop(store);

    // The loads were recorded and sealed; the log verifies.
    let (code, out, err) = run(&env, &["audit", "verify", "--database", &db_arg]);
    assert_eq!(code, 0, "{out}\n{err}");
}
