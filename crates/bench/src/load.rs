//! Load test: concurrent API clients against `berdaya serve` while a CLI import writes into
//! the same database, on SQLite and on PostgreSQL. Prints, per backend and per kind of
//! request, throughput, p50/p99/max latency and the answers by status class, with every 5xx
//! counted and the causes the server logged; fails (after printing everything) when any
//! request got a 5xx or no answer, or the import failed.
//!
//! Per backend: a fresh database (an SQLite file, or a throw-away PostgreSQL database that
//! is dropped afterwards) gets a generated base registry with `berdaya import registry`, an
//! administrator's API token with the CLI, and a server on a free loopback port. Then a
//! second generated file is imported with the CLI while the clients run a mix of name and
//! NIK searches, record views, creates, and versioned edits of a few records that the
//! clients share, so that some edits lose the race: a 409 there is the expected answer.
//!
//! Everything is bounded: every request has a timeout, the clients stop when the window
//! ends, the import is killed when it outlasts `--import-timeout`, and the server and the
//! import are killed if this process fails. Only loopback addresses are used.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use berdaya::store::DatabaseUrl;
use berdaya_domain::registry::{Nik, Sex};
use berdaya_store_postgres::testing::TestDatabase;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{Date, Month};

use crate::process::{Server, Workdir, api_client, api_token, berdaya_binary, percentile, remove_sqlite, wait_healthy};
use crate::registry::{
    FAMILY, FEMALE, Generated, MALE, Numbering, OCCUPATIONS, VILLAGES, generate, import, import_command, kk_number,
    seed_regions,
};

/// People whose records the clients edit: few, so that concurrent edits collide.
const HOT_PEOPLE: usize = 32;
/// People the clients view, found by searching the base registry (with their households).
const POOL: usize = 5000;
/// Unexpected answers kept per kind of request, to show what went wrong.
const SAMPLES: usize = 3;

/// The base registry: the numbering of the import and search benchmarks.
const BASE: Numbering = Numbering::FIRST;
/// The file imported during the load: other households and NIK serials above 3000.
const IMPORTED: Numbering = Numbering { seed: 0x10AD_F11E, first_household: 50_000_000, first_serial: 3000 };
/// Households the clients create are numbered from here; their people's NIK serials are
/// 6001–9999, above both files'.
const CREATED_FIRST_HOUSEHOLD: usize = 90_000_000;
const CREATED_FIRST_SERIAL: u16 = 6000;
const CREATED_SERIALS: usize = 3999;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// The backend(s) to test, one after the other.
    #[arg(long, value_enum, default_value_t = BackendArg::Both)]
    backend: BackendArg,
    /// Concurrent clients, each with its own keep-alive connection.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Length of the load window, in seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// People in the base registry, imported before the server starts.
    #[arg(long, default_value_t = 20_000)]
    base_rows: usize,
    /// People in the file imported with the CLI while the clients run (they start together).
    /// A million, as in the field report, outlasts the window on both backends.
    #[arg(long, default_value_t = 1_000_000)]
    import_rows: usize,
    /// How long the import may go on after the load window, in seconds; then it is killed
    /// and counts as failed.
    #[arg(long, default_value_t = 600)]
    import_timeout: u64,
    /// How long a request may take, in seconds, before it counts as without answer. Longer
    /// than the server's own waits (SQLite: up to 30 s for a pooled connection, then 10 s
    /// for the write lock), so that a request the server gives up on shows as its 5xx.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// A PostgreSQL database on a loopback server that may run `CREATE DATABASE`; the test
    /// creates its own database there and drops it at the end.
    #[arg(long, value_name = "URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Keep the generated files, the SQLite database and the logs in this directory
    /// (default: a temporary one).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

