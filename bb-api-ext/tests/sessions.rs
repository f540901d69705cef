//! Sessions against the fake: the wire of each operation, the per-operation settings rules, the
//! release guard's one release per ending, evidence, recording downloads, and secrets.

use std::sync::Arc;
use std::time::Duration;

use bb_api_ext::testing::{
    DownloadCorruption, FakeBrowserbase, Fault, FunctionScript, RecordedRequest,
};
use bb_api_ext::{
    Error, FileSource, InvocationExt, Proxy, SessionCreateParams, SessionRegion, SessionStatus,
    StreamExt, is_under_base_url,
};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

fn releases(fake: &FakeBrowserbase, id: Uuid) -> Vec<RecordedRequest> {
    fake.requests_to("POST", &format!("/v1/sessions/{id}"))
        .into_iter()
        .filter(|r| r.path == format!("/v1/sessions/{id}"))
        .collect()
}

/// Waits (bounded) until `n` releases of `id` have arrived: a dropped guard releases from a task.
async fn await_releases(fake: &FakeBrowserbase, id: Uuid, n: usize) -> usize {
    for _ in 0..200 {
        if releases(fake, id).len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // A little longer, so that a second (wrong) release would be seen too.
    tokio::time::sleep(Duration::from_millis(50)).await;
    releases(fake, id).len()
}

#[tokio::test]
async fn bad_settings_are_refused_before_any_request_with_every_violation() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let err = client
        .sessions()
        .create(
            SessionCreateParams::builder()
                .timeout(Duration::from_secs(30))
                .region("eu-centrl-1")
                .proxies([Proxy::external("not a url")]),
        )
        .await
        .expect_err("invalid");
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    let paths: Vec<&str> = v.paths().collect();
    assert_eq!(
        paths,
        [
            "session.proxies[0].server",
            "session.region",
            "session.timeout"
        ]
    );
    assert_eq!(
        v.violations()[1].to_string(),
        "session.region: must be one of us-west-2, us-east-1, eu-central-1, ap-southeast-1 (got \"eu-centrl-1\"); did you mean eu-central-1?"
    );
    assert_eq!(
        v.violations()[2].to_string(),
        "session.timeout: must be whole seconds in 60..=21600 (got 30)"
    );

    let err = client
        .sessions()
        .create(SessionCreateParams::builder().timeout_secs(21_601))
        .await
        .expect_err("too long");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 1 invalid field; session.timeout: must be whole seconds in 60..=21600 (got 21601)"
    );

    // Six hours is fine for a session, not for an invocation's; nor are keepAlive and region.
    let long = SessionCreateParams::builder().timeout(Duration::from_secs(1000));
    assert!(long.clone().build_session().is_ok());
    let published = fake.add_function(FunctionScript::new("f"));
    let err = client
        .functions()
        .invoke(published.function_id)
        .session(long.keep_alive(true).region(SessionRegion::UsEast1))
        .send()
        .await
        .expect_err("invoke rules");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 3 invalid fields; \
         sessionCreateParams.keepAlive: is only for a session created directly (client.sessions().create): an invocation's session ends with the invocation; \
         sessionCreateParams.region: is only for a session created directly (client.sessions().create): an invocation's session runs in its Function's region; \
         sessionCreateParams.timeout: must be whole seconds in 60..=900 (got 1000)"
    );
    assert_eq!(fake.requests_received(), 0, "nothing was sent");
}

