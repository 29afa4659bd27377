//! The dispatcher: starts queued runs within the concurrency limits (global, per backend, per
//! account) and their `not_before` times. A loop around one step, [`dispatch_once`]; the loop sleeps
//! until something is queued, a run ends, or the next `not_before` comes — it never polls.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use agented_domain::ExecutionStatus;

use crate::engine::Inner;

/// What one dispatch step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct DispatchOutcome {
    /// Runs started.
    pub started: usize,
    /// When a queued run with a `not_before` becomes due, if any.
    pub next_due_in: Option<Duration>,
}

/// Starts as many due queued runs as the limits allow.
pub(crate) async fn dispatch_once(
    inner: &Arc<Inner>,
) -> Result<DispatchOutcome, agented_store::StoreError> {
    let cfg = &inner.ctx.config;
    let store = &inner.ctx.store;
    let mut per_backend: HashMap<String, usize> = HashMap::new();
    let mut per_account: HashMap<String, usize> = HashMap::new();
    let mut total = 0usize;
    for (backend, account, n) in store.active_execution_counts().await? {
        let n = n.max(0) as usize;
        total += n;
        *per_backend.entry(backend).or_default() += n;
        if let Some(a) = account {
            *per_account.entry(a).or_default() += n;
        }
    }
    let now = agented_domain::time::now_rfc3339();
    let mut outcome = DispatchOutcome::default();
    if total < cfg.max_concurrent_runs {
        let candidates = store.due_queued_executions(&now, 200).await?;
        for rec in candidates {
            if total >= cfg.max_concurrent_runs || inner.is_shutting_down() {
                break;
            }
            let backend_full = cfg
                .max_runs_per_backend
                .get(&rec.backend)
                .is_some_and(|max| per_backend.get(&rec.backend).copied().unwrap_or(0) >= *max);
            let account_full = rec.account_id.as_ref().is_some_and(|a| {
                cfg.max_runs_per_account
                    .get(a)
                    .is_some_and(|max| per_account.get(a).copied().unwrap_or(0) >= *max)
            });
            if backend_full || account_full {
                continue;
            }
            // The claim is a compare-and-set: if another dispatcher (or a cancel) got there first,
            // this run is simply skipped.
            if !store
                .transition_execution(
                    &rec.id,
                    &[ExecutionStatus::Queued],
                    ExecutionStatus::Running,
                )
                .await?
            {
                continue;
            }
            total += 1;
            *per_backend.entry(rec.backend.clone()).or_default() += 1;
            if let Some(a) = &rec.account_id {
                *per_account.entry(a.clone()).or_default() += 1;
            }
            inner.launch(rec);
            outcome.started += 1;
        }
    }
    if let Some(next) = store.next_not_before(&now).await? {
        if let (Some(next), Some(now)) = (
            agented_domain::time::parse_rfc3339(&next),
            agented_domain::time::parse_rfc3339(&now),
        ) {
            outcome.next_due_in = Some((next - now).to_std().unwrap_or_default());
        }
    }
    Ok(outcome)
}

/// Runs [`dispatch_once`] whenever woken, until shutdown.
pub(crate) async fn dispatch_loop(inner: Arc<Inner>) {
    loop {
        if inner.is_shutting_down() {
            return;
        }
        let sleep = match dispatch_once(&inner).await {
            Ok(o) => o.next_due_in,
            Err(e) => {
                tracing::error!(error = %e, "dispatching queued runs failed; retrying shortly");
                Some(Duration::from_secs(1))
            }
        };
        match sleep {
            Some(d) => {
                let _ =
                    tokio::time::timeout(d + Duration::from_millis(5), inner.wake.notified()).await;
            }
            None => inner.wake.notified().await,
        }
    }
}
