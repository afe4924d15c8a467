//! Registry import and export: one transaction, prepared statements, no per-row round trips.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc;

use berdaya_domain::registry::{Id, NewHousehold, NewPerson, NikMismatch, RegionCode};
use berdaya_store::import::{HouseholdSeen, InFileChecks};
use berdaya_store::registry::RegistryExportRow;
use berdaya_store::{ImportOptions, ImportReport, RegistryRecord, RowError, RowSource, StoreResult};
use rusqlite::{Connection, params};
use time::Date;

use crate::backend;
use crate::registry::{key, person_from, unique};

/// Reads every row, checks it, and writes the valid ones in one transaction that commits
/// only when the options allow (no errors, or `skip_invalid`; never on `dry_run`).
pub(crate) fn import(
    conn: &mut Connection,
    rows: &mut dyn RowSource,
    options: &ImportOptions,
) -> StoreResult<ImportReport> {
    // A large page cache keeps the NIK, KK and name indexes in memory during a big import.
    // Sorts go to temporary files rather than memory: SQLite sorts in memory on one thread
    // only, and the index builds of a bulk load sort millions of keys (see [`BulkLoad`]).
    let temp_store: i64 = conn.query_row("PRAGMA temp_store", [], |r| r.get(0)).map_err(backend)?;
    conn.execute_batch("PRAGMA cache_size = -65536; PRAGMA temp_store = FILE").map_err(backend)?;
    let result = import_in(conn, rows, options);
    conn.execute_batch(&format!("PRAGMA cache_size = -2000; PRAGMA threads = 0; PRAGMA temp_store = {temp_store}"))
        .map_err(backend)?;
    result
}

fn import_in(conn: &mut Connection, rows: &mut dyn RowSource, options: &ImportOptions) -> StoreResult<ImportReport> {
    let regions: HashSet<String> = {
        let mut s = conn.prepare("SELECT code FROM regions").map_err(backend)?;
        s.query_map([], |r| r.get::<_, String>(0)).map_err(backend)?.collect::<Result<_, _>>().map_err(backend)?
    };
    let actor = berdaya_store::access::current_actor();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(backend)?;
    // Bulk mode: no audit entry per row; one `import` entry before the commit instead.
    let audit = crate::audit::begin_import(&tx, &actor)?;
    let bulk = BulkLoad::begin(&tx)?;
    // Into tables that hold data, rows are committed in chunks so that the server's writers
    // get the lock between them; a dry run and a bulk load (indexes dropped) stay one
    // transaction. See [`Chunks`].
    let mut chunks = (!options.dry_run && bulk.is_none()).then(|| Chunks::new(&actor, options.skip_invalid));
    let mut report = ImportReport::default();
    let started = std::time::Instant::now();
    // Two stages: a thread runs the checks that need no database, this one writes. The
    // batches come back to the checking thread to be freed there.
    std::thread::scope(|scope| {
        let (to_writer, from_checker) = mpsc::sync_channel::<Vec<Item>>(CHECKED_BATCHES);
        let (to_free, written) = mpsc::channel::<Vec<Item>>();
        let checker = scope.spawn(move || check_rows(rows, &regions, to_writer, written));
        let result = write_rows(&tx, bulk.is_some(), chunks.as_mut(), from_checker, to_free, &mut report);
        // On an early error the channels are gone, which stops the checker.
        match checker.join() {
            Ok(()) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })?;
    tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, bulk = bulk.is_some(), "import: rows written");
    let commit = !options.dry_run && (report.rejected_rows == 0 || options.skip_invalid);
    if let Some(chunks) = chunks.filter(|c| !commit && c.committed > 0) {
        tx.rollback().map_err(backend)?;
        chunks.undo(conn)?;
    } else if commit {
        if let Some(bulk) = bulk {
            bulk.finish(&tx)?;
        }
        crate::audit::finish_import(&tx, &audit, &report)?;
        let committing = std::time::Instant::now();
        tx.commit().map_err(backend)?;
        tracing::debug!(elapsed_ms = committing.elapsed().as_millis() as u64, "import: committed");
    } else {
        // The rollback brings back the indexes a bulk load dropped.
        tx.rollback().map_err(backend)?;
    }
    report.committed = commit;
    if !commit {
        report.households_created = 0;
        report.people_created = 0;
    }
    Ok(report)
}

/// Rows per batch between the two stages, and batches in flight.
const CHECKED_BATCH: usize = 256;
const CHECKED_BATCHES: usize = 8;

/// A row as it comes out of the checking stage.
enum Item {
    /// The file reader rejected it.
    Unreadable(Vec<RowError>),
    Checked(Box<Checked>),
}

/// A record with what the checks that need no database found.
struct Checked {
    rec: RegistryRecord,
    /// The region is not in the database (regions are read once, before the rows).
    region: Option<RowError>,
    in_file: Result<HouseholdSeen, Vec<RowError>>,
    /// Reported only if the row is imported.
    warnings: Vec<NikMismatch>,
    name_key: String,
    /// For the first row of a KK only; later rows that must create the household (because
    /// the first was rejected) compute it when writing.
    address_key: Option<String>,
}