#[tokio::test]
async fn create_sends_only_what_was_set_and_keeps_the_signing_key_secret() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let created = client
        .sessions()
        .create(
            SessionCreateParams::builder()
                .timeout(Duration::from_secs(7200))
                .keep_alive(true)
                .region("us-east-1")
                .user_metadata(json!({"order": "1234"})),
        )
        .await
        .expect("created");
    assert_eq!(created.status, SessionStatus::Running);
    assert_eq!(created.region, Some(SessionRegion::UsEast1));
    let key = created.signing_key.expose_secret().to_owned();
    assert!(created.connect_url.expose_secret().contains(&key));
    let debug = format!("{created:?}");
    assert!(!debug.contains(&key), "{debug}");
    assert!(debug.contains("SessionSigningKey([REDACTED])"), "{debug}");

    let sent = fake.requests_to("POST", "/v1/sessions");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/v1/sessions");
    assert_eq!(sent[0].query, None);
    assert_eq!(sent[0].header("content-type"), Some("application/json"));
    assert_eq!(sent[0].header("x-bb-api-key"), Some("[REDACTED]"));
    assert_eq!(
        std::str::from_utf8(&sent[0].body).expect("utf-8"),
        r#"{"userMetadata":{"order":"1234"},"timeout":7200,"keepAlive":true,"region":"us-east-1"}"#
    );

    // An empty settings object sends `{}`: the project's defaults apply.
    client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");
    let sent = fake.requests_to("POST", "/v1/sessions");
    assert_eq!(&sent[1].body[..], b"{}");

    // get: the same secrets, redacted.
    let got = client.sessions().get(created.id).await.expect("get");
    assert!(!format!("{got:?}").contains(&key));
    let gets = fake.requests_to("GET", &format!("/v1/sessions/{}", created.id));
    assert_eq!(gets[0].path, format!("/v1/sessions/{}", created.id));
}

#[tokio::test]
async fn a_create_that_may_have_been_sent_is_never_repeated_and_says_so() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    fake.inject(Fault::Status(StatusCode::BAD_GATEWAY), 1);
    let err = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect_err("502");
    assert_eq!(err.status(), Some(502));
    assert!(
        err.to_string().starts_with("create session: HTTP 502"),
        "{err}"
    );
    assert_eq!(fake.requests_to("POST", "/v1/sessions").len(), 1);

    fake.clear_requests();
    fake.inject(Fault::CloseConnection, 1);
    let err = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect_err("closed");
    assert!(
        err.to_string().contains(
            "request may have been sent (if it was an invoke or a session create, a billed session may have started"
        ),
        "{err}"
    );
    assert_eq!(fake.requests_to("POST", "/v1/sessions").len(), 1);
}

#[tokio::test]
async fn release_sends_request_release_once_and_release_and_wait_ends_on_an_ended_session() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let created = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");
    let answer = client
        .sessions()
        .release(created.id)
        .await
        .expect("release");
    assert_eq!(answer.id, created.id);
    let sent = releases(&fake, created.id);
    assert_eq!(sent.len(), 1);
    assert_eq!(&sent[0].body[..], br#"{"status":"REQUEST_RELEASE"}"#);
    assert_eq!(sent[0].header("content-type"), Some("application/json"));

    let other = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");
    let ended = client
        .sessions()
        .release_and_wait(other.id)
        .await
        .expect("ended");
    assert_eq!(ended.status, SessionStatus::Completed);
    assert!(ended.ended_at.is_some());
    assert_eq!(releases(&fake, other.id).len(), 1);

    // Already ended: no second release, and success.
    let again = client
        .sessions()
        .release_and_wait(other.id)
        .await
        .expect("ended");
    assert_eq!(again.status, SessionStatus::Completed);
    assert_eq!(releases(&fake, other.id).len(), 1);
}

