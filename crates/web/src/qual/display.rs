//! Data display: the matrix of codes (or framework dimensions) × informants, informant
//! roles, sources, source types or program records, each cell counting codings and opening
//! them; code co-occurrence; coverage gaps (a dimension no informant role spoke to, a role
//! never interviewed, inhibiting factors with no effort); the factor → effort matrix by
//! dimension; and the matrix as a workbook.

use std::collections::HashMap;

use axum::Router;
use axum::extract::Query as UriQuery;
use axum::response::Response;
use axum::routing::get;
use berdaya_domain::framework::Framework;
use berdaya_domain::qual::display::{Cols, Facts, Key, Matrix, Rows, cell, cooccurrence, factor_effort, gaps, matrix};
use berdaya_domain::qual::{Code, Informant, Source, Study};
use berdaya_domain::registry::Id;
use berdaya_files::tables::{SheetTable, TableCell};

use super::{excerpt, page, study_of};
use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::extract::Cx;
use crate::html::{Cell, Link, Section, Table};
use crate::i18n::Lang;
use crate::kotaku::{Page, xlsx};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/qual/studies/{id}/matrix", get(matrix_page))
        .route("/qual/studies/{id}/matrix.xlsx", get(matrix_xlsx))
        .route("/qual/studies/{id}/cell", get(cell_page))
}

#[derive(serde::Deserialize, Default)]
pub struct MatrixQuery {
    #[serde(default)]
    rows: Option<String>,
    #[serde(default)]
    cols: Option<String>,
    #[serde(default)]
    row: Option<String>,
    #[serde(default)]
    col: Option<String>,
}

/// A study's material with the names a display shows.
pub struct Material {
    pub study: Study,
    pub facts: Facts,
    pub framework: Option<Framework>,
    pub codes: Vec<Code>,
    pub informants: Vec<Informant>,
    pub sources: Vec<Source>,
    /// Names of the program records the sources concern.
    pub records: HashMap<Key, String>,
    pub dimension_names: HashMap<Id, String>,
}

pub async fn material(state: &AppState, auth: &Auth, id: Id) -> Result<Material, Error> {
    let study = study_of(state, auth, id, false).await?;
    let store = state.store();
    let facts = store.facts(id, false).await?;
    let framework = match study.framework_id {
        Some(f) => Some(store.framework(f).await?),
        None => None,
    };
    let codes = store.codes(id).await?;
    let informants = store.informants(id).await?;
    let sources = store.sources(id).await?;
    let mut records = HashMap::new();
    for s in &sources {
        for &(k, rid) in &s.links {
            let key = Key::Record(k, rid);
            if let std::collections::hash_map::Entry::Vacant(e) = records.entry(key) {
                e.insert(format!("{}: {}", k.label("id"), super::studies::link_name(state, auth, k, rid).await));
            }
        }
    }
    let mut dimension_names: HashMap<Id, String> =
        framework.iter().flat_map(|f| f.dimensions.iter().map(|d| (d.id, d.name.clone()))).collect();
    let others: Vec<Id> =
        codes.iter().flat_map(|c| c.dimensions.iter().copied()).filter(|d| !dimension_names.contains_key(d)).collect();
    if !others.is_empty() {
        for d in store.dimensions("dimension_ids", &others).await? {
            dimension_names.insert(d.id, d.name);
        }
    }
    Ok(Material { study, facts, framework, codes, informants, sources, records, dimension_names })
}

impl Material {
    /// The dimensions a dimension matrix shows: the framework's, then any other a code uses.
    pub fn dimensions(&self) -> Vec<Id> {
        let mut out: Vec<Id> = self.framework.iter().flat_map(|f| f.dimensions.iter().map(|d| d.id)).collect();
        for c in &self.codes {
            for d in &c.dimensions {
                if !out.contains(d) {
                    out.push(*d);
                }
            }
        }
        out
    }

