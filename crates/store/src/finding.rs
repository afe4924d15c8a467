//! Storage of a program's findings: inhibiting and supporting factors and the efforts that
//! answer inhibiting factors, their framework-dimension tags, their links (groups now;
//! activities and machines through the same generic table) and their evidence.

use async_trait::async_trait;
use berdaya_domain::framework::finding::{
    Evidence, EvidenceKind, Finding, FindingKind, LinkKind, NewEvidence, NewFinding,
};
use berdaya_domain::registry::Id;

use crate::kit::{self, Backend, Conn, Reference, Row, Sql, Value, exec, first, job, rows};
use crate::{StoreError, StoreResult};

#[async_trait]
pub trait FindingStore {
    /// Stores a finding with its answers, tags and links, in one transaction. Each answered
    /// finding must be an inhibiting factor of the same program (`answers`), each dimension
    /// and linked record must exist (`dimension_ids`, `group_ids`).
    async fn create_finding(&self, new: &NewFinding) -> StoreResult<Finding>;
    async fn finding(&self, id: Id) -> StoreResult<Finding>;
    /// A program's findings: inhibiting factors, supporting factors, then efforts, each in the
    /// order recorded.
    async fn program_findings(&self, program_id: Id) -> StoreResult<Vec<Finding>>;
    async fn add_evidence(&self, finding_id: Id, new: &NewEvidence) -> StoreResult<Evidence>;
}

const FINDING_COLUMNS: &str = "f.id, f.program_id, f.kind, f.title, f.description, f.noted_on, f.version";

fn finding_row(row: &Row) -> StoreResult<Finding> {
    Ok(Finding {
        id: row.int("id")?,
        program_id: row.int("program_id")?,
        kind: row.parsed("kind", FindingKind::parse)?,
        title: row.text("title")?,
        description: row.opt_text("description")?,
        noted_on: row.opt_date("noted_on")?,
        version: row.int("version")?,
        answers: Vec::new(),
        dimensions: Vec::new(),
        links: Vec::new(),
        evidence: Vec::new(),
    })
}

fn evidence_row(row: &Row) -> StoreResult<Evidence> {
    Ok(Evidence {
        id: row.int("id")?,
        finding_id: row.int("finding_id")?,
        kind: row.parsed("kind", EvidenceKind::parse)?,
        text: row.text("text")?,
        source: row.opt_text("source")?,
        attachment_id: row.opt_int("attachment_id")?,
    })
}

