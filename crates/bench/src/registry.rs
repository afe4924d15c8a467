//! Registry benchmarks: importing a generated 1,000,000-person CSV into SQLite with the
//! release `berdaya import registry` (rows/s and the child's peak memory), and searching
//! people by name prefix and by NIK through the HTTP API of `berdaya serve` (p50/p99/max).
//!
//! Both run the real `berdaya` binary as a child process, found next to this one: build
//! both first with `cargo build --release -p berdaya -p berdaya-bench`, then run
//! `target/release/berdaya-bench import` or `target/release/berdaya-bench search`.
//!
//! The data generator is here too: plausible households of one to seven people (about four
//! on average) in a handful of villages of Blora, Central Java, with NIKs valid in form and
//! consistent with each person's district, birth date and sex, and KK numbers unique per
//! household. Everything is synthetic, from a fixed seed.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use berdaya::store::DatabaseUrl;
use berdaya_domain::registry::{Nik, RegionDraft, Sex};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use time::{Date, Month};

use crate::process::{Server, Workdir, api_client, api_token, berdaya_binary, percentile, remove_sqlite, wait_healthy};

/// Targets from the foundation issue.
const IMPORT_TARGET_ROWS_PER_S: f64 = 200_000.0;
const IMPORT_TARGET_MB: f64 = 300.0;
const SEARCH_TARGET_P99_MS: f64 = 20.0;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// People in the generated CSV.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Keep the generated CSV and database in this directory (default: a temporary one).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// People in the registry searched.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Queries of each kind (name prefix, NIK).
    #[arg(long, default_value_t = 2000)]
    queries: usize,
    /// Keep the generated CSV and database in this directory (default: a temporary one).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run_import(args: &ImportArgs) -> anyhow::Result<()> {
    let berdaya = berdaya_binary()?;
    let work = Workdir::new(args.dir.as_deref())?;
    let data = generate_and_seed(&work, args.rows)?;
    let import = import(&berdaya, &data.csv, data.database.as_os_str())?;
    let rate = args.rows as f64 / import.wall.as_secs_f64();
    println!();
    println!("registry import, SQLite, {} rows ({} households)", args.rows, data.households);
    println!("  command     : {}", import.command);
    println!("  wall time   : {:.2} s", import.wall.as_secs_f64());
    println!(
        "  throughput  : {:.0} rows/s   (target ≥ {:.0}: {})",
        rate,
        IMPORT_TARGET_ROWS_PER_S,
        verdict(rate >= IMPORT_TARGET_ROWS_PER_S)
    );
    println!(
        "  peak memory : {:.1} MB (max RSS of the child)   (target < {:.0} MB: {})",
        import.peak_mb,
        IMPORT_TARGET_MB,
        verdict(import.peak_mb < IMPORT_TARGET_MB)
    );
    println!("  database    : {:.1} MB", file_mb(&data.database));
    Ok(())
}

pub fn run_search(args: &SearchArgs) -> anyhow::Result<()> {
    let berdaya = berdaya_binary()?;
    let work = Workdir::new(args.dir.as_deref())?;
    let data = generate_and_seed(&work, args.rows)?;
    import(&berdaya, &data.csv, data.database.as_os_str())?;
    let token = api_token(&berdaya, data.database.as_os_str())?;
    let mut server = Server::start(&berdaya, data.database.as_os_str(), None)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
    let result = runtime.block_on(search(&server.address, &token, &data, args.queries));
    server.stop();
    let (names, niks) = result?;
    println!();
    println!("people search over HTTP, {} people, {} sequential queries of each kind", args.rows, args.queries);
    for (label, lat) in [("name prefix", &names), ("full NIK", &niks)] {
        let p99 = percentile(lat, 0.99);
        println!(
            "  {label:<12}: p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms   (target p99 < {:.0} ms: {})",
            percentile(lat, 0.50),
            p99,
            percentile(lat, 1.0),
            SEARCH_TARGET_P99_MS,
            verdict(p99 < SEARCH_TARGET_P99_MS)
        );
    }
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

pub(crate) fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)
}

