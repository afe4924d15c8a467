//! P2K2 (Pertemuan Peningkatan Kemampuan Keluarga), PKH's monthly family development
//! sessions: the module and session catalogue (data, with a shipped default of 5 modules and
//! 14 sessions plus the stunting module added later) and a family's progress through it.

use std::collections::HashSet;

use serde::Serialize;

use crate::registry::Invalid;
use crate::registry::text;

/// A module of the catalogue with its sessions, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Module {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub position: i64,
    /// Added after the original five (the stunting module).
    pub added_later: bool,
    pub sessions: Vec<Session>,
}

/// A session of a module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub id: i64,
    pub module_id: i64,
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub position: i64,
}

/// A session as typed: a code unique in the catalogue (letters, digits, `.`, `_`, `-`) and
/// its titles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub module_id: i64,
    pub code: String,
    pub title: String,
    pub title_en: String,
}

impl NewSession {
    pub fn parse(module_id: i64, code: &str, title: &str, title_en: &str) -> Result<NewSession, Invalid> {
        let mut c = text::Checker::new();
        let code = c.field("code", session_code(code));
        let title = c.field("title", text::text(title, 1, 200));
        let title_en = c.field("title_en", text::text(title_en, 0, 200));
        c.finish()?;
        match (code, title, title_en) {
            (Some(code), Some(title), Some(title_en)) => Ok(NewSession { module_id, code, title, title_en }),
            _ => Err(Invalid::one("session", "incomplete")),
        }
    }
}

fn session_code(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    if s.len() > 20 || !s.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-')) {
        return Err("must be up to 20 letters, digits, `.`, `_` or `-`".into());
    }
    Ok(s.to_ascii_uppercase())
}

/// A module of the shipped default: code, Indonesian and English titles, added later, and
/// its sessions (code, Indonesian, English).
pub struct DefaultModule {
    pub code: &'static str,
    pub title: &'static str,
    pub title_en: &'static str,
    pub added_later: bool,
    pub sessions: &'static [(&'static str, &'static str, &'static str)],
}

/// The shipped catalogue: five modules with 14 sessions (parenting & education 4, family
/// finance 3, health & nutrition 3, child protection 2, social welfare 2) and the stunting
/// module added later (its session count differs between sources: two here, editable).
pub const DEFAULT_CATALOGUE: &[DefaultModule] = &[
    DefaultModule {
        code: "PENDIDIKAN",
        title: "Pengasuhan dan Pendidikan Anak",
        title_en: "Parenting and education",
        added_later: false,
        sessions: &[
            ("P1.1", "Menjadi orang tua yang lebih baik", "Becoming better parents"),
            ("P1.2", "Memahami perilaku anak", "Understanding children's behaviour"),
            ("P1.3", "Memahami cara anak usia dini belajar", "How young children learn"),
            ("P1.4", "Membantu anak sukses di sekolah", "Helping children succeed at school"),
        ],
    },
    DefaultModule {
        code: "EKONOMI",
        title: "Pengelolaan Keuangan dan Perencanaan Usaha",
        title_en: "Family finance",
        added_later: false,
        sessions: &[
            ("P2.1", "Mengelola keuangan keluarga", "Managing the family's money"),
            ("P2.2", "Cermat meminjam dan menabung", "Borrowing and saving wisely"),
            ("P2.3", "Memulai usaha", "Starting a business"),
        ],
    },
    DefaultModule {
        code: "KESEHATAN",
        title: "Kesehatan dan Gizi",
        title_en: "Health and nutrition",
        added_later: false,
        sessions: &[
            ("P3.1", "Gizi dan layanan ibu hamil", "Pregnant women: nutrition and care"),
            ("P3.2", "Gizi dan layanan ibu menyusui dan balita", "Breastfeeding mothers and under-fives"),
            ("P3.3", "Kesakitan anak dan kesehatan lingkungan", "Childhood illness and environmental health"),
        ],
    },
    DefaultModule {
        code: "PERLINDUNGAN",
        title: "Perlindungan Anak",
        title_en: "Child protection",
        added_later: false,
        sessions: &[
            ("P4.1", "Pencegahan kekerasan dan perlakuan salah pada anak", "Violence against and abuse of children"),
            ("P4.2", "Penelantaran dan eksploitasi anak", "Neglect and exploitation of children"),
        ],
    },
    DefaultModule {
        code: "KESEJAHTERAAN",
        title: "Kesejahteraan Sosial",
        title_en: "Social welfare",
        added_later: false,
        sessions: &[
            ("P5.1", "Pentingnya layanan disabilitas berat", "Care of people with severe disabilities"),
            ("P5.2", "Lanjut usia yang sejahtera", "Well-being of the elderly"),
        ],
    },
    DefaultModule {
        code: "STUNTING",
        title: "Pencegahan Stunting",
        title_en: "Stunting prevention",
        added_later: true,
        sessions: &[
            ("P6.1", "Mengenal stunting dan 1000 hari pertama kehidupan", "Stunting and the first 1,000 days"),
            ("P6.2", "Pola asuh dan makan untuk mencegah stunting", "Feeding and care against stunting"),
        ],
    },
];

