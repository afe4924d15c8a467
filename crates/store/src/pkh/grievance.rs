//! PKH storage: grievance (being built).
