//! Input aid in the store: members' land, items and the dose table, the cap rule, season
//! plans (computed in one transaction from land and doses, stored as lines so later changes
//! to the table do not rewrite history) and distributions checked against the plan.
//!
//! Declared once on the store kit for both backends.

use async_trait::async_trait;
use berdaya_domain::agriculture::aid::{
    BaseUnit, CapRule, Crop, Distribution, Dose, DoseRate, Item, Land, MemberLand, NewDistribution, NewDose, NewItem,
    NewLand, NewPlan, OverCap, Plan, PlanLine, PlanVsReceived, Season, Term, allocate,
};
use berdaya_domain::registry::{Id, Invalid, Version};

use crate::access::{Actor, current_actor};
use crate::kit::{Backend, Conn, Row, Sql, Value, exec, first, insert_row, job, rows, update_row};
use crate::{StoreError, StoreResult};

/// Planned and received totals of one item in one season of a program (the dashboard's
/// figures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AidSummaryRow {
    pub season: Season,
    pub item_id: Id,
    pub item_name: String,
    pub unit: BaseUnit,
    pub planned: i64,
    pub received: i64,
}

/// A plan with its group totals per item (planned against received).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTotals {
    pub plan: Plan,
    pub items: Vec<PlanVsReceived>,
}

#[async_trait]
pub trait AidStore {
    // Land.
    /// One parcel (a person's land under a crop).
    async fn land(&self, id: Id) -> StoreResult<Land>;
    /// A person's land, by crop then as entered.
    async fn person_land(&self, person_id: Id) -> StoreResult<Vec<Land>>;
    /// The land of a group's members, by member name, crop, then as entered.
    async fn group_land(&self, group_id: Id) -> StoreResult<Vec<Land>>;
    /// Registers land; the person must exist (`Reference` on `person_id`).
    async fn add_land(&self, land: &NewLand) -> StoreResult<Land>;
    /// Changes a parcel if still at `version`.
    async fn update_land(&self, id: Id, land: &NewLand, version: Version) -> StoreResult<Land>;
    /// Removes a parcel (the audit log keeps it).
    async fn remove_land(&self, id: Id) -> StoreResult<()>;

    // Items, doses and the cap rule.
    async fn aid_items(&self) -> StoreResult<Vec<Item>>;
    async fn aid_item(&self, id: Id) -> StoreResult<Item>;
    /// Adds an item; its code is unique (`Duplicate` on `code`).
    async fn create_aid_item(&self, item: &NewItem) -> StoreResult<Item>;
    async fn update_aid_item(&self, id: Id, item: &NewItem, version: Version) -> StoreResult<Item>;
    /// The dose table, by crop then item.
    async fn aid_doses(&self) -> StoreResult<Vec<Dose>>;
    async fn aid_dose(&self, id: Id) -> StoreResult<Dose>;
    /// Adds a row; one per crop and item (`Duplicate` on `item_id`).
    async fn create_aid_dose(&self, dose: &NewDose) -> StoreResult<Dose>;
    async fn update_aid_dose(&self, id: Id, dose: &NewDose, version: Version) -> StoreResult<Dose>;
    /// The cap rule in force and its version.
    async fn aid_rule(&self) -> StoreResult<(CapRule, Version)>;
    async fn set_aid_rule(&self, rule: &CapRule, version: Version) -> StoreResult<(CapRule, Version)>;

    // Plans.
    /// Computes and stores the season plan of a group enrolled in a program, from its members'
    /// land under the plan's crops, the dose table and the cap rule, attributed to the task's
    /// actor. One plan per program, group and season (`Duplicate` on `season`).
    async fn create_aid_plan(&self, plan: &NewPlan) -> StoreResult<Plan>;
    /// Computes a plan again from today's land and doses, while nothing was distributed
    /// against it (else `Invalid` on `plan_id`).
    async fn recompute_aid_plan(&self, plan_id: Id) -> StoreResult<Plan>;
    async fn aid_plan(&self, id: Id) -> StoreResult<Plan>;
    /// A group's plans, newest season first.
    async fn group_aid_plans(&self, group_id: Id) -> StoreResult<Vec<Plan>>;
    /// A program's plans, newest season first, then by group name.
    async fn program_aid_plans(&self, program_id: Id) -> StoreResult<Vec<Plan>>;
    /// A plan's lines, by member name, crop, item.
    async fn aid_plan_lines(&self, plan_id: Id) -> StoreResult<Vec<PlanLine>>;
    /// Planned against received per member and item of a plan (members who received without
    /// a plan line included), by member name then item.
    async fn aid_plan_vs_received(&self, plan_id: Id) -> StoreResult<Vec<PlanVsReceived>>;
    /// A group's plans with their totals per item.
    async fn group_aid_totals(&self, group_id: Id) -> StoreResult<Vec<PlanTotals>>;

