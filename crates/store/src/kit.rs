//! The store kit: what both backends share to store a record type, declared once.
//!
//! A backend supplies a [`Conn`] (run one SQL statement with [`Value`] parameters, get owned
//! [`Row`]s back) and a [`Backend`] (run a [`Job`] on a connection, reading or in one write
//! transaction). Everything above that is written once, here and in each capability's module
//! ([`crate::registry`], [`crate::access`], [`crate::survey`]): a record
//! type's table, columns and row mapping ([`Record`]), the values it writes and the
//! references it checks ([`Writable`]), and the standard queries over them (get, create,
//! update with version check, list children, paged search with a capped count).
//!
//! SQL is written once with `?` placeholders in the dialect SQLite and PostgreSQL share
//! (`RETURNING`, `||`, `LIMIT/OFFSET`, `COALESCE`, `EXISTS`, `NULLS LAST`); the PostgreSQL
//! connection numbers the placeholders (see [`numbered_placeholders`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use berdaya_domain::registry::Version;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::{COUNT_CAP, Page, PageRequest, StoreError, StoreResult};

// --- Values and rows ------------------------------------------------------------------------

/// The type of a parameter, which a NULL must still carry (PostgreSQL types parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Int,
    Real,
    Text,
    Bool,
    Date,
    Bytes,
    Time,
    Micros,
}

/// One SQL value, as a parameter or as read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null(Type),
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Date(Date),
    Bytes(Vec<u8>),
    /// An instant, to the microsecond: PostgreSQL's `timestamptz`; in SQLite fixed-width UTC
    /// text ([`STAMP`]), which compares as time does.
    Time(OffsetDateTime),
    /// An instant, to the microsecond: PostgreSQL's `timestamptz`; in SQLite whole
    /// microseconds since 1970 (the survey tables' representation).
    Micros(OffsetDateTime),
}

/// How SQLite keeps a [`Value::Time`]: UTC to the microsecond, fixed width.
pub const STAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// An instant truncated to whole microseconds in UTC, the precision both backends keep.
pub fn to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap_or(t)
}

/// Now, to the microsecond.
pub fn now() -> OffsetDateTime {
    to_micros(OffsetDateTime::now_utc())
}

/// Whole microseconds since 1970 (SQLite's [`Value::Micros`]).
pub fn unix_micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// The text SQLite keeps for a [`Value::Time`].
pub fn stamp(t: OffsetDateTime) -> StoreResult<String> {
    to_micros(t).format(STAMP).map_err(|e| StoreError::Backend(format!("cannot store the time {t}: {e}")))
}

/// A Rust type that binds as one [`Value`] of a fixed [`Type`].
pub trait Param: Into<Value> {
    const TYPE: Type;
}

macro_rules! params {
    ($($t:ty => $variant:ident($conv:expr)),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::$variant($conv(v))
            }
        }
        impl Param for $t {
            const TYPE: Type = Type::$variant;
        }
    )*};
}

params! {
    i64 => Int(|v| v),
    i32 => Int(i64::from),
    u32 => Int(i64::from),
    f64 => Real(|v| v),
    String => Text(|v| v),
    &str => Text(str::to_string),
    &String => Text(String::clone),
    bool => Bool(|v| v),
    Date => Date(|v| v),
    Vec<u8> => Bytes(|v| v),
    OffsetDateTime => Time(to_micros),
}

impl<T: Param> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null(T::TYPE), Into::into)
    }
}

/// One row read back, owned, with its columns by name.
#[derive(Debug, Clone)]
pub struct Row {
    names: Arc<[String]>,
    values: Vec<Value>,
}

/// A stored value that does not read as what the column holds (edited outside Berdaya).
pub fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("stored {column} is invalid: {e}"))
}

impl Row {
    /// A row of `values` under the column `names` (shared by every row of one result).
    pub fn new(names: Arc<[String]>, values: Vec<Value>) -> Row {
        Row { names, values }
    }

