//! Contexts, extensions, certificates, downloads and projects against the fake server: the exact
//! wire of each request (method, path, query, `Accept`, JSON or multipart parts), refusals before
//! any request, verified downloads that leave nothing behind when corrupt, and the project's
//! concurrency.

use std::path::Path;
use std::time::Duration;

use bb_api_ext::testing::{DownloadCorruption, FakeBrowserbase, FunctionScript, RecordedRequest};
use bb_api_ext::{
    BrowserSettings, CipherAlgorithm, Client, Corruption, Error, FileSource, ProxySettings,
    RetryConfig, SessionCreateParams, StreamExt,
};
use serde_json::{Value, json};

const PEM: &str = "-----BEGIN CERTIFICATE-----
AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v
-----END CERTIFICATE-----
";

fn client(fake: &FakeBrowserbase) -> Client {
    fake.client_builder()
        .retry(RetryConfig::disabled())
        .build()
        .expect("client")
}

/// The one request recorded since the last clear.
fn only_request(fake: &FakeBrowserbase) -> RecordedRequest {
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    requests.into_iter().next().expect("one request")
}

/// The request body schema of `operation_id` in the spec, as JSON.
fn request_schema(operation_id: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/browserbase.yaml");
    let spec: Value =
        serde_norway::from_str(&std::fs::read_to_string(path).expect("spec")).expect("parses");
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if op["operationId"] == operation_id {
                return op["requestBody"]["content"]["application/json"]["schema"].clone();
            }
        }
    }
    panic!("{operation_id} is not in the spec")
}

