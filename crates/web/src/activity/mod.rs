//! Activities over HTTP: the kit's listing (`/activities`, filtered by program, kind, group or
//! staff), view, forms and `/api/v1/activities` routes; the attendance of an activity, a
//! group and a person ([`attendance`]); attached files ([`attachments`]); the month
//! calendars of an agency and of a member of staff ([`calendar`]); the group page's panel.
//!
//! Who may do what: every role that reads programs reads the activities of the programs and
//! regions in its area (a group officer only those that invited their group; an evaluator
//! sees attendance under pseudonyms); an administrator, a program officer of the program's
//! agency, or a facilitator (an extension worker) in whose area the activity is held records
//! and changes activities and attendance.

pub mod attachments;
pub mod attendance;
pub mod calendar;

use axum::Router;
use axum::http::StatusCode;
use berdaya_domain::access::Role;
use berdaya_domain::activity::{Activity, ActivityDraft, ActivityKind, NewActivity, Rate};
use berdaya_domain::registry::{Group, Id, Invalid, Program, Version};
use berdaya_store::activity::{ActivityRow, StaffRow};
use berdaya_store::{Page, Query};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::access::guard::{Auth, hidden, missing_reference};
use crate::error::Error;
use crate::extract::{FormData, ListParams};
use crate::html::{Cell, Field, Link, Section, Table, ViewPage, vocabulary};
use crate::i18n::Lang;
use crate::kit::{self, ApiDoc, Column, Filter, Mode, Resource, link_if, refs, view_shell};
use crate::registry::iso;
use crate::registry::programs::readable_program;

pub fn router() -> Router<AppState> {
    kit::router::<Activities>().merge(attendance::router()).merge(attachments::router()).merge(calendar::router())
}

impl kit::Draft for ActivityDraft {
    type New = NewActivity;
    fn parse(&self) -> Result<NewActivity, Invalid> {
        ActivityDraft::parse(self)
    }
}

/// An activity as a principal reads it, with its program.
#[derive(Debug, Clone)]
pub struct Readable {
    pub activity: Activity,
    pub program: Program,
}

impl kit::Record for Readable {
    type Key = Id;
    fn key(&self) -> Id {
        self.activity.id
    }
    fn version(&self) -> Version {
        self.activity.version
    }
}

/// Whether the role may record activities at all.
pub fn records_activities(auth: &Auth) -> bool {
    matches!(auth.role(), Role::Administrator | Role::ProgramOfficer | Role::Facilitator)
}

/// Whether the principal may record or change activities (and attendance) of `program`
/// held in `region`: an administrator, a program officer of the program's agency, or a
/// facilitator whose area holds the region.
pub fn may_record(auth: &Auth, program: &Program, region: &berdaya_domain::registry::RegionCode) -> bool {
    let p = auth.principal();
    if !auth.in_area(region) {
        return false;
    }
    p.manages_program(program.agency_id) || auth.role() == Role::Facilitator
}

/// An activity the principal may read: its program in their area, held in their area, and
/// for a group officer one that invited their group. Anything else reads as missing.
pub async fn readable_activity(state: &AppState, auth: &Auth, id: Id) -> Result<Readable, Error> {
    auth.require(auth.principal().reads_programs())?;
    let activity = state.store().activity(id).await?;
    let program = readable_program(state, auth, activity.program_id)
        .await
        .map_err(|e| if e.status() == StatusCode::NOT_FOUND { hidden("activity") } else { e })?;
    if !auth.in_area(&activity.region) {
        return Err(hidden("activity"));
    }
    if auth.role() == Role::GroupOfficer {
        let own = auth.principal().user.group_id;
        if !own.is_some_and(|g| activity.group_ids.contains(&g)) {
            return Err(hidden("activity"));
        }
    }
    Ok(Readable { activity, program })
}

/// An activity the principal may change (attendance, attachments): readable, then theirs
/// to record (a 403 otherwise).
pub async fn writable_activity(state: &AppState, auth: &Auth, id: Id) -> Result<Readable, Error> {
    auth.require(records_activities(auth))?;
    let r = readable_activity(state, auth, id).await?;
    auth.require(may_record(auth, &r.program, &r.activity.region))?;
    Ok(r)
}

