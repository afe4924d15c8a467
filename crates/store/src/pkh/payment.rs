//! PKH stage payments in the store: building a stage's payment list from the families'
//! components and the ladder's status (in family-id chunks, so memory stays bounded whatever
//! the number of families), freezing it, the lines for export, the bank's results and the
//! reconciliation. Declared once on the store kit for both backends.

use std::collections::HashMap;

use async_trait::async_trait;
use berdaya_domain::pkh::FamilyStatus;
use berdaya_domain::pkh::components::benefit;
use berdaya_domain::pkh::payment::{
    Candidate, FamilyPayment, LineKey, ListStatus, PayResult, PaymentLine, PaymentList, ReconRow, Reconciliation,
    ResultRow, RowProblem, SkipReason, Tally, recipient, skip_for_status, stage_period,
};
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::registry::{Id, Invalid, Version};
use time::{Date, Month};

use super::{Who, load_families_named, rules_for};
use crate::access::current_actor;
use crate::kit::{Backend, Conn, Row, Sql, Type, Value, exec, first, insert_rows, job, now, rows};
use crate::{StoreError, StoreResult};

/// Families read and written per chunk when a list is built.
pub const CHUNK: i64 = 5_000;

#[async_trait]
pub trait PkhPayStore {
    /// Builds the payment list of a program's stage (or rebuilds it while it is a draft):
    /// every enrolled family paid on the status the ladder left after the stage's period (or
    /// the latest closed period before; none closed: active), the amount its members bring
    /// on the stage's first day under the year's rules. Suspended, terminated and zero-amount
    /// families are counted, not listed. A frozen list is refused (`Invalid` on `stage`).
    async fn build_pkh_payment_list(&self, program_id: Id, year: i32, stage: u8) -> StoreResult<PaymentList>;
    /// Freezes a draft at `version`: from then on only results are recorded on it.
    async fn freeze_pkh_payment_list(&self, list_id: Id, version: Version) -> StoreResult<PaymentList>;
    async fn pkh_payment_list(&self, list_id: Id) -> StoreResult<PaymentList>;
    /// The lists of a program, newest year and stage first.
    async fn pkh_payment_lists(&self, program_id: Id) -> StoreResult<Vec<PaymentList>>;
    /// Up to `limit` lines of a list with ids above `after`, in id order (page through an
    /// export with the last id read).
    async fn pkh_payment_lines(&self, list_id: Id, after: Id, limit: u32) -> StoreResult<Vec<PaymentLine>>;
    /// Records the bank's results on a frozen list. Every row must name a line of the list
    /// (by line id or KK); any problem refuses the whole file (the inner `Err`, with rows and
    /// columns) and nothing changes. Returns the number of lines updated.
    async fn record_pkh_payment_results(
        &self,
        list_id: Id,
        results: &[ResultRow],
    ) -> StoreResult<Result<u64, Vec<RowProblem>>>;
    /// Issued, paid, failed and pending per village, per facilitator and in total.
    async fn pkh_reconciliation(&self, list_id: Id) -> StoreResult<Reconciliation>;
    /// A family's lines on every list, by year and stage.
    async fn family_pkh_payments(&self, family_id: Id) -> StoreResult<Vec<FamilyPayment>>;
}

const LIST_SELECT: &str = "SELECT id, program_id, year, stage, status, decided_by_period, families, total, \
     skipped_suspended, skipped_terminated, skipped_zero, built_by_name, built_at, frozen_by_name, frozen_at, version \
     FROM pkh_payment_lists";

fn list_row(r: &Row) -> StoreResult<PaymentList> {
    Ok(PaymentList {
        id: r.int("id")?,
        program_id: r.int("program_id")?,
        year: r.int("year")? as i32,
        stage: r.int("stage")? as u8,
        status: r.parsed("status", ListStatus::parse)?,
        decided_by_period: r.opt_text("decided_by_period")?,
        families: r.int("families")?,
        total: r.int("total")?,
        skipped_suspended: r.int("skipped_suspended")?,
        skipped_terminated: r.int("skipped_terminated")?,
        skipped_zero: r.int("skipped_zero")?,
        built_by_name: r.text("built_by_name")?,
        built_at: r.time("built_at")?,
        frozen_by_name: r.opt_text("frozen_by_name")?,
        frozen_at: r.opt_time("frozen_at")?,
        version: r.int("version")?,
    })
}

