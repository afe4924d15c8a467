//! PKH storage: P2K2 family development sessions. The catalogue (modules and sessions,
//! shipped by the migration and editable), cohorts of a program's families, the link from an
//! activity (a session held, with its attendance) to the catalogue session and the cohort,
//! and each family's progress: the distinct sessions a member of its household attended.
//!
//! Declared once on the store kit for both backends.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use berdaya_domain::pkh::p2k2::{Cohort, Module, ModuleProgress, NewCohort, NewSession, Session, progress};
use berdaya_domain::registry::Id;
use time::Date;

use crate::kit::{Backend, Conn, Row, Sql, Value, exec, first, job, rows};
use crate::{StoreError, StoreResult};

/// A cohort with how many families it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRow {
    pub cohort: Cohort,
    pub region_name: String,
    pub families: u32,
    pub sessions_held: u32,
}

/// A session held: the activity, its date and title, the catalogue session, and how many
/// of the cohort's families had a member present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSession {
    pub activity_id: Id,
    pub held_on: Date,
    pub title: String,
    pub session_id: Id,
    pub session_code: String,
    pub families_present: u32,
}

/// One family's progress through the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyProgress {
    pub family_id: Id,
    pub household_id: Id,
    pub address: String,
    pub modules: Vec<ModuleProgress>,
}

#[async_trait]
pub trait P2k2Store {
    /// The catalogue: modules by position, each with its sessions by position.
    async fn p2k2_catalogue(&self) -> StoreResult<Vec<Module>>;
    /// Adds a session at the end of its module (`Reference` on `module_id`, `Duplicate` on
    /// `code`).
    async fn add_p2k2_session(&self, session: &NewSession) -> StoreResult<Session>;
    /// Creates a cohort of a program (`Reference` on `program_id`, `region`, `facilitator_id`).
    async fn create_p2k2_cohort(&self, cohort: &NewCohort) -> StoreResult<Cohort>;
    async fn p2k2_cohort(&self, id: Id) -> StoreResult<Cohort>;
    /// A program's cohorts, by name.
    async fn p2k2_cohorts(&self, program_id: Id) -> StoreResult<Vec<CohortRow>>;
    /// Adds families of the cohort's program to it; a family belongs to one cohort
    /// (`Duplicate` on `family_id`), of the same program (`Reference` on `family_id`).
    async fn add_p2k2_families(&self, cohort_id: Id, family_ids: &[Id]) -> StoreResult<u64>;
    /// The cohort a family belongs to, when any.
    async fn p2k2_family_cohort(&self, family_id: Id) -> StoreResult<Option<Cohort>>;
    /// Records that an activity of the cohort's program was a catalogue session held with the
    /// cohort (`Reference` on `activity_id` or `session_id`; `Duplicate` on `activity_id`
    /// when the activity is linked already).
    async fn link_p2k2_session(&self, activity_id: Id, session_id: Id, cohort_id: Id) -> StoreResult<()>;
    /// The sessions a cohort held, newest first.
    async fn p2k2_held(&self, cohort_id: Id) -> StoreResult<Vec<HeldSession>>;
    /// Each family of a cohort with its progress per module, by family id.
    async fn p2k2_progress(&self, cohort_id: Id) -> StoreResult<Vec<FamilyProgress>>;
    /// One family's progress per module (whether or not it is in a cohort).
    async fn p2k2_family_progress(&self, family_id: Id) -> StoreResult<Vec<ModuleProgress>>;
    /// A program's families still in it and in no cohort yet (family id, household id,
    /// address), by family id, at most `limit`.
    async fn p2k2_free_families(&self, program_id: Id, limit: u32) -> StoreResult<Vec<(Id, Id, String)>>;
    /// A program's activities linked to no session yet (id, date, title), newest first, at
    /// most `limit`.
    async fn p2k2_free_activities(&self, program_id: Id, limit: u32) -> StoreResult<Vec<(Id, Date, String)>>;
}

