//! Machinery (alsintan) lending over HTTP: the machines of an agency or its BPP (`/machines`),
//! their bookings and loans to groups (`/machine-loans`, with check-out, return and cancel),
//! maintenance, a machine's history page, overdue loans, XLSX exports and the group page's
//! panel.
//!
//! Reads: any role that reads programs, for machines in its area; a loan also needs its
//! group to be readable (a group officer's own group, a facilitator's assigned groups), and
//! evaluators read loans with the name of who took the machine hidden. Writes: administrators
//! and the program officers of the machine's agency (or of the agency above its unit).

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::agriculture::machine::{
    CheckOutDraft, LoanDraft, LoanStatus, Machine, MachineCondition, MachineDraft, MachineKind, Maintenance,
    MaintenanceDraft, MaintenanceKind, NewLoan, NewMachine, ReturnDraft, format_hectares, format_hours, format_rupiah,
};
use berdaya_domain::registry::{Group, Id, Invalid, Program, Version};
use berdaya_files::tables::{SheetTable, TableCell};
use berdaya_store::agriculture::machine::{LoanRow, MachineOwner, MachineRow};
use berdaya_store::{Page, PageRequest, Query};
use serde::Serialize;
use time::{Date, OffsetDateTime, UtcOffset};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, hidden, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody, ListParams};
use crate::html::{Cell, Field, Form, Link, Section, Table, ViewPage, date_or_dash, vocabulary};
use crate::i18n::Lang;
use crate::kit::{self, ApiDoc, Column, Filter, Mode, Resource, link_if, refs, section_done, view_shell};
use crate::registry::{created, iso};

pub fn router() -> Router<AppState> {
    kit::router::<Machines>()
        .merge(kit::router::<MachineLoans>())
        .route("/api/v1/machines/{id}/loans", get(machine_loans_api))
        .route("/api/v1/machines/{id}/maintenance", get(maintenance_api).post(add_maintenance_api))
        .route("/machines/{id}/loans", post(book_page))
        .route("/machines/{id}/maintenance", post(add_maintenance_page))
        .route("/machines/{id}/history", get(history_page))
        .route("/machines/{id}/history.xlsx", get(history_xlsx))
        .route("/machines.xlsx", get(machines_xlsx))
        .route("/machine-loans.xlsx", get(loans_xlsx))
        .route("/api/v1/machine-loans/{id}/check-out", post(check_out_api))
        .route("/api/v1/machine-loans/{id}/return", post(return_api))
        .route("/api/v1/machine-loans/{id}/cancel", post(cancel_api))
        .route("/machine-loans/{id}/check-out", post(check_out_page))
        .route("/machine-loans/{id}/return", post(return_page))
        .route("/machine-loans/{id}/cancel", post(cancel_page))
}

/// Today as the calendar reads in the east of Indonesia (WIT, UTC+9), as enrollments count it.
pub fn today() -> Date {
    let wit = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::now_utc().to_offset(wit).date()
}

// --- Access ------------------------------------------------------------------------------------

/// Whether the principal manages the machines of `agency_id`: an administrator, or a program
/// officer of that agency or of the agency above it (a Dinas manages its BPP's machines).
pub async fn manages_agency(state: &AppState, auth: &Auth, agency_id: Id) -> Result<bool, Error> {
    let p = auth.principal();
    if p.manages_program(agency_id) {
        return Ok(true);
    }
    if p.role() != Role::ProgramOfficer {
        return Ok(false);
    }
    let agency = state.store().agency(agency_id).await?;
    Ok(agency.parent_id.is_some_and(|parent| p.manages_program(parent)))
}

fn writes_machines(auth: &Auth) -> bool {
    matches!(auth.role(), Role::Administrator | Role::ProgramOfficer)
}

/// A machine as read, with whether the principal may change it and lend it.
#[derive(Debug, Clone)]
pub struct MachineRec {
    pub machine: Machine,
    pub manages: bool,
}

impl kit::Record for MachineRec {
    type Key = Id;
    fn key(&self) -> Id {
        self.machine.id
    }
    fn version(&self) -> Version {
        self.machine.version
    }
}

impl kit::Draft for MachineDraft {
    type New = NewMachine;
    fn parse(&self) -> Result<NewMachine, Invalid> {
        MachineDraft::parse(self)
    }
}

/// A machine the principal may read: one outside their area reads as missing.
pub async fn readable_machine(state: &AppState, auth: &Auth, id: Id) -> Result<MachineRec, Error> {
    auth.require(auth.principal().reads_programs())?;
    let machine = state.store().machine(id).await?;
    if !auth.in_area(&machine.region) {
        return Err(hidden("machine"));
    }
    let manages = writes_machines(auth) && manages_agency(state, auth, machine.agency_id).await?;
    Ok(MachineRec { machine, manages })
}

/// A machine the principal may change and lend.
async fn editable_machine(state: &AppState, auth: &Auth, id: Id) -> Result<MachineRec, Error> {
    auth.require(writes_machines(auth))?;
    let m = readable_machine(state, auth, id).await?;
    auth.require(m.manages)?;
    Ok(m)
}

/// A loan as read: with whether the principal may act on it, and whether who took the
/// machine is hidden (evaluators).
#[derive(Debug, Clone)]
pub struct LoanRec {
    pub row: LoanRow,
    pub manages: bool,
    pub masked: bool,
}

impl kit::Record for LoanRec {
    type Key = Id;
    fn key(&self) -> Id {
        self.row.loan.id
    }
    fn version(&self) -> Version {
        self.row.loan.version
    }
}

impl kit::Draft for LoanDraft {
    type New = NewLoan;
    fn parse(&self) -> Result<NewLoan, Invalid> {
        LoanDraft::parse(self)
    }
}

/// A loan the principal may read: its machine in their area and its group readable to them
/// (evaluators: the machine in their area); else it reads as missing.
pub async fn readable_loan(state: &AppState, auth: &Auth, id: Id) -> Result<LoanRec, Error> {
    auth.require(auth.principal().reads_programs())?;
    let row = state.store().loan(id).await?;
    if !auth.in_area(&row.machine_region) {
        return Err(hidden("loan"));
    }
    let masked = auth.role() == Role::Evaluator;
    if !masked {
        auth.readable_group(state.store(), row.loan.group_id).await.map_err(|_| hidden("loan"))?;
    }
    let manages = writes_machines(auth) && manages_agency(state, auth, row.agency_id).await?;
    Ok(LoanRec { row, manages, masked })
}

async fn editable_loan(state: &AppState, auth: &Auth, id: Id) -> Result<LoanRec, Error> {
    auth.require(writes_machines(auth))?;
    let l = readable_loan(state, auth, id).await?;
    auth.require(l.manages)?;
    Ok(l)
}

// --- JSON --------------------------------------------------------------------------------------

/// A machine (a hand tractor, a cultivator, a water pump) of an agency or its BPP.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineDto {
    pub id: i64,
    pub agency_id: i64,
    /// `hand_tractor`, `cultivator`, `water_pump` or `other`.
    pub kind: String,
    pub name: String,
    pub inventory_no: String,
    pub region: String,
    pub place: Option<String>,
    /// `good`, `light_damage`, `heavy_damage` or `in_repair`.
    pub condition: String,
    pub acquired_on: Option<String>,
    pub note: Option<String>,
    pub version: i64,
}