    pub fn name(&self, rows: Option<Rows>, k: &Key, lang: Lang) -> String {
        match (rows, k) {
            (Some(Rows::Codes), Key::Id(id)) => {
                self.codes.iter().find(|c| c.id == *id).map(|c| c.name.clone()).unwrap_or_default()
            }
            (Some(Rows::Dimensions), Key::Id(id)) => self.dimension_names.get(id).cloned().unwrap_or_default(),
            (_, Key::Role(r)) => r.clone(),
            (_, Key::Kind(k)) => k.label(lang.code()).to_string(),
            (_, Key::Record(..)) => self.records.get(k).cloned().unwrap_or_default(),
            (None, Key::Id(id)) => self
                .informants
                .iter()
                .find(|i| i.id == *id)
                .map(|i| format!("{} ({})", i.pseudonym, i.role))
                .or_else(|| self.sources.iter().find(|s| s.id == *id).map(|s| s.title.clone()))
                .unwrap_or_default(),
        }
    }

    fn col_name(&self, cols: Cols, k: &Key, lang: Lang) -> String {
        match (cols, k) {
            (Cols::Informants, Key::Id(id)) => self
                .informants
                .iter()
                .find(|i| i.id == *id)
                .map(|i| format!("{} ({})", i.pseudonym, i.role))
                .unwrap_or_default(),
            (Cols::Sources, Key::Id(id)) => {
                self.sources.iter().find(|s| s.id == *id).map(|s| s.title.clone()).unwrap_or_default()
            }
            _ => self.name(None, k, lang),
        }
    }
}

fn axes(q: &MatrixQuery) -> Result<(Rows, Cols), Error> {
    let rows = Rows::parse(q.rows.as_deref().unwrap_or("")).map_err(|m| Error::bad_request("row_axis", m))?;
    let cols = Cols::parse(q.cols.as_deref().unwrap_or("")).map_err(|m| Error::bad_request("col_axis", m))?;
    Ok((rows, cols))
}

fn the_matrix(m: &Material, rows: Rows, cols: Cols) -> Matrix {
    matrix(&m.facts, rows, &m.dimensions(), cols)
}