#[tokio::test]
async fn the_guard_releases_exactly_once_on_every_ending() {
    let fake = Arc::new(FakeBrowserbase::start().await.expect("fake"));
    let client = fake.client();
    let sessions = client.sessions();

    // Return.
    let id = sessions
        .with_session(SessionCreateParams::builder(), |s| async move {
            Ok::<_, Error>(s.id())
        })
        .await
        .expect("ok");
    assert_eq!(await_releases(&fake, id, 1).await, 1, "return");

    // Error.
    let seen = Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    let err = sessions
        .with_session(SessionCreateParams::builder(), |s| async move {
            *seen2.lock().expect("lock") = Some(s.id());
            Err::<(), Box<dyn std::error::Error + Send + Sync>>("the scope failed".into())
        })
        .await;
    assert!(err.is_err());
    let id = seen.lock().expect("lock").expect("ran");
    assert_eq!(await_releases(&fake, id, 1).await, 1, "error");

    // Panic.
    let seen = Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    let s2 = sessions.clone();
    let joined = tokio::spawn(async move {
        s2.with_session(SessionCreateParams::builder(), |s| async move {
            *seen2.lock().expect("lock") = Some(s.id());
            if s.id() != Uuid::nil() {
                panic!("the scope panics");
            }
            Ok::<(), Error>(())
        })
        .await
    })
    .await;
    assert!(joined.is_err_and(|e| e.is_panic()));
    let id = seen.lock().expect("lock").expect("ran");
    assert_eq!(await_releases(&fake, id, 1).await, 1, "panic");

    // A dropped future.
    let seen = Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    let timed_out = tokio::time::timeout(
        Duration::from_millis(300),
        sessions.with_session(SessionCreateParams::builder(), |s| async move {
            *seen2.lock().expect("lock") = Some(s.id());
            std::future::pending::<()>().await;
            Ok::<(), Error>(())
        }),
    )
    .await;
    assert!(timed_out.is_err());
    let id = seen.lock().expect("lock").expect("ran");
    assert_eq!(await_releases(&fake, id, 1).await, 1, "dropped future");

    // A dropped guard.
    let guard = sessions
        .start(SessionCreateParams::builder())
        .await
        .expect("started");
    let id = guard.id();
    drop(guard);
    assert_eq!(await_releases(&fake, id, 1).await, 1, "dropped guard");

    // A keepAlive session the scope keeps: no release.
    let id = sessions
        .with_session(
            SessionCreateParams::builder().keep_alive(true),
            |s| async move {
                assert!(s.keep());
                Ok::<_, Error>(s.id())
            },
        )
        .await
        .expect("kept");
    assert_eq!(await_releases(&fake, id, 0).await, 0, "kept");
    // Without keepAlive, keep() is refused and the session released.
    let id = sessions
        .with_session(SessionCreateParams::builder(), |s| async move {
            assert!(!s.keep());
            Ok::<_, Error>(s.id())
        })
        .await
        .expect("released");
    assert_eq!(await_releases(&fake, id, 1).await, 1, "not keepAlive");
}

#[tokio::test]
async fn list_sends_status_and_q_and_the_orphan_finder_keeps_old_running_sessions() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let a = client
        .sessions()
        .create(SessionCreateParams::builder().user_metadata(json!({"team": "growth"})))
        .await
        .expect("a");
    let b = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("b");
    client.sessions().release(b.id).await.expect("released");

    let growth = client
        .sessions()
        .list()
        .status(SessionStatus::Running)
        .query("user_metadata['team']:'growth'")
        .try_collect()
        .await
        .expect("list");
    assert_eq!(growth.iter().map(|s| s.id).collect::<Vec<_>>(), [a.id]);
    let lists = fake.requests_to("GET", "/v1/sessions");
    let list = lists
        .iter()
        .find(|r| r.path == "/v1/sessions")
        .expect("list sent");
    assert_eq!(
        list.query_pairs(),
        [
            ("status".to_owned(), "RUNNING".to_owned()),
            ("q".to_owned(), "user_metadata['team']:'growth'".to_owned())
        ]
    );

    let old = client
        .sessions()
        .orphans(Duration::from_secs(3600))
        .try_collect()
        .await
        .expect("orphans");
    assert!(old.is_empty(), "none started an hour ago");
    let running = client
        .sessions()
        .orphans(Duration::ZERO)
        .try_collect()
        .await
        .expect("orphans");
    assert_eq!(running.iter().map(|s| s.id).collect::<Vec<_>>(), [a.id]);
}

