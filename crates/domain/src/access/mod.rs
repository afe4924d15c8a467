//! Access: accounts, roles, the area a user is bound to, what each role may see of the
//! registry, masking and de-identification of personal data, and the audit chain.
//!
//! The rules live here as plain functions over plain values, so the web layer, the CLI and
//! the store apply one set of rules and tests can read them without a server.

pub mod audit;
pub mod deidentify;
pub mod password;
pub mod role;
pub mod seal;
pub mod secret;

pub use audit::{AuditEntry, AuditHash, chain_hash};
pub use deidentify::{AgeBand, Pseudonymizer};
pub use password::{PasswordHash, check_password_rules};
pub use role::{NewUser, Principal, RecordAccess, Role, User, UserDraft, UserId, Username};
