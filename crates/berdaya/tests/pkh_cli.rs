//! The PKH calculators of the contract, end to end: the built `berdaya` binary run on CSV
//! files in a temporary directory, its JSON read back. `pkh simulate`: each component, the
//! one-per-person rule, the 4-component cap and its tie rule, stage amounts in whole rupiah
//! with the remainder in the last stage (through `--rules`), families in first-appearance
//! order. `pkh ladder`: each transition, final termination, an upheld appeal. `kotaku
//! slum-score` (the community programs' calculator, here beside them): every band boundary,
//! the classes, `--rules`. Bad rows and bad headers: refused with the row and column named,
//! exit code 1, nothing on stdout.

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

// --- kotaku slum-score ------------------------------------------------------------------------

const PARAMETERS: [&str; 16] =
    ["1a", "1b", "1c", "2a", "2b", "3a", "3b", "4a", "4b", "4c", "5a", "5b", "6a", "6b", "7a", "7b"];

/// A baseline row for every parameter of `area`, from `measure(i)` = (affected, total).
fn baseline(area: &str, measure: impl Fn(usize) -> (u64, u64)) -> String {
    PARAMETERS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (a, t) = measure(i);
            format!("{area},{p},{a},{t}\n")
        })
        .collect()
}

fn slum(dir: &Path, csv: &str, extra: &[&str]) -> Run {
    let file = write(dir, "baseline.csv", csv);
    let mut args = vec!["kotaku", "slum-score", "--baseline", file.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn slum_scores_meet_every_boundary_exactly() {
    let dir = tempfile::tempdir().unwrap();
    // Each band's edge and one step under it, over totals that do not divide evenly.
    let edges = [(76, 100), (75, 100), (51, 100), (50, 100), (25, 100), (24, 100), (19, 25), (759_999, 1_000_000)];
    let mut csv = String::from("area,parameter,affected,total\n");
    csv.push_str(&baseline("RT 3 Lk 1", |i| edges.get(i).copied().unwrap_or((0, 9))));
    // 12 parameters at 76 % (60, heavy) and 4 at 0; then 59 = 11×5 + 1×3 + 1×1 (medium).
    csv.push_str(&baseline("RT 5 Lk 1", |i| if i < 12 { (19, 25) } else { (0, 1) }));
    csv.push_str(&baseline("RT 2 Lk 2", |i| match i {
        0..=10 => (4, 4),
        11 => (2, 3),
        12 => (1, 3),
        _ => (0, 3),
    }));
    // 16 = 16 × 1 (light); 15 = 15 × 1 (not a slum).
    csv.push_str(&baseline("RT 3 Lk 2", |_| (1, 4)));
    csv.push_str(&baseline("RT 9", |i| if i < 15 { (1, 4) } else { (0, 4) }));
    let out = json_of(&slum(dir.path(), &csv, &[]));
    let areas = out["areas"].as_array().unwrap();
    let first: Vec<i64> =
        areas[0]["parameters"].as_array().unwrap().iter().map(|p| p["score"].as_i64().unwrap()).collect();
    assert_eq!(first[..8], [5, 3, 3, 1, 1, 0, 5, 3]);
    assert_eq!(
        areas[0]["parameters"][0],
        json!({"parameter": "1a", "share": 0.76, "affected": 76, "total": 100, "score": 5})
    );
    let classes: Vec<(&str, i64, &str)> = areas
        .iter()
        .map(|a| (a["area"].as_str().unwrap(), a["total"].as_i64().unwrap(), a["class"].as_str().unwrap()))
        .collect();
    assert_eq!(
        classes,
        [
            ("RT 3 Lk 1", 21, "ringan"),
            ("RT 5 Lk 1", 60, "berat"),
            ("RT 2 Lk 2", 59, "sedang"),
            ("RT 3 Lk 2", 16, "ringan"),
            ("RT 9", 15, "tidak_kumuh"),
        ]
    );
    // The bands and classes as data: a stricter top band moves 19/25 down to 3.
    let rules = write(
        dir.path(),
        "rules.json",
        r#"{"bands": [{"min_percent": 80, "score": 5}, {"min_percent": 51, "score": 3}, {"min_percent": 25, "score": 1}],
            "classes": [{"class": "berat", "min_total": 60}, {"class": "sedang", "min_total": 36}, {"class": "ringan", "min_total": 16}]}"#,
    );
    let out = json_of(&slum(dir.path(), &csv, &["--rules", rules.to_str().unwrap()]));
    assert_eq!(out["areas"][1]["total"], 36);
    assert_eq!(out["areas"][1]["class"], "sedang");
}

#[test]
fn slum_baselines_with_bad_rows_are_refused_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("area,parameter,affected,total\n");
    csv.push_str(&baseline("A", |i| match i {
        2 => (1, 0),   // row 4: total 0
        3 => (11, 10), // row 5: more affected than the total
        _ => (1, 10),
    }));
    csv.push_str(
        &baseline("B", |_| (1, 10))
            .lines()
            .filter(|l| !l.contains(",4b,"))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    );
    let r = slum(dir.path(), &csv, &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    for expected in [
        "row 4, column `total`: the total must be more than 0",
        "row 5, column `affected`: affected (11) is more than the total (10)",
        "row 18, column `parameter`: area B is missing the parameters 4b",
    ] {
        assert!(r.stderr.contains(expected), "{expected}: {r:?}");
    }
    let r = slum(dir.path(), "area,parameter,affected,total\nA,9z,1,2\n", &[]);
    assert!(r.code == 1 && r.stderr.contains("row 2, column `parameter`: `9z` is not one of the parameters"), "{r:?}");
    let bad_rules = write(dir.path(), "bad.json", r#"{"bands": [], "classes": []}"#);
    let ok_file = format!("area,parameter,affected,total\n{}", baseline("A", |_| (1, 2)));
    let r = slum(dir.path(), &ok_file, &["--rules", bad_rules.to_str().unwrap()]);
    assert!(r.code == 1 && r.stderr.contains("--rules: bands: at least one band is needed"), "{r:?}");
}
