//! Streams against the floor, in ONE run on loopback: the release `bb` binary side by side with
//! `curl`, against the same fake server, interleaved, `--runs` times each (default 3):
//!
//! - download: `bb downloads get ID -o FILE` vs `curl -o FILE` of the same URL with the same
//!   headers (`--download-mib`, default 200), each file's SHA-256 checked here afterwards; and
//!   `curl -o FILE; sync FILE`, since bb fsyncs the file before renaming it into place;
//! - upload: `bb extensions upload FILE.zip` vs `curl -F file=@FILE.zip` (`--upload-mib`,
//!   default 100).
//!
//! Two floors show the fake is not the bottleneck: `curl` against a minimal hyper server in the
//! same process as the fake (GET: the same bytes from memory; POST: the body read and dropped).
//! Each command runs under `/usr/bin/time`, which reports its peak RSS (`ru_maxrss` of wait4).
//! Prints a table (median wall time, its ratio to curl against the fake, peak RSS) with `uptime`
//! before and after, then ONE JSON line with the same figures.
//!
//! ```text
//! cargo build --release -p bb-api-ext --features cli --bin bb
//! cargo run --release -p bb-api-tests --example bench_streams -- [--runs N] [--download-mib N] [--upload-mib N] [--bb PATH]
//! ```
//!
//! `--bb` defaults to `bb` next to this example's folder (`target/release/bb`). The goals
//! (issue 22): bb/curl ≤ 1.1, bb's peak RSS ≤ 64 MB.
//!
//! The fake holds the download in memory, so it runs in a child process (this program with
//! `--serve`); it prints its URL, the download's id and the floor server's URL, then serves
//! until its stdin closes.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use bb_api_ext::testing::FakeBrowserbase;
use bb_api_tests::digest::{hex, sha256_of};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};

const MAX_MIB: u64 = 1024;

/// What one run of one case measured.
struct Sample {
    wall_s: f64,
    max_rss_kb: u64,
}

/// One row of the table: a command line measured `--runs` times.
struct Case {
    name: &'static str,
    /// The row the ratio is taken against (`None`: this is a reference).
    versus: Option<&'static str>,
    samples: Vec<Sample>,
}

