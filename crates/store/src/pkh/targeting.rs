//! PKH storage: targeting. Official welfare figures per village and year, the same table
//! computed from the registry (households by welfare stage under each village), DTKS deciles
//! of registry households, and the rows the targeting-error report is computed from
//! (`berdaya_domain::pkh::targeting` decides; this module gathers).
//!
//! Declared once on the store kit for both backends.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use berdaya_domain::pkh::components::benefit;
use berdaya_domain::pkh::targeting::{
    ErrorKind, Reason, RegistryPerson, STAGES, TargetHousehold, WelfareRow, check_counts, exclusion, inclusion,
};
use berdaya_domain::registry::{Disability, Education, Id, Invalid, WelfareStage};
use time::Date;

use super::{load_families, rules_for};
use crate::kit::{Backend, Conn, Row, Sql, Value, exec, first, job, rows, subtree};
use crate::{StoreError, StoreResult};

/// Official figures of one village for a year, as entered or imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWelfareFigure {
    /// The village (or kelurahan) region code.
    pub region: String,
    /// Families per stage, in [`STAGES`] order.
    pub counts: [i64; 5],
    pub source: Option<String>,
}

/// An official row with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialRow {
    pub row: WelfareRow,
    pub source: Option<String>,
}

/// One targeting error: a household not enrolled that should be (exclusion) or an enrolled
/// family that should not be (inclusion), with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError {
    pub kind: ErrorKind,
    pub household_id: Id,
    /// The PKH family, for an inclusion error.
    pub family_id: Option<Id>,
    /// The village the household lives in (its region code cut to the village level).
    pub village: String,
    pub village_name: String,
    pub address: String,
    pub reasons: Vec<Reason>,
}

#[async_trait]
pub trait PkhTargetStore {
    /// Official figures of the villages directly under `district` for `year`, by region code.
    async fn welfare_figures(&self, district: &str, year: i32) -> StoreResult<Vec<OfficialRow>>;
    /// The years with official figures for villages under `district`, newest first.
    async fn welfare_years(&self, district: &str) -> StoreResult<Vec<i32>>;
    /// Stores the official figures of each village for `year`, replacing any earlier figures
    /// of the same village and year; all or nothing. Each region must be a village or
    /// kelurahan (`Reference` on `region`); counts 0 or more (`Invalid` on the stage).
    async fn set_welfare_figures(&self, year: i32, figures: &[NewWelfareFigure]) -> StoreResult<u64>;
    /// The table computed from the registry: households by welfare stage under each village
    /// directly under `district` (villages without households included, with zeros).
    async fn registry_welfare(&self, district: &str) -> StoreResult<Vec<WelfareRow>>;
    /// Records a household's DTKS decile (1–10) as of a date, replacing the earlier one.
    async fn set_dtks_decile(&self, household_id: Id, decile: u8, as_of: Date) -> StoreResult<()>;
    /// A household's DTKS decile and its date, when recorded.
    async fn dtks_decile(&self, household_id: Id) -> StoreResult<Option<(u8, Date)>>;
    /// The targeting errors of a PKH program on `on`, for the households under the program's
    /// target regions (or only under `village`), by village then household: exclusion
    /// errors first, then inclusion errors.
    async fn targeting_errors(&self, program_id: Id, village: Option<&str>, on: Date) -> StoreResult<Vec<TargetError>>;
}

/// The village code of a region code: its first four segments (province, regency, district,
/// village), or the code itself when shorter.
pub fn village_of(code: &str) -> &str {
    match code.match_indices('.').nth(3) {
        Some((i, _)) => &code[..i],
        None => code,
    }
}

const STAGE_COLUMNS: [&str; 5] = ["pra", "s1", "s2", "s3", "s3_plus"];

fn official_row(r: &Row) -> StoreResult<OfficialRow> {
    let mut counts = [0i64; 5];
    for (n, col) in counts.iter_mut().zip(STAGE_COLUMNS) {
        *n = r.int(col)?;
    }
    Ok(OfficialRow {
        row: WelfareRow { region: r.text("region")?, name: r.text("name")?, counts },
        source: r.opt_text("source")?,
    })
}

async fn villages_under(c: &mut dyn Conn, district: &str) -> StoreResult<Vec<(String, String)>> {
    let mut sql = Sql::new("SELECT code, name FROM regions WHERE parent = ");
    sql.bind(district).push(" AND kind IN ('village', 'kelurahan') ORDER BY code");
    rows(c, &sql).await?.iter().map(|r| Ok((r.text("code")?, r.text("name")?))).collect()
}

fn decile_of(r: &Row, col: &str) -> StoreResult<Option<u8>> {
    Ok(r.opt_int(col)?.and_then(|d| u8::try_from(d).ok()))
}

