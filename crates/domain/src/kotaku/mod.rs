//! Community-driven programs (KOTAKU, Kampung Tangguh): programs a community runs itself with
//! outside partners. Their rules: block grants and the works they pay for ([`grant`]), group
//! cash books ([`book`]), stage cycles ([`stage`]), stakeholders and contributions
//! ([`partner`]), outcome indicators ([`outcome`]) and the settlement slum score ([`slum`]).

pub mod book;
pub mod grant;
pub mod outcome;
pub mod partner;
pub mod slum;
pub mod stage;