pub fn run(args: &LoadArgs) -> anyhow::Result<()> {
    ensure!(args.clients >= 1, "--clients must be at least 1");
    ensure!(args.seconds >= 1, "--seconds must be at least 1");
    ensure!(args.base_rows >= 2000, "--base-rows must be at least 2000 (the clients need records to find)");
    ensure!(args.import_rows >= 1, "--import-rows must be at least 1");
    ensure!(args.timeout >= 1, "--timeout must be at least 1");
    let backends = match args.backend {
        BackendArg::Sqlite => vec![Backend::Sqlite],
        BackendArg::Postgres => vec![Backend::Postgres],
        BackendArg::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    if backends.contains(&Backend::Postgres) {
        ensure!(
            is_loopback(&args.pg_url),
            "--pg-url must name a loopback server (127.0.0.1, ::1 or localhost): the load test stays on this machine"
        );
    }
    let berdaya = berdaya_binary()?;
    let work = Workdir::new(args.dir.as_deref())?;
    // Both files are made once and serve every backend.
    let base_csv = work.path.join(format!("load-base-{}.csv", args.base_rows));
    let base = generate(&base_csv, args.base_rows, &BASE)?;
    let imported_csv = work.path.join(format!("load-import-{}.csv", args.import_rows));
    generate(&imported_csv, args.import_rows, &IMPORTED)?;
    let files = Files { base_csv, imported_csv, base };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;

    let mut results = Vec::new();
    for backend in backends {
        eprintln!();
        eprintln!("== {} ==", backend.name());
        let result =
            on_backend(&Run { runtime: &runtime, berdaya: &berdaya, work: &work, files: &files, args }, backend);
        if let Err(e) = &result {
            eprintln!("error: the load test on {} did not run to the end: {e:#}", backend.name());
        }
        results.push((backend, result));
    }

    println!();
    let mut failed = false;
    let mut parts = Vec::new();
    for (backend, result) in &results {
        match result {
            Ok(r) => {
                failed |= !r.passed();
                parts.push(format!(
                    "{} {} requests, {} 5xx, {} without answer, import {}",
                    backend.name(),
                    r.total.requests(),
                    r.total.server_errors(),
                    r.total.transport,
                    if r.import.succeeded() { "ok" } else { "FAILED" }
                ));
            }
            Err(_) => {
                failed = true;
                parts.push(format!("{} did not run to the end", backend.name()));
            }
        }
    }
    println!(
        "load test, {} clients × {} s while importing {} rows: {}: {}",
        args.clients,
        args.seconds,
        args.import_rows,
        parts.join("; "),
        if failed { "FAILED" } else { "passed" }
    );
    if failed {
        bail!("the load test failed: a 5xx, a request without answer, a failed import, or a backend that did not run");
    }
    Ok(())
}

/// The generated files, shared by the backends.
struct Files {
    base_csv: PathBuf,
    imported_csv: PathBuf,
    base: Generated,
}

/// Makes a fresh database, runs the test on it, and removes a PostgreSQL one afterwards.
/// What every backend's run shares.
#[derive(Clone, Copy)]
struct Run<'a> {
    runtime: &'a tokio::runtime::Runtime,
    berdaya: &'a Path,
    work: &'a Workdir,
    files: &'a Files,
    args: &'a LoadArgs,
}

fn on_backend(run: &Run<'_>, backend: Backend) -> anyhow::Result<Outcome> {
    let Run { runtime, work, args, .. } = *run;
    match backend {
        Backend::Sqlite => {
            let path = work.path.join("load.sqlite3");
            remove_sqlite(&path);
            run_on(run, backend, path.as_os_str())
        }
        Backend::Postgres => {
            let db = runtime
                .block_on(TestDatabase::create(&args.pg_url))
                .context("creating a PostgreSQL database for the test (is the server running? see --pg-url)")?;
            eprintln!("created PostgreSQL database {}", db.name);
            let database = OsString::from(&db.url);
            let result = run_on(run, backend, &database);
            let name = db.name.clone();
            match runtime.block_on(db.drop_database()) {
                Ok(()) => eprintln!("dropped PostgreSQL database {name}"),
                Err(e) => eprintln!("warning: could not drop PostgreSQL database {name}: {e}"),
            }
            result
        }
    }
}

/// What one backend's run measured.
struct Outcome {
    total: Tally,
    import: ImportOutcome,
}

impl Outcome {
    fn passed(&self) -> bool {
        self.total.server_errors() == 0 && self.total.transport == 0 && self.import.succeeded()
    }
}

