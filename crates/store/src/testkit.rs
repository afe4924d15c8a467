//! The store conformance suite: every backend runs these same checks.