#[tokio::test]
async fn evidence_logs_recording_replays_and_live_urls() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let s = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");
    let handle = client.sessions().session(s.id);

    let live = handle.debug().await.expect("debug");
    assert_eq!(live.pages.len(), 1);

    let logs = handle.logs().await.expect("logs");
    assert_eq!(logs[0].method, "Page.navigate");
    let request = logs[0].request.as_ref().expect("request");
    assert_eq!(request.params["url"], "https://example.com/");
    assert!(request.raw_body.contains("\"method\":\"Page.navigate\""));

    let events: Vec<serde_json::Value> = handle
        .recording()
        .await
        .expect("recording")
        .map(|e| e.expect("event"))
        .collect()
        .await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["type"], 4);
    assert_eq!(events[0]["data"]["href"], "https://example.com/");

    let replays = handle.replays().await.expect("replays");
    assert_eq!(replays.page_count, 1);
    let m3u8 = handle.replay_page(&replays.pages[0]).await.expect("m3u8");
    assert!(m3u8.starts_with("#EXTM3U\n"), "{m3u8}");
    let sent = fake.requests_to("GET", &format!("/v1/sessions/{}/replays/0", s.id));
    assert_eq!(
        sent[0].header("accept"),
        Some("application/vnd.apple.mpegurl, text/plain;q=0.5")
    );
    let err = client
        .sessions()
        .replay_page(s.id, "1234")
        .await
        .expect_err("bad page id");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 1 invalid field; pageId: must be one to three digits, a replay page's pageId (got \"1234\")"
    );
}

#[tokio::test]
async fn recording_downloads_wait_until_ready_and_their_urls_are_not_under_the_base_url() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let s = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");

    let err = client
        .sessions()
        .recording_downloads(s.id)
        .await
        .expect_err("running");
    assert!(matches!(err, Error::RecordingUnavailable { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "recording of session {} not available: the session has not ended (HTTP 409): release it (release_and_wait) and ask again",
            s.id
        )
    );

    client
        .sessions()
        .release_and_wait(s.id)
        .await
        .expect("ended");
    let ready = client
        .sessions()
        .recording_downloads(s.id)
        .await
        .expect("ready");
    assert!(ready.is_settled());
    let url = ready.downloads[0].download_url.clone().expect("url");
    assert!(url.starts_with("http://localhost:"), "{url}");
    assert!(!is_under_base_url(client.base_url(), &url));
    let path = format!("/v1/sessions/{}/recording/downloads", s.id);
    assert_eq!(fake.requests_to("POST", &path).len(), 2, "one 409, one 202");
    assert!(
        fake.requests_to("GET", &path).len() >= 3,
        "polled until ready"
    );
    // The client never fetched the presigned URL with the key (nor at all).
    assert!(fake.requests_to("GET", "/presigned/").is_empty());

    let off = client
        .sessions()
        .create(
            SessionCreateParams::builder()
                .browser_settings(bb_api_ext::BrowserSettings::new().record_session(false)),
        )
        .await
        .expect("created");
    client
        .sessions()
        .release_and_wait(off.id)
        .await
        .expect("ended");
    let err = client
        .sessions()
        .recording_downloads(off.id)
        .await
        .expect_err("disabled");
    assert!(matches!(err, Error::RecordingUnavailable { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "recording of session {} not available: recording was disabled for this session (HTTP 422, recordSession: false): there is nothing to assemble",
            off.id
        )
    );
    assert_eq!(err.status(), Some(422));
}

#[tokio::test]
async fn an_invocation_has_a_session_with_evidence() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let f = fake.add_function(FunctionScript::new("scrape").with_results(json!({"ok": true})));
    let inv = client
        .functions()
        .invoke(f.function_id)
        .send_and_wait()
        .await
        .expect("done");
    let session = inv.session(&client);
    assert_eq!(session.id(), inv.session_id);
    let got = session.get().await.expect("session");
    assert_eq!(got.status, SessionStatus::Completed);
    assert!(!session.logs().await.expect("logs").is_empty());
    let ready = session.recording_downloads().await.expect("downloads");
    assert!(ready.is_settled());
}

/// A failed invocation whose session downloaded `report.pdf`; its id, session and the download.
async fn failed_invocation_with_a_download(
    fake: &FakeBrowserbase,
    client: &bb_api_ext::Client,
) -> (Uuid, String) {
    let f = fake.add_function(
        FunctionScript::new("fails")
            .with_failure(bb_api_ext::InvocationCauseCode::WorkloadError, "boom"),
    );
    let inv = client
        .functions()
        .invoke(f.function_id)
        .send()
        .await
        .expect("accepted");
    let _ = client.invocations().wait(inv.id).await;
    let got = client.invocations().get(inv.id).await.expect("invocation");
    let download = fake.add_download(got.session_id, "report.pdf", &b"%PDF-1.7 fake report"[..]);
    (inv.id, download)
}

