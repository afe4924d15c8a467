//! PKH facilitators' caseloads in the store: assigning families to a facilitator in bulk
//! (the family's facilitator, and the household in the facilitator's assignments so the
//! facilitator may open it), and the caseload report per facilitator and per district.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use berdaya_domain::pkh::components::benefit;
use berdaya_domain::registry::{Id, Invalid};
use serde::Serialize;
use time::Date;

use super::payment::{CHUNK, next_chunk_end, village_and_district};
use super::{load_families, rules_for};
use crate::kit::{Backend, Conn, Sql, exec, first, job, rows};
use crate::{StoreError, StoreResult};

/// One row of the caseload report: a facilitator's or a district's families.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseloadRow {
    /// The facilitator's user id, or the district code; `None`: no facilitator.
    pub key: Option<String>,
    pub name: String,
    pub families: i64,
    /// Components held (counted) by the families' members on the report's date.
    pub components: i64,
    /// Families judged in the last closed period, and the compliant among them.
    pub judged: i64,
    pub compliant: i64,
    /// Families with no compliance recorded yet in the open period.
    pub overdue: i64,
    /// More families than the year's `caseload_warning` (facilitators only).
    pub over_limit: bool,
}

impl CaseloadRow {
    /// Compliance rate of the last closed period in whole per cent, if any family was judged.
    pub fn compliance_pct(&self) -> Option<i64> {
        (self.judged > 0).then(|| self.compliant * 100 / self.judged)
    }
}

/// The caseload report of a program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseloadReport {
    pub on: Option<Date>,
    pub limit: u32,
    pub last_closed: Option<String>,
    pub open_period: Option<String>,
    pub by_facilitator: Vec<CaseloadRow>,
    pub by_district: Vec<CaseloadRow>,
    pub total: CaseloadRow,
}

/// A facilitator who may be given families.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facilitator {
    pub id: Id,
    pub name: String,
}

#[async_trait]
pub trait PkhCaseloadStore {
    /// Gives the families (of the program) to a facilitator: sets their facilitator and adds
    /// their households to the facilitator's assignments, in one transaction. The user must
    /// be an enabled facilitator (`Invalid` on `facilitator_id`); every family must be in the
    /// program (`Reference` on `family_ids`). Returns the number of families.
    async fn assign_pkh_facilitator(&self, program_id: Id, family_ids: &[Id], user_id: Id) -> StoreResult<u64>;
    /// The families of the program among these households: (household id, family id), by
    /// household id.
    async fn pkh_families_of_households(&self, program_id: Id, household_ids: &[Id]) -> StoreResult<Vec<(Id, Id)>>;
    /// The enabled facilitators, by name.
    async fn pkh_facilitators(&self) -> StoreResult<Vec<Facilitator>>;
    /// The caseload report of a program on `on`.
    async fn pkh_caseload(&self, program_id: Id, on: Date) -> StoreResult<CaseloadReport>;
}

async fn assign(c: &mut dyn Conn, program_id: Id, family_ids: &[Id], user_id: Id) -> StoreResult<u64> {
    let mut sql = Sql::new("SELECT role, disabled FROM users WHERE id = ");
    sql.bind(user_id);
    match first(c, &sql).await? {
        Some(r) if r.text("role")? == "facilitator" && !r.bool("disabled")? => {}
        _ => return Err(Invalid::one("facilitator_id", "must be an enabled facilitator").into()),
    }
    if family_ids.is_empty() {
        return Err(Invalid::one("family_ids", "choose at least one family").into());
    }
    let mut households = Vec::new();
    for chunk in family_ids.chunks(500) {
        let mut sql = Sql::new("SELECT id, household_id FROM pkh_families WHERE program_id = ");
        sql.bind(program_id).push(" AND id IN ").list(chunk.iter().copied());
        let found: HashMap<Id, Id> = rows(c, &sql)
            .await?
            .iter()
            .map(|r| Ok((r.int("id")?, r.int("household_id")?)))
            .collect::<StoreResult<_>>()?;
        if let Some(missing) = chunk.iter().find(|id| !found.contains_key(id)) {
            return Err(StoreError::Reference {
                field: "family_ids",
                message: format!("family {missing} is not in this program"),
            });
        }
        let mut upd = Sql::new("UPDATE pkh_families SET facilitator_id = ");
        upd.bind(user_id).push(", version = version + 1 WHERE id IN ").list(chunk.iter().copied());
        exec(c, &upd).await?;
        households.extend(found.into_values());
    }
    households.sort_unstable();
    households.dedup();
    for hh in households {
        let mut ins = Sql::new("INSERT INTO assignments (user_id, household_id) VALUES ");
        ins.list([user_id, hh]).push(" ON CONFLICT DO NOTHING");
        exec(c, &ins).await?;
    }
    Ok(family_ids.len() as u64)
}

