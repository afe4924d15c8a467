//! Registry import and export: one transaction, rows checked and written in batches.
//!
//! An import reads the source in chunks; for each chunk it asks the database once which KK
//! and NIK numbers already exist (plain SELECTs, so no constraint error can abort the
//! transaction), checks every row in file order, then writes the chunk's new households and
//! people with one `INSERT … SELECT FROM UNNEST(…)` each.

use std::collections::{HashMap, HashSet};

use berdaya_domain::registry::{Id, RegionCode};
use berdaya_store::import::{InFileChecks, RegistryRecord};
use berdaya_store::registry::RegistryExportRow;
use berdaya_store::{ImportOptions, ImportReport, RowError, RowSource, StoreResult};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use crate::PgStore;
use crate::error::db;
use crate::registry::{PERSON_COLS, Where, household_at, key, person_from};
use crate::write::insert_event;

/// Rows checked and written per round trip.
const CHUNK: usize = 2000;

/// What the import has done so far, across chunks.
struct State {
    report: ImportReport,
    checks: InFileChecks,
    regions: HashSet<String>,
    /// KK → id of the households this import created.
    created: HashMap<u64, Id>,
    /// NIKs this import wrote: finding them in the database is not a clash with old data.
    written: HashSet<u64>,
    /// The lowest and highest id of the households and of the people this import created.
    household_ids: IdRange,
    person_ids: IdRange,
}

/// The span of ids an import created (ids are generated in ascending order).
#[derive(Default)]
struct IdRange(Option<(Id, Id)>);

impl IdRange {
    fn extend(&mut self, ids: impl IntoIterator<Item = Id>) {
        for id in ids {
            self.0 = Some(match self.0 {
                Some((lo, hi)) => (lo.min(id), hi.max(id)),
                None => (id, id),
            });
        }
    }

    fn first(&self) -> Option<Id> {
        self.0.map(|(lo, _)| lo)
    }

    fn last(&self) -> Option<Id> {
        self.0.map(|(_, hi)| hi)
    }
}

/// Reads every row, checks it, and writes the valid ones in one transaction that commits
/// only when the options allow (no errors, or `skip_invalid`; never on `dry_run`).
///
/// The rows are written in bulk mode (`berdaya.bulk`): the audit triggers stay silent, and
/// the import records one `import` entry of its own, sealed with the commit.
pub(crate) async fn import(
    store: &PgStore,
    rows: &mut dyn RowSource,
    options: &ImportOptions,
) -> StoreResult<ImportReport> {
    let regions: Vec<String> =
        sqlx::query_scalar("SELECT code FROM regions").fetch_all(&store.pool).await.map_err(db)?;
    let mut state = State {
        report: ImportReport::default(),
        checks: InFileChecks::new(),
        regions: regions.into_iter().collect(),
        created: HashMap::new(),
        written: HashSet::new(),
        household_ids: IdRange::default(),
        person_ids: IdRange::default(),
    };
    let mut tx = store.write().await?;
    bulk(&mut tx, true).await?;
    loop {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            match rows.next_row() {
                Some(row) => chunk.push(row),
                None => break,
            }
        }
        let last = chunk.len() < CHUNK;
        if !chunk.is_empty() {
            import_chunk(&mut tx, &mut state, chunk).await?;
        }
        if last {
            break;
        }
    }
    let mut report = state.report;
    let commit = !options.dry_run && (report.rejected_rows == 0 || options.skip_invalid);
    if commit {
        bulk(&mut tx, false).await?;
        let details = serde_json::json!({
            "rows": report.rows,
            "households_created": report.households_created,
            "people_created": report.people_created,
            "rejected_rows": report.rejected_rows,
            "first_household_id": state.household_ids.first(),
            "last_household_id": state.household_ids.last(),
            "first_person_id": state.person_ids.first(),
            "last_person_id": state.person_ids.last(),
        });
        insert_event(&mut tx, "import", "registry", None, &details.to_string()).await?;
        tx.commit().await?;
    } else {
        // Dropping the transaction rolls it back: nothing written, nothing recorded.
        drop(tx);
        report.households_created = 0;
        report.people_created = 0;
    }
    report.committed = commit;
    Ok(report)
}