fn run_on(run: &Run<'_>, backend: Backend, database: &OsStr) -> anyhow::Result<Outcome> {
    let Run { runtime, berdaya, work, files, args } = *run;
    let url = DatabaseUrl::parse(&database.to_string_lossy())?;
    runtime.block_on(seed_regions(&url))?;
    import(berdaya, &files.base_csv, database).context("importing the base registry")?;
    let token = api_token(berdaya, database)?;
    let server_log = work.path.join(format!("serve-{}.log", backend.slug()));
    let mut server = Server::start(berdaya, database, Some(&server_log))?;
    let import_log = work.path.join(format!("import-{}.log", backend.slug()));
    let (command, shown) = import_command(berdaya, &files.imported_csv, database);

    let measured = runtime.block_on(async {
        let targets = Arc::new(find_targets(&server.address, &token, &files.base).await?);
        eprintln!(
            "{} clients for {} s; the clients view {} people and {} households, and edit {} people; running alongside: {shown}",
            args.clients,
            args.seconds,
            targets.people.len(),
            targets.households.len(),
            targets.hot.len()
        );
        let http: Vec<reqwest::Client> =
            (0..args.clients).map(|_| api_client(&token, Duration::from_secs(args.timeout))).collect::<Result<_, _>>()?;
        // The import and the load window start together.
        let started = Instant::now();
        let import = spawn_import(command, &import_log, started + Duration::from_secs(args.seconds + args.import_timeout))?;
        let deadline = started + Duration::from_secs(args.seconds);
        let mut clients = tokio::task::JoinSet::new();
        for (n, client) in http.into_iter().enumerate() {
            let (address, targets) = (server.address.clone(), targets.clone());
            clients.spawn(client_loop(client, address, targets, deadline, n as u64));
        }
        let mut tallies: Vec<Tally> = KINDS.iter().map(|_| Tally::default()).collect();
        while let Some(joined) = clients.join_next().await {
            match joined {
                Ok(one) => tallies.iter_mut().zip(one).for_each(|(all, mine)| all.merge(mine)),
                Err(e) => {
                    // Dropping the import's task kills the import.
                    import.abort();
                    return Err(e).context("a client task failed");
                }
            }
        }
        let window = started.elapsed();
        let import = import.await.context("the import task failed")?;
        anyhow::Ok((tallies, window, started, import))
    })?;
    server.stop();
    let (mut tallies, window, started, import) = measured;
    let import = ImportOutcome::read(import, &import_log, started, window);
    let causes = logged_causes(&server_log);

    let mut total = Tally::default();
    for t in &tallies {
        total.merge(t.clone());
    }
    report(backend, args, &files.base, &mut tallies, &mut total, window, &import, &causes, &server_log);
    Ok(Outcome { total, import })
}

// What the clients use ------------------------------------------------------------------------

/// Records the clients read and edit, and what they search for.
struct Targets {
    names: Vec<String>,
    niks: Vec<String>,
    people: Vec<i64>,
    households: Vec<i64>,
    hot: Vec<i64>,
    /// Creates so far, across clients: each makes new KK and NIK numbers from it.
    created: AtomicUsize,
}

/// Finds people and households of the base registry by searching for first names.
async fn find_targets(address: &str, token: &str, base: &Generated) -> anyhow::Result<Targets> {
    let client = api_client(token, Duration::from_secs(30))?;
    wait_healthy(&client, address).await?;
    let mut people = Vec::new();
    let mut households = Vec::new();
    for name in MALE.iter().chain(&FEMALE) {
        if people.len() >= POOL {
            break;
        }
        let response = client
            .get(format!("{address}/api/v1/people"))
            .query(&[("q", *name), ("per_page", "200")])
            .send()
            .await
            .context("GET /api/v1/people")?;
        let status = response.status();
        let body: Value = response.json().await.context("reading a search's answer")?;
        if !status.is_success() {
            bail!("searching for records to use answered {status}: {body}");
        }
        for item in body["items"].as_array().into_iter().flatten() {
            people.extend(item["id"].as_i64());
            households.extend(item["household_id"].as_i64());
        }
    }
    people.sort_unstable();
    people.dedup();
    households.sort_unstable();
    households.dedup();
    ensure!(people.len() >= HOT_PEOPLE && !households.is_empty(), "the base registry's search found too few people");
    let hot = people.iter().step_by(people.len() / HOT_PEOPLE).take(HOT_PEOPLE).copied().collect();
    Ok(Targets {
        names: base.names.clone(),
        niks: base.niks.clone(),
        people,
        households,
        hot,
        created: AtomicUsize::new(0),
    })
}

