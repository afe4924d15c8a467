//! The demo's places: the regions of the five seed documents, with their Kemendagri codes,
//! and seed 002's Table 1 (families by welfare stage in the 18 villages of Randublatung).
//!
//! Codes of provinces, regencies/cities, districts and villages are **verified** against the
//! Kemendagri code list (Kepmendagri No 300.2.2-2138 Tahun 2025, as published in
//! `cahyadsn/wilayah`, `db/wilayah.sql`). Units below the village (Dusun Gerdu, the
//! lingkungan and RT units of Kaliawi Persada) have no official code: their last segments
//! (`GERDU`, `L1`, `L1.RT03`, …) are local **placeholders** in the form the registry uses.
//!
//! Regions carry the official names (a test checks every one against the shipped list, so
//! a demo database and `berdaya import regions` agree); where a seed spells a place
//! differently, the seed's spelling is noted next to it.

use berdaya_domain::registry::RegionKind;

/// Kelurahan Kalampangan, Sebangau, Kota Palangka Raya (seed 000).
pub const KALAMPANGAN: &str = "62.71.04.1002";
/// Desa Tulungrejo, Bumiaji, Kota Batu (seed 001).
pub const TULUNGREJO: &str = "35.79.02.2003";
/// Dusun Gerdu in Desa Tulungrejo (seed 001); the `GERDU` segment is a local placeholder.
pub const GERDU: &str = "35.79.02.2003.GERDU";
/// Kecamatan Randublatung, Kabupaten Blora (seed 002).
pub const RANDUBLATUNG: &str = "33.16.02";
/// Desa Pilang, Randublatung (seed 002).
pub const PILANG: &str = "33.16.02.2006";
/// Kelurahan Kaliawi Persada, Tanjung Karang Pusat, Kota Bandar Lampung (seed 003).
pub const KALIAWI_PERSADA: &str = "18.71.06.1012";
/// The four neighbourhood units the KOTAKU BPM 2019 grant was allocated to (seed 003):
/// RT 3 and RT 5 of Lingkungan 1, RT 2 and RT 3 of Lingkungan 2 (local placeholder codes).
pub const KOTAKU_RT_UNITS: [&str; 4] =
    ["18.71.06.1012.L1.RT03", "18.71.06.1012.L1.RT05", "18.71.06.1012.L2.RT02", "18.71.06.1012.L2.RT03"];
/// Desa Ngadirojo Kidul, Ngadirojo, Kabupaten Wonogiri: farmer group Karya Makmur II (seed 004).
pub const NGADIROJO_KIDUL: &str = "33.12.13.2006";

/// Every demo region above the Randublatung villages, parents before children.
/// The villages come from [`RANDUBLATUNG_TABLE_1`] and are inserted after their district.
const REGIONS: &[(&str, &str, RegionKind)] = &[
    // Seed 000: Kalampangan. The seed spells the district "Sebangau" and the city
    // "Kota Palangka Raya".
    ("62", "Kalimantan Tengah", RegionKind::Province),
    ("62.71", "Kota Palangkaraya", RegionKind::City),
    ("62.71.04", "Sabangau", RegionKind::District),
    (KALAMPANGAN, "Kalampangan", RegionKind::Kelurahan),
    // Seed 001: Dusun Gerdu.
    ("35", "Jawa Timur", RegionKind::Province),
    ("35.79", "Kota Batu", RegionKind::City),
    ("35.79.02", "Bumiaji", RegionKind::District),
    (TULUNGREJO, "Tulungrejo", RegionKind::Village),
    (GERDU, "Gerdu", RegionKind::Dusun),
    // Seeds 002 and 004: Jawa Tengah.
    ("33", "Jawa Tengah", RegionKind::Province),
    ("33.12", "Kabupaten Wonogiri", RegionKind::Regency),
    ("33.12.13", "Ngadirojo", RegionKind::District),
    (NGADIROJO_KIDUL, "Ngadirojo Kidul", RegionKind::Village),
    ("33.16", "Kabupaten Blora", RegionKind::Regency),
    (RANDUBLATUNG, "Randublatung", RegionKind::District),
    // Seed 003: Kaliawi Persada. The seed spells the district "Tanjung Karang Pusat".
    ("18", "Lampung", RegionKind::Province),
    ("18.71", "Kota Bandar Lampung", RegionKind::City),
    ("18.71.06", "Tanjungkarang Pusat", RegionKind::District),
    (KALIAWI_PERSADA, "Kaliawi Persada", RegionKind::Kelurahan),
    ("18.71.06.1012.L1", "Lingkungan 1", RegionKind::Lingkungan),
    ("18.71.06.1012.L1.RT03", "RT 3 Lingkungan 1", RegionKind::Rt),
    ("18.71.06.1012.L1.RT05", "RT 5 Lingkungan 1", RegionKind::Rt),
    ("18.71.06.1012.L2", "Lingkungan 2", RegionKind::Lingkungan),
    ("18.71.06.1012.L2.RT02", "RT 2 Lingkungan 2", RegionKind::Rt),
    ("18.71.06.1012.L2.RT03", "RT 3 Lingkungan 2", RegionKind::Rt),
];

