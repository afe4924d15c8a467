//! Individuals over HTTP: search by name prefix or NIK, view (with NIK mismatches as
//! warnings), create and edit.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use berdaya_domain::access::RecordAccess;
use berdaya_domain::registry::{
    Disability, Education, Id, NewPerson, NikMismatch, Person, PersonDraft, RegionCode, Relation, Sex, Subject,
    SubjectKind,
};
use berdaya_store::{Page, Query};
use serde::Serialize;
use utoipa::ToSchema;

use super::enrollments::subject_history_section;
use super::iso;
use super::programs::{SubjectEnrollmentDto, enrollments_section};
use crate::AppState;
use crate::access::guard::{Auth, identity_checked, record_reveal};
use crate::error::{Error, ErrorBody};
use crate::extract::{FormData, IdPath, ListParams};
use crate::html::{Cell, Field, ViewPage, vocabulary};
use crate::i18n::Lang;
use crate::kit::{self, ApiDoc, Column, Filter, Mode, Resource, link_if, refs, view_shell};

pub fn router() -> Router<AppState> {
    kit::router::<People>().route("/api/v1/people/{id}/enrollments", get(enrollments))
}

/// How the NIK disagrees with the record: a warning, not a refusal.
#[derive(Debug, Serialize, ToSchema)]
pub struct NikWarningDto {
    /// `sex`, `birth_date` or `region`.
    pub kind: String,
    pub message: String,
}

impl From<&NikMismatch> for NikWarningDto {
    fn from(m: &NikMismatch) -> Self {
        let kind = match m {
            NikMismatch::Sex { .. } => "sex",
            NikMismatch::BirthDate { .. } => "birth_date",
            NikMismatch::Region { .. } => "region",
        };
        NikWarningDto { kind: kind.into(), message: m.to_string() }
    }
}

/// An individual, with the full NIK when the role may see it, and how the NIK disagrees with
/// the record.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    #[serde(flatten)]
    pub person: PersonSummaryDto,
    pub education: String,
    pub occupation: Option<String>,
    pub disability: String,
    pub version: i64,
    /// Checked against the recorded sex, birth date and the household's region.
    pub nik_mismatches: Vec<NikWarningDto>,
}

impl PersonDto {
    fn new(p: Person, region: Option<&RegionCode>, access: RecordAccess) -> PersonDto {
        let nik_mismatches = p.nik_mismatches(region).iter().map(NikWarningDto::from).collect();
        let nik = if access == RecordAccess::Full { p.nik.reveal() } else { p.nik.masked() };
        PersonDto {
            education: p.education.code().into(),
            occupation: p.occupation.clone(),
            disability: p.disability.code().into(),
            version: p.version,
            nik_mismatches,
            person: PersonSummaryDto::with_nik(p, nik),
        }
    }
}

/// An individual in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummaryDto {
    pub id: i64,
    /// Masked (`3316••••••••0012`) in a listing; the 16 digits where the role may see them.
    pub nik: String,
    pub household_id: Option<i64>,
    pub name: String,
    /// `male` or `female`.
    pub sex: String,
    pub birth_date: String,
    pub relation: String,
}

impl PersonSummaryDto {
    fn with_nik(p: Person, nik: String) -> Self {
        PersonSummaryDto {
            id: p.id,
            nik,
            household_id: p.household_id,
            name: p.name,
            sex: p.sex.code().into(),
            birth_date: iso(p.birth_date),
            relation: p.relation.code().into(),
        }
    }
}

impl From<Person> for PersonSummaryDto {
    fn from(p: Person) -> Self {
        let nik = p.nik.masked();
        PersonSummaryDto::with_nik(p, nik)
    }
}

/// The region of a person's household, for the NIK check.
async fn household_region(state: &AppState, p: &Person) -> Option<RegionCode> {
    match p.household_id {
        Some(h) => state.store().household(h).await.ok().map(|h| h.region),
        None => None,
    }
}

/// The person as `access` allows; a full NIK is recorded as a reveal.
async fn dto(state: &AppState, p: Person, access: RecordAccess) -> Result<PersonDto, Error> {
    if access == RecordAccess::Full {
        record_reveal(state.store(), "people", p.id, "nik").await?;
    }
    let region = household_region(state, &p).await;
    Ok(PersonDto::new(p, region.as_ref(), access))
}

/// A new or changed person must belong to a household the principal may change; a person
/// without a household only to a national user who may create records.
async fn check_household(state: &AppState, auth: &Auth, household_id: Option<Id>) -> Result<(), Error> {
    match household_id {
        Some(h) => auth.household_ref(state.store(), "household_id", h).await.map(|_| ()),
        None if auth.principal().user.area.is_none() && auth.principal().creates_registry() => Ok(()),
        None => Err(Error::unprocessable("household_id", "is required for your role")),
    }
}

/// People as a kit resource: their listing, view, forms and `/api/v1/people` routes.
pub struct People;

impl Resource for People {
    type Record = (Person, RecordAccess);
    type Row = Person;
    type Draft = PersonDraft;
    type Dto = PersonDto;
    type RowDto = PersonSummaryDto;

