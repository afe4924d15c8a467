//! Storage of stage cycles: a program's stage model (a JSON document; the defaults when it
//! has none), each community's cycles with a copy of the model they started under, their
//! stages with status and dates, milestones ticked, and the activities held in a stage.

use async_trait::async_trait;
use berdaya_domain::kotaku::stage::{CycleStage, StageModel, StageMove, StageStatus, transition};
use berdaya_domain::registry::{Id, Invalid, RegionCode, Version};
use time::Date;

use crate::access::current_actor;
use crate::kit::{Backend, Conn, Reference, Row, Sql, Value, check_references, exec, first, insert_row, job, rows};
use crate::{StoreError, StoreResult};

/// One community's run through a stage model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub id: Id,
    pub program_id: Id,
    /// `Kelurahan Kaliawi Persada`, `Dusun Gerdu`.
    pub community: String,
    pub region: RegionCode,
    pub region_name: String,
    pub model: StageModel,
    /// 1 for the first cycle of the community, 2 for the next …
    pub cycle_no: i32,
    pub started_on: Date,
    pub stages: Vec<CycleStage>,
    /// Activity ids held in each stage, by the stage's id.
    pub activities: Vec<(Id, Id)>,
    pub version: Version,
}

impl Cycle {
    /// Whether every stage is done.
    pub fn finished(&self) -> bool {
        self.stages.iter().all(|s| s.status == StageStatus::Done)
    }

    /// The first stage not done, if any: where the community stands.
    pub fn current(&self) -> Option<&CycleStage> {
        self.stages.iter().find(|s| s.status != StageStatus::Done)
    }
}

#[async_trait]
pub trait CycleStore {
    /// The program's stage model, if it set one.
    async fn stage_model(&self, program_id: Id) -> StoreResult<Option<StageModel>>;
    /// Sets the program's stage model (checked); cycles already started keep theirs.
    async fn set_stage_model(&self, program_id: Id, model: &StageModel) -> StoreResult<()>;
    /// Starts a community's cycle under `model`, its stages not started. A community's next
    /// cycle starts only once its last is finished and only under a repeating model.
    async fn start_cycle(
        &self,
        program_id: Id,
        community: &str,
        region: &RegionCode,
        model: &StageModel,
        on: Date,
    ) -> StoreResult<Cycle>;
    async fn cycle(&self, id: Id) -> StoreResult<Cycle>;
    /// A program's cycles, by community then cycle number.
    async fn program_cycles(&self, program_id: Id) -> StoreResult<Vec<Cycle>>;
    /// Cycles of communities in a region.
    async fn region_cycles(&self, code: &RegionCode) -> StoreResult<Vec<Cycle>>;
    /// Starts, finishes or reopens a stage, by the rules of [`transition`].
    async fn move_stage(
        &self,
        stage_id: Id,
        mv: StageMove,
        on: Date,
        note: Option<&str>,
        version: Version,
    ) -> StoreResult<CycleStage>;
    /// Ticks (or, `done` false, unticks) a milestone of a stage in progress.
    async fn tick_milestone(&self, stage_id: Id, code: &str, on: Date, done: bool) -> StoreResult<CycleStage>;
    /// Records that an activity of the program was held in the stage.
    async fn link_stage_activity(&self, stage_id: Id, activity_id: Id) -> StoreResult<()>;
    /// The cycle a stage belongs to.
    async fn stage_cycle(&self, stage_id: Id) -> StoreResult<Cycle>;
}

const CYCLE_SELECT: &str = "SELECT c.id, c.program_id, c.community, c.region, r.name AS region_name, c.model, \
     c.cycle_no, c.started_on, c.version FROM community_cycles c JOIN regions r ON r.code = c.region";

const STAGE_COLUMNS: &str = "id, cycle_id, position, code, status, started_on, done_on, note, touched_on, version";

fn stage_row(row: &Row) -> StoreResult<CycleStage> {
    Ok(CycleStage {
        id: row.int("id")?,
        cycle_id: row.int("cycle_id")?,
        position: row.int("position")? as i32,
        code: row.text("code")?,
        status: row.parsed("status", StageStatus::parse)?,
        started_on: row.opt_date("started_on")?,
        done_on: row.opt_date("done_on")?,
        milestones: Vec::new(),
        note: row.opt_text("note")?,
        touched_on: row.opt_date("touched_on")?,
        version: row.int("version")?,
    })
}

