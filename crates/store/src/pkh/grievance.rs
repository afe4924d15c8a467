//! PKH grievances and appeals: stored per family, listed per program (filters status and
//! overdue, the caller's area and assignments), decided with a reason. Upholding an appeal
//! about status reinstates the family in the same transaction as the decision:
//! `pkh_families.status = 'active'`, `consecutive = 0`, and a `pkh_status_events` row of kind
//! `reinstated` carrying the reason and the appealed period.

use async_trait::async_trait;
use berdaya_domain::pkh::FamilyStatus;
use berdaya_domain::pkh::grievance::{
    Category, Channel, Decision, Grievance, GrievanceKind, GrievanceStatus, NewGrievance,
};
use berdaya_domain::registry::{Id, Invalid, RegionCode, Version};

use crate::registry::Query;
use crate::{Page, StoreResult};

/// A grievance with what the lists show beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrievanceRow {
    pub grievance: Grievance,
    pub program_id: Id,
    pub household_id: Id,
    pub region: RegionCode,
    pub address: String,
    /// The name of the household's head, if it has one.
    pub head_name: Option<String>,
    pub family_status: FamilyStatus,
    /// The appealed period, `YYYY-Q`.
    pub period: Option<String>,
    pub decided_by_name: Option<String>,
}

#[async_trait]
pub trait PkhGrievanceStore {
    /// Records a grievance (status `received`). The family must exist (`Reference` on
    /// `family_id`); the period, if given, must be one of the family's program (`Reference`
    /// on `period_id`).
    async fn create_pkh_grievance(&self, g: &NewGrievance) -> StoreResult<Grievance>;
    /// Changes an open grievance (same family); a decided one is `Invalid` on `status`.
    async fn update_pkh_grievance(&self, id: Id, g: &NewGrievance, version: Version) -> StoreResult<Grievance>;
    async fn pkh_grievance(&self, id: Id) -> StoreResult<GrievanceRow>;
    /// Takes a grievance into review or decides it, by the current actor. Upholding an appeal
    /// about status reinstates the family (see the module).
    async fn decide_pkh_grievance(&self, id: Id, decision: &Decision, version: Version) -> StoreResult<Grievance>;
    /// A program's grievances, newest received first. `region` and `within` narrow to the
    /// household's area and a facilitator's assignments; filters `status`, `kind`,
    /// `category`, `family_id`, and `overdue_on` (`YYYY-MM-DD`: open with a deadline before
    /// that day).
    async fn pkh_grievances(&self, program_id: Id, query: &Query) -> StoreResult<Page<GrievanceRow>>;
    /// A family's grievances, newest received first.
    async fn family_pkh_grievances(&self, family_id: Id) -> StoreResult<Vec<GrievanceRow>>;
    /// The program and household of a PKH family (`NotFound` when there is none).
    async fn pkh_family_ref(&self, family_id: Id) -> StoreResult<FamilyRef>;
    /// The PKH family of a household in a program, if it is enrolled.
    async fn pkh_family_of_household(&self, program_id: Id, household_id: Id) -> StoreResult<Option<FamilyRef>>;
    /// The id of a program's verification period `YYYY-Q`, if it has been opened.
    async fn pkh_period_id(&self, program_id: Id, period: &str) -> StoreResult<Option<Id>>;
}

/// Where a PKH family belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyRef {
    pub family_id: Id,
    pub program_id: Id,
    pub household_id: Id,
    pub status: FamilyStatus,
}

mod on_kit {
    use super::*;
    use crate::StoreError;
    use crate::access::current_actor;
    use crate::kit::{
        Backend, Conn, Listing, Row, Spec, Sql, Type, Value, Where, exec, first, job, page, rows, subtree,
    };
    use crate::registry::{households_within, is_in};

