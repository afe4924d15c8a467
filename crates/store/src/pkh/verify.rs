//! Verification in the store: periods, compliance records, and closing a period, which runs
//! the sanction ladder for every family of the program and freezes the period.
//!
//! Closing scales to a million families: it walks the program's families in id ranges of
//! [`CHUNK`] (bounded memory), writes each range's results with multi-row statements, runs in
//! one transaction, and audits in bulk mode (the row triggers silenced, one summary event).
//!
//! Declared once on the store kit for both backends.

use std::collections::HashMap;

use async_trait::async_trait;
use berdaya_domain::pkh::family::EventKind;
use berdaya_domain::pkh::ladder::Standing;
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::pkh::verify::{
    CloseReport, Compliance, ComplianceEntry, PeriodStatus, PkhPeriod, family_compliance, obligations_due,
};
use berdaya_domain::pkh::{FamilyStatus, Period};
use berdaya_domain::registry::{Id, Invalid};

use crate::kit::{Backend, Conn, Row, Sql, Type, Value, exec, first, insert_row, insert_rows, job, rows};
use crate::regions::AuditSql;
use crate::{StoreError, StoreResult};

use super::family::get_family;
use super::{load_families, rules_for};
use berdaya_domain::pkh::family::Family;

/// Families per range when closing a period.
pub const CHUNK: i64 = 5000;
/// Ids per `UPDATE … WHERE id IN (…)`.
const BATCH: usize = 500;

const FAMILY_PERIOD_COLUMNS: [(&str, Type); 6] = [
    ("period_id", Type::Int),
    ("family_id", Type::Int),
    ("compliant", Type::Bool),
    ("appeal_upheld", Type::Bool),
    ("status", Type::Text),
    ("consecutive", Type::Int),
];

const STATUS_EVENT_COLUMNS: [(&str, Type); 6] = [
    ("family_id", Type::Int),
    ("period_id", Type::Int),
    ("kind", Type::Text),
    ("status", Type::Text),
    ("decided_by", Type::Int),
    ("decided_at", Type::Time),
];

/// A period with its counts, as the periods page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSummary {
    pub period: PkhPeriod,
    /// Families with at least one compliance record.
    pub recorded_families: u64,
    /// Compliance records.
    pub records: u64,
    /// For a closed period: families given a result, and how many were compliant.
    pub results: u64,
    pub compliant: u64,
}

#[async_trait]
pub trait PkhVerifyStore {
    /// Opens a verification period. It must come after every period the program has
    /// (`Invalid` on `period`); a period is opened once (`Duplicate` on `period`).
    async fn open_pkh_period(&self, program_id: Id, period: Period) -> StoreResult<PkhPeriod>;
    async fn pkh_period(&self, id: Id) -> StoreResult<PkhPeriod>;
    /// A program's period by its name.
    async fn pkh_period_named(&self, program_id: Id, period: Period) -> StoreResult<Option<PkhPeriod>>;
    /// A program's periods, newest first, with their counts.
    async fn pkh_periods(&self, program_id: Id) -> StoreResult<Vec<PeriodSummary>>;
    /// Records (or replaces) compliance in an open period, all or nothing. Each family must be
    /// of the period's program, each person a member of the family's household, each
    /// obligation one of the year's rules. A closed period refuses (`Invalid` on `period_id`).
    /// Returns the records written.
    async fn record_compliance(&self, period_id: Id, entries: &[ComplianceEntry]) -> StoreResult<u64>;
    /// A family's compliance records in a period.
    async fn pkh_compliance(&self, period_id: Id, family_id: Id) -> StoreResult<Vec<Compliance>>;
    /// A family's compliance records of every period, by period then member.
    async fn family_compliance_all(&self, family_id: Id) -> StoreResult<Vec<Compliance>>;
    /// What closing the period would give now (nothing written): families, compliant, due
    /// obligations without a record, and the status changes.
    async fn preview_close(&self, period_id: Id) -> StoreResult<CloseReport>;
    /// Closes a period: for every family of the program enrolled by the period's last day,
    /// its compliance (every due obligation recorded compliant; a missing record counts as
    /// not met) and its standing after the ladder; writes the frozen results, the families'
    /// new status, a `ladder` status event per change, and freezes the period. The period
    /// must be open and no earlier period of the program open (`Invalid` on `period_id`).
    async fn close_pkh_period(&self, period_id: Id, by: Option<Id>) -> StoreResult<CloseReport>;
    /// The open periods of the programs whose families `facilitator` carries, each with those
    /// families whose due obligations are not all recorded: (period, [(family, due, recorded)]).
    async fn pkh_verifications_due(&self, facilitator: Id) -> StoreResult<Vec<(PkhPeriod, Vec<DueFamily>)>>;
    /// The families `facilitator` carries that the last close of their program put on warning
    /// or suspension (or terminated).
    async fn pkh_newly_sanctioned(&self, facilitator: Id) -> StoreResult<Vec<(Family, PkhPeriod)>>;
}

