//! Storage of a program's stakeholders and their contributions, its outcome indicators and
//! values, and neighbourhoods' slum baselines (before and after the works).

use std::collections::BTreeMap;

use async_trait::async_trait;
use berdaya_domain::kotaku::outcome::{Indicator, Measure, NewIndicator, NewOutcomeValue, OutcomeValue, Subject};
use berdaya_domain::kotaku::partner::{
    Contribution, ContributionKind, NewContribution, NewStakeholder, PartnerRole, Sector, Stakeholder,
};
use berdaya_domain::kotaku::slum::{Measure as SlumMeasure, Parameter};
use berdaya_domain::registry::{Id, Invalid, RegionCode, Version};
use time::Date;

use crate::kit::{
    self, Backend, Conn, Reference, Row, Sql, Value, check_references, exec, first, insert_row, job, rows,
};
use crate::{StoreError, StoreResult};

/// A neighbourhood's slum baseline: 16 measures on a day, before or after the works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlumBaseline {
    pub id: Id,
    pub program_id: Option<Id>,
    pub region: RegionCode,
    pub region_name: String,
    /// `RT 03 Lingkungan 1`.
    pub neighbourhood: String,
    pub measured_on: Date,
    /// `before` or `after`.
    pub phase: String,
    pub note: Option<String>,
    pub measures: BTreeMap<Parameter, SlumMeasure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlumBaseline {
    pub program_id: Option<Id>,
    pub region: RegionCode,
    pub neighbourhood: String,
    pub measured_on: Date,
    pub phase: String,
    pub note: Option<String>,
    pub measures: BTreeMap<Parameter, SlumMeasure>,
}

#[async_trait]
pub trait PartnerStore {
    async fn add_stakeholder(&self, program_id: Id, new: &NewStakeholder) -> StoreResult<Stakeholder>;
    async fn update_stakeholder(&self, id: Id, new: &NewStakeholder, version: Version) -> StoreResult<Stakeholder>;
    async fn stakeholder(&self, id: Id) -> StoreResult<Stakeholder>;
    /// A program's stakeholders, by sector then name, each with its contributions.
    async fn stakeholders(&self, program_id: Id) -> StoreResult<Vec<(Stakeholder, Vec<Contribution>)>>;
    /// Adds a contribution; its activity, when named, must be one of the stakeholder's program.
    async fn add_contribution(&self, stakeholder_id: Id, new: &NewContribution) -> StoreResult<Contribution>;

    async fn add_indicator(&self, program_id: Id, new: &NewIndicator) -> StoreResult<Indicator>;
    async fn indicator(&self, id: Id) -> StoreResult<Indicator>;
    async fn indicators(&self, program_id: Id) -> StoreResult<Vec<Indicator>>;
    /// Records (or replaces) a subject's baseline and follow-up; the subject must exist as
    /// the indicator's kind (`subject_id`).
    async fn set_outcome(&self, indicator_id: Id, new: &NewOutcomeValue) -> StoreResult<OutcomeValue>;
    async fn outcomes(&self, indicator_id: Id) -> StoreResult<Vec<OutcomeValue>>;
    /// A household's or group's outcome values with their indicators.
    async fn subject_outcomes(&self, subject: Subject, id: Id) -> StoreResult<Vec<(Indicator, OutcomeValue)>>;

    /// Stores a baseline with all 16 measures.
    async fn add_slum_baseline(&self, new: &NewSlumBaseline) -> StoreResult<SlumBaseline>;
    async fn slum_baseline(&self, id: Id) -> StoreResult<SlumBaseline>;
    /// Baselines in a region (its subtree), by neighbourhood then date.
    async fn slum_baselines(&self, code: &RegionCode) -> StoreResult<Vec<SlumBaseline>>;
    /// A program's baselines, by neighbourhood then date.
    async fn program_slum_baselines(&self, program_id: Id) -> StoreResult<Vec<SlumBaseline>>;
}

