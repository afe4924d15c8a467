//! PKH targeting: the village welfare table (families by welfare stage per village, its
//! totals, ranking and banding by totals) and the two targeting errors — eligible households
//! left out (exclusion) and enrolled families that should not be there (inclusion) — each
//! with its reasons. Pure functions over plain rows; the store gathers the rows.

use serde::{Deserialize, Serialize};
use time::Date;

use super::components::{Member, benefit};
use super::rules::PkhRules;
use super::{Component, SchoolLevel, age_on};
use crate::registry::{Disability, Education, Invalid, WelfareStage};
use crate::vocabulary;

/// The five welfare stages, in the order of the table's columns.
pub const STAGES: [WelfareStage; 5] = [
    WelfareStage::PraSejahtera,
    WelfareStage::Sejahtera1,
    WelfareStage::Sejahtera2,
    WelfareStage::Sejahtera3,
    WelfareStage::Sejahtera3Plus,
];

vocabulary! {
    /// Where a welfare table's figures come from.
    WelfareSource {
        Official => "official", "Angka resmi", "Official figures";
        Registry => "registry", "Dihitung dari registri", "Computed from the registry";
    }
}

vocabulary! {
    /// How villages are banded by their totals.
    BandMethod {
        EqualInterval => "equal_interval", "Interval sama", "Equal interval";
        Quantile => "quantile", "Kuantil", "Quantile";
        StdDev => "std_dev", "Rerata ± simpangan baku", "Mean ± standard deviation";
        NaturalBreaks => "natural_breaks", "Jeda alami (Jenks)", "Natural breaks (Jenks)";
    }
}

/// The fewest and most bands a user may ask for.
pub const MIN_BANDS: usize = 2;
pub const MAX_BANDS: usize = 10;

/// One village's row of the welfare table: families per stage, in [`STAGES`] order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WelfareRow {
    /// The village's region code.
    pub region: String,
    pub name: String,
    pub counts: [i64; 5],
}

impl WelfareRow {
    pub fn total(&self) -> i64 {
        self.counts.iter().sum()
    }
}

/// A welfare row as typed or imported: counts per stage, each 0 or more, missing as 0.
pub fn check_counts(counts: &[i64; 5]) -> Result<(), Invalid> {
    for (stage, n) in STAGES.iter().zip(counts) {
        if *n < 0 {
            return Err(Invalid::one(stage.code(), "must be 0 or more"));
        }
        if *n > 10_000_000 {
            return Err(Invalid::one(stage.code(), "must be at most 10000000"));
        }
    }
    Ok(())
}

/// Column totals of a table, per stage, and the grand total.
pub fn totals(rows: &[WelfareRow]) -> ([i64; 5], i64) {
    let mut sum = [0i64; 5];
    for r in rows {
        for (s, n) in sum.iter_mut().zip(r.counts) {
            *s += n;
        }
    }
    (sum, sum.iter().sum())
}

/// The rank of each row by total, largest first (1 = largest; equal totals share a rank).
pub fn ranks(rows: &[WelfareRow]) -> Vec<usize> {
    rows.iter().map(|r| 1 + rows.iter().filter(|o| o.total() > r.total()).count()).collect()
}

/// One band of a banding: its cut range and the values (by input index) in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    /// 1 = the lowest totals.
    pub number: usize,
    /// The band's lower cut (inclusive) and upper cut (exclusive, except for the last band).
    pub lower: f64,
    pub upper: f64,
    /// The smallest and largest total actually in the band (`None` for an empty band).
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Input indexes of the values in the band, by value then index.
    pub members: Vec<usize>,
}

