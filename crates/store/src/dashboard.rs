//! The dashboards' aggregates: counts of the registry and of programs' enrollments, narrowed
//! to a [`Query`]'s area and scope exactly as the listings are (a facilitator's assignments, a
//! group officer's group), so a dashboard never counts what its reader may not list.
//!
//! Every count is computed in SQL (grouped, never rows carried up), written once on the store
//! kit for both backends. Suppressing small counts for readers who must not single out a
//! family is the web layer's business: the store answers exact counts.

use async_trait::async_trait;
use berdaya_domain::registry::{Disability, EnrollmentStatus, Id, RegionCode, Sex, WelfareStage};
use serde::Serialize;
use time::{Date, Month};

use crate::kit::{Backend, Conn, Row, Sql, Where, job, rows, subtree};
use crate::registry::{enrollment_scope, households_within, is_in, people_within, program_overlaps};
use crate::{Query, StoreError, StoreResult};

/// People are counted in 5-year age bands up to this age; older people share the last band.
pub const OLDEST_BAND: u32 = 75;
/// The width of an age band, in years.
pub const BAND_YEARS: u32 = 5;
/// How many months the enrollment series covers, ending with the current month.
pub const SERIES_MONTHS: usize = 24;

/// Households and people of one region one level below the area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionCount {
    /// The child region; `None` for what lies in the area but in none of its children (records
    /// placed at the area itself, people without a household).
    pub code: Option<RegionCode>,
    pub name: String,
    pub households: u64,
    pub people: u64,
}

/// People of one age band, by sex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgeBandCount {
    /// The band's lowest age in whole years (0, 5, …, [`OLDEST_BAND`] for that age and over).
    pub from: u32,
    pub male: u64,
    pub female: u64,
}

/// The registry's aggregates over one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryDashboard {
    pub households: u64,
    pub people: u64,
    /// One row per child region of the area (the provinces for a national reader), in code
    /// order, then one row for the rest when anything lies outside every child.
    pub regions: Vec<RegionCount>,
    /// Every welfare stage, in the vocabulary's order, zeros included.
    pub welfare: Vec<(WelfareStage, u64)>,
    /// Households listed in DTKS, and not listed.
    pub dtks_listed: u64,
    pub dtks_unlisted: u64,
    /// Every band from 0 to [`OLDEST_BAND`], youngest first.
    pub pyramid: Vec<AgeBandCount>,
    /// Every disability category, in the vocabulary's order, zeros included.
    pub disability: Vec<(Disability, u64)>,
}

/// The enrollments of one month, by the status they held at its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCounts {
    /// The month's first day.
    pub month: Date,
    /// Every status, in the vocabulary's order.
    pub counts: Vec<(EnrollmentStatus, u64)>,
}

/// One target region of a program and its enrolled subjects in the reader's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetCount {
    pub region: RegionCode,
    pub name: String,
    pub enrolled: u64,
}

/// How far a program reaches its target regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramCoverage {
    pub program_id: Id,
    pub name: String,
    /// In the program's order of target regions.
    pub targets: Vec<TargetCount>,
}

impl ProgramCoverage {
    /// How many target regions have at least one enrolled subject.
    pub fn covered(&self) -> usize {
        self.targets.iter().filter(|t| t.enrolled > 0).count()
    }
}

/// The programs' aggregates over one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramDashboard {
    /// [`SERIES_MONTHS`] months, oldest first, the last the current one.
    pub months: Vec<MonthCounts>,
    /// The programs the scope sees (those targeting a region in the area or above it), by name.
    pub coverage: Vec<ProgramCoverage>,
}

#[async_trait]
pub trait DashboardStore {
    /// The registry's aggregates narrowed to `query.region` and `query.within` as
    /// [`crate::RegistryStore::search_households`] and `search_people` narrow (other fields
    /// of the query are ignored). Ages are whole years on `today`.
    async fn registry_dashboard(&self, query: &Query, today: Date) -> StoreResult<RegistryDashboard>;

