//! The one write path: every change the store makes runs in a [`Write`], which attributes it
//! to the current actor and seals the audit entries it caused before it commits.
//!
//! The audit triggers (migration 0003) read the actor from transaction-local settings, so
//! [`PgStore::write`] sets them first thing. [`Write::commit`] then numbers and chains every
//! unsealed entry under a transaction-scoped advisory lock: concurrent writers seal one after
//! the other, each seeing the chain the previous one committed. A `Write` dropped without
//! `commit` rolls back, entries and all; there is no way to commit without sealing.

use std::ops::{Deref, DerefMut};

use berdaya_domain::access::audit::GENESIS;
use berdaya_domain::access::chain_hash;
use berdaya_store::StoreResult;
use berdaya_store::access::current_actor;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::PgStore;
use crate::error::db;
use crate::registry::get;

/// The advisory lock key that serializes sealing (the ASCII bytes of `bdy_audi`).
const SEAL_LOCK: i64 = 0x6264_795f_6175_6469;

/// A write transaction: use it as a `&mut PgConnection`, then [`Write::commit`].
pub(crate) struct Write {
    tx: Transaction<'static, Postgres>,
}

impl PgStore {
    /// Begins a write transaction attributed to [`current_actor`].
    pub(crate) async fn write(&self) -> StoreResult<Write> {
        let actor = current_actor();
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SELECT set_config('berdaya.actor', $1, true), set_config('berdaya.actor_id', $2, true)")
            .bind(&actor.name)
            .bind(actor.user_id.map(|id| id.to_string()).unwrap_or_default())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        Ok(Write { tx })
    }
}

impl Write {
    /// Seals the audit entries this transaction added, then commits.
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        seal(&mut self.tx).await?;
        self.tx.commit().await.map_err(db)
    }
}

impl Deref for Write {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for Write {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// Gives every unsealed entry (by id) the next `seq` and chains its hash to the one before.
async fn seal(conn: &mut PgConnection) -> StoreResult<()> {
    // Our own entries are visible to us; if there are none, there is nothing to wait for.
    let pending: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM audit_log WHERE hash IS NULL)")
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    if !pending {
        return Ok(());
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SEAL_LOCK).execute(&mut *conn).await.map_err(db)?;
    // Read committed: this statement sees every chain sealed before the lock was ours.
    let last = sqlx::query("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    let (mut seq, mut prev): (i64, String) = match last {
        Some(row) => (get(&row, "seq")?, get::<Option<String>>(&row, "hash")?.unwrap_or_else(|| GENESIS.into())),
        None => (0, GENESIS.into()),
    };
    let rows = sqlx::query(
        "SELECT id, at, actor_id, actor, action, entity, entity_id, before, after \
         FROM audit_log WHERE hash IS NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut seqs = Vec::with_capacity(rows.len());
    let mut prevs = Vec::with_capacity(rows.len());
    let mut hashes = Vec::with_capacity(rows.len());
    for row in &rows {
        seq += 1;
        let entity_id: Option<String> = get(row, "entity_id")?;
        let before: Option<String> = get(row, "before")?;
        let after: Option<String> = get(row, "after")?;
        let hash = chain_hash(
            &prev,
            seq,
            &get::<String>(row, "at")?,
            get(row, "actor_id")?,
            &get::<String>(row, "actor")?,
            &get::<String>(row, "action")?,
            &get::<String>(row, "entity")?,
            entity_id.as_deref(),
            before.as_deref(),
            after.as_deref(),
        );
        ids.push(get::<i64>(row, "id")?);
        seqs.push(seq);
        prevs.push(std::mem::replace(&mut prev, hash.clone()));
        hashes.push(hash);
    }
    sqlx::query(
        "UPDATE audit_log a SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash \
         FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS u(id, seq, prev_hash, hash) \
         WHERE a.id = u.id",
    )
    .bind(&ids)
    .bind(&seqs)
    .bind(&prevs)
    .bind(&hashes)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// The current time as the audit log writes it: UTC, milliseconds, `Z`.
pub(crate) const AUDIT_NOW: &str = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

/// Adds an entry that is not a row change (an event), attributed to the transaction's actor.
pub(crate) async fn insert_event(
    conn: &mut PgConnection,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    details: &str,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, after) VALUES ({AUDIT_NOW}, \
         NULLIF(current_setting('berdaya.actor_id', true), '')::bigint, \
         COALESCE(NULLIF(current_setting('berdaya.actor', true), ''), session_user::text), $1, $2, $3, $4)"
    ))
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(details)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}