impl From<Machine> for MachineDto {
    fn from(m: Machine) -> Self {
        MachineDto {
            id: m.id,
            agency_id: m.agency_id,
            kind: m.kind.code().into(),
            name: m.name,
            inventory_no: m.inventory_no,
            region: m.region.to_string(),
            place: m.place,
            condition: m.condition.code().into(),
            acquired_on: m.acquired_on.map(iso),
            note: m.note,
            version: m.version,
        }
    }
}

/// A machine in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineRowDto {
    #[serde(flatten)]
    pub machine: MachineDto,
    pub agency_name: String,
    pub region_name: String,
    /// Whether it is lent out now.
    pub out_now: bool,
}

impl From<MachineRow> for MachineRowDto {
    fn from(r: MachineRow) -> Self {
        MachineRowDto {
            machine: r.machine.into(),
            agency_name: r.agency_name,
            region_name: r.region_name,
            out_now: r.out_now,
        }
    }
}

/// A booking or loan of a machine to a group. Periods are inclusive dates.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineLoanDto {
    pub id: i64,
    pub machine_id: i64,
    pub machine_name: String,
    pub inventory_no: String,
    pub group_id: i64,
    pub group_name: String,
    pub program_id: Option<i64>,
    pub starts_on: String,
    pub due_on: String,
    /// `booked`, `out`, `returned` or `cancelled`.
    pub status: String,
    /// Out past its due date today.
    pub overdue: bool,
    pub out_on: Option<String>,
    pub condition_out: Option<String>,
    /// Who handed the machine out or took it; absent in listings and for evaluators.
    pub out_by: Option<String>,
    pub returned_on: Option<String>,
    pub condition_in: Option<String>,
    /// Hours of use, in whole minutes.
    pub usage_minutes: Option<i64>,
    /// Area worked, in whole m².
    pub usage_m2: Option<i64>,
    pub damage_note: Option<String>,
    pub note: Option<String>,
    pub version: i64,
}

impl From<LoanRow> for MachineLoanDto {
    fn from(r: LoanRow) -> Self {
        let l = r.loan;
        MachineLoanDto {
            id: l.id,
            machine_id: l.machine_id,
            machine_name: r.machine_name,
            inventory_no: r.inventory_no,
            group_id: l.group_id,
            group_name: r.group_name,
            program_id: l.program_id,
            starts_on: iso(l.starts_on),
            due_on: iso(l.due_on),
            status: l.status.code().into(),
            overdue: l.status == LoanStatus::Out && l.due_on < today(),
            out_on: l.out_on.map(iso),
            condition_out: l.condition_out.map(|c| c.code().into()),
            out_by: None,
            returned_on: l.returned_on.map(iso),
            condition_in: l.condition_in.map(|c| c.code().into()),
            usage_minutes: l.usage_minutes,
            usage_m2: l.usage_m2,
            damage_note: l.damage_note,
            note: l.note,
            version: l.version,
        }
    }
}

impl From<LoanRec> for MachineLoanDto {
    fn from(r: LoanRec) -> Self {
        let out_by = if r.masked { None } else { r.row.loan.out_by.clone() };
        MachineLoanDto { out_by, ..MachineLoanDto::from(r.row) }
    }
}

/// A maintenance record of a machine.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaintenanceDto {
    pub id: i64,
    pub machine_id: i64,
    pub done_on: String,
    /// `service`, `repair` or `inspection`.
    pub kind: String,
    pub description: String,
    /// Whole rupiah.
    pub cost_rp: i64,
    pub condition_after: String,
}

impl From<Maintenance> for MaintenanceDto {
    fn from(m: Maintenance) -> Self {
        MaintenanceDto {
            id: m.id,
            machine_id: m.machine_id,
            done_on: iso(m.done_on),
            kind: m.kind.code().into(),
            description: m.description,
            cost_rp: m.cost_rp,
            condition_after: m.condition_after.code().into(),
        }
    }
}

/// A machine (`MachineDraft`).
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct MachineInput {
    /// The owning agency or BPP (a number; digits as text are accepted too).
    agency_id: i64,
    /// `hand_tractor`, `cultivator`, `water_pump`, `other`.
    kind: String,
    name: String,
    /// Serial or inventory number, unique in the agency.
    inventory_no: String,
    region: String,
    place: Option<String>,
    /// `good`, `light_damage`, `heavy_damage`, `in_repair`.
    condition: String,
    acquired_on: Option<String>,
    note: Option<String>,
}

/// A machine change, with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct MachineUpdate {
    #[serde(flatten)]
    machine: MachineInput,
    version: i64,
}

/// A booking (`LoanDraft`): the machine for a group from `starts_on` to `due_on`, inclusive.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct MachineLoanInput {
    machine_id: i64,
    group_id: i64,
    program_id: Option<i64>,
    starts_on: String,
    due_on: String,
    note: Option<String>,
}

/// A booking change (while booked), with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct MachineLoanUpdate {
    #[serde(flatten)]
    loan: MachineLoanInput,
    version: i64,
}

/// A check-out (`CheckOutDraft`), with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct CheckOutInput {
    out_on: String,
    condition_out: String,
    out_by: String,
    version: i64,
}

/// A return (`ReturnDraft`), with the version read. Usage as hours (`1,5` or `1,5 jam`,
/// `90 menit`) and area (`0,25` or `0,25 ha`, `2500 m2`), kept exactly as whole minutes and m².
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct ReturnInput {
    returned_on: String,
    condition_in: String,
    usage_hours: Option<String>,
    usage_area: Option<String>,
    damage_note: Option<String>,
    version: i64,
}

/// The version read, for a cancellation.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct VersionInput {
    version: i64,
}

/// Maintenance (`MaintenanceDraft`): cost in whole rupiah (`350000`, `Rp 350.000`).
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct MaintenanceInput {
    done_on: String,
    /// `service`, `repair`, `inspection`.
    kind: String,
    description: String,
    cost: Option<String>,
    condition_after: String,
}

/// The machinery routes and schemas outside the kit's, merged into the API document.
#[derive(OpenApi)]
#[openapi(
    paths(machine_loans_api, maintenance_api, add_maintenance_api, check_out_api, return_api, cancel_api),
    components(schemas(
        MachineDto, MachineRowDto, MachineLoanDto, MaintenanceDto, MachineInput, MachineUpdate, MachineLoanInput,
        MachineLoanUpdate, CheckOutInput, ReturnInput, VersionInput, MaintenanceInput
    )),
    tags(
        (name = "machines", description = "Machinery (alsintan) of an agency or its BPP, their maintenance and history"),
        (name = "machine-loans", description = "Bookings and loans of machines to groups: check-out, return, cancel; overdue loans"),
    )
)]
pub struct MachineApi;

// --- Machines as a kit resource -----------------------------------------------------------------

pub struct Machines;

impl Resource for Machines {
    type Record = MachineRec;
    type Row = MachineRow;
    type Draft = MachineDraft;
    type Dto = MachineDto;
    type RowDto = MachineRowDto;