/// Turns bulk mode (no audit entry per row) on or off for the rest of the transaction.
async fn bulk(conn: &mut PgConnection, on: bool) -> StoreResult<()> {
    sqlx::query("SELECT set_config('berdaya.bulk', $1, true)")
        .bind(if on { "1" } else { "0" })
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn import_chunk(
    conn: &mut PgConnection,
    state: &mut State,
    chunk: Vec<Result<RegistryRecord, Vec<RowError>>>,
) -> StoreResult<()> {
    let kks: Vec<i64> = chunk
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.household.kk.as_u64())
        .filter(|kk| !state.created.contains_key(kk))
        .map(|kk| kk as i64)
        .collect();
    let niks: Vec<i64> = chunk.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.person.nik.as_u64() as i64).collect();
    let kk_taken: HashSet<i64> = sqlx::query_scalar("SELECT kk FROM households WHERE kk = ANY($1)")
        .bind(&kks)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .into_iter()
        .collect();
    let nik_taken: HashSet<i64> = sqlx::query_scalar("SELECT nik FROM people WHERE nik = ANY($1)")
        .bind(&niks)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .into_iter()
        .collect();

    // Accepted rows of this chunk, and the households they introduce (first row of a KK).
    let mut people: Vec<RegistryRecord> = Vec::new();
    let mut new_households: Vec<RegistryRecord> = Vec::new();
    let mut pending: HashSet<u64> = HashSet::new();
    for next in chunk {
        state.report.rows += 1;
        let rec = match next {
            Ok(rec) => rec,
            Err(errors) => {
                state.report.reject(errors);
                continue;
            }
        };
        let mut errors = Vec::new();
        let err = |column: &str, rule: &str| rec.error(column, rule);
        if !state.regions.contains(rec.household.region.as_str()) {
            errors.push(err("region", &format!("region {} does not exist", rec.household.region)));
        }
        let kk = rec.household.kk.as_u64();
        if !state.created.contains_key(&kk) && kk_taken.contains(&(kk as i64)) {
            errors.push(err("kk", "KK already registered in the database"));
        }
        let nik = rec.person.nik.as_u64();
        if nik_taken.contains(&(nik as i64)) && !state.written.contains(&nik) {
            errors.push(err("nik", "NIK already registered in the database"));
        }
        if let Err(mut more) = state.checks.check(&rec) {
            errors.append(&mut more);
        }
        if !errors.is_empty() {
            state.report.reject(errors);
            continue;
        }
        // A KK whose first row was rejected is introduced by its first valid row.
        if !state.created.contains_key(&kk) && pending.insert(kk) {
            new_households.push(rec.clone());
        }
        state
            .report
            .warn(rec.row, rec.person.nik.check(rec.person.birth_date, rec.person.sex, Some(&rec.household.region)));
        state.written.insert(nik);
        people.push(rec);
    }

    if !new_households.is_empty() {
        let h: Vec<&berdaya_domain::registry::NewHousehold> = new_households.iter().map(|r| &r.household).collect();
        let rows: Vec<(Id, i64)> = sqlx::query_as(
            "INSERT INTO households (kk, address, address_key, region, welfare_stage, dtks_listed, dtks_since) \
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::date[]) \
             RETURNING id, kk",
        )
        .bind(h.iter().map(|h| h.kk.as_u64() as i64).collect::<Vec<_>>())
        .bind(h.iter().map(|h| h.address.as_str()).collect::<Vec<_>>())
        .bind(h.iter().map(|h| key(&h.address)).collect::<Vec<_>>())
        .bind(h.iter().map(|h| h.region.as_str()).collect::<Vec<_>>())
        .bind(h.iter().map(|h| h.welfare_stage.code()).collect::<Vec<_>>())
        .bind(h.iter().map(|h| h.dtks_listed).collect::<Vec<_>>())
        .bind(h.iter().map(|h| h.dtks_since).collect::<Vec<_>>())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        state.household_ids.extend(rows.iter().map(|(id, _)| *id));
        for (id, kk) in rows {
            state.created.insert(kk as u64, id);
        }
        state.report.households_created += new_households.len() as u64;
    }

    if !people.is_empty() {
        let mut household_ids = Vec::with_capacity(people.len());
        for r in &people {
            let id = state.created.get(&r.household.kk.as_u64()).copied();
            household_ids.push(id.ok_or_else(|| {
                berdaya_store::StoreError::Backend("import lost track of a household it created".into())
            })?);
        }
        let p: Vec<&berdaya_domain::registry::NewPerson> = people.iter().map(|r| &r.person).collect();
        let ids: Vec<Id> = sqlx::query_scalar(
            "INSERT INTO people (nik, household_id, name, name_key, sex, birth_date, relation, education, occupation, disability) \
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::date[], \
             $7::text[], $8::text[], $9::text[], $10::text[]) RETURNING id",
        )
        .bind(p.iter().map(|p| p.nik.as_u64() as i64).collect::<Vec<_>>())
        .bind(&household_ids)
        .bind(p.iter().map(|p| p.name.as_str()).collect::<Vec<_>>())
        .bind(p.iter().map(|p| key(&p.name)).collect::<Vec<_>>())
        .bind(p.iter().map(|p| p.sex.code()).collect::<Vec<_>>())
        .bind(p.iter().map(|p| p.birth_date).collect::<Vec<_>>())
        .bind(p.iter().map(|p| p.relation.code()).collect::<Vec<_>>())
        .bind(p.iter().map(|p| p.education.code()).collect::<Vec<_>>())
        .bind(p.iter().map(|p| p.occupation.as_deref()).collect::<Vec<_>>())
        .bind(p.iter().map(|p| p.disability.code()).collect::<Vec<_>>())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        state.person_ids.extend(ids);
        state.report.people_created += people.len() as u64;
    }
    Ok(())
}

