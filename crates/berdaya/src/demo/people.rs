//! Synthetic households and people for the demo. Every name, date and number here is
//! invented by a fixed-seed generator: plausible, never real.
//!
//! NIKs are composed from the district of the household's region, the birth date and sex,
//! and a serial counted per district, date and sex, so they are valid in form, unique, and
//! agree with the record. KK numbers carry the district digits, an issue date and a serial.

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use berdaya_domain::registry::{
    Disability, Education, Kk, NewHousehold, NewPerson, Nik, RegionCode, RegionKind, Relation, Sex, WelfareStage,
};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use time::{Date, Month};

use super::places;

/// Ages are counted to the middle of this year (the seeds' fieldwork runs to 2023).
pub(super) const REFERENCE_YEAR: i32 = 2023;

/// Which seed's place a household belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Site {
    Kalampangan,
    Gerdu,
    Randublatung,
    Kaliawi,
    Ngadirojo,
}

/// A generated household with its members, head first.
#[derive(Debug, Clone)]
pub(super) struct DemoHousehold {
    pub site: Site,
    pub household: NewHousehold,
    pub members: Vec<NewPerson>,
}

/// Generates every demo household.
pub(super) fn generate(rng: &mut StdRng) -> anyhow::Result<Vec<DemoHousehold>> {
    let mut g = Generator { rng, nik_serials: HashMap::new(), kk_serials: HashMap::new() };
    let mut out = Vec::new();

    // Seed 000: dragon-fruit farmers on peat land; many Kalampangan families came as
    // transmigrants from Java. Most heads farm.
    let kalampangan = code(places::KALAMPANGAN)?;
    for i in 0..64 {
        let plan = Plan { head_occupation: (i < 52).then_some(PETANI), head_ages: (26, 70), ..Plan::default() };
        let address = format!("RT {:03} RW {:03}, Kelurahan Kalampangan", 1 + i % 8, 1 + i % 3);
        out.push(g.household(Site::Kalampangan, &kalampangan, None, address, plan)?);
    }

    // Seed 001: Dusun Gerdu, a farming hamlet on the slopes above Batu.
    let gerdu = code(places::GERDU)?;
    for i in 0..48 {
        let address = format!("Dusun Gerdu RT {:03} RW {:03}, Desa Tulungrejo", 1 + i % 6, 1 + i % 2);
        out.push(g.household(Site::Gerdu, &gerdu, None, address, Plan::default())?);
    }

    // Seed 002: Table 1, one household for every TABLE_1_SCALE families, by village and stage.
    for v in &places::RANDUBLATUNG_TABLE_1 {
        let region = code(v.code)?;
        let prefix = if v.kind() == RegionKind::Kelurahan { "Kelurahan" } else { "Desa" };
        let stages = [
            (WelfareStage::PraSejahtera, v.pra_sejahtera),
            (WelfareStage::Sejahtera1, v.sejahtera_1),
            (WelfareStage::Sejahtera2, v.sejahtera_2),
        ];
        for (stage, families) in stages {
            for _ in 0..places::scaled(families) {
                let rt = g.rng.random_range(1..=6);
                let rw = g.rng.random_range(1..=4);
                let address = format!("RT {rt:03} RW {rw:03}, {prefix} {}", v.village);
                out.push(g.household(Site::Randublatung, &region, Some(stage), address, Plan::default())?);
            }
        }
    }

    // Seed 003: the four RT units of Kaliawi Persada that received the KOTAKU grant.
    for unit in places::KOTAKU_RT_UNITS {
        let region = code(unit)?;
        let (lingkungan, rt) = match unit.rsplit('.').collect::<Vec<_>>().as_slice() {
            [rt, l, ..] => (l.trim_start_matches('L').to_string(), rt.trim_start_matches("RT").to_string()),
            _ => (String::new(), String::new()),
        };
        for _ in 0..24 {
            let address = format!("RT {rt:0>3} Lingkungan {lingkungan}, Kelurahan Kaliawi Persada");
            out.push(g.household(Site::Kaliawi, &region, None, address, Plan::default())?);
        }
    }

    // Seed 004: Ngadirojo Kidul, where all 78 members of Karya Makmur II farm.
    let ngadirojo = code(places::NGADIROJO_KIDUL)?;
    for i in 0..84 {
        let plan = Plan { head_occupation: (i < 80).then_some(PETANI), head_ages: (30, 76), male_head: i < 80 };
        let address = format!("RT {:03} RW {:03}, Desa Ngadirojo Kidul", 1 + i % 7, 1 + i % 4);
        out.push(g.household(Site::Ngadirojo, &ngadirojo, None, address, plan)?);
    }
    Ok(out)
}