    const NAME: &'static str = "machines";
    const ONE: &'static str = "machine";
    const COLUMNS: &'static [Column] = &[
        Column::sorted("machines.name", "name"),
        Column::sorted("machines.kind", "kind"),
        Column::sorted("machines.inventory_no", "inventory_no"),
        Column::sorted("machines.condition", "condition"),
        Column::sorted("machines.agency", "agency"),
        Column::plain("machines.out_now"),
    ];
    const FILTERS: &'static [Filter] = &[
        Filter {
            key: "kind",
            label: "machines.kind",
            choices: |lang| vocabulary(MachineKind::ALL, MachineKind::code, MachineKind::label, lang),
        },
        Filter {
            key: "condition",
            label: "machines.condition",
            choices: |lang| vocabulary(MachineCondition::ALL, MachineCondition::code, MachineCondition::label, lang),
        },
        Filter { key: "agency_id", label: "machines.agency", choices: |_| Vec::new() },
    ];
    const NUMBERS: &'static [&'static str] = &["agency_id"];
    const DOC: ApiDoc = ApiDoc {
        stem: "Machine",
        row: "MachineRowDto",
        noun: "machine",
        list: "Machines whose name or inventory number contains `q`, in the caller's area.",
        create: "Adds a machine of an agency the caller manages; its inventory number is unique in the agency.",
    };

    fn may_list(auth: &Auth) -> bool {
        auth.principal().reads_programs()
    }
    fn may_create(auth: &Auth) -> bool {
        writes_machines(auth)
    }
    fn may_write(auth: &Auth) -> bool {
        writes_machines(auth)
    }
    fn may_edit(_auth: &Auth, m: &MachineRec) -> bool {
        m.manages
    }
    /// Machines are not personal records: the area alone narrows them.
    fn scope(auth: &Auth, query: Query) -> Option<Query> {
        auth.scope(query).map(|q| Query { within: None, ..q })
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<MachineRow>, Error> {
        Ok(state.store().search_machines(query).await?)
    }
    async fn read(state: &AppState, auth: &Auth, id: &Id) -> Result<MachineRec, Error> {
        readable_machine(state, auth, *id).await
    }
    async fn dto(_state: &AppState, m: MachineRec, _fresh: bool) -> Result<MachineDto, Error> {
        Ok(m.machine.into())
    }
    /// The agency and region go through the caller's scope; the agency must be one the
    /// caller manages (or a unit of it).
    async fn check(state: &AppState, auth: &Auth, new: &NewMachine, old: Option<&MachineRec>) -> Result<(), Error> {
        auth.agency_ref(state.store(), "agency_id", new.agency_id).await?;
        auth.region_ref(state.store(), "region", &new.region).await?;
        if !manages_agency(state, auth, new.agency_id).await? {
            return Err(Error::unprocessable("agency_id", "is not an agency whose machines you manage"));
        }
        let _ = old;
        Ok(())
    }
    async fn create(state: &AppState, new: &NewMachine) -> Result<MachineRec, Error> {
        Ok(MachineRec { machine: state.store().create_machine(new).await?, manages: true })
    }
    async fn update(state: &AppState, id: &Id, new: &NewMachine, version: i64) -> Result<MachineRec, Error> {
        Ok(MachineRec { machine: state.store().update_machine(*id, new, version).await?, manages: true })
    }

    fn cells(lang: Lang, _auth: &Auth, r: MachineRow) -> Vec<Cell> {
        let t = lang.tr();
        let m = r.machine;
        vec![
            Cell::link(m.name, format!("/machines/{}", m.id)),
            Cell::text(m.kind.label(lang.code())),
            Cell::text(m.inventory_no),
            Cell::text(m.condition.label(lang.code())),
            Cell::text(r.agency_name),
            Cell::text(if r.out_now { t.t("machines.lent_out") } else { "—" }),
        ]
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        m: MachineRec,
        _params: &ListParams,
    ) -> Result<ViewPage, Error> {
        machine_view(state, auth, lang, m, None, None).await
    }

    fn draft_of(m: &MachineRec) -> MachineDraft {
        MachineDraft::from(&m.machine)
    }
    fn draft_from(form: &FormData) -> MachineDraft {
        MachineDraft {
            agency_id: form.get("agency_id"),
            kind: form.get("kind"),
            name: form.get("name"),
            inventory_no: form.get("inventory_no"),
            region: form.get("region"),
            place: form.opt("place"),
            condition: form.get("condition"),
            acquired_on: form.opt("acquired_on"),
            note: form.opt("note"),
        }
    }
    fn draft_new(params: &ListParams) -> MachineDraft {
        MachineDraft {
            agency_id: params.other.get("agency").cloned().unwrap_or_default(),
            condition: MachineCondition::Good.code().into(),
            ..Default::default()
        }
    }
    async fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        d: &MachineDraft,
        _mode: Mode<'_, Id>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let kinds = vocabulary(MachineKind::ALL, MachineKind::code, MachineKind::label, lang);
        let conditions = vocabulary(MachineCondition::ALL, MachineCondition::code, MachineCondition::label, lang);
        Ok(vec![
            refs::agency_field(state, auth, "agency_id", t.t("machines.agency"), &d.agency_id).await.required(),
            Field::select("kind", t.t("machines.kind"), &d.kind, kinds, Some(t.t("common.choose"))).required(),
            Field::text("name", t.t("machines.name"), &d.name).required(),
            Field::text("inventory_no", t.t("machines.inventory_no"), &d.inventory_no).required(),
            refs::region_field(state, auth, "region", t.t("machines.region"), &d.region).await.required(),
            Field::text("place", t.t("machines.place"), d.place.clone().unwrap_or_default()),
            Field::select("condition", t.t("machines.condition"), &d.condition, conditions, None).required(),
            Field::date("acquired_on", t.t("machines.acquired_on"), d.acquired_on.clone().unwrap_or_default()),
            Field::textarea("note", t.t("machines.note"), d.note.clone().unwrap_or_default()),
        ])
    }
}

// --- Loans as a kit resource --------------------------------------------------------------------

pub struct MachineLoans;

impl Resource for MachineLoans {
    type Record = LoanRec;
    type Row = LoanRow;
    type Draft = LoanDraft;
    type Dto = MachineLoanDto;
    type RowDto = MachineLoanDto;