/// The households to check and their people, keyed by household id.
async fn registry_people(c: &mut dyn Conn, households: &[Id]) -> StoreResult<HashMap<Id, Vec<RegistryPerson>>> {
    let mut out: HashMap<Id, Vec<RegistryPerson>> = HashMap::new();
    for chunk in households.chunks(500) {
        let mut sql = Sql::new(
            "SELECT p.id, p.household_id, p.birth_date, p.education, p.disability FROM people p WHERE p.household_id IN ",
        );
        sql.list(chunk.iter().copied()).push(" ORDER BY p.household_id, p.id");
        for r in rows(c, &sql).await? {
            out.entry(r.int("household_id")?).or_default().push(RegistryPerson {
                person_id: r.int("id")?,
                birth_date: r.date("birth_date")?,
                education: r.parsed("education", Education::parse)?,
                disability: r.parsed("disability", Disability::parse)?,
            });
        }
    }
    Ok(out)
}

async fn names_of(c: &mut dyn Conn, codes: impl Iterator<Item = String>) -> StoreResult<HashMap<String, String>> {
    let codes: Vec<String> = codes.collect();
    let mut out = HashMap::new();
    for chunk in codes.chunks(500) {
        let mut sql = Sql::new("SELECT code, name FROM regions WHERE code IN ");
        sql.list(chunk.iter().cloned());
        for r in rows(c, &sql).await? {
            out.insert(r.text("code")?, r.text("name")?);
        }
    }
    Ok(out)
}

/// The condition "household `h` lies under the program's target regions (or `village`)".
async fn area(c: &mut dyn Conn, program_id: Id, village: Option<&str>) -> StoreResult<Sql> {
    let codes: Vec<String> = match village {
        Some(v) => vec![v.to_string()],
        None => {
            let mut sql = Sql::new("SELECT region FROM program_regions WHERE program_id = ");
            sql.bind(program_id).push(" ORDER BY position");
            rows(c, &sql).await?.iter().map(|r| r.text("region")).collect::<StoreResult<_>>()?
        }
    };
    if codes.is_empty() {
        return Ok(Sql::new("1 = 0"));
    }
    let mut cond = Sql::new("(");
    for (i, code) in codes.iter().enumerate() {
        if i > 0 {
            cond.push(" OR ");
        }
        cond.append(&subtree("h.region", code));
    }
    cond.push(")");
    Ok(cond)
}

