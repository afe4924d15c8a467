//! Seals of the audit chain: signed checkpoints of its length and head, kept outside the
//! database with a key the database does not hold.
//!
//! The hash chain shows an entry altered or removed *inside* the log, but not a log whose
//! newest entries were cut off, nor one rewritten with every following hash recomputed: both
//! leave a chain that is consistent with itself. A [`Seal`] records, at some moment, "the
//! chain reached entry `seq` and that entry's hash was `head`", signed with HMAC-SHA256 under
//! a [`SealKey`]. Whoever can change the database but not read the key cannot forge a seal,
//! so [`SealCheck`] can compare the log with its seals and name truncation and re-chaining.
//!
//! A seal is one line of text (see [`Seal::line`]); where the lines and the key are kept is
//! the binary's business.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::audit::{AuditEntry, AuditHash};

/// Bytes in a seal key.
pub const KEY_LEN: usize = 32;

/// The secret that signs seals: 32 random bytes. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealKey([u8; KEY_LEN]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

/// Why a key or a seal line cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("a seal key is {KEY_LEN} bytes written as {} hex digits", KEY_LEN * 2)]
    BadKey,
    #[error("not a seal line: {0}")]
    BadLine(String),
}

impl SealKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> SealKey {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut bytes = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        SealKey(bytes)
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> SealKey {
        SealKey(bytes)
    }

    /// The key as stored in its file: 64 hex digits (surrounding whitespace ignored).
    pub fn parse_hex(text: &str) -> Result<SealKey, SealError> {
        let text = text.trim();
        if text.len() != KEY_LEN * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SealError::BadKey);
        }
        let mut bytes = [0u8; KEY_LEN];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| SealError::BadKey)?;
        }
        Ok(SealKey(bytes))
    }

    /// The key as 64 lowercase hex digits, for its file.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn mac(&self, kind: SealKind, seq: i64, head: &str, at: &str) -> Hmac<Sha256> {
        // A 32-byte key is always a valid HMAC key; `new_from_slice` fails only on lengths
        // HMAC cannot take, which no `SealKey` has.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(format!("berdaya-audit-seal-v1\n{}\n{seq}\n{head}\n{at}\n", kind.code()).as_bytes());
        mac
    }
}

/// The newest sealed entry of the log: what a [`Seal`] signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: AuditHash,
}

/// What a seal records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealKind {
    /// The chain as it was at `at`.
    Seal,
    /// The database was replaced by a backup whose chain ends here: seals written before this
    /// one describe a log that no longer exists and are not checked.
    Restore,
}

impl SealKind {
    pub fn code(self) -> &'static str {
        match self {
            SealKind::Seal => "seal",
            SealKind::Restore => "restore",
        }
    }
}

/// One signed checkpoint: the chain ended at entry `seq`, whose hash was `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub kind: SealKind,
    /// The last entry sealed; 0 for an empty log (only after a restore).
    pub seq: i64,
    /// That entry's hash ([`super::audit::GENESIS`] for an empty log).
    pub head: AuditHash,
    /// When the seal was made, RFC 3339 UTC.
    pub at: String,
    /// HMAC-SHA256 of the fields above under the key, in hex.
    pub mac: String,
}

impl Seal {
    /// Signs a checkpoint. `at` must not contain whitespace (RFC 3339 does not).
    pub fn sign(key: &SealKey, kind: SealKind, seq: i64, head: &str, at: &str) -> Seal {
        let mac = hex(&key.mac(kind, seq, head, at).finalize().into_bytes());
        Seal { kind, seq, head: head.into(), at: at.into(), mac }
    }

    /// Whether `key` made this seal (compared in constant time).
    pub fn is_signed_by(&self, key: &SealKey) -> bool {
        match unhex(&self.mac) {
            Some(mac) => key.mac(self.kind, self.seq, &self.head, &self.at).verify_slice(&mac).is_ok(),
            None => false,
        }
    }

    /// `seal SEQ HEAD AT MAC`, one line without its newline.
    pub fn line(&self) -> String {
        format!("{} {} {} {} {}", self.kind.code(), self.seq, self.head, self.at, self.mac)
    }

    /// Reads a line written by [`Seal::line`]. The signature is not checked here.
    pub fn parse(line: &str) -> Result<Seal, SealError> {
        let bad = || SealError::BadLine(line.chars().take(80).collect());
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [kind, seq, head, at, mac] = fields[..] else { return Err(bad()) };
        let kind = match kind {
            "seal" => SealKind::Seal,
            "restore" => SealKind::Restore,
            _ => return Err(bad()),
        };
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let is_hash = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        if seq < 0 || !is_hash(head) || !is_hash(mac) {
            return Err(bad());
        }
        Ok(Seal { kind, seq, head: head.into(), at: at.into(), mac: mac.into() })
    }
}