    const NAME: &'static str = "machine-loans";
    const ONE: &'static str = "loan";
    const COLUMNS: &'static [Column] = &[
        Column::sorted("machine-loans.machine", "machine"),
        Column::sorted("machine-loans.group", "group"),
        Column::sorted("machine-loans.starts_on", "starts_on"),
        Column::sorted("machine-loans.due_on", "due_on"),
        Column::sorted("machine-loans.status", "status"),
        Column::plain("machine-loans.usage"),
    ];
    const FILTERS: &'static [Filter] = &[
        Filter {
            key: "status",
            label: "machine-loans.status",
            choices: |lang| vocabulary(LoanStatus::ALL, LoanStatus::code, LoanStatus::label, lang),
        },
        Filter {
            key: "overdue",
            label: "machine-loans.overdue",
            choices: |lang| vec![("true".into(), lang.tr().t("machine-loans.overdue_only").into())],
        },
        Filter { key: "machine_id", label: "machine-loans.machine", choices: |_| Vec::new() },
        Filter { key: "group_id", label: "machine-loans.group", choices: |_| Vec::new() },
        Filter { key: "program_id", label: "machine-loans.program", choices: |_| Vec::new() },
        Filter { key: "agency_id", label: "machines.agency", choices: |_| Vec::new() },
    ];
    const NUMBERS: &'static [&'static str] = &["machine_id", "group_id", "program_id"];
    const DOC: ApiDoc = ApiDoc {
        stem: "MachineLoan",
        row: "MachineLoanDto",
        noun: "machine loan",
        list: "Bookings and loans of machines in the caller's area and scope, newest first; `overdue=true` lists loans out past their due date today.",
        create: "Books a machine for a group; refused naming the conflicting booking when the period shares a day with another, or when the machine is in repair or heavily damaged.",
    };

    fn may_list(auth: &Auth) -> bool {
        auth.principal().reads_programs()
    }
    fn may_create(auth: &Auth) -> bool {
        writes_machines(auth)
    }
    fn may_write(auth: &Auth) -> bool {
        writes_machines(auth)
    }
    fn may_edit(_auth: &Auth, l: &LoanRec) -> bool {
        l.manages && l.row.loan.status == LoanStatus::Booked
    }
    /// Evaluators read every loan in their area; others as their scope allows (a group
    /// officer's group, a facilitator's groups).
    fn scope(auth: &Auth, query: Query) -> Option<Query> {
        let q = auth.scope(query)?;
        Some(if auth.role() == Role::Evaluator { Query { within: None, ..q } } else { q })
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<LoanRow>, Error> {
        let mut q = query.clone();
        if let Some(i) = q.filters.iter().position(|(k, _)| k == "overdue") {
            let (_, v) = q.filters.remove(i);
            if v == "true" {
                q.filters.push(("overdue_on".into(), iso(today())));
            } else if v != "false" {
                return Err(Error::bad_request("overdue", "is not true or false"));
            }
        }
        Ok(state.store().search_loans(&q).await?)
    }
    async fn read(state: &AppState, auth: &Auth, id: &Id) -> Result<LoanRec, Error> {
        readable_loan(state, auth, *id).await
    }
    async fn dto(_state: &AppState, l: LoanRec, _fresh: bool) -> Result<MachineLoanDto, Error> {
        Ok(l.into())
    }
    /// The machine must be one the caller manages; the group and program go through the
    /// caller's scope (out of scope reads as missing).
    async fn check(state: &AppState, auth: &Auth, new: &NewLoan, old: Option<&LoanRec>) -> Result<(), Error> {
        let machine_id = old.map_or(new.machine_id, |o| o.row.loan.machine_id);
        let machine = readable_machine(state, auth, machine_id).await.map_err(|e| match e.status() {
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => missing_reference("machine_id", "machine", machine_id),
            _ => e,
        })?;
        if !machine.manages {
            return Err(Error::unprocessable("machine_id", "is not a machine whose loans you manage"));
        }
        auth.group_ref(state.store(), "group_id", new.group_id).await?;
        if let Some(p) = new.program_id {
            crate::registry::programs::readable_program(state, auth, p)
                .await
                .map_err(|_| missing_reference("program_id", "program", p))?;
        }
        Ok(())
    }
    async fn create(state: &AppState, new: &NewLoan) -> Result<LoanRec, Error> {
        let loan = state.store().book_machine(new).await?;
        Ok(LoanRec { row: state.store().loan(loan.id).await?, manages: true, masked: false })
    }
    async fn update(state: &AppState, id: &Id, new: &NewLoan, version: i64) -> Result<LoanRec, Error> {
        state.store().update_loan(*id, new, version).await?;
        Ok(LoanRec { row: state.store().loan(*id).await?, manages: true, masked: false })
    }

    fn cells(lang: Lang, auth: &Auth, r: LoanRow) -> Vec<Cell> {
        loan_cells(lang, auth, &r, today())
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        l: LoanRec,
        _params: &ListParams,
    ) -> Result<ViewPage, Error> {
        loan_view(state, auth, lang, l, None).await
    }

    fn draft_of(l: &LoanRec) -> LoanDraft {
        let loan = &l.row.loan;
        LoanDraft {
            machine_id: loan.machine_id.to_string(),
            group_id: loan.group_id.to_string(),
            program_id: loan.program_id.map(|p| p.to_string()),
            starts_on: iso(loan.starts_on),
            due_on: iso(loan.due_on),
            note: loan.note.clone(),
        }
    }
    fn draft_from(form: &FormData) -> LoanDraft {
        LoanDraft {
            machine_id: form.get("machine_id"),
            group_id: form.get("group_id"),
            program_id: form.opt("program_id"),
            starts_on: form.get("starts_on"),
            due_on: form.get("due_on"),
            note: form.opt("note"),
        }
    }
    fn draft_new(params: &ListParams) -> LoanDraft {
        let get = |k: &str| params.other.get(k).cloned().unwrap_or_default();
        LoanDraft {
            machine_id: get("machine"),
            group_id: get("group"),
            program_id: params.other.get("program").cloned(),
            ..Default::default()
        }
    }
    async fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        d: &LoanDraft,
        mode: Mode<'_, Id>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let machine_name = match text_id(&d.machine_id) {
            Some(id) => readable_machine(state, auth, id).await.ok().map(|m| machine_label(&m.machine)),
            None => None,
        };
        let mut machine = Field::picker(
            "machine_id",
            t.t("machine-loans.machine"),
            "machine",
            &d.machine_id,
            machine_name.unwrap_or_default(),
        )
        .required();
        if matches!(mode, Mode::Edit(_)) {
            machine = machine.readonly();
        }
        let program = d.program_id.clone().unwrap_or_default();
        Ok(vec![
            machine,
            refs::record_field(state, auth, "group", "group_id", t.t("machine-loans.group"), &d.group_id)
                .await
                .required(),
            refs::record_field(state, auth, "program", "program_id", t.t("machine-loans.program"), &program).await,
            Field::date("starts_on", t.t("machine-loans.starts_on"), &d.starts_on).required(),
            Field::date("due_on", t.t("machine-loans.due_on"), &d.due_on).required(),
            Field::textarea("note", t.t("machine-loans.note"), d.note.clone().unwrap_or_default()),
        ])
    }
}

fn text_id(raw: &str) -> Option<Id> {
    berdaya_domain::registry::text::id(raw).ok()
}

/// `Traktor roda dua Quick G1000 (ALS-001)`.
pub fn machine_label(m: &Machine) -> String {
    format!("{} ({})", m.name, m.inventory_no)
}

// --- Cells and tables ---------------------------------------------------------------------------

/// A loan's status as shown: `Dipinjam — terlambat` when it is out past its due date.
fn status_text(lang: Lang, l: &berdaya_domain::agriculture::machine::Loan, today: Date) -> String {
    let label = l.status.label(lang.code()).to_string();
    if l.overdue_on(today) { format!("{label} — {}", lang.tr().t("machine-loans.late")) } else { label }
}

/// Usage as shown: `6,5 jam · 0,25 ha`, or a dash.
fn usage_text(minutes: Option<i64>, m2: Option<i64>) -> String {
    let parts: Vec<String> = minutes.map(format_hours).into_iter().chain(m2.map(format_hectares)).collect();
    if parts.is_empty() { "—".into() } else { parts.join(" · ") }
}

fn period_text(from: Date, to: Date) -> String {
    format!("{} – {}", iso(from), iso(to))
}

fn loan_cells(lang: Lang, auth: &Auth, r: &LoanRow, today: Date) -> Vec<Cell> {
    let l = &r.loan;
    vec![
        Cell::link(format!("{} ({})", r.machine_name, r.inventory_no), format!("/machine-loans/{}", l.id)),
        link_if(auth.reads_people(), r.group_name.clone(), format!("/groups/{}", l.group_id)),
        Cell::text(iso(l.starts_on)),
        Cell::text(iso(l.due_on)),
        Cell::text(status_text(lang, l, today)),
        Cell::text(usage_text(l.usage_minutes, l.usage_m2)),
    ]
}

fn loans_table(lang: Lang, auth: &Auth, rows: &[LoanRow]) -> Table {
    let t = lang.tr();
    let today = today();
    Table {
        headers: MachineLoans::COLUMNS.iter().map(|c| t.t(c.label).to_string()).collect(),
        sorts: Vec::new(),
        rows: rows.iter().map(|r| loan_cells(lang, auth, r, today)).collect(),
        empty: t.t("machine-loans.none").into(),
    }
}

