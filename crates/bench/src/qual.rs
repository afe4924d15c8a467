//! Qualitative benchmark: `--codings` codings (default 100,000) over `--sources` sources
//! (default 1,000), each source one interview of one of `--informants` informants (default
//! 200, in 8 roles), `--codes` codes (default 50) tied to the four *bina*, half coded in the
//! blind phase by two coders; stored on SQLite. Then it times, best and median of `--repeat`:
//!
//! - the code × informant matrix from the study's facts (the pure function), and the same with
//!   the facts read from the database;
//! - the agreement of the two coders, over characters and over segments (Krippendorff's alpha,
//!   Cohen's kappa, percent agreement, per code and overall).
//!
//! The targets: under 200 ms each.

use std::time::Instant;

use anyhow::Context;
use berdaya_domain::qual::agreement::{SourceLen, Span, character_agreement, segment_agreement};
use berdaya_domain::qual::display::{Cols, Rows, matrix};
use berdaya_domain::qual::{NewCode, NewCoding, NewInformant, NewSource, NewStudy, Phase, SourceKind};
use berdaya_domain::registry::{NewRegion, RegionCode, RegionKind};
use berdaya_store::Store;
use berdaya_store_sqlite::SqliteStore;
use rand::{Rng, SeedableRng};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Codings in all (half open, half in the blind phase split between two coders).
    #[arg(long, default_value_t = 100_000)]
    codings: usize,
    /// Sources (interview transcripts of about 20,000 characters).
    #[arg(long, default_value_t = 1_000)]
    sources: usize,
    #[arg(long, default_value_t = 200)]
    informants: usize,
    #[arg(long, default_value_t = 50)]
    codes: usize,
    /// Timed repetitions; best and median are reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(bench(args))
}

fn summary(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    (times[0] * 1000.0, times[times.len() / 2] * 1000.0)
}

