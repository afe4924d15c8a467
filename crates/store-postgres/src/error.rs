//! Driver errors in domain terms: a violated constraint names the field to fix.
//!
//! PostgreSQL reports the constraint a statement broke; the migration names every
//! constraint, and [`constraint`] maps each name to a [`StoreError`]. Only the server's
//! primary message goes into [`StoreError::Backend`]; its detail, which quotes row values
//! (a NIK), never does.

use berdaya_domain::registry::Invalid;
use berdaya_store::StoreError;

/// Maps any sqlx error to a store error.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(d) => {
            if let Some(mapped) = d.constraint().and_then(constraint) {
                return mapped;
            }
            let code = d.code().map(|c| c.to_string()).unwrap_or_default();
            // Lock waits that ran out, deadlocks and serialization failures: try again.
            if matches!(code.as_str(), "55P03" | "40P01" | "40001" | "57014") {
                return StoreError::Busy;
            }
            // A unique key with no mapping of its own: the kit names the field the record
            // declares (`Writable::UNIQUE`), as SQLite's store does.
            if code == "23505" {
                return StoreError::Duplicate { field: "value", message: "this value is already registered".into() };
            }
            StoreError::Backend(format!("{} (SQLSTATE {code})", d.message()))
        }
        sqlx::Error::RowNotFound => StoreError::Backend("expected a row, found none".into()),
        sqlx::Error::PoolTimedOut => StoreError::Busy,
        other => StoreError::Backend(other.to_string()),
    }
}

/// A stored value that no longer parses (the database was edited outside Berdaya).
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("stored {what} is invalid: {e}"))
}

fn duplicate(field: &'static str, message: &str) -> StoreError {
    StoreError::Duplicate { field, message: message.into() }
}

fn reference(field: &'static str, message: &str) -> StoreError {
    StoreError::Reference { field, message: message.into() }
}

/// The error a violation of the named constraint means, if it is one users can cause.
pub(crate) fn constraint(name: &str) -> Option<StoreError> {
    Some(match name {
        "regions_pkey" => duplicate("code", "a region with this code already exists"),
        "regions_parent_fkey" => reference("code", "the parent region of this code does not exist"),
        "households_kk_key" => duplicate("kk", "this KK number is already registered"),
        "households_region_fkey" | "groups_region_fkey" | "agencies_region_fkey" => {
            reference("region", "this region does not exist")
        }
        "people_nik_key" => duplicate("nik", "this NIK is already registered"),
        "people_household_id_fkey" => reference("household_id", "this household does not exist"),
        "group_members_group_id_fkey" => StoreError::NotFound { entity: "group" },
        "group_members_person_id_fkey" => reference("person_id", "this person does not exist"),
        "group_members_group_id_person_id_key" => {
            duplicate("person_id", "this person is already a member of the group")
        }
        "group_members_dates_check" => Invalid::one("until", "is before `since`").into(),
        "agencies_parent_id_fkey" => reference("parent_id", "the parent agency does not exist"),
        "agencies_parent_id_check" => Invalid::one("parent_id", "an agency cannot be its own parent").into(),
        "staff_agency_id_fkey" => StoreError::NotFound { entity: "agency" },
        "programs_agency_id_fkey" => reference("agency_id", "this agency does not exist"),
        "programs_dates_check" => Invalid::one("ends_on", "is before the start date").into(),
        "program_regions_region_fkey" => reference("target_regions", "a target region does not exist"),
        "enrollments_program_id_fkey" => StoreError::NotFound { entity: "program" },
        "enrollments_household_id_fkey" | "enrollments_person_id_fkey" | "enrollments_group_id_fkey" => {
            reference("subject_id", "this subject does not exist")
        }
        "enrollments_program_id_household_id_key"
        | "enrollments_program_id_person_id_key"
        | "enrollments_program_id_group_id_key" => {
            duplicate("subject_id", "this subject is already enrolled in the program")
        }
        "enrollments_dates_check" => Invalid::one("ended_on", "is before the enrollment date").into(),
        "users_username_key" => duplicate("username", "this username is taken"),
        "users_area_fkey" => reference("area", "this region does not exist"),
        "users_agency_id_fkey" => reference("agency_id", "this agency does not exist"),
        "users_group_id_fkey" => reference("group_id", "this group does not exist"),
        "users_role_check" => Invalid::one("role", "is not a role").into(),
        "sessions_pkey" => duplicate("id_hash", "this session already exists"),
        "sessions_user_id_fkey" | "api_tokens_user_id_fkey" | "assignments_user_id_fkey" => {
            StoreError::NotFound { entity: "user" }
        }
        "api_tokens_secret_hash_key" => duplicate("secret_hash", "this token secret is already in use"),
        "assignments_household_id_fkey" => reference("household_id", "this household does not exist"),
        "assignments_group_id_fkey" => reference("group_id", "this group does not exist"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATIONS: [&str; 3] = [
        include_str!("../migrations/0001_registry.sql"),
        include_str!("../migrations/0002_survey.sql"),
        include_str!("../migrations/0003_access.sql"),
    ];

    fn migration_constraints() -> Vec<&'static str> {
        MIGRATIONS
            .iter()
            .flat_map(|m| m.split("CONSTRAINT ").skip(1).filter_map(|rest| rest.split_whitespace().next()))
            .collect()
    }

    /// Every unique key and reference users can hit maps to a field.
    #[test]
    fn user_reachable_constraints_are_mapped() {
        // Keys on generated ids and the program's own rows cannot be broken through the API.
        let internal = ["households_pkey", "people_pkey", "group_members_pkey", "agencies_pkey", "staff_pkey"];
        let internal =
            [&internal[..], &["programs_pkey", "program_regions_pkey", "program_regions_program_id_fkey"]].concat();
        let internal = [&internal[..], &["groups_pkey", "enrollments_pkey"]].concat();
        // Access: generated ids, assignments (written with ON CONFLICT DO NOTHING), the log.
        let access = ["users_pkey", "api_tokens_pkey", "assignments_pkey", "audit_log_pkey", "audit_log_seq_key"];
        let assignment_keys = ["assignments_user_id_household_id_key", "assignments_user_id_group_id_key"];
        let internal = [&internal[..], &access, &assignment_keys].concat();
        for name in migration_constraints() {
            let keyish = name.ends_with("_key") || name.ends_with("_fkey") || name.ends_with("_pkey");
            if keyish && !internal.contains(&name) {
                assert!(constraint(name).is_some(), "constraint {name} has no error mapping");
            }
        }
    }

    /// Every mapped constraint exists, so a renamed one cannot silently become a 500.
    #[test]
    fn mapped_constraints_exist() {
        let names = migration_constraints();
        let src = include_str!("error.rs");
        let start = src.find("Some(match name {").unwrap_or(0);
        let end = src.find("_ => return None").unwrap_or(0);
        let quoted: Vec<&str> = src[start..end].split('"').skip(1).step_by(2).collect();
        let mapped: Vec<&str> = quoted.into_iter().filter(|q| constraint(q).is_some()).collect();
        assert!(mapped.len() >= 24, "{mapped:?}");
        for name in mapped {
            assert!(names.contains(&name), "mapped constraint {name} is not in the migration");
        }
    }

    #[test]
    fn maps_fields() {
        assert!(matches!(constraint("people_nik_key"), Some(StoreError::Duplicate { field: "nik", .. })));
        assert!(matches!(constraint("regions_parent_fkey"), Some(StoreError::Reference { field: "code", .. })));
        assert!(constraint("pg_something_else").is_none());
    }
}
