//! Slum scores: a neighbourhood's settlement condition by the national criteria (Permen PUPR
//! 14/PRT/M/2018), seven aspects of sixteen parameters. Each parameter is entered as the
//! number affected out of a total (houses, road length, households…) and scored by the share
//! affected, compared **exactly** as a fraction (never rounded): 5 from 76 %, 3 from 51 %, 1
//! from 25 %, else 0. The sixteen scores are totalled (at most 80) and classed: heavy from 60,
//! medium from 38, light from 16, else not a slum.
//!
//! The bands and the classes are data ([`SlumRules`]) with the regulation's values as the
//! default: a later regulation changes the document, not the code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The sixteen parameters, in the regulation's order, by aspect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Parameter {
    /// 1a: buildings not in order (irregular).
    #[serde(rename = "1a")]
    BuildingOrder,
    /// 1b: building density above the rule.
    #[serde(rename = "1b")]
    BuildingDensity,
    /// 1c: buildings not meeting the technical requirements.
    #[serde(rename = "1c")]
    BuildingTechnical,
    /// 2a: area not served by the neighbourhood road network.
    #[serde(rename = "2a")]
    RoadCoverage,
    /// 2b: road surface in poor condition.
    #[serde(rename = "2b")]
    RoadSurface,
    /// 3a: no safe access to drinking water.
    #[serde(rename = "3a")]
    WaterAccess,
    /// 3b: minimum drinking-water need not met.
    #[serde(rename = "3b")]
    WaterNeed,
    /// 4a: drainage unable to drain runoff (inundation).
    #[serde(rename = "4a")]
    DrainageInundation,
    /// 4b: no drainage available.
    #[serde(rename = "4b")]
    DrainageAvailability,
    /// 4c: drainage construction in poor condition.
    #[serde(rename = "4c")]
    DrainageConstruction,
    /// 5a: wastewater system below the technical standard.
    #[serde(rename = "5a")]
    WastewaterSystem,
    /// 5b: wastewater facilities below the technical requirements.
    #[serde(rename = "5b")]
    WastewaterFacilities,
    /// 6a: solid-waste facilities below the technical standard.
    #[serde(rename = "6a")]
    WasteFacilities,
    /// 6b: solid-waste system below the technical standard.
    #[serde(rename = "6b")]
    WasteSystem,
    /// 7a: no fire-protection facilities.
    #[serde(rename = "7a")]
    FireFacilities,
    /// 7b: no fire-protection equipment.
    #[serde(rename = "7b")]
    FireEquipment,
}

impl Parameter {
    /// All sixteen, in order.
    pub const ALL: [Parameter; 16] = [
        Parameter::BuildingOrder,
        Parameter::BuildingDensity,
        Parameter::BuildingTechnical,
        Parameter::RoadCoverage,
        Parameter::RoadSurface,
        Parameter::WaterAccess,
        Parameter::WaterNeed,
        Parameter::DrainageInundation,
        Parameter::DrainageAvailability,
        Parameter::DrainageConstruction,
        Parameter::WastewaterSystem,
        Parameter::WastewaterFacilities,
        Parameter::WasteFacilities,
        Parameter::WasteSystem,
        Parameter::FireFacilities,
        Parameter::FireEquipment,
    ];

