//! Farmer-group class assessment (penilaian kelas kelompok tani): the instrument kept as data
//! (five abilities, their indicators with integer maxima, the class bands and the
//! reassessment interval), a group's scored assessment, the class its total earns, the change
//! from the group's previous class and the next assessment's due date.
//!
//! The bands shipped by default (0–250 Pemula, 251–500 Lanjut, 501–750 Madya, 751–1000
//! Utama) are the commonly quoted ones, which could not be verified against the guideline
//! (Kep. Kepala BPPSDMP 25/Kpts/SM.060/I/02/18): an agency enters its official table as a new
//! instrument version. Instruments are never changed in place, so a stored assessment keeps
//! the indicators, maxima and bands it was scored with, and its own total and class.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, Version};
use crate::vocabulary;

vocabulary! {
    /// The four classes of a farmer group (Permentan 67/2016), lowest first.
    ClassBand {
        Pemula => "pemula", "Pemula", "Beginner (Pemula)";
        Lanjut => "lanjut", "Lanjut", "Advanced (Lanjut)";
        Madya => "madya", "Madya", "Intermediate (Madya)";
        Utama => "utama", "Utama", "Main (Utama)";
    }
}

vocabulary! {
    /// The five abilities a farmer group is assessed on.
    Ability {
        Planning => "planning", "Perencanaan", "Planning";
        Organizing => "organizing", "Pengorganisasian", "Organizing";
        Implementing => "implementing", "Pelaksanaan kegiatan", "Carrying out activities";
        Controlling => "controlling", "Pengendalian dan pelaporan", "Control and reporting";
        Leadership => "leadership", "Pengembangan kepemimpinan", "Leadership development";
    }
}

vocabulary! {
    /// How a group's class moved since its previous assessment.
    ClassChange {
        Up => "naik", "Naik", "Up";
        Same => "tetap", "Tetap", "Unchanged";
        Down => "turun", "Turun", "Down";
    }
}

impl ClassChange {
    /// The move from `previous` to `now`.
    pub fn between(previous: ClassBand, now: ClassBand) -> ClassChange {
        match now.cmp(&previous) {
            std::cmp::Ordering::Greater => ClassChange::Up,
            std::cmp::Ordering::Equal => ClassChange::Same,
            std::cmp::Ordering::Less => ClassChange::Down,
        }
    }
}

/// The lower bounds of the totals of Lanjut, Madya and Utama (Pemula starts at 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bands {
    pub lanjut_from: i64,
    pub madya_from: i64,
    pub utama_from: i64,
}

impl Bands {
    /// The commonly quoted, unverified default: 0–250, 251–500, 501–750, 751–1000.
    pub const DEFAULT: Bands = Bands { lanjut_from: 251, madya_from: 501, utama_from: 751 };

    /// The class a total earns: the highest band whose lower bound it reaches.
    pub fn class_of(&self, total: i64) -> ClassBand {
        if total >= self.utama_from {
            ClassBand::Utama
        } else if total >= self.madya_from {
            ClassBand::Madya
        } else if total >= self.lanjut_from {
            ClassBand::Lanjut
        } else {
            ClassBand::Pemula
        }
    }

    /// The lowest total of a class.
    pub fn lower_bound(&self, class: ClassBand) -> i64 {
        match class {
            ClassBand::Pemula => 0,
            ClassBand::Lanjut => self.lanjut_from,
            ClassBand::Madya => self.madya_from,
            ClassBand::Utama => self.utama_from,
        }
    }
}

/// The default reassessment interval: three years (PROGRAM-RULES: every 3 years in some
/// districts, yearly in others; an instrument version sets its own).
pub const DEFAULT_REASSESS_MONTHS: i64 = 36;

/// One indicator of an instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub id: Id,
    pub ability: Ability,
    pub position: i64,
    pub text: String,
    pub max_score: i64,
}

/// An assessment instrument, as stored (never changed once assessments use it: editing makes
/// a new version that replaces it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    pub id: Id,
    pub name: String,
    pub note: Option<String>,
    pub bands: Bands,
    pub reassess_months: i64,
    /// Whether new assessments use it (a replaced version is kept for the assessments made
    /// with it).
    pub active: bool,
    pub replaces_id: Option<Id>,
    pub version: Version,
    pub indicators: Vec<Indicator>,
}