    const COLUMNS: &str = "g.id, g.family_id, g.kind, g.channel, g.category, g.description, g.period_id, \
         g.received_on, g.deadline, g.status, g.decision_reason, g.decided_by, g.decided_on, g.reinstated, g.version, \
         f.program_id, f.household_id, f.status AS family_status, h.region, h.address, \
         (SELECT x.name FROM people x WHERE x.household_id = h.id AND x.relation = 'head' ORDER BY x.id LIMIT 1) AS head_name, \
         (SELECT p.period FROM pkh_periods p WHERE p.id = g.period_id) AS period, \
         (SELECT u.display_name FROM users u WHERE u.id = g.decided_by) AS decided_by_name";
    const FROM: &str =
        "FROM pkh_grievances g JOIN pkh_families f ON f.id = g.family_id JOIN households h ON h.id = f.household_id";

    fn grievance_row(r: &Row) -> StoreResult<GrievanceRow> {
        Ok(GrievanceRow {
            grievance: Grievance {
                id: r.int("id")?,
                family_id: r.int("family_id")?,
                kind: r.parsed("kind", GrievanceKind::parse)?,
                channel: r.parsed("channel", Channel::parse)?,
                category: r.parsed("category", Category::parse)?,
                description: r.text("description")?,
                period_id: r.opt_int("period_id")?,
                received_on: r.date("received_on")?,
                deadline: r.date("deadline")?,
                status: r.parsed("status", GrievanceStatus::parse)?,
                decision_reason: r.opt_text("decision_reason")?,
                decided_by: r.opt_int("decided_by")?,
                decided_on: r.opt_date("decided_on")?,
                reinstated: r.bool("reinstated")?,
                version: r.int("version")?,
            },
            program_id: r.int("program_id")?,
            household_id: r.int("household_id")?,
            region: r.parsed("region", RegionCode::parse)?,
            address: r.text("address")?,
            head_name: r.opt_text("head_name")?,
            family_status: r.parsed("family_status", FamilyStatus::parse)?,
            period: r.opt_text("period")?,
            decided_by_name: r.opt_text("decided_by_name")?,
        })
    }

    async fn get_row(c: &mut dyn Conn, id: Id) -> StoreResult<GrievanceRow> {
        let mut sql = Sql::new(format!("SELECT {COLUMNS} {FROM} WHERE g.id = "));
        sql.bind(id);
        match first(c, &sql).await? {
            Some(r) => grievance_row(&r),
            None => Err(StoreError::NotFound { entity: "grievance" }),
        }
    }

    /// The family's program, or `Reference` on `family_id`.
    async fn family_program(c: &mut dyn Conn, family_id: Id) -> StoreResult<Id> {
        let mut sql = Sql::new("SELECT program_id FROM pkh_families WHERE id = ");
        sql.bind(family_id);
        match first(c, &sql).await? {
            Some(r) => r.int("program_id"),
            None => Err(StoreError::Reference {
                field: "family_id",
                message: format!("PKH family {family_id} does not exist"),
            }),
        }
    }

    /// Checks the family and the period (of the family's program).
    async fn check_refs(c: &mut dyn Conn, g: &NewGrievance) -> StoreResult<()> {
        let program = family_program(c, g.family_id).await?;
        if let Some(period) = g.period_id {
            let mut sql = Sql::new("SELECT 1 FROM pkh_periods WHERE id = ");
            sql.bind(period).push(" AND program_id = ").bind(program);
            if first(c, &sql).await?.is_none() {
                return Err(StoreError::Reference {
                    field: "period_id",
                    message: format!("verification period {period} does not exist"),
                });
            }
        }
        Ok(())
    }

    fn values(g: &NewGrievance) -> Vec<(&'static str, Value)> {
        vec![
            ("family_id", g.family_id.into()),
            ("kind", g.kind.code().into()),
            ("channel", g.channel.code().into()),
            ("category", g.category.code().into()),
            ("description", g.description.as_str().into()),
            ("period_id", g.period_id.into()),
            ("received_on", g.received_on.into()),
            ("deadline", g.deadline.into()),
        ]
    }

    /// Bumps the version of an open grievance: `Conflict`, `NotFound`, or `Invalid` when decided.
    async fn lock_open(c: &mut dyn Conn, id: Id, version: Version) -> StoreResult<Grievance> {
        let now = get_row(c, id).await?.grievance;
        if now.version != version {
            return Err(StoreError::Conflict { entity: "grievance", expected: version, actual: now.version });
        }
        if !now.status.is_open() {
            return Err(Invalid::one("status", "the grievance is already decided").into());
        }
        Ok(now)
    }