    const NAME: &'static str = "people";
    const ONE: &'static str = "person";
    const COLUMNS: &'static [Column] = &[
        Column::sorted("people.name", "name"),
        Column::plain("people.nik"),
        Column::sorted("people.sex", "sex"),
        Column::sorted("people.birth_date", "birth_date"),
        Column::plain("people.relation"),
        Column::plain("people.household"),
    ];
    const FILTERS: &'static [Filter] = &[
        Filter { key: "sex", label: "people.sex", choices: |lang| vocabulary(Sex::ALL, Sex::code, Sex::label, lang) },
        Filter {
            key: "relation",
            label: "people.relation",
            choices: |lang| vocabulary(Relation::ALL, Relation::code, Relation::label, lang),
        },
        Filter {
            key: "disability",
            label: "people.disability",
            choices: |lang| vocabulary(Disability::ALL, Disability::code, Disability::label, lang),
        },
    ];
    const NUMBERS: &'static [&'static str] = &["household_id"];
    const DOC: ApiDoc = ApiDoc {
        stem: "Person",
        row: "PersonSummaryDto",
        noun: "individual",
        list: "Individuals whose NIK is `q` or whose name starts with it.",
        create: "Adds an individual; the NIK must be new. Mismatches with the NIK come back as warnings.",
    };

    people_registry_rules!(Person);
    fn may_create(auth: &Auth) -> bool {
        auth.principal().edits_registry()
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<Person>, Error> {
        Ok(state.store().search_people(query).await?)
    }
    async fn read(state: &AppState, auth: &Auth, id: &Id) -> Result<(Person, RecordAccess), Error> {
        auth.readable_person(state.store(), *id).await
    }
    async fn dto(state: &AppState, (p, access): (Person, RecordAccess), _fresh: bool) -> Result<PersonDto, Error> {
        dto(state, p, access).await
    }
    /// The household is checked when it is new or changes.
    async fn check(
        state: &AppState,
        auth: &Auth,
        new: &NewPerson,
        old: Option<&(Person, RecordAccess)>,
    ) -> Result<(), Error> {
        match old {
            Some((p, _)) if p.household_id == new.household_id => Ok(()),
            _ => check_household(state, auth, new.household_id).await,
        }
    }
    async fn create(state: &AppState, new: &NewPerson) -> Result<(Person, RecordAccess), Error> {
        let p = identity_checked(state.store(), "people", state.store().create_person(new).await).await?;
        Ok((p, RecordAccess::Full))
    }
    async fn update(state: &AppState, id: &Id, new: &NewPerson, version: i64) -> Result<(Person, RecordAccess), Error> {
        let written = state.store().update_person(*id, new, version).await;
        Ok((identity_checked(state.store(), "people", written).await?, RecordAccess::Full))
    }

    fn cells(lang: Lang, auth: &Auth, p: Person) -> Vec<Cell> {
        vec![
            Cell::link(p.name, format!("/people/{}", p.id)),
            Cell::text(p.nik.masked()),
            Cell::text(p.sex.label(lang.code())),
            Cell::text(iso(p.birth_date)),
            Cell::text(p.relation.label(lang.code())),
            household_cell(auth, p.household_id),
        ]
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        record: (Person, RecordAccess),
        _params: &ListParams,
    ) -> Result<ViewPage, Error> {
        view(state, auth, lang, record).await
    }

    fn draft_of((p, _): &(Person, RecordAccess)) -> PersonDraft {
        PersonDraft::from(p)
    }
    fn draft_from(form: &FormData) -> PersonDraft {
        PersonDraft {
            nik: form.get("nik"),
            household_id: form.opt("household_id"),
            name: form.get("name"),
            sex: form.get("sex"),
            birth_date: form.get("birth_date"),
            relation: form.get("relation"),
            education: form.get("education"),
            occupation: form.opt("occupation"),
            disability: form.get("disability"),
        }
    }
    fn draft_new(params: &ListParams) -> PersonDraft {
        let household: Option<Id> = params.other.get("household").and_then(|h| h.trim().parse().ok());
        PersonDraft {
            household_id: household.map(|h| h.to_string()),
            education: Education::None.code().into(),
            disability: Disability::None.code().into(),
            ..Default::default()
        }
    }
    async fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        d: &PersonDraft,
        _mode: Mode<'_, Id>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let sexes = vocabulary(Sex::ALL, Sex::code, Sex::label, lang);
        let relations = vocabulary(Relation::ALL, Relation::code, Relation::label, lang);
        let educations = vocabulary(Education::ALL, Education::code, Education::label, lang);
        let disabilities = vocabulary(Disability::ALL, Disability::code, Disability::label, lang);
        let household = d.household_id.clone().unwrap_or_default();
        Ok(vec![
            Field::text("nik", t.t("people.nik"), &d.nik).required().hint(t.t("people.nik_hint")),
            Field::text("name", t.t("people.name"), &d.name).required(),
            Field::select("sex", t.t("people.sex"), &d.sex, sexes, Some(t.t("common.choose"))).required(),
            Field::date("birth_date", t.t("people.birth_date"), &d.birth_date).required(),
            refs::record_field(state, auth, "household", "household_id", t.t("people.household"), &household)
                .await
                .hint(t.t("people.household_hint")),
            Field::select("relation", t.t("people.relation"), &d.relation, relations, Some(t.t("common.choose")))
                .required(),
            Field::select("education", t.t("people.education"), &d.education, educations, None),
            Field::text("occupation", t.t("people.occupation"), d.occupation.clone().unwrap_or_default()),
            Field::select("disability", t.t("people.disability"), &d.disability, disabilities, None),
        ])
    }
    /// The edit form holds the full NIK: a view like any other.
    async fn on_edit_form(state: &AppState, id: &Id) -> Result<(), Error> {
        record_reveal(state.store(), "people", *id, "nik").await
    }
}