/// A cohort: a group of a PKH program's families meeting monthly with their facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cohort {
    pub id: i64,
    pub program_id: i64,
    pub name: String,
    /// Where it meets (a village or below).
    pub region: String,
    pub facilitator_id: Option<i64>,
    pub version: i64,
}

/// A cohort as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCohort {
    pub program_id: i64,
    pub name: String,
    pub region: String,
    pub facilitator_id: Option<i64>,
}

impl NewCohort {
    pub fn parse(program_id: i64, name: &str, region: &str, facilitator_id: Option<i64>) -> Result<NewCohort, Invalid> {
        let mut c = text::Checker::new();
        let name = c.field("name", text::text(name, 1, 120));
        let region = c.field("region", text::text(region, 1, 40));
        c.finish()?;
        match (name, region) {
            (Some(name), Some(region)) => Ok(NewCohort { program_id, name, region, facilitator_id }),
            _ => Err(Invalid::one("cohort", "incomplete")),
        }
    }
}

/// A family's progress in one module: distinct sessions attended over the module's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleProgress {
    pub module_id: i64,
    pub code: String,
    pub attended: usize,
    pub total: usize,
}

/// A family's progress through the catalogue, from the ids of the sessions a member of the
/// family attended (present); sessions of no module are ignored, repeats count once.
pub fn progress(catalogue: &[Module], attended: &HashSet<i64>) -> Vec<ModuleProgress> {
    catalogue
        .iter()
        .map(|m| ModuleProgress {
            module_id: m.id,
            code: m.code.clone(),
            attended: m.sessions.iter().filter(|s| attended.contains(&s.id)).count(),
            total: m.sessions.len(),
        })
        .collect()
}

/// The sessions attended and the catalogue's total, over every module.
pub fn overall(progress: &[ModuleProgress]) -> (usize, usize) {
    (progress.iter().map(|p| p.attended).sum(), progress.iter().map(|p| p.total).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_has_five_modules_of_fourteen_sessions_and_stunting() {
        let original: Vec<usize> =
            DEFAULT_CATALOGUE.iter().filter(|m| !m.added_later).map(|m| m.sessions.len()).collect();
        assert_eq!(original, [4, 3, 3, 2, 2]);
        assert_eq!(original.iter().sum::<usize>(), 14);
        assert!(DEFAULT_CATALOGUE.iter().any(|m| m.added_later && m.code == "STUNTING"));
        let mut codes: Vec<&str> = DEFAULT_CATALOGUE.iter().flat_map(|m| m.sessions.iter().map(|s| s.0)).collect();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n, "session codes are unique");
    }

    #[test]
    fn progress_counts_distinct_sessions_per_module() {
        let session = |id, module_id| Session {
            id,
            module_id,
            code: format!("S{id}"),
            title: String::new(),
            title_en: String::new(),
            position: id,
        };
        let module = |id, sessions: Vec<Session>| Module {
            id,
            code: format!("M{id}"),
            title: String::new(),
            title_en: String::new(),
            position: id,
            added_later: false,
            sessions,
        };
        let cat = vec![module(1, vec![session(10, 1), session(11, 1)]), module(2, vec![session(20, 2)])];
        let p = progress(&cat, &HashSet::from([10, 99]));
        assert_eq!((p[0].attended, p[0].total, p[1].attended, p[1].total), (1, 2, 0, 1));
        assert_eq!(overall(&p), (1, 3));
    }

    #[test]
    fn a_session_code_is_checked() {
        assert!(NewSession::parse(1, "p6.3", "Sesi", "").is_ok());
        assert_eq!(NewSession::parse(1, "", "Sesi", "").unwrap_err().0[0].field, "code");
        assert_eq!(NewSession::parse(1, "a b", "Sesi", "").unwrap_err().0[0].field, "code");
        assert_eq!(NewSession::parse(1, "X", " ", "").unwrap_err().0[0].field, "title");
    }
}