    /// `1a` … `7b`.
    pub fn code(self) -> &'static str {
        match self {
            Parameter::BuildingOrder => "1a",
            Parameter::BuildingDensity => "1b",
            Parameter::BuildingTechnical => "1c",
            Parameter::RoadCoverage => "2a",
            Parameter::RoadSurface => "2b",
            Parameter::WaterAccess => "3a",
            Parameter::WaterNeed => "3b",
            Parameter::DrainageInundation => "4a",
            Parameter::DrainageAvailability => "4b",
            Parameter::DrainageConstruction => "4c",
            Parameter::WastewaterSystem => "5a",
            Parameter::WastewaterFacilities => "5b",
            Parameter::WasteFacilities => "6a",
            Parameter::WasteSystem => "6b",
            Parameter::FireFacilities => "7a",
            Parameter::FireEquipment => "7b",
        }
    }

    /// A code, case and spaces ignored.
    pub fn parse(raw: &str) -> Result<Parameter, String> {
        let raw = raw.trim().to_ascii_lowercase();
        Parameter::ALL.into_iter().find(|p| p.code() == raw).ok_or_else(|| {
            format!(
                "`{}` is not one of the parameters {}",
                crate::registry::text::shorten(&raw),
                Parameter::ALL.map(Parameter::code).join(", ")
            )
        })
    }

    /// The aspect, 1 (buildings) to 7 (fire protection).
    pub fn aspect(self) -> u8 {
        self.code().as_bytes()[0] - b'0'
    }

    /// What is counted as affected, in Indonesian or English (`lang` `id` or `en`).
    pub fn label(self, lang: &str) -> &'static str {
        let (id, en) = match self {
            Parameter::BuildingOrder => ("Ketidakteraturan bangunan", "Buildings not in order"),
            Parameter::BuildingDensity => {
                ("Kepadatan bangunan tidak sesuai ketentuan", "Building density above the rule")
            }
            Parameter::BuildingTechnical => {
                ("Bangunan tidak memenuhi persyaratan teknis", "Buildings not meeting technical requirements")
            }
            Parameter::RoadCoverage => ("Jalan lingkungan tidak melayani seluruh area", "Area not served by roads"),
            Parameter::RoadSurface => ("Kualitas permukaan jalan buruk", "Road surface in poor condition"),
            Parameter::WaterAccess => ("Tidak ada akses aman air minum", "No safe access to drinking water"),
            Parameter::WaterNeed => ("Kebutuhan air minum tidak terpenuhi", "Drinking-water need not met"),
            Parameter::DrainageInundation => ("Drainase tidak mampu mengalirkan limpasan (genangan)", "Inundation"),
            Parameter::DrainageAvailability => ("Drainase tidak tersedia", "No drainage"),
            Parameter::DrainageConstruction => ("Kualitas konstruksi drainase buruk", "Drainage construction poor"),
            Parameter::WastewaterSystem => {
                ("Sistem pengelolaan air limbah tidak sesuai standar", "Wastewater system below standard")
            }
            Parameter::WastewaterFacilities => {
                ("Prasarana dan sarana air limbah tidak sesuai persyaratan", "Wastewater facilities below requirements")
            }
            Parameter::WasteFacilities => {
                ("Prasarana dan sarana persampahan tidak sesuai standar", "Solid-waste facilities below standard")
            }
            Parameter::WasteSystem => {
                ("Sistem pengelolaan persampahan tidak sesuai standar", "Solid-waste system below standard")
            }
            Parameter::FireFacilities => {
                ("Prasarana proteksi kebakaran tidak tersedia", "No fire-protection facilities")
            }
            Parameter::FireEquipment => ("Sarana proteksi kebakaran tidak tersedia", "No fire-protection equipment"),
        };
        if lang == "en" { en } else { id }
    }
}

/// A neighbourhood's class by its total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlumClass {
    Berat,
    Sedang,
    Ringan,
    TidakKumuh,
}

impl SlumClass {
    /// `berat`, `sedang`, `ringan`, `tidak_kumuh`.
    pub fn code(self) -> &'static str {
        match self {
            SlumClass::Berat => "berat",
            SlumClass::Sedang => "sedang",
            SlumClass::Ringan => "ringan",
            SlumClass::TidakKumuh => "tidak_kumuh",
        }
    }

    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang) {
            (SlumClass::Berat, "en") => "heavy slum",
            (SlumClass::Sedang, "en") => "medium slum",
            (SlumClass::Ringan, "en") => "light slum",
            (SlumClass::TidakKumuh, "en") => "not a slum",
            (SlumClass::Berat, _) => "kumuh berat",
            (SlumClass::Sedang, _) => "kumuh sedang",
            (SlumClass::Ringan, _) => "kumuh ringan",
            (SlumClass::TidakKumuh, _) => "tidak kumuh",
        }
    }
}

/// A parameter's score from the share affected: `score` when `affected / total ≥
/// min_percent / 100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub min_percent: u32,
    pub score: u32,
}

/// A class from the total score: `class` when the total is at least `min_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassBand {
    pub class: SlumClass,
    pub min_total: u32,
}

/// The scoring rules: bands from the highest share down, classes from the highest total down;
/// a share below every band scores 0, a total below every class is not a slum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlumRules {
    pub bands: Vec<Band>,
    pub classes: Vec<ClassBand>,
}

impl Default for SlumRules {
    /// Permen PUPR 14/PRT/M/2018: 76–100 % → 5, 51–75 % → 3, 25–50 % → 1; totals 60–80
    /// heavy, 38–59 medium, 16–37 light, below 16 not a slum.
    fn default() -> SlumRules {
        SlumRules {
            bands: vec![
                Band { min_percent: 76, score: 5 },
                Band { min_percent: 51, score: 3 },
                Band { min_percent: 25, score: 1 },
            ],
            classes: vec![
                ClassBand { class: SlumClass::Berat, min_total: 60 },
                ClassBand { class: SlumClass::Sedang, min_total: 38 },
                ClassBand { class: SlumClass::Ringan, min_total: 16 },
            ],
        }
    }
}