fn code(raw: &str) -> anyhow::Result<RegionCode> {
    RegionCode::parse(raw).map_err(|e| anyhow!("demo region {raw}: {e}"))
}

pub(super) const PETANI: &str = "Petani/Pekebun";
const BURUH_TANI: &str = "Buruh Tani/Perkebunan";
const PEDAGANG: &str = "Pedagang";
const WIRASWASTA: &str = "Wiraswasta";
const IRT: &str = "Mengurus Rumah Tangga";
const PELAJAR: &str = "Pelajar/Mahasiswa";
const TIDAK_BEKERJA: &str = "Belum/Tidak Bekerja";
const BURUH_HARIAN: &str = "Buruh Harian Lepas";
const KARYAWAN: &str = "Karyawan Swasta";

/// What a household must look like beyond chance.
#[derive(Debug, Clone, Copy)]
struct Plan {
    head_occupation: Option<&'static str>,
    head_ages: (i32, i32),
    /// Force a male head (farmer-group members in seed 004 are household heads).
    male_head: bool,
}

impl Default for Plan {
    fn default() -> Self {
        Plan { head_occupation: None, head_ages: (24, 80), male_head: false }
    }
}

struct Generator<'a> {
    rng: &'a mut StdRng,
    nik_serials: HashMap<(String, Date, Sex), u16>,
    kk_serials: HashMap<String, u16>,
}

