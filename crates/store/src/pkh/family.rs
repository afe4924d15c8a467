//! PKH families in the store: enrollment of DTKS households (with the program enrollment
//! beside it), the facilitator, member facts, and the status history.
//!
//! Declared once on the store kit for both backends.

use async_trait::async_trait;
use berdaya_domain::pkh::family::{EventKind, Family, FamilyPeriod, NewFact, NewFamily, StatusEvent, StoredFact};
use berdaya_domain::pkh::{FactKind, FamilyStatus, Period, SchoolLevel};
use berdaya_domain::registry::{Id, Invalid, Version};
use time::Date;

use crate::access::current_actor;
use crate::kit::{
    Backend, Conn, Listing, Row, Sql, Value, Where, contains, exec, first, insert_row, job, rows, subtree, update_row,
};
use crate::registry::{HOUSEHOLD_HEAD, Query, households_within, is_in};
use crate::{Page, StoreError, StoreResult};

use super::{FamilyMembers, load_families, rules_for};
use berdaya_domain::pkh::rules::PkhRules;

#[async_trait]
pub trait PkhFamilyStore {
    /// Enrolls a household in a PKH program: reuses the household's enrollment in the program
    /// (enrolled or suspended as it is; a candidate becomes enrolled; an ended one is refused)
    /// or creates one, adds the family (status active)
    /// and its `enrolled` status event, and, with a facilitator, assigns the household to
    /// them. Refused (`Invalid` on `household_id`) when the household is not listed in DTKS
    /// or already a family of the program; `facilitator_id` must be a facilitator.
    async fn enroll_pkh_family(&self, program_id: Id, family: &NewFamily) -> StoreResult<Family>;
    async fn pkh_family(&self, id: Id) -> StoreResult<Family>;
    /// A program's families, by the head's name. Text matches the head's name, the address
    /// or the KK; `region` a village subtree; `within` a facilitator's assignments. Filters:
    /// `status`, `facilitator` (user id).
    async fn pkh_families(&self, program_id: Id, query: &Query) -> StoreResult<Page<Family>>;
    /// The PKH families of a household (one per program), oldest first.
    async fn household_pkh_families(&self, household_id: Id) -> StoreResult<Vec<Family>>;
    /// Sets (or clears) a family's facilitator; the household is assigned to the facilitator
    /// so their scope covers it.
    async fn set_pkh_facilitator(&self, id: Id, facilitator_id: Option<Id>, version: Version) -> StoreResult<Family>;

    /// A family's facts, by member then start.
    async fn pkh_facts(&self, family_id: Id) -> StoreResult<Vec<StoredFact>>;
    async fn pkh_fact(&self, id: Id) -> StoreResult<StoredFact>;
    /// Records a fact about a member of the family's household (`Invalid` on `person_id`
    /// otherwise).
    async fn add_pkh_fact(&self, family_id: Id, fact: &NewFact) -> StoreResult<StoredFact>;
    async fn update_pkh_fact(&self, id: Id, fact: &NewFact, version: Version) -> StoreResult<StoredFact>;
    /// Ends a fact on a date (not before its start).
    async fn end_pkh_fact(&self, id: Id, ends_on: Date, version: Version) -> StoreResult<StoredFact>;

    /// A family's status changes, oldest first.
    async fn pkh_status_events(&self, family_id: Id) -> StoreResult<Vec<StatusEvent>>;
    /// A family's results of closed periods, oldest first.
    async fn pkh_family_periods(&self, family_id: Id) -> StoreResult<Vec<FamilyPeriod>>;
    /// A family's members and facts (what the components are computed from), with the rules
    /// of `year` of its program (stored or the default).
    async fn pkh_family_members(&self, family_id: Id, year: i32) -> StoreResult<(FamilyMembers, PkhRules)>;
}

// --- Rows ----------------------------------------------------------------------------------

fn family_select() -> String {
    format!(
        "SELECT f.id, f.program_id, f.household_id, f.enrollment_id, f.decile, f.facilitator_id, \
         u.display_name AS facilitator_name, f.status, f.consecutive, f.enrolled_on, f.version, \
         {HOUSEHOLD_HEAD} AS head_name, h.address, h.region, r.name AS region_name, h.kk \
         FROM pkh_families f JOIN households h ON h.id = f.household_id \
         LEFT JOIN regions r ON r.code = h.region LEFT JOIN users u ON u.id = f.facilitator_id"
    )
}