// --- Machine page ---------------------------------------------------------------------------------

fn loan_form(lang: Lang, machine_id: Id, d: &LoanDraft, group_field: Field, program_field: Field) -> Form {
    let t = lang.tr();
    Form::new(
        "loan",
        format!("/machines/{machine_id}/loans"),
        t.t("machines.lend"),
        vec![
            group_field.required(),
            program_field,
            Field::date("starts_on", t.t("machine-loans.starts_on"), &d.starts_on).required(),
            Field::date("due_on", t.t("machine-loans.due_on"), &d.due_on).required(),
            Field::textarea("note", t.t("machine-loans.note"), d.note.clone().unwrap_or_default()),
        ],
    )
}

fn maintenance_form(lang: Lang, machine_id: Id, d: &MaintenanceDraft) -> Form {
    let t = lang.tr();
    let kinds = vocabulary(MaintenanceKind::ALL, MaintenanceKind::code, MaintenanceKind::label, lang);
    let conditions = vocabulary(MachineCondition::ALL, MachineCondition::code, MachineCondition::label, lang);
    Form::new(
        "maintenance",
        format!("/machines/{machine_id}/maintenance"),
        t.t("machines.add_maintenance"),
        vec![
            Field::date("done_on", t.t("machines.done_on"), &d.done_on).required(),
            Field::select("kind", t.t("machines.maintenance_kind"), &d.kind, kinds, Some(t.t("common.choose")))
                .required(),
            Field::textarea("description", t.t("machines.description"), &d.description).required(),
            Field::text("cost", t.t("machines.cost"), &d.cost).hint(t.t("machines.cost_hint")),
            Field::select("condition_after", t.t("machines.condition_after"), &d.condition_after, conditions, None)
                .required(),
        ],
    )
}

fn maintenance_table(lang: Lang, list: &[Maintenance]) -> Table {
    let t = lang.tr();
    Table {
        headers: vec![
            t.t("machines.done_on").into(),
            t.t("machines.maintenance_kind").into(),
            t.t("machines.description").into(),
            t.t("machines.cost").into(),
            t.t("machines.condition_after").into(),
        ],
        sorts: Vec::new(),
        rows: list
            .iter()
            .map(|m| {
                vec![
                    Cell::text(iso(m.done_on)),
                    Cell::text(m.kind.label(lang.code())),
                    Cell::text(m.description.clone()),
                    Cell::text(format_rupiah(m.cost_rp)),
                    Cell::text(m.condition_after.label(lang.code())),
                ]
            })
            .collect(),
        empty: t.t("machines.no_maintenance").into(),
    }
}

/// The machine page; `loan` and `fix` replace the blank lend and maintenance forms (to show
/// their errors).
async fn machine_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    rec: MachineRec,
    loan: Option<LoanDraft>,
    fix: Option<MaintenanceDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let shell = view_shell::<Machines>(lang, auth, &rec, machine_label(&rec.machine));
    let m = &rec.machine;
    let id = m.id;
    let agency = store.agency(m.agency_id).await.ok();
    let region = store.region(&m.region).await.ok();
    let mut loans = store.machine_loans(id).await?;
    loans.reverse();
    let maintenance = store.machine_maintenance(id).await?;
    let mut sections = vec![
        Section {
            id: "loans".into(),
            title: t.t("machines.loans").into(),
            table: Some(loans_table(lang, auth, &loans)),
            links: vec![
                Link::new(t.t("machines.history"), format!("/machines/{id}/history")),
                Link::new(t.t("machines.history_xlsx"), format!("/machines/{id}/history.xlsx")),
            ],
            ..Default::default()
        },
        Section {
            id: "maintenance".into(),
            title: t.t("machines.maintenance").into(),
            table: Some(maintenance_table(lang, &maintenance)),
            ..Default::default()
        },
    ];
    if rec.manages {
        let d = loan.unwrap_or_default();
        let program = d.program_id.clone().unwrap_or_default();
        let group = refs::record_field(state, auth, "group", "group_id", t.t("machine-loans.group"), &d.group_id).await;
        let program =
            refs::record_field(state, auth, "program", "program_id", t.t("machine-loans.program"), &program).await;
        sections.insert(
            1,
            Section {
                id: "lend".into(),
                title: t.t("machines.lend").into(),
                form: Some(loan_form(lang, id, &d, group, program)),
                ..Default::default()
            },
        );
        let f = fix.unwrap_or_else(|| MaintenanceDraft {
            condition_after: MachineCondition::Good.code().into(),
            ..Default::default()
        });
        sections.push(Section {
            id: "add-maintenance".into(),
            title: t.t("machines.add_maintenance").into(),
            form: Some(maintenance_form(lang, id, &f)),
            ..Default::default()
        });
    }
    let mut page = ViewPage {
        facts: vec![
            (t.t("machines.name").into(), Cell::text(m.name.clone())),
            (t.t("machines.kind").into(), Cell::text(m.kind.label(lang.code()))),
            (t.t("machines.inventory_no").into(), Cell::text(m.inventory_no.clone())),
            (t.t("machines.condition").into(), Cell::text(m.condition.label(lang.code()))),
            (
                t.t("machines.agency").into(),
                Cell::link(
                    agency.map(|a| a.name).unwrap_or_else(|| m.agency_id.to_string()),
                    format!("/agencies/{}", m.agency_id),
                ),
            ),
            (
                t.t("machines.region").into(),
                Cell::link(
                    region.map(|r| format!("{} ({})", r.name, r.code)).unwrap_or_else(|| m.region.to_string()),
                    format!("/regions/{}", m.region),
                ),
            ),
            (t.t("machines.place").into(), Cell::text(m.place.clone().unwrap_or_else(|| "—".into()))),
            (t.t("machines.acquired_on").into(), Cell::text(date_or_dash(m.acquired_on))),
            (t.t("machines.note").into(), Cell::text(m.note.clone().unwrap_or_else(|| "—".into()))),
            (t.t("common.version").into(), Cell::text(m.version.to_string())),
        ],
        sections,
        ..shell
    };
    if let Some(why) = m.condition.refuses_lending() {
        page.warnings.push(crate::messages::translate(lang, why));
    }
    Ok(page)
}

async fn book_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let rec = editable_machine(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = LoanDraft { machine_id: id.to_string(), ..MachineLoans::draft_from(&form) };
    let result = kit::create::<MachineLoans>(&state, &auth, &draft).await;
    let page = || machine_view(&state, &auth, lang, rec, Some(draft.clone()), None);
    section_done::<LoanRec, _, _>(lang, result, format!("/machines/{id}#loans"), "lend", page).await
}

async fn add_maintenance_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let rec = editable_machine(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = MaintenanceDraft {
        done_on: form.get("done_on"),
        kind: form.get("kind"),
        description: form.get("description"),
        cost: form.get("cost"),
        condition_after: form.get("condition_after"),
    };
    let result = async { Ok(state.store().add_maintenance(id, &draft.parse()?).await?) }.await;
    let page = || machine_view(&state, &auth, lang, rec, None, Some(draft.clone()));
    section_done::<Maintenance, _, _>(lang, result, format!("/machines/{id}#maintenance"), "add-maintenance", page)
        .await
}

/// A machine's loans, oldest first.
#[utoipa::path(get, path = "/api/v1/machines/{id}/loans", tag = "machines", params(("id" = i64, Path, description = "Machine id")),
    responses((status = 200, body = Vec<MachineLoanDto>), (status = 404, body = ErrorBody)))]