/// What the seals say about the log, once every entry has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealReport {
    /// Seals compared with the log (those since the last restore, the restore included).
    pub seals: usize,
    /// Seals written before the last restore, not compared.
    pub superseded: usize,
    /// The highest entry any seal covers; 0 without seals.
    pub sealed_up_to: i64,
    /// The log's last entry; 0 for an empty log.
    pub last_seq: i64,
    /// Entries after `sealed_up_to`: not yet sealed, so neither their removal nor their
    /// rewriting could be told.
    pub unsealed: u64,
    /// The log ends before the seals do.
    pub truncated: Option<Truncated>,
    /// The first sealed entry whose hash is not the one sealed.
    pub rechained: Option<Rechained>,
}

/// The log ends at `last_seq`, but seals reach `missing` entries further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated {
    pub last_seq: i64,
    pub missing: i64,
}

/// Entry `seq` was sealed with another hash (or is gone while later entries are there):
/// the log was rewritten at or before it, after entry `after` (the last seal that still
/// matches; 0 when none does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rechained {
    pub seq: i64,
    pub after: i64,
}

impl SealReport {
    /// No truncation and no re-chaining (unsealed entries are not a fault by themselves).
    pub fn is_sound(&self) -> bool {
        self.truncated.is_none() && self.rechained.is_none()
    }
}

impl std::fmt::Display for Truncated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "truncated: {} sealed entries missing after entry {} (the seals reach entry {})",
            self.missing,
            self.last_seq,
            self.last_seq + self.missing
        )
    }
}

impl std::fmt::Display for Rechained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "re-chained at or before entry {}: its hash is not the one sealed", self.seq)?;
        if self.after > 0 {
            write!(f, " (entries up to {} still match their seal)", self.after)?;
        }
        Ok(())
    }
}

/// Compares the log with its seals. Give it the seals whose signature verified, in the
/// order they were written; then [`SealCheck::push`] every entry in `seq` order (as
/// [`super::audit::ChainCheck`] reads them) and [`SealCheck::finish`].
#[derive(Debug)]
pub struct SealCheck {
    /// `(seq, head)` of the seals compared, by `seq`.
    expected: Vec<(i64, AuditHash)>,
    compared: usize,
    superseded: usize,
    next: usize,
    last_matching: i64,
    last_seq: i64,
    entries: u64,
    rechained: Option<Rechained>,
}

impl SealCheck {
    pub fn new(seals: &[Seal]) -> SealCheck {
        let from = seals.iter().rposition(|s| s.kind == SealKind::Restore).unwrap_or(0);
        let mut expected: Vec<(i64, AuditHash)> =
            seals[from..].iter().filter(|s| s.seq > 0).map(|s| (s.seq, s.head.clone())).collect();
        expected.sort();
        expected.dedup();
        SealCheck {
            expected,
            compared: seals.len() - from,
            superseded: from,
            next: 0,
            last_matching: 0,
            last_seq: 0,
            entries: 0,
            rechained: None,
        }
    }

    pub fn push(&mut self, e: &AuditEntry) {
        self.entries += 1;
        self.last_seq = e.seq;
        while let Some((seq, head)) = self.expected.get(self.next) {
            if *seq > e.seq {
                break;
            }
            // A sealed seq below this entry that was not read is missing from the log.
            let matches = *seq == e.seq && *head == e.hash;
            if matches {
                self.last_matching = *seq;
            } else if self.rechained.is_none() {
                self.rechained = Some(Rechained { seq: *seq, after: self.last_matching });
            }
            self.next += 1;
        }
    }

