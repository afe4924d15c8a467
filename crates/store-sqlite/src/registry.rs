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
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::{SqliteStore, backend};

// --- Mapping ------------------------------------------------------------------------------

/// A stored value that no longer parses: the database was edited outside Berdaya.
fn corrupt(what: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("stored {what} is invalid: {e}").into(),
    )
}

fn vocab<T>(row: &Row, idx: &str, parse: fn(&str) -> Result<T, String>) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    parse(&s).map_err(|e| corrupt(idx, e))
}

fn region_code(row: &Row, idx: &str) -> rusqlite::Result<RegionCode> {
    let s: String = row.get(idx)?;
    RegionCode::parse(&s).map_err(|e| corrupt(idx, e))
}

fn region_from(row: &Row) -> rusqlite::Result<Region> {
    let parent: Option<String> = row.get("parent")?;
    Ok(Region {
        code: region_code(row, "code")?,
        name: row.get("name")?,
        kind: vocab(row, "kind", RegionKind::parse)?,
        parent: parent.map(|p| RegionCode::parse(&p).map_err(|e| corrupt("parent", e))).transpose()?,
        version: row.get("version")?,
    })
}

const HOUSEHOLD_COLS: &str = "h.id, h.kk, h.address, h.region, h.welfare_stage, h.dtks_listed, h.dtks_since, h.version";

fn household_from(row: &Row) -> rusqlite::Result<Household> {
    let kk: i64 = row.get("kk")?;
    Ok(Household {
        id: row.get("id")?,
        kk: Kk::from_stored(kk).map_err(|e| corrupt("kk", e))?,
        address: row.get("address")?,
        region: region_code(row, "region")?,
        welfare_stage: vocab(row, "welfare_stage", WelfareStage::parse)?,
        dtks_listed: row.get("dtks_listed")?,
        dtks_since: row.get("dtks_since")?,
        version: row.get("version")?,
    })
}

const PERSON_COLS: &str = "p.id, p.nik, p.household_id, p.name, p.sex, p.birth_date, p.relation, p.education, p.occupation, p.disability, p.version";

pub(crate) fn person_from(row: &Row) -> rusqlite::Result<Person> {
    let nik: i64 = row.get("nik")?;
    Ok(Person {
        id: row.get("id")?,
        nik: Nik::from_stored(nik).map_err(|e| corrupt("nik", e))?,
        household_id: row.get("household_id")?,
        name: row.get("name")?,
        sex: vocab(row, "sex", Sex::parse)?,
        birth_date: row.get("birth_date")?,
        relation: vocab(row, "relation", Relation::parse)?,
        education: vocab(row, "education", Education::parse)?,
        occupation: row.get("occupation")?,
        disability: vocab(row, "disability", Disability::parse)?,
        version: row.get("version")?,
    })
}

fn group_from(row: &Row) -> rusqlite::Result<Group> {
    Ok(Group {
        id: row.get("id")?,
        name: row.get("name")?,
        kind: vocab(row, "kind", GroupKind::parse)?,
        region: region_code(row, "region")?,
        founded_on: row.get("founded_on")?,
        description: row.get("description")?,
        version: row.get("version")?,
    })
}

fn agency_from(row: &Row) -> rusqlite::Result<Agency> {
    Ok(Agency {
        id: row.get("id")?,
        name: row.get("name")?,
        kind: vocab(row, "kind", AgencyKind::parse)?,
        region: region_code(row, "region")?,
        parent_id: row.get("parent_id")?,
        version: row.get("version")?,
    })
}

fn enrollment_from(row: &Row) -> rusqlite::Result<Enrollment> {
    let household: Option<Id> = row.get("household_id")?;
    let person: Option<Id> = row.get("person_id")?;
    let group: Option<Id> = row.get("group_id")?;
    let subject = match (household, person, group) {
        (Some(id), _, _) => Subject { kind: SubjectKind::Household, id },
        (_, Some(id), _) => Subject { kind: SubjectKind::Person, id },
        (_, _, Some(id)) => Subject { kind: SubjectKind::Group, id },
        _ => return Err(corrupt("enrollment subject", "none set")),
    };
    Ok(Enrollment {
        id: row.get("id")?,
        program_id: row.get("program_id")?,
        subject,
        subject_label: row.get::<_, Option<String>>("subject_label")?.unwrap_or_default(),
        status: vocab(row, "status", EnrollmentStatus::parse)?,
        enrolled_on: row.get("enrolled_on")?,
        ended_on: row.get("ended_on")?,
        version: row.get("version")?,
    })
}

/// Search keys: names compare case-insensitively.
pub(crate) fn key(s: &str) -> String {
    s.to_lowercase()
}

/// The upper bound of a prefix range: every string starting with `prefix` sorts below it.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
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

/// Maps a unique-key violation to the field it concerns; other errors pass through.
pub(crate) fn unique(e: rusqlite::Error, field: &'static str, what: &str) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, Some(msg))
            if f.code == rusqlite::ErrorCode::ConstraintViolation && msg.starts_with("UNIQUE") =>
        {
            StoreError::Duplicate { field, message: format!("{what} is already registered") }
        }
        _ => backend(e),
    }
}

pub(crate) fn exists(conn: &Connection, sql: &str, param: &dyn ToSql) -> StoreResult<bool> {
    conn.prepare_cached(sql).and_then(|mut s| s.exists([param])).map_err(backend)
}

