//! The OpenAPI document of the JSON API (`/api/openapi.json`), and the request-body schemas.
//!
//! Request bodies are the domain drafts (text fields, parsed by the domain; record ids may be
//! sent as numbers or as digits, see each resource's `NUMBERS`); the structs here only
//! describe them to OpenAPI, and a test keeps their fields equal to the drafts'.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::access::{caseload, users};
use crate::agriculture::classes;
use crate::registry::{agencies, enrollments, groups, households, people, programs, regions};
use crate::survey;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Berdaya API", description = "Registry of regions, households, individuals, groups, agencies and programs. \
        Errors are `{\"error\": {\"code\", \"message\", \"fields\": [{\"field\", \"message\"}]}}`. \
        Updates carry the `version` that was read; a stale one is answered 409."),
    paths(
        crate::healthz,
        regions::children, regions::tree,
        households::members, households::enrollments,
        people::enrollments,
        groups::members, groups::add_member, groups::remove_member,
        agencies::units, agencies::staff, agencies::add_staff,
        programs::enrollments, programs::enroll, programs::history,
        enrollments::show, enrollments::history, enrollments::change_status,
        survey::create, survey::list, survey::show,
        users::me, users::list, users::create, users::show, users::disable, users::enable, users::tokens,
        users::create_token, users::revoke,
        caseload::list, caseload::add, caseload::remove, caseload::move_api,
        crate::access::audit::audit_api,
        crate::registry::export::identified, crate::registry::export::deidentified,
        crate::pick::pick,
        crate::dashboard::registry_api, crate::dashboard::programs_api,
        crate::activity::attendance::show, crate::activity::attendance::replace, crate::activity::attendance::group_api,
        crate::activity::attendance::person_api, crate::activity::attachments::list, crate::activity::attachments::upload_api,
        crate::activity::attachments::download, crate::activity::attachments::delete_api,
        crate::activity::attachments::list_evidence, crate::activity::attachments::upload_evidence_api,
        crate::agriculture::dashboard::api,
        crate::framework::list, crate::framework::show, crate::framework::create, crate::framework::add_dimension,
        classes::instruments_api, classes::instrument_api, classes::create_instrument_api,
        classes::create_assessment_api, classes::assessment_api, classes::group_history_api,
        classes::program_classes_api,
        crate::framework::findings::program_findings_api, crate::framework::findings::create_api,
        crate::framework::findings::evidence_api,
    ),
    components(schemas(
        crate::error::ErrorBody, crate::error::ErrorDetail, crate::error::FieldErrorDto, crate::Health,
        regions::RegionDto, regions::RegionTreeDto,
        households::HouseholdDto, households::HouseholdSummaryDto,
        people::PersonDto, people::PersonSummaryDto, people::NikWarningDto,
        groups::GroupDto, groups::GroupSummaryDto, groups::MemberDto,
        agencies::AgencyDto, agencies::StaffDto,
        programs::ProgramDto, programs::ProgramSummaryDto, programs::EnrollmentDto, programs::SubjectEnrollmentDto,
        enrollments::EnrollmentChangeDto, StatusChangeInput,
        RegionInput, RegionUpdate, HouseholdInput, HouseholdUpdate, PersonInput, PersonUpdate, GroupInput, GroupUpdate,
        MemberInput, AgencyInput, AgencyUpdate, StaffInput, ProgramInput, ProgramUpdate, EnrollmentInput,
        survey::AnalysisDto, survey::AnalysisSummaryDto, survey::AnalysisLinks, survey::AnalysisUpload,
        crate::dashboard::DashboardDto, crate::dashboard::StatTable, crate::dashboard::StatRow,
        users::UserDto, users::AccountDto, users::TokenDto, users::NewTokenDto, users::MeDto, UserInput, TokenInput,
        caseload::AssignmentDto, caseload::CaseloadDto, caseload::ChangedDto, caseload::AssignmentsInput,
        caseload::MoveInput,
        crate::activity::ActivityDto, crate::activity::ActivityRowDto, crate::activity::RateDto,
        crate::activity::ActivityInput, crate::activity::ActivityUpdate,
        crate::activity::attendance::AttendanceDto, crate::activity::attendance::ActivityAttendanceDto,
        crate::activity::attendance::AttendanceInput, crate::activity::attendance::AttendanceRowInput,
        crate::activity::attendance::PersonRateDto, crate::activity::attendance::GroupAttendanceDto,
        crate::activity::attendance::PersonAttendanceDto, crate::activity::attendance::PersonActivityDto,
        crate::activity::attachments::AttachmentDto, crate::activity::attachments::AttachmentUpload,
        crate::agriculture::dashboard::AgricultureDto, crate::agriculture::dashboard::AgriTable,
        crate::agriculture::dashboard::AgriRow,
        crate::framework::FrameworkDto, crate::framework::DimensionDto, crate::framework::FrameworkInput,
        crate::framework::DimensionInput,
        classes::InstrumentDto, classes::IndicatorDto, classes::AssessmentDto, classes::ScoreDto,
        classes::GroupClassDto, classes::ClassCountDto, classes::ProgramClassesDto, classes::AssessmentInput,
        classes::InstrumentInput, classes::IndicatorInput,
        crate::framework::findings::FindingDto, crate::framework::findings::EvidenceDto,
        crate::framework::findings::ProgramFindingsDto, crate::framework::findings::FindingInput,
        crate::framework::findings::EvidenceInput,
    )),
    tags(
        (name = "regions", description = "Province → regency/city → district → village → dusun/lingkungan/RW/RT"),
        (name = "households", description = "Family cards (KK), welfare stage, DTKS listing"),
        (name = "people", description = "Individuals identified by NIK"),
        (name = "groups", description = "Farmer groups, KWT, KSM, KPP, LKM, Kampung Tangguh, P2K2 cohorts"),
        (name = "agencies", description = "Agencies, their units and staff"),
        (name = "programs", description = "Programs and enrollment"),
        (name = "enrollments", description = "An enrollment, its status changes and their history"),
        (name = "survey", description = "Survey evaluation: upload an XLSForm instrument and responses, get the analysis"),
        (name = "access", description = "Who the request acts as; accounts and API tokens (administrators)"),
        (name = "export", description = "Registry exports, by the caller's role and area"),
        (name = "dashboard", description = "Aggregate counts for the caller's area and scope, small counts suppressed for viewers"),
        (name = "activities", description = "Activities of a program, their attendance and attached files"),
        (name = "agriculture", description = "Agriculture extension: farmer-group class assessment"),
        (name = "frameworks", description = "Frameworks (four bina, 7D…) and their dimensions, which activities and findings are tagged with"),
        (name = "health", description = "Liveness"),
    ),
    modifiers(&Security, &KitPaths),
    security(("token" = []), ("session" = [])),
)]
pub struct ApiDoc;

