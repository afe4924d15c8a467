//! Integration tests: one binary, every test against a fresh database, each run on SQLite
//! and on PostgreSQL (when `BERDAYA_TEST_PG_URL` names a server).

mod access;
mod act;
mod agri_dashboard;
mod aid;
mod api;
mod bad_input;
mod browser;
mod browser_activity;
mod browser_dashboard;
mod browser_enrollment;
mod browser_pkh;
mod caseload;
mod class;
mod community;
mod crawl;
mod dashboard;
mod enrollment;
mod framework;
mod hardening;
mod helpers;
mod kit;
mod login;
mod mach;
mod messages;
mod pages;
mod pick;
mod pkh_family;
mod pkh_pay;
mod pkh_rules;
mod pkh_school;
mod pkh_target;
mod print;
mod scope;
mod survey;
mod users;
