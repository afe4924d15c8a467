//! PKH rules per program and year over HTTP, and the officers' calculator.
//!
//! `/programs/{id}/pkh/rules?year=YYYY` shows the year's rules (components and amounts, the
//! cap, ages, obligations, ladder, stages, decile range, welfare stage, caseload warning),
//! marked as the shipped default when the agency has stored none; program officers of the
//! program's agency and administrators edit them (a form for the amounts and thresholds, or
//! a whole JSON document pasted), download them as JSON and copy a year to the next. The API
//! twin is `GET`/`PUT /api/v1/programs/{id}/pkh/rules/{year}`.
//!
//! `/programs/{id}/pkh/simulate` takes the members CSV of `berdaya pkh simulate` and shows
//! each family's components with the reason of each, under the program's rules of the year
//! of the reference date.

use axum::extract::{Path, Query as UriQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::agriculture::aid::thousands;
use berdaya_domain::pkh::Component;
use berdaya_domain::pkh::components::Outcome;
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::registry::{Id, Program, WelfareStage, text};
use berdaya_files::pkh_contract::{self, ContractFileError};
use berdaya_store::pkh::rules::YearRules;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, forbidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, ViewPage, render, render_with, vocabulary};
use crate::i18n::Lang;
use crate::registry::crumbs;
use crate::registry::programs::readable_program;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/programs/{id}/pkh/rules/{year}", get(show_rules).put(save_rules))
        .route("/programs/{id}/pkh/rules", get(rules_page).post(edit_rules_page))
        .route("/programs/{id}/pkh/rules/upload", axum::routing::post(upload_rules_page))
        .route("/programs/{id}/pkh/rules/copy", axum::routing::post(copy_rules_page))
        .route("/programs/{id}/pkh/rules/{year}/download", get(download_rules))
        .route("/programs/{id}/pkh/simulate", get(simulate_page).post(simulate_post))
}

/// The OpenAPI paths and schemas of the PKH rules.
#[derive(OpenApi)]
#[openapi(
    paths(show_rules, save_rules),
    components(schemas(RulesDto, RulesInput)),
    tags((name = "pkh", description = "PKH, the conditional cash transfer"))
)]
pub struct PkhRulesApi;

/// A program's PKH rules for a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesDto {
    pub program_id: i64,
    pub year: i32,
    /// Whether the agency stored these rules; `false`: the shipped default, to be checked
    /// against the year's guidelines.
    pub stored: bool,
    /// The stored document's version (send it back to change it); `null` for the default.
    pub version: Option<i64>,
    /// The rules document (components and yearly amounts in whole rupiah, cap, ages,
    /// obligations, ladder, stages, decile range, welfare stage, caseload warning).
    #[schema(value_type = Object)]
    pub rules: PkhRules,
}

/// A rules document to store for a year.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RulesInput {
    /// The version read; `null` or absent when the year has no stored rules yet.
    #[serde(default)]
    pub version: Option<i64>,
    /// The document; its `year` must be the path's year.
    #[schema(value_type = Object)]
    pub rules: serde_json::Value,
}

fn dto(program_id: Id, y: YearRules) -> RulesDto {
    RulesDto { program_id, year: y.rules.year, stored: y.stored(), version: y.version, rules: y.rules }
}

/// Whether the caller changes the program's rules.
fn manages(auth: &Auth, program: &Program) -> bool {
    auth.principal().manages_program(program.agency_id)
}

fn year_of(raw: &str) -> Result<i32, Error> {
    match raw.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Ok(y),
        _ => Err(Error::bad_request("year", "must be a year between 2000 and 2100")),
    }
}

fn program_year(raw: &(String, String)) -> Result<(Id, i32), Error> {
    let id = text::id(&raw.0).map_err(|m| Error::bad_request("id", m))?;
    Ok((id, year_of(&raw.1)?))
}

/// A rules document from JSON: the wrong shape is a 422 naming `rules`, a broken rule one
/// naming the rule's field.
fn document(value: serde_json::Value, year: i32) -> Result<PkhRules, Error> {
    let rules: PkhRules = serde_json::from_value(value)
        .map_err(|e| Error::unprocessable("rules", format!("is not a PKH rules document: {e}")))?;
    if rules.year != year {
        return Err(Error::unprocessable("year", format!("the document is for {}, not {year}", rules.year)));
    }
    rules.check()?;
    Ok(rules)
}