    /// The value of a column, by name.
    pub fn value(&self, column: &str) -> StoreResult<&Value> {
        self.names
            .iter()
            .position(|n| n == column)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| StoreError::Backend(format!("no column {column} in the result")))
    }

    fn opt<T>(&self, column: &str, read: impl FnOnce(&Value) -> Option<T>) -> StoreResult<Option<T>> {
        match self.value(column)? {
            Value::Null(_) => Ok(None),
            v => read(v).map(Some).ok_or_else(|| corrupt(column, format!("unexpected {v:?}"))),
        }
    }

    fn req<T>(&self, column: &str, read: impl FnOnce(&Value) -> Option<T>) -> StoreResult<T> {
        self.opt(column, read)?.ok_or_else(|| corrupt(column, "is empty"))
    }

    pub fn opt_int(&self, column: &str) -> StoreResult<Option<i64>> {
        self.opt(column, |v| match v {
            Value::Int(n) => Some(*n),
            _ => None,
        })
    }

    pub fn int(&self, column: &str) -> StoreResult<i64> {
        self.req(column, |v| match v {
            Value::Int(n) => Some(*n),
            _ => None,
        })
    }

    pub fn real(&self, column: &str) -> StoreResult<f64> {
        self.req(column, |v| match v {
            Value::Real(x) => Some(*x),
            _ => None,
        })
    }

    /// A count, saturated to `u32`.
    pub fn count(&self, column: &str) -> StoreResult<u32> {
        Ok(u32::try_from(self.int(column)?.max(0)).unwrap_or(u32::MAX))
    }

    pub fn opt_text(&self, column: &str) -> StoreResult<Option<String>> {
        self.opt(column, |v| match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        })
    }

    pub fn text(&self, column: &str) -> StoreResult<String> {
        self.req(column, |v| match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        })
    }

    /// A boolean: PostgreSQL's `boolean`, or SQLite's 0/1.
    pub fn bool(&self, column: &str) -> StoreResult<bool> {
        self.req(column, |v| match v {
            Value::Bool(b) => Some(*b),
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            _ => None,
        })
    }

    /// A date: PostgreSQL's `date`, or SQLite's `YYYY-MM-DD` text.
    pub fn opt_date(&self, column: &str) -> StoreResult<Option<Date>> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.opt(column, |v| match v {
            Value::Date(d) => Some(*d),
            Value::Text(s) => Date::parse(s, &format).ok(),
            _ => None,
        })
    }

    pub fn date(&self, column: &str) -> StoreResult<Date> {
        self.opt_date(column)?.ok_or_else(|| corrupt(column, "is empty"))
    }

    pub fn bytes(&self, column: &str) -> StoreResult<Vec<u8>> {
        self.req(column, |v| match v {
            Value::Bytes(b) => Some(b.clone()),
            _ => None,
        })
    }

    /// An instant: PostgreSQL's `timestamptz`, or SQLite's [`STAMP`] text or microseconds.
    pub fn opt_time(&self, column: &str) -> StoreResult<Option<OffsetDateTime>> {
        self.opt(column, |v| match v {
            Value::Time(t) | Value::Micros(t) => Some(*t),
            Value::Int(us) => OffsetDateTime::from_unix_timestamp_nanos(i128::from(*us) * 1_000).ok(),
            Value::Text(s) => PrimitiveDateTime::parse(s, STAMP).ok().map(PrimitiveDateTime::assume_utc),
            _ => None,
        })
    }

    pub fn time(&self, column: &str) -> StoreResult<OffsetDateTime> {
        self.opt_time(column)?.ok_or_else(|| corrupt(column, "is empty"))
    }

    /// Text parsed by a domain type's `parse` (a code of a vocabulary, a region code).
    pub fn parsed<T, E: std::fmt::Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> StoreResult<T> {
        parse(&self.text(column)?).map_err(|e| corrupt(column, e))
    }

    pub fn opt_parsed<T, E: std::fmt::Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> StoreResult<Option<T>> {
        self.opt_text(column)?.map(|s| parse(&s).map_err(|e| corrupt(column, e))).transpose()
    }
}

// --- Statements -----------------------------------------------------------------------------

