//! Shared helpers for the integration tests in `tests/tests/`.

#[path = "src/capture.rs"]
pub mod capture;
#[path = "src/ext.rs"]
pub mod ext;
#[path = "src/fault_server.rs"]
pub mod fault_server;
