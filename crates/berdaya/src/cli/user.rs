//! `berdaya user`: accounts from the command line: create, change a password, disable and
//! enable, list, and the households and groups a facilitator is assigned.
//!
//! There is no default password: a password comes from standard input (`--password-stdin`,
//! one line) or is asked twice on the terminal without echo. Neither a password nor its hash
//! is ever printed.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use berdaya_domain::access::{PasswordHash, Role, User, UserDraft, Username, check_password_rules};
use berdaya_domain::registry::{Id, RegionCode, text};
use berdaya_store::access::Assigned;
use berdaya_store::{Store, StoreError};

use super::{DatabaseArg, option_of, print_table, store_error};

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input (--password-stdin) or
    /// asked twice on the terminal.
    Create(CreateArgs),
    /// Set a new password (and end the account's sessions).
    Passwd(PasswdArgs),
    /// Disable an account: it can no longer sign in, its sessions end, its API tokens stop working.
    Disable(NameArgs),
    /// Enable a disabled account again.
    Enable(NameArgs),
    /// List every account.
    List(ListArgs),
    /// Assign households or groups to a facilitator.
    Assign(AssignArgs),
    /// Take households or groups away from a facilitator.
    Unassign(AssignArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Login name: 3 to 32 of a-z 0-9 . _ -
    #[arg(value_name = "USERNAME")]
    username: String,
    /// One of: administrator, program_officer, facilitator, group_officer, evaluator, viewer.
    #[arg(long, value_name = "ROLE")]
    role: String,
    /// The person's name as others see it.
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The region the account is bound to (e.g. 33.16 for Kabupaten Blora); none is national.
    #[arg(long, value_name = "CODE")]
    area: Option<String>,
    /// The agency a program officer works for (its id).
    #[arg(long, value_name = "ID")]
    agency: Option<String>,
    /// The group a group officer serves (its id).
    #[arg(long, value_name = "ID")]
    group: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, clap::Args)]
pub struct PasswdArgs {
    #[arg(value_name = "USERNAME")]
    username: String,
    /// Read the new password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, clap::Args)]
pub struct NameArgs {
    #[arg(value_name = "USERNAME")]
    username: String,
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, clap::Args)]
pub struct AssignArgs {
    /// The facilitator.
    #[arg(value_name = "USERNAME")]
    username: String,
    /// A household id (repeat for several).
    #[arg(long = "household", value_name = "ID")]
    households: Vec<String>,
    /// A group id (repeat for several).
    #[arg(long = "group", value_name = "ID")]
    groups: Vec<String>,
    #[command(flatten)]
    db: DatabaseArg,
}

pub async fn run(command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Create(args) => create(args).await,
        UserCommand::Passwd(args) => passwd(args).await,
        UserCommand::Disable(args) => set_disabled(args, true).await,
        UserCommand::Enable(args) => set_disabled(args, false).await,
        UserCommand::List(args) => list(args).await,
        UserCommand::Assign(args) => assign(args, true).await,
        UserCommand::Unassign(args) => assign(args, false).await,
    }
}

impl UserCommand {
    /// The database this command changes (`None` for `list`).
    pub(super) fn writes_to(&self) -> Option<&DatabaseArg> {
        match self {
            UserCommand::Create(args) => Some(&args.db),
            UserCommand::Passwd(args) => Some(&args.db),
            UserCommand::Disable(args) | UserCommand::Enable(args) => Some(&args.db),
            UserCommand::Assign(args) | UserCommand::Unassign(args) => Some(&args.db),
            UserCommand::List(_) => None,
        }
    }
}