    // Distributions.
    /// Records aid handed to a member against a plan. Refused (`Invalid` on `quantity`,
    /// naming the plan figure and what was already received) when it would take the member
    /// past their plan line for the item, unless `override_reason` is given (kept on the row;
    /// the web layer lets only officers give one).
    async fn add_aid_distribution(&self, plan_id: Id, d: &NewDistribution) -> StoreResult<Distribution>;
    /// A plan's distributions, by date then as recorded.
    async fn aid_distributions(&self, plan_id: Id) -> StoreResult<Vec<Distribution>>;

    // Dashboard.
    /// Per season and item of a program's plans: planned and received totals, oldest season
    /// first.
    async fn aid_summary(&self, program_id: Id) -> StoreResult<Vec<AidSummaryRow>>;
}

// --- Rows ----------------------------------------------------------------------------------

fn bad(column: &str, e: impl std::fmt::Display) -> StoreError {
    crate::kit::corrupt(column, e)
}

const LAND_SELECT: &str = "SELECT l.id, l.person_id, p.name AS person_name, l.crop, l.area_m2, l.note, l.version \
     FROM land_parcels l JOIN people p ON p.id = l.person_id";

fn land_row(r: &Row) -> StoreResult<Land> {
    Ok(Land {
        id: r.int("id")?,
        person_id: r.int("person_id")?,
        person_name: r.text("person_name")?,
        crop: r.parsed("crop", Crop::parse)?,
        area_m2: r.int("area_m2")?,
        note: r.opt_text("note")?,
        version: r.int("version")?,
    })
}

const ITEM_SELECT: &str = "SELECT i.id, i.code, i.name, i.kind, i.unit, i.version FROM aid_items i";

fn item_row(r: &Row) -> StoreResult<Item> {
    Ok(Item {
        id: r.int("id")?,
        code: r.text("code")?,
        name: r.text("name")?,
        kind: r.parsed("kind", berdaya_domain::agriculture::aid::ItemKind::parse)?,
        unit: r.parsed("unit", BaseUnit::parse)?,
        version: r.int("version")?,
    })
}

const DOSE_SELECT: &str = "SELECT d.id, d.crop, d.item_id, i.name AS item_name, i.unit, d.per_ha, d.source, d.version \
     FROM aid_doses d JOIN aid_items i ON i.id = d.item_id";

fn dose_row(r: &Row) -> StoreResult<Dose> {
    Ok(Dose {
        id: r.int("id")?,
        crop: r.parsed("crop", Crop::parse)?,
        item_id: r.int("item_id")?,
        item_name: r.text("item_name")?,
        unit: r.parsed("unit", BaseUnit::parse)?,
        per_ha: r.int("per_ha")?,
        source: r.opt_text("source")?,
        version: r.int("version")?,
    })
}

/// The crops of a plan, stored as their codes joined by commas.
fn crops_text(crops: &[Crop]) -> String {
    crops.iter().map(|c| c.code()).collect::<Vec<_>>().join(",")
}

fn parse_crops(s: &str) -> Result<Vec<Crop>, String> {
    s.split(',').filter(|c| !c.is_empty()).map(Crop::parse).collect()
}

const PLAN_SELECT: &str = "SELECT pl.id, pl.program_id, pl.group_id, g.name AS group_name, pl.season_year, \
     pl.season_term, pl.crops, pl.cap_m2, pl.over_cap, pl.computed_by, pl.computed_by_name, pl.computed_at, pl.version \
     FROM aid_plans pl JOIN groups g ON g.id = pl.group_id";

/// Newest season first (MT3 after MT1 in a year, so descending too), then by group.
const PLAN_ORDER: &str = " ORDER BY pl.season_year DESC, pl.season_term DESC, g.name, pl.id";

fn plan_row(r: &Row) -> StoreResult<Plan> {
    let year = i32::try_from(r.int("season_year")?).map_err(|e| bad("season_year", e))?;
    Ok(Plan {
        id: r.int("id")?,
        program_id: r.int("program_id")?,
        group_id: r.int("group_id")?,
        group_name: r.text("group_name")?,
        season: Season { year, term: r.parsed("season_term", Term::parse)? },
        crops: r.parsed("crops", parse_crops)?,
        rule: CapRule { cap_m2: r.int("cap_m2")?, over_cap: r.parsed("over_cap", OverCap::parse)? },
        computed_by: r.opt_int("computed_by")?,
        computed_by_name: r.text("computed_by_name")?,
        computed_at: r.time("computed_at")?,
        version: r.int("version")?,
    })
}