/// The checking stage: reads every row, runs the region and in-file checks, and sends the
/// rows on in file order; then frees the batches the writer sends back until it is done.
fn check_rows(
    rows: &mut dyn RowSource,
    regions: &HashSet<String>,
    to_writer: mpsc::SyncSender<Vec<Item>>,
    written: mpsc::Receiver<Vec<Item>>,
) {
    let mut checks = InFileChecks::new();
    let mut batch = Vec::with_capacity(CHECKED_BATCH);
    while let Some(next) = rows.next_row() {
        batch.push(match next {
            Err(errors) => Item::Unreadable(errors),
            Ok(rec) => {
                let region = (!regions.contains(rec.household.region.as_str()))
                    .then(|| rec.error("region", &format!("region {} does not exist", rec.household.region)));
                let in_file = checks.check(&rec);
                let warnings = rec.person.nik.check(rec.person.birth_date, rec.person.sex, Some(&rec.household.region));
                let mut name_key = String::new();
                key_into(&mut name_key, &rec.person.name);
                let address_key = matches!(in_file, Ok(HouseholdSeen::New)).then(|| {
                    let mut k = String::new();
                    key_into(&mut k, &rec.household.address);
                    k
                });
                Item::Checked(Box::new(Checked { rec, region, in_file, warnings, name_key, address_key }))
            }
        });
        if batch.len() == CHECKED_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(CHECKED_BATCH));
            if to_writer.send(full).is_err() {
                return;
            }
            while let Ok(done) = written.try_recv() {
                drop(done);
            }
        }
    }
    if !batch.is_empty() && to_writer.send(batch).is_err() {
        return;
    }
    drop(to_writer);
    for done in written {
        drop(done);
    }
}

/// The writing stage: the checks against the database (unless the tables started empty),
/// then the inserts. A bulk load into empty tables writes many rows per statement instead.
fn write_rows(
    tx: &Connection,
    bulk: bool,
    mut chunks: Option<&mut Chunks>,
    from_checker: mpsc::Receiver<Vec<Item>>,
    to_free: mpsc::Sender<Vec<Item>>,
    report: &mut ImportReport,
) -> StoreResult<()> {
    // KK → id of the household this import created.
    let mut created: HashMap<u64, Id> = HashMap::new();
    let mut kk_exists = tx.prepare("SELECT 1 FROM households WHERE kk = ?1").map_err(backend)?;
    let mut nik_exists = tx.prepare("SELECT 1 FROM people WHERE nik = ?1").map_err(backend)?;
    let mut insert = Inserts::prepare(tx)?;
    let mut many = if bulk { Some(BulkInserts::new(tx)?) } else { None };
    // Positions in the batch of the rows that create a household, and of every row to write.
    let (mut new_households, mut new_people) = (Vec::new(), Vec::new());
    for mut batch in from_checker {
        if let Some(chunks) = chunks.as_mut() {
            chunks.begin(tx)?;
        }
        new_households.clear();
        new_people.clear();
        for (at, item) in batch.iter_mut().enumerate() {
            report.rows += 1;
            let c = match item {
                Item::Unreadable(errors) => {
                    report.reject(std::mem::take(errors));
                    continue;
                }
                Item::Checked(c) => c,
            };
            let rec = &mut c.rec;
            let mut errors = Vec::new();
            let err = |column: &str, rule: &str| rec.error(column, rule);
            errors.extend(c.region.take());
            let kk = rec.household.kk.as_u64();
            if !bulk {
                if !created.contains_key(&kk) && kk_exists.exists([kk as i64]).map_err(backend)? {
                    errors.push(err("kk", "KK already registered in the database"));
                }
                if nik_exists.exists([rec.person.nik.as_u64() as i64]).map_err(backend)? {
                    errors.push(err("nik", "NIK already registered in the database"));
                }
            }
            if let Err(more) = &mut c.in_file {
                errors.append(more);
            }
            if !errors.is_empty() {
                report.reject(errors);
                continue;
            }
            // Committed chunks are undone at the end anyway: check the rest, write nothing.
            if chunks.as_ref().is_some_and(|c| c.doomed(report)) {
                created.entry(kk).or_insert(0);
                continue;
            }
            let household_id = match created.get(&kk) {
                Some(&id) => id,
                // The first row of this KK, or the first after it was rejected.
                None => {
                    let id = match &mut many {
                        Some(many) => {
                            if c.address_key.is_none() {
                                c.address_key = Some(key(&rec.household.address));
                            }
                            new_households.push(at);
                            many.next_household_id()
                        }
                        None => {
                            let id = insert.household(&rec.household, c.address_key.as_deref())?;
                            if let Some(chunks) = chunks.as_mut() {
                                chunks.households.push(id);
                            }
                            id
                        }
                    };
                    created.insert(kk, id);
                    report.households_created += 1;
                    id
                }
            };
            rec.person.household_id = Some(household_id);
            match many {
                Some(_) => new_people.push(at),
                None => {
                    let id = insert.person(&rec.person, &c.name_key)?;
                    if let Some(chunks) = chunks.as_mut() {
                        chunks.people.push(id);
                    }
                }
            }
            report.people_created += 1;
            report.warn(rec.row, std::mem::take(&mut c.warnings));
        }
        if let Some(many) = &mut many {
            many.write(&batch, &new_households, &new_people)?;
        }
        // The checker is gone only after an error of its own making; the batch is freed here.
        let _ = to_free.send(batch);
        if let Some(chunks) = chunks.as_mut() {
            chunks.maybe_yield(tx)?;
        }
    }
    // The import's own transaction ends the import (its audit entry, the commit).
    if let Some(chunks) = chunks {
        chunks.begin(tx)?;
    }
    Ok(())
}

