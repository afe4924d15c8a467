//! Community-driven programs (KOTAKU, Kampung Tangguh): programs a community runs itself with
//! outside partners. This module holds their rules: the settlement slum score.

pub mod slum;