impl Instrument {
    /// The highest total the instrument allows.
    pub fn max_total(&self) -> i64 {
        self.indicators.iter().map(|i| i.max_score).sum()
    }

    /// The indicators of one ability, in order.
    pub fn of(&self, ability: Ability) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(move |i| i.ability == ability)
    }

    /// Checks a score for every indicator (0..=its maximum, none missing, none foreign) and
    /// answers the total. Each error names `scores.<indicator id>`.
    pub fn total(&self, scores: &[(Id, i64)]) -> Result<i64, Invalid> {
        let mut c = Checker::new();
        let given: BTreeMap<Id, i64> = scores.iter().copied().collect();
        for (id, _) in scores {
            if !self.indicators.iter().any(|i| i.id == *id) {
                c.push(&format!("scores.{id}"), "is not an indicator of this instrument");
            }
        }
        let mut total = 0i64;
        for ind in &self.indicators {
            let field = format!("scores.{}", ind.id);
            match given.get(&ind.id) {
                None => c.push(&field, "is required"),
                Some(&s) if s < 0 => c.push(&field, "is below 0"),
                Some(&s) if s > ind.max_score => {
                    c.push(&field, format!("is above the maximum of {} for this indicator", ind.max_score))
                }
                Some(&s) => total += s,
            }
        }
        c.finish()?;
        Ok(total)
    }

    /// Scores an assessment on `assessed_on` given the group's previous class: total, class,
    /// change and next due date.
    pub fn assess(
        &self,
        scores: &[(Id, i64)],
        previous: Option<ClassBand>,
        assessed_on: Date,
    ) -> Result<Scored, Invalid> {
        let total = self.total(scores)?;
        let class = self.bands.class_of(total);
        let due_on = add_months(assessed_on, self.reassess_months)
            .ok_or_else(|| Invalid::one("assessed_on", "is too far in the future"))?;
        Ok(Scored { total, class, change: previous.map(|p| ClassChange::between(p, class)), due_on })
    }
}

/// What an assessment earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored {
    pub total: i64,
    pub class: ClassBand,
    pub change: Option<ClassChange>,
    pub due_on: Date,
}

/// `date` plus `months` calendar months; a day past the end of the month is the month's last
/// day (2024-02-29 + 12 months = 2025-02-28).
pub fn add_months(date: Date, months: i64) -> Option<Date> {
    let index = i64::from(date.year()) * 12 + i64::from(date.month() as u8) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let last = month.length(year);
    Date::from_calendar_date(year, month, date.day().min(last)).ok()
}

/// An indicator of a new instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIndicator {
    pub ability: Ability,
    pub text: String,
    pub max_score: i64,
}

/// An instrument to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstrument {
    pub name: String,
    pub note: Option<String>,
    pub bands: Bands,
    pub reassess_months: i64,
    pub indicators: Vec<NewIndicator>,
}

/// A number as a form or a JSON body gives it: text, or a JSON number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Number {
    Int(i64),
    Text(String),
}

impl Default for Number {
    fn default() -> Self {
        Number::Text(String::new())
    }
}

impl From<&str> for Number {
    fn from(s: &str) -> Self {
        Number::Text(s.into())
    }
}

impl Number {
    /// A whole number (`12`, ` 12 `); blank is "is required".
    pub fn whole(&self) -> Result<i64, String> {
        match self {
            Number::Int(n) => Ok(*n),
            Number::Text(s) => {
                let s = s.trim();
                if s.is_empty() {
                    return Err("is required".into());
                }
                s.parse::<i64>().map_err(|_| format!("`{}` is not a whole number", text::shorten(s)))
            }
        }
    }

    pub fn text(&self) -> String {
        match self {
            Number::Int(n) => n.to_string(),
            Number::Text(s) => s.clone(),
        }
    }
}

/// An indicator as a form or the API gives it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IndicatorDraft {
    pub ability: String,
    pub text: String,
    pub max_score: Number,
}

