//! Qualitative evaluation (Miles & Huberman, read through a framework): a study with its
//! informants and sources ([`Study`], [`Informant`], [`Source`]), a codebook of hierarchical
//! codes tied to framework dimensions and factor roles ([`Code`]), codings of source text by
//! coders ([`Coding`]), conclusions with supporting and contradicting codings
//! ([`Conclusion`]), data displays ([`display`]) and inter-coder agreement ([`agreement`]).
//!
//! Text positions are Unicode code points over the normalised text (newlines `\n`), end
//! exclusive; the text as given is kept beside it.

pub mod agreement;
pub mod display;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::framework::finding::FindingKind;
use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, RegionCode, Version};
use crate::vocabulary;

/// Longest source text, in code points (a long interview transcript is ~100,000).
pub const MAX_SOURCE_CHARS: usize = 2_000_000;

vocabulary! {
    SourceKind {
        Interview => "interview", "Wawancara", "Interview";
        Observation => "observation", "Observasi", "Observation";
        Document => "document", "Dokumen", "Document";
    }
}

vocabulary! {
    Sex {
        Male => "male", "Laki-laki", "Male";
        Female => "female", "Perempuan", "Female";
    }
}

vocabulary! {
    /// Where a coding was made: open coding, the blind phase of an agreement check, or the
    /// coding a reconciliation settled on.
    Phase {
        Open => "open", "Pengodean terbuka", "Open coding";
        Blind => "blind", "Fase buta", "Blind phase";
        Reconciled => "reconciled", "Hasil rekonsiliasi", "Reconciled";
    }
}

vocabulary! {
    ConclusionStatus {
        Tentative => "tentative", "Sementara", "Tentative";
        Verified => "verified", "Terverifikasi", "Verified";
        Rejected => "rejected", "Ditolak", "Rejected";
    }
}

vocabulary! {
    Stance {
        Supports => "supports", "Mendukung", "Supports";
        Contradicts => "contradicts", "Membantah", "Contradicts";
    }
}