/// How long an import holds the write lock at a stretch, and how long it lets go between
/// chunks: waiting writers poll every 2 ms (see `conn.rs`), so a few milliseconds let them in.
#[cfg(not(test))]
const CHUNK_TIME: std::time::Duration = std::time::Duration::from_millis(250);
/// Tests commit after every batch, so that small files go through every path of [`Chunks`].
#[cfg(test)]
const CHUNK_TIME: std::time::Duration = std::time::Duration::ZERO;
const CHUNK_GAP: std::time::Duration = std::time::Duration::from_millis(15);

/// An import into tables that already hold data, committed in chunks of [`CHUNK_TIME`] so the
/// server's writers wait for a chunk, not for the whole import. It stays all-or-nothing: it
/// keeps the ids it wrote, and when the file turns out to have errors (without
/// `skip_invalid`) it writes no further row and deletes the rows of its committed chunks at
/// the end ([`Chunks::undo`]). Meanwhile other users may see the rows of committed chunks.
struct Chunks {
    actor: berdaya_store::access::Actor,
    skip_invalid: bool,
    started: std::time::Instant,
    /// Chunks committed so far.
    committed: u64,
    /// Whether a chunk's transaction is open. Between chunks none is, also while the import
    /// waits for its file: the lock is held only while rows are written.
    open: bool,
    households: Vec<Id>,
    people: Vec<Id>,
}

impl Chunks {
    fn new(actor: &berdaya_store::access::Actor, skip_invalid: bool) -> Chunks {
        Chunks {
            actor: actor.clone(),
            skip_invalid,
            started: std::time::Instant::now(),
            committed: 0,
            open: true,
            households: Vec::new(),
            people: Vec::new(),
        }
    }

    /// Whether the import can no longer commit (a row was rejected and the user did not ask
    /// to skip them).
    fn doomed(&self, report: &ImportReport) -> bool {
        !self.skip_invalid && report.rejected_rows > 0
    }

    /// Takes the write lock for the next chunk, in the import's audit context (other writers
    /// changed it in between).
    fn begin(&mut self, tx: &Connection) -> StoreResult<()> {
        if !self.open {
            tx.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
            crate::audit::set_context(tx, &self.actor, true)?;
            self.open = true;
            self.started = std::time::Instant::now();
        }
        Ok(())
    }

    /// Commits the chunk and lets other writers in, once the chunk has held the lock long
    /// enough.
    fn maybe_yield(&mut self, tx: &Connection) -> StoreResult<()> {
        if self.started.elapsed() < CHUNK_TIME {
            return Ok(());
        }
        tx.execute_batch("COMMIT").map_err(backend)?;
        self.committed += 1;
        self.open = false;
        std::thread::sleep(CHUNK_GAP);
        Ok(())
    }

    /// Deletes what the committed chunks wrote, in one transaction, and records it.
    fn undo(self, conn: &mut Connection) -> StoreResult<()> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(backend)?;
        crate::audit::set_context(&tx, &self.actor, true)?;
        for (table, ids) in [("people", &self.people), ("households", &self.households)] {
            let mut delete = tx.prepare(&format!("DELETE FROM {table} WHERE id = ?1")).map_err(backend)?;
            for id in ids {
                delete.execute([id]).map_err(backend)?;
            }
        }
        let details = serde_json::json!({
            "undone": true,
            "households_deleted": self.households.len(),
            "people_deleted": self.people.len(),
        });
        crate::audit::insert_event(&tx, "import_undone", "registry", None, &details)?;
        crate::audit::seal(&tx)?;
        crate::audit::set_context(&tx, &berdaya_store::access::Actor::system("system"), false)?;
        tx.commit().map_err(backend)
    }
}

/// Rows per statement in a bulk load: fewer statements to run, well under SQLite's limit of
/// bound parameters.
const BULK_ROWS: usize = 64;

/// The inserts of a bulk load: up to [`BULK_ROWS`] rows per statement, households with ids
/// chosen here (the table is empty) so that their people can refer to them before they are
/// written. Nothing can conflict: the unique indexes are gone and the in-file checks have
/// ruled out duplicates, so any failure aborts the import.
struct BulkInserts<'c> {
    tx: &'c Connection,
    /// The statement for n rows at `[n - 1]`, prepared when first needed.
    households: Vec<Option<rusqlite::Statement<'c>>>,
    people: Vec<Option<rusqlite::Statement<'c>>>,
    next_household: Id,
}

