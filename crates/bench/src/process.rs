//! The `berdaya` binary as a child process, shared by the benchmarks that drive it: finding
//! it, a working directory, an administrator's API token made with the CLI, a running
//! `berdaya serve` (stopped when dropped), and an HTTP client that signs in with the token.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The `berdaya` binary beside this one.
pub fn berdaya_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("locating berdaya-bench")?;
    let dir = me.parent().context("berdaya-bench has no directory")?;
    let bin = dir.join(format!("berdaya{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        bail!("{} not found: build it first with `cargo build --release -p berdaya -p berdaya-bench`", bin.display());
    }
    if cfg!(debug_assertions) || !dir.ends_with("release") {
        eprintln!(
            "warning: not a release build; figures mean little. Use `cargo build --release -p berdaya -p berdaya-bench`."
        );
    }
    Ok(bin)
}

/// A working directory, removed at the end when it is a temporary one.
pub struct Workdir {
    pub path: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Workdir {
    pub fn new(dir: Option<&Path>) -> anyhow::Result<Workdir> {
        match dir {
            Some(d) => {
                std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
                Ok(Workdir { path: d.to_path_buf(), _temp: None })
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("berdaya-bench-")
                    .tempdir()
                    .context("creating a temporary directory")?;
                Ok(Workdir { path: t.path().to_path_buf(), _temp: Some(t) })
            }
        }
    }
}

/// Removes an SQLite database with its `-wal` and `-shm` files, if they exist.
pub fn remove_sqlite(database: &Path) {
    // The audit seals go with the database they seal.
    for suffix in ["", "-wal", "-shm", ".seals"] {
        let mut p = database.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// An administrator account and an API token for it, made with the CLI as an operator would;
/// the API answers nobody without one. `database` is the `--database` argument. Returns the
/// token's secret.
pub fn api_token(berdaya: &Path, database: &OsStr) -> anyhow::Result<String> {
    let run = |args: &[&str], input: Option<&str>| -> anyhow::Result<String> {
        let mut child = Command::new(berdaya)
            .args(args)
            .arg("--database")
            .arg(database)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("running berdaya {}", args.join(" ")))?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(input.as_bytes()).context("writing the password")?;
        }
        let out = child.wait_with_output().context("waiting for berdaya")?;
        if !out.status.success() {
            bail!("berdaya {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let password = format!("bangku-{:016x}", rand::random::<u64>());
    run(
        &["user", "create", "bench", "--role", "administrator", "--name", "Benchmark", "--password-stdin"],
        Some(&format!("{password}\n")),
    )?;
    run(&["token", "create", "bench", "--name", "benchmark"], None)
}

/// A running `berdaya serve`, killed if still running when dropped.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    /// Starts `berdaya serve` on a free loopback port; `database` is the `--database`
    /// argument. Its log goes to `log` when given, else to this process's stderr.
    pub fn start(berdaya: &Path, database: &OsStr, log: Option<&Path>) -> anyhow::Result<Server> {
        let stderr = match log {
            Some(path) => {
                Stdio::from(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?)
            }
            None => Stdio::inherit(),
        };
        let mut child = Command::new(berdaya)
            .args(["serve".as_ref(), "--bind".as_ref(), "127.0.0.1:0".as_ref(), "--database".as_ref(), database])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting {} serve", berdaya.display()))?;
        let stdout = child.stdout.take().context("no stdout from berdaya serve")?;
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(at) = line.find("http://") {
                        let url: String = line[at..].chars().take_while(|c| !c.is_whitespace()).collect();
                        break url;
                    }
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("berdaya serve stopped before printing its address");
                }
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        eprintln!("server at {address}");
        Ok(Server { child, address })
    }

    /// Asks the server to shut down gracefully and waits for it.
    pub fn stop(&mut self) {
        // SAFETY: sends SIGTERM to our own child, by its id.
        let pid = self.child.id() as libc::pid_t;
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP client that sends `Authorization: Bearer TOKEN` and gives up on a request after
/// `timeout`. Connections are kept alive between requests.
pub fn api_client(token: &str, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).context("the token")?;
    headers.insert(reqwest::header::AUTHORIZATION, bearer);
    reqwest::Client::builder().timeout(timeout).default_headers(headers).build().context("HTTP client")
}

/// Waits up to 30 s for `/healthz` to answer 2xx.
pub async fn wait_healthy(client: &reqwest::Client, address: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match client.get(format!("{address}/healthz")).send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            Ok(r) => bail!("/healthz answers {}", r.status()),
            Err(e) => return Err(e).context("/healthz does not answer"),
        }
    }
}

/// The value at quantile `q` of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