async fn matrix_view(state: &AppState, auth: &Auth, lang: Lang, id: Id, q: &MatrixQuery) -> Result<Page, Error> {
    let t = lang.tr();
    let (rows, cols) = axes(q)?;
    let m = material(state, auth, id).await?;
    let mut pg = page(lang, t.t("qual.matrix").into(), Some(&m.study));
    let mx = the_matrix(&m, rows, cols);
    // The choice of axes: links, one per combination.
    let mut choose = Section { id: "axes".into(), title: t.t("qual.axes").into(), ..Default::default() };
    for r in [Rows::Codes, Rows::Dimensions] {
        for c in [Cols::Informants, Cols::Roles, Cols::Sources, Cols::SourceKinds, Cols::Records] {
            let text =
                format!("{} × {}", t.t(&format!("qual.rows.{}", r.code())), t.t(&format!("qual.cols.{}", c.code())));
            let text = if (r, c) == (rows, cols) { format!("✔ {text}") } else { text };
            choose
                .links
                .push(Link::new(text, format!("/qual/studies/{id}/matrix?rows={}&cols={}", r.code(), c.code())));
        }
    }
    pg.sections.push(choose);
    pg.actions = vec![
        Link::new(t.t("qual.back_to_study"), format!("/qual/studies/{id}")),
        Link::new(
            t.t("qual.export_xlsx"),
            format!("/qual/studies/{id}/matrix.xlsx?rows={}&cols={}", rows.code(), cols.code()),
        ),
    ];
    let mut headers = vec![t.t(&format!("qual.rows.{}", rows.code())).to_string()];
    headers.extend(mx.cols.iter().map(|k| m.col_name(cols, k, lang)));
    headers.push(t.t("qual.total").into());
    let body: Vec<Vec<Cell>> = mx
        .rows
        .iter()
        .zip(&mx.counts)
        .map(|(rk, counts)| {
            let mut row = vec![Cell::text(m.name(Some(rows), rk, lang))];
            for (ck, n) in mx.cols.iter().zip(counts) {
                row.push(if *n == 0 {
                    Cell::text("·")
                } else {
                    Cell::link(
                        n.to_string(),
                        format!(
                            "/qual/studies/{id}/cell?rows={}&cols={}&row={}&col={}",
                            rows.code(),
                            cols.code(),
                            crate::html::enc(&rk.code()),
                            crate::html::enc(&ck.code())
                        ),
                    )
                });
            }
            row.push(Cell::text(counts.iter().map(|&n| u64::from(n)).sum::<u64>().to_string()));
            row
        })
        .collect();
    let title =
        format!("{} × {}", t.t(&format!("qual.rows.{}", rows.code())), t.t(&format!("qual.cols.{}", cols.code())));
    pg.sections.push(Section {
        id: "matrix".into(),
        title,
        table: Some(Table { sorts: Vec::new(), headers, rows: body, empty: t.t("qual.no_codings").into() }),
        ..Default::default()
    });

    // Coverage gaps over the study's dimensions and its planned roles.
    let dims = m.dimensions();
    let g = gaps(&m.facts, &dims, &m.study.planned_roles);
    let mut list = Vec::new();
    for d in &g.silent_dimensions {
        list.push(vec![
            Cell::text(t.t("qual.gap.silent_dimension")),
            Cell::text(m.dimension_names.get(d).cloned().unwrap_or_default()),
        ]);
    }
    for r in &g.roles_not_interviewed {
        list.push(vec![Cell::text(t.t("qual.gap.role_not_interviewed")), Cell::text(r.clone())]);
    }
    for d in &g.factors_without_effort {
        list.push(vec![
            Cell::text(t.t("qual.gap.no_effort")),
            Cell::text(m.dimension_names.get(d).cloned().unwrap_or_default()),
        ]);
    }
    pg.cards = vec![
        (t.t("qual.codings").into(), m.facts.codings.len().to_string()),
        (t.t("qual.gaps").into(), list.len().to_string()),
    ];
    pg.sections.push(Section::table(
        t,
        "gaps",
        t.t("qual.gaps"),
        &["qual.gap", "qual.what"],
        list,
        t.t("qual.no_gaps"),
    ));

    // Factor → effort by dimension.
    let fe = factor_effort(&m.facts, &dims);
    let rows_fe = fe
        .iter()
        .map(|r| {
            vec![
                Cell::text(m.dimension_names.get(&r.dimension).cloned().unwrap_or_default()),
                Cell::text(r.supporting.to_string()),
                Cell::text(r.inhibiting.to_string()),
                Cell::text(r.effort.to_string()),
                Cell::text(if r.inhibiting > 0 && r.effort == 0 { t.t("qual.flag_no_effort") } else { "" }),
            ]
        })
        .collect();
    pg.sections.push(Section::table(
        t,
        "factors",
        t.t("qual.factor_effort"),
        &["qual.rows.dimension", "qual.supporting", "qual.inhibiting", "qual.effort", "qual.flag"],
        rows_fe,
        t.t("qual.no_dimensions"),
    ));

    // Code co-occurrence: pairs of codes marking overlapping text.
    let co = cooccurrence(&m.facts.codings);
    let mut pairs: Vec<_> = co.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rows_co = pairs
        .iter()
        .take(100)
        .map(|((a, b), n)| {
            vec![
                Cell::text(m.name(Some(Rows::Codes), &Key::Id(*a), lang)),
                Cell::text(m.name(Some(Rows::Codes), &Key::Id(*b), lang)),
                Cell::text(n.to_string()),
            ]
        })
        .collect();
    pg.sections.push(Section::table(
        t,
        "cooccurrence",
        t.t("qual.cooccurrence"),
        &["qual.code_a", "qual.code_b", "qual.times"],
        rows_co,
        t.t("qual.no_cooccurrence"),
    ));
    Ok(pg)
}

