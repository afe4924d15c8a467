//! Stage cycles: the stages a community program moves through, as data. A program picks a
//! stage model (KOTAKU's repeating cycle and Dhamotharan's seven stages, 7D, ship as
//! defaults; a program may write its own as JSON), and each community (a village or a
//! neighbourhood) runs through it: every stage has a status, dates, a checklist of
//! milestones, the activities held in it and evidence.
//!
//! Rules: a stage starts only when the one before it is done (the first any time); it is done
//! only when started and every required milestone is ticked; a done stage may be reopened
//! (back to in progress) with a reason. A repeating model starts a new cycle once its last
//! stage is done. A stage in progress with no change for `stall_days` is stalled.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::registry::Id;
use crate::registry::text::{self, Invalid};
use crate::vocabulary;

vocabulary! {
    StageStatus {
        NotStarted => "not_started", "Belum mulai", "Not started";
        InProgress => "in_progress", "Berjalan", "In progress";
        Done => "done", "Selesai", "Done";
    }
}

/// A milestone of a stage: a code stable across edits, its label, and whether the stage
/// needs it to be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub code: String,
    pub name: String,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDef {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
}

/// A stage model: its stages in order, whether it repeats, and after how many days without
/// change a stage in progress counts as stalled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageModel {
    pub code: String,
    pub name: String,
    pub repeating: bool,
    #[serde(default = "stall")]
    pub stall_days: i64,
    pub stages: Vec<StageDef>,
}

fn stall() -> i64 {
    60
}

fn m(code: &str, name: &str) -> Milestone {
    Milestone { code: code.into(), name: name.into(), required: true }
}

fn stage(code: &str, name: &str, en: &str, milestones: Vec<Milestone>) -> StageDef {
    StageDef { code: code.into(), name: name.into(), name_en: Some(en.into()), milestones }
}

impl StageModel {
    /// KOTAKU's program cycle (the default milestones follow its guideline's steps).
    pub fn kotaku() -> StageModel {
        StageModel {
            code: "kotaku".into(),
            name: "Siklus KOTAKU".into(),
            repeating: true,
            stall_days: 60,
            stages: vec![
                stage(
                    "persiapan",
                    "Persiapan",
                    "Preparation",
                    vec![
                        m("sosialisasi", "Sosialisasi tingkat kelurahan"),
                        m("rembug_kesiapan", "Rembug kesiapan masyarakat"),
                        m("relawan", "Relawan dan tim inti perencanaan terbentuk"),
                    ],
                ),
                stage(
                    "perencanaan",
                    "Perencanaan",
                    "Planning",
                    vec![
                        m("baseline", "Baseline kumuh 7 aspek disusun"),
                        m("rplp", "RPLP 5 tahun disetujui"),
                        m("ksm", "KSM pelaksana terbentuk"),
                    ],
                ),
                stage(
                    "pelaksanaan",
                    "Pelaksanaan",
                    "Implementation",
                    vec![
                        m("dpl", "Dokumen rencana kerja (RKM) disahkan"),
                        m("pencairan", "Dana tahap I diterima"),
                        m("serah_terima", "Serah terima pekerjaan (MC 100 %)"),
                    ],
                ),
                stage(
                    "keberlanjutan",
                    "Keberlanjutan",
                    "Sustainability",
                    vec![m("kpp", "KPP terbentuk dan menerima aset"), m("iuran", "Iuran pemeliharaan berjalan")],
                ),
            ],
        }
    }

    /// Dhamotharan's seven stages (7D) of community development.
    pub fn seven_d() -> StageModel {
        StageModel {
            code: "7d".into(),
            name: "Tujuh tahap (7D) Dhamotharan".into(),
            repeating: false,
            stall_days: 90,
            stages: vec![
                stage(
                    "developing",
                    "Membangun hubungan",
                    "Developing relationships",
                    vec![m("kontak", "Pertemuan dengan tokoh dan warga")],
                ),
                stage(
                    "discovering",
                    "Menemukan kapasitas",
                    "Discovering capacities",
                    vec![m("pemetaan", "Pemetaan potensi dan aset")],
                ),
                stage(
                    "dreaming",
                    "Memimpikan masa depan",
                    "Dreaming community futures",
                    vec![m("visi", "Visi bersama dirumuskan")],
                ),
                stage(
                    "directing",
                    "Mengarahkan aksi",
                    "Directing community actions",
                    vec![m("prioritas", "Prioritas aksi disepakati")],
                ),
                stage(
                    "designing",
                    "Merancang aksi",
                    "Designing community actions",
                    vec![m("rencana", "Rencana aksi dan pembagian peran")],
                ),
                stage(
                    "delivering",
                    "Melaksanakan dengan pemantauan",
                    "Delivering with monitoring",
                    vec![m("pelaksanaan", "Kegiatan dilaksanakan dan dipantau")],
                ),
                stage(
                    "documenting",
                    "Dokumentasi dan pembelajaran",
                    "Documenting and learning",
                    vec![m("refleksi", "Refleksi dan dokumentasi pembelajaran")],
                ),
            ],
        }
    }

