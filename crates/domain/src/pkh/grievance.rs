//! Grievances about a PKH family: a complaint (about payment, data, the facilitator...) or an
//! appeal (against a status, the sanction of a period). Each is received through a channel,
//! has a deadline (by default [`DEFAULT_DAYS`] days after it was received), moves from
//! `received` to `in_review`, and ends `upheld`, `rejected` or `closed` with a decision that
//! always carries a reason. Upholding an appeal about a family's status reinstates the family
//! (the store does that in the same transaction as the decision).

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::registry::text::{self, Checker};
use crate::registry::{Id, Invalid, Version};
use crate::vocabulary;

/// Days from receipt to the deadline when none is given.
pub const DEFAULT_DAYS: i64 = 14;
/// Longest description or decision reason, in characters.
pub const MAX_TEXT: usize = 4000;

vocabulary! {
    /// A complaint or an appeal.
    GrievanceKind {
        Complaint => "complaint", "Pengaduan", "Complaint";
        Appeal => "appeal", "Banding (sanggahan)", "Appeal";
    }
}

vocabulary! {
    /// How the grievance reached the program.
    Channel {
        Pendamping => "pendamping", "Melalui pendamping", "Through the facilitator";
        Sms => "sms", "SMS/WhatsApp", "SMS/WhatsApp";
        Office => "office", "Kantor dinas", "Agency office";
        Hotline => "hotline", "Layanan pengaduan (hotline)", "Hotline";
        Online => "online", "Daring (online)", "Online";
    }
}

vocabulary! {
    /// What the grievance is about.
    Category {
        Status => "status", "Status kepesertaan/sanksi", "Status or sanction";
        Payment => "payment", "Pembayaran bantuan", "Payment";
        Data => "data", "Data keluarga", "Family data";
        Facilitator => "facilitator", "Pendamping", "Facilitator";
        Other => "other", "Lainnya", "Other";
    }
}

vocabulary! {
    /// Where a grievance stands.
    GrievanceStatus {
        Received => "received", "Diterima", "Received";
        InReview => "in_review", "Sedang ditinjau", "In review";
        Upheld => "upheld", "Dikabulkan", "Upheld";
        Rejected => "rejected", "Ditolak", "Rejected";
        Closed => "closed", "Ditutup", "Closed";
    }
}

impl GrievanceStatus {
    /// Received or in review: not yet decided.
    pub fn is_open(self) -> bool {
        matches!(self, GrievanceStatus::Received | GrievanceStatus::InReview)
    }
}

/// A stored grievance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grievance {
    pub id: Id,
    pub family_id: Id,
    pub kind: GrievanceKind,
    pub channel: Channel,
    pub category: Category,
    pub description: String,
    /// The verification period whose sanction an appeal is about.
    pub period_id: Option<Id>,
    pub received_on: Date,
    pub deadline: Date,
    pub status: GrievanceStatus,
    pub decision_reason: Option<String>,
    pub decided_by: Option<Id>,
    pub decided_on: Option<Date>,
    /// Whether deciding it reinstated the family.
    pub reinstated: bool,
    pub version: Version,
}

impl Grievance {
    /// Open past its deadline on `today`.
    pub fn overdue(&self, today: Date) -> bool {
        self.status.is_open() && today > self.deadline
    }

    /// Whether upholding it reinstates the family: an appeal about the family's status.
    pub fn reinstates(&self) -> bool {
        reinstates(self.kind, self.category)
    }
}

/// An appeal about a status reinstates the family when upheld.
pub fn reinstates(kind: GrievanceKind, category: Category) -> bool {
    kind == GrievanceKind::Appeal && category == Category::Status
}

/// A grievance to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrievance {
    pub family_id: Id,
    pub kind: GrievanceKind,
    pub channel: Channel,
    pub category: Category,
    pub description: String,
    pub period_id: Option<Id>,
    pub received_on: Date,
    pub deadline: Date,
}

/// A grievance as a form or the API sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrievanceDraft {
    pub family_id: String,
    pub kind: String,
    pub channel: String,
    pub category: String,
    pub description: String,
    #[serde(default)]
    pub period_id: Option<String>,
    pub received_on: String,
    /// Blank: [`DEFAULT_DAYS`] after `received_on`.
    #[serde(default)]
    pub deadline: Option<String>,
}

impl GrievanceDraft {
    /// Checks every field; `today` bounds the date received (not in the future).
    pub fn parse(&self, today: Date) -> Result<NewGrievance, Invalid> {
        let mut c = Checker::new();
        let family_id = c.field("family_id", text::id(&self.family_id));
        let kind = c.field("kind", GrievanceKind::parse(&self.kind));
        let channel = c.field("channel", Channel::parse(&self.channel));
        let category = c.field("category", Category::parse(&self.category));
        let description = c.field("description", text::text(&self.description, 1, MAX_TEXT));
        let period_id = match self.period_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(s) => c.field("period_id", text::id(s)).map(Some),
        };
        let received_on = c.field("received_on", text::date(&self.received_on));
        if received_on.is_some_and(|d| d > today) {
            c.push("received_on", "is in the future");
        }
        let deadline = match self.deadline.as_deref().map(str::trim) {
            None | Some("") => received_on.map(|r| r + Duration::days(DEFAULT_DAYS)),
            Some(s) => c.field("deadline", text::date(s)),
        };
        if let (Some(r), Some(d)) = (received_on, deadline)
            && d < r
        {
            c.push("deadline", "is before the date received");
        }
        c.finish()?;
        match (family_id, kind, channel, category, description, period_id, received_on, deadline) {
            (
                Some(family_id),
                Some(kind),
                Some(channel),
                Some(category),
                Some(description),
                Some(period_id),
                Some(received_on),
                Some(deadline),
            ) => Ok(NewGrievance { family_id, kind, channel, category, description, period_id, received_on, deadline }),
            _ => Err(Invalid::one("grievance", "incomplete")),
        }
    }
}