/// A program's rules for a year: stored, or the shipped default.
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/rules/{year}", tag = "pkh",
    params(("id" = i64, Path, description = "Program id"), ("year" = i32, Path, description = "Year")),
    responses((status = 200, body = RulesDto), (status = 404, body = ErrorBody)))]
pub async fn show_rules(
    State(state): State<AppState>,
    auth: Auth,
    Path(raw): Path<(String, String)>,
) -> Result<Json<RulesDto>, Error> {
    let (id, year) = program_year(&raw)?;
    readable_program(&state, &auth, id).await?;
    Ok(Json(dto(id, state.store().pkh_rules(id, year).await?)))
}

/// Stores a program's rules for a year (program officers of its agency, administrators):
/// the document is checked whole, each broken rule named by its field; `version` must be the
/// one read (`null` for a year with no stored rules), else 409.
#[utoipa::path(put, path = "/api/v1/programs/{id}/pkh/rules/{year}", tag = "pkh", request_body = RulesInput,
    params(("id" = i64, Path, description = "Program id"), ("year" = i32, Path, description = "Year")),
    responses((status = 200, body = RulesDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_rules(
    State(state): State<AppState>,
    auth: Auth,
    Path(raw): Path<(String, String)>,
    body: JsonBody,
) -> Result<Json<RulesDto>, Error> {
    let (id, year) = program_year(&raw)?;
    let program = readable_program(&state, &auth, id).await?;
    auth.require(manages(&auth, &program))?;
    let input: RulesInput = body.decode()?;
    let rules = document(input.rules, year)?;
    Ok(Json(dto(id, state.store().save_pkh_rules(id, &rules, input.version).await?)))
}

// --- Pages -----------------------------------------------------------------------------------

fn this_year() -> i32 {
    crate::agriculture::machines::today().year()
}

#[derive(Debug, Default, Deserialize)]
struct YearParam {
    year: Option<String>,
}

fn page(lang: Lang, title: String, program: &Program, sections: Vec<Section>) -> ViewPage {
    let mut breadcrumbs = crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    ViewPage {
        l: Layout::new(lang, title.clone(), "programs"),
        heading: title,
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        sections,
    }
}

/// The edit form's values: one text per field.
#[derive(Debug, Clone, Default)]
struct RulesForm {
    amounts: Vec<(Component, String)>,
    max_counted: String,
    elderly_min_age: String,
    warning_after: String,
    suspended_after: String,
    terminated_after: String,
    decile_min: String,
    decile_max: String,
    max_welfare_stage: String,
    caseload_warning: String,
}

impl RulesForm {
    fn of(r: &PkhRules) -> Self {
        RulesForm {
            amounts: r.components.iter().map(|c| (c.component, c.annual.to_string())).collect(),
            max_counted: r.max_counted.to_string(),
            elderly_min_age: r.elderly_min_age.to_string(),
            warning_after: r.ladder.warning_after.to_string(),
            suspended_after: r.ladder.suspended_after.to_string(),
            terminated_after: r.ladder.terminated_after.to_string(),
            decile_min: r.decile_min.to_string(),
            decile_max: r.decile_max.to_string(),
            max_welfare_stage: r.max_welfare_stage.code().to_string(),
            caseload_warning: r.caseload_warning.to_string(),
        }
    }

    fn from_form(r: &PkhRules, form: &FormData) -> Self {
        RulesForm {
            amounts: r.components.iter().map(|c| (c.component, form.get(&format!("annual_{}", c.component)))).collect(),
            max_counted: form.get("max_counted"),
            elderly_min_age: form.get("elderly_min_age"),
            warning_after: form.get("warning_after"),
            suspended_after: form.get("suspended_after"),
            terminated_after: form.get("terminated_after"),
            decile_min: form.get("decile_min"),
            decile_max: form.get("decile_max"),
            max_welfare_stage: form.get("max_welfare_stage"),
            caseload_warning: form.get("caseload_warning"),
        }
    }

    /// The rules with the form's values; each unreadable value named by its field.
    fn apply(&self, mut r: PkhRules) -> Result<PkhRules, Error> {
        let mut errors: Vec<berdaya_domain::registry::FieldError> = Vec::new();
        let mut num = |field: &str, raw: &str| -> i64 {
            match raw.trim().replace(['.', ' '], "").parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    errors.push(berdaya_domain::registry::FieldError::new(field, "must be a whole number"));
                    0
                }
            }
        };
        for (component, raw) in &self.amounts {
            let n = num(&format!("annual_{component}"), raw);
            if let Some(c) = r.components.iter_mut().find(|c| c.component == *component) {
                c.annual = n;
            }
        }
        r.max_counted = u32::try_from(num("max_counted", &self.max_counted)).unwrap_or(0);
        r.elderly_min_age = i32::try_from(num("elderly_min_age", &self.elderly_min_age)).unwrap_or(0);
        r.ladder.warning_after = u32::try_from(num("warning_after", &self.warning_after)).unwrap_or(0);
        r.ladder.suspended_after = u32::try_from(num("suspended_after", &self.suspended_after)).unwrap_or(0);
        r.ladder.terminated_after = u32::try_from(num("terminated_after", &self.terminated_after)).unwrap_or(0);
        r.decile_min = u8::try_from(num("decile_min", &self.decile_min)).unwrap_or(0);
        r.decile_max = u8::try_from(num("decile_max", &self.decile_max)).unwrap_or(0);
        r.caseload_warning = u32::try_from(num("caseload_warning", &self.caseload_warning)).unwrap_or(0);
        match WelfareStage::parse(&self.max_welfare_stage) {
            Ok(s) => r.max_welfare_stage = s,
            Err(m) => errors.push(berdaya_domain::registry::FieldError::new("max_welfare_stage", m)),
        }
        if !errors.is_empty() {
            return Err(berdaya_domain::registry::Invalid(errors).into());
        }
        r.check()?;
        Ok(r)
    }
}

