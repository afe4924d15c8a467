//! Storage of block grants: grants, tranches, neighbourhood units, works, spending,
//! progress, handover and maintenance, and budget against realisation.
//!
//! The caps are checked inside the write's transaction after locking the grant's row
//! (an upsert of its row in `grant_locks` takes a row lock on PostgreSQL; SQLite runs one writer
//! at a time), so two writers cannot both pass them: tranches and units never sum past the
//! grant, and the grant's spending never passes the tranches received unless the entry
//! carries an officer's override reason (kept on the entry, and so in the audit log).

use async_trait::async_trait;
use berdaya_domain::kotaku::grant::{
    Grant, Handover, NewGrant, NewProgress, NewSpending, NewTranche, NewUnit, NewUpkeep, NewWork, Progress,
    Realisation, Spending, Tranche, TrancheStatus, TrancheStep, Unit, Upkeep, Work, WorkCondition, WorkKind,
    allocation_fits, progress_follows, spending_fits, tranches_fit,
};
use berdaya_domain::registry::{Id, Invalid, RegionCode, Version};
use time::Date;

use crate::access::current_actor;
use crate::kit::{
    self, Backend, Conn, Reference, Row, Sql, Value, check_references, exec, first, insert_row, job, rows, update_row,
};
use crate::{StoreError, StoreResult};

/// A grant with its recipient's name and the totals a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub grant: Grant,
    pub recipient_name: String,
    pub region_name: String,
    pub allocated_rp: i64,
    pub received_rp: i64,
    pub spent_rp: i64,
}

/// A work with where it sits: its unit, grant and program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkRow {
    pub work: Work,
    pub unit_name: String,
    pub unit_region: RegionCode,
    pub unit_rt: Option<String>,
    pub unit_rw: Option<String>,
    pub grant_id: Id,
    pub grant_name: String,
    pub program_id: Id,
    pub recipient_group_id: Id,
    pub spent_rp: i64,
    pub keeper_name: Option<String>,
    /// The last maintenance visit, if any.
    pub last_upkeep: Option<Date>,
}

/// A spending entry with whether a later entry reverses it and its receipts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendingRow {
    pub spending: Spending,
    pub reversed: bool,
    pub work_name: String,
    /// Attachment ids of its receipts.
    pub receipts: Vec<Id>,
}

/// Budget against realisation of a grant, by unit and by work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantReport {
    pub grant: GrantRow,
    pub tranches: Vec<Tranche>,
    pub units: Vec<(Unit, Realisation)>,
    pub works: Vec<(WorkRow, Realisation)>,
    pub total: Realisation,
}

#[async_trait]
pub trait GrantStore {
    /// Adds a grant; its program, recipient group and region must exist.
    async fn create_grant(&self, new: &NewGrant) -> StoreResult<Grant>;
    /// Changes a grant; the amount may not fall below its tranches or allocations.
    async fn update_grant(&self, id: Id, new: &NewGrant, version: Version) -> StoreResult<Grant>;
    async fn grant(&self, id: Id) -> StoreResult<GrantRow>;
    /// A program's grants, newest year first.
    async fn program_grants(&self, program_id: Id) -> StoreResult<Vec<GrantRow>>;
    /// Grants whose region, or one of whose units' region, lies in the region `code`.
    async fn region_grants(&self, code: &RegionCode) -> StoreResult<Vec<GrantRow>>;
    /// Grants a group receives.
    async fn group_grants(&self, group_id: Id) -> StoreResult<Vec<GrantRow>>;

    /// Schedules a tranche (number next in the grant); tranches never sum past the grant.
    async fn add_tranche(&self, grant_id: Id, new: &NewTranche) -> StoreResult<Tranche>;
    /// Approves or receives a tranche, in order.
    async fn step_tranche(&self, id: Id, step: &TrancheStep, version: Version) -> StoreResult<Tranche>;
    async fn tranche(&self, id: Id) -> StoreResult<Tranche>;
    async fn tranches(&self, grant_id: Id) -> StoreResult<Vec<Tranche>>;

    /// Allocates part of the grant to a neighbourhood unit: the units never sum past the grant.
    async fn add_unit(&self, grant_id: Id, new: &NewUnit) -> StoreResult<Unit>;
    async fn update_unit(&self, id: Id, new: &NewUnit, version: Version) -> StoreResult<Unit>;
    async fn unit(&self, id: Id) -> StoreResult<Unit>;
    async fn units(&self, grant_id: Id) -> StoreResult<Vec<Unit>>;

    async fn add_work(&self, unit_id: Id, new: &NewWork) -> StoreResult<Work>;
    async fn update_work(&self, id: Id, new: &NewWork, version: Version) -> StoreResult<Work>;
    async fn work(&self, id: Id) -> StoreResult<WorkRow>;
    async fn grant_works(&self, grant_id: Id) -> StoreResult<Vec<WorkRow>>;
    /// Works in the region `code` (their unit's region), and in its RT/RW when given.
    async fn region_works(&self, code: &RegionCode, rt: Option<&str>, rw: Option<&str>) -> StoreResult<Vec<WorkRow>>;
    /// Works a maintenance group keeps.
    async fn kept_works(&self, group_id: Id) -> StoreResult<Vec<WorkRow>>;