pub async fn machine_loans_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<MachineLoanDto>>, Error> {
    readable_machine(&state, &auth, id).await?;
    let loans = state.store().machine_loans(id).await?;
    Ok(Json(loans.into_iter().map(MachineLoanDto::from).collect()))
}

/// A machine's maintenance, oldest first.
#[utoipa::path(get, path = "/api/v1/machines/{id}/maintenance", tag = "machines", params(("id" = i64, Path, description = "Machine id")),
    responses((status = 200, body = Vec<MaintenanceDto>), (status = 404, body = ErrorBody)))]
pub async fn maintenance_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<MaintenanceDto>>, Error> {
    readable_machine(&state, &auth, id).await?;
    let list = state.store().machine_maintenance(id).await?;
    Ok(Json(list.into_iter().map(MaintenanceDto::from).collect()))
}

/// Records maintenance; the machine takes the condition after it (into or out of repair).
#[utoipa::path(post, path = "/api/v1/machines/{id}/maintenance", tag = "machines", params(("id" = i64, Path, description = "Machine id")),
    request_body = MaintenanceInput,
    responses((status = 201, body = MaintenanceDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_maintenance_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    editable_machine(&state, &auth, id).await?;
    let draft: MaintenanceDraft = body.draft(&["cost"])?;
    let m = state.store().add_maintenance(id, &draft.parse()?).await?;
    Ok(created(MaintenanceDto::from(m)))
}

// --- Loan page and its actions ----------------------------------------------------------------

/// Which action form a loan page re-shows with its errors.
enum Redo {
    CheckOut(CheckOutDraft),
    Return(ReturnDraft),
}

async fn loan_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    rec: LoanRec,
    redo: Option<Redo>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let heading = format!("{} — {}", rec.row.machine_name, rec.row.group_name);
    let mut shell = view_shell::<MachineLoans>(lang, auth, &rec, heading);
    let (r, l) = (&rec.row, &rec.row.loan);
    let id = l.id;
    let program = match l.program_id {
        Some(p) => crate::registry::programs::readable_program(state, auth, p).await.ok(),
        None => None,
    };
    let today = today();
    if l.overdue_on(today) {
        shell.warnings.push(t.t("machine-loans.overdue_warning").replace("{due}", &iso(l.due_on)));
    }
    let conditions = vocabulary(MachineCondition::ALL, MachineCondition::code, MachineCondition::label, lang);
    let mut sections = Vec::new();
    let version = l.version.to_string();
    if rec.manages && l.status == LoanStatus::Booked {
        let d = match &redo {
            Some(Redo::CheckOut(d)) => d.clone(),
            _ => CheckOutDraft {
                out_on: iso(l.starts_on.max(today.min(l.due_on))),
                condition_out: state.store().machine(l.machine_id).await?.condition.code().into(),
                out_by: String::new(),
            },
        };
        let form = Form::new(
            "checkout",
            format!("/machine-loans/{id}/check-out"),
            t.t("machine-loans.check_out"),
            vec![
                Field::date("out_on", t.t("machine-loans.out_on"), &d.out_on).required(),
                Field::select(
                    "condition_out",
                    t.t("machine-loans.condition_out"),
                    &d.condition_out,
                    conditions.clone(),
                    None,
                )
                .required(),
                Field::text("out_by", t.t("machine-loans.out_by"), &d.out_by).required(),
            ],
        )
        .hidden("version", version.clone());
        sections.push(Section {
            id: "check-out".into(),
            title: t.t("machine-loans.check_out").into(),
            form: Some(form),
            ..Default::default()
        });
        let cancel =
            Form::new("cancel", format!("/machine-loans/{id}/cancel"), t.t("machine-loans.cancel"), Vec::new())
                .hidden("version", version.clone());
        sections.push(Section {
            id: "cancel".into(),
            title: t.t("machine-loans.cancel").into(),
            form: Some(cancel),
            ..Default::default()
        });
    }
    if rec.manages && l.status == LoanStatus::Out {
        let d = match &redo {
            Some(Redo::Return(d)) => d.clone(),
            _ => ReturnDraft {
                returned_on: iso(today.max(l.out_on.unwrap_or(today))),
                condition_in: l.condition_out.unwrap_or(MachineCondition::Good).code().into(),
                ..Default::default()
            },
        };
        let form = Form::new(
            "return",
            format!("/machine-loans/{id}/return"),
            t.t("machine-loans.record_return"),
            vec![
                Field::date("returned_on", t.t("machine-loans.returned_on"), &d.returned_on).required(),
                Field::select("condition_in", t.t("machine-loans.condition_in"), &d.condition_in, conditions, None)
                    .required(),
                Field::text("usage_hours", t.t("machine-loans.usage_hours"), d.usage_hours.clone().unwrap_or_default())
                    .hint(t.t("machine-loans.usage_hours_hint")),
                Field::text("usage_area", t.t("machine-loans.usage_area"), d.usage_area.clone().unwrap_or_default())
                    .hint(t.t("machine-loans.usage_area_hint")),
                Field::textarea(
                    "damage_note",
                    t.t("machine-loans.damage_note"),
                    d.damage_note.clone().unwrap_or_default(),
                ),
            ],
        )
        .hidden("version", version);
        sections.push(Section {
            id: "return".into(),
            title: t.t("machine-loans.record_return").into(),
            form: Some(form),
            ..Default::default()
        });
    }
    let dash = || "—".to_string();
    let out_by =
        if rec.masked { t.t("machine-loans.hidden").to_string() } else { l.out_by.clone().unwrap_or_else(dash) };
    Ok(ViewPage {
        facts: vec![
            (
                t.t("machine-loans.machine").into(),
                Cell::link(format!("{} ({})", r.machine_name, r.inventory_no), format!("/machines/{}", l.machine_id)),
            ),
            (t.t("machines.kind").into(), Cell::text(r.machine_kind.label(lang.code()))),
            (
                t.t("machine-loans.group").into(),
                link_if(auth.reads_people(), r.group_name.clone(), format!("/groups/{}", l.group_id)),
            ),
            (
                t.t("machine-loans.program").into(),
                match program {
                    Some(p) => Cell::link(p.name, format!("/programs/{}", p.id)),
                    None => Cell::text(dash()),
                },
            ),
            (t.t("machine-loans.period").into(), Cell::text(period_text(l.starts_on, l.due_on))),
            (t.t("machine-loans.status").into(), Cell::text(status_text(lang, l, today))),
            (t.t("machine-loans.out_on").into(), Cell::text(date_or_dash(l.out_on))),
            (
                t.t("machine-loans.condition_out").into(),
                Cell::text(l.condition_out.map_or_else(dash, |c| c.label(lang.code()).into())),
            ),
            (t.t("machine-loans.out_by").into(), Cell::text(out_by)),
            (t.t("machine-loans.returned_on").into(), Cell::text(date_or_dash(l.returned_on))),
            (
                t.t("machine-loans.condition_in").into(),
                Cell::text(l.condition_in.map_or_else(dash, |c| c.label(lang.code()).into())),
            ),
            (t.t("machine-loans.usage").into(), Cell::text(usage_text(l.usage_minutes, l.usage_m2))),
            (t.t("machine-loans.damage_note").into(), Cell::text(l.damage_note.clone().unwrap_or_else(dash))),
            (t.t("machine-loans.note").into(), Cell::text(l.note.clone().unwrap_or_else(dash))),
            (t.t("machine-loans.number").into(), Cell::text(id.to_string())),
            (t.t("common.version").into(), Cell::text(l.version.to_string())),
        ],
        sections,
        ..shell
    })
}

