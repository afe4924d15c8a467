//! Activities of a program (counseling, training, mentoring, meetings…), who attended them,
//! and the files attached to them. Nothing here is specific to agriculture: a PKH family
//! session or a KOTAKU meeting is an activity too.

pub mod attachment;
pub mod rate;

use serde::{Deserialize, Deserializer, Serialize};
use time::Date;

use crate::registry::region::RegionCode;
use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, Version};
use crate::vocabulary;

pub use attachment::{ATTACHMENT_LIMIT, ATTACHMENT_LIMIT_MB, Attachment, FileKind, NewAttachment, sniff};
pub use rate::Rate;

vocabulary! {
    /// What kind of activity it was.
    ActivityKind {
        Counseling => "counseling", "Penyuluhan", "Counseling";
        Training => "training", "Pelatihan", "Training";
        Mentoring => "mentoring", "Pendampingan", "Mentoring";
        Socialization => "socialization", "Sosialisasi", "Socialization";
        DemoPlot => "demo_plot", "Demplot (petak percontohan)", "Demonstration plot";
        FieldSchool => "field_school", "Sekolah lapang", "Field school";
        Exhibition => "exhibition", "Pameran dan promosi", "Exhibition and promotion";
        Deliberation => "deliberation", "Rembuk/musyawarah", "Deliberation";
        Other => "other", "Lainnya", "Other";
    }
}

vocabulary! {
    /// Whether a person came to an activity.
    AttendanceStatus {
        Present => "present", "Hadir", "Present";
        Excused => "excused", "Izin", "Excused";
        Absent => "absent", "Tidak hadir", "Absent";
    }
}

/// The longest activity, in minutes: a week.
pub const MAX_DURATION_MIN: i64 = 7 * 24 * 60;
/// The most staff, groups or tags one activity lists.
pub const MAX_LINKS: usize = 200;
/// The most attendance rows one request records.
pub const MAX_ATTENDANCE: usize = 20_000;

/// A time of day, in minutes after midnight, written `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(u16);

impl ClockTime {
    pub fn parse(raw: &str) -> Result<ClockTime, String> {
        let s = raw.trim();
        let bad = || format!("`{}` is not a time written HH:MM", text::shorten(s));
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        if h > 23 || m > 59 {
            return Err(bad());
        }
        Ok(ClockTime(h * 60 + m))
    }

    pub fn minutes(self) -> u16 {
        self.0
    }

    pub fn from_minutes(m: i64) -> Option<ClockTime> {
        u16::try_from(m).ok().filter(|m| *m < 24 * 60).map(ClockTime)
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A stored activity, with the staff who ran it, the groups invited and its tags
/// (framework dimensions), each in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: Id,
    pub program_id: Id,
    pub kind: ActivityKind,
    pub title: String,
    pub topic: Option<String>,
    pub held_on: Date,
    pub starts_at: Option<ClockTime>,
    pub duration_min: i64,
    pub region: RegionCode,
    pub place: Option<String>,
    pub staff_ids: Vec<Id>,
    pub group_ids: Vec<Id>,
    pub tag_ids: Vec<Id>,
    pub materials: Option<String>,
    pub report: Option<String>,
    pub version: Version,
}

/// An activity to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub program_id: Id,
    pub kind: ActivityKind,
    pub title: String,
    pub topic: Option<String>,
    pub held_on: Date,
    pub starts_at: Option<ClockTime>,
    pub duration_min: i64,
    pub region: RegionCode,
    pub place: Option<String>,
    pub staff_ids: Vec<Id>,
    pub group_ids: Vec<Id>,
    pub tag_ids: Vec<Id>,
    pub materials: Option<String>,
    pub report: Option<String>,
}

/// What a form or the API sends. The id lists are text (`"3, 7"`); the API may also send
/// them as JSON arrays of numbers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActivityDraft {
    pub program_id: String,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub topic: Option<String>,
    pub held_on: String,
    #[serde(default)]
    pub starts_at: Option<String>,
    pub duration_min: String,
    pub region: String,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default, deserialize_with = "id_list")]
    pub staff_ids: String,
    #[serde(default, deserialize_with = "id_list")]
    pub group_ids: String,
    #[serde(default, deserialize_with = "id_list")]
    pub tag_ids: String,
    #[serde(default)]
    pub materials: Option<String>,
    #[serde(default)]
    pub report: Option<String>,
}

/// Reads an id list given as text (`"3, 7"`) or as a JSON array of numbers or strings.
fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        N(i64),
        S(String),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        Text(String),
        Items(Vec<Item>),
        Null(()),
    }
    Ok(match List::deserialize(d)? {
        List::Text(s) => s,
        List::Items(items) => items
            .into_iter()
            .map(|i| match i {
                Item::N(n) => n.to_string(),
                Item::S(s) => s,
            })
            .collect::<Vec<_>>()
            .join(", "),
        List::Null(_) => String::new(),
    })
}

