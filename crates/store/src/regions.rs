//! Loading an official region list (the Kemendagri codes) into the registry: new codes
//! added, changed names and kinds updated, nothing deleted.
//!
//! The load is written once, on the store kit, for both backends; a backend supplies only
//! the SQL of its audit log ([`AuditSql`]): how to silence the row triggers and how to add
//! one event. The ~90,000 new rows of a first load go in with the triggers silenced and
//! are recorded by one `import` entry (the counts, the first and last code added and the
//! list's source), since an entry per row would make the log many times the size of the
//! table and the load ten times slower; the first and last code identify the rows added, as
//! every code added lies in the list. Renames are few and keep their own row entries, with
//! the name before and after.

use std::collections::{HashMap, HashSet};

use berdaya_domain::registry::{NewRegion, RegionCode};
use serde::Serialize;

use crate::kit::{Conn, Sql, Value, exec, key, rows};
use crate::{StoreError, StoreResult};

/// One region of a list, with the row of the file it came from (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRegion {
    pub row: u64,
    pub region: NewRegion,
}

/// What loading a list did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RegionLoad {
    /// Regions in the list.
    pub listed: u64,
    /// Codes the database did not have.
    pub added: u64,
    /// Codes whose name changed to the list's.
    pub renamed: u64,
    /// Codes whose kind changed to the one the code names (a regency code read as a city).
    pub reclassified: u64,
    /// Official codes (province to village) in the database but not in the list: kept, since
    /// records may still use them. Local units below the village are not counted.
    pub kept: u64,
}

impl RegionLoad {
    /// Whether the load wrote anything.
    pub fn changed(&self) -> bool {
        self.added + self.renamed + self.reclassified > 0
    }
}

/// A backend's audit-log SQL for a bulk load, `?` placeholders.
#[derive(Debug, Clone, Copy)]
pub struct AuditSql {
    /// Silences the row triggers until the end of the transaction or [`Self::bulk_off`].
    pub bulk_on: &'static str,
    pub bulk_off: &'static str,
    /// Adds an event attributed to the transaction's actor; binds action, entity and the
    /// details (JSON text).
    pub event: &'static str,
}

/// Rows per INSERT: few statements, well under both backends' parameter limits.
const INSERT_ROWS: usize = 500;

/// Loads `list` in the caller's write transaction: adds codes the database lacks (a parent
/// must be in the list or the database), updates names and kinds that differ, keeps codes
/// the list lacks. A list naming a code twice, or a code whose parent is nowhere, is refused
/// whole. A load that changes nothing writes nothing, not even an audit entry.
pub async fn load(c: &mut dyn Conn, list: &[ListedRegion], audit: &AuditSql, source: &str) -> StoreResult<RegionLoad> {
    let existing = existing(c).await?;
    let plan = plan(list, &existing)?;
    let report = plan.report;
    if !plan.added.is_empty() {
        exec(c, &Sql::new(audit.bulk_on)).await?;
        for chunk in plan.added.chunks(INSERT_ROWS) {
            exec(c, &insert(chunk)).await?;
        }
        exec(c, &Sql::new(audit.bulk_off)).await?;
    }
    for r in &plan.updated {
        let mut sql = Sql::new("UPDATE regions SET name = ");
        sql.bind(r.name.as_str()).push(", name_key = ").bind(key(&r.name));
        sql.push(", kind = ").bind(r.kind.code()).push(", version = version + 1 WHERE code = ").bind(r.code.as_str());
        exec(c, &sql).await?;
    }
    if report.changed() {
        let details = serde_json::json!({
            "source": source,
            "listed": report.listed,
            "added": report.added,
            "renamed": report.renamed,
            "reclassified": report.reclassified,
            "kept": report.kept,
            "first_added": plan.added.first().map(|r| r.code.as_str()),
            "last_added": plan.added.last().map(|r| r.code.as_str()),
        });
        let mut sql = Sql::new(audit.event);
        sql.params = vec!["import".into(), "regions".into(), details.to_string().into()];
        exec(c, &sql).await?;
    }
    Ok(report)
}

/// A stored region's name and kind code, by code.
type Existing = HashMap<String, (String, String)>;

async fn existing(c: &mut dyn Conn) -> StoreResult<Existing> {
    let found = rows(c, &Sql::new("SELECT code, name, kind FROM regions")).await?;
    found.iter().map(|r| Ok((r.text("code")?, (r.text("name")?, r.text("kind")?)))).collect()
}

/// What a load will write.
#[derive(Debug, Default)]
struct Plan<'a> {
    /// In code order, so every parent comes before its children.
    added: Vec<&'a NewRegion>,
    updated: Vec<&'a NewRegion>,
    report: RegionLoad,
}