/// Rows read per round trip of an export.
const EXPORT_BATCH: i64 = 1000;

const EXPORT_HOUSEHOLD_COLS: &str = "h.id AS h_id, h.kk AS h_kk, h.address AS h_address, h.region AS h_region, \
     h.welfare_stage AS h_welfare_stage, h.dtks_listed AS h_dtks_listed, h.dtks_since AS h_dtks_since, \
     h.version AS h_version";

/// Streams people with their households, by household id then person id, people without
/// a household last (and only when no region is asked for). Reads in keyset batches inside
/// one read-only, repeatable-read transaction: a consistent snapshot in bounded memory.
pub(crate) async fn export(
    pool: &PgPool,
    region: Option<&RegionCode>,
    sink: &mut (dyn FnMut(RegistryExportRow) -> bool + Send),
) -> StoreResult<u64> {
    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await.map_err(db)?;
    let mut sent = 0u64;
    // People in households.
    let mut after: (Id, Id) = (i64::MIN, i64::MIN);
    loop {
        let mut qb: QueryBuilder<'static, Postgres> = QueryBuilder::new(format!(
            "SELECT {PERSON_COLS}, {EXPORT_HOUSEHOLD_COLS} FROM people p JOIN households h ON h.id = p.household_id"
        ));
        {
            let mut w = Where::new(&mut qb);
            w.and().push("(p.household_id, p.id) > (").push_bind(after.0).push(", ").push_bind(after.1).push(")");
            if let Some(r) = region {
                w.subtree("h.region", r);
            }
        }
        qb.push(format!(" ORDER BY p.household_id, p.id LIMIT {EXPORT_BATCH}"));
        let rows = qb.build().fetch_all(&mut *tx).await.map_err(db)?;
        let full = rows.len() as i64 == EXPORT_BATCH;
        for row in &rows {
            let person = person_from(row)?;
            let household = household_at(row, "h_")?;
            after = (household.id, person.id);
            sent += 1;
            if !sink(RegistryExportRow { household: Some(household), person }) {
                return Ok(sent);
            }
        }
        if !full {
            break;
        }
    }
    if region.is_some() {
        return Ok(sent);
    }
    // People without a household.
    let mut after: Id = i64::MIN;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {PERSON_COLS} FROM people p WHERE p.household_id IS NULL AND p.id > $1 ORDER BY p.id LIMIT {EXPORT_BATCH}"
        ))
        .bind(after)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let full = rows.len() as i64 == EXPORT_BATCH;
        for row in &rows {
            let person = person_from(row)?;
            after = person.id;
            sent += 1;
            if !sink(RegistryExportRow { household: None, person }) {
                return Ok(sent);
            }
        }
        if !full {
            break;
        }
    }
    Ok(sent)
}