fn edit_form(lang: Lang, program_id: Id, year: i32, version: Option<i64>, f: &RulesForm) -> Form {
    let t = lang.tr();
    let mut fields: Vec<Field> = f
        .amounts
        .iter()
        .map(|(c, v)| {
            Field::text(&format!("annual_{c}"), &format!("{} (Rp/{})", c.label(lang.code()), t.t("pkh_rules.year")), v)
                .required()
        })
        .collect();
    let stages = vocabulary(WelfareStage::ALL, WelfareStage::code, WelfareStage::label, lang);
    let ages = vec![
        ("60".to_string(), t.t("pkh_rules.elderly_60").to_string()),
        ("70".to_string(), t.t("pkh_rules.elderly_70").to_string()),
    ];
    fields.extend([
        Field::text("max_counted", t.t("pkh_rules.max_counted"), &f.max_counted).required(),
        Field::select("elderly_min_age", t.t("pkh_rules.elderly_min_age"), &f.elderly_min_age, ages, None).required(),
        Field::text("warning_after", t.t("pkh_rules.warning_after"), &f.warning_after).required(),
        Field::text("suspended_after", t.t("pkh_rules.suspended_after"), &f.suspended_after).required(),
        Field::text("terminated_after", t.t("pkh_rules.terminated_after"), &f.terminated_after).required(),
        Field::text("decile_min", t.t("pkh_rules.decile_min"), &f.decile_min).required(),
        Field::text("decile_max", t.t("pkh_rules.decile_max"), &f.decile_max).required(),
        Field::select("max_welfare_stage", t.t("pkh_rules.max_welfare_stage"), &f.max_welfare_stage, stages, None)
            .required(),
        Field::text("caseload_warning", t.t("pkh_rules.caseload_warning"), &f.caseload_warning).required(),
    ]);
    let mut form = Form::new("rules", format!("/programs/{program_id}/pkh/rules"), t.t("pkh_rules.save"), fields)
        .hidden("year", year.to_string());
    if let Some(v) = version {
        form = form.hidden("version", v.to_string());
    }
    form
}

fn upload_form(lang: Lang, program_id: Id, year: i32, version: Option<i64>, doc: &str) -> Form {
    let t = lang.tr();
    let mut form = Form::new(
        "rules-json",
        format!("/programs/{program_id}/pkh/rules/upload"),
        t.t("pkh_rules.upload"),
        vec![Field::textarea("rules", t.t("pkh_rules.document"), doc).required().hint(t.t("pkh_rules.document_hint"))],
    )
    .hidden("year", year.to_string());
    if let Some(v) = version {
        form = form.hidden("version", v.to_string());
    }
    form
}