    /// The models shipped as defaults.
    pub fn defaults() -> Vec<StageModel> {
        vec![StageModel::kotaku(), StageModel::seven_d()]
    }

    /// Checks a model written by hand: a code and name, at least one stage, stage and
    /// milestone codes unique and not empty, `stall_days` from 1 to 3660.
    pub fn check(&self) -> Result<(), Invalid> {
        let bad = |field: &str, m: String| Err(Invalid::one(field, m));
        if text::text(&self.code, 1, 40).is_err() || text::text(&self.name, 1, 150).is_err() {
            return bad("code", "a model needs a code and a name".into());
        }
        if self.stages.is_empty() || self.stages.len() > 20 {
            return bad("stages", "a model has 1 to 20 stages".into());
        }
        if !(1..=3660).contains(&self.stall_days) {
            return bad("stall_days", "must be from 1 to 3660 days".into());
        }
        for (i, s) in self.stages.iter().enumerate() {
            if s.code.trim().is_empty() || s.name.trim().is_empty() {
                return bad("stages", format!("stage {} needs a code and a name", i + 1));
            }
            if self.stages[..i].iter().any(|o| o.code == s.code) {
                return bad("stages", format!("stage code `{}` appears twice", text::shorten(&s.code)));
            }
            for (j, ms) in s.milestones.iter().enumerate() {
                if ms.code.trim().is_empty() || ms.name.trim().is_empty() {
                    return bad("stages", format!("milestone {} of stage {} needs a code and a name", j + 1, i + 1));
                }
                if s.milestones[..j].iter().any(|o| o.code == ms.code) {
                    return bad("stages", format!("milestone code `{}` appears twice", text::shorten(&ms.code)));
                }
            }
        }
        Ok(())
    }

    /// The stage's label in a language.
    pub fn stage_name(&self, index: usize, lang: &str) -> String {
        match self.stages.get(index) {
            Some(s) if lang == "en" => s.name_en.clone().unwrap_or_else(|| s.name.clone()),
            Some(s) => s.name.clone(),
            None => String::new(),
        }
    }
}

/// One stage of one community's cycle, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleStage {
    pub id: Id,
    pub cycle_id: Id,
    /// Its position in the model, from 0.
    pub position: i32,
    pub code: String,
    pub status: StageStatus,
    pub started_on: Option<Date>,
    pub done_on: Option<Date>,
    /// Milestone codes ticked, with the day.
    pub milestones: Vec<(String, Date)>,
    pub note: Option<String>,
    /// The last day anything changed in it (a status, a milestone, an activity).
    pub touched_on: Option<Date>,
    pub version: i64,
}

/// A change of a stage's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageMove {
    Start,
    Finish,
    Reopen,
}

impl StageMove {
    pub fn parse(raw: &str) -> Result<StageMove, String> {
        match raw.trim() {
            "start" => Ok(StageMove::Start),
            "finish" => Ok(StageMove::Finish),
            "reopen" => Ok(StageMove::Reopen),
            _ => Err("must be start, finish or reopen".into()),
        }
    }
}