/// The generated file, the seeded database, and samples to search for.
struct Data {
    csv: PathBuf,
    database: PathBuf,
    households: usize,
    /// NIKs of generated people, to search for.
    niks: Vec<String>,
    /// Name prefixes that match generated people.
    names: Vec<String>,
}

// Regions ------------------------------------------------------------------------------------

/// Villages of Blora (Central Java) the generated households live in: (code, name).
pub(crate) const VILLAGES: [(&str, &str); 8] = [
    ("33.16.09.2001", "Pilang"),
    ("33.16.09.2002", "Kutukan"),
    ("33.16.09.2003", "Wulung"),
    ("33.16.09.1001", "Randublatung"),
    ("33.16.01.2001", "Jati"),
    ("33.16.01.2002", "Doplang"),
    ("33.16.05.2001", "Ngawen"),
    ("33.16.05.2002", "Sendangharjo"),
];

const DISTRICTS: [(&str, &str); 3] = [("33.16.09", "Randublatung"), ("33.16.01", "Jati"), ("33.16.05", "Ngawen")];

/// Creates the province, regency, districts and villages the data uses.
pub(crate) async fn seed_regions(database: &DatabaseUrl) -> anyhow::Result<()> {
    let store = berdaya::store::open(database).await?;
    let mut regions = vec![("33", "Jawa Tengah", "province"), ("33.16", "Blora", "regency")];
    regions.extend(DISTRICTS.iter().map(|(c, n)| (*c, *n, "district")));
    regions.extend(VILLAGES.iter().map(|(c, n)| (*c, *n, "village")));
    for (code, name, kind) in regions {
        let region = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }
            .parse()
            .with_context(|| format!("region {code}"))?;
        store.create_region(&region).await.with_context(|| format!("creating region {code}"))?;
    }
    Ok(())
}

// Generator ----------------------------------------------------------------------------------

pub(crate) const MALE: [&str; 24] = [
    "Agus",
    "Budi",
    "Joko",
    "Slamet",
    "Sutrisno",
    "Bambang",
    "Eko",
    "Heru",
    "Wahyu",
    "Dwi",
    "Sugeng",
    "Supriyadi",
    "Teguh",
    "Yanto",
    "Hadi",
    "Rudi",
    "Ahmad",
    "Muhammad",
    "Rizky",
    "Fajar",
    "Arif",
    "Dedi",
    "Imam",
    "Suparman",
];
pub(crate) const FEMALE: [&str; 24] = [
    "Siti",
    "Sri",
    "Dewi",
    "Rina",
    "Wati",
    "Sumiati",
    "Endang",
    "Yuni",
    "Lestari",
    "Ratna",
    "Nur",
    "Ani",
    "Tri",
    "Kartini",
    "Suparmi",
    "Sulastri",
    "Indah",
    "Putri",
    "Ayu",
    "Fitri",
    "Rahmawati",
    "Wulan",
    "Sari",
    "Murni",
];
pub(crate) const FAMILY: [&str; 32] = [
    "Santoso",
    "Wibowo",
    "Susanto",
    "Prasetyo",
    "Hartono",
    "Setiawan",
    "Purnomo",
    "Haryanto",
    "Nugroho",
    "Saputra",
    "Kurniawan",
    "Wijaya",
    "Suharto",
    "Rahayu",
    "Lestari",
    "Utomo",
    "Sulistyo",
    "Darmawan",
    "Hidayat",
    "Mulyono",
    "Subagyo",
    "Suryadi",
    "Yulianto",
    "Widodo",
    "Sasongko",
    "Pranoto",
    "Sunarto",
    "Gunawan",
    "Riyanto",
    "Handoko",
    "Purwanto",
    "Sutopo",
];
const STREETS: [&str; 12] = [
    "Jl. Mawar",
    "Jl. Melati",
    "Jl. Kenanga",
    "Jl. Randu",
    "Jl. Jati",
    "Jl. Pemuda",
    "Jl. Diponegoro",
    "Jl. Sawah",
    "Jl. Kali",
    "Dusun Krajan",
    "Dusun Ngelo",
    "Dusun Gondang",
];
const STAGES: [&str; 5] = ["pra_sejahtera", "sejahtera_1", "sejahtera_2", "sejahtera_3", "sejahtera_3_plus"];
const EDUCATION: [&str; 6] = ["none", "sd", "smp", "sma", "diploma", "bachelor"];
pub(crate) const OCCUPATIONS: [&str; 8] =
    ["petani", "buruh tani", "pedagang", "wiraswasta", "guru", "buruh", "", "ibu rumah tangga"];