vocabulary! {
    /// A program record a study or a source concerns.
    LinkKind {
        Program => "program", "Program", "Program";
        Group => "group", "Kelompok", "Group";
        Activity => "activity", "Kegiatan", "Activity";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Study {
    pub id: Id,
    pub title: String,
    pub question: Option<String>,
    /// The study's area: who may read it (`None`: national, read by national users only).
    pub region: Option<RegionCode>,
    pub region_name: Option<String>,
    /// The framework the study reads its codes through.
    pub framework_id: Option<Id>,
    /// Informant roles the design plans to interview (one per line).
    pub planned_roles: Vec<String>,
    /// In the blind phase each coder sees only their own codings.
    pub blind: bool,
    pub guid: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub version: Version,
    pub links: Vec<(LinkKind, Id)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStudy {
    pub title: String,
    pub question: Option<String>,
    pub region: Option<RegionCode>,
    pub framework_id: Option<Id>,
    pub planned_roles: Vec<String>,
    pub links: Vec<(LinkKind, Id)>,
}

fn ids(raw: Option<&str>) -> Result<Vec<Id>, String> {
    let mut out = Vec::new();
    for part in raw.unwrap_or("").split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
        let id = text::id(part)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Informant roles, one per line (or separated by `;`), each 1–100 characters.
pub fn roles(raw: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in raw.split(['\n', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let r = text::text(part, 1, 100)?;
        if !out.iter().any(|o| o.to_lowercase() == r.to_lowercase()) {
            out.push(r);
        }
    }
    if out.len() > 50 {
        return Err("lists more than 50 roles".into());
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StudyDraft {
    pub title: String,
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub framework_id: Option<String>,
    #[serde(default)]
    pub planned_roles: Option<String>,
    #[serde(default)]
    pub program_ids: Option<String>,
    #[serde(default)]
    pub group_ids: Option<String>,
}

impl StudyDraft {
    pub fn parse(&self) -> Result<NewStudy, Invalid> {
        let mut c = Checker::new();
        let title = c.field("title", text::text(&self.title, 1, 200));
        let question = c.field("question", text::optional_text(self.question.as_deref(), 1000));
        let region = c.field(
            "region",
            match self.region.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(r) => RegionCode::parse(r).map(Some).map_err(|e| e.to_string()),
            },
        );
        let framework_id = c.field("framework_id", optional_id(self.framework_id.as_deref()));
        let planned = c.field("planned_roles", roles(self.planned_roles.as_deref().unwrap_or("")));
        let programs = c.field("program_ids", ids(self.program_ids.as_deref()));
        let groups = c.field("group_ids", ids(self.group_ids.as_deref()));
        c.finish()?;
        match (title, question, region, framework_id, planned, programs, groups) {
            (Some(title), Some(question), Some(region), Some(framework_id), Some(planned_roles), Some(p), Some(g)) => {
                let links = p
                    .into_iter()
                    .map(|id| (LinkKind::Program, id))
                    .chain(g.into_iter().map(|id| (LinkKind::Group, id)))
                    .collect();
                Ok(NewStudy { title, question, region, framework_id, planned_roles, links })
            }
            _ => Err(Invalid::one("study", "is invalid")),
        }
    }
}

fn optional_id(raw: Option<&str>) -> Result<Option<Id>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => text::id(s).map(Some),
    }
}

/// A person interviewed or observed, known in the study by a pseudonym.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Informant {
    pub id: Id,
    pub study_id: Id,
    pub pseudonym: String,
    /// Personal: shown only to roles that need it, each showing audited.
    pub real_name: Option<String>,
    /// `Kepala Dinas`, `Ketua Kelompok Tani`…: what matrices and triangulation group by.
    pub role: String,
    pub sex: Option<Sex>,
    pub organisation: Option<String>,
    pub sampling_note: Option<String>,
    pub consent_on: Option<Date>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInformant {
    pub pseudonym: String,
    pub real_name: Option<String>,
    pub role: String,
    pub sex: Option<Sex>,
    pub organisation: Option<String>,
    pub sampling_note: Option<String>,
    pub consent_on: Option<Date>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InformantDraft {
    pub pseudonym: String,
    #[serde(default)]
    pub real_name: Option<String>,
    pub role: String,
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub sampling_note: Option<String>,
    #[serde(default)]
    pub consent_on: Option<String>,
}

impl InformantDraft {
    pub fn parse(&self) -> Result<NewInformant, Invalid> {
        let mut c = Checker::new();
        let pseudonym = c.field("pseudonym", text::text(&self.pseudonym, 1, 60));
        let real_name = c.field("real_name", text::optional_text(self.real_name.as_deref(), 150));
        let role = c.field("role", text::text(&self.role, 1, 100));
        let sex = c.field(
            "sex",
            match self.sex.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(s) => Sex::parse(s).map(Some),
            },
        );
        let organisation = c.field("organisation", text::optional_text(self.organisation.as_deref(), 150));
        let sampling_note = c.field("sampling_note", text::optional_text(self.sampling_note.as_deref(), 500));
        let consent_on = c.field("consent_on", text::optional_date(self.consent_on.as_deref()));
        c.finish()?;
        match (pseudonym, real_name, role, sex, organisation, sampling_note, consent_on) {
            (
                Some(pseudonym),
                Some(real_name),
                Some(role),
                Some(sex),
                Some(organisation),
                Some(sampling_note),
                Some(consent_on),
            ) => Ok(NewInformant { pseudonym, real_name, role, sex, organisation, sampling_note, consent_on }),
            _ => Err(Invalid::one("informant", "is invalid")),
        }
    }
}

/// A transcript, observation notes or a document, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub id: Id,
    pub study_id: Id,
    pub title: String,
    pub kind: SourceKind,
    pub taken_on: Option<Date>,
    pub place: Option<String>,
    /// The text with newlines normalised: what positions count in.
    pub body: String,
    /// The text exactly as given (pasted or read from the file).
    pub original: String,
    pub file_name: Option<String>,
    /// Length of `body` in code points.
    pub chars: u32,
    pub guid: String,
    pub version: Version,
    pub informants: Vec<Id>,
    pub links: Vec<(LinkKind, Id)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    pub title: String,
    pub kind: SourceKind,
    pub taken_on: Option<Date>,
    pub place: Option<String>,
    pub original: String,
    pub file_name: Option<String>,
    pub informants: Vec<Id>,
    pub links: Vec<(LinkKind, Id)>,
}

impl NewSource {
    /// The normalised text: `\r\n` and `\r` become `\n`.
    pub fn body(&self) -> String {
        normalise(&self.original)
    }
}

/// Newlines normalised: `\r\n` and a lone `\r` become `\n`; nothing else changes.
pub fn normalise(raw: &str) -> String {
    if !raw.contains('\r') {
        return raw.to_string();
    }
    raw.replace("\r\n", "\n").replace('\r', "\n")
}

/// Checks a source's text: not empty, within [`MAX_SOURCE_CHARS`], no NUL or other control
/// characters besides tab and newlines.
pub fn source_text(raw: &str) -> Result<String, String> {
    if raw.trim().is_empty() {
        return Err("is required".into());
    }
    let n = raw.chars().count();
    if n > MAX_SOURCE_CHARS {
        return Err(format!("is longer than {MAX_SOURCE_CHARS} characters ({n})"));
    }
    if let Some((i, c)) = raw.chars().enumerate().find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(format!("contains a control character (U+{:04X}) at character {}", c as u32, i + 1));
    }
    Ok(raw.to_string())
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceDraft {
    pub title: String,
    pub kind: String,
    #[serde(default)]
    pub taken_on: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    /// The text; a form may send a file instead (read into this by the web layer).
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub informant_ids: Option<String>,
    #[serde(default)]
    pub program_ids: Option<String>,
    #[serde(default)]
    pub group_ids: Option<String>,
    #[serde(default)]
    pub activity_ids: Option<String>,
}

impl SourceDraft {
    pub fn parse(&self) -> Result<NewSource, Invalid> {
        let mut c = Checker::new();
        let title = c.field("title", text::text(&self.title, 1, 200));
        let kind = c.field("kind", SourceKind::parse(&self.kind));
        let taken_on = c.field("taken_on", text::optional_date(self.taken_on.as_deref()));
        let place = c.field("place", text::optional_text(self.place.as_deref(), 200));
        let original = c.field("text", source_text(&self.text));
        let file_name = c.field("file_name", text::optional_text(self.file_name.as_deref(), 200));
        let informants = c.field("informant_ids", ids(self.informant_ids.as_deref()));
        let programs = c.field("program_ids", ids(self.program_ids.as_deref()));
        let groups = c.field("group_ids", ids(self.group_ids.as_deref()));
        let activities = c.field("activity_ids", ids(self.activity_ids.as_deref()));
        c.finish()?;
        match (title, kind, taken_on, place, original, file_name, informants, programs, groups, activities) {
            (
                Some(title),
                Some(kind),
                Some(taken_on),
                Some(place),
                Some(original),
                Some(file_name),
                Some(informants),
                Some(p),
                Some(g),
                Some(a),
            ) => {
                let links = p
                    .into_iter()
                    .map(|id| (LinkKind::Program, id))
                    .chain(g.into_iter().map(|id| (LinkKind::Group, id)))
                    .chain(a.into_iter().map(|id| (LinkKind::Activity, id)))
                    .collect();
                Ok(NewSource { title, kind, taken_on, place, original, file_name, informants, links })
            }
            _ => Err(Invalid::one("source", "is invalid")),
        }
    }
}

/// A span of a source replaced by a placeholder when the source is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub id: Id,
    pub source_id: Id,
    pub start: u32,
    pub end: u32,
    /// `[nama]`, `[desa]`…
    pub label: String,
    pub created_by: String,
}

/// Who coded: a Berdaya user, or a coder named in an imported project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coder {
    pub id: Id,
    pub study_id: Id,
    pub name: String,
    pub user_id: Option<Id>,
    pub guid: String,
}

/// A code of a study's codebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub id: Id,
    pub study_id: Id,
    pub name: String,
    pub description: Option<String>,
    /// `#RRGGBB`.
    pub color: String,
    /// Whether what it marks supports, inhibits or answers (an effort).
    pub role: Option<FindingKind>,
    pub guid: String,
    pub position: i64,
    pub version: Version,
    /// Codes it sits under (several allowed).
    pub parents: Vec<Id>,
    /// Framework dimensions it speaks to.
    pub dimensions: Vec<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    pub name: String,
    pub description: Option<String>,
    pub color: String,
    pub role: Option<FindingKind>,
    pub parents: Vec<Id>,
    pub dimensions: Vec<Id>,
}