const LINE_COLUMNS: &str = "l.id, l.list_id, l.family_id, l.household_id, l.kk, l.recipient_name, l.village_code, \
     l.village_name, l.district_code, l.facilitator_id, l.facilitator_name, l.family_status, l.components, l.amount, \
     l.result, l.reason, l.paid_on";

fn line_row(r: &Row) -> StoreResult<PaymentLine> {
    Ok(PaymentLine {
        id: r.int("id")?,
        list_id: r.int("list_id")?,
        family_id: r.int("family_id")?,
        household_id: r.int("household_id")?,
        kk: r.int("kk")?,
        recipient_name: r.text("recipient_name")?,
        village_code: r.text("village_code")?,
        village_name: r.text("village_name")?,
        district_code: r.text("district_code")?,
        facilitator_id: r.opt_int("facilitator_id")?,
        facilitator_name: r.opt_text("facilitator_name")?,
        family_status: r.parsed("family_status", FamilyStatus::parse)?,
        components: r.text("components")?,
        amount: r.int("amount")?,
        result: r.parsed("result", PayResult::parse)?,
        reason: r.opt_text("reason")?,
        paid_on: r.opt_date("paid_on")?,
    })
}

async fn get_list(c: &mut dyn Conn, id: Id) -> StoreResult<PaymentList> {
    let mut sql = Sql::new(format!("{LIST_SELECT} WHERE id = "));
    sql.bind(id);
    first(c, &sql).await?.as_ref().map(list_row).transpose()?.ok_or(StoreError::NotFound { entity: "payment list" })
}

/// The first day of `stage` in `year` under `rules`.
pub fn stage_first_day(rules: &PkhRules, year: i32, stage: u8) -> Option<Date> {
    let s = rules.stages.iter().find(|s| s.stage == stage)?;
    Date::from_calendar_date(year, Month::try_from(s.first_month).ok()?, 1).ok()
}

/// The last day of `stage` in `year` under `rules`.
pub fn stage_last_day(rules: &PkhRules, year: i32, stage: u8) -> Option<Date> {
    let s = rules.stages.iter().find(|s| s.stage == stage)?;
    let month = Month::try_from(s.last_month).ok()?;
    Date::from_calendar_date(year, month, month.length(year)).ok()
}

/// The highest family id of the next chunk of `cond` (a condition on `pkh_families f`)
/// after `last`, or `None` when no family is left.
pub async fn next_chunk_end(c: &mut dyn Conn, cond: &Sql, last: Id, size: i64) -> StoreResult<Option<Id>> {
    let mut sql = Sql::new("SELECT MAX(t.id) AS hi FROM (SELECT f.id FROM pkh_families f WHERE ");
    sql.append(cond).push(" AND f.id > ").bind(last).push(&format!(" ORDER BY f.id LIMIT {size}) t"));
    Ok(first(c, &sql).await?.map(|r| r.opt_int("hi")).transpose()?.flatten())
}

/// The village (`PP.KK.CC.NNNN`) and district (`PP.KK.CC`) codes above a region code.
pub fn village_and_district(region: &str) -> (String, String) {
    let cut = |n: usize| region.get(..n).unwrap_or(region).to_string();
    (cut(13), cut(8))
}

struct Built {
    families: i64,
    total: i64,
    suspended: i64,
    terminated: i64,
    zero: i64,
}