/// How a client signs in: an API token (`Authorization: Bearer bdy_…`, made with
/// `berdaya token create` or on `/users`), or the session cookie of a browser that logged in
/// at `/login` (its unsafe requests then carry the `x-csrf-token` header).
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("bdy_…").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::access::SESSION_COOKIE))),
        );
    }
}

/// The routes of the record types the kit serves, from their declarations.
struct KitPaths;

impl utoipa::Modify for KitPaths {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use crate::kit::doc::paths;
        openapi.paths.merge(paths::<regions::Regions>());
        openapi.paths.merge(paths::<households::Households>());
        openapi.paths.merge(paths::<people::People>());
        openapi.paths.merge(paths::<groups::Groups>());
        openapi.paths.merge(paths::<agencies::Agencies>());
        openapi.paths.merge(paths::<programs::Programs>());
        openapi.paths.merge(paths::<crate::agriculture::machines::Machines>());
        openapi.paths.merge(paths::<crate::agriculture::machines::MachineLoans>());
        openapi.merge(<crate::agriculture::machines::MachineApi as OpenApi>::openapi());
        openapi.merge(<crate::agriculture::aid::AidApi as utoipa::OpenApi>::openapi());
        openapi.merge(<crate::pkh::rules::PkhRulesApi as OpenApi>::openapi());
        openapi.merge(<crate::pkh::grievances::PkhGrievanceApi as OpenApi>::openapi());
        openapi.merge(<crate::kotaku::grants::GrantApi as OpenApi>::openapi());
        openapi.merge(<crate::kotaku::books::BookApi as OpenApi>::openapi());
        openapi.merge(<crate::kotaku::community::CommunityApi as OpenApi>::openapi());
        openapi.merge(<crate::pkh::payments::PkhPayApi as utoipa::OpenApi>::openapi());
        openapi.merge(<crate::pkh::caseload::PkhCaseloadApi as utoipa::OpenApi>::openapi());
        openapi.merge(<crate::pkh::targeting::TargetingApi as OpenApi>::openapi());
        openapi.merge(<crate::pkh::p2k2::P2k2Api as OpenApi>::openapi());
        openapi.merge(<crate::pkh::school::PkhSchoolApi as OpenApi>::openapi());
        openapi.merge(<crate::pkh::families::PkhFamilyApi as OpenApi>::openapi());
        openapi.merge(<crate::pkh::verify::PkhVerifyApi as OpenApi>::openapi());
        openapi.paths.merge(paths::<crate::activity::Activities>());
    }
}