/// A colour written `#RRGGBB` (lower-cased).
pub fn color(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let ok = s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok { Ok(s.to_ascii_lowercase()) } else { Err("must be a colour written #RRGGBB".into()) }
}

/// The colours new codes take in turn.
pub const PALETTE: [&str; 8] = ["#f4a261", "#2a9d8f", "#e9c46a", "#8ab17d", "#e76f51", "#a8dadc", "#cdb4db", "#ffafcc"];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CodeDraft {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub parent_ids: Option<String>,
    #[serde(default)]
    pub dimension_ids: Option<String>,
}

impl CodeDraft {
    pub fn parse(&self) -> Result<NewCode, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 120));
        let description = c.field("description", text::optional_text(self.description.as_deref(), 2000));
        let color = c.field(
            "color",
            match self.color.as_deref().map(str::trim) {
                None | Some("") => Ok(PALETTE[0].to_string()),
                Some(s) => color(s),
            },
        );
        let role = c.field(
            "role",
            match self.role.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(s) => FindingKind::parse(s).map(Some),
            },
        );
        let parents = c.field("parent_ids", ids(self.parent_ids.as_deref()));
        let dimensions = c.field("dimension_ids", ids(self.dimension_ids.as_deref()));
        c.finish()?;
        match (name, description, color, role, parents, dimensions) {
            (Some(name), Some(description), Some(color), Some(role), Some(parents), Some(dimensions)) => {
                Ok(NewCode { name, description, color, role, parents, dimensions })
            }
            _ => Err(Invalid::one("code", "is invalid")),
        }
    }
}