fn random_date(rng: &mut SmallRng, from_year: i32, to_year: i32) -> anyhow::Result<Date> {
    let year = rng.random_range(from_year..=to_year);
    let month = Month::try_from(rng.random_range(1u8..=12)).context("month")?;
    let day = rng.random_range(1u8..=28);
    Date::from_calendar_date(year, month, day).context("date")
}

fn generate_and_seed(work: &Workdir, rows: usize) -> anyhow::Result<Data> {
    let csv = work.path.join(format!("registry-{rows}.csv"));
    let database = work.path.join(format!("registry-{rows}.sqlite3"));
    remove_sqlite(&database);
    let generated = generate(&csv, rows, &Numbering::FIRST)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
    runtime.block_on(seed_regions(&DatabaseUrl::Sqlite(database.clone())))?;
    eprintln!("seeded {} regions into {}", 2 + DISTRICTS.len() + VILLAGES.len(), database.display());
    Ok(Data { csv, database, households: generated.households, niks: generated.niks, names: generated.names })
}

/// Where a generated file starts its KK and NIK numbers, so that several files (and records
/// made through the API) can go into one database without clashing.
pub(crate) struct Numbering {
    /// The random generator's seed.
    pub seed: u64,
    /// Households are numbered from this one; the number makes the KK.
    pub first_household: usize,
    /// NIK serials (per district and birth date) start after this one.
    pub first_serial: u16,
}

impl Numbering {
    /// The numbering of the import and search benchmarks' file.
    pub const FIRST: Numbering = Numbering { seed: 0xBE2D_A7A0_BE4C, first_household: 0, first_serial: 0 };
}

/// A generated file's household count, and samples to search for.
pub(crate) struct Generated {
    pub households: usize,
    /// NIKs of generated people.
    pub niks: Vec<String>,
    /// Name prefixes that match generated people.
    pub names: Vec<String>,
}

/// The KK number of household `n` in the district with digits `district` (6 digits).
pub(crate) fn kk_number(district: &str, n: usize) -> String {
    format!("{district}{:06}{:04}", n / 9999, n % 9999 + 1)
}

/// Writes `rows` people to `path`, numbered as `numbering` says; returns the household count
/// and search samples.
pub(crate) fn generate(path: &Path, rows: usize, numbering: &Numbering) -> anyhow::Result<Generated> {
    let t = Instant::now();
    let generated = generate_in(path, rows, numbering)?;
    eprintln!(
        "generated {} people in {} households: {} ({:.0} MB) in {:.1} s",
        rows,
        generated.households,
        path.display(),
        file_mb(path),
        t.elapsed().as_secs_f64()
    );
    Ok(generated)
}

