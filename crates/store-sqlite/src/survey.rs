//! The survey tables: saved analyses with their uploaded files and report.

use async_trait::async_trait;
use berdaya_domain::registry::Id;
use berdaya_store::survey::{AnalysisSummary, NewAnalysis, StoredAnalysis, SurveyStore, UploadedFile, to_micros};
use berdaya_store::{COUNT_CAP, Page, PageRequest, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

use crate::{SqliteStore, backend};

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(to_micros(t).unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

fn time_at(row: &Row, col: &str) -> rusqlite::Result<OffsetDateTime> {
    let us: i64 = row.get(col)?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            format!("stored {col} is invalid: {e}").into(),
        )
    })
}

fn count(row: &Row, col: &str) -> rusqlite::Result<u64> {
    let n: i64 = row.get(col)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn analysis_from(row: &Row) -> rusqlite::Result<StoredAnalysis> {
    Ok(StoredAnalysis {
        id: row.get("id")?,
        title: row.get("title")?,
        instrument: UploadedFile { name: row.get("instrument_name")?, bytes: row.get("instrument")? },
        responses: UploadedFile { name: row.get("responses_name")?, bytes: row.get("responses")? },
        alpha: row.get("alpha")?,
        drop_incomplete: row.get("drop_incomplete")?,
        report_json: row.get("report_json")?,
        respondents: count(row, "respondents")?,
        created_at: time_at(row, "created_at_us")?,
    })
}

fn summary_from(row: &Row) -> rusqlite::Result<AnalysisSummary> {
    Ok(AnalysisSummary {
        id: row.get("id")?,
        title: row.get("title")?,
        instrument_name: row.get("instrument_name")?,
        responses_name: row.get("responses_name")?,
        alpha: row.get("alpha")?,
        drop_incomplete: row.get("drop_incomplete")?,
        respondents: count(row, "respondents")?,
        created_at: time_at(row, "created_at_us")?,
    })
}

const ALL_COLS: &str = "id, title, instrument_name, instrument, responses_name, responses, alpha, drop_incomplete, \
                        report_json, respondents, created_at_us";

#[async_trait]
impl SurveyStore for SqliteStore {
    async fn save_analysis(&self, a: &NewAnalysis) -> StoreResult<StoredAnalysis> {
        let a = a.clone();
        self.write(move |c| {
            let sql = format!(
                "INSERT INTO survey_analyses (title, instrument_name, instrument, responses_name, responses, alpha, \
                 drop_incomplete, report_json, respondents, created_at_us) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING {ALL_COLS}"
            );
            c.query_row(
                &sql,
                params![
                    a.title.as_str(),
                    a.instrument.name,
                    a.instrument.bytes,
                    a.responses.name,
                    a.responses.bytes,
                    a.alpha,
                    a.drop_incomplete,
                    a.report_json,
                    i64::try_from(a.respondents).unwrap_or(i64::MAX),
                    micros(a.created_at),
                ],
                analysis_from,
            )
            .map_err(backend)
        })
        .await
    }

    async fn analysis(&self, id: Id) -> StoreResult<StoredAnalysis> {
        self.call(move |c| {
            c.query_row(&format!("SELECT {ALL_COLS} FROM survey_analyses WHERE id = ?1"), [id], analysis_from)
                .optional()
                .map_err(backend)?
                .ok_or(StoreError::NotFound { entity: "analysis" })
        })
        .await
    }

    async fn list_analyses(&self, page: PageRequest) -> StoreResult<Page<AnalysisSummary>> {
        self.call(move |c| {
            let counted: i64 = c
                .query_row(
                    "SELECT count(*) FROM (SELECT 1 FROM survey_analyses LIMIT ?1)",
                    [COUNT_CAP as i64 + 1],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            let mut stmt = c
                .prepare_cached(
                    "SELECT id, title, instrument_name, responses_name, alpha, drop_incomplete, respondents, \
                     created_at_us FROM survey_analyses ORDER BY created_at_us DESC, id DESC LIMIT ?1 OFFSET ?2",
                )
                .map_err(backend)?;
            let items = stmt
                .query_map(params![i64::from(page.per_page), page.offset() as i64], summary_from)
                .map_err(backend)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend)?;
            Ok(Page::new(items, page, u64::try_from(counted).unwrap_or(0)))
        })
        .await
    }
}