/// A fresh folder under the temp dir, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(what: &str) -> Self {
        Self(std::env::temp_dir().join(format!("bb-{what}-{}", Uuid::new_v4())))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The names under `dir` (recursively, relative, sorted): nothing hidden may be left behind.
fn names_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under dir");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn evidence_of_an_invocation_is_written_into_its_folder_with_a_complete_manifest() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let (inv, _) = failed_invocation_with_a_download(&fake, &client).await;
    let dir = TempDir::new("evidence");
    let manifest = client
        .invocations()
        .evidence(inv)
        .max_wait(Duration::from_secs(30))
        .write_to(&dir.0)
        .await
        .expect("evidence");
    let names: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "invocation.json",
            "invocation-logs.json",
            "session.json",
            "session-logs.json",
            "recording.jsonl",
            "replays.json",
            "recording-downloads.json",
            "recording-page-0.mp4",
            "downloads/report.pdf",
        ]
    );
    assert!(manifest.is_complete(), "{:?}", manifest.missing);
    assert_eq!(manifest.summary(), "9 files");
    // Exactly these files and the manifest: no temporary file left beside them.
    let mut want: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    want.push("manifest.json".to_owned());
    want.sort();
    assert_eq!(names_under(&dir.0), want);
    let recording = std::fs::read_to_string(dir.0.join("recording.jsonl")).expect("read");
    assert_eq!(recording.lines().count(), 3);
    let mp4 = std::fs::read(dir.0.join("recording-page-0.mp4")).expect("mp4");
    assert_eq!(&mp4[4..8], b"ftyp");
    let pdf = std::fs::read(dir.0.join("downloads/report.pdf")).expect("download");
    assert_eq!(pdf, b"%PDF-1.7 fake report");
    // Each entry's size and SHA-256 are those of the file on disk.
    for file in &manifest.files {
        let bytes = std::fs::read(dir.0.join(&file.name)).expect("file");
        assert_eq!(file.bytes, bytes.len() as u64, "{}", file.name);
        assert_eq!(file.sha256, sha256_hex(&bytes), "{}", file.name);
    }
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.0.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(written["invocationId"], json!(inv));
    assert_eq!(written["files"][4]["name"], "recording.jsonl");
    assert_eq!(written["files"][4]["bytes"], recording.len() as u64);
    assert_eq!(
        written["files"][8],
        json!({
            "name": "downloads/report.pdf",
            "bytes": 20,
            "sha256": sha256_hex(b"%PDF-1.7 fake report"),
        })
    );
    assert_eq!(written["missing"], json!([]));
    // The MP4 came from the presigned host, without the API key.
    let presigned = fake.requests_to("GET", "/presigned/");
    assert_eq!(presigned.len(), 1);
    assert_eq!(presigned[0].header("x-bb-api-key"), None);
}
#[tokio::test]
async fn evidence_lists_a_corrupt_download_as_missing_and_leaves_nothing_at_its_name() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let (inv, download) = failed_invocation_with_a_download(&fake, &client).await;
    assert!(fake.corrupt_download(&download, DownloadCorruption::FlipByte));
    let dir = TempDir::new("evidence");
    // A file an earlier run left at that name goes too: the folder agrees with the manifest.
    std::fs::create_dir_all(dir.0.join("downloads")).expect("dir");
    std::fs::write(dir.0.join("downloads/report.pdf"), b"stale").expect("stale");
    let manifest = client
        .invocations()
        .evidence(inv)
        .write_to(&dir.0)
        .await
        .expect("evidence");
    assert!(!manifest.is_complete());
    let missing: Vec<&str> = manifest.missing.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(missing, ["downloads/report.pdf"]);
    let mut flipped = b"%PDF-1.7 fake report".to_vec();
    flipped[0] ^= 0xff;
    assert_eq!(
        manifest.missing[0].reason,
        format!(
            "download {download} is corrupt: its SHA-256 is {}, not the checksum {}; nothing was kept, download it again",
            sha256_hex(&flipped),
            sha256_hex(b"%PDF-1.7 fake report"),
        )
    );
    assert!(!dir.0.join("downloads/report.pdf").exists());
    assert!(
        manifest
            .files
            .iter()
            .all(|f| f.name != "downloads/report.pdf")
    );
    assert_eq!(
        manifest.summary(),
        "8 files, 1 missing: downloads/report.pdf"
    );
    assert!(
        !names_under(&dir.0)
            .iter()
            .any(|n| n.starts_with("downloads/")),
        "{:?}",
        names_under(&dir.0)
    );
}

