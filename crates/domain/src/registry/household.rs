//! Households (kartu keluarga): KK number, address, region, welfare stage and DTKS listing.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use super::region::RegionCode;
use super::text::{self, Checker, Invalid};
use super::{Id, Version};
use crate::vocabulary;

vocabulary! {
    /// BKKBN family welfare stage.
    WelfareStage {
        PraSejahtera => "pra_sejahtera", "Pra Sejahtera", "Pre-prosperous";
        Sejahtera1 => "sejahtera_1", "Sejahtera I", "Prosperous I";
        Sejahtera2 => "sejahtera_2", "Sejahtera II", "Prosperous II";
        Sejahtera3 => "sejahtera_3", "Sejahtera III", "Prosperous III";
        Sejahtera3Plus => "sejahtera_3_plus", "Sejahtera III Plus", "Prosperous III Plus";
    }
}

/// A family card (KK) number: 16 digits, the first six the issuing district.
/// Personal data: printed masked, revealed only on purpose.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kk(u64);

impl Kk {
    pub fn parse(raw: &str) -> Result<Kk, String> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
        if digits.is_empty() {
            return Err("is required".into());
        }
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("must be exactly 16 digits (got {} characters)", digits.chars().count()));
        }
        let province: u32 = digits[..2].parse().map_err(|_| "must be digits".to_string())?;
        if !(11..=99).contains(&province) {
            return Err(format!("starts with province code {province:02}, which does not exist"));
        }
        if &digits[12..] == "0000" {
            return Err("the serial (last 4 digits) cannot be 0000".into());
        }
        digits.parse::<u64>().map(Kk).map_err(|_| "must be exactly 16 digits".into())
    }

    pub fn reveal(&self) -> String {
        format!("{:016}", self.0)
    }

    pub fn as_u64(&self) -> u64 {
        self.0
    }

    pub fn from_stored(value: i64) -> Result<Kk, String> {
        Kk::parse(&format!("{value:016}"))
    }

    pub fn masked(&self) -> String {
        let s = self.reveal();
        format!("{}••••••••{}", &s[..4], &s[12..])
    }
}

impl fmt::Display for Kk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Kk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kk({})", self.masked())
    }
}

/// A household as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub id: Id,
    pub kk: Kk,
    pub address: String,
    pub region: RegionCode,
    pub welfare_stage: WelfareStage,
    /// Listed in DTKS, the national welfare registry.
    pub dtks_listed: bool,
    /// Since when, when known.
    pub dtks_since: Option<Date>,
    pub version: Version,
}

/// A validated household, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHousehold {
    pub kk: Kk,
    pub address: String,
    pub region: RegionCode,
    pub welfare_stage: WelfareStage,
    pub dtks_listed: bool,
    pub dtks_since: Option<Date>,
}

/// A household as typed into a form, an API call or an import row.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HouseholdDraft {
    pub kk: String,
    pub address: String,
    pub region: String,
    pub welfare_stage: String,
    #[serde(default)]
    pub dtks_listed: bool,
    #[serde(default)]
    pub dtks_since: Option<String>,
}

impl HouseholdDraft {
    pub fn parse(&self) -> Result<NewHousehold, Invalid> {
        let mut c = Checker::new();
        let kk = c.field("kk", Kk::parse(&self.kk));
        let address = c.field("address", text::text(&self.address, 1, 300));
        let region = c.field("region", RegionCode::parse(&self.region));
        let welfare_stage = c.field("welfare_stage", WelfareStage::parse(&self.welfare_stage));
        let dtks_since = c.field("dtks_since", text::optional_date(self.dtks_since.as_deref()));
        if let Some(Some(_)) = dtks_since
            && !self.dtks_listed
        {
            c.push("dtks_since", "is set but the household is not marked as listed in DTKS");
        }
        c.finish()?;
        match (kk, address, region, welfare_stage, dtks_since) {
            (Some(kk), Some(address), Some(region), Some(welfare_stage), Some(dtks_since)) => {
                Ok(NewHousehold { kk, address, region, welfare_stage, dtks_listed: self.dtks_listed, dtks_since })
            }
            _ => Err(Invalid::one("household", "incomplete")),
        }
    }
}

impl From<&Household> for HouseholdDraft {
    fn from(h: &Household) -> Self {
        HouseholdDraft {
            kk: h.kk.reveal(),
            address: h.address.clone(),
            region: h.region.to_string(),
            welfare_stage: h.welfare_stage.code().into(),
            dtks_listed: h.dtks_listed,
            dtks_since: h.dtks_since.map(text::format_date),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_reports_every_field() {
        let d = HouseholdDraft {
            kk: "12".into(),
            address: "".into(),
            region: "33.1".into(),
            welfare_stage: "rich".into(),
            dtks_listed: false,
            dtks_since: Some("2020-01-01".into()),
        };
        let fields: Vec<_> = d.parse().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["kk", "address", "region", "welfare_stage", "dtks_since"]);
    }

    #[test]
    fn kk_is_masked() {
        let kk = Kk::parse("3316 0901 0120 0034").unwrap();
        assert_eq!(kk.to_string(), "3316••••••••0034");
        assert_eq!(kk.reveal(), "3316090101200034");
    }
}
