//! Reading and writing Berdaya's files: registry CSV/XLSX and survey XLSForm workbooks,
//! every file a user gives read as a stream within [`limits::Limits`].

pub mod grid;
pub mod kotaku_contract;
pub mod limits;
pub mod pkh_contract;
pub mod qdpx;
pub mod qual_units;
pub mod regions;
pub mod registry;
pub mod responses;
pub mod survey;
pub mod tables;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod textdoc;
pub mod xlsx;
mod zipped;

#[cfg(test)]
mod hostile_tests;
