//! Programs (name, agency, period, target regions) and the enrollment of households,
//! individuals or groups in them.

use serde::{Deserialize, Serialize};
use time::Date;

use super::region::RegionCode;
use super::text::{self, Checker, Invalid};
use super::{Id, Version};
use crate::vocabulary;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub id: Id,
    pub name: String,
    pub agency_id: Id,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub description: Option<String>,
    pub target_regions: Vec<RegionCode>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgram {
    pub name: String,
    pub agency_id: Id,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub description: Option<String>,
    pub target_regions: Vec<RegionCode>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProgramDraft {
    pub name: String,
    pub agency_id: String,
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Region codes separated by commas, spaces or new lines.
    #[serde(default)]
    pub target_regions: String,
}

impl ProgramDraft {
    pub fn parse(&self) -> Result<NewProgram, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 200));
        let agency_id = c.field("agency_id", text::id(&self.agency_id));
        let starts_on = c.field("starts_on", text::date(&self.starts_on));
        let ends_on = c.field("ends_on", text::optional_date(self.ends_on.as_deref()));
        if let (Some(s), Some(Some(e))) = (starts_on, ends_on)
            && e < s
        {
            c.push("ends_on", "is before the start date");
        }
        let description = c.field("description", text::optional_text(self.description.as_deref(), 4000));
        let mut target_regions = Vec::new();
        for raw in self.target_regions.split(|ch: char| ch == ',' || ch.is_whitespace()).filter(|s| !s.is_empty()) {
            match RegionCode::parse(raw) {
                Ok(code) if !target_regions.contains(&code) => target_regions.push(code),
                Ok(_) => {}
                Err(e) => c.push("target_regions", e),
            }
        }
        if target_regions.len() > 500 {
            c.push("target_regions", "lists more than 500 regions");
        }
        c.finish()?;
        match (name, agency_id, starts_on, ends_on, description) {
            (Some(name), Some(agency_id), Some(starts_on), Some(ends_on), Some(description)) => {
                Ok(NewProgram { name, agency_id, starts_on, ends_on, description, target_regions })
            }
            _ => Err(Invalid::one("program", "incomplete")),
        }
    }
}

impl From<&Program> for ProgramDraft {
    fn from(p: &Program) -> Self {
        ProgramDraft {
            name: p.name.clone(),
            agency_id: p.agency_id.to_string(),
            starts_on: text::format_date(p.starts_on),
            ends_on: p.ends_on.map(text::format_date),
            description: p.description.clone(),
            target_regions: p.target_regions.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        }
    }
}

vocabulary! {
    SubjectKind {
        Household => "household", "Keluarga", "Household";
        Person => "person", "Individu", "Individual";
        Group => "group", "Kelompok", "Group";
    }
}

/// Who is enrolled: a household, an individual or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: Id,
}

vocabulary! {
    /// Where an enrollment stands, in the life cycle of a PKH family (Permensos 1/2018): a
    /// candidate (calon KPM) is verified and enrolled, may be suspended for missed obligations
    /// and reinstated, and leaves by exiting (moving away, no longer eligible, withdrawing),
    /// graduating (graduasi sejahtera mandiri) or being terminated (a sanction). The allowed
    /// moves are [`EnrollmentStatus::next`].
    EnrollmentStatus {
        Candidate => "candidate", "Calon peserta", "Candidate";
        Enrolled => "enrolled", "Peserta aktif", "Enrolled";
        Suspended => "suspended", "Ditangguhkan", "Suspended";
        Exited => "exited", "Keluar", "Exited";
        Graduated => "graduated", "Graduasi", "Graduated";
        Terminated => "terminated", "Dihentikan", "Terminated";
    }
}

impl EnrollmentStatus {
    /// Parses a status as a user or an older client writes it: `active`, the code of the
    /// first release, is read as [`EnrollmentStatus::Enrolled`].
    pub fn parse_input(raw: &str) -> Result<Self, String> {
        if raw.trim().eq_ignore_ascii_case("active") { Ok(EnrollmentStatus::Enrolled) } else { Self::parse(raw) }
    }

    /// The statuses that may follow this one: the transition table.
    ///
    /// | from | to |
    /// |---|---|
    /// | candidate | enrolled, exited |
    /// | enrolled | suspended, exited, graduated, terminated |
    /// | suspended | enrolled (reinstated), exited, terminated |
    /// | exited | candidate, enrolled (re-entry: a family that moved back or became eligible again) |
    /// | graduated, terminated | none: final |
    ///
    /// Graduation is from an active enrollment only (a suspended family first complies again);
    /// a terminated family is not re-enrolled in the same program.
    pub fn next(self) -> &'static [EnrollmentStatus] {
        use EnrollmentStatus::*;
        match self {
            Candidate => &[Enrolled, Exited],
            Enrolled => &[Suspended, Exited, Graduated, Terminated],
            Suspended => &[Enrolled, Exited, Terminated],
            Exited => &[Candidate, Enrolled],
            Graduated | Terminated => &[],
        }
    }

    /// Whether nothing may follow this status.
    pub fn is_final(self) -> bool {
        self.next().is_empty()
    }

    /// Whether the enrollment has ended in this status (it carries an end date): exited,
    /// graduated or terminated.
    pub fn ends(self) -> bool {
        matches!(self, EnrollmentStatus::Exited | EnrollmentStatus::Graduated | EnrollmentStatus::Terminated)
    }

    /// Whether a change to this status must say why: a suspension, an exit and a termination
    /// are decisions about a family that it may contest, so the reason is kept.
    pub fn needs_reason(self) -> bool {
        matches!(self, EnrollmentStatus::Suspended | EnrollmentStatus::Exited | EnrollmentStatus::Terminated)
    }
}