    /// The programs' aggregates: programs visible in `query.region` (as
    /// [`crate::RegistryStore::search_programs`] keeps them), their enrollments counted
    /// only where the subject lies in the area and the scope (as its `enrolled` count does).
    ///
    /// Each month counts the enrollments by the status they held at the month's end, as their
    /// status history tells it (`enrollment_changes`): the latest change on or before that day.
    async fn program_dashboard(&self, query: &Query, today: Date) -> StoreResult<ProgramDashboard>;
}

/// The status of an enrollment that runs: the one counted as "enrolled" in coverage.
pub fn running_status() -> EnrollmentStatus {
    EnrollmentStatus::Enrolled
}

/// `date` minus whole `years`; 29 February becomes 28 February in a common year.
fn years_before(date: Date, years: u32) -> Date {
    let year = date.year() - years as i32;
    date.replace_year(year).or_else(|_| Date::from_calendar_date(year, date.month(), 28)).unwrap_or(Date::MIN)
}

/// The first day of the month `back` months before `today`'s.
fn month_start(today: Date, back: u32) -> Date {
    let index = today.year() * 12 + i32::from(u8::from(today.month())) - 1 - back as i32;
    let month = Month::try_from((index.rem_euclid(12) + 1) as u8).unwrap_or(Month::January);
    Date::from_calendar_date(index.div_euclid(12), month, 1).unwrap_or(Date::MIN)
}

/// The [`SERIES_MONTHS`] months ending with `today`'s: each first day, and the day its
/// counts are taken (its last day, or `today` for the current month).
pub fn series_months(today: Date) -> Vec<(Date, Date)> {
    (0..SERIES_MONTHS as u32)
        .rev()
        .map(|back| {
            let start = month_start(today, back);
            let end = if back == 0 { today } else { month_start(today, back - 1).previous_day().unwrap_or(start) };
            (start, end)
        })
        .collect()
}

/// `CASE WHEN col <= end₀ THEN 0 WHEN col <= end₁ THEN 1 … ELSE n END`: the first month whose
/// end is on or after the date (`n`: after the series), `-1` when `col` is NULL.
fn month_bin(col: &str, ends: &[Date]) -> Sql {
    let mut s = Sql::new(format!("CASE WHEN {col} IS NULL THEN -1"));
    for (i, end) in ends.iter().enumerate() {
        s.push(&format!(" WHEN {col} <= ")).bind(*end).push(&format!(" THEN {i}"));
    }
    s.push(&format!(" ELSE {} END", ends.len()));
    s
}

/// A count column, never negative.
fn count(row: &Row, column: &str) -> StoreResult<u64> {
    Ok(u64::try_from(row.int(column)?).unwrap_or(0))
}

/// The conditions narrowing households `h` to the query.
fn household_scope(q: &Query) -> Where {
    let mut w = Where::default();
    if let Some(r) = &q.region {
        w.and(subtree("h.region", r.as_str()));
    }
    if let Some(within) = q.within {
        w.and(is_in("h.id", &households_within(within)));
    }
    w
}

/// `FROM people p …` and the conditions narrowing people `p` to the query, as the people
/// listing narrows them (a region reaches people through their household).
fn people_scope(q: &Query) -> (Sql, Where) {
    let mut w = Where::default();
    let from = match &q.region {
        Some(r) => {
            w.and(subtree("h.region", r.as_str()));
            Sql::new(" FROM people p JOIN households h ON h.id = p.household_id")
        }
        None => Sql::new(" FROM people p LEFT JOIN households h ON h.id = p.household_id"),
    };
    if let Some(within) = q.within {
        w.and(is_in("p.id", &people_within(within)));
    }
    (from, w)
}

/// [`people_scope`] as one fragment.
fn people_from(q: &Query) -> Sql {
    let (mut from, w) = people_scope(q);
    from.append(&w.to_sql());
    from
}

/// Counts grouped by one column: `SELECT <key>, count(*) <from> GROUP BY <key>`.
async fn grouped(c: &mut dyn Conn, key: &str, from: &Sql) -> StoreResult<Vec<(String, u64)>> {
    let mut sql = Sql::new(format!("SELECT {key} AS k, count(*) AS n"));
    sql.append(from).push(&format!(" GROUP BY {key}"));
    rows(c, &sql).await?.iter().map(|r| Ok((r.text("k")?, count(r, "n")?))).collect()
}

