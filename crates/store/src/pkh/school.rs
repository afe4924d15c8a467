//! The education form in the store: pupils found by NIK among a program's families, each
//! month's attendance kept in `pkh_school_attendance`, and the school-attendance obligation of
//! each pupil recorded from all of the period's months (every month at least the rules'
//! minimum share of effective days). One transaction: a refused row writes nothing.
//!
//! Declared once on the store kit for both backends.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use berdaya_domain::pkh::school::{SchoolImport, SchoolMonth};
use berdaya_domain::pkh::verify::{ComplianceEntry, MonthAttendance, attendance_compliant};
use berdaya_domain::registry::{Id, Invalid};

use crate::StoreResult;
use crate::kit::{Backend, Conn, Sql, Value, exec, job, rows};

use super::rules_for;
use super::verify::{get_period, write_compliance};

/// Rows per multi-row statement.
const BATCH: usize = 500;

/// A pupil's month to store: the family and person already resolved (and checked by the
/// caller against its scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolEntry {
    pub family_id: Id,
    pub person_id: Id,
    pub school: String,
    /// 1–12, within the period's year.
    pub month: u8,
    pub attendance: MonthAttendance,
}

/// A pupil found by NIK: the person and the family of the program whose household holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pupil {
    pub person_id: Id,
    pub family_id: Id,
}

#[async_trait]
pub trait PkhSchoolStore {
    /// The people with these NIKs who live in a household enrolled as a family of the program.
    async fn pkh_pupils_by_nik(&self, program_id: Id, niks: &[u64]) -> StoreResult<HashMap<u64, Pupil>>;
    /// Stores an education form's months in an open period (a pupil's month given again
    /// replaces the earlier one) and records each pupil's school-attendance obligation from all
    /// the period's stored months, all or nothing. A closed period refuses (`Invalid` on
    /// `period_id`); so do rules without an attendance obligation.
    async fn import_school_attendance(&self, period_id: Id, entries: &[SchoolEntry]) -> StoreResult<SchoolImport>;
    /// A family's stored months in a period, by member then month.
    async fn pkh_school_months(&self, period_id: Id, family_id: Id) -> StoreResult<Vec<SchoolMonth>>;
}

async fn months_of(c: &mut dyn Conn, period_id: Id, cond: (&str, &[Id])) -> StoreResult<Vec<SchoolMonth>> {
    let mut out = Vec::new();
    for chunk in cond.1.chunks(BATCH) {
        let mut sql = Sql::new(
            "SELECT person_id, school_name, month, absent, permitted, sick, effective_days \
             FROM pkh_school_attendance WHERE period_id = ",
        );
        sql.bind(period_id).push(&format!(" AND {} IN ", cond.0)).list(chunk.iter().copied());
        sql.push(" ORDER BY person_id, month");
        for r in rows(c, &sql).await? {
            let day = |name: &str| -> StoreResult<u32> { Ok(u32::try_from(r.int(name)?).unwrap_or(0)) };
            out.push(SchoolMonth {
                person_id: r.int("person_id")?,
                school: r.text("school_name")?,
                month: r.text("month")?,
                attendance: MonthAttendance {
                    absent: day("absent")?,
                    permitted: day("permitted")?,
                    sick: day("sick")?,
                    effective_days: day("effective_days")?,
                },
            });
        }
    }
    Ok(out)
}

#[async_trait]
impl<B: Backend> PkhSchoolStore for B {
    async fn pkh_pupils_by_nik(&self, program_id: Id, niks: &[u64]) -> StoreResult<HashMap<u64, Pupil>> {
        let niks = niks.to_vec();
        self.read(job(move |c| {
            Box::pin(async move {
                let mut out = HashMap::new();
                for chunk in niks.chunks(BATCH) {
                    let mut sql = Sql::new(
                        "SELECT p.id, p.nik, f.id AS family_id FROM people p \
                         JOIN pkh_families f ON f.household_id = p.household_id WHERE f.program_id = ",
                    );
                    sql.bind(program_id)
                        .push(" AND p.nik IN ")
                        .list(chunk.iter().map(|n| Value::Int(i64::try_from(*n).unwrap_or(-1))));
                    for r in rows(c, &sql).await? {
                        let nik = u64::try_from(r.int("nik")?).unwrap_or(0);
                        out.insert(nik, Pupil { person_id: r.int("id")?, family_id: r.int("family_id")? });
                    }
                }
                Ok(out)
            })
        }))
        .await
    }

