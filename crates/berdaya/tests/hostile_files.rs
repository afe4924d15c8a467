//! Hostile files against the built binary: `berdaya import registry` on crafted XLSX files
//! (far cells, a zip bomb, a lying size) and on a CSV file with a line of hundreds of
//! megabytes, and the same workbooks uploaded as survey responses to `berdaya serve`. Each
//! is refused with an error naming the limit it broke, and the process's peak memory stays
//! under 300 MB (measured by the kernel: `wait4` for the CLI, `VmHWM` for the server).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use berdaya::store::{DatabaseUrl, open};
use berdaya_domain::registry::RegionDraft;
use berdaya_domain::survey::seed004;
use berdaya_files::testkit;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// The bound of the issue: peak resident memory of any upload or import within the limits.
const PEAK_LIMIT_MB: u64 = 300;

mod common;
use common::Env;

impl Env {
    /// `berdaya ARGS`, logging warnings only.
    fn quiet(&self, args: &[&str]) -> Command {
        let mut c = self.command(args);
        c.env("RUST_LOG", "warn");
        c
    }

    fn database(&self) -> String {
        self.path("berdaya.db").to_string_lossy().into_owned()
    }
}

/// What a finished child did, with its peak resident memory.
struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    peak_mb: u64,
}

impl std::fmt::Debug for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}, peak {} MB\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.peak_mb, self.stdout, self.stderr
        )
    }
}

/// Runs the command to its end and asks the kernel for that one child's peak RSS.
// The child is reaped by `wait4`, which `Child::wait` cannot do while keeping its rusage.
#[allow(clippy::zombie_processes)]
fn run_measured(mut command: Command, input: Option<&str>) -> Measured {
    let mut child = command
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run berdaya");
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(input.as_bytes());
    }
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = drain(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let mut status = 0;
    // SAFETY: waits for our own child, by its id, writing only into the two values passed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(rc, child.id() as libc::pid_t, "wait4 failed");
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    Measured {
        code,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        // Linux reports kilobytes.
        peak_mb: usage.ru_maxrss as u64 * 1024 / 1_000_000,
    }
}

fn import(env: &Env, file: &Path) -> Measured {
    let db = env.database();
    let args = ["import", "registry", file.to_str().expect("path"), "--database", &db];
    let m = run_measured(env.quiet(&args), None);
    eprintln!("berdaya import registry {}: exit {}, peak {} MB", file.display(), m.code, m.peak_mb);
    m
}

/// The crafted workbooks of the issue, with what the import must say of each.
fn crafted(env: &Env) -> Vec<(&'static str, PathBuf, &'static str)> {
    let write = |name: &str, bytes: Vec<u8>| {
        let path = env.path(name);
        std::fs::write(&path, bytes).expect("write crafted file");
        path
    };
    let bomb = |name: &str, mib: usize| {
        let path = env.path(name);
        testkit::whitespace(std::fs::File::create(&path).expect("create"), mib).expect("craft the zip bomb");
        path
    };
    vec![
        ("A1 + XFD1048576", write("xfd.xlsx", testkit::two_cells("XFD1048576")), "missing required column"),
        ("A1 + CV1048576", write("cv.xlsx", testkit::two_cells("CV1048576")), "missing required column"),
        (
            "header + XFD1048576",
            write("header_xfd.xlsx", testkit::registry_header_and("XFD1048576")),
            "the file exceeds the limit of 64 columns",
        ),
        (
            "header + CV1048576",
            write("header_cv.xlsx", testkit::registry_header_and("CV1048576")),
            "the file exceeds the limit of 64 columns",
        ),
        // 4 GiB of spaces in a file of about 4 MB, as in the issue: past the size of a part.
        (
            "4 GiB of whitespace",
            bomb("whitespace_4g.xlsx", 4096),
            "unpacks to more than the limit of 2,147,483,648 bytes (2 GiB)",
        ),
        // 200 MiB: within that size, past the compression ratio.
        ("200 MiB of whitespace", bomb("whitespace_200m.xlsx", 200), "compressed more than the limit of 250:1"),
        (
            "a lying size",
            write("lying.xlsx", testkit::lying_size(64)),
            "unpacks to more than the 1,000 bytes it declares",
        ),
    ]
}