const LINE_SELECT: &str = "SELECT x.id, x.plan_id, x.person_id, p.name AS person_name, x.crop, x.item_id, \
     i.name AS item_name, i.unit, x.eligible_m2, x.per_ha, x.quantity \
     FROM aid_plan_lines x JOIN people p ON p.id = x.person_id JOIN aid_items i ON i.id = x.item_id";

fn line_row(r: &Row) -> StoreResult<PlanLine> {
    Ok(PlanLine {
        id: r.int("id")?,
        plan_id: r.int("plan_id")?,
        person_id: r.int("person_id")?,
        person_name: r.text("person_name")?,
        crop: r.parsed("crop", Crop::parse)?,
        item_id: r.int("item_id")?,
        item_name: r.text("item_name")?,
        unit: r.parsed("unit", BaseUnit::parse)?,
        eligible_m2: r.int("eligible_m2")?,
        per_ha: r.int("per_ha")?,
        quantity: r.int("quantity")?,
    })
}

const DIST_SELECT: &str = "SELECT d.id, d.plan_id, d.person_id, p.name AS person_name, d.item_id, \
     i.name AS item_name, i.unit, d.quantity, d.given_on, d.received_by_person_id, d.received_by_name, d.note, \
     d.override_reason, d.recorded_by_name, d.version \
     FROM aid_distributions d JOIN people p ON p.id = d.person_id JOIN aid_items i ON i.id = d.item_id";

fn dist_row(r: &Row) -> StoreResult<Distribution> {
    Ok(Distribution {
        id: r.int("id")?,
        plan_id: r.int("plan_id")?,
        person_id: r.int("person_id")?,
        person_name: r.text("person_name")?,
        item_id: r.int("item_id")?,
        item_name: r.text("item_name")?,
        unit: r.parsed("unit", BaseUnit::parse)?,
        quantity: r.int("quantity")?,
        given_on: r.date("given_on")?,
        received_by_person_id: r.opt_int("received_by_person_id")?,
        received_by_name: r.opt_text("received_by_name")?,
        note: r.opt_text("note")?,
        override_reason: r.opt_text("override_reason")?,
        recorded_by_name: r.text("recorded_by_name")?,
        version: r.int("version")?,
    })
}

fn vs_row(r: &Row, with_person: bool) -> StoreResult<PlanVsReceived> {
    Ok(PlanVsReceived {
        person_id: if with_person { Some(r.int("person_id")?) } else { None },
        person_name: if with_person { Some(r.text("person_name")?) } else { None },
        item_id: r.int("item_id")?,
        item_name: r.text("item_name")?,
        unit: r.parsed("unit", BaseUnit::parse)?,
        planned: r.int("planned")?,
        received: r.int("received")?,
    })
}

// --- Statements --------------------------------------------------------------------------

/// `base WHERE cond ORDER BY …`: every row.
async fn select<T>(
    c: &mut dyn Conn,
    base: &str,
    cond: Sql,
    order: &str,
    map: fn(&Row) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut sql = Sql::new(base);
    sql.push(" WHERE ").append(&cond).push(order);
    rows(c, &sql).await?.iter().map(map).collect()
}

/// One row by id, or `NotFound { entity }`.
async fn one<T>(
    c: &mut dyn Conn,
    base: &str,
    alias: &str,
    id: Id,
    entity: &'static str,
    map: fn(&Row) -> StoreResult<T>,
) -> StoreResult<T> {
    let mut cond = Sql::new(format!("{alias}.id = "));
    cond.bind(id);
    select(c, base, cond, "", map).await?.into_iter().next().ok_or(StoreError::NotFound { entity })
}

fn eq(col: &str, v: impl Into<Value>) -> Sql {
    let mut s = Sql::new(format!("{col} = "));
    s.bind(v);
    s
}

/// `Reference { field }` unless `table` has a row `id`.
async fn refer(c: &mut dyn Conn, field: &'static str, table: &str, kind: &str, id: Id) -> StoreResult<()> {
    let mut sql = Sql::new(format!("SELECT 1 AS one FROM {table} WHERE id = "));
    sql.bind(id);
    if first(c, &sql).await?.is_some() {
        Ok(())
    } else {
        Err(StoreError::Reference { field, message: format!("{kind} {id} does not exist") })
    }
}

/// A whole-number aggregate (`n`), typed the same on both backends.
async fn sum(c: &mut dyn Conn, sql: &Sql) -> StoreResult<i64> {
    Ok(first(c, sql).await?.map(|r| r.opt_int("n")).transpose()?.flatten().unwrap_or(0))
}

fn land_values(l: &NewLand) -> Vec<(&'static str, Value)> {
    vec![
        ("person_id", l.person_id.into()),
        ("crop", l.crop.code().into()),
        ("area_m2", l.area_m2.into()),
        ("note", l.note.as_deref().into()),
    ]
}