/// The parts of a multipart body: (name, file name, bytes) of each.
fn parts(request: &RecordedRequest) -> Vec<(String, Option<String>, Vec<u8>)> {
    let content_type = request.header("content-type").expect("content-type");
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let body = &request.body[..];
    let mut out = Vec::new();
    let mut rest = body;
    // Bounded: each turn consumes one delimiter of the body.
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let head_end = find(rest, b"\r\n\r\n").expect("part head");
        let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        let content = &rest[head_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes()).expect("part end");
        let name = between(&head, "name=\"", "\"").expect("part name");
        let file_name = between(&head, "filename=\"", "\"");
        out.push((name, file_name, content[..end].to_vec()));
        rest = &content[end + 2..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(text[from..from + len].to_owned())
}

#[tokio::test]
async fn contexts_create_get_update_delete_on_the_wire() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = client(&fake);

    let created = client.contexts().create().await.expect("created");
    let request = only_request(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/v1/contexts")
    );
    assert_eq!(request.query, None);
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(&request.body[..], b"{}", "nothing the caller did not set");
    let body: Value = serde_json::from_slice(&request.body).expect("JSON");
    let schema = request_schema("Contexts_create");
    assert!(
        jsonschema::validator_for(&schema)
            .expect("schema")
            .is_valid(&body),
        "{body} against {schema}"
    );
    assert_eq!(created.cipher_algorithm, CipherAlgorithm::Aes256Cbc);
    assert_eq!(created.initialization_vector_size, 16);
    assert!(created.public_key.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert!(created.upload_url.expose().contains("signature="));
    let shown = format!("{created:?}");
    assert!(
        !shown.contains("signature="),
        "the upload URL is hidden: {shown}"
    );

    fake.clear_requests();
    let got = client.contexts().get(&created.id).await.expect("got");
    assert_eq!(got.id, created.id.as_str());
    let request = only_request(&fake);
    assert_eq!(
        (request.method.as_str(), request.path),
        ("GET", format!("/v1/contexts/{}", created.id))
    );

    fake.clear_requests();
    let updated = client
        .contexts()
        .update(&created.id)
        .await
        .expect("updated");
    assert_eq!(updated.id, created.id);
    assert_ne!(updated.upload_url, created.upload_url, "a fresh upload URL");
    let request = only_request(&fake);
    assert_eq!(request.method, "PUT");
    assert!(request.body.is_empty());

    client
        .contexts()
        .delete(&created.id)
        .await
        .expect("deleted");
    let err = client.contexts().get(&created.id).await.expect_err("gone");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert!(err.to_string().contains(created.id.as_str()), "{err}");

    // The typed id goes into session settings as `browserSettings.context`.
    let params = SessionCreateParams::builder()
        .browser_settings(BrowserSettings::new().context(&created.id, true))
        .build()
        .expect("valid");
    assert_eq!(
        serde_json::to_value(&params).expect("serializes"),
        json!({"browserSettings": {"context": {"id": created.id.as_str(), "persist": true}}})
    );
}

#[tokio::test]
async fn an_extension_is_streamed_as_one_part_file_with_its_name() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = client(&fake);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("blocker.zip");
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).expect("written");

    let extension = client
        .extensions()
        .upload(path.as_path())
        .await
        .expect("uploaded");
    assert_eq!(extension.file_name, "blocker.zip");
    let request = only_request(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/v1/extensions")
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert!(
        request
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("multipart/form-data; boundary=")),
        "{request:?}"
    );
    assert_eq!(
        parts(&request),
        vec![(
            "file".to_owned(),
            Some("blocker.zip".to_owned()),
            content.clone()
        )]
    );

    // From a reader, named by the caller.
    fake.clear_requests();
    let reader = std::io::Cursor::new(content.clone());
    let from_reader = client
        .extensions()
        .upload(FileSource::reader(
            reader,
            "other.zip",
            content.len() as u64,
        ))
        .await
        .expect("uploaded");
    assert_eq!(from_reader.file_name, "other.zip");
    assert_eq!(parts(&only_request(&fake))[0].2, content);

    let got = client.extensions().get(&extension.id).await.expect("got");
    assert_eq!(got.id, extension.id);
    client
        .extensions()
        .delete(&extension.id)
        .await
        .expect("deleted");
    let err = client
        .extensions()
        .get(&extension.id)
        .await
        .expect_err("gone");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn an_upload_over_the_fake_s_body_limit_streams_through_and_other_bodies_keep_it() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = client(&fake);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.zip");
    // 6 MiB: over the 4 MiB every other route reads, under the 512 MiB an upload may stream.
    let content: Vec<u8> = (0..6u32 << 20).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &content).expect("written");

    let extension = client
        .extensions()
        .upload(path.as_path())
        .await
        .expect("uploaded");
    assert_eq!(extension.file_name, "big.zip");
    let request = only_request(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/v1/extensions")
    );
    assert!(
        request.body.is_empty(),
        "a body over 4 MiB is not kept: {} bytes",
        request.body.len()
    );
    assert_eq!(
        client
            .extensions()
            .get(&extension.id)
            .await
            .expect("got")
            .id,
        extension.id
    );

    // Any other route still refuses a body over 4 MiB.
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/contexts", fake.url()))
        .header("x-bb-api-key", FakeBrowserbase::API_KEY)
        .body(vec![b' '; 5 << 20])
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let text = answer.text().await.expect("body");
    assert!(text.contains("limit of 4194304 bytes"), "{text}");
}

#[tokio::test]
async fn bad_extensions_are_refused_before_any_request() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = client(&fake);
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.zip");
    std::fs::write(&empty, b"").expect("written");
    let not_zip = dir.path().join("extension.tar");
    std::fs::write(&not_zip, b"data").expect("written");

    let cases: Vec<(FileSource, &str)> = vec![
        (
            FileSource::path(dir.path().join("missing.zip")),
            "cannot read",
        ),
        (FileSource::path(&empty), "is empty"),
        (FileSource::path(&not_zip), "must end with .zip"),
        (FileSource::path(dir.path()), "is not a file"),
        (
            FileSource::reader(
                tokio::io::empty(),
                "huge.zip",
                bb_api_ext::MAX_EXTENSION_BYTES + 1,
            ),
            "over the limit of 268435456 bytes",
        ),
    ];
    for (source, rule) in cases {
        let err = client
            .extensions()
            .upload(source)
            .await
            .expect_err("refused");
        let Error::Validation(v) = &err else {
            panic!("{err:?}");
        };
        assert!(v.has_path("file"), "{err}");
        assert!(err.to_string().contains(rule), "{err} should say {rule:?}");
    }
    assert_eq!(fake.requests_received(), 0, "nothing was sent");
}

