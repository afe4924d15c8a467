//! The registry tables: regions, households, people, groups, agencies, programs, enrollments.

use async_trait::async_trait;
use berdaya_domain::registry::{
    Agency, AgencyKind, Disability, Education, Enrollment, EnrollmentStatus, Group, GroupKind, GroupMember, GroupRole,
    Household, Id, Invalid, Kk, NewAgency, NewEnrollment, NewGroup, NewHousehold, NewMember, NewPerson, NewProgram,
    NewRegion, NewStaff, Nik, Person, Program, Region, RegionCode, RegionKind, Relation, Sex, Staff, Subject,
    SubjectKind, Version, WelfareStage,
};
use berdaya_store::registry::{
    GroupSummary, HouseholdSummary, ProgramSummary, Query, RegistryCounts, RegistryExportRow, RegistryStore,
    SubjectEnrollment, Within,
};
use berdaya_store::{COUNT_CAP, ImportOptions, ImportReport, Page, PageRequest, RowSource, StoreError, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder, Row};

use crate::PgStore;
use crate::error::{corrupt, db};

// --- Mapping ------------------------------------------------------------------------------

pub(crate) fn get<'r, T>(row: &'r PgRow, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(col).map_err(db)
}

pub(crate) fn vocab<T>(row: &PgRow, col: &str, parse: fn(&str) -> Result<T, String>) -> StoreResult<T> {
    let s: String = get(row, col)?;
    parse(&s).map_err(|e| corrupt(col, e))
}

pub(crate) fn region_code(row: &PgRow, col: &str) -> StoreResult<RegionCode> {
    let s: String = get(row, col)?;
    RegionCode::parse(&s).map_err(|e| corrupt(col, e))
}