#[tokio::test]
async fn evidence_streams_a_large_download_verified_and_drops_a_large_corrupt_one() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let (inv, _) = failed_invocation_with_a_download(&fake, &client).await;
    let session = client
        .invocations()
        .get(inv)
        .await
        .expect("invocation")
        .session_id;
    // 3 MiB of varied bytes (a pattern a truncation or a flipped byte would change).
    let big: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    fake.add_download(session, "trace.zip", big.clone());
    let cut = fake.add_download(session, "video.webm", big.clone());
    assert!(fake.corrupt_download(&cut, DownloadCorruption::CutShort));
    let dir = TempDir::new("evidence");
    let manifest = client
        .invocations()
        .evidence(inv)
        .write_to(&dir.0)
        .await
        .expect("evidence");
    let trace = manifest
        .files
        .iter()
        .find(|f| f.name == "downloads/trace.zip")
        .expect("listed");
    assert_eq!(trace.bytes, big.len() as u64);
    assert_eq!(trace.sha256, sha256_hex(&big));
    assert_eq!(
        std::fs::read(dir.0.join("downloads/trace.zip")).expect("written"),
        big
    );
    let missing: Vec<&str> = manifest.missing.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(missing, ["downloads/video.webm"]);
    assert_eq!(
        manifest.missing[0].reason,
        format!(
            "download {cut} is corrupt: {} bytes arrived, its size is {}; nothing was kept, download it again",
            big.len() / 2,
            big.len()
        )
    );
    assert_eq!(
        names_under(&dir.0.join("downloads")),
        ["report.pdf", "trace.zip"],
        "no partial or temporary file"
    );
}

#[tokio::test]
async fn a_presigned_mp4_fetch_that_fails_is_retried_from_the_start() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client_builder().build().expect("client");
    let (_, ready) = ended_with_recording(&client).await;
    let dir = TempDir::new("mp4");
    std::fs::create_dir_all(&dir.0).expect("dir");
    let path = dir.0.join("page-0.mp4");
    // The next request, the presigned fetch, answers 503 once; then a closed connection once.
    fake.inject(Fault::Status(StatusCode::SERVICE_UNAVAILABLE), 1);
    fake.inject(Fault::CloseConnection, 1);
    let n = client
        .sessions()
        .save_recording_page(&ready.downloads[0], &path)
        .await
        .expect("saved on the third attempt");
    let mp4 = std::fs::read(&path).expect("mp4");
    assert_eq!(n, mp4.len() as u64);
    assert_eq!(&mp4[4..8], b"ftyp");
    let presigned = fake.requests_to("GET", "/presigned/");
    assert_eq!(presigned.len(), 3, "two failures, then the file");
    assert!(presigned.iter().all(|r| r.header("x-bb-api-key").is_none()));
    assert_eq!(names_under(&dir.0), ["page-0.mp4"], "no partial file left");

    // A 403 (an expired signature) is not retried, and leaves nothing.
    let other = dir.0.join("page-0-again.mp4");
    fake.inject(Fault::Status(StatusCode::FORBIDDEN), 1);
    let err = client
        .sessions()
        .save_recording_page(&ready.downloads[0], &other)
        .await
        .expect_err("403");
    assert_eq!(err.status(), Some(403));
    assert_eq!(
        fake.requests_to("GET", "/presigned/").len(),
        4,
        "one attempt"
    );
    assert_eq!(names_under(&dir.0), ["page-0.mp4"]);
}