async fn create(args: CreateArgs) -> anyhow::Result<ExitCode> {
    let draft = UserDraft {
        username: args.username.clone(),
        display_name: args.name.clone(),
        role: args.role.clone(),
        area: args.area.clone(),
        agency_id: optional_id("--agency", args.agency.as_deref())?,
        group_id: optional_id("--group", args.group.as_deref())?,
    };
    let new = draft.parse().map_err(|invalid| {
        anyhow::anyhow!(
            "{}",
            invalid.0.iter().map(|f| format!("{}: {}", option_of(&f.field), f.message)).collect::<Vec<_>>().join("; ")
        )
    })?;
    let store = berdaya::store::open(&args.db.url()?).await?;
    // Everything the store would refuse, before anyone types a password.
    if find(store.as_ref(), &new.username).await?.is_some() {
        anyhow::bail!("USERNAME: `{}` is taken", new.username);
    }
    check_references(store.as_ref(), new.area.as_ref(), new.agency_id, new.group_id).await?;
    let password = read_password(args.password_stdin, new.username.as_str())?;
    let hash = PasswordHash::new(&password).map_err(|e| anyhow::anyhow!(e))?;
    let user = store.create_user(&new, &hash).await.map_err(store_error)?;
    println!(
        "Akun dibuat / account created: {} ({}, {}, {})",
        user.username,
        user.display_name,
        user.role.code(),
        area_label(user.area.as_ref())
    );
    Ok(ExitCode::SUCCESS)
}

async fn passwd(args: PasswdArgs) -> anyhow::Result<ExitCode> {
    let store = berdaya::store::open(&args.db.url()?).await?;
    let user = existing(store.as_ref(), &args.username).await?;
    let password = read_password(args.password_stdin, user.username.as_str())?;
    let hash = PasswordHash::new(&password).map_err(|e| anyhow::anyhow!(e))?;
    store.set_password(user.id, &hash).await.map_err(store_error)?;
    println!("Kata sandi diganti / password changed for {}; their sessions have ended.", user.username);
    Ok(ExitCode::SUCCESS)
}

async fn set_disabled(args: NameArgs, disabled: bool) -> anyhow::Result<ExitCode> {
    let store = berdaya::store::open(&args.db.url()?).await?;
    let user = existing(store.as_ref(), &args.username).await?;
    if user.disabled == disabled {
        println!("{} is already {}; nothing changed.", user.username, status(disabled));
        return Ok(ExitCode::SUCCESS);
    }
    let user = store.set_user_disabled(user.id, disabled).await.map_err(store_error)?;
    if disabled {
        println!("Akun dinonaktifkan / account disabled: {} (sessions ended, API tokens stop working)", user.username);
    } else {
        println!("Akun diaktifkan / account enabled: {}", user.username);
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let store = berdaya::store::open(&args.db.url()?).await?;
    let users = store.users().await.context("listing accounts")?;
    let mut rows = Vec::with_capacity(users.len());
    for u in &users {
        let area = match &u.area {
            Some(code) => match store.region(code).await {
                Ok(r) => format!("{code} {}", r.name),
                Err(_) => code.to_string(),
            },
            None => "(nasional / national)".into(),
        };
        let agency = match u.agency_id {
            Some(id) => match store.agency(id).await {
                Ok(a) => format!("{} (#{id})", a.name),
                Err(_) => format!("#{id}"),
            },
            None => String::new(),
        };
        let group = match u.group_id {
            Some(id) => match store.group(id).await {
                Ok(g) => format!("{} (#{id})", g.name),
                Err(_) => format!("#{id}"),
            },
            None => String::new(),
        };
        rows.push(vec![
            u.username.to_string(),
            u.display_name.clone(),
            u.role.code().to_string(),
            area,
            agency,
            group,
            status(u.disabled).to_string(),
        ]);
    }
    if rows.is_empty() {
        println!("Belum ada akun / no accounts yet. Create one with `berdaya user create`.");
    } else {
        print_table(&["USERNAME", "NAME", "ROLE", "AREA", "AGENCY", "GROUP", "STATUS"], &rows);
    }
    Ok(ExitCode::SUCCESS)
}

async fn assign(args: AssignArgs, add: bool) -> anyhow::Result<ExitCode> {
    let mut what = Vec::new();
    for raw in &args.households {
        what.push(Assigned::Household(required_id("--household", raw)?));
    }
    for raw in &args.groups {
        what.push(Assigned::Group(required_id("--group", raw)?));
    }
    if what.is_empty() {
        anyhow::bail!("--household or --group: give at least one household or group id");
    }
    let store = berdaya::store::open(&args.db.url()?).await?;
    let user = existing(store.as_ref(), &args.username).await?;
    if user.role != Role::Facilitator {
        anyhow::bail!(
            "USERNAME: {} is a {} ({}); only a facilitator is assigned households and groups",
            user.username,
            user.role.label("en").to_lowercase(),
            user.role.code()
        );
    }
    for w in &what {
        let result = if add { store.assign(user.id, *w).await } else { store.unassign(user.id, *w).await };
        result.map_err(|e| match (e, w) {
            (StoreError::Reference { .. } | StoreError::NotFound { .. }, Assigned::Household(id)) => {
                anyhow::anyhow!("--household: no household has id {id}")
            }
            (StoreError::Reference { .. } | StoreError::NotFound { .. }, Assigned::Group(id)) => {
                anyhow::anyhow!("--group: no group has id {id}")
            }
            (e, _) => store_error(e),
        })?;
    }
    let held = store.assignments(user.id).await.context("reading the assignments")?;
    let households = held.iter().filter(|a| matches!(a, Assigned::Household(_))).count();
    let groups = held.len() - households;
    println!(
        "{} {} {}: now {households} households and {groups} groups",
        if add { "Assigned to / ditugaskan ke" } else { "Taken from / dicabut dari" },
        user.username,
        describe(&what),
    );
    Ok(ExitCode::SUCCESS)
}

fn describe(what: &[Assigned]) -> String {
    let parts: Vec<String> = what
        .iter()
        .map(|w| match w {
            Assigned::Household(id) => format!("household {id}"),
            Assigned::Group(id) => format!("group {id}"),
        })
        .collect();
    format!("({})", parts.join(", "))
}

fn status(disabled: bool) -> &'static str {
    if disabled { "disabled" } else { "active" }
}

