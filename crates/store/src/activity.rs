//! Storage of activities (what a program did, with whom, where), their attendance and the
//! files attached to records.
//!
//! [`ActivityStore`] is the contract; it is implemented once, on the store kit, below, for
//! every [`crate::kit::Backend`]. Attendance is written in one statement per few hundred
//! rows (`INSERT … ON CONFLICT (activity_id, person_id) DO UPDATE`), all in one transaction.

use async_trait::async_trait;
use berdaya_domain::activity::{
    Activity, ActivityKind, Attachment, Attendance, AttendanceEntry, AttendanceStatus, NewActivity, NewAttachment, Rate,
};
use berdaya_domain::registry::{Id, RegionCode, Staff, Version};
use time::Date;

use crate::registry::Query;
use crate::{Page, StoreResult};

/// An activity in a listing or a calendar, with its program's and region's names and its
/// attendance so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    pub id: Id,
    pub program_id: Id,
    pub program_name: String,
    pub kind: ActivityKind,
    pub title: String,
    pub held_on: Date,
    pub duration_min: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub rate: Rate,
}

/// A person's attendance over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRate {
    pub person_id: Id,
    pub person_name: String,
    pub rate: Rate,
}

/// A group's attendance over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRate {
    pub group_id: Id,
    pub group_name: String,
    pub rate: Rate,
}

/// One activity a person was recorded at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonAttendance {
    pub activity_id: Id,
    pub program_id: Id,
    pub title: String,
    pub kind: ActivityKind,
    pub held_on: Date,
    pub status: AttendanceStatus,
}

/// A program's activities month by month, for its dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivitySummary {
    /// Per month (`YYYY-MM`, in order), the number of activities of each kind held.
    pub months: Vec<(String, Vec<(ActivityKind, u64)>)>,
    /// Present and recorded over every activity of the period.
    pub attendance: Rate,
    /// Per invited group (by name), its members' attendance at the activities that invited it.
    pub groups: Vec<GroupRate>,
}

/// A member of staff with their agency, as a picker and a staff page show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub staff: Staff,
    pub agency_name: String,
    pub agency_region: RegionCode,
}

/// Whose calendar: an agency's (its programs' activities and those its staff ran) or one
/// staff member's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarOf {
    Agency(Id),
    Staff(Id),
}

#[async_trait]
pub trait ActivityStore {
    /// Adds an activity of a program: the program, the region, every staff member, group and
    /// tag (framework dimension) must exist (a [`crate::StoreError::Reference`] naming the field).
    async fn create_activity(&self, activity: &NewActivity) -> StoreResult<Activity>;
    /// Changes an activity still at `version` (its lists are replaced).
    async fn update_activity(&self, id: Id, activity: &NewActivity, version: Version) -> StoreResult<Activity>;
    async fn activity(&self, id: Id) -> StoreResult<Activity>;
    /// Activities, newest first. Text matches the title; `region` keeps the activities held
    /// there or below; `within: MembersOf(g)` those that invited group `g`. Filters:
    /// `program_id`, `kind`, `group_id`, `staff_id`. Sort keys: `held_on`, `title`, `kind`,
    /// `program`.
    async fn search_activities(&self, query: &Query) -> StoreResult<Page<ActivityRow>>;
    /// Activities held from `from` to `to` (inclusive) of an agency or a staff member, by date,
    /// within `area` when given.
    async fn calendar(
        &self,
        of: CalendarOf,
        from: Date,
        to: Date,
        area: Option<&RegionCode>,
    ) -> StoreResult<Vec<ActivityRow>>;
    /// The latest activities that invited a group.
    async fn group_activities(&self, group_id: Id, limit: u32) -> StoreResult<Vec<ActivityRow>>;