async fn report(c: &mut dyn Conn, program_id: Id, on: Date) -> StoreResult<CaseloadReport> {
    let mut sql = Sql::new("SELECT 1 AS one FROM programs WHERE id = ");
    sql.bind(program_id);
    if first(c, &sql).await?.is_none() {
        return Err(StoreError::NotFound { entity: "program" });
    }
    let (rules, _) = rules_for(c, program_id, on.year()).await?;
    let period = |status: &str, order: &str| {
        let mut sql = Sql::new("SELECT id, period FROM pkh_periods WHERE program_id = ");
        sql.bind(program_id).push(&format!(" AND status = '{status}' ORDER BY period {order} LIMIT 1"));
        sql
    };
    let pick = |r: Option<crate::kit::Row>| -> StoreResult<Option<(Id, String)>> {
        r.map(|r| Ok((r.int("id")?, r.text("period")?))).transpose()
    };
    let last_closed = pick(first(c, &period("closed", "DESC")).await?)?;
    let open = pick(first(c, &period("open", "DESC")).await?)?;
    let mut names: HashMap<Id, String> = HashMap::new();
    let mut sql = Sql::new(
        "SELECT DISTINCT u.id, u.display_name FROM users u JOIN pkh_families f ON f.facilitator_id = u.id \
         WHERE f.program_id = ",
    );
    sql.bind(program_id);
    for r in rows(c, &sql).await? {
        names.insert(r.int("id")?, r.text("display_name")?);
    }
    let mut by_fac: BTreeMap<Option<Id>, CaseloadRow> = BTreeMap::new();
    let mut by_district: BTreeMap<String, CaseloadRow> = BTreeMap::new();
    let mut total = CaseloadRow { name: String::new(), ..Default::default() };
    let mut base = Sql::new("f.program_id = ");
    base.bind(program_id).push(" AND f.status <> 'terminated'");
    let mut last: Id = 0;
    while let Some(hi) = next_chunk_end(c, &base, last, CHUNK).await? {
        let mut cond = base.clone();
        cond.push(" AND f.id > ").bind(last).push(" AND f.id <= ").bind(hi);
        let families = load_families(c, &cond).await?;
        let mut region: HashMap<Id, String> = HashMap::new();
        let mut sql =
            Sql::new("SELECT h.id, h.region FROM households h JOIN pkh_families f ON f.household_id = h.id WHERE ");
        sql.append(&cond);
        for r in rows(c, &sql).await? {
            region.insert(r.int("id")?, r.text("region")?);
        }
        let mut judged: HashMap<Id, bool> = HashMap::new();
        if let Some((pid, _)) = &last_closed {
            let mut sql =
                Sql::new("SELECT fp.family_id, fp.compliant FROM pkh_family_periods fp WHERE fp.period_id = ");
            sql.bind(*pid).push(" AND fp.family_id > ").bind(last).push(" AND fp.family_id <= ").bind(hi);
            for r in rows(c, &sql).await? {
                judged.insert(r.int("family_id")?, r.bool("compliant")?);
            }
        }
        let mut recorded: HashSet<Id> = HashSet::new();
        if let Some((pid, _)) = &open {
            let mut sql = Sql::new("SELECT DISTINCT x.family_id FROM pkh_compliance x WHERE x.period_id = ");
            sql.bind(*pid).push(" AND x.family_id > ").bind(last).push(" AND x.family_id <= ").bind(hi);
            for r in rows(c, &sql).await? {
                recorded.insert(r.int("family_id")?);
            }
        }
        for fam in &families {
            let components = benefit(&fam.members_on(on, &rules), on, &rules).counted().count() as i64;
            let j = judged.get(&fam.family_id).copied();
            let overdue = open.is_some() && !recorded.contains(&fam.family_id);
            let (_, district) = village_and_district(region.get(&fam.household_id).map(String::as_str).unwrap_or(""));
            let fac = by_fac.entry(fam.facilitator_id).or_insert_with(|| CaseloadRow {
                key: fam.facilitator_id.map(|id| id.to_string()),
                name: fam.facilitator_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
                ..Default::default()
            });
            let dis = by_district
                .entry(district.clone())
                .or_insert_with(|| CaseloadRow { key: Some(district.clone()), ..Default::default() });
            for row in [fac, dis, &mut total] {
                row.families += 1;
                row.components += components;
                if let Some(ok) = j {
                    row.judged += 1;
                    row.compliant += i64::from(ok);
                }
                row.overdue += i64::from(overdue);
            }
        }
        last = hi;
    }
    // District names.
    let codes: Vec<String> = by_district.keys().cloned().collect();
    for chunk in codes.chunks(500) {
        let mut sql = Sql::new("SELECT code, name FROM regions WHERE code IN ");
        sql.list(chunk.iter().map(String::as_str));
        for r in rows(c, &sql).await? {
            if let Some(row) = by_district.get_mut(&r.text("code")?) {
                row.name = r.text("name")?;
            }
        }
    }
    let limit = rules.caseload_warning;
    let mut by_facilitator: Vec<CaseloadRow> = by_fac
        .into_values()
        .map(|mut r| {
            r.over_limit = r.key.is_some() && r.families > i64::from(limit);
            r
        })
        .collect();
    by_facilitator.sort_by(|a, b| (a.key.is_none(), &a.name).cmp(&(b.key.is_none(), &b.name)));
    Ok(CaseloadReport {
        on: Some(on),
        limit,
        last_closed: last_closed.map(|p| p.1),
        open_period: open.map(|p| p.1),
        by_facilitator,
        by_district: by_district.into_values().collect(),
        total,
    })
}

