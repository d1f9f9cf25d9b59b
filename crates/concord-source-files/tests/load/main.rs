//! The crate's one integration test binary: real telecom tables through CSV and Parquet,
//! malformed files, mapping errors, a failing sink, simulated bases, and report exports.

mod base_file;
mod bench;
mod malformed;
mod mapping_errors;
mod real_tables;
mod sink_failure;
mod support;
mod table;
mod third_party;