/// SQL text with `?` placeholders and the parameters they bind, in order.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Sql {
        Sql { text: text.into(), params: Vec::new() }
    }

    /// Appends text.
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a `?` bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.text.push('?');
        self.params.push(value.into());
        self
    }

    /// Appends another statement fragment with its parameters.
    pub fn append(&mut self, other: &Sql) -> &mut Sql {
        self.text.push_str(&other.text);
        self.params.extend(other.params.iter().cloned());
        self
    }

    /// `(?, ?, …)` bound to `values`.
    pub fn list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Sql {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }
}

/// The conditions of a WHERE clause, joined by AND.
#[derive(Debug, Clone, Default)]
pub struct Where(Vec<Sql>);

impl Where {
    /// Adds a condition.
    pub fn and(&mut self, cond: Sql) -> &mut Where {
        self.0.push(cond);
        self
    }

    /// The conditions, in the order added.
    pub fn conditions(&self) -> &[Sql] {
        &self.0
    }

    /// ` WHERE a AND b …`, or nothing.
    pub fn to_sql(&self) -> Sql {
        let mut sql = Sql::default();
        for (i, cond) in self.0.iter().enumerate() {
            sql.push(if i == 0 { " WHERE " } else { " AND " }).append(cond);
        }
        sql
    }
}

/// A condition: `col` is the region `code` or lies below it. Ranges rather than LIKE so that
/// the index on `col` serves.
pub fn subtree(col: &str, code: &str) -> Sql {
    let mut s = Sql::new(format!("({col} = "));
    s.bind(code).push(&format!(" OR ({col} >= ")).bind(format!("{code}."));
    s.push(&format!(" AND {col} < ")).bind(format!("{code}/")).push("))");
    s
}

/// Search keys: names compare case-insensitively through a lower-cased key computed here
/// (not by a server's locale), so both backends fold case the same way.
pub fn key(s: &str) -> String {
    s.to_lowercase()
}

