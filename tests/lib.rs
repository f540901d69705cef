//! Shared helpers for the integration tests in `tests/tests/`: fixtures and test clients, a
//! scripted raw TCP fault server, and tracing capture.

#[path = "src/capture.rs"]
pub mod capture;
#[path = "src/fault_server.rs"]
pub mod fault_server;
#[path = "src/fixtures.rs"]
pub mod fixtures;
