//! Storage of survey analyses: the uploaded instrument and responses (kept so an analysis can
//! be re-run), the options it ran with, and its report as JSON text. A large responses file
//! is not a database value: it stays in the server's survey files directory and the row
//! names it ([`StoredFile`]), so neither saving nor downloading holds it whole in memory.

use async_trait::async_trait;
use berdaya_domain::registry::{Id, Invalid};
use berdaya_domain::survey::link::FactsMap;
use time::OffsetDateTime;

use crate::registry::Query;
use crate::{Page, PageRequest, StoreResult};

/// The title an evaluator gives an analysis: trimmed, 1 to [`AnalysisTitle::MAX_CHARS`]
/// characters, no control characters. [`AnalysisTitle::parse`] is the only way to make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisTitle(String);

impl AnalysisTitle {
    /// The longest title accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Checks and trims a title; the error names the field `title`.
    pub fn parse(raw: &str) -> Result<AnalysisTitle, Invalid> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(Invalid::one("title", "is required"));
        }
        if t.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::one("title", format!("is longer than {} characters", Self::MAX_CHARS)));
        }
        if t.chars().any(char::is_control) {
            return Err(Invalid::one("title", "contains control characters"));
        }
        Ok(AnalysisTitle(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for AnalysisTitle {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for AnalysisTitle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An uploaded file: the name the user gave it and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// The file's name as uploaded (shortened to 255 characters by the caller).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An uploaded file kept on disk in the server's survey files directory, named by the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The file's name inside the survey files directory (made by the server, never the
    /// user's file name).
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// An analysis to save: what was uploaded, how it ran, and the report it produced.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAnalysis {
    pub title: AnalysisTitle,
    /// The XLSForm instrument workbook.
    pub instrument: UploadedFile,
    /// The responses, CSV or XLSX: its name, and its bytes unless `responses_file` is set.
    pub responses: UploadedFile,
    /// Where the responses are kept when they are on disk rather than in the row (then
    /// `responses.bytes` is empty). Analyses saved before there was a files directory hold
    /// their bytes in the row.
    pub responses_file: Option<StoredFile>,
    /// Significance level the analysis used.
    pub alpha: f64,
    /// Whether respondents with bad answers were dropped rather than refused.
    pub drop_incomplete: bool,
    /// The report, serialized as JSON.
    pub report_json: String,
    /// Respondents analysed.
    pub respondents: u64,
    /// When it ran. Stored to the microsecond, read back in UTC.
    pub created_at: OffsetDateTime,
}

/// A saved analysis with everything needed to show or re-run it: the analysis as it was
/// saved, and its id. Reads through to the analysis (`saved.title`, `saved.report_json`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnalysis {
    pub id: Id,
    pub analysis: NewAnalysis,
}

impl std::ops::Deref for StoredAnalysis {
    type Target = NewAnalysis;

    fn deref(&self) -> &NewAnalysis {
        &self.analysis
    }
}

/// An analysis in a listing: no file bytes, no report.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSummary {
    pub id: Id,
    pub title: String,
    pub instrument_name: String,
    pub responses_name: String,
    pub alpha: f64,
    pub drop_incomplete: bool,
    pub respondents: u64,
    pub created_at: OffsetDateTime,
}

pub use crate::kit::to_micros;

#[async_trait]
pub trait SurveyStore {
    /// Saves an analysis in one statement; answers it as stored (with its id).
    async fn save_analysis(&self, analysis: &NewAnalysis) -> StoreResult<StoredAnalysis>;
    /// One analysis with its files and report; [`crate::StoreError::NotFound`] if none.
    async fn analysis(&self, id: Id) -> StoreResult<StoredAnalysis>;
    /// Saved analyses, newest first (by `created_at`, then by id).
    async fn list_analyses(&self, page: PageRequest) -> StoreResult<Page<AnalysisSummary>>;
    /// What the registry records about the people survey respondents name (`keys`: 16-digit
    /// NIKs or person ids, as the response file holds them), for factors taken from the
    /// registry. Only people `scope` lets the caller see are found (its `region` and
    /// `within`; other fields are ignored); anyone else is left out exactly like an unknown
    /// key. A person's land area is the sum of their registered land parcels (input aid),
    /// none when they have none.
    async fn person_facts(&self, keys: &[String], scope: &Query) -> StoreResult<FactsMap>;
}

/// How many keys one statement asks for.
const FACTS_BATCH: usize = 500;

// --- Declared on the store kit ---------------------------------------------------------

mod on_kit {
    //! The tables, row mapping and queries of this capability, declared once on the store
    //! kit for both backends.