/// `/api/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}

/// A region (`RegionDraft`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RegionInput {
    /// `33.16.09.2001`, or 2/4/6/10 digits; local segments below the village (`…2001.RT03`).
    code: String,
    name: String,
    /// `province`, `regency`, `city`, `district`, `village`, `kelurahan`, `dusun`, `lingkungan`, `rw`, `rt`.
    kind: String,
}

/// A region change: name and kind, with the version read (the code is in the path).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RegionUpdate {
    /// Ignored: the path names the region.
    code: Option<String>,
    name: String,
    kind: String,
    version: i64,
}

/// A household (`HouseholdDraft`).
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct HouseholdInput {
    /// 16 digits.
    kk: String,
    address: String,
    /// Region code.
    region: String,
    /// `pra_sejahtera`, `sejahtera_1`, `sejahtera_2`, `sejahtera_3`, `sejahtera_3_plus`.
    welfare_stage: String,
    dtks_listed: Option<bool>,
    /// `YYYY-MM-DD`; only when listed.
    dtks_since: Option<String>,
}

/// A household change, with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct HouseholdUpdate {
    #[serde(flatten)]
    household: HouseholdInput,
    version: i64,
}

/// An individual (`PersonDraft`).
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct PersonInput {
    /// 16 digits: district, birth date (+40 on the day for women), serial.
    nik: String,
    /// Household id (a number; a string of digits is accepted too).
    household_id: Option<i64>,
    name: String,
    /// `male`/`female` (or `L`/`P`).
    sex: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
    /// `head`, `spouse`, `child`, `child_in_law`, `grandchild`, `parent`, `parent_in_law`, `other_family`, `other`.
    relation: String,
    /// `none`, `sd`, `smp`, `sma`, `diploma`, `bachelor`, `master`, `doctorate`; default `none`.
    education: Option<String>,
    occupation: Option<String>,
    /// `none`, `physical`, `intellectual`, `mental`, `sensory`, `multiple`; default `none`.
    disability: Option<String>,
}

/// An individual's change, with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct PersonUpdate {
    #[serde(flatten)]
    person: PersonInput,
    version: i64,
}

/// A group (`GroupDraft`).
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct GroupInput {
    name: String,
    /// `farmer_group`, `women_farmer_group`, `ksm`, `kpp`, `lkm`, `kampung_tangguh`, `family_cohort`.
    kind: String,
    region: String,
    founded_on: Option<String>,
    description: Option<String>,
}

/// A group change, with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct GroupUpdate {
    #[serde(flatten)]
    group: GroupInput,
    version: i64,
}

/// A group membership (`MemberDraft`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MemberInput {
    /// Person id (a number; a string of digits is accepted too).
    person_id: i64,
    /// `chair`, `coordinator`, `secretary`, `treasurer`, `member`.
    role: String,
    since: Option<String>,
    until: Option<String>,
}

/// An agency or unit (`AgencyDraft`).
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct AgencyInput {
    name: String,
    /// `agency`, `unit`, `ministry`, `village_government`, `other`.
    kind: String,
    region: String,
    /// The parent agency's id (a number; a string of digits is accepted too).
    parent_id: Option<i64>,
}

/// An agency change, with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct AgencyUpdate {
    #[serde(flatten)]
    agency: AgencyInput,
    version: i64,
}

/// A member of staff (`StaffDraft`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StaffInput {
    name: String,
    position: String,
}

/// A program (`ProgramDraft`).
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct ProgramInput {
    name: String,
    /// The agency's id (a number; a string of digits is accepted too).
    agency_id: i64,
    starts_on: String,
    ends_on: Option<String>,
    description: Option<String>,
    /// Region codes separated by commas, spaces or new lines.
    target_regions: Option<String>,
}

/// A program change, with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct ProgramUpdate {
    #[serde(flatten)]
    program: ProgramInput,
    version: i64,
}

/// An enrollment (`EnrollmentDraft`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EnrollmentInput {
    /// `household`, `person`, `group`.
    subject_kind: String,
    /// The subject's id (a number; a string of digits is accepted too).
    subject_id: i64,
    /// `candidate`, `enrolled` (default; `active` is read as `enrolled`), `suspended`,
    /// `exited`, `graduated`, `terminated`.
    status: Option<String>,
    enrolled_on: String,
    /// Only for an `exited`, `graduated` or `terminated` enrollment.
    ended_on: Option<String>,
}