/// Bands `values` into `k` bands by `method`. Refuses `k` outside 2..=10 (`bands`) and an
/// empty input (`values`). With fewer distinct values than bands, some bands stay empty.
pub fn banding(values: &[i64], method: BandMethod, k: usize) -> Result<Vec<Band>, Invalid> {
    if !(MIN_BANDS..=MAX_BANDS).contains(&k) {
        return Err(Invalid::one("bands", format!("must be from {MIN_BANDS} to {MAX_BANDS}")));
    }
    if values.is_empty() {
        return Err(Invalid::one("values", "there are no figures to band"));
    }
    let mut sorted: Vec<i64> = values.to_vec();
    sorted.sort_unstable();
    let lo = sorted[0] as f64;
    let hi = sorted[sorted.len() - 1] as f64;
    // Inner cuts: k-1 ascending thresholds; a value v lies in band i when cut[i-1] <= v < cut[i].
    let cuts: Vec<f64> = match method {
        BandMethod::EqualInterval => {
            let w = (hi - lo) / k as f64;
            (1..k).map(|i| lo + w * i as f64).collect()
        }
        BandMethod::Quantile => {
            // Each band holds n/k values (the first bands take the remainder); the cut lies
            // at the first value of the next band.
            let n = sorted.len();
            let mut cuts = Vec::new();
            let mut at = 0;
            for i in 0..k - 1 {
                at += n / k + usize::from(i < n % k);
                cuts.push(sorted.get(at).map_or(hi + 1.0, |v| *v as f64));
            }
            cuts
        }
        BandMethod::StdDev => {
            // Bands one sample standard deviation wide, centred on the mean: with three
            // bands the cuts are mean ± ½ SD, the grouping seed 002 Table 1 uses.
            let n = sorted.len() as f64;
            let mean = sorted.iter().map(|v| *v as f64).sum::<f64>() / n;
            let var = if sorted.len() > 1 {
                sorted.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0)
            } else {
                0.0
            };
            let sd = var.sqrt();
            (1..k).map(|j| mean + (j as f64 - k as f64 / 2.0) * sd).collect()
        }
        BandMethod::NaturalBreaks => jenks_cuts(&sorted, k),
    };
    let mut bands: Vec<Band> = (0..k)
        .map(|i| Band {
            number: i + 1,
            lower: if i == 0 { lo } else { cuts[i - 1] },
            upper: if i == k - 1 { hi } else { cuts[i] },
            min: None,
            max: None,
            members: Vec::new(),
        })
        .collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&i| (values[i], i));
    for i in order {
        let v = values[i];
        let b = cuts.iter().filter(|c| (v as f64) >= **c).count().min(k - 1);
        let band = &mut bands[b];
        band.min = Some(band.min.map_or(v, |m| m.min(v)));
        band.max = Some(band.max.map_or(v, |m| m.max(v)));
        band.members.push(i);
    }
    Ok(bands)
}

/// Jenks natural breaks: the grouping of the sorted values into `k` runs that minimises the
/// sum of squared deviations from each run's mean (exact, by dynamic programming). The cut
/// is the first value of each run after the first.
fn jenks_cuts(sorted: &[i64], k: usize) -> Vec<f64> {
    let n = sorted.len();
    if n <= k {
        // Every distinct value its own band.
        return (1..k).map(|i| sorted.get(i).map_or(sorted[n - 1] as f64 + 1.0, |v| *v as f64)).collect();
    }
    let mut s1 = vec![0f64; n + 1];
    let mut s2 = vec![0f64; n + 1];
    for (i, v) in sorted.iter().enumerate() {
        let x = *v as f64;
        s1[i + 1] = s1[i] + x;
        s2[i + 1] = s2[i] + x * x;
    }
    // Sum of squared deviations of sorted[a..b].
    let ssd = |a: usize, b: usize| {
        let m = (b - a) as f64;
        let s = s1[b] - s1[a];
        (s2[b] - s2[a]) - s * s / m
    };
    // cost[j][i]: best cost of the first i values in j+1 runs; from[j][i]: start of the last run.
    let mut cost = vec![vec![f64::INFINITY; n + 1]; k];
    let mut from = vec![vec![0usize; n + 1]; k];
    for (i, c) in cost[0].iter_mut().enumerate().skip(1) {
        *c = ssd(0, i);
    }
    for j in 1..k {
        for i in (j + 1)..=n {
            for start in j..i {
                let c = cost[j - 1][start] + ssd(start, i);
                if c < cost[j][i] {
                    cost[j][i] = c;
                    from[j][i] = start;
                }
            }
        }
    }
    let mut starts = Vec::new();
    let mut i = n;
    for j in (1..k).rev() {
        let s = from[j][i];
        starts.push(s);
        i = s;
    }
    starts.reverse();
    starts.into_iter().map(|s| sorted[s] as f64).collect()
}