const STAKEHOLDER_COLUMNS: &str = "id, program_id, name, organisation, sector, role, note, version";

fn stakeholder_row(row: &Row) -> StoreResult<Stakeholder> {
    Ok(Stakeholder {
        id: row.int("id")?,
        program_id: row.int("program_id")?,
        name: row.text("name")?,
        organisation: row.bool("organisation")?,
        sector: row.parsed("sector", Sector::parse)?,
        role: row.parsed("role", PartnerRole::parse)?,
        note: row.opt_text("note")?,
        version: row.int("version")?,
    })
}

fn contribution_row(row: &Row) -> StoreResult<Contribution> {
    Ok(Contribution {
        id: row.int("id")?,
        stakeholder_id: row.int("stakeholder_id")?,
        kind: row.parsed("kind", ContributionKind::parse)?,
        description: row.text("description")?,
        value_rp: row.int("value_rp")?,
        given_on: row.date("given_on")?,
        activity_id: row.opt_int("activity_id")?,
    })
}

async fn stakeholder_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Stakeholder> {
    let mut q = Sql::new(format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE id = "));
    q.bind(id);
    first(c, &q).await?.as_ref().map(stakeholder_row).transpose()?.ok_or(StoreError::NotFound { entity: "stakeholder" })
}

fn stakeholder_values(n: &NewStakeholder) -> Vec<(&'static str, Value)> {
    vec![
        ("name", n.name.as_str().into()),
        ("name_key", kit::key(&n.name).into()),
        ("organisation", n.organisation.into()),
        ("sector", n.sector.code().into()),
        ("role", n.role.code().into()),
        ("note", n.note.clone().into()),
    ]
}

const INDICATOR_COLUMNS: &str = "id, program_id, name, measure, subject, version";

fn indicator_row(row: &Row) -> StoreResult<Indicator> {
    Ok(Indicator {
        id: row.int("id")?,
        program_id: row.int("program_id")?,
        name: row.text("name")?,
        measure: row.parsed("measure", Measure::parse)?,
        subject: row.parsed("subject", Subject::parse)?,
        version: row.int("version")?,
    })
}

async fn indicator_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Indicator> {
    let mut q = Sql::new(format!("SELECT {INDICATOR_COLUMNS} FROM outcome_indicators WHERE id = "));
    q.bind(id);
    first(c, &q).await?.as_ref().map(indicator_row).transpose()?.ok_or(StoreError::NotFound { entity: "indicator" })
}

const VALUE_COLUMNS: &str = "id, indicator_id, subject_id, baseline, baseline_on, followup, followup_on, version";

fn value_row(row: &Row) -> StoreResult<OutcomeValue> {
    Ok(OutcomeValue {
        id: row.int("id")?,
        indicator_id: row.int("indicator_id")?,
        subject_id: row.int("subject_id")?,
        baseline: row.int("baseline")?,
        baseline_on: row.date("baseline_on")?,
        followup: row.opt_int("followup")?,
        followup_on: row.opt_date("followup_on")?,
        version: row.int("version")?,
    })
}

async fn baselines_where(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<SlumBaseline>> {
    let mut sql = Sql::new(
        "SELECT b.id, b.program_id, b.region, r.name AS region_name, b.neighbourhood, b.measured_on, b.phase, b.note \
         FROM slum_baselines b JOIN regions r ON r.code = b.region WHERE ",
    );
    sql.append(&cond).push(" ORDER BY b.region, b.neighbourhood, b.measured_on, b.id");
    let mut list = Vec::new();
    for row in rows(c, &sql).await? {
        list.push(SlumBaseline {
            id: row.int("id")?,
            program_id: row.opt_int("program_id")?,
            region: row.parsed("region", RegionCode::parse)?,
            region_name: row.text("region_name")?,
            neighbourhood: row.text("neighbourhood")?,
            measured_on: row.date("measured_on")?,
            phase: row.text("phase")?,
            note: row.opt_text("note")?,
            measures: BTreeMap::new(),
        });
    }
    if list.is_empty() {
        return Ok(list);
    }
    let mut q = Sql::new("SELECT baseline_id, parameter, affected, total FROM slum_measures WHERE baseline_id IN ");
    q.list(list.iter().map(|b| b.id));
    for r in rows(c, &q).await? {
        let bid = r.int("baseline_id")?;
        let parameter = r.parsed("parameter", Parameter::parse)?;
        let m = SlumMeasure { affected: r.int("affected")?.max(0) as u64, total: r.int("total")?.max(0) as u64 };
        if let Some(b) = list.iter_mut().find(|b| b.id == bid) {
            b.measures.insert(parameter, m);
        }
    }
    Ok(list)
}

#[async_trait]
impl<B: Backend> PartnerStore for B {
    async fn add_stakeholder(&self, program_id: Id, new: &NewStakeholder) -> StoreResult<Stakeholder> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("program_id", "programs", "program", program_id)]).await?;
                let mut values = vec![("program_id", Value::from(program_id))];
                values.extend(stakeholder_values(&n));
                let id = insert_row(c, "stakeholders", values).await?;
                stakeholder_by_id(c, id).await
            })
        }))
        .await
    }

    async fn update_stakeholder(&self, id: Id, new: &NewStakeholder, version: Version) -> StoreResult<Stakeholder> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                kit::update_row(c, "stakeholders", "stakeholder", id, stakeholder_values(&n), version).await?;
                stakeholder_by_id(c, id).await
            })
        }))
        .await
    }

    async fn stakeholder(&self, id: Id) -> StoreResult<Stakeholder> {
        self.read(job(move |c| Box::pin(async move { stakeholder_by_id(c, id).await }))).await
    }

    async fn stakeholders(&self, program_id: Id) -> StoreResult<Vec<(Stakeholder, Vec<Contribution>)>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(format!("SELECT {STAKEHOLDER_COLUMNS} FROM stakeholders WHERE program_id = "));
                q.bind(program_id).push(" ORDER BY sector, name_key, id");
                let list = rows(c, &q).await?.iter().map(stakeholder_row).collect::<StoreResult<Vec<_>>>()?;
                let mut q = Sql::new(
                    "SELECT x.id, x.stakeholder_id, x.kind, x.description, x.value_rp, x.given_on, x.activity_id \
                     FROM contributions x JOIN stakeholders s ON s.id = x.stakeholder_id WHERE s.program_id = ",
                );
                q.bind(program_id).push(" ORDER BY x.given_on, x.id");
                let all = rows(c, &q).await?.iter().map(contribution_row).collect::<StoreResult<Vec<_>>>()?;
                Ok(list
                    .into_iter()
                    .map(|s| {
                        let mine = all.iter().filter(|x| x.stakeholder_id == s.id).cloned().collect();
                        (s, mine)
                    })
                    .collect())
            })
        }))
        .await
    }

    async fn add_contribution(&self, stakeholder_id: Id, new: &NewContribution) -> StoreResult<Contribution> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let s = stakeholder_by_id(c, stakeholder_id).await?;
                if let Some(a) = n.activity_id {
                    let mut q = Sql::new("SELECT 1 AS one FROM activities WHERE id = ");
                    q.bind(a).push(" AND program_id = ").bind(s.program_id);
                    if first(c, &q).await?.is_none() {
                        return Err(StoreError::Reference {
                            field: "activity_id",
                            message: format!("activity {a} does not exist"),
                        });
                    }
                }
                let id = insert_row(
                    c,
                    "contributions",
                    vec![
                        ("stakeholder_id", stakeholder_id.into()),
                        ("kind", n.kind.code().into()),
                        ("description", n.description.as_str().into()),
                        ("value_rp", n.value_rp.into()),
                        ("given_on", n.given_on.into()),
                        ("activity_id", n.activity_id.into()),
                    ],
                )
                .await?;
                let mut q = Sql::new(
                    "SELECT id, stakeholder_id, kind, description, value_rp, given_on, activity_id FROM contributions \
                     WHERE id = ",
                );
                q.bind(id);
                first(c, &q)
                    .await?
                    .as_ref()
                    .map(contribution_row)
                    .transpose()?
                    .ok_or(StoreError::NotFound { entity: "contribution" })
            })
        }))
        .await
    }

    async fn add_indicator(&self, program_id: Id, new: &NewIndicator) -> StoreResult<Indicator> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("program_id", "programs", "program", program_id)]).await?;
                let id = insert_row(
                    c,
                    "outcome_indicators",
                    vec![
                        ("program_id", program_id.into()),
                        ("name", n.name.as_str().into()),
                        ("measure", n.measure.code().into()),
                        ("subject", n.subject.code().into()),
                    ],
                )
                .await
                .map_err(|e| {
                    kit::on_duplicate(e, Some(("name", "the program already has an indicator with this name")))
                })?;
                indicator_by_id(c, id).await
            })
        }))
        .await
    }

    async fn indicator(&self, id: Id) -> StoreResult<Indicator> {
        self.read(job(move |c| Box::pin(async move { indicator_by_id(c, id).await }))).await
    }

    async fn indicators(&self, program_id: Id) -> StoreResult<Vec<Indicator>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(format!("SELECT {INDICATOR_COLUMNS} FROM outcome_indicators WHERE program_id = "));
                q.bind(program_id).push(" ORDER BY id");
                rows(c, &q).await?.iter().map(indicator_row).collect()
            })
        }))
        .await
    }

    async fn set_outcome(&self, indicator_id: Id, new: &NewOutcomeValue) -> StoreResult<OutcomeValue> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let ind = indicator_by_id(c, indicator_id).await?;
                let (table, what) = match ind.subject {
                    Subject::Household => ("households", "household"),
                    Subject::Group => ("groups", "group"),
                };
                check_references(c, vec![Reference::id("subject_id", table, what, n.subject_id)]).await?;
                let mut del = Sql::new("DELETE FROM outcome_values WHERE indicator_id = ");
                del.bind(indicator_id).push(" AND subject_id = ").bind(n.subject_id);
                exec(c, &del).await?;
                let id = insert_row(
                    c,
                    "outcome_values",
                    vec![
                        ("indicator_id", indicator_id.into()),
                        ("subject_id", n.subject_id.into()),
                        ("baseline", n.baseline.into()),
                        ("baseline_on", n.baseline_on.into()),
                        ("followup", n.followup.into()),
                        ("followup_on", n.followup_on.into()),
                    ],
                )
                .await?;
                let mut q = Sql::new(format!("SELECT {VALUE_COLUMNS} FROM outcome_values WHERE id = "));
                q.bind(id);
                first(c, &q)
                    .await?
                    .as_ref()
                    .map(value_row)
                    .transpose()?
                    .ok_or(StoreError::NotFound { entity: "outcome" })
            })
        }))
        .await
    }

    async fn outcomes(&self, indicator_id: Id) -> StoreResult<Vec<OutcomeValue>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(format!("SELECT {VALUE_COLUMNS} FROM outcome_values WHERE indicator_id = "));
                q.bind(indicator_id).push(" ORDER BY subject_id");
                rows(c, &q).await?.iter().map(value_row).collect()
            })
        }))
        .await
    }

    async fn subject_outcomes(&self, subject: Subject, id: Id) -> StoreResult<Vec<(Indicator, OutcomeValue)>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(
                    "SELECT v.id, v.indicator_id, v.subject_id, v.baseline, v.baseline_on, v.followup, v.followup_on, \
                     v.version, i.program_id, i.name, i.measure, i.subject, i.version AS indicator_version \
                     FROM outcome_values v JOIN outcome_indicators i ON i.id = v.indicator_id WHERE i.subject = ",
                );
                q.bind(subject.code()).push(" AND v.subject_id = ").bind(id).push(" ORDER BY i.id");
                let mut out = Vec::new();
                for r in rows(c, &q).await? {
                    let ind = Indicator {
                        id: r.int("indicator_id")?,
                        program_id: r.int("program_id")?,
                        name: r.text("name")?,
                        measure: r.parsed("measure", Measure::parse)?,
                        subject: r.parsed("subject", Subject::parse)?,
                        version: r.int("indicator_version")?,
                    };
                    out.push((ind, value_row(&r)?));
                }
                Ok(out)
            })
        }))
        .await
    }

    async fn add_slum_baseline(&self, new: &NewSlumBaseline) -> StoreResult<SlumBaseline> {
        let n = new.clone();
        if n.phase != "before" && n.phase != "after" {
            return Err(Invalid::one("phase", "must be before or after").into());
        }
        let missing: Vec<&str> =
            Parameter::ALL.iter().filter(|p| !n.measures.contains_key(p)).map(|p| p.code()).collect();
        if !missing.is_empty() {
            return Err(Invalid::one(
                "measures",
                format!("every parameter is needed; missing: {}", missing.join(", ")),
            )
            .into());
        }
        if let Some((p, _)) = n.measures.iter().find(|(_, m)| m.total == 0 || m.affected > m.total) {
            return Err(Invalid::one(
                p.code(),
                "the total must be more than zero and the affected not more than the total",
            )
            .into());
        }
        self.write(job(move |c| {
            Box::pin(async move {
                let mut refs = vec![Reference::region("region", &n.region)];
                if let Some(p) = n.program_id {
                    refs.push(Reference::id("program_id", "programs", "program", p));
                }
                check_references(c, refs).await?;
                let id = insert_row(
                    c,
                    "slum_baselines",
                    vec![
                        ("program_id", n.program_id.into()),
                        ("region", n.region.as_str().into()),
                        ("neighbourhood", n.neighbourhood.as_str().into()),
                        ("measured_on", n.measured_on.into()),
                        ("phase", n.phase.as_str().into()),
                        ("note", n.note.clone().into()),
                    ],
                )
                .await
                .map_err(|e| {
                    kit::on_duplicate(
                        e,
                        Some(("measured_on", "this neighbourhood already has a baseline of this phase on this day")),
                    )
                })?;
                for (p, m) in &n.measures {
                    let mut q = Sql::new("INSERT INTO slum_measures (baseline_id, parameter, affected, total) VALUES ");
                    q.list::<Value>([id.into(), p.code().into(), (m.affected as i64).into(), (m.total as i64).into()]);
                    exec(c, &q).await?;
                }
                let mut cond = Sql::new("b.id = ");
                cond.bind(id);
                baselines_where(c, cond).await?.into_iter().next().ok_or(StoreError::NotFound { entity: "baseline" })
            })
        }))
        .await
    }

    async fn slum_baseline(&self, id: Id) -> StoreResult<SlumBaseline> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("b.id = ");
                cond.bind(id);
                baselines_where(c, cond).await?.into_iter().next().ok_or(StoreError::NotFound { entity: "baseline" })
            })
        }))
        .await
    }

    async fn slum_baselines(&self, code: &RegionCode) -> StoreResult<Vec<SlumBaseline>> {
        let code = code.clone();
        self.read(job(move |c| {
            Box::pin(async move { baselines_where(c, kit::subtree("b.region", code.as_str())).await })
        }))
        .await
    }

    async fn program_slum_baselines(&self, program_id: Id) -> StoreResult<Vec<SlumBaseline>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("b.program_id = ");
                cond.bind(program_id);
                baselines_where(c, cond).await
            })
        }))
        .await
    }
}
