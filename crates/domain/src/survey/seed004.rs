//! The built-in seed-004 instrument: participation of Kelompok Tani Karya Makmur II members
//! in the land-optimization program (14 items in three stages, eight respondent factors).
//!
//! [`xlsform`] is the corrected definition Berdaya ships; [`printed_xlsform`] is the same form
//! with the coding bins exactly as the paper prints them, kept so that tests (and users) can
//! see `survey check` catch the paper's gaps and overlap. The fixes, also written into the
//! workbook's `berdaya_note` column:
//!
//! - **Age** (printed 31–40→5, 41–50→4, 51–60→3, 61–70→2, ≥70→1): members under 31 had no
//!   code, and 70 was in two bins. The youngest bin is opened downwards (`-40:5`, so a
//!   28-year-old is coded like a 35-year-old, the youngest class), and 70 stays in 61–70 with
//!   "≥70" read as "71 and over": the other four bins all run from x1 to x0, so 61–70 is the
//!   pattern and "≥70" the slip.
//! - **Farming experience** (printed 1–10→1 … ≥41→5): less than a year (0) had no code; the
//!   lowest bin is opened to `-10:1` within the constraint `. >= 0`.
//! - **Land area, m²** (printed 0–2000→1, 2100–4000→2, 4100–6000→3, 6100–8000→4,
//!   8100–10000→5): 2001–2099, 4001–4099, 6001–6099 and 8001–8099 m² had no code, nor had
//!   anything above one hectare. Each bin now starts right after the previous one ends
//!   (2001–4000, …) and the top bin is open (`8001-:5`).
//!
//! The paper's other quirks are not definitions and need no fix here: its category tables'
//! typos (7,56; 15,10; 19,60; 24,60; 45,60) are never copied because bounds are computed, and
//! the sample arithmetic (78 − 43 = 35, not 34) is a note for the report, not the form.

use super::instrument::{ChoiceRow, FormSettings, SurveyRow, XlsForm};
use super::responses::{ResponseRow, ResponseTable};

const INVOLVEMENT: &str = "keterlibatan";
const FREQUENCY: &str = "frekuensi";
const CONFORMITY: &str = "kesesuaian";

/// Age bins as printed (gap below 31, 70 in two bins).
pub const PRINTED_AGE_BINS: &str = "31-40:5;41-50:4;51-60:3;61-70:2;70-:1";
/// Experience bins as printed (0 years has no bin).
pub const PRINTED_EXPERIENCE_BINS: &str = "41-:5;31-40:4;21-30:3;11-20:2;1-10:1";
/// Land-area bins as printed (gaps 2001–2099, 4001–4099, 6001–6099, 8001–8099; nothing above 10,000).
pub const PRINTED_LAND_BINS: &str = "8100-10000:5;6100-8000:4;4100-6000:3;2100-4000:2;0-2000:1";

pub const AGE_BINS: &str = "-40:5;41-50:4;51-60:3;61-70:2;71-:1";
pub const EXPERIENCE_BINS: &str = "41-:5;31-40:4;21-30:3;11-20:2;-10:1";
pub const LAND_BINS: &str = "0-2000:1;2001-4000:2;4001-6000:3;6001-8000:4;8001-:5";

const AGE_NOTE: &str = "Diperbaiki dari 31-40:5;41-50:4;51-60:3;61-70:2;>=70:1 — umur di bawah 31 tidak punya kode, \
dan 70 masuk dua kelompok. Kelompok termuda dibuka ke bawah (-40:5) dan >=70 dibaca 71 ke atas (pola x1–x0). \
/ Fixed: under 31 had no code and 70 was in two bins; youngest bin opened downwards, >=70 read as 71 and over.";
const EXPERIENCE_NOTE: &str = "Diperbaiki dari 1-10:1 — pengalaman 0 tahun (kurang dari setahun) tidak punya kode; \
kelompok terendah dibuka ke bawah (-10:1). / Fixed: 0 years had no code; lowest bin opened downwards.";
const LAND_NOTE: &str = "Diperbaiki dari 0-2000:1;2100-4000:2;4100-6000:3;6100-8000:4;8100-10000:5 — luas 2001–2099, \
4001–4099, 6001–6099, 8001–8099 m² dan di atas 10.000 m² tidak punya kode; tiap kelompok kini mulai tepat setelah \
kelompok sebelumnya dan kelompok teratas terbuka (8001-:5). / Fixed: the 2001–2099-style gaps and everything above \
one hectare had no code; bins now start right after the previous one ends and the top bin is open.";

