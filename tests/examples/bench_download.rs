//! Peak memory of a large download: streams a download of `--mib` MiB (default 200) from the fake
//! server to a file with `Downloads::save`, then prints ONE JSON line:
//! `{"mib","wall_s","mib_per_s","vm_hwm_mb","vm_rss_mb","sha256_ok"}`. `vm_hwm_mb` is this
//! process's peak resident memory (`VmHWM` of `/proc/self/status`); `sha256_ok` says the file's
//! SHA-256, computed again here by reading the file in chunks, equals the download's checksum.
//!
//! ```text
//! cargo run --release -p bb-api-tests --example bench_download -- [--mib N]
//! ```
//!
//! The fake holds the content in memory, so it runs in a child process (this program with
//! `--serve`), and this process holds only the client: the honest way to measure the client.
//! The child prints its URL and the download's id, then serves until its stdin closes.

use std::io::{BufRead, Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use bb_api_ext::Client;
use bb_api_ext::testing::FakeBrowserbase;
use bb_api_tests::digest::sha256_of;

const MAX_MIB: u64 = 4096;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mib = match args.iter().position(|a| a == "--mib") {
        Some(i) => match args.get(i + 1).and_then(|v| v.parse::<u64>().ok()) {
            Some(n) if (1..=MAX_MIB).contains(&n) => n,
            _ => {
                eprintln!("--mib takes a whole number from 1 to {MAX_MIB}");
                return ExitCode::from(2);
            }
        },
        None => 200,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = if args.iter().any(|a| a == "--serve") {
        runtime.block_on(serve(mib))
    } else {
        runtime.block_on(measure(mib))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_download: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Pseudo-random bytes (xorshift), so nothing along the way can make them smaller.
fn content(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

async fn serve(mib: u64) -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeBrowserbase::start().await?;
    let id = fake.add_download("bench-session", "big.bin", content((mib << 20) as usize));
    println!("{} {id}", fake.url());
    std::io::stdout().flush()?;
    // Serve until the parent closes our stdin (or goes away).
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    Ok(())
}

async fn measure(mib: u64) -> Result<(), Box<dyn std::error::Error>> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--serve", "--mib", &mib.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().ok_or("no child stdout")?).read_line(&mut line)?;
    let (url, id) = line
        .trim()
        .split_once(' ')
        .ok_or("the server printed no URL")?;
    if !url.starts_with("http://127.0.0.1:") {
        return Err(format!("refusing a non-loopback URL {url:?}").into());
    }
    let client = Client::builder()
        .api_key(FakeBrowserbase::API_KEY)
        .base_url(url)
        .build()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.bin");
    let started = Instant::now();
    let result = client.downloads().save(id, &path).await;
    let wall = started.elapsed().as_secs_f64();
    let (hwm, rss) = (status_mb("VmHWM:"), status_mb("VmRSS:"));
    drop(child.stdin.take());
    let _ = child.wait();
    let download = result?;
    let sha256_ok = sha256_of(&path)? == download.checksum;
    println!(
        "{}",
        serde_json::json!({
            "mib": mib,
            "wall_s": (wall * 1000.0).round() / 1000.0,
            "mib_per_s": (mib as f64 / wall * 10.0).round() / 10.0,
            "vm_hwm_mb": hwm,
            "vm_rss_mb": rss,
            "sha256_ok": sha256_ok,
        })
    );
    if sha256_ok {
        Ok(())
    } else {
        Err("the file's SHA-256 is not the download's checksum".into())
    }
}

/// A `/proc/self/status` line's value in MB (kB / 1024), or -1 where there is none.
fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(-1.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
}
