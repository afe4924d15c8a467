//! The audit log on PostgreSQL: events and reads (its rows are written by triggers and
//! sealed by [`PgStore::write`]). Accounts, sessions, tokens and assignments are declared once
//! in [`berdaya_store::access`].

use async_trait::async_trait;
use berdaya_domain::access::AuditEntry;
use berdaya_domain::access::seal::AuditHead;
use berdaya_store::access::{AuditEvent, AuditFilter, AuditSqlDialect, AuditStore, audit_region_sql};
use berdaya_store::{Page, PageRequest, StoreResult};
use sqlx::postgres::PgRow;

use crate::PgStore;
use crate::error::db;
use crate::registry::{Where, get, page_of};
use crate::write::insert_event;

const ENTRY_COLS: &str =
    "a.seq, a.at, a.actor_id, a.actor, a.action, a.entity, a.entity_id, a.before, a.after, a.prev_hash, a.hash";

fn entry_from(row: &PgRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        seq: get(row, "seq")?,
        at: get(row, "at")?,
        actor_id: get(row, "actor_id")?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        entity: get(row, "entity")?,
        entity_id: get(row, "entity_id")?,
        before: get(row, "before")?,
        after: get(row, "after")?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

/// Sealed entries read per round trip of [`AccessStore::audit_chain`].
const CHAIN_BATCH: i64 = 1000;

#[async_trait]
impl AuditStore for PgStore {
    #[tracing::instrument(skip_all, fields(action = %event.action))]
    async fn record_event(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut w = self.write().await?;
        insert_event(&mut w, &event.action, &event.entity, event.entity_id.as_deref(), &event.details.to_string())
            .await?;
        w.commit().await
    }

    #[tracing::instrument(skip(self))]
    async fn audit_entries(&self, filter: &AuditFilter, page: PageRequest) -> StoreResult<Page<AuditEntry>> {
        let f = filter.clone();
        let conditions = move |w: &mut Where<'_>| {
            w.and().push("a.seq IS NOT NULL");
            let exact = [
                ("a.actor", &f.actor),
                ("a.action", &f.action),
                ("a.entity", &f.entity),
                ("a.entity_id", &f.entity_id),
            ];
            for (col, value) in exact {
                if let Some(v) = value {
                    w.and().push(col).push(" = ").push_bind(v.clone());
                }
            }
            if let Some(from) = &f.from {
                w.and().push("a.at >= ").push_bind(from.clone());
            }
            if let Some(until) = &f.until {
                w.and().push("a.at < ").push_bind(until.clone());
            }
            if let Some(area) = &f.area {
                const PG_AUDIT: AuditSqlDialect = AuditSqlDialect {
                    entry: "a.",
                    entity_id: "a.entity_id::bigint",
                    json_id: "(COALESCE(a.after, a.before)::jsonb ->> '{}')::bigint",
                    json_text: "(COALESCE(a.after, a.before)::jsonb ->> '{}')",
                };
                w.and()
                    .push(format!("({}) || '.' LIKE ", audit_region_sql(&PG_AUDIT)))
                    .push_bind(area.as_str().to_string())
                    .push(" || '.%'");
            }
        };
        page_of(
            &self.pool,
            &format!("SELECT {ENTRY_COLS}"),
            "FROM audit_log a",
            &conditions,
            "a.seq DESC",
            page,
            entry_from,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_chain(&self, sink: &mut (dyn FnMut(AuditEntry) -> bool + Send)) -> StoreResult<u64> {
        // One snapshot for the whole walk, read in keyset batches.
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let mut read = 0u64;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {ENTRY_COLS} FROM audit_log a WHERE a.seq > $1 ORDER BY a.seq LIMIT {CHAIN_BATCH}"
            ))
            .bind(after)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            let full = rows.len() as i64 == CHAIN_BATCH;
            for row in &rows {
                let entry = entry_from(row)?;
                after = entry.seq;
                read += 1;
                if !sink(entry) {
                    return Ok(read);
                }
            }
            if !full {
                return Ok(read);
            }
        }
    }
    #[tracing::instrument(skip_all)]
    async fn audit_head(&self) -> StoreResult<Option<AuditHead>> {
        let row = sqlx::query("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|row| Ok(AuditHead { seq: get(&row, "seq")?, hash: get(&row, "hash")? })).transpose()
    }
}