/// An instrument as a form or the API gives it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InstrumentDraft {
    pub name: String,
    #[serde(default)]
    pub note: Option<String>,
    pub lanjut_from: Number,
    pub madya_from: Number,
    pub utama_from: Number,
    #[serde(default)]
    pub reassess_months: Number,
    pub indicators: Vec<IndicatorDraft>,
}

/// The most indicators an instrument holds.
pub const MAX_INDICATORS: usize = 100;
/// The highest maximum of one indicator.
pub const MAX_INDICATOR_SCORE: i64 = 1000;

impl InstrumentDraft {
    pub fn parse(&self) -> Result<NewInstrument, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 150));
        let note = c.field("note", text::optional_text(self.note.as_deref(), 2000));
        let lanjut = c.field("lanjut_from", self.lanjut_from.whole());
        let madya = c.field("madya_from", self.madya_from.whole());
        let utama = c.field("utama_from", self.utama_from.whole());
        let months = match &self.reassess_months {
            Number::Text(s) if s.trim().is_empty() => Some(DEFAULT_REASSESS_MONTHS),
            n => c.field(
                "reassess_months",
                n.whole().and_then(|m| {
                    if (1..=120).contains(&m) { Ok(m) } else { Err("must be from 1 to 120 months".into()) }
                }),
            ),
        };
        if self.indicators.len() > MAX_INDICATORS {
            c.push("indicators", format!("has more than {MAX_INDICATORS} indicators"));
        }
        let mut indicators = Vec::new();
        for (i, d) in self.indicators.iter().enumerate() {
            let ability = c.field(&format!("indicators.{i}.ability"), Ability::parse(&d.ability));
            let text = c.field(&format!("indicators.{i}.text"), text::text(&d.text, 1, 500));
            let max = c.field(
                &format!("indicators.{i}.max_score"),
                d.max_score.whole().and_then(|m| {
                    if (1..=MAX_INDICATOR_SCORE).contains(&m) {
                        Ok(m)
                    } else {
                        Err(format!("must be from 1 to {MAX_INDICATOR_SCORE}"))
                    }
                }),
            );
            if let (Some(ability), Some(text), Some(max_score)) = (ability, text, max) {
                indicators.push(NewIndicator { ability, text, max_score });
            }
        }
        if c.is_ok() {
            for a in Ability::ALL {
                if !indicators.iter().any(|i| i.ability == *a) {
                    c.push("indicators", format!("has no indicator for the ability {}", a.code()));
                }
            }
        }
        let max_total: i64 = indicators.iter().map(|i| i.max_score).sum();
        if let (Some(l), Some(m), Some(u)) = (lanjut, madya, utama) {
            if l < 1 {
                c.push("lanjut_from", "must be at least 1");
            }
            if m <= l {
                c.push("madya_from", format!("must be above the lower bound of Lanjut ({l})"));
            }
            if u <= m {
                c.push("utama_from", format!("must be above the lower bound of Madya ({m})"));
            }
            if c.is_ok() && u > max_total {
                c.push("utama_from", format!("is above the highest possible total ({max_total})"));
            }
        }
        c.finish()?;
        match (name, note, lanjut, madya, utama, months) {
            (Some(name), Some(note), Some(lanjut_from), Some(madya_from), Some(utama_from), Some(reassess_months)) => {
                Ok(NewInstrument {
                    name,
                    note,
                    bands: Bands { lanjut_from, madya_from, utama_from },
                    reassess_months,
                    indicators,
                })
            }
            _ => Err(Invalid::one("instrument", "incomplete")),
        }
    }
}

impl From<&Instrument> for InstrumentDraft {
    fn from(i: &Instrument) -> Self {
        InstrumentDraft {
            name: i.name.clone(),
            note: i.note.clone(),
            lanjut_from: Number::Int(i.bands.lanjut_from),
            madya_from: Number::Int(i.bands.madya_from),
            utama_from: Number::Int(i.bands.utama_from),
            reassess_months: Number::Int(i.reassess_months),
            indicators: i
                .indicators
                .iter()
                .map(|d| IndicatorDraft {
                    ability: d.ability.code().into(),
                    text: d.text.clone(),
                    max_score: Number::Int(d.max_score),
                })
                .collect(),
        }
    }
}