/// A family with obligations to verify in an open period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueFamily {
    pub family: Family,
    /// Due obligations and how many are recorded.
    pub due: u32,
    pub recorded: u32,
}

// --- Rows ----------------------------------------------------------------------------------

const PERIOD_SELECT: &str =
    "SELECT p.id, p.program_id, p.period, p.status, p.closed_at, p.closed_by, p.version FROM pkh_periods p";

fn period_row(r: &Row) -> StoreResult<PkhPeriod> {
    Ok(PkhPeriod {
        id: r.int("id")?,
        program_id: r.int("program_id")?,
        period: r.parsed("period", Period::parse)?,
        status: r.parsed("status", PeriodStatus::parse)?,
        closed_at: r.opt_time("closed_at")?,
        closed_by: r.opt_int("closed_by")?,
        version: r.int("version")?,
    })
}

pub(crate) async fn get_period(c: &mut dyn Conn, id: Id) -> StoreResult<PkhPeriod> {
    let mut sql = Sql::new(PERIOD_SELECT);
    sql.push(" WHERE p.id = ").bind(id);
    first(c, &sql).await?.as_ref().map(period_row).transpose()?.ok_or(StoreError::NotFound { entity: "PKH period" })
}

const COMPLIANCE_SELECT: &str = "SELECT x.id, x.period_id, x.family_id, x.person_id, x.obligation, x.compliant, \
     x.attendance_tenths, x.note, x.recorded_by, x.recorded_at FROM pkh_compliance x";

fn compliance_row(r: &Row) -> StoreResult<Compliance> {
    Ok(Compliance {
        id: r.int("id")?,
        period_id: r.int("period_id")?,
        family_id: r.int("family_id")?,
        person_id: r.opt_int("person_id")?,
        obligation: r.text("obligation")?,
        compliant: r.bool("compliant")?,
        attendance_tenths: r.opt_int("attendance_tenths")?,
        note: r.opt_text("note")?,
        recorded_by: r.opt_int("recorded_by")?,
        recorded_at: r.time("recorded_at")?,
    })
}