fn family_from() -> Sql {
    Sql::new(
        "FROM pkh_families f JOIN households h ON h.id = f.household_id \
         LEFT JOIN regions r ON r.code = h.region LEFT JOIN users u ON u.id = f.facilitator_id",
    )
}

fn family_row(r: &Row) -> StoreResult<Family> {
    Ok(Family {
        id: r.int("id")?,
        program_id: r.int("program_id")?,
        household_id: r.int("household_id")?,
        enrollment_id: r.int("enrollment_id")?,
        decile: r.opt_int("decile")?.map(|d| d as u8),
        facilitator_id: r.opt_int("facilitator_id")?,
        facilitator_name: r.opt_text("facilitator_name")?,
        status: r.parsed("status", FamilyStatus::parse)?,
        consecutive: u32::try_from(r.int("consecutive")?).unwrap_or(0),
        enrolled_on: r.date("enrolled_on")?,
        version: r.int("version")?,
        head_name: r.opt_text("head_name")?,
        address: r.text("address")?,
        region: r.text("region")?,
        region_name: r.opt_text("region_name")?,
        kk: r.int("kk")?,
    })
}

pub(crate) async fn get_family(c: &mut dyn Conn, id: Id) -> StoreResult<Family> {
    let mut sql = Sql::new(family_select());
    sql.push(" WHERE f.id = ").bind(id);
    first(c, &sql).await?.as_ref().map(family_row).transpose()?.ok_or(StoreError::NotFound { entity: "PKH family" })
}

const FACT_SELECT: &str = "SELECT x.id, x.family_id, x.person_id, p.name AS person_name, x.kind, x.level, \
     x.school_name, x.starts_on, x.expected_on, x.ends_on, x.note, x.version \
     FROM pkh_facts x JOIN people p ON p.id = x.person_id";

fn fact_row(r: &Row) -> StoreResult<StoredFact> {
    Ok(StoredFact {
        id: r.int("id")?,
        family_id: r.int("family_id")?,
        person_id: r.int("person_id")?,
        person_name: r.text("person_name")?,
        kind: r.parsed("kind", FactKind::parse)?,
        level: r.opt_parsed("level", SchoolLevel::parse)?,
        school_name: r.opt_text("school_name")?,
        starts_on: r.date("starts_on")?,
        expected_on: r.opt_date("expected_on")?,
        ends_on: r.opt_date("ends_on")?,
        note: r.opt_text("note")?,
        version: r.int("version")?,
    })
}

async fn get_fact(c: &mut dyn Conn, id: Id) -> StoreResult<StoredFact> {
    let mut sql = Sql::new(FACT_SELECT);
    sql.push(" WHERE x.id = ").bind(id);
    first(c, &sql).await?.as_ref().map(fact_row).transpose()?.ok_or(StoreError::NotFound { entity: "PKH fact" })
}

fn fact_values(f: &NewFact) -> Vec<(&'static str, Value)> {
    vec![
        ("person_id", f.person_id.into()),
        ("kind", f.kind.code().into()),
        ("level", f.level.map(SchoolLevel::code).into()),
        ("school_name", f.school_name.as_deref().into()),
        ("starts_on", f.starts_on.into()),
        ("expected_on", f.expected_on.into()),
        ("ends_on", f.ends_on.into()),
        ("note", f.note.as_deref().into()),
    ]
}

/// `Reference` unless `user_id` is an enabled facilitator.
async fn facilitator(c: &mut dyn Conn, user_id: Id) -> StoreResult<()> {
    let mut sql = Sql::new("SELECT role, disabled FROM users WHERE id = ");
    sql.bind(user_id);
    match first(c, &sql).await? {
        Some(r) if r.text("role")? == "facilitator" && !r.bool("disabled")? => Ok(()),
        Some(_) => Err(Invalid::one("facilitator_id", "must be an active facilitator").into()),
        None => {
            Err(StoreError::Reference { field: "facilitator_id", message: format!("user {user_id} does not exist") })
        }
    }
}

/// Assigns a household to a user (idempotent).
async fn assign(c: &mut dyn Conn, user_id: Id, household_id: Id) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO assignments (user_id, household_id) VALUES ");
    sql.list([Value::Int(user_id), Value::Int(household_id)]).push(" ON CONFLICT DO NOTHING");
    exec(c, &sql).await?;
    Ok(())
}