fn generate_in(path: &Path, rows: usize, numbering: &Numbering) -> anyhow::Result<Generated> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = csv::WriterBuilder::new().buffer_capacity(1 << 20).from_writer(file);
    out.write_record(berdaya_files::registry::COLUMNS)?;
    let mut rng = SmallRng::seed_from_u64(numbering.seed);
    // Serial numbers used per (district, birth date field): NIKs must be unique.
    let mut serials: HashMap<(u32, u32), u16> = HashMap::new();
    let mut niks = Vec::new();
    let mut names = Vec::new();
    let mut written = 0usize;
    let mut households = 0usize;
    while written < rows {
        households += 1;
        let village = rng.random_range(0..VILLAGES.len());
        let (region, _) = VILLAGES[village];
        let district_digits: String = region[..8].chars().filter(|c| *c != '.').collect();
        let district_num: u32 = district_digits.parse().context("district digits")?;
        let kk = kk_number(&district_digits, numbering.first_household + households);
        let address = format!(
            "{} No. {}, RT {:02}/RW {:02}",
            STREETS[rng.random_range(0..STREETS.len())],
            rng.random_range(1..200),
            rng.random_range(1..15),
            rng.random_range(1..8)
        );
        let stage = STAGES[rng.random_range(0..STAGES.len())];
        let listed = rng.random_bool(0.4);
        let since = if listed { berdaya_text_date(random_date(&mut rng, 2011, 2024)?) } else { String::new() };
        let family = FAMILY[rng.random_range(0..FAMILY.len())];
        let size = (1 + rng.random_range(0..=3) + rng.random_range(0..=3)).min(rows - written);
        for member in 0..size {
            let (relation, sex, born) = match member {
                0 => (
                    "head",
                    if rng.random_bool(0.85) { Sex::Male } else { Sex::Female },
                    random_date(&mut rng, 1945, 1998)?,
                ),
                1 => ("spouse", Sex::Female, random_date(&mut rng, 1950, 2000)?),
                _ => (
                    "child",
                    if rng.random_bool(0.5) { Sex::Male } else { Sex::Female },
                    random_date(&mut rng, 1985, 2023)?,
                ),
            };
            let sex = if member == 1 && relation == "spouse" && rng.random_bool(0.1) { Sex::Male } else { sex };
            let first = match sex {
                Sex::Male => MALE[rng.random_range(0..MALE.len())],
                Sex::Female => FEMALE[rng.random_range(0..FEMALE.len())],
            };
            let name = format!("{first} {family}");
            let day_field = u32::from(born.day()) + if sex == Sex::Female { 40 } else { 0 };
            let key = (
                district_num,
                day_field * 10_000 + u32::from(u8::from(born.month())) * 100 + (born.year().rem_euclid(100)) as u32,
            );
            let serial = serials.entry(key).or_insert(numbering.first_serial);
            *serial += 1;
            let nik = Nik::compose(&district_digits, born, sex, *serial).map_err(|e| anyhow::anyhow!("NIK: {e}"))?;
            let nik = nik.reveal();
            if written.is_multiple_of(487) {
                niks.push(nik.clone());
            }
            if written.is_multiple_of(491) {
                // A first name and the start of the family name, as someone would type it.
                let cut = 1 + rng.random_range(0..3usize).min(family.len() - 1);
                names.push(format!("{first} {}", &family[..cut]));
            }
            let sex_code = if sex == Sex::Male { "L" } else { "P" };
            let education = if relation == "child" && born.year() > 2017 {
                "none"
            } else {
                EDUCATION[rng.random_range(0..EDUCATION.len())]
            };
            let occupation = OCCUPATIONS[rng.random_range(0..OCCUPATIONS.len())];
            let disability = if rng.random_bool(0.02) { "physical" } else { "none" };
            out.write_record([
                kk.as_str(),
                region,
                address.as_str(),
                stage,
                if listed { "ya" } else { "tidak" },
                since.as_str(),
                nik.as_str(),
                name.as_str(),
                sex_code,
                berdaya_text_date(born).as_str(),
                relation,
                education,
                occupation,
                disability,
            ])?;
            written += 1;
        }
    }
    out.flush()?;
    Ok(Generated { households, niks, names })
}

fn berdaya_text_date(d: Date) -> String {
    berdaya_domain::registry::text::format_date(d)
}

// Running berdaya -----------------------------------------------------------------------------

pub(crate) struct Imported {
    pub command: String,
    pub wall: Duration,
    pub peak_mb: f64,
}