async fn errors(c: &mut dyn Conn, program_id: Id, village: Option<&str>, on: Date) -> StoreResult<Vec<TargetError>> {
    let mut exists = Sql::new("SELECT 1 AS one FROM programs WHERE id = ");
    exists.bind(program_id);
    if first(c, &exists).await?.is_none() {
        return Err(StoreError::NotFound { entity: "program" });
    }
    let (rules, _) = rules_for(c, program_id, on.year()).await?;
    let within = area(c, program_id, village).await?;

    // Exclusion: DTKS households under the area, Pra Sejahtera or with a decile in range,
    // with no family of the program (a terminated family counts as left out only by appeal).
    let mut sql = Sql::new(
        "SELECT h.id, h.region, h.address, h.welfare_stage, h.dtks_listed, d.decile FROM households h \
         LEFT JOIN dtks_deciles d ON d.household_id = h.id WHERE h.dtks_listed = ",
    );
    sql.bind(true).push(" AND ").append(&within).push(" AND (h.welfare_stage = 'pra_sejahtera' OR d.decile BETWEEN ");
    sql.bind(i64::from(rules.decile_min)).push(" AND ").bind(i64::from(rules.decile_max));
    sql.push(") AND NOT EXISTS (SELECT 1 FROM pkh_families f WHERE f.household_id = h.id AND f.program_id = ");
    sql.bind(program_id).push(") ORDER BY h.region, h.id");
    let candidates = rows(c, &sql).await?;
    let ids: Vec<Id> = candidates.iter().map(|r| r.int("id")).collect::<StoreResult<_>>()?;
    let people = registry_people(c, &ids).await?;
    let mut out = Vec::new();
    for r in &candidates {
        let h = TargetHousehold {
            household_id: r.int("id")?,
            dtks_listed: r.bool("dtks_listed")?,
            welfare_stage: r.parsed("welfare_stage", WelfareStage::parse)?,
            decile: decile_of(r, "decile")?,
            enrolled: false,
        };
        let none = Vec::new();
        if let Some(reasons) = exclusion(&h, people.get(&h.household_id).unwrap_or(&none), on, &rules) {
            out.push(TargetError {
                kind: ErrorKind::Exclusion,
                household_id: h.household_id,
                family_id: None,
                village: village_of(&r.text("region")?).to_string(),
                village_name: String::new(),
                address: r.text("address")?,
                reasons,
            });
        }
    }

    // Inclusion: the program's families still in it.
    let mut cond = Sql::new("f.program_id = ");
    cond.bind(program_id)
        .push(" AND f.status <> 'terminated' AND f.household_id IN (SELECT h.id FROM households h WHERE ");
    cond.append(&within).push(")");
    let families = load_families(c, &cond).await?;
    let mut hh = Sql::new(
        "SELECT f.id AS family_id, h.id, h.region, h.address, h.welfare_stage, h.dtks_listed, \
         COALESCE(f.decile, d.decile) AS decile FROM pkh_families f JOIN households h ON h.id = f.household_id \
         LEFT JOIN dtks_deciles d ON d.household_id = h.id WHERE ",
    );
    hh.append(&cond);
    let mut by_family: HashMap<Id, Row> = HashMap::new();
    for r in rows(c, &hh).await? {
        by_family.insert(r.int("family_id")?, r);
    }
    let mut inc = Vec::new();
    for f in &families {
        let Some(r) = by_family.get(&f.family_id) else { continue };
        let h = TargetHousehold {
            household_id: f.household_id,
            dtks_listed: r.bool("dtks_listed")?,
            welfare_stage: r.parsed("welfare_stage", WelfareStage::parse)?,
            decile: decile_of(r, "decile")?,
            enrolled: true,
        };
        let annual = benefit(&f.members_on(on, &rules), on, &rules).annual;
        if let Some(reasons) = inclusion(&h, annual, &rules) {
            inc.push(TargetError {
                kind: ErrorKind::Inclusion,
                household_id: f.household_id,
                family_id: Some(f.family_id),
                village: village_of(&r.text("region")?).to_string(),
                village_name: String::new(),
                address: r.text("address")?,
                reasons,
            });
        }
    }
    inc.sort_by(|a, b| (&a.village, a.household_id).cmp(&(&b.village, b.household_id)));
    out.sort_by(|a, b| (&a.village, a.household_id).cmp(&(&b.village, b.household_id)));
    out.extend(inc);
    let names =
        names_of(c, out.iter().map(|e| e.village.clone()).collect::<std::collections::BTreeSet<_>>().into_iter())
            .await?;
    for e in &mut out {
        e.village_name = names.get(&e.village).cloned().unwrap_or_else(|| e.village.clone());
    }
    Ok(out)
}