    use super::*;
    use async_trait::async_trait;
    use berdaya_domain::registry::Id;

    use std::collections::BTreeMap;

    use berdaya_domain::survey::link::PersonFacts;

    use crate::kit::{
        Backend, Conn, Listing, Record, Row, Sql, Type, Value, Where, Writable, create, get, job, page, rows, subtree,
    };
    use crate::registry::people_within;
    use crate::{Page, PageRequest, StoreResult};

    /// One batch of keys: the people (within the scope) whose NIK or id is among them, with
    /// their group memberships.
    async fn facts_batch(
        c: &mut dyn Conn,
        niks: &[i64],
        ids: &[i64],
        scope: &Query,
        out: &mut FactsMap,
    ) -> StoreResult<()> {
        let mut w = Where::default();
        let mut by_key = Sql::new("(");
        by_key.push("p.nik IN ").list(niks.iter().copied().chain(std::iter::once(-1)));
        by_key.push(" OR p.id IN ").list(ids.iter().copied().chain(std::iter::once(-1))).push(")");
        w.and(by_key);
        let from = match &scope.region {
            Some(r) => {
                w.and(subtree("h.region", r.as_str()));
                "FROM people p JOIN households h ON h.id = p.household_id"
            }
            None => "FROM people p",
        };
        if let Some(within) = scope.within {
            let mut cond = Sql::new("p.id IN (");
            cond.append(&people_within(within)).push(")");
            w.and(cond);
        }
        let mut sql = Sql::new(format!("SELECT p.id, p.nik, p.birth_date {from}"));
        sql.append(&w.to_sql());
        let people = rows(c, &sql).await?;
        if people.is_empty() {
            return Ok(());
        }
        let mut found: BTreeMap<i64, (i64, PersonFacts)> = BTreeMap::new();
        for row in &people {
            let id = row.int("id")?;
            let facts = PersonFacts {
                person_id: id.to_string(),
                birth_date: row.opt_date("birth_date")?,
                groups: Vec::new(),
                land_area_m2: None,
            };
            found.insert(id, (row.int("nik")?, facts));
        }
        let mut sql = Sql::new(
            "SELECT m.person_id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.person_id IN ",
        );
        sql.list(found.keys().copied()).push(" ORDER BY m.person_id, g.name");
        for row in rows(c, &sql).await? {
            if let Some((_, f)) = found.get_mut(&row.int("person_id")?) {
                f.groups.push(row.text("name")?);
            }
        }
        let ids: Vec<i64> = found.keys().copied().collect();
        for (id, area) in crate::agriculture::aid::land_areas(c, &ids).await? {
            if let Some((_, f)) = found.get_mut(&id) {
                // Whole square metres, exactly representable.
                f.land_area_m2 = Some(area as f64);
            }
        }
        for (id, (nik, facts)) in found {
            let (nik, id) = (format!("{nik:016}"), id.to_string());
            out.insert(&[nik.as_str(), id.as_str()], facts);
        }
        Ok(())
    }

    /// Respondents, as stored (a whole number that cannot be negative).
    fn respondents(row: &Row) -> StoreResult<u64> {
        Ok(u64::try_from(row.int("respondents")?).unwrap_or(0))
    }

    impl Record for StoredAnalysis {
        const TABLE: &'static str = "survey_analyses";
        const ALIAS: &'static str = "a";
        const ENTITY: &'static str = "analysis";
        const COLUMNS: &'static str = "id, title, instrument_name, instrument, responses_name, responses, alpha, \
                                       drop_incomplete, report_json, respondents, created_at, responses_file, \
                                       responses_size";

        fn from_row(row: &Row) -> StoreResult<StoredAnalysis> {
            let analysis = NewAnalysis {
                title: row.parsed("title", AnalysisTitle::parse)?,
                instrument: UploadedFile { name: row.text("instrument_name")?, bytes: row.bytes("instrument")? },
                responses: UploadedFile { name: row.text("responses_name")?, bytes: row.bytes("responses")? },
                alpha: row.real("alpha")?,
                drop_incomplete: row.bool("drop_incomplete")?,
                report_json: row.text("report_json")?,
                respondents: respondents(row)?,
                created_at: row.time("created_at")?,
                responses_file: match row.opt_text("responses_file")? {
                    Some(key) => Some(StoredFile {
                        key,
                        size: u64::try_from(row.opt_int("responses_size")?.unwrap_or(0)).unwrap_or(0),
                    }),
                    None => None,
                },
            };
            Ok(StoredAnalysis { id: row.int("id")?, analysis })
        }
    }

