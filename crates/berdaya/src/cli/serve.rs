//! `berdaya serve`: the web server, optionally loading the demo data first, sealing the
//! audit log while it runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use berdaya::demo::{self, DemoRefused};
use berdaya::seal::{Sealed, Sealer, pg_label};
use berdaya::store::{DatabaseUrl, default_database_path};
use berdaya_store::Store;

use super::DatabaseArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    db: DatabaseArg,
    /// Address to listen on; port 0 picks a free port (the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080", env = "BERDAYA_BIND")]
    bind: SocketAddr,
    /// Load the demo data (synthetic people in the places of the five seed studies, and the
    /// whole country's regions) into an empty database first. Refused when the database holds
    /// other households or people.
    #[arg(long)]
    demo: bool,
    /// Seal the audit log this often (seconds) while it grows, and once more on shutdown.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600), env = "BERDAYA_SEAL_EVERY")]
    seal_every: u64,
    /// Berdaya is behind one reverse proxy that appends the client's address to
    /// X-Forwarded-For: login throttling then keys on that address, not the proxy's. Never set
    /// it when clients reach Berdaya directly (they could write the header themselves).
    #[arg(long, env = "BERDAYA_TRUST_PROXY")]
    trust_proxy: bool,
    /// The largest survey upload (instrument and responses together), in MiB; stated on the
    /// upload form. Uploads are streamed to disk, so memory does not grow with it.
    #[arg(long, value_name = "MIB", default_value_t = berdaya_web::survey::SurveyConfig::DEFAULT_LIMIT_MIB,
        value_parser = clap::value_parser!(u64).range(1..=1_048_576), env = "BERDAYA_SURVEY_UPLOAD_LIMIT_MB")]
    survey_upload_limit_mb: u64,
    /// Where uploaded survey responses are kept (the database names the files). Default:
    /// `DATABASE.survey-files` beside an SQLite file, `survey-files-HOST-PORT-DB` in the data
    /// directory for PostgreSQL. Back it up with the database.
    #[arg(long, value_name = "DIR", env = "BERDAYA_SURVEY_FILES")]
    survey_files: Option<PathBuf>,
    /// On the dashboards, the viewer role sees counts of families from 1 below N as "< N"
    /// (so no family can be singled out); 1 shows every count.
    #[arg(long, value_name = "N", default_value_t = berdaya_web::dashboard::DEFAULT_SUPPRESS_BELOW,
        value_parser = clap::value_parser!(u64).range(1..=1000), env = "BERDAYA_SUPPRESS_BELOW")]
    suppress_below: u64,
}

/// The survey files directory: the one given, or one beside the database.
fn survey_files(url: &DatabaseUrl, given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    Ok(match url {
        DatabaseUrl::Sqlite(db) => {
            let mut name = db.as_os_str().to_owned();
            name.push(".survey-files");
            PathBuf::from(name)
        }
        DatabaseUrl::Postgres(pg) => {
            let data =
                default_database_path().context("no data directory for survey uploads: pass --survey-files DIR")?;
            data.parent().map(Path::to_path_buf).unwrap_or_default().join(format!("survey-files-{}", pg_label(pg)))
        }
    })
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let url = args.db.url()?;
    let sealer = Sealer::new(args.db.seal_files()?);
    let store = berdaya::store::open(&url).await?;
    if args.demo && !load_demo(store.as_ref()).await? {
        return Ok(ExitCode::FAILURE);
    }
    let listener =
        tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let access = berdaya_web::access::AccessConfig { trust_forwarded_for: args.trust_proxy, ..Default::default() };
    let survey = berdaya_web::survey::SurveyConfig {
        upload_limit: args.survey_upload_limit_mb << 20,
        files_dir: survey_files(&url, args.survey_files)?,
    };
    std::fs::create_dir_all(&survey.files_dir)
        .with_context(|| format!("cannot make the survey files directory {}", survey.files_dir.display()))?;
    match survey.remove_partial_uploads() {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "survey uploads cut off by the last stop were removed"),
        Err(e) => tracing::warn!(error = %e, "cannot clean the survey files directory"),
    }
    let state = berdaya_web::AppState::with_access(store.clone(), access).with_survey(survey);
    let app = berdaya_web::router(state.with_suppression(args.suppress_below));
    tracing::info!(%addr, backend = store.backend(), "server started");
    println!("Berdaya berjalan di http://{addr}  (Berdaya is running at http://{addr})");
    println!("Basis data / database: {}", url.redacted());
    println!("Tekan Ctrl-C untuk berhenti (press Ctrl-C to stop).");
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let sealing = tokio::spawn(seal_periodically(store.clone(), sealer, Duration::from_secs(args.seal_every), stopped));
    // The peer address of each connection reaches the handlers (the login throttle keys on it).
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await;
    let _ = stop.send(());
    if let Err(e) = sealing.await {
        tracing::error!(error = %e, "the audit sealing task failed");
    }
    served.context("the server failed")?;
    tracing::info!("server stopped");
    Ok(ExitCode::SUCCESS)
}

/// Seals the audit log every `every` while the server runs (a seal is written only when the
/// log has grown), and a last time when `stop` fires. A failure is logged once, not every
/// round, and the server goes on.
async fn seal_periodically(
    store: Arc<dyn Store>,
    mut sealer: Sealer,
    every: Duration,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut last_problem: Option<String> = None;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            _ = tick.tick() => false,
            _ = &mut stop => true,
        };
        let problem = match sealer.seal(store.as_ref()).await {
            Ok(Sealed::Refused(why)) => Some(format!("{why}; run `berdaya audit verify`")),
            Ok(_) => None,
            Err(e) => Some(format!("{e:#}")),
        };
        if let Some(p) = &problem
            && last_problem.as_ref() != Some(p)
        {
            tracing::error!(problem = %p, "the audit log is not sealed");
        }
        last_problem = problem;
        if stopping {
            return;
        }
    }
}

/// Loads the demo, or explains why not. `false` when the database holds other data.
async fn load_demo(store: &dyn Store) -> anyhow::Result<bool> {
    match demo::load_with(store, demo::DemoRegions::Country).await {
        Ok(s) => {
            println!(
                "Data demo dimuat / demo data loaded: {} regions, {} households, {} people, {} groups, {} agencies, \
                 {} programs, {} enrollments (all people are fictional)",
                s.regions, s.households, s.people, s.groups, s.agencies, s.programs, s.enrollments
            );
            show_demo_accounts(store).await
        }
        Err(e) => match e.downcast_ref::<DemoRefused>() {
            Some(DemoRefused::AlreadyLoaded(_)) => {
                println!("Data demo sudah ada / the demo data is already in this database; starting as it is.");
                show_demo_accounts(store).await
            }
            Some(refused @ DemoRefused::NotEmpty { .. }) => {
                eprintln!("error: not loading the demo: {refused}. Use a new database (--database) for the demo.");
                Ok(false)
            }
            None => Err(e.context("loading the demo data")),
        },
    }
}

/// Gives the demo accounts fresh passwords and prints them (they exist only in a demo database).
async fn show_demo_accounts(store: &dyn Store) -> anyhow::Result<bool> {
    let accounts = demo::demo_accounts(store).await.context("preparing the demo accounts")?;
    println!("Akun demo, kata sandi baru setiap kali dijalankan / demo accounts, new passwords on every start:");
    let rows: Vec<Vec<String>> = accounts
        .iter()
        .map(|a| vec![a.username.clone(), a.role.code().into(), a.area_label(), a.password.clone()])
        .collect();
    super::print_table(&["USERNAME", "ROLE", "AREA", "PASSWORD"], &rows);
    Ok(true)
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
