//! PKH: grievance (being built).