/// The status a move leads to, or why it may not happen. `previous` is the status of the
/// stage before (none for the first); `def` the stage's definition; `on` the day.
pub fn transition(
    stage: &CycleStage,
    previous: Option<StageStatus>,
    def: &StageDef,
    mv: StageMove,
    on: Date,
) -> Result<StageStatus, Invalid> {
    match (mv, stage.status) {
        (StageMove::Start, StageStatus::NotStarted) => match previous {
            None | Some(StageStatus::Done) => Ok(StageStatus::InProgress),
            Some(_) => Err(Invalid::one("status", "the stage before it must be done first")),
        },
        (StageMove::Finish, StageStatus::InProgress) => {
            if stage.started_on.is_some_and(|s| on < s) {
                return Err(Invalid::one("on", "must not be before the stage started"));
            }
            let missing: Vec<&str> = def
                .milestones
                .iter()
                .filter(|m| m.required && !stage.milestones.iter().any(|(c, _)| c == &m.code))
                .map(|m| m.name.as_str())
                .collect();
            if missing.is_empty() {
                Ok(StageStatus::Done)
            } else {
                Err(Invalid::one("milestones", format!("milestones not yet met: {}", missing.join("; "))))
            }
        }
        (StageMove::Reopen, StageStatus::Done) => Ok(StageStatus::InProgress),
        (StageMove::Start, _) => Err(Invalid::one("status", "only a stage not started can be started")),
        (StageMove::Finish, _) => Err(Invalid::one("status", "only a stage in progress can be finished")),
        (StageMove::Reopen, _) => Err(Invalid::one("status", "only a finished stage can be reopened")),
    }
}

/// Whether a stage in progress has had no change for the model's `stall_days` by `today`.
pub fn stalled(stage: &CycleStage, model: &StageModel, today: Date) -> bool {
    stage.status == StageStatus::InProgress
        && stage.touched_on.or(stage.started_on).is_some_and(|t| (today - t).whole_days() > model.stall_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn at(status: StageStatus, milestones: &[&str]) -> CycleStage {
        CycleStage {
            id: 1,
            cycle_id: 1,
            position: 1,
            code: "perencanaan".into(),
            status,
            started_on: Some(date!(2019 - 02 - 01)),
            done_on: None,
            milestones: milestones.iter().map(|c| (c.to_string(), date!(2019 - 03 - 01))).collect(),
            note: None,
            touched_on: Some(date!(2019 - 03 - 01)),
            version: 1,
        }
    }

    #[test]
    fn the_defaults_are_valid() {
        for model in StageModel::defaults() {
            model.check().expect("default model");
        }
        assert_eq!(StageModel::kotaku().stages.len(), 4);
        assert_eq!(StageModel::seven_d().stages.len(), 7);
        let mut bad = StageModel::kotaku();
        bad.stages[1].code = "persiapan".into();
        assert!(bad.check().unwrap_err().0[0].message.contains("appears twice"));
    }

    #[test]
    fn stages_move_in_order_and_finish_on_their_milestones() {
        let model = StageModel::kotaku();
        let def = &model.stages[1];
        let d = date!(2019 - 04 - 01);
        let fresh = at(StageStatus::NotStarted, &[]);
        assert!(transition(&fresh, Some(StageStatus::InProgress), def, StageMove::Start, d).is_err());
        assert_eq!(transition(&fresh, Some(StageStatus::Done), def, StageMove::Start, d), Ok(StageStatus::InProgress));
        assert_eq!(transition(&fresh, None, def, StageMove::Start, d), Ok(StageStatus::InProgress));
        let half = at(StageStatus::InProgress, &["baseline"]);
        let e = transition(&half, Some(StageStatus::Done), def, StageMove::Finish, d).unwrap_err();
        assert!(e.0[0].message.contains("RPLP 5 tahun disetujui"), "{}", e.0[0].message);
        let full = at(StageStatus::InProgress, &["baseline", "rplp", "ksm"]);
        assert_eq!(transition(&full, Some(StageStatus::Done), def, StageMove::Finish, d), Ok(StageStatus::Done));
        assert!(transition(&full, None, def, StageMove::Finish, date!(2019 - 01 - 01)).is_err());
        assert!(transition(&full, None, def, StageMove::Reopen, d).is_err());
        let done = at(StageStatus::Done, &["baseline", "rplp", "ksm"]);
        assert_eq!(transition(&done, None, def, StageMove::Reopen, d), Ok(StageStatus::InProgress));
        assert!(transition(&done, None, def, StageMove::Start, d).is_err());
    }

    #[test]
    fn a_stage_without_change_stalls() {
        let model = StageModel::kotaku();
        let s = at(StageStatus::InProgress, &[]);
        assert!(!stalled(&s, &model, date!(2019 - 04 - 30)));
        assert!(stalled(&s, &model, date!(2019 - 05 - 01)));
        assert!(!stalled(&at(StageStatus::Done, &[]), &model, date!(2020 - 01 - 01)));
    }
}