async fn matrix_page(
    Cx { state, lang, auth }: Cx,
    axum::extract::Path(id): axum::extract::Path<String>,
    UriQuery(q): UriQuery<MatrixQuery>,
) -> Result<Response, Error> {
    let id = parse_id(&id).map_err(|e| e.page(lang))?;
    let pg = matrix_view(&state, &auth, lang, id, &q).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

fn parse_id(raw: &str) -> Result<Id, Error> {
    berdaya_domain::registry::text::id(raw).map_err(|_| crate::access::guard::hidden("study"))
}

async fn cell_page(
    Cx { state, lang, auth }: Cx,
    axum::extract::Path(id): axum::extract::Path<String>,
    UriQuery(q): UriQuery<MatrixQuery>,
) -> Result<Response, Error> {
    let pg = async {
        let id = parse_id(&id)?;
        let t = lang.tr();
        let (rows, cols) = axes(&q)?;
        let row = Key::parse(q.row.as_deref().unwrap_or("")).map_err(|m| Error::bad_request("row", m))?;
        let col = Key::parse(q.col.as_deref().unwrap_or("")).map_err(|m| Error::bad_request("col", m))?;
        let m = material(&state, &auth, id).await?;
        let ids = cell(&m.facts, rows, &row, cols, &col);
        let codings = state.store().codings(id).await?;
        let title = format!("{} × {}", m.name(Some(rows), &row, lang), m.col_name(cols, &col, lang));
        let mut pg = page(lang, title, Some(&m.study));
        pg.actions = vec![Link::new(
            t.t("qual.matrix"),
            format!("/qual/studies/{id}/matrix?rows={}&cols={}", rows.code(), cols.code()),
        )];
        let list = codings
            .iter()
            .filter(|g| ids.contains(&g.id))
            .map(|g| {
                let title = m.sources.iter().find(|s| s.id == g.source_id).map(|s| s.title.clone()).unwrap_or_default();
                vec![
                    Cell::link(title, format!("/qual/sources/{}#c{}", g.source_id, g.id)),
                    Cell::text(m.name(Some(Rows::Codes), &Key::Id(g.code_id), lang)),
                    Cell::text(excerpt(&g.quote, 240)),
                    Cell::text(g.memo.clone().unwrap_or_else(|| "—".into())),
                ]
            })
            .collect();
        pg.sections.push(Section::table(
            t,
            "codings",
            t.t("qual.codings"),
            &["qual.source", "field.code_id", "qual.quote", "field.memo"],
            list,
            t.t("qual.no_codings"),
        ));
        Ok::<_, Error>(pg)
    }
    .await
    .map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn matrix_xlsx(
    Cx { state, lang, auth }: Cx,
    axum::extract::Path(id): axum::extract::Path<String>,
    UriQuery(q): UriQuery<MatrixQuery>,
) -> Result<Response, Error> {
    let id = parse_id(&id).map_err(|e| e.page(lang))?;
    let (rows, cols) = axes(&q).map_err(|e| e.page(lang))?;
    let m = material(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let t = lang.tr();
    let mx = the_matrix(&m, rows, cols);
    let mut headers = vec![t.t(&format!("qual.rows.{}", rows.code())).to_string()];
    headers.extend(mx.cols.iter().map(|k| m.col_name(cols, k, lang)));
    headers.push(t.t("qual.total").into());
    let body = mx
        .rows
        .iter()
        .zip(&mx.counts)
        .map(|(rk, counts)| {
            let mut row = vec![TableCell::Text(m.name(Some(rows), rk, lang))];
            row.extend(counts.iter().map(|&n| TableCell::Count(u64::from(n))));
            row.push(TableCell::Count(counts.iter().map(|&n| u64::from(n)).sum()));
            row
        })
        .collect();
    let sheet = SheetTable { name: t.t("qual.matrix").into(), headers, rows: body };
    crate::access::guard::record_export(state.store(), "qual_studies", id, "matrix").await?;
    xlsx(&format!("matriks-studi-{id}-{}-{}.xlsx", rows.code(), cols.code()), &[sheet])
}
