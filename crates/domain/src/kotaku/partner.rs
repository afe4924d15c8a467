//! Stakeholders of a program — organisations and people by sector and role — and what they
//! contribute (cash, in kind, labour, expertise; valued in whole rupiah), for the
//! Public-Private-Community Partnership (PPCP) view of who gave what.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::agriculture::machine::{optional, parse_rupiah};
use crate::kotaku::grant::MAX_RP;
use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, Version};
use crate::vocabulary;

vocabulary! {
    Sector {
        Government => "government", "Pemerintah", "Government";
        Private => "private", "Swasta", "Private sector";
        Community => "community", "Masyarakat", "Community";
        University => "university", "Perguruan tinggi", "University";
        Police => "police", "Kepolisian", "Police";
        Other => "other", "Lainnya", "Other";
    }
}

vocabulary! {
    PartnerRole {
        Initiator => "initiator", "Penggagas", "Initiator";
        Facilitator => "facilitator", "Fasilitator", "Facilitator";
        Funder => "funder", "Penyandang dana", "Funder";
        Supervisor => "supervisor", "Pengawas", "Supervisor";
        Implementer => "implementer", "Pelaksana", "Implementer";
    }
}

vocabulary! {
    ContributionKind {
        Cash => "cash", "Uang", "Cash";
        InKind => "in_kind", "Barang", "In kind";
        Labour => "labour", "Tenaga", "Labour";
        Expertise => "expertise", "Keahlian", "Expertise";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stakeholder {
    pub id: Id,
    pub program_id: Id,
    pub name: String,
    /// An organisation (true) or a person.
    pub organisation: bool,
    pub sector: Sector,
    pub role: PartnerRole,
    /// The community or village it works in, as written.
    pub note: Option<String>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStakeholder {
    pub name: String,
    pub organisation: bool,
    pub sector: Sector,
    pub role: PartnerRole,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StakeholderDraft {
    pub name: String,
    #[serde(default)]
    pub organisation: Option<String>,
    pub sector: String,
    pub role: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A checkbox or a JSON flag: absent means yes (most stakeholders are organisations).
fn flag(raw: Option<&str>) -> Result<bool, String> {
    let v = raw.map(str::trim).unwrap_or("");
    if v.is_empty() || ["true", "on", "1"].contains(&v) {
        Ok(true)
    } else if ["false", "0"].contains(&v) {
        Ok(false)
    } else {
        Err("must be true or false".into())
    }
}

impl StakeholderDraft {
    pub fn parse(&self) -> Result<NewStakeholder, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 150));
        let organisation = c.field("organisation", flag(self.organisation.as_deref()));
        let sector = c.field("sector", Sector::parse(&self.sector));
        let role = c.field("role", PartnerRole::parse(&self.role));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 500));
        c.finish()?;
        match (name, organisation, sector, role, note) {
            (Some(name), Some(organisation), Some(sector), Some(role), Some(note)) => {
                Ok(NewStakeholder { name, organisation, sector, role, note })
            }
            _ => Err(Invalid::one("stakeholder", "is invalid")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub id: Id,
    pub stakeholder_id: Id,
    pub kind: ContributionKind,
    pub description: String,
    pub value_rp: i64,
    pub given_on: Date,
    /// The activity it was given in, if any.
    pub activity_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContribution {
    pub kind: ContributionKind,
    pub description: String,
    pub value_rp: i64,
    pub given_on: Date,
    pub activity_id: Option<Id>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContributionDraft {
    pub kind: String,
    pub description: String,
    pub value: String,
    pub given_on: String,
    #[serde(default)]
    pub activity_id: Option<String>,
}

impl ContributionDraft {
    pub fn parse(&self) -> Result<NewContribution, Invalid> {
        let mut c = Checker::new();
        let kind = c.field("kind", ContributionKind::parse(&self.kind));
        let description = c.field("description", text::text(&self.description, 1, 300));
        let value = c.field(
            "value",
            parse_rupiah(&self.value).and_then(|v| if v > MAX_RP { Err("is too large".into()) } else { Ok(v) }),
        );
        let given_on = c.field("given_on", text::date(&self.given_on));
        let activity_id = c.field("activity_id", optional(self.activity_id.as_deref(), text::id));
        c.finish()?;
        match (kind, description, value, given_on, activity_id) {
            (Some(kind), Some(description), Some(value_rp), Some(given_on), Some(activity_id)) => {
                Ok(NewContribution { kind, description, value_rp, given_on, activity_id })
            }
            _ => Err(Invalid::one("contribution", "is invalid")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_name_each_bad_field() {
        let e =
            StakeholderDraft { name: " ".into(), sector: "bank".into(), role: "funder".into(), ..Default::default() }
                .parse()
                .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "sector"]);
        let s = StakeholderDraft {
            name: "Universitas Lampung".into(),
            organisation: None,
            sector: "university".into(),
            role: "facilitator".into(),
            note: None,
        }
        .parse()
        .expect("stakeholder");
        assert!(s.organisation);
        let c = ContributionDraft {
            kind: "labour".into(),
            description: "KKN 40 mahasiswa".into(),
            value: "Rp 12.000.000".into(),
            given_on: "2019-07-15".into(),
            activity_id: None,
        }
        .parse()
        .expect("contribution");
        assert_eq!(c.value_rp, 12_000_000);
    }
}
