//! The PKH calculators of the contract, end to end: the built `berdaya` binary run on CSV
//! files in a temporary directory, its JSON read back. `pkh simulate`: each component, the
//! one-per-person rule, the 4-component cap and its tie rule, stage amounts in whole rupiah
//! with the remainder in the last stage (through `--rules`), families in first-appearance
//! order. `pkh ladder`: each transition, final termination, an upheld appeal. Bad rows and
//! bad headers: refused with the row and column named, exit code 1, nothing on stdout.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

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

fn json_of(r: &Run) -> Value {
    assert_eq!(r.code, 0, "{r:?}");
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {r:?}"))
}

fn simulate(dir: &Path, csv: &str, on: &str, extra: &[&str]) -> Run {
    let members = write(dir, "members.csv", csv);
    let mut args = vec!["pkh", "simulate", "--members", members.to_str().unwrap(), "--on", on, "--json"];
    args.extend_from_slice(extra);
    run(&args)
}

fn ladder(dir: &Path, csv: &str) -> Run {
    let history = write(dir, "history.csv", csv);
    run(&["pkh", "ladder", "--history", history.to_str().unwrap(), "--json"])
}

/// `(person, component, annual, counted)` of a family's components, in order.
fn components(family: &Value) -> Vec<(String, String, i64, bool)> {
    family["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            (
                c["person"].as_str().unwrap().to_string(),
                c["component"].as_str().unwrap().to_string(),
                c["annual"].as_i64().unwrap(),
                c["counted"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn c(person: &str, component: &str, annual: i64, counted: bool) -> (String, String, i64, bool) {
    (person.into(), component.into(), annual, counted)
}

#[test]
fn simulate_each_component_and_one_per_person() {
    let dir = tempfile::tempdir().unwrap();
    // Columns in another order than the contract lists them.
    let csv = "person,family,school,birth_date,pregnant,disability\n\
               toddler,K2,none,2020-03-01,0,none\n\
               mother,K1,none,1992-01-01,1,severe\n\
               pupil,K1,smp,2011-06-01,0,none\n\
               grandma,K2,none,1960-01-01,0,none\n\
               grandpa,K2,none,1955-01-01,0,severe\n\
               youth,K2,none,2005-01-01,0,none\n";
    let out = json_of(&simulate(dir.path(), csv, "2024-07-01", &[]));
    let families = out["families"].as_array().unwrap();
    assert_eq!(families.len(), 2);
    // First-appearance order: K2 is on the first row.
    assert_eq!(families[0]["family"], "K2");
    assert_eq!(families[1]["family"], "K1");
    // K2: toddler 3.0M; grandpa disabled and elderly (2.4M each: disability listed first),
    // grandma elderly 2.4M, grandpa older so first among equals; youth holds nothing.
    assert_eq!(
        components(&families[0]),
        [
            c("toddler", "anak_usia_dini", 3_000_000, true),
            c("grandpa", "disabilitas_berat", 2_400_000, true),
            c("grandma", "lansia", 2_400_000, true),
        ]
    );
    assert_eq!(families[0]["annual"], 7_800_000);
    assert_eq!(families[0]["per_stage"], json!([1_950_000, 1_950_000, 1_950_000, 1_950_000]));
    // K1: the pregnant mother with a disability holds ibu_hamil only.
    assert_eq!(
        components(&families[1]),
        [c("mother", "ibu_hamil", 3_000_000, true), c("pupil", "smp", 1_500_000, true)]
    );
    assert_eq!(families[1]["annual"], 4_500_000);
}

#[test]
fn simulate_counts_four_highest_first_older_then_earlier_row_on_ties() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "family,person,birth_date,pregnant,school,disability\n\
               F,sd_young,2016-01-01,0,sd,none\n\
               F,sd_twin_b,2014-05-05,0,sd,none\n\
               F,sd_twin_a,2014-05-05,0,sd,none\n\
               F,sd_old,2013-01-01,0,sd,none\n\
               F,sma,2008-01-01,0,sma,none\n\
               F,smp,2011-01-01,0,smp,none\n";
    let out = json_of(&simulate(dir.path(), csv, "2024-07-01", &[]));
    let f = &out["families"][0];
    // 2.0M, 1.5M, then four SD pupils of 900k: the oldest, then the twins by row (b is on
    // the earlier row), and the youngest is over the cap.
    assert_eq!(
        components(f),
        [
            c("sma", "sma", 2_000_000, true),
            c("smp", "smp", 1_500_000, true),
            c("sd_old", "sd", 900_000, true),
            c("sd_twin_b", "sd", 900_000, true),
            c("sd_twin_a", "sd", 900_000, false),
            c("sd_young", "sd", 900_000, false),
        ]
    );
    assert_eq!(f["annual"], 5_300_000);
    assert_eq!(f["per_stage"], json!([1_325_000, 1_325_000, 1_325_000, 1_325_000]));
}

#[test]
fn simulate_splits_stages_in_whole_rupiah_with_the_remainder_last() {
    let dir = tempfile::tempdir().unwrap();
    // The default rules of 2024, with an amount that does not divide by four.
    let mut rules = serde_json::to_value(berdaya_domain::pkh::rules::PkhRules::default_for(2024)).unwrap();
    rules["components"][0]["annual"] = json!(3_000_003);
    let rules_file = write(dir.path(), "rules.json", &rules.to_string());
    let csv = "family,person,birth_date,pregnant,school,disability\nF,ibu,1990-01-01,1,none,none\n";
    let out = json_of(&simulate(dir.path(), csv, "2024-03-01", &["--rules", rules_file.to_str().unwrap()]));
    let f = &out["families"][0];
    assert_eq!(f["annual"], 3_000_003);
    assert_eq!(f["per_stage"], json!([750_000, 750_000, 750_000, 750_003]));

    // A broken rules document is refused naming the field, nothing printed.
    rules["ladder"]["suspended_after"] = json!(0);
    let broken = write(dir.path(), "broken.json", &rules.to_string());
    let r = simulate(dir.path(), csv, "2024-03-01", &["--rules", broken.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains("--rules") && r.stderr.contains("ladder"), "{r:?}");
}

#[test]
fn simulate_refuses_bad_rows_naming_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "family,person,birth_date,pregnant,school,disability\n\
               F,a,1990-01-01,1,none,none\n\
               F,b,2025-01-01,0,sd,none\n\
               F,c,2015-01-01,yes,college,blind\n";
    let r = simulate(dir.path(), csv, "2024-07-01", &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    for needle in [
        "row 3, column `birth_date`",
        "row 4, column `pregnant`",
        "row 4, column `school`: `college` is not one of: none, sd, smp, sma",
        "row 4, column `disability`",
    ] {
        assert!(r.stderr.contains(needle), "{needle} in {r:?}");
    }
    // Unknown and missing columns.
    let r = simulate(dir.path(), "family,person,birth_date,pregnant,school,disability,nik\n", "2024-07-01", &[]);
    assert!(r.code == 1 && r.stdout.is_empty() && r.stderr.contains("`nik`"), "{r:?}");
    let r = simulate(dir.path(), "family,person,birth_date,pregnant,school\n", "2024-07-01", &[]);
    assert!(r.code == 1 && r.stdout.is_empty() && r.stderr.contains("`disability`"), "{r:?}");
    // A bad date option.
    let r = simulate(dir.path(), "family,person,birth_date,pregnant,school,disability\n", "2024-13-01", &[]);
    assert!(r.code == 1 && r.stderr.contains("--on"), "{r:?}");
}

/// `(period, status)` of a family's timeline.
fn timeline(family: &Value) -> Vec<(String, String)> {
    family["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["period"].as_str().unwrap().to_string(), s["status"].as_str().unwrap().to_string()))
        .collect()
}

fn statuses(family: &Value) -> Vec<String> {
    timeline(family).into_iter().map(|(_, s)| s).collect()
}

#[test]
fn ladder_each_transition_termination_and_appeal() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "family,period,compliant,appeal_upheld\n\
               W,2023-1,0,0\n\
               W,2023-2,1,0\n\
               S,2023-1,0,0\n\
               S,2023-2,0,0\n\
               S,2023-3,1,0\n\
               T,2023-1,0,\n\
               T,2023-2,0,\n\
               T,2023-3,0,\n\
               T,2023-4,1,\n\
               A,2023-1,0,0\n\
               A,2023-2,0,0\n\
               A,2023-3,0,0\n\
               A,2023-4,1,1\n\
               A,2024-1,0,0\n";
    let out = json_of(&ladder(dir.path(), csv));
    let f = out["families"].as_array().unwrap();
    assert_eq!(f.iter().map(|x| x["family"].as_str().unwrap()).collect::<Vec<_>>(), ["W", "S", "T", "A"]);
    assert_eq!(statuses(&f[0]), ["warning", "active"]);
    assert_eq!(f[0]["final"], "active");
    assert_eq!(statuses(&f[1]), ["warning", "suspended", "active"]);
    // Termination is final: a compliant period after it changes nothing.
    assert_eq!(statuses(&f[2]), ["warning", "suspended", "terminated", "terminated"]);
    assert_eq!(f[2]["final"], "terminated");
    // An upheld appeal reinstates; the count starts again.
    assert_eq!(statuses(&f[3]), ["warning", "suspended", "terminated", "active", "warning"]);
    assert_eq!(timeline(&f[3])[3].0, "2023-4");
    assert_eq!(f[3]["final"], "warning");
    // Without the optional column.
    let out = json_of(&ladder(dir.path(), "family,period,compliant\nX,2024-1,0\nX,2024-2,0\n"));
    assert_eq!(out["families"][0]["final"], "suspended");
}

#[test]
fn ladder_refuses_periods_out_of_order_and_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "family,period,compliant\nA,2024-2,1\nB,2024-1,1\nA,2024-1,0\nB,2024/2,1\nB,2024-3,2\n";
    let r = ladder(dir.path(), csv);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    for needle in
        ["row 4, column `period`: period 2024-1 is not after", "row 5, column `period`", "row 6, column `compliant`"]
    {
        assert!(r.stderr.contains(needle), "{needle} in {r:?}");
    }
    let r = ladder(dir.path(), "family,period\nA,2024-1\n");
    assert!(r.code == 1 && r.stderr.contains("`compliant`"), "{r:?}");
}

#[test]
fn tables_without_json() {
    let dir = tempfile::tempdir().unwrap();
    let members = write(
        dir.path(),
        "m.csv",
        "family,person,birth_date,pregnant,school,disability\nF,kakek,1950-01-01,0,none,severe\n",
    );
    let r = run(&["pkh", "simulate", "--members", members.to_str().unwrap(), "--on", "2024-07-01"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("disabilitas_berat") && r.stdout.contains("2.400.000"), "{r:?}");
    assert!(r.stdout.contains("not held: holds disabilitas_berat"), "{r:?}");
    let history = write(dir.path(), "h.csv", "family,period,compliant\nF,2024-1,0\n");
    let r = run(&["pkh", "ladder", "--history", history.to_str().unwrap()]);
    assert!(r.code == 0 && r.stdout.contains("warning"), "{r:?}");
}