fn cohort_row(r: &Row) -> StoreResult<Cohort> {
    Ok(Cohort {
        id: r.int("id")?,
        program_id: r.int("program_id")?,
        name: r.text("name")?,
        region: r.text("region")?,
        facilitator_id: r.opt_int("facilitator_id")?,
        version: r.int("version")?,
    })
}

const COHORT_SELECT: &str =
    "SELECT c.id, c.program_id, c.name, c.region, c.facilitator_id, c.version FROM p2k2_cohorts c";

async fn get_cohort(c: &mut dyn Conn, id: Id) -> StoreResult<Cohort> {
    let mut sql = Sql::new(format!("{COHORT_SELECT} WHERE c.id = "));
    sql.bind(id);
    first(c, &sql).await?.as_ref().map(cohort_row).transpose()?.ok_or(StoreError::NotFound { entity: "cohort" })
}

async fn catalogue(c: &mut dyn Conn) -> StoreResult<Vec<Module>> {
    let mods =
        Sql::new("SELECT id, code, title, title_en, position, added_later FROM p2k2_modules ORDER BY position, id");
    let mut out: Vec<Module> = Vec::new();
    for r in rows(c, &mods).await? {
        out.push(Module {
            id: r.int("id")?,
            code: r.text("code")?,
            title: r.text("title")?,
            title_en: r.text("title_en")?,
            position: r.int("position")?,
            added_later: r.bool("added_later")?,
            sessions: Vec::new(),
        });
    }
    let at: HashMap<Id, usize> = out.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let sess =
        Sql::new("SELECT id, module_id, code, title, title_en, position FROM p2k2_sessions ORDER BY position, id");
    for r in rows(c, &sess).await? {
        let s = Session {
            id: r.int("id")?,
            module_id: r.int("module_id")?,
            code: r.text("code")?,
            title: r.text("title")?,
            title_en: r.text("title_en")?,
            position: r.int("position")?,
        };
        if let Some(&i) = at.get(&s.module_id) {
            out[i].sessions.push(s);
        }
    }
    Ok(out)
}

/// The sessions each family (of `families`) attended: a member of its household present at
/// an activity linked to a catalogue session.
async fn attended(c: &mut dyn Conn, families: &[Id]) -> StoreResult<HashMap<Id, HashSet<Id>>> {
    let mut out: HashMap<Id, HashSet<Id>> = HashMap::new();
    for chunk in families.chunks(500) {
        let mut sql = Sql::new(
            "SELECT DISTINCT f.id AS family_id, sa.session_id FROM pkh_families f \
             JOIN people p ON p.household_id = f.household_id \
             JOIN attendance a ON a.person_id = p.id AND a.status = 'present' \
             JOIN p2k2_session_activities sa ON sa.activity_id = a.activity_id WHERE f.id IN ",
        );
        sql.list(chunk.iter().copied());
        for r in rows(c, &sql).await? {
            out.entry(r.int("family_id")?).or_default().insert(r.int("session_id")?);
        }
    }
    Ok(out)
}

fn reference(field: &'static str, message: String) -> StoreError {
    StoreError::Reference { field, message }
}

async fn exists(c: &mut dyn Conn, table: &str, id: Id) -> StoreResult<bool> {
    let mut sql = Sql::new(format!("SELECT 1 AS one FROM {table} WHERE id = "));
    sql.bind(id);
    Ok(first(c, &sql).await?.is_some())
}

#[async_trait]
impl<B: Backend> P2k2Store for B {
    async fn p2k2_catalogue(&self) -> StoreResult<Vec<Module>> {
        self.read(job(move |c| Box::pin(async move { catalogue(c).await }))).await
    }

