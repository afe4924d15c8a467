//! Groups of every kind in the programs (farmer groups, KWT, KSM, KPP, LKM, Kampung Tangguh
//! committees, family-development cohorts) and their members with roles and dates.

use serde::{Deserialize, Serialize};
use time::Date;

use super::region::RegionCode;
use super::text::{self, Checker, Invalid};
use super::{Id, Version};
use crate::vocabulary;

vocabulary! {
    GroupKind {
        FarmerGroup => "farmer_group", "Kelompok Tani", "Farmer group";
        WomenFarmerGroup => "women_farmer_group", "Kelompok Wanita Tani (KWT)", "Women farmer group (KWT)";
        Ksm => "ksm", "Kelompok Swadaya Masyarakat (KSM)", "Community self-help group (KSM)";
        Kpp => "kpp", "Kelompok Pemanfaat dan Pemelihara (KPP)", "Maintenance group (KPP)";
        Lkm => "lkm", "Lembaga Keswadayaan Masyarakat (LKM)", "Community self-reliance institution (LKM)";
        KampungTangguh => "kampung_tangguh", "Pengelola Kampung Tangguh", "Kampung Tangguh committee";
        FamilyCohort => "family_cohort", "Kelompok P2K2", "Family-development cohort (P2K2)";
    }
}

vocabulary! {
    GroupRole {
        Chair => "chair", "Ketua", "Chair";
        Coordinator => "coordinator", "Koordinator", "Coordinator";
        Secretary => "secretary", "Sekretaris", "Secretary";
        Treasurer => "treasurer", "Bendahara", "Treasurer";
        Member => "member", "Anggota", "Member";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: Id,
    pub name: String,
    pub kind: GroupKind,
    pub region: RegionCode,
    pub founded_on: Option<Date>,
    pub description: Option<String>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub name: String,
    pub kind: GroupKind,
    pub region: RegionCode,
    pub founded_on: Option<Date>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupDraft {
    pub name: String,
    pub kind: String,
    pub region: String,
    #[serde(default)]
    pub founded_on: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

impl GroupDraft {
    pub fn parse(&self) -> Result<NewGroup, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 150));
        let kind = c.field("kind", GroupKind::parse(&self.kind));
        let region = c.field("region", RegionCode::parse(&self.region));
        let founded_on = c.field("founded_on", text::optional_date(self.founded_on.as_deref()));
        let description = c.field("description", text::optional_text(self.description.as_deref(), 2000));
        c.finish()?;
        match (name, kind, region, founded_on, description) {
            (Some(name), Some(kind), Some(region), Some(founded_on), Some(description)) => {
                Ok(NewGroup { name, kind, region, founded_on, description })
            }
            _ => Err(Invalid::one("group", "incomplete")),
        }
    }
}

impl From<&Group> for GroupDraft {
    fn from(g: &Group) -> Self {
        GroupDraft {
            name: g.name.clone(),
            kind: g.kind.code().into(),
            region: g.region.to_string(),
            founded_on: g.founded_on.map(text::format_date),
            description: g.description.clone(),
        }
    }
}

/// A person's membership of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub id: Id,
    pub group_id: Id,
    pub person_id: Id,
    /// The member's name, joined in for display.
    pub person_name: String,
    pub role: GroupRole,
    pub since: Option<Date>,
    pub until: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub person_id: Id,
    pub role: GroupRole,
    pub since: Option<Date>,
    pub until: Option<Date>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MemberDraft {
    pub person_id: String,
    pub role: String,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
}

impl MemberDraft {
    pub fn parse(&self) -> Result<NewMember, Invalid> {
        let mut c = Checker::new();
        let person_id = c.field("person_id", text::id(&self.person_id));
        let role = c.field("role", GroupRole::parse(&self.role));
        let since = c.field("since", text::optional_date(self.since.as_deref()));
        let until = c.field("until", text::optional_date(self.until.as_deref()));
        if let (Some(Some(s)), Some(Some(u))) = (since, until)
            && u < s
        {
            c.push("until", "is before `since`");
        }
        c.finish()?;
        match (person_id, role, since, until) {
            (Some(person_id), Some(role), Some(since), Some(until)) => Ok(NewMember { person_id, role, since, until }),
            _ => Err(Invalid::one("member", "incomplete")),
        }
    }
}
