//! Storage of community-driven programs: block grants and works ([`grant`]), group books
//! ([`book`]), stage cycles ([`cycle`]), stakeholders, outcomes and slum baselines
//! ([`partner`]).

pub mod book;
pub mod cycle;
pub mod grant;
pub mod partner;