// The clients ----------------------------------------------------------------------------------

/// The kinds of request, in the order they are reported (and their index in [`KINDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SearchName,
    SearchNik,
    ViewPerson,
    ViewHousehold,
    CreateHousehold,
    CreatePerson,
    EditRead,
    EditWrite,
}

const KINDS: [Kind; 8] = [
    Kind::SearchName,
    Kind::SearchNik,
    Kind::ViewPerson,
    Kind::ViewHousehold,
    Kind::CreateHousehold,
    Kind::CreatePerson,
    Kind::EditRead,
    Kind::EditWrite,
];

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::SearchName => "search by name",
            Kind::SearchNik => "search by NIK",
            Kind::ViewPerson => "view person",
            Kind::ViewHousehold => "view household",
            Kind::CreateHousehold => "create household",
            Kind::CreatePerson => "create person",
            Kind::EditRead => "edit: read",
            Kind::EditWrite => "edit: write",
        }
    }

    /// Whether a 4xx is a right answer: a versioned edit that lost the race gets 409.
    fn expects(self, status: StatusCode) -> bool {
        self == Kind::EditWrite && status == StatusCode::CONFLICT
    }
}

/// One client: a random mix of operations until the deadline. Returns a tally per kind, in
/// the order of [`KINDS`].
async fn client_loop(
    client: reqwest::Client,
    address: String,
    targets: Arc<Targets>,
    deadline: Instant,
    seed: u64,
) -> Vec<Tally> {
    let mut c = Client { http: client, address, tallies: KINDS.iter().map(|_| Tally::default()).collect(), deadline };
    let mut rng = SmallRng::seed_from_u64(0x5EED_0000 + seed);
    while Instant::now() < deadline {
        // Weights out of 100: searches 45, views 25, creates 10, edits 20.
        match rng.random_range(0..100u32) {
            0..30 => {
                let name = &targets.names[rng.random_range(0..targets.names.len())];
                c.search(Kind::SearchName, name).await;
            }
            30..45 => {
                let nik = &targets.niks[rng.random_range(0..targets.niks.len())];
                c.search(Kind::SearchNik, nik).await;
            }
            45..60 => {
                let id = targets.people[rng.random_range(0..targets.people.len())];
                c.call(Kind::ViewPerson, Method::GET, &format!("/api/v1/people/{id}"), None).await;
            }
            60..70 => {
                let id = targets.households[rng.random_range(0..targets.households.len())];
                c.call(Kind::ViewHousehold, Method::GET, &format!("/api/v1/households/{id}"), None).await;
            }
            70..80 => {
                let n = targets.created.fetch_add(1, Ordering::Relaxed);
                c.create(n, &mut rng).await;
            }
            _ => {
                let id = targets.hot[rng.random_range(0..targets.hot.len())];
                c.edit(id, &mut rng).await;
            }
        }
    }
    c.tallies
}

/// A client's connection and what it has seen.
struct Client {
    http: reqwest::Client,
    address: String,
    tallies: Vec<Tally>,
    deadline: Instant,
}

impl Client {
    async fn search(&mut self, kind: Kind, q: &str) {
        let path = format!("/api/v1/people?q={}", encode(q));
        self.call(kind, Method::GET, &path, None).await;
    }

