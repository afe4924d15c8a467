//! Storage of farmer-group class assessment: instruments (versions, never changed in place),
//! their indicators, and assessments with the scores, total and class they earned.

use async_trait::async_trait;
use berdaya_domain::agriculture::class::{
    Ability, Assessment, Bands, ClassBand, ClassChange, Indicator, Instrument, NewAssessment, NewInstrument,
};
use berdaya_domain::registry::{Group, Id, RegionCode, Version};
use time::Date;

use crate::kit::{self, Backend, Conn, Reference, Row, Sql, Value, exec, first, job, rows};
use crate::registry::Query;
use crate::{Page, StoreError, StoreResult};

/// A group of a program with its current class (its latest assessment, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupClass {
    pub group: Group,
    pub region_name: String,
    pub latest: Option<Assessment>,
}

/// Groups per current class for one program: the dashboard's figure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassCounts {
    /// Each class with the number of groups whose latest assessment earned it, lowest first.
    pub by_class: Vec<(ClassBand, u64)>,
    /// Groups of the program never assessed.
    pub unassessed: u64,
    /// Assessed groups whose next assessment was due before the day asked about.
    pub overdue: u64,
}

/// A staff member offered as an assessor, with their agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPick {
    pub id: Id,
    pub name: String,
    pub position: String,
    pub agency_id: Id,
    pub agency_name: String,
    pub region: RegionCode,
}

#[async_trait]
pub trait ClassStore {
    /// Every instrument version, newest first, with its indicators.
    async fn class_instruments(&self) -> StoreResult<Vec<Instrument>>;
    async fn class_instrument(&self, id: Id) -> StoreResult<Instrument>;
    /// The newest active instrument (the one new assessments use by default).
    async fn current_class_instrument(&self) -> StoreResult<Option<Instrument>>;
    /// Stores a new instrument version; with `replaces` (id and the version read) the old one
    /// is retired in the same transaction ([`StoreError::Conflict`] if it changed).
    async fn create_class_instrument(
        &self,
        new: &NewInstrument,
        replaces: Option<(Id, Version)>,
    ) -> StoreResult<Instrument>;
    /// Records an assessment: checks every score against its indicator's maximum, computes
    /// the total, the class by the instrument's bands, the group's previous class (its latest
    /// assessment on or before the date) and the change, and the next due date. One
    /// transaction: a refused score leaves nothing written.
    async fn record_class_assessment(&self, new: &NewAssessment) -> StoreResult<Assessment>;
    async fn class_assessment(&self, id: Id) -> StoreResult<Assessment>;
    /// A group's assessments, newest first.
    async fn group_class_history(&self, group_id: Id) -> StoreResult<Vec<Assessment>>;
    /// The groups of a program (enrolled in it, or assessed under it) with their current
    /// class, by group name.
    async fn program_classes(&self, program_id: Id) -> StoreResult<Vec<GroupClass>>;
    /// Groups of a program per current class, and how many are unassessed or overdue on
    /// `today`.
    async fn class_counts(&self, program_id: Id, today: Date) -> StoreResult<ClassCounts>;
    /// Staff whose name contains the query's text, in its region (their agency's), by name.
    async fn search_assessors(&self, query: &Query) -> StoreResult<Page<StaffPick>>;
    async fn assessor(&self, id: Id) -> StoreResult<StaffPick>;
}

const INSTRUMENT_COLUMNS: &str = "i.id, i.name, i.note, i.lanjut_from, i.madya_from, i.utama_from, i.reassess_months, i.active, i.replaces_id, i.version";

const ASSESSMENT_COLUMNS: &str = "a.id, a.group_id, a.program_id, a.instrument_id, a.assessor_id, a.assessed_on, \
     a.total, a.earned_class, a.previous_id, a.previous_class, a.class_change, a.due_on, a.notes, a.version";