async fn count(c: &mut dyn Conn, sql: &Sql) -> StoreResult<u64> {
    Ok(first(c, sql).await?.map(|r| r.opt_int("n")).transpose()?.flatten().map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Refuses writes to a closed period.
fn open_or_refuse(p: &PkhPeriod) -> StoreResult<()> {
    if p.status == PeriodStatus::Closed {
        return Err(Invalid::one(
            "period_id",
            format!("period {} is closed; its compliance can no longer change", p.period),
        )
        .into());
    }
    Ok(())
}

/// Checks compliance to record in `p`: the period open, each entry well formed, its
/// obligation one of the year's rules, its family of the program and its person a member.
pub(crate) async fn check_compliance(c: &mut dyn Conn, p: &PkhPeriod, entries: &[ComplianceEntry]) -> StoreResult<()> {
    open_or_refuse(p)?;
    if entries.is_empty() {
        return Ok(());
    }
    for (i, e) in entries.iter().enumerate() {
        e.check().map_err(|inv| {
            Invalid(
                inv.0
                    .into_iter()
                    .map(|fe| {
                        berdaya_domain::registry::FieldError::new(format!("entries[{i}].{}", fe.field), fe.message)
                    })
                    .collect(),
            )
        })?;
    }
    let (rules, _) = rules_for(c, p.program_id, p.period.year).await?;
    let mut bad = berdaya_domain::registry::text::Checker::new();
    for (i, e) in entries.iter().enumerate() {
        if !rules.obligations.iter().any(|o| o.code == e.obligation) {
            bad.push(
                &format!("entries[{i}].obligation"),
                format!("`{}` is not an obligation of the {} rules", e.obligation, p.period.year),
            );
        }
    }
    bad.finish()?;
    // Families of the program, with their households.
    let mut household_of: HashMap<Id, Id> = HashMap::new();
    let mut ids: Vec<Id> = entries.iter().map(|e| e.family_id).collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(BATCH) {
        let mut sql = Sql::new("SELECT id, household_id FROM pkh_families WHERE program_id = ");
        sql.bind(p.program_id).push(" AND id IN ").list(chunk.iter().copied());
        for r in rows(c, &sql).await? {
            household_of.insert(r.int("id")?, r.int("household_id")?);
        }
    }
    let mut people: Vec<Id> = entries.iter().filter_map(|e| e.person_id).collect();
    people.sort_unstable();
    people.dedup();
    let mut home_of: HashMap<Id, Option<Id>> = HashMap::new();
    for chunk in people.chunks(BATCH) {
        let mut sql = Sql::new("SELECT id, household_id FROM people WHERE id IN ");
        sql.list(chunk.iter().copied());
        for r in rows(c, &sql).await? {
            home_of.insert(r.int("id")?, r.opt_int("household_id")?);
        }
    }
    let mut bad = berdaya_domain::registry::text::Checker::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(&hh) = household_of.get(&e.family_id) else {
            bad.push(&format!("entries[{i}].family_id"), "is not a family of the period's program");
            continue;
        };
        if let Some(person) = e.person_id
            && home_of.get(&person).copied().flatten() != Some(hh)
        {
            bad.push(&format!("entries[{i}].person_id"), "is not a member of the family's household");
        }
    }
    bad.finish()?;
    Ok(())
}

pub(crate) async fn write_compliance(c: &mut dyn Conn, p: &PkhPeriod, entries: &[ComplianceEntry]) -> StoreResult<u64> {
    check_compliance(c, p, entries).await?;
    if entries.is_empty() {
        return Ok(0);
    }
    let actor = crate::access::current_actor();
    let now = crate::kit::now();
    let mut written = 0;
    for batch in entries.chunks(BATCH) {
        let mut sql = Sql::new(
            "INSERT INTO pkh_compliance (period_id, family_id, person_id, obligation, compliant, attendance_tenths, \
             note, recorded_by, recorded_at) VALUES ",
        );
        for (i, e) in batch.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.list([
                Value::Int(p.id),
                Value::Int(e.family_id),
                e.person_id.into(),
                e.obligation.as_str().into(),
                Value::Bool(e.compliant),
                e.attendance_tenths.into(),
                e.note.as_deref().into(),
                actor.user_id.into(),
                Value::Time(now),
            ]);
        }
        sql.push(
            " ON CONFLICT (period_id, family_id, COALESCE(person_id, 0), obligation) DO UPDATE SET \
             compliant = excluded.compliant, attendance_tenths = excluded.attendance_tenths, note = excluded.note, \
             recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, \
             version = pkh_compliance.version + 1",
        );
        written += exec(c, &sql).await?;
    }
    Ok(written)
}

/// One family's result in a period.
struct Outcome {
    family_id: Id,
    before: Standing,
    after: Standing,
    compliant: bool,
}