#[tokio::test]
async fn certificates_are_checked_as_pem_and_their_ids_go_into_proxy_settings() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = client(&fake);

    for (text, rule) in [
        ("just text", "holds no CERTIFICATE PEM block"),
        (
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
            "is not valid PEM",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "holds no CERTIFICATE PEM block",
        ),
        ("", "is empty"),
    ] {
        let err = client
            .certificates()
            .upload(FileSource::bytes(text.as_bytes().to_vec(), "ca.pem"))
            .await
            .expect_err("refused");
        assert!(err.to_string().contains(rule), "{err} should say {rule:?}");
    }
    assert_eq!(fake.requests_received(), 0, "nothing was sent");

    let certificate = client
        .certificates()
        .upload(FileSource::bytes(PEM.as_bytes().to_vec(), "ca.pem"))
        .await
        .expect("uploaded");
    let request = only_request(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/v1/certificates")
    );
    assert_eq!(
        parts(&request),
        vec![(
            "file".to_owned(),
            Some("ca.pem".to_owned()),
            PEM.as_bytes().to_vec()
        )]
    );

    let all = client.certificates().list().await.expect("listed");
    assert_eq!(all.len(), 1);
    assert_eq!(
        client
            .certificates()
            .get(&certificate.id)
            .await
            .expect("got")
            .id,
        certificate.id
    );
    let params = SessionCreateParams::builder()
        .proxy_settings(ProxySettings::ca_certificates([&certificate.id]))
        .build()
        .expect("the id is accepted");
    assert_eq!(
        serde_json::to_value(&params).expect("serializes")["proxySettings"],
        json!({"caCertificates": [certificate.id]})
    );
    client
        .certificates()
        .delete(&certificate.id)
        .await
        .expect("deleted");
    assert!(
        client
            .certificates()
            .list()
            .await
            .expect("listed")
            .is_empty()
    );
}

/// Files in `dir`, by name.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_invocation_s_downloads_are_fetched_verified_into_a_folder() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let report: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    fake.add_function(
        FunctionScript::new("export")
            .with_download("report.pdf", report.clone())
            .with_download("rows.csv", b"a,b\n1,2\n".to_vec()),
    );
    let client = client(&fake);
    let invocation = client
        .functions()
        .invoke("export")
        .send_and_wait()
        .await
        .expect("completed");

    fake.clear_requests();
    let dir = tempfile::tempdir().expect("temp dir");
    let fetched = client
        .downloads()
        .of_session(invocation.session_id, dir.path(), Duration::from_secs(30))
        .await
        .expect("fetched");
    let names: Vec<&str> = fetched.iter().map(|(d, _)| d.filename.as_str()).collect();
    assert_eq!(names, ["report.pdf", "rows.csv"]);
    assert_eq!(
        std::fs::read(dir.path().join("report.pdf")).expect("file"),
        report
    );
    assert_eq!(files_in(dir.path()), ["report.pdf", "rows.csv"]);

    let requests = fake.requests();
    let list = &requests[0];
    assert_eq!(
        (list.method.as_str(), list.path.as_str()),
        ("GET", "/v1/downloads")
    );
    assert_eq!(
        list.query.as_deref(),
        Some(format!("sessionId={}&offset=0&limit=100", invocation.session_id).as_str())
    );
    let content = requests
        .iter()
        .find(|r| r.path.starts_with("/v1/downloads/"))
        .expect("a content request");
    assert_eq!(content.header("accept"), Some("application/octet-stream"));
}

