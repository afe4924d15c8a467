//! Frameworks that programs are read through — Mardikanto's four *bina*, Dhamotharan's 7D,
//! the participation stages of a land-optimization program, or an agency's own — and their
//! dimensions. Frameworks are data: activities, findings and evidence are tagged with
//! dimensions, and a new framework needs no code.

pub mod finding;

use serde::{Deserialize, Serialize};

use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, Version};

/// A framework with its dimensions in their order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Framework {
    pub id: Id,
    /// A short stable code (`bina`, `7d`), used by imports and links.
    pub code: Code,
    pub name: String,
    pub description: Option<String>,
    pub dimensions: Vec<Dimension>,
    pub version: Version,
}

impl Framework {
    /// The dimension with this id, if it is one of this framework's.
    pub fn dimension(&self, id: Id) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.id == id)
    }
}

/// One dimension of a framework (Bina Manusia, Dreaming community futures…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dimension {
    pub id: Id,
    pub framework_id: Id,
    pub code: Code,
    pub name: String,
    pub description: Option<String>,
    /// Order within the framework, from 1.
    pub position: i64,
}

/// A framework or dimension code: 1 to 40 of `a-z 0-9 _ -`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Code(String);

impl Code {
    pub fn parse(raw: &str) -> Result<Code, String> {
        let s = raw.trim().to_ascii_lowercase();
        if s.is_empty() {
            return Err("is required".into());
        }
        if s.len() > 40 {
            return Err("must be at most 40 characters".into());
        }
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-')) {
            return Err("may hold only letters a-z, digits, _ and -".into());
        }
        if !s.as_bytes()[0].is_ascii_alphanumeric() {
            return Err("must start with a letter or a digit".into());
        }
        Ok(Code(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFramework {
    pub code: Code,
    pub name: String,
    pub description: Option<String>,
}

/// A framework as a form or the API sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FrameworkDraft {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

impl FrameworkDraft {
    pub fn parse(&self) -> Result<NewFramework, Invalid> {
        let mut c = Checker::new();
        let code = c.field("code", Code::parse(&self.code));
        let name = c.field("name", text::text(&self.name, 1, 150));
        let description = c.field("description", text::optional_text(self.description.as_deref(), 2000));
        c.finish()?;
        match (code, name, description) {
            (Some(code), Some(name), Some(description)) => Ok(NewFramework { code, name, description }),
            _ => Err(Invalid::one("framework", "incomplete")),
        }
    }
}

impl From<&Framework> for FrameworkDraft {
    fn from(f: &Framework) -> Self {
        FrameworkDraft { code: f.code.to_string(), name: f.name.clone(), description: f.description.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDimension {
    pub code: Code,
    pub name: String,
    pub description: Option<String>,
}

/// A dimension as a form or the API sends it; it is added after the framework's last one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DimensionDraft {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

impl DimensionDraft {
    pub fn parse(&self) -> Result<NewDimension, Invalid> {
        let mut c = Checker::new();
        let code = c.field("code", Code::parse(&self.code));
        let name = c.field("name", text::text(&self.name, 1, 150));
        let description = c.field("description", text::optional_text(self.description.as_deref(), 2000));
        c.finish()?;
        match (code, name, description) {
            (Some(code), Some(name), Some(description)) => Ok(NewDimension { code, name, description }),
            _ => Err(Invalid::one("dimension", "incomplete")),
        }
    }
}

/// Parses a list of dimension ids as a form (comma or space separated) or the API (numbers)
/// sends them: each must be a positive id, none twice, at most `max`.
pub fn dimension_ids(raw: &[String], max: usize) -> Result<Vec<Id>, String> {
    let mut out: Vec<Id> = Vec::new();
    for part in raw.iter().flat_map(|r| r.split(|c: char| c == ',' || c.is_whitespace())).filter(|s| !s.is_empty()) {
        let id = text::id(part)?;
        if out.contains(&id) {
            return Err(format!("names dimension {id} twice"));
        }
        out.push(id);
    }
    if out.len() > max {
        return Err(format!("may name at most {max} dimensions"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_slugs() {
        assert_eq!(Code::parse(" Bina ").map(|c| c.to_string()), Ok("bina".into()));
        assert!(Code::parse("7d").is_ok());
        assert!(Code::parse("").is_err());
        assert!(Code::parse("_x").is_err());
        assert!(Code::parse("a b").is_err());
        assert!(Code::parse(&"a".repeat(41)).is_err());
    }

    #[test]
    fn drafts_name_their_fields() {
        let err = FrameworkDraft { code: "a b".into(), name: String::new(), description: None }.parse().unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "name"]);
        let ok = DimensionDraft { code: "manusia".into(), name: "Bina Manusia".into(), description: None }.parse();
        assert_eq!(ok.map(|d| d.code.to_string()), Ok("manusia".into()));
    }

    #[test]
    fn dimension_id_lists() {
        assert_eq!(dimension_ids(&["1, 2 3".into()], 10), Ok(vec![1, 2, 3]));
        assert_eq!(dimension_ids(&["1".into(), "2".into()], 10), Ok(vec![1, 2]));
        assert!(dimension_ids(&["1,1".into()], 10).is_err());
        assert!(dimension_ids(&["x".into()], 10).is_err());
        assert!(dimension_ids(&["1,2,3".into()], 2).is_err());
        assert_eq!(dimension_ids(&[], 2), Ok(vec![]));
    }
}
