//! Findings of a program: inhibiting factors (faktor penghambat), supporting factors (faktor
//! pendukung) and the efforts (upaya) that answer inhibiting factors, each tagged with
//! framework dimensions (the four *bina*, …), optionally linked to groups (and, later,
//! activities and machines), and backed by evidence (an activity report, a document, a
//! quote, an observation).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::agriculture::class::Number;
use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, Version};
use crate::vocabulary;

vocabulary! {
    FindingKind {
        Inhibiting => "inhibiting", "Faktor penghambat", "Inhibiting factor";
        Supporting => "supporting", "Faktor pendukung", "Supporting factor";
        Effort => "effort", "Upaya", "Effort";
    }
}

vocabulary! {
    EvidenceKind {
        ActivityReport => "activity_report", "Laporan kegiatan", "Activity report";
        Document => "document", "Dokumen", "Document";
        Quote => "quote", "Kutipan", "Quote";
        Observation => "observation", "Pengamatan", "Observation";
    }
}

vocabulary! {
    /// What a finding may be linked to besides its program.
    LinkKind {
        Group => "group", "Kelompok", "Group";
        Activity => "activity", "Kegiatan", "Activity";
        Machine => "machine", "Alsintan", "Machine";
    }
}

/// One piece of evidence behind a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: Id,
    pub finding_id: Id,
    pub kind: EvidenceKind,
    pub text: String,
    pub source: Option<String>,
    /// A stored attachment (once activities keep files).
    pub attachment_id: Option<Id>,
}

/// A finding as stored, with its tags, links, the factors it answers and its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: Id,
    pub program_id: Id,
    pub kind: FindingKind,
    pub title: String,
    pub description: Option<String>,
    pub noted_on: Option<Date>,
    pub version: Version,
    /// For an effort: the inhibiting factors it answers.
    pub answers: Vec<Id>,
    /// Framework dimensions it is tagged with.
    pub dimensions: Vec<Id>,
    pub links: Vec<(LinkKind, Id)>,
    pub evidence: Vec<Evidence>,
}

/// A finding to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFinding {
    pub program_id: Id,
    pub kind: FindingKind,
    pub title: String,
    pub description: Option<String>,
    pub noted_on: Option<Date>,
    pub answers: Vec<Id>,
    pub dimensions: Vec<Id>,
    pub links: Vec<(LinkKind, Id)>,
}

/// Ids as a form (`"3, 5"`) or the API (`[3, 5]` or `["3"]`) gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IdList {
    List(Vec<Number>),
    Text(String),
}

impl Default for IdList {
    fn default() -> Self {
        IdList::List(Vec::new())
    }
}

impl IdList {
    fn ids(&self) -> Result<Vec<Id>, String> {
        let raw: Vec<String> = match self {
            IdList::List(v) => v.iter().map(Number::text).collect(),
            IdList::Text(s) => s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
        };
        let mut out = Vec::with_capacity(raw.len());
        for r in raw {
            let id = text::id(&r)?;
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    pub fn text(&self) -> String {
        match self {
            IdList::List(v) => v.iter().map(Number::text).collect::<Vec<_>>().join(", "),
            IdList::Text(s) => s.clone(),
        }
    }
}

/// A finding as a form or the API gives it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FindingDraft {
    #[serde(default)]
    pub program_id: Number,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub noted_on: Option<String>,
    /// For an effort: the inhibiting factors it answers.
    #[serde(default)]
    pub answers: IdList,
    #[serde(default)]
    pub dimension_ids: IdList,
    #[serde(default)]
    pub group_ids: IdList,
    #[serde(default)]
    pub activity_ids: IdList,
    #[serde(default)]
    pub machine_ids: IdList,
}

/// The most ids one list of a finding holds.
pub const MAX_IDS: usize = 50;

fn bounded(list: &IdList) -> Result<Vec<Id>, String> {
    let ids = list.ids()?;
    if ids.len() > MAX_IDS { Err(format!("holds more than {MAX_IDS} ids")) } else { Ok(ids) }
}

impl FindingDraft {
    pub fn parse(&self) -> Result<NewFinding, Invalid> {
        let mut c = Checker::new();
        let program_id = c.field("program_id", self.program_id.whole().and_then(|n| text::id(&n.to_string())));
        let kind = c.field("kind", FindingKind::parse(&self.kind));
        let title = c.field("title", text::text(&self.title, 1, 300));
        let description = c.field("description", text::optional_text(self.description.as_deref(), 4000));
        let noted_on = c.field("noted_on", text::optional_date(self.noted_on.as_deref()));
        let answers = c.field("answers", bounded(&self.answers));
        let dimensions = c.field("dimension_ids", bounded(&self.dimension_ids));
        let groups = c.field("group_ids", bounded(&self.group_ids));
        let activities = c.field("activity_ids", bounded(&self.activity_ids));
        let machines = c.field("machine_ids", bounded(&self.machine_ids));
        if let (Some(kind), Some(answers)) = (kind, &answers) {
            match kind {
                FindingKind::Effort if answers.is_empty() => {
                    c.push("answers", "is required: an effort answers one or more inhibiting factors")
                }
                FindingKind::Inhibiting | FindingKind::Supporting if !answers.is_empty() => {
                    c.push("answers", "is only for an effort")
                }
                _ => {}
            }
        }
        c.finish()?;
        let (Some(activities), Some(machines)) = (activities, machines) else {
            return Err(Invalid::one("finding", "incomplete"));
        };
        match (program_id, kind, title, description, noted_on, answers, dimensions, groups) {
            (
                Some(program_id),
                Some(kind),
                Some(title),
                Some(description),
                Some(noted_on),
                Some(answers),
                Some(dimensions),
                Some(groups),
            ) => Ok(NewFinding {
                program_id,
                kind,
                title,
                description,
                noted_on,
                answers,
                dimensions,
                links: groups
                    .into_iter()
                    .map(|g| (LinkKind::Group, g))
                    .chain(activities.into_iter().map(|a| (LinkKind::Activity, a)))
                    .chain(machines.into_iter().map(|m| (LinkKind::Machine, m)))
                    .collect(),
            }),
            _ => Err(Invalid::one("finding", "incomplete")),
        }
    }
}

/// Evidence to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    pub kind: EvidenceKind,
    pub text: String,
    pub source: Option<String>,
    pub attachment_id: Option<Id>,
}