fn item_values(i: &NewItem) -> Vec<(&'static str, Value)> {
    vec![
        ("code", i.code.as_str().into()),
        ("name", i.name.as_str().into()),
        ("kind", i.kind.code().into()),
        ("unit", i.unit.code().into()),
    ]
}

fn dose_values(d: &NewDose) -> Vec<(&'static str, Value)> {
    vec![
        ("crop", d.crop.code().into()),
        ("item_id", d.item_id.into()),
        ("per_ha", d.per_ha.into()),
        ("source", d.source.as_deref().into()),
    ]
}

/// A duplicate crop and item in the dose table, said on `item_id`.
async fn dose_free(c: &mut dyn Conn, d: &NewDose, except: Option<Id>) -> StoreResult<()> {
    let mut sql = Sql::new("SELECT id FROM aid_doses WHERE crop = ");
    sql.bind(d.crop.code()).push(" AND item_id = ").bind(d.item_id);
    if let Some(id) = except {
        sql.push(" AND id <> ").bind(id);
    }
    if first(c, &sql).await?.is_some() {
        return Err(StoreError::Duplicate {
            field: "item_id",
            message: format!("the dose table already has this item for {}", d.crop.code()),
        });
    }
    Ok(())
}

async fn item_code_free(c: &mut dyn Conn, code: &str, except: Option<Id>) -> StoreResult<()> {
    let mut sql = Sql::new("SELECT id FROM aid_items WHERE code = ");
    sql.bind(code);
    if let Some(id) = except {
        sql.push(" AND id <> ").bind(id);
    }
    if first(c, &sql).await?.is_some() {
        return Err(StoreError::Duplicate { field: "code", message: format!("the item code `{code}` is taken") });
    }
    Ok(())
}

async fn read_rule(c: &mut dyn Conn) -> StoreResult<(CapRule, Version)> {
    let row = first(c, &Sql::new("SELECT cap_m2, over_cap, version FROM aid_rules WHERE id = 1"))
        .await?
        .ok_or_else(|| StoreError::Backend("the aid rule row is missing".into()))?;
    Ok((CapRule { cap_m2: row.int("cap_m2")?, over_cap: row.parsed("over_cap", OverCap::parse)? }, row.int("version")?))
}

/// Lines written per INSERT statement.
const LINE_BATCH: usize = 400;

/// Computes the allocation of `plan_id` and writes its lines.
async fn write_lines(c: &mut dyn Conn, plan_id: Id, group_id: Id, crops: &[Crop], rule: CapRule) -> StoreResult<()> {
    // The doses of the plan's crops, in the table's order.
    let mut cond = Sql::new("d.crop IN ");
    cond.list(crops.iter().map(|c| c.code()));
    let doses: Vec<DoseRate> = select(c, DOSE_SELECT, cond, " ORDER BY d.item_id, d.id", dose_row)
        .await?
        .into_iter()
        .map(|d| DoseRate { crop: d.crop, item_id: d.item_id, per_ha: d.per_ha })
        .collect();
    // The members' land under those crops.
    let mut sql = Sql::new(
        "SELECT m.person_id, l.crop, l.area_m2 FROM group_members m JOIN land_parcels l ON l.person_id = m.person_id \
         WHERE m.group_id = ",
    );
    sql.bind(group_id).push(" AND l.crop IN ").list(crops.iter().map(|c| c.code()));
    sql.push(" ORDER BY m.person_id, l.id");
    let mut members: Vec<MemberLand> = Vec::new();
    for r in rows(c, &sql).await? {
        let person_id = r.int("person_id")?;
        let parcel = (r.parsed("crop", Crop::parse)?, r.int("area_m2")?);
        match members.last_mut() {
            Some(m) if m.person_id == person_id => m.parcels.push(parcel),
            _ => members.push(MemberLand { person_id, parcels: vec![parcel] }),
        }
    }
    let lines = allocate(&members, &doses, crops, rule);
    for batch in lines.chunks(LINE_BATCH) {
        let mut sql = Sql::new(
            "INSERT INTO aid_plan_lines (plan_id, person_id, crop, item_id, eligible_m2, per_ha, quantity) VALUES ",
        );
        for (i, l) in batch.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.list([
                Value::Int(plan_id),
                Value::Int(l.person_id),
                Value::Text(l.crop.code().into()),
                Value::Int(l.item_id),
                Value::Int(l.eligible_m2),
                Value::Int(l.per_ha),
                Value::Int(l.quantity),
            ]);
        }
        exec(c, &sql).await?;
    }
    Ok(())
}

fn computed_by(actor: &Actor) -> Vec<(&'static str, Value)> {
    vec![
        ("computed_by", actor.user_id.into()),
        ("computed_by_name", actor.name.as_str().into()),
        ("computed_at", Value::Time(crate::kit::now())),
    ]
}

fn plan_by(field: &str, id: Id) -> Sql {
    eq(field, id)
}