/// The sections showing a year's rules.
fn rules_sections(lang: Lang, r: &PkhRules) -> Vec<Section> {
    let t = lang.tr();
    let en = lang.code() == "en";
    let components = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("pkh_rules.component").into(),
            t.t("pkh_rules.annual").into(),
            t.t("pkh_rules.per_stage").into(),
        ],
        rows: r
            .components
            .iter()
            .map(|c| {
                let stages: Vec<String> = r.split(c.annual).into_iter().map(thousands).collect();
                vec![
                    Cell::text(c.component.label(lang.code())),
                    Cell::text(super::families::rupiah(c.annual)),
                    Cell::text(stages.join(" / ")),
                ]
            })
            .collect(),
        empty: t.t("pkh_rules.none").into(),
    };
    let obligations = Table {
        sorts: Vec::new(),
        headers: vec![t.t("pkh_rules.obligation").into(), t.t("pkh_rules.carried_by").into()],
        rows: r
            .obligations
            .iter()
            .map(|o| {
                let label = if en { &o.label_en } else { &o.label_id };
                let label = match o.min_attendance_pct {
                    Some(p) => format!("{label} (≥ {p}%)"),
                    None => label.clone(),
                };
                let by = if o.components.is_empty() {
                    t.t("pkh_rules.whole_family").to_string()
                } else {
                    o.components.iter().map(|c| c.label(lang.code())).collect::<Vec<_>>().join(", ")
                };
                vec![Cell::text(label), Cell::text(by)]
            })
            .collect(),
        empty: t.t("pkh_rules.none").into(),
    };
    let stages = Table {
        sorts: Vec::new(),
        headers: vec![t.t("pkh_rules.stage").into(), t.t("pkh_rules.months").into()],
        rows: r
            .stages
            .iter()
            .map(|s| vec![Cell::text(s.stage.to_string()), Cell::text(format!("{}–{}", s.first_month, s.last_month))])
            .collect(),
        empty: t.t("pkh_rules.none").into(),
    };
    let setting = |key: &str, value: String| vec![Cell::text(t.t(key)), Cell::text(value)];
    let settings = Table {
        sorts: Vec::new(),
        headers: vec![t.t("pkh_rules.setting").into(), t.t("pkh_rules.value").into()],
        rows: vec![
            setting("pkh_rules.max_counted", r.max_counted.to_string()),
            setting("pkh_rules.early_childhood_under", r.early_childhood_under.to_string()),
            setting("pkh_rules.school_ages", format!("{}–{}", r.school_min_age, r.school_max_age)),
            setting("pkh_rules.elderly_min_age", r.elderly_min_age.to_string()),
            setting("pkh_rules.postpartum_days", r.postpartum_days.to_string()),
            setting("pkh_rules.verification_months", r.verification_months.to_string()),
            setting("pkh_rules.warning_after", r.ladder.warning_after.to_string()),
            setting("pkh_rules.suspended_after", r.ladder.suspended_after.to_string()),
            setting("pkh_rules.terminated_after", r.ladder.terminated_after.to_string()),
            setting("pkh_rules.deciles", format!("{}–{}", r.decile_min, r.decile_max)),
            setting("pkh_rules.max_welfare_stage", r.max_welfare_stage.label(lang.code()).to_string()),
            setting("pkh_rules.caseload_warning", r.caseload_warning.to_string()),
        ],
        empty: t.t("pkh_rules.none").into(),
    };
    let section = |id: &str, title: &str, table: Table| Section {
        id: id.into(),
        title: t.t(title).into(),
        table: Some(table),
        ..Default::default()
    };
    vec![
        section("components", "pkh_rules.components", components),
        section("settings", "pkh_rules.settings", settings),
        section("obligations", "pkh_rules.obligations", obligations),
        section("stages", "pkh_rules.stages", stages),
    ]
}

/// Which form to show filled with what the user sent, after an error.
enum Sent {
    Edit(Box<RulesForm>),
    Upload(String),
}