#[tokio::test]
async fn the_download_list_sends_every_filter_and_pages_by_offset() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = client(&fake);
    for i in 0..5 {
        fake.add_download("sess-1", &format!("f{i}.txt"), vec![b'x'; 10 + i]);
    }
    fake.add_download("sess-2", "other.txt", b"y".to_vec());

    let after = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("time")
        .to_utc();
    let page = client
        .downloads()
        .list("sess-1")
        .filename("f1.txt")
        .mime_type("text/plain")
        .min_size(1)
        .max_size(1000)
        .created_between(Some(after), None)
        .page_size(2)
        .page(0)
        .await
        .expect("page");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].filename, "f1.txt");
    assert_eq!(
        only_request(&fake).query.as_deref(),
        Some(
            "sessionId=sess-1&filename=f1.txt&mimeType=text%2Fplain&minSize=1&maxSize=1000&createdAfter=2026-01-01T00%3A00%3A00.000Z&offset=0&limit=2"
        )
    );

    fake.clear_requests();
    let all = client
        .downloads()
        .list("sess-1")
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .expect("all");
    assert_eq!(all.len(), 5);
    assert_eq!(fake.requests().len(), 3, "pages of 2, 2 and 1");

    let err = client
        .downloads()
        .list("sess-1")
        .filename("n".repeat(256))
        .stream()
        .next()
        .await
        .expect("one item")
        .expect_err("refused");
    assert!(err.to_string().contains("filename"), "{err}");
}

#[tokio::test]
async fn a_corrupt_or_short_download_leaves_no_file() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = client(&fake);
    let content = vec![7u8; 100_000];
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("out.bin");

    let id = fake.add_download("sess", "out.bin", content.clone());
    let meta = client.downloads().save(&*id, &target).await.expect("saved");
    assert_eq!(std::fs::read(&target).expect("file"), content);
    assert_eq!(meta.size_bytes(), Some(100_000));
    std::fs::remove_file(&target).expect("removed");

    assert!(fake.corrupt_download(&id, DownloadCorruption::FlipByte));
    let err = client
        .downloads()
        .save(&*id, &target)
        .await
        .expect_err("corrupt");
    assert!(
        matches!(&err, Error::CorruptDownload { problem: Corruption::ChecksumMismatch { expected, .. }, .. } if *expected == meta.checksum),
        "{err:?}"
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );

    assert!(fake.corrupt_download(&id, DownloadCorruption::CutShort));
    let err = client
        .downloads()
        .save(&*id, &target)
        .await
        .expect_err("short");
    assert!(
        matches!(
            &err,
            Error::CorruptDownload {
                problem: Corruption::SizeMismatch {
                    expected: 100_000,
                    received: 50_000
                },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
    assert!(err.to_string().contains("nothing was kept"), "{err}");

    // A good one replaces nothing until it is complete, then is in place.
    let good = fake.add_download("sess", "good.bin", b"fine".to_vec());
    let mut sink = Vec::new();
    client
        .downloads()
        .write_to(&*good, &mut sink)
        .await
        .expect("written");
    assert_eq!(sink, b"fine");
    client.downloads().delete(&*good).await.expect("deleted");
    let err = client.downloads().get(&*good).await.expect_err("gone");
    assert!(err.to_string().contains(&good), "{err}");
}

#[tokio::test]
async fn projects_and_the_concurrency_limit() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(FunctionScript::new("slow").with_run_time(Duration::from_secs(600)));
    fake.set_project_concurrency(1);
    let client = client(&fake);

    let project = client.projects().current().await.expect("project");
    assert_eq!(project.concurrency, 1);
    let got = client.projects().get(&*project.id).await.expect("got");
    assert_eq!(got.id, project.id);
    let usage = client.projects().usage(&*project.id).await.expect("usage");
    assert_eq!(usage.browser_minutes, 0);
    let err = client.projects().get("nope").await.expect_err("unknown");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");

    fake.clear_requests();
    assert_eq!(client.projects().concurrency().await.expect("read"), 1);
    assert_eq!(
        client
            .clone()
            .projects()
            .concurrency()
            .await
            .expect("cached"),
        1
    );
    assert_eq!(fake.requests().len(), 1, "read once per client");

    client
        .functions()
        .invoke("slow")
        .send()
        .await
        .expect("the first runs");
    let err = client
        .functions()
        .invoke("slow")
        .send()
        .await
        .expect_err("no slot");
    let Error::ConcurrencyLimited(limit) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        (limit.limit, limit.current, limit.error.status),
        (Some(1), Some(1), 429)
    );
    assert!(
        err.to_string().contains("concurrent sessions limit of 1"),
        "{err}"
    );
}