/// Planned against received, grouped by `keys` (`x.person_id, ` or nothing), of the plans
/// `cond` (on `pl`) picks.
fn vs_query(cond: &Sql, per_person: bool) -> Sql {
    let person = if per_person { "x.person_id, p.name AS person_name, p.name_key, " } else { "" };
    let group = if per_person { "x.person_id, p.name, p.name_key, " } else { "" };
    let join = if per_person { " JOIN people p ON p.id = x.person_id" } else { "" };
    let order = if per_person { "p.name_key, x.person_id, x.item_id" } else { "x.item_id" };
    let mut sql = Sql::new(format!(
        "SELECT {person}x.item_id, i.name AS item_name, i.unit, CAST(SUM(x.planned) AS BIGINT) AS planned, \
         CAST(SUM(x.received) AS BIGINT) AS received FROM (\
         SELECT l.person_id, l.item_id, l.quantity AS planned, CAST(0 AS BIGINT) AS received \
         FROM aid_plan_lines l JOIN aid_plans pl ON pl.id = l.plan_id WHERE "
    ));
    sql.append(cond);
    sql.push(
        " UNION ALL SELECT d.person_id, d.item_id, CAST(0 AS BIGINT), d.quantity FROM aid_distributions d \
         JOIN aid_plans pl ON pl.id = d.plan_id WHERE ",
    );
    sql.append(cond);
    sql.push(&format!(
        ") x{join} JOIN aid_items i ON i.id = x.item_id GROUP BY {group}x.item_id, i.name, i.unit ORDER BY {order}"
    ));
    sql
}

#[async_trait]
impl<B: Backend> AidStore for B {
    async fn land(&self, id: Id) -> StoreResult<Land> {
        self.read(job(move |c| Box::pin(async move { one(c, LAND_SELECT, "l", id, "land", land_row).await }))).await
    }

    async fn person_land(&self, person_id: Id) -> StoreResult<Vec<Land>> {
        self.read(job(move |c| {
            Box::pin(async move {
                select(c, LAND_SELECT, eq("l.person_id", person_id), " ORDER BY l.crop, l.id", land_row).await
            })
        }))
        .await
    }