/// A code applied to a span of a source by a coder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    pub id: Id,
    pub source_id: Id,
    pub code_id: Id,
    pub coder_id: Id,
    pub start: u32,
    pub end: u32,
    /// The text coded, as it was when coded (re-anchors the coding if the text changes).
    pub quote: String,
    pub memo: Option<String>,
    pub phase: Phase,
    pub guid: String,
    /// The selection (span) the coding belongs to in a REFI-QDA project.
    pub selection_guid: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCoding {
    pub source_id: Id,
    pub code_id: Id,
    pub start: u32,
    pub end: u32,
    pub memo: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CodingDraft {
    pub source_id: String,
    pub code_id: String,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub memo: Option<String>,
}

impl CodingDraft {
    pub fn parse(&self) -> Result<NewCoding, Invalid> {
        let mut c = Checker::new();
        let source_id = c.field("source_id", text::id(&self.source_id));
        let code_id = c.field("code_id", text::id(&self.code_id));
        let start = c.field("start", position(&self.start));
        let end = c.field("end", position(&self.end));
        let memo = c.field("memo", text::optional_text(self.memo.as_deref(), 2000));
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            c.push("end", "must be after the start (select some text)");
        }
        c.finish()?;
        match (source_id, code_id, start, end, memo) {
            (Some(source_id), Some(code_id), Some(start), Some(end), Some(memo)) => {
                Ok(NewCoding { source_id, code_id, start, end, memo })
            }
            _ => Err(Invalid::one("coding", "is invalid")),
        }
    }
}