/// Writes a status event attributed to the task's actor.
pub(crate) async fn status_event(
    c: &mut dyn Conn,
    family_id: Id,
    period_id: Option<Id>,
    kind: EventKind,
    status: FamilyStatus,
    reason: Option<&str>,
) -> StoreResult<()> {
    let actor = current_actor();
    insert_row(
        c,
        "pkh_status_events",
        vec![
            ("family_id", family_id.into()),
            ("period_id", period_id.into()),
            ("kind", kind.code().into()),
            ("status", status.code().into()),
            ("reason", reason.into()),
            ("decided_by", actor.user_id.into()),
            ("decided_at", Value::Time(crate::kit::now())),
        ],
    )
    .await?;
    Ok(())
}

/// The person must live in the family's household.
async fn member_of(c: &mut dyn Conn, family_id: Id, person_id: Id) -> StoreResult<()> {
    let mut sql =
        Sql::new("SELECT 1 AS one FROM people p JOIN pkh_families f ON f.household_id = p.household_id WHERE f.id = ");
    sql.bind(family_id).push(" AND p.id = ").bind(person_id);
    if first(c, &sql).await?.is_none() {
        return Err(Invalid::one("person_id", "is not a member of the family's household").into());
    }
    Ok(())
}

async fn enroll(c: &mut dyn Conn, program_id: Id, f: &NewFamily) -> StoreResult<Id> {
    let mut sql = Sql::new("SELECT id FROM programs WHERE id = ");
    sql.bind(program_id);
    if first(c, &sql).await?.is_none() {
        return Err(StoreError::NotFound { entity: "program" });
    }
    let mut sql = Sql::new("SELECT dtks_listed FROM households WHERE id = ");
    sql.bind(f.household_id);
    match first(c, &sql).await? {
        None => {
            return Err(StoreError::Reference {
                field: "household_id",
                message: format!("household {} does not exist", f.household_id),
            });
        }
        Some(r) if !r.bool("dtks_listed")? => {
            return Err(Invalid::one("household_id", "is not listed in DTKS; only DTKS households can join PKH").into());
        }
        Some(_) => {}
    }
    let mut taken = Sql::new("SELECT id FROM pkh_families WHERE program_id = ");
    taken.bind(program_id).push(" AND household_id = ").bind(f.household_id);
    if first(c, &taken).await?.is_some() {
        return Err(StoreError::Duplicate {
            field: "household_id",
            message: "is already a family of this program".into(),
        });
    }
    if let Some(u) = f.facilitator_id {
        facilitator(c, u).await?;
    }
    let actor = current_actor();
    let mut found = Sql::new("SELECT id, status FROM enrollments WHERE program_id = ");
    found.bind(program_id).push(" AND household_id = ").bind(f.household_id);
    let enrollment_id = match first(c, &found).await? {
        Some(r) => {
            let id = r.int("id")?;
            let status = r.text("status")?;
            match status.as_str() {
                "enrolled" | "suspended" => {}
                "candidate" => {
                    let mut up = Sql::new(
                        "UPDATE enrollments SET status = 'enrolled', ended_on = NULL, version = version + 1 WHERE id = ",
                    );
                    up.bind(id);
                    exec(c, &up).await?;
                    change(c, id, Some(&status), f.enrolled_on, &actor).await?;
                }
                other => {
                    return Err(Invalid::one(
                        "household_id",
                        format!("the household's enrollment in this program is {other}; it cannot join again"),
                    )
                    .into());
                }
            }
            id
        }
        None => {
            let id = insert_row(
                c,
                "enrollments",
                vec![
                    ("program_id", program_id.into()),
                    ("household_id", f.household_id.into()),
                    ("status", "enrolled".into()),
                    ("enrolled_on", f.enrolled_on.into()),
                ],
            )
            .await?;
            change(c, id, None, f.enrolled_on, &actor).await?;
            id
        }
    };
    let id = insert_row(
        c,
        "pkh_families",
        vec![
            ("program_id", program_id.into()),
            ("household_id", f.household_id.into()),
            ("enrollment_id", enrollment_id.into()),
            ("decile", f.decile.map(i64::from).into()),
            ("facilitator_id", f.facilitator_id.into()),
            ("status", "active".into()),
            ("consecutive", 0i64.into()),
            ("enrolled_on", f.enrolled_on.into()),
        ],
    )
    .await?;
    status_event(c, id, None, EventKind::Enrolled, FamilyStatus::Active, None).await?;
    if let Some(u) = f.facilitator_id {
        assign(c, u, f.household_id).await?;
    }
    Ok(id)
}