async fn rules_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    program: &Program,
    year: i32,
    sent: Option<&Sent>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let y = store.pkh_rules(program.id, year).await?;
    let years = store.pkh_rule_years(program.id).await?;
    let mut sections = rules_sections(lang, &y.rules);
    let mut shown: Vec<i32> = years.clone();
    for extra in [year - 1, year, year + 1, this_year()] {
        if !shown.contains(&extra) && (2000..=2100).contains(&extra) {
            shown.push(extra);
        }
    }
    shown.sort_unstable();
    let mut links: Vec<Link> = shown
        .iter()
        .filter(|&&other| other != year)
        .map(|other| {
            let mark = if years.contains(other) { "" } else { " *" };
            Link::new(format!("{other}{mark}"), format!("/programs/{}/pkh/rules?year={other}", program.id))
        })
        .collect();
    links.push(Link::new(t.t("pkh_rules.download"), format!("/programs/{}/pkh/rules/{year}/download", program.id)));
    links.push(Link::new(t.t("pkh_rules.simulate"), format!("/programs/{}/pkh/simulate", program.id)));
    sections
        .insert(0, Section { id: "years".into(), title: t.t("pkh_rules.years").into(), links, ..Default::default() });
    if manages(auth, program) {
        let edit = match sent {
            Some(Sent::Edit(f)) => (**f).clone(),
            _ => RulesForm::of(&y.rules),
        };
        sections.push(Section {
            id: "edit".into(),
            title: t.t("pkh_rules.edit").into(),
            form: Some(edit_form(lang, program.id, year, y.version, &edit)),
            ..Default::default()
        });
        let doc = match sent {
            Some(Sent::Upload(d)) => d.clone(),
            _ => serde_json::to_string_pretty(&y.rules).unwrap_or_default(),
        };
        sections.push(Section {
            id: "upload".into(),
            title: t.t("pkh_rules.upload_title").into(),
            form: Some(upload_form(lang, program.id, year, y.version, &doc)),
            ..Default::default()
        });
        if year < 2100 {
            let copy = Form::new(
                "rules-copy",
                format!("/programs/{}/pkh/rules/copy", program.id),
                t.t("pkh_rules.copy"),
                vec![Field::text("to_year", t.t("pkh_rules.to_year"), (year + 1).to_string()).required()],
            )
            .hidden("year", year.to_string());
            sections.push(Section {
                id: "copy".into(),
                title: t.t("pkh_rules.copy_title").into(),
                form: Some(copy),
                ..Default::default()
            });
        }
    }
    let title = format!("{} {year} — {}", t.t("pkh_rules.title"), program.name);
    let mut view = page(lang, title, program, sections);
    if !y.stored() {
        view.warnings.push(t.t("pkh_rules.default_warning").to_string());
    }
    view.facts.push((
        t.t("pkh_rules.source").into(),
        Cell::text(if y.stored() { t.t("pkh_rules.stored") } else { t.t("pkh_rules.default") }),
    ));
    Ok(view)
}

async fn rules_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(q): UriQuery<YearParam>,
) -> Result<Response, Error> {
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => year_of(y).map_err(|e| e.page(lang))?,
        None => this_year(),
    };
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&rules_view(&state, &auth, lang, &program, year, None).await.map_err(|e| e.page(lang))?))
}

/// A managed program and the form's year, for the POST pages.
async fn managed(state: &AppState, auth: &Auth, lang: Lang, id: Id, form: &FormData) -> Result<(Program, i32), Error> {
    let program = readable_program(state, auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(auth, &program) {
        return Err(forbidden().page(lang));
    }
    let year = year_of(&form.get("year")).map_err(|e| e.page(lang))?;
    Ok((program, year))
}

/// Re-shows the rules page with `err` beside the form `form_id`.
#[allow(clippy::too_many_arguments)]
async fn with_error(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    program: &Program,
    year: i32,
    sent: Sent,
    form_id: &str,
    err: Error,
) -> Result<Response, Error> {
    if err.status().is_server_error() {
        return Err(err.page(lang));
    }
    let mut view = rules_view(state, auth, lang, program, year, Some(&sent)).await.map_err(|e| e.page(lang))?;
    let mut status = err.status();
    if let Some(f) = view.sections.iter_mut().find(|s| s.id == form_id).and_then(|s| s.form.as_mut()) {
        status = f.show_error(lang.tr(), &err);
    }
    Ok(render_with(status, &view))
}

async fn edit_rules_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let (program, year) = managed(&state, &auth, lang, id, &form).await?;
    let now = state.store().pkh_rules(id, year).await.map_err(|e| Error::from(e).page(lang))?;
    let sent = RulesForm::from_form(&now.rules, &form);
    let saved = match sent.apply(now.rules.clone()) {
        Ok(rules) => state.store().save_pkh_rules(id, &rules, form.version()).await.map_err(Error::from),
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/programs/{id}/pkh/rules?year={year}")).into_response()),
        Err(err) => with_error(&state, &auth, lang, &program, year, Sent::Edit(Box::new(sent)), "edit", err).await,
    }
}