/// Every value of a vocabulary with its count (zero when absent).
fn by_vocabulary<T: Copy>(all: &[T], code: fn(T) -> &'static str, counted: &[(String, u64)]) -> Vec<(T, u64)> {
    all.iter().map(|&v| (v, counted.iter().find(|(k, _)| k == code(v)).map_or(0, |(_, n)| *n))).collect()
}

async fn households_total(c: &mut dyn Conn, q: &Query) -> StoreResult<u64> {
    let mut sql = Sql::new("SELECT count(*) AS n FROM households h");
    sql.append(&household_scope(q).to_sql());
    rows(c, &sql).await?.first().map_or(Ok(0), |r| count(r, "n"))
}

async fn people_total(c: &mut dyn Conn, q: &Query) -> StoreResult<u64> {
    let mut sql = Sql::new("SELECT count(*) AS n");
    sql.append(&people_from(q));
    rows(c, &sql).await?.first().map_or(Ok(0), |r| count(r, "n"))
}

/// Households and people per child region of the area, and the rest.
async fn by_region(c: &mut dyn Conn, q: &Query, households: u64, people: u64) -> StoreResult<Vec<RegionCount>> {
    // A child's subtree, on a column that holds the child's code: the kit's `subtree`
    // binds a literal code, this one compares with the outer row.
    let under = |col: &str| format!("({col} = r.code OR ({col} >= r.code || '.' AND {col} < r.code || '/'))");
    let mut hh = Sql::new("(SELECT count(*) FROM households h");
    let mut w = household_scope(q);
    w.and(Sql::new(under("h.region")));
    hh.append(&w.to_sql()).push(")");
    let mut pp = Sql::new("(SELECT count(*)");
    let (from, mut w) = people_scope(q);
    w.and(Sql::new(under("h.region")));
    pp.append(&from).append(&w.to_sql()).push(")");
    let mut sql = Sql::new("SELECT r.code, r.name, ");
    sql.append(&hh).push(" AS households, ").append(&pp).push(" AS people FROM regions r WHERE ");
    match &q.region {
        Some(area) => sql.push("r.parent = ").bind(area.as_str()),
        None => sql.push("r.parent IS NULL"),
    };
    sql.push(" ORDER BY r.code");
    let mut out = Vec::new();
    for row in rows(c, &sql).await? {
        out.push(RegionCount {
            code: Some(row.parsed("code", RegionCode::parse)?),
            name: row.text("name")?,
            households: count(&row, "households")?,
            people: count(&row, "people")?,
        });
    }
    let rest_h = households.saturating_sub(out.iter().map(|r| r.households).sum());
    let rest_p = people.saturating_sub(out.iter().map(|r| r.people).sum());
    if rest_h > 0 || rest_p > 0 {
        out.push(RegionCount { code: None, name: String::new(), households: rest_h, people: rest_p });
    }
    Ok(out)
}

/// People by sex and 5-year age band on `today`.
async fn pyramid(c: &mut dyn Conn, q: &Query, today: Date) -> StoreResult<Vec<AgeBandCount>> {
    let mut band = Sql::new("CASE");
    for from in (BAND_YEARS..=OLDEST_BAND).step_by(BAND_YEARS as usize) {
        // Younger than `from` years: born after the day `from` years before today.
        band.push(" WHEN p.birth_date > ")
            .bind(years_before(today, from))
            .push(&format!(" THEN {}", from - BAND_YEARS));
    }
    band.push(&format!(" ELSE {OLDEST_BAND} END"));
    let mut sql = Sql::new("SELECT sex, band, count(*) AS n FROM (SELECT p.sex AS sex, ");
    sql.append(&band).push(" AS band").append(&people_from(q)).push(") t GROUP BY sex, band");
    let mut out: Vec<AgeBandCount> =
        (0..=OLDEST_BAND).step_by(BAND_YEARS as usize).map(|from| AgeBandCount { from, male: 0, female: 0 }).collect();
    for row in rows(c, &sql).await? {
        let from = u32::try_from(row.int("band")?).unwrap_or(0);
        let n = count(&row, "n")?;
        let Some(b) = out.iter_mut().find(|b| b.from == from) else { continue };
        match row.parsed("sex", Sex::parse)? {
            Sex::Male => b.male += n,
            Sex::Female => b.female += n,
        }
    }
    Ok(out)
}