/// The upper bound of a prefix range: every string starting with `prefix` sorts below it.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// A condition: the `*_key` column `col` contains `text`, case-insensitively and literally.
pub fn contains(col: &str, text: &str) -> Sql {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in key(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    let mut s = Sql::new(format!("{col} LIKE "));
    s.bind(pattern).push(" ESCAPE '\\'");
    s
}

/// Rewrites `?` placeholders to `$1`, `$2`, … (PostgreSQL), leaving quoted text alone.
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let (mut n, mut quoted) = (0, false);
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

// --- Connections and backends ---------------------------------------------------------------

/// One database connection (or open transaction) of a backend.
///
/// Errors are classified by the backend: a unique-key violation is a
/// [`StoreError::Duplicate`] (the kit puts in the field the record declares), lock waits
/// that ran out are [`StoreError::Busy`], anything else [`StoreError::Backend`].
#[async_trait]
pub trait Conn: Send {
    async fn query(&mut self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>>;
    async fn execute(&mut self, sql: &str, params: &[Value]) -> StoreResult<u64>;

    /// Inserts `rows` (one value per column, in the order of `columns`, each column of the
    /// kit type given beside it) into `table`; the number inserted. The default writes
    /// multi-row `VALUES` statements of [`INSERT_BATCH`] rows; PostgreSQL sends each column as
    /// one array and inserts them all in one statement (`unnest`), which parses and plans once.
    async fn insert_rows(&mut self, table: &str, columns: &[(&str, Type)], rows: &[Vec<Value>]) -> StoreResult<u64> {
        let head = format!(
            "INSERT INTO {table} ({}) VALUES ",
            columns.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
        );
        let mut inserted = 0;
        for batch in rows.chunks(INSERT_BATCH) {
            let mut sql = Sql::new(&head);
            for (i, row) in batch.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                // A short row is NULL to the end.
                sql.list(columns.iter().enumerate().map(|(i, (_, t))| row.get(i).cloned().unwrap_or(Value::Null(*t))));
            }
            inserted += self.execute(&sql.text, &sql.params).await?;
        }
        Ok(inserted)
    }
}

/// Inserts one row of `(column, value)` pairs into `table`, returning its id.
pub async fn insert_row(c: &mut dyn Conn, table: &str, values: Vec<(&str, Value)>) -> StoreResult<i64> {
    let cols: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let mut sql = Sql::new(format!("INSERT INTO {table} ({}) VALUES ", cols.join(", ")));
    sql.list(values.into_iter().map(|(_, v)| v)).push(" RETURNING id");
    first(c, &sql).await?.ok_or_else(|| StoreError::Backend(format!("insert into {table} returned nothing")))?.int("id")
}

/// Updates one row of `table` if it is still at `version`, moving the version on:
/// `Conflict` (with the version found) or `NotFound { entity }` otherwise.
pub async fn update_row(
    c: &mut dyn Conn,
    table: &str,
    entity: &'static str,
    id: i64,
    values: Vec<(&str, Value)>,
    version: Version,
) -> StoreResult<()> {
    let mut sql = Sql::new(format!("UPDATE {table} SET "));
    for (col, v) in values {
        sql.push(&format!("{col} = ")).bind(v).push(", ");
    }
    sql.push("version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(version);
    if exec(c, &sql).await? == 0 {
        let mut now = Sql::new(format!("SELECT version FROM {table} WHERE id = "));
        now.bind(id);
        return Err(match first(c, &now).await? {
            Some(row) => StoreError::Conflict { entity, expected: version, actual: row.int("version")? },
            None => StoreError::NotFound { entity },
        });
    }
    Ok(())
}

/// Rows per multi-row `INSERT` of [`Conn::insert_rows`]'s default.
pub const INSERT_BATCH: usize = 500;

/// Inserts rows through the connection's fastest path ([`Conn::insert_rows`]).
pub async fn insert_rows(
    c: &mut dyn Conn,
    table: &str,
    columns: &[(&str, Type)],
    rows: &[Vec<Value>],
) -> StoreResult<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    c.insert_rows(table, columns, rows).await
}

/// Runs a statement, returning its rows.
pub async fn rows(c: &mut dyn Conn, sql: &Sql) -> StoreResult<Vec<Row>> {
    c.query(&sql.text, &sql.params).await
}

/// Runs a statement, returning how many rows it changed.
pub async fn exec(c: &mut dyn Conn, sql: &Sql) -> StoreResult<u64> {
    c.execute(&sql.text, &sql.params).await
}

/// Runs a statement expected to return at most one row.
pub async fn first(c: &mut dyn Conn, sql: &Sql) -> StoreResult<Option<Row>> {
    Ok(rows(c, sql).await?.into_iter().next())
}

/// Whether a statement returns any row.
pub async fn any(c: &mut dyn Conn, sql: &Sql) -> StoreResult<bool> {
    Ok(first(c, sql).await?.is_some())
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Work a backend runs on one of its connections.
pub type Job<T> = Box<dyn for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, StoreResult<T>> + Send>;

/// Makes a [`Job`] of a closure (written `|c| Box::pin(async move { … })`).
pub fn job<T, F>(f: F) -> Job<T>
where
    F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
{
    Box::new(f)
}

/// A backend: where jobs run.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Runs a job that only reads, on a pooled connection.
    async fn read<T: Send + 'static>(&self, job: Job<T>) -> StoreResult<T>;
    /// Runs a job as one write transaction (attributed and sealed as the backend's writes
    /// are); an error rolls it all back.
    async fn write<T: Send + 'static>(&self, job: Job<T>) -> StoreResult<T>;
    /// The backend's audit SQL for bulk writes (row triggers silenced, one summary event),
    /// for kit code that changes many rows at once.
    fn bulk_audit(&self) -> crate::regions::AuditSql;
    /// The statement that refreshes the planner's statistics of `tables`, for kit code that
    /// walks whole tables right after bulk loads (closing a PKH period, building a payment
    /// list): PostgreSQL's `ANALYZE`, which autovacuum may not have run yet and without which
    /// a range join falls back to scanning millions of rows. `None`: the backend's plans do
    /// not depend on statistics (SQLite, with its indexes).
    fn analyze_sql(&self, tables: &[&str]) -> Option<String> {
        let _ = tables;
        None
    }
}

/// Drives a future that never waits (a synchronous driver's [`Conn`]) to its end on this
/// thread. One that does wait is a bug, reported as an error rather than blocking.
pub fn run_ready<T>(fut: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => Err(StoreError::Backend("a synchronous store call waited".into())),
    }
}