    async fn group_land(&self, group_id: Id) -> StoreResult<Vec<Land>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("l.person_id IN (SELECT person_id FROM group_members WHERE group_id = ");
                cond.bind(group_id).push(")");
                select(c, LAND_SELECT, cond, " ORDER BY p.name_key, l.person_id, l.crop, l.id", land_row).await
            })
        }))
        .await
    }

    async fn add_land(&self, land: &NewLand) -> StoreResult<Land> {
        let l = land.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                refer(c, "person_id", "people", "person", l.person_id).await?;
                let id = insert_row(c, "land_parcels", land_values(&l)).await?;
                one(c, LAND_SELECT, "l", id, "land", land_row).await
            })
        }))
        .await
    }

    async fn update_land(&self, id: Id, land: &NewLand, version: Version) -> StoreResult<Land> {
        let l = land.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                refer(c, "person_id", "people", "person", l.person_id).await?;
                update_row(c, "land_parcels", "land", id, land_values(&l), version).await?;
                one(c, LAND_SELECT, "l", id, "land", land_row).await
            })
        }))
        .await
    }

    async fn remove_land(&self, id: Id) -> StoreResult<()> {
        self.write(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new("DELETE FROM land_parcels WHERE id = ");
                sql.bind(id);
                if exec(c, &sql).await? == 0 { Err(StoreError::NotFound { entity: "land" }) } else { Ok(()) }
            })
        }))
        .await
    }

    async fn aid_items(&self) -> StoreResult<Vec<Item>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let sql = Sql::new(format!("{ITEM_SELECT} ORDER BY i.kind, i.name, i.id"));
                rows(c, &sql).await?.iter().map(item_row).collect()
            })
        }))
        .await
    }

    async fn aid_item(&self, id: Id) -> StoreResult<Item> {
        self.read(job(move |c| Box::pin(async move { one(c, ITEM_SELECT, "i", id, "item", item_row).await }))).await
    }

    async fn create_aid_item(&self, item: &NewItem) -> StoreResult<Item> {
        let i = item.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                item_code_free(c, &i.code, None).await?;
                let id = insert_row(c, "aid_items", item_values(&i)).await?;
                one(c, ITEM_SELECT, "i", id, "item", item_row).await
            })
        }))
        .await
    }

    async fn update_aid_item(&self, id: Id, item: &NewItem, version: Version) -> StoreResult<Item> {
        let i = item.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                item_code_free(c, &i.code, Some(id)).await?;
                let old = one(c, ITEM_SELECT, "i", id, "item", item_row).await?;
                if old.unit != i.unit {
                    let mut used = Sql::new("SELECT 1 AS one FROM aid_doses WHERE item_id = ");
                    used.bind(id).push(" UNION ALL SELECT 1 FROM aid_plan_lines WHERE item_id = ").bind(id);
                    if first(c, &used).await?.is_some() {
                        return Err(Invalid::one(
                            "unit",
                            "cannot change: doses or plans already count this item in its unit",
                        )
                        .into());
                    }
                }
                update_row(c, "aid_items", "item", id, item_values(&i), version).await?;
                one(c, ITEM_SELECT, "i", id, "item", item_row).await
            })
        }))
        .await
    }

    async fn aid_doses(&self) -> StoreResult<Vec<Dose>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let sql = Sql::new(format!("{DOSE_SELECT} ORDER BY d.crop, i.name, d.id"));
                rows(c, &sql).await?.iter().map(dose_row).collect()
            })
        }))
        .await
    }

    async fn aid_dose(&self, id: Id) -> StoreResult<Dose> {
        self.read(job(move |c| Box::pin(async move { one(c, DOSE_SELECT, "d", id, "dose", dose_row).await }))).await
    }

    async fn create_aid_dose(&self, dose: &NewDose) -> StoreResult<Dose> {
        let d = dose.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                refer(c, "item_id", "aid_items", "item", d.item_id).await?;
                dose_free(c, &d, None).await?;
                let id = insert_row(c, "aid_doses", dose_values(&d)).await?;
                one(c, DOSE_SELECT, "d", id, "dose", dose_row).await
            })
        }))
        .await
    }

    async fn update_aid_dose(&self, id: Id, dose: &NewDose, version: Version) -> StoreResult<Dose> {
        let d = dose.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                refer(c, "item_id", "aid_items", "item", d.item_id).await?;
                dose_free(c, &d, Some(id)).await?;
                update_row(c, "aid_doses", "dose", id, dose_values(&d), version).await?;
                one(c, DOSE_SELECT, "d", id, "dose", dose_row).await
            })
        }))
        .await
    }

    async fn aid_rule(&self) -> StoreResult<(CapRule, Version)> {
        self.read(job(move |c| Box::pin(async move { read_rule(c).await }))).await
    }

    async fn set_aid_rule(&self, rule: &CapRule, version: Version) -> StoreResult<(CapRule, Version)> {
        let r = *rule;
        self.write(job(move |c| {
            Box::pin(async move {
                let values = vec![("cap_m2", r.cap_m2.into()), ("over_cap", r.over_cap.code().into())];
                update_row(c, "aid_rules", "aid rule", 1, values, version).await?;
                read_rule(c).await
            })
        }))
        .await
    }

    async fn create_aid_plan(&self, plan: &NewPlan) -> StoreResult<Plan> {
        let p = plan.clone();
        let actor = current_actor();
        self.write(job(move |c| {
            Box::pin(async move {
                refer(c, "program_id", "programs", "program", p.program_id).await?;
                refer(c, "group_id", "groups", "group", p.group_id).await?;
                let mut enrolled = Sql::new("SELECT 1 AS one FROM enrollments WHERE program_id = ");
                enrolled.bind(p.program_id).push(" AND group_id = ").bind(p.group_id);
                if first(c, &enrolled).await?.is_none() {
                    return Err(Invalid::one(
                        "group_id",
                        format!("group {} is not enrolled in program {}", p.group_id, p.program_id),
                    )
                    .into());
                }
                let mut taken = Sql::new("SELECT id FROM aid_plans WHERE program_id = ");
                taken.bind(p.program_id).push(" AND group_id = ").bind(p.group_id);
                taken.push(" AND season_year = ").bind(i64::from(p.season.year));
                taken.push(" AND season_term = ").bind(p.season.term.code());
                if first(c, &taken).await?.is_some() {
                    return Err(StoreError::Duplicate {
                        field: "season",
                        message: format!(
                            "the group already has a plan for {} in this program; recompute it instead",
                            p.season
                        ),
                    });
                }
                let (rule, _) = read_rule(c).await?;
                let mut values: Vec<(&str, Value)> = vec![
                    ("program_id", p.program_id.into()),
                    ("group_id", p.group_id.into()),
                    ("season_year", i64::from(p.season.year).into()),
                    ("season_term", p.season.term.code().into()),
                    ("crops", crops_text(&p.crops).into()),
                    ("cap_m2", rule.cap_m2.into()),
                    ("over_cap", rule.over_cap.code().into()),
                ];
                values.extend(computed_by(&actor));
                let id = insert_row(c, "aid_plans", values).await?;
                write_lines(c, id, p.group_id, &p.crops, rule).await?;
                one(c, PLAN_SELECT, "pl", id, "plan", plan_row).await
            })
        }))
        .await
    }

    async fn recompute_aid_plan(&self, plan_id: Id) -> StoreResult<Plan> {
        let actor = current_actor();
        self.write(job(move |c| {
            Box::pin(async move {
                let plan = one(c, PLAN_SELECT, "pl", plan_id, "plan", plan_row).await?;
                let given = sum(
                    c,
                    Sql::new("SELECT COUNT(*) AS n FROM aid_distributions WHERE ").append(&plan_by("plan_id", plan_id)),
                )
                .await?;
                if given > 0 {
                    return Err(Invalid::one(
                        "plan_id",
                        format!("cannot recompute: {given} distribution(s) were already recorded against this plan"),
                    )
                    .into());
                }
                let mut delete = Sql::new("DELETE FROM aid_plan_lines WHERE plan_id = ");
                delete.bind(plan_id);
                exec(c, &delete).await?;
                let (rule, _) = read_rule(c).await?;
                let mut values: Vec<(&str, Value)> =
                    vec![("cap_m2", rule.cap_m2.into()), ("over_cap", rule.over_cap.code().into())];
                values.extend(computed_by(&actor));
                update_row(c, "aid_plans", "plan", plan_id, values, plan.version).await?;
                write_lines(c, plan_id, plan.group_id, &plan.crops, rule).await?;
                one(c, PLAN_SELECT, "pl", plan_id, "plan", plan_row).await
            })
        }))
        .await
    }

    async fn aid_plan(&self, id: Id) -> StoreResult<Plan> {
        self.read(job(move |c| Box::pin(async move { one(c, PLAN_SELECT, "pl", id, "plan", plan_row).await }))).await
    }

    async fn group_aid_plans(&self, group_id: Id) -> StoreResult<Vec<Plan>> {
        self.read(job(move |c| {
            Box::pin(async move { select(c, PLAN_SELECT, eq("pl.group_id", group_id), PLAN_ORDER, plan_row).await })
        }))
        .await
    }

    async fn program_aid_plans(&self, program_id: Id) -> StoreResult<Vec<Plan>> {
        self.read(job(move |c| {
            Box::pin(async move { select(c, PLAN_SELECT, eq("pl.program_id", program_id), PLAN_ORDER, plan_row).await })
        }))
        .await
    }

    async fn aid_plan_lines(&self, plan_id: Id) -> StoreResult<Vec<PlanLine>> {
        self.read(job(move |c| {
            Box::pin(async move {
                select(
                    c,
                    LINE_SELECT,
                    eq("x.plan_id", plan_id),
                    " ORDER BY p.name_key, x.person_id, x.crop, x.item_id",
                    line_row,
                )
                .await
            })
        }))
        .await
    }

    async fn aid_plan_vs_received(&self, plan_id: Id) -> StoreResult<Vec<PlanVsReceived>> {
        self.read(job(move |c| {
            Box::pin(async move {
                one(c, PLAN_SELECT, "pl", plan_id, "plan", plan_row).await?;
                let sql = vs_query(&eq("pl.id", plan_id), true);
                rows(c, &sql).await?.iter().map(|r| vs_row(r, true)).collect()
            })
        }))
        .await
    }

    async fn group_aid_totals(&self, group_id: Id) -> StoreResult<Vec<PlanTotals>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let plans = select(c, PLAN_SELECT, eq("pl.group_id", group_id), PLAN_ORDER, plan_row).await?;
                let mut out = Vec::with_capacity(plans.len());
                for plan in plans {
                    let sql = vs_query(&eq("pl.id", plan.id), false);
                    let items = rows(c, &sql).await?.iter().map(|r| vs_row(r, false)).collect::<StoreResult<_>>()?;
                    out.push(PlanTotals { plan, items });
                }
                Ok(out)
            })
        }))
        .await
    }

    async fn add_aid_distribution(&self, plan_id: Id, d: &NewDistribution) -> StoreResult<Distribution> {
        let d = d.clone();
        let actor = current_actor();
        self.write(job(move |c| {
            Box::pin(async move {
                if d.quantity <= 0 {
                    return Err(Invalid::one("quantity", "must be more than zero").into());
                }
                let plan = one(c, PLAN_SELECT, "pl", plan_id, "plan", plan_row).await?;
                let item = one(c, ITEM_SELECT, "i", d.item_id, "item", item_row)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound { .. } => StoreError::Reference {
                            field: "item_id",
                            message: format!("item {id} does not exist", id = d.item_id),
                        },
                        e => e,
                    })?;
                refer(c, "person_id", "people", "person", d.person_id).await?;
                let mut member = Sql::new("SELECT 1 AS one FROM group_members WHERE group_id = ");
                member.bind(plan.group_id).push(" AND person_id = ").bind(d.person_id);
                if first(c, &member).await?.is_none() {
                    return Err(Invalid::one(
                        "person_id",
                        format!("person {} is not a member of the plan's group", d.person_id),
                    )
                    .into());
                }
                if let Some(r) = d.received_by_person_id {
                    refer(c, "received_by_person_id", "people", "person", r).await?;
                }
                let of = |table: &str, col: &str| {
                    let mut s = Sql::new(format!("SELECT CAST(COALESCE(SUM({col}), 0) AS BIGINT) AS n FROM {table} WHERE plan_id = "));
                    s.bind(plan_id).push(" AND person_id = ").bind(d.person_id).push(" AND item_id = ").bind(d.item_id);
                    s
                };
                let planned = sum(c, &of("aid_plan_lines", "quantity")).await?;
                let received = sum(c, &of("aid_distributions", "quantity")).await?;
                if received + d.quantity > planned && d.override_reason.is_none() {
                    let unit = item.unit.code();
                    return Err(Invalid::one(
                        "quantity",
                        format!(
                            "exceeds the plan: the plan gives this member {planned} {unit} of {}, {received} {unit} already received; at most {} {unit} more without an override",
                            item.name,
                            (planned - received).max(0)
                        ),
                    )
                    .into());
                }
                let id = insert_row(
                    c,
                    "aid_distributions",
                    vec![
                        ("plan_id", plan_id.into()),
                        ("person_id", d.person_id.into()),
                        ("item_id", d.item_id.into()),
                        ("quantity", d.quantity.into()),
                        ("given_on", d.given_on.into()),
                        ("received_by_person_id", d.received_by_person_id.into()),
                        ("received_by_name", d.received_by_name.as_deref().into()),
                        ("note", d.note.as_deref().into()),
                        ("override_reason", d.override_reason.as_deref().into()),
                        ("recorded_by", actor.user_id.into()),
                        ("recorded_by_name", actor.name.as_str().into()),
                        ("recorded_at", Value::Time(crate::kit::now())),
                    ],
                )
                .await?;
                one(c, DIST_SELECT, "d", id, "distribution", dist_row).await
            })
        }))
        .await
    }

    async fn aid_distributions(&self, plan_id: Id) -> StoreResult<Vec<Distribution>> {
        self.read(job(move |c| {
            Box::pin(async move {
                select(c, DIST_SELECT, eq("d.plan_id", plan_id), " ORDER BY d.given_on, d.id", dist_row).await
            })
        }))
        .await
    }

    async fn aid_summary(&self, program_id: Id) -> StoreResult<Vec<AidSummaryRow>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(
                    "SELECT x.season_year, x.season_term, x.item_id, i.name AS item_name, i.unit, \
                     CAST(SUM(x.planned) AS BIGINT) AS planned, CAST(SUM(x.received) AS BIGINT) AS received FROM (\
                     SELECT pl.season_year, pl.season_term, l.item_id, l.quantity AS planned, CAST(0 AS BIGINT) AS received \
                     FROM aid_plan_lines l JOIN aid_plans pl ON pl.id = l.plan_id WHERE pl.program_id = ",
                );
                sql.bind(program_id);
                sql.push(
                    " UNION ALL SELECT pl.season_year, pl.season_term, d.item_id, CAST(0 AS BIGINT), d.quantity \
                     FROM aid_distributions d JOIN aid_plans pl ON pl.id = d.plan_id WHERE pl.program_id = ",
                );
                sql.bind(program_id);
                sql.push(
                    ") x JOIN aid_items i ON i.id = x.item_id GROUP BY x.season_year, x.season_term, x.item_id, i.name, i.unit \
                     ORDER BY x.season_year, x.season_term, x.item_id",
                );
                let mut out = Vec::new();
                for r in rows(c, &sql).await? {
                    let year = i32::try_from(r.int("season_year")?).map_err(|e| bad("season_year", e))?;
                    out.push(AidSummaryRow {
                        season: Season { year, term: r.parsed("season_term", Term::parse)? },
                        item_id: r.int("item_id")?,
                        item_name: r.text("item_name")?,
                        unit: r.parsed("unit", BaseUnit::parse)?,
                        planned: r.int("planned")?,
                        received: r.int("received")?,
                    });
                }
                Ok(out)
            })
        }))
        .await
    }
}

/// The land area of each of `people` (their parcels added up, every crop), for the survey's
/// `land_area` factor.
pub(crate) async fn land_areas(c: &mut dyn Conn, people: &[Id]) -> StoreResult<Vec<(Id, i64)>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql =
        Sql::new("SELECT person_id, CAST(SUM(area_m2) AS BIGINT) AS area FROM land_parcels WHERE person_id IN ");
    sql.list(people.iter().copied()).push(" GROUP BY person_id");
    rows(c, &sql).await?.iter().map(|r| Ok((r.int("person_id")?, r.int("area")?))).collect()
}