fn instrument_row(row: &Row, indicators: Vec<Indicator>) -> StoreResult<Instrument> {
    Ok(Instrument {
        id: row.int("id")?,
        name: row.text("name")?,
        note: row.opt_text("note")?,
        bands: Bands {
            lanjut_from: row.int("lanjut_from")?,
            madya_from: row.int("madya_from")?,
            utama_from: row.int("utama_from")?,
        },
        reassess_months: row.int("reassess_months")?,
        active: row.bool("active")?,
        replaces_id: row.opt_int("replaces_id")?,
        version: row.int("version")?,
        indicators,
    })
}

fn indicator_row(row: &Row) -> StoreResult<Indicator> {
    Ok(Indicator {
        id: row.int("id")?,
        ability: row.parsed("ability", Ability::parse)?,
        position: row.int("position")?,
        text: row.text("text")?,
        max_score: row.int("max_score")?,
    })
}

fn assessment_row(row: &Row) -> StoreResult<Assessment> {
    Ok(Assessment {
        id: row.int("id")?,
        group_id: row.int("group_id")?,
        program_id: row.int("program_id")?,
        instrument_id: row.int("instrument_id")?,
        assessor_id: row.int("assessor_id")?,
        assessed_on: row.date("assessed_on")?,
        total: row.int("total")?,
        class: row.parsed("earned_class", ClassBand::parse)?,
        previous_id: row.opt_int("previous_id")?,
        previous_class: row.opt_parsed("previous_class", ClassBand::parse)?,
        change: row.opt_parsed("class_change", ClassChange::parse)?,
        due_on: row.date("due_on")?,
        notes: row.opt_text("notes")?,
        version: row.int("version")?,
        scores: Vec::new(),
    })
}

async fn load_instrument(c: &mut dyn Conn, id: Id) -> StoreResult<Option<Instrument>> {
    let mut sql = Sql::new(format!("SELECT {INSTRUMENT_COLUMNS} FROM class_instruments i WHERE i.id = "));
    sql.bind(id);
    let Some(row) = first(c, &sql).await? else { return Ok(None) };
    let mut ind =
        Sql::new("SELECT id, ability, position, text, max_score FROM class_indicators WHERE instrument_id = ");
    ind.bind(id).push(" ORDER BY position, id");
    let indicators = rows(c, &ind).await?.iter().map(indicator_row).collect::<StoreResult<Vec<_>>>()?;
    instrument_row(&row, indicators).map(Some)
}

/// Assessments matching `cond` (on `a`), in `order`, each with its scores.
async fn load_assessments(c: &mut dyn Conn, cond: Sql, order: &str) -> StoreResult<Vec<Assessment>> {
    let mut sql = Sql::new(format!("SELECT {ASSESSMENT_COLUMNS} FROM class_assessments a WHERE "));
    sql.append(&cond).push(&format!(" ORDER BY {order}"));
    let mut list = rows(c, &sql).await?.iter().map(assessment_row).collect::<StoreResult<Vec<_>>>()?;
    if list.is_empty() {
        return Ok(list);
    }
    let mut scores = Sql::new(
        "SELECT s.assessment_id, s.indicator_id, s.score FROM class_scores s \
         JOIN class_indicators i ON i.id = s.indicator_id WHERE s.assessment_id IN (SELECT a.id FROM class_assessments a WHERE ",
    );
    scores.append(&cond).push(") ORDER BY s.assessment_id, i.position, i.id");
    for row in rows(c, &scores).await? {
        let (a, i, s) = (row.int("assessment_id")?, row.int("indicator_id")?, row.int("score")?);
        if let Some(x) = list.iter_mut().find(|x| x.id == a) {
            x.scores.push((i, s));
        }
    }
    Ok(list)
}

async fn load_assessment(c: &mut dyn Conn, id: Id) -> StoreResult<Assessment> {
    let mut cond = Sql::new("a.id = ");
    cond.bind(id);
    load_assessments(c, cond, "a.id").await?.into_iter().next().ok_or(StoreError::NotFound { entity: "assessment" })
}