/// One row of Table 1 of seed 002: families by welfare stage in one village of Kecamatan
/// Randublatung, 2020 ("Jumlah Keluarga Sejahtera Menurut Klasifikasi dan Desa/Kelurahan di
/// Kecamatan Randublatung 2020", source: Petugas Lapangan Keluarga Berencana Kecamatan
/// Randublatung 2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VillageWelfare {
    /// The village as the table prints it (the PDF's "Sambongwan gan" joined up).
    pub village: &'static str,
    /// Kemendagri code of the village (verified).
    pub code: &'static str,
    pub pra_sejahtera: u32,
    pub sejahtera_1: u32,
    pub sejahtera_2: u32,
}

impl VillageWelfare {
    /// All families in the village, the figure the paper's prose bands the villages by.
    pub fn total(&self) -> u32 {
        self.pra_sejahtera + self.sejahtera_1 + self.sejahtera_2
    }

    /// The village's official name: Kemendagri spells two villages differently from the
    /// table (see [`RANDUBLATUNG_TABLE_1`]).
    pub fn official_name(&self) -> &'static str {
        match self.code {
            "33.16.02.2008" => "Sumberejo",
            "33.16.02.2016" => "Tanggel",
            _ => self.village,
        }
    }

    /// Kemendagri numbers kelurahan 1xxx and desa 2xxx.
    pub fn kind(&self) -> RegionKind {
        if self.code.rsplit('.').next().is_some_and(|s| s.starts_with('1')) {
            RegionKind::Kelurahan
        } else {
            RegionKind::Village
        }
    }
}

/// Seed 002, Table 1, in the paper's row order: families by welfare stage (Pra Sejahtera,
/// Sejahtera 1, Sejahtera 2) in the 18 villages of Kecamatan Randublatung, Kabupaten Blora,
/// 2020. The demo loads a 1-in-[`TABLE_1_SCALE`] sample of these families.
///
/// Kemendagri spells two villages differently from the table: "Sumberjo" is Sumberejo
/// (33.16.02.2008) and "Tanggal" is Tanggel (33.16.02.2016). Randublatung and Wulung are
/// kelurahan, the others desa.
pub const RANDUBLATUNG_TABLE_1: [VillageWelfare; 18] = [
    row("Tlogotuwung", "33.16.02.2001", 45, 260, 67),
    row("Bodeh", "33.16.02.2002", 47, 270, 70),
    row("Gembyungan", "33.16.02.2003", 69, 395, 102),
    row("Sambongwangan", "33.16.02.2004", 201, 1157, 301),
    row("Randublatung", "33.16.02.1005", 237, 1366, 356),
    row("Pilang", PILANG, 436, 2505, 653),
    row("Temulus", "33.16.02.2007", 132, 760, 198),
    row("Sumberjo", "33.16.02.2008", 213, 1224, 319),
    row("Kutukan", "33.16.02.2009", 324, 1862, 485),
    row("Kalisari", "33.16.02.2017", 93, 538, 140),
    row("Kediren", "33.16.02.2010", 187, 1076, 280),
    row("Wulung", "33.16.02.1011", 269, 1548, 403),
    row("Kadengan", "33.16.02.2012", 155, 891, 232),
    row("Bekutuk", "33.16.02.2013", 116, 664, 173),
    row("Plosorejo", "33.16.02.2014", 201, 1156, 301),
    row("Jeruk", "33.16.02.2015", 87, 503, 131),
    row("Tanggal", "33.16.02.2016", 216, 1243, 324),
    row("Ngliron", "33.16.02.2018", 116, 667, 173),
];

/// The demo loads one household for every this many families of Table 1, per village and
/// stage, rounded to the nearest whole household.
pub const TABLE_1_SCALE: u32 = 20;

/// `count / TABLE_1_SCALE`, rounded half up.
pub fn scaled(count: u32) -> u32 {
    (count + TABLE_1_SCALE / 2) / TABLE_1_SCALE
}

const fn row(village: &'static str, code: &'static str, pra: u32, s1: u32, s2: u32) -> VillageWelfare {
    VillageWelfare { village, code, pra_sejahtera: pra, sejahtera_1: s1, sejahtera_2: s2 }
}

