//! Nothing to import: the benches under `benches/` are the point of this package.