    pub fn finish(self) -> SealReport {
        let sealed_up_to = self.expected.iter().map(|(seq, _)| *seq).max().unwrap_or(0);
        let truncated = (sealed_up_to > self.last_seq)
            .then_some(Truncated { last_seq: self.last_seq, missing: sealed_up_to - self.last_seq });
        SealReport {
            seals: self.compared,
            superseded: self.superseded,
            sealed_up_to,
            last_seq: self.last_seq,
            unsealed: u64::try_from(self.last_seq - sealed_up_to).unwrap_or(0).min(self.entries),
            truncated,
            rechained: self.rechained,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::audit::{ChainCheck, GENESIS};

    fn chain(n: i64, tag: &str) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at: "2026-11-24T10:00:00.000Z".into(),
                    actor_id: None,
                    actor: "cli".into(),
                    action: "create".into(),
                    entity: "regions".into(),
                    entity_id: Some(format!("33.{seq}")),
                    before: None,
                    after: Some(format!(r#"{{"name":"{tag} {seq}"}}"#)),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.expected_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn key() -> SealKey {
        SealKey::from_bytes([7; KEY_LEN])
    }

    fn seal_at(entries: &[AuditEntry], seq: i64) -> Seal {
        let head = &entries[seq as usize - 1].hash;
        Seal::sign(&key(), SealKind::Seal, seq, head, "2026-11-24T10:00:00Z")
    }

    fn check(seals: &[Seal], entries: &[AuditEntry]) -> SealReport {
        let mut check = SealCheck::new(seals);
        for e in entries {
            check.push(e);
        }
        check.finish()
    }

    #[test]
    fn seals_sign_parse_and_refuse_other_keys_and_edits() {
        let s = Seal::sign(&key(), SealKind::Seal, 12, &"ab".repeat(32), "2026-11-24T10:00:00Z");
        let parsed = Seal::parse(&s.line()).expect("parse");
        assert_eq!(parsed, s);
        assert!(parsed.is_signed_by(&key()));
        assert!(!parsed.is_signed_by(&SealKey::from_bytes([8; KEY_LEN])));
        let moved = Seal { seq: 11, ..parsed.clone() };
        assert!(!moved.is_signed_by(&key()), "a seal cannot be moved to another entry");
        let restore = Seal { kind: SealKind::Restore, ..parsed };
        assert!(!restore.is_signed_by(&key()), "nor turned into a restore");
        assert!(Seal::parse("seal 1 abc 2026 def").is_err());
        assert!(Seal::parse("").is_err());
    }

    #[test]
    fn keys_round_trip_as_hex_and_never_print() {
        let k = SealKey::generate();
        assert_eq!(SealKey::parse_hex(&format!("{}\n", k.to_hex())), Ok(k.clone()));
        assert_ne!(k, SealKey::generate());
        assert!(!format!("{k:?}").contains(&k.to_hex()[..8]));
        assert_eq!(SealKey::parse_hex("abc"), Err(SealError::BadKey));
    }

    #[test]
    fn an_untouched_log_matches_and_later_entries_are_unsealed() {
        let log = chain(60, "a");
        let r = check(&[seal_at(&log, 10), seal_at(&log, 55)], &log);
        assert!(r.is_sound(), "{r:?}");
        assert_eq!((r.seals, r.sealed_up_to, r.last_seq, r.unsealed), (2, 55, 60, 5));
        let r = check(&[], &log);
        assert_eq!((r.seals, r.unsealed), (0, 60));
    }

    #[test]
    fn cutting_the_tail_or_everything_is_truncation() {
        let log = chain(100, "a");
        let seals = [seal_at(&log, 40), seal_at(&log, 100)];
        let r = check(&seals, &log[..50]);
        assert_eq!(r.truncated, Some(Truncated { last_seq: 50, missing: 50 }));
        assert_eq!(r.rechained, None);
        let mut chain_check = ChainCheck::new();
        log[..50].iter().for_each(|e| chain_check.push(e));
        assert!(chain_check.is_intact(), "what the chain alone cannot see");

        let r = check(&seals, &[]);
        assert_eq!(r.truncated, Some(Truncated { last_seq: 0, missing: 100 }));
    }

    #[test]
    fn a_rewritten_chain_is_found_at_the_first_seal_after_the_edit() {
        let log = chain(100, "a");
        let seals = [seal_at(&log, 20), seal_at(&log, 60), seal_at(&log, 100)];
        // Entries from 35 on rewritten with fresh hashes: a consistent chain.
        let forged: Vec<AuditEntry> = chain(100, "b");
        let mut rewritten = log[..34].to_vec();
        let mut prev = log[33].hash.clone();
        for e in &forged[34..] {
            let mut e = e.clone();
            e.prev_hash = prev;
            e.hash = e.expected_hash();
            prev = e.hash.clone();
            rewritten.push(e);
        }
        let mut chain_check = ChainCheck::new();
        rewritten.iter().for_each(|e| chain_check.push(e));
        assert!(chain_check.is_intact(), "{:?}", chain_check.breaks);

        let r = check(&seals, &rewritten);
        assert_eq!(r.rechained, Some(Rechained { seq: 60, after: 20 }));
        assert_eq!(r.truncated, None);
        assert!(r.rechained.expect("rechained").to_string().contains("entries up to 20 still match"));
    }

    #[test]
    fn a_removed_sealed_entry_inside_the_log_counts_as_rechained() {
        let log = chain(10, "a");
        let mut holed = log.clone();
        holed.remove(4);
        let r = check(&[seal_at(&log, 5), seal_at(&log, 10)], &holed);
        assert_eq!(r.rechained, Some(Rechained { seq: 5, after: 0 }));
    }

    #[test]
    fn a_restore_supersedes_the_seals_before_it() {
        let log = chain(100, "a");
        let restored = Seal::sign(&key(), SealKind::Restore, 30, &log[29].hash, "2026-11-25T10:00:00Z");
        let r = check(&[seal_at(&log, 100), restored], &log[..40]);
        assert!(r.is_sound(), "{r:?}");
        assert_eq!((r.superseded, r.sealed_up_to, r.unsealed), (1, 30, 10));
    }
}
