//! The examples' one way to show an invocation's log lines.

use bb_api_ext::{Client, DateTime, Utc, Uuid};

/// A log line's time as `HH:MM:SS.mmm`, or `-` when it has none.
pub fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| t.format("%H:%M:%S%.3f").to_string())
}

/// The last log lines of a failed invocation: usually where its Function said what went wrong.
pub async fn print_last(client: &Client, id: Uuid) {
    match client.invocations().logs(id).await {
        Ok(logs) => {
            eprintln!("\nLast log lines of invocation {id}:");
            let skip = logs.logs.len().saturating_sub(10);
            for line in logs.logs.iter().skip(skip) {
                eprintln!("  {}  {}", time(line.time()), line.message);
            }
        }
        Err(e) => eprintln!("(could not read its logs: {e})"),
    }
}