/// An assessment as stored: the scores, total and class it earned at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub id: Id,
    pub group_id: Id,
    pub program_id: Id,
    pub instrument_id: Id,
    pub assessor_id: Id,
    pub assessed_on: Date,
    pub total: i64,
    pub class: ClassBand,
    /// The group's assessment before this one (by date) when it was recorded.
    pub previous_id: Option<Id>,
    pub previous_class: Option<ClassBand>,
    pub change: Option<ClassChange>,
    pub due_on: Date,
    pub notes: Option<String>,
    pub version: Version,
    /// The score of each indicator.
    pub scores: Vec<(Id, i64)>,
}

/// An assessment to record; its total, class and change are computed by the store from the
/// instrument and the group's previous assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssessment {
    pub group_id: Id,
    pub program_id: Id,
    pub instrument_id: Id,
    pub assessor_id: Id,
    pub assessed_on: Date,
    pub notes: Option<String>,
    pub scores: Vec<(Id, i64)>,
}

/// An assessment as a form or the API gives it: `scores` maps an indicator id to its score.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AssessmentDraft {
    #[serde(default)]
    pub group_id: Number,
    #[serde(default)]
    pub program_id: Number,
    #[serde(default)]
    pub instrument_id: Number,
    #[serde(default)]
    pub assessor_id: Number,
    #[serde(default)]
    pub assessed_on: String,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub scores: BTreeMap<String, Number>,
}

fn id_of(n: &Number) -> Result<Id, String> {
    match n {
        Number::Int(v) if *v > 0 => Ok(*v),
        Number::Int(v) => Err(format!("`{v}` is not a record id")),
        Number::Text(s) => text::id(s),
    }
}

