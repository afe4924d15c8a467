//! One answer cell → a score or a factor code, with what is wrong when it cannot be read.

use super::bins::{self, NumberKind};
use super::instrument::{Coding, Scale};
use super::responses::AnswerProblemKind;

/// The score of an item's answer: a choice name, or an exact choice label.
pub fn score_cell(scale: &Scale, cell: &str) -> Result<i32, AnswerProblemKind> {
    let v = cell.trim();
    if v.is_empty() {
        return Err(AnswerProblemKind::Blank);
    }
    if let Some(s) = scale.score_of(v) {
        return Ok(s);
    }
    if let Some(num) = bins::parse_decimal(v) {
        return Err(AnswerProblemKind::OutOfScale {
            value: num.to_string(),
            list: scale.list_name.clone(),
            min: scale.min,
            max: scale.max,
        });
    }
    Err(AnswerProblemKind::UnknownChoice { value: v.to_string(), list: scale.list_name.clone() })
}

/// The code of a factor's answer: by its choice list or its bins.
pub fn code_cell(coding: &Coding, cell: &str) -> Result<i32, AnswerProblemKind> {
    match coding {
        Coding::Choices { scale } => score_cell(scale, cell),
        Coding::Bins { number, bins: b, .. } => {
            let v = cell.trim();
            if v.is_empty() {
                return Err(AnswerProblemKind::Blank);
            }
            let Some(num) = bins::parse_decimal(v) else {
                return Err(AnswerProblemKind::NotANumber { value: v.to_string() });
            };
            if *number == NumberKind::Integer && num.den() != 1 {
                return Err(AnswerProblemKind::NotWhole { value: v.to_string() });
            }
            bins::code_of(b, num).ok_or(AnswerProblemKind::NoBin { value: num.to_string() })
        }
    }
}