/// A member of staff the caller may name: their agency's region in the caller's area or
/// above it (the BPP that serves the area).
pub async fn staff_visible(state: &AppState, auth: &Auth, id: Id) -> Result<StaffRow, Error> {
    auth.require(auth.principal().reads_programs())?;
    let s = state.store().staff_member(id).await?;
    if auth.region_code_visible(&s.agency_region) { Ok(s) } else { Err(hidden("staff")) }
}

async fn staff_ref(state: &AppState, auth: &Auth, field: &'static str, id: Id) -> Result<StaffRow, Error> {
    staff_visible(state, auth, id).await.map_err(|e| {
        if matches!(e.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
            missing_reference(field, "staff", id)
        } else {
            e
        }
    })
}

/// An activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    pub program_id: i64,
    /// `counseling`, `training`, `mentoring`, `socialization`, `demo_plot`, `field_school`,
    /// `exhibition`, `deliberation`, `other`.
    pub kind: String,
    pub title: String,
    pub topic: Option<String>,
    pub held_on: String,
    /// `HH:MM`.
    pub starts_at: Option<String>,
    pub duration_min: i64,
    pub region: String,
    pub place: Option<String>,
    pub staff_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
    /// Framework dimensions.
    pub tag_ids: Vec<i64>,
    pub materials: Option<String>,
    pub report: Option<String>,
    pub version: i64,
}

impl From<Activity> for ActivityDto {
    fn from(a: Activity) -> Self {
        ActivityDto {
            id: a.id,
            program_id: a.program_id,
            kind: a.kind.code().into(),
            title: a.title,
            topic: a.topic,
            held_on: iso(a.held_on),
            starts_at: a.starts_at.map(|t| t.to_string()),
            duration_min: a.duration_min,
            region: a.region.to_string(),
            place: a.place,
            staff_ids: a.staff_ids,
            group_ids: a.group_ids,
            tag_ids: a.tag_ids,
            materials: a.materials,
            report: a.report,
            version: a.version,
        }
    }
}

/// An attendance rate: present out of recorded, and the percent to one decimal (rounded
/// half-up by integer arithmetic; `null` when nothing is recorded).
#[derive(Debug, Serialize, ToSchema)]
pub struct RateDto {
    pub present: u64,
    pub recorded: u64,
    /// `66.7` for 2 of 3.
    pub percent: Option<String>,
}

impl From<Rate> for RateDto {
    fn from(r: Rate) -> Self {
        RateDto { present: r.present, recorded: r.recorded, percent: r.percent_text() }
    }
}

/// An activity in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityRowDto {
    pub id: i64,
    pub program_id: i64,
    pub program_name: String,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub duration_min: i64,
    pub region: String,
    pub region_name: String,
    pub attendance: RateDto,
}

impl From<ActivityRow> for ActivityRowDto {
    fn from(r: ActivityRow) -> Self {
        ActivityRowDto {
            id: r.id,
            program_id: r.program_id,
            program_name: r.program_name,
            kind: r.kind.code().into(),
            title: r.title,
            held_on: iso(r.held_on),
            duration_min: r.duration_min,
            region: r.region.to_string(),
            region_name: r.region_name,
            attendance: r.rate.into(),
        }
    }
}

/// An activity (`ActivityDraft`).
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct ActivityInput {
    /// The program's id (a number; digits as text are accepted too).
    program_id: i64,
    /// `counseling`, `training`, `mentoring`, `socialization`, `demo_plot`, `field_school`,
    /// `exhibition`, `deliberation`, `other`.
    kind: String,
    title: String,
    topic: Option<String>,
    /// `YYYY-MM-DD`.
    held_on: String,
    /// `HH:MM`.
    starts_at: Option<String>,
    /// Whole minutes, 1 to 10080.
    duration_min: i64,
    /// Region code where it was held.
    region: String,
    place: Option<String>,
    /// Staff ids (extension workers, facilitators) who ran it: an array, or text `"3, 7"`.
    staff_ids: Option<Vec<i64>>,
    /// Groups invited.
    group_ids: Option<Vec<i64>>,
    /// Framework dimensions it is tagged with.
    tag_ids: Option<Vec<i64>>,
    materials: Option<String>,
    report: Option<String>,
}

