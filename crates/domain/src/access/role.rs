//! Roles, users and the principal a request acts as.
//!
//! A user has one role and may be bound to a region subtree (`area`): a user bound to a
//! regency sees nothing outside it. A user with no area works nationally.

use serde::Serialize;

use crate::registry::text::{Checker, optional_text, text};
use crate::registry::{Id, Invalid, RegionCode, Version};

/// Database identity of a user account.
pub type UserId = i64;

crate::vocabulary! {
    /// What a user may do. Each role is described in `docs` and enforced by [`Principal`].
    Role {
        /// Everything, everywhere in their area, including accounts and the audit log.
        Administrator => "administrator", "Administrator", "Administrator";
        /// The programs of their agency, and the registry, within their area.
        ProgramOfficer => "program_officer", "Petugas Program", "Program officer";
        /// Only the households, people and groups assigned to them.
        Facilitator => "facilitator", "Pendamping", "Facilitator";
        /// Their own group, its members and its books.
        GroupOfficer => "group_officer", "Pengurus Kelompok", "Group officer";
        /// Surveys and qualitative material; the registry only de-identified.
        Evaluator => "evaluator", "Evaluator", "Evaluator";
        /// Aggregates only.
        Viewer => "viewer", "Pemantau", "Viewer";
    }
}

/// A login name: 3 to 32 of `a-z 0-9 . _ -`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, String> {
        let s = raw.trim().to_ascii_lowercase();
        if s.is_empty() {
            return Err("is required".into());
        }
        if !(3..=32).contains(&s.len()) {
            return Err("must be 3 to 32 characters".into());
        }
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')) {
            return Err("may hold only letters a-z, digits and . _ -".into());
        }
        if !s.as_bytes()[0].is_ascii_alphanumeric() {
            return Err("must start with a letter or a digit".into());
        }
        Ok(Username(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user account as stored (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    /// The region subtree the user is bound to; `None` is the whole country.
    pub area: Option<RegionCode>,
    /// The agency a program officer works for.
    pub agency_id: Option<Id>,
    /// The group a group officer serves.
    pub group_id: Option<Id>,
    pub disabled: bool,
    pub version: Version,
}

/// A validated new account (or the new state of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub area: Option<RegionCode>,
    pub agency_id: Option<Id>,
    pub group_id: Option<Id>,
}

/// An account as typed into a form, the API or the CLI.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserDraft {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub area: Option<String>,
    pub agency_id: Option<Id>,
    pub group_id: Option<Id>,
}

impl UserDraft {
    pub fn parse(&self) -> Result<NewUser, Invalid> {
        let mut c = Checker::new();
        let username = c.field("username", Username::parse(&self.username));
        let display_name = c.field("display_name", text(&self.display_name, 1, 120));
        let role = c.field("role", Role::parse(&self.role));
        let area = c.field(
            "area",
            optional_text(self.area.as_deref(), 40).and_then(|a| a.map(|a| RegionCode::parse(&a)).transpose()),
        );
        if let Some(role) = role {
            match (role, self.agency_id) {
                (Role::ProgramOfficer, None) => c.push("agency_id", "a program officer needs an agency"),
                (Role::ProgramOfficer, _) | (Role::Administrator, _) => {}
                (_, Some(_)) => c.push("agency_id", "only a program officer has an agency"),
                _ => {}
            }
            match (role, self.group_id) {
                (Role::GroupOfficer, None) => c.push("group_id", "a group officer needs a group"),
                (Role::GroupOfficer, _) => {}
                (_, Some(_)) => c.push("group_id", "only a group officer has a group"),
                _ => {}
            }
        }
        c.finish()?;
        match (username, display_name, role, area) {
            (Some(username), Some(display_name), Some(role), Some(area)) => {
                Ok(NewUser { username, display_name, role, area, agency_id: self.agency_id, group_id: self.group_id })
            }
            _ => Err(Invalid::one("user", "is invalid")),
        }
    }
}

/// A region asked for lies outside the user's area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsideArea;

