//! Regions: province → regency/city → district → village → dusun/lingkungan/RW/RT.
//!
//! Official levels are keyed by Kemendagri codes written with dots (`33.16.09.2001`). Units
//! below the village have no official code; they get local segments under their parent
//! (`18.71.06.1012.L1`, `18.71.06.1012.L1.RT03` for RT 3 of Lingkungan 1, Kaliawi Persada).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Version;
use super::text::{self, Checker, Invalid};
use crate::vocabulary;

vocabulary! {
    /// What kind of place a region is.
    RegionKind {
        Province => "province", "Provinsi", "Province";
        Regency => "regency", "Kabupaten", "Regency";
        City => "city", "Kota", "City";
        District => "district", "Kecamatan", "District";
        Village => "village", "Desa", "Village";
        Kelurahan => "kelurahan", "Kelurahan", "Urban village";
        Dusun => "dusun", "Dusun", "Hamlet";
        Lingkungan => "lingkungan", "Lingkungan", "Neighbourhood";
        Rw => "rw", "RW", "RW (community unit)";
        Rt => "rt", "RT", "RT (neighbourhood unit)";
    }
}

impl RegionKind {
    /// Whether a region of this kind may sit at `depth` (1 = province).
    pub fn fits_depth(self, depth: usize) -> bool {
        use RegionKind::*;
        match depth {
            1 => self == Province,
            2 => matches!(self, Regency | City),
            3 => self == District,
            4 => matches!(self, Village | Kelurahan),
            _ => matches!(self, Dusun | Lingkungan | Rw | Rt),
        }
    }
}

impl RegionKind {
    /// The kind a Kemendagri code names by its shape: `PP` a province; `PP.KK` a regency
    /// (KK 01–69) or a city (71–99); `PP.KK.CC` a district; `PP.KK.CC.NNNN` a kelurahan
    /// (first digit 1), a desa (2) or a desa adat (3, kept as a village). Codes below the
    /// village, or outside these ranges, are not on the official list.
    pub fn of_official_code(code: &RegionCode) -> Result<RegionKind, String> {
        let last = code.as_str().rsplit('.').next().unwrap_or_default();
        let kind = match (code.depth(), last.as_bytes().first()) {
            (1, _) => Some(RegionKind::Province),
            (2, _) => match last.parse::<u8>() {
                Ok(1..=69) => Some(RegionKind::Regency),
                Ok(71..=99) => Some(RegionKind::City),
                _ => None,
            },
            (3, _) if last != "00" => Some(RegionKind::District),
            (4, Some(b'1')) => Some(RegionKind::Kelurahan),
            (4, Some(b'2' | b'3')) => Some(RegionKind::Village),
            _ => None,
        };
        kind.ok_or_else(|| {
            format!(
                "`{code}` is not a Kemendagri code (PP, PP.KK with KK 01-69 or 71-99, PP.KK.CC, \
                 PP.KK.CC.NNNN with N starting 1, 2 or 3)"
            )
        })
    }
}

/// A region code: Kemendagri segments `PP.KK.CC.DDDD`, then local segments below the village.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// Longest chain: province, regency, district, village and three local levels.
const MAX_DEPTH: usize = 7;
const OFFICIAL_WIDTHS: [usize; 4] = [2, 2, 2, 4];

impl RegionCode {
    /// Parses a code written with dots, or an official code written as 2, 4, 6 or 10 digits.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err("is required".into());
        }
        let dotted = if !s.contains('.') && s.bytes().all(|b| b.is_ascii_digit()) {
            match s.len() {
                2 | 4 | 6 | 10 => {
                    let cuts = [0, 2, 4, 6, 10];
                    cuts.windows(2)
                        .take_while(|w| w[1] <= s.len())
                        .map(|w| &s[w[0]..w[1]])
                        .collect::<Vec<_>>()
                        .join(".")
                }
                _ => {
                    return Err(format!(
                        "`{}` is not a region code (2, 4, 6 or 10 digits, or dotted like 33.16.09.2001)",
                        text::shorten(&s)
                    ));
                }
            }
        } else {
            s
        };
        let segments: Vec<&str> = dotted.split('.').collect();
        if segments.len() > MAX_DEPTH {
            return Err(format!("has {} levels; at most {MAX_DEPTH}", segments.len()));
        }
        for (i, seg) in segments.iter().enumerate() {
            if let Some(&width) = OFFICIAL_WIDTHS.get(i) {
                if seg.len() != width || !seg.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!(
                        "`{}`: level {} must be {width} digits (Kemendagri code like 33.16.09.2001)",
                        text::shorten(&dotted),
                        i + 1
                    ));
                }
            } else if seg.is_empty() || seg.len() > 8 || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("`{}`: level {} must be 1 to 8 letters or digits", text::shorten(&dotted), i + 1));
            }
        }
        if segments[0] == "00" {
            return Err("province code 00 does not exist".into());
        }
        Ok(RegionCode(dotted))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of levels: 1 for a province, 4 for a village.
    pub fn depth(&self) -> usize {
        self.0.split('.').count()
    }

    /// The code of the region this one lies in.
    pub fn parent(&self) -> Option<RegionCode> {
        self.0.rfind('.').map(|i| RegionCode(self.0[..i].to_string()))
    }

    /// The district part as six digits (`331609`), the prefix NIK and KK numbers carry.
    pub fn district_digits(&self) -> Option<String> {
        let segs: Vec<&str> = self.0.split('.').collect();
        (segs.len() >= 3).then(|| segs[..3].concat())
    }

    /// [`district_digits`](Self::district_digits) as a number, without allocating.
    pub fn district_number(&self) -> Option<u64> {
        let mut segs = self.0.split('.');
        let mut n = 0u64;
        for _ in 0..3 {
            for b in segs.next()?.bytes() {
                n = n * 10 + u64::from(b.checked_sub(b'0').filter(|d| *d <= 9)?);
            }
        }
        Some(n)
    }

    /// Whether `other` is this region or lies inside it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0 == self.0 || (other.0.starts_with(&self.0) && other.0.as_bytes().get(self.0.len()) == Some(&b'.'))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

