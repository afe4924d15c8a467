//! The registry on SQLite: the kit's connection over rusqlite, and the helpers the access
//! tables and the bulk path share.
//!
//! Tables, columns, row mapping and queries are declared once in
//! [`berdaya_store::registry`]; this module runs them on a rusqlite connection, inside
//! the backend's pooled call or its one write transaction.

use std::sync::Arc;

use async_trait::async_trait;
use berdaya_domain::registry::{Person, RegionCode};
use berdaya_store::kit::{Backend, Conn, Job, Record, Row as KitRow, Type, Value, job, run_ready, stamp, unix_micros};
use berdaya_store::regions::{self, AuditSql, ListedRegion, RegionLoad};
use berdaya_store::registry::{RegistryBulk, RegistryExportRow};
use berdaya_store::{COUNT_CAP, ImportOptions, ImportReport, Page, PageRequest, RowSource, StoreError, StoreResult};
use rusqlite::types::{ToSql, Value as SqlValue, ValueRef};
use rusqlite::{Connection, Row};

use crate::{SqliteStore, backend};

pub(crate) use berdaya_store::kit::key;

// --- The kit's connection -------------------------------------------------------------------

/// A rusqlite connection (or open transaction) as a kit [`Conn`]. Its futures never wait:
/// each runs to its end on the calling thread through [`run_ready`].
struct SqliteConn<'a>(&'a Connection);

// SAFETY: a `SqliteConn` is made, used and dropped inside one synchronous call on one thread
// (`on_conn` below polls the job's future to its end right there); it never crosses a thread.
// The kit asks for `Send` only because the PostgreSQL backend's futures do cross threads.
unsafe impl Send for SqliteConn<'_> {}

fn to_sql(v: &Value) -> StoreResult<SqlValue> {
    Ok(match v {
        Value::Null(_) => SqlValue::Null,
        Value::Int(n) => SqlValue::Integer(*n),
        Value::Real(x) => SqlValue::Real(*x),
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Date(d) => SqlValue::Text(d.to_string()),
        Value::Bytes(b) => SqlValue::Blob(b.clone()),
        Value::Time(t) => SqlValue::Text(stamp(*t)?),
        Value::Micros(t) => SqlValue::Integer(unix_micros(*t)),
    })
}

fn from_sql(v: ValueRef<'_>, column: &str) -> StoreResult<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null(Type::Text),
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) => {
            Value::Text(String::from_utf8(t.to_vec()).map_err(|e| berdaya_store::kit::corrupt(column, e))?)
        }
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    })
}

/// Reads a rusqlite row into a kit row.
fn kit_row(names: &Arc<[String]>, row: &Row) -> StoreResult<KitRow> {
    let values = names
        .iter()
        .enumerate()
        .map(|(i, n)| from_sql(row.get_ref(i).map_err(backend)?, n))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(KitRow::new(names.clone(), values))
}

fn column_names(stmt: &rusqlite::Statement<'_>) -> Arc<[String]> {
    stmt.column_names().into_iter().map(String::from).collect()
}

/// A unique-key violation, for the kit to name the field; other errors as [`backend`].
fn classify(e: rusqlite::Error) -> StoreError {
    unique(e, "", "this value")
}

#[async_trait]
impl Conn for SqliteConn<'_> {
    async fn query(&mut self, sql: &str, params: &[Value]) -> StoreResult<Vec<KitRow>> {
        let mut stmt = self.0.prepare_cached(sql).map_err(backend)?;
        let names = column_names(&stmt);
        let params = params.iter().map(to_sql).collect::<StoreResult<Vec<_>>>()?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params)).map_err(classify)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(classify)? {
            out.push(kit_row(&names, row)?);
        }
        Ok(out)
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> StoreResult<u64> {
        let mut stmt = self.0.prepare_cached(sql).map_err(backend)?;
        let params = params.iter().map(to_sql).collect::<StoreResult<Vec<_>>>()?;
        stmt.execute(rusqlite::params_from_iter(params)).map(|n| n as u64).map_err(classify)
    }
}