fn position(raw: &str) -> Result<u32, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    s.parse::<u32>().map_err(|_| "must be a whole number of characters from the start".into())
}

/// A claim an evaluator draws, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    pub id: Id,
    pub study_id: Id,
    pub claim: String,
    pub status: ConclusionStatus,
    pub guid: String,
    /// The program finding it became, if any.
    pub finding_id: Option<Id>,
    pub created_at: OffsetDateTime,
    pub version: Version,
    /// Codings behind it, supporting or contradicting.
    pub evidence: Vec<(Id, Stance)>,
}

/// One step of a conclusion's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConclusionEvent {
    pub status: ConclusionStatus,
    pub claim: String,
    pub note: Option<String>,
    pub actor: String,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConclusionDraft {
    pub claim: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A checked claim, status and note of a conclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConclusion {
    pub claim: String,
    pub status: ConclusionStatus,
    pub note: Option<String>,
}

impl ConclusionDraft {
    pub fn parse(&self) -> Result<NewConclusion, Invalid> {
        let mut c = Checker::new();
        let claim = c.field("claim", text::text(&self.claim, 1, 2000));
        let status = c.field(
            "status",
            match self.status.as_deref().map(str::trim) {
                None | Some("") => Ok(ConclusionStatus::Tentative),
                Some(s) => ConclusionStatus::parse(s),
            },
        );
        let note = c.field("note", text::optional_text(self.note.as_deref(), 1000));
        c.finish()?;
        match (claim, status, note) {
            (Some(claim), Some(status), Some(note)) => Ok(NewConclusion { claim, status, note }),
            _ => Err(Invalid::one("conclusion", "is invalid")),
        }
    }
}

/// A GUID derived from `seed` (stable: the same seed always gives the same GUID), for records
/// made on export such as the sets of framework dimensions.
pub fn derived_guid(seed: &str) -> String {
    // Two FNV-1a passes with different offsets give 128 bits.
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x84222325_cbf29ce4;
    for byte in seed.bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(7);
    }
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    new_guid(bytes)
}

/// A random (version 4) GUID in the REFI-QDA form `8-4-4-4-12`, upper-case hex.
pub fn new_guid(bytes: [u8; 16]) -> String {
    let mut b = bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Whether `raw` is a GUID in the REFI-QDA form.
pub fn is_guid(raw: &str) -> bool {
    let parts: Vec<&str> = raw.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_have_the_refi_form() {
        let g = new_guid([0xab; 16]);
        assert!(is_guid(&g), "{g}");
        assert_eq!(&g[14..15], "4");
        assert!(!is_guid("ABC"));
    }

    #[test]
    fn newlines_are_normalised_and_nothing_else() {
        assert_eq!(normalise("a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(normalise("tab\there"), "tab\there");
    }

    #[test]
    fn coding_needs_a_selection() {
        let d =
            CodingDraft { source_id: "1".into(), code_id: "2".into(), start: "5".into(), end: "5".into(), memo: None };
        let e = d.parse().unwrap_err();
        assert!(e.to_string().contains("end"), "{e}");
        let d = CodingDraft { end: "9".into(), ..d };
        assert_eq!(d.parse().unwrap().end, 9);
    }

    #[test]
    fn roles_are_lines_without_repeats() {
        assert_eq!(roles("Kepala Dinas\nkepala dinas; Penyuluh\n").unwrap(), vec!["Kepala Dinas", "Penyuluh"]);
    }

    #[test]
    fn source_text_refuses_control_characters() {
        assert!(source_text("ok\r\nfine\tthere").is_ok());
        assert!(source_text("bad\u{0}").unwrap_err().contains("U+0000"));
        assert!(source_text("   ").is_err());
    }
}