// --- Targeting errors ------------------------------------------------------------------------

/// A registry person as the exclusion check sees them: the registry holds no pregnancy or
/// school enrollment, so the school level is read from the person's education at school age
/// and a registry disability is a possible severe disability, to be verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPerson {
    pub person_id: i64,
    pub birth_date: Date,
    pub education: Education,
    pub disability: Disability,
}

/// The member a registry person makes on `on`: school-age people whose education is SD, SMP
/// or SMA are counted at that level; any disability counts as possibly severe.
pub fn registry_member(p: &RegistryPerson, on: Date, rules: &PkhRules) -> Member {
    let age = age_on(p.birth_date, on);
    let school = if (rules.school_min_age..=rules.school_max_age).contains(&age) {
        match p.education {
            Education::Sd => SchoolLevel::Sd,
            Education::Smp => SchoolLevel::Smp,
            Education::Sma => SchoolLevel::Sma,
            _ => SchoolLevel::None,
        }
    } else {
        SchoolLevel::None
    };
    Member {
        person: p.person_id,
        order: p.person_id,
        birth_date: p.birth_date,
        pregnant: false,
        school,
        severe_disability: p.disability != Disability::None,
    }
}

vocabulary! {
    /// The two targeting errors.
    ErrorKind {
        Exclusion => "exclusion", "Tidak terjangkau (exclusion)", "Exclusion";
        Inclusion => "inclusion", "Salah sasaran (inclusion)", "Inclusion";
    }
}

/// Why a household or family is a targeting error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// Exclusion: the household's DTKS decile lies in the program's range.
    DecileInRange { decile: u8 },
    /// Exclusion: the household is Pra Sejahtera.
    PraSejahtera,
    /// Exclusion: members hold these components (from the registry), yearly worth `annual`.
    HasComponents { components: Vec<Component>, annual: i64 },
    /// Exclusion: a member's registry disability may be severe; verify before enrolling.
    DisabilityToVerify,
    /// Inclusion: the enrolled household is not listed in DTKS.
    NotInDtks,
    /// Inclusion: no member holds a component on the reference date.
    NoComponent,
    /// Inclusion: the household's welfare stage is above the program's highest.
    WelfareAboveRange { stage: WelfareStage, max: WelfareStage },
    /// Inclusion: the household's DTKS decile lies outside the program's range.
    DecileOutOfRange { decile: u8 },
}