fn count(row: &PgRow, col: &str) -> StoreResult<u32> {
    let n: i64 = get(row, col)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

const REGION_COLS: &str = "r.code, r.name, r.kind, r.parent, r.version";

fn region_from(row: &PgRow) -> StoreResult<Region> {
    let parent: Option<String> = get(row, "parent")?;
    Ok(Region {
        code: region_code(row, "code")?,
        name: get(row, "name")?,
        kind: vocab(row, "kind", RegionKind::parse)?,
        parent: parent.map(|p| RegionCode::parse(&p).map_err(|e| corrupt("parent", e))).transpose()?,
        version: get(row, "version")?,
    })
}

pub(crate) const HOUSEHOLD_COLS: &str =
    "h.id, h.kk, h.address, h.region, h.welfare_stage, h.dtks_listed, h.dtks_since, h.version";

/// Reads a household from columns named as in [`HOUSEHOLD_COLS`], each with `prefix`.
pub(crate) fn household_at(row: &PgRow, prefix: &str) -> StoreResult<Household> {
    let col = |c: &str| format!("{prefix}{c}");
    let kk: i64 = get(row, &col("kk"))?;
    Ok(Household {
        id: get(row, &col("id"))?,
        kk: Kk::from_stored(kk).map_err(|e| corrupt("kk", e))?,
        address: get(row, &col("address"))?,
        region: region_code(row, &col("region"))?,
        welfare_stage: vocab(row, &col("welfare_stage"), WelfareStage::parse)?,
        dtks_listed: get(row, &col("dtks_listed"))?,
        dtks_since: get(row, &col("dtks_since"))?,
        version: get(row, &col("version"))?,
    })
}

fn household_from(row: &PgRow) -> StoreResult<Household> {
    household_at(row, "")
}

pub(crate) const PERSON_COLS: &str = "p.id, p.nik, p.household_id, p.name, p.sex, p.birth_date, p.relation, \
     p.education, p.occupation, p.disability, p.version";

pub(crate) fn person_from(row: &PgRow) -> StoreResult<Person> {
    let nik: i64 = get(row, "nik")?;
    Ok(Person {
        id: get(row, "id")?,
        nik: Nik::from_stored(nik).map_err(|e| corrupt("nik", e))?,
        household_id: get(row, "household_id")?,
        name: get(row, "name")?,
        sex: vocab(row, "sex", Sex::parse)?,
        birth_date: get(row, "birth_date")?,
        relation: vocab(row, "relation", Relation::parse)?,
        education: vocab(row, "education", Education::parse)?,
        occupation: get(row, "occupation")?,
        disability: vocab(row, "disability", Disability::parse)?,
        version: get(row, "version")?,
    })
}

const GROUP_COLS: &str = "g.id, g.name, g.kind, g.region, g.founded_on, g.description, g.version";

fn group_from(row: &PgRow) -> StoreResult<Group> {
    Ok(Group {
        id: get(row, "id")?,
        name: get(row, "name")?,
        kind: vocab(row, "kind", GroupKind::parse)?,
        region: region_code(row, "region")?,
        founded_on: get(row, "founded_on")?,
        description: get(row, "description")?,
        version: get(row, "version")?,
    })
}

const MEMBER_COLS: &str = "m.id, m.group_id, m.person_id, m.role, m.since, m.until";

fn member_from(row: &PgRow) -> StoreResult<GroupMember> {
    Ok(GroupMember {
        id: get(row, "id")?,
        group_id: get(row, "group_id")?,
        person_id: get(row, "person_id")?,
        person_name: get(row, "person_name")?,
        role: vocab(row, "role", GroupRole::parse)?,
        since: get(row, "since")?,
        until: get(row, "until")?,
    })
}

const AGENCY_COLS: &str = "a.id, a.name, a.kind, a.region, a.parent_id, a.version";

fn agency_from(row: &PgRow) -> StoreResult<Agency> {
    Ok(Agency {
        id: get(row, "id")?,
        name: get(row, "name")?,
        kind: vocab(row, "kind", AgencyKind::parse)?,
        region: region_code(row, "region")?,
        parent_id: get(row, "parent_id")?,
        version: get(row, "version")?,
    })
}

const PROGRAM_COLS: &str = "p.id, p.name, p.agency_id, p.starts_on, p.ends_on, p.description, p.version";

/// A program without its target regions; [`with_regions`] fills them in.
fn program_from(row: &PgRow) -> StoreResult<Program> {
    Ok(Program {
        id: get(row, "id")?,
        name: get(row, "name")?,
        agency_id: get(row, "agency_id")?,
        starts_on: get(row, "starts_on")?,
        ends_on: get(row, "ends_on")?,
        description: get(row, "description")?,
        target_regions: Vec::new(),
        version: get(row, "version")?,
    })
}

fn staff_from(row: &PgRow) -> StoreResult<Staff> {
    Ok(Staff {
        id: get(row, "id")?,
        agency_id: get(row, "agency_id")?,
        name: get(row, "name")?,
        position: get(row, "position")?,
    })
}

const ENROLLMENT_COLS: &str = "e.id, e.program_id, e.household_id, e.person_id, e.group_id, e.status, e.enrolled_on, \
     e.ended_on, e.version, COALESCE(hh.address, pp.name, gg.name) AS subject_label";
const ENROLLMENT_JOINS: &str = "LEFT JOIN households hh ON hh.id = e.household_id \
     LEFT JOIN people pp ON pp.id = e.person_id LEFT JOIN groups gg ON gg.id = e.group_id";

fn enrollment_from(row: &PgRow) -> StoreResult<Enrollment> {
    let household: Option<Id> = get(row, "household_id")?;
    let person: Option<Id> = get(row, "person_id")?;
    let group: Option<Id> = get(row, "group_id")?;
    let subject = match (household, person, group) {
        (Some(id), None, None) => Subject { kind: SubjectKind::Household, id },
        (None, Some(id), None) => Subject { kind: SubjectKind::Person, id },
        (None, None, Some(id)) => Subject { kind: SubjectKind::Group, id },
        _ => return Err(corrupt("enrollment subject", "not exactly one subject")),
    };
    Ok(Enrollment {
        id: get(row, "id")?,
        program_id: get(row, "program_id")?,
        subject,
        subject_label: get::<Option<String>>(row, "subject_label")?.unwrap_or_default(),
        status: vocab(row, "status", EnrollmentStatus::parse)?,
        enrolled_on: get(row, "enrolled_on")?,
        ended_on: get(row, "ended_on")?,
        version: get(row, "version")?,
    })
}

// --- Search keys and filters ----------------------------------------------------------------

/// Names and addresses compare case-insensitively through a lower-cased key, computed here
/// (not by the server's locale) so both backends fold case the same way.
pub(crate) fn key(s: &str) -> String {
    s.to_lowercase()
}

/// The upper bound of a prefix range: under the "C" collation every string starting with
/// `prefix` sorts below it.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// A LIKE pattern matching text that contains `text` literally (`%`, `_`, `\` escaped).
fn like_contains(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    for c in key(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// Builds the WHERE clause of a listing; the same filter serves the count and the page.
pub(crate) struct Where<'a> {
    qb: &'a mut QueryBuilder<'static, Postgres>,
    any: bool,
}

impl<'a> Where<'a> {
    pub(crate) fn new(qb: &'a mut QueryBuilder<'static, Postgres>) -> Self {
        Where { qb, any: false }
    }

    /// Starts the next condition.
    pub(crate) fn and(&mut self) -> &mut QueryBuilder<'static, Postgres> {
        self.qb.push(if self.any { " AND " } else { " WHERE " });
        self.any = true;
        self.qb
    }

    /// `col` contains the text, case-insensitively (on a `*_key` column).
    fn contains(&mut self, col: &str, text: &str) {
        self.and().push(col).push(" LIKE ").push_bind(like_contains(text)).push(" ESCAPE '\\'");
    }

    /// `col` is the region or lies below it. Ranges rather than LIKE so that a generic plan
    /// still uses the index.
    pub(crate) fn subtree(&mut self, col: &str, code: &RegionCode) {
        let qb = self.and();
        qb.push(format!("({col} = ")).push_bind(code.as_str().to_string());
        qb.push(format!(" OR ({col} >= ")).push_bind(format!("{code}."));
        qb.push(format!(" AND {col} < ")).push_bind(format!("{code}/")).push("))");
    }
}

pub(crate) type Filter<'f> = &'f (dyn Fn(&mut Where<'_>) + Send + Sync);

/// One page of a listing and its total, counted up to [`COUNT_CAP`] + 1.
pub(crate) async fn page_of<T>(
    pool: &PgPool,
    select: &str,
    from: &str,
    filter: Filter<'_>,
    order: &str,
    page: PageRequest,
    map: fn(&PgRow) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    let mut count = QueryBuilder::new(format!("SELECT count(*) FROM (SELECT 1 {from}"));
    filter(&mut Where::new(&mut count));
    count.push(format!(" LIMIT {}) t", COUNT_CAP + 1));
    let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(db)?;

    let mut items = QueryBuilder::new(format!("{select} {from}"));
    filter(&mut Where::new(&mut items));
    items.push(format!(" ORDER BY {order} LIMIT {} OFFSET {}", page.per_page, page.offset()));
    let rows = items.build().fetch_all(pool).await.map_err(db)?;
    let items = rows.iter().map(map).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::new(items, page, u64::try_from(total).unwrap_or(0)))
}

// --- Helpers --------------------------------------------------------------------------------

/// After an update matched no row: was the record gone, or changed?
pub(crate) async fn missing_or_conflict(
    conn: &mut PgConnection,
    table: &str,
    id: Id,
    entity: &'static str,
    expected: Version,
) -> StoreError {
    let sql = format!("SELECT version FROM {table} WHERE id = $1");
    match sqlx::query_scalar::<_, i64>(&sql).bind(id).fetch_optional(conn).await {
        Ok(Some(actual)) => StoreError::Conflict { entity, expected, actual },
        Ok(None) => StoreError::NotFound { entity },
        Err(e) => db(e),
    }
}

async fn exists(ex: impl PgExecutor<'_>, table: &str, id: Id) -> StoreResult<bool> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)");
    sqlx::query_scalar(&sql).bind(id).fetch_one(ex).await.map_err(db)
}

pub(crate) async fn require(ex: impl PgExecutor<'_>, table: &str, id: Id, entity: &'static str) -> StoreResult<()> {
    if exists(ex, table, id).await? { Ok(()) } else { Err(StoreError::NotFound { entity }) }
}

async fn fetch_program(conn: &mut PgConnection, id: Id) -> StoreResult<Program> {
    let row = sqlx::query(&format!("SELECT {PROGRAM_COLS} FROM programs p WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "program" })?;
    let mut programs = vec![program_from(&row)?];
    with_regions(conn, &mut programs).await?;
    programs.pop().ok_or(StoreError::NotFound { entity: "program" })
}

/// Fills in the target regions of programs, in their stored order, with one query.
async fn with_regions(conn: &mut PgConnection, programs: &mut [Program]) -> StoreResult<()> {
    if programs.is_empty() {
        return Ok(());
    }
    let ids: Vec<Id> = programs.iter().map(|p| p.id).collect();
    let rows = sqlx::query(
        "SELECT program_id, region FROM program_regions WHERE program_id = ANY($1) ORDER BY program_id, position",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await
    .map_err(db)?;
    for row in &rows {
        let id: Id = get(row, "program_id")?;
        let code = region_code(row, "region")?;
        if let Some(p) = programs.iter_mut().find(|p| p.id == id) {
            p.target_regions.push(code);
        }
    }
    Ok(())
}

/// Replaces a program's target regions (duplicates dropped, first position kept).
async fn write_program_regions(conn: &mut PgConnection, id: Id, regions: &[RegionCode]) -> StoreResult<()> {
    sqlx::query("DELETE FROM program_regions WHERE program_id = $1").bind(id).execute(&mut *conn).await.map_err(db)?;
    let mut codes: Vec<String> = Vec::with_capacity(regions.len());
    for r in regions {
        if !codes.iter().any(|c| c == r.as_str()) {
            codes.push(r.as_str().to_string());
        }
    }
    if codes.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO program_regions (program_id, region, position) \
         SELECT $1, t.region, (t.n - 1)::integer FROM UNNEST($2::text[]) WITH ORDINALITY AS t(region, n)",
    )
    .bind(id)
    .bind(&codes)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

fn subject_column(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Household => "household_id",
        SubjectKind::Person => "person_id",
        SubjectKind::Group => "group_id",
    }
}

// --- The trait ----------------------------------------------------------------------------

#[async_trait]
impl RegistryStore for PgStore {
    async fn create_region(&self, region: &NewRegion) -> StoreResult<Region> {
        let parent = region.parent();
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO regions AS r (code, name, name_key, kind, parent) VALUES ($1, $2, $3, $4, $5) RETURNING {REGION_COLS}"
        ))
        .bind(region.code.as_str())
        .bind(&region.name)
        .bind(key(&region.name))
        .bind(region.kind.code())
        .bind(parent.as_ref().map(|p| p.as_str()))
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let region = region_from(&row)?;
        w.commit().await?;
        Ok(region)
    }

    async fn update_region(&self, region: &NewRegion, version: Version) -> StoreResult<Region> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE regions r SET name = $2, name_key = $3, kind = $4, version = r.version + 1 \
             WHERE r.code = $1 AND r.version = $5 RETURNING {REGION_COLS}"
        ))
        .bind(region.code.as_str())
        .bind(&region.name)
        .bind(key(&region.name))
        .bind(region.kind.code())
        .bind(version)
        .fetch_optional(&mut *w)
        .await
        .map_err(db)?;
        if let Some(row) = row {
            let region = region_from(&row)?;
            w.commit().await?;
            return Ok(region);
        }
        let actual: Option<i64> = sqlx::query_scalar("SELECT version FROM regions WHERE code = $1")
            .bind(region.code.as_str())
            .fetch_optional(&mut *w)
            .await
            .map_err(db)?;
        Err(match actual {
            Some(actual) => StoreError::Conflict { entity: "region", expected: version, actual },
            None => StoreError::NotFound { entity: "region" },
        })
    }

    async fn region(&self, code: &RegionCode) -> StoreResult<Region> {
        let row = sqlx::query(&format!("SELECT {REGION_COLS} FROM regions r WHERE r.code = $1"))
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound { entity: "region" })?;
        region_from(&row)
    }

    async fn region_path(&self, code: &RegionCode) -> StoreResult<Vec<Region>> {
        let mut chain = vec![code.as_str().to_string()];
        let mut at = code.parent();
        while let Some(p) = at {
            chain.push(p.as_str().to_string());
            at = p.parent();
        }
        let rows = sqlx::query(&format!(
            "SELECT {REGION_COLS} FROM regions r WHERE r.code = ANY($1) ORDER BY length(r.code), r.code"
        ))
        .bind(&chain)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let path = rows.iter().map(region_from).collect::<StoreResult<Vec<_>>>()?;
        if path.last().map(|r| &r.code) != Some(code) {
            return Err(StoreError::NotFound { entity: "region" });
        }
        Ok(path)
    }

    async fn region_children(&self, parent: Option<&RegionCode>) -> StoreResult<Vec<Region>> {
        let rows = match parent {
            Some(p) => {
                sqlx::query(&format!("SELECT {REGION_COLS} FROM regions r WHERE r.parent = $1 ORDER BY r.code"))
                    .bind(p.as_str())
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query(&format!("SELECT {REGION_COLS} FROM regions r WHERE r.parent IS NULL ORDER BY r.code"))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(db)?;
        rows.iter().map(region_from).collect()
    }

    async fn search_regions(&self, query: &Query) -> StoreResult<Page<Region>> {
        let text = query.text_str().map(str::to_string);
        let region = query.region.clone();
        let filter = move |w: &mut Where<'_>| {
            if let Some(t) = &text {
                let code = t.to_uppercase();
                let qb = w.and();
                qb.push("(r.name_key LIKE ").push_bind(like_contains(t)).push(" ESCAPE '\\'");
                qb.push(" OR (r.code >= ").push_bind(code.clone()).push(" AND r.code < ").push_bind(prefix_end(&code));
                qb.push("))");
            }
            if let Some(r) = &region {
                w.subtree("r.code", r);
            }
        };
        page_of(
            &self.pool,
            &format!("SELECT {REGION_COLS}"),
            "FROM regions r",
            &filter,
            "r.code",
            query.page,
            region_from,
        )
        .await
    }

    async fn create_household(&self, household: &NewHousehold) -> StoreResult<Household> {
        let mut w = self.write().await?;
        let h = household;
        let row = sqlx::query(&format!(
            "INSERT INTO households AS h (kk, address, address_key, region, welfare_stage, dtks_listed, dtks_since) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {HOUSEHOLD_COLS}"
        ))
        .bind(h.kk.as_u64() as i64)
        .bind(&h.address)
        .bind(key(&h.address))
        .bind(h.region.as_str())
        .bind(h.welfare_stage.code())
        .bind(h.dtks_listed)
        .bind(h.dtks_since)
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = household_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn update_household(&self, id: Id, household: &NewHousehold, version: Version) -> StoreResult<Household> {
        let h = household;
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE households h SET kk = $2, address = $3, address_key = $4, region = $5, welfare_stage = $6, \
             dtks_listed = $7, dtks_since = $8, version = h.version + 1 WHERE h.id = $1 AND h.version = $9 \
             RETURNING {HOUSEHOLD_COLS}"
        ))
        .bind(id)
        .bind(h.kk.as_u64() as i64)
        .bind(&h.address)
        .bind(key(&h.address))
        .bind(h.region.as_str())
        .bind(h.welfare_stage.code())
        .bind(h.dtks_listed)
        .bind(h.dtks_since)
        .bind(version)
        .fetch_optional(&mut *w)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(missing_or_conflict(&mut w, "households", id, "household", version).await);
        };
        let stored = household_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn household(&self, id: Id) -> StoreResult<Household> {
        let row = sqlx::query(&format!("SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound { entity: "household" })?;
        household_from(&row)
    }

    async fn search_households(&self, query: &Query) -> StoreResult<Page<HouseholdSummary>> {
        let kk = query.as_identity_number().map(|n| n as i64);
        let within = query.within;
        let text = query.text_str().map(str::to_string);
        let region = query.region.clone();
        let filter = move |w: &mut Where<'_>| {
            if let Some(kk) = kk {
                w.and().push("h.kk = ").push_bind(kk);
            } else if let Some(t) = &text {
                let pattern = like_contains(t);
                let qb = w.and();
                qb.push("(h.address_key LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
                qb.push(" OR EXISTS (SELECT 1 FROM people x WHERE x.household_id = h.id AND x.relation = 'head' AND x.name_key LIKE ");
                qb.push_bind(pattern).push(" ESCAPE '\\'))");
            }
            if let Some(r) = &region {
                w.subtree("h.region", r);
            }
            match within {
                Some(Within::AssignedTo(user)) => {
                    let qb = w.and();
                    qb.push("EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = ").push_bind(user);
                    qb.push(" AND a.household_id = h.id)");
                }
                Some(Within::MembersOf(group)) => {
                    let qb = w.and();
                    qb.push(
                        "EXISTS (SELECT 1 FROM group_members m JOIN people x ON x.id = m.person_id WHERE m.group_id = ",
                    );
                    qb.push_bind(group).push(" AND x.household_id = h.id)");
                }
                None => {}
            }
        };
        page_of(
            &self.pool,
            &format!(
                "SELECT {HOUSEHOLD_COLS}, r.name AS region_name, \
                 (SELECT x.name FROM people x WHERE x.household_id = h.id AND x.relation = 'head' ORDER BY x.id LIMIT 1) AS head_name, \
                 (SELECT count(*) FROM people x WHERE x.household_id = h.id) AS members"
            ),
            "FROM households h JOIN regions r ON r.code = h.region",
            &filter,
            "h.id",
            query.page,
            |row| {
                Ok(HouseholdSummary {
                    household: household_from(row)?,
                    region_name: get(row, "region_name")?,
                    head_name: get(row, "head_name")?,
                    members: count(row, "members")?,
                })
            },
        )
        .await
    }

    async fn household_members(&self, id: Id) -> StoreResult<Vec<Person>> {
        require(&self.pool, "households", id, "household").await?;
        let rows = sqlx::query(&format!("SELECT {PERSON_COLS} FROM people p WHERE p.household_id = $1 ORDER BY p.id"))
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(person_from).collect()
    }

    async fn create_person(&self, person: &NewPerson) -> StoreResult<Person> {
        let mut w = self.write().await?;
        let p = person;
        let row = sqlx::query(&format!(
            "INSERT INTO people AS p (nik, household_id, name, name_key, sex, birth_date, relation, education, occupation, disability) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {PERSON_COLS}"
        ))
        .bind(p.nik.as_u64() as i64)
        .bind(p.household_id)
        .bind(&p.name)
        .bind(key(&p.name))
        .bind(p.sex.code())
        .bind(p.birth_date)
        .bind(p.relation.code())
        .bind(p.education.code())
        .bind(&p.occupation)
        .bind(p.disability.code())
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = person_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn update_person(&self, id: Id, person: &NewPerson, version: Version) -> StoreResult<Person> {
        let p = person;
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE people p SET nik = $2, household_id = $3, name = $4, name_key = $5, sex = $6, birth_date = $7, \
             relation = $8, education = $9, occupation = $10, disability = $11, version = p.version + 1 \
             WHERE p.id = $1 AND p.version = $12 RETURNING {PERSON_COLS}"
        ))
        .bind(id)
        .bind(p.nik.as_u64() as i64)
        .bind(p.household_id)
        .bind(&p.name)
        .bind(key(&p.name))
        .bind(p.sex.code())
        .bind(p.birth_date)
        .bind(p.relation.code())
        .bind(p.education.code())
        .bind(&p.occupation)
        .bind(p.disability.code())
        .bind(version)
        .fetch_optional(&mut *w)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(missing_or_conflict(&mut w, "people", id, "person", version).await);
        };
        let stored = person_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn person(&self, id: Id) -> StoreResult<Person> {
        let row = sqlx::query(&format!("SELECT {PERSON_COLS} FROM people p WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound { entity: "person" })?;
        person_from(&row)
    }

    async fn search_people(&self, query: &Query) -> StoreResult<Page<Person>> {
        let nik = query.as_identity_number().map(|n| n as i64);
        let within = query.within;
        let prefix = query.text_str().map(key);
        let region = query.region.clone();
        let filter = move |w: &mut Where<'_>| {
            if let Some(nik) = nik {
                w.and().push("p.nik = ").push_bind(nik);
            } else if let Some(t) = &prefix {
                let qb = w.and();
                qb.push("p.name_key >= ").push_bind(t.clone()).push(" AND p.name_key < ").push_bind(prefix_end(t));
            }
            if let Some(r) = &region {
                w.subtree("h.region", r);
            }
            match within {
                Some(Within::AssignedTo(user)) => {
                    // Their households' people, and the members of their groups.
                    let qb = w.and();
                    qb.push("(EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = ").push_bind(user);
                    qb.push(
                        " AND a.household_id = p.household_id) OR EXISTS (SELECT 1 FROM assignments a \
                             JOIN group_members m ON m.group_id = a.group_id WHERE a.user_id = ",
                    );
                    qb.push_bind(user).push(" AND m.person_id = p.id))");
                }
                Some(Within::MembersOf(group)) => {
                    let qb = w.and();
                    qb.push("EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = ").push_bind(group);
                    qb.push(" AND m.person_id = p.id)");
                }
                None => {}
            }
        };
        let from = if query.region.is_some() {
            "FROM people p JOIN households h ON h.id = p.household_id"
        } else {
            "FROM people p"
        };
        page_of(
            &self.pool,
            &format!("SELECT {PERSON_COLS}"),
            from,
            &filter,
            "p.name_key, p.id",
            query.page,
            person_from,
        )
        .await
    }

    async fn create_group(&self, group: &NewGroup) -> StoreResult<Group> {
        let mut w = self.write().await?;
        let g = group;
        let row = sqlx::query(&format!(
            "INSERT INTO groups AS g (name, name_key, kind, region, founded_on, description) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {GROUP_COLS}"
        ))
        .bind(&g.name)
        .bind(key(&g.name))
        .bind(g.kind.code())
        .bind(g.region.as_str())
        .bind(g.founded_on)
        .bind(&g.description)
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = group_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn update_group(&self, id: Id, group: &NewGroup, version: Version) -> StoreResult<Group> {
        let g = group;
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE groups g SET name = $2, name_key = $3, kind = $4, region = $5, founded_on = $6, description = $7, \
             version = g.version + 1 WHERE g.id = $1 AND g.version = $8 RETURNING {GROUP_COLS}"
        ))
        .bind(id)
        .bind(&g.name)
        .bind(key(&g.name))
        .bind(g.kind.code())
        .bind(g.region.as_str())
        .bind(g.founded_on)
        .bind(&g.description)
        .bind(version)
        .fetch_optional(&mut *w)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(missing_or_conflict(&mut w, "groups", id, "group", version).await);
        };
        let stored = group_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn group(&self, id: Id) -> StoreResult<Group> {
        let row = sqlx::query(&format!("SELECT {GROUP_COLS} FROM groups g WHERE g.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound { entity: "group" })?;
        group_from(&row)
    }

    async fn search_groups(&self, query: &Query) -> StoreResult<Page<GroupSummary>> {
        let text = query.text_str().map(str::to_string);
        let region = query.region.clone();
        let within = query.within;
        let filter = move |w: &mut Where<'_>| {
            if let Some(t) = &text {
                w.contains("g.name_key", t);
            }
            if let Some(r) = &region {
                w.subtree("g.region", r);
            }
            match within {
                Some(Within::AssignedTo(user)) => {
                    let qb = w.and();
                    qb.push("EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = ").push_bind(user);
                    qb.push(" AND a.group_id = g.id)");
                }
                Some(Within::MembersOf(group)) => {
                    w.and().push("g.id = ").push_bind(group);
                }
                None => {}
            }
        };
        page_of(
            &self.pool,
            &format!(
                "SELECT {GROUP_COLS}, r.name AS region_name, \
                 (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS members"
            ),
            "FROM groups g JOIN regions r ON r.code = g.region",
            &filter,
            "g.name_key, g.id",
            query.page,
            |row| {
                Ok(GroupSummary {
                    group: group_from(row)?,
                    region_name: get(row, "region_name")?,
                    members: count(row, "members")?,
                })
            },
        )
        .await
    }

    async fn add_member(&self, group_id: Id, member: &NewMember) -> StoreResult<GroupMember> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "WITH m AS (INSERT INTO group_members (group_id, person_id, role, since, until) \
             VALUES ($1, $2, $3, $4, $5) RETURNING *) \
             SELECT {MEMBER_COLS}, p.name AS person_name FROM m JOIN people p ON p.id = m.person_id"
        ))
        .bind(group_id)
        .bind(member.person_id)
        .bind(member.role.code())
        .bind(member.since)
        .bind(member.until)
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = member_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn remove_member(&self, group_id: Id, person_id: Id) -> StoreResult<()> {
        let mut w = self.write().await?;
        require(&mut *w, "groups", group_id, "group").await?;
        let n = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND person_id = $2")
            .bind(group_id)
            .bind(person_id)
            .execute(&mut *w)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound { entity: "member" });
        }
        w.commit().await?;
        Ok(())
    }

    async fn group_members(&self, group_id: Id) -> StoreResult<Vec<GroupMember>> {
        require(&self.pool, "groups", group_id, "group").await?;
        let rows = sqlx::query(&format!(
            "SELECT {MEMBER_COLS}, p.name AS person_name FROM group_members m JOIN people p ON p.id = m.person_id \
             WHERE m.group_id = $1 ORDER BY m.id"
        ))
        .bind(group_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(member_from).collect()
    }

    async fn add_members(&self, group_id: Id, members: &[NewMember]) -> StoreResult<u64> {
        let mut w = self.write().await?;
        require(&mut *w, "groups", group_id, "group").await?;
        if members.is_empty() {
            return Ok(0);
        }
        let people: Vec<Id> = members.iter().map(|m| m.person_id).collect();
        let roles: Vec<&str> = members.iter().map(|m| m.role.code()).collect();
        let since: Vec<Option<time::Date>> = members.iter().map(|m| m.since).collect();
        let until: Vec<Option<time::Date>> = members.iter().map(|m| m.until).collect();
        // One statement: every row goes in, or (on any violation) none does.
        let done = sqlx::query(
            "INSERT INTO group_members (group_id, person_id, role, since, until) \
             SELECT $1, t.person_id, t.role, t.since, t.until \
             FROM UNNEST($2::bigint[], $3::text[], $4::date[], $5::date[]) AS t(person_id, role, since, until)",
        )
        .bind(group_id)
        .bind(&people)
        .bind(&roles)
        .bind(&since)
        .bind(&until)
        .execute(&mut *w)
        .await
        .map_err(db)?;
        w.commit().await?;
        Ok(done.rows_affected())
    }

    async fn create_agency(&self, agency: &NewAgency) -> StoreResult<Agency> {
        let mut w = self.write().await?;
        let a = agency;
        let row = sqlx::query(&format!(
            "INSERT INTO agencies AS a (name, name_key, kind, region, parent_id) VALUES ($1, $2, $3, $4, $5) \
             RETURNING {AGENCY_COLS}"
        ))
        .bind(&a.name)
        .bind(key(&a.name))
        .bind(a.kind.code())
        .bind(a.region.as_str())
        .bind(a.parent_id)
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = agency_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn update_agency(&self, id: Id, agency: &NewAgency, version: Version) -> StoreResult<Agency> {
        let a = agency;
        if a.parent_id == Some(id) {
            return Err(Invalid::one("parent_id", "an agency cannot be its own parent").into());
        }
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE agencies a SET name = $2, name_key = $3, kind = $4, region = $5, parent_id = $6, \
             version = a.version + 1 WHERE a.id = $1 AND a.version = $7 RETURNING {AGENCY_COLS}"
        ))
        .bind(id)
        .bind(&a.name)
        .bind(key(&a.name))
        .bind(a.kind.code())
        .bind(a.region.as_str())
        .bind(a.parent_id)
        .bind(version)
        .fetch_optional(&mut *w)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(missing_or_conflict(&mut w, "agencies", id, "agency", version).await);
        };
        let stored = agency_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn agency(&self, id: Id) -> StoreResult<Agency> {
        let row = sqlx::query(&format!("SELECT {AGENCY_COLS} FROM agencies a WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound { entity: "agency" })?;
        agency_from(&row)
    }

    async fn search_agencies(&self, query: &Query) -> StoreResult<Page<Agency>> {
        let text = query.text_str().map(str::to_string);
        let region = query.region.clone();
        let filter = move |w: &mut Where<'_>| {
            if let Some(t) = &text {
                w.contains("a.name_key", t);
            }
            if let Some(r) = &region {
                w.subtree("a.region", r);
            }
        };
        page_of(
            &self.pool,
            &format!("SELECT {AGENCY_COLS}"),
            "FROM agencies a",
            &filter,
            "a.name_key, a.id",
            query.page,
            agency_from,
        )
        .await
    }

    async fn agency_units(&self, id: Id) -> StoreResult<Vec<Agency>> {
        require(&self.pool, "agencies", id, "agency").await?;
        let rows = sqlx::query(&format!(
            "SELECT {AGENCY_COLS} FROM agencies a WHERE a.parent_id = $1 ORDER BY a.name_key, a.id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(agency_from).collect()
    }

    async fn add_staff(&self, agency_id: Id, staff: &NewStaff) -> StoreResult<Staff> {
        let mut w = self.write().await?;
        let row = sqlx::query(
            "INSERT INTO staff (agency_id, name, position) VALUES ($1, $2, $3) RETURNING id, agency_id, name, position",
        )
        .bind(agency_id)
        .bind(&staff.name)
        .bind(&staff.position)
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = staff_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn agency_staff(&self, agency_id: Id) -> StoreResult<Vec<Staff>> {
        require(&self.pool, "agencies", agency_id, "agency").await?;
        let rows = sqlx::query("SELECT id, agency_id, name, position FROM staff WHERE agency_id = $1 ORDER BY id")
            .bind(agency_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(staff_from).collect()
    }

    async fn create_program(&self, program: &NewProgram) -> StoreResult<Program> {
        let p = program;
        let mut tx = self.write().await?;
        let id: Id = sqlx::query_scalar(
            "INSERT INTO programs (name, name_key, agency_id, starts_on, ends_on, description) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&p.name)
        .bind(key(&p.name))
        .bind(p.agency_id)
        .bind(p.starts_on)
        .bind(p.ends_on)
        .bind(&p.description)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        write_program_regions(&mut tx, id, &p.target_regions).await?;
        let stored = fetch_program(&mut tx, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn update_program(&self, id: Id, program: &NewProgram, version: Version) -> StoreResult<Program> {
        let p = program;
        let mut tx = self.write().await?;
        let updated: Option<Id> = sqlx::query_scalar(
            "UPDATE programs SET name = $2, name_key = $3, agency_id = $4, starts_on = $5, ends_on = $6, \
             description = $7, version = version + 1 WHERE id = $1 AND version = $8 RETURNING id",
        )
        .bind(id)
        .bind(&p.name)
        .bind(key(&p.name))
        .bind(p.agency_id)
        .bind(p.starts_on)
        .bind(p.ends_on)
        .bind(&p.description)
        .bind(version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if updated.is_none() {
            return Err(missing_or_conflict(&mut tx, "programs", id, "program", version).await);
        }
        write_program_regions(&mut tx, id, &p.target_regions).await?;
        let stored = fetch_program(&mut tx, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn program(&self, id: Id) -> StoreResult<Program> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        fetch_program(&mut conn, id).await
    }

    async fn search_programs(&self, query: &Query) -> StoreResult<Page<ProgramSummary>> {
        let text = query.text_str().map(str::to_string);
        let filter = move |w: &mut Where<'_>| {
            if let Some(t) = &text {
                w.contains("p.name_key", t);
            }
        };
        let page = page_of(
            &self.pool,
            &format!(
                "SELECT {PROGRAM_COLS}, a.name AS agency_name, \
                 (SELECT count(*) FROM enrollments e WHERE e.program_id = p.id) AS enrolled"
            ),
            "FROM programs p JOIN agencies a ON a.id = p.agency_id",
            &filter,
            "p.name_key, p.id",
            query.page,
            |row| Ok((program_from(row)?, get::<String>(row, "agency_name")?, count(row, "enrolled")?)),
        )
        .await?;
        let (mut programs, rest): (Vec<Program>, Vec<(String, u32)>) =
            page.items.iter().map(|(p, a, n)| (p.clone(), (a.clone(), *n))).unzip();
        let mut conn = self.pool.acquire().await.map_err(db)?;
        with_regions(&mut conn, &mut programs).await?;
        let items = programs
            .into_iter()
            .zip(rest)
            .map(|(program, (agency_name, enrolled))| ProgramSummary { program, agency_name, enrolled })
            .collect();
        Ok(Page { items, page: page.page, per_page: page.per_page, total: page.total, total_capped: page.total_capped })
    }

    async fn enroll(&self, program_id: Id, enrollment: &NewEnrollment) -> StoreResult<Enrollment> {
        let mut w = self.write().await?;
        let e = enrollment;
        let col = subject_column(e.subject.kind);
        let row = sqlx::query(&format!(
            "WITH e AS (INSERT INTO enrollments (program_id, {col}, status, enrolled_on, ended_on) \
             VALUES ($1, $2, $3, $4, $5) RETURNING *) \
             SELECT {ENROLLMENT_COLS} FROM e {ENROLLMENT_JOINS}"
        ))
        .bind(program_id)
        .bind(e.subject.id)
        .bind(e.status.code())
        .bind(e.enrolled_on)
        .bind(e.ended_on)
        .fetch_one(&mut *w)
        .await
        .map_err(db)?;
        let stored = enrollment_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    async fn program_enrollments(&self, program_id: Id, page: PageRequest) -> StoreResult<Page<Enrollment>> {
        require(&self.pool, "programs", program_id, "program").await?;
        let filter = move |w: &mut Where<'_>| {
            w.and().push("e.program_id = ").push_bind(program_id);
        };
        page_of(
            &self.pool,
            &format!("SELECT {ENROLLMENT_COLS}"),
            &format!("FROM enrollments e {ENROLLMENT_JOINS}"),
            &filter,
            "e.id",
            page,
            enrollment_from,
        )
        .await
    }

    async fn subject_enrollments(&self, subject: Subject) -> StoreResult<Vec<SubjectEnrollment>> {
        let col = subject_column(subject.kind);
        let rows = sqlx::query(&format!(
            "SELECT {ENROLLMENT_COLS}, pr.name AS program_name FROM enrollments e {ENROLLMENT_JOINS} \
             JOIN programs pr ON pr.id = e.program_id WHERE e.{col} = $1 ORDER BY e.id"
        ))
        .bind(subject.id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(SubjectEnrollment { enrollment: enrollment_from(row)?, program_name: get(row, "program_name")? })
            })
            .collect()
    }

    async fn import_registry(&self, rows: &mut dyn RowSource, options: &ImportOptions) -> StoreResult<ImportReport> {
        crate::import::import(self, rows, options).await
    }

    async fn export_registry(
        &self,
        region: Option<&RegionCode>,
        sink: &mut (dyn FnMut(RegistryExportRow) -> bool + Send),
    ) -> StoreResult<u64> {
        crate::import::export(&self.pool, region, sink).await
    }

    async fn registry_counts(&self) -> StoreResult<RegistryCounts> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM regions) AS regions, (SELECT count(*) FROM households) AS households, \
             (SELECT count(*) FROM people) AS people, (SELECT count(*) FROM groups) AS groups, \
             (SELECT count(*) FROM agencies) AS agencies, (SELECT count(*) FROM programs) AS programs, \
             (SELECT count(*) FROM enrollments) AS enrollments",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let n = |col: &str| -> StoreResult<u64> { Ok(u64::try_from(get::<i64>(&row, col)?).unwrap_or(0)) };
        Ok(RegistryCounts {
            regions: n("regions")?,
            households: n("households")?,
            people: n("people")?,
            groups: n("groups")?,
            agencies: n("agencies")?,
            programs: n("programs")?,
            enrollments: n("enrollments")?,
        })
    }
}