impl Generator<'_> {
    fn household(
        &mut self,
        site: Site,
        region: &RegionCode,
        stage: Option<WelfareStage>,
        address: String,
        plan: Plan,
    ) -> anyhow::Result<DemoHousehold> {
        let district = region.district_digits().with_context(|| format!("{region} has no district"))?;
        let stage = match stage {
            Some(s) => s,
            None => self.stage(site),
        };
        let poor = stage == WelfareStage::PraSejahtera;

        // The head.
        let female_head = !plan.male_head && self.rng.random_bool(if poor { 0.2 } else { 0.1 });
        let head_sex = if female_head { Sex::Female } else { Sex::Male };
        let head_age = self.age_between(plan.head_ages.0, plan.head_ages.1);
        let head_occupation = match plan.head_occupation {
            Some(o) => o.to_string(),
            None => self.adult_occupation(site, head_sex, true, head_age, stage).to_string(),
        };
        let mut members =
            vec![self.person(&district, site, head_sex, head_age, Relation::Head, stage, Some(head_occupation))?];

        // A wife for most male heads; widows and widowers head the rest.
        let married = head_sex == Sex::Male && self.rng.random_bool(if head_age > 70 { 0.6 } else { 0.9 });
        let mother_age = if married {
            let age = (head_age - self.rng.random_range(0..=8)).max(19);
            let occupation = self.adult_occupation(site, Sex::Female, false, age, stage).to_string();
            members.push(self.person(&district, site, Sex::Female, age, Relation::Spouse, stage, Some(occupation))?);
            Some(age)
        } else if female_head {
            Some(head_age)
        } else {
            None
        };

        // Children, born when their mother was 19 to 40; grown children have often left.
        if let Some(mother) = mother_age.filter(|&m| m >= 20) {
            let mut n = *[0, 1, 1, 2, 2, 2, 3, 3, 4].choose(self.rng).unwrap_or(&2);
            if poor && self.rng.random_bool(0.3) {
                n += 1;
            }
            let mut ages: Vec<i32> =
                (0..n).map(|_| mother - self.rng.random_range(19..=40)).filter(|&a| a >= 0).collect();
            ages.sort_unstable_by(|a, b| b.cmp(a));
            for age in ages {
                if age > 24 && self.rng.random_bool(0.6) {
                    continue;
                }
                let sex = if self.rng.random_bool(0.5) { Sex::Male } else { Sex::Female };
                let occupation = self.child_occupation(site, sex, age, stage);
                members.push(self.person(&district, site, sex, age, Relation::Child, stage, occupation)?);
            }
        }

        // An elderly parent in some younger households, a grandchild in some older ones.
        if head_age < 58 && self.rng.random_bool(0.1) {
            let age = self.rng.random_range(68..=88);
            let sex = if self.rng.random_bool(0.75) { Sex::Female } else { Sex::Male };
            let relation = if married && self.rng.random_bool(0.4) { Relation::ParentInLaw } else { Relation::Parent };
            members.push(self.person(&district, site, sex, age, relation, stage, Some(TIDAK_BEKERJA.to_string()))?);
        }
        if head_age >= 55 && self.rng.random_bool(0.2) {
            let age = self.rng.random_range(0..=10);
            let sex = if self.rng.random_bool(0.5) { Sex::Male } else { Sex::Female };
            let occupation = self.child_occupation(site, sex, age, stage);
            members.push(self.person(&district, site, sex, age, Relation::Grandchild, stage, occupation)?);
        }

        let dtks_p = match stage {
            WelfareStage::PraSejahtera => 0.9,
            WelfareStage::Sejahtera1 => 0.35,
            WelfareStage::Sejahtera2 => 0.05,
            _ => 0.0,
        };
        let dtks_listed = self.rng.random_bool(dtks_p);
        let dtks_since = if dtks_listed { Some(self.date_in(2015, 2021)?) } else { None };
        // A family card is reissued when a child is born, so it is no older than the youngest.
        let youngest = members.iter().map(|p| p.birth_date.year()).max().unwrap_or(REFERENCE_YEAR);
        let kk = self.kk(&district, youngest.max(2010))?;
        let household =
            NewHousehold { kk, address, region: region.clone(), welfare_stage: stage, dtks_listed, dtks_since };
        Ok(DemoHousehold { site, household, members })
    }

    #[allow(clippy::too_many_arguments)]
    fn person(
        &mut self,
        district: &str,
        site: Site,
        sex: Sex,
        age: i32,
        relation: Relation,
        stage: WelfareStage,
        occupation: Option<String>,
    ) -> anyhow::Result<NewPerson> {
        let birth_year = REFERENCE_YEAR - age;
        let birth_date = self.date_in(birth_year, birth_year)?;
        let serial = self.nik_serials.entry((district.to_string(), birth_date, sex)).or_insert(0);
        *serial += 1;
        let nik = Nik::compose(district, birth_date, sex, *serial).map_err(|e| anyhow!("demo NIK: {e}"))?;
        let name = self.name(site, sex, birth_year);
        let education = self.education(age, birth_year, stage);
        let disability_p = if age >= 65 { 0.08 } else { 0.02 };
        let disability = if self.rng.random_bool(disability_p) {
            weighted(
                self.rng,
                &[
                    (Disability::Physical, 45),
                    (Disability::Sensory, 30),
                    (Disability::Intellectual, 10),
                    (Disability::Mental, 8),
                    (Disability::Multiple, 7),
                ],
            )
        } else {
            Disability::None
        };
        Ok(NewPerson { nik, household_id: None, name, sex, birth_date, relation, education, occupation, disability })
    }

    fn kk(&mut self, district: &str, earliest_year: i32) -> anyhow::Result<Kk> {
        let serial = self.kk_serials.entry(district.to_string()).or_insert(0);
        *serial += 1;
        let serial = *serial;
        let issued = self.date_in(earliest_year, earliest_year.max(REFERENCE_YEAR - 1))?;
        let raw = format!(
            "{district}{:02}{:02}{:02}{serial:04}",
            issued.day(),
            u8::from(issued.month()),
            issued.year().rem_euclid(100)
        );
        Kk::parse(&raw).map_err(|e| anyhow!("demo KK: {e}"))
    }

    fn stage(&mut self, site: Site) -> WelfareStage {
        use WelfareStage::*;
        let weights: &[(WelfareStage, u32)] = match site {
            Site::Kaliawi => &[(PraSejahtera, 25), (Sejahtera1, 45), (Sejahtera2, 22), (Sejahtera3, 8)],
            Site::Ngadirojo => &[(PraSejahtera, 15), (Sejahtera1, 45), (Sejahtera2, 30), (Sejahtera3, 10)],
            _ => &[(PraSejahtera, 10), (Sejahtera1, 35), (Sejahtera2, 35), (Sejahtera3, 17), (Sejahtera3Plus, 3)],
        };
        weighted(self.rng, weights)
    }

    /// An age between `lo` and `hi`, most often in the middle.
    fn age_between(&mut self, lo: i32, hi: i32) -> i32 {
        let a = self.rng.random_range(lo..=hi);
        let b = self.rng.random_range(lo..=hi);
        (a + b) / 2
    }

    fn date_in(&mut self, first_year: i32, last_year: i32) -> anyhow::Result<Date> {
        let year = self.rng.random_range(first_year..=last_year);
        let month = Month::try_from(self.rng.random_range(1..=12u8)).map_err(|e| anyhow!("demo date: {e}"))?;
        let day = self.rng.random_range(1..=28u8);
        Date::from_calendar_date(year, month, day).map_err(|e| anyhow!("demo date: {e}"))
    }

    fn education(&mut self, age: i32, birth_year: i32, stage: WelfareStage) -> Education {
        use Education::*;
        let e = match age {
            a if a < 13 => None,
            13..=15 => Sd,
            16..=18 => Smp,
            19..=22 => weighted(self.rng, &[(Smp, 25), (Sma, 65), (Diploma, 5), (Bachelor, 5)]),
            _ if birth_year < 1960 => weighted(self.rng, &[(None, 35), (Sd, 50), (Smp, 10), (Sma, 5)]),
            _ if birth_year < 1980 => {
                weighted(self.rng, &[(None, 8), (Sd, 45), (Smp, 25), (Sma, 17), (Diploma, 2), (Bachelor, 3)])
            }
            _ if birth_year < 2000 => {
                weighted(self.rng, &[(Sd, 18), (Smp, 30), (Sma, 40), (Diploma, 5), (Bachelor, 7)])
            }
            _ => weighted(self.rng, &[(Smp, 15), (Sma, 65), (Diploma, 5), (Bachelor, 15)]),
        };
        // Poor families' adults went to school less (the barrier seed 000 names first).
        if stage == WelfareStage::PraSejahtera && age > 22 && e > Smp && self.rng.random_bool(0.6) { Smp } else { e }
    }

    fn adult_occupation(&mut self, site: Site, sex: Sex, head: bool, age: i32, stage: WelfareStage) -> &'static str {
        if age >= 72 {
            return if self.rng.random_bool(0.5) { TIDAK_BEKERJA } else { PETANI };
        }
        let poor = stage == WelfareStage::PraSejahtera;
        match (site, sex == Sex::Male || head) {
            (Site::Kaliawi, true) => weighted(
                self.rng,
                &[
                    (BURUH_HARIAN, if poor { 40 } else { 20 }),
                    (PEDAGANG, 22),
                    (KARYAWAN, 20),
                    (WIRASWASTA, 20),
                    ("Sopir", 6),
                    ("Tukang Batu", 6),
                ],
            ),
            (Site::Kaliawi, false) => {
                weighted(self.rng, &[(IRT, 55), (PEDAGANG, 25), (WIRASWASTA, 10), (KARYAWAN, 10)])
            }
            (_, true) => weighted(
                self.rng,
                &[
                    (PETANI, if poor { 30 } else { 50 }),
                    (BURUH_TANI, if poor { 35 } else { 12 }),
                    (PEDAGANG, 10),
                    (WIRASWASTA, 8),
                    (BURUH_HARIAN, 10),
                    ("Peternak", 4),
                    ("Guru", if poor { 0 } else { 3 }),
                ],
            ),
            (_, false) => {
                weighted(self.rng, &[(IRT, 50), (PETANI, 18), (BURUH_TANI, 12), (PEDAGANG, 15), (WIRASWASTA, 5)])
            }
        }
    }

    fn child_occupation(&mut self, site: Site, sex: Sex, age: i32, stage: WelfareStage) -> Option<String> {
        match age {
            a if a < 5 => None,
            5..=17 => Some(PELAJAR.to_string()),
            18..=22 if self.rng.random_bool(0.4) => Some(PELAJAR.to_string()),
            18..=24 if self.rng.random_bool(0.3) => Some(TIDAK_BEKERJA.to_string()),
            _ => Some(self.adult_occupation(site, sex, true, age, stage).to_string()),
        }
    }

    fn name(&mut self, site: Site, sex: Sex, birth_year: i32) -> String {
        let young = birth_year >= 1995;
        let (given, family): (&[&str], &[&str]) = match (sex, young) {
            (Sex::Male, false) => (MALE_ELDER, MALE_SECOND),
            (Sex::Female, false) => (FEMALE_ELDER, FEMALE_SECOND),
            (Sex::Male, true) => (MALE_YOUNG, MALE_YOUNG_SECOND),
            (Sex::Female, true) => (FEMALE_YOUNG, FEMALE_YOUNG_SECOND),
        };
        // Bandar Lampung and Palangka Raya are mixed towns: draw some names from there.
        let local: &[&str] = match (site, sex) {
            (Site::Kaliawi, Sex::Male) => URBAN_MALE,
            (Site::Kaliawi, Sex::Female) => URBAN_FEMALE,
            (Site::Kalampangan, Sex::Male) => KALIMANTAN_MALE,
            (Site::Kalampangan, Sex::Female) => KALIMANTAN_FEMALE,
            _ => &[],
        };
        let first = if !local.is_empty() && self.rng.random_bool(0.35) { local } else { given };
        let first = first.choose(self.rng).copied().unwrap_or("Slamet");
        let second_p = if young { 0.85 } else { 0.45 };
        if self.rng.random_bool(second_p) {
            let second = family.choose(self.rng).copied().unwrap_or("");
            if !second.is_empty() && !first.contains(second) {
                return format!("{first} {second}");
            }
        }
        first.to_string()
    }
}