    async fn add_p2k2_session(&self, session: &NewSession) -> StoreResult<Session> {
        let s = session.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                if !exists(c, "p2k2_modules", s.module_id).await? {
                    return Err(reference("module_id", format!("module {} does not exist", s.module_id)));
                }
                let mut dup = Sql::new("SELECT 1 AS one FROM p2k2_sessions WHERE code = ");
                dup.bind(s.code.as_str());
                if first(c, &dup).await?.is_some() {
                    return Err(StoreError::Duplicate {
                        field: "code",
                        message: format!("session code {} is taken", s.code),
                    });
                }
                let mut pos =
                    Sql::new("SELECT COALESCE(MAX(position), 0) + 1 AS n FROM p2k2_sessions WHERE module_id = ");
                pos.bind(s.module_id);
                let position = first(c, &pos).await?.map(|r| r.int("n")).transpose()?.unwrap_or(1);
                let mut ins =
                    Sql::new("INSERT INTO p2k2_sessions (module_id, code, title, title_en, position) VALUES ");
                ins.list([
                    Value::from(s.module_id),
                    Value::from(s.code.as_str()),
                    Value::from(s.title.as_str()),
                    Value::from(s.title_en.as_str()),
                    Value::from(position),
                ])
                .push(" RETURNING id");
                let id = first(c, &ins)
                    .await?
                    .ok_or_else(|| StoreError::Backend("insert returned nothing".into()))?
                    .int("id")?;
                Ok(Session { id, module_id: s.module_id, code: s.code, title: s.title, title_en: s.title_en, position })
            })
        }))
        .await
    }

    async fn create_p2k2_cohort(&self, cohort: &NewCohort) -> StoreResult<Cohort> {
        let n = cohort.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                if !exists(c, "programs", n.program_id).await? {
                    return Err(reference("program_id", format!("program {} does not exist", n.program_id)));
                }
                let mut region = Sql::new("SELECT 1 AS one FROM regions WHERE code = ");
                region.bind(n.region.as_str());
                if first(c, &region).await?.is_none() {
                    return Err(reference("region", format!("region {} does not exist", n.region)));
                }
                if let Some(u) = n.facilitator_id
                    && !exists(c, "users", u).await?
                {
                    return Err(reference("facilitator_id", format!("user {u} does not exist")));
                }
                let mut ins = Sql::new("INSERT INTO p2k2_cohorts (program_id, name, region, facilitator_id) VALUES ");
                ins.list([
                    Value::from(n.program_id),
                    Value::from(n.name.as_str()),
                    Value::from(n.region.as_str()),
                    Value::from(n.facilitator_id),
                ])
                .push(" RETURNING id");
                let id = first(c, &ins)
                    .await?
                    .ok_or_else(|| StoreError::Backend("insert returned nothing".into()))?
                    .int("id")?;
                get_cohort(c, id).await
            })
        }))
        .await
    }

    async fn p2k2_cohort(&self, id: Id) -> StoreResult<Cohort> {
        self.read(job(move |c| Box::pin(async move { get_cohort(c, id).await }))).await
    }

    async fn p2k2_cohorts(&self, program_id: Id) -> StoreResult<Vec<CohortRow>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(
                    "SELECT c.id, c.program_id, c.name, c.region, c.facilitator_id, c.version, r.name AS region_name, \
                     (SELECT COUNT(*) FROM p2k2_cohort_families cf WHERE cf.cohort_id = c.id) AS families, \
                     (SELECT COUNT(*) FROM p2k2_session_activities sa WHERE sa.cohort_id = c.id) AS held \
                     FROM p2k2_cohorts c JOIN regions r ON r.code = c.region WHERE c.program_id = ",
                );
                sql.bind(program_id).push(" ORDER BY c.name, c.id");
                rows(c, &sql)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(CohortRow {
                            cohort: cohort_row(r)?,
                            region_name: r.text("region_name")?,
                            families: r.count("families")?,
                            sessions_held: r.count("held")?,
                        })
                    })
                    .collect()
            })
        }))
        .await
    }

    async fn add_p2k2_families(&self, cohort_id: Id, family_ids: &[Id]) -> StoreResult<u64> {
        let ids = family_ids.to_vec();
        self.write(job(move |c| {
            Box::pin(async move {
                let cohort = get_cohort(c, cohort_id).await?;
                let mut n = 0;
                for id in ids {
                    let mut fam = Sql::new("SELECT program_id FROM pkh_families WHERE id = ");
                    fam.bind(id);
                    match first(c, &fam).await? {
                        Some(r) if r.int("program_id")? == cohort.program_id => {}
                        _ => return Err(reference("family_id", format!("family {id} is not a family of the program"))),
                    }
                    let mut taken = Sql::new("SELECT cohort_id FROM p2k2_cohort_families WHERE family_id = ");
                    taken.bind(id);
                    if let Some(r) = first(c, &taken).await? {
                        if r.int("cohort_id")? == cohort_id {
                            continue;
                        }
                        return Err(StoreError::Duplicate {
                            field: "family_id",
                            message: format!("family {id} is in another cohort"),
                        });
                    }
                    let mut ins = Sql::new("INSERT INTO p2k2_cohort_families (cohort_id, family_id) VALUES ");
                    ins.list([cohort_id, id]);
                    n += exec(c, &ins).await?;
                }
                Ok(n)
            })
        }))
        .await
    }

    async fn p2k2_family_cohort(&self, family_id: Id) -> StoreResult<Option<Cohort>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(format!(
                    "{COHORT_SELECT} JOIN p2k2_cohort_families cf ON cf.cohort_id = c.id WHERE cf.family_id = "
                ));
                sql.bind(family_id);
                first(c, &sql).await?.as_ref().map(cohort_row).transpose()
            })
        }))
        .await
    }

    async fn link_p2k2_session(&self, activity_id: Id, session_id: Id, cohort_id: Id) -> StoreResult<()> {
        self.write(job(move |c| {
            Box::pin(async move {
                let cohort = get_cohort(c, cohort_id).await?;
                let mut act = Sql::new("SELECT program_id FROM activities WHERE id = ");
                act.bind(activity_id);
                match first(c, &act).await? {
                    Some(r) if r.int("program_id")? == cohort.program_id => {}
                    _ => {
                        return Err(reference(
                            "activity_id",
                            format!("activity {activity_id} is not an activity of the cohort's program"),
                        ));
                    }
                }
                if !exists(c, "p2k2_sessions", session_id).await? {
                    return Err(reference("session_id", format!("session {session_id} does not exist")));
                }
                let mut dup = Sql::new("SELECT 1 AS one FROM p2k2_session_activities WHERE activity_id = ");
                dup.bind(activity_id);
                if first(c, &dup).await?.is_some() {
                    return Err(StoreError::Duplicate {
                        field: "activity_id",
                        message: "the activity is linked to a session already".into(),
                    });
                }
                let mut ins =
                    Sql::new("INSERT INTO p2k2_session_activities (activity_id, session_id, cohort_id) VALUES ");
                ins.list([activity_id, session_id, cohort_id]);
                exec(c, &ins).await?;
                Ok(())
            })
        }))
        .await
    }

    async fn p2k2_held(&self, cohort_id: Id) -> StoreResult<Vec<HeldSession>> {
        self.read(job(move |c| {
            Box::pin(async move {
                get_cohort(c, cohort_id).await?;
                let mut sql = Sql::new(
                    "SELECT a.id, a.held_on, a.title, s.id AS session_id, s.code, \
                     (SELECT COUNT(DISTINCT cf.family_id) FROM p2k2_cohort_families cf \
                        JOIN pkh_families f ON f.id = cf.family_id \
                        JOIN people p ON p.household_id = f.household_id \
                        JOIN attendance t ON t.person_id = p.id AND t.activity_id = a.id AND t.status = 'present' \
                      WHERE cf.cohort_id = sa.cohort_id) AS present \
                     FROM p2k2_session_activities sa JOIN activities a ON a.id = sa.activity_id \
                     JOIN p2k2_sessions s ON s.id = sa.session_id WHERE sa.cohort_id = ",
                );
                sql.bind(cohort_id).push(" ORDER BY a.held_on DESC, a.id DESC");
                rows(c, &sql)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(HeldSession {
                            activity_id: r.int("id")?,
                            held_on: r.date("held_on")?,
                            title: r.text("title")?,
                            session_id: r.int("session_id")?,
                            session_code: r.text("code")?,
                            families_present: r.count("present")?,
                        })
                    })
                    .collect()
            })
        }))
        .await
    }

    async fn p2k2_progress(&self, cohort_id: Id) -> StoreResult<Vec<FamilyProgress>> {
        self.read(job(move |c| {
            Box::pin(async move {
                get_cohort(c, cohort_id).await?;
                let cat = catalogue(c).await?;
                let mut sql = Sql::new(
                    "SELECT f.id, f.household_id, h.address FROM p2k2_cohort_families cf \
                     JOIN pkh_families f ON f.id = cf.family_id JOIN households h ON h.id = f.household_id \
                     WHERE cf.cohort_id = ",
                );
                sql.bind(cohort_id).push(" ORDER BY f.id");
                let fams = rows(c, &sql).await?;
                let ids: Vec<Id> = fams.iter().map(|r| r.int("id")).collect::<StoreResult<_>>()?;
                let seen = attended(c, &ids).await?;
                let none = HashSet::new();
                fams.iter()
                    .map(|r| {
                        let id = r.int("id")?;
                        Ok(FamilyProgress {
                            family_id: id,
                            household_id: r.int("household_id")?,
                            address: r.text("address")?,
                            modules: progress(&cat, seen.get(&id).unwrap_or(&none)),
                        })
                    })
                    .collect()
            })
        }))
        .await
    }

    async fn p2k2_family_progress(&self, family_id: Id) -> StoreResult<Vec<ModuleProgress>> {
        self.read(job(move |c| {
            Box::pin(async move {
                if !exists(c, "pkh_families", family_id).await? {
                    return Err(StoreError::NotFound { entity: "family" });
                }
                let cat = catalogue(c).await?;
                let seen = attended(c, &[family_id]).await?;
                Ok(progress(&cat, seen.get(&family_id).unwrap_or(&HashSet::new())))
            })
        }))
        .await
    }

    async fn p2k2_free_families(&self, program_id: Id, limit: u32) -> StoreResult<Vec<(Id, Id, String)>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(
                    "SELECT f.id, f.household_id, h.address FROM pkh_families f JOIN households h ON h.id = f.household_id \
                     WHERE f.program_id = ",
                );
                sql.bind(program_id)
                    .push(" AND f.status <> 'terminated' AND NOT EXISTS (SELECT 1 FROM p2k2_cohort_families cf WHERE cf.family_id = f.id) ORDER BY f.id LIMIT ")
                    .bind(i64::from(limit));
                rows(c, &sql)
                    .await?
                    .iter()
                    .map(|r| Ok((r.int("id")?, r.int("household_id")?, r.text("address")?)))
                    .collect()
            })
        }))
        .await
    }

    async fn p2k2_free_activities(&self, program_id: Id, limit: u32) -> StoreResult<Vec<(Id, Date, String)>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new("SELECT a.id, a.held_on, a.title FROM activities a WHERE a.program_id = ");
                sql.bind(program_id)
                    .push(" AND NOT EXISTS (SELECT 1 FROM p2k2_session_activities sa WHERE sa.activity_id = a.id) ORDER BY a.held_on DESC, a.id DESC LIMIT ")
                    .bind(i64::from(limit));
                rows(c, &sql).await?.iter().map(|r| Ok((r.int("id")?, r.date("held_on")?, r.text("title")?))).collect()
            })
        }))
        .await
    }
}