/// A change of an enrollment's status, validated against where it stands
/// ([`StatusChangeDraft::parse`] is the only way to make one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub to: EnrollmentStatus,
    /// The day the decision takes effect.
    pub on: Date,
    pub reason: Option<String>,
}

/// What a form or the API sends to change a status.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StatusChangeDraft {
    pub status: String,
    pub on: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Where an enrollment stands when a change is asked: its status, the day of its latest
/// change, and today.
#[derive(Debug, Clone, Copy)]
pub struct StatusNow {
    pub status: EnrollmentStatus,
    pub since: Date,
    pub today: Date,
}

impl StatusChangeDraft {
    /// Checks the change against `now`: a status the table allows after the current one (not
    /// the same), a date neither in the future nor before the latest change, and a reason
    /// when [`EnrollmentStatus::needs_reason`].
    pub fn parse(&self, now: StatusNow) -> Result<StatusChange, Invalid> {
        let mut c = Checker::new();
        let to = c.field("status", EnrollmentStatus::parse_input(&self.status));
        if let Some(to) = to {
            if to == now.status {
                c.push("status", format!("the enrollment is already {}", to.code()));
            } else if !now.status.next().contains(&to) {
                c.push("status", transition_refusal(now.status, to));
            }
        }
        let on = c.field("on", text::date(&self.on));
        if let Some(on) = on {
            if on > now.today {
                c.push("on", "is in the future");
            } else if on < now.since {
                c.push("on", format!("is before the latest change ({})", text::format_date(now.since)));
            }
        }
        let reason = c.field("reason", text::optional_text(self.reason.as_deref(), 1000));
        if let (Some(to), Some(None)) = (to, &reason)
            && to.needs_reason()
        {
            c.push("reason", "is required for a suspension, an exit or a termination");
        }
        c.finish()?;
        match (to, on, reason) {
            (Some(to), Some(on), Some(reason)) => Ok(StatusChange { to, on, reason }),
            _ => Err(Invalid::one("status", "incomplete")),
        }
    }
}

/// Why a move is not in the table, naming what may follow.
fn transition_refusal(from: EnrollmentStatus, to: EnrollmentStatus) -> String {
    let allowed: Vec<&str> = from.next().iter().map(|s| s.code()).collect();
    if allowed.is_empty() {
        format!("a {} enrollment is final and cannot become {}", from.code(), to.code())
    } else {
        format!("a {} enrollment cannot become {}; it may become {}", from.code(), to.code(), allowed.join(", "))
    }
}

