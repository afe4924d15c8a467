//! The slum-score baseline file of `berdaya kotaku slum-score`: a CSV of
//! `area,parameter,affected,total` rows, one per neighbourhood and parameter, read within
//! [`crate::limits::Limits::SURVEY`] (the file is read whole) and checked row by row. A file
//! with any bad row is refused whole, its problems named by file line and column: an unknown
//! parameter, a number that is not a whole number, a total of 0, more affected than the
//! total, a parameter given twice for an area, and an area missing parameters (named on the
//! area's first row).

use std::collections::BTreeMap;

use berdaya_domain::kotaku::slum::{Measure, Parameter, SlumRules, SlumScore, score};
use berdaya_domain::registry::text;
use serde::Serialize;

use crate::pkh_contract::{ContractFileError, Errors, MAX_ID_CHARS, cell, header};
use crate::survey::read_responses_csv;

/// The columns of a baseline file.
pub const BASELINE_COLUMNS: [&str; 4] = ["area", "parameter", "affected", "total"];

/// One area's measures, areas in the order they first appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub area: String,
    pub measures: BTreeMap<Parameter, Measure>,
}

fn count(raw: &str) -> Result<u64, String> {
    if raw.is_empty() {
        return Err("is required".into());
    }
    raw.parse::<u64>().map_err(|_| format!("`{}` is not a whole number of 0 or more", text::shorten(raw)))
}

/// Reads a baseline file (CSV bytes).
pub fn read_baseline(bytes: &[u8]) -> Result<Vec<Baseline>, ContractFileError> {
    let table = read_responses_csv(bytes)?;
    let at = header(&table.columns, &BASELINE_COLUMNS, &[])?;
    let mut errors = Errors::default();
    let mut areas: Vec<(u64, Baseline)> = Vec::new();
    let mut seen: BTreeMap<(String, Parameter), u64> = BTreeMap::new();
    // Areas with a refused row: their missing parameters are not reported again.
    let mut refused: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for row in &table.rows {
        let line = row.line;
        let get = |i: usize| cell(&row.cells, at[i]);
        let area = match get(0) {
            "" => Err("is required".to_string()),
            a if a.chars().count() > MAX_ID_CHARS => Err(format!("is longer than {MAX_ID_CHARS} characters")),
            a if a.chars().any(char::is_control) => Err("contains control characters".to_string()),
            a => Ok(a.to_string()),
        };
        let parameter = match get(1) {
            "" => Err("is required".to_string()),
            p => Parameter::parse(p),
        };
        let affected = count(get(2));
        let total = count(get(3));
        let mut ok = true;
        for (column, r) in [
            ("area", area.as_ref().err()),
            ("parameter", parameter.as_ref().err()),
            ("affected", affected.as_ref().err()),
            ("total", total.as_ref().err()),
        ] {
            if let Some(rule) = r {
                errors.push(line, column, rule.clone());
                ok = false;
            }
        }
        let Ok(area) = area else { continue };
        let (true, Ok(parameter), Ok(affected), Ok(total)) = (ok, parameter, affected, total) else {
            refused.insert(area);
            continue;
        };
        let measure = match Measure::new(affected, total) {
            Ok(m) => m,
            Err(rule) => {
                errors.push(line, if total == 0 { "total" } else { "affected" }, rule);
                refused.insert(area);
                continue;
            }
        };
        if let Some(first) = seen.insert((area.clone(), parameter), line) {
            seen.insert((area.clone(), parameter), first);
            errors.push(line, "parameter", format!("{} of area {area} is also on row {first}", parameter.code()));
            continue;
        }
        let i = match areas.iter().position(|(_, b)| b.area == area) {
            Some(i) => i,
            None => {
                areas.push((line, Baseline { area, measures: BTreeMap::new() }));
                areas.len() - 1
            }
        };
        areas[i].1.measures.insert(parameter, measure);
    }
    for (first_line, b) in &areas {
        let missing: Vec<&str> =
            Parameter::ALL.into_iter().filter(|p| !b.measures.contains_key(p)).map(Parameter::code).collect();
        // An area whose own rows were refused is reported by them, not again here.
        if !missing.is_empty() && !refused.contains(&b.area) {
            errors.push(
                *first_line,
                "parameter",
                format!("area {} is missing the parameters {}", b.area, missing.join(", ")),
            );
        }
    }
    if table.rows.is_empty() {
        errors.push(1, "area", "the file has no rows under its header".into());
    }
    errors.finish()?;
    Ok(areas.into_iter().map(|(_, b)| b).collect())
}

/// The scores of a file's areas under `rules`, in file order.
pub fn score_baselines(baselines: &[Baseline], rules: &SlumRules) -> Vec<(String, SlumScore)> {
    baselines
        .iter()
        // Every area of a read file is complete.
        .filter_map(|b| score(&b.measures, rules).ok().map(|s| (b.area.clone(), s)))
        .collect()
}