/// Writes the lines of `list_id` for the program's stage, chunk by chunk.
async fn write_lines(
    c: &mut dyn Conn,
    list_id: Id,
    program_id: Id,
    rules: &PkhRules,
    stage: u8,
    (on, last_day): (Date, Date),
    period_id: Option<Id>,
) -> StoreResult<Built> {
    let mut built = Built { families: 0, total: 0, suspended: 0, terminated: 0, zero: 0 };
    let mut names = HashMap::new();
    let mut sql = Sql::new(
        "SELECT DISTINCT u.id, u.display_name FROM users u JOIN pkh_families f ON f.facilitator_id = u.id \
         WHERE f.program_id = ",
    );
    sql.bind(program_id);
    for r in rows(c, &sql).await? {
        names.insert(r.int("id")?, r.text("display_name")?);
    }
    let mut base = Sql::new("f.program_id = ");
    base.bind(program_id).push(" AND f.enrolled_on <= ").bind(last_day);
    let mut last: Id = 0;
    while let Some(hi) = next_chunk_end(c, &base, last, CHUNK).await? {
        let mut cond = base.clone();
        cond.push(" AND f.id > ").bind(last).push(" AND f.id <= ").bind(hi);
        let families = load_families_named(c, &cond).await?;
        // The ladder's status after the deciding period.
        let mut status: HashMap<Id, FamilyStatus> = HashMap::new();
        if let Some(pid) = period_id {
            let mut sql = Sql::new("SELECT fp.family_id, fp.status FROM pkh_family_periods fp WHERE fp.period_id = ");
            sql.bind(pid).push(" AND fp.family_id > ").bind(last).push(" AND fp.family_id <= ").bind(hi);
            for r in rows(c, &sql).await? {
                status.insert(r.int("family_id")?, r.parsed("status", FamilyStatus::parse)?);
            }
        }
        // The households: KK and village.
        let mut sql = Sql::new(
            "SELECT h.id, h.kk, h.region, v.name AS village_name FROM households h \
             JOIN pkh_families f ON f.household_id = h.id LEFT JOIN regions v ON v.code = substr(h.region, 1, 13) WHERE ",
        );
        sql.append(&cond);
        let mut households: HashMap<Id, (i64, String, Option<String>)> = HashMap::new();
        for r in rows(c, &sql).await? {
            households.insert(r.int("id")?, (r.int("kk")?, r.text("region")?, r.opt_text("village_name")?));
        }
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(families.len());
        for fam in &families {
            let st = status.get(&fam.family_id).copied();
            match skip_for_status(st) {
                Some(SkipReason::Suspended) => {
                    built.suspended += 1;
                    continue;
                }
                Some(_) => {
                    built.terminated += 1;
                    continue;
                }
                None => {}
            }
            let b = benefit(&fam.members_on(on, rules), on, rules);
            let amount = b.per_stage.get(usize::from(stage) - 1).copied().unwrap_or(0);
            if amount <= 0 {
                built.zero += 1;
                continue;
            }
            let components: Vec<&str> = b.counted().map(|l| l.component.code()).collect();
            let (kk, region, village_name) =
                households.get(&fam.household_id).cloned().unwrap_or((0, String::new(), None));
            let (village_code, district_code) = village_and_district(&region);
            let members: Vec<&Who> = fam.members.iter().filter_map(|m| m.who.as_ref()).collect();
            let candidates: Vec<Candidate<'_>> =
                members.iter().map(|w| Candidate { name: &w.name, female: w.female, relation: &w.relation }).collect();
            let recipient_name = recipient(&candidates).map(|i| members[i].name.clone()).unwrap_or_default();
            batch.push(vec![
                list_id.into(),
                fam.family_id.into(),
                fam.household_id.into(),
                kk.into(),
                recipient_name.into(),
                village_code.into(),
                village_name.unwrap_or_else(|| region.clone()).into(),
                district_code.into(),
                fam.facilitator_id.into(),
                fam.facilitator_id.and_then(|u| names.get(&u).cloned()).into(),
                st.unwrap_or(FamilyStatus::Active).code().into(),
                components.join(",").into(),
                amount.into(),
            ]);
            built.families += 1;
            built.total += amount;
        }
        insert_rows(c, "pkh_payment_lines", &WRITTEN_COLUMNS, &batch).await?;
        last = hi;
    }
    Ok(built)
}