    /// A new household, then its head.
    async fn create(&mut self, n: usize, rng: &mut SmallRng) {
        let (region, _) = VILLAGES[n % VILLAGES.len()];
        let district: String = region[..8].chars().filter(|c| *c != '.').collect();
        let household = json!({
            "kk": kk_number(&district, CREATED_FIRST_HOUSEHOLD + n),
            "address": format!("Jl. Uji Beban No. {}, RT 01/RW 01", n + 1),
            "region": region,
            "welfare_stage": "sejahtera_1",
            "dtks_listed": false,
        });
        let Some(created) =
            self.call(Kind::CreateHousehold, Method::POST, "/api/v1/households", Some(&household)).await
        else {
            return;
        };
        let Some(household_id) = created["id"].as_i64() else {
            return;
        };
        let Some((nik, born)) = created_nik(&district, n) else {
            return;
        };
        let family = FAMILY[rng.random_range(0..FAMILY.len())];
        let person = json!({
            "nik": nik,
            "household_id": household_id.to_string(),
            "name": format!("{} {family}", MALE[rng.random_range(0..MALE.len())]),
            "sex": "male",
            "birth_date": born,
            "relation": "head",
            "education": "sma",
            "occupation": "petani",
            "disability": "none",
        });
        self.call(Kind::CreatePerson, Method::POST, "/api/v1/people", Some(&person)).await;
    }

    /// Reads a person and writes it back changed, with the version read.
    async fn edit(&mut self, id: i64, rng: &mut SmallRng) {
        let path = format!("/api/v1/people/{id}");
        let Some(p) = self.call(Kind::EditRead, Method::GET, &path, None).await else {
            return;
        };
        let occupations: Vec<&str> = OCCUPATIONS.iter().copied().filter(|o| !o.is_empty()).collect();
        let body = json!({
            "nik": p["nik"],
            "household_id": p["household_id"].as_i64().map(|h| h.to_string()),
            "name": p["name"],
            "sex": p["sex"],
            "birth_date": p["birth_date"],
            "relation": p["relation"],
            "education": p["education"],
            "occupation": occupations[rng.random_range(0..occupations.len())],
            "disability": p["disability"],
            "version": p["version"],
        });
        self.call(Kind::EditWrite, Method::PUT, &path, Some(&body)).await;
    }

    /// One request, timed and tallied. The answer's JSON when it is a 2xx.
    async fn call(&mut self, kind: Kind, method: Method, path: &str, body: Option<&Value>) -> Option<Value> {
        // A request started at the end of the window would only lengthen it.
        if Instant::now() >= self.deadline {
            return None;
        }
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.address));
        if let Some(body) = body {
            request = request.json(body);
        }
        let t = Instant::now();
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status();
                response.bytes().await.map(|b| (status, b))
            }
            Err(e) => Err(e),
        };
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let tally = &mut self.tallies[kind as usize];
        match answer {
            Ok((status, bytes)) => {
                tally.latencies.push(ms);
                if status.is_success() {
                    tally.ok += 1;
                    return serde_json::from_slice(&bytes).ok();
                }
                if status.is_server_error() {
                    *tally.server.entry(status.as_u16()).or_default() += 1;
                } else if kind.expects(status) {
                    tally.expected += 1;
                } else {
                    tally.unexpected += 1;
                }
                tally.sample(format!("{method} {path} → {status}: {}", short(&String::from_utf8_lossy(&bytes))));
            }
            Err(e) => {
                tally.transport += 1;
                let what = if e.is_timeout() { "timed out" } else { "failed" };
                tally.sample(format!("{method} {path} {what}: {e}"));
            }
        }
        None
    }
}

/// A valid NIK for the head of created household `n` (a man), and his birth date.
fn created_nik(district: &str, n: usize) -> Option<(String, String)> {
    let first = Date::from_calendar_date(1990, Month::January, 1).ok()?;
    let born = first.checked_add(time::Duration::days((n / CREATED_SERIALS) as i64))?;
    let serial = CREATED_FIRST_SERIAL + (n % CREATED_SERIALS) as u16 + 1;
    let nik = Nik::compose(district, born, Sex::Male, serial).ok()?;
    Some((nik.reveal(), format!("{:04}-{:02}-{:02}", born.year(), u8::from(born.month()), born.day())))
}