/// An activity change, with the version read.
#[derive(ToSchema, serde::Deserialize)]
#[allow(dead_code)]
pub struct ActivityUpdate {
    #[serde(flatten)]
    activity: ActivityInput,
    version: i64,
}

/// Activities as a kit resource.
pub struct Activities;

impl Resource for Activities {
    type Record = Readable;
    type Row = ActivityRow;
    type Draft = ActivityDraft;
    type Dto = ActivityDto;
    type RowDto = ActivityRowDto;

    const NAME: &'static str = "activities";
    const ONE: &'static str = "activity";
    const COLUMNS: &'static [Column] = &[
        Column::sorted("activities.held_on", "held_on"),
        Column::sorted("activities.title_col", "title"),
        Column::sorted("activities.kind", "kind"),
        Column::sorted("activities.program", "program"),
        Column::plain("activities.region"),
        Column::plain("activities.attendance"),
    ];
    const FILTERS: &'static [Filter] = &[
        Filter {
            key: "kind",
            label: "activities.kind",
            choices: |lang| vocabulary(ActivityKind::ALL, ActivityKind::code, ActivityKind::label, lang),
        },
        // By program, group or staff member (as the program, group and staff pages link).
        Filter { key: "program_id", label: "activities.program", choices: |_| Vec::new() },
        Filter { key: "group_id", label: "activities.groups", choices: |_| Vec::new() },
        Filter { key: "staff_id", label: "activities.staff", choices: |_| Vec::new() },
    ];
    const REGION_FILTER: bool = true;
    const NUMBERS: &'static [&'static str] = &["program_id", "duration_min"];
    const DOC: ApiDoc = ApiDoc {
        stem: "Activity",
        row: "ActivityRowDto",
        noun: "activity",
        list: "Activities held in the caller's area, newest first, whose title contains `q`; filters `program_id`, \
               `kind`, `group_id`, `staff_id`.",
        create: "Adds an activity of a program; the program, region, staff, groups and tags must be ones the caller \
                 may see.",
    };

    fn may_list(auth: &Auth) -> bool {
        auth.principal().reads_programs()
    }
    fn may_create(auth: &Auth) -> bool {
        records_activities(auth)
    }
    fn may_write(auth: &Auth) -> bool {
        records_activities(auth)
    }
    fn may_edit(auth: &Auth, r: &Readable) -> bool {
        may_record(auth, &r.program, &r.activity.region)
    }
    /// The area, and for a group officer the activities that invited their group.
    fn scope(auth: &Auth, mut query: Query) -> Option<Query> {
        query.region = auth.principal().narrow(query.region.as_ref()).ok()?;
        query.within = match auth.role() {
            Role::GroupOfficer => Some(berdaya_store::registry::Within::MembersOf(auth.principal().user.group_id?)),
            _ => None,
        };
        Some(query)
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<ActivityRow>, Error> {
        Ok(state.store().search_activities(query).await?)
    }
    async fn read(state: &AppState, auth: &Auth, id: &Id) -> Result<Readable, Error> {
        readable_activity(state, auth, *id).await
    }
    async fn dto(_state: &AppState, r: Readable, _fresh: bool) -> Result<ActivityDto, Error> {
        Ok(r.activity.into())
    }
    async fn check(state: &AppState, auth: &Auth, new: &NewActivity, _old: Option<&Readable>) -> Result<(), Error> {
        let program = readable_program(state, auth, new.program_id).await.map_err(|e| {
            if matches!(e.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
                missing_reference("program_id", "program", new.program_id)
            } else {
                e
            }
        })?;
        auth.region_ref(state.store(), "region", &new.region).await?;
        if !may_record(auth, &program, &new.region) {
            return Err(Error::unprocessable(
                "program_id",
                "you may record activities only of your own agency's programs, or as a facilitator in your area",
            ));
        }
        for id in &new.staff_ids {
            staff_ref(state, auth, "staff_ids", *id).await?;
        }
        for id in &new.group_ids {
            auth.group_ref(state.store(), "group_ids", *id).await?;
        }
        Ok(())
    }
    async fn create(state: &AppState, new: &NewActivity) -> Result<Readable, Error> {
        let activity = state.store().create_activity(new).await?;
        let program = state.store().program(activity.program_id).await?;
        Ok(Readable { activity, program })
    }
    async fn update(state: &AppState, id: &Id, new: &NewActivity, version: Version) -> Result<Readable, Error> {
        let activity = state.store().update_activity(*id, new, version).await?;
        let program = state.store().program(activity.program_id).await?;
        Ok(Readable { activity, program })
    }

    fn cells(lang: Lang, _auth: &Auth, r: ActivityRow) -> Vec<Cell> {
        vec![
            Cell::text(iso(r.held_on)),
            Cell::link(r.title, format!("/activities/{}", r.id)),
            Cell::text(r.kind.label(lang.code())),
            Cell::link(r.program_name, format!("/programs/{}", r.program_id)),
            Cell::text(r.region_name),
            Cell::text(rate_text(lang, r.rate)),
        ]
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        r: Readable,
        _params: &ListParams,
    ) -> Result<ViewPage, Error> {
        view(state, auth, lang, r).await
    }

    fn draft_of(r: &Readable) -> ActivityDraft {
        ActivityDraft::from(&r.activity)
    }
    fn draft_from(form: &FormData) -> ActivityDraft {
        let mut tags: Vec<(i64, String)> = form
            .0
            .iter()
            .filter(|(k, v)| k.starts_with("tag_") && !matches!(v.as_str(), "" | "false" | "0" | "off"))
            .filter_map(|(k, _)| k["tag_".len()..].parse::<i64>().ok().map(|id| (id, id.to_string())))
            .collect();
        tags.sort();
        let mut tag_ids = tags.into_iter().map(|(_, s)| s).collect::<Vec<_>>().join(", ");
        if let Some(extra) = form.opt("tag_ids") {
            tag_ids = if tag_ids.is_empty() { extra } else { format!("{tag_ids}, {extra}") };
        }
        ActivityDraft {
            program_id: form.get("program_id"),
            kind: form.get("kind"),
            title: form.get("title"),
            topic: form.opt("topic"),
            held_on: form.get("held_on"),
            starts_at: form.opt("starts_at"),
            duration_min: form.get("duration_min"),
            region: form.get("region"),
            place: form.opt("place"),
            staff_ids: form.get("staff_ids"),
            group_ids: form.get("group_ids"),
            tag_ids,
            materials: form.opt("materials"),
            report: form.opt("report"),
        }
    }
    fn draft_new(params: &ListParams) -> ActivityDraft {
        let get = |k: &str| params.other.get(k).cloned().unwrap_or_default();
        ActivityDraft {
            program_id: get("program_id"),
            group_ids: get("group_id"),
            staff_ids: get("staff_id"),
            held_on: iso(time::OffsetDateTime::now_utc().date()),
            duration_min: "120".into(),
            kind: ActivityKind::Counseling.code().into(),
            ..Default::default()
        }
    }
    async fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        d: &ActivityDraft,
        _mode: Mode<'_, Id>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let kinds = vocabulary(ActivityKind::ALL, ActivityKind::code, ActivityKind::label, lang);
        let mut staff = Vec::new();
        for id in berdaya_domain::activity::ids(&d.staff_ids).unwrap_or_default() {
            let shown =
                staff_visible(state, auth, id).await.map(|s| staff_label(&s)).unwrap_or_else(|_| id.to_string());
            staff.push((id.to_string(), shown));
        }
        let mut groups = Vec::new();
        for id in berdaya_domain::activity::ids(&d.group_ids).unwrap_or_default() {
            let shown =
                refs::record_name(state, auth, "group", &id.to_string()).await.unwrap_or_else(|| id.to_string());
            groups.push((id.to_string(), shown));
        }
        let mut staff_field = Field::picker_many("staff_ids", t.t("activities.staff"), "staff", staff);
        staff_field.value = d.staff_ids.clone();
        let mut group_field = Field::picker_many("group_ids", t.t("activities.groups"), "group", groups);
        group_field.value = d.group_ids.clone();
        let mut fields = vec![
            refs::record_field(state, auth, "program", "program_id", t.t("activities.program"), &d.program_id)
                .await
                .required(),
            Field::select("kind", t.t("activities.kind"), &d.kind, kinds, Some(t.t("common.choose"))).required(),
            Field::text("title", t.t("activities.title"), &d.title).required(),
            Field::text("topic", t.t("activities.topic"), d.topic.clone().unwrap_or_default()),
            Field::date("held_on", t.t("activities.held_on"), &d.held_on).required(),
            Field::new("time", "starts_at", t.t("activities.starts_at"), d.starts_at.clone().unwrap_or_default()),
            Field::new("number", "duration_min", t.t("activities.duration_min"), &d.duration_min).required(),
            refs::region_field(state, auth, "region", t.t("activities.region"), &d.region).await.required(),
            Field::text("place", t.t("activities.place"), d.place.clone().unwrap_or_default()),
            staff_field,
            group_field,
        ];
        fields.extend(tag_fields(state, lang, &d.tag_ids).await?);
        fields.push(Field::textarea("materials", t.t("activities.materials"), d.materials.clone().unwrap_or_default()));
        fields.push(Field::textarea("report", t.t("activities.report"), d.report.clone().unwrap_or_default()));
        Ok(fields)
    }
}

