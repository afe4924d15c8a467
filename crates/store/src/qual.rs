//! Storage of qualitative studies: informants, sources (text as given and normalised),
//! redactions, coders, codebooks (codes under several parents, tied to framework dimensions),
//! codings, conclusions with their evidence and history, and whole projects imported at once.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use berdaya_domain::framework::finding::FindingKind;
use berdaya_domain::qual::display::{CodeFact, CodingFact, Facts, InformantFact, SourceFact, reanchor, slice};
use berdaya_domain::qual::{
    Code, Coder, Coding, Conclusion, ConclusionEvent, ConclusionStatus, Informant, LinkKind, NewCode, NewCoding,
    NewConclusion, NewInformant, NewSource, NewStudy, Phase, Redaction, Sex, Source, SourceKind, Stance, Study,
    new_guid,
};
use berdaya_domain::registry::{Id, RegionCode, Version};

use crate::kit::{
    self, Backend, Conn, Reference, Row, Sql, Type, Value, check_references, exec, first, insert_row, job, rows,
};
use crate::{StoreError, StoreResult};

/// A fresh GUID for a record that has none yet.
pub fn guid() -> String {
    new_guid(rand::random())
}

/// A project read from a REFI-QDA file, in store terms (references by GUID).
#[derive(Debug, Clone, Default)]
pub struct ImportedStudy {
    pub study: Option<NewStudy>,
    pub guid: Option<String>,
    /// `(guid, name)` of each coder (a user of the other tool).
    pub coders: Vec<(String, String)>,
    pub codes: Vec<ImportedCode>,
    pub sources: Vec<ImportedSource>,
    pub codings: Vec<ImportedCoding>,
    pub sets: Vec<ImportedSet>,
    /// `(guid, claim, coding guids)` of each note read as a conclusion.
    pub conclusions: Vec<(String, String, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct ImportedCode {
    pub guid: String,
    pub new: NewCode,
    pub parent_guids: Vec<String>,
}

/// A set of codes kept as it came (`key` names what Berdaya reads it as, if anything).
#[derive(Debug, Clone)]
pub struct ImportedSet {
    pub guid: String,
    pub name: String,
    pub description: Option<String>,
    pub key: Option<String>,
    pub member_guids: Vec<String>,
}

/// A stored set of codes of a study.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualSet {
    pub id: Id,
    pub guid: String,
    pub name: String,
    pub description: Option<String>,
    pub key: Option<String>,
    pub members: Vec<Id>,
}

#[derive(Debug, Clone)]
pub struct ImportedSource {
    pub guid: String,
    pub new: NewSource,
}

#[derive(Debug, Clone)]
pub struct ImportedCoding {
    pub guid: String,
    pub selection_guid: String,
    pub source_guid: String,
    pub code_guid: String,
    pub coder_guid: String,
    pub start: u32,
    pub end: u32,
    pub memo: Option<String>,
    pub phase: Phase,
}

/// What an edit of a source's text did to its codings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reanchored {
    pub moved: usize,
    /// Codings whose quote is gone from the new text (dropped when the caller allowed it).
    pub lost: Vec<Id>,
}

#[async_trait]
pub trait QualStore {
    async fn create_study(&self, new: &NewStudy) -> StoreResult<Study>;
    async fn update_study(&self, id: Id, new: &NewStudy, version: Version) -> StoreResult<Study>;
    async fn study(&self, id: Id) -> StoreResult<Study>;
    /// Studies whose area lies in `area` (all when `None`), newest first.
    async fn studies(&self, area: Option<&RegionCode>) -> StoreResult<Vec<Study>>;
    /// Starts or ends the blind phase.
    async fn set_blind(&self, id: Id, blind: bool) -> StoreResult<Study>;

    async fn add_informant(&self, study_id: Id, new: &NewInformant) -> StoreResult<Informant>;
    async fn update_informant(&self, id: Id, new: &NewInformant, version: Version) -> StoreResult<Informant>;
    async fn informant(&self, id: Id) -> StoreResult<Informant>;
    async fn informants(&self, study_id: Id) -> StoreResult<Vec<Informant>>;

    /// Adds a source; its informants must be the study's, its records must exist.
    async fn add_source(&self, study_id: Id, new: &NewSource) -> StoreResult<Source>;
    async fn source(&self, id: Id) -> StoreResult<Source>;
    /// A study's sources (texts included), by date then title.
    async fn sources(&self, study_id: Id) -> StoreResult<Vec<Source>>;
    /// Replaces a source's text, re-anchoring each coding by its quote; codings whose quote
    /// is gone refuse the edit (naming them) unless `drop_lost`.
    async fn edit_source_text(
        &self,
        id: Id,
        original: &str,
        version: Version,
        drop_lost: bool,
    ) -> StoreResult<Reanchored>;
    /// Adds an informant of the same study to a source (a group interview).
    async fn add_source_informant(&self, source_id: Id, informant_id: Id) -> StoreResult<Source>;
    async fn add_redaction(&self, source_id: Id, start: u32, end: u32, label: &str) -> StoreResult<Redaction>;
    async fn redactions(&self, source_id: Id) -> StoreResult<Vec<Redaction>>;

    /// The coder of a study who is user `user_id` (created on first use).
    async fn coder_for_user(&self, study_id: Id, user_id: Id, name: &str) -> StoreResult<Coder>;
    async fn coders(&self, study_id: Id) -> StoreResult<Vec<Coder>>;

    async fn add_code(&self, study_id: Id, new: &NewCode) -> StoreResult<Code>;
    async fn update_code(&self, id: Id, new: &NewCode, version: Version) -> StoreResult<Code>;
    async fn code(&self, id: Id) -> StoreResult<Code>;
    /// A study's codes in codebook order.
    async fn codes(&self, study_id: Id) -> StoreResult<Vec<Code>>;
    /// Copies the codebook of `from` into `to` (codes whose name `to` has already are kept);
    /// answers how many codes were added.
    async fn copy_codebook(&self, from: Id, to: Id) -> StoreResult<usize>;

    /// Codes a span; the code must be the source's study's and the span inside the text.
    async fn add_coding(&self, coder_id: Id, new: &NewCoding, phase: Phase) -> StoreResult<Coding>;
    async fn coding(&self, id: Id) -> StoreResult<Coding>;
    /// Removes a coding unless it is evidence of a conclusion.
    async fn delete_coding(&self, id: Id) -> StoreResult<()>;
    /// A study's codings, by source and position.
    async fn codings(&self, study_id: Id) -> StoreResult<Vec<Coding>>;
    async fn source_codings(&self, source_id: Id) -> StoreResult<Vec<Coding>>;
    /// What the displays read: codes, sources, informants and codings (all phases but the
    /// blind one unless `blind`).
    async fn facts(&self, study_id: Id, blind: bool) -> StoreResult<Facts>;

    async fn add_conclusion(&self, study_id: Id, new: &NewConclusion) -> StoreResult<Conclusion>;
    async fn update_conclusion(&self, id: Id, new: &NewConclusion, version: Version) -> StoreResult<Conclusion>;
    async fn conclusion(&self, id: Id) -> StoreResult<Conclusion>;
    async fn conclusions(&self, study_id: Id) -> StoreResult<Vec<Conclusion>>;
    async fn conclusion_history(&self, id: Id) -> StoreResult<Vec<ConclusionEvent>>;
    /// Adds (or changes the stance of) a coding of the same study as evidence.
    async fn set_evidence(&self, conclusion_id: Id, coding_id: Id, stance: Stance) -> StoreResult<Conclusion>;
    async fn remove_evidence(&self, conclusion_id: Id, coding_id: Id) -> StoreResult<Conclusion>;
    async fn link_finding(&self, conclusion_id: Id, finding_id: Id) -> StoreResult<Conclusion>;

    /// The sets of codes a study keeps (from imported projects).
    async fn sets(&self, study_id: Id) -> StoreResult<Vec<QualSet>>;