    impl Writable for StoredAnalysis {
        type New = NewAnalysis;

        fn values(a: &NewAnalysis) -> Vec<(&'static str, Value)> {
            vec![
                ("title", a.title.as_str().into()),
                ("instrument_name", a.instrument.name.as_str().into()),
                ("instrument", a.instrument.bytes.clone().into()),
                ("responses_name", a.responses.name.as_str().into()),
                ("responses", a.responses.bytes.clone().into()),
                ("alpha", a.alpha.into()),
                ("drop_incomplete", a.drop_incomplete.into()),
                ("report_json", a.report_json.as_str().into()),
                ("respondents", i64::try_from(a.respondents).unwrap_or(i64::MAX).into()),
                ("created_at", Value::Micros(crate::kit::to_micros(a.created_at))),
                (
                    "responses_file",
                    a.responses_file.as_ref().map_or(Value::Null(Type::Text), |f| f.key.as_str().into()),
                ),
                (
                    "responses_size",
                    a.responses_file
                        .as_ref()
                        .map_or(Value::Null(Type::Int), |f| i64::try_from(f.size).unwrap_or(i64::MAX).into()),
                ),
            ]
        }
    }

    /// An analysis in a listing: the same table, without the files and the report.
    impl Record for AnalysisSummary {
        const TABLE: &'static str = "survey_analyses";
        const ALIAS: &'static str = "a";
        const ENTITY: &'static str = "analysis";
        const COLUMNS: &'static str =
            "id, title, instrument_name, responses_name, alpha, drop_incomplete, respondents, created_at";

        fn from_row(row: &Row) -> StoreResult<AnalysisSummary> {
            Ok(AnalysisSummary {
                id: row.int("id")?,
                title: row.text("title")?,
                instrument_name: row.text("instrument_name")?,
                responses_name: row.text("responses_name")?,
                alpha: row.real("alpha")?,
                drop_incomplete: row.bool("drop_incomplete")?,
                respondents: respondents(row)?,
                created_at: row.time("created_at")?,
            })
        }
    }

    #[async_trait]
    impl<B: Backend> SurveyStore for B {
        async fn save_analysis(&self, analysis: &NewAnalysis) -> StoreResult<StoredAnalysis> {
            let a = analysis.clone();
            self.write(job(move |c| Box::pin(async move { create::<StoredAnalysis>(c, &a).await }))).await
        }

        async fn analysis(&self, id: Id) -> StoreResult<StoredAnalysis> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn list_analyses(&self, page_req: PageRequest) -> StoreResult<Page<AnalysisSummary>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let listing = Listing {
                        select: Sql::new(format!("SELECT {}", AnalysisSummary::columns())),
                        from: Sql::new(format!("FROM {} {}", AnalysisSummary::TABLE, AnalysisSummary::ALIAS)),
                        order: Sql::new("a.created_at DESC, a.id DESC"),
                        page: page_req,
                    };
                    page(c, &listing, AnalysisSummary::from_row).await
                })
            }))
            .await
        }

        async fn person_facts(&self, keys: &[String], scope: &Query) -> StoreResult<FactsMap> {
            // A 16-digit key is a NIK, a shorter number a person id; anything else names no one.
            let (mut niks, mut ids) = (Vec::new(), Vec::new());
            for k in keys {
                let k = k.trim();
                if k.is_empty() || !k.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                match (k.len(), k.parse::<i64>()) {
                    (16, Ok(n)) => niks.push(n),
                    (1..=15, Ok(n)) => ids.push(n),
                    _ => {}
                }
            }
            niks.sort_unstable();
            niks.dedup();
            ids.sort_unstable();
            ids.dedup();
            let scope = scope.clone();
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut out = FactsMap::default();
                    for n in niks.chunks(FACTS_BATCH) {
                        facts_batch(c, n, &[], &scope, &mut out).await?;
                    }
                    for i in ids.chunks(FACTS_BATCH) {
                        facts_batch(c, &[], i, &scope, &mut out).await?;
                    }
                    Ok(out)
                })
            }))
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_checked() {
        assert_eq!(AnalysisTitle::parse("  Desa Pilang 2024 ").map(|t| t.to_string()), Ok("Desa Pilang 2024".into()));
        assert!(AnalysisTitle::parse("   ").is_err());
        assert!(AnalysisTitle::parse(&"a".repeat(201)).is_err());
        assert!(AnalysisTitle::parse(&"é".repeat(200)).is_ok());
        assert!(AnalysisTitle::parse("a\u{0}b").is_err());
    }
}