#[async_trait]
impl<B: Backend> PkhTargetStore for B {
    async fn welfare_figures(&self, district: &str, year: i32) -> StoreResult<Vec<OfficialRow>> {
        let district = district.to_string();
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(
                    "SELECT w.region, r.name, w.pra, w.s1, w.s2, w.s3, w.s3_plus, w.source FROM welfare_figures w \
                     JOIN regions r ON r.code = w.region WHERE r.parent = ",
                );
                sql.bind(district).push(" AND w.year = ").bind(i64::from(year)).push(" ORDER BY w.region");
                rows(c, &sql).await?.iter().map(official_row).collect()
            })
        }))
        .await
    }

    async fn welfare_years(&self, district: &str) -> StoreResult<Vec<i32>> {
        let district = district.to_string();
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(
                    "SELECT DISTINCT w.year FROM welfare_figures w JOIN regions r ON r.code = w.region WHERE r.parent = ",
                );
                sql.bind(district).push(" ORDER BY w.year DESC");
                rows(c, &sql).await?.iter().map(|r| Ok(r.int("year")? as i32)).collect()
            })
        }))
        .await
    }

    async fn set_welfare_figures(&self, year: i32, figures: &[NewWelfareFigure]) -> StoreResult<u64> {
        if !(1900..=2100).contains(&year) {
            return Err(Invalid::one("year", "must be from 1900 to 2100").into());
        }
        for f in figures {
            check_counts(&f.counts)?;
        }
        let figures = figures.to_vec();
        self.write(job(move |c| {
            Box::pin(async move {
                let mut n = 0;
                for f in &figures {
                    let mut kind = Sql::new("SELECT kind FROM regions WHERE code = ");
                    kind.bind(f.region.as_str());
                    match first(c, &kind).await? {
                        Some(r) if matches!(r.text("kind")?.as_str(), "village" | "kelurahan") => {}
                        Some(_) => {
                            return Err(StoreError::Reference {
                                field: "region",
                                message: format!("{} is not a village or kelurahan", f.region),
                            });
                        }
                        None => {
                            return Err(StoreError::Reference {
                                field: "region",
                                message: format!("region {} does not exist", f.region),
                            });
                        }
                    }
                    let mut old = Sql::new("SELECT id FROM welfare_figures WHERE region = ");
                    old.bind(f.region.as_str()).push(" AND year = ").bind(i64::from(year));
                    let source: Value = f.source.clone().into();
                    if let Some(r) = first(c, &old).await? {
                        let mut up = Sql::new("UPDATE welfare_figures SET ");
                        for (col, v) in STAGE_COLUMNS.iter().zip(f.counts) {
                            up.push(&format!("{col} = ")).bind(v).push(", ");
                        }
                        up.push("source = ")
                            .bind(source)
                            .push(", version = version + 1 WHERE id = ")
                            .bind(r.int("id")?);
                        exec(c, &up).await?;
                    } else {
                        let mut ins = Sql::new(
                            "INSERT INTO welfare_figures (region, year, pra, s1, s2, s3, s3_plus, source) VALUES ",
                        );
                        let mut values: Vec<Value> = vec![f.region.clone().into(), i64::from(year).into()];
                        values.extend(f.counts.iter().map(|n| Value::from(*n)));
                        values.push(source);
                        ins.list(values);
                        exec(c, &ins).await?;
                    }
                    n += 1;
                }
                Ok(n)
            })
        }))
        .await
    }

    async fn registry_welfare(&self, district: &str) -> StoreResult<Vec<WelfareRow>> {
        let district = district.to_string();
        self.read(job(move |c| {
            Box::pin(async move {
                let villages = villages_under(c, &district).await?;
                let mut table: BTreeMap<String, WelfareRow> = villages
                    .into_iter()
                    .map(|(code, name)| (code.clone(), WelfareRow { region: code, name, counts: [0; 5] }))
                    .collect();
                let mut sql = Sql::new("SELECT h.region, h.welfare_stage, COUNT(*) AS n FROM households h WHERE ");
                sql.append(&subtree("h.region", &district)).push(" GROUP BY h.region, h.welfare_stage");
                for r in rows(c, &sql).await? {
                    let region = r.text("region")?;
                    let stage = r.parsed("welfare_stage", WelfareStage::parse)?;
                    let Some(row) = table.get_mut(village_of(&region)) else { continue };
                    if let Some(i) = STAGES.iter().position(|s| *s == stage) {
                        row.counts[i] += r.int("n")?;
                    }
                }
                Ok(table.into_values().collect())
            })
        }))
        .await
    }

    async fn set_dtks_decile(&self, household_id: Id, decile: u8, as_of: Date) -> StoreResult<()> {
        if !(1..=10).contains(&decile) {
            return Err(Invalid::one("decile", "must be from 1 to 10").into());
        }
        self.write(job(move |c| {
            Box::pin(async move {
                let mut hh = Sql::new("SELECT 1 AS one FROM households WHERE id = ");
                hh.bind(household_id);
                if first(c, &hh).await?.is_none() {
                    return Err(StoreError::Reference {
                        field: "household_id",
                        message: format!("household {household_id} does not exist"),
                    });
                }
                let mut up = Sql::new("UPDATE dtks_deciles SET decile = ");
                up.bind(i64::from(decile)).push(", as_of = ").bind(as_of);
                up.push(", version = version + 1 WHERE household_id = ").bind(household_id);
                if exec(c, &up).await? == 0 {
                    let mut ins = Sql::new("INSERT INTO dtks_deciles (household_id, decile, as_of) VALUES ");
                    ins.list([Value::from(household_id), Value::from(i64::from(decile)), Value::from(as_of)]);
                    exec(c, &ins).await?;
                }
                Ok(())
            })
        }))
        .await
    }

    async fn dtks_decile(&self, household_id: Id) -> StoreResult<Option<(u8, Date)>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new("SELECT decile, as_of FROM dtks_deciles WHERE household_id = ");
                sql.bind(household_id);
                match first(c, &sql).await? {
                    Some(r) => match decile_of(&r, "decile")? {
                        Some(d) => Ok(Some((d, r.date("as_of")?))),
                        None => Ok(None),
                    },
                    None => Ok(None),
                }
            })
        }))
        .await
    }

    async fn targeting_errors(&self, program_id: Id, village: Option<&str>, on: Date) -> StoreResult<Vec<TargetError>> {
        let village = village.map(str::to_string);
        self.read(job(move |c| Box::pin(async move { errors(c, program_id, village.as_deref(), on).await }))).await
    }
}

#[cfg(test)]
mod tests {
    use super::village_of;

    #[test]
    fn the_village_of_a_code() {
        assert_eq!(village_of("33.16.02.2008"), "33.16.02.2008");
        assert_eq!(village_of("33.16.02.2008.01.003"), "33.16.02.2008");
        assert_eq!(village_of("33.16.02"), "33.16.02");
    }
}
