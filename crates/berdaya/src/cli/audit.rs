//! `berdaya audit`: check the audit log's hash chain, and read its latest entries.
//!
//! `verify` recomputes every entry's hash from its fields and the entry before it (as the
//! store sealed them), so an entry altered, removed or inserted behind the application's
//! back shows up by its position (`seq`).

use std::process::ExitCode;

use anyhow::Context;
use berdaya_domain::access::AuditEntry;
use berdaya_domain::access::audit::ChainCheck;
use berdaya_store::PageRequest;
use berdaya_store::access::AuditFilter;

use super::{DatabaseArg, print_table};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the whole log; exit 1 and name every broken entry if it is broken.
    Verify(VerifyArgs),
    /// The latest entries, newest first (no record contents: open them in the web interface).
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
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
    }
}

async fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = berdaya::store::open(&args.db.url()?).await?;
    let mut check = ChainCheck::new();
    let read = store
        .audit_chain(&mut |entry| {
            check.push(&entry);
            true
        })
        .await
        .context("reading the audit log")?;
    tracing::info!(entries = read, breaks = check.breaks.len(), "audit chain checked");
    if check.is_intact() {
        println!("Log audit utuh / audit log intact: {} entries", check.checked);
        return Ok(ExitCode::SUCCESS);
    }
    for b in &check.breaks {
        println!("entry {}: {}", b.seq, b.problem);
    }
    eprintln!(
        "error: Log audit RUSAK / audit log BROKEN: {} problems in {} entries; the entries named above were changed, \
         removed or inserted outside Berdaya",
        check.breaks.len(),
        check.checked
    );
    Ok(ExitCode::FAILURE)
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