/// An enrollment history row (as the registry writes them).
async fn change(
    c: &mut dyn Conn,
    enrollment_id: Id,
    from: Option<&str>,
    on: Date,
    actor: &crate::access::Actor,
) -> StoreResult<()> {
    insert_row(
        c,
        "enrollment_changes",
        vec![
            ("enrollment_id", enrollment_id.into()),
            ("from_status", from.into()),
            ("to_status", "enrolled".into()),
            ("changed_on", on.into()),
            ("reason", Some("PKH").into()),
            ("decided_by", actor.user_id.into()),
            ("decided_by_name", actor.name.as_str().into()),
            ("recorded_at", Value::Time(crate::kit::now())),
        ],
    )
    .await?;
    Ok(())
}

fn listing(program_id: Id, q: &Query) -> Listing {
    let mut w = Where::default();
    let mut cond = Sql::new("f.program_id = ");
    cond.bind(program_id);
    w.and(cond);
    family_filters(q, &mut w);
    let mut from = family_from();
    from.append(&w.to_sql());
    let mut select = Sql::new(family_select());
    // The listing's select repeats its FROM: keep only the columns.
    let cut = select.text.find(" FROM pkh_families").unwrap_or(select.text.len());
    select.text.truncate(cut);
    Listing { select, from, order: Sql::new("h.address_key, f.id"), page: q.page }
}

/// The query's conditions on a family `f` and its household `h`.
pub(crate) fn family_filters(q: &Query, w: &mut Where) {
    if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let mut any = Sql::new("(");
        any.append(&contains("h.address_key", t));
        any.push(" OR EXISTS (SELECT 1 FROM people x WHERE x.household_id = h.id AND ");
        any.append(&contains("x.name_key", t)).push(")");
        if let Ok(kk) = t.parse::<i64>() {
            any.push(" OR h.kk = ").bind(kk);
        }
        any.push(")");
        w.and(any);
    }
    if let Some(r) = &q.region {
        w.and(subtree("h.region", r.as_str()));
    }
    if let Some(within) = q.within {
        w.and(is_in("f.household_id", &households_within(within)));
    }
    if let Some(s) = q.filter("status") {
        let mut c = Sql::new("f.status = ");
        c.bind(s.to_string());
        w.and(c);
    }
    if let Some(u) = q.filter("facilitator") {
        let mut c = Sql::default();
        match u.parse::<i64>() {
            Ok(u) => c.push("f.facilitator_id = ").bind(u),
            Err(_) if u == "none" => c.push("f.facilitator_id IS NULL"),
            Err(_) => c.push("1 = 0"),
        };
        w.and(c);
    }
}

