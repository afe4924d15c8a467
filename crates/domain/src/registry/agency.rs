//! Agencies (a Dinas, a Dinas Sosial), their units (a UPTD extension center) and their staff.

use serde::{Deserialize, Serialize};

use super::region::RegionCode;
use super::text::{self, Checker, Invalid};
use super::{Id, Version};
use crate::vocabulary;

vocabulary! {
    AgencyKind {
        Agency => "agency", "Dinas/Instansi", "Agency";
        Unit => "unit", "Unit pelaksana (UPTD/Balai)", "Technical unit";
        Ministry => "ministry", "Kementerian", "Ministry";
        VillageGovernment => "village_government", "Pemerintah desa/kelurahan", "Village government";
        Other => "other", "Lainnya", "Other";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: Id,
    pub name: String,
    pub kind: AgencyKind,
    pub region: RegionCode,
    /// The agency this unit belongs to (a UPTD's Dinas).
    pub parent_id: Option<Id>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgency {
    pub name: String,
    pub kind: AgencyKind,
    pub region: RegionCode,
    pub parent_id: Option<Id>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AgencyDraft {
    pub name: String,
    pub kind: String,
    pub region: String,
    #[serde(default)]
    pub parent_id: Option<String>,
}

impl AgencyDraft {
    pub fn parse(&self) -> Result<NewAgency, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 200));
        let kind = c.field("kind", AgencyKind::parse(&self.kind));
        let region = c.field("region", RegionCode::parse(&self.region));
        let parent_id = match self.parent_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(s) => c.field("parent_id", text::id(s)).map(Some),
        };
        c.finish()?;
        match (name, kind, region, parent_id) {
            (Some(name), Some(kind), Some(region), Some(parent_id)) => Ok(NewAgency { name, kind, region, parent_id }),
            _ => Err(Invalid::one("agency", "incomplete")),
        }
    }
}

impl From<&Agency> for AgencyDraft {
    fn from(a: &Agency) -> Self {
        AgencyDraft {
            name: a.name.clone(),
            kind: a.kind.code().into(),
            region: a.region.to_string(),
            parent_id: a.parent_id.map(|p| p.to_string()),
        }
    }
}

/// A member of an agency's staff (an extension worker, a PKH facilitator, a head of unit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: Id,
    pub agency_id: Id,
    pub name: String,
    pub position: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    pub name: String,
    pub position: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StaffDraft {
    pub name: String,
    pub position: String,
}

impl StaffDraft {
    pub fn parse(&self) -> Result<NewStaff, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 150));
        let position = c.field("position", text::text(&self.position, 1, 120));
        c.finish()?;
        match (name, position) {
            (Some(name), Some(position)) => Ok(NewStaff { name, position }),
            _ => Err(Invalid::one("staff", "incomplete")),
        }
    }
}