async fn upload_rules_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let (program, year) = managed(&state, &auth, lang, id, &form).await?;
    let raw = form.get("rules");
    let saved = match serde_json::from_str::<serde_json::Value>(&raw) {
        _ if raw.trim().is_empty() => Err(Error::unprocessable("rules", "is required")),
        Ok(value) => match document(value, year) {
            Ok(rules) => state.store().save_pkh_rules(id, &rules, form.version()).await.map_err(Error::from),
            Err(e) => Err(e),
        },
        Err(e) => {
            Err(Error::unprocessable("rules", format!("is not valid JSON (line {}, column {})", e.line(), e.column())))
        }
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/programs/{id}/pkh/rules?year={year}")).into_response()),
        Err(err) => with_error(&state, &auth, lang, &program, year, Sent::Upload(raw), "upload", err).await,
    }
}

async fn copy_rules_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let (program, year) = managed(&state, &auth, lang, id, &form).await?;
    let store = state.store();
    let copied = async {
        let next = match form.get("to_year").trim().parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => y,
            _ => return Err(Error::unprocessable("to_year", "must be a year between 2000 and 2100")),
        };
        let from = store.pkh_rules(id, year).await?;
        let target = store.pkh_rules(id, next).await?;
        let mut rules = from.rules;
        rules.year = next;
        store.save_pkh_rules(id, &rules, target.version).await?;
        Ok(next)
    }
    .await;
    match copied {
        Ok(next) => Ok(Redirect::to(&format!("/programs/{id}/pkh/rules?year={next}")).into_response()),
        Err(e) => {
            let now = store.pkh_rules(id, year).await.map_err(|e| Error::from(e).page(lang))?;
            with_error(&state, &auth, lang, &program, year, Sent::Edit(Box::new(RulesForm::of(&now.rules))), "copy", e)
                .await
        }
    }
}

