//! `berdaya survey` end to end: the built binary run with a clean environment in a temp dir.
//!
//! Fixtures in `tests/fixtures/survey/`: `responses_43.csv` is `berdaya survey
//! example-responses --n 43 --seed 4` (synthetic answers of 43 respondents to the built-in
//! seed-004 instrument); `bad_answers_43.csv` is the same file with four bad answers
//! (R004 blank `persiapan/rekening`, R010 `persiapan/rembug_desa` = 5, R021 `motivasi` =
//! `tinggi`, R030 blank `umur`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/survey").join(name)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn berdaya(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_berdaya"))
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .current_dir(dir)
        .output()
        .expect("run berdaya");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn example_form(dir: &Path) -> PathBuf {
    let path = dir.join("form.xlsx");
    let r = berdaya(dir, &["survey", "example", "--out", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn check_accepts_the_built_in_instrument() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let r = berdaya(dir.path(), &["survey", "check", "--instrument", s(&form)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("OK — 3 indicator(s), 14 item(s), 8 factor(s)"), "{}", r.stdout);
}

#[test]
fn check_lists_the_gaps_and_overlap_of_the_printed_bins() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("printed.xlsx");
    assert_eq!(berdaya(dir.path(), &["survey", "example", "--printed", "--out", s(&form)]).code, 0);
    let r = berdaya(dir.path(), &["survey", "check", "--instrument", s(&form)]);
    assert_ne!(r.code, 0);
    for expected in [
        "survey row 4 (umur): bins: values up to 30 are in no bin",
        "survey row 4 (umur): bins: the value 70 is in two bins (61-70:2 and 70-:1)",
        "survey row 7 (pengalaman): bins: values up to 0 are in no bin",
        "survey row 8 (luas_lahan): bins: values 2001–2099 are in no bin",
        "survey row 8 (luas_lahan): bins: values 4001–4099 are in no bin",
        "survey row 8 (luas_lahan): bins: values 6001–6099 are in no bin",
        "survey row 8 (luas_lahan): bins: values 8001–8099 are in no bin",
        "survey row 8 (luas_lahan): bins: values from 10001 are in no bin",
    ] {
        assert!(r.stderr.contains(expected), "missing `{expected}` in:\n{}", r.stderr);
    }
    // Gaps between bins and the overlap are problems; the tails no constraint excludes are
    // warnings that suggest the constraint.
    assert!(r.stderr.contains("5 problem(s)"), "{}", r.stderr);
    assert!(r.stderr.contains("3 warning(s)"), "{}", r.stderr);
    for expected in [
        "  warning: survey row 4 (umur): bins: values up to 30 are in no bin\n    \
         if no answer can lie there, add the constraint `. >= 31` to the question",
        "  warning: survey row 7 (pengalaman): bins: values up to 0 are in no bin\n    \
         if no answer can lie there, add the constraint `. >= 1` to the question",
        "  warning: survey row 8 (luas_lahan): bins: values from 10001 are in no bin\n    \
         if no answer can lie there, add the constraint `. <= 10000` to the question",
    ] {
        assert!(r.stderr.contains(expected), "missing `{expected}` in:\n{}", r.stderr);
    }
    let j = berdaya(dir.path(), &["survey", "check", "--json", "--instrument", s(&form)]);
    assert_ne!(j.code, 0);
    let v: Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["problems"].as_array().unwrap().len(), 5);
    assert_eq!(v["problems"][0]["question"], "umur");
    assert_eq!(v["problems"][0]["row"], 4);
    assert_eq!(v["problems"][0]["severity"], "error");
    let w = v["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 3);
    assert_eq!(w[0]["severity"], "warning");
    assert_eq!(w[0]["suggested_constraint"], ". >= 31");
}

/// The built-in form with one factor row changed, written as a workbook in `dir`.
fn changed_form(dir: &Path, name: &str, change: impl Fn(&mut berdaya_domain::survey::SurveyRow)) -> PathBuf {
    let mut form = berdaya_domain::survey::seed004::xlsform();
    let row = form.survey.iter_mut().find(|r| r.name == name).unwrap();
    change(row);
    let path = dir.join(format!("{name}.xlsx"));
    berdaya_files::survey::write_xlsform(&form, &path).unwrap();
    path
}

/// The 43-respondent fixture with some cells replaced: (respondent, column, new text).
fn changed_responses(dir: &Path, changes: &[(&str, &str, &str)]) -> PathBuf {
    let text = std::fs::read_to_string(fixture("responses_43.csv")).unwrap();
    let mut lines: Vec<Vec<String>> = text.lines().map(|l| l.split(',').map(str::to_string).collect()).collect();
    for (id, column, value) in changes {
        let c = lines[0].iter().position(|h| h == column).unwrap();
        let row = lines.iter_mut().find(|l| l[0] == *id).unwrap();
        row[c] = value.to_string();
    }
    let path = dir.join("changed.csv");
    let out: Vec<String> = lines.iter().map(|l| l.join(",")).collect();
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    path
}

#[test]
fn an_unconstrained_tail_is_a_warning_and_a_value_in_it_an_error() {
    // Issue 11: land bins `0-2000:1;...` with no lower constraint.
    let dir = tempfile::tempdir().unwrap();
    let form = changed_form(dir.path(), "luas_lahan", |r| r.constraint.clear());
    let r = berdaya(dir.path(), &["survey", "check", "--instrument", s(&form)]);
    assert_eq!(r.code, 0, "warnings alone pass: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("OK — 3 indicator(s)"), "{}", r.stdout);
    assert!(
        r.stderr.contains(
            "1 warning(s):\n  warning: survey row 8 (luas_lahan): bins: values up to -1 are in no bin\n    \
             if no answer can lie there, add the constraint `. >= 0` to the question"
        ),
        "{}",
        r.stderr
    );
    let j = berdaya(dir.path(), &["survey", "check", "--json", "--instrument", s(&form)]);
    assert_eq!(j.code, 0);
    let v: Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["warnings"][0]["suggested_constraint"], ". >= 0");
    // The report carries the form's warning to its reader.
    let clean = changed_responses(dir.path(), &[]);
    let r = berdaya(dir.path(), &["survey", "analyze", "--json", "--instrument", s(&form), "--responses", s(&clean)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "Form warning: survey row 8 (luas_lahan): bins: values up to -1 are in no bin"),
        "{}",
        report["notes"]
    );
    // A respondent whose land area lies in the tail is refused at analysis time.
    let responses = changed_responses(dir.path(), &[("R003", "responden/luas_lahan", "-3")]);
    let r = berdaya(dir.path(), &["survey", "analyze", "--instrument", s(&form), "--responses", s(&responses)]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("row 4 (respondent R003), column responden/luas_lahan: -3 falls in no coding bin"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_finds_the_gap_a_strict_constraint_leaves() {
    // Issue 11: `. > 0` with bins `1-5:1;5-:2` leaves (0, 1) uncovered on decimal data.
    let dir = tempfile::tempdir().unwrap();
    let form = changed_form(dir.path(), "luas_lahan", |r| {
        r.kind = "decimal".into();
        r.berdaya_bins = "1-5:1;5-:2".into();
        r.constraint = ". > 0".into();
    });
    let r = berdaya(dir.path(), &["survey", "check", "--instrument", s(&form)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("1 problem(s):\n  survey row 8 (luas_lahan): bins: values (0, 1) are in no bin"),
        "{}",
        r.stderr
    );
}

#[test]
fn whole_numbers_written_as_decimals_read_as_the_choice() {
    // Issue 11: `3.0`, `03`, `2.0` are 3, 3, 2; `3.5` is not a whole number.
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let analyze = |responses: &Path| {
        berdaya(dir.path(), &["survey", "analyze", "--instrument", s(&form), "--responses", s(responses), "--json"])
    };
    let plain = analyze(&fixture("responses_43.csv"));
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    // In the fixture R001 answers 2 to rembug_desa, rukk and pengolahan_lahan, is 49 years old
    // with motivasi 2; R002 answers 3 to perbaikan_kesuburan and perbaikan_sarana.
    let written = changed_responses(
        dir.path(),
        &[
            ("R001", "persiapan/rembug_desa", "2.0"),
            ("R001", "persiapan/rukk", "02"),
            ("R001", "pelaksanaan/pengolahan_lahan", "2.00"),
            ("R002", "pelaksanaan/perbaikan_kesuburan", "3.0"),
            ("R002", "pelaksanaan/perbaikan_sarana", "03"),
            ("R001", "responden/umur", "49.0"),
            ("R001", "responden/motivasi", "2.0"),
        ],
    );
    let same = analyze(&written);
    assert_eq!(same.code, 0, "{}", same.stderr);
    let (a, b): (Value, Value) =
        (serde_json::from_str(&plain.stdout).unwrap(), serde_json::from_str(&same.stdout).unwrap());
    assert_eq!(a, b, "the same answers give the same report");
    let half = changed_responses(dir.path(), &[("R001", "persiapan/rembug_desa", "3.5")]);
    let r = analyze(&half);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("row 2 (respondent R001), column persiapan/rembug_desa: 3.5 is not a whole number"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_constraint_is_enforced_on_the_answers() {
    // Issue 11: an age of −5 or 250 under `. >= 0 and . <= 120` names respondent and column.
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let responses =
        changed_responses(dir.path(), &[("R001", "responden/umur", "-5"), ("R002", "responden/umur", "250")]);
    let r =
        berdaya(dir.path(), &["survey", "analyze", "--instrument", s(&form), "--responses", s(&responses), "--json"]);
    assert_ne!(r.code, 0);
    for expected in [
        "2 bad answer(s)",
        "row 2 (respondent R001), column responden/umur: -5 breaks the form's constraint `. >= 0 and . <= 120`",
        "row 3 (respondent R002), column responden/umur: 250 breaks the form's constraint `. >= 0 and . <= 120`",
    ] {
        assert!(r.stderr.contains(expected), "missing `{expected}` in:\n{}", r.stderr);
    }
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["problems"][0]["kind"], "outside_constraint");
    assert_eq!(v["problems"][0]["constraint"], ". >= 0 and . <= 120");
}

#[test]
fn alpha_outside_zero_one_is_refused_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let responses = fixture("responses_43.csv");
    for bad in ["-0.5", "1.5", "abc", "0", "1", "NaN"] {
        let r = berdaya(
            dir.path(),
            &["survey", "analyze", "--instrument", s(&form), "--responses", s(&responses), "--alpha", bad],
        );
        assert_ne!(r.code, 0, "--alpha {bad} was accepted");
        assert!(r.stderr.contains("--alpha"), "{bad}: {}", r.stderr);
        assert!(r.stderr.contains("must be a number strictly between 0 and 1, e.g. 0.05"), "{bad}: {}", r.stderr);
        assert!(!r.stderr.contains("unexpected argument"), "{bad}: {}", r.stderr);
    }
    let r = berdaya(
        dir.path(),
        &["survey", "analyze", "--instrument", s(&form), "--responses", s(&responses), "--alpha", "0.01", "--json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["alpha"], 0.01);
}

#[test]
fn example_responses_xlsx_is_a_workbook_the_cli_reads_back() {
    // Issue 11: `--out FILE.xlsx` used to write CSV text into the .xlsx file.
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let out = dir.path().join("responses.xlsx");
    let r = berdaya(dir.path(), &["survey", "example-responses", "--out", s(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK\x03\x04"), "not a zip/XLSX file");
    let from_xlsx =
        berdaya(dir.path(), &["survey", "analyze", "--instrument", s(&form), "--responses", s(&out), "--json"]);
    assert_eq!(from_xlsx.code, 0, "{}", from_xlsx.stderr);
    let from_csv = berdaya(
        dir.path(),
        &["survey", "analyze", "--instrument", s(&form), "--responses", s(&fixture("responses_43.csv")), "--json"],
    );
    let (a, b): (Value, Value) =
        (serde_json::from_str(&from_xlsx.stdout).unwrap(), serde_json::from_str(&from_csv.stdout).unwrap());
    assert_eq!(a["n"], 43);
    assert_eq!(a, b, "the workbook holds the same answers as the CSV fixture");
}

fn close(v: &Value, want: f64, tol: f64, what: &str) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{what}: not a number: {v}"));
    assert!((got - want).abs() <= tol, "{what}: got {got}, expected {want}");
}

fn rel_close(v: &Value, want: f64, what: &str) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{what}: not a number: {v}"));
    assert!((got - want).abs() <= 1e-10 * want.abs(), "{what}: got {got:e}, expected {want:e}");
}

#[test]
fn analyze_json_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let out = dir.path().join("report.xlsx");
    let r = berdaya(
        dir.path(),
        &[
            "survey",
            "analyze",
            "--instrument",
            s(&form),
            "--responses",
            s(&fixture("responses_43.csv")),
            "--json",
            "--xlsx",
            s(&out),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(out.exists());
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["n"], 43);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 14);
    for it in items {
        assert!(it["name"].is_string() && it["mean"].is_f64() && it["category"].is_string(), "{it}");
    }
    assert_eq!(items[0]["name"], "rekening");
    let bounds =
        |x: &Value| -> Vec<f64> { x["bounds"].as_array().unwrap().iter().map(|b| b.as_f64().unwrap()).collect() };
    assert_eq!(bounds(&items[0]), [1.75, 2.5, 3.25, 4.0]);
    let inds = v["indicators"].as_array().unwrap();
    let names: Vec<&str> = inds.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["persiapan", "pelaksanaan", "keaktifan"]);
    assert_eq!(bounds(&inds[0]), [5.25, 7.5, 9.75, 12.0]);
    assert_eq!(bounds(&inds[1]), [10.5, 15.0, 19.5, 24.0]);
    assert_eq!(bounds(&inds[2]), [8.75, 12.5, 16.25, 20.0]);
    assert_eq!(bounds(&v["total"]), [24.5, 35.0, 45.5, 56.0]);
    for (ind, k) in inds.iter().chain([&v["total"]]).zip([3, 6, 5, 14]) {
        assert_eq!(ind["items"], k);
        assert_eq!(ind["min"], k);
        assert_eq!(ind["max"], 4 * k);
        assert!(ind["mean"].is_f64() && ind["category"].is_string());
        let d = &ind["distribution"];
        let sum: u64 = ["very_low", "low", "medium", "high"].iter().map(|c| d[c].as_u64().unwrap()).sum();
        assert_eq!(sum, 43, "{d}");
    }
    // Total mean of the fixture: numpy mean of the summed 14 answers = 38.13953488372093.
    close(&v["total"]["mean"], 38.139_534_883_720_93, 1e-12, "total mean");
    assert_eq!(v["total"]["category"], "medium");
    let corr = v["correlations"].as_array().unwrap();
    assert_eq!(corr.len(), 32);
    for c in corr {
        for f in ["factor", "target", "n", "rho", "rho_shortcut", "p_two_sided", "tau_b", "strength", "significant"] {
            assert!(c.get(f).is_some(), "missing {f} in {c}");
        }
    }
    let find = |f: &str, t: &str| corr.iter().find(|c| c["factor"] == f && c["target"] == t).unwrap();
    // Reference: SciPy 1.17 spearmanr / kendalltau on the fixture's columns (motivasi codes
    // against the 14-item total; kehadiran against the persiapan sum; age coded by the
    // corrected bins against the total).
    let c = find("motivasi", "total");
    close(&c["rho"], 0.819_600_613_439_665_1, 1e-12, "rho motivasi/total");
    rel_close(&c["p_two_sided"], 1.806_413_634_020_666_8e-11, "p motivasi/total");
    close(&c["tau_b"], 0.685_523_118_456_887_2, 1e-12, "tau motivasi/total");
    assert_eq!(c["strength"], "strong");
    assert_eq!(c["significant"], true);
    let c = find("kehadiran", "persiapan");
    close(&c["rho"], 0.805_426_016_500_252_4, 1e-12, "rho kehadiran/persiapan");
    rel_close(&c["p_two_sided"], 7.373_630_907_575_59e-11, "p kehadiran/persiapan");
    let c = find("umur", "total");
    close(&c["rho"], 0.218_134_783_089_989_32, 1e-12, "rho umur/total");
    close(&c["p_two_sided"], 0.159_948_917_747_785_4, 1e-12, "p umur/total");
    close(&c["tau_b"], 0.167_796_958_460_364_22, 1e-12, "tau umur/total");
    assert_eq!(c["strength"], "weak");
    assert_eq!(c["significant"], false);
    let rel = &v["reliability"];
    assert!(rel["cronbach_alpha"].is_f64());
    let ri = rel["items"].as_array().unwrap();
    assert_eq!(ri.len(), 14);
    for it in ri {
        for f in ["name", "r_item_total", "r_item_rest", "r_critical", "valid", "alpha_if_deleted"] {
            assert!(it.get(f).is_some(), "missing {f} in {it}");
        }
        // scipy.stats.t.ppf(0.975, 41) = 2.019540970441376 → r = 0.3007929961582754.
        close(&it["r_critical"], 0.300_792_996_158_275_4, 1e-12, "r critical");
    }
}

#[test]
fn bad_answers_are_listed_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let bad = fixture("bad_answers_43.csv");
    let r = berdaya(dir.path(), &["survey", "analyze", "--instrument", s(&form), "--responses", s(&bad), "--json"]);
    assert_ne!(r.code, 0);
    for expected in [
        "4 bad answer(s)",
        "row 5 (respondent R004), column persiapan/rekening: blank answer",
        "row 11 (respondent R010), column persiapan/rembug_desa: 5 is outside the scale 1–4 of list `frekuensi`",
        "row 22 (respondent R021), column responden/motivasi: `tinggi` is not a choice of list `motivasi`",
        "row 31 (respondent R030), column responden/umur: blank answer",
    ] {
        assert!(r.stderr.contains(expected), "missing `{expected}` in:\n{}", r.stderr);
    }
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"], "bad_answers");
    assert_eq!(v["problems"].as_array().unwrap().len(), 4);
    assert_eq!(v["problems"][0]["respondent"], "R004");
    assert_eq!(v["problems"][0]["line"], 5);
}

#[test]
fn drop_incomplete_drops_and_says_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let bad = fixture("bad_answers_43.csv");
    let r = berdaya(
        dir.path(),
        &["survey", "analyze", "--instrument", s(&form), "--responses", s(&bad), "--drop-incomplete", "--json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("dropped 4 respondent(s) with blank or invalid answers; 39 analysed"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["n"], 39);
    assert_eq!(v["dropped"].as_array().unwrap().len(), 4);
    // The text report says it too.
    let t = berdaya(
        dir.path(),
        &["survey", "analyze", "--instrument", s(&form), "--responses", s(&bad), "--drop-incomplete"],
    );
    assert_eq!(t.code, 0);
    assert!(
        t.stdout.contains("note: 4 respondent(s) with blank or invalid answers were dropped; 39 analysed."),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("low       (  24.5,     35]   25– 50 %"), "{}", t.stdout);
}

#[test]
fn unreadable_instrument_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let r = berdaya(dir.path(), &["survey", "check", "--instrument", "missing.xlsx"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.starts_with("error: reading instrument missing.xlsx"), "{}", r.stderr);
}

/// pyxform's own checks (and ODK Validate when Java and its bundled jar are available) on the
/// built-in instrument. CI installs pyxform from scripts/requirements-test.txt.
#[test]
fn built_in_instrument_passes_pyxform() {
    let has_pyxform = Command::new("python3").args(["-c", "import pyxform"]).output().is_ok_and(|o| o.status.success());
    if !has_pyxform {
        assert!(
            std::env::var("BERDAYA_REQUIRE_PYXFORM").as_deref() != Ok("1"),
            "BERDAYA_REQUIRE_PYXFORM=1 but pyxform is not installed"
        );
        println!("SKIPPED: pyxform is not installed (pip install -r scripts/requirements-test.txt)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let xml = dir.path().join("form.xml");
    let has_java = Command::new("java").arg("-version").output().is_ok_and(|o| o.status.success());
    let validate = if has_java { "--odk_validate" } else { "--skip_validate" };
    println!("pyxform: running xls2xform {validate}");
    let out = Command::new("python3")
        .args(["-m", "pyxform.xls2xform", "--json", validate, s(&form), s(&xml)])
        .output()
        .unwrap();
    // pyxform prints its JSON verdict on stdout or stderr depending on the version.
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let line = text.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or("");
    let v: Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("pyxform output has no JSON verdict ({e}): {text}"));
    assert_eq!(v["code"], 100, "pyxform rejected the workbook: {v}");
    assert_eq!(v["warnings"].as_array().map_or(0, Vec::len), 0, "pyxform warnings: {v}");
    assert!(xml.exists());
}

#[test]
fn decimal_commas_are_read_in_a_semicolon_csv() {
    // Issue 11: Indonesian Excel writes `;`-separated CSV with decimal commas (`1500,5`).
    let dir = tempfile::tempdir().unwrap();
    let form = changed_form(dir.path(), "luas_lahan", |r| {
        r.kind = "decimal".into();
        r.berdaya_bins = "0-2000:1;2000-4000:2;4000-6000:3;6000-8000:4;8000-:5".into();
    });
    let analyze = |responses: &Path| {
        berdaya(dir.path(), &["survey", "analyze", "--instrument", s(&form), "--responses", s(responses), "--json"])
    };
    // Every land area v of the fixture written `v,5` in a `;` file, and `v.5` in a `,` file.
    let text = std::fs::read_to_string(fixture("responses_43.csv")).unwrap();
    let land = text.lines().next().unwrap().split(',').position(|h| h == "responden/luas_lahan").unwrap();
    let rewrite = |sep: &str, point: &str| -> String {
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let cells: Vec<String> = l
                    .split(',')
                    .enumerate()
                    .map(|(c, v)| if i > 0 && c == land { format!("{v}{point}5") } else { v.to_string() })
                    .collect();
                cells.join(sep)
            })
            .collect();
        lines.join("\n") + "\n"
    };
    let semicolon = dir.path().join("semicolon.csv");
    std::fs::write(&semicolon, rewrite(";", ",")).unwrap();
    let comma = dir.path().join("comma.csv");
    std::fs::write(&comma, rewrite(",", ".")).unwrap();
    let (a, b) = (analyze(&semicolon), analyze(&comma));
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(b.code, 0, "{}", b.stderr);
    let (a, b): (Value, Value) = (serde_json::from_str(&a.stdout).unwrap(), serde_json::from_str(&b.stdout).unwrap());
    assert_eq!(a["n"], 43);
    assert_eq!(a, b, "`2321,5` in a `;` file is `2321.5`");
    // In a `,`-separated file a comma cannot be a decimal comma: a quoted `2321,5` is refused.
    let quoted = dir.path().join("quoted.csv");
    std::fs::write(&quoted, rewrite(",", ".").replacen("2321.5", "\"2321,5\"", 1)).unwrap();
    let r = analyze(&quoted);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("column responden/luas_lahan: `2321,5` is not a number"), "{}", r.stderr);
}

/// Issue 11 item 6: `survey analyze --database` links the respondents of the demo's linked
/// seed-004 survey to the registry: 43 members found, a made-up NIK and a blank one listed as
/// unmatched (the NIK masked, never printed whole) and dropped with `--drop-incomplete`.
#[test]
fn analyze_with_database_links_respondents_and_lists_the_unmatched_masked() {
    use berdaya::demo::survey::TITLE;
    use berdaya::store::{DatabaseUrl, open};
    use berdaya_store::PageRequest;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.sqlite3");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let saved = runtime.block_on(async {
        let store = open(&DatabaseUrl::Sqlite(db.clone())).await.expect("open");
        berdaya::demo::load(store.as_ref()).await.expect("demo");
        let list = store.list_analyses(PageRequest::default()).await.expect("list");
        let id = list.items.iter().find(|a| a.title == TITLE).expect("linked analysis").id;
        store.analysis(id).await.expect("analysis")
    });
    let form = dir.path().join("linked.xlsx");
    std::fs::write(&form, &saved.instrument.bytes).unwrap();
    let mut csv = String::from_utf8(saved.responses.bytes.clone()).unwrap();
    let first = csv.lines().nth(1).unwrap().to_string();
    let fake = "3319011203990099";
    let mut cells: Vec<&str> = first.split(',').collect();
    cells[0] = "X01";
    cells[1] = fake;
    csv.push_str(&format!("{}\n", cells.join(",")));
    cells[0] = "X02";
    cells[1] = "";
    csv.push_str(&format!("{}\n", cells.join(",")));
    let responses = dir.path().join("linked.csv");
    std::fs::write(&responses, csv).unwrap();

    let args = ["survey", "analyze", "--instrument", s(&form), "--responses", s(&responses), "--database", s(&db)];
    let refused = berdaya(dir.path(), &args);
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("no person in the registry has the NIK or id `331901********99`"),
        "{}",
        refused.stderr
    );

    let mut json_args = args.to_vec();
    json_args.extend(["--drop-incomplete", "--json"]);
    let r = berdaya(dir.path(), &json_args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("linked 43 of 45 respondents to the registry by column nik"), "{}", r.stderr);
    assert!(r.stderr.contains("not found: row 45 (respondent X01), `331901********99`"), "{}", r.stderr);
    assert!(r.stderr.contains("not found: row 46 (respondent X02), blank"), "{}", r.stderr);
    assert!(!r.stderr.contains(fake) && !r.stdout.contains(fake), "the NIK is printed whole");
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["n"], 43);
    assert_eq!(report["link"]["matched"], 43);
    assert_eq!(report["link"]["unmatched"], 2);
    assert_eq!(report["link"]["unmatched_rows"][0]["key_masked"], "331901********99");
    assert_eq!(report["dropped_count"], 2);

    // Without the database the `umur` answers are used and nothing is linked.
    let r = berdaya(
        dir.path(),
        &json_args[..6].iter().chain(&["--drop-incomplete", "--json"]).copied().collect::<Vec<_>>(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(report.get("link").is_none());
    assert_eq!(report["n"], 45);

    let r = berdaya(dir.path(), &[&args[..], &["--survey-date", "2015-13-01"]].concat());
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not a date; write the survey date as YYYY-MM-DD"), "{}", r.stderr);
}
