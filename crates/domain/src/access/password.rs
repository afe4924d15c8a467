//! Passwords: the rules a new password must meet, and argon2id hashing.
//!
//! Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`), so the parameters travel
//! with each hash and can be raised later without breaking old ones.

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
    if password.to_lowercase().contains(&username.to_lowercase()) {
        return Err("must not contain the username".into());
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err("must not be one repeated character".into());
    }
    Ok(())
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
    /// a login for an unknown name takes as long as one for a known name.
    pub fn decoy() -> PasswordHash {
        PasswordHash::new("decoy password that no account has").unwrap_or(PasswordHash(String::new()))
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
}