    async fn reinstate(c: &mut dyn Conn, g: &Grievance, reason: &str, by: Option<Id>) -> StoreResult<bool> {
        let mut sql = Sql::new("SELECT status, consecutive FROM pkh_families WHERE id = ");
        sql.bind(g.family_id);
        let Some(row) = first(c, &sql).await? else {
            return Err(StoreError::NotFound { entity: "PKH family" });
        };
        if row.text("status")? == FamilyStatus::Active.code() && row.int("consecutive")? == 0 {
            return Ok(false);
        }
        let mut up = Sql::new("UPDATE pkh_families SET status = ");
        up.bind(FamilyStatus::Active.code()).push(", consecutive = 0, version = version + 1 WHERE id = ");
        up.bind(g.family_id);
        exec(c, &up).await?;
        let mut ev = Sql::new(
            "INSERT INTO pkh_status_events (family_id, period_id, kind, status, reason, decided_by, decided_at) VALUES ",
        );
        ev.list([
            Value::Int(g.family_id),
            g.period_id.into(),
            "reinstated".into(),
            FamilyStatus::Active.code().into(),
            reason.into(),
            by.into(),
            Value::Time(crate::kit::now()),
        ]);
        exec(c, &ev).await?;
        Ok(true)
    }

    const SPEC: Spec = Spec {
        sorts: &[("received_on", "g.received_on"), ("deadline", "g.deadline"), ("status", "g.status")],
        natural: "g.received_on DESC, g.id DESC",
        tie: "g.id DESC",
        filters: &[
            ("status", "g.status", Type::Text),
            ("kind", "g.kind", Type::Text),
            ("category", "g.category", Type::Text),
            ("family_id", "g.family_id", Type::Int),
        ],
    };

    fn listing(program_id: Id, q: &Query) -> Listing {
        let mut w = Where::default();
        let mut p = Sql::new("f.program_id = ");
        p.bind(program_id);
        w.and(p);
        if let Some(region) = &q.region {
            w.and(subtree("h.region", region.as_str()));
        }
        if let Some(within) = q.within {
            w.and(is_in("h.id", &households_within(within)));
        }
        SPEC.filter(q, &mut w);
        if let Some(day) = q.filter("overdue_on") {
            let mut cond = Sql::default();
            match berdaya_domain::registry::text::date(day) {
                Ok(d) => {
                    cond.push("g.status IN ('received', 'in_review') AND g.deadline < ").bind(d);
                }
                Err(_) => {
                    cond.push("1 = 0");
                }
            }
            w.and(cond);
        }
        let mut from = Sql::new(FROM);
        from.push(" ").append(&w.to_sql());
        Listing { select: Sql::new(format!("SELECT {COLUMNS}")), from, order: SPEC.order(q, &[]), page: q.page }
    }

    fn family_ref(r: &Row) -> StoreResult<FamilyRef> {
        Ok(FamilyRef {
            family_id: r.int("id")?,
            program_id: r.int("program_id")?,
            household_id: r.int("household_id")?,
            status: r.parsed("status", FamilyStatus::parse)?,
        })
    }

