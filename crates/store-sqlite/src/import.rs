//! Registry import and export: one transaction, prepared statements, no per-row round trips.

use std::collections::{HashMap, HashSet};

use berdaya_domain::registry::{Id, RegionCode};
use berdaya_store::import::{HouseholdSeen, InFileChecks};
use berdaya_store::registry::RegistryExportRow;
use berdaya_store::{ImportOptions, ImportReport, RowError, RowSource, StoreResult};
use rusqlite::Connection;

use crate::backend;
use crate::registry::{insert_household, insert_person, person_from};

/// Reads every row, checks it, and writes the valid ones in one transaction that commits
/// only when the options allow (no errors, or `skip_invalid`; never on `dry_run`).
pub(crate) fn import(
    conn: &mut Connection,
    rows: &mut dyn RowSource,
    options: &ImportOptions,
) -> StoreResult<ImportReport> {
    // A large page cache keeps the NIK, KK and name indexes in memory during a big import.
    conn.execute_batch("PRAGMA cache_size = -65536").map_err(backend)?;
    let result = import_in(conn, rows, options);
    conn.execute_batch("PRAGMA cache_size = -2000").map_err(backend)?;
    result
}

fn import_in(conn: &mut Connection, rows: &mut dyn RowSource, options: &ImportOptions) -> StoreResult<ImportReport> {
    let regions: HashSet<String> = {
        let mut s = conn.prepare("SELECT code FROM regions").map_err(backend)?;
        s.query_map([], |r| r.get::<_, String>(0)).map_err(backend)?.collect::<Result<_, _>>().map_err(backend)?
    };
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(backend)?;
    let mut report = ImportReport::default();
    let mut checks = InFileChecks::new();
    // KK → id of the household this import created.
    let mut created: HashMap<u64, Id> = HashMap::new();
    {
        let mut kk_exists = tx.prepare_cached("SELECT 1 FROM households WHERE kk = ?1").map_err(backend)?;
        let mut nik_exists = tx.prepare_cached("SELECT 1 FROM people WHERE nik = ?1").map_err(backend)?;
        while let Some(next) = rows.next_row() {
            report.rows += 1;
            let mut rec = match next {
                Ok(rec) => rec,
                Err(errors) => {
                    report.reject(errors);
                    continue;
                }
            };
            let mut errors = Vec::new();
            let err = |column: &str, rule: String| RowError {
                row: rec.row,
                column: column.into(),
                rule,
                raw: rec.raw.clone(),
            };
            if !regions.contains(rec.household.region.as_str()) {
                errors.push(err("region", format!("region {} does not exist", rec.household.region)));
            }
            let kk = rec.household.kk.as_u64();
            if !created.contains_key(&kk) && kk_exists.exists([kk as i64]).map_err(backend)? {
                errors.push(err("kk", "KK already registered in the database".into()));
            }
            if nik_exists.exists([rec.person.nik.as_u64() as i64]).map_err(backend)? {
                errors.push(err("nik", "NIK already registered in the database".into()));
            }
            let seen = match checks.check(&rec) {
                Ok(seen) => seen,
                Err(mut more) => {
                    errors.append(&mut more);
                    HouseholdSeen::Earlier(0)
                }
            };
            if !errors.is_empty() {
                report.reject(errors);
                continue;
            }
            let household_id = match (seen, created.get(&kk)) {
                (_, Some(&id)) => id,
                // The first row of this KK was rejected: this row introduces the household.
                _ => {
                    let id = insert_household(&tx, &rec.household)?;
                    created.insert(kk, id);
                    report.households_created += 1;
                    id
                }
            };
            rec.person.household_id = Some(household_id);
            insert_person(&tx, &rec.person)?;
            report.people_created += 1;
            report.warn(
                rec.row,
                rec.person.nik.check(rec.person.birth_date, rec.person.sex, Some(&rec.household.region)),
            );
        }
    }
    let commit = !options.dry_run && (report.errors.is_empty() || options.skip_invalid);
    if commit {
        tx.commit().map_err(backend)?;
    } else {
        tx.rollback().map_err(backend)?;
    }
    report.committed = commit;
    if !commit {
        report.households_created = 0;
        report.people_created = 0;
    }
    Ok(report)
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
