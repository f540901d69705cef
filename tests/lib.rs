//! Shared helpers for the integration tests in `tests/tests/`: fixtures and test clients, a
//! scripted raw TCP fault server, and tracing capture; and the plain `reqwest` floor of the
//! benchmarks and the load generator (`tests/benches/`, `tests/examples/`).

#[path = "src/capture.rs"]
pub mod capture;
#[path = "src/fault_server.rs"]
pub mod fault_server;
#[path = "src/fixtures.rs"]
pub mod fixtures;
#[path = "src/plain.rs"]
pub mod plain;
#[path = "src/replicas.rs"]
pub mod replicas;