    /// Records spending on a work. Refused (`Invalid` on `amount`) when the grant's spending
    /// would pass the tranches received, unless `override_reason` is set.
    async fn add_spending(&self, work_id: Id, new: &NewSpending) -> StoreResult<Spending>;
    /// Reverses a spending entry with a reason, dated `on`.
    async fn reverse_spending(&self, id: Id, on: Date, reason: &str) -> StoreResult<Spending>;
    async fn spending(&self, id: Id) -> StoreResult<SpendingRow>;
    /// A work's spending (`Some`), or a grant's (`None` work, `grant_id`), oldest first.
    async fn spending_of(&self, grant_id: Id, work_id: Option<Id>) -> StoreResult<Vec<SpendingRow>>;

    /// Reports physical progress; the work takes it as its progress.
    async fn add_progress(&self, work_id: Id, new: &NewProgress) -> StoreResult<Progress>;
    async fn progress_of(&self, work_id: Id) -> StoreResult<Vec<Progress>>;
    /// The work a progress report is about.
    async fn progress_work(&self, progress_id: Id) -> StoreResult<Id>;
    /// Hands a finished work to a maintenance group.
    async fn hand_over(&self, work_id: Id, h: &Handover, version: Version) -> StoreResult<Work>;
    /// Records a maintenance visit by the work's keeper.
    async fn add_upkeep(&self, work_id: Id, new: &NewUpkeep) -> StoreResult<Upkeep>;
    async fn upkeep_of(&self, work_id: Id) -> StoreResult<Vec<Upkeep>>;

    /// Budget against realisation per work, unit and the grant.
    async fn grant_report(&self, grant_id: Id) -> StoreResult<GrantReport>;
}

// --- Rows -----------------------------------------------------------------------------------

const GRANT_SELECT: &str = "SELECT g.id, g.program_id, g.name, g.source, g.year, g.amount_rp, g.recipient_group_id, \
     g.region, g.note, g.version, gr.name AS recipient_name, r.name AS region_name, \
     (SELECT CAST(COALESCE(sum(u.amount_rp), 0) AS bigint) FROM grant_units u WHERE u.grant_id = g.id) AS allocated_rp, \
     (SELECT CAST(COALESCE(sum(t.amount_rp), 0) AS bigint) FROM grant_tranches t WHERE t.grant_id = g.id AND t.status = 'received') \
     AS received_rp, \
     (SELECT CAST(COALESCE(sum(s.amount_rp), 0) AS bigint) FROM work_spending s JOIN works w ON w.id = s.work_id \
     JOIN grant_units u ON u.id = w.unit_id WHERE u.grant_id = g.id) AS spent_rp \
     FROM grants g JOIN groups gr ON gr.id = g.recipient_group_id JOIN regions r ON r.code = g.region";

fn grant_of(row: &Row) -> StoreResult<Grant> {
    Ok(Grant {
        id: row.int("id")?,
        program_id: row.int("program_id")?,
        name: row.text("name")?,
        source: row.text("source")?,
        year: row.int("year")? as i32,
        amount_rp: row.int("amount_rp")?,
        recipient_group_id: row.int("recipient_group_id")?,
        region: row.parsed("region", RegionCode::parse)?,
        note: row.opt_text("note")?,
        version: row.int("version")?,
    })
}

fn grant_row(row: &Row) -> StoreResult<GrantRow> {
    Ok(GrantRow {
        grant: grant_of(row)?,
        recipient_name: row.text("recipient_name")?,
        region_name: row.text("region_name")?,
        allocated_rp: row.int("allocated_rp")?,
        received_rp: row.int("received_rp")?,
        spent_rp: row.int("spent_rp")?,
    })
}

