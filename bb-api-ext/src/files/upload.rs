//! One file sent as the multipart part `file`, carrying its file name, streamed from a path or
//! any `AsyncRead` in chunks (never read whole), checked before any request.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, Stream};
use reqwest::multipart::{Form, Part};
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::context::Context;
use crate::error::Error;
use crate::transport::operation::Operation;
use crate::transport::{Call, UploadBody};
use crate::validate::ValidationErrors;

/// Bytes read from the source per chunk: memory stays bounded whatever the file's size.
const CHUNK: usize = 256 * 1024;

/// Chunks a file's reading thread may be ahead of the request: at most 1 MiB waits in memory.
const FILE_CHUNKS_AHEAD: usize = 4;

/// A file to upload: a path, a reader of known length, or bytes in memory.
///
/// ```
/// use bb_api_ext::FileSource;
///
/// let from_disk = FileSource::path("extension.zip");
/// let from_memory = FileSource::bytes(b"-----BEGIN CERTIFICATE-----\n...".to_vec(), "ca.pem");
/// # let _ = (from_disk, from_memory);
/// ```
pub struct FileSource {
    source: Source,
}

enum Source {
    Path(PathBuf),
    Reader {
        reader: Box<dyn AsyncRead + Send + Unpin>,
        name: String,
        len: u64,
    },
    Bytes {
        bytes: Bytes,
        name: String,
    },
}

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Path(path) => f.debug_tuple("FileSource::Path").field(path).finish(),
            Source::Reader { name, len, .. } => f
                .debug_struct("FileSource::Reader")
                .field("name", name)
                .field("len", len)
                .finish_non_exhaustive(),
            Source::Bytes { bytes, name } => f
                .debug_struct("FileSource::Bytes")
                .field("name", name)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

impl FileSource {
    /// The file at `path`, named by its last component. Read in chunks for each attempt, so an
    /// upload that failed before it was sent can be retried.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Self {
            source: Source::Path(path.into()),
        }
    }

    /// `len` bytes from `reader`, sent as `file_name`. Read once, in chunks: an upload from a
    /// reader is never retried. A reader that ends before `len` bytes fails the upload.
    pub fn reader(
        reader: impl AsyncRead + Send + Unpin + 'static,
        file_name: impl Into<String>,
        len: u64,
    ) -> Self {
        Self {
            source: Source::Reader {
                reader: Box::new(reader),
                name: file_name.into(),
                len,
            },
        }
    }

    /// Bytes already in memory, sent as `file_name`.
    pub fn bytes(bytes: impl Into<Bytes>, file_name: impl Into<String>) -> Self {
        Self {
            source: Source::Bytes {
                bytes: bytes.into(),
                name: file_name.into(),
            },
        }
    }
}

impl From<PathBuf> for FileSource {
    fn from(path: PathBuf) -> Self {
        Self::path(path)
    }
}

impl From<&Path> for FileSource {
    fn from(path: &Path) -> Self {
        Self::path(path)
    }
}

impl From<&str> for FileSource {
    /// A path.
    fn from(path: &str) -> Self {
        Self::path(path)
    }
}

/// What an area accepts: checked before any request.
pub(crate) struct Rules {
    /// The file name must end so (case-insensitively), as `.zip`.
    pub(crate) suffix: Option<&'static str>,
    /// The most bytes accepted.
    pub(crate) max_bytes: u64,
    /// The part's content type.
    pub(crate) content_type: &'static str,
}

/// A source that passed its area's rules.
pub(crate) struct Checked {
    source: Source,
    name: String,
    len: u64,
    content_type: &'static str,
}

fn refuse(rule: String) -> Error {
    Error::Validation(ValidationErrors::single("file", rule))
}

impl FileSource {
    /// Checks the file against `rules` (it exists, is not empty, is named right, is not too big)
    /// without reading it.
    pub(crate) fn check(self, rules: &Rules) -> Result<Checked, Error> {
        let (name, len) = match &self.source {
            Source::Path(path) => {
                let meta = std::fs::metadata(path)
                    .map_err(|e| refuse(format!("cannot read {}: {e}", path.display())))?;
                if !meta.is_file() {
                    return Err(refuse(format!("{} is not a file", path.display())));
                }
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, meta.len())
            }
            Source::Reader { name, len, .. } => (name.clone(), *len),
            Source::Bytes { bytes, name } => (name.clone(), bytes.len() as u64),
        };
        if name.is_empty() {
            return Err(refuse("needs a file name".to_owned()));
        }
        if let Some(suffix) = rules.suffix
            && !name.to_ascii_lowercase().ends_with(suffix)
        {
            return Err(refuse(format!("{name:?}: the name must end with {suffix}")));
        }
        if len == 0 {
            return Err(refuse(format!("{name:?} is empty")));
        }
        if len > rules.max_bytes {
            return Err(refuse(format!(
                "{name:?} is {len} bytes, over the limit of {} bytes",
                rules.max_bytes
            )));
        }
        Ok(Checked {
            source: self.source,
            name,
            len,
            content_type: rules.content_type,
        })
    }
}

