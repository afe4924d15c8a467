//! The audit log's seals on disk: the key that signs them and the append-only file that
//! holds them, both outside the database (the checkpoints themselves are
//! [`berdaya_domain::access::seal`]).
//!
//! Defaults, each overridable (`--audit-key`, `--audit-seals`):
//! - the key is `audit.key` in the user's data directory, made (mode 0600) the first time
//!   there is something to seal;
//! - the seals of an SQLite database are `DATABASE.seals` beside it; those of a PostgreSQL
//!   database `audit-seals-HOST-PORT-DATABASE.log` in the data directory.
//!
//! Whoever can change the database but can neither read the key nor rewrite the seal file
//! cannot hide a cut or a rewrite of the log: keep both where the database's users cannot
//! reach them.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use berdaya_domain::access::audit::GENESIS;
use berdaya_domain::access::seal::{AuditHead, Seal, SealKey, SealKind};
use berdaya_store::Store;

use crate::store::{DatabaseUrl, default_database_path};

/// The first line of a new seal file.
const HEADER: &str = "# berdaya audit seals: KIND SEQ HEAD AT HMAC-SHA256; append-only, do not edit";

/// Where the key and the seals of one database are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealFiles {
    pub key: PathBuf,
    pub log: PathBuf,
}

/// A seal line that cannot be trusted: unreadable, or not signed by the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSeal {
    /// Line number in the seal file, from 1.
    pub line: usize,
    pub problem: String,
}

/// The seal file as read: the seals whose signature holds, in file order, and the lines that
/// do not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealLog {
    pub seals: Vec<Seal>,
    pub bad: Vec<BadSeal>,
    /// Whether the file exists at all.
    pub exists: bool,
}

impl SealFiles {
    /// The files for `url`: the ones given, else the defaults (see the module).
    pub fn new(url: &DatabaseUrl, key: Option<PathBuf>, log: Option<PathBuf>) -> anyhow::Result<SealFiles> {
        let data_dir = || -> anyhow::Result<PathBuf> {
            let db = default_database_path().map_err(|_| {
                anyhow::anyhow!(
                    "no data directory for the audit key and seals: pass --audit-key FILE (and --audit-seals FILE \
                     for PostgreSQL)"
                )
            })?;
            Ok(db.parent().map(Path::to_path_buf).unwrap_or_default())
        };
        let key = match key {
            Some(k) => k,
            None => data_dir()?.join("audit.key"),
        };
        let log = match (log, url) {
            (Some(l), _) => l,
            (None, DatabaseUrl::Sqlite(db)) => {
                let mut name = db.as_os_str().to_owned();
                name.push(".seals");
                PathBuf::from(name)
            }
            (None, DatabaseUrl::Postgres(pg)) => data_dir()?.join(format!("audit-seals-{}.log", pg_label(pg))),
        };
        Ok(SealFiles { key, log })
    }

    /// The key, or `None` when its file does not exist.
    pub fn read_key(&self) -> anyhow::Result<Option<SealKey>> {
        let text = match std::fs::read_to_string(&self.key) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading the audit key {}", self.key.display())),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(&self.key)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(key = %self.key.display(), "the audit key can be read by other users: chmod 600 it");
            }
        }
        SealKey::parse_hex(&text).map(Some).with_context(|| format!("reading the audit key {}", self.key.display()))
    }

    /// The key, made now if there is none and no seal was ever written with one.
    fn key_for_sealing(&self) -> anyhow::Result<SealKey> {
        if let Some(key) = self.read_key()? {
            return Ok(key);
        }
        if self.has_seal_lines()? {
            anyhow::bail!(
                "the seals in {} were signed with a key that is gone ({}): restore the key, or move the seal file \
                 away to start over",
                self.log.display(),
                self.key.display()
            );
        }
        create_key(&self.key)
    }

    fn has_seal_lines(&self) -> anyhow::Result<bool> {
        match std::fs::read_to_string(&self.log) {
            Ok(t) => Ok(t.lines().any(|l| !l.trim().is_empty() && !l.starts_with('#'))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).with_context(|| format!("reading {}", self.log.display())),
        }
    }

    /// Every line of the seal file, checked against `key`. A missing file is an empty log.
    pub fn read(&self, key: &SealKey) -> anyhow::Result<SealLog> {
        let text = match std::fs::read_to_string(&self.log) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SealLog::default()),
            Err(e) => return Err(e).with_context(|| format!("reading the audit seals {}", self.log.display())),
        };
        let mut log = SealLog { exists: true, ..SealLog::default() };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match Seal::parse(line) {
                Ok(seal) if seal.is_signed_by(key) => log.seals.push(seal),
                Ok(_) => log.bad.push(BadSeal { line: i + 1, problem: "its signature does not match the key".into() }),
                Err(e) => log.bad.push(BadSeal { line: i + 1, problem: e.to_string() }),
            }
        }
        Ok(log)
    }

    /// Appends one seal as one write, so that processes sealing at once do not mix lines.
    pub fn append(&self, seal: &Seal) -> anyhow::Result<()> {
        if let Some(dir) = self.log.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("opening the audit seals {}", self.log.display()))?;
        let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
        let text = if empty { format!("{HEADER}\n{}\n", seal.line()) } else { format!("{}\n", seal.line()) };
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .with_context(|| format!("writing the audit seals {}", self.log.display()))
    }
}