/// The groups of a program: enrolled in it, or assessed under it.
fn program_groups(program_id: Id) -> Sql {
    let mut s = Sql::new("SELECT e.group_id FROM enrollments e WHERE e.group_id IS NOT NULL AND e.program_id = ");
    s.bind(program_id).push(" UNION SELECT x.group_id FROM class_assessments x WHERE x.program_id = ").bind(program_id);
    s
}

/// The latest assessment of each group in `groups` (by date, then id).
fn latest_of(groups: Sql) -> Sql {
    let mut s = Sql::new("a.group_id IN (");
    s.append(&groups).push(
        ") AND NOT EXISTS (SELECT 1 FROM class_assessments b WHERE b.group_id = a.group_id \
         AND (b.assessed_on > a.assessed_on OR (b.assessed_on = a.assessed_on AND b.id > a.id)))",
    );
    s
}

const STAFF_SELECT: &str = "SELECT s.id, s.name, s.position, s.agency_id, ag.name AS agency_name, ag.region \
     FROM staff s JOIN agencies ag ON ag.id = s.agency_id";

fn staff_pick(row: &Row) -> StoreResult<StaffPick> {
    Ok(StaffPick {
        id: row.int("id")?,
        name: row.text("name")?,
        position: row.text("position")?,
        agency_id: row.int("agency_id")?,
        agency_name: row.text("agency_name")?,
        region: row.parsed("region", RegionCode::parse)?,
    })
}