/// The tag check boxes: one per framework dimension, labelled with its framework.
async fn tag_fields(state: &AppState, lang: Lang, chosen: &str) -> Result<Vec<Field>, Error> {
    let chosen = berdaya_domain::activity::ids(chosen).unwrap_or_default();
    let mut fields = Vec::new();
    for (id, label) in tag_choices(state, lang).await? {
        fields.push(Field::checkbox(&format!("tag_{id}"), &label, chosen.contains(&id)));
    }
    Ok(fields)
}

/// Every framework dimension a tag may name, framework by framework: (id, `Framework —
/// dimension`).
pub async fn tag_choices(state: &AppState, _lang: Lang) -> Result<Vec<(Id, String)>, Error> {
    let mut out = Vec::new();
    for f in state.store().frameworks().await? {
        for d in &f.dimensions {
            out.push((d.id, crate::framework::dimension_label(&f, d)));
        }
    }
    Ok(out)
}

/// `Rahmat — UPTD BPP Kalampangan`.
pub fn staff_label(s: &StaffRow) -> String {
    format!("{} — {}", s.staff.name, s.agency_name)
}

/// `2/3 (66,7 %)` in Indonesian, `2/3 (66.7 %)` in English, or a dash.
pub fn rate_text(lang: Lang, r: Rate) -> String {
    if r.recorded == 0 {
        return "—".into();
    }
    match lang {
        Lang::En => format!("{}/{} ({} %)", r.present, r.recorded, r.percent_text().unwrap_or_default()),
        _ => r.describe(),
    }
}