/// How much of one registry record a principal may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAccess {
    /// Not at all: answered exactly as a record that does not exist.
    None,
    /// Only de-identified: pseudonym, bands, no NIK, KK, name, birth date or address.
    Deidentified,
    /// Names and details, with NIK and KK masked.
    Masked,
    /// Everything, NIK and KK in full (each such view is recorded).
    Full,
}

/// Who a request acts as: a signed-in user, or an API token scoped like one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user: User,
    /// Set when the request came with an API token rather than a session.
    pub token_id: Option<i64>,
}

impl Principal {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// How the actor is named in the audit log: `username` or `username (token 7)`.
    pub fn actor_name(&self) -> String {
        match self.token_id {
            Some(t) => format!("{} (token {t})", self.user.username),
            None => self.user.username.to_string(),
        }
    }

    /// Whether `region` lies in the user's area (always, for a national user).
    pub fn in_area(&self, region: &RegionCode) -> bool {
        self.user.area.as_ref().is_none_or(|area| area.contains(region))
    }

    /// The narrowest region filter allowed for a search that asked for `wanted`:
    /// `Ok(None)` for the whole country, `Err(OutsideArea)` when the wanted region is outside the area
    /// (the search finds nothing).
    pub fn narrow(&self, wanted: Option<&RegionCode>) -> Result<Option<RegionCode>, OutsideArea> {
        match (&self.user.area, wanted) {
            (None, w) => Ok(w.cloned()),
            (Some(area), None) => Ok(Some(area.clone())),
            (Some(area), Some(w)) if area.contains(w) => Ok(Some(w.clone())),
            (Some(area), Some(w)) if w.contains(area) => Ok(Some(area.clone())),
            _ => Err(OutsideArea),
        }
    }

    /// Whether the role reads personal registry records at all (households, people, members).
    pub fn reads_registry(&self) -> bool {
        !matches!(self.role(), Role::Viewer)
    }

    /// Whether the role may open any household at all: group officers see their members,
    /// never their households (see [`Principal::record_access`] of a household), so nothing
    /// lists households to them.
    pub fn opens_households(&self) -> bool {
        self.reads_registry() && !matches!(self.role(), Role::Evaluator | Role::GroupOfficer)
    }

    /// Access to a household or person in `region` (`None`: a person without a household),
    /// given whether it is assigned to this user (facilitators) or belongs to their group
    /// (group officers).
    pub fn record_access(&self, region: Option<&RegionCode>, assigned: bool, in_own_group: bool) -> RecordAccess {
        let in_area = match region {
            Some(r) => self.in_area(r),
            None => self.user.area.is_none(),
        };
        match self.role() {
            Role::Administrator | Role::ProgramOfficer if in_area => RecordAccess::Full,
            Role::Facilitator if in_area && assigned => RecordAccess::Full,
            Role::GroupOfficer if in_area && in_own_group => RecordAccess::Masked,
            Role::Evaluator if in_area => RecordAccess::Deidentified,
            _ => RecordAccess::None,
        }
    }

    /// Whether the role may create or edit households and people (within what it may see
    /// in full).
    pub fn edits_registry(&self) -> bool {
        matches!(self.role(), Role::Administrator | Role::ProgramOfficer | Role::Facilitator)
    }

    /// Whether the role may add new households and people (facilitators edit only what is
    /// assigned to them).
    pub fn creates_registry(&self) -> bool {
        matches!(self.role(), Role::Administrator | Role::ProgramOfficer)
    }

    /// Whether the role may change regions, agencies and their staff.
    pub fn manages_reference_data(&self) -> bool {
        self.role() == Role::Administrator
    }

    /// Whether the role may create or edit programs of `agency_id` and enroll into them.
    pub fn manages_program(&self, agency_id: Id) -> bool {
        match self.role() {
            Role::Administrator => true,
            Role::ProgramOfficer => self.user.agency_id == Some(agency_id),
            _ => false,
        }
    }

    /// Whether the role sees programs and agencies (non-personal records) in its area.
    pub fn reads_programs(&self) -> bool {
        !matches!(self.role(), Role::Viewer)
    }