async fn registry(c: &mut dyn Conn, q: &Query, today: Date) -> StoreResult<RegistryDashboard> {
    let households = households_total(c, q).await?;
    let people = people_total(c, q).await?;
    let regions = by_region(c, q, households, people).await?;
    let mut hh_from = Sql::new(" FROM households h");
    hh_from.append(&household_scope(q).to_sql());
    let welfare = grouped(c, "h.welfare_stage", &hh_from).await?;
    let mut listed = Sql::new("SELECT count(*) AS n FROM households h");
    let mut w = household_scope(q);
    w.and(Sql::new("h.dtks_listed = ").bind(true).clone());
    listed.append(&w.to_sql());
    let dtks_listed = rows(c, &listed).await?.first().map_or(Ok(0), |r| count(r, "n"))?;
    let disability = grouped(c, "p.disability", &people_from(q)).await?;
    Ok(RegistryDashboard {
        households,
        people,
        regions,
        welfare: by_vocabulary(WelfareStage::ALL, WelfareStage::code, &welfare),
        dtks_listed,
        dtks_unlisted: households.saturating_sub(dtks_listed),
        pyramid: pyramid(c, q, today).await?,
        disability: by_vocabulary(Disability::ALL, Disability::code, &disability),
    })
}

/// The conditions on enrollments `e` of programs `p`: the program is visible in the area and
/// the subject lies in the area and the scope.
fn enrollments_where(q: &Query) -> Where {
    let mut w = Where::default();
    if let Some(area) = &q.region {
        w.and(program_overlaps(area));
    }
    enrollment_scope(q, &mut w);
    w
}

/// The next change of the same enrollment after change `c` (by day, then by id), as a
/// correlated subquery.
const NEXT_CHANGE: &str = "(SELECT n.changed_on FROM enrollment_changes n WHERE n.enrollment_id = c.enrollment_id \
     AND (n.changed_on > c.changed_on OR (n.changed_on = c.changed_on AND n.id > c.id)) \
     ORDER BY n.changed_on, n.id LIMIT 1)";

/// Each month's enrollments by the status they held at its end, read from the status history:
/// a change holds from the month of its day until the month before the next change's (a
/// change followed by another in the same month never shows).
async fn series(c: &mut dyn Conn, q: &Query, today: Date) -> StoreResult<Vec<MonthCounts>> {
    let months = series_months(today);
    let ends: Vec<Date> = months.iter().map(|(_, end)| *end).collect();
    let mut inner = Sql::new("SELECT c.to_status AS status, ");
    inner.append(&month_bin("c.changed_on", &ends)).push(" AS fb, ");
    inner.append(&month_bin(NEXT_CHANGE, &ends)).push(
        " AS nb FROM enrollment_changes c JOIN enrollments e ON e.id = c.enrollment_id \
         JOIN programs p ON p.id = e.program_id",
    );
    inner.append(&enrollments_where(q).to_sql());
    let mut sql = Sql::new("SELECT status, fb, nb, count(*) AS n FROM (");
    sql.append(&inner).push(") t GROUP BY status, fb, nb");
    let mut out: Vec<MonthCounts> = months
        .iter()
        .map(|(start, _)| MonthCounts {
            month: *start,
            counts: EnrollmentStatus::ALL.iter().map(|s| (*s, 0)).collect(),
        })
        .collect();
    let last = out.len() as i64;
    for row in rows(c, &sql).await? {
        let status = row.parsed("status", EnrollmentStatus::parse)?;
        let (from, next, n) = (row.int("fb")?, row.int("nb")?, count(&row, "n")?);
        // No next change (`-1`): the status holds to the end of the series.
        let until = if next < 0 { last } else { next.min(last) };
        for month in out.iter_mut().take(until as usize).skip(from.max(0) as usize) {
            if let Some(slot) = month.counts.iter_mut().find(|(s, _)| *s == status) {
                slot.1 += n;
            }
        }
    }
    Ok(out)
}