#[tokio::test]
async fn a_future_dropped_while_its_create_is_in_flight_releases_the_session_once() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let sessions = client.sessions();
    for (case, settings) in [
        ("with_session", SessionCreateParams::builder()),
        // A keepAlive session too: its caller never had the chance to keep it.
        ("keepAlive", SessionCreateParams::builder().keep_alive(true)),
    ] {
        fake.hold_session_creates(Duration::from_millis(400));
        let settings = settings.user_metadata(json!({"case": case}));
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ran2 = ran.clone();
        let gave_up = tokio::time::timeout(
            Duration::from_millis(100),
            sessions.with_session(settings, |_| async move {
                ran2.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok::<(), Error>(())
            }),
        )
        .await;
        assert!(gave_up.is_err(), "{case}: the create was still held");
        fake.hold_session_creates(Duration::ZERO);
        let found = sessions
            .list()
            .query(format!("user_metadata['case']:'{case}'"))
            .stream()
            .try_collect()
            .await
            .expect("listed");
        assert_eq!(found.len(), 1, "{case}: created once");
        let id = found[0].id;
        assert_eq!(await_releases(&fake, id, 1).await, 1, "{case}");
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst), "{case}");
    }

    // `start` alone, dropped mid-create.
    fake.hold_session_creates(Duration::from_millis(400));
    let settings = SessionCreateParams::builder().user_metadata(json!({"case": "start"}));
    let gave_up = tokio::time::timeout(Duration::from_millis(100), sessions.start(settings)).await;
    assert!(gave_up.is_err());
    fake.hold_session_creates(Duration::ZERO);
    let found = sessions
        .list()
        .query("user_metadata['case']:'start'")
        .stream()
        .try_collect()
        .await
        .expect("listed");
    assert_eq!(await_releases(&fake, found[0].id, 1).await, 1, "start");
    assert_eq!(
        fake.requests_to("POST", "/v1/sessions")
            .iter()
            .filter(|r| r.path == "/v1/sessions")
            .count(),
        3,
        "each create sent once"
    );
}

#[tokio::test]
async fn recording_downloads_past_retention_say_so() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let s = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");
    client
        .sessions()
        .release_and_wait(s.id)
        .await
        .expect("ended");
    fake.advance(Duration::from_secs(31 * 24 * 3600));
    let err = client
        .sessions()
        .recording_downloads(s.id)
        .await
        .expect_err("gone");
    assert!(matches!(err, Error::RecordingUnavailable { .. }), "{err:?}");
    assert_eq!(err.status(), Some(410));
    assert_eq!(
        err.to_string(),
        format!(
            "recording of session {} not available: the recording is past its retention window (HTTP 410) and can no longer be assembled",
            s.id
        )
    );
    let err = client
        .sessions()
        .list_recording_downloads(s.id)
        .await
        .expect_err("gone");
    assert_eq!(err.status(), Some(410));
    // Answered once each: a 410 is final.
    let path = format!("/v1/sessions/{}/recording/downloads", s.id);
    assert_eq!(fake.requests_to("POST", &path).len(), 1);
    assert_eq!(fake.requests_to("GET", &path).len(), 1);
}