impl Checked {
    /// The whole file in memory (for small files whose content is checked, as certificates).
    pub(crate) async fn read_all(mut self) -> Result<(Bytes, Self), Error> {
        let bytes = match &mut self.source {
            Source::Bytes { bytes, .. } => bytes.clone(),
            Source::Path(path) => {
                tokio::fs::read(&*path)
                    .await
                    .map(Bytes::from)
                    .map_err(|source| Error::File {
                        action: "read",
                        path: Some(path.clone()),
                        source,
                    })?
            }
            Source::Reader { reader, .. } => {
                let mut buf = Vec::with_capacity(self.len as usize);
                reader
                    .take(self.len)
                    .read_to_end(&mut buf)
                    .await
                    .map_err(|source| Error::File {
                        action: "read",
                        path: None,
                        source,
                    })?;
                Bytes::from(buf)
            }
        };
        self.len = bytes.len() as u64;
        self.source = Source::Bytes {
            bytes: bytes.clone(),
            name: self.name.clone(),
        };
        Ok((bytes, self))
    }

    /// Uploads the file to `op` (its path arguments `args`) and decodes its JSON answer.
    pub(crate) async fn send<T: DeserializeOwned>(
        self,
        ctx: &Context,
        op: &'static Operation,
        args: &[&str],
    ) -> Result<T, Error> {
        let Checked {
            source,
            name,
            len,
            content_type,
        } = self;
        let call = Call::new(op, args);
        let transport = &ctx.transport;
        match source {
            Source::Path(path) => {
                let mut make = || {
                    let file = std::fs::File::open(&path).map_err(|source| Error::File {
                        action: "read",
                        path: Some(path.clone()),
                        source,
                    })?;
                    let chunks = file_chunks(file);
                    form(reqwest::Body::wrap_stream(chunks), &name, len, content_type)
                };
                transport
                    .upload(&call, UploadBody::Repeatable(&mut make))
                    .await
            }
            Source::Bytes { bytes, .. } => {
                let mut make =
                    || form(reqwest::Body::from(bytes.clone()), &name, len, content_type);
                transport
                    .upload(&call, UploadBody::Repeatable(&mut make))
                    .await
            }
            Source::Reader { reader, .. } => {
                let body = reqwest::Body::wrap_stream(chunks(reader.take(len)));
                let form = form(body, &name, len, content_type)?;
                transport.upload(&call, UploadBody::Once(Some(form))).await
            }
        }
    }
}

/// A form of one part `file`, carrying the file name.
fn form(body: reqwest::Body, name: &str, len: u64, content_type: &str) -> Result<Form, Error> {
    let part = Part::stream_with_length(body, len)
        .file_name(name.to_owned())
        .mime_str(content_type)
        .map_err(|source| Error::Transport {
            request_sent: false,
            source,
        })?;
    Ok(Form::new().part("file", part))
}

/// A file as a stream of chunks of at most [`CHUNK`] bytes, read by one blocking thread for the
/// whole upload. A `tokio::fs::File` would hop to the blocking pool for every read and copy each
/// chunk once more; this thread reads ahead by [`FILE_CHUNKS_AHEAD`] chunks and stops as soon as
/// the request drops the stream.
fn file_chunks(
    mut file: std::fs::File,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel(FILE_CHUNKS_AHEAD);
    tokio::task::spawn_blocking(move || {
        loop {
            let mut buf = BytesMut::zeroed(CHUNK);
            let item = match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    Ok(buf.freeze())
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// The reader as a stream of chunks of at most [`CHUNK`] bytes.
fn chunks<R: AsyncRead + Send + Unpin + 'static>(
    reader: R,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    stream::unfold(Some(reader), |state| async move {
        let mut reader = state?;
        let mut buf = BytesMut::with_capacity(CHUNK);
        match reader.read_buf(&mut buf).await {
            Ok(0) => None,
            Ok(_) => Some((Ok(buf.freeze()), Some(reader))),
            Err(e) => Some((Err(e), None)),
        }
    })
}
