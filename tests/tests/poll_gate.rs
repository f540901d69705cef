//! One client has at most 64 polls in flight, so thousands of waits do not open thousands of
//! connections; a poll that finds them all taken waits its turn within its deadline.

use std::time::Duration;

use bb_api_ext::testing::{FakeBrowserbase, Fault, FunctionScript, Operation};
use bb_api_ext::{Error, Invocation};
use serde_json::json;
use tokio::task::JoinSet;
use uuid::Uuid;

const WAITS: usize = 100;

fn slow_function() -> FunctionScript {
    FunctionScript::new("slow")
        .with_run_time(Duration::from_secs(120))
        .with_results(json!({"ok": true}))
}

#[tokio::test(start_paused = true)]
async fn a_client_has_at_most_64_polls_in_flight() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(slow_function());
    let client = fake.client();
    let ids = invoke_all(&client, "slow").await;
    // Every poll hangs: the first 64 hold their turn until the deadline, the rest never get one.
    fake.inject_for(Operation::InvocationsGet, Fault::Hang, 10 * WAITS);
    let ended = wait_all(&client, &ids, Duration::from_secs(3)).await;
    assert_all_timed_out_unanswered(ended);
    assert_eq!(fake.request_count(Operation::InvocationsGet), 64);
}

#[tokio::test(start_paused = true)]
async fn the_limit_is_the_clients_to_set() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(slow_function());
    let client = fake
        .client_builder()
        .max_polls_in_flight(10)
        .build()
        .expect("client");
    let ids = invoke_all(&client, "slow").await;
    fake.inject_for(Operation::InvocationsGet, Fault::Hang, 10 * WAITS);
    let ended = wait_all(&client, &ids, Duration::from_secs(3)).await;
    assert_all_timed_out_unanswered(ended);
    assert_eq!(fake.request_count(Operation::InvocationsGet), 10);
}

#[tokio::test(start_paused = true)]
async fn waits_beyond_the_gate_all_finish_with_one_poll_each_when_answers_come() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(FunctionScript::new("quick").with_results(json!(7)));
    let client = fake.client();
    let ids = invoke_all(&client, "quick").await;
    let ended = wait_all(&client, &ids, Duration::from_secs(60)).await;

    assert_eq!(ended.len(), WAITS);
    for (_, result) in ended {
        assert_eq!(result.expect("completed").results, Some(json!(7)));
    }
    assert_eq!(fake.request_count(Operation::InvocationsGet), WAITS as u64);
}

/// Invokes the Function `WAITS` times, one after another; the ids accepted.
async fn invoke_all(client: &bb_api_ext::Client, function: &str) -> Vec<Uuid> {
    let mut ids = Vec::with_capacity(WAITS);
    for _ in 0..WAITS {
        let accepted = client.functions().invoke(function).send().await;
        ids.push(accepted.expect("invoked").id);
    }
    ids
}

/// Every wait ended at its deadline, for its own id, without any poll answered.
#[track_caller]
fn assert_all_timed_out_unanswered(ended: Vec<(Uuid, Result<Invocation, Error>)>) {
    assert_eq!(ended.len(), WAITS);
    for (id, result) in ended {
        match result {
            Err(Error::WaitTimeout { id: got, last, .. }) => {
                assert_eq!(got, id);
                assert!(last.is_none(), "no poll answered");
            }
            other => panic!("wait for {id}: {other:?}"),
        }
    }
}

/// Waits for every id at once, each with `max_wait`; every result with its id.
async fn wait_all(
    client: &bb_api_ext::Client,
    ids: &[Uuid],
    max_wait: Duration,
) -> Vec<(Uuid, Result<Invocation, Error>)> {
    let mut waits = JoinSet::new();
    for id in ids {
        let (id, wait) = (*id, client.invocations().wait(*id).max_wait(max_wait));
        waits.spawn(async move { (id, wait.await) });
    }
    waits.join_all().await
}