impl From<&Grievance> for GrievanceDraft {
    fn from(g: &Grievance) -> Self {
        GrievanceDraft {
            family_id: g.family_id.to_string(),
            kind: g.kind.code().into(),
            channel: g.channel.code().into(),
            category: g.category.code().into(),
            description: g.description.clone(),
            period_id: g.period_id.map(|p| p.to_string()),
            received_on: g.received_on.to_string(),
            deadline: Some(g.deadline.to_string()),
        }
    }
}

/// A step in handling a grievance: taking it into review, or deciding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `in_review`, `upheld`, `rejected` or `closed`.
    pub status: GrievanceStatus,
    /// Required for a decision (upheld, rejected, closed).
    pub reason: Option<String>,
    pub decided_on: Date,
}

/// A decision as a form or the API sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionDraft {
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// Blank: today.
    #[serde(default)]
    pub decided_on: Option<String>,
}

impl DecisionDraft {
    pub fn parse(&self, today: Date) -> Result<Decision, Invalid> {
        let mut c = Checker::new();
        let status = c.field("status", GrievanceStatus::parse(&self.status));
        if status == Some(GrievanceStatus::Received) {
            c.push("status", "must be in_review, upheld, rejected or closed");
        }
        let reason = c.field("reason", text::optional_text(self.reason.as_deref(), MAX_TEXT));
        if let (Some(s), Some(None)) = (status, &reason)
            && !s.is_open()
        {
            c.push("reason", "is required for a decision");
        }
        let decided_on = match self.decided_on.as_deref().map(str::trim) {
            None | Some("") => Some(today),
            Some(s) => c.field("decided_on", text::date(s)),
        };
        if decided_on.is_some_and(|d| d > today) {
            c.push("decided_on", "is in the future");
        }
        c.finish()?;
        match (status, reason, decided_on) {
            (Some(status), Some(reason), Some(decided_on)) => Ok(Decision { status, reason, decided_on }),
            _ => Err(Invalid::one("decision", "incomplete")),
        }
    }
}

impl Decision {
    /// Checks the step against the grievance: only an open grievance moves, a decision is
    /// not dated before the grievance was received.
    pub fn check(&self, g: &Grievance) -> Result<(), Invalid> {
        if !g.status.is_open() {
            return Err(Invalid::one("status", "the grievance is already decided"));
        }
        if self.status == GrievanceStatus::InReview && g.status == GrievanceStatus::InReview {
            return Err(Invalid::one("status", "the grievance is already in review"));
        }
        if self.decided_on < g.received_on {
            return Err(Invalid::one("decided_on", "is before the date received"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        text::date("2024-08-01").unwrap()
    }

    fn draft() -> GrievanceDraft {
        GrievanceDraft {
            family_id: "7".into(),
            kind: "appeal".into(),
            channel: "pendamping".into(),
            category: "status".into(),
            description: "Anak sakit, tidak bisa sekolah".into(),
            period_id: None,
            received_on: "2024-07-20".into(),
            deadline: None,
        }
    }

    #[test]
    fn the_deadline_defaults_to_fourteen_days() {
        let g = draft().parse(today()).unwrap();
        assert_eq!(g.deadline, text::date("2024-08-03").unwrap());
        assert!(reinstates(g.kind, g.category));
        assert!(!reinstates(GrievanceKind::Complaint, Category::Status));
    }

    #[test]
    fn bad_drafts_name_the_field() {
        let d = GrievanceDraft {
            kind: "protest".into(),
            received_on: "2024-09-01".into(),
            deadline: Some("2024-08-01".into()),
            description: " ".into(),
            ..draft()
        };
        let err = d.parse(today()).unwrap_err().to_string();
        for f in ["kind", "received_on", "deadline", "description"] {
            assert!(err.contains(f), "{f} in {err}");
        }
    }

    #[test]
    fn a_decision_needs_a_reason_and_an_open_grievance() {
        let d = DecisionDraft { status: "upheld".into(), reason: None, decided_on: None };
        assert!(d.parse(today()).unwrap_err().to_string().contains("reason"));
        let review = DecisionDraft { status: "in_review".into(), ..Default::default() }.parse(today()).unwrap();
        let n = draft().parse(today()).unwrap();
        let mut g = Grievance {
            id: 1,
            family_id: n.family_id,
            kind: n.kind,
            channel: n.channel,
            category: n.category,
            description: n.description,
            period_id: None,
            received_on: n.received_on,
            deadline: n.deadline,
            status: GrievanceStatus::Received,
            decision_reason: None,
            decided_by: None,
            decided_on: None,
            reinstated: false,
            version: 1,
        };
        review.check(&g).unwrap();
        assert!(g.overdue(text::date("2024-08-04").unwrap()));
        assert!(!g.overdue(text::date("2024-08-03").unwrap()));
        g.status = GrievanceStatus::Rejected;
        assert!(!g.overdue(text::date("2024-08-04").unwrap()));
        assert!(review.check(&g).unwrap_err().to_string().contains("already decided"));
    }
}
