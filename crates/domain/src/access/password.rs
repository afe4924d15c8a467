//! Passwords: the rules a new password must meet (length, no control characters, not a
//! commonly used password), and argon2id hashing.
//!
//! Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`), so the parameters travel
//! with each hash and can be raised later without breaking old ones.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest (argon2 takes any length; this bounds the work a request can cause).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Checks the rules a new password must meet; the error says which.
pub fn check_password_rules(password: &str, username: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
    }
    if password.chars().any(char::is_control) {
        return Err("tidak boleh memuat karakter kendali seperti NUL atau tab \
                    (must not contain control characters such as NUL or tab)"
            .into());
    }
    if password.to_lowercase().contains(&username.to_lowercase()) {
        return Err("must not contain the username".into());
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err("must not be one repeated character".into());
    }
    if is_common(password) {
        return Err("terlalu umum dan mudah ditebak; pilih kata sandi lain \
                    (is a commonly used password; choose another)"
            .into());
    }
    Ok(())
}

/// Commonly used passwords that the vendored list (see `data/README.md`) lacks: Indonesian
/// words and phrases that people pick first.
const INDONESIAN_COMMON: &[&str] = &[
    "alhamdulillah",
    "assalamualaikum",
    "berdaya",
    "bismillah",
    "cintaku",
    "indonesia",
    "indonesiaraya",
    "jakarta",
    "katakunci",
    "katasandi",
    "kalimantan",
    "merahputih",
    "merdeka",
    "pancasila",
    "rahasia",
    "rahasiaku",
    "sayang",
    "sayangku",
    "selamatdatang",
    "surabaya",
    "yogyakarta",
];

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .chain(INDONESIAN_COMMON.iter().copied())
            .collect()
    })
}

/// Whether a password is on the list of common passwords, ignoring case, also once trailing
/// digits and punctuation are taken off (`Indonesia2024!` is `indonesia`).
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let list = common_passwords();
    if list.contains(lower.as_str()) {
        return true;
    }
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    core.chars().count() >= 4 && list.contains(core)
}

/// An argon2id password hash in PHC form. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHash {
    /// Hashes a password with a fresh random salt.
    pub fn new(password: &str) -> Result<PasswordHash, String> {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| PasswordHash(h.to_string()))
            .map_err(|e| format!("cannot hash the password: {e}"))
    }

    /// A stored hash, checked to be a PHC string.
    pub fn from_stored(s: String) -> Result<PasswordHash, String> {
        argon2::PasswordHash::new(&s).map_err(|e| format!("stored password hash is invalid: {e}"))?;
        Ok(PasswordHash(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `password` matches, in constant time.
    pub fn verify(&self, password: &str) -> bool {
        match argon2::PasswordHash::new(&self.0) {
            Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// A hash of nothing anyone knows, to verify against when the user does not exist, so
    /// a login for an unknown name takes as long as one for a known name: the same
    /// parameters as every new hash, made once per process (the first call pays for it).
    pub fn decoy() -> PasswordHash {
        static DECOY: OnceLock<PasswordHash> = OnceLock::new();
        DECOY
            .get_or_init(|| {
                PasswordHash::new("decoy password that no account has").unwrap_or(PasswordHash(String::new()))
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = PasswordHash::new("kalampangan-2024").unwrap();
        assert!(h.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify("kalampangan-2024"));
        assert!(!h.verify("kalampangan-2025"));
        let again = PasswordHash::new("kalampangan-2024").unwrap();
        assert_ne!(h, again, "each hash has its own salt");
        assert_eq!(format!("{h:?}"), "PasswordHash(…)");
        assert!(PasswordHash::from_stored("plain".into()).is_err());
    }

    #[test]
    fn rules_name_what_is_wrong() {
        assert!(check_password_rules("short", "siti").unwrap_err().contains("at least 10"));
        assert!(check_password_rules("siti-password", "siti").unwrap_err().contains("username"));
        assert!(check_password_rules("aaaaaaaaaaaa", "budi").unwrap_err().contains("repeated"));
        assert!(check_password_rules("tulungrejo-batu", "siti").is_ok());
    }

    #[test]
    fn common_passwords_and_control_characters_are_refused() {
        for common in ["1234567890", "password12", "qwertyuiop", "QwertyUiop", "bismillah123", "Indonesia2024!"] {
            let refused = check_password_rules(common, "siti").expect_err(common);
            assert!(refused.contains("terlalu umum"), "{common}: {refused}");
        }
        for control in ["tulungrejo\0batu", "tulungrejo\tbatu", "tulungrejo-batu\n", "tulungrejo\u{7f}batu"] {
            let refused = check_password_rules(control, "siti").expect_err(control);
            assert!(refused.contains("karakter kendali"), "{control:?}: {refused}");
        }
        // The passwords the tests and the demo use still pass.
        for fine in ["uji-coba-berdaya-2026", "kalampangan-2024", "Sawah-Hijau-Subur-77", "kedelai-salak-4821"] {
            assert_eq!(check_password_rules(fine, "siti"), Ok(()), "{fine}");
        }
        assert!(common_passwords().len() > 19_000, "the vendored list is loaded");
    }

    #[test]
    fn the_decoy_costs_what_a_real_hash_costs() {
        let decoy = PasswordHash::decoy();
        let real = PasswordHash::new("kalampangan-2024").unwrap();
        let params = |h: &PasswordHash| h.as_str().split('$').nth(3).map(str::to_string);
        assert_eq!(params(&decoy), params(&real));
        assert_eq!(decoy, PasswordHash::decoy(), "made once, not on every call");
        assert!(!decoy.verify(""));
    }
}