/// The activity page: what, when, where, who ran it, the groups invited, the attendance
/// (with the link to record it) and the attachments.
async fn view(state: &AppState, auth: &Auth, lang: Lang, r: Readable) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let mut shell = view_shell::<Activities>(lang, auth, &r, r.activity.title.clone());
    let writable = Activities::may_edit(auth, &r) && records_activities(auth);
    let (a, p) = (r.activity, r.program);
    let region = refs::region_name(state, auth, a.region.as_str()).await.unwrap_or_else(|| a.region.to_string());
    let mut staff = Vec::new();
    for id in &a.staff_ids {
        if let Ok(s) = staff_visible(state, auth, *id).await {
            staff.push(s);
        }
    }
    let mut groups: Vec<Group> = Vec::new();
    for id in &a.group_ids {
        if let Ok(g) = store.group(*id).await
            && auth.in_area(&g.region)
        {
            groups.push(g);
        }
    }
    let tags = tag_choices(state, lang).await?;
    let tag_names: Vec<String> =
        a.tag_ids.iter().filter_map(|id| tags.iter().find(|(t, _)| t == id).map(|(_, l)| l.clone())).collect();
    let when = match a.starts_at {
        Some(s) => format!("{} {s}", iso(a.held_on)),
        None => iso(a.held_on),
    };
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    shell.breadcrumbs.push(Link::new(p.name.clone(), format!("/programs/{}", p.id)));
    shell.facts = vec![
        (t.t("activities.program").into(), Cell::link(p.name.clone(), format!("/programs/{}", p.id))),
        (t.t("activities.kind").into(), Cell::text(a.kind.label(lang.code()))),
        (t.t("activities.topic").into(), Cell::text(dash(&a.topic))),
        (t.t("activities.held_on").into(), Cell::text(when)),
        (t.t("activities.duration_min").into(), Cell::text(a.duration_min.to_string())),
        (t.t("activities.region").into(), Cell::text(region)),
        (t.t("activities.place").into(), Cell::text(dash(&a.place))),
        (
            t.t("activities.tags").into(),
            Cell::text(if tag_names.is_empty() { "—".into() } else { tag_names.join(", ") }),
        ),
        (t.t("activities.materials").into(), Cell::text(dash(&a.materials))),
        (t.t("activities.report").into(), Cell::text(dash(&a.report))),
        (t.t("common.version").into(), Cell::text(a.version.to_string())),
    ];
    let groups_table = Table {
        headers: vec![t.t("groups.name").into(), t.t("activities.attendance").into()],
        sorts: Vec::new(),
        rows: groups
            .iter()
            .map(|g| {
                vec![
                    link_if(auth.reads_people(), g.name.clone(), format!("/groups/{}", g.id)),
                    link_if(auth.reads_people(), t.t("activities.group_rates"), format!("/groups/{}/attendance", g.id)),
                ]
            })
            .collect(),
        empty: t.t("activities.no_groups").into(),
    };
    shell.sections.push(Section {
        id: "staff".into(),
        title: t.t("activities.staff").into(),
        table: Some(Table {
            headers: vec![t.t("agencies.staff_name").into(), t.t("activities.agency").into()],
            sorts: Vec::new(),
            rows: staff
                .iter()
                .map(|s| {
                    vec![
                        Cell::link(s.staff.name.clone(), format!("/staff/{}", s.staff.id)),
                        Cell::text(s.agency_name.clone()),
                    ]
                })
                .collect(),
            empty: t.t("activities.no_staff").into(),
        }),
        ..Default::default()
    });
    shell.sections.push(Section {
        id: "groups".into(),
        title: t.t("activities.groups").into(),
        table: Some(groups_table),
        ..Default::default()
    });
    shell.sections.push(attendance::section(state, auth, lang, &a, writable).await?);
    shell.sections.push(attachments::section(state, auth, lang, a.id, writable).await?);
    Ok(shell)
}