struct Args {
    runs: usize,
    download_mib: u64,
    upload_mib: u64,
    bb: PathBuf,
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&raw) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_streams: {e}");
            return ExitCode::from(2);
        }
    };
    let result = if raw.iter().any(|a| a == "--serve") {
        match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(serve(args.download_mib)),
            Err(e) => Err(e.into()),
        }
    } else {
        measure(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_streams: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(raw: &[String]) -> Result<Args, String> {
    let value = |flag: &str| raw.iter().position(|a| a == flag).map(|i| raw.get(i + 1));
    let number = |flag: &str, default: u64, max: u64| match value(flag) {
        None => Ok(default),
        Some(v) => v
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|n| (1..=max).contains(n))
            .ok_or(format!("{flag} takes a whole number from 1 to {max}")),
    };
    let bb = match value("--bb") {
        Some(Some(p)) => PathBuf::from(p),
        Some(None) => return Err("--bb takes a path".into()),
        None => {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            // target/release/examples/bench_streams -> target/release/bb
            exe.parent()
                .and_then(Path::parent)
                .map(|d| d.join("bb"))
                .ok_or("no folder for the default --bb")?
        }
    };
    Ok(Args {
        runs: number("--runs", 3, 50)? as usize,
        download_mib: number("--download-mib", 200, MAX_MIB)?,
        upload_mib: number("--upload-mib", 100, MAX_MIB)?,
        bb,
    })
}

/// Pseudo-random bytes (xorshift), so nothing along the way can make them smaller; the same
/// sequence in the server and here, 8 bytes at a time.
struct Noise(u64);

impl Noise {
    fn new() -> Self {
        Self(0x9e37_79b9_7f4a_7c15)
    }

    /// Fills `buf` (a multiple of 8 bytes long) with the next bytes.
    fn fill(&mut self, buf: &mut [u8]) {
        for word in buf.chunks_exact_mut(8) {
            let x = &mut self.0;
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
    }
}

async fn serve(mib: u64) -> Result<(), Box<dyn std::error::Error>> {
    let mut content = vec![0u8; (mib << 20) as usize];
    Noise::new().fill(&mut content);
    let content = Bytes::from(content);
    let fake = FakeBrowserbase::start().await?;
    let id = fake.add_download("bench-session", "big.bin", content.to_vec());
    let floor = floor_server(content).await?;
    println!("{} {id} {floor}", fake.url());
    std::io::stdout().flush()?;
    // Serve until the parent closes our stdin (or goes away).
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    Ok(())
}

/// The floor: a minimal hyper server on 127.0.0.1. GET answers `content`; any other method reads
/// the body, drops it and answers `{}`. Returns its URL.
async fn floor_server(content: Bytes) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        // Bounded by the benchmark's requests: the process ends when the parent closes stdin.
        while let Ok((stream, _)) = listener.accept().await {
            let content = content.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<_>| {
                    let content = content.clone();
                    async move {
                        let get = req.method() == hyper::Method::GET;
                        let body = if get {
                            content
                        } else {
                            let mut body: hyper::body::Incoming = req.into_body();
                            while let Some(frame) = body.frame().await {
                                frame?;
                            }
                            Bytes::from_static(b"{}")
                        };
                        Ok::<_, hyper::Error>(Response::new(Full::new(body)))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(url)
}

fn measure(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if !args.bb.is_file() {
        return Err(format!(
            "no bb binary at {} (cargo build --release -p bb-api-ext --features cli --bin bb, or pass --bb PATH)",
            args.bb.display()
        )
        .into());
    }
    if !Path::new(TIME).is_file() {
        return Err(format!("{TIME} (GNU time) is needed for the peak RSS of each command").into());
    }
    let before = uptime();
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--serve", "--download-mib", &args.download_mib.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().ok_or("no child stdout")?).read_line(&mut line)?;
    let result = run_cases(args, &line);
    drop(child.stdin.take());
    let _ = child.wait();
    let cases = result?;
    report(args, &cases, &before, &uptime());
    Ok(())
}

const TIME: &str = "/usr/bin/time";

fn run_cases(args: &Args, line: &str) -> Result<Vec<Case>, Box<dyn std::error::Error>> {
    let mut words = line.split_whitespace();
    let (Some(fake), Some(id), Some(floor)) = (words.next(), words.next(), words.next()) else {
        return Err(format!("the server printed {line:?}").into());
    };
    for url in [fake, floor] {
        if !url.starts_with("http://127.0.0.1:") {
            return Err(format!("refusing a non-loopback URL {url:?}").into());
        }
    }
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("download.bin");
    let zip = dir.path().join("extension.zip");
    write_noise(&zip, args.upload_mib << 20)?;
    let want = expected_sha256(args.download_mib << 20);
    let key_header = format!("x-bb-api-key: {}", FakeBrowserbase::API_KEY);
    let download_url = format!("{fake}/v1/downloads/{id}");
    let zip_arg = format!("file=@{}", zip.display());
    let bb = args.bb.to_string_lossy().into_owned();
    let out_s = out.to_string_lossy().into_owned();
    let zip_s = zip.to_string_lossy().into_owned();
    let curl_get = |url: &str| -> Vec<String> {
        [
            "curl",
            "-sSf",
            "-o",
            &out_s,
            "-H",
            &key_header,
            "-H",
            "accept: application/octet-stream",
            url,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let curl_post = |url: &str| -> Vec<String> {
        [
            "curl",
            "-sSf",
            "-o",
            "/dev/null",
            "-H",
            &key_header,
            "-H",
            "accept: application/json",
            "-F",
            &zip_arg,
            url,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let plans: Vec<(&'static str, Option<&'static str>, Vec<String>, bool)> = vec![
        (
            "download: bb downloads get",
            Some("download: curl -o (fake)"),
            [bb.as_str(), "downloads", "get", id, "-o", &out_s]
                .map(str::to_owned)
                .to_vec(),
            true,
        ),
        (
            "download: curl -o (fake)",
            None,
            curl_get(&download_url),
            true,
        ),
        (
            "download: curl -o; sync FILE (fake)",
            Some("download: curl -o (fake)"),
            vec![
                "sh".to_owned(),
                "-c".to_owned(),
                "curl -sSf -o \"$1\" -H \"$2\" -H 'accept: application/octet-stream' \"$3\" && sync \"$1\"".to_owned(),
                "sh".to_owned(),
                out_s.clone(),
                key_header.clone(),
                download_url.clone(),
            ],
            true,
        ),
        (
            "download: curl -o (floor)",
            Some("download: curl -o (fake)"),
            curl_get(&format!("{floor}/big.bin")),
            true,
        ),
        (
            "upload: bb extensions upload",
            Some("upload: curl -F (fake)"),
            [bb.as_str(), "extensions", "upload", &zip_s]
                .map(str::to_owned)
                .to_vec(),
            false,
        ),
        (
            "upload: curl -F (fake)",
            None,
            curl_post(&format!("{fake}/v1/extensions")),
            false,
        ),
        (
            "upload: curl -F (floor)",
            Some("upload: curl -F (fake)"),
            curl_post(&format!("{floor}/upload")),
            false,
        ),
    ];
    let mut cases: Vec<Case> = plans
        .iter()
        .map(|(name, versus, _, _)| Case {
            name,
            versus: *versus,
            samples: Vec::new(),
        })
        .collect();
    let rss_file = dir.path().join("rss.txt");
    // Interleaved: run r of every case before run r + 1 of any.
    for run in 0..args.runs {
        for ((name, _, argv, downloads), case) in plans.iter().zip(cases.iter_mut()) {
            let _ = std::fs::remove_file(&out);
            let started = Instant::now();
            let output = Command::new(TIME)
                .args(["-f", "%M", "-o"])
                .arg(&rss_file)
                .args(argv)
                .env("BROWSERBASE_API_KEY", FakeBrowserbase::API_KEY)
                .env("BROWSERBASE_BASE_URL", fake)
                .stdin(Stdio::null())
                .output()?;
            let wall_s = started.elapsed().as_secs_f64();
            if !output.status.success() {
                return Err(format!(
                    "{name} (run {run}) failed: {}\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                )
                .into());
            }
            let max_rss_kb = std::fs::read_to_string(&rss_file)?
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<u64>().ok())
                .ok_or("no peak RSS from /usr/bin/time")?;
            if *downloads {
                let got = sha256_of(&out)?;
                if got != want {
                    return Err(format!("{name}: the file's SHA-256 {got} is not {want}").into());
                }
            }
            eprintln!("run {run}: {name}: {wall_s:.3} s, {max_rss_kb} kB");
            case.samples.push(Sample { wall_s, max_rss_kb });
        }
    }
    Ok(cases)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn report(args: &Args, cases: &[Case], before: &str, after: &str) {
    let med = |c: &Case| median(c.samples.iter().map(|s| s.wall_s).collect());
    let by_name = |name: &str| cases.iter().find(|c| c.name == name);
    println!(
        "bench_streams: download {} MiB, upload {} MiB, {} runs each, interleaved, loopback",
        args.download_mib, args.upload_mib, args.runs
    );
    println!("uptime before: {before}");
    println!(
        "| {:<36} | {:>12} | {:>9} | {:>10} | {:>13} |",
        "case", "median wall", "MiB/s", "ratio", "peak RSS (MB)"
    );
    println!(
        "|{:-<38}|{:->14}|{:->11}|{:->12}|{:->15}|",
        "", "", "", "", ""
    );
    let mut json = serde_json::Map::new();
    for c in cases {
        let m = med(c);
        let mib = if c.name.starts_with("download") {
            args.download_mib
        } else {
            args.upload_mib
        };
        let ratio = c.versus.and_then(by_name).map(|v| m / med(v));
        let rss_mb = c.samples.iter().map(|s| s.max_rss_kb).max().unwrap_or(0) as f64 / 1024.0;
        println!(
            "| {:<36} | {:>10.3} s | {:>9.1} | {:>10} | {:>13.1} |",
            c.name,
            m,
            mib as f64 / m,
            ratio.map_or("-".to_owned(), |r| format!("{r:.3}")),
            rss_mb
        );
        json.insert(
            c.name.to_owned(),
            serde_json::json!({
                "median_wall_s": (m * 1000.0).round() / 1000.0,
                "walls_s": c.samples.iter().map(|s| (s.wall_s * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
                "ratio": ratio.map(|r| (r * 1000.0).round() / 1000.0),
                "versus": c.versus,
                "peak_rss_mb": (rss_mb * 10.0).round() / 10.0,
            }),
        );
    }
    if let (Some(bb), Some(synced)) = (
        by_name("download: bb downloads get"),
        by_name("download: curl -o; sync FILE (fake)"),
    ) {
        println!(
            "download: bb / (curl -o; sync FILE): {:.3} (bb fsyncs the temporary file before the rename; curl does not)",
            med(bb) / med(synced)
        );
    }
    println!(
        "ratio: median wall time over the `versus` row's (bb rows: over curl against the fake; floor rows: curl against the floor over curl against the fake). Goals: bb ≤ 1.1, peak RSS ≤ 64 MB."
    );
    println!("uptime after: {after}");
    json.insert("download_mib".into(), args.download_mib.into());
    json.insert("upload_mib".into(), args.upload_mib.into());
    json.insert("runs".into(), args.runs.into());
    json.insert("uptime_before".into(), before.into());
    json.insert("uptime_after".into(), after.into());
    println!("{}", serde_json::Value::Object(json));
}

fn uptime() -> String {
    Command::new("uptime")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|e| format!("(uptime: {e})"))
}

/// Writes `len` bytes of noise to `path` (the .zip to upload: the fake checks only its name).
fn write_noise(path: &Path, len: u64) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut noise = Noise::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        noise.fill(&mut buf[..n]);
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    file.flush()
}

/// The SHA-256 of the server's download content, generated again in 1 MiB chunks.
fn expected_sha256(len: u64) -> String {
    let mut hash = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    let mut noise = Noise::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        noise.fill(&mut buf[..n]);
        hash.update(&buf[..n]);
        left -= n as u64;
    }
    hex(hash.finish().as_ref())
}
