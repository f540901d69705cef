//! A response body streamed to a path or any `AsyncWrite` with bounded memory, its size and
//! SHA-256 checked while it streams. A path is written through a temporary file in the same
//! folder by a writing thread ([`DiskWriter`]), synced, and renamed into place only when every
//! check passed: a mismatch, a body cut short or a dropped future leaves nothing at the target
//! path.

use std::path::Path;

use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::disk_writer::DiskWriter;
use crate::crypto::digest;
use crate::error::{Corruption, Error, TimeoutKind};
use crate::transport::Opened;

/// What the content must match, from the file's metadata.
#[derive(Debug)]
pub(crate) struct Expected<'a> {
    /// The file's id, for errors and the warning.
    pub(crate) id: &'a str,
    /// Its size in bytes, if known.
    pub(crate) size: Option<u64>,
    /// Its SHA-256 as the API wrote it (hex); `None` or unparsable: not verified.
    pub(crate) checksum: Option<&'a str>,
}

/// What was written: the size and the SHA-256 (lowercase hex) of every byte, computed as they
/// streamed, so a caller that lists files (the evidence manifest) need not read them back.
#[derive(Debug)]
pub(crate) struct Written {
    pub(crate) bytes: u64,
    pub(crate) sha256: String,
}

/// Streams the body to `path` (replacing a file there only on success).
pub(crate) async fn to_path(
    opened: Opened,
    path: &Path,
    expected: &Expected<'_>,
) -> Result<Written, Error> {
    let (writer, temp_path) = temp_beside(path)?;
    let written = stream(opened, writer, expected, Some(path)).await?;
    persist(temp_path, path)?;
    Ok(written)
}

/// `bytes` (a part already in memory) written to `path` as a download is: through a temporary
/// file beside it, synced, renamed; whole or not at all.
pub(crate) async fn bytes_to_path(bytes: Bytes, path: &Path) -> Result<Written, Error> {
    let (mut writer, temp_path) = temp_beside(path)?;
    let len = bytes.len() as u64;
    let write_error = |source| Error::File {
        action: "write",
        path: Some(path.to_path_buf()),
        source,
    };
    writer.write(bytes).await.map_err(write_error)?;
    let hash = writer.finish().await.map_err(write_error)?;
    persist(temp_path, path)?;
    Ok(Written {
        bytes: len,
        sha256: hex(hash.as_ref()),
    })
}

/// A temporary file in `path`'s folder and the thread that writes it. Deleted when dropped: on
/// every early return of the callers, and when their future is dropped.
fn temp_beside(path: &Path) -> Result<(DiskWriter, tempfile::TempPath), Error> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".bb-download-")
        .tempfile_in(dir)
        .map_err(|source| Error::File {
            action: "create a temporary file next to",
            path: Some(path.to_path_buf()),
            source,
        })?;
    let (file, temp_path) = temp.into_parts();
    Ok((DiskWriter::start(file), temp_path))
}

/// The temporary file, synced by [`DiskWriter::finish`] before the checks passed, renamed into
/// place: the name never points at a file whose blocks were not written.
fn persist(temp_path: tempfile::TempPath, path: &Path) -> Result<(), Error> {
    temp_path.persist(path).map_err(|e| Error::File {
        action: "rename the download into",
        path: Some(path.to_path_buf()),
        source: e.error,
    })
}

/// Streams the body to `writer` and flushes it; returns the bytes written. On a mismatch the
/// writer has had the bytes already: only [`to_path`] can take them back.
pub(crate) async fn to_writer<W: AsyncWrite + Unpin>(
    opened: Opened,
    writer: &mut W,
    expected: &Expected<'_>,
) -> Result<u64, Error> {
    let sink = Hashing {
        writer,
        hash: digest::Context::new(&digest::SHA256),
    };
    Ok(stream(opened, sink, expected, None).await?.bytes)
}

/// Where a body's chunks go, and who hashes them on the way.
trait Sink {
    async fn put(&mut self, chunk: Bytes) -> std::io::Result<()>;
    /// Every chunk was put: flush (and sync) and return the SHA-256 of them all.
    async fn end(self) -> std::io::Result<digest::Digest>;
}

