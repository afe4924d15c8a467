//! PKH: payment (being built).
