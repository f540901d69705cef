//! Shared helpers for the integration tests in `tests/tests/`: fixtures and test clients, a
//! scripted raw TCP fault server, and tracing capture; and the plain `reqwest` floor of the
//! benchmarks with their paired A/B timing and the load generator (`tests/benches/`, `tests/examples/`).

/// The workspace README's Rust blocks, compiled and run as doc tests so its examples stay true.
/// They live here, not in bb-api-ext: a published crate may include nothing from outside itself.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[path = "src/ab.rs"]
pub mod ab;
#[path = "src/capture.rs"]
pub mod capture;
#[path = "src/digest.rs"]
pub mod digest;
#[path = "src/fault_server.rs"]
pub mod fault_server;
#[path = "src/fixtures.rs"]
pub mod fixtures;
#[path = "src/plain.rs"]
pub mod plain;
#[path = "src/replicas.rs"]
pub mod replicas;