    /// Records attendance: one row per (activity, person), each listed person's row added or
    /// changed; rows not listed stay. One transaction: all or nothing. Answers how many rows
    /// were written. Unknown people are a [`crate::StoreError::Reference`] on `person_id`.
    async fn record_attendance(&self, activity_id: Id, entries: &[AttendanceEntry]) -> StoreResult<u64>;
    /// The attendance of an activity, by name.
    async fn attendance(&self, activity_id: Id) -> StoreResult<Vec<Attendance>>;
    /// Present over recorded at one activity.
    async fn activity_rate(&self, activity_id: Id) -> StoreResult<Rate>;
    /// Per member of a group (those with a recorded row), their attendance at the activities
    /// that invited the group held in the period (either bound may be open), by name.
    async fn group_attendance(
        &self,
        group_id: Id,
        from: Option<Date>,
        to: Option<Date>,
    ) -> StoreResult<Vec<PersonRate>>;
    /// A person's attendance at every activity held in the period, newest first, and the rate.
    async fn person_attendance(
        &self,
        person_id: Id,
        from: Option<Date>,
        to: Option<Date>,
    ) -> StoreResult<(Rate, Vec<PersonAttendance>)>;
    /// A program's activities per month per kind, its attendance, and per invited group its
    /// members' attendance, over the period.
    async fn activity_summary(
        &self,
        program_id: Id,
        from: Option<Date>,
        to: Option<Date>,
    ) -> StoreResult<ActivitySummary>;

    /// A member of staff and their agency.
    async fn staff_member(&self, id: Id) -> StoreResult<StaffRow>;
    /// Staff whose name contains the query's text, of agencies whose region is in the query's
    /// region or above it, by name.
    async fn search_staff(&self, query: &Query) -> StoreResult<Page<StaffRow>>;

    /// Stores a file attached to a record (`entity`, `entity_id`).
    async fn add_attachment(&self, file: &NewAttachment) -> StoreResult<Attachment>;
    async fn attachment(&self, id: Id) -> StoreResult<Attachment>;
    async fn attachment_bytes(&self, id: Id) -> StoreResult<Vec<u8>>;
    /// The files attached to a record, oldest first.
    async fn attachments(&self, entity: &str, entity_id: Id) -> StoreResult<Vec<Attachment>>;
    async fn delete_attachment(&self, id: Id) -> StoreResult<()>;
}

mod on_kit {
    use super::*;
    use berdaya_domain::activity::ClockTime;
    use berdaya_domain::registry::{Group, Person, Program};

    use crate::StoreError;
    use crate::kit::{
        Backend, Conn, Listing, Record, Reference, Row, Spec, Sql, Type, Value, Where, Writable, contains, exec, first,
        get, insert, job, key, page, rows, subtree,
    };
    use crate::registry::Within;

    impl Record for Activity {
        const TABLE: &'static str = "activities";
        const ALIAS: &'static str = "a";
        const ENTITY: &'static str = "activity";
        const COLUMNS: &'static str = "id, program_id, kind, title, topic, held_on, starts_min, duration_min, region, \
             place, materials, report, version";