async fn bench(args: &Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("qual.sqlite3")).await.context("open SQLite")?;
    let s: &dyn Store = &store;
    let code = |c: &str| RegionCode::parse(c).map_err(|e| anyhow::anyhow!("{e}"));
    for (c, name, kind) in
        [("62", "Kalimantan Tengah", RegionKind::Province), ("62.71", "Palangka Raya", RegionKind::City)]
    {
        s.create_region(&NewRegion { code: code(c)?, name: name.into(), kind }).await?;
    }
    let bina = s.framework_by_code("bina").await?.context("bina")?;
    let load = Instant::now();
    let study = s
        .create_study(&NewStudy {
            title: "Benchmark".into(),
            question: None,
            region: Some(code("62.71")?),
            framework_id: Some(bina.id),
            planned_roles: Vec::new(),
            links: Vec::new(),
        })
        .await?;
    let mut informants = Vec::new();
    for i in 0..args.informants {
        let inf = s
            .add_informant(
                study.id,
                &NewInformant {
                    pseudonym: format!("I{i:04}"),
                    real_name: None,
                    role: format!("Peran {}", i % 8),
                    sex: None,
                    organisation: None,
                    sampling_note: None,
                    consent_on: None,
                },
            )
            .await?;
        informants.push(inf.id);
    }
    let mut codes = Vec::new();
    for k in 0..args.codes {
        let c = s
            .add_code(
                study.id,
                &NewCode {
                    name: format!("Kode {k:03}"),
                    description: None,
                    color: "#2a9d8f".into(),
                    role: None,
                    parents: Vec::new(),
                    dimensions: vec![bina.dimensions[k % 4].id],
                },
            )
            .await?;
        codes.push(c.id);
    }
    let text: String =
        "Petani buah naga di Kalampangan bercerita tentang penyuluhan dan alat mesin pertanian. ".repeat(230);
    let len = text.chars().count() as u32;
    let mut sources = Vec::new();
    for i in 0..args.sources {
        let src = s
            .add_source(
                study.id,
                &NewSource {
                    title: format!("Wawancara {i:04}"),
                    kind: SourceKind::Interview,
                    taken_on: None,
                    place: None,
                    original: text.clone(),
                    file_name: None,
                    informants: vec![informants[i % informants.len()]],
                    links: Vec::new(),
                },
            )
            .await?;
        sources.push(src.id);
    }
    // Coders: made through an imported project would need users; the bulk path takes ids.
    let project = berdaya_store::qual::ImportedStudy {
        study: None,
        coders: vec![
            ("00000000-0000-4000-8000-000000000001".into(), "Pengode A".into()),
            ("00000000-0000-4000-8000-000000000002".into(), "Pengode B".into()),
        ],
        ..Default::default()
    };
    s.import_study(&project, Some(study.id)).await?;
    let coders: Vec<i64> = s.coders(study.id).await?.iter().map(|c| c.id).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let mut list = Vec::with_capacity(args.codings);
    // Half open coding by the first coder; the other half the blind phase, where the second
    // coder mostly codes what the first did (same code, boundaries a few characters off).
    let mut n = 0;
    while n < args.codings {
        let src = sources[n % sources.len()];
        let start = rng.random_range(10..len - 420);
        let end = start + rng.random_range(20..400);
        let code_id = codes[rng.random_range(0..codes.len())];
        if n + 1 >= args.codings || rng.random_bool(0.5) {
            list.push((coders[0], NewCoding { source_id: src, code_id, start, end, memo: None }, Phase::Open));
            n += 1;
            continue;
        }
        list.push((coders[0], NewCoding { source_id: src, code_id, start, end, memo: None }, Phase::Blind));
        let (b_code, b_start, b_end) = if rng.random_bool(0.8) {
            (code_id, start + rng.random_range(0..6), end + rng.random_range(0..6))
        } else {
            let s2 = rng.random_range(10..len - 420);
            (codes[rng.random_range(0..codes.len())], s2, s2 + rng.random_range(20..400))
        };
        list.push((
            coders[1],
            NewCoding { source_id: src, code_id: b_code, start: b_start, end: b_end, memo: None },
            Phase::Blind,
        ));
        n += 2;
    }
    let stored = berdaya_store::qual::add_codings_bulk(&store, list).await?;
    println!(
        "qual: stored {} sources, {} informants, {} codes and {stored} codings on SQLite in {:.1} s",
        args.sources,
        args.informants,
        args.codes,
        load.elapsed().as_secs_f64()
    );

    // The code × informant matrix.
    // Every coding counts in the matrix here, the blind phase's too.
    let t = Instant::now();
    let mut open = s.facts(study.id, false).await?;
    let read_open = t.elapsed().as_secs_f64();
    open.codings.extend(s.facts(study.id, true).await?.codings);
    let mut pure = Vec::new();
    let mut cells = 0u64;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        let m = matrix(&open, Rows::Codes, &[], Cols::Informants);
        pure.push(t.elapsed().as_secs_f64());
        cells = m.total();
    }
    let mut with_read = Vec::new();
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        let mut f = s.facts(study.id, false).await?;
        f.codings.extend(s.facts(study.id, true).await?.codings);
        let m = matrix(&f, Rows::Codes, &[], Cols::Informants);
        with_read.push(t.elapsed().as_secs_f64());
        anyhow::ensure!(m.total() == cells, "the matrix changed between runs");
    }
    let (pb, pm) = summary(&mut pure);
    let (wb, wm) = summary(&mut with_read);
    println!(
        "qual: code × informant matrix ({} × {}, {} codings counted): best {pb:.1} ms, median {pm:.1} ms (target < 200 ms); with the facts read from SQLite: best {wb:.1} ms, median {wm:.1} ms (first read of the open codings {:.0} ms)",
        args.codes,
        args.informants,
        cells,
        read_open * 1000.0
    );
    anyhow::ensure!(cells as usize == open.codings.len(), "every open coding counts once (one informant per source)");

    // Agreement of the two coders over the blind phase.
    let blind = s.facts(study.id, true).await?;
    let spans: Vec<Span> = blind
        .codings
        .iter()
        .map(|g| Span {
            source: g.source_id as u32,
            code: g.code_id as u32,
            coder: g.coder_id as u32,
            start: g.start,
            end: g.end,
        })
        .collect();
    let lens: Vec<SourceLen> = sources.iter().map(|&id| SourceLen { source: id as u32, len }).collect();
    let who: Vec<u32> = coders.iter().map(|&c| c as u32).collect();
    let mut times = Vec::new();
    let mut alpha = None;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        let chars = character_agreement(&lens, &who, &spans);
        let segs = segment_agreement(&who, &spans);
        times.push(t.elapsed().as_secs_f64());
        alpha = Some((chars.overall.alpha, segs.overall.percent_agreement, chars.overall.cohen_kappa));
    }
    let (ab, am) = summary(&mut times);
    let (ac, asg, kc) = alpha.unwrap_or_default();
    println!(
        "qual: agreement of 2 coders over {} blind codings, {} sources × {len} characters (characters and segments, per code and overall): best {ab:.1} ms, median {am:.1} ms (target < 200 ms); alpha over characters {:.3}, kappa over characters {:.3}, segment agreement {:.1} %",
        spans.len(),
        lens.len(),
        ac.unwrap_or(f64::NAN),
        kc.unwrap_or(f64::NAN),
        asg.unwrap_or(f64::NAN) * 100.0
    );
    Ok(())
}
