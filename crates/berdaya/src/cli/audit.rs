//! `berdaya audit`: check the audit log's hash chain against its seals, seal it, and read
//! its latest entries.
//!
//! `verify` recomputes every entry's hash from its fields and the entry before it (as the
//! store sealed them), so an entry altered, removed or inserted behind the application's
//! back shows up by its position (`seq`). It then compares the log with its seals (signed
//! checkpoints kept outside the database, see [`berdaya::seal`]): a log shorter than its
//! seals was cut, a sealed entry with another hash means the chain was rewritten, a seal
//! whose signature fails was forged or edited. Entries after the last seal are reported as
//! unsealed: nothing can yet tell whether they were cut or rewritten.

use std::process::ExitCode;

use anyhow::Context;
use berdaya::seal::{SealFiles, SealLog, Sealed, Sealer};
use berdaya_domain::access::AuditEntry;
use berdaya_domain::access::audit::ChainCheck;
use berdaya_domain::access::seal::SealCheck;
use berdaya_store::PageRequest;
use berdaya_store::access::AuditFilter;

use super::{DatabaseArg, print_table};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the whole log and compare it with its seals; exit 1 and name every
    /// broken entry, a cut tail, a rewritten chain or a forged seal.
    Verify(VerifyArgs),
    /// The latest entries, newest first (no record contents: open them in the web interface).
    List(ListArgs),
    /// Seal the log now: sign its length and last hash into the seal file, outside the database.
    Seal(SealArgs),
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// Fail also when entries exist that no seal covers yet.
    #[arg(long)]
    require_sealed: bool,
}

#[derive(Debug, clap::Args)]
pub struct SealArgs {
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only entries of this actor (exact, e.g. `siti` or `cli:root`).
    #[arg(long, value_name = "ACTOR")]
    actor: Option<String>,
    /// Only this action (`create`, `update`, `delete`, `login`, `reveal`, `export`, `import`, …).
    #[arg(long, value_name = "ACTION")]
    action: Option<String>,
    /// Only this kind of record (`households`, `people`, `users`, …).
    #[arg(long, value_name = "ENTITY")]
    entity: Option<String>,
    /// Only this record (with --entity).
    #[arg(long, value_name = "ID")]
    entity_id: Option<String>,
    /// Only entries at or after this time (`2026-11-24`, `2026-11-24T10:00`).
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// Only entries before this time.
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// How many entries to show (at most 200).
    #[arg(long, value_name = "N", default_value_t = 50)]
    limit: u32,
    #[command(flatten)]
    db: DatabaseArg,
}

pub async fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify(args) => verify(args).await,
        AuditCommand::List(args) => list(args).await,
        AuditCommand::Seal(args) => seal(args).await,
    }
}

async fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let files = args.db.seal_files()?;
    let seals = read_seals(&files)?;
    let store = berdaya::store::open(&args.db.url()?).await?;
    let mut check = ChainCheck::new();
    let mut sealed = SealCheck::new(&seals.seals);
    let read = store
        .audit_chain(&mut |entry| {
            check.push(&entry);
            sealed.push(&entry);
            true
        })
        .await
        .context("reading the audit log")?;
    let sealed = sealed.finish();
    tracing::info!(entries = read, breaks = check.breaks.len(), seals = sealed.seals, "audit chain checked");

    for b in &check.breaks {
        println!("entry {}: {}", b.seq, b.problem);
    }
    for bad in &seals.bad {
        println!("seal line {} of {}: {}", bad.line, files.log.display(), bad.problem);
    }
    if let Some(t) = &sealed.truncated {
        println!("{t}");
    }
    if let Some(r) = &sealed.rechained {
        println!("{r}");
    }
    let problems = check.breaks.len()
        + seals.bad.len()
        + usize::from(sealed.truncated.is_some())
        + usize::from(sealed.rechained.is_some());
    if problems > 0 {
        eprintln!(
            "error: Log audit RUSAK / audit log BROKEN: {problems} problems in {} entries; the entries named above \
             were changed, removed or inserted outside Berdaya",
            check.checked
        );
        return Ok(ExitCode::FAILURE);
    }

    if sealed.superseded > 0 {
        println!("Dipulihkan / restored from a backup: {} earlier seals describe the log before it", sealed.superseded);
    }
    if sealed.seals > 0 {
        println!("Segel / seals: {} in {}, up to entry {}", sealed.seals, files.log.display(), sealed.sealed_up_to);
    }
    println!("Log audit utuh / audit log intact: {} entries", check.checked);
    if sealed.unsealed > 0 {
        let what = if sealed.seals == 0 {
            format!("no seal in {}: all {} entries are unsealed", files.log.display(), sealed.unsealed)
        } else {
            format!("{} unsealed entries (after entry {})", sealed.unsealed, sealed.sealed_up_to)
        };
        eprintln!(
            "warning: belum disegel / {what}; a cut or rewritten log there cannot be told. \
             `berdaya audit seal` seals it, `berdaya serve` does every few seconds"
        );
        if args.require_sealed {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The seals of the database, checked with its key. Without a key there are no seals to
/// trust; a seal file whose key is gone is an error, not an empty file.
fn read_seals(files: &SealFiles) -> anyhow::Result<SealLog> {
    match files.read_key()? {
        Some(key) => files.read(&key),
        None if files.log.exists() => anyhow::bail!(
            "cannot check the seals in {}: their key {} is missing (pass --audit-key)",
            files.log.display(),
            files.key.display()
        ),
        None => Ok(SealLog::default()),
    }
}

async fn seal(args: SealArgs) -> anyhow::Result<ExitCode> {
    let mut sealer = Sealer::new(args.db.seal_files()?);
    let store = berdaya::store::open(&args.db.url()?).await?;
    match sealer.seal(store.as_ref()).await? {
        Sealed::Nothing => println!("Log audit kosong / the audit log is empty: nothing to seal"),
        Sealed::Unchanged(head) => {
            println!("Sudah disegel / already sealed: up to entry {} in {}", head.seq, sealer.files().log.display())
        }
        Sealed::Written(seal) => {
            println!("Disegel / sealed: up to entry {} in {}", seal.seq, sealer.files().log.display())
        }
        Sealed::Refused(why) => {
            eprintln!("error: tidak disegel / not sealed: {why}; run `berdaya audit verify`");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let nonempty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let filter = AuditFilter {
        actor: nonempty(&args.actor),
        action: nonempty(&args.action),
        entity: nonempty(&args.entity),
        entity_id: nonempty(&args.entity_id),
        from: nonempty(&args.from),
        until: nonempty(&args.until),
        area: None,
    };
    if !(1..=PageRequest::MAX_PER_PAGE).contains(&args.limit) {
        anyhow::bail!("--limit: must be from 1 to {}", PageRequest::MAX_PER_PAGE);
    }
    let store = berdaya::store::open(&args.db.url()?).await?;
    let page = store.audit_entries(&filter, PageRequest::new(1, args.limit)).await.context("reading the audit log")?;
    if page.items.is_empty() {
        println!("Tidak ada entri / no entries match.");
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                e.at.clone(),
                e.actor.clone(),
                e.action.clone(),
                e.entity.clone(),
                e.entity_id.clone().unwrap_or_default(),
                changed_fields(e),
            ]
        })
        .collect();
    print_table(&["SEQ", "AT", "ACTOR", "ACTION", "ENTITY", "ID", "CHANGED"], &rows);
    let more = if page.total_capped { "more than ".to_string() } else { String::new() };
    eprintln!("{} of {more}{} matching entries shown, newest first", page.items.len(), page.total);
    Ok(ExitCode::SUCCESS)
}

/// The names of the fields an update changed (values are not shown: they may be personal).
fn changed_fields(e: &AuditEntry) -> String {
    let parse = |s: &Option<String>| {
        s.as_deref().and_then(|s| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s).ok())
    };
    match (parse(&e.before), parse(&e.after)) {
        (Some(before), Some(after)) => {
            let mut keys: Vec<&str> = after
                .iter()
                .filter(|(k, v)| before.get(*k) != Some(*v) && k.as_str() != "version")
                .map(|(k, _)| k.as_str())
                .chain(before.keys().filter(|k| !after.contains_key(*k)).map(String::as_str))
                .collect();
            keys.sort_unstable();
            keys.join(", ")
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_name_their_changed_fields_only() {
        let e = AuditEntry {
            seq: 1,
            at: "2026-11-24T10:00:00.000Z".into(),
            actor_id: None,
            actor: "cli:root".into(),
            action: "update".into(),
            entity: "households".into(),
            entity_id: Some("7".into()),
            before: Some(r#"{"address":"Jl. A","version":1,"kk":"3316"}"#.into()),
            after: Some(r#"{"address":"Jl. B","version":2,"kk":"3316"}"#.into()),
            prev_hash: String::new(),
            hash: String::new(),
        };
        assert_eq!(changed_fields(&e), "address");
        assert_eq!(changed_fields(&AuditEntry { before: None, ..e }), "");
    }
}