    /// Whether the role reads survey analyses and qualitative material.
    pub fn reads_surveys(&self) -> bool {
        matches!(self.role(), Role::Administrator | Role::ProgramOfficer | Role::Evaluator)
    }

    /// Whether the role may upload survey analyses.
    pub fn writes_surveys(&self) -> bool {
        matches!(self.role(), Role::Administrator | Role::Evaluator)
    }

    /// Whether the role may export the registry with identities (masked per role).
    pub fn exports_registry(&self) -> bool {
        matches!(self.role(), Role::Administrator | Role::ProgramOfficer | Role::Facilitator)
    }

    /// Whether the role may export the de-identified registry.
    pub fn exports_deidentified(&self) -> bool {
        matches!(self.role(), Role::Administrator | Role::ProgramOfficer | Role::Evaluator)
    }

    /// Accounts, API tokens of others, the audit log.
    pub fn administers(&self) -> bool {
        self.role() == Role::Administrator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, area: Option<&str>) -> Principal {
        Principal {
            user: User {
                id: 1,
                username: Username::parse("siti").unwrap(),
                display_name: "Siti".into(),
                role,
                area: area.map(|a| RegionCode::parse(a).unwrap()),
                agency_id: Some(4),
                group_id: None,
                disabled: false,
                version: 1,
            },
            token_id: None,
        }
    }

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn usernames_are_checked() {
        assert_eq!(Username::parse(" Siti.R ").unwrap().as_str(), "siti.r");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("_abc").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("<script>").is_err());
    }

    #[test]
    fn a_regency_user_sees_nothing_outside_it() {
        let p = user(Role::ProgramOfficer, Some("33.16"));
        assert!(p.in_area(&code("33.16.02.2001")));
        assert!(!p.in_area(&code("33.17")));
        assert!(!p.in_area(&code("33")));
        assert_eq!(p.narrow(None), Ok(Some(code("33.16"))));
        assert_eq!(p.narrow(Some(&code("33"))), Ok(Some(code("33.16"))));
        assert_eq!(p.narrow(Some(&code("33.16.02"))), Ok(Some(code("33.16.02"))));
        assert_eq!(p.narrow(Some(&code("35.79"))), Err(OutsideArea));
        assert_eq!(p.record_access(Some(&code("35.79.01")), false, false), RecordAccess::None);
        assert_eq!(p.record_access(None, false, false), RecordAccess::None);
    }

    #[test]
    fn each_role_sees_its_share() {
        let r = code("33.16.02.2001");
        let access = |role| user(role, None).record_access(Some(&r), false, false);
        assert_eq!(access(Role::Administrator), RecordAccess::Full);
        assert_eq!(access(Role::ProgramOfficer), RecordAccess::Full);
        assert_eq!(access(Role::Facilitator), RecordAccess::None);
        assert_eq!(user(Role::Facilitator, None).record_access(Some(&r), true, false), RecordAccess::Full);
        assert_eq!(access(Role::GroupOfficer), RecordAccess::None);
        assert_eq!(user(Role::GroupOfficer, None).record_access(Some(&r), false, true), RecordAccess::Masked);
        assert_eq!(access(Role::Evaluator), RecordAccess::Deidentified);
        assert_eq!(access(Role::Viewer), RecordAccess::None);
    }

    #[test]
    fn drafts_need_what_their_role_needs() {
        let d = UserDraft {
            username: "budi".into(),
            display_name: "Budi".into(),
            role: "program_officer".into(),
            ..Default::default()
        };
        let err = d.parse().unwrap_err();
        assert_eq!(err.0[0].field, "agency_id");
        let ok = UserDraft { agency_id: Some(2), area: Some("33.16".into()), ..d }.parse().unwrap();
        assert_eq!(ok.area, Some(code("33.16")));
        let bad_role = UserDraft { role: "root".into(), ..Default::default() }.parse().unwrap_err();
        assert!(bad_role.0.iter().any(|e| e.field == "role"));
    }
}