/// Evidence as a form or the API gives it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvidenceDraft {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub attachment_id: Option<Number>,
}

impl EvidenceDraft {
    pub fn parse(&self) -> Result<NewEvidence, Invalid> {
        let mut c = Checker::new();
        let kind = c.field("kind", EvidenceKind::parse(&self.kind));
        let text = c.field("text", text::text(&self.text, 1, 4000));
        let source = c.field("source", text::optional_text(self.source.as_deref(), 300));
        let attachment_id = c.field(
            "attachment_id",
            match &self.attachment_id {
                None => Ok(None),
                Some(Number::Text(s)) if s.trim().is_empty() => Ok(None),
                Some(n) => text::id(&n.text()).map(Some),
            },
        );
        c.finish()?;
        match (kind, text, source, attachment_id) {
            (Some(kind), Some(text), Some(source), Some(attachment_id)) => {
                Ok(NewEvidence { kind, text, source, attachment_id })
            }
            _ => Err(Invalid::one("evidence", "incomplete")),
        }
    }
}

/// The inhibiting factors no effort answers yet, in the order given.
pub fn unanswered(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.kind == FindingKind::Inhibiting)
        .filter(|f| !findings.iter().any(|e| e.kind == FindingKind::Effort && e.answers.contains(&f.id)))
        .collect()
}

/// The efforts answering one inhibiting factor.
pub fn efforts_for(findings: &[Finding], factor: Id) -> Vec<&Finding> {
    findings.iter().filter(|e| e.kind == FindingKind::Effort && e.answers.contains(&factor)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: Id, kind: FindingKind, answers: Vec<Id>) -> Finding {
        Finding {
            id,
            program_id: 1,
            kind,
            title: format!("f{id}"),
            description: None,
            noted_on: None,
            version: 1,
            answers,
            dimensions: Vec::new(),
            links: Vec::new(),
            evidence: Vec::new(),
        }
    }

    #[test]
    fn inhibiting_factors_without_an_effort_are_found() {
        let all = vec![
            finding(1, FindingKind::Inhibiting, vec![]),
            finding(2, FindingKind::Inhibiting, vec![]),
            finding(3, FindingKind::Supporting, vec![]),
            finding(4, FindingKind::Effort, vec![1]),
        ];
        assert_eq!(unanswered(&all).iter().map(|f| f.id).collect::<Vec<_>>(), [2]);
        assert_eq!(efforts_for(&all, 1).iter().map(|f| f.id).collect::<Vec<_>>(), [4]);
    }

    #[test]
    fn an_effort_answers_a_factor_and_a_factor_answers_nothing() {
        let mut d = FindingDraft {
            program_id: Number::Int(7),
            kind: "effort".into(),
            title: "Pelatihan alsintan".into(),
            ..Default::default()
        };
        assert_eq!(d.parse().unwrap_err().0[0].field, "answers");
        d.answers = IdList::Text("3, 5, 3".into());
        d.dimension_ids = IdList::List(vec![Number::Int(2), "4".into()]);
        let n = d.parse().unwrap();
        assert_eq!((n.answers, n.dimensions), (vec![3, 5], vec![2, 4]));
        d.kind = "inhibiting".into();
        assert_eq!(d.parse().unwrap_err().0[0].field, "answers");
        d.answers = IdList::Text("x".into());
        assert_eq!(d.parse().unwrap_err().0[0].field, "answers");
    }
}
