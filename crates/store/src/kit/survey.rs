//! Saved survey analyses declared once on the kit, and [`SurveyStore`] for every [`Backend`].

use async_trait::async_trait;
use berdaya_domain::registry::Id;

use super::{Backend, Listing, Record, Row, Sql, Value, Writable, create, get, job, page};
use crate::survey::{AnalysisSummary, AnalysisTitle, NewAnalysis, StoredAnalysis, SurveyStore, UploadedFile};
use crate::{Page, PageRequest, StoreResult};

/// Respondents, as stored (a whole number that cannot be negative).
fn respondents(row: &Row) -> StoreResult<u64> {
    Ok(u64::try_from(row.int("respondents")?).unwrap_or(0))
}

impl Record for StoredAnalysis {
    const TABLE: &'static str = "survey_analyses";
    const ALIAS: &'static str = "a";
    const ENTITY: &'static str = "analysis";
    const COLUMNS: &'static str = "id, title, instrument_name, instrument, responses_name, responses, alpha, \
                                   drop_incomplete, report_json, respondents, created_at";

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
            ("created_at", Value::Micros(super::to_micros(a.created_at))),
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
}
