//! The audit trail: appended, newest first, filtered by action prefix and time.

use agented_domain::PageRequest;
use agented_store::{AuditEntry, AuditFilter};

use crate::support::migrated_both;

fn entry(action: &str) -> AuditEntry {
    AuditEntry {
        action: action.into(),
        outcome: "success".into(),
        actor: "role-x".into(),
        details: Some(serde_json::json!({"n": 1})),
        ..Default::default()
    }
}

#[tokio::test]
async fn events_are_listed_newest_first_and_filtered() {
    for db in migrated_both().await {
        let s = &db.store;
        for a in ["api_key.create", "auth.login", "api_key.revoke"] {
            s.record_audit(entry(a)).await.expect("record");
        }
        let page = PageRequest::default();
        let all = s
            .list_audit(&AuditFilter::default(), page)
            .await
            .expect("list");
        assert_eq!(all.total_count, 3, "{}", db.name);
        assert_eq!(all.items[0].action, "api_key.revoke");
        assert_eq!(all.items[0].details, Some(serde_json::json!({"n": 1})));
        let keys = s
            .list_audit(
                &AuditFilter {
                    action: Some("api_key.".into()),
                    ..Default::default()
                },
                page,
            )
            .await
            .expect("list");
        assert_eq!(keys.total_count, 2, "{}", db.name);
        let exact = s
            .list_audit(
                &AuditFilter {
                    action: Some("auth.login".into()),
                    ..Default::default()
                },
                page,
            )
            .await
            .expect("list");
        assert_eq!(exact.total_count, 1);
        let future = s
            .list_audit(
                &AuditFilter {
                    since: Some("2999-01-01T00:00:00.000Z".into()),
                    ..Default::default()
                },
                page,
            )
            .await
            .expect("list");
        assert_eq!(future.total_count, 0);
    }
}