/// Percent-encodes a query value (names have spaces).
fn encode(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn short(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

// Counting --------------------------------------------------------------------------------------

/// The answers to one kind of request.
#[derive(Debug, Default, Clone)]
struct Tally {
    /// Milliseconds, of every request that got an answer.
    latencies: Vec<f64>,
    ok: u64,
    /// 4xx that are right answers (see [`Kind::expects`]).
    expected: u64,
    /// Any other answer that is neither 2xx nor 5xx.
    unexpected: u64,
    /// 5xx by status code.
    server: BTreeMap<u16, u64>,
    /// Requests that got no answer (refused, reset, timed out).
    transport: u64,
    /// A few of the unexpected answers, 5xx and failures.
    samples: Vec<String>,
}

impl Tally {
    fn requests(&self) -> u64 {
        self.ok + self.expected + self.unexpected + self.server_errors() + self.transport
    }

    fn server_errors(&self) -> u64 {
        self.server.values().sum()
    }

    fn sample(&mut self, text: String) {
        if self.samples.len() < SAMPLES {
            self.samples.push(text);
        }
    }

    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.ok += other.ok;
        self.expected += other.expected;
        self.unexpected += other.unexpected;
        for (code, n) in other.server {
            *self.server.entry(code).or_default() += n;
        }
        self.transport += other.transport;
        for s in other.samples {
            self.sample(s);
        }
    }
}

// The import ------------------------------------------------------------------------------------

/// How the import child ended, and when.
struct ImportEnd {
    /// `None` when it was killed for outlasting its deadline.
    status: Option<ExitStatus>,
    started: Instant,
    ended: Instant,
}

/// Starts the import with its output going to `log`; the task waits for it until `deadline`,
/// then kills it. The child is killed too if the task is dropped.
fn spawn_import(
    command: std::process::Command,
    log: &Path,
    deadline: Instant,
) -> anyhow::Result<tokio::task::JoinHandle<ImportEnd>> {
    let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone().context("sharing the import log")?;
    let mut command = tokio::process::Command::from(command);
    command.stdout(Stdio::from(out)).stderr(Stdio::from(err)).kill_on_drop(true);
    let started = Instant::now();
    let mut child = command.spawn().context("starting berdaya import registry")?;
    Ok(tokio::spawn(async move {
        let status = tokio::select! {
            status = child.wait() => status.ok(),
            () = tokio::time::sleep_until(deadline.into()) => {
                let _ = child.kill().await;
                None
            }
        };
        ImportEnd { status, started, ended: Instant::now() }
    }))
}

/// The import's result as reported.
struct ImportOutcome {
    end: ImportEnd,
    /// How long the import ran inside the load window.
    overlap: Duration,
    /// The import's last lines of output (its summary, or why it failed).
    said: Vec<String>,
}

impl ImportOutcome {
    fn read(end: ImportEnd, log: &Path, window_start: Instant, window: Duration) -> ImportOutcome {
        let window_end = window_start + window;
        let overlap = end.ended.min(window_end).saturating_duration_since(end.started.max(window_start));
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let said = lines[lines.len().saturating_sub(4)..].iter().map(|l| short(l)).collect();
        ImportOutcome { end, overlap, said }
    }

    fn succeeded(&self) -> bool {
        self.end.status.is_some_and(|s| s.success())
    }

    fn wall(&self) -> Duration {
        self.end.ended - self.end.started
    }
}

/// The causes of store failures in the server's log, most frequent first, with counts.
fn logged_causes(log: &Path) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for line in text.lines().filter(|l| l.contains("store failure")) {
        let cause = line.split_once("cause=").map_or("(no cause logged)", |(_, c)| c.trim());
        *counts.entry(short(cause)).or_default() += 1;
    }
    let mut sorted: Vec<(String, u64)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted
}