/// The 14 scored items: (indicator, item name, label, choice list).
pub const ITEMS: [(&str, &str, &str, &str); 14] = [
    ("persiapan", "rekening", "Pembuatan rekening kelompok", INVOLVEMENT),
    ("persiapan", "rembug_desa", "Musyawarah kelompok tani (rembug desa)", FREQUENCY),
    ("persiapan", "rukk", "Penyusunan Rencana Usulan Kegiatan Kelompok (RUKK)", FREQUENCY),
    ("pelaksanaan", "pengolahan_lahan", "Pengolahan lahan", CONFORMITY),
    ("pelaksanaan", "perbaikan_kesuburan", "Perbaikan kesuburan", CONFORMITY),
    ("pelaksanaan", "perbaikan_sarana", "Perbaikan sarana dan prasarana", CONFORMITY),
    ("pelaksanaan", "sarana_produksi", "Penyediaan sarana produksi", CONFORMITY),
    ("pelaksanaan", "penanaman", "Penanaman", CONFORMITY),
    ("pelaksanaan", "pemeliharaan", "Pemeliharaan", CONFORMITY),
    ("keaktifan", "pendapat", "Memberikan pendapat pada pertemuan", FREQUENCY),
    ("keaktifan", "berbagi_informasi", "Memberikan informasi baru kepada anggota lain", FREQUENCY),
    ("keaktifan", "konsultasi", "Berkonsultasi kepada penyuluh atau yang lebih berpengalaman", FREQUENCY),
    ("keaktifan", "evaluasi", "Mengevaluasi pelaksanaan program", FREQUENCY),
    ("keaktifan", "mencari_informasi", "Mencari informasi di luar pertemuan kelompok", FREQUENCY),
];

/// The three stages: (group name, label).
pub const INDICATORS: [(&str, &str); 3] = [
    ("persiapan", "Tahap persiapan"),
    ("pelaksanaan", "Tahap pelaksanaan fisik"),
    ("keaktifan", "Keaktifan anggota dalam kelompok"),
];

/// The eight factors' names in form order.
pub const FACTORS: [&str; 8] = [
    "umur",
    "pendidikan_informal",
    "pekerjaan_sampingan",
    "pengalaman",
    "luas_lahan",
    "motivasi",
    "keterbukaan",
    "kehadiran",
];

fn choices() -> Vec<ChoiceRow> {
    let lists: [(&str, [(&str, &str); 5]); 7] = [
        (
            INVOLVEMENT,
            [
                ("4", "Terlibat penuh"),
                ("3", "Terlibat sebagian besar"),
                ("2", "Terlibat sebagian kecil"),
                ("1", "Tidak terlibat sama sekali"),
                ("", ""),
            ],
        ),
        (FREQUENCY, [("4", "Selalu"), ("3", "Sering"), ("2", "Kadang-kadang"), ("1", "Tidak pernah"), ("", "")]),
        (CONFORMITY, [("4", "Sesuai"), ("3", "Cukup sesuai"), ("2", "Kurang sesuai"), ("1", "Tidak sesuai"), ("", "")]),
        (
            "pekerjaan",
            [
                ("4", "Pekerjaan di sektor pertanian"),
                ("3", "Berhubungan dengan sektor pertanian"),
                ("2", "Tidak berhubungan dengan sektor pertanian"),
                ("1", "Tidak memiliki pekerjaan sampingan"),
                ("", ""),
            ],
        ),
        (
            "motivasi",
            [("5", "Aktualisasi diri"), ("4", "Penghargaan"), ("3", "Sosial"), ("2", "Rasa aman"), ("1", "Fisiologis")],
        ),
        (
            "keterbukaan",
            [
                ("4", "Aktif mencari informasi"),
                ("3", "Kadang mencari informasi"),
                ("2", "Pasif menunggu informasi"),
                ("1", "Menolak informasi"),
                ("", ""),
            ],
        ),
        ("kehadiran", [("4", "Aktif"), ("3", "Sering"), ("2", "Kadang-kadang"), ("1", "Tidak pernah"), ("", "")]),
    ];
    let mut out = Vec::new();
    for (list, options) in lists {
        for (name, label) in options.into_iter().filter(|(n, _)| !n.is_empty()) {
            out.push(ChoiceRow {
                row: out.len() as u32 + 2,
                list_name: list.into(),
                name: name.into(),
                label: label.into(),
                labels: Vec::new(),
            });
        }
    }
    out
}