pub(crate) fn require_region(conn: &Connection, field: &'static str, code: &RegionCode) -> StoreResult<()> {
    if exists(conn, "SELECT 1 FROM regions WHERE code = ?1", &code.as_str())? {
        Ok(())
    } else {
        Err(StoreError::Reference { field, message: format!("region {code} does not exist") })
    }
}

/// After an update matched no row: was the record gone, or changed?
pub(crate) fn missing_or_conflict(
    conn: &Connection,
    table: &str,
    key_col: &str,
    key: &dyn ToSql,
    entity: &'static str,
    expected: Version,
) -> StoreError {
    let sql = format!("SELECT version FROM {table} WHERE {key_col} = ?1");
    match conn.query_row(&sql, [key], |r| r.get::<_, i64>(0)).optional() {
        Ok(Some(actual)) => StoreError::Conflict { entity, expected, actual },
        Ok(None) => StoreError::NotFound { entity },
        Err(e) => backend(e),
    }
}

pub(crate) fn not_found(entity: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| match e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound { entity },
        e => backend(e),
    }
}

/// Region subtree condition on `col`, with the code bound at `?N` (two uses).
fn subtree(col: &str, n: usize) -> String {
    format!("({col} = ?{n} OR ({col} >= ?{n} || '.' AND {col} < ?{n} || '/'))")
}

/// `WHERE a AND b …`, or nothing when there are no conditions.
pub(crate) fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) }
}

/// A [`Within`] restriction and the id it binds (a user's or a group's).
fn within_id(w: Within) -> (Within, i64) {
    match w {
        Within::AssignedTo(user) => (w, user),
        Within::MembersOf(group) => (w, group),
    }
}

/// Counts rows of a query up to the cap, fast however many match.
pub(crate) fn count_capped(conn: &Connection, from_where: &str, params: &[&dyn ToSql]) -> StoreResult<u64> {
    let sql = format!("SELECT count(*) FROM (SELECT 1 {from_where} LIMIT {})", COUNT_CAP + 1);
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row(params, |r| r.get::<_, i64>(0)))
        .map(|n| n as u64)
        .map_err(backend)
}

pub(crate) fn page_of<T>(
    conn: &Connection,
    select: &str,
    from_where: &str,
    order: &str,
    params: &[&dyn ToSql],
    page: PageRequest,
    map: impl Fn(&Row) -> rusqlite::Result<T>,
) -> StoreResult<Page<T>> {
    let total = count_capped(conn, from_where, params)?;
    let sql = format!("{select} {from_where} ORDER BY {order} LIMIT {} OFFSET {}", page.per_page, page.offset());
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let items = stmt.query_map(params, |r| map(r)).map_err(backend)?.collect::<Result<Vec<_>, _>>().map_err(backend)?;
    Ok(Page::new(items, page, total))
}

fn get_household(conn: &Connection, id: Id) -> StoreResult<Household> {
    conn.prepare_cached(&format!("SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.id = ?1"))
        .and_then(|mut s| s.query_row([id], household_from))
        .map_err(not_found("household"))
}

fn get_person(conn: &Connection, id: Id) -> StoreResult<Person> {
    conn.prepare_cached(&format!("SELECT {PERSON_COLS} FROM people p WHERE p.id = ?1"))
        .and_then(|mut s| s.query_row([id], person_from))
        .map_err(not_found("person"))
}

fn get_group(conn: &Connection, id: Id) -> StoreResult<Group> {
    conn.query_row("SELECT * FROM groups WHERE id = ?1", [id], group_from).map_err(not_found("group"))
}

fn get_agency(conn: &Connection, id: Id) -> StoreResult<Agency> {
    conn.query_row("SELECT * FROM agencies WHERE id = ?1", [id], agency_from).map_err(not_found("agency"))
}

fn get_program(conn: &Connection, id: Id) -> StoreResult<Program> {
    let mut program = conn
        .query_row(
            "SELECT id, name, agency_id, starts_on, ends_on, description, version FROM programs WHERE id = ?1",
            [id],
            |r| {
                Ok(Program {
                    id: r.get("id")?,
                    name: r.get("name")?,
                    agency_id: r.get("agency_id")?,
                    starts_on: r.get("starts_on")?,
                    ends_on: r.get("ends_on")?,
                    description: r.get("description")?,
                    target_regions: Vec::new(),
                    version: r.get("version")?,
                })
            },
        )
        .map_err(not_found("program"))?;
    let mut stmt = conn
        .prepare_cached("SELECT region FROM program_regions WHERE program_id = ?1 ORDER BY position")
        .map_err(backend)?;
    program.target_regions = stmt
        .query_map([id], |r| region_code(r, "region"))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    Ok(program)
}

const ENROLLMENT_SELECT: &str = "SELECT e.*, COALESCE(hh.address, pp.name, gg.name) AS subject_label \
     FROM enrollments e \
     LEFT JOIN households hh ON hh.id = e.household_id \
     LEFT JOIN people pp ON pp.id = e.person_id \
     LEFT JOIN groups gg ON gg.id = e.group_id";

fn get_enrollment(conn: &Connection, id: Id) -> StoreResult<Enrollment> {
    conn.query_row(&format!("{ENROLLMENT_SELECT} WHERE e.id = ?1"), [id], enrollment_from).map_err(backend)
}

