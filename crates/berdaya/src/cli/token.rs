//! `berdaya token`: API tokens for machine clients. A token acts as its user, with that
//! user's role and area. The secret is printed once, at creation; the store keeps only its
//! SHA-256 and its first characters (the prefix), which `token list` shows.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Context;
use berdaya_domain::registry::text;
use berdaya_store::StoreError;
use berdaya_store::access::{ApiToken, NewApiToken};
use time::OffsetDateTime;

use super::user::existing;
use super::{DatabaseArg, print_table, store_error};

/// The longest lifetime a token may be given.
const MAX_EXPIRES_DAYS: u32 = 3650;

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user and print its secret (shown only this once).
    Create(CreateArgs),
    /// List tokens (of one user, or everyone's) with their prefix, never their secret.
    List(ListArgs),
    /// Revoke a token for good.
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The user the token acts as.
    #[arg(value_name = "USERNAME")]
    username: String,
    /// What the token is for (e.g. "sync from the district office").
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Days until the token expires [default: never].
    #[arg(long, value_name = "N")]
    expires_days: Option<String>,
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this user's tokens.
    #[arg(value_name = "USERNAME")]
    username: Option<String>,
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// The token's id (see `berdaya token list`).
    #[arg(value_name = "ID")]
    id: String,
    #[command(flatten)]
    db: DatabaseArg,
}

pub async fn run(command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create(args) => create(args).await,
        TokenCommand::List(args) => list(args).await,
        TokenCommand::Revoke(args) => revoke(args).await,
    }
}

impl TokenCommand {
    /// The database this command changes (`None` for `list`).
    pub(super) fn writes_to(&self) -> Option<&DatabaseArg> {
        match self {
            TokenCommand::Create(args) => Some(&args.db),
            TokenCommand::Revoke(args) => Some(&args.db),
            TokenCommand::List(_) => None,
        }
    }
}

async fn create(args: CreateArgs) -> anyhow::Result<ExitCode> {
    let name = text::text(&args.name, 1, 80).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let expires_days = args.expires_days.as_deref().map(parse_days).transpose()?;
    let store = berdaya::store::open(&args.db.url()?).await?;
    let user = existing(store.as_ref(), &args.username).await?;
    if user.disabled {
        anyhow::bail!("USERNAME: {} is disabled; enable the account first (`berdaya user enable`)", user.username);
    }
    let (new, secret) = NewApiToken::mint(user.id, name, expires_days);
    let token = store.create_token(&new).await.map_err(store_error)?;
    // The secret alone on stdout, so a script can capture it; the rest on stderr.
    eprintln!(
        "Token {} \"{}\" for {} created{}. Simpan sekarang: token ini tidak akan ditampilkan lagi / save it now: it will \
         not be shown again.",
        token.id,
        token.name,
        user.username,
        token.expires_at.map(|e| format!(", expires {}", day(e))).unwrap_or_default()
    );
    println!("{secret}");
    Ok(ExitCode::SUCCESS)
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let store = berdaya::store::open(&args.db.url()?).await?;
    let only = match &args.username {
        Some(raw) => Some(existing(store.as_ref(), raw).await?.id),
        None => None,
    };
    let names: HashMap<_, _> = store
        .users()
        .await
        .context("reading the accounts")?
        .into_iter()
        .map(|u| (u.id, u.username.to_string()))
        .collect();
    let tokens = store.tokens(only).await.context("listing API tokens")?;
    let now = OffsetDateTime::now_utc();
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|t| {
            vec![
                t.id.to_string(),
                names.get(&t.user_id).cloned().unwrap_or_else(|| format!("#{}", t.user_id)),
                t.name.clone(),
                format!("{}…", t.prefix),
                day(t.created_at),
                t.expires_at.map(day).unwrap_or_else(|| "never".into()),
                state(t, now).into(),
            ]
        })
        .collect();
    if rows.is_empty() {
        println!("Belum ada token / no API tokens.");
    } else {
        print_table(&["ID", "USER", "NAME", "PREFIX", "CREATED", "EXPIRES", "STATUS"], &rows);
    }
    Ok(ExitCode::SUCCESS)
}

async fn revoke(args: RevokeArgs) -> anyhow::Result<ExitCode> {
    let id = text::id(&args.id).map_err(|e| anyhow::anyhow!("ID: {e}"))?;
    let store = berdaya::store::open(&args.db.url()?).await?;
    let token = store.revoke_token(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => anyhow::anyhow!("ID: no API token has id {id}"),
        e => store_error(e),
    })?;
    println!("Token {} \"{}\" dicabut / revoked; it no longer works.", token.id, token.name);
    Ok(ExitCode::SUCCESS)
}

fn parse_days(raw: &str) -> anyhow::Result<u32> {
    match raw.trim().parse::<u32>() {
        Ok(d) if (1..=MAX_EXPIRES_DAYS).contains(&d) => Ok(d),
        _ => {
            anyhow::bail!("--expires-days: `{}` is not a whole number of days from 1 to {MAX_EXPIRES_DAYS}", raw.trim())
        }
    }
}

fn state(t: &ApiToken, now: OffsetDateTime) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if t.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else {
        "active"
    }
}

/// A UTC date and minute: `2026-11-24 10:00`.
fn day(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}
