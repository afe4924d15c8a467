//! The write path and the audit log's sealing: every write the backend makes runs in one
//! transaction that knows who acts, and numbers and chains the log entries its triggers
//! added before it commits.
//!
//! The triggers (migration `0003_access`) read the actor from the one-row `audit_context`
//! table. SQLite has a single writer and every write transaction here is `IMMEDIATE`, so the
//! row set at the start of a transaction holds for all of it; it is put back to `system`
//! before the commit, so a write made outside Berdaya is not attributed to the last user.

use berdaya_domain::access::AuditEntry;
use berdaya_domain::access::audit::GENESIS;
use berdaya_store::access::Actor;
use berdaya_store::{ImportReport, StoreError, StoreResult};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::backend;

/// Unsealed entries read per step while sealing, so a large transaction is sealed in
/// bounded memory.
const SEAL_BATCH: i64 = 1000;

/// Runs `body` in one `IMMEDIATE` transaction attributed to `actor`, seals the audit
/// entries it produced and commits. An error from `body` rolls everything back, entries
/// included.
pub(crate) fn write_tx<T>(
    conn: &mut Connection,
    actor: &Actor,
    body: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(backend)?;
    set_context(&tx, actor, false)?;
    let out = body(&tx)?;
    finish(&tx)?;
    tx.commit().map_err(backend)?;
    Ok(out)
}

/// Puts `actor` (and the bulk flag) in the audit context of the open transaction.
pub(crate) fn set_context(tx: &Connection, actor: &Actor, bulk: bool) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO audit_context (id, actor_id, actor, bulk) VALUES (1, ?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET actor_id = excluded.actor_id, actor = excluded.actor, bulk = excluded.bulk",
    )
    .and_then(|mut s| s.execute(params![actor.user_id, actor.name, bulk]))
    .map_err(backend)?;
    Ok(())
}

/// Seals the transaction's entries and puts the context back to `system`, bulk off.
fn finish(tx: &Connection) -> StoreResult<()> {
    seal(tx)?;
    set_context(tx, &Actor::system("system"), false)
}

/// One entry waiting for its place in the chain.
/// Numbers every unsealed entry, in insertion order, after the last sealed one, and chains
/// their hashes. Returns how many it sealed.
pub(crate) fn seal(tx: &Connection) -> StoreResult<u64> {
    let last: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
        .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(backend)?;
    let (mut seq, mut prev) = last.unwrap_or_else(|| (0, GENESIS.to_string()));
    let mut sealed = 0u64;
    loop {
        // Each unsealed entry by row id, its seq and hashes still to be given.
        let batch: Vec<(i64, AuditEntry)> = tx
            .prepare_cached(
                "SELECT id, at, actor_id, actor, action, entity, entity_id, before, after FROM audit_log \
                 WHERE hash IS NULL ORDER BY id LIMIT ?1",
            )
            .and_then(|mut s| {
                s.query_map([SEAL_BATCH], |r| {
                    let entry = AuditEntry {
                        seq: 0,
                        at: r.get(1)?,
                        actor_id: r.get(2)?,
                        actor: r.get(3)?,
                        action: r.get(4)?,
                        entity: r.get(5)?,
                        entity_id: r.get(6)?,
                        before: r.get(7)?,
                        after: r.get(8)?,
                        prev_hash: String::new(),
                        hash: String::new(),
                    };
                    Ok((r.get(0)?, entry))
                })?
                .collect()
            })
            .map_err(backend)?;
        if batch.is_empty() {
            return Ok(sealed);
        }
        let mut update = tx
            .prepare_cached("UPDATE audit_log SET seq = ?2, prev_hash = ?3, hash = ?4 WHERE id = ?1")
            .map_err(backend)?;
        for (id, mut e) in batch {
            seq += 1;
            e.seq = seq;
            e.prev_hash = prev.clone();
            let hash = e.expected_hash();
            update.execute(params![id, seq, prev, hash]).map_err(backend)?;
            prev = hash;
            sealed += 1;
        }
    }
}

/// Adds one unsealed entry that is not a row change (a login, an export, an import),
/// attributed to the actor in the context, stamped now.
pub(crate) fn insert_event(
    tx: &Connection,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    details: &serde_json::Value,
) -> StoreResult<()> {
    let after = serde_json::to_string(details)
        .map_err(|e| StoreError::Backend(format!("cannot write the event's details: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after) \
         SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, ?1, ?2, ?3, NULL, ?4 \
         FROM audit_context WHERE id = 1",
    )
    .and_then(|mut s| s.execute(params![action, entity, entity_id, after]))
    .map_err(backend)?;
    Ok(())
}

/// Where a registry import started: the highest ids before it, so the ids it created are
/// the ones above.
pub(crate) struct ImportMark {
    households_before: i64,
    people_before: i64,
}

/// Starts the audit side of an import in its open transaction: attributes it to `actor` and
/// turns the row triggers off (bulk mode).
pub(crate) fn begin_import(tx: &Connection, actor: &Actor) -> StoreResult<ImportMark> {
    set_context(tx, actor, true)?;
    let max = |table: &str| -> StoreResult<i64> {
        tx.query_row(&format!("SELECT COALESCE(max(id), 0) FROM {table}"), [], |r| r.get(0)).map_err(backend)
    };
    Ok(ImportMark { households_before: max("households")?, people_before: max("people")? })
}

/// Ends the audit side of an import that is about to commit: one `import` entry with the
/// counts and the range of ids created, bulk mode off, the entry sealed.
pub(crate) fn finish_import(tx: &Connection, mark: &ImportMark, report: &ImportReport) -> StoreResult<()> {
    let range = |table: &str, before: i64| -> StoreResult<(Option<i64>, Option<i64>)> {
        tx.query_row(&format!("SELECT min(id), max(id) FROM {table} WHERE id > ?1"), [before], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(backend)
    };
    let (first_household, last_household) = range("households", mark.households_before)?;
    let (first_person, last_person) = range("people", mark.people_before)?;
    let details = serde_json::json!({
        "rows": report.rows,
        "households_created": report.households_created,
        "people_created": report.people_created,
        "rejected_rows": report.rejected_rows,
        "first_household_id": first_household,
        "last_household_id": last_household,
        "first_person_id": first_person,
        "last_person_id": last_person,
    });
    insert_event(tx, "import", "registry", None, &details)?;
    finish(tx)
}