fn write_program_regions(tx: &Transaction, id: Id, regions: &[RegionCode]) -> StoreResult<()> {
    tx.execute("DELETE FROM program_regions WHERE program_id = ?1", [id]).map_err(backend)?;
    for (i, code) in regions.iter().enumerate() {
        require_region(tx, "target_regions", code)?;
        tx.execute(
            "INSERT INTO program_regions (program_id, region, position) VALUES (?1, ?2, ?3)",
            params![id, code.as_str(), i as i64],
        )
        .map_err(backend)?;
    }
    Ok(())
}

fn check_person_refs(conn: &Connection, p: &NewPerson) -> StoreResult<()> {
    if let Some(h) = p.household_id
        && !exists(conn, "SELECT 1 FROM households WHERE id = ?1", &h)?
    {
        return Err(StoreError::Reference { field: "household_id", message: format!("household {h} does not exist") });
    }
    Ok(())
}

fn check_agency_refs(conn: &Connection, a: &NewAgency, own_id: Option<Id>) -> StoreResult<()> {
    require_region(conn, "region", &a.region)?;
    if let Some(parent) = a.parent_id {
        if Some(parent) == own_id {
            return Err(Invalid::one("parent_id", "an agency cannot be its own parent").into());
        }
        if !exists(conn, "SELECT 1 FROM agencies WHERE id = ?1", &parent)? {
            return Err(StoreError::Reference {
                field: "parent_id",
                message: format!("agency {parent} does not exist"),
            });
        }
    }
    Ok(())
}

fn insert_member(tx: &Connection, group_id: Id, m: &NewMember) -> StoreResult<Id> {
    if !exists(tx, "SELECT 1 FROM people WHERE id = ?1", &m.person_id)? {
        return Err(StoreError::Reference {
            field: "person_id",
            message: format!("person {} does not exist", m.person_id),
        });
    }
    tx.prepare_cached(
        "INSERT INTO group_members (group_id, person_id, role, since, until) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(params![group_id, m.person_id, m.role.code(), m.since, m.until]))
    .map_err(|e| unique(e, "person_id", "this person's membership of the group"))?;
    Ok(tx.last_insert_rowid())
}

pub(crate) fn insert_household(conn: &Connection, h: &NewHousehold) -> StoreResult<Id> {
    conn.prepare_cached(
        "INSERT INTO households (kk, address, address_key, region, welfare_stage, dtks_listed, dtks_since) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            h.kk.as_u64() as i64,
            h.address,
            key(&h.address),
            h.region.as_str(),
            h.welfare_stage.code(),
            h.dtks_listed,
            h.dtks_since
        ])
    })
    .map_err(|e| unique(e, "kk", "this KK number"))?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn insert_person(conn: &Connection, p: &NewPerson) -> StoreResult<Id> {
    conn.prepare_cached(
        "INSERT INTO people (nik, household_id, name, name_key, sex, birth_date, relation, education, occupation, disability) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            p.nik.as_u64() as i64,
            p.household_id,
            p.name,
            key(&p.name),
            p.sex.code(),
            p.birth_date,
            p.relation.code(),
            p.education.code(),
            p.occupation,
            p.disability.code()
        ])
    })
    .map_err(|e| unique(e, "nik", "this NIK"))?;
    Ok(conn.last_insert_rowid())
}

// --- The trait ----------------------------------------------------------------------------

#[async_trait]
impl RegistryStore for SqliteStore {
    async fn create_region(&self, region: &NewRegion) -> StoreResult<Region> {
        let r = region.clone();
        self.write(move |c| {
            let parent = r.parent();
            if let Some(p) = &parent
                && !exists(c, "SELECT 1 FROM regions WHERE code = ?1", &p.as_str())?
            {
                return Err(StoreError::Reference {
                    field: "code",
                    message: format!("parent region {p} does not exist"),
                });
            }
            c.execute(
                "INSERT INTO regions (code, name, name_key, kind, parent) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r.code.as_str(), r.name, key(&r.name), r.kind.code(), parent.as_ref().map(|p| p.as_str())],
            )
            .map_err(|e| unique(e, "code", &format!("region code {}", r.code)))?;
            c.query_row("SELECT * FROM regions WHERE code = ?1", [r.code.as_str()], region_from).map_err(backend)
        })
        .await
    }

    async fn update_region(&self, region: &NewRegion, version: Version) -> StoreResult<Region> {
        let r = region.clone();
        self.write(move |c| {
            let n = c
                .execute(
                    "UPDATE regions SET name = ?2, name_key = ?3, kind = ?4, version = version + 1 WHERE code = ?1 AND version = ?5",
                    params![r.code.as_str(), r.name, key(&r.name), r.kind.code(), version],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(missing_or_conflict(c, "regions", "code", &r.code.as_str(), "region", version));
            }
            c.query_row("SELECT * FROM regions WHERE code = ?1", [r.code.as_str()], region_from).map_err(backend)
        })
        .await
    }

    async fn region(&self, code: &RegionCode) -> StoreResult<Region> {
        let code = code.clone();
        self.call(move |c| {
            c.query_row("SELECT * FROM regions WHERE code = ?1", [code.as_str()], region_from)
                .map_err(not_found("region"))
        })
        .await
    }