#[async_trait]
impl<B: Backend> PkhCaseloadStore for B {
    async fn assign_pkh_facilitator(&self, program_id: Id, family_ids: &[Id], user_id: Id) -> StoreResult<u64> {
        let ids = family_ids.to_vec();
        self.write(job(move |c| Box::pin(async move { assign(c, program_id, &ids, user_id).await }))).await
    }

    async fn pkh_families_of_households(&self, program_id: Id, household_ids: &[Id]) -> StoreResult<Vec<(Id, Id)>> {
        let ids = household_ids.to_vec();
        self.read(job(move |c| {
            Box::pin(async move {
                let mut out = Vec::new();
                for chunk in ids.chunks(500) {
                    let mut sql = Sql::new("SELECT household_id, id FROM pkh_families WHERE program_id = ");
                    sql.bind(program_id).push(" AND household_id IN ").list(chunk.iter().copied());
                    for r in rows(c, &sql).await? {
                        out.push((r.int("household_id")?, r.int("id")?));
                    }
                }
                out.sort_unstable();
                Ok(out)
            })
        }))
        .await
    }

    async fn pkh_facilitators(&self) -> StoreResult<Vec<Facilitator>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let sql = Sql::new("SELECT id, display_name FROM users WHERE role = 'facilitator' AND disabled = ");
                let mut sql = sql;
                sql.bind(false).push(" ORDER BY display_name, id");
                rows(c, &sql)
                    .await?
                    .iter()
                    .map(|r| Ok(Facilitator { id: r.int("id")?, name: r.text("display_name")? }))
                    .collect()
            })
        }))
        .await
    }

    async fn pkh_caseload(&self, program_id: Id, on: Date) -> StoreResult<CaseloadReport> {
        self.read(job(move |c| Box::pin(async move { report(c, program_id, on).await }))).await
    }
}