    /// Stores a whole project in one transaction: a new study (`study` set) or, without one,
    /// the codebook into study `into`. Answers the study's id.
    async fn import_study(&self, project: &ImportedStudy, into: Option<Id>) -> StoreResult<Id>;
}

const STUDY_COLUMNS: &str = "s.id, s.title, s.question, s.region, r.name AS region_name, s.framework_id, s.planned_roles, \
     s.blind, s.guid, s.created_by, s.created_at, s.version";

fn study_row(row: &Row) -> StoreResult<Study> {
    Ok(Study {
        id: row.int("id")?,
        title: row.text("title")?,
        question: row.opt_text("question")?,
        region: row.opt_parsed("region", RegionCode::parse)?,
        region_name: row.opt_text("region_name")?,
        framework_id: row.opt_int("framework_id")?,
        planned_roles: row.text("planned_roles")?.lines().filter(|l| !l.is_empty()).map(str::to_string).collect(),
        blind: row.bool("blind")?,
        guid: row.text("guid")?,
        created_by: row.text("created_by")?,
        created_at: row.time("created_at")?,
        version: row.int("version")?,
        links: Vec::new(),
    })
}

async fn studies_where(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<Study>> {
    let mut q =
        Sql::new(format!("SELECT {STUDY_COLUMNS} FROM qual_studies s LEFT JOIN regions r ON r.code = s.region WHERE "));
    q.append(&cond).push(" ORDER BY s.created_at DESC, s.id DESC");
    let mut list = rows(c, &q).await?.iter().map(study_row).collect::<StoreResult<Vec<_>>>()?;
    if list.is_empty() {
        return Ok(list);
    }
    let mut q = Sql::new("SELECT study_id, kind, ref_id FROM qual_study_links WHERE study_id IN ");
    q.list(list.iter().map(|s| s.id)).push(" ORDER BY kind, ref_id");
    for r in rows(c, &q).await? {
        let sid = r.int("study_id")?;
        let link = (r.parsed("kind", LinkKind::parse)?, r.int("ref_id")?);
        if let Some(s) = list.iter_mut().find(|s| s.id == sid) {
            s.links.push(link);
        }
    }
    Ok(list)
}

async fn study_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Study> {
    let mut cond = Sql::new("s.id = ");
    cond.bind(id);
    studies_where(c, cond).await?.pop().ok_or(StoreError::NotFound { entity: "study" })
}

fn link_table(kind: LinkKind) -> (&'static str, &'static str) {
    match kind {
        LinkKind::Program => ("programs", "program"),
        LinkKind::Group => ("groups", "group"),
        LinkKind::Activity => ("activities", "activity"),
    }
}

fn link_field(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Program => "program_ids",
        LinkKind::Group => "group_ids",
        LinkKind::Activity => "activity_ids",
    }
}

async fn check_links(c: &mut dyn Conn, links: &[(LinkKind, Id)]) -> StoreResult<()> {
    let refs = links
        .iter()
        .map(|&(k, id)| {
            let (table, entity) = link_table(k);
            Reference::id(link_field(k), table, entity, id)
        })
        .collect();
    check_references(c, refs).await
}

fn study_values(n: &NewStudy) -> Vec<(&'static str, Value)> {
    vec![
        ("title", n.title.as_str().into()),
        ("question", n.question.clone().into()),
        ("region", n.region.as_ref().map(|r| r.as_str()).into()),
        ("framework_id", n.framework_id.into()),
        ("planned_roles", n.planned_roles.join("\n").into()),
    ]
}

async fn write_study_links(c: &mut dyn Conn, id: Id, links: &[(LinkKind, Id)]) -> StoreResult<()> {
    let mut q = Sql::new("DELETE FROM qual_study_links WHERE study_id = ");
    q.bind(id);
    exec(c, &q).await?;
    for &(k, r) in links {
        if k == LinkKind::Activity {
            return Err(StoreError::Reference { field: "links", message: "a study links programs and groups".into() });
        }
        let mut q = Sql::new("INSERT INTO qual_study_links (study_id, kind, ref_id) VALUES ");
        q.list([Value::from(id), k.code().into(), r.into()]);
        exec(c, &q).await?;
    }
    Ok(())
}

async fn check_study_refs(c: &mut dyn Conn, n: &NewStudy) -> StoreResult<()> {
    let mut refs: Vec<Reference> = n.region.iter().map(|r| Reference::region("region", r)).collect();
    if let Some(f) = n.framework_id {
        refs.push(Reference::id("framework_id", "frameworks", "framework", f));
    }
    check_references(c, refs).await?;
    check_links(c, &n.links).await
}

async fn create_study_in(c: &mut dyn Conn, n: &NewStudy, guid_value: String, by: &str) -> StoreResult<Id> {
    check_study_refs(c, n).await?;
    let mut values = study_values(n);
    values.push(("guid", guid_value.into()));
    values.push(("created_by", by.into()));
    values.push(("created_at", Value::Time(kit::now())));
    let id = insert_row(c, "qual_studies", values).await?;
    write_study_links(c, id, &n.links).await?;
    Ok(id)
}

const INFORMANT_COLUMNS: &str =
    "id, study_id, pseudonym, real_name, role, sex, organisation, sampling_note, consent_on, version";

fn informant_row(row: &Row) -> StoreResult<Informant> {
    Ok(Informant {
        id: row.int("id")?,
        study_id: row.int("study_id")?,
        pseudonym: row.text("pseudonym")?,
        real_name: row.opt_text("real_name")?,
        role: row.text("role")?,
        sex: row.opt_parsed("sex", Sex::parse)?,
        organisation: row.opt_text("organisation")?,
        sampling_note: row.opt_text("sampling_note")?,
        consent_on: row.opt_date("consent_on")?,
        version: row.int("version")?,
    })
}

fn informant_values(n: &NewInformant) -> Vec<(&'static str, Value)> {
    vec![
        ("pseudonym", n.pseudonym.as_str().into()),
        ("real_name", n.real_name.clone().into()),
        ("role", n.role.as_str().into()),
        ("sex", n.sex.map(|s| s.code()).into()),
        ("organisation", n.organisation.clone().into()),
        ("sampling_note", n.sampling_note.clone().into()),
        ("consent_on", n.consent_on.into()),
    ]
}

async fn informant_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Informant> {
    let mut q = Sql::new(format!("SELECT {INFORMANT_COLUMNS} FROM qual_informants WHERE id = "));
    q.bind(id);
    first(c, &q).await?.as_ref().map(informant_row).transpose()?.ok_or(StoreError::NotFound { entity: "informant" })
}

fn duplicate_pseudonym(e: StoreError) -> StoreError {
    kit::on_duplicate(e, Some(("pseudonym", "is taken by another informant of the study")))
}

const SOURCE_COLUMNS: &str = "s.id, s.study_id, s.title, s.kind, s.taken_on, s.place, s.body, s.original, s.file_name, s.chars, s.guid, s.version";

fn source_row(row: &Row) -> StoreResult<Source> {
    Ok(Source {
        id: row.int("id")?,
        study_id: row.int("study_id")?,
        title: row.text("title")?,
        kind: row.parsed("kind", SourceKind::parse)?,
        taken_on: row.opt_date("taken_on")?,
        place: row.opt_text("place")?,
        body: row.text("body")?,
        original: row.text("original")?,
        file_name: row.opt_text("file_name")?,
        chars: row.int("chars")?.max(0) as u32,
        guid: row.text("guid")?,
        version: row.int("version")?,
        informants: Vec::new(),
        links: Vec::new(),
    })
}

