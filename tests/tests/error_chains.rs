//! Real errors printed by every chain printer a caller is likely to use: `{}` of our error,
//! anyhow's `{:#}` and `{:?}`, eyre's `{:?}`. Each cause reads exactly once; a case whose cause is
//! another error leaves it to `source()`, and one whose detail is its own (validation, the
//! configuration) has no `source()`.

use std::error::Error as _;

use bb_api_ext::{Client, Error, Proxy, SessionCreateParams};
use bb_api_tests::fault_server::{FaultServer, Script, Step, head, refused_port};
use bb_api_tests::fixtures::{
    FUNCTION_ID, INVOCATION_ID, client, client_custom, fast_retry, generous_timeouts,
};
use httpmock::MockServer;

/// An error as each printer shows it, with the server's port replaced by `PORT`.
#[derive(Debug)]
struct Printed {
    display: String,
    anyhow_alternate: String,
    anyhow_debug: String,
    eyre_debug: String,
    /// `Display` of the error, then of each `source()` in turn.
    chain: Vec<String>,
}

fn print(error: Error, port: Option<u16>) -> Printed {
    let tidy = |s: String| match port {
        Some(port) => s.replace(&format!("127.0.0.1:{port}/"), "127.0.0.1:PORT/"),
        None => s,
    };
    let mut chain = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = next {
        chain.push(tidy(e.to_string()));
        next = e.source();
    }
    let display = tidy(error.to_string());
    let anyhow = anyhow::Error::new(error);
    let anyhow_alternate = tidy(format!("{anyhow:#}"));
    // anyhow appends a backtrace when RUST_BACKTRACE asks for one; eyre appends where the report
    // was made. Neither is part of the chain.
    let anyhow_debug = format!("{anyhow:?}");
    let anyhow_debug = tidy(cut_at(&anyhow_debug, "\n\nStack backtrace:").to_owned());
    let error = match anyhow.downcast::<Error>() {
        Ok(error) => error,
        Err(other) => panic!("not our error: {other:?}"),
    };
    let eyre_debug = format!("{:?}", eyre::Report::new(error));
    let eyre_debug = tidy(cut_at(&eyre_debug, "\n\nLocation:").to_owned());
    Printed {
        display,
        anyhow_alternate,
        anyhow_debug,
        eyre_debug,
        chain,
    }
}

fn cut_at<'a>(text: &'a str, marker: &str) -> &'a str {
    text.find(marker).map_or(text, |at| &text[..at])
}

/// No printer shows any link of the chain twice; `{}` shows only the error's own message.
#[track_caller]
fn assert_each_cause_once(p: &Printed) {
    for (i, text) in p.chain.iter().enumerate() {
        for (printer, shown) in [
            ("anyhow {:#}", &p.anyhow_alternate),
            ("anyhow {:?}", &p.anyhow_debug),
            ("eyre {:?}", &p.eyre_debug),
        ] {
            assert_eq!(
                shown.matches(text.as_str()).count(),
                1,
                "{printer} shows {text:?} other than once:\n{shown}"
            );
        }
        let in_display = usize::from(i == 0);
        assert_eq!(
            p.display.matches(text.as_str()).count(),
            in_display,
            "{{}} shows {text:?} {} times, not {in_display}:\n{}",
            p.display.matches(text.as_str()).count(),
            p.display
        );
    }
}

/// `head` then `causes` (none, or two or more: anyhow numbers causes only when there are
/// several), exactly as each printer shows them, each once.
#[track_caller]
fn assert_printed<C: AsRef<str>>(p: &Printed, head: &str, causes: &[C]) {
    let causes: Vec<&str> = causes.iter().map(AsRef::as_ref).collect();
    assert_ne!(
        causes.len(),
        1,
        "this helper spells out none or several causes"
    );
    let mut chain = vec![head];
    chain.extend(&causes);
    assert_eq!(p.chain, chain);
    assert_eq!(p.display, head);
    if causes.is_empty() {
        for shown in [&p.anyhow_alternate, &p.anyhow_debug, &p.eyre_debug] {
            assert_eq!(shown, head);
        }
    } else {
        let numbered = |indent: &str| {
            let lines: Vec<String> = causes
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{indent}{i}: {c}"))
                .collect();
            format!("{head}\n\nCaused by:\n{}", lines.join("\n"))
        };
        assert_eq!(p.anyhow_alternate, format!("{head}: {}", causes.join(": ")));
        assert_eq!(p.anyhow_debug, numbered("    "));
        assert_eq!(p.eyre_debug, numbered("   "));
    }
    assert_each_cause_once(p);
}