async fn grants_where(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<GrantRow>> {
    let mut sql = Sql::new(GRANT_SELECT);
    sql.push(" WHERE ").append(&cond).push(" ORDER BY g.year DESC, g.id");
    rows(c, &sql).await?.iter().map(grant_row).collect()
}

async fn grant_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<GrantRow> {
    let mut cond = Sql::new("g.id = ");
    cond.bind(id);
    grants_where(c, cond).await?.into_iter().next().ok_or(StoreError::NotFound { entity: "grant" })
}

const TRANCHE_COLUMNS: &str =
    "id, grant_id, seq, amount_rp, planned_on, conditions, status, approved_by, approved_on, received_on, version";

fn tranche_row(row: &Row) -> StoreResult<Tranche> {
    Ok(Tranche {
        id: row.int("id")?,
        grant_id: row.int("grant_id")?,
        seq: row.int("seq")? as i32,
        amount_rp: row.int("amount_rp")?,
        planned_on: row.date("planned_on")?,
        conditions: row.opt_text("conditions")?,
        status: row.parsed("status", TrancheStatus::parse)?,
        approved_by: row.opt_text("approved_by")?,
        approved_on: row.opt_date("approved_on")?,
        received_on: row.opt_date("received_on")?,
        version: row.int("version")?,
    })
}

async fn tranche_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Tranche> {
    let mut sql = Sql::new(format!("SELECT {TRANCHE_COLUMNS} FROM grant_tranches WHERE id = "));
    sql.bind(id);
    first(c, &sql).await?.as_ref().map(tranche_row).transpose()?.ok_or(StoreError::NotFound { entity: "tranche" })
}

const UNIT_COLUMNS: &str = "id, grant_id, name, region, rt, rw, amount_rp, version";

fn unit_row(row: &Row) -> StoreResult<Unit> {
    Ok(Unit {
        id: row.int("id")?,
        grant_id: row.int("grant_id")?,
        name: row.text("name")?,
        region: row.parsed("region", RegionCode::parse)?,
        rt: row.opt_text("rt")?,
        rw: row.opt_text("rw")?,
        amount_rp: row.int("amount_rp")?,
        version: row.int("version")?,
    })
}

async fn unit_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Unit> {
    let mut sql = Sql::new(format!("SELECT {UNIT_COLUMNS} FROM grant_units WHERE id = "));
    sql.bind(id);
    first(c, &sql).await?.as_ref().map(unit_row).transpose()?.ok_or(StoreError::NotFound { entity: "unit" })
}

const WORK_SELECT: &str = "SELECT w.id, w.unit_id, w.kind, w.name, w.volume_milli, w.volume_unit, w.location, \
     w.budget_rp, w.swadaya_cash_rp, w.swadaya_labour_rp, w.builder, w.builder_group_id, w.progress_pct, \
     w.keeper_group_id, w.handed_over_on, w.maintain_every_days, w.version, u.name AS unit_name, \
     u.region AS unit_region, u.rt AS unit_rt, u.rw AS unit_rw, g.id AS grant_id, g.name AS grant_name, \
     g.program_id, g.recipient_group_id, k.name AS keeper_name, \
     (SELECT CAST(COALESCE(sum(s.amount_rp), 0) AS bigint) FROM work_spending s WHERE s.work_id = w.id) AS spent_rp, \
     (SELECT max(x.done_on) FROM work_upkeep x WHERE x.work_id = w.id) AS last_upkeep \
     FROM works w JOIN grant_units u ON u.id = w.unit_id JOIN grants g ON g.id = u.grant_id \
     LEFT JOIN groups k ON k.id = w.keeper_group_id";

fn work_of(row: &Row) -> StoreResult<Work> {
    Ok(Work {
        id: row.int("id")?,
        unit_id: row.int("unit_id")?,
        kind: row.parsed("kind", WorkKind::parse)?,
        name: row.text("name")?,
        volume_milli: row.int("volume_milli")?,
        volume_unit: row.text("volume_unit")?,
        location: row.opt_text("location")?,
        budget_rp: row.int("budget_rp")?,
        swadaya_cash_rp: row.int("swadaya_cash_rp")?,
        swadaya_labour_rp: row.int("swadaya_labour_rp")?,
        builder: row.text("builder")?,
        builder_group_id: row.opt_int("builder_group_id")?,
        progress_pct: row.int("progress_pct")? as i32,
        keeper_group_id: row.opt_int("keeper_group_id")?,
        handed_over_on: row.opt_date("handed_over_on")?,
        maintain_every_days: row.opt_int("maintain_every_days")?.map(|d| d as i32),
        version: row.int("version")?,
    })
}

fn work_row(row: &Row) -> StoreResult<WorkRow> {
    Ok(WorkRow {
        work: work_of(row)?,
        unit_name: row.text("unit_name")?,
        unit_region: row.parsed("unit_region", RegionCode::parse)?,
        unit_rt: row.opt_text("unit_rt")?,
        unit_rw: row.opt_text("unit_rw")?,
        grant_id: row.int("grant_id")?,
        grant_name: row.text("grant_name")?,
        program_id: row.int("program_id")?,
        recipient_group_id: row.int("recipient_group_id")?,
        spent_rp: row.int("spent_rp")?,
        keeper_name: row.opt_text("keeper_name")?,
        last_upkeep: row.opt_date("last_upkeep")?,
    })
}

async fn works_where(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<WorkRow>> {
    let mut sql = Sql::new(WORK_SELECT);
    sql.push(" WHERE ").append(&cond).push(" ORDER BY u.id, w.id");
    rows(c, &sql).await?.iter().map(work_row).collect()
}

async fn work_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<WorkRow> {
    let mut cond = Sql::new("w.id = ");
    cond.bind(id);
    works_where(c, cond).await?.into_iter().next().ok_or(StoreError::NotFound { entity: "work" })
}

const SPENDING_SELECT: &str = "SELECT s.id, s.work_id, s.spent_on, s.item, s.amount_rp, s.reverses_id, \
     s.override_reason, s.recorded_by, s.recorded_at, w.name AS work_name, \
     EXISTS (SELECT 1 FROM work_spending r WHERE r.reverses_id = s.id) AS reversed \
     FROM work_spending s JOIN works w ON w.id = s.work_id JOIN grant_units u ON u.id = w.unit_id";

async fn spending_where(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<SpendingRow>> {
    let mut sql = Sql::new(SPENDING_SELECT);
    sql.push(" WHERE ").append(&cond).push(" ORDER BY s.spent_on, s.id");
    let mut list = Vec::new();
    for row in rows(c, &sql).await? {
        list.push(SpendingRow {
            spending: Spending {
                id: row.int("id")?,
                work_id: row.int("work_id")?,
                spent_on: row.date("spent_on")?,
                item: row.text("item")?,
                amount_rp: row.int("amount_rp")?,
                receipt_id: None,
                reverses_id: row.opt_int("reverses_id")?,
                override_reason: row.opt_text("override_reason")?,
                recorded_by: row.text("recorded_by")?,
                recorded_at: row.time("recorded_at")?,
            },
            reversed: row.bool("reversed")?,
            work_name: row.text("work_name")?,
            receipts: Vec::new(),
        });
    }
    if !list.is_empty() {
        let mut q = Sql::new("SELECT id, entity_id FROM attachments WHERE entity = 'work_spending' AND entity_id IN ");
        q.list(list.iter().map(|s| s.spending.id)).push(" ORDER BY id");
        for r in rows(c, &q).await? {
            let owner = r.int("entity_id")?;
            if let Some(s) = list.iter_mut().find(|s| s.spending.id == owner) {
                s.receipts.push(r.int("id")?);
                s.spending.receipt_id = s.spending.receipt_id.or(Some(r.int("id")?));
            }
        }
    }
    Ok(list)
}

async fn spending_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<SpendingRow> {
    let mut cond = Sql::new("s.id = ");
    cond.bind(id);
    spending_where(c, cond).await?.into_iter().next().ok_or(StoreError::NotFound { entity: "spending" })
}

fn progress_row(row: &Row) -> StoreResult<Progress> {
    Ok(Progress {
        id: row.int("id")?,
        work_id: row.int("work_id")?,
        on: row.date("on_date")?,
        percent: row.int("percent")? as i32,
        note: row.opt_text("note")?,
        photo_id: row.opt_int("photo_id")?,
    })
}

fn upkeep_row(row: &Row) -> StoreResult<Upkeep> {
    Ok(Upkeep {
        id: row.int("id")?,
        work_id: row.int("work_id")?,
        group_id: row.int("group_id")?,
        done_on: row.date("done_on")?,
        cost_rp: row.int("cost_rp")?,
        condition: row.parsed("condition", WorkCondition::parse)?,
        note: row.opt_text("note")?,
    })
}

// --- Rules ----------------------------------------------------------------------------------

/// Locks the grant's row for the rest of the transaction and answers its amount.
async fn lock_grant(c: &mut dyn Conn, grant_id: Id) -> StoreResult<i64> {
    let mut sql = Sql::new("SELECT amount_rp FROM grants WHERE id = ");
    sql.bind(grant_id);
    if first(c, &sql).await?.is_none() {
        return Err(StoreError::NotFound { entity: "grant" });
    }
    let mut lock = Sql::new("INSERT INTO grant_locks (grant_id, seq) VALUES (");
    lock.bind(grant_id).push(", 1) ON CONFLICT (grant_id) DO UPDATE SET seq = grant_locks.seq + 1");
    exec(c, &lock).await?;
    // Read again under the lock: a concurrent change of the amount has committed by now.
    first(c, &sql).await?.ok_or(StoreError::NotFound { entity: "grant" })?.int("amount_rp")
}

async fn sum(c: &mut dyn Conn, sql: Sql) -> StoreResult<i64> {
    Ok(first(c, &sql).await?.map(|r| r.int("total")).transpose()?.unwrap_or(0))
}

async fn allocated_except(c: &mut dyn Conn, grant_id: Id, except: Option<Id>) -> StoreResult<i64> {
    let mut sql =
        Sql::new("SELECT CAST(COALESCE(sum(amount_rp), 0) AS bigint) AS total FROM grant_units WHERE grant_id = ");
    sql.bind(grant_id);
    if let Some(id) = except {
        sql.push(" AND id <> ").bind(id);
    }
    sum(c, sql).await
}

async fn tranches_total(c: &mut dyn Conn, grant_id: Id, received_only: bool) -> StoreResult<i64> {
    let mut sql =
        Sql::new("SELECT CAST(COALESCE(sum(amount_rp), 0) AS bigint) AS total FROM grant_tranches WHERE grant_id = ");
    sql.bind(grant_id);
    if received_only {
        sql.push(" AND status = 'received'");
    }
    sum(c, sql).await
}

async fn spent_total(c: &mut dyn Conn, grant_id: Id) -> StoreResult<i64> {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(sum(s.amount_rp), 0) AS bigint) AS total FROM work_spending s JOIN works w ON w.id = s.work_id \
         JOIN grant_units u ON u.id = w.unit_id WHERE u.grant_id = ",
    );
    sql.bind(grant_id);
    sum(c, sql).await
}

fn grant_values(n: &NewGrant) -> Vec<(&'static str, Value)> {
    vec![
        ("program_id", n.program_id.into()),
        ("name", n.name.as_str().into()),
        ("name_key", kit::key(&n.name).into()),
        ("source", n.source.as_str().into()),
        ("year", n.year.into()),
        ("amount_rp", n.amount_rp.into()),
        ("recipient_group_id", n.recipient_group_id.into()),
        ("region", n.region.as_str().into()),
        ("note", n.note.clone().into()),
    ]
}

fn grant_refs(n: &NewGrant) -> Vec<Reference> {
    vec![
        Reference::id("program_id", "programs", "program", n.program_id),
        Reference::id("recipient_group_id", "groups", "group", n.recipient_group_id),
        Reference::region("region", &n.region),
    ]
}

fn unit_values(n: &NewUnit) -> Vec<(&'static str, Value)> {
    vec![
        ("name", n.name.as_str().into()),
        ("region", n.region.as_str().into()),
        ("rt", n.rt.clone().into()),
        ("rw", n.rw.clone().into()),
        ("amount_rp", n.amount_rp.into()),
    ]
}

fn work_values(n: &NewWork) -> Vec<(&'static str, Value)> {
    vec![
        ("kind", n.kind.code().into()),
        ("name", n.name.as_str().into()),
        ("volume_milli", n.volume_milli.into()),
        ("volume_unit", n.volume_unit.as_str().into()),
        ("location", n.location.clone().into()),
        ("budget_rp", n.budget_rp.into()),
        ("swadaya_cash_rp", n.swadaya_cash_rp.into()),
        ("swadaya_labour_rp", n.swadaya_labour_rp.into()),
        ("builder", n.builder.as_str().into()),
        ("builder_group_id", n.builder_group_id.into()),
        ("maintain_every_days", n.maintain_every_days.into()),
    ]
}

fn builder_ref(n: &NewWork) -> Vec<Reference> {
    n.builder_group_id.map(|g| Reference::id("builder_group_id", "groups", "group", g)).into_iter().collect()
}

fn unique_unit(e: StoreError) -> StoreError {
    kit::on_duplicate(e, Some(("name", "the grant already has a unit with this name")))
}

#[async_trait]
impl<B: Backend> GrantStore for B {
    async fn create_grant(&self, new: &NewGrant) -> StoreResult<Grant> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, grant_refs(&n)).await?;
                let id = insert_row(c, "grants", grant_values(&n)).await?;
                Ok(grant_by_id(c, id).await?.grant)
            })
        }))
        .await
    }

    async fn update_grant(&self, id: Id, new: &NewGrant, version: Version) -> StoreResult<Grant> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, grant_refs(&n)).await?;
                lock_grant(c, id).await?;
                let floor = allocated_except(c, id, None).await?.max(tranches_total(c, id, false).await?);
                if n.amount_rp < floor {
                    return Err(Invalid::one(
                        "amount",
                        format!(
                            "must not be below what is already allocated or scheduled in tranches ({})",
                            berdaya_domain::agriculture::machine::format_rupiah(floor)
                        ),
                    )
                    .into());
                }
                update_row(c, "grants", "grant", id, grant_values(&n), version).await?;
                Ok(grant_by_id(c, id).await?.grant)
            })
        }))
        .await
    }

    async fn grant(&self, id: Id) -> StoreResult<GrantRow> {
        self.read(job(move |c| Box::pin(async move { grant_by_id(c, id).await }))).await
    }

    async fn program_grants(&self, program_id: Id) -> StoreResult<Vec<GrantRow>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("g.program_id = ");
                cond.bind(program_id);
                grants_where(c, cond).await
            })
        }))
        .await
    }

    async fn region_grants(&self, code: &RegionCode) -> StoreResult<Vec<GrantRow>> {
        let code = code.clone();
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = kit::subtree("g.region", code.as_str());
                cond.push(" OR EXISTS (SELECT 1 FROM grant_units u WHERE u.grant_id = g.id AND ")
                    .append(&kit::subtree("u.region", code.as_str()))
                    .push(")");
                let mut wrapped = Sql::new("(");
                wrapped.append(&cond).push(")");
                grants_where(c, wrapped).await
            })
        }))
        .await
    }

    async fn group_grants(&self, group_id: Id) -> StoreResult<Vec<GrantRow>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("g.recipient_group_id = ");
                cond.bind(group_id);
                grants_where(c, cond).await
            })
        }))
        .await
    }

    async fn add_tranche(&self, grant_id: Id, new: &NewTranche) -> StoreResult<Tranche> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let amount = lock_grant(c, grant_id).await?;
                tranches_fit(amount, tranches_total(c, grant_id, false).await?, n.amount_rp)?;
                let mut q = Sql::new("SELECT COALESCE(max(seq), 0) + 1 AS total FROM grant_tranches WHERE grant_id = ");
                q.bind(grant_id);
                let seq = sum(c, q).await?;
                let id = insert_row(
                    c,
                    "grant_tranches",
                    vec![
                        ("grant_id", grant_id.into()),
                        ("seq", seq.into()),
                        ("amount_rp", n.amount_rp.into()),
                        ("planned_on", n.planned_on.into()),
                        ("conditions", n.conditions.clone().into()),
                    ],
                )
                .await?;
                tranche_by_id(c, id).await
            })
        }))
        .await
    }

    async fn step_tranche(&self, id: Id, step: &TrancheStep, version: Version) -> StoreResult<Tranche> {
        let step = step.clone();
        let by = current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                let t = tranche_by_id(c, id).await?;
                if t.version != version {
                    return Err(StoreError::Conflict { entity: "tranche", expected: version, actual: t.version });
                }
                t.check_step(&step)?;
                let values = match step {
                    TrancheStep::Approve { on } => vec![
                        ("status", Value::from("approved")),
                        ("approved_on", on.into()),
                        ("approved_by", by.as_str().into()),
                    ],
                    TrancheStep::Receive { on } => {
                        vec![("status", Value::from("received")), ("received_on", on.into())]
                    }
                };
                update_row(c, "grant_tranches", "tranche", id, values, version).await?;
                tranche_by_id(c, id).await
            })
        }))
        .await
    }

    async fn tranche(&self, id: Id) -> StoreResult<Tranche> {
        self.read(job(move |c| Box::pin(async move { tranche_by_id(c, id).await }))).await
    }

    async fn tranches(&self, grant_id: Id) -> StoreResult<Vec<Tranche>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(format!("SELECT {TRANCHE_COLUMNS} FROM grant_tranches WHERE grant_id = "));
                sql.bind(grant_id).push(" ORDER BY seq");
                rows(c, &sql).await?.iter().map(tranche_row).collect()
            })
        }))
        .await
    }

    async fn add_unit(&self, grant_id: Id, new: &NewUnit) -> StoreResult<Unit> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::region("region", &n.region)]).await?;
                let amount = lock_grant(c, grant_id).await?;
                allocation_fits(amount, allocated_except(c, grant_id, None).await?, n.amount_rp)?;
                let mut values = vec![("grant_id", Value::from(grant_id))];
                values.extend(unit_values(&n));
                let id = insert_row(c, "grant_units", values).await.map_err(unique_unit)?;
                unit_by_id(c, id).await
            })
        }))
        .await
    }

    async fn update_unit(&self, id: Id, new: &NewUnit, version: Version) -> StoreResult<Unit> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::region("region", &n.region)]).await?;
                let unit = unit_by_id(c, id).await?;
                let amount = lock_grant(c, unit.grant_id).await?;
                allocation_fits(amount, allocated_except(c, unit.grant_id, Some(id)).await?, n.amount_rp)?;
                update_row(c, "grant_units", "unit", id, unit_values(&n), version).await.map_err(unique_unit)?;
                unit_by_id(c, id).await
            })
        }))
        .await
    }

    async fn unit(&self, id: Id) -> StoreResult<Unit> {
        self.read(job(move |c| Box::pin(async move { unit_by_id(c, id).await }))).await
    }

    async fn units(&self, grant_id: Id) -> StoreResult<Vec<Unit>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(format!("SELECT {UNIT_COLUMNS} FROM grant_units WHERE grant_id = "));
                sql.bind(grant_id).push(" ORDER BY id");
                rows(c, &sql).await?.iter().map(unit_row).collect()
            })
        }))
        .await
    }

    async fn add_work(&self, unit_id: Id, new: &NewWork) -> StoreResult<Work> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                unit_by_id(c, unit_id).await?;
                check_references(c, builder_ref(&n)).await?;
                let mut values = vec![("unit_id", Value::from(unit_id))];
                values.extend(work_values(&n));
                let id = insert_row(c, "works", values).await?;
                Ok(work_by_id(c, id).await?.work)
            })
        }))
        .await
    }

    async fn update_work(&self, id: Id, new: &NewWork, version: Version) -> StoreResult<Work> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, builder_ref(&n)).await?;
                update_row(c, "works", "work", id, work_values(&n), version).await?;
                Ok(work_by_id(c, id).await?.work)
            })
        }))
        .await
    }

    async fn work(&self, id: Id) -> StoreResult<WorkRow> {
        self.read(job(move |c| Box::pin(async move { work_by_id(c, id).await }))).await
    }

    async fn grant_works(&self, grant_id: Id) -> StoreResult<Vec<WorkRow>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("g.id = ");
                cond.bind(grant_id);
                works_where(c, cond).await
            })
        }))
        .await
    }

    async fn region_works(&self, code: &RegionCode, rt: Option<&str>, rw: Option<&str>) -> StoreResult<Vec<WorkRow>> {
        let (code, rt, rw) = (code.clone(), rt.map(str::to_string), rw.map(str::to_string));
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = kit::subtree("u.region", code.as_str());
                if let Some(rt) = rt {
                    cond.push(" AND (u.rt IS NULL OR u.rt = ").bind(rt).push(")");
                }
                if let Some(rw) = rw {
                    cond.push(" AND (u.rw IS NULL OR u.rw = ").bind(rw).push(")");
                }
                works_where(c, cond).await
            })
        }))
        .await
    }

    async fn kept_works(&self, group_id: Id) -> StoreResult<Vec<WorkRow>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("w.keeper_group_id = ");
                cond.bind(group_id);
                works_where(c, cond).await
            })
        }))
        .await
    }

    async fn add_spending(&self, work_id: Id, new: &NewSpending) -> StoreResult<Spending> {
        let n = new.clone();
        let by = current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                let w = work_by_id(c, work_id).await?;
                lock_grant(c, w.grant_id).await?;
                let received = tranches_total(c, w.grant_id, true).await?;
                let spent = spent_total(c, w.grant_id).await?;
                spending_fits(received, spent, n.amount_rp, n.override_reason.is_some())?;
                let id = insert_row(
                    c,
                    "work_spending",
                    vec![
                        ("work_id", work_id.into()),
                        ("spent_on", n.spent_on.into()),
                        ("item", n.item.as_str().into()),
                        ("amount_rp", n.amount_rp.into()),
                        ("override_reason", n.override_reason.clone().into()),
                        ("recorded_by", by.as_str().into()),
                        ("recorded_at", Value::Time(kit::now())),
                    ],
                )
                .await?;
                Ok(spending_by_id(c, id).await?.spending)
            })
        }))
        .await
    }

    async fn reverse_spending(&self, id: Id, on: Date, reason: &str) -> StoreResult<Spending> {
        let reason = reason.to_string();
        let by = current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                let s = spending_by_id(c, id).await?;
                if s.spending.reverses_id.is_some() {
                    return Err(Invalid::one("entry", "a reversing entry cannot itself be reversed").into());
                }
                if s.reversed {
                    return Err(Invalid::one("entry", "the entry has already been reversed").into());
                }
                if on < s.spending.spent_on {
                    return Err(Invalid::one("on", "a reversal must not be dated before the entry it reverses").into());
                }
                let rid = insert_row(
                    c,
                    "work_spending",
                    vec![
                        ("work_id", s.spending.work_id.into()),
                        ("spent_on", on.into()),
                        ("item", format!("Koreksi: {}", s.spending.item).into()),
                        ("amount_rp", (-s.spending.amount_rp).into()),
                        ("reverses_id", id.into()),
                        ("override_reason", Some(reason.clone()).into()),
                        ("recorded_by", by.as_str().into()),
                        ("recorded_at", Value::Time(kit::now())),
                    ],
                )
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate { .. } => Invalid::one("entry", "the entry has already been reversed").into(),
                    e => e,
                })?;
                Ok(spending_by_id(c, rid).await?.spending)
            })
        }))
        .await
    }

    async fn spending(&self, id: Id) -> StoreResult<SpendingRow> {
        self.read(job(move |c| Box::pin(async move { spending_by_id(c, id).await }))).await
    }

    async fn spending_of(&self, grant_id: Id, work_id: Option<Id>) -> StoreResult<Vec<SpendingRow>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("u.grant_id = ");
                cond.bind(grant_id);
                if let Some(w) = work_id {
                    cond.push(" AND s.work_id = ").bind(w);
                }
                spending_where(c, cond).await
            })
        }))
        .await
    }

    async fn add_progress(&self, work_id: Id, new: &NewProgress) -> StoreResult<Progress> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let mut lock = Sql::new("UPDATE works SET version = version + 1 WHERE id = ");
                lock.bind(work_id);
                if exec(c, &lock).await? == 0 {
                    return Err(StoreError::NotFound { entity: "work" });
                }
                let mut q = Sql::new("SELECT on_date, percent FROM work_progress WHERE work_id = ");
                q.bind(work_id).push(" ORDER BY on_date DESC, percent DESC LIMIT 1");
                let last = match first(c, &q).await? {
                    Some(r) => Some((r.date("on_date")?, r.int("percent")? as i32)),
                    None => None,
                };
                progress_follows(last, &n)?;
                let id = insert_row(
                    c,
                    "work_progress",
                    vec![
                        ("work_id", work_id.into()),
                        ("on_date", n.on.into()),
                        ("percent", n.percent.into()),
                        ("note", n.note.clone().into()),
                    ],
                )
                .await?;
                let mut up = Sql::new("UPDATE works SET progress_pct = ");
                up.bind(n.percent).push(" WHERE id = ").bind(work_id);
                exec(c, &up).await?;
                let mut q = Sql::new(PROGRESS_SELECT);
                q.push(" WHERE p.id = ").bind(id);
                first(c, &q)
                    .await?
                    .as_ref()
                    .map(progress_row)
                    .transpose()?
                    .ok_or(StoreError::NotFound { entity: "progress" })
            })
        }))
        .await
    }

    async fn progress_of(&self, work_id: Id) -> StoreResult<Vec<Progress>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(PROGRESS_SELECT);
                q.push(" WHERE p.work_id = ").bind(work_id).push(" ORDER BY p.on_date, p.id");
                rows(c, &q).await?.iter().map(progress_row).collect()
            })
        }))
        .await
    }

    async fn progress_work(&self, progress_id: Id) -> StoreResult<Id> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new("SELECT work_id FROM work_progress WHERE id = ");
                q.bind(progress_id);
                first(c, &q).await?.ok_or(StoreError::NotFound { entity: "progress" })?.int("work_id")
            })
        }))
        .await
    }

    async fn hand_over(&self, work_id: Id, h: &Handover, version: Version) -> StoreResult<Work> {
        let h = h.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("keeper_group_id", "groups", "group", h.keeper_group_id)])
                    .await?;
                let w = work_by_id(c, work_id).await?;
                w.work.check_handover()?;
                update_row(
                    c,
                    "works",
                    "work",
                    work_id,
                    vec![
                        ("keeper_group_id", h.keeper_group_id.into()),
                        ("handed_over_on", h.on.into()),
                        ("maintain_every_days", h.maintain_every_days.into()),
                    ],
                    version,
                )
                .await?;
                Ok(work_by_id(c, work_id).await?.work)
            })
        }))
        .await
    }

    async fn add_upkeep(&self, work_id: Id, new: &NewUpkeep) -> StoreResult<Upkeep> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let w = work_by_id(c, work_id).await?;
                let (Some(keeper), Some(handed)) = (w.work.keeper_group_id, w.work.handed_over_on) else {
                    return Err(Invalid::one("work", "the work has not been handed over to a maintenance group").into());
                };
                if n.done_on < handed {
                    return Err(Invalid::one("done_on", "must not be before the handover").into());
                }
                let id = insert_row(
                    c,
                    "work_upkeep",
                    vec![
                        ("work_id", work_id.into()),
                        ("group_id", keeper.into()),
                        ("done_on", n.done_on.into()),
                        ("cost_rp", n.cost_rp.into()),
                        ("condition", n.condition.code().into()),
                        ("note", n.note.clone().into()),
                    ],
                )
                .await?;
                let mut q = Sql::new(format!("{UPKEEP_SELECT} WHERE id = "));
                q.bind(id);
                first(c, &q)
                    .await?
                    .as_ref()
                    .map(upkeep_row)
                    .transpose()?
                    .ok_or(StoreError::NotFound { entity: "maintenance" })
            })
        }))
        .await
    }

    async fn upkeep_of(&self, work_id: Id) -> StoreResult<Vec<Upkeep>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(format!("{UPKEEP_SELECT} WHERE work_id = "));
                q.bind(work_id).push(" ORDER BY done_on, id");
                rows(c, &q).await?.iter().map(upkeep_row).collect()
            })
        }))
        .await
    }

    async fn grant_report(&self, grant_id: Id) -> StoreResult<GrantReport> {
        self.read(job(move |c| {
            Box::pin(async move {
                let grant = grant_by_id(c, grant_id).await?;
                let mut q = Sql::new(format!("SELECT {TRANCHE_COLUMNS} FROM grant_tranches WHERE grant_id = "));
                q.bind(grant_id).push(" ORDER BY seq");
                let tranches = rows(c, &q).await?.iter().map(tranche_row).collect::<StoreResult<Vec<_>>>()?;
                let mut q = Sql::new(format!("SELECT {UNIT_COLUMNS} FROM grant_units WHERE grant_id = "));
                q.bind(grant_id).push(" ORDER BY id");
                let unit_list = rows(c, &q).await?.iter().map(unit_row).collect::<StoreResult<Vec<_>>>()?;
                let mut cond = Sql::new("g.id = ");
                cond.bind(grant_id);
                let works: Vec<(WorkRow, Realisation)> = works_where(c, cond)
                    .await?
                    .into_iter()
                    .map(|w| {
                        let r = Realisation {
                            budget_rp: w.work.budget_rp,
                            spent_rp: w.spent_rp,
                            swadaya_rp: w.work.swadaya_rp(),
                        };
                        (w, r)
                    })
                    .collect();
                let mut total = Realisation::default();
                let units = unit_list
                    .into_iter()
                    .map(|u| {
                        let mut r = Realisation::default();
                        for (w, wr) in &works {
                            if w.work.unit_id == u.id {
                                r.add(wr);
                            }
                        }
                        total.add(&r);
                        (u, r)
                    })
                    .collect();
                Ok(GrantReport { grant, tranches, units, works, total })
            })
        }))
        .await
    }
}

const PROGRESS_SELECT: &str = "SELECT p.id, p.work_id, p.on_date, p.percent, p.note, \
     (SELECT min(a.id) FROM attachments a WHERE a.entity = 'work_progress' AND a.entity_id = p.id) AS photo_id \
     FROM work_progress p";

const UPKEEP_SELECT: &str = "SELECT id, work_id, group_id, done_on, cost_rp, condition, note FROM work_upkeep";