// The report --------------------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
fn report(
    backend: Backend,
    args: &LoadArgs,
    base: &Generated,
    tallies: &mut [Tally],
    total: &mut Tally,
    window: Duration,
    import: &ImportOutcome,
    causes: &[(String, u64)],
    server_log: &Path,
) {
    let secs = window.as_secs_f64();
    println!();
    println!(
        "load test, {}: {} clients for {} s (the last answer came at {:.1} s; req/s over that) on a registry of \
         {} people ({} households), while `berdaya import registry` adds {} people",
        backend.name(),
        args.clients,
        args.seconds,
        secs,
        args.base_rows,
        base.households,
        args.import_rows
    );
    println!(
        "  {:<17} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>6} {:>7}",
        "kind", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "2xx", "4xx exp", "4xx unx", "5xx", "no ans"
    );
    let row = |label: &str, t: &mut Tally| {
        t.latencies.sort_by(f64::total_cmp);
        let ms = |q: f64| {
            let v = percentile(&t.latencies, q);
            if v.is_nan() { "-".to_string() } else { format!("{v:.2}") }
        };
        println!(
            "  {:<17} {:>8} {:>8.1} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>6} {:>7}",
            label,
            t.requests(),
            t.requests() as f64 / secs,
            ms(0.50),
            ms(0.99),
            ms(1.0),
            t.ok,
            t.expected,
            t.unexpected,
            t.server_errors(),
            t.transport
        );
    };
    for (kind, t) in KINDS.iter().zip(tallies.iter_mut()) {
        row(kind.label(), t);
    }
    row("all", total);
    let by_code: Vec<String> = total.server.iter().map(|(code, n)| format!("{code} × {n}")).collect();
    println!("  5xx: {}", if by_code.is_empty() { "none".to_string() } else { by_code.join(", ") });
    if !causes.is_empty() {
        let shown: Vec<String> = causes.iter().take(3).map(|(c, n)| format!("\"{c}\" × {n}")).collect();
        println!("  store failures in the server log ({}): {}", server_log.display(), shown.join(", "));
    }
    for (kind, t) in KINDS.iter().zip(tallies.iter()) {
        for s in &t.samples {
            println!("  {}: {s}", kind.label());
        }
    }
    let status = match import.end.status {
        Some(s) if s.success() => "succeeded".to_string(),
        Some(s) => format!("FAILED ({s})"),
        None => format!("FAILED (killed after {} s past the window)", args.import_timeout),
    };
    println!(
        "  import: {} rows, {status} in {:.1} s ({:.0} rows/s); ran {:.1} s of the {:.1} s window",
        args.import_rows,
        import.wall().as_secs_f64(),
        args.import_rows as f64 / import.wall().as_secs_f64().max(1e-9),
        import.overlap.as_secs_f64(),
        secs
    );
    for line in &import.said {
        println!("    | {line}");
    }
    if import.succeeded() && import.overlap + Duration::from_millis(500) < window {
        println!("  note: the import ended before the window did; raise --import-rows to load for the whole window");
    }
}

/// Whether a PostgreSQL URL names a loopback host.
fn is_loopback(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    matches!(host, "127.0.0.1" | "localhost" | "::1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_servers() {
        assert!(is_loopback("postgres://postgres@127.0.0.1:5432/postgres"));
        assert!(is_loopback("postgresql://u:p@localhost/db"));
        assert!(is_loopback("postgres://[::1]:5432/db"));
        assert!(!is_loopback("postgres://postgres@db.example.org:5432/postgres"));
        assert!(!is_loopback("postgres://u@10.0.0.2/db"));
    }

    #[test]
    fn created_niks_are_valid_and_distinct() {
        let a = created_nik("331609", 0).expect("nik");
        let b = created_nik("331609", CREATED_SERIALS).expect("nik");
        assert_ne!(a.0, b.0);
        assert!(a.0.ends_with("6001"), "{}", a.0);
        assert_eq!(a.1, "1990-01-01");
        assert_eq!(b.1, "1990-01-02");
    }

    #[test]
    fn a_lost_edit_race_is_expected() {
        assert!(Kind::EditWrite.expects(StatusCode::CONFLICT));
        assert!(!Kind::CreatePerson.expects(StatusCode::CONFLICT));
        assert!(!Kind::EditWrite.expects(StatusCode::NOT_FOUND));
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("Siti Sa"), "Siti%20Sa");
        assert_eq!(encode("3316095203850012"), "3316095203850012");
    }
}