/// Parses a list of record ids separated by commas, spaces or new lines, without repeats.
pub fn ids(raw: &str) -> Result<Vec<Id>, String> {
    let mut out = Vec::new();
    for part in raw.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()) {
        let id = text::id(part)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.len() > MAX_LINKS {
        return Err(format!("lists more than {MAX_LINKS} records"));
    }
    Ok(out)
}

/// A whole number of minutes, more than 0 and at most a week.
pub fn duration(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    match s.parse::<i64>() {
        Ok(n) if n <= 0 => Err("must be more than 0 minutes".into()),
        Ok(n) if n > MAX_DURATION_MIN => Err(format!("is longer than a week ({MAX_DURATION_MIN} minutes)")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{}` is not a whole number of minutes", text::shorten(s))),
    }
}

impl ActivityDraft {
    pub fn parse(&self) -> Result<NewActivity, Invalid> {
        let mut c = Checker::new();
        let program_id = c.field("program_id", text::id(&self.program_id));
        let kind = c.field("kind", ActivityKind::parse(&self.kind));
        let title = c.field("title", text::text(&self.title, 1, 200));
        let topic = c.field("topic", text::optional_text(self.topic.as_deref(), 300));
        let held_on = c.field("held_on", text::date(&self.held_on));
        let starts_at = match self.starts_at.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(s) => c.field("starts_at", ClockTime::parse(s)).map(Some),
        };
        let duration_min = c.field("duration_min", duration(&self.duration_min));
        let region = c.field("region", RegionCode::parse(&self.region));
        let place = c.field("place", text::optional_text(self.place.as_deref(), 300));
        let staff_ids = c.field("staff_ids", ids(&self.staff_ids));
        let group_ids = c.field("group_ids", ids(&self.group_ids));
        let tag_ids = c.field("tag_ids", ids(&self.tag_ids));
        let materials = c.field("materials", text::optional_text(self.materials.as_deref(), 4000));
        let report = c.field("report", text::optional_text(self.report.as_deref(), 8000));
        c.finish()?;
        match (
            program_id,
            kind,
            title,
            topic,
            held_on,
            starts_at,
            duration_min,
            region,
            place,
            staff_ids,
            group_ids,
            tag_ids,
            materials,
            report,
        ) {
            (
                Some(program_id),
                Some(kind),
                Some(title),
                Some(topic),
                Some(held_on),
                Some(starts_at),
                Some(duration_min),
                Some(region),
                Some(place),
                Some(staff_ids),
                Some(group_ids),
                Some(tag_ids),
                Some(materials),
                Some(report),
            ) => Ok(NewActivity {
                program_id,
                kind,
                title,
                topic,
                held_on,
                starts_at,
                duration_min,
                region,
                place,
                staff_ids,
                group_ids,
                tag_ids,
                materials,
                report,
            }),
            _ => Err(Invalid::one("activity", "incomplete")),
        }
    }
}

fn join_ids(ids: &[Id]) -> String {
    ids.iter().map(Id::to_string).collect::<Vec<_>>().join(", ")
}

impl From<&Activity> for ActivityDraft {
    fn from(a: &Activity) -> Self {
        ActivityDraft {
            program_id: a.program_id.to_string(),
            kind: a.kind.code().into(),
            title: a.title.clone(),
            topic: a.topic.clone(),
            held_on: text::format_date(a.held_on),
            starts_at: a.starts_at.map(|t| t.to_string()),
            duration_min: a.duration_min.to_string(),
            region: a.region.to_string(),
            place: a.place.clone(),
            staff_ids: join_ids(&a.staff_ids),
            group_ids: join_ids(&a.group_ids),
            tag_ids: join_ids(&a.tag_ids),
            materials: a.materials.clone(),
            report: a.report.clone(),
        }
    }
}

/// One person's attendance to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttendanceEntry {
    pub person_id: Id,
    pub status: AttendanceStatus,
}

/// One row of an attendance list as sent: a person id (text or number) and a status code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AttendanceRowDraft {
    #[serde(deserialize_with = "id_text")]
    pub person_id: String,
    pub status: String,
}

fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        N(i64),
        S(String),
    }
    Ok(match Item::deserialize(d)? {
        Item::N(n) => n.to_string(),
        Item::S(s) => s,
    })
}

/// A whole attendance list: each row's errors are named `attendance[i].field`; a person
/// listed twice is refused.
pub fn parse_attendance(rows: &[AttendanceRowDraft]) -> Result<Vec<AttendanceEntry>, Invalid> {
    if rows.len() > MAX_ATTENDANCE {
        return Err(Invalid::one("attendance", format!("lists more than {MAX_ATTENDANCE} people")));
    }
    let mut c = Checker::new();
    let mut out: Vec<AttendanceEntry> = Vec::with_capacity(rows.len());
    let mut seen = std::collections::HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        let person = c.field(&format!("attendance[{i}].person_id"), text::id(&r.person_id));
        let status = c.field(&format!("attendance[{i}].status"), AttendanceStatus::parse(&r.status));
        if let Some(p) = person
            && !seen.insert(p)
        {
            c.push(&format!("attendance[{i}].person_id"), format!("person {p} is listed twice"));
            continue;
        }
        if let (Some(person_id), Some(status)) = (person, status) {
            out.push(AttendanceEntry { person_id, status });
        }
    }
    c.finish()?;
    Ok(out)
}

/// A recorded attendance row, with the person's name for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    pub activity_id: Id,
    pub person_id: Id,
    pub person_name: String,
    pub status: AttendanceStatus,
}

/// A month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: time::Month,
}

impl Month {
    pub fn parse(raw: &str) -> Result<Month, String> {
        let s = raw.trim();
        let bad = || format!("`{}` is not a month written YYYY-MM", text::shorten(s));
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let m: u8 = m.parse().map_err(|_| bad())?;
        let month = time::Month::try_from(m).map_err(|_| bad())?;
        Ok(Month { year, month })
    }

    pub fn of(d: Date) -> Month {
        Month { year: d.year(), month: d.month() }
    }

    pub fn first(self) -> Date {
        Date::from_calendar_date(self.year, self.month, 1).unwrap_or(Date::MIN)
    }

    pub fn last(self) -> Date {
        self.next().first().previous_day().unwrap_or(Date::MAX)
    }

    pub fn next(self) -> Month {
        match self.month {
            time::Month::December => Month { year: self.year + 1, month: time::Month::January },
            m => Month { year: self.year, month: m.next() },
        }
    }

    pub fn previous(self) -> Month {
        match self.month {
            time::Month::January => Month { year: self.year - 1, month: time::Month::December },
            m => Month { year: self.year, month: m.previous() },
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, u8::from(self.month))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ActivityDraft {
        ActivityDraft {
            program_id: "1".into(),
            kind: "counseling".into(),
            title: "Penyuluhan pemupukan".into(),
            held_on: "2023-03-14".into(),
            starts_at: Some("09:30".into()),
            duration_min: "120".into(),
            region: "62.71.04.1005".into(),
            staff_ids: "3, 4 3".into(),
            group_ids: "7".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_draft_parses_with_its_lists() {
        let a = draft().parse().expect("valid");
        assert_eq!(a.staff_ids, vec![3, 4]);
        assert_eq!(a.group_ids, vec![7]);
        assert_eq!(a.starts_at.map(|t| t.to_string()).as_deref(), Some("09:30"));
        assert_eq!(a.duration_min, 120);
    }

    #[test]
    fn bad_fields_are_named() {
        let d = ActivityDraft {
            kind: "party".into(),
            duration_min: "-5".into(),
            starts_at: Some("25:00".into()),
            staff_ids: "x".into(),
            ..draft()
        };
        let err = d.parse().expect_err("invalid");
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["kind", "starts_at", "duration_min", "staff_ids"]);
        assert!(err.0[2].message.contains("more than 0"));
        assert!(duration("1.5").is_err());
        assert!(duration("10081").is_err());
        assert_eq!(duration("10080"), Ok(10080));
    }

    #[test]
    fn attendance_rows_are_checked_one_by_one() {
        let rows = vec![
            AttendanceRowDraft { person_id: "5".into(), status: "present".into() },
            AttendanceRowDraft { person_id: "6".into(), status: "late".into() },
            AttendanceRowDraft { person_id: "5".into(), status: "absent".into() },
        ];
        let err = parse_attendance(&rows).expect_err("invalid");
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["attendance[1].status", "attendance[2].person_id"]);
        let ok = parse_attendance(&rows[..1]).expect("valid");
        assert_eq!(ok, vec![AttendanceEntry { person_id: 5, status: AttendanceStatus::Present }]);
    }

    #[test]
    fn months_step_over_years() {
        let m = Month::parse("2023-12").expect("month");
        assert_eq!(m.next().to_string(), "2024-01");
        assert_eq!(m.previous().to_string(), "2023-11");
        assert_eq!(Month::parse("2024-02").expect("m").last().to_string(), "2024-02-29");
        assert!(Month::parse("2024-13").is_err());
    }

    #[test]
    fn id_lists_read_text_or_arrays() {
        let d: ActivityDraft = serde_json::from_str(
            r#"{"program_id":"1","kind":"training","title":"T","held_on":"2023-01-02","duration_min":"60",
               "region":"62","staff_ids":[3,"4"],"group_ids":"5, 6"}"#,
        )
        .expect("json");
        assert_eq!(d.staff_ids, "3, 4");
        assert_eq!(d.group_ids, "5, 6");
        assert_eq!(d.tag_ids, "");
    }
}