/// Picks by integer weights; the first item when every weight is zero.
pub(super) fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = if total == 0 { 0 } else { rng.random_range(0..total) };
    for &(item, w) in items {
        if roll < w {
            return item;
        }
        roll -= w;
    }
    items[0].0
}

// Name pools. Second names are drawn apart from first names, so a famous full name could
// only arise by chance; the pools leave out the second names of well-known public figures.
const MALE_ELDER: &[&str] = &[
    "Slamet",
    "Sutrisno",
    "Suparman",
    "Sugeng",
    "Sukardi",
    "Mulyono",
    "Supriyadi",
    "Wagiman",
    "Paimin",
    "Sarmin",
    "Bambang",
    "Heru",
    "Agus",
    "Budi",
    "Eko",
    "Teguh",
    "Wahyu",
    "Hadi",
    "Suwarno",
    "Sumarno",
    "Tukiman",
    "Kasno",
    "Darmo",
    "Yanto",
    "Wiji",
    "Parno",
    "Giyono",
    "Ngadiman",
    "Karyono",
    "Suyono",
    "Rohmat",
    "Sholeh",
    "Mujiono",
    "Sutarno",
    "Jumadi",
    "Kusnadi",
    "Purwanto",
    "Sunardi",
    "Tarmuji",
    "Warsito",
];
const MALE_SECOND: &[&str] = &[
    "Santoso", "Prasetyo", "Wibowo", "Susanto", "Hartono", "Purnomo", "Setiawan", "Raharjo", "Nugroho", "Saputro",
    "Utomo", "Haryanto", "Sulistyo", "Wijaya", "Kuncoro", "Mulyadi",
];
const FEMALE_ELDER: &[&str] = &[
    "Sri",
    "Siti",
    "Suyatmi",
    "Sumarni",
    "Sulastri",
    "Painem",
    "Sarinah",
    "Tukinem",
    "Wartini",
    "Suparmi",
    "Endang",
    "Yuliani",
    "Rusmini",
    "Sunarti",
    "Ngatini",
    "Kasmini",
    "Sutarmi",
    "Murni",
    "Darsih",
    "Eni",
    "Tri",
    "Sumiyati",
    "Partini",
    "Jumiati",
    "Wagiyem",
    "Sugiyanti",
    "Marsini",
    "Tumini",
];
const FEMALE_SECOND: &[&str] = &[
    "Wahyuni",
    "Rahayu",
    "Lestari",
    "Astuti",
    "Handayani",
    "Susanti",
    "Wulandari",
    "Ningsih",
    "Purwanti",
    "Rahmawati",
    "Setyaningsih",
    "Aminah",
    "Mulyani",
];
const MALE_YOUNG: &[&str] = &[
    "Dimas", "Rizky", "Aditya", "Fajar", "Bagus", "Galih", "Arif", "Yoga", "Rafi", "Fikri", "Dafa", "Alif", "Akbar",
    "Ilham", "Reza", "Bayu", "Angga", "Rendi", "Naufal", "Farhan", "Raka", "Satria",
];
const MALE_YOUNG_SECOND: &[&str] = &[
    "Pratama",
    "Saputra",
    "Ramadhan",
    "Maulana",
    "Kurniawan",
    "Permana",
    "Hidayat",
    "Nugraha",
    "Firmansyah",
    "Aditama",
];
const FEMALE_YOUNG: &[&str] = &[
    "Putri",
    "Nabila",
    "Aisyah",
    "Salsabila",
    "Dinda",
    "Anisa",
    "Ayu",
    "Dewi",
    "Indah",
    "Nur",
    "Rani",
    "Zahra",
    "Keysha",
    "Citra",
    "Fitri",
    "Maya",
    "Intan",
    "Laras",
    "Alya",
    "Nadia",
];
const FEMALE_YOUNG_SECOND: &[&str] = &[
    "Lestari",
    "Rahmawati",
    "Safitri",
    "Anggraini",
    "Pertiwi",
    "Maharani",
    "Puspitasari",
    "Oktaviani",
    "Kusuma",
    "Ramadhani",
];
const URBAN_MALE: &[&str] = &[
    "Ahmad", "Muhammad", "Rudi", "Hendra", "Dedi", "Irwan", "Syamsul", "Yusuf", "Rahmat", "Hasan", "Anton", "Firdaus",
];
const URBAN_FEMALE: &[&str] =
    &["Nurhasanah", "Rina", "Yanti", "Fitriani", "Hasanah", "Rohani", "Nurlela", "Mariana", "Herlina", "Yusnani"];