/// The columns a build writes.
const WRITTEN_COLUMNS: [(&str, Type); 13] = [
    ("list_id", Type::Int),
    ("family_id", Type::Int),
    ("household_id", Type::Int),
    ("kk", Type::Int),
    ("recipient_name", Type::Text),
    ("village_code", Type::Text),
    ("village_name", Type::Text),
    ("district_code", Type::Text),
    ("facilitator_id", Type::Int),
    ("facilitator_name", Type::Text),
    ("family_status", Type::Text),
    ("components", Type::Text),
    ("amount", Type::Int),
];

async fn build(c: &mut dyn Conn, program_id: Id, year: i32, stage: u8) -> StoreResult<PaymentList> {
    let mut sql = Sql::new("SELECT 1 AS one FROM programs WHERE id = ");
    sql.bind(program_id);
    if first(c, &sql).await?.is_none() {
        return Err(StoreError::NotFound { entity: "program" });
    }
    if !(2000..=2100).contains(&year) {
        return Err(Invalid::one("year", "must be between 2000 and 2100").into());
    }
    let (rules, _) = rules_for(c, program_id, year).await?;
    let (Some(on), Some(last_day), Some(period)) =
        (stage_first_day(&rules, year, stage), stage_last_day(&rules, year, stage), stage_period(year, stage))
    else {
        return Err(Invalid::one(
            "stage",
            format!("must be one of the {count} stages of the year", count = rules.stages.len()),
        )
        .into());
    };
    let actor = current_actor();
    let mut sql = Sql::new("SELECT id, status FROM pkh_payment_lists WHERE program_id = ");
    sql.bind(program_id).push(" AND year = ").bind(i64::from(year)).push(" AND stage = ").bind(i64::from(stage));
    let list_id = match first(c, &sql).await? {
        Some(r) if r.text("status")? == ListStatus::Frozen.code() => {
            return Err(Invalid::one("stage", "the list of this stage is frozen; it cannot be rebuilt").into());
        }
        Some(r) => {
            let id = r.int("id")?;
            let mut del = Sql::new("DELETE FROM pkh_payment_lines WHERE list_id = ");
            del.bind(id);
            exec(c, &del).await?;
            id
        }
        None => {
            let mut ins = Sql::new(
                "INSERT INTO pkh_payment_lists (program_id, year, stage, built_by, built_by_name, built_at) VALUES ",
            );
            ins.list([
                Value::from(program_id),
                i64::from(year).into(),
                i64::from(stage).into(),
                actor.user_id.into(),
                actor.name.as_str().into(),
                now().into(),
            ])
            .push(" RETURNING id");
            first(c, &ins).await?.ok_or_else(|| StoreError::Backend("insert returned nothing".into()))?.int("id")?
        }
    };
    // The deciding period: the stage's own if closed, else the latest closed before it.
    let mut sql = Sql::new("SELECT id, period FROM pkh_periods WHERE program_id = ");
    sql.bind(program_id)
        .push(" AND status = 'closed' AND period <= ")
        .bind(period.to_string())
        .push(" ORDER BY period DESC LIMIT 1");
    let decided = match first(c, &sql).await? {
        Some(r) => Some((r.int("id")?, r.text("period")?)),
        None => None,
    };
    let built =
        write_lines(c, list_id, program_id, &rules, stage, (on, last_day), decided.as_ref().map(|d| d.0)).await?;
    let mut upd = Sql::new("UPDATE pkh_payment_lists SET status = 'draft', decided_by_period = ");
    upd.bind(decided.map(|d| d.1))
        .push(", families = ")
        .bind(built.families)
        .push(", total = ")
        .bind(built.total)
        .push(", skipped_suspended = ")
        .bind(built.suspended)
        .push(", skipped_terminated = ")
        .bind(built.terminated)
        .push(", skipped_zero = ")
        .bind(built.zero)
        .push(", built_by = ")
        .bind(actor.user_id)
        .push(", built_by_name = ")
        .bind(actor.name.as_str())
        .push(", built_at = ")
        .bind(now())
        .push(", version = version + 1 WHERE id = ")
        .bind(list_id);
    exec(c, &upd).await?;
    get_list(c, list_id).await
}