/// Compares the list with the database; refuses a code listed twice or an orphan.
fn plan<'a>(list: &'a [ListedRegion], existing: &Existing) -> StoreResult<Plan<'a>> {
    let mut sorted: Vec<&ListedRegion> = list.iter().collect();
    sorted.sort_by(|a, b| a.region.code.cmp(&b.region.code));
    let mut plan =
        Plan { report: RegionLoad { listed: list.len() as u64, ..RegionLoad::default() }, ..Plan::default() };
    let mut listed: HashMap<&str, u64> = HashMap::with_capacity(list.len());
    for l in sorted {
        let r = &l.region;
        if let Some(first) = listed.insert(r.code.as_str(), l.row) {
            let message = format!("row {}: code {} is already on row {first}", l.row, r.code);
            return Err(StoreError::Duplicate { field: "code", message });
        }
        match existing.get(r.code.as_str()) {
            Some((name, kind)) => {
                let renamed = *name != r.name;
                let reclassified = kind != r.kind.code();
                plan.report.renamed += u64::from(renamed);
                plan.report.reclassified += u64::from(reclassified);
                if renamed || reclassified {
                    plan.updated.push(r);
                }
            }
            None => {
                if let Some(parent) = r.code.parent().filter(|p| !has(existing, &listed, p)) {
                    let message = format!(
                        "row {}: the parent {parent} of {} is neither in the list nor in the database",
                        l.row, r.code
                    );
                    return Err(StoreError::Reference { field: "code", message });
                }
                plan.added.push(r);
            }
        }
    }
    plan.report.added = plan.added.len() as u64;
    let in_list: HashSet<&str> = listed.keys().copied().collect();
    plan.report.kept =
        existing.keys().filter(|code| !in_list.contains(code.as_str()) && code.split('.').count() <= 4).count() as u64;
    Ok(plan)
}

fn has(existing: &Existing, listed: &HashMap<&str, u64>, code: &RegionCode) -> bool {
    existing.contains_key(code.as_str()) || listed.contains_key(code.as_str())
}

/// One multi-row INSERT of new regions.
fn insert(chunk: &[&NewRegion]) -> Sql {
    let mut sql = Sql::new("INSERT INTO regions (code, name, name_key, kind, parent) VALUES ");
    for (i, r) in chunk.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        let parent: Value = r.code.parent().map(|p| p.to_string()).into();
        let values: [Value; 5] =
            [r.code.as_str().into(), r.name.as_str().into(), key(&r.name).into(), r.kind.code().into(), parent];
        sql.list(values);
    }
    sql
}

#[cfg(test)]
mod tests {
    use berdaya_domain::registry::RegionKind;

    use super::*;

    fn listed(row: u64, code: &str, name: &str) -> ListedRegion {
        let code = RegionCode::parse(code).expect("code");
        let kind = RegionKind::of_official_code(&code).expect("official");
        ListedRegion { row, region: NewRegion { code, name: name.into(), kind } }
    }

    fn stored(entries: &[(&str, &str, &str)]) -> Existing {
        entries.iter().map(|(c, n, k)| (c.to_string(), (n.to_string(), k.to_string()))).collect()
    }

    #[test]
    fn a_plan_adds_renames_reclassifies_and_keeps() {
        let list = [
            listed(3, "33.16.02", "Randublatung"),
            listed(2, "33.16", "Kabupaten Blora"),
            listed(4, "33", "Jawa Tengah"),
            listed(5, "33.71", "Kota Magelang"),
        ];
        let db = stored(&[
            ("33", "Jateng", "province"),
            ("33.71", "Kota Magelang", "regency"),
            ("33.17", "Kabupaten Rembang", "regency"),
            ("33.17.01.2001.L1", "Lingkungan 1", "lingkungan"),
        ]);
        let plan = plan(&list, &db).expect("plan");
        let added: Vec<&str> = plan.added.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(added, ["33.16", "33.16.02"], "parents first");
        let updated: Vec<&str> = plan.updated.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(updated, ["33", "33.71"]);
        assert_eq!(plan.report, RegionLoad { listed: 4, added: 2, renamed: 1, reclassified: 1, kept: 1 });
    }

    #[test]
    fn a_plan_refuses_orphans_and_repeats_naming_the_row() {
        let err = plan(&[listed(7, "33.16.02", "Randublatung")], &Existing::new()).expect_err("orphan");
        assert!(err.to_string().contains("row 7: the parent 33.16 of 33.16.02"), "{err}");
        let err = plan(&[listed(2, "33", "A"), listed(9, "33", "B")], &Existing::new()).expect_err("twice");
        assert!(err.to_string().contains("is already on row"), "{err}");
    }

    #[test]
    fn inserts_bind_five_values_a_row() {
        let list = [listed(2, "33", "Jawa Tengah"), listed(3, "33.16", "Kabupaten Blora")];
        let sql = insert(&list.iter().map(|l| &l.region).collect::<Vec<_>>());
        assert_eq!(sql.params.len(), 10);
        assert_eq!(sql.params[9], Value::Text("33".into()));
        assert_eq!(sql.params[4], Value::Null(crate::kit::Type::Text));
    }
}