/// Makes a key file readable by its owner only. Two processes making it at once agree on
/// one: the file appears whole (hard link of a finished temporary) or not at all.
fn create_key(path: &Path) -> anyhow::Result<SealKey> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = SealKey::generate();
    let tmp = dir.join(format!(".audit-key-{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(format!("{}\n", key.to_hex()).as_bytes()).and_then(|()| f.sync_all()));
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(key = %path.display(), "audit key created");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            SealKey::parse_hex(&text).with_context(|| format!("reading the audit key {}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("creating the audit key {}", path.display())),
    }
}

/// `HOST-PORT-DATABASE` of a PostgreSQL URL, safe as part of a file name (no user, no
/// password).
pub fn pg_label(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let database = if database.is_empty() { "default" } else { database };
    format!("{host}-{database}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .collect()
}

/// What one [`Sealer::seal`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealed {
    /// The log is empty.
    Nothing,
    /// The head is the one sealed last.
    Unchanged(AuditHead),
    /// A new seal was written.
    Written(Seal),
    /// The log is behind its last seal, or differs from it: not sealed, so that a cut or a
    /// rewrite is not blessed. `berdaya audit verify` says more.
    Refused(String),
}

/// Seals one database's log, remembering the last seal so that an idle log costs one query.
#[derive(Debug)]
pub struct Sealer {
    files: SealFiles,
    key: Option<SealKey>,
    last: Option<AuditHead>,
}

impl Sealer {
    pub fn new(files: SealFiles) -> Sealer {
        Sealer { files, key: None, last: None }
    }

    pub fn files(&self) -> &SealFiles {
        &self.files
    }

    /// Seals the log's current head, unless it is already sealed or is behind the last seal.
    pub async fn seal(&mut self, store: &dyn Store) -> anyhow::Result<Sealed> {
        let head = store.audit_head().await.context("reading the head of the audit log")?;
        if head.is_some() && self.last == head {
            return Ok(head.map_or(Sealed::Nothing, Sealed::Unchanged));
        }
        if head.is_none() && !self.files.has_seal_lines()? {
            return Ok(Sealed::Nothing);
        }
        let key = self.key()?;
        let log = self.files.read(&key)?;
        let from = log.seals.iter().rposition(|s| s.kind == SealKind::Restore).unwrap_or(0);
        let top = log.seals[from..].iter().max_by_key(|s| s.seq);
        let Some(head) = head else {
            return Ok(match top.filter(|t| t.seq > 0) {
                Some(top) => Sealed::Refused(format!(
                    "the audit log is empty but was sealed up to entry {} on {}",
                    top.seq, top.at
                )),
                None => Sealed::Nothing,
            });
        };
        if let Some(top) = top {
            if head.seq < top.seq {
                return Ok(Sealed::Refused(format!(
                    "the audit log ends at entry {} but was sealed up to entry {} on {}",
                    head.seq, top.seq, top.at
                )));
            }
            if head.seq == top.seq {
                if head.hash != top.head {
                    return Ok(Sealed::Refused(format!(
                        "entry {} of the audit log is not the one sealed on {}",
                        head.seq, top.at
                    )));
                }
                self.last = Some(head.clone());
                return Ok(Sealed::Unchanged(head));
            }
        }
        let seal = Seal::sign(&key, SealKind::Seal, head.seq, &head.hash, &now());
        self.files.append(&seal)?;
        tracing::info!(seq = seal.seq, head = %seal.head, seals = %self.files.log.display(), "audit log sealed");
        self.last = Some(head);
        Ok(Sealed::Written(seal))
    }

    /// Records that the database was just replaced by a backup: the seals before this one
    /// describe a log that is gone.
    pub async fn restored(&mut self, store: &dyn Store) -> anyhow::Result<Seal> {
        let head = store.audit_head().await.context("reading the head of the audit log")?;
        let (seq, hash) = head.map_or((0, GENESIS.to_string()), |h| (h.seq, h.hash));
        let key = self.key()?;
        let seal = Seal::sign(&key, SealKind::Restore, seq, &hash, &now());
        self.files.append(&seal)?;
        tracing::info!(seq, seals = %self.files.log.display(), "audit log restored from a backup");
        self.last = None;
        Ok(seal)
    }

    fn key(&mut self) -> anyhow::Result<SealKey> {
        if let Some(k) = &self.key {
            return Ok(k.clone());
        }
        let key = self.files.key_for_sealing()?;
        self.key = Some(key.clone());
        Ok(key)
    }
}

fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| now.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_seal_files_are_named_without_credentials() {
        assert_eq!(
            pg_label("postgres://app:s3cret@db.example:5432/berdaya?sslmode=require"),
            "db.example-5432-berdaya"
        );
        assert_eq!(pg_label("postgresql://localhost"), "localhost-default");
        let files = SealFiles::new(
            &DatabaseUrl::Sqlite("/srv/berdaya/data.sqlite3".into()),
            Some("/etc/berdaya/audit.key".into()),
            None,
        )
        .expect("files");
        assert_eq!(files.log, PathBuf::from("/srv/berdaya/data.sqlite3.seals"));
    }

    #[test]
    fn a_key_is_made_once_private_and_a_bad_line_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = SealFiles { key: dir.path().join("k/audit.key"), log: dir.path().join("db.seals") };
        assert_eq!(files.read_key().expect("read"), None);
        let key = files.key_for_sealing().expect("create");
        assert_eq!(files.key_for_sealing().expect("read again"), key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files.key).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let seal = Seal::sign(&key, SealKind::Seal, 3, &"ab".repeat(32), "2026-11-24T10:00:00Z");
        files.append(&seal).expect("append");
        files.append(&Seal { seq: 4, ..seal.clone() }).expect("append");
        let log = files.read(&key).expect("read");
        assert_eq!(log.seals, vec![seal]);
        assert_eq!(log.bad, vec![BadSeal { line: 3, problem: "its signature does not match the key".into() }]);

        std::fs::remove_file(&files.key).expect("lose the key");
        let err = files.key_for_sealing().expect_err("no new key over old seals").to_string();
        assert!(err.contains("key that is gone"), "{err}");
    }
}
