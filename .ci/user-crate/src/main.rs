//! The README's "Use it" example, run from the packaged crates: against the crate's fake Browserbase
//! server, then the same code against the fake `bb dev` (dev mode). Exits non-zero if either
//! does not give the expected result.

use std::time::Duration;

use bb_api_ext::testing::{DevHandler, FakeBrowserbase, FakeDevServer};
use bb_api_ext::{
    BrowserSettings, Client, Geolocation, InvocationExt, PollSchedule, Proxy, SessionCreateParams,
};

/// The README's example, with the client passed in instead of `Client::from_env()`.
async fn readme_example(client: &Client) -> Result<Option<serde_json::Value>, bb_api_ext::Error> {
    let invocation = client
        .functions()
        .invoke("scrape-title") // a Function's name (from defineFn) or its id
        .params(serde_json::json!({"url": "https://example.com"}))
        .session(
            SessionCreateParams::builder()
                .timeout_secs(300)
                .browser_settings(BrowserSettings::new().block_ads(true))
                // Mixed proxy kinds: `Proxy::from(...)` on each (or `.into()`).
                .proxies([
                    Proxy::from(
                        Proxy::browserbase().geolocation(Geolocation::country("US").state("NY")),
                    ),
                    Proxy::from(Proxy::none().domain_pattern("*.internal.example.com")),
                ]),
        )
        .send_and_wait() // polls until COMPLETED; FAILED is an error carrying the cause
        .await?;
    let title: Option<serde_json::Value> = invocation.results_as()?;
    println!("{title:?}");
    Ok(title)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeBrowserbase::demo().await?;
    let client = fake
        .client_builder()
        .poll_schedule(PollSchedule::every(Duration::from_millis(50)))
        .build()?;
    let title = readme_example(&client).await?;
    let got = title.as_ref().and_then(|t| t["title"].as_str());
    if got.is_none() {
        return Err(format!("the fake's scrape-title gave no title: {title:?}").into());
    }

    let dev = FakeDevServer::start().await?;
    dev.define(
        "scrape-title",
        DevHandler::returns(serde_json::json!({"title": "Example Domain"})),
    );
    let title = readme_example(&dev.client()).await?;
    if title != Some(serde_json::json!({"title": "Example Domain"})) {
        return Err(format!("dev mode gave {title:?}").into());
    }
    println!("the README's example ran against the packaged crates (fake API and fake bb dev)");
    Ok(())
}
