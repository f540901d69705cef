//! bb-api-ext