/// A person's household in a listing: a link when the principal may open every household of
/// the people they see. A facilitator sees members of assigned groups whose households are not
/// assigned to them, so their listing names the household without a link (the person's page
/// links it when it is theirs to open).
fn household_cell(auth: &Auth, household: Option<Id>) -> Cell {
    let open = auth.principal().opens_households() && auth.role() != berdaya_domain::access::Role::Facilitator;
    match household {
        Some(h) => link_if(open, format!("#{h}"), format!("/households/{h}")),
        None => Cell::text("—"),
    }
}

/// The programs the individual is enrolled in.
#[utoipa::path(get, path = "/api/v1/people/{id}/enrollments", tag = "people", params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = Vec<SubjectEnrollmentDto>), (status = 404, body = ErrorBody)))]
pub async fn enrollments(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<SubjectEnrollmentDto>>, Error> {
    let subject = Subject { kind: SubjectKind::Person, id };
    kit::children::<People, _, _, _>(&state, &auth, id, |_| state.store().subject_enrollments(subject)).await
}

// Pages ------------------------------------------------------------------------------------

/// A NIK mismatch in the page's language.
fn warning(lang: Lang, m: &NikMismatch) -> String {
    let t = lang.tr();
    let (template, nik, recorded) = match m {
        NikMismatch::Sex { nik_says, recorded } => {
            (t.t("people.nik_sex"), nik_says.label(lang.code()).to_string(), recorded.label(lang.code()).to_string())
        }
        NikMismatch::BirthDate { nik_says, recorded } => {
            (t.t("people.nik_birth_date"), nik_says.clone(), recorded.clone())
        }
        NikMismatch::Region { nik_district, recorded_district } => {
            (t.t("people.nik_region"), nik_district.clone(), recorded_district.clone())
        }
    };
    template.replace("{nik}", &nik).replace("{recorded}", &recorded)
}

/// The person page, with how the NIK disagrees with the record as warnings.
async fn view(state: &AppState, auth: &Auth, lang: Lang, record: (Person, RecordAccess)) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let shell = view_shell::<People>(lang, auth, &record, record.0.name.clone());
    let (p, access) = record;
    let id = p.id;
    if access == RecordAccess::Full {
        record_reveal(store, "people", id, "nik").await?;
    }
    let region = household_region(state, &p).await;
    let warnings = p.nik_mismatches(region.as_ref()).iter().map(|m| warning(lang, m)).collect();
    let enrolled = store.subject_enrollments(Subject { kind: SubjectKind::Person, id }).await?;
    // The person's own enrollments and, for those who may open it, their household's.
    let mut subjects = vec![Subject { kind: SubjectKind::Person, id }];
    let mut household_open = false;
    if let Some(h) = p.household_id
        && auth.readable_household(store, h).await.is_ok()
    {
        subjects.push(Subject { kind: SubjectKind::Household, id: h });
        household_open = true;
    }
    let history = subject_history_section(state, auth, lang, &subjects).await?;
    let household = match p.household_id {
        Some(h) => link_if(household_open, format!("#{h}"), format!("/households/{h}")),
        None => Cell::text("—"),
    };
    Ok(ViewPage {
        warnings,
        facts: vec![
            (
                t.t("people.nik").into(),
                Cell::text(if access == RecordAccess::Full { p.nik.reveal() } else { p.nik.masked() }),
            ),
            (t.t("people.name").into(), Cell::text(p.name.clone())),
            (t.t("people.sex").into(), Cell::text(p.sex.label(lang.code()))),
            (t.t("people.birth_date").into(), Cell::text(iso(p.birth_date))),
            (t.t("people.household").into(), household),
            (t.t("people.relation").into(), Cell::text(p.relation.label(lang.code()))),
            (t.t("people.education").into(), Cell::text(p.education.label(lang.code()))),
            (t.t("people.occupation").into(), Cell::text(p.occupation.clone().unwrap_or_else(|| "—".into()))),
            (t.t("people.disability").into(), Cell::text(p.disability.label(lang.code()))),
            (t.t("common.version").into(), Cell::text(p.version.to_string())),
        ],
        sections: vec![enrollments_section(lang, auth, enrolled), history],
        ..shell
    })
}