#[tokio::test]
async fn invoke_many_takes_the_project_s_concurrency_when_none_is_set() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(FunctionScript::new("quick"));
    fake.set_project_concurrency(3);
    let client = client(&fake);
    let results = client
        .functions()
        .invoke_many("quick", [json!({}), json!({}), json!({})])
        .collect()
        .await
        .expect("ran");
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let project_reads = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/projects")
        .count();
    assert_eq!(project_reads, 1);
}

#[tokio::test]
async fn an_upload_that_may_have_been_sent_is_never_repeated() {
    use bb_api_ext::testing::Fault;
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = fake
        .client_builder()
        .retry(
            RetryConfig::default()
                .with_max_retries(3)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .expect("client");
    fake.inject(Fault::CloseConnection, 1);
    let err = client
        .extensions()
        .upload(FileSource::bytes(b"PK\x03\x04".to_vec(), "x.zip"))
        .await
        .expect_err("the connection closed");
    assert!(
        matches!(
            err,
            Error::Transport {
                request_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(fake.requests_received(), 1, "not repeated");
    // The same fault on a read is retried.
    fake.inject(Fault::CloseConnection, 1);
    client.projects().list().await.expect("retried");
}

#[test]
fn responses_newer_than_the_spec_decode() {
    let keys: bb_api_ext::ContextKeys = serde_json::from_value(json!({
        "id": "ctx-1",
        "uploadUrl": "https://upload.example/x?sig=1",
        "publicKey": "key",
        "cipherAlgorithm": "XCHACHA20-POLY1305",
        "initializationVectorSize": 24,
        "region": "eu-central-1",
    }))
    .expect("decodes");
    assert_eq!(
        keys.cipher_algorithm,
        CipherAlgorithm::Unknown("XCHACHA20-POLY1305".to_owned())
    );
    let download: bb_api_ext::Download = serde_json::from_value(json!({
        "id": "d1", "sessionId": "s", "filename": "", "mimeType": "x/y", "size": 1.5,
        "checksum": "not-hex", "createdAt": "2026-01-01T00:00:00Z", "expiresAt": "later",
    }))
    .expect("decodes");
    assert_eq!(download.size_bytes(), None, "a size that is no byte count");
    let project: bb_api_ext::Project = serde_json::from_value(json!({
        "id": "p", "name": "", "ownerId": "o", "defaultTimeout": 60, "concurrency": 0,
        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "plan": "scale",
    }))
    .expect("decodes");
    assert_eq!(project.concurrency, 0);
}

#[tokio::test]
async fn the_fake_s_checksums_are_real_sha256() {
    // (An unparsable checksum, which the fake never sends, is skipped with a warning: unit tests
    // of bb-api-ext's files/download.rs.)
    let fake = FakeBrowserbase::start().await.expect("fake");
    let client = client(&fake);
    let id = fake.add_download("sess", "a.txt", b"abc".to_vec());
    let dir = tempfile::tempdir().expect("temp dir");
    let meta = client
        .downloads()
        .save(&*id, dir.path().join("a.txt"))
        .await
        .expect("saved");
    assert_eq!(meta.checksum.len(), 64);
    assert_eq!(
        meta.checksum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "the real SHA-256 of abc"
    );
}