fn area_label(area: Option<&RegionCode>) -> String {
    area.map_or_else(|| "national".into(), |a| format!("area {a}"))
}

fn optional_id(option: &str, raw: Option<&str>) -> anyhow::Result<Option<Id>> {
    raw.map(|r| required_id(option, r)).transpose()
}

fn required_id(option: &str, raw: &str) -> anyhow::Result<Id> {
    text::id(raw).map_err(|e| anyhow::anyhow!("{option}: {e}"))
}

/// The account with this username, if any.
pub(crate) async fn find(store: &dyn Store, username: &Username) -> anyhow::Result<Option<User>> {
    let users = store.users().await.context("reading the accounts")?;
    Ok(users.into_iter().find(|u| &u.username == username))
}

/// The account named `raw`, or an error naming it.
pub(crate) async fn existing(store: &dyn Store, raw: &str) -> anyhow::Result<User> {
    let username = Username::parse(raw).map_err(|e| anyhow::anyhow!("USERNAME: {e}"))?;
    find(store, &username).await?.ok_or_else(|| anyhow::anyhow!("USERNAME: no account is named `{username}`"))
}

/// Checks that the area, agency and group exist, naming the option of the first that does not.
async fn check_references(
    store: &dyn Store,
    area: Option<&RegionCode>,
    agency: Option<Id>,
    group: Option<Id>,
) -> anyhow::Result<()> {
    if let Some(code) = area {
        match store.region(code).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => anyhow::bail!("--area: no region has the code {code}"),
            Err(e) => return Err(e).with_context(|| format!("looking up region {code}")),
        }
    }
    if let Some(id) = agency {
        match store.agency(id).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => anyhow::bail!("--agency: no agency has id {id}"),
            Err(e) => return Err(e).with_context(|| format!("looking up agency {id}")),
        }
    }
    if let Some(id) = group {
        match store.group(id).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => anyhow::bail!("--group: no group has id {id}"),
            Err(e) => return Err(e).with_context(|| format!("looking up group {id}")),
        }
    }
    Ok(())
}

/// The new password, from standard input or asked twice on the terminal, checked against
/// the rules. There is no default.
fn read_password(from_stdin: bool, username: &str) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        anyhow::ensure!(read > 0, "--password-stdin: standard input is empty; give the password as its first line");
        let end = line.trim_end_matches(['\r', '\n']).len();
        line.truncate(end);
        line
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Kata sandi baru / new password: ").context("reading the password")?;
        check_password_rules(&first, username).map_err(|e| anyhow::anyhow!("password: {e}"))?;
        let again = rpassword::prompt_password("Ulangi / again: ").context("reading the password")?;
        anyhow::ensure!(first == again, "password: the two entries differ; nothing was changed");
        first
    } else {
        anyhow::bail!(
            "password: there is no terminal to ask for it; pass --password-stdin and give the password as the first \
             line of standard input"
        );
    };
    check_password_rules(&password, username).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    Ok(password)
}