async fn coverage(c: &mut dyn Conn, q: &Query) -> StoreResult<Vec<ProgramCoverage>> {
    let mut scope = Where::default();
    enrollment_scope(q, &mut scope);
    let under = |col: &str| format!("({col} = pr.region OR ({col} >= pr.region || '.' AND {col} < pr.region || '/'))");
    let mut enrolled = Sql::new("(SELECT count(*) FROM enrollments e WHERE e.program_id = p.id AND e.status = ");
    enrolled.bind(running_status().code()).push(" AND (");
    enrolled.push(&format!(
        "e.household_id IN (SELECT h.id FROM households h WHERE {}) OR e.person_id IN (SELECT x.id FROM people x \
         JOIN households h ON h.id = x.household_id WHERE {}) OR e.group_id IN (SELECT g.id FROM groups g WHERE {}))",
        under("h.region"),
        under("h.region"),
        under("g.region")
    ));
    for cond in scope.conditions() {
        enrolled.push(" AND ").append(cond);
    }
    enrolled.push(")");
    let mut sql = Sql::new("SELECT p.id, p.name, p.name_key, pr.region, r.name AS region_name, pr.position, ");
    sql.append(&enrolled).push(" AS enrolled FROM programs p JOIN program_regions pr ON pr.program_id = p.id ");
    sql.push("JOIN regions r ON r.code = pr.region");
    let mut w = Where::default();
    if let Some(area) = &q.region {
        w.and(program_overlaps(area));
    }
    sql.append(&w.to_sql()).push(" ORDER BY p.name_key, p.id, pr.position");
    let mut out: Vec<ProgramCoverage> = Vec::new();
    for row in rows(c, &sql).await? {
        let id = row.int("id")?;
        if out.last().is_none_or(|p| p.program_id != id) {
            out.push(ProgramCoverage { program_id: id, name: row.text("name")?, targets: Vec::new() });
        }
        let target = TargetCount {
            region: row.parsed("region", RegionCode::parse)?,
            name: row.text("region_name")?,
            enrolled: count(&row, "enrolled")?,
        };
        out.last_mut().ok_or_else(|| StoreError::Backend("coverage lost its program".into()))?.targets.push(target);
    }
    Ok(out)
}

#[async_trait]
impl<B: Backend> DashboardStore for B {
    async fn registry_dashboard(&self, query: &Query, today: Date) -> StoreResult<RegistryDashboard> {
        let q = query.clone();
        self.read(job(move |c| Box::pin(async move { registry(c, &q, today).await }))).await
    }

    async fn program_dashboard(&self, query: &Query, today: Date) -> StoreResult<ProgramDashboard> {
        let q = query.clone();
        self.read(job(move |c| {
            Box::pin(async move {
                Ok(ProgramDashboard { months: series(c, &q, today).await?, coverage: coverage(c, &q).await? })
            })
        }))
        .await
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn years_before_keeps_the_day_or_falls_back_to_28_february() {
        assert_eq!(years_before(date!(2026 - 12 - 01), 5), date!(2021 - 12 - 01));
        assert_eq!(years_before(date!(2024 - 02 - 29), 1), date!(2023 - 02 - 28));
    }

    #[test]
    fn the_series_ends_with_the_current_month() {
        let m = series_months(date!(2026 - 03 - 15));
        assert_eq!(m.len(), SERIES_MONTHS);
        assert_eq!(m[0], (date!(2024 - 04 - 01), date!(2024 - 04 - 30)));
        assert_eq!(m[22], (date!(2026 - 02 - 01), date!(2026 - 02 - 28)));
        assert_eq!(m[23], (date!(2026 - 03 - 01), date!(2026 - 03 - 15)));
    }
}
