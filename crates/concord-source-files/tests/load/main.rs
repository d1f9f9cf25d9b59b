//! The crate's one integration test binary: real telecom tables through CSV and Parquet,
//! malformed files, mapping errors, a failing sink, and simulated bases.

mod base_file;
mod bench;
mod malformed;
mod mapping_errors;
mod real_tables;
mod sink_failure;
mod support;
mod third_party;