#[async_trait]
impl<B: Backend> ClassStore for B {
    async fn class_instruments(&self) -> StoreResult<Vec<Instrument>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let ids = rows(c, &Sql::new("SELECT id FROM class_instruments ORDER BY id DESC")).await?;
                let mut out = Vec::with_capacity(ids.len());
                for r in ids {
                    if let Some(i) = load_instrument(c, r.int("id")?).await? {
                        out.push(i);
                    }
                }
                Ok(out)
            })
        }))
        .await
    }

    async fn class_instrument(&self, id: Id) -> StoreResult<Instrument> {
        self.read(job(move |c| {
            Box::pin(async move { load_instrument(c, id).await?.ok_or(StoreError::NotFound { entity: "instrument" }) })
        }))
        .await
    }

    async fn current_class_instrument(&self) -> StoreResult<Option<Instrument>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let sql = Sql::new("SELECT id FROM class_instruments WHERE active = ? ORDER BY id DESC LIMIT 1");
                let sql = Sql { params: vec![Value::Bool(true)], ..sql };
                match first(c, &sql).await? {
                    Some(r) => load_instrument(c, r.int("id")?).await,
                    None => Ok(None),
                }
            })
        }))
        .await
    }

    async fn create_class_instrument(
        &self,
        new: &NewInstrument,
        replaces: Option<(Id, Version)>,
    ) -> StoreResult<Instrument> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                if let Some((old, version)) = replaces {
                    let mut sql = Sql::new("UPDATE class_instruments SET active = ");
                    sql.bind(false).push(", version = version + 1 WHERE id = ").bind(old);
                    sql.push(" AND version = ").bind(version);
                    if exec(c, &sql).await? == 0 {
                        let mut now = Sql::new("SELECT version FROM class_instruments WHERE id = ");
                        now.bind(old);
                        return Err(match first(c, &now).await? {
                            Some(row) => StoreError::Conflict {
                                entity: "instrument",
                                expected: version,
                                actual: row.int("version")?,
                            },
                            None => StoreError::NotFound { entity: "instrument" },
                        });
                    }
                }
                let mut sql = Sql::new(
                    "INSERT INTO class_instruments (name, note, lanjut_from, madya_from, utama_from, reassess_months, \
                     active, replaces_id) VALUES ",
                );
                sql.list::<Value>([
                    Value::from(n.name.as_str()),
                    n.note.clone().into(),
                    n.bands.lanjut_from.into(),
                    n.bands.madya_from.into(),
                    n.bands.utama_from.into(),
                    n.reassess_months.into(),
                    true.into(),
                    replaces.map(|(id, _)| id).into(),
                ])
                .push(" RETURNING id");
                let id = first(c, &sql).await?.ok_or_else(|| StoreError::Backend("insert returned nothing".into()))?;
                let id = id.int("id")?;
                for (pos, ind) in n.indicators.iter().enumerate() {
                    let mut sql = Sql::new(
                        "INSERT INTO class_indicators (instrument_id, ability, position, text, max_score) VALUES ",
                    );
                    sql.list::<Value>([
                        id.into(),
                        ind.ability.code().into(),
                        i64::try_from(pos + 1).unwrap_or(i64::MAX).into(),
                        ind.text.as_str().into(),
                        ind.max_score.into(),
                    ]);
                    exec(c, &sql).await?;
                }
                load_instrument(c, id).await?.ok_or(StoreError::NotFound { entity: "instrument" })
            })
        }))
        .await
    }

    async fn record_class_assessment(&self, new: &NewAssessment) -> StoreResult<Assessment> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                kit::check_references(
                    c,
                    vec![
                        Reference::id("group_id", "groups", "group", n.group_id),
                        Reference::id("program_id", "programs", "program", n.program_id),
                        Reference::id("assessor_id", "staff", "staff", n.assessor_id),
                    ],
                )
                .await?;
                let instrument = load_instrument(c, n.instrument_id).await?.ok_or_else(|| StoreError::Reference {
                    field: "instrument_id",
                    message: format!("instrument {} does not exist", n.instrument_id),
                })?;
                let mut prev =
                    Sql::new(format!("SELECT {ASSESSMENT_COLUMNS} FROM class_assessments a WHERE a.group_id = "));
                prev.bind(n.group_id).push(" AND a.assessed_on <= ").bind(n.assessed_on);
                prev.push(" ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1");
                let previous = first(c, &prev).await?.as_ref().map(assessment_row).transpose()?;
                let scored = instrument.assess(&n.scores, previous.as_ref().map(|p| p.class), n.assessed_on)?;
                let mut sql = Sql::new(
                    "INSERT INTO class_assessments (group_id, program_id, instrument_id, assessor_id, assessed_on, \
                     total, earned_class, previous_id, previous_class, class_change, due_on, notes) VALUES ",
                );
                sql.list::<Value>([
                    n.group_id.into(),
                    n.program_id.into(),
                    n.instrument_id.into(),
                    n.assessor_id.into(),
                    n.assessed_on.into(),
                    scored.total.into(),
                    scored.class.code().into(),
                    previous.as_ref().map(|p| p.id).into(),
                    previous.as_ref().map(|p| p.class.code()).into(),
                    scored.change.map(|ch| ch.code()).into(),
                    scored.due_on.into(),
                    n.notes.clone().into(),
                ])
                .push(" RETURNING id");
                let id = first(c, &sql).await?.ok_or_else(|| StoreError::Backend("insert returned nothing".into()))?;
                let id = id.int("id")?;
                for (indicator, score) in &instrument_order(&instrument, &n.scores) {
                    let mut sql = Sql::new("INSERT INTO class_scores (assessment_id, indicator_id, score) VALUES ");
                    sql.list::<Value>([id.into(), (*indicator).into(), (*score).into()]);
                    exec(c, &sql).await?;
                }
                load_assessment(c, id).await
            })
        }))
        .await
    }

    async fn class_assessment(&self, id: Id) -> StoreResult<Assessment> {
        self.read(job(move |c| Box::pin(async move { load_assessment(c, id).await }))).await
    }

    async fn group_class_history(&self, group_id: Id) -> StoreResult<Vec<Assessment>> {
        self.read(job(move |c| {
            Box::pin(async move {
                kit::require::<Group>(c, group_id).await?;
                let mut cond = Sql::new("a.group_id = ");
                cond.bind(group_id);
                load_assessments(c, cond, "a.assessed_on DESC, a.id DESC").await
            })
        }))
        .await
    }

    async fn program_classes(&self, program_id: Id) -> StoreResult<Vec<GroupClass>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(format!(
                    "SELECT {}, r.name AS region_name FROM groups g JOIN regions r ON r.code = g.region WHERE g.id IN (",
                    <Group as kit::Record>::columns()
                ));
                sql.append(&program_groups(program_id)).push(") ORDER BY g.name, g.id");
                let groups = rows(c, &sql).await?;
                let latest = load_assessments(c, latest_of(program_groups(program_id)), "a.group_id").await?;
                let mut out = Vec::with_capacity(groups.len());
                for row in groups {
                    let group = <Group as kit::Record>::from_row(&row)?;
                    let latest = latest.iter().find(|a| a.group_id == group.id).cloned();
                    out.push(GroupClass { region_name: row.text("region_name")?, group, latest });
                }
                Ok(out)
            })
        }))
        .await
    }

    async fn class_counts(&self, program_id: Id, today: Date) -> StoreResult<ClassCounts> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new("SELECT count(*) AS n FROM (");
                sql.append(&program_groups(program_id)).push(") t");
                let groups = first(c, &sql).await?.map(|r| r.int("n")).transpose()?.unwrap_or(0);
                let mut sql = Sql::new("SELECT a.earned_class, count(*) AS n, sum(CASE WHEN a.due_on < ");
                sql.bind(today).push(" THEN 1 ELSE 0 END) AS overdue FROM class_assessments a WHERE ");
                sql.append(&latest_of(program_groups(program_id))).push(" GROUP BY a.earned_class");
                let mut counts = ClassCounts {
                    by_class: ClassBand::ALL.iter().map(|b| (*b, 0)).collect(),
                    ..ClassCounts::default()
                };
                let mut assessed = 0i64;
                for row in rows(c, &sql).await? {
                    let class = row.parsed("earned_class", ClassBand::parse)?;
                    let n = row.int("n")?;
                    assessed += n;
                    counts.overdue += u64::try_from(row.int("overdue")?).unwrap_or(0);
                    if let Some(slot) = counts.by_class.iter_mut().find(|(b, _)| *b == class) {
                        slot.1 = u64::try_from(n).unwrap_or(0);
                    }
                }
                counts.unassessed = u64::try_from(groups - assessed).unwrap_or(0);
                Ok(counts)
            })
        }))
        .await
    }

    async fn search_assessors(&self, query: &Query) -> StoreResult<Page<StaffPick>> {
        let mut w = kit::Where::default();
        if let Some(t) = query.text_str() {
            w.and(kit::contains("lower(s.name)", t));
        }
        if let Some(r) = &query.region {
            w.and(kit::subtree("ag.region", r.as_str()));
        }
        let mut from = Sql::new("FROM staff s JOIN agencies ag ON ag.id = s.agency_id");
        from.append(&w.to_sql());
        let l = kit::Listing {
            select: Sql::new("SELECT s.id, s.name, s.position, s.agency_id, ag.name AS agency_name, ag.region"),
            from,
            order: Sql::new("s.name, s.id"),
            page: query.page,
        };
        self.read(job(move |c| Box::pin(async move { kit::page(c, &l, staff_pick).await }))).await
    }

    async fn assessor(&self, id: Id) -> StoreResult<StaffPick> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut sql = Sql::new(format!("{STAFF_SELECT} WHERE s.id = "));
                sql.bind(id);
                first(c, &sql)
                    .await?
                    .as_ref()
                    .map(staff_pick)
                    .transpose()?
                    .ok_or(StoreError::NotFound { entity: "staff" })
            })
        }))
        .await
    }
}

/// The scores in the instrument's indicator order.
fn instrument_order(instrument: &Instrument, scores: &[(Id, i64)]) -> Vec<(Id, i64)> {
    instrument
        .indicators
        .iter()
        .filter_map(|i| scores.iter().find(|(id, _)| *id == i.id).map(|(_, s)| (i.id, *s)))
        .collect()
}