impl Reason {
    /// The stable code of the reason (filters, files).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::DecileInRange { .. } => "decile_in_range",
            Reason::PraSejahtera => "pra_sejahtera",
            Reason::HasComponents { .. } => "has_components",
            Reason::DisabilityToVerify => "disability_to_verify",
            Reason::NotInDtks => "not_in_dtks",
            Reason::NoComponent => "no_component",
            Reason::WelfareAboveRange { .. } => "welfare_above_range",
            Reason::DecileOutOfRange { .. } => "decile_out_of_range",
        }
    }

    /// The reason in words, Indonesian (`"id"`) or English.
    pub fn describe(&self, lang: &str) -> String {
        let en = lang == "en";
        match self {
            Reason::DecileInRange { decile } => {
                if en {
                    format!("DTKS decile {decile} is in the program's range")
                } else {
                    format!("desil DTKS {decile} dalam rentang program")
                }
            }
            Reason::PraSejahtera => (if en { "Pra Sejahtera household" } else { "keluarga Pra Sejahtera" }).into(),
            Reason::HasComponents { components, annual } => {
                let list: Vec<&str> = components.iter().map(|c| c.label(lang)).collect();
                if en {
                    format!("components {} (Rp {annual} a year)", list.join(", "))
                } else {
                    format!("komponen {} (Rp {annual} per tahun)", list.join(", "))
                }
            }
            Reason::DisabilityToVerify => (if en {
                "a member's disability may be severe: to verify"
            } else {
                "disabilitas anggota mungkin berat: perlu verifikasi"
            })
            .into(),
            Reason::NotInDtks => (if en { "not listed in DTKS" } else { "tidak terdaftar di DTKS" }).into(),
            Reason::NoComponent => {
                (if en { "no member holds a component" } else { "tidak ada anggota yang memenuhi komponen" }).into()
            }
            Reason::WelfareAboveRange { stage, max } => {
                if en {
                    format!("welfare stage {} is above {}", stage.label(lang), max.label(lang))
                } else {
                    format!("tahap kesejahteraan {} di atas {}", stage.label(lang), max.label(lang))
                }
            }
            Reason::DecileOutOfRange { decile } => {
                if en {
                    format!("DTKS decile {decile} is outside the program's range")
                } else {
                    format!("desil DTKS {decile} di luar rentang program")
                }
            }
        }
    }
}

/// A household as the targeting check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHousehold {
    pub household_id: i64,
    pub dtks_listed: bool,
    pub welfare_stage: WelfareStage,
    /// The latest DTKS decile recorded, when any.
    pub decile: Option<u8>,
    /// Whether a family of this household is enrolled in the program (not terminated).
    pub enrolled: bool,
}

/// Why a household not enrolled is an exclusion error, or `None` when it is not one:
/// listed in DTKS, in the decile range or Pra Sejahtera, and holding a component on `on`
/// (computed from the registry people of the household).
pub fn exclusion(h: &TargetHousehold, people: &[RegistryPerson], on: Date, rules: &PkhRules) -> Option<Vec<Reason>> {
    if h.enrolled || !h.dtks_listed {
        return None;
    }
    let mut reasons = Vec::new();
    if let Some(d) = h.decile.filter(|d| (rules.decile_min..=rules.decile_max).contains(d)) {
        reasons.push(Reason::DecileInRange { decile: d });
    }
    if h.welfare_stage == WelfareStage::PraSejahtera {
        reasons.push(Reason::PraSejahtera);
    }
    if reasons.is_empty() {
        return None;
    }
    let members: Vec<Member> = people.iter().map(|p| registry_member(p, on, rules)).collect();
    let b = benefit(&members, on, rules);
    if b.annual == 0 {
        return None;
    }
    let components: Vec<Component> = b.counted().map(|l| l.component).collect();
    let disability = b.counted().any(|l| l.component == Component::DisabilitasBerat);
    reasons.push(Reason::HasComponents { components, annual: b.annual });
    if disability {
        reasons.push(Reason::DisabilityToVerify);
    }
    Some(reasons)
}