impl<'c> BulkInserts<'c> {
    fn new(tx: &'c Connection) -> StoreResult<BulkInserts<'c>> {
        let next_household =
            tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM households", [], |r| r.get(0)).map_err(backend)?;
        Ok(BulkInserts {
            tx,
            households: (0..BULK_ROWS).map(|_| None).collect(),
            people: (0..BULK_ROWS).map(|_| None).collect(),
            next_household,
        })
    }

    fn next_household_id(&mut self) -> Id {
        let id = self.next_household;
        self.next_household += 1;
        id
    }

    /// The statement inserting `rows` rows of `columns` into `table`.
    fn statement<'s>(
        tx: &'c Connection,
        cache: &'s mut [Option<rusqlite::Statement<'c>>],
        table: &str,
        columns: &str,
        rows: usize,
    ) -> StoreResult<&'s mut rusqlite::Statement<'c>> {
        let slot = &mut cache[rows - 1];
        if slot.is_none() {
            let one = format!("({})", vec!["?"; columns.split(',').count()].join(", "));
            let sql = format!("INSERT INTO {table} ({columns}) VALUES {}", vec![one; rows].join(", "));
            *slot = Some(tx.prepare(&sql).map_err(backend)?);
        }
        Ok(slot.as_mut().expect("prepared above"))
    }

    /// Writes the households, then the people, at the given positions of `batch`.
    fn write(&mut self, batch: &[Item], households: &[usize], people: &[usize]) -> StoreResult<()> {
        let checked = |at: usize| match &batch[at] {
            Item::Checked(c) => Some(c),
            Item::Unreadable(_) => None,
        };
        const HOUSEHOLD: &str = "id, kk, address, address_key, region, welfare_stage, dtks_listed, dtks_since";
        for chunk in households.chunks(BULK_ROWS) {
            let st = Self::statement(self.tx, &mut self.households, "households", HOUSEHOLD, chunk.len())?;
            let mut p = 0;
            let mut bind = |v: &dyn rusqlite::ToSql| {
                p += 1;
                st.raw_bind_parameter(p, v)
            };
            for c in chunk.iter().filter_map(|&at| checked(at)) {
                let h = &c.rec.household;
                let mut since = [0; 10];
                bind(&c.rec.person.household_id)
                    .and_then(|_| bind(&(h.kk.as_u64() as i64)))
                    .and_then(|_| bind(&h.address))
                    .and_then(|_| bind(&c.address_key.as_deref().unwrap_or_default()))
                    .and_then(|_| bind(&h.region.as_str()))
                    .and_then(|_| bind(&h.welfare_stage.code()))
                    .and_then(|_| bind(&h.dtks_listed))
                    .and_then(|_| bind(&h.dtks_since.map(|d| SqlDate::new(d, &mut since))))
                    .map_err(backend)?;
            }
            st.raw_execute().map_err(backend)?;
        }
        const PERSON: &str =
            "nik, household_id, name, name_key, sex, birth_date, relation, education, occupation, disability";
        for chunk in people.chunks(BULK_ROWS) {
            let st = Self::statement(self.tx, &mut self.people, "people", PERSON, chunk.len())?;
            let mut p = 0;
            let mut bind = |v: &dyn rusqlite::ToSql| {
                p += 1;
                st.raw_bind_parameter(p, v)
            };
            for c in chunk.iter().filter_map(|&at| checked(at)) {
                let person = &c.rec.person;
                let mut birth = [0; 10];
                bind(&(person.nik.as_u64() as i64))
                    .and_then(|_| bind(&person.household_id))
                    .and_then(|_| bind(&person.name))
                    .and_then(|_| bind(&c.name_key))
                    .and_then(|_| bind(&person.sex.code()))
                    .and_then(|_| bind(&SqlDate::new(person.birth_date, &mut birth)))
                    .and_then(|_| bind(&person.relation.code()))
                    .and_then(|_| bind(&person.education.code()))
                    .and_then(|_| bind(&person.occupation))
                    .and_then(|_| bind(&person.disability.code()))
                    .map_err(backend)?;
            }
            st.raw_execute().map_err(backend)?;
        }
        Ok(())
    }
}

/// The import's two inserts, prepared once: the same SQL as
/// [`insert_household`](crate::registry::insert_household) and
/// [`insert_person`](crate::registry::insert_person), without a statement-cache lookup and a
/// lower-cased copy of each name per row.
struct Inserts<'c> {
    conn: &'c Connection,
    household: rusqlite::Statement<'c>,
    person: rusqlite::Statement<'c>,
    key: String,
}