fn version_of(body: &JsonBody) -> Result<Version, Error> {
    body.version()
}

/// Hands a booked machine out.
#[utoipa::path(post, path = "/api/v1/machine-loans/{id}/check-out", tag = "machine-loans", params(("id" = i64, Path, description = "Loan id")),
    request_body = CheckOutInput,
    responses((status = 200, body = MachineLoanDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_out_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<MachineLoanDto>, Error> {
    editable_loan(&state, &auth, id).await?;
    let draft: CheckOutDraft = body.draft(&[])?;
    let version = version_of(&body)?;
    state.store().check_out(id, &draft.parse()?, version).await?;
    Ok(Json(readable_loan(&state, &auth, id).await?.into()))
}

/// Records the return: date (not before the check-out), condition (the machine takes it),
/// usage and damage.
#[utoipa::path(post, path = "/api/v1/machine-loans/{id}/return", tag = "machine-loans", params(("id" = i64, Path, description = "Loan id")),
    request_body = ReturnInput,
    responses((status = 200, body = MachineLoanDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn return_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<MachineLoanDto>, Error> {
    editable_loan(&state, &auth, id).await?;
    let draft: ReturnDraft = body.draft(&["usage_hours", "usage_area"])?;
    let version = version_of(&body)?;
    state.store().return_loan(id, &draft.parse()?, version).await?;
    Ok(Json(readable_loan(&state, &auth, id).await?.into()))
}

/// Cancels a booking.
#[utoipa::path(post, path = "/api/v1/machine-loans/{id}/cancel", tag = "machine-loans", params(("id" = i64, Path, description = "Loan id")),
    request_body = VersionInput,
    responses((status = 200, body = MachineLoanDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<MachineLoanDto>, Error> {
    editable_loan(&state, &auth, id).await?;
    let version = version_of(&body)?;
    state.store().cancel_loan(id, version).await?;
    Ok(Json(readable_loan(&state, &auth, id).await?.into()))
}

async fn check_out_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let rec = editable_loan(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = CheckOutDraft {
        out_on: form.get("out_on"),
        condition_out: form.get("condition_out"),
        out_by: form.get("out_by"),
    };
    let version = form.version().unwrap_or(0);
    let result = async { Ok(state.store().check_out(id, &draft.parse()?, version).await?) }.await;
    let page = || loan_view(&state, &auth, lang, rec, Some(Redo::CheckOut(draft.clone())));
    section_done::<_, _, _>(lang, result, format!("/machine-loans/{id}"), "check-out", page).await
}

async fn return_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let rec = editable_loan(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = ReturnDraft {
        returned_on: form.get("returned_on"),
        condition_in: form.get("condition_in"),
        usage_hours: form.opt("usage_hours"),
        usage_area: form.opt("usage_area"),
        damage_note: form.opt("damage_note"),
    };
    let version = form.version().unwrap_or(0);
    let result = async { Ok(state.store().return_loan(id, &draft.parse()?, version).await?) }.await;
    let page = || loan_view(&state, &auth, lang, rec, Some(Redo::Return(draft.clone())));
    section_done::<_, _, _>(lang, result, format!("/machine-loans/{id}"), "return", page).await
}

async fn cancel_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let rec = editable_loan(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let version = form.version().unwrap_or(0);
    let result = async { Ok(state.store().cancel_loan(id, version).await?) }.await;
    let page = || loan_view(&state, &auth, lang, rec, None);
    section_done::<_, _, _>(lang, result, format!("/machine-loans/{id}"), "cancel", page).await
}

// --- History ------------------------------------------------------------------------------------

/// One line of a machine's history: a loan or a maintenance record, by date.
struct HistoryLine {
    on: Date,
    cells: Vec<String>,
    href: Option<String>,
}

async fn history_lines(state: &AppState, auth: &Auth, lang: Lang, id: Id) -> Result<Vec<HistoryLine>, Error> {
    let t = lang.tr();
    let store = state.store();
    let today = today();
    let masked = auth.role() == Role::Evaluator;
    let mut lines = Vec::new();
    for r in store.machine_loans(id).await? {
        let l = &r.loan;
        let group = if masked || auth.readable_group(store, l.group_id).await.is_ok() {
            r.group_name.clone()
        } else {
            t.t("machine-loans.other_group").to_string()
        };
        let cond = |c: Option<MachineCondition>| c.map_or_else(|| "—".to_string(), |c| c.label(lang.code()).into());
        lines.push(HistoryLine {
            on: l.out_on.unwrap_or(l.starts_on),
            cells: vec![
                iso(l.out_on.unwrap_or(l.starts_on)),
                t.t("machines.history_loan").into(),
                format!("{group} · {}", period_text(l.starts_on, l.due_on)),
                status_text(lang, l, today),
                usage_text(l.usage_minutes, l.usage_m2),
                format!("{} → {}", cond(l.condition_out), cond(l.condition_in)),
                l.damage_note.clone().unwrap_or_else(|| "—".into()),
            ],
            href: Some(format!("/machine-loans/{}", l.id)),
        });
    }
    for m in store.machine_maintenance(id).await? {
        lines.push(HistoryLine {
            on: m.done_on,
            cells: vec![
                iso(m.done_on),
                m.kind.label(lang.code()).into(),
                m.description.clone(),
                format_rupiah(m.cost_rp),
                "—".into(),
                format!("→ {}", m.condition_after.label(lang.code())),
                "—".into(),
            ],
            href: None,
        });
    }
    lines.sort_by_key(|l| l.on);
    Ok(lines)
}

fn history_headers(lang: Lang) -> Vec<String> {
    let t = lang.tr();
    [
        "machines.history_date",
        "machines.history_event",
        "machines.history_what",
        "machine-loans.status",
        "machine-loans.usage",
        "machines.history_condition",
        "machine-loans.damage_note",
    ]
    .iter()
    .map(|k| t.t(k).to_string())
    .collect()
}

async fn history_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let result = async {
        let rec = readable_machine(&state, &auth, id).await?;
        let t = lang.tr();
        let lines = history_lines(&state, &auth, lang, id).await?;
        let table = Table {
            headers: history_headers(lang),
            sorts: Vec::new(),
            rows: lines
                .into_iter()
                .map(|l| {
                    let mut cells: Vec<Cell> = l.cells.into_iter().map(Cell::text).collect();
                    if let (Some(href), Some(first)) = (l.href, cells.first_mut()) {
                        *first = Cell::link(first.text.clone(), href);
                    }
                    cells
                })
                .collect(),
            empty: t.t("machines.no_history").into(),
        };
        let heading = format!("{} — {}", t.t("machines.history"), machine_label(&rec.machine));
        let mut shell = view_shell::<Machines>(lang, &auth, &rec, heading);
        shell.actions = vec![Link::new(t.t("machines.history_xlsx"), format!("/machines/{id}/history.xlsx"))];
        shell.breadcrumbs.push(Link::new(machine_label(&rec.machine), format!("/machines/{id}")));
        Ok::<_, Error>(ViewPage {
            sections: vec![Section {
                id: "history".into(),
                title: t.t("machines.history").into(),
                table: Some(table),
                ..Default::default()
            }],
            ..shell
        })
    }
    .await
    .map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&result))
}

fn xlsx_response(name: &str, tables: &[SheetTable]) -> Result<Response, Error> {
    let body = berdaya_files::tables::write_tables(tables).map_err(|e| {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the workbook: {e}"))
    })?;
    Ok((
        [
            (CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

async fn history_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let result = async {
        let rec = readable_machine(&state, &auth, id).await?;
        let lines = history_lines(&state, &auth, lang, id).await?;
        let table = SheetTable {
            name: rec.machine.inventory_no.clone(),
            headers: history_headers(lang),
            rows: lines.into_iter().map(|l| l.cells.into_iter().map(TableCell::Text).collect()).collect(),
        };
        xlsx_response(&format!("berdaya-alsintan-{id}.xlsx"), &[table])
    }
    .await;
    result.map_err(|e| e.page(lang))
}

/// Every page of a listing, up to the export cap.
const EXPORT_ROWS: u32 = 5_000;

async fn all_pages<R: Resource>(state: &AppState, auth: &Auth, params: &ListParams) -> Result<Vec<R::Row>, Error> {
    let mut out = Vec::new();
    let mut params = params.clone();
    let mut n = 1;
    loop {
        params.page = PageRequest::new(n, PageRequest::MAX_PER_PAGE);
        let page = kit::search::<R>(state, auth, &params).await?;
        let last = page.items.len() < PageRequest::MAX_PER_PAGE as usize;
        out.extend(page.items);
        if last || out.len() >= EXPORT_ROWS as usize {
            return Ok(out);
        }
        n += 1;
    }
}

async fn machines_xlsx(Cx { state, lang, auth }: Cx, params: ListParams) -> Result<Response, Error> {
    let result = async {
        let t = lang.tr();
        let rows = all_pages::<Machines>(&state, &auth, &params).await?;
        let mut headers: Vec<String> = Machines::COLUMNS.iter().map(|c| t.t(c.label).to_string()).collect();
        headers.extend([t.t("machines.region").to_string(), t.t("machines.place").to_string()]);
        let table = SheetTable {
            name: t.t("machines.title").into(),
            headers,
            rows: rows
                .into_iter()
                .map(|r| {
                    let (region, place) = (r.region_name.clone(), r.machine.place.clone().unwrap_or_default());
                    Machines::cells(lang, &auth, r)
                        .into_iter()
                        .map(|c| TableCell::Text(c.text))
                        .chain([TableCell::Text(region), TableCell::Text(place)])
                        .collect()
                })
                .collect(),
        };
        xlsx_response("berdaya-alsintan.xlsx", &[table])
    }
    .await;
    result.map_err(|e| e.page(lang))
}

async fn loans_xlsx(Cx { state, lang, auth }: Cx, params: ListParams) -> Result<Response, Error> {
    let result = async {
        let t = lang.tr();
        let rows = all_pages::<MachineLoans>(&state, &auth, &params).await?;
        let today = today();
        let mut headers: Vec<String> = MachineLoans::COLUMNS.iter().map(|c| t.t(c.label).to_string()).collect();
        headers.extend([
            t.t("machine-loans.out_on").to_string(),
            t.t("machine-loans.returned_on").to_string(),
            t.t("machine-loans.days_late").to_string(),
            t.t("machine-loans.number").to_string(),
        ]);
        let overdue = params.other.get("overdue").is_some_and(|v| v == "true");
        let table = SheetTable {
            name: t.t(if overdue { "machine-loans.overdue_title" } else { "machine-loans.title" }).into(),
            headers,
            rows: rows
                .iter()
                .map(|r| {
                    let l = &r.loan;
                    let late = if l.overdue_on(today) { (today - l.due_on).whole_days().max(0) as u64 } else { 0 };
                    loan_cells(lang, &auth, r, today)
                        .into_iter()
                        .map(|c| TableCell::Text(c.text))
                        .chain([
                            TableCell::Text(date_or_dash(l.out_on)),
                            TableCell::Text(date_or_dash(l.returned_on)),
                            TableCell::Count(late),
                            TableCell::Count(l.id as u64),
                        ])
                        .collect()
                })
                .collect(),
        };
        let name = if overdue { "berdaya-pinjaman-terlambat.xlsx" } else { "berdaya-pinjaman-alsintan.xlsx" };
        xlsx_response(name, &[table])
    }
    .await;
    result.map_err(|e| e.page(lang))
}

// --- Panels of other pages --------------------------------------------------------------------

/// The group page's panel: the group's loans (out and overdue first, then booked, then past);
/// none for a group that never borrowed a machine.
pub async fn group_panel(state: &AppState, auth: &Auth, lang: Lang, group: &Group) -> Result<Option<Section>, Error> {
    if !auth.principal().reads_programs() {
        return Ok(None);
    }
    let t = lang.tr();
    let today = today();
    let mut loans: Vec<LoanRow> =
        state.store().group_loans(group.id).await?.into_iter().filter(|r| auth.in_area(&r.machine_region)).collect();
    let rank = |r: &LoanRow| match r.loan.status {
        LoanStatus::Out if r.loan.overdue_on(today) => 0,
        LoanStatus::Out => 1,
        LoanStatus::Booked => 2,
        _ => 3,
    };
    if loans.is_empty() {
        return Ok(None);
    }
    loans.sort_by_key(|r| (rank(r), std::cmp::Reverse(r.loan.starts_on)));
    let overdue = loans.iter().filter(|r| r.loan.overdue_on(today)).count();
    let mut title = t.t("machines.group_panel").to_string();
    if overdue > 0 {
        title = format!("{title} ({overdue} {})", t.t("machine-loans.late"));
    }
    Ok(Some(Section {
        id: "machine-loans".into(),
        title,
        table: Some(loans_table(lang, auth, &loans)),
        links: vec![Link::new(t.t("machine-loans.all_of_group"), format!("/machine-loans?group_id={}", group.id))],
        ..Default::default()
    }))
}

/// The program page's machinery, when its agency (or a unit of it) has machines: counts by
/// condition, out and overdue now, and links to the machines, the program's loans, its overdue
/// loans and their XLSX.
pub async fn program_section(state: &AppState, lang: Lang, p: &Program) -> Result<Option<Section>, Error> {
    let t = lang.tr();
    let id = p.id;
    let today = today();
    let summary = state.store().machine_summary(MachineOwner::Program(id), today, today, today).await?;
    if summary.machines == 0 {
        return Ok(None);
    }
    let mut rows: Vec<Vec<Cell>> = summary
        .by_condition
        .iter()
        .map(|(c, n)| vec![Cell::text(c.label(lang.code())), Cell::text(n.to_string())])
        .collect();
    rows.push(vec![Cell::text(t.t("machines.out_now")), Cell::text(summary.out_now.to_string())]);
    rows.push(vec![Cell::text(t.t("machine-loans.overdue_title")), Cell::text(summary.overdue_now.to_string())]);
    Ok(Some(Section {
        id: "machinery".into(),
        title: t.t("machines.program_section").into(),
        table: Some(Table {
            headers: vec![t.t("machines.condition").into(), t.t("machines.count").into()],
            sorts: Vec::new(),
            rows,
            empty: t.t("machines.none").into(),
        }),
        links: vec![
            Link::new(t.t("machines.title"), format!("/machines?agency_id={}", p.agency_id)),
            Link::new(t.t("machine-loans.title"), format!("/machine-loans?program_id={id}")),
            Link::new(t.t("machine-loans.overdue_title"), format!("/machine-loans?program_id={id}&overdue=true")),
            Link::new(t.t("machine-loans.overdue_xlsx"), format!("/machine-loans.xlsx?program_id={id}&overdue=true")),
            Link::new(t.t("machines.xlsx"), format!("/machines.xlsx?agency_id={}", p.agency_id)),
        ],
        ..Default::default()
    }))
}