/// The command `berdaya import registry CSV --database DATABASE`, quiet unless asked
/// (`RUST_LOG=debug` shows the import's phases), and how to print it. A PostgreSQL URL
/// printed must carry no password.
pub(crate) fn import_command(berdaya: &Path, csv: &Path, database: &OsStr) -> (Command, String) {
    let mut command = Command::new(berdaya);
    command
        .args(["import".as_ref(), "registry".as_ref(), csv.as_os_str(), "--database".as_ref(), database])
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .stdin(Stdio::null());
    let shown = DatabaseUrl::parse(&database.to_string_lossy()).map_or_else(|_| "?".into(), |u| u.redacted());
    let text = format!("{} import registry {} --database {shown}", berdaya.display(), csv.display());
    (command, text)
}

/// Runs `berdaya import registry` on `csv` into `database` (a `--database` argument) and
/// measures it.
pub(crate) fn import(berdaya: &Path, csv: &Path, database: &OsStr) -> anyhow::Result<Imported> {
    let (mut child, command) = import_command(berdaya, csv, database);
    eprintln!("running: {command}");
    let t = Instant::now();
    let output = child.output().with_context(|| format!("running {}", berdaya.display()))?;
    let wall = t.elapsed();
    let peak_mb = children_peak_rss_mb();
    std::io::stderr().write_all(&output.stderr).ok();
    std::io::stdout().write_all(&output.stdout).ok();
    if !output.status.success() {
        bail!("the import failed ({})", output.status);
    }
    Ok(Imported { command, wall, peak_mb })
}

/// Largest resident set of any child waited for so far, in MB.
fn children_peak_rss_mb() -> f64 {
    // SAFETY: getrusage writes into the struct we pass and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc != 0 {
        return f64::NAN;
    }
    // Linux reports kilobytes (macOS bytes).
    let kb = if cfg!(target_os = "macos") { usage.ru_maxrss as f64 / 1024.0 } else { usage.ru_maxrss as f64 };
    kb * 1024.0 / 1e6
}

// Searching ------------------------------------------------------------------------------------

/// Sequential queries; latencies in milliseconds for name prefixes and for NIKs.
async fn search(address: &str, token: &str, data: &Data, queries: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let client = api_client(token, Duration::from_secs(30))?;
    wait_healthy(&client, address).await?;
    if data.niks.is_empty() || data.names.is_empty() {
        bail!("no samples to search for: generate more rows");
    }
    let url = format!("{address}/api/v1/people");
    let mut rng = SmallRng::seed_from_u64(7);
    // Warm-up, not measured: connections, statement caches.
    for i in 0..50 {
        let q = if i % 2 == 0 { &data.names[i % data.names.len()] } else { &data.niks[i % data.niks.len()] };
        query(&client, &url, q).await?;
    }
    let mut names = Vec::with_capacity(queries);
    let mut niks = Vec::with_capacity(queries);
    for _ in 0..queries {
        let name = &data.names[rng.random_range(0..data.names.len())];
        let (ms, found) = query(&client, &url, name).await?;
        if found == 0 {
            bail!("the name prefix query found nobody");
        }
        names.push(ms);
        let nik = &data.niks[rng.random_range(0..data.niks.len())];
        let (ms, found) = query(&client, &url, nik).await?;
        if found != 1 {
            bail!("a NIK query found {found} people, not 1");
        }
        niks.push(ms);
    }
    names.sort_by(f64::total_cmp);
    niks.sort_by(f64::total_cmp);
    Ok((names, niks))
}

/// One query: its latency (request sent to body read) and the number of items returned.
async fn query(client: &reqwest::Client, url: &str, q: &str) -> anyhow::Result<(f64, usize)> {
    let t = Instant::now();
    let response = client.get(url).query(&[("q", q)]).send().await.context("GET /api/v1/people")?;
    let status = response.status();
    let body = response.bytes().await.context("reading the answer")?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    if !status.is_success() {
        bail!("GET /api/v1/people answered {status}: {}", String::from_utf8_lossy(&body));
    }
    let json: serde_json::Value = serde_json::from_slice(&body).context("the answer is not JSON")?;
    let items = json.get("items").and_then(|i| i.as_array()).map_or(0, Vec::len);
    Ok((ms, items))
}