#[test]
fn import_refuses_crafted_workbooks_and_a_huge_csv_line_in_bounded_memory() {
    let env = Env::new();
    for (what, path, expected) in crafted(&env) {
        let m = import(&env, &path);
        assert_ne!(m.code, 0, "{what}: {m:?}");
        assert!(m.stderr.contains(expected), "{what}: expected `{expected}`: {m:?}");
        assert!(m.peak_mb < PEAK_LIMIT_MB, "{what}: peak {} MB", m.peak_mb);
    }

    // One line of 320 MiB after the header.
    let csv = env.path("huge_line.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).expect("create"));
        writeln!(f, "kk,region,address,welfare_stage,nik,name,sex,birth_date,relation").expect("write");
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..320 {
            f.write_all(&chunk).expect("write");
        }
        f.flush().expect("flush");
    }
    let m = import(&env, &csv);
    assert_ne!(m.code, 0, "{m:?}");
    assert!(m.stderr.contains("a row exceeds the limit of 16,384 bytes (16 KiB)"), "{m:?}");
    assert!(m.peak_mb < PEAK_LIMIT_MB, "huge CSV line: peak {} MB", m.peak_mb);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_of_a_valid_workbook_still_works() {
    let env = Env::new();
    {
        let store = open(&DatabaseUrl::Sqlite(env.path("berdaya.db"))).await.expect("open store");
        for (code, name, kind) in [
            ("33", "Jawa Tengah", "province"),
            ("33.16", "Blora", "regency"),
            ("33.16.09", "Randublatung", "district"),
            ("33.16.09.2001", "Pilang", "village"),
        ] {
            let region =
                RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().expect("region");
            store.create_region(&region).await.expect("create region");
        }
    }
    let header = "kk,region,address,welfare_stage,dtks_listed,dtks_since,nik,name,sex,birth_date,relation,education,occupation,disability";
    let row = "3316090101200034,33.16.09.2001,Jl. Mawar 5,pra_sejahtera,ya,2019-01-01,3316095203850012,Siti Aminah,P,1985-03-12,head,sd,petani,";
    let cells = |r: u32, line: &str| -> String {
        line.split(',')
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .map(|(c, v)| testkit::text_cell(&format!("{}{r}", (b'A' + c as u8) as char), v))
            .collect()
    };
    let bytes = testkit::workbook_bytes(|w| {
        write!(w, r#"<row r="1">{}</row><row r="2">{}</row>"#, cells(1, header), cells(2, row))
    });
    let path = env.path("valid.xlsx");
    std::fs::write(&path, bytes).expect("write");
    let m = import(&env, &path);
    assert_eq!(m.code, 0, "{m:?}");
    assert!(m.stdout.contains("1 rows, 1 households and 1 people created"), "{m:?}");
    assert!(m.peak_mb < PEAK_LIMIT_MB, "valid workbook: peak {} MB", m.peak_mb);
}

/// A running `berdaya serve`, stopped on drop.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(env: &Env) -> Server {
        let db = env.database();
        let mut child = env
            .quiet(&["serve", "--bind", "127.0.0.1:0", "--database", &db])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start berdaya serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(at) = line.find("http://") {
                        break line[at..].chars().take_while(|c| !c.is_whitespace()).collect::<String>();
                    }
                }
                _ => panic!("berdaya serve stopped before printing its address"),
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Server { child, address }
    }

    /// The server's peak resident memory so far, from `/proc/PID/status`.
    fn peak_mb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("proc status");
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM");
        kb * 1024 / 1_000_000
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An administrator and an API token, made with the CLI.
fn api_token(env: &Env) -> String {
    let db = env.database();
    let m = run_measured(
        env.quiet(&[
            "user",
            "create",
            "admin",
            "--role",
            "administrator",
            "--name",
            "Admin",
            "--password-stdin",
            "--database",
            &db,
        ]),
        Some("kursi-panjang-biru-2024\n"),
    );
    assert_eq!(m.code, 0, "{m:?}");
    let m = run_measured(env.quiet(&["token", "create", "admin", "--name", "hostile files", "--database", &db]), None);
    assert_eq!(m.code, 0, "{m:?}");
    m.stdout.trim().to_string()
}

