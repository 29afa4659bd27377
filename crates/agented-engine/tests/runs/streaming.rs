//! The log bus: live subscribers, late subscribers, resume after N, many subscribers.

use agented_domain::ExecutionStatus;

use crate::support::{assert_consecutive, TestEngine};

const CHATTY: &str = "i=1; while [ $i -le 3000 ]; do echo \"line $i\"; i=$((i+1)); done";

#[tokio::test]
async fn a_live_subscriber_gets_every_line_once_in_order_then_complete() {
    let t = TestEngine::with_claude(&format!("sleep 0.2; {CHATTY}"), |_| {}).await;
    let rec = t.submit("hello").await;
    let (lines, status) = t.subscribe_all(&rec.id, 0).await;
    assert_eq!(status, Some(ExecutionStatus::Success));
    assert_consecutive(&lines, 1);
    assert_eq!(lines.len(), 3001, "3000 lines plus the exit line");
    assert_eq!(
        lines,
        t.lines(&rec.id).await,
        "live and stored logs are the same"
    );
}

#[tokio::test]
async fn subscribers_joining_mid_run_and_after_the_end_miss_nothing() {
    let t = TestEngine::with_claude(&format!("{CHATTY}; sleep 0.3; {CHATTY}"), |_| {}).await;
    let rec = t.submit("hello").await;
    t.wait_for(&rec.id, 20, |r| r.status == ExecutionStatus::Running)
        .await;
    let mid = {
        let engine = &t;
        let id = rec.id.clone();
        async move { engine.subscribe_all(&id, 0).await }
    };
    let (lines, status) = mid.await;
    assert_eq!(status, Some(ExecutionStatus::Success));
    assert_consecutive(&lines, 1);
    assert_eq!(lines.len(), 6001);
    let (late, status) = t.subscribe_all(&rec.id, 0).await;
    assert_eq!(status, Some(ExecutionStatus::Success));
    assert_eq!(late.len(), 6001);
}

#[tokio::test]
async fn resuming_after_line_n_starts_exactly_at_n_plus_one() {
    let t = TestEngine::with_claude(CHATTY, |_| {}).await;
    let rec = t.submit("hello").await;
    t.finished(&rec.id, 30).await;
    let (lines, status) = t.subscribe_all(&rec.id, 1234).await;
    assert_eq!(status, Some(ExecutionStatus::Success));
    assert_eq!(lines.first().map(|l| l.line.seq), Some(1235));
    assert_consecutive(&lines, 1235);
}

#[tokio::test]
async fn many_subscribers_all_get_the_whole_log() {
    let t = TestEngine::with_claude(&format!("sleep 0.3; {CHATTY}"), |_| {}).await;
    let rec = t.submit("hello").await;
    let subs = (0..50).map(|_| t.subscribe_all(&rec.id, 0));
    for (lines, status) in futures_util::future::join_all(subs).await {
        assert_eq!(status, Some(ExecutionStatus::Success));
        assert_eq!(lines.len(), 3001);
        assert_consecutive(&lines, 1);
    }
}

#[tokio::test]
async fn a_subscriber_to_a_queued_run_waits_for_it_to_start() {
    let t = TestEngine::with_claude("sleep 0.5; echo one; echo two", |c| {
        c.max_concurrent_runs = 1
    })
    .await;
    let first = t.submit("first").await;
    let second = t.submit("second").await;
    let (lines, status) = t.subscribe_all(&second.id, 0).await;
    assert_eq!(status, Some(ExecutionStatus::Success));
    assert_eq!(
        lines
            .iter()
            .map(|l| l.line.content.as_str())
            .take(2)
            .collect::<Vec<_>>(),
        ["one", "two"]
    );
    t.finished(&first.id, 20).await;
}

#[tokio::test]
async fn a_slow_subscriber_never_blocks_the_run_and_catches_up_from_storage() {
    use futures_util::StreamExt;
    let t = TestEngine::with_claude(
        "i=1; while [ $i -le 12000 ]; do echo \"line $i\"; i=$((i+1)); done",
        |_| {},
    )
    .await;
    let rec = t.submit("hello").await;
    let mut stream = Box::pin(t.engine.subscribe(&rec.id, 0));
    // Take one item, then stop reading while the run prints far more than the live buffer holds.
    let first = stream.next().await;
    assert!(matches!(
        first,
        Some(agented_engine::BusItem::Line(_)) | Some(agented_engine::BusItem::Status(_))
    ));
    let done = t.finished(&rec.id, 60).await;
    assert_eq!(
        done.status,
        ExecutionStatus::Success,
        "the run finished while its subscriber stalled"
    );
    let mut seqs = Vec::new();
    if let Some(agented_engine::BusItem::Line(l)) = first {
        seqs.push(l.line.seq);
    }
    let mut completed = false;
    while let Some(item) = stream.next().await {
        match item {
            agented_engine::BusItem::Line(l) => seqs.push(l.line.seq),
            agented_engine::BusItem::Complete(_) => {
                completed = true;
                break;
            }
            agented_engine::BusItem::Status(_) => {}
        }
    }
    assert!(completed);
    assert_eq!(
        seqs,
        (1..=12001).collect::<Vec<u64>>(),
        "every line exactly once, in order"
    );
}

#[tokio::test]
async fn slow_subscribers_on_a_busy_run_each_get_every_line_once() {
    use futures_util::StreamExt;
    let t = TestEngine::with_claude(
        "i=1; while [ $i -le 20000 ]; do echo \"line $i\"; i=$((i+1)); done",
        |_| {},
    )
    .await;
    let rec = t.submit("hello").await;
    let subs = (0..20).map(|n| {
        let stream = t.engine.subscribe(&rec.id, 0);
        async move {
            let mut stream = Box::pin(stream);
            let mut seqs = Vec::new();
            let mut i = 0u64;
            while let Some(item) = stream.next().await {
                match item {
                    agented_engine::BusItem::Line(l) => seqs.push(l.line.seq),
                    agented_engine::BusItem::Complete(_) => break,
                    agented_engine::BusItem::Status(_) => {}
                }
                i += 1;
                // Some subscribers are slow: they fall behind the live buffer again and again.
                if n % 2 == 0 && i.is_multiple_of(500) {
                    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                }
            }
            seqs
        }
    });
    for seqs in futures_util::future::join_all(subs).await {
        let expected: Vec<u64> = (1..=20001).collect();
        if seqs != expected {
            let missing = expected.iter().filter(|s| !seqs.contains(s)).count();
            panic!(
                "got {} lines, {} missing, first few: {:?}",
                seqs.len(),
                missing,
                &seqs[..seqs.len().min(5)]
            );
        }
    }
}
