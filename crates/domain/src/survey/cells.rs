//! One answer cell → a score or a factor code, with what is wrong when it cannot be read.
//!
//! A number is read by its value, not its spelling: `3.0`, `03` and `3` are the same answer,
//! so a spreadsheet that stored a score as a float still matches the choice named `3`.

use super::bins::{self, NumberKind};
use super::instrument::{Coding, Scale};
use super::responses::AnswerProblemKind;

/// How the cells of one file are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CellRules {
    /// `1500,5` is one thousand five hundred and a half: the file is `;`-separated, as
    /// Indonesian Excel writes it, so a comma cannot be the field separator.
    pub decimal_comma: bool,
}

/// The score of an item's answer: a choice name, an exact choice label, or a whole number
/// equal to a choice's integer name (`3.0`, `03`).
pub fn score_cell(scale: &Scale, cell: &str, rules: CellRules) -> Result<i32, AnswerProblemKind> {
    let v = cell.trim();
    if v.is_empty() {
        return Err(AnswerProblemKind::Blank);
    }
    if let Some(s) = scale.score_of(v) {
        return Ok(s);
    }
    let Some(num) = bins::parse_number(v, rules.decimal_comma) else {
        return Err(AnswerProblemKind::UnknownChoice { value: v.to_string(), list: scale.list_name.clone() });
    };
    if num.den() != 1 {
        return Err(AnswerProblemKind::NotWhole { value: v.to_string() });
    }
    let whole = num.num();
    if let Some(c) = scale.choices.iter().find(|c| i128::from(c.score) == whole) {
        return Ok(c.score);
    }
    if (i128::from(scale.min)..=i128::from(scale.max)).contains(&whole) {
        // Inside the scale's span but no choice has it (factor codes such as 1, 5, 10, 50).
        return Err(AnswerProblemKind::UnknownChoice { value: num.to_string(), list: scale.list_name.clone() });
    }
    Err(AnswerProblemKind::OutOfScale {
        value: num.to_string(),
        list: scale.list_name.clone(),
        min: scale.min,
        max: scale.max,
    })
}

