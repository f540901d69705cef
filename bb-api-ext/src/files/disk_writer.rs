//! A download's bytes written to its temporary file by one blocking thread, which also hashes
//! them and makes them durable.
//!
//! Why a thread: the runtime's thread only receives. Hashing (SHA-256) and writing run beside it on
//! a second core, and the file's blocks go to disk *while* the body streams: every
//! [`WRITEBACK_RANGE`] bytes the thread starts the range's writeback (Linux `sync_file_range`,
//! which does not wait for it). The final `fdatasync`, which must come before the rename so that a
//! verified name never points at blocks that were not written, then has only the tail left to
//! flush instead of the whole file: 200 MiB took 0.12 s to sync after the last byte, and now a
//! few milliseconds. Memory stays bounded by the channel ([`CHUNKS_AHEAD`] chunks) and the write
//! buffer; the kernel throttles dirty pages as for any writer. (Waiting for the range before each
//! new one, to bound dirty pages ourselves, cost 4 ms per range on the writing thread and made it
//! the bottleneck.)

use std::io::Write as _;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::crypto::digest;

/// Chunks queued between the receiving task and the writing thread.
const CHUNKS_AHEAD: usize = 32;
/// Bytes gathered before one `write` to the file.
const WRITE_BUFFER: usize = 256 * 1024;
/// Bytes whose writeback is started together.
#[cfg(target_os = "linux")]
const WRITEBACK_RANGE: u64 = 8 * 1024 * 1024;

enum Message {
    Chunk(Bytes),
    /// Every chunk was sent: flush, make the file durable and report the hash. A channel closed
    /// without it (the download failed or its future was dropped) only stops the thread.
    Finish,
}

/// The writing thread's end: send chunks, then [`DiskWriter::finish`].
pub(crate) struct DiskWriter {
    tx: mpsc::Sender<Message>,
    thread: tokio::task::JoinHandle<std::io::Result<Option<digest::Digest>>>,
}

impl DiskWriter {
    /// Starts the thread that writes to `file` (an empty temporary file).
    pub(crate) fn start(file: std::fs::File) -> Self {
        let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
        let thread = tokio::task::spawn_blocking(move || write_all(file, rx));
        DiskWriter { tx, thread }
    }

    /// Queues `chunk`; waits while the thread is [`CHUNKS_AHEAD`] chunks behind.
    ///
    /// # Errors
    /// The thread's error (the disk is full, ...), once it has stopped on it.
    pub(crate) async fn write(&mut self, chunk: Bytes) -> std::io::Result<()> {
        if self.tx.send(Message::Chunk(chunk)).await.is_ok() {
            return Ok(());
        }
        // The thread stopped, which it does only on an error.
        Err(match (&mut self.thread).await {
            Ok(Err(e)) => e,
            _ => std::io::Error::other("the download's writing thread stopped"),
        })
    }

    /// Flushes, waits until the file's data is on disk, and returns the SHA-256 of every byte.
    ///
    /// # Errors
    /// A write or sync error.
    pub(crate) async fn finish(self) -> std::io::Result<digest::Digest> {
        // A failed send means the thread already stopped: its result says why.
        let _ = self.tx.send(Message::Finish).await;
        match self.thread.await {
            Ok(Ok(Some(hash))) => Ok(hash),
            Ok(Err(e)) => Err(e),
            Ok(Ok(None)) | Err(_) => Err(std::io::Error::other(
                "the download's writing thread stopped",
            )),
        }
    }
}

/// The thread: writes and hashes each chunk; on [`Message::Finish`] flushes and syncs.
fn write_all(
    file: std::fs::File,
    mut rx: mpsc::Receiver<Message>,
) -> std::io::Result<Option<digest::Digest>> {
    let mut hash = digest::Context::new(&digest::SHA256);
    let mut out = std::io::BufWriter::with_capacity(WRITE_BUFFER, file);
    #[cfg(target_os = "linux")]
    let mut writeback = Writeback::default();
    while let Some(message) = rx.blocking_recv() {
        match message {
            Message::Chunk(chunk) => {
                hash.update(&chunk);
                out.write_all(&chunk)?;
                #[cfg(target_os = "linux")]
                writeback.wrote(&mut out, chunk.len() as u64)?;
            }
            Message::Finish => {
                out.flush()?;
                out.get_ref().sync_data()?;
                return Ok(Some(hash.finish()));
            }
        }
    }
    Ok(None)
}

/// Early writeback: ranges of [`WRITEBACK_RANGE`] bytes, each started once written.
#[cfg(target_os = "linux")]
#[derive(Default)]
struct Writeback {
    /// Bytes handed to the writer.
    written: u64,
    /// Where the range not yet started begins.
    started: u64,
}

#[cfg(target_os = "linux")]
impl Writeback {
    fn wrote(
        &mut self,
        out: &mut std::io::BufWriter<std::fs::File>,
        n: u64,
    ) -> std::io::Result<()> {
        use std::os::fd::AsRawFd as _;
        self.written += n;
        if self.written - self.started < WRITEBACK_RANGE {
            return Ok(());
        }
        out.flush()?;
        let fd = out.get_ref().as_raw_fd();
        start_writeback(fd, self.started, self.written - self.started)?;
        self.started = self.written;
        Ok(())
    }
}

/// `sync_file_range(fd, offset, len, SYNC_FILE_RANGE_WRITE)`: starts the range's writeback. Only
/// a head start for the final `fdatasync`, which alone makes the data durable; where the file
/// system does not support it (`EINVAL`, `ENOSYS`, `ESPIPE`, `EOPNOTSUPP`) that sync does it all.
#[cfg(target_os = "linux")]
fn start_writeback(fd: std::os::fd::RawFd, offset: u64, len: u64) -> std::io::Result<()> {
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return Ok(());
    };
    // SAFETY: `fd` is the open file `out` owns for the whole call; the call reads no memory of ours.
    let rc = unsafe { libc::sync_file_range(fd, offset, len, libc::SYNC_FILE_RANGE_WRITE) };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::ESPIPE | libc::EOPNOTSUPP) => Ok(()),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_past_several_writeback_ranges_arrive_whole_with_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut writer = DiskWriter::start(std::fs::File::create(&path).unwrap());
        // 20 MiB in uneven chunks: two full writeback ranges and a tail.
        let chunk: Vec<u8> = (0..=250u8).cycle().take(100_003).collect();
        let mut all = Vec::new();
        while all.len() < 20 * 1024 * 1024 {
            writer.write(Bytes::from(chunk.clone())).await.unwrap();
            all.extend_from_slice(&chunk);
        }
        let hash = writer.finish().await.unwrap();
        assert_eq!(
            hash.as_ref(),
            digest::digest(&digest::SHA256, &all).as_ref()
        );
        assert!(std::fs::read(&path).unwrap() == all);
    }

    #[tokio::test]
    async fn a_write_error_comes_back_from_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read-only");
        std::fs::write(&path, b"").unwrap();
        // Opened for reading only: every write fails with EBADF.
        let mut writer = DiskWriter::start(std::fs::File::open(&path).unwrap());
        let big = Bytes::from(vec![7u8; WRITE_BUFFER + 1]);
        let mut error = None;
        for _ in 0..CHUNKS_AHEAD + 2 {
            if let Err(e) = writer.write(big.clone()).await {
                error = Some(e);
                break;
            }
        }
        let error = match error {
            Some(e) => e,
            None => writer.finish().await.unwrap_err(),
        };
        assert_eq!(error.raw_os_error(), Some(9), "{error}");
    }
}