    async fn region_path(&self, code: &RegionCode) -> StoreResult<Vec<Region>> {
        let code = code.clone();
        self.call(move |c| {
            let mut chain = vec![code.clone()];
            while let Some(p) = chain.last().and_then(RegionCode::parent) {
                chain.push(p);
            }
            let mut out = Vec::new();
            for code in chain.iter().rev() {
                match c.query_row("SELECT * FROM regions WHERE code = ?1", [code.as_str()], region_from).optional() {
                    Ok(Some(r)) => out.push(r),
                    Ok(None) => {}
                    Err(e) => return Err(backend(e)),
                }
            }
            if out.last().map(|r| &r.code) != Some(&code) {
                return Err(StoreError::NotFound { entity: "region" });
            }
            Ok(out)
        })
        .await
    }

    async fn region_children(&self, parent: Option<&RegionCode>) -> StoreResult<Vec<Region>> {
        let parent = parent.cloned();
        self.call(move |c| {
            let rows = match &parent {
                Some(p) => {
                    let mut s =
                        c.prepare_cached("SELECT * FROM regions WHERE parent = ?1 ORDER BY code").map_err(backend)?;
                    s.query_map([p.as_str()], region_from).map_err(backend)?.collect::<Result<Vec<_>, _>>()
                }
                None => {
                    let mut s = c
                        .prepare_cached("SELECT * FROM regions WHERE parent IS NULL ORDER BY code")
                        .map_err(backend)?;
                    s.query_map([], region_from).map_err(backend)?.collect::<Result<Vec<_>, _>>()
                }
            };
            rows.map_err(backend)
        })
        .await
    }

    async fn search_regions(&self, query: &Query) -> StoreResult<Page<Region>> {
        let q = query.clone();
        self.call(move |c| {
            let text = q.text_str().map(str::to_string);
            let region = q.region.as_ref().map(|r| r.as_str().to_string());
            let mut conds = Vec::new();
            let mut params: Vec<&dyn ToSql> = Vec::new();
            let (contains, code_lo, code_hi);
            if let Some(t) = &text {
                contains = like_contains(t);
                code_lo = t.to_uppercase();
                code_hi = prefix_end(&code_lo);
                let n = params.len();
                conds.push(format!(
                    "(name_key LIKE ?{} ESCAPE '\\' OR (code >= ?{} AND code < ?{}))",
                    n + 1,
                    n + 2,
                    n + 3
                ));
                params.push(&contains);
                params.push(&code_lo);
                params.push(&code_hi);
            }
            if let Some(r) = &region {
                conds.push(subtree("code", params.len() + 1));
                params.push(r);
            }
            let where_ = where_clause(&conds);
            page_of(c, "SELECT *", &format!("FROM regions {where_}"), "code", &params, q.page, region_from)
        })
        .await
    }

    async fn create_household(&self, household: &NewHousehold) -> StoreResult<Household> {
        let h = household.clone();
        self.write(move |c| {
            require_region(c, "region", &h.region)?;
            let id = insert_household(c, &h)?;
            get_household(c, id)
        })
        .await
    }

    async fn update_household(&self, id: Id, household: &NewHousehold, version: Version) -> StoreResult<Household> {
        let h = household.clone();
        self.write(move |c| {
            require_region(c, "region", &h.region)?;
            let n = c
                .execute(
                    "UPDATE households SET kk = ?2, address = ?3, address_key = ?4, region = ?5, welfare_stage = ?6, \
                     dtks_listed = ?7, dtks_since = ?8, version = version + 1 WHERE id = ?1 AND version = ?9",
                    params![
                        id,
                        h.kk.as_u64() as i64,
                        h.address,
                        key(&h.address),
                        h.region.as_str(),
                        h.welfare_stage.code(),
                        h.dtks_listed,
                        h.dtks_since,
                        version
                    ],
                )
                .map_err(|e| unique(e, "kk", "this KK number"))?;
            if n == 0 {
                return Err(missing_or_conflict(c, "households", "id", &id, "household", version));
            }
            get_household(c, id)
        })
        .await
    }

    async fn household(&self, id: Id) -> StoreResult<Household> {
        self.call(move |c| get_household(c, id)).await
    }

    async fn search_households(&self, query: &Query) -> StoreResult<Page<HouseholdSummary>> {
        let q = query.clone();
        self.call(move |c| {
            let mut conds = Vec::new();
            let mut params: Vec<&dyn ToSql> = Vec::new();
            let kk = q.as_identity_number().map(|n| n as i64);
            let contains = q.text_str().map(like_contains);
            let region = q.region.as_ref().map(|r| r.as_str().to_string());
            if let Some(kk) = &kk {
                conds.push(format!("h.kk = ?{}", params.len() + 1));
                params.push(kk);
            } else if let Some(t) = &contains {
                let n = params.len() + 1;
                conds.push(format!(
                    "(h.address_key LIKE ?{n} ESCAPE '\\' OR EXISTS (SELECT 1 FROM people x WHERE x.household_id = h.id \
                     AND x.relation = 'head' AND x.name_key LIKE ?{n} ESCAPE '\\'))"
                ));
                params.push(t);
            }
            if let Some(r) = &region {
                conds.push(subtree("h.region", params.len() + 1));
                params.push(r);
            }
            let within = q.within.map(within_id);
            if let Some((w, id)) = &within {
                let n = params.len() + 1;
                conds.push(match w {
                    Within::AssignedTo(_) => format!(
                        "h.id IN (SELECT a.household_id FROM assignments a WHERE a.user_id = ?{n} AND a.household_id IS NOT NULL)"
                    ),
                    Within::MembersOf(_) => format!(
                        "h.id IN (SELECT x.household_id FROM group_members m JOIN people x ON x.id = m.person_id \
                         WHERE m.group_id = ?{n} AND x.household_id IS NOT NULL)"
                    ),
                });
                params.push(id);
            }
            let where_ = where_clause(&conds);
            page_of(
                c,
                &format!(
                    "SELECT {HOUSEHOLD_COLS}, r.name AS region_name, \
                     (SELECT name FROM people x WHERE x.household_id = h.id AND x.relation = 'head' ORDER BY x.id LIMIT 1) AS head_name, \
                     (SELECT count(*) FROM people x WHERE x.household_id = h.id) AS members"
                ),
                &format!("FROM households h JOIN regions r ON r.code = h.region {where_}"),
                "h.id",
                &params,
                q.page,
                |r| {
                    Ok(HouseholdSummary {
                        household: household_from(r)?,
                        region_name: r.get("region_name")?,
                        head_name: r.get("head_name")?,
                        members: r.get("members")?,
                    })
                },
            )
        })
        .await
    }