/// The upper id of the next range after `last`, or `None` when the rest fits in one.
async fn range_end(c: &mut dyn Conn, program_id: Id, last: Id) -> StoreResult<Option<Id>> {
    let mut sql = Sql::new("SELECT id FROM pkh_families WHERE program_id = ");
    sql.bind(program_id).push(" AND id > ").bind(last);
    sql.push(&format!(" ORDER BY id LIMIT 1 OFFSET {}", CHUNK - 1));
    first(c, &sql).await?.map(|r| r.int("id")).transpose()
}

/// The results of the families with ids in `(last, hi]` (`hi` none: to the end).
async fn evaluate(
    c: &mut dyn Conn,
    p: &PkhPeriod,
    rules: &PkhRules,
    last: Id,
    hi: Option<Id>,
    report: &mut CloseReport,
) -> StoreResult<Vec<Outcome>> {
    let mut cond = Sql::new("f.program_id = ");
    cond.bind(p.program_id).push(" AND f.id > ").bind(last);
    if let Some(hi) = hi {
        cond.push(" AND f.id <= ").bind(hi);
    }
    cond.push(" AND f.enrolled_on <= ").bind(p.period.last_day());
    let families = load_families(c, &cond).await?;
    if families.is_empty() {
        return Ok(Vec::new());
    }
    let mut recorded: HashMap<Id, HashMap<(Option<Id>, String), bool>> = HashMap::new();
    let mut sql = Sql::new(
        "SELECT x.family_id, x.person_id, x.obligation, x.compliant FROM pkh_compliance x WHERE x.period_id = ",
    );
    sql.bind(p.id).push(" AND x.family_id > ").bind(last);
    if let Some(hi) = hi {
        sql.push(" AND x.family_id <= ").bind(hi);
    }
    for r in rows(c, &sql).await? {
        recorded
            .entry(r.int("family_id")?)
            .or_default()
            .insert((r.opt_int("person_id")?, r.text("obligation")?), r.bool("compliant")?);
    }
    let empty = HashMap::new();
    let on = p.period.last_day();
    let mut out = Vec::with_capacity(families.len());
    for f in &families {
        let due = obligations_due(&f.members_on(on, rules), p.period, rules);
        let (compliant, missing) = family_compliance(&due, recorded.get(&f.family_id).unwrap_or(&empty));
        let before = Standing { status: f.status, consecutive: f.consecutive };
        let after = before.after(compliant, false, &rules.ladder);
        report.families += 1;
        report.compliant += u64::from(compliant);
        report.missing += u64::from(missing);
        if after.status != before.status {
            match after.status {
                FamilyStatus::Active => report.to_active += 1,
                FamilyStatus::Warning => report.to_warning += 1,
                FamilyStatus::Suspended => report.to_suspended += 1,
                FamilyStatus::Terminated => report.to_terminated += 1,
            }
        }
        out.push(Outcome { family_id: f.family_id, before, after, compliant });
    }
    Ok(out)
}

/// Writes one range's results: the frozen rows, the changed standings, the status events.
async fn write_results(c: &mut dyn Conn, p: &PkhPeriod, outcomes: &[Outcome], by: Option<Id>) -> StoreResult<()> {
    let frozen: Vec<Vec<Value>> = outcomes
        .iter()
        .map(|o| {
            vec![
                Value::Int(p.id),
                Value::Int(o.family_id),
                Value::Bool(o.compliant),
                Value::Bool(false),
                o.after.status.code().into(),
                Value::Int(i64::from(o.after.consecutive)),
            ]
        })
        .collect();
    insert_rows(c, "pkh_family_periods", &FAMILY_PERIOD_COLUMNS, &frozen).await?;
    // New standings, grouped so each distinct one is one statement per batch.
    let mut groups: HashMap<(FamilyStatus, u32), Vec<Id>> = HashMap::new();
    for o in outcomes.iter().filter(|o| o.after != o.before) {
        groups.entry((o.after.status, o.after.consecutive)).or_default().push(o.family_id);
    }
    for ((status, consecutive), ids) in groups {
        for batch in ids.chunks(BATCH) {
            let mut sql = Sql::new("UPDATE pkh_families SET status = ");
            sql.bind(status.code()).push(", consecutive = ").bind(i64::from(consecutive));
            sql.push(", version = version + 1 WHERE id IN ").list(batch.iter().copied());
            exec(c, &sql).await?;
        }
    }
    let changed: Vec<&Outcome> = outcomes.iter().filter(|o| o.after.status != o.before.status).collect();
    let now = crate::kit::now();
    let events: Vec<Vec<Value>> = changed
        .iter()
        .map(|o| {
            vec![
                Value::Int(o.family_id),
                Value::Int(p.id),
                EventKind::Ladder.code().into(),
                o.after.status.code().into(),
                by.into(),
                Value::Time(now),
            ]
        })
        .collect();
    insert_rows(c, "pkh_status_events", &STATUS_EVENT_COLUMNS, &events).await?;
    Ok(())
}

