//! Reads of the audit log on SQLite (its rows are written by triggers and sealed by
//! [`crate::audit`]). Accounts, sessions, tokens and assignments are declared once in
//! [`berdaya_store::access`].

use async_trait::async_trait;
use berdaya_domain::access::AuditEntry;
use berdaya_domain::access::seal::AuditHead;
use berdaya_store::access::{AuditEvent, AuditFilter, AuditSqlDialect, AuditStore, audit_region_sql};
use berdaya_store::{Page, PageRequest, StoreResult};
use rusqlite::types::ToSql;
use rusqlite::{OptionalExtension, Row};

use crate::registry::{page_of, where_clause};
use crate::{SqliteStore, audit, backend};

const AUDIT_COLS: &str = "seq, at, actor_id, actor, action, entity, entity_id, before, after, prev_hash, hash";

fn audit_from(row: &Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.get("seq")?,
        at: row.get("at")?,
        actor_id: row.get("actor_id")?,
        actor: row.get("actor")?,
        action: row.get("action")?,
        entity: row.get("entity")?,
        entity_id: row.get("entity_id")?,
        before: row.get("before")?,
        after: row.get("after")?,
        prev_hash: row.get("prev_hash")?,
        hash: row.get("hash")?,
    })
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn record_event(&self, event: &AuditEvent) -> StoreResult<()> {
        let e = event.clone();
        self.write(move |tx| audit::insert_event(tx, &e.action, &e.entity, e.entity_id.as_deref(), &e.details)).await
    }

    async fn audit_entries(&self, filter: &AuditFilter, page: PageRequest) -> StoreResult<Page<AuditEntry>> {
        const SQLITE_AUDIT: AuditSqlDialect = AuditSqlDialect {
            entry: "audit_log.",
            entity_id: "CAST(audit_log.entity_id AS INTEGER)",
            json_id: "json_extract(COALESCE(audit_log.after, audit_log.before), '$.{}')",
            json_text: "json_extract(COALESCE(audit_log.after, audit_log.before), '$.{}')",
        };
        let f = filter.clone();
        self.call(move |c| {
            let mut conds = vec!["seq IS NOT NULL".to_string()];
            let mut params: Vec<&dyn ToSql> = Vec::new();
            let exact =
                [("actor", &f.actor), ("action", &f.action), ("entity", &f.entity), ("entity_id", &f.entity_id)];
            for (col, value) in exact {
                if let Some(v) = value {
                    conds.push(format!("{col} = ?{}", params.len() + 1));
                    params.push(v);
                }
            }
            if let Some(from) = &f.from {
                conds.push(format!("at >= ?{}", params.len() + 1));
                params.push(from);
            }
            if let Some(until) = &f.until {
                conds.push(format!("at < ?{}", params.len() + 1));
                params.push(until);
            }
            let area = f.area.as_ref().map(|a| a.as_str().to_string());
            if let Some(area) = &area {
                conds.push(format!("({}) || '.' LIKE ?{} || '.%'", audit_region_sql(&SQLITE_AUDIT), params.len() + 1));
                params.push(area);
            }
            let where_ = where_clause(&conds);
            page_of(
                c,
                &format!("SELECT {AUDIT_COLS}"),
                &format!("FROM audit_log {where_}"),
                "seq DESC",
                &params,
                page,
                audit_from,
            )
        })
        .await
    }

    async fn audit_chain(&self, sink: &mut (dyn FnMut(AuditEntry) -> bool + Send)) -> StoreResult<u64> {
        self.call_here(|c| {
            // One read transaction: the chain as of one moment.
            let tx = c.transaction().map_err(backend)?;
            let mut stmt = tx
                .prepare(&format!("SELECT {AUDIT_COLS} FROM audit_log WHERE seq IS NOT NULL ORDER BY seq"))
                .map_err(backend)?;
            let mut rows = stmt.query([]).map_err(backend)?;
            let mut n = 0;
            while let Some(row) = rows.next().map_err(backend)? {
                n += 1;
                if !sink(audit_from(row).map_err(backend)?) {
                    break;
                }
            }
            Ok(n)
        })
    }

    async fn audit_head(&self) -> StoreResult<Option<AuditHead>> {
        self.call(|c| {
            c.prepare_cached("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
                .and_then(|mut s| s.query_row([], |r| Ok(AuditHead { seq: r.get(0)?, hash: r.get(1)? })).optional())
                .map_err(backend)
        })
        .await
    }
}
