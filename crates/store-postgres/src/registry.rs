//! The registry on PostgreSQL: the kit's connection over sqlx, and the helpers the access
//! tables and the bulk path share.
//!
//! Tables, columns, row mapping and queries are declared once in
//! [`berdaya_store::registry`]; this module runs them on a pooled connection, or in the
//! backend's one write transaction ([`PgStore::write`]).

use std::sync::Arc;

use async_trait::async_trait;
use berdaya_domain::registry::{Household, Person, RegionCode};
use berdaya_store::kit::{Backend, Conn, Job, Record, Row as KitRow, Type, Value, job, numbered_placeholders};
use berdaya_store::regions::{self, AuditSql, ListedRegion, RegionLoad};
use berdaya_store::registry::{RegistryBulk, RegistryExportRow};
use berdaya_store::{COUNT_CAP, ImportOptions, ImportReport, Page, PageRequest, RowSource, StoreResult};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Column, PgConnection, PgPool, Postgres, QueryBuilder, Row, TypeInfo};

use crate::PgStore;
use crate::error::{corrupt, db};

pub(crate) use berdaya_store::kit::key;

// --- The kit's connection -------------------------------------------------------------------

/// A pooled connection or an open transaction as a kit [`Conn`].
struct PgConn<'a>(&'a mut PgConnection);

fn bind<'q>(q: Query<'q, Postgres, PgArguments>, v: &Value) -> Query<'q, Postgres, PgArguments> {
    match v.clone() {
        Value::Null(Type::Int) => q.bind(None::<i64>),
        Value::Null(Type::Real) => q.bind(None::<f64>),
        Value::Null(Type::Text) => q.bind(None::<String>),
        Value::Null(Type::Bool) => q.bind(None::<bool>),
        Value::Null(Type::Date) => q.bind(None::<time::Date>),
        Value::Null(Type::Bytes) => q.bind(None::<Vec<u8>>),
        Value::Null(Type::Time | Type::Micros) => q.bind(None::<time::OffsetDateTime>),
        Value::Int(n) => q.bind(n),
        Value::Real(x) => q.bind(x),
        Value::Text(s) => q.bind(s),
        Value::Bool(b) => q.bind(b),
        Value::Date(d) => q.bind(d),
        Value::Bytes(b) => q.bind(b),
        Value::Time(t) | Value::Micros(t) => q.bind(t),
    }
}

/// Reads column `i` by its PostgreSQL type.
fn value(row: &PgRow, i: usize, name: &str) -> StoreResult<Value> {
    fn read<'r, T>(row: &'r PgRow, i: usize, wrap: fn(T) -> Value) -> StoreResult<Value>
    where
        T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
    {
        let v: Option<T> = row.try_get(i).map_err(db)?;
        Ok(v.map_or(Value::Null(berdaya_store::kit::Type::Text), wrap))
    }
    match row.column(i).type_info().name() {
        "INT8" => read::<i64>(row, i, Value::Int),
        "INT4" => read::<i32>(row, i, |n| Value::Int(n.into())),
        "INT2" => read::<i16>(row, i, |n| Value::Int(n.into())),
        "FLOAT8" => read::<f64>(row, i, Value::Real),
        "TEXT" | "VARCHAR" | "NAME" | "BPCHAR" => read::<String>(row, i, Value::Text),
        "BOOL" => read::<bool>(row, i, Value::Bool),
        "DATE" => read::<time::Date>(row, i, Value::Date),
        "BYTEA" => read::<Vec<u8>>(row, i, Value::Bytes),
        "TIMESTAMPTZ" => read::<time::OffsetDateTime>(row, i, Value::Time),
        other => Err(corrupt(name, format!("has type {other}, which the kit does not read"))),
    }
}

/// Reads the columns named `prefix…` of a row into a kit row, without the prefix.
fn kit_row(row: &PgRow, prefix: &str) -> StoreResult<KitRow> {
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (i, col) in row.columns().iter().enumerate() {
        if let Some(name) = col.name().strip_prefix(prefix) {
            values.push(value(row, i, name)?);
            names.push(name.to_string());
        }
    }
    Ok(KitRow::new(names.into(), values))
}