impl SlumRules {
    /// Bands strictly descending in share and score, shares within 1–100; classes strictly
    /// descending and not naming `tidak_kumuh` (what is left below them).
    pub fn check(&self) -> Result<(), String> {
        if self.bands.is_empty() {
            return Err("bands: at least one band is needed".into());
        }
        for (i, b) in self.bands.iter().enumerate() {
            if !(1..=100).contains(&b.min_percent) {
                return Err(format!("bands[{i}].min_percent: {} is not between 1 and 100", b.min_percent));
            }
            if b.score == 0 || b.score > 100 {
                return Err(format!("bands[{i}].score: {} is not between 1 and 100", b.score));
            }
            if let Some(prev) = i.checked_sub(1).map(|j| self.bands[j])
                && (b.min_percent >= prev.min_percent || b.score >= prev.score)
            {
                return Err(format!("bands[{i}]: bands must go from the highest share and score down"));
            }
        }
        for (i, c) in self.classes.iter().enumerate() {
            if c.class == SlumClass::TidakKumuh {
                return Err(format!("classes[{i}].class: tidak_kumuh is what is left below the classes"));
            }
            if self.classes[..i].iter().any(|p| p.class == c.class) {
                return Err(format!("classes[{i}].class: {} appears twice", c.class.code()));
            }
            if let Some(prev) = i.checked_sub(1).map(|j| self.classes[j])
                && c.min_total >= prev.min_total
            {
                return Err(format!("classes[{i}].min_total: classes must go from the highest total down"));
            }
        }
        Ok(())
    }

    /// The score of `affected` out of `total` (total > 0, affected ≤ total), compared as
    /// fractions: `affected × 100 ≥ min_percent × total`.
    pub fn score(&self, affected: u64, total: u64) -> u32 {
        let affected = u128::from(affected) * 100;
        self.bands.iter().find(|b| affected >= u128::from(b.min_percent) * u128::from(total)).map_or(0, |b| b.score)
    }

    /// The class of a total score.
    pub fn class(&self, total: u32) -> SlumClass {
        self.classes.iter().find(|c| total >= c.min_total).map_or(SlumClass::TidakKumuh, |c| c.class)
    }
}

/// One parameter's measure: `affected` out of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub affected: u64,
    pub total: u64,
}

impl Measure {
    /// A measure with a positive total and no more affected than the total.
    pub fn new(affected: u64, total: u64) -> Result<Measure, String> {
        if total == 0 {
            return Err("the total must be more than 0".into());
        }
        if affected > total {
            return Err(format!("affected ({affected}) is more than the total ({total})"));
        }
        Ok(Measure { affected, total })
    }

    /// The share affected, for display (scoring never uses it).
    pub fn share(self) -> f64 {
        self.affected as f64 / self.total as f64
    }
}

/// One parameter's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParameterScore {
    pub parameter: Parameter,
    pub measure: Measure,
    pub score: u32,
}

/// A neighbourhood's score: the sixteen parameters, the total and the class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlumScore {
    pub parameters: Vec<ParameterScore>,
    pub total: u32,
    pub class: SlumClass,
}

