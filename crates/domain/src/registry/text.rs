//! Field-level validation errors and the small parsers every draft shares.

use std::fmt;

use serde::Serialize;
use time::Date;

/// One broken rule on one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the user sees it in the API and in import files (e.g. `nik`).
    pub field: String,
    /// The rule it broke, in plain words.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Every rule a draft broke. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct Invalid(pub Vec<FieldError>);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.message)?;
        }
        Ok(())
    }
}

impl Invalid {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid(vec![FieldError::new(field, message)])
    }
}

/// Collects field errors while a draft is parsed field by field.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value or records the error under `field`.
    pub fn field<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.errors.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Ends the check: `Ok(())` when no rule was broken.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() { Ok(()) } else { Err(Invalid(self.errors)) }
    }
}

/// Trimmed text with no control characters, between `min` and `max` characters long.
pub fn text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let s = raw.trim();
    let len = s.chars().count();
    if len < min {
        return Err(if min == 1 { "is required".into() } else { format!("needs at least {min} characters") });
    }
    if len > max {
        return Err(format!("is longer than {max} characters ({len})"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("contains control characters".into());
    }
    if let Some(c) = s.chars().find(|&c| hidden_char(c)) {
        return Err(format!("contains an invisible or reserved character (U+{:04X})", c as u32));
    }
    Ok(s.to_string())
}

/// Characters a name must not hold: they are invisible or reorder what is shown (bidi controls,
/// zero-width characters, the byte-order mark), reserved (noncharacters such as U+FFFF), or
/// private-use, so two names that look the same could differ and a name could disguise another.
pub fn hidden_char(c: char) -> bool {
    let u = c as u32;
    matches!(u,
        0x200B..=0x200F            // zero-width space, joiners, LRM/RLM
        | 0x2028..=0x202E          // line/paragraph separators, bidi embeddings and overrides
        | 0x2060..=0x206F          // word joiner, invisible operators, bidi isolates
        | 0x061C | 0x180E | 0xFEFF // Arabic letter mark, Mongolian vowel separator, BOM
        | 0xFFF9..=0xFFFB          // interlinear annotation
        | 0xFDD0..=0xFDEF          // noncharacters
        | 0xE000..=0xF8FF          // private use
        | 0xF0000..=0x10FFFF       // supplementary private use
        | 0xE0000..=0xE007F        // tags
    ) || u & 0xFFFE == 0xFFFE // U+FFFE, U+FFFF and their kin in every plane
}

/// Optional text: blank means none.
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => text(s, 1, max).map(Some),
    }
}

const ISO_DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A calendar date written `YYYY-MM-DD`.
pub fn date(raw: &str) -> Result<Date, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    Date::parse(s, ISO_DATE).map_err(|_| format!("`{}` is not a date written YYYY-MM-DD", shorten(s)))
}

/// An optional date: blank means none.
pub fn optional_date(raw: Option<&str>) -> Result<Option<Date>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => date(s).map(Some),
    }
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    d.format(ISO_DATE).unwrap_or_default()
}

/// A record id written as a positive integer.
pub fn id(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    match s.parse::<i64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(format!("`{}` is not a record id", shorten(s))),
    }
}

/// Cuts user text for quoting in an error message.
pub fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 { s.to_string() } else { format!("{}…", s.chars().take(40).collect::<String>()) }
}

/// Declares a closed vocabulary: a fieldless enum with a stable code for storage and APIs
/// and labels in Indonesian and English.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal, $id:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// Stable code used in storage, files and the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// Label for people, in Indonesian (`"id"`) or English.
            pub fn label(self, lang: &str) -> &'static str {
                match (self, lang == "en") { $(($name::$variant, false) => $id, ($name::$variant, true) => $en,)+ }
            }

            /// Parses a code (case-insensitive).
            pub fn parse(raw: &str) -> Result<Self, String> {
                let s = raw.trim().to_ascii_lowercase();
                match s.as_str() {
                    $($code => Ok($name::$variant),)+
                    "" => Err("is required".into()),
                    _ => Err(format!(
                        "`{}` is not one of: {}",
                        $crate::registry::text::shorten(raw.trim()),
                        [$($code),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.code()) }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_and_bounds() {
        assert_eq!(text("  Siti ", 1, 10).unwrap(), "Siti");
        assert_eq!(text("   ", 1, 10).unwrap_err(), "is required");
        assert!(text(&"x".repeat(11), 1, 10).unwrap_err().contains("longer than 10"));
        assert!(text("a\u{0}b", 1, 10).is_err());
    }

    #[test]
    fn dates_are_iso() {
        assert_eq!(format_date(date("2019-02-28").unwrap()), "2019-02-28");
        assert!(date("2019-02-30").is_err());
        assert!(date("28/02/2019").unwrap_err().contains("YYYY-MM-DD"));
        assert_eq!(optional_date(Some(" ")).unwrap(), None);
    }
}

#[cfg(test)]
mod hidden_tests {
    use super::*;

    #[test]
    fn invisible_reordering_and_reserved_characters_are_refused() {
        for bad in [
            "Siti\u{202E}",
            "\u{FEFF}Siti",
            "Si\u{200B}ti",
            "Siti\u{FFFF}",
            "Siti\u{E000}",
            "Siti\u{2066}x",
            "Siti\u{200D}",
            "Siti\u{10FFFD}",
            "Siti\u{E0041}",
        ] {
            let err = text(bad, 1, 50).expect_err(bad);
            assert!(err.contains("invisible or reserved"), "{bad:?}: {err}");
        }
        for good in ["Siti Aminah", "Ni Luh Putu Ayu", "Muhammad 'Ali", "Dewi Sartika-Ningsih", "Ñoño", "سيتي"] {
            assert_eq!(text(good, 1, 50).as_deref(), Ok(good));
        }
    }
}