/// Findings matching `cond` (on `f`), complete with answers, tags, links and evidence.
async fn load(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<Finding>> {
    let mut sql = Sql::new(format!("SELECT {FINDING_COLUMNS} FROM findings f WHERE "));
    sql.append(&cond).push(" ORDER BY CASE f.kind WHEN 'inhibiting' THEN 1 WHEN 'supporting' THEN 2 ELSE 3 END, f.id");
    let mut list = rows(c, &sql).await?.iter().map(finding_row).collect::<StoreResult<Vec<_>>>()?;
    if list.is_empty() {
        return Ok(list);
    }
    let within = |text: &str| {
        let mut s = Sql::new(text);
        s.push(" IN (SELECT f.id FROM findings f WHERE ").append(&cond).push(")");
        s
    };
    let mut q = Sql::new("SELECT effort_id, factor_id FROM finding_answers WHERE ");
    q.append(&within("effort_id")).push(" ORDER BY id");
    for r in rows(c, &q).await? {
        let (e, f) = (r.int("effort_id")?, r.int("factor_id")?);
        if let Some(x) = list.iter_mut().find(|x| x.id == e) {
            x.answers.push(f);
        }
    }
    let mut q = Sql::new("SELECT finding_id, dimension_id FROM finding_dimensions WHERE ");
    q.append(&within("finding_id")).push(" ORDER BY id");
    for r in rows(c, &q).await? {
        let (f, d) = (r.int("finding_id")?, r.int("dimension_id")?);
        if let Some(x) = list.iter_mut().find(|x| x.id == f) {
            x.dimensions.push(d);
        }
    }
    let mut q = Sql::new("SELECT finding_id, target_kind, target_id FROM finding_links WHERE ");
    q.append(&within("finding_id")).push(" ORDER BY id");
    for r in rows(c, &q).await? {
        let f = r.int("finding_id")?;
        let link = (r.parsed("target_kind", LinkKind::parse)?, r.int("target_id")?);
        if let Some(x) = list.iter_mut().find(|x| x.id == f) {
            x.links.push(link);
        }
    }
    let mut q = Sql::new("SELECT id, finding_id, kind, text, source, attachment_id FROM finding_evidence WHERE ");
    q.append(&within("finding_id")).push(" ORDER BY id");
    for r in rows(c, &q).await? {
        let e = evidence_row(&r)?;
        if let Some(x) = list.iter_mut().find(|x| x.id == e.finding_id) {
            x.evidence.push(e);
        }
    }
    Ok(list)
}

async fn load_one(c: &mut dyn Conn, id: Id) -> StoreResult<Finding> {
    let mut cond = Sql::new("f.id = ");
    cond.bind(id);
    load(c, cond).await?.into_iter().next().ok_or(StoreError::NotFound { entity: "finding" })
}

/// The table a link kind's target lives in.
fn link_table(kind: LinkKind) -> (&'static str, &'static str) {
    match kind {
        LinkKind::Group => ("groups", "group_ids"),
        LinkKind::Activity => ("activities", "activity_ids"),
        LinkKind::Machine => ("machines", "machine_ids"),
    }
}

#[async_trait]
impl<B: Backend> FindingStore for B {
    async fn create_finding(&self, new: &NewFinding) -> StoreResult<Finding> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let mut refs = vec![Reference::id("program_id", "programs", "program", n.program_id)];
                for d in &n.dimensions {
                    refs.push(Reference::id("dimension_ids", "framework_dimensions", "framework dimension", *d));
                }
                for (kind, id) in &n.links {
                    let (table, field) = link_table(*kind);
                    refs.push(Reference::id(field, table, kind.code(), *id));
                }
                kit::check_references(c, refs).await?;
                for factor in &n.answers {
                    let mut q = Sql::new("SELECT 1 FROM findings WHERE id = ");
                    q.bind(*factor).push(" AND kind = 'inhibiting' AND program_id = ").bind(n.program_id);
                    if first(c, &q).await?.is_none() {
                        return Err(StoreError::Reference {
                            field: "answers",
                            message: format!("finding {factor} is not an inhibiting factor of this program"),
                        });
                    }
                }
                let mut sql = Sql::new("INSERT INTO findings (program_id, kind, title, description, noted_on) VALUES ");
                sql.list::<Value>([
                    n.program_id.into(),
                    n.kind.code().into(),
                    n.title.as_str().into(),
                    n.description.clone().into(),
                    n.noted_on.into(),
                ])
                .push(" RETURNING id");
                let id = first(c, &sql).await?.ok_or_else(|| StoreError::Backend("insert returned nothing".into()))?;
                let id = id.int("id")?;
                for factor in &n.answers {
                    let mut q = Sql::new("INSERT INTO finding_answers (effort_id, factor_id) VALUES ");
                    q.list::<Value>([id.into(), (*factor).into()]);
                    exec(c, &q).await?;
                }
                for d in &n.dimensions {
                    let mut q = Sql::new("INSERT INTO finding_dimensions (finding_id, dimension_id) VALUES ");
                    q.list::<Value>([id.into(), (*d).into()]);
                    exec(c, &q).await?;
                }
                for (kind, target) in &n.links {
                    let mut q = Sql::new("INSERT INTO finding_links (finding_id, target_kind, target_id) VALUES ");
                    q.list::<Value>([id.into(), kind.code().into(), (*target).into()]);
                    exec(c, &q).await?;
                }
                load_one(c, id).await
            })
        }))
        .await
    }

    async fn finding(&self, id: Id) -> StoreResult<Finding> {
        self.read(job(move |c| Box::pin(async move { load_one(c, id).await }))).await
    }

    async fn program_findings(&self, program_id: Id) -> StoreResult<Vec<Finding>> {
        self.read(job(move |c| {
            Box::pin(async move {
                kit::check_references(c, vec![Reference::id("program_id", "programs", "program", program_id)])
                    .await
                    .map_err(|_| StoreError::NotFound { entity: "program" })?;
                let mut cond = Sql::new("f.program_id = ");
                cond.bind(program_id);
                load(c, cond).await
            })
        }))
        .await
    }

    async fn add_evidence(&self, finding_id: Id, new: &NewEvidence) -> StoreResult<Evidence> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new("SELECT 1 FROM findings WHERE id = ");
                q.bind(finding_id);
                if first(c, &q).await?.is_none() {
                    return Err(StoreError::NotFound { entity: "finding" });
                }
                let mut sql =
                    Sql::new("INSERT INTO finding_evidence (finding_id, kind, text, source, attachment_id) VALUES ");
                sql.list::<Value>([
                    finding_id.into(),
                    n.kind.code().into(),
                    n.text.as_str().into(),
                    n.source.clone().into(),
                    n.attachment_id.into(),
                ])
                .push(" RETURNING id, finding_id, kind, text, source, attachment_id");
                let row = first(c, &sql).await?.ok_or_else(|| StoreError::Backend("insert returned nothing".into()))?;
                evidence_row(&row)
            })
        }))
        .await
    }
}