/// The contract's JSON: `{"areas": [{"area", "parameters": [{"parameter", "share", "score"}], "total", "class"}]}`.
#[derive(Debug, Serialize)]
pub struct SlumOutput {
    pub areas: Vec<AreaOutput>,
}

#[derive(Debug, Serialize)]
pub struct AreaOutput {
    pub area: String,
    pub parameters: Vec<ParameterOutput>,
    pub total: u32,
    pub class: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ParameterOutput {
    pub parameter: &'static str,
    /// The share affected (`affected / total`), for reading; the score compares exactly.
    pub share: f64,
    pub affected: u64,
    pub total: u64,
    pub score: u32,
}

impl SlumOutput {
    pub fn new(scores: &[(String, SlumScore)]) -> SlumOutput {
        SlumOutput {
            areas: scores
                .iter()
                .map(|(area, s)| AreaOutput {
                    area: area.clone(),
                    parameters: s
                        .parameters
                        .iter()
                        .map(|p| ParameterOutput {
                            parameter: p.parameter.code(),
                            share: p.measure.share(),
                            affected: p.measure.affected,
                            total: p.measure.total,
                            score: p.score,
                        })
                        .collect(),
                    total: s.total,
                    class: s.class.code(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use berdaya_domain::kotaku::slum::SlumClass;

    use super::*;

    fn file(rows: &[(&str, &str, &str, &str)]) -> Vec<u8> {
        let mut s = String::from("area,parameter,affected,total\n");
        for (a, p, x, t) in rows {
            s.push_str(&format!("{a},{p},{x},{t}\n"));
        }
        s.into_bytes()
    }

    fn full(area: &str, affected: &str, total: &str) -> Vec<(String, String, String, String)> {
        Parameter::ALL
            .into_iter()
            .map(|p| (area.to_string(), p.code().to_string(), affected.to_string(), total.to_string()))
            .collect()
    }

    fn refs(rows: &[(String, String, String, String)]) -> Vec<(&str, &str, &str, &str)> {
        rows.iter().map(|(a, p, x, t)| (a.as_str(), p.as_str(), x.as_str(), t.as_str())).collect()
    }

    #[test]
    fn two_areas_are_read_and_scored() {
        let mut rows = full("RT 3 / Lk 1", "19", "25");
        rows.extend(full("RT 5 / Lk 1", "1", "4"));
        let read = read_baseline(&file(&refs(&rows))).unwrap();
        assert_eq!(read.len(), 2);
        let scored = score_baselines(&read, &SlumRules::default());
        assert_eq!((scored[0].1.total, scored[0].1.class), (80, SlumClass::Berat));
        assert_eq!((scored[1].1.total, scored[1].1.class), (16, SlumClass::Ringan));
        let json = serde_json::to_value(SlumOutput::new(&scored)).unwrap();
        assert_eq!(json["areas"][0]["parameters"][0]["share"], 0.76);
        assert_eq!(json["areas"][1]["class"], "ringan");
    }

    #[test]
    fn bad_rows_are_named_by_row_and_column() {
        let mut rows = full("A", "1", "10");
        rows[1].3 = "0".into(); // row 3: total 0
        rows[2].2 = "11".into(); // row 4: affected > total
        rows[3].1 = "8a".into(); // row 5: unknown parameter
        rows[4].2 = "1.5".into(); // row 6: not a whole number
        rows.push(("A".into(), "7b".into(), "1".into(), "10".into())); // row 18: twice
        rows.extend(full("B", "1", "10").into_iter().filter(|r| r.1 != "2b" && r.1 != "6a")); // B from row 19
        let e = read_baseline(&file(&refs(&rows))).unwrap_err();
        let lines = e.lines();
        let has = |s: &str| lines.iter().any(|l| l.contains(s));
        assert!(has("row 3, column `total`: the total must be more than 0"), "{lines:?}");
        assert!(has("row 4, column `affected`: affected (11) is more than the total (10)"), "{lines:?}");
        assert!(has("row 5, column `parameter`: `8a` is not one of the parameters"), "{lines:?}");
        assert!(has("row 6, column `affected`: `1.5` is not a whole number"), "{lines:?}");
        assert!(has("row 18, column `parameter`: 7b of area A is also on row 17"), "{lines:?}");
        assert!(has("row 19, column `parameter`: area B is missing the parameters 2b, 6a"), "{lines:?}");
        assert_eq!(lines.len(), 6, "{lines:?}");
    }

    #[test]
    fn columns_are_checked() {
        let e = read_baseline(b"area,parameter,affected\nA,1a,1\n").unwrap_err();
        assert_eq!(e.to_string(), "the file has no `total` column");
        let e = read_baseline(b"area,parameter,affected,total\n").unwrap_err();
        assert!(e.lines()[0].contains("no rows"), "{:?}", e.lines());
    }
}