#[tokio::test]
async fn a_session_upload_streams_one_multipart_part_file_with_its_name() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let s = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");
    let dir = std::env::temp_dir().join(format!("bb-upload-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("invoice.pdf");
    std::fs::write(&file, b"%PDF-1.7 invoice").expect("file");
    let answer = client
        .sessions()
        .upload(s.id, file.as_path())
        .await
        .expect("uploaded");
    assert_eq!(answer.message, "File uploaded");
    let sent = fake.requests_to("POST", &format!("/v1/sessions/{}/uploads", s.id));
    assert_eq!(sent.len(), 1, "sent once");
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].path, format!("/v1/sessions/{}/uploads", s.id));
    let content_type = sent[0].header("content-type").expect("content type");
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&sent[0].body);
    assert!(
        body.contains("Content-Disposition: form-data; name=\"file\"; filename=\"invoice.pdf\""),
        "{body}"
    );
    assert!(body.contains("\r\n\r\n%PDF-1.7 invoice\r\n--"), "{body}");
    assert_eq!(body.matches("Content-Disposition").count(), 1);

    // From a reader: the same wire, and refused before any request when empty.
    let answer = client
        .sessions()
        .upload(s.id, FileSource::reader(&b"abc"[..], "notes.txt", 3))
        .await
        .expect("uploaded");
    assert_eq!(answer.message, "File uploaded");
    let err = client
        .sessions()
        .upload(s.id, FileSource::bytes(Vec::new(), "empty.txt"))
        .await
        .expect_err("empty");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(
        fake.requests_to("POST", &format!("/v1/sessions/{}/uploads", s.id))
            .len(),
        2
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_fake_refuses_a_session_upload_without_one_part_file() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let s = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(&b"a"[..]).file_name("a.txt"),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(&b"b"[..]).file_name("b.txt"),
        );
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/sessions/{}/uploads", fake.url(), s.id))
        .header("x-bb-api-key", fake.api_key())
        .multipart(form)
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let text = answer.text().await.expect("body");
    assert!(text.contains("the part `file` is sent twice"), "{text}");
}

#[tokio::test]
async fn a_recording_mp4_is_saved_from_its_presigned_url_without_the_api_key() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let (id, ready) = ended_with_recording(&client).await;
    let page = &ready.downloads[0];
    let dir = std::env::temp_dir().join(format!("bb-mp4-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("page-0.mp4");
    let n = client
        .sessions()
        .save_recording_page(page, &path)
        .await
        .expect("saved");
    let mp4 = std::fs::read(&path).expect("mp4");
    assert_eq!(n, mp4.len() as u64);
    assert_eq!(&mp4[4..8], b"ftyp");
    let presigned = fake.requests_to("GET", "/presigned/");
    assert_eq!(presigned.len(), 1);
    let url = page.download_url.as_deref().expect("url");
    assert!(!is_under_base_url(client.base_url(), url));
    assert_eq!(presigned[0].header("x-bb-api-key"), None, "no API key");
    assert_eq!(presigned[0].header("user-agent"), None, "no client header");
    // The API requests carried the key (recorded as present, redacted).
    let api = fake.requests_to("GET", &format!("/v1/sessions/{id}/recording/downloads"));
    assert!(api.iter().all(|r| r.header("x-bb-api-key").is_some()));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A session created, released and ended, and its recording's MP4s ready (on the fake: after a
/// poll or two).
async fn ended_with_recording(
    client: &bb_api_ext::Client,
) -> (Uuid, bb_api_ext::RecordingDownloads) {
    let s = client
        .sessions()
        .create(SessionCreateParams::builder())
        .await
        .expect("created");
    client
        .sessions()
        .release_and_wait(s.id)
        .await
        .expect("ended");
    let ready = client
        .sessions()
        .recording_downloads(s.id)
        .await
        .expect("ready");
    (s.id, ready)
}

#[tokio::test]
async fn evidence_of_a_running_invocation_keeps_no_session_secret() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake.client();
    let f = fake.add_function(FunctionScript::new("slow").with_run_time(Duration::from_secs(60)));
    let inv = client
        .functions()
        .invoke(f.function_id)
        .send()
        .await
        .expect("accepted");
    let session = client
        .sessions()
        .get(inv.session_id)
        .await
        .expect("session");
    assert!(
        session.signing_key.is_some(),
        "a running session has its key"
    );
    let dir = TempDir::new("evidence-running");
    client
        .invocations()
        .evidence(inv.id)
        .max_wait(Duration::from_secs(2))
        .write_to(&dir.0)
        .await
        .expect("evidence");
    let written = std::fs::read_to_string(dir.0.join("session.json")).expect("session.json");
    let key = format!("sk_fake_{}", inv.session_id.simple());
    assert!(!written.contains(&key), "{written}");
    assert!(!written.contains("signingKey"), "{written}");
    assert!(!written.contains("connectUrl"), "{written}");
    assert!(written.contains(&inv.session_id.to_string()), "{written}");
}