/// A region as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub kind: RegionKind,
    pub parent: Option<RegionCode>,
    pub version: Version,
}

/// A validated region, ready to be stored. The parent is implied by the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegion {
    pub code: RegionCode,
    pub name: String,
    pub kind: RegionKind,
}

impl NewRegion {
    pub fn parent(&self) -> Option<RegionCode> {
        self.code.parent()
    }
}

/// A region as typed into a form or an API call.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegionDraft {
    pub code: String,
    pub name: String,
    pub kind: String,
}

impl RegionDraft {
    pub fn parse(&self) -> Result<NewRegion, Invalid> {
        let mut c = Checker::new();
        let code = c.field("code", RegionCode::parse(&self.code));
        let name = c.field("name", text::text(&self.name, 1, 120));
        let kind = c.field("kind", RegionKind::parse(&self.kind));
        if let (Some(code), Some(kind)) = (&code, kind)
            && !kind.fits_depth(code.depth())
        {
            c.push("kind", format!("a {} cannot sit at level {} (code {code})", kind.code(), code.depth()));
        }
        c.finish()?;
        match (code, name, kind) {
            (Some(code), Some(name), Some(kind)) => Ok(NewRegion { code, name, kind }),
            _ => Err(Invalid::one("region", "incomplete")),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn district_number_reads_the_first_three_segments() {
        let code = |s: &str| RegionCode::parse(s).unwrap();
        assert_eq!(code("33.16.09.2001").district_number(), Some(331609));
        assert_eq!(code("62.71.04").district_number(), Some(627104));
        assert_eq!(code("33.16").district_number(), None);
        for c in ["33.16.09", "35.79.01.1001", "62.71.04.1005"] {
            assert_eq!(code(c).district_number().map(|n| format!("{n:06}")), code(c).district_digits());
        }
    }

    use super::*;

    #[test]
    fn codes_parse_dotted_and_plain() {
        assert_eq!(RegionCode::parse("3316092001").unwrap().as_str(), "33.16.09.2001");
        assert_eq!(RegionCode::parse("33.16").unwrap().depth(), 2);
        let rt = RegionCode::parse("18.71.10.1003.l1.rt03").unwrap();
        assert_eq!(rt.as_str(), "18.71.10.1003.L1.RT03");
        assert_eq!(rt.parent().unwrap().as_str(), "18.71.10.1003.L1");
        assert_eq!(rt.district_digits().unwrap(), "187110");
        assert!(RegionCode::parse("33.1").is_err());
        assert!(RegionCode::parse("12345").is_err());
        assert!(RegionCode::parse("00").is_err());
        assert!(RegionCode::parse("33.16.09.2001.A.B.C.D").is_err());
    }

    #[test]
    fn containment_respects_segments() {
        let a = RegionCode::parse("33.16").unwrap();
        assert!(a.contains(&RegionCode::parse("33.16.09").unwrap()));
        assert!(!a.contains(&RegionCode::parse("33.17").unwrap()));
        assert!(
            !RegionCode::parse("18.71.10.1003.L1").unwrap().contains(&RegionCode::parse("18.71.10.1003.L12").unwrap())
        );
    }

    #[test]
    fn official_codes_name_their_kind() {
        let kind = |s: &str| RegionKind::of_official_code(&RegionCode::parse(s).unwrap());
        assert_eq!(kind("33"), Ok(RegionKind::Province));
        assert_eq!(kind("33.16"), Ok(RegionKind::Regency));
        assert_eq!(kind("33.71"), Ok(RegionKind::City));
        assert_eq!(kind("33.16.02"), Ok(RegionKind::District));
        assert_eq!(kind("33.16.02.1005"), Ok(RegionKind::Kelurahan));
        assert_eq!(kind("33.16.02.2006"), Ok(RegionKind::Village));
        assert_eq!(kind("92.01.01.3001"), Ok(RegionKind::Village));
        for bad in ["33.70", "33.00", "33.16.00", "33.16.02.4001", "33.16.02.0001", "33.16.02.2006.RT01"] {
            assert!(kind(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kind_must_fit_level() {
        let d = RegionDraft { code: "33.16".into(), name: "Blora".into(), kind: "village".into() };
        let err = d.parse().unwrap_err();
        assert_eq!(err.0[0].field, "kind");
    }
}