async fn record_results(
    c: &mut dyn Conn,
    list_id: Id,
    results: &[ResultRow],
) -> StoreResult<Result<u64, Vec<RowProblem>>> {
    let list = get_list(c, list_id).await?;
    if list.status != ListStatus::Frozen {
        return Err(Invalid::one("list", "freeze the list before recording payment results").into());
    }
    // Resolve every key to a line id, in batches.
    let mut by_id: HashMap<Id, Id> = HashMap::new();
    let mut by_kk: HashMap<i64, Id> = HashMap::new();
    let ids: Vec<Id> =
        results.iter().filter_map(|r| if let LineKey::Line(id) = r.key { Some(id) } else { None }).collect();
    let kks: Vec<i64> =
        results.iter().filter_map(|r| if let LineKey::Kk(k) = r.key { Some(k) } else { None }).collect();
    for (col, keys, map) in [("id", &ids, &mut by_id), ("kk", &kks, &mut by_kk)] {
        for chunk in keys.chunks(500) {
            let mut sql = Sql::new(format!("SELECT id, {col} AS k FROM pkh_payment_lines WHERE list_id = "));
            sql.bind(list_id).push(&format!(" AND {col} IN ")).list(chunk.iter().copied());
            for r in rows(c, &sql).await? {
                map.insert(r.int("k")?, r.int("id")?);
            }
        }
    }
    let mut problems = Vec::new();
    let mut resolved = Vec::with_capacity(results.len());
    let mut seen: HashMap<Id, u64> = HashMap::new();
    for r in results {
        let (line, column) = match r.key {
            LineKey::Line(id) => (by_id.get(&id).copied(), "line"),
            LineKey::Kk(kk) => (by_kk.get(&kk).copied(), "kk"),
        };
        match line {
            None => problems.push(RowProblem {
                row: r.row,
                column: column.into(),
                rule: "is not on this payment list".into(),
            }),
            Some(id) => {
                if let Some(first) = seen.insert(id, r.row) {
                    problems.push(RowProblem {
                        row: r.row,
                        column: column.into(),
                        rule: format!("names the same line as row {first}"),
                    });
                }
                resolved.push((id, r));
            }
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    for (id, r) in &resolved {
        let paid = r.result == PayResult::Paid;
        let mut sql = Sql::new("UPDATE pkh_payment_lines SET result = ");
        sql.bind(r.result.code())
            .push(", reason = ")
            .bind(if paid { None } else { r.reason.clone() })
            .push(", paid_on = ")
            .bind(if paid { r.paid_on } else { None })
            .push(" WHERE id = ")
            .bind(*id);
        exec(c, &sql).await?;
    }
    let mut sql = Sql::new("UPDATE pkh_payment_lists SET version = version + 1 WHERE id = ");
    sql.bind(list_id);
    exec(c, &sql).await?;
    Ok(Ok(resolved.len() as u64))
}

async fn reconcile(c: &mut dyn Conn, list_id: Id) -> StoreResult<Reconciliation> {
    get_list(c, list_id).await?;
    let mut out = Reconciliation::default();
    for (key, name, village) in
        [("village_code", "village_name", true), ("CAST(facilitator_id AS TEXT)", "facilitator_name", false)]
    {
        let mut sql = Sql::new(format!(
            "SELECT {key} AS k, {name} AS name, result, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS amount \
             FROM pkh_payment_lines WHERE list_id = "
        ));
        sql.bind(list_id).push(&format!(" GROUP BY {key}, {name}, result ORDER BY {name}, {key}"));
        let mut groups: Vec<ReconRow> = Vec::new();
        for r in rows(c, &sql).await? {
            let k = r.opt_text("k")?;
            let result = r.parsed("result", PayResult::parse)?;
            let (n, amount) = (r.int("n")?, r.int("amount")?);
            if groups.last().is_none_or(|g| g.key != k) {
                groups.push(ReconRow {
                    key: k,
                    name: r.opt_text("name")?.unwrap_or_default(),
                    tally: Tally::default(),
                });
            }
            if let Some(g) = groups.last_mut() {
                g.tally.add(result, amount, n);
            }
            if village {
                out.total.add(result, amount, n);
            }
        }
        if village {
            out.by_village = groups;
        } else {
            groups.sort_by(|a, b| (a.key.is_none(), &a.name, &a.key).cmp(&(b.key.is_none(), &b.name, &b.key)));
            out.by_facilitator = groups;
        }
    }
    Ok(out)
}

#[async_trait]
impl<B: Backend> PkhPayStore for B {
    async fn build_pkh_payment_list(&self, program_id: Id, year: i32, stage: u8) -> StoreResult<PaymentList> {
        let analyze = self.analyze_sql(super::WALKED_TABLES);
        self.write(job(move |c| {
            Box::pin(async move {
                if let Some(sql) = analyze {
                    exec(c, &Sql::new(sql)).await?;
                }
                build(c, program_id, year, stage).await
            })
        }))
        .await
    }

    async fn freeze_pkh_payment_list(&self, list_id: Id, version: Version) -> StoreResult<PaymentList> {
        let actor = current_actor();
        self.write(job(move |c| {
            Box::pin(async move {
                let list = get_list(c, list_id).await?;
                if list.status == ListStatus::Frozen {
                    return Err(Invalid::one("list", "is already frozen").into());
                }
                if list.version != version {
                    return Err(StoreError::Conflict {
                        entity: "payment list",
                        expected: version,
                        actual: list.version,
                    });
                }
                let mut sql = Sql::new("UPDATE pkh_payment_lists SET status = 'frozen', frozen_by = ");
                sql.bind(actor.user_id)
                    .push(", frozen_by_name = ")
                    .bind(actor.name.as_str())
                    .push(", frozen_at = ")
                    .bind(now())
                    .push(", version = version + 1 WHERE id = ")
                    .bind(list_id);
                exec(c, &sql).await?;
                get_list(c, list_id).await
            })
        }))
        .await
    }

    async fn pkh_payment_list(&self, list_id: Id) -> StoreResult<PaymentList> {
        self.read(job(move |c| Box::pin(async move { get_list(c, list_id).await }))).await
    }

    async fn pkh_payment_lists(&self, program_id: Id) -> StoreResult<Vec<PaymentList>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(format!("{LIST_SELECT} WHERE program_id = "));
                sql.bind(program_id).push(" ORDER BY year DESC, stage DESC");
                rows(c, &sql).await?.iter().map(list_row).collect()
            })
        }))
        .await
    }

    async fn pkh_payment_lines(&self, list_id: Id, after: Id, limit: u32) -> StoreResult<Vec<PaymentLine>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(format!("SELECT {LINE_COLUMNS} FROM pkh_payment_lines l WHERE l.list_id = "));
                sql.bind(list_id).push(" AND l.id > ").bind(after).push(&format!(" ORDER BY l.id LIMIT {limit}"));
                rows(c, &sql).await?.iter().map(line_row).collect()
            })
        }))
        .await
    }

    async fn record_pkh_payment_results(
        &self,
        list_id: Id,
        results: &[ResultRow],
    ) -> StoreResult<Result<u64, Vec<RowProblem>>> {
        let results = results.to_vec();
        self.write(job(move |c| Box::pin(async move { record_results(c, list_id, &results).await }))).await
    }

    async fn pkh_reconciliation(&self, list_id: Id) -> StoreResult<Reconciliation> {
        self.read(job(move |c| Box::pin(async move { reconcile(c, list_id).await }))).await
    }

    async fn family_pkh_payments(&self, family_id: Id) -> StoreResult<Vec<FamilyPayment>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(format!(
                    "SELECT {LINE_COLUMNS}, li.year, li.stage, li.status AS list_status FROM pkh_payment_lines l \
                     JOIN pkh_payment_lists li ON li.id = l.list_id WHERE l.family_id = "
                ));
                sql.bind(family_id).push(" ORDER BY li.year, li.stage, l.id");
                rows(c, &sql)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(FamilyPayment {
                            year: r.int("year")? as i32,
                            stage: r.int("stage")? as u8,
                            list_status: r.parsed("list_status", ListStatus::parse)?,
                            line: line_row(r)?,
                        })
                    })
                    .collect()
            })
        }))
        .await
    }
}