impl<'c> Inserts<'c> {
    fn prepare(tx: &'c Connection) -> StoreResult<Inserts<'c>> {
        Ok(Inserts {
            conn: tx,
            household: tx
                .prepare(
                    "INSERT INTO households (kk, address, address_key, region, welfare_stage, dtks_listed, dtks_since) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(backend)?,
            person: tx
                .prepare(
                    "INSERT INTO people (nik, household_id, name, name_key, sex, birth_date, relation, education, \
                     occupation, disability) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(backend)?,
            key: String::new(),
        })
    }

    /// `address_key` is `key(&h.address)` when the caller has it.
    fn household(&mut self, h: &NewHousehold, address_key: Option<&str>) -> StoreResult<Id> {
        let address_key = match address_key {
            Some(k) => k,
            None => {
                key_into(&mut self.key, &h.address);
                &self.key
            }
        };
        let mut since = [0; 10];
        self.household
            .execute(params![
                h.kk.as_u64() as i64,
                h.address,
                address_key,
                h.region.as_str(),
                h.welfare_stage.code(),
                h.dtks_listed,
                h.dtks_since.map(|d| SqlDate::new(d, &mut since)),
            ])
            .map_err(|e| unique(e, "kk", "this KK number"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// `name_key` is `key(&p.name)`.
    fn person(&mut self, p: &NewPerson, name_key: &str) -> StoreResult<Id> {
        let mut birth = [0; 10];
        self.person
            .execute(params![
                p.nik.as_u64() as i64,
                p.household_id,
                p.name,
                name_key,
                p.sex.code(),
                SqlDate::new(p.birth_date, &mut birth),
                p.relation.code(),
                p.education.code(),
                p.occupation,
                p.disability.code()
            ])
            .map_err(|e| unique(e, "nik", "this NIK"))?;
        Ok(self.conn.last_insert_rowid())
    }
}

/// A date bound as rusqlite binds a [`Date`] (`YYYY-MM-DD`), without going through
/// `time`'s general formatter: two dates per row add up over a million rows.
enum SqlDate<'a> {
    Text(&'a str),
    Other(Date),
}

impl<'a> SqlDate<'a> {
    fn new(d: Date, buf: &'a mut [u8; 10]) -> SqlDate<'a> {
        let Ok(year) = u16::try_from(d.year()) else { return SqlDate::Other(d) };
        if year > 9999 {
            return SqlDate::Other(d);
        }
        let (month, day) = (u8::from(d.month()), d.day());
        let digit = |n: u16| b'0' + (n % 10) as u8;
        *buf = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month as u16 / 10),
            digit(month as u16),
            b'-',
            digit(day as u16 / 10),
            digit(day as u16),
        ];
        // Only ASCII digits and dashes were written.
        SqlDate::Text(std::str::from_utf8(buf).unwrap_or_default())
    }
}

impl rusqlite::ToSql for SqlDate<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            SqlDate::Text(s) => Ok(rusqlite::types::ToSqlOutput::from(*s)),
            SqlDate::Other(d) => d.to_sql(),
        }
    }
}

/// [`key`] into a reused buffer; ASCII text (nearly every name) needs no Unicode tables.
fn key_into(buf: &mut String, s: &str) {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        buf.push_str(&key(s));
    }
}

/// A load into empty `households` and `people` tables (the first national import): their
/// indexes are dropped at the start and built again before the commit, since sorting
/// a million keys once is several times cheaper than inserting them one by one into
/// B-trees. Their audit triggers go too: in an import they record nothing (one `import`
/// entry stands for the rows), but firing them costs a statement journal per row. It all
/// happens inside the import's transaction, so a rollback (errors, a dry run, a failure)
/// restores the indexes and triggers with the empty tables.
struct BulkLoad {
    /// The `CREATE INDEX` statements of the dropped indexes, as the schema holds them.
    indexes: Vec<String>,
    /// The `CREATE TRIGGER` statements of the dropped triggers.
    triggers: Vec<String>,
}

impl BulkLoad {
    /// Drops the indexes when both tables are empty; `None` otherwise. Only named indexes can
    /// go: the automatic ones of an inline `UNIQUE` (databases made before 0001 named them)
    /// stay, and are kept up to date row by row.
    fn begin(tx: &Connection) -> StoreResult<Option<BulkLoad>> {
        let empty: bool = tx
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM households) AND NOT EXISTS (SELECT 1 FROM people)", [], |r| {
                r.get(0)
            })
            .map_err(backend)?;
        if !empty {
            return Ok(None);
        }
        let dropped: Vec<(String, String)> = {
            let mut s = tx
                .prepare(
                    "SELECT name, sql FROM sqlite_schema \
                     WHERE type = 'index' AND tbl_name IN ('households', 'people') AND sql IS NOT NULL \
                     ORDER BY tbl_name, name",
                )
                .map_err(backend)?;
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?
        };
        let triggers: Vec<(String, String)> = {
            let mut s = tx
                .prepare(
                    "SELECT name, sql FROM sqlite_schema \
                     WHERE type = 'trigger' AND tbl_name IN ('households', 'people') ORDER BY name",
                )
                .map_err(backend)?;
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?
        };
        for (name, _) in &dropped {
            tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))).map_err(backend)?;
        }
        for (name, _) in &triggers {
            tx.execute_batch(&format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\""))).map_err(backend)?;
        }
        Ok(Some(BulkLoad {
            indexes: dropped.into_iter().map(|(_, sql)| sql).collect(),
            triggers: triggers.into_iter().map(|(_, sql)| sql).collect(),
        }))
    }

    /// Builds the dropped indexes again. A `UNIQUE` one fails if the rows broke it, which the
    /// in-file checks rule out; the error then aborts the import like any other.
    fn finish(self, tx: &Connection) -> StoreResult<()> {
        // The sorts behind CREATE INDEX run in a helper thread too (the file reader is done)
        // when they spill; a small cache makes them spill early, in smaller runs that sort
        // faster and take less memory.
        let cache: i64 = tx.query_row("PRAGMA cache_size", [], |r| r.get(0)).map_err(backend)?;
        tx.execute_batch("PRAGMA threads = 2; PRAGMA cache_size = -8192").map_err(backend)?;
        let started = std::time::Instant::now();
        let built = self.indexes.iter().chain(&self.triggers).try_for_each(|sql| tx.execute_batch(sql));
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "bulk import: indexes and triggers rebuilt");
        // The connection goes back to the pool with its usual settings, whatever happened.
        tx.execute_batch(&format!("PRAGMA threads = 0; PRAGMA cache_size = {cache}")).map_err(backend)?;
        built.map_err(backend)
    }
}

/// Streams people with their households, by household id then person id, people without
/// a household last.
pub(crate) fn export(
    conn: &mut Connection,
    region: Option<&RegionCode>,
    sink: &mut (dyn FnMut(RegistryExportRow) -> bool + Send),
) -> StoreResult<u64> {
    let tx = conn.transaction().map_err(backend)?;
    let region = region.map(|r| r.as_str().to_string());
    let filter =
        if region.is_some() { "WHERE (h.region = ?1 OR (h.region >= ?1 || '.' AND h.region < ?1 || '/'))" } else { "" };
    let sql = format!(
        "SELECT p.id, p.nik, p.household_id, p.name, p.sex, p.birth_date, p.relation, p.education, p.occupation, p.disability, p.version, \
         h.id AS h_id, h.kk, h.address, h.region, h.welfare_stage, h.dtks_listed, h.dtks_since, h.version AS h_version \
         FROM people p LEFT JOIN households h ON h.id = p.household_id {filter} \
         ORDER BY p.household_id IS NULL, p.household_id, p.id"
    );
    let mut stmt = tx.prepare(&sql).map_err(backend)?;
    let mut rows = match &region {
        Some(r) => stmt.query([r]),
        None => stmt.query([]),
    }
    .map_err(backend)?;
    let mut n = 0;
    while let Some(row) = rows.next().map_err(backend)? {
        let person = person_from(row).map_err(backend)?;
        let household = match row.get::<_, Option<Id>>("h_id").map_err(backend)? {
            Some(_) => Some(household_at(row).map_err(backend)?),
            None => None,
        };
        n += 1;
        if !sink(RegistryExportRow { household, person }) {
            break;
        }
    }
    Ok(n)
}