        fn from_row(row: &Row) -> StoreResult<Activity> {
            Ok(Activity {
                id: row.int("id")?,
                program_id: row.int("program_id")?,
                kind: row.parsed("kind", ActivityKind::parse)?,
                title: row.text("title")?,
                topic: row.opt_text("topic")?,
                held_on: row.date("held_on")?,
                starts_at: row.opt_int("starts_min")?.and_then(ClockTime::from_minutes),
                duration_min: row.int("duration_min")?,
                region: row.parsed("region", RegionCode::parse)?,
                place: row.opt_text("place")?,
                staff_ids: Vec::new(),
                group_ids: Vec::new(),
                tag_ids: Vec::new(),
                materials: row.opt_text("materials")?,
                report: row.opt_text("report")?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Activity {
        type New = NewActivity;

        fn values(a: &NewActivity) -> Vec<(&'static str, Value)> {
            vec![
                ("program_id", a.program_id.into()),
                ("kind", a.kind.code().into()),
                ("title", a.title.as_str().into()),
                ("title_key", key(&a.title).into()),
                ("topic", a.topic.as_deref().into()),
                ("held_on", a.held_on.into()),
                ("starts_min", a.starts_at.map(|t| i64::from(t.minutes())).into()),
                ("duration_min", a.duration_min.into()),
                ("region", a.region.as_str().into()),
                ("place", a.place.as_deref().into()),
                ("materials", a.materials.as_deref().into()),
                ("report", a.report.as_deref().into()),
            ]
        }

        fn references(a: &NewActivity) -> Vec<Reference> {
            let mut refs = vec![
                Reference::id("program_id", "programs", "program", a.program_id),
                Reference::region("region", &a.region),
            ];
            refs.extend(a.staff_ids.iter().map(|s| Reference::id("staff_ids", "staff", "staff", *s)));
            refs.extend(a.group_ids.iter().map(|g| Reference::id("group_ids", "groups", "group", *g)));
            refs.extend(
                a.tag_ids.iter().map(|t| Reference::id("tag_ids", "framework_dimensions", "framework dimension", *t)),
            );
            refs
        }
    }

    impl Record for Attachment {
        const TABLE: &'static str = "attachments";
        const ALIAS: &'static str = "f";
        const ENTITY: &'static str = "attachment";
        const COLUMNS: &'static str = "id, entity, entity_id, file_name, content_type, size, sha256, uploaded_at";

        fn from_row(row: &Row) -> StoreResult<Attachment> {
            Ok(Attachment {
                id: row.int("id")?,
                entity: row.text("entity")?,
                entity_id: row.int("entity_id")?,
                file_name: row.text("file_name")?,
                content_type: row.text("content_type")?,
                size: row.int("size")?,
                sha256: row.text("sha256")?,
                uploaded_at: row.time("uploaded_at")?,
            })
        }
    }

    /// The link tables of an activity: table, column, field named in errors.
    const LINKS: [(&str, &str); 3] =
        [("activity_staff", "staff_id"), ("activity_groups", "group_id"), ("activity_tags", "dimension_id")];

    async fn write_links(c: &mut dyn Conn, id: Id, a: &NewActivity) -> StoreResult<()> {
        for ((table, col), ids) in LINKS.iter().zip([&a.staff_ids, &a.group_ids, &a.tag_ids]) {
            let mut del = Sql::new(format!("DELETE FROM {table} WHERE activity_id = "));
            del.bind(id);
            exec(c, &del).await?;
            for (pos, linked) in ids.iter().enumerate() {
                let mut sql = Sql::new(format!("INSERT INTO {table} (activity_id, {col}, position) VALUES "));
                sql.list([Value::Int(id), Value::Int(*linked), Value::Int(pos as i64)]);
                exec(c, &sql).await?;
            }
        }
        Ok(())
    }

    async fn read_links(c: &mut dyn Conn, a: &mut Activity) -> StoreResult<()> {
        let mut lists = Vec::with_capacity(3);
        for (table, col) in LINKS {
            let mut sql = Sql::new(format!("SELECT {col} AS v FROM {table} WHERE activity_id = "));
            sql.bind(a.id).push(" ORDER BY position");
            let ids = rows(c, &sql).await?.iter().map(|r| r.int("v")).collect::<StoreResult<Vec<_>>>()?;
            lists.push(ids);
        }
        a.tag_ids = lists.pop().unwrap_or_default();
        a.group_ids = lists.pop().unwrap_or_default();
        a.staff_ids = lists.pop().unwrap_or_default();
        Ok(())
    }

    async fn get_activity(c: &mut dyn Conn, id: Id) -> StoreResult<Activity> {
        let mut a: Activity = get(c, id).await?;
        read_links(c, &mut a).await?;
        Ok(a)
    }

    const ROW_SELECT: &str = "SELECT a.id, a.program_id, p.name AS program_name, a.kind, a.title, a.held_on, \
         a.duration_min, a.region, r.name AS region_name, \
         (SELECT count(CASE WHEN t.status = 'present' THEN 1 END) FROM attendance t WHERE t.activity_id = a.id) AS present, \
         (SELECT count(*) FROM attendance t WHERE t.activity_id = a.id) AS recorded";
    const ROW_FROM: &str =
        "FROM activities a JOIN programs p ON p.id = a.program_id JOIN regions r ON r.code = a.region";

    fn count(row: &Row, col: &str) -> StoreResult<u64> {
        Ok(u64::try_from(row.int(col)?.max(0)).unwrap_or(0))
    }

    fn activity_row(row: &Row) -> StoreResult<ActivityRow> {
        Ok(ActivityRow {
            id: row.int("id")?,
            program_id: row.int("program_id")?,
            program_name: row.text("program_name")?,
            kind: row.parsed("kind", ActivityKind::parse)?,
            title: row.text("title")?,
            held_on: row.date("held_on")?,
            duration_min: row.int("duration_min")?,
            region: row.parsed("region", RegionCode::parse)?,
            region_name: row.text("region_name")?,
            rate: Rate::new(count(row, "present")?, count(row, "recorded")?),
        })
    }

    const ACTIVITIES: Spec = Spec {
        sorts: &[("held_on", "a.held_on"), ("title", "a.title_key"), ("kind", "a.kind"), ("program", "p.name_key")],
        natural: "a.held_on DESC",
        tie: "a.id DESC",
        filters: &[("program_id", "a.program_id", Type::Int), ("kind", "a.kind", Type::Text)],
    };

    fn exists_link(table: &str, col: &str, value: i64) -> Sql {
        let mut s = Sql::new(format!("EXISTS (SELECT 1 FROM {table} l WHERE l.activity_id = a.id AND l.{col} = "));
        s.bind(value).push(")");
        s
    }

    fn activity_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(t) = q.text_str() {
            w.and(contains("a.title_key", t));
        }
        if let Some(r) = &q.region {
            w.and(subtree("a.region", r.as_str()));
        }
        if let Some(Within::MembersOf(g)) = q.within {
            w.and(exists_link("activity_groups", "group_id", g));
        }
        for (k, table, col) in [("group_id", "activity_groups", "group_id"), ("staff_id", "activity_staff", "staff_id")]
        {
            if let Some(v) = q.filter(k) {
                match v.trim().parse::<i64>() {
                    Ok(n) => w.and(exists_link(table, col, n)),
                    Err(_) => w.and(Sql::new("1 = 0")),
                };
            }
        }
        ACTIVITIES.filter(q, &mut w);
        let mut from = Sql::new(ROW_FROM);
        from.append(&w.to_sql());
        Listing { select: Sql::new(ROW_SELECT), from, order: ACTIVITIES.order(q, &[]), page: q.page }
    }

    /// ` AND a.held_on >= from AND a.held_on <= to` for the bounds given.
    fn period(sql: &mut Sql, col: &str, from: Option<Date>, to: Option<Date>) {
        if let Some(f) = from {
            sql.push(&format!(" AND {col} >= ")).bind(f);
        }
        if let Some(t) = to {
            sql.push(&format!(" AND {col} <= ")).bind(t);
        }
    }

    fn rate_of(row: &Row) -> StoreResult<Rate> {
        Ok(Rate::new(count(row, "present")?, count(row, "recorded")?))
    }

    const RATE_COLS: &str = "count(CASE WHEN t.status = 'present' THEN 1 END) AS present, count(*) AS recorded";

    /// Per member of `group_id`, attendance at the activities that invited it in the period.
    async fn member_rates(
        c: &mut dyn Conn,
        group_id: Id,
        from: Option<Date>,
        to: Option<Date>,
    ) -> StoreResult<Vec<PersonRate>> {
        let mut sql = Sql::new(format!(
            "SELECT x.id AS person_id, x.name AS person_name, {RATE_COLS} FROM attendance t \
             JOIN activities a ON a.id = t.activity_id JOIN people x ON x.id = t.person_id \
             WHERE EXISTS (SELECT 1 FROM activity_groups l WHERE l.activity_id = a.id AND l.group_id = "
        ));
        sql.bind(group_id)
            .push(") AND EXISTS (SELECT 1 FROM group_members m WHERE m.person_id = t.person_id AND m.group_id = ");
        sql.bind(group_id).push(")");
        period(&mut sql, "a.held_on", from, to);
        sql.push(" GROUP BY x.id, x.name, x.name_key ORDER BY x.name_key, x.id");
        rows(c, &sql)
            .await?
            .iter()
            .map(|r| {
                Ok(PersonRate {
                    person_id: r.int("person_id")?,
                    person_name: r.text("person_name")?,
                    rate: rate_of(r)?,
                })
            })
            .collect()
    }

    /// The most rows one INSERT carries (3 parameters each).
    const ATTENDANCE_CHUNK: usize = 250;

    #[async_trait]
    impl<B: Backend> ActivityStore for B {
        async fn create_activity(&self, activity: &NewActivity) -> StoreResult<Activity> {
            let a = activity.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let id = insert::<Activity>(c, &a, Vec::new()).await?;
                    let Value::Int(id) = id else {
                        return Err(StoreError::Backend("activity id is not a number".into()));
                    };
                    write_links(c, id, &a).await?;
                    get_activity(c, id).await
                })
            }))
            .await
        }

        async fn update_activity(&self, id: Id, activity: &NewActivity, version: Version) -> StoreResult<Activity> {
            let a = activity.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    crate::kit::update::<Activity>(c, id, &a, version).await?;
                    write_links(c, id, &a).await?;
                    get_activity(c, id).await
                })
            }))
            .await
        }

        async fn activity(&self, id: Id) -> StoreResult<Activity> {
            self.read(job(move |c| Box::pin(async move { get_activity(c, id).await }))).await
        }

        async fn search_activities(&self, query: &Query) -> StoreResult<Page<ActivityRow>> {
            let listing = activity_listing(query);
            self.read(job(move |c| Box::pin(async move { page(c, &listing, activity_row).await }))).await
        }

        async fn calendar(
            &self,
            of: CalendarOf,
            from: Date,
            to: Date,
            area: Option<&RegionCode>,
        ) -> StoreResult<Vec<ActivityRow>> {
            let mut sql = Sql::new(format!("{ROW_SELECT} {ROW_FROM} WHERE a.held_on >= "));
            sql.bind(from).push(" AND a.held_on <= ").bind(to);
            match of {
                CalendarOf::Agency(agency) => {
                    sql.push(" AND (p.agency_id = ").bind(agency);
                    sql.push(" OR EXISTS (SELECT 1 FROM activity_staff l JOIN staff s ON s.id = l.staff_id ");
                    sql.push("WHERE l.activity_id = a.id AND s.agency_id = ").bind(agency).push("))");
                }
                CalendarOf::Staff(staff) => {
                    sql.push(" AND ").append(&exists_link("activity_staff", "staff_id", staff));
                }
            }
            if let Some(r) = area {
                sql.push(" AND ").append(&subtree("a.region", r.as_str()));
            }
            sql.push(" ORDER BY a.held_on, a.id");
            self.read(job(move |c| Box::pin(async move { rows(c, &sql).await?.iter().map(activity_row).collect() })))
                .await
        }

        async fn group_activities(&self, group_id: Id, limit: u32) -> StoreResult<Vec<ActivityRow>> {
            let mut sql = Sql::new(format!("{ROW_SELECT} {ROW_FROM} WHERE "));
            sql.append(&exists_link("activity_groups", "group_id", group_id));
            sql.push(&format!(" ORDER BY a.held_on DESC, a.id DESC LIMIT {}", limit.clamp(1, 200)));
            self.read(job(move |c| Box::pin(async move { rows(c, &sql).await?.iter().map(activity_row).collect() })))
                .await
        }

        async fn record_attendance(&self, activity_id: Id, entries: &[AttendanceEntry]) -> StoreResult<u64> {
            let entries = entries.to_vec();
            self.write(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Activity>(c, activity_id).await?;
                    // Every person must exist: one query per chunk finds those that do not.
                    for chunk in entries.chunks(ATTENDANCE_CHUNK) {
                        let mut sql = Sql::new("SELECT x.id FROM people x WHERE x.id IN ");
                        sql.list(chunk.iter().map(|e| e.person_id));
                        let found: std::collections::HashSet<i64> =
                            rows(c, &sql).await?.iter().map(|r| r.int("id")).collect::<StoreResult<_>>()?;
                        if let Some(missing) = chunk.iter().find(|e| !found.contains(&e.person_id)) {
                            return Err(StoreError::Reference {
                                field: "person_id",
                                message: format!("person {} does not exist", missing.person_id),
                            });
                        }
                    }
                    let mut written = 0;
                    for chunk in entries.chunks(ATTENDANCE_CHUNK) {
                        let mut sql = Sql::new("INSERT INTO attendance (activity_id, person_id, status) VALUES ");
                        for (i, e) in chunk.iter().enumerate() {
                            if i > 0 {
                                sql.push(", ");
                            }
                            sql.list([Value::Int(activity_id), Value::Int(e.person_id), e.status.code().into()]);
                        }
                        sql.push(
                            " ON CONFLICT (activity_id, person_id) DO UPDATE SET status = excluded.status \
                             WHERE attendance.status <> excluded.status",
                        );
                        exec(c, &sql).await?;
                        written += chunk.len() as u64;
                    }
                    Ok(written)
                })
            }))
            .await
        }

        async fn attendance(&self, activity_id: Id) -> StoreResult<Vec<Attendance>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Activity>(c, activity_id).await?;
                    let mut sql = Sql::new(
                        "SELECT t.activity_id, t.person_id, x.name AS person_name, t.status FROM attendance t \
                         JOIN people x ON x.id = t.person_id WHERE t.activity_id = ",
                    );
                    sql.bind(activity_id).push(" ORDER BY x.name_key, x.id");
                    rows(c, &sql)
                        .await?
                        .iter()
                        .map(|r| {
                            Ok(Attendance {
                                activity_id: r.int("activity_id")?,
                                person_id: r.int("person_id")?,
                                person_name: r.text("person_name")?,
                                status: r.parsed("status", AttendanceStatus::parse)?,
                            })
                        })
                        .collect()
                })
            }))
            .await
        }

        async fn activity_rate(&self, activity_id: Id) -> StoreResult<Rate> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new(format!("SELECT {RATE_COLS} FROM attendance t WHERE t.activity_id = "));
                    sql.bind(activity_id);
                    first(c, &sql).await?.as_ref().map(rate_of).transpose().map(Option::unwrap_or_default)
                })
            }))
            .await
        }

        async fn group_attendance(
            &self,
            group_id: Id,
            from: Option<Date>,
            to: Option<Date>,
        ) -> StoreResult<Vec<PersonRate>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Group>(c, group_id).await?;
                    member_rates(c, group_id, from, to).await
                })
            }))
            .await
        }

        async fn person_attendance(
            &self,
            person_id: Id,
            from: Option<Date>,
            to: Option<Date>,
        ) -> StoreResult<(Rate, Vec<PersonAttendance>)> {
            self.read(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Person>(c, person_id).await?;
                    let mut sql = Sql::new(
                        "SELECT a.id, a.program_id, a.title, a.kind, a.held_on, t.status FROM attendance t \
                         JOIN activities a ON a.id = t.activity_id WHERE t.person_id = ",
                    );
                    sql.bind(person_id);
                    period(&mut sql, "a.held_on", from, to);
                    sql.push(" ORDER BY a.held_on DESC, a.id DESC");
                    let list = rows(c, &sql)
                        .await?
                        .iter()
                        .map(|r| {
                            Ok(PersonAttendance {
                                activity_id: r.int("id")?,
                                program_id: r.int("program_id")?,
                                title: r.text("title")?,
                                kind: r.parsed("kind", ActivityKind::parse)?,
                                held_on: r.date("held_on")?,
                                status: r.parsed("status", AttendanceStatus::parse)?,
                            })
                        })
                        .collect::<StoreResult<Vec<_>>>()?;
                    let present = list.iter().filter(|x| x.status == AttendanceStatus::Present).count() as u64;
                    Ok((Rate::new(present, list.len() as u64), list))
                })
            }))
            .await
        }

        async fn activity_summary(
            &self,
            program_id: Id,
            from: Option<Date>,
            to: Option<Date>,
        ) -> StoreResult<ActivitySummary> {
            self.read(job(move |c| {
                Box::pin(async move {
                    crate::kit::require::<Program>(c, program_id).await?;
                    let mut sql =
                        Sql::new("SELECT a.held_on, a.kind, count(*) AS n FROM activities a WHERE a.program_id = ");
                    sql.bind(program_id);
                    period(&mut sql, "a.held_on", from, to);
                    sql.push(" GROUP BY a.held_on, a.kind ORDER BY a.held_on, a.kind");
                    let mut months: Vec<(String, Vec<(ActivityKind, u64)>)> = Vec::new();
                    for r in rows(c, &sql).await? {
                        let month = berdaya_domain::activity::Month::of(r.date("held_on")?).to_string();
                        let kind = r.parsed("kind", ActivityKind::parse)?;
                        let n = count(&r, "n")?;
                        if months.last().is_none_or(|(m, _)| *m != month) {
                            months.push((month, Vec::new()));
                        }
                        if let Some((_, kinds)) = months.last_mut() {
                            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                                Some((_, total)) => *total += n,
                                None => kinds.push((kind, n)),
                            }
                        }
                    }
                    for (_, kinds) in &mut months {
                        kinds.sort_by_key(|(k, _)| *k);
                    }
                    let mut sql = Sql::new(format!(
                        "SELECT {RATE_COLS} FROM attendance t JOIN activities a ON a.id = t.activity_id \
                         WHERE a.program_id = "
                    ));
                    sql.bind(program_id);
                    period(&mut sql, "a.held_on", from, to);
                    let attendance = first(c, &sql).await?.as_ref().map(rate_of).transpose()?.unwrap_or_default();
                    let mut sql = Sql::new(format!(
                        "SELECT g.id, g.name, {RATE_COLS} FROM activity_groups l \
                         JOIN activities a ON a.id = l.activity_id JOIN groups g ON g.id = l.group_id \
                         JOIN attendance t ON t.activity_id = a.id \
                         JOIN group_members m ON m.group_id = g.id AND m.person_id = t.person_id \
                         WHERE a.program_id = "
                    ));
                    sql.bind(program_id);
                    period(&mut sql, "a.held_on", from, to);
                    sql.push(" GROUP BY g.id, g.name, g.name_key ORDER BY g.name_key, g.id");
                    let groups = rows(c, &sql)
                        .await?
                        .iter()
                        .map(|r| {
                            Ok(GroupRate { group_id: r.int("id")?, group_name: r.text("name")?, rate: rate_of(r)? })
                        })
                        .collect::<StoreResult<Vec<_>>>()?;
                    Ok(ActivitySummary { months, attendance, groups })
                })
            }))
            .await
        }

        async fn staff_member(&self, id: Id) -> StoreResult<StaffRow> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new(
                        "SELECT s.id, s.agency_id, s.name, s.position, a.name AS agency_name, a.region AS agency_region \
                         FROM staff s JOIN agencies a ON a.id = s.agency_id WHERE s.id = ",
                    );
                    sql.bind(id);
                    match first(c, &sql).await? {
                        Some(r) => staff_row(&r),
                        None => Err(StoreError::NotFound { entity: "staff" }),
                    }
                })
            }))
            .await
        }

        async fn search_staff(&self, query: &Query) -> StoreResult<Page<StaffRow>> {
            let mut w = Where::default();
            if let Some(t) = query.text_str() {
                w.and(contains("lower(s.name)", t));
            }
            if let Some(area) = &query.region {
                // The agency's region in the area, or the area inside it (a BPP serving the area).
                let mut cond = Sql::new("(");
                cond.append(&subtree("a.region", area.as_str()));
                let ancestors: Vec<String> =
                    std::iter::successors(area.parent(), RegionCode::parent).map(|r| r.to_string()).collect();
                if !ancestors.is_empty() {
                    cond.push(" OR a.region IN ").list(ancestors);
                }
                cond.push(")");
                w.and(cond);
            }
            if let Some(agency) = query.filter("agency_id") {
                match agency.parse::<i64>() {
                    Ok(n) => w.and({
                        let mut s = Sql::new("s.agency_id = ");
                        s.bind(n);
                        s
                    }),
                    Err(_) => w.and(Sql::new("1 = 0")),
                };
            }
            let mut from = Sql::new("FROM staff s JOIN agencies a ON a.id = s.agency_id");
            from.append(&w.to_sql());
            let listing = Listing {
                select: Sql::new(
                    "SELECT s.id, s.agency_id, s.name, s.position, a.name AS agency_name, a.region AS agency_region",
                ),
                from,
                order: Sql::new("lower(s.name), s.id"),
                page: query.page,
            };
            self.read(job(move |c| Box::pin(async move { page(c, &listing, staff_row).await }))).await
        }

        async fn add_attachment(&self, file: &NewAttachment) -> StoreResult<Attachment> {
            let f = file.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new(
                        "INSERT INTO attachments (entity, entity_id, file_name, content_type, size, sha256, uploaded_at) \
                         VALUES ",
                    );
                    sql.list([
                        Value::from(f.entity.as_str()),
                        Value::Int(f.entity_id),
                        f.file_name.as_str().into(),
                        f.content_type.as_str().into(),
                        Value::Int(f.bytes.len() as i64),
                        f.sha256.as_str().into(),
                        crate::kit::now().into(),
                    ]);
                    sql.push(" RETURNING id");
                    let id = first(c, &sql)
                        .await?
                        .ok_or_else(|| StoreError::Backend("insert into attachments returned nothing".into()))?
                        .int("id")?;
                    let mut sql = Sql::new("INSERT INTO attachment_contents (attachment_id, bytes) VALUES ");
                    sql.list([Value::Int(id), Value::Bytes(f.bytes)]);
                    exec(c, &sql).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn attachment(&self, id: Id) -> StoreResult<Attachment> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn attachment_bytes(&self, id: Id) -> StoreResult<Vec<u8>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("SELECT bytes FROM attachment_contents WHERE attachment_id = ");
                    sql.bind(id);
                    match first(c, &sql).await? {
                        Some(r) => r.bytes("bytes"),
                        None => Err(StoreError::NotFound { entity: "attachment" }),
                    }
                })
            }))
            .await
        }

        async fn attachments(&self, entity: &str, entity_id: Id) -> StoreResult<Vec<Attachment>> {
            let entity = entity.to_string();
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut cond = Sql::new("f.entity = ");
                    cond.bind(entity).push(" AND f.entity_id = ").bind(entity_id);
                    crate::kit::list(c, cond, "f.id").await
                })
            }))
            .await
        }

        async fn delete_attachment(&self, id: Id) -> StoreResult<()> {
            self.write(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new("DELETE FROM attachment_contents WHERE attachment_id = ");
                    sql.bind(id);
                    exec(c, &sql).await?;
                    let mut sql = Sql::new("DELETE FROM attachments WHERE id = ");
                    sql.bind(id);
                    if exec(c, &sql).await? == 0 {
                        return Err(StoreError::NotFound { entity: "attachment" });
                    }
                    Ok(())
                })
            }))
            .await
        }
    }

    fn staff_row(r: &Row) -> StoreResult<StaffRow> {
        Ok(StaffRow {
            staff: Staff::from_row(r)?,
            agency_name: r.text("agency_name")?,
            agency_region: r.parsed("agency_region", RegionCode::parse)?,
        })
    }
}