async fn download_rules(Cx { state, lang, auth }: Cx, Path(raw): Path<(String, String)>) -> Result<Response, Error> {
    let (id, year) = program_year(&raw).map_err(|e| e.page(lang))?;
    readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let y = state.store().pkh_rules(id, year).await.map_err(|e| Error::from(e).page(lang))?;
    let body = serde_json::to_string_pretty(&y.rules).unwrap_or_default();
    Ok((
        [
            (CONTENT_TYPE, "application/json".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"pkh-rules-{id}-{year}.json\"")),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

// --- Calculator ------------------------------------------------------------------------------

const EXAMPLE: &str = "family,person,birth_date,pregnant,school,disability\n\
KPM-1,Ibu,1990-05-01,1,none,none\n\
KPM-1,Anak 1,2014-02-10,0,sd,none\n\
KPM-1,Anak 2,2010-08-20,0,smp,none\n\
KPM-2,Kakek,1950-01-01,0,none,severe\n";

fn simulate_form(lang: Lang, program_id: Id, on: &str, members: &str) -> Form {
    let t = lang.tr();
    let limits = pkh_contract::limits();
    let hint = t
        .t("pkh_rules.members_hint")
        .replace("{rows}", &thousands(limits.max_rows as i64 - 1))
        .replace("{mb}", &(limits.max_file_bytes >> 20).to_string());
    Form::new(
        "simulate",
        format!("/programs/{program_id}/pkh/simulate"),
        t.t("pkh_rules.compute"),
        vec![
            Field::date("on", t.t("pkh_rules.on"), on).required(),
            Field::textarea("members", t.t("pkh_rules.members"), members).required().hint(&hint),
        ],
    )
}

async fn simulate_view(
    state: &AppState,
    lang: Lang,
    program: &Program,
    on_raw: &str,
    members: &str,
    computed: bool,
) -> Result<(ViewPage, Option<Error>), Error> {
    let t = lang.tr();
    let mut sections = Vec::new();
    let mut failure = None;
    if computed {
        let result = async {
            let on = text::date(on_raw).map_err(|m| Error::unprocessable("on", m))?;
            let families = pkh_contract::read_members(members.as_bytes(), on).map_err(file_error)?;
            let y = state.store().pkh_rules(program.id, on.year()).await?;
            Ok::<_, Error>((pkh_contract::simulate(families, on, &y.rules), y))
        }
        .await;
        match result {
            Ok((simulated, y)) => {
                let source = if y.stored() { t.t("pkh_rules.stored") } else { t.t("pkh_rules.default") };
                for s in &simulated {
                    let mut rows = Vec::new();
                    for line in &s.benefit.lines {
                        let outcome = match line.outcome {
                            Outcome::Counted => t.t("pkh_rules.counted").to_string(),
                            Outcome::OverCap { cap } => t.t("pkh_rules.over_cap").replace("{cap}", &cap.to_string()),
                            Outcome::Superseded { by } => {
                                t.t("pkh_rules.superseded").replace("{component}", by.label(lang.code()))
                            }
                        };
                        rows.push(vec![
                            Cell::text(s.person(line.person)),
                            Cell::text(line.component.label(lang.code())),
                            Cell::text(super::families::rupiah(line.annual)),
                            Cell::text(line.basis.describe(lang.code())),
                            Cell::text(outcome),
                        ]);
                    }
                    for miss in &s.benefit.near_misses {
                        rows.push(vec![
                            Cell::text(s.person(miss.person)),
                            Cell::text(miss.component.label(lang.code())),
                            Cell::text("—"),
                            Cell::text(crate::messages::translate(lang, &miss.rule)),
                            Cell::text(t.t("pkh_rules.not_eligible")),
                        ]);
                    }
                    let stages: Vec<String> = s.benefit.per_stage.iter().map(|a| thousands(*a)).collect();
                    rows.push(vec![
                        Cell::text(t.t("pkh_rules.total")),
                        Cell::text(""),
                        Cell::text(super::families::rupiah(s.benefit.annual)),
                        Cell::text(format!("{}: {}", t.t("pkh_rules.per_stage"), stages.join(" / "))),
                        Cell::text(""),
                    ]);
                    sections.push(Section {
                        id: format!("family-{}", sections.len() + 1),
                        title: format!("{} ({} {}, {source})", s.family.family, t.t("pkh_rules.title"), y.rules.year),
                        table: Some(Table {
                            sorts: Vec::new(),
                            headers: vec![
                                t.t("pkh_rules.person").into(),
                                t.t("pkh_rules.component").into(),
                                t.t("pkh_rules.annual").into(),
                                t.t("pkh_rules.basis").into(),
                                t.t("pkh_rules.outcome").into(),
                            ],
                            rows,
                            empty: t.t("pkh_rules.none").into(),
                        }),
                        ..Default::default()
                    });
                }
            }
            Err(e) if e.status().is_server_error() => return Err(e),
            Err(e) => failure = Some(e),
        }
    }
    let members = if members.is_empty() && !computed { EXAMPLE } else { members };
    let on = if on_raw.is_empty() && !computed {
        crate::agriculture::machines::today().to_string()
    } else {
        on_raw.to_string()
    };
    sections.insert(
        0,
        Section {
            id: "calculator".into(),
            title: t.t("pkh_rules.calculator").into(),
            form: Some(simulate_form(lang, program.id, &on, members)),
            links: vec![Link::new(t.t("pkh_rules.title"), format!("/programs/{}/pkh/rules", program.id))],
            ..Default::default()
        },
    );
    let title = format!("{} — {}", t.t("pkh_rules.calculator"), program.name);
    Ok((page(lang, title, program, sections), failure))
}

/// A refused file: the first row errors as the fields of one error on `members`.
fn file_error(e: ContractFileError) -> Error {
    match &e {
        ContractFileError::Rows { .. } => {
            let fields =
                e.lines().into_iter().map(|line| berdaya_domain::registry::FieldError::new("members", line)).collect();
            berdaya_domain::registry::Invalid(fields).into()
        }
        _ => Error::unprocessable("members", e.to_string()),
    }
}

async fn simulate_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let (view, _) = simulate_view(&state, lang, &program, "", "", false).await.map_err(|e| e.page(lang))?;
    Ok(render(&view))
}

async fn simulate_post(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let (mut view, failure) = simulate_view(&state, lang, &program, &form.get("on"), &form.get("members"), true)
        .await
        .map_err(|e| e.page(lang))?;
    match failure {
        None => Ok(render(&view)),
        Some(err) => {
            let mut status = err.status();
            if let Some(f) = view.sections.iter_mut().find(|s| s.id == "calculator").and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &err);
            }
            Ok(render_with(status, &view))
        }
    }
}