/// One change in an enrollment's history: who decided what, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentChange {
    pub id: Id,
    pub enrollment_id: Id,
    /// `None` for the first row, written when the enrollment was made.
    pub from: Option<EnrollmentStatus>,
    pub to: EnrollmentStatus,
    pub on: Date,
    pub reason: Option<String>,
    /// The user who decided; `None` for the system (the demo loader, the CLI, a migration).
    pub decided_by: Option<Id>,
    /// The decider's username when it was recorded (kept if the account is renamed).
    pub decided_by_name: String,
    pub recorded_at: time::OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub id: Id,
    pub program_id: Id,
    pub subject: Subject,
    /// The subject's display name, joined in (a household shows its address).
    pub subject_label: String,
    pub status: EnrollmentStatus,
    pub enrolled_on: Date,
    pub ended_on: Option<Date>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrollment {
    pub subject: Subject,
    pub status: EnrollmentStatus,
    pub enrolled_on: Date,
    pub ended_on: Option<Date>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnrollmentDraft {
    pub subject_kind: String,
    pub subject_id: String,
    #[serde(default)]
    pub status: String,
    pub enrolled_on: String,
    #[serde(default)]
    pub ended_on: Option<String>,
}

impl EnrollmentDraft {
    pub fn parse(&self) -> Result<NewEnrollment, Invalid> {
        let mut c = Checker::new();
        let kind = c.field("subject_kind", SubjectKind::parse(&self.subject_kind));
        let id = c.field("subject_id", text::id(&self.subject_id));
        let status = if self.status.trim().is_empty() {
            Some(EnrollmentStatus::Enrolled)
        } else {
            c.field("status", EnrollmentStatus::parse_input(&self.status))
        };
        let enrolled_on = c.field("enrolled_on", text::date(&self.enrolled_on));
        let ended_on = c.field("ended_on", text::optional_date(self.ended_on.as_deref()));
        if let (Some(s), Some(Some(e))) = (enrolled_on, ended_on)
            && e < s
        {
            c.push("ended_on", "is before the enrollment date");
        }
        if let (Some(status), Some(Some(_))) = (status, ended_on)
            && !status.ends()
        {
            c.push("ended_on", "only an exited, graduated or terminated enrollment has an end date");
        }
        c.finish()?;
        match (kind, id, status, enrolled_on, ended_on) {
            (Some(kind), Some(id), Some(status), Some(enrolled_on), Some(ended_on)) => {
                Ok(NewEnrollment { subject: Subject { kind, id }, status, enrolled_on, ended_on })
            }
            _ => Err(Invalid::one("enrollment", "incomplete")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn program_regions_are_parsed_and_deduplicated() {
        let d = ProgramDraft {
            name: "PKH Randublatung".into(),
            agency_id: "1".into(),
            starts_on: "2019-01-01".into(),
            target_regions: "33.16.09, 33.16.09\n3316092001".into(),
            ..Default::default()
        };
        let p = d.parse().unwrap();
        assert_eq!(p.target_regions.len(), 2);
        let bad = ProgramDraft { target_regions: "33.1".into(), ..d };
        assert_eq!(bad.parse().unwrap_err().0[0].field, "target_regions");
    }

    #[test]
    fn enrollment_defaults_to_enrolled() {
        let d = EnrollmentDraft {
            subject_kind: "household".into(),
            subject_id: "7".into(),
            enrolled_on: "2020-02-01".into(),
            ..Default::default()
        };
        assert_eq!(d.parse().unwrap().status, EnrollmentStatus::Enrolled);
        let old = EnrollmentDraft { status: "Active".into(), ..d.clone() };
        assert_eq!(old.parse().unwrap().status, EnrollmentStatus::Enrolled);
        let ended = EnrollmentDraft { status: "suspended".into(), ended_on: Some("2021-01-01".into()), ..d };
        assert_eq!(ended.parse().unwrap_err().0[0].field, "ended_on");
    }

    fn now(status: EnrollmentStatus) -> StatusNow {
        StatusNow { status, since: date!(2024 - 03 - 01), today: date!(2024 - 06 - 30) }
    }

    fn change(status: &str, on: &str, reason: Option<&str>) -> StatusChangeDraft {
        StatusChangeDraft { status: status.into(), on: on.into(), reason: reason.map(Into::into) }
    }

    fn refused_field(d: StatusChangeDraft, s: EnrollmentStatus) -> String {
        d.parse(now(s)).unwrap_err().0[0].field.clone()
    }

    #[test]
    fn every_listed_move_is_allowed_and_final_statuses_have_none() {
        for from in EnrollmentStatus::ALL {
            for to in from.next() {
                let reason = to.needs_reason().then_some("tidak hadir P2K2 tiga bulan");
                let c = change(to.code(), "2024-04-01", reason).parse(now(*from)).unwrap();
                assert_eq!(c.to, *to);
            }
        }
        assert!(EnrollmentStatus::Graduated.is_final() && EnrollmentStatus::Terminated.is_final());
        assert!(!EnrollmentStatus::Exited.is_final(), "an exited family may re-enter");
        assert!(EnrollmentStatus::Exited.next().contains(&EnrollmentStatus::Enrolled));
    }

    #[test]
    fn moves_outside_the_table_are_refused_naming_status() {
        use EnrollmentStatus::*;
        let e = change("enrolled", "2024-04-01", None).parse(now(Graduated)).unwrap_err();
        assert_eq!(e.0[0].field, "status");
        assert!(e.0[0].message.contains("final"), "{e}");
        let e = change("graduated", "2024-04-01", None).parse(now(Candidate)).unwrap_err();
        assert!(e.0[0].message.contains("it may become enrolled, exited"), "{e}");
        assert_eq!(refused_field(change("suspended", "2024-04-01", Some("x")), Suspended), "status");
        assert_eq!(refused_field(change("paused", "2024-04-01", None), Enrolled), "status");
    }

    #[test]
    fn dates_must_not_be_future_nor_before_the_latest_change() {
        use EnrollmentStatus::*;
        assert_eq!(refused_field(change("graduated", "2024-07-01", None), Enrolled), "on");
        assert_eq!(refused_field(change("graduated", "2024-02-29", None), Enrolled), "on");
        assert_eq!(refused_field(change("graduated", "1/3/2024", None), Enrolled), "on");
        assert!(change("graduated", "2024-03-01", None).parse(now(Enrolled)).is_ok(), "same day as the latest");
        assert!(change("graduated", "2024-06-30", None).parse(now(Enrolled)).is_ok(), "today");
    }

    #[test]
    fn suspension_exit_and_termination_need_a_reason() {
        use EnrollmentStatus::*;
        for to in ["suspended", "exited", "terminated"] {
            assert_eq!(refused_field(change(to, "2024-04-01", Some("  ")), Enrolled), "reason");
        }
        let c = change("enrolled", "2024-04-01", None).parse(now(Suspended)).unwrap();
        assert_eq!((c.to, c.reason), (Enrolled, None));
        let c = change("active", "2024-04-01", None).parse(now(Candidate)).unwrap();
        assert_eq!(c.to, Enrolled, "`active` is read as enrolled");
    }
}