impl AssessmentDraft {
    pub fn parse(&self) -> Result<NewAssessment, Invalid> {
        let mut c = Checker::new();
        let group_id = c.field("group_id", id_of(&self.group_id));
        let program_id = c.field("program_id", id_of(&self.program_id));
        let instrument_id = c.field("instrument_id", id_of(&self.instrument_id));
        let assessor_id = c.field("assessor_id", id_of(&self.assessor_id));
        let assessed_on = c.field("assessed_on", text::date(&self.assessed_on));
        let notes = c.field("notes", text::optional_text(self.notes.as_deref(), 2000));
        if self.scores.is_empty() {
            c.push("scores", "is required: a score for every indicator");
        }
        let mut scores = Vec::with_capacity(self.scores.len());
        for (key, value) in &self.scores {
            let field = format!("scores.{key}");
            let id = c.field(&field, text::id(key).map_err(|_| "is not an indicator id".to_string()));
            let score = c.field(&field, value.whole());
            if let (Some(id), Some(score)) = (id, score) {
                scores.push((id, score));
            }
        }
        c.finish()?;
        match (group_id, program_id, instrument_id, assessor_id, assessed_on, notes) {
            (
                Some(group_id),
                Some(program_id),
                Some(instrument_id),
                Some(assessor_id),
                Some(assessed_on),
                Some(notes),
            ) => Ok(NewAssessment { group_id, program_id, instrument_id, assessor_id, assessed_on, notes, scores }),
            _ => Err(Invalid::one("assessment", "incomplete")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn instrument() -> Instrument {
        let mut indicators = Vec::new();
        let mut id = 0;
        for a in Ability::ALL {
            for _ in 0..4 {
                id += 1;
                indicators.push(Indicator { id, ability: *a, position: id, text: format!("i{id}"), max_score: 50 });
            }
        }
        Instrument {
            id: 1,
            name: "default".into(),
            note: None,
            bands: Bands::DEFAULT,
            reassess_months: 36,
            active: true,
            replaces_id: None,
            version: 1,
            indicators,
        }
    }

    /// Scores summing to `total` (filled indicator by indicator).
    fn scores(total: i64) -> Vec<(Id, i64)> {
        let mut left = total;
        (1..=20)
            .map(|id| {
                let s = left.min(50);
                left -= s;
                (id, s)
            })
            .collect()
    }

    #[test]
    fn bands_apply_at_their_boundaries() {
        let b = Bands::DEFAULT;
        for (total, class) in [
            (0, ClassBand::Pemula),
            (250, ClassBand::Pemula),
            (251, ClassBand::Lanjut),
            (500, ClassBand::Lanjut),
            (501, ClassBand::Madya),
            (750, ClassBand::Madya),
            (751, ClassBand::Utama),
            (1000, ClassBand::Utama),
        ] {
            assert_eq!(b.class_of(total), class, "{total}");
        }
        let i = instrument();
        assert_eq!(i.max_total(), 1000);
        assert_eq!(i.assess(&scores(250), None, date!(2020 - 03 - 01)).unwrap().class, ClassBand::Pemula);
        assert_eq!(i.assess(&scores(251), None, date!(2020 - 03 - 01)).unwrap().class, ClassBand::Lanjut);
    }

    #[test]
    fn a_score_above_its_maximum_is_refused_naming_the_indicator() {
        let i = instrument();
        let mut s = scores(100);
        s[4].1 = 51;
        let err = i.total(&s).unwrap_err();
        assert_eq!(err.0[0].field, "scores.5");
        assert!(err.0[0].message.contains("maximum of 50"), "{err}");
        s[4].1 = -1;
        assert_eq!(i.total(&s).unwrap_err().0[0].message, "is below 0");
        s.pop();
        s[4].1 = 0;
        assert_eq!(i.total(&s).unwrap_err().0[0].field, "scores.20");
        s.push((99, 1));
        assert!(i.total(&s).unwrap_err().0.iter().any(|e| e.field == "scores.99"));
    }

    #[test]
    fn change_and_due_date() {
        let i = instrument();
        let s = i.assess(&scores(600), Some(ClassBand::Lanjut), date!(2020 - 02 - 29)).unwrap();
        assert_eq!((s.total, s.class, s.change), (600, ClassBand::Madya, Some(ClassChange::Up)));
        assert_eq!(s.due_on, date!(2023 - 02 - 28));
        assert_eq!(ClassChange::between(ClassBand::Madya, ClassBand::Madya), ClassChange::Same);
        assert_eq!(ClassChange::between(ClassBand::Utama, ClassBand::Pemula), ClassChange::Down);
        assert_eq!(add_months(date!(2023 - 11 - 30), 3), Some(date!(2024 - 02 - 29)));
        assert_eq!(add_months(date!(2023 - 01 - 15), 12), Some(date!(2024 - 01 - 15)));
    }

    #[test]
    fn drafts_parse_whole_numbers_and_name_fields() {
        let mut d = AssessmentDraft {
            group_id: Number::Int(3),
            program_id: "4".into(),
            instrument_id: Number::Int(1),
            assessor_id: Number::Int(2),
            assessed_on: "2023-05-01".into(),
            ..Default::default()
        };
        d.scores.insert("7".into(), Number::Text("1,5".into()));
        d.scores.insert("8".into(), Number::Int(12));
        let err = d.parse().unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].field, "scores.7");
        d.scores.insert("7".into(), " 4 ".into());
        assert_eq!(d.parse().unwrap().scores, vec![(7, 4), (8, 12)]);
    }

    #[test]
    fn instrument_bands_must_rise_and_fit_the_maxima() {
        let mut d = InstrumentDraft::from(&instrument());
        assert_eq!(d.parse().unwrap().bands, Bands::DEFAULT);
        d.madya_from = Number::Int(200);
        assert_eq!(d.parse().unwrap_err().0[0].field, "madya_from");
        d.madya_from = Number::Int(501);
        d.utama_from = Number::Int(1001);
        assert_eq!(d.parse().unwrap_err().0[0].field, "utama_from");
        d.utama_from = Number::Int(751);
        d.indicators.retain(|i| i.ability != "leadership");
        assert_eq!(d.parse().unwrap_err().0[0].field, "indicators");
    }
}
