//! Runs over HTTP: start, live SSE stream, resume, detail with logs, control, replay, search.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;

use crate::support::{assert_error, Req, TestApp};

/// One parsed SSE event.
#[derive(Debug, Clone)]
struct SseEvent {
    event: String,
    id: Option<String>,
    data: String,
}

/// Reads an SSE response to its end (the server ends it after `complete`).
async fn read_sse(app: &TestApp, req: Req) -> Vec<SseEvent> {
    let response = app.raw(req).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/event-stream"));
    let body = tokio::time::timeout(Duration::from_secs(30), response.into_body().collect())
        .await
        .expect("the stream ended")
        .expect("body")
        .to_bytes();
    let text = String::from_utf8_lossy(&body).into_owned();
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty() && !block.starts_with(':'))
        .map(|block| {
            let mut e = SseEvent {
                event: "message".into(),
                id: None,
                data: String::new(),
            };
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    e.event = v.into();
                } else if let Some(v) = line.strip_prefix("id: ") {
                    e.id = Some(v.into());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    e.data.push_str(v);
                }
            }
            e
        })
        .collect()
}

async fn start(app: &TestApp, key: &str, prompt: &str) -> String {
    let r = app
        .send(
            Req::post("/admin/executions")
                .key(key)
                .json(json!({"backend": "claude", "prompt": prompt})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["status"], "queued");
    r.body["execution_id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_started_run_streams_its_log_and_agent_events_live_then_completes() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let id = start(&app, &admin, "say hello").await;
    let events = read_sse(
        &app,
        Req::get(&format!("/admin/executions/{id}/stream")).key(&admin),
    )
    .await;
    let logs: Vec<_> = events.iter().filter(|e| e.event == "log").collect();
    assert!(!logs.is_empty());
    for (i, e) in logs.iter().enumerate() {
        assert_eq!(
            e.id.as_deref(),
            Some((i + 1).to_string().as_str()),
            "every log event carries its line number"
        );
    }
    let agent: Vec<serde_json::Value> = events
        .iter()
        .filter(|e| e.event == "agent")
        .map(|e| serde_json::from_str(&e.data).expect("json"))
        .collect();
    assert!(
        agent.iter().any(|a| a["type"] == "assistant_text"),
        "{agent:?}"
    );
    assert!(agent.iter().any(|a| a["type"] == "usage"));
    let last = events.last().expect("events");
    assert_eq!(last.event, "complete");
    let complete: serde_json::Value = serde_json::from_str(&last.data).expect("json");
    assert_eq!(complete["status"], "success");
    assert_eq!(complete["exit_code"], 0);
    assert!(complete["duration_ms"].is_number() && complete["finished_at"].is_string());

    let detail = app
        .send(Req::get(&format!("/admin/executions/{id}")).key(&admin))
        .await;
    assert_eq!(detail.body["status"], "success");
    assert_eq!(detail.body["input_tokens"], 120);
    assert_eq!(detail.body["output_tokens"], 12);
    assert!(detail.body["total_cost_usd"]
        .as_f64()
        .is_some_and(|c| c > 0.0));
    assert!(detail.body["session_id"].is_string());
    assert!(detail.body["argv"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x == "say hello")));
    assert_eq!(
        detail.body["logs"].as_array().map(Vec::len),
        Some(logs.len())
    );
}

#[tokio::test]
async fn last_event_id_and_after_resume_exactly_after_that_line() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let id = start(&app, &admin, "hello").await;
    let all = read_sse(
        &app,
        Req::get(&format!("/admin/executions/{id}/stream")).key(&admin),
    )
    .await;
    let total = all.iter().filter(|e| e.event == "log").count();
    assert!(total > 3);
    for req in [
        Req::get(&format!("/admin/executions/{id}/stream"))
            .key(&admin)
            .header("last-event-id", "3"),
        Req::get(&format!("/admin/executions/{id}/stream?after=3")).key(&admin),
    ] {
        let rest = read_sse(&app, req).await;
        let ids: Vec<_> = rest.iter().filter_map(|e| e.id.clone()).collect();
        assert_eq!(ids.first().map(String::as_str), Some("4"));
        assert_eq!(ids.len(), total - 3, "no line lost, none repeated");
        assert_eq!(rest.last().map(|e| e.event.as_str()), Some("complete"));
    }
}