// --- Record declarations --------------------------------------------------------------------

/// A record type as stored: its table and how a row reads back.
pub trait Record: Sized + Send + 'static {
    /// The table.
    const TABLE: &'static str;
    /// The table's alias in every query (`h` for households).
    const ALIAS: &'static str;
    /// The key column (`id`, or `code` for regions).
    const KEY: &'static str = "id";
    /// The record's name in [`StoreError::NotFound`] and [`StoreError::Conflict`].
    const ENTITY: &'static str;
    /// The columns [`Record::from_row`] reads, unqualified, separated by `, `.
    const COLUMNS: &'static str;

    fn from_row(row: &Row) -> StoreResult<Self>;

    /// The columns, qualified by the alias: `h.id, h.kk, …`.
    fn columns() -> String {
        Self::COLUMNS.split(", ").map(|c| format!("{}.{c}", Self::ALIAS)).collect::<Vec<_>>().join(", ")
    }

    /// `SELECT <columns> FROM <table> <alias>`.
    fn select() -> String {
        format!("SELECT {} FROM {} {}", Self::columns(), Self::TABLE, Self::ALIAS)
    }
}

/// A reference a record holds that must resolve before it is written.
pub struct Reference {
    /// The field named in [`StoreError::Reference`].
    pub field: &'static str,
    /// Table and key column looked in.
    pub table: &'static str,
    pub key: &'static str,
    pub value: Value,
    /// What the reference is, for the message (`region 33.16 does not exist`).
    pub what: String,
}

impl Reference {
    pub fn id(field: &'static str, table: &'static str, entity: &str, id: i64) -> Reference {
        Reference { field, table, key: "id", value: Value::Int(id), what: format!("{entity} {id}") }
    }

    pub fn region(field: &'static str, code: &berdaya_domain::registry::RegionCode) -> Reference {
        Reference { field, table: "regions", key: "code", value: code.as_str().into(), what: format!("region {code}") }
    }
}