async fn sources_where(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<Source>> {
    let mut q = Sql::new(format!("SELECT {SOURCE_COLUMNS} FROM qual_sources s WHERE "));
    q.append(&cond).push(" ORDER BY s.taken_on, s.title, s.id");
    let mut list = rows(c, &q).await?.iter().map(source_row).collect::<StoreResult<Vec<_>>>()?;
    if list.is_empty() {
        return Ok(list);
    }
    let at: HashMap<Id, usize> = list.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut q = Sql::new(
        "SELECT x.source_id, x.informant_id FROM qual_source_informants x JOIN qual_sources s ON s.id = x.source_id WHERE ",
    );
    q.append(&cond).push(" ORDER BY x.informant_id");
    for r in rows(c, &q).await? {
        if let Some(&i) = at.get(&r.int("source_id")?) {
            list[i].informants.push(r.int("informant_id")?);
        }
    }
    let mut q = Sql::new(
        "SELECT x.source_id, x.kind, x.ref_id FROM qual_source_links x JOIN qual_sources s ON s.id = x.source_id WHERE ",
    );
    q.append(&cond).push(" ORDER BY x.kind, x.ref_id");
    for r in rows(c, &q).await? {
        if let Some(&i) = at.get(&r.int("source_id")?) {
            list[i].links.push((r.parsed("kind", LinkKind::parse)?, r.int("ref_id")?));
        }
    }
    Ok(list)
}

async fn source_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Source> {
    let mut cond = Sql::new("s.id = ");
    cond.bind(id);
    sources_where(c, cond).await?.pop().ok_or(StoreError::NotFound { entity: "source" })
}

async fn insert_source(c: &mut dyn Conn, study_id: Id, n: &NewSource, guid_value: String) -> StoreResult<Id> {
    check_links(c, &n.links).await?;
    for &i in &n.informants {
        let mut q = Sql::new("SELECT 1 AS one FROM qual_informants WHERE id = ");
        q.bind(i).push(" AND study_id = ").bind(study_id);
        if first(c, &q).await?.is_none() {
            return Err(StoreError::Reference {
                field: "informant_ids",
                message: format!("informant {i} does not exist"),
            });
        }
    }
    let body = n.body();
    let id = insert_row(
        c,
        "qual_sources",
        vec![
            ("study_id", study_id.into()),
            ("title", n.title.as_str().into()),
            ("kind", n.kind.code().into()),
            ("taken_on", n.taken_on.into()),
            ("place", n.place.clone().into()),
            ("chars", (body.chars().count() as i64).into()),
            ("body", body.into()),
            ("original", n.original.as_str().into()),
            ("file_name", n.file_name.clone().into()),
            ("guid", guid_value.into()),
        ],
    )
    .await?;
    for &i in &n.informants {
        let mut q = Sql::new("INSERT INTO qual_source_informants (source_id, informant_id) VALUES ");
        q.list([Value::from(id), i.into()]);
        exec(c, &q).await?;
    }
    for &(k, r) in &n.links {
        let mut q = Sql::new("INSERT INTO qual_source_links (source_id, kind, ref_id) VALUES ");
        q.list([Value::from(id), k.code().into(), r.into()]);
        exec(c, &q).await?;
    }
    Ok(id)
}

const CODE_COLUMNS: &str = "id, study_id, name, description, color, role, guid, position, version";

fn code_row(row: &Row) -> StoreResult<Code> {
    Ok(Code {
        id: row.int("id")?,
        study_id: row.int("study_id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        color: row.text("color")?,
        role: row.opt_parsed("role", FindingKind::parse)?,
        guid: row.text("guid")?,
        position: row.int("position")?,
        version: row.int("version")?,
        parents: Vec::new(),
        dimensions: Vec::new(),
    })
}

async fn codes_of(c: &mut dyn Conn, study_id: Id) -> StoreResult<Vec<Code>> {
    let mut q = Sql::new(format!("SELECT {CODE_COLUMNS} FROM qual_codes WHERE study_id = "));
    q.bind(study_id).push(" ORDER BY position, id");
    let mut list = rows(c, &q).await?.iter().map(code_row).collect::<StoreResult<Vec<_>>>()?;
    let at: HashMap<Id, usize> = list.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut q = Sql::new(
        "SELECT p.code_id, p.parent_id FROM qual_code_parents p JOIN qual_codes k ON k.id = p.code_id WHERE k.study_id = ",
    );
    q.bind(study_id).push(" ORDER BY p.parent_id");
    for r in rows(c, &q).await? {
        if let Some(&i) = at.get(&r.int("code_id")?) {
            list[i].parents.push(r.int("parent_id")?);
        }
    }
    let mut q = Sql::new(
        "SELECT d.code_id, d.dimension_id FROM qual_code_dimensions d JOIN qual_codes k ON k.id = d.code_id WHERE k.study_id = ",
    );
    q.bind(study_id).push(" ORDER BY d.dimension_id");
    for r in rows(c, &q).await? {
        if let Some(&i) = at.get(&r.int("code_id")?) {
            list[i].dimensions.push(r.int("dimension_id")?);
        }
    }
    Ok(list)
}

async fn code_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Code> {
    let mut q = Sql::new("SELECT study_id FROM qual_codes WHERE id = ");
    q.bind(id);
    let study = first(c, &q).await?.ok_or(StoreError::NotFound { entity: "code" })?.int("study_id")?;
    codes_of(c, study).await?.into_iter().find(|k| k.id == id).ok_or(StoreError::NotFound { entity: "code" })
}

/// Checks a code's parents (the study's, no cycle through `id`) and dimensions, then writes
/// its links.
async fn write_code_links(c: &mut dyn Conn, study_id: Id, id: Id, n: &NewCode) -> StoreResult<()> {
    let all = codes_of(c, study_id).await?;
    let parents_of: HashMap<Id, Vec<Id>> = all.iter().map(|k| (k.id, k.parents.clone())).collect();
    for &p in &n.parents {
        if !parents_of.contains_key(&p) {
            return Err(StoreError::Reference { field: "parent_ids", message: format!("code {p} does not exist") });
        }
        // Walking up from the parent must never reach the code itself.
        let mut seen = BTreeSet::new();
        let mut stack = vec![p];
        while let Some(x) = stack.pop() {
            if x == id {
                return Err(StoreError::Reference {
                    field: "parent_ids",
                    message: "a code cannot sit under itself or under one of its own sub-codes".into(),
                });
            }
            if seen.insert(x) {
                stack.extend(parents_of.get(&x).into_iter().flatten().copied());
            }
        }
    }
    let refs =
        n.dimensions.iter().map(|&d| Reference::id("dimension_ids", "framework_dimensions", "dimension", d)).collect();
    check_references(c, refs).await?;
    for table in ["qual_code_parents", "qual_code_dimensions"] {
        let mut q = Sql::new(format!("DELETE FROM {table} WHERE code_id = "));
        q.bind(id);
        exec(c, &q).await?;
    }
    for &p in &n.parents {
        let mut q = Sql::new("INSERT INTO qual_code_parents (code_id, parent_id) VALUES ");
        q.list([Value::from(id), p.into()]);
        exec(c, &q).await?;
    }
    for &d in &n.dimensions {
        let mut q = Sql::new("INSERT INTO qual_code_dimensions (code_id, dimension_id) VALUES ");
        q.list([Value::from(id), d.into()]);
        exec(c, &q).await?;
    }
    Ok(())
}

fn code_values(n: &NewCode) -> Vec<(&'static str, Value)> {
    vec![
        ("name", n.name.as_str().into()),
        ("name_key", kit::key(&n.name).into()),
        ("description", n.description.clone().into()),
        ("color", n.color.as_str().into()),
        ("role", n.role.map(|r| r.code()).into()),
    ]
}

fn duplicate_code(e: StoreError) -> StoreError {
    kit::on_duplicate(e, Some(("name", "is taken by another code of the study")))
}

async fn insert_code(c: &mut dyn Conn, study_id: Id, n: &NewCode, guid_value: String) -> StoreResult<Id> {
    let mut q = Sql::new("SELECT COUNT(*) AS n FROM qual_codes WHERE study_id = ");
    q.bind(study_id);
    let position = first(c, &q).await?.map(|r| r.int("n")).transpose()?.unwrap_or(0) + 1;
    let mut values = vec![("study_id", Value::from(study_id))];
    values.extend(code_values(n));
    values.push(("guid", guid_value.into()));
    values.push(("position", position.into()));
    let id = insert_row(c, "qual_codes", values).await.map_err(duplicate_code)?;
    Ok(id)
}

const CODING_COLUMNS: &str = "g.id, g.source_id, g.code_id, g.coder_id, g.start_pos, g.end_pos, g.quote, g.memo, g.phase, g.guid, g.selection_guid";

fn coding_row(row: &Row) -> StoreResult<Coding> {
    Ok(Coding {
        id: row.int("id")?,
        source_id: row.int("source_id")?,
        code_id: row.int("code_id")?,
        coder_id: row.int("coder_id")?,
        start: row.int("start_pos")?.max(0) as u32,
        end: row.int("end_pos")?.max(0) as u32,
        quote: row.text("quote")?,
        memo: row.opt_text("memo")?,
        phase: row.parsed("phase", Phase::parse)?,
        guid: row.text("guid")?,
        selection_guid: row.text("selection_guid")?,
    })
}

async fn coding_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Coding> {
    let mut q = Sql::new(format!("SELECT {CODING_COLUMNS} FROM qual_codings g WHERE g.id = "));
    q.bind(id);
    first(c, &q).await?.as_ref().map(coding_row).transpose()?.ok_or(StoreError::NotFound { entity: "coding" })
}

const CODING_TYPES: [(&str, Type); 12] = [
    ("source_id", Type::Int),
    ("code_id", Type::Int),
    ("coder_id", Type::Int),
    ("start_pos", Type::Int),
    ("end_pos", Type::Int),
    ("quote", Type::Text),
    ("memo", Type::Text),
    ("phase", Type::Text),
    ("guid", Type::Text),
    ("selection_guid", Type::Text),
    ("created_at", Type::Time),
    ("id", Type::Int),
];

const CONCLUSION_COLUMNS: &str = "id, study_id, claim, status, guid, finding_id, created_at, version";

fn conclusion_row(row: &Row) -> StoreResult<Conclusion> {
    Ok(Conclusion {
        id: row.int("id")?,
        study_id: row.int("study_id")?,
        claim: row.text("claim")?,
        status: row.parsed("status", ConclusionStatus::parse)?,
        guid: row.text("guid")?,
        finding_id: row.opt_int("finding_id")?,
        created_at: row.time("created_at")?,
        version: row.int("version")?,
        evidence: Vec::new(),
    })
}

async fn conclusions_where(c: &mut dyn Conn, cond: Sql) -> StoreResult<Vec<Conclusion>> {
    let mut q = Sql::new(format!("SELECT {CONCLUSION_COLUMNS} FROM qual_conclusions WHERE "));
    q.append(&cond).push(" ORDER BY id");
    let mut list = rows(c, &q).await?.iter().map(conclusion_row).collect::<StoreResult<Vec<_>>>()?;
    if list.is_empty() {
        return Ok(list);
    }
    let mut q = Sql::new("SELECT conclusion_id, coding_id, stance FROM qual_evidence WHERE conclusion_id IN ");
    q.list(list.iter().map(|x| x.id)).push(" ORDER BY coding_id");
    for r in rows(c, &q).await? {
        let cid = r.int("conclusion_id")?;
        let e = (r.int("coding_id")?, r.parsed("stance", Stance::parse)?);
        if let Some(x) = list.iter_mut().find(|x| x.id == cid) {
            x.evidence.push(e);
        }
    }
    Ok(list)
}

async fn conclusion_by_id(c: &mut dyn Conn, id: Id) -> StoreResult<Conclusion> {
    let mut cond = Sql::new("id = ");
    cond.bind(id);
    conclusions_where(c, cond).await?.pop().ok_or(StoreError::NotFound { entity: "conclusion" })
}

async fn history(c: &mut dyn Conn, id: Id, n: &NewConclusion, actor: &str) -> StoreResult<()> {
    insert_row(
        c,
        "qual_conclusion_history",
        vec![
            ("conclusion_id", id.into()),
            ("status", n.status.code().into()),
            ("claim", n.claim.as_str().into()),
            ("note", n.note.clone().into()),
            ("actor", actor.into()),
            ("at", Value::Time(kit::now())),
        ],
    )
    .await?;
    Ok(())
}

async fn facts_of(c: &mut dyn Conn, study_id: Id, blind: bool) -> StoreResult<Facts> {
    let codes = codes_of(c, study_id).await?;
    let mut q = Sql::new("SELECT id, kind FROM qual_sources WHERE study_id = ");
    q.bind(study_id).push(" ORDER BY id");
    let mut sources: Vec<SourceFact> = Vec::new();
    for r in rows(c, &q).await? {
        sources.push(SourceFact {
            id: r.int("id")?,
            kind: r.parsed("kind", SourceKind::parse)?,
            informants: vec![],
            links: vec![],
        });
    }
    let at: HashMap<Id, usize> = sources.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut q = Sql::new(
        "SELECT x.source_id, x.informant_id FROM qual_source_informants x JOIN qual_sources s ON s.id = x.source_id WHERE s.study_id = ",
    );
    q.bind(study_id);
    for r in rows(c, &q).await? {
        if let Some(&i) = at.get(&r.int("source_id")?) {
            sources[i].informants.push(r.int("informant_id")?);
        }
    }
    let mut q = Sql::new(
        "SELECT x.source_id, x.kind, x.ref_id FROM qual_source_links x JOIN qual_sources s ON s.id = x.source_id WHERE s.study_id = ",
    );
    q.bind(study_id);
    for r in rows(c, &q).await? {
        if let Some(&i) = at.get(&r.int("source_id")?) {
            sources[i].links.push((r.parsed("kind", LinkKind::parse)?, r.int("ref_id")?));
        }
    }
    let mut q = Sql::new("SELECT id, role FROM qual_informants WHERE study_id = ");
    q.bind(study_id).push(" ORDER BY id");
    let informants = rows(c, &q)
        .await?
        .iter()
        .map(|r| Ok(InformantFact { id: r.int("id")?, role: r.text("role")? }))
        .collect::<StoreResult<_>>()?;
    let mut q = Sql::new(
        "SELECT g.id, g.source_id, g.code_id, g.coder_id, g.start_pos, g.end_pos FROM qual_codings g \
         JOIN qual_sources s ON s.id = g.source_id WHERE s.study_id = ",
    );
    q.bind(study_id);
    if blind {
        q.push(" AND g.phase = 'blind'");
    } else {
        q.push(" AND g.phase <> 'blind'");
    }
    q.push(" ORDER BY g.source_id, g.start_pos, g.id");
    let codings = rows(c, &q)
        .await?
        .iter()
        .map(|r| {
            Ok(CodingFact {
                id: r.int("id")?,
                source_id: r.int("source_id")?,
                code_id: r.int("code_id")?,
                coder_id: r.int("coder_id")?,
                start: r.int("start_pos")?.max(0) as u32,
                end: r.int("end_pos")?.max(0) as u32,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(Facts {
        codes: codes.into_iter().map(|k| CodeFact { id: k.id, dimensions: k.dimensions, role: k.role }).collect(),
        sources,
        informants,
        codings,
    })
}

async fn add_coding_in(
    c: &mut dyn Conn,
    coder_id: Id,
    n: &NewCoding,
    phase: Phase,
    guid_value: String,
    selection: String,
) -> StoreResult<Id> {
    let source = {
        let mut q = Sql::new("SELECT study_id, chars, body FROM qual_sources WHERE id = ");
        q.bind(n.source_id);
        first(c, &q).await?.ok_or(StoreError::Reference {
            field: "source_id",
            message: format!("source {} does not exist", n.source_id),
        })?
    };
    let study_id = source.int("study_id")?;
    let mut q = Sql::new("SELECT 1 AS one FROM qual_codes WHERE id = ");
    q.bind(n.code_id).push(" AND study_id = ").bind(study_id);
    if first(c, &q).await?.is_none() {
        return Err(StoreError::Reference { field: "code_id", message: format!("code {} does not exist", n.code_id) });
    }
    let mut q = Sql::new("SELECT 1 AS one FROM qual_coders WHERE id = ");
    q.bind(coder_id).push(" AND study_id = ").bind(study_id);
    if first(c, &q).await?.is_none() {
        return Err(StoreError::Reference { field: "coder_id", message: format!("coder {coder_id} does not exist") });
    }
    let chars = source.int("chars")?.max(0) as u32;
    if n.end > chars || n.start >= n.end {
        return Err(StoreError::Invalid(berdaya_domain::registry::text::Invalid::one(
            "end",
            format!("must lie within the text (1 to {chars} characters)"),
        )));
    }
    let mut q = Sql::new("SELECT 1 AS one FROM qual_codings WHERE source_id = ");
    q.bind(n.source_id).push(" AND code_id = ").bind(n.code_id).push(" AND coder_id = ").bind(coder_id);
    q.push(" AND start_pos = ")
        .bind(n.start)
        .push(" AND end_pos = ")
        .bind(n.end)
        .push(" AND phase = ")
        .bind(phase.code());
    if first(c, &q).await?.is_some() {
        return Err(StoreError::Invalid(berdaya_domain::registry::text::Invalid::one(
            "code_id",
            "this text already has this code",
        )));
    }
    let quote = slice(&source.text("body")?, n.start, n.end);
    insert_row(
        c,
        "qual_codings",
        vec![
            ("source_id", n.source_id.into()),
            ("code_id", n.code_id.into()),
            ("coder_id", coder_id.into()),
            ("start_pos", n.start.into()),
            ("end_pos", n.end.into()),
            ("quote", quote.into()),
            ("memo", n.memo.clone().into()),
            ("phase", phase.code().into()),
            ("guid", guid_value.into()),
            ("selection_guid", selection.into()),
            ("created_at", Value::Time(kit::now())),
        ],
    )
    .await
}

#[async_trait]
impl<B: Backend> QualStore for B {
    async fn create_study(&self, new: &NewStudy) -> StoreResult<Study> {
        let n = new.clone();
        let by = crate::access::current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                let id = create_study_in(c, &n, guid(), &by).await?;
                study_by_id(c, id).await
            })
        }))
        .await
    }

    async fn update_study(&self, id: Id, new: &NewStudy, version: Version) -> StoreResult<Study> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_study_refs(c, &n).await?;
                kit::update_row(c, "qual_studies", "study", id, study_values(&n), version).await?;
                write_study_links(c, id, &n.links).await?;
                study_by_id(c, id).await
            })
        }))
        .await
    }

    async fn study(&self, id: Id) -> StoreResult<Study> {
        self.read(job(move |c| Box::pin(async move { study_by_id(c, id).await }))).await
    }

    async fn studies(&self, area: Option<&RegionCode>) -> StoreResult<Vec<Study>> {
        let area = area.cloned();
        self.read(job(move |c| {
            Box::pin(async move {
                let cond = match &area {
                    Some(a) => kit::subtree("s.region", a.as_str()),
                    None => Sql::new("1 = 1"),
                };
                studies_where(c, cond).await
            })
        }))
        .await
    }

    async fn set_blind(&self, id: Id, blind: bool) -> StoreResult<Study> {
        self.write(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new("UPDATE qual_studies SET blind = ");
                q.bind(blind).push(", version = version + 1 WHERE id = ").bind(id);
                if exec(c, &q).await? == 0 {
                    return Err(StoreError::NotFound { entity: "study" });
                }
                study_by_id(c, id).await
            })
        }))
        .await
    }

    async fn add_informant(&self, study_id: Id, new: &NewInformant) -> StoreResult<Informant> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("study_id", "qual_studies", "study", study_id)]).await?;
                let mut values = vec![("study_id", Value::from(study_id))];
                values.extend(informant_values(&n));
                let id = insert_row(c, "qual_informants", values).await.map_err(duplicate_pseudonym)?;
                informant_by_id(c, id).await
            })
        }))
        .await
    }

    async fn update_informant(&self, id: Id, new: &NewInformant, version: Version) -> StoreResult<Informant> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                kit::update_row(c, "qual_informants", "informant", id, informant_values(&n), version)
                    .await
                    .map_err(duplicate_pseudonym)?;
                informant_by_id(c, id).await
            })
        }))
        .await
    }

    async fn informant(&self, id: Id) -> StoreResult<Informant> {
        self.read(job(move |c| Box::pin(async move { informant_by_id(c, id).await }))).await
    }

    async fn informants(&self, study_id: Id) -> StoreResult<Vec<Informant>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(format!("SELECT {INFORMANT_COLUMNS} FROM qual_informants WHERE study_id = "));
                q.bind(study_id).push(" ORDER BY role, pseudonym, id");
                rows(c, &q).await?.iter().map(informant_row).collect()
            })
        }))
        .await
    }

    async fn add_source(&self, study_id: Id, new: &NewSource) -> StoreResult<Source> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("study_id", "qual_studies", "study", study_id)]).await?;
                let id = insert_source(c, study_id, &n, guid()).await?;
                source_by_id(c, id).await
            })
        }))
        .await
    }

    async fn source(&self, id: Id) -> StoreResult<Source> {
        self.read(job(move |c| Box::pin(async move { source_by_id(c, id).await }))).await
    }

    async fn sources(&self, study_id: Id) -> StoreResult<Vec<Source>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("s.study_id = ");
                cond.bind(study_id);
                sources_where(c, cond).await
            })
        }))
        .await
    }

    async fn edit_source_text(
        &self,
        id: Id,
        original: &str,
        version: Version,
        drop_lost: bool,
    ) -> StoreResult<Reanchored> {
        let original = original.to_string();
        self.write(job(move |c| {
            Box::pin(async move {
                let body = berdaya_domain::qual::normalise(&original);
                let mut q = Sql::new(format!("SELECT {CODING_COLUMNS} FROM qual_codings g WHERE g.source_id = "));
                q.bind(id);
                let codings = rows(c, &q).await?.iter().map(coding_row).collect::<StoreResult<Vec<_>>>()?;
                let mut out = Reanchored::default();
                let mut moves = Vec::new();
                for g in &codings {
                    match reanchor(&body, &g.quote, g.start) {
                        Some((s, e)) if (s, e) != (g.start, g.end) => moves.push((g.id, s, e)),
                        Some(_) => {}
                        None => out.lost.push(g.id),
                    }
                }
                if !out.lost.is_empty() && !drop_lost {
                    let quotes: Vec<String> = codings
                        .iter()
                        .filter(|g| out.lost.contains(&g.id))
                        .take(5)
                        .map(|g| format!("«{}»", berdaya_domain::registry::text::shorten(&g.quote)))
                        .collect();
                    return Err(StoreError::Invalid(berdaya_domain::registry::text::Invalid::one(
                        "text",
                        format!(
                            "removes the coded text of {} coding(s) ({}); tick the box to drop them, or keep that text",
                            out.lost.len(),
                            quotes.join(", ")
                        ),
                    )));
                }
                let mut q = Sql::new("SELECT 1 AS one FROM qual_evidence WHERE coding_id IN ");
                if !out.lost.is_empty() {
                    q.list(out.lost.iter().copied());
                    if first(c, &q).await?.is_some() {
                        return Err(StoreError::Invalid(berdaya_domain::registry::text::Invalid::one(
                            "text",
                            "removes the coded text of a coding that is evidence of a conclusion; remove it from the conclusion first",
                        )));
                    }
                    let mut d = Sql::new("DELETE FROM qual_codings WHERE id IN ");
                    d.list(out.lost.iter().copied());
                    exec(c, &d).await?;
                }
                for (gid, s, e) in &moves {
                    let mut u = Sql::new("UPDATE qual_codings SET start_pos = ");
                    u.bind(*s).push(", end_pos = ").bind(*e).push(" WHERE id = ").bind(*gid);
                    exec(c, &u).await?;
                }
                out.moved = moves.len();
                kit::update_row(
                    c,
                    "qual_sources",
                    "source",
                    id,
                    vec![
                        ("chars", (body.chars().count() as i64).into()),
                        ("body", body.into()),
                        ("original", original.as_str().into()),
                    ],
                    version,
                )
                .await?;
                Ok(out)
            })
        }))
        .await
    }

    async fn add_source_informant(&self, source_id: Id, informant_id: Id) -> StoreResult<Source> {
        self.write(job(move |c| {
            Box::pin(async move {
                let s = source_by_id(c, source_id).await?;
                let mut q = Sql::new("SELECT 1 AS one FROM qual_informants WHERE id = ");
                q.bind(informant_id).push(" AND study_id = ").bind(s.study_id);
                if first(c, &q).await?.is_none() {
                    return Err(StoreError::Reference {
                        field: "informant_ids",
                        message: format!("informant {informant_id} does not exist"),
                    });
                }
                if !s.informants.contains(&informant_id) {
                    let mut q = Sql::new("INSERT INTO qual_source_informants (source_id, informant_id) VALUES ");
                    q.list([Value::from(source_id), informant_id.into()]);
                    exec(c, &q).await?;
                }
                source_by_id(c, source_id).await
            })
        }))
        .await
    }

    async fn add_redaction(&self, source_id: Id, start: u32, end: u32, label: &str) -> StoreResult<Redaction> {
        let label = label.to_string();
        let by = crate::access::current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                let s = source_by_id(c, source_id).await?;
                if end <= start || end > s.chars {
                    return Err(StoreError::Invalid(berdaya_domain::registry::text::Invalid::one(
                        "end",
                        format!("must lie within the text (1 to {} characters)", s.chars),
                    )));
                }
                let id = insert_row(
                    c,
                    "qual_redactions",
                    vec![
                        ("source_id", source_id.into()),
                        ("start_pos", start.into()),
                        ("end_pos", end.into()),
                        ("label", label.as_str().into()),
                        ("created_by", by.as_str().into()),
                        ("created_at", Value::Time(kit::now())),
                    ],
                )
                .await?;
                Ok(Redaction { id, source_id, start, end, label, created_by: by })
            })
        }))
        .await
    }

    async fn redactions(&self, source_id: Id) -> StoreResult<Vec<Redaction>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new("SELECT id, source_id, start_pos, end_pos, label, created_by FROM qual_redactions WHERE source_id = ");
                q.bind(source_id).push(" ORDER BY start_pos, id");
                rows(c, &q)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(Redaction {
                            id: r.int("id")?,
                            source_id: r.int("source_id")?,
                            start: r.int("start_pos")?.max(0) as u32,
                            end: r.int("end_pos")?.max(0) as u32,
                            label: r.text("label")?,
                            created_by: r.text("created_by")?,
                        })
                    })
                    .collect()
            })
        }))
        .await
    }

    async fn coder_for_user(&self, study_id: Id, user_id: Id, name: &str) -> StoreResult<Coder> {
        let name = name.to_string();
        self.write(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new("SELECT id, study_id, name, user_id, guid FROM qual_coders WHERE study_id = ");
                q.bind(study_id).push(" AND user_id = ").bind(user_id);
                if let Some(r) = first(c, &q).await? {
                    return coder_row(&r);
                }
                // A name taken by an imported coder gets the user's id appended.
                let mut q = Sql::new("SELECT 1 AS one FROM qual_coders WHERE study_id = ");
                q.bind(study_id).push(" AND name = ").bind(name.as_str());
                let shown = if first(c, &q).await?.is_some() { format!("{name} #{user_id}") } else { name.clone() };
                let id = insert_row(
                    c,
                    "qual_coders",
                    vec![
                        ("study_id", study_id.into()),
                        ("name", shown.as_str().into()),
                        ("user_id", user_id.into()),
                        ("guid", guid().into()),
                    ],
                )
                .await?;
                let mut q = Sql::new("SELECT id, study_id, name, user_id, guid FROM qual_coders WHERE id = ");
                q.bind(id);
                coder_row(&first(c, &q).await?.ok_or(StoreError::NotFound { entity: "coder" })?)
            })
        }))
        .await
    }

    async fn coders(&self, study_id: Id) -> StoreResult<Vec<Coder>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new("SELECT id, study_id, name, user_id, guid FROM qual_coders WHERE study_id = ");
                q.bind(study_id).push(" ORDER BY name, id");
                rows(c, &q).await?.iter().map(coder_row).collect()
            })
        }))
        .await
    }

    async fn add_code(&self, study_id: Id, new: &NewCode) -> StoreResult<Code> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("study_id", "qual_studies", "study", study_id)]).await?;
                let id = insert_code(c, study_id, &n, guid()).await?;
                write_code_links(c, study_id, id, &n).await?;
                code_by_id(c, id).await
            })
        }))
        .await
    }

    async fn update_code(&self, id: Id, new: &NewCode, version: Version) -> StoreResult<Code> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let old = code_by_id(c, id).await?;
                kit::update_row(c, "qual_codes", "code", id, code_values(&n), version).await.map_err(duplicate_code)?;
                write_code_links(c, old.study_id, id, &n).await?;
                code_by_id(c, id).await
            })
        }))
        .await
    }

    async fn code(&self, id: Id) -> StoreResult<Code> {
        self.read(job(move |c| Box::pin(async move { code_by_id(c, id).await }))).await
    }

    async fn codes(&self, study_id: Id) -> StoreResult<Vec<Code>> {
        self.read(job(move |c| Box::pin(async move { codes_of(c, study_id).await }))).await
    }

    async fn copy_codebook(&self, from: Id, to: Id) -> StoreResult<usize> {
        self.write(job(move |c| {
            Box::pin(async move {
                study_by_id(c, to).await?;
                let source = codes_of(c, from).await?;
                let have: HashMap<String, Id> =
                    codes_of(c, to).await?.into_iter().map(|k| (k.name.to_lowercase(), k.id)).collect();
                let mut map: HashMap<Id, Id> = HashMap::new();
                let mut added = 0;
                for k in &source {
                    if let Some(&id) = have.get(&k.name.to_lowercase()) {
                        map.insert(k.id, id);
                        continue;
                    }
                    let n = NewCode {
                        name: k.name.clone(),
                        description: k.description.clone(),
                        color: k.color.clone(),
                        role: k.role,
                        parents: vec![],
                        dimensions: vec![],
                    };
                    let id = insert_code(c, to, &n, guid()).await?;
                    map.insert(k.id, id);
                    added += 1;
                }
                for k in &source {
                    let Some(&id) = map.get(&k.id) else { continue };
                    if have.contains_key(&k.name.to_lowercase()) {
                        continue;
                    }
                    let n = NewCode {
                        name: k.name.clone(),
                        description: k.description.clone(),
                        color: k.color.clone(),
                        role: k.role,
                        parents: k.parents.iter().filter_map(|p| map.get(p).copied()).collect(),
                        dimensions: k.dimensions.clone(),
                    };
                    write_code_links(c, to, id, &n).await?;
                }
                Ok(added)
            })
        }))
        .await
    }

    async fn add_coding(&self, coder_id: Id, new: &NewCoding, phase: Phase) -> StoreResult<Coding> {
        let n = new.clone();
        self.write(job(move |c| {
            Box::pin(async move {
                let id = add_coding_in(c, coder_id, &n, phase, guid(), guid()).await?;
                coding_by_id(c, id).await
            })
        }))
        .await
    }

    async fn coding(&self, id: Id) -> StoreResult<Coding> {
        self.read(job(move |c| Box::pin(async move { coding_by_id(c, id).await }))).await
    }

    async fn delete_coding(&self, id: Id) -> StoreResult<()> {
        self.write(job(move |c| {
            Box::pin(async move {
                coding_by_id(c, id).await?;
                let mut q = Sql::new("SELECT 1 AS one FROM qual_evidence WHERE coding_id = ");
                q.bind(id);
                if first(c, &q).await?.is_some() {
                    return Err(StoreError::Invalid(berdaya_domain::registry::text::Invalid::one(
                        "coding",
                        "is evidence of a conclusion; remove it from the conclusion first",
                    )));
                }
                let mut q = Sql::new("DELETE FROM qual_codings WHERE id = ");
                q.bind(id);
                exec(c, &q).await?;
                Ok(())
            })
        }))
        .await
    }

    async fn codings(&self, study_id: Id) -> StoreResult<Vec<Coding>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(format!(
                    "SELECT {CODING_COLUMNS} FROM qual_codings g JOIN qual_sources s ON s.id = g.source_id WHERE s.study_id = "
                ));
                q.bind(study_id).push(" ORDER BY g.source_id, g.start_pos, g.end_pos, g.id");
                rows(c, &q).await?.iter().map(coding_row).collect()
            })
        }))
        .await
    }

    async fn source_codings(&self, source_id: Id) -> StoreResult<Vec<Coding>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(format!("SELECT {CODING_COLUMNS} FROM qual_codings g WHERE g.source_id = "));
                q.bind(source_id).push(" ORDER BY g.start_pos, g.end_pos, g.id");
                rows(c, &q).await?.iter().map(coding_row).collect()
            })
        }))
        .await
    }

    async fn facts(&self, study_id: Id, blind: bool) -> StoreResult<Facts> {
        self.read(job(move |c| Box::pin(async move { facts_of(c, study_id, blind).await }))).await
    }

    async fn add_conclusion(&self, study_id: Id, new: &NewConclusion) -> StoreResult<Conclusion> {
        let n = new.clone();
        let actor = crate::access::current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("study_id", "qual_studies", "study", study_id)]).await?;
                let id = insert_row(
                    c,
                    "qual_conclusions",
                    vec![
                        ("study_id", study_id.into()),
                        ("claim", n.claim.as_str().into()),
                        ("status", n.status.code().into()),
                        ("guid", guid().into()),
                        ("created_at", Value::Time(kit::now())),
                    ],
                )
                .await?;
                history(c, id, &n, &actor).await?;
                conclusion_by_id(c, id).await
            })
        }))
        .await
    }

    async fn update_conclusion(&self, id: Id, new: &NewConclusion, version: Version) -> StoreResult<Conclusion> {
        let n = new.clone();
        let actor = crate::access::current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                kit::update_row(
                    c,
                    "qual_conclusions",
                    "conclusion",
                    id,
                    vec![("claim", n.claim.as_str().into()), ("status", n.status.code().into())],
                    version,
                )
                .await?;
                history(c, id, &n, &actor).await?;
                conclusion_by_id(c, id).await
            })
        }))
        .await
    }

    async fn conclusion(&self, id: Id) -> StoreResult<Conclusion> {
        self.read(job(move |c| Box::pin(async move { conclusion_by_id(c, id).await }))).await
    }

    async fn conclusions(&self, study_id: Id) -> StoreResult<Vec<Conclusion>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut cond = Sql::new("study_id = ");
                cond.bind(study_id);
                conclusions_where(c, cond).await
            })
        }))
        .await
    }

    async fn conclusion_history(&self, id: Id) -> StoreResult<Vec<ConclusionEvent>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new(
                    "SELECT status, claim, note, actor, at FROM qual_conclusion_history WHERE conclusion_id = ",
                );
                q.bind(id).push(" ORDER BY id");
                rows(c, &q)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(ConclusionEvent {
                            status: r.parsed("status", ConclusionStatus::parse)?,
                            claim: r.text("claim")?,
                            note: r.opt_text("note")?,
                            actor: r.text("actor")?,
                            at: r.time("at")?,
                        })
                    })
                    .collect()
            })
        }))
        .await
    }

    async fn set_evidence(&self, conclusion_id: Id, coding_id: Id, stance: Stance) -> StoreResult<Conclusion> {
        self.write(job(move |c| {
            Box::pin(async move {
                let x = conclusion_by_id(c, conclusion_id).await?;
                let mut q = Sql::new(
                    "SELECT 1 AS one FROM qual_codings g JOIN qual_sources s ON s.id = g.source_id WHERE g.id = ",
                );
                q.bind(coding_id).push(" AND s.study_id = ").bind(x.study_id);
                if first(c, &q).await?.is_none() {
                    return Err(StoreError::Reference {
                        field: "coding_id",
                        message: format!("coding {coding_id} does not exist"),
                    });
                }
                let mut d = Sql::new("DELETE FROM qual_evidence WHERE conclusion_id = ");
                d.bind(conclusion_id).push(" AND coding_id = ").bind(coding_id);
                exec(c, &d).await?;
                let mut q = Sql::new("INSERT INTO qual_evidence (conclusion_id, coding_id, stance) VALUES ");
                q.list([Value::from(conclusion_id), coding_id.into(), stance.code().into()]);
                exec(c, &q).await?;
                conclusion_by_id(c, conclusion_id).await
            })
        }))
        .await
    }

    async fn remove_evidence(&self, conclusion_id: Id, coding_id: Id) -> StoreResult<Conclusion> {
        self.write(job(move |c| {
            Box::pin(async move {
                let mut d = Sql::new("DELETE FROM qual_evidence WHERE conclusion_id = ");
                d.bind(conclusion_id).push(" AND coding_id = ").bind(coding_id);
                if exec(c, &d).await? == 0 {
                    return Err(StoreError::Reference {
                        field: "coding_id",
                        message: format!("coding {coding_id} is not evidence of it"),
                    });
                }
                conclusion_by_id(c, conclusion_id).await
            })
        }))
        .await
    }

    async fn link_finding(&self, conclusion_id: Id, finding_id: Id) -> StoreResult<Conclusion> {
        self.write(job(move |c| {
            Box::pin(async move {
                check_references(c, vec![Reference::id("finding_id", "findings", "finding", finding_id)]).await?;
                let mut q = Sql::new("UPDATE qual_conclusions SET finding_id = ");
                q.bind(finding_id).push(", version = version + 1 WHERE id = ").bind(conclusion_id);
                if exec(c, &q).await? == 0 {
                    return Err(StoreError::NotFound { entity: "conclusion" });
                }
                conclusion_by_id(c, conclusion_id).await
            })
        }))
        .await
    }

    async fn sets(&self, study_id: Id) -> StoreResult<Vec<QualSet>> {
        self.read(job(move |c| {
            Box::pin(async move {
                let mut q = Sql::new("SELECT id, guid, name, description, key FROM qual_sets WHERE study_id = ");
                q.bind(study_id).push(" ORDER BY id");
                let mut list = Vec::new();
                for r in rows(c, &q).await? {
                    list.push(QualSet {
                        id: r.int("id")?,
                        guid: r.text("guid")?,
                        name: r.text("name")?,
                        description: r.opt_text("description")?,
                        key: r.opt_text("key")?,
                        members: Vec::new(),
                    });
                }
                let mut q = Sql::new("SELECT m.set_id, m.code_id FROM qual_set_members m JOIN qual_sets x ON x.id = m.set_id WHERE x.study_id = ");
                q.bind(study_id).push(" ORDER BY m.code_id");
                for r in rows(c, &q).await? {
                    let sid = r.int("set_id")?;
                    if let Some(x) = list.iter_mut().find(|x| x.id == sid) {
                        x.members.push(r.int("code_id")?);
                    }
                }
                Ok(list)
            })
        }))
        .await
    }

    async fn import_study(&self, project: &ImportedStudy, into: Option<Id>) -> StoreResult<Id> {
        let p = project.clone();
        let by = crate::access::current_actor().name;
        self.write(job(move |c| {
            Box::pin(async move {
                let study_id = match (&p.study, into) {
                    (Some(n), _) => create_study_in(c, n, p.guid.clone().unwrap_or_else(guid), &by).await?,
                    (None, Some(id)) => study_by_id(c, id).await?.id,
                    (None, None) => return Err(StoreError::NotFound { entity: "study" }),
                };
                let mut coders: HashMap<String, Id> = HashMap::new();
                let mut q = Sql::new("SELECT id, guid FROM qual_coders WHERE study_id = ");
                q.bind(study_id);
                for r in rows(c, &q).await? {
                    coders.insert(r.text("guid")?, r.int("id")?);
                }
                for (g, name) in &p.coders {
                    if coders.contains_key(g) {
                        continue;
                    }
                    let mut q = Sql::new("SELECT 1 AS one FROM qual_coders WHERE study_id = ");
                    q.bind(study_id).push(" AND name = ").bind(name.as_str());
                    let shown = if first(c, &q).await?.is_some() { format!("{name} ({})", &g[..8.min(g.len())]) } else { name.clone() };
                    let id = insert_row(
                        c,
                        "qual_coders",
                        vec![("study_id", study_id.into()), ("name", shown.into()), ("user_id", Value::Null(Type::Int)), ("guid", g.as_str().into())],
                    )
                    .await?;
                    coders.insert(g.clone(), id);
                }
                let existing: HashMap<String, Id> =
                    codes_of(c, study_id).await?.into_iter().map(|k| (k.name.to_lowercase(), k.id)).collect();
                let mut codes: HashMap<String, Id> = HashMap::new();
                let mut fresh = Vec::new();
                for k in &p.codes {
                    if let Some(&id) = existing.get(&k.new.name.to_lowercase()) {
                        codes.insert(k.guid.clone(), id);
                        continue;
                    }
                    let id = insert_code(c, study_id, &NewCode { parents: vec![], ..k.new.clone() }, k.guid.clone()).await?;
                    codes.insert(k.guid.clone(), id);
                    fresh.push((id, k));
                }
                for (id, k) in fresh {
                    let parents = k.parent_guids.iter().filter_map(|g| codes.get(g).copied()).collect();
                    write_code_links(c, study_id, id, &NewCode { parents, ..k.new.clone() }).await?;
                }
                for set in &p.sets {
                    let mut q = Sql::new("SELECT id FROM qual_sets WHERE study_id = ");
                    q.bind(study_id).push(" AND guid = ").bind(set.guid.as_str());
                    let sid = match first(c, &q).await? {
                        Some(r) => r.int("id")?,
                        None => {
                            insert_row(
                                c,
                                "qual_sets",
                                vec![
                                    ("study_id", study_id.into()),
                                    ("guid", set.guid.as_str().into()),
                                    ("name", set.name.as_str().into()),
                                    ("description", set.description.clone().into()),
                                    ("key", set.key.clone().into()),
                                ],
                            )
                            .await?
                        }
                    };
                    let members: BTreeSet<Id> = set.member_guids.iter().filter_map(|g| codes.get(g).copied()).collect();
                    for m in members {
                        let mut q = Sql::new("DELETE FROM qual_set_members WHERE set_id = ");
                        q.bind(sid).push(" AND code_id = ").bind(m);
                        exec(c, &q).await?;
                        let mut q = Sql::new("INSERT INTO qual_set_members (set_id, code_id) VALUES ");
                        q.list([Value::from(sid), m.into()]);
                        exec(c, &q).await?;
                    }
                }
                let mut sources: HashMap<String, Id> = HashMap::new();
                for s in &p.sources {
                    let id = insert_source(c, study_id, &s.new, s.guid.clone()).await?;
                    sources.insert(s.guid.clone(), id);
                }
                let mut bodies: HashMap<Id, Vec<char>> = HashMap::new();
                for s in &p.sources {
                    bodies.insert(sources[&s.guid], s.new.body().chars().collect());
                }
                let mut batch = Vec::with_capacity(p.codings.len());
                let mut coding_ids: HashMap<String, usize> = HashMap::new();
                let now = kit::now();
                for (i, g) in p.codings.iter().enumerate() {
                    let field = |f: &'static str, what: &str| StoreError::Reference { field: f, message: format!("{what} of coding {} does not exist", g.guid) };
                    let source_id = *sources.get(&g.source_guid).ok_or_else(|| field("source", "the source"))?;
                    let code_id = *codes.get(&g.code_guid).ok_or_else(|| field("code", "the code"))?;
                    let coder_id = *coders.get(&g.coder_guid).ok_or_else(|| field("coder", "the coder"))?;
                    let body = &bodies[&source_id];
                    if g.end as usize > body.len() || g.start >= g.end {
                        return Err(StoreError::Invalid(berdaya_domain::registry::text::Invalid::one(
                            "coding",
                            format!("coding {} lies outside its source's text", g.guid),
                        )));
                    }
                    let quote: String = body[g.start as usize..g.end as usize].iter().collect();
                    coding_ids.insert(g.guid.clone(), i);
                    batch.push(vec![
                        source_id.into(),
                        code_id.into(),
                        coder_id.into(),
                        g.start.into(),
                        g.end.into(),
                        quote.into(),
                        g.memo.clone().into(),
                        g.phase.code().into(),
                        g.guid.as_str().into(),
                        g.selection_guid.as_str().into(),
                        Value::Time(now),
                    ]);
                }
                kit::insert_rows(c, "qual_codings", &CODING_TYPES[..11], &batch).await?;
                for (g, claim, evidence) in &p.conclusions {
                    let id = insert_row(
                        c,
                        "qual_conclusions",
                        vec![
                            ("study_id", study_id.into()),
                            ("claim", claim.as_str().into()),
                            ("status", ConclusionStatus::Tentative.code().into()),
                            ("guid", g.as_str().into()),
                            ("created_at", Value::Time(now)),
                        ],
                    )
                    .await?;
                    let n = NewConclusion { claim: claim.clone(), status: ConclusionStatus::Tentative, note: Some("imported".into()) };
                    history(c, id, &n, &by).await?;
                    for e in evidence {
                        let mut q = Sql::new("SELECT g.id FROM qual_codings g JOIN qual_sources s ON s.id = g.source_id WHERE s.study_id = ");
                        q.bind(study_id).push(" AND g.guid = ").bind(e.as_str());
                        if let Some(r) = first(c, &q).await? {
                            let mut q = Sql::new("INSERT INTO qual_evidence (conclusion_id, coding_id, stance) VALUES ");
                            q.list([Value::from(id), r.int("id")?.into(), Stance::Supports.code().into()]);
                            exec(c, &q).await?;
                        }
                    }
                }
                Ok(study_id)
            })
        }))
        .await
    }
}