#[async_trait]
impl Conn for PgConn<'_> {
    async fn query(&mut self, sql: &str, params: &[Value]) -> StoreResult<Vec<KitRow>> {
        let sql = numbered_placeholders(sql);
        let q = params.iter().fold(sqlx::query(&sql), bind);
        let rows = q.fetch_all(&mut *self.0).await.map_err(db)?;
        let Some(first) = rows.first() else { return Ok(Vec::new()) };
        let names: Arc<[String]> = first.columns().iter().map(|c| c.name().to_string()).collect();
        rows.iter()
            .map(|row| {
                let values = (0..names.len()).map(|i| value(row, i, &names[i])).collect::<StoreResult<Vec<_>>>()?;
                Ok(KitRow::new(names.clone(), values))
            })
            .collect()
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> StoreResult<u64> {
        let sql = numbered_placeholders(sql);
        let q = params.iter().fold(sqlx::query(&sql), bind);
        Ok(q.execute(&mut *self.0).await.map_err(db)?.rows_affected())
    }

    async fn insert_rows(&mut self, table: &str, columns: &[(&str, Type)], rows: &[Vec<Value>]) -> StoreResult<u64> {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let arrays: Vec<String> =
            columns.iter().enumerate().map(|(i, (_, t))| format!("${}::{}[]", i + 1, pg_type(*t))).collect();
        let sql = format!("INSERT INTO {table} ({}) SELECT * FROM unnest({})", names.join(", "), arrays.join(", "));
        let mut q = sqlx::query(&sql);
        for (i, (name, t)) in columns.iter().enumerate() {
            q = bind_column(q, *t, rows.iter().map(|r| r.get(i).unwrap_or(&MISSING)), name)?;
        }
        Ok(q.execute(&mut *self.0).await.map_err(db)?.rows_affected())
    }
}

/// A row shorter than the columns: the rest are NULL.
static MISSING: Value = Value::Null(Type::Int);

/// The PostgreSQL type of a kit type's column.
fn pg_type(t: Type) -> &'static str {
    match t {
        Type::Int => "int8",
        Type::Real => "float8",
        Type::Text => "text",
        Type::Bool => "bool",
        Type::Date => "date",
        Type::Bytes => "bytea",
        Type::Time | Type::Micros => "timestamptz",
    }
}

/// Binds one column of rows as an array of its type; a value of another type is a bug of the
/// caller, reported with the column's name.
fn bind_column<'q, 'v>(
    q: Query<'q, Postgres, PgArguments>,
    t: Type,
    values: impl Iterator<Item = &'v Value>,
    name: &str,
) -> StoreResult<Query<'q, Postgres, PgArguments>> {
    fn collect<'v, T>(
        values: impl Iterator<Item = &'v Value>,
        name: &str,
        pick: impl Fn(&Value) -> Option<T>,
    ) -> StoreResult<Vec<Option<T>>> {
        values
            .map(|v| match v {
                Value::Null(_) => Ok(None),
                v => pick(v).map(Some).ok_or_else(|| {
                    berdaya_store::StoreError::Backend(format!(
                        "column {name} was given {v:?}, not a value of its type"
                    ))
                }),
            })
            .collect()
    }
    Ok(match t {
        Type::Int => q.bind(collect(values, name, |v| if let Value::Int(n) = v { Some(*n) } else { None })?),
        Type::Real => q.bind(collect(values, name, |v| if let Value::Real(x) = v { Some(*x) } else { None })?),
        Type::Text => q.bind(collect(values, name, |v| if let Value::Text(s) = v { Some(s.clone()) } else { None })?),
        Type::Bool => q.bind(collect(values, name, |v| if let Value::Bool(b) = v { Some(*b) } else { None })?),
        Type::Date => q.bind(collect(values, name, |v| if let Value::Date(d) = v { Some(*d) } else { None })?),
        Type::Bytes => q.bind(collect(values, name, |v| if let Value::Bytes(b) = v { Some(b.clone()) } else { None })?),
        Type::Time | Type::Micros => q.bind(collect(values, name, |v| match v {
            Value::Time(t) | Value::Micros(t) => Some(*t),
            _ => None,
        })?),
    })
}

#[async_trait]
impl Backend for PgStore {
    async fn read<T: Send + 'static>(&self, job: Job<T>) -> StoreResult<T> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        job(&mut PgConn(&mut conn)).await
    }

    async fn write<T: Send + 'static>(&self, job: Job<T>) -> StoreResult<T> {
        let mut w = PgStore::write(self).await?;
        let out = job(&mut PgConn(&mut w)).await?;
        w.commit().await?;
        Ok(out)
    }

    fn analyze_sql(&self, tables: &[&str]) -> Option<String> {
        Some(format!("ANALYZE {}", tables.join(", ")))
    }

    fn bulk_audit(&self) -> AuditSql {
        REGION_AUDIT
    }
}