const REFUSED: &str = "transport error, request not sent (check the network and the base URL)";
const MAY_HAVE_BEEN_SENT: &str = "transport error, request may have been sent (if it was an invoke \
     or a session create, a billed session may have started: check the Function's invocations, or \
     the running sessions, before trying again)";

#[tokio::test]
async fn a_refused_connection_reads_each_cause_once() {
    let port = refused_port();
    let client = client_custom(
        &format!("http://127.0.0.1:{port}"),
        fast_retry(0),
        generous_timeouts(),
    );
    let err = client
        .invocations()
        .get(INVOCATION_ID)
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(
            err,
            Error::Transport {
                request_sent: false,
                ..
            }
        ),
        "{err:?}"
    );
    let p = print(err, Some(port));
    let url = format!("http://127.0.0.1:PORT/v1/functions/invocations/{INVOCATION_ID}");
    let causes = [
        format!("error sending request for url ({url})"),
        "client error (Connect)".to_owned(),
        "tcp connect error".to_owned(),
        "Connection refused (os error 111)".to_owned(),
    ];
    assert_printed(&p, REFUSED, &causes);
}

/// The case: a body cut short read "error decoding response body" twice.
#[tokio::test]
async fn a_body_cut_short_reads_each_cause_once() {
    let mut cut_short = head(200, &[("content-type", "application/json")]);
    cut_short.truncate(cut_short.len() - 2);
    cut_short.extend_from_slice(b"content-length: 100\r\n\r\n{\"id\":");
    let server = FaultServer::start([Script::new()
        .then(Step::ReadRequest)
        .then(Step::Write(cut_short))])
    .await;
    let client = client_custom(&server.base_url(), fast_retry(0), generous_timeouts());
    let err = client
        .invocations()
        .get(INVOCATION_ID)
        .await
        .expect_err("body cut short");
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
    let p = print(err, None);
    let causes = [
        "error decoding response body",
        "error reading a body from connection",
        "end of file before message length reached",
    ];
    assert_printed(&p, MAY_HAVE_BEEN_SENT, &causes);
}

/// Configuration errors are the `ConfigError`'s own message, once, with no cause of their own.
#[test]
fn a_bad_base_url_reads_once() {
    let cases = [
        (
            "not a url",
            "base URL \"not a url\" is invalid: relative URL without a base; \
             use an https URL such as https://api.browserbase.com",
        ),
        (
            "ftp://api.example.com",
            "base URL \"ftp://api.example.com\" is invalid: scheme must be https (or http to \
             loopback), not \"ftp\"; use an https URL such as https://api.browserbase.com",
        ),
        (
            "http://api.example.com",
            "base URL \"http://api.example.com\" is plain http to a non-loopback host, which would \
             send the API key unencrypted; use https or ClientBuilder::allow_insecure_http(true)",
        ),
    ];
    for (url, want) in cases {
        let err = Client::builder()
            .api_key("k")
            .base_url(url)
            .build()
            .expect_err("bad base URL");
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(err.source().is_none(), "{url}: {err:?}");
        assert_printed::<&str>(&print(err, None), want, &[]);
    }
}

/// Validation errors list every violation in their own message and have no `source()`, so no
/// printer repeats the list.
#[tokio::test]
async fn validation_errors_read_once() {
    let server = MockServer::start_async().await;
    let err = client(&server.base_url())
        .functions()
        .invoke(FUNCTION_ID)
        .session(
            SessionCreateParams::builder()
                .timeout_secs(30)
                .proxies([Proxy::external("socks5://proxy:1080")]),
        )
        .send()
        .await
        .expect_err("two violations");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert!(err.source().is_none(), "{err:?}");
    let want = "invalid request, nothing was sent: 2 invalid fields; \
                sessionCreateParams.proxies[0].server: scheme must be http or https (got \"socks5\"); \
                sessionCreateParams.timeout: must be whole seconds in 60..=900 (got 30)";
    assert_printed::<&str>(&print(err, None), want, &[]);
}