/// Walks the program's families in ranges; `write` writes each range's results.
async fn run_close(c: &mut dyn Conn, p: &PkhPeriod, write: Option<(Option<Id>, AuditSql)>) -> StoreResult<CloseReport> {
    let (rules, _) = rules_for(c, p.program_id, p.period.year).await?;
    let mut report = CloseReport::default();
    if let Some((_, audit)) = &write {
        exec(c, &Sql::new(audit.bulk_on)).await?;
    }
    let mut last: Id = 0;
    loop {
        let hi = range_end(c, p.program_id, last).await?;
        let outcomes = evaluate(c, p, &rules, last, hi, &mut report).await?;
        if let Some((by, _)) = &write {
            write_results(c, p, &outcomes, *by).await?;
        }
        match hi {
            Some(hi) => last = hi,
            None => break,
        }
    }
    if let Some((by, audit)) = &write {
        exec(c, &Sql::new(audit.bulk_off)).await?;
        let mut sql = Sql::new("UPDATE pkh_periods SET status = 'closed', closed_at = ");
        sql.bind(Value::Time(crate::kit::now())).push(", closed_by = ").bind(*by);
        sql.push(", version = version + 1 WHERE id = ").bind(p.id);
        exec(c, &sql).await?;
        let details = serde_json::json!({
            "period_id": p.id,
            "program_id": p.program_id,
            "period": p.period.to_string(),
            "families": report.families,
            "compliant": report.compliant,
            "missing": report.missing,
            "to_active": report.to_active,
            "to_warning": report.to_warning,
            "to_suspended": report.to_suspended,
            "to_terminated": report.to_terminated,
        });
        let mut sql = Sql::new(audit.event);
        sql.params = vec!["close".into(), "pkh_periods".into(), details.to_string().into()];
        exec(c, &sql).await?;
    }
    Ok(report)
}