/// Runs a kit job on a connection, to its end.
fn on_conn<T>(conn: &Connection, job: Job<T>) -> StoreResult<T> {
    let mut c = SqliteConn(conn);
    run_ready(job(&mut c))
}

#[async_trait]
impl Backend for SqliteStore {
    async fn read<T: Send + 'static>(&self, job: Job<T>) -> StoreResult<T> {
        self.call(move |c| on_conn(c, job)).await
    }

    async fn write<T: Send + 'static>(&self, job: Job<T>) -> StoreResult<T> {
        SqliteStore::write(self, move |tx| on_conn(tx, job)).await
    }

    fn bulk_audit(&self) -> AuditSql {
        REGION_AUDIT
    }
}

#[async_trait]
impl RegistryBulk for SqliteStore {
    async fn import_registry(&self, rows: &mut dyn RowSource, options: &ImportOptions) -> StoreResult<ImportReport> {
        self.call_here(|c| crate::import::import(c, rows, options))
    }

    async fn export_registry(
        &self,
        region: Option<&RegionCode>,
        sink: &mut (dyn FnMut(RegistryExportRow) -> bool + Send),
    ) -> StoreResult<u64> {
        self.call_here(|c| crate::import::export(c, region, sink))
    }

    async fn load_regions(&self, list: Vec<ListedRegion>, source: &str) -> StoreResult<RegionLoad> {
        let source = source.to_string();
        let load = job(move |c| Box::pin(async move { regions::load(c, &list, &REGION_AUDIT, &source).await }));
        Backend::write(self, load).await
    }
}

/// The audit side of a region load: the row triggers read `bulk` from the audit context.
const REGION_AUDIT: AuditSql = AuditSql {
    bulk_on: "UPDATE audit_context SET bulk = 1 WHERE id = 1",
    bulk_off: "UPDATE audit_context SET bulk = 0 WHERE id = 1",
    event: "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after) \
            SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), actor_id, actor, ?, ?, NULL, NULL, ? \
            FROM audit_context WHERE id = 1",
};

/// A person from a row with the person columns, for the bulk path's own statements.
pub(crate) fn person_from(row: &Row) -> rusqlite::Result<Person> {
    let names: Arc<[String]> = column_names(row.as_ref());
    let mapped = kit_row(&names, row).and_then(|r| Person::from_row(&r));
    mapped.map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.to_string().into()))
}

// --- Helpers of the access tables and the bulk path ----------------------------------------

/// Maps a unique-key violation to the field it concerns; other errors pass through.
pub(crate) fn unique(e: rusqlite::Error, field: &'static str, what: &str) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, Some(msg))
            if f.code == rusqlite::ErrorCode::ConstraintViolation && msg.starts_with("UNIQUE") =>
        {
            StoreError::Duplicate { field, message: format!("{what} is already registered") }
        }
        _ => backend(e),
    }
}

/// `WHERE a AND b …`, or nothing when there are no conditions.
pub(crate) fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) }
}

/// One page of a listing and its total, counted up to the cap.
pub(crate) fn page_of<T>(
    conn: &Connection,
    select: &str,
    from_where: &str,
    order: &str,
    params: &[&dyn ToSql],
    page: PageRequest,
    map: impl Fn(&Row) -> rusqlite::Result<T>,
) -> StoreResult<Page<T>> {
    let count = format!("SELECT count(*) FROM (SELECT 1 {from_where} LIMIT {})", COUNT_CAP + 1);
    let total = conn
        .prepare_cached(&count)
        .and_then(|mut s| s.query_row(params, |r| r.get::<_, i64>(0)))
        .map(|n| n as u64)
        .map_err(backend)?;
    let sql = format!("{select} {from_where} ORDER BY {order} LIMIT {} OFFSET {}", page.per_page, page.offset());
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let items = stmt.query_map(params, |r| map(r)).map_err(backend)?.collect::<Result<Vec<_>, _>>().map_err(backend)?;
    Ok(Page::new(items, page, total))
}