impl Sink for DiskWriter {
    async fn put(&mut self, chunk: Bytes) -> std::io::Result<()> {
        self.write(chunk).await
    }

    async fn end(self) -> std::io::Result<digest::Digest> {
        self.finish().await
    }
}

/// Any writer, hashed on the receiving task.
struct Hashing<'w, W> {
    writer: &'w mut W,
    hash: digest::Context,
}

impl<W: AsyncWrite + Unpin> Sink for Hashing<'_, W> {
    async fn put(&mut self, chunk: Bytes) -> std::io::Result<()> {
        self.hash.update(&chunk);
        self.writer.write_all(&chunk).await
    }

    async fn end(self) -> std::io::Result<digest::Digest> {
        self.writer.flush().await?;
        Ok(self.hash.finish())
    }
}

async fn stream(
    opened: Opened,
    mut sink: impl Sink,
    expected: &Expected<'_>,
    path: Option<&Path>,
) -> Result<Written, Error> {
    let Opened { mut response, idle } = opened;
    let write_error = |source| Error::File {
        action: "write",
        path: path.map(Path::to_path_buf),
        source,
    };
    let checksum = expected.checksum.and_then(|c| parse_sha256(expected.id, c));
    let mut received: u64 = 0;
    loop {
        let chunk = match tokio::time::timeout(idle, response.chunk()).await {
            Err(_) => return Err(Error::Timeout(TimeoutKind::Attempt(idle))),
            Ok(Err(e)) if e.is_timeout() => return Err(Error::Timeout(TimeoutKind::Attempt(idle))),
            Ok(Err(source)) => {
                // Without the URL: a presigned one carries its signature.
                return Err(Error::Transport {
                    request_sent: true,
                    source: source.without_url(),
                });
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        received += chunk.len() as u64;
        if let Some(size) = expected.size.filter(|size| received > *size) {
            return Err(corrupt(
                expected,
                Corruption::SizeMismatch {
                    expected: size,
                    received,
                },
            ));
        }
        sink.put(chunk).await.map_err(write_error)?;
    }
    if let Some(size) = expected.size.filter(|size| received != *size) {
        return Err(corrupt(
            expected,
            Corruption::SizeMismatch {
                expected: size,
                received,
            },
        ));
    }
    let hash = sink.end().await.map_err(write_error)?;
    let actual = hex(hash.as_ref());
    if let Some(want) = checksum
        && actual != want
    {
        return Err(corrupt(
            expected,
            Corruption::ChecksumMismatch {
                expected: want,
                actual,
            },
        ));
    }
    Ok(Written {
        bytes: received,
        sha256: actual,
    })
}

fn corrupt(expected: &Expected<'_>, problem: Corruption) -> Error {
    Error::CorruptDownload {
        id: expected.id.to_owned(),
        problem,
    }
}

/// The checksum as 64 lowercase hex digits (an optional `sha256:` prefix is allowed), or `None`
/// with one warning when it is not one: the content is then not verified.
fn parse_sha256(id: &str, checksum: &str) -> Option<String> {
    let text = checksum.trim();
    let text = text.strip_prefix("sha256:").unwrap_or(text);
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some(text.to_ascii_lowercase())
    } else {
        tracing::warn!(
            download = id,
            checksum,
            "the download's checksum is not a hex SHA-256: its content is not verified"
        );
        None
    }
}

/// Lowercase hex, as checksums are written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_parse_as_hex_sha256_or_are_skipped() {
        let hex64 = "AB".repeat(32);
        assert_eq!(parse_sha256("d", &hex64), Some("ab".repeat(32)));
        assert_eq!(
            parse_sha256("d", &format!("sha256:{}", "0f".repeat(32))),
            Some("0f".repeat(32))
        );
        assert_eq!(parse_sha256("d", "not-a-checksum"), None);
        assert_eq!(parse_sha256("d", &"a".repeat(63)), None);
    }

    #[test]
    fn hex_of_the_sha256_of_nothing() {
        assert_eq!(
            hex(digest::digest(&digest::SHA256, b"").as_ref()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