fn household_at(row: &rusqlite::Row) -> rusqlite::Result<berdaya_domain::registry::Household> {
    use berdaya_domain::registry::{Household, Kk, WelfareStage};
    let bad = |what: &str, e: String| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("stored {what} is invalid: {e}").into(),
        )
    };
    let kk: i64 = row.get("kk")?;
    let region: String = row.get("region")?;
    let stage: String = row.get("welfare_stage")?;
    Ok(Household {
        id: row.get("h_id")?,
        kk: Kk::from_stored(kk).map_err(|e| bad("kk", e))?,
        address: row.get("address")?,
        region: RegionCode::parse(&region).map_err(|e| bad("region", e))?,
        welfare_stage: WelfareStage::parse(&stage).map_err(|e| bad("welfare_stage", e))?,
        dtks_listed: row.get("dtks_listed")?,
        dtks_since: row.get("dtks_since")?,
        version: row.get("h_version")?,
    })
}

#[cfg(test)]
mod tests {
    use berdaya_domain::registry::{HouseholdDraft, PersonDraft};
    use berdaya_store::{ImportOptions, ImportReport, RegistryRecord, RowError};

    use super::*;
    use crate::SqliteStore;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open_blocking(dir.path().join("t.db")).unwrap();
        s.pool
            .get()
            .unwrap()
            .execute_batch(
                "INSERT INTO regions (code, name, name_key, kind, parent) VALUES \
                 ('33', 'Jawa Tengah', 'jawa tengah', 'province', NULL), \
                 ('33.16', 'Blora', 'blora', 'regency', '33'), \
                 ('33.16.09', 'Randublatung', 'randublatung', 'district', '33.16'), \
                 ('33.16.09.2001', 'Pilang', 'pilang', 'village', '33.16.09')",
            )
            .unwrap();
        (dir, s)
    }

    /// A row of household `kk` (its last digits) and person `nik` (its last digits).
    fn row(row: u64, kk: u32, nik: u32, region: &str) -> Result<RegistryRecord, Vec<RowError>> {
        let household = HouseholdDraft {
            kk: format!("331609010120{kk:04}"),
            address: format!("Jl. Pilang {kk}"),
            region: region.into(),
            welfare_stage: "pra_sejahtera".into(),
            dtks_listed: false,
            dtks_since: None,
        }
        .parse()
        .unwrap();
        let person = PersonDraft {
            nik: format!("331609120385{nik:04}"),
            name: format!("Budi Ke-{nik}"),
            sex: "L".into(),
            birth_date: "1985-03-12".into(),
            relation: "head".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        Ok(RegistryRecord { row, household, person, raw: vec![format!("row {row}")] })
    }

    fn run(s: &SqliteStore, rows: Vec<Result<RegistryRecord, Vec<RowError>>>, options: ImportOptions) -> ImportReport {
        let mut source = (rows.into_iter(), 0u64);
        import(&mut s.pool.get().unwrap(), &mut source, &options).unwrap()
    }

    /// The indexes and triggers of the registry tables, with their SQL.
    fn indexes(s: &SqliteStore) -> Vec<(String, Option<String>)> {
        let c = s.pool.get().unwrap();
        let mut q = c
            .prepare(
                "SELECT name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') \
                 AND tbl_name IN ('households', 'people') ORDER BY name",
            )
            .unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
    }

    fn counts(s: &SqliteStore) -> (i64, i64) {
        s.pool
            .get()
            .unwrap()
            .query_row("SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM people)", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
    }

    fn rules(report: &ImportReport) -> Vec<(u64, &str, &str)> {
        report.errors.iter().map(|e| (e.row, e.column.as_str(), e.rule.as_str())).collect()
    }

    const VILLAGE: &str = "33.16.09.2001";

    /// A file that stops after `pause_at` rows until `resume` says go (or 3 s pass), and
    /// reports whether it was told.
    struct Gated {
        rows: std::vec::IntoIter<Result<RegistryRecord, Vec<RowError>>>,
        read: u64,
        pause_at: u64,
        paused: Option<mpsc::Sender<()>>,
        resume: mpsc::Receiver<()>,
        told: std::sync::Arc<std::sync::atomic::AtomicBool>,
    }

    impl RowSource for Gated {
        fn next_row(&mut self) -> Option<Result<RegistryRecord, Vec<RowError>>> {
            if self.read == self.pause_at
                && let Some(paused) = self.paused.take()
            {
                let _ = paused.send(());
                let told = self.resume.recv_timeout(std::time::Duration::from_secs(3)).is_ok();
                self.told.store(told, std::sync::atomic::Ordering::SeqCst);
            }
            self.read += 1;
            self.rows.next()
        }
        fn rows_read(&self) -> u64 {
            self.read
        }
    }

    fn other_household(s: &SqliteStore, kk: u32) {
        let c = s.pool.get().unwrap();
        c.execute(
            "INSERT INTO households (kk, address, address_key, region, welfare_stage, dtks_listed) \
             VALUES (?1, 'Jl. Lain', 'jl lain', ?2, 'pra_sejahtera', 0)",
            params![format!("331609010121{kk:04}").parse::<i64>().unwrap(), VILLAGE],
        )
        .unwrap();
    }

    #[test]
    fn an_import_into_a_busy_registry_lets_other_writers_in_between_chunks() {
        let (_dir, s) = store();
        // A registry that holds data: the import goes in chunks.
        other_household(&s, 1);
        let rows: Vec<_> = (1..=1200).map(|i| row(i as u64, i, i, VILLAGE)).collect();
        let (paused_tx, paused) = mpsc::channel();
        let (resume, resume_rx) = mpsc::channel();
        let told = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut source = Gated {
            rows: rows.into_iter(),
            read: 0,
            pause_at: 600,
            paused: Some(paused_tx),
            resume: resume_rx,
            told: told.clone(),
        };
        std::thread::scope(|scope| {
            let s = &s;
            let writer = scope.spawn(move || {
                paused.recv().unwrap();
                // Another user writes while the import waits for the rest of its file.
                other_household(s, 2);
                resume.send(()).unwrap();
            });
            let rep = import(&mut s.pool.get().unwrap(), &mut source, &ImportOptions::default()).unwrap();
            writer.join().unwrap();
            assert!(rep.committed && rep.people_created == 1200, "{rep:?}");
        });
        assert!(told.load(std::sync::atomic::Ordering::SeqCst), "the other writer waited for the whole import");
        assert_eq!(counts(&s), (1202, 1200));
    }

    #[test]
    fn a_chunked_import_with_an_error_is_undone_whole() {
        let (_dir, s) = store();
        other_household(&s, 1);
        let mut rows: Vec<_> = (1..=900).map(|i| row(i as u64, i, i, VILLAGE)).collect();
        rows.push(row(901, 901, 901, "33.16.09.2999"));
        let rep = run(&s, rows, ImportOptions::default());
        assert!(!rep.committed && rep.rejected_rows == 1 && rep.people_created == 0, "{rep:?}");
        assert_eq!(counts(&s), (1, 0), "the committed chunks stayed");
        let c = s.pool.get().unwrap();
        let undone: i64 =
            c.query_row("SELECT count(*) FROM audit_log WHERE action = 'import_undone'", [], |r| r.get(0)).unwrap();
        assert_eq!(undone, 1);
        // The indexes still refuse what they refused before.
        drop(c);
        let rep = run(&s, vec![row(1, 5, 5, VILLAGE)], ImportOptions::default());
        assert!(rep.committed && rep.people_created == 1, "{rep:?}");
    }

    #[test]
    fn bulk_load_into_empty_tables_rebuilds_every_index() {
        let (_dir, s) = store();
        let before = indexes(&s);
        assert!(before.iter().any(|(n, _)| n == "people_nik"), "{before:?}");
        assert!(before.iter().any(|(n, _)| n == "households_kk"), "{before:?}");
        let rep = run(
            &s,
            vec![row(2, 1, 1, VILLAGE), row(3, 1, 2, VILLAGE), row(4, 2, 3, VILLAGE)],
            ImportOptions::default(),
        );
        assert!(rep.committed && rep.households_created == 2 && rep.people_created == 3, "{rep:?}");
        assert_eq!(indexes(&s), before, "the dropped indexes are back, as they were declared");
        assert_eq!(counts(&s), (2, 3));
        let c = s.pool.get().unwrap();
        let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        let plan: String =
            c.query_row("EXPLAIN QUERY PLAN SELECT id FROM people WHERE nik = 1", [], |r| r.get(3)).unwrap();
        assert!(plan.contains("people_nik"), "{plan}");
        drop(c);

        // The tables are no longer empty: the next import checks against the database.
        let rep = run(
            &s,
            vec![row(2, 3, 1, VILLAGE), row(3, 1, 4, VILLAGE), row(4, 4, 5, VILLAGE)],
            ImportOptions::default(),
        );
        assert!(!rep.committed, "{rep:?}");
        assert_eq!(
            rules(&rep),
            [(2, "nik", "NIK already registered in the database"), (3, "kk", "KK already registered in the database")]
        );
        assert_eq!(counts(&s), (2, 3));
        let rep = run(
            &s,
            vec![row(2, 3, 1, VILLAGE), row(3, 1, 4, VILLAGE), row(4, 4, 5, VILLAGE)],
            ImportOptions { skip_invalid: true, dry_run: false },
        );
        assert!(rep.committed && rep.rejected_rows == 2, "{rep:?}");
        assert_eq!((rep.households_created, rep.people_created), (1, 1));
        assert_eq!(counts(&s), (3, 4), "a rejected row leaves nothing behind, not even its new household");
        assert_eq!(indexes(&s), before);
    }

    #[test]
    fn bulk_load_writes_many_rows_per_statement_in_file_order() {
        let (_dir, s) = store();
        let before = indexes(&s);
        assert!(before.iter().any(|(n, _)| n == "people_audit_insert"), "{before:?}");
        // 700 people in 175 households of four: batches of 256 rows, statements of 64.
        let rows: Vec<_> = (0..700u32).map(|i| row(u64::from(i) + 2, i / 4 + 1, i + 1, VILLAGE)).collect();
        let rep = run(&s, rows, ImportOptions::default());
        assert!(rep.committed && rep.households_created == 175 && rep.people_created == 700, "{rep:?}");
        assert_eq!(indexes(&s), before, "indexes and audit triggers are back");
        let c = s.pool.get().unwrap();
        // Every person is in the household of their row's KK, and ids follow the file.
        let wrong: i64 = c
            .query_row(
                "SELECT count(*) FROM people p JOIN households h ON h.id = p.household_id \
                 WHERE (p.nik % 10000 - 1) / 4 + 1 != h.kk % 10000 OR p.id != p.nik % 10000 \
                 OR h.address != 'Jl. Pilang ' || (h.kk % 10000) OR h.address_key != lower(h.address)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(wrong, 0);
        let ids: (i64, i64) =
            c.query_row("SELECT min(id), max(id) FROM households", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(ids, (1, 175));
        drop(c);
        // The audit triggers work again after the load: an edit is recorded.
        let entries = |c: &Connection| -> i64 {
            c.query_row("SELECT count(*) FROM audit_log WHERE entity = 'people'", [], |r| r.get(0)).unwrap()
        };
        let c = s.pool.get().unwrap();
        let logged = entries(&c);
        drop(c);
        let mut c = s.pool.get().unwrap();
        crate::audit::write_tx(&mut c, &berdaya_store::access::Actor::system("test"), |tx| {
            tx.execute("UPDATE people SET name = 'Budi Baru' WHERE id = 1", []).map_err(backend)
        })
        .unwrap();
        assert_eq!(entries(&c), logged + 1);
    }

    #[test]
    fn failed_bulk_load_leaves_the_indexes_and_empty_tables() {
        let (_dir, s) = store();
        let before = indexes(&s);
        let rows = || vec![row(2, 1, 1, VILLAGE), row(3, 2, 2, "33.16.09.2099"), row(4, 3, 1, VILLAGE)];
        let rep = run(&s, rows(), ImportOptions::default());
        assert!(!rep.committed, "{rep:?}");
        assert_eq!(
            rules(&rep),
            [
                (3, "region", "region 33.16.09.2099 does not exist"),
                (4, "nik", "duplicate NIK: the same NIK is on row 2")
            ]
        );
        assert_eq!((rep.households_created, rep.people_created), (0, 0));
        assert_eq!(counts(&s), (0, 0));
        assert_eq!(indexes(&s), before, "the rollback restores the dropped indexes");

        let rep = run(&s, rows(), ImportOptions { skip_invalid: false, dry_run: true });
        assert!(!rep.committed && rep.rejected_rows == 2, "{rep:?}");
        assert_eq!(counts(&s), (0, 0));
        assert_eq!(indexes(&s), before);

        let rep = run(&s, rows(), ImportOptions { skip_invalid: true, dry_run: false });
        assert!(rep.committed && rep.rejected_rows == 2 && rep.people_created == 1, "{rep:?}");
        assert_eq!(counts(&s), (1, 1));
        assert_eq!(indexes(&s), before);
    }

    #[test]
    fn database_with_inline_unique_constraints_still_imports() {
        // Databases made before 0001 declared its unique indexes by name.
        let (_dir, s) = store();
        s.pool
            .get()
            .unwrap()
            .execute_batch(
                "DROP TABLE people; DROP TABLE households;
                 CREATE TABLE households (id INTEGER PRIMARY KEY, kk INTEGER NOT NULL UNIQUE, address TEXT NOT NULL,
                     address_key TEXT NOT NULL, region TEXT NOT NULL REFERENCES regions(code),
                     welfare_stage TEXT NOT NULL, dtks_listed INTEGER NOT NULL, dtks_since TEXT,
                     version INTEGER NOT NULL DEFAULT 1);
                 CREATE INDEX households_region ON households(region);
                 CREATE TABLE people (id INTEGER PRIMARY KEY, nik INTEGER NOT NULL UNIQUE,
                     household_id INTEGER REFERENCES households(id), name TEXT NOT NULL, name_key TEXT NOT NULL,
                     sex TEXT NOT NULL, birth_date TEXT NOT NULL, relation TEXT NOT NULL, education TEXT NOT NULL,
                     occupation TEXT, disability TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
                 CREATE INDEX people_name ON people(name_key, id);
                 CREATE INDEX people_household ON people(household_id);",
            )
            .unwrap();
        let before = indexes(&s);
        assert!(before.iter().any(|(n, sql)| n.starts_with("sqlite_autoindex_people") && sql.is_none()));
        let rep = run(&s, vec![row(2, 1, 1, VILLAGE), row(3, 1, 2, VILLAGE)], ImportOptions::default());
        assert!(rep.committed && rep.people_created == 2, "{rep:?}");
        assert_eq!(indexes(&s), before);
        let rep = run(&s, vec![row(2, 2, 2, VILLAGE)], ImportOptions::default());
        assert_eq!(rules(&rep), [(2, "nik", "NIK already registered in the database")]);
    }

    #[test]
    fn dates_bind_as_rusqlite_binds_them() {
        for d in [
            time::macros::date!(1985 - 03 - 12),
            time::macros::date!(2024 - 12 - 31),
            time::macros::date!(0001 - 01 - 01),
            time::macros::date!(9999 - 12 - 31),
        ] {
            let mut buf = [0; 10];
            let ours = SqlDate::new(d, &mut buf);
            let (ours, theirs) = (rusqlite::ToSql::to_sql(&ours).unwrap(), rusqlite::ToSql::to_sql(&d).unwrap());
            let text = |o: &rusqlite::types::ToSqlOutput| match o {
                rusqlite::types::ToSqlOutput::Borrowed(v) => v.as_str().unwrap().to_string(),
                rusqlite::types::ToSqlOutput::Owned(rusqlite::types::Value::Text(t)) => t.clone(),
                other => panic!("{other:?}"),
            };
            assert_eq!(text(&ours), text(&theirs));
        }
    }
}