    async fn import_school_attendance(&self, period_id: Id, entries: &[SchoolEntry]) -> StoreResult<SchoolImport> {
        let entries = entries.to_vec();
        self.write(job(move |c| {
            Box::pin(async move {
                let p = get_period(c, period_id).await?;
                let (rules, _) = rules_for(c, p.program_id, p.period.year).await?;
                let Some(ob) = rules.obligations.iter().find(|o| o.min_attendance_pct.is_some()) else {
                    return Err(Invalid::one(
                        "period_id",
                        format!("the {} rules have no school-attendance obligation", p.period.year),
                    )
                    .into());
                };
                let (code, min_pct) = (ob.code.clone(), ob.min_attendance_pct.unwrap_or(85));
                let months = p.period.quarter * 3 - 2..=p.period.quarter * 3;
                let mut bad = berdaya_domain::registry::text::Checker::new();
                for (i, e) in entries.iter().enumerate() {
                    if !months.contains(&e.month) {
                        bad.push(&format!("entries[{i}].month"), format!("is not a month of period {}", p.period));
                    }
                    if let Err((field, rule)) = e.attendance.check() {
                        bad.push(&format!("entries[{i}].{field}"), rule);
                    }
                    if e.school.trim().is_empty() || e.school.chars().count() > 200 {
                        bad.push(&format!("entries[{i}].school"), "must be a school name of 1 to 200 characters");
                    }
                }
                bad.finish()?;
                // Membership and the closed-period refusal are checked here, before any row.
                let mut families: BTreeMap<Id, Id> = BTreeMap::new();
                for e in &entries {
                    families.insert(e.person_id, e.family_id);
                }
                let probe: Vec<ComplianceEntry> = families
                    .iter()
                    .map(|(&person, &family)| ComplianceEntry {
                        family_id: family,
                        person_id: Some(person),
                        obligation: code.clone(),
                        compliant: false,
                        attendance_tenths: None,
                        note: None,
                    })
                    .collect();
                super::verify::check_compliance(c, &p, &probe).await?;
                let actor = crate::access::current_actor();
                let now = crate::kit::now();
                let mut written = 0;
                for batch in entries.chunks(BATCH) {
                    let mut sql = Sql::new(
                        "INSERT INTO pkh_school_attendance (period_id, family_id, person_id, school_name, month, \
                         absent, permitted, sick, effective_days, imported_by, imported_at) VALUES ",
                    );
                    for (i, e) in batch.iter().enumerate() {
                        if i > 0 {
                            sql.push(", ");
                        }
                        let a = e.attendance;
                        sql.list([
                            Value::Int(p.id),
                            Value::Int(e.family_id),
                            Value::Int(e.person_id),
                            e.school.as_str().into(),
                            format!("{:04}-{:02}", p.period.year, e.month).into(),
                            Value::Int(a.absent.into()),
                            Value::Int(a.permitted.into()),
                            Value::Int(a.sick.into()),
                            Value::Int(a.effective_days.into()),
                            actor.user_id.into(),
                            Value::Time(now),
                        ]);
                    }
                    sql.push(
                        " ON CONFLICT (period_id, person_id, month) DO UPDATE SET family_id = excluded.family_id, \
                         school_name = excluded.school_name, absent = excluded.absent, permitted = excluded.permitted, \
                         sick = excluded.sick, effective_days = excluded.effective_days, \
                         imported_by = excluded.imported_by, imported_at = excluded.imported_at, \
                         version = pkh_school_attendance.version + 1",
                    );
                    written += exec(c, &sql).await?;
                }
                // Each pupil's verdict over every stored month of the period.
                let people: Vec<Id> = families.keys().copied().collect();
                let mut by_person: HashMap<Id, Vec<MonthAttendance>> = HashMap::new();
                for m in months_of(c, p.id, ("person_id", &people)).await? {
                    by_person.entry(m.person_id).or_default().push(m.attendance);
                }
                let mut report = SchoolImport { rows: written, ..SchoolImport::default() };
                let mut verdicts = Vec::with_capacity(families.len());
                for (&person, &family) in &families {
                    let months = by_person.get(&person).map(Vec::as_slice).unwrap_or(&[]);
                    let (ok, lowest) = attendance_compliant(months, min_pct);
                    if ok {
                        report.compliant += 1;
                    } else {
                        report.not_compliant += 1;
                    }
                    verdicts.push(ComplianceEntry {
                        family_id: family,
                        person_id: Some(person),
                        obligation: code.clone(),
                        compliant: ok,
                        attendance_tenths: Some(lowest),
                        note: Some(format!("formulir pendidikan: {} bulan", months.len())),
                    });
                }
                report.pupils = verdicts.len() as u64;
                write_compliance(c, &p, &verdicts).await?;
                Ok(report)
            })
        }))
        .await
    }

    async fn pkh_school_months(&self, period_id: Id, family_id: Id) -> StoreResult<Vec<SchoolMonth>> {
        self.read(job(move |c| Box::pin(async move { months_of(c, period_id, ("family_id", &[family_id])).await })))
            .await
    }
}