/// The code of a factor's answer: by its choice list, or by its bins once the number is
/// whole (integer factors) and within the form's constraint.
pub fn code_cell(coding: &Coding, cell: &str, rules: CellRules) -> Result<i32, AnswerProblemKind> {
    match coding {
        Coding::Choices { scale } => score_cell(scale, cell, rules),
        Coding::Bins { number, bins: b, range, constraint } => {
            let v = cell.trim();
            if v.is_empty() {
                return Err(AnswerProblemKind::Blank);
            }
            let Some(num) = bins::parse_number(v, rules.decimal_comma) else {
                return Err(AnswerProblemKind::NotANumber { value: v.to_string() });
            };
            if *number == NumberKind::Integer && num.den() != 1 {
                return Err(AnswerProblemKind::NotWhole { value: v.to_string() });
            }
            if !range.contains(num) {
                return Err(AnswerProblemKind::OutsideConstraint {
                    value: num.to_string(),
                    constraint: constraint.trim().to_string(),
                });
            }
            bins::code_of(b, num).ok_or(AnswerProblemKind::NoBin { value: num.to_string() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::instrument::{Instrument, XlsForm};
    use super::super::seed004;
    use super::*;

    const COMMA: CellRules = CellRules { decimal_comma: true };
    const DOT: CellRules = CellRules { decimal_comma: false };

    fn instrument(form: &XlsForm) -> Instrument {
        Instrument::from_xlsform(form).unwrap_or_else(|p| panic!("{p:#?}"))
    }

    fn factor<'a>(inst: &'a Instrument, name: &str) -> &'a Coding {
        &inst.factors.iter().find(|f| f.name == name).unwrap().coding
    }

    #[test]
    fn whole_numbers_written_as_decimals_are_the_choice() {
        // Issue 11: `3.0`, `03`, `2.0` are 3, 3, 2, not "outside the scale 1–4".
        let inst = instrument(&seed004::xlsform());
        let scale = &inst.indicators[0].items[1].scale;
        assert_eq!((scale.min, scale.max), (1, 4));
        assert_eq!(score_cell(scale, "3.0", DOT), Ok(3));
        assert_eq!(score_cell(scale, "03", DOT), Ok(3));
        assert_eq!(score_cell(scale, "2.0", DOT), Ok(2));
        assert_eq!(score_cell(scale, " 4.000 ", DOT), Ok(4));
        assert_eq!(score_cell(scale, "3,0", COMMA), Ok(3));
        assert_eq!(score_cell(scale, "3.5", DOT), Err(AnswerProblemKind::NotWhole { value: "3.5".into() }));
        assert_eq!(
            score_cell(scale, "3.5", DOT).unwrap_err().to_string(),
            "3.5 is not a whole number",
            "an integer scale says so"
        );
        assert_eq!(
            score_cell(scale, "5.0", DOT).unwrap_err().to_string(),
            "5 is outside the scale 1–4 of list `frekuensi`"
        );
        assert!(matches!(score_cell(scale, "tinggi", DOT), Err(AnswerProblemKind::UnknownChoice { .. })));
        // Choice factors read the same way.
        let motivasi = factor(&inst, "motivasi");
        assert_eq!(code_cell(motivasi, "05", DOT), Ok(5));
        assert_eq!(code_cell(motivasi, "2.0", DOT), Ok(2));
        assert!(matches!(code_cell(motivasi, "2.5", DOT), Err(AnswerProblemKind::NotWhole { .. })));
        // Integer bin factors too; `3.5` years is not a whole number.
        let umur = factor(&inst, "umur");
        assert_eq!(code_cell(umur, "45.0", DOT), Ok(4));
        assert_eq!(code_cell(umur, "045", DOT), Ok(4));
        assert_eq!(code_cell(umur, "45.5", DOT), Err(AnswerProblemKind::NotWhole { value: "45.5".into() }));
    }

    #[test]
    fn decimal_commas_are_read_only_when_the_file_uses_them() {
        let form = decimal_land_form(". >= 0");
        let inst = instrument(&form);
        let lahan = factor(&inst, "lahan");
        assert_eq!(code_cell(lahan, "1500,5", COMMA), Ok(1));
        assert_eq!(code_cell(lahan, "2000,5", COMMA), Ok(2));
        assert_eq!(code_cell(lahan, "2000.5", COMMA), Ok(2));
        assert_eq!(code_cell(lahan, "1500,5", DOT), Err(AnswerProblemKind::NotANumber { value: "1500,5".into() }));
    }

    #[test]
    fn the_constraint_is_enforced_on_the_data() {
        // Issue 11: an age of −5 or 250 under `. >= 0 and . <= 120` is an error, not the
        // open bin's code.
        let inst = instrument(&seed004::xlsform());
        let umur = factor(&inst, "umur");
        for (cell, value) in [("-5", "-5"), ("250", "250"), ("121.0", "121")] {
            let err = code_cell(umur, cell, DOT).unwrap_err();
            assert_eq!(
                err,
                AnswerProblemKind::OutsideConstraint { value: value.into(), constraint: ". >= 0 and . <= 120".into() }
            );
            assert_eq!(err.to_string(), format!("{value} breaks the form's constraint `. >= 0 and . <= 120`"));
        }
        assert_eq!(code_cell(umur, "0", DOT), Ok(5));
        assert_eq!(code_cell(umur, "120", DOT), Ok(1));
        // A strict end on decimal data: 0 is refused, 0.5 is allowed (and in no bin here).
        let inst = instrument(&decimal_land_form(". > 0"));
        let lahan = factor(&inst, "lahan");
        assert!(matches!(code_cell(lahan, "0", DOT), Err(AnswerProblemKind::OutsideConstraint { .. })));
        assert_eq!(code_cell(lahan, "0.5", DOT), Ok(1));
    }

    #[test]
    fn a_value_in_an_unconstrained_tail_is_in_no_bin() {
        // Bins `0-2000:1;...` without a lower constraint: the form is usable (a warning), and
        // a respondent with −3 is refused at analysis time.
        let inst = instrument(&decimal_land_form(""));
        assert_eq!(inst.warnings.len(), 1, "{:?}", inst.warnings);
        let lahan = factor(&inst, "lahan");
        assert_eq!(code_cell(lahan, "-3", DOT), Err(AnswerProblemKind::NoBin { value: "-3".into() }));
    }

    /// A minimal form: one indicator with two items, and a decimal land-area factor coded
    /// `0-2000:1;2000-:2` under `constraint`.
    fn decimal_land_form(constraint: &str) -> XlsForm {
        use super::super::instrument::{ChoiceRow, SurveyRow};
        let row = |row: u32, kind: &str, name: &str, berdaya: &str| SurveyRow {
            row,
            kind: kind.into(),
            name: name.into(),
            label: name.into(),
            berdaya: berdaya.into(),
            ..SurveyRow::default()
        };
        let mut lahan = row(6, "decimal", "lahan", "factor");
        lahan.berdaya_bins = "0-2000:1;2000-:2".into();
        lahan.constraint = constraint.into();
        XlsForm {
            survey: vec![
                row(2, "begin_group", "tahap", "indicator"),
                row(3, "select_one skala", "a", ""),
                row(4, "select_one skala", "b", ""),
                row(5, "end_group", "", ""),
                lahan,
            ],
            choices: (1..=4)
                .map(|n| ChoiceRow {
                    row: n + 1,
                    list_name: "skala".into(),
                    name: n.to_string(),
                    label: n.to_string(),
                    labels: Vec::new(),
                })
                .collect(),
            ..XlsForm::default()
        }
    }
}
