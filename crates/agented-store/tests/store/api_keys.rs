//! API keys in the store: hashed, listed without secrets, revoked by timestamp.

use agented_domain::{PageRequest, Role};
use agented_store::{ApiKeyUpdate, NewApiKey, StoreError};

use crate::support::migrated_both;

fn key(id: &str, hash: &str, role: Role) -> NewApiKey {
    NewApiKey {
        id: id.into(),
        key_hash: hash.into(),
        key_prefix: "agd_abcdefgh".into(),
        label: format!("label of {id}"),
        role,
        created_by: None,
    }
}

#[tokio::test]
async fn keys_are_found_by_hash_until_revoked() {
    for db in migrated_both().await {
        let s = &db.store;
        s.create_api_key(key("role-a", "hash-a", Role::Editor))
            .await
            .expect("create");
        let found = s
            .active_api_key_by_hash("hash-a")
            .await
            .expect("query")
            .expect("found");
        assert_eq!((found.id.as_str(), found.role), ("role-a", Role::Editor));
        assert!(s.revoke_api_key("role-a").await.expect("revoke"));
        assert!(
            !s.revoke_api_key("role-a").await.expect("revoke twice"),
            "{}",
            db.name
        );
        assert!(s
            .active_api_key_by_hash("hash-a")
            .await
            .expect("query")
            .is_none());
        assert!(matches!(
            s.revoke_api_key("role-missing").await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(s.count_active_api_keys().await.expect("count"), 0);
    }
}

#[tokio::test]
async fn listing_paginates_and_hides_revoked_keys_unless_asked() {
    for db in migrated_both().await {
        let s = &db.store;
        for i in 0..5 {
            s.create_api_key(key(&format!("role-{i}"), &format!("h{i}"), Role::Viewer))
                .await
                .expect("create");
        }
        s.revoke_api_key("role-0").await.expect("revoke");
        let page = s
            .list_api_keys(
                PageRequest {
                    limit: 2,
                    offset: 0,
                },
                false,
            )
            .await
            .expect("list");
        assert_eq!((page.items.len(), page.total_count), (2, 4), "{}", db.name);
        let all = s
            .list_api_keys(
                PageRequest {
                    limit: 50,
                    offset: 0,
                },
                true,
            )
            .await
            .expect("list");
        assert_eq!(all.total_count, 5);
        let updated = s
            .update_api_key(
                "role-1",
                ApiKeyUpdate {
                    label: Some("renamed".into()),
                    role: Some(Role::Admin),
                },
            )
            .await
            .expect("update");
        assert_eq!(
            (updated.label.as_str(), updated.role),
            ("renamed", Role::Admin)
        );
    }
}

#[tokio::test]
async fn a_duplicate_key_hash_is_a_conflict() {
    for db in migrated_both().await {
        db.store
            .create_api_key(key("role-a", "same", Role::Viewer))
            .await
            .expect("create");
        let err = db
            .store
            .create_api_key(key("role-b", "same", Role::Viewer))
            .await
            .expect_err("dup");
        assert!(matches!(err, StoreError::Conflict(_)), "{}: {err}", db.name);
    }
}

#[tokio::test]
async fn only_one_of_many_concurrent_first_keys_is_created() {
    for db in migrated_both().await {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = db.store.clone();
                tokio::spawn(async move {
                    s.create_first_api_key(key(&format!("role-{i}"), &format!("h{i}"), Role::Admin))
                        .await
                })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            // A loser either sees the winner's row or (SQLite) a busy write; neither creates a key.
            if let Ok(Ok(Some(_))) = t.await {
                created += 1;
            }
        }
        assert_eq!(created, 1, "{}", db.name);
        assert_eq!(
            db.store.count_active_api_keys().await.expect("count"),
            1,
            "{}",
            db.name
        );
    }
}
