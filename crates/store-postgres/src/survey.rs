//! The survey tables: saved analyses with their uploaded files and report.

use async_trait::async_trait;
use berdaya_domain::registry::Id;
use berdaya_store::survey::{AnalysisSummary, NewAnalysis, StoredAnalysis, SurveyStore, UploadedFile, to_micros};
use berdaya_store::{COUNT_CAP, Page, PageRequest, StoreError, StoreResult};
use sqlx::postgres::PgRow;

use crate::PgStore;
use crate::error::db;
use crate::registry::get;

fn count(row: &PgRow, col: &str) -> StoreResult<u64> {
    let n: i64 = get(row, col)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn analysis_from(row: &PgRow) -> StoreResult<StoredAnalysis> {
    Ok(StoredAnalysis {
        id: get(row, "id")?,
        title: get(row, "title")?,
        instrument: UploadedFile { name: get(row, "instrument_name")?, bytes: get(row, "instrument")? },
        responses: UploadedFile { name: get(row, "responses_name")?, bytes: get(row, "responses")? },
        alpha: get(row, "alpha")?,
        drop_incomplete: get(row, "drop_incomplete")?,
        report_json: get(row, "report_json")?,
        respondents: count(row, "respondents")?,
        created_at: get(row, "created_at")?,
    })
}

fn summary_from(row: &PgRow) -> StoreResult<AnalysisSummary> {
    Ok(AnalysisSummary {
        id: get(row, "id")?,
        title: get(row, "title")?,
        instrument_name: get(row, "instrument_name")?,
        responses_name: get(row, "responses_name")?,
        alpha: get(row, "alpha")?,
        drop_incomplete: get(row, "drop_incomplete")?,
        respondents: count(row, "respondents")?,
        created_at: get(row, "created_at")?,
    })
}

const ALL_COLS: &str = "id, title, instrument_name, instrument, responses_name, responses, alpha, drop_incomplete, \
                        report_json, respondents, created_at";

#[async_trait]
impl SurveyStore for PgStore {
    #[tracing::instrument(skip_all)]
    async fn save_analysis(&self, a: &NewAnalysis) -> StoreResult<StoredAnalysis> {
        let sql = format!(
            "INSERT INTO survey_analyses (title, instrument_name, instrument, responses_name, responses, alpha, \
             drop_incomplete, report_json, respondents, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {ALL_COLS}"
        );
        let mut w = self.write().await?;
        let row = sqlx::query(&sql)
            .bind(a.title.as_str())
            .bind(&a.instrument.name)
            .bind(&a.instrument.bytes)
            .bind(&a.responses.name)
            .bind(&a.responses.bytes)
            .bind(a.alpha)
            .bind(a.drop_incomplete)
            .bind(&a.report_json)
            .bind(i64::try_from(a.respondents).unwrap_or(i64::MAX))
            .bind(to_micros(a.created_at))
            .fetch_one(&mut *w)
            .await
            .map_err(db)?;
        let stored = analysis_from(&row)?;
        w.commit().await?;
        Ok(stored)
    }

    #[tracing::instrument(skip(self))]
    async fn analysis(&self, id: Id) -> StoreResult<StoredAnalysis> {
        let row = sqlx::query(&format!("SELECT {ALL_COLS} FROM survey_analyses WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound { entity: "analysis" })?;
        analysis_from(&row)
    }

    #[tracing::instrument(skip(self))]
    async fn list_analyses(&self, page: PageRequest) -> StoreResult<Page<AnalysisSummary>> {
        let counted: i64 = sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM survey_analyses LIMIT $1) AS t")
            .bind(COUNT_CAP as i64 + 1)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        let rows = sqlx::query(
            "SELECT id, title, instrument_name, responses_name, alpha, drop_incomplete, respondents, created_at \
             FROM survey_analyses ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.per_page))
        .bind(page.offset() as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let items = rows.iter().map(summary_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::new(items, page, u64::try_from(counted).unwrap_or(0)))
    }
}
