//! Survey benchmark: Spearman's rho (with tau-b and p-values) on 10,000,000 ordinal pairs
//! (x in 1–5, y in 14–56), SciPy's `spearmanr` on the same data when `python3 -c 'import
//! scipy'` works, and scoring 1,000,000 respondents × 14 items of the seed-004 instrument.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use berdaya_domain::survey::rank::RankCorrelation;
use berdaya_domain::survey::responses::AnswerMatrix;
use berdaya_domain::survey::scoring::{self, ScoringLayout};
use berdaya_domain::survey::{Instrument, seed004};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of ordinal pairs for the Spearman benchmark.
    #[arg(long, default_value_t = 10_000_000)]
    pairs: usize,
    /// Number of respondents for the scoring benchmark (14 items each).
    #[arg(long, default_value_t = 1_000_000)]
    respondents: usize,
    /// Timed repetitions; the best is reported.
    #[arg(long, default_value_t = 7)]
    repeat: usize,
    /// Skip SciPy even if it is importable.
    #[arg(long)]
    no_scipy: bool,
}

fn best_of<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = f(); // warm-up
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed());
    }
    (best, out)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Ordinal pairs with a moderate positive association.
fn pairs(n: usize) -> (Vec<i32>, Vec<i32>) {
    let mut rng = SmallRng::seed_from_u64(4);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let a: i32 = rng.random_range(1..=5);
        let b: i32 = (14 + (a - 1) * 6 + rng.random_range(0..=24)).min(56);
        x.push(a);
        y.push(b);
    }
    (x, y)
}

const SCIPY_SCRIPT: &str = r#"
import sys, time
import numpy as np
from scipy import stats
x = np.fromfile(sys.argv[1], dtype='<i4')
y = np.fromfile(sys.argv[2], dtype='<i4')
best = float('inf')
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    r = stats.spearmanr(x, y)
    best = min(best, time.perf_counter() - t)
print(f"{best!r} {float(r.statistic)!r} {float(r.pvalue)!r}")
"#;

fn scipy_available() -> bool {
    Command::new("python3").args(["-c", "import scipy, numpy"]).output().is_ok_and(|o| o.status.success())
}

fn write_i32(path: &PathBuf, v: &[i32]) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for a in v {
        f.write_all(&a.to_le_bytes())?;
    }
    f.flush()?;
    Ok(())
}

/// Runs SciPy on the same data; returns (best seconds, rho).
fn scipy_spearman(x: &[i32], y: &[i32]) -> anyhow::Result<(f64, f64)> {
    let dir = std::env::temp_dir().join(format!("berdaya-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (px, py) = (dir.join("x.i32"), dir.join("y.i32"));
    write_i32(&px, x)?;
    write_i32(&py, y)?;
    let out = Command::new("python3")
        .arg("-c")
        .arg(SCIPY_SCRIPT)
        .arg(&px)
        .arg(&py)
        .arg("2")
        .output()
        .context("running python3")?;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        bail!("SciPy failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8(out.stdout)?;
    let mut it = text.split_whitespace();
    let secs: f64 = it.next().context("no time from SciPy")?.parse()?;
    let rho: f64 = it.next().context("no rho from SciPy")?.parse()?;
    Ok((secs, rho))
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    println!("survey benchmark ({} threads available)", std::thread::available_parallelism().map_or(1, |p| p.get()));
    // Spearman.
    let (x, y) = pairs(args.pairs);
    let (t_rust, c) = best_of(args.repeat, || RankCorrelation::of_ints(&x, &y));
    let c = c?;
    let rho = c.rho.context("rho undefined")?;
    println!(
        "spearman: {} pairs (x 1–5, y 14–56): {:.2} ms (best of {}); rho = {rho:.15}, tau_b = {:.15}, p = {}",
        args.pairs,
        ms(t_rust),
        args.repeat,
        c.tau_b.unwrap_or(f64::NAN),
        match c.p_two_sided {
            Some(p) if p > 0.0 => format!("{p:e}"),
            Some(_) => "< 1e-300 (underflows)".to_string(),
            None => "undefined".to_string(),
        },
    );
    println!(
        "  shortcut 1 − 6Σd²/(n(n²−1)) = {:.15} (differs: {})",
        c.rho_shortcut.unwrap_or(f64::NAN),
        c.shortcut_differs
    );
    if ms(t_rust) >= 30.0 {
        println!("  WARNING: above the 30 ms target");
    }
    if args.no_scipy {
        println!("scipy: skipped (--no-scipy)");
    } else if !scipy_available() {
        println!("scipy: not importable with python3, comparison skipped");
    } else {
        match scipy_spearman(&x, &y) {
            Ok((secs, srho)) => {
                let ratio = secs / t_rust.as_secs_f64();
                println!(
                    "scipy.stats.spearmanr on the same data: {:.1} ms (best of 2); rho = {srho:.15} (|Δ| = {:.1e})",
                    secs * 1e3,
                    (srho - rho).abs()
                );
                println!("  Berdaya is {ratio:.0}× faster than SciPy (target ≥ 30×)");
            }
            Err(e) => println!("scipy: failed: {e:#}"),
        }
    }
    // Scoring.
    let instrument = Instrument::from_xlsform(&seed004::xlsform())
        .map_err(|p| anyhow::anyhow!("built-in instrument has {} problem(s)", p.len()))?;
    let layout = ScoringLayout::new(&instrument).context("no items")?;
    let k = layout.k;
    let mut rng = SmallRng::seed_from_u64(14);
    let data: Vec<u8> = (0..args.respondents * k).map(|_| rng.random_range(0..4u8)).collect();
    let m = AnswerMatrix { n: args.respondents, k, data, offsets: vec![1; k] };
    let (t_score, scores) = best_of(args.repeat, || scoring::score(&layout, &m));
    let mean_total = scores.total.iter().map(|&v| f64::from(v)).sum::<f64>() / scores.n.max(1) as f64;
    println!(
        "scoring: {} respondents × {k} items (sums, categories, frequencies): {:.2} ms (best of {}); mean total {mean_total:.3}",
        args.respondents,
        ms(t_score),
        args.repeat
    );
    if ms(t_score) >= 100.0 {
        println!("  WARNING: above the 100 ms target");
    }
    Ok(())
}