#[async_trait]
impl RegistryBulk for PgStore {
    async fn import_registry(&self, rows: &mut dyn RowSource, options: &ImportOptions) -> StoreResult<ImportReport> {
        crate::import::import(self, rows, options).await
    }

    async fn export_registry(
        &self,
        region: Option<&RegionCode>,
        sink: &mut (dyn FnMut(RegistryExportRow) -> bool + Send),
    ) -> StoreResult<u64> {
        crate::import::export(&self.pool, region, sink).await
    }

    async fn load_regions(&self, list: Vec<ListedRegion>, source: &str) -> StoreResult<RegionLoad> {
        let source = source.to_string();
        let load = job(move |c| Box::pin(async move { regions::load(c, &list, &REGION_AUDIT, &source).await }));
        Backend::write(self, load).await
    }
}

/// The audit side of a region load: the row triggers read `berdaya.bulk`, and events are
/// attributed as [`crate::write::insert_event`] does.
const REGION_AUDIT: AuditSql = AuditSql {
    bulk_on: "SELECT set_config('berdaya.bulk', '1', true)",
    bulk_off: "SELECT set_config('berdaya.bulk', '0', true)",
    event: "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, after) VALUES (\
            to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
            NULLIF(current_setting('berdaya.actor_id', true), '')::bigint, \
            COALESCE(NULLIF(current_setting('berdaya.actor', true), ''), session_user::text), ?, ?, NULL, ?)",
};

// --- Helpers of the access tables and the bulk path ----------------------------------------

pub(crate) fn get<'r, T>(row: &'r PgRow, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(col).map_err(db)
}

/// The person columns, for the bulk path's own statements.
pub(crate) const PERSON_COLS: &str = "p.id, p.nik, p.household_id, p.name, p.sex, p.birth_date, p.relation, \
     p.education, p.occupation, p.disability, p.version";

pub(crate) fn person_from(row: &PgRow) -> StoreResult<Person> {
    Person::from_row(&kit_row(row, "")?)
}

/// Reads a household from the household columns, each named with `prefix`.
pub(crate) fn household_at(row: &PgRow, prefix: &str) -> StoreResult<Household> {
    Household::from_row(&kit_row(row, prefix)?)
}

/// Builds the WHERE clause of a listing; the same filter serves the count and the page.
pub(crate) struct Where<'a> {
    qb: &'a mut QueryBuilder<'static, Postgres>,
    any: bool,
}

impl<'a> Where<'a> {
    pub(crate) fn new(qb: &'a mut QueryBuilder<'static, Postgres>) -> Self {
        Where { qb, any: false }
    }

    /// Starts the next condition.
    pub(crate) fn and(&mut self) -> &mut QueryBuilder<'static, Postgres> {
        self.qb.push(if self.any { " AND " } else { " WHERE " });
        self.any = true;
        self.qb
    }

    /// `col` is the region or lies below it. Ranges rather than LIKE so that a generic plan
    /// still uses the index.
    pub(crate) fn subtree(&mut self, col: &str, code: &RegionCode) {
        let qb = self.and();
        qb.push(format!("({col} = ")).push_bind(code.as_str().to_string());
        qb.push(format!(" OR ({col} >= ")).push_bind(format!("{code}."));
        qb.push(format!(" AND {col} < ")).push_bind(format!("{code}/")).push("))");
    }
}

pub(crate) type Filter<'f> = &'f (dyn Fn(&mut Where<'_>) + Send + Sync);

/// One page of a listing and its total, counted up to [`COUNT_CAP`] + 1.
pub(crate) async fn page_of<T>(
    pool: &PgPool,
    select: &str,
    from: &str,
    filter: Filter<'_>,
    order: &str,
    page: PageRequest,
    map: fn(&PgRow) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    let mut count = QueryBuilder::new(format!("SELECT count(*) FROM (SELECT 1 {from}"));
    filter(&mut Where::new(&mut count));
    count.push(format!(" LIMIT {}) t", COUNT_CAP + 1));
    let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(db)?;

    let mut items = QueryBuilder::new(format!("{select} {from}"));
    filter(&mut Where::new(&mut items));
    items.push(format!(" ORDER BY {order} LIMIT {} OFFSET {}", page.per_page, page.offset()));
    let rows = items.build().fetch_all(pool).await.map_err(db)?;
    let items = rows.iter().map(map).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::new(items, page, u64::try_from(total).unwrap_or(0)))
}
