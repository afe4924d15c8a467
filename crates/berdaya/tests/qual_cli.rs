//! `berdaya qual`, end to end: the built binary on files in a temporary directory.
//!
//! `qual agreement`: Krippendorff's alpha on Krippendorff's own reliability data (4 coders ×
//! 12 units with missing values: nominal 0.743, ordinal 0.815, interval 0.849; "Computing
//! Krippendorff's Alpha-Reliability", 2011), Cohen's kappa on the usual 20/5/10/15 yes–no
//! table (0.40) and on Artstein & Poesio's (2008) Stat/IReq table (0.348); bad rows refused
//! with the row and column named. `qual import` then `qual export` of a real NVivo project
//! keeps every source text, code, coding position, coder and set, with their GUIDs.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use berdaya_files::qdpx::{QdaCode, QdaProject, ReadOptions, read_qdpx};
use serde_json::Value;

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

fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_berdaya"))
        .args(args)
        .env_remove("BERDAYA_DATABASE")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run berdaya");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write file");
    p
}

fn agreement(dir: &Path, csv: &str) -> Value {
    let f = write(dir, "units.csv", csv);
    let r = run(&["qual", "agreement", "--units", f.to_str().unwrap(), "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {r:?}"))
}

fn close(v: &Value, expected: f64) {
    let x = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((x - expected).abs() < 0.0005, "{x} is not {expected} to three decimals");
}

/// Rows of a 2×2 table of two coders: `(a, b, count)`.
fn table(cells: &[(&str, &str, usize)]) -> String {
    let mut out = String::from("unit,coder,value\n");
    let mut n = 0;
    for (a, b, count) in cells {
        for _ in 0..*count {
            n += 1;
            out.push_str(&format!("u{n},A,{a}\nu{n},B,{b}\n"));
        }
    }
    out
}

#[test]
fn krippendorff_2011_reliability_data_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let coders = [
        ("A", "1,2,3,3,2,1,4,1,2,.,.,."),
        ("B", "1,2,3,3,2,2,4,1,2,5,.,3"),
        ("C", ".,3,3,3,2,3,4,2,2,5,1,."),
        ("D", "1,2,3,3,2,4,4,1,2,5,1,."),
    ];
    let mut csv = String::from("unit,coder,value\n");
    for (coder, values) in coders {
        for (i, v) in values.split(',').enumerate() {
            if v != "." {
                csv.push_str(&format!("{},{coder},{v}\n", i + 1));
            }
        }
    }
    let j = agreement(dir.path(), &csv);
    assert_eq!((j["coders"].as_u64(), j["units"].as_u64()), (Some(4), Some(12)), "{j}");
    assert!(j["cohen_kappa"].is_null(), "kappa only for two coders: {j}");
    close(&j["krippendorff_alpha"]["nominal"], 0.743);
    close(&j["krippendorff_alpha"]["ordinal"], 0.815);
    close(&j["krippendorff_alpha"]["interval"], 0.849);
}

