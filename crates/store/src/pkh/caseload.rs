//! PKH storage: caseload (being built).