/// A change of an enrollment's status (`StatusChangeDraft`) and the version read.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StatusChangeInput {
    /// The new status: one the current status allows. From `candidate`: `enrolled`,
    /// `exited`; from `enrolled`: `suspended`, `exited`, `graduated`, `terminated`; from
    /// `suspended`: `enrolled`, `exited`, `terminated`; from `exited`: `candidate`,
    /// `enrolled`; `graduated` and `terminated` are final.
    status: String,
    /// The day it takes effect, `YYYY-MM-DD`: not in the future, not before the latest change.
    on: String,
    /// Why; required for `suspended`, `exited` and `terminated`.
    reason: Option<String>,
    /// The enrollment's version as read; a stale one is answered 409.
    version: i64,
}

/// A new account (`UserDraft`) with its password.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserInput {
    /// 3 to 32 of `a-z 0-9 . _ -`, starting with a letter or digit.
    username: String,
    display_name: String,
    /// `administrator`, `program_officer`, `facilitator`, `group_officer`, `evaluator`, `viewer`.
    role: String,
    /// Region code the account is bound to; none is national.
    area: Option<String>,
    /// Required for a program officer, refused for other roles but administrators.
    agency_id: Option<i64>,
    /// Required for a group officer, refused for other roles.
    group_id: Option<i64>,
    /// At least 10 characters, not containing the username. Never stored or sent back.
    password: String,
}

/// A new API token.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TokenInput {
    /// What the token is for (1 to 80 characters).
    name: String,
    /// Days until it expires, 1 to 3650; none never expires.
    expires_days: Option<u32>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use berdaya_domain::registry::*;
    use serde::Serialize;

    use super::*;

    fn draft_fields<T: Serialize + Default>() -> BTreeSet<String> {
        match serde_json::to_value(T::default()) {
            Ok(serde_json::Value::Object(map)) => map.into_iter().map(|(k, _)| k).collect(),
            _ => panic!("a draft serializes to an object"),
        }
    }

    fn schema_fields(doc: &serde_json::Value, name: &str) -> BTreeSet<String> {
        let props = &doc["components"]["schemas"][name]["properties"];
        props.as_object().unwrap_or_else(|| panic!("{name} has properties")).keys().cloned().collect()
    }

    #[test]
    fn input_schemas_match_the_drafts() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("document serializes");
        assert_eq!(schema_fields(&doc, "RegionInput"), draft_fields::<RegionDraft>());
        assert_eq!(schema_fields(&doc, "HouseholdInput"), draft_fields::<HouseholdDraft>());
        assert_eq!(schema_fields(&doc, "PersonInput"), draft_fields::<PersonDraft>());
        assert_eq!(schema_fields(&doc, "GroupInput"), draft_fields::<GroupDraft>());
        assert_eq!(schema_fields(&doc, "MemberInput"), draft_fields::<MemberDraft>());
        assert_eq!(schema_fields(&doc, "AgencyInput"), draft_fields::<AgencyDraft>());
        assert_eq!(schema_fields(&doc, "StaffInput"), draft_fields::<StaffDraft>());
        assert_eq!(schema_fields(&doc, "ProgramInput"), draft_fields::<ProgramDraft>());
        assert_eq!(schema_fields(&doc, "EnrollmentInput"), draft_fields::<EnrollmentDraft>());
        let mut change = draft_fields::<StatusChangeDraft>();
        change.insert("version".into());
        assert_eq!(schema_fields(&doc, "StatusChangeInput"), change);
    }

    #[test]
    fn every_route_is_documented() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("document serializes");
        let paths = doc["paths"].as_object().expect("paths");
        for p in [
            "/api/v1/regions/{code}",
            "/api/v1/households/{id}/enrollments",
            "/api/v1/programs/{id}/enrollments",
            "/api/v1/programs/{id}/history",
            "/api/v1/enrollments/{id}",
            "/api/v1/enrollments/{id}/history",
            "/api/v1/enrollments/{id}/status",
            "/api/v1/me",
            "/api/v1/users/{id}/tokens",
            "/api/v1/tokens/{id}/revoke",
            "/api/v1/users/{id}/assignments",
            "/api/v1/users/{id}/assignments/move",
            "/healthz",
        ] {
            assert!(paths.contains_key(p), "{p} is missing");
        }
    }
}