    #[async_trait]
    impl<B: Backend> PkhGrievanceStore for B {
        async fn pkh_family_ref(&self, family_id: Id) -> StoreResult<FamilyRef> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("SELECT id, program_id, household_id, status FROM pkh_families WHERE id = ");
                    sql.bind(family_id);
                    match first(c, &sql).await? {
                        Some(r) => family_ref(&r),
                        None => Err(StoreError::NotFound { entity: "PKH family" }),
                    }
                })
            }))
            .await
        }

        async fn pkh_period_id(&self, program_id: Id, period: &str) -> StoreResult<Option<Id>> {
            let period = period.to_string();
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("SELECT id FROM pkh_periods WHERE program_id = ");
                    sql.bind(program_id).push(" AND period = ").bind(period);
                    first(c, &sql).await?.map(|r| r.int("id")).transpose()
                })
            }))
            .await
        }

        async fn pkh_family_of_household(&self, program_id: Id, household_id: Id) -> StoreResult<Option<FamilyRef>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql =
                        Sql::new("SELECT id, program_id, household_id, status FROM pkh_families WHERE program_id = ");
                    sql.bind(program_id).push(" AND household_id = ").bind(household_id);
                    first(c, &sql).await?.as_ref().map(family_ref).transpose()
                })
            }))
            .await
        }

        async fn create_pkh_grievance(&self, g: &NewGrievance) -> StoreResult<Grievance> {
            let g = g.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    check_refs(c, &g).await?;
                    let vals = values(&g);
                    let cols: Vec<&str> = vals.iter().map(|(k, _)| *k).collect();
                    let mut sql = Sql::new(format!("INSERT INTO pkh_grievances ({}) VALUES ", cols.join(", ")));
                    sql.list(vals.into_iter().map(|(_, v)| v)).push(" RETURNING id");
                    let id = first(c, &sql)
                        .await?
                        .ok_or_else(|| StoreError::Backend("insert into pkh_grievances returned nothing".into()))?
                        .int("id")?;
                    Ok(get_row(c, id).await?.grievance)
                })
            }))
            .await
        }

        async fn update_pkh_grievance(&self, id: Id, g: &NewGrievance, version: Version) -> StoreResult<Grievance> {
            let g = g.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let now = lock_open(c, id, version).await?;
                    if now.family_id != g.family_id {
                        return Err(Invalid::one("family_id", "cannot be changed; record a new grievance").into());
                    }
                    check_refs(c, &g).await?;
                    let mut sql = Sql::new("UPDATE pkh_grievances SET ");
                    for (col, v) in values(&g) {
                        sql.push(&format!("{col} = ")).bind(v).push(", ");
                    }
                    sql.push("version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(version);
                    exec(c, &sql).await?;
                    Ok(get_row(c, id).await?.grievance)
                })
            }))
            .await
        }

        async fn pkh_grievance(&self, id: Id) -> StoreResult<GrievanceRow> {
            self.read(job(move |c| Box::pin(async move { get_row(c, id).await }))).await
        }

        async fn decide_pkh_grievance(&self, id: Id, decision: &Decision, version: Version) -> StoreResult<Grievance> {
            let d = decision.clone();
            let by = current_actor().user_id;
            self.write(job(move |c| {
                Box::pin(async move {
                    let now = lock_open(c, id, version).await?;
                    d.check(&now)?;
                    let reinstated = if d.status == GrievanceStatus::Upheld && now.reinstates() {
                        let reason = d.reason.clone().unwrap_or_default();
                        reinstate(c, &now, &reason, by).await?
                    } else {
                        false
                    };
                    let mut sql = Sql::new("UPDATE pkh_grievances SET status = ");
                    sql.bind(d.status.code());
                    if d.status.is_open() {
                        // Taken into review: a note may come with it, nobody decided yet.
                        if let Some(reason) = &d.reason {
                            sql.push(", decision_reason = ").bind(reason.as_str());
                        }
                    } else {
                        sql.push(", decision_reason = ").bind(d.reason.clone());
                        sql.push(", decided_by = ").bind(by);
                        sql.push(", decided_on = ").bind(d.decided_on);
                        sql.push(", reinstated = ").bind(reinstated);
                    }
                    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(version);
                    exec(c, &sql).await?;
                    Ok(get_row(c, id).await?.grievance)
                })
            }))
            .await
        }

        async fn pkh_grievances(&self, program_id: Id, query: &Query) -> StoreResult<Page<GrievanceRow>> {
            let l = listing(program_id, query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, grievance_row).await }))).await
        }

        async fn family_pkh_grievances(&self, family_id: Id) -> StoreResult<Vec<GrievanceRow>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new(format!("SELECT {COLUMNS} {FROM} WHERE g.family_id = "));
                    sql.bind(family_id).push(" ORDER BY g.received_on DESC, g.id DESC");
                    rows(c, &sql).await?.iter().map(grievance_row).collect()
                })
            }))
            .await
        }
    }
}