fn build(printed: bool) -> XlsForm {
    let mut survey: Vec<SurveyRow> = Vec::new();
    let mut push = |kind: &str, name: &str, label: &str, f: &dyn Fn(&mut SurveyRow)| {
        let mut r = SurveyRow {
            row: survey.len() as u32 + 2,
            kind: kind.into(),
            name: name.into(),
            label: label.into(),
            ..SurveyRow::default()
        };
        f(&mut r);
        survey.push(r);
    };
    let none = |_: &mut SurveyRow| {};
    push("text", "id", "Nomor responden", &|r| r.required = "yes".into());
    push("begin_group", "responden", "Karakteristik responden", &none);
    let number = |bins: &'static str, constraint: &'static str, note: &'static str, hint: &'static str| {
        move |r: &mut SurveyRow| {
            r.berdaya = "factor".into();
            r.berdaya_bins = bins.into();
            r.constraint = constraint.into();
            if !constraint.is_empty() {
                r.constraint_message = "Nilai di luar rentang yang wajar".into();
            }
            r.berdaya_note = note.into();
            r.hint = hint.into();
            r.required = "yes".into();
        }
    };
    let factor = |r: &mut SurveyRow| {
        r.berdaya = "factor".into();
        r.required = "yes".into();
    };
    if printed {
        push("integer", "umur", "Umur (tahun)", &number(PRINTED_AGE_BINS, "", "", "Dalam tahun"));
    } else {
        push("integer", "umur", "Umur (tahun)", &number(AGE_BINS, ". >= 0 and . <= 120", AGE_NOTE, "Dalam tahun"));
    }
    push("select_one frekuensi", "pendidikan_informal", "Pendidikan informal (seminar, pelatihan pertanian)", &factor);
    push("select_one pekerjaan", "pekerjaan_sampingan", "Pekerjaan sampingan", &factor);
    if printed {
        push(
            "integer",
            "pengalaman",
            "Pengalaman bertani (tahun)",
            &number(PRINTED_EXPERIENCE_BINS, "", "", "Dalam tahun"),
        );
    } else {
        push(
            "integer",
            "pengalaman",
            "Pengalaman bertani (tahun)",
            &number(EXPERIENCE_BINS, ". >= 0", EXPERIENCE_NOTE, "Dalam tahun"),
        );
    }
    let land_hint = "Luas lahan yang diikutkan program, dalam m²";
    if printed {
        push("integer", "luas_lahan", "Luas lahan (m²)", &number(PRINTED_LAND_BINS, ". >= 0", "", land_hint));
    } else {
        push("integer", "luas_lahan", "Luas lahan (m²)", &number(LAND_BINS, ". >= 0", LAND_NOTE, land_hint));
    }
    push("select_one motivasi", "motivasi", "Motivasi mengikuti program (Maslow)", &factor);
    push("select_one keterbukaan", "keterbukaan", "Keterbukaan terhadap hal baru", &factor);
    push("select_one kehadiran", "kehadiran", "Kehadiran dalam pertemuan (Juni 2014 – April 2015)", &factor);
    push("end_group", "", "", &none);
    for (group, label) in INDICATORS {
        push("begin_group", group, label, &|r| r.berdaya = "indicator".into());
        for (g, name, label, list) in ITEMS {
            if g == group {
                push(&format!("select_one {list}"), name, label, &|r| r.required = "yes".into());
            }
        }
        push("end_group", "", "", &none);
    }
    XlsForm {
        survey,
        choices: choices(),
        settings: FormSettings {
            form_title: if printed {
                "Partisipasi anggota Kelompok Tani Karya Makmur II (bin seperti tercetak)".into()
            } else {
                "Partisipasi anggota Kelompok Tani Karya Makmur II dalam program optimasi lahan".into()
            },
            form_id: if printed { "berdaya_004_printed".into() } else { "berdaya_004_optimasi_lahan".into() },
            version: "1".into(),
            default_language: String::new(),
        },
    }
}

