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
    /// Where an enrollment stands. PKH suspends a family that misses its obligations, then
    /// terminates it (Permensos 1/2018 art. 9).
    EnrollmentStatus {
        Active => "active", "Aktif", "Active";
        Suspended => "suspended", "Ditangguhkan", "Suspended";
        Terminated => "terminated", "Dihentikan", "Terminated";
        Graduated => "graduated", "Lulus/Graduasi", "Graduated";
    }
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
            Some(EnrollmentStatus::Active)
        } else {
            c.field("status", EnrollmentStatus::parse(&self.status))
        };
        let enrolled_on = c.field("enrolled_on", text::date(&self.enrolled_on));
        let ended_on = c.field("ended_on", text::optional_date(self.ended_on.as_deref()));
        if let (Some(s), Some(Some(e))) = (enrolled_on, ended_on)
            && e < s
        {
            c.push("ended_on", "is before the enrollment date");
        }
        if let (Some(EnrollmentStatus::Active), Some(Some(_))) = (status, ended_on) {
            c.push("ended_on", "an active enrollment has no end date");
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
    fn enrollment_defaults_to_active() {
        let d = EnrollmentDraft {
            subject_kind: "household".into(),
            subject_id: "7".into(),
            enrolled_on: "2020-02-01".into(),
            ..Default::default()
        };
        assert_eq!(d.parse().unwrap().status, EnrollmentStatus::Active);
    }
}