/// The group page's panel: the group's latest activities and its members' attendance rate.
pub async fn group_panel(state: &AppState, auth: &Auth, lang: Lang, group: &Group) -> Result<Option<Section>, Error> {
    if !auth.principal().reads_programs() {
        return Ok(None);
    }
    let t = lang.tr();
    let store = state.store();
    let latest = store.group_activities(group.id, 10).await?;
    let members = store.group_attendance(group.id, None, None).await?;
    let total = members.iter().fold(Rate::default(), |acc, m| acc.plus(m.rate));
    let rows = latest
        .into_iter()
        .filter(|r| auth.in_area(&r.region))
        .map(|r| {
            vec![
                Cell::text(iso(r.held_on)),
                Cell::link(r.title, format!("/activities/{}", r.id)),
                Cell::text(r.kind.label(lang.code())),
                Cell::text(rate_text(lang, r.rate)),
            ]
        })
        .collect();
    let mut links = vec![
        Link::new(
            format!("{}: {}", t.t("activities.group_rate"), rate_text(lang, total)),
            format!("/groups/{}/attendance", group.id),
        ),
        Link::new(t.t("activities.all"), format!("/activities?group_id={}", group.id)),
    ];
    if records_activities(auth) {
        links.push(Link::new(t.t("activities.add"), format!("/activities/new?group_id={}", group.id)));
    }
    Ok(Some(Section {
        id: "activities".into(),
        title: t.t("activities.title").into(),
        table: Some(Table {
            headers: vec![
                t.t("activities.held_on").into(),
                t.t("activities.title_col").into(),
                t.t("activities.kind").into(),
                t.t("activities.attendance").into(),
            ],
            sorts: Vec::new(),
            rows,
            empty: t.t("activities.none").into(),
        }),
        links,
        ..Default::default()
    }))
}

/// The links a program page shows: its activities, and their workbook.
pub fn program_links(lang: Lang, program_id: Id) -> Vec<Link> {
    let t = lang.tr();
    vec![
        Link::new(t.t("activities.title"), format!("/activities?program_id={program_id}")),
        Link::new(
            format!("{} — {}", t.t("activities.title"), t.t("common.xlsx")),
            format!("/activities.xlsx?program_id={program_id}"),
        ),
    ]
}