/// The period can close: open, and no earlier period of its program open.
async fn closable(c: &mut dyn Conn, p: &PkhPeriod) -> StoreResult<()> {
    if p.status == PeriodStatus::Closed {
        return Err(Invalid::one("period_id", format!("period {} is already closed", p.period)).into());
    }
    let mut sql = Sql::new("SELECT period FROM pkh_periods WHERE program_id = ");
    sql.bind(p.program_id).push(" AND status = 'open' AND period < ").bind(p.period.to_string());
    sql.push(" ORDER BY period LIMIT 1");
    if let Some(r) = first(c, &sql).await? {
        return Err(Invalid::one(
            "period_id",
            format!("the earlier period {} is still open; close periods in order", r.text("period")?),
        )
        .into());
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> PkhVerifyStore for B {
    async fn open_pkh_period(&self, program_id: Id, period: Period) -> StoreResult<PkhPeriod> {
        self.write(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new("SELECT id FROM programs WHERE id = ");
                sql.bind(program_id);
                if first(c, &sql).await?.is_none() {
                    return Err(StoreError::NotFound { entity: "program" });
                }
                let mut sql = Sql::new("SELECT period FROM pkh_periods WHERE program_id = ");
                sql.bind(program_id).push(" ORDER BY period DESC LIMIT 1");
                if let Some(r) = first(c, &sql).await? {
                    let latest = r.parsed("period", Period::parse)?;
                    if latest == period {
                        return Err(StoreError::Duplicate {
                            field: "period",
                            message: format!("period {period} is already open or closed"),
                        });
                    }
                    if period < latest {
                        return Err(Invalid::one(
                            "period",
                            format!("must come after the program's latest period {latest}"),
                        )
                        .into());
                    }
                }
                let id = insert_row(
                    c,
                    "pkh_periods",
                    vec![
                        ("program_id", program_id.into()),
                        ("period", period.to_string().into()),
                        ("status", "open".into()),
                    ],
                )
                .await?;
                get_period(c, id).await
            })
        }))
        .await
    }

    async fn pkh_period(&self, id: Id) -> StoreResult<PkhPeriod> {
        self.read(job(move |c| Box::pin(async move { get_period(c, id).await }))).await
    }

    async fn pkh_period_named(&self, program_id: Id, period: Period) -> StoreResult<Option<PkhPeriod>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(PERIOD_SELECT);
                sql.push(" WHERE p.program_id = ").bind(program_id).push(" AND p.period = ").bind(period.to_string());
                first(c, &sql).await?.as_ref().map(period_row).transpose()
            })
        }))
        .await
    }

    async fn pkh_periods(&self, program_id: Id) -> StoreResult<Vec<PeriodSummary>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(PERIOD_SELECT);
                sql.push(" WHERE p.program_id = ").bind(program_id).push(" ORDER BY p.period DESC");
                let periods: Vec<PkhPeriod> =
                    rows(c, &sql).await?.iter().map(period_row).collect::<StoreResult<_>>()?;
                let mut out = Vec::with_capacity(periods.len());
                for period in periods {
                    let mut sql =
                        Sql::new("SELECT count(DISTINCT family_id) AS n FROM pkh_compliance WHERE period_id = ");
                    sql.bind(period.id);
                    let recorded_families = count(c, &sql).await?;
                    let mut sql = Sql::new("SELECT count(*) AS n FROM pkh_compliance WHERE period_id = ");
                    sql.bind(period.id);
                    let records = count(c, &sql).await?;
                    let mut sql = Sql::new("SELECT count(*) AS n FROM pkh_family_periods WHERE period_id = ");
                    sql.bind(period.id);
                    let results = count(c, &sql).await?;
                    let mut sql = Sql::new("SELECT count(*) AS n FROM pkh_family_periods WHERE compliant = ");
                    sql.bind(true).push(" AND period_id = ").bind(period.id);
                    let compliant = count(c, &sql).await?;
                    out.push(PeriodSummary { period, recorded_families, records, results, compliant });
                }
                Ok(out)
            })
        }))
        .await
    }

    async fn record_compliance(&self, period_id: Id, entries: &[ComplianceEntry]) -> StoreResult<u64> {
        let entries = entries.to_vec();
        self.write(job(move |c| {
            Box::pin(async move {
                let p = get_period(c, period_id).await?;
                write_compliance(c, &p, &entries).await
            })
        }))
        .await
    }

    async fn pkh_compliance(&self, period_id: Id, family_id: Id) -> StoreResult<Vec<Compliance>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(COMPLIANCE_SELECT);
                sql.push(" WHERE x.period_id = ").bind(period_id).push(" AND x.family_id = ").bind(family_id);
                sql.push(" ORDER BY x.person_id, x.obligation");
                rows(c, &sql).await?.iter().map(compliance_row).collect()
            })
        }))
        .await
    }

    async fn family_compliance_all(&self, family_id: Id) -> StoreResult<Vec<Compliance>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(COMPLIANCE_SELECT);
                sql.push(" WHERE x.family_id = ").bind(family_id);
                sql.push(" ORDER BY x.period_id, x.person_id, x.obligation");
                rows(c, &sql).await?.iter().map(compliance_row).collect()
            })
        }))
        .await
    }

    async fn preview_close(&self, period_id: Id) -> StoreResult<CloseReport> {
        self.read(job(move |c| {
            Box::pin(async move {
                let p = get_period(c, period_id).await?;
                run_close(c, &p, None).await
            })
        }))
        .await
    }

    async fn close_pkh_period(&self, period_id: Id, by: Option<Id>) -> StoreResult<CloseReport> {
        let audit = self.bulk_audit();
        let analyze = self.analyze_sql(super::WALKED_TABLES);
        self.write(job(move |c| {
            Box::pin(async move {
                let p = get_period(c, period_id).await?;
                closable(c, &p).await?;
                if let Some(sql) = analyze {
                    exec(c, &Sql::new(sql)).await?;
                }
                run_close(c, &p, Some((by, audit))).await
            })
        }))
        .await
    }

    async fn pkh_verifications_due(&self, facilitator: Id) -> StoreResult<Vec<(PkhPeriod, Vec<DueFamily>)>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(PERIOD_SELECT);
                sql.push(" WHERE p.status = 'open' AND p.program_id IN (SELECT f.program_id FROM pkh_families f WHERE f.facilitator_id = ");
                sql.bind(facilitator).push(") ORDER BY p.program_id, p.period");
                let periods: Vec<PkhPeriod> = rows(c, &sql).await?.iter().map(period_row).collect::<StoreResult<_>>()?;
                let mut out = Vec::new();
                for p in periods {
                    let (rules, _) = rules_for(c, p.program_id, p.period.year).await?;
                    let mut cond = Sql::new("f.program_id = ");
                    cond.bind(p.program_id).push(" AND f.facilitator_id = ").bind(facilitator);
                    cond.push(" AND f.status <> 'terminated' AND f.enrolled_on <= ").bind(p.period.last_day());
                    let families = load_families(c, &cond).await?;
                    let mut recorded: HashMap<Id, HashMap<(Option<Id>, String), bool>> = HashMap::new();
                    let mut sql = Sql::new("SELECT x.family_id, x.person_id, x.obligation, x.compliant FROM pkh_compliance x \
                         JOIN pkh_families f ON f.id = x.family_id WHERE x.period_id = ");
                    sql.bind(p.id).push(" AND f.facilitator_id = ").bind(facilitator);
                    for r in rows(c, &sql).await? {
                        recorded
                            .entry(r.int("family_id")?)
                            .or_default()
                            .insert((r.opt_int("person_id")?, r.text("obligation")?), r.bool("compliant")?);
                    }
                    let empty = HashMap::new();
                    let on = p.period.last_day();
                    let mut due_families = Vec::new();
                    for f in &families {
                        let due = obligations_due(&f.members_on(on, &rules), p.period, &rules);
                        let got = recorded.get(&f.family_id).unwrap_or(&empty);
                        let done = due.iter().filter(|d| got.contains_key(&(d.person_id, d.obligation.clone()))).count();
                        if done < due.len() {
                            due_families.push(DueFamily {
                                family: get_family(c, f.family_id).await?,
                                due: due.len() as u32,
                                recorded: done as u32,
                            });
                        }
                    }
                    out.push((p, due_families));
                }
                Ok(out)
            })
        }))
        .await
    }

    async fn pkh_newly_sanctioned(&self, facilitator: Id) -> StoreResult<Vec<(Family, PkhPeriod)>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(
                    "SELECT e.family_id, e.period_id FROM pkh_status_events e JOIN pkh_families f ON f.id = e.family_id \
                     WHERE f.facilitator_id = ",
                );
                sql.bind(facilitator).push(
                    " AND e.kind = 'ladder' AND e.status <> 'active' AND e.period_id = (SELECT p.id FROM pkh_periods p \
                     WHERE p.program_id = f.program_id AND p.status = 'closed' ORDER BY p.period DESC LIMIT 1) \
                     ORDER BY e.family_id",
                );
                let mut out = Vec::new();
                for r in rows(c, &sql).await? {
                    let family = get_family(c, r.int("family_id")?).await?;
                    let period = get_period(c, r.int("period_id")?).await?;
                    out.push((family, period));
                }
                Ok(out)
            })
        }))
        .await
    }
}