const KALIMANTAN_MALE: &[&str] =
    &["Yohanes", "Markus", "Andreas", "Lukas", "Abdul", "Rahman", "Syahrani", "Gusti", "Yulius", "Kristian"];
const KALIMANTAN_FEMALE: &[&str] =
    &["Maria", "Natalia", "Yuliana", "Noorhayati", "Rusmiati", "Erliana", "Kristina", "Rahmah"];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;

    use super::*;

    fn sample() -> Vec<DemoHousehold> {
        let mut rng = StdRng::seed_from_u64(super::super::SEED);
        generate(&mut rng).unwrap_or_else(|e| panic!("{e:#}"))
    }

    #[test]
    fn every_nik_and_kk_is_valid_unique_and_agrees_with_its_record() {
        let households = sample();
        let mut niks = HashSet::new();
        let mut kks = HashSet::new();
        for h in &households {
            assert!(kks.insert(h.household.kk.as_u64()), "duplicate KK");
            assert!(h.household.kk.reveal().starts_with(&h.household.region.district_digits().unwrap_or_default()));
            assert_eq!(h.members.first().map(|p| p.relation), Some(Relation::Head));
            for p in &h.members {
                assert!(niks.insert(p.nik.as_u64()), "duplicate NIK");
                assert_eq!(p.nik.check(p.birth_date, p.sex, Some(&h.household.region)), vec![], "{}", p.name);
            }
        }
        let people: usize = households.iter().map(|h| h.members.len()).sum();
        assert!((3000..6000).contains(&people), "{people} people");
    }

    #[test]
    fn the_sample_follows_table_1() {
        let households = sample();
        for v in &places::RANDUBLATUNG_TABLE_1 {
            for (stage, families) in [
                (WelfareStage::PraSejahtera, v.pra_sejahtera),
                (WelfareStage::Sejahtera1, v.sejahtera_1),
                (WelfareStage::Sejahtera2, v.sejahtera_2),
            ] {
                let n = households
                    .iter()
                    .filter(|h| h.household.region.as_str() == v.code && h.household.welfare_stage == stage)
                    .count();
                assert_eq!(n as u32, places::scaled(families), "{} {stage}", v.village);
            }
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let a = sample();
        let b = sample();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.household, y.household);
            assert_eq!(x.members, y.members);
        }
    }
}