#[test]
fn cohen_kappa_of_the_yes_no_table_and_artstein_poesio_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let j = agreement(dir.path(), &table(&[("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15)]));
    close(&j["cohen_kappa"], 0.40);
    close(&j["percent_agreement"], 0.70);
    assert!(j["krippendorff_alpha"]["ordinal"].is_null() && j["krippendorff_alpha"]["interval"].is_null(), "{j}");
    let j = agreement(
        dir.path(),
        &table(&[("Stat", "Stat", 20), ("IReq", "Stat", 10), ("Stat", "IReq", 20), ("IReq", "IReq", 50)]),
    );
    close(&j["cohen_kappa"], 0.348);
}

#[test]
fn bad_reliability_files_name_the_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bad.csv", "unit,coder,value\n1,A,x\n1,A,y\n,B,z\n");
    let r = run(&["qual", "agreement", "--units", f.to_str().unwrap(), "--json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains("row 3") && r.stderr.contains("row 4") && r.stderr.contains("`unit`"), "{r:?}");
    let f = write(dir.path(), "header.csv", "unit,rater,value\n1,A,x\n");
    let r = run(&["qual", "agreement", "--units", f.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("rater"), "{r:?}");
}

fn flatten(codes: &[QdaCode], parent: Option<&str>, out: &mut Vec<(String, Option<String>)>) {
    for c in codes {
        out.push((c.guid.clone(), parent.map(str::to_string)));
        flatten(&c.children, Some(&c.guid), out);
    }
}

/// `(source guid, start, end, code guid, coder guid, coding guid)` of every coding.
fn codings(p: &QdaProject) -> Vec<(String, usize, usize, String, Option<String>, String)> {
    let mut out: Vec<_> = p
        .sources
        .iter()
        .flat_map(|s| {
            s.selections.iter().flat_map(move |x| {
                x.codings.iter().map(move |c| {
                    (
                        s.guid.clone(),
                        x.start,
                        x.end,
                        c.code_guid.clone(),
                        c.creating_user.clone().or_else(|| x.creating_user.clone()),
                        c.guid.clone(),
                    )
                })
            })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn import_then_export_of_a_real_nvivo_project_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.sqlite3");
    let db = db.to_str().unwrap();
    let key = dir.path().join("a.key");
    let key = key.to_str().unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../files/tests/fixtures/refi/nvivo12-excerpt.qdpx");
    let r = run(&["migrate", "--database", db, "--audit-key", key]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = run(&["qual", "import", "--database", db, "--audit-key", key, fixture]);
    assert_eq!(r.code, 0, "{r:?}");
    let id = r.stdout.trim().to_string();
    assert!(id.parse::<i64>().is_ok(), "prints the new study's id: {r:?}");
    let out = dir.path().join("again.qdpx");
    let r =
        run(&["qual", "export", "--database", db, "--audit-key", key, "--study", &id, "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");

    let original = std::fs::read(fixture).unwrap();
    let origin = berdaya_files::qdpx::read_origin(Cursor::new(&original)).unwrap().unwrap_or_default();
    let before = read_qdpx(Cursor::new(&original), ReadOptions::for_origin(&origin)).expect("the fixture reads");
    let after = read_qdpx(Cursor::new(std::fs::read(&out).unwrap()), ReadOptions::default()).expect("the export reads");
    // Every source text, with its GUID.
    let texts = |p: &QdaProject| {
        let mut v: Vec<(String, String)> = p.sources.iter().map(|s| (s.guid.clone(), s.text.clone())).collect();
        v.sort();
        v
    };
    assert_eq!(texts(&before), texts(&after));
    // Every code, its GUID and its place in the tree.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    flatten(&before.codes, None, &mut a);
    flatten(&after.codes, None, &mut b);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // Every coding: position, code, coder, GUID.
    assert_eq!(codings(&before), codings(&after));
    assert!(!codings(&before).is_empty());
    // Every coder and set.
    let users = |p: &QdaProject| {
        let mut v: Vec<String> = p.users.iter().map(|u| u.guid.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(users(&before), users(&after));
    let sets = |p: &QdaProject| {
        let mut v: Vec<(String, Vec<String>)> = p
            .sets
            .iter()
            .map(|s| {
                let mut m = s.member_codes.clone();
                m.sort();
                (s.guid.clone(), m)
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(sets(&before), sets(&after));
    // And exporting again gives the same GUIDs (stable across exports).
    let out2 = dir.path().join("twice.qdpx");
    let r =
        run(&["qual", "export", "--database", db, "--audit-key", key, "--study", &id, "--out", out2.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let twice = read_qdpx(Cursor::new(std::fs::read(&out2).unwrap()), ReadOptions::default()).unwrap();
    assert_eq!(codings(&after), codings(&twice));
    assert_eq!(sets(&after), sets(&twice));
}