#[tokio::test]
async fn streaming_an_unknown_run_is_a_404_before_the_stream_starts() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let r = app
        .send(Req::get("/admin/executions/exec-nope/stream").key(&admin))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "NOT_FOUND");
    let r = app
        .send(Req::get("/admin/executions/exec-nope").key(&admin))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn a_stream_token_opens_the_stream_for_eventsource_style_clients() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let id = start(&app, &admin, "hello").await;
    let path = format!("/admin/executions/{id}/stream");
    let t = app
        .send(
            Req::post("/auth/stream-token")
                .key(&admin)
                .json(json!({"path": path})),
        )
        .await;
    let token = t.body["token"].as_str().expect("token");
    let events = read_sse(&app, Req::get(&format!("{path}?token={token}"))).await;
    assert_eq!(events.last().map(|e| e.event.as_str()), Some("complete"));
}

#[tokio::test]
async fn streams_per_key_are_capped() {
    let app = TestApp::with_config(|c| c.rate_limits.streams_per_key = 1).await;
    let admin = app.admin_key().await;
    app.fake_claude("echo started; sleep 5");
    let id = start(&app, &admin, "hello").await;
    let first = app
        .raw(Req::get(&format!("/admin/executions/{id}/stream")).key(&admin))
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let second = app
        .send(Req::get(&format!("/admin/executions/{id}/stream")).key(&admin))
        .await;
    assert_error(&second, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    drop(first);
    let third = app
        .raw(Req::get(&format!("/admin/executions/{id}/stream")).key(&admin))
        .await;
    assert_eq!(
        third.status(),
        StatusCode::OK,
        "the slot is free again once the first stream is gone"
    );
    app.send(Req::post(&format!("/admin/executions/{id}/cancel")).key(&admin))
        .await;
}

#[tokio::test]
async fn cancel_pause_and_resume_over_the_api_are_audited() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    app.fake_claude("echo started; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done");
    let id = start(&app, &admin, "hello").await;
    // Wait until it runs.
    for _ in 0..200 {
        let r = app
            .send(Req::get(&format!("/admin/executions/{id}")).key(&admin))
            .await;
        if r.body["status"] == "running" && r.body["logs"].as_array().is_some_and(|l| !l.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let p = app
        .send(Req::post(&format!("/admin/executions/{id}/pause")).key(&admin))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(
        app.send(Req::get(&format!("/admin/executions/{id}")).key(&admin))
            .await
            .body["status"],
        "paused"
    );
    let again = app
        .send(Req::post(&format!("/admin/executions/{id}/pause")).key(&admin))
        .await;
    assert_error(&again, StatusCode::CONFLICT, "CONFLICT");
    let r = app
        .send(Req::post(&format!("/admin/executions/{id}/resume")).key(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = app
        .send(Req::new(Method::DELETE, &format!("/admin/executions/{id}")).key(&admin))
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    let events = read_sse(
        &app,
        Req::get(&format!("/admin/executions/{id}/stream")).key(&admin),
    )
    .await;
    let complete: serde_json::Value =
        serde_json::from_str(&events.last().expect("complete").data).expect("json");
    assert_eq!(complete["status"], "cancelled");
    let late = app
        .send(Req::post(&format!("/admin/executions/{id}/cancel")).key(&admin))
        .await;
    assert_error(&late, StatusCode::CONFLICT, "CONFLICT");
    let audit = app
        .send(Req::get("/admin/audit?action=execution.").key(&admin))
        .await;
    let actions: Vec<_> = audit.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_owned())
        .collect();
    for a in [
        "execution.start",
        "execution.pause",
        "execution.resume",
        "execution.cancel",
    ] {
        assert!(actions.contains(&a.to_owned()), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn a_replay_is_a_new_linked_run_with_a_comparison() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let id = start(&app, &admin, "say hello").await;
    read_sse(
        &app,
        Req::get(&format!("/admin/executions/{id}/stream")).key(&admin),
    )
    .await;
    let r = app
        .send(Req::post(&format!("/admin/executions/{id}/replay")).key(&admin))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let replay = r.body["replay_execution_id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(r.body["original_execution_id"], id.as_str());
    read_sse(
        &app,
        Req::get(&format!("/admin/executions/{replay}/stream")).key(&admin),
    )
    .await;
    let cmp = app
        .send(Req::get(&format!("/admin/executions/{replay}/comparison")).key(&admin))
        .await;
    assert_eq!(cmp.status, StatusCode::OK, "{}", cmp.text);
    assert_eq!(cmp.body["same_result"], true);
    assert_eq!(
        cmp.body["original"]["execution"]["argv"],
        cmp.body["replay"]["execution"]["argv"]
    );
    assert!(cmp.body["replay"]["result"]
        .as_str()
        .is_some_and(|r| r.contains("Hello")));
}

#[tokio::test]
async fn lists_filter_and_full_text_search_finds_prompts_and_logs() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    let id = start(&app, &admin, "please review the flux capacitor").await;
    read_sse(
        &app,
        Req::get(&format!("/admin/executions/{id}/stream")).key(&admin),
    )
    .await;
    let list = app
        .send(Req::get("/admin/executions?status=success&backend=claude").key(&admin))
        .await;
    assert_eq!(list.body["total_count"], 1, "{}", list.text);
    let none = app
        .send(Req::get("/admin/executions?status=failed").key(&admin))
        .await;
    assert_eq!(none.body["total_count"], 0);
    let by_text = app
        .send(Req::get("/admin/executions?q=capacitor").key(&admin))
        .await;
    assert_eq!(by_text.body["total_count"], 1, "{}", by_text.text);
    let search = app
        .send(Req::get("/admin/execution-search?q=capacitor").key(&admin))
        .await;
    assert_eq!(
        search.body["results"][0]["source"], "prompt",
        "{}",
        search.text
    );
    assert!(search.body["results"][0]["snippet"]
        .as_str()
        .is_some_and(|s| s.contains("[capacitor]")));
    let logs = app
        .send(Req::get("/admin/execution-search?q=mock%20model").key(&admin))
        .await;
    assert!(
        logs.body["results"]
            .as_array()
            .is_some_and(|r| r.iter().any(|h| h["source"] == "log")),
        "{}",
        logs.text
    );
    let weird = app
        .send(Req::get("/admin/execution-search?q=%22unbalanced%20(%20*").key(&admin))
        .await;
    assert_eq!(
        weird.status,
        StatusCode::OK,
        "FTS syntax in user input is harmless: {}",
        weird.text
    );
    let filtered = app
        .send(Req::get(&format!("/admin/executions/{id}?q=HELLO")).key(&admin))
        .await;
    assert!(filtered.body["logs"]
        .as_array()
        .is_some_and(|l| !l.is_empty()
            && l.iter().all(|x| x["content"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .contains("hello"))));
    for bad in [
        "status=exploded",
        "backend=cursor",
        "date_from=yesterday",
        "limit=0",
    ] {
        let r = app
            .send(Req::get(&format!("/admin/executions?{bad}")).key(&admin))
            .await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn bad_run_requests_are_refused_and_queue_nothing() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    for body in [
        json!({"backend": "cursor", "prompt": "x"}),
        json!({"backend": "claude", "prompt": "  "}),
        json!({"backend": "claude", "prompt": "x", "working_dir": "../../etc"}),
        json!({"backend": "claude", "prompt": "x", "timeout_secs": 0}),
    ] {
        let r = app
            .send(
                Req::post("/admin/executions")
                    .key(&admin)
                    .json(body.clone()),
            )
            .await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }
    let list = app.send(Req::get("/admin/executions").key(&admin)).await;
    assert_eq!(list.body["total_count"], 0);
    let (_, viewer) = app.key_with_role(&admin, "viewer").await;
    let r = app
        .send(
            Req::post("/admin/executions")
                .key(&viewer)
                .json(json!({"backend": "claude", "prompt": "x"})),
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "FORBIDDEN");
}

#[tokio::test]
async fn the_queue_shows_queued_and_running_runs() {
    let app = TestApp::new().await;
    let admin = app.admin_key().await;
    app.fake_claude("echo started; sleep 3");
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(start(&app, &admin, &format!("run {i}")).await);
    }
    let q = app
        .send(Req::get("/admin/executions/queue").key(&admin))
        .await;
    assert_eq!(q.body["max_concurrent_runs"], 4);
    let total = q.body["queued"].as_u64().unwrap_or(0) + q.body["running"].as_u64().unwrap_or(0);
    assert_eq!(total, 6, "{}", q.text);
    assert!(q.body["running"].as_u64().unwrap_or(0) <= 4);
    let r = app
        .send(
            Req::post("/admin/executions/bulk-cancel")
                .key(&admin)
                .json(json!({"execution_ids": ids})),
        )
        .await;
    assert_eq!(
        r.body["cancelled"].as_array().map(Vec::len),
        Some(6),
        "{}",
        r.text
    );
}