fn coder_row(r: &Row) -> StoreResult<Coder> {
    Ok(Coder {
        id: r.int("id")?,
        study_id: r.int("study_id")?,
        name: r.text("name")?,
        user_id: r.opt_int("user_id")?,
        guid: r.text("guid")?,
    })
}

/// Stores many codings at once (benchmarks, imports): `(coder, coding, phase)`; the quote is
/// read from each source's text.
pub async fn add_codings_bulk<B: Backend>(store: &B, list: Vec<(Id, NewCoding, Phase)>) -> StoreResult<u64> {
    store
        .write(job(move |c| {
            Box::pin(async move {
                let ids: BTreeSet<Id> = list.iter().map(|(_, n, _)| n.source_id).collect();
                let mut bodies: HashMap<Id, Vec<char>> = HashMap::new();
                for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
                    let mut q = Sql::new("SELECT id, body FROM qual_sources WHERE id IN ");
                    q.list(chunk.iter().copied());
                    for r in rows(c, &q).await? {
                        bodies.insert(r.int("id")?, r.text("body")?.chars().collect());
                    }
                }
                let now = kit::now();
                let mut batch = Vec::with_capacity(list.len());
                for (coder, n, phase) in &list {
                    let body = bodies.get(&n.source_id).ok_or(StoreError::Reference {
                        field: "source_id",
                        message: format!("source {} does not exist", n.source_id),
                    })?;
                    if n.end as usize > body.len() || n.start >= n.end {
                        return Err(StoreError::Invalid(berdaya_domain::registry::text::Invalid::one(
                            "end",
                            "must lie within the text",
                        )));
                    }
                    let quote: String = body[n.start as usize..n.end as usize].iter().collect();
                    batch.push(vec![
                        n.source_id.into(),
                        n.code_id.into(),
                        (*coder).into(),
                        n.start.into(),
                        n.end.into(),
                        quote.into(),
                        n.memo.clone().into(),
                        phase.code().into(),
                        guid().into(),
                        guid().into(),
                        Value::Time(now),
                    ]);
                }
                kit::insert_rows(c, "qual_codings", &CODING_TYPES[..11], &batch).await
            })
        }))
        .await
}