    async fn household_members(&self, id: Id) -> StoreResult<Vec<Person>> {
        self.call(move |c| {
            get_household(c, id)?;
            let mut s = c
                .prepare_cached(&format!("SELECT {PERSON_COLS} FROM people p WHERE p.household_id = ?1 ORDER BY p.id"))
                .map_err(backend)?;
            s.query_map([id], person_from).map_err(backend)?.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
    }

    async fn create_person(&self, person: &NewPerson) -> StoreResult<Person> {
        let p = person.clone();
        self.write(move |c| {
            check_person_refs(c, &p)?;
            let id = insert_person(c, &p)?;
            get_person(c, id)
        })
        .await
    }

    async fn update_person(&self, id: Id, person: &NewPerson, version: Version) -> StoreResult<Person> {
        let p = person.clone();
        self.write(move |c| {
            check_person_refs(c, &p)?;
            let n = c
                .execute(
                    "UPDATE people SET nik = ?2, household_id = ?3, name = ?4, name_key = ?5, sex = ?6, birth_date = ?7, \
                     relation = ?8, education = ?9, occupation = ?10, disability = ?11, version = version + 1 \
                     WHERE id = ?1 AND version = ?12",
                    params![
                        id,
                        p.nik.as_u64() as i64,
                        p.household_id,
                        p.name,
                        key(&p.name),
                        p.sex.code(),
                        p.birth_date,
                        p.relation.code(),
                        p.education.code(),
                        p.occupation,
                        p.disability.code(),
                        version
                    ],
                )
                .map_err(|e| unique(e, "nik", "this NIK"))?;
            if n == 0 {
                return Err(missing_or_conflict(c, "people", "id", &id, "person", version));
            }
            get_person(c, id)
        })
        .await
    }

    async fn person(&self, id: Id) -> StoreResult<Person> {
        self.call(move |c| get_person(c, id)).await
    }

    async fn search_people(&self, query: &Query) -> StoreResult<Page<Person>> {
        let q = query.clone();
        self.call(move |c| {
            let mut conds = Vec::new();
            let mut params: Vec<&dyn ToSql> = Vec::new();
            let nik = q.as_identity_number().map(|n| n as i64);
            let (lo, hi) = match (&nik, q.text_str()) {
                (None, Some(t)) => {
                    let k = key(t);
                    let end = prefix_end(&k);
                    (Some(k), Some(end))
                }
                _ => (None, None),
            };
            let region = q.region.as_ref().map(|r| r.as_str().to_string());
            if let Some(nik) = &nik {
                conds.push(format!("p.nik = ?{}", params.len() + 1));
                params.push(nik);
            } else if let (Some(lo), Some(hi)) = (&lo, &hi) {
                conds.push(format!("p.name_key >= ?{} AND p.name_key < ?{}", params.len() + 1, params.len() + 2));
                params.push(lo);
                params.push(hi);
            }
            let join = if let Some(r) = &region {
                conds.push(subtree("h.region", params.len() + 1));
                params.push(r);
                "JOIN households h ON h.id = p.household_id"
            } else {
                ""
            };
            let within = q.within.map(within_id);
            if let Some((w, id)) = &within {
                let n = params.len() + 1;
                conds.push(match w {
                    Within::AssignedTo(_) => format!(
                        "(p.household_id IN (SELECT a.household_id FROM assignments a WHERE a.user_id = ?{n} \
                         AND a.household_id IS NOT NULL) OR p.id IN (SELECT m.person_id FROM group_members m \
                         JOIN assignments a ON a.group_id = m.group_id WHERE a.user_id = ?{n}))"
                    ),
                    Within::MembersOf(_) => {
                        format!("p.id IN (SELECT m.person_id FROM group_members m WHERE m.group_id = ?{n})")
                    }
                });
                params.push(id);
            }
            let where_ = where_clause(&conds);
            page_of(
                c,
                &format!("SELECT {PERSON_COLS}"),
                &format!("FROM people p {join} {where_}"),
                "p.name_key, p.id",
                &params,
                q.page,
                person_from,
            )
        })
        .await
    }

    async fn create_group(&self, group: &NewGroup) -> StoreResult<Group> {
        let g = group.clone();
        self.write(move |c| {
            require_region(c, "region", &g.region)?;
            c.execute(
                "INSERT INTO groups (name, name_key, kind, region, founded_on, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![g.name, key(&g.name), g.kind.code(), g.region.as_str(), g.founded_on, g.description],
            )
            .map_err(backend)?;
            get_group(c, c.last_insert_rowid())
        })
        .await
    }

    async fn update_group(&self, id: Id, group: &NewGroup, version: Version) -> StoreResult<Group> {
        let g = group.clone();
        self.write(move |c| {
            require_region(c, "region", &g.region)?;
            let n = c
                .execute(
                    "UPDATE groups SET name = ?2, name_key = ?3, kind = ?4, region = ?5, founded_on = ?6, description = ?7, \
                     version = version + 1 WHERE id = ?1 AND version = ?8",
                    params![id, g.name, key(&g.name), g.kind.code(), g.region.as_str(), g.founded_on, g.description, version],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(missing_or_conflict(c, "groups", "id", &id, "group", version));
            }
            get_group(c, id)
        })
        .await
    }

    async fn group(&self, id: Id) -> StoreResult<Group> {
        self.call(move |c| get_group(c, id)).await
    }

    async fn search_groups(&self, query: &Query) -> StoreResult<Page<GroupSummary>> {
        let q = query.clone();
        self.call(move |c| {
            let mut conds = Vec::new();
            let mut params: Vec<&dyn ToSql> = Vec::new();
            let contains = q.text_str().map(like_contains);
            let region = q.region.as_ref().map(|r| r.as_str().to_string());
            if let Some(t) = &contains {
                conds.push(format!("g.name_key LIKE ?{} ESCAPE '\\'", params.len() + 1));
                params.push(t);
            }
            if let Some(r) = &region {
                conds.push(subtree("g.region", params.len() + 1));
                params.push(r);
            }
            let within = q.within.map(within_id);
            if let Some((w, id)) = &within {
                let n = params.len() + 1;
                conds.push(match w {
                    Within::AssignedTo(_) => format!(
                        "g.id IN (SELECT a.group_id FROM assignments a WHERE a.user_id = ?{n} AND a.group_id IS NOT NULL)"
                    ),
                    Within::MembersOf(_) => format!("g.id = ?{n}"),
                });
                params.push(id);
            }
            let where_ = where_clause(&conds);
            page_of(
                c,
                "SELECT g.*, r.name AS region_name, (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS members",
                &format!("FROM groups g JOIN regions r ON r.code = g.region {where_}"),
                "g.name_key, g.id",
                &params,
                q.page,
                |r| Ok(GroupSummary { group: group_from(r)?, region_name: r.get("region_name")?, members: r.get("members")? }),
            )
        })
        .await
    }

    async fn add_member(&self, group_id: Id, member: &NewMember) -> StoreResult<GroupMember> {
        let m = member.clone();
        self.write(move |c| {
            get_group(c, group_id)?;
            let id = insert_member(c, group_id, &m)?;
            let name: String =
                c.query_row("SELECT name FROM people WHERE id = ?1", [m.person_id], |r| r.get(0)).map_err(backend)?;
            Ok(GroupMember {
                id,
                group_id,
                person_id: m.person_id,
                person_name: name,
                role: m.role,
                since: m.since,
                until: m.until,
            })
        })
        .await
    }

    async fn group_members(&self, group_id: Id) -> StoreResult<Vec<GroupMember>> {
        self.call(move |c| {
            get_group(c, group_id)?;
            let mut s = c
                .prepare_cached(
                    "SELECT m.id, m.group_id, m.person_id, p.name, m.role, m.since, m.until FROM group_members m \
                     JOIN people p ON p.id = m.person_id WHERE m.group_id = ?1 ORDER BY m.id",
                )
                .map_err(backend)?;
            s.query_map([group_id], |r| {
                Ok(GroupMember {
                    id: r.get(0)?,
                    group_id: r.get(1)?,
                    person_id: r.get(2)?,
                    person_name: r.get(3)?,
                    role: vocab(r, "role", GroupRole::parse)?,
                    since: r.get(5)?,
                    until: r.get(6)?,
                })
            })
            .map_err(backend)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)
        })
        .await
    }

    async fn remove_member(&self, group_id: Id, person_id: Id) -> StoreResult<()> {
        self.write(move |c| {
            get_group(c, group_id)?;
            let n = c
                .execute("DELETE FROM group_members WHERE group_id = ?1 AND person_id = ?2", [group_id, person_id])
                .map_err(backend)?;
            if n == 0 { Err(StoreError::NotFound { entity: "member" }) } else { Ok(()) }
        })
        .await
    }

    async fn add_members(&self, group_id: Id, members: &[NewMember]) -> StoreResult<u64> {
        let members = members.to_vec();
        self.write(move |tx| {
            get_group(tx, group_id)?;
            for m in &members {
                insert_member(tx, group_id, m)?;
            }
            Ok(members.len() as u64)
        })
        .await
    }

    async fn create_agency(&self, agency: &NewAgency) -> StoreResult<Agency> {
        let a = agency.clone();
        self.write(move |c| {
            check_agency_refs(c, &a, None)?;
            c.execute(
                "INSERT INTO agencies (name, name_key, kind, region, parent_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.name, key(&a.name), a.kind.code(), a.region.as_str(), a.parent_id],
            )
            .map_err(backend)?;
            get_agency(c, c.last_insert_rowid())
        })
        .await
    }

    async fn update_agency(&self, id: Id, agency: &NewAgency, version: Version) -> StoreResult<Agency> {
        let a = agency.clone();
        self.write(move |c| {
            check_agency_refs(c, &a, Some(id))?;
            let n = c
                .execute(
                    "UPDATE agencies SET name = ?2, name_key = ?3, kind = ?4, region = ?5, parent_id = ?6, version = version + 1 \
                     WHERE id = ?1 AND version = ?7",
                    params![id, a.name, key(&a.name), a.kind.code(), a.region.as_str(), a.parent_id, version],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(missing_or_conflict(c, "agencies", "id", &id, "agency", version));
            }
            get_agency(c, id)
        })
        .await
    }

    async fn agency(&self, id: Id) -> StoreResult<Agency> {
        self.call(move |c| get_agency(c, id)).await
    }

    async fn search_agencies(&self, query: &Query) -> StoreResult<Page<Agency>> {
        let q = query.clone();
        self.call(move |c| {
            let mut conds = Vec::new();
            let mut params: Vec<&dyn ToSql> = Vec::new();
            let contains = q.text_str().map(like_contains);
            let region = q.region.as_ref().map(|r| r.as_str().to_string());
            if let Some(t) = &contains {
                conds.push(format!("name_key LIKE ?{} ESCAPE '\\'", params.len() + 1));
                params.push(t);
            }
            if let Some(r) = &region {
                conds.push(subtree("region", params.len() + 1));
                params.push(r);
            }
            let where_ = where_clause(&conds);
            page_of(c, "SELECT *", &format!("FROM agencies {where_}"), "name_key, id", &params, q.page, agency_from)
        })
        .await
    }

    async fn agency_units(&self, id: Id) -> StoreResult<Vec<Agency>> {
        self.call(move |c| {
            get_agency(c, id)?;
            let mut s = c
                .prepare_cached("SELECT * FROM agencies WHERE parent_id = ?1 ORDER BY name_key, id")
                .map_err(backend)?;
            s.query_map([id], agency_from).map_err(backend)?.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
    }

    async fn add_staff(&self, agency_id: Id, staff: &NewStaff) -> StoreResult<Staff> {
        let s = staff.clone();
        self.write(move |c| {
            get_agency(c, agency_id)?;
            c.execute(
                "INSERT INTO staff (agency_id, name, position) VALUES (?1, ?2, ?3)",
                params![agency_id, s.name, s.position],
            )
            .map_err(backend)?;
            Ok(Staff { id: c.last_insert_rowid(), agency_id, name: s.name, position: s.position })
        })
        .await
    }

    async fn agency_staff(&self, agency_id: Id) -> StoreResult<Vec<Staff>> {
        self.call(move |c| {
            get_agency(c, agency_id)?;
            let mut s = c
                .prepare_cached("SELECT id, agency_id, name, position FROM staff WHERE agency_id = ?1 ORDER BY id")
                .map_err(backend)?;
            s.query_map([agency_id], |r| {
                Ok(Staff { id: r.get(0)?, agency_id: r.get(1)?, name: r.get(2)?, position: r.get(3)? })
            })
            .map_err(backend)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)
        })
        .await
    }

    async fn create_program(&self, program: &NewProgram) -> StoreResult<Program> {
        let p = program.clone();
        self.write(move |tx| {
            if !exists(tx, "SELECT 1 FROM agencies WHERE id = ?1", &p.agency_id)? {
                return Err(StoreError::Reference { field: "agency_id", message: format!("agency {} does not exist", p.agency_id) });
            }
            tx.execute(
                "INSERT INTO programs (name, name_key, agency_id, starts_on, ends_on, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![p.name, key(&p.name), p.agency_id, p.starts_on, p.ends_on, p.description],
            )
            .map_err(backend)?;
            let id = tx.last_insert_rowid();
            write_program_regions(tx, id, &p.target_regions)?;
            get_program(tx, id)
        })
        .await
    }

    async fn update_program(&self, id: Id, program: &NewProgram, version: Version) -> StoreResult<Program> {
        let p = program.clone();
        self.write(move |tx| {
            if !exists(tx, "SELECT 1 FROM agencies WHERE id = ?1", &p.agency_id)? {
                return Err(StoreError::Reference { field: "agency_id", message: format!("agency {} does not exist", p.agency_id) });
            }
            let n = tx
                .execute(
                    "UPDATE programs SET name = ?2, name_key = ?3, agency_id = ?4, starts_on = ?5, ends_on = ?6, description = ?7, \
                     version = version + 1 WHERE id = ?1 AND version = ?8",
                    params![id, p.name, key(&p.name), p.agency_id, p.starts_on, p.ends_on, p.description, version],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(missing_or_conflict(tx, "programs", "id", &id, "program", version));
            }
            write_program_regions(tx, id, &p.target_regions)?;
            get_program(tx, id)
        })
        .await
    }

    async fn program(&self, id: Id) -> StoreResult<Program> {
        self.call(move |c| get_program(c, id)).await
    }

    async fn search_programs(&self, query: &Query) -> StoreResult<Page<ProgramSummary>> {
        let q = query.clone();
        self.call(move |c| {
            let mut conds = Vec::new();
            let mut params: Vec<&dyn ToSql> = Vec::new();
            let contains = q.text_str().map(like_contains);
            if let Some(t) = &contains {
                conds.push(format!("p.name_key LIKE ?{} ESCAPE '\\'", params.len() + 1));
                params.push(t);
            }
            let where_ = where_clause(&conds);
            let page = page_of(
                c,
                "SELECT p.id, a.name AS agency_name, (SELECT count(*) FROM enrollments e WHERE e.program_id = p.id) AS enrolled",
                &format!("FROM programs p JOIN agencies a ON a.id = p.agency_id {where_}"),
                "p.name_key, p.id",
                &params,
                q.page,
                |r| Ok((r.get::<_, Id>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?)),
            )?;
            let mut items = Vec::with_capacity(page.items.len());
            for (id, agency_name, enrolled) in &page.items {
                items.push(ProgramSummary { program: get_program(c, *id)?, agency_name: agency_name.clone(), enrolled: *enrolled });
            }
            Ok(Page { items, page: page.page, per_page: page.per_page, total: page.total, total_capped: page.total_capped })
        })
        .await
    }

    async fn enroll(&self, program_id: Id, enrollment: &NewEnrollment) -> StoreResult<Enrollment> {
        let e = enrollment.clone();
        self.write(move |c| {
            get_program(c, program_id)?;
            let (table, col) = match e.subject.kind {
                SubjectKind::Household => ("households", "household_id"),
                SubjectKind::Person => ("people", "person_id"),
                SubjectKind::Group => ("groups", "group_id"),
            };
            if !exists(c, &format!("SELECT 1 FROM {table} WHERE id = ?1"), &e.subject.id)? {
                return Err(StoreError::Reference {
                    field: "subject_id",
                    message: format!("{} {} does not exist", e.subject.kind.code(), e.subject.id),
                });
            }
            c.execute(
                &format!("INSERT INTO enrollments (program_id, {col}, status, enrolled_on, ended_on) VALUES (?1, ?2, ?3, ?4, ?5)"),
                params![program_id, e.subject.id, e.status.code(), e.enrolled_on, e.ended_on],
            )
            .map_err(|err| unique(err, "subject_id", &format!("this {} in this program", e.subject.kind.code())))?;
            get_enrollment(c, c.last_insert_rowid())
        })
        .await
    }

    async fn program_enrollments(&self, program_id: Id, page: PageRequest) -> StoreResult<Page<Enrollment>> {
        self.call(move |c| {
            get_program(c, program_id)?;
            let (select, from) = ENROLLMENT_SELECT.split_at(ENROLLMENT_SELECT.find(" FROM").unwrap_or(0));
            page_of(
                c,
                select,
                &format!("{from} WHERE e.program_id = ?1"),
                "e.id",
                &[&program_id],
                page,
                enrollment_from,
            )
        })
        .await
    }

    async fn subject_enrollments(&self, subject: Subject) -> StoreResult<Vec<SubjectEnrollment>> {
        self.call(move |c| {
            let col = match subject.kind {
                SubjectKind::Household => "household_id",
                SubjectKind::Person => "person_id",
                SubjectKind::Group => "group_id",
            };
            let sql = format!(
                "{} , pr.name AS program_name FROM enrollments e \
                 LEFT JOIN households hh ON hh.id = e.household_id LEFT JOIN people pp ON pp.id = e.person_id \
                 LEFT JOIN groups gg ON gg.id = e.group_id JOIN programs pr ON pr.id = e.program_id \
                 WHERE e.{col} = ?1 ORDER BY e.id",
                "SELECT e.*, COALESCE(hh.address, pp.name, gg.name) AS subject_label"
            );
            let mut s = c.prepare_cached(&sql).map_err(backend)?;
            s.query_map([subject.id], |r| {
                Ok(SubjectEnrollment { enrollment: enrollment_from(r)?, program_name: r.get("program_name")? })
            })
            .map_err(backend)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)
        })
        .await
    }

    async fn import_registry(&self, rows: &mut dyn RowSource, options: &ImportOptions) -> StoreResult<ImportReport> {
        self.call_here(|c| crate::import::import(c, rows, options))
    }

    async fn export_registry(
        &self,
        region: Option<&RegionCode>,
        sink: &mut (dyn FnMut(RegistryExportRow) -> bool + Send),
    ) -> StoreResult<u64> {
        self.call_here(|c| crate::import::export(c, region, sink))
    }

    async fn registry_counts(&self) -> StoreResult<RegistryCounts> {
        self.call(|c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM regions), (SELECT count(*) FROM households), (SELECT count(*) FROM people), \
                 (SELECT count(*) FROM groups), (SELECT count(*) FROM agencies), (SELECT count(*) FROM programs), \
                 (SELECT count(*) FROM enrollments)",
                [],
                |r| {
                    Ok(RegistryCounts {
                        regions: r.get::<_, i64>(0)? as u64,
                        households: r.get::<_, i64>(1)? as u64,
                        people: r.get::<_, i64>(2)? as u64,
                        groups: r.get::<_, i64>(3)? as u64,
                        agencies: r.get::<_, i64>(4)? as u64,
                        programs: r.get::<_, i64>(5)? as u64,
                        enrollments: r.get::<_, i64>(6)? as u64,
                    })
                },
            )
            .map_err(backend)
        })
        .await
    }
}
