//! The same eight respondents exported in the shapes KoboToolbox and ODK Central write
//! (fixtures in `tests/fixtures/survey_shapes/`), analysed against one form authored as
//! KoboToolbox writes it: every shape gives the same report.
//!
//! - `kobo_labels_en.csv`: KoboToolbox "labels" export in English, `;` separated with a BOM,
//!   group labels in the headers (`Effect/Feel better`), answers as label text, the
//!   select_multiple split into one column per choice, Kobo's `_id`/`_uuid`/… columns;
//! - `kobo_names_no_groups.csv`: KoboToolbox "XML values" export without group names: bare
//!   names, so the split column `kanal/umur` sits beside the question `umur`;
//! - `odk_central.csv`: ODK Central's CSV, groups joined with `-` (`wirkung-wohlfuehlen`),
//!   `meta-instanceID`, `KEY` and Central's review columns.

use std::path::PathBuf;

use berdaya_domain::survey::{AnalysisOptions, Instrument, Report, analyze};
use berdaya_files::survey::{read_responses, read_xlsform_bytes};
use rust_xlsxwriter::Workbook;

fn sheet(wb: &mut Workbook, name: &str, rows: &[&[&str]]) {
    let ws = wb.add_worksheet().set_name(name).unwrap();
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
}

/// The form: labels only in language columns, a matrix header row, `id_string` settings.
fn instrument() -> Instrument {
    let mut wb = Workbook::new();
    sheet(
        &mut wb,
        "survey",
        &[
            &[
                "type",
                "name",
                "label::Indonesian (id)",
                "label::English (en)",
                "appearance",
                "constraint",
                "berdaya",
                "berdaya_bins",
            ],
            &["start", "start", "", "", "", "", "", ""],
            &["end", "end", "", "", "", "", "", ""],
            &["begin_group", "responden", "Data responden", "Respondent", "", "", "", ""],
            &[
                "integer",
                "umur",
                "Umur (tahun)",
                "Age (years)",
                "",
                ". >= 0 and . <= 120",
                "factor",
                "0-30:1;31-45:2;46-120:3",
            ],
            &["select_multiple kanal", "kanal", "Sumber informasi", "Information source", "", "", "", ""],
            &["end_group", "", "", "", "", "", "", ""],
            &["select_one pendidikan", "pendidikan", "Pendidikan terakhir", "Highest education", "", "", "factor", ""],
            &["begin_group", "wirkung", "Dampak", "Effect", "field-list", "", "indicator", ""],
            &["select_one skala", "kepala", "Jawaban", "Answers", "label", "", "", ""],
            &["select_one skala", "wohlfuehlen", "Merasa lebih baik", "Feel better", "list-nolabel", "", "", ""],
            &[
                "select_one skala",
                "zufrieden",
                "Puas dengan program",
                "Satisfied with the programme",
                "list-nolabel",
                "",
                "",
                "",
            ],
            &[
                "select_one skala",
                "sicher",
                "Merasa aman dalam kelompok",
                "Feel safe in the group",
                "list-nolabel",
                "",
                "",
                "",
            ],
            &["end_group", "", "", "", "", "", "", ""],
        ],
    );
    sheet(
        &mut wb,
        "choices",
        &[
            &["list_name", "name", "label::Indonesian (id)", "label::English (en)"],
            &["skala", "1", "Sangat tidak setuju", "Strongly disagree"],
            &["skala", "2", "Tidak setuju", "Disagree"],
            &["skala", "3", "Setuju", "Agree"],
            &["skala", "4", "Sangat setuju", "Strongly agree"],
            &["pendidikan", "1", "SD", "Primary school"],
            &["pendidikan", "2", "SMP/SMA", "Secondary school"],
            &["pendidikan", "3", "Perguruan tinggi", "University"],
            &["kanal", "umur", "Teman sebaya", "Peers"],
            &["kanal", "radio", "Radio", "Radio"],
        ],
    );
    sheet(&mut wb, "settings", &[&["id_string", "default_language"], &["dampak_2026", "Indonesian (id)"]]);
    let form = read_xlsform_bytes(&wb.save_to_buffer().unwrap()).unwrap();
    Instrument::from_xlsform(&form).unwrap()
}

fn report(fixture: &str) -> Report {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/survey_shapes").join(fixture);
    let table = read_responses(&path).unwrap();
    analyze(&instrument(), &table, &AnalysisOptions::default()).unwrap_or_else(|e| panic!("{fixture}: {e}"))
}

#[test]
fn the_form_is_read_with_its_id_string_as_title_and_without_the_matrix_header() {
    let inst = instrument();
    assert_eq!((inst.title.as_str(), inst.form_id.as_str()), ("dampak_2026", "dampak_2026"));
    let items: Vec<&str> = inst.items().map(|i| i.name.as_str()).collect();
    assert_eq!(items, ["wohlfuehlen", "zufrieden", "sicher"]);
}

#[test]
fn every_export_shape_gives_the_same_report() {
    let labels = report("kobo_labels_en.csv");
    assert_eq!(labels.n, 8);
    // Item means from the answers (2,3,4,1,4,3,2,4), (3,3,4,2,3,4,2,4), (2,4,3,2,4,3,3,4).
    let means: Vec<f64> = labels.items.iter().map(|i| i.mean).collect();
    assert_eq!(means, [23.0 / 8.0, 25.0 / 8.0, 25.0 / 8.0]);
    // Ages 23, 35, 41, 29, 52, 47, 33, 60 by bin code (highest code first); education by label.
    let counts = |f: usize| labels.factors[f].codes.iter().map(|c| (c.code, c.count)).collect::<Vec<_>>();
    assert_eq!(counts(0), [(3, 3), (2, 3), (1, 2)]);
    assert_eq!(counts(1), [(3, 3), (2, 3), (1, 2)]);
    for other in ["kobo_names_no_groups.csv", "odk_central.csv"] {
        assert_eq!(report(other), labels, "{other}");
    }
}