/// A workbook of `mib` MiB of spaces, in memory (it packs to a thousandth of that).
fn whitespace(mib: usize) -> Vec<u8> {
    let mut c = std::io::Cursor::new(Vec::new());
    testkit::whitespace(&mut c, mib).expect("craft the zip bomb");
    c.into_inner()
}

fn upload(responses: Vec<u8>, file_name: &str) -> Form {
    let instrument = berdaya_files::survey::xlsform_to_bytes(&seed004::xlsform()).expect("instrument");
    Form::new()
        .text("title", "Berkas jawaban")
        .part("instrument", Part::bytes(instrument).file_name("seed004.xlsx"))
        .part("responses", Part::bytes(responses).file_name(file_name.to_string()))
}

#[tokio::test]
async fn survey_uploads_of_crafted_workbooks_are_refused_in_bounded_memory() {
    let env = Env::new();
    let token = api_token(&env);
    let server = Server::start(&env);
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/survey/analyses", server.address);
    let post = |form: Form| {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move {
            let res = client.post(&url).bearer_auth(&token).multipart(form).send().await.expect("post");
            let status = res.status();
            let body: Value = res.json().await.expect("json body");
            (status, body)
        }
    };

    // Messages are in Indonesian, the default language, with the limit in its digits.
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("A1 + XFD1048576", testkit::two_cells("XFD1048576"), "berkas melebihi batas 1.024 kolom"),
        // Responses stream, so a sheet may fill all 1,048,576 rows: this one is refused for
        // its header (read through in bounded memory), not for its size.
        ("A1 + CV1048576", testkit::two_cells("CV1048576"), "tidak ada kolom untuk pertanyaan"),
        ("a lying size", testkit::lying_size(64), "lebih besar dari 1.000 B yang dinyatakannya"),
        // A response sheet may unpack to 2 GiB (a million rows of XML): this bomb is caught by
        // its ratio before that (the entry limit itself: crates/files/src/hostile_tests.rs).
        ("300 MiB of whitespace", whitespace(300), "dimampatkan melebihi batas rasio 250:1"),
        ("200 MiB of whitespace", whitespace(200), "dimampatkan melebihi batas rasio 250:1"),
    ];
    for (what, bytes, expected) in cases {
        let (status, body) = post(upload(bytes, "jawaban.xlsx")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        let message = body["error"]["fields"][0]["message"].as_str().unwrap_or_default();
        // The Indonesian text of the field (limit messages are Indonesian in both).
        let text = body["error"]["fields"][0]["text"].as_str().unwrap_or_default();
        assert_eq!(body["error"]["fields"][0]["field"], "responses", "{what}: {body}");
        assert!(message.contains(expected) || text.contains(expected), "{what}: expected `{expected}` in {body}");
        let peak = server.peak_mb();
        eprintln!("survey upload {what}: peak {peak} MB");
        assert!(peak < PEAK_LIMIT_MB, "{what}: server peak {peak} MB");
    }

    // A valid upload still goes through.
    let responses = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/survey/responses_43.csv"))
        .expect("fixture");
    let (status, body) = post(upload(responses, "responses_43.csv")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["n"], 43);
    let peak = server.peak_mb();
    eprintln!("survey server peak after every upload: {peak} MB");
    assert!(peak < PEAK_LIMIT_MB, "server peak {peak} MB");
}