/// A record type written from its `New*` domain type.
pub trait Writable: Record {
    type New: Clone + Send + Sync + 'static;
    /// The field and message of a unique-key violation, if the table has a user-visible key.
    const UNIQUE: Option<(&'static str, &'static str)> = None;
    /// The columns written and their values (on create and update alike).
    fn values(new: &Self::New) -> Vec<(&'static str, Value)>;
    /// The references to check before a write.
    fn references(_new: &Self::New) -> Vec<Reference> {
        Vec::new()
    }
}

/// Gives a unique-key violation the field and message `unique` names.
pub fn on_duplicate(e: StoreError, unique: Option<(&'static str, &str)>) -> StoreError {
    match (e, unique) {
        (StoreError::Duplicate { .. }, Some((field, message))) => {
            StoreError::Duplicate { field, message: message.to_string() }
        }
        (e, _) => e,
    }
}

/// The record whose key is `key`, if any.
pub async fn find<R: Record>(c: &mut dyn Conn, key: impl Into<Value>) -> StoreResult<Option<R>> {
    let mut sql = Sql::new(format!("{} WHERE {}.{} = ", R::select(), R::ALIAS, R::KEY));
    sql.bind(key);
    first(c, &sql).await?.as_ref().map(R::from_row).transpose()
}

/// The record whose key is `key`, or [`StoreError::NotFound`].
pub async fn get<R: Record>(c: &mut dyn Conn, key: impl Into<Value>) -> StoreResult<R> {
    find(c, key).await?.ok_or(StoreError::NotFound { entity: R::ENTITY })
}

/// [`StoreError::NotFound`] unless the record exists.
pub async fn require<R: Record>(c: &mut dyn Conn, key: impl Into<Value>) -> StoreResult<()> {
    let mut sql = Sql::new(format!("SELECT 1 FROM {} WHERE {} = ", R::TABLE, R::KEY));
    sql.bind(key);
    if any(c, &sql).await? { Ok(()) } else { Err(StoreError::NotFound { entity: R::ENTITY }) }
}

/// The records matching `cond` (on the alias), in `order`.
pub async fn list<R: Record>(c: &mut dyn Conn, cond: Sql, order: &str) -> StoreResult<Vec<R>> {
    let mut sql = Sql::new(R::select());
    sql.push(" WHERE ").append(&cond).push(&format!(" ORDER BY {order}"));
    rows(c, &sql).await?.iter().map(R::from_row).collect()
}

/// Checks each reference resolves.
pub async fn check_references(c: &mut dyn Conn, refs: Vec<Reference>) -> StoreResult<()> {
    for r in refs {
        let mut sql = Sql::new(format!("SELECT 1 FROM {} WHERE {} = ", r.table, r.key));
        sql.bind(r.value);
        if !any(c, &sql).await? {
            return Err(StoreError::Reference { field: r.field, message: format!("{} does not exist", r.what) });
        }
    }
    Ok(())
}

/// Inserts a record (after checking its references) with `extra` columns beside its values,
/// returning its key.
pub async fn insert<R: Writable>(
    c: &mut dyn Conn,
    new: &R::New,
    extra: Vec<(&'static str, Value)>,
) -> StoreResult<Value> {
    check_references(c, R::references(new)).await?;
    let values: Vec<(&str, Value)> = extra.into_iter().chain(R::values(new)).collect();
    let cols: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let mut sql = Sql::new(format!("INSERT INTO {} ({}) VALUES ", R::TABLE, cols.join(", ")));
    sql.list(values.into_iter().map(|(_, v)| v)).push(&format!(" RETURNING {}", R::KEY));
    let row = first(c, &sql).await.map_err(|e| on_duplicate(e, R::UNIQUE))?;
    let row = row.ok_or_else(|| StoreError::Backend(format!("insert into {} returned nothing", R::TABLE)))?;
    row.value(R::KEY).cloned()
}

/// Inserts a record and reads it back.
pub async fn create<R: Writable>(c: &mut dyn Conn, new: &R::New) -> StoreResult<R> {
    let key = insert::<R>(c, new, Vec::new()).await?;
    get(c, key).await
}

/// Updates a record if it is still at `version`, and reads it back: [`StoreError::NotFound`]
/// when it is gone, [`StoreError::Conflict`] when someone changed it first.
pub async fn update<R: Writable>(
    c: &mut dyn Conn,
    key: impl Into<Value>,
    new: &R::New,
    version: Version,
) -> StoreResult<R> {
    let key = key.into();
    check_references(c, R::references(new)).await?;
    let mut sql = Sql::new(format!("UPDATE {} SET ", R::TABLE));
    for (col, v) in R::values(new) {
        sql.push(&format!("{col} = ")).bind(v).push(", ");
    }
    sql.push(&format!("version = version + 1 WHERE {} = ", R::KEY)).bind(key.clone());
    sql.push(" AND version = ").bind(version);
    if exec(c, &sql).await.map_err(|e| on_duplicate(e, R::UNIQUE))? == 0 {
        let mut now = Sql::new(format!("SELECT version FROM {} WHERE {} = ", R::TABLE, R::KEY));
        now.bind(key);
        return Err(match first(c, &now).await? {
            Some(row) => StoreError::Conflict { entity: R::ENTITY, expected: version, actual: row.int("version")? },
            None => StoreError::NotFound { entity: R::ENTITY },
        });
    }
    get(c, key).await
}

// --- Listings ----------------------------------------------------------------------------------

/// A paged listing: `select` columns, then `from` (FROM, joins, WHERE) shared with the count,
/// then `order` (without ORDER BY).
pub struct Listing {
    pub select: Sql,
    pub from: Sql,
    pub order: Sql,
    pub page: PageRequest,
}

/// One page of a listing and its total, counted up to [`COUNT_CAP`] + 1.
pub async fn page<T>(c: &mut dyn Conn, l: &Listing, map: impl Fn(&Row) -> StoreResult<T>) -> StoreResult<Page<T>> {
    let mut count = Sql::new("SELECT count(*) AS n FROM (SELECT 1 ");
    count.append(&l.from).push(&format!(" LIMIT {}) t", COUNT_CAP + 1));
    let total = first(c, &count).await?.map(|r| r.int("n")).transpose()?.unwrap_or(0);
    let mut sql = l.select.clone();
    sql.push(" ").append(&l.from).push(" ORDER BY ").append(&l.order);
    sql.push(&format!(" LIMIT {} OFFSET {}", l.page.per_page, l.page.offset()));
    let items = rows(c, &sql).await?.iter().map(map).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::new(items, l.page, u64::try_from(total).unwrap_or(0)))
}

/// How a listing orders and filters: sort keys and filter keys to SQL, declared per listing.
pub struct Spec {
    /// Sort key → SQL expression.
    pub sorts: &'static [(&'static str, &'static str)],
    /// The natural order, when no (known) sort key is asked for.
    pub natural: &'static str,
    /// The tie-breaker appended to every order (the key column).
    pub tie: &'static str,
    /// Filter key → column and how the value reads.
    pub filters: &'static [(&'static str, &'static str, Type)],
}

impl Spec {
    /// The ORDER BY of a query: its sort key (NULLs last both ways) or the natural order,
    /// then the tie-breaker. `bound` holds sort keys whose expression binds parameters.
    pub fn order(&self, q: &crate::registry::Query, bound: &[(&str, &Sql)]) -> Sql {
        let mut sql = Sql::default();
        let fixed = |key: &str| self.sorts.iter().find(|(k, _)| *k == key).map(|(_, e)| Sql::new(*e));
        let bound = |key: &str| bound.iter().find(|(k, _)| *k == key).map(|(_, e)| (*e).clone());
        match q.sort.as_ref().and_then(|s| fixed(&s.key).or_else(|| bound(&s.key)).map(|e| (s, e))) {
            Some((s, expr)) => {
                sql.append(&expr).push(if s.descending { " DESC NULLS LAST, " } else { " ASC NULLS LAST, " });
            }
            None if self.natural == self.tie => {}
            None => {
                sql.push(self.natural).push(", ");
            }
        }
        sql.push(self.tie);
        sql
    }

    /// Adds the query's known filters to `w`. A value that cannot be what the column holds
    /// matches nothing.
    pub fn filter(&self, q: &crate::registry::Query, w: &mut Where) {
        for (k, v) in &q.filters {
            let Some((_, col, ty)) = self.filters.iter().find(|(key, _, _)| key == k) else {
                continue;
            };
            let value = match ty {
                Type::Bool => match v.as_str() {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                },
                Type::Int => v.parse::<i64>().ok().map(Value::Int),
                _ => Some(Value::Text(v.clone())),
            };
            let mut cond = Sql::default();
            match value {
                Some(value) => cond.push(&format!("{col} = ")).bind(value),
                None => cond.push("1 = 0"),
            };
            w.and(cond);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_outside_quotes() {
        assert_eq!(
            numbered_placeholders("a LIKE ? ESCAPE '\\' AND b = '?' AND c IN (?, ?)"),
            "a LIKE $1 ESCAPE '\\' AND b = '?' AND c IN ($2, $3)"
        );
    }

    #[test]
    fn rows_read_each_backends_representation() {
        let names: Arc<[String]> = ["b", "d", "n"].map(String::from).into();
        let sqlite =
            Row::new(names.clone(), vec![Value::Int(1), Value::Text("2024-02-29".into()), Value::Null(Type::Int)]);
        let pg =
            Row::new(names, vec![Value::Bool(true), Value::Date(time::macros::date!(2024 - 02 - 29)), Value::Int(3)]);
        for row in [&sqlite, &pg] {
            assert!(row.bool("b").expect("bool"));
            assert_eq!(row.date("d").expect("date"), time::macros::date!(2024 - 02 - 29));
        }
        assert_eq!(sqlite.opt_int("n").expect("null"), None);
        assert!(matches!(sqlite.int("n"), Err(StoreError::Backend(m)) if m.contains("n")));
        assert!(matches!(pg.text("b"), Err(StoreError::Backend(m)) if m.contains("stored b")));
        assert!(matches!(pg.int("zz"), Err(StoreError::Backend(m)) if m.contains("zz")));
    }

    #[test]
    fn a_pending_future_is_an_error() {
        assert!(run_ready(std::future::pending::<StoreResult<()>>()).is_err());
        assert_eq!(run_ready(async { Ok(3) }).expect("ready"), 3);
    }
}