async fn cycles_where(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<Cycle>> {
    let mut sql = Sql::new(CYCLE_SELECT);
    sql.push(" WHERE ").append(&cond).push(" ORDER BY c.community, c.cycle_no");
    let mut list = Vec::new();
    for row in rows(c, &sql).await? {
        let model: StageModel =
            serde_json::from_str(&row.text("model")?).map_err(|e| crate::kit::corrupt("community_cycles.model", e))?;
        list.push(Cycle {
            id: row.int("id")?,
            program_id: row.int("program_id")?,
            community: row.text("community")?,
            region: row.parsed("region", RegionCode::parse)?,
            region_name: row.text("region_name")?,
            model,
            cycle_no: row.int("cycle_no")? as i32,
            started_on: row.date("started_on")?,
            stages: Vec::new(),
            activities: Vec::new(),
            version: row.int("version")?,
        });
    }
    if list.is_empty() {
        return Ok(list);
    }
    let ids: Vec<Id> = list.iter().map(|c| c.id).collect();
    let mut q = Sql::new(format!("SELECT {STAGE_COLUMNS} FROM cycle_stages WHERE cycle_id IN "));
    q.list(ids.iter().copied()).push(" ORDER BY cycle_id, position");
    let mut stages = rows(c, &q).await?.iter().map(stage_row).collect::<StoreResult<Vec<_>>>()?;
    let mut q = Sql::new(
        "SELECT m.stage_id, m.code, m.done_on FROM cycle_milestones m JOIN cycle_stages s ON s.id = m.stage_id \
         WHERE s.cycle_id IN ",
    );
    q.list(ids.iter().copied()).push(" ORDER BY m.id");
    for r in rows(c, &q).await? {
        let sid = r.int("stage_id")?;
        if let Some(s) = stages.iter_mut().find(|s| s.id == sid) {
            s.milestones.push((r.text("code")?, r.date("done_on")?));
        }
    }
    let mut q = Sql::new(
        "SELECT a.stage_id, a.activity_id FROM stage_activities a JOIN cycle_stages s ON s.id = a.stage_id \
         WHERE s.cycle_id IN ",
    );
    q.list(ids.iter().copied()).push(" ORDER BY a.stage_id, a.activity_id");
    let links = rows(c, &q).await?;
    for cy in &mut list {
        cy.stages = stages.iter().filter(|s| s.cycle_id == cy.id).cloned().collect();
        for r in &links {
            let sid = r.int("stage_id")?;
            if cy.stages.iter().any(|s| s.id == sid) {
                cy.activities.push((sid, r.int("activity_id")?));
            }
        }
    }
    stages.clear();
    Ok(list)
}

async fn cycle_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Cycle> {
    let mut cond = Sql::new("c.id = ");
    cond.bind(id);
    cycles_where(c, cond).await?.into_iter().next().ok_or(StoreError::NotFound { entity: "cycle" })
}

async fn cycle_of_stage(c: &mut dyn Conn, stage_id: Id) -> StoreResult<Cycle> {
    let mut cond = Sql::new("c.id = (SELECT cycle_id FROM cycle_stages WHERE id = ");
    cond.bind(stage_id).push(")");
    cycles_where(c, cond).await?.into_iter().next().ok_or(StoreError::NotFound { entity: "stage" })
}

fn stage_in(cycle: &Cycle, stage_id: Id) -> StoreResult<(usize, CycleStage)> {
    cycle
        .stages
        .iter()
        .position(|s| s.id == stage_id)
        .map(|i| (i, cycle.stages[i].clone()))
        .ok_or(StoreError::NotFound { entity: "stage" })
}

async fn touch(c: &mut dyn Conn, stage_id: Id, on: Date) -> StoreResult<()> {
    let mut sql = Sql::new(
        "UPDATE cycle_stages SET version = version + 1, touched_on = CASE WHEN touched_on IS NULL OR touched_on < ",
    );
    sql.bind(on).push(" THEN ").bind(on).push(" ELSE touched_on END WHERE id = ").bind(stage_id);
    exec(c, &sql).await?;
    Ok(())
}

#[async_trait]
impl<B: Backend> CycleStore for B {
    async fn stage_model(&self, program_id: Id) -> StoreResult<Option<StageModel>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new("SELECT document FROM program_stage_models WHERE program_id = ");
                q.bind(program_id);
                match first(c, &q).await? {
                    Some(r) => serde_json::from_str(&r.text("document")?)
                        .map(Some)
                        .map_err(|e| crate::kit::corrupt("program_stage_models.document", e)),
                    None => Ok(None),
                }
            })
        }))
        .await
    }

    async fn set_stage_model(&self, program_id: Id, model: &StageModel) -> StoreResult<()> {
        model.check()?;
        let doc = serde_json::to_string(model).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("program_id", "programs", "program", program_id)]).await?;
                let mut q = Sql::new("INSERT INTO program_stage_models (program_id, document) VALUES (");
                q.bind(program_id).push(", ").bind(doc).push(
                    ") ON CONFLICT (program_id) DO UPDATE SET document = excluded.document, \
                     version = program_stage_models.version + 1",
                );
                exec(c, &q).await?;
                Ok(())
            })
        }))
        .await
    }

    async fn start_cycle(
        &self,
        program_id: Id,
        community: &str,
        region: &RegionCode,
        model: &StageModel,
        on: Date,
    ) -> StoreResult<Cycle> {
        model.check()?;
        let community = berdaya_domain::registry::text::text(community, 1, 150)
            .map_err(|m| StoreError::Invalid(Invalid::one("community", m)))?;
        let (region, model) = (region.clone(), model.clone());
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(
                    c,
                    vec![
                        Reference::id("program_id", "programs", "program", program_id),
                        Reference::region("region", &region),
                    ],
                )
                .await?;
                let mut cond = Sql::new("c.program_id = ");
                cond.bind(program_id).push(" AND c.community = ").bind(community.clone());
                let earlier = cycles_where(c, cond).await?;
                if let Some(last) = earlier.last() {
                    if !last.finished() {
                        return Err(Invalid::one(
                            "community",
                            format!("cycle {} of this community is not finished yet", last.cycle_no),
                        )
                        .into());
                    }
                    if !last.model.repeating {
                        return Err(Invalid::one("community", "the stage model does not repeat").into());
                    }
                    if on < last.stages.iter().filter_map(|s| s.done_on).max().unwrap_or(last.started_on) {
                        return Err(Invalid::one("started_on", "must not be before the last cycle ended").into());
                    }
                }
                let doc = serde_json::to_string(&model).map_err(|e| StoreError::Backend(e.to_string()))?;
                let id = insert_row(
                    c,
                    "community_cycles",
                    vec![
                        ("program_id", program_id.into()),
                        ("community", community.as_str().into()),
                        ("region", region.as_str().into()),
                        ("model", doc.into()),
                        ("cycle_no", (earlier.len() as i64 + 1).into()),
                        ("started_on", on.into()),
                    ],
                )
                .await?;
                for (i, s) in model.stages.iter().enumerate() {
                    insert_row(
                        c,
                        "cycle_stages",
                        vec![
                            ("cycle_id", id.into()),
                            ("position", (i as i64).into()),
                            ("code", s.code.as_str().into()),
                        ],
                    )
                    .await?;
                }
                cycle_by_id(c, id).await
            })
        }))
        .await
    }

    async fn cycle(&self, id: Id) -> StoreResult<Cycle> {
        self.read(job(move |c| Box::pin(async move { cycle_by_id(c, id).await }))).await
    }

    async fn program_cycles(&self, program_id: Id) -> StoreResult<Vec<Cycle>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("c.program_id = ");
                cond.bind(program_id);
                cycles_where(c, cond).await
            })
        }))
        .await
    }

    async fn region_cycles(&self, code: &RegionCode) -> StoreResult<Vec<Cycle>> {
        let code = code.clone();
        self.read(job(move |c| {
            Box::pin(async move { cycles_where(c, crate::kit::subtree("c.region", code.as_str())).await })
        }))
        .await
    }

    async fn move_stage(
        &self,
        stage_id: Id,
        mv: StageMove,
        on: Date,
        note: Option<&str>,
        version: Version,
    ) -> StoreResult<CycleStage> {
        let note = note.map(str::to_string);
        self.write(job(move |c| {
            Box::pin(async move {
                let cycle = cycle_of_stage(c, stage_id).await?;
                let (i, stage) = stage_in(&cycle, stage_id)?;
                if stage.version != version {
                    return Err(StoreError::Conflict { entity: "stage", expected: version, actual: stage.version });
                }
                let previous = i.checked_sub(1).map(|p| cycle.stages[p].status);
                let def = &cycle.model.stages[i.min(cycle.model.stages.len() - 1)];
                if mv == StageMove::Start && on < cycle.started_on {
                    return Err(Invalid::one("on", "must not be before the cycle started").into());
                }
                if mv == StageMove::Reopen && cycle.stages[i + 1..].iter().any(|s| s.status != StageStatus::NotStarted)
                {
                    return Err(Invalid::one("status", "a later stage has started; reopen that one first").into());
                }
                let status = transition(&stage, previous, def, mv, on)?;
                let mut sql = Sql::new("UPDATE cycle_stages SET version = version + 1, status = ");
                sql.bind(status.code()).push(", touched_on = ").bind(on);
                match mv {
                    StageMove::Start => sql.push(", started_on = ").bind(on),
                    StageMove::Finish => sql.push(", done_on = ").bind(on),
                    StageMove::Reopen => sql.push(", done_on = NULL"),
                };
                if let Some(n) = note {
                    sql.push(", note = ").bind(n);
                }
                sql.push(" WHERE id = ").bind(stage_id).push(" AND version = ").bind(version);
                exec(c, &sql).await?;
                let cycle = cycle_by_id(c, cycle.id).await?;
                Ok(stage_in(&cycle, stage_id)?.1)
            })
        }))
        .await
    }

    async fn tick_milestone(&self, stage_id: Id, code: &str, on: Date, done: bool) -> StoreResult<CycleStage> {
        let code = code.to_string();
        let by = current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                let cycle = cycle_of_stage(c, stage_id).await?;
                let (i, stage) = stage_in(&cycle, stage_id)?;
                let def = &cycle.model.stages[i.min(cycle.model.stages.len() - 1)];
                if !def.milestones.iter().any(|m| m.code == code) {
                    return Err(Invalid::one("milestone", "the stage has no such milestone").into());
                }
                if stage.status != StageStatus::InProgress {
                    return Err(
                        Invalid::one("milestone", "milestones are ticked while the stage is in progress").into()
                    );
                }
                if stage.started_on.is_some_and(|s| on < s) {
                    return Err(Invalid::one("on", "must not be before the stage started").into());
                }
                let mut sql = Sql::new("DELETE FROM cycle_milestones WHERE stage_id = ");
                sql.bind(stage_id).push(" AND code = ").bind(code.clone());
                exec(c, &sql).await?;
                if done {
                    insert_row(
                        c,
                        "cycle_milestones",
                        vec![
                            ("stage_id", stage_id.into()),
                            ("code", code.as_str().into()),
                            ("done_on", on.into()),
                            ("done_by", Value::from(by.as_str())),
                        ],
                    )
                    .await?;
                }
                touch(c, stage_id, on).await?;
                let cycle = cycle_by_id(c, cycle.id).await?;
                Ok(stage_in(&cycle, stage_id)?.1)
            })
        }))
        .await
    }

    async fn link_stage_activity(&self, stage_id: Id, activity_id: Id) -> StoreResult<()> {
        self.write(job(move |c| {
            Box::pin(async move {
                let cycle = cycle_of_stage(c, stage_id).await?;
                let mut q = Sql::new("SELECT held_on FROM activities WHERE id = ");
                q.bind(activity_id).push(" AND program_id = ").bind(cycle.program_id);
                let Some(row) = first(c, &q).await? else {
                    return Err(StoreError::Reference {
                        field: "activity_id",
                        message: format!("activity {activity_id} does not exist"),
                    });
                };
                let held = row.date("held_on")?;
                let mut sql = Sql::new("INSERT INTO stage_activities (stage_id, activity_id) VALUES (");
                sql.bind(stage_id)
                    .push(", ")
                    .bind(activity_id)
                    .push(") ON CONFLICT (stage_id, activity_id) DO NOTHING");
                exec(c, &sql).await?;
                touch(c, stage_id, held).await
            })
        }))
        .await
    }

    async fn stage_cycle(&self, stage_id: Id) -> StoreResult<Cycle> {
        self.read(job(move |c| Box::pin(async move { cycle_of_stage(c, stage_id).await }))).await
    }
}