/// The corrected seed-004 instrument as an XLSForm (clean under `survey check`).
pub fn xlsform() -> XlsForm {
    build(false)
}

/// The seed-004 form with the paper's bins as printed: `survey check` must reject it.
pub fn printed_xlsform() -> XlsForm {
    build(true)
}

/// Deterministic synthetic answers of `n` respondents to the corrected form (for examples,
/// tests and benchmarks; not the paper's data, which it does not publish). Participation
/// rises with motivation, openness and attendance so correlations are visible. Columns use
/// KoboToolbox-style group paths (`persiapan/rekening`); respondent ids are `R001`, `R002`, ...
pub fn example_responses(n: usize, seed: u64) -> ResponseTable {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut next = move |m: u64| -> u64 {
        // PCG-style LCG step; the high bits are well mixed.
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m.max(1)
    };
    let mut columns = vec!["id".to_string()];
    columns.extend(FACTORS.iter().map(|f| format!("responden/{f}")));
    columns.extend(ITEMS.iter().map(|(g, name, _, _)| format!("{g}/{name}")));
    let mut rows = Vec::with_capacity(n);
    for r in 0..n {
        let level = 1 + next(4) as i64; // latent participation 1..4
        let near =
            |next: &mut dyn FnMut(u64) -> u64, lo: i64, hi: i64| -> i64 { (level + next(3) as i64 - 1).clamp(lo, hi) };
        let mut cells = vec![format!("R{:03}", r + 1)];
        cells.push((25 + next(50)).to_string()); // umur
        cells.push(near(&mut next, 1, 4).to_string()); // pendidikan_informal
        cells.push((1 + next(4)).to_string()); // pekerjaan_sampingan
        cells.push(next(46).to_string()); // pengalaman
        cells.push((500 + level as u64 * 1500 + next(4000)).to_string()); // luas_lahan
        cells.push(near(&mut next, 1, 5).to_string()); // motivasi
        cells.push(near(&mut next, 1, 4).to_string()); // keterbukaan
        cells.push(near(&mut next, 1, 4).to_string()); // kehadiran
        for _ in ITEMS {
            cells.push(near(&mut next, 1, 4).to_string());
        }
        rows.push(ResponseRow { line: r as u64 + 2, cells });
    }
    ResponseTable { columns, rows, decimal_comma: false }
}

#[cfg(test)]
mod tests {
    use super::super::instrument::{Coding, Instrument, ProblemKind};
    use super::*;

    #[test]
    fn corrected_instrument_is_clean() {
        let inst = Instrument::from_xlsform(&xlsform()).unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(inst.item_count(), 14);
        let sizes: Vec<usize> = inst.indicators.iter().map(|i| i.items.len()).collect();
        assert_eq!(sizes, [3, 6, 5]);
        assert_eq!(inst.factors.len(), 8);
        assert_eq!(inst.indicators[0].items[0].path, "persiapan/rekening");
        assert_eq!((inst.indicators[1].min(), inst.indicators[1].max()), (6, 24));
        assert!(matches!(inst.factors[0].coding, Coding::Bins { .. }));
    }

    #[test]
    fn printed_bins_are_caught() {
        let problems = Instrument::from_xlsform(&printed_xlsform()).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let joined = text.join("\n");
        assert!(joined.contains("(umur): bins: values up to 30 are in no bin"), "{joined}");
        assert!(joined.contains("(umur): bins: the value 70 is in two bins (61-70:2 and 70-:1)"), "{joined}");
        assert!(joined.contains("(luas_lahan): bins: values 2001–2099 are in no bin"), "{joined}");
        assert!(joined.contains("(luas_lahan): bins: values 8001–8099 are in no bin"), "{joined}");
        assert!(joined.contains("(luas_lahan): bins: values from 10001 are in no bin"), "{joined}");
        assert!(joined.contains("(pengalaman): bins: values up to 0 are in no bin"), "{joined}");
        assert!(problems.iter().all(|p| matches!(p.kind, ProblemKind::Bins(_))));
        assert_eq!(problems.len(), 8, "{joined}");
    }
}