/// Why an enrolled family is an inclusion error, or `None` when it is not one: not in DTKS,
/// no component on the date (`annual` of its benefit is 0), a welfare stage above the
/// program's highest, or a recorded decile outside the range.
pub fn inclusion(h: &TargetHousehold, annual: i64, rules: &PkhRules) -> Option<Vec<Reason>> {
    let mut reasons = Vec::new();
    if !h.dtks_listed {
        reasons.push(Reason::NotInDtks);
    }
    if annual == 0 {
        reasons.push(Reason::NoComponent);
    }
    if h.welfare_stage > rules.max_welfare_stage {
        reasons.push(Reason::WelfareAboveRange { stage: h.welfare_stage, max: rules.max_welfare_stage });
    }
    if let Some(d) = h.decile.filter(|d| !(rules.decile_min..=rules.decile_max).contains(d)) {
        reasons.push(Reason::DecileOutOfRange { decile: d });
    }
    if reasons.is_empty() { None } else { Some(reasons) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// Seed 002 Table 1 (Kecamatan Randublatung, 2020): Pra Sejahtera, Sejahtera I, II.
    const TABLE_1: [(&str, i64, i64, i64); 18] = [
        ("Tlogotuwung", 45, 260, 67),
        ("Bodeh", 47, 270, 70),
        ("Gembyungan", 69, 395, 102),
        ("Sambongwangan", 201, 1157, 301),
        ("Randublatung", 237, 1366, 356),
        ("Pilang", 436, 2505, 653),
        ("Temulus", 132, 760, 198),
        ("Sumberjo", 213, 1224, 319),
        ("Kutukan", 324, 1862, 485),
        ("Kalisari", 93, 538, 140),
        ("Kediren", 187, 1076, 280),
        ("Wulung", 269, 1548, 403),
        ("Kadengan", 155, 891, 232),
        ("Bekutuk", 116, 664, 173),
        ("Plosorejo", 201, 1156, 301),
        ("Jeruk", 87, 503, 131),
        ("Tanggal", 216, 1243, 324),
        ("Ngliron", 116, 667, 173),
    ];

    fn table() -> Vec<WelfareRow> {
        TABLE_1
            .iter()
            .map(|(n, a, b, c)| WelfareRow { region: n.to_string(), name: n.to_string(), counts: [*a, *b, *c, 0, 0] })
            .collect()
    }

    fn ranges(bands: &[Band]) -> Vec<(Option<i64>, Option<i64>, usize)> {
        bands.iter().map(|b| (b.min, b.max, b.members.len())).collect()
    }

    #[test]
    fn table_1_totals_and_ranking() {
        let rows = table();
        let (sum, all) = totals(&rows);
        assert_eq!(sum, [3144, 18085, 4708, 0, 0]);
        assert_eq!(all, 25_937);
        let r = ranks(&rows);
        assert_eq!(r[5], 1, "Pilang has the most families");
        assert_eq!(r[0], 18, "Tlogotuwung the fewest");
    }

    /// The paper's three bands — 372–956 (7 villages), 1,090–1,783 (7), 1,959–3,594 (4:
    /// Randublatung, Pilang, Kutukan, Wulung) — are the mean ± ½ standard deviation cuts.
    /// Equal intervals, quantiles and Jenks natural breaks do not give them.
    #[test]
    fn the_papers_bands_are_mean_plus_minus_half_sd() {
        let rows = table();
        let totals: Vec<i64> = rows.iter().map(WelfareRow::total).collect();
        let paper = vec![(Some(372), Some(956), 7), (Some(1090), Some(1783), 7), (Some(1959), Some(3594), 4)];
        let sd = banding(&totals, BandMethod::StdDev, 3).unwrap();
        assert_eq!(ranges(&sd), paper);
        let mut high: Vec<&str> = sd[2].members.iter().map(|&i| rows[i].name.as_str()).collect();
        high.sort_unstable();
        assert_eq!(high, ["Kutukan", "Pilang", "Randublatung", "Wulung"]);
        for m in [BandMethod::EqualInterval, BandMethod::Quantile, BandMethod::NaturalBreaks] {
            assert_ne!(ranges(&banding(&totals, m, 3).unwrap()), paper, "{m}");
        }
        assert_eq!(
            ranges(&banding(&totals, BandMethod::EqualInterval, 3).unwrap()),
            vec![(Some(372), Some(1278), 9), (Some(1543), Some(2220), 7), (Some(2671), Some(3594), 2)]
        );
        assert_eq!(
            ranges(&banding(&totals, BandMethod::Quantile, 3).unwrap()),
            vec![(Some(372), Some(953), 6), (Some(956), Some(1659), 6), (Some(1756), Some(3594), 6)]
        );
        assert_eq!(
            ranges(&banding(&totals, BandMethod::NaturalBreaks, 3).unwrap()),
            vec![(Some(372), Some(1090), 8), (Some(1278), Some(2220), 8), (Some(2671), Some(3594), 2)]
        );
    }

    #[test]
    fn banding_checks_its_input_and_covers_every_value() {
        assert_eq!(banding(&[1, 2], BandMethod::Quantile, 1).unwrap_err().0[0].field, "bands");
        assert_eq!(banding(&[1, 2], BandMethod::Quantile, 11).unwrap_err().0[0].field, "bands");
        assert_eq!(banding(&[], BandMethod::Quantile, 3).unwrap_err().0[0].field, "values");
        for m in BandMethod::ALL {
            for k in MIN_BANDS..=MAX_BANDS {
                for values in [vec![5, 5, 5], vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], vec![7]] {
                    let b = banding(&values, *m, k).unwrap();
                    assert_eq!(b.len(), k);
                    assert_eq!(b.iter().map(|b| b.members.len()).sum::<usize>(), values.len(), "{m} {k}");
                }
            }
        }
    }

    fn person(id: i64, birth: Date, education: Education, disability: Disability) -> RegistryPerson {
        RegistryPerson { person_id: id, birth_date: birth, education, disability }
    }

    fn household(dtks: bool, stage: WelfareStage, decile: Option<u8>, enrolled: bool) -> TargetHousehold {
        TargetHousehold { household_id: 1, dtks_listed: dtks, welfare_stage: stage, decile, enrolled }
    }

    #[test]
    fn exclusion_needs_dtks_range_and_a_component() {
        let on = date!(2024 - 07 - 01);
        let rules = PkhRules::default_for(2024);
        let child = [person(1, date!(2014 - 03 - 01), Education::Sd, Disability::None)];
        let adult = [person(2, date!(1990 - 03 - 01), Education::Sma, Disability::None)];
        let pra = household(true, WelfareStage::PraSejahtera, None, false);
        let r = exclusion(&pra, &child, on, &rules).unwrap();
        assert_eq!(r[0], Reason::PraSejahtera);
        assert_eq!(r[1], Reason::HasComponents { components: vec![Component::Sd], annual: 900_000 });
        let decile = household(true, WelfareStage::Sejahtera2, Some(1), false);
        assert_eq!(exclusion(&decile, &child, on, &rules).unwrap()[0], Reason::DecileInRange { decile: 1 });
        assert_eq!(exclusion(&pra, &adult, on, &rules), None, "no component");
        assert_eq!(exclusion(&household(false, WelfareStage::PraSejahtera, None, false), &child, on, &rules), None);
        assert_eq!(exclusion(&household(true, WelfareStage::PraSejahtera, None, true), &child, on, &rules), None);
        assert_eq!(exclusion(&household(true, WelfareStage::Sejahtera2, Some(9), false), &child, on, &rules), None);
        let disabled = [person(3, date!(1980 - 01 - 01), Education::None, Disability::Physical)];
        let r = exclusion(&pra, &disabled, on, &rules).unwrap();
        assert!(r.contains(&Reason::DisabilityToVerify));
    }

    #[test]
    fn inclusion_names_each_reason() {
        let rules = PkhRules::default_for(2024);
        let ok = household(true, WelfareStage::PraSejahtera, Some(1), true);
        assert_eq!(inclusion(&ok, 900_000, &rules), None);
        assert_eq!(
            inclusion(&household(false, WelfareStage::PraSejahtera, None, true), 1, &rules).unwrap(),
            vec![Reason::NotInDtks]
        );
        assert_eq!(inclusion(&ok, 0, &rules).unwrap(), vec![Reason::NoComponent]);
        let rich = household(true, WelfareStage::Sejahtera3Plus, None, true);
        assert_eq!(
            inclusion(&rich, 1, &rules).unwrap(),
            vec![Reason::WelfareAboveRange { stage: WelfareStage::Sejahtera3Plus, max: rules.max_welfare_stage }]
        );
        let decile = household(true, WelfareStage::PraSejahtera, Some(10), true);
        assert_eq!(inclusion(&decile, 1, &rules).unwrap(), vec![Reason::DecileOutOfRange { decile: 10 }]);
    }
}