#[async_trait]
impl<B: Backend> PkhFamilyStore for B {
    async fn enroll_pkh_family(&self, program_id: Id, family: &NewFamily) -> StoreResult<Family> {
        family.check()?;
        let f = family.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let id = enroll(c, program_id, &f).await?;
                get_family(c, id).await
            })
        }))
        .await
    }

    async fn pkh_family(&self, id: Id) -> StoreResult<Family> {
        self.read(job(move |c| Box::pin(async move { get_family(c, id).await }))).await
    }

    async fn pkh_families(&self, program_id: Id, query: &Query) -> StoreResult<Page<Family>> {
        let l = listing(program_id, query);
        self.read(job(move |c| Box::pin(async move { crate::kit::page(c, &l, family_row).await }))).await
    }

    async fn household_pkh_families(&self, household_id: Id) -> StoreResult<Vec<Family>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(family_select());
                sql.push(" WHERE f.household_id = ").bind(household_id).push(" ORDER BY f.id");
                rows(c, &sql).await?.iter().map(family_row).collect()
            })
        }))
        .await
    }

    async fn set_pkh_facilitator(&self, id: Id, facilitator_id: Option<Id>, version: Version) -> StoreResult<Family> {
        self.write(job(move |c| {
            Box::pin(async move {
                if let Some(u) = facilitator_id {
                    facilitator(c, u).await?;
                }
                update_row(
                    c,
                    "pkh_families",
                    "PKH family",
                    id,
                    vec![("facilitator_id", facilitator_id.into())],
                    version,
                )
                .await?;
                let f = get_family(c, id).await?;
                if let Some(u) = facilitator_id {
                    assign(c, u, f.household_id).await?;
                }
                Ok(f)
            })
        }))
        .await
    }

    async fn pkh_facts(&self, family_id: Id) -> StoreResult<Vec<StoredFact>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(FACT_SELECT);
                sql.push(" WHERE x.family_id = ").bind(family_id).push(" ORDER BY x.person_id, x.starts_on, x.id");
                rows(c, &sql).await?.iter().map(fact_row).collect()
            })
        }))
        .await
    }

    async fn pkh_fact(&self, id: Id) -> StoreResult<StoredFact> {
        self.read(job(move |c| Box::pin(async move { get_fact(c, id).await }))).await
    }

    async fn add_pkh_fact(&self, family_id: Id, fact: &NewFact) -> StoreResult<StoredFact> {
        fact.check()?;
        let f = fact.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                get_family(c, family_id).await?;
                member_of(c, family_id, f.person_id).await?;
                let mut values = fact_values(&f);
                values.push(("family_id", family_id.into()));
                let id = insert_row(c, "pkh_facts", values).await?;
                get_fact(c, id).await
            })
        }))
        .await
    }

    async fn update_pkh_fact(&self, id: Id, fact: &NewFact, version: Version) -> StoreResult<StoredFact> {
        fact.check()?;
        let f = fact.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let old = get_fact(c, id).await?;
                member_of(c, old.family_id, f.person_id).await?;
                update_row(c, "pkh_facts", "PKH fact", id, fact_values(&f), version).await?;
                get_fact(c, id).await
            })
        }))
        .await
    }

    async fn end_pkh_fact(&self, id: Id, ends_on: Date, version: Version) -> StoreResult<StoredFact> {
        self.write(job(move |c| {
            Box::pin(async move {
                let old = get_fact(c, id).await?;
                if ends_on < old.starts_on {
                    return Err(Invalid::one("ends_on", "must not be before the start date").into());
                }
                update_row(c, "pkh_facts", "PKH fact", id, vec![("ends_on", ends_on.into())], version).await?;
                get_fact(c, id).await
            })
        }))
        .await
    }

    async fn pkh_status_events(&self, family_id: Id) -> StoreResult<Vec<StatusEvent>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(
                    "SELECT e.id, e.family_id, e.period_id, p.period, e.kind, e.status, e.reason, e.decided_by, \
                     u.display_name AS decided_by_name, e.decided_at FROM pkh_status_events e \
                     LEFT JOIN pkh_periods p ON p.id = e.period_id LEFT JOIN users u ON u.id = e.decided_by \
                     WHERE e.family_id = ",
                );
                sql.bind(family_id).push(" ORDER BY e.id");
                rows(c, &sql)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(StatusEvent {
                            id: r.int("id")?,
                            family_id: r.int("family_id")?,
                            period_id: r.opt_int("period_id")?,
                            period: r.opt_parsed("period", Period::parse)?,
                            kind: r.parsed("kind", EventKind::parse)?,
                            status: r.parsed("status", FamilyStatus::parse)?,
                            reason: r.opt_text("reason")?,
                            decided_by: r.opt_int("decided_by")?,
                            decided_by_name: r.opt_text("decided_by_name")?,
                            decided_at: r.time("decided_at")?,
                        })
                    })
                    .collect()
            })
        }))
        .await
    }

    async fn pkh_family_periods(&self, family_id: Id) -> StoreResult<Vec<FamilyPeriod>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(
                    "SELECT fp.period_id, p.period, fp.compliant, fp.appeal_upheld, fp.status, fp.consecutive \
                     FROM pkh_family_periods fp JOIN pkh_periods p ON p.id = fp.period_id WHERE fp.family_id = ",
                );
                sql.bind(family_id).push(" ORDER BY p.period");
                rows(c, &sql)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(FamilyPeriod {
                            period_id: r.int("period_id")?,
                            period: r.parsed("period", Period::parse)?,
                            compliant: r.bool("compliant")?,
                            appeal_upheld: r.bool("appeal_upheld")?,
                            status: r.parsed("status", FamilyStatus::parse)?,
                            consecutive: u32::try_from(r.int("consecutive")?).unwrap_or(0),
                        })
                    })
                    .collect()
            })
        }))
        .await
    }

    async fn pkh_family_members(&self, family_id: Id, year: i32) -> StoreResult<(FamilyMembers, PkhRules)> {
        self.read(job(move |c| {
            Box::pin(async move {
                let f = get_family(c, family_id).await?;
                let mut cond = Sql::new("f.id = ");
                cond.bind(family_id);
                let members = load_families(c, &cond)
                    .await?
                    .into_iter()
                    .next()
                    .ok_or(StoreError::NotFound { entity: "PKH family" })?;
                let (rules, _) = rules_for(c, f.program_id, year).await?;
                Ok((members, rules))
            })
        }))
        .await
    }
}