/// Scores a complete baseline: every one of the sixteen parameters must be measured (the
/// missing ones are named otherwise).
pub fn score(measures: &BTreeMap<Parameter, Measure>, rules: &SlumRules) -> Result<SlumScore, Vec<Parameter>> {
    let missing: Vec<Parameter> = Parameter::ALL.into_iter().filter(|p| !measures.contains_key(p)).collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let parameters: Vec<ParameterScore> = Parameter::ALL
        .into_iter()
        .map(|p| {
            let m = measures[&p];
            ParameterScore { parameter: p, measure: m, score: rules.score(m.affected, m.total) }
        })
        .collect();
    let total = parameters.iter().map(|p| p.score).sum();
    Ok(SlumScore { parameters, total, class: rules.class(total) })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Every share boundary of the default bands, exactly on it and one step below, with
    /// totals that do not divide evenly.
    #[test]
    fn each_band_starts_exactly_at_its_share() {
        let r = SlumRules::default();
        for (affected, total, score) in [
            (76, 100, 5),
            (75, 100, 3),
            (51, 100, 3),
            (50, 100, 1),
            (25, 100, 1),
            (24, 100, 0),
            // 19/25 = 76 % exactly; 759_999/1_000_000 is a hair below.
            (19, 25, 5),
            (759_999, 1_000_000, 3),
            (760_000, 1_000_000, 5),
            // 51/100 against 509_999/1_000_000 and 1/4 against 249_999/1_000_000.
            (510_000, 1_000_000, 3),
            (509_999, 1_000_000, 1),
            (1, 4, 1),
            (249_999, 1_000_000, 0),
            // 2/3 = 66.7 % → 3; 1/3 = 33.3 % → 1; 0 → 0; all → 5.
            (2, 3, 3),
            (1, 3, 1),
            (0, 7, 0),
            (7, 7, 5),
            // 3/4 = 75 %, one point under the top band.
            (3, 4, 3),
            (u64::MAX, u64::MAX, 5),
            (u64::MAX / 4, u64::MAX, 0),
        ] {
            assert_eq!(r.score(affected, total), score, "{affected}/{total}");
        }
    }

    #[test]
    fn each_class_starts_at_its_total() {
        let r = SlumRules::default();
        for (total, class) in [
            (80, SlumClass::Berat),
            (60, SlumClass::Berat),
            (59, SlumClass::Sedang),
            (38, SlumClass::Sedang),
            (37, SlumClass::Ringan),
            (16, SlumClass::Ringan),
            (15, SlumClass::TidakKumuh),
            (0, SlumClass::TidakKumuh),
        ] {
            assert_eq!(r.class(total), class, "{total}");
        }
    }

    #[test]
    fn a_baseline_needs_all_sixteen() {
        let mut m: BTreeMap<Parameter, Measure> =
            Parameter::ALL.into_iter().map(|p| (p, Measure::new(1, 1).unwrap())).collect();
        let full = score(&m, &SlumRules::default()).unwrap();
        assert_eq!((full.total, full.class), (80, SlumClass::Berat));
        assert_eq!(full.parameters.len(), 16);
        m.remove(&Parameter::RoadSurface);
        m.remove(&Parameter::FireEquipment);
        assert_eq!(score(&m, &SlumRules::default()), Err(vec![Parameter::RoadSurface, Parameter::FireEquipment]));
    }

    #[test]
    fn measures_and_codes_are_checked() {
        assert!(Measure::new(0, 0).unwrap_err().contains("more than 0"));
        assert!(Measure::new(5, 4).unwrap_err().contains("more than the total"));
        assert_eq!(Parameter::parse(" 4C ").unwrap(), Parameter::DrainageConstruction);
        assert!(Parameter::parse("8a").unwrap_err().contains("1a, 1b, 1c, 2a"));
        assert_eq!(Parameter::ALL.map(Parameter::aspect), [1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 7]);
    }

    #[test]
    fn rules_are_checked() {
        assert_eq!(SlumRules::default().check(), Ok(()));
        let mut r = SlumRules::default();
        r.bands.swap(0, 1);
        assert!(r.check().unwrap_err().contains("highest share"));
        let mut r = SlumRules::default();
        r.classes.push(ClassBand { class: SlumClass::TidakKumuh, min_total: 0 });
        assert!(r.check().unwrap_err().contains("left below"));
        let mut r = SlumRules::default();
        r.bands[0].min_percent = 101;
        assert!(r.check().unwrap_err().contains("between 1 and 100"));
        let json = serde_json::to_string(&SlumRules::default()).unwrap();
        assert!(json.contains("\"class\":\"berat\""), "{json}");
        assert_eq!(serde_json::from_str::<SlumRules>(&json).unwrap(), SlumRules::default());
    }

    proptest! {
        /// The score never falls as the share affected grows, and equals the exact
        /// percentage comparison.
        #[test]
        fn scores_follow_the_exact_share(total in 1u64..10_000, a in 0u64..10_000, b in 0u64..10_000) {
            let r = SlumRules::default();
            let (lo, hi) = (a.min(b) % (total + 1), a.max(b) % (total + 1));
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            prop_assert!(r.score(lo, total) <= r.score(hi, total));
            let pct = |x: u64| x * 100;
            let expected = if pct(hi) >= 76 * total { 5 } else if pct(hi) >= 51 * total { 3 } else if pct(hi) >= 25 * total { 1 } else { 0 };
            prop_assert_eq!(r.score(hi, total), expected);
        }
    }
}
