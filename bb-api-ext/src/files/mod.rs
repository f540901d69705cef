//! Files that stream through the client: one file uploaded as a multipart part, and a download
//! written to disk or any writer. Each area (extensions, certificates, downloads, and later
//! session uploads and recordings) says only what is particular to it.

mod disk_writer;
pub(crate) mod download;
pub(crate) mod upload;

pub use upload::FileSource;