/// Every demo region as `(code, name, kind)`, parents before children.
pub(super) fn regions() -> Vec<(&'static str, &'static str, RegionKind)> {
    let mut out = Vec::with_capacity(REGIONS.len() + RANDUBLATUNG_TABLE_1.len());
    for &(code, name, kind) in REGIONS {
        out.push((code, name, kind));
        if code == RANDUBLATUNG {
            let mut villages: Vec<_> =
                RANDUBLATUNG_TABLE_1.iter().map(|v| (v.code, v.official_name(), v.kind())).collect();
            villages.sort_by_key(|v| v.0);
            out.extend(villages);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use berdaya_domain::registry::{RegionCode, RegionDraft};

    use super::*;

    /// The paper's prose (seed 002): totals of 372–956 families in 7 villages, 1,090–1,783
    /// in 7, and 1,959–3,594 in 4 (Randublatung, Pilang, Kutukan, Wulung); Pilang has the
    /// most Pra Sejahtera families, 436.
    #[test]
    fn table_1_reproduces_the_papers_banding() {
        let band = |lo: u32, hi: u32| -> Vec<&str> {
            RANDUBLATUNG_TABLE_1.iter().filter(|v| (lo..=hi).contains(&v.total())).map(|v| v.village).collect()
        };
        let low = band(372, 956);
        let middle = band(1090, 1783);
        let high = band(1959, 3594);
        assert_eq!(low.len(), 7, "{low:?}");
        assert_eq!(middle.len(), 7, "{middle:?}");
        assert_eq!(high, ["Randublatung", "Pilang", "Kutukan", "Wulung"]);
        // The bands' edges are real villages' totals, as the prose implies.
        let totals: Vec<u32> = RANDUBLATUNG_TABLE_1.iter().map(VillageWelfare::total).collect();
        for edge in [372, 956, 1090, 1783, 1959, 3594] {
            assert!(totals.contains(&edge), "no village totals {edge}");
        }
        let most_pra =
            RANDUBLATUNG_TABLE_1.iter().max_by_key(|v| v.pra_sejahtera).map(|v| (v.village, v.pra_sejahtera));
        assert_eq!(most_pra, Some(("Pilang", 436)));
        assert_eq!(RANDUBLATUNG_TABLE_1.iter().map(VillageWelfare::total).sum::<u32>(), 25_937);
    }

    #[test]
    fn the_sample_keeps_pilang_first_and_every_cell_filled() {
        let pilang = scaled(436);
        for v in &RANDUBLATUNG_TABLE_1 {
            assert!(scaled(v.pra_sejahtera) >= 1 && scaled(v.sejahtera_2) >= 1, "{}", v.village);
            if v.village != "Pilang" {
                assert!(scaled(v.pra_sejahtera) < pilang, "{}", v.village);
            }
        }
    }

    /// The demo's official regions are the shipped list's, code, name and kind; only the
    /// units below the village are the demo's own.
    #[test]
    fn official_regions_agree_with_the_shipped_list() {
        let list = berdaya_files::regions::shipped().expect("the shipped list");
        let official: std::collections::HashMap<&str, (&str, RegionKind)> =
            list.iter().map(|l| (l.region.code.as_str(), (l.region.name.as_str(), l.region.kind))).collect();
        let mut checked = 0;
        for (code, name, kind) in regions() {
            if RegionCode::parse(code).expect("code").depth() <= 4 {
                assert_eq!(official.get(code), Some(&(name, kind)), "{code}");
                checked += 1;
            } else {
                assert!(!official.contains_key(code), "{code} is a local unit");
            }
        }
        assert_eq!(checked, 36, "the 18 official places of REGIONS and the 18 villages of Table 1");
    }

    #[test]
    fn every_region_parses_and_has_its_parent_first() {
        let all = regions();
        assert_eq!(all.len(), REGIONS.len() + 18);
        let mut seen: Vec<RegionCode> = Vec::new();
        for (code, name, kind) in all {
            let draft = RegionDraft { code: code.into(), name: name.into(), kind: kind.code().into() };
            let region = draft.parse().unwrap_or_else(|e| panic!("{code}: {e}"));
            if let Some(parent) = region.parent() {
                assert!(seen.contains(&parent), "{code} comes before its parent");
            }
            assert!(!seen.contains(&region.code), "{code} twice");
            seen.push(region.code);
        }
        let villages = RANDUBLATUNG_TABLE_1.iter().filter(|v| v.kind() == RegionKind::Kelurahan).map(|v| v.village);
        assert_eq!(villages.collect::<Vec<_>>(), ["Randublatung", "Wulung"]);
    }
}
